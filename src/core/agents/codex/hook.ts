/**
 * Codex CLI: a `PreToolUse` command hook (config.toml `[[hooks.PreToolUse]]` or hooks.json).
 *
 * In:  {session_id, turn_id, transcript_path, cwd, hook_event_name: "PreToolUse", model,
 *       permission_mode, tool_name, tool_input, tool_use_id}; tool_name is `Bash` for shell
 *       tools ({command}), `apply_patch` for edits ({command: <patch>}), `mcp__server__tool`.
 * Out: deny = stdout {hookSpecificOutput: {hookEventName, permissionDecision: "deny",
 *       permissionDecisionReason}} with exit 0, or exit 2 with the reason on stderr (we send
 *       both: exit 2 wins). Allow = no output. Codex rejects `ask` (and a bare `allow`) as
 *       invalid output and then runs the tool, so asks are settled before answering.
 * Sources: docs/agents.md.
 */
import { z } from 'zod';
import type { HookAdapter, HookCall, HookOutput, HookRequest, HookVerdict, ParseContext, ParseResult } from '../types';
import { applyPatchActions } from '../applyPatch';
import { shellJoin } from '../../shell/quote';
import { fileAction, mcpAction, networkAction, splitDoubleUnderscoreMcp, stringField, payloadIssues } from '../toolActions';

const payload = z.object({
  hook_event_name: z.string(),
  session_id: z.string().optional(),
  turn_id: z.string().optional(),
  transcript_path: z.string().nullable().optional(),
  cwd: z.string().min(1),
  model: z.string().optional(),
  permission_mode: z.string().optional(),
  tool_name: z.string().min(1),
  tool_input: z.unknown(),
  tool_use_id: z.string().optional(),
});

const SHELL_TOOLS = new Set(['Bash', 'shell', 'local_shell', 'exec_command', 'container.exec', 'unified_exec', 'terminal']);

function shellText(input: unknown): string | undefined {
  const c = typeof input === 'object' && input !== null ? (input as Record<string, unknown>).command : undefined;
  if (typeof c === 'string') return c;
  if (Array.isArray(c) && c.length && c.every((x) => typeof x === 'string')) {
    const argv = c as string[];
    // ["bash", "-lc", "<script>"]: the script is what runs.
    if (argv.length === 3 && /(^|\/)(ba|z|da)?sh$/.test(argv[0]) && /^-l?c$/.test(argv[1])) return argv[2];
    return shellJoin(argv);
  }
  return undefined;
}

export function codexToolRequest(tool: string, input: unknown, cwd: string, home: string): HookRequest {
  if (SHELL_TOOLS.has(tool)) {
    const c = shellText(input);
    return c !== undefined ? { command: c } : { unknown: `${tool} without a command` };
  }
  if (tool === 'apply_patch') {
    const patch = stringField(input, 'command', 'input', 'patch');
    return patch !== undefined ? { actions: applyPatchActions(patch, cwd, home, tool) } : { unknown: 'apply_patch without a patch' };
  }
  if (tool === 'Read' || tool === 'read_file' || tool === 'view_image') {
    const p = stringField(input, 'file_path', 'path');
    return p ? { actions: [fileAction('file.read', p, cwd, home, tool)] } : { unknown: `${tool} without a path` };
  }
  if (tool === 'web_search' || tool === 'web_fetch') return { actions: [networkAction(stringField(input, 'url'), tool)] };
  const mcp = splitDoubleUnderscoreMcp(tool);
  if (mcp) return { actions: [mcpAction(mcp.server, mcp.tool, input)] };
  return { unknown: tool };
}

export const codexAdapter: HookAdapter = {
  id: 'codex',
  displayName: 'Codex CLI',
  nativeAsk: false,
  parse(raw: unknown, ctx: ParseContext): ParseResult {
    const r = payload.safeParse(raw);
    if (!r.success) return { ok: false, error: `not a Codex hook payload: ${payloadIssues(r.error)}` };
    const p = r.data;
    if (p.hook_event_name !== 'PreToolUse') return { ok: false, error: `unexpected hook event "${p.hook_event_name}" (agentpolicy answers PreToolUse only)` };
    const call: HookCall = {
      agent: 'codex',
      event: p.hook_event_name,
      sessionId: p.session_id,
      toolUseId: p.tool_use_id,
      cwd: p.cwd,
      tool: p.tool_name,
      request: codexToolRequest(p.tool_name, p.tool_input, p.cwd, ctx.home),
      nativeAsk: false,
      input: p.tool_input,
    };
    return { ok: true, call };
  },
  format(v: HookVerdict): HookOutput {
    if (v.decision === 'allow') return { stdout: '', stderr: '', exitCode: 0 };
    // Codex has no ask: one that reaches here was not settled, and must not run.
    return this.denyOutput(v.reason);
  },
  denyOutput(reason: string): HookOutput {
    const stdout = JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } }) + '\n';
    return { stdout, stderr: reason + '\n', exitCode: 2 };
  },
};
