/** Temp dirs and line surgery for the audit tests. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function tempDir(prefix = 'ap-audit-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmrf(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function readLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function writeLines(file: string, lines: string[]): void {
  fs.writeFileSync(file, lines.map((l) => l + '\n').join(''));
}

/** The repository root (works from src via ts-node or from out/ after tsc). */
export function repoRoot(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) {
    const up = path.dirname(d);
    if (up === d) throw new Error('package.json not found above ' + __dirname);
    d = up;
  }
  return d;
}

/** The OCSF 1.8.0 schemas (copied from ../shared/ocsf into test/fixtures so a clone tests on its own). */
export function ocsfSchemaDir(): string {
  return path.resolve(repoRoot(), 'test', 'fixtures', 'ocsf');
}
