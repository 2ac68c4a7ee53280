import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Logger } from '../core/broker/broker';
import type { CompiledPolicy } from '../core/policy/compile';
import { formatPolicyError, type PolicyError } from '../core/policy/load';
import { POLICY_FILE, resolvePolicy } from '../core/policy/resolve';
import { CONTEXT, SETTINGS } from './ids';
import { dispose } from './logger';
import type { PolicyGate } from './policyGate';

/**
 * The policy in force for the workspace. It reads every policy file through the policy gate,
 * so only versions the person accepted are loaded (a change on disk is held until reviewed).
 * A broken file keeps the last good policy in force (or, if there never was one, the
 * built-in recommended policy) and says so.
 */
export class PolicyService implements vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private current?: CompiledPolicy;
  private lastErrors: PolicyError[] = [];
  private repo?: string;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly workspace: string;

  constructor(
    private readonly logger: Logger,
    private readonly gate: PolicyGate,
  ) {
    this.workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir();
    this.disposables.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(SETTINGS.orgPolicyPath) && this.reload()),
      gate.onDidAccept(() => this.reload()),
      this.changed,
    );
  }

  get policy(): CompiledPolicy {
    this.current ??= this.load() ?? this.fallback();
    return this.current;
  }

  get loaded(): boolean {
    return this.current !== undefined;
  }

  /** Problems with the files behind the policy in force (empty when they all loaded). */
  get errors(): readonly PolicyError[] {
    return this.lastErrors;
  }

  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  /** The repository's .agentpolicy.yaml in force, if there is one. */
  get repoFile(): string | undefined {
    void this.policy;
    return this.repo;
  }

  /** Where the repository policy is (or would be created). */
  get repoPath(): string {
    return path.join(this.workspace, POLICY_FILE);
  }

  /** The built-in recommended policy is in force as the user layer, and the repository has none. */
  get builtInOnly(): boolean {
    const layers = this.policy.layers;
    return !layers.some((l) => l.name === 'repo') && layers.some((l) => l.name === 'user' && l.file.startsWith('built-in:'));
  }

  reload(): void {
    const next = this.load();
    if (next) this.current = next;
    this.changed.fire();
  }

  /** Loads every layer; undefined when one failed (the caller keeps the last good policy). */
  private load(): CompiledPolicy | undefined {
    const org = vscode.workspace.getConfiguration().get<string>(SETTINGS.orgPolicyPath) || undefined;
    const r = resolvePolicy({ cwd: this.workspace, workspace: this.workspace, home: os.homedir(), orgPolicyFile: org, trustRepo: this.trusted, fs: this.gate.fileSystem });
    this.lastErrors = r.errors;
    if (r.errors.length) {
      for (const e of r.errors) this.logger.error(`[policy] ${formatPolicyError(e)}`);
      return undefined;
    }
    this.repo = r.repoFile;
    void vscode.commands.executeCommand('setContext', CONTEXT.hasRepoPolicy, !!r.repoFile);
    this.logger.info(`[policy] in force: ${r.policy.layers.map((l) => `${l.name} (${l.file})`).join(' < ')}${r.policy.ignored.length ? `; ignored: ${r.policy.ignored.length}` : ''}`);
    return r.policy;
  }

  private fallback(): CompiledPolicy {
    const home = os.homedir();
    const r = resolvePolicy({ cwd: path.join(os.tmpdir(), 'agentpolicy-no-repo'), workspace: this.workspace, home, trustRepo: false, fs: { readText: (f) => (f.startsWith(home) ? this.gate.fileSystem.readText(f) : undefined) } });
    return r.policy;
  }

  dispose(): void {
    this.disposables = dispose(this.disposables);
  }
}
