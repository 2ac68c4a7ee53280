import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { AGENT_PROFILES, profilesFor } from '../../../src/core/sandbox/agentProfiles';
import { buildProfile, programInstall, sandboxDenies, type SandboxProfile } from '../../../src/core/sandbox/profile';
import { makeFixture, type Fixture } from './fixture';

const hiddenPaths = (p: SandboxProfile) => p.hidden.map((h) => h.path);
const mirrorOf = (p: SandboxProfile, dir: string) => p.mirrors.find((m) => m.path === dir)?.entries.map((e) => e.name);

describe('sandbox profile', () => {
  let f: Fixture;
  afterEach(() => f?.cleanup());

  it('hides the policy secrets in the workspace, at any depth, and keeps the exceptions', () => {
    f = makeFixture({ 'ws/.env': 'S=1', 'ws/.env.local': 'S=2', 'ws/.env.example': 'S=', 'ws/app/deep/x/.env': 'S=3', 'ws/certs/server.pem': 'K', 'ws/src/a.ts': 'a' });
    const p = buildProfile({ policy: f.policy(), env: {} });
    const h = hiddenPaths(p);
    for (const rel of ['.env', '.env.local', 'app/deep/x/.env', 'certs/server.pem']) assert.ok(h.includes(path.join(f.ws, rel)), rel);
    assert.ok(!h.includes(path.join(f.ws, '.env.example')));
    assert.ok(!h.includes(path.join(f.ws, 'src/a.ts')));
    assert.ok(p.readWrite.includes(f.ws));
  });

  it('hides what a symlink shipped in the repository points at, and every hard-linked name of a secret', () => {
    f = makeFixture({ 'ws/.env': 'S=1', 'outside/keys/prod.pem': 'K', 'ws/src/a.ts': 'a' });
    fs.symlinkSync(path.join(f.root, 'outside/keys/prod.pem'), path.join(f.ws, 'innocent.txt'));
    fs.symlinkSync('.env', path.join(f.ws, 'config.txt'));
    fs.linkSync(path.join(f.ws, '.env'), path.join(f.ws, 'src/notes.txt'));
    const p = buildProfile({ policy: f.policy(), env: {} });
    const h = hiddenPaths(p);
    assert.ok(h.includes(path.join(f.root, 'outside/keys/prod.pem')), 'the link target');
    assert.ok(h.includes(path.join(f.ws, '.env')));
    assert.ok(h.includes(path.join(f.ws, 'src/notes.txt')), 'the hard link');
  });

  it('keeps protected paths, git control files of every repository and the policy file read-only', () => {
    f = makeFixture({ 'ws/.agentpolicy.yaml': 'version: 1\n', 'ws/.git/config': '[core]\n', 'ws/.git/hooks/pre-commit': '#!/bin/sh', 'ws/.git/HEAD': 'ref: refs/heads/main\n', 'ws/vendor/lib/.git/config': '[core]\n', 'ws/.claude/settings.json': '{}', 'ws/.git/modules/sub/config': '[core]\n', 'wt/.git/HEAD': 'x' });
    fs.writeFileSync(path.join(f.ws, 'linked'), 'x');
    fs.mkdirSync(path.join(f.ws, 'wt2'));
    fs.mkdirSync(path.join(f.root, 'gitdir-wt2'));
    fs.writeFileSync(path.join(f.root, 'gitdir-wt2/config.worktree'), '[core]\n');
    fs.writeFileSync(path.join(f.ws, 'wt2/.git'), `gitdir: ${path.join(f.root, 'gitdir-wt2')}\n`);
    const p = buildProfile({ policy: f.policy(), env: {} });
    for (const rel of ['.agentpolicy.yaml', '.git/config', '.git/hooks', 'vendor/lib/.git/config', '.claude/settings.json', '.git/modules/sub/config', 'wt2/.git']) assert.ok(p.readOnly.includes(path.join(f.ws, rel)), rel);
    assert.ok(p.readOnly.includes(path.join(f.root, 'gitdir-wt2/config.worktree')));
    assert.ok(!p.readOnly.includes(path.join(f.ws, '.git/HEAD')), 'the rest of .git stays writable (commits work)');
  });

  it('mirrors home from an allow-list: credentials left out whether or not they exist yet', () => {
    f = makeFixture({ 'home/.bashrc': 'b', 'home/.ssh/id_ed25519': 'K', 'home/.aws/credentials': 'K', 'home/.netrc': 'machine x password y', 'home/.config/gh/hosts.yml': 't', 'home/.config/nvim/init.lua': 'n', 'home/.docker/config.json': '{}', 'home/projects/other/.env': 'S=9', 'home/projects/other/README': 'r' });
    const p = buildProfile({ policy: f.policy(), env: {} });
    assert.deepStrictEqual(mirrorOf(p, f.home), ['.bashrc', '.config', 'projects']);
    // ~/.config is mirrored even though gcloud is absent: a `gcloud auth login` outside during the run stays invisible.
    assert.deepStrictEqual(mirrorOf(p, path.join(f.home, '.config')), ['nvim']);
    // Another repository's .env: its folder is mirrored without it.
    assert.deepStrictEqual(mirrorOf(p, path.join(f.home, 'projects/other')), ['README']);
    assert.ok(!p.readWrite.some((w) => w.startsWith(f.home)), 'no agent state: nothing in home writable');
    // A hidden folder is left out by its parent, not shown empty (a secret the policy names inside it changes nothing).
    assert.ok(!p.mirrors.some((m) => m.path === path.join(f.home, '.aws') || m.path === path.join(f.home, '.ssh')));
    assert.ok(!p.hidden.some((h) => h.path.startsWith(path.join(f.home, '.ssh')) || h.path.startsWith(path.join(f.home, '.aws'))), 'nothing mounted inside what is left out');
  });

  it('keeps each agent state folder writable and its hook and permission configs read-only', () => {
    f = makeFixture({ 'home/.claude/settings.json': '{}', 'home/.claude/projects/x.jsonl': 'x', 'home/.claude.json': '{}', 'home/.gemini/settings.json': '{}', 'home/.npm/_cacache/x': 'x' });
    const p = buildProfile({ policy: f.policy(), env: {}, agent: 'claude', program: 'claude' });
    assert.ok(p.readWrite.includes(path.join(f.home, '.claude')));
    assert.ok(p.readWrite.includes(path.join(f.home, '.claude.json')));
    assert.ok(p.readWrite.includes(path.join(f.home, '.npm')), 'package cache');
    assert.ok(p.readOnly.includes(path.join(f.home, '.claude/settings.json')));
    // Every agent the policy registers (the built-in policy registers the known CLIs) keeps its state writable.
    assert.ok(p.readWrite.includes(path.join(f.home, '.gemini')), 'a registered agent');
    assert.ok(p.readOnly.includes(path.join(f.home, '.gemini/settings.json')));
    assert.ok(p.network.allowHosts.includes('api.anthropic.com'));
    assert.ok(p.env.keep.includes('ANTHROPIC_API_KEY'));
  });

  it('creates the launched agent\'s missing state folder, never another agent\'s', () => {
    f = makeFixture({});
    const p = buildProfile({ policy: f.policy(), env: {}, agent: 'gemini', program: 'gemini' });
    assert.deepStrictEqual(p.createDirs, [path.join(f.home, '.gemini')]);
    assert.ok(p.readWrite.includes(path.join(f.home, '.gemini')));
  });

  it('fails closed when the policy protects a whole agent state folder, and says so', () => {
    // A policy that protects ~/.codex/ entirely: Codex keeps its state there.
    f = makeFixture({ 'home/.codex/config.toml': 'x', 'home/.codex/sessions/s.jsonl': 'x' }, { policy: 'version: 1\nprotected: [~/.codex/]\n' });
    const p = buildProfile({ policy: f.policy(), env: {}, agent: 'codex', program: 'codex' });
    assert.ok(!p.readWrite.includes(path.join(f.home, '.codex')));
    assert.ok(p.warnings.some((w) => w.includes('.codex') && w.includes('protected')), p.warnings.join('\n'));
  });

  it('follows a moved state folder (CODEX_HOME) and protects its config there', () => {
    f = makeFixture({ 'codexhome/config.toml': 'x' });
    const p = buildProfile({ policy: f.policy(), env: { CODEX_HOME: path.join(f.root, 'codexhome') }, agent: 'codex', program: 'codex' });
    assert.ok(p.readWrite.includes(path.join(f.root, 'codexhome')));
    assert.ok(p.readOnly.includes(path.join(f.root, 'codexhome/config.toml')));
  });

  it('replaces ~/.npmrc with a copy without its tokens', () => {
    f = makeFixture({ 'home/.npmrc': 'registry=https://r.example/\n//r.example/:_authToken=npm_SECRET\nalways-auth=true\n' });
    const p = buildProfile({ policy: f.policy(), env: {} });
    const r = p.replacements.find((x) => x.path === path.join(f.home, '.npmrc'));
    assert.ok(r);
    assert.ok(!r.content.includes('npm_SECRET'));
    assert.ok(r.content.includes('registry=https://r.example/'));
  });

  it('hides the files credential variables point at, and the guard state', () => {
    f = makeFixture({ 'elsewhere/sa.json': '{}', 'elsewhere/kube.yaml': 'k', 'home/.local/state/agentpolicy/audit/key': 'k' });
    const p = buildProfile({ policy: f.policy(), env: { GOOGLE_APPLICATION_CREDENTIALS: path.join(f.root, 'elsewhere/sa.json'), KUBECONFIG: `${path.join(f.root, 'elsewhere/kube.yaml')}:/nonexistent` } });
    const h = hiddenPaths(p);
    assert.ok(h.includes(path.join(f.root, 'elsewhere/sa.json')));
    assert.ok(h.includes(path.join(f.root, 'elsewhere/kube.yaml')));
    // Inside mirrored ~/.local/state: left out of the listing.
    assert.deepStrictEqual(mirrorOf(p, path.join(f.home, '.local/state')), []);
  });

  it('asks the policy rules: a user file.read deny rule with paths hides, an agent-scoped one only for that agent', () => {
    const policy = `version: 1
rules:
  - id: no-customer-data
    action: file.read
    paths: [data/customers/]
    effect: deny
  - id: gemini-no-notes
    action: file.read
    paths: [notes.md]
    agents: [gemini]
    effect: deny
  - id: ask-outside
    action: file.read
    outside_workspace: true
    effect: deny
`;
    f = makeFixture({ 'ws/data/customers/a.csv': 'x', 'ws/notes.md': 'n', 'ws/src/a': 'a' }, { policy });
    const forClaude = buildProfile({ policy: f.policy(), env: {}, agent: 'claude' });
    assert.ok(hiddenPaths(forClaude).includes(path.join(f.ws, 'data/customers')));
    assert.ok(!hiddenPaths(forClaude).includes(path.join(f.ws, 'notes.md')));
    const forGemini = buildProfile({ policy: f.policy(), env: {}, agent: 'gemini' });
    assert.ok(hiddenPaths(forGemini).includes(path.join(f.ws, 'notes.md')));
    // A rule without paths (outside_workspace) is about commands: home stays readable, not hidden.
    assert.ok(!hiddenPaths(forClaude).some((h) => h.startsWith(f.home)));
  });

  it('a rule that throws counts as denying', () => {
    f = makeFixture({});
    const base = f.policy();
    const broken = { ...base, rules: [...base.rules, { id: 'x', effect: 'deny' as const, kind: 'file.read' as const, layer: 'repo' as const, summary: '', index: ['x'], test: () => { throw new Error('boom'); } }] };
    assert.strictEqual(sandboxDenies(broken, 'file.read', path.join(f.ws, 'anything')), true);
  });

  it('says when the walk was cut short', () => {
    f = makeFixture({ 'ws/a/1': '', 'ws/a/2': '', 'ws/a/3': '', 'ws/b/.env': 'S' });
    const p = buildProfile({ policy: f.policy(), env: {}, limits: { workspaceEntries: 3 } });
    assert.ok(p.warnings.some((w) => w.includes('stopped looking for secrets')));
  });

  it('a workspace that is the home folder: no mirror, credentials hidden by mount', () => {
    f = makeFixture({ 'home/.ssh/id_rsa': 'K', 'home/src/a': 'a' });
    const policy = { ...f.policy(), workspace: f.home };
    const p = buildProfile({ policy, env: {} });
    assert.deepStrictEqual(p.mirrors, []);
    assert.ok(hiddenPaths(p).includes(path.join(f.home, '.ssh')));
  });

  it('shows the launched program\'s installation read-only where a private folder would hide it, and no more of that folder', () => {
    f = makeFixture({ 'tools/node_modules/@a/cli/bin.js': 'x', 'tools/node_modules/dep/index.js': 'y', 'tools/secret.txt': 's', 'venv/bin/tool': 'z' });
    const p = buildProfile({ policy: f.policy(), env: {}, programPaths: [path.join(f.root, 'tools/node_modules/.bin/cli'), path.join(f.root, 'tools/node_modules/@a/cli/bin.js')] });
    assert.ok(p.readOnly.includes(path.join(f.root, 'tools/node_modules')), p.readOnly.join('\n'));
    assert.ok(!p.readOnly.some((r) => r === path.join(f.root, 'tools') || r === f.root), 'only the package tree, not the folders around it');
    // A package and its dependencies; a bin folder's prefix; a program lying in the private folder itself shows alone.
    assert.strictEqual(programInstall('/tmp/x/node_modules/a/node_modules/b/cli.js'), '/tmp/x/node_modules');
    assert.strictEqual(programInstall('/tmp/venv/bin/python3'), '/tmp/venv');
    assert.strictEqual(programInstall('/tmp/x/tool'), '/tmp/x');
    assert.strictEqual(programInstall('/tmp/tool'), '/tmp/tool');
    assert.strictEqual(programInstall('/tmp/bin/tool'), '/tmp/bin/tool');
    assert.strictEqual(programInstall('/usr/bin/git'), undefined, 'nothing private hides it: nothing to add');
  });

  it('keeps the secrets of a shown program folder hidden (another project run from /tmp)', () => {
    f = makeFixture({ 'proj/bin/tool': 'x', 'proj/.env': 'SECRET=1', 'proj/conf/id_rsa': 'K', 'proj/README': 'r' });
    const p = buildProfile({ policy: f.policy(), env: {}, programPaths: [path.join(f.root, 'proj/bin/tool')] });
    assert.ok(p.readOnly.includes(path.join(f.root, 'proj')));
    assert.ok(hiddenPaths(p).includes(path.join(f.root, 'proj/.env')), hiddenPaths(p).join('\n'));
    assert.ok(!hiddenPaths(p).includes(path.join(f.root, 'proj/README')));
  });

  it('an unknown program or a shell gets every known agent profile', () => {
    assert.strictEqual(profilesFor(['bash']).length, AGENT_PROFILES.length);
    assert.deepStrictEqual(profilesFor(['claude-code']).map((p) => p.id), ['claude']);
  });
});
