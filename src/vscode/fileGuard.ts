import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Logger } from '../core/broker/broker';
import { decide } from '../core/pdp/decide';
import { dispose } from './logger';
import type { PolicyService } from './policyService';

/** Large files are not snapshotted (protected state is small config). */
const MAX_SNAPSHOT = 1 << 20;

/**
 * The backstop for protected paths: a snapshot of each protected file as last known good
 * (at activation and after each approved change). A change nobody approved — on disk from
 * a terminal, or saved from an editor — is reverted from the snapshot, the developer is
 * told what and why, and it is audited. Agents with hook adapters are stopped before they
 * write; this catches everything else after the fact.
 */
export class FileGuard implements vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  /** Absolute path → content when last known good (null: it did not exist). */
  private readonly snapshots = new Map<string, Buffer | null>();
  private readonly approved = new Set<string>();
  private readonly restoredEmitter = new vscode.EventEmitter<string>();
  readonly onDidRestore = this.restoredEmitter.event;
  private readonly acceptedEmitter = new vscode.EventEmitter<string>();
  /** A protected file changed with approval (the policy may need reloading). */
  readonly onDidAccept = this.acceptedEmitter.event;
  readonly restored: string[] = [];

  constructor(
    private readonly policies: PolicyService,
    private readonly logger: Logger,
    private readonly audit: (file: string, what: string, ruleIds: string[]) => Promise<void>,
  ) {
    this.disposables.push(this.restoredEmitter, this.acceptedEmitter, policies.onDidChange(() => void this.rewatch()));
    // Snapshots are taken just after activation, not on its path.
    const t = setTimeout(() => void this.rewatch(), 0);
    this.disposables.push({ dispose: () => clearTimeout(t) });
  }

  /** The extension itself is about to change `file` on the developer's behalf (Create Policy, Keep). */
  approve(file: string): void {
    this.approved.add(path.resolve(file));
  }

  private patterns(): { base: string; glob: string }[] {
    const ws = this.policies.workspace;
    const home = os.homedir();
    return this.policies.policy.protectedPatterns
      .filter((p) => !p.startsWith('!'))
      .map((raw) => {
        const p = raw.replace(/\/+$/, '');
        const folder = raw.endsWith('/');
        const suffix = folder ? '/**' : '';
        if (p.startsWith('~/')) return splitAbsolute(path.join(home, p.slice(2)) + suffix);
        if (p.startsWith('/')) return splitAbsolute(p + suffix);
        if (!p.includes('/')) return { base: ws, glob: `**/${p}${suffix}` };
        return { base: ws, glob: p.replace(/^\.\//, '') + suffix };
      });
  }

  private async rewatch(): Promise<void> {
    this.watchers = dispose(this.watchers);
    for (const { base, glob } of this.patterns()) {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(base), glob));
      this.watchers.push(w, w.onDidChange((u) => void this.changed(u.fsPath)), w.onDidCreate((u) => void this.changed(u.fsPath)), w.onDidDelete((u) => void this.changed(u.fsPath)));
      // Snapshot what exists now as last known good.
      const found = await vscode.workspace.findFiles(new vscode.RelativePattern(vscode.Uri.file(base), glob), undefined, 200).then(undefined, () => []);
      for (const u of found) if (!this.snapshots.has(u.fsPath)) this.snapshots.set(u.fsPath, readSmall(u.fsPath));
    }
    // Files that do not exist yet are protected too: their snapshot is "absent".
    for (const f of [path.join(this.policies.workspace, '.agentpolicy.yaml')]) if (!this.snapshots.has(f)) this.snapshots.set(f, readSmall(f));
  }

  /** Is `file` protected by the policy in force? Returns the deciding rule ids. */
  protectedBy(file: string): string[] | undefined {
    const d = decide(this.policies.policy, { kind: 'file.write', path: file, cwd: this.policies.workspace });
    return d.effect === 'deny' && d.ruleIds.includes('protected') ? d.ruleIds : undefined;
  }

  private async changed(file: string): Promise<void> {
    const rules = this.protectedBy(file);
    if (!rules) return;
    const now = readSmall(file);
    if (this.approved.delete(path.resolve(file))) {
      this.snapshots.set(file, now);
      this.acceptedEmitter.fire(file);
      return;
    }
    const before = this.snapshots.has(file) ? this.snapshots.get(file)! : undefined;
    if (before === undefined) {
      // Never seen: the first sighting becomes the snapshot (e.g. a folder's file found late).
      this.snapshots.set(file, now);
      this.acceptedEmitter.fire(file);
      return;
    }
    if (same(before, now)) return;
    try {
      if (before === null) fs.rmSync(file, { force: true });
      else {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, before);
      }
    } catch (e) {
      this.logger.error(`[fileGuard] could not restore ${file}: ${e}`);
      void vscode.window.showErrorMessage(`Agent Policy could not restore the protected file ${file}: ${(e as Error).message}`);
      return;
    }
    this.restored.push(file);
    this.restoredEmitter.fire(file);
    const what = `${before === null ? 'removed' : now === null ? 'recreated' : 'restored'} ${file} after an unapproved change (rule ${rules.join(', ')})`;
    this.logger.info(`[fileGuard] ${what}`);
    await this.audit(file, what, rules);
    const keep = 'Keep the change';
    const choice = await vscode.window.showWarningMessage(`Agent Policy ${what}. Protected files only change with your approval.`, keep, 'Show Log');
    if (choice === keep) {
      this.approve(file);
      if (now === null) fs.rmSync(file, { force: true });
      else fs.writeFileSync(file, now);
    } else if (choice === 'Show Log') {
      void vscode.commands.executeCommand('workbench.action.output.show.extension-output-agentpolicy.agent-policy-#1-Agent Policy');
    }
  }

  dispose(): void {
    this.watchers = dispose(this.watchers);
    this.disposables = dispose(this.disposables);
  }
}

function splitAbsolute(p: string): { base: string; glob: string } {
  const parts = p.split('/');
  const g = parts.findIndex((c) => /[*?[{]/.test(c));
  const cut = g < 0 ? parts.length - 1 : g;
  return { base: parts.slice(0, cut).join('/') || '/', glob: parts.slice(cut).join('/') };
}

function readSmall(file: string): Buffer | null {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > MAX_SNAPSHOT) return null;
    return fs.readFileSync(file);
  } catch {
    return null;
  }
}

function same(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}
