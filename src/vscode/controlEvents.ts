/**
 * Audit events for what the person and the extension do to the guard itself: policy changes
 * (applied, held, kept, restored), file restores, the kill switch and re-arm.
 *
 * NOTE for the lead (#12): typed control audit events (`kill-switch`, `rearm`, `file-restore`,
 * `policy-change`) are not on main yet, so this small local function writes them as decision
 * events whose rule id names the control and whose agent carries the subject (kind, method,
 * evidence). Replace it with the typed events when they land; the call sites pass everything
 * those need (control, subject, outcome, path, summary).
 */
import { decisionEvent } from '../core/audit/events';
import type { AuditDecisionEvent } from '../core/audit/types';
import type { Effect } from '../core/actions/types';
import type { Subject } from '../core/identity/subject';
import type { Decision, LayerName } from '../core/pdp/types';

export type ControlKind = 'policy-change' | 'file-restore' | 'kill-switch' | 'rearm';

export interface ControlEventInput {
  control: ControlKind;
  subject: Subject;
  /** allow: it took effect; deny: it was undone or refused; ask: held for the person. */
  effect: Effect;
  /** What happened, in words. */
  what: string;
  path?: string;
  layer?: LayerName;
}

export function controlDecision(i: ControlEventInput): Decision {
  return { effect: i.effect, risk: i.control === 'kill-switch' || i.control === 'file-restore' ? 'critical' : 'high', ruleIds: [i.control], layer: i.layer ?? 'baseline', reasons: [i.what], actions: [], verdicts: [], errors: [], ignored: [] };
}

export function controlEvent(i: ControlEventInput): AuditDecisionEvent {
  const ev = decisionEvent({
    decision: controlDecision(i),
    agent: { id: i.subject.id, attribution: `${i.subject.kind}:${i.subject.method}` },
    context: { pep: 'vscode', tool: i.control },
    request: i.path !== undefined ? { path: i.path, kind: 'file.write' } : { commandLine: i.what, kind: 'command' },
  });
  // Keep the evidence with the event (how the subject was established).
  ev.decision.reasons = [i.what, `subject: ${i.subject.kind} ${i.subject.id} by ${i.subject.method} (${i.subject.evidence})`];
  return ev;
}
