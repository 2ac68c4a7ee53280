/**
 * The .vsix holds what the extension runs and shows, and nothing else: every bundle esbuild
 * writes (extension, CLI, pre-push and hook launchers), the shims, the tree-sitter wasm, the
 * schema, media, and the marketplace files; no sources, tests, maps, node_modules or tools.
 * Listed with the real `vsce ls` (what `npm run package` packs); small enough (≤ 3 MB packed).
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

const root = path.resolve(__dirname, '..', '..', '..', '..');

describe('the .vsix contents (vsce ls)', function () {
  this.timeout(60_000);
  let files: string[];
  before(() => {
    const out = execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' });
    files = out.split('\n').map((l) => l.trim()).filter(Boolean);
  });

  it('has every bundle, shim, wasm file, the schema, media and the marketplace files', () => {
    // Everything esbuild.js writes to dist/ except source maps and the hook's startup snapshot (it
    // belongs to the node that built it): bundles, the sandbox relay, built-in layers, wasm.
    const local = /\.map$|^hook-snapshot\.cjs$|^hook-main\.blob/;
    const bundles = fs.readdirSync(path.join(root, 'dist'), { withFileTypes: true }).filter((e) => e.isFile() && !local.test(e.name)).map((e) => `dist/${e.name}`);
    assert.ok(bundles.length >= 4, `dist/ has only ${bundles}`);
    const shims = (function walk(d: string): string[] {
      return fs.readdirSync(path.join(root, d), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${d}/${e.name}`) : [`${d}/${e.name}`]));
    })('dist/shim');
    const want = [...bundles, ...shims, 'dist/tree-sitter.wasm', 'dist/tree-sitter-bash.wasm', 'dist/agentpolicy.schema.json', 'media/icon.png', 'media/activity.svg', 'media/auditView.js', 'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'];
    const missing = want.filter((f) => !files.includes(f));
    assert.deepStrictEqual(missing, []);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    for (const s of pkg.contributes.walkthroughs[0].steps) assert.ok(files.includes(s.media.markdown), s.media.markdown);
    assert.ok(files.includes(pkg.icon), pkg.icon);
  });

  it('has no sources, tests, source maps, node_modules, tools or screenshots', () => {
    const stray = files.filter((f) => /^(src|test|out|tools|node_modules|scripts|docs|\.ci)\/|\.map$|\.ts$|^media\/screenshots\/|^dist\/hook-(snapshot\.cjs|main\.blob)/.test(f));
    assert.deepStrictEqual(stray, []);
  });

  it('packs to at most 3 MB, even from the unminified development build', () => {
    // A .vsix is a zip of these files (deflate); `npm run package` builds it minified, so smaller still.
    const bytes = files.reduce((n, f) => n + zlib.deflateRawSync(fs.readFileSync(path.join(root, f)), { level: 9 }).length + 100, 0);
    assert.ok(bytes <= 3 * 1024 * 1024, `${(bytes / 1024 / 1024).toFixed(2)} MB compressed`);
  });

  it('has the marketplace metadata vsce wants', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.strictEqual(pkg.license, 'MIT');
    assert.match(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8'), /^MIT License/);
    assert.ok(pkg.repository?.url, 'no repository');
    assert.ok(pkg.galleryBanner?.color);
    assert.ok(!pkg.categories.every((c: string) => c === 'Other'), 'categories: only Other');
    assert.ok(pkg.keywords.length >= 5);
    assert.strictEqual(pkg.scripts['vscode:prepublish'], 'node esbuild.js --production');
    const png = fs.readFileSync(path.join(root, pkg.icon));
    assert.strictEqual(png.subarray(1, 4).toString(), 'PNG');
    assert.deepStrictEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128], 'the icon is not 128×128');
  });
});
