import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..', '..');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('src/core stays pure', () => {
  it('never imports vscode', () => {
    const files = tsFiles(path.join(root, 'src', 'core'));
    assert.ok(files.length > 5, 'expected the core sources to be found');
    const offenders = files.filter((f) => /(from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/.test(fs.readFileSync(f, 'utf8')));
    assert.deepStrictEqual(offenders, []);
  });

  it('never imports from the CLI or the extension', () => {
    const offenders = tsFiles(path.join(root, 'src', 'core')).filter((f) => /from\s+['"](\.\.\/)+(cli|vscode|extension)/.test(fs.readFileSync(f, 'utf8')));
    assert.deepStrictEqual(offenders, []);
  });
});
