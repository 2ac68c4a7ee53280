/**
 * The fast export path: ocsfLine writes the same bytes as JSON.stringify(toOcsf()),
 * and the chunked pipeline — in-thread or on worker threads — writes the same
 * bytes as formatting the records readRecords yields, for every format.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Writable } from 'stream';
import { AuditLog } from '../../../src/core/audit/auditLog';
import { EXPORT_FORMATS, exportLog, formatRecord } from '../../../src/core/audit/export/index';
import type { ExportFormat, ExportOptions } from '../../../src/core/audit/export/index';
import { jstr, jval } from '../../../src/core/audit/export/json';
import { ocsfLine, toOcsf } from '../../../src/core/audit/export/ocsf';
import { readRecords } from '../../../src/core/audit/reader';
import type { ReadStats, RecordFilter } from '../../../src/core/audit/reader';
import type { AuditRecord } from '../../../src/core/audit/types';
import { rmrf, tempDir } from './helpers';
import { everyKind } from './sampleEvents';

/** The export as it was before the pipeline: readRecords, then one formatted line per record. */
async function reference(target: string, format: ExportFormat, filter: RecordFilter = {}): Promise<{ text: string; events: number; omitted: number; stats: ReadStats }> {
  const stats: ReadStats = { skipped: 0, torn: 0 };
  let text = '';
  let events = 0;
  let omitted = 0;
  for await (const batch of readRecords(target, filter, stats)) {
    for (const rec of batch) {
      const line = format === 'ocsf' ? (toOcsf(rec) && JSON.stringify(toOcsf(rec))) : formatRecord(rec, format);
      if (line === undefined) omitted++;
      else {
        text += line + '\n';
        events++;
      }
    }
  }
  return { text, events, omitted, stats };
}

async function run(target: string, format: ExportFormat, filter: RecordFilter, opts: ExportOptions): Promise<{ text: string; events: number; omitted: number; stats: ReadStats; workers: number }> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 1024,
    write(c: Buffer | string, _e, cb) {
      chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
      // Slow consumer: exercises back-pressure.
      setImmediate(cb);
    },
  });
  const r = await exportLog(target, format, sink, filter, opts);
  return { text: Buffer.concat(chunks).toString('utf8'), events: r.events, omitted: r.omitted, stats: r.stats, workers: r.workers };
}

/** Variations of every sample event that take the mapping's less travelled branches. */
function oddRecords(): AuditRecord[] {
  const base = { v: 1 as const, log: 'odd-log', ts: 1_780_000_000_000, prev: 'f'.repeat(64) };
  const evs = everyKind();
  const out: AuditRecord[] = [];
  let seq = 1;
  const add = (e: object): void => {
    out.push({ ...base, seq, time: base.ts + seq, ...e } as unknown as AuditRecord);
    seq++;
  };
  for (const e of evs) {
    add(e);
    // Bare context and agent: only what the types require.
    add({ ...e, agent: { id: 'bare' }, context: {}, policyHash: undefined, policyVersion: undefined });
    // Strings JSON must escape, non-ASCII, a lone surrogate, a line separator.
    add({
      ...e,
      agent: { ...e.agent, name: 'Agent "Q" \\ \u00e9', owner: 'o\u2028wner', riskTier: 'x\ud800y' },
      context: { ...e.context, session: 'sess\n"2"', terminal: '\u0001tty', hostname: 'h\u00f6st', osUser: 'r\u00f6ot', osUid: 0, cwd: '/tmp/\u{1f600}' },
    });
    // Negative uid, no session but a terminal, no tool call id.
    add({ ...e, context: { ...e.context, osUid: -1, session: undefined, toolCallId: undefined, terminal: 'pts/9' } });
  }
  // Errors, no reasons, no rule ids, errors list, a deleting push, a push URL in scp and URL form.
  const deny = evs[0] as { decision: object };
  add({ ...evs[0], decision: { ...deny.decision, ruleIds: [], reasons: [], errors: ['bad rule "x"'] } });
  add({ ...evs[4], action: { kind: 'git.push', remote: 'up', url: 'https://git.example/x.git', refs: [{ src: '', dst: 'old', force: false, delete: true }] } });
  add({ ...evs[4], action: { kind: 'git.push', url: 'git@host.example:a/b.git' } });
  add({ ...evs[4], action: { kind: 'git.push', url: 'not a url' } });
  add({ type: 'result', ref: 3, agent: { id: 'a' }, context: {}, action: { kind: 'tool', toolName: 't', toolInput: null }, result: { ran: true, error: 'boom\n"x"' } });
  add({ type: 'result', ref: 4, agent: { id: 'a' }, context: {}, action: { kind: 'command', commands: [['ls', '-l']] }, result: { ran: true, exitCode: 0 } });
  add({ type: 'result', ref: 5, agent: { id: 'a' }, context: {}, action: { kind: 'file.write' }, result: { ran: false, fileChanged: false } });
  add({ type: 'checkpoint', jws: 'a.b.c', why: 'deny' });
  add({ type: 'open', pid: 1, kid: 'k', hostname: 'h' });
  return out;
}

describe('audit/export pipeline', () => {
  describe('jstr/jval', () => {
    it('write what JSON.stringify writes', () => {
      for (const v of ['', 'plain', 'q"uote', 'back\\slash', 'nl\n', '\u0000\u001f\u007f', '\u2028\u2029', '\ud800', '\udc00x', '\u{1f600}', 'é']) assert.strictEqual(jstr(v), JSON.stringify(v));
      for (const v of [0, -0, 1.5, -1e21, NaN, Infinity, true, false, null, [1, 'a', null], { a: [undefined], b: undefined }, 'x']) assert.strictEqual(jval(v), JSON.stringify(v));
    });
  });

  describe('ocsfLine', () => {
    it('is JSON.stringify(toOcsf(r)) byte for byte, for every sample and its odd variations', () => {
      for (const rec of oddRecords()) {
        const o = toOcsf(rec);
        assert.strictEqual(ocsfLine(rec), o && JSON.stringify(o), `seq ${rec.seq}`);
      }
    });

    it('is the same through JSON (what export parses)', () => {
      for (const rec of oddRecords()) {
        const back = JSON.parse(JSON.stringify(rec)) as AuditRecord;
        const o = toOcsf(back);
        assert.strictEqual(ocsfLine(back), o && JSON.stringify(o), `seq ${rec.seq}`);
      }
    });
  });

  describe('exportLog', () => {
    let tmp: string;
    let dir: string;
    let filters: [string, RecordFilter][];
    before(async () => {
      tmp = tempDir();
      dir = path.join(tmp, 'log');
      // Two segments (rotation), control records, then junk and a torn tail in the last segment.
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 0, maxFileBytes: 8 * 1024 });
      for (let i = 0; i < 12; i++) for (const ev of everyKind()) await log.append(i % 2 ? { ...ev, context: { ...ev.context, session: 'sess-odd' } } : ev);
      await log.close();
      const segs = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
      const last = path.join(dir, segs[segs.length - 1]);
      fs.appendFileSync(last, 'not json\n\n{"seq":"x"}\n' + JSON.stringify(oddRecords()[0]) + '\n{"v":1,"log":"torn","se');
      assert.ok(segs.length > 1, 'rotated');
      const all: AuditRecord[] = [];
      for await (const b of readRecords(dir)) all.push(...b);
      const since = all[Math.floor(all.length / 2)].ts;
      filters = [
        ['no filter', {}],
        ['session', { session: 'sess-odd' }],
        ['since', { since }],
        ['afterSeq, no control', { afterSeq: 30, includeControl: false }],
      ];
    });
    after(() => rmrf(tmp));

    for (const format of EXPORT_FORMATS) {
      it(`${format}: in-thread and on workers, same bytes and counts as formatting readRecords`, async () => {
        for (const [name, filter] of filters) {
          const ref = await reference(dir, format, filter);
          assert.ok(ref.events > 0 || name === 'since', `${format} ${name}: something to compare`);
          const inThread = await run(dir, format, filter, { workers: 0, chunkBytes: 1000 });
          const pooled = await run(dir, format, filter, { workers: 2, chunkBytes: 3000 });
          assert.strictEqual(pooled.workers, 2, 'the worker path ran');
          for (const [how, got] of [['in-thread', inThread], ['workers', pooled]] as const) {
            // syslog carries the pid; workers share the process's.
            assert.strictEqual(got.text, ref.text, `${format} ${name} ${how}`);
            assert.deepStrictEqual({ events: got.events, omitted: got.omitted, stats: got.stats }, { events: ref.events, omitted: ref.omitted, stats: ref.stats }, `${format} ${name} ${how}`);
          }
        }
      });
    }

    it('chunks smaller than a line and one chunk for everything give the same bytes', async () => {
      const ref = await reference(dir, 'ocsf');
      for (const chunkBytes of [1, 100, 1 << 20]) assert.strictEqual((await run(dir, 'ocsf', {}, { workers: 0, chunkBytes })).text, ref.text, `chunk ${chunkBytes}`);
    });

    it('formats in-thread when workers cannot start', async () => {
      const ref = await reference(dir, 'ocsf');
      const got = await run(dir, 'ocsf', {}, { workers: 2, chunkBytes: 3000, workerScript: path.join(tmp, 'missing.js') });
      assert.strictEqual(got.workers, 0);
      assert.strictEqual(got.text, ref.text);
    });

    it('rejects, in-thread and on workers, when a record cannot be formatted', async () => {
      const bad = path.join(tmp, 'bad.jsonl');
      fs.writeFileSync(bad, JSON.stringify({ v: 1, log: 'l', seq: 1, ts: 1, prev: '', type: 'decision', agent: { id: 'a' }, context: {} }) + '\n');
      for (const workers of [0, 2]) await assert.rejects(run(bad, 'ocsf', {}, { workers }), `workers ${workers}`);
    });

    it('uses workers by default only for big logs', async () => {
      const small = await run(dir, 'ocsf', {}, {});
      assert.strictEqual(small.workers, 0);
    });
  });
});
