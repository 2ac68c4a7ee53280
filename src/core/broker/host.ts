/**
 * The one guard host. `agentpolicy serve`, `agentpolicy run`, the hook's in-process fallback and
 * the VS Code extension all start the same thing: credentials, the audit log (never optional),
 * the broker and its servers, composed here and failing closed the same way. The host
 * authenticates every message, attributes it to a subject, and hands the broker a request it
 * can decide; the servers only know the IpcHandler it implements.
 */
import * as crypto from 'crypto';
import * as os from 'os';
import * as path from 'path';
import { describeAction, UNKNOWN_TOKEN, type Action, type GitPushAction } from '../actions/types';
import { analyzeCommandLine } from '../shell/analyze';
import { nodeFactsForPolicy } from '../shell/facts/forPolicy';
import { AuditLog } from '../audit/auditLog';
import { controlEvent, type ControlEventArgs } from '../audit/events';
import { defaultAuditRoot, openAuditStream } from '../audit/streams';
import type { ControlDataByEvent, ControlEventKind } from '../audit/types';
import { CredentialAuthority, type CredentialClaims, type CredentialRole } from '../identity/credentials';
import type { Subject } from '../identity/subject';
import { denyAll, BrokerServer, DEFAULT_LIMITS, type IpcHandler, type Peer, type ServerAddress, type ServerLimits } from '../ipc/server';
import { ownUid, pidHoldsSocket } from '../ipc/peer';
import { agentForHook, agentForProgram, ancestry, attributeFromProcesses, processKey, resolveProgram } from '../identity/attribution';
import { adapterHooks } from './hookHandler';
import { parseQuotedArgv, shellJoin } from '../shell/quote';
import { brokerRequest, type ActionInput, type BrokerResponse, type ControlRequest, type DecideRequest, type HookAnswer, type HookFrame } from '../ipc/protocol';
import { decide } from '../pdp/decide';
import type { Decision, DecisionRequest } from '../pdp/types';
import type { CompiledPolicy } from '../policy/compile';
import { AuditLogSink, policyHashOf, RejectingSink } from './auditSink';
import { Broker, syntheticDecision, type Approver, type AuditSink, type DecisionRecord, type GuardRequest, type Logger, type Verdict } from './broker';
import { registerHost, unregisterHost } from './registry';

export type HostState = 'armed' | 'degraded' | 'killed';

/** What attribution sees of one request. */
export interface AttributionInput {
  claims: CredentialClaims;
  source: GuardRequest['source'];
  /** The requesting process, and whether the kernel confirmed it holds the connection. */
  pid?: number;
  pidVerified: boolean;
  /** A line typed at an interactive prompt (only then can the subject be the person). */
  interactive?: boolean;
  /** The credential the request carried. */
  token?: string;
  cwd?: string;
  /** The command line, when the request is one (an interactive line, a script's command). */
  command?: string;
  peer: Peer;
}

/** Names the subject of a request, or passes (undefined) to the next resolver. */
export interface SubjectResolver {
  resolve(input: AttributionInput): Subject | undefined;
}

/** The agent hook adapters, as the host calls them for a launcher's frame or the in-process fallback. */
export interface HookHandler {
  run(frame: HookFrame, decide: (call: HookDecision) => Promise<Verdict & { canAsk: boolean }>): Promise<HookAnswer>;
}

/** One tool call an adapter wants decided. */
export interface HookDecision {
  agent: string;
  event: string;
  tool: string;
  cwd: string;
  sessionId?: string;
  toolUseId?: string;
  /** Shell text, or typed actions (file paths, hosts, MCP calls). */
  command?: string;
  actions?: Action[];
  /** What the person is shown. */
  what: string;
  /** A tool no adapter can map: whatever the policy says, never simply allowed. */
  unknownTool?: boolean;
  /** The call never reached a decision (unreadable input, an unknown event): recorded as a deny. */
  failure?: string;
}

/** A control event as the host reports it: the audit log's typed control events. */
export type ControlReport = {
  [K in ControlEventKind]: { event: K; subject: Subject; outcome: 'done' | 'refused'; detail: string; data?: ControlDataByEvent[K] };
}[ControlEventKind];

export interface GuardHostOptions {
  /** The policy in force now for a folder (the extension swaps it on reload; the per-user daemon resolves it per folder). */
  policy: (cwd?: string) => CompiledPolicy;
  workspace: string;
  approver?: Approver;
  /** Shown when nobody can be asked: where the person could approve instead. */
  approvalHint?: string;
  /** A single log folder (`--audit-dir`); default: a stream in the per-user state folder. */
  auditDir?: string;
  logger?: Logger;
  user?: string;
  /** Serve on a Unix socket (and TCP unless `tcp: false`); false for the in-process hook path. */
  listen?: boolean;
  tcp?: boolean;
  /** Preferred loopback TCP port range (VS Code marks it never-forward); any free port otherwise. */
  tcpPorts?: [number, number];
  /** Write this host in the per-user registry (for hook launchers of agents started elsewhere). */
  register?: boolean;
  /** Resolvers tried in order before the credential's own claim. */
  subjects?: SubjectResolver[];
  /** The agents' hook adapters (default: every adapter, for the agents the policy registers). */
  hooks?: HookHandler;
  approvalTimeoutSeconds?: () => number;
  onDecision?: (r: DecisionRecord) => void;
  onStateChange?: (s: HostState) => void;
  limits?: ServerLimits;
  /** How often refused requests are summed into one audit event (ms). */
  refusedFlushMs?: number;
}

/**
 * Allowed decisions are written before the action runs and flushed to disk within this time
 * (denies, asks, approvals and control events are flushed before they are answered); only a
 * kernel crash or power loss in that window could lose one. AGENTPOLICY_AUDIT_SYNC=always
 * flushes every record before answering.
 */
export const ALLOW_SYNC_WITHIN_MS = 50;

/** Opens the host's log: the folder given (`--audit-dir`), else a free stream of the per-user root. */
export function openHostLog(dir: string | undefined): Promise<AuditLog> {
  const opts = { allowSyncWithinMs: process.env.AGENTPOLICY_AUDIT_SYNC === 'always' ? 0 : ALLOW_SYNC_WITHIN_MS };
  return dir ? AuditLog.open(path.resolve(dir), opts) : openAuditStream(defaultAuditRoot(), opts);
}

/** One line for a failure: its message without a stack. */
function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

const ZERO = /^0+$/;

/** A set that forgets its oldest members past `max`. */
class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly max: number) {}
  has(k: string): boolean {
    return this.items.has(k);
  }
  add(k: string): void {
    this.items.delete(k);
    this.items.add(k);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value!);
  }
}

export class GuardHost implements IpcHandler {
  readonly broker: Broker;
  private server?: BrokerServer;
  private registryFile?: string;
  private readonly problems: string[] = [];
  private readonly refusedCounts = new Map<string, number>();
  private refusedTimer?: NodeJS.Timeout;
  private stateNow: HostState = 'armed';
  /** Shells known to be the person's (pid:starttime), from verified prompts; bounded. */
  private readonly personShells = new BoundedSet(4096);
  ownerToken = '';
  hookToken = '';
  /** The secret every allow on a text frame carries, so a stranger on the port cannot answer allow. */
  readonly proof = crypto.randomBytes(18).toString('base64url');

  private constructor(
    private readonly opts: GuardHostOptions,
    readonly credentials: CredentialAuthority,
    readonly audit: AuditLog | undefined,
    sink: AuditSink,
  ) {
    this.broker = new Broker({
      policy: opts.policy,
      approver: opts.approver,
      audit: sink,
      logger: opts.logger,
      user: opts.user ?? os.userInfo().username,
      approvalTimeoutSeconds: opts.approvalTimeoutSeconds,
      approvalHint: opts.approvalHint,
      onDecision: opts.onDecision,
    });
  }

  /** Starts a host. Never throws for a log that cannot open: the host runs degraded and denies everything. */
  static async start(opts: GuardHostOptions): Promise<GuardHost> {
    const credentials = await CredentialAuthority.create(opts.workspace);
    let audit: AuditLog | undefined;
    let sink: AuditSink;
    let problem: string | undefined;
    try {
      audit = await openHostLog(opts.auditDir);
      sink = new AuditLogSink(audit, opts.policy);
    } catch (e) {
      problem = `the audit log cannot be opened (${oneLine(e)}); every request is denied until it can`;
      sink = new RejectingSink(problem);
    }
    const host = new GuardHost(opts, credentials, audit, sink);
    if (problem) {
      host.problems.push(problem);
      opts.logger?.error(`[host] ${problem}`);
    }
    if (opts.listen !== false) {
      // The credentials a transport needs: the person's for control, the hook launchers'.
      host.ownerToken = (await credentials.issue(opts.user ?? os.userInfo().username, { role: 'owner', kind: 'person', ttlSeconds: 30 * 86400 })).token;
      host.hookToken = (await credentials.issue('hook', { role: 'hook', kind: 'unknown', ttlSeconds: 30 * 86400 })).token;
      host.server = new BrokerServer(host, opts.limits ?? DEFAULT_LIMITS, opts.logger, host.proof);
      const address = await host.server.listen(undefined, { tcp: opts.tcp, tcpPorts: opts.tcpPorts });
      if (address.port && !host.server.tcpPeersChecked) host.problems.push('this system does not show who owns a TCP connection: the shell port relies on credentials alone');
      if (opts.register) {
        try {
          host.registryFile = registerHost({ workspace: opts.workspace, port: address.port, socket: address.socketPath, pid: process.pid, proof: host.proof, hooktoken: host.hookToken, ownertoken: host.ownerToken });
        } catch (e) {
          opts.logger?.error(`[host] not registered for hook launchers: ${oneLine(e)}`);
        }
      }
    }
    host.refusedTimer = setInterval(() => void host.flushRefused(), opts.refusedFlushMs ?? 10_000);
    host.refusedTimer.unref();
    host.updateState();
    // A host in process (one hook call) is one decision, not a guard that starts and stops.
    if (opts.listen !== false) await host.control({ event: 'host-start', subject: host.owner(), outcome: 'done', detail: `guard host started for ${opts.workspace}${host.server?.address ? ` (socket ${host.server.address.socketPath}, port ${host.server.address.port})` : ' (in process)'}`, data: { pid: process.pid, workspace: opts.workspace } });
    return host;
  }

  get address(): ServerAddress | undefined {
    return this.server?.address;
  }

  /** Open connections on the host's transports. */
  get connections(): number {
    return this.server?.connections ?? 0;
  }

  get state(): HostState {
    return this.stateNow;
  }

  /** Why the host is degraded (empty when armed or killed for no other reason). */
  get degradedBecause(): readonly string[] {
    return [...this.problems];
  }

  get policy(): CompiledPolicy {
    return this.opts.policy();
  }

  /** The person who started the host, as a subject. */
  owner(): Subject {
    const id = this.opts.user ?? os.userInfo().username;
    return { kind: 'person', id, method: 'credential', evidence: `the person who started the guard (pid ${process.pid})` };
  }

  /** A credential for a guarded terminal or program, for this subject. */
  async issueSession(subject: { id: string; kind?: Subject['kind']; method?: CredentialClaims['method'] }, ttlSeconds?: number): Promise<{ token: string; sid: string }> {
    return this.credentials.issue(subject.id, { role: 'session', kind: subject.kind ?? 'agent', method: subject.method ?? 'credential', ttlSeconds });
  }

  /**
   * A decision the sandbox's egress proxy made without the policy (an agent's own model host, a
   * forwarded endpoint, a refused local address): logged like any other, under the agent.
   */
  async recordEgress(agent: string, e: { host: string; port: number; allow: boolean; reason: string; by: string; method: string }): Promise<void> {
    const action: Action = { kind: 'network', host: e.host, tool: `sandbox proxy (${e.method})`, command: -1 };
    const decided: Decision = { ...syntheticDecision(e.allow ? 'allow' : 'deny', e.allow ? 'low' : 'high', [`egress-${e.by}`], e.reason), actions: [action] };
    const subject: Subject = { kind: 'agent', id: agent, method: 'launch', evidence: 'the sandbox this host started for it' };
    await this.broker.decide({ source: 'sandbox', cwd: this.opts.workspace, subject, sessionId: `sandbox:${agent}`, request: { kind: 'actions', actions: [action], cwd: this.opts.workspace, agent, subject: { kind: 'agent', id: agent } }, what: `connect to ${e.host}:${e.port}`, decided });
  }

  /** Kill switch: every session credential and grant revoked; agents' requests denied until re-armed. */
  async killAll(by: Subject): Promise<void> {
    this.credentials.revokeAll();
    this.broker.killAll();
    this.updateState();
    await this.control({ event: 'kill-switch', subject: by, outcome: 'done', detail: 'every agent blocked: session credentials and grants revoked' });
  }

  /** Re-arms after the kill switch; the caller has the person's consent. */
  async rearm(by: Subject): Promise<void> {
    this.broker.rearm();
    this.updateState();
    await this.control({ event: 'rearm', subject: by, outcome: 'done', detail: 'agents re-armed; guarded terminals need new credentials' });
  }

  /** Writes a control event (typed, in the audit log). Failures are logged, never thrown. */
  async control(report: ControlReport): Promise<void> {
    this.opts.logger?.info(`[host] ${report.event} by ${report.subject.kind} ${report.subject.id}: ${report.outcome}: ${report.detail}`);
    if (!this.audit) return;
    try {
      const p = this.opts.policy();
      await this.audit.append(controlEvent({ ...(report as ControlEventArgs<ControlEventKind>), context: { workspace: this.opts.workspace, pep: 'host' }, policyHash: policyHashOf(p) }));
    } catch (e) {
      this.opts.logger?.error(`[host] control event not written: ${oneLine(e)}`);
    }
  }

  refused(peer: Peer, why: string): void {
    const key = `${why}|${peer.transport}|${peer.uid ?? '?'}`;
    this.refusedCounts.set(key, (this.refusedCounts.get(key) ?? 0) + 1);
    if (this.refusedCounts.size > 1000) void this.flushRefused();
  }

  /** Refused requests since the last flush, summed into one event (never one record each). */
  private async flushRefused(): Promise<void> {
    if (this.refusedCounts.size === 0) return;
    const counts = [...this.refusedCounts].map(([k, n]) => {
      const [reason, transport, uid] = k.split('|');
      return { reason, transport, ...(uid === '?' ? {} : { peerUid: Number(uid) }), count: n };
    });
    this.refusedCounts.clear();
    const total = counts.reduce((s, c) => s + c.count, 0);
    const unknown: Subject = { kind: 'unknown', id: 'unknown', method: 'none', evidence: 'requests refused before authentication' };
    await this.control({ event: 'refused-requests', subject: unknown, outcome: 'refused', detail: `${total} request(s) refused`, data: { count: total, counts } });
  }

  /** IpcHandler: a JSON request or a shell frame. Never throws. */
  async request(raw: unknown, peer: Peer): Promise<BrokerResponse> {
    const parsed = brokerRequest.safeParse(raw);
    const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
    if (!parsed.success) {
      this.refused(peer, 'invalid request');
      return { ...denyAll(`invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`), id };
    }
    const msg = parsed.data;
    try {
      const v = await this.credentials.verify(msg.token);
      if (!v.ok) {
        this.refused(peer, `credential: ${v.reason}`);
        const how = msg.type === 'decide' ? 'Start the agent through `agentpolicy run` or a guarded VS Code terminal.' : 'Control requests need the credential of the person who started the guard.';
        return { id, decision: 'deny', by: 'credential', message: `agentpolicy: deny: ${v.reason}. ${how}` };
      }
      return msg.type === 'decide' ? { ...(await this.decideMessage(msg, v.claims, peer)), id } : { ...(await this.controlMessage(msg, v.claims)), id };
    } catch (e) {
      this.opts.logger?.error(`[host] ${(e as Error).stack ?? e}`);
      return { id, ...denyAll(`internal error: ${oneLine(e)}`) };
    }
  }

  /** IpcHandler: an agent hook launcher's frame. Never throws; answers in the agent's format. */
  async hook(frame: HookFrame, peer: Peer): Promise<HookAnswer> {
    const v = await this.credentials.verify(frame.token);
    if (!v.ok || (v.claims.role !== 'hook' && v.claims.role !== 'session')) {
      this.refused(peer, `hook credential: ${v.ok ? `role ${v.claims.role}` : v.reason}`);
      return this.hookFailure(frame, `the hook's credential was refused (${v.ok ? `a ${v.claims.role} credential` : v.reason}); reinstall it with \`agentpolicy install-hooks\``);
    }
    return this.runHook(frame, v.claims);
  }

  /** The hook path without a transport (the CLI's in-process fallback). */
  runHookInProcess(frame: HookFrame): Promise<HookAnswer> {
    return this.runHook(frame, undefined);
  }

  private async runHook(frame: HookFrame, claims: CredentialClaims | undefined): Promise<HookAnswer> {
    // The agents' adapters, speaking for the registered agent whose match.hooks names them.
    const hooks = this.opts.hooks ?? adapterHooks((a, cwd) => agentForHook(this.opts.policy(cwd).agents, a)?.id ?? a);
    try {
      return await hooks.run(frame, async (call) => {
        const subject: Subject = { kind: 'agent', id: call.agent, method: 'hook', evidence: `${frame.agent} hook${call.sessionId ? `, agent session ${call.sessionId}` : ''}${claims?.role === 'session' ? ` in guarded session ${claims.sid}` : ''}`, sessionId: call.sessionId };
        const who = { kind: subject.kind, id: subject.id };
        const request: DecisionRequest = call.command !== undefined ? { kind: 'command', commandLine: call.command, cwd: call.cwd, agent: call.agent, subject: who } : { kind: 'actions', actions: call.actions ?? [], cwd: call.cwd, agent: call.agent, subject: who };
        let decided: Decision | undefined;
        if (call.failure) decided = syntheticDecision('deny', 'high', [], call.failure);
        else if (call.unknownTool) {
          const policy = this.opts.policy(call.cwd);
          decided = decide(policy, request, { user: this.opts.user, facts: nodeFactsForPolicy(policy) });
          if (decided.effect === 'allow') decided = { ...decided, effect: 'ask', reasons: [`${call.tool} is not a tool the policy can judge`, ...decided.reasons] };
        }
        const verdict = await this.broker.decide({
          source: 'hook',
          cwd: call.cwd,
          subject,
          sessionId: call.sessionId ? `${call.agent}:${call.sessionId}` : (claims?.sid ?? `${call.agent}:unknown`),
          request,
          what: call.what,
          hook: { agent: call.agent, event: call.event, tool: call.tool, toolUseId: call.toolUseId },
          decided,
        });
        return { ...verdict, canAsk: this.broker.canAsk };
      });
    } catch (e) {
      this.opts.logger?.error(`[host] hook failed: ${(e as Error).stack ?? e}`);
      return this.hookFailure(frame, `the hook adapter failed (${oneLine(e)}); denied to be safe`);
    }
  }

  private hookFailure(_frame: HookFrame, why: string): HookAnswer {
    // Exit status 2 blocks in every agent that blocks on an exit status; the adapters answer in full where they can.
    return { exitCode: 2, stdout: '', stderr: `agentpolicy: deny: ${why}\n` };
  }

  private async decideMessage(msg: DecideRequest, claims: CredentialClaims, peer: Peer): Promise<BrokerResponse> {
    if (claims.role !== 'session') {
      this.refused(peer, `decide with a ${claims.role} credential`);
      return { decision: 'deny', by: 'credential', message: `agentpolicy: deny: a ${claims.role} credential cannot ask for decisions; start the agent through \`agentpolicy run\` or a guarded terminal.` };
    }
    // Who holds the connection is looked up in the kernel only where it can make the subject the
    // person (a line typed at a prompt): it costs about a millisecond (see BrokerServer).
    let pidVerified = false;
    if (msg.pid !== undefined && msg.interactive) {
      const seen = this.server?.verifyPeer(peer) ?? peer;
      pidVerified = seen.inode !== undefined && seen.uid === ownUid() && pidHoldsSocket(msg.pid, seen.inode);
    }
    const subject = this.attribute({ claims, source: msg.source, pid: msg.pid, pidVerified, interactive: !!msg.interactive, command: msg.command, peer, token: msg.token, cwd: msg.cwd });
    const policy = this.opts.policy(msg.cwd);
    const launched = msg.launch ? registeredLaunch(policy, msg.launch, subject) : msg.source === 'shim' && msg.command !== undefined ? shimLaunch(policy, msg.command, msg.cwd, subject) : undefined;
    // A shell's PATH shim seeing `<shell> -c SCRIPT` judges SCRIPT as the line it is, so an agent's
    // own wrapper around its command is recognised there as it is when the trap sees it.
    const script = !launched && msg.source === 'shim' && msg.command !== undefined ? shellScriptOf(msg.command) : undefined;
    const asWire = msg.launch ? { ...msg, launch: undefined, command: shellJoin(msg.launch) } : script !== undefined ? { ...msg, command: script } : msg;
    const { request, what } = launched ?? toDecisionRequest(asWire, subject);
    const v = await this.broker.decide({ source: msg.source, cwd: msg.cwd, subject, sessionId: claims.sid, request, what, decided: launched?.decided });
    return { decision: v.outcome.final, effect: v.decision.effect, ruleIds: v.decision.ruleIds, reasons: v.decision.reasons, message: v.outcome.message, by: v.outcome.by, auditSeq: v.seq };
  }

  /**
   * The subject of a request: the host's own resolvers (the editor's terminals) first, then the
   * process tree (a registered agent among the requester's parents; the person at an interactive
   * prompt), else what the credential says — where a claim to be the person is never enough.
   */
  private attribute(input: AttributionInput): Subject {
    for (const r of this.opts.subjects ?? []) {
      try {
        const s = r.resolve(input);
        if (s) return s;
      } catch (e) {
        this.opts.logger?.error(`[host] attribution failed: ${oneLine(e)}`);
      }
    }
    const c = input.claims;
    if (input.pid !== undefined) {
      try {
        const chain = ancestry(input.pid, { stopAt: process.pid });
        // A terminal credential issued to an agent (an Agent terminal, `serve --agent`) never yields the person.
        const found = attributeFromProcesses(this.opts.policy(input.cwd).agents, { pid: input.pid, pidVerified: input.pidVerified, interactive: !!input.interactive, terminalCredential: c.method === 'terminal' && c.kind !== 'agent', token: input.token }, chain, this.opts.user ?? os.userInfo().username, this.personShells);
        // A verified prompt makes its shell the person's: what it starts (in its own lineage) is the person's work.
        if (found?.kind === 'person' && input.interactive && input.pidVerified && chain[0]) this.personShells.add(processKey(chain[0]));
        // An unverified pid may not move a program `run` started over to another agent.
        if (found && !(found.kind === 'agent' && !input.pidVerified && c.method === 'launch' && c.kind === 'agent' && found.id !== c.agent)) return found;
      } catch (e) {
        this.opts.logger?.error(`[host] attribution failed: ${oneLine(e)}`);
      }
    }
    return { kind: c.kind === 'person' ? 'unknown' : c.kind, id: c.agent, method: c.method, evidence: `credential of session ${c.sid}` };
  }

  private async controlMessage(msg: ControlRequest, claims: CredentialClaims): Promise<BrokerResponse> {
    const ownerOnly = msg.type === 'revoke-all' || msg.type === 'rearm' || msg.type === 'status';
    if (ownerOnly && claims.role !== 'owner') {
      return { decision: 'deny', by: 'credential', message: `agentpolicy: deny: ${msg.type} needs the credential of the person who started the guard, not an agent’s.` };
    }
    switch (msg.type) {
      case 'revoke-all':
        await this.killAll(this.owner());
        return { decision: 'allow', message: 'agentpolicy: every agent credential revoked; new agent requests are denied until re-armed' };
      case 'rearm': {
        // Only the person re-arms: a request on the socket is not enough.
        const ok = await this.broker.askPerson('agentpolicy rearm (re-enable agents after the kill switch)', 're-enabling agents after the kill switch');
        if (!ok) {
          await this.control({ event: 'rearm', subject: this.owner(), outcome: 'refused', detail: 're-arm refused or not confirmed by the person' });
          return { decision: 'deny', message: this.broker.canAsk ? 'agentpolicy: re-arm refused by the person' : 'agentpolicy: re-arm needs the person’s confirmation, and this guard cannot ask anyone; restart it, or re-arm from VS Code ("Agent Policy: Re-arm Agents")' };
        }
        await this.rearm(this.owner());
        return { decision: 'allow', message: 'agentpolicy: re-armed; guarded terminals need new credentials (reopen them)' };
      }
      case 'status':
        return { decision: 'allow', message: this.stateNow, data: { state: this.stateNow, killed: this.broker.isKilled, pending: this.broker.pendingApprovals, workspace: this.opts.workspace, problems: this.degradedBecause } };
      case 'issue': {
        // A new credential needs a valid session one: a guarded process may start a guarded child, nobody else.
        if (claims.role !== 'session' || this.broker.isKilled) return { decision: 'deny', message: `agentpolicy: cannot issue a credential: ${this.broker.isKilled ? 'every agent is blocked (kill switch)' : `a ${claims.role} credential cannot`}` };
        const { token, sid } = await this.credentials.issue(msg.agent ?? claims.agent, { role: 'session', kind: claims.kind, method: claims.method });
        return { decision: 'allow', message: 'issued', data: { token, sid } };
      }
      case 'sandbox-off': {
        // A guarded process starting a program without the sandbox (`run --no-sandbox` inside a guarded terminal): recorded.
        if (claims.role !== 'session' || !msg.argv?.length) return { decision: 'deny', message: 'agentpolicy: not recorded: sandbox-off needs a session credential and the program' };
        const subject: Subject = { kind: claims.kind === 'person' ? 'unknown' : claims.kind, id: claims.agent, method: claims.method, evidence: `credential of session ${claims.sid}` };
        await this.control({ event: 'sandbox-off', subject, outcome: 'done', detail: `agentpolicy run --no-sandbox -- ${shellJoin(msg.argv)}`, data: { program: msg.argv[0], argv: msg.argv, reason: '--no-sandbox' } });
        return { decision: 'allow', message: 'recorded' };
      }
      case 'result': {
        if (claims.role !== 'session' || msg.ref === undefined) return { decision: 'deny', message: 'agentpolicy: result not recorded: it needs a session credential and the decision’s ref' };
        await this.broker.result(msg.ref, { ran: true, exitCode: msg.exitCode, durationMs: msg.durationMs });
        return { decision: 'allow', message: 'recorded' };
      }
    }
  }

  private updateState(): void {
    const next: HostState = this.broker.isKilled ? 'killed' : this.problems.length ? 'degraded' : 'armed';
    if (next !== this.stateNow) {
      this.stateNow = next;
      this.opts.onStateChange?.(next);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.refusedTimer);
    await this.flushRefused().catch(() => undefined);
    if (this.server) await this.control({ event: 'host-stop', subject: this.owner(), outcome: 'done', detail: 'guard host stopped', data: { pid: process.pid } }).catch(() => undefined);
    if (this.registryFile) unregisterHost(this.registryFile);
    await this.server?.close();
    await this.audit?.close();
  }
}

/** What the PDP judges for a wire request, and what the person is shown. A pre-push report from git is ground truth about refs. */
export function toDecisionRequest(req: DecideRequest, subject: Subject): { request: DecisionRequest; what: string } {
  const agent = subject.kind === 'person' ? undefined : subject.id;
  const who = { kind: subject.kind, id: subject.id };
  if (req.command !== undefined) return { request: { kind: 'command', commandLine: req.command, cwd: req.cwd, agent, subject: who }, what: req.command };
  if (req.action) {
    const p = path.posix.resolve(req.cwd, req.action.path);
    return { request: { kind: req.action.kind, path: p, cwd: req.cwd, agent, subject: who }, what: `${req.action.kind} ${p}` };
  }
  if (req.actions) {
    const actions = req.actions.map((a) => typedAction(a, req.cwd));
    return { request: { kind: 'actions', actions, cwd: req.cwd, agent, subject: who }, what: req.display ?? actions.map(describeAction).join('; ') };
  }
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
  const action: GitPushAction = { kind: 'git.push', remote: p.remote, url: p.url, refs, force: refs.some((r) => r.force), delete: refs.some((r) => r.delete), allBranches: false, unresolved: false, noVerify: false, observed: true, command: -1 };
  return { request: { kind: 'actions', actions: [action], cwd: req.cwd, agent, subject: who, commandLine: `git push ${p.remote}` }, what: `git push ${p.remote} ${p.refs.map((r) => `${r.localRef}:${r.remoteRef}`).join(' ')}` };
}

/**
 * `agentpolicy run`'s launch: a registered agent's own program starts as that agent (its
 * arguments are the agent's, not a command line to judge); anything else returns undefined and
 * is judged as the command line it is.
 */
export function registeredLaunch(policy: CompiledPolicy, argv: readonly string[], subject: Subject): { request: DecisionRequest; what: string; decided: Decision } | undefined {
  const what = shellJoin([...argv]);
  const exe = resolveProgram(argv[0]);
  const agent = agentForProgram(policy.agents, exe, argv);
  if (!agent || subject.kind !== 'agent' || agent.id !== subject.id) return undefined;
  const start: Action = { kind: 'command', argv: [path.basename(argv[0])], program: exe, cwd: '', command: 0 };
  const decided: Decision = {
    ...syntheticDecision('allow', 'low', ['registered-agent'], `starts the registered agent ${agent.id} (${exe}); what it then does is judged request by request`),
    actions: [start],
  };
  return { request: { kind: 'actions', actions: [start], cwd: '', agent: agent.id, subject: { kind: subject.kind, id: subject.id }, commandLine: what }, what, decided };
}

/**
 * A PATH shim seeing a registered agent's own launcher (`node /usr/bin/gemini …`, normalised by
 * the shim to `gemini …`) for that same agent: the agent starting, as `run` or the line that
 * started it already decided; not a command to judge again.
 */
function shimLaunch(policy: CompiledPolicy, text: string, cwd: string, subject: Subject): { request: DecisionRequest; what: string; decided: Decision } | undefined {
  if (subject.kind !== 'agent') return undefined;
  let actions: Action[];
  try {
    actions = analyzeCommandLine(text, { workspace: policy.workspace, cwd, home: policy.home }).actions;
  } catch {
    return undefined;
  }
  // The shim sends its argv as quoted words: one command, whose arguments are the agent's own
  // (not file operands to judge); anything else (two commands, an unresolved word) is judged.
  const commands = actions.filter((a): a is Extract<Action, { kind: 'command' }> => a.kind === 'command');
  const cmd = commands.length === 1 && actions.every((a) => a.command === commands[0].command && a.kind !== 'opaque') ? commands[0] : undefined;
  if (!cmd || cmd.argv.some((t) => t.startsWith(UNKNOWN_TOKEN))) return undefined;
  return registeredLaunch(policy, [cmd.program, ...cmd.argv.slice(1)], subject);
}

const SHELLS_WITH_C = new Set(['bash', 'sh', 'dash', 'zsh', 'ksh']);

/** The script of a shim's exact `<shell> -c SCRIPT` (no other arguments), else undefined. */
function shellScriptOf(text: string): string | undefined {
  const argv = parseQuotedArgv(text);
  if (!argv || argv.length !== 3 || argv[1] !== '-c' || !SHELLS_WITH_C.has(argv[0])) return undefined;
  return argv[2];
}

/** A wire action as a typed action (paths made absolute against cwd). */
export function typedAction(a: ActionInput, cwd: string): Action {
  switch (a.kind) {
    case 'file.read':
    case 'file.write':
    case 'file.delete':
      return { kind: a.kind, path: path.posix.resolve(cwd, a.path), recursive: a.recursive, via: 'request', command: -1 };
    case 'network':
      return { kind: 'network', host: a.host.toLowerCase(), tool: a.tool ?? 'request', command: -1 };
    case 'mcp':
      return { kind: 'mcp', server: a.server, tool: a.tool, args: a.args, command: -1 };
  }
}

export type { CredentialRole };
