#!/usr/bin/env node
// npm run package: a production .vsix in out/ (vscode:prepublish bundles and minifies with esbuild;
// --no-dependencies because the bundle carries what it needs). Prints its path, size and file count.
//   node scripts/package.mjs [--out FILE] [--quiet]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const out = outArg >= 0 ? path.resolve(args[outArg + 1]) : path.join(root, 'out', `${pkg.name}-${pkg.version}.vsix`);
const quiet = args.includes('--quiet');
fs.mkdirSync(path.dirname(out), { recursive: true });
const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--out', out], { cwd: root, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
const size = fs.statSync(out).size;
console.log(`package: ${path.relative(process.cwd(), out) || out} (${(size / 1024 / 1024).toFixed(2)} MB)`);
if (size > 3 * 1024 * 1024) {
  console.error('package: larger than 3 MB');
  process.exit(1);
}
