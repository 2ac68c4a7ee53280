import * as assert from 'assert';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { AuditLog } from '../../../src/core/audit/auditLog';
import { backlog, shipOnce } from '../../../src/core/audit/ship/shipper';
import { HecTransport, OtlpTransport } from '../../../src/core/audit/ship/transports';
import { commandAllow, commandDeny, fileAsk } from '../../unit/audit/sampleEvents';
import { rmrf, tempDir } from '../../unit/audit/helpers';

/** A receiver that answers the scripted statuses first, then 200, and keeps what it accepted. */
class Receiver {
  accepted: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  attempts = 0;
  script: number[] = [];
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.attempts++;
      const status = this.script.shift() ?? 200;
      if (status !== 200) {
        res.writeHead(status, status === 429 ? { 'retry-after': '0' } : {});
        res.end(status === 503 ? '{"text":"Server is busy","code":9}' : '{"text":"slow down"}');
        return;
      }
      this.accepted.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(this.okBody);
    });
  });
  constructor(private readonly okBody: string) {}
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const noSleep = async (): Promise<void> => undefined;

describe('audit shipping over HTTP (Splunk HEC, OTLP)', () => {
  let tmp: string;
  let dir: string;
  beforeEach(async () => {
    tmp = tempDir();
    dir = path.join(tmp, 'log');
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    await log.append(commandAllow(1));
    await log.append(commandDeny(2));
    await log.append(fileAsk());
    await log.close();
  });
  afterEach(() => rmrf(tmp));

  it('HEC: exact payload shape, token header, retries 429/503, cursor prevents resending', async () => {
    const rx = new Receiver('{"text":"Success","code":0}');
    const url = await rx.start();
    try {
      rx.script = [429, 503];
      const cursorFile = path.join(tmp, 'hec.cursor');
      const retries: number[] = [];
      const r1 = await shipOnce({ dir, transport: new HecTransport({ url, token: 'T0KEN', index: 'sec' }), cursorFile, sleep: noSleep, onRetry: (_n, ms) => retries.push(ms) });
      assert.strictEqual(r1.error, undefined);
      assert.strictEqual(rx.attempts, 3);
      assert.strictEqual(retries.length, 2);
      assert.ok(retries[1] >= retries[0], 'backoff grows');
      assert.strictEqual(rx.accepted.length, 1);
      const req = rx.accepted[0];
      assert.strictEqual(req.path, '/services/collector/event');
      assert.strictEqual(req.headers.authorization, 'Splunk T0KEN');
      assert.strictEqual(req.headers['content-type'], 'application/json');
      const events = req.body.split('\n').map((l) => JSON.parse(l));
      assert.strictEqual(events.length, r1.sent);
      assert.strictEqual(r1.backlog, 0);
      for (const e of events) {
        assert.deepStrictEqual(Object.keys(e).sort(), ['event', 'fields', 'host', 'index', 'source', 'sourcetype', 'time'].filter((k) => k !== 'host' || e.host !== undefined).sort());
        assert.strictEqual(typeof e.time, 'number');
        assert.strictEqual(e.sourcetype, 'agentpolicy:audit');
        assert.strictEqual(e.index, 'sec');
        assert.strictEqual(e.fields.event_id, `${e.event.log}:${e.event.seq}`);
      }
      assert.deepStrictEqual(events.map((e) => e.event.seq), events.map((_e, i) => i + 1), 'in order, from seq 1');

      // Restart: nothing new, nothing resent.
      const r2 = await shipOnce({ dir, transport: new HecTransport({ url, token: 'T0KEN' }), cursorFile, sleep: noSleep });
      assert.strictEqual(r2.sent, 0);
      assert.strictEqual(rx.accepted.length, 1);

      // New records: only they go.
      const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
      await log.append(commandAllow(9));
      await log.close();
      const r3 = await shipOnce({ dir, transport: new HecTransport({ url, token: 'T0KEN' }), cursorFile, sleep: noSleep });
      const seqs = rx.accepted[1].body.split('\n').map((l) => JSON.parse(l).event.seq);
      assert.strictEqual(seqs[0], events[events.length - 1].event.seq + 1);
      assert.strictEqual(r3.backlog, 0);
    } finally {
      await rx.stop();
    }
  });

  it('OTLP: exact ExportLogsServiceRequest shape with GenAI attributes', async () => {
    const rx = new Receiver('{}');
    const url = await rx.start();
    try {
      rx.script = [503];
      const r = await shipOnce({ dir, transport: new OtlpTransport({ url, hostName: 'dev-laptop' }), cursorFile: path.join(tmp, 'otlp.cursor'), sleep: noSleep });
      assert.strictEqual(r.error, undefined);
      assert.strictEqual(rx.accepted.length, 1);
      const req = rx.accepted[0];
      assert.strictEqual(req.path, '/v1/logs');
      const body = JSON.parse(req.body);
      assert.deepStrictEqual(Object.keys(body), ['resourceLogs']);
      assert.strictEqual(body.resourceLogs.length, 1);
      const rl = body.resourceLogs[0];
      assert.deepStrictEqual(Object.keys(rl).sort(), ['resource', 'scopeLogs']);
      assert.deepStrictEqual(rl.resource.attributes.find((a: any) => a.key === 'service.name'), { key: 'service.name', value: { stringValue: 'agentpolicy' } });
      const sl = rl.scopeLogs[0];
      assert.strictEqual(sl.scope.name, 'agentpolicy.audit');
      assert.strictEqual(sl.logRecords.length, r.sent);
      for (const lr of sl.logRecords) {
        assert.deepStrictEqual(Object.keys(lr).sort(), ['attributes', 'body', 'eventName', 'observedTimeUnixNano', 'severityNumber', 'severityText', 'timeUnixNano']);
        assert.strictEqual(typeof lr.timeUnixNano, 'string');
        assert.ok(typeof lr.body.stringValue === 'string');
        for (const a of lr.attributes) assert.strictEqual(Object.keys(a.value).length, 1, a.key);
      }
      const deny = sl.logRecords.find((lr: any) => lr.attributes.some((a: any) => a.key === 'agentpolicy.decision.effect' && a.value.stringValue === 'deny'));
      const attrs = Object.fromEntries(deny.attributes.map((a: any) => [a.key, a.value]));
      assert.deepStrictEqual(attrs['gen_ai.agent.id'], { stringValue: 'claude-code' });
      assert.deepStrictEqual(attrs['gen_ai.agent.name'], { stringValue: 'Claude Code' });
      assert.deepStrictEqual(attrs['agentpolicy.log.seq'], { intValue: '3' });
      assert.strictEqual(deny.severityText, 'WARN');
    } finally {
      await rx.stop();
    }
  });

  it('keeps a backlog and the cursor when the SIEM stays down, and delivers later', async () => {
    const rx = new Receiver('{"text":"Success","code":0}');
    const url = await rx.start();
    const cursorFile = path.join(tmp, 'down.cursor');
    try {
      rx.script = [503, 503, 503];
      const down = await shipOnce({ dir, transport: new HecTransport({ url, token: 't' }), cursorFile, sleep: noSleep, maxAttempts: 3 });
      assert.match(down.error ?? '', /503/);
      assert.strictEqual(down.sent, 0);
      assert.ok(down.backlog > 0);
      assert.strictEqual(backlog(dir, cursorFile), down.backlog);
      const up = await shipOnce({ dir, transport: new HecTransport({ url, token: 't' }), cursorFile, sleep: noSleep });
      assert.strictEqual(up.sent, down.backlog);
      assert.strictEqual(backlog(dir, cursorFile), 0);
    } finally {
      await rx.stop();
    }
  });

  it('does not retry a 4xx other than 429 (bad token) and keeps the records', async () => {
    const rx = new Receiver('{}');
    const url = await rx.start();
    try {
      rx.script = [403];
      const r = await shipOnce({ dir, transport: new HecTransport({ url, token: 'bad' }), cursorFile: path.join(tmp, 'c'), sleep: noSleep });
      assert.match(r.error ?? '', /403/);
      assert.strictEqual(rx.attempts, 1);
      assert.strictEqual(r.cursorSeq, 0);
    } finally {
      await rx.stop();
    }
  });
});
