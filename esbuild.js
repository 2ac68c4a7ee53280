// Bundles the extension and the CLI; type checking is `tsc` (see package.json).
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** The wasm files the tree-sitter runtime loads at run time (see src/core/shell/parser.ts). */
function copyWasm() {
  const dir = path.dirname(require.resolve('@vscode/tree-sitter-wasm'));
  fs.mkdirSync('dist', { recursive: true });
  for (const f of ['tree-sitter.wasm', 'tree-sitter-bash.wasm']) {
    fs.copyFileSync(path.join(dir, f), path.join('dist', f));
  }
}

/** Shell traps, PATH shims (one link per guarded program) and git hooks (one link per hook name). */
function copyShim() {
  const { SHIMMED_PROGRAMS, GIT_HOOKS } = loadGuardLists();
  fs.rmSync('dist/shim', { recursive: true, force: true });
  fs.cpSync('src/shim', 'dist/shim', { recursive: true, filter: (src) => !src.endsWith('.ts') });
  for (const name of SHIMMED_PROGRAMS) fs.symlinkSync('shim.bash', path.join('dist/shim/bin', name));
  for (const name of GIT_HOOKS) fs.symlinkSync('hook.bash', path.join('dist/shim/hooks', name));
}

/** The lists live in TypeScript (src/core/broker/guardEnv.ts); read them without compiling it. */
function loadGuardLists() {
  const text = fs.readFileSync('src/core/broker/guardEnv.ts', 'utf8');
  const list = (name) => JSON.parse(new RegExp(`export const ${name} = (\\[[^\\]]*\\]);`).exec(text)[1].replace(/'/g, '"'));
  return { SHIMMED_PROGRAMS: list('SHIMMED_PROGRAMS'), GIT_HOOKS: list('GIT_HOOKS') };
}

async function main() {
  copyWasm();
  copyShim();
  fs.copyFileSync('src/core/sandbox/relay.pl', 'dist/relay.pl'); // the sandbox's relay where perl is (src/core/sandbox/launch.ts)
  const common = {
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
    logLevel: 'warning',
    // jsonc-parser's "main" is a UMD build esbuild cannot follow; its ESM build bundles cleanly.
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  };
  const contexts = [
    await esbuild.context({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
    await esbuild.context({ ...common, entryPoints: ['src/cli/cli-main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
    await esbuild.context({ ...common, entryPoints: ['src/shim/prepush-main.ts'], outfile: 'dist/prepush-main.js' }),
    // One hook call parses one command line and exits: V8's optimising wasm tier would compile the
    // shell grammar in the background and hold the exit ~0.4 s for it; the baseline tier is enough.
    await esbuild.context({ ...common, entryPoints: ['src/cli/hook-main.ts'], outfile: 'dist/hook-main.js', banner: { js: "require('v8').setFlagsFromString('--liftoff-only');" } }),
    await esbuild.context({ ...common, entryPoints: ['src/core/sandbox/relay-main.ts'], outfile: 'dist/relay-main.js' }),
    await esbuild.context({ ...common, entryPoints: ['src/core/sandbox/remote-helper-main.ts'], outfile: 'dist/remote-helper-main.js' }),
  ];
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  fs.chmodSync('dist/cli.js', 0o755);
  // The JSON Schema for editors is generated from the same zod schema the loader uses.
  const schema = require('child_process').execFileSync(process.execPath, ['dist/cli.js', 'schema'], { encoding: 'utf8' });
  fs.writeFileSync('dist/agentpolicy.schema.json', schema);
  // The built-in policy layers, validated once here rather than parsed in every hook call.
  fs.writeFileSync('dist/builtin-layers.json', require('child_process').execFileSync(process.execPath, ['dist/cli.js', 'builtin-layers'], { encoding: 'utf8' }));
  // The hook launcher's static deny answers (used when the broker times out), from the TS adapters.
  require('child_process').execFileSync(process.execPath, ['dist/cli.js', 'install-hooks', '--write-deny-answers', 'dist/shim/hook'], { stdio: 'inherit' });
  await buildHookSnapshot(common);
}

/**
 * dist/hook-main.blob: the hook bundle as a startup snapshot of this node (src/cli/hook-snapshot.ts),
 * and dist/hook-main.blob.node naming that node, which the launcher checks before using the blob.
 * Optional: when it cannot be built the launcher runs dist/hook-main.js, only slower.
 */
async function buildHookSnapshot(common) {
  const blob = 'dist/hook-main.blob';
  fs.rmSync(blob, { force: true });
  fs.rmSync(`${blob}.node`, { force: true });
  if (watch) return;
  // The snapshot builder runs a script, not a module, with a require for built-ins only; the
  // tree-sitter runtime's `await import()` of built-ins has no loader there: a plain require serves.
  const builtinImports = {
    name: 'builtin-imports',
    setup(build) {
      build.onLoad({ filter: /tree-sitter-wasm[\\/].*\.js$/ }, (args) => ({
        contents: fs.readFileSync(args.path, 'utf8').replace(/await import\("(module|fs\/promises)"\)/g, '__apBuiltin("$1")'),
        loader: 'js',
      }));
    },
  };
  await esbuild.build({
    ...common,
    entryPoints: ['src/cli/hook-snapshot.ts'],
    outfile: 'dist/hook-snapshot.cjs',
    format: 'iife',
    sourcemap: false,
    banner: { js: 'var module = { exports: {} }, exports = module.exports, __apBuiltin = require;' },
    define: { __dirname: 'globalThis.__agentpolicyDistDir' },
    plugins: [builtinImports],
  });
  const r = require('child_process').spawnSync(process.execPath, ['--liftoff-only', '--snapshot-blob', `${blob}.tmp`, '--build-snapshot', 'dist/hook-snapshot.cjs'], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmSync(`${blob}.tmp`, { force: true });
    console.warn(`note: no hook startup snapshot (${(r.stderr || r.error || '').toString().trim().split('\n')[0]}); hooks without a running guard take the plain bundle`);
    return;
  }
  fs.renameSync(`${blob}.tmp`, blob);
  fs.writeFileSync(`${blob}.node`, process.execPath + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
