/**
 * Streaming reads of log segments: constant memory, exact line boundaries
 * (only '\n' ends a record; bytes after the last '\n' are a torn tail).
 */
import * as fs from 'fs';
import { listSegments, resolveLogFiles } from './segments';
import type { AuditRecord, DecisionRecord, ResultRecord } from './types';

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
  /** Include checkpoint/open/recovery records (default true). */
  includeControl?: boolean;
}

export interface ReadStats {
  skipped: number;
  torn: number;
}

/**
 * Parsed records of a log directory (or one segment file), oldest first,
 * filtered. Lines that are not JSON are counted in `stats.skipped`: export does
 * not verify (that is `verify`'s job).
 */
export async function* readRecords(target: string, filter: RecordFilter = {}, stats: ReadStats = { skipped: 0, torn: 0 }): AsyncGenerator<AuditRecord[]> {
  const { files } = resolveLogFiles(target);
  const control = filter.includeControl ?? true;
  for (const file of files) {
    for await (const batch of readLineBatches(file)) {
      if (batch.torn) stats.torn++;
      const out: AuditRecord[] = [];
      for (const line of batch.lines) {
        let rec: AuditRecord;
        try {
          rec = JSON.parse(line) as AuditRecord;
        } catch {
          stats.skipped++;
          continue;
        }
        if (typeof rec !== 'object' || rec === null || typeof rec.seq !== 'number') {
          stats.skipped++;
          continue;
        }
        if (filter.afterSeq !== undefined && rec.seq <= filter.afterSeq) continue;
        const isEvent = rec.type === 'decision' || rec.type === 'result';
        if (!isEvent && !control) continue;
        const ev = isEvent ? (rec as DecisionRecord | ResultRecord) : undefined;
        if (filter.session !== undefined && ev?.context?.session !== filter.session) continue;
        if (filter.since !== undefined && (ev ? ev.time : rec.ts) < filter.since) continue;
        out.push(rec);
      }
      if (out.length) yield out;
    }
  }
}

export { listSegments };
