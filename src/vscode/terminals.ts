import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import type { AttributionInput, SubjectResolver } from '../core/broker/host';
import { agentForProgram, ancestry } from '../core/identity/attribution';
import { ownUid, pidHoldsSocket, tcpPeer } from '../core/ipc/peer';
import type { AgentInfo } from '../core/policy/compile';
import { SETTINGS } from './ids';
import { dispose } from './logger';
import { COPILOT_ENV, TerminalSubjects, type TerminalInfo, type TerminalSubjectResolver } from './terminalSubjects';
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
    this.subjects = new TerminalSubjects({ user: os.userInfo().username, copilotAgentId: vscode.workspace.getConfiguration().get<string>(SETTINGS.copilotAgentId) || 'copilot' });
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

/** Whether a process's initial environment carries Copilot's terminal-tool markers. */
function hasCopilotEnv(pid: number): boolean {
  try {
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    return env.includes(`AI_AGENT=${COPILOT_ENV.AI_AGENT}`) || env.includes(`COPILOT_AGENT=${COPILOT_ENV.COPILOT_AGENT}`);
  } catch {
    return false;
  }
}

/**
 * The host's subject resolver for requests from integrated terminals: VS Code knows which
 * terminals are agents' (Copilot's terminal tool, an Agent terminal, another extension's, a
 * task); the host cannot tell those from the person's by the process tree alone (Copilot types
 * into an interactive shell, as a person would). So:
 * - only for the shared terminal credential (kind unknown, method terminal): an agent's own
 *   credential is never re-attributed;
 * - a registered agent program between the requester and the terminal's shell is the nearer
 *   subject: pass (the host's ancestry check names it);
 * - the person's own terminals: the person, for what the person typed and what it started, with
 *   no agent program and no process holding a credential of its own between it and the shell;
 * - an agent's terminal (or a process whose environment carries Copilot's markers, even before
 *   VS Code has reported the terminal's pid): that agent — once the pid is proven to hold the
 *   request's connection (the host's check, or ours through /proc/net/tcp and the pid's open
 *   files; a pid an agent merely claims proves nothing).
 */
export function terminalResolver(tracker: TerminalTracker, serverPort: () => number | undefined, agents: () => readonly AgentInfo[], copilotAgentId: () => string): SubjectResolver {
  return {
    resolve(input: AttributionInput): Subject | undefined {
      const c = input.claims;
      if (c.kind !== 'unknown' || c.method !== 'terminal' || input.pid === undefined) return undefined;
      const chain = ancestry(input.pid, { stopAt: process.pid });
      let s: Subject | undefined;
      let shellAt = -1;
      for (let i = 0; i < chain.length && !s; i++) {
        const p = chain[i];
        if (agentForProgram(agents(), p.exe, p.argv) || (i > 0 && AGENT_CLI.test(p.argv.slice(0, 3).join(' ')))) return undefined;
        s = tracker.terminalSubject([p.pid]);
        if (!s && hasCopilotEnv(p.pid)) s = { kind: 'agent', id: copilotAgentId(), method: 'terminal', evidence: `pid ${p.pid} runs with Copilot's terminal-tool environment (AI_AGENT=${COPILOT_ENV.AI_AGENT})` };
        if (s) shellAt = i;
        if (s && i > 0) s = { ...s, evidence: `${s.evidence}; the requester (pid ${input.pid}) runs ${i} level${i === 1 ? '' : 's'} below it` };
      }
      if (!s) return undefined;
      if (s.kind === 'person') {
        // The person's own terminal. A line typed at its prompt is the person's (the host proved the
        // pid), and so is what that line starts — the PATH shims and hooks of `git push`, the
        // commands of a script the person ran — as long as nothing between the requester and the
        // terminal's shell is an agent: no registered agent program or agent CLI (checked above),
        // and no process with a credential of its own (`agentpolicy run`, an agent's launcher),
        // which every process that merely inherited the shell's environment shares.
        const shellToken = tokenOf(chain[shellAt].pid);
        if (!shellToken || chain.slice(0, shellAt).some((p) => tokenOf(p.pid) !== shellToken)) return undefined;
        s = { ...s, evidence: input.interactive ? `typed at the prompt of ${s.evidence}` : `started from ${s.evidence}` };
      }
      let verified = input.pidVerified;
      if (!verified && input.peer.transport === 'tcp' && input.peer.remotePort !== undefined) {
        const port = serverPort();
        const found = port ? tcpPeer(input.peer.remotePort, port) : undefined;
        verified = !!found && found.uid === ownUid() && pidHoldsSocket(input.pid, found.inode);
      }
      return verified ? s : undefined;
    },
  };
}

/** The guard credential a process started with (its initial environment), or undefined. */
function tokenOf(pid: number): string | undefined {
  try {
    const e = fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').find((x) => x.startsWith('AGENTPOLICY_TOKEN='));
    return e?.slice('AGENTPOLICY_TOKEN='.length) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Agent CLIs by executable or npm package, for when the policy does not register them: a shell
 * that one of these started is not the person's, whatever terminal it is in.
 */
const AGENT_CLI = /(^|[/\s])(claude|gemini|codex|cursor-agent|aider|cline|opencode|goose|copilot)(\s|$)|@anthropic-ai\/claude-code|@google\/gemini-cli|@openai\/codex|@github\/copilot/;
