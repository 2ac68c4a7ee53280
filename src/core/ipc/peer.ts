/**
 * Who is on the other end of a loopback TCP connection, from the kernel's own tables (Linux):
 * /proc/net/tcp maps a connection to the uid that owns it and to its socket inode, and
 * /proc/<pid>/fd tells whether a process holds that socket. Node offers no SO_PEERCRED, so this
 * is how the broker refuses other users' connections and checks a claimed pid.
 */
import * as fs from 'fs';

export interface TcpEntry {
  localPort: number;
  remotePort: number;
  localAddr: string;
  remoteAddr: string;
  state: string;
  uid: number;
  inode: number;
}

const LOOPBACK = '0100007F';

/** Parses the text of /proc/net/tcp (IPv4). */
export function parseProcNetTcp(text: string): TcpEntry[] {
  const out: TcpEntry[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f.length < 10) continue;
    const [la, lp] = f[1].split(':');
    const [ra, rp] = f[2].split(':');
    out.push({ localAddr: la, localPort: parseInt(lp, 16), remoteAddr: ra, remotePort: parseInt(rp, 16), state: f[3], uid: Number(f[7]), inode: Number(f[9]) });
  }
  return out;
}

/** Whether this platform lets us see TCP owners (Linux /proc). */
export function canSeeTcpOwners(): boolean {
  try {
    fs.accessSync('/proc/net/tcp', fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The client end of a loopback connection to `serverPort` from `peerPort`: its owner's uid and
 * socket inode; undefined when the kernel does not list it (gone already, or not loopback IPv4).
 */
export function tcpPeer(peerPort: number, serverPort: number, table = readTable()): { uid: number; inode: number } | undefined {
  for (const e of table) {
    if (e.localPort === peerPort && e.remotePort === serverPort && e.localAddr === LOOPBACK && e.remoteAddr === LOOPBACK) return { uid: e.uid, inode: e.inode };
  }
  return undefined;
}

/** The uid that owns the listening socket on 127.0.0.1:port, if any. */
export function tcpListenerUid(port: number, table = readTable()): number | undefined {
  for (const e of table) if (e.state === '0A' && e.localPort === port && (e.localAddr === LOOPBACK || e.localAddr === '00000000')) return e.uid;
  return undefined;
}

function readTable(): TcpEntry[] {
  return parseProcNetTcp(fs.readFileSync('/proc/net/tcp', 'latin1'));
}

/** Whether process `pid` holds the socket with `inode` among its open files (bounded scan of its fds). */
export function pidHoldsSocket(pid: number, inode: number, maxFds = 4096): boolean {
  const want = `socket:[${inode}]`;
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (let i = 0; i < fds.length && i < maxFds; i++) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fds[i]}`) === want) return true;
    } catch {
      /* closed meanwhile */
    }
  }
  return false;
}

/** This process's uid (-1 where the platform has none). */
export function ownUid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}
