import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { looksLikeGuardProgram, type FileFacts, type Provenance, type TreeWalk } from './index';

export interface NodeFileFactsOptions {
  workspace: string;
  /** Which files the policy counts as secrets (see `policySecretTest`). */
  isSecret: (abs: string) => boolean;
  /** Where the guard's own CLI is installed (the running program's path); more are found from package.json. */
  guardPrograms?: readonly string[];
  /** How long an answer is reused (ms); the disk changes under a long-lived broker. Default 1000. */
  ttlMs?: number;
  /** Most directory entries one recursive walk visits before giving up ("unknown"). Default 20000. */
  maxEntries?: number;
  /** Largest file hashed to compare with HEAD (bytes). Default 8 MiB. */
  maxHashBytes?: number;
  /** git executable. Default `git`. */
  git?: string;
}

interface Cached<T> {
  at: number;
  value: T;
}

/**
 * File facts from the disk and git plumbing, cached and bounded. It never runs a program a
 * repository configures: provenance compares `git ls-tree HEAD` blob ids with hashes computed
 * here (no filters, no fsmonitor, no hooks), and ignored files come from `git ls-files`.
 */
export class NodeFileFacts implements FileFacts {
  private readonly ttl: number;
  private readonly maxEntries: number;
  private readonly maxHash: number;
  private readonly cache = new Map<string, Cached<unknown>>();
  private readonly guard = new Set<string>();

  constructor(private readonly opts: NodeFileFactsOptions) {
    this.ttl = opts.ttlMs ?? 1000;
    this.maxEntries = opts.maxEntries ?? 20000;
    this.maxHash = opts.maxHashBytes ?? 8 << 20;
    for (const g of opts.guardPrograms ?? []) {
      try {
        this.guard.add(fs.realpathSync.native(g));
      } catch {
        this.guard.add(path.resolve(g));
      }
    }
  }

  private memo<T>(key: string, compute: () => T): T {
    const hit = this.cache.get(key) as Cached<T> | undefined;
    const now = Date.now();
    if (hit && now - hit.at < this.ttl) return hit.value;
    const value = compute();
    if (this.cache.size > 10000) this.cache.clear();
    this.cache.set(key, { at: now, value });
    return value;
  }

  realpath(abs: string): string | undefined {
    return this.memo(`real:${abs}`, () => {
      const rest: string[] = [];
      let p = abs;
      for (let i = 0; i < 256; i++) {
        try {
          const real = fs.realpathSync.native(p);
          return rest.length ? path.posix.join(real, ...rest.reverse()) : real;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined; // ELOOP, EACCES…: cannot tell
          if (p === '/') return abs;
          rest.push(path.posix.basename(p));
          p = path.posix.dirname(p);
        }
      }
      return undefined;
    });
  }

  exists(abs: string): boolean | undefined {
    try {
      fs.lstatSync(abs);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'ENOTDIR' ? false : undefined;
    }
  }

  provenance(abs: string): Provenance {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unknown';
    }
    const root = this.repoRoot(path.posix.dirname(abs));
    if (root === undefined) return 'untracked';
    const head = this.headTree(root);
    if (!head) return 'unknown';
    const rel = path.posix.relative(root, abs);
    const entry = head.entries.get(rel);
    if (!entry) return 'untracked';
    if (st.isSymbolicLink()) {
      if (entry.mode !== '120000') return 'modified';
      try {
        return blobId(Buffer.from(fs.readlinkSync(abs)), head.format) === entry.id ? 'tracked-unchanged' : 'modified';
      } catch {
        return 'unknown';
      }
    }
    if (!st.isFile() || (entry.mode !== '100644' && entry.mode !== '100755')) return 'modified';
    if ((entry.mode === '100755') !== ((st.mode & 0o111) !== 0)) return 'modified';
    if (st.size > this.maxHash) return 'unknown';
    try {
      return blobId(fs.readFileSync(abs), head.format) === entry.id ? 'tracked-unchanged' : 'modified';
    } catch {
      return 'unknown';
    }
  }

  secretsUnder(dir: string, walk: TreeWalk): readonly string[] | undefined {
    return this.memo(`secrets:${walk.hidden}:${walk.ignored}:${dir}`, () => {
      let st: fs.Stats;
      try {
        st = fs.statSync(dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return code === 'ENOENT' || code === 'ENOTDIR' ? [] : undefined;
      }
      if (!st.isDirectory()) return this.opts.isSecret(dir) ? [dir] : [];
      const root = walk.ignored ? undefined : this.repoRoot(dir);
      const ignored = root === undefined ? undefined : this.ignoredPaths(root);
      if (root !== undefined && ignored === undefined) return undefined;
      const found: string[] = [];
      let visited = 0;
      const stack: { d: string; depth: number }[] = [{ d: dir, depth: 0 }];
      while (stack.length) {
        const { d, depth } = stack.pop()!;
        let names: fs.Dirent[];
        try {
          names = fs.readdirSync(d, { withFileTypes: true });
        } catch {
          return undefined;
        }
        for (const ent of names) {
          if (++visited > this.maxEntries) return undefined;
          const p = d === '/' ? `/${ent.name}` : `${d}/${ent.name}`;
          if (!walk.hidden && ent.name.startsWith('.')) continue;
          if (ent.name === '.git' && ent.isDirectory()) continue;
          if (ignored && root !== undefined && isIgnored(ignored, path.posix.relative(root, p))) continue;
          if (ent.isDirectory()) {
            if (depth < 64) stack.push({ d: p, depth: depth + 1 });
            else return undefined;
          } else if (this.opts.isSecret(p)) found.push(p);
        }
      }
      return found;
    });
  }

  secretVariables(): ReadonlyMap<string, string> {
    return this.memo('secret-vars', () => {
      const out = new Map<string, string>();
      const ws = this.opts.workspace;
      const files: string[] = [];
      const visit = (d: string, depth: number) => {
        let names: fs.Dirent[];
        try {
          names = fs.readdirSync(d, { withFileTypes: true });
        } catch {
          return;
        }
        for (const ent of names) {
          const p = `${d}/${ent.name}`;
          if (ent.isFile() && /^\.env(\..*)?$/.test(ent.name) && this.opts.isSecret(p)) files.push(p);
          else if (ent.isDirectory() && depth < 2 && !ent.name.startsWith('.') && ent.name !== 'node_modules') visit(p, depth + 1);
        }
      };
      visit(ws, 0);
      for (const f of files.slice(0, 64)) {
        let text: string;
        try {
          text = fs.readFileSync(f, 'utf8').slice(0, 1 << 20);
        } catch {
          continue;
        }
        for (const m of text.matchAll(/^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=/gm)) if (!out.has(m[1])) out.set(m[1], f);
      }
      return out;
    });
  }

  isGuardProgram(abs: string): boolean {
    const real = this.realpath(abs) ?? abs;
    if (this.guard.has(real) || looksLikeGuardProgram(real)) return true;
    // A package named agent-policy whose bin is this file (a clone of the guard, a local install).
    return this.memo(`guard:${real}`, () => {
      for (let d = path.posix.dirname(real), i = 0; i < 6 && d !== '/'; d = path.posix.dirname(d), i++) {
        let pkg: { name?: unknown; bin?: unknown };
        try {
          pkg = JSON.parse(fs.readFileSync(path.posix.join(d, 'package.json'), 'utf8').slice(0, 1 << 20)) as typeof pkg;
        } catch {
          continue;
        }
        if (pkg.name !== 'agent-policy') return false;
        const bins = typeof pkg.bin === 'string' ? [pkg.bin] : pkg.bin && typeof pkg.bin === 'object' ? Object.values(pkg.bin as Record<string, unknown>) : [];
        return bins.some((b) => typeof b === 'string' && path.posix.resolve(d, b) === real);
      }
      return false;
    });
  }

  private repoRoot(dir: string): string | undefined {
    return this.memo(`root:${dir}`, () => {
      for (let d = dir, i = 0; i < 128; d = path.posix.dirname(d), i++) {
        if (fs.existsSync(path.posix.join(d, '.git'))) return d;
        if (d === '/') break;
      }
      return undefined;
    });
  }

  private git(root: string, args: string[]): Buffer | undefined {
    try {
      return execFileSync(this.opts.git ?? 'git', ['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null', '-C', root, ...args], {
        timeout: 3000,
        maxBuffer: 64 << 20,
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', PAGER: 'cat' },
      });
    } catch {
      return undefined;
    }
  }

  private headTree(root: string): { format: 'sha1' | 'sha256'; entries: Map<string, { mode: string; id: string }> } | undefined {
    return this.memo(`head:${root}`, () => {
      const fmt = this.git(root, ['rev-parse', '--show-object-format'])?.toString().trim();
      const out = this.git(root, ['ls-tree', '-r', '-z', '--full-tree', 'HEAD']);
      if (!out) return undefined;
      const entries = new Map<string, { mode: string; id: string }>();
      for (const rec of out.toString('utf8').split('\0')) {
        const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(rec);
        if (m && m[2] === 'blob') entries.set(m[4], { mode: m[1], id: m[3] });
      }
      return { format: fmt === 'sha256' ? 'sha256' : 'sha1', entries };
    });
  }

  private ignoredPaths(root: string): Set<string> | undefined {
    return this.memo(`ignored:${root}`, () => {
      const out = this.git(root, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory']);
      if (!out) return undefined;
      return new Set(out.toString('utf8').split('\0').filter(Boolean).map((p) => p.replace(/\/$/, '')));
    });
  }
}

function isIgnored(ignored: Set<string>, rel: string): boolean {
  for (let p = rel; p && p !== '.'; p = path.posix.dirname(p)) if (ignored.has(p)) return true;
  return false;
}

function blobId(content: Buffer, format: 'sha1' | 'sha256'): string {
  return crypto.createHash(format).update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** Node file facts for a workspace (see `NodeFileFactsOptions`). */
export function nodeFileFacts(opts: NodeFileFactsOptions): FileFacts {
  return new NodeFileFacts(opts);
}
