/** One record as one line of an export format. */
import type { AuditRecord } from '../types';
import { toCef } from './cef';
import { toEcs } from './ecs';
import { toHec } from './hec';
import { ocsfLine } from './ocsf';
import { otlpRequest, toOtlpLogRecord } from './otlp';
import { toSyslog } from './syslog';

export const EXPORT_FORMATS = ['ocsf', 'ecs', 'cef', 'syslog', 'hec', 'otlp', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One output line for a record, or undefined when the format has no place for it (OCSF control records). */
export function formatRecord(rec: AuditRecord, format: ExportFormat): string | undefined {
  switch (format) {
    case 'ocsf':
      // Same text as JSON.stringify(toOcsf(rec)), without building the object.
      return ocsfLine(rec);
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
