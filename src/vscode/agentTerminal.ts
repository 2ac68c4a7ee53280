import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { quickProbe } from '../core/sandbox/launch';
import type { GuardService } from './guardService';
import { COMMANDS, SETTINGS, TERMINAL_PROFILE } from './ids';
import { dispose } from './logger';

/**
 * The "Agent terminal" profile (terminal dropdown → Agent terminal): a guarded shell for agent
 * CLIs (claude, gemini, codex…) whose commands are attributed to the agent id in
 * `agentPolicy.agentTerminal.agentId`, with a credential of its own.
 *
 * The credential reaches the shell through a one-time rc file in the broker's private 0700
 * folder (read, then deleted, before the first prompt): the environment collection VS Code
 * applies to every terminal would otherwise replace it with the person's.
 *
 * Sandboxed (`agentPolicy.agentTerminal.sandbox`, on by default): the shell runs under
 * `agentpolicy run --agent <id>` (the bundled CLI, through this window's broker), which puts it
 * in the policy's bubblewrap sandbox (src/core/sandbox/launch.ts): protected paths read-only,
 * secrets hidden, no direct network, pushes through the guard. Where no sandbox can be made here
 * (no bwrap, user namespaces off, not Linux) the terminal opens guarded but unsandboxed and says
 * why, in its first line and in the log.
 */
export class AgentTerminalProfile implements vscode.Disposable, vscode.TerminalProfileProvider {
  private disposables: vscode.Disposable[] = [];

  constructor(private readonly guard: GuardService, private readonly log: (m: string) => void) {
    this.disposables.push(
      vscode.window.registerTerminalProfileProvider(TERMINAL_PROFILE, this),
      vscode.commands.registerCommand(COMMANDS.newAgentTerminal, async (agentId?: string) => {
        const t = guard.terminals.create((await this.options(typeof agentId === 'string' ? agentId : undefined)) as vscode.TerminalOptions, 'agent-profile', typeof agentId === 'string' ? agentId : this.agentId());
        t.show();
        return t;
      }),
    );
  }

  /**
   * `npm start`'s demo: with AGENTPOLICY_DEMO_AGENT=<agent id>=<script> in the environment VS Code
   * was started with, an Agent terminal for that agent opens once the guard is up and the
   * script's lines are typed into it, one after the other, as an agent's terminal tool does
   * (each line judged at the prompt; a refused line is skipped and the next one runs). Nothing
   * else starts it.
   */
  async startDemoAgent(): Promise<vscode.Terminal | undefined> {
    const spec = process.env.AGENTPOLICY_DEMO_AGENT;
    const m = spec ? /^([A-Za-z0-9][A-Za-z0-9_.:-]*)=(\/.+)$/.exec(spec) : null;
    if (!m || !fs.existsSync(m[2])) return undefined;
    const [, id, script] = m;
    const lines = fs.readFileSync(script, 'utf8').split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#'));
    this.log(`[agentTerminal] demo: typing ${lines.length} line(s) of ${script} as agent ${id}`);
    const opts = await this.options(id);
    const t = this.guard.terminals.create({ ...opts, name: `Agent: ${id} (demo)` }, 'agent-profile', id);
    t.show(true);
    await t.processId;
    await new Promise((r) => setTimeout(r, 2500));
    for (const l of lines) t.sendText(l);
    return t;
  }

  private agentId(): string {
    return vscode.workspace.getConfiguration().get<string>(SETTINGS.agentTerminalAgentId) || 'agent-terminal';
  }

  async provideTerminalProfile(): Promise<vscode.TerminalProfile> {
    return new vscode.TerminalProfile(await this.options());
  }

  /** The options of a new agent terminal: bash with the agent's own credential, in the sandbox where one can be made. */
  async options(agentId = this.agentId()): Promise<vscode.TerminalOptions> {
    const env = await this.guard.agentEnvironment(agentId);
    const dir = this.guard.address?.dir;
    if (!dir) throw new Error('the guard is not running');
    const want = vscode.workspace.getConfiguration().get<boolean>(SETTINGS.agentTerminalSandbox) ?? false;
    const probe = want ? quickProbe() : { ok: false, reason: 'agentPolicy.agentTerminal.sandbox is off', fix: 'turn the setting on' };
    const sandboxed = want && probe.ok;
    const rc = path.join(dir, `agent-terminal-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.rc`);
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const note = sandboxed ? ', in the sandbox' : ` — not sandboxed: ${probe.reason}`;
    fs.writeFileSync(
      rc,
      [
        '# Agent Policy: the agent terminal (this file removes itself).',
        // Unsandboxed, the terminal's own credential (the environment collection would give every
        // terminal the same one); sandboxed, `agentpolicy run` issued one for it already.
        ...(sandboxed ? [] : [`export AGENTPOLICY_TOKEN=${q(env.AGENTPOLICY_TOKEN)}`]),
        `export AGENTPOLICY_TERMINAL_AGENT=${q(agentId)}`,
        `/bin/rm -f -- ${q(rc)}`, // by path: the PATH shim would judge it as the agent's
        '[ -r ~/.bashrc ] && . ~/.bashrc',
        `printf '\\033[2mAgent Policy: agent terminal for %s — every command here is judged as that agent%s.\\033[0m\\n' ${q(agentId)} ${q(note)}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    this.log(`[agentTerminal] new agent terminal for ${agentId}${note}`);
    const base = { name: `Agent: ${agentId}`, cwd: vscode.workspace.workspaceFolders?.[0]?.uri, iconPath: new vscode.ThemeIcon('hubot') };
    if (!sandboxed) return { ...base, shellPath: '/bin/bash', shellArgs: ['--rcfile', rc, '-i'], env: { AGENTPOLICY_TERMINAL_AGENT: agentId } };
    return {
      ...base,
      name: `Agent: ${agentId} (sandboxed)`,
      shellPath: process.execPath,
      shellArgs: [env.AGENTPOLICY_CLI_JS, 'run', '--agent', agentId, '--', '/bin/bash', '--rcfile', rc, '-i'],
      // The extension host's node (Electron in desktop VS Code: ELECTRON_RUN_AS_NODE makes it node).
      env: { AGENTPOLICY_TERMINAL_AGENT: agentId, ELECTRON_RUN_AS_NODE: '1' },
    };
  }

  dispose(): void {
    this.disposables = dispose(this.disposables);
  }
}
