import * as vscode from 'vscode';
import type { PendingApprovals } from './approvals';
import type { AuditShipping } from './auditShipping';
import type { GuardService } from './guardService';
import { COMMANDS } from './ids';
import { dispose } from './logger';
import type { PolicyGate } from './policyGate';
import type { PolicyService } from './policyService';

/**
 * Guard state (armed / degraded and why / killed), pending approvals and held policy changes.
 * With requests waiting, a click opens Pending Approvals; otherwise the actions menu.
 */
export class GuardStatusBar implements vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private readonly item = vscode.window.createStatusBarItem('agentPolicy.status', vscode.StatusBarAlignment.Left, 100);

  constructor(
    private readonly guard: GuardService,
    private readonly approvals: PendingApprovals,
    private readonly policies: PolicyService,
    private readonly gate: PolicyGate,
    private readonly shipping: AuditShipping,
  ) {
    this.item.name = 'Agent Policy';
    this.disposables.push(
      this.item,
      guard.onDidChangeState(() => this.render()),
      approvals.onDidChange(() => this.render()),
      policies.onDidChange(() => this.render()),
      gate.onDidChangeHeld(() => this.render()),
      shipping.onDidChange(() => this.render()),
    );
    this.render();
    this.item.show();
  }

  render(): void {
    const pending = this.approvals.pending;
    const held = this.gate.held.length;
    const tail = `${pending ? ` · $(bell-dot) ${pending} waiting` : ''}${held ? ` · $(diff) ${held} held` : ''}`;
    const tip = new vscode.MarkdownString(undefined, true);
    tip.isTrusted = { enabledCommands: [COMMANDS.showApprovals, COMMANDS.statusMenu, COMMANDS.reviewPolicyChange, COMMANDS.createPolicy] };
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
        tip.appendMarkdown('**Kill switch on:** every agent request is denied. Re-arm from the menu.');
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
    if (pending) {
      this.item.backgroundColor ??= new vscode.ThemeColor('statusBarItem.warningBackground');
      tip.appendMarkdown(`\n\n**${pending} request${pending === 1 ? '' : 's'} waiting for your answer** — [open Pending Approvals](command:${COMMANDS.showApprovals}).`);
    }
    if (held) tip.appendMarkdown(`\n\n**${held} policy change${held === 1 ? '' : 's'} held** (not in force until you review) — [review](command:${COMMANDS.reviewPolicyChange}).`);
    if (this.policies.loaded) {
      const p = this.policies.policy;
      tip.appendMarkdown(`\n\nPolicy in force: ${p.layers.map((l) => `${l.name} (${l.file.startsWith('built-in:') ? l.file.slice(9) + ', built in' : vscode.workspace.asRelativePath(l.file)})`).join(' < ')}.`);
      if (this.policies.builtInOnly) tip.appendMarkdown(` This repository has no .agentpolicy.yaml: [create one](command:${COMMANDS.createPolicy}).`);
      if (p.ignored.length) tip.appendMarkdown(`\n\n${p.ignored.length} repository rule(s) ignored (untrusted workspace).`);
    }
    if (this.shipping.backlog !== undefined) {
      tip.appendMarkdown(this.shipping.lastError ? `\n\n**Audit shipping failing:** ${this.shipping.lastError} — ${this.shipping.backlog} record(s) waiting.` : `\n\nAudit log shipped; ${this.shipping.backlog} record(s) waiting.`);
      if (this.shipping.lastError && this.shipping.backlog) this.item.text += ` · $(cloud-upload) ${this.shipping.backlog}`;
    }
    tip.appendMarkdown(pending ? '\n\nClick to answer.' : '\n\nClick for actions.');
    this.item.tooltip = tip;
    this.item.command = pending ? COMMANDS.showApprovals : COMMANDS.statusMenu;
    this.item.accessibilityInformation = { label: `Agent Policy: ${this.guard.state}${pending ? `, ${pending} requests waiting` : ''}${held ? `, ${held} policy changes held` : ''}` };
  }

  dispose(): void {
    this.disposables = dispose(this.disposables);
  }
}
