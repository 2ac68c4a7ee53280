import * as path from 'path';
import { describeAction, type GitPushAction } from '../actions/types';
import type { CredentialAuthority, CredentialClaims } from '../identity/credentials';
import type { ControlRequest, DecideRequest, BrokerResponse } from '../ipc/protocol';
import { decide } from '../pdp/decide';
import { nodeFactsForPolicy } from '../shell/facts/forPolicy';
import { decisionLine } from '../pdp/message';
import type { Decision, DecisionRequest } from '../pdp/types';
import type { CompiledPolicy } from '../policy/compile';

/** What the developer is asked. */
export interface ApprovalRequest {
  agent: string;
  sessionId: string;
  source: DecideRequest['source'];
  /** The command line or action, as the agent asked for it. */
  what: string;
  decision: Decision;
  /** Whether "Allow for this session" may be offered. */
  allowSession: boolean;
}

export type ApprovalAnswer = 'allow-once' | 'allow-session' | 'deny';

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

/** One decision, for the audit trail: written before the action may run. */
export interface BrokerAuditRecord {
  time: string;
  agent: string;
  sessionId: string;
  source: DecideRequest['source'];
  cwd: string;
  what: string;
  decision: Decision;
  final: 'allow' | 'deny';
  approvedBy: BrokerResponse['approvedBy'] | 'timeout' | 'credential' | 'kill-switch' | 'error';
  approvalScope?: 'once' | 'session';
}

export interface AuditSink {
  /** Resolves once durable (with the record's sequence number); rejects when it cannot be written (the action is then denied). */
  record(r: BrokerAuditRecord): Promise<number | void>;
  /** What happened once the action ran, linked to its decision's sequence number. */
  result?(ref: number, result: { ran: boolean; exitCode?: number; durationMs?: number }): Promise<void>;
}

export interface Logger {
  info(msg: string): void;
  error(msg: string): void;
}

export interface BrokerOptions {
  /** The policy in force now (the extension swaps it on reload). */
  policy: () => CompiledPolicy;
  credentials: CredentialAuthority;
  approver: Approver;
  audit?: AuditSink;
  logger?: Logger;
  user?: string;
  /** An upper bound on the approval timeout (e.g. the editor setting); the policy may shorten it. */
  approvalTimeoutSeconds?: () => number;
  /** Told about every decision once it is final (the editor's status and audit view). */
  onDecision?: (r: BrokerAuditRecord) => void;
}

const PASS_GRANT_MS = 10_000;

/**
 * The policy decision service the PEPs ask. Every request gets one answer; anything
 * that goes wrong answers deny.
 */
export class Broker {
  private killed = false;
  /** "Allow for this session" grants: session id → verdict keys. */
  private readonly sessionGrants = new Map<string, Set<string>>();
  /** A developer-approved shell line lets its programs' PATH shims through once, briefly. */
  private readonly passGrants = new Map<string, { keys: Set<string>; pushes: GitPushAction[]; until: number }>();
  private pending = 0;

  constructor(private readonly opts: BrokerOptions) {}

  get isKilled(): boolean {
    return this.killed;
  }

  get pendingApprovals(): number {
    return this.pending;
  }

  /** Kill switch: revoke every credential and session grant, deny everything until re-armed. */
  killAll(): void {
    this.killed = true;
    this.opts.credentials.revokeAll();
    this.sessionGrants.clear();
    this.passGrants.clear();
    this.opts.logger?.info('[broker] every agent blocked: credentials and grants revoked');
  }

  rearm(): void {
    this.killed = false;
    this.opts.logger?.info('[broker] re-armed');
  }

  listSessionGrants(): { sessionId: string; grants: string[] }[] {
    return [...this.sessionGrants].map(([sessionId, g]) => ({ sessionId, grants: [...g] }));
  }

  revokeSessionGrant(sessionId: string, grant?: string): void {
    if (grant === undefined) this.sessionGrants.delete(sessionId);
    else this.sessionGrants.get(sessionId)?.delete(grant);
  }

  async control(req: ControlRequest): Promise<BrokerResponse> {
    switch (req.type) {
      case 'revoke-all':
        this.killAll();
        return { id: req.id, decision: 'allow', message: 'agentpolicy: every credential revoked; new requests are denied until re-armed' };
      case 'rearm': {
        // Only the developer re-arms: a request on the socket is not enough.
        const answer = await this.opts.approver.ask(
          { agent: 'agentpolicy', sessionId: 'control', source: 'cli', what: 'agentpolicy rearm (re-enable agents after the kill switch)', decision: rearmDecision(), allowSession: false },
          AbortSignal.timeout(60_000),
        ).catch(() => 'deny' as const);
        if (answer === 'deny') return { id: req.id, decision: 'deny', message: 'agentpolicy: re-arm refused by the developer' };
        this.rearm();
        return { id: req.id, decision: 'allow', message: 'agentpolicy: re-armed; new credentials are needed (reopen guarded terminals)' };
      }
      case 'result': {
        // A PEP reporting how an allowed action ended; only a guarded process (a valid credential) may.
        const v = await this.opts.credentials.verify(req.token);
        if (!v.ok || req.ref === undefined) return { id: req.id, decision: 'deny', message: `agentpolicy: result not recorded: ${v.ok ? 'no ref' : v.reason}` };
        await this.opts.audit?.result?.(req.ref, { ran: true, exitCode: req.exitCode, durationMs: req.durationMs });
        return { id: req.id, decision: 'allow', message: 'recorded' };
      }
      case 'status':
        return { id: req.id, decision: 'allow', message: this.killed ? 'killed' : 'armed', data: { killed: this.killed, pending: this.pending, workspace: this.opts.credentials.workspace } };
      case 'issue': {
        // A new credential needs a valid one: a guarded process may start a guarded child, nobody else.
        const v = await this.opts.credentials.verify(req.token);
        if (!v.ok || this.killed) return { id: req.id, decision: 'deny', message: `agentpolicy: cannot issue a credential: ${v.ok ? 'the guard is killed' : v.reason}` };
        const { token, sid } = await this.opts.credentials.issue(req.agent ?? v.claims.agent);
        return { id: req.id, decision: 'allow', message: 'issued', data: { token, sid } };
      }
    }
  }

  async decide(req: DecideRequest): Promise<BrokerResponse> {
    const what = describeRequest(req);
    let claims: CredentialClaims | undefined;
    try {
      if (this.killed) return await this.refuse(req, what, 'kill-switch', `agentpolicy: deny: ${what}: every agent is blocked (kill switch). The developer can re-arm with \`agentpolicy rearm\` or the "Agent Policy: Re-arm" command.`);
      const v = await this.opts.credentials.verify(req.token);
      if (!v.ok) return await this.refuse(req, what, 'credential', `agentpolicy: deny: ${what}: ${v.reason}. Start the agent through \`agentpolicy run\` or a guarded VS Code terminal.`);
      claims = v.claims;
      const policy = this.opts.policy();
      const d = decide(policy, toDecisionRequest(req, claims.agent), { user: this.opts.user, facts: nodeFactsForPolicy(policy) });
      if (d.effect === 'allow') return await this.finish(req, claims, what, d, 'allow', 'policy');
      if (d.effect === 'deny') return await this.finish(req, claims, what, d, 'deny', undefined);
      // ask: a session grant or a just-approved shell line may already cover it.
      if (this.coveredBySession(claims.sid, d)) return await this.finish(req, claims, what, d, 'allow', 'session-grant', 'session');
      if (this.takePass(claims.sid, d)) return await this.finish(req, claims, what, d, 'allow', 'developer', 'once');
      const timeout = Math.min(policy.approval.timeoutSeconds, this.opts.approvalTimeoutSeconds?.() ?? Infinity);
      const answer = await this.askDeveloper(req, claims, what, d, timeout, policy.approval.allowSession);
      if (answer === 'timeout') return await this.finish(req, claims, what, d, 'deny', undefined, undefined, 'timeout', `agentpolicy: deny: ${what}: nobody answered the approval prompt in ${timeout} s. Ask again when the developer is there.`);
      if (answer === 'deny') return await this.finish(req, claims, what, d, 'deny', 'developer', undefined, undefined, `agentpolicy: deny: ${what}: the developer declined it. Ask them before trying again.`);
      if (answer === 'allow-session') this.grantSession(claims.sid, d);
      this.grantPass(claims.sid, d);
      return await this.finish(req, claims, what, d, 'allow', 'developer', answer === 'allow-session' ? 'session' : 'once');
    } catch (e) {
      this.opts.logger?.error(`[broker] request failed: ${(e as Error).stack ?? e}`);
      return { id: req.id, decision: 'deny', message: `agentpolicy: deny: ${what}: the guard failed to decide (${(e as Error).message}); denied to be safe.` };
    }
  }

  private async askDeveloper(req: DecideRequest, claims: CredentialClaims, what: string, d: Decision, timeoutSeconds: number, allowSession: boolean): Promise<'allow-once' | 'allow-session' | 'deny' | 'timeout'> {
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
      const answer = await Promise.race([this.opts.approver.ask({ agent: claims.agent, sessionId: claims.sid, source: req.source, what, decision: d, allowSession }, ac.signal).catch(() => 'deny' as const), timeout]);
      if (answer === 'allow-session' && !allowSession) return 'allow-once';
      return answer;
    } finally {
      this.pending--;
      clearTimeout(timer);
    }
  }

  private async finish(req: DecideRequest, claims: CredentialClaims, what: string, d: Decision, final: 'allow' | 'deny', approvedBy: BrokerResponse['approvedBy'], scope?: 'once' | 'session', why?: BrokerAuditRecord['approvedBy'], message?: string): Promise<BrokerResponse> {
    const response: BrokerResponse = {
      id: req.id,
      decision: final,
      effect: d.effect,
      ruleIds: d.ruleIds,
      reasons: d.reasons,
      message: message ?? (final === 'allow' ? `agentpolicy: allow: ${what}` : decisionLine(d, what)),
      approvedBy: final === 'allow' ? approvedBy : undefined,
    };
    const record: BrokerAuditRecord = { time: new Date().toISOString(), agent: claims.agent, sessionId: claims.sid, source: req.source, cwd: req.cwd, what, decision: d, final, approvedBy: why ?? approvedBy, approvalScope: scope };
    this.opts.onDecision?.(record);
    if (this.opts.audit) {
      try {
        const seq = await this.opts.audit.record(record);
        if (typeof seq === 'number') response.auditSeq = seq;
      } catch (e) {
        this.opts.logger?.error(`[broker] audit log write failed: ${e}`);
        return { id: req.id, decision: 'deny', effect: d.effect, ruleIds: d.ruleIds, reasons: d.reasons, message: `agentpolicy: deny: ${what}: the audit log cannot be written (${(e as Error).message}); no unlogged actions.` };
      }
    }
    return response;
  }

  private async refuse(req: DecideRequest, what: string, why: 'credential' | 'kill-switch', message: string): Promise<BrokerResponse> {
    const d: Decision = { effect: 'deny', risk: 'high', ruleIds: [], layer: 'baseline', reasons: [message], actions: [], verdicts: [], errors: [], ignored: [] };
    const record: BrokerAuditRecord = { time: new Date().toISOString(), agent: 'unknown', sessionId: 'unknown', source: req.source, cwd: req.cwd, what, decision: d, final: 'deny', approvedBy: why };
    this.opts.onDecision?.(record);
    if (this.opts.audit) await this.opts.audit.record(record).catch((e) => this.opts.logger?.error(`[broker] audit log write failed: ${e}`));
    return { id: req.id, decision: 'deny', effect: 'deny', ruleIds: [], reasons: [message], message };
  }

  private askKeys(d: Decision): string[] {
    return d.verdicts.filter((v) => v.effect === 'ask').map((v) => `${v.action.kind}: ${describeAction(v.action)}`);
  }

  private coveredBySession(sid: string, d: Decision): boolean {
    const g = this.sessionGrants.get(sid);
    if (!g) return false;
    return this.askKeys(d).every((k) => g.has(k));
  }

  private grantSession(sid: string, d: Decision): void {
    const g = this.sessionGrants.get(sid) ?? new Set<string>();
    for (const k of this.askKeys(d)) g.add(k);
    this.sessionGrants.set(sid, g);
  }

  /**
   * A developer-approved request lets exactly the same actions through the other PEPs for a
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
    // Only what is still `ask` needs covering: denies were never passed.
    return d.verdicts
      .filter((v) => v.effect === 'ask')
      .every((v) => {
        const a = v.action;
        if (a.kind === 'git.push' && a.observed) return a.refs.every((r) => g.pushes.some((p) => p.unresolved || p.allBranches || p.refs.some((q) => (q.dst === undefined || q.dst === r.dst) && (q.force || !r.force) && (q.delete || !r.delete))));
        return g.keys.has(`${a.kind}: ${describeAction(a)}`);
      });
  }
}


function describeRequest(req: DecideRequest): string {
  if (req.command !== undefined) return req.command.replace(/\s+/g, ' ').trim();
  if (req.action) return `${req.action.kind} ${req.action.path}`;
  const p = req.push!;
  return `git push ${p.remote} ${p.refs.map((r) => `${r.localRef}:${r.remoteRef}`).join(' ')}`;
}

const ZERO = /^0+$/;

/** Builds what the PDP judges; a pre-push report from git is ground truth about refs. */
export function toDecisionRequest(req: DecideRequest, agent: string): DecisionRequest {
  if (req.command !== undefined) return { kind: 'command', commandLine: req.command, cwd: req.cwd, agent };
  if (req.action) return { kind: req.action.kind, path: path.posix.resolve(req.cwd, req.action.path), cwd: req.cwd, agent };
  const p = req.push!;
  const refs = p.refs.map((r) => {
    const del = ZERO.test(r.localSha);
    return {
      src: del ? '' : r.localRef.replace(/^refs\/heads\//, ''),
      dst: r.remoteRef.replace(/^refs\/heads\//, ''),
      // A rewrite git could not rule out counts as one.
      force: !del && !ZERO.test(r.remoteSha) && r.rewrites !== false,
      delete: del,
    };
  });
  const action: GitPushAction = {
    kind: 'git.push',
    remote: p.remote,
    url: p.url,
    refs,
    force: refs.some((r) => r.force),
    delete: refs.some((r) => r.delete),
    allBranches: false,
    unresolved: false,
    noVerify: false,
    observed: true,
    command: -1,
  };
  return { kind: 'actions', actions: [action], cwd: req.cwd, agent, commandLine: `git push ${p.remote}` };
}

function rearmDecision(): Decision {
  return { effect: 'ask', risk: 'critical', ruleIds: ['rearm'], layer: 'baseline', reasons: ['re-enabling agents after the kill switch'], actions: [], verdicts: [], errors: [], ignored: [] };
}
