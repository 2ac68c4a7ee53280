import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { canSeeTcpOwners, ownUid, parseProcNetTcp, tcpPeer, type TcpEntry } from './peer';
import { formatFrameAnswer, formatHookAnswer, MAX_FRAME, parseFrame, type BrokerResponse, type HookAnswer, type HookFrame } from './protocol';

/** Who connected, as far as the kernel tells. */
export interface Peer {
  transport: 'unix' | 'tcp';
  /** The connecting process's uid: from /proc/net/tcp for TCP; ours for the Unix socket (its 0700 folder admits nobody else). */
  uid?: number;
  /** The client socket's inode (TCP on Linux), to check a claimed pid. */
  inode?: number;
  /** The client's port (TCP), to find it in the kernel's table. */
  remotePort?: number;
}

/** What the server hands every well-formed request to. It must answer and never throw. */
export interface IpcHandler {
  /** A JSON request or a shell frame (as the request object it stands for). */
  request(raw: unknown, peer: Peer): Promise<BrokerResponse>;
  /** A hook launcher's frame. */
  hook(frame: HookFrame, peer: Peer): Promise<HookAnswer>;
  /** A connection or frame refused before it reached a handler: counted, not logged at full size. */
  refused(peer: Peer, why: string): void;
}

export interface ServerAddress {
  /** Unix domain socket, in a 0700 directory of its own. */
  socketPath: string;
  /** Loopback TCP port for shells and hook launchers (bash's /dev/tcp cannot open Unix sockets); 0 when not served. */
  port: number;
  dir: string;
}

export interface ServerLimits {
  /** Open connections at once, over both transports. */
  maxConnections: number;
  /** Open connections at once from one uid. */
  maxPerUid: number;
  /** A connection must deliver a complete request within this time of connecting or of its last answer. */
  readTimeoutMs: number;
  /** Bytes buffered across all connections (incomplete frames). */
  maxBufferedBytes: number;
  /** Open connections at which TCP peers are labelled by uid (and other users' dropped). */
  sweepAt: number;
}

export const DEFAULT_LIMITS: ServerLimits = { maxConnections: 256, maxPerUid: 192, readTimeoutMs: 10_000, maxBufferedBytes: 32 << 20, sweepAt: 16 };

/** A private 0700 directory for the socket: `$XDG_RUNTIME_DIR` when set, else the temp dir. */
export function makeRuntimeDir(): string {
  const base = process.env.XDG_RUNTIME_DIR && fs.existsSync(process.env.XDG_RUNTIME_DIR) ? process.env.XDG_RUNTIME_DIR : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, 'agentpolicy-'));
  fs.chmodSync(dir, 0o700);
  return dir;
}

interface Conn {
  socket: net.Socket;
  peer: Peer;
  countedUid?: number;
  buffered: number;
  inFlight: number;
  timer?: NodeJS.Timeout;
}

/**
 * Serves a handler on a Unix socket (JSON lines or text frames) and a loopback TCP port (text
 * frames). Another user's TCP connection is refused by its owner in /proc/net/tcp; every
 * connection is bounded in number, buffer and time; a malformed request is answered deny and
 * the connection closed.
 */
export class BrokerServer {
  private readonly servers: net.Server[] = [];
  private readonly conns = new Set<Conn>();
  private readonly perUid = new Map<number, number>();
  private buffered = 0;
  address?: ServerAddress;
  private readonly uidChecked: boolean;

  constructor(
    private readonly handler: IpcHandler,
    private readonly limits: ServerLimits = DEFAULT_LIMITS,
    private readonly logger?: { error(m: string): void },
    /** The host's answer proof for text frames (see formatFrameAnswer). */
    private readonly proof = '',
  ) {
    this.uidChecked = canSeeTcpOwners();
  }

  /** Whether TCP peers are checked by uid (Linux); elsewhere only their credential counts. */
  get tcpPeersChecked(): boolean {
    return this.uidChecked;
  }

  /**
   * `tcpPorts`: try a free loopback port in this inclusive range first (VS Code is told never to
   * offer that range for forwarding), then any free port.
   */
  async listen(dir = makeRuntimeDir(), opts: { tcp?: boolean; tcpPorts?: [number, number] } = {}): Promise<ServerAddress> {
    const socketPath = path.join(dir, 'broker.sock');
    const unix = net.createServer((s) => this.accept(s, { transport: 'unix', uid: ownUid() }));
    await listenOn(unix, (cb) => unix.listen(socketPath, cb));
    fs.chmodSync(socketPath, 0o600);
    this.servers.push(unix);
    let port = 0;
    if (opts.tcp !== false) {
      const tcp = net.createServer((s) => this.acceptTcp(s));
      const [lo, hi] = opts.tcpPorts ?? [0, -1];
      const tries = [...Array(Math.max(0, hi - lo + 1)).keys()].map((i) => lo + i).sort(() => Math.random() - 0.5).slice(0, 20);
      let bound = false;
      for (const p of tries) {
        bound = await listenOn(tcp, (cb) => tcp.listen(p, '127.0.0.1', cb)).then(() => true, (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? false : Promise.reject(e)));
        if (bound) break;
      }
      if (!bound) await listenOn(tcp, (cb) => tcp.listen(0, '127.0.0.1', cb));
      this.servers.push(tcp);
      port = (tcp.address() as net.AddressInfo).port;
    }
    this.address = { socketPath, port, dir };
    return this.address;
  }

  get connections(): number {
    return this.conns.size;
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.socket.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    if (this.address) fs.rmSync(this.address.dir, { recursive: true, force: true });
  }

  /**
   * TCP peers are labelled with their owner's uid from /proc/net/tcp. Reading that table costs
   * about a millisecond (the kernel walks its whole hash table), too much for every command a
   * shell runs, and a request without a valid credential is refused anyway. So the table is read
   * when it matters: when connections pile up (one read labels them all, and another user's are
   * dropped), and when the host must know who is connected (`verifyPeer`).
   */
  private acceptTcp(socket: net.Socket): void {
    const peer: Peer = { transport: 'tcp', remotePort: socket.remotePort };
    this.accept(socket, peer);
    if (this.uidChecked && this.conns.size >= this.limits.sweepAt) this.scheduleSweep();
  }

  private sweepScheduled = false;

  private scheduleSweep(): void {
    if (this.sweepScheduled) return;
    this.sweepScheduled = true;
    setImmediate(() => {
      this.sweepScheduled = false;
      this.sweep();
    });
  }

  /** Labels every unlabelled TCP connection from one read of the kernel's table; drops other users'. */
  sweep(): void {
    if (!this.uidChecked || !this.address?.port) return;
    let table: TcpEntry[];
    try {
      table = parseProcNetTcp(fs.readFileSync('/proc/net/tcp', 'latin1'));
    } catch {
      return;
    }
    for (const c of this.conns) {
      if (c.peer.transport !== 'tcp' || c.peer.uid !== undefined || c.socket.destroyed) continue;
      const found = tcpPeer(c.peer.remotePort ?? -1, this.address.port, table);
      if (!found) continue;
      c.peer.uid = found.uid;
      c.peer.inode = found.inode;
      this.countUid(c, found.uid);
      if (found.uid !== ownUid()) this.drop(c, `a connection from another user (uid ${found.uid})`);
      else if ((this.perUid.get(found.uid) ?? 0) > this.limits.maxPerUid) this.drop(c, 'too many connections from this user');
    }
  }

  /** Who is on the other end of this connection, asking the kernel now (used before issuing credentials). */
  verifyPeer(peer: Peer): Peer {
    if (peer.transport !== 'tcp' || peer.uid !== undefined || !this.uidChecked || !this.address?.port) return peer;
    try {
      const found = tcpPeer(peer.remotePort ?? -1, this.address.port);
      if (found) {
        peer.uid = found.uid;
        peer.inode = found.inode;
      }
    } catch {
      /* not listed: stays unknown, and unknown is refused where it matters */
    }
    return peer;
  }

  private countUid(c: Conn, uid: number): void {
    this.perUid.set(uid, (this.perUid.get(uid) ?? 0) + 1);
    c.countedUid = uid;
  }

  private drop(c: Conn, why: string): void {
    this.handler.refused(c.peer, why);
    if (!c.socket.destroyed) c.socket.end(formatFrameAnswer(denyAll(why)));
    c.socket.destroy();
  }

  private refuse(socket: net.Socket, peer: Peer, why: string): void {
    this.handler.refused(peer, why);
    socket.on('error', () => undefined);
    socket.end(formatFrameAnswer(denyAll(why)));
    socket.destroy();
  }

  private accept(socket: net.Socket, peer: Peer): void {
    if (this.conns.size >= this.limits.maxConnections) {
      // Full: find and drop other users' connections before turning ours away.
      this.sweep();
      if (this.conns.size >= this.limits.maxConnections) return this.refuse(socket, peer, 'too many connections');
    }
    const conn: Conn = { socket, peer, buffered: 0, inFlight: 0 };
    this.conns.add(conn);
    if (peer.uid !== undefined) {
      if ((this.perUid.get(peer.uid) ?? 0) >= this.limits.maxPerUid) {
        this.conns.delete(conn);
        return this.refuse(socket, peer, 'too many connections from this user');
      }
      this.countUid(conn, peer.uid);
    }
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.conns.delete(conn);
      if (conn.countedUid !== undefined) this.perUid.set(conn.countedUid, (this.perUid.get(conn.countedUid) ?? 1) - 1);
      this.buffered -= conn.buffered;
      conn.buffered = 0;
      clearTimeout(conn.timer);
    });
    const armTimer = () => {
      clearTimeout(conn.timer);
      // No deadline while an answer is being worked out (an approval may take minutes).
      if (conn.inFlight === 0) conn.timer = setTimeout(() => socket.destroy(), this.limits.readTimeoutMs);
    };
    armTimer();
    let buf: Buffer = Buffer.alloc(0);
    let chain = Promise.resolve();
    const send = (data: string | Buffer) => {
      if (!socket.destroyed) socket.write(data);
    };
    const setBuffered = (n: number) => {
      this.buffered += n - conn.buffered;
      conn.buffered = n;
    };
    const settle = (work: () => Promise<void>) => {
      conn.inFlight++;
      clearTimeout(conn.timer);
      chain = chain
        .then(work)
        .catch((e) => this.logger?.error(`[ipc] ${e}`))
        .finally(() => {
          conn.inFlight--;
          armTimer();
        });
    };
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      setBuffered(buf.length);
      if (buf.length > MAX_FRAME || this.buffered > this.limits.maxBufferedBytes) {
        this.handler.refused(peer, 'request too large');
        send(buf[0] === 0x7b ? JSON.stringify(denyAll('request too large')) + '\n' : formatFrameAnswer(denyAll('request too large')));
        socket.destroy();
        return;
      }
      for (;;) {
        if (buf.length === 0) break;
        if (buf[0] === 0x41 /* A */ || buf[0] === 0x48 /* H */) {
          const f = parseFrame(buf);
          if (!f) break;
          if ('error' in f) {
            this.handler.refused(peer, f.error);
            send(formatFrameAnswer(denyAll(f.error)));
            socket.end();
            buf = Buffer.alloc(0);
            break;
          }
          buf = f.rest;
          if (f.kind === 'hook') {
            const frame = f.frame;
            settle(async () => send(formatHookAnswer(await this.handler.hook(frame, peer), this.proof)));
          } else {
            const req = f.request;
            settle(async () => send(formatFrameAnswer(await this.handler.request(req, peer), this.proof)));
          }
        } else {
          const nl = buf.indexOf(0x0a);
          if (nl < 0) break;
          const line = buf.subarray(0, nl).toString('utf8');
          buf = buf.subarray(nl + 1);
          if (line.trim() === '') continue;
          settle(async () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(line);
            } catch {
              this.handler.refused(peer, 'request is not JSON');
              send(JSON.stringify(denyAll('request is not JSON')) + '\n');
              return;
            }
            send(JSON.stringify(await this.handler.request(parsed, peer)) + '\n');
          });
        }
      }
      // The deadline is not moved by partial data: a request trickled in byte by byte still has to arrive in time.
      setBuffered(buf.length);
    });
  }
}

function listenOn(server: net.Server, start: (cb: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    start(() => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function denyAll(why: string): BrokerResponse {
  return { decision: 'deny', message: `agentpolicy: deny: ${why}` };
}
