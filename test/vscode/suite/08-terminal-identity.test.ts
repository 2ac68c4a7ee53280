// Who is behind a terminal: the person's own (opened in the workbench), Copilot agent mode's (its
// terminal tool's hidden terminals, created exactly as VS Code 1.139 does), an Agent terminal for an
// agent CLI, and a terminal another extension created. Real terminals, real shells, real pids.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Human, SCRATCH, api, openCopilotShell, openShell, outsidePath, recordDecisions, rm, typeAndWait, unique, waitFor, withHuman } from './helpers';

/** The pid of a child process the shell started, and the chain pid → shell pid, read from /proc. */
async function childChain(t: vscode.Terminal): Promise<number[]> {
  const f = path.join(SCRATCH, unique('chain'));
  // A child process writes its own pid and its parent's: the parent is the terminal's shell.
  t.sendText(`bash -c 'echo $$ $PPID > ${f}'`);
  const text = await waitFor(() => fs.existsSync(f) && fs.readFileSync(f, 'utf8').trim(), 15_000, 'the child to report its pids');
  return text.split(' ').map(Number);
}

suite('terminal identity', () => {
  const terminals: vscode.Terminal[] = [];
  teardown(() => {
    while (terminals.length) terminals.pop()!.dispose();
  });

  test('the person\'s own terminal, Copilot\'s terminal and an extension\'s terminal are told apart by pid', async () => {
    const a = await api();
    const mine = await openShell();
    const copilot = await openCopilotShell();
    const other = vscode.window.createTerminal({ name: 'Some Extension', cwd: process.env.AGENTPOLICY_TEST_WORKSPACE });
    terminals.push(mine, copilot, other);
    const [pm, pc, po] = await Promise.all([mine.processId, copilot.processId, other.processId]);
    await waitFor(() => a.terminals.terminalSubject([pm!]) && a.terminals.terminalSubject([pc!]) && a.terminals.terminalSubject([po!]), 5000, 'the tracker to know the pids');
    assert.deepStrictEqual([a.terminals.terminalSubject([pm!])?.kind, a.terminals.terminalSubject([pm!])?.method], ['person', 'terminal']);
    assert.deepStrictEqual([a.terminals.terminalSubject([pc!])?.kind, a.terminals.terminalSubject([pc!])?.id], ['agent', 'copilot']);
    assert.match(a.terminals.terminalSubject([pc!])!.evidence, /Copilot's terminal tool/);
    assert.deepStrictEqual([a.terminals.terminalSubject([po!])?.kind], ['unknown'], 'another extension\'s terminal must not count as the person\'s');
    // A process below the shell maps to the shell's terminal.
    await withHuman(Human.denying(), async () => {
      const chain = await childChain(copilot);
      assert.strictEqual(chain[1], pc, 'the child\'s parent is not the terminal\'s shell');
      const s = a.terminals.terminalSubject(chain)!;
      assert.strictEqual(s.id, 'copilot');
      assert.match(s.evidence, /runs 1 level below its shell/);
    });
    assert.strictEqual(a.terminals.terminalSubject([999_999_999]), undefined);
  });

  test('an Agent terminal is its agent\'s: commands typed there ask as that agent', async () => {
    const a = await api();
    const rec = recordDecisions(a);
    const f = outsidePath('agentpolicy-agent-terminal');
    try {
      const t = (await vscode.commands.executeCommand('agentPolicy.newAgentTerminal', 'claude-code')) as vscode.Terminal;
      terminals.push(t);
      const pid = await t.processId;
      await waitFor(() => a.terminals.terminalSubject([pid!]), 5000, 'the tracker to know the terminal\'s pid');
      assert.deepStrictEqual([a.terminals.terminalSubject([pid!])?.kind, a.terminals.terminalSubject([pid!])?.id], ['agent', 'claude-code']);
      await withHuman(Human.answering('Deny'), async (human) => {
        await typeAndWait(t, `touch ${f}`, 30_000, true);
        assert.ok(!fs.existsSync(f), 'a command in the Agent terminal ran without asking');
        assert.strictEqual(human.approvals().length, 1);
      });
      const d = await waitFor(() => rec.events.find((e) => e.what.includes(f)), 5000, 'the decision');
      assert.deepStrictEqual([d.subject?.kind, d.subject?.id], ['agent', 'claude-code'], JSON.stringify(d.subject));
    } finally {
      rec.dispose();
      rm(f);
    }
  });

  test('agentpolicy runs in a guarded terminal (the extension\'s own CLI)', async () => {
    const t = await openShell();
    terminals.push(t);
    const out = path.join(SCRATCH, unique('explain'));
    await withHuman(Human.denying(), async (human) => {
      await typeAndWait(t, `agentpolicy explain -- 'git push --force origin main' > ${out} 2>&1`);
      assert.deepStrictEqual(human.approvals(), []);
    });
    const text = fs.readFileSync(out, 'utf8');
    assert.ok(!/command not found/.test(text), text);
    assert.match(text, /Decision: DENY/, text);
  });

  test('Copilot\'s real terminal tool, when VS Code offers it here', async function () {
    // run_in_terminal is a workbench tool; it is offered to extensions only with a chat provider
    // (Copilot) signed in. This offline build has none, so the shape test above stands in for it.
    const tool = vscode.lm.tools.find((x) => x.name === 'run_in_terminal' || x.name === 'runInTerminal');
    if (!tool) {
      console.log(`    run_in_terminal not offered (tools: ${vscode.lm.tools.map((x) => x.name).join(', ') || 'none'}): skipped`);
      this.skip();
    }
    const a = await api();
    const before = new Set(vscode.window.terminals);
    let outcome = 'pending after 15 s';
    const r = vscode.lm.invokeTool(tool.name, { input: { command: 'true', explanation: 'test', isBackground: false }, toolInvocationToken: undefined });
    await Promise.race([r.then((x) => (outcome = `result ${JSON.stringify(x.content).slice(0, 300)}`), (e) => (outcome = `error ${(e as Error).message}`)), new Promise((res) => setTimeout(res, 15_000))]);
    const created = vscode.window.terminals.filter((t) => !before.has(t));
    console.log(`    invokeTool(${tool.name}): ${outcome}; new terminals: ${created.map((t) => t.name).join(', ') || 'none'}`);
    if (!created.length) {
      // Offered, but without a chat session it does not run (it needs the chat's invocation token).
      this.skip();
    }
    const pid = await created[0].processId;
    assert.strictEqual(a.terminals.terminalSubject([pid!])?.id, 'copilot');
  });
});
