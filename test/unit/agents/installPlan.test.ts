/**
 * The shared install API (src/core/agents/installPlan.ts) and detection
 * (src/core/agents/installDetect.ts), in real temp folders: real files, real symlinks, real
 * executables on a PATH, and real node binaries probed by running them.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseJsonc } from '../../../src/core/agents/install';
import { chooseHookNode, detectAgents, findOnPath, nodeCandidates, unfitNode } from '../../../src/core/agents/installDetect';
import { applyHookChange, changesFor, hookFile, hookLaunchers, hookStatus, planHookChange, type HookTarget } from '../../../src/core/agents/installPlan';
import { AGENT_IDS } from '../../../src/core/agents/types';
import { decide } from '../../../src/core/pdp/decide';
import { compilePolicy } from '../../../src/core/policy/compile';
import { baseline, recommendedUserLayer } from '../../../src/core/policy/resolve';
import { installHooks } from '../../../src/cli/installHooks';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-plan-'));
}

function exe(file: string, text = '#!/bin/sh\nexit 0\n'): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o755 });
  return file;
}

describe('install plan (shared by install-hooks and Connect Agents)', () => {
  let tmp: string;
  let t: HookTarget;
  beforeEach(() => {
    tmp = tempDir();
    const launcher = exe(path.join(tmp, 'ext', 'dist', 'shim', 'hook', 'agentpolicy-hook'));
    t = { workspace: path.join(tmp, 'ws'), home: path.join(tmp, 'home'), env: {}, launcher, node: process.execPath };
    fs.mkdirSync(t.workspace);
    fs.mkdirSync(t.home);
    // Codex runs repo hooks only in a project the person trusted ("Trust this folder?" in Codex writes this).
    fs.mkdirSync(path.join(t.home, '.codex'));
    fs.writeFileSync(path.join(t.home, '.codex', 'config.toml'), `[projects.${JSON.stringify(fs.realpathSync(t.workspace))}]\ntrust_level = "trusted"\n`);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reports absent → current → stale (moved launcher) → absent again, for every agent and scope', () => {
    for (const agent of AGENT_IDS) {
      for (const scope of ['repo', 'user'] as const) {
        assert.strictEqual(hookStatus(agent, scope, t).state, 'absent', `${agent} ${scope} before`);
        const c = planHookChange('install', agent, scope, t);
        assert.strictEqual(c.action, 'write');
        assert.strictEqual(applyHookChange(c), c.file);
        assert.strictEqual(hookStatus(agent, scope, t).state, 'current', `${agent} ${scope} after install`);
        assert.strictEqual(planHookChange('install', agent, scope, t).action, 'none', `${agent} ${scope}: a second install is a no-op`);
        const moved = { ...t, launcher: exe(path.join(tmp, 'ext-2', 'agentpolicy-hook')) };
        const s = hookStatus(agent, scope, moved);
        assert.strictEqual(s.state, 'stale', `${agent} ${scope} with another launcher`);
        assert.ok(s.problems.length);
        assert.deepStrictEqual(hookLaunchers(fs.readFileSync(c.file, 'utf8')), [t.launcher], `${agent}: the launcher it runs is found in the file`);
        const r = planHookChange('remove', agent, scope, t);
        assert.strictEqual(r.action, 'delete', `${agent} ${scope}: the file held only ours`);
        applyHookChange(r);
        assert.ok(!fs.existsSync(c.file));
        assert.strictEqual(hookStatus(agent, scope, t).state, 'absent');
      }
    }
  });

  it('keeps the user’s settings; an unparsable config is invalid and never written', () => {
    const file = path.join(t.workspace, '.gemini', 'settings.json');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, '{"general": {"vimMode": true}, "hooks": {"AfterTool": [{"matcher": "*", "hooks": [{"type": "command", "command": "./mine"}]}]}}\n');
    applyHookChange(planHookChange('install', 'gemini', 'repo', t));
    const j = parseJsonc(fs.readFileSync(file, 'utf8')) as any;
    assert.strictEqual(j.general.vimMode, true);
    assert.strictEqual(j.hooks.AfterTool[0].hooks[0].command, './mine');
    assert.match(j.hooks.BeforeTool[0].hooks[0].command, /agentpolicy-hook gemini /);
    fs.writeFileSync(file, '{"general": ');
    assert.strictEqual(hookStatus('gemini', 'repo', t).state, 'invalid');
    assert.throws(() => planHookChange('install', 'gemini', 'repo', t), /not valid JSON/);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), '{"general": ');
  });

  it('a config that changed after planning is not overwritten', () => {
    const c = planHookChange('install', 'cursor', 'user', t);
    fs.mkdirSync(path.dirname(c.file), { recursive: true });
    fs.writeFileSync(c.file, '{"version": 1}');
    assert.throws(() => applyHookChange(c), /changed since it was read/);
    assert.strictEqual(fs.readFileSync(c.file, 'utf8'), '{"version": 1}');
  });

  it('writes through a symlinked config (dotfiles) and keeps the link', () => {
    const real = path.join(tmp, 'dotfiles', 'claude-settings.json');
    fs.mkdirSync(path.dirname(real));
    fs.writeFileSync(real, '{"model": "opus"}\n', { mode: 0o600 });
    const link = path.join(t.home, '.claude', 'settings.json');
    fs.mkdirSync(path.dirname(link));
    fs.symlinkSync(real, link);
    assert.strictEqual(applyHookChange(planHookChange('install', 'claude-code', 'user', t)), real);
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.strictEqual((fs.statSync(real).mode & 0o777), 0o600, 'the file keeps its permissions');
    assert.strictEqual(hookStatus('claude-code', 'user', t).state, 'current');
    assert.strictEqual((parseJsonc(fs.readFileSync(real, 'utf8')) as any).model, 'opus');
  });

  it('removing from a config that holds no hook of ours deletes nothing (also through the CLI)', () => {
    const file = path.join(t.workspace, '.claude', 'settings.json');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, '{}\n');
    assert.strictEqual(planHookChange('remove', 'claude-code', 'repo', t).action, 'none');
    let out = '';
    const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
    assert.strictEqual(installHooks({ agents: ['claude-code'], scope: 'repo', mode: 'remove', workspace: t.workspace, home: t.home, launcher: t.launcher, node: t.node, env: {} }, sink, sink), 0);
    assert.ok(fs.existsSync(file), out);
    assert.match(out, /no agentpolicy hook in/);
  });

  it('changesFor: install what is wanted and not current, remove only ours', () => {
    const statuses = [
      { agent: 'claude-code', scope: 'user', state: 'current' },
      { agent: 'gemini', scope: 'user', state: 'stale' },
      { agent: 'codex', scope: 'user', state: 'absent' },
      { agent: 'cursor', scope: 'user', state: 'invalid' },
      { agent: 'cline', scope: 'user', state: 'stale' },
    ].map((s) => ({ ...s, file: '/x', exists: true, problems: [] })) as Parameters<typeof changesFor>[0];
    const wishes = [
      { agent: 'claude-code', scope: 'user', want: true },
      { agent: 'gemini', scope: 'user', want: true },
      { agent: 'codex', scope: 'user', want: false },
      { agent: 'cursor', scope: 'user', want: false },
      { agent: 'cline', scope: 'user', want: false },
      { agent: 'copilot', scope: 'repo', want: true },
    ] as Parameters<typeof changesFor>[1];
    assert.deepStrictEqual(changesFor(statuses, wishes), [
      { mode: 'install', agent: 'gemini', scope: 'user' },
      { mode: 'remove', agent: 'cline', scope: 'user' },
      { mode: 'install', agent: 'copilot', scope: 'repo' },
    ]);
  });

  it('hookLaunchers reads quoted paths (spaces) and TOML escapes', () => {
    assert.deepStrictEqual(hookLaunchers(`{"command": "'/opt/my ext/agentpolicy-hook' gemini /usr/bin/node 110"}`), ['/opt/my ext/agentpolicy-hook']);
    assert.deepStrictEqual(hookLaunchers('command = "/a/b/agentpolicy-hook codex /n 110"\nother = "/x/agentpolicy-hooks"'), ['/a/b/agentpolicy-hook']);
    assert.deepStrictEqual(hookLaunchers('{"command": "~/bin/my-guard.sh"}'), []);
  });
});

describe('the hook configs are protected paths under the recommended policy', () => {
  const W = '/home/dev/project';
  const H = '/home/dev';
  const policy = compilePolicy([baseline(), recommendedUserLayer()], { workspace: W, home: H, trustRepo: true });
  for (const agent of AGENT_IDS) {
    for (const scope of ['repo', 'user'] as const) {
      it(`${agent} (${scope}): an agent's write to its hook config is ${agent === 'copilot' && scope === 'repo' ? 'asked (.github/ is the repo’s own)' : 'denied'}`, () => {
        const file = hookFile(agent, scope, { workspace: W, home: H, env: {} });
        for (const who of AGENT_IDS) {
          const d = decide(policy, { kind: 'file.write', path: file, cwd: W, agent: who });
          assert.strictEqual(d.effect, agent === 'copilot' && scope === 'repo' ? 'ask' : 'deny', `${who} writing ${file}: ${d.effect} (${d.ruleIds})`);
        }
      });
    }
  }
  it('a config moved by CODEX_HOME / CLAUDE_CONFIG_DIR / COPILOT_HOME is outside the protected list (Connect Agents says so per row)', () => {
    for (const [agent, name] of [['codex', 'CODEX_HOME'], ['claude-code', 'CLAUDE_CONFIG_DIR'], ['copilot', 'COPILOT_HOME']] as const) {
      const file = hookFile(agent, 'user', { workspace: W, home: H, env: { [name]: '/srv/agents' } });
      assert.ok(file.startsWith('/srv/agents/'), file);
      assert.notStrictEqual(decide(policy, { kind: 'file.write', path: file, cwd: W, agent }).effect, 'deny', file);
    }
  });
});

describe('agent detection and the hook’s node', () => {
  let tmp: string;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('finds CLIs on PATH, config folders (with env overrides) and editor extensions', () => {
    const home = path.join(tmp, 'home');
    const bin = path.join(tmp, 'bin');
    exe(path.join(bin, 'claude'));
    exe(path.join(bin, 'cursor-agent'));
    fs.mkdirSync(path.join(tmp, 'noexec'));
    fs.writeFileSync(path.join(tmp, 'noexec', 'gemini'), '', { mode: 0o644 });
    fs.mkdirSync(path.join(home, '.gemini'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'codex-home'));
    fs.mkdirSync(path.join(home, '.codex'));
    fs.mkdirSync(path.join(tmp, 'ws', '.clinerules'), { recursive: true });
    const env = { PATH: ['relative/bin', path.join(tmp, 'noexec'), bin, '/nonexistent'].join(':'), CODEX_HOME: path.join(tmp, 'codex-home') };
    const d = Object.fromEntries(detectAgents({ home, env, workspace: path.join(tmp, 'ws') }, ['GitHub.copilot-chat', 'ms-python.python']).map((x) => [x.agent, x]));
    assert.deepStrictEqual(d['claude-code'].clis, [path.join(bin, 'claude')]);
    assert.deepStrictEqual(d.cursor.clis, [path.join(bin, 'cursor-agent')]);
    assert.deepStrictEqual(d.gemini.clis, [], 'a file that is not executable is no CLI');
    assert.deepStrictEqual(d.gemini.userFolders, [path.join(home, '.gemini')]);
    assert.deepStrictEqual(d.codex.userFolders, [path.join(tmp, 'codex-home')], 'CODEX_HOME, not ~/.codex');
    assert.deepStrictEqual(d.copilot.extensions, ['github.copilot-chat']);
    assert.deepStrictEqual(d.cline.repoFolders, [path.join(tmp, 'ws', '.clinerules')]);
    assert.strictEqual(d.cline.detected, true);
    for (const a of ['claude-code', 'cursor', 'gemini', 'codex', 'copilot'] as const) assert.strictEqual(d[a].detected, true, a);
    const none = detectAgents({ home: path.join(tmp, 'empty'), env: { PATH: '' } });
    assert.deepStrictEqual(none.filter((x) => x.detected), []);
    assert.deepStrictEqual(findOnPath('claude', { PATH: `relative:${bin}:${bin}` }), [path.join(bin, 'claude')], 'relative entries skipped, duplicates once');
  });

  it('chooses the first plain node ≥ 20 on PATH, by its real path; rejects old, Electron, workspace and writable ones', async () => {
    const ws = path.join(tmp, 'ws');
    // Fakes that answer the probe as an old node and as Electron would.
    exe(path.join(tmp, 'old', 'node'), '#!/bin/sh\necho "18.19.0 node"\n');
    exe(path.join(tmp, 'electron', 'node'), '#!/bin/sh\necho "24.1.0 electron"\n');
    exe(path.join(ws, 'node_modules', '.bin', 'node'), `#!/bin/sh\nexec ${process.execPath} "$@"\n`);
    const open = exe(path.join(tmp, 'open', 'node'), `#!/bin/sh\nexec ${process.execPath} "$@"\n`);
    fs.chmodSync(open, 0o777);
    fs.mkdirSync(path.join(tmp, 'good'));
    fs.symlinkSync(process.execPath, path.join(tmp, 'good', 'node'));
    const env = { PATH: ['old', 'electron', 'ws/node_modules/.bin', 'open', 'good'].map((d) => path.join(tmp, d)).join(':') };
    const { choice, rejected } = await chooseHookNode(nodeCandidates(env, undefined), ws);
    assert.ok(choice, JSON.stringify(rejected));
    assert.strictEqual(choice.node, fs.realpathSync(process.execPath));
    assert.strictEqual(choice.version, process.versions.node);
    assert.strictEqual(choice.source, 'path');
    assert.match(choice.found, /node on PATH .*→/);
    const why = rejected.map((r) => r.why);
    assert.strictEqual(why.length, 4, why.join('\n'));
    assert.match(why[0], /18\.19\.0.*needs 20/);
    assert.match(why[1], /not a plain node/);
    assert.match(why[2], /inside the workspace/);
    assert.match(why[3], /others can write/);
  });

  it('falls back to the process’s own node, and finds none when nothing fits', async () => {
    const fallback = await chooseHookNode(nodeCandidates({ PATH: path.join(tmp, 'nothing') }, process.execPath));
    assert.strictEqual(fallback.choice?.source, 'process');
    const none = await chooseHookNode(nodeCandidates({ PATH: '' }, undefined));
    assert.strictEqual(none.choice, undefined);
    assert.strictEqual(unfitNode(path.join(tmp, 'missing')), 'it does not exist');
  });
});
