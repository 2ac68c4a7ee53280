import * as path from 'path';
import { z } from 'zod';
import { askBroker } from '../core/ipc/client';
import type { DecideRequest } from '../core/ipc/protocol';
import { decide } from '../core/pdp/decide';
import { decisionLine } from '../core/pdp/message';
import type { DecisionRequest } from '../core/pdp/types';
import type { ParsedArgs } from './args';
import { UsageError } from './args';
import { policyContext } from './policyContext';

/** Claude Code's PreToolUse input (only what we read; other fields pass). */
const claudeInput = z.object({
  hook_event_name: z.string().optional(),
  session_id: z.string().optional(),
  tool_use_id: z.string().optional(),
  cwd: z.string().optional(),
  tool_name: z.string(),
  tool_input: z.record(z.string(), z.unknown()).default({}),
});

type Verdict = { decision: 'allow' | 'ask' | 'deny'; reason: string };

/** What a tool call would do, as a request the PDP or broker understands. */
function toolRequest(tool: string, input: Record<string, unknown>, cwd: string): { command?: string; action?: { kind: 'file.read' | 'file.write' | 'file.delete'; path: string } } | undefined {
  const str = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : undefined);
  switch (tool) {
    case 'Bash':
      return str('command') !== undefined ? { command: str('command') } : undefined;
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
    case 'NotebookEdit': {
      const p = str('file_path') ?? str('notebook_path');
      return p ? { action: { kind: 'file.write', path: path.resolve(cwd, p) } } : undefined;
    }
    case 'Read':
    case 'NotebookRead': {
      const p = str('file_path') ?? str('notebook_path');
      return p ? { action: { kind: 'file.read', path: path.resolve(cwd, p) } } : undefined;
    }
    case 'Grep':
    case 'Glob':
    case 'LS': {
      const p = str('path');
      // Searching reads what it finds: judge the folder searched (secrets are judged by path).
      return { action: { kind: 'file.read', path: path.resolve(cwd, p ?? '.') } };
    }
    default:
      return undefined;
  }
}

/**
 * `agentpolicy hook claude`: a Claude Code PreToolUse hook. Reads the tool call on stdin and
 * answers with hookSpecificOutput.permissionDecision. With a broker (AGENTPOLICY_SOCKET) the
 * developer settles asks in VS Code or on the serve terminal; without one the policy decides
 * and an ask becomes Claude Code's own prompt. Any failure answers deny.
 */
export async function runHook(args: ParsedArgs, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; stdin: NodeJS.ReadableStream }): Promise<number> {
  const agent = args.positionals[0];
  if (agent !== 'claude') throw new UsageError('hook takes the agent whose hook format to speak: claude');
  const answer = (v: Verdict) => {
    io.out.write(JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: v.decision, permissionDecisionReason: v.reason } }) + '\n');
    return 0;
  };
  let text = '';
  for await (const chunk of io.stdin) text += chunk;
  let input: z.infer<typeof claudeInput>;
  try {
    input = claudeInput.parse(JSON.parse(text));
  } catch (e) {
    return answer({ decision: 'deny', reason: `agentpolicy: deny: the hook input is not a PreToolUse tool call (${(e as Error).message.split('\n')[0]})` });
  }
  const cwd = input.cwd ?? process.cwd();
  const req = toolRequest(input.tool_name, input.tool_input, cwd);
  if (!req) {
    // A tool we cannot judge: never allow on our own; the developer decides.
    return answer({ decision: 'ask', reason: `agentpolicy: ${input.tool_name} is not a tool the policy can judge; approve it yourself.` });
  }
  const socket = process.env.AGENTPOLICY_SOCKET;
  if (socket) {
    const msg: DecideRequest = { v: 1, type: 'decide', source: 'hook', token: process.env.AGENTPOLICY_TOKEN, cwd, ...req };
    const r = await askBroker(socket, msg, Number(process.env.AGENTPOLICY_WAIT ?? 130) * 1000);
    return answer({ decision: r.decision, reason: r.message });
  }
  const ctx = await policyContext({ ...args, values: new Map([...args.values, ['--cwd', cwd]]) }, io.err);
  if (!ctx) return answer({ decision: 'deny', reason: 'agentpolicy: deny: the policy file has errors (run `agentpolicy lint`).' });
  const dreq: DecisionRequest = req.command !== undefined ? { kind: 'command', commandLine: req.command, cwd, agent: 'claude-code' } : { kind: req.action!.kind, path: req.action!.path, cwd, agent: 'claude-code' };
  const d = decide(ctx.resolved.policy, dreq, { user: ctx.user });
  const what = req.command ?? `${req.action!.kind} ${req.action!.path}`;
  return answer({ decision: d.effect, reason: d.effect === 'allow' ? `agentpolicy: allow: ${what}` : decisionLine(d, what) });
}
