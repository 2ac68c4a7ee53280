// The person is in charge of the policy. Edits typed in the editor and saved are never reverted;
// they take effect after one confirmation (a modal dialog showing the diff). A change on disk made
// outside the editor (an agent, a script) is held — not loaded, the file left alone — with a review
// offering the diff, Keep and Restore. A broken edit is never applied; its fix is. Only the
// person's clicks are stubbed; the policy's effect is checked with real terminals, bash and git.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { Human, POLICY, api, recordDecisions, runInTerminal, sleep, waitFor, withHuman, type Prompt } from './helpers';

const errorsOn = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
const onDisk = () => (fs.existsSync(POLICY) ? fs.readFileSync(POLICY, 'utf8') : '');
/**
 * The recommended policy with one more repository rule, denying a command it otherwise allows
 * (rules of all layers count and the strictest wins, so a tightening is what shows in force).
 */
const CHECK = 'printf policy-check';
const withCheckRule = (text: string) => text.replace(/\ntests:\n/, `\n  - id: no-policy-check\n    action: command\n    match: "${CHECK}"\n    effect: deny\n\ntests:\n`);

async function setText(doc: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
  assert.ok(await vscode.workspace.applyEdit(edit), 'applyEdit failed');
}

/**
 * True while the edited policy is NOT in force: the check command runs (exit 0), as the recommended
 * policy allows; false once the edit's deny rule is in force (exit 126). A real terminal and bash.
 */
async function editNotInForce(): Promise<boolean> {
  const code = await withHuman(Human.denying(), () => runInTerminal(CHECK));
  assert.ok(code === 0 || code === 126, `exit ${code}`);
  return code === 0;
}

suite('policy edits: the person is in charge', () => {
  let original: string;
  suiteSetup(async () => {
    await api();
    original = fs.readFileSync(POLICY, 'utf8');
    assert.notStrictEqual(withCheckRule(original), original, 'the recommended policy has no tests: section to insert a rule before');
  });
  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert').then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration().update('files.autoSave', undefined, vscode.ConfigurationTarget.Global);
    // Back to the recommended policy, in force, through the person's own path (Create Policy).
    if (onDisk() !== original || (await api()).heldPolicyChanges().length) {
      await withHuman(new Human((p) => (p.items.includes('Replace') ? 'Replace' : undefined)), () => Promise.resolve(vscode.commands.executeCommand('agentPolicy.createPolicy', 'recommended')));
      await sleep(500);
    }
  });

  test('an agent\'s change on disk is held: not loaded, the file left alone, the person told, audited as held', async () => {
    const a = await api();
    const rec = recordDecisions(a);
    try {
      await withHuman(Human.denying(), async (human) => {
        fs.writeFileSync(POLICY, withCheckRule(original));
        const h = await waitFor(() => a.heldPolicyChanges()[0], 10_000, 'a held policy change');
        assert.strictEqual(h.by, 'unknown');
        assert.strictEqual(h.subject.kind, 'unknown');
        await waitFor(() => human.prompts.find((p) => /made outside the editor .* is held/.test(p.message)), 5000, 'the pointer naming the held change');
        await sleep(1000);
        assert.strictEqual(onDisk(), withCheckRule(original), 'the held change was reverted on disk (it must be left alone)');
      });
      assert.ok(await editNotInForce(), 'the held change is in force');
      await waitFor(() => rec.events.find((e) => /policy-change .*held/.test(e.what)), 5000, 'a policy-change (held) event');
    } finally {
      rec.dispose();
    }
  });

  test('Review a held change: the dialog shows the diff; Restore writes the version in force back', async () => {
    const a = await api();
    fs.writeFileSync(POLICY, withCheckRule(original));
    await waitFor(() => a.heldPolicyChanges()[0], 10_000, 'a held policy change');
    let dialog: Prompt | undefined;
    await withHuman(new Human((p) => (p.modal && p.items.includes('Restore the version in force') ? ((dialog = p), 'Restore the version in force') : undefined)), async () => {
      await vscode.commands.executeCommand('agentPolicy.reviewPolicyChange');
    });
    assert.ok(dialog, 'no review dialog');
    assert.deepStrictEqual(dialog.items, ['Restore the version in force', 'Keep the change', 'Decide later']);
    assert.match(dialog.detail ?? '', /\+  - id: no-policy-check\n\+    action: command/, `no diff in the dialog: ${dialog.detail}`);
    await waitFor(() => onDisk() === original, 5000, 'the version in force back on disk');
    await waitFor(() => a.heldPolicyChanges().length === 0, 5000, 'nothing held');
    assert.ok(await editNotInForce());
  });

  test('Review a held change and Keep it: it is in force', async () => {
    const a = await api();
    fs.writeFileSync(POLICY, withCheckRule(original));
    await waitFor(() => a.heldPolicyChanges()[0], 10_000, 'a held policy change');
    await withHuman(new Human((p) => (p.modal && p.items.includes('Keep the change') ? 'Keep the change' : undefined)), async () => {
      await vscode.commands.executeCommand('agentPolicy.reviewPolicyChange');
    });
    await waitFor(() => a.heldPolicyChanges().length === 0, 5000, 'nothing held');
    assert.strictEqual(await editNotInForce(), false, 'the kept change is not in force');
  });

  test('the person\'s own edit (typed, saved): one dialog with the diff; applied; never reverted', async () => {
    const doc = await vscode.workspace.openTextDocument(POLICY);
    await vscode.window.showTextDocument(doc);
    const dialogs: Prompt[] = [];
    await withHuman(new Human((p) => (p.modal ? (dialogs.push(p), p.items.includes('Apply') ? 'Apply' : undefined) : undefined)), async (human) => {
      await setText(doc, withCheckRule(original));
      assert.ok(await doc.save(), 'save failed');
      await waitFor(() => dialogs.length === 1, 10_000, 'the confirmation dialog');
      assert.match(dialogs[0].message, /Apply your change to \.agentpolicy\.yaml\?/);
      assert.match(dialogs[0].detail ?? '', /\+  - id: no-policy-check/);
      await sleep(1500);
      assert.strictEqual(dialogs.length, 1, `more than one confirmation: ${JSON.stringify(dialogs)}`);
      assert.ok(!human.prompts.some((p) => /unapproved|restored/i.test(p.message)), JSON.stringify(human.prompts));
    });
    assert.strictEqual(onDisk(), withCheckRule(original), 'the person\'s edit was reverted on disk');
    assert.strictEqual(doc.getText(), withCheckRule(original), 'the person\'s text vanished from the editor');
    assert.strictEqual(await editNotInForce(), false, 'the applied edit is not in force');
  });

  test('a broken edit is never applied (the last good policy stays); its fix is applied, not "restored" to the broken one', async () => {
    const a = await api();
    const uri = vscode.Uri.file(POLICY);
    const lines = original.split('\n');
    const line = lines.findIndex((l) => /^ {2}file\.delete: ask/.test(l));
    assert.ok(line > 0, 'the recommended policy has no `file.delete: ask` default');
    lines[line] = '  file.delete: sometimes';
    const broken = lines.join('\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const dialogs: Prompt[] = [];
    await withHuman(new Human((p) => (p.modal ? (dialogs.push(p), p.items.includes('Apply') ? 'Apply' : undefined) : undefined)), async () => {
      await setText(doc, broken);
      const errs = await waitFor(() => (errorsOn(uri).length ? errorsOn(uri) : undefined), 10_000, 'an error diagnostic while editing');
      assert.ok(errs.some((d) => d.range.start.line === line), `no error on line ${line + 1}`);
      assert.ok(await doc.save());
      await waitFor(() => a.heldPolicyChanges().find((h) => h.errors.length), 10_000, 'the broken edit held with its errors');
      await sleep(800);
      assert.strictEqual(dialogs.length, 0, 'a broken edit was offered for applying');
      assert.strictEqual(onDisk(), broken, 'the broken edit was reverted (the person fixes it, nobody else)');
      assert.ok(await editNotInForce(), 'with a broken edit saved, the last good policy must stay in force (and the fix is not applied yet)');
      // The fix (also flipping no-force-push, so that "in force" is visible): applied after one dialog.
      await setText(doc, withCheckRule(original));
      assert.ok(await doc.save());
      await waitFor(() => dialogs.length === 1, 10_000, 'the confirmation for the fix');
    });
    await waitFor(() => a.heldPolicyChanges().length === 0, 5000, 'nothing held');
    await waitFor(() => errorsOn(uri).length === 0, 10_000, 'the error to clear');
    assert.strictEqual(onDisk(), withCheckRule(original), 'the fix was "restored" to something else');
    assert.strictEqual(await editNotInForce(), false, 'the fix is not in force');
  });

  test('auto-save: no dialog while typing; the change waits for "Review and apply", then one dialog', async () => {
    const a = await api();
    await vscode.workspace.getConfiguration().update('files.autoSave', 'afterDelay', vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration().update('files.autoSaveDelay', 300, vscode.ConfigurationTarget.Global);
    const doc = await vscode.workspace.openTextDocument(POLICY);
    await vscode.window.showTextDocument(doc);
    const seen: Prompt[] = [];
    let click = false;
    await withHuman(new Human((p) => (seen.push(p), p.modal ? 'Apply' : click && p.items.includes('Review and apply…') ? 'Review and apply…' : undefined)), async () => {
      await setText(doc, withCheckRule(original));
      await waitFor(() => onDisk() === withCheckRule(original), 10_000, 'the auto-save');
      await waitFor(() => seen.find((p) => p.items.includes('Review and apply…')), 10_000, 'the "not in force yet" notice');
      assert.ok(!seen.some((p) => p.modal), 'a dialog interrupted typing');
      assert.ok(await editNotInForce(), 'an auto-saved edit took effect without confirmation');
      click = true;
      await vscode.commands.executeCommand('agentPolicy.reviewPolicyChange');
      await waitFor(() => a.heldPolicyChanges().length === 0, 10_000, 'applied');
    });
    assert.strictEqual(seen.filter((p) => p.modal).length, 1);
    assert.strictEqual(await editNotInForce(), false);
  });
});
