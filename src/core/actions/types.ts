/**
 * Typed actions: what analysis says a request would do. Rules speak about these,
 * never about raw strings.
 */

export type Effect = 'allow' | 'ask' | 'deny';

/** The kinds a policy can set defaults and rules for. */
export const ACTION_KINDS = ['command', 'file.read', 'file.write', 'file.delete', 'git.push', 'network', 'env.set', 'mcp', 'opaque'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export type Risk = 'low' | 'medium' | 'high' | 'critical';

/** Why analysis could not tell what will run. Rules of kind `opaque` may match on these. */
export const OPAQUE_REASONS = [
  'parse-error',
  'too-complex',
  'unresolved-expansion',
  'glob',
  'interpreter-code',
  'remote-code',
  'decoded-code',
  'script',
  'unknown-command',
  'unknown-wrapper',
  'git-alias',
  'exec-config',
  'spliced-code',
  'lookalike-char',
  'dynamic-code',
  'guard-bypass',
] as const;
export type OpaqueReason = (typeof OPAQUE_REASONS)[number];

interface ActionBase {
  /** Index of the simple command (in `Analysis.commands`) the action came from; -1 for a request that is not a command line. */
  command: number;
}

export interface CommandAction extends ActionBase {
  kind: 'command';
  /**
   * Normalised argv: argv[0] is the program's base name; wrappers removed; git global options removed.
   * A token that analysis could not resolve starts with UNKNOWN_TOKEN.
   */
  argv: string[];
  /** The program as written (may be an absolute path). */
  program: string;
  cwd: string;
}

export interface FileAction extends ActionBase {
  kind: 'file.read' | 'file.write' | 'file.delete';
  /** Absolute, normalised path. */
  path: string;
  recursive?: boolean;
  /** The path still holds an unquoted glob: it may name several files. */
  glob?: boolean;
  /** What in the command produced it, e.g. "redirection", "rm", "cp". */
  via: string;
}

export interface PushRef {
  /** Source ref as written; '' for a deletion. */
  src: string;
  /** Destination branch or ref; undefined when git decides (e.g. `git push origin HEAD`). */
  dst?: string;
  force: boolean;
  delete: boolean;
}

export interface GitPushAction extends ActionBase {
  kind: 'git.push';
  /** Remote name or URL; undefined when git's config decides. */
  remote?: string;
  url?: string;
  refs: PushRef[];
  force: boolean;
  delete: boolean;
  /** `--all`, `--mirror`, a wildcard refspec, or no refspec: the branches are not known statically. */
  allBranches: boolean;
  /** True when git (its config and HEAD) decides which branch moves, not the command line. */
  unresolved: boolean;
  /** `--no-verify`: skips git's pre-push hook, which is where the guard checks pushes. */
  noVerify: boolean;
  /** Set by the pre-push hook when git itself reported the refs: ground truth. */
  observed?: boolean;
}

export interface NetworkAction extends ActionBase {
  kind: 'network';
  /** Host name or address; '*' when unknown. */
  host: string;
  tool: string;
}

export interface EnvSetAction extends ActionBase {
  kind: 'env.set';
  name: string;
  value?: string;
}

/** A call to a tool of an MCP server, as an agent's hook reports it. */
export interface McpAction extends ActionBase {
  kind: 'mcp';
  /** The MCP server's name as the agent configured it. */
  server: string;
  tool: string;
  /** The call's arguments (JSON), kept for the prompt and the audit trail; rules do not match on them. */
  args?: unknown;
}

export interface OpaqueAction extends ActionBase {
  kind: 'opaque';
  reason: OpaqueReason;
  detail: string;
}

export type Action = CommandAction | FileAction | GitPushAction | NetworkAction | EnvSetAction | McpAction | OpaqueAction;

/** Marks an argv token whose value is only known at run time (e.g. `$x`, `$(cmd)`). */
export const UNKNOWN_TOKEN = '\u0000';

/** Orders effects: deny > ask > allow. */
export const EFFECT_RANK: Readonly<Record<Effect, number>> = { allow: 0, ask: 1, deny: 2 };

export function stricter(a: Effect, b: Effect): Effect {
  return EFFECT_RANK[a] >= EFFECT_RANK[b] ? a : b;
}

/** One line a person can read for an action. */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'command':
      return `run ${a.argv.map((t) => t.replace(UNKNOWN_TOKEN, '')).join(' ')}`;
    case 'file.read':
      return `read ${a.path}`;
    case 'file.write':
      return `write ${a.path}`;
    case 'file.delete':
      return `delete ${a.recursive ? 'recursively ' : ''}${a.path}`;
    case 'git.push': {
      const refs = a.refs.map((r) => `${r.force ? '+' : ''}${r.src}:${r.dst ?? '?'}`).join(' ');
      return `git push to ${a.remote ?? '(default remote)'}${refs ? ' ' + refs : ''}${a.force ? ' (force)' : ''}${a.allBranches ? ' (all branches)' : ''}`;
    }
    case 'network':
      return `connect to ${a.host} (${a.tool})`;
    case 'env.set':
      return `set environment variable ${a.name}`;
    case 'mcp':
      return `call MCP tool ${a.tool} of server ${a.server}`;
    case 'opaque':
      return `cannot tell what runs (${a.reason}): ${a.detail}`;
  }
}

/**
 * A canonical key for an action: the same action always gives the same key, however it was
 * written or displayed. Grants ("allow for this session", a just-approved line) are keyed by it.
 */
export function actionKey(a: Action): string {
  switch (a.kind) {
    case 'command':
      return JSON.stringify(['command', a.argv, a.cwd]);
    case 'file.read':
    case 'file.write':
    case 'file.delete':
      return JSON.stringify([a.kind, a.path, !!a.recursive, !!a.glob]);
    case 'git.push':
      return JSON.stringify(['git.push', a.remote ?? null, a.url ?? null, a.refs.map((r) => [r.src, r.dst ?? null, r.force, r.delete]), a.allBranches, a.unresolved, a.noVerify]);
    case 'network':
      return JSON.stringify(['network', a.host.toLowerCase(), a.tool]);
    case 'env.set':
      return JSON.stringify(['env.set', a.name, a.value ?? null]);
    case 'mcp':
      return JSON.stringify(['mcp', a.server, a.tool, a.args ?? null]);
    case 'opaque':
      return JSON.stringify(['opaque', a.reason, a.detail]);
  }
}
