import * as fs from 'fs';
import * as path from 'path';
import { codexHome, type AgentName } from './agents';

/**
 * Register a plain command hook in an agent's own configuration, the way a user would by hand.
 * The capture runs and the failure-mode tests use it; the scenario suites use
 * `agentpolicy install-hooks` instead. The shapes here are the ones the pinned CLIs accepted
 * (docs/agent-harness.md).
 */

export type HookScope = 'repo' | 'user';

/** Every event at which each agent asks hooks before a tool runs. */
export const PRE_TOOL_EVENTS: Record<AgentName, string[]> = {
  'claude-code': ['PreToolUse', 'PermissionRequest'],
  gemini: ['BeforeTool'],
  codex: ['PreToolUse', 'PermissionRequest'],
};

export function hookConfigPath(agent: AgentName, scope: HookScope, home: string, workspace: string): string {
  const base = scope === 'repo' ? workspace : home;
  switch (agent) {
    case 'claude-code':
      return path.join(base, '.claude', 'settings.json');
    case 'gemini':
      return path.join(base, '.gemini', 'settings.json');
    case 'codex':
      return scope === 'repo' ? path.join(workspace, '.codex', 'hooks.json') : path.join(codexHome(home), 'hooks.json');
  }
}

export interface RegisterHookOptions {
  scope: HookScope;
  home: string;
  workspace: string;
  command: string;
  /** Seconds (converted to Gemini's milliseconds). Omitted: the agent's default. */
  timeoutSec?: number;
  events?: string[];
  /** Extra handler fields, e.g. Claude Code's `onFailure`. */
  handlerExtra?: Record<string, unknown>;
}

/** The handler group one event gets, in that agent's shape. */
export function hookGroup(agent: AgentName, o: Pick<RegisterHookOptions, 'command' | 'timeoutSec' | 'handlerExtra'>): Record<string, unknown> {
  const handler: Record<string, unknown> = { type: 'command', command: o.command, ...(o.handlerExtra ?? {}) };
  switch (agent) {
    case 'claude-code':
      if (o.timeoutSec !== undefined) handler.timeout = o.timeoutSec;
      return { matcher: '*', hooks: [handler] };
    case 'gemini':
      if (o.timeoutSec !== undefined) handler.timeout = o.timeoutSec * 1000;
      return { matcher: '.*', hooks: [{ name: 'capture', ...handler }] };
    case 'codex':
      if (o.timeoutSec !== undefined) handler.timeout = o.timeoutSec;
      return { hooks: [handler] };
  }
}

/** Write (replacing any hooks there, keeping other settings) and return the file's path. */
export function registerHook(agent: AgentName, o: RegisterHookOptions): string {
  const p = hookConfigPath(agent, o.scope, o.home, o.workspace);
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(fs.readFileSync(p, 'utf8')) as Record<string, unknown>;
  } catch {
    /* new file */
  }
  const hooks: Record<string, unknown> = {};
  for (const ev of o.events ?? PRE_TOOL_EVENTS[agent]) hooks[ev] = [hookGroup(agent, o)];
  current.hooks = hooks;
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, JSON.stringify(current, null, 2) + '\n');
  return p;
}

export const CAPTURE_HOOK = path.resolve(__dirname, '..', '..', '..', 'test', 'agents', 'capture-hook.mjs');

/** The command line that runs the capture hook for `agent`, logging to `log`. */
export function captureCommand(agent: AgentName, log: string): string {
  return `${JSON.stringify(process.execPath)} ${JSON.stringify(CAPTURE_HOOK)} ${agent} ${JSON.stringify(log)}`;
}

export function setCaptureMode(log: string, mode: string, tools?: Record<string, string>): void {
  fs.writeFileSync(`${log}.mode`, JSON.stringify({ mode, tools }));
}

export interface CaptureRecord {
  t: string;
  agent: string;
  event: string | null;
  tool: string | null;
  mode: string;
  argv: string[];
  cwd: string;
  env_names: string[];
  env: Record<string, string>;
  parent: { pid: number; ppid: number; exe: string | null; cmd: string[] } | null;
  grandparent: { pid: number; ppid: number; exe: string | null; cmd: string[] } | null;
  stdin: unknown;
}

export function readCapture(log: string): CaptureRecord[] {
  if (!fs.existsSync(log)) return [];
  return fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CaptureRecord);
}
