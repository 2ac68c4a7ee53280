import * as assert from 'assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as path from 'path';
import { Writable } from 'stream';
import { exportLog } from '../../../src/core/audit/export/index';
import { readRecords } from '../../../src/core/audit/reader';
import { formatTargetReport, verifyExitCode, verifyTarget } from '../../../src/core/audit/verify';
import { rmrf, tempDir } from '../../unit/audit/helpers';

/** A streamWriter-main process, driven line by line. */
class Writer {
  readonly child: ChildProcessWithoutNullStreams;
  private buf = '';
  private err = '';
  private waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void; reject: (e: Error) => void }[] = [];
  private seen: string[] = [];

  constructor(root: string, count: number) {
    this.child = spawn(process.execPath, [path.join(__dirname, 'streamWriter-main.js'), root, String(count)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (c: Buffer) => {
      this.buf += c.toString();
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        this.seen.push(this.buf.slice(0, nl));
        this.buf = this.buf.slice(nl + 1);
      }
      this.check();
    });
    this.child.stderr.on('data', (c: Buffer) => (this.err += c.toString()));
    this.child.on('exit', (code, signal) => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(`writer exited (${code ?? signal}) before ${w.re}: ${this.err}`));
    });
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      for (const line of this.seen) {
        const m = w.re.exec(line);
        if (m) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
          break;
        }
      }
    }
  }

  /** The first line the writer printed that matches `re` (waits for it). */
  expect(re: RegExp): Promise<RegExpExecArray> {
    return new Promise<RegExpExecArray>((resolve, reject) => {
      this.waiters.push({ re, resolve, reject });
      this.check();
    });
  }

  send(line: string): void {
    this.child.stdin.write(line + '\n');
  }

  exited(): Promise<void> {
    return this.child.exitCode !== null || this.child.signalCode !== null ? Promise.resolve() : new Promise((r) => this.child.once('exit', () => r()));
  }
}

describe('audit streams: several writers on one root, each in its own process', function () {
  this.timeout(60000);
  let tmp: string;
  let root: string;
  const writers: Writer[] = [];
  beforeEach(() => {
    tmp = tempDir('ap-streams-');
    root = path.join(tmp, 'audit');
  });
  afterEach(async () => {
    for (const w of writers.splice(0)) {
      if (w.child.exitCode === null && w.child.signalCode === null && w.child.pid) process.kill(w.child.pid, 'SIGKILL');
      await w.exited();
    }
    rmrf(tmp);
  });

  it('two processes writing at once get stream-1 and stream-2, each a complete log; verify and export see both', async () => {
    const a = new Writer(root, 300);
    const b = new Writer(root, 300);
    writers.push(a, b);
    const dirs = [(await a.expect(/^open (.*)$/))[1], (await b.expect(/^open (.*)$/))[1]];
    assert.deepStrictEqual(dirs.map((d) => path.basename(d)).sort(), ['stream-1', 'stream-2']);
    // Both hold their stream while both write.
    a.send('go');
    b.send('go');
    await Promise.all([a.expect(/^done$/), b.expect(/^done$/)]);
    const live = await verifyTarget(root);
    assert.strictEqual(live.logs.length, 2);
    for (const l of live.logs) assert.match(l.notes.join(' '), /being written: process \d+/);
    a.send('close');
    b.send('close');
    await Promise.all([a.exited(), b.exited()]);

    const r = await verifyTarget(root);
    assert.strictEqual(r.status, 'ok', formatTargetReport(r));
    assert.strictEqual(verifyExitCode(r), 0);
    assert.deepStrictEqual(r.logs.map((l) => l.name), ['stream-1', 'stream-2']);
    assert.notStrictEqual(r.logs[0].logId, r.logs[1].logId, 'two chains');
    const decisions = new Map<string, number>();
    for await (const batch of readRecords(root)) for (const rec of batch) if (rec.type === 'decision') decisions.set(rec.log, (decisions.get(rec.log) ?? 0) + 1);
    assert.deepStrictEqual([...decisions.values()], [300, 300]);

    let out = '';
    const sink = new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) });
    const e = await exportLog(root, 'ocsf', sink);
    assert.strictEqual(e.events, 600);
    assert.strictEqual(out.trim().split('\n').length, 600);
  });

  it('a writer killed with -9 leaves a stale lock; the next process takes that stream over with a recovery record', async () => {
    const a = new Writer(root, 20);
    writers.push(a);
    const dir = (await a.expect(/^open (.*)$/))[1];
    a.send('go');
    await a.expect(/^done$/);
    process.kill(a.child.pid!, 'SIGKILL');
    await a.exited();

    const b = new Writer(root, 5);
    writers.push(b);
    assert.strictEqual((await b.expect(/^open (.*)$/))[1], dir, 'the lowest stream, taken over');
    b.send('go');
    await b.expect(/^done$/);
    b.send('close');
    await b.exited();
    const recs: Record<string, any>[] = [];
    for await (const batch of readRecords(dir)) recs.push(...batch);
    const rec = recs.find((x) => x.type === 'recovery');
    assert.ok(rec, 'recovery record');
    assert.strictEqual(rec.lock.pid, a.child.pid);
    assert.strictEqual(rec.lock.reason, 'dead');
    assert.match(rec.lock.since, /^\d{4}-\d\d-\d\dT/);
    const r = await verifyTarget(root);
    assert.strictEqual(r.status, 'ok', formatTargetReport(r));
  });
});
