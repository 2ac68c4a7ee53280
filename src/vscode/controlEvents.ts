/**
 * What the person and the extension do to the guard itself — policy changes (applied, held,
 * kept, restored), file restores — as the host's typed control events (src/core/audit/events.ts
 * controlEvent, through GuardHost.control), and as rows in the audit view.
 */
import * as crypto from 'crypto';
import type { ControlDataByEvent } from '../core/audit/types';
import type { ControlReport } from '../core/broker/host';
import type { Effect } from '../core/actions/types';
import type { Subject } from '../core/identity/subject';
import type { Decision, LayerName } from '../core/pdp/types';

export type ControlKind = 'policy-change' | 'file-restore' | 'kill-switch' | 'rearm' | 'hook-config';

export interface ControlEventInput {
  control: ControlKind;
  subject: Subject;
  /** allow: it took effect; deny: it was undone or refused; ask: held for the person. */
  effect: Effect;
  /** What happened, in words. */
  what: string;
  path?: string;
  layer?: LayerName;
  /** For policy changes: the text in force before, and the text that was applied or held (null: deleted). */
  before?: string | null;
  after?: string | null;
  ruleIds?: string[];
  /** For hook-config: the change Connect Agents made. */
  hook?: ControlDataByEvent['hook-config'];
}

/** The audit view's row for a control event (a decision-shaped record). */
export function controlDecision(i: ControlEventInput): Decision {
  return { effect: i.effect, risk: i.control === 'kill-switch' || i.control === 'file-restore' || (i.control === 'hook-config' && i.hook?.change === 'remove') ? 'critical' : 'high', ruleIds: [i.control], layer: i.layer ?? 'baseline', reasons: [i.what], actions: [], verdicts: [], errors: [], ignored: [] };
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** The host's typed control report; undefined for kinds the host reports itself (kill switch, re-arm). */
export function controlReport(i: ControlEventInput): ControlReport | undefined {
  const outcome = i.effect === 'allow' ? 'done' : 'refused';
  switch (i.control) {
    case 'policy-change':
      return { event: 'policy-change', subject: i.subject, outcome, detail: i.what, data: { after: sha256(i.after ?? ''), ...(i.before !== undefined && i.before !== null ? { before: sha256(i.before) } : {}), ...(i.path ? { file: i.path } : {}) } };
    case 'file-restore':
      return { event: 'file-restore', subject: i.subject, outcome, detail: i.what, data: { path: i.path ?? '(unknown)', ...(i.ruleIds ? { ruleIds: i.ruleIds } : {}) } };
    case 'hook-config':
      return i.hook ? { event: 'hook-config', subject: i.subject, outcome, detail: i.what, data: i.hook } : undefined;
    default:
      return undefined;
  }
}
