import * as assert from 'assert';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuditLog, AuditLogError, DEFAULT_CHECKPOINT_EVERY, LOCK_FILE } from '../../../src/core/audit/auditLog';
import { inspectLock, LockHeldError, processStartTime } from '../../../src/core/audit/lockFile';
import { listSegments } from '../../../src/core/audit/segments';
import { KEY_FILE } from '../../../src/core/audit/signingKey';
import { verifyExitCode, verifyLog, formatVerifyReport } from '../../../src/core/audit/verify';
import { commandAllow } from './sampleEvents';
import { readLines, rmrf, tempDir } from './helpers';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** The log's records (its writer must be idle: a line being written would be torn). */
function records(dir: string): Record<string, any>[] {
  return listSegments(dir).flatMap((f) => readLines(f).map((l) => JSON.parse(l)));
}

/** A live process that is not an audit writer (stopped by its pid in `after`). */
function sleeper(): ChildProcess {
  return spawn('sleep', ['60'], { stdio: 'ignore' });
}

/** An error a person is shown: one line, the path in it, no stack frames. */
function assertOneLine(e: unknown, code: string, where: string): AuditLogError {
  assert.ok(e instanceof AuditLogError, `expected AuditLogError, got ${(e as Error)?.stack ?? e}`);
  assert.strictEqual(e.code, code, e.message);
  assert.ok(!e.message.includes('\n'), e.message);
  assert.ok(!/\bat .*:\d+:\d+/.test(e.message), e.message);
  assert.ok(e.message.includes(where), `${e.message} names ${where}`);
  return e;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

describe('audit/robustness', () => {
  let tmp: string;
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    tmp = tempDir();
    dir = path.join(tmp, 'log');
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.pid && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
    rmrf(tmp);
  });

  describe('checkpoints during allow-only traffic', () => {
    it(`by count: no more than ${DEFAULT_CHECKPOINT_EVERY} records go unsigned by default`, async () => {
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
      for (let i = 0; i < 300; i++) await log.append(commandAllow(i));
      const open = await verifyLog(dir);
      await log.close();
      assert.strictEqual(open.status, 'ok', formatVerifyReport(open));
      assert.ok(open.afterLastCheckpoint < DEFAULT_CHECKPOINT_EVERY, `${open.afterLastCheckpoint} after the last checkpoint`);
      assert.ok(open.checkpoints >= 4, `${open.checkpoints} checkpoints`);
      assert.ok(records(dir).some((r) => r.type === 'checkpoint' && r.why === 'count'));
    });

    it('by count: configurable', async () => {
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 0, checkpointEvery: 10 });
      for (let i = 0; i < 35; i++) await log.append(commandAllow(i));
      const r = await verifyLog(dir);
      await log.close();
      assert.ok(r.afterLastCheckpoint < 10);
      assert.ok(r.checkpoints >= 3);
    });

    it('by time: a few allows and then silence are signed within the interval, without close', async () => {
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 150, checkpointEvery: 1000 });
      for (let i = 0; i < 3; i++) await log.append(commandAllow(i));
      assert.strictEqual((await verifyLog(dir)).afterLastCheckpoint, 4, 'open + 3 allows, none signed yet');
      await new Promise((r) => setTimeout(r, 400));
      const r = await verifyLog(dir);
      assert.strictEqual(r.afterLastCheckpoint, 0, formatVerifyReport(r));
      const last = records(dir).pop()!;
      assert.deepStrictEqual([last.type, last.why], ['checkpoint', 'time']);
      // Silence after a checkpoint signs nothing more.
      await new Promise((r) => setTimeout(r, 300));
      assert.strictEqual((await verifyLog(dir)).checkpoints, r.checkpoints);
      await log.close();
    });

    it('a checkpoint with nothing to cover writes nothing (no empty line, which verify would call tampering)', async () => {
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
      await log.append(commandAllow());
      await Promise.all([log.checkpoint('time'), log.checkpoint('time'), log.checkpoint('time')]);
      await log.checkpoint('time');
      await log.close();
      const text = fs.readFileSync(listSegments(dir)[0], 'utf8');
      assert.ok(!/\n\n/.test(text) && !text.startsWith('\n'), 'no empty line');
      assert.deepStrictEqual(records(dir).map((r) => r.why ?? r.type), ['open', 'decision', 'time', 'close']);
      assert.strictEqual(verifyExitCode(await verifyLog(dir)), 0);
    });

    it('by time: steady traffic is signed at least once per interval', async () => {
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 100, checkpointEvery: 100000 });
      const until = Date.now() + 700;
      while (Date.now() < until) {
        await log.append(commandAllow());
        await new Promise((r) => setTimeout(r, 5));
      }
      await log.close();
      const recs = records(dir);
      const cps = recs.filter((r) => r.type === 'checkpoint' && r.why === 'time');
      assert.ok(cps.length >= 3, `${cps.length} time checkpoints in 700 ms`);
    });
  });

  describe('locks', () => {
    it('a stale lock of a dead writer is taken over with a recovery record naming its pid and since', async () => {
      const since = '2026-01-02T03:04:05.000Z';
      let log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
      await log.append(commandAllow());
      await log.close();
      fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 4321, hostname: os.hostname(), since }));
      assert.strictEqual(inspectLock(path.join(dir, LOCK_FILE)).state, 'stale');
      log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
      assert.deepStrictEqual(log.takenOverLock?.reason, 'dead');
      assert.match(log.notes.join(' '), /process 4198625 .*since 2026-01-02T03:04:05.000Z/);
      await log.close();
      const recs = records(dir);
      const i = recs.findIndex((r) => r.type === 'recovery');
      assert.ok(i > 0, 'recovery record');
      assert.deepStrictEqual(recs[i].lock, { reason: 'dead', pid: 2 ** 22 + 4321, since, hostname: os.hostname() });
      assert.match(recs[i].note, /ended without closing the log/);
      assert.deepStrictEqual([recs[i + 1].type, recs[i + 1].why], ['checkpoint', 'recovery']);
      assert.strictEqual(verifyExitCode(await verifyLog(dir)), 0);
    });

    it('a lock whose pid now belongs to another process (start time differs) is taken over as pid reuse', async function () {
      if (!fs.existsSync('/proc/self/stat')) this.skip();
      const other = sleeper();
      children.push(other);
      await new Promise((r) => other.once('spawn', r));
      const real = processStartTime(other.pid!)!;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: other.pid, hostname: os.hostname(), since: '2026-01-01T00:00:00.000Z', start: String(Number(real) + 1) }));
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
      assert.strictEqual(log.takenOverLock?.reason, 'pid-reused');
      await log.close();
      assert.strictEqual(records(dir).find((r) => r.type === 'recovery')?.lock.pid, other.pid);
    });

    it('a planted lock naming a live process that is not a writer is held, named odd, in one line', async function () {
      if (!fs.existsSync('/proc/self/stat')) this.skip();
      const other = sleeper();
      children.push(other);
      await new Promise((r) => other.once('spawn', r));
      fs.mkdirSync(dir, { recursive: true });
      const lock = path.join(dir, LOCK_FILE);
      fs.writeFileSync(lock, JSON.stringify({ pid: other.pid }));
      const e = await rejection(AuditLog.open(dir, { checkpointIntervalMs: 0 }));
      assert.ok(e instanceof LockHeldError);
      assert.strictEqual((e as Error).name, 'LockHeldError', 'callers (and minified bundles) can tell it by name');
      assertOneLine(e, 'locked', lock);
      assert.match((e as Error).message, /does not look like an agentpolicy writer/);
      const st = inspectLock(lock);
      assert.strictEqual(st.state, 'held');
      assert.ok(st.state === 'held' && st.odd);
      assert.ok(fs.existsSync(lock), 'an odd lock is never removed by a writer');
    });

    it('a log held by a live writer: a second writer (even in the same process) gets a one-line locked error', async () => {
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
      const e = await rejection(AuditLog.open(dir));
      assertOneLine(e, 'locked', dir);
      assert.match((e as Error).message, new RegExp(`process ${process.pid}`));
      await log.close();
    });
  });

  describe('one clear line for each failure', () => {
    it('no-space: a full disk at open (tmpfs of 64 KiB, filled)', async function () {
      if (!isRoot) this.skip(); // mounting needs root; the /dev/full cases below run everywhere
      const mnt = path.join(tmp, 'small');
      fs.mkdirSync(mnt);
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mnt]);
      if (m.status !== 0) this.skip();
      try {
        spawnSync('dd', ['if=/dev/zero', `of=${path.join(mnt, 'fill')}`, 'bs=4k'], { stdio: 'ignore' });
        const e = await rejection(AuditLog.open(path.join(mnt, 'log')));
        assertOneLine(e, 'no-space', mnt);
        assert.match((e as Error).message, /disk is full .*free space/);
      } finally {
        spawnSync('umount', [mnt]);
      }
    });

    it('no-space: the disk fills while appending (tmpfs of 64 KiB): rejected with no-space, and every later append too', async function () {
      if (!isRoot) this.skip();
      const mnt = path.join(tmp, 'small');
      fs.mkdirSync(mnt);
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mnt]);
      if (m.status !== 0) this.skip();
      try {
        const log = await AuditLog.open(path.join(mnt, 'log'), { checkpointIntervalMs: 0 });
        let e: unknown;
        for (let i = 0; i < 2000 && !e; i++) e = await log.append(commandAllow(i)).then(() => undefined, (x: unknown) => x);
        assertOneLine(e, 'no-space', mnt);
        assert.match((e as Error).message, /cannot be written/);
        assertOneLine(await rejection(log.append(commandAllow())), 'no-space', mnt);
        await log.close();
      } finally {
        spawnSync('umount', [mnt]);
      }
    });

    it('no-space: a segment that is a full device (/dev/full) at open', async function () {
      if (!fs.existsSync('/dev/full')) this.skip();
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.symlinkSync('/dev/full', path.join(dir, 'audit-000001.jsonl'));
      const e = await rejection(AuditLog.open(dir, { checkpointIntervalMs: 0 }));
      assertOneLine(e, 'no-space', dir);
      assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)), 'the lock is released');
    });

    it('key: a damaged checkpoint key', async () => {
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
      await log.close();
      fs.writeFileSync(path.join(dir, KEY_FILE), '{"kty":"OKP","crv":"Ed2');
      const e = assertOneLine(await rejection(AuditLog.open(dir)), 'key', path.join(dir, KEY_FILE));
      assert.match(e.message, /damaged .*move the log folder aside/);
      fs.writeFileSync(path.join(dir, KEY_FILE), '{"kty":"RSA","n":"x","e":"AQAB"}');
      assertOneLine(await rejection(AuditLog.open(dir)), 'key', KEY_FILE);
      assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)));
      assert.match(fs.readFileSync(path.join(dir, KEY_FILE), 'utf8'), /RSA/, 'the key is never replaced silently');
    });

    it('key: an unreadable checkpoint key', async () => {
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
      await log.close();
      const key = path.join(dir, KEY_FILE);
      if (isRoot) {
        // root reads any file: make the key something no one can read as a file.
        fs.rmSync(key);
        fs.mkdirSync(key);
      } else fs.chmodSync(key, 0);
      const e = assertOneLine(await rejection(AuditLog.open(dir)), 'key', key);
      assert.match(e.message, /cannot be read \((EISDIR|EACCES)\)/);
    });

    it('key: unreadable by the user running the host (a real second user)', async function () {
      if (!isRoot) this.skip();
      fs.chmodSync(tmp, 0o755);
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
      await log.close();
      fs.chownSync(dir, NOBODY, NOBODY);
      for (const n of fs.readdirSync(dir)) if (n !== KEY_FILE) fs.chownSync(path.join(dir, n), NOBODY, NOBODY);
      const r = asNobody(dir);
      assert.strictEqual(r.code, 'key', JSON.stringify(r));
      assert.ok(!r.message.includes('\n') && r.message.includes(KEY_FILE), r.message);
    });

    it('permission: a folder the user cannot write', async () => {
      fs.chmodSync(tmp, 0o755);
      const parent = path.join(tmp, 'ro');
      fs.mkdirSync(parent, { mode: 0o755 });
      const target = path.join(parent, 'log');
      if (isRoot) {
        const r = asNobody(target);
        assert.strictEqual(r.code, 'permission', JSON.stringify(r));
        assert.ok(!r.message.includes('\n') && r.message.includes(target), r.message);
        assert.match(r.message, /permission denied \(EACCES\)/);
        // A root of streams fails the same way, at once (every stream would).
        const s = asNobody(parent, 'stream');
        assert.strictEqual(s.code, 'permission', JSON.stringify(s));
        assert.ok(s.message.includes(path.join(parent, 'stream-1')), s.message);
      } else {
        fs.chmodSync(parent, 0o555);
        assertOneLine(await rejection(AuditLog.open(target)), 'permission', target);
      }
    });

    it('corrupt: a last record that is not an audit record', async () => {
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
      await log.close();
      fs.appendFileSync(listSegments(dir)[0], 'this is not JSON\n');
      const e = assertOneLine(await rejection(AuditLog.open(dir)), 'corrupt', listSegments(dir)[0]);
      assert.match(e.message, /agentpolicy audit verify/);
    });
  });
});

/** Runs openLog-main as the unprivileged user nobody: what a host running as that user would see. */
function asNobody(target: string, mode = ''): { code?: string; message: string; ok?: boolean } {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'openLog-main.js'), target, mode], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', cwd: '/' });
  if (r.status !== 0 || !r.stdout.trim()) throw new Error(`openLog-main as nobody: ${r.status} ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}
