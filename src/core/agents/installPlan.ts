/**
 * One agent's hook in one scope, as data: what is there now (`hookStatus`), what installing or
 * removing it would write (`planHookChange`), and writing that (`applyHookChange`). The merge,
 * remove and check logic is each agent's installer (src/core/agents/<agent>/install.ts); this
 * only reads and writes files. `agentpolicy install-hooks` and VS Code's "Connect Agents" both
 * call it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LAUNCHER_NAME, type FileSet, type HookCommandSpec, type Scope } from './install';
import { INSTALLERS } from './installers';
import type { ControlDataByEvent } from '../audit/types';
import type { AgentId } from './types';

/** Where configs live and what our hook runs. */
export interface HookTarget {
  workspace: string;
  home: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** The launcher (absolute): dist/shim/hook/agentpolicy-hook of the CLI's or the extension's install. */
  launcher: string;
  /** The node the launcher runs the in-process hook with (absolute, recorded in the config). */
  node: string;
}

/**
 * - current: our hook is there, exactly as this target would write it, and nothing switches it off;
 * - stale: ours is there but differs (another launcher or node, older fields, twice) or the
 *   agent's settings switch hooks off (`problems` says which);
 * - absent: no hook of ours (or no file);
 * - invalid: the file cannot be read as the agent's format (nothing will be written to it).
 */
export type HookState = 'current' | 'stale' | 'absent' | 'invalid';

export interface HookStatus {
  agent: AgentId;
  scope: Scope;
  file: string;
  exists: boolean;
  state: HookState;
  /** Why it is not current (empty when current). */
  problems: string[];
}

export interface HookChange {
  agent: AgentId;
  scope: Scope;
  mode: 'install' | 'remove';
  file: string;
  /** The file's text when planned (undefined: it did not exist). */
  before: string | undefined;
  /** write `next`, delete the file (it held only ours), or nothing to do. */
  action: 'write' | 'delete' | 'none';
  next?: string;
  /** Permission bits for a write. */
  fileMode?: number;
  /**
   * Other files the same change writes (Codex: the hook's trust entry in the user config.toml),
   * each with its own action; applied together with `file`.
   */
  also?: FileChange[];
  /** What the person should know (e.g. a step only they can take in the agent). */
  notes?: string[];
}

export interface FileChange {
  file: string;
  before: string | undefined;
  action: 'write' | 'delete' | 'none';
  next?: string;
  fileMode?: number;
}

export function hookSpec(agent: AgentId, t: Pick<HookTarget, 'launcher' | 'node'>): HookCommandSpec {
  return { launcher: t.launcher, node: t.node, agent, waitSeconds: INSTALLERS[agent].waitSeconds };
}

export function hookFile(agent: AgentId, scope: Scope, t: Pick<HookTarget, 'workspace' | 'home' | 'env'>): string {
  return INSTALLERS[agent].file(scope, { workspace: t.workspace, home: t.home, env: t.env ?? process.env });
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function fileSetOf(agent: AgentId, scope: Scope, t: Pick<HookTarget, 'workspace' | 'home' | 'env'>): FileSet | undefined {
  return INSTALLERS[agent].fileSet?.(scope, { workspace: t.workspace, home: t.home, env: t.env ?? process.env });
}

function readAll(set: FileSet): Map<string, string | undefined> {
  return new Map(set.files.map((f) => [f, readIfExists(f)] as const));
}

function fileChange(file: string, before: string | undefined, next: string | undefined): FileChange {
  if (next === before) return { file, before, action: 'none' };
  if (next === undefined) return { file, before, action: before === undefined ? 'none' : 'delete' };
  return { file, before, action: 'write', next, fileMode: before !== undefined ? fs.statSync(file).mode & 0o777 : 0o644 };
}

/** hookStatus for an installer that needs several files. */
function fileSetStatus(set: FileSet, agent: AgentId, scope: Scope, t: HookTarget): HookStatus {
  const texts = readAll(set);
  const file = set.files[0];
  const c = set.check(texts, hookSpec(agent, t));
  const problems = [...c.problems];
  if (c.ok && !fs.existsSync(t.launcher)) problems.push(`the launcher ${t.launcher} does not exist`);
  const base = { agent, scope, file, exists: texts.get(file) !== undefined, problems };
  if (!problems.length) return { ...base, state: 'current' };
  if (texts.get(file) === undefined) return { ...base, state: 'absent' };
  try {
    return { ...base, state: set.remove(texts).texts.get(file) !== texts.get(file) ? 'stale' : 'absent' };
  } catch {
    return { ...base, state: 'invalid' };
  }
}

/** What the agent's config holds now. Throws when the file exists but cannot be read. */
export function hookStatus(agent: AgentId, scope: Scope, t: HookTarget): HookStatus {
  const inst = INSTALLERS[agent];
  const set = fileSetOf(agent, scope, t);
  if (set) return fileSetStatus(set, agent, scope, t);
  const file = hookFile(agent, scope, t);
  const text = readIfExists(file);
  const c = inst.check(text, hookSpec(agent, t));
  const problems = [...c.problems];
  if (c.ok && !fs.existsSync(t.launcher)) problems.push(`the launcher ${t.launcher} does not exist`);
  const base = { agent, scope, file, exists: text !== undefined, problems };
  if (!problems.length) return { ...base, state: 'current' };
  if (text === undefined) return { ...base, state: 'absent' };
  let ours: boolean;
  try {
    // Removing changes the text exactly when a hook of ours is in it.
    ours = inst.remove(text) !== text;
  } catch {
    return { ...base, state: 'invalid' };
  }
  return { ...base, state: ours ? 'stale' : 'absent' };
}

/** What installing (merge, replacing any older hook of ours) or removing would write. Throws when it cannot. */
export function planHookChange(mode: 'install' | 'remove', agent: AgentId, scope: Scope, t: HookTarget): HookChange {
  const inst = INSTALLERS[agent];
  const set = fileSetOf(agent, scope, t);
  if (set) {
    if (mode === 'install' && !fs.existsSync(t.launcher)) throw new Error(`the launcher ${t.launcher} does not exist (build first: npm run build)`);
    const texts = readAll(set);
    const change = mode === 'install' ? set.merge(texts, hookSpec(agent, t)) : set.remove(texts);
    const [main, ...rest] = set.files.map((f) => fileChange(f, texts.get(f), change.texts.has(f) ? change.texts.get(f) : texts.get(f)));
    if (main.action === 'write' && inst.executable) main.fileMode = 0o755;
    return { agent, scope, mode, ...main, also: rest, notes: change.notes };
  }
  const file = hookFile(agent, scope, t);
  const before = readIfExists(file);
  const base = { agent, scope, mode, file, before };
  if (mode === 'remove') {
    if (before === undefined) return { ...base, action: 'none' };
    const next = inst.remove(before);
    // A file left empty goes, but only when it held ours (a user's own empty `{}` stays).
    if (next === undefined) return before.includes(LAUNCHER_NAME) ? { ...base, action: 'delete' } : { ...base, action: 'none' };
    return next === before ? { ...base, action: 'none' } : { ...base, action: 'write', next, fileMode: fs.statSync(file).mode & 0o777 };
  }
  if (!fs.existsSync(t.launcher)) throw new Error(`the launcher ${t.launcher} does not exist (build first: npm run build)`);
  const next = inst.merge(before, hookSpec(agent, t));
  if (next === before) return { ...base, action: 'none' };
  return { ...base, action: 'write', next, fileMode: inst.executable ? 0o755 : before !== undefined ? fs.statSync(file).mode & 0o777 : 0o644 };
}

/** Writes next to the target and renames over it, so the agent never reads half a config. */
function writeAtomic(file: string, text: string, mode: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.agentpolicy-${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text, { mode });
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Carries out a planned change. The file must still hold what the plan read (else it throws and
 * writes nothing: plan again). A config that is a symbolic link (dotfiles) is written through to
 * its target, so the link stays. Returns the file actually written or deleted.
 */
export function applyHookChange(c: HookChange): string {
  const main: FileChange[] = c.action !== 'none' ? [c] : [];
  const others = (c.also ?? []).filter((x) => x.action !== 'none');
  for (const x of [...main, ...others]) if (readIfExists(x.file) !== x.before) throw new Error(`${x.file} changed since it was read; nothing was written (try again)`);
  // Installing, the hook's own file goes last (a failure before it leaves no half-installed hook,
  // e.g. an untrusted one); removing, it goes first.
  const order = c.mode === 'install' ? [...others, ...main] : [...main, ...others];
  let written = c.file;
  for (const x of order) {
    const file = x.before !== undefined ? fs.realpathSync(x.file) : x.file;
    if (x.action === 'delete') fs.rmSync(file);
    else writeAtomic(file, x.next!, x.fileMode ?? 0o644);
    if (x === c) written = file;
  }
  return written;
}

/** Every file a change writes or deletes, with what it holds afterwards (null: deleted), as written through links. */
export function changedFiles(c: HookChange): { file: string; content: string | null }[] {
  return [c, ...(c.also ?? [])].filter((x) => x.action !== 'none').map((x) => ({ file: x.file, content: x.action === 'delete' ? null : x.next! }));
}

/**
 * The audit's record of a change that was applied (a `hook-config` control event, without its
 * subject: the caller knows who asked). Undefined when the change wrote nothing.
 */
export function hookConfigReport(c: HookChange, how: string): { event: 'hook-config'; outcome: 'done'; detail: string; data: ControlDataByEvent['hook-config'] } | undefined {
  const files = changedFiles(c).map((x) => x.file);
  if (!files.length) return undefined;
  const verb = c.mode === 'install' ? `installed the agentpolicy hook for ${c.agent} in` : `removed the agentpolicy hook for ${c.agent} from`;
  return { event: 'hook-config', outcome: 'done', detail: `${verb} ${files.join(', ')} (${c.scope} scope, ${how})`, data: { agent: c.agent, scope: c.scope, change: c.mode, files } };
}

/** A hook that should be there (true) or not (false), for each agent and scope listed. */
export type HookWish = { agent: AgentId; scope: Scope; want: boolean };

/**
 * The changes that make the configs match a wish list: install where it is wanted and not
 * current (stale ones are replaced), remove where it is not wanted and ours is there. A file
 * that cannot be read as the agent's format is left alone unless installing was asked for
 * (which then reports why it cannot).
 */
export function changesFor(statuses: readonly HookStatus[], wishes: readonly HookWish[]): { mode: 'install' | 'remove'; agent: AgentId; scope: Scope }[] {
  const out: { mode: 'install' | 'remove'; agent: AgentId; scope: Scope }[] = [];
  for (const w of wishes) {
    const s = statuses.find((x) => x.agent === w.agent && x.scope === w.scope);
    const state = s?.state ?? 'absent';
    if (w.want && state !== 'current') out.push({ mode: 'install', agent: w.agent, scope: w.scope });
    else if (!w.want && (state === 'current' || state === 'stale')) out.push({ mode: 'remove', agent: w.agent, scope: w.scope });
  }
  return out;
}

/**
 * The launchers our hooks in a config run, as written there (any quoting; JSON or TOML escapes
 * of `"` and `\` undone). For telling a hook that points at a removed install from one that only
 * differs.
 */
export function hookLaunchers(text: string): string[] {
  const found = new Set<string>();
  const unescaped = text.replace(/\\(["\\])/g, '$1');
  for (const m of unescaped.matchAll(new RegExp(`'(/[^'\\n]*/${LAUNCHER_NAME})'|(/[^\\s'"\\n]*/${LAUNCHER_NAME})(?=\\s)`, 'g'))) found.add(m[1] ?? m[2]);
  return [...found];
}
