/**
 * Typed control events (kill switch, re-arm, file restore, ...) and subjects in decision
 * events: built, validated at append, and exported in every format (OCSF checked against
 * the vendored 1.8.0 schemas).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Writable } from 'stream';
import Ajv2020 from 'ajv/dist/2020';
import { AuditLog, AuditLogError } from '../../../src/core/audit/auditLog';
import { controlEvent, decisionEvent } from '../../../src/core/audit/events';
import { ECS_EXPECTED_TYPES, toEcs } from '../../../src/core/audit/export/ecs';
import { EXPORT_FORMATS, exportLog, formatRecord } from '../../../src/core/audit/export/index';
import { ocsfLine, toOcsf } from '../../../src/core/audit/export/ocsf';
import { otlpRequest, toOtlpLogRecord } from '../../../src/core/audit/export/otlp';
import { toCef } from '../../../src/core/audit/export/cef';
import { toHec } from '../../../src/core/audit/export/hec';
import { toSyslog } from '../../../src/core/audit/export/syslog';
import { readRecords } from '../../../src/core/audit/reader';
import { CONTROL_EVENTS } from '../../../src/core/audit/types';
import type { AuditControlEvent, AuditRecord, ControlRecord, DecisionRecord } from '../../../src/core/audit/types';
import { verifyLog } from '../../../src/core/audit/verify';
import { UNKNOWN_SUBJECT } from '../../../src/core/identity/subject';
import { ocsfSchemaDir, rmrf, tempDir } from './helpers';
import { AGENT_SUBJECT, cefHeader, commandDeny, denyDecision, everyControl, PERSON_SUBJECT, subjectDecisions } from './sampleEvents';

// Compile-time contract: facts an event needs are required, facts of another event are refused.
// @ts-expect-error a file restore names the file
controlEvent({ event: 'file-restore', subject: UNKNOWN_SUBJECT, detail: 'x' });
// @ts-expect-error a policy change carries policy hashes, not a path
controlEvent({ event: 'policy-change', subject: UNKNOWN_SUBJECT, detail: 'x', data: { path: '/a' } });


/** CEF extension pairs, honouring \= and \\ escapes. */
function cefExt(ext: string): Map<string, string> {
  const m = new Map<string, string>();
  const re = /([A-Za-z0-9]+)=((?:\\.|[^\\])*?)(?= [A-Za-z0-9]+=|$)/g;
  for (let x = re.exec(ext); x; x = re.exec(ext)) m.set(x[1], x[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c)));
  return m;
}

describe('audit/control events and subjects', () => {
  let tmp: string;
  let dir: string;
  let records: AuditRecord[];
  let controls: ControlRecord[];
  let subjects: DecisionRecord[];
  before(async () => {
    tmp = tempDir();
    dir = path.join(tmp, 'log');
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    for (const ev of [...everyControl(), ...subjectDecisions(), commandDeny()]) await log.append(ev);
    await log.close();
    records = [];
    for await (const b of readRecords(dir)) records.push(...b);
    controls = records.filter((r): r is ControlRecord => r.type === 'control');
    subjects = records.filter((r): r is DecisionRecord => r.type === 'decision' && r.agent.kind !== undefined);
  });
  after(() => rmrf(tmp));

  describe('controlEvent()', () => {
    it('builds a typed event: outcome done by default, one-line detail, the subject, its session', () => {
      const ev = controlEvent({ event: 'kill-switch', subject: AGENT_SUBJECT, detail: '  Block\nAll\r\n\tAgents  ', data: { credentials: 2 } });
      assert.deepStrictEqual(ev, {
        type: 'control',
        subject: AGENT_SUBJECT,
        context: { session: 'sess-9' },
        control: { event: 'kill-switch', outcome: 'done', detail: 'Block All Agents', data: { credentials: 2 } },
      });
      assert.deepStrictEqual(controlEvent({ event: 'rearm', subject: PERSON_SUBJECT, detail: 'x', outcome: 'refused' }).control, { event: 'rearm', outcome: 'refused', detail: 'x', data: {} });
      assert.strictEqual(controlEvent({ event: 'rearm', subject: PERSON_SUBJECT, detail: 'x'.repeat(2000) }).control.detail.length, 500);
    });

    it('every control event kind has a sample (the tests below cover them all)', () => {
      assert.deepStrictEqual([...new Set(everyControl().map((e) => e.control.event))].sort(), [...CONTROL_EVENTS].sort());
    });
  });

  describe('AuditLog.append', () => {
    it('writes control events in the chain, with the writer’s context defaults, each followed by a signed checkpoint', async () => {
      assert.strictEqual(controls.length, everyControl().length);
      for (const r of controls) {
        assert.strictEqual(typeof r.time, 'number');
        assert.ok(r.context.hostname && r.context.osUser, 'defaults filled');
        const next = records.find((x) => x.seq === r.seq + 1)!;
        assert.deepStrictEqual([next.type, (next as { why?: string }).why], ['checkpoint', 'control']);
      }
      assert.strictEqual((await verifyLog(dir)).status, 'ok');
    });

    it('rejects malformed control events (invalid), writing nothing', async () => {
      const d = path.join(tmp, 'bad');
      const log = await AuditLog.open(d, { checkpointIntervalMs: 0 });
      const good = everyControl()[3];
      const bad: [string, unknown, RegExp][] = [
        ['unknown event', { ...good, control: { ...good.control, event: 'self-destruct' } }, /control\.event/],
        ['missing path', { ...good, control: { ...good.control, data: {} } }, /control\.data\.path/],
        ['two-line detail', { ...good, control: { ...good.control, detail: 'a\nb' } }, /control\.detail: must be one line/],
        ['unknown data key', { ...good, control: { ...good.control, data: { path: '/x', secret: 1 } } }, /control\.data/],
        ['bad method', { ...good, subject: { ...good.subject, method: 'telepathy' } }, /subject\.method/],
        ['no subject', { ...good, subject: undefined }, /subject/],
        ['bad outcome', { ...good, control: { ...good.control, outcome: 'maybe' } }, /control\.outcome/],
        ['policy hash not hex', { ...everyControl()[5], control: { ...everyControl()[5].control, data: { after: 'zz' } } }, /control\.data\.after/],
      ];
      for (const [what, ev, re] of bad) {
        await assert.rejects(log.append(ev as AuditControlEvent), (e: unknown) => e instanceof AuditLogError && e.code === 'invalid' && re.test(e.message) && !e.message.includes('\n'), what);
      }
      await assert.rejects(log.append({ ...commandDeny(), agent: { id: 'a', kind: 'robot' as never } }), /agent\.kind/);
      const before = log.headSeq;
      await log.close();
      assert.strictEqual(before, 1, 'only the open record');
    });
  });

  describe('decisionEvent() with a subject', () => {
    it('records the subject’s id, kind, method (as attribution) and evidence, with the registry’s facts', () => {
      const [agent, person, unknown] = subjectDecisions();
      assert.deepStrictEqual(agent.agent, { id: 'claude-code', name: 'Claude Code', owner: 'alice@example.com', riskTier: 'standard', kind: 'agent', attribution: 'hook', evidence: AGENT_SUBJECT.evidence });
      assert.strictEqual(agent.context.session, 'sess-9', 'the subject’s session');
      assert.deepStrictEqual(person.agent, { id: 'alice', kind: 'person', attribution: 'terminal', evidence: PERSON_SUBJECT.evidence });
      assert.deepStrictEqual(unknown.agent, { id: 'unknown', kind: 'unknown', attribution: 'none', evidence: 'nothing identified the requester' });
    });

    it('still takes a whole agent as before (backwards compatible)', () => {
      const ev = decisionEvent({ decision: denyDecision(), agent: { id: 'cursor', attribution: 'credential' }, context: { session: 's' }, request: { path: '/x/.env', kind: 'file.read' } });
      assert.deepStrictEqual(ev.agent, { id: 'cursor', attribution: 'credential' });
      assert.deepStrictEqual(ev.context, { session: 's' });
      assert.strictEqual(ev.action.kind, 'file.read');
    });
  });

  describe('OCSF 1.8.0', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validators = new Map<number, ReturnType<typeof ajv.compile>>();
    before(() => {
      for (const [uid, file] of [
        [1007, 'process_activity.schema.json'],
        [1001, 'file_activity.schema.json'],
        [6003, 'api_activity.schema.json'],
      ] as const) {
        validators.set(uid, ajv.compile(JSON.parse(fs.readFileSync(path.join(ocsfSchemaDir(), file), 'utf8'))));
      }
    });

    it('every control event and every subject-bearing decision validates against its class, type_uid = class_uid*100 + activity_id', () => {
      const seen = new Map<string, number>();
      for (const rec of [...controls, ...subjects]) {
        const ev = toOcsf(rec) as Record<string, any>;
        const validate = validators.get(ev.class_uid)!;
        assert.ok(validate(ev), `${rec.type} ${rec.type === 'control' ? rec.control.event : ''}: ${ajv.errorsText(validate.errors)}`);
        assert.strictEqual(ev.type_uid, ev.class_uid * 100 + ev.activity_id);
        assert.strictEqual(ev.type_name, `${ev.class_name}: ${ev.activity_name}`);
        if (rec.type === 'control') seen.set(rec.control.event, ev.class_uid);
      }
      assert.strictEqual(seen.get('file-restore'), 1001, 'File System Activity for a file restore');
      for (const e of CONTROL_EVENTS) if (e !== 'file-restore') assert.strictEqual(seen.get(e), 6003, `API Activity for ${e}`);
    });

    it('the schema check can fail for a control event (a broken one is rejected)', () => {
      const ev = toOcsf(controls[0])! as Record<string, unknown>;
      delete ev.api;
      assert.strictEqual(validators.get(6003)!(ev), false);
    });

    it('maps activities, outcome, actor, file, policy, count and tags', () => {
      const of = (event: string, outcome = 'done') => toOcsf(controls.find((r) => r.control.event === event && r.control.outcome === outcome)!)! as Record<string, any>;
      const kill = of('kill-switch');
      assert.deepStrictEqual([kill.activity_id, kill.activity_name, kill.action_id, kill.disposition_id, kill.status_id], [99, 'Kill Switch', 1, 1, 1]);
      assert.deepStrictEqual(kill.api.operation, 'agentpolicy.kill-switch');
      assert.deepStrictEqual(kill.api.request.data, { credentials: 3, grants: 2 });
      assert.strictEqual(kill.actor.app_uid, 'alice');
      const tag = (ev: Record<string, any>, name: string) => ev.metadata.tags.find((t: { name: string }) => t.name === name);
      assert.deepStrictEqual([tag(kill, 'subject.kind').value, tag(kill, 'subject.method').value, tag(kill, 'control.event').value], ['person', 'terminal', 'kill-switch']);
      assert.match(kill.message, /^Person alice: kill switch: Block All Agents/);
      const refusedRearm = of('rearm', 'refused');
      assert.deepStrictEqual([refusedRearm.action_id, refusedRearm.disposition_id, refusedRearm.status_id], [2, 2, 2]);
      assert.match(refusedRearm.message, /^Agent claude-code: re-arm refused: /);
      const restore = of('file-restore');
      assert.deepStrictEqual([restore.class_uid, restore.activity_id, restore.file.path, restore.file.name], [1001, 3, '/home/alice/proj/.github/workflows/ci.yml', 'ci.yml']);
      assert.deepStrictEqual(tag(restore, 'control.ruleIds').values, ['protect-ci']);
      const policy = of('policy-change');
      assert.deepStrictEqual([policy.activity_id, policy.policy.uid, policy.policy.data.before], [3, 'b'.repeat(64), 'a'.repeat(64)]);
      const refused = of('refused-requests', 'refused');
      assert.deepStrictEqual([refused.count, refused.api.request.data.peerUid, refused.severity_id], [300, 1001, 4]);
      assert.deepStrictEqual(refused.api.request.data.counts[1], { count: 1, reason: 'frame too large', transport: 'tcp', peerUid: 1001 });
      assert.deepStrictEqual(JSON.parse(tag(refused, 'control.counts').values[0]), { count: 299, reason: 'no credential', transport: 'tcp', peerUid: 1001 });
      assert.strictEqual(of('sandbox-off').api.request.data.program, '/usr/bin/claude');
      const hook = of('hook-config');
      assert.deepStrictEqual([hook.activity_name, hook.api.request.data.files, hook.severity_id], ['Update', ['/home/alice/.gemini/settings.json'], 4]);
    });

    it('subjects in decisions: tags subject.kind and subject.evidence next to agent.attribution', () => {
      const [agent, person] = subjects.map((r) => toOcsf(r)! as Record<string, any>);
      const tags = (ev: Record<string, any>) => Object.fromEntries(ev.metadata.tags.map((t: { name: string; value: string }) => [t.name, t.value]));
      assert.deepStrictEqual([tags(agent)['agent.attribution'], tags(agent)['subject.kind'], tags(agent)['subject.evidence']], ['hook', 'agent', AGENT_SUBJECT.evidence]);
      assert.strictEqual(tags(person)['subject.kind'], 'person');
      assert.match(person.message, /^Person alice: run cat \.env: denied/);
      assert.strictEqual(agent.actor.app_uid, 'claude-code');
    });

    it('ocsfLine is JSON.stringify(toOcsf(r)) for control events and subject-bearing decisions', () => {
      for (const rec of [...controls, ...subjects]) assert.strictEqual(ocsfLine(rec), JSON.stringify(toOcsf(rec)), `seq ${rec.seq}`);
    });
  });

  it('ECS: category/type pairs ECS expects, action and outcome of the control event, subject labels', () => {
    for (const rec of [...controls, ...subjects]) {
      const doc = toEcs(rec) as Record<string, any>;
      for (const c of doc.event.category) for (const t of doc.event.type) assert.ok(ECS_EXPECTED_TYPES[c]?.includes(t), `${c}/${t}`);
      assert.strictEqual(doc.event.id, `${rec.log}:${rec.seq}`);
      assert.ok(doc.labels.subject_kind, 'subject kind label');
    }
    const restore = toEcs(controls.find((r) => r.control.event === 'file-restore')!) as Record<string, any>;
    assert.deepStrictEqual([restore.event.action, restore.event.outcome, restore.file.path], ['control-file-restore', 'success', '/home/alice/proj/.github/workflows/ci.yml']);
    const refused = toEcs(controls.find((r) => r.control.event === 'refused-requests')!) as Record<string, any>;
    assert.deepStrictEqual([refused.event.outcome, refused.source.user.id, refused.event.category[0]], ['failure', '1001', 'network']);
    const [agent, person] = subjects.map((r) => toEcs(r) as Record<string, any>);
    assert.strictEqual(agent.gen_ai.agent.id, 'claude-code');
    assert.strictEqual(person.gen_ai?.agent, undefined, 'a person is not an AI agent');
    assert.deepStrictEqual([person.labels.subject_kind, person.labels.subject_method], ['person', 'terminal']);
  });

  it('CEF: signature control.<event>, escaped header and extension, subject in flex strings', () => {
    for (const rec of [...controls, ...subjects]) {
      const line = toCef(rec);
      assert.ok(!line.includes('\n'));
      const { fields, ext } = cefHeader(line);
      assert.strictEqual(fields.length, 7, line);
      const e = cefExt(ext);
      assert.strictEqual(e.get('externalId'), `${rec.log}:${rec.seq}`);
      assert.strictEqual(e.get('flexString1Label'), 'subjectKind');
      if (rec.type === 'control') {
        assert.strictEqual(fields[4], `control.${rec.control.event}`);
        assert.strictEqual(e.get('act'), rec.control.event);
        assert.strictEqual(e.get('outcome'), rec.control.outcome);
        assert.strictEqual(e.get('reason'), rec.control.detail, 'the detail survives escaping');
      }
    }
    const refused = cefExt(cefHeader(toCef(controls.find((r) => r.control.event === 'refused-requests')!)).ext);
    assert.deepStrictEqual([refused.get('cnt'), refused.get('cn2Label'), refused.get('cn2')], ['300', 'peerUid', '1001']);
    const restore = cefExt(cefHeader(toCef(controls.find((r) => r.control.event === 'file-restore')!)).ext);
    assert.strictEqual(restore.get('filePath'), '/home/alice/proj/.github/workflows/ci.yml');
    const agent = cefExt(cefHeader(toCef(subjects[0])).ext);
    assert.deepStrictEqual([agent.get('flexString1'), agent.get('flexString2')], ['agent', `hook: ${AGENT_SUBJECT.evidence}`]);
  });

  it('syslog: msgid control, structured data with the event, its data and the subject', () => {
    const sandbox = toSyslog(controls.find((r) => r.control.event === 'sandbox-off')!);
    assert.match(sandbox, /^<108>1 \S+ \S+ agentpolicy \d+ control \[agentpolicy@32473 /, 'warning: protection lowered');
    assert.ok(sandbox.includes(' event="sandbox-off"') && sandbox.includes(' data.program="/usr/bin/claude"') && sandbox.includes(' subjectKind="person"'), sandbox);
    const refused = toSyslog(controls.find((r) => r.control.event === 'refused-requests')!);
    assert.ok(refused.includes('data.count="300"'), refused);
    assert.ok(!/\n/.test(toSyslog(controls.find((r) => r.control.event === 'host-start')!)));
    const agent = toSyslog(subjects[0]);
    assert.ok(agent.includes(' subjectKind="agent"') && agent.includes(' attribution="hook"'), agent);
  });

  it('HEC and OTLP: indexed fields and attributes name the control event and the subject', () => {
    const kill = controls[0];
    const hec = toHec(kill) as { fields: Record<string, string>; event: unknown };
    assert.deepStrictEqual([hec.fields.record_type, hec.fields.control_event, hec.fields.outcome, hec.fields.subject_kind], ['control', 'kill-switch', 'done', 'person']);
    assert.deepStrictEqual(hec.event, kill);
    const req = otlpRequest([...controls, ...subjects].map(toOtlpLogRecord)) as any;
    const lrs = req.resourceLogs[0].scopeLogs[0].logRecords as { eventName: string; attributes: { key: string; value: Record<string, unknown> }[]; severityText: string }[];
    const attrs = (i: number) => Object.fromEntries(lrs[i].attributes.map((a) => [a.key, a.value]));
    assert.strictEqual(lrs[0].eventName, 'agentpolicy.control');
    assert.deepStrictEqual(attrs(0)['agentpolicy.control.event'], { stringValue: 'kill-switch' });
    assert.deepStrictEqual(attrs(0)['agentpolicy.control.data.credentials'], { intValue: '3' });
    const restore = controls.findIndex((r) => r.control.event === 'file-restore');
    assert.deepStrictEqual(attrs(restore)['file.path'], { stringValue: '/home/alice/proj/.github/workflows/ci.yml' });
    const person = controls.length + 1;
    assert.deepStrictEqual(attrs(person)['agentpolicy.subject.kind'], { stringValue: 'person' });
    assert.strictEqual(attrs(person)['gen_ai.agent.id'], undefined);
    assert.deepStrictEqual(attrs(controls.length)['agentpolicy.subject.evidence'], { stringValue: AGENT_SUBJECT.evidence });
  });

  it('JSONL and every format: one line per control event; the pipeline (in-thread and on workers) writes the same bytes', async () => {
    for (const format of EXPORT_FORMATS) {
      for (const rec of controls) {
        const line = formatRecord(rec, format);
        assert.ok(line && !line.includes('\n'), `${format} ${rec.control.event}`);
      }
      let ref = '';
      for (const rec of records) {
        const line = formatRecord(rec, format);
        if (line !== undefined) ref += line + '\n';
      }
      for (const workers of [0, 2]) {
        let out = '';
        const sink = new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) });
        const r = await exportLog(dir, format, sink, {}, { workers, chunkBytes: 2000 });
        assert.strictEqual(out, ref, `${format} workers ${workers}`);
        if (workers) assert.strictEqual(r.workers, 2);
      }
    }
    const back = JSON.parse(formatRecord(controls[0], 'jsonl')!);
    assert.deepStrictEqual(back, controls[0]);
  });
});
