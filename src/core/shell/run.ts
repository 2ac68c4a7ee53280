/**
 * Runs one simple command through its program model: resolves the program (functions, aliases,
 * paths, the guard's own CLI), records it, and gives the model a narrow context. A model that runs
 * as a child gets a copy of the shell state, so nothing it does (a `cd` under `nohup`, `env -C`)
 * reaches the rest of the line; only in-shell builtins get the shell itself.
 */
import * as path from 'path';
import type { GitPushAction, OpaqueReason } from '../actions/types';
import { compileGlob } from '../policy/glob';
import type { TreeWalk } from './facts';
import { parseOptions, type OptionSpec } from './options';
import type { Assignment, ChildOptions, CodeOptions, ProgramContext, ProgramModel, ShellHandle } from './programs/model';
import { GUARD_MODEL, INTERPRETER_MODEL, lookupModel, SCRIPT_MODEL, UNKNOWN_MODEL } from './programs/registry';
import { isAgentSettingsFile } from './programs/util';
import { cloneState, isSink, NO_INPUT, unknownStream, type Engine, type ShellState, type SimpleCommand, type Stream } from './types';
import { argText, INVISIBLE, NON_ASCII, type Taint, type Word } from './words';

/** One command about to be judged: words after expansion, prefix assignments, stdin. */
export interface Invocation {
  words: readonly Word[];
  assignments: readonly Assignment[];
  state: ShellState;
  stdin: Stream;
  depth: number;
  /** Skip shell functions and aliases (`command x`, `builtin x`, a program a wrapper execs). */
  bypassFunctions?: boolean;
  /** File descriptors this command's own redirections open (`3<<<…`), over the shell's. */
  fds?: ReadonlyMap<number, Stream>;
}

const SYSTEM_BIN = new Set(['/bin', '/usr/bin', '/usr/local/bin', '/sbin', '/usr/sbin', '/usr/local/sbin', '/opt/homebrew/bin', '/usr/libexec', '/snap/bin']);
/** Programs whose arguments are only printed, never opened: invisible characters there are text. */
const OUTPUT_ONLY = new Set(['echo', 'printf', ':', 'true', 'false']);

/** Judges one simple command and returns what it writes to standard output. */
export function runProgram(e: Engine, inv: Invocation): Stream {
  const w0 = inv.words[0];
  if (!w0) return NO_INPUT;
  const record = (name: string): number => {
    const cmd: SimpleCommand = { name, argv: [name, ...inv.words.slice(1).map((w) => w.text)], exact: inv.words.every((w) => w.exact), depth: inv.depth, cwd: inv.state.cwd, taints: [] };
    const index = e.recordCommand(cmd);
    for (const as of inv.assignments) e.emit({ kind: 'env.set', name: as.name, value: as.value?.exact ? as.value.text : undefined, command: index });
    return index;
  };

  if (!w0.exact) {
    record(w0.text);
    const reason: OpaqueReason = w0.taints.has('network') ? 'remote-code' : w0.taints.has('decode') ? 'decoded-code' : 'unresolved-expansion';
    e.opaque(reason, `the command name "${w0.source}" is only known when the line runs`);
    return unknownStream(inv.stdin.taints);
  }
  if (w0.glob) {
    record(w0.text);
    e.opaque('glob', `the command name "${w0.text}" is a glob`);
    return unknownStream(inv.stdin.taints);
  }
  if (INVISIBLE.test(w0.text) || NON_ASCII.test(w0.text)) {
    record(w0.text);
    e.opaque('lookalike-char', `the command name "${escapeInvisible(w0.text)}" contains invisible or non-ASCII characters`);
    return unknownStream(inv.stdin.taints);
  }
  let name = w0.text;
  if (name.includes('/')) {
    const dir = path.posix.dirname(path.posix.normalize(name));
    const base = path.posix.basename(name);
    if (SYSTEM_BIN.has(dir) && base !== '') name = base;
  }
  if (!inv.bypassFunctions) {
    const fn = inv.state.functions.get(name);
    if (fn || inv.state.aliases.has(name)) return callFunction(e, inv, name, fn);
  }

  const index = record(name);
  const cmd = e.commands[index];
  for (const w of inv.words.slice(1)) {
    if (INVISIBLE.test(w.text) && !OUTPUT_ONLY.has(name)) {
      e.opaque('lookalike-char', `argument "${escapeInvisible(w.text)}" of ${name} contains invisible characters`);
      break;
    }
  }

  let model: ProgramModel | undefined = lookupModel(name);
  if (!model && /^python[0-9.]*$/.test(name)) model = INTERPRETER_MODEL;
  if (name.includes('/')) {
    const abs = path.posix.resolve(inv.state.cwd ?? '/', name);
    if (inv.state.cwd !== undefined || name.startsWith('/')) {
      if (e.facts.isGuardProgram(realOf(e, abs) ?? abs)) model = GUARD_MODEL;
    }
    model ??= SCRIPT_MODEL;
  }
  model ??= UNKNOWN_MODEL;
  const call = new Call(e, inv, w0.text, model === GUARD_MODEL ? 'agentpolicy' : path.posix.basename(name), model.runs === 'shell' ? inv.state : cloneState(inv.state));
  let out: Stream | void;
  try {
    out = model.runs === 'shell' ? model.run(call, new Shell(e, inv)) : model.run(call);
  } finally {
    cmd.argv = call.argv;
    cmd.taints = [...call.out.taints];
  }
  if (!call.transparent) {
    e.emit({ kind: 'command', argv: call.argv, program: call.program, cwd: inv.state.cwd ?? '', command: index });
  } else {
    cmd.name = `${name} (wrapper)`;
  }
  if (out) return out;
  const taints = new Set<Taint>(call.out.taints);
  if (call.out.passthrough) for (const t of inv.stdin.taints) taints.add(t);
  return { literal: call.out.literal, taints, unknown: call.out.literal === undefined };
}

/** A function or alias defined on the line (judged where defined), or one the calling shell reported. */
function callFunction(e: Engine, inv: Invocation, name: string, fn: ShellState['functions'] extends Map<string, infer F> ? F | undefined : never): Stream {
  if (fn?.unknownBody) {
    const index = e.recordCommand({ name, argv: [name, ...inv.words.slice(1).map((w) => w.text)], exact: false, depth: inv.depth, cwd: inv.state.cwd, taints: [] });
    e.setCurrentCommand(index);
    e.opaque('dynamic-code', `${name} is a function of the calling shell whose body is not known`);
    return unknownStream(inv.stdin.taints);
  }
  if (fn?.body !== undefined) {
    // The body runs in this shell, with the call's arguments as "$@" (not known here).
    return e.analyzeCode(fn.body, inv.state, inv.stdin, inv.depth + 1);
  }
  if (fn?.changesCwd) inv.state.cwd = fn.cwd;
  return unknownStream(inv.stdin.taints);
}

function codeReason(taints: ReadonlySet<Taint>): OpaqueReason {
  return taints.has('network') ? 'remote-code' : taints.has('decode') ? 'decoded-code' : 'dynamic-code';
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 60) + '…' : s;
}

export function escapeInvisible(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

const MAX_LINK_HOPS = 40;

/**
 * Where a path really points: links made earlier on the line first, then the file system's (when
 * facts know). Undefined when it cannot be told.
 */
export function realOf(e: Engine, p: string): string | undefined {
  let cur = p;
  for (let hops = 0; e.changes.links.size && hops < MAX_LINK_HOPS; hops++) {
    let hit: string | undefined;
    for (const [link, target] of e.changes.links) {
      if (cur === link || cur.startsWith(link + '/')) {
        hit = target + cur.slice(link.length);
        break;
      }
    }
    if (hit === undefined) break;
    cur = hit;
  }
  return e.facts.realpath(cur);
}

/**
 * What a glob can reach, for judging it: the glob itself, and where a component that
 * matches everything stands for its whole folder (`rm -rf *` removes the folder's content).
 */
export function globTargets(p: string): string[] {
  const parts = p.split('/');
  const first = parts.findIndex((c) => /[*?[]/.test(c));
  if (first < 0) return [p];
  const out = [p];
  const last = parts[parts.length - 1];
  const parent = parts.slice(0, -1).join('/') || '/';
  // `dir/*` empties the whole folder: judge it as the folder.
  const lastGlob = compileGlob(last, { dialect: 'path', dot: false });
  if (['a', 'zz9', 'x.y'].every((n) => lastGlob.test(n))) out.push(parent);
  // A component that can name `.git` reaches git's data.
  parts.forEach((comp, k) => {
    if (k >= first && /[*?[]/.test(comp) && compileGlob(comp, { dialect: 'path', dot: false }).test('.git')) out.push([...parts.slice(0, k), '.git'].join('/') || '/.git');
  });
  return out;
}

export function lit(text: string): Word {
  return { text, exact: true, glob: false, taints: new Set(), source: text };
}

/** The context a model works through. */
class Call implements ProgramContext {
  readonly name: string;
  readonly args: readonly Word[];
  argv: string[];
  readonly out = { literal: undefined as string | undefined, taints: new Set<Taint>(), passthrough: true };
  transparent = false;

  constructor(
    private readonly e: Engine,
    private readonly inv: Invocation,
    readonly program: string,
    name: string,
    /** The shell itself for in-shell builtins, a copy for children. */
    private readonly state: ShellState,
  ) {
    this.name = name;
    this.args = inv.words.slice(1);
    this.argv = [name, ...this.args.map(argText)];
  }

  get cwd(): string | undefined {
    return this.state.cwd;
  }
  get stdin(): Stream {
    return this.inv.stdin;
  }
  get workspace(): string {
    return this.e.env.workspace;
  }
  get home(): string {
    return this.e.env.home;
  }
  get assignments(): readonly Assignment[] {
    return this.inv.assignments;
  }

  options(spec: OptionSpec, words: readonly Word[] = this.args) {
    return parseOptions(words, spec);
  }

  word(text: string): Word {
    return lit(text);
  }

  resolve(w: Word): string | undefined {
    return this.e.resolvePath(w, this.state);
  }

  opaque(reason: OpaqueReason, detail: string): void {
    this.e.opaque(reason, detail);
  }

  private pathAction(kind: 'file.read' | 'file.write' | 'file.delete', w: Word, via: string, recursive?: boolean): void {
    if (!w.exact && /^[<>]\(/.test(w.source) && kind === 'file.read') return; // `<(cmd)`: a pipe from a command already analysed
    const p = this.e.resolvePath(w, this.state);
    if (p === undefined) {
      this.opaque(w.glob ? 'glob' : 'unresolved-expansion', `${via}: path "${w.source}" is not known before it runs`);
      return;
    }
    if (kind !== 'file.read' && isSink(p)) return;
    // A pid read from the guard's own state is the guard's.
    if (kind === 'file.read' && GUARD_STATE.test(p)) this.out.taints.add('guard-pid');
    // A process's environment block holds every variable's value, the secret ones too.
    if (kind === 'file.read' && /^\/proc\/(self|thread-self|\d+)\/environ$/.test(p)) this.printsEnvironment(undefined, `${via} ${p}`);
    emitPath(this.e, kind, p, via, { recursive, glob: w.glob });
  }

  read(w: Word, via = this.name): void {
    this.pathAction('file.read', w, via);
  }

  readTree(dir: Word, walk: TreeWalk, via = this.name): void {
    if (dir.glob) {
      // A glob of folders: judged by what the glob can name.
      this.pathAction('file.read', dir, via, true);
      return;
    }
    const p = this.e.resolvePath(dir, this.state);
    if (p === undefined) {
      this.opaque(dir.glob ? 'glob' : 'unresolved-expansion', `${via}: folder "${dir.source}" is not known before it runs`);
      return;
    }
    const command = this.e.currentCommand;
    this.e.emit({ kind: 'file.read', path: p, via, recursive: true, command });
    const real = realOf(this.e, p) ?? p;
    if (real !== p) this.e.emit({ kind: 'file.read', path: real, via: `${via} (through a symbolic link)`, recursive: true, command });
    const found = this.e.facts.secretsUnder(real, walk);
    if (found === undefined) {
      this.opaque('glob', `${via} reads every file under ${p}, and what is there is not known`);
      return;
    }
    for (const f of found.slice(0, 256)) this.e.emit({ kind: 'file.read', path: f, via: `${via} (under ${p})`, command });
  }

  write(w: Word, via = this.name, recursive?: boolean): void {
    this.pathAction('file.write', w, via, recursive);
  }

  mayWriteUnder(dir: Word, via: string): void {
    this.pathAction('file.write', dir, via);
    const p = this.e.resolvePath(dir, this.state);
    if (p !== undefined) this.opaque('glob', `${via} writes files not known before it runs under ${p} (it may overwrite protected files there)`);
  }

  delete(w: Word, recursive: boolean, via = this.name): void {
    this.pathAction('file.delete', w, via, recursive);
  }

  network(host: string, tool = this.name): void {
    this.out.taints.add('network');
    this.e.emit({ kind: 'network', host, tool, command: this.e.currentCommand });
  }

  push(action: Omit<GitPushAction, 'command'>): void {
    this.e.emit({ ...action, command: this.e.currentCommand });
  }

  setEnv(name: string, value?: string): void {
    this.e.emit({ kind: 'env.set', name, value, command: this.e.currentCommand });
  }

  child(words: readonly Word[], opts: ChildOptions = {}): Stream {
    const st = cloneState(this.state);
    if ('cwd' in opts) st.cwd = opts.cwd;
    const saved = this.e.currentCommand;
    const out = runProgram(this.e, { words, assignments: opts.assignments ?? [], state: st, stdin: opts.stdin ?? this.inv.stdin, depth: this.inv.depth, bypassFunctions: opts.bypassFunctions ?? true, fds: this.inv.fds });
    this.e.setCurrentCommand(saved);
    return out;
  }

  code(text: string, exact: boolean, taints: ReadonlySet<Taint>, what: string, opts: CodeOptions = {}): Stream {
    if (!exact) {
      this.opaque(codeReason(taints), `${what} runs code that is only known when the line runs: ${clip(text)}`);
      return unknownStream(new Set(taints));
    }
    const st = cloneState(this.state);
    if ('cwd' in opts) st.cwd = opts.cwd;
    const saved = this.e.currentCommand;
    const out = this.e.analyzeCode(text, st, opts.stdin ?? this.inv.stdin, this.inv.depth + 1);
    this.e.setCurrentCommand(saved);
    return out;
  }

  stdinCode(kind: 'shell' | 'interpreter', s: Stream = this.inv.stdin): void {
    if (s.taints.has('network')) {
      this.opaque('remote-code', `${this.name} runs what it reads from the network`);
    } else if (s.taints.has('decode')) {
      this.opaque('decoded-code', `${this.name} runs a decoded payload`);
    } else if (s.literal !== undefined && kind === 'shell') {
      const saved = this.e.currentCommand;
      this.e.analyzeCode(s.literal, cloneState(this.state), NO_INPUT, this.inv.depth + 1);
      this.e.setCurrentCommand(saved);
    } else if (s.literal !== undefined) {
      this.opaque('interpreter-code', `${this.name} runs code given on standard input`);
    } else {
      this.opaque('dynamic-code', `${this.name} runs commands from standard input, which is not known statically`);
    }
  }

  embedded(text: string): void {
    this.e.embedded(text, this.state, this.inv.depth);
  }

  arithmetic(text: string): void {
    this.e.arithmeticAssignments(text);
  }

  script(file: Word, what: string): boolean {
    if (!file.exact) {
      this.opaque(codeReason(file.taints), `${what} runs ${file.source}, which is only known when the line runs`);
      return false;
    }
    const p = this.e.resolvePath(file, this.state);
    if (p === undefined) {
      this.opaque('script', `${what} runs ${file.text} from a folder not known before it runs`);
      return false;
    }
    const real = realOf(this.e, p);
    const ch = this.e.changes;
    const changed = (q: string) => ch.paths.has(q) || [...ch.folders].some((f) => q === f || q.startsWith(f === '/' ? '/' : f + '/'));
    if (ch.unknown || changed(p) || (real !== undefined && changed(real))) {
      this.opaque('script', `${what} runs ${file.text}, which the line changes before it runs`);
      return false;
    }
    const prov = real === undefined ? 'unknown' : this.e.facts.provenance(real);
    // A file that is not there runs nothing (one the line writes first is a change, caught above).
    if (prov === 'tracked-unchanged' || prov === 'missing') return true;
    const why = { modified: 'changed since the last commit', untracked: 'not tracked by git', unknown: 'of unknown provenance' }[prov];
    this.opaque('script', `${what} runs ${file.text}, which is ${why}: its content is not known to be the reviewed one`);
    return false;
  }

  fd(n: number): Stream | undefined {
    return this.inv.fds?.get(n) ?? this.state.fds.get(n);
  }

  printsEnvironment(names: readonly string[] | undefined, via: string): void {
    const secret = this.e.facts.secretVariables();
    for (const [name, file] of secret) {
      if (names && !names.includes(name)) continue;
      if (this.state.vars.has(name)) continue; // set on the line: not the secret's value
      this.e.emit({ kind: 'file.read', path: file, via: `${via} prints $${name} (defined in ${path.posix.basename(file)})`, command: this.e.currentCommand });
    }
  }

  isGuardProgram(abs: string): boolean {
    return this.e.facts.isGuardProgram(realOf(this.e, abs) ?? abs);
  }

  exists(w: Word): boolean | undefined {
    const p = this.e.resolvePath(w, this.state);
    if (p === undefined) return undefined;
    if (this.e.changes.paths.has(p)) return true;
    const real = realOf(this.e, p);
    return real === undefined ? undefined : this.e.facts.exists(real);
  }

  secretsUnder(dir: Word, walk: TreeWalk): readonly string[] | undefined {
    const p = this.e.resolvePath(dir, this.state);
    if (p === undefined) return undefined;
    return this.e.facts.secretsUnder(realOf(this.e, p) ?? p, walk);
  }

  writeContent(dest: Word, taints: ReadonlySet<Taint>, literal: string | undefined, via: string): void {
    writeContent(this.e, this.e.resolvePath(dest, this.state), taints, literal, via);
  }

  marksOf(w: Word): ReadonlySet<Taint> {
    const p = this.e.resolvePath(w, this.state);
    return (p !== undefined && this.e.changes.marks.get(p)) || new Set();
  }

  linked(link: Word, target: Word): void {
    const l = this.e.resolvePath(link, this.state);
    if (l === undefined || !target.exact) return;
    // A relative target is relative to the link's folder.
    const t = target.text.startsWith('/') ? path.posix.normalize(target.text) : path.posix.resolve(path.posix.dirname(l), target.text);
    this.e.changes.links.set(l, t);
  }
}

/** Paths of the guard's own state (its pid files among them). */
const GUARD_STATE = /\/(\.?agentpolicy|agent-policy)(\/|$)/;

/**
 * Emits a file action for an absolute path, and for what it really points at when a symbolic
 * link (made earlier on the line, or on disk) is in the way. A delete removes a link itself.
 * A glob is judged by what it can reach.
 */
export function emitPath(e: Engine, kind: 'file.read' | 'file.write' | 'file.delete', p: string, via: string, opts: { recursive?: boolean; glob?: boolean } = {}): void {
  const command = e.currentCommand;
  const recursive = opts.recursive || undefined;
  if (opts.glob) {
    for (const t of globTargets(p)) e.emit({ kind, path: t, via, recursive, glob: true, command });
    return;
  }
  e.emit({ kind, path: p, via, recursive, command });
  const real = kind === 'file.delete' ? joinReal(e, p) : realOf(e, p);
  if (real === undefined) e.opaque('unresolved-expansion', `${via}: cannot tell where ${p} points (a link that cannot be followed)`);
  else if (real !== p) e.emit({ kind, path: real, via: `${via} (through a symbolic link)`, recursive, command });
}

/** Pager variables: set to a plain pager they cannot make another program run. */
const PAGER_VARS = new Set(['GIT_PAGER', 'PAGER', 'MANPAGER', 'SYSTEMD_PAGER', 'GH_PAGER', 'BAT_PAGER', 'DELTA_PAGER', 'PSQL_PAGER']);

export function isPlainPagerAssignment(name: string, value: Word | undefined): boolean {
  return PAGER_VARS.has(name) && (value === undefined || (value.exact && /^(cat|less( -[A-Za-z]+)*|more|)$/.test(value.text)));
}

/**
 * Content written to a file: its marks are kept for later copies, and content naming the agent
 * permission keys written to an agent settings file is tampering.
 */
export function writeContent(e: Engine, p: string | undefined, taints: ReadonlySet<Taint>, literal: string | undefined, via: string): void {
  if (p === undefined || isSink(p)) return;
  const marked = taints.has('agent-settings') || (literal !== undefined && /chat\.tools|chat\.agent|autoApprove/i.test(literal));
  if (!marked) return;
  const real = realOf(e, p) ?? p;
  if (isAgentSettingsFile(p) || isAgentSettingsFile(real)) e.opaque('guard-bypass', `${via} writes chat.tools.* agent permissions into ${p}`);
  let m = e.changes.marks.get(p);
  if (!m) e.changes.marks.set(p, (m = new Set()));
  m.add('agent-settings');
}

/** A path whose last component is taken as is (a delete removes a link, not its target). */
function joinReal(e: Engine, p: string): string | undefined {
  if (p === '/') return p;
  const dir = realOf(e, path.posix.dirname(p));
  return dir === undefined ? undefined : path.posix.join(dir, path.posix.basename(p));
}

/** The current shell, for in-shell builtins. */
class Shell implements ShellHandle {
  constructor(
    private readonly e: Engine,
    private readonly inv: Invocation,
  ) {}

  get cwd(): string | undefined {
    return this.inv.state.cwd;
  }
  set cwd(v: string | undefined) {
    this.inv.state.cwd = v;
  }
  get oldpwd(): string | undefined {
    return this.inv.state.oldpwd;
  }
  set oldpwd(v: string | undefined) {
    this.inv.state.oldpwd = v;
  }
  get dirStack() {
    return this.inv.state.dirStack;
  }
  get vars() {
    return this.inv.state.vars;
  }
  get functions() {
    return this.inv.state.functions;
  }
  get aliases() {
    return this.inv.state.aliases;
  }
  get fds() {
    return this.inv.state.fds;
  }

  run(words: readonly Word[], opts: { bypassFunctions?: boolean; stdin?: Stream } = {}): Stream {
    const saved = this.e.currentCommand;
    const out = runProgram(this.e, { words, assignments: [], state: this.inv.state, stdin: opts.stdin ?? this.inv.stdin, depth: this.inv.depth, bypassFunctions: opts.bypassFunctions, fds: this.inv.fds });
    this.e.setCurrentCommand(saved);
    return out;
  }

  code(text: string, exact: boolean, taints: ReadonlySet<Taint>, what: string, stdin: Stream = this.inv.stdin): Stream {
    if (!exact) {
      this.e.opaque(codeReason(taints), `${what} runs code that is only known when the line runs: ${clip(text)}`);
      return unknownStream(new Set(taints));
    }
    const saved = this.e.currentCommand;
    const out = this.e.analyzeCode(text, this.inv.state, stdin, this.inv.depth + 1);
    this.e.setCurrentCommand(saved);
    return out;
  }
}
