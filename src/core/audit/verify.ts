/**
 * `verify`: walks every segment and checks sequence, hash links, checkpoint
 * signatures and heads; optionally checks checkpoints shipped to a SIEM, which is
 * the only way to detect a truncated tail.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { JWK } from 'jose';
import { describeLock, inspectLock, LOCK_FILE } from './lockFile';
import type { LockState } from './lockFile';
import { readLineBatches } from './reader';
import { resolveLogFiles, segmentNumber, sha256Hex } from './segments';
import { CheckpointVerifier, peekCheckpoint, PUBLIC_KEY_FILE } from './signingKey';
import { listStreams, resolveAuditTarget, STREAM_PREFIX } from './target';
import type { AuditTarget } from './target';
import { GENESIS_HASH } from './types';

export interface VerifyOptions {
  /** Public keys to trust (default: checkpoint-key.pub.jwk in the log directory). Pin one to defeat a replaced key. */
  publicKeys?: JWK[];
  /** Checkpoints (compact JWS) shipped elsewhere: the log must still contain the records they cover. */
  anchors?: string[];
}

export interface VerifyProblem {
  file: string;
  /** 1-based line in `file`. */
  line: number;
  reason: string;
}

export interface VerifyReport {
  /** `empty`: no records at all (no segments, or all deleted) — an error, never OK. */
  status: 'ok' | 'tampered' | 'torn' | 'empty';
  logId?: string;
  files: string[];
  records: number;
  firstSeq?: number;
  lastSeq?: number;
  checkpoints: number;
  lastCheckpointSeq?: number;
  /** Records after the last checkpoint: not yet covered by a signature. */
  afterLastCheckpoint: number;
  /** The first bad line (status 'tampered'). */
  problem?: VerifyProblem;
  /** A torn last line (status 'torn' unless also tampered). */
  torn?: { file: string; line: number; bytes: number };
  anchorsChecked: number;
  /** Why the log counts as empty (status 'empty'). */
  empty?: string;
  /** The writer lock, when the folder has one (a live writer, a stale or an odd lock). */
  lock?: LockState;
  /** Notes that do not fail verification. */
  notes: string[];
}

interface Anchor {
  seq: number;
  hash: string;
  log: string;
}

/** Exit code for `agentpolicy audit verify`: 0 ok, 1 tampered or empty, 2 torn tail. */
export function verifyExitCode(r: { status: VerifyReport['status'] }): number {
  return r.status === 'ok' ? 0 : r.status === 'torn' ? 2 : 1;
}

/** Verifies a log directory or a single segment file. */
export async function verifyLog(target: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const { dir, files } = resolveLogFiles(target);
  const single = !fs.statSync(target).isDirectory();
  const report: VerifyReport = { status: 'ok', files, records: 0, checkpoints: 0, afterLastCheckpoint: 0, anchorsChecked: 0, notes: [] };
  const fail = (file: string, line: number, reason: string): VerifyReport => {
    report.status = 'tampered';
    report.problem = { file, line, reason };
    return report;
  };

  let keys = opts.publicKeys;
  if (!keys) {
    try {
      keys = [JSON.parse(fs.readFileSync(path.join(dir, PUBLIC_KEY_FILE), 'utf8')) as JWK];
    } catch {
      keys = [];
      report.notes.push(`no ${PUBLIC_KEY_FILE} in ${dir}: checkpoint signatures cannot be checked`);
    }
  }
  const verifier = new CheckpointVerifier(keys);
  if (!single) {
    const lockFile = path.join(dir, LOCK_FILE);
    const lock = inspectLock(lockFile);
    if (lock.state !== 'free') {
      report.lock = lock;
      const line = describeLock(lockFile, lock);
      if (line) report.notes.push(line);
    }
  }

  const anchors = new Map<number, Anchor>();
  for (const jws of opts.anchors ?? []) {
    try {
      const { payload } = await verifier.verify(jws);
      anchors.set(payload.seq, payload);
    } catch (e) {
      return fail(files[0] ?? target, 0, `shipped checkpoint does not verify against the log's key: ${(e as Error).message}`);
    }
  }

  if (files.length === 0) {
    if (anchors.size) return fail(target, 0, 'no log segments, but shipped checkpoints exist: the log was deleted');
    report.status = 'empty';
    report.empty = fs.existsSync(path.join(dir, PUBLIC_KEY_FILE))
      ? `${target} holds no log segments but a writer's key: its segments were deleted`
      : `${target} holds no audit log (no segments): pass the folder a host writes (its --audit-dir, or the audit root)`;
    return report;
  }

  let prevHash: string | undefined = single && segmentNumber(path.basename(files[0])) !== 1 ? undefined : GENESIS_HASH;
  if (prevHash === undefined) report.notes.push('single segment: its link to the previous segment is not checked');
  let expectSeq: number | undefined = prevHash === undefined ? undefined : 1;
  let prevAt: { file: string; line: number } | undefined;
  let lastFile = files[0];
  let lastLineNo = 0;

  for (let fi = 0; fi < files.length; fi++) {
    const file = files[fi];
    const name = path.basename(file);
    lastFile = file;
    lastLineNo = 0;
    for await (const batch of readLineBatches(file)) {
      if (batch.torn !== undefined) {
        const line = batch.firstLine;
        if (fi !== files.length - 1) return fail(name, line, 'segment does not end with a newline but a later segment exists');
        report.torn = { file: name, line, bytes: Buffer.byteLength(batch.torn) };
        report.status = 'torn';
        continue;
      }
      for (let i = 0; i < batch.lines.length; i++) {
        const text = batch.lines[i];
        const lineNo = batch.firstLine + i;
        lastLineNo = lineNo;
        let rec: { v?: unknown; log?: unknown; seq?: unknown; prev?: unknown; type?: unknown; jws?: unknown };
        try {
          rec = JSON.parse(text) as typeof rec;
        } catch {
          return fail(name, lineNo, 'not valid JSON: the line was edited or corrupted');
        }
        if (typeof rec !== 'object' || rec === null || typeof rec.seq !== 'number' || typeof rec.prev !== 'string' || typeof rec.log !== 'string') {
          return fail(name, lineNo, 'not an audit record (missing log, seq or prev)');
        }
        if (report.logId === undefined) report.logId = rec.log;
        else if (rec.log !== report.logId) return fail(name, lineNo, `record belongs to log ${rec.log}, not ${report.logId}: lines from another log were spliced in`);
        if (expectSeq !== undefined && rec.seq !== expectSeq) {
          return fail(name, lineNo, `expected seq ${expectSeq} but found ${rec.seq}: a record was deleted, reordered or inserted here`);
        }
        if (prevHash !== undefined && rec.prev !== prevHash) {
          if (prevAt) {
            return fail(prevAt.file, prevAt.line, `record altered: its hash no longer matches the link in ${name}:${lineNo} (or that link was edited)`);
          }
          return fail(name, lineNo, 'first record does not start the chain (prev is not the genesis hash)');
        }
        const hash = sha256Hex(text);
        if (rec.type === 'checkpoint') {
          if (typeof rec.jws !== 'string') return fail(name, lineNo, 'checkpoint without a signature');
          if (keys.length) {
            let payload;
            try {
              ({ payload } = await verifier.verify(rec.jws));
            } catch (e) {
              return fail(name, lineNo, (e as Error).message);
            }
            if (payload.log !== rec.log || payload.seq !== rec.seq - 1 || payload.hash !== rec.prev) {
              return fail(name, lineNo, `checkpoint signs seq ${payload.seq} ${payload.hash.slice(0, 12)}… but the record before it is seq ${rec.seq - 1} ${rec.prev.slice(0, 12)}…`);
            }
          }
          report.checkpoints++;
          report.lastCheckpointSeq = rec.seq;
          report.afterLastCheckpoint = 0;
        } else {
          report.afterLastCheckpoint++;
        }
        const anchor = anchors.get(rec.seq);
        if (anchor) {
          if (anchor.log !== rec.log) return fail(name, lineNo, `shipped checkpoint is for log ${anchor.log}, this is ${rec.log}`);
          if (anchor.hash !== hash) return fail(name, lineNo, `record differs from the one a shipped checkpoint signed (seq ${rec.seq}): the log was rewritten`);
          report.anchorsChecked++;
          anchors.delete(rec.seq);
        }
        if (report.firstSeq === undefined) report.firstSeq = rec.seq;
        report.lastSeq = rec.seq;
        report.records++;
        expectSeq = rec.seq + 1;
        prevHash = hash;
        prevAt = { file: name, line: lineNo };
      }
    }
  }
  for (const a of anchors.values()) {
    if (report.lastSeq === undefined || a.seq > report.lastSeq) {
      return fail(path.basename(lastFile), lastLineNo + 1, `truncated: the log ends at seq ${report.lastSeq ?? 0} but a shipped checkpoint covers seq ${a.seq}`);
    }
    if (report.firstSeq !== undefined && a.seq < report.firstSeq) report.notes.push(`shipped checkpoint for seq ${a.seq} is before this segment`);
  }
  return report;
}

/** A person-readable summary, one fact a line. */
export function formatVerifyReport(r: VerifyReport): string {
  const out: string[] = [];
  if (r.status === 'empty') {
    out.push(`EMPTY: ${r.empty ?? 'no audit records'}`);
    for (const n of r.notes) out.push(`note: ${n}`);
    return out.join('\n') + '\n';
  }
  if (r.problem) out.push(`TAMPERED ${r.problem.file}:${r.problem.line}: ${r.problem.reason}`);
  if (r.torn) out.push(`TORN TAIL ${r.torn.file}:${r.torn.line}: ${r.torn.bytes} bytes without a newline (a crash mid-write; reopening the log sets them aside)`);
  out.push(
    `${r.status === 'ok' ? 'OK' : r.status === 'torn' ? 'OK up to the torn tail' : 'checked up to the problem'}: log ${r.logId ?? '-'}, ${r.records} records` +
      (r.firstSeq !== undefined ? ` (seq ${r.firstSeq}..${r.lastSeq})` : '') +
      ` in ${r.files.length} file(s), ${r.checkpoints} checkpoints`,
  );
  out.push(
    r.lastCheckpointSeq !== undefined
      ? `${r.afterLastCheckpoint} record(s) after the last checkpoint (seq ${r.lastCheckpointSeq})`
      : `${r.afterLastCheckpoint} record(s) and no checkpoint yet`,
  );
  if (r.anchorsChecked) out.push(`${r.anchorsChecked} shipped checkpoint(s) matched`);
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// Targets: a log folder, a segment file, or a root of streams.

/** One log of a target, verified. */
export interface LogVerifyReport extends VerifyReport {
  /** `stream-2`, `.` (a log in the root folder itself), or the log folder's name. */
  name: string;
  dir: string;
}

export interface TargetVerifyReport {
  kind: AuditTarget['kind'];
  path: string;
  /** The worst of the logs' statuses; `empty` when no log holds a record. */
  status: VerifyReport['status'];
  logs: LogVerifyReport[];
  /** About the root as a whole (streams never written). */
  notes: string[];
}

const SEVERITY: Record<VerifyReport['status'], number> = { ok: 0, torn: 1, empty: 2, tampered: 3 };

function emptyReport(reason: string): VerifyReport {
  return { status: 'empty', empty: reason, files: [], records: 0, checkpoints: 0, afterLastCheckpoint: 0, anchorsChecked: 0, notes: [] };
}

function problemReport(file: string, reason: string): VerifyReport {
  return { status: 'tampered', problem: { file, line: 0, reason }, files: [], records: 0, checkpoints: 0, afterLastCheckpoint: 0, anchorsChecked: 0, notes: [] };
}

/** The log id of a log folder, from its first record (undefined when it has none). */
function firstLogId(files: string[]): string | undefined {
  for (const f of files) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(f, 'r');
      const buf = Buffer.alloc(64 * 1024);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      const nl = buf.subarray(0, n).indexOf(10);
      if (nl < 0) continue;
      const rec = JSON.parse(buf.toString('utf8', 0, nl)) as { log?: unknown };
      if (typeof rec.log === 'string') return rec.log;
    } catch {
      /* verify will say what is wrong with it */
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  return undefined;
}

/**
 * Verifies a log folder, a segment file, or a root of streams (every stream on its own
 * chain and key). In a root, streams are opened lowest number first, so a missing
 * `stream-N` below an existing one was deleted; shipped checkpoints are matched to their
 * stream by log id, and one that matches no stream means its stream was deleted.
 */
export async function verifyTarget(target: string, opts: VerifyOptions = {}): Promise<TargetVerifyReport> {
  const t = resolveAuditTarget(target);
  if (t.kind !== 'root') {
    const r = await verifyLog(target, opts);
    return { kind: t.kind, path: target, status: r.status, logs: [{ name: t.logs[0].name, dir: t.logs[0].dir, ...r }], notes: [] };
  }
  const out: TargetVerifyReport = { kind: 'root', path: target, status: 'ok', logs: [], notes: [] };
  // Route shipped checkpoints to their stream by the log id they sign (checked there against the stream's key).
  const byLog = new Map<string, string[]>();
  const unrouted: string[] = [];
  for (const jws of opts.anchors ?? []) {
    const p = peekCheckpoint(jws);
    if (!p || typeof p.log !== 'string') unrouted.push(jws);
    else byLog.set(p.log, [...(byLog.get(p.log) ?? []), jws]);
  }
  const present = new Set(listStreams(target).map((s) => s.n));
  const highest = Math.max(0, ...present);
  for (let n = 1; n < highest; n++) {
    if (!present.has(n)) {
      const name = `${STREAM_PREFIX}${n}`;
      out.logs.push({ name, dir: path.join(target, name), ...emptyReport(`${name} is missing but ${STREAM_PREFIX}${highest} exists: streams are opened lowest first, so ${name} was deleted or moved`) });
    }
  }
  for (const l of t.logs) {
    if (!l.files.length && !l.hasKey) {
      const lockFile = path.join(l.dir, LOCK_FILE);
      const lock = describeLock(lockFile, inspectLock(lockFile));
      out.notes.push(`${l.name}: never written (no key, no segments)${lock ? `; ${lock}` : ''}`);
      continue;
    }
    const id = firstLogId(l.files);
    const anchors = id ? (byLog.get(id) ?? []) : [];
    if (id) byLog.delete(id);
    out.logs.push({ name: l.name, dir: l.dir, ...(await verifyLog(l.dir, { publicKeys: opts.publicKeys, anchors })) });
  }
  out.logs.sort((a, b) => streamOrder(a.name) - streamOrder(b.name));
  if (unrouted.length) out.logs.push({ name: '(shipped)', dir: target, ...problemReport(path.basename(target), `${unrouted.length} shipped checkpoint(s) are not compact JWS checkpoints`) });
  for (const [log, jwss] of byLog) {
    const seq = Math.max(...jwss.map((j) => peekCheckpoint(j)?.seq ?? 0));
    out.logs.push({ name: '(shipped)', dir: target, ...problemReport(path.basename(target), `shipped checkpoints for log ${log} (up to seq ${seq}) match no stream of this root: that stream was deleted`) });
  }
  if (!out.logs.some((l) => l.records > 0 || l.status !== 'empty')) {
    out.status = 'empty';
    out.notes.push(`no stream of ${target} holds any audit record: the folder is empty or its streams were deleted`);
  }
  for (const l of out.logs) if (SEVERITY[l.status] > SEVERITY[out.status]) out.status = l.status;
  return out;
}

function streamOrder(name: string): number {
  if (name === '.') return 0;
  const m = /^stream-(\d+)$/.exec(name);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

/** A person-readable summary of a target: for one log, exactly formatVerifyReport; for a root, each stream's lines prefixed by its name. */
export function formatTargetReport(r: TargetVerifyReport): string {
  if (r.kind !== 'root') return formatVerifyReport(r.logs[0]);
  const out: string[] = [];
  for (const l of r.logs) for (const line of formatVerifyReport(l).trimEnd().split('\n')) out.push(`${l.name}: ${line}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  const count = (s: VerifyReport['status']) => r.logs.filter((l) => l.status === s).length;
  const parts = [`${count('ok')} OK`, count('torn') && `${count('torn')} torn`, count('empty') && `${count('empty')} empty`, count('tampered') && `${count('tampered')} tampered`].filter(Boolean);
  out.push(`${r.status === 'ok' ? 'OK' : r.status === 'torn' ? 'OK up to torn tails' : r.status === 'empty' ? 'EMPTY' : 'TAMPERED'}: audit root ${r.path}, ${r.logs.length} stream(s): ${parts.join(', ')}`);
  return out.join('\n') + '\n';
}
