import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Logger } from '../core/broker/broker';
import type { Subject } from '../core/identity/subject';
import { formatPolicyError, loadPolicyText } from '../core/policy/load';
import { nodePolicyFileSystem, type PolicyFileSystem } from '../core/policy/resolve';
import { diffStat, unifiedDiff } from '../core/text/diff';
import { dispose } from './logger';

export const ACCEPTED_SCHEME = 'agentpolicy-in-force';

/** How long after a save from the editor the change on disk still counts as that save. */
const SAVE_MATCH_MS = 10_000;

/** A change to a policy file that is on disk but not in force. */
export interface HeldChange {
  readonly file: string;
  /** What is on disk (null: the file was deleted). */
  readonly text: string | null;
  /** The person saved it in the editor, or something else wrote it (an agent, a script, git). */
  readonly by: 'person' | 'unknown';
  readonly subject: Subject;
  readonly since: number;
  /** Load errors of `text`, if any (a broken file is never put in force). */
  readonly errors: string[];
}

/** What the gate writes to the audit log; see auditPolicyChange in guardService.ts. */
export interface PolicyChangeAudit {
  file: string;
  subject: Subject;
  outcome: 'applied' | 'held' | 'restored' | 'kept';
  summary: string;
  /** The text in force before, and the text applied, held or restored (null: no file). */
  before: string | null;
  after: string | null;
}

/**
 * Policy files only take effect when the person says so. The policy service reads every policy
 * file through {@link PolicyGate.fileSystem}, which returns the version in force (accepted), not
 * what is on disk:
 * - an edit the person makes in the editor (typed in a visible editor, then saved) is never
 *   reverted; it takes effect after one confirmation showing the diff (a modal dialog, which no
 *   agent can click). An explicit save asks at once; an auto-save waits for the person to click
 *   "Review and apply" so no dialog interrupts typing;
 * - a change on disk that no editor save explains (an agent, a script, git) is held: not loaded,
 *   the file left as it is, and a review offered (diff, Keep, Restore);
 * - the version in force at activation is the one on disk then (trust on first use).
 */
export class PolicyGate implements vscode.Disposable, vscode.TextDocumentContentProvider {
  private disposables: vscode.Disposable[] = [];
  private watchers = new Map<string, vscode.Disposable>();
  /** Absolute path → the text in force (null: no such file is in force). */
  private readonly accepted = new Map<string, string | null>();
  private readonly heldChanges = new Map<string, HeldChange>();
  /** Files the person typed in, since their last save. */
  private readonly typed = new Set<string>();
  /** Saves from the editor: file → text, reason, time. */
  private readonly saves = new Map<string, { text: string; manual: boolean; at: number }>();
  /** Writes this extension makes on the person's command (Create Policy, Restore). */
  private readonly expected = new Map<string, string | null>();
  private readonly pendingChecks = new Map<string, NodeJS.Timeout>();
  private readonly acceptedChanged = new vscode.EventEmitter<string>();
  /** A new version of a policy file is in force: reload. */
  readonly onDidAccept = this.acceptedChanged.event;
  private readonly heldChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeHeld = this.heldChanged.event;
  private readonly docChanged = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.docChanged.event;

  /** What the policy service reads: the version in force of a gated file. */
  readonly fileSystem: PolicyFileSystem = {
    readText: (file) => {
      const f = path.resolve(file);
      if (!this.accepted.has(f)) {
        // First sight: what is on disk now is in force (trust on first use), and watched from here on.
        const text = nodePolicyFileSystem.readText(f);
        this.accepted.set(f, text ?? null);
        this.watch(f);
      }
      return this.accepted.get(f) ?? undefined;
    },
  };

  constructor(
    private readonly logger: Logger,
    private readonly audit: (a: PolicyChangeAudit) => Promise<void>,
    private readonly user = os.userInfo().username,
  ) {
    this.disposables.push(
      this.acceptedChanged,
      this.heldChanged,
      this.docChanged,
      vscode.workspace.registerTextDocumentContentProvider(ACCEPTED_SCHEME, this),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const f = this.gated(e.document.uri);
        // A content change in an editor the person sees, while the window has focus: typing, paste, undo.
        if (f && e.contentChanges.length && vscode.window.visibleTextEditors.some((ed) => ed.document === e.document)) this.typed.add(f);
      }),
      vscode.workspace.onWillSaveTextDocument((e) => {
        const f = this.gated(e.document.uri);
        if (!f) return;
        if (this.typed.has(f) || e.reason === vscode.TextDocumentSaveReason.Manual) {
          this.saves.set(f, { text: e.document.getText(), manual: e.reason === vscode.TextDocumentSaveReason.Manual, at: Date.now() });
        }
      }),
      vscode.workspace.onDidSaveTextDocument((d) => {
        const f = this.gated(d.uri);
        if (f) this.checkSoon(f);
      }),
      { dispose: () => this.pendingChecks.forEach((t) => clearTimeout(t)) },
    );
  }

  /** The held changes, oldest first. */
  get held(): HeldChange[] {
    return [...this.heldChanges.values()].sort((a, b) => a.since - b.since);
  }

  isGated(file: string): boolean {
    return this.accepted.has(path.resolve(file));
  }

  /** The version in force of a gated file (undefined: not gated; null: absent). */
  inForce(file: string): string | null | undefined {
    return this.accepted.get(path.resolve(file));
  }

  /** The extension is about to write `text` to `file` because the person asked (Create Policy, Restore). */
  expectWrite(file: string, text: string | null): void {
    this.expected.set(path.resolve(file), text);
  }

  /** The person's command wrote this policy file: in force now, audited as theirs. */
  async acceptOwnWrite(file: string, text: string, what: string): Promise<void> {
    const f = path.resolve(file);
    if (!this.accepted.has(f)) this.watch(f);
    await this.accept(f, text, { kind: 'person', id: this.user, method: 'editor', evidence: what }, 'applied', what);
  }

  private gated(uri: vscode.Uri): string | undefined {
    if (uri.scheme !== 'file') return undefined;
    const f = path.resolve(uri.fsPath);
    return this.accepted.has(f) ? f : undefined;
  }

  private watch(f: string): void {
    if (this.watchers.has(f)) return;
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(f)), path.basename(f)));
    const on = () => this.checkSoon(f);
    this.watchers.set(f, vscode.Disposable.from(w, w.onDidChange(on), w.onDidCreate(on), w.onDidDelete(on)));
  }

  /** Coalesces the watcher's and the save's events for one change. */
  private checkSoon(f: string): void {
    clearTimeout(this.pendingChecks.get(f));
    this.pendingChecks.set(f, setTimeout(() => {
      this.pendingChecks.delete(f);
      void this.check(f).catch((e) => this.logger.error(`[policyGate] ${f}: ${(e as Error).stack ?? e}`));
    }, 150));
  }

  /** Looks at what is on disk now and decides: nothing to do, the person's edit, or held. */
  async check(f: string): Promise<void> {
    const disk = readText(f);
    const inForce = this.accepted.get(f) ?? null;
    if (this.expected.has(f) && this.expected.get(f) === disk) {
      this.expected.delete(f);
      this.clearHeld(f);
      return;
    }
    if (disk === inForce) {
      this.clearHeld(f);
      this.saves.delete(f);
      return;
    }
    const save = this.saves.get(f);
    const fromEditor = save !== undefined && save.text === disk && Date.now() - save.at < SAVE_MATCH_MS;
    const errors = disk === null ? [] : loadErrors(disk, f);
    if (fromEditor) {
      this.saves.delete(f);
      this.typed.delete(f);
      const subject: Subject = { kind: 'person', id: this.user, method: 'editor', evidence: `saved in the editor (${save.manual ? 'explicit save' : 'auto-save'}) after typing` };
      this.setHeld({ file: f, text: disk, by: 'person', subject, since: Date.now(), errors });
      // A broken edit is never applied; the diagnostics show why. Fixed and saved, it asks then.
      if (errors.length) return;
      if (save.manual) await this.review(f);
      else void this.pointTo(f, `Your change to ${this.label(f)} is saved but not in force yet.`, 'Review and apply…');
      return;
    }
    const subject: Subject = { kind: 'unknown', id: 'unknown', method: 'none', evidence: `changed on disk outside the editor (file watcher); no editor save matches it` };
    const change: HeldChange = { file: f, text: disk, by: 'unknown', subject, since: Date.now(), errors };
    const already = this.heldChanges.get(f);
    this.setHeld(change);
    if (already?.text === disk) return;
    this.logger.info(`[policyGate] held: ${f} changed on disk outside the editor (${disk === null ? 'deleted' : diffStat(inForce ?? '', disk)})`);
    await this.audit({ file: f, subject, outcome: 'held', summary: `${disk === null ? 'deleted' : diffStat(inForce ?? '', disk)}; not in force until the person reviews it`, before: inForce, after: disk });
    void this.pointTo(f, `A change to ${this.label(f)} made outside the editor (an agent or another program) is held: the policy in force is unchanged.`, 'Review…');
  }

  private async pointTo(f: string, message: string, action: string): Promise<void> {
    const choice = await vscode.window.showWarningMessage(`Agent Policy: ${message}`, action);
    if (choice === action) await this.review(f);
  }

  /** Opens the diff (in force ↔ on disk) and asks once, in a modal dialog. */
  async review(file?: string): Promise<void> {
    const f = file ? path.resolve(file) : this.held[0]?.file;
    const h = f ? this.heldChanges.get(f) : undefined;
    if (!f || !h) {
      void vscode.window.showInformationMessage('Agent Policy: no policy change is waiting for review.');
      return;
    }
    const inForce = this.accepted.get(f) ?? '';
    const now = h.text ?? '';
    const left = vscode.Uri.from({ scheme: ACCEPTED_SCHEME, path: f });
    this.docChanged.fire(left);
    const right = h.text === null ? vscode.Uri.from({ scheme: ACCEPTED_SCHEME, path: f, query: 'deleted' }) : vscode.Uri.file(f);
    await vscode.commands.executeCommand('vscode.diff', left, right, `${path.basename(f)}: in force ↔ ${h.by === 'person' ? 'your edit' : 'changed on disk'}`, { preview: true });
    const diff = h.text === null ? ['(the file was deleted)'] : unifiedDiff(inForce, now);
    const stat = h.text === null ? 'deleted' : diffStat(inForce, now);
    if (h.errors.length && h.by === 'person') {
      void vscode.window.showErrorMessage(`Agent Policy: ${this.label(f)} has ${h.errors.length} error(s), so it cannot be put in force: ${h.errors[0]}`);
      return;
    }
    if (h.by === 'person') {
      const apply: vscode.MessageItem = { title: 'Apply' };
      const choice = await vscode.window.showWarningMessage(
        `Apply your change to ${this.label(f)}?`,
        { modal: true, detail: `${stat}. The diff is open in the editor.\n\n${diff.join('\n')}\n\nUntil you apply it, the policy in force stays as it was; your text stays as you wrote it.` },
        apply,
        { title: 'Not now', isCloseAffordance: true } as vscode.MessageItem,
      );
      if (choice === apply && this.heldChanges.get(f)?.text === h.text) await this.accept(f, h.text, h.subject, 'applied', stat);
      return;
    }
    const restore: vscode.MessageItem = { title: 'Restore the version in force' };
    const keep: vscode.MessageItem = { title: 'Keep the change' };
    const broken = h.errors.length ? `\n\nIt cannot be kept: ${h.errors.length} error(s), first: ${h.errors[0]}` : '';
    const choice = await vscode.window.showWarningMessage(
      `A change to ${this.label(f)} was made outside the editor. ${broken ? 'Restore the version in force?' : 'Keep it?'}`,
      { modal: true, detail: `${stat}; ${h.subject.evidence}. The diff is open in the editor.\n\n${diff.join('\n')}\n\nRestore writes the version in force back to the file.${broken ? '' : ' Keep puts this change in force.'}${broken}` },
      restore,
      ...(broken ? [] : [keep]),
      { title: 'Decide later', isCloseAffordance: true } as vscode.MessageItem,
    );
    if (this.heldChanges.get(f)?.text !== h.text) return; // changed again meanwhile: a new review follows
    const person: Subject = { kind: 'person', id: this.user, method: 'editor', evidence: 'reviewed the held change in a modal dialog' };
    if (choice === keep) await this.accept(f, h.text, person, 'kept', stat);
    else if (choice === restore) await this.restore(f, person, stat);
  }

  private async accept(f: string, text: string | null, subject: Subject, outcome: 'applied' | 'kept', summary: string): Promise<void> {
    const before = this.accepted.get(f) ?? null;
    this.accepted.set(f, text);
    this.clearHeld(f);
    this.docChanged.fire(vscode.Uri.from({ scheme: ACCEPTED_SCHEME, path: f }));
    this.logger.info(`[policyGate] ${outcome}: ${f} (${summary}) by ${subject.kind} ${subject.id}`);
    await this.audit({ file: f, subject, outcome, summary, before, after: text });
    this.acceptedChanged.fire(f);
  }

  private async restore(f: string, subject: Subject, summary: string): Promise<void> {
    const text = this.accepted.get(f) ?? null;
    this.expectWrite(f, text);
    try {
      if (text === null) fs.rmSync(f, { force: true });
      else {
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, text);
      }
    } catch (e) {
      this.expected.delete(f);
      void vscode.window.showErrorMessage(`Agent Policy could not restore ${f}: ${(e as Error).message}`);
      return;
    }
    this.clearHeld(f);
    await this.audit({ file: f, subject, outcome: 'restored', summary: `${summary} undone`, before: text, after: text });
    void vscode.window.showInformationMessage(`Agent Policy: restored ${this.label(f)} to the version in force.`);
  }

  private setHeld(h: HeldChange): void {
    this.heldChanges.set(h.file, h);
    this.heldChanged.fire();
    void vscode.commands.executeCommand('setContext', 'agentPolicy.heldPolicyChanges', this.heldChanges.size);
  }

  private clearHeld(f: string): void {
    if (!this.heldChanges.delete(f)) return;
    this.heldChanged.fire();
    void vscode.commands.executeCommand('setContext', 'agentPolicy.heldPolicyChanges', this.heldChanges.size);
  }

  private label(f: string): string {
    const home = os.homedir();
    return f.startsWith(home + path.sep) ? '~' + f.slice(home.length) : path.basename(f);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    if (uri.query === 'deleted') return '';
    return this.accepted.get(path.resolve(uri.path)) ?? '';
  }

  dispose(): void {
    this.watchers.forEach((w) => w.dispose());
    this.watchers.clear();
    this.disposables = dispose(this.disposables);
  }
}

function readText(f: string): string | null {
  try {
    return nodePolicyFileSystem.readText(f) ?? null;
  } catch {
    return null;
  }
}

function loadErrors(text: string, file: string): string[] {
  const r = loadPolicyText(text, file);
  return r.ok ? [] : r.errors.map(formatPolicyError);
}
