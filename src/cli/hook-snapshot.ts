/**
 * The hook bundle as a V8 startup snapshot (built by esbuild.js into dist/hook-main.blob with
 * `node --snapshot-blob … --build-snapshot`): the modules are already loaded and initialised when
 * the process starts, which is most of an in-process hook call's cost. Module top levels run once,
 * at build time, so nothing they compute may depend on the caller (environment, cwd, time): they
 * only define functions and constants. The launcher checks the blob belongs to this node and this
 * bundle, and falls back to dist/hook-main.js on anything but a whole answer frame.
 *
 *   node --liftoff-only --snapshot-blob dist/hook-main.blob <agent> <dist dir>
 */
import { hookMain } from './hook-main';
// What a hook call loads on demand (src/cli/hook.ts), loaded here so its module bodies run at build
// time and come initialised in the blob.
import '../core/agents/adapters';
import '../core/broker/host';
import '../core/policy/load';
import '../core/policy/resolve';
import '../core/shell/parser';

declare global {
  // Where the bundle's files are (wasm, built-in layers, cli.js): given per call, so the blob stays
  // valid wherever dist/ is; esbuild.js maps this bundle's __dirname to it.
  var __agentpolicyDistDir: string | undefined;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('v8') as typeof import('v8')).startupSnapshot.setDeserializeMainFunction(() => {
  const [agent = '', distDir = ''] = process.argv.slice(1);
  globalThis.__agentpolicyDistDir = distDir;
  void hookMain([agent], { framed: true });
});
