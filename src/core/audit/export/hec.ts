/** Splunk HTTP Event Collector JSON events (/services/collector/event). */
import type { AuditRecord } from '../types';
import { eventId, isControlEvent, isEventRecord, recordTime } from './common';

export interface HecOptions {
  index?: string;
  source?: string;
  sourcetype?: string;
  host?: string;
}

/** One HEC event object; `fields` are indexed fields for fast search and de-duplication. */
export function toHec(rec: AuditRecord, opts: HecOptions = {}): Record<string, unknown> {
  const host = opts.host ?? (isEventRecord(rec) || isControlEvent(rec) ? rec.context?.hostname : rec.type === 'open' ? rec.hostname : undefined);
  const fields: Record<string, string> = { event_id: eventId(rec), log_id: rec.log, seq: String(rec.seq), record_type: rec.type };
  if (isEventRecord(rec)) {
    fields.agent = rec.agent.id;
    fields.action_kind = rec.action.kind;
    if (rec.agent.kind) fields.subject_kind = rec.agent.kind;
    if (rec.decision) fields.effect = rec.decision.effect;
    if (rec.context.session) fields.session = rec.context.session;
  } else if (isControlEvent(rec)) {
    fields.subject = rec.subject.id;
    fields.subject_kind = rec.subject.kind;
    fields.control_event = rec.control.event;
    fields.outcome = rec.control.outcome;
    if (rec.context?.session) fields.session = rec.context.session;
  }
  return {
    time: Number((recordTime(rec) / 1000).toFixed(3)),
    ...(host ? { host } : {}),
    source: opts.source ?? 'agentpolicy',
    sourcetype: opts.sourcetype ?? 'agentpolicy:audit',
    ...(opts.index ? { index: opts.index } : {}),
    event: rec,
    fields,
  };
}
