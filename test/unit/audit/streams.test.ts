import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { AuditLog, AuditLogError, LOCK_FILE } from '../../../src/core/audit/auditLog';
import { exportLog } from '../../../src/core/audit/export/index';
import { listSegments } from '../../../src/core/audit/segments';
import { shipTarget } from '../../../src/core/audit/ship/shipper';
import { RetryableError, type Transport } from '../../../src/core/audit/ship/transports';
import { defaultAuditRoot, openAuditStream } from '../../../src/core/audit/streams';
import { resolveAuditTarget } from '../../../src/core/audit/target';
import type { AuditRecord } from '../../../src/core/audit/types';
import { formatTargetReport, verifyExitCode, verifyLog, verifyTarget } from '../../../src/core/audit/verify';
import { commandAllow, commandDeny } from './sampleEvents';
import { readLines, rmrf, runAudit, tempDir, writeLines } from './helpers';

const cli = runAudit;

/** Opens `n` streams at once in `root`, writes `perStream` allows (+1 deny) into each, closes them. */
async function writeStreams(root: string, n: number, perStream: number): Promise<string[]> {
  const logs: AuditLog[] = [];
  for (let i = 0; i < n; i++) logs.push(await openAuditStream(root, { checkpointIntervalMs: 0 }));
  for (const log of logs) {
    for (let i = 0; i < perStream; i++) await log.append(commandAllow(i));
    await log.append(commandDeny());
  }
  for (const log of logs) await log.close();
  return logs.map((l) => l.dir);
}

class Collector implements Transport {
  readonly id = 'collector-test';
  readonly got: AuditRecord[] = [];
  failAfter = Infinity;
  async send(records: AuditRecord[]): Promise<void> {
    if (this.got.length + records.length > this.failAfter) throw new Error('destination refused the batch');
    this.got.push(...records);
  }
  async close(): Promise<void> {}
}

describe('audit/streams', () => {
  let tmp: string;
  let root: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    tmp = tempDir();
    root = path.join(tmp, 'audit');
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.pid && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
    rmrf(tmp);
  });

  describe('defaultAuditRoot', () => {
    it('is $XDG_STATE_HOME/agentpolicy/audit, else ~/.local/state/agentpolicy/audit (a relative XDG_STATE_HOME is ignored)', () => {
      assert.strictEqual(defaultAuditRoot({ XDG_STATE_HOME: '/var/st' }, '/home/u'), '/var/st/agentpolicy/audit');
      assert.strictEqual(defaultAuditRoot({}, '/home/u'), '/home/u/.local/state/agentpolicy/audit');
      assert.strictEqual(defaultAuditRoot({ XDG_STATE_HOME: 'rel/state' }, '/home/u'), '/home/u/.local/state/agentpolicy/audit');
      assert.strictEqual(defaultAuditRoot({ XDG_STATE_HOME: '' }, '/home/u'), '/home/u/.local/state/agentpolicy/audit');
    });
  });

  describe('openAuditStream', () => {
    it('gives each writer the lowest free stream, each an ordinary log with its own chain and key', async () => {
      const a = await openAuditStream(root, { checkpointIntervalMs: 0 });
      const b = await openAuditStream(root, { checkpointIntervalMs: 0 });
      assert.deepStrictEqual([path.basename(a.dir), path.basename(b.dir)], ['stream-1', 'stream-2']);
      assert.notStrictEqual(a.logId, b.logId);
      assert.notStrictEqual(a.kid, b.kid);
      assert.strictEqual(fs.statSync(root).mode & 0o777, 0o700);
      await a.append(commandAllow());
      await a.close();
      const c = await openAuditStream(root, { checkpointIntervalMs: 0 });
      assert.strictEqual(path.basename(c.dir), 'stream-1', 'a closed stream is reused, its chain continued');
      assert.strictEqual(c.logId, a.logId);
      await b.close();
      await c.close();
      for (const d of [a.dir, b.dir]) assert.strictEqual(verifyExitCode(await verifyLog(d)), 0);
    });

    it('passes over a stream held by a planted lock (live pid, not a writer) and says so; verify names the odd lock', async function () {
      if (!fs.existsSync('/proc/self/stat')) this.skip();
      const other = spawn('sleep', ['60'], { stdio: 'ignore' });
      children.push(other);
      await new Promise((r) => other.once('spawn', r));
      fs.mkdirSync(path.join(root, 'stream-1'), { recursive: true });
      fs.writeFileSync(path.join(root, 'stream-1', LOCK_FILE), JSON.stringify({ pid: other.pid, since: '2026-01-01T00:00:00Z' }));
      const log = await openAuditStream(root, { checkpointIntervalMs: 0 });
      assert.strictEqual(path.basename(log.dir), 'stream-2');
      assert.match(log.notes.join('\n'), /does not look like an agentpolicy writer/);
      await log.append(commandAllow());
      await log.close();
      const r = await verifyTarget(root);
      assert.match(formatTargetReport(r), new RegExp(`^note: stream-1: never written .*; odd lock .*process ${other.pid} since 2026-01-01T00:00:00Z holds it, but the lock does not record the start time`, 'm'));
      // and for a root where the planted stream had been written before, the note is on that stream
      const dir1 = path.join(root, 'stream-1');
      fs.rmSync(path.join(dir1, LOCK_FILE));
      const l1 = await AuditLog.open(dir1, { checkpointIntervalMs: 0 });
      await l1.close();
      fs.writeFileSync(path.join(dir1, LOCK_FILE), JSON.stringify({ pid: other.pid, since: '2026-01-01T00:00:00Z' }));
      const r2 = await verifyTarget(root);
      assert.strictEqual(r2.status, 'ok', formatTargetReport(r2));
      assert.match(formatTargetReport(r2), new RegExp(`stream-1: note: odd lock .*process ${other.pid}`));
    });

    it('takes over a stale stream (its writer is gone) rather than opening a new one', async () => {
      const first = await openAuditStream(root, { checkpointIntervalMs: 0 });
      await first.close();
      fs.writeFileSync(path.join(root, 'stream-1', LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 99, hostname: os.hostname(), since: '2026-02-03T04:05:06Z' }));
      const log = await openAuditStream(root, { checkpointIntervalMs: 0 });
      assert.strictEqual(path.basename(log.dir), 'stream-1');
      assert.strictEqual(log.takenOverLock?.reason, 'dead');
      await log.close();
    });

    it('passes over a damaged stream (verify reports it) and keeps recording in the next', async () => {
      const [dir1] = await writeStreams(root, 1, 2);
      fs.appendFileSync(listSegments(dir1)[0], 'garbage\n');
      const log = await openAuditStream(root, { checkpointIntervalMs: 0 });
      assert.strictEqual(path.basename(log.dir), 'stream-2');
      assert.match(log.notes.join(' '), /stream-1 passed over: .*not an audit record/);
      await log.append(commandAllow());
      await log.close();
      const r = await verifyTarget(root);
      assert.strictEqual(verifyExitCode(r), 1);
      assert.deepStrictEqual(r.logs.map((l) => [l.name, l.status]), [['stream-1', 'tampered'], ['stream-2', 'ok']]);
    });

    it('every stream held: one line, code locked', async () => {
      const held = [await openAuditStream(root, { maxStreams: 2 }), await openAuditStream(root, { maxStreams: 2 })];
      let e: unknown;
      try {
        await openAuditStream(root, { maxStreams: 2 });
      } catch (x) {
        e = x;
      }
      assert.ok(e instanceof AuditLogError);
      assert.strictEqual(e.code, 'locked');
      assert.ok(!e.message.includes('\n') && e.message.includes(root), e.message);
      for (const l of held) await l.close();
    });

    it('a root that cannot be created fails at once (io: ENOTDIR), not stream after stream', async () => {
      fs.writeFileSync(path.join(tmp, 'file'), '');
      let e: unknown;
      try {
        await openAuditStream(path.join(tmp, 'file', 'audit'));
      } catch (x) {
        e = x;
      }
      assert.ok(e instanceof AuditLogError, String(e));
      assert.strictEqual(e.code, 'io', 'a path through a file: ENOTDIR, neither space nor permission');
      assert.match(e.message, /^audit log .*file\/audit cannot be opened: .*ENOTDIR.* at .*; check the disk and the folder$/);
      assert.ok(!e.message.includes('\n'));
      assert.ok(!fs.existsSync(path.join(tmp, 'file', 'audit')));
    });
  });

  describe('verify', () => {
    it('a root: every stream on its own, reported per stream; a tampered stream fails it with FILE:LINE', async () => {
      const dirs = await writeStreams(root, 3, 4);
      const ok = await verifyTarget(root);
      assert.strictEqual(ok.status, 'ok', formatTargetReport(ok));
      assert.deepStrictEqual(ok.logs.map((l) => l.name), ['stream-1', 'stream-2', 'stream-3']);
      assert.match(formatTargetReport(ok), /^stream-2: OK: log .*, 8 records/m);
      assert.match(formatTargetReport(ok), /^OK: audit root .*, 3 stream\(s\): 3 OK$/m);

      const file = listSegments(dirs[1])[0];
      const lines = readLines(file);
      lines[2] = lines[2].replace('npm test', 'rm -rf /');
      writeLines(file, lines);
      const bad = await verifyTarget(root);
      assert.strictEqual(verifyExitCode(bad), 1);
      assert.match(formatTargetReport(bad), /^stream-2: TAMPERED audit-000001\.jsonl:3: record altered/m);
      assert.deepStrictEqual(bad.logs.map((l) => l.status), ['ok', 'tampered', 'ok']);
    });

    it('an empty folder, an emptied log, an emptied root and a deleted stream are errors, not OK', async () => {
      fs.mkdirSync(root);
      assert.strictEqual((await verifyTarget(root)).status, 'empty', 'empty folder');
      assert.strictEqual(verifyExitCode(await verifyTarget(root)), 1);

      const dirs = await writeStreams(root, 2, 1);
      for (const d of dirs) for (const f of listSegments(d)) fs.rmSync(f);
      const emptied = await verifyTarget(root);
      assert.strictEqual(emptied.status, 'empty');
      assert.match(formatTargetReport(emptied), /stream-1: EMPTY: .*segments were deleted/);

      const single = await verifyLog(dirs[0]);
      assert.strictEqual(single.status, 'empty');
      assert.strictEqual(verifyExitCode(single), 1);

      rmrf(root);
      await writeStreams(root, 2, 1);
      rmrf(path.join(root, 'stream-1'));
      const gap = await verifyTarget(root);
      assert.strictEqual(verifyExitCode(gap), 1);
      assert.match(formatTargetReport(gap), /stream-1: EMPTY: stream-1 is missing but stream-2 exists/);
    });

    it('shipped checkpoints are matched to their stream by log id; one for a deleted stream fails verify', async () => {
      const dirs = await writeStreams(root, 2, 3);
      const lastJws = (d: string) => JSON.parse(readLines(listSegments(d)[0]).pop()!).jws as string;
      const anchors = dirs.map(lastJws);
      const r = await verifyTarget(root, { anchors });
      assert.strictEqual(r.status, 'ok', formatTargetReport(r));
      assert.deepStrictEqual(r.logs.map((l) => l.anchorsChecked), [1, 1]);
      rmrf(dirs[1]);
      const gone = await verifyTarget(root, { anchors: [anchors[1]] });
      assert.strictEqual(verifyExitCode(gone), 1);
      assert.match(formatTargetReport(gone), /match no stream of this root: that stream was deleted/);
    });
  });

  describe('export and ship across streams', () => {
    it('export reads every stream of a root', async () => {
      await writeStreams(root, 3, 5);
      let out = '';
      const sink = new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) });
      const r = await exportLog(root, 'jsonl', sink);
      const recs = out.trim().split('\n').map((l) => JSON.parse(l));
      assert.strictEqual(new Set(recs.map((x) => x.log)).size, 3);
      assert.strictEqual(recs.filter((x) => x.type === 'decision').length, 18);
      assert.strictEqual(r.events, recs.length);
    });

    it('ship keeps one cursor per stream: nothing twice, new records of one stream only', async () => {
      const dirs = await writeStreams(root, 2, 3);
      const t = new Collector();
      const first = await shipTarget({ target: root, transport: t });
      assert.strictEqual(first.error, undefined);
      assert.strictEqual(first.sent, t.got.length);
      assert.strictEqual(first.backlog, 0);
      assert.deepStrictEqual(first.streams.map((s) => s.name), ['stream-1', 'stream-2']);
      for (const s of first.streams) assert.ok(fs.existsSync(s.cursorFile) && s.cursorFile.startsWith(s.dir + path.sep), s.cursorFile);
      assert.strictEqual(new Set(t.got.map((r) => `${r.log}:${r.seq}`)).size, t.got.length, 'no duplicates');

      const again = await shipTarget({ target: root, transport: t });
      assert.strictEqual(again.sent, 0);

      const log = await AuditLog.open(dirs[1], { checkpointIntervalMs: 0 });
      await log.append(commandAllow(77));
      await log.close();
      const before = t.got.length;
      const third = await shipTarget({ target: root, transport: t });
      assert.deepStrictEqual(third.streams.map((s) => s.sent > 0), [false, true]);
      assert.ok(t.got.slice(before).every((r) => r.log === log.logId));
    });

    it('ship: a refusal on one stream stops the run; the other streams wait (backlog counted)', async () => {
      await writeStreams(root, 2, 3);
      const t = new Collector();
      t.failAfter = 0;
      const r = await shipTarget({ target: root, transport: t, maxAttempts: 1 });
      assert.match(r.error ?? '', /^stream-1: destination refused/);
      assert.strictEqual(r.streams[1].error, 'not tried: an earlier stream failed');
      assert.ok(r.streams[1].backlog > 0);
      assert.strictEqual(r.backlog, r.streams[0].backlog + r.streams[1].backlog);
      void RetryableError;
    });

    it('ship --cursor FILE on a root: one file per stream next to FILE', async () => {
      await writeStreams(root, 2, 1);
      const cursor = path.join(tmp, 'cur', 'siem.json');
      const r = await shipTarget({ target: root, transport: new Collector(), cursorFile: cursor });
      assert.deepStrictEqual(r.streams.map((s) => path.basename(s.cursorFile)), ['siem.stream-1.json', 'siem.stream-2.json']);
      for (const s of r.streams) assert.ok(fs.existsSync(s.cursorFile));
    });
  });

  describe('the CLI on roots and on the default root', () => {
    it('verify, export with no DIR use $XDG_STATE_HOME/agentpolicy/audit', async () => {
      const state = path.join(tmp, 'state');
      await writeStreams(defaultAuditRoot({ XDG_STATE_HOME: state }), 2, 2);
      const v = await cli(['verify'], { XDG_STATE_HOME: state });
      assert.strictEqual(v.code, 0, v.out + v.err);
      assert.match(v.out, /^stream-1: OK/m);
      assert.match(v.out, /^OK: audit root .*2 stream\(s\)/m);
      const e = await cli(['export', '--format', 'ecs'], { XDG_STATE_HOME: state });
      assert.strictEqual(e.code, 0, e.err);
      assert.match(e.err, /exported \d+ event\(s\) from 2 stream\(s\)/);
      const j = await cli(['verify', '--json'], { XDG_STATE_HOME: state });
      assert.strictEqual(JSON.parse(j.out).logs.length, 2);
    });

    it('verify of an empty or emptied folder exits 1 with a clear line', async () => {
      fs.mkdirSync(root);
      const r = await cli(['verify', root]);
      assert.strictEqual(r.code, 1);
      assert.match(r.out, /EMPTY/);
      assert.match(r.err, /holds no audit records; an empty or emptied log is not a verified one/);
      const none = await cli(['verify'], { XDG_STATE_HOME: path.join(tmp, 'nothing-here') });
      assert.strictEqual(none.code, 1);
      assert.match(none.err, /no audit log at .*nothing-here\/agentpolicy\/audit \(the default audit root\)/);
      assert.ok(!none.err.trim().includes('\n'));
    });

    it('ship across a root prints each stream and the total', async () => {
      await writeStreams(root, 2, 1);
      const http = await import('http');
      const got: string[] = [];
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          got.push(body);
          res.end('{}');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      try {
        const port = (server.address() as { port: number }).port;
        const r = await cli(['ship', '--otlp', `http://127.0.0.1:${port}`, root]);
        assert.strictEqual(r.code, 0, r.err);
        assert.match(r.out, /^stream-1: shipped \d+ record\(s\); cursor at seq \d+; backlog 0$/m);
        assert.match(r.out, /^shipped \d+ record\(s\) from 2 stream\(s\) to otlp-127\.0\.0\.1:\d+; backlog 0$/m);
        assert.strictEqual(got.length, 2, 'one request per stream');
        assert.deepStrictEqual(resolveAuditTarget(root).logs.map((l) => fs.readdirSync(l.dir).some((n) => n.endsWith('.cursor.json'))), [true, true]);
      } finally {
        server.close();
      }
    });
  });
});
