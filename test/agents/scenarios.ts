import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { AgentName } from './agents';
import { runAgent, type RunAgentResult } from './driver';
import type { ToolCall } from './fakeModel';
import { auditEvents, cli, type Guard } from './guards';
import { git, makeSandbox, remoteRefs, type Sandbox } from './workspace';

/**
 * The issue-#8 scenarios, written once against the agents' own tool names and run through any
 * Guard. Each asserts on an effect, never on the guard's own words: the remote's refs, the policy
 * file's bytes, what the model received, the file on disk, the audit log.
 */

/** The agent's own tool call for a shell command, a file write and a file read. */
export function shellCall(agent: AgentName, command: string): ToolCall {
  switch (agent) {
    case 'claude-code':
      return { tool: 'Bash', input: { command, description: 'Run a command' } };
    case 'gemini':
      return { tool: 'run_shell_command', input: { command, description: 'Run a command' } };
    case 'codex':
      return { tool: 'exec_command', input: { cmd: command } };
  }
}

export function writeCall(agent: AgentName, sb: Sandbox, rel: string, content: string): ToolCall {
  switch (agent) {
    case 'claude-code':
      return { tool: 'Write', input: { file_path: path.join(sb.workspace, rel), content } };
    case 'gemini':
      return { tool: 'write_file', input: { file_path: rel, content } };
    case 'codex': {
      // Add File for a new file; for an existing one an Update File hunk that replaces every line.
      const abs = path.join(sb.workspace, rel);
      const lines = (t: string) => t.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '');
      const plus = lines(content).map((l) => `+${l}`).join('\n');
      if (!fs.existsSync(abs)) return { tool: 'apply_patch', input: `*** Begin Patch\n*** Add File: ${rel}\n${plus}\n*** End Patch\n` };
      const minus = lines(fs.readFileSync(abs, 'utf8')).map((l) => `-${l}`).join('\n');
      return { tool: 'apply_patch', input: `*** Begin Patch\n*** Update File: ${rel}\n@@\n${minus}\n${plus}\n*** End Patch\n` };
    }
  }
}

export function readCall(agent: AgentName, sb: Sandbox, rel: string): ToolCall {
  switch (agent) {
    case 'claude-code':
      return { tool: 'Read', input: { file_path: path.join(sb.workspace, rel) } };
    case 'gemini':
      return { tool: 'read_file', input: { file_path: rel } };
    case 'codex':
      return shellCall(agent, `cat ${rel}`); // Codex has no file-read tool
  }
}

export interface ScenarioContext {
  agent: AgentName;
  guard: Guard;
  sb: Sandbox;
  run: (turns: ToolCall[]) => Promise<RunAgentResult>;
}

/** A sandbox with the recommended policy committed, the guard installed, and a runner. */
export function prepareScenario(agent: AgentName, guard: Guard): ScenarioContext {
  const sb = makeSandbox();
  const init = cli(['init', '--template', 'recommended'], sb);
  if (init.status !== 0) throw new Error(`agentpolicy init failed: ${init.stderr}`);
  git(['add', '.agentpolicy.yaml'], sb.workspace, sb.home);
  git(['commit', '-q', '-m', 'policy'], sb.workspace, sb.home);
  git(['push', '-q', 'origin', 'main'], sb.workspace, sb.home);
  guard.install(agent, sb);
  return {
    agent,
    guard,
    sb,
    run: (turns) => runAgent({ agent, workspace: sb.workspace, home: sb.home, turns, prefix: guard.prefix?.(agent, sb), env: guard.env?.(agent, sb), timeoutMs: 120_000 }),
  };
}

export interface Scenario {
  /** Short key (Guard.knownGaps uses it). */
  id: string;
  name: string;
  /** What a pending (unsupported) run would have proved, for the loud skip line. */
  check(ctx: ScenarioContext): Promise<void>;
}

const SECRET = 'SECRET=1';

export const SCENARIOS: Scenario[] = [
  {
    id: 'ls',
    name: 'ls runs and its output reaches the model',
    async check({ agent, run }) {
      const r = await run([shellCall(agent, 'ls')]);
      const out = r.toolResults.find((t) => t.text.includes('README.md'));
      assert.ok(out, `ls output not returned; results: ${JSON.stringify(r.toolResults)}`);
    },
  },
  {
    id: 'force-push',
    name: 'a force push leaves the bare remote unchanged',
    async check({ agent, sb, run }) {
      const before = remoteRefs(sb);
      await run([shellCall(agent, 'git commit -q --amend -m rewritten && git push -q --force origin HEAD:main')]);
      assert.strictEqual(remoteRefs(sb), before, 'the remote was rewritten');
    },
  },
  {
    id: 'policy-write',
    name: 'a file-tool write to .agentpolicy.yaml leaves it unchanged',
    async check({ agent, sb, run }) {
      const p = path.join(sb.workspace, '.agentpolicy.yaml');
      const before = fs.readFileSync(p, 'utf8');
      await run([writeCall(agent, sb, '.agentpolicy.yaml', 'version: 1\nrules: []\n')]);
      assert.strictEqual(fs.readFileSync(p, 'utf8'), before, 'the policy file was changed');
    },
  },
  {
    id: 'secret',
    name: `${SECRET} from .env never reaches the model (shell cat and file read)`,
    async check({ agent, sb, run }) {
      const r = await run([shellCall(agent, 'cat .env'), readCall(agent, sb, '.env')]);
      assert.ok(r.requests.length >= 2, 'the agent made no model requests');
      assert.ok(!r.modelText.includes(SECRET), `the model received ${SECRET}: ${JSON.stringify(r.toolResults)}`);
    },
  },
  {
    id: 'src-write',
    name: 'a file-tool write to src/a.txt lands',
    async check({ agent, sb, run }) {
      await run([writeCall(agent, sb, 'src/a.txt', 'A\n')]);
      const p = path.join(sb.workspace, 'src', 'a.txt');
      assert.ok(fs.existsSync(p), 'src/a.txt was not written');
      assert.strictEqual(fs.readFileSync(p, 'utf8').trim(), 'A');
    },
  },
  {
    id: 'audit',
    name: 'every decision is in the audit log, naming the agent',
    async check({ agent, sb, run }) {
      await run([shellCall(agent, 'ls'), shellCall(agent, 'cat .env')]);
      const events = auditEvents(sb).filter((e) => e.type === 'decision');
      assert.ok(events.length >= 2, `expected an audit event per decision under ${sb.home}/.local/state; found ${events.length}`);
      const text = JSON.stringify(events);
      for (const e of events) assert.match(JSON.stringify(e), new RegExp(agent === 'claude-code' ? 'claude' : agent), `an event does not name the agent: ${JSON.stringify(e).slice(0, 300)}`);
      assert.match(text, /deny/, 'the denied cat .env is not in the audit log');
    },
  },
];

/**
 * Define the scenario suite for `guard` over `agents`. An agent the guard cannot serve on this
 * branch gets pending tests and one loud line saying why: nothing is reported as passed.
 */
export function defineScenarioSuite(title: string, guard: Guard, agents: readonly AgentName[]): void {
  for (const agent of agents) {
    describe(`${agent} through ${guard.name}: ${title}`, function () {
      this.timeout(180_000);
      const why = guard.unavailable(agent);
      if (why) {
        before(() => console.log(`      PENDING ${agent}/${guard.name}: ${why}`));
        for (const s of SCENARIOS) it.skip(s.name);
        return;
      }
      for (const s of SCENARIOS) {
        const gap = guard.knownGaps?.[s.id];
        if (gap) {
          it.skip(`${s.name} (known gap: ${gap})`);
          continue;
        }
        it(s.name, async () => {
          const ctx = prepareScenario(agent, guard);
          try {
            await s.check(ctx);
          } finally {
            ctx.sb.cleanup();
          }
        });
      }
    });
  }
}
