import { actionKey, describeAction, type GitPushAction } from '../actions/types';
import type { Subject } from '../identity/subject';
import type { Source } from '../ipc/protocol';
import { decide } from '../pdp/decide';
import { nodeFactsForPolicy } from '../shell/facts/forPolicy';
import { decisionLine } from '../pdp/message';
import type { Decision, DecisionRequest } from '../pdp/types';
import type { CompiledPolicy } from '../policy/compile';
import { displayText } from '../text/display';

export type { Source };


/** One request, authenticated and attributed by the host before the broker sees it. */
export interface GuardRequest {
  source: Source;
  cwd: string;
  subject: Subject;
  /** The guard session it belongs to: the credential's session, or the agent's own for hooks. */
  sessionId: string;
  /** What the PDP judges. */
  request: DecisionRequest;
  /** What the person is shown: the command line, or the tool call in words. */
  what: string;
  /** For hooks: the agent's tool call. */
  hook?: { agent: string; event: string; tool: string; toolUseId?: string };
  /** Decided by the guard itself, not the policy (a registered agent's own start): logged the same way. */
  decided?: Decision;
}

export type ApprovalAnswer = 'allow-once' | 'allow-session' | 'deny';

/** What the person is asked. */
export interface ApprovalRequest {
  subject: Subject;
  sessionId: string;
  source: Source;
  /** The command line or action as the agent asked for it (raw: approvers show it with displayText). */
  what: string;
  decision: Decision;
  /** Whether "Allow for this session" may be offered. */
  allowSession: boolean;
  hook?: GuardRequest['hook'];
}

/** The human. Everything else is the broker's business. */
export interface Approver {
  ask(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
}

/** Always gives the same answer: for tests and `--approver allow|deny`. */
export class FixedApprover implements Approver {
  readonly asked: ApprovalRequest[] = [];
  constructor(private readonly answer: ApprovalAnswer) {}
  async ask(req: ApprovalRequest): Promise<ApprovalAnswer> {
    this.asked.push(req);
    return this.answer;
  }
}

/**
 * Who settled a request: the policy; the person (an approval); an earlier "allow for this
 * session" or a just-approved line seen again by another PEP; or a refusal before or after the
 * policy — nobody answered in time, no one could be asked, the kill switch, the audit log, an error.
 */
export type DecidedBy = 'policy' | 'person' | 'session-grant' | 'pass' | 'timeout' | 'no-approver' | 'kill-switch' | 'audit' | 'error';

/** What the PEP must do, and why: the typed outcome of one request. */
export interface Outcome {
  final: 'allow' | 'deny';
  by: DecidedBy;
  /** How far an approval reaches. */
  scope?: 'once' | 'session';
  /** One readable line for the agent and the person: what, why, how to proceed. */
  message: string;
}

/** One decision as everything downstream sees it: the audit log, the status bar, the audit view. */
export interface DecisionRecord {
  time: string;
  subject: Subject;
  sessionId: string;
  source: Source;
  cwd: string;
  what: string;
  decision: Decision;
  outcome: Outcome;
  hook?: GuardRequest['hook'];
  /** Sequence number in the audit log, once written. */
  seq?: number;
}

export interface AuditSink {
  /** Resolves once durable, with the record's sequence number; rejects when it cannot be written (the action is then denied). */
  decision(r: DecisionRecord): Promise<number>;
  /** What happened once the action ran, linked to its decision's sequence number. */
  result(ref: number, result: { ran: boolean; exitCode?: number; durationMs?: number }): Promise<void>;
}

export interface Logger {
  info(msg: string): void;
  error(msg: string): void;
}

export interface BrokerOptions {
  /** The policy in force now for a folder (the extension swaps it on reload; the per-user daemon resolves it per folder). */
  policy: (cwd?: string) => CompiledPolicy;
  /** Who settles asks; absent when nobody can be asked (asks are then denied, saying how to get one). */
  approver?: Approver;
  audit: AuditSink;
  logger?: Logger;
  user?: string;
  /** An upper bound on the approval timeout (e.g. the editor setting); the policy may shorten it. */
  approvalTimeoutSeconds?: () => number;
  /** Where a person can approve when this broker cannot ask (shown in the deny line). */
  approvalHint?: string;
  /** Told about every decision once it is final and logged. */
  onDecision?: (r: DecisionRecord) => void;
}

export interface Verdict {
  decision: Decision;
  outcome: Outcome;
  seq?: number;
}

const PASS_GRANT_MS = 10_000;

/**
 * The policy decision service the PEPs ask (through the host, which authenticates and
 * attributes). Every request gets one answer; anything that goes wrong answers deny.
 */
export class Broker {
  private killed = false;
  /** "Allow for this session" grants: session id → action key → what it allows, in words. */
  private readonly sessionGrants = new Map<string, Map<string, string>>();
  /** A person-approved line lets the same actions through the other PEPs once, briefly. */
  private readonly passGrants = new Map<string, { keys: Set<string>; pushes: GitPushAction[]; until: number }>();
  private pending = 0;

  constructor(private readonly opts: BrokerOptions) {}

  get isKilled(): boolean {
    return this.killed;
  }

  get pendingApprovals(): number {
    return this.pending;
  }

  get canAsk(): boolean {
    return this.opts.approver !== undefined;
  }

  /** Kill switch: every session grant dropped, every agent request denied until re-armed (the host revokes credentials). */
  killAll(): void {
    this.killed = true;
    this.sessionGrants.clear();
    this.passGrants.clear();
    this.opts.logger?.info('[broker] every agent blocked: grants revoked');
  }

  rearm(): void {
    this.killed = false;
    this.opts.logger?.info('[broker] re-armed');
  }

  /** Asks the person about something only they may allow (re-arming after the kill switch). */
  async askPerson(what: string, reason: string, timeoutMs = 60_000): Promise<boolean> {
    if (!this.opts.approver) return false;
    const d = syntheticDecision('ask', 'critical', ['rearm'], reason);
    const subject: Subject = { kind: 'person', id: this.opts.user ?? 'person', method: 'credential', evidence: 'the guard owner’s control request' };
    const answer = await this.opts.approver.ask({ subject, sessionId: 'control', source: 'cli', what, decision: d, allowSession: false }, AbortSignal.timeout(timeoutMs)).catch(() => 'deny' as const);
    return answer !== 'deny';
  }

  /** Each session's grants: the canonical key (to revoke it) and what it allows, in words. */
  listSessionGrants(): { sessionId: string; grants: { key: string; label: string }[] }[] {
    return [...this.sessionGrants].map(([sessionId, g]) => ({ sessionId, grants: [...g].map(([key, label]) => ({ key, label })) }));
  }

  revokeSessionGrant(sessionId: string, key?: string): void {
    if (key === undefined) this.sessionGrants.delete(sessionId);
    else this.sessionGrants.get(sessionId)?.delete(key);
  }

  async decide(req: GuardRequest): Promise<Verdict> {
    const what = req.what.replace(/\s+/g, ' ').trim();
    let d: Decision | undefined;
    try {
      if (this.killed && req.subject.kind !== 'person') {
        d = syntheticDecision('deny', 'high', ['kill-switch'], 'every agent is blocked (kill switch)');
        return await this.finish(req, d, { final: 'deny', by: 'kill-switch', message: `agentpolicy: deny: ${shown(what)}: every agent is blocked (kill switch). The person can re-arm with \`agentpolicy rearm\` or "Agent Policy: Re-arm Agents".` });
      }
      const policy = this.opts.policy(req.cwd);
      d = req.decided ?? decide(policy, req.request, { user: this.opts.user, facts: nodeFactsForPolicy(policy) });
      if (d.effect === 'allow') return await this.finish(req, d, { final: 'allow', by: 'policy', message: `agentpolicy: allow: ${shown(what)}` });
      if (d.effect === 'deny') return await this.finish(req, d, { final: 'deny', by: 'policy', message: decisionLine(d, what, policy) });
      // ask: an earlier grant may already cover it.
      if (this.coveredBySession(req.sessionId, d)) return await this.finish(req, d, { final: 'allow', by: 'session-grant', scope: 'session', message: `agentpolicy: allow: ${shown(what)} (allowed for this session)` });
      if (this.takePass(req.sessionId, d)) return await this.finish(req, d, { final: 'allow', by: 'pass', scope: 'once', message: `agentpolicy: allow: ${shown(what)} (just approved)` });
      if (!this.opts.approver) {
        const hint = this.opts.approvalHint ?? 'run the agent in VS Code with Agent Policy, or under `agentpolicy serve` in another terminal';
        return await this.finish(req, d, { final: 'deny', by: 'no-approver', message: `${decisionLine(d, what, policy)} No one can approve it here: ${hint}.` });
      }
      const timeout = Math.min(policy.approval.timeoutSeconds, this.opts.approvalTimeoutSeconds?.() ?? Infinity);
      const answer = await this.askPerson_(req, what, d, timeout, policy.approval.allowSession);
      if (answer === 'timeout') return await this.finish(req, d, { final: 'deny', by: 'timeout', message: `agentpolicy: deny: ${shown(what)}: nobody answered the approval prompt in ${timeout} s. Ask again when the person is there.` });
      if (answer === 'deny') return await this.finish(req, d, { final: 'deny', by: 'person', message: `agentpolicy: deny: ${shown(what)}: the person declined it. Ask them before trying again.` });
      if (answer === 'allow-session') this.grantSession(req.sessionId, d);
      this.grantPass(req.sessionId, d);
      return await this.finish(req, d, { final: 'allow', by: 'person', scope: answer === 'allow-session' ? 'session' : 'once', message: `agentpolicy: allow: ${shown(what)} (approved)` });
    } catch (e) {
      this.opts.logger?.error(`[broker] request failed: ${(e as Error).stack ?? e}`);
      const failed = d ?? syntheticDecision('deny', 'high', [], `the guard failed to decide: ${(e as Error).message}`);
      return { decision: failed, outcome: { final: 'deny', by: 'error', message: `agentpolicy: deny: ${shown(what)}: the guard failed to decide (${(e as Error).message}); denied to be safe.` } };
    }
  }

  /** Records how an allowed action ended. */
  async result(ref: number, result: { ran: boolean; exitCode?: number; durationMs?: number }): Promise<void> {
    await this.opts.audit.result(ref, result);
  }

  private async askPerson_(req: GuardRequest, what: string, d: Decision, timeoutSeconds: number, allowSession: boolean): Promise<ApprovalAnswer | 'timeout'> {
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        ac.abort();
        resolve('timeout');
      }, timeoutSeconds * 1000);
    });
    this.pending++;
    try {
      const asked = this.opts.approver!.ask({ subject: req.subject, sessionId: req.sessionId, source: req.source, what, decision: d, allowSession, hook: req.hook }, ac.signal).catch(() => 'deny' as const);
      const answer = await Promise.race([asked, timeout]);
      if (answer === 'allow-session' && !allowSession) return 'allow-once';
      return answer;
    } finally {
      this.pending--;
      clearTimeout(timer);
    }
  }

  /** Logs the decision before the PEP may act; a log that cannot be written turns it into deny. */
  private async finish(req: GuardRequest, d: Decision, outcome: Outcome): Promise<Verdict> {
    const record: DecisionRecord = { time: new Date().toISOString(), subject: req.subject, sessionId: req.sessionId, source: req.source, cwd: req.cwd, what: req.what, decision: d, outcome, hook: req.hook };
    try {
      record.seq = await this.opts.audit.decision(record);
    } catch (e) {
      this.opts.logger?.error(`[broker] audit log write failed: ${e}`);
      record.outcome = { final: 'deny', by: 'audit', message: `agentpolicy: deny: ${shown(req.what)}: the audit log cannot be written (${(e as Error).message}); no unlogged actions.` };
    }
    this.opts.onDecision?.(record);
    return { decision: d, outcome: record.outcome, seq: record.seq };
  }

  /** The actions a grant must cover: what is still `ask` (denies were never granted). */
  private askKeys(d: Decision): string[] {
    return d.verdicts.filter((v) => v.effect === 'ask').map((v) => actionKey(v.action));
  }

  private coveredBySession(sid: string, d: Decision): boolean {
    const g = this.sessionGrants.get(sid);
    if (!g) return false;
    return this.askKeys(d).every((k) => g.has(k));
  }

  private grantSession(sid: string, d: Decision): void {
    const g = this.sessionGrants.get(sid) ?? new Map<string, string>();
    for (const v of d.verdicts) if (v.effect === 'ask') g.set(actionKey(v.action), describeAction(v.action));
    this.sessionGrants.set(sid, g);
  }

  /**
   * A person-approved request lets exactly the same actions through the other PEPs for a
   * moment (the trap, then the PATH shim, then git's hook see one command): nothing else.
   */
  private grantPass(sid: string, d: Decision): void {
    // Approvals in the same session a moment apart (two terminals asking at once) each keep theirs.
    const now = Date.now();
    const g = this.passGrants.get(sid);
    const live = g && g.until >= now ? g : { keys: new Set<string>(), pushes: [] as GitPushAction[], until: 0 };
    for (const k of this.askKeys(d)) live.keys.add(k);
    live.pushes.push(...d.actions.filter((a): a is GitPushAction => a.kind === 'git.push'));
    live.until = now + PASS_GRANT_MS;
    this.passGrants.set(sid, live);
  }

  private takePass(sid: string, d: Decision): boolean {
    const g = this.passGrants.get(sid);
    if (!g || g.until < Date.now()) return false;
    return d.verdicts
      .filter((v) => v.effect === 'ask')
      .every((v) => {
        const a = v.action;
        // git's own report of the refs: covered when an approved push named them (or left them to git).
        if (a.kind === 'git.push' && a.observed) return a.refs.every((r) => g.pushes.some((p) => p.unresolved || p.allBranches || p.refs.some((q) => (q.dst === undefined || q.dst === r.dst) && (q.force || !r.force) && (q.delete || !r.delete))));
        return g.keys.has(actionKey(a));
      });
  }
}

function shown(what: string): string {
  return displayText(what, 120);
}

/** A decision the broker makes without the policy (kill switch, failures): still a full Decision value. */
export function syntheticDecision(effect: Decision['effect'], risk: Decision['risk'], ruleIds: string[], reason: string): Decision {
  return { effect, risk, ruleIds, layer: 'baseline', reasons: [reason], actions: [], verdicts: [], errors: effect === 'deny' && ruleIds.length === 0 ? [reason] : [], ignored: [] };
}
