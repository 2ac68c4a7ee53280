/**
 * The tamper-evident audit log: append-only JSONL, hash-chained, with signed
 * checkpoints, one writer per directory, durable before append() resolves.
 *
 * Durability and throughput come from group commit: appends that arrive while a
 * write+fdatasync is in flight are queued and written together by the next one.
 * If anything cannot be written, append() rejects and the log refuses further
 * appends: callers deny the action (no unlogged actions).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomUUID } from 'crypto';
import { promisify } from 'util';
import { LockFile } from './lockFile';
import { CheckpointSigner } from './signingKey';
import { listSegments, readTail, segmentName, segmentNumber, sha256Hex } from './segments';
import { GENESIS_HASH } from './types';
import type { AuditEvent, CheckpointPayload } from './types';

function writeAsync(fd: number, buf: Buffer, off: number, len: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, buf, off, len, null, (err, n) => (err ? reject(err) : resolve(n))));
}
const fdatasyncAsync = promisify(fs.fdatasync);
const fsyncAsync = promisify(fs.fsync);

export const LOCK_FILE = 'audit.lock';

export interface AuditLogOptions {
  /** Start a new segment when the current one reaches this size (default 64 MiB). */
  maxFileBytes?: number;
  /** Sign a checkpoint after this many records (default 1000). */
  checkpointEvery?: number;
  /** Also sign one this often when records are pending (default 60 s; 0 disables). */
  checkpointIntervalMs?: number;
  /** Filled into events whose context lacks them. */
  defaults?: { osUser?: string; osUid?: number; hostname?: string };
}

/** Set aside on reopen when the last line was torn by a crash. */
export interface TornTail {
  file: string;
  bytes: number;
  savedAs: string;
}

type Item =
  | { kind: 'event'; event: AuditEvent; resolve: (r: { seq: number; hash: string }) => void; reject: (e: Error) => void }
  | { kind: 'record'; fields: Record<string, unknown>; resolve: (r: { seq: number; hash: string }) => void; reject: (e: Error) => void }
  | { kind: 'checkpoint'; why: string; resolve: (r: { seq: number; hash: string }) => void; reject: (e: Error) => void };

export class AuditLogError extends Error {}

export class AuditLog {
  private queue: Item[] = [];
  private flushing: Promise<void> | undefined;
  /** Cleared synchronously when the queue drains, so an append made from a resolved append's continuation starts a new flush. */
  private running = false;
  private failed: Error | undefined;
  private closed = false;
  private sinceCheckpoint = 0;
  private timer: NodeJS.Timeout | undefined;
  /** write+fdatasync calls and records written since open (group commit makes writes ≪ records). */
  readonly stats = { writes: 0, records: 0, checkpoints: 0 };
  private readonly maxFileBytes: number;
  private readonly checkpointEvery: number;
  private readonly defaults: { osUser: string; osUid: number; hostname: string };

  private constructor(
    readonly dir: string,
    readonly logId: string,
    private readonly signer: CheckpointSigner,
    private readonly lock: LockFile,
    private fd: number,
    private segment: number,
    private size: number,
    private seq: number,
    private head: string,
    opts: AuditLogOptions,
    /** Torn tail found and set aside by open(), if any. */
    readonly recovered: TornTail | undefined,
  ) {
    this.maxFileBytes = opts.maxFileBytes ?? 64 * 1024 * 1024;
    this.checkpointEvery = opts.checkpointEvery ?? 1000;
    let user = 'unknown';
    try {
      user = os.userInfo().username;
    } catch {
      /* no passwd entry */
    }
    this.defaults = {
      osUser: opts.defaults?.osUser ?? user,
      osUid: opts.defaults?.osUid ?? (process.getuid ? process.getuid() : -1),
      hostname: opts.defaults?.hostname ?? os.hostname(),
    };
    const every = opts.checkpointIntervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => {
        if (this.sinceCheckpoint > 0 && !this.closed && !this.failed) void this.checkpoint('interval').catch(() => undefined);
      }, every);
      this.timer.unref();
    }
  }

  /**
   * Opens (or creates) the log in `dir`: takes the writer lock, loads or creates
   * the checkpoint key, sets aside a torn last line and records the recovery.
   */
  static async open(dir: string, opts: AuditLogOptions = {}): Promise<AuditLog> {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    const lock = LockFile.acquire(path.join(dir, LOCK_FILE));
    try {
      const signer = await CheckpointSigner.loadOrCreate(dir);
      const segments = listSegments(dir);
      let recovered: TornTail | undefined;
      let logId: string | undefined;
      let seq = 0;
      let head = GENESIS_HASH;
      let segNo = segments.length ? segmentNumber(path.basename(segments[segments.length - 1]))! : 1;
      // Find the head: the last complete line of the newest segment that has one.
      for (let i = segments.length - 1; i >= 0; i--) {
        const tail = readTail(segments[i]);
        if (tail.torn && i === segments.length - 1) {
          recovered = setAsideTorn(segments[i], tail.torn, tail.tornStart);
        }
        if (tail.lastLine) {
          let rec: { log?: unknown; seq?: unknown };
          try {
            rec = JSON.parse(tail.lastLine.toString('utf8')) as { log?: unknown; seq?: unknown };
          } catch {
            throw new AuditLogError(`${segments[i]}: last record is not JSON; run \`agentpolicy audit verify ${dir}\` and move the log aside`);
          }
          if (typeof rec.log !== 'string' || typeof rec.seq !== 'number') throw new AuditLogError(`${segments[i]}: last record is not an audit record`);
          logId = rec.log;
          seq = rec.seq;
          head = sha256Hex(tail.lastLine);
          break;
        }
      }
      const isNew = logId === undefined;
      const file = path.join(dir, segmentName(segNo));
      const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
      fs.fchmodSync(fd, 0o600);
      fsyncDir(dir);
      const log = new AuditLog(dir, logId ?? randomUUID(), signer, lock, fd, segNo, fs.fstatSync(fd).size, seq, head, opts, recovered);
      try {
        await log.enqueueRecord({ type: 'open', kid: signer.kid, pid: process.pid, hostname: log.defaults.hostname, ...(isNew ? {} : { resumed: true }) });
        if (recovered) {
          await log.enqueueRecord({
            type: 'recovery',
            torn: { file: path.basename(recovered.file), bytes: recovered.bytes, savedAs: path.basename(recovered.savedAs) },
            note: 'the last line was torn by a crash (never acknowledged) and was set aside',
          });
          await log.checkpoint('recovery');
        }
      } catch (e) {
        log.stopTimer();
        fs.closeSync(fd);
        throw e;
      }
      return log;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** Seq of the last durable record. */
  get headSeq(): number {
    return this.seq;
  }

  get kid(): string {
    return this.signer.kid;
  }

  /**
   * Appends one event; resolves once it is on disk (fdatasync). Rejects if the
   * log cannot be written; the caller must then deny the action.
   */
  append(event: AuditEvent): Promise<{ seq: number; hash: string }> {
    const problem = checkEvent(event);
    if (problem) return Promise.reject(new AuditLogError(`audit event rejected: ${problem}`));
    return new Promise((resolve, reject) => this.enqueue({ kind: 'event', event, resolve, reject }));
  }

  /** Signs a checkpoint over the current head. */
  checkpoint(why = 'explicit'): Promise<{ seq: number; hash: string }> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'checkpoint', why, resolve, reject }));
  }

  /** Flushes, signs a closing checkpoint, closes the file and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stopTimer();
    try {
      if (!this.failed) await this.checkpoint('close');
    } finally {
      this.closed = true;
      await this.flushing;
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.lock.release();
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private enqueueRecord(fields: Record<string, unknown>): Promise<{ seq: number; hash: string }> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'record', fields, resolve, reject }));
  }

  private enqueue(item: Item): void {
    if (this.failed) return item.reject(new AuditLogError(`audit log ${this.dir} cannot be written: ${this.failed.message}`));
    if (this.closed) return item.reject(new AuditLogError(`audit log ${this.dir} is closed`));
    this.queue.push(item);
    if (!this.running) {
      this.running = true;
      this.flushing = this.flushLoop();
    }
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0);
      try {
        const lines = await this.encodeBatch(batch);
        await this.writeLines(lines.text, lines.seq, lines.head, lines.sinceCheckpoint);
        for (let i = 0; i < batch.length; i++) batch[i].resolve(lines.results[i]);
        if (this.size >= this.maxFileBytes) await this.rotate();
      } catch (e) {
        this.failed = e instanceof Error ? e : new Error(String(e));
        const err = new AuditLogError(`audit log ${this.dir} cannot be written: ${this.failed.message}`);
        for (const item of batch) item.reject(err);
        for (const item of this.queue.splice(0)) item.reject(err);
      }
    }
    this.running = false;
  }

  /** Serialises a batch into chained lines; adds a checkpoint when one is due. */
  private async encodeBatch(batch: Item[]): Promise<{ text: string; seq: number; head: string; sinceCheckpoint: number; results: { seq: number; hash: string }[] }> {
    let seq = this.seq;
    let head = this.head;
    let since = this.sinceCheckpoint;
    let needCheckpoint: string | undefined;
    const parts: string[] = [];
    const results: { seq: number; hash: string }[] = [];
    const now = Date.now();
    const push = (fields: Record<string, unknown>): { seq: number; hash: string } => {
      seq++;
      const line = JSON.stringify({ v: 1, log: this.logId, seq, ts: now, prev: head, ...fields });
      if (line.includes('\n')) throw new AuditLogError('record serialised with a newline'); // JSON.stringify escapes; belt and braces
      head = sha256Hex(line);
      parts.push(line);
      this.stats.records++;
      return { seq, hash: head };
    };
    const signCheckpoint = async (why: string): Promise<{ seq: number; hash: string }> => {
      const payload: CheckpointPayload = { log: this.logId, seq, hash: head, time: now };
      const jws = await this.signer.sign(payload);
      since = 0;
      this.stats.checkpoints++;
      return push({ type: 'checkpoint', why, jws });
    };
    for (const item of batch) {
      if (item.kind === 'event') {
        const ev = this.withDefaults(item.event, now);
        results.push(push(ev as unknown as Record<string, unknown>));
        since++;
        if (ev.type === 'decision' && (ev.decision.effect !== 'allow' || ev.approval)) needCheckpoint = ev.decision.effect === 'allow' ? 'approval' : ev.decision.effect;
      } else if (item.kind === 'record') {
        results.push(push(item.fields));
        since++;
      } else {
        results.push(since > 0 || item.why === 'close' || item.why === 'rotate' ? await signCheckpoint(item.why) : { seq, hash: head });
      }
    }
    if (!needCheckpoint && since >= this.checkpointEvery) needCheckpoint = 'interval';
    if (needCheckpoint && since > 0) await signCheckpoint(needCheckpoint);
    return { text: parts.join('\n') + '\n', seq, head, sinceCheckpoint: since, results };
  }

  private withDefaults(event: AuditEvent, now: number): AuditEvent {
    const c = event.context ?? {};
    const context =
      c.osUser !== undefined && c.hostname !== undefined && c.osUid !== undefined
        ? c
        : { ...c, osUser: c.osUser ?? this.defaults.osUser, osUid: c.osUid ?? this.defaults.osUid, hostname: c.hostname ?? this.defaults.hostname };
    return { ...event, time: event.time ?? now, context };
  }

  private async writeLines(text: string, seq: number, head: string, since: number): Promise<void> {
    const buf = Buffer.from(text, 'utf8');
    // One write() per batch; loop only if the kernel writes short.
    let off = 0;
    while (off < buf.length) off += await writeAsync(this.fd, buf, off, buf.length - off);
    await fdatasyncAsync(this.fd);
    this.stats.writes++;
    this.size += buf.length;
    this.seq = seq;
    this.head = head;
    this.sinceCheckpoint = since;
  }

  /** Closes the segment with a checkpoint and continues the chain in the next one. */
  private async rotate(): Promise<void> {
    const cp = await this.encodeBatch([{ kind: 'checkpoint', why: 'rotate', resolve: () => undefined, reject: () => undefined }]);
    await this.writeLines(cp.text, cp.seq, cp.head, cp.sinceCheckpoint);
    const previous = segmentName(this.segment);
    await fsyncAsync(this.fd);
    fs.closeSync(this.fd);
    this.segment++;
    this.fd = fs.openSync(path.join(this.dir, segmentName(this.segment)), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
    fsyncDir(this.dir);
    this.size = fs.fstatSync(this.fd).size;
    const open = await this.encodeBatch([{ kind: 'record', fields: { type: 'open', kid: this.signer.kid, pid: process.pid, hostname: this.defaults.hostname, continues: previous }, resolve: () => undefined, reject: () => undefined }]);
    await this.writeLines(open.text, open.seq, open.head, open.sinceCheckpoint);
  }
}

function checkEvent(e: AuditEvent): string | undefined {
  if (!e || typeof e !== 'object') return 'not an object';
  if (e.type !== 'decision' && e.type !== 'result') return `type must be "decision" or "result", got ${String((e as { type?: unknown }).type)}`;
  if (!e.agent || typeof e.agent.id !== 'string') return 'agent.id is required';
  if (!e.action || typeof e.action.kind !== 'string') return 'action.kind is required';
  if (e.type === 'decision' && (!e.decision || !['allow', 'ask', 'deny'].includes(e.decision.effect))) return 'decision.effect is required';
  if (e.type === 'result' && (typeof e.ref !== 'number' || !e.result)) return 'result events need ref (the decision seq) and result';
  return undefined;
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Moves a torn tail to `<file>.<ms>.torn` (0600) and truncates the segment to its last full line. */
function setAsideTorn(file: string, torn: Buffer, tornStart: number): TornTail {
  const savedAs = `${file}.${Date.now()}.torn`;
  fs.writeFileSync(savedAs, torn, { mode: 0o600 });
  const fd = fs.openSync(file, 'r+');
  try {
    fs.ftruncateSync(fd, tornStart);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return { file, bytes: torn.length, savedAs };
}
