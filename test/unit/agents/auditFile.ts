import * as fs from 'fs';
import * as path from 'path';

/** Every record of the audit log in `dir` (a log folder, or a root of `stream-N` logs), oldest first within each (test helper). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function readAuditFile(dir: string): any[] {
  const names = fs.readdirSync(dir);
  const streams = names.filter((n) => /^stream-\d+$/.test(n)).sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
  if (streams.length) return streams.flatMap((s) => readAuditFile(path.join(dir, s)));
  return names
    .filter((f) => /^audit-\d+\.jsonl$/.test(f))
    .sort()
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}
