import * as fs from 'fs';
import * as path from 'path';
import type { CompiledPolicy } from '../policy/compile';
import { sandboxDenies } from './profile';

/**
 * Watches the sandbox's writable places from outside. Bind mounts hide what existed at start;
 * they cannot hide by name, and a rename over a hidden file from outside even detaches the
 * hiding mount inside (Linux drops mounts on a dentry replaced in another namespace). So a
 * secret that appears in a writable place during the run, or a protected path that is created
 * there, is a violation the launcher acts on (by default: it stops the run).
 */
export interface SandboxViolation {
  kind: 'secret-appeared' | 'protected-created';
  path: string;
  message: string;
}

export interface WatchOptions {
  roots: readonly string[];
  policy: CompiledPolicy;
  agent?: string;
  onViolation(v: SandboxViolation): void;
  /** Folders watched at most (inotify watches are a per-user resource). */
  maxDirs?: number;
  skip?: ReadonlySet<string>;
  /** Paths mounted at start (hidden, read-only): changed in place they are still covered; replaced they are not. */
  known?: readonly string[];
}

const SKIP = new Set(['node_modules', '.git', '.venv', 'venv', '.tox', '__pycache__']);

export class SandboxWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private readonly seen = new Set<string>();
  private closed = false;
  /** Set when the folder count ran over the limit: some places are not watched. */
  truncated = false;

  constructor(private readonly opts: WatchOptions) {}

  start(): void {
    for (const p of this.opts.known ?? []) {
      try {
        this.seen.add(`${p}:${fs.lstatSync(p).ino}`);
      } catch {
        /* gone */
      }
    }
    for (const r of this.opts.roots) this.add(r, 0);
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  get watchedDirs(): number {
    return this.watchers.size;
  }

  private add(dir: string, depth: number): void {
    if (this.closed || this.watchers.has(dir)) return;
    if (this.watchers.size >= (this.opts.maxDirs ?? 4000)) {
      this.truncated = true;
      return;
    }
    let w: fs.FSWatcher;
    try {
      w = fs.watch(dir, { persistent: false }, (_event, name) => {
        if (name) this.check(path.join(dir, name.toString()), depth + 1);
      });
    } catch {
      return;
    }
    w.on('error', () => {
      w.close();
      this.watchers.delete(dir);
    });
    this.watchers.set(dir, w);
    if (depth > 24) return;
    let list: fs.Dirent[];
    try {
      list = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of list) if (d.isDirectory() && !(this.opts.skip ?? SKIP).has(d.name)) this.add(path.join(dir, d.name), depth + 1);
  }

  private check(abs: string, depth: number): void {
    if (this.closed) return;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch {
      return; // removed
    }
    const key = `${abs}:${st.ino}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (sandboxDenies(this.opts.policy, 'file.read', abs, this.opts.agent)) {
      this.opts.onViolation({ kind: 'secret-appeared', path: abs, message: `a secret appeared in a place the agent can read (${abs}); the sandbox hides secrets as they were at start` });
      return;
    }
    if (sandboxDenies(this.opts.policy, 'file.write', abs, this.opts.agent)) {
      this.opts.onViolation({ kind: 'protected-created', path: abs, message: `a protected path was created where the agent can write (${abs})` });
      return;
    }
    if (st.isDirectory() && !(this.opts.skip ?? SKIP).has(path.basename(abs))) {
      // A folder moved in whole: what it holds appeared with it.
      this.add(abs, depth);
      let list: fs.Dirent[] = [];
      try {
        list = fs.readdirSync(abs, { withFileTypes: true });
      } catch {
        /* gone */
      }
      for (const d of list.slice(0, 2000)) this.check(path.join(abs, d.name), depth + 1);
    }
  }
}
