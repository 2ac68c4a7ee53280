/**
 * One hook call, start to end: the agent's raw stdin in, the agent's exact answer out. The
 * in-process CLI path and the broker both call this, so every agent gets the same fail-closed
 * handling: unreadable input, an unknown event, a tool we cannot map, a decision that throws
 * or an ask the agent cannot put to the developer all end in that agent's deny (or ask).
 */
import * as os from 'os';
import { ADAPTERS } from './adapters';
import { agentIdOf, type AgentId, type HookAdapter, type HookCall, type HookOutput, type HookVerdict, type ParseContext } from './types';

export interface RunHookDeps {
  /**
   * Decides one call. An `ask` for a call whose `nativeAsk` is false must come back settled
   * (allow or deny); one that does not is denied here.
   */
  decide(call: HookCall): Promise<HookVerdict>;
}

/** The answer, with what produced it (for the audit trail); `stdout`, `stderr`, `exitCode` are the contract. */
export interface HookRun extends HookOutput {
  agent?: AgentId;
  call?: HookCall;
  verdict: HookVerdict;
  /** Why the call never reached a decision (unreadable input, unknown event, internal error). */
  failure?: string;
}

/** The most payload any agent sends for one tool call (a large file write), with room to spare. */
export const MAX_PAYLOAD_BYTES = 16 << 20;

/** The reason for an ask the agent cannot put to the developer and nobody settled. */
export function unsettledAskReason(call: Pick<HookCall, 'agent'>, reason: string, how = 'no Agent Policy broker answered'): string {
  const agent = ADAPTERS[call.agent]?.displayName ?? call.agent;
  const why = reason.replace(/^agentpolicy: (ask|deny): /, '');
  return `agentpolicy: deny: ${why} — this needs the developer's approval, and ${agent} cannot ask for it here (${how}). To get approval, start \`agentpolicy serve\` in a terminal or open the workspace in VS Code with Agent Policy, then retry; or ask the developer to do it themselves.`;
}

export async function runHook(agentName: string, rawStdin: string, deps: RunHookDeps, ctx: Partial<ParseContext> = {}): Promise<HookRun> {
  const agent = agentIdOf(agentName);
  if (!agent) {
    const reason = `agentpolicy: deny: unknown agent "${agentName}" (use claude-code, copilot, cursor, gemini, codex or cline)`;
    // No format is known: exit 2 is the block status most agents read.
    return { stdout: '', stderr: reason + '\n', exitCode: 2, verdict: { decision: 'deny', reason }, failure: reason };
  }
  const adapter = ADAPTERS[agent];
  const refuse = (failure: string, call?: HookCall): HookRun => {
    const reason = `agentpolicy: deny: ${failure}. The tool call was blocked because the guard could not judge it.`;
    return { ...safeDeny(adapter, reason), agent, call, verdict: { decision: 'deny', reason }, failure };
  };
  try {
    if (rawStdin.length > MAX_PAYLOAD_BYTES) return refuse(`the hook input is larger than ${MAX_PAYLOAD_BYTES} bytes`);
    let payload: unknown;
    try {
      payload = JSON.parse(rawStdin);
    } catch (e) {
      return refuse(`the hook input is not JSON (${(e as Error).message.split('\n')[0]})`);
    }
    const parsed = adapter.parse(payload, { home: ctx.home ?? os.homedir(), env: ctx.env ?? process.env });
    if (!parsed.ok) return refuse(parsed.error);
    const call = parsed.call;
    let verdict: HookVerdict;
    try {
      verdict = checkVerdict(await deps.decide(call));
    } catch (e) {
      return refuse(`internal error while deciding: ${(e as Error).message}`, call);
    }
    if (verdict.decision === 'ask' && !call.nativeAsk) verdict = { decision: 'deny', reason: unsettledAskReason(call, verdict.reason) };
    try {
      return { ...adapter.format(verdict, call), agent, call, verdict };
    } catch (e) {
      return refuse(`internal error while answering: ${(e as Error).message}`, call);
    }
  } catch (e) {
    return refuse(`internal error: ${(e as Error).message}`);
  }
}

function checkVerdict(v: unknown): HookVerdict {
  const o = v as HookVerdict | undefined;
  if (!o || (o.decision !== 'allow' && o.decision !== 'ask' && o.decision !== 'deny') || typeof o.reason !== 'string') throw new Error('the decision is not allow, ask or deny with a reason');
  return { decision: o.decision, reason: o.reason.replace(/[\r\n]+/g, ' ') };
}

/** The adapter's deny; if even that fails, the block status with the reason on stderr. */
function safeDeny(adapter: HookAdapter, reason: string): HookOutput {
  try {
    return adapter.denyOutput(reason);
  } catch {
    return { stdout: '', stderr: reason + '\n', exitCode: 2 };
  }
}
