/**
 * Gemini CLI: a `BeforeTool` command hook (settings.json `hooks.BeforeTool`).
 *
 * In:  {session_id, transcript_path, cwd, hook_event_name: "BeforeTool", timestamp,
 *       tool_name, tool_input, mcp_context?: {server_name, tool_name, …}}
 * Out: stdout {decision: allow|ask|deny, reason}; `reason` goes to the model on deny. Exit 2
 *       also blocks (stderr is the reason), other exit codes and timeouts let the tool run, so
 *       a deny carries both. `ask` forces Gemini's confirmation even in --yolo.
 * Sources: docs/agents.md.
 */
import * as path from 'path';
import { z } from 'zod';
import type { HookAdapter, HookCall, HookOutput, HookRequest, HookVerdict, ParseContext, ParseResult } from '../types';
import { fileAction, searchActions, mcpAction, networkAction, splitSingleUnderscoreMcp, stringField, urlsIn, payloadIssues } from '../toolActions';

const payload = z.object({
  hook_event_name: z.string(),
  session_id: z.string().optional(),
  transcript_path: z.string().nullable().optional(),
  cwd: z.string().min(1),
  timestamp: z.string().optional(),
  tool_name: z.string().min(1),
  tool_input: z.record(z.string(), z.unknown()).default({}),
  mcp_context: z.object({ server_name: z.string().min(1), tool_name: z.string().min(1) }).passthrough().optional(),
  original_request_name: z.string().optional(),
});

/** Tools that act only on Gemini CLI's own session state. */
const INTERNAL_TOOLS = new Set(['write_todos', 'ask_user', 'exit_plan_mode', 'enter_plan_mode', 'update_topic', 'complete_task', 'get_internal_docs', 'activate_skill']);

export function geminiToolRequest(tool: string, input: Record<string, unknown>, cwd: string, home: string, mcp?: { server_name: string; tool_name: string }): HookRequest {
  const str = (...k: string[]) => stringField(input, ...k);
  if (mcp) return { actions: [mcpAction(mcp.server_name, mcp.tool_name, input)] };
  switch (tool) {
    case 'run_shell_command': {
      const c = input.command;
      if (typeof c !== 'string') return { unknown: 'run_shell_command without a command' };
      return { command: c };
    }
    case 'write_file':
    case 'replace':
    case 'edit': {
      const p = str('file_path', 'absolute_path', 'path');
      return p ? { actions: [fileAction('file.write', p, cwd, home, tool)] } : { unknown: `${tool} without a path` };
    }
    case 'read_file': {
      const p = str('file_path', 'absolute_path', 'path');
      return p ? { actions: [fileAction('file.read', p, cwd, home, tool)] } : { unknown: `${tool} without a path` };
    }
    case 'read_many_files': {
      const list = [input.include, input.paths].flatMap((v) => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : [])).filter((x): x is string => typeof x === 'string');
      if (!list.length) return { unknown: 'read_many_files without paths' };
      return { actions: list.map((p) => fileAction('file.read', p, cwd, home, tool, { glob: /[*?[{]/.test(p) })) };
    }
    case 'grep_search':
    case 'search_file_content':
      return { actions: searchActions(str('dir_path', 'path'), str('include_pattern', 'include'), cwd, home, tool) };
    case 'glob':
    case 'list_directory':
      return { actions: [fileAction('file.read', str('dir_path', 'path') ?? '.', cwd, home, tool)] };
    case 'web_fetch': {
      const urls = [...urlsIn(str('prompt') ?? ''), ...(str('url') ? [str('url')!] : [])];
      return { actions: urls.length ? urls.map((u) => networkAction(u, tool)) : [networkAction(undefined, tool)] };
    }
    case 'google_web_search':
      return { actions: [networkAction(undefined, tool)] };
    case 'save_memory':
      // Memory is instructions for every later session: a write to the user's GEMINI.md.
      return { actions: [fileAction('file.write', path.posix.join(home, '.gemini', 'GEMINI.md'), cwd, home, tool)] };
    case 'read_mcp_resource':
    case 'list_mcp_resources':
      return { actions: [mcpAction(str('server_name', 'server') ?? '*', tool === 'read_mcp_resource' ? 'resources/read' : 'resources/list', input)] };
    default: {
      const m = splitSingleUnderscoreMcp(tool);
      if (m) return { actions: [mcpAction(m.server, m.tool, input)] };
      if (INTERNAL_TOOLS.has(tool)) return { actions: [] };
      return { unknown: tool };
    }
  }
}

export const geminiAdapter: HookAdapter = {
  id: 'gemini',
  displayName: 'Gemini CLI',
  nativeAsk: true,
  parse(raw: unknown, ctx: ParseContext): ParseResult {
    const r = payload.safeParse(raw);
    if (!r.success) return { ok: false, error: `not a Gemini CLI hook payload: ${payloadIssues(r.error)}` };
    const p = r.data;
    if (p.hook_event_name !== 'BeforeTool') return { ok: false, error: `unexpected hook event "${p.hook_event_name}" (agentpolicy answers BeforeTool only)` };
    // The shell tool may name its own folder; relative ones are from the project.
    const dir = p.tool_name === 'run_shell_command' ? stringField(p.tool_input, 'dir_path', 'directory') : undefined;
    const cwd = dir ? path.posix.resolve(p.cwd, dir) : p.cwd;
    const call: HookCall = {
      agent: 'gemini',
      event: p.hook_event_name,
      sessionId: p.session_id,
      cwd,
      tool: p.original_request_name ?? p.tool_name,
      request: geminiToolRequest(p.tool_name, p.tool_input, cwd, ctx.home, p.mcp_context),
      nativeAsk: true,
      input: p.tool_input,
    };
    return { ok: true, call };
  },
  format(v: HookVerdict): HookOutput {
    if (v.decision === 'deny') return this.denyOutput(v.reason);
    const out = v.decision === 'ask' ? { decision: 'ask', reason: v.reason, systemMessage: v.reason } : { decision: 'allow' };
    return { stdout: JSON.stringify(out) + '\n', stderr: '', exitCode: 0 };
  },
  denyOutput(reason: string): HookOutput {
    return { stdout: JSON.stringify({ decision: 'deny', reason }) + '\n', stderr: reason + '\n', exitCode: 2 };
  },
};
