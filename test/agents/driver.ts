import { spawn } from 'child_process';
import * as path from 'path';
import { launch, prepareHome, type AgentName } from './agents';
import { startFakeModel, type RecordedRequest, type ToolResult, type Turn } from './fakeModel';

export type { AgentName } from './agents';
export type { Turn, ToolCall, ToolResult, RecordedRequest } from './fakeModel';

export interface RunAgentOptions {
  agent: AgentName;
  /** The agent's cwd: a temp git repo (see makeSandbox). */
  workspace: string;
  /** A throwaway HOME; settings the agent needs offline are merged into it. */
  home: string;
  /** The scripted model: one entry per model turn. */
  turns: Turn[];
  prompt?: string;
  /** Extra environment (merged last). The agent never inherits the harness's environment. */
  env?: Record<string, string>;
  /** Put in front of the agent's command line, e.g. ['node', cli, 'run', '--']. */
  prefix?: string[];
  /** Extra CLI arguments for the agent. */
  extraArgs?: string[];
  /** Flags to leave out of the agent's default command line (e.g. Codex's --dangerously-bypass-hook-trust). */
  dropArgs?: string[];
  timeoutMs?: number;
  /** Do not mark the workspace trusted (Gemini trustedFolders, Codex projects, Claude trust dialog). */
  untrusted?: boolean;
}

export interface RunAgentResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Every request the fake model received. */
  requests: RecordedRequest[];
  /** Tool results as the model received them. */
  toolResults: ToolResult[];
  /** Every request body joined: for "never reached the model" assertions. */
  modelText: string;
  argv: string[];
}

/** A minimal PATH: the system's plus the folder of the node that runs the harness (the CLIs' shebang). */
export function basePath(): string {
  return [path.dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':');
}

/**
 * Run one real agent CLI headless against a fresh fake model that plays `turns`, in `workspace`
 * with `home` as HOME, and collect what happened. The process gets its own process group, which
 * is killed on timeout.
 */
export async function runAgent(o: RunAgentOptions): Promise<RunAgentResult> {
  const model = await startFakeModel({ turns: o.turns });
  const started = Date.now();
  try {
    prepareHome(o.agent, o.home, o.workspace, { trustWorkspace: !o.untrusted });
    const spec = launch(o.agent, { home: o.home, workspace: o.workspace, modelUrl: model.url, prompt: o.prompt ?? 'Do the task.', extraArgs: o.extraArgs });
    const env: Record<string, string> = {
      PATH: basePath(),
      HOME: o.home,
      USER: process.env.USER ?? 'root',
      LOGNAME: process.env.USER ?? 'root',
      SHELL: '/bin/bash',
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      // As when launched from a terminal. Without it, bash started by Claude Code (stdin is a
      // socket) takes bash's "run by rshd" path: reads ~/.bashrc and skips BASH_ENV.
      SHLVL: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      // The sandbox's own runtime dir (made by makeSandbox next to home): registry and daemon stay there.
      XDG_RUNTIME_DIR: path.join(path.dirname(o.home), 'run'),
      ...spec.env,
      ...(o.env ?? {}),
    };
    const argv = [...(o.prefix ?? []), ...spec.argv.filter((a) => !(o.dropArgs ?? []).includes(a))];
    const r = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string; timedOut: boolean }>((resolve) => {
      const child = spawn(argv[0], argv.slice(1), { cwd: o.workspace, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let out = '';
      let err = '';
      let timedOut = false;
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const kill = (sig: NodeJS.Signals) => {
        try {
          if (child.pid) process.kill(-child.pid, sig);
        } catch {
          /* already gone */
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill('SIGTERM');
        setTimeout(() => kill('SIGKILL'), 3000).unref();
      }, o.timeoutMs ?? 120_000);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ code: null, signal: null, out, err: err + String(e), timedOut });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        // Anything the agent left running in its group (background shells, MCP servers) goes too.
        kill('SIGKILL');
        resolve({ code, signal, out, err, timedOut });
      });
    });
    return {
      exitCode: r.code,
      signal: r.signal,
      timedOut: r.timedOut,
      stdout: r.out,
      stderr: r.err,
      durationMs: Date.now() - started,
      requests: model.requests,
      toolResults: model.toolResults(),
      modelText: model.allText(),
      argv,
    };
  } finally {
    await model.close();
  }
}
