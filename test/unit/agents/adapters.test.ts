import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ADAPTERS } from '../../../src/core/agents/adapters';
import { applyPatchActions, parseApplyPatch } from '../../../src/core/agents/applyPatch';
import { decideHookCall } from '../../../src/core/agents/hookDecision';
import { runHook, type HookRun } from '../../../src/core/agents/runHook';
import type { AgentId, HookCall } from '../../../src/core/agents/types';
import { compilePolicy } from '../../../src/core/policy/compile';
import { baseline, recommendedUserLayer } from '../../../src/core/policy/resolve';
import { initShellParser } from '../../../src/core/shell/parser';

const W = '/home/dev/project';
const HOME = '/home/dev';
const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'agents');

const policy = compilePolicy([baseline(), recommendedUserLayer()], { workspace: W, home: HOME, trustRepo: false });
const decideWithPolicy = { decide: async (call: HookCall) => decideHookCall(policy, call, { user: 'dev' }).verdict };

function fixture(agent: string, name: string): string {
  return fs.readFileSync(path.join(FIXTURES, agent, `${name}.json`), 'utf8');
}

/** What the agent will do with our answer, read the way the agent reads it. */
function effectSeenBy(agent: AgentId, r: HookRun): 'allow' | 'ask' | 'deny' {
  const json = () => JSON.parse(r.stdout) as Record<string, any>;
  switch (agent) {
    case 'claude-code':
      if (r.exitCode === 2) {
        assert.ok(r.stderr.trim(), 'exit 2 needs the reason on stderr');
        return 'deny';
      }
      assert.strictEqual(r.exitCode, 0);
      assert.strictEqual(json().hookSpecificOutput.hookEventName, 'PreToolUse');
      return json().hookSpecificOutput.permissionDecision;
    case 'codex':
      if (r.exitCode === 2) {
        assert.ok(r.stderr.trim(), 'Codex ignores exit 2 without a reason on stderr');
        return 'deny';
      }
      assert.strictEqual(r.exitCode, 0);
      // Codex treats permissionDecision allow/ask as invalid output: allow is silence.
      assert.strictEqual(r.stdout, '');
      return 'allow';
    case 'gemini': {
      const d = json().decision;
      if (d === 'deny') assert.strictEqual(r.exitCode, 2);
      else assert.strictEqual(r.exitCode, 0);
      return d;
    }
    case 'copilot': {
      assert.strictEqual(r.exitCode, 0, 'the Copilot CLI runs the tool when a hook exits non-zero');
      const j = json();
      const vs = j.hookSpecificOutput?.permissionDecision;
      const cli = j.permissionDecision;
      if (vs && cli) assert.strictEqual(vs, cli);
      return vs ?? cli;
    }
    case 'cursor': {
      const j = json();
      if (j.permission === 'deny') assert.strictEqual(r.exitCode, 2);
      return j.permission;
    }
    case 'cline': {
      assert.strictEqual(r.exitCode, 0, 'Cline runs the tool when a hook exits non-zero');
      return json().cancel ? 'deny' : 'allow';
    }
  }
}

const CASES: Record<AgentId, Record<string, 'allow' | 'ask' | 'deny'>> = {
  'claude-code': { 'force-push': 'deny', 'cat-env': 'deny', 'write-policy': 'deny', 'write-src': 'allow', 'read-env': 'deny', mcp: 'ask', 'web-fetch': 'ask', 'bypass-ask': 'deny', 'unknown-event': 'deny', malformed: 'deny' },
  codex: { 'force-push': 'deny', 'cat-env': 'deny', 'write-policy': 'deny', 'write-src': 'allow', 'read-env': 'deny', mcp: 'deny', 'web-fetch': 'deny', 'apply-patch-multi': 'deny', 'apply-patch-policy': 'deny', 'unknown-event': 'deny', malformed: 'deny' },
  gemini: { 'force-push': 'deny', 'cat-env': 'deny', 'write-policy': 'deny', 'write-src': 'allow', 'read-env': 'deny', mcp: 'ask', 'web-fetch': 'ask', 'unknown-event': 'deny', malformed: 'deny' },
  copilot: {
    'vscode-force-push': 'deny',
    'vscode-write-policy': 'deny',
    'vscode-write-src': 'allow',
    'vscode-read-env': 'deny',
    'vscode-mcp': 'ask',
    'vscode-web-fetch': 'ask',
    'vscode-apply-patch': 'ask',
    'vscode-unknown-event': 'deny',
    'cli-force-push': 'deny',
    'cli-cat-env': 'deny',
    'cli-write-policy': 'deny',
    'cli-write-src': 'allow',
    'cli-read-env': 'deny',
    'cli-web-fetch': 'ask',
    'cli-apply-patch': 'deny',
    malformed: 'deny',
  },
  cursor: { 'force-push': 'deny', 'cat-env': 'deny', 'write-policy': 'deny', 'write-src': 'allow', 'read-env': 'deny', mcp: 'ask', 'web-fetch': 'deny', 'unknown-event': 'deny', malformed: 'deny' },
  cline: { 'force-push': 'deny', 'cat-env': 'deny', 'write-policy': 'deny', 'write-src': 'allow', 'read-env': 'deny', mcp: 'deny', 'web-fetch': 'deny', 'unknown-event': 'deny', malformed: 'deny' },
};

describe('agent hook adapters (fixtures, recommended policy)', () => {
  before(async () => {
    await initShellParser();
  });

  for (const [agent, cases] of Object.entries(CASES) as [AgentId, Record<string, 'allow' | 'ask' | 'deny'>][]) {
    describe(ADAPTERS[agent].displayName, () => {
      for (const [name, expected] of Object.entries(cases)) {
        it(`${name} → ${expected}`, async () => {
          const r = await runHook(agent, fixture(agent, name), decideWithPolicy, { home: HOME, env: {} });
          assert.strictEqual(effectSeenBy(agent, r), expected, `${r.stdout}\n${r.stderr}`);
          assert.strictEqual(r.verdict.decision, expected);
          assert.ok(r.verdict.reason.startsWith('agentpolicy: '), r.verdict.reason);
          assert.ok(!r.verdict.reason.includes('\n'), 'one line for the model');
        });
      }
    });
  }

  it('a deny by a rule names the rule and layer and says what to do', async () => {
    const r = await runHook('claude', fixture('claude-code', 'force-push'), decideWithPolicy, { home: HOME, env: {} });
    assert.match(r.verdict.reason, /rule no-force-push.*user policy/);
    assert.match(r.verdict.reason, /To proceed/);
  });

  it('an ask the agent cannot put to anyone is denied with how to get approval', async () => {
    const r = await runHook('codex', fixture('codex', 'mcp'), decideWithPolicy, { home: HOME, env: {} });
    assert.match(r.verdict.reason, /needs the developer's approval/);
    assert.match(r.verdict.reason, /agentpolicy serve/);
    assert.match(r.verdict.reason, /MCP tool create_issue of server github/);
  });

  it('maps each agent’s MCP call to the mcp action with server, tool and arguments', () => {
    const expectMcp = (agent: AgentId, name: string, server: string, tool: string) => {
      const p = ADAPTERS[agent].parse(JSON.parse(fixture(agent, name)), { home: HOME });
      assert.ok(p.ok, !p.ok ? p.error : '');
      const r = p.call.request;
      assert.ok('actions' in r);
      assert.deepStrictEqual(r.actions.map((a) => (a.kind === 'mcp' ? [a.server, a.tool, typeof a.args] : a.kind)), [[server, tool, 'object']]);
    };
    expectMcp('claude-code', 'mcp', 'github', 'create_issue');
    expectMcp('codex', 'mcp', 'github', 'create_issue');
    expectMcp('gemini', 'mcp', 'github', 'create_issue');
    expectMcp('copilot', 'vscode-mcp', 'github', 'create_issue');
    expectMcp('cursor', 'mcp', 'github-mcp-server', 'create_issue');
    expectMcp('cline', 'mcp', 'github', 'create_issue');
  });

  it('maps each agent’s search tool to a recursive read of its folder, plus its file pattern there', () => {
    const search = (agent: AgentId, base: string, set: (j: Record<string, any>) => void) => {
      const j = JSON.parse(fixture(agent, base));
      set(j);
      const p = ADAPTERS[agent].parse(j, { home: HOME });
      assert.ok(p.ok, !p.ok ? p.error : '');
      const r = p.call.request;
      assert.ok('actions' in r, agent);
      return r.actions.map((a) => (a.kind === 'file.read' ? `${a.path}${a.recursive ? ' (recursive)' : ''}${a.glob ? ' (glob)' : ''}` : a.kind));
    };
    const both = ['/home/dev/project/src (recursive)', '/home/dev/project/src/*.ts (glob)'];
    const tool = (name: string, input: Record<string, unknown>) => (j: Record<string, any>) => ((j.tool_name = name), (j.tool_input = input));
    assert.deepStrictEqual(search('claude-code', 'read-env', tool('Grep', { pattern: 'x', path: 'src/', glob: '*.ts' })), both);
    assert.deepStrictEqual(search('gemini', 'read-env', tool('grep_search', { pattern: 'x', dir_path: 'src', include_pattern: '*.ts' })), both);
    assert.deepStrictEqual(search('copilot', 'vscode-read-env', tool('grep_search', { query: 'x', path: 'src', includePattern: '*.ts' })), both);
    assert.deepStrictEqual(search('cursor', 'write-src', tool('Grep', { pattern: 'x', target_directory: 'src', include_pattern: '*.ts' })), both);
    assert.deepStrictEqual(search('cline', 'read-env', (j) => (j.preToolUse = { toolName: 'search_files', parameters: { regex: 'x', path: 'src', file_pattern: '*.ts' } })), both);
    // No folder: the workspace, all of it.
    assert.deepStrictEqual(search('claude-code', 'read-env', tool('Grep', { pattern: 'SECRET' })), ['/home/dev/project (recursive)']);
  });

  it('tells the Copilot CLI payload from the VS Code one', () => {
    const vs = ADAPTERS.copilot.parse(JSON.parse(fixture('copilot', 'vscode-force-push')), { home: HOME });
    const cli = ADAPTERS.copilot.parse(JSON.parse(fixture('copilot', 'cli-force-push')), { home: HOME, env: {} });
    assert.ok(vs.ok && cli.ok);
    assert.strictEqual(vs.call.variant, 'vscode');
    assert.strictEqual(cli.call.variant, 'cli');
    assert.deepStrictEqual(cli.call.request, { command: 'git push --force origin feature/x' });
    // In the cloud agent (GitHub Actions) only deny is processed: asks must be settled.
    const cloud = ADAPTERS.copilot.parse(JSON.parse(fixture('copilot', 'cli-force-push')), { home: HOME, env: { GITHUB_ACTIONS: 'true' } });
    assert.ok(cloud.ok && !cloud.call.nativeAsk);
  });

  it('Claude Code in bypassPermissions cannot prompt: its asks are settled', () => {
    const p = ADAPTERS['claude-code'].parse(JSON.parse(fixture('claude-code', 'bypass-ask')), { home: HOME });
    assert.ok(p.ok && !p.call.nativeAsk);
    const q = ADAPTERS['claude-code'].parse(JSON.parse(fixture('claude-code', 'mcp')), { home: HOME });
    assert.ok(q.ok && q.call.nativeAsk);
  });

  it('carries session and tool-use ids for the audit trail', () => {
    const p = ADAPTERS['claude-code'].parse(JSON.parse(fixture('claude-code', 'write-src')), { home: HOME });
    assert.ok(p.ok);
    assert.strictEqual(p.call.sessionId, '0f6a7c1e-5d2b-4c1a-9a51-2b8c4f0e6d11');
    assert.strictEqual(p.call.toolUseId, 'toolu_01ABCDEF');
  });
});

describe('apply_patch', () => {
  it('one action per file touched; a move is a delete and a write', () => {
    const text = JSON.parse(fixture('codex', 'apply-patch-multi')).tool_input.command as string;
    const actions = applyPatchActions(text, W, HOME);
    assert.deepStrictEqual(
      actions.map((a) => [a.kind, 'path' in a ? a.path : '']),
      [
        ['file.write', `${W}/src/b.ts`],
        ['file.write', `${W}/src/a.ts`],
        ['file.delete', `${W}/old/name.ts`],
        ['file.write', `${W}/src/name.ts`],
        ['file.delete', `${W}/src/gone.ts`],
      ],
    );
  });

  it('a patch it cannot read is opaque, never an empty list', () => {
    for (const bad of ['', '*** Begin Patch\n*** End Patch\n', '*** Begin Patch\n*** Add File: a\n+x\n', 'diff --git a/x b/x', '*** Begin Patch\n*** Frobnicate File: x\n*** End Patch']) {
      assert.strictEqual(parseApplyPatch(bad).ok, false, bad);
      const a = applyPatchActions(bad, W, HOME);
      assert.deepStrictEqual(a.map((x) => x.kind), ['opaque']);
    }
  });

  it('absolute and ../ paths resolve as the tool would', () => {
    const a = applyPatchActions('*** Begin Patch\n*** Add File: ../elsewhere/x\n+1\n*** Delete File: /etc/passwd\n*** End Patch\n', W, HOME);
    assert.deepStrictEqual(a.map((x) => ('path' in x ? x.path : '')), ['/home/dev/elsewhere/x', '/etc/passwd']);
  });
});

describe('fail closed inside the hook path', () => {
  const input = fixture('claude-code', 'write-src');

  it('a decision that throws is a deny in the agent’s format', async () => {
    for (const agent of Object.keys(ADAPTERS) as AgentId[]) {
      const r = await runHook(agent, '{}', { decide: async () => { throw new Error('boom'); } }, { home: HOME });
      assert.strictEqual(effectSeenBy(agent, r), 'deny', agent);
    }
    const r = await runHook('claude-code', input, { decide: async () => { throw new Error('boom'); } }, { home: HOME });
    assert.strictEqual(effectSeenBy('claude-code', r), 'deny');
    assert.match(r.verdict.reason, /internal error while deciding: boom/);
  });

  it('a verdict that is not allow/ask/deny is a deny', async () => {
    const r = await runHook('gemini', fixture('gemini', 'write-src'), { decide: async () => ({ decision: 'yes' }) as never }, { home: HOME });
    assert.strictEqual(effectSeenBy('gemini', r), 'deny');
  });

  it('an unsettled ask is denied for agents without ask, whatever decide returned', async () => {
    for (const [agent, name] of [['codex', 'write-src'], ['cline', 'write-src'], ['cursor', 'write-src']] as [AgentId, string][]) {
      const r = await runHook(agent, fixture(agent, name), { decide: async () => ({ decision: 'ask', reason: 'agentpolicy: ask: x' }) }, { home: HOME });
      assert.strictEqual(effectSeenBy(agent, r), 'deny', agent);
      assert.match(r.verdict.reason, /needs the developer's approval/);
    }
  });

  it('an unknown tool asks (and is never allowed), an unknown agent exits 2', async () => {
    const raw = JSON.stringify({ ...JSON.parse(input), tool_name: 'SomeNewTool', tool_input: { x: 1 } });
    const r = await runHook('claude-code', raw, decideWithPolicy, { home: HOME });
    assert.strictEqual(effectSeenBy('claude-code', r), 'ask');
    assert.match(r.verdict.reason, /SomeNewTool/);
    const permissive = compilePolicy([baseline(), { ...recommendedUserLayer(), doc: { version: 1, defaults: { opaque: 'ask' }, rules: [{ id: 'yolo', action: 'opaque', effect: 'allow' }] } }], { workspace: W, home: HOME, trustRepo: true });
    const r2 = await runHook('claude-code', raw, { decide: async (c) => decideHookCall(permissive, c).verdict }, { home: HOME });
    assert.strictEqual(r2.verdict.decision, 'ask', 'even a policy that allows opaque actions does not allow an unknown tool');
    const u = await runHook('not-an-agent', raw, decideWithPolicy, { home: HOME });
    assert.strictEqual(u.exitCode, 2);
    assert.match(u.stderr, /unknown agent/);
  });

  it('an oversized payload is denied unread', async () => {
    const r = await runHook('claude-code', ' '.repeat((16 << 20) + 1), decideWithPolicy, { home: HOME });
    assert.strictEqual(effectSeenBy('claude-code', r), 'deny');
  });

  it('every adapter’s static deny is a deny the agent obeys', () => {
    for (const agent of Object.keys(ADAPTERS) as AgentId[]) {
      const o = ADAPTERS[agent].denyOutput('agentpolicy: deny: test');
      assert.strictEqual(effectSeenBy(agent, { ...o, verdict: { decision: 'deny', reason: 'x' } }), 'deny', agent);
    }
  });
});
