/**
 * A hook call judged by the PDP: shell text is analysed, typed actions are judged as they are,
 * and a tool no adapter can map becomes an opaque action, so it is decided, explained and
 * audited like everything else, and never allowed.
 */
import { describeAction, type Action } from '../actions/types';
import { decide, type DecideOptions } from '../pdp/decide';
import { decisionLine } from '../pdp/message';
import type { Decision, DecisionRequest } from '../pdp/types';
import type { CompiledPolicy } from '../policy/compile';
import { ADAPTERS } from './adapters';
import type { HookCall, HookVerdict } from './types';

export interface HookDecision {
  verdict: HookVerdict;
  decision: Decision;
  /** What was judged, in words (the command line, or the actions). */
  what: string;
  request: DecisionRequest;
}

/** The PDP request for a hook call. */
export function hookDecisionRequest(call: HookCall): DecisionRequest {
  const r = call.request;
  if ('command' in r) return { kind: 'command', commandLine: r.command, cwd: call.cwd, agent: call.agent };
  if ('actions' in r) return { kind: 'actions', actions: r.actions, cwd: call.cwd, agent: call.agent };
  const unknown: Action = { kind: 'opaque', reason: 'unknown-command', detail: `${ADAPTERS[call.agent].displayName} tool "${call.tool}" is not one the policy can judge (${r.unknown})`, command: -1 };
  return { kind: 'actions', actions: [unknown], cwd: call.cwd, agent: call.agent };
}

export function hookWhat(call: HookCall): string {
  const r = call.request;
  if ('command' in r) return r.command;
  if ('actions' in r) return r.actions.length ? r.actions.map(describeAction).join('; ') : `${call.tool} (acts on the agent's own state only)`;
  return `${call.tool} (a tool the policy cannot judge)`;
}

/**
 * Decides a hook call against a compiled policy. The shell grammar must be initialised before
 * a `command` request (`initShellParser`). The verdict may be `ask`: settling it is the caller's.
 */
export function decideHookCall(policy: CompiledPolicy, call: HookCall, opts: DecideOptions = {}): HookDecision {
  const request = hookDecisionRequest(call);
  const decision = decide(policy, request, opts);
  // Whatever a policy says, a tool nobody can judge is never simply allowed.
  if ('unknown' in call.request && decision.effect === 'allow') {
    decision.effect = 'ask';
    decision.reasons = [`${call.tool} is not a tool the policy can judge`, ...decision.reasons];
  }
  const what = hookWhat(call);
  const line = decisionLine(decision, what);
  return { verdict: { decision: decision.effect, reason: line }, decision, what, request };
}
