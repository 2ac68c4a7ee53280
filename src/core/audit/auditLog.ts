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
import { AuditLogError, fsError } from './errors';
import { controlEventProblem, SUBJECT_KINDS } from './eventSchema';
import { LOCK_FILE, LockFile } from './lockFile';
import type { TakenOverLock } from './lockFile';
import { CheckpointSigner } from './signingKey';
import { listSegments, readTail, segmentName, segmentNumber, sha256Hex } from './segments';
import { GENESIS_HASH } from './types';
import type { AuditEvent, CheckpointPayload } from './types';

function writeAsync(fd: number, buf: Buffer, off: number, len: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, buf, off, len, null, (err, n) => (err ? reject(err) : resolve(n))));
}
const fdatasyncAsync = promisify(fs.fdatasync);
const fsyncAsync = promisify(fs.fsync);

export { LOCK_FILE };

/** Defaults: a crash (kill -9) leaves at most this many records, or this long, without a signature. */
export const DEFAULT_CHECKPOINT_EVERY = 64;
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 2000;

export interface AuditLogOptions {
  /** Start a new segment when the current one reaches this size (default 64 MiB). */
  maxFileBytes?: number;
  /** Sign a checkpoint once this many records are not covered by one (default 64). Denies and asks are signed at once anyway. */
  checkpointEvery?: number;
  /** Sign a checkpoint at most this long after the first record not covered by one (default 2000 ms; 0 disables). */
  checkpointIntervalMs?: number;
  /** Filled into events whose context lacks them. */
  defaults?: { osUser?: string; osUid?: number; hostname?: string };
  /**
   * How an allowed decision is made durable. `0` (default for a bare log): fdatasync before
   * append() resolves, like every other record. `N > 0`: it is written (write(2), so it survives
   * the writer being killed) before append() resolves and flushed to disk within N ms, batched;
   * denies, asks, approvals, control events and checkpoints are still flushed before they
   * resolve. Only a kernel crash or power loss within N ms can lose an allowed decision.
   */
  allowSyncWithinMs?: number;
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

export { AuditLogError };
export type { AuditLogErrorCode } from './errors';

export class AuditLog {
  private queue: Item[] = [];
  private flushing: Promise<void> | undefined;
  /** Cleared synchronously when the queue drains, so an append made from a resolved append's continuation starts a new flush. */
  private running = false;
  private failed: AuditLogError | undefined;
  private closed = false;
  private sinceCheckpoint = 0;
  /** Time (ms) of the first record not yet covered by a checkpoint; 0 when all are. */
  private uncoveredAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** write+fdatasync calls and records written since open (group commit makes writes ≪ records). */
  readonly stats = { writes: 0, records: 0, checkpoints: 0 };
  /** What a person should know about how this log was opened (streams passed over, a lock taken over). */
  readonly notes: string[] = [];
  private readonly maxFileBytes: number;
  private readonly checkpointEvery: number;
  private readonly allowSyncWithinMs: number;
  private readonly checkpointIntervalMs: number;
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
    this.checkpointEvery = Math.max(1, opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY);
    this.checkpointIntervalMs = Math.max(0, opts.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS);
    this.allowSyncWithinMs = Math.max(0, opts.allowSyncWithinMs ?? 0);
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
  }

  /**
   * Opens (or creates) the log in `dir`: takes the writer lock, loads or creates
   * the checkpoint key, sets aside a torn last line and records the recovery.
   */
  static async open(dir: string, opts: AuditLogOptions = {}): Promise<AuditLog> {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.chmodSync(dir, 0o700);
    } catch (e) {
      throw fsError(e, 'cannot be opened', dir, dir);
    }
    const lock = LockFile.acquire(path.join(dir, LOCK_FILE));
    let fd: number | undefined;
    try {
      const signer = await CheckpointSigner.loadOrCreate(dir);
      let segments: string[];
      try {
        segments = listSegments(dir);
      } catch (e) {
        throw fsError(e, 'cannot be opened', dir, dir);
      }
      let recovered: TornTail | undefined;
      let logId: string | undefined;
      let seq = 0;
      let head = GENESIS_HASH;
      let segNo = segments.length ? segmentNumber(path.basename(segments[segments.length - 1]))! : 1;
      // Find the head: the last complete line of the newest segment that has one.
      for (let i = segments.length - 1; i >= 0; i--) {
        let tail: ReturnType<typeof readTail>;
        try {
          tail = readTail(segments[i]);
          if (tail.torn && i === segments.length - 1) recovered = setAsideTorn(segments[i], tail.torn, tail.tornStart);
        } catch (e) {
          throw fsError(e, 'cannot be opened', segments[i], dir);
        }
        if (tail.lastLine) {
          let rec: { log?: unknown; seq?: unknown } | undefined;
          try {
            rec = JSON.parse(tail.lastLine.toString('utf8')) as { log?: unknown; seq?: unknown };
          } catch {
            rec = undefined;
          }
          if (!rec || typeof rec !== 'object' || typeof rec.log !== 'string' || typeof rec.seq !== 'number') {
            throw new AuditLogError('corrupt', `audit log ${dir} cannot be opened: the last line of ${segments[i]} is not an audit record; run \`agentpolicy audit verify ${dir}\`, then move the folder aside (a new log starts in its place)`, segments[i]);
          }
          logId = rec.log;
          seq = rec.seq;
          head = sha256Hex(tail.lastLine);
          break;
        }
      }
      const isNew = logId === undefined;
      const file = path.join(dir, segmentName(segNo));
      try {
        fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
        fs.fchmodSync(fd, 0o600);
        fsyncDir(dir);
      } catch (e) {
        throw fsError(e, 'cannot be opened', file, dir);
      }
      const log = new AuditLog(dir, logId ?? randomUUID(), signer, lock, fd, segNo, fs.fstatSync(fd).size, seq, head, opts, recovered);
      if (lock.takenOver) log.notes.push(String(lockRecovery(lock.takenOver).note));
      try {
        await log.enqueueRecord({ type: 'open', kid: signer.kid, pid: process.pid, hostname: log.defaults.hostname, ...(isNew ? {} : { resumed: true }) });
        if (lock.takenOver) await log.enqueueRecord(lockRecovery(lock.takenOver));
        if (recovered) {
          await log.enqueueRecord({
            type: 'recovery',
            torn: { file: path.basename(recovered.file), bytes: recovered.bytes, savedAs: path.basename(recovered.savedAs) },
            note: 'the last line was torn by a crash (never acknowledged) and was set aside',
          });
        }
        if (recovered || lock.takenOver) await log.checkpoint('recovery');
      } catch (e) {
        log.stopTimer();
        log.closed = true;
        throw e;
      }
      return log;
    } catch (e) {
      if (fd !== undefined) {
        try {
          fs.closeSync(fd);
        } catch {
          /* already closed */
        }
      }
      lock.release();
      throw e instanceof AuditLogError ? e : fsError(e, 'cannot be opened', dir, dir);
    }
  }

  /** Seq of the last durable record. */
  get headSeq(): number {
    return this.seq;
  }

  /** The lock this writer took over from a writer that was gone, if it did. */
  get takenOverLock(): TakenOverLock | undefined {
    return this.lock.takenOver;
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
    if (problem) return Promise.reject(new AuditLogError('invalid', `audit event rejected: ${problem}`));
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
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private enqueueRecord(fields: Record<string, unknown>): Promise<{ seq: number; hash: string }> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'record', fields, resolve, reject }));
  }

  private enqueue(item: Item): void {
    if (this.failed) return item.reject(this.failed);
    if (this.closed) return item.reject(new AuditLogError('closed', `audit log ${this.dir} is closed`, this.dir));
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
        await this.writeLines(lines);
        for (let i = 0; i < batch.length; i++) batch[i].resolve(lines.results[i]);
        if (this.size >= this.maxFileBytes) await this.rotate();
      } catch (e) {
        const err = fsError(e, 'cannot be written', path.join(this.dir, segmentName(this.segment)), this.dir);
        this.failed = err;
        this.stopTimer();
        for (const item of batch) item.reject(err);
        for (const item of this.queue.splice(0)) item.reject(err);
      }
    }
    this.running = false;
  }

  /** Serialises a batch into chained lines; adds a checkpoint when one is due. */
  private async encodeBatch(batch: Item[]): Promise<Encoded> {
    let seq = this.seq;
    let head = this.head;
    let since = this.sinceCheckpoint;
    let uncoveredAt = this.uncoveredAt;
    let needCheckpoint: string | undefined;
    let mustSync = false;
    const parts: string[] = [];
    const results: { seq: number; hash: string }[] = [];
    const now = Date.now();
    const push = (fields: Record<string, unknown>): { seq: number; hash: string } => {
      seq++;
      const line = JSON.stringify({ v: 1, log: this.logId, seq, ts: now, prev: head, ...fields });
      if (line.includes('\n')) throw new AuditLogError('invalid', 'record serialised with a newline'); // JSON.stringify escapes; belt and braces
      head = sha256Hex(line);
      parts.push(line);
      this.stats.records++;
      return { seq, hash: head };
    };
    const signCheckpoint = async (why: string): Promise<{ seq: number; hash: string }> => {
      const payload: CheckpointPayload = { log: this.logId, seq, hash: head, time: now };
      const jws = await this.signer.sign(payload);
      since = 0;
      uncoveredAt = 0;
      this.stats.checkpoints++;
      return push({ type: 'checkpoint', why, jws });
    };
    for (const item of batch) {
      if (item.kind === 'event') {
        const ev = this.withDefaults(item.event, now);
        results.push(push(ev as unknown as Record<string, unknown>));
        if (since++ === 0) uncoveredAt = now;
        if (ev.type === 'decision' && (ev.decision.effect !== 'allow' || ev.approval)) needCheckpoint = ev.decision.effect === 'allow' ? 'approval' : ev.decision.effect;
        // Control actions (kill switch, sandbox off, policy change, ...) are rare and each matters: sign at once.
        else if (ev.type === 'control') needCheckpoint = 'control';
        if (!(ev.type === 'decision' && ev.decision.effect === 'allow' && !ev.approval)) mustSync = true;
      } else if (item.kind === 'record') {
        mustSync = true;
        results.push(push(item.fields));
        if (since++ === 0) uncoveredAt = now;
      } else {
        results.push(since > 0 || item.why === 'close' || item.why === 'rotate' ? await signCheckpoint(item.why) : { seq, hash: head });
      }
    }
    if (!needCheckpoint && since >= this.checkpointEvery) needCheckpoint = 'count';
    if (!needCheckpoint && since > 0 && this.checkpointIntervalMs > 0 && now - uncoveredAt >= this.checkpointIntervalMs) needCheckpoint = 'time';
    if (needCheckpoint && since > 0) await signCheckpoint(needCheckpoint);
    if (batch.some((i) => i.kind === 'checkpoint')) mustSync = true;
    // A batch of checkpoints with nothing to cover writes nothing (never an empty line).
    return { text: parts.length ? parts.join('\n') + '\n' : '', mustSync: mustSync || needCheckpoint !== undefined || this.allowSyncWithinMs <= 0, seq, head, sinceCheckpoint: since, uncoveredAt, results };
  }

  private withDefaults(event: AuditEvent, now: number): AuditEvent {
    const c = event.context ?? {};
    const context =
      c.osUser !== undefined && c.hostname !== undefined && c.osUid !== undefined
        ? c
        : { ...c, osUser: c.osUser ?? this.defaults.osUser, osUid: c.osUid ?? this.defaults.osUid, hostname: c.hostname ?? this.defaults.hostname };
    return { ...event, time: event.time ?? now, context };
  }

  private async writeLines(e: Encoded): Promise<void> {
    if (!e.text) return;
    const buf = Buffer.from(e.text, 'utf8');
    // One write() per batch; loop only if the kernel writes short.
    let off = 0;
    while (off < buf.length) off += await writeAsync(this.fd, buf, off, buf.length - off);
    if (e.mustSync) {
      clearTimeout(this.syncTimer);
      this.syncTimer = undefined;
      await fdatasyncAsync(this.fd);
    } else this.deferSync();
    this.stats.writes++;
    this.size += buf.length;
    this.seq = e.seq;
    this.head = e.head;
    this.sinceCheckpoint = e.sinceCheckpoint;
    this.uncoveredAt = e.uncoveredAt;
    this.armTimer();
  }

  private syncTimer: NodeJS.Timeout | undefined;

  /** Flushes written-but-unsynced allowed decisions within allowSyncWithinMs, once for all of them. */
  private deferSync(): void {
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (this.closed || this.failed) return;
      fs.fdatasync(this.fd, (err) => {
        // A flush that fails fails the log: later appends are refused (their actions denied).
        if (err && !this.failed) this.failed = fsError(err, 'cannot be written', path.join(this.dir, segmentName(this.segment)), this.dir);
      });
    }, this.allowSyncWithinMs);
  }

  /** Makes sure a checkpoint follows within checkpointIntervalMs of the first record not covered by one. */
  private armTimer(): void {
    if (this.timer || this.checkpointIntervalMs <= 0 || this.sinceCheckpoint === 0 || this.closed || this.failed) return;
    const wait = Math.max(0, this.uncoveredAt + this.checkpointIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.sinceCheckpoint === 0 || this.closed || this.failed) return;
      if (Date.now() - this.uncoveredAt >= this.checkpointIntervalMs) void this.checkpoint('time').catch(() => undefined);
      else this.armTimer();
    }, wait);
    this.timer.unref();
  }

  /** Closes the segment with a checkpoint and continues the chain in the next one. */
  private async rotate(): Promise<void> {
    const cp = await this.encodeBatch([{ kind: 'checkpoint', why: 'rotate', resolve: () => undefined, reject: () => undefined }]);
    await this.writeLines(cp);
    const previous = segmentName(this.segment);
    await fsyncAsync(this.fd);
    fs.closeSync(this.fd);
    this.segment++;
    this.fd = fs.openSync(path.join(this.dir, segmentName(this.segment)), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
    fsyncDir(this.dir);
    this.size = fs.fstatSync(this.fd).size;
    const open = await this.encodeBatch([{ kind: 'record', fields: { type: 'open', kid: this.signer.kid, pid: process.pid, hostname: this.defaults.hostname, continues: previous }, resolve: () => undefined, reject: () => undefined }]);
    await this.writeLines(open);
  }
}

interface Encoded {
  text: string;
  /** Must be on disk before its appends resolve (anything but allowed decisions). */
  mustSync: boolean;
  seq: number;
  head: string;
  sinceCheckpoint: number;
  uncoveredAt: number;
  results: { seq: number; hash: string }[];
}

/** The recovery record for a lock taken over from a writer that is gone. */
function lockRecovery(t: TakenOverLock): Record<string, unknown> {
  const h = t.holder;
  const why = { dead: 'that process is gone', 'pid-reused': 'its pid now belongs to another process', rebooted: 'the machine rebooted since', unreadable: 'the lock file was unreadable' }[t.reason];
  const who = h ? `process ${h.pid}${h.since ? ` (writing since ${h.since})` : ''}` : 'an unknown process';
  return {
    type: 'recovery',
    lock: { reason: t.reason, ...(h ? { pid: h.pid, ...(h.since ? { since: h.since } : {}), ...(h.hostname ? { hostname: h.hostname } : {}), ...(h.start ? { start: h.start } : {}) } : {}) },
    note: `the previous writer, ${who}, ended without closing the log (${why}); its lock was taken over`,
  };
}

const SUBJECT_KIND_SET: ReadonlySet<string> = new Set(SUBJECT_KINDS);

function checkEvent(e: AuditEvent): string | undefined {
  if (!e || typeof e !== 'object') return 'not an object';
  if (e.type === 'control') return controlEventProblem(e);
  if (e.type !== 'decision' && e.type !== 'result') return `type must be "decision", "result" or "control", got ${String((e as { type?: unknown }).type)}`;
  if (!e.agent || typeof e.agent.id !== 'string') return 'agent.id is required';
  if (e.agent.kind !== undefined && !SUBJECT_KIND_SET.has(e.agent.kind)) return `agent.kind must be agent, person or unknown, got ${String(e.agent.kind)}`;
  if (e.agent.evidence !== undefined && typeof e.agent.evidence !== 'string') return 'agent.evidence must be a string';
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
