// What a person meets around the guard: Explain in a read-only view, the export (formats described,
// outside the repository, a human message with Open), commands that report what they did, the
// status menu's order, editing help for the policy from the schema, and the port never forwarded.
// Only the person's choices are stubbed (message buttons, the quick pick, the save dialog).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { Human, POLICY, WS, api, runInTerminal, SCRATCH, unique, withHuman } from './helpers';

/** Replaces one window function for the duration of `fn`. */
async function stubbing<T>(name: 'showQuickPick' | 'showSaveDialog' | 'showInputBox', impl: (...a: unknown[]) => unknown, fn: () => Promise<T>): Promise<T> {
  const w = vscode.window as unknown as Record<string, unknown>;
  const saved = w[name];
  w[name] = impl;
  try {
    return await fn();
  } finally {
    w[name] = saved;
  }
}

suite('around the guard', () => {
  suiteSetup(() => api());
  teardown(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  test('Explain shows its result in a read-only view, not a dirty Untitled document', async () => {
    await stubbing('showInputBox', async () => 'git push --force origin main', () => Promise.resolve(vscode.commands.executeCommand('agentPolicy.explainCommand')));
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'agentpolicy-explain');
    assert.ok(doc, `no explain document: ${vscode.workspace.textDocuments.map((d) => d.uri.toString()).join(', ')}`);
    assert.strictEqual(doc.isDirty, false);
    assert.strictEqual(doc.isUntitled, false);
    assert.match(doc.getText(), /Decision: DENY/);
    assert.match(doc.getText(), /How to proceed:\n  rule no-force-push \(deny\) is in the built-in recommended policy/);
  });

  test('Export: described formats, a default outside the repository, one readable message with Open', async () => {
    await runInTerminal(`touch ${path.join(SCRATCH, unique('export'))}`);
    let formats: vscode.QuickPickItem[] = [];
    let suggested: vscode.Uri | undefined;
    const target = path.join(os.tmpdir(), unique('agentpolicy-export') + '.ocsf.jsonl');
    await withHuman(new Human(() => undefined), async (human) => {
      await stubbing('showQuickPick', async (items: unknown) => ((formats = (await items) as vscode.QuickPickItem[]), formats.find((f) => f.description === 'ocsf')), () =>
        stubbing('showSaveDialog', async (o: unknown) => ((suggested = (o as vscode.SaveDialogOptions).defaultUri), vscode.Uri.file(target)), () => Promise.resolve(vscode.commands.executeCommand('agentPolicy.exportAuditLog'))),
      );
      assert.ok(formats.length >= 7 && formats.every((f) => f.detail && f.detail.length > 10), `formats without descriptions: ${JSON.stringify(formats)}`);
      assert.ok(suggested && !suggested.fsPath.startsWith(WS), `default inside the repository: ${suggested?.fsPath}`);
      assert.ok(!/\.jsonl\.jsonl$/.test(suggested!.fsPath), suggested!.fsPath);
      const msg = human.prompts.find((p) => /exported \d+ events? as OCSF/.test(p.message));
      assert.ok(msg, `no readable export message: ${JSON.stringify(human.prompts)}`);
      assert.ok(!/[{}]/.test(msg.message), `raw JSON in the message: ${msg.message}`);
      assert.deepStrictEqual(msg.items, ['Open']);
    });
    assert.ok(fs.readFileSync(target, 'utf8').trim().split('\n').every((l) => JSON.parse(l).class_uid), 'not OCSF');
    fs.rmSync(target, { force: true });
  });

  test('Ship Audit Log Now and Relaunch Unguarded Terminals say what they did', async () => {
    await withHuman(new Human(() => undefined), async (human) => {
      await vscode.commands.executeCommand('agentPolicy.shipAuditLog');
      await vscode.commands.executeCommand('agentPolicy.relaunchTerminals');
      assert.ok(human.prompts.some((p) => /audit shipping is not configured/.test(p.message)), JSON.stringify(human.prompts));
      assert.ok(human.prompts.some((p) => /nothing to relaunch — all \d+ open terminal\(s\) are guarded/.test(p.message)), JSON.stringify(human.prompts));
    });
  });

  test('the status menu: the common action first, the kill switch last', async () => {
    let labels: string[] = [];
    await stubbing('showQuickPick', async (items: unknown) => ((labels = ((await items) as vscode.QuickPickItem[]).map((i) => i.label)), undefined), () => Promise.resolve(vscode.commands.executeCommand('agentPolicy.statusMenu')));
    assert.ok(labels.length > 4, labels.join(' | '));
    assert.ok(!/Block all agents/.test(labels[0]), `the kill switch is first: ${labels.join(' | ')}`);
    assert.match(labels[labels.length - 1], /Block all agents \(kill switch\)/);
  });

  test('editing help for .agentpolicy.yaml from the schema: completion, hover, did-you-mean', async () => {
    const doc = await vscode.workspace.openTextDocument(POLICY);
    await vscode.window.showTextDocument(doc);
    const text = doc.getText();
    // Completion for a rule's keys, narrowed by its action.
    const at = text.indexOf('  - id: no-force-push');
    const line = doc.positionAt(at).line + 2; // "    force: true"
    const pos = new vscode.Position(line, 4);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos);
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const k of ['branches', 'remotes', 'delete']) assert.ok(labels.includes(k), `no completion "${k}" for a git.push rule: ${labels.slice(0, 30).join(', ')}`);
    // Hover on a key.
    const effectAt = doc.positionAt(text.indexOf('effect:', at) + 2);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, effectAt);
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(hoverText, /ask prompts|allow runs it/);
    // A typo gets "did you mean" as a quick fix (an unsaved edit: nothing reaches the policy in force).
    const edit = new vscode.WorkspaceEdit();
    const efLine = doc.positionAt(text.indexOf('effect:', at)).line;
    edit.replace(doc.uri, new vscode.Range(efLine, 4, efLine, 10), 'efect');
    assert.ok(await vscode.workspace.applyEdit(edit));
    let fixes: vscode.CodeAction[] = [];
    for (let i = 0; i < 50 && !fixes.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const diag = vscode.languages.getDiagnostics(doc.uri).find((d) => /efect/.test(d.message));
      if (diag) fixes = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diag.range, vscode.CodeActionKind.QuickFix.value);
    }
    assert.ok(fixes.some((f) => f.title === 'Change to "effect"'), `quick fixes: ${fixes.map((f) => f.title).join(', ')}`);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('the broker port is in the range VS Code is told never to forward', async () => {
    const a = await api();
    const attrs = vscode.workspace.getConfiguration('remote').get<Record<string, { onAutoForward?: string }>>('portsAttributes') ?? {};
    const port = a.brokerAddress()!.port;
    const range = Object.entries(attrs).find(([k]) => {
      const [lo, hi] = k.split('-').map(Number);
      return port >= lo && port <= (hi ?? lo);
    });
    assert.ok(range, `port ${port} not covered by remote.portsAttributes ${JSON.stringify(attrs)}`);
    assert.strictEqual(range[1].onAutoForward, 'ignore');
  });
});
