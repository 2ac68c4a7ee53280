import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { AgentName } from './agents';
import { registerHook } from './hookConfig';
import type { Sandbox } from './workspace';

/**
 * How the product is put between a real agent and the workspace for a scenario run. Each guard
 * says whether it can serve an agent on this branch (and why not), installs itself into a
 * sandbox, and may wrap the agent's command line. The scenario suites take a guard, so the same
 * scenarios run through `install-hooks` (#8), `agentpolicy run` (#9) and the sandbox (#10).
 */
export interface Guard {
  readonly name: string;
  /** null when usable for `agent`; otherwise why not (the suite marks its tests pending, loudly). */
  unavailable(agent: AgentName): string | null;
  install(agent: AgentName, sb: Sandbox): void;
  /** Put before the agent's argv (e.g. ['node', cli, 'run', '--']). */
  prefix?(agent: AgentName, sb: Sandbox): string[];
  /** Extra environment for the agent run (e.g. XDG_STATE_HOME for the audit log). */
  env?(agent: AgentName, sb: Sandbox): Record<string, string>;
  /** Scenarios this guard is known not to meet yet, with why: pending, printed, never passed. */
  knownGaps?: Record<string, string>;
}

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(REPO, 'dist', 'cli.js');

/** Run the built CLI with a throwaway HOME, in the workspace. */
export function cli(args: string[], sb: Sandbox, extraEnv: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: sb.workspace,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: sb.home, XDG_STATE_HOME: stateDir(sb), XDG_CONFIG_HOME: path.join(sb.home, '.config'), LANG: 'C.UTF-8', ...extraEnv },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Where the guard's default state (audit log) goes in a sandbox. */
export function stateDir(sb: Sandbox): string {
  return path.join(sb.home, '.local', 'state');
}

let installHooksKnown: boolean | undefined;
/** Whether this build has `agentpolicy install-hooks` (agents-hooks helper, #8). */
export function hasInstallHooks(): boolean {
  if (installHooksKnown === undefined) {
    const r = spawnSync(process.execPath, [CLI, 'install-hooks', '--help'], { encoding: 'utf8' });
    installHooksKnown = fs.existsSync(CLI) && r.status === 0 && /install-hooks/.test(r.stdout + r.stderr);
  }
  return installHooksKnown;
}

/** The hook installed by `agentpolicy install-hooks <agent> --scope repo`, as a user would. */
export const installHooksGuard: Guard = {
  name: 'install-hooks',
  unavailable: () => (hasInstallHooks() ? null : 'this build has no `agentpolicy install-hooks` yet (#8, agents-hooks helper)'),
  install(agent, sb) {
    const r = cli(['install-hooks', agent, '--scope', 'repo'], sb);
    if (r.status !== 0) throw new Error(`install-hooks ${agent} failed (${r.status}): ${r.stderr || r.stdout}`);
  },
  // Every hook call decided in its own process (no daemon started behind the test's back).
  env: (_agent, sb) => ({ XDG_STATE_HOME: stateDir(sb), AGENTPOLICY_NO_DAEMON: '1' }),
};

/**
 * The same hooks, answered by the per-user daemon (as after the first unguarded call): started
 * here before the agent, found through the sandbox's own registry, stopped with the sandbox.
 */
export const installHooksDaemonGuard: Guard = {
  name: 'install-hooks + the per-user daemon',
  unavailable: installHooksGuard.unavailable,
  install(agent, sb) {
    installHooksGuard.install(agent, sb);
    const runtime = path.join(sb.root, 'run');
    const child = spawn(process.execPath, [CLI, 'daemon'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: sb.home, XDG_STATE_HOME: stateDir(sb), XDG_RUNTIME_DIR: runtime }, detached: true, stdio: 'ignore' });
    child.unref();
    const hosts = path.join(runtime, `agentpolicy-${process.getuid!()}`, 'hosts');
    const until = Date.now() + 15_000;
    while (!(fs.existsSync(hosts) && fs.readdirSync(hosts).some((f) => !f.endsWith('.tmp'))) && Date.now() < until) spawnSync('sleep', ['0.05']);
    if (!fs.existsSync(hosts)) throw new Error('the daemon did not register');
  },
  env: (_agent, sb) => ({ XDG_STATE_HOME: stateDir(sb) }),
};

/**
 * Until install-hooks lands: the adapter already on main (`agentpolicy hook claude`), wired by
 * hand the way the README says, with Claude Code's fail-closed `onFailure: "block"`.
 */
export const manualClaudeHookGuard: Guard = {
  name: 'hook claude (wired by hand)',
  unavailable: (agent) => (agent === 'claude-code' ? (fs.existsSync(CLI) ? null : 'dist/cli.js is not built') : `no hook adapter for ${agent} on this branch (only \`agentpolicy hook claude\`)`),
  install(agent, sb) {
    registerHook(agent, {
      scope: 'repo',
      home: sb.home,
      workspace: sb.workspace,
      command: `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} hook claude`,
      events: ['PreToolUse'],
      timeoutSec: 30,
      handlerExtra: { onFailure: 'block' },
    });
  },
  env: (_agent, sb) => ({ XDG_STATE_HOME: stateDir(sb) }),
  knownGaps: { audit: '`agentpolicy hook claude` on main writes no audit record without a broker (#8)' },
};

/**
 * `agentpolicy run --approver deny -- <agent …>` (#9, #10): no hooks; the agent starts as the
 * registered agent it is, inside the sandbox; its shell commands meet the trap (its own
 * plumbing recognised), its file tools the sandbox, and every decision is audited under it.
 */
export const runGuard: Guard = {
  name: 'agentpolicy run (sandboxed, no hooks)',
  unavailable: () => (fs.existsSync(CLI) ? (spawnSync('bwrap', ['--version']).status === 0 ? null : 'bubblewrap is not installed (apt-get install bubblewrap)') : 'dist/cli.js is not built'),
  install: () => undefined,
  prefix: (_agent, sb) => [process.execPath, CLI, 'run', '--approver', 'deny', '--home', sb.home, '--'],
  env: (_agent, sb) => ({ XDG_STATE_HOME: stateDir(sb), AGENTPOLICY_NO_DAEMON: '1' }),
};

/** No guard at all: the negative control, showing each scenario's effect check can fail. */
export const noGuard: Guard = {
  name: 'no guard',
  unavailable: () => null,
  install: () => undefined,
};

/** The best guard this build offers for hooks: install-hooks when present, else the manual wiring. */
export function hookGuard(): Guard {
  return hasInstallHooks() ? installHooksGuard : manualClaudeHookGuard;
}

/** Audit events written under the sandbox's state dir (any *.jsonl below it), parsed. */
export function auditEvents(sb: Sandbox): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.jsonl?$/.test(e.name) && /audit/i.test(p)) {
        for (const line of fs.readFileSync(p, 'utf8').split('\n')) {
          if (!line.trim()) continue;
          try {
            out.push(JSON.parse(line) as Record<string, unknown>);
          } catch {
            /* not an event line */
          }
        }
      }
    }
  };
  walk(stateDir(sb));
  return out;
}
