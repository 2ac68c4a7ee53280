/** Builds audit events from the PDP's Decision and the guard's control actions, so PEPs and hosts never hand-assemble them. */
import type { Action } from '../actions/types';
import type { Subject } from '../identity/subject';
import type { Decision } from '../pdp/types';
import type {
  AuditActionDetails,
  AuditAgent,
  AuditApproval,
  AuditContext,
  AuditControl,
  AuditControlEvent,
  AuditDecisionEvent,
  AuditResultDetails,
  AuditResultEvent,
  ControlDataByEvent,
  ControlEventKind,
  ControlOutcome,
} from './types';

/** The action details a SIEM wants, from the request and the PDP's typed actions. */
export function actionDetails(decision: Pick<Decision, 'actions'>, request: { commandLine?: string; path?: string; kind?: string; toolName?: string; toolInput?: unknown }): AuditActionDetails {
  const actions: Action[] = decision.actions ?? [];
  const commands = actions.filter((a) => a.kind === 'command').map((a) => (a as Extract<Action, { kind: 'command' }>).argv);
  const push = actions.find((a) => a.kind === 'git.push') as Extract<Action, { kind: 'git.push' }> | undefined;
  const file = actions.find((a) => a.kind === 'file.read' || a.kind === 'file.write' || a.kind === 'file.delete') as Extract<Action, { path: string }> | undefined;
  const net = actions.find((a) => a.kind === 'network') as Extract<Action, { kind: 'network' }> | undefined;
  const mcp = actions.find((a) => a.kind === 'mcp') as Extract<Action, { kind: 'mcp' }> | undefined;
  let kind: AuditActionDetails['kind'];
  if ((request.toolName || mcp) && !request.commandLine && !request.path) kind = 'tool';
  else if (request.commandLine !== undefined) kind = push ? 'git.push' : 'command';
  else if (request.kind === 'file.read' || request.kind === 'file.write' || request.kind === 'file.delete') kind = request.kind;
  else kind = (actions[0]?.kind as AuditActionDetails['kind']) ?? 'opaque';
  const d: AuditActionDetails = { kind };
  if (request.commandLine !== undefined) d.commandLine = request.commandLine;
  if (commands.length) d.commands = commands;
  if (actions.length) d.actions = actions;
  const p = request.path ?? file?.path;
  if (p !== undefined) d.path = p;
  if (push) {
    if (push.remote !== undefined) d.remote = push.remote;
    if (push.url !== undefined) d.url = push.url;
    d.refs = push.refs;
    d.force = push.force;
  }
  if (net) d.host = net.host;
  if (request.toolName) d.toolName = request.toolName;
  else if (mcp) d.toolName = `mcp:${mcp.server}/${mcp.tool}`;
  if (request.toolInput !== undefined) d.toolInput = request.toolInput;
  else if (mcp?.args !== undefined) d.toolInput = mcp.args;
  return d;
}

/** What the agent registry knows about an agent; the subject says who asked and how we know. */
export type AgentFacts = Pick<AuditAgent, 'name' | 'owner' | 'riskTier' | 'model' | 'provider'>;

/** The audit's view of a subject: its id, kind, method (as `attribution`) and evidence, plus registry facts. */
export function agentOfSubject(subject: Subject, facts: AgentFacts = {}): AuditAgent {
  const a: AuditAgent = { id: subject.id };
  if (facts.name !== undefined) a.name = facts.name;
  if (facts.owner !== undefined) a.owner = facts.owner;
  if (facts.riskTier !== undefined) a.riskTier = facts.riskTier;
  a.kind = subject.kind;
  a.attribution = subject.method;
  a.evidence = subject.evidence;
  if (facts.model !== undefined) a.model = facts.model;
  if (facts.provider !== undefined) a.provider = facts.provider;
  return a;
}

type DecisionArgs = {
  decision: Decision;
  context: AuditContext;
  request: { commandLine?: string; path?: string; kind?: string; toolName?: string; toolInput?: unknown };
  approval?: AuditApproval;
  policyHash?: string;
  policyVersion?: string;
} & (
  | {
      /** Who asked (identity's Subject): its id, kind, method and evidence are recorded; its sessionId fills context.session when that is absent. */
      subject: Subject;
      /** The agent registry's facts about it (owner, risk tier, name, model). */
      agent?: AgentFacts;
    }
  | {
      /** Before subjects: the agent as the caller assembled it (still accepted). */
      agent: AuditAgent;
      subject?: undefined;
    }
);

/** The record a PEP writes before acting. Pass `subject` (new) or a whole `agent` (as before). */
export function decisionEvent(args: DecisionArgs): AuditDecisionEvent {
  const { decision } = args;
  const agent = args.subject ? agentOfSubject(args.subject, args.agent) : (args.agent as AuditAgent);
  const context = args.subject?.sessionId && args.context.session === undefined ? { ...args.context, session: args.subject.sessionId } : args.context;
  const ev: AuditDecisionEvent = {
    type: 'decision',
    agent,
    context,
    action: actionDetails(decision, args.request),
    decision: { effect: decision.effect, risk: decision.risk, ruleIds: decision.ruleIds, layer: decision.layer, reasons: decision.reasons, ...(decision.errors.length ? { errors: decision.errors } : {}) },
  };
  if (args.approval) ev.approval = args.approval;
  if (args.policyHash) ev.policyHash = args.policyHash;
  if (args.policyVersion) ev.policyVersion = args.policyVersion;
  return ev;
}

/** The longest detail a control event keeps (it is one line a person reads, not a payload). */
export const CONTROL_DETAIL_MAX = 500;

/** One line: newlines and other control characters become spaces, runs of spaces one, at most CONTROL_DETAIL_MAX characters. */
export function oneLineDetail(s: string): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  return t.length > CONTROL_DETAIL_MAX ? t.slice(0, CONTROL_DETAIL_MAX - 1) + '…' : t;
}

/** `data` may be left out for events whose facts are all optional. */
type ControlDataArg<K extends ControlEventKind> = object extends ControlDataByEvent[K] ? { data?: ControlDataByEvent[K] } : { data: ControlDataByEvent[K] };

export type ControlEventArgs<K extends ControlEventKind> = {
  event: K;
  /** Who did it (for refused requests: who tried, often UNKNOWN_SUBJECT with the peer as evidence). */
  subject: Subject;
  /** Default `done`. */
  outcome?: ControlOutcome;
  /** One line a person reads: what happened and why. */
  detail: string;
  context?: AuditContext;
  policyHash?: string;
  time?: number;
} & ControlDataArg<K>;

/**
 * The record a host writes for a control action of the guard itself: kill switch, re-arm,
 * file restore, sandbox off, policy change, requests refused at a transport, host start/stop.
 */
export function controlEvent<K extends ControlEventKind>(args: ControlEventArgs<K>): AuditControlEvent {
  const subject: Subject = { kind: args.subject.kind, id: args.subject.id, method: args.subject.method, evidence: oneLineDetail(args.subject.evidence) };
  if (args.subject.sessionId !== undefined) subject.sessionId = args.subject.sessionId;
  const ctx = args.context ?? {};
  const context = subject.sessionId && ctx.session === undefined ? { ...ctx, session: subject.sessionId } : ctx;
  const data = ((args as { data?: ControlDataByEvent[K] }).data ?? {}) as ControlDataByEvent[K];
  const control = { event: args.event, outcome: args.outcome ?? 'done', detail: oneLineDetail(args.detail), data } as AuditControl;
  const ev: AuditControlEvent = { type: 'control', subject, context, control };
  if (args.policyHash) ev.policyHash = args.policyHash;
  if (args.time !== undefined) ev.time = args.time;
  return ev;
}

/** The record a PEP writes after the action ran, referencing its decision's seq. */
export function resultEvent(decisionRecord: AuditDecisionEvent, ref: number, result: AuditResultDetails): AuditResultEvent {
  const ev: AuditResultEvent = { type: 'result', ref, agent: decisionRecord.agent, context: decisionRecord.context, action: decisionRecord.action, decision: decisionRecord.decision, result };
  if (decisionRecord.policyHash) ev.policyHash = decisionRecord.policyHash;
  return ev;
}
