/**
 * Cursor agent hooks (.cursor/hooks.json, version 1). One payload per event, with the common
 * {conversation_id, generation_id, hook_event_name, workspace_roots, …}:
 *
 * - beforeShellExecution {command, cwd}            → {permission: allow|deny|ask, user_message, agent_message}
 * - beforeMCPExecution  {tool_name, tool_input, url | command} → same, ask supported
 * - beforeReadFile      {file_path, content}       → {permission: allow|deny}
 * - preToolUse          {tool_name, tool_input, tool_use_id} → {decision/permission: allow|deny}
 *
 * Exit 2 blocks too; with `failClosed: true` (set by install-hooks) a crash, a timeout or
 * invalid JSON blocks instead of letting the action through. A deny carries every field the
 * events read, plus exit 2, so one answer serves them all.
 * Sources: docs/agents.md.
 */
import * as path from 'path';
import { z } from 'zod';
import type { HookAdapter, HookCall, HookOutput, HookRequest, HookVerdict, ParseContext, ParseResult } from '../types';
import { fileAction, searchActions, jsonOrText, mcpAction, networkAction, stringField, payloadIssues } from '../toolActions';

const common = {
  hook_event_name: z.string(),
  conversation_id: z.string().optional(),
  generation_id: z.string().optional(),
  workspace_roots: z.array(z.string()).optional(),
  cwd: z.string().optional(),
};
const shellPayload = z.object({ ...common, command: z.string() });
const mcpPayload = z.object({ ...common, tool_name: z.string().min(1), tool_input: z.unknown(), url: z.string().optional(), command: z.string().optional() });
const readPayload = z.object({ ...common, file_path: z.string().min(1) });
const toolPayload = z.object({ ...common, tool_name: z.string().min(1), tool_input: z.unknown(), tool_use_id: z.string().optional() });

/** Events Cursor lets a hook answer `ask` on. */
const ASK_EVENTS = new Set(['beforeShellExecution', 'beforeMCPExecution']);

/** `MCP:server:tool` names the server; otherwise the server is known by its URL host or command. */
function mcpNames(toolName: string, url?: string, command?: string): { server: string; tool: string } {
  const m = /^MCP:([^:]+):(.+)$/.exec(toolName);
  if (m) return { server: m[1], tool: m[2] };
  let server = '*';
  if (url) {
    try {
      server = new URL(url).hostname || '*';
    } catch {
      /* not a URL: unknown server */
    }
  } else if (command) server = path.posix.basename(command.trim().split(/\s+/)[0] ?? '') || '*';
  return { server, tool: toolName };
}

export function cursorToolRequest(tool: string, rawInput: unknown, cwd: string, home: string): HookRequest {
  const input = jsonOrText(rawInput);
  const str = (...k: string[]) => stringField(input, ...k);
  const one = (kind: 'file.read' | 'file.write' | 'file.delete', ...keys: string[]): HookRequest => {
    const p = str(...keys);
    return p ? { actions: [fileAction(kind, p, cwd, home, tool)] } : { unknown: `${tool} without a path` };
  };
  if (tool.startsWith('MCP:')) {
    const n = mcpNames(tool);
    return { actions: [mcpAction(n.server, n.tool, input)] };
  }
  switch (tool) {
    case 'Shell':
    case 'Terminal': {
      const c = str('command');
      return c !== undefined ? { command: c } : { unknown: `${tool} without a command` };
    }
    case 'Write':
    case 'Edit':
    case 'StrReplace':
    case 'MultiEdit':
    case 'EditNotebook':
    case 'TabWrite':
      return one('file.write', 'file_path', 'path', 'target_file', 'target_notebook');
    case 'Delete':
      return one('file.delete', 'file_path', 'path', 'target_file');
    case 'Read':
      return one('file.read', 'file_path', 'path', 'target_file');
    case 'Grep':
      return { actions: searchActions(str('path', 'target_directory'), str('glob', 'include_pattern'), cwd, home, tool) };
    case 'Glob':
    case 'LS':
      return { actions: [fileAction('file.read', str('target_directory', 'path') ?? '.', cwd, home, tool)] };
    case 'WebFetch':
      return { actions: [networkAction(str('url'), tool)] };
    case 'WebSearch':
      return { actions: [networkAction(undefined, tool)] };
    case 'TodoWrite':
    case 'Task':
      return { actions: [] };
    default:
      return { unknown: tool };
  }
}

export const cursorAdapter: HookAdapter = {
  id: 'cursor',
  displayName: 'Cursor',
  nativeAsk: true,
  parse(raw: unknown, ctx: ParseContext): ParseResult {
    const event = typeof raw === 'object' && raw !== null ? (raw as { hook_event_name?: unknown }).hook_event_name : undefined;
    const base = (cwd: string | undefined, roots: string[] | undefined) => cwd ?? roots?.[0];
    const make = (p: z.infer<typeof toolPayload> | z.infer<typeof shellPayload> | z.infer<typeof mcpPayload> | z.infer<typeof readPayload>, tool: string, request: (cwd: string) => HookRequest, input: unknown, toolUseId?: string): ParseResult => {
      const cwd = base(p.cwd, p.workspace_roots);
      if (!cwd || !cwd.startsWith('/')) return { ok: false, error: 'Cursor hook payload has neither cwd nor workspace_roots' };
      const call: HookCall = { agent: 'cursor', event: p.hook_event_name, sessionId: p.conversation_id, toolUseId: toolUseId ?? p.generation_id, cwd, tool, request: request(cwd), nativeAsk: ASK_EVENTS.has(p.hook_event_name), input };
      return { ok: true, call };
    };
    switch (event) {
      case 'beforeShellExecution': {
        const r = shellPayload.safeParse(raw);
        if (!r.success) return { ok: false, error: `not a Cursor beforeShellExecution payload: ${payloadIssues(r.error)}` };
        return make(r.data, 'Shell', () => ({ command: r.data.command }), { command: r.data.command });
      }
      case 'beforeMCPExecution': {
        const r = mcpPayload.safeParse(raw);
        if (!r.success) return { ok: false, error: `not a Cursor beforeMCPExecution payload: ${payloadIssues(r.error)}` };
        const n = mcpNames(r.data.tool_name, r.data.url, r.data.command);
        const args = jsonOrText(r.data.tool_input);
        return make(r.data, r.data.tool_name, () => ({ actions: [mcpAction(n.server, n.tool, args)] }), args);
      }
      case 'beforeReadFile': {
        const r = readPayload.safeParse(raw);
        if (!r.success) return { ok: false, error: `not a Cursor beforeReadFile payload: ${payloadIssues(r.error)}` };
        return make(r.data, 'Read', (cwd) => ({ actions: [fileAction('file.read', r.data.file_path, cwd, ctx.home, 'Read')] }), { file_path: r.data.file_path });
      }
      case 'preToolUse': {
        const r = toolPayload.safeParse(raw);
        if (!r.success) return { ok: false, error: `not a Cursor preToolUse payload: ${payloadIssues(r.error)}` };
        return make(r.data, r.data.tool_name, (cwd) => cursorToolRequest(r.data.tool_name, r.data.tool_input, cwd, ctx.home), jsonOrText(r.data.tool_input), r.data.tool_use_id);
      }
      default:
        return { ok: false, error: `unexpected Cursor hook event ${JSON.stringify(event ?? null)} (agentpolicy answers beforeShellExecution, beforeMCPExecution, beforeReadFile and preToolUse)` };
    }
  },
  format(v: HookVerdict, call?: HookCall): HookOutput {
    if (v.decision === 'deny') return this.denyOutput(v.reason);
    // An ask on an event without ask was not settled: it must not run.
    if (v.decision === 'ask' && !(call && ASK_EVENTS.has(call.event))) return this.denyOutput(v.reason);
    const out = { permission: v.decision, ...(v.decision === 'allow' ? { decision: 'allow' } : {}), user_message: v.reason, agent_message: v.reason };
    return { stdout: JSON.stringify(out) + '\n', stderr: '', exitCode: 0 };
  },
  denyOutput(reason: string): HookOutput {
    const out = { permission: 'deny', decision: 'deny', reason, user_message: reason, agent_message: reason };
    return { stdout: JSON.stringify(out) + '\n', stderr: reason + '\n', exitCode: 2 };
  },
};
