/** ArcSight CEF:0 lines with the header and extension escaping the spec requires. */
import type { AuditRecord } from '../types';
import { controlSummary, eventId, isEventRecord, outcomeOf, PRODUCT, riskLevel, summary } from './common';
import type { ProductInfo } from './common';

/** Header fields: backslash and pipe are escaped; newlines are not allowed, so they become spaces. */
export function cefHeaderEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, ' ');
}

/** Extension values: backslash and equals are escaped; newlines become \n (and \r). */
export function cefValueEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n/g, '\\n').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

const SEVERITY = [1, 3, 5, 8, 10];

export function toCef(rec: AuditRecord, product: ProductInfo = PRODUCT): string {
  const ext: [string, string | number | undefined][] = [];
  let sigId: string;
  let name: string;
  let severity: number;
  if (!isEventRecord(rec)) {
    sigId = `audit.${rec.type}`;
    name = controlSummary(rec);
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
    );
    if (r.type === 'decision' && r.approval) ext.push(['duser', r.approval.approver], ['cs6Label', 'approvalScope'], ['cs6', r.approval.scope]);
    if (r.type === 'result') ext.push(['cn2Label', 'exitCode'], ['cn2', r.result.exitCode], ['cn3Label', 'refSeq'], ['cn3', r.ref]);
    ext.push(['msg', name]);
  }
  const header = ['CEF:0', product.vendor, 'agentpolicy', product.version, sigId, name, String(severity)].map((h, i) => (i === 0 ? h : cefHeaderEscape(h))).join('|');
  const extension = ext
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${cefValueEscape(String(v))}`)
    .join(' ');
  return `${header}|${extension}`;
}
