import * as vscode from 'vscode';
import type { ApprovalAnswer } from '../core/broker/broker';
import type { PendingApprovals, PendingRequest } from './approvals';
import { COMMANDS, VIEWS } from './ids';
import { dispose } from './logger';

/** A line under a request: what, why, rule, how to proceed. */
interface Detail {
  readonly parent: PendingRequest;
  readonly label: string;
  readonly value: string;
}

type Node = PendingRequest | Detail;

const isDetail = (n: Node): n is Detail => 'parent' in n;

/**
 * Pending Approvals: every request waiting for the person, with Allow once, Allow for this
 * session, Deny and Explain on each row; the activity-bar badge counts them. Rows leave when
 * answered or when the broker's timeout denies them.
 */
export class ApprovalsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<Node>;

  constructor(private readonly approvals: PendingApprovals) {
    this.view = vscode.window.createTreeView(VIEWS.approvals, { treeDataProvider: this, showCollapseAll: false });
    const answer = (a: ApprovalAnswer) => (p?: unknown) => this.answer(p, a);
    this.disposables.push(
      this.view,
      this.changed,
      approvals.onDidChange(() => this.refresh()),
      vscode.commands.registerCommand(COMMANDS.approvalAllowOnce, answer('allow-once')),
      vscode.commands.registerCommand(COMMANDS.approvalAllowSession, answer('allow-session')),
      vscode.commands.registerCommand(COMMANDS.approvalDeny, answer('deny')),
      vscode.commands.registerCommand(COMMANDS.approvalExplain, (p?: unknown) => this.explain(p)),
      vscode.commands.registerCommand(COMMANDS.showApprovals, () => this.show()),
    );
    this.refresh();
  }

  async show(): Promise<void> {
    await vscode.commands.executeCommand(`${VIEWS.approvals}.focus`);
    const first = this.approvals.list()[0];
    if (first) await this.view.reveal(first, { select: true, focus: true }).then(undefined, () => undefined);
  }

  private refresh(): void {
    const n = this.approvals.pending;
    this.view.badge = n ? { value: n, tooltip: `${n} agent request${n === 1 ? '' : 's'} waiting for your answer` } : undefined;
    this.view.message = undefined;
    void vscode.commands.executeCommand('setContext', 'agentPolicy.pendingApprovals', n);
    // Only a change in the list re-renders it: a row redrawn under the pointer (a countdown
    // ticking every second did that) can swallow the person's click on Allow or Deny.
    this.changed.fire(undefined);
  }

  /** The row's own object, or (from the palette, no argument) the person's pick. */
  private async target(p: unknown, verb: string): Promise<PendingRequest | undefined> {
    if (p !== undefined) {
      if (this.approvals.has(p)) return p;
      if (isDetail(p as Node) && this.approvals.has((p as Detail).parent)) return (p as Detail).parent;
      // Not a request this view holds: nothing outside the view can answer one.
      void vscode.window.showWarningMessage('Agent Policy: that request is no longer waiting (answered or timed out).');
      return undefined;
    }
    const list = this.approvals.list();
    if (!list.length) {
      void vscode.window.showInformationMessage('Agent Policy: no agent request is waiting for you.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      list.map((r) => ({ label: r.shown.text.slice(0, 120), description: r.text.who, detail: r.text.why, r })),
      { title: `Agent Policy: ${verb}`, placeHolder: 'Pick the request' },
    );
    return pick?.r;
  }

  private async answer(p: unknown, a: ApprovalAnswer): Promise<void> {
    const verb = a === 'deny' ? 'Deny' : a === 'allow-once' ? 'Allow once' : 'Allow for this session';
    const r = await this.target(p, verb);
    if (r) this.approvals.answer(r, a);
  }

  private async explain(p: unknown): Promise<void> {
    const r = await this.target(p, 'Explain');
    if (r) await vscode.commands.executeCommand(COMMANDS.explainCommand, r.req.what);
  }

  // --- TreeDataProvider -------------------------------------------------------------------

  getChildren(node?: Node): Node[] {
    if (!node) return this.approvals.list();
    if (isDetail(node)) return [];
    const t = node.text;
    const rows: [string, string][] = [
      ['Wants to', t.title],
      ['Why', t.why],
      ['Decided by', t.rule],
      ['Who', t.who],
      ['How to proceed', t.advice],
    ];
    if (t.findings) rows.unshift(['Careful', t.findings]);
    return rows.map(([label, value]) => ({ parent: node, label, value }));
  }

  getParent(node: Node): Node | undefined {
    return isDetail(node) ? node.parent : undefined;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (isDetail(node)) {
      const item = new vscode.TreeItem(`${node.label}: ${node.value}`, vscode.TreeItemCollapsibleState.None);
      item.tooltip = node.value;
      item.contextValue = 'agentPolicy.pendingDetail';
      return item;
    }
    const until = clock(node.deadline);
    const item = new vscode.TreeItem(node.shown.text.slice(0, 120) || '(empty command)', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `pending-${node.id}`;
    item.description = `${node.text.who.split(' (')[0]} · ${node.text.risk} risk · until ${until}`;
    item.iconPath = new vscode.ThemeIcon(node.modal ? 'warning' : 'question', new vscode.ThemeColor(node.modal ? 'list.errorForeground' : 'list.warningForeground'));
    item.contextValue = node.req.allowSession ? 'agentPolicy.pending.session' : 'agentPolicy.pending';
    item.accessibilityInformation = { label: `Pending approval: ${node.shown.text}. ${node.text.title}. Denied at ${until} unless you answer.` };
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMd(node.text.title)}**\n\n`);
    md.appendCodeblock(node.shown.text, 'text');
    md.appendMarkdown(`\n${escapeMd(node.text.why)}\n\nDecided by ${escapeMd(node.text.rule)}. ${node.text.findings ? `\n\n⚠ ${escapeMd(node.text.findings)}` : ''}\n\nDenied at ${until} unless you answer.`);
    item.tooltip = md;
    return item;
  }

  dispose(): void {
    this.disposables = dispose(this.disposables);
  }
}

/** A deadline as the person's wall-clock time (HH:MM:SS): it stays true without redrawing. */
function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
