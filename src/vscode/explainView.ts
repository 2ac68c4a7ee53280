import * as vscode from 'vscode';
import { decide } from '../core/pdp/decide';
import { nodeFactsForPolicy } from '../core/shell/facts/forPolicy';
import { explainText } from '../core/pdp/message';
import { howToProceed } from '../core/text/advice';
import { describeFindings, displayed, displayText } from '../core/text/display';
import { dispose } from './logger';
import type { PolicyService } from './policyService';

export const EXPLAIN_SCHEME = 'agentpolicy-explain';

/**
 * "Explain" results as read-only documents (a virtual document provider): nothing to save,
 * nothing left dirty. The command line is shown escaped (control, invisible, look-alike).
 */
export class ExplainDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private disposables: vscode.Disposable[] = [];
  private next = 1;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly policies: PolicyService) {
    this.disposables.push(vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, this), this.changed);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.query) ?? 'This explanation is no longer available: run "Agent Policy: Explain Command…" again.\n';
  }

  /** The explanation of `line` as the policy in force judges it, for an agent's request. */
  text(line: string, cwd: string): string {
    const p = this.policies.policy;
    const req = { kind: 'command' as const, commandLine: line, cwd };
    const d = decide(p, req, { facts: nodeFactsForPolicy(p) });
    const shown = displayed(line, { keepNewlines: true });
    const body = explainText(p, req, d).split('\n');
    // explainText prints the raw line first: replace it with the escaped one.
    if (body[0]?.startsWith('Command line: ')) body[0] = `Command line: ${shown.text}`;
    const findings = describeFindings(shown.findings);
    const advice = howToProceed(d, p, 'vscode');
    return [
      `Agent Policy — how this command is judged for an agent`,
      '',
      ...(findings ? [findings, ''] : []),
      ...body.map((l) => displayText(l, { keepNewlines: true })),
      ...(advice ? ['How to proceed:', `  ${advice}.`, ''] : []),
    ].join('\n');
  }

  async show(line: string, cwd: string): Promise<vscode.TextDocument> {
    const id = String(this.next++);
    this.texts.set(id, this.text(line, cwd));
    if (this.texts.size > 50) this.texts.delete(this.texts.keys().next().value!);
    const title = line.replace(/[^\w .,:/-]+/g, ' ').trim().slice(0, 40) || 'command';
    const uri = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: `/Explain ${title}.txt`, query: id });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    return doc;
  }

  dispose(): void {
    this.disposables = dispose(this.disposables);
  }
}
