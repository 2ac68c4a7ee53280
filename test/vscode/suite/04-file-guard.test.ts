// Protected files other than policies (agent configs with hooks): a change on disk nobody approved is
// put back at once from the last good snapshot, the person is told, can review the diff and keep
// it. A change the person saves in the editor is theirs and stays.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Human, WS, activate, sleep, waitFor, withHuman } from './helpers';

const FILE = path.join(WS, '.claude', 'settings.json');
const ORIGINAL = '{\n  "hooks": {}\n}\n';

suite('file-write guard (protected agent configs)', () => {
  suiteSetup(async () => {
    await activate();
    // Created by the person, in the editor (a file an agent creates is removed: see the last test).
    const uri = vscode.Uri.file(FILE);
    const e = new vscode.WorkspaceEdit();
    e.createFile(uri, { ignoreIfExists: true });
    e.insert(uri, new vscode.Position(0, 0), ORIGINAL);
    assert.ok(await vscode.workspace.applyEdit(e));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    assert.ok(await doc.save());
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await sleep(2500); // the watcher's events for the new folder
    assert.strictEqual(fs.readFileSync(FILE, 'utf8'), ORIGINAL, 'the person\'s own new file was not kept');
  });
  suiteTeardown(() => fs.rmSync(path.dirname(FILE), { recursive: true, force: true }));

  const onDisk = () => (fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : null);

  test('changed on disk: restored within seconds, the person is told, Review shows the diff and Keep re-applies it', async () => {
    const change = '{\n  "hooks": {},\n  "disableAllHooks": true\n}\n';
    let diffShown = false;
    const sub = vscode.window.onDidChangeVisibleTextEditors((eds) => (diffShown ||= eds.some((e) => e.document.uri.scheme === 'agentpolicy-rejected')));
    try {
      await withHuman(new Human((p) => (p.items.includes('Review the change…') ? 'Review the change…' : p.items.includes('Keep the change') ? 'Keep the change' : undefined)), async (human) => {
        fs.writeFileSync(FILE, change);
        await waitFor(() => onDisk() === ORIGINAL, 10_000, 'settings.json to be restored');
        const told = await waitFor(() => human.prompts.find((p) => p.message.includes('settings.json')), 5000, 'a message naming settings.json');
        assert.match(told.message, /restored .*after a change made outside the editor/);
        const keep = await waitFor(() => human.prompts.find((p) => p.modal && p.items.includes('Keep the change')), 10_000, 'the Keep dialog');
        assert.match(keep.detail ?? '', /\+  "disableAllHooks": true/, `no diff in the dialog: ${keep.detail}`);
        await waitFor(() => onDisk() === change, 10_000, 'the kept change on disk');
        await sleep(1000);
        assert.strictEqual(onDisk(), change, 'the kept change was reverted again');
      });
      assert.ok(diffShown, 'Review did not open a diff editor');
    } finally {
      sub.dispose();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  test('deleted on disk: restored', async () => {
    await withHuman(Human.denying(), async () => {
      const kept = onDisk();
      assert.ok(kept, 'no settings.json (previous test)');
      fs.unlinkSync(FILE);
      await waitFor(() => onDisk() === kept, 10_000, 'settings.json to be restored');
    });
  });

  test('a protected file an agent creates is removed', async () => {
    const other = path.join(WS, '.claude', 'settings.local.json');
    await withHuman(Human.denying(), async (human) => {
      fs.writeFileSync(other, '{"hooks": {}}\n');
      await waitFor(() => !fs.existsSync(other), 10_000, 'the new protected file to be removed');
      await waitFor(() => human.prompts.find((p) => p.message.includes('settings.local.json')), 5000, 'a message naming it');
    });
  });

  test('saved by the person in the editor: stays as they wrote it', async () => {
    const doc = await vscode.workspace.openTextDocument(FILE);
    await vscode.window.showTextDocument(doc);
    const mine = '{\n  "hooks": {},\n  "model": "mine"\n}\n';
    try {
      await withHuman(Human.denying(), async (human) => {
        const e = new vscode.WorkspaceEdit();
        e.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), mine);
        assert.ok(await vscode.workspace.applyEdit(e));
        assert.ok(await doc.save());
        await sleep(2500);
        assert.strictEqual(onDisk(), mine, 'the person\'s own save was reverted');
        assert.ok(!human.prompts.some((p) => /restored/.test(p.message)), JSON.stringify(human.prompts));
      });
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });
});
