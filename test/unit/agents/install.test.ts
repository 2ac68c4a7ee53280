import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseJsonc, type HookCommandSpec } from '../../../src/core/agents/install';
import { INSTALLERS } from '../../../src/core/agents/installers';
import type { AgentId } from '../../../src/core/agents/types';
import { spawnSync } from 'child_process';
import { installHooks } from '../../../src/cli/installHooks';
import { toOcsf } from '../../../src/core/audit/export/ocsf';
import { readAuditFile } from './auditFile';

const CLI = path.resolve(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

const spec = (agent: AgentId, launcher = '/opt/agent policy/dist/shim/hook/agentpolicy-hook'): HookCommandSpec => ({ launcher, node: '/usr/bin/node', agent, waitSeconds: INSTALLERS[agent].waitSeconds });

const CLAUDE_USER = `// my settings
{
  "model": "opus", // keep me
  "hooks": {
    "PreToolUse": [
      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "~/bin/my-guard.sh" }] }
    ],
    "PostToolUse": [{ "matcher": "*", "hooks": [{ "type": "command", "command": "prettier --write" }] }]
  }
}
`;

describe('install-hooks merge logic', () => {
  it('Claude Code: adds ours next to the user’s hooks, keeps comments and settings, idempotent, removable', () => {
    const inst = INSTALLERS['claude-code'];
    const once = inst.merge(CLAUDE_USER, spec('claude-code'));
    assert.strictEqual(inst.merge(once, spec('claude-code')), once, 'a second install changes nothing');
    assert.match(once, /\/\/ my settings/);
    assert.match(once, /\/\/ keep me/);
    const j = parseJsonc(once) as any;
    assert.strictEqual(j.model, 'opus');
    assert.strictEqual(j.hooks.PreToolUse.length, 2);
    assert.strictEqual(j.hooks.PreToolUse[0].hooks[0].command, '~/bin/my-guard.sh');
    assert.deepStrictEqual(j.hooks.PreToolUse[1], { matcher: '*', hooks: [{ type: 'command', command: "'/opt/agent policy/dist/shim/hook/agentpolicy-hook' claude-code /usr/bin/node 110", timeout: 120, onFailure: 'block' }] });
    assert.ok(inst.check(once, spec('claude-code')).ok);
    const removed = inst.remove(once)!;
    assert.deepStrictEqual(parseJsonc(removed), parseJsonc(CLAUDE_USER));
    assert.match(removed, /\/\/ keep me/);
  });

  it('check: missing, stale (moved launcher), duplicated', () => {
    const inst = INSTALLERS.gemini;
    assert.strictEqual(inst.check(undefined, spec('gemini')).ok, false);
    assert.strictEqual(inst.check('{"hooks": {}}', spec('gemini')).ok, false);
    const installed = inst.merge('{"general": {"vimMode": true}}', spec('gemini'));
    assert.ok(inst.check(installed, spec('gemini')).ok);
    const moved = inst.check(installed, spec('gemini', '/new/place/agentpolicy-hook'));
    assert.strictEqual(moved.ok, false);
    assert.match(moved.problems.join(), /stale/);
    // Reinstalling from the new place replaces, never duplicates.
    const re = inst.merge(installed, spec('gemini', '/new/place/agentpolicy-hook'));
    assert.strictEqual((parseJsonc(re) as any).hooks.BeforeTool.length, 1);
    const off = inst.check(inst.merge('{"hooksConfig": {"enabled": false}}', spec('gemini')), spec('gemini'));
    assert.match(off.problems.join(), /hooksConfig.enabled is false/);
    assert.strictEqual(inst.remove(installed) !== undefined, true, 'the user’s own settings stay');
  });

  it('Cursor: one failClosed handler per event, the user’s hooks kept, file removed when only ours was there', () => {
    const inst = INSTALLERS.cursor;
    const user = '{"version": 1, "hooks": {"afterFileEdit": [{"command": "./format.sh"}], "beforeShellExecution": [{"command": "./audit.sh"}]}}';
    const t = inst.merge(user, spec('cursor'));
    const j = parseJsonc(t) as any;
    assert.deepStrictEqual(j.hooks.afterFileEdit, [{ command: './format.sh' }]);
    assert.strictEqual(j.hooks.beforeShellExecution.length, 2);
    for (const ev of ['beforeShellExecution', 'beforeMCPExecution', 'beforeReadFile', 'preToolUse']) assert.strictEqual(j.hooks[ev].at(-1).failClosed, true, ev);
    assert.deepStrictEqual(parseJsonc(inst.remove(t)!), parseJsonc(user));
    assert.strictEqual(inst.remove(inst.merge(undefined, spec('cursor'))), undefined);
  });

  it('Codex: hooks.json plus its trust entry (the single-file path refuses; see codexInstall.test.ts)', () => {
    assert.throws(() => INSTALLERS.codex.merge(undefined, spec('codex')), /fileSet/);
    assert.ok(INSTALLERS.codex.fileSet);
  });

  it('Copilot: a file of its own with the CLI’s and VS Code’s keys', () => {
    const inst = INSTALLERS.copilot;
    const j = parseJsonc(inst.merge(undefined, spec('copilot'))) as any;
    assert.strictEqual(j.version, 1);
    const h = j.hooks.preToolUse[0];
    assert.strictEqual(h.bash, h.command);
    assert.strictEqual(h.timeoutSec, 60);
  });

  it('Cline: never overwrites a PreToolUse hook that is not ours', () => {
    const inst = INSTALLERS.cline;
    assert.throws(() => inst.merge('#!/bin/sh\necho \'{"cancel":false}\'\n', spec('cline')), /not agentpolicy/);
    const t = inst.merge(undefined, spec('cline'));
    assert.match(t, /^#!\/bin\/sh\n/);
    assert.strictEqual(inst.remove(t), undefined);
    assert.strictEqual(inst.remove('#!/bin/sh\necho mine\n'), '#!/bin/sh\necho mine\n');
  });

  it('the CLI installs, checks and removes in a real folder (exit 1 when missing or stale)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-install-'));
    try {
      const launcher = path.join(tmp, 'agentpolicy-hook');
      fs.writeFileSync(launcher, '#!/bin/bash\n', { mode: 0o755 });
      fs.mkdirSync(path.join(tmp, 'ws', '.claude'), { recursive: true });
      fs.writeFileSync(path.join(tmp, 'ws', '.claude', 'settings.json'), CLAUDE_USER);
      const sink = () => {
        let s = '';
        return { stream: { write: (x: string) => ((s += x), true) } as unknown as NodeJS.WritableStream, text: () => s };
      };
      // Codex runs repo hooks only in a project the person trusted (Codex's own prompt writes this).
      const codexConfig = path.join(tmp, 'home', '.codex', 'config.toml');
      const personal = `model = "o3"\n\n[projects.${JSON.stringify(path.join(fs.realpathSync(tmp), 'ws'))}]\ntrust_level = "trusted"\n`;
      fs.mkdirSync(path.dirname(codexConfig), { recursive: true });
      fs.writeFileSync(codexConfig, personal);
      const o = { agents: ['claude-code', 'copilot', 'cursor', 'gemini', 'codex', 'cline'] as AgentId[], scope: 'repo' as const, workspace: path.join(tmp, 'ws'), home: path.join(tmp, 'home'), launcher, node: process.execPath, env: {} };
      const out = sink();
      const err = sink();
      assert.strictEqual(installHooks({ ...o, mode: 'check' }, out.stream, err.stream), 1);
      assert.strictEqual(installHooks({ ...o, mode: 'install' }, out.stream, err.stream), 0, err.text());
      assert.strictEqual(installHooks({ ...o, mode: 'check' }, out.stream, err.stream), 0, err.text());
      assert.match(fs.readFileSync(codexConfig, 'utf8'), /\[hooks\.state\."[^"]*\/ws\/\.codex\/hooks\.json:pre_tool_use:0:0"\]/);
      assert.ok(fs.statSync(path.join(tmp, 'ws', '.clinerules', 'hooks', 'PreToolUse')).mode & 0o100, 'Cline runs it: executable');
      assert.strictEqual(installHooks({ ...o, mode: 'remove' }, out.stream, err.stream), 0, err.text());
      assert.deepStrictEqual(parseJsonc(fs.readFileSync(path.join(tmp, 'ws', '.claude', 'settings.json'), 'utf8')), parseJsonc(CLAUDE_USER));
      for (const f of ['.github/hooks/agentpolicy.json', '.cursor/hooks.json', '.gemini/settings.json', '.codex/hooks.json', '.clinerules/hooks/PreToolUse']) assert.ok(!fs.existsSync(path.join(tmp, 'ws', f)), f);
      assert.strictEqual(fs.readFileSync(codexConfig, 'utf8'), personal, 'our trust entry went, the person’s config stayed');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('the command audits each change (hook-config control events, a removal rated high) and changes nothing when the log cannot open', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-install-audit-'));
    try {
      const ws = path.join(tmp, 'ws');
      fs.mkdirSync(ws);
      const env = { PATH: '/usr/bin:/bin', HOME: path.join(tmp, 'home'), XDG_STATE_HOME: path.join(tmp, 'state') };
      const cli = (...a: string[]) => spawnSync(process.execPath, [CLI, 'install-hooks', ...a, '--workspace', ws, '--home', env.HOME], { env, encoding: 'utf8' });
      for (const a of [['claude-code'], ['claude-code', '--check'], ['cursor'], ['claude-code', '--remove']]) assert.strictEqual(cli(...a).status, 0, a.join(' '));
      // With no --audit-dir: the person's own audit stream, where `audit export` reads.
      const recs = readAuditFile(path.join(env.XDG_STATE_HOME, 'agentpolicy', 'audit')).filter((r) => r.type === 'control');
      assert.deepStrictEqual(
        recs.map((r) => [r.control.event, r.control.data.agent, r.control.data.change, r.control.data.files.map((f: string) => path.relative(ws, f)), r.context.pep, r.subject.kind]),
        [
          ['hook-config', 'claude-code', 'install', ['.claude/settings.json'], 'cli', 'unknown'],
          ['hook-config', 'cursor', 'install', ['.cursor/hooks.json'], 'cli', 'unknown'],
          ['hook-config', 'claude-code', 'remove', ['.claude/settings.json'], 'cli', 'unknown'],
        ],
      );
      const [installed, , removed] = recs.map((r) => toOcsf(r) as Record<string, any>);
      assert.strictEqual(installed.activity_name, 'Update');
      assert.ok(removed.severity_id > installed.severity_id, `removal ${removed.severity} vs install ${installed.severity}`);
      // A log that cannot open (a file where its folder should be): one line, exit 2, no config written.
      const blocked = path.join(tmp, 'not-a-folder');
      fs.writeFileSync(blocked, '');
      const r = cli('gemini', '--audit-dir', blocked);
      assert.strictEqual(r.status, 2, r.stdout + r.stderr);
      assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(!fs.existsSync(path.join(ws, '.gemini', 'settings.json')), 'nothing changed without its audit record');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
