/**
 * OCSF 1.8.0: Process Activity (1007) for commands, File System Activity (1001)
 * for file actions, API Activity (6003) for pushes, tool calls and egress.
 * The decision goes in the security_control profile fields.
 *
 * Note: in the 1001 and 6003 schemas `unmapped` is a closed object, so details
 * that have no OCSF attribute go to metadata.tags (key/value) and policy.data.
 */
import * as path from 'path';
import type { AuditRecord } from '../types';
import { eventId, isEventRecord, outcomeOf, permitted, PRODUCT, programName, riskLevel, summary } from './common';
import type { EventRecord, ProductInfo } from './common';

export const OCSF_VERSION = '1.8.0';

const SEVERITY = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical'];
const RISK = ['Info', 'Low', 'Medium', 'High', 'Critical'];

type Json = Record<string, unknown>;

function classOf(r: EventRecord): { class_uid: number; class_name: string; category_uid: number; category_name: string; activity_id: number; activity_name: string } {
  const sys = { category_uid: 1, category_name: 'System Activity' };
  const app = { category_uid: 6, category_name: 'Application Activity' };
  switch (r.action.kind) {
    case 'command':
    case 'opaque':
    case 'env.set':
      return r.type === 'result'
        ? { class_uid: 1007, class_name: 'Process Activity', ...sys, activity_id: 2, activity_name: 'Terminate' }
        : { class_uid: 1007, class_name: 'Process Activity', ...sys, activity_id: 1, activity_name: 'Launch' };
    case 'file.read':
      return { class_uid: 1001, class_name: 'File System Activity', ...sys, activity_id: 2, activity_name: 'Read' };
    case 'file.write':
      return { class_uid: 1001, class_name: 'File System Activity', ...sys, activity_id: 3, activity_name: 'Update' };
    case 'file.delete':
      return { class_uid: 1001, class_name: 'File System Activity', ...sys, activity_id: 4, activity_name: 'Delete' };
    case 'git.push': {
      const deletes = (r.action.refs ?? []).length > 0 && (r.action.refs ?? []).every((x) => x.delete);
      return { class_uid: 6003, class_name: 'API Activity', ...app, activity_id: deletes ? 4 : 3, activity_name: deletes ? 'Delete' : 'Update' };
    }
    case 'network':
      return { class_uid: 6003, class_name: 'API Activity', ...app, activity_id: 99, activity_name: 'Connect' };
    case 'tool':
      return { class_uid: 6003, class_name: 'API Activity', ...app, activity_id: 99, activity_name: 'Invoke' };
  }
}

/** security_control: action_id 1 Allowed / 2 Denied; disposition 1 Allowed, 2 Blocked, 8 Approved, 25 Rejected. */
function securityControl(r: EventRecord): { action_id: number; action: string; disposition_id: number; disposition: string } {
  const o = outcomeOf(r);
  switch (o) {
    case 'allowed':
      return { action_id: 1, action: 'Allowed', disposition_id: 1, disposition: 'Allowed' };
    case 'approved':
      return { action_id: 1, action: 'Allowed', disposition_id: 8, disposition: 'Approved' };
    case 'rejected':
      return { action_id: 2, action: 'Denied', disposition_id: 25, disposition: 'Rejected' };
    case 'denied':
      return { action_id: 2, action: 'Denied', disposition_id: 2, disposition: 'Blocked' };
    case 'pending':
      return { action_id: 99, action: 'Approval Required', disposition_id: 99, disposition: 'Pending Approval' };
  }
}

function status(r: EventRecord): { status_id: number; status: string; status_detail?: string } {
  if (r.type === 'result') {
    const res = r.result;
    const ok = res.ran && !res.error && (res.exitCode === undefined || res.exitCode === 0) && res.pushLanded !== false;
    return { status_id: ok ? 1 : 2, status: ok ? 'Success' : 'Failure', ...(res.error ? { status_detail: res.error } : {}) };
  }
  const ok = permitted(outcomeOf(r));
  const detail = r.decision.ruleIds.length ? `${ok ? 'Allowed' : 'Blocked'} by policy rule ${r.decision.ruleIds.join(', ')}` : `${ok ? 'Allowed' : 'Blocked'} by the ${r.decision.layer} default`;
  return { status_id: ok ? 1 : 2, status: ok ? 'Success' : 'Failure', status_detail: detail };
}

/** Facts with no OCSF attribute in every class (1001/6003 close `unmapped`). */
function tags(r: EventRecord): { name: string; value: string }[] {
  const t: { name: string; value: string }[] = [];
  const add = (name: string, value: unknown): void => {
    if (value !== undefined && value !== null && value !== '') t.push({ name, value: String(value) });
  };
  add('agent.owner', r.agent.owner);
  add('agent.risk_tier', r.agent.riskTier);
  add('agent.attribution', r.agent.attribution);
  if (r.type === 'decision' && r.approval) {
    add('approval.approver', r.approval.approver);
    add('approval.outcome', r.approval.outcome);
    add('approval.scope', r.approval.scope);
  }
  if (r.type === 'result') add('result.ref_seq', r.ref);
  add('policy.hash', r.policyHash);
  add('context.pep', r.context.pep);
  add('context.tool', r.context.tool);
  add('context.workspace', r.context.workspace);
  add('repo.root', r.context.repo?.root);
  add('repo.remote', r.context.repo?.remote);
  add('repo.branch', r.context.repo?.branch);
  return t;
}

/** Maps one record; undefined for control records (checkpoints, open, recovery). */
export function toOcsf(rec: AuditRecord, product: ProductInfo = PRODUCT): Json | undefined {
  if (!isEventRecord(rec)) return undefined;
  // Built by assignment, not spreads: this runs a million times in an export.
  const r = rec;
  const cls = classOf(r);
  const risk = riskLevel(r);
  const severity_id = risk === 0 ? 1 : risk + 1;
  const ctx = r.context;
  const st = status(r);
  const ev: Json = {
    class_uid: cls.class_uid,
    class_name: cls.class_name,
    category_uid: cls.category_uid,
    category_name: cls.category_name,
    activity_id: cls.activity_id,
    activity_name: cls.activity_name,
    type_uid: cls.class_uid * 100 + cls.activity_id,
    type_name: `${cls.class_name}: ${cls.activity_name}`,
    time: r.time,
    severity_id,
    severity: SEVERITY[severity_id],
    status_id: st.status_id,
    status: st.status,
  };
  if (st.status_detail !== undefined) ev.status_detail = st.status_detail;
  ev.message = summary(r);
  const metadata: Json = {
    version: OCSF_VERSION,
    product: { name: product.name, vendor_name: product.vendor, version: product.version },
    uid: eventId(r),
    log_name: 'agentpolicy-audit',
    log_provider: 'agentpolicy',
    sequence: r.seq,
    logged_time: r.ts,
  };
  if (ctx.session) metadata.correlation_uid = ctx.session;
  metadata.profiles = ['security_control', 'host'];
  metadata.tags = tags(r);
  ev.metadata = metadata;
  const user: Json = { name: ctx.osUser ?? 'unknown' };
  if (ctx.osUid !== undefined && ctx.osUid >= 0) user.uid = String(ctx.osUid);
  user.type_id = 1;
  user.type = 'User';
  const actor: Json = { app_name: r.agent.name ?? r.agent.id, app_uid: r.agent.id, user };
  if (ctx.session || ctx.terminal) {
    const session: Json = {};
    if (ctx.session) session.uid = ctx.session;
    if (ctx.terminal) session.terminal = ctx.terminal;
    actor.session = session;
  }
  if (ctx.pep) actor.invoked_by = ctx.pep;
  ev.actor = actor;
  ev.device = { type_id: 2, type: 'Desktop', hostname: ctx.hostname ?? 'unknown' };
  if (r.decision) {
    const sc = securityControl(r);
    ev.action_id = sc.action_id;
    ev.action = sc.action;
    ev.disposition_id = sc.disposition_id;
    ev.disposition = sc.disposition;
    const d = r.decision;
    const policy: Json = {
      name: d.ruleIds[0] ?? `${d.layer} default`,
      uid: d.ruleIds.length ? d.ruleIds.join(',') : `default:${d.layer}:${r.action.kind}`,
    };
    const version = r.policyVersion ?? r.policyHash?.slice(0, 12);
    if (version) policy.version = version;
    if (d.reasons.length) policy.desc = d.reasons.join('; ');
    policy.is_applied = true;
    const data: Json = { layer: d.layer, rule_ids: d.ruleIds };
    if (d.errors) data.errors = d.errors;
    policy.data = data;
    ev.policy = policy;
    ev.risk_level_id = risk;
    ev.risk_level = RISK[risk];
  }
  const model = r.agent.model && r.agent.provider ? { name: r.agent.model, ai_provider: r.agent.provider } : undefined;
  const a = r.action;
  const uid = ctx.toolCallId ?? `${r.log}:${r.type === 'result' ? r.ref : r.seq}`;
  if (cls.class_uid === 1007) {
    const proc: Json = { uid };
    const name = programName(r);
    if (name) proc.name = name;
    if (a.commandLine !== undefined) proc.cmd_line = a.commandLine;
    else if (a.commands) proc.cmd_line = a.commands.map((c) => c.join(' ')).join('; ');
    if (ctx.cwd) proc.working_directory = ctx.cwd;
    if (ctx.osUser) proc.user = { name: ctx.osUser };
    ev.process = proc;
    if (r.type === 'result' && r.result.exitCode !== undefined) ev.exit_code = r.result.exitCode;
    if (model) ev.ai_model = model;
    // Process Activity keeps an open `unmapped`.
    ev.unmapped = { agentpolicy: unmapped(r) };
  } else if (cls.class_uid === 1001) {
    const p = a.path ?? '';
    const file: Json = { name: path.basename(p) || p || 'unknown', path: p || 'unknown', type_id: 0, type: 'Unknown' };
    if (p) file.parent_folder = path.dirname(p);
    ev.file = file;
    if (r.type === 'result' && r.result.fileChanged !== undefined) ev.file_diff = r.result.fileChanged ? 'changed' : 'unchanged';
  } else {
    const operation = a.kind === 'git.push' ? 'git.push' : a.kind === 'network' ? 'network.connect' : (a.toolName ?? 'tool');
    const request: Json = { uid };
    if (a.toolInput !== undefined) request.data = a.toolInput;
    else if (a.refs) request.data = { refs: a.refs, force: a.force ?? false };
    const api: Json = { operation, service: { name: a.kind === 'git.push' ? 'git' : a.kind === 'network' ? 'network' : (ctx.tool ?? 'agent-tool') }, request };
    if (r.type === 'result') {
      const response: Json = { code: r.result.pushLanded === false || !r.result.ran ? 1 : 0 };
      if (r.result.error) response.error = r.result.error;
      api.response = response;
    }
    ev.api = api;
    ev.src_endpoint = { hostname: ctx.hostname ?? 'unknown' };
    const dstHost = a.host ?? hostOfUrl(a.url);
    if (dstHost || a.remote) {
      const dst: Json = {};
      if (dstHost) dst.hostname = dstHost;
      if (a.remote) dst.name = a.remote;
      ev.dst_endpoint = dst;
    }
    if (a.refs?.length) ev.resources = a.refs.map((x) => ({ name: x.dst ?? x.src, type: 'git.ref', uid: x.src || '(delete)', data: x }));
    if (model) ev.ai_model = model;
  }
  return ev;
}

/** What Process Activity has no attribute for: the chain link, the commands analysis found, approval and result details. */
function unmapped(r: EventRecord): Json {
  const u: Json = { log_prev_hash: r.prev, effect: r.decision?.effect };
  if (r.action.commands) u.commands = r.action.commands;
  if (r.type === 'decision' && r.approval) u.approval = r.approval;
  if (r.type === 'result') {
    u.result = r.result;
    u.ref_seq = r.ref;
  }
  return u;
}

function hostOfUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const scp = /^[^@/]+@([^:/]+):/.exec(url);
  if (scp) return scp[1];
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}
