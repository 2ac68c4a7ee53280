import * as crypto from 'crypto';
import * as vscode from 'vscode';
import { EXPORT_FORMATS } from '../core/audit/export/index';
import { describeFindings, displayed, displayText } from '../core/text/display';
import { FORMAT_INFO } from './commands';
import type { GuardService, SessionDecision } from './guardService';
import { COMMANDS } from './ids';
import { dispose } from './logger';

/** A row the webview shows: plain data, no functions. */
function row(d: SessionDecision) {
  const shown = displayed(d.what, { maxLength: 2000 });
  return {
    seq: d.seq,
    time: d.time,
    agent: displayText(d.subject.kind === 'person' ? `${d.subject.id} (you)` : d.subject.id),
    subject: `${d.subject.kind} (${d.subject.method})`,
    source: d.source,
    // Commands as the person must see them: control, invisible and look-alike characters escaped.
    what: shown.text,
    careful: describeFindings(shown.findings),
    kind: d.decision.actions.find((a) => a.kind !== 'command')?.kind ?? d.decision.actions[0]?.kind ?? 'command',
    effect: d.decision.effect,
    final: d.outcome.final,
    ruleIds: d.decision.ruleIds,
    layer: d.decision.layer,
    reasons: d.decision.reasons.map((r) => displayText(r, { keepNewlines: true })),
    approvedBy: d.outcome.by,
    scope: d.outcome.scope ?? '',
  };
}

/** This session's decisions in a webview: filters, details, export. */
export class AuditView implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  private disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly guard: GuardService,
  ) {
    this.disposables.push(guard.onDidDecide((d) => void this.panel?.webview.postMessage({ type: 'add', row: row(d) })));
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel('agentPolicy.audit', 'Agent Policy: Audit', vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true });
    this.panel = panel;
    const nonce = crypto.randomBytes(16).toString('base64');
    const css = panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'auditView.css'));
    const js = panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'auditView.js'));
    panel.webview.html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${panel.webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${css}" rel="stylesheet"><title>Agent Policy: Audit</title></head>
<body>
<header>
  <input id="text" type="search" placeholder="Filter text" aria-label="Filter text">
  <select id="agent" aria-label="Agent"><option value="">All agents</option></select>
  <select id="decision" aria-label="Decision"><option value="">All decisions</option><option>allow</option><option>deny</option><option value="ask">asked</option></select>
  <select id="kind" aria-label="Action kind"><option value="">All kinds</option><option>command</option><option>file.read</option><option>file.write</option><option>file.delete</option><option>git.push</option><option>network</option><option>env.set</option><option>opaque</option></select>
  <select id="format" aria-label="Export format" title="Export format">${EXPORT_FORMATS.map((f) => `<option value="${f}" title="${FORMAT_INFO[f].detail}">${FORMAT_INFO[f].label}</option>`).join('')}</select>
  <button id="export">Export…</button>
</header>
<table><thead><tr><th>Time</th><th>Agent</th><th>Decision</th><th>Kind</th><th>Action</th><th>Rule</th></tr></thead><tbody id="rows"></tbody></table>
<section id="details" hidden></section>
<script nonce="${nonce}" src="${js}"></script>
</body></html>`;
    panel.webview.onDidReceiveMessage(
      (m: { type: string; format?: string }) => {
        if (m.type === 'ready') void panel.webview.postMessage({ type: 'init', rows: this.guard.decisions.map(row) });
        if (m.type === 'export') void vscode.commands.executeCommand(COMMANDS.exportAuditLog, m.format);
      },
      undefined,
      this.disposables,
    );
    panel.onDidDispose(() => (this.panel = undefined), undefined, this.disposables);
  }

  dispose(): void {
    this.panel?.dispose();
    this.disposables = dispose(this.disposables);
  }
}
