import * as assert from 'assert';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FixedApprover } from '../../../src/core/broker/broker';
import { guardEnv } from '../../../src/core/broker/guardEnv';
import { GuardHost } from '../../../src/core/broker/host';
import { DEFAULT_LIMITS } from '../../../src/core/ipc/server';
import { compilePolicy } from '../../../src/core/policy/compile';
import { baseline, recommendedUserLayer } from '../../../src/core/policy/resolve';
import { initShellParser } from '../../../src/core/shell/parser';
import { chownTree, ensureUser, isRoot, loudSkip, removeUser, type TestUser } from '../../support/users';

/**
 * Another local user against the guard host's loopback port: control without the owner's
 * credential, floods, held connections, trickled frames, and binding the port after the guard
 * is gone. The attacker is a real second user (created here when running as root).
 */
const root = path.resolve(__dirname, '..', '..', '..', '..');
const attacker = path.join(root, 'test', 'fixtures', 'host', 'attacker.js');
const shimRoot = path.join(root, 'dist', 'shim');

function asUser(u: TestUser, args: string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [attacker, ...args], { uid: u.uid, gid: u.gid, cwd: u.home, env: { PATH: '/usr/bin:/bin', HOME: u.home } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', () => {
      clearTimeout(t);
      if (!out.trim()) reject(new Error(`attacker ${args[0]} printed nothing: ${err}`));
      else resolve(out.trim().split('\n').pop()!);
    });
  });
}

function bash(cmd: string, env: Record<string, string>, cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', cmd], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('the guard host against another local user (real second user, real sockets)', function () {
  this.timeout(60_000);
  let other: TestUser;
  let tmp: string;
  let work: string;
  let host: GuardHost;
  let auditDir: string;
  let env: Record<string, string>;

  before(async function () {
    if (!isRoot()) return loudSkip(this, 'cross-user host tests need root to create a second user (CI runs as root)');
    await initShellParser();
    other = ensureUser('agentpolicy-xuser');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-xuser-'));
    work = path.join(tmp, 'work');
    fs.mkdirSync(work);
    spawnSync('git', ['init', '-q', work]);
    auditDir = path.join(tmp, 'audit');
    const policy = compilePolicy([baseline(), recommendedUserLayer()], { workspace: work, home: tmp, trustRepo: false });
    host = await GuardHost.start({ policy: () => policy, workspace: work, approver: new FixedApprover('deny'), auditDir, limits: { ...DEFAULT_LIMITS, readTimeoutMs: 1500 } });
    const { token } = await host.issueSession({ id: 'claude-code' });
    env = guardEnv({ shimRoot, socketPath: host.address!.socketPath, port: host.address!.port, token, proof: host.proof, base: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp } });
  });

  after(async () => {
    if (!other) return;
    await host?.close().catch(() => undefined);
    removeUser(other);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses control and decide requests without the owner’s credential, and reveals nothing', async () => {
    const answers = JSON.parse(await asUser(other, ['control', String(host.address!.port)])) as { got: string }[];
    assert.strictEqual(answers.length, 4);
    for (const a of answers) {
      assert.match(a.got, /^(deny |\{"decision":"deny")/, a.got);
      assert.ok(!a.got.includes(work), `the workspace path leaked: ${a.got}`);
    }
    assert.strictEqual(host.broker.isKilled, false, 'another user’s revoke-all must not block the agents');
    assert.strictEqual(host.state, 'armed');
  });

  it('300 unauthenticated frames are refused without growing the audit log by their size', async () => {
    const size = () => fs.readdirSync(auditDir).filter((f) => f.endsWith('.jsonl')).reduce((s, f) => s + fs.statSync(path.join(auditDir, f)).size, 0);
    const before = size();
    const r = JSON.parse(await asUser(other, ['spam', String(host.address!.port), '300'], 60_000)) as { sent: number; denied: number };
    assert.strictEqual(r.denied, 300);
    // 300 × 100 kB went in; at most a few summary records may come out.
    assert.ok(size() - before < 8192, `audit log grew by ${size() - before} bytes`);
  });

  it('a flood of held connections from another user is bounded and our commands still run', async () => {
    const rss0 = process.memoryUsage().rss;
    const flood = asUser(other, ['hold', String(host.address!.port), '400', '4000']);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(host.connections < 64, `the host holds ${host.connections} connections during the flood`);
    const mine = await bash('echo still-guarded', env, work);
    assert.strictEqual(mine.code, 0, mine.err);
    assert.match(mine.out, /still-guarded/);
    const r = JSON.parse(await flood) as { opened: number; stillOpen: number };
    assert.strictEqual(r.opened, 400);
    assert.ok(r.stillOpen < 50, `${r.stillOpen} of another user's connections were still held`);
    const grew = (process.memoryUsage().rss - rss0) / (1 << 20);
    assert.ok(grew < 96, `the host grew by ${grew.toFixed(0)} MiB under the flood`);
    assert.ok(host.address && (await bash('echo after-flood', env, work)).code === 0);
  });

  it('an incomplete frame is not held forever', async () => {
    const r = JSON.parse(await asUser(other, ['partial', String(host.address!.port), '10000'])) as { why: string; ms: number };
    assert.notStrictEqual(r.why, 'timeout', 'the server held a trickled frame');
    assert.ok(r.ms < 8000, `held for ${r.ms} ms`);
  });

  it('after the guard stops, another user who binds its port cannot answer allow', async () => {
    const marker = path.join(work, 'marker');
    chownTree(work, other); // the attacker never touches it; the victim's command would create the file
    const port = host.address!.port;
    await host.close();
    const impostor: ChildProcessWithoutNullStreams = spawn(process.execPath, [attacker, 'impostor', String(port), '8000'], { uid: other.uid, gid: other.gid, cwd: other.home, env: { PATH: '/usr/bin:/bin' } });
    const bound = await new Promise<string>((resolve) => impostor.stdout.once('data', (d) => resolve(String(d))));
    try {
      assert.match(bound, /"bound":true/, bound);
      const r = await bash(`touch ${marker}`, env, work);
      assert.strictEqual(r.code, 126, r.out + r.err);
      assert.match(r.err, /lacks the guard's proof/);
      assert.ok(!fs.existsSync(marker), 'the command ran on the impostor’s allow');
    } finally {
      impostor.kill('SIGKILL');
    }
  });
});
