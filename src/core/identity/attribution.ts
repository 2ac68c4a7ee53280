/**
 * Attribution: who is asking, per request, from evidence the requester cannot simply claim.
 *
 * - A registered agent is recognised by its program: the executable `run` starts, or one found
 *   among the requesting process's ancestors in /proc (for interpreters, the script they run).
 * - The person is the subject only for a line typed in an interactive shell that holds the
 *   connection (checked in the kernel's tables), with no registered agent and no guarded
 *   process among its ancestors: a shell an agent (or anything under `agentpolicy run`) started
 *   carries the guard's credential in its parents' environment, and a sandboxed agent's pids are
 *   not the host's. Anything else is never the person.
 */
import * as fs from 'fs';
import * as path from 'path';
import { minimatch } from 'minimatch';
import type { AgentInfo } from '../policy/compile';
import type { Subject } from './subject';

/** Programs that run a script given as their first operand: the script names the agent. */
const INTERPRETERS = new Set(['node', 'nodejs', 'bun', 'deno', 'python', 'python3', 'ruby', 'perl']);
const SHELLS = new Set(['bash', 'zsh', 'sh', 'dash', 'ksh', 'fish']);

function patternMatches(pattern: string, file: string): boolean {
  if (!pattern.includes('/')) return path.basename(file) === pattern || minimatch(path.basename(file), pattern, { dot: true });
  return minimatch(file, pattern, { dot: true });
}

/** Whether an executable (and the script it was given, for interpreters) is one of `agent`'s programs. */
export function isAgentProgram(agent: Pick<AgentInfo, 'executables'>, exe: string, argv: readonly string[]): boolean {
  const candidates = [exe, argv[0] ?? ''].filter(Boolean);
  const base = path.basename(exe);
  if (INTERPRETERS.has(base) || INTERPRETERS.has(base.replace(/\d+(\.\d+)*$/, ''))) {
    const script = argv.slice(1).find((a) => !a.startsWith('-'));
    if (script) candidates.push(script);
  }
  for (const file of candidates) {
    for (const p of agent.executables) if (patternMatches(p, file)) return true;
  }
  return false;
}

/** The registered agent whose `match.executables` names this program. */
export function agentForProgram(agents: readonly AgentInfo[], exe: string, argv: readonly string[]): AgentInfo | undefined {
  return agents.find((a) => a.executables.length > 0 && isAgentProgram(a, exe, argv));
}

/** The registered agent whose `match.hooks` names this hook adapter (or whose id is it). */
export function agentForHook(agents: readonly AgentInfo[], hook: string): AgentInfo | undefined {
  return agents.find((a) => a.hooks.includes(hook)) ?? agents.find((a) => a.id === hook);
}

/** Finds a command name the way execvp would (a name with a slash as it is, else on PATH). */
export function findProgram(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return name.includes('/') ? name : (env.PATH ?? '').split(':').map((d) => path.join(d || '.', name)).find((f) => isExecutable(f));
}

/** Resolves a command name the way execvp would (PATH), then through symlinks. */
export function resolveProgram(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const found = findProgram(name, env);
  if (!found) return name;
  try {
    return fs.realpathSync(found);
  } catch {
    return found;
  }
}

function isExecutable(f: string): boolean {
  try {
    fs.accessSync(f, fs.constants.X_OK);
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
}

/** One process as /proc tells it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
  exe: string;
  argv: string[];
  /** Clock ticks since boot (pid plus start time names a process even after its pid is reused). */
  startTime: number;
  /** The guard credential its environment carries (it was started by a guarded process); `?` when unreadable. */
  token?: string;
  /** Its owner (real uid); undefined when unknown. */
  uid?: number;
}

/** pid and start time: names one process even after its pid is reused. */
export function processKey(p: Pick<ProcessInfo, 'pid' | 'startTime'>): string {
  return `${p.pid}:${p.startTime}`;
}

/** Reads a process from /proc; undefined when it is gone or not readable. */
export function readProcess(pid: number, procRoot = '/proc'): ProcessInfo | undefined {
  try {
    const stat = fs.readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
    // comm is in parentheses and may hold spaces or parentheses: split after the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const rest = stat.slice(close + 2).split(' ');
    const ppid = Number(rest[1]);
    const startTime = Number(rest[19]);
    let exe = '';
    try {
      exe = fs.readlinkSync(`${procRoot}/${pid}/exe`).replace(/ \(deleted\)$/, '');
    } catch {
      /* a kernel thread, or not ours */
    }
    const argv = fs.readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
    let uid: number | undefined;
    try {
      uid = fs.statSync(`${procRoot}/${pid}`).uid;
    } catch {
      /* gone */
    }
    let token: string | undefined;
    try {
      token = /(?:^|\0)AGENTPOLICY_TOKEN=([^\0]+)/.exec(fs.readFileSync(`${procRoot}/${pid}/environ`, 'latin1'))?.[1];
    } catch {
      token = '?'; // cannot tell: assume it was guarded (never a reason to call it the person)
    }
    return { pid, ppid, comm, exe, argv, startTime, token, uid };
  } catch {
    return undefined;
  }
}

/** The chain from a process up to init (or `stopAt`), nearest first, at most `max` long. */
export function ancestry(pid: number, opts: { max?: number; stopAt?: number; read?: (pid: number) => ProcessInfo | undefined } = {}): ProcessInfo[] {
  const read = opts.read ?? ((p: number) => readProcess(p));
  const out: ProcessInfo[] = [];
  const seen = new Set<number>();
  let p = pid;
  for (let i = 0; i < (opts.max ?? 64) && p > 0 && !seen.has(p) && p !== opts.stopAt; i++) {
    seen.add(p);
    const info = read(p);
    if (!info) break;
    out.push(info);
    p = info.ppid;
  }
  return out;
}

/** What attribution needs to know about one request. */
export interface AttributionFacts {
  pid?: number;
  /** The kernel confirmed `pid` holds the requesting connection. */
  pidVerified: boolean;
  /** The line was typed at an interactive shell's prompt (the trap says so). */
  interactive: boolean;
  /** The credential was issued to a terminal (not to a program `run` started). */
  terminalCredential: boolean;
  /** The credential the request carries (to tell its own lineage from a program started with another). */
  token?: string;
}

/** Shells known to be the person's (pid and start time), by a verified prompt or the editor's terminals. */
export interface PersonShells {
  has(key: string): boolean;
}

/**
 * Names the subject from the process tree, or undefined to leave it to the credential.
 * `chain` is the requester's ancestry, nearest first.
 * - A registered agent's program among the parents: that agent.
 * - A line typed at an interactive shell that holds the connection, with no agent and no
 *   guarded process among its parents: the person (and that shell is the person's from now on).
 * - A process under a shell of the person's, with no agent in between and the same credential
 *   all the way (nothing started with a credential of its own, like `agentpolicy run`): the person.
 */
export function attributeFromProcesses(agents: readonly AgentInfo[], facts: AttributionFacts, chain: readonly ProcessInfo[], user: string, personShells: PersonShells): Subject | undefined {
  for (const p of chain) {
    const a = agentForProgram(agents, p.exe, p.argv);
    if (a) return { kind: 'agent', id: a.id, method: 'ancestry', evidence: `pid ${p.pid} (${p.argv.slice(0, 2).join(' ') || p.exe || p.comm}) among the requester's parents${facts.pidVerified ? '' : ' (pid claimed, not verified)'}` };
  }
  if (!facts.terminalCredential || chain.length === 0) return undefined;
  if (facts.interactive && facts.pidVerified) {
    const shell = chain[0];
    if (!isShell(shell)) return undefined;
    // Started by something guarded (an agent, a program under run) is never the person. The walk
    // ends at the first process of another user (init, a display manager, sshd's privileged
    // half): an agent running as this user did not start it, and its environment is not ours to read.
    const own = shell.uid;
    for (const p of chain.slice(1)) {
      if (own !== undefined && p.uid !== undefined && p.uid !== own) break;
      if (p.token !== undefined) return undefined;
    }
    return { kind: 'person', id: user, method: 'terminal', evidence: `typed at interactive ${shell.comm} (pid ${shell.pid}), no agent or guarded process among its parents` };
  }
  // The person's own work: a child of their shell, in the same credential's lineage.
  for (const p of chain) {
    if (personShells.has(processKey(p))) return { kind: 'person', id: user, method: 'terminal', evidence: `runs under the person's shell (pid ${p.pid}), no agent in between` };
    if (facts.token === undefined || p.token !== facts.token) return undefined;
  }
  return undefined;
}

function isShell(p: ProcessInfo): boolean {
  return SHELLS.has(p.comm) || SHELLS.has(path.basename(p.exe));
}
