import * as assert from 'assert';
import { spawn } from 'child_process';
import * as path from 'path';
import { readLineBatches } from '../../../src/core/audit/reader';
import { listSegments, sha256Hex } from '../../../src/core/audit/segments';
import { AuditLog } from '../../../src/core/audit/auditLog';
import { verifyExitCode, verifyLog, formatVerifyReport } from '../../../src/core/audit/verify';
import { rmrf, tempDir } from '../../unit/audit/helpers';

/** Runs the writer until it has acknowledged `acks` records, then SIGKILLs it. Returns the acknowledged seq → hash. */
function runAndKill(dir: string, acks: number): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'crashWriter-main.js'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Map<number, string>();
    let buf = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^(\d+) ([0-9a-f]{64})$/.exec(line);
        if (m) acked.set(Number(m[1]), m[2]);
      }
      if (!killed && acked.size >= acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`writer exited ${code}: ${err}`));
    });
  });
}

async function lineHashes(dir: string): Promise<Map<number, string>> {
  const m = new Map<number, string>();
  for (const f of listSegments(dir)) {
    for await (const b of readLineBatches(f)) for (const l of b.lines) m.set(JSON.parse(l).seq, sha256Hex(l));
  }
  return m;
}

describe('audit log survives kill -9 of its writer', function () {
  this.timeout(60000);
  let tmp: string;
  before(() => (tmp = tempDir('ap-crash-')));
  after(() => rmrf(tmp));

  it('every acknowledged record is intact after 10 kills, and verify passes', async () => {
    const dir = path.join(tmp, 'log');
    const allAcked = new Map<number, string>();
    for (let i = 0; i < 10; i++) {
      const acked = await runAndKill(dir, 20 + ((i * 37) % 150));
      for (const [k, v] of acked) allAcked.set(k, v);
      const report = await verifyLog(dir);
      assert.notStrictEqual(verifyExitCode(report), 1, `after kill ${i + 1}: ${formatVerifyReport(report)}`);
      const onDisk = await lineHashes(dir);
      for (const [seq, hash] of allAcked) assert.strictEqual(onDisk.get(seq), hash, `after kill ${i + 1}: acknowledged seq ${seq} missing or changed`);
    }
    // A clean reopen sets aside any torn tail; then the whole log verifies.
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    await log.close();
    const final = await verifyLog(dir);
    assert.strictEqual(final.status, 'ok', formatVerifyReport(final));
    assert.ok(allAcked.size >= 200);
    assert.ok(listSegments(dir).length > 1, 'rotation happened under crashes too');
  });
});
