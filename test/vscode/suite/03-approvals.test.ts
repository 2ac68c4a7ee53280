// Approvals: a command the policy answers with `ask` (writing outside the workspace) waits in Pending
// Approvals until the person answers there; only the person's click is stubbed (Human clicks the
// row's button, the command the UI runs). Both answers, "Allow once" meaning once, a session grant,
// concurrent requests (all visible at once), the pointer notification, and high-risk modals with
// Deny as the default button. Each test uses its own command name, so a short-lived pass from an
// earlier approval cannot answer for it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { APPROVAL_BUTTONS, AgentPolicyApi, Human, apiIfAny, api, isApproval, isPointer, newLocalCommit, outsidePath, recordDecisions, remoteMain, rm, runInTerminal, waitFor, withHuman, type Prompt } from './helpers';

suite('approvals', () => {
  let a: AgentPolicyApi | undefined;
  const created: string[] = [];
  suiteSetup(async () => {
    a = await apiIfAny();
  });
  suiteTeardown(() => created.forEach(rm));
  const target = (p: string) => {
    const f = outsidePath(p);
    created.push(f);
    return f;
  };

  test('ask → "Allow once": the prompt names the command and offers the four buttons; the command runs', async () => {
    const f = target('agentpolicy-allow');
    const rec = recordDecisions(a);
    try {
      await withHuman(Human.answering('Allow once'), async (human) => {
        const code = await runInTerminal(`touch ${f}`);
        const asked = human.approvals();
        assert.strictEqual(asked.length, 1, `approval prompts: ${JSON.stringify(human.prompts)}`);
        assert.ok(asked[0].message.includes(f) || (asked[0].detail ?? '').includes(f), `the prompt does not name ${f}: ${JSON.stringify(asked[0])}`);
        for (const b of APPROVAL_BUTTONS) assert.ok(asked[0].items.includes(b), `no "${b}" button: ${asked[0].items.join(', ')}`);
        assert.strictEqual(code, 0, `exit code ${code}`);
        assert.ok(fs.existsSync(f), `${f} was not created`);
      });
      if (a) await waitFor(() => rec.events.find((e) => e.what.includes(f) && e.final === 'allow'), 5000, 'an allow decision (API.onDidDecide)');
    } finally {
      rec.dispose();
    }
  });

  test('"Allow once" covers that request only: the same command with another path, right after, is asked again', async () => {
    const f = target('agentpolicy-once-more');
    await withHuman(Human.answering('Deny'), async (human) => {
      const code = await runInTerminal(`touch ${f}`);
      assert.strictEqual(human.approvals().length, 1, `\`touch ${f}\` ran without asking, on the strength of the previous test's "Allow once" for another path`);
      assert.strictEqual(code, 126, `exit code ${code}`);
      assert.ok(!fs.existsSync(f));
    });
  });

  test('ask → "Deny": the command does not run (exit 126)', async () => {
    const f = target('agentpolicy-deny');
    await withHuman(Human.answering('Deny'), async (human) => {
      const code = await runInTerminal(`mkdir ${f}`);
      assert.strictEqual(human.approvals().length, 1, `approval prompts: ${JSON.stringify(human.prompts)}`);
      assert.strictEqual(code, 126, `exit code ${code}`);
      assert.ok(!fs.existsSync(f), `${f} was created although the developer denied it`);
    });
  });

  test('"Allow for this session": the same action runs again without asking', async () => {
    const f = target('agentpolicy-session');
    await withHuman(Human.answering('Allow for this session'), async (human) => {
      assert.strictEqual(await runInTerminal(`printf x > ${f}`), 0);
      assert.strictEqual(human.approvals().length, 1, `approval prompts: ${JSON.stringify(human.prompts)}`);
    });
    rm(f);
    await withHuman(Human.denying(), async (human) => {
      const code = await runInTerminal(`printf x > ${f}`);
      assert.deepStrictEqual(human.approvals(), [], 'asked again despite the session grant');
      assert.strictEqual(code, 0, `exit code ${code}`);
      assert.ok(fs.existsSync(f));
    });
  });

  test('concurrent requests are all listed at once, counted by pendingApprovals(), and each is answered once', async () => {
    const x = await api();
    const f1 = target('agentpolicy-q1');
    const f2 = target('agentpolicy-q2');
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    await withHuman(new Human(async (p) => (isApproval(p) ? (await released, 'Allow once') : undefined)), async (human) => {
      const runs = [runInTerminal(`ln -s /dev/null ${f1}`, 40_000), runInTerminal(`ln -s /dev/null ${f2}`, 40_000)];
      try {
        await waitFor(() => x.pendingApprovals() === 2, 20_000, `pendingApprovals() to reach 2 (it is ${x.pendingApprovals()})`);
        await waitFor(() => human.approvals().length === 2, 5000, 'both requests visible in Pending Approvals at once');
        assert.strictEqual(x.test!.pending().length, 2);
      } finally {
        release();
      }
      assert.deepStrictEqual(await Promise.all(runs), [0, 0]);
      assert.strictEqual(human.approvals().length, 2, 'each request is put to the person exactly once');
      await waitFor(() => x.pendingApprovals() === 0, 5000, 'pendingApprovals() back to 0');
    });
    assert.ok(fs.lstatSync(f1).isSymbolicLink() && fs.lstatSync(f2).isSymbolicLink());
  });

  test('a request stays listed while the notification is gone; the notification only points to the view', async () => {
    const x = await api();
    const f = target('agentpolicy-stays');
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const seen: Prompt[] = [];
    await withHuman(new Human(async (p) => { seen.push(p); return isApproval(p) ? (await released, 'Deny') : undefined; }), async () => {
      const run = runInTerminal(`touch ${f}`, 40_000);
      await waitFor(() => x.pendingApprovals() === 1, 20_000, 'the request in Pending Approvals');
      const pointer = await waitFor(() => seen.find(isPointer), 5000, 'the pointer notification');
      assert.ok(!pointer.items.includes('Allow once'), `the notification must not answer: ${pointer.items}`);
      assert.ok(pointer.message.includes(f), pointer.message);
      // Dismissed notification (the stub returned undefined): the request is still there, and stays.
      await new Promise((r) => setTimeout(r, 1500));
      assert.strictEqual(x.pendingApprovals(), 1, 'the request left the list without an answer');
      release();
      assert.strictEqual(await run, 126);
    });
  });

  test('a row cannot be answered by anything but the row itself: a look-alike object from elsewhere is refused', async () => {
    const x = await api();
    const f = target('agentpolicy-forged');
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    await withHuman(new Human(async (p) => (isApproval(p) ? (await released, 'Deny') : undefined)), async () => {
      const run = runInTerminal(`touch ${f}`, 40_000);
      await waitFor(() => x.pendingApprovals() === 1, 20_000, 'the request in Pending Approvals');
      const real = x.test!.pending()[0];
      // What another extension could build: a copy with the same fields.
      await vscode.commands.executeCommand('agentPolicy.approval.allowOnce', JSON.parse(JSON.stringify(real)));
      await new Promise((r) => setTimeout(r, 300));
      assert.strictEqual(x.pendingApprovals(), 1, 'a forged row answered the request');
      release();
      assert.strictEqual(await run, 126);
      assert.ok(!fs.existsSync(f));
    });
  });

  test('high risk (a push to main): a modal whose first (default) button is Deny, the command once, the why in detail, no Cancel', async () => {
    newLocalCommit();
    const before = remoteMain();
    await withHuman(Human.answering('Deny'), async (human) => {
      // The recommended policy denies pushing to main outright; a push of HEAD to an unknown destination asks, high risk.
      const code = await runInTerminal('git push origin HEAD', 40_000);
      const modal = human.prompts.find((p) => p.modal && isApproval(p));
      assert.ok(modal, `no modal: ${JSON.stringify(human.prompts)}`);
      assert.strictEqual(modal.items[0], 'Deny', `the default (first) button is not Deny: ${modal.items}`);
      assert.ok(!modal.items.some((i) => /^cancel$/i.test(i)), `a separate Cancel: ${modal.items}`);
      const shownTimes = (modal.message + '\n' + (modal.detail ?? '')).split('git push origin HEAD').length - 1;
      assert.strictEqual(shownTimes, 1, `the command is shown ${shownTimes} times:\n${modal.message}\n${modal.detail}`);
      assert.match(modal.detail ?? '', /Why it asks: .+\nDecided by /);
      assert.strictEqual(code, 126);
      assert.strictEqual(remoteMain(), before);
    });
  });

  test('deleting build output inside the workspace asks without a modal (not high risk)', async () => {
    const dist = `${process.env.AGENTPOLICY_TEST_WORKSPACE}/.ap-test/dist-${Date.now()}`;
    fs.mkdirSync(`${dist}/js`, { recursive: true });
    await withHuman(Human.answering('Allow once'), async (human) => {
      assert.strictEqual(await runInTerminal(`rm -rf ${dist}`), 0);
      assert.ok(!human.prompts.some((p) => p.modal), `a modal for deleting build output: ${JSON.stringify(human.prompts)}`);
      assert.strictEqual(human.approvals().length, 1);
    });
    assert.ok(!fs.existsSync(dist));
  });

  test('a command with escape and invisible characters is shown escaped', async () => {
    const x = await api();
    const f = target('agentpolicy-esc');
    let shown: Prompt | undefined;
    await withHuman(new Human((p) => (isApproval(p) ? ((shown = p), 'Deny') : undefined)), async () => {
      // ESC[2K (erase line), CR and a right-to-left override, in a command that asks.
      assert.strictEqual(await runInTerminal(`touch ${f} # $'\x1b[2K\r'ok \u202e`), 126);
    });
    assert.ok(shown, 'no approval');
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e]/.test(shown!.message), `raw control characters reached the prompt: ${JSON.stringify(shown!.message)}`);
    assert.ok(x.pendingApprovals() === 0);
  });
});
