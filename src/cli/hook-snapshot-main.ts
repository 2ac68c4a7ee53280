/**
 * The hook as a V8 startup snapshot (dist/hook.blob, built by esbuild.js with the node that
 * builds): the bundle is compiled, its modules initialised and the built-in policy layers parsed
 * once at build time instead of on every tool call. `node --snapshot-blob dist/hook.blob <agent>`
 * behaves exactly like `node dist/hook-main.js <agent>` (the launcher falls back to that when
 * the snapshot cannot run). Nothing that depends on the machine or the call happens before
 * the deserialised main: policies, the audit log and the shell grammar load per call.
 */
import * as v8 from 'v8';
import { baseline, recommendedUserLayer } from '../core/policy/resolve';
import { hookMain } from './hook-main';

baseline();
recommendedUserLayer();

v8.startupSnapshot.setDeserializeMainFunction(() => {
  // argv: [node, <agent>, …flags] (no script path when started from a snapshot).
  void hookMain(process.argv.slice(1));
});
