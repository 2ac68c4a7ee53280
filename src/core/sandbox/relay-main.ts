/**
 * The sandbox's first process where there is no perl (relay.pl is the same program, faster to
 * start); bwrap starts it, it then starts the agent.
 *
 * Inside, the network namespace has only its own loopback. The relay listens there on the
 * ports the agent's tools expect — the broker's shell port (the bash trap's /dev/tcp), the
 * egress proxy (HTTP(S)_PROXY), forwarded model endpoints — and carries each connection to a
 * Unix socket bound in from outside, where the guard listens. It starts listening first, tells
 * the launcher it is ready, and starts the agent only when the launcher says go, so the agent's
 * first command always finds the broker.
 *
 * Imports only Node built-ins (fast start). Fails closed: any setup error exits 126 with why.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';

interface RelayConfig {
  /** 127.0.0.1:port inside → Unix socket. */
  listen: { port: number; socket: string }[];
  /** 127.0.0.1:port inside → a CONNECT tunnel through the proxy socket to host:targetPort outside. */
  forwards: { port: number; host: string; targetPort: number; proxySocket: string }[];
}

/** The channel to the guard: descriptor 3, lines (see relay.pl for the protocol). */
const CHANNEL_FD = 3;
const unhex = (h: string) => Buffer.from(h, 'hex').toString('utf8');

/** `--listen PORT HEXSOCKET` and `--forward PORT HEXHOST TARGETPORT HEXSOCKET`, as relay.pl takes them. */
function parseArgs(argv: string[]): RelayConfig {
  const config: RelayConfig = { listen: [], forwards: [] };
  for (let i = 0; i < argv.length; ) {
    const opt = argv[i++];
    if (opt === '--listen') config.listen.push({ port: Number(argv[i++]), socket: unhex(argv[i++]) });
    else if (opt === '--forward') config.forwards.push({ port: Number(argv[i++]), host: unhex(argv[i++]), targetPort: Number(argv[i++]), proxySocket: unhex(argv[i++]) });
    else fail(`unknown argument ${opt}`);
  }
  return config;
}

function fail(why: string): never {
  process.stderr.write(`agentpolicy: sandbox relay: ${why}\n`);
  process.exit(126);
}

function pipeBoth(a: net.Socket, b: net.Socket): void {
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
  a.pipe(b);
  b.pipe(a);
}

function toSocket(socket: string) {
  return (client: net.Socket) => {
    client.pause();
    const up = net.connect(socket);
    up.once('connect', () => client.resume());
    pipeBoth(client, up);
  };
}

function throughProxy(f: RelayConfig['forwards'][number]) {
  return (client: net.Socket) => {
    client.pause();
    const up = net.connect(f.proxySocket);
    let head = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 8192) up.destroy();
        return;
      }
      up.off('data', onData);
      if (!/^HTTP\/1\.[01] 200/.test(head.subarray(0, end).toString('latin1'))) {
        // Refused by the proxy: close; the client sees a reset, the proxy audited why.
        process.stderr.write(`agentpolicy: ${/X-Agentpolicy-Reason: ([^\r\n]*)/.exec(head.toString('latin1'))?.[1] ?? `connection to ${f.host}:${f.targetPort} refused`}\n`);
        up.destroy();
        client.destroy();
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length) client.write(rest);
      pipeBoth(client, up);
      client.resume();
    };
    up.on('data', onData);
    up.once('connect', () => up.write(`CONNECT ${f.host}:${f.targetPort} HTTP/1.1\r\nHost: ${f.host}:${f.targetPort}\r\n\r\n`));
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  };
}

async function listenAll(port: number, handler: (s: net.Socket) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s = net.createServer({ pauseOnConnect: false }, handler);
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve());
  });
  // Clients that resolve `localhost` to ::1 first find the same service there, when the namespace has IPv6.
  await new Promise<void>((resolve) => {
    const s6 = net.createServer(handler);
    s6.once('error', () => resolve());
    s6.listen(port, '::1', () => resolve());
  });
}

/**
 * Descriptors inherited from whoever started the guard (a terminal, an editor) would pass into
 * the program: a descriptor of a folder outside is a way around every mount. Node's own are
 * close-on-exec; any other one above stderr, except the channel to the guard, is closed.
 */
function closeInheritedDescriptors(channelFd: number): void {
  const O_CLOEXEC = 0o2000000;
  for (const name of fs.readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd <= 2 || fd === channelFd) continue;
    let flags: number;
    try {
      const m = /^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (!m) continue;
      flags = parseInt(m[1], 8);
    } catch {
      continue; // the readdir's own descriptor, gone already
    }
    if ((flags & O_CLOEXEC) === 0) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    }
  }
}

async function main(): Promise<void> {
  const config = parseArgs(process.argv.slice(2));
  try {
    closeInheritedDescriptors(CHANNEL_FD);
  } catch (e) {
    fail(`cannot close inherited descriptors: ${(e as Error).message}`);
  }
  let channel: net.Socket;
  try {
    channel = new net.Socket({ fd: CHANNEL_FD, readable: true, writable: true });
  } catch (e) {
    fail(`no channel to the guard: ${(e as Error).message}`);
  }
  try {
    for (const l of config.listen) await listenAll(l.port, toSocket(l.socket));
    for (const f of config.forwards) await listenAll(f.port, throughProxy(f));
  } catch (e) {
    fail(`cannot listen: ${(e as Error).message}`);
  }
  let child: ChildProcess | undefined;
  const argv: string[] = [];
  const env: Record<string, string> = {};
  let cwd: string | undefined;
  const start = () => {
    if (child || !argv.length || cwd === undefined) return;
    // Its own process group, so a signal the person sends (Ctrl-C, a resize) reaches what it runs too.
    child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env, cwd, detached: true });
    child.on('error', (e) => {
      process.stderr.write(`agentpolicy: cannot start ${argv[0]}: ${e.message}\n`);
      channel.write('exit 127\n', () => process.exit(127));
    });
    child.on('exit', (code, signal) => {
      const status = code ?? 128 + (signal ? (require('os').constants.signals[signal] ?? 0) : 0);
      channel.write(`exit ${status}\n`, () => process.exit(status));
    });
  };
  let buf = '';
  channel.setEncoding('utf8');
  channel.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let m: RegExpExecArray | null;
      if ((m = /^arg ([0-9a-f]*)$/.exec(line))) argv.push(unhex(m[1]));
      else if ((m = /^env ([0-9a-f]*)$/.exec(line))) {
        const kv = unhex(m[1]);
        const eq = kv.indexOf('=');
        if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
      } else if ((m = /^cwd ([0-9a-f]*)$/.exec(line))) cwd = unhex(m[1]);
      else if (line === 'start') start();
      else if ((m = /^signal ([A-Z0-9]+)$/.exec(line)) && child?.pid) {
        const sig = (m[1].startsWith('SIG') ? m[1] : `SIG${m[1]}`) as NodeJS.Signals;
        try {
          process.kill(-child.pid, sig);
        } catch {
          try {
            child.kill(sig);
          } catch {
            /* gone */
          }
        }
      }
    }
  });
  // The guard went away: nothing inside may outlive it.
  const gone = () => {
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    process.exit(126);
  };
  channel.on('end', gone);
  channel.on('error', gone);
  channel.write('ready\n');
}

void main();
