/**
 * The state analysis carries while it walks a line, shared by the walker (`analyze.ts`), the
 * program runner (`run.ts`) and the program models (`programs/`). Nothing here imports them.
 */
import type { Action, OpaqueReason } from '../actions/types';
import type { FileFacts } from './facts';
import type { Taint, Word } from './words';

/** Where the line runs, and what the analysis may ask about the files there. */
export interface ShellEnv {
  workspace: string;
  cwd: string;
  home: string;
  user?: string;
  /** File facts (symlinks, provenance, secrets under a folder, secret variables); none: every such question is "unknown". */
  facts?: FileFacts;
  /**
   * Functions the calling shell already has (an interactive shell reports them): name → body text, or
   * `undefined` when only the name is known. A call to one is judged by its body, or is opaque.
   */
  shellFunctions?: Readonly<Record<string, string | undefined>>;
}

/** A simple command that could run, as analysis resolved it. */
export interface SimpleCommand {
  /** Program name after unwrapping (base name), e.g. "git". */
  name: string;
  argv: string[];
  /** False when some word could not be resolved. */
  exact: boolean;
  /** Nesting: 0 for the line itself, +1 inside `bash -c`, `$()`, eval… */
  depth: number;
  /** Working directory, if known. */
  cwd?: string;
  /** What this command's output carries into a pipe or substitution. */
  taints: Taint[];
}

export interface Analysis {
  commands: SimpleCommand[];
  actions: Action[];
  /** The line is an agent's shell plumbing: what was judged is the command inside it (none for housekeeping only). */
  plumbing?: { agent: string; command?: string };
}

/** What a command's standard input (or any file descriptor) carries. */
export interface Stream {
  /** Known text (a here-doc, `echo` of literals…). */
  literal?: string;
  taints: Set<Taint>;
  /** True when the source is unknown (a file, an unknown command). */
  unknown: boolean;
}

export const NO_INPUT: Stream = Object.freeze({ taints: new Set<Taint>(), unknown: false }) as Stream;

export type Var = { scalar: string } | { array: string[] } | { unknown: true; taints?: Taint[] };

/** A shell function known on the line: what calling it does to the caller's working directory. */
export interface FunctionDef {
  /** True when the body changes the working directory; `cwd` is where it leaves it (undefined: unknown). */
  changesCwd: boolean;
  cwd?: string;
  /** Body text to judge at each call (functions the calling shell reported); undefined: judged where defined. */
  body?: string;
  /** The calling shell has it but did not say what it does: a call is opaque. */
  unknownBody?: boolean;
}

/** Mutable shell state while walking one line. Only in-shell builtins change it; children get a copy. */
export interface ShellState {
  cwd: string | undefined;
  /** `$OLDPWD`, where `cd -` goes; undefined when unknown. */
  oldpwd: string | undefined;
  dirStack: (string | undefined)[];
  vars: Map<string, Var>;
  functions: Map<string, FunctionDef>;
  aliases: Set<string>;
  /** File descriptors opened with `exec N<…` and what reading them gives. */
  fds: Map<number, Stream>;
}

export function cloneState(s: ShellState): ShellState {
  return { cwd: s.cwd, oldpwd: s.oldpwd, dirStack: [...s.dirStack], vars: new Map(s.vars), functions: new Map(s.functions), aliases: new Set(s.aliases), fds: new Map(s.fds) };
}

export function unknownStream(taints: ReadonlySet<Taint>): Stream {
  return { taints: new Set(taints), unknown: true };
}

export function unionTaints(words: readonly Word[]): Set<Taint> {
  const s = new Set<Taint>();
  for (const w of words) for (const t of w.taints) s.add(t);
  return s;
}

/** Writes to these go nowhere on disk. */
export function isSink(p: string): boolean {
  return p === '/dev/null' || p === '/dev/stdout' || p === '/dev/stderr' || p === '/dev/tty' || /^\/dev\/fd\/\d+$/.test(p) || /^\/proc\/self\/fd\/\d+$/.test(p);
}

/**
 * What the walker offers the program runner: emitting actions, recording commands, running code.
 * Models never see this; they get a `ProgramContext` (programs/model.ts) built on it.
 */
export interface Engine {
  readonly env: ShellEnv;
  readonly facts: FileFacts;
  readonly commands: SimpleCommand[];
  /** Index of the simple command being analysed (for action attribution). */
  readonly currentCommand: number;
  emit(action: Action): void;
  opaque(reason: OpaqueReason, detail: string): void;
  recordCommand(cmd: SimpleCommand): number;
  /** Restores the command index after a nested command (so later actions stay attributed to the caller). */
  setCurrentCommand(index: number): void;
  analyzeCode(code: string, state: ShellState, stdin: Stream, depth: number): Stream;
  /** Analyses `$(…)`/backticks inside text bash may evaluate later. */
  embedded(text: string, state: ShellState, depth: number): void;
  arithmeticAssignments(text: string): void;
  resolvePath(word: Word, state: ShellState): string | undefined;
  /** Paths written, deleted, moved or linked earlier on the line (a script changed there is not the tracked one). */
  readonly changes: LineChanges;
}

/** What the line changed on disk so far, whatever subshell did it. */
export interface LineChanges {
  /** Exact paths, and folders changed recursively (everything under them). */
  paths: Set<string>;
  folders: Set<string>;
  /** A change whose path is not known statically: anything may have changed. */
  unknown: boolean;
  /** Symbolic links created on the line: link path → target (absolute). */
  links: Map<string, string>;
  /** What content written on the line carries (e.g. agent permission keys), per path. */
  marks: Map<string, Set<Taint>>;
}
