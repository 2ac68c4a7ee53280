import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FixedApprover } from '../../src/core/broker/broker';
import { guardEnv } from '../../src/core/broker/guardEnv';
import { GuardHost } from '../../src/core/broker/host';
import { compilePolicy } from '../../src/core/policy/compile';
import { baseline, recommendedUserLayer } from '../../src/core/policy/resolve';
import { initShellParser } from '../../src/core/shell/parser';

const root = path.resolve(__dirname, '..', '..', '..');

function run(argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ out: string; ms: number; code: number | null }> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { ...opts, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ out, code, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const f = (x: number) => x.toFixed(x < 1 ? 3 : 2);

/** Issue #3's bench: what the guard adds to each command a shell runs. */
export async function runGuardBench(): Promise<void> {
  await initShellParser();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-guardbench-'));
  spawnSync('git', ['init', '-q', tmp]);
  const policy = compilePolicy([baseline(), recommendedUserLayer()], { workspace: tmp, home: os.homedir(), trustRepo: false });
  const host = await GuardHost.start({ policy: () => policy, workspace: tmp, approver: new FixedApprover('deny'), auditDir: path.join(tmp, 'audit') });
  const addr = host.address!;
  const { token } = await host.issueSession({ id: 'claude-code' });
  const shimRoot = path.join(root, 'dist', 'shim');
  const guarded = guardEnv({ shimRoot, socketPath: addr.socketPath, port: addr.port, token, proof: host.proof, base: process.env });
  const plain = { ...process.env, BASH_ENV: '' };
  try {
    // 1. One trap round trip, timed inside bash: the same function the DEBUG trap calls.
    const loop = `. ${shimRoot}/bash/ask.bash; for i in {1..600}; do t0=$EPOCHREALTIME; __agentpolicy_ask bash 'git status --short'; t1=$EPOCHREALTIME; echo "$t0 $t1"; done`;
    const r = await run(['/bin/bash', '--norc', '-c', loop], { cwd: tmp, env: { ...guarded, BASH_ENV: '' } });
    const lat = r.out.trim().split('\n').slice(100).map((l) => {
      const [a, b] = l.split(' ').map(Number);
      return (b - a) * 1000;
    });
    // 2. Starting a Node process per decision, the alternative the design rejects.
    const nodeMs: number[] = [];
    for (let i = 0; i < 8; i++) nodeMs.push((await run([process.execPath, path.join(root, 'dist', 'cli.js'), 'check', '--cwd', tmp, '--', 'git status --short'], { cwd: tmp, env: plain })).ms);
    // 3. A 200-command script, guarded (trap per command, PATH shims) vs unguarded, alternating runs.
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) lines.push(i % 4 === 3 ? 'git rev-parse --git-dir >/dev/null' : i % 4 === 2 ? 'ls >/dev/null' : i % 4 === 1 ? 'echo line >/dev/null' : 'true');
    const script = path.join(tmp, 'script.sh');
    fs.writeFileSync(script, lines.join('\n') + '\n');
    const g: number[] = [];
    const u: number[] = [];
    for (let i = 0; i < 5; i++) {
      u.push((await run(['/bin/bash', script], { cwd: tmp, env: plain })).ms);
      g.push((await run(['/bin/bash', script], { cwd: tmp, env: guarded })).ms);
    }
    const gm = pct(g, 50);
    const um = pct(u, 50);
    console.log('\nGuarded terminal (issue #3): bash DEBUG trap -> /dev/tcp -> broker -> decision');
    console.log(`  added latency per guarded command (trap + broker round trip, n=${lat.length}): p50 ${f(pct(lat, 50))} ms, p99 ${f(pct(lat, 99))} ms   target p50 <= 5 ms`);
    console.log(`  starting a Node process per decision (agentpolicy check), p50 of ${nodeMs.length}: ${f(pct(nodeMs, 50))} ms  -> ${(pct(nodeMs, 50) / pct(lat, 50)).toFixed(0)}x the trap round trip   target >= 25x`);
    console.log(`  200-command script (1/4 git via PATH shim): unguarded p50 ${f(um)} ms, guarded p50 ${f(gm)} ms -> ratio ${(gm / um).toFixed(2)}x, ${f((gm - um) / 200)} ms added per command`);
  } finally {
    await host.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runGuardBench().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
