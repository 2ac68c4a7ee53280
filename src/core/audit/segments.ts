/** Naming and reading of log segment files (audit-000001.jsonl, ...). */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';

const SEGMENT_RE = /^audit-(\d{6,})\.jsonl$/;

export function segmentName(n: number): string {
  return `audit-${String(n).padStart(6, '0')}.jsonl`;
}

export function segmentNumber(name: string): number | undefined {
  const m = SEGMENT_RE.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Segment files of a log directory, oldest first. */
export function listSegments(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .filter((n) => SEGMENT_RE.test(n))
    .sort((a, b) => segmentNumber(a)! - segmentNumber(b)!)
    .map((n) => path.join(dir, n));
}

/** A DIR argument or a single segment FILE → the files to read. */
export function resolveLogFiles(target: string): { dir: string; files: string[] } {
  const st = fs.statSync(target);
  if (st.isDirectory()) return { dir: target, files: listSegments(target) };
  return { dir: path.dirname(target), files: [target] };
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The tail of a file: the last complete line (without newline) and any bytes after
 * the last newline (a torn write). Reads backwards in chunks, so big files are cheap.
 */
export function readTail(file: string): { lastLine?: Buffer; lastLineStart: number; torn?: Buffer; tornStart: number; size: number } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    let end = size;
    let buf = Buffer.alloc(0);
    let lastNl = -1; // absolute offset of the last '\n'
    let prevNl = -1; // absolute offset of the '\n' before it
    const chunk = 64 * 1024;
    let pos = size;
    while (pos > 0 && prevNl < 0) {
      const start = Math.max(0, pos - chunk);
      const b = Buffer.alloc(pos - start);
      fs.readSync(fd, b, 0, b.length, start);
      buf = Buffer.concat([b, buf]);
      pos = start;
      for (let i = end - 1; i >= pos; i--) {
        if (buf[i - pos] === 0x0a) {
          if (lastNl < 0) lastNl = i;
          else {
            prevNl = i;
            break;
          }
        }
      }
      end = pos;
    }
    const tornStart = lastNl + 1;
    const torn = tornStart < size ? buf.subarray(tornStart - pos) : undefined;
    if (lastNl < 0) return { torn, tornStart: 0, lastLineStart: 0, size };
    const lineStart = prevNl + 1;
    return { lastLine: buf.subarray(lineStart - pos, lastNl - pos), lastLineStart: lineStart, torn, tornStart, size };
  } finally {
    fs.closeSync(fd);
  }
}
