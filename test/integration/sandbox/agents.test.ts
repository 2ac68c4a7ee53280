import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { agentsInstalled, type AgentName } from '../../agents/agents';
import { runAgent, type Turn } from '../../agents/driver';
import { makeSandbox, type Sandbox } from '../../agents/workspace';
import { probeSandbox } from '../../../src/core/sandbox/launch';
import { distDir } from './world';

/**
 * The real agent CLIs (pinned in tools/agents; `bash test/agents/install.sh`) under
 * `agentpolicy run`, sandboxed, against the harness's fake model on 127.0.0.1 (reached inside
 * through the relay and the proxy). No agent hooks are installed: what stops the agent's own
 * file tools here is the sandbox alone. Effects are checked outside.
 */
const cli = path.join(distDir, 'cli.js');
const probe = probeSandbox();
const ready = probe.ok && agentsInstalled();
if (!ready) console.warn(`\n  !!! REAL-AGENT SANDBOX TESTS SKIPPED: ${probe.ok ? 'the agent CLIs are not installed (bash test/agents/install.sh)' : `${probe.reason}; ${probe.fix}`}\n`);
const describeAgents = ready ? describe : describe.skip;

interface Tools {
  write: (file: string, content: string) => Turn;
  read: (file: string) => Turn;
  shell: (command: string) => Turn;
}

const TOOLS: Record<AgentName, Tools> = {
  'claude-code': {
    write: (file_path, content) => ({ tool: 'Write', input: { file_path, content } }),
    read: (file_path) => ({ tool: 'Read', input: { file_path } }),
    shell: (command) => ({ tool: 'Bash', input: { command } }),
  },
  gemini: {
    write: (file_path, content) => ({ tool: 'write_file', input: { file_path, content } }),
    read: (absolute_path) => ({ tool: 'read_file', input: { absolute_path } }),
    shell: (command) => ({ tool: 'run_shell_command', input: { command } }),
  },
  codex: {
    write: (file, content) => ({ tool: 'exec_command', input: { cmd: `cat > '${file}' <<'EOF'\n${content}EOF` } }),
    read: (file) => ({ tool: 'exec_command', input: { cmd: `cat '${file}'` } }),
    shell: (cmd) => ({ tool: 'exec_command', input: { cmd } }),
  },
};

describeAgents('real agent CLIs under agentpolicy run, sandboxed', function () {
  this.timeout(240_000);
  for (const agent of ['claude-code', 'gemini', 'codex'] as const) {
    describe(agent, () => {
      let sb: Sandbox;
      before(() => {
        sb = makeSandbox({ prefix: 'ap-sbx-agent-' });
        fs.writeFileSync(path.join(sb.workspace, '.agentpolicy.yaml'), 'version: 1\n');
        spawnSync('git', ['-C', sb.workspace, 'add', '.agentpolicy.yaml'], { env: { PATH: process.env.PATH, HOME: sb.home } });
        spawnSync('git', ['-C', sb.workspace, '-c', 'user.name=h', '-c', 'user.email=h@x', 'commit', '-qm', 'policy'], { env: { PATH: process.env.PATH, HOME: sb.home } });
      });
      after(() => sb?.cleanup());

      it('its own tools cannot change the policy, read .env, write outside or push around the broker; it still works and an approved push lands', async () => {
        const t = TOOLS[agent];
        const ws = sb.workspace;
        const remoteMain = () => spawnSync('git', ['--git-dir', sb.remote, 'rev-parse', 'refs/heads/main'], { encoding: 'utf8' }).stdout.trim();
        const mainBefore = remoteMain();
        const policyBefore = fs.readFileSync(path.join(ws, '.agentpolicy.yaml'), 'utf8');
        const r = await runAgent({
          agent,
          workspace: ws,
          home: sb.home,
          prefix: [process.execPath, cli, 'run', '--approver', 'allow', '--agent', agent, '--'],
          env: { AGENTPOLICY_SANDBOX_FORWARDS: '' },
          turns: [
            t.write(path.join(ws, '.agentpolicy.yaml'), 'version: 1\nrules: []\n'),
            t.read(path.join(ws, '.env')),
            t.write(path.join(ws, 'evil.sh'), '#!/bin/sh\n/usr/bin/git commit -q --allow-empty -m evil\nexec env -i /usr/bin/git push -q --force origin HEAD:main\n'),
            t.shell('sh evil.sh; echo evil-status=$?'),
            t.write(path.join(sb.home, 'outside.txt'), 'planted\n'),
            t.write(path.join(ws, 'src', 'feature.txt'), 'written by the agent\n'),
            t.shell('git checkout -q -b feature && git add src/feature.txt && git commit -qm feature && git push -q origin feature; echo push-status=$?'),
            { text: 'done' },
          ],
          timeoutMs: 180_000,
        });
        const diag = `exit ${r.exitCode}\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}`;
        if (agent === 'codex' && /\.codex is protected by the policy/.test(r.stderr)) {
          // The baseline protects ~/.codex/ whole, and Codex keeps its state there: protected wins,
          // so Codex cannot start in the sandbox (it says why). Nothing it did may have had an effect.
          process.stderr.write(`\n  !!! codex cannot run sandboxed while the policy protects all of ~/.codex/ (see docs/sandbox.md); checked that it failed closed\n`);
          assert.match(r.stderr, /Read-only file system/, diag);
          assert.strictEqual(fs.readFileSync(path.join(ws, '.agentpolicy.yaml'), 'utf8'), policyBefore);
          assert.ok(!r.modelText.includes('SECRET=1'));
          assert.strictEqual(remoteMain(), mainBefore);
          return;
        }
        // It worked: reached its model (through the proxy) for every turn and wrote in src/.
        assert.ok(r.requests.filter((q) => q.turn !== null).length >= 8, `the agent did not play the script:\n${diag}`);
        assert.strictEqual(fs.readFileSync(path.join(ws, 'src', 'feature.txt'), 'utf8'), 'written by the agent\n', diag);
        // The boundary held.
        assert.strictEqual(fs.readFileSync(path.join(ws, '.agentpolicy.yaml'), 'utf8'), policyBefore, 'the policy file changed');
        assert.ok(!r.modelText.includes('SECRET=1'), 'the secret reached the model');
        assert.ok(!fs.existsSync(path.join(sb.home, 'outside.txt')), 'a write outside the workspace landed');
        assert.strictEqual(remoteMain(), mainBefore, 'env -i git push --force rewrote main');
        // The approved push went through the broker and landed.
        const feature = spawnSync('git', ['--git-dir', sb.remote, 'rev-parse', '-q', '--verify', 'refs/heads/feature'], { encoding: 'utf8' }).stdout.trim();
        assert.ok(feature, `the approved push did not land:\n${r.toolResults.map((x) => x.text).join('\n---\n').slice(-3000)}\n${diag}`);
      });
    });
  }
});
