/** Where shipped records go: syslog over TCP/TLS, Splunk HEC, OTLP/HTTP. */
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as tls from 'tls';
import type { AuditRecord } from '../types';
import { toHec } from '../export/hec';
import type { HecOptions } from '../export/hec';
import { otlpRequest, toOtlpLogRecord } from '../export/otlp';
import { octetFrame, toSyslog } from '../export/syslog';

/** A failure worth retrying (429, 5xx, connection trouble). */
export class RetryableError extends Error {
  constructor(
    message: string,
    /** Server-suggested wait (Retry-After), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface Transport {
  /** Stable name, used for the default cursor file. */
  readonly id: string;
  /** Resolves when the destination accepted every record (or, for syslog, the bytes were written to the socket). */
  send(records: AuditRecord[]): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- syslog

export interface SyslogTransportOptions {
  host: string;
  port: number;
  /** RFC 5425 TLS. */
  tls?: { ca?: string | Buffer; servername?: string; rejectUnauthorized?: boolean };
  connectTimeoutMs?: number;
  appName?: string;
}

/** RFC 5424 messages framed by octet counting (RFC 6587), over TCP or TLS (RFC 5425). */
export class SyslogTransport implements Transport {
  readonly id: string;
  private socket: net.Socket | undefined;

  constructor(private readonly opts: SyslogTransportOptions) {
    this.id = `syslog-${opts.tls ? 'tls' : 'tcp'}-${opts.host}-${opts.port}`;
  }

  private connect(): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed && this.socket.writable) return Promise.resolve(this.socket);
    const o = this.opts;
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => {
        sock.destroy();
        reject(new RetryableError(`syslog ${o.host}:${o.port}: ${e.message}`));
      };
      const sock: net.Socket = o.tls
        ? tls.connect({ host: o.host, port: o.port, ca: o.tls.ca, servername: o.tls.servername ?? (net.isIP(o.host) ? undefined : o.host), rejectUnauthorized: o.tls.rejectUnauthorized ?? true }, () => ready())
        : net.connect({ host: o.host, port: o.port }, () => ready());
      const timer = setTimeout(() => onError(new Error('connect timeout')), o.connectTimeoutMs ?? 5000);
      const ready = (): void => {
        clearTimeout(timer);
        sock.off('error', onError);
        sock.on('error', () => sock.destroy());
        this.socket = sock;
        resolve(sock);
      };
      sock.once('error', (e) => {
        clearTimeout(timer);
        onError(e);
      });
    });
  }

  async send(records: AuditRecord[]): Promise<void> {
    const sock = await this.connect();
    const buf = Buffer.concat(records.map((r) => octetFrame(toSyslog(r, { appName: this.opts.appName }))));
    await new Promise<void>((resolve, reject) =>
      sock.write(buf, (err) => {
        if (err) {
          sock.destroy();
          reject(new RetryableError(`syslog write: ${err.message}`));
        } else resolve();
      }),
    );
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (!s || s.destroyed) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 2000).unref();
    });
  }
}

// ---------------------------------------------------------------- HTTP

interface HttpAnswer {
  status: number;
  body: string;
  retryAfterMs?: number;
}

function post(url: URL, body: string, headers: Record<string, string>, opts: { ca?: string | Buffer; timeoutMs?: number }): Promise<HttpAnswer> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers }, ...(opts.ca ? { ca: opts.ca } : {}), timeout: opts.timeoutMs ?? 10000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ra = res.headers['retry-after'];
          const secs = ra !== undefined ? Number(ra) : NaN;
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), retryAfterMs: Number.isFinite(secs) ? secs * 1000 : undefined });
        });
        res.on('error', (e) => reject(new RetryableError(`${url.host}: ${e.message}`)));
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timeout')));
    req.on('error', (e) => reject(new RetryableError(`${url.host}: ${e.message}`)));
    req.end(body);
  });
}

function checkAnswer(what: string, a: HttpAnswer): void {
  if (a.status >= 200 && a.status < 300) return;
  const detail = `${what} answered ${a.status}: ${a.body.slice(0, 200)}`;
  if (a.status === 429 || a.status >= 500 || a.status === 408) throw new RetryableError(detail, a.retryAfterMs);
  throw new Error(detail);
}

export interface HecTransportOptions extends HecOptions {
  /** Base URL, e.g. https://splunk:8088 (the /services/collector/event path is added). */
  url: string;
  token: string;
  ca?: string | Buffer;
}

/** Splunk HTTP Event Collector: one POST per batch, events concatenated. */
export class HecTransport implements Transport {
  readonly id: string;
  private readonly endpoint: URL;
  constructor(private readonly opts: HecTransportOptions) {
    const u = new URL(opts.url);
    if (!u.pathname.includes('/services/collector')) u.pathname = u.pathname.replace(/\/$/, '') + '/services/collector/event';
    this.endpoint = u;
    this.id = `hec-${u.host}`;
  }

  async send(records: AuditRecord[]): Promise<void> {
    const body = records.map((r) => JSON.stringify(toHec(r, this.opts))).join('\n');
    const a = await post(this.endpoint, body, { authorization: `Splunk ${this.opts.token}` }, { ca: this.opts.ca });
    checkAnswer('Splunk HEC', a);
    try {
      const j = JSON.parse(a.body) as { code?: number; text?: string };
      if (j.code !== undefined && j.code !== 0) throw new Error(`Splunk HEC refused the batch: ${j.text ?? ''} (code ${j.code})`);
    } catch (e) {
      if (e instanceof SyntaxError) return;
      throw e;
    }
  }

  async close(): Promise<void> {}
}

export interface OtlpTransportOptions {
  /** Base URL, e.g. http://collector:4318 (the /v1/logs path is added). */
  url: string;
  headers?: Record<string, string>;
  ca?: string | Buffer;
  hostName?: string;
}

/** OTLP/HTTP with JSON encoding: one ExportLogsServiceRequest per batch. */
export class OtlpTransport implements Transport {
  readonly id: string;
  private readonly endpoint: URL;
  constructor(private readonly opts: OtlpTransportOptions) {
    const u = new URL(opts.url);
    if (!u.pathname.endsWith('/v1/logs')) u.pathname = u.pathname.replace(/\/$/, '') + '/v1/logs';
    this.endpoint = u;
    this.id = `otlp-${u.host}`;
  }

  async send(records: AuditRecord[]): Promise<void> {
    const body = JSON.stringify(otlpRequest(records.map(toOtlpLogRecord), { hostName: this.opts.hostName }));
    const a = await post(this.endpoint, body, this.opts.headers ?? {}, { ca: this.opts.ca });
    checkAnswer('OTLP collector', a);
    try {
      const j = JSON.parse(a.body) as { partialSuccess?: { rejectedLogRecords?: string | number; errorMessage?: string } };
      const rejected = Number(j.partialSuccess?.rejectedLogRecords ?? 0);
      if (rejected > 0) throw new Error(`OTLP collector rejected ${rejected} log records: ${j.partialSuccess?.errorMessage ?? ''}`);
    } catch (e) {
      if (e instanceof SyntaxError) return;
      throw e;
    }
  }

  async close(): Promise<void> {}
}
