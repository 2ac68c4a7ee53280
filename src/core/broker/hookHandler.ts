/**
 * The agents' hook adapters as the guard host runs them: the agent's raw payload in, its exact
 * answer out. The same handler serves a launcher's HK1 frame (a running broker) and the CLI's
 * in-process fallback, so every hook decision goes through the broker, its approvals and its
 * audit log the same way.
 */
import { ADAPTERS } from '../agents/adapters';
import { hookDecisionRequest, hookWhat } from '../agents/hookDecision';
import { runHook, unsettledAskReason } from '../agents/runHook';
import type { HookCall, HookVerdict } from '../agents/types';
import type { HookDecision, HookHandler } from './host';

/** Which registered agent a hook adapter speaks for (the policy's `match.hooks`, else the adapter's id). */
export type HookAgentOf = (adapter: string, cwd: string) => string;

export function adapterHooks(agentOf: HookAgentOf = (a) => a): HookHandler {
  return {
    async run(frame, decide) {
      let decidedOnce = false;
      const run = await runHook(frame.agent, frame.payload, {
        async decide(call: HookCall): Promise<HookVerdict> {
          decidedOnce = true;
          const request = hookDecisionRequest(call);
          const d: HookDecision = {
            agent: agentOf(call.agent, call.cwd),
            event: call.event,
            tool: call.tool,
            cwd: call.cwd,
            sessionId: call.sessionId,
            toolUseId: call.toolUseId,
            ...(request.kind === 'command' ? { command: request.commandLine } : { actions: request.kind === 'actions' ? request.actions : [] }),
            what: hookWhat(call),
            unknownTool: 'unknown' in call.request,
          };
          const v = await decide(d);
          if (v.outcome.final === 'allow') return { decision: 'allow', reason: v.outcome.message };
          // Nobody could be asked here, but the agent can ask the person itself: let it.
          if (v.decision.effect === 'ask' && v.outcome.by === 'no-approver') {
            return call.nativeAsk ? { decision: 'ask', reason: v.outcome.message.replace(/ No one can approve it here:.*$/, '') } : { decision: 'deny', reason: unsettledAskReason(call, v.outcome.message.replace(/ No one can approve it here:.*$/, ''), 'no one can approve it where this guard runs') };
          }
          return { decision: 'deny', reason: v.outcome.message };
        },
      });
      if (run.failure && !decidedOnce) {
        // Never reached a decision: still one record in the audit log, as the deny it was.
        await decide({ agent: agentOf(run.agent ?? frame.agent, run.call?.cwd ?? frame.cwd), event: run.call?.event ?? 'unreadable', tool: run.call?.tool ?? 'unreadable hook input', cwd: run.call?.cwd ?? frame.cwd, sessionId: run.call?.sessionId, toolUseId: run.call?.toolUseId, actions: [], what: `${frame.agent} hook call: ${run.failure}`, failure: run.failure }).catch(() => undefined);
      }
      return { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr };
    },
  };
}

/** The adapter ids the host can speak for. */
export const HOOK_ADAPTERS = Object.keys(ADAPTERS);
