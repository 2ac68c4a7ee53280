import * as os from 'os';
import type { AuditLog } from '../audit/auditLog';
import { decisionEvent } from '../audit/events';
import type { CompiledPolicy } from '../policy/compile';
import type { AuditSink, BrokerAuditRecord } from './broker';

/** Writes broker decisions to the tamper-evident audit log, with the agent's registry entry. */
export class AuditLogSink implements AuditSink {
  constructor(
    private readonly log: AuditLog,
    private readonly policy: () => CompiledPolicy,
  ) {}

  async record(r: BrokerAuditRecord): Promise<void> {
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
    await this.log.append(ev);
  }
}
