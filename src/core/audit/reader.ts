/**
 * Streaming reads of log segments: constant memory, exact line boundaries
 * (only '\n' ends a record; bytes after the last '\n' are a torn tail).
 */
import * as fs from 'fs';
import { listSegments } from './segments';
import { targetFiles } from './target';
import type { AuditRecord, ControlRecord, DecisionRecord, ResultRecord } from './types';

export interface LineBatch {
  file: string;
  /** 1-based line number of lines[0]. */
  firstLine: number;
  lines: string[];
  /** Bytes after the last newline of the file (only on the file's last batch). */
  torn?: string;
}

/** Yields the complete lines of one file in batches. */
export async function* readLineBatches(file: string, highWaterMark = 1 << 20): AsyncGenerator<LineBatch> {
  const stream = fs.createReadStream(file, { highWaterMark });
  let rest: Buffer | undefined;
  let lineNo = 1;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(10, start)) !== -1) {
      lines.push(buf.toString('utf8', start, nl));
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : undefined;
    if (rest && rest.length > 16 * 1024 * 1024) throw new Error(`${file}:${lineNo + lines.length}: line longer than 16 MiB`);
    if (lines.length) {
      yield { file, firstLine: lineNo, lines };
      lineNo += lines.length;
    }
  }
  if (rest?.length) yield { file, firstLine: lineNo, lines: [], torn: rest.toString('utf8') };
}

export interface RecordFilter {
  /** Only records whose time (ms) is at or after this. */
  since?: number;
  /** Only events of this session. */
  session?: string;
  /** Only records with seq greater than this (shipping cursor). */
  afterSeq?: number;
  /** Include the log's own records — checkpoint, open, recovery (default true). Control events (kill switch, …) are events: always included. */
  includeControl?: boolean;
}

export interface ReadStats {
  skipped: number;
  torn: number;
}

/**
 * One line as a record, or undefined when it is not one (counted in
 * `stats.skipped`) or the filter leaves it out.
 */
export function parseRecordLine(line: string, filter: RecordFilter, stats: ReadStats): AuditRecord | undefined {
  let rec: AuditRecord;
  try {
    rec = JSON.parse(line) as AuditRecord;
  } catch {
    stats.skipped++;
    return undefined;
  }
  if (typeof rec !== 'object' || rec === null || typeof rec.seq !== 'number') {
    stats.skipped++;
    return undefined;
  }
  if (filter.afterSeq !== undefined && rec.seq <= filter.afterSeq) return undefined;
  const isEvent = rec.type === 'decision' || rec.type === 'result' || rec.type === 'control';
  if (!isEvent && !(filter.includeControl ?? true)) return undefined;
  const ev = isEvent ? (rec as DecisionRecord | ResultRecord | ControlRecord) : undefined;
  if (filter.session !== undefined && ev?.context?.session !== filter.session) return undefined;
  if (filter.since !== undefined && (ev ? ev.time : rec.ts) < filter.since) return undefined;
  return rec;
}

/**
 * Parsed records of a log directory, a root of streams (stream after stream) or one segment file, each log oldest first,
 * filtered. Lines that are not JSON are counted in `stats.skipped`: export does
 * not verify (that is `verify`'s job).
 */
export async function* readRecords(target: string, filter: RecordFilter = {}, stats: ReadStats = { skipped: 0, torn: 0 }): AsyncGenerator<AuditRecord[]> {
  for (const file of targetFiles(target)) {
    for await (const batch of readLineBatches(file)) {
      if (batch.torn) stats.torn++;
      const out: AuditRecord[] = [];
      for (const line of batch.lines) {
        const rec = parseRecordLine(line, filter, stats);
        if (rec) out.push(rec);
      }
      if (out.length) yield out;
    }
  }
}

/** Complete lines of a file as raw bytes: each chunk ends with '\n'. */
export interface ByteChunk {
  /** Whole lines; the Buffer owns its ArrayBuffer (offset 0), so it can be transferred to a worker. */
  bytes: Buffer;
}

const MAX_LINE = 16 * 1024 * 1024;

/**
 * Yields a file as chunks of about `chunkSize` bytes cut after a newline, then
 * (as `torn`) any bytes after the last newline. The caller may transfer each
 * chunk's ArrayBuffer away: nothing here keeps a view of it.
 */
export async function* readLineChunks(file: string, chunkSize = 4 << 20): AsyncGenerator<ByteChunk | { torn: Buffer }> {
  const fh = await fs.promises.open(file, 'r');
  try {
    let carry: Buffer | undefined;
    let pos = 0;
    for (;;) {
      const carried = carry?.length ?? 0;
      // A line longer than a chunk: read at least as much again, so long lines cost linear time.
      const buf = Buffer.allocUnsafeSlow(carried + Math.max(chunkSize, carried));
      if (carry) carry.copy(buf, 0);
      let filled = carried;
      let eof = false;
      while (filled < buf.length) {
        const { bytesRead } = await fh.read(buf, filled, buf.length - filled, pos);
        if (bytesRead === 0) {
          eof = true;
          break;
        }
        filled += bytesRead;
        pos += bytesRead;
      }
      const nl = filled > 0 ? buf.lastIndexOf(10, filled - 1) : -1;
      // A line begun in an earlier read that has now ended: the same limit as a line still open.
      if (carried > 0 && nl !== -1 && buf.indexOf(10) > MAX_LINE) throw new Error(`${file}:${await lineNumberAt(file, pos - filled)}: line longer than 16 MiB`);
      if (nl === -1) {
        carry = filled ? buf.subarray(0, filled) : undefined;
      } else {
        carry = nl + 1 < filled ? Buffer.from(buf.subarray(nl + 1, filled)) : undefined;
        yield { bytes: nl + 1 === buf.length ? buf : buf.subarray(0, nl + 1) };
      }
      if (carry && carry.length > MAX_LINE) throw new Error(`${file}:${await lineNumberAt(file, pos - carry.length)}: line longer than 16 MiB`);
      if (eof) break;
    }
    if (carry?.length) yield { torn: carry };
  } finally {
    await fh.close();
  }
}

/** 1-based number of the line starting at byte `offset` (only for error messages). */
async function lineNumberAt(file: string, offset: number): Promise<number> {
  let n = 1;
  let seen = 0;
  if (offset <= 0) return n;
  for await (const chunk of fs.createReadStream(file, { end: offset - 1 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1 && seen + i < offset; i = chunk.indexOf(10, i + 1)) n++;
    seen += chunk.length;
  }
  return n;
}

export { listSegments };
