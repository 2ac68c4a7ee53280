import * as path from 'path';
import { minimatch } from 'minimatch';
import type { OpaqueReason } from '../actions/types';
import { cloneState, isSink, NO_INPUT, unionTaints, unknownStream, type Analyzer, type ShellState, type SimpleCommand, type Stream } from './analyze';
import { runGit } from './git';
import { parseOptions, type OptionSpec } from './options';
import { shellQuote } from './quote';
import { argText, INVISIBLE, NON_ASCII, type Taint, type Word } from './words';

/** One command about to be judged: words after expansion, prefix assignments, stdin. */
export interface Invocation {
  words: Word[];
  assignments: Array<{ name: string; value: Word | undefined }>;
  state: ShellState;
  stdin: Stream;
  depth: number;
  /** Skip shell functions and aliases (`command x`, `builtin x`). */
  bypassFunctions?: boolean;
}

/** What a program handler works with. */
export class Call {
  readonly name: string;
  readonly args: Word[];
  argv: string[];
  /** Taints this command's own output carries (a download, a decoder). */
  readonly taints = new Set<Taint>();
  /** Literal text the command writes to stdout, when known. */
  literalOut?: string;
  /** Passes stdin through to stdout (filters like `tee`, `sort`). */
  passthrough = true;
  /** Handlers that unwrap another command set this so no command action is emitted for the wrapper. */
  transparent = false;

  constructor(
    readonly a: Analyzer,
    readonly inv: Invocation,
    readonly program: string,
    name: string,
  ) {
    this.name = name;
    this.args = inv.words.slice(1);
    this.argv = [name, ...this.args.map(argText)];
  }

  get state(): ShellState {
    return this.inv.state;
  }

  opaque(reason: OpaqueReason, detail: string): void {
    this.a.opaque(reason, detail);
  }

  private pathAction(kind: 'file.read' | 'file.write' | 'file.delete', w: Word, via: string, recursive?: boolean): void {
    if (!w.exact && /^[<>]\(/.test(w.source) && kind === 'file.read') return; // `<(cmd)`: a pipe from a command already analysed
    const p = this.a.resolvePath(w, this.state);
    if (p === undefined) {
      this.opaque(w.glob ? 'glob' : 'unresolved-expansion', `${via}: path "${w.source}" is not known before it runs`);
      return;
    }
    if (kind !== 'file.read' && isSink(p)) return;
    const command = this.a.currentCommand;
    if (w.glob) {
      for (const t of globTargets(p)) this.a.emit({ kind, path: t, via, recursive, glob: true, command });
      return;
    }
    this.a.emit({ kind, path: p, via, recursive, command });
  }

  read(w: Word, via = this.name): void {
    this.pathAction('file.read', w, via);
  }

  /** `recursive`: the write changes everything under the path too (mv of a folder, chmod -R). */
  write(w: Word, via = this.name, recursive?: boolean): void {
    this.pathAction('file.write', w, via, recursive);
  }

  delete(w: Word, recursive: boolean, via = this.name): void {
    this.pathAction('file.delete', w, via, recursive);
  }

  network(host: string, tool = this.name): void {
    this.taints.add('network');
    this.a.emit({ kind: 'network', host, tool, command: this.a.currentCommand });
  }

  /** Runs a wrapped command (`env x`, `timeout 5 x`, `sudo x`) with the same input. */
  nested(words: Word[], extra: Partial<Invocation> = {}): Stream {
    this.transparent = true;
    return runProgram(this.a, { ...this.inv, words, assignments: [], ...extra });
  }

  /** Code handed to a shell (`bash -c`, `eval`, `su -c`, `watch`): analyse it, or fail closed on where it came from. */
  code(text: string, exact: boolean, taints: ReadonlySet<Taint>, what: string, stdin: Stream = this.inv.stdin): Stream {
    if (exact) return this.a.analyzeCode(text, cloneState(this.state), stdin, this.inv.depth + 1);
    this.opaque(codeReason(taints), `${what} runs code that is only known when the line runs: ${clip(text)}`);
    return unknownStream(new Set(taints));
  }

  /** A shell or interpreter reading its program from standard input. */
  stdinCode(kind: 'shell' | 'interpreter'): void {
    const s = this.inv.stdin;
    if (s.taints.has('network')) {
      this.opaque('remote-code', `${this.name} runs what it reads from the network`);
    } else if (s.taints.has('decode')) {
      this.opaque('decoded-code', `${this.name} runs a decoded payload`);
    } else if (s.literal !== undefined && kind === 'shell') {
      this.a.analyzeCode(s.literal, cloneState(this.state), NO_INPUT, this.inv.depth + 1);
    } else if (s.literal !== undefined) {
      this.opaque('interpreter-code', `${this.name} runs code given on standard input`);
    } else {
      this.opaque('dynamic-code', `${this.name} runs commands from standard input, which is not known statically`);
    }
  }

  /** Arguments an unknown program might open: each is a possible read and write. */
  maybeFiles(words: Word[]): void {
    for (const w of words) {
      if (!w.exact) continue;
      let t = w.text;
      if (t.startsWith('-')) {
        const eq = t.indexOf('=');
        if (eq < 0) continue;
        t = t.slice(eq + 1);
      }
      if (t === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(t) || t.length > 4096) continue;
      const w2 = { ...w, text: t };
      this.read(w2, `${this.name} (argument)`);
      this.write(w2, `${this.name} (argument)`);
    }
  }
}

export type Handler = (c: Call) => Stream | void;

const SYSTEM_BIN = new Set(['/bin', '/usr/bin', '/usr/local/bin', '/sbin', '/usr/sbin', '/usr/local/sbin', '/opt/homebrew/bin', '/usr/libexec', '/snap/bin']);

/**
 * Judges one simple command: resolves the program, records it, and lets its handler
 * emit the typed actions it implies. Returns what it writes to stdout.
 */
export function runProgram(a: Analyzer, inv: Invocation): Stream {
  const w0 = inv.words[0];
  if (!w0) return NO_INPUT;
  const texts = inv.words.map((w) => w.text);
  const record = (name: string): void => {
    const cmd: SimpleCommand = { name, argv: [name, ...texts.slice(1)], exact: inv.words.every((w) => w.exact), depth: inv.depth, cwd: inv.state.cwd, taints: [] };
    a.recordCommand(cmd);
    for (const as of inv.assignments) {
      a.emit({ kind: 'env.set', name: as.name, value: as.value?.exact ? as.value.text : undefined, command: a.currentCommand });
    }
  };

  if (!w0.exact) {
    record(w0.text);
    const reason: OpaqueReason = w0.taints.has('network') ? 'remote-code' : w0.taints.has('decode') ? 'decoded-code' : 'unresolved-expansion';
    a.opaque(reason, `the command name "${w0.source}" is only known when the line runs`);
    return unknownStream(inv.stdin.taints);
  }
  if (w0.glob) {
    record(w0.text);
    a.opaque('glob', `the command name "${w0.text}" is a glob`);
    return unknownStream(inv.stdin.taints);
  }
  if (INVISIBLE.test(w0.text) || NON_ASCII.test(w0.text)) {
    record(w0.text);
    a.opaque('lookalike-char', `the command name "${escapeInvisible(w0.text)}" contains invisible or non-ASCII characters`);
    return unknownStream(inv.stdin.taints);
  }
  let name = w0.text;
  if (name.includes('/')) {
    const dir = path.posix.dirname(path.posix.normalize(name));
    const base = path.posix.basename(name);
    if (SYSTEM_BIN.has(dir) && base !== '') name = base;
  }
  if (!inv.bypassFunctions && (inv.state.functions.has(name) || inv.state.aliases.has(name))) {
    // Defined on this line: its body was judged where it was defined; a `cd` in it moves the caller.
    if (inv.state.functionCwd.has(name)) inv.state.cwd = inv.state.functionCwd.get(name);
    return unknownStream(inv.stdin.taints);
  }

  const from = a.result.commands.length;
  record(name);
  const index = a.currentCommand;
  const cmd = a.result.commands[index];
  const call = new Call(a, inv, w0.text, name);
  for (const w of inv.words.slice(1)) {
    if (INVISIBLE.test(w.text) && !OUTPUT_ONLY.has(name)) {
      a.opaque('lookalike-char', `argument "${escapeInvisible(w.text)}" of ${name} contains invisible characters`);
      break;
    }
  }

  let handler = HANDLERS[name];
  if (!handler && name.includes('/')) handler = scriptHandler;
  if (name.includes('/')) call.argv[0] = path.posix.basename(name);
  if (!handler && /^python[0-9.]*$/.test(name)) handler = HANDLERS.python;
  let out: Stream | void;
  try {
    out = (handler ?? unknownHandler)(call);
  } finally {
    cmd.argv = call.argv;
    cmd.taints = [...call.taints];
  }
  if (!call.transparent) {
    a.emit({ kind: 'command', argv: call.argv, program: call.program, cwd: inv.state.cwd ?? '', command: index });
  } else {
    cmd.name = `${name} (wrapper)`;
  }
  void from;
  if (out) return out;
  const taints = new Set<Taint>(call.taints);
  if (call.passthrough) for (const t of inv.stdin.taints) taints.add(t);
  return { literal: call.literalOut, taints, unknown: call.literalOut === undefined };
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
  if (['a', 'zz9', 'x.y'].every((n) => minimatch(n, last))) out.push(parent);
  // A component that can name `.git` reaches git's data.
  parts.forEach((comp, k) => {
    if (k >= first && /[*?[]/.test(comp) && minimatch('.git', comp)) out.push([...parts.slice(0, k), '.git'].join('/') || '/.git');
  });
  return out;
}

// ---------------------------------------------------------------------------
// Handlers

/** Programs whose arguments are only printed, never opened. */
const OUTPUT_ONLY = new Set(['echo', 'printf', ':', 'true', 'false']);

const HANDLERS: Record<string, Handler> = Object.create(null);

function register(names: string[], h: Handler): void {
  for (const n of names) HANDLERS[n] = h;
}

function operands(c: Call, spec: OptionSpec) {
  return parseOptions(c.args, spec);
}

// Output and harmless builtins ------------------------------------------------

register(['echo'], (c) => {
  let i = 0;
  let escapes = false;
  while (i < c.args.length && /^-[neE]+$/.test(c.args[i].text)) {
    if (c.args[i].text.includes('e')) escapes = true;
    i++;
  }
  const rest = c.args.slice(i);
  c.passthrough = false;
  if (rest.every((w) => w.exact)) {
    const text = rest.map((w) => w.text).join(' ');
    c.literalOut = (escapes ? decodeEscapes(text) : text) + '\n';
  }
  for (const t of unionTaints(rest)) c.taints.add(t);
});

register(['printf'], (c) => {
  c.passthrough = false;
  let args = c.args;
  if (args[0]?.text === '-v') {
    const name = args[1]?.text ?? '';
    c.state.vars.set(name.replace(/\[.*$/, ''), { unknown: true });
    c.a.emit({ kind: 'env.set', name: name.replace(/\[.*$/, ''), command: c.a.currentCommand });
    c.a.embedded(name, c.state, c.inv.depth);
    args = args.slice(2);
  }
  if (args[0]?.text === '--') args = args.slice(1);
  for (const t of unionTaints(args)) c.taints.add(t);
  if (args.length && args.every((w) => w.exact)) c.literalOut = printf(args[0].text, args.slice(1).map((w) => w.text));
});

register(['test', '[', '[['], (c) => {
  c.passthrough = false;
  for (const w of c.args) c.a.embedded(w.text, c.state, c.inv.depth);
});

register([':', 'true', 'false', 'pwd', 'exit', 'return', 'break', 'continue', 'wait', 'sleep', 'shopt', 'set', 'ulimit', 'umask', 'hash', 'type', 'which', 'whoami', 'id', 'uname', 'date', 'basename', 'dirname', 'realpath', 'readlink', 'seq', 'expr', 'tty', 'nproc', 'hostname', 'ls', 'tree', 'stat', 'file', 'du', 'df', 'dir', 'vdir', 'exa', 'eza', 'lsof', 'ps', 'uptime', 'free', 'getconf', 'locale', 'history', 'jobs', 'fg', 'bg', 'disown', 'times', 'dirs', 'help', 'caller', 'let', 'printenv', 'env-which'], (c) => {
  c.passthrough = false;
});

register(['read', 'mapfile', 'readarray', 'getopts', 'let', 'declare', 'typeset', 'local', 'export', 'readonly'], (c) => {
  // Names these set (read/mapfile/getopts operands, `let NAME=…`); subscripts are arithmetic and may run code.
  const args = c.name === 'getopts' ? c.args.slice(1) : c.args;
  for (const w of args) {
    c.a.embedded(w.text, c.state, c.inv.depth);
    if (c.name === 'let') {
      c.a.arithmeticAssignments(w.text);
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(\[.*\])?(?:=(.*))?$/s.exec(w.text);
    if (!m || (c.name !== 'read' && c.name !== 'mapfile' && c.name !== 'readarray' && c.name !== 'getopts' && m[3] === undefined)) continue;
    c.state.vars.set(m[1], { unknown: true });
    c.a.emit({ kind: 'env.set', name: m[1], command: c.a.currentCommand });
  }
});

register(['unset'], (c) => {
  for (const w of c.args) {
    if (w.text.startsWith('-')) continue;
    c.state.vars.delete(w.text);
    c.a.emit({ kind: 'env.set', name: w.text, command: c.a.currentCommand });
  }
});

register(['cd', 'pushd', 'popd'], (c) => {
  const s = c.state;
  const ops = c.args.filter((w) => !/^-[LPe@]+$/.test(w.text) && w.text !== '--');
  if (c.name === 'popd') {
    s.cwd = s.dirStack.length ? s.dirStack.pop() : undefined;
    return;
  }
  if (c.name === 'pushd') s.dirStack.push(s.cwd);
  const target = ops[0];
  const cdpath = s.vars.has('CDPATH') || c.inv.assignments.some((a) => a.name === 'CDPATH');
  if (cdpath && target && !target.text.startsWith('/') && !target.text.startsWith('.')) {
    // CDPATH decides where a relative `cd` lands.
    s.cwd = undefined;
    return;
  }
  if (!target) {
    s.cwd = c.name === 'cd' ? c.a.env.home : undefined;
    return;
  }
  if (target.text === '-' || /^[+-]\d+$/.test(target.text)) {
    s.cwd = undefined;
    return;
  }
  s.cwd = c.a.resolvePath(target, s);
});

register(['alias'], (c) => {
  for (const w of c.args) {
    const m = /^([^=\s]+)=(.*)$/s.exec(w.text);
    if (!m) continue;
    c.state.aliases.add(m[1]);
    // The alias could run wherever it is used: judge its text as code.
    c.code(m[2], w.exact, w.taints, `alias ${m[1]}`);
  }
});

register(['trap'], (c) => {
  const ops = c.args.filter((w) => !/^-[lp]$/.test(w.text));
  if (ops.length >= 2 && ops[0].text !== '-') c.code(ops[0].text, ops[0].exact, ops[0].taints, 'trap');
});

// Wrappers ---------------------------------------------------------------------

register(['env'], (c) => {
  let i = 0;
  const args = c.args;
  while (i < args.length) {
    const t = args[i].text;
    if (t === '--') {
      i++;
      break;
    }
    if (t === '-' || t === '-i' || t === '--ignore-environment' || t === '-0' || t === '--null' || t === '-v' || t === '--debug') {
      i++;
      continue;
    }
    if (t === '-u' || t === '--unset' || t === '-C' || t === '--chdir') {
      if ((t === '-u' || t === '--unset') && args[i + 1]) c.a.emit({ kind: 'env.set', name: args[i + 1].text, command: c.a.currentCommand });
      if (t === '-C' || t === '--chdir') c.state.cwd = args[i + 1] ? c.a.resolvePath(args[i + 1], cloneState(c.state)) : undefined;
      i += 2;
      continue;
    }
    if (/^(-u.+|--unset=.*)$/.test(t)) {
      c.a.emit({ kind: 'env.set', name: t.replace(/^(-u|--unset=)/, ''), command: c.a.currentCommand });
      i++;
      continue;
    }
    if (/^(-C.+|--chdir=.*)$/.test(t)) {
      const dir = t.replace(/^(-C|--chdir=)/, '');
      c.state.cwd = c.a.resolvePath({ ...args[i], text: dir }, cloneState(c.state));
      i++;
      continue;
    }
    const split = /^(?:-S|--split-string=?)(.*)$/s.exec(t);
    if (split || /^-[iv0]*S$/.test(t)) {
      // env -S 'a b c' splits its string into words: judge it as shell text.
      let str = split ? split[1] : '';
      let exact = args[i].exact;
      const taints = new Set(args[i].taints);
      if (str === '') {
        str = args[i + 1]?.text ?? '';
        exact = exact && (args[i + 1]?.exact ?? true);
        for (const tt of args[i + 1]?.taints ?? []) taints.add(tt);
        i++;
      }
      const rest = args.slice(i + 1);
      c.transparent = true;
      return c.code([str, ...rest.map((w) => shellQuote(w.text))].join(' '), exact && rest.every((w) => w.exact), taints, 'env -S');
    }
    if (/^-/.test(t)) {
      i++;
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(t);
    if (m) {
      c.a.emit({ kind: 'env.set', name: m[1], value: args[i].exact ? m[2] : undefined, command: c.a.currentCommand });
      i++;
      continue;
    }
    break;
  }
  if (i >= args.length) return; // `env` alone prints the environment
  return c.nested(args.slice(i), { bypassFunctions: true });
});

/**
 * A program that runs another: `transparent` ones (the spec's list: nohup, time, timeout, nice,
 * stdbuf, exec, builtin…) are judged by what they run; others are judged as themselves too.
 */
function simpleWrapper(names: string[], valueOpts: string[], flagOpts: RegExp, positionalsBefore = 0, transparent = true): void {
  register(names, (c) => {
    const args = c.args;
    let i = 0;
    while (i < args.length) {
      const t = args[i].text;
      if (t === '--') {
        i++;
        break;
      }
      if (valueOpts.includes(t)) {
        i += 2;
        continue;
      }
      if (t.startsWith('-') && t.length > 1 && (flagOpts.test(t) || valueOpts.some((v) => v.startsWith('--') && t.startsWith(v + '=')) || valueOpts.some((v) => /^-[A-Za-z]$/.test(v) && t.startsWith(v)))) {
        i++;
        continue;
      }
      if (t.startsWith('-') && t.length > 1) {
        // An option this wrapper does not know: cannot tell where the command starts.
        c.opaque('unknown-wrapper', `${c.name}: unknown option ${t}`);
        return;
      }
      break;
    }
    i += positionalsBefore;
    if (i >= args.length) return;
    const out = c.nested(args.slice(i), { bypassFunctions: true });
    c.transparent = transparent;
    return out;
  });
}

simpleWrapper(['nohup'], [], /^$/);
register(['time'], (c) => {
  // The `time` keyword times a pipeline: skip its -p, a `!`, and assignments that prefix the command.
  let i = 0;
  const args = c.args;
  while (i < args.length && /^(-[pv]+|--portability|!)$/.test(args[i].text)) i++;
  while (i < args.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[i].text)) {
    const eq = args[i].text.indexOf('=');
    c.a.emit({ kind: 'env.set', name: args[i].text.slice(0, eq), value: args[i].exact ? args[i].text.slice(eq + 1) : undefined, command: c.a.currentCommand });
    i++;
  }
  c.transparent = true;
  if (i >= args.length) return;
  return c.nested(args.slice(i), { bypassFunctions: true });
});
register(['coproc'], (c) => {
  // coproc [NAME] command, or coproc NAME { list; }: judge what runs.
  let args = c.args;
  if (args.length > 1 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(args[0].text) && /^[{(]/.test(args[1].text)) args = args.slice(1);
  c.transparent = true;
  if (args[0] && /^[{(]/.test(args[0].text)) {
    const code = args.map((w) => w.text).join(' ').replace(/^[{(]\s*/, '').replace(/[;\s]*[})]?$/, '');
    return c.code(code, args.every((w) => w.exact), unionTaints(args), 'coproc');
  }
  return c.nested(args, { bypassFunctions: true });
});
simpleWrapper(['nice'], ['-n', '--adjustment'], /^-\d+$|^-n-?\d+$/);
simpleWrapper(['timeout'], ['-s', '--signal', '-k', '--kill-after'], /^-(v|-verbose|-preserve-status|-foreground)$/, 1);
simpleWrapper(['stdbuf'], ['-i', '-o', '-e', '--input', '--output', '--error'], /^-[ioe].+$/);
simpleWrapper(['ionice'], ['-c', '-n', '--class', '--classdata'], /^-t$|^-c\d$|^-n\d$/, 0, false);
simpleWrapper(['setsid'], [], /^-[cfw]+$|^--(ctty|fork|wait)$/, 0, false);
simpleWrapper(['chronic', 'unbuffer', 'caffeinate', 'catchsegv', 'script', 'faketime', 'proxychains', 'torsocks', 'firejail', 'bwrap', 'chroot', 'nsenter', 'unshare', 'strace', 'ltrace', 'gdb', 'valgrind', 'perf', 'systemd-run', 'entr', 'parallel'], [], /^-[a-zA-Z]+$/, 0, false);
simpleWrapper(['exec'], ['-a'], /^-[cl]+$/);
simpleWrapper(['builtin'], [], /^$/);
simpleWrapper(['taskset'], [], /^-[acp]+$/, 1, false);
simpleWrapper(['flock'], ['-w', '--timeout', '-E', '--conflict-exit-code'], /^-[sxnuo]+$|^--(shared|exclusive|nonblock|unlock|close)$/, 1, false);

register(['command'], (c) => {
  const args = c.args;
  let i = 0;
  let query = false;
  while (i < args.length && /^-[pvV]+$/.test(args[i].text)) {
    if (/[vV]/.test(args[i].text)) query = true;
    i++;
  }
  if (args[i]?.text === '--') i++;
  if (query || i >= args.length) return;
  return c.nested(args.slice(i), { bypassFunctions: true });
});

register(['sudo', 'doas', 'pkexec', 'run0', 'sudoedit'], (c) => {
  // Privilege escalation is judged as itself (the policy denies it) and for what it runs.
  const valueOpts = ['-u', '-g', '-C', '-p', '-D', '-h', '-r', '-t', '-T', '-U', '--user', '--group', '--close-from', '--prompt', '--chdir', '--host', '--role', '--type', '--command-timeout', '--other-user'];
  const args = c.args;
  let i = 0;
  while (i < args.length) {
    const t = args[i].text;
    if (t === '--') {
      i++;
      break;
    }
    if (valueOpts.includes(t)) i += 2;
    else if (t.startsWith('-')) i++;
    else break;
  }
  if (c.name === 'sudoedit') {
    for (const w of args.slice(i)) c.write(w);
    return;
  }
  if (i >= args.length) return;
  const inner = runProgram(c.a, { ...c.inv, words: args.slice(i), assignments: [], bypassFunctions: true });
  return inner;
});

register(['su'], (c) => {
  const args = c.args;
  for (let i = 0; i < args.length; i++) {
    const t = args[i].text;
    if (t === '-c' || t === '--command' || t === '--session-command') {
      const w = args[i + 1];
      if (w) c.code(w.text, w.exact, w.taints, 'su -c');
      return;
    }
    const m = /^--command=(.*)$/s.exec(t);
    if (m) {
      c.code(m[1], args[i].exact, args[i].taints, 'su -c');
      return;
    }
  }
});

register(['xargs'], (c) => {
  const spec: OptionSpec = {
    values: ['-I', '-L', '-n', '-P', '-s', '-d', '-E', '-a', '--arg-file', '--delimiter', '--max-args', '--max-procs', '--max-chars', '--max-lines', '--eof', '--process-slot-var'],
    optionalValues: ['-i', '-l', '-e', '--replace'],
    stopAtFirstOperand: true,
  };
  const parsed = operands(c, spec);
  const replace = parsed.value('-I') ?? parsed.value('-i', '{}') ?? parsed.value('--replace', '{}');
  const argFile = parsed.value('-a') ?? parsed.value('--arg-file');
  if (argFile) c.read(argFile);
  let cmd = parsed.operands;
  if (cmd.length === 0) cmd = [lit('echo')];
  const stdin = c.inv.stdin;
  const items = stdin.literal !== undefined && !argFile ? stdin.literal.split(/\s+/).filter(Boolean) : undefined;
  const itemWord = (t: string): Word => ({ text: t, exact: true, glob: false, taints: new Set(), source: t });
  const unknownItem: Word = { text: '{xargs input}', exact: false, glob: false, taints: new Set(stdin.taints), source: '{xargs input}' };
  c.transparent = true;
  if (replace) {
    const r = replace.text;
    const values = items ? items.slice(0, 16) : undefined;
    const spliced = cmd.some((w) => w.text.includes(r));
    if (spliced && isShellCodeCommand(cmd) && !values) {
      c.opaque('spliced-code', `xargs -I ${r} splices its input into shell code`);
      runProgram(c.a, { ...c.inv, words: cmd.map((w) => ({ ...w, text: w.text.split(r).join('input-item') })), assignments: [], stdin: NO_INPUT, bypassFunctions: true });
    }
    for (const v of values ?? [undefined]) {
      const words = cmd.map((w) => (w.text.includes(r) ? (v === undefined ? { ...unknownItem, text: w.text } : itemWord(w.text.split(r).join(v))) : w));
      runProgram(c.a, { ...c.inv, words, assignments: [], stdin: NO_INPUT, bypassFunctions: true });
    }
    return unknownStream(stdin.taints);
  }
  const extra = items ? items.map(itemWord) : [unknownItem];
  return runProgram(c.a, { ...c.inv, words: [...cmd, ...extra], assignments: [], stdin: NO_INPUT, bypassFunctions: true });
});

/** A script path that is really standard input. */
function isStdinPath(w: Word): boolean {
  return w.exact && /^(\/dev\/stdin|\/dev\/fd\/0|\/proc\/self\/fd\/0|\/dev\/tty)$/.test(w.text);
}

function isShellCodeCommand(words: Word[]): boolean {
  const n = path.posix.basename(words[0]?.text ?? '');
  return SHELLS.has(n) || n === 'eval' || INTERPRETERS.has(n) || /^python/.test(n);
}

register(['find'], (c) => {
  c.passthrough = false;
  const args = c.args;
  let i = 0;
  const starts: Word[] = [];
  while (i < args.length && !/^[-(!]/.test(args[i].text)) starts.push(args[i++]);
  if (starts.length === 0) starts.push(lit('.'));
  let filtered = false;
  const names: string[] = [];
  for (let k = i; k < args.length; k++) if (['-name', '-iname'].includes(args[k].text) && args[k + 1]) names.push(args[k + 1].text);
  // What `{}` (and -delete) reach: everything under a start path, or what -name selects there.
  const found = (s: Word): Word[] => {
    const base = s.text.replace(/\/+$/, '') || '/';
    const texts = names.length ? names.map((n) => `${base}/**/${n}`) : [`${base}/*`];
    return texts.map((text) => ({ ...s, text, glob: true, source: `${text} (found by find)` }));
  };
  for (; i < args.length; i++) {
    const t = args[i].text;
    if (['-exec', '-execdir', '-ok', '-okdir'].includes(t)) {
      const cmd: Word[] = [];
      i++;
      while (i < args.length && args[i].text !== ';' && args[i].text !== '+') cmd.push(args[i++]);
      if (cmd.some((w) => w.text.includes('{}')) && isShellCodeCommand(cmd)) {
        c.opaque('spliced-code', 'find -exec splices file names into shell code');
        // What the code does with an ordinary file name in place of {}.
        runProgram(c.a, { ...c.inv, words: cmd.map((w) => ({ ...w, text: w.text.split('{}').join('found-file') })), assignments: [], stdin: NO_INPUT, bypassFunctions: true });
      }
      for (const s of starts) {
        for (const f of found(s)) {
          const words = cmd.map((w) => (w.text === '{}' ? f : w.text.includes('{}') ? { ...w, exact: false, source: `${w.text} (found file)` } : w));
          if (words.length) runProgram(c.a, { ...c.inv, words, assignments: [], stdin: NO_INPUT, bypassFunctions: true });
        }
      }
      continue;
    }
    if (t === '-delete') {
      for (const s of starts) {
        if (!filtered) c.delete(s, true, 'find -delete');
        for (const f of found(s)) c.delete(f, true, 'find -delete');
      }
      continue;
    }
    if (['-fprint', '-fprint0', '-fls', '-fprintf'].includes(t)) {
      if (args[i + 1]) c.write(args[i + 1], `find ${t}`);
      i++;
      continue;
    }
    if (['-name', '-iname', '-path', '-ipath', '-regex', '-iregex', '-type', '-newer', '-size', '-mtime', '-mmin', '-user', '-group', '-perm', '-wholename', '-iwholename', '-lname', '-ilname'].includes(t)) {
      filtered = true;
      i++;
      continue;
    }
    if (['-maxdepth', '-mindepth', '-printf', '-fstype', '-inum', '-links', '-samefile', '-uid', '-gid', '-amin', '-atime', '-cmin', '-ctime', '-used', '-context', '-files0-from'].includes(t)) i++;
  }
});

register(['watch'], (c) => {
  const spec: OptionSpec = { values: ['-n', '--interval', '-q', '--equexit', '-s', '--shotsfile'], stopAtFirstOperand: true };
  const parsed = operands(c, spec);
  const words = parsed.operands;
  if (!words.length) return;
  c.transparent = true;
  if (parsed.has('-x') || parsed.has('--exec')) return c.nested(words);
  // watch joins its arguments and runs them with `sh -c`.
  return c.code(words.map((w) => w.text).join(' '), words.every((w) => w.exact), unionTaints(words), 'watch');
});

// Shells and code runners ------------------------------------------------------

const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'rbash', 'yash', 'tcsh', 'csh', 'busybox']);

register([...SHELLS], (c) => {
  let args = c.args;
  if (c.name === 'busybox') {
    if (!args.length) return;
    if (!SHELLS.has(args[0].text)) return c.nested(args);
    args = args.slice(1);
  }
  let i = 0;
  let codeFlag = false;
  let stdinFlag = false;
  while (i < args.length) {
    const t = args[i].text;
    if (t === '--' || t === '-') {
      i++;
      break;
    }
    if (t === '-o' || t === '+o' || t === '-O' || t === '+O' || t === '--rcfile' || t === '--init-file') {
      if (t === '--rcfile' || t === '--init-file') c.opaque('exec-config', `${c.name} ${t} runs another file first`);
      i += 2;
      continue;
    }
    if (/^--[a-z-]+$/.test(t)) {
      i++;
      continue;
    }
    if (/^[-+][A-Za-z]+$/.test(t)) {
      if (t.startsWith('-') && t.includes('c')) codeFlag = true;
      if (t.startsWith('-') && t.includes('s')) stdinFlag = true;
      i++;
      continue;
    }
    break;
  }
  const rest = args.slice(i);
  if (codeFlag) {
    const codeWord = rest[0];
    if (!codeWord) return;
    c.transparent = true;
    return c.code(codeWord.text, codeWord.exact, codeWord.taints, `${c.name} -c`);
  }
  if (rest.length && !stdinFlag && !isStdinPath(rest[0])) {
    const script = rest[0];
    if (script.content !== undefined) {
      // `bash <(echo '…')`: the script is what the substitution prints.
      c.transparent = true;
      c.code(script.content, true, script.taints, `${c.name} <(…)`);
    } else if (!script.exact) {
      c.opaque(codeReason(script.taints), `${c.name} runs ${script.source}, which is only known when the line runs`);
    } else {
      c.opaque('script', `${c.name} runs the script ${script.text}, whose content is not analysed`);
      c.read(script);
    }
    return;
  }
  c.stdinCode('shell');
});

register(['source', '.'], (c) => {
  const script = c.args[0];
  if (!script) return;
  if (isStdinPath(script)) return c.stdinCode('shell');
  if (script.content !== undefined) {
    c.transparent = true;
    return c.code(script.content, true, script.taints, `${c.name} <(…)`);
  }
  if (!script.exact) c.opaque(codeReason(script.taints), `${c.name} runs ${script.source}, which is only known when the line runs`);
  else {
    c.opaque('script', `${c.name} runs the script ${script.text}, whose content is not analysed`);
    c.read(script);
  }
});

register(['eval'], (c) => {
  const words = c.args;
  if (!words.length) return;
  c.transparent = true;
  return c.code(words.map((w) => w.text).join(' '), words.every((w) => w.exact), unionTaints(words), 'eval');
});

const INTERPRETERS = new Set(['node', 'nodejs', 'perl', 'ruby', 'php', 'deno', 'bun', 'lua', 'luajit', 'Rscript', 'osascript', 'tclsh', 'wish', 'pwsh', 'powershell', 'julia', 'java', 'jshell', 'groovy', 'scala', 'kotlin', 'swift', 'dotnet', 'go', 'tsx', 'ts-node', 'irb', 'gawk', 'mawk', 'nawk', 'awk', 'python']);

/** Options that hand an interpreter code text, per interpreter. */
const CODE_OPTIONS: Record<string, string[]> = {
  python: ['-c'],
  node: ['-e', '--eval', '-p', '--print', '-r', '--require', '--import', '--loader', '--experimental-loader'],
  nodejs: ['-e', '--eval', '-p', '--print', '-r', '--require', '--import'],
  perl: ['-e', '-E'],
  ruby: ['-e'],
  php: ['-r', '-B', '-R', '-E'],
  deno: ['eval'],
  bun: ['-e', '--eval', '-p', '--print'],
  lua: ['-e'],
  luajit: ['-e'],
  Rscript: ['-e'],
  osascript: ['-e'],
  tsx: ['-e', '--eval', '-p'],
  'ts-node': ['-e', '--eval', '-p', '--print'],
  pwsh: ['-c', '-Command', '-command', '-EncodedCommand', '-e', '-ec'],
  powershell: ['-c', '-Command', '-command', '-EncodedCommand'],
  julia: ['-e', '-E'],
};

register([...INTERPRETERS], (c) => {
  const key = /^python/.test(c.name) ? 'python' : c.name;
  if (['awk', 'gawk', 'mawk', 'nawk'].includes(c.name)) return awk(c);
  const codeOpts = CODE_OPTIONS[key] ?? [];
  const args = c.args;
  for (let i = 0; i < args.length; i++) {
    const t = args[i].text;
    const hit = codeOpts.find((o) => t === o || (o.startsWith('--') ? t.startsWith(o + '=') : o.length === 2 && t.startsWith(o) && /^-[a-zA-Z]+$/.test(t) === false && t.length > 2));
    const bundled = key === 'perl' && /^-[a-zA-Z]*[eE]$/.test(t);
    if (hit || bundled) {
      c.opaque('interpreter-code', `${c.name} ${t} runs code given on the command line`);
      c.maybeFiles(args.slice(i + 2));
      return;
    }
    if (key === 'python' && t === '-m') {
      const mod = args[i + 1];
      if (mod?.text === 'pip') {
        c.argv = ['pip', ...args.slice(i + 2).map(argText)];
        return;
      }
      c.argv = [c.name, '-m', ...args.slice(i + 1).map(argText)];
      return;
    }
    const fileOpt = /^(--env-file|--env-file-if-exists|--import|--require|--loader|--experimental-loader|--settings|--config|--tsconfig|--preload|--rcfile|-r)(?:=(.*))?$/s.exec(t);
    if (fileOpt) {
      const value = fileOpt[2] !== undefined ? { ...args[i], text: fileOpt[2] } : args[++i];
      if (value) c.read(value, `${c.name} ${fileOpt[1]}`);
      continue;
    }
    if (t === '-' || !t.startsWith('-')) {
      if (t === '-') {
        c.stdinCode('interpreter');
        return;
      }
      // A script file: the command pattern decides (e.g. `node build.js`); its arguments may be files it opens.
      if (!args[i].exact) c.opaque(codeReason(args[i].taints), `${c.name} runs ${args[i].source}, only known when the line runs`);
      c.maybeFiles(args.slice(i + 1));
      return;
    }
  }
  // No script and no code option: the program comes from standard input (or a REPL).
  c.stdinCode('interpreter');
});

function awk(c: Call): void {
  const spec: OptionSpec = { values: ['-F', '-v', '-f', '--file', '--field-separator', '--assign', '-i', '--include', '-l', '--load', '-E', '--exec'] };
  const parsed = operands(c, spec);
  const progFiles = [...parsed.values('-f'), ...parsed.values('--file'), ...parsed.values('-E')];
  let ops = parsed.operands;
  if (progFiles.length) for (const f of progFiles) c.read(f);
  else if (ops.length) {
    c.opaque('interpreter-code', `${c.name} runs a program given on the command line`);
    ops = ops.slice(1);
  }
  for (const w of ops) if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(w.text)) c.read(w);
}

// Files -------------------------------------------------------------------------

/** Commands that read the files named by their operands. */
function reader(names: string[], spec: OptionSpec, opts: { patternFirst?: boolean; fileOptions?: string[]; writeOptions?: string[]; decode?: (c: Call, parsed: ReturnType<typeof parseOptions>) => boolean } = {}): void {
  register(names, (c) => {
    const parsed = operands(c, spec);
    let ops = parsed.operands;
    const hasPatternOpt = ['-e', '--regexp', '-f', '--file'].some((o) => parsed.has(o));
    if (opts.patternFirst && !hasPatternOpt && ops.length) ops = ops.slice(1);
    for (const o of opts.fileOptions ?? []) for (const w of parsed.values(o)) c.read(w, `${c.name} ${o}`);
    for (const o of opts.writeOptions ?? []) for (const w of parsed.values(o)) c.write(w, `${c.name} ${o}`);
    for (const w of ops) if (w.text !== '-') c.read(w);
    if (opts.decode?.(c, parsed)) c.taints.add('decode');
    if (ops.length) c.passthrough = false;
  });
}

reader(['tac', 'less', 'more', 'most', 'wc', 'md5sum', 'sha1sum', 'sha224sum', 'sha256sum', 'sha384sum', 'sha512sum', 'b2sum', 'cksum', 'sum', 'expand', 'unexpand', 'bat', 'batcat', 'view', 'zcat', 'bzcat', 'xzcat', 'zless', 'rev'], { values: ['-t', '--tabs', '-s', '--separator', '--files0-from'] }, {
  decode: (c) => c.name === 'rev' || c.name === 'zcat' || c.name === 'bzcat' || c.name === 'xzcat' || c.name === 'tr',
});
register(['cat'], (c) => {
  const ops = c.args.filter((w) => !/^-[A-Za-z]+$/.test(w.text) && w.text !== '--');
  for (const w of ops) if (w.text !== '-') c.read(w);
  if (ops.length === 0) {
    c.literalOut = c.inv.stdin.literal;
  } else c.passthrough = false;
});
reader(['nl'], { values: ['-b', '-d', '-f', '-h', '-i', '-l', '-n', '-s', '-v', '-w'] });
reader(['strings'], { values: ['-n', '-t', '-e', '--bytes', '--radix', '--encoding'] });
reader(['fold', 'fmt'], { values: ['-w', '--width', '-p', '--prefix', '-g', '--goal'] });
reader(['column', 'pr'], { values: ['-s', '-c', '-o', '-t', '-N', '-w', '-l', '-h', '-e', '-i', '-n', '--table-columns', '--separator', '--output-separator'] });
register(['tr'], (c) => {
  // tr reads only standard input: its operands are character sets.
  c.taints.add('decode');
});
reader(['look'], { values: ['-t'] }, { patternFirst: true });
reader(['head', 'tail'], { values: ['-n', '-c', '--lines', '--bytes', '--pid', '-s', '--sleep-interval', '--max-unchanged-stats'] });
reader(['sort'], { values: ['-k', '-t', '-T', '-S', '--key', '--field-separator', '--temporary-directory', '--buffer-size', '--parallel', '--batch-size', '--compress-program', '--files0-from'] }, { writeOptions: ['-o', '--output'] });
HANDLERS.sort = wrapAfter(HANDLERS.sort, (c) => {
  for (const a of c.args) if (a.text.startsWith('--compress-program')) c.opaque('exec-config', 'sort --compress-program runs a program');
});
reader(['uniq', 'cut', 'paste', 'join', 'comm', 'cmp', 'diff', 'diff3', 'sdiff', 'colordiff', 'od', 'hexdump', 'hd', 'iconv', 'jq', 'yq', 'xmllint', 'csvlook'], {
  values: ['-d', '-f', '-c', '-b', '-s', '-w', '-t', '-A', '-j', '-N', '-n', '-e', '-x', '-X', '-L', '-f', '--label', '-F', '--from-code', '--to-code', '--arg', '--argjson', '--indent', '-C', '-U', '-W', '--width', '--exclude', '--exclude-from', '--ignore-matching-lines', '-I'],
}, { fileOptions: ['--slurpfile', '--rawfile', '-X', '--exclude-from'] });
register(['jq', 'yq'], (c) => {
  const spec: OptionSpec = { values: ['--indent', '-L', '--arg', '--argjson', '--slurpfile', '--rawfile', '-f', '--from-file'], valueCounts: { '--arg': 2, '--argjson': 2, '--slurpfile': 2, '--rawfile': 2 } };
  const parsed = operands(c, spec);
  let ops = parsed.operands;
  const fromFile = parsed.values('-f').concat(parsed.values('--from-file'));
  if (!fromFile.length && ops.length) ops = ops.slice(1);
  for (const w of [...fromFile, ...ops]) c.read(w);
  for (const o of ['--slurpfile', '--rawfile']) for (const w of parsed.values(o, 1)) c.read(w);
  if (ops.length) c.passthrough = false;
});
reader(['grep', 'egrep', 'fgrep', 'zgrep', 'ag', 'ack'], {
  values: ['-e', '-f', '-m', '-A', '-B', '-C', '-d', '-D', '--regexp', '--file', '--max-count', '--context', '--after-context', '--before-context', '--label', '--include', '--exclude', '--exclude-dir', '--exclude-from', '--binary-files', '--devices', '--directories', '--color', '--colour', '--group-separator'],
  optionalValues: ['--color', '--colour', '--context'],
}, { patternFirst: true, fileOptions: ['-f', '--file', '--exclude-from'] });
reader(['rg', 'ripgrep'], {
  values: ['-e', '-f', '-m', '-A', '-B', '-C', '--regexp', '--file', '--max-count', '--context', '--after-context', '--before-context', '-g', '--glob', '--iglob', '-t', '--type', '-T', '--type-not', '-j', '--threads', '-M', '--max-columns', '-r', '--replace', '--max-depth', '-d', '--maxdepth', '--type-add', '--sort', '--sortr', '--color', '--colors', '--ignore-file', '--pre', '--pre-glob', '--engine', '-E', '--encoding', '--path-separator', '--max-filesize', '--dfa-size-limit', '--regex-size-limit'],
}, { patternFirst: true, fileOptions: ['-f', '--file', '--ignore-file'] });
HANDLERS.rg = wrapAfter(HANDLERS.rg, (c) => {
  for (const a of c.args) if (a.text === '--pre' || a.text.startsWith('--pre=')) c.opaque('exec-config', 'rg --pre runs a program on every file');
});
reader(['base64', 'base32', 'basenc', 'uudecode', 'gunzip', 'bunzip2', 'unxz', 'xxd', 'unzstd', 'zstdcat', 'lz4cat', 'brotli', 'gzip', 'bzip2', 'xz', 'zstd'], { values: ['-w', '--wrap', '-s', '-l', '-c', '-g', '-o', '-n', '-S', '--suffix', '-C'] }, {
  decode: (c) => ['uudecode', 'gunzip', 'bunzip2', 'unxz', 'unzstd', 'zstdcat', 'lz4cat'].includes(c.name) || c.args.some((w) => /^(-[a-zA-Z]*d[a-zA-Z]*|--decode|-r|--revert|-D)$/.test(w.text)),
});

register(['sed', 'gsed'], (c) => {
  const spec: OptionSpec = { values: ['-e', '-f', '-l', '--expression', '--file', '--line-length', '-s'], optionalValues: ['-i', '--in-place'], noValueShort: 'nrEsuzs' };
  const parsed = operands(c, spec);
  let ops = parsed.operands;
  const scripts = [...parsed.values('-e'), ...parsed.values('--expression')];
  const scriptFiles = [...parsed.values('-f'), ...parsed.values('--file')];
  for (const f of scriptFiles) c.read(f);
  if (!scripts.length && !scriptFiles.length && ops.length) {
    scripts.push(ops[0]);
    ops = ops.slice(1);
  }
  for (const s of scripts) sedScript(c, s);
  const inPlace = parsed.has('-i') || parsed.has('--in-place') || c.args.some((w) => /^-[a-zA-Z]*i/.test(w.text) && !w.text.startsWith('--'));
  for (const w of ops) {
    c.read(w);
    if (inPlace) c.write(w, 'sed -i');
  }
  if (ops.length) c.passthrough = false;
});

/** Finds sed commands that run programs (`e`, `s///e`) or touch files (`w`, `r`). */
function sedScript(c: Call, w: Word): void {
  if (!w.exact) {
    c.opaque('unresolved-expansion', 'sed script is only known when the line runs');
    return;
  }
  const s = w.text;
  // s/re/repl/flags: a flag `e` executes the pattern space; `w file` writes.
  const subst = /s(.)(?:\\.|(?!\1).)*\1(?:\\.|(?!\1).)*\1([gpiImMe0-9]*)(?:\s*w\s*(\S+))?/g;
  let m: RegExpExecArray | null;
  let rest = s;
  while ((m = subst.exec(s))) {
    if (m[2].includes('e')) c.opaque('interpreter-code', 'sed s///e runs the pattern space as a shell command');
    if (m[3]) c.write({ ...w, text: m[3] }, 'sed w');
    rest = rest.replace(m[0], ';');
  }
  // Remove y///, then each command's address, then look at the command letter.
  rest = rest.replace(/y(.)(?:\\.|(?!\1).)*\1(?:\\.|(?!\1).)*\1/g, ';');
  const address = /^\s*(?:\d+(?:~\d+)?|\$|\/(?:\\.|[^/])*\/[IM]*|\\(.)(?:\\.|(?!\1).)*\1)?\s*(?:,\s*(?:[+~]?\d+|\$|\/(?:\\.|[^/])*\/[IM]*))?\s*!?\s*/;
  for (const cmd of rest.split(/[;\n}{]/)) {
    const t = cmd.replace(address, '');
    if (/^e(\s|$)/.test(t)) c.opaque('interpreter-code', 'sed e runs a shell command');
    const file = /^([wWrR])\s*(\S.*)$/.exec(t);
    if (file) {
      const fw = { ...w, text: file[2].trim() };
      if (file[1] === 'w' || file[1] === 'W') c.write(fw, 'sed w');
      else c.read(fw, 'sed r');
    }
  }
}

register(['rm', 'shred', 'unlink', 'rmdir', 'trash', 'trash-put', 'srm'], (c) => {
  const parsed = operands(c, {
    flagsLong: ['--recursive', '--force', '--interactive', '--dir', '--verbose', '--one-file-system', '--no-preserve-root', '--preserve-root', '--ignore-fail-on-non-empty', '--parents', '--remove', '--zero', '--exact'],
    values: ['-n', '--iterations', '-s', '--size'],
  });
  const recursive = c.name === 'rm' && (parsed.has('-r') || parsed.has('-R') || parsed.has('--recursive'));
  const flags = [recursive ? '-r' : '', parsed.has('-f') || parsed.has('--force') ? '-f' : ''].filter(Boolean);
  c.argv = [c.name, ...flags, ...parsed.operands.map(argText)];
  for (const w of parsed.operands) c.delete(w, recursive || c.name === 'rmdir' ? recursive : false);
  c.passthrough = false;
});

register(['mv', 'cp', 'install', 'ln', 'link'], (c) => {
  const parsed = operands(c, {
    values: ['-t', '--target-directory', '-S', '--suffix', '-m', '--mode', '-o', '--owner', '-g', '--group', '--backup', '--reflink', '--preserve', '--no-preserve', '--sparse', '--context'],
    optionalValues: ['--backup', '--reflink', '--preserve'],
    noValueShort: 'rRafinpuvlsLPdxTbHDFZ',
    flagsLong: ['--recursive', '--archive', '--force', '--symbolic', '--no-dereference'],
  });
  const target = parsed.value('-t') ?? parsed.value('--target-directory');
  let ops = parsed.operands;
  let dest: Word | undefined = target;
  if (!dest && ops.length >= 2) {
    dest = ops[ops.length - 1];
    ops = ops.slice(0, -1);
  }
  for (const w of ops) {
    if (c.name === 'cp' || c.name === 'install') c.read(w);
    // Moving or linking changes the path where it stood, and everything under it.
    else c.write(w, c.name, c.name === 'mv' || undefined);
  }
  // A recursive copy or a link can replace what is under the destination.
  const recursiveDest = c.name === 'ln' || c.name === 'link' || (c.name === 'cp' && (parsed.has('-r') || parsed.has('-R') || parsed.has('-a') || parsed.has('--recursive') || parsed.has('--archive')));
  if (dest) c.write(dest, c.name, recursiveDest || undefined);
  c.passthrough = false;
});

register(['touch', 'mkdir', 'truncate', 'mkfifo', 'mknod', 'chattr', 'setfacl', 'chmod', 'chown', 'chgrp', 'utimes'], (c) => {
  const parsed = operands(c, {
    values: ['-m', '--mode', '-s', '--size', '-r', '--reference', '-d', '--date', '-t', '-Z', '--context'],
    flagsLong: ['--recursive', '--parents', '--verbose', '--changes', '--silent', '--quiet', '--no-create', '--dereference', '--no-dereference', '--preserve-root', '--no-preserve-root'],
    noValueShort: c.name === 'touch' ? 'acfhm' : 'RvcfhHLPp',
  });
  let ops = parsed.operands;
  const recursive = parsed.has('-R') || parsed.has('--recursive');
  const modeLikeFlag = c.name === 'chmod' && c.args.some((w) => /^-[rwxXst]+$/.test(w.text));
  if (modeLikeFlag) {
    c.argv = [c.name, ...(recursive ? ['-R'] : []), ...ops.map(argText)];
  } else if (['chmod', 'chown', 'chgrp', 'setfacl', 'chattr'].includes(c.name) && !parsed.has('--reference') && ops.length) {
    const mode = ops[0];
    ops = ops.slice(1);
    c.argv = [c.name, ...(recursive ? ['-R'] : []), argText(mode), ...ops.map(argText)];
  } else if (c.name === 'chmod' && recursive) {
    c.argv = [c.name, '-R', ...ops.map(argText)];
  }
  for (const w of ops) c.write(w);
  for (const r of parsed.values('--reference')) c.read(r);
  c.passthrough = false;
});

register(['tee'], (c) => {
  const parsed = operands(c, { flagsLong: ['--append', '--ignore-interrupts', '--output-error'] });
  for (const w of parsed.operands) c.write(w);
  c.literalOut = c.inv.stdin.literal;
});

register(['dd'], (c) => {
  for (const w of c.args) {
    const m = /^(if|of)=(.*)$/s.exec(w.text);
    if (!m) continue;
    const fw = { ...w, text: m[2] };
    if (m[1] === 'if') c.read(fw, 'dd if=');
    else c.write(fw, 'dd of=');
  }
});

register(['tar', 'bsdtar', 'gtar'], (c) => {
  const args = c.args;
  let mode = '';
  let archive: Word | undefined;
  let dir: Word | undefined;
  const ops: Word[] = [];
  for (let i = 0; i < args.length; i++) {
    const t = args[i].text;
    if (i === 0 && /^[a-zA-Z]+$/.test(t)) {
      // Old-style bundled options: `tar czf out.tgz src`.
      mode = t;
      if (t.includes('f')) archive = args[++i];
      continue;
    }
    if (t === '-f' || t === '--file') archive = args[++i];
    else if (/^--file=/.test(t)) archive = { ...args[i], text: t.slice(7) };
    else if (t === '-C' || t === '--directory') dir = args[++i];
    else if (/^-[a-zA-Z]*f$/.test(t)) {
      mode += t;
      archive = args[++i];
    } else if (/^(--to-command|--use-compress-program|-I|--checkpoint-action|--info-script|-F|--new-volume-script|--rsh-command|--rmt-command)/.test(t)) {
      c.opaque('exec-config', `tar ${t} runs a program`);
      if (!t.includes('=')) i++;
    } else if (/^--(create|extract|get|list|append|update|delete|diff|compare)$/.test(t)) mode += { create: 'c', extract: 'x', get: 'x', list: 't', append: 'r', update: 'u', delete: 'd', diff: 'd', compare: 'd' }[t.slice(2)];
    else if (/^-[a-zA-Z]+$/.test(t)) mode += t;
    else if (!t.startsWith('-')) ops.push(args[i]);
  }
  const create = /[cru]/.test(mode);
  const extract = /x/.test(mode);
  if (archive) {
    if (archive.text.includes(':') && !archive.text.startsWith('/')) c.network(archive.text.split(':')[0].replace(/^.*@/, ''));
    else if (create) c.write(archive);
    else c.read(archive);
  }
  if (create) for (const w of ops) c.read(w);
  if (extract) c.write(dir ?? lit('.'), 'tar -x');
});

register(['zip', '7z', '7za', 'unzip', 'jar'], (c) => {
  const ops = c.args.filter((w) => !w.text.startsWith('-'));
  if (c.name === 'unzip') {
    if (ops[0]) c.read(ops[0]);
    const d = c.args.findIndex((w) => w.text === '-d');
    c.write(d >= 0 && c.args[d + 1] ? c.args[d + 1] : lit('.'), 'unzip');
    return;
  }
  const [archive, ...files] = c.name === '7z' || c.name === '7za' ? ops.slice(1) : ops;
  if (archive) c.write(archive);
  for (const w of files) c.read(w);
});

register(['openssl'], (c) => {
  const args = c.args;
  let decode = false;
  for (let i = 0; i < args.length; i++) {
    const t = args[i].text;
    if (['-in', '-inkey', '-key', '-CAfile', '-cert', '-passin', '-kfile', '-signkey', '-CAkey'].includes(t) && args[i + 1]) {
      const v = args[i + 1];
      c.read(/^file:/.test(v.text) ? { ...v, text: v.text.slice(5) } : v, `openssl ${t}`);
      i++;
    } else if (t === '-out' && args[i + 1]) {
      c.write(args[++i], 'openssl -out');
    } else if (t === '-d' || t === '-base64' && args.some((w) => w.text === '-d')) decode = true;
    else if (t === '-connect' && args[i + 1]) {
      c.network(args[++i].text.replace(/:\d+$/, ''));
    }
  }
  if (decode) c.taints.add('decode');
});

register(['ssh-keygen', 'ssh-add', 'ssh-copy-id', 'gpg', 'age'], (c) => {
  const args = c.args;
  for (let i = 0; i < args.length; i++) {
    const t = args[i].text;
    if ((t === '-f' || t === '-i' || t === '--output' || t === '-o') && args[i + 1]) {
      c.read(args[i + 1], `${c.name} ${t}`);
      i++;
    } else if (!t.startsWith('-') && c.name === 'ssh-add') c.read(args[i]);
  }
  if (c.name === 'ssh-copy-id') c.network(args.filter((w) => !w.text.startsWith('-')).pop()?.text.replace(/^.*@/, '') ?? '*');
});

// Network --------------------------------------------------------------------

function urlHost(t: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(t);
  if (m) return m[1].toLowerCase();
  return undefined;
}

register(['curl', 'wget', 'http', 'https', 'xh', 'aria2c', 'lynx', 'links', 'w3m'], (c) => {
  const curlValues = ['-o', '--output', '-d', '--data', '--data-binary', '--data-raw', '--data-ascii', '--data-urlencode', '--json', '-F', '--form', '--form-string', '-T', '--upload-file', '-K', '--config', '-H', '--header', '-u', '--user', '-A', '--user-agent', '-e', '--referer', '-X', '--request', '-x', '--proxy', '-w', '--write-out', '-m', '--max-time', '--connect-timeout', '-b', '--cookie', '-c', '--cookie-jar', '-D', '--dump-header', '--url', '-E', '--cert', '--key', '--cacert', '--capath', '-r', '--range', '-Y', '-y', '--retry', '--resolve', '--connect-to', '-U', '--proxy-user', '--limit-rate', '-z', '--time-cond', '-C', '--continue-at', '--trace', '--trace-ascii', '--stderr', '--netrc-file', '--output-dir', '-P', '--directory-prefix', '-O', '--output-document', '-i', '--input-file', '--post-file', '--body-file', '--post-data', '--header', '-t', '--tries', '-T', '--timeout', '-a', '--append-output', '-U', '--user-agent', '--password', '--user', '-e', '--execute', '--load-cookies', '--save-cookies', '--ca-certificate', '--certificate', '--private-key', '-l', '--level', '-Q', '--quota', '--config'];
  const isWget = c.name === 'wget';
  const args = c.args;
  const hosts: string[] = [];
  let sawUrl = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    let t = w.text;
    let value: Word | undefined;
    let opt = t;
    const eq = t.startsWith('--') ? t.indexOf('=') : -1;
    if (eq > 0) {
      opt = t.slice(0, eq);
      value = { ...w, text: t.slice(eq + 1) };
    } else if (curlValues.includes(t)) {
      value = args[++i];
    } else if (/^-[a-zA-Z][^a-zA-Z]/.test(t) && curlValues.includes(t.slice(0, 2))) {
      // A short option with its value glued on: -d@file, -ofile.
      opt = t.slice(0, 2);
      value = { ...w, text: t.slice(2) };
    } else if (/^-[a-zA-Z]{2,}$/.test(t) && !isWget) {
      // bundled short flags, the last may take a value: -sSLo out
      const last = '-' + t[t.length - 1];
      if (curlValues.includes(last)) {
        opt = last;
        value = args[++i];
      }
    } else if (!t.startsWith('-')) {
      sawUrl = true;
      if (!w.exact) {
        hosts.push('*');
        continue;
      }
      hosts.push(urlHost(t) ?? urlHost('http://' + t) ?? '*');
      continue;
    }
    if (!value) continue;
    t = value.text;
    if (isWget) {
      if (['-O', '--output-document', '-o', '--output-file', '-a', '--append-output', '--save-cookies'].includes(opt) && t !== '-') c.write(value);
      else if (['-P', '--directory-prefix'].includes(opt)) c.write(value);
      else if (['-i', '--input-file', '--post-file', '--body-file', '--load-cookies', '--certificate', '--private-key', '--ca-certificate', '--config'].includes(opt)) c.read(value);
      else if (['-e', '--execute'].includes(opt)) c.opaque('exec-config', 'wget -e runs a wgetrc command');
      continue;
    }
    if (['-o', '--output', '-c', '--cookie-jar', '-D', '--dump-header', '--trace', '--trace-ascii', '--stderr', '--output-dir'].includes(opt)) {
      if (t !== '-') c.write(value);
    } else if (['-d', '--data', '--data-binary', '--data-ascii', '--data-urlencode', '--json'].includes(opt)) {
      const at = /^(?:[^=@]*=)?@(.+)$/s.exec(t);
      if (at && at[1] !== '-') c.read({ ...value, text: at[1] }, `${c.name} ${opt} @file`);
    } else if (['-F', '--form'].includes(opt)) {
      const at = /^[^=]*=[@<]([^;]+)/s.exec(t);
      if (at && at[1] !== '-') c.read({ ...value, text: at[1] }, `${c.name} ${opt} @file`);
    } else if (['-T', '--upload-file', '-K', '--config', '-E', '--cert', '--key', '--cacert', '-b', '--cookie', '--netrc-file'].includes(opt)) {
      if (opt !== '-b' && opt !== '--cookie' || t.includes('/') || !t.includes('=')) c.read(value);
    } else if (opt === '--url') {
      sawUrl = true;
      hosts.push(urlHost(t) ?? '*');
    }
  }
  if (!sawUrl && hosts.length === 0) hosts.push('*');
  for (const h of hosts) c.network(h);
  c.passthrough = false;
});

function hostOf(w: Word | undefined): string {
  if (!w || !w.exact) return '*';
  const t = w.text;
  return urlHost(t) ?? t.replace(/^[^@]*@/, '').replace(/:.*$/, '').toLowerCase();
}

register(['nc', 'ncat', 'netcat', 'telnet', 'socat', 'ftp', 'sftp', 'mosh', 'tftp', 'ssh', 'autossh'], (c) => {
  const valueOpts: Record<string, string[]> = {
    ssh: ['-b', '-c', '-D', '-E', '-e', '-F', '-I', '-i', '-J', '-L', '-l', '-m', '-O', '-o', '-p', '-Q', '-R', '-S', '-W', '-w', '-B'],
    nc: ['-p', '-s', '-w', '-x', '-X', '-i', '-I', '-O', '-T', '-V', '-q', '-e', '-c'],
  };
  const vals = valueOpts[c.name] ?? valueOpts[c.name === 'autossh' || c.name === 'sftp' || c.name === 'mosh' ? 'ssh' : 'nc'];
  const args = c.args;
  const ops: Word[] = [];
  for (let i = 0; i < args.length; i++) {
    const t = args[i].text;
    if (vals.includes(t)) {
      const v = args[i + 1];
      if (v && t === '-o' && /^(ProxyCommand|LocalCommand|PermitLocalCommand|KnownHostsCommand|Match)/i.test(v.text)) c.opaque('exec-config', `${c.name} -o ${v.text.split('=')[0]} runs a local command`);
      if (v && (t === '-e' || t === '-c') && c.name !== 'ssh') c.opaque('exec-config', `${c.name} ${t} runs a program for the connection`);
      if (v && t === '-F') c.read(v);
      i++;
      continue;
    }
    if (t.startsWith('-')) continue;
    ops.push(args[i]);
    if (c.name === 'ssh' || c.name === 'autossh' || c.name === 'mosh') break;
  }
  if (c.name === 'socat') {
    for (const w of ops) {
      if (/^(EXEC|SYSTEM):/i.test(w.text)) c.opaque('dynamic-code', 'socat EXEC/SYSTEM runs a program');
      const m = /^(?:TCP|TCP4|TCP6|UDP|OPENSSL|SSL)[^:]*:([^:,]+)/i.exec(w.text);
      if (m) c.network(m[1]);
    }
    if (!c.taints.has('network')) c.network('*');
    return;
  }
  c.network(hostOf(ops[0]));
  c.passthrough = false;
});

register(['scp', 'rsync', 'rclone'], (c) => {
  const parsed = operands(c, {
    values: ['-P', '-i', '-F', '-o', '-c', '-l', '-S', '-J', '-e', '--rsh', '--exclude', '--include', '--exclude-from', '--include-from', '--files-from', '--filter', '-f', '--port', '--password-file', '--log-file', '--backup-dir', '--suffix', '--temp-dir', '-T', '--partial-dir', '--chmod', '--chown', '--rsync-path', '--max-size', '--min-size', '--bwlimit', '--timeout', '--contimeout', '--compare-dest', '--copy-dest', '--link-dest'],
  });
  for (const o of ['-e', '--rsh', '--rsync-path']) if (parsed.values(o).length) c.opaque('exec-config', `${c.name} ${o} runs a program`);
  const ops = parsed.operands;
  if (ops.length === 0) return;
  const remote = (w: Word) => !w.exact || /^[^/]*:/.test(w.text) || /^rsync:\/\//.test(w.text);
  const dest = ops[ops.length - 1];
  const sources = ops.length > 1 ? ops.slice(0, -1) : ops;
  for (const s of sources) {
    if (remote(s)) c.network(hostOf({ ...s, text: s.text.replace(/^rsync:\/\//, '').replace(/:.*$/, '') }));
    else c.read(s);
  }
  if (ops.length > 1) {
    if (remote(dest)) c.network(hostOf({ ...dest, text: dest.text.replace(/^rsync:\/\//, '').replace(/:.*$/, '') }));
    else c.write(dest);
  }
});

// Package managers and tools ------------------------------------------------------

const NPM_ALIASES: Record<string, string> = {
  i: 'install', in: 'install', ins: 'install', inst: 'install', insta: 'install', instal: 'install', isnt: 'install', isnta: 'install', isntal: 'install', isntall: 'install', add: 'install', install: 'install',
  ci: 'ci', ic: 'ci', 'clean-install': 'ci', 'install-clean': 'ci', isntaller: 'install',
  it: 'install-test', cit: 'install-ci-test', 'install-ci-test': 'install-ci-test', 'install-test': 'install-test',
  x: 'exec', exec: 'exec',
  run: 'run', 'run-script': 'run', rum: 'run', urn: 'run',
  t: 'test', tst: 'test', test: 'test',
  un: 'uninstall', uninstall: 'uninstall', unlink: 'uninstall', remove: 'uninstall', rm: 'uninstall', r: 'uninstall',
  up: 'update', update: 'update', upgrade: 'update', udpate: 'update',
  ln: 'link', link: 'link',
};
const NPM_VALUE_OPTS = ['--prefix', '-C', '--registry', '--cache', '--userconfig', '--globalconfig', '--loglevel', '-w', '--workspace', '--tag', '--otp', '--script-shell', '--node-options', '-p', '--package', '--call', '-c'];

register(['npm', 'pnpm', 'yarn', 'bun', 'npx', 'pnpx', 'bunx'], (c) => {
  const args = c.args;
  let i = 0;
  const pre: string[] = [];
  if (c.name === 'npx' || c.name === 'pnpx' || c.name === 'bunx') return npmExec(c, args, c.name);
  while (i < args.length && args[i].text.startsWith('-')) {
    const t = args[i].text;
    if (/^--script-shell|^--node-options/.test(t)) c.opaque('exec-config', `${c.name} ${t} changes what runs scripts`);
    pre.push(t);
    if (NPM_VALUE_OPTS.includes(t)) pre.push(args[++i]?.text ?? '');
    i++;
  }
  const subWord = args[i];
  if (!subWord) return;
  const sub = c.name === 'npm' || c.name === 'pnpm' ? NPM_ALIASES[subWord.text] ?? subWord.text : subWord.text;
  const rest = args.slice(i + 1);
  const prefixIdx = args.findIndex((w) => /^(--prefix|-C|--dir|--cwd)(=|$)/.test(w.text));
  if (prefixIdx >= 0) {
    const w = args[prefixIdx];
    const v = w.text.includes('=') ? { ...w, text: w.text.slice(w.text.indexOf('=') + 1) } : args[prefixIdx + 1];
    const dir = v ? c.a.resolvePath(v, c.state) : undefined;
    const ws = c.a.env.workspace;
    if (dir === undefined || !(dir === ws || dir.startsWith(ws + '/'))) c.opaque('script', `${c.name} ${w.text}: runs the package scripts of another folder`);
  }
  for (const w of rest) if (/^--script-shell|^--node-options/.test(w.text)) c.opaque('exec-config', `${c.name} ${w.text} changes what runs scripts`);
  if (sub === 'exec' || (c.name === 'pnpm' && sub === 'dlx') || (c.name === 'yarn' && sub === 'dlx')) return npmExec(c, rest, `${c.name} ${sub}`);
  c.argv = [c.name, sub, ...rest.map(argText), ...pre];
});

function npmExec(c: Call, args: Word[], what: string): Stream | void {
  for (let i = 0; i < args.length; i++) {
    const t = args[i].text;
    if (t === '-c' || t === '--call') {
      const w = args[i + 1];
      if (w) {
        c.transparent = true;
        return c.code(w.text, w.exact, w.taints, `${what} -c`);
      }
    }
    const m = /^--call=(.*)$/s.exec(t);
    if (m) {
      c.transparent = true;
      return c.code(m[1], args[i].exact, args[i].taints, `${what} -c`);
    }
  }
  const base = c.name === 'npx' || c.name === 'pnpx' || c.name === 'bunx' ? [c.name] : [c.name, 'exec'];
  c.argv = [...base, ...args.map(argText)];
  // The package's program runs too: judge it as itself (e.g. `npx agentpolicy disable`).
  const valueOpts = ['-p', '--package', '--cache', '--registry', '-w', '--workspace', '--prefix'];
  let i = 0;
  while (i < args.length && args[i].text.startsWith('-')) i += valueOpts.includes(args[i].text) ? 2 : 1;
  if (i < args.length) {
    const pkg = args[i].text.replace(/@[^/@]*$/, '').replace(/^@[^/]+\//, '');
    const words = [{ ...args[i], text: pkg }, ...args.slice(i + 1)];
    const saved = c.a.currentCommand;
    runProgram(c.a, { ...c.inv, words, assignments: [], bypassFunctions: true });
    void saved;
  }
}

register(['tsc'], (c) => {
  c.passthrough = false;
  const args = c.args;
  for (let i = 0; i < args.length; i++) {
    const m = /^--?(outDir|outFile|out|declarationDir|tsBuildInfoFile|generateTrace|project|p)(?:=(.*))?$/.exec(args[i].text);
    if (!m) continue;
    const v = m[2] !== undefined ? { ...args[i], text: m[2] } : args[++i];
    if (!v) continue;
    if (m[1] === 'project' || m[1] === 'p') c.read(v, 'tsc --project');
    else c.write(v, `tsc --${m[1]}`, true);
  }
});

register(['pip', 'pip3', 'pipx', 'uv', 'poetry', 'conda', 'mamba', 'gem', 'cargo', 'go', 'apt', 'apt-get', 'aptitude', 'dnf', 'yum', 'brew', 'apk', 'pacman', 'zypper', 'snap', 'flatpak', 'composer', 'mvn', 'gradle', 'make', 'cmake', 'eslint', 'prettier', 'vitest', 'jest', 'mocha', 'pytest', 'ruff', 'mypy', 'black', 'esbuild', 'vite', 'webpack', 'rustc', 'gcc', 'g++', 'cc', 'clang'], (c) => {
  // The command pattern decides; arguments may name files the tool reads or writes.
  const argv = c.args.filter((w) => !w.text.startsWith('-'));
  void argv;
  c.passthrough = false;
});

register(['docker', 'podman', 'nerdctl'], (c) => {
  const args = c.args;
  let i = 0;
  const vals = ['--context', '-c', '-H', '--host', '--config', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey', '--url', '--connection', '--root', '--runroot'];
  while (i < args.length && args[i].text.startsWith('-')) {
    if (vals.includes(args[i].text)) i++;
    i++;
  }
  let rest = args.slice(i).map(argText);
  // `docker container run` is `docker run`.
  if (['container', 'image', 'network', 'volume'].includes(rest[0]) && rest.length > 1 && rest[0] === 'container') rest = rest.slice(1);
  c.argv = [c.name, ...rest];
});

HANDLERS.git = runGit;

register(['kill', 'pkill', 'killall', 'skill', 'agentpolicy', 'code', 'code-insiders', 'cursor', 'systemctl', 'launchctl', 'crontab', 'at', 'vim', 'vi', 'nvim', 'nano', 'emacs', 'ed', 'ex', 'pico'], (c) => {
  if (['vim', 'vi', 'nvim', 'nano', 'emacs', 'ed', 'ex', 'pico'].includes(c.name)) {
    for (const w of c.args) if (!w.text.startsWith('-') && !w.text.startsWith('+')) c.write(w);
    return;
  }
  if (c.name === 'crontab' || c.name === 'at') c.opaque('dynamic-code', `${c.name} schedules commands to run later`);
});

const scriptHandler: Handler = (c) => {
  c.opaque('script', `runs ${c.program}, whose content is not analysed`);
  c.maybeFiles(c.args);
};

const unknownHandler: Handler = (c) => {
  c.maybeFiles(c.args);
};

// Helpers ----------------------------------------------------------------------

function wrapAfter(h: Handler | undefined, after: (c: Call) => void): Handler {
  return (c) => {
    const out = h?.(c);
    after(c);
    return out;
  };
}

export function lit(text: string): Word {
  return { text, exact: true, glob: false, taints: new Set(), source: text };
}

function decodeEscapes(s: string): string {
  return s.replace(/\\(n|t|r|\\|a|b|e|f|v|0[0-7]{0,3}|x[0-9A-Fa-f]{1,2})/g, (_m, e: string) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '\\':
        return '\\';
      case 'a':
        return '\x07';
      case 'b':
        return '\b';
      case 'e':
        return '\x1b';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case 'x':
        return String.fromCharCode(parseInt(e.slice(1), 16));
      default:
        return String.fromCharCode(parseInt(e.slice(1) || '0', 8));
    }
  });
}

/** Enough of printf(1) to know what literal text a pipe into a shell carries. */
function printf(format: string, args: string[]): string {
  let out = '';
  let ai = 0;
  do {
    out += decodeEscapes(format).replace(/%(%|[-+ #0]*\d*(?:\.\d+)?[sbdiouxXcq])/g, (_m, spec: string) => {
      if (spec === '%') return '%';
      const v = args[ai++] ?? '';
      return spec.endsWith('b') ? decodeEscapes(v) : v;
    });
  } while (ai < args.length && /%[^%]/.test(format));
  return out;
}
