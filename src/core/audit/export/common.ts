/** What every exporter derives the same way from a record. */
import { describeAction } from '../../actions/types';
import type { SubjectKind } from '../../identity/subject';
import type { AuditApproval, AuditRecord, ControlEventKind, ControlRecord, DecisionRecord, ResultRecord } from '../types';

/** A decision or a result: an action an agent (or a person) asked for. */
export type EventRecord = DecisionRecord | ResultRecord;
export type { ControlRecord };

export interface ProductInfo {
  name: string;
  vendor: string;
  version: string;
}

export const PRODUCT: ProductInfo = { name: 'Agent Policy', vendor: 'Agent Policy', version: '0.1.0' };

export function isEventRecord(r: AuditRecord): r is EventRecord {
  return r.type === 'decision' || r.type === 'result';
}

/** A control action of the guard (kill switch, re-arm, file restore, ...). */
export function isControlEvent(r: AuditRecord): r is ControlRecord {
  return r.type === 'control';
}

/** The de-duplication key a SIEM can use: log id + seq. */
export function eventId(r: AuditRecord): string {
  return `${r.log}:${r.seq}`;
}

/** Final outcome of a decision after any approval: what the PEP let happen. */
export type Outcome = 'allowed' | 'denied' | 'approved' | 'rejected' | 'pending';

export function outcomeOf(r: EventRecord): Outcome {
  const effect = r.decision?.effect;
  if (r.type === 'decision' && effect === 'ask') {
    if (!r.approval) return 'pending';
    return r.approval.outcome === 'approved' ? 'approved' : 'rejected';
  }
  if (effect === 'deny') return 'denied';
  if (effect === 'ask') return r.type === 'result' && r.result.ran ? 'approved' : 'rejected';
  return 'allowed';
}

export function permitted(o: Outcome): boolean {
  return o === 'allowed' || o === 'approved';
}

const RISK_NUM: Record<string, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/** How a remembered approval reached this request, in words. */
const VIA: Readonly<Record<NonNullable<AuditApproval['via']>, string>> = {
  'session-grant': 'allowed for the session earlier',
  pass: 'the same action just approved at another check',
};

/** 1 low … 4 critical; 0 unknown. */
export function riskLevel(r: EventRecord): number {
  return RISK_NUM[r.decision?.risk ?? ''] ?? 0;
}

/** What the action was, in words: from the typed details, never re-analysed. */
export function actionText(r: EventRecord): string {
  const a = r.action;
  switch (a.kind) {
    case 'command':
    case 'opaque':
    case 'env.set':
      return `run ${a.commandLine ?? (a.commands ?? []).map((c) => c.join(' ')).join('; ')}`;
    case 'file.read':
    case 'file.write':
    case 'file.delete':
      return `${a.kind.slice(5)} ${a.path ?? '?'}`;
    case 'git.push':
      if (a.actions?.length) {
        const push = a.actions.find((x) => x.kind === 'git.push');
        if (push) return describeAction(push);
      }
      return `git push to ${a.remote ?? '(default remote)'} ${(a.refs ?? []).map((x) => `${x.force ? '+' : ''}${x.src}:${x.dst ?? '?'}`).join(' ')}${a.force ? ' (force)' : ''}`.trim();
    case 'network':
      return `connect to ${a.host ?? '?'}`;
    case 'tool':
      return `call tool ${a.toolName ?? '?'}`;
  }
}

/** Who, in words: "Agent claude-code", "Person alice", "Unknown requester" (events without a kind: "Agent …", as before subjects). */
export function whoText(kind: SubjectKind | undefined, id: string): string {
  if (kind === 'person') return `Person ${id}`;
  if (kind === 'unknown') return id && id !== 'unknown' ? `Unknown requester ${id}` : 'Unknown requester';
  return `Agent ${id}`;
}

/** The subject of an event, the same fields whatever the record type. */
export interface SubjectFields {
  id: string;
  kind?: SubjectKind;
  /** The attribution method (hook, launch, …). */
  method?: string;
  evidence?: string;
}

export function subjectOf(r: EventRecord | ControlRecord): SubjectFields {
  if (r.type === 'control') return r.subject;
  return { id: r.agent.id, kind: r.agent.kind, method: r.agent.attribution, evidence: r.agent.evidence };
}

/** One line a person reads in the SIEM. */
export function summary(r: EventRecord): string {
  const who = whoText(r.agent.kind, r.agent.id);
  if (r.type === 'result') {
    const res = r.result;
    const bits = [res.ran ? 'ran' : 'did not run'];
    if (res.exitCode !== undefined) bits.push(`exit code ${res.exitCode}`);
    if (res.fileChanged !== undefined) bits.push(res.fileChanged ? 'file changed' : 'file unchanged');
    if (res.pushLanded !== undefined) bits.push(res.pushLanded ? 'push landed' : 'push did not land');
    if (res.error) bits.push(`error: ${res.error}`);
    return oneLine(`${who}: ${actionText(r)}: ${bits.join(', ')} (result of seq ${r.ref})`);
  }
  const d = r.decision;
  const by = d.ruleIds.length ? `rule ${d.ruleIds.join(', ')}` : `the ${d.layer} default`;
  const o = outcomeOf(r);
  const verb = o === 'pending' ? 'needs approval' : o === 'approved' ? `approved by ${r.approval?.approver} (${r.approval?.scope}${r.approval?.via ? `, ${VIA[r.approval.via]}` : ''})` : o === 'rejected' ? `rejected by ${r.approval?.approver}` : o;
  return oneLine(`${who}: ${actionText(r)}: ${verb}; ${by} (${d.layer} layer)${d.reasons.length ? ': ' + d.reasons.join('; ') : ''}`);
}

export function oneLine(s: string): string {
  return s.replace(/\r\n|\r|\n/g, ' ');
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function recordTime(r: AuditRecord): number {
  return isEventRecord(r) || isControlEvent(r) ? r.time : r.ts;
}

/** A short text for the log's own records (checkpoint, open, recovery). */
export function logRecordSummary(r: AuditRecord): string {
  switch (r.type) {
    case 'checkpoint':
      return `Audit log ${r.log}: signed checkpoint at seq ${r.seq} (${r.why})`;
    case 'open':
      return `Audit log ${r.log}: writer opened (pid ${r.pid}, key ${r.kid})${r.continues ? `, continues ${r.continues}` : ''}`;
    case 'recovery':
      return `Audit log ${r.log}: recovered after a crash: ${r.note}`;
    default:
      return `Audit log ${r.log}: record ${r.seq}`;
  }
}

/** The first program of a command line, for process.name fields. */
export function programName(r: EventRecord): string | undefined {
  const first = r.action.commands?.[0]?.[0];
  if (first) return first;
  const cl = r.action.commandLine?.trim();
  return cl ? cl.split(/\s+/)[0] : undefined;
}

// ---------------------------------------------------------------------------
// Control events

export const CONTROL_LABEL: Readonly<Record<ControlEventKind, string>> = {
  'kill-switch': 'kill switch',
  rearm: 're-arm',
  'file-restore': 'file restore',
  'sandbox-off': 'sandbox off',
  'policy-change': 'policy change',
  'refused-requests': 'requests refused',
  'host-start': 'guard host started',
  'host-stop': 'guard host stopped',
  'hook-config': 'agent hook config',
};

/** 0 info … 4 critical, as riskLevel: how much a SIEM should care. */
const CONTROL_RISK: Readonly<Record<ControlEventKind, number>> = {
  'kill-switch': 2,
  rearm: 1,
  'file-restore': 2,
  'sandbox-off': 3,
  'policy-change': 1,
  'refused-requests': 3,
  'host-start': 0,
  'host-stop': 0,
  'hook-config': 1,
};

export function controlRisk(r: ControlRecord): number {
  // Taking an agent's hook out stops checking its tool calls: as much as a run without the sandbox.
  if (r.control.event === 'hook-config' && r.control.data.change === 'remove') return 3;
  return CONTROL_RISK[r.control.event] ?? 0;
}

/** "Person alice: kill switch: every credential revoked", "… re-arm refused: …". */
export function controlEventSummary(r: ControlRecord): string {
  const c = r.control;
  const refused = c.outcome === 'refused' && c.event !== 'refused-requests' ? ' refused' : '';
  return oneLine(`${whoText(r.subject.kind, r.subject.id)}: ${CONTROL_LABEL[c.event] ?? c.event}${refused}: ${c.detail}`);
}

/** The control event's data as flat pairs (lists as string lists), for formats without nesting. */
export function controlDataPairs(r: ControlRecord): [string, string | number | boolean | string[]][] {
  const out: [string, string | number | boolean | string[]][] = [];
  for (const [k, v] of Object.entries(r.control.data ?? {})) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) out.push([k, v.map((x) => (x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x)))]);
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') out.push([k, v]);
    else out.push([k, JSON.stringify(v)]);
  }
  return out;
}
