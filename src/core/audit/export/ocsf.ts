/**
 * OCSF 1.8.0: Process Activity (1007) for commands, File System Activity (1001)
 * for file actions, API Activity (6003) for pushes, tool calls and egress.
 * The decision goes in the security_control profile fields.
 *
 * Control events of the guard: File System Activity Update for a file restore, API
 * Activity for the rest (Update for a policy change; Other, named, for kill switch,
 * re-arm, sandbox off, refused requests, host start/stop); whether the host did it or
 * refused it goes in the same security_control fields.
 *
 * Note: in the 1001 and 6003 schemas `unmapped` is a closed object, so details
 * that have no OCSF attribute go to metadata.tags (key/value) and policy.data.
 */
import * as path from 'path';
import type { AuditRecord, ControlEventKind } from '../types';
import { controlDataPairs, controlEventSummary, controlRisk, eventId, isControlEvent, isEventRecord, outcomeOf, permitted, PRODUCT, programName, riskLevel, summary } from './common';
import type { ControlRecord, EventRecord, Outcome, ProductInfo } from './common';
import { jobj, jobj1, jprop, jstr, jval } from './json';

export const OCSF_VERSION = '1.8.0';

const SEVERITY = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical'];
const RISK = ['Info', 'Low', 'Medium', 'High', 'Critical'];

type Json = Record<string, unknown>;

interface OcsfClass {
  class_uid: number;
  class_name: string;
  category_uid: number;
  category_name: string;
  activity_id: number;
  activity_name: string;
  /** The class fields as JSON text, from `"class_uid"` to `"type_name":…` (no braces). */
  head: string;
}

function ocsfClass(class_uid: number, class_name: string, category_uid: number, category_name: string, activity_id: number, activity_name: string): OcsfClass {
  const c = { class_uid, class_name, category_uid, category_name, activity_id, activity_name };
  const head = JSON.stringify({ ...c, type_uid: class_uid * 100 + activity_id, type_name: `${class_name}: ${activity_name}` }).slice(1, -1);
  return { ...c, head };
}

const PROCESS_LAUNCH = ocsfClass(1007, 'Process Activity', 1, 'System Activity', 1, 'Launch');
const PROCESS_TERMINATE = ocsfClass(1007, 'Process Activity', 1, 'System Activity', 2, 'Terminate');
const FILE_READ = ocsfClass(1001, 'File System Activity', 1, 'System Activity', 2, 'Read');
const FILE_UPDATE = ocsfClass(1001, 'File System Activity', 1, 'System Activity', 3, 'Update');
const FILE_DELETE = ocsfClass(1001, 'File System Activity', 1, 'System Activity', 4, 'Delete');
const API_UPDATE = ocsfClass(6003, 'API Activity', 6, 'Application Activity', 3, 'Update');
const API_DELETE = ocsfClass(6003, 'API Activity', 6, 'Application Activity', 4, 'Delete');
const API_CONNECT = ocsfClass(6003, 'API Activity', 6, 'Application Activity', 99, 'Connect');
const API_INVOKE = ocsfClass(6003, 'API Activity', 6, 'Application Activity', 99, 'Invoke');

const CONTROL_CLASS: Readonly<Record<ControlEventKind, OcsfClass>> = {
  'kill-switch': ocsfClass(6003, 'API Activity', 6, 'Application Activity', 99, 'Kill Switch'),
  rearm: ocsfClass(6003, 'API Activity', 6, 'Application Activity', 99, 'Re-arm'),
  'file-restore': FILE_UPDATE,
  'sandbox-off': ocsfClass(6003, 'API Activity', 6, 'Application Activity', 99, 'Sandbox Off'),
  'policy-change': API_UPDATE,
  'refused-requests': ocsfClass(6003, 'API Activity', 6, 'Application Activity', 99, 'Refuse'),
  'host-start': ocsfClass(6003, 'API Activity', 6, 'Application Activity', 99, 'Start'),
  'host-stop': ocsfClass(6003, 'API Activity', 6, 'Application Activity', 99, 'Stop'),
  'hook-config': API_UPDATE,
};

function classOf(r: EventRecord): OcsfClass {
  switch (r.action.kind) {
    case 'command':
    case 'opaque':
    case 'env.set':
      return r.type === 'result' ? PROCESS_TERMINATE : PROCESS_LAUNCH;
    case 'file.read':
      return FILE_READ;
    case 'file.write':
      return FILE_UPDATE;
    case 'file.delete':
      return FILE_DELETE;
    case 'git.push': {
      const deletes = (r.action.refs ?? []).length > 0 && (r.action.refs ?? []).every((x) => x.delete);
      return deletes ? API_DELETE : API_UPDATE;
    }
    case 'network':
      return API_CONNECT;
    case 'tool':
      return API_INVOKE;
  }
}

type SecurityControl = { action_id: number; action: string; disposition_id: number; disposition: string };

/** security_control: action_id 1 Allowed / 2 Denied; disposition 1 Allowed, 2 Blocked, 8 Approved, 25 Rejected. */
const SECURITY_CONTROL: Record<Outcome, SecurityControl> = {
  allowed: { action_id: 1, action: 'Allowed', disposition_id: 1, disposition: 'Allowed' },
  approved: { action_id: 1, action: 'Allowed', disposition_id: 8, disposition: 'Approved' },
  rejected: { action_id: 2, action: 'Denied', disposition_id: 25, disposition: 'Rejected' },
  denied: { action_id: 2, action: 'Denied', disposition_id: 2, disposition: 'Blocked' },
  pending: { action_id: 99, action: 'Approval Required', disposition_id: 99, disposition: 'Pending Approval' },
};

/** The same fields as JSON text with a leading comma, for ocsfLine. */
const SECURITY_CONTROL_JSON = Object.fromEntries(Object.entries(SECURITY_CONTROL).map(([k, v]) => [k, ',' + JSON.stringify(v).slice(1, -1)])) as Record<Outcome, string>;

function securityControl(r: EventRecord): SecurityControl {
  return { ...SECURITY_CONTROL[outcomeOf(r)] };
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
  add('subject.kind', r.agent.kind);
  add('subject.evidence', r.agent.evidence);
  if (r.type === 'decision' && r.approval) {
    add('approval.approver', r.approval.approver);
    add('approval.outcome', r.approval.outcome);
    add('approval.scope', r.approval.scope);
    add('approval.via', r.approval.via);
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

/** Maps one record; undefined for the log's own records (checkpoints, open, recovery). */
export function toOcsf(rec: AuditRecord, product: ProductInfo = PRODUCT): Json | undefined {
  if (isControlEvent(rec)) return controlToOcsf(rec, product);
  if (!isEventRecord(rec)) return undefined;
  // Built by assignment, not spreads: this runs a million times in an export.
  const r = rec;
  const cls = classOf(r);
  const risk = riskLevel(r);
  const severity_id = risk === 0 ? 1 : risk + 1;
  const ctx = r.context;
  const st = status(r);
  const ev = header(cls, r.time, severity_id, st);
  ev.message = summary(r);
  ev.metadata = metadataOf(r, ctx, product, tags(r));
  ev.actor = actorOf(ctx, r.agent.name ?? r.agent.id, r.agent.id);
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

/** A control event of the guard (see the module comment). */
/** What every event opens with: its class, time, severity and status. */
function header(cls: OcsfClass, time: unknown, severity_id: number, st: { status_id: number; status: string; status_detail?: string }): Json {
  const ev: Json = {
    class_uid: cls.class_uid,
    class_name: cls.class_name,
    category_uid: cls.category_uid,
    category_name: cls.category_name,
    activity_id: cls.activity_id,
    activity_name: cls.activity_name,
    type_uid: cls.class_uid * 100 + cls.activity_id,
    type_name: `${cls.class_name}: ${cls.activity_name}`,
    time,
    severity_id,
    severity: SEVERITY[severity_id],
    status_id: st.status_id,
    status: st.status,
  };
  if (st.status_detail !== undefined) ev.status_detail = st.status_detail;
  return ev;
}

type RecordContext = { session?: string; terminal?: string; pep?: string; osUser?: string; osUid?: number; hostname?: string };

function metadataOf(r: AuditRecord, ctx: RecordContext, product: ProductInfo, tags: unknown[]): Json {
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
  metadata.tags = tags;
  return metadata;
}

/** The OS user behind the request, and the app (agent, person) acting as them. */
function actorOf(ctx: RecordContext, app_name: string, app_uid: string): Json {
  const user: Json = { name: ctx.osUser ?? 'unknown' };
  if (ctx.osUid !== undefined && ctx.osUid >= 0) user.uid = String(ctx.osUid);
  user.type_id = 1;
  user.type = 'User';
  const actor: Json = { app_name, app_uid, user };
  if (ctx.session || ctx.terminal) {
    const session: Json = {};
    if (ctx.session) session.uid = ctx.session;
    if (ctx.terminal) session.terminal = ctx.terminal;
    actor.session = session;
  }
  if (ctx.pep) actor.invoked_by = ctx.pep;
  return actor;
}

function controlToOcsf(r: ControlRecord, product: ProductInfo): Json {
  const c = r.control;
  const cls = CONTROL_CLASS[c.event] ?? CONTROL_CLASS['host-start'];
  const risk = controlRisk(r);
  const severity_id = risk + 1;
  const ctx = r.context ?? {};
  const done = c.outcome === 'done';
  const ev = header(cls, r.time, severity_id, { status_id: done ? 1 : 2, status: done ? 'Success' : 'Failure', status_detail: c.detail });
  ev.message = controlEventSummary(r);
  const tags: { name: string; value?: string; values?: string[] }[] = [];
  const add = (name: string, value: unknown): void => {
    if (Array.isArray(value)) tags.push({ name, values: value.map(String) });
    else if (value !== undefined && value !== null && value !== '') tags.push({ name, value: String(value) });
  };
  add('subject.kind', r.subject.kind);
  add('subject.method', r.subject.method);
  add('subject.evidence', r.subject.evidence);
  add('control.event', c.event);
  add('control.outcome', c.outcome);
  for (const [k, v] of controlDataPairs(r)) add(`control.${k}`, v);
  add('policy.hash', r.policyHash);
  add('context.pep', ctx.pep);
  add('context.workspace', ctx.workspace);
  ev.metadata = metadataOf(r, ctx, product, tags);
  ev.actor = actorOf(ctx, r.subject.id, r.subject.id);
  ev.device = { type_id: 2, type: 'Desktop', hostname: ctx.hostname ?? 'unknown' };
  const sc = SECURITY_CONTROL[done ? 'allowed' : 'denied'];
  ev.action_id = sc.action_id;
  ev.action = sc.action;
  ev.disposition_id = sc.disposition_id;
  ev.disposition = sc.disposition;
  if (c.event === 'policy-change') {
    const data: Json = { after: c.data.after };
    if (c.data.before !== undefined) data.before = c.data.before;
    if (c.data.layers) data.layers = c.data.layers;
    if (c.data.file) data.file = c.data.file;
    ev.policy = { name: 'effective policy', uid: c.data.after, version: c.data.after.slice(0, 12), desc: c.detail, is_applied: true, data };
  } else if (r.policyHash) {
    ev.policy = { name: 'effective policy', uid: r.policyHash, version: r.policyHash.slice(0, 12), is_applied: true };
  }
  ev.risk_level_id = risk;
  ev.risk_level = RISK[risk];
  if (c.event === 'file-restore') {
    const p = c.data.path;
    ev.file = { name: path.basename(p) || p, path: p, type_id: 0, type: 'Unknown', parent_folder: path.dirname(p) };
  } else {
    ev.api = { operation: `agentpolicy.${c.event}`, service: { name: 'agentpolicy' }, request: { uid: eventId(r), data: c.data } };
    ev.src_endpoint = { hostname: ctx.hostname ?? 'unknown' };
    if (c.event === 'refused-requests') ev.count = c.data.count;
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

// ---------------------------------------------------------------------------
// The same mapping written straight to JSON text. `npm run bench` exports a
// million of these; building the object and then JSON.stringify-ing it was most
// of the cost. Every property appears in the order toOcsf assigns it and every
// value goes through jval/jprop (JSON.stringify's rules: undefined leaves the
// property out), so ocsfLine(r) === JSON.stringify(toOcsf(r)) byte for byte —
// the unit tests check that on every sample record. Change both together.
// ---------------------------------------------------------------------------

let productCache: { name: string; vendor: string; version: string; json: string } | undefined;

function productJson(p: ProductInfo): string {
  const c = productCache;
  if (c && c.name === p.name && c.vendor === p.vendor && c.version === p.version) return c.json;
  const json = JSON.stringify({ name: p.name, vendor_name: p.vendor, version: p.version });
  productCache = { name: p.name, vendor: p.vendor, version: p.version, json };
  return json;
}

/** Appends one tag to the list so far ('' for none yet, else '[' and the tags without the closing ']'). */
function tag(t: string, name: string, value: unknown): string {
  if (value === undefined || value === null || value === '') return t;
  return (t === '' ? '[{"name":"' : t + ',{"name":"') + name + '","value":' + jstr(String(value)) + '}';
}

function tagsJson(r: EventRecord): string {
  let t = '';
  t = tag(t, 'agent.owner', r.agent.owner);
  t = tag(t, 'agent.risk_tier', r.agent.riskTier);
  t = tag(t, 'agent.attribution', r.agent.attribution);
  t = tag(t, 'subject.kind', r.agent.kind);
  t = tag(t, 'subject.evidence', r.agent.evidence);
  if (r.type === 'decision' && r.approval) {
    t = tag(t, 'approval.approver', r.approval.approver);
    t = tag(t, 'approval.outcome', r.approval.outcome);
    t = tag(t, 'approval.scope', r.approval.scope);
    t = tag(t, 'approval.via', r.approval.via);
  }
  if (r.type === 'result') t = tag(t, 'result.ref_seq', r.ref);
  t = tag(t, 'policy.hash', r.policyHash);
  t = tag(t, 'context.pep', r.context.pep);
  t = tag(t, 'context.tool', r.context.tool);
  t = tag(t, 'context.workspace', r.context.workspace);
  t = tag(t, 'repo.root', r.context.repo?.root);
  t = tag(t, 'repo.remote', r.context.repo?.remote);
  t = tag(t, 'repo.branch', r.context.repo?.branch);
  return t === '' ? '[]' : t + ']';
}

function unmappedJson(r: EventRecord): string {
  let u = jprop('effect', r.decision?.effect);
  if (r.action.commands) u += ',"commands":' + jval(r.action.commands);
  if (r.type === 'decision' && r.approval) u += ',"approval":' + jval(r.approval);
  if (r.type === 'result') u += jprop('result', r.result) + jprop('ref_seq', r.ref);
  return jobj1('log_prev_hash', r.prev, u);
}

/** JSON.stringify(toOcsf(rec, product)), built directly as text; undefined for the log's own records. */
export function ocsfLine(rec: AuditRecord, product: ProductInfo = PRODUCT): string | undefined {
  // Control events are rare: no hand-built text, the object serialised is the same bytes by construction.
  if (rec.type === 'control') return JSON.stringify(controlToOcsf(rec, product));
  if (!isEventRecord(rec)) return undefined;
  const r = rec;
  const cls = classOf(r);
  const risk = riskLevel(r);
  const severity_id = risk === 0 ? 1 : risk + 1;
  const ctx = r.context;
  const st = status(r);
  let s = '{' + cls.head + jprop('time', r.time) + jprop('severity_id', severity_id) + jprop('severity', SEVERITY[severity_id]) + ',"status_id":' + st.status_id + ',"status":"' + st.status + '"';
  s += jprop('status_detail', st.status_detail);
  s += ',"message":' + jstr(summary(r));
  s += ',"metadata":{"version":"' + OCSF_VERSION + '","product":' + productJson(product) + ',"uid":' + jstr(eventId(r)) + ',"log_name":"agentpolicy-audit","log_provider":"agentpolicy"';
  s += jprop('sequence', r.seq) + jprop('logged_time', r.ts);
  if (ctx.session) s += ',"correlation_uid":' + jval(ctx.session);
  s += ',"profiles":["security_control","host"],"tags":' + tagsJson(r) + '}';
  let user = '{"name":' + jval(ctx.osUser ?? 'unknown');
  if (ctx.osUid !== undefined && ctx.osUid >= 0) user += ',"uid":' + jstr(String(ctx.osUid));
  user += ',"type_id":1,"type":"User"}';
  let actor = jprop('app_uid', r.agent.id) + ',"user":' + user;
  if (ctx.session || ctx.terminal) {
    const terminal = ctx.terminal ? ',"terminal":' + jval(ctx.terminal) : '';
    actor += ',"session":' + (ctx.session ? '{"uid":' + jval(ctx.session) + terminal + '}' : jobj(terminal));
  }
  if (ctx.pep) actor += ',"invoked_by":' + jval(ctx.pep);
  s += ',"actor":' + jobj1('app_name', r.agent.name ?? r.agent.id, actor);
  s += ',"device":{"type_id":2,"type":"Desktop","hostname":' + jval(ctx.hostname ?? 'unknown') + '}';
  if (r.decision) {
    s += SECURITY_CONTROL_JSON[outcomeOf(r)];
    const d = r.decision;
    let policy = '{"name":' + jval(d.ruleIds[0] ?? `${d.layer} default`) + ',"uid":' + jstr(d.ruleIds.length ? d.ruleIds.join(',') : `default:${d.layer}:${r.action.kind}`);
    const version = r.policyVersion ?? r.policyHash?.slice(0, 12);
    if (version) policy += ',"version":' + jval(version);
    if (d.reasons.length) policy += ',"desc":' + jstr(d.reasons.join('; '));
    policy += ',"is_applied":true';
    let data = jprop('rule_ids', d.ruleIds);
    if (d.errors) data += ',"errors":' + jval(d.errors);
    policy += ',"data":' + jobj1('layer', d.layer, data) + '}';
    s += ',"policy":' + policy + jprop('risk_level_id', risk) + jprop('risk_level', RISK[risk]);
  }
  const model = r.agent.model && r.agent.provider ? '{"name":' + jval(r.agent.model) + ',"ai_provider":' + jval(r.agent.provider) + '}' : undefined;
  const a = r.action;
  const uid = jval(ctx.toolCallId ?? `${r.log}:${r.type === 'result' ? r.ref : r.seq}`);
  if (cls.class_uid === 1007) {
    let proc = '{"uid":' + uid;
    const name = programName(r);
    if (name) proc += ',"name":' + jval(name);
    if (a.commandLine !== undefined) proc += ',"cmd_line":' + jval(a.commandLine);
    else if (a.commands) proc += ',"cmd_line":' + jstr(a.commands.map((c) => c.join(' ')).join('; '));
    if (ctx.cwd) proc += ',"working_directory":' + jval(ctx.cwd);
    if (ctx.osUser) proc += ',"user":{"name":' + jval(ctx.osUser) + '}';
    s += ',"process":' + proc + '}';
    if (r.type === 'result' && r.result.exitCode !== undefined) s += jprop('exit_code', r.result.exitCode);
    if (model) s += ',"ai_model":' + model;
    s += ',"unmapped":{"agentpolicy":' + unmappedJson(r) + '}';
  } else if (cls.class_uid === 1001) {
    const p = a.path ?? '';
    let file = '{"name":' + jval(path.basename(p) || p || 'unknown') + ',"path":' + jval(p || 'unknown') + ',"type_id":0,"type":"Unknown"';
    if (p) file += ',"parent_folder":' + jval(path.dirname(p));
    s += ',"file":' + file + '}';
    if (r.type === 'result' && r.result.fileChanged !== undefined) s += ',"file_diff":' + (r.result.fileChanged ? '"changed"' : '"unchanged"');
  } else {
    const operation = a.kind === 'git.push' ? 'git.push' : a.kind === 'network' ? 'network.connect' : (a.toolName ?? 'tool');
    let request = '{"uid":' + uid;
    if (a.toolInput !== undefined) request += jprop('data', a.toolInput);
    else if (a.refs) request += ',"data":' + jobj1('refs', a.refs, jprop('force', a.force ?? false));
    request += '}';
    let api = '{"operation":' + jval(operation) + ',"service":{"name":' + jval(a.kind === 'git.push' ? 'git' : a.kind === 'network' ? 'network' : (ctx.tool ?? 'agent-tool')) + '},"request":' + request;
    if (r.type === 'result') {
      let response = '{"code":' + (r.result.pushLanded === false || !r.result.ran ? 1 : 0);
      if (r.result.error) response += ',"error":' + jval(r.result.error);
      api += ',"response":' + response + '}';
    }
    s += ',"api":' + api + '}';
    s += ',"src_endpoint":{"hostname":' + jval(ctx.hostname ?? 'unknown') + '}';
    const dstHost = a.host ?? hostOfUrl(a.url);
    if (dstHost || a.remote) {
      const name = a.remote ? ',"name":' + jval(a.remote) : '';
      s += ',"dst_endpoint":' + (dstHost ? '{"hostname":' + jval(dstHost) + name + '}' : jobj(name));
    }
    if (a.refs?.length) s += ',"resources":[' + a.refs.map((x) => jobj1('name', x.dst ?? x.src, ',"type":"git.ref","uid":' + jval(x.src || '(delete)') + jprop('data', x))).join(',') + ']';
    if (model) s += ',"ai_model":' + model;
  }
  return s + '}';
}
