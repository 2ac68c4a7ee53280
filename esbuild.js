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

async function main() {
  copyWasm();
  const common = {
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
    logLevel: 'warning',
  };
  const contexts = [
    await esbuild.context({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
    await esbuild.context({ ...common, entryPoints: ['src/cli/cli-main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
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
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
