import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Logger } from '../core/broker/broker';
import type { Subject } from '../core/identity/subject';
import { decide } from '../core/pdp/decide';
import { diffStat, unifiedDiff } from '../core/text/diff';
import { COMMANDS } from './ids';
import { dispose } from './logger';
import type { PolicyGate } from './policyGate';
import type { PolicyService } from './policyService';

/** Large files are not snapshotted (protected state is small config). */
const MAX_SNAPSHOT = 1 << 20;
const SAVE_MATCH_MS = 10_000;
export const REJECTED_SCHEME = 'agentpolicy-rejected';

/**
 * The backstop for protected paths other than policy files (agent configs with hooks, the
 * guard's own state): a snapshot of each as last known good. A change the person saves in the
 * editor is theirs and stays. A change on disk nobody approved is put back from the snapshot at
 * once (an agent config takes effect the moment it is read), the person is told, can review
 * the diff and keep it. Policy files are the policy gate's (held, not reverted).
 */
export class FileGuard implements vscode.Disposable, vscode.TextDocumentContentProvider {
  private disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  /** Absolute path → content when last known good (null: it did not exist). */
  private readonly snapshots = new Map<string, Buffer | null>();
  /** The change that was put back, for review: path → content. */
  private readonly rejected = new Map<string, Buffer | null>();
  private readonly approved = new Set<string>();
  private readonly saves = new Map<string, { text: string; at: number }>();
  private readonly typed = new Set<string>();
  private readonly restoredEmitter = new vscode.EventEmitter<string>();
  readonly onDidRestore = this.restoredEmitter.event;
  readonly restored: string[] = [];

  constructor(
    private readonly policies: PolicyService,
    private readonly gate: PolicyGate,
    private readonly logger: Logger,
    private readonly audit: (what: string, file: string, subject: Subject, effect: 'allow' | 'deny', ruleIds?: string[]) => Promise<void>,
  ) {
    this.disposables.push(
      this.restoredEmitter,
      vscode.workspace.registerTextDocumentContentProvider(REJECTED_SCHEME, this),
      policies.onDidChange(() => void this.rewatch()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        // Typed (or pasted, undone) in an editor the person sees.
        if (e.document.uri.scheme === 'file' && e.contentChanges.length && vscode.window.visibleTextEditors.some((ed) => ed.document === e.document)) this.typed.add(path.resolve(e.document.uri.fsPath));
      }),
      vscode.workspace.onWillSaveTextDocument((e) => {
        const f = path.resolve(e.document.uri.fsPath);
        if (e.document.uri.scheme === 'file' && (this.typed.delete(f) || e.reason === vscode.TextDocumentSaveReason.Manual)) this.saves.set(f, { text: e.document.getText(), at: Date.now() });
      }),
    );
    // Snapshots are taken just after activation, not on its path.
    const t = setTimeout(() => void this.rewatch(), 0);
    this.disposables.push({ dispose: () => clearTimeout(t) });
  }

  /** The extension itself is about to change `file` on the person's behalf (Keep). */
  approve(file: string): void {
    this.approved.add(path.resolve(file));
  }

  /**
   * The extension has just written `content` to `file` itself (null: deleted it), on the
   * person's click: that is the last known good version now. Called right after the write,
   * before the watcher's event is handled, so only a different change is put back.
   */
  acceptOwnWrite(file: string, content: string | null): void {
    this.snapshots.set(path.resolve(file), content === null ? null : Buffer.from(content));
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

  /** The first scan is done: a protected file seen only later did not exist before (its snapshot is "absent"). */
  private scanned = false;

  private async rewatch(): Promise<void> {
    this.watchers = dispose(this.watchers);
    for (const { base, glob } of this.patterns()) {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(base), glob));
      this.watchers.push(w, w.onDidChange((u) => void this.changed(u.fsPath)), w.onDidCreate((u) => void this.changed(u.fsPath)), w.onDidDelete((u) => void this.changed(u.fsPath)));
      // Snapshot what exists now as last known good.
      const found = await vscode.workspace.findFiles(new vscode.RelativePattern(vscode.Uri.file(base), glob), undefined, 200).then(undefined, () => []);
      for (const u of found) if (!this.snapshots.has(u.fsPath)) this.snapshots.set(u.fsPath, readSmall(u.fsPath));
    }
    this.scanned = true;
  }

  /** Is `file` protected by the policy in force? Returns the deciding rule ids. */
  protectedBy(file: string): string[] | undefined {
    const d = decide(this.policies.policy, { kind: 'file.write', path: file, cwd: this.policies.workspace });
    return d.effect === 'deny' && d.ruleIds.includes('protected') ? d.ruleIds : undefined;
  }

  private async changed(file: string): Promise<void> {
    file = path.resolve(file);
    // Policy files are held by the policy gate, never reverted.
    if (this.gate.isGated(file) || path.basename(file) === '.agentpolicy.yaml') return;
    const rules = this.protectedBy(file);
    if (!rules) return;
    const now = readSmall(file);
    const save = this.saves.get(file);
    if (this.approved.delete(file)) {
      this.snapshots.set(file, now);
      return;
    }
    if (save && now !== null && now.toString('utf8') === save.text && Date.now() - save.at < SAVE_MATCH_MS) {
      // The person saved it in the editor: theirs, kept, and audited as theirs.
      this.saves.delete(file);
      this.snapshots.set(file, now);
      const person: Subject = { kind: 'person', id: os.userInfo().username, method: 'editor', evidence: 'saved in the editor' };
      await this.audit(`the person saved protected file ${file} in the editor`, file, person, 'allow');
      return;
    }
    // Not seen by the first scan: it did not exist then, so its creation is a change like any other.
    const before = this.snapshots.has(file) ? this.snapshots.get(file)! : this.scanned ? null : undefined;
    if (before === undefined) {
      // Still scanning: the first sighting becomes the snapshot.
      this.snapshots.set(file, now);
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
    this.rejected.set(file, now);
    this.restored.push(file);
    this.restoredEmitter.fire(file);
    const what = `${before === null ? 'removed' : now === null ? 'recreated' : 'restored'} ${file} after a change made outside the editor (rule ${rules.join(', ')})`;
    this.logger.info(`[fileGuard] ${what}`);
    const unknown: Subject = { kind: 'unknown', id: 'unknown', method: 'none', evidence: 'changed on disk outside the editor (file watcher)' };
    await this.audit(what, file, unknown, 'deny', rules);
    const review = 'Review the change…';
    const choice = await vscode.window.showWarningMessage(`Agent Policy ${what}. Protected files change only with your approval.`, review, 'Show Log');
    if (choice === review) await this.review(file);
    else if (choice === 'Show Log') await vscode.commands.executeCommand(COMMANDS.showLog);
  }

  /** The diff of what was put back and what was written, and Keep. */
  async review(file: string): Promise<void> {
    if (!this.rejected.has(file)) return;
    const change = this.rejected.get(file)!;
    const right = vscode.Uri.from({ scheme: REJECTED_SCHEME, path: file, query: String(Date.now()) });
    await vscode.commands.executeCommand('vscode.diff', vscode.Uri.file(file), right, `${path.basename(file)}: restored ↔ the change that was undone`, { preview: true });
    const before = readSmall(file)?.toString('utf8') ?? '';
    const after = change?.toString('utf8') ?? '';
    const keep: vscode.MessageItem = { title: 'Keep the change' };
    const choice = await vscode.window.showWarningMessage(
      `Keep the change to ${path.basename(file)} that was undone?`,
      { modal: true, detail: `${change === null ? 'It deleted the file.' : diffStat(before, after)}. The diff is open in the editor.\n\n${unifiedDiff(before, after).join('\n')}` },
      keep,
      { title: 'Leave it restored', isCloseAffordance: true } as vscode.MessageItem,
    );
    if (choice !== keep) return;
    this.approve(file);
    if (change === null) fs.rmSync(file, { force: true });
    else fs.writeFileSync(file, change);
    this.rejected.delete(file);
    const person: Subject = { kind: 'person', id: os.userInfo().username, method: 'editor', evidence: 'kept the undone change after reviewing its diff' };
    await this.audit(`the person kept a reviewed change to ${file}`, file, person, 'allow');
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.rejected.get(path.resolve(uri.path))?.toString('utf8') ?? '';
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
