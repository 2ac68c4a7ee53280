/** Streaming export of a log to the formats SIEMs ingest; one event a line. */
import type { Writable } from 'stream';
import { readRecords } from '../reader';
import type { ReadStats, RecordFilter } from '../reader';
import type { AuditRecord } from '../types';
import { toCef } from './cef';
import { toEcs } from './ecs';
import { toHec } from './hec';
import { toOcsf } from './ocsf';
import { otlpRequest, toOtlpLogRecord } from './otlp';
import { toSyslog } from './syslog';

export const EXPORT_FORMATS = ['ocsf', 'ecs', 'cef', 'syslog', 'hec', 'otlp', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One output line for a record, or undefined when the format has no place for it (OCSF control records). */
export function formatRecord(rec: AuditRecord, format: ExportFormat): string | undefined {
  switch (format) {
    case 'ocsf': {
      const o = toOcsf(rec);
      return o && JSON.stringify(o);
    }
    case 'ecs':
      return JSON.stringify(toEcs(rec));
    case 'cef':
      return toCef(rec);
    case 'syslog':
      return toSyslog(rec);
    case 'hec':
      return JSON.stringify(toHec(rec));
    case 'otlp':
      return JSON.stringify(otlpRequest([toOtlpLogRecord(rec)]));
    case 'jsonl':
      return JSON.stringify(rec);
  }
}

export interface ExportResult {
  /** Lines written. */
  events: number;
  /** Records read that the format has no place for. */
  omitted: number;
  stats: ReadStats;
}

/**
 * Streams `target` (a log directory or a segment file) to `out` in `format`,
 * honouring back-pressure; memory stays flat whatever the log size.
 */
export async function exportLog(target: string, format: ExportFormat, out: Writable, filter: RecordFilter = {}): Promise<ExportResult> {
  const stats: ReadStats = { skipped: 0, torn: 0 };
  let events = 0;
  let omitted = 0;
  for await (const batch of readRecords(target, filter, stats)) {
    let chunk = '';
    for (const rec of batch) {
      const line = formatRecord(rec, format);
      if (line === undefined) {
        omitted++;
        continue;
      }
      chunk += line + '\n';
      events++;
    }
    if (chunk && !out.write(chunk)) await waitDrain(out);
  }
  return { events, omitted, stats };
}

function waitDrain(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      out.off('error', onError);
      resolve();
    };
    const onError = (e: Error): void => {
      out.off('drain', onDrain);
      reject(e);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

export { toCef, toEcs, toHec, toOcsf, toOtlpLogRecord, otlpRequest, toSyslog };
