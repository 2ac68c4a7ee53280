import * as os from 'os';
import type { AuditLog } from '../audit/auditLog';
import { decisionEvent, resultEvent } from '../audit/events';
import type { AuditDecisionEvent } from '../audit/types';
import type { CompiledPolicy } from '../policy/compile';
import type { AuditSink, BrokerAuditRecord } from './broker';

/** Writes broker decisions to the tamper-evident audit log, with the agent's registry entry. */
export class AuditLogSink implements AuditSink {
  /** Recent decisions by sequence number, so a result can repeat what it is the result of. */
  private readonly recent = new Map<number, AuditDecisionEvent>();

  constructor(
    private readonly log: AuditLog,
    private readonly policy: () => CompiledPolicy,
  ) {}

  async result(ref: number, result: { ran: boolean; exitCode?: number; durationMs?: number }): Promise<void> {
    const decision = this.recent.get(ref);
    if (!decision) throw new Error(`no recent decision ${ref}`);
    await this.log.append(resultEvent(decision, ref, result));
  }

  async record(r: BrokerAuditRecord): Promise<number> {
    const p = this.policy();
    const reg = p.agents.find((a) => a.id === r.agent);
    const approval =
      r.decision.effect === 'ask' || r.approvedBy === 'timeout'
        ? {
            approver: r.approvedBy === 'developer' ? os.userInfo().username : r.approvedBy === 'session-grant' ? 'policy' : r.approvedBy === 'timeout' ? 'timeout' : String(r.approvedBy ?? 'none'),
            outcome: r.approvedBy === 'timeout' ? ('timeout' as const) : r.final === 'allow' ? ('approved' as const) : ('rejected' as const),
            scope: r.approvalScope ?? ('none' as const),
          }
        : undefined;
    const ev = decisionEvent({
      decision: { ...r.decision, effect: r.decision.effect },
      agent: { id: r.agent, owner: reg?.owner, riskTier: reg?.risk, attribution: 'credential' },
      context: { session: r.sessionId, pep: r.source, cwd: r.cwd, workspace: p.workspace },
      request: { commandLine: r.what, kind: r.decision.actions[0]?.kind },
      approval,
      policyHash: p.layers.map((l) => l.hash ?? '').join(':'),
    });
    const { seq } = await this.log.append(ev);
    this.recent.set(seq, ev);
    if (this.recent.size > 1000) this.recent.delete(this.recent.keys().next().value!);
    return seq;
  }
}
