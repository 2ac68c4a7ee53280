/** ArcSight CEF:0 lines with the header and extension escaping the spec requires. */
import type { AuditRecord } from '../types';
import { controlEventSummary, controlRisk, eventId, isControlEvent, isEventRecord, logRecordSummary, outcomeOf, PRODUCT, riskLevel, subjectOf, summary } from './common';
import type { ProductInfo, SubjectFields } from './common';

/** Header fields: backslash and pipe are escaped; newlines are not allowed, so they become spaces. */
export function cefHeaderEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, ' ');
}

/** Extension values: backslash and equals are escaped; newlines become \n (and \r). */
export function cefValueEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n/g, '\\n').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

const SEVERITY = [1, 3, 5, 8, 10];

/**
 * The subject in CEF's flex strings (cs1–cs6 are taken): flexString1 its kind,
 * flexString2 "method: evidence".
 */
function subjectExt(s: SubjectFields): [string, string | number | undefined][] {
  const out: [string, string | number | undefined][] = [];
  if (s.kind) out.push(['flexString1Label', 'subjectKind'], ['flexString1', s.kind]);
  const how = s.method && s.evidence ? `${s.method}: ${s.evidence}` : s.kind ? s.method : undefined;
  if (how) out.push(['flexString2Label', 'subjectAttribution'], ['flexString2', how]);
  return out;
}

export function toCef(rec: AuditRecord, product: ProductInfo = PRODUCT): string {
  const ext: [string, string | number | undefined][] = [];
  let sigId: string;
  let name: string;
  let severity: number;
  if (isControlEvent(rec)) {
    const r = rec;
    const c = r.control;
    const ctx = r.context ?? {};
    sigId = `control.${c.event}`;
    name = controlEventSummary(r);
    severity = SEVERITY[controlRisk(r)];
    ext.push(
      ['rt', r.time],
      ['externalId', eventId(r)],
      ['act', c.event],
      ['outcome', c.outcome],
      ['cat', 'control'],
      ['suser', ctx.osUser],
      ['suid', ctx.osUid],
      ['shost', ctx.hostname],
      ['dvchost', ctx.hostname],
      ['sproc', r.subject.id],
      ['cs1Label', 'logId'],
      ['cs1', r.log],
      ['cn1Label', 'logSeq'],
      ['cn1', r.seq],
      ['cs4Label', 'session'],
      ['cs4', ctx.session],
      ['cs5Label', 'policyHash'],
      ['cs5', r.policyHash],
      ...subjectExt(r.subject),
      ['reason', c.detail],
    );
    if (c.event === 'file-restore') ext.push(['filePath', c.data.path], ['cs2Label', 'ruleIds'], ['cs2', c.data.ruleIds?.join(',')]);
    if (c.event === 'policy-change') ext.push(['cs2Label', 'policyBefore'], ['cs2', c.data.before], ['cs3Label', 'policyAfter'], ['cs3', c.data.after], ['filePath', c.data.file]);
    if (c.event === 'sandbox-off') ext.push(['dproc', c.data.program]);
    if (c.event === 'refused-requests') ext.push(['cnt', c.data.count], ['cn2Label', 'peerUid'], ['cn2', c.data.peerUid], ['cs3Label', 'transport'], ['cs3', c.data.transport]);
    if (c.event === 'kill-switch') ext.push(['cn2Label', 'credentialsRevoked'], ['cn2', c.data.credentials], ['cn3Label', 'grantsRevoked'], ['cn3', c.data.grants]);
    ext.push(['msg', name]);
  } else if (!isEventRecord(rec)) {
    sigId = `audit.${rec.type}`;
    name = logRecordSummary(rec);
    severity = 1;
    ext.push(['rt', rec.ts], ['externalId', eventId(rec)], ['cn1Label', 'logSeq'], ['cn1', rec.seq], ['cs1Label', 'logId'], ['cs1', rec.log]);
    if (rec.type === 'checkpoint') ext.push(['cs6Label', 'checkpointJws'], ['cs6', rec.jws]);
  } else {
    const r = rec;
    const o = outcomeOf(r);
    sigId = r.type === 'result' ? `${r.action.kind}.result` : `${r.action.kind}.${r.decision.effect}`;
    name = summary(r);
    severity = SEVERITY[riskLevel(r)];
    ext.push(
      ['rt', r.time],
      ['externalId', eventId(r)],
      ['act', r.type === 'result' ? 'result' : o],
      ['outcome', r.type === 'result' ? (r.result.ran ? 'ran' : 'not-run') : o],
      ['cat', r.action.kind],
      ['suser', r.context.osUser],
      ['suid', r.context.osUid],
      ['shost', r.context.hostname],
      ['dvchost', r.context.hostname],
      ['sproc', r.agent.id],
      ['cs1Label', 'logId'],
      ['cs1', r.log],
      ['cn1Label', 'logSeq'],
      ['cn1', r.seq],
      ['cs2Label', 'ruleIds'],
      ['cs2', r.decision?.ruleIds.join(',')],
      ['cs3Label', 'layer'],
      ['cs3', r.decision?.layer],
      ['cs4Label', 'session'],
      ['cs4', r.context.session],
      ['cs5Label', 'policyHash'],
      ['cs5', r.policyHash],
      ['reason', r.decision?.reasons.join('; ')],
      ['request', r.action.commandLine],
      ['filePath', r.action.path],
      ['dhost', r.action.host],
      ...subjectExt(subjectOf(r)),
    );
    if (r.type === 'decision' && r.approval) ext.push(['duser', r.approval.approver], ['cs6Label', 'approvalScope'], ['cs6', r.approval.scope]);
    if (r.type === 'result') ext.push(['cn2Label', 'exitCode'], ['cn2', r.result.exitCode], ['cn3Label', 'refSeq'], ['cn3', r.ref]);
    ext.push(['msg', name]);
  }
  const header = ['CEF:0', product.vendor, 'agentpolicy', product.version, sigId, name, String(severity)].map((h, i) => (i === 0 ? h : cefHeaderEscape(h))).join('|');
  // Every label is pushed right before its value; a label whose value is absent says nothing (cs4Label=session with no cs4).
  let extension = '';
  for (let i = 0; i < ext.length; i++) {
    const [k, v] = ext[i];
    if (v === undefined || v === '') continue;
    if (k.endsWith('Label')) {
      const next = ext[i + 1];
      if (!next || next[1] === undefined || next[1] === '') continue;
    }
    extension += (extension ? ' ' : '') + k + '=' + cefValueEscape(String(v));
  }
  return `${header}|${extension}`;
}
