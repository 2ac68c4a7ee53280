/**
 * What analysis may ask about the files a line names: I/O kept behind one small interface so the
 * analysis stays pure. `nodeFileFacts` (node.ts) answers from the disk and git; `MemoryFileFacts`
 * (memory.ts) from a described world, for tests. Every answer may be "unknown", and callers fail
 * closed on it.
 */

/** Where a file stands against git's HEAD. Only `tracked-unchanged` may match an allow rule as a script. */
export type Provenance = 'tracked-unchanged' | 'modified' | 'untracked' | 'missing' | 'unknown';

/** How a recursive reader walks a folder. */
export interface TreeWalk {
  /** It reads hidden files and folders (`grep -r` does; `rg` does not without `--hidden`). */
  hidden: boolean;
  /** It reads files git ignores (`grep -r` does; `rg` and `git add .` do not). */
  ignored: boolean;
}

export interface FileFacts {
  /**
   * The path with symbolic links resolved (bounded): for a path that does not exist, its deepest
   * existing ancestor resolved and the rest appended. Undefined when it cannot be told.
   */
  realpath(abs: string): string | undefined;
  /** Whether the file is tracked by git and unchanged from HEAD. */
  provenance(abs: string): Provenance;
  /** Whether something exists at the path; undefined when it cannot be told. */
  exists(abs: string): boolean | undefined;
  /** The secret files a recursive reader of `dir` would reach; undefined when that is not known (too many entries, unreadable). */
  secretsUnder(dir: string, walk: TreeWalk): readonly string[] | undefined;
  /** Environment variables whose values come from secret files (the keys of `.env*`): name → that file. */
  secretVariables(): ReadonlyMap<string, string>;
  /** True when the file is the guard's own command-line program (`agentpolicy`, its `dist/cli.js`), by any path. */
  isGuardProgram(abs: string): boolean;
}

/**
 * No facts at all: links are taken as written, no script has a known provenance, no folder's
 * content is known. Every question that matters therefore fails closed (asks).
 */
export const NO_FACTS: FileFacts = Object.freeze({
  realpath: (abs: string) => abs,
  provenance: (): Provenance => 'unknown',
  exists: () => undefined,
  secretsUnder: () => undefined,
  secretVariables: () => new Map<string, string>(),
  isGuardProgram: () => false,
});

/** Path names the guard's CLI is installed under, whatever facts say (npm global, VS Code extension, a clone's bundle). */
export function looksLikeGuardProgram(abs: string): boolean {
  const parts = abs.split('/');
  const base = parts[parts.length - 1];
  if (base === 'agentpolicy') return true;
  // …/agent-policy/dist/cli.js, …/agentpolicy.agent-policy-0.1.0/dist/cli.js, …/node_modules/agent-policy/…
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i];
    if (p === 'agent-policy' || p === 'agentpolicy' || /^agentpolicy\.agent-policy(-[0-9][\w.-]*)?$/.test(p)) {
      const rest = parts.slice(i + 1).join('/');
      if (/^(dist\/cli\.js|out\/src\/cli\/cli-main\.js|bin\/agentpolicy(\.js)?)$/.test(rest)) return true;
    }
  }
  return false;
}
