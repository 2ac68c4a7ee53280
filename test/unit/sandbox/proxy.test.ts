import * as assert from 'assert';
import * as http from 'http';
import * as net from 'net';
import { EgressProxy, isLocalAddress, policyEgressDecider, type EgressDecision, type EgressEvent } from '../../../src/core/sandbox/proxy';
import { makeFixture, type Fixture } from './fixture';

/** Sends raw bytes to the proxy and collects everything until it closes or `until` matches. */
function raw(port: number, text: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (until?.test(out)) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve(out));
    s.write(text);
  });
}

describe('egress proxy', () => {
  let upstream: http.Server;
  let upstreamPort: number;
  let other: http.Server;
  let otherPort: number;
  let proxy: EgressProxy;
  let proxyPort: number;
  let asked: string[];
  let audited: EgressEvent[];

  before(async () => {
    upstream = http.createServer((req, res) => res.end(`upstream saw ${req.method} ${req.url} host=${req.headers.host}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    upstreamPort = (upstream.address() as net.AddressInfo).port;
    other = http.createServer((_req, res) => res.end('a local service'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    otherPort = (other.address() as net.AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((r) => upstream.close(() => r()));
    await new Promise<void>((r) => other.close(() => r()));
  });

  beforeEach(async () => {
    asked = [];
    audited = [];
    const decide = async (host: string, port: number): Promise<EgressDecision> => {
      asked.push(`${host}:${port}`);
      if (host === 'boom.test') throw new Error('decider exploded');
      return host === 'allowed.test' || host === 'metadata.test' ? { allow: true, reason: 'test allows', by: 'policy' } : { allow: false, reason: `agentpolicy: deny: ${host} is not allowed`, by: 'policy' };
    };
    proxy = new EgressProxy({
      decide,
      onAudit: (e) => audited.push(e),
      lookup: async (h) => (h === 'metadata.test' ? ['169.254.169.254'] : ['127.0.0.1']),
      allowAddresses: [`127.0.0.1:${upstreamPort}`],
    });
    await proxy.listen(0);
    proxyPort = proxy.address as number;
  });
  afterEach(() => proxy.close());

  it('tunnels CONNECT to an allowed host and carries the bytes both ways', async () => {
    const out = await raw(proxyPort, `CONNECT allowed.test:${upstreamPort} HTTP/1.1\r\nHost: allowed.test:${upstreamPort}\r\n\r\nGET /tunnel HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n`, /upstream saw/);
    assert.match(out, /^HTTP\/1.1 200 Connection Established/);
    assert.match(out, /upstream saw GET \/tunnel host=allowed.test/);
  });

  it('refuses CONNECT to a host the policy does not allow, with the reason, and never connects', async () => {
    const out = await raw(proxyPort, `CONNECT denied.test:${upstreamPort} HTTP/1.1\r\n\r\n`);
    assert.match(out, /^HTTP\/1.1 403 Forbidden/);
    assert.match(out, /X-Agentpolicy-Reason: agentpolicy: deny: denied.test is not allowed/);
    assert.ok(!out.includes('upstream saw'));
  });

  it('forwards an absolute-URI plain HTTP request to an allowed host, and refuses others', async () => {
    const ok = await raw(proxyPort, `GET http://allowed.test:${upstreamPort}/plain?x=1 HTTP/1.1\r\nHost: allowed.test:${upstreamPort}\r\nProxy-Connection: keep-alive\r\nConnection: close\r\n\r\n`);
    assert.match(ok, /^HTTP\/1.1 200/);
    assert.match(ok, /upstream saw GET \/plain\?x=1 host=allowed.test/);
    const no = await raw(proxyPort, `GET http://denied.test:${upstreamPort}/ HTTP/1.1\r\nHost: denied.test\r\nConnection: close\r\n\r\n`);
    assert.match(no, /^HTTP\/1.1 403/);
  });

  it('refuses an allowed name that resolves to a local address not on the allow-list (another local service, cloud metadata)', async () => {
    const local = await raw(proxyPort, `CONNECT allowed.test:${otherPort} HTTP/1.1\r\n\r\n`);
    assert.match(local, /^HTTP\/1.1 403/);
    assert.match(local, /resolves to the local address 127.0.0.1/);
    const meta = await raw(proxyPort, `GET http://metadata.test/latest/meta-data HTTP/1.1\r\nHost: metadata.test\r\nConnection: close\r\n\r\n`);
    assert.match(meta, /^HTTP\/1.1 403/);
    assert.match(meta, /169.254.169.254/);
    assert.ok(audited.some((e) => e.by === 'address-guard' && !e.allow));
  });

  it('decides and audits each host:port once per run', async () => {
    for (let i = 0; i < 3; i++) await raw(proxyPort, `CONNECT denied.test:443 HTTP/1.1\r\n\r\n`);
    await Promise.all([1, 2, 3].map(() => raw(proxyPort, `CONNECT allowed.test:${upstreamPort} HTTP/1.1\r\n\r\n`, /200/)));
    assert.deepStrictEqual(asked.sort(), [`allowed.test:${upstreamPort}`, 'denied.test:443']);
    assert.strictEqual(audited.filter((e) => e.host === 'denied.test').length, 1);
    assert.deepStrictEqual(proxy.stats()['denied.test:443'], { allowed: 0, refused: 3 });
  });

  it('fails closed: a decider that throws, a malformed target, a non-proxy request', async () => {
    const boom = await raw(proxyPort, `CONNECT boom.test:443 HTTP/1.1\r\n\r\n`);
    assert.match(boom, /^HTTP\/1.1 403/);
    assert.match(boom, /egress decision failed: decider exploded/);
    assert.match(await raw(proxyPort, `CONNECT nonsense HTTP/1.1\r\n\r\n`), /^HTTP\/1.1 400/);
    assert.match(await raw(proxyPort, `CONNECT a..b:443 HTTP/1.1\r\n\r\n`), /^HTTP\/1.1 403/);
    assert.match(await raw(proxyPort, `GET /relative HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), /^HTTP\/1.1 400/);
    assert.match(await raw(proxyPort, `GET ftp://allowed.test/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), /^HTTP\/1.1 400/);
  });

  it('knows local addresses', () => {
    for (const a of ['127.0.0.1', '127.9.9.9', '0.0.0.0', '169.254.169.254', '::1', '::', 'fe80::1', '::ffff:127.0.0.1', '224.0.0.1']) assert.ok(isLocalAddress(a), a);
    for (const a of ['10.1.2.3', '192.168.1.1', '8.8.8.8', '2606:4700::1111']) assert.ok(!isLocalAddress(a), a);
  });
});

describe('egress decisions from the policy', () => {
  let f: Fixture;
  afterEach(() => f.cleanup());
  const policyText = `version: 1
rules:
  - id: registry
    action: network
    hosts: [registry.npmjs.org, "*.githubusercontent.com"]
    effect: allow
  - id: no-paste
    action: network
    hosts: [pastebin.com]
    effect: deny
    reason: paste sites leak code
`;

  it('allows the policy\'s hosts and the agents\' model hosts, denies denied ones, asks the rest', async () => {
    f = makeFixture({}, { policy: policyText });
    const asks: string[] = [];
    const d = policyEgressDecider({ policy: () => f.policy(), agentHosts: ['api.anthropic.com'], allow: ['127.0.0.1:9999'], ask: async (h) => (asks.push(h), h === 'approved.example') });
    assert.deepStrictEqual(await d('registry.npmjs.org', 443), { allow: true, reason: (await d('registry.npmjs.org', 443)).reason, ruleIds: ['registry'], by: 'policy' });
    assert.strictEqual((await d('raw.githubusercontent.com', 443)).allow, true);
    assert.strictEqual((await d('API.Anthropic.com', 443)).by, 'agent-profile');
    assert.strictEqual((await d('127.0.0.1', 9999)).by, 'allow-list');
    assert.strictEqual((await d('127.0.0.1', 9998)).allow, false);
    const paste = await d('pastebin.com', 443);
    assert.strictEqual(paste.allow, false);
    assert.match(paste.reason, /paste sites leak code/);
    assert.strictEqual((await d('approved.example', 443)).allow, true);
    assert.strictEqual((await d('other.example', 443)).allow, false);
    assert.deepStrictEqual(asks, ['127.0.0.1', 'approved.example', 'other.example']);
  });

  it('ask without anyone to ask denies, and an asker that throws denies', async () => {
    f = makeFixture({}, { policy: policyText });
    const none = policyEgressDecider({ policy: () => f.policy() });
    const r = await none('example.org', 443);
    assert.strictEqual(r.allow, false);
    assert.match(r.reason, /needs the developer's approval/);
    const throwing = policyEgressDecider({ policy: () => f.policy(), ask: async () => { throw new Error('prompt crashed'); } });
    assert.strictEqual((await throwing('example.org', 443)).allow, false);
  });
});
