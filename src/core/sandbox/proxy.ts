import * as dns from 'dns';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import { globToRegExp } from '../policy/commandPattern';
import type { CompiledPolicy } from '../policy/compile';
import { decide } from '../pdp/decide';

/**
 * The egress proxy the guard runs OUTSIDE the sandbox. Inside, the network is unshared: the only
 * way out is this proxy (HTTP CONNECT for TLS, absolute-URI requests for plain HTTP), reached
 * through the relay. Each host:port is decided once per run (a callback the broker answers for
 * `ask`), audited once, and then remembered; every error answers 403 or closes.
 *
 * The proxy connects to the address it resolved itself, never re-resolving, and refuses
 * loopback, link-local (cloud metadata), unspecified and multicast addresses unless that exact
 * address:port was allowed: a policy that allows `*.example.com` must not become a way to the
 * developer's own services or 169.254.169.254.
 */
export interface EgressDecision {
  allow: boolean;
  /** One line: why. Sent to the client in the 403 and kept in the audit event. */
  reason: string;
  ruleIds?: string[];
  /** Who decided: the policy, an agent profile's model host, the developer, the local-address guard. */
  by: 'policy' | 'agent-profile' | 'developer' | 'allow-list' | 'address-guard' | 'error';
}

export type EgressDecider = (host: string, port: number) => Promise<EgressDecision>;

export interface EgressEvent {
  host: string;
  port: number;
  allow: boolean;
  reason: string;
  by: EgressDecision['by'];
  ruleIds?: string[];
  /** CONNECT (TLS) or a plain HTTP method. */
  method: string;
}

export interface EgressProxyOptions {
  decide: EgressDecider;
  /** Called once per host:port decision (and for every refusal by the address guard). */
  onAudit?: (e: EgressEvent) => void;
  /** Resolver (tests map names to 127.0.0.1); default: the system's. */
  lookup?: (host: string) => Promise<string[]>;
  /** `address:port` pairs exempt from the local-address guard (the fake model in tests). */
  allowAddresses?: readonly string[];
  connectTimeoutMs?: number;
  logger?: { error(msg: string): void };
}

export class EgressProxy {
  private readonly server: http.Server;
  private readonly decisions = new Map<string, Promise<EgressDecision>>();
  private readonly sockets = new Set<net.Socket>();
  private readonly counts = new Map<string, { allowed: number; refused: number }>();
  address?: string | number;

  constructor(private readonly opts: EgressProxyOptions) {
    this.server = http.createServer((req, res) => void this.onRequest(req, res));
    this.server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void this.onConnect(req, socket, head));
    this.server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('clientError', (_e, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Listens on a Unix socket (mode 0600) or, given a number, on 127.0.0.1. */
  async listen(where: string | number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      if (typeof where === 'string') this.server.listen(where, () => resolve());
      else this.server.listen(where, '127.0.0.1', () => resolve());
    });
    if (typeof where === 'string') {
      fs.chmodSync(where, 0o600);
      this.address = where;
    } else this.address = (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Connections per host:port so far (for the run's summary). */
  stats(): Record<string, { allowed: number; refused: number }> {
    return Object.fromEntries(this.counts);
  }

  private count(key: string, allowed: boolean): void {
    const c = this.counts.get(key) ?? { allowed: 0, refused: 0 };
    if (allowed) c.allowed++;
    else c.refused++;
    this.counts.set(key, c);
  }

  /** The decision for host:port, made once; the audit callback hears it once. */
  private decideOnce(host: string, port: number, method: string): Promise<EgressDecision> {
    const key = `${host}:${port}`;
    let d = this.decisions.get(key);
    if (!d) {
      d = this.opts
        .decide(host, port)
        .catch((e: Error): EgressDecision => ({ allow: false, reason: `the egress decision failed: ${e.message}`, by: 'error' }))
        .then((r) => {
          this.audit({ host, port, method, allow: r.allow, reason: r.reason, by: r.by, ruleIds: r.ruleIds });
          return r;
        });
      this.decisions.set(key, d);
    }
    return d;
  }

  private audit(e: EgressEvent): void {
    try {
      this.opts.onAudit?.(e);
    } catch (err) {
      this.opts.logger?.error(`[proxy] audit failed: ${err}`);
    }
  }

  /** Decides, resolves and guards the address; returns the address to connect to or a refusal. */
  private async admit(host: string, port: number, method: string): Promise<{ address: string } | { refuse: string }> {
    const key = `${host}:${port}`;
    if (!validHost(host) || !Number.isInteger(port) || port < 1 || port > 65535) return { refuse: `not a host and port: ${key}` };
    const d = await this.decideOnce(host, port, method);
    if (!d.allow) return { refuse: d.reason };
    let addresses: string[];
    try {
      addresses = net.isIP(host) ? [host] : await (this.opts.lookup ?? systemLookup)(host);
    } catch (e) {
      return { refuse: `cannot resolve ${host}: ${(e as Error).message}` };
    }
    if (!addresses.length) return { refuse: `cannot resolve ${host}` };
    const exempt = new Set(this.opts.allowAddresses ?? []);
    const local = addresses.find((a) => isLocalAddress(a) && !exempt.has(`${a}:${port}`));
    if (local) {
      const reason = `${host} resolves to the local address ${local}: refused (the sandbox does not reach this machine's own services)`;
      this.audit({ host, port, method, allow: false, reason, by: 'address-guard' });
      return { refuse: reason };
    }
    return { address: addresses[0] };
  }

  private async onConnect(req: http.IncomingMessage, socket: net.Socket, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const target = parseAuthority(req.url ?? '');
    if (!target) {
      refuseSocket(socket, 400, `CONNECT needs host:port, got ${JSON.stringify(req.url)}`);
      return;
    }
    const key = `${target.host}:${target.port}`;
    let verdict: Awaited<ReturnType<EgressProxy['admit']>>;
    try {
      verdict = await this.admit(target.host, target.port, 'CONNECT');
    } catch (e) {
      verdict = { refuse: `internal error: ${(e as Error).message}` };
    }
    if ('refuse' in verdict) {
      this.count(key, false);
      refuseSocket(socket, 403, verdict.refuse);
      return;
    }
    this.count(key, true);
    const upstream = net.connect({ host: verdict.address, port: target.port });
    let connected = false;
    upstream.setTimeout(this.opts.connectTimeoutMs ?? 15_000, () => upstream.destroy(new Error('connect timeout')));
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', (e) => {
      if (!connected) refuseSocket(socket, 502, `cannot connect to ${key}: ${e.message}`);
      else socket.destroy();
    });
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (connected) socket.destroy();
    });
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      refuseResponse(res, 400, 'this is a proxy: send absolute-URI requests (http://host/path) or CONNECT');
      return;
    }
    if (url.protocol !== 'http:') {
      refuseResponse(res, 400, `only http:// is proxied as a request; use CONNECT for ${url.protocol}`);
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port ? Number(url.port) : 80;
    const key = `${host}:${port}`;
    let verdict: Awaited<ReturnType<EgressProxy['admit']>>;
    try {
      verdict = await this.admit(host, port, req.method ?? 'GET');
    } catch (e) {
      verdict = { refuse: `internal error: ${(e as Error).message}` };
    }
    if ('refuse' in verdict) {
      this.count(key, false);
      refuseResponse(res, 403, verdict.refuse);
      return;
    }
    this.count(key, true);
    const headers: http.OutgoingHttpHeaders = {};
    const hop = new Set(['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade']);
    for (const name of (req.headers.connection ?? '').split(',')) hop.add(name.trim().toLowerCase());
    for (const [k, v] of Object.entries(req.headers)) if (!hop.has(k) && v !== undefined) headers[k] = v;
    const upstream = http.request({ host: verdict.address, port, method: req.method, path: url.pathname + url.search, headers, setHost: false, agent: false, timeout: this.opts.connectTimeoutMs ?? 15_000 }, (up) => {
      const back: http.OutgoingHttpHeaders = {};
      const upHop = new Set(hop);
      for (const name of String(up.headers.connection ?? '').split(',')) upHop.add(name.trim().toLowerCase());
      for (const [k, v] of Object.entries(up.headers)) if (!upHop.has(k) && v !== undefined) back[k] = v;
      res.writeHead(up.statusCode ?? 502, back);
      up.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
    upstream.on('error', (e) => {
      if (!res.headersSent) refuseResponse(res, 502, `cannot reach ${key}: ${e.message}`);
      else res.destroy();
    });
    req.pipe(upstream);
  }
}

/**
 * Decides egress from the effective policy: an exact `host:port` allow-list (the fake model in
 * tests), each registered agent's model API hosts, then the policy's network rules through the
 * PDP. `ask` goes to the callback (the broker's approver); without one, ask denies.
 */
export function policyEgressDecider(opts: {
  policy: () => CompiledPolicy;
  agent?: string;
  /** Host globs of the agents' model APIs (any port). */
  agentHosts?: readonly string[];
  /** Exact `host:port` pairs allowed (and exempt from nothing else). */
  allow?: readonly string[];
  ask?: (host: string, port: number, why: string) => Promise<boolean>;
}): EgressDecider {
  const hostRes = (opts.agentHosts ?? []).map((h) => ({ h, re: globToRegExp(h.toLowerCase()) }));
  const exact = new Set((opts.allow ?? []).map((a) => a.toLowerCase()));
  return async (rawHost, port) => {
    const host = rawHost.toLowerCase();
    if (exact.has(`${host}:${port}`)) return { allow: true, reason: `${host}:${port} is on the run's allow-list`, by: 'allow-list' };
    const agentHit = hostRes.find((x) => x.re.test(host));
    if (agentHit) return { allow: true, reason: `${host} is a model API host of a registered agent (${agentHit.h})`, by: 'agent-profile' };
    const policy = opts.policy();
    const d = decide(policy, { kind: 'actions', cwd: policy.workspace, agent: opts.agent, actions: [{ kind: 'network', host, tool: 'sandbox-proxy', command: -1 }] });
    const why = d.reasons[0] ?? `network to ${host}`;
    if (d.effect === 'allow') return { allow: true, reason: why, ruleIds: d.ruleIds, by: 'policy' };
    if (d.effect === 'deny') return { allow: false, reason: `agentpolicy: deny: ${why}`, ruleIds: d.ruleIds, by: 'policy' };
    if (!opts.ask) return { allow: false, reason: `agentpolicy: deny: connecting to ${host} needs the developer's approval and nothing can ask (${why})`, ruleIds: d.ruleIds, by: 'policy' };
    let ok = false;
    try {
      ok = await opts.ask(host, port, why);
    } catch {
      ok = false;
    }
    return ok ? { allow: true, reason: `approved by the developer: ${why}`, ruleIds: d.ruleIds, by: 'developer' } : { allow: false, reason: `agentpolicy: deny: connecting to ${host} was not approved (${why})`, ruleIds: d.ruleIds, by: 'developer' };
  };
}

async function systemLookup(host: string): Promise<string[]> {
  const r = await dns.promises.lookup(host, { all: true, verbatim: true });
  return r.map((x) => x.address);
}

/** Loopback, unspecified, link-local (incl. 169.254.169.254 metadata), multicast, IPv4-mapped forms of those. */
export function isLocalAddress(a: string): boolean {
  let addr = a.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (mapped) addr = mapped[1];
  if (net.isIPv4(addr)) {
    const [x, y] = addr.split('.').map(Number);
    return x === 127 || x === 0 || (x === 169 && y === 254) || x >= 224;
  }
  if (net.isIPv6(addr)) return addr === '::1' || addr === '::' || addr.startsWith('fe8') || addr.startsWith('fe9') || addr.startsWith('fea') || addr.startsWith('feb') || addr.startsWith('ff');
  return true;
}

function validHost(h: string): boolean {
  return net.isIP(h) !== 0 || /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i.test(h);
}

function parseAuthority(s: string): { host: string; port: number } | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:[\]\s/]+):(\d{1,5})$/.exec(s);
  return m ? { host: m[1], port: Number(m[2]) } : undefined;
}

function refuseSocket(socket: net.Socket, status: number, reason: string): void {
  const line = oneLine(reason);
  const body = line + '\n';
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : status === 400 ? 'Bad Request' : 'Bad Gateway'}\r\nX-Agentpolicy-Reason: ${line}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  else socket.destroy();
}

function refuseResponse(res: http.ServerResponse, status: number, reason: string): void {
  const line = oneLine(reason);
  res.writeHead(status, { 'Content-Type': 'text/plain', 'X-Agentpolicy-Reason': line, Connection: 'close' });
  res.end(line + '\n');
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, 500);
}
