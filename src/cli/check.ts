import * as readline from 'readline';
import { z } from 'zod';
import type { Action, Effect } from '../core/actions/types';
import { decisionLine, explainText, publicAction } from '../core/pdp/message';
import { decide } from '../core/pdp/decide';
import { nodeFactsForPolicy } from '../core/shell/facts/forPolicy';
import type { Decision, DecisionRequest } from '../core/pdp/types';
import type { PolicyContext } from './policyContext';

export { decisionLine, publicAction };

/** Exit status for a decision: 0 allow, 3 ask, 4 deny. */
export const EXIT: Readonly<Record<Effect, number>> = { allow: 0, ask: 3, deny: 4 };

export function decisionJson(d: Decision): { decision: Effect; ruleIds: string[]; reasons: string[]; actions: Action[]; risk: string; layer: string; errors?: string[] } {
  return { decision: d.effect, ruleIds: d.ruleIds, reasons: d.reasons, actions: d.actions.map(publicAction), risk: d.risk, layer: d.layer, ...(d.errors.length ? { errors: d.errors } : {}) };
}

export function commandRequest(ctx: PolicyContext, commandLine: string, cwd = ctx.cwd, agent = ctx.agent): DecisionRequest {
  return { kind: 'command', commandLine, cwd, agent };
}

export function runDecision(ctx: PolicyContext, req: DecisionRequest): Decision {
  return decide(ctx.resolved.policy, req, { user: ctx.user, facts: nodeFactsForPolicy(ctx.resolved.policy) });
}

const stdinRequest = z.union([
  z.strictObject({ cmd: z.string(), cwd: z.string().optional(), agent: z.string().optional() }),
  z.strictObject({ action: z.enum(['file.read', 'file.write', 'file.delete']), path: z.string(), cwd: z.string().optional(), agent: z.string().optional() }),
]);

/** `check --stdin`: one JSON request a line in, one JSON decision a line out, same order. Bad lines deny. */
export async function checkStdin(ctx: PolicyContext, input: NodeJS.ReadableStream, out: NodeJS.WritableStream): Promise<number> {
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let worst: Effect = 'allow';
  for await (const line of rl) {
    if (line.trim() === '') continue;
    let result;
    try {
      const parsed = stdinRequest.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
      const r = parsed.data;
      const req: DecisionRequest = 'cmd' in r ? commandRequest(ctx, r.cmd, r.cwd ?? ctx.cwd, r.agent ?? ctx.agent) : { kind: r.action, path: r.path, cwd: r.cwd ?? ctx.cwd, agent: r.agent ?? ctx.agent };
      result = decisionJson(runDecision(ctx, req));
    } catch (e) {
      result = { decision: 'deny' as Effect, ruleIds: [], reasons: [`invalid request: ${(e as Error).message}`], actions: [] };
    }
    if (result.decision === 'deny' || (result.decision === 'ask' && worst === 'allow')) worst = result.decision;
    out.write(JSON.stringify(result) + '\n');
  }
  return EXIT[worst];
}

/** `explain`: the commands found, the actions, every rule considered, the layer, the decision. */
export function explain(ctx: PolicyContext, req: DecisionRequest): { text: string; decision: Decision } {
  const decision = runDecision(ctx, req);
  return { text: explainText(ctx.resolved.policy, req, decision), decision };
}
