import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { Broker, Logger } from '../broker/broker';
import { brokerRequest, formatFrameAnswer, parseFrame, type BrokerResponse } from './protocol';

const MAX_BUFFER = 2 << 20;

export interface ServerAddress {
  /** Unix domain socket, in a 0700 directory of its own. */
  socketPath: string;
  /** Loopback TCP port for shells (bash's /dev/tcp cannot open Unix sockets); credentials still required. */
  port: number;
  dir: string;
}

/** A private 0700 directory for the socket: `$XDG_RUNTIME_DIR` when set, else the temp dir. */
export function makeRuntimeDir(): string {
  const base = process.env.XDG_RUNTIME_DIR && fs.existsSync(process.env.XDG_RUNTIME_DIR) ? process.env.XDG_RUNTIME_DIR : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, 'agentpolicy-'));
  fs.chmodSync(dir, 0o700);
  return dir;
}

/**
 * Serves the broker on a Unix socket (newline-delimited JSON or shell frames) and on a
 * loopback TCP port (shell frames). Every request is validated and answered; a malformed
 * one is answered deny and the connection closed.
 */
export class BrokerServer {
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();
  address?: ServerAddress;

  constructor(
    private readonly broker: Broker,
    private readonly logger?: Logger,
  ) {}

  /**
   * `tcpPorts`: try a free port in this inclusive range first (VS Code is told never to forward
   * that range), then any free port.
   */
  async listen(dir = makeRuntimeDir(), opts: { tcpPorts?: [number, number] } = {}): Promise<ServerAddress> {
    const socketPath = path.join(dir, 'broker.sock');
    const unix = net.createServer((s) => this.serve(s));
    await new Promise<void>((resolve, reject) => {
      unix.once('error', reject);
      unix.listen(socketPath, () => resolve());
    });
    fs.chmodSync(socketPath, 0o600);
    const tcp = net.createServer((s) => this.serve(s));
    const bind = (port: number) =>
      new Promise<boolean>((resolve, reject) => {
        const onError = (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' && port !== 0 ? resolve(false) : reject(e));
        tcp.once('error', onError);
        tcp.listen(port, '127.0.0.1', () => {
          tcp.off('error', onError);
          resolve(true);
        });
      });
    const [lo, hi] = opts.tcpPorts ?? [0, -1];
    const tries = [...Array(Math.max(0, hi - lo + 1)).keys()].map((i) => lo + i).sort(() => Math.random() - 0.5);
    let bound = false;
    for (const p of tries.slice(0, 20)) if ((bound = await bind(p))) break;
    if (!bound) await bind(0);
    this.servers.push(unix, tcp);
    const port = (tcp.address() as net.AddressInfo).port;
    this.address = { socketPath, port, dir };
    return this.address;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    if (this.address) fs.rmSync(this.address.dir, { recursive: true, force: true });
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let chain = Promise.resolve();
    const answer = (text: string) => {
      if (!socket.destroyed) socket.write(text);
    };
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (buf.length > MAX_BUFFER) {
        answer(JSON.stringify(denyAll('request too large')) + '\n');
        socket.destroy();
        return;
      }
      for (;;) {
        if (buf.length === 0) return;
        if (buf[0] === 0x41 /* A */) {
          const f = parseFrame(buf);
          if (!f) return;
          if ('error' in f) {
            answer(formatFrameAnswer(denyAll(f.error)));
            socket.end();
            buf = Buffer.alloc(0);
            return;
          }
          buf = f.rest;
          const req = f.request;
          chain = chain.then(async () => answer(formatFrameAnswer(await this.handle(req))));
        } else {
          const nl = buf.indexOf(0x0a);
          if (nl < 0) return;
          const line = buf.subarray(0, nl).toString('utf8');
          buf = buf.subarray(nl + 1);
          if (line.trim() === '') continue;
          chain = chain.then(async () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(line);
            } catch {
              answer(JSON.stringify(denyAll('request is not JSON')) + '\n');
              return;
            }
            answer(JSON.stringify(await this.handle(parsed)) + '\n');
          });
        }
      }
    });
  }

  /** Validates and answers one request; never throws. */
  async handle(raw: unknown): Promise<BrokerResponse> {
    const parsed = brokerRequest.safeParse(raw);
    if (!parsed.success) {
      const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
      return { ...denyAll(`invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`), id };
    }
    try {
      const r = parsed.data;
      return r.type === 'decide' ? await this.broker.decide(r) : await this.broker.control(r);
    } catch (e) {
      this.logger?.error(`[ipc] ${e}`);
      return denyAll(`internal error: ${(e as Error).message}`);
    }
  }
}

function denyAll(why: string): BrokerResponse {
  return { decision: 'deny', message: `agentpolicy: deny: ${why}` };
}
