import * as vscode from 'vscode';
import type { ApprovalAnswer, ApprovalRequest, Approver } from '../core/broker/broker';
import type { Subject } from '../core/identity/subject';
import type { CompiledPolicy } from '../core/policy/compile';
import { decidingActions, howToProceed, layerFile } from '../core/text/advice';
import { describeFindings, displayed, displayText, type Displayed } from '../core/text/display';
import { COMMANDS, SETTINGS } from './ids';

/** One request waiting for the person. */
export interface PendingRequest {
  readonly id: number;
  readonly req: ApprovalRequest;
  /** The command as shown: control, invisible and look-alike characters escaped. */
  readonly shown: Displayed;
  readonly startedAt: number;
  /** When the broker's timeout will deny it (ms since epoch; the same rule the broker applies). */
  readonly deadline: number;
  /** High and critical risk also get a modal dialog. */
  readonly modal: boolean;
  readonly text: ApprovalText;
}

/** Everything a prompt shows, built once per request. */
export interface ApprovalText {
  /** `claude-code wants to delete recursively /w/dist` (escaped). */
  title: string;
  /** Who: the subject's id and how it was established, when the broker sent one. */
  who: string;
  why: string;
  rule: string;
  advice: string;
  /** What was escaped in the command, or ''. */
  findings: string;
  risk: string;
}

const DENY = 'Deny';
const ALLOW_ONCE = 'Allow once';
const ALLOW_SESSION = 'Allow for this session';
const EXPLAIN = 'Explain';
const LATER = 'Decide later';

/** The words shown for a request: what, who, why, which rule in which file, how to proceed. */
export function approvalText(req: ApprovalRequest, policy: CompiledPolicy): ApprovalText {
  const d = req.decision;
  const asks = d.verdicts.filter((v) => v.effect === 'ask');
  const first = asks[0];
  // The command itself is shown once, elsewhere; the title names what it would do beyond running.
  const effects = decidingActions({ ...d, verdicts: asks.filter((v) => v.action.kind !== 'command') });
  const actions = displayText(effects || 'run this command', { maxLength: 200 });
  const subject: Subject = req.subject;
  const agent = displayText(subject.id, { maxLength: 60 });
  const where = first ? layerFile(policy, first.layer).file : '';
  return {
    title: `${agent} wants to ${actions}`,
    who: `${agent} (${subject.kind}, by ${subject.method}: ${displayText(subject.evidence, { maxLength: 160 })})`,
    why: displayText(first?.reason ?? d.reasons[0] ?? '', { maxLength: 400 }),
    rule: first?.ruleIds.length ? `rule ${first.ruleIds.join(', ')} in ${where} (${first.layer} layer)` : `the default for ${first?.action.kind ?? 'this action'} in ${where || 'the policy'}`,
    advice: howToProceed(d, policy, 'vscode'),
    findings: describeFindings(displayed(req.what).findings),
    risk: d.risk,
  };
}

/**
 * The person, asked. Every request is listed in the Pending Approvals view until it is
 * answered or the broker's timeout denies it; a notification only points there. High-risk
 * requests also get a modal dialog whose default button is Deny. Only the person's clicks in
 * the view (or the dialog) answer: commands from elsewhere must pass the very request object
 * the view holds, which nothing outside this extension can obtain.
 */
export class PendingApprovals implements Approver, vscode.Disposable {
  private readonly items = new Map<number, { p: PendingRequest; resolve: (a: ApprovalAnswer) => void }>();
  private next = 1;
  private modalQueue: Promise<unknown> = Promise.resolve();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a request is added or leaves the list. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly policy: () => CompiledPolicy) {}

  get pending(): number {
    return this.items.size;
  }

  list(): PendingRequest[] {
    return [...this.items.values()].map((i) => i.p);
  }

  /** Is this exactly a request still waiting (the same object the view holds)? */
  has(p: unknown): p is PendingRequest {
    return typeof p === 'object' && p !== null && this.items.get((p as PendingRequest).id)?.p === p;
  }

  ask(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    if (signal.aborted) return Promise.resolve('deny');
    const policy = this.policy();
    const timeout = Math.min(policy.approval.timeoutSeconds, vscode.workspace.getConfiguration().get<number>(SETTINGS.approvalTimeoutSeconds) ?? 60);
    const now = Date.now();
    const p: PendingRequest = {
      id: this.next++,
      req,
      shown: displayed(req.what, { keepNewlines: false }),
      startedAt: now,
      deadline: now + timeout * 1000,
      modal: req.decision.risk === 'high' || req.decision.risk === 'critical',
      text: approvalText(req, policy),
    };
    return new Promise<ApprovalAnswer>((resolve) => {
      const done = (a: ApprovalAnswer) => {
        if (!this.items.delete(p.id)) return;
        signal.removeEventListener('abort', onAbort);
        resolve(a);
        this.changed.fire();
      };
      const onAbort = () => {
        if (!this.items.has(p.id)) return;
        done('deny');
        void vscode.window.showInformationMessage(`Agent Policy: nobody answered in ${timeout} s, so this was denied: ${p.shown.text.slice(0, 200)}`);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.items.set(p.id, { p, resolve: done });
      this.changed.fire();
      if (p.modal) this.modalQueue = this.modalQueue.then(() => this.showModal(p)).catch(() => undefined);
      else void this.point(p);
    });
  }

  /** The person's answer from the view (or a dialog). False when `p` is not waiting any more. */
  answer(p: PendingRequest, a: ApprovalAnswer): boolean {
    const item = this.items.get(p.id);
    if (!item || item.p !== p) return false;
    if (a === 'allow-session' && !p.req.allowSession) a = 'allow-once';
    item.resolve(a);
    return true;
  }

  /** The notification: only a pointer to the view, where the request stays until answered. */
  private async point(p: PendingRequest): Promise<void> {
    const open = 'Open Pending Approvals';
    const choice = await vscode.window.showWarningMessage(`Agent Policy: ${p.text.title} — waiting for you in Pending Approvals: ${p.shown.text.slice(0, 160)}`, open);
    if (choice === open) await vscode.commands.executeCommand(COMMANDS.showApprovals);
  }

  /**
   * High risk: a modal. VS Code focuses the first button that is not the close affordance, so
   * Deny comes first and Enter denies; closing the dialog (Escape, ×) is "Decide later": the
   * request stays in Pending Approvals until answered or timed out (deny). No separate Cancel.
   */
  private async showModal(p: PendingRequest): Promise<void> {
    if (!this.items.has(p.id)) return;
    const t = p.text;
    const items: vscode.MessageItem[] = [{ title: DENY }, { title: ALLOW_ONCE }, ...(p.req.allowSession ? [{ title: ALLOW_SESSION }] : []), { title: EXPLAIN }, { title: LATER, isCloseAffordance: true }];
    const detail = [
      p.shown.text,
      '',
      `Risk: ${t.risk}. Why it asks: ${t.why}`,
      `Decided by ${t.rule}.`,
      t.findings,
      `Who: ${t.who}.`,
      `How to proceed: ${t.advice}.`,
      `Unanswered, it is denied in ${Math.max(0, Math.round((p.deadline - Date.now()) / 1000))} s. "Decide later" keeps it in Pending Approvals.`,
    ].filter((l) => l !== undefined && l !== null).join('\n');
    const choice = await vscode.window.showWarningMessage(`Agent Policy: ${t.title}`, { modal: true, detail }, ...items);
    switch (choice?.title) {
      case DENY:
        this.answer(p, 'deny');
        return;
      case ALLOW_ONCE:
        this.answer(p, 'allow-once');
        return;
      case ALLOW_SESSION:
        this.answer(p, 'allow-session');
        return;
      case EXPLAIN:
        await vscode.commands.executeCommand(COMMANDS.showApprovals);
        await vscode.commands.executeCommand(COMMANDS.explainCommand, p.req.what);
        return;
      default:
        if (this.items.has(p.id)) await vscode.commands.executeCommand(COMMANDS.showApprovals);
    }
  }

  dispose(): void {
    for (const { resolve } of this.items.values()) resolve('deny');
    this.items.clear();
    this.changed.dispose();
  }
}
