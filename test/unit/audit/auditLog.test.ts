import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { AuditLog, LOCK_FILE } from '../../../src/core/audit/auditLog';
import { LockHeldError } from '../../../src/core/audit/lockFile';
import { listSegments, sha256Hex } from '../../../src/core/audit/segments';
import { KEY_FILE } from '../../../src/core/audit/signingKey';
import { GENESIS_HASH } from '../../../src/core/audit/types';
import { verifyLog, verifyExitCode } from '../../../src/core/audit/verify';
import { commandAllow, commandDeny, commandResult, fileAsk } from './sampleEvents';
import { readLines, rmrf, tempDir } from './helpers';

describe('audit/AuditLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = path.join(tempDir(), 'log');
  });
  afterEach(() => rmrf(path.dirname(dir)));

  it('appends hash-chained records with gap-free seqs and private permissions', async () => {
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    const a = await log.append(commandAllow(1));
    const b = await log.append(commandResult(a.seq));
    await log.close();

    assert.strictEqual(b.seq, a.seq + 1);
    const [file] = listSegments(dir);
    const lines = readLines(file);
    let prev = GENESIS_HASH;
    lines.forEach((line, i) => {
      const rec = JSON.parse(line);
      assert.strictEqual(rec.seq, i + 1);
      assert.strictEqual(rec.prev, prev);
      prev = sha256Hex(line);
    });
    const types = lines.map((l) => JSON.parse(l).type);
    assert.deepStrictEqual(types, ['open', 'decision', 'result', 'checkpoint']);
    const result = JSON.parse(lines[2]);
    assert.strictEqual(result.ref, a.seq);
    assert.strictEqual(fs.statSync(dir).mode & 0o777, 0o700);
    assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
    assert.strictEqual(fs.statSync(path.join(dir, KEY_FILE)).mode & 0o777, 0o600);
    assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)), 'lock released at close');
    assert.strictEqual(verifyExitCode(await verifyLog(dir)), 0);
  });

  it('fills time and OS user/host defaults the caller left out', async () => {
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0, defaults: { osUser: 'bob', hostname: 'h1' } });
    const ev = commandAllow();
    ev.context = { session: 's' };
    await log.append(ev);
    await log.close();
    const rec = JSON.parse(readLines(listSegments(dir)[0])[1]);
    assert.strictEqual(rec.context.osUser, 'bob');
    assert.strictEqual(rec.context.hostname, 'h1');
    assert.strictEqual(typeof rec.time, 'number');
  });

  it('group-commits concurrent appends into few write+fdatasync calls', async () => {
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0, checkpointEvery: 100000 });
    const before = log.stats.writes;
    const acks = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(commandAllow(i))));
    const writes = log.stats.writes - before;
    await log.close();

    assert.deepStrictEqual(acks.map((a) => a.seq), Array.from({ length: 200 }, (_, i) => i + 2));
    assert.ok(writes <= 3, `200 concurrent appends took ${writes} writes`);
    assert.strictEqual(verifyExitCode(await verifyLog(dir)), 0);
  });

  it('signs a checkpoint right after every deny and ask, and at close', async () => {
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    await log.append(commandAllow());
    await log.append(commandDeny());
    await log.append(commandAllow());
    await log.append(fileAsk());
    await log.close();
    const recs = readLines(listSegments(dir)[0]).map((l) => JSON.parse(l));
    assert.deepStrictEqual(
      recs.map((r) => (r.type === 'checkpoint' ? `cp:${r.why}` : r.type === 'decision' ? r.decision.effect : r.type)),
      ['open', 'allow', 'deny', 'cp:deny', 'allow', 'ask', 'cp:ask', 'cp:close'],
    );
    const report = await verifyLog(dir);
    assert.strictEqual(report.checkpoints, 3);
    assert.strictEqual(report.afterLastCheckpoint, 0);
  });

  it('signs a checkpoint every N records', async () => {
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0, checkpointEvery: 5 });
    for (let i = 0; i < 12; i++) await log.append(commandAllow(i));
    const report = await verifyLog(dir);
    await log.close();
    assert.strictEqual(report.checkpoints, 2);
    assert.ok(report.afterLastCheckpoint < 5);
  });

  it('checkpoint JWS is EdDSA with kid = the JWK thumbprint of the key', async () => {
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    await log.append(commandDeny());
    const kid = log.kid;
    await log.close();
    const cp = readLines(listSegments(dir)[0]).map((l) => JSON.parse(l)).find((r) => r.type === 'checkpoint');
    const header = JSON.parse(Buffer.from(cp.jws.split('.')[0], 'base64url').toString());
    assert.strictEqual(header.alg, 'EdDSA');
    assert.strictEqual(header.kid, kid);
    const { calculateJwkThumbprint } = await import('jose');
    const priv = JSON.parse(fs.readFileSync(path.join(dir, KEY_FILE), 'utf8'));
    assert.strictEqual(await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: priv.x }), kid);
  });

  it('allows one writer per directory and takes over a stale lock', async () => {
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    await assert.rejects(AuditLog.open(dir), LockHeldError);
    await log.close();

    // A writer that died (pid that cannot exist) leaves a stale lock.
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, hostname: require('os').hostname() }));
    const again = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    await again.append(commandAllow());
    await again.close();
    assert.strictEqual(verifyExitCode(await verifyLog(dir)), 0);
  });

  it('continues the chain and the seq across reopen', async () => {
    let log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    const a = await log.append(commandAllow());
    await log.close();
    log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    const b = await log.append(commandAllow());
    await log.close();
    assert.ok(b.seq > a.seq);
    const recs = readLines(listSegments(dir)[0]).map((l) => JSON.parse(l));
    assert.strictEqual(new Set(recs.map((r) => r.log)).size, 1, 'one log id');
    assert.strictEqual(verifyExitCode(await verifyLog(dir)), 0);
  });

  it('sets a torn last line aside and records the recovery on reopen', async () => {
    let log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    await log.append(commandAllow());
    await log.close();
    const [file] = listSegments(dir);
    fs.appendFileSync(file, '{"v":1,"log":"x","seq":9,"ts":1,"prev":"ab');

    const torn = await verifyLog(dir);
    assert.strictEqual(torn.status, 'torn');
    assert.strictEqual(verifyExitCode(torn), 2);
    assert.strictEqual(torn.torn?.line, readLines(file).length);

    log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    assert.ok(log.recovered);
    await log.close();
    const saved = fs.readdirSync(dir).filter((n) => n.endsWith('.torn'));
    assert.strictEqual(saved.length, 1);
    assert.strictEqual(fs.readFileSync(path.join(dir, saved[0]), 'utf8'), '{"v":1,"log":"x","seq":9,"ts":1,"prev":"ab');
    const recs = readLines(file).map((l) => JSON.parse(l));
    const recovery = recs.find((r) => r.type === 'recovery');
    assert.ok(recovery, 'recovery record');
    assert.strictEqual(recovery.torn.bytes, 42);
    assert.strictEqual(verifyExitCode(await verifyLog(dir)), 0);
  });

  it('rotates by size and continues the chain into the next segment', async () => {
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0, maxFileBytes: 4096 });
    for (let i = 0; i < 40; i++) await log.append(commandAllow(i));
    await log.close();
    const files = listSegments(dir);
    assert.ok(files.length >= 3, `${files.length} segments`);
    const second = JSON.parse(readLines(files[1])[0]);
    assert.strictEqual(second.type, 'open');
    assert.strictEqual(second.continues, path.basename(files[0]));
    const lastOfFirst = readLines(files[0]).pop()!;
    assert.strictEqual(JSON.parse(lastOfFirst).type, 'checkpoint');
    assert.strictEqual(second.prev, sha256Hex(lastOfFirst));
    const report = await verifyLog(dir);
    assert.strictEqual(report.status, 'ok');
    assert.strictEqual(report.firstSeq, 1);
    assert.strictEqual(report.lastSeq, report.records);
    for (const f of files) assert.strictEqual(fs.statSync(f).mode & 0o777, 0o600);
  });

  it('rejects appends when the log cannot be written (disk full), and keeps rejecting', async function () {
    if (!fs.existsSync('/dev/full')) this.skip();
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0, maxFileBytes: 2048 });
    // The next segment is a full disk.
    fs.symlinkSync('/dev/full', path.join(dir, 'audit-000002.jsonl'));
    let rejected: Error | undefined;
    let acked = 0;
    for (let i = 0; i < 50 && !rejected; i++) {
      try {
        await log.append(commandAllow(i));
        acked++;
      } catch (e) {
        rejected = e as Error;
      }
    }
    assert.ok(rejected, 'an append was rejected');
    assert.match(rejected.message, /cannot be written/);
    await assert.rejects(log.append(commandAllow()), /cannot be written/);
    await log.close();
    assert.ok(acked > 0);
  });

  it('rejects malformed events instead of logging them', async () => {
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    await assert.rejects(log.append({ type: 'decision' } as never), /agent\.id/);
    await log.close();
  });

  it('rejects appends after close', async () => {
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    await log.close();
    await assert.rejects(log.append(commandAllow()), /closed/);
  });
});
