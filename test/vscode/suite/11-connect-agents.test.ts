// "Agent Policy: Connect Agents…" in the real extension host: detection in a throwaway home (real
// executables on a PATH, real config folders, VS Code's real extension list), the QuickPick, real
// config files written and removed by the agents' installers, the installed hook run for real
// (its recorded node and the extension's own launcher), and the file guard keeping our write to a
// protected config while still putting an agent's edit back. Only the person's clicks are stubbed:
// the QuickPick's selection and the message buttons.
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { Human, OUT, WS, api, extension, recordDecisions, sleep, waitFor, withHuman, type AgentPolicyApi } from './helpers';

/** The parts of src/vscode/connectAgents.ts the test drives (through the API's ExtensionMode.Test hook). */
interface Row {
  agent: string;
  scope: 'repo' | 'user';
  file: string;
  state: string;
  problems: string[];
  protection: { effect: string; ruleIds: string[] };
  missingLaunchers: string[];
  detection: { clis: string[]; userFolders: string[]; repoFolders: string[]; extensions: string[]; detected: boolean };
}
interface Survey {
  launcher: string;
  node?: { node: string; version: string; source: string; found: string };
  rejectedNodes: { candidate: { path: string }; why: string }[];
  rows: Row[];
}
interface Outcome {
  agent: string;
  scope: string;
  mode: string;
  file: string;
  result: string;
  error?: string;
  notes: string[];
}
interface Connect {
  override?: Record<string, unknown>;
  launcher: string;
  survey(): Promise<Survey>;
  warnBroken(): Promise<Row[]>;
}

type Item = vscode.QuickPickItem & { row?: Row };

/** The person at a QuickPick: `choose` gets the items and options and returns the selection (undefined: Escape). */
class Picker implements vscode.Disposable {
  readonly calls: { items: Item[]; options: vscode.QuickPickOptions }[] = [];
  private readonly window = vscode.window as unknown as Record<string, unknown>;
  private readonly saved = this.window.showQuickPick;
  constructor(private readonly choose: (items: Item[], options: vscode.QuickPickOptions) => Item[] | Item | undefined) {
    this.window.showQuickPick = async (items: Item[] | Thenable<Item[]>, options: vscode.QuickPickOptions) => {
      const list = await items;
      this.calls.push({ items: list, options });
      return this.choose(list, options);
    };
  }
  dispose(): void {
    this.window.showQuickPick = this.saved;
  }
}

const rows = (items: Item[]) => items.filter((i) => i.kind !== vscode.QuickPickItemKind.Separator);
const rowOf = (items: Item[], agent: string, scope: string) => rows(items).find((i) => i.row?.agent === agent && i.row?.scope === scope);

const CLAUDE_USER = `// my Claude settings
{
  "model": "opus",
  "hooks": {
    "PreToolUse": [{ "matcher": "Bash", "hooks": [{ "type": "command", "command": "~/bin/my-guard.sh" }] }],
    "PostToolUse": [{ "matcher": "*", "hooks": [{ "type": "command", "command": "prettier --write" }] }]
  }
}
`;
const CODEX_USER = '# my codex\nmodel = "gpt-5.5"\n\n[[hooks.PreToolUse]]\nmatcher = "Bash"\n[[hooks.PreToolUse.hooks]]\ntype = "command"\ncommand = "~/bin/mine"\n';

/** Runs a hook command line as an agent does (`sh -c`, the tool call on stdin). */
function runHook(command: string, input: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('/bin/sh', ['-c', command], { cwd: WS, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    p.stdin.end(input);
  });
}

/** JSON with comments, as the agents read it (a tiny subset: line comments outside strings). */
function jsonc(text: string): any {
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
}

suite('Connect Agents', () => {
  let a: AgentPolicyApi;
  let connect: Connect;
  let tmp: string;
  let home: string;
  let bin: string;
  let codexHome: string;
  const claudeUser = () => path.join(home, '.claude', 'settings.json');
  const codexUser = () => path.join(codexHome, 'config.toml');
  // Codex: our hook in hooks.json, its trust entry in config.toml (Codex skips an untrusted hook).
  const codexHooks = () => path.join(codexHome, 'hooks.json');
  const geminiUser = () => path.join(home, '.gemini', 'settings.json');

  suiteSetup(async () => {
    a = await api();
    const t = (a as unknown as { test?: { connect?: Connect } }).test;
    assert.ok(t?.connect, 'the API has no test.connect (ExtensionMode.Test)');
    connect = t.connect;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ap-connect-'));
    home = path.join(tmp, 'home');
    bin = path.join(tmp, 'bin');
    codexHome = path.join(tmp, 'codex-home');
    fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
    fs.mkdirSync(path.join(home, '.gemini'), { recursive: true });
    fs.mkdirSync(codexHome, { recursive: true });
    fs.mkdirSync(bin);
    fs.writeFileSync(claudeUser(), CLAUDE_USER);
    fs.writeFileSync(codexUser(), CODEX_USER);
    // The agents' CLIs as a shell finds them: executables on PATH (never run by the detection).
    for (const cli of ['claude', 'codex']) fs.writeFileSync(path.join(bin, cli), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    connect.override = { home, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CODEX_HOME: codexHome } };
  });
  suiteTeardown(() => {
    if (connect) connect.override = undefined;
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('detects each agent (CLI on PATH, config folders, CODEX_HOME, Copilot in this VS Code) and picks a node that exists', async () => {
    const s = await connect.survey();
    const r = (agent: string, scope = 'user') => s.rows.find((x) => x.agent === agent && x.scope === scope)!;
    assert.deepStrictEqual(r('claude-code').detection.clis, [path.join(bin, 'claude')]);
    assert.deepStrictEqual(r('claude-code').detection.userFolders, [path.join(home, '.claude')]);
    assert.deepStrictEqual(r('codex').detection.userFolders, [codexHome], 'CODEX_HOME, not ~/.codex');
    assert.strictEqual(r('codex').file, codexHooks());
    assert.deepStrictEqual(r('gemini').detection.clis, []);
    assert.deepStrictEqual(r('gemini').detection.userFolders, [path.join(home, '.gemini')]);
    assert.strictEqual(r('cursor').detection.detected, false);
    // Copilot in this VS Code: exactly what the extension host reports.
    const copilotChat = vscode.extensions.getExtension('github.copilot-chat') !== undefined;
    assert.deepStrictEqual(r('copilot').detection.extensions, copilotChat ? ['github.copilot-chat'] : []);
    for (const x of s.rows.filter((x) => x.scope === 'user')) assert.strictEqual(x.state, 'absent', `${x.agent} ${x.scope}: ${x.state} ${x.problems}`);
    assert.deepStrictEqual([...new Set(s.rows.map((x) => x.scope))].sort(), ['repo', 'user'], 'a workspace is open: both scopes');
    // The repository's hook configs are protected by the policy in force (the workspace's recommended
    // one): denied, Copilot's .github/hooks/ asked by its own rule. The throwaway home is not the
    // policy's ~ (that is this extension host's HOME), so its files are not protected, and the rows say so.
    for (const x of s.rows.filter((x) => x.scope === 'repo')) assert.deepStrictEqual(x.protection.effect, x.agent === 'copilot' ? 'ask' : 'deny', `${x.file}: ${JSON.stringify(x.protection)}`);
    assert.deepStrictEqual(r('copilot', 'repo').protection.ruleIds, ['copilot-hook-files']);
    for (const x of s.rows.filter((x) => x.scope === 'user')) assert.notStrictEqual(x.protection.effect, 'deny', x.file);
    // The launcher is the extension's own; the node is a plain one that exists (not necessarily the extension host's).
    assert.strictEqual(s.launcher, path.join(extension().extensionPath, 'dist', 'shim', 'hook', 'agentpolicy-hook'));
    assert.ok(fs.existsSync(s.launcher));
    assert.ok(s.node, `no node: ${JSON.stringify(s.rejectedNodes)}`);
    assert.ok(path.isAbsolute(s.node.node) && fs.existsSync(s.node.node) && fs.realpathSync(s.node.node) === s.node.node);
    assert.strictEqual(spawnSync(s.node.node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim(), s.node.version);
    fs.writeFileSync(path.join(OUT, 'connect-agents-node.txt'), `extension host: process.execPath=${process.execPath} (node ${process.version}, electron ${process.versions.electron ?? 'no'})\nPATH node: ${spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim()}\nchosen: ${s.node.found}, Node ${s.node.version}\nrejected: ${JSON.stringify(s.rejectedNodes)}\n`);
  });

  test('the QuickPick lists detected agents first, with state, scope and file; Escape changes nothing', async () => {
    const before = fs.readFileSync(claudeUser(), 'utf8');
    const picker = new Picker(() => undefined);
    try {
      const result = await vscode.commands.executeCommand('agentPolicy.connectAgents');
      assert.strictEqual(result, undefined);
    } finally {
      picker.dispose();
    }
    const { items, options } = picker.calls[0];
    assert.strictEqual(options.canPickMany, true);
    assert.match(options.placeHolder ?? '', /Check to install, uncheck to remove/);
    assert.match(options.placeHolder ?? '', /with Node \d+\.\d+\.\d+: node on PATH/);
    assert.strictEqual(items[0].kind, vscode.QuickPickItemKind.Separator);
    assert.match(items[0].label, /^Detected on this machine \(.*Claude Code.*\)/);
    const claude = rowOf(items, 'claude-code', 'user')!;
    assert.match(claude.label, /Claude Code/);
    assert.strictEqual(claude.description, 'your user (all folders) · not installed');
    assert.match(claude.detail ?? '', /^~\/\.claude\/settings\.json · NOT protected by your policy \(an agent's edit only asks, as any write there\): add it under protected: · seen: claude on PATH, ~\/\.claude$/);
    assert.match(rowOf(items, 'claude-code', 'repo')?.detail ?? '', /^\.claude\/settings\.json · protected: agents may not edit it/);
    assert.match(rowOf(items, 'copilot', 'repo')?.detail ?? '', /^\.github\/hooks\/agentpolicy\.json · agents must ask you to edit it \(copilot-hook-files\)/);
    assert.strictEqual(claude.picked, false);
    assert.strictEqual(rowOf(items, 'claude-code', 'repo')?.description, 'this repository · not installed');
    const notDetected = items.findIndex((i) => i.kind === vscode.QuickPickItemKind.Separator && i.label === 'Not detected');
    assert.ok(notDetected > items.indexOf(claude), 'undetected agents come after the detected ones');
    assert.ok(items.indexOf(rowOf(items, 'cursor', 'user')!) > notDetected);
    assert.strictEqual(fs.readFileSync(claudeUser(), 'utf8'), before);
    assert.ok(!fs.existsSync(geminiUser()));
  });

  test('install in one click: the agents’ configs get our hook, the user’s hooks and settings stay; the report names file and scope; Show file opens it', async () => {
    const want = new Set(['claude-code', 'codex', 'gemini']);
    const picker = new Picker((items, o) => (o.title === 'Agent Policy: Show file' ? items.find((i) => i.label === '~/.claude/settings.json') : rows(items).filter((i) => i.picked || (i.row?.scope === 'user' && want.has(i.row.agent)))));
    let result: { node?: { node: string }; outcomes: Outcome[] } | undefined;
    try {
      await withHuman(new Human((p) => (p.items.includes('Show file') ? 'Show file' : undefined)), async (human) => {
        result = await vscode.commands.executeCommand('agentPolicy.connectAgents');
        const report = human.prompts.find((p) => p.message.startsWith('Agent Policy: installed'));
        assert.ok(report, `no report: ${JSON.stringify(human.prompts)}`);
        assert.strictEqual(report.kind, 'information');
        assert.match(report.message, /installed the Claude Code hook in ~\/\.claude\/settings\.json \(user\)/);
        assert.match(report.message, /installed the Codex CLI hook in .*codex-home\/hooks\.json \(user\)/);
        assert.match(report.message, /installed the Gemini CLI hook in ~\/\.gemini\/settings\.json \(user\)/);
        assert.match(report.message, /trusted for Codex in .*codex-home\/config\.toml as .*codex-home\/hooks\.json:pre_tool_use:0:0/);
        assert.match(report.message, /The hooks run Node \d+/);
        assert.deepStrictEqual(report.items, ['Show file']);
      });
    } finally {
      picker.dispose();
    }
    assert.ok(result);
    assert.deepStrictEqual(result.outcomes.map((o) => `${o.agent}:${o.scope}:${o.mode}:${o.result}`).sort(), ['claude-code:user:install:written', 'codex:user:install:written', 'gemini:user:install:written']);
    await waitFor(() => vscode.window.activeTextEditor?.document.uri.fsPath === claudeUser(), 5000, 'Show file to open ~/.claude/settings.json');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    const launcher = connect.launcher;
    const node = result.node!.node;
    const claude = fs.readFileSync(claudeUser(), 'utf8');
    assert.match(claude, /^\/\/ my Claude settings/, 'the user’s comments stay');
    const j = jsonc(claude);
    assert.strictEqual(j.model, 'opus');
    assert.deepStrictEqual(j.hooks.PostToolUse, [{ matcher: '*', hooks: [{ type: 'command', command: 'prettier --write' }] }]);
    assert.strictEqual(j.hooks.PreToolUse.length, 2);
    assert.strictEqual(j.hooks.PreToolUse[0].hooks[0].command, '~/bin/my-guard.sh');
    assert.deepStrictEqual(j.hooks.PreToolUse[1], { matcher: '*', hooks: [{ type: 'command', command: `${launcher} claude-code ${node} 110`, timeout: 120, onFailure: 'block' }] });
    const codex = fs.readFileSync(codexUser(), 'utf8');
    assert.ok(codex.startsWith(CODEX_USER), 'the user’s TOML stays first, untouched');
    assert.match(codex, /\[hooks\.state\."[^"]*codex-home\/hooks\.json:pre_tool_use:0:0"\][^\n]*\ntrusted_hash = "sha256:[0-9a-f]{64}"/, codex);
    assert.strictEqual(JSON.parse(fs.readFileSync(codexHooks(), 'utf8')).hooks.PreToolUse[0].hooks[0].command, `${launcher} codex ${node} 110`);
    assert.strictEqual(jsonc(fs.readFileSync(geminiUser(), 'utf8')).hooks.BeforeTool[0].hooks[0].command, `${launcher} gemini ${node} 110`);

    // The hook as Claude Code runs it: the shell runs the command line with the tool call on stdin.
    const payload = { session_id: 's-connect', transcript_path: '/dev/null', cwd: WS, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: path.join(WS, '.agentpolicy.yaml'), content: 'rules: []\n' }, tool_use_id: 'tu-connect' };
    // Asynchronously: the broker that answers it lives in this very extension host.
    const rec = recordDecisions(a);
    const t0 = Date.now();
    const run = await runHook(j.hooks.PreToolUse[1].hooks[0].command, JSON.stringify(payload));
    const ms = Date.now() - t0;
    rec.dispose();
    const answer = `${run.stdout}${run.stderr}`;
    // Informational: whether this extension's broker answered (else the hook decided in-process).
    fs.appendFileSync(path.join(OUT, 'connect-agents-node.txt'), `installed hook run: exit ${run.status} in ${ms} ms; broker decisions seen: ${rec.events.filter((e) => e.what.includes('.agentpolicy.yaml')).map((e) => `${e.final} ${e.subject?.kind}:${e.subject?.id}`).join(', ') || 'none (in-process)'}\n`);
    assert.strictEqual(run.status, 2, `the installed hook did not block (status ${run.status}): ${answer}`);
    assert.match(answer, /"permissionDecision":\s*"deny"/, answer);
  });

  test('a second install is a no-op, and says so', async () => {
    const before = [claudeUser(), codexUser(), codexHooks(), geminiUser()].map((f) => [fs.readFileSync(f, 'utf8'), fs.statSync(f).mtimeMs]);
    const picker = new Picker((items) => rows(items).filter((i) => i.picked));
    try {
      await withHuman(new Human(() => undefined), async (human) => {
        const r = (await vscode.commands.executeCommand('agentPolicy.connectAgents')) as { outcomes: Outcome[] };
        assert.deepStrictEqual(r.outcomes, []);
        assert.ok(human.prompts.some((p) => /nothing to change/.test(p.message)), JSON.stringify(human.prompts));
      });
    } finally {
      picker.dispose();
    }
    const items = picker.calls[0].items;
    for (const agent of ['claude-code', 'codex', 'gemini']) {
      const i = rowOf(items, agent, 'user')!;
      assert.strictEqual(i.picked, true, agent);
      assert.match(i.description ?? '', /installed, current/, agent);
    }
    assert.deepStrictEqual([claudeUser(), codexUser(), codexHooks(), geminiUser()].map((f) => [fs.readFileSync(f, 'utf8'), fs.statSync(f).mtimeMs]), before);
  });

  test('a hook whose launcher is gone (an older extension) is stale; the warning updates it', async () => {
    const old = '/nonexistent/agentpolicy.agent-policy-0.0.1/dist/shim/hook/agentpolicy-hook';
    fs.writeFileSync(claudeUser(), fs.readFileSync(claudeUser(), 'utf8').replace(connect.launcher, old));
    const s = await connect.survey();
    const row = s.rows.find((r) => r.agent === 'claude-code' && r.scope === 'user')!;
    assert.strictEqual(row.state, 'stale');
    assert.deepStrictEqual(row.missingLaunchers, [old]);
    await withHuman(new Human((p) => (p.items.includes('Update them') ? 'Update them' : undefined)), async (human) => {
      const broken = await connect.warnBroken();
      assert.deepStrictEqual(broken.map((b) => b.agent), ['claude-code']);
      const warn = human.prompts.find((p) => p.items.includes('Update them'))!;
      assert.strictEqual(warn.kind, 'warning');
      assert.match(warn.message, /Claude Code \(~\/\.claude\/settings\.json\) runs a hook launcher that no longer exists/);
      assert.ok(human.prompts.some((p) => /installed the Claude Code hook in ~\/\.claude\/settings\.json \(user\)/.test(p.message)), JSON.stringify(human.prompts));
    });
    const after = fs.readFileSync(claudeUser(), 'utf8');
    assert.ok(!after.includes(old) && after.includes(connect.launcher));
    assert.strictEqual(jsonc(after).hooks.PreToolUse.length, 2, 'replaced, not added');
    assert.strictEqual((await connect.survey()).rows.find((r) => r.agent === 'claude-code' && r.scope === 'user')!.state, 'current');
  });

  test('remove in one click takes out only ours: the user’s configs are as they were, a file that held only ours is gone', async () => {
    const off = new Set(['claude-code', 'codex', 'gemini']);
    const picker = new Picker((items) => rows(items).filter((i) => i.picked && !(i.row?.scope === 'user' && off.has(i.row.agent))));
    const rec = recordDecisions(a);
    try {
      await withHuman(new Human(() => undefined), async (human) => {
        const r = (await vscode.commands.executeCommand('agentPolicy.connectAgents')) as { outcomes: Outcome[] };
        // Each removal is audited as the person's hook-config change (a control event in the log, a row in the audit view).
        const audited = rec.events.filter((e) => e.ruleIds.includes('hook-config'));
        assert.deepStrictEqual(audited.map((e) => `${e.subject?.kind}:${/removed the agentpolicy hook for ([a-z-]+)/.exec(e.what)?.[1]}`).sort(), ['person:claude-code', 'person:codex', 'person:gemini'], JSON.stringify(rec.events.map((e) => e.what)));
        assert.deepStrictEqual(r.outcomes.map((o) => `${o.agent}:${o.mode}:${o.result}`).sort(), ['claude-code:remove:written', 'codex:remove:deleted', 'gemini:remove:deleted']);
        const report = human.prompts.find((p) => p.message.startsWith('Agent Policy: removed'))!;
        assert.match(report.message, /removed the Gemini CLI hook from ~\/\.gemini\/settings\.json \(user\) \(the file held only ours, so it is gone\)/);
        assert.deepStrictEqual(report.items, ['Show file'], 'the files that remain can be shown');
      });
    } finally {
      rec.dispose();
      picker.dispose();
    }
    assert.deepStrictEqual(jsonc(fs.readFileSync(claudeUser(), 'utf8')), jsonc(CLAUDE_USER));
    assert.match(fs.readFileSync(claudeUser(), 'utf8'), /^\/\/ my Claude settings/);
    assert.strictEqual(fs.readFileSync(codexUser(), 'utf8'), CODEX_USER, 'our trust entry went, the user’s TOML hook stayed');
    assert.ok(!fs.existsSync(codexHooks()), 'hooks.json held only ours');
    assert.ok(!fs.existsSync(geminiUser()));
    assert.ok(fs.existsSync(path.join(home, '.gemini')), 'the agent’s folder stays');
  });

  test('repository scope: our write to a protected config is kept by the file guard; an agent’s edit to it is still put back', async () => {
    const file = path.join(WS, '.claude', 'settings.json');
    const start = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    const restored = () => (a as unknown as { restoredFiles(): readonly string[] }).restoredFiles();
    const restoredBefore = restored().length;
    const pick = (on: boolean) => new Picker((items) => rows(items).filter((i) => (i.row?.agent === 'claude-code' && i.row.scope === 'repo' ? on : i.picked)));
    let picker = pick(true);
    try {
      await withHuman(new Human(() => undefined), async (human) => {
        const r = (await vscode.commands.executeCommand('agentPolicy.connectAgents')) as { outcomes: Outcome[] };
        assert.deepStrictEqual(r.outcomes.map((o) => `${o.agent}:${o.scope}:${o.result}`), ['claude-code:repo:written']);
        assert.ok(human.prompts.some((p) => /installed the Claude Code hook in \.claude\/settings\.json \(repository\)/.test(p.message)), JSON.stringify(human.prompts));
      });
    } finally {
      picker.dispose();
    }
    const ours = fs.readFileSync(file, 'utf8');
    assert.ok(ours.includes(`${connect.launcher} claude-code `));
    await sleep(2500); // the watcher's events for our own write
    assert.strictEqual(fs.readFileSync(file, 'utf8'), ours, 'the file guard put the old config back over our install');
    assert.strictEqual(restored().length, restoredBefore);

    await withHuman(new Human(() => undefined), async () => {
      // An agent switching the hook off on disk: put back to our install.
      fs.writeFileSync(file, ours.replace('"hooks"', '"disableAllHooks": true,\n  "hooks"'));
      await waitFor(() => fs.readFileSync(file, 'utf8') === ours, 10_000, 'the file guard to put our hook config back');
    });

    picker = pick(false);
    try {
      await withHuman(new Human(() => undefined), async () => {
        const r = (await vscode.commands.executeCommand('agentPolicy.connectAgents')) as { outcomes: Outcome[] };
        assert.deepStrictEqual(r.outcomes.map((o) => `${o.agent}:${o.scope}:${o.mode}`), ['claude-code:repo:remove']);
      });
    } finally {
      picker.dispose();
    }
    await sleep(2500);
    const end = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (start === null) assert.strictEqual(end, null, 'the file held only ours: gone, and not recreated by the file guard');
    else assert.deepStrictEqual(jsonc(end!), jsonc(start));
  });
});
