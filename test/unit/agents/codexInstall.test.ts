import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { codexFileSet, codexHandler, codexPaths, TRUST_MARK, type CodexPaths } from '../../../src/core/agents/codex/install';
import { tomlTables } from '../../../src/core/agents/codex/toml';
import { codexEventLabel, codexTrustedHash, codexTrustKey } from '../../../src/core/agents/codex/trust';
import type { FileTexts, HookCommandSpec } from '../../../src/core/agents/install';
import { INSTALLERS } from '../../../src/core/agents/installers';
import { applyHookChange, changedFiles, hookStatus, planHookChange, type HookTarget } from '../../../src/core/agents/installPlan';

const spec = (launcher = '/opt/agent policy/dist/shim/hook/agentpolicy-hook'): HookCommandSpec => ({ launcher, node: '/usr/bin/node', agent: 'codex', waitSeconds: 110 });

const USER: CodexPaths = { scope: 'user', hooksFile: '/h/.codex/hooks.json', keySource: '/h/.codex/hooks.json', userConfig: '/h/.codex/config.toml', legacyConfig: '/h/.codex/config.toml' };
const REPO: CodexPaths = { scope: 'repo', hooksFile: '/w/.codex/hooks.json', keySource: '/w/.codex/hooks.json', userConfig: '/h/.codex/config.toml', legacyConfig: '/w/.codex/config.toml', projectKeys: ['/w'] };

/** A user's own hooks.json: two PreToolUse groups (one with two handlers) and a PostToolUse hook. */
const USER_HOOKS = `{
    "hooks": {
        "PreToolUse": [
            { "matcher": "Bash", "hooks": [{ "type": "command", "command": "~/bin/guard.sh", "timeout": 30 }] },
            { "hooks": [{ "type": "command", "command": "~/bin/a.sh" }, { "type": "command", "command": "~/bin/b.sh" }] }
        ],
        "PostToolUse": [{ "hooks": [{ "type": "command", "command": "~/bin/after.sh" }] }]
    }
}
`;

const hashOf = (matcher: string | undefined, command: string, timeout?: number) => codexTrustedHash('PreToolUse', matcher, { command, timeout });
const k = (pos: string, src = USER.keySource) => `${src}:pre_tool_use:${pos}`;

/** The user's config.toml: settings, comments, their hooks' trust entries (as Codex writes them). */
const USER_CONFIG = `# my codex config
model = "gpt-5.5"

[features]
hooks = true

[hooks.state]

[hooks.state."${k('0:0')}"]
trusted_hash = "${hashOf('Bash', '~/bin/guard.sh', 30)}"

[hooks.state."${k('1:0')}"]
trusted_hash = "${hashOf(undefined, '~/bin/a.sh')}"

[hooks.state."${k('1:1')}"]
trusted_hash = "${hashOf(undefined, '~/bin/b.sh')}"
enabled = false

[hooks.state."/elsewhere/hooks.json:pre_tool_use:0:0"] # agentpolicy-hook: written by agentpolicy install-hooks codex
trusted_hash = "sha256:another-workspace"

[projects."/w"]
trust_level = "trusted"
`;

const texts = (o: Record<string, string | undefined>): FileTexts => new Map(Object.entries(o));
const apply = (t: FileTexts, change: Map<string, string | undefined>): FileTexts => new Map([...t, ...change]);
const state = (toml: string | undefined) => JSON.parse(JSON.stringify((parseToml(toml ?? '') as any).hooks?.state ?? {})) as Record<string, { trusted_hash?: string; enabled?: boolean }>;

describe('Codex install-hooks: hooks.json plus its trust entry', () => {
  it('trust: the key and hash the real Codex 0.171 reported (app-server hooks/list) for a config.toml hook', () => {
    // [[hooks.PreToolUse]] / [[hooks.PreToolUse.hooks]] type="command" command="echo hi" timeout=120 in $CODEX_HOME/config.toml:
    assert.strictEqual(codexTrustKey('/tmp/tmp.otZO96Oaud/home/.codex/config.toml', 'PreToolUse', 0, 0), '/tmp/tmp.otZO96Oaud/home/.codex/config.toml:pre_tool_use:0:0');
    assert.strictEqual(codexTrustedHash('PreToolUse', undefined, { command: 'echo hi', timeout: 120 }), 'sha256:abc12255f06fa7268b452d4535701708c26e8a178ac988c87cb1bf08e675f243');
    // Defaults are part of the identity: no timeout hashes as 600, async as false.
    assert.strictEqual(codexTrustedHash('PreToolUse', undefined, { command: 'x' }), codexTrustedHash('PreToolUse', undefined, { command: 'x', timeout: 600, async: false }));
    assert.notStrictEqual(codexTrustedHash('PreToolUse', undefined, { command: 'x' }), codexTrustedHash('PreToolUse', 'Bash', { command: 'x' }));
    assert.strictEqual(codexEventLabel('PermissionRequest'), 'permission_request');
  });

  it('user scope, fresh: our group in hooks.json, its trust entry in config.toml; idempotent; removed to nothing', () => {
    const set = codexFileSet(USER);
    const t0 = texts({});
    const m = set.merge(t0, spec());
    const hooks = JSON.parse(m.texts.get(USER.hooksFile)!);
    assert.deepStrictEqual(hooks, { hooks: { PreToolUse: [{ hooks: [codexHandler(spec())] }] } });
    const st = state(m.texts.get(USER.userConfig));
    assert.deepStrictEqual(st, { [k('0:0')]: { trusted_hash: codexTrustedHash('PreToolUse', undefined, codexHandler(spec())) } });
    assert.match(m.texts.get(USER.userConfig)!, new RegExp(`\\] ${TRUST_MARK}\\n`));
    assert.match(m.notes.join('\n'), /trusted for Codex in \/h\/\.codex\/config\.toml as \/h\/\.codex\/hooks\.json:pre_tool_use:0:0/);
    const t1 = apply(t0, m.texts);
    assert.deepStrictEqual(set.check(t1, spec()), { ok: true, problems: [] });
    const again = set.merge(t1, spec());
    for (const f of set.files) assert.strictEqual(again.texts.get(f), t1.get(f), `a second install changes nothing in ${f}`);
    const r = set.remove(t1);
    assert.strictEqual(r.texts.get(USER.hooksFile), undefined, 'hooks.json held only ours: gone');
    assert.strictEqual(r.texts.get(USER.userConfig), undefined, 'config.toml held only our trust entry: gone');
  });

  it('keeps the user’s hooks, settings, comments and trust entries; --remove restores both files byte for byte', () => {
    const set = codexFileSet(USER);
    const t0 = texts({ [USER.hooksFile]: USER_HOOKS, [USER.userConfig]: USER_CONFIG });
    const m = set.merge(t0, spec());
    const h = JSON.parse(m.texts.get(USER.hooksFile)!);
    assert.strictEqual(h.hooks.PreToolUse.length, 3);
    assert.deepStrictEqual(h.hooks.PreToolUse.slice(0, 2), JSON.parse(USER_HOOKS).hooks.PreToolUse);
    assert.deepStrictEqual(h.hooks.PostToolUse, JSON.parse(USER_HOOKS).hooks.PostToolUse);
    assert.ok(m.texts.get(USER.userConfig)!.startsWith(USER_CONFIG), 'the user’s config.toml is untouched; ours is appended');
    const st = state(m.texts.get(USER.userConfig));
    assert.strictEqual(st[k('2:0')].trusted_hash, codexTrustedHash('PreToolUse', undefined, codexHandler(spec())));
    assert.strictEqual(st[k('1:1')].enabled, false);
    assert.strictEqual(st['/elsewhere/hooks.json:pre_tool_use:0:0'].trusted_hash, 'sha256:another-workspace', 'another workspace’s entry of ours stays');
    const t1 = apply(t0, m.texts);
    assert.ok(set.check(t1, spec()).ok, set.check(t1, spec()).problems.join());
    const r = set.remove(t1);
    assert.strictEqual(r.texts.get(USER.hooksFile), USER_HOOKS);
    assert.strictEqual(r.texts.get(USER.userConfig), USER_CONFIG);
  });

  it('removing ours re-keys the trust of the user’s groups after it, so they keep running', () => {
    const set = codexFileSet(USER);
    const t1 = apply(texts({ [USER.hooksFile]: USER_HOOKS, [USER.userConfig]: USER_CONFIG }), set.merge(texts({ [USER.hooksFile]: USER_HOOKS, [USER.userConfig]: USER_CONFIG }), spec()).texts);
    // The user adds a group after ours and trusts it in Codex (/hooks): Codex's own layout.
    const hooks = JSON.parse(t1.get(USER.hooksFile)!);
    hooks.hooks.PreToolUse.push({ hooks: [{ type: 'command', command: '~/bin/late.sh' }] });
    const lateHash = hashOf(undefined, '~/bin/late.sh');
    const cfg = t1.get(USER.userConfig)!.replace('[projects."/w"]', `[hooks.state."${k('3:0')}"]\ntrusted_hash = "${lateHash}"\n\n[projects."/w"]`);
    const t2 = texts({ [USER.hooksFile]: JSON.stringify(hooks, null, 2), [USER.userConfig]: cfg });
    const r = set.remove(t2);
    const after = JSON.parse(r.texts.get(USER.hooksFile)!);
    assert.strictEqual(after.hooks.PreToolUse[2].hooks[0].command, '~/bin/late.sh', 'the late group moved from 3 to 2');
    const st = state(r.texts.get(USER.userConfig));
    assert.deepStrictEqual(st[k('2:0')], { trusted_hash: lateHash }, 'its trust moved with it');
    assert.strictEqual(st[k('3:0')], undefined);
    assert.strictEqual(st[k('1:1')].enabled, false);
  });

  it('Codex’s own rewrite of [hooks.state] (tables laid around ours) is respected: only our table goes', () => {
    const set = codexFileSet(USER);
    const m = set.merge(texts({}), spec());
    // What Codex 0.171 does on config/batchWrite (observed): an empty [hooks.state] header, ours kept with
    // its comment, a new table after it.
    const other = `[hooks.state."/x/hooks.json:pre_tool_use:0:0"]\ntrusted_hash = "sha256:xyz"\n`;
    const cfg = `[hooks.state]\n\n${m.texts.get(USER.userConfig)!.trim()}\n\n${other}`;
    const r = set.remove(texts({ [USER.hooksFile]: m.texts.get(USER.hooksFile), [USER.userConfig]: cfg }));
    assert.strictEqual(r.texts.get(USER.userConfig), `[hooks.state]\n\n${other}`);
  });

  it('a stale entry at our place (a hook that is gone, switched off) is replaced in place, not duplicated', () => {
    const set = codexFileSet(USER);
    const cfg = `model = "o3"\n\n[hooks.state."${k('0:0')}"]\ntrusted_hash = "sha256:old"\nenabled = false\n\n[tui]\nvim = true\n`;
    const m = set.merge(texts({ [USER.userConfig]: cfg }), spec());
    const out = m.texts.get(USER.userConfig)!;
    assert.deepStrictEqual(state(out)[k('0:0')], { trusted_hash: codexTrustedHash('PreToolUse', undefined, codexHandler(spec())) });
    assert.strictEqual((parseToml(out) as any).tui.vim, true);
    assert.ok(out.indexOf('[hooks.state') < out.indexOf('[tui]'), 'in place');
    assert.ok(set.check(apply(texts({ [USER.userConfig]: cfg }), m.texts), spec()).ok);
  });

  it('check: missing, untrusted, stale command, switched off, hooks off, duplicated', () => {
    const set = codexFileSet(USER);
    assert.match(set.check(texts({}), spec()).problems.join(), /does not exist/);
    const t1 = apply(texts({}), set.merge(texts({}), spec()).texts);
    const untrusted = set.check(texts({ [USER.hooksFile]: t1.get(USER.hooksFile) }), spec());
    assert.match(untrusted.problems.join(), /not trusted .*silently skips it/);
    const moved = set.check(t1, spec('/new/place/agentpolicy-hook'));
    assert.match(moved.problems.join(), /stale/);
    const off = set.check(new Map([...t1, [USER.userConfig, t1.get(USER.userConfig) + 'enabled = false\n\n[features]\nhooks = false\n']]), spec());
    assert.match(off.problems.join('\n'), /switched off in Codex/);
    assert.match(off.problems.join('\n'), /\[features\] hooks = false/);
    // A reinstall from the new place replaces ours and its trust: one group, one entry, current.
    const re = apply(t1, set.merge(t1, spec('/new/place/agentpolicy-hook')).texts);
    assert.strictEqual(JSON.parse(re.get(USER.hooksFile)!).hooks.PreToolUse.length, 1);
    assert.strictEqual(Object.keys(state(re.get(USER.userConfig))).length, 1);
    assert.ok(set.check(re, spec('/new/place/agentpolicy-hook')).ok);
    const hooks = JSON.parse(t1.get(USER.hooksFile)!);
    hooks.hooks.PreToolUse.push(hooks.hooks.PreToolUse[0]);
    assert.match(set.check(new Map([...t1, [USER.hooksFile, JSON.stringify(hooks)]]), spec()).problems.join(), /2 times/);
  });

  it('refuses what Codex would not load or what cannot be edited safely, changing nothing', () => {
    const set = codexFileSet(USER);
    assert.throws(() => set.merge(texts({ [USER.hooksFile]: '{ // mine\n "hooks": {} }' }), spec()), /not strict JSON.*skip every hook/);
    assert.throws(() => set.merge(texts({ [USER.hooksFile]: '{"hooks": {"PreToolUse": {"hooks": []}}}' }), spec()), /hooks.PreToolUse in .* is not what Codex reads/);
    assert.throws(() => set.merge(texts({ [USER.userConfig]: 'model = \n' }), spec()), /not valid TOML/);
    // Trust written inline: our [hooks.state."…"] table would redefine it.
    assert.throws(() => set.merge(texts({ [USER.userConfig]: `[hooks]\nstate = { "${k('0:0')}" = { trusted_hash = "x" } }\n` }), spec()), /could not edit .* safely/);
    assert.throws(() => set.merge(texts({ [USER.userConfig]: 'hooks = { state = {} }\n' }), spec()), /could not edit .* safely/);
    assert.throws(() => INSTALLERS.codex.merge('{}', spec()), /fileSet/, 'the single-file path refuses: it would install an untrusted hook');
  });

  it('repo scope: trust goes into the user config; an untrusted project gets one line of advice and fails check', () => {
    const set = codexFileSet(REPO);
    const cfg = 'model = "o3"\n';
    const m = set.merge(texts({ [REPO.userConfig]: cfg }), spec());
    assert.ok(m.texts.get(REPO.hooksFile));
    assert.ok(state(m.texts.get(REPO.userConfig))[k('0:0', REPO.keySource)]);
    assert.strictEqual(m.notes.length, 2);
    assert.match(m.notes[1], /only in a trusted project and \/w is not one: choose "Trust and continue" when Codex asks "Trust this folder\?"/);
    const t1 = apply(texts({ [REPO.userConfig]: cfg }), m.texts);
    assert.match(set.check(t1, spec()).problems.join(), /not one/);
    const trusted = new Map([...t1, [REPO.userConfig, t1.get(REPO.userConfig) + '\n[projects."/w"]\ntrust_level = "trusted"\n']]);
    assert.ok(set.check(trusted, spec()).ok);
    assert.strictEqual(set.merge(trusted, spec()).notes.length, 1, 'no advice for a trusted project');
    const r = set.remove(trusted);
    assert.strictEqual(r.texts.get(REPO.hooksFile), undefined);
    assert.strictEqual(r.texts.get(REPO.userConfig), 'model = "o3"\n\n[projects."/w"]\ntrust_level = "trusted"\n');
  });

  it('the previous installer’s config.toml block is moved out (user and repo scope) and reported by check', () => {
    const legacy = '# >>> agentpolicy hook (written by `agentpolicy install-hooks codex`; `--remove` deletes this block)\n[[hooks.PreToolUse]]\n[[hooks.PreToolUse.hooks]]\ntype = "command"\ncommand = "x"\n# <<< agentpolicy hook\n';
    const user = codexFileSet(USER);
    const tu = texts({ [USER.userConfig]: `model = "o3"\n\n${legacy}` });
    assert.match(user.check(tu, spec()).problems.join(), /old agentpolicy hook block/);
    const mu = user.merge(tu, spec()).texts.get(USER.userConfig)!;
    assert.ok(!mu.includes('[[hooks.PreToolUse]]') && mu.startsWith('model = "o3"\n'));
    const repo = codexFileSet(REPO);
    const tr = texts({ [REPO.legacyConfig]: legacy });
    assert.strictEqual(repo.merge(tr, spec()).texts.get(REPO.legacyConfig), undefined, 'the repo config.toml held only the old block');
    assert.strictEqual(repo.remove(tr).texts.get(REPO.legacyConfig), undefined);
  });

  it('paths as Codex names them: $CODEX_HOME canonicalised, else $HOME/.codex as given; repo by its real path', () => {
    const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ap-codex-paths-')));
    try {
      fs.mkdirSync(path.join(tmp, 'real', 'home', '.codex'), { recursive: true });
      fs.mkdirSync(path.join(tmp, 'real', 'ws', '.git'), { recursive: true });
      fs.symlinkSync(path.join(tmp, 'real'), path.join(tmp, 'link'));
      const link = path.join(tmp, 'link');
      const viaHome = codexPaths('user', { workspace: '/', home: path.join(link, 'home'), env: {} });
      assert.strictEqual(viaHome.keySource, path.join(link, 'home', '.codex', 'hooks.json'));
      const viaEnv = codexPaths('user', { workspace: '/', home: '/nowhere', env: { CODEX_HOME: path.join(link, 'home', '.codex') } });
      assert.strictEqual(viaEnv.keySource, path.join(tmp, 'real', 'home', '.codex', 'hooks.json'));
      assert.throws(() => codexPaths('user', { workspace: '/', home: '/', env: { CODEX_HOME: path.join(tmp, 'missing') } }), /does not exist/);
      const repo = codexPaths('repo', { workspace: path.join(link, 'ws'), home: path.join(link, 'home'), env: {} });
      assert.strictEqual(repo.hooksFile, path.join(link, 'ws', '.codex', 'hooks.json'));
      assert.strictEqual(repo.keySource, path.join(tmp, 'real', 'ws', '.codex', 'hooks.json'));
      assert.deepStrictEqual(repo.projectKeys, [path.join(tmp, 'real', 'ws')]);
      fs.mkdirSync(path.join(tmp, 'real', 'ws', 'pkg'));
      assert.deepStrictEqual(codexPaths('repo', { workspace: path.join(link, 'ws', 'pkg'), home: tmp, env: {} }).projectKeys, [path.join(tmp, 'real', 'ws', 'pkg'), path.join(tmp, 'real', 'ws')]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('the shared install plan (CLI and Connect Agents): one change writes hooks.json and the trust, and refuses a file changed since planning', () => {
    const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ap-codex-plan-')));
    try {
      const launcher = path.join(tmp, 'agentpolicy-hook');
      fs.writeFileSync(launcher, '#!/bin/sh\n', { mode: 0o755 });
      const t: HookTarget = { workspace: tmp, home: path.join(tmp, 'home'), env: {}, launcher, node: process.execPath };
      const cfg = path.join(tmp, 'home', '.codex', 'config.toml');
      fs.mkdirSync(path.dirname(cfg), { recursive: true });
      fs.writeFileSync(cfg, 'model = "o3"\n');
      assert.strictEqual(hookStatus('codex', 'user', t).state, 'absent');
      const c = planHookChange('install', 'codex', 'user', t);
      assert.deepStrictEqual([c.file, c.action, c.also?.map((x) => [x.file, x.action])], [path.join(tmp, 'home', '.codex', 'hooks.json'), 'write', [[cfg, 'write']]]);
      assert.match(c.notes!.join(), /trusted for Codex/);
      fs.appendFileSync(cfg, '# edited meanwhile\n');
      assert.throws(() => applyHookChange(c), /changed since it was read/);
      assert.ok(!fs.existsSync(c.file), 'nothing was written');
      applyHookChange(planHookChange('install', 'codex', 'user', t));
      assert.strictEqual(hookStatus('codex', 'user', t).state, 'current');
      // Trust removed by hand: the hook is "stale", and installing again writes only the trust.
      fs.writeFileSync(cfg, 'model = "o3"\n# edited meanwhile\n');
      assert.strictEqual(hookStatus('codex', 'user', t).state, 'stale');
      const again = planHookChange('install', 'codex', 'user', t);
      assert.deepStrictEqual([again.action, again.also?.map((x) => x.action)], ['none', ['write']]);
      assert.deepStrictEqual(changedFiles(again).map((x) => x.file), [cfg]);
      applyHookChange(again);
      assert.strictEqual(hookStatus('codex', 'user', t).state, 'current');
      applyHookChange(planHookChange('remove', 'codex', 'user', t));
      assert.strictEqual(fs.readFileSync(cfg, 'utf8'), 'model = "o3"\n# edited meanwhile\n');
      assert.ok(!fs.existsSync(c.file));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('TOML tables: headers inside multi-line strings and arrays are not headers', () => {
    const text = `a = """\n[not.a.header]\n"""\nb = [\n  ["x"],\n  { c = 1 },\n]\n[real] # note\nx = 1\n\n# about next\n[[arr.t]]\n`;
    const t = tomlTables(text);
    assert.deepStrictEqual(t.map((x) => [x.path.join('.'), x.array, x.comment]), [['real', false, '# note'], ['arr.t', true, undefined]]);
    assert.strictEqual(t[0].end, t[0].line + 2, 'the comment before the next header is not part of [real]');
  });
});
