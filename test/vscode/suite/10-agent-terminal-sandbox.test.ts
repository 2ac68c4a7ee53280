// The Agent terminal in the policy's sandbox (agentpolicy run → bubblewrap): the shell an agent CLI
// starts in is confined; what the person is asked on the way is recorded. Needs bubblewrap.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Human, SCRATCH, api, isApproval, unique, waitFor, withHuman } from './helpers';
import { quickProbe } from '../../../src/core/sandbox/launch';

suite('agent terminal in the sandbox', () => {
  test('a sandboxed Agent terminal runs its shell inside the sandbox', async function () {
    const probe = quickProbe();
    if (!probe.ok) {
      console.log(`    no sandbox here: ${probe.reason}`);
      this.skip();
    }
    await api();
    const config = vscode.workspace.getConfiguration();
    await config.update('agentPolicy.agentTerminal.sandbox', true, vscode.ConfigurationTarget.Global);
    const out = path.join(SCRATCH, unique('sandbox'));
    let t: vscode.Terminal | undefined;
    try {
      await withHuman(new Human((p) => (isApproval(p) ? 'Allow once' : undefined)), async (human) => {
        t = (await vscode.commands.executeCommand('agentPolicy.newAgentTerminal', 'claude-code')) as vscode.Terminal;
        await new Promise((r) => setTimeout(r, 4000));
        t.sendText(`printf '%s' "\${AGENTPOLICY_SANDBOX-none}" > ${out}`);
        await waitFor(() => fs.existsSync(out), 45_000, `the sandboxed shell to write ${out} (prompts: ${JSON.stringify(human.prompts.map((p) => p.message))})`);
        console.log(`    asked on the way: ${human.approvals().map((p) => p.message).join(' | ') || 'nothing'}`);
      });
      assert.strictEqual(fs.readFileSync(out, 'utf8'), '1', 'the Agent terminal\'s shell is not in the sandbox');
    } finally {
      t?.dispose();
      await config.update('agentPolicy.agentTerminal.sandbox', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
