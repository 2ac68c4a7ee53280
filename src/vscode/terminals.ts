import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import type { AttributionInput, SubjectResolver } from '../core/broker/host';
import { ownUid, pidHoldsSocket, tcpPeer } from '../core/ipc/peer';
import { SETTINGS } from './ids';
import { dispose } from './logger';
import { TerminalSubjects, type TerminalInfo, type TerminalSubjectResolver } from './terminalSubjects';
import type { Subject } from '../core/identity/subject';

/** A terminal this extension closed (kill switch), so it can be offered again after re-arm. */
export interface ClosedTerminal {
  name: string;
  cwd?: string | vscode.Uri;
  shellPath?: string;
  shellArgs?: string[] | string;
}

/**
 * Feeds VS Code's terminal events into {@link TerminalSubjects}: who opened each terminal
 * (person, Copilot's terminal tool, this extension's Agent terminal, another extension, a
 * task), its shell's pid, and whether it started before the guard (then it is unguarded).
 */
export class TerminalTracker implements vscode.Disposable, TerminalSubjectResolver {
  readonly subjects: TerminalSubjects;
  private disposables: vscode.Disposable[] = [];
  private readonly keys = new Map<vscode.Terminal, number>();
  private readonly own = new WeakMap<vscode.Terminal, { purpose: 'agent-profile' | 'internal'; agentId?: string }>();
  private armed = false;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor() {
    this.subjects = new TerminalSubjects({ user: os.userInfo().username, copilotAgentId: vscode.workspace.getConfiguration().get<string>(SETTINGS.copilotAgentId) || 'github-copilot' });
    // Terminals that exist now were started without the guard.
    for (const t of vscode.window.terminals) this.track(t, true);
    this.disposables.push(
      this.changed,
      vscode.window.onDidOpenTerminal((t) => this.track(t, !this.armed)),
      vscode.window.onDidCloseTerminal((t) => {
        const k = this.keys.get(t);
        if (k !== undefined) this.subjects.remove(k);
        this.keys.delete(t);
        this.changed.fire();
      }),
      vscode.tasks.onDidStartTaskProcess((e) => {
        if (e.processId !== undefined) this.subjects.markTask(e.processId);
        this.changed.fire();
      }),
    );
  }

  /** The guard environment now reaches new terminals. */
  setArmed(): void {
    this.armed = true;
  }

  /** Creates a terminal on this extension's behalf, attributed as `purpose` (before VS Code reports it). */
  create(options: vscode.TerminalOptions | vscode.ExtensionTerminalOptions, purpose: 'agent-profile' | 'internal', agentId?: string): vscode.Terminal {
    const t = vscode.window.createTerminal(options as vscode.TerminalOptions);
    this.own.set(t, { purpose, agentId });
    return t;
  }

  private track(t: vscode.Terminal, unguarded: boolean): void {
    if (this.keys.has(t)) return;
    let own = this.own.get(t);
    const opts = (t.creationOptions ?? {}) as Record<string, unknown>;
    // A terminal opened from our contributed profile carries our marker in its environment.
    const env = (opts.env ?? {}) as Record<string, unknown>;
    if (!own && typeof env.AGENTPOLICY_TERMINAL_AGENT === 'string') own = { purpose: 'agent-profile', agentId: env.AGENTPOLICY_TERMINAL_AGENT };
    const key = this.subjects.add({ name: t.name, creationOptions: opts, ownPurpose: own?.purpose, ownAgentId: own?.agentId }, unguarded);
    this.keys.set(t, key);
    void t.processId.then((pid) => {
      this.subjects.setPid(key, pid);
      this.changed.fire();
    });
    this.changed.fire();
  }

  info(t: vscode.Terminal): TerminalInfo | undefined {
    const k = this.keys.get(t);
    return k === undefined ? undefined : this.subjects.info(k);
  }

  terminalSubject(pidChain: readonly number[]): Subject | undefined {
    return this.subjects.terminalSubject(pidChain);
  }

  /** Terminals opened before the guard started: their commands are not checked. */
  get unguarded(): vscode.Terminal[] {
    return [...this.keys].filter(([, k]) => this.subjects.info(k)?.unguarded).map(([t]) => t);
  }

  forget(t: vscode.Terminal): void {
    const k = this.keys.get(t);
    if (k !== undefined) this.subjects.markGuarded(k);
    this.changed.fire();
  }

  all(): { terminal: vscode.Terminal; info: TerminalInfo }[] {
    return [...this.keys].flatMap(([terminal, k]) => {
      const info = this.subjects.info(k);
      return info ? [{ terminal, info }] : [];
    });
  }

  dispose(): void {
    this.disposables = dispose(this.disposables);
  }
}

/** What is needed to open a terminal like `t` again. */
export function relaunchOptions(t: vscode.Terminal): ClosedTerminal {
  const o = t.creationOptions as vscode.TerminalOptions;
  return { name: t.name, cwd: o.cwd, shellPath: o.shellPath, shellArgs: o.shellArgs };
}

/** The parent pid of `pid` from /proc, or undefined. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** `pid` and its ancestors, nearest first (at most 64). */
export function pidChain(pid: number): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (let p: number | undefined = pid; p !== undefined && out.length < 64 && !out.some((x) => x.pid === p); p = parentOf(p)) out.push({ pid: p, argv: cmdline(p) });
  return out;
}

/**
 * The host's subject resolver for requests from integrated terminals: the terminal the
 * requesting process runs in (person, Copilot, an Agent terminal, another extension, a task).
 * - Only for the shared terminal credential (kind unknown, method terminal): an agent's own
 *   credential is never turned into the person.
 * - Only for a pid proven to hold the request's connection (the host's check, or ours through
 *   /proc/net/tcp and the pid's open files): a pid an agent merely claims proves nothing.
 * - The person only when no other process between the requester and the person's shell is an
 *   agent CLI the host's own ancestry check would name (those pass: the host decides).
 */
export function terminalResolver(tracker: TerminalTracker, serverPort: () => number | undefined): SubjectResolver {
  return {
    resolve(input: AttributionInput): Subject | undefined {
      const c = input.claims;
      if (c.kind !== 'unknown' || c.method !== 'terminal' || input.pid === undefined) return undefined;
      let verified = input.pidVerified;
      if (!verified && input.peer.transport === 'tcp' && input.peer.remotePort !== undefined) {
        const port = serverPort();
        const found = port ? tcpPeer(input.peer.remotePort, port) : undefined;
        verified = !!found && found.uid === ownUid() && pidHoldsSocket(input.pid, found.inode);
      }
      if (!verified) return undefined;
      const chain = pidChain(input.pid);
      const s = tracker.terminalSubject(chain.map((x) => x.pid));
      if (!s || s.kind !== 'person') return s;
      // An agent CLI between the requester and the person's shell: not the person's command.
      const shellAt = chain.findIndex((x) => tracker.terminalSubject([x.pid]) !== undefined);
      if (chain.slice(0, shellAt).some((x) => AGENT_CLI.test(x.argv.slice(0, 3).join(' ')))) return undefined;
      return s;
    },
  };
}

/** Agent CLIs by their executable or npm package (a person's shell running one of these is not the person). */
const AGENT_CLI = /(^|[\/\s])(claude|gemini|codex|cursor-agent|aider|cline|opencode|goose|amp|copilot)(\s|$)|@anthropic-ai\/claude-code|@google\/gemini-cli|@openai\/codex|@github\/copilot/;
