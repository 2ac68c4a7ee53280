/**
 * Program models: what a program does with its arguments, as a value. A model names the programs
 * it covers, says whether it runs inside the shell or as a child process, and turns one
 * invocation into typed actions through a narrow context (read, write, delete, network, run a
 * child, run code, opaque). Each model carries worked examples (a line and the actions it must,
 * and must not, produce) that one generic test runs for every model.
 */
import type { GitPushAction, OpaqueReason } from '../../actions/types';
import type { TreeWalk } from '../facts';
import type { World } from '../facts/memory';
import type { OptionSpec, ParsedOptions } from '../options';
import type { FunctionDef, Stream, Var } from '../types';
import type { Taint, Word } from '../words';

/** A prefix assignment of the command (`X=1 cmd`): it sets X in the program's environment only. */
export interface Assignment {
  name: string;
  value: Word | undefined;
}

export interface ChildOptions {
  /** The child's working directory (default: the caller's); undefined: unknown. */
  cwd?: string | undefined;
  stdin?: Stream;
  /** Skip shell functions and aliases (exec'ing a program by name does). Default true. */
  bypassFunctions?: boolean;
  /** Prefix assignments the child starts with. */
  assignments?: readonly Assignment[];
}

export interface CodeOptions {
  stdin?: Stream;
  /** The code's working directory (default: the caller's). */
  cwd?: string | undefined;
}

/** What a model may do. It never sees the analyser itself. */
export interface ProgramContext {
  /** The program's base name, e.g. `git`. */
  readonly name: string;
  /** The program as written (may be a path). */
  readonly program: string;
  /** The arguments after expansion. */
  readonly args: readonly Word[];
  /** The normalised argv the `command` action carries (rules match on it); default `[name, ...args]`. */
  argv: string[];
  /** Working directory; undefined when not known statically. */
  readonly cwd: string | undefined;
  readonly stdin: Stream;
  readonly workspace: string;
  readonly home: string;
  readonly assignments: readonly Assignment[];
  /** What it writes to standard output. */
  readonly out: { literal?: string; taints: Set<Taint>; passthrough: boolean };
  /** Set by a model that only unwraps another program: no `command` action for itself. */
  transparent: boolean;

  options(spec: OptionSpec, words?: readonly Word[]): ParsedOptions;
  /** A literal word. */
  word(text: string): Word;
  /** Absolute path of a word (symlinks not resolved), or undefined. */
  resolve(w: Word): string | undefined;

  read(w: Word, via?: string): void;
  /** A recursive read of a folder: each secret file the walk reaches is read. */
  readTree(dir: Word, walk: TreeWalk, via?: string): void;
  write(w: Word, via?: string, recursive?: boolean): void;
  /** Writes files not known statically under a folder (an archive's members, a restore of `.`). */
  mayWriteUnder(dir: Word, via: string): void;
  delete(w: Word, recursive: boolean, via?: string): void;
  network(host: string, tool?: string): void;
  /** A git push, as git would carry it out. */
  push(action: Omit<GitPushAction, 'command'>): void;
  setEnv(name: string, value?: string): void;
  opaque(reason: OpaqueReason, detail: string): void;

  /** Runs another program as a child process: it gets a copy of the shell state. */
  child(words: readonly Word[], opts?: ChildOptions): Stream;
  /** Code a child shell runs (`bash -c`, `su -c`, `watch`…); fails closed when not exact. */
  code(text: string, exact: boolean, taints: ReadonlySet<Taint>, what: string, opts?: CodeOptions): Stream;
  /** A shell or interpreter reading its program from standard input. */
  stdinCode(kind: 'shell' | 'interpreter', stdin?: Stream): void;
  /** Analyses `$(…)`/backticks inside text the program may evaluate (arithmetic, subscripts). */
  embedded(text: string): void;
  /** `NAME=…`/`NAME++` inside arithmetic text set variables. */
  arithmetic(text: string): void;
  /**
   * A script file the program runs: true when it is a tracked file unchanged from HEAD and not
   * changed earlier on the line (then a rule may allow it by name); otherwise opaque, false.
   */
  script(file: Word, what: string): boolean;
  /** What reading file descriptor `n` gives (`3<<<…`, `exec 3<…`); undefined: nothing known. */
  fd(n: number): Stream | undefined;
  /** The program prints environment values: reading each secret variable (`names` undefined: all). */
  printsEnvironment(names: readonly string[] | undefined, via: string): void;
  /** Whether a path (resolved) is the guard's own CLI. */
  isGuardProgram(abs: string): boolean;
  /** Whether a file exists (as far as facts know; undefined: cannot tell). */
  exists(w: Word): boolean | undefined;
  /** The secret files a walk of `dir` reaches (absolute paths); undefined when that is not known. */
  secretsUnder(dir: Word, walk: TreeWalk): readonly string[] | undefined;
  /** A symbolic link the line creates: later paths through it resolve to the target. */
  linked(link: Word, target: Word): void;
  /**
   * Writes content with these marks to a file (`tee`, `cp`, `mv`): a file that grants agents
   * permissions (`.vscode/settings.json`) written with content naming those keys is tampering.
   */
  writeContent(dest: Word, taints: ReadonlySet<Taint>, literal: string | undefined, via: string): void;
  /** Marks of what the line wrote to a file earlier (for copies and moves). */
  marksOf(w: Word): ReadonlySet<Taint>;
}

/** The current shell, for builtins that run in it: what they change stays changed. */
export interface ShellHandle {
  cwd: string | undefined;
  oldpwd: string | undefined;
  readonly dirStack: (string | undefined)[];
  readonly vars: Map<string, Var>;
  readonly functions: Map<string, FunctionDef>;
  readonly aliases: Set<string>;
  readonly fds: Map<number, Stream>;
  /** Runs a program in this shell (`command x`, `builtin x`, `time x`): a builtin it runs changes this shell. */
  run(words: readonly Word[], opts?: { bypassFunctions?: boolean; stdin?: Stream }): Stream;
  /** Code this shell runs (`eval`, `source`). */
  code(text: string, exact: boolean, taints: ReadonlySet<Taint>, what: string, stdin?: Stream): Stream;
}

/** A worked example: the analysis of `line` must include every `actions` entry and none of `absent`. */
export interface Example {
  line: string;
  /** Action descriptors (see describeForExample): `read W/.env`, `write -r W/x`, `run git status`, `opaque script`… */
  actions?: readonly string[];
  absent?: readonly string[];
  /** The files the example assumes (default: every file exists, untracked: written by the agent). */
  world?: World;
}

interface ModelBase {
  /** Program base names this model covers; the registry refuses a name defined twice. */
  readonly names: readonly string[];
  readonly summary: string;
  readonly examples: readonly Example[];
}

/** A program that runs as its own process: it cannot change the calling shell. */
export interface ChildModel extends ModelBase {
  readonly runs: 'child';
  run(c: ProgramContext): Stream | void;
}

/** A builtin or keyword that runs in the current shell and may change its state. */
export interface ShellModel extends ModelBase {
  readonly runs: 'shell';
  run(c: ProgramContext, shell: ShellHandle): Stream | void;
}

export type ProgramModel = ChildModel | ShellModel;

export function child(m: Omit<ChildModel, 'runs'>): ChildModel {
  return { ...m, runs: 'child' };
}

export function builtin(m: Omit<ShellModel, 'runs'>): ShellModel {
  return { ...m, runs: 'shell' };
}
