import * as fs from 'fs';
import * as path from 'path';

/** Every record of the audit log in `dir`, oldest first (test helper). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function readAuditFile(dir: string): any[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^audit-\d+\.jsonl$/.test(f))
    .sort()
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}
