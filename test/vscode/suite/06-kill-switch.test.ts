// Kill switch: `Agent Policy: Block All Agents` denies the next command, even one the policy
// allows; `Agent Policy: Re-arm`, approved by the (stubbed) developer, lets new terminals run again.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Human, SCRATCH, apiIfAny, runInTerminal, unique, waitFor, withHuman } from './helpers';

const marker = () => path.join(SCRATCH, unique('kill'));

/** The person blocks every agent (confirming the dialog) and dismisses the follow-up notification (its "Re-arm…"). */
async function block(): Promise<void> {
  await withHuman(new Human((p) => (p.items.includes('Block all agents') ? 'Block all agents' : undefined)), async (human) => {
    await vscode.commands.executeCommand('agentPolicy.blockAllAgents');
    const confirm = human.prompts.find((p) => p.items.includes('Block all agents'));
    assert.ok(confirm?.modal, 'the kill switch is not confirmed in a dialog');
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

  test('a dismissed confirmation blocks nothing', async () => {
    const a = await apiIfAny();
    await withHuman(Human.denying(), async () => {
      await vscode.commands.executeCommand('agentPolicy.blockAllAgents');
    });
    if (a) assert.notStrictEqual(a.state(), 'killed');
  });

  test('after re-arm, terminals the switch cut off are counted and offered a relaunch', async () => {
    const t = vscode.window.createTerminal({ name: 'before-kill', cwd: process.env.AGENTPOLICY_TEST_WORKSPACE });
    await t.processId;
    await block();
    const offers: string[] = [];
    await withHuman(new Human((p) => (offers.push(p.message), p.items.includes('Re-arm') ? 'Re-arm' : p.items.find((i) => i.startsWith('Relaunch')))), async () => {
      await vscode.commands.executeCommand('agentPolicy.rearm');
    });
    const offer = offers.find((m) => /re-armed\. \d+ terminals? from before the kill switch/.test(m));
    assert.ok(offer, `no count and relaunch offer: ${offers.join(' | ')}`);
    await waitFor(() => offers.some((m) => /relaunched \d+ terminal/.test(m)), 5000, 'the relaunch report');
    await waitFor(() => !vscode.window.terminals.includes(t), 5000, 'the cut-off terminal to be replaced');
    const again = vscode.window.terminals.find((x) => x.name === 'before-kill');
    assert.ok(again, 'no relaunched terminal named before-kill');
    again.dispose();
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
