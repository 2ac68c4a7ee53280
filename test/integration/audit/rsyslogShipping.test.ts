/**
 * Ships to a real rsyslogd on loopback, plain TCP and TLS (RFC 5425), with
 * octet counting, and checks what rsyslog parsed: intact, escaped, in order.
 * Needs the Debian packages rsyslog and rsyslog-openssl (and openssl).
 */
import * as assert from 'assert';
import { execFileSync, spawn } from 'child_process';
import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { AuditLog } from '../../../src/core/audit/auditLog';
import { toSyslog } from '../../../src/core/audit/export/syslog';
import { readRecords } from '../../../src/core/audit/reader';
import { shipOnce } from '../../../src/core/audit/ship/shipper';
import { SyslogTransport } from '../../../src/core/audit/ship/transports';
import type { AuditRecord } from '../../../src/core/audit/types';
import { everyKind } from '../../unit/audit/sampleEvents';
import { rmrf, tempDir } from '../../unit/audit/helpers';
import { requireSystem, systemProgram } from '../../support/system';

const RSYSLOGD = systemProgram('rsyslogd');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, tries = 200, everyMs = 50): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function canConnect(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(undefined));
  });
}

class Rsyslog {
  proc: ChildProcess | undefined;
  stderr = '';
  readonly out: string;
  constructor(
    readonly dir: string,
    readonly port: number,
    readonly tlsFiles?: { ca: string; cert: string; key: string },
  ) {
    this.out = path.join(dir, 'received.jsonl');
  }

  async start(): Promise<void> {
    const t = this.tlsFiles;
    const conf = [
      `global(workDirectory="${this.dir}"${t ? ` defaultNetstreamDriver="ossl" defaultNetstreamDriverCAFile="${t.ca}" defaultNetstreamDriverCertFile="${t.cert}" defaultNetstreamDriverKeyFile="${t.key}"` : ''})`,
      t ? 'module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")' : 'module(load="imtcp")',
      `input(type="imtcp" address="127.0.0.1" port="${this.port}")`,
      'template(name="j" type="list") { property(name="jsonmesg") constant(value="\\n") }',
      `*.* action(type="omfile" file="${this.out}" template="j")`,
      '',
    ].join('\n');
    const confFile = path.join(this.dir, 'rsyslog.conf');
    fs.writeFileSync(confFile, conf);
    this.proc = spawn(RSYSLOGD!, ['-n', '-f', confFile, '-i', path.join(this.dir, 'rsyslog.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    await waitFor(`rsyslogd listening on ${this.port} (${this.stderr})`, async () => (this.proc!.exitCode !== null ? Promise.reject(new Error(`rsyslogd exited: ${this.stderr}`)) : canConnect(this.port)));
  }

  received(): Record<string, string>[] {
    if (!fs.existsSync(this.out)) return [];
    return fs
      .readFileSync(this.out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, string>);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  }
}

/** What rsyslog should have parsed out of our message. */
function expected(rec: AuditRecord): { sd: string; msg: string; msgid: string } {
  const line = toSyslog(rec);
  const sdStart = line.indexOf(' [') + 1;
  const sdEnd = line.indexOf('] \ufeff') + 1;
  // rsyslog shows control characters (a newline inside a parameter) as #012.
  return { sd: line.slice(sdStart, sdEnd).replace(/\n/g, '#012'), msg: line.slice(sdEnd + 1), msgid: rec.type };
}

describe('audit shipping to a real rsyslog (RFC 5424 over TCP and TLS, octet counting)', function () {
  this.timeout(30000);
  let tmp: string;
  let logDir: string;
  let records: AuditRecord[];

  before(async function () {
    requireSystem(this, 'rsyslog');
    tmp = tempDir('ap-rsyslog-');
    logDir = path.join(tmp, 'log');
    const log = await AuditLog.open(logDir, { checkpointIntervalMs: 0 });
    for (const ev of everyKind()) await log.append(ev);
    await log.close();
    records = [];
    for await (const b of readRecords(logDir)) records.push(...b);
  });
  after(() => tmp && rmrf(tmp));

  async function shipAndCheck(rs: Rsyslog, transport: SyslogTransport): Promise<void> {
    await rs.start();
    try {
      const r = await shipOnce({ dir: logDir, transport, cursorFile: path.join(rs.dir, 'cursor'), batchSize: 4 });
      await transport.close();
      assert.strictEqual(r.error, undefined);
      assert.strictEqual(r.sent, records.length);
      const got = await waitFor(`${records.length} messages in ${rs.out}`, () => {
        const g = rs.received();
        return g.length >= records.length ? g : undefined;
      });
      assert.strictEqual(got.length, records.length, 'nothing extra');
      got.forEach((m, i) => {
        const want = expected(records[i]);
        assert.strictEqual(m['structured-data'], want.sd, `message ${i + 1} structured data`);
        assert.strictEqual(m.msg, want.msg, `message ${i + 1} text (BOM kept by rsyslog)`);
        assert.strictEqual(m.msgid, want.msgid);
        assert.strictEqual(m['app-name'], 'agentpolicy');
        assert.strictEqual(m.syslogfacility, '13');
        assert.strictEqual(m['protocol-version'], '1');
      });
      const seqs = got.map((m) => Number(/ seq="(\d+)"/.exec(m['structured-data'])![1]));
      assert.deepStrictEqual(seqs, records.map((x) => x.seq), 'in order');
    } finally {
      await rs.stop();
    }
  }

  it('plain TCP', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'tcp-'));
    const port = await freePort();
    await shipAndCheck(new Rsyslog(dir, port), new SyslogTransport({ host: '127.0.0.1', port }));
  });

  it('TLS (RFC 5425) with a verified server certificate', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const port = await freePort();
    await shipAndCheck(new Rsyslog(dir, port, { ca: cert, cert, key }), new SyslogTransport({ host: '127.0.0.1', port, tls: { ca: fs.readFileSync(cert) } }));
  });
});
