// Inline approvals: a command the policy answers with `ask` (writing outside the workspace) is put
// to the developer; only the developer is stubbed (Human). Both answers, "Allow once" meaning once,
// a session grant, and concurrent requests. Each test uses its own command name, so a short-lived
// pass from an earlier approval cannot answer for it.
import * as assert from 'assert';
import * as fs from 'fs';
import { APPROVAL_BUTTONS, AgentPolicyApi, Human, apiIfAny, api, isApproval, outsidePath, recordDecisions, rm, runInTerminal, waitFor, withHuman } from './helpers';

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

  test('concurrent requests queue, are counted by pendingApprovals(), and each is answered once', async () => {
    const x = await api();
    const f1 = target('agentpolicy-q1');
    const f2 = target('agentpolicy-q2');
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    await withHuman(new Human(async (p) => (isApproval(p) ? (await released, 'Allow once') : undefined)), async (human) => {
      const runs = [runInTerminal(`ln -s /dev/null ${f1}`, 40_000), runInTerminal(`ln -s /dev/null ${f2}`, 40_000)];
      try {
        await waitFor(() => x.pendingApprovals() === 2, 20_000, `pendingApprovals() to reach 2 (it is ${x.pendingApprovals()})`);
        assert.strictEqual(human.approvals().length, 1, 'queued: one prompt at a time');
      } finally {
        release();
      }
      assert.deepStrictEqual(await Promise.all(runs), [0, 0]);
      assert.strictEqual(human.approvals().length, 2, 'each request is put to the developer exactly once');
      await waitFor(() => x.pendingApprovals() === 0, 5000, 'pendingApprovals() back to 0');
    });
    assert.ok(fs.lstatSync(f1).isSymbolicLink() && fs.lstatSync(f2).isSymbolicLink());
  });
});
