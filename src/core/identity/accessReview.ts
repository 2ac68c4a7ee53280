/**
 * The access review a security team asks for: who may act (the agents registry: owner, purpose,
 * risk tier, expiry, how each is recognised), what each did (last activity, allow / ask / deny
 * from the audit log), who acted without being registered, and which registrations have
 * expired or are about to.
 */
import type { AuditRecord } from '../audit/types';
import type { AgentInfo } from '../policy/compile';

export interface AgentActivity {
  allow: number;
  ask: number;
  deny: number;
  /** Asks that ended allowed (the person approved) and denied (declined, timed out, nobody to ask). */
  approved: number;
  rejected: number;
  /** Milliseconds since epoch of the last decision. */
  last?: number;
  /** How requests were attributed (hook, launch, ancestry, terminal…), with counts. */
  methods: Record<string, number>;
}

export interface ReviewedAgent {
  id: string;
  owner: string;
  purpose?: string;
  risk: string;
  expires?: string;
  layer: string;
  match: { executables: string[]; hooks: string[] };
  status: 'active' | 'expired' | 'expiring';
  /** Days until expiry (negative: since). */
  daysLeft?: number;
  activity: AgentActivity;
}

export interface AccessReview {
  generated: string;
  agents: ReviewedAgent[];
  /** Subjects that acted but are not in the registry (unregistered agents, unknown requesters). */
  unregistered: { id: string; kind: string; activity: AgentActivity }[];
  /** The person's own activity (never judged like an agent's, still audited). */
  person?: AgentActivity;
}

const DAY = 86_400_000;

function empty(): AgentActivity {
  return { allow: 0, ask: 0, deny: 0, approved: 0, rejected: 0, methods: {} };
}

/** Folds decision records into per-subject activity. */
export class ActivityTally {
  readonly bySubject = new Map<string, { kind: string; activity: AgentActivity }>();

  add(records: readonly AuditRecord[]): void {
    for (const r of records) {
      if (r.type !== 'decision') continue;
      const key = `${r.agent.kind ?? 'agent'}:${r.agent.id}`;
      let s = this.bySubject.get(key);
      if (!s) this.bySubject.set(key, (s = { kind: r.agent.kind ?? 'agent', activity: empty() }));
      const a = s.activity;
      a[r.decision.effect]++;
      // A pass is the same approval seen again by another check point: one answer, counted once.
      if (r.approval && r.approval.via !== 'pass') {
        if (r.approval.outcome === 'approved') a.approved++;
        else a.rejected++;
      }
      const method = r.agent.attribution ?? 'unknown';
      a.methods[method] = (a.methods[method] ?? 0) + 1;
      if (a.last === undefined || r.time > a.last) a.last = r.time;
    }
  }
}

export function accessReview(registry: readonly AgentInfo[], tally: ActivityTally, now = new Date(), expiringDays = 30): AccessReview {
  const seen = new Set<string>();
  const agents: ReviewedAgent[] = registry.map((a) => {
    seen.add(`agent:${a.id}`);
    const daysLeft = a.expires ? Math.floor((new Date(a.expires).getTime() - now.getTime()) / DAY) : undefined;
    const status = daysLeft === undefined ? 'active' : daysLeft < 0 ? 'expired' : daysLeft <= expiringDays ? 'expiring' : 'active';
    return { id: a.id, owner: a.owner, purpose: a.purpose, risk: a.risk, expires: a.expires, layer: a.layer, match: { executables: a.executables, hooks: a.hooks }, status, daysLeft, activity: tally.bySubject.get(`agent:${a.id}`)?.activity ?? empty() };
  });
  const unregistered: AccessReview['unregistered'] = [];
  let person: AgentActivity | undefined;
  for (const [key, s] of tally.bySubject) {
    if (s.kind === 'person') {
      person = person ? merge(person, s.activity) : s.activity;
      continue;
    }
    if (seen.has(key)) continue;
    unregistered.push({ id: key.slice(key.indexOf(':') + 1), kind: s.kind, activity: s.activity });
  }
  unregistered.sort((a, b) => (b.activity.last ?? 0) - (a.activity.last ?? 0));
  return { generated: now.toISOString(), agents, unregistered, person };
}

function merge(a: AgentActivity, b: AgentActivity): AgentActivity {
  const methods = { ...a.methods };
  for (const [k, v] of Object.entries(b.methods)) methods[k] = (methods[k] ?? 0) + v;
  return { allow: a.allow + b.allow, ask: a.ask + b.ask, deny: a.deny + b.deny, approved: a.approved + b.approved, rejected: a.rejected + b.rejected, last: Math.max(a.last ?? 0, b.last ?? 0) || undefined, methods };
}

/** The review as a person reads it in a terminal. */
export function formatAccessReview(r: AccessReview): string {
  const when = (ms?: number) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) : 'never');
  const counts = (a: AgentActivity) => `${a.allow} allowed, ${a.ask} asked (${a.approved} approved, ${a.rejected} not), ${a.deny} denied; last ${when(a.last)}`;
  const out: string[] = ['Registered agents:'];
  for (const a of r.agents) {
    const exp = a.expires ? (a.status === 'expired' ? `EXPIRED ${a.expires}` : a.status === 'expiring' ? `expires ${a.expires} (in ${a.daysLeft} days)` : `expires ${a.expires}`) : 'no expiry';
    out.push(`  ${a.id}  owner ${a.owner}  risk ${a.risk}  ${exp}  [${a.layer}]`);
    if (a.purpose) out.push(`      ${a.purpose}`);
    out.push(`      recognised by: ${[...a.match.executables.map((e) => `program ${e}`), ...a.match.hooks.map((h) => `hook ${h}`)].join(', ') || '(nothing: only --agent or a credential)'}`);
    out.push(`      ${counts(a.activity)}${Object.keys(a.activity.methods).length ? ` — by ${Object.entries(a.activity.methods).map(([m, n]) => `${m} ${n}`).join(', ')}` : ''}`);
  }
  out.push('', r.unregistered.length ? 'Acted without being registered (they get the unidentified treatment):' : 'Nobody acted without being registered.');
  for (const u of r.unregistered) out.push(`  ${u.id} (${u.kind})  ${counts(u.activity)}`);
  const flagged = r.agents.filter((a) => a.status !== 'active');
  if (flagged.length) out.push('', `Needs review: ${flagged.map((a) => `${a.id} (${a.status})`).join(', ')}`);
  if (r.person) out.push('', `The person (your own work, audited, not judged like an agent's): ${counts(r.person)}`);
  return out.join('\n') + '\n';
}
