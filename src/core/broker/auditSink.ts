import * as os from 'os';
import type { AuditLog } from '../audit/auditLog';
import { decisionEvent, resultEvent } from '../audit/events';
import type { AuditDecisionEvent } from '../audit/types';
import type { CompiledPolicy } from '../policy/compile';
import type { AuditSink, DecisionRecord } from './broker';

/** Writes broker decisions to the tamper-evident audit log, with the subject and its registry entry. */
export class AuditLogSink implements AuditSink {
  /** Recent decisions by sequence number, so a result can repeat what it is the result of. */
  private readonly recent = new Map<number, AuditDecisionEvent>();

  constructor(
    private readonly log: AuditLog,
    private readonly policy: (cwd?: string) => CompiledPolicy,
  ) {}

  async result(ref: number, result: { ran: boolean; exitCode?: number; durationMs?: number }): Promise<void> {
    const decision = this.recent.get(ref);
    if (!decision) throw new Error(`no recent decision ${ref}`);
    await this.log.append(resultEvent(decision, ref, result));
  }

  async decision(r: DecisionRecord): Promise<number> {
    const p = this.policy(r.cwd);
    const reg = r.subject.kind === 'agent' ? p.agents.find((a) => a.id === r.subject.id) : undefined;
    const { outcome } = r;
    const asked = r.decision.effect === 'ask';
    const approval = asked
      ? {
          // A grant or a pass is the person's own earlier answer: it names them, and says how.
          approver: outcome.by === 'person' || outcome.by === 'session-grant' || outcome.by === 'pass' ? os.userInfo().username : outcome.by,
          ...(outcome.by === 'session-grant' || outcome.by === 'pass' ? { via: outcome.by } : {}),
          outcome: outcome.by === 'timeout' ? ('timeout' as const) : outcome.final === 'allow' ? ('approved' as const) : ('rejected' as const),
          scope: outcome.scope ?? ('none' as const),
        }
      : undefined;
    // A refusal after the policy (kill switch, audit, error) is what happened: log the final effect.
    const decision = outcome.final === 'deny' && r.decision.effect === 'allow' ? { ...r.decision, effect: 'deny' as const, reasons: [outcome.message, ...r.decision.reasons] } : r.decision;
    const ev = decisionEvent({
      decision,
      subject: r.subject,
      agent: { owner: reg?.owner, riskTier: reg?.risk },
      context: { session: r.subject.sessionId ?? r.sessionId, pep: r.source, cwd: r.cwd, workspace: p.workspace, ...(r.hook ? { tool: r.hook.tool, toolCallId: r.hook.toolUseId } : {}) },
      request: { commandLine: r.hook && r.decision.actions.every((a) => a.kind !== 'command') ? undefined : r.what, kind: r.decision.actions[0]?.kind, toolName: r.hook?.tool },
      approval,
      policyHash: policyHashOf(p),
    });
    const { seq } = await this.log.append(ev);
    this.recent.set(seq, ev);
    if (this.recent.size > 1000) this.recent.delete(this.recent.keys().next().value!);
    return seq;
  }
}

/** What the log records as the policy in force: each layer's text hash, weakest first. */
export function policyHashOf(p: CompiledPolicy): string {
  return p.layers.map((l) => l.hash ?? '').join(':');
}

/** The sink when the log could not be opened: every request is denied (no unlogged actions). */
export class RejectingSink implements AuditSink {
  constructor(private readonly why: string) {}
  decision(): Promise<number> {
    return Promise.reject(new Error(this.why));
  }
  result(): Promise<void> {
    return Promise.reject(new Error(this.why));
  }
}
