/**
 * GitHub Copilot, two hook runtimes with two payload shapes, told apart by their fields:
 *
 * - VS Code agent hooks (`vscode`): {timestamp, hookEventName: "PreToolUse", sessionId,
 *   transcript_path, cwd, tool_name, tool_input, tool_use_id}; the answer is Claude Code's
 *   {hookSpecificOutput: {hookEventName, permissionDecision, permissionDecisionReason}};
 *   exit 2 also blocks.
 * - Copilot CLI and the cloud agent (`cli`): {timestamp, cwd, toolName, toolArgs: "<JSON>"};
 *   the answer is {permissionDecision, permissionDecisionReason} on stdout. The cloud agent
 *   processes only deny, so there asks are settled before answering.
 *
 * An unreadable payload gets a deny both runtimes read (both shapes in one JSON, exit 0:
 * the CLI treats a non-zero exit as a failed hook and runs the tool).
 * Sources: docs/agents.md.
 */
import { z } from 'zod';
import { applyPatchActions } from '../applyPatch';
import { claudeToolRequest } from '../claude-code/hook';
import type { HookAdapter, HookCall, HookOutput, HookRequest, HookVerdict, ParseContext, ParseResult } from '../types';
import { fileAction, searchActions, jsonOrText, mcpAction, networkAction, splitSingleUnderscoreMcp, stringField, payloadIssues } from '../toolActions';

const vscodePayload = z.object({
  hookEventName: z.string().optional(),
  hook_event_name: z.string().optional(),
  sessionId: z.string().optional(),
  session_id: z.string().optional(),
  cwd: z.string().min(1),
  tool_name: z.string().min(1),
  tool_input: z.unknown(),
  tool_use_id: z.string().optional(),
});

const cliPayload = z.object({
  cwd: z.string().min(1),
  toolName: z.string().min(1),
  toolArgs: z.unknown(),
  sessionId: z.string().optional(),
  timestamp: z.union([z.number(), z.string()]).optional(),
});

/** Tools that act only on the agent's own state. */
const INTERNAL_TOOLS = new Set(['manage_todo_list', 'todo_write', 'update_todo', 'report_intent', 'think', 'task_complete', 'get_errors', 'get_changed_files', 'get_terminal_output', 'terminal_last_command', 'terminal_selection', 'read_bash', 'stop_bash', 'list_bash']);

function obj(v: unknown): Record<string, unknown> {
  const j = jsonOrText(v);
  return typeof j === 'object' && j !== null && !Array.isArray(j) ? (j as Record<string, unknown>) : {};
}

/** VS Code's and the CLI's tool names; anything Claude Code-shaped falls through to that mapping. */
export function copilotToolRequest(tool: string, rawInput: unknown, cwd: string, home: string): HookRequest {
  const input = obj(rawInput);
  const str = (...k: string[]) => stringField(input, ...k);
  const write = (...keys: string[]): HookRequest => {
    const p = str(...keys);
    return p ? { actions: [fileAction('file.write', p, cwd, home, tool)] } : { unknown: `${tool} without a path` };
  };
  const read = (...keys: string[]): HookRequest => {
    const p = str(...keys);
    return p ? { actions: [fileAction('file.read', p, cwd, home, tool)] } : { unknown: `${tool} without a path` };
  };
  switch (tool) {
    case 'run_in_terminal':
    case 'runInTerminal':
    case 'bash':
    case 'write_bash':
    case 'powershell': {
      const c = str('command', 'input');
      return c !== undefined ? { command: c } : { unknown: `${tool} without a command` };
    }
    case 'create_file':
    case 'replace_string_in_file':
    case 'insert_edit_into_file':
    case 'edit_notebook_file':
    case 'create_new_jupyter_notebook':
    case 'create':
    case 'edit':
    case 'str_replace':
    case 'insert':
      return write('filePath', 'path', 'file_path');
    case 'create_directory':
      return write('dirPath', 'path');
    case 'multi_replace_string_in_file': {
      const reps = Array.isArray(input.replacements) ? input.replacements : [];
      const paths = reps.map((r) => stringField(r, 'filePath', 'path')).filter((p): p is string => !!p);
      return paths.length ? { actions: [...new Set(paths)].map((p) => fileAction('file.write', p, cwd, home, tool)) } : { unknown: `${tool} without paths` };
    }
    case 'editFiles': {
      const files = Array.isArray(input.files) ? input.files.filter((f): f is string => typeof f === 'string') : [];
      return files.length ? { actions: files.map((p) => fileAction('file.write', p, cwd, home, tool)) } : { unknown: `${tool} without files` };
    }
    case 'str_replace_editor': {
      // One tool, several commands: view reads, the others write.
      const p = str('path');
      if (!p) return { unknown: `${tool} without a path` };
      return { actions: [fileAction(str('command') === 'view' ? 'file.read' : 'file.write', p, cwd, home, tool)] };
    }
    case 'apply_patch': {
      // The CLI may pass the patch itself as the tool's argument, not an object holding it.
      const bare = jsonOrText(rawInput);
      const patch = typeof bare === 'string' ? bare : str('input', 'patch', 'command');
      return patch !== undefined ? { actions: applyPatchActions(patch, cwd, home, tool) } : { unknown: 'apply_patch without a patch' };
    }
    case 'read_file':
    case 'view':
    case 'read_notebook_cell_output':
      return read('filePath', 'path', 'file_path');
    case 'list_dir':
    case 'glob':
    case 'file_search':
      return { actions: [fileAction('file.read', str('path', 'dirPath') ?? '.', cwd, home, tool)] };
    case 'grep_search':
    case 'grep':
    case 'semantic_search':
    case 'search':
      return { actions: searchActions(str('path'), str('includePattern', 'glob'), cwd, home, tool) };
    case 'fetch_webpage':
    case 'web_fetch':
    case 'open_simple_browser': {
      const urls = Array.isArray(input.urls) ? input.urls.filter((u): u is string => typeof u === 'string') : str('url') ? [str('url')!] : [];
      return { actions: urls.length ? urls.map((u) => networkAction(u, tool)) : [networkAction(undefined, tool)] };
    }
    case 'web_search':
    case 'github_repo':
      return { actions: [networkAction(undefined, tool)] };
    default: {
      const m = splitSingleUnderscoreMcp(tool);
      if (m) return { actions: [mcpAction(m.server, m.tool, input)] };
      if (INTERNAL_TOOLS.has(tool)) return { actions: [] };
      // VS Code also runs Claude Code-format hooks with Claude Code's tool names.
      return claudeToolRequest(tool, input, cwd, home);
    }
  }
}

/** The cloud agent runs in GitHub Actions; there only deny is processed. */
function inCloudAgent(env: ParseContext['env']): boolean {
  return env?.GITHUB_ACTIONS === 'true' || env?.COPILOT_AGENT_ACTION !== undefined;
}

export const copilotAdapter: HookAdapter = {
  id: 'copilot',
  displayName: 'GitHub Copilot',
  nativeAsk: true,
  parse(raw: unknown, ctx: ParseContext): ParseResult {
    const isObj = typeof raw === 'object' && raw !== null;
    if (isObj && 'tool_name' in raw) {
      const r = vscodePayload.safeParse(raw);
      if (!r.success) return { ok: false, error: `not a VS Code agent hook payload: ${payloadIssues(r.error)}` };
      const p = r.data;
      const event = p.hookEventName ?? p.hook_event_name ?? 'PreToolUse';
      if (event !== 'PreToolUse') return { ok: false, error: `unexpected hook event "${event}" (agentpolicy answers PreToolUse only)` };
      const call: HookCall = {
        agent: 'copilot',
        variant: 'vscode',
        event,
        sessionId: p.sessionId ?? p.session_id,
        toolUseId: p.tool_use_id,
        cwd: p.cwd,
        tool: p.tool_name,
        request: copilotToolRequest(p.tool_name, p.tool_input, p.cwd, ctx.home),
        nativeAsk: true,
        input: p.tool_input,
      };
      return { ok: true, call };
    }
    if (isObj && 'toolName' in raw) {
      const r = cliPayload.safeParse(raw);
      if (!r.success) return { ok: false, error: `not a Copilot CLI hook payload: ${payloadIssues(r.error)}` };
      const p = r.data;
      const call: HookCall = {
        agent: 'copilot',
        variant: 'cli',
        event: 'preToolUse',
        sessionId: p.sessionId,
        cwd: p.cwd,
        tool: p.toolName,
        request: copilotToolRequest(p.toolName, p.toolArgs, p.cwd, ctx.home),
        nativeAsk: !inCloudAgent(ctx.env),
        input: jsonOrText(p.toolArgs),
      };
      return { ok: true, call };
    }
    return { ok: false, error: 'not a Copilot hook payload: neither tool_name (VS Code) nor toolName (Copilot CLI)' };
  },
  format(v: HookVerdict, call?: HookCall): HookOutput {
    if (v.decision === 'deny' || !call) return v.decision === 'deny' ? this.denyOutput(v.reason) : this.denyOutput(`agentpolicy: deny: ${v.reason}`);
    const out =
      call.variant === 'vscode'
        ? { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: v.decision, permissionDecisionReason: v.reason } }
        : { permissionDecision: v.decision, permissionDecisionReason: v.reason };
    return { stdout: JSON.stringify(out) + '\n', stderr: '', exitCode: 0 };
  },
  denyOutput(reason: string): HookOutput {
    const out = { permissionDecision: 'deny', permissionDecisionReason: reason, hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } };
    return { stdout: JSON.stringify(out) + '\n', stderr: reason + '\n', exitCode: 0 };
  },
};
