/**
 * One writer per log directory: an O_EXCL lock file holding the writer's pid.
 * A lock whose pid is gone (the writer crashed) is stale and taken over.
 */
import * as fs from 'fs';
import * as os from 'os';

export class LockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly pid: number,
  ) {
    super(`audit log is locked by process ${pid} (${file}); only one writer per log. Stop that process, or remove the lock if it is not running.`);
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LockFile {
  private released = false;
  private constructor(readonly file: string) {}

  /** Takes the lock or throws LockHeldError. */
  static acquire(file: string): LockFile {
    const body = JSON.stringify({ pid: process.pid, hostname: os.hostname(), since: new Date().toISOString() }) + '\n';
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
        try {
          fs.writeSync(fd, body);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        return new LockFile(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = LockFile.readHolder(file);
      const sameHost = !holder?.hostname || holder.hostname === os.hostname();
      if (holder && sameHost && (holder.pid === process.pid || pidAlive(holder.pid))) throw new LockHeldError(file, holder.pid);
      if (holder && !sameHost) throw new LockHeldError(file, holder.pid);
      if (!holder && LockFile.ageMs(file) < 2000) throw new LockHeldError(file, -1);
      // Stale (dead pid) or unreadable (a writer died between create and write): take it over.
      // Rename first so two contenders cannot both delete and recreate.
      const stale = `${file}.stale.${process.pid}`;
      try {
        fs.renameSync(file, stale);
        fs.unlinkSync(stale);
      } catch {
        /* someone else took it over; retry */
      }
    }
    const holder = LockFile.readHolder(file);
    throw new LockHeldError(file, holder?.pid ?? -1);
  }

  static readHolder(file: string): { pid: number; hostname?: string } | undefined {
    try {
      const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; hostname?: string };
      return typeof j.pid === 'number' ? j : undefined;
    } catch {
      return undefined;
    }
  }

  private static ageMs(file: string): number {
    try {
      return Date.now() - fs.statSync(file).mtimeMs;
    } catch {
      return Infinity;
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      const holder = LockFile.readHolder(this.file);
      if (holder?.pid === process.pid) fs.unlinkSync(this.file);
    } catch {
      /* already gone */
    }
  }
}
