import * as vscode from 'vscode';
import { dispose } from './logger';
import { PolicyDiagnostics } from './diagnostics';
import { cursorContext, fixesFor, keysAt, valueDoc } from './policySchemaHelp';

const SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/.agentpolicy.yaml' },
  { scheme: 'file', pattern: '**/.config/agentpolicy/policy.yaml' },
  { scheme: 'untitled', language: 'yaml' },
];

const isPolicy = (d: vscode.TextDocument) => PolicyDiagnostics.isPolicyFile(d.uri) || (d.uri.scheme === 'untitled' && /^version:\s*1/m.test(d.getText()));

/**
 * Completion, hover documentation and "did you mean" quick fixes for policy files, from the
 * policy's zod schema (src/vscode/policySchemaHelp.ts): no other extension needed.
 */
export class PolicyEditing implements vscode.Disposable, vscode.CompletionItemProvider, vscode.HoverProvider, vscode.CodeActionProvider {
  private disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      vscode.languages.registerCompletionItemProvider(SELECTOR, this, ':', ' ', '-', '{', ','),
      vscode.languages.registerHoverProvider(SELECTOR, this),
      vscode.languages.registerCodeActionsProvider(SELECTOR, this, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    );
  }

  provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionItem[] {
    if (!isPolicy(doc)) return [];
    const ctx = cursorContext(doc.getText(), doc.offsetAt(pos));
    if (!ctx) return [];
    const keys = keysAt(ctx.path, ctx.siblings);
    const range = doc.getWordRangeAtPosition(pos, /[\w.!*~/-]+/);
    if (ctx.kind === 'key') {
      return keys
        .filter((k) => !(k.key in ctx.siblings) || k.key === ctx.prefix)
        .map((k, i) => {
          const item = new vscode.CompletionItem(k.key, vscode.CompletionItemKind.Property);
          item.detail = k.type;
          item.documentation = new vscode.MarkdownString(`${k.description}${k.values.length ? `\n\nValues: ${k.values.map((v) => `\`${v}\``).join(', ')}` : ''}`);
          item.insertText = new vscode.SnippetString(`${k.key}: ${k.values.length ? `\${1|${k.values.join(',')}|}` : '$1'}`);
          item.sortText = `${k.key === 'id' ? 0 : k.key === 'action' ? 1 : k.key === 'effect' ? 2 : 5}-${String(i).padStart(3, '0')}`;
          if (range) item.range = range;
          return item;
        });
    }
    const key = keys.find((k) => k.key === ctx.key);
    return (key?.values ?? []).map((v) => {
      const item = new vscode.CompletionItem(v, vscode.CompletionItemKind.EnumMember);
      item.documentation = valueDoc(v) ?? key?.description;
      if (range) item.range = range;
      return item;
    });
  }

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    if (!isPolicy(doc)) return undefined;
    const range = doc.getWordRangeAtPosition(pos, /[\w.-]+/);
    if (!range) return undefined;
    const word = doc.getText(range);
    const line = doc.lineAt(pos.line).text;
    const afterWord = line.slice(range.end.character);
    const text = doc.getText();
    // A key (followed by ':'): its meaning and values. A value: what it does.
    if (/^\s*:/.test(afterWord)) {
      const ctx = cursorContext(text, doc.offsetAt(range.start));
      const k = ctx && keysAt(ctx.path, ctx.siblings).find((x) => x.key === word);
      if (!k) return undefined;
      const md = new vscode.MarkdownString(`**${k.key}** — ${k.type}\n\n${k.description}`);
      if (k.values.length) md.appendMarkdown(`\n\n${k.values.map((v) => `- \`${v}\`${valueDoc(v) ? `: ${valueDoc(v)!.replace(/^[^:]+: /, '')}` : ''}`).join('\n')}`);
      return new vscode.Hover(md, range);
    }
    const doc2 = valueDoc(word);
    return doc2 ? new vscode.Hover(new vscode.MarkdownString(doc2), range) : undefined;
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.source !== 'Agent Policy') continue;
      const token = doc.getText(d.range);
      if (!token.trim()) continue;
      const ctx = cursorContext(doc.getText(), doc.offsetAt(d.range.end));
      fixesFor(d.message, token, ctx).forEach((fix, i) => {
        const a = new vscode.CodeAction(`Change to "${fix}"`, vscode.CodeActionKind.QuickFix);
        a.edit = new vscode.WorkspaceEdit();
        a.edit.replace(doc.uri, d.range, fix);
        a.diagnostics = [d];
        a.isPreferred = i === 0;
        out.push(a);
      });
    }
    return out;
  }

  dispose(): void {
    this.disposables = dispose(this.disposables);
  }
}
