import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { FixedApprover } from '../../src/core/broker/broker';
import { guardEnv } from '../../src/core/broker/guardEnv';
import { GuardHost } from '../../src/core/broker/host';
import { compilePolicy } from '../../src/core/policy/compile';
import { loadPolicyText } from '../../src/core/policy/load';
import { baseline, recommendedUserLayer } from '../../src/core/policy/resolve';
import { initShellParser } from '../../src/core/shell/parser';
import { openSandbox, probeSandbox, relayCommand } from '../../src/core/sandbox/launch';
import { buildProfile } from '../../src/core/sandbox/profile';
import { policyEgressDecider } from '../../src/core/sandbox/proxy';

/**
 * Issue #10's bench: what the sandbox adds. Every figure is a sandboxed run against the same
 * program unsandboxed, measured in alternating runs in this process (the machine is shared and
 * noisy: ratios and differences, not absolute times).
 */
const root = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const distDir = path.join(root, 'dist');
const TARGET_START_MS = 50;

/** A process from spawn to close (`ms`), and to the first byte it wrote on stdout (`firstOutMs`). */
function timed(argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ ms: number; firstOutMs: number; code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(argv[0], argv.slice(1), { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let firstOutMs = NaN;
    c.stdout.on('data', (d) => {
      if (!out) firstOutMs = Number(process.hrtime.bigint() - t0) / 1e6;
      out += d;
    });
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, firstOutMs, code, out, err }));
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const f = (x: number) => (Math.abs(x) < 1 ? x.toFixed(3) : x.toFixed(1));

export async function runSandboxBench(): Promise<void> {
  const probe = probeSandbox();
  console.log('\nSandbox (issue #10): bubblewrap, relay inside, proxy/bridge/push service outside');
  if (!probe.ok) {
    console.log(`  SKIPPED: ${probe.reason}; ${probe.fix}`);
    return;
  }
  await initShellParser();
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-sandboxbench-')));
  const ws = path.join(tmp, 'ws');
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  spawnSync('git', ['init', '-q', ws]);
  // A workspace of realistic size for the secrets walk: 2000 files in 200 folders, a few secrets, node_modules skipped.
  for (let d = 0; d < 200; d++) {
    const dir = path.join(ws, 'src', `m${d}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(dir, `f${i}.ts`), 'export {}\n');
  }
  fs.writeFileSync(path.join(ws, '.env'), 'S=1\n');
  fs.mkdirSync(path.join(ws, 'node_modules', 'x'), { recursive: true });
  for (const d of ['.ssh', '.aws', '.config/gh', '.config/nvim', '.cache', 'projects/a']) fs.mkdirSync(path.join(home, d), { recursive: true });
  const policyFile = path.join(tmp, 'policy.yaml');
  fs.writeFileSync(policyFile, 'version: 1\ndefaults:\n  command: allow\n');
  const env = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8' };

  const policyDoc = loadPolicyText('version: 1\ndefaults:\n  command: allow\n', policyFile);
  if (!policyDoc.ok) throw new Error('bench policy');
  const policy = compilePolicy([baseline(), recommendedUserLayer(), { name: 'user', doc: policyDoc.policy, file: policyFile }], { workspace: ws, home, trustRepo: true });
  const host = await GuardHost.start({ policy: () => policy, workspace: ws, approver: new FixedApprover('deny'), auditDir: path.join(tmp, 'audit') });
  const server = http.createServer((_q, r) => r.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  try {
    // 1. Start-up: `agentpolicy run -- /bin/echo`, sandboxed and not, alternating: to the program's
    // first output (start-up), and to the end of `run` (start-up plus teardown).
    const runArgs = (sandbox: boolean) => [process.execPath, cli, 'run', '--policy', policyFile, '--home', home, '--audit-dir', path.join(tmp, 'audit-run'), '--approver', 'deny', '--agent', 'claude-code', ...(sandbox ? [] : ['--no-sandbox']), '--', '/bin/echo', 'started'];
    const on: number[] = [];
    const off: number[] = [];
    const onFirst: number[] = [];
    const offFirst: number[] = [];
    for (let i = 0; i < 22; i++) {
      const a = await timed(runArgs(false), { cwd: ws, env });
      const b = await timed(runArgs(true), { cwd: ws, env });
      if (a.code !== 0 || b.code !== 0 || a.out !== 'started\n' || b.out !== 'started\n') throw new Error(`run failed: ${a.out}${a.err}${b.out}${b.err}`);
      if (i >= 2) {
        off.push(a.ms);
        on.push(b.ms);
        offFirst.push(a.firstOutMs);
        onFirst.push(b.firstOutMs);
      }
    }
    // Its parts: the profile (walk), bwrap itself, and the relay (a Node process inside).
    const profileMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = process.hrtime.bigint();
      buildProfile({ policy, env: { HOME: home }, agent: 'claude', program: 'claude' });
      profileMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const bw: number[] = [];
    const plainTrue: number[] = [];
    const nodeStart: number[] = [];
    const perlStart: number[] = [];
    const relay = relayCommand(distDir, process.execPath)[0] === process.execPath ? 'node' : 'perl';
    for (let i = 0; i < 12; i++) {
      plainTrue.push((await timed(['/bin/true'], { cwd: ws, env })).ms);
      bw.push((await timed(['bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--unshare-all', '--unshare-user', '--disable-userns', '--new-session', '--die-with-parent', '--', '/bin/true'], { cwd: ws, env })).ms);
      nodeStart.push((await timed([process.execPath, '-e', '0'], { cwd: ws, env })).ms);
      if (relay === 'perl') perlStart.push((await timed(['/usr/bin/perl', '-MIO::Socket::INET', '-MIO::Socket::UNIX', '-MIO::Select', '-MPOSIX', '-e', '1'], { cwd: ws, env })).ms);
    }
    const added = pct(onFirst, 50) - pct(offFirst, 50);
    console.log(`  start-up, agentpolicy run -- /bin/echo to its output (p50 of ${on.length}): unsandboxed ${f(pct(offFirst, 50))} ms, sandboxed ${f(pct(onFirst, 50))} ms -> added ${f(added)} ms   target <= ${TARGET_START_MS} ms: ${added <= TARGET_START_MS ? 'met' : 'NOT met'}`);
    console.log(`    the whole run (start-up and teardown): unsandboxed ${f(pct(off, 50))} ms, sandboxed ${f(pct(on, 50))} ms -> added ${f(pct(on, 50) - pct(off, 50))} ms`);
    console.log(`    parts: profile (walk of ${2000 + 200} entries + home) p50 ${f(pct(profileMs, 50))} ms; bare bwrap ${f(pct(bw, 50) - pct(plainTrue, 50))} ms over /bin/true; relay ${relay}${relay === 'perl' ? ` (perl with its modules starts in ${f(pct(perlStart, 50))} ms; a Node relay would take ${f(pct(nodeStart, 50))} ms)` : ` (Node starts in ${f(pct(nodeStart, 50))} ms)`}`);

    // 2. Per command: the trap's broker round trip, inside (relay -> bridge -> broker) and outside (direct), alternating.
    const { token } = await host.issueSession({ id: 'claude-code' });
    const shimRoot = path.join(distDir, 'shim');
    const guarded = guardEnv({ shimRoot, socketPath: host.address!.socketPath, port: host.address!.port, token, proof: host.proof, base: env });
    const loop = `. ${shimRoot}/bash/ask.bash; for i in {1..400}; do t0=$EPOCHREALTIME; __agentpolicy_ask bash 'git status --short'; t1=$EPOCHREALTIME; echo "$t0 $t1"; done`;
    const lat = (out: string) =>
      out
        .trim()
        .split('\n')
        .slice(50)
        .map((l) => {
          const [a, b] = l.split(' ').map(Number);
          return (b - a) * 1000;
        })
        .filter((x) => Number.isFinite(x));
    const inside = async (argv: string[], extra: { forwards?: { host: string; port: number }[]; env?: Record<string, string> } = {}) => {
      const box = await openSandbox({
        policy,
        agent: 'claude-code',
        program: argv[0],
        cwd: ws,
        broker: { socketPath: host.address!.socketPath, port: host.address!.port },
        egress: { decide: policyEgressDecider({ policy: () => policy, allow: (extra.forwards ?? []).map((x) => `${x.host}:${x.port}`) }), allowAddresses: [`127.0.0.1:${port}`], forwards: extra.forwards },
        distDir,
        env,
        stdio: 'pipe',
        err: { write: () => true } as unknown as NodeJS.WritableStream,
      });
      let out = '';
      box.stdout!.on('data', (d) => (out += d));
      const t0 = process.hrtime.bigint();
      await box.run(argv, extra.env ?? { ...guarded, BASH_ENV: '' });
      return { out, ms: Number(process.hrtime.bigint() - t0) / 1e6, timings: box.timings };
    };
    const parts: Record<string, number[]> = {};
    for (let i = 0; i < 8; i++) {
      const r = await inside(['/bin/true'], { env: env as Record<string, string> });
      for (const [k, v] of Object.entries(r.timings)) (parts[k] ??= []).push(v);
    }
    console.log(`    opening a sandbox, p50 per step (ms): ${Object.entries(parts).map(([k, v]) => `${k} ${f(pct(v, 50))}`).join(', ')}`);
    const outLat = lat((await timed(['/bin/bash', '--norc', '-c', loop], { cwd: ws, env: { ...guarded, BASH_ENV: '' } })).out);
    const inLat = lat((await inside(['/bin/bash', '--norc', '-c', loop])).out);
    console.log(`  per guarded command, trap -> broker round trip (n=${inLat.length}): outside p50 ${f(pct(outLat, 50))} ms, inside p50 ${f(pct(inLat, 50))} ms (p99 ${f(pct(inLat, 99))}) -> added ${f(pct(inLat, 50) - pct(outLat, 50))} ms`);

    // 3. A 200-command script, whole, inside and outside (no trap: what the sandbox itself costs per command).
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) lines.push(i % 4 === 3 ? 'git rev-parse --git-dir >/dev/null' : i % 4 === 2 ? 'ls src >/dev/null' : i % 4 === 1 ? 'cat src/m1/f1.ts >/dev/null' : 'true');
    const script = path.join(ws, 'bench.sh');
    fs.writeFileSync(script, lines.join('\n') + '\n');
    const timedInner = `t0=$EPOCHREALTIME; /bin/bash ${script}; t1=$EPOCHREALTIME; echo "$t0 $t1"`;
    const sIn: number[] = [];
    const sOut: number[] = [];
    for (let i = 0; i < 5; i++) {
      const o = (await timed(['/bin/bash', '--norc', '-c', timedInner], { cwd: ws, env })).out.trim().split(' ').map(Number);
      sOut.push((o[1] - o[0]) * 1000);
      const r = (await inside(['/bin/bash', '--norc', '-c', timedInner], { env: env as Record<string, string> })).out.trim().split(' ').map(Number);
      sIn.push((r[1] - r[0]) * 1000);
    }
    console.log(`  200-command script (no trap), timed inside bash: outside p50 ${f(pct(sOut, 50))} ms, sandboxed p50 ${f(pct(sIn, 50))} ms -> ${(pct(sIn, 50) / pct(sOut, 50)).toFixed(2)}x, ${f((pct(sIn, 50) - pct(sOut, 50)) / 200)} ms per command`);

    // 4. Egress: 100 HTTP requests to a local server, direct outside vs through relay + proxy inside.
    const curlLoop = `t0=$EPOCHREALTIME; for i in $(seq 100); do /usr/bin/curl -s --noproxy '*' -o /dev/null http://127.0.0.1:${port}/; done; t1=$EPOCHREALTIME; echo "$t0 $t1"`;
    if (fs.existsSync('/usr/bin/curl')) {
      const eIn: number[] = [];
      const eOut: number[] = [];
      for (let i = 0; i < 3; i++) {
        const o = (await timed(['/bin/bash', '--norc', '-c', curlLoop], { cwd: ws, env })).out.trim().split(' ').map(Number);
        eOut.push(((o[1] - o[0]) * 1000) / 100);
        const r = (await inside(['/bin/bash', '--norc', '-c', curlLoop], { forwards: [{ host: '127.0.0.1', port }], env: env as Record<string, string> })).out.trim().split(' ').map(Number);
        eIn.push(((r[1] - r[0]) * 1000) / 100);
      }
      console.log(`  HTTP request to 127.0.0.1 (curl, new connection each): outside p50 ${f(pct(eOut, 50))} ms, inside via relay + proxy p50 ${f(pct(eIn, 50))} ms -> added ${f(pct(eIn, 50) - pct(eOut, 50))} ms per connection`);
    }
  } finally {
    await host.close();
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runSandboxBench().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
