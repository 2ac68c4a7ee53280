/**
 * Hook round trip, as an agent pays it: spawn the launcher, send the payload, read the answer.
 * Measured next to a bare `node -e 0` in the same run (alternating rounds: the machine is
 * shared and noisy), reported as ratios. Targets (issue #8): no broker ≤ 2× `node -e 0`;
 * with a broker ≤ 20 ms p50: a running guard (VS Code, serve) or the per-user daemon.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GuardHost } from '../../src/core/broker/host';
import { compilePolicy } from '../../src/core/policy/compile';
import { baseline, recommendedUserLayer } from '../../src/core/policy/resolve';
import { initShellParser } from '../../src/core/shell/parser';

const root = path.resolve(__dirname, '..', '..', '..');
const LAUNCHER = path.join(root, 'dist', 'shim', 'hook', 'agentpolicy-hook');

function timed(cmd: string, args: string[], input: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(cmd, args, { env, stdio: ['pipe', 'ignore', 'ignore'] });
    c.on('error', reject);
    c.on('close', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
    c.stdin.end(input);
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

export async function runHookBench(): Promise<void> {
  await initShellParser();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-hookbench-'));
  const ws = path.join(tmp, 'ws');
  fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
  const runDir = (name: string) => {
    const d = path.join(tmp, name);
    fs.mkdirSync(d, { mode: 0o700 });
    return d;
  };
  const alone = { PATH: '/usr/bin:/bin', HOME: tmp, XDG_RUNTIME_DIR: runDir('run-none'), XDG_STATE_HOME: path.join(tmp, 'state'), AGENTPOLICY_NO_DAEMON: '1' };
  const viaDaemon = { PATH: '/usr/bin:/bin', HOME: tmp, XDG_RUNTIME_DIR: runDir('run-daemon'), XDG_STATE_HOME: path.join(tmp, 'state') };
  const viaHost = { PATH: '/usr/bin:/bin', HOME: tmp, XDG_RUNTIME_DIR: runDir('run-host'), XDG_STATE_HOME: path.join(tmp, 'state'), AGENTPOLICY_NO_DAEMON: '1' };
  const call = (tool: string, input: Record<string, unknown>) => JSON.stringify({ hook_event_name: 'PreToolUse', session_id: 's', tool_use_id: 't', cwd: ws, permission_mode: 'default', tool_name: tool, tool_input: input });
  const write = call('Write', { file_path: `${ws}/src/a.txt`, content: 'x' });
  const bash = call('Bash', { command: 'git status && git diff --stat' });
  const hook = (payload: string, env: NodeJS.ProcessEnv, launcher = LAUNCHER) => () => timed(launcher, ['claude-code', process.execPath], payload, env);
  // The same launcher without the startup snapshot (a copy of dist/ without the blob): what a node
  // the blob was not built with pays.
  const plainDist = path.join(tmp, 'plain', 'dist');
  fs.cpSync(path.join(root, 'dist'), plainDist, { recursive: true, verbatimSymlinks: true, filter: (f) => !/hook-main\.blob/.test(f) });
  const PLAIN = path.join(plainDist, 'shim', 'hook', 'agentpolicy-hook');
  const snapshot = fs.existsSync(path.join(root, 'dist', 'hook-main.blob'));

  // A running guard, as VS Code or `agentpolicy serve` runs one (here in this process).
  const saved = process.env.XDG_RUNTIME_DIR;
  process.env.XDG_RUNTIME_DIR = viaHost.XDG_RUNTIME_DIR;
  const policy = compilePolicy([baseline(), recommendedUserLayer()], { workspace: ws, home: tmp, trustRepo: false });
  const host = await GuardHost.start({ policy: () => policy, workspace: ws, register: true, auditDir: path.join(tmp, 'host-audit') });
  process.env.XDG_RUNTIME_DIR = saved;
  // The per-user daemon, started the way the first unguarded hook call starts it.
  const daemon = spawn(process.execPath, [path.join(root, 'dist', 'cli.js'), 'daemon'], { env: viaDaemon, stdio: 'ignore' });
  const hosts = path.join(viaDaemon.XDG_RUNTIME_DIR, `agentpolicy-${process.getuid!()}`, 'hosts');
  for (let i = 0; i < 100 && !(fs.existsSync(hosts) && fs.readdirSync(hosts).length); i++) await new Promise((r) => setTimeout(r, 50));

  const variants: { label: string; run: () => Promise<number>; xs: number[] }[] = [
    { label: 'spawn `node -e 0` (baseline)', run: () => timed(process.execPath, ['-e', '0'], '', alone), xs: [] },
    { label: `no guard running: Write (${snapshot ? 'snapshot' : 'no snapshot built'})`, run: hook(write, alone), xs: [] },
    { label: `no guard running: Bash (${snapshot ? 'snapshot' : 'no snapshot built'})`, run: hook(bash, alone), xs: [] },
    { label: 'per-user daemon: Write', run: hook(write, viaDaemon), xs: [] },
    { label: 'per-user daemon: Bash', run: hook(bash, viaDaemon), xs: [] },
    { label: 'running guard (VS Code/serve): Write', run: hook(write, viaHost), xs: [] },
    { label: 'running guard (VS Code/serve): Bash', run: hook(bash, viaHost), xs: [] },
    { label: 'no guard running: Write (plain bundle)', run: hook(write, alone, PLAIN), xs: [] },
    { label: 'no guard running: Bash (plain bundle)', run: hook(bash, alone, PLAIN), xs: [] },
  ];
  try {
    for (const v of variants) await v.run(); // warm the page cache (and the daemon)
    const t0 = Date.now();
    for (let r = 0; r < 15 && Date.now() - t0 < 90000; r++) for (const v of variants) v.xs.push(await v.run());
  } finally {
    daemon.kill('SIGTERM');
    await host.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const node = pct(variants[0].xs, 50);
  const row = (i: number) => pct(variants[i].xs, 50);
  console.log('');
  console.log(`Hook round trip (launcher spawned per call, as agents do; ${variants[0].xs.length} alternating rounds; every call audited on disk), ms`);
  console.log(`  ${'variant'.padEnd(40)}${'p50'.padStart(8)}${'p90'.padStart(8)}   ratio to node -e 0 (p50)`);
  for (const v of variants) console.log(`  ${v.label.padEnd(40)}${pct(v.xs, 50).toFixed(1).padStart(8)}${pct(v.xs, 90).toFixed(1).padStart(8)}   ${(pct(v.xs, 50) / node).toFixed(2)}×`);
  console.log(`  target with a guard reachable ≤ 20 ms p50: daemon ${row(3).toFixed(1)}/${row(4).toFixed(1)} ms, running guard ${row(5).toFixed(1)}/${row(6).toFixed(1)} ms (Write/Bash)`);
  console.log(`  target none reachable ≤ 2× node -e 0: in-process ${(row(1) / node).toFixed(2)}×/${(row(2) / node).toFixed(2)}× (Write/Bash; without the snapshot ${(row(7) / node).toFixed(2)}×/${(row(8) / node).toFixed(2)}×; only the first call of a session: it starts the daemon)`);
}

if (require.main === module) {
  runHookBench().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
