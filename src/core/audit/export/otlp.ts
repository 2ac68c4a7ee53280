/**
 * OTLP/HTTP JSON logs (ExportLogsServiceRequest). Attribute names follow the
 * OpenTelemetry semantic conventions where one exists (gen_ai.*, user.*,
 * process.*, file.*, vcs.*); the rest are under agentpolicy.*.
 */
import type { AuditRecord } from '../types';
import { controlDataPairs, controlEventSummary, controlRisk, eventId, isControlEvent, isEventRecord, logRecordSummary, outcomeOf, PRODUCT, programName, recordTime, summary } from './common';
import type { ProductInfo } from './common';

export type AnyValue = { stringValue: string } | { intValue: string } | { boolValue: boolean } | { doubleValue: number } | { arrayValue: { values: AnyValue[] } };
export interface KeyValue {
  key: string;
  value: AnyValue;
}
export interface OtlpLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  eventName: string;
  body: AnyValue;
  attributes: KeyValue[];
}

function val(v: string | number | boolean | string[]): AnyValue {
  if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => ({ stringValue: x })) } };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { stringValue: v };
}

function nanos(ms: number): string {
  return (BigInt(Math.round(ms)) * 1_000_000n).toString();
}

export function toOtlpLogRecord(rec: AuditRecord): OtlpLogRecord {
  const attrs: KeyValue[] = [];
  const add = (key: string, v: string | number | boolean | string[] | undefined): void => {
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) return;
    attrs.push({ key, value: val(v) });
  };
  add('agentpolicy.event.id', eventId(rec));
  add('agentpolicy.log.id', rec.log);
  add('agentpolicy.log.seq', rec.seq);
  add('agentpolicy.record.type', rec.type);
  let severityNumber = 9;
  let severityText = 'INFO';
  let body: string;
  if (isEventRecord(rec)) {
    const r = rec;
    const a = r.action;
    const o = outcomeOf(r);
    if (o === 'denied' || o === 'rejected') [severityNumber, severityText] = [13, 'WARN'];
    else if (o === 'pending' || o === 'approved') [severityNumber, severityText] = [10, 'INFO2'];
    body = summary(r);
    // A person is not an AI agent: the subject attributes say who it was.
    if (r.agent.kind !== 'person') {
      add('gen_ai.agent.id', r.agent.id);
      add('gen_ai.agent.name', r.agent.name ?? r.agent.id);
    }
    add('gen_ai.request.model', r.agent.model);
    add('gen_ai.provider.name', r.agent.provider);
    add('gen_ai.conversation.id', r.context.session);
    add('gen_ai.tool.name', a.toolName ?? r.context.tool);
    add('gen_ai.tool.call.id', r.context.toolCallId);
    if (a.kind === 'tool') add('gen_ai.operation.name', 'execute_tool');
    add('user.name', r.context.osUser);
    if (r.context.osUid !== undefined && r.context.osUid >= 0) add('user.id', String(r.context.osUid));
    add('host.name', r.context.hostname);
    add('process.command_line', a.commandLine);
    add('process.executable.name', programName(r));
    add('process.working_directory', r.context.cwd);
    if (r.type === 'result') add('process.exit.code', r.result.exitCode);
    add('file.path', a.path);
    add('vcs.repository.url.full', a.url ?? r.context.repo?.remote);
    add('vcs.ref.head.name', r.context.repo?.branch);
    add('server.address', a.host);
    add('agentpolicy.agent.owner', r.agent.owner);
    add('agentpolicy.agent.risk_tier', r.agent.riskTier);
    add('agentpolicy.agent.attribution', r.agent.attribution);
    if (r.agent.kind) {
      add('agentpolicy.subject.id', r.agent.id);
      add('agentpolicy.subject.kind', r.agent.kind);
      add('agentpolicy.subject.method', r.agent.attribution);
    }
    add('agentpolicy.subject.evidence', r.agent.evidence);
    add('agentpolicy.session.terminal', r.context.terminal);
    add('agentpolicy.workspace', r.context.workspace);
    add('agentpolicy.pep', r.context.pep);
    add('agentpolicy.action.kind', a.kind);
    add('agentpolicy.action.commands', a.commands?.map((c) => c.join(' ')));
    add('agentpolicy.git.push.refs', a.refs?.map((x) => `${x.force ? '+' : ''}${x.src}:${x.dst ?? ''}`));
    if (r.decision) {
      add('agentpolicy.decision.effect', r.decision.effect);
      add('agentpolicy.decision.risk', r.decision.risk);
      add('agentpolicy.decision.rule_ids', r.decision.ruleIds);
      add('agentpolicy.decision.layer', r.decision.layer);
      add('agentpolicy.decision.reasons', r.decision.reasons);
    }
    if (r.type === 'decision') {
      add('agentpolicy.decision.outcome', o);
      if (r.approval) {
        add('agentpolicy.approval.approver', r.approval.approver);
        add('agentpolicy.approval.outcome', r.approval.outcome);
        add('agentpolicy.approval.scope', r.approval.scope);
        add('agentpolicy.approval.via', r.approval.via);
      }
    } else {
      add('agentpolicy.result.ref_seq', r.ref);
      add('agentpolicy.result.ran', r.result.ran);
      add('agentpolicy.result.file_changed', r.result.fileChanged);
      add('agentpolicy.result.push_landed', r.result.pushLanded);
      add('agentpolicy.result.error', r.result.error);
    }
    add('agentpolicy.policy.hash', r.policyHash);
  } else if (isControlEvent(rec)) {
    const r = rec;
    const c = r.control;
    const ctx = r.context ?? {};
    if (c.outcome === 'refused' || controlRisk(r) >= 3) [severityNumber, severityText] = [13, 'WARN'];
    else if (controlRisk(r) >= 1) [severityNumber, severityText] = [10, 'INFO2'];
    body = controlEventSummary(r);
    if (r.subject.kind === 'agent') add('gen_ai.agent.id', r.subject.id);
    add('agentpolicy.subject.id', r.subject.id);
    add('agentpolicy.subject.kind', r.subject.kind);
    add('agentpolicy.subject.method', r.subject.method);
    add('agentpolicy.subject.evidence', r.subject.evidence);
    add('agentpolicy.control.event', c.event);
    add('agentpolicy.control.outcome', c.outcome);
    add('agentpolicy.control.detail', c.detail);
    add('user.name', ctx.osUser);
    if (ctx.osUid !== undefined && ctx.osUid >= 0) add('user.id', String(ctx.osUid));
    add('host.name', ctx.hostname);
    add('gen_ai.conversation.id', ctx.session);
    add('agentpolicy.workspace', ctx.workspace);
    add('agentpolicy.pep', ctx.pep);
    if (c.event === 'file-restore') add('file.path', c.data.path);
    if (c.event === 'sandbox-off') add('process.executable.path', c.data.program);
    for (const [k, v] of controlDataPairs(r)) add(`agentpolicy.control.data.${k}`, v);
    add('agentpolicy.policy.hash', r.policyHash);
  } else {
    body = logRecordSummary(rec);
    if (rec.type === 'checkpoint') add('agentpolicy.checkpoint.jws', rec.jws);
  }
  return {
    timeUnixNano: nanos(recordTime(rec)),
    observedTimeUnixNano: nanos(rec.ts),
    severityNumber,
    severityText,
    eventName: `agentpolicy.${rec.type}`,
    body: { stringValue: body },
    attributes: attrs,
  };
}

export interface OtlpResourceOptions {
  product?: ProductInfo;
  hostName?: string;
}

/** Wraps log records into one ExportLogsServiceRequest (POST /v1/logs). */
export function otlpRequest(records: OtlpLogRecord[], opts: OtlpResourceOptions = {}): Record<string, unknown> {
  const product = opts.product ?? PRODUCT;
  const resource: KeyValue[] = [
    { key: 'service.name', value: { stringValue: 'agentpolicy' } },
    { key: 'service.version', value: { stringValue: product.version } },
  ];
  if (opts.hostName) resource.push({ key: 'host.name', value: { stringValue: opts.hostName } });
  return {
    resourceLogs: [{ resource: { attributes: resource }, scopeLogs: [{ scope: { name: 'agentpolicy.audit', version: product.version }, logRecords: records }] }],
  };
}
