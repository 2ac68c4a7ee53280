/**
 * Claude Code: a `PreToolUse` command hook (settings.json `hooks.PreToolUse`).
 *
 * In:  {session_id, transcript_path, cwd, permission_mode, hook_event_name: "PreToolUse",
 *       tool_name, tool_input, tool_use_id}
 * Out: stdout {hookSpecificOutput: {hookEventName: "PreToolUse", permissionDecision:
 *       allow|ask|deny, permissionDecisionReason}}; exit 2 with the reason on stderr also
 *       blocks (stdout is then ignored), so a deny carries both.
 * Under bypassPermissions (and auto mode) Claude Code approves a hook's `ask` without a
 * prompt, so those calls are settled by the decision path instead.
 * Sources: docs/agents.md.
 */
import { z } from 'zod';
import type { HookAdapter, HookCall, HookOutput, HookRequest, HookVerdict, ParseContext, ParseResult } from '../types';
import { fileAction, searchActions, mcpAction, networkAction, splitDoubleUnderscoreMcp, stringField, payloadIssues } from '../toolActions';

const payload = z.object({
  hook_event_name: z.string(),
  session_id: z.string().optional(),
  transcript_path: z.string().nullable().optional(),
  cwd: z.string().min(1),
  permission_mode: z.string().optional(),
  tool_name: z.string().min(1),
  tool_input: z.record(z.string(), z.unknown()).default({}),
  tool_use_id: z.string().optional(),
});

/** Permission modes in which Claude Code does not prompt on a hook's ask. */
const NO_PROMPT_MODES = new Set(['bypassPermissions', 'auto', 'dontAsk']);

/** Tools that act only on Claude Code's own state (plans, todos, subagents whose tools are hooked too). */
const INTERNAL_TOOLS = new Set(['TodoWrite', 'Task', 'Agent', 'ExitPlanMode', 'EnterPlanMode', 'AskUserQuestion', 'TaskCreate', 'TaskGet', 'TaskUpdate', 'TaskList', 'TaskStop', 'TaskOutput', 'BashOutput', 'KillShell', 'KillBash']);

export function claudeToolRequest(tool: string, input: Record<string, unknown>, cwd: string, home: string): HookRequest {
  const str = (...k: string[]) => stringField(input, ...k);
  const file = (kind: 'file.read' | 'file.write', ...keys: string[]): HookRequest => {
    const p = str(...keys);
    return p ? { actions: [fileAction(kind, p, cwd, home, tool)] } : { unknown: `${tool} without a path` };
  };
  switch (tool) {
    case 'Bash': {
      const c = input.command;
      return typeof c === 'string' ? { command: c } : { unknown: 'Bash without a command' };
    }
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
      return file('file.write', 'file_path');
    case 'NotebookEdit':
      return file('file.write', 'notebook_path', 'file_path');
    case 'Read':
      return file('file.read', 'file_path');
    case 'NotebookRead':
      return file('file.read', 'notebook_path', 'file_path');
    case 'Grep':
      return { actions: searchActions(str('path'), str('glob'), cwd, home, tool) };
    case 'Glob':
    case 'LS':
      // Listing names is not reading contents.
      return { actions: [fileAction('file.read', str('path') ?? '.', cwd, home, tool)] };
    case 'WebFetch':
      return { actions: [networkAction(str('url'), tool)] };
    case 'WebSearch':
      // The search runs on the vendor's side against hosts nobody named.
      return { actions: [networkAction(undefined, tool)] };
    case 'ListMcpResourcesTool':
      return { actions: [mcpAction(str('server') ?? '*', 'resources/list', input)] };
    case 'ReadMcpResourceTool':
      return { actions: [mcpAction(str('server') ?? '*', 'resources/read', input)] };
    default: {
      const mcp = splitDoubleUnderscoreMcp(tool);
      if (mcp) return { actions: [mcpAction(mcp.server, mcp.tool, input)] };
      if (INTERNAL_TOOLS.has(tool)) return { actions: [] };
      return { unknown: tool };
    }
  }
}

function pretoolOutput(decision: 'allow' | 'ask' | 'deny', reason: string): string {
  return JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: decision, permissionDecisionReason: reason } }) + '\n';
}

export const claudeCodeAdapter: HookAdapter = {
  id: 'claude-code',
  displayName: 'Claude Code',
  nativeAsk: true,
  parse(raw: unknown, ctx: ParseContext): ParseResult {
    const r = payload.safeParse(raw);
    if (!r.success) return { ok: false, error: `not a Claude Code hook payload: ${payloadIssues(r.error)}` };
    const p = r.data;
    if (p.hook_event_name !== 'PreToolUse') return { ok: false, error: `unexpected hook event "${p.hook_event_name}" (agentpolicy answers PreToolUse only)` };
    const call: HookCall = {
      agent: 'claude-code',
      event: p.hook_event_name,
      sessionId: p.session_id,
      toolUseId: p.tool_use_id,
      cwd: p.cwd,
      tool: p.tool_name,
      request: claudeToolRequest(p.tool_name, p.tool_input, p.cwd, ctx.home),
      nativeAsk: !NO_PROMPT_MODES.has(p.permission_mode ?? 'default'),
      input: p.tool_input,
    };
    return { ok: true, call };
  },
  format(v: HookVerdict): HookOutput {
    if (v.decision === 'deny') return this.denyOutput(v.reason);
    return { stdout: pretoolOutput(v.decision, v.reason), stderr: '', exitCode: 0 };
  },
  denyOutput(reason: string): HookOutput {
    return { stdout: pretoolOutput('deny', reason), stderr: reason + '\n', exitCode: 2 };
  },
};
