import * as path from 'path';
import { looksLikeGuardProgram, type FileFacts, type Provenance, type TreeWalk } from './index';

/** One file (or folder) of a described world. */
export interface WorldFile {
  /** Default `tracked-unchanged`. */
  provenance?: Provenance;
  /** A symbolic link to this target (absolute, or relative to the link's folder). */
  link?: string;
  /** The policy counts it as a secret (a recursive reader reaching it reads a secret). */
  secret?: boolean;
  /** git ignores it. */
  ignored?: boolean;
  /** It is the guard's own CLI. */
  guard?: boolean;
}

export interface World {
  /** Absolute paths; folders exist implicitly as parents of listed files. */
  files?: Readonly<Record<string, WorldFile>>;
  /** Provenance of a path not listed: default `missing`. */
  unlisted?: Provenance;
  /** Folders whose content is unknown (too large to list): a recursive read of them cannot be judged. */
  unlistable?: readonly string[];
  /** Secret environment variables: name → the file that defines it. */
  secretVariables?: Readonly<Record<string, string>>;
}

const MAX_LINKS = 40;

/** File facts answered from a described world: for tests and examples, no I/O. */
export class MemoryFileFacts implements FileFacts {
  private readonly files: Map<string, WorldFile>;
  private readonly dirs = new Set<string>();

  constructor(private readonly world: World = {}) {
    this.files = new Map(Object.entries(world.files ?? {}).map(([p, f]) => [path.posix.normalize(p), f]));
    for (const p of this.files.keys()) {
      for (let d = path.posix.dirname(p); d !== '/' && !this.dirs.has(d); d = path.posix.dirname(d)) this.dirs.add(d);
    }
    this.dirs.add('/');
  }

  realpath(abs: string): string | undefined {
    let parts = abs.split('/').filter(Boolean);
    let done = '';
    for (let hops = 0, i = 0; i < parts.length; i++) {
      const next = `${done}/${parts[i]}`;
      const link = this.files.get(next)?.link;
      if (link === undefined) {
        done = next;
        continue;
      }
      if (++hops > MAX_LINKS) return undefined;
      const target = link.startsWith('/') ? link : path.posix.join(done || '/', link);
      parts = [...target.split('/').filter(Boolean), ...parts.slice(i + 1)];
      done = '';
      i = -1;
    }
    return path.posix.normalize(done || '/');
  }

  provenance(abs: string): Provenance {
    const f = this.files.get(abs);
    if (f) return f.provenance ?? 'tracked-unchanged';
    return this.world.unlisted ?? 'missing';
  }

  exists(abs: string): boolean | undefined {
    if (this.files.has(abs) || this.dirs.has(abs)) return true;
    return this.world.unlisted !== undefined && this.world.unlisted !== 'missing' ? undefined : false;
  }

  secretsUnder(dir: string, walk: TreeWalk): readonly string[] | undefined {
    const prefix = dir === '/' ? '/' : dir + '/';
    if ((this.world.unlistable ?? []).some((u) => u === dir || u.startsWith(prefix) || dir.startsWith(u === '/' ? '/' : u + '/'))) return undefined;
    const out: string[] = [];
    for (const [p, f] of this.files) {
      if (!f.secret || !(p === dir || p.startsWith(prefix))) continue;
      const rel = p === dir ? '' : p.slice(prefix.length);
      if (!walk.hidden && rel.split('/').some((c) => c.startsWith('.'))) continue;
      if (!walk.ignored && this.ignoredOrUnder(p, dir)) continue;
      out.push(p);
    }
    return out;
  }

  private ignoredOrUnder(p: string, stop: string): boolean {
    for (let q = p; q.length >= stop.length && q !== '/'; q = path.posix.dirname(q)) if (this.files.get(q)?.ignored) return true;
    return false;
  }

  secretVariables(): ReadonlyMap<string, string> {
    return new Map(Object.entries(this.world.secretVariables ?? {}));
  }

  isGuardProgram(abs: string): boolean {
    const real = this.realpath(abs) ?? abs;
    return !!this.files.get(real)?.guard || looksLikeGuardProgram(real);
  }
}

/**
 * The world a policy's own self-tests (`tests:` in .agentpolicy.yaml) assume: the project's files
 * are committed and unchanged, no folder holds secrets. Self-tests state what a policy intends for
 * reviewed code, not what the disk holds today.
 */
export function reviewedWorldFacts(): MemoryFileFacts {
  return new MemoryFileFacts({ unlisted: 'tracked-unchanged' });
}
