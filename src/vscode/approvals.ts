import * as vscode from 'vscode';
import { describeAction } from '../core/actions/types';
import type { ApprovalAnswer, ApprovalRequest, Approver } from '../core/broker/broker';
import { publicAction } from '../core/pdp/message';
import { displayText } from '../core/text/display';
import { COMMANDS } from './ids';

const ALLOW_ONCE = 'Allow once';
const ALLOW_SESSION = 'Allow for this session';
const DENY = 'Deny';
const EXPLAIN = 'Explain';

/**
 * The human, asked inline. High-risk actions get a modal dialog; others a notification
 * that stays until answered. Requests queue, each is answered once, and the broker's
 * timeout (abort) turns silence into deny. Nothing an agent writes can answer.
 */
export class ApprovalPrompts implements Approver, vscode.Disposable {
  private queue: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private readonly changed = new vscode.EventEmitter<number>();
  /** Fires with the number of pending approvals. */
  readonly onDidChangePending = this.changed.event;

  get pending(): number {
    return this.waiting;
  }

  ask(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    this.waiting++;
    this.changed.fire(this.waiting);
    const answer = this.queue.then(() => (signal.aborted ? ('deny' as const) : this.prompt(req, signal)));
    this.queue = answer.catch(() => undefined);
    return answer.finally(() => {
      this.waiting--;
      this.changed.fire(this.waiting);
    });
  }

  private async prompt(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const d = req.decision;
    const asks = d.verdicts.filter((v) => v.effect === 'ask');
    const first = asks[0];
    const rule = first?.ruleIds.length ? `rule ${first.ruleIds.join(', ')} (${first.layer} policy)` : `the ${first?.layer ?? 'policy'} default`;
    const reason = first ? first.reason : d.reasons[0] ?? '';
    const actionWords = asks.slice(0, 3).map((v) => describeAction(publicAction(v.action))).join('; ');
    const message = `Agent Policy: ${displayText(req.subject.id, 60)} (${req.subject.kind}) wants to ${displayText(actionWords, 400) || 'run a command'}.\n\n${displayText(req.what, 2000)}\n\nWhy it asks: ${reason} — ${rule}.`;
    const modal = d.risk === 'high' || d.risk === 'critical';
    const buttons = req.allowSession ? [ALLOW_ONCE, ALLOW_SESSION, DENY, EXPLAIN] : [ALLOW_ONCE, DENY, EXPLAIN];
    for (;;) {
      const shown = modal
        ? vscode.window.showWarningMessage(message, { modal: true, detail: 'Closing this dialog denies the request.' }, ...buttons)
        : vscode.window.showWarningMessage(message, ...buttons);
      const aborted = new Promise<'aborted'>((resolve) => signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
      const choice = await Promise.race([shown, aborted]);
      if (choice === 'aborted') {
        void vscode.window.showInformationMessage(`Agent Policy: no answer in time, so this was denied: ${displayText(req.what, 300)}`);
        return 'deny';
      }
      if (choice === EXPLAIN) {
        await vscode.commands.executeCommand(COMMANDS.explainCommand, req.what);
        continue;
      }
      if (choice === ALLOW_ONCE) return 'allow-once';
      if (choice === ALLOW_SESSION) return 'allow-session';
      return 'deny';
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
