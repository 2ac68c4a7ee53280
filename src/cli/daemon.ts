/**
 * `agentpolicy daemon`: the per-user guard for agents' hooks when nothing else is running (no VS
 * Code, no `agentpolicy serve`). The first hook call that finds no guard decides in-process and
 * starts it; later calls reach it in milliseconds instead of starting Node each time. It serves
 * every folder (the policy is resolved per request's folder), asks nobody (an ask goes back to
 * an agent that can ask the person itself, else it is denied saying how to get approval), writes
 * the per-user audit log, and exits when idle. A running VS Code or `serve` for a workspace is
 * chosen over it (the hook launcher takes the longest workspace match).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GuardHost } from '../core/broker/host';
import { findHosts, registryDir } from '../core/broker/registry';
import { nodePolicyFileSystem, resolvePolicy } from '../core/policy/resolve';
import type { CompiledPolicy } from '../core/policy/compile';
import { initShellParser } from '../core/shell/parser';
import type { ParsedArgs } from './args';
import { quietLogger } from './serve';

/** How long a resolved policy is reused for a folder before its files are read again. */
const POLICY_TTL_MS = 2000;

export async function runDaemon(args: ParsedArgs, io: { err: NodeJS.WritableStream }): Promise<number> {
  const idleMinutes = Number(args.values.get('--idle-minutes') ?? process.env.AGENTPOLICY_DAEMON_IDLE_MINUTES ?? 30);
  // One per user: another live daemon (workspace "/") already serves.
  if (findHosts('/').some((h) => h.workspace === '/')) return 0;
  const lock = path.join(path.dirname(registryDir()), 'daemon.lock');
  // Without its runtime folder a daemon cannot be found by any hook: nothing to serve.
  if (!fs.existsSync(path.dirname(path.dirname(lock)))) return 0;
  fs.mkdirSync(path.dirname(lock), { recursive: true, mode: 0o700 });
  if (!takeLock(lock)) return 0;
  try {
    await initShellParser();
    const home = os.homedir();
    const cache = new Map<string, { policy: CompiledPolicy; at: number }>();
    const policyFor = (cwd: string = home): CompiledPolicy => {
      const hit = cache.get(cwd);
      if (hit && Date.now() - hit.at < POLICY_TTL_MS) return hit.policy;
      // Never trusts a repository on its own: trust is the person's to give (VS Code, --trust-repo).
      const r = resolvePolicy({ cwd, home, trustRepo: false, orgPolicyFile: process.env.AGENTPOLICY_ORG_POLICY, fs: nodePolicyFileSystem });
      if (cache.size > 256) cache.clear();
      cache.set(cwd, { policy: r.policy, at: Date.now() });
      return r.policy;
    };
    let last = Date.now();
    const host = await GuardHost.start({
      policy: (cwd) => policyFor(cwd),
      workspace: '/',
      register: true,
      logger: quietLogger,
      approvalHint: 'no Agent Policy window or `agentpolicy serve` is running for this folder (start one, then retry)',
      onDecision: () => (last = Date.now()),
    });
    for (const p of host.degradedBecause) io.err.write(`agentpolicy daemon: ${p}\n`);
    // Found by nobody (the registry could not be written): nothing to serve.
    if (findHosts('/').every((h) => h.pid !== process.pid)) {
      await host.close();
      return 0;
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        clearInterval(timer);
        resolve();
      };
      // Idle, or no longer findable (its registry entry or runtime folder removed): done.
      const timer = setInterval(() => (Date.now() - last > idleMinutes * 60_000 || !findHosts('/').some((h) => h.pid === process.pid)) && stop(), 10_000);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await host.close();
    return 0;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** An O_EXCL lock with our pid; a lock whose pid is gone is taken over. */
function takeLock(file: string): boolean {
  for (let i = 0; i < 2; i++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return true;
    } catch {
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      try {
        if (pid > 0) process.kill(pid, 0);
        return false; // alive: it is starting
      } catch {
        fs.rmSync(file, { force: true });
      }
    }
  }
  return false;
}
