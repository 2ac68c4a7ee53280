import * as fs from 'fs';
import * as path from 'path';
import type { CompiledPolicy } from '../policy/compile';
import { profilesFor, TOOL_CACHE_DIRS, type SandboxAgentProfile } from './agentProfiles';
import { expandHomePath, homeSecretPaths, TOKEN_FILES, xdgDirs } from './homeSecrets';

/**
 * The sandbox a policy asks for, as data: which paths the agent may write, which it may only
 * read, which it must not see at all, and what is private. Platform back ends (bubblewrap,
 * Seatbelt) turn it into their own terms; nothing here starts a process.
 *
 * Everything not named stays as the machine has it, read-only. Home is rebuilt from an
 * allow-list of what it held at start ("mirrored"), so a credential file created in home while
 * the agent runs is not visible either.
 */
export interface SandboxProfile {
  workspace: string;
  home: string;
  /** Writable: the workspace, the agents' own state folders, package caches. */
  readWrite: string[];
  /** Read-only even inside writable places: protected paths, git config and hooks, the guard's files. */
  readOnly: string[];
  /** Not visible: secrets, credentials. A hidden folder is empty; a hidden file cannot be read. */
  hidden: HiddenPath[];
  /** Every hidden path, whether it exists or a mirror leaves it out: for back ends that deny by path. */
  hiddenPaths: string[];
  /** Folders shown as a fixed list of what they held at start (new entries stay invisible). */
  mirrors: MirrorDir[];
  /** Private, empty and writable: /tmp, /var/tmp, /run, /dev/shm. */
  privateDirs: string[];
  /** Generated read-only stand-ins (e.g. ~/.npmrc without its tokens). */
  replacements: { path: string; content: string }[];
  /** Outside paths bound at the same place inside (the sandbox's socket folder). */
  binds: { path: string; writable: boolean }[];
  /** Patterns, for back ends that match names (Seatbelt) and for the watcher. */
  secretPatterns: string[];
  protectedPatterns: string[];
  /** Writable roots a watcher must watch: hiding there is by mount, and a new file is not covered. */
  watchRoots: string[];
  /** State folders to create before start (the launched agent's own, when missing). */
  createDirs: string[];
  network: { mode: 'proxy'; allowHosts: string[] };
  env: { keep: string[]; set: Record<string, string> };
  agents: string[];
  newSession: true;
  warnings: string[];
}

export interface HiddenPath {
  path: string;
  type: 'file' | 'dir';
}

export interface MirrorEntry {
  name: string;
  type: 'dir' | 'file' | 'symlink';
  /** For symlinks: the link text. */
  target?: string;
}

export interface MirrorDir {
  path: string;
  entries: MirrorEntry[];
}

export interface ProfileInput {
  policy: CompiledPolicy;
  /** The agent id the run is attributed to, and the program started. */
  agent?: string;
  program?: string;
  /** The person's environment (XDG folders, CODEX_HOME, credential-file variables). */
  env: NodeJS.ProcessEnv;
  /** The guard's own installed files (the bundle folder): read-only inside. */
  guardPaths?: string[];
  /**
   * The launched program as found on PATH and as its links resolve: where a private folder
   * (/tmp, …) would hide it, its installation is shown read-only (`programInstall`).
   */
  programPaths?: string[];
  /** Extra folders the guard keeps hidden (an audit folder given on the command line). */
  guardStateDirs?: string[];
  /** Extra read-only paths (local-path git remotes). */
  extraReadOnly?: string[];
  /** The sandbox's own socket folder, bound read-only at the same path. */
  runtimeDir?: string;
  agentProfiles?: readonly SandboxAgentProfile[];
  limits?: Partial<WalkLimits>;
}

export interface WalkLimits {
  /** Entries visited in the workspace and the writable state folders. */
  workspaceEntries: number;
  workspaceDepth: number;
  /** Entries visited in the rest of home, and how deep. */
  homeEntries: number;
  homeDepth: number;
  /** Entries per mirrored folder; a bigger folder is bound whole with its secrets hidden by mount. */
  mirrorEntries: number;
}

const DEFAULT_LIMITS: WalkLimits = { workspaceEntries: 200_000, workspaceDepth: 24, homeEntries: 50_000, homeDepth: 4, mirrorEntries: 4000 };

/** Folders of installed dependencies and caches: never walked for secrets (they hold public CA bundles, test keys). */
const WALK_SKIP = new Set(['node_modules', '.venv', 'venv', '.tox', '__pycache__', '.mypy_cache', '.pytest_cache', '.gradle', '.m2']);
/** Large folders of home that hold tools and caches, not the person's files. */
const HOME_WALK_SKIP = new Set([...WALK_SKIP, '.cache', '.npm', '.nvm', '.rustup', '.cargo', '.pyenv', '.rbenv', '.local', '.vscode-server', '.vscode', '.cursor-server', 'snap', 'go', '.m2', '.gradle', '.android', 'Library', '.Trash']);

export const PRIVATE_DIRS = ['/tmp', '/var/tmp', '/run', '/dev/shm'];

/** Git's files that make git run programs (hooks, config, gitdir pointers): read-only in every repository found. */
function gitControlPaths(gitDir: string): string[] {
  const out = ['config', 'config.worktree', 'hooks', 'commondir', 'info/attributes'].map((f) => path.join(gitDir, f));
  for (const sub of ['modules', 'worktrees']) {
    const root = path.join(gitDir, sub);
    walk(root, { maxDepth: 6, maxEntries: 5000, skip: new Set(['objects', 'refs', 'logs']) }, (abs, d) => {
      if (d.name === 'config' || d.name === 'config.worktree' || d.name === 'commondir' || d.name === 'gitdir') out.push(abs);
      if (d.name === 'hooks' && d.isDirectory()) {
        out.push(abs);
        return false;
      }
      return true;
    });
  }
  return out.filter(exists);
}

/**
 * Builds the sandbox profile for one run from the effective policy. Touches the file system only
 * to read (resolve patterns by walking, bounded; list mirrored folders).
 */
export function buildProfile(input: ProfileInput): SandboxProfile {
  const { policy, env } = input;
  const limits = { ...DEFAULT_LIMITS, ...input.limits };
  const workspace = path.resolve(policy.workspace);
  const home = path.resolve(policy.home);
  const xdg = xdgDirs(home, env);
  const warnings: string[] = [];
  const ctx = { workspace, home };

  const secretPatterns = secretPatternsOf(policy, input.agent);
  const protectedPatterns = protectedPatternsOf(policy, input.agent);
  const isSecret = denyRules(policy, 'file.read', input.agent);
  const isProtected = denyRules(policy, 'file.write', input.agent);

  // --- Agents and their state ---------------------------------------------------------------
  const matched = profilesFor([input.agent, input.program, ...policy.agents.map((a) => a.id)], input.agentProfiles);
  const explicit = new Set(matched.filter((p) => [input.agent, input.program].some((n) => n && (p.id === n.toLowerCase() || p.aliases.includes(n.toLowerCase())))).map((p) => p.id));
  const readWrite = new Set<string>([workspace]);
  const readOnly = new Set<string>();
  const hidden = new Map<string, HiddenPath['type']>();
  const createDirs: string[] = [];
  const keepEnv = new Set<string>();
  const allowHosts = new Set<string>();
  const envSet: Record<string, string> = {};
  for (const p of matched) {
    const stateHome = p.homeEnv && env[p.homeEnv]?.startsWith('/') ? path.resolve(env[p.homeEnv]!) : undefined;
    const dirs = p.stateDirs.map((d) => expandHomePath(d, home, xdg));
    if (stateHome) dirs.push(stateHome);
    for (const d of dirs) {
      if (exists(d)) readWrite.add(d);
      else if (explicit.has(p.id) && (d === stateHome || d === expandHomePath(p.stateDirs[0], home, xdg))) {
        // The launched agent's main state folder: it would create it on first run; inside, home is read-only.
        createDirs.push(d);
        readWrite.add(d);
      }
    }
    for (const f of p.stateFiles) {
      const abs = expandHomePath(f, home, xdg);
      if (exists(abs)) readWrite.add(abs);
    }
    for (const c of p.configFiles) {
      const abs = c.startsWith('~/') || c.startsWith('@') ? expandHomePath(c, home, xdg) : path.join(workspace, c);
      readOnly.add(abs);
      if (stateHome && c.startsWith('~/.')) {
        // Config files of a moved state folder (CODEX_HOME=/x → /x/config.toml).
        const rel = c.slice(2).split('/').slice(1).join('/');
        if (rel) readOnly.add(path.join(stateHome, rel));
      }
    }
    for (const h of p.apiHosts) allowHosts.add(h);
    for (const e of p.modelEnv) keepEnv.add(e);
  }
  for (const c of TOOL_CACHE_DIRS) {
    const abs = expandHomePath(c, home, xdg);
    if (exists(abs)) readWrite.add(abs);
  }
  if (!exists(path.join(home, '.npm'))) envSet.npm_config_cache = '/tmp/.npm';

  // --- Secrets: built-in credential locations, the policy's secrets, credential-file variables --
  for (const p of homeSecretPaths(home, env)) hidden.set(p, typeOf(p) ?? 'dir');
  for (const d of input.guardStateDirs ?? []) hidden.set(path.resolve(d), typeOf(d) ?? 'dir');
  const replacements: SandboxProfile['replacements'] = [];
  for (const t of TOKEN_FILES) {
    const abs = expandHomePath(t.path, home, xdg);
    let text: string;
    try {
      text = fs.readFileSync(abs, 'utf8');
    } catch {
      continue;
    }
    const kept = text.split('\n').filter((l) => !t.strip.test(l));
    if (kept.length !== text.split('\n').length) replacements.push({ path: abs, content: kept.join('\n') });
  }

  // The launched program's installation, where a private folder would hide it: read-only.
  const programRoots = new Set<string>();
  for (const p of input.programPaths ?? []) {
    const shown = programInstall(path.resolve(p));
    if (shown) programRoots.add(shown);
  }
  for (const r of programRoots) readOnly.add(r);

  // --- Walk the writable places: secrets to hide, protected paths to keep read-only, git dirs ---
  const gitDirs: string[] = [];
  const rwRoots = [...readWrite].filter((p) => typeOf(p) === 'dir').sort();
  const walked = new Set<string>();
  let wsVisited = 0;
  for (const root of rwRoots) {
    if ([...walked].some((w) => inside(root, w))) continue;
    walked.add(root);
    const r = walk(root, { maxDepth: limits.workspaceDepth, maxEntries: limits.workspaceEntries - wsVisited, skip: WALK_SKIP }, (abs, d) => {
      if (d.name === '.git') {
        if (d.isDirectory()) gitDirs.push(abs);
        else if (d.isFile()) {
          readOnly.add(abs);
          const target = gitdirPointer(abs);
          if (target) gitDirs.push(target);
        }
        return false;
      }
      return classify(abs, d);
    });
    wsVisited += r.visited;
    if (r.truncated) warnings.push(`stopped looking for secrets in ${root} after ${r.visited} entries: files deeper or later may be readable inside (move large generated folders out, or list them in .gitignore-style secrets)`);
  }

  // The rest of home, bounded: the policy's secrets there (another repo's .env, a key file).
  const homeWalk = walk(home, { maxDepth: limits.homeDepth, maxEntries: limits.homeEntries, skip: HOME_WALK_SKIP }, (abs, d) => {
    if ([...readWrite].some((w) => abs === w || inside(abs, w))) return false; // walked above
    if (hidden.has(abs)) return false;
    if (d.name === '.git') return false;
    return classify(abs, d);
  });
  if (homeWalk.truncated) warnings.push(`stopped looking for secrets in ${home} after ${homeWalk.visited} entries`);
  // A program's installation shown from a private folder keeps its secrets hidden (a folder of
  // packages is public code: not walked).
  for (const root of programRoots) {
    if (path.basename(root) === 'node_modules' || typeOf(root) !== 'dir') continue;
    const r = walk(root, { maxDepth: limits.homeDepth, maxEntries: limits.homeEntries, skip: WALK_SKIP }, (abs, d) => d.name !== '.git' && classify(abs, d));
    if (r.truncated) warnings.push(`stopped looking for secrets in ${root} after ${r.visited} entries`);
  }

  // Literal secret and protected paths anywhere (absolute patterns outside workspace and home).
  for (const p of secretPatterns) {
    const abs = literalPath(p, ctx);
    if (abs && exists(abs) && isSecret(abs)) hidden.set(abs, typeOf(abs)!);
  }
  for (const p of protectedPatterns) {
    const abs = literalPath(p, ctx);
    if (abs && exists(abs)) readOnly.add(abs);
  }

  for (const g of gitDirs) for (const c of gitControlPaths(g)) readOnly.add(c);
  // The policy files in force, wherever they are (an org policy in the workspace, a repo policy).
  for (const l of policy.layers) if (l.file.startsWith('/')) readOnly.add(l.file);
  for (const g of input.guardPaths ?? []) readOnly.add(path.resolve(g));
  for (const r of input.extraReadOnly ?? []) readOnly.add(path.resolve(r));

  // A secret with more than one name (a hard link): hide every name found in the writable places.
  const linked = [...hidden].filter(([p, t]) => t === 'file' && nlink(p) > 1).map(([p]) => statKey(p));
  if (linked.length) {
    const keys = new Set(linked);
    for (const root of rwRoots) {
      walk(root, { maxDepth: limits.workspaceDepth, maxEntries: limits.workspaceEntries, skip: WALK_SKIP }, (abs, d) => {
        if (d.isFile() && keys.has(statKey(abs))) hidden.set(abs, 'file');
        return d.name !== '.git';
      });
    }
  }

  // --- Resolve conflicts: hidden > read-only > writable (fail closed) --------------------------
  for (const h of hidden.keys()) {
    readOnly.delete(h);
    readWrite.delete(h);
  }
  for (const w of [...readWrite]) {
    const hider = [...hidden.keys()].find((h) => inside(w, h));
    if (hider) {
      readWrite.delete(w);
      warnings.push(`${w} is inside the hidden ${hider}: not available to the agent`);
      continue;
    }
    const guard = [...readOnly].find((r) => r === w || inside(w, r));
    if (guard) {
      readWrite.delete(w);
      warnings.push(`${w} is protected by the policy (${guard}): the agent cannot write it${w === workspace ? '' : ' (it may fail to save its own state; narrow the protected pattern to its config files)'}`);
    }
  }
  // Read-only paths that exist only; hidden paths that do not exist are handled by the mirrors.
  const ro = [...readOnly].filter(exists).sort();

  // --- Mirrors: home, and every folder of home between it and a hidden path ---------------------
  const mirrors: MirrorDir[] = [];
  const homeWritable = [...readWrite].some((w) => w === home || inside(home, w));
  if (!homeWritable && typeOf(home) === 'dir') {
    const mirrorSet = new Set<string>([home]);
    for (const h of hidden.keys()) {
      if (!inside(h, home)) continue;
      for (let d = path.dirname(h); d !== home && inside(d, home); d = path.dirname(d)) {
        // Not below a writable or protected place: those hide by mount. Not a hidden folder itself (its parent leaves it out).
        if ([...readWrite, ...ro].some((x) => d === x || inside(d, x))) continue;
        if ([...hidden.keys()].some((x) => d === x || inside(d, x))) continue;
        if (typeOf(d) === 'dir') mirrorSet.add(d);
      }
    }
    for (const d of [...mirrorSet].sort()) {
      const entries = listMirror(d, hidden, isSecret, limits.mirrorEntries);
      if (!entries) {
        warnings.push(`${d} has more than ${limits.mirrorEntries} entries: bound whole, secrets in it hidden by mount only`);
        continue;
      }
      mirrors.push({ path: d, entries });
    }
  }
  const mirrored = new Set(mirrors.map((m) => m.path));
  // Hidden paths that a mirror already leaves out need no mount of their own; absent ones need nothing.
  const hiddenList: HiddenPath[] = [];
  for (const [p, t] of [...hidden].sort(([a], [b]) => a.localeCompare(b))) {
    if (!exists(p)) continue;
    if (mirrored.has(path.dirname(p))) continue;
    // Inside a hidden folder already (a mount there would even make the folder appear).
    if ([...hidden.keys()].some((h) => inside(p, h))) continue;
    hiddenList.push({ path: p, type: t });
  }

  const watchRoots = [...readWrite].filter((p) => typeOf(p) === 'dir').sort();
  return {
    workspace,
    home,
    readWrite: [...readWrite].sort(),
    readOnly: ro.filter((r) => !hidden.has(r)),
    hidden: hiddenList,
    hiddenPaths: [...hidden.keys()].sort(),
    mirrors,
    // A private folder holding the workspace (a workspace in /tmp) stays private: the workspace is bound inside it.
    privateDirs: PRIVATE_DIRS.filter((d) => workspace !== d && !inside(d, workspace)),
    replacements,
    binds: input.runtimeDir ? [{ path: input.runtimeDir, writable: false }] : [],
    secretPatterns,
    protectedPatterns,
    watchRoots,
    createDirs,
    network: { mode: 'proxy', allowHosts: [...allowHosts].sort() },
    env: { keep: [...keepEnv].sort(), set: envSet },
    agents: matched.map((p) => p.id),
    newSession: true,
    warnings,
  };

  /** Decides one walked entry; returns whether to descend. */
  function classify(abs: string, d: fs.Dirent): boolean {
    if (isSecret(abs)) {
      if (d.isSymbolicLink()) {
        // Hide what it points at (a bind over a symlink would follow it anyway).
        const t = realpath(abs);
        if (t) hidden.set(t, typeOf(t) ?? 'file');
      } else hidden.set(abs, d.isDirectory() ? 'dir' : 'file');
      return false;
    }
    if (d.isSymbolicLink()) {
      // A link shipped in the repository to a secret elsewhere (`config -> ~/.aws/credentials`, `k -> /srv/x.pem`).
      const t = realpath(abs);
      if (t && isSecret(t)) hidden.set(t, typeOf(t) ?? 'file');
      return false;
    }
    if (isProtected(abs)) readOnly.add(abs);
    return d.isDirectory();
  }
}

/**
 * True when a deny rule of the policy that names paths selects this path for a plain (not
 * recursive) action of this kind: the sandbox asks the policy's own rules, never a copy of them.
 * Rules without paths (outside_workspace only) are about commands; the sandbox's read-only
 * home already covers them. A rule that throws counts as denying.
 */
export function sandboxDenies(policy: CompiledPolicy, kind: 'file.read' | 'file.write', abs: string, agent?: string): boolean {
  return denyRules(policy, kind, agent)(abs);
}

const denyRuleCache = new WeakMap<CompiledPolicy, Map<string, (abs: string) => boolean>>();

/**
 * The same question as a reusable test, for walks over thousands of paths: the deny rules with
 * paths of this kind, picked once (the policy's candidate index is built for mixed lookups;
 * here every path asks the same few rules).
 */
export function denyRules(policy: CompiledPolicy, kind: 'file.read' | 'file.write', agent?: string): (abs: string) => boolean {
  let byKey = denyRuleCache.get(policy);
  if (!byKey) denyRuleCache.set(policy, (byKey = new Map()));
  const key = `${kind}\u0000${agent ?? ''}`;
  let test = byKey.get(key);
  if (!test) {
    const rules = policy.rules.filter((r) => r.kind === kind && r.effect === 'deny' && r.index && !(agent && r.agents && !r.agents.some((re) => re.test(agent))));
    test = (abs) => {
      const action = { kind, path: abs, via: 'sandbox', command: -1 } as const;
      for (const r of rules) {
        try {
          if (r.test(action) === 'yes') return true;
        } catch {
          return true;
        }
      }
      return false;
    };
    byKey.set(key, test);
  }
  return test;
}

/** The path patterns of file.read deny rules (the layers' `secrets` among them), for back ends that match names. */
export function secretPatternsOf(policy: CompiledPolicy, agent?: string): string[] {
  return patternsOf(policy, 'file.read', agent);
}

/** Every layer's protected paths and the paths of file.write deny rules. */
export function protectedPatternsOf(policy: CompiledPolicy, agent?: string): string[] {
  return [...new Set([...policy.protectedPatterns, ...patternsOf(policy, 'file.write', agent)])];
}

function patternsOf(policy: CompiledPolicy, kind: string, agent: string | undefined): string[] {
  const out: string[] = [];
  for (const r of policy.rules) {
    if (r.kind !== kind || r.effect !== 'deny' || !r.index) continue;
    if (r.agents && agent && !r.agents.some((re) => re.test(agent))) continue;
    out.push(...r.index);
  }
  return [...new Set(out)];
}

/** A pattern that names exactly one absolute path (no glob, anchored), else undefined. */
function literalPath(p: string, ctx: { workspace: string; home: string }): string | undefined {
  if (p.startsWith('!') || /[*?[{]/.test(p)) return undefined;
  const s = p.replace(/\/+$/, '');
  if (s === '~' || s.startsWith('~/')) return ctx.home + s.slice(1);
  if (s.startsWith('/')) return s;
  if (s.includes('/')) return path.join(ctx.workspace, s.replace(/^\.\//, ''));
  return undefined;
}

function listMirror(dir: string, hidden: Map<string, string>, isSecret: (abs: string) => boolean, max: number): MirrorEntry[] | undefined {
  let list: fs.Dirent[];
  try {
    list = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  if (list.length > max) return undefined;
  const out: MirrorEntry[] = [];
  for (const d of list) {
    const abs = path.join(dir, d.name);
    if (hidden.has(abs) || isSecret(abs)) continue;
    if (d.isDirectory()) out.push({ name: d.name, type: 'dir' });
    else if (d.isFile()) out.push({ name: d.name, type: 'file' });
    else if (d.isSymbolicLink()) {
      try {
        out.push({ name: d.name, type: 'symlink', target: fs.readlinkSync(abs) });
      } catch {
        /* vanished */
      }
    }
    // Sockets, fifos and devices are left out: a socket in home is someone's agent or daemon.
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

interface WalkOptions {
  maxDepth: number;
  maxEntries: number;
  skip: ReadonlySet<string>;
}

/** Breadth-first, no symlinks followed; `visit` returns whether to descend into a folder. */
export function walk(root: string, opts: WalkOptions, visit: (abs: string, d: fs.Dirent, depth: number) => boolean): { visited: number; truncated: boolean } {
  let visited = 0;
  let queue: { dir: string; depth: number }[] = [{ dir: root, depth: 1 }];
  while (queue.length) {
    const next: typeof queue = [];
    for (const { dir, depth } of queue) {
      let list: fs.Dirent[];
      try {
        list = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const d of list) {
        if (++visited > opts.maxEntries) return { visited: visited - 1, truncated: true };
        const abs = dir === '/' ? '/' + d.name : dir + '/' + d.name;
        const descend = visit(abs, d, depth);
        if (descend && d.isDirectory() && !opts.skip.has(d.name) && depth < opts.maxDepth) next.push({ dir: abs, depth: depth + 1 });
      }
    }
    queue = next;
  }
  return { visited, truncated: false };
}

function gitdirPointer(file: string): string | undefined {
  try {
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(fs.readFileSync(file, 'utf8'));
    return m ? path.resolve(path.dirname(file), m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What of a program's installation must show inside when a private folder would hide it: the
 * outermost `node_modules` holding it (a package and its dependencies), else the prefix of a
 * `bin` folder (a virtualenv, a local install), else its own folder; never a private folder
 * itself (a program directly in /tmp shows alone). Undefined when nothing private hides it.
 */
export function programInstall(p: string): string | undefined {
  const hiding = PRIVATE_DIRS.find((d) => inside(p, d));
  if (!hiding) return undefined;
  const parts = p.split('/');
  const nm = parts.indexOf('node_modules');
  const dir = path.dirname(p);
  const root = nm > 0 ? parts.slice(0, nm + 1).join('/') : path.basename(dir) === 'bin' ? path.dirname(dir) : dir;
  return inside(root, hiding) ? root : p;
}

/** True when `p` is strictly inside `dir`. */
export function inside(p: string, dir: string): boolean {
  return p.startsWith(dir === '/' ? '/' : dir + '/');
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function typeOf(p: string): 'file' | 'dir' | undefined {
  try {
    return fs.statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

function realpath(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

function nlink(p: string): number {
  try {
    return fs.statSync(p).nlink;
  } catch {
    return 0;
  }
}

function statKey(p: string): string {
  try {
    const s = fs.statSync(p);
    return `${s.dev}:${s.ino}`;
  } catch {
    return '';
  }
}
