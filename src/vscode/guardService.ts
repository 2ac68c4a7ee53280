import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { AuditLog } from '../core/audit/auditLog';
import { AuditLogSink } from '../core/broker/auditSink';
import { Broker, type Approver, type BrokerAuditRecord, type Logger } from '../core/broker/broker';
import { guardEnv } from '../core/broker/guardEnv';
import type { Subject } from '../core/identity/subject';
import { CredentialAuthority } from '../core/identity/credentials';
import { BrokerServer, type ServerAddress } from '../core/ipc/server';
import { initShellParser } from '../core/shell/parser';
import { controlDecision, controlEvent, type ControlEventInput } from './controlEvents';
import { CONTEXT, SETTINGS } from './ids';
import { dispose } from './logger';
import type { PolicyService } from './policyService';
import { relaunchOptions, type ClosedTerminal, type TerminalTracker } from './terminals';

export type GuardState = 'starting' | 'armed' | 'degraded' | 'killed';

export interface SessionDecision extends BrokerAuditRecord {
  seq: number;
  /** Who it was attributed to, when known (control events, and the broker once it sends subjects). */
  subject?: Subject;
}

/** The broker's loopback TCP ports; package.json marks them "ignore" in remote.portsAttributes. */
export const BROKER_PORTS: [number, number] = [48620, 48679];

const ENV_KEYS_DESCRIPTION = 'Agent Policy guards commands run in this terminal (PATH shims, shell trap, git pre-push hook).';

/**
 * Runs the broker inside the extension host and injects the guard into every new integrated
 * terminal. Terminals opened before it was ready are flagged as unguarded.
 */
export class GuardService implements vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private broker?: Broker;
  private server?: BrokerServer;
  private audit?: AuditLog;
  private credentials?: CredentialAuthority;
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
    const p = [...this.problems];
    const n = this.terminals.unguarded.length;
    if (n) p.push(`${n} terminal(s) opened before the guard started are not guarded`);
    if (this.policies.errors.length) p.push(`the policy file has ${this.policies.errors.length} error(s); the last good policy stays in force`);
    return p;
  }

  get address(): ServerAddress | undefined {
    return this.server?.address;
  }

  get environment(): Record<string, string> {
    return { ...this.env };
  }

  get auditDir(): string {
    return path.join((this.context.storageUri ?? this.context.globalStorageUri).fsPath, 'audit');
  }

  get brokerInstance(): Broker | undefined {
    return this.broker;
  }

  /** Terminals the kill switch cut off, for the re-arm offer. */
  get stranded(): { closed: readonly ClosedTerminal[]; open: readonly vscode.Terminal[] } {
    return { closed: this.strandedTerminals.closed, open: this.strandedTerminals.open.filter((t) => vscode.window.terminals.includes(t)) };
  }

  private async start(): Promise<void> {
    await initShellParser(path.join(this.context.extensionPath, 'dist'));
    // Load the policy now, in the background, so the first decision does not pay for it.
    this.logger.info(`[guard] ${this.policies.policy.rules.length} rules in force`);
    this.credentials = await CredentialAuthority.create(this.policies.workspace);
    try {
      this.audit = await AuditLog.open(this.auditDir);
    } catch (e) {
      // Without a log nothing may run: the broker's sink will deny every request.
      this.problems.push(`the audit log cannot be opened (${(e as Error).message}); every request is denied`);
    }
    const policy = () => this.policies.policy;
    const failingSink = { record: async () => { throw new Error('audit log unavailable'); } };
    this.broker = new Broker({
      policy,
      credentials: this.credentials,
      approver: this.approver,
      audit: this.audit ? new AuditLogSink(this.audit, policy) : failingSink,
      logger: this.logger,
      user: os.userInfo().username,
      onDecision: (r) => this.record(r),
      approvalTimeoutSeconds: () => vscode.workspace.getConfiguration().get<number>(SETTINGS.approvalTimeoutSeconds) ?? 60,
    });
    this.server = new BrokerServer(this.broker, this.logger);
    // The loopback port is for this machine's shells only. package.json's configurationDefaults
    // set remote.portsAttributes for BROKER_PORTS to "ignore", so VS Code never offers to forward it
    // (the port attributes provider API is proposed, not available to published extensions).
    const address = await this.server.listen(undefined, { tcpPorts: BROKER_PORTS });
    await this.inject(address);
    const ignored = address.port >= BROKER_PORTS[0] && address.port <= BROKER_PORTS[1];
    this.logger.info(`[guard] broker on ${address.socketPath} (port ${address.port}${ignored ? ', never forwarded' : `, outside ${BROKER_PORTS.join('-')} (all taken): VS Code may offer to forward it`}); audit log in ${this.auditDir}`);
    this.updateState();
  }

  /** A credential and the guard environment for one agent (the Agent terminal profile). */
  async agentEnvironment(agent: string): Promise<Record<string, string>> {
    await this.ready;
    if (!this.credentials || !this.server?.address) throw new Error('the guard is not running');
    const { token } = await this.credentials.issue(agent);
    return { ...this.baseEnv(this.server.address, token), AGENTPOLICY_TERMINAL_AGENT: agent };
  }

  private baseEnv(address: ServerAddress, token: string): Record<string, string> {
    const env = guardEnv({ shimRoot: path.join(this.context.extensionPath, 'dist', 'shim'), socketPath: address.socketPath, port: address.port, token, base: {} });
    // `agentpolicy` in a guarded terminal runs this extension's own CLI (the PATH shim falls back to it).
    env.AGENTPOLICY_CLI_NODE = process.execPath;
    env.AGENTPOLICY_CLI_JS = path.join(this.context.extensionPath, 'dist', 'cli.js');
    return env;
  }

  private async inject(address: ServerAddress): Promise<void> {
    const agent = vscode.workspace.getConfiguration().get<string>(SETTINGS.agentId) || 'vscode-terminal';
    const { token } = await this.credentials!.issue(agent);
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

  private record(r: BrokerAuditRecord, subject?: Subject): SessionDecision {
    const d: SessionDecision = { ...r, seq: ++this.seq, subject };
    this.decisions.push(d);
    if (this.decisions.length > 5000) this.decisions.shift();
    this.decided.fire(d);
    if (r.approvalScope === 'session' || this.grantsShown) this.updateGrantsContext();
    return d;
  }

  private grantsShown = false;
  /** Whether "Show Session Grants" has anything to show (a `when` clause). */
  updateGrantsContext(): void {
    const any = !!this.broker?.listSessionGrants().some((g) => g.grants.length);
    this.grantsShown = any;
    void vscode.commands.executeCommand('setContext', CONTEXT.hasGrants, any);
  }

  /** Kill switch: every credential and grant revoked; optionally close guarded terminals. */
  async killAll(): Promise<{ closed: number; cutOff: number }> {
    await this.ready;
    this.broker?.killAll();
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
    this.updateGrantsContext();
    await this.auditControl({ control: 'kill-switch', subject: this.person('ran "Block All Agents"'), effect: 'deny', what: `every credential and session grant revoked${closed ? `; ${closed} guarded terminal(s) closed` : ''}` });
    this.updateState();
    return { closed, cutOff: guarded.length };
  }

  /** After the kill switch: a fresh credential for new terminals. */
  async rearm(): Promise<void> {
    await this.ready;
    if (!this.broker || !this.server?.address) return;
    this.broker.rearm();
    await this.inject(this.server.address);
    await this.auditControl({ control: 'rearm', subject: this.person('confirmed "Re-arm Agents"'), effect: 'allow', what: 'agents re-armed; new terminals get a new credential' });
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

  /** A control event (policy change, file restore, kill switch, re-arm), in the log and the audit view. */
  async auditControl(i: ControlEventInput): Promise<void> {
    await this.ready;
    const decision = controlDecision(i);
    this.record({ time: new Date().toISOString(), agent: i.subject.id, sessionId: i.control, source: 'vscode', cwd: this.policies.workspace, what: i.path ? `${i.control} ${i.path}: ${i.what}` : `${i.control}: ${i.what}`, decision, final: i.effect === 'allow' ? 'allow' : 'deny', approvedBy: i.subject.kind === 'person' ? 'developer' : undefined }, i.subject);
    await this.audit?.append(controlEvent(i)).catch((e) => this.logger.error(`[guard] audit: ${e}`));
  }

  private updateState(): void {
    const next: GuardState = !this.broker ? (this.problems.length ? 'degraded' : 'starting') : this.broker.isKilled ? 'killed' : this.degradedBecause.length ? 'degraded' : 'armed';
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
    await this.server?.close();
    await this.audit?.close();
  }
}
