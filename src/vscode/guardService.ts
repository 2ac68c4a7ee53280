import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Approver, DecisionRecord, Logger } from '../core/broker/broker';
import { guardEnv } from '../core/broker/guardEnv';
import { GuardHost, type ControlReport } from '../core/broker/host';
import type { Subject } from '../core/identity/subject';
import type { ServerAddress } from '../core/ipc/server';
import { initShellParser } from '../core/shell/parser';
import { SETTINGS } from './ids';
import { dispose } from './logger';
import type { PolicyService } from './policyService';

export type GuardState = 'starting' | 'armed' | 'degraded' | 'killed';

export interface SessionDecision extends DecisionRecord {
  seq: number;
}

const ENV_KEYS_DESCRIPTION = 'Agent Policy guards commands run in this terminal (PATH shims, shell trap, git pre-push hook).';

/**
 * Runs the guard host (broker, credentials, audit log) inside the extension host and injects
 * the guard into every new integrated terminal. Terminals opened before it was ready are
 * flagged as unguarded.
 */
export class GuardService implements vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private host?: GuardHost;
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
    const p = [...this.problems, ...(this.host?.degradedBecause ?? [])];
    if (this.unguardedTerminals.size) p.push(`${this.unguardedTerminals.size} terminal(s) opened before the guard started are not guarded`);
    if (this.policies.errors.length) p.push(`the policy file has ${this.policies.errors.length} error(s); the last good policy stays in force`);
    return p;
  }

  get address(): ServerAddress | undefined {
    return this.host?.address;
  }

  get environment(): Record<string, string> {
    return { ...this.env };
  }

  /** The guard host (broker, credentials, audit log), once started. */
  get hostInstance(): GuardHost | undefined {
    return this.host;
  }

  get brokerInstance(): GuardHost['broker'] | undefined {
    return this.host?.broker;
  }

  /** The person at this VS Code window. */
  person(): Subject {
    return { kind: 'person', id: os.userInfo().username, method: 'editor', evidence: 'an action in the VS Code window' };
  }

  private async start(): Promise<void> {
    await initShellParser(path.join(this.context.extensionPath, 'dist'));
    // Load the policy now, in the background, so the first decision does not pay for it.
    this.logger.info(`[guard] ${this.policies.policy.rules.length} rules in force`);
    this.host = await GuardHost.start({
      policy: () => this.policies.policy,
      workspace: this.policies.workspace,
      approver: this.approver,
      logger: this.logger,
      user: os.userInfo().username,
      register: true,
      onDecision: (r) => this.record(r),
      onStateChange: () => this.updateState(),
      approvalTimeoutSeconds: () => vscode.workspace.getConfiguration().get<number>(SETTINGS.approvalTimeoutSeconds) ?? 60,
    });
    const address = this.host.address!;
    await this.inject(address);
    this.logger.info(`[guard] broker on ${address.socketPath} (port ${address.port}); audit log in ${this.auditDir}`);
    this.updateState();
  }

  /** Where this window's decisions are written. */
  get auditDir(): string {
    return this.host?.audit?.dir ?? '(no audit log)';
  }

  private async inject(address: ServerAddress): Promise<void> {
    const agent = vscode.workspace.getConfiguration().get<string>(SETTINGS.agentId) || 'vscode-terminal';
    const { token } = await this.host!.issueSession({ id: agent, kind: 'unknown', method: 'terminal' });
    this.env = guardEnv({ shimRoot: path.join(this.context.extensionPath, 'dist', 'shim'), socketPath: address.socketPath, port: address.port, token, proof: this.host!.proof, base: {} });
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

  private record(r: DecisionRecord): void {
    const d: SessionDecision = { ...r, seq: r.seq ?? ++this.seq };
    this.decisions.push(d);
    if (this.decisions.length > 5000) this.decisions.shift();
    this.decided.fire(d);
  }

  /** Kill switch: every credential and grant revoked; optionally close guarded terminals. */
  async killAll(): Promise<void> {
    await this.ready;
    await this.host?.killAll(this.person());
    if (vscode.workspace.getConfiguration().get<boolean>(SETTINGS.closeTerminalsOnBlock)) {
      for (const t of vscode.window.terminals) if (!this.unguardedTerminals.has(t)) t.dispose();
    }
    this.updateState();
  }

  /** After the kill switch: a fresh credential for new terminals. */
  async rearm(): Promise<void> {
    await this.ready;
    if (!this.host?.address) return;
    await this.host.rearm(this.person());
    await this.inject(this.host.address);
    this.updateState();
  }

  /** A protected file restored by the file guard: a typed control event in the log. */
  async auditFileRestore(file: string, what: string, ruleIds: string[]): Promise<void> {
    await this.ready;
    const unknown: Subject = { kind: 'unknown', id: 'unknown', method: 'none', evidence: 'a change on disk not made in this editor' };
    await this.control({ event: 'file-restore', subject: unknown, outcome: 'done', detail: `${file}: ${what}`, data: { path: file, ruleIds } });
  }

  /** Writes a control event through the host. */
  async control(report: ControlReport): Promise<void> {
    await this.host?.control(report);
  }

  private updateState(): void {
    const next: GuardState = !this.host ? (this.problems.length ? 'degraded' : 'starting') : this.host.state === 'killed' ? 'killed' : this.degradedBecause.length ? 'degraded' : 'armed';
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
