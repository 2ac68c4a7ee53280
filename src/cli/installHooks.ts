/**
 * `agentpolicy install-hooks <agent|all> [--scope repo|user] [--remove] [--check]`: puts the
 * guard's launcher into each agent's hook config (merge logic: src/core/agents/<agent>/install.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ADAPTERS } from '../core/agents/adapters';
import { INSTALLERS } from '../core/agents/installers';
import type { Scope } from '../core/agents/install';
import { applyHookChange, hookConfigReport, hookFile, hookStatus, planHookChange, type HookChange, type HookTarget } from '../core/agents/installPlan';
import { controlEvent } from '../core/audit/events';
import { openHostLog } from '../core/broker/host';
import { UNKNOWN_SUBJECT } from '../core/identity/subject';
import { AGENT_IDS, agentIdOf, type AgentId } from '../core/agents/types';
import { parseArgs, UsageError } from './args';

export const INSTALL_HOOKS_HELP = `Usage: agentpolicy install-hooks <agent|all> [--scope repo|user] [--remove] [--check]
                                [--workspace DIR] [--home DIR] [--launcher FILE] [--node FILE]

Connects an agent (claude-code, copilot, cursor, gemini, codex, cline, or all) to the guard:
merges our hook into the agent's config without touching your other hooks or settings.
  --scope repo   this workspace's config (default): .claude/settings.json, .github/hooks/,
                 .cursor/hooks.json, .gemini/settings.json, .codex/hooks.json, .clinerules/hooks/
  --scope user   your own: ~/.claude, ~/.copilot/hooks, ~/.cursor, ~/.gemini, ~/.codex/hooks.json,
                 ~/Documents/Cline/Hooks
  --remove       takes exactly our hook out again
  --check        exit 1 when the hook is missing or stale (nothing is written)
  --audit-dir D  where the change is audited (default: your audit stream, as for every guard)
The hook runs the launcher by absolute path with this node (${process.execPath}); it asks a
running broker (VS Code or \`agentpolicy serve\`) and otherwise decides in-process.
Set fail-closed where the agent has it (Claude Code onFailure: block, Cursor failClosed).
Codex runs a hook only once it is trusted: install-hooks writes that trust entry into your
~/.codex/config.toml ([hooks.state], as /hooks in Codex would). Gemini CLI and Codex load a
repo config only for a folder you trust in them; Cline needs "Enable Hooks" in its settings.
`;


/** Where the launcher ships: next to the bundle (dist/shim/hook), or dist/ from the compiled tests. */
export function defaultLauncher(): string {
  const candidates = [path.resolve(__dirname, 'shim', 'hook', 'agentpolicy-hook'), path.resolve(__dirname, '..', '..', '..', 'dist', 'shim', 'hook', 'agentpolicy-hook')];
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
}

/** The static deny answers the launcher prints when a broker stops answering (build time). */
/** Stands for the launcher's reason in the static deny answers (plain ASCII: safe in JSON, TOML and text). */
export const DENY_REASON_PLACEHOLDER = '@@AGENTPOLICY_REASON@@';

export function writeDenyAnswers(dir: string): void {
  const out = path.join(dir, 'deny');
  fs.mkdirSync(out, { recursive: true });
  for (const id of AGENT_IDS) {
    // The launcher puts its own one-line reason where the placeholder stands (it strips quotes and backslashes).
    const o = ADAPTERS[id].denyOutput(DENY_REASON_PLACEHOLDER);
    fs.writeFileSync(path.join(out, `${id}.stdout`), o.stdout);
    fs.writeFileSync(path.join(out, `${id}.stderr`), o.stderr);
    fs.writeFileSync(path.join(out, `${id}.code`), `${o.exitCode}\n`);
  }
}

export interface InstallHooksOptions {
  agents: AgentId[];
  scope: Scope;
  mode: 'install' | 'remove' | 'check';
  workspace: string;
  home: string;
  launcher: string;
  node: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each change after it was written (the command audits them). */
  onApplied?: (c: HookChange) => void;
}

/** Applies one mode to each agent; returns the exit status (1 when anything is missing, stale or failed). */
export function installHooks(o: InstallHooksOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  let status = 0;
  const target: HookTarget = { workspace: o.workspace, home: o.home, env: o.env ?? process.env, launcher: o.launcher, node: o.node };
  for (const id of o.agents) {
    const inst = INSTALLERS[id];
    const file = hookFile(id, o.scope, target);
    const name = ADAPTERS[id].displayName;
    try {
      if (o.mode === 'check') {
        const s = hookStatus(id, o.scope, target);
        if (s.problems.length) {
          status = 1;
          err.write(`${id}: not ready (${file}):\n${s.problems.map((p) => `  - ${p}`).join('\n')}\n  Fix: agentpolicy install-hooks ${id} --scope ${o.scope}\n`);
        } else out.write(`${id}: ${name} hook installed and current (${file})\n`);
        continue;
      }
      const c = planHookChange(o.mode, id, o.scope, target);
      applyHookChange(c);
      o.onApplied?.(c);
      // Other files the change wrote (Codex: the hook's trust entry in config.toml).
      const also = (c.also ?? []).filter((x) => x.action !== 'none').map((x) => `; ${x.action === 'delete' ? 'removed' : 'updated'} ${x.file}`).join('');
      if (o.mode === 'remove') {
        if (c.before === undefined && !also) out.write(`${id}: nothing to remove (${file} does not exist)\n`);
        else out.write(`${id}: ${c.action === 'none' && !also ? 'no agentpolicy hook in' : 'removed the agentpolicy hook from'} ${file}${c.action === 'delete' ? ' (the file held only ours, so it is gone)' : ''}${also}\n`);
      } else if (c.action === 'none' && !also) out.write(`${id}: ${name} hook already current in ${file}\n`);
      else out.write(`${id}: installed the ${name} hook in ${file} (timeout ${inst.timeoutSeconds} s; broker wait ${inst.waitSeconds} s)${also}\n`);
      for (const n of c.notes ?? []) out.write(`${id}: ${n}\n`);
    } catch (e) {
      status = 1;
      err.write(`${id}: ${(e as Error).message} (${file})\n`);
    }
  }
  return status;
}

export async function installHooksCommand(argv: string[], io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): Promise<number> {
  const args = parseArgs(argv, { values: ['--scope', '--workspace', '--home', '--launcher', '--node', '--write-deny-answers', '--audit-dir'], booleans: ['--remove', '--check'] });
  const denyDir = args.values.get('--write-deny-answers');
  if (denyDir) {
    writeDenyAnswers(path.resolve(denyDir));
    return 0;
  }
  const [which, ...extra] = args.positionals;
  if (!which || extra.length) throw new UsageError('give one agent (claude-code, copilot, cursor, gemini, codex, cline) or all');
  let agents: AgentId[];
  if (which === 'all') agents = [...AGENT_IDS];
  else {
    const id = agentIdOf(which);
    if (!id) throw new UsageError(`unknown agent "${which}"`);
    agents = [id];
  }
  const scope = (args.values.get('--scope') ?? 'repo') as Scope;
  if (scope !== 'repo' && scope !== 'user') throw new UsageError('--scope is repo or user');
  if (args.booleans.has('--remove') && args.booleans.has('--check')) throw new UsageError('--remove and --check do not go together');
  const node = path.resolve(args.values.get('--node') ?? process.execPath);
  const mode = args.booleans.has('--check') ? 'check' : args.booleans.has('--remove') ? 'remove' : 'install';
  const workspace = path.resolve(args.values.get('--workspace') ?? process.cwd());
  // A change to what checks an agent is itself audited: the log opens first, or nothing is changed.
  const log = mode === 'check' ? undefined : await openHostLog(args.values.get('--audit-dir'));
  const applied: HookChange[] = [];
  try {
    return installHooks({ agents, scope, mode, workspace, home: path.resolve(args.values.get('--home') ?? os.homedir()), launcher: path.resolve(args.values.get('--launcher') ?? defaultLauncher()), node, onApplied: (c) => applied.push(c) }, io.out, io.err);
  } finally {
    // Nothing attributes a command line run outside a guard: the OS user is in the record's context.
    const subject = { ...UNKNOWN_SUBJECT, evidence: `agentpolicy install-hooks (pid ${process.pid}), run outside any guard` };
    for (const c of applied) {
      const r = hookConfigReport(c, 'agentpolicy install-hooks');
      if (r) await log!.append(controlEvent({ ...r, subject, context: { workspace, pep: 'cli' } })).catch((e) => io.err.write(`agentpolicy: the change to ${r.data.files.join(', ')} was made but not audited: ${(e as Error).message}\n`));
    }
    await log?.close();
  }
}
