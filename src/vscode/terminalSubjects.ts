/**
 * Who opened each integrated terminal, and so who is behind a command that came from one.
 * Pure (no `vscode` import): src/vscode/terminals.ts feeds it VS Code's terminal events; the
 * broker asks it through {@link TerminalSubjectResolver} with the requesting process's pid and
 * its ancestors.
 *
 * How a terminal's origin is known (VS Code 1.139, checked in its source and in the extension
 * host — see docs/vscode.md):
 * - `onDidOpenTerminal` for a terminal the workbench created (the "+" button, the profile
 *   picker, a split, Copilot's terminal tool) carries creation options built by VS Code itself
 *   with exactly the keys name, shellPath, shellArgs, cwd, env, hideFromUser, titleTemplate; a
 *   terminal another extension created carries that extension's own options object instead.
 * - Copilot's terminal tool (run_in_terminal) creates hidden terminals (`hideFromUser`) whose
 *   environment carries `AI_AGENT=github_copilot_vscode_agent` and `COPILOT_AGENT=1`.
 * - Tasks report their process id (`tasks.onDidStartTaskProcess`).
 * Extensions run with the person's own privileges, so an extension that imitates the
 * workbench's options is out of scope (it could run anything anyway); what is in scope is an
 * agent's command, which runs below the shell of the terminal it was given.
 */
import type { Subject } from '../core/identity/subject';

/** How a terminal came to be. */
export type TerminalOrigin =
  /** Opened by the person: the "+" button, the profile picker, a split, a restored session. */
  | 'person'
  /** Copilot agent mode's terminal tool. */
  | 'copilot'
  /** This extension's "Agent terminal" profile, for agent CLIs. */
  | 'agent-profile'
  /** Created by another extension (an agent extension, a test runner…): nobody proved who. */
  | 'extension'
  /** A task: the person or an agent's task tool may have started it. */
  | 'task';

/** What VS Code tells an extension about a terminal when it opens (vscode.Terminal.creationOptions). */
export interface TerminalCreation {
  name: string;
  creationOptions: Readonly<Record<string, unknown>>;
  /** This extension created it (and with which agent id, for the Agent terminal profile). */
  ownAgentId?: string;
  ownPurpose?: 'agent-profile' | 'internal';
}

/** The keys VS Code's extension host puts in creationOptions of a terminal the workbench created. */
const WORKBENCH_KEYS = ['name', 'shellPath', 'shellArgs', 'cwd', 'env', 'hideFromUser', 'titleTemplate'];

export const COPILOT_ENV = { AI_AGENT: 'github_copilot_vscode_agent', COPILOT_AGENT: '1' } as const;

/** Origin of a terminal from what VS Code reports at creation; pure. */
export function classifyTerminal(t: TerminalCreation): { origin: TerminalOrigin; evidence: string } {
  if (t.ownPurpose === 'agent-profile') return { origin: 'agent-profile', evidence: 'opened from the Agent terminal profile' };
  const o = t.creationOptions ?? {};
  const env = (o.env && typeof o.env === 'object' ? o.env : {}) as Record<string, unknown>;
  if (env.AI_AGENT === COPILOT_ENV.AI_AGENT || env.COPILOT_AGENT === COPILOT_ENV.COPILOT_AGENT) {
    return { origin: 'copilot', evidence: `created by Copilot's terminal tool (${env.AI_AGENT === COPILOT_ENV.AI_AGENT ? `AI_AGENT=${COPILOT_ENV.AI_AGENT}` : 'COPILOT_AGENT=1'} in its creation options)` };
  }
  const keys = Object.keys(o);
  const workbench = WORKBENCH_KEYS.every((k) => keys.includes(k)) && keys.every((k) => WORKBENCH_KEYS.includes(k));
  if (workbench && o.hideFromUser === true) return { origin: 'copilot', evidence: 'a hidden terminal the workbench created (what agent mode uses)' };
  if (workbench) return { origin: 'person', evidence: 'opened in the workbench (the "+" button, the profile picker or a split)' };
  if (t.ownPurpose === 'internal') return { origin: 'extension', evidence: 'created by Agent Policy itself' };
  return { origin: 'extension', evidence: 'created by an extension' };
}

interface Entry {
  key: number;
  name: string;
  origin: TerminalOrigin;
  evidence: string;
  agentId?: string;
  pid?: number;
  /** Opened while the guard was not yet running: its shell has no guard environment. */
  unguarded: boolean;
}

export interface TerminalInfo extends Readonly<Entry> {
  subject: Subject;
}

/** What the broker calls: the subject of the terminal a requesting process runs in, if any. */
export interface TerminalSubjectResolver {
  /**
   * `pidChain`: the requesting process first, then its parent, grandparent… (from /proc).
   * Returns the subject of the nearest terminal shell in the chain, or undefined when the
   * process does not run in a known integrated terminal. Callers must prefer stronger evidence
   * found lower in the chain (a hook, a registered agent executable among the ancestors): a
   * person who starts an agent CLI in their own terminal is not the subject of its commands.
   */
  terminalSubject(pidChain: readonly number[]): Subject | undefined;
}

export interface TerminalSubjectOptions {
  /** The person's user name (the id of a person subject). */
  user: string;
  /** Agent id for Copilot's terminal tool (registered in the policy's agents list). */
  copilotAgentId: string;
}

/** The terminals of this window and who opened each; answers {@link TerminalSubjectResolver}. */
export class TerminalSubjects implements TerminalSubjectResolver {
  private readonly entries = new Map<number, Entry>();
  private readonly byPid = new Map<number, number>();
  private readonly taskPids = new Set<number>();
  private next = 1;

  constructor(private readonly opts: TerminalSubjectOptions) {}

  /** Records a terminal that opened; returns its key. */
  add(t: TerminalCreation, unguarded = false): number {
    const key = this.next++;
    const { origin, evidence } = classifyTerminal(t);
    this.entries.set(key, { key, name: t.name, origin, evidence, agentId: t.ownAgentId, unguarded });
    return key;
  }

  /** The terminal's shell process id, once VS Code knows it. */
  setPid(key: number, pid: number | undefined): void {
    const e = this.entries.get(key);
    if (!e || pid === undefined || !Number.isInteger(pid) || pid <= 0) return;
    if (e.pid !== undefined) this.byPid.delete(e.pid);
    e.pid = pid;
    this.byPid.set(pid, key);
    if (this.taskPids.has(pid)) this.markTask(pid);
  }

  /** A task started with this process id: its terminal is a task terminal. */
  markTask(pid: number): void {
    this.taskPids.add(pid);
    const key = this.byPid.get(pid);
    const e = key !== undefined ? this.entries.get(key) : undefined;
    if (e && e.origin !== 'copilot' && e.origin !== 'agent-profile') {
      e.origin = 'task';
      e.evidence = `runs a task (pid ${pid})`;
    }
  }

  remove(key: number): void {
    const e = this.entries.get(key);
    if (!e) return;
    if (e.pid !== undefined && this.byPid.get(e.pid) === key) this.byPid.delete(e.pid);
    this.entries.delete(key);
  }

  markGuarded(key: number): void {
    const e = this.entries.get(key);
    if (e) e.unguarded = false;
  }

  info(key: number): TerminalInfo | undefined {
    const e = this.entries.get(key);
    return e && { ...e, subject: this.subjectOf(e) };
  }

  list(): TerminalInfo[] {
    return [...this.entries.values()].map((e) => ({ ...e, subject: this.subjectOf(e) }));
  }

  terminalSubject(pidChain: readonly number[]): Subject | undefined {
    for (let depth = 0; depth < pidChain.length; depth++) {
      const key = this.byPid.get(pidChain[depth]);
      if (key === undefined) continue;
      const e = this.entries.get(key)!;
      const s = this.subjectOf(e);
      return depth === 0 ? s : { ...s, evidence: `${s.evidence}; the requester (pid ${pidChain[0]}) runs ${depth} level${depth === 1 ? '' : 's'} below its shell` };
    }
    return undefined;
  }

  private subjectOf(e: Entry): Subject {
    const where = `terminal "${e.name}"${e.pid !== undefined ? ` (shell pid ${e.pid})` : ''}`;
    switch (e.origin) {
      case 'person':
        return { kind: 'person', id: this.opts.user, method: 'terminal', evidence: `${where} ${e.evidence}` };
      case 'copilot':
        return { kind: 'agent', id: this.opts.copilotAgentId, method: 'terminal', evidence: `${where} ${e.evidence}` };
      case 'agent-profile':
        return { kind: 'agent', id: e.agentId ?? 'agent-terminal', method: 'terminal', evidence: `${where} ${e.evidence}` };
      case 'task':
      case 'extension':
        // Nobody proved who: unknown, which gets agent treatment (never a person's).
        return { kind: 'unknown', id: 'unknown', method: 'terminal', evidence: `${where} ${e.evidence}` };
    }
  }
}
