/**
 * The per-user registry of running guard hosts, so an agent's hook launcher (run by an agent
 * that was not started in a guarded terminal) finds the broker for its workspace. One file per
 * host in a 0700 folder of this user's; plain `key=value` lines a bash launcher can read.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ownUid } from '../ipc/peer';

export interface HostEntry {
  workspace: string;
  port: number;
  socket: string;
  pid: number;
  /** What the host's answers on text frames carry (a stranger on the port cannot know it). */
  proof: string;
  /** Credential a hook launcher presents (role hook). */
  hooktoken: string;
  /** Credential the person's CLI presents for control (role owner). */
  ownertoken: string;
}

/**
 * `<XDG_RUNTIME_DIR, else TMPDIR, else /tmp>/agentpolicy-<uid>/hosts` (the hook launcher looks in
 * the same place). A set XDG_RUNTIME_DIR that does not exist is not replaced by another folder:
 * nothing registers there, and hooks decide in their own process.
 */
export function registryDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_RUNTIME_DIR || env.TMPDIR?.replace(/\/+$/, '') || '/tmp';
  return path.join(base, `agentpolicy-${ownUid()}`, 'hosts');
}

/** Creates (or checks) the folder chain as this user's own, private; throws when someone else owns it. */
function privateDir(dir: string): void {
  if (!fs.existsSync(path.dirname(path.dirname(dir)))) throw new Error(`${path.dirname(path.dirname(dir))} does not exist`);
  for (const d of [path.dirname(dir), dir]) {
    try {
      fs.mkdirSync(d, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const st = fs.lstatSync(d);
    if (!st.isDirectory() || st.uid !== ownUid()) throw new Error(`${d} is not this user’s folder: not registering (someone may be impersonating the guard)`);
    if ((st.mode & 0o077) !== 0) fs.chmodSync(d, 0o700);
  }
}

/** Writes this host's entry; returns its file. */
export function registerHost(entry: HostEntry, dir = registryDir()): string {
  privateDir(dir);
  const file = path.join(dir, `${entry.pid}-${entry.port}`);
  const text = Object.entries(entry)
    .map(([k, v]) => `${k}=${String(v).replace(/[\r\n]/g, '')}`)
    .join('\n');
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, text + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
  return file;
}

export function unregisterHost(file: string): void {
  fs.rmSync(file, { force: true });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Hosts registered and still running, best match for `cwd` first (longest workspace prefix). */
export function findHosts(cwd?: string, dir = registryDir()): HostEntry[] {
  let names: string[];
  try {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || st.uid !== ownUid()) return [];
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: HostEntry[] = [];
  for (const n of names) {
    if (n.endsWith('.tmp')) continue;
    try {
      const kv = Object.fromEntries(
        fs
          .readFileSync(path.join(dir, n), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      const e: HostEntry = { workspace: kv.workspace, port: Number(kv.port), socket: kv.socket, pid: Number(kv.pid), proof: kv.proof, hooktoken: kv.hooktoken, ownertoken: kv.ownertoken };
      if (!pidAlive(e.pid)) {
        fs.rmSync(path.join(dir, n), { force: true });
        continue;
      }
      out.push(e);
    } catch {
      /* unreadable: skip */
    }
  }
  const within = (ws: string) => cwd !== undefined && (cwd === ws || cwd.startsWith(ws.endsWith('/') ? ws : ws + '/'));
  return out.filter((e) => cwd === undefined || within(e.workspace)).sort((a, b) => b.workspace.length - a.workspace.length);
}
