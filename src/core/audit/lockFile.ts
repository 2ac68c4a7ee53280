/**
 * One writer per log directory: an O_EXCL lock file naming the writer (pid, host, when, and
 * where /proc exists the process's start time and the boot id).
 *
 * A lock is taken over only when its writer is proven gone: its pid does not exist, the
 * machine rebooted since, or the pid now belongs to a process that started at another time
 * (pid reuse). Anything else is held — including a lock whose live pid cannot be shown to be
 * the writer that took it (planted, or left by an old version): that one is "odd", reported
 * by `inspectLock`, and a host on the default audit root simply writes another stream.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuditLogError, fsError } from './errors';

/** What a lock file says about its writer. */
export interface LockHolder {
  pid: number;
  hostname?: string;
  /** ISO time the lock was taken. */
  since?: string;
  /** Start time of the writer process (/proc/<pid>/stat field 22, clock ticks since boot). */
  start?: string;
  /** /proc/sys/kernel/random/boot_id when the lock was taken. */
  boot?: string;
  writer?: string;
}

/** A lock that was taken over, and why: recorded in the log's recovery record. */
export interface TakenOverLock {
  /** Undefined when the lock file was unreadable. */
  holder?: LockHolder;
  reason: 'dead' | 'pid-reused' | 'rebooted' | 'unreadable';
}

export type LockState =
  | { state: 'free' }
  | { state: 'held'; holder?: LockHolder; odd?: string }
  | { state: 'stale'; holder?: LockHolder; reason: TakenOverLock['reason'] };

/** The lock's name inside a log folder. */
export const LOCK_FILE = 'audit.lock';
const WRITER = 'agentpolicy-audit';
/** A lock file younger than this with no readable body may be a writer between create and write. */
const UNREADABLE_GRACE_MS = 2000;

export class LockHeldError extends AuditLogError {
  constructor(
    readonly file: string,
    readonly pid: number,
    /** Why the holder looks odd (planted lock, pid of another user), when it does. */
    readonly odd?: string,
    holder?: LockHolder,
  ) {
    const dir = path.dirname(file);
    const since = holder?.since ? ` since ${holder.since}` : '';
    super(
      'locked',
      odd
        ? `audit log ${dir} is locked by process ${pid}${since}, which does not look like an agentpolicy writer (${odd}); if no agentpolicy process writes this log, remove ${file}`
        : pid > 0
          ? `audit log ${dir} is being written by process ${pid}${since}; a log has one writer: stop that process, or use the default audit root, which gives each writer its own stream`
          : `audit log ${dir} is being opened by another process (${file}); try again, or remove the lock if no agentpolicy process is running`,
      file,
    );
    // Set by hand: a minified bundle renames classes.
    this.name = 'LockHeldError';
  }
}

/** Whether a process with this pid exists (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether this system has /proc (Linux): start times can be compared there. */
export function hasProc(): boolean {
  try {
    return fs.statSync('/proc/self/stat').isFile();
  } catch {
    return false;
  }
}

/** The process's start time (clock ticks since boot) from /proc, or undefined. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: the fields after it start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); starttime is field 22.
    const start = rest[19];
    return start && /^\d+$/.test(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

function processUid(pid: number): number | undefined {
  try {
    return fs.statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined;
  }
}

let bootIdCache: string | null | undefined;
export function bootId(): string | undefined {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache ?? undefined;
}

/** What this process writes into a lock it takes. */
function ownHolder(): LockHolder {
  const h: LockHolder = { pid: process.pid, hostname: os.hostname(), since: new Date().toISOString(), writer: WRITER };
  const start = processStartTime(process.pid);
  if (start) h.start = start;
  const boot = bootId();
  if (boot) h.boot = boot;
  return h;
}

/** Judges an existing lock (see the module comment). */
export function judgeLock(holder: LockHolder | undefined, ageMs: number): LockState {
  if (!holder) return ageMs < UNREADABLE_GRACE_MS ? { state: 'held' } : { state: 'stale', reason: 'unreadable' };
  if (holder.hostname && holder.hostname !== os.hostname()) return { state: 'held', holder, odd: undefined };
  if (!pidAlive(holder.pid)) return { state: 'stale', holder, reason: 'dead' };
  const boot = bootId();
  if (holder.boot && boot && holder.boot !== boot) return { state: 'stale', holder, reason: 'rebooted' };
  if (!hasProc()) return { state: 'held', holder };
  const start = processStartTime(holder.pid);
  if (holder.start && start && holder.start !== start) return { state: 'stale', holder, reason: 'pid-reused' };
  if (!holder.start) return { state: 'held', holder, odd: 'the lock does not record the start time of its process' };
  const uid = processUid(holder.pid);
  const me = process.getuid?.();
  if (uid !== undefined && me !== undefined && me !== 0 && uid !== me) return { state: 'held', holder, odd: `process ${holder.pid} belongs to uid ${uid}, not to you` };
  return { state: 'held', holder };
}

export class LockFile {
  private released = false;
  private constructor(
    readonly file: string,
    private readonly body: string,
    /** The stale lock this one replaced, if any. */
    readonly takenOver: TakenOverLock | undefined,
  ) {}

  /** Takes the lock, or throws LockHeldError (held) or an AuditLogError (cannot create it). */
  static acquire(file: string): LockFile {
    const dir = path.dirname(file);
    const body = JSON.stringify(ownHolder()) + '\n';
    let takenOver: TakenOverLock | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      let fd: number | undefined;
      try {
        fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(e, 'cannot be opened', file, dir);
      }
      if (fd !== undefined) {
        try {
          fs.writeSync(fd, body);
          fs.fsyncSync(fd);
        } catch (e) {
          fs.closeSync(fd);
          fd = undefined;
          try {
            fs.unlinkSync(file);
          } catch {
            /* nothing to undo */
          }
          throw fsError(e, 'cannot be opened', file, dir);
        } finally {
          if (fd !== undefined) fs.closeSync(fd);
        }
        return new LockFile(file, body, takenOver);
      }
      const seen = readLockText(file);
      if (seen === undefined) continue; // gone meanwhile: try again
      const holder = parseHolder(seen);
      const judged = judgeLock(holder, ageMs(file));
      if (judged.state === 'held') throw new LockHeldError(file, holder?.pid ?? -1, judged.odd, holder);
      if (judged.state === 'free') continue;
      // Stale. Move it aside, and make sure what we moved is the lock we judged: another
      // contender may have replaced it with its own fresh lock in between.
      const aside = `${file}.stale.${process.pid}.${attempt}`;
      try {
        fs.renameSync(file, aside);
      } catch {
        continue; // someone else moved it; try again
      }
      const moved = readLockText(aside);
      if (moved !== seen) {
        try {
          fs.linkSync(aside, file); // put the other writer's lock back (fails if yet another exists)
        } catch {
          /* lost a three-way race; the O_EXCL below decides */
        }
      } else {
        takenOver = { holder, reason: judged.reason };
      }
      try {
        fs.unlinkSync(aside);
      } catch {
        /* already gone */
      }
    }
    const holder = parseHolder(readLockText(file) ?? '');
    throw new LockHeldError(file, holder?.pid ?? -1, undefined, holder);
  }

  static readHolder(file: string): LockHolder | undefined {
    return parseHolder(readLockText(file) ?? '');
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      if (readLockText(this.file) === this.body) fs.unlinkSync(this.file);
    } catch {
      /* already gone */
    }
  }
}

/** The state of a log directory's lock, for verify and doctor. */
export function inspectLock(file: string): LockState {
  const text = readLockText(file);
  if (text === undefined) return { state: 'free' };
  return judgeLock(parseHolder(text), ageMs(file));
}

/** One line about a lock that is not plainly free or plainly held by a writer; undefined otherwise. */
export function describeLock(file: string, s: LockState): string | undefined {
  if (s.state === 'free') return undefined;
  const who = s.holder ? `process ${s.holder.pid}${s.holder.hostname && s.holder.hostname !== os.hostname() ? ` on ${s.holder.hostname}` : ''}${s.holder.since ? ` since ${s.holder.since}` : ''}` : 'an unreadable lock';
  if (s.state === 'stale') {
    const why = { dead: 'that process is gone', 'pid-reused': 'that pid now belongs to another process', rebooted: 'the machine has rebooted since', unreadable: 'the lock file says nothing readable' }[s.reason];
    return `stale lock ${file}: ${who}; ${why}; the next writer takes it over and records the recovery`;
  }
  if (s.odd) return `odd lock ${file}: ${who} holds it, but ${s.odd}; writers on the default audit root use another stream; remove the lock if no agentpolicy process writes this log`;
  return `being written: ${who} holds ${file}`;
}

function readLockText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const j = JSON.parse(text) as LockHolder;
    if (typeof j !== 'object' || j === null || typeof j.pid !== 'number') return undefined;
    const h: LockHolder = { pid: j.pid };
    for (const k of ['hostname', 'since', 'start', 'boot', 'writer'] as const) if (typeof j[k] === 'string') h[k] = j[k];
    return h;
  } catch {
    return undefined;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}
