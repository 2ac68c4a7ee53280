import * as path from 'path';
import { describeAction, EFFECT_RANK, stricter, type Action, type Effect, type Risk } from '../actions/types';
import type { CompiledPolicy, CompiledRule } from '../policy/compile';
import { insideWorkspace } from '../policy/paths';
import { analyzeCommandLine } from '../shell/analyze';
import type { FileFacts } from '../shell/facts';
import type { ActionVerdict, Decision, DecisionRequest, LayerName } from './types';

/** What decide() needs beyond the request: who the user is (for `~user`). */
export interface DecideOptions {
  user?: string;
  /** Clock for agent expiry (tests pass a fixed one). */
  now?: Date;
  /** What analysis may ask about files (links, provenance, secrets under a folder); none: it fails closed. */
  facts?: FileFacts;
  /** Functions the calling shell has (an interactive shell's `declare -f`): name → body, undefined when only the name is known. */
  shellFunctions?: Readonly<Record<string, string | undefined>>;
}

/**
 * The policy decision point: pure and deterministic. The strictest action wins
 * (deny > ask > allow); a rule that throws denies; no rule means the kind's default.
 */
export function decide(policy: CompiledPolicy, req: DecisionRequest, opts: DecideOptions = {}): Decision {
  let actions: Action[];
  const errors: string[] = [];
  try {
    actions = requestActions(policy, req, opts);
  } catch (e) {
    // Analysis must never fail open.
    return failed(`analysis failed: ${(e as Error).message}`, policy);
  }
  if (req.subject?.kind === 'person') return summarise(policy, actions, actions.map((a) => judgePerson(policy, a, errors)), errors);
  const verdicts = actions.map((a) => judge(policy, a, req.agent, errors));
  const unidentified = req.subject ? identityGap(policy, req.subject, opts.now ?? new Date()) : undefined;
  if (unidentified && policy.unidentified.effect !== 'allow') {
    // Nobody vouches for this requester: nothing it asks runs without the person (or at all, when the policy says deny).
    for (const v of verdicts) {
      if (EFFECT_RANK[v.effect] < EFFECT_RANK[policy.unidentified.effect]) {
        v.effect = policy.unidentified.effect;
        v.reason = `${unidentified}; the policy's unidentified treatment is ${policy.unidentified.effect}`;
        v.ruleIds = ['unidentified'];
        v.layer = policy.unidentified.layer;
      }
    }
  }
  return summarise(policy, actions, verdicts, errors);
}

/** The person's own request: only the person section decides (default allow). */
function judgePerson(policy: CompiledPolicy, action: Action, errors: string[]): ActionVerdict {
  const v = judgeWith(policy.person.candidates(action), action, undefined, errors, undefined);
  if (v) return v;
  const d = policy.person.default;
  return { action, effect: d.effect, ruleIds: [], layer: d.layer, reason: `the person's own request: ${d.effect} (person default)` };
}

function requestActions(policy: CompiledPolicy, req: DecisionRequest, opts: DecideOptions): Action[] {
  switch (req.kind) {
    case 'command':
      return analyzeCommandLine(req.commandLine, { workspace: policy.workspace, cwd: req.cwd, home: policy.home, user: opts.user, facts: opts.facts, shellFunctions: opts.shellFunctions }).actions;
    case 'actions':
      return req.actions;
    default:
      return [{ kind: req.kind, path: path.posix.resolve(req.cwd, expandHome(req.path, policy.home)), via: 'request', command: -1 }];
  }
}

function expandHome(p: string, home: string): string {
  return p === '~' || p.startsWith('~/') ? home + p.slice(1) : p;
}

/** Why this subject is not a registered, current agent (undefined when it is). */
function identityGap(policy: CompiledPolicy, subject: { kind: string; id: string }, now: Date): string | undefined {
  if (subject.kind !== 'agent') return `the requester could not be identified (${subject.id})`;
  const a = policy.agents.find((x) => x.id === subject.id);
  if (!a) return `agent "${subject.id}" is not registered in the policy's agents list`;
  if (a.expires && new Date(a.expires).getTime() < now.getTime()) return `agent "${subject.id}" expired on ${a.expires}`;
  return undefined;
}

/** Judges one action against the rules that could apply to it. */
export function judge(policy: CompiledPolicy, action: Action, agent: string | undefined, errors: string[]): ActionVerdict {
  const tier = agent === undefined ? undefined : policy.agents.find((a) => a.id === agent)?.risk;
  const v = judgeWith(policy.candidates(action), action, agent, errors, tier);
  if (v) return v;
  const d = policy.defaults[action.kind];
  return { action, effect: d.effect, ruleIds: [], layer: d.layer, reason: `no rule matched: default for ${action.kind} is ${d.effect}` };
}

/** The strictest verdict of the rules that match, or undefined when none does. */
function judgeWith(candidates: readonly CompiledRule[], action: Action, agent: string | undefined, errors: string[], tier: string | undefined): ActionVerdict | undefined {
  let effect: Effect | undefined;
  let ruleIds: string[] = [];
  let layer: LayerName = 'baseline';
  let reason = '';
  let risk: Risk | undefined;
  const consider = (r: CompiledRule, e: Effect, why: string) => {
    if (effect === undefined || EFFECT_RANK[e] > EFFECT_RANK[effect]) {
      effect = e;
      ruleIds = [r.id];
      layer = r.layer;
      reason = why;
      risk = r.risk;
    } else if (e === effect && !ruleIds.includes(r.id)) {
      ruleIds.push(r.id);
      if (r.risk && (!risk || RISKS.indexOf(r.risk) > RISKS.indexOf(risk))) risk = r.risk;
    }
  };
  for (const r of candidates) {
    // A risk-tier rule applies to registered agents of that tier only (an unregistered one cannot claim a tier's allow).
    if (r.agentRisk && !(tier && r.agentRisk.includes(tier as 'low')) && (r.effect === 'allow' || tier !== undefined)) continue;
    if (r.agents) {
      const applies = agent !== undefined && r.agents.some((re) => re.test(agent));
      // An unattributed request cannot claim an agent-specific allow, but is still bound by its asks and denies.
      if (!applies && (agent !== undefined || r.effect === 'allow')) continue;
    }
    let m;
    try {
      m = r.test(action);
    } catch (e) {
      errors.push(`rule ${r.id} (${r.layer}) failed: ${(e as Error).message}`);
      consider(r, 'deny', `rule ${r.id} failed to evaluate, so the action is denied`);
      continue;
    }
    if (m === 'yes') consider(r, r.effect, r.reason ?? `${r.effect} by rule ${r.id}: ${r.summary}`);
    else if (m === 'maybe' && r.effect !== 'allow') {
      consider(r, 'ask', `may match ${r.effect} rule ${r.id} (${r.reason ?? r.summary}), but part of it is only known at run time`);
    }
  }
  if (effect === undefined) return undefined;
  return { action, effect, ruleIds, layer, reason, risk };
}

function summarise(policy: CompiledPolicy, actions: Action[], verdicts: ActionVerdict[], errors: string[]): Decision {
  let effect: Effect = 'allow';
  for (const v of verdicts) effect = stricter(effect, v.effect);
  const deciding = verdicts.filter((v) => v.effect === effect);
  const ruleIds = [...new Set(deciding.flatMap((v) => v.ruleIds))];
  const reasons = [...new Set(deciding.map((v) => (v.action.kind === 'command' || v.ruleIds.length === 0 ? `${describeAction(v.action)}: ${v.reason}` : v.reason)))];
  if (verdicts.length === 0) reasons.push('nothing runs');
  return {
    effect,
    risk: riskOf(effect, deciding, policy.workspace),
    ruleIds,
    layer: deciding[0]?.layer ?? 'baseline',
    reasons,
    actions,
    verdicts,
    errors,
    ignored: [...policy.ignored],
  };
}

const RISKS: Risk[] = ['low', 'medium', 'high', 'critical'];

/** Branches whose history others build on: a push there is high-risk even when a rule only asks. */
const SHARED_BRANCH = /^(main|master|trunk|develop|release[/-].*|prod|production|stable)$/;

/**
 * How careful the person must be, as they would judge it: a deciding rule's own risk wins;
 * otherwise pushes that rewrite, delete or reach shared branches (or cannot be resolved),
 * recursive deletes outside the workspace or of the workspace itself, and code from the
 * network are high. Deleting build output inside the workspace is not.
 */
function riskOf(effect: Effect, deciding: ActionVerdict[], workspace: string): Risk {
  if (effect === 'allow') return 'low';
  const ranks = RISKS;
  let r: Risk = effect === 'deny' ? 'high' : 'medium';
  for (const v of deciding) {
    if (v.risk && ranks.indexOf(v.risk) > ranks.indexOf(r)) r = v.risk;
    if (highRiskAction(v.action, workspace) && ranks.indexOf(r) < 2) r = 'high';
  }
  return r;
}

function highRiskAction(a: Action, workspace: string): boolean {
  switch (a.kind) {
    case 'git.push':
      return a.force || a.delete || a.allBranches || a.unresolved || a.refs.some((ref) => ref.force || ref.delete || ref.dst === undefined || SHARED_BRANCH.test(ref.dst));
    case 'file.delete':
      return !!a.recursive && (!insideWorkspace(a.path, workspace) || path.posix.resolve(a.path) === path.posix.resolve(workspace) || /(^|\/)\.git(\/|$)/.test(path.posix.relative(workspace, a.path)));
    case 'opaque':
      return a.reason === 'remote-code' || a.reason === 'decoded-code';
    default:
      return false;
  }
}

function failed(message: string, policy: CompiledPolicy): Decision {
  return { effect: 'deny', risk: 'high', ruleIds: [], layer: 'baseline', reasons: [message], actions: [], verdicts: [], errors: [message], ignored: [...policy.ignored] };
}
