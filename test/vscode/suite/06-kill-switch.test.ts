// Kill switch: `Agent Policy: Block All Agents` denies the next command, even one the policy
// allows; `Agent Policy: Re-arm`, approved by the (stubbed) developer, lets new terminals run again.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Human, SCRATCH, apiIfAny, runInTerminal, unique, waitFor, withHuman } from './helpers';

const marker = () => path.join(SCRATCH, unique('kill'));

/** The developer blocks every agent and dismisses the follow-up notification (its "Re-arm…"). */
async function block(): Promise<void> {
  await withHuman(Human.denying(), async () => {
    await vscode.commands.executeCommand('agentPolicy.blockAllAgents');
  });
}

suite('kill switch', () => {
  suiteTeardown(async () => {
    const a = await apiIfAny();
    if (a?.state() === 'killed') {
      await withHuman(Human.answering('Allow once'), () => Promise.resolve(vscode.commands.executeCommand('agentPolicy.rearm'))).catch(() => undefined);
    }
  });

  test('Block All Agents denies the next command; Re-arm (approved) lets a new terminal run it', async () => {
    const a = await apiIfAny();
    const before = marker();
    assert.strictEqual(await runInTerminal(`touch ${before}`), 0, 'an allowed command failed before the kill switch');
    assert.ok(fs.existsSync(before));

    await block();
    if (a) await waitFor(() => a.state() === 'killed', 5000, `state() to be 'killed' (it is '${a.state()}')`);

    const during = marker();
    await withHuman(Human.answering('Allow once'), async (human) => {
      const code = await runInTerminal(`touch ${during}`);
      assert.ok(!fs.existsSync(during), 'a command ran while all agents were blocked');
      assert.strictEqual(code, 126, `exit code ${code}`);
      assert.deepStrictEqual(human.approvals(), [], 'the kill switch must deny, not ask');
    });

    await withHuman(Human.answering('Allow once'), async (human) => {
      await vscode.commands.executeCommand('agentPolicy.rearm');
      assert.ok(human.prompts.length >= 1, 're-arming did not ask the developer');
    });
    if (a) await waitFor(() => a.state() !== 'killed', 5000, `state() to leave 'killed'`);

    const after = marker();
    assert.strictEqual(await runInTerminal(`touch ${after}`), 0, 'after re-arming, an allowed command in a new terminal failed');
    assert.ok(fs.existsSync(after));
  });

  test('Re-arm refused by the developer keeps every agent blocked', async () => {
    await block();
    await withHuman(Human.denying(), async (human) => {
      await vscode.commands.executeCommand('agentPolicy.rearm');
      assert.ok(human.prompts.length >= 1, 're-arming did not ask the developer');
    });
    const f = marker();
    assert.strictEqual(await runInTerminal(`touch ${f}`), 126);
    assert.ok(!fs.existsSync(f));
  });
});
