import { inside, type SandboxProfile } from './profile';

/**
 * bubblewrap (Linux) back end: a profile becomes bwrap's argv.
 *
 * bwrap applies its mount operations in order and a later mount on a path hides what was
 * there, so the operations are emitted depth first from `/`: a folder's own mount, then what
 * lies inside it. Conflicts were settled by the profile (hidden > read-only > writable); here a
 * node's kind only says which bwrap option makes it.
 */
export interface BwrapOptions {
  /** Where the generated stand-in files (profile.replacements) were written outside. */
  replacementSources?: Record<string, string>;
  /** Working directory inside. */
  cwd: string;
  /** Program and arguments bwrap starts inside (the relay, which then starts the agent). */
  command: string[];
  /** Running as uid 0 (CI containers): drop every capability explicitly. */
  root?: boolean;
  /** Extra bwrap options placed before the command (e.g. --info-fd). */
  extra?: string[];
  /**
   * A folder made inside (in the private /run) of symlinks: `[target, name]`. git's exec path
   * plus the remote helper, without writing 170 links on the host for every run.
   */
  linkDir?: { dir: string; links: [string, string][] };
}

type Kind = 'rw' | 'ro' | 'hide-file' | 'hide-dir' | 'private' | 'mirror' | 'symlink' | 'file' | 'dev' | 'proc';

interface Node {
  path: string;
  kind?: Kind;
  target?: string;
  source?: string;
  children: Map<string, Node>;
  /** For mirrors: the listed entries (names), each shown at its own path. */
  entries?: SandboxProfile['mirrors'][number]['entries'];
}

const STRENGTH: Record<Kind, number> = { dev: 9, proc: 9, 'hide-file': 8, 'hide-dir': 8, file: 7, ro: 5, rw: 4, mirror: 3, private: 2, symlink: 1 };

export function bwrapArgs(profile: SandboxProfile, opts: BwrapOptions): string[] {
  const root: Node = { path: '/', children: new Map() };
  const put = (p: string, kind: Kind, extra: Partial<Node> = {}) => {
    const node = nodeAt(root, p);
    // The profile settled conflicts; if two kinds still meet on one path, the stronger wins.
    if (node.kind === undefined || STRENGTH[kind] >= STRENGTH[node.kind]) Object.assign(node, { kind }, extra);
  };
  put('/dev', 'dev');
  put('/proc', 'proc');
  for (const d of profile.privateDirs) put(d, 'private');
  for (const m of profile.mirrors) put(m.path, 'mirror', { entries: m.entries });
  for (const p of profile.readWrite) put(p, 'rw');
  for (const b of profile.binds) put(b.path, b.writable ? 'rw' : 'ro');
  for (const p of profile.readOnly) put(p, 'ro');
  for (const r of profile.replacements) {
    const source = opts.replacementSources?.[r.path];
    // No stand-in written: hide the file rather than show its tokens.
    if (source) put(r.path, 'file', { source });
    else put(r.path, 'hide-file');
  }
  for (const h of profile.hidden) put(h.path, h.type === 'dir' ? 'hide-dir' : 'hide-file');

  const args: string[] = ['--ro-bind', '/', '/'];
  emitChildren(root, 'ro', args);
  if (opts.linkDir) {
    args.push('--tmpfs', opts.linkDir.dir);
    for (const [target, name] of opts.linkDir.links) args.push('--symlink', target, `${opts.linkDir.dir}/${name}`);
    args.push('--remount-ro', opts.linkDir.dir);
  }
  // A user namespace of its own, and none nested: no new namespaces (with their capabilities) for
  // the kernel to get wrong; the hiding mounts are locked in any case.
  args.push('--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent');
  if (profile.newSession) args.push('--new-session');
  if (opts.root) args.push('--cap-drop', 'ALL');
  args.push('--chdir', opts.cwd, ...(opts.extra ?? []), '--', ...opts.command);
  return args;
}

/**
 * Emits a node's children in path order. `mode` is what the parent shows at this place, so a
 * read-only path under a read-only place is not mounted again.
 */
function emitChildren(node: Node, mode: 'ro' | 'rw' | 'private', args: string[]): void {
  if (node.kind === 'mirror') {
    // An empty folder, then every listed entry at its own path; entries with a mount of their own
    // (a writable state folder, a protected file) get that mount instead.
    const listed = new Map((node.entries ?? []).map((e) => [e.name, e]));
    const names = [...new Set([...listed.keys(), ...node.children.keys()])].sort();
    for (const name of names) {
      const child = node.children.get(name);
      const e = listed.get(name);
      if (child?.kind !== undefined) {
        emit(child, 'private', args);
        continue;
      }
      const p = join(node.path, name);
      if (e) {
        if (e.type === 'symlink') args.push('--symlink', e.target ?? '', p);
        else args.push('--ro-bind', p, p);
      }
      // Something below an entry: the entry shows the host's content read-only; below an unlisted name nothing does.
      if (child) emit(child, e && e.type !== 'symlink' ? 'ro' : 'private', args);
    }
    args.push('--remount-ro', node.path);
    return;
  }
  for (const name of [...node.children.keys()].sort()) emit(node.children.get(name)!, mode, args);
}

function emit(node: Node, mode: 'ro' | 'rw' | 'private', args: string[]): void {
  const p = node.path;
  let childMode = mode;
  switch (node.kind) {
    case undefined:
      break;
    case 'dev':
      args.push('--dev', p, '--tmpfs', '/dev/shm');
      childMode = 'private';
      break;
    case 'proc':
      args.push('--proc', p);
      return;
    case 'private':
      if (p !== '/dev/shm') args.push('--tmpfs', p);
      childMode = 'private';
      break;
    case 'mirror':
      args.push('--tmpfs', p);
      childMode = 'private';
      break;
    case 'rw':
      args.push('--bind', p, p);
      childMode = 'rw';
      break;
    case 'ro':
      if (mode !== 'ro') args.push('--ro-bind', p, p);
      childMode = 'ro';
      break;
    case 'file':
      args.push('--ro-bind', node.source!, p);
      return;
    case 'hide-file':
      args.push('--ro-bind', '/dev/null', p);
      return;
    case 'hide-dir':
      // An empty folder, read-only: nothing of it shows, nothing can be put in it.
      args.push('--tmpfs', p, '--remount-ro', p);
      return;
    case 'symlink':
      args.push('--symlink', node.target ?? '', p);
      return;
  }
  emitChildren(node, childMode, args);
}

function nodeAt(root: Node, p: string): Node {
  let node = root;
  for (const part of p.split('/').filter(Boolean)) {
    let next = node.children.get(part);
    if (!next) {
      next = { path: join(node.path, part), children: new Map() };
      node.children.set(part, next);
    }
    node = next;
  }
  return node;
}

function join(dir: string, name: string): string {
  return dir === '/' ? '/' + name : dir + '/' + name;
}

/** The paths bwrap creates on the host as mount points when they are missing (none: every path mounted exists). */
export function mountTargets(profile: SandboxProfile): string[] {
  return [...profile.readWrite, ...profile.readOnly, ...profile.hidden.map((h) => h.path)].filter((p) => !inside(p, '/proc'));
}
