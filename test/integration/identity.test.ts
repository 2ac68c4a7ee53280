import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ApprovalRequest, DecisionRecord } from '../../src/core/broker/broker';
import { guardEnv } from '../../src/core/broker/guardEnv';
import { GuardHost } from '../../src/core/broker/host';
import { compilePolicy } from '../../src/core/policy/compile';
import { loadPolicyText } from '../../src/core/policy/load';
import { baseline, recommendedUserLayer } from '../../src/core/policy/resolve';
import { initShellParser } from '../../src/core/shell/parser';

/**
 * Who is asking, from real process trees: a registered agent's program among the requester's
 * parents, a daemonised grandchild that lost them, the person typing at an interactive prompt,
 * and a shell an agent started that claims to be one. Real bash, real sockets, real /proc.
 */
const root = path.resolve(__dirname, '..', '..', '..');
const shimRoot = path.join(root, 'dist', 'shim');

function run(argv: string[], env: NodeJS.ProcessEnv, cwd: string, input?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('identity from real process trees (fake agent executables, daemons, interactive shells)', function () {
  this.timeout(60_000);
  let tmp: string;
  let work: string;
  let host: GuardHost;
  const decided: DecisionRecord[] = [];
  const asked: ApprovalRequest[] = [];
  let agentBin: string;

  const lastFor = (needle: string) => [...decided].reverse().find((d) => d.what.includes(needle));

  before(async () => {
    await initShellParser();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-identity-'));
    work = path.join(tmp, 'work');
    fs.mkdirSync(work);
    spawnSync('git', ['init', '-q', work]);
    // A fake agent CLI: a (non-shell) program that runs what it is told through a shell, as agents do.
    agentBin = path.join(tmp, 'bin', 'fake-agent');
    fs.mkdirSync(path.dirname(agentBin));
    fs.writeFileSync(agentBin, '#!/usr/bin/perl\n# usage: fake-agent <shell line>\nmy $pid = fork(); if ($pid == 0) { exec("/bin/bash", "-c", $ARGV[0]) or die; } waitpid($pid, 0); exit($? >> 8);\n', { mode: 0o755 });
    const reg = loadPolicyText(`version: 1\nagents:\n  - { id: fake-agent, owner: tests, match: { executables: [fake-agent] } }\n`, 'agents.yaml');
    if (!reg.ok) throw new Error('bad registry');
    const policy = compilePolicy([baseline(), { name: 'org', doc: reg.policy, file: 'agents.yaml' }, recommendedUserLayer()], { workspace: work, home: tmp, trustRepo: false });
    host = await GuardHost.start({ policy: () => policy, workspace: work, approver: { ask: async (q) => (asked.push(q), 'deny') }, auditDir: path.join(tmp, 'audit'), onDecision: (r) => decided.push(r) });
  });

  after(async () => {
    await host.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function envFor(subject: { id: string; kind: 'agent' | 'unknown'; method: 'launch' | 'terminal' }): Promise<NodeJS.ProcessEnv> {
    const { token } = await host.issueSession(subject);
    return guardEnv({ shimRoot, socketPath: host.address!.socketPath, port: host.address!.port, token, proof: host.proof, base: { PATH: `${path.dirname(agentBin)}:/usr/bin:/bin`, HOME: tmp } });
  }

  it('a registered agent’s program among the parents names the subject (terminal credential, attributed by ancestry)', async () => {
    const env = await envFor({ id: 'vscode-terminal', kind: 'unknown', method: 'terminal' });
    const r = await run([agentBin, 'echo from-agent-1'], env, work);
    assert.match(r.out, /from-agent-1/);
    const d = lastFor('echo from-agent-1')!;
    assert.deepStrictEqual([d.subject.kind, d.subject.id, d.subject.method], ['agent', 'fake-agent', 'ancestry']);
    assert.match(d.subject.evidence, /fake-agent/);
  });

  it('a daemonised grandchild (reparented away from the agent) is still the agent’s: its launch credential says so', async () => {
    const env = await envFor({ id: 'fake-agent', kind: 'agent', method: 'launch' });
    const marker = path.join(tmp, 'daemon-done');
    await run([agentBin, `setsid bash -c 'sleep 0.3; echo from-daemon; touch ${marker}' >/dev/null 2>&1 < /dev/null &`], env, work);
    for (let i = 0; i < 100 && !lastFor('echo from-daemon'); i++) await new Promise((r) => setTimeout(r, 50));
    const d = lastFor('echo from-daemon');
    assert.ok(d, 'the daemon’s command was not judged');
    assert.deepStrictEqual([d.subject.kind, d.subject.id], ['agent', 'fake-agent']);
  });

  it('the person typing in an interactive shell is the person: never asked, audited as the person', async () => {
    const env = await envFor({ id: 'vscode-terminal', kind: 'unknown', method: 'terminal' });
    asked.length = 0;
    // npm install asks for an agent; the person's own line runs (it fails offline, which is fine).
    const r = await run(['/bin/bash', '--norc', '-i'], env, work, 'echo person-typed\nnpm install --offline --no-audit left-pad-not-there >/dev/null 2>&1; echo after-install\nexit\n');
    assert.match(r.out, /person-typed/);
    assert.match(r.out, /after-install/);
    assert.doesNotMatch(r.out, /agentpolicy: (deny|ask)/);
    const d = lastFor('echo person-typed')!;
    assert.deepStrictEqual([d.subject.kind, d.subject.method], ['person', 'terminal']);
    assert.strictEqual(lastFor('npm install')?.subject.kind, 'person');
    assert.strictEqual(asked.length, 0, `the person was prompted: ${asked.map((q) => `${q.what} (${q.subject.kind} ${q.subject.id} ${q.subject.method})`).join('; ')}`);
  });

  it('zsh too: the person typing at an interactive zsh is the person', async () => {
    const env = await envFor({ id: 'vscode-terminal', kind: 'unknown', method: 'terminal' });
    const r = await run(['/usr/bin/zsh', '-i'], env, work, 'echo zsh-person-typed\nexit\n');
    assert.match(r.out, /zsh-person-typed/);
    const d = lastFor('echo zsh-person-typed')!;
    assert.ok(d, r.out);
    assert.deepStrictEqual([d.subject.kind, d.subject.method], ['person', 'terminal']);
  });

  it('an agent the person starts from their own shell is that agent, not the person', async () => {
    const env = await envFor({ id: 'vscode-terminal', kind: 'unknown', method: 'terminal' });
    await run(['/bin/bash', '--norc', '-i'], env, work, `echo person-starts-agent\nfake-agent 'echo via-agent'\nexit\n`);
    assert.strictEqual(lastFor('echo person-starts-agent')?.subject.kind, 'person');
    const d = lastFor('echo via-agent')!;
    assert.ok(d, 'not judged');
    assert.deepStrictEqual([d.subject.kind, d.subject.id], ['agent', 'fake-agent']);
  });

  it('an interactive shell an agent started is never the person', async () => {
    const env = await envFor({ id: 'vscode-terminal', kind: 'unknown', method: 'terminal' });
    await run([agentBin, `printf 'echo agent-made-prompt\\nexit\\n' | /bin/bash --norc -i`], env, work);
    const d = lastFor('echo agent-made-prompt')!;
    assert.ok(d, 'not judged');
    assert.notStrictEqual(d.subject.kind, 'person');
    assert.strictEqual(d.subject.id, 'fake-agent');
  });

  it('an interactive shell under a guarded but unregistered program is unidentified, not the person', async () => {
    const env = await envFor({ id: 'some-tool', kind: 'agent', method: 'launch' });
    // node stands in for an unknown program started by `agentpolicy run`: it carries the credential.
    await run([process.execPath, '-e', `require('child_process').spawnSync('/bin/bash', ['--norc', '-i'], { input: 'echo guarded-prompt\\nexit\\n', stdio: ['pipe', 'inherit', 'inherit'] })`], env, work);
    const d = lastFor('echo guarded-prompt')!;
    assert.ok(d, 'not judged');
    assert.notStrictEqual(d.subject.kind, 'person');
    // An unregistered agent: its allows become asks (the unidentified treatment), here declined.
    assert.strictEqual(d.outcome.final, 'deny');
    assert.match(d.outcome.message + d.decision.reasons.join(' '), /not registered|unidentified|declined/);
  });

  it('a claimed pid that is not the connection’s owner cannot make the subject the person', async () => {
    const env = await envFor({ id: 'vscode-terminal', kind: 'unknown', method: 'terminal' });
    // A script sends an interactive frame by hand, naming an unrelated interactive-looking pid (its parent's).
    const script = `exec 9<>/dev/tcp/127.0.0.1/$AGENTPOLICY_PORT; cmd='echo forged-person'; printf 'AP1 bash %d %d %d %d i\\n%s%s%s' \${#AGENTPOLICY_TOKEN} \${#PWD} \${#cmd} $PPID "$AGENTPOLICY_TOKEN" "$PWD" "$cmd" >&9; read -r a <&9; echo "$a"`;
    await run(['/bin/bash', '--norc', '-c', script], { ...env, BASH_ENV: '' }, work);
    const d = lastFor('echo forged-person')!;
    assert.ok(d);
    assert.notStrictEqual(d.subject.kind, 'person');
  });
});
