import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gitRemotes } from '../../../src/core/sandbox/gitRemotes';
import { sandboxEnv } from '../../../src/core/sandbox/launch';
import type { SandboxProfile } from '../../../src/core/sandbox/profile';
import { PushService, type PushDecisionRequest } from '../../../src/core/sandbox/pushService';
import { parseHelperCommand, parsePushSpec } from '../../../src/core/sandbox/remoteHelperProtocol';

describe('remote-helper protocol', () => {
  it('reads the commands git sends', () => {
    assert.deepStrictEqual(parseHelperCommand('capabilities'), { kind: 'capabilities' });
    assert.deepStrictEqual(parseHelperCommand('list for-push'), { kind: 'list', forPush: true });
    assert.deepStrictEqual(parseHelperCommand('list'), { kind: 'list', forPush: false });
    assert.deepStrictEqual(parseHelperCommand('option verbosity 1'), { kind: 'option', name: 'verbosity', value: '1' });
    assert.deepStrictEqual(parseHelperCommand('push +refs/heads/a:refs/heads/b'), { kind: 'push', spec: '+refs/heads/a:refs/heads/b' });
    assert.deepStrictEqual(parseHelperCommand(`fetch ${'a'.repeat(40)} refs/heads/main`), { kind: 'fetch', sha: 'a'.repeat(40), name: 'refs/heads/main' });
    assert.deepStrictEqual(parseHelperCommand(''), { kind: 'end' });
    assert.strictEqual(parseHelperCommand('connect git-upload-pack').kind, 'unknown');
    assert.strictEqual(parseHelperCommand(`fetch nothex refs/heads/main`).kind, 'unknown');
  });

  it('reads push refspecs: force, deletion, a raw object id; refuses what is not a remote ref', () => {
    assert.deepStrictEqual(parsePushSpec('+refs/heads/feature:refs/heads/feature'), { src: 'refs/heads/feature', dst: 'refs/heads/feature', force: true });
    assert.deepStrictEqual(parsePushSpec(':refs/heads/old'), { src: '', dst: 'refs/heads/old', force: false });
    assert.deepStrictEqual(parsePushSpec(`${'b'.repeat(40)}:refs/tags/v1`), { src: 'b'.repeat(40), dst: 'refs/tags/v1', force: false });
    assert.strictEqual(parsePushSpec('refs/heads/a'), undefined);
    assert.strictEqual(parsePushSpec('refs/heads/a:main'), undefined);
    assert.strictEqual(parsePushSpec('--upload-pack=x:refs/heads/a'), undefined);
  });
});

describe('push service (outside the sandbox)', function () {
  this.timeout(20_000);
  let tmp: string;
  let ws: string;
  let remote: string;
  let service: PushService;
  let decided: PushDecisionRequest[];
  let allow: boolean;
  const sh = (cmd: string, cwd: string) => {
    const r = spawnSync('bash', ['-c', cmd], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tmp, GIT_CONFIG_NOSYSTEM: '1' } });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout.trim();
  };
  const ask = (req: Record<string, unknown>) => service.handle(JSON.stringify({ v: 1, remote: 'origin', url: remote, gitDir: path.join(ws, '.git'), cwd: ws, ...req }));

  before(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ap-push-')));
    ws = path.join(tmp, 'ws');
    remote = path.join(tmp, 'remote.git');
    sh(`git init -q --bare ${remote} && git init -q -b main ${ws}`, tmp);
    sh(`git config user.email a@b && git config user.name a && echo 1 > f && git add f && git commit -qm one && git remote add origin ${remote} && git push -q origin main && echo 2 >> f && git commit -qam two`, ws);
    // The person's husky-style hooks path, and a hook the agent planted there: must not run outside.
    sh(`mkdir .husky && printf '#!/bin/sh\\ntouch ${tmp}/hook-ran-outside\\n' > .husky/pre-push && chmod +x .husky/pre-push && git config core.hooksPath .husky`, ws);
    service = new PushService({
      workspace: ws,
      env: { PATH: process.env.PATH, HOME: tmp, GIT_CONFIG_NOSYSTEM: '1' },
      remotes: gitRemotes(ws),
      decide: async (r) => {
        decided.push(r);
        return { allow, message: allow ? 'agentpolicy: allow' : 'agentpolicy: deny: test says no' };
      },
    });
  });
  beforeEach(() => {
    decided = [];
    allow = false;
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const head = () => sh('git rev-parse HEAD', ws);
  const remoteMain = () => sh('git --git-dir remote.git rev-parse refs/heads/main', tmp);

  it('lists the remote\'s refs with the person\'s access', async () => {
    const r = (await ask({ op: 'list' })) as { ok: boolean; refs: { sha?: string; name: string }[] };
    assert.ok(r.ok);
    assert.ok(r.refs.some((x) => x.name === 'refs/heads/main' && x.sha === remoteMain()));
  });

  it('asks on the exact refs, with the remote value and whether it is rewritten; a refusal leaves the remote unchanged', async () => {
    const before = remoteMain();
    const r = (await ask({ op: 'push', refs: [{ src: 'refs/heads/main', dst: 'refs/heads/main', force: false, localSha: head() }], token: 'tok' })) as { allowed: boolean; refs: { ok: boolean }[] };
    assert.strictEqual(r.allowed, false);
    assert.strictEqual(remoteMain(), before);
    assert.deepStrictEqual(decided[0].refs, [{ localRef: 'refs/heads/main', localSha: head(), remoteRef: 'refs/heads/main', remoteSha: before, rewrites: false }]);
    assert.strictEqual(decided[0].token, 'tok');
    assert.strictEqual(decided[0].remote, 'origin');
  });

  it('performs an allowed push outside, without the workspace\'s hooks or config', async () => {
    allow = true;
    const r = (await ask({ op: 'push', refs: [{ src: 'refs/heads/main', dst: 'refs/heads/main', force: false, localSha: head() }] })) as { allowed: boolean; refs: { ok: boolean; remoteRef: string }[] };
    assert.strictEqual(r.allowed, true);
    assert.deepStrictEqual(r.refs.map((x) => [x.remoteRef, x.ok]), [['refs/heads/main', true]]);
    assert.strictEqual(remoteMain(), head());
    assert.ok(!fs.existsSync(path.join(tmp, 'hook-ran-outside')), 'a hook in the workspace ran outside the sandbox');
  });

  it('a force push carries a lease on the value that was decided: a remote that moved meanwhile is not overwritten', async () => {
    allow = true;
    const decidedOver = remoteMain();
    sh('git commit -q --amend -m rewritten', ws);
    const service2 = new PushService({
      workspace: ws,
      env: { PATH: process.env.PATH, HOME: tmp, GIT_CONFIG_NOSYSTEM: '1' },
      remotes: gitRemotes(ws),
      decide: async (req) => {
        assert.strictEqual(req.refs[0].rewrites, true);
        // Someone else pushes between the decision and the push.
        sh(`git --git-dir ${remote} update-ref refs/heads/main ${sh('git rev-parse HEAD~1', ws)}`, tmp);
        return { allow: true, message: 'ok' };
      },
    });
    const r = JSON.parse(JSON.stringify(await service2.handle(JSON.stringify({ v: 1, op: 'push', remote: 'origin', url: remote, gitDir: path.join(ws, '.git'), cwd: ws, refs: [{ src: 'refs/heads/main', dst: 'refs/heads/main', force: true, localSha: head() }] }))));
    assert.strictEqual(r.refs[0].ok, false, JSON.stringify(r));
    assert.notStrictEqual(remoteMain(), head());
    assert.notStrictEqual(remoteMain(), decidedOver);
  });

  it('an allowed force push lands when the remote is where it was decided; an allowed deletion too', async () => {
    allow = true;
    sh(`git push -q --no-verify ${remote} HEAD:refs/heads/main HEAD:refs/heads/old`, ws);
    sh('git commit -q --amend -m diverged', ws);
    const r = (await ask({ op: 'push', refs: [{ src: 'refs/heads/main', dst: 'refs/heads/main', force: true, localSha: head() }, { src: '', dst: 'refs/heads/old', force: false, localSha: '' }] })) as { refs: { ok: boolean }[] };
    assert.deepStrictEqual(r.refs.map((x) => x.ok), [true, true], JSON.stringify(r));
    assert.strictEqual(remoteMain(), head());
    assert.strictEqual(spawnSync('git', ['--git-dir', remote, 'rev-parse', '-q', '--verify', 'refs/heads/old']).status, 1);
    assert.strictEqual(decided[0].refs[0].rewrites, true);
    assert.strictEqual(decided[0].refs[1].localSha, '0'.repeat(40));
  });

  it('refuses a URL the repository did not have, another repository, an object that is not there, malformed requests', async () => {
    allow = true;
    const other = path.join(tmp, 'other');
    sh(`git init -q ${other}`, tmp);
    const cases: Record<string, unknown>[] = [
      { op: 'push', url: path.join(tmp, 'elsewhere.git'), refs: [{ src: 'HEAD', dst: 'refs/heads/x', force: false, localSha: head() }] },
      { op: 'push', gitDir: path.join(other, '.git'), cwd: other, refs: [{ src: 'HEAD', dst: 'refs/heads/x', force: false, localSha: head() }] },
      { op: 'push', refs: [{ src: 'HEAD', dst: 'refs/heads/x', force: false, localSha: 'c'.repeat(40) }] },
      { op: 'push', refs: [{ src: 'HEAD', dst: 'main', force: false, localSha: head() }] },
      { op: 'push', refs: [{ src: 'HEAD', dst: 'refs/heads/a..b', force: false, localSha: head() }] },
      { op: 'push', refs: [] },
      { op: 'push', refs: [{ src: 'HEAD', dst: 'refs/heads/x', force: false, localSha: head() }], extra: true },
      { op: 'exec', cmd: 'id' },
    ];
    for (const c of cases) {
      const r = (await ask(c)) as { ok: boolean; allowed?: boolean; message: string };
      assert.ok(!r.ok || r.allowed === false, `${JSON.stringify(c)} → ${JSON.stringify(r)}`);
      assert.match(r.message, /deny/);
    }
    assert.strictEqual((await service.handle('not json')).ok, false);
    assert.strictEqual(sh(`git --git-dir ${remote} for-each-ref --format='%(refname)'`, tmp).split('\n').includes('refs/heads/x'), false);
    assert.strictEqual(decided.length, 0, 'nothing invalid reached the broker');
  });

  it('without a decider (no broker) every push is refused', async () => {
    const s = new PushService({ workspace: ws, env: { PATH: process.env.PATH, HOME: tmp }, remotes: gitRemotes(ws) });
    const r = (await s.handle(JSON.stringify({ v: 1, op: 'push', remote: 'origin', url: remote, gitDir: path.join(ws, '.git'), cwd: ws, refs: [{ src: 'HEAD', dst: 'refs/heads/y', force: false, localSha: head() }] }))) as { allowed: boolean };
    assert.strictEqual(r.allowed, false);
  });
});

describe('the environment inside', () => {
  const profile = { env: { keep: ['ANTHROPIC_API_KEY'], set: { npm_config_cache: '/tmp/.npm' } } } as unknown as SandboxProfile;
  const base = {
    PATH: '/shim/bin:/usr/bin:/bin',
    AGENTPOLICY_SHIM_DIR: '/shim/bin',
    AGENTPOLICY_TOKEN: 'session',
    AGENTPOLICY_SOCKET: '/run/user/1/agentpolicy-x/broker.sock',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'core.hooksPath',
    GIT_CONFIG_VALUE_0: '/shim/hooks',
    GITHUB_TOKEN: 'ghp',
    NPM_CONFIG__AUTHTOKEN: 'npm',
    AWS_SECRET_ACCESS_KEY: 'aws',
    DB_PASSWORD: 'pw',
    STRIPE_KEY: 'sk',
    SSH_AUTH_SOCK: '/tmp/ssh',
    ANTHROPIC_API_KEY: 'model',
    GIT_AUTHOR_NAME: 'dev',
    CLAUDE_CODE_MAX_OUTPUT_TOKENS: '8000',
    HTTPS_PROXY: 'http://corp:8080',
  };
  const env = sandboxEnv(base, profile, { brokerSocket: '/s/broker.sock', brokerPort: 4000, proxyPort: 3128, pushSocket: '/s/push.sock', bin: '/s/bin', remotes: [{ url: 'git@github.com:o/r.git', kind: 'url' }, { url: 'https://push.example/r', kind: 'pushurl' }] });

  it('drops credentials and socket pointers, keeps the agent\'s model key and ordinary settings', () => {
    for (const k of ['GITHUB_TOKEN', 'NPM_CONFIG__AUTHTOKEN', 'AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD', 'STRIPE_KEY', 'SSH_AUTH_SOCK']) assert.strictEqual(env[k], undefined, k);
    assert.strictEqual(env.ANTHROPIC_API_KEY, 'model');
    assert.strictEqual(env.GIT_AUTHOR_NAME, 'dev');
    assert.strictEqual(env.CLAUDE_CODE_MAX_OUTPUT_TOKENS, '8000');
    assert.strictEqual(env.AGENTPOLICY_TOKEN, 'session');
  });

  it('names the guard as it is inside, the proxy for every client, the remote helper after the shims', () => {
    assert.strictEqual(env.AGENTPOLICY_SOCKET, '/s/broker.sock');
    assert.strictEqual(env.AGENTPOLICY_PORT, '4000');
    assert.strictEqual(env.AGENTPOLICY_PUSH_SOCKET, '/s/push.sock');
    for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']) assert.strictEqual(env[k], 'http://127.0.0.1:3128', k);
    assert.strictEqual(env.NO_PROXY, 'localhost,127.0.0.1,::1');
    assert.strictEqual(env.PATH, '/shim/bin:/s/bin:/usr/bin:/bin');
    assert.strictEqual(env.npm_config_cache, '/tmp/.npm');
  });

  it('routes pushes to the helper after the guard\'s hooks path: pushInsteadOf for urls, insteadOf for pushurls', () => {
    assert.strictEqual(env.GIT_CONFIG_COUNT, '3');
    assert.strictEqual(env.GIT_CONFIG_KEY_0, 'core.hooksPath');
    assert.strictEqual(env.GIT_CONFIG_KEY_1, 'url.agentpolicy::git@github.com:o/r.git.pushInsteadOf');
    assert.strictEqual(env.GIT_CONFIG_VALUE_1, 'git@github.com:o/r.git');
    assert.strictEqual(env.GIT_CONFIG_KEY_2, 'url.agentpolicy::https://push.example/r.insteadOf');
  });
});
