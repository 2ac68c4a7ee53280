import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readRecords } from '../../src/core/audit/reader';
import { toOcsf } from '../../src/core/audit/export/ocsf';
import type { AuditRecord, DecisionRecord } from '../../src/core/audit/types';
import { FixedApprover, type ApprovalAnswer, type ApprovalRequest, type Approver } from '../../src/core/broker/broker';
import { GuardHost } from '../../src/core/broker/host';
import { guardEnv } from '../../src/core/broker/guardEnv';
import { CredentialAuthority } from '../../src/core/identity/credentials';
import { compilePolicy } from '../../src/core/policy/compile';
import { loadPolicyText } from '../../src/core/policy/load';
import { baseline, recommendedUserLayer } from '../../src/core/policy/resolve';
import { initShellParser } from '../../src/core/shell/parser';
import { requireSystem } from '../support/system';

/**
 * The terminal and git enforcement points against real bash, zsh and git with a bare
 * remote, and a real broker on a real socket. Only the developer's answer is stubbed.
 */
const root = path.resolve(__dirname, '..', '..', '..');
const shimRoot = path.join(root, 'dist', 'shim');

function sh(cmd: string, cwd: string): string {
  const r = spawnSync('bash', ['--norc', '-c', cmd], { cwd, encoding: 'utf8', env: { ...process.env, BASH_ENV: '', GIT_CONFIG_NOSYSTEM: '1' } });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout.trim();
}

function exec(argv: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** A never-answering developer: the broker's timeout must deny. */
class SilentApprover implements Approver {
  ask(_req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve('deny')));
  }
}

describe('terminal and git enforcement (real bash, zsh, git)', function () {
  this.timeout(60_000);
  let tmp: string;
  let work: string;
  let remote: string;
  let host: GuardHost;
  let credentials: CredentialAuthority;
  const savedRuntime = process.env.XDG_RUNTIME_DIR;
  let approver: Approver;
  let token: string;
  let timeoutSeconds = 60;

  const remoteRef = (ref: string) => spawnSync('git', ['--git-dir', remote, 'rev-parse', '--verify', '-q', ref], { encoding: 'utf8' }).stdout.trim();

  function env(tok = token): Record<string, string> {
    return guardEnv({ shimRoot, socketPath: host.address!.socketPath, port: host.address!.port, token: tok, proof: host.proof, base: { ...process.env, HOME: tmp, GIT_CONFIG_NOSYSTEM: '1' } });
  }

  /** Runs a real program; async, since the broker answers from this same process. */
  function run(argv: readonly string[], e = env()): Promise<{ code: number | null; out: string; err: string }> {
    return exec(argv, { cwd: work, env: e });
  }

  before(async function () {
    requireSystem(this, 'git', 'zsh');
    await initShellParser();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-guard-'));
    remote = path.join(tmp, 'remote.git');
    work = path.join(tmp, 'work');
    sh(`git init -q --bare ${remote} && git init -q -b main ${work}`, tmp);
    sh(`git config user.email dev@example.com && git config user.name dev && echo 1 > f && git add f && git commit -qm one && git remote add origin ${remote} && git push -q origin main && git checkout -qb feature && echo 2 >> f && git commit -qam two`, work);
    approver = new FixedApprover('allow-once');
    const r = loadPolicyText('version: 1\napproval:\n  timeout_seconds: 5\n', 'short.yaml');
    if (!r.ok) throw new Error('bad test policy');
    // The agent these tests play is registered (an unregistered one would get the unidentified treatment: asks).
    const reg = loadPolicyText('version: 1\nagents:\n  - {id: test-agent, owner: tests, risk: medium}\n', 'agents.yaml');
    if (!reg.ok) throw new Error('bad test registry');
    const agents = { name: 'org' as const, doc: reg.policy, file: 'agents.yaml' };
    const recommended = compilePolicy([baseline(), agents, recommendedUserLayer()], { workspace: work, home: tmp, trustRepo: false });
    const quick = compilePolicy([baseline(), agents, recommendedUserLayer(), { name: 'repo', doc: r.policy, file: 'short.yaml' }], { workspace: work, home: tmp, trustRepo: false });
    // The per-user registry (where `agentpolicy revoke` finds the guard) lives in this test's own folder.
    process.env.XDG_RUNTIME_DIR = fs.mkdtempSync(path.join(tmp, 'run-'));
    host = await GuardHost.start({ policy: () => (timeoutSeconds === 5 ? quick : recommended), workspace: work, approver: { ask: (q, s) => approver.ask(q, s) }, auditDir: path.join(tmp, 'audit'), register: true });
    credentials = host.credentials;
    token = (await host.issueSession({ id: 'test-agent' })).token;
  });

  after(async () => {
    if (!tmp) return; // skipped: a system package is missing
    await host.close();
    if (savedRuntime === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = savedRuntime;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  beforeEach(() => {
    approver = new FixedApprover('allow-once');
    timeoutSeconds = 60;
  });

  const mainBefore = () => remoteRef('refs/heads/main');

  for (const [name, argv] of [
    ['bash -c git push --force', ['bash', '-c', 'git push --force origin feature:main']],
    ['git push origin HEAD:main (bash trap)', ['bash', '-c', 'echo start && git push origin HEAD:main']],
    ['/usr/bin/git push -f in a bash script', ['bash', '-c', 'f=$(mktemp); echo "/usr/bin/git push -f origin feature:main" > $f; bash $f']],
    ["sh -c 'git push -f' (dash, no trap: PATH shim)", ['sh', '-c', 'git push -f origin feature:main']],
    ['git -c alias.p=push p --force', ['bash', '-c', 'git -c alias.p=push p --force origin feature:main']],
    ['zsh -c git push --force', ['zsh', '-c', 'git push --force origin feature:main']],
    ['/usr/bin/git push -f spawned directly (only the pre-push hook sees it)', ['/usr/bin/git', 'push', '-f', 'origin', 'feature:main']],
    ['a config alias hiding a push to main (pre-push hook)', ['bash', '-c', 'git -c alias.ship="push origin feature:main" ship']],
  ] as const) {
    it(`blocks ${name}; the remote is unchanged`, async () => {
      const before = mainBefore();
      const r = await run(argv);
      assert.notStrictEqual(r.code, 0, r.out + r.err);
      assert.match(r.err, /agentpolicy: deny: .*(no-force-push|no-push-main)/);
      assert.strictEqual(mainBefore(), before);
    });
  }

  it('an alias defined with -c alias.p=push that the analysis sees through is still judged by the hook', async () => {
    // The developer approves the unknown-alias ask; git's own refs then show a push to main.
    const before = mainBefore();
    const r = await run(['bash', '-c', 'git -c alias.p=push p origin feature:main']);
    assert.notStrictEqual(r.code, 0);
    assert.strictEqual(mainBefore(), before);
  });

  it('lets an approved push to a feature branch land; the other check points record it as the person’s same approval', async () => {
    let asked = 0;
    approver = { ask: async () => (asked++, 'allow-once') };
    const r = await run(['bash', '-c', 'git push -q origin feature']);
    assert.strictEqual(r.code, 0, r.err);
    assert.strictEqual(remoteRef('refs/heads/feature'), sh('git rev-parse feature', work));
    assert.strictEqual(asked, 1, 'one push, one question');
    const records: AuditRecord[] = [];
    for await (const batch of readRecords(path.join(tmp, 'audit'))) records.push(...batch);
    const push = records.filter((x): x is DecisionRecord => x.type === 'decision' && x.action.kind === 'git.push' && x.approval?.outcome === 'approved' && /origin feature\b/.test(`${x.action.commandLine} ${(x.action.refs ?? []).map((f) => f.dst).join(' ')}`));
    const me = os.userInfo().username;
    const answered = push.filter((x) => x.approval!.via === undefined);
    const passes = push.filter((x) => x.approval!.via === 'pass');
    assert.strictEqual(answered.length, 1, JSON.stringify(push.map((x) => [x.context.pep, x.approval])));
    assert.ok(passes.length >= 1, 'the shim or the pre-push hook saw the same push');
    assert.ok(push.every((x) => x.approval!.approver === me), JSON.stringify(push.map((x) => x.approval)));
    const ocsf = toOcsf(passes[0]) as { metadata: { tags: { name: string; value: string }[] } };
    assert.ok(ocsf.metadata.tags.some((t) => t.name === 'approval.via' && t.value === 'pass'));
  });

  it('runs allowed commands untouched and passes their output and status through', async () => {
    const r = await run(['bash', '-c', 'git status --short && echo done']);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /done/);
    assert.strictEqual(r.err, '');
    const z = await run(['zsh', '-c', 'git log --oneline | head -1']);
    assert.strictEqual(z.code, 0, z.err);
    assert.match(z.out, /two/);
  });

  it('a denied command prints one line to stderr and fails', async () => {
    const r = await run(['bash', '-c', 'echo before; rm -rf ~; echo after']);
    assert.strictEqual(r.code, 126);
    assert.strictEqual(r.out, '');
    const lines = r.err.trim().split('\n');
    assert.strictEqual(lines.length, 1, r.err);
    assert.match(lines[0], /^agentpolicy: deny: .*rm -rf ~.*\[rule .*no-recursive-delete-outside-workspace.*\]\. To proceed/);
  });

  it('a script cannot switch the trap off before running what it wants', async () => {
    for (const attempt of ['__agentpolicy_line_ok=1', 'trap - DEBUG', "trap '' DEBUG", 'shopt -u extdebug', 'set +T', '__agentpolicy_ask() { return 0; }', 'unset -f __agentpolicy_ask']) {
      const f = path.join(tmp, 'tamper.sh');
      fs.writeFileSync(f, `${attempt}\ngit push --force origin feature:main\n`);
      const before = mainBefore();
      const r = await run(['/bin/bash', f]);
      assert.strictEqual(r.code, 126, attempt);
      assert.match(r.err, /agentpolicy: deny: /, attempt);
      assert.strictEqual(mainBefore(), before, attempt);
    }
  });

  it('a developer who declines denies, and the script stops there', async () => {
    // The developer lets the script start, then declines what it tries.
    const answers: ApprovalAnswer[] = ['allow-once', 'deny'];
    approver = { ask: async () => answers.shift() ?? 'deny' };
    const f = path.join(tmp, 'script.sh');
    fs.writeFileSync(f, 'echo one\nnpm install left-pad\necho two\n');
    const r = await run(['bash', f]);
    assert.strictEqual(r.code, 126);
    assert.strictEqual(r.out, 'one\n');
    assert.match(r.err, /declined/);
  });

  it('an approval nobody answers times out into deny', async () => {
    approver = new SilentApprover();
    timeoutSeconds = 5;
    const r = await run(['bash', '-c', 'npm install left-pad']);
    assert.strictEqual(r.code, 126);
    assert.match(r.err, /nobody answered the approval prompt in 5 s/);
  });

  it('denies when the broker is unreachable, saying how to fix it', async () => {
    const e = { ...env(), AGENTPOLICY_PORT: '1', AGENTPOLICY_SOCKET: path.join(tmp, 'nope.sock') };
    for (const argv of [['bash', '-c', 'git status'], ['sh', '-c', 'git status'], ['zsh', '-c', 'git status']]) {
      const r = await run(argv, e);
      assert.strictEqual(r.code, 126, argv.join(' '));
      assert.match(r.err, /the guard is unreachable .*agentpolicy serve/);
    }
    const hook = await run(['/usr/bin/git', 'push', 'origin', 'feature:refs/heads/unreachable-test'], e);
    assert.notStrictEqual(hook.code, 0);
    assert.match(hook.err, /the guard is unreachable/);
  });

  it('denies a missing, forged, expired or foreign-workspace credential', async () => {
    const other = await CredentialAuthority.create(work);
    const expired = (await credentials.issue('test-agent', { ttlSeconds: -10 })).token;
    const foreign = await (await CredentialAuthority.create('/elsewhere')).issue('x');
    for (const [tok, why] of [
      ['', /no credential/],
      ['not-a-jwt', /not valid/],
      [(await other.issue('test-agent')).token, /not valid/],
      [expired, /expired/],
      [foreign.token, /not valid|another workspace/],
    ] as const) {
      const r = await run(['bash', '-c', 'git status'], env(tok));
      assert.strictEqual(r.code, 126, String(why));
      assert.match(r.err, why);
    }
  });

  it('revoke --all kills every credential until re-armed by the developer', async () => {
    const own = (await credentials.issue('test-agent')).token;
    assert.strictEqual((await run(['bash', '-c', 'git status'], env(own))).code, 0);
    const cli = path.join(root, 'dist', 'cli.js');
    const ctl = { cwd: work, env: { ...process.env } };
    const revoke = await exec([process.execPath, cli, 'revoke', '--all'], ctl);
    assert.strictEqual(revoke.code, 0, revoke.err);
    const r = await run(['bash', '-c', 'git status'], env(own));
    assert.strictEqual(r.code, 126);
    assert.match(r.err, /kill switch/);
    approver = new FixedApprover('deny');
    assert.strictEqual((await exec([process.execPath, cli, 'rearm'], ctl)).code, 1);
    assert.ok(host.broker.isKilled);
    approver = new FixedApprover('allow-once');
    assert.strictEqual((await exec([process.execPath, cli, 'rearm'], ctl)).code, 0);
    // Old credentials stay dead; new ones work.
    assert.strictEqual((await run(['bash', '-c', 'git status'], env(own))).code, 126);
    token = (await credentials.issue('test-agent')).token;
    assert.strictEqual((await run(['bash', '-c', 'git status'])).code, 0);
  });

  it('chains to the repository’s own hooks (Husky and friends keep working)', async () => {
    const hooks = path.join(tmp, 'repo-hooks');
    fs.mkdirSync(hooks, { recursive: true });
    fs.writeFileSync(path.join(hooks, 'pre-commit'), '#!/bin/sh\necho repo-pre-commit-ran >&2\nexit 1\n', { mode: 0o755 });
    sh(`git config core.hooksPath ${hooks}`, work);
    try {
      const r = await run(['/usr/bin/git', 'commit', '--allow-empty', '-m', 'x']);
      assert.notStrictEqual(r.code, 0);
      assert.match(r.err, /repo-pre-commit-ran/);
    } finally {
      sh('git config --unset core.hooksPath', work);
    }
  });

  it('agentpolicy run starts a guarded program and returns its exit status', async () => {
    const cli = path.join(root, 'dist', 'cli.js');
    const base = { ...process.env, AGENTPOLICY_SOCKET: '', AGENTPOLICY_PORT: '', HOME: tmp };
    const auditDir = path.join(tmp, 'run-audit');
    const ok = await exec([process.execPath, cli, 'run', '--approver', 'deny', '--agent', 'claude-code', '--home', tmp, '--audit-dir', auditDir, '--', 'bash', '-c', 'git status >/dev/null && ls /nonexistent-dir'], { cwd: work, env: base });
    assert.strictEqual(ok.code, 2, ok.err);
    // Every decision is in the audit log before the action, and the program's exit code after it.
    const verify = await exec([process.execPath, cli, 'audit', 'verify', auditDir], { cwd: work, env: base });
    assert.strictEqual(verify.code, 0, verify.out + verify.err);
    const exported = await exec([process.execPath, cli, 'audit', 'export', '--format', 'jsonl', auditDir], { cwd: work, env: base });
    const records = exported.out.trim().split('\n').map((l) => JSON.parse(l));
    const decision = records.find((r) => r.type === 'decision' && r.context?.pep === 'run');
    const result = records.find((r) => r.type === 'result');
    assert.ok(decision, exported.out);
    assert.ok(result, exported.out);
    assert.strictEqual(result.ref, decision.seq);
    assert.strictEqual(result.result.exitCode, 2);
    const blocked = await exec([process.execPath, cli, 'run', '--approver', 'allow', '--agent', 'claude-code', '--home', tmp, '--', 'bash', '-c', 'f=$(mktemp); echo "git push -f" > $f; bash $f'], { cwd: work, env: base });
    assert.strictEqual(blocked.code, 126, blocked.err);
    assert.match(blocked.err, /no-force-push/);
  });

  it('agentpolicy run passes none of the workspace’s .env variables to the agent (its own model key excepted), sandboxed or not', async () => {
    const cli = path.join(root, 'dist', 'cli.js');
    fs.writeFileSync(path.join(work, '.env.local'), 'export SHOP_URL=https://shop.internal/secret\nANTHROPIC_API_KEY=model-key\n');
    try {
      // As a person's shell that sourced .env.local has them.
      const base = { ...process.env, AGENTPOLICY_SOCKET: '', AGENTPOLICY_PORT: '', HOME: tmp, SHOP_URL: 'https://shop.internal/secret', ANTHROPIC_API_KEY: 'model-key', PLAIN_SETTING: 'kept' };
      // A line that expands one is a secret read the guard denies; a program reading its own environment is not seen.
      fs.writeFileSync(path.join(work, 'show-env.js'), "const e = process.env; process.stdout.write([e.SHOP_URL ?? 'unset', e.ANTHROPIC_API_KEY ?? 'unset', e.PLAIN_SETTING ?? 'unset'].join('|'));\n");
      for (const mode of [[], ['--no-sandbox']]) {
        const r = await exec([process.execPath, cli, 'run', ...mode, '--approver', 'allow', '--agent', 'claude-code', '--home', tmp, '--', process.execPath, 'show-env.js'], { cwd: work, env: base });
        assert.strictEqual(r.code, 0, r.err);
        assert.strictEqual(r.out, 'unset|model-key|kept', `${mode}: ${r.err}`);
      }
    } finally {
      fs.rmSync(path.join(work, '.env.local'));
      fs.rmSync(path.join(work, 'show-env.js'), { force: true });
    }
  });

  /** Types lines into a real interactive bash with the guard's environment; returns everything it printed. */
  async function interactive(lines: string[], extra: Record<string, string> = {}, rc = ''): Promise<string> {
    const rcFile = path.join(tmp, 'interactive-rc');
    fs.writeFileSync(rcFile, rc);
    const child = spawn('bash', ['--rcfile', rcFile, '-i'], { cwd: work, env: { ...env(), ...extra } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    for (const l of lines) child.stdin.write(l + '\n');
    child.stdin.write('exit\n');
    await new Promise((r) => child.on('exit', r));
    return out;
  }

  it('an interactive bash (PROMPT_COMMAND from the environment) judges each typed line once, whole', async () => {
    const before = mainBefore();
    const out = await interactive(['echo typed-ok', 'echo one; git push --force origin feature:main; echo two', 'echo still-here']);
    assert.match(out, /typed-ok/);
    assert.match(out, /agentpolicy: deny: echo one; git push --force/);
    assert.doesNotMatch(out, /\bone\b\s*\n.*\btwo\b/); // nothing of the blocked line ran
    assert.doesNotMatch(out, /^two$/m);
    assert.match(out, /still-here/); // a blocked line does not brick the shell
    assert.strictEqual(mainBefore(), before);
  });

  it('an interactive line kept out of history (HISTCONTROL=ignorespace) is still judged', async () => {
    const before = mainBefore();
    const out = await interactive([' git push --force origin feature:main', 'echo after'], {}, 'HISTCONTROL=ignoreboth\n');
    assert.match(out, /agentpolicy: deny: git push --force/);
    assert.match(out, /after/);
    assert.strictEqual(mainBefore(), before);
  });

  it('keeps a DEBUG trap and PROMPT_COMMAND that were there before (as VS Code shell integration sets them)', async () => {
    const rc = `__seen() { echo "prev-trap:$BASH_COMMAND" >> ${tmp}/prev-trap.log; }\ntrap '__seen' DEBUG\n__my_prompt() { :; }\nPROMPT_COMMAND="__my_prompt; $PROMPT_COMMAND"\n`;
    fs.rmSync(path.join(tmp, 'prev-trap.log'), { force: true });
    const out = await interactive(['echo chained-ok'], {}, rc);
    assert.match(out, /chained-ok/);
    assert.doesNotMatch(out, /agentpolicy: (deny|ask)/);
    assert.match(fs.readFileSync(path.join(tmp, 'prev-trap.log'), 'utf8'), /prev-trap:echo chained-ok/);
  });
});
