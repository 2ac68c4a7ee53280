import * as os from 'os';
import { HecTransport, OtlpTransport, SyslogTransport, type Transport } from './transports';

/** Where audit records go, as a person writes it in a flag or a setting. */
export interface Destination {
  /** tcp://HOST:PORT or tls://HOST:PORT (RFC 5424 over RFC 6587 / RFC 5425). */
  syslog?: string;
  /** Splunk HEC base URL; needs `token`. */
  hec?: string;
  token?: string;
  /** OTLP/HTTP base URL. */
  otlp?: string;
  headers?: Record<string, string>;
  /** CA certificate for TLS and HTTPS. */
  ca?: Buffer;
}

/** The transport for exactly one destination; throws an Error that says what to fix. */
export function transportFor(d: Destination): Transport {
  const given = [d.syslog, d.hec, d.otlp].filter((x) => x !== undefined && x !== '').length;
  if (given !== 1) throw new Error('give exactly one destination: syslog, HEC or OTLP');
  if (d.syslog) {
    const u = new URL(d.syslog);
    if (u.protocol !== 'tcp:' && u.protocol !== 'tls:') throw new Error(`syslog ${d.syslog}: expected tcp://HOST:PORT or tls://HOST:PORT`);
    const port = Number(u.port || (u.protocol === 'tls:' ? 6514 : 514));
    return new SyslogTransport({ host: u.hostname, port, ...(u.protocol === 'tls:' ? { tls: { ca: d.ca } } : {}) });
  }
  if (d.hec) {
    if (!d.token) throw new Error('HEC needs a token');
    return new HecTransport({ url: d.hec, token: d.token, ca: d.ca });
  }
  return new OtlpTransport({ url: d.otlp!, headers: d.headers, ca: d.ca, hostName: os.hostname() });
}
