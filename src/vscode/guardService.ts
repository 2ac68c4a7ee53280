import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Approver, DecisionRecord, Logger } from '../core/broker/broker';
import { guardEnv } from '../core/broker/guardEnv';
import { GuardHost } from '../core/broker/host';
import type { Subject } from '../core/identity/subject';
import type { ServerAddress } from '../core/ipc/server';
import { initShellParser } from '../core/shell/parser';
import { controlDecision, controlReport, type ControlEventInput } from './controlEvents';
import { CONTEXT, SETTINGS } from './ids';
import { dispose } from './logger';
import type { PolicyService } from './policyService';
import { relaunchOptions, terminalResolver, type ClosedTerminal, type TerminalTracker } from './terminals';

export type GuardState = 'starting' | 'armed' | 'degraded' | 'killed';

export interface SessionDecision extends DecisionRecord {
  seq: number;
}

/** The broker's loopback TCP ports; package.json marks them "ignore" in remote.portsAttributes. */
export const BROKER_PORTS: [number, number] = [48620, 48679];

const ENV_KEYS_DESCRIPTION = 'Agent Policy guards commands run in this terminal (PATH shims, shell trap, git pre-push hook).';

/**
 * Runs the guard host (broker, credentials, audit log) inside the extension host and injects the
 * guard into every new integrated terminal. Requests are attributed through the terminal they
 * come from (the person's own, Copilot's, an Agent terminal). Terminals opened before it was
 * ready are flagged as unguarded.
 */
export class GuardService implements vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private host?: GuardHost;
  private env: Record<string, string> = {};
  private problems: string[] = [];
  private seq = 0;
  readonly decisions: SessionDecision[] = [];
  readonly ready: Promise<void>;
  private readonly decided = new vscode.EventEmitter<SessionDecision>();
  readonly onDidDecide = this.decided.event;
  private readonly stateChanged = new vscode.EventEmitter<GuardState>();
  readonly onDidChangeState = this.stateChanged.event;
  private currentState: GuardState = 'starting';
  /** Terminals the kill switch left without a valid credential (closed, or still open): offered again after re-arm. */
  private strandedTerminals: { closed: ClosedTerminal[]; open: vscode.Terminal[] } = { closed: [], open: [] };

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly policies: PolicyService,
    private readonly approver: Approver,
    readonly terminals: TerminalTracker,
    private readonly logger: Logger,
  ) {
    this.disposables.push(
      this.decided,
      this.stateChanged,
      terminals.onDidChange(() => this.updateState()),
      policies.onDidChange(() => this.updateState()),
    );
    this.ready = this.start().catch((e) => {
      this.problems.push(`the broker did not start: ${(e as Error).message}`);
      this.logger.error(`[guard] ${(e as Error).stack ?? e}`);
      this.updateState();
    });
  }

  get state(): GuardState {
    return this.currentState;
  }

  /** What is missing when the state is degraded. */
  get degradedBecause(): readonly string[] {
    const p = [...this.problems, ...(this.host?.degradedBecause ?? [])];
    const n = this.terminals.unguarded.length;
    if (n) p.push(`${n} terminal(s) opened before the guard started are not guarded`);
    if (this.policies.errors.length) p.push(`the policy file has ${this.policies.errors.length} error(s); the last good policy stays in force`);
    return p;
  }

  get address(): ServerAddress | undefined {
    return this.host?.address;
  }

  get environment(): Record<string, string> {
    return { ...this.env };
  }

  /** Where this window's decisions are written. */
  get auditDir(): string {
    return this.host?.audit?.dir ?? '(no audit log)';
  }

  /** The guard host (broker, credentials, audit log), once started. */
  get hostInstance(): GuardHost | undefined {
    return this.host;
  }

  get brokerInstance(): GuardHost['broker'] | undefined {
    return this.host?.broker;
  }

  /** Terminals the kill switch cut off, for the re-arm offer. */
  get stranded(): { closed: readonly ClosedTerminal[]; open: readonly vscode.Terminal[] } {
    return { closed: this.strandedTerminals.closed, open: this.strandedTerminals.open.filter((t) => vscode.window.terminals.includes(t)) };
  }

  private async start(): Promise<void> {
    await initShellParser(path.join(this.context.extensionPath, 'dist'));
    // Load the policy now, in the background, so the first decision does not pay for it.
    this.logger.info(`[guard] ${this.policies.policy.rules.length} rules in force`);
    // The loopback port is for this machine's shells only. package.json's configurationDefaults
    // set remote.portsAttributes for BROKER_PORTS to "ignore", so VS Code never offers to forward
    // it (the port attributes provider API is proposed, not available to published extensions).
    this.host = await GuardHost.start({
      policy: () => this.policies.policy,
      workspace: this.policies.workspace,
      approver: this.approver,
      logger: this.logger,
      user: os.userInfo().username,
      register: true,
      tcpPorts: BROKER_PORTS,
      subjects: [terminalResolver(this.terminals, () => this.host?.address?.port, () => this.policies.policy.agents, () => vscode.workspace.getConfiguration().get<string>(SETTINGS.copilotAgentId) || 'copilot')],
      onDecision: (r) => this.record(r),
      onStateChange: () => this.updateState(),
      approvalTimeoutSeconds: () => vscode.workspace.getConfiguration().get<number>(SETTINGS.approvalTimeoutSeconds) ?? 60,
    });
    const address = this.host.address!;
    await this.inject(address);
    const ignored = address.port >= BROKER_PORTS[0] && address.port <= BROKER_PORTS[1];
    this.logger.info(`[guard] broker on ${address.socketPath} (port ${address.port}${ignored ? ', never forwarded' : `, outside ${BROKER_PORTS.join('-')} (all taken): VS Code may offer to forward it`}); audit log in ${this.auditDir}`);
    this.updateState();
  }

  /** A credential and the guard environment for one agent (the Agent terminal profile). */
  async agentEnvironment(agent: string): Promise<Record<string, string>> {
    await this.ready;
    if (!this.host?.address) throw new Error('the guard is not running');
    const { token } = await this.host.issueSession({ id: agent, kind: 'agent', method: 'terminal' });
    return { ...this.baseEnv(this.host.address, token), AGENTPOLICY_TERMINAL_AGENT: agent };
  }

  private baseEnv(address: ServerAddress, token: string): Record<string, string> {
    const env = guardEnv({ shimRoot: path.join(this.context.extensionPath, 'dist', 'shim'), socketPath: address.socketPath, port: address.port, token, proof: this.host!.proof, base: {} });
    // `agentpolicy` in a guarded terminal runs this extension's own CLI (the PATH shim falls back to it).
    env.AGENTPOLICY_CLI_NODE = process.execPath;
    env.AGENTPOLICY_CLI_JS = path.join(this.context.extensionPath, 'dist', 'cli.js');
    return env;
  }

  private async inject(address: ServerAddress): Promise<void> {
    // One credential for every terminal: who is behind a request is found per request, from the
    // terminal its process runs in (see terminalResolver); the claim alone counts as unknown.
    const agent = vscode.workspace.getConfiguration().get<string>(SETTINGS.agentId) || 'vscode-terminal';
    const { token } = await this.host!.issueSession({ id: agent, kind: 'unknown', method: 'terminal' });
    this.env = this.baseEnv(address, token);
    const c = this.context.environmentVariableCollection;
    c.persistent = false; // a credential from an old session must never reach a new terminal
    c.description = ENV_KEYS_DESCRIPTION;
    c.clear();
    const bin = this.env.AGENTPOLICY_SHIM_DIR;
    for (const [k, v] of Object.entries(this.env)) {
      if (k === 'PATH') c.prepend('PATH', bin + path.delimiter);
      else c.replace(k, v);
    }
    this.terminals.setArmed();
  }

  private record(r: DecisionRecord): SessionDecision {
    const d: SessionDecision = { ...r, seq: r.seq ?? ++this.seq };
    this.decisions.push(d);
    if (this.decisions.length > 5000) this.decisions.shift();
    this.decided.fire(d);
    if (r.outcome.scope === 'session' || this.grantsShown) this.updateGrantsContext();
    return d;
  }

  private grantsShown = false;
  /** Whether "Show Session Grants" has anything to show (a `when` clause). */
  updateGrantsContext(): void {
    const any = !!this.host?.broker.listSessionGrants().some((g) => g.grants.length);
    this.grantsShown = any;
    void vscode.commands.executeCommand('setContext', CONTEXT.hasGrants, any);
  }

  /** Kill switch: every credential and grant revoked; optionally close guarded terminals. */
  async killAll(): Promise<{ closed: number; cutOff: number }> {
    await this.ready;
    const unguarded = new Set(this.terminals.unguarded);
    const guarded = vscode.window.terminals.filter((t) => !unguarded.has(t));
    let closed = 0;
    if (vscode.workspace.getConfiguration().get<boolean>(SETTINGS.closeTerminalsOnBlock)) {
      for (const t of guarded) {
        this.strandedTerminals.closed.push(relaunchOptions(t));
        t.dispose();
        closed++;
      }
    } else {
      this.strandedTerminals.open.push(...guarded);
    }
    const by = this.person('ran "Block All Agents"');
    await this.host?.killAll(by);
    this.updateGrantsContext();
    await this.auditControl({ control: 'kill-switch', subject: by, effect: 'deny', what: `every credential and session grant revoked${closed ? `; ${closed} guarded terminal(s) closed` : ''}` }, false);
    this.updateState();
    return { closed, cutOff: guarded.length };
  }

  /** After the kill switch: a fresh credential for new terminals. */
  async rearm(): Promise<void> {
    await this.ready;
    if (!this.host?.address) return;
    const by = this.person('confirmed "Re-arm Agents"');
    await this.host.rearm(by);
    await this.inject(this.host.address);
    await this.auditControl({ control: 'rearm', subject: by, effect: 'allow', what: 'agents re-armed; new terminals get a new credential' }, false);
    this.updateState();
  }

  /** Opens new terminals for those the kill switch cut off (closing the stale open ones). */
  relaunchStranded(): number {
    const { closed, open } = this.stranded;
    let n = 0;
    for (const c of closed) {
      this.terminals.create({ name: c.name, cwd: c.cwd, shellPath: c.shellPath, shellArgs: c.shellArgs }, 'internal').show(true);
      n++;
    }
    for (const t of open) {
      const c = relaunchOptions(t);
      this.terminals.create({ name: c.name, cwd: c.cwd, shellPath: c.shellPath, shellArgs: c.shellArgs }, 'internal').show(true);
      t.dispose();
      n++;
    }
    this.strandedTerminals = { closed: [], open: [] };
    return n;
  }

  /** The person, as the subject of what they do in VS Code's UI. */
  person(evidence: string): Subject {
    return { kind: 'person', id: os.userInfo().username, method: 'editor', evidence };
  }

  /**
   * A control event (policy change, file restore, kill switch, re-arm): a row in the audit view,
   * and the host's typed control event in the audit log. `report: false` when the host already
   * wrote it (killAll, rearm).
   */
  async auditControl(i: ControlEventInput, report = true): Promise<void> {
    await this.ready;
    const decision = controlDecision(i);
    const final = i.effect === 'allow' ? 'allow' : 'deny';
    this.record({ time: new Date().toISOString(), subject: i.subject, sessionId: i.control, source: 'vscode', cwd: this.policies.workspace, what: i.path ? `${i.control} ${i.path}: ${i.what}` : `${i.control}: ${i.what}`, decision, outcome: { final, by: i.subject.kind === 'person' ? 'person' : 'policy', message: i.what } });
    const r = report ? controlReport(i) : undefined;
    if (r) await this.host?.control(r);
  }

  private updateState(): void {
    const next: GuardState = !this.host ? (this.problems.length ? 'degraded' : 'starting') : this.host.state === 'killed' ? 'killed' : this.degradedBecause.length ? 'degraded' : 'armed';
    if (next !== this.currentState) void vscode.commands.executeCommand('setContext', CONTEXT.state, next);
    void vscode.commands.executeCommand('setContext', CONTEXT.unguardedTerminals, this.terminals.unguarded.length);
    this.currentState = next;
    this.stateChanged.fire(next);
  }

  refreshState(): void {
    this.updateState();
  }

  async dispose(): Promise<void> {
    this.disposables = dispose(this.disposables);
    this.context.environmentVariableCollection.clear();
    await this.host?.close();
  }
}
