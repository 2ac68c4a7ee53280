import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { AuditLog } from '../core/audit/auditLog';
import { decisionEvent } from '../core/audit/events';
import { AuditLogSink } from '../core/broker/auditSink';
import { Broker, type Approver, type BrokerAuditRecord, type Logger } from '../core/broker/broker';
import { guardEnv } from '../core/broker/guardEnv';
import { CredentialAuthority } from '../core/identity/credentials';
import { BrokerServer, type ServerAddress } from '../core/ipc/server';
import { initShellParser } from '../core/shell/parser';
import { SETTINGS } from './ids';
import { dispose } from './logger';
import type { PolicyService } from './policyService';

export type GuardState = 'starting' | 'armed' | 'degraded' | 'killed';

export interface SessionDecision extends BrokerAuditRecord {
  seq: number;
}

const ENV_KEYS_DESCRIPTION = 'Agent Policy guards commands run in this terminal (PATH shims, shell trap, git pre-push hook).';

/**
 * Runs the broker inside the extension host and injects the guard into every new
 * integrated terminal. Terminals opened before it was ready are flagged as unguarded.
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
  readonly unguardedTerminals = new Set<vscode.Terminal>();
  readonly ready: Promise<void>;
  private readonly decided = new vscode.EventEmitter<SessionDecision>();
  readonly onDidDecide = this.decided.event;
  private readonly stateChanged = new vscode.EventEmitter<GuardState>();
  readonly onDidChangeState = this.stateChanged.event;
  private currentState: GuardState = 'starting';

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly policies: PolicyService,
    private readonly approver: Approver,
    private readonly logger: Logger,
  ) {
    // Terminals that exist now were started without the guard.
    for (const t of vscode.window.terminals) this.unguardedTerminals.add(t);
    this.disposables.push(
      this.decided,
      this.stateChanged,
      vscode.window.onDidCloseTerminal((t) => this.unguardedTerminals.delete(t)),
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
    if (this.unguardedTerminals.size) p.push(`${this.unguardedTerminals.size} terminal(s) opened before the guard started are not guarded`);
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
    const address = await this.server.listen();
    await this.inject(address);
    this.logger.info(`[guard] broker on ${address.socketPath} (port ${address.port}); audit log in ${this.auditDir}`);
    this.updateState();
  }

  private async inject(address: ServerAddress): Promise<void> {
    const agent = vscode.workspace.getConfiguration().get<string>(SETTINGS.agentId) || 'vscode-terminal';
    const { token } = await this.credentials!.issue(agent);
    this.env = guardEnv({ shimRoot: path.join(this.context.extensionPath, 'dist', 'shim'), socketPath: address.socketPath, port: address.port, token, base: {} });
    const c = this.context.environmentVariableCollection;
    c.persistent = false; // a credential from an old session must never reach a new terminal
    c.description = ENV_KEYS_DESCRIPTION;
    c.clear();
    const bin = this.env.AGENTPOLICY_SHIM_DIR;
    for (const [k, v] of Object.entries(this.env)) {
      if (k === 'PATH') c.prepend('PATH', bin + path.delimiter);
      else c.replace(k, v);
    }
  }

  private record(r: BrokerAuditRecord): void {
    const d: SessionDecision = { ...r, seq: ++this.seq };
    this.decisions.push(d);
    if (this.decisions.length > 5000) this.decisions.shift();
    this.decided.fire(d);
  }

  /** Kill switch: every credential and grant revoked; optionally close guarded terminals. */
  async killAll(): Promise<void> {
    await this.ready;
    this.broker?.killAll();
    if (vscode.workspace.getConfiguration().get<boolean>(SETTINGS.closeTerminalsOnBlock)) {
      for (const t of vscode.window.terminals) if (!this.unguardedTerminals.has(t)) t.dispose();
    }
    await this.auditControl('Agent Policy: Block All Agents (kill switch): every credential and session grant revoked');
    this.updateState();
  }

  /** After the kill switch: a fresh credential for new terminals. */
  async rearm(): Promise<void> {
    await this.ready;
    if (!this.broker || !this.server?.address) return;
    this.broker.rearm();
    await this.inject(this.server.address);
    await this.auditControl('Agent Policy: Re-arm Agents (approved by the developer)');
    this.updateState();
  }

  /** A protected file restored by the file guard: a denied write, in the log. */
  async auditFileRestore(what: string, ruleIds: string[]): Promise<void> {
    await this.ready;
    const decision = { effect: 'deny' as const, risk: 'critical' as const, ruleIds, layer: 'baseline' as const, reasons: [what], actions: [], verdicts: [], errors: [], ignored: [] };
    this.record({ time: new Date().toISOString(), agent: 'unknown', sessionId: 'file-guard', source: 'vscode', cwd: this.policies.workspace, what, decision, final: 'deny', approvedBy: undefined });
    await this.audit?.append(decisionEvent({ decision, agent: { id: 'unknown', attribution: 'file-watcher' }, context: { pep: 'vscode-file-guard' }, request: { path: what, kind: 'file.write' } })).catch((e) => this.logger.error(`[guard] audit: ${e}`));
  }

  /** The developer's own guard actions go in the log too. */
  private async auditControl(what: string): Promise<void> {
    const decision = { effect: 'deny' as const, risk: 'critical' as const, ruleIds: ['kill-switch'], layer: 'baseline' as const, reasons: [what], actions: [], verdicts: [], errors: [], ignored: [] };
    await this.audit?.append(decisionEvent({ decision, agent: { id: os.userInfo().username, attribution: 'developer' }, context: { pep: 'vscode' }, request: { commandLine: what, kind: 'command' } })).catch((e) => this.logger.error(`[guard] audit: ${e}`));
  }

  private updateState(): void {
    const next: GuardState = !this.broker ? (this.problems.length ? 'degraded' : 'starting') : this.broker.isKilled ? 'killed' : this.degradedBecause.length ? 'degraded' : 'armed';
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
