import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Logger } from '../core/broker/broker';
import type { CompiledPolicy } from '../core/policy/compile';
import { formatPolicyError, type PolicyError } from '../core/policy/load';
import { nodePolicyFileSystem, resolvePolicy } from '../core/policy/resolve';
import { SETTINGS } from './ids';
import { dispose } from './logger';


/**
 * The policy in force for the workspace: reloaded when a policy file or workspace trust
 * changes. A broken file keeps the last good policy in force (or, if there never was one,
 * the built-in recommended policy) and says so.
 */
export class PolicyService implements vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private current?: CompiledPolicy;
  private lastErrors: PolicyError[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly workspace: string;

  constructor(private readonly logger: Logger) {
    this.workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir();
    // Loaded on first use, off the activation path.
    // Policy files are protected: the file guard reloads us once a change is accepted, so a
    // change an agent made is never loaded, not even for the moment before it is reverted.
    this.disposables.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(SETTINGS.orgPolicyPath) && this.reload()),
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

  reload(): void {
    const next = this.load();
    if (next) this.current = next;
    this.changed.fire();
  }

  /** Loads every layer; undefined when one failed (the caller keeps the last good policy). */
  private load(): CompiledPolicy | undefined {
    const org = vscode.workspace.getConfiguration().get<string>(SETTINGS.orgPolicyPath) || undefined;
    const r = resolvePolicy({ cwd: this.workspace, workspace: this.workspace, home: os.homedir(), orgPolicyFile: org, trustRepo: this.trusted, fs: nodePolicyFileSystem });
    this.lastErrors = r.errors;
    if (r.errors.length) {
      for (const e of r.errors) this.logger.error(`[policy] ${formatPolicyError(e)}`);
      return undefined;
    }
    this.logger.info(`[policy] in force: ${r.policy.layers.map((l) => `${l.name} (${l.file})`).join(' < ')}${r.policy.ignored.length ? `; ignored: ${r.policy.ignored.length}` : ''}`);
    return r.policy;
  }

  private fallback(): CompiledPolicy {
    const r = resolvePolicy({ cwd: path.join(os.tmpdir(), 'agentpolicy-no-repo'), workspace: this.workspace, home: os.homedir(), trustRepo: false, fs: { readText: (f) => (f.startsWith(os.homedir()) ? nodePolicyFileSystem.readText(f) : undefined) } });
    return r.policy;
  }

  dispose(): void {
    this.disposables = dispose(this.disposables);
  }
}
