import * as vscode from 'vscode';
import type { ApprovalPrompts } from './approvals';
import type { AuditShipping } from './auditShipping';
import type { GuardService } from './guardService';
import { COMMANDS } from './ids';
import { dispose } from './logger';
import type { PolicyService } from './policyService';

/** Guard state (armed / degraded and why / killed) and pending approvals, one click from the actions. */
export class GuardStatusBar implements vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private readonly item = vscode.window.createStatusBarItem('agentPolicy.status', vscode.StatusBarAlignment.Left, 100);

  constructor(
    private readonly guard: GuardService,
    private readonly prompts: ApprovalPrompts,
    private readonly policies: PolicyService,
    private readonly shipping: AuditShipping,
  ) {
    this.item.name = 'Agent Policy';
    this.item.command = COMMANDS.statusMenu;
    this.disposables.push(this.item, guard.onDidChangeState(() => this.render()), prompts.onDidChangePending(() => this.render()), policies.onDidChange(() => this.render()), shipping.onDidChange(() => this.render()));
    this.render();
    this.item.show();
  }

  render(): void {
    const pending = this.prompts.pending;
    const tail = pending ? ` · ${pending} pending` : '';
    const tip = new vscode.MarkdownString(undefined, true);
    switch (this.guard.state) {
      case 'starting':
        this.item.text = `$(loading~spin) Agent Policy${tail}`;
        tip.appendMarkdown('Starting the guard…');
        this.item.backgroundColor = undefined;
        break;
      case 'armed':
        this.item.text = `$(shield) Agent Policy${tail}`;
        tip.appendMarkdown('**Guard armed.** Agent commands in new terminals are checked against the policy.');
        this.item.backgroundColor = undefined;
        break;
      case 'degraded':
        this.item.text = `$(warning) Agent Policy: degraded${tail}`;
        tip.appendMarkdown('**Guard degraded:**\n\n' + this.guard.degradedBecause.map((p) => `- ${p}`).join('\n'));
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      case 'killed':
        this.item.text = `$(circle-slash) Agents blocked${tail}`;
        tip.appendMarkdown('**Kill switch on:** every agent request is denied. Click to re-arm.');
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
    if (this.policies.loaded && this.policies.policy.ignored.length) tip.appendMarkdown(`\n\n${this.policies.policy.ignored.length} repository rule(s) ignored (untrusted workspace).`);
    if (this.shipping.backlog !== undefined) {
      tip.appendMarkdown(this.shipping.lastError ? `\n\n**Audit shipping failing:** ${this.shipping.lastError} — ${this.shipping.backlog} record(s) waiting.` : `\n\nAudit log shipped; ${this.shipping.backlog} record(s) waiting.`);
      if (this.shipping.lastError && this.shipping.backlog) this.item.text += ` · $(cloud-upload) ${this.shipping.backlog}`;
    }
    tip.appendMarkdown('\n\nClick for actions.');
    this.item.tooltip = tip;
  }

  dispose(): void {
    this.disposables = dispose(this.disposables);
  }
}
