/**
 * Cline: an executable named `PreToolUse` in `.clinerules/hooks/` (workspace) or
 * `~/Documents/Cline/Hooks/` (global), with "Enable Hooks" on in Cline's settings.
 *
 * In:  {clineVersion, hookName: "PreToolUse", timestamp, taskId, workspaceRoots, userId,
 *       preToolUse: {toolName, parameters: {<name>: <string>}}} (non-string values are JSON)
 * Out: stdout {cancel: true|false, errorMessage, contextModification}, exit 0. Cline has no
 *       ask, and any non-zero exit, timeout (30 s) or bad JSON is logged and the tool runs:
 *       so every answer exits 0, and asks are settled before answering.
 * Sources: docs/agents.md.
 */
import { z } from 'zod';
import { applyPatchActions } from '../applyPatch';
import type { HookAdapter, HookCall, HookOutput, HookRequest, HookVerdict, ParseContext, ParseResult } from '../types';
import { fileAction, searchActions, jsonOrText, mcpAction, networkAction, stringField, payloadIssues } from '../toolActions';

const payload = z.object({
  hookName: z.string(),
  clineVersion: z.string().optional(),
  taskId: z.string().optional(),
  workspaceRoots: z.array(z.string()).default([]),
  preToolUse: z.object({ toolName: z.string().min(1), parameters: z.record(z.string(), z.unknown()).default({}) }).optional(),
});

/** Tools that act only on Cline's own conversation. */
const INTERNAL_TOOLS = new Set(['ask_followup_question', 'attempt_completion', 'plan_mode_respond', 'act_mode_respond', 'focus_chain', 'new_task', 'condense', 'summarize_task', 'report_bug', 'load_mcp_documentation', 'use_skill', 'use_subagents']);

export function clineToolRequest(tool: string, params: Record<string, unknown>, cwd: string, home: string): HookRequest {
  const str = (...k: string[]) => stringField(params, ...k);
  const one = (kind: 'file.read' | 'file.write', extra: { recursive?: boolean } = {}): HookRequest => {
    const p = str('path', 'absolutePath');
    return p ? { actions: [fileAction(kind, p, cwd, home, tool, extra)] } : { unknown: `${tool} without a path` };
  };
  switch (tool) {
    case 'execute_command': {
      const c = str('command');
      return c !== undefined ? { command: c } : { unknown: 'execute_command without a command' };
    }
    case 'write_to_file':
    case 'replace_in_file':
    case 'new_rule':
      return one('file.write');
    case 'read_file':
      return one('file.read');
    case 'list_files':
    case 'list_code_definition_names':
      return { actions: [fileAction('file.read', str('path') ?? '.', cwd, home, tool)] };
    case 'search_files':
      return { actions: searchActions(str('path'), str('file_pattern'), cwd, home, tool) };
    case 'apply_patch': {
      const patch = str('input', 'patch');
      return patch !== undefined ? { actions: applyPatchActions(patch, cwd, home, tool) } : { unknown: 'apply_patch without a patch' };
    }
    case 'use_mcp_tool': {
      const server = str('server_name');
      const name = str('tool_name');
      return server && name ? { actions: [mcpAction(server, name, jsonOrText(params.arguments))] } : { unknown: 'use_mcp_tool without server_name and tool_name' };
    }
    case 'access_mcp_resource': {
      const server = str('server_name');
      return server ? { actions: [mcpAction(server, 'resources/read', { uri: params.uri })] } : { unknown: 'access_mcp_resource without server_name' };
    }
    case 'web_fetch':
      return { actions: [networkAction(str('url'), tool)] };
    case 'web_search':
      return { actions: [networkAction(undefined, tool)] };
    case 'browser_action': {
      const action = str('action');
      if (action === 'close') return { actions: [] };
      // Launch names the page; clicks and typing act on whatever page is open.
      return { actions: [networkAction(action === 'launch' ? str('url') : undefined, tool)] };
    }
    default:
      return INTERNAL_TOOLS.has(tool) ? { actions: [] } : { unknown: tool };
  }
}

function answer(cancel: boolean, reason: string): HookOutput {
  const out = cancel ? { cancel: true, errorMessage: reason, contextModification: reason } : { cancel: false };
  return { stdout: JSON.stringify(out) + '\n', stderr: cancel ? reason + '\n' : '', exitCode: 0 };
}

export const clineAdapter: HookAdapter = {
  id: 'cline',
  displayName: 'Cline',
  nativeAsk: false,
  parse(raw: unknown, ctx: ParseContext): ParseResult {
    const r = payload.safeParse(raw);
    if (!r.success) return { ok: false, error: `not a Cline hook payload: ${payloadIssues(r.error)}` };
    const p = r.data;
    if (p.hookName !== 'PreToolUse') return { ok: false, error: `unexpected hook "${p.hookName}" (agentpolicy answers PreToolUse only)` };
    if (!p.preToolUse) return { ok: false, error: 'PreToolUse payload without preToolUse' };
    const cwd = p.workspaceRoots[0];
    if (!cwd || !cwd.startsWith('/')) return { ok: false, error: 'Cline hook payload without an absolute workspace root' };
    const { toolName, parameters } = p.preToolUse;
    const call: HookCall = {
      agent: 'cline',
      event: p.hookName,
      sessionId: p.taskId,
      cwd,
      tool: toolName,
      request: clineToolRequest(toolName, parameters, cwd, ctx.home),
      nativeAsk: false,
      input: parameters,
    };
    return { ok: true, call };
  },
  format(v: HookVerdict): HookOutput {
    // No ask in Cline: one that reaches here was not settled, and must not run.
    return answer(v.decision !== 'allow', v.reason);
  },
  denyOutput(reason: string): HookOutput {
    return answer(true, reason);
  },
};
