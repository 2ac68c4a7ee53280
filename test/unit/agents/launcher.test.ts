/**
 * The launcher agents run (dist/shim/hook/agentpolicy-hook): real bash, real sockets. The broker
 * side is a tiny fake speaking the HK1 frame on 127.0.0.1; the in-process side is the real hook.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { readAuditFile } from './auditFile';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const LAUNCHER = path.join(ROOT, 'dist', 'shim', 'hook', 'agentpolicy-hook');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'agents');

function launch(agent: string, input: string, env: NodeJS.ProcessEnv, extra: string[] = [], launcher = LAUNCHER): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(launcher, [agent, process.execPath, ...extra], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
}

interface Frame {
  agent: string;
  token: string;
  cwd: string;
  payload: string;
  pid: number;
}

/** A fake broker: parses the HK1 request, hands it to `answer`, writes what that returns. */
async function fakeBroker(answer: (f: Frame, sock: net.Socket) => string | Buffer | undefined): Promise<{ port: number; frames: Frame[]; close: () => Promise<void> }> {
  const frames: Frame[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined); // the launcher may hang up first
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const nl = buf.indexOf(0x0a);
      if (nl < 0) return;
      const m = /^HK1 ([a-z-]+) (\d+) (\d+) (\d+) (\d+)$/.exec(buf.subarray(0, nl).toString('latin1'));
      assert.ok(m, `bad header ${buf.subarray(0, nl)}`);
      const [t, c, p] = [Number(m[2]), Number(m[3]), Number(m[4])];
      if (buf.length < nl + 1 + t + c + p) return;
      let o = nl + 1;
      const take = (n: number) => buf.subarray(o, (o += n)).toString('utf8');
      const f = { agent: m[1], token: take(t), cwd: take(c), payload: take(p), pid: Number(m[5]) };
      frames.push(f);
      const a = answer(f, sock);
      if (a !== undefined) sock.end(a);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { port, frames, close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }) };
}

/** The host's proof, which every answer carries and the launcher checks. */
const PROOF = 'test-proof_123';

function frameAnswer(code: number, out: string, err: string, proof = PROOF): Buffer {
  const o = Buffer.from(out);
  const e = Buffer.from(err);
  return Buffer.concat([Buffer.from(`HK1 ${code} ${o.length} ${e.length} ${proof}\n`), o, e]);
}

describe('hook launcher (bash, real sockets)', function () {
  this.timeout(30000);
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  const forcePush = fs.readFileSync(path.join(FIXTURES, 'claude-code', 'force-push.json'), 'utf8');

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-launcher-'));
    // The per-user daemon has its own test below; here every in-process call stays one process.
    env = { PATH: '/usr/bin:/bin', HOME: path.join(tmp, 'home'), XDG_STATE_HOME: path.join(tmp, 'state'), XDG_RUNTIME_DIR: path.join(tmp, 'run'), AGENTPOLICY_NO_DAEMON: '1' };
    fs.mkdirSync(env.HOME!, { recursive: true });
    fs.mkdirSync(env.XDG_RUNTIME_DIR!, { mode: 0o700 });
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('with no broker decides in-process, answers in the agent’s format and audits the decision', async () => {
    const r = await launch('claude-code', forcePush, env);
    assert.strictEqual(r.code, 2, r.err);
    assert.strictEqual(JSON.parse(r.out).hookSpecificOutput.permissionDecision, 'deny');
    assert.match(r.err, /no-force-push/);
    const recs = readAuditFile(path.join(env.XDG_STATE_HOME!, 'agentpolicy', 'audit')).filter((e) => e.type === 'decision');
    assert.strictEqual(recs.length, 1);
    assert.strictEqual(recs[0].agent.id, 'claude-code');
    assert.strictEqual(recs[0].context.session, '0f6a7c1e-5d2b-4c1a-9a51-2b8c4f0e6d11');
    assert.strictEqual(recs[0].context.toolCallId, 'toolu_01ABCDEF');
    assert.strictEqual(recs[0].decision.effect, 'deny');
    assert.strictEqual(recs[0].action.commandLine, 'git push --force origin feature/x');
  });

  it('malformed input and an unknown event are denied (and audited) in-process', async () => {
    const bad = await launch('gemini', 'not json', env);
    assert.strictEqual(bad.code, 2);
    assert.strictEqual(JSON.parse(bad.out).decision, 'deny');
    const ev = await launch('cline', fs.readFileSync(path.join(FIXTURES, 'cline', 'unknown-event.json'), 'utf8'), env);
    assert.strictEqual(ev.code, 0);
    assert.strictEqual(JSON.parse(ev.out).cancel, true);
    const recs = readAuditFile(path.join(env.XDG_STATE_HOME!, 'agentpolicy', 'audit')).filter((e) => e.type === 'decision');
    assert.deepStrictEqual(recs.map((e) => [e.agent.id, e.decision.effect]), [['gemini', 'deny'], ['cline', 'deny']]);
  });

  it('asks a broker with the HK1 frame and prints exactly its answer', async () => {
    const b = await fakeBroker(() => frameAnswer(0, '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow","permissionDecisionReason":"ok ✓"}}\n', 'note\n'));
    try {
      const r = await launch('claude-code', forcePush, { ...env, AGENTPOLICY_PORT: String(b.port), AGENTPOLICY_TOKEN: 'tok-123', AGENTPOLICY_PROOF: PROOF });
      assert.strictEqual(r.code, 0, r.err);
      assert.strictEqual(JSON.parse(r.out).hookSpecificOutput.permissionDecisionReason, 'ok ✓');
      assert.strictEqual(r.err, 'note\n');
      assert.strictEqual(b.frames.length, 1);
      const f = b.frames[0];
      assert.deepStrictEqual([f.agent, f.token, f.cwd], ['claude-code', 'tok-123', '/home/dev/project']);
      assert.strictEqual(f.payload, forcePush, 'the raw payload, byte for byte');
      assert.ok(f.pid > 0);
      // Nothing was decided locally: the broker owns the audit record.
      assert.ok(!fs.existsSync(path.join(env.XDG_STATE_HOME!, 'agentpolicy', 'audit')));
    } finally {
      await b.close();
    }
  });

  it('passes the broker’s exit code through (a deny by exit status)', async () => {
    const b = await fakeBroker(() => frameAnswer(2, '', 'agentpolicy: deny: by the broker\n'));
    try {
      const r = await launch('codex', forcePush, { ...env, AGENTPOLICY_PORT: String(b.port), AGENTPOLICY_TOKEN: 'tok', AGENTPOLICY_PROOF: PROOF });
      assert.deepStrictEqual([r.code, r.out, r.err], [2, '', 'agentpolicy: deny: by the broker\n']);
    } finally {
      await b.close();
    }
  });

  it('a broker that stops answering ends in the agent’s deny (static, from the adapter)', async () => {
    const b = await fakeBroker(() => undefined);
    try {
      const t0 = Date.now();
      const r = await launch('cline', fs.readFileSync(path.join(FIXTURES, 'cline', 'write-src.json'), 'utf8'), { ...env, AGENTPOLICY_PORT: String(b.port), AGENTPOLICY_TOKEN: 'tok', AGENTPOLICY_PROOF: PROOF }, ['1']);
      assert.ok(Date.now() - t0 < 10000);
      assert.strictEqual(r.code, 0, 'Cline blocks on cancel, not on the exit status');
      assert.strictEqual(JSON.parse(r.out).cancel, true);
      assert.match(JSON.parse(r.out).errorMessage, /did not answer within 1 s/);
    } finally {
      await b.close();
    }
  });

  it('a broker that hangs up without answering: judged in-process instead', async () => {
    const b = await fakeBroker((_f, sock) => {
      sock.destroy();
      return undefined;
    });
    try {
      const r = await launch('claude-code', forcePush, { ...env, AGENTPOLICY_PORT: String(b.port), AGENTPOLICY_TOKEN: 'tok', AGENTPOLICY_PROOF: PROOF });
      assert.strictEqual(r.code, 2);
      assert.match(r.err, /no-force-push/);
    } finally {
      await b.close();
    }
  });

  it('a cut-short or malformed answer is a deny, never a pass', async () => {
    for (const bad of [Buffer.from('HK1 0 500 0\n{"short"'), Buffer.from('OK allow\n')]) {
      const b = await fakeBroker(() => bad);
      try {
        const r = await launch('gemini', forcePush.replace('PreToolUse', 'BeforeTool'), { ...env, AGENTPOLICY_PORT: String(b.port), AGENTPOLICY_TOKEN: 'tok', AGENTPOLICY_PROOF: PROOF }, ['2']);
        assert.strictEqual(r.code, 2, r.out);
        assert.strictEqual(JSON.parse(r.out).decision, 'deny');
      } finally {
        await b.close();
      }
    }
  });

  it('finds the broker in the per-user registry by the longest workspace prefix, and trusts only a private folder', async () => {
    const good = await fakeBroker(() => frameAnswer(0, 'from-project\n', ''));
    const other = await fakeBroker(() => frameAnswer(0, 'from-home\n', ''));
    try {
      const hosts = path.join(env.XDG_RUNTIME_DIR!, `agentpolicy-${process.getuid!()}`, 'hosts');
      fs.mkdirSync(hosts, { recursive: true, mode: 0o700 });
      fs.chmodSync(path.dirname(hosts), 0o700);
      fs.writeFileSync(path.join(hosts, 'a'), `workspace=/home/dev\nport=${other.port}\nsocket=/x\npid=${process.pid}\nproof=${PROOF}\nhooktoken=h1\n`);
      fs.writeFileSync(path.join(hosts, 'b'), `workspace=/home/dev/project\nport=${good.port}\nsocket=/x\npid=${process.pid}\nproof=${PROOF}\nhooktoken=h2\n`);
      fs.writeFileSync(path.join(hosts, 'dead'), `workspace=/home/dev/project/deeper-but-dead\nport=1\nsocket=/x\npid=999999999\n`);
      const r = await launch('claude-code', forcePush, env);
      assert.strictEqual(r.out, 'from-project\n', r.err);
      assert.strictEqual(good.frames[0].token, 'h2', 'the registry entry’s hook credential is presented');
      // A registry others can write to is not trusted: the hook decides in-process.
      fs.chmodSync(hosts, 0o777);
      const r2 = await launch('claude-code', forcePush, env);
      assert.strictEqual(r2.code, 2);
      assert.match(r2.err, /no-force-push/);
    } finally {
      await good.close();
      await other.close();
    }
  });

  it('an answer without the host’s proof (a stranger on the port) is a deny, never a pass', async () => {
    for (const proof of ['wrong-proof', '-']) {
      const b = await fakeBroker(() => frameAnswer(0, '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}\n', '', proof));
      try {
        const r = await launch('claude-code', forcePush, { ...env, AGENTPOLICY_PORT: String(b.port), AGENTPOLICY_TOKEN: 'tok', AGENTPOLICY_PROOF: PROOF });
        assert.strictEqual(r.code, 2, r.out);
        assert.strictEqual(JSON.parse(r.out).hookSpecificOutput.permissionDecision, 'deny');
        assert.match(r.err, /lacks the guard's proof/);
      } finally {
        await b.close();
      }
    }
  });

  it('a port with no loopback listener of ours is not asked', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const r = await launch('claude-code', forcePush, { ...env, AGENTPOLICY_PORT: String(port) });
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /no-force-push/);
  });

  it('with no guard running, the first call starts the per-user daemon, which answers the next ones', async () => {
    const denv = { ...env };
    delete denv.AGENTPOLICY_NO_DAEMON;
    const first = await launch('claude-code', forcePush, denv);
    assert.strictEqual(first.code, 2, first.err);
    const hosts = path.join(denv.XDG_RUNTIME_DIR!, `agentpolicy-${process.getuid!()}`, 'hosts');
    let entry: string | undefined;
    for (let i = 0; i < 100 && !entry; i++) {
      entry = fs.existsSync(hosts) ? fs.readdirSync(hosts).find((f) => !f.endsWith('.tmp')) : undefined;
      if (!entry) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(entry, 'no daemon registered');
    const pid = Number(/pid=(\d+)/.exec(fs.readFileSync(path.join(hosts, entry!), 'utf8'))![1]);
    try {
      assert.match(fs.readFileSync(path.join(hosts, entry!), 'utf8'), /^workspace=\/$/m);
      const second = await launch('claude-code', forcePush, denv);
      assert.strictEqual(second.code, 2, second.err);
      assert.strictEqual(JSON.parse(second.out).hookSpecificOutput.permissionDecision, 'deny');
      // The daemon decided it: the second decision follows the daemon's own host-start record.
      const all = readAuditFile(path.join(denv.XDG_STATE_HOME!, 'agentpolicy', 'audit'));
      const decisions = all.filter((e) => e.type === 'decision' && e.agent.id === 'claude-code');
      assert.strictEqual(decisions.length, 2);
      const started = all.find((e) => e.type === 'control' && e.control.event === 'host-start' && e.control.data.pid === pid);
      assert.ok(started, 'the daemon wrote no host-start');
      const sameLog = started.log === decisions[1].log;
      assert.ok(sameLog ? decisions[1].seq > started.seq : true);
      assert.ok(!(decisions[0].log === started.log && decisions[0].seq > started.seq), 'the first call was not in-process');
    } finally {
      process.kill(pid, 'SIGTERM');
    }
  });

  it('runs with a hostile environment: BASH_ENV and exported functions are ignored', async () => {
    const evil = path.join(tmp, 'evil.sh');
    fs.writeFileSync(evil, 'echo \'{"hookSpecificOutput":{"permissionDecision":"allow"}}\'; exit 0\n');
    const r = await launch('claude-code', forcePush, { ...env, BASH_ENV: evil, 'BASH_FUNC_printf%%': '() { echo hijacked; }' });
    assert.strictEqual(r.code, 2);
    assert.strictEqual(JSON.parse(r.out).hookSpecificOutput.permissionDecision, 'deny');
    // node's own hooks: code preloaded into the hook's node would answer for it.
    const preload = path.join(tmp, 'preload.js');
    fs.writeFileSync(preload, 'process.stdout.write(\'{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}\'); process.exit(0);\n');
    const viaNode = await launch('claude-code', forcePush, { ...env, NODE_OPTIONS: `--require ${preload}` });
    assert.strictEqual(viaNode.code, 2, viaNode.out);
    assert.strictEqual(JSON.parse(viaNode.out).hookSpecificOutput.permissionDecision, 'deny');
  });
});

describe('hook launcher: the startup snapshot (dist/hook-main.blob)', function () {
  this.timeout(60000);
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let dist: string;
  const forcePush = fs.readFileSync(path.join(FIXTURES, 'claude-code', 'force-push.json'), 'utf8');
  const hasBlob = fs.existsSync(path.join(ROOT, 'dist', 'hook-main.blob'));

  beforeEach(function () {
    // Built by esbuild.js with this node; only a node without startup snapshots has none.
    if (!hasBlob) this.skip();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-snapshot-'));
    env = { PATH: '/usr/bin:/bin', HOME: path.join(tmp, 'home'), XDG_STATE_HOME: path.join(tmp, 'state'), XDG_RUNTIME_DIR: path.join(tmp, 'run'), AGENTPOLICY_NO_DAEMON: '1' };
    fs.mkdirSync(env.HOME!, { recursive: true });
    fs.mkdirSync(env.XDG_RUNTIME_DIR!, { mode: 0o700 });
    // A moved copy of dist/ whose plain bundle only says it ran: what answers tells which path decided.
    dist = path.join(tmp, 'moved', 'dist');
    fs.cpSync(path.join(ROOT, 'dist'), dist, { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(dist, 'hook-main.js'), "process.stdout.write('PLAIN'); process.exit(7);\n");
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(path.join(dist, 'hook-main.js'), old, old);
  });
  afterEach(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));
  const copy = () => path.join(dist, 'shim', 'hook', 'agentpolicy-hook');

  it('decides from the snapshot, from the folder it was moved to: the same answer, exit code and audit record as the bundle', async () => {
    const r = await launch('claude-code', forcePush, env, [], copy());
    const plain = await launch('claude-code', forcePush, { ...env, XDG_STATE_HOME: path.join(tmp, 'state2') });
    assert.strictEqual(r.code, 2, r.err);
    assert.strictEqual(r.out, plain.out);
    assert.strictEqual(r.err, plain.err);
    assert.match(r.err, /no-force-push/);
    const recs = readAuditFile(path.join(env.XDG_STATE_HOME!, 'agentpolicy', 'audit')).filter((e) => e.type === 'decision');
    assert.deepStrictEqual(recs.map((e) => [e.agent.id, e.decision.effect, e.action.commandLine]), [['claude-code', 'deny', 'git push --force origin feature/x']]);
    // Its files are the moved folder's: without the grammar there, a shell call cannot be judged (a deny).
    fs.rmSync(path.join(dist, 'tree-sitter-bash.wasm'));
    const blind = await launch('claude-code', forcePush, env, [], copy());
    assert.strictEqual(JSON.parse(blind.out).hookSpecificOutput.permissionDecision, 'deny');
    assert.match(blind.out, /failed to start|tree-sitter/);
  });

  it('a damaged blob, one built by another node, or one older than the bundle: the plain bundle decides', async () => {
    const blob = path.join(dist, 'hook-main.blob');
    const cases: [string, () => void][] = [
      ['truncated', () => fs.truncateSync(blob, 4_000_000)],
      ['zeroed', () => fs.writeFileSync(blob, Buffer.alloc(1 << 20))],
      ['another node', () => fs.writeFileSync(`${blob}.node`, '/usr/bin/true\n')],
      ['older than the bundle', () => fs.utimesSync(path.join(dist, 'hook-main.js'), new Date(), new Date(Date.now() + 60_000))],
    ];
    const original = fs.readFileSync(blob);
    for (const [what, damage] of cases) {
      fs.writeFileSync(blob, original);
      fs.writeFileSync(`${blob}.node`, process.execPath + '\n');
      const old = new Date(Date.now() - 3600_000);
      fs.utimesSync(path.join(dist, 'hook-main.js'), old, old);
      damage();
      const r = await launch('claude-code', forcePush, env, [], copy());
      assert.deepStrictEqual([r.out, r.code], ['PLAIN', 7], what);
    }
  });
});

