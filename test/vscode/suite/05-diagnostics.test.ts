// Policy in the editor: a broken .agentpolicy.yaml, edited in the editor as a developer would, gets
// an error diagnostic on the right line as soon as it is typed; saved (and kept when the file
// guard asks), the last good policy stays in force; fixing the file clears the error.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { Human, POLICY, activate, apiIfAny, newLocalCommit, remoteMain, runInTerminal, waitFor, withHuman } from './helpers';

const errorsOn = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
const onDisk = () => (fs.existsSync(POLICY) ? fs.readFileSync(POLICY, 'utf8') : '');

async function setText(doc: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
  assert.ok(await vscode.workspace.applyEdit(edit), 'applyEdit failed');
}

suite('policy diagnostics', () => {
  test('an invalid value gets an error on its line; the last good policy stays in force; fixing clears it', async () => {
    await activate();
    const a = await apiIfAny();
    const uri = vscode.Uri.file(POLICY);
    const original = fs.readFileSync(POLICY, 'utf8');
    const lines = original.split('\n');
    const line = lines.findIndex((l) => /^ {2}file\.delete: ask/.test(l));
    assert.ok(line > 0, 'the recommended policy has no `file.delete: ask` default');
    lines[line] = '  file.delete: sometimes';
    const broken = lines.join('\n');

    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    // The developer: approves, and keeps their own change if the file guard reverts the save.
    const human = Human.answering('Allow once');
    try {
      // As typed: an error on the broken line.
      await setText(doc, broken);
      const errs = await waitFor(() => (errorsOn(uri).length ? errorsOn(uri) : undefined), 10_000, 'an error diagnostic while editing .agentpolicy.yaml');
      const onLine = errs.find((d) => d.range.start.line === line);
      assert.ok(onLine, `no error on line ${line + 1}: ${errs.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`).join('; ')}`);
      assert.match(onLine.message, /allow|ask|deny|sometimes|invalid/i);

      // Saved: still an error; the guard keeps the last good policy in force (a force push stays denied).
      assert.ok(await doc.save(), 'save failed');
      await waitFor(() => onDisk() === broken, 15_000, 'the broken policy to be on disk (saved and kept)');
      await waitFor(() => errorsOn(uri).some((d) => d.range.start.line === line), 10_000, `the error on line ${line + 1} after saving`);
      if (a) await waitFor(() => a.state() === 'degraded', 10_000, `state() to be 'degraded' with a broken policy file (it is '${a.state()}')`);
      newLocalCommit();
      const before = remoteMain();
      assert.strictEqual(await runInTerminal('git push --force origin main'), 126, 'with a broken policy file, a force push was not denied');
      assert.strictEqual(remoteMain(), before);

      // Fixed and saved: no error, the guard is armed again.
      await setText(doc, original);
      assert.ok(await doc.save(), 'save failed');
      await waitFor(() => onDisk() === original, 15_000, 'the fixed policy to be on disk');
      await waitFor(() => errorsOn(uri).length === 0, 10_000, 'the error to clear after fixing the file');
      if (a) await waitFor(() => a.state() === 'armed', 10_000, `state() to be 'armed' again (it is '${a.state()}')`);
    } finally {
      human.dispose();
      await vscode.commands.executeCommand('workbench.action.files.revert').then(undefined, () => undefined);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      if (onDisk() !== original) {
        // Leave the good policy for the next tests (the guard may revert this; keep it then).
        await withHuman(Human.answering('Allow once'), async () => {
          fs.writeFileSync(POLICY, original);
          await waitFor(() => onDisk() === original, 10_000, 'the good policy back on disk').catch(() => undefined);
        });
      }
    }
  });
});
