import * as assert from 'assert';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chownTree, ensureUser, isRoot, loudSkip, removeUser, type TestUser } from '../../support/users';

/**
 * An agent pushing "y" into the terminal where the approval prompt waits (TIOCSTI), on real
 * pseudo-terminals (util-linux `script`), played by an unprivileged user: the approval must come
 * from the person, never from the agent.
 */
const root = path.resolve(__dirname, '..', '..', '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
/**
 * The hostile agent, as a perl program (no shell, so no trap in the way): starts `git push origin
 * HEAD:refs/heads/<branch>` (which asks), and while it waits pushes "y\n" into the terminal
 * <tty> ("-": its own) with TIOCSTI, then waits for the push and exits with its status.
 */
const AGENT = `#!/usr/bin/perl
my ($tty, $branch) = @ARGV;
my $pid = fork();
if ($pid == 0) { exec('git', 'push', '-q', 'origin', "HEAD:refs/heads/$branch") or die "exec: $!"; }
sleep 1;
my $t;
if ($tty eq '-') { $t = *STDIN } else { open($t, '+<', $tty) or die "open $tty: $!" }
my $ok = 1;
for my $c (split //, "y\n") { $ok = 0 unless ioctl($t, 0x5412, $c) }
print STDERR $ok ? "TIOCSTI injected\n" : "TIOCSTI refused: $!\n";
waitpid($pid, 0);
exit($? >> 8);
`;

function sh(cmd: string, cwd: string, u?: TestUser): string {
  const r = spawnSync('bash', ['-c', cmd], { cwd, encoding: 'utf8', ...(u ? { uid: u.uid, gid: u.gid, env: { PATH: '/usr/bin:/bin', HOME: u.home } } : {}) });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A program on a fresh pty, as the user; stdin is what the person types. */
function onPty(u: TestUser, cmd: string, cwd: string, env: Record<string, string>): { child: ChildProcessWithoutNullStreams; output: () => string; waitFor: (re: RegExp, ms?: number) => Promise<string> } {
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd, uid: u.uid, gid: u.gid, env: { PATH: '/usr/bin:/bin', HOME: u.home, TERM: 'dumb', ...env } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const waitFor = (re: RegExp, ms = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const t0 = Date.now();
      const tick = () => {
        const m = re.exec(out);
        if (m) return resolve(m[0]);
        if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${re} in:\n${out}`));
        setTimeout(tick, 50);
      };
      tick();
    });
  return { child, output: () => out, waitFor };
}

describe('approvals on a terminal the agent could type into (TIOCSTI, real ptys, unprivileged user)', function () {
  this.timeout(90_000);
  let u: TestUser;
  let tmp: string;
  let work: string;
  let remote: string;
  let policy: string;
  const remoteHas = (ref: string) => spawnSync('git', ['--git-dir', remote, 'rev-parse', '--verify', '-q', ref]).status === 0;

  before(function () {
    if (!isRoot()) return loudSkip(this, 'TIOCSTI tests need root to create an unprivileged user (CI runs as root)');
    u = ensureUser('agentpolicy-tty');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-tty-'));
    fs.chmodSync(tmp, 0o755);
    work = path.join(tmp, 'work');
    remote = path.join(tmp, 'remote.git');
    policy = path.join(tmp, 'policy.yaml');
    // The hostile agent is a registered one (by its path), so `run` starts it as itself.
    fs.writeFileSync(policy, `version: 1\ndefaults:\n  command: allow\napproval:\n  timeout_seconds: 5\nagents:\n  - { id: hostile, owner: tests, match: { executables: ["${tmp}/agent"] } }\nrules:\n  - id: ask-every-push\n    action: git.push\n    effect: ask\n`);
    fs.writeFileSync(path.join(tmp, 'agent'), AGENT, { mode: 0o755 });
    sh(`git init -q --bare ${remote} && git init -q -b main ${work}`, tmp);
    chownTree(tmp, u);
    sh(`git config user.email a@b && git config user.name a && echo 1 > f && git add f && git commit -qm one && git remote add origin ${remote}`, work, u);
  });

  after(() => {
    if (!u) return;
    removeUser(u);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('run --approver tty does not ask on the terminal the program shares when the kernel allows TIOCSTI', async function () {
    if (fs.readFileSync('/proc/sys/dev/tty/legacy_tiocsti', 'utf8').trim() === '0') this.skip(); // then the tty approver is safe and offered
    // Unsandboxed: the program shares this terminal's session (test/hostile covers the sandboxed run).
    const run = onPty(u, `${process.execPath} ${cli} run --no-sandbox --approver tty --policy ${policy} --home ${u.home} --audit-dir ${tmp}/audit-run -- ${tmp}/agent - injected`, work, {});
    const code = await new Promise<number | null>((r) => run.child.on('close', r));
    const out = run.output();
    assert.match(out, /approvals are not asked on this terminal.*TIOCSTI/s, out);
    assert.match(out, /TIOCSTI injected/, `the agent could inject (as the test expects on this kernel):\n${out}`);
    assert.match(out, /No one can approve it here/, out);
    assert.notStrictEqual(code, 0);
    assert.ok(!remoteHas('refs/heads/injected'), 'the injected "y" approved the push');
  });

  it('serve asks on its own terminal; an agent on another terminal cannot answer, the person can', async () => {
    const serve = onPty(u, `${process.execPath} ${cli} serve --approver tty --policy ${policy} --home ${u.home} --audit-dir ${tmp}/audit-serve`, work, { XDG_RUNTIME_DIR: `${tmp}/run` });
    fs.mkdirSync(`${tmp}/run`, { mode: 0o700 });
    chownTree(`${tmp}/run`, u);
    try {
      const line = await serve.waitFor(/export AGENTPOLICY_SOCKET=\S+ AGENTPOLICY_PORT=\d+ AGENTPOLICY_TOKEN=\S+ AGENTPOLICY_PROOF=\S+/);
      const env = Object.fromEntries(line.replace(/^export /, '').split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      const guarded = { ...env, BASH_ENV: path.join(root, 'dist', 'shim', 'bash', 'init.bash'), PATH: `${path.join(root, 'dist', 'shim', 'bin')}:/usr/bin:/bin` };
      // The serve process itself (not `script` around it): the one whose stdin is a pty.
      const pids = spawnSync('pgrep', ['-u', String(u.uid), '-f', `${cli} serve`], { encoding: 'utf8' }).stdout.trim().split('\n');
      const serveTty = pids.map((p) => fs.readlinkSync(`/proc/${p}/fd/0`)).find((t) => t.startsWith('/dev/pts/')) ?? '';
      assert.match(serveTty, /^\/dev\/pts\//);

      // The agent, on another pty, tries to type "y" into the prompt's terminal while its push waits.
      const agent = onPty(u, `${tmp}/agent ${serveTty} by-agent`, work, guarded);
      await serve.waitFor(/wants to run:[\s\S]*by-agent/).catch((e) => {
        throw new Error(`${e.message}\nagent:\n${agent.output()}`);
      });
      const agentCode = await new Promise<number | null>((r) => agent.child.on('close', r));
      assert.match(agent.output(), /TIOCSTI refused/, agent.output());
      assert.notStrictEqual(agentCode, 0, agent.output());
      assert.match(agent.output(), /nobody answered the approval prompt/, agent.output());
      assert.ok(!remoteHas('refs/heads/by-agent'), 'the agent approved its own push');

      // The person types the answer on the serve terminal.
      const person = onPty(u, `git push -q origin HEAD:refs/heads/by-person`, work, guarded);
      await serve.waitFor(/wants to run:[\s\S]*by-person/);
      serve.child.stdin.write('y\n');
      const personCode = await new Promise<number | null>((r) => person.child.on('close', r));
      assert.strictEqual(personCode, 0, person.output());
      assert.ok(remoteHas('refs/heads/by-person'), 'the person’s approval did not land the push');
    } finally {
      serve.child.kill('SIGTERM');
      spawnSync('pkill', ['-TERM', '-u', String(u.uid), '-f', `${cli} serve`]);
    }
  });
});
