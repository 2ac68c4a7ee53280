import * as assert from 'assert';
import { spawn } from 'child_process';
import * as path from 'path';
import { DEFAULT_CHECKPOINT_EVERY, DEFAULT_CHECKPOINT_INTERVAL_MS } from '../../../src/core/audit/auditLog';
import { formatVerifyReport, verifyExitCode, verifyLog } from '../../../src/core/audit/verify';
import { rmrf, tempDir } from '../../unit/audit/helpers';

/** Starts allowWriter-main; resolves once it acknowledged `acks` records and `thenWaitMs` passed, after SIGKILL. */
function runAndKill(dir: string, args: string[], acks: number, thenWaitMs = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'allowWriter-main.js'), dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = 0;
    let err = '';
    let armed = false;
    child.stdout.on('data', (c: Buffer) => {
      seen += c.toString().split('\n').filter((l) => /^\d+$/.test(l)).length;
      if (!armed && seen >= acks) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), thenWaitMs);
      }
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

describe('audit checkpoints survive kill -9 during allow-only traffic (default settings)', function () {
  this.timeout(60000);
  let tmp: string;
  beforeEach(() => (tmp = tempDir('ap-cpcrash-')));
  afterEach(() => rmrf(tmp));

  it(`steady allows: at most ${DEFAULT_CHECKPOINT_EVERY - 1} records are unsigned when the writer is killed`, async () => {
    const dir = path.join(tmp, 'log');
    for (const acks of [553, 200, 1000]) {
      await runAndKill(dir, ['steady'], acks);
      const r = await verifyLog(dir);
      assert.notStrictEqual(verifyExitCode(r), 1, formatVerifyReport(r));
      assert.ok(r.afterLastCheckpoint < DEFAULT_CHECKPOINT_EVERY, `killed after ${acks} acks: ${r.afterLastCheckpoint} records after the last checkpoint`);
      assert.ok(r.checkpoints >= Math.floor(acks / DEFAULT_CHECKPOINT_EVERY));
    }
  });

  it(`a few allows, then quiet: signed within ${DEFAULT_CHECKPOINT_INTERVAL_MS} ms, before the kill`, async () => {
    const dir = path.join(tmp, 'log');
    await runAndKill(dir, ['burst', '5'], 5, DEFAULT_CHECKPOINT_INTERVAL_MS + 800);
    const r = await verifyLog(dir);
    assert.strictEqual(r.status, 'ok', formatVerifyReport(r));
    assert.strictEqual(r.afterLastCheckpoint, 0, formatVerifyReport(r));
    assert.strictEqual(r.records, 1 + 5 + 1, 'open, 5 allows, one checkpoint');
  });
});
