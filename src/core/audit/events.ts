/** Builds audit events from the PDP's Decision, so PEPs never hand-assemble them. */
import type { Action } from '../actions/types';
import type { Decision } from '../pdp/types';
import type { AuditActionDetails, AuditAgent, AuditApproval, AuditContext, AuditDecisionEvent, AuditResultDetails, AuditResultEvent } from './types';

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

/** The record a PEP writes before acting. */
export function decisionEvent(args: {
  decision: Decision;
  agent: AuditAgent;
  context: AuditContext;
  request: { commandLine?: string; path?: string; kind?: string; toolName?: string; toolInput?: unknown };
  approval?: AuditApproval;
  policyHash?: string;
  policyVersion?: string;
}): AuditDecisionEvent {
  const { decision } = args;
  const ev: AuditDecisionEvent = {
    type: 'decision',
    agent: args.agent,
    context: args.context,
    action: actionDetails(decision, args.request),
    decision: { effect: decision.effect, risk: decision.risk, ruleIds: decision.ruleIds, layer: decision.layer, reasons: decision.reasons, ...(decision.errors.length ? { errors: decision.errors } : {}) },
  };
  if (args.approval) ev.approval = args.approval;
  if (args.policyHash) ev.policyHash = args.policyHash;
  if (args.policyVersion) ev.policyVersion = args.policyVersion;
  return ev;
}

/** The record a PEP writes after the action ran, referencing its decision's seq. */
export function resultEvent(decisionRecord: AuditDecisionEvent, ref: number, result: AuditResultDetails): AuditResultEvent {
  const ev: AuditResultEvent = { type: 'result', ref, agent: decisionRecord.agent, context: decisionRecord.context, action: decisionRecord.action, decision: decisionRecord.decision, result };
  if (decisionRecord.policyHash) ev.policyHash = decisionRecord.policyHash;
  return ev;
}
