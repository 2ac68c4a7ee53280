/**
 * Elastic Common Schema 9.x documents. event.category/event.type pairs are kept
 * to the combinations ECS lists as expected (ECS_EXPECTED_TYPES).
 */
import * as path from 'path';
import type { AuditRecord, ControlEventKind } from '../types';
import { controlEventSummary, controlRisk, eventId, isControlEvent, isEventRecord, isoTime, logRecordSummary, outcomeOf, permitted, PRODUCT, programName, riskLevel, summary } from './common';
import type { ControlRecord, EventRecord, ProductInfo, SubjectFields } from './common';

export const ECS_VERSION = '9.0.0';

/** Expected event.type values per event.category (ECS allowed values) for the categories we emit. */
export const ECS_EXPECTED_TYPES: Readonly<Record<string, readonly string[]>> = {
  api: ['access', 'admin', 'allowed', 'change', 'creation', 'deletion', 'denied', 'end', 'info', 'start', 'user'],
  configuration: ['access', 'change', 'creation', 'deletion', 'info'],
  file: ['access', 'change', 'creation', 'deletion', 'info'],
  network: ['access', 'allowed', 'connection', 'denied', 'end', 'info', 'protocol', 'start'],
  process: ['access', 'change', 'end', 'info', 'start'],
};

function categorize(r: EventRecord): { category: string[]; type: string[] } {
  const allowed = permitted(outcomeOf(r)) ? 'allowed' : 'denied';
  switch (r.action.kind) {
    case 'command':
    case 'opaque':
    case 'env.set':
      return { category: ['process'], type: [r.type === 'result' ? 'end' : 'start'] };
    case 'file.read':
      return { category: ['file'], type: ['access'] };
    case 'file.write':
      return { category: ['file'], type: ['change'] };
    case 'file.delete':
      return { category: ['file'], type: ['deletion'] };
    case 'git.push':
      return { category: ['api'], type: r.type === 'result' ? ['change', 'end'] : ['change', allowed] };
    case 'network':
      return { category: ['network'], type: r.type === 'result' ? ['connection', 'end'] : ['connection', allowed] };
    case 'tool':
      return { category: ['api'], type: r.type === 'result' ? ['end'] : ['start', allowed] };
  }
}

type Json = Record<string, unknown>;

/** event.category/type per control event, within ECS_EXPECTED_TYPES. */
const CONTROL_CATEGORY: Readonly<Record<ControlEventKind, { category: string[]; type: string[] }>> = {
  'kill-switch': { category: ['configuration'], type: ['change'] },
  rearm: { category: ['configuration'], type: ['change'] },
  'file-restore': { category: ['file'], type: ['change'] },
  'sandbox-off': { category: ['configuration'], type: ['change'] },
  'policy-change': { category: ['configuration'], type: ['change'] },
  'refused-requests': { category: ['network'], type: ['denied'] },
  'host-start': { category: ['process'], type: ['start'] },
  'host-stop': { category: ['process'], type: ['end'] },
  'hook-config': { category: ['configuration'], type: ['change'] },
};

/** The subject as ECS labels (keyword values). */
function subjectLabels(s: SubjectFields): Json {
  const l: Json = {};
  if (s.kind) l.subject_kind = s.kind;
  if (s.method && s.kind) l.subject_method = s.method;
  if (s.evidence) l.subject_evidence = s.evidence;
  return l;
}

/** Where every event comes from, in ECS's event fields. */
const SOURCE = { provider: 'agentpolicy', dataset: 'agentpolicy.audit', module: 'agentpolicy' } as const;

function observerOf(product: ProductInfo): Json {
  return { product: product.name, vendor: product.vendor, version: product.version, type: 'audit' };
}

/** The guard as observer, and the OS user and host the event happened on. */
function machine(ctx: { osUser?: string; osUid?: number; hostname?: string }, product: ProductInfo): Json {
  return {
    observer: observerOf(product),
    user: { name: ctx.osUser, ...(ctx.osUid !== undefined && ctx.osUid >= 0 ? { id: String(ctx.osUid) } : {}) },
    host: { hostname: ctx.hostname, name: ctx.hostname },
  };
}

function controlToEcs(r: ControlRecord, product: ProductInfo, base: Json): Json {
  const ctx = r.context ?? {};
  const c = r.control;
  const { category, type } = CONTROL_CATEGORY[c.event] ?? { category: ['configuration'], type: ['info'] };
  const risk = controlRisk(r);
  const doc: Json = {
    ...base,
    message: controlEventSummary(r),
    event: {
      kind: 'event',
      category,
      type,
      action: `control-${c.event}`,
      outcome: c.outcome === 'done' ? 'success' : 'failure',
      id: eventId(r),
      sequence: r.seq,
      created: isoTime(r.ts),
      severity: risk,
      ...(risk ? { risk_score: risk * 25 } : {}),
      reason: c.detail,
      ...SOURCE,
    },
    ...machine(ctx, product),
  };
  if (r.subject.kind === 'agent') doc.gen_ai = { agent: { id: r.subject.id } };
  if (c.event === 'file-restore') doc.file = { path: c.data.path, name: path.basename(c.data.path), directory: path.dirname(c.data.path) };
  if (c.event === 'sandbox-off') doc.process = { name: path.basename(c.data.program), executable: c.data.program, ...(c.data.argv ? { args: c.data.argv, args_count: c.data.argv.length } : {}) };
  if (c.event === 'refused-requests' && c.data.peerUid !== undefined) doc.source = { user: { id: String(c.data.peerUid) } };
  if (c.event === 'policy-change') doc.rule = { ruleset: 'effective policy', version: c.data.after.slice(0, 12), description: c.detail };
  doc.labels = { ...(ctx.session ? { session: ctx.session } : {}), ...subjectLabels(r.subject), control_event: c.event };
  doc.agentpolicy = { log: { id: r.log, seq: r.seq, prev: r.prev }, subject: r.subject, control: c, context: ctx, ...(r.policyHash ? { policy_hash: r.policyHash } : {}) };
  return doc;
}

export function toEcs(rec: AuditRecord, product: ProductInfo = PRODUCT): Json {
  const base: Json = { '@timestamp': isoTime(isEventRecord(rec) || isControlEvent(rec) ? rec.time : rec.ts), ecs: { version: ECS_VERSION } };
  if (isControlEvent(rec)) return controlToEcs(rec, product, base);
  if (!isEventRecord(rec)) {
    return {
      ...base,
      message: logRecordSummary(rec),
      event: { kind: 'event', category: ['configuration'], type: ['info'], action: `audit-${rec.type}`, id: eventId(rec), sequence: rec.seq, ...SOURCE, created: isoTime(rec.ts) },
      observer: observerOf(product),
      agentpolicy: { log: { id: rec.log, seq: rec.seq, prev: rec.prev }, record: rec },
    };
  }
  const r = rec;
  const ctx = r.context;
  const a = r.action;
  const { category, type } = categorize(r);
  const o = outcomeOf(r);
  const resultOk = r.type === 'result' ? r.result.ran && !r.result.error && (r.result.exitCode ?? 0) === 0 && r.result.pushLanded !== false : undefined;
  const doc: Json = {
    ...base,
    message: summary(r),
    event: {
      kind: 'event',
      category,
      type,
      action: r.type === 'result' ? `${a.kind}-result` : `${a.kind}-${o}`,
      outcome: r.type === 'result' ? (resultOk ? 'success' : 'failure') : o === 'pending' ? 'unknown' : permitted(o) ? 'success' : 'failure',
      id: eventId(r),
      sequence: r.seq,
      created: isoTime(r.ts),
      severity: riskLevel(r),
      ...(riskLevel(r) ? { risk_score: riskLevel(r) * 25 } : {}),
      ...(r.decision?.reasons.length ? { reason: r.decision.reasons.join('; ') } : {}),
      ...SOURCE,
    },
    ...machine(ctx, product),
    gen_ai: {
      // A person is not an AI agent: only its labels say who it was.
      ...(r.agent.kind !== 'person' ? { agent: { id: r.agent.id, ...(r.agent.name ? { name: r.agent.name } : {}) } } : {}),
      ...(r.agent.model ? { request: { model: { id: r.agent.model } } } : {}),
      ...(r.agent.provider ? { system: r.agent.provider } : {}),
      ...(ctx.tool || a.toolName ? { tool: { name: a.toolName ?? ctx.tool, ...(ctx.toolCallId ? { call: { id: ctx.toolCallId } } : {}) } } : {}),
    },
  };
  if (r.agent.kind === 'person' && Object.keys(doc.gen_ai as Json).length === 0) delete doc.gen_ai;
  if (r.decision) {
    doc.rule = {
      ...(r.decision.ruleIds.length ? { id: r.decision.ruleIds.join(','), name: r.decision.ruleIds[0] } : { name: `${r.decision.layer} default` }),
      ruleset: r.decision.layer,
      ...(r.policyVersion ? { version: r.policyVersion } : {}),
      ...(r.decision.reasons.length ? { description: r.decision.reasons.join('; ') } : {}),
    };
  }
  if (a.kind === 'command' || a.kind === 'opaque' || a.kind === 'env.set') {
    doc.process = {
      ...(a.commandLine !== undefined ? { command_line: a.commandLine } : {}),
      ...(programName(r) ? { name: programName(r) } : {}),
      ...(a.commands?.[0] ? { args: a.commands[0], args_count: a.commands[0].length } : {}),
      ...(ctx.cwd ? { working_directory: ctx.cwd } : {}),
      ...(r.type === 'result' && r.result.exitCode !== undefined ? { exit_code: r.result.exitCode } : {}),
    };
  }
  if (a.path) doc.file = { path: a.path, name: path.basename(a.path), directory: path.dirname(a.path) };
  if (a.kind === 'network' && a.host) doc.destination = { domain: a.host };
  if (a.kind === 'git.push' && a.url) doc.url = { original: a.url };
  if (ctx.session || ctx.terminal) doc.process = { ...((doc.process as Json) ?? {}), ...(ctx.terminal ? { tty: { char_device: { name: ctx.terminal } } } : {}) };
  // Built by assignment: this runs a million times in an export.
  const labels: Json = {};
  if (ctx.session) labels.session = ctx.session;
  if (r.agent.riskTier) labels.agent_risk_tier = r.agent.riskTier;
  if (r.agent.kind) {
    labels.subject_kind = r.agent.kind;
    if (r.agent.attribution) labels.subject_method = r.agent.attribution;
  }
  if (r.agent.evidence) labels.subject_evidence = r.agent.evidence;
  doc.labels = labels;
  doc.agentpolicy = {
    log: { id: r.log, seq: r.seq, prev: r.prev },
    agent: r.agent,
    context: ctx,
    action: a,
    ...(r.decision ? { decision: r.decision } : {}),
    ...(r.type === 'decision' && r.approval ? { approval: r.approval } : {}),
    ...(r.type === 'result' ? { result: r.result, ref_seq: r.ref } : {}),
    ...(r.policyHash ? { policy_hash: r.policyHash } : {}),
  };
  return doc;
}
