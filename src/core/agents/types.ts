/**
 * The contract every agent's hook adapter keeps. An adapter only translates: the agent's
 * hook payload in, a `HookCall` (the tool call as typed actions, shell text or "unknown")
 * out; a verdict in, the agent's exact stdout / stderr / exit code out. Deciding is done
 * elsewhere (the PDP in-process, or the broker), so an adapter never re-derives why.
 */
import type { Action } from '../actions/types';

export const AGENT_IDS = ['claude-code', 'copilot', 'cursor', 'gemini', 'codex', 'cline'] as const;
export type AgentId = (typeof AGENT_IDS)[number];

/** Names a person may type for an agent (`agentpolicy hook claude`). */
export const AGENT_ALIASES: Readonly<Record<string, AgentId>> = {
  'claude-code': 'claude-code',
  claude: 'claude-code',
  copilot: 'copilot',
  cursor: 'cursor',
  gemini: 'gemini',
  'gemini-cli': 'gemini',
  codex: 'codex',
  cline: 'cline',
};

export function agentIdOf(name: string): AgentId | undefined {
  return Object.prototype.hasOwnProperty.call(AGENT_ALIASES, name) ? AGENT_ALIASES[name] : undefined;
}

/**
 * What the tool call would do:
 * - `command`: shell text, to be analysed with the bash grammar in `cwd`;
 * - `actions`: typed actions (file writes and reads of exact paths, network hosts, MCP calls);
 * - `unknown`: a tool the adapter cannot map. It is never allowed: at least ask.
 */
export type HookRequest = { command: string } | { actions: Action[] } | { unknown: string };

export interface HookCall {
  agent: AgentId;
  /** Which of the agent's payload shapes this was (Copilot: `vscode` or `cli`). */
  variant?: string;
  /** The agent's event name as it sent it (`PreToolUse`, `beforeShellExecution`, …). */
  event: string;
  sessionId?: string;
  toolUseId?: string;
  /** Absolute folder the tool runs in (shell commands are analysed from here). */
  cwd: string;
  /** The tool's name as the agent called it. */
  tool: string;
  request: HookRequest;
  /**
   * True when the agent itself prompts the developer on `ask` for this call. False where it
   * has no ask, ignores it, or treats it as go (a bypass mode): the decision path then settles
   * the ask (the developer through the broker, else deny) before answering.
   */
  nativeAsk: boolean;
  /** The tool's input as the agent sent it, for the audit trail and the approval prompt. */
  input?: unknown;
}

export type HookDecision = 'allow' | 'ask' | 'deny';

/** What the decision path tells the adapter to answer. */
export interface HookVerdict {
  decision: HookDecision;
  /** One line the model (and the developer) reads: what, which rule and layer, what to do instead. */
  reason: string;
}

/** The agent's exact answer. */
export interface HookOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export type ParseResult = { ok: true; call: HookCall } | { ok: false; error: string };

/** What parse() may consult besides the payload. */
export interface ParseContext {
  /** For `~` in paths the agent sends. */
  home: string;
  /** The hook process's environment (only to tell an agent's variants apart). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface HookAdapter {
  readonly id: AgentId;
  readonly displayName: string;
  /** Whether the agent can ever prompt on ask (per call, `HookCall.nativeAsk` decides). */
  readonly nativeAsk: boolean;
  /** Validates the payload (zod) and maps the tool call. Never throws. */
  parse(payload: unknown, ctx: ParseContext): ParseResult;
  /** The verdict in the agent's own convention. `call` is absent when the payload could not be read. */
  format(verdict: HookVerdict, call?: HookCall): HookOutput;
  /**
   * A deny that every event and payload shape this adapter is installed for obeys: used when
   * the payload is unreadable, on internal errors and (generated at build time) by the launcher.
   */
  denyOutput(reason: string): HookOutput;
}
