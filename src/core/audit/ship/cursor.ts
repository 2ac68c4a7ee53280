/**
 * Durable shipping cursor: the last (log id, seq) a destination acknowledged.
 * Written with write-tmp + fsync + rename, so a crash leaves the old or the new
 * cursor, never a torn one.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface CursorState {
  log: string;
  seq: number;
}

export class ShipCursor {
  private constructor(
    readonly file: string,
    private state: CursorState | undefined,
  ) {}

  static load(file: string): ShipCursor {
    try {
      const j = JSON.parse(fs.readFileSync(file, 'utf8')) as CursorState;
      if (typeof j.log !== 'string' || typeof j.seq !== 'number') throw new Error('malformed');
      return new ShipCursor(file, j);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new ShipCursor(file, undefined);
      throw new Error(`shipping cursor ${file} is unreadable (${(e as Error).message}); delete it to resend the whole log`);
    }
  }

  /** Records with seq above this were not acknowledged by the destination (0 for a new or different log). */
  after(logId: string | undefined): number {
    return this.state && logId && this.state.log === logId ? this.state.seq : 0;
  }

  get value(): CursorState | undefined {
    return this.state;
  }

  save(state: CursorState): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(state) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    this.state = state;
  }
}
