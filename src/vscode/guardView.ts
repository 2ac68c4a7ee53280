import * as vscode from 'vscode';
import type { GuardService } from './guardService';
import { COMMANDS, VIEWS } from './ids';
import { dispose } from './logger';
import type { PolicyGate } from './policyGate';
import type { PolicyService } from './policyService';

interface Row {
  label: string;
  description?: string;
  tooltip?: string;
  icon?: string;
  command?: vscode.Command;
  children?: Row[];
}

/**
 * The Guard view: state, the policy layers in force (each opens its file), held policy changes,
 * and every terminal with who opened it (the person, Copilot, an agent terminal, an extension).
 */
export class GuardView implements vscode.TreeDataProvider<Row>, vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly guard: GuardService,
    private readonly policies: PolicyService,
    private readonly gate: PolicyGate,
  ) {
    const refresh = () => this.changed.fire();
    this.disposables.push(
      vscode.window.createTreeView(VIEWS.status, { treeDataProvider: this }),
      this.changed,
      guard.onDidChangeState(refresh),
      policies.onDidChange(refresh),
      gate.onDidChangeHeld(refresh),
      guard.terminals.onDidChange(refresh),
    );
  }

  getTreeItem(r: Row): vscode.TreeItem {
    const item = new vscode.TreeItem(r.label, r.children?.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.description = r.description;
    item.tooltip = r.tooltip;
    item.command = r.command;
    if (r.icon) item.iconPath = new vscode.ThemeIcon(r.icon);
    return item;
  }

  getChildren(r?: Row): Row[] {
    if (r) return r.children ?? [];
    const state = this.guard.state;
    const rows: Row[] = [
      {
        label: state === 'armed' ? 'Guard armed' : state === 'killed' ? 'Agents blocked (kill switch)' : state === 'degraded' ? 'Guard degraded' : 'Starting…',
        icon: state === 'armed' ? 'shield' : state === 'killed' ? 'circle-slash' : state === 'degraded' ? 'warning' : 'loading~spin',
        tooltip: this.guard.degradedBecause.join('\n') || undefined,
        children: this.guard.degradedBecause.map((p) => ({ label: p, icon: 'warning' })),
        command: state === 'killed' ? { command: COMMANDS.rearm, title: 'Re-arm' } : undefined,
      },
    ];
    if (this.policies.loaded) {
      const layers = [...this.policies.policy.layers].reverse();
      rows.push({
        label: 'Policy in force',
        icon: 'law',
        description: this.policies.builtInOnly ? 'built-in: this repository has none yet' : undefined,
        children: layers.map((l) => ({
          label: l.name,
          description: l.file.startsWith('built-in:') ? `${l.file.slice(9)} (built in)` : vscode.workspace.asRelativePath(l.file),
          icon: l.name === 'repo' ? 'repo' : l.name === 'user' ? 'account' : l.name === 'org' ? 'organization' : 'lock',
          command: l.file.startsWith('built-in:') ? (l.name === 'user' ? { command: COMMANDS.editUserPolicy, title: 'Edit User Policy' } : undefined) : { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(l.file)] },
        })),
      });
    }
    const held = this.gate.held;
    if (held.length) {
      rows.push({
        label: `${held.length} policy change${held.length === 1 ? '' : 's'} held`,
        icon: 'diff',
        children: held.map((h) => ({ label: vscode.workspace.asRelativePath(h.file), description: h.by === 'person' ? 'your edit, not applied yet' : 'changed outside the editor', icon: 'diff', command: { command: COMMANDS.reviewPolicyChange, title: 'Review', arguments: [h.file] } })),
      });
    }
    const terms = this.guard.terminals.all();
    rows.push({
      label: 'Terminals',
      icon: 'terminal',
      description: terms.length ? undefined : 'none open',
      children: terms.map(({ terminal, info }) => ({
        label: info.name,
        description: `${info.subject.kind === 'person' ? 'you' : info.subject.kind === 'agent' ? `agent ${info.subject.id}` : 'unknown (agent rules)'}${info.unguarded ? ' · not guarded' : ''}`,
        tooltip: info.subject.evidence,
        icon: info.subject.kind === 'person' ? 'person' : info.subject.kind === 'agent' ? 'hubot' : 'question',
        command: { command: 'agentPolicy.focusTerminal', title: 'Show', arguments: [terminal] },
      })),
    });
    return rows;
  }

  dispose(): void {
    this.disposables = dispose(this.disposables);
  }
}
