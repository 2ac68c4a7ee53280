// Terminals: a new integrated terminal carries the guard (environment variable collection), and a
// guarded command run in a real terminal, through real bash and git, is blocked: the remote does
// not move.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  AgentPolicyApi, Human, SCRATCH, apiIfAny, newLocalCommit, openCopilotShell, openShell, outsidePath, recordDecisions, remoteMain, rm,
  runInTerminal, typeAndWait, unique, waitFor, withHuman,
} from './helpers';

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    const i = entry.indexOf('=');
    if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
  }
  return env;
}

suite('terminals', () => {
  let a: AgentPolicyApi | undefined;
  const terminals: vscode.Terminal[] = [];
  suiteSetup(async () => {
    a = await apiIfAny();
  });
  teardown(() => {
    while (terminals.length) terminals.pop()!.dispose();
  });

  test('a new terminal gets the guard environment: broker address, credential, BASH_ENV, ZDOTDIR, PATH shims, git hooks', async () => {
    const file = path.join(SCRATCH, unique('env'));
    // /usr/bin/env by absolute path under dash: reads the environment without asking the guard.
    const code = await runInTerminalSh(`exec /usr/bin/env -0 > '${file}'`);
    assert.strictEqual(code, 0);
    const env = parseEnv(fs.readFileSync(file, 'utf8'));
    for (const k of ['AGENTPOLICY_SOCKET', 'AGENTPOLICY_PORT', 'AGENTPOLICY_TOKEN', 'BASH_ENV', 'ZDOTDIR', 'GIT_CONFIG_COUNT']) {
      assert.ok(env[k], `${k} is not set in a new terminal`);
    }
    assert.ok(fs.existsSync(env.BASH_ENV), `BASH_ENV ${env.BASH_ENV} does not exist`);
    const shimDir = env.PATH.split(':')[0];
    assert.ok(fs.existsSync(path.join(shimDir, 'git')), `the first PATH entry (${shimDir}) holds no git shim`);
    const n = Number(env.GIT_CONFIG_COUNT);
    const hooks = [...Array(n).keys()].filter((i) => env[`GIT_CONFIG_KEY_${i}`] === 'core.hooksPath').map((i) => env[`GIT_CONFIG_VALUE_${i}`]);
    assert.strictEqual(hooks.length, 1, 'core.hooksPath is not set through GIT_CONFIG_*');
    assert.ok(fs.existsSync(path.join(hooks[0], 'pre-push')), `no pre-push hook in ${hooks[0]}`);
    if (a) {
      const addr = a.brokerAddress();
      assert.ok(addr, 'API.brokerAddress() is undefined');
      assert.strictEqual(env.AGENTPOLICY_PORT, String(addr.port));
      assert.strictEqual(env.AGENTPOLICY_SOCKET, addr.socketPath);
      const g = a.guardEnvironment();
      for (const k of ['AGENTPOLICY_SOCKET', 'AGENTPOLICY_PORT', 'BASH_ENV']) assert.strictEqual(env[k], g[k], `${k}: terminal vs API.guardEnvironment()`);
    }
  });

  test('the person\'s own terminal (opened in the workbench) sees the broker and runs an allowed command', async () => {
    const t = await openShell();
    terminals.push(t);
    const file = path.join(SCRATCH, unique('port'));
    await withHuman(Human.denying(), async (human) => {
      await typeAndWait(t, `printf '%s\\n' "$AGENTPOLICY_PORT" > ${file}`);
      assert.deepStrictEqual(human.approvals(), [], 'an allowed command asked the person');
    });
    const port = fs.readFileSync(file, 'utf8').trim();
    assert.match(port, /^\d+$/, `AGENTPOLICY_PORT in an interactive terminal: "${port}"`);
    if (a) assert.strictEqual(port, String(a.brokerAddress()?.port));
  });

  test('the person\'s own command that would ask an agent runs without a prompt, audited as the person', async () => {
    const f = outsidePath('agentpolicy-person');
    const rec = recordDecisions(a);
    const t = await openShell();
    terminals.push(t);
    try {
      await withHuman(Human.denying(), async (human) => {
        await typeAndWait(t, `touch ${f}`).catch(async (e) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { ancestry } = require('../../../src/core/identity/attribution');
          const chain = ancestry((await t.processId)!, {}).map((p: { pid: number; comm: string; guarded: boolean; argv: string[] }) => `${p.pid} ${p.comm} guarded=${p.guarded} ${p.argv.slice(0, 3).join(' ')}`);
          throw new Error(`${e.message}; decisions: ${JSON.stringify(rec.events.map((x) => [x.what, x.final, x.subject]))}; shell ancestry: ${chain.join(' | ')}`);
        });
        assert.deepStrictEqual(human.approvals(), [], `the person was prompted for their own command: ${JSON.stringify(human.prompts)}`);
        assert.ok(fs.existsSync(f), `the person's own \`touch ${f}\` did not run`);
      });
      if (a) {
        const d = await waitFor(() => rec.events.find((e) => e.what.includes(f)), 5000, 'the decision (API.onDidDecide)');
        assert.strictEqual(d.subject?.kind, 'person', `attributed to ${JSON.stringify(d.subject)}`);
        assert.strictEqual(d.final, 'allow');
      }
    } finally {
      rec.dispose();
      rm(f);
    }
  });

  test('the same command typed in Copilot\'s agent terminal asks, as the agent copilot; Deny leaves nothing behind', async () => {
    const f = outsidePath('agentpolicy-copilot');
    const rec = recordDecisions(a);
    const t = await openCopilotShell();
    terminals.push(t);
    try {
      await withHuman(Human.answering('Deny'), async (human) => {
        await typeAndWait(t, `touch ${f}`, 30_000, true);
        assert.ok(!fs.existsSync(f), `\`touch ${f}\` typed in Copilot's terminal ran without asking`);
        assert.strictEqual(human.approvals().length, 1, `approval prompts: ${JSON.stringify(human.prompts)}`);
      });
      if (a) {
        const d = await waitFor(() => rec.events.find((e) => e.what.includes(f)), 5000, 'the decision (API.onDidDecide)');
        assert.deepStrictEqual([d.subject?.kind, d.subject?.id, d.subject?.method], ['agent', 'copilot', 'terminal'], JSON.stringify(d.subject));
      }
    } finally {
      rec.dispose();
      rm(f);
    }
  });

  test('a force push typed in Copilot\'s agent terminal is blocked: the remote does not move', async () => {
    newLocalCommit();
    const before = remoteMain();
    const rec = recordDecisions(a);
    const t = await openCopilotShell();
    terminals.push(t);
    try {
      await withHuman(Human.denying(), async (human) => {
        await typeAndWait(t, 'git push --force origin main', 30_000, true);
        assert.strictEqual(remoteMain(), before, 'git push --force origin main moved the remote: the terminal is not guarded');
        assert.deepStrictEqual(human.approvals(), [], 'a denied command asked the person');
      });
      if (a) {
        const d = await waitFor(() => rec.events.find((e) => /push/.test(e.what) && e.final === 'deny'), 5000, 'a deny decision for the push (API.onDidDecide)');
        assert.ok(d.ruleIds.includes('no-force-push'), `rules: ${d.ruleIds.join(', ')}`);
      }
    } finally {
      rec.dispose();
    }
  });

  test('an agent-style `bash -c` force push in a terminal is denied (exit 126) and the remote does not move', async () => {
    newLocalCommit();
    const before = remoteMain();
    await withHuman(Human.denying(), async (human) => {
      const code = await runInTerminal('git push --force origin main');
      assert.strictEqual(remoteMain(), before, 'the remote moved');
      assert.strictEqual(code, 126, `exit code ${code}`);
      assert.deepStrictEqual(human.approvals(), []);
    });
  });
});

/** `sh -c` (dash) in a terminal: not bash, so no trap; only the environment matters here. */
async function runInTerminalSh(line: string): Promise<number | undefined> {
  const t = vscode.window.createTerminal({ name: unique('ap-sh'), shellPath: '/bin/sh', shellArgs: ['-c', line], cwd: process.env.AGENTPOLICY_TEST_WORKSPACE });
  try {
    return (await waitFor(() => t.exitStatus, 30_000, `sh -c ${line}`)).code;
  } finally {
    t.dispose();
  }
}
