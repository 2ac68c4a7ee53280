import * as assert from 'assert';
import { accessReview, ActivityTally, formatAccessReview } from '../../../src/core/identity/accessReview';
import type { AuditRecord } from '../../../src/core/audit/types';
import type { AgentInfo } from '../../../src/core/policy/compile';

const agent = (id: string, expires?: string): AgentInfo => ({ id, owner: 'team@example.com', risk: 'medium', layer: 'user', executables: [id], hooks: [id], expires });
let seq = 0;
function rec(id: string, kind: 'agent' | 'person' | 'unknown', effect: 'allow' | 'ask' | 'deny', method: string, time: number, approval?: 'approved' | 'rejected', via?: 'pass' | 'session-grant'): AuditRecord {
  return {
    v: 1, log: 'l', seq: ++seq, ts: time, prev: '0', type: 'decision', time,
    agent: { id, kind, attribution: method, evidence: 'e' }, context: {}, action: { kind: 'command' },
    decision: { effect, risk: 'low', ruleIds: [], layer: 'baseline', reasons: [] },
    ...(approval ? { approval: { approver: 'dev', outcome: approval, scope: 'once', ...(via ? { via } : {}) } } : {}),
  } as unknown as AuditRecord;
}

describe('access review: the registry, what each agent did, who acted unregistered', () => {
  it('counts each agent’s decisions and methods, flags expired and expiring registrations, lists the unregistered', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    const t = now.getTime();
    const tally = new ActivityTally();
    tally.add([
      rec('claude-code', 'agent', 'allow', 'hook', t - 5000),
      rec('claude-code', 'agent', 'ask', 'hook', t - 4000, 'approved'),
      // The PATH shim seeing the push just approved: the same answer, not a second approval.
      rec('claude-code', 'agent', 'ask', 'shim', t - 3900, 'approved', 'pass'),
      rec('claude-code', 'agent', 'ask', 'hook', t - 3800, 'approved', 'session-grant'),
      rec('claude-code', 'agent', 'deny', 'ancestry', t - 3000),
      rec('aider', 'agent', 'ask', 'launch', t - 2000, 'rejected'),
      rec('vscode-terminal', 'unknown', 'ask', 'terminal', t - 1500),
      rec('dev', 'person', 'allow', 'terminal', t - 1000),
    ]);
    const r = accessReview([agent('claude-code'), agent('old-bot', '2026-11-01'), agent('soon-bot', '2026-12-15')], tally, now);
    const claude = r.agents.find((a) => a.id === 'claude-code')!;
    assert.deepStrictEqual([claude.activity.allow, claude.activity.ask, claude.activity.deny, claude.activity.approved], [1, 3, 1, 2]);
    assert.deepStrictEqual(claude.activity.methods, { hook: 3, shim: 1, ancestry: 1 });
    assert.strictEqual(claude.activity.last, t - 3000);
    assert.strictEqual(r.agents.find((a) => a.id === 'old-bot')!.status, 'expired');
    assert.strictEqual(r.agents.find((a) => a.id === 'soon-bot')!.status, 'expiring');
    assert.deepStrictEqual(r.unregistered.map((u) => [u.id, u.kind]), [['vscode-terminal', 'unknown'], ['aider', 'agent']]);
    assert.strictEqual(r.person?.allow, 1);
    const text = formatAccessReview(r);
    assert.match(text, /EXPIRED 2026-11-01/);
    assert.match(text, /expires 2026-12-15 \(in 14 days\)/);
    assert.match(text, /Needs review: old-bot \(expired\), soon-bot \(expiring\)/);
    assert.match(text, /aider \(agent\)/);
  });
});
