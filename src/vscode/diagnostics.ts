import * as path from 'path';
import * as vscode from 'vscode';
import { loadPolicyText } from '../core/policy/load';
import { POLICY_FILE } from '../core/policy/resolve';
import { dispose } from './logger';
import type { PolicyService } from './policyService';

/**
 * Problems-panel diagnostics for policy files, from the same loader the guard uses:
 * on open, as you type, and on save. In an untrusted workspace, repo rules that do
 * not count are marked too.
 */
export class PolicyDiagnostics implements vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private readonly collection = vscode.languages.createDiagnosticCollection('agentpolicy');

  constructor(private readonly policies: PolicyService) {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.check(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.check(e.document)),
      vscode.workspace.onDidSaveTextDocument((d) => this.check(d)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
      policies.onDidChange(() => vscode.workspace.textDocuments.forEach((d) => this.check(d))),
    );
    vscode.workspace.textDocuments.forEach((d) => this.check(d));
  }

  static isPolicyFile(uri: vscode.Uri): boolean {
    return uri.scheme === 'file' && (path.basename(uri.fsPath) === POLICY_FILE || /[\\/]\.config[\\/]agentpolicy[\\/]policy\.yaml$/.test(uri.fsPath));
  }

  check(doc: vscode.TextDocument): void {
    if (!PolicyDiagnostics.isPolicyFile(doc.uri)) return;
    const r = loadPolicyText(doc.getText(), doc.uri.fsPath);
    const diags: vscode.Diagnostic[] = [];
    if (!r.ok) {
      for (const e of r.errors) {
        const line = Math.max(0, Math.min(e.line - 1, doc.lineCount - 1));
        const text = doc.lineAt(line).text;
        const start = Math.max(0, Math.min(e.col - 1, text.length));
        const token = /^[^\s:,\]}]+/.exec(text.slice(start));
        const range = new vscode.Range(line, start, line, start + Math.max(1, token ? token[0].length : text.length - start));
        const d = new vscode.Diagnostic(range, `${e.path ? e.path + ': ' : ''}${e.message}`, vscode.DiagnosticSeverity.Error);
        d.source = 'Agent Policy';
        diags.push(d);
      }
    } else if (!this.policies.trusted && path.dirname(doc.uri.fsPath) === this.policies.workspace) {
      // Untrusted workspace: the repo may only tighten.
      (r.policy.rules ?? []).forEach((rule) => {
        if (rule.effect !== 'allow') return;
        const at = doc.getText().search(new RegExp(`id:\\s*['"]?${rule.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`));
        const pos = at >= 0 ? doc.positionAt(at) : new vscode.Position(0, 0);
        const d = new vscode.Diagnostic(new vscode.Range(pos, pos.translate(0, 3 + rule.id.length)), `Rule ${rule.id} (allow) is ignored: this workspace is not trusted, so its policy may only tighten.`, vscode.DiagnosticSeverity.Information);
        d.source = 'Agent Policy';
        diags.push(d);
      });
    }
    this.collection.set(doc.uri, diags);
  }

  dispose(): void {
    this.disposables = dispose(this.disposables);
  }
}
