/** RFC 5424 syslog messages with structured data, and RFC 6587 octet-counting framing. */
import type { AuditRecord } from '../types';
import { controlDataPairs, controlEventSummary, controlRisk, isControlEvent, isEventRecord, isoTime, logRecordSummary, oneLine, outcomeOf, summary } from './common';

/** SD-ID for our parameters. 32473 is the documentation enterprise number (RFC 5612) until one is registered. */
export const SD_ID = 'agentpolicy@32473';
/** Facility 13: log audit. */
const FACILITY = 13;
const BOM = '\ufeff';

/** SD-PARAM values escape `"`, `\` and `]` with a backslash (RFC 5424 §6.3.3). */
export function sdEscape(s: string): string {
  return s.replace(/[\\"\]]/g, (c) => '\\' + c);
}

/** HOSTNAME, APP-NAME and friends: printable US-ASCII, no spaces; '-' when empty. */
function header(s: string | undefined, max: number): string {
  const v = (s ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return v || '-';
}

export interface SyslogOptions {
  appName?: string;
  /** Omit the UTF-8 BOM before MSG (RFC 5424 wants it for UTF-8 text). */
  noBom?: boolean;
}

export function toSyslog(rec: AuditRecord, opts: SyslogOptions = {}): string {
  const params: [string, string | number | undefined][] = [
    ['log', rec.log],
    ['seq', rec.seq],
  ];
  let severity = 6;
  let msgid: string = rec.type;
  let msg: string;
  let time: number;
  let host: string | undefined;
  if (isEventRecord(rec)) {
    const r = rec;
    const o = outcomeOf(r);
    severity = o === 'denied' || o === 'rejected' ? 4 : o === 'pending' || o === 'approved' ? 5 : 6;
    time = r.time;
    host = r.context.hostname;
    msg = summary(r);
    params.push(
      ['kind', r.action.kind],
      ['agent', r.agent.id],
      ['agentOwner', r.agent.owner],
      ['riskTier', r.agent.riskTier],
      ['attribution', r.agent.attribution],
      ['subjectKind', r.agent.kind],
      ['evidence', r.agent.evidence],
      ['user', r.context.osUser],
      ['session', r.context.session],
      ['terminal', r.context.terminal],
      ['workspace', r.context.workspace],
      ['repo', r.context.repo?.root],
      ['effect', r.decision?.effect],
      ['outcome', r.type === 'decision' ? o : undefined],
      ['risk', r.decision?.risk],
      ['rules', r.decision?.ruleIds.join(',')],
      ['layer', r.decision?.layer],
      ['cmd', r.action.commandLine],
      ['path', r.action.path],
      ['remote', r.action.remote],
      ['refs', r.action.refs?.map((x) => `${x.force ? '+' : ''}${x.src}:${x.dst ?? ''}`).join(' ')],
      ['policyHash', r.policyHash],
    );
    if (r.type === 'decision' && r.approval) params.push(['approver', r.approval.approver], ['approvalScope', r.approval.scope], ['approvalVia', r.approval.via]);
    if (r.type === 'result') params.push(['ref', r.ref], ['ran', String(r.result.ran)], ['exitCode', r.result.exitCode]);
  } else if (isControlEvent(rec)) {
    const r = rec;
    const c = r.control;
    const ctx = r.context ?? {};
    // warning for what lowers protection or was refused, notice for the other control actions, info for host start/stop.
    severity = c.outcome === 'refused' || controlRisk(r) >= 3 ? 4 : controlRisk(r) >= 1 ? 5 : 6;
    time = r.time;
    host = ctx.hostname;
    msg = controlEventSummary(r);
    params.push(
      ['event', c.event],
      ['outcome', c.outcome],
      ['subject', r.subject.id],
      ['subjectKind', r.subject.kind],
      ['attribution', r.subject.method],
      ['evidence', r.subject.evidence],
      ['user', ctx.osUser],
      ['session', ctx.session],
      ['workspace', ctx.workspace],
      ['pep', ctx.pep],
      ['policyHash', r.policyHash],
    );
    for (const [k, v] of controlDataPairs(r)) params.push([`data.${k}`, Array.isArray(v) ? v.join(',') : typeof v === 'boolean' ? String(v) : v]);
  } else {
    time = rec.ts;
    msg = logRecordSummary(rec);
    if (rec.type === 'checkpoint') params.push(['jws', rec.jws], ['why', rec.why]);
    if (rec.type === 'open') host = rec.hostname;
  }
  const sd = `[${SD_ID}${params
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => ` ${k}="${sdEscape(String(v))}"`)
    .join('')}]`;
  const pri = FACILITY * 8 + severity;
  return `<${pri}>1 ${isoTime(time)} ${header(host, 255)} ${header(opts.appName ?? 'agentpolicy', 48)} ${process.pid} ${header(msgid, 32)} ${sd} ${opts.noBom ? '' : BOM}${oneLine(msg)}`;
}

/** RFC 6587 octet counting: "<len> <msg>", len in bytes. */
export function octetFrame(msg: string): Buffer {
  const body = Buffer.from(msg, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `), body]);
}
