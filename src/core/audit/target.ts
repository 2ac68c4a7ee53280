/**
 * What an audit folder holds. A *log* is one folder with one writer: segments, key, lock.
 * A *root* holds one log per writer, `stream-1/` … `stream-64/` (the per-user default,
 * `${XDG_STATE_HOME:-~/.local/state}/agentpolicy/audit`, is a root). verify, export and ship
 * take either, or a single segment file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listSegments } from './segments';
import { KEY_FILE } from './signingKey';

export const STREAM_PREFIX = 'stream-';
/** Writers that may write one root at once; the 65th is refused (locked). */
export const MAX_STREAMS = 64;
const STREAM_RE = /^stream-([1-9]\d{0,5})$/;

/** The per-user default audit root: `${XDG_STATE_HOME:-~/.local/state}/agentpolicy/audit` (a relative XDG_STATE_HOME is ignored, as the XDG spec says). */
export function defaultAuditRoot(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.local', 'state');
  return path.join(base, 'agentpolicy', 'audit');
}

export function streamDir(root: string, n: number): string {
  return path.join(root, `${STREAM_PREFIX}${n}`);
}

/** One log inside a target. */
export interface LogEntry {
  /** `stream-3`, `.` for a log written straight into the root folder, or the folder's name for a single log. */
  name: string;
  dir: string;
  /** Its segment files, oldest first (one file when the target is a segment file). */
  files: string[];
  /** Whether the folder holds a checkpoint key: a writer opened it at some point. */
  hasKey: boolean;
}

export interface AuditTarget {
  /** `file`: one segment; `log`: one log folder; `root`: a folder of streams. */
  kind: 'file' | 'log' | 'root';
  path: string;
  logs: LogEntry[];
}

/** Stream folders of a root, by number. */
export function listStreams(root: string): { n: number; dir: string }[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
  const out: { n: number; dir: string }[] = [];
  for (const name of names) {
    const m = STREAM_RE.exec(name);
    if (!m) continue;
    const dir = path.join(root, name);
    try {
      if (!fs.lstatSync(dir).isDirectory()) continue;
    } catch {
      continue;
    }
    out.push({ n: Number(m[1]), dir });
  }
  return out.sort((a, b) => a.n - b.n);
}

function entry(name: string, dir: string): LogEntry {
  return { name, dir, files: listSegments(dir), hasKey: fs.existsSync(path.join(dir, KEY_FILE)) };
}

/**
 * Resolves a path to the logs it holds. A folder with `stream-N/` sub-folders is a root (a
 * log written straight into it is listed too, as `.`); any other folder is one log. Throws
 * ENOENT when the path does not exist.
 */
export function resolveAuditTarget(target: string): AuditTarget {
  const st = fs.statSync(target);
  if (!st.isDirectory()) return { kind: 'file', path: target, logs: [{ name: path.basename(target), dir: path.dirname(target), files: [target], hasKey: fs.existsSync(path.join(path.dirname(target), KEY_FILE)) }] };
  const streams = listStreams(target);
  if (!streams.length) return { kind: 'log', path: target, logs: [entry(path.basename(path.resolve(target)), target)] };
  const logs: LogEntry[] = [];
  const own = entry('.', target);
  if (own.files.length || own.hasKey) logs.push(own);
  for (const s of streams) logs.push(entry(path.basename(s.dir), s.dir));
  return { kind: 'root', path: target, logs };
}

/** Every segment file of a target, log by log, each log oldest first. */
export function targetFiles(target: string): string[] {
  return resolveAuditTarget(target).logs.flatMap((l) => l.files);
}
