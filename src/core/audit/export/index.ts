/** Streaming export of a log to the formats SIEMs ingest; one event a line. */
import type { Writable } from 'stream';
import type { RecordFilter } from '../reader';
import { toCef } from './cef';
import { toEcs } from './ecs';
import { EXPORT_FORMATS, formatRecord } from './format';
import type { ExportFormat } from './format';
import { toHec } from './hec';
import { ocsfLine, toOcsf } from './ocsf';
import { otlpRequest, toOtlpLogRecord } from './otlp';
import { runExport } from './pipeline';
import type { ExportOptions, ExportResult } from './pipeline';
import { toSyslog } from './syslog';

export { EXPORT_FORMATS, formatRecord };
export type { ExportFormat, ExportOptions, ExportResult };

/**
 * Streams `target` (a log directory, a root of streams, or a segment file) to `out` in `format`,
 * honouring back-pressure; memory stays flat whatever the log size. Big logs
 * are formatted on worker threads, with the same output (see ./pipeline).
 */
export async function exportLog(target: string, format: ExportFormat, out: Writable, filter: RecordFilter = {}, opts: ExportOptions = {}): Promise<ExportResult> {
  return runExport(target, format, out, filter, opts);
}

export { ocsfLine, toCef, toEcs, toHec, toOcsf, toOtlpLogRecord, otlpRequest, toSyslog };
