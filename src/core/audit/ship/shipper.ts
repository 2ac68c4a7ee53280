/**
 * Ships a log to a SIEM: reads records after the durable cursor, sends them in
 * batches, retries 429/5xx/connection errors with exponential backoff, and
 * advances the cursor only after the destination accepted a batch.
 *
 * Delivery is at-least-once: a crash between the destination's answer and the
 * cursor's fsync resends that one batch; every format carries `log:seq` as the
 * event id so the SIEM can drop the duplicate.
 */
import * as path from 'path';
import { readRecords } from '../reader';
import { listSegments, readTail } from '../segments';
import { resolveAuditTarget } from '../target';
import type { AuditRecord } from '../types';
import { ShipCursor } from './cursor';
import { RetryableError } from './transports';
import type { Transport } from './transports';

export interface ShipOptions {
  dir: string;
  transport: Transport;
  /** Default: <dir>/ship-<transport id>.cursor.json */
  cursorFile?: string;
  batchSize?: number;
  /** Attempts per batch before giving up for this run (default 8). */
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Tests pass a recorder; production sleeps. */
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (attempt: number, waitMs: number, err: Error) => void;
}

export interface ShipResult {
  sent: number;
  /** Records still waiting (the SIEM was down or refused). */
  backlog: number;
  /** Last seq the destination acknowledged. */
  cursorSeq: number;
  logId?: string;
  /** Why the run stopped early. */
  error?: string;
  retries: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The log's id and last seq, from the newest segment's tail (cheap). */
export function logHead(dir: string): { logId?: string; seq: number } {
  const files = listSegments(dir);
  for (let i = files.length - 1; i >= 0; i--) {
    const t = readTail(files[i]);
    if (t.lastLine) {
      try {
        const r = JSON.parse(t.lastLine.toString('utf8')) as { log: string; seq: number };
        return { logId: r.log, seq: r.seq };
      } catch {
        return { seq: 0 };
      }
    }
  }
  return { seq: 0 };
}

export function defaultCursorFile(dir: string, transport: Transport): string {
  return path.join(dir, `ship-${transport.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.cursor.json`);
}

/** Records not yet acknowledged by the destination. */
export function backlog(dir: string, cursorFile: string): number {
  const head = logHead(dir);
  return Math.max(0, head.seq - ShipCursor.load(cursorFile).after(head.logId));
}

/** Sends everything after the cursor, once. */
export async function shipOnce(o: ShipOptions): Promise<ShipResult> {
  const cursor = ShipCursor.load(o.cursorFile ?? defaultCursorFile(o.dir, o.transport));
  const head = logHead(o.dir);
  const after = cursor.after(head.logId);
  const batchSize = o.batchSize ?? 500;
  const sleep = o.sleep ?? defaultSleep;
  const res: ShipResult = { sent: 0, backlog: Math.max(0, head.seq - after), cursorSeq: after, logId: head.logId, retries: 0 };
  let pending: AuditRecord[] = [];

  const flush = async (): Promise<boolean> => {
    if (!pending.length) return true;
    const batch = pending;
    pending = [];
    let wait = o.initialBackoffMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      try {
        await o.transport.send(batch);
        break;
      } catch (e) {
        const err = e as Error;
        if (!(err instanceof RetryableError) || attempt >= (o.maxAttempts ?? 8)) {
          res.error = err.message;
          return false;
        }
        const ms = Math.min(o.maxBackoffMs ?? 30000, Math.max(err.retryAfterMs ?? 0, wait));
        o.onRetry?.(attempt, ms, err);
        res.retries++;
        await sleep(ms);
        wait = Math.min((o.maxBackoffMs ?? 30000), wait * 2);
      }
    }
    const last = batch[batch.length - 1];
    cursor.save({ log: last.log, seq: last.seq });
    res.sent += batch.length;
    res.cursorSeq = last.seq;
    res.backlog = Math.max(0, head.seq - last.seq);
    return true;
  };

  for await (const recs of readRecords(o.dir, { afterSeq: after })) {
    for (const r of recs) {
      if (head.logId && r.log !== head.logId) continue;
      if (r.seq > head.seq) break;
      pending.push(r);
      if (pending.length >= batchSize && !(await flush())) return finish();
    }
  }
  await flush();
  return finish();

  function finish(): ShipResult {
    const now = logHead(o.dir);
    res.backlog = Math.max(0, now.seq - res.cursorSeq);
    return res;
  }
}

// ---------------------------------------------------------------------------
// A root of streams: each stream is its own log with its own cursor.

export interface ShipTargetOptions extends Omit<ShipOptions, 'dir' | 'cursorFile'> {
  /** A log folder or a root of streams. */
  target: string;
  /**
   * Cursor file for a single log; for a root, each stream's cursor is this name with
   * `.stream-N` before its extension. Default: `ship-<destination>.cursor.json` in each log folder.
   */
  cursorFile?: string;
}

export interface StreamShipResult extends ShipResult {
  /** `stream-2`, `.`, or the log folder's name. */
  name: string;
  dir: string;
  cursorFile: string;
}

export interface ShipTargetResult {
  sent: number;
  /** Records still waiting, over every stream. */
  backlog: number;
  retries: number;
  streams: StreamShipResult[];
  /** Why the run stopped early (the first stream that failed; later streams were not tried). */
  error?: string;
}

/** The cursor file of one log of a target. */
export function cursorFileFor(logDir: string, name: string, transport: Transport, given: string | undefined, many: boolean): string {
  if (!given) return defaultCursorFile(logDir, transport);
  if (!many) return given;
  const ext = path.extname(given);
  const tag = name === '.' ? 'root' : name;
  return ext ? `${given.slice(0, -ext.length)}.${tag}${ext}` : `${given}.${tag}`;
}

/**
 * Ships every log of `target` (one folder, or each stream of a root in turn), each after
 * its own durable cursor. Stops at the first stream the destination refuses: the others
 * wait for the next run (their backlog is counted).
 */
export async function shipTarget(o: ShipTargetOptions): Promise<ShipTargetResult> {
  const { target, cursorFile: given, ...common } = o;
  const t = resolveAuditTarget(target);
  if (t.kind === 'file') throw new Error(`${target} is a segment file; ship takes a log folder or an audit root`);
  const many = t.kind === 'root';
  const out: ShipTargetResult = { sent: 0, backlog: 0, retries: 0, streams: [] };
  for (const l of t.logs) {
    const cursorFile = cursorFileFor(l.dir, l.name, o.transport, given, many);
    if (out.error) {
      const waiting = backlog(l.dir, cursorFile);
      const head = logHead(l.dir);
      out.streams.push({ name: l.name, dir: l.dir, cursorFile, sent: 0, backlog: waiting, cursorSeq: head.seq - waiting, logId: head.logId, retries: 0, error: 'not tried: an earlier stream failed' });
      out.backlog += waiting;
      continue;
    }
    const r = await shipOnce({ ...common, dir: l.dir, cursorFile });
    out.streams.push({ name: l.name, dir: l.dir, cursorFile, ...r });
    out.sent += r.sent;
    out.backlog += r.backlog;
    out.retries += r.retries;
    if (r.error) out.error = many ? `${l.name}: ${r.error}` : r.error;
  }
  return out;
}
