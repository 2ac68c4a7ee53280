import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { AuditLog } from '../../../src/core/audit/auditLog';
import { verifyLog } from '../../../src/core/audit/verify';
import { commandAllow, commandDeny } from './sampleEvents';
import { readLines, rmrf, tempDir } from './helpers';

describe('audit log: allowed decisions written before they resolve, flushed to disk soon after', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => rmrf(dir));

  it('an allowed decision is in the file when append resolves, even if the writer is killed at once', () => {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'deferredSync-main.js'), dir], { encoding: 'utf8' });
    assert.strictEqual(r.signal, 'SIGKILL', r.stderr);
    const seq = Number(r.stdout.trim());
    assert.ok(seq > 0, r.stdout + r.stderr);
    const lines = readLines(path.join(dir, 'audit-000001.jsonl')).map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.seq === seq && l.type === 'decision' && l.decision.effect === 'allow'), 'the acknowledged record is not in the file');
  });

  it('denies and checkpoints are flushed before they resolve; the chain verifies', async () => {
    const log = await AuditLog.open(dir, { allowSyncWithinMs: 50, checkpointIntervalMs: 0 });
    await log.append(commandAllow());
    await log.append(commandDeny());
    await log.append(commandAllow());
    await new Promise((r) => setTimeout(r, 80)); // the deferred flush
    await log.close();
    const report = await verifyLog(dir);
    assert.strictEqual(report.status, 'ok', JSON.stringify(report.problem));
    assert.ok(fs.statSync(path.join(dir, 'audit-000001.jsonl')).size > 0);
  });
});
