import * as path from 'path';
import type { Action, OpaqueReason } from '../actions/types';
import { NO_FACTS, type FileFacts } from './facts';
import { parseBash, type SyntaxNode } from './parser';
import { recognizePlumbing } from './plumbing';
import { emitPath, escapeInvisible, isPlainPagerAssignment, runProgram, writeContent } from './run';
import {
  cloneState,
  isSink,
  NO_INPUT,
  unionTaints,
  unknownStream,
  type Analysis,
  type Engine,
  type FunctionDef,
  type LineChanges,
  type ShellEnv,
  type ShellState,
  type SimpleCommand,
  type Stream,
  type Var,
} from './types';
import {
  DEFAULT_IFS,
  embeddedCode,
  ExpansionLimitError,
  decodeAnsiC,
  doubleQuotedText,
  INVISIBLE,
  segmentsToWords,
  unquotedSegments,
  type Segment,
  type Taint,
  type Word,
} from './words';

export type { Analysis, ShellEnv, ShellState, SimpleCommand, Stream } from './types';
export { cloneState, isSink, NO_INPUT, unionTaints, unknownStream } from './types';

const MAX_LINE = 65536;
const MAX_DEPTH = 64;
const MAX_NODES = 50000;
const MAX_COMMANDS = 2000;

/**
 * Finds every simple command a bash line could run and the typed actions they imply.
 * Never throws: anything it cannot follow becomes an `opaque` action.
 */
export function analyzeCommandLine(line: string, env: ShellEnv): Analysis {
  const a = new Analyzer(env);
  // An agent's own wrapper around its command: the command is what is judged.
  const plumbing = recognizePlumbing(line);
  if (plumbing) a.result.plumbing = plumbing;
  if (plumbing && plumbing.command === undefined) return a.result;
  a.analyzeCode(plumbing?.command ?? line, a.initialState(), NO_INPUT, 0);
  return a.result;
}

export class Analyzer implements Engine {
  readonly result: Analysis = { commands: [], actions: [] };
  readonly facts: FileFacts;
  readonly changes: LineChanges = { paths: new Set(), folders: new Set(), unknown: false, links: new Map(), marks: new Map() };
  private nodes = 0;
  private commandIndex = -1;
  private secretVars: ReadonlyMap<string, string> | undefined;

  constructor(readonly env: ShellEnv) {
    this.facts = env.facts ?? NO_FACTS;
  }

  initialState(): ShellState {
    const functions = new Map<string, FunctionDef>();
    for (const [name, body] of Object.entries(this.env.shellFunctions ?? {})) {
      functions.set(name, body === undefined ? { changesCwd: false, unknownBody: true } : { changesCwd: false, body });
    }
    return { cwd: this.env.cwd, oldpwd: undefined, dirStack: [], vars: new Map(), functions, aliases: new Set(), fds: new Map() };
  }

  get commands(): SimpleCommand[] {
    return this.result.commands;
  }

  /** Index of the simple command being analysed (for action attribution). */
  get currentCommand(): number {
    return this.commandIndex;
  }

  setCurrentCommand(index: number): void {
    this.commandIndex = index;
  }

  emit(action: Action): void {
    this.result.actions.push(action);
    // What the line changes on disk, whatever subshell does it: a script changed first is not the tracked one.
    if (action.kind === 'file.write' || action.kind === 'file.delete') {
      if (action.glob) this.changes.unknown = true;
      else if (action.recursive) this.changes.folders.add(action.path);
      else this.changes.paths.add(action.path);
    }
  }

  /** The program prints these environment values (undefined: all): each secret variable among them is a read of its file. */
  printsEnvironment(names: readonly string[] | undefined, via: string, state: ShellState): void {
    for (const [name, file] of this.secretVariables()) {
      if ((names && !names.includes(name)) || state.vars.has(name)) continue;
      this.emit({ kind: 'file.read', path: file, via: `${via} prints $${name} (defined in ${path.posix.basename(file)})`, command: this.commandIndex });
    }
  }

  private secretVariables(): ReadonlyMap<string, string> {
    return (this.secretVars ??= this.facts.secretVariables());
  }

  /** `$NAME` where NAME holds a secret from the environment: expanding it reads that secret. */
  private secretExpansion(name: string, state: ShellState): void {
    if (state.vars.has(name)) return;
    const file = this.secretVariables().get(name);
    if (file !== undefined) this.emit({ kind: 'file.read', path: file, via: `expands $${name} (a secret defined in ${path.posix.basename(file)})`, command: this.commandIndex });
  }

  opaque(reason: OpaqueReason, detail: string): void {
    this.emit({ kind: 'opaque', reason, detail, command: this.commandIndex });
  }

  recordCommand(cmd: SimpleCommand): number {
    if (this.result.commands.length >= MAX_COMMANDS) throw new ExpansionLimitError('too many commands');
    this.result.commands.push(cmd);
    this.commandIndex = this.result.commands.length - 1;
    return this.commandIndex;
  }

  /** Parses and walks code: the line itself, `bash -c` strings, eval text, here-docs fed to shells. */
  analyzeCode(code: string, state: ShellState, stdin: Stream, depth: number, fallback = false): Stream {
    if (code.length > MAX_LINE) {
      this.opaque('too-complex', `command text of ${code.length} characters is longer than the ${MAX_LINE} analysed`);
      return unknownStream(stdin.taints);
    }
    if (depth > MAX_DEPTH) {
      this.opaque('too-complex', `code nested more than ${MAX_DEPTH} levels deep`);
      return unknownStream(stdin.taints);
    }
    if (INVISIBLE.test(code)) {
      // bash does not split on these, tree-sitter may: the words are not what they look like.
      this.opaque('lookalike-char', `the text contains invisible or non-IFS whitespace characters (${escapeInvisible(code.match(INVISIBLE)![0])})`);
    }
    // `time` and `!` before a pipeline change its timing or status, not what runs; the grammar
    // misreads them before `{ … }`, so they are dropped before parsing.
    code = braceParameters(joinContinuations(code)).replace(/(^|[;&|({\n]|&&|\|\||\b(?:then|do|else)\b)([ \t]*)(?:(?:time(?:[ \t]+-p)?|!)[ \t]+)+(?=\S)/g, '$1$2');
    let tree;
    try {
      tree = parseBash(code);
      if (tree.rootNode.hasError) {
        // tree-sitter-bash reads `{a,b}` in command position as a group; bash reads a brace expansion.
        // `time` and `!` before a compound command, and `<>`, are bash the grammar lacks; they do not change what runs.
        const fixed = code
          .replace(/(^|[;&|(`\n]|\$\(|\b(?:then|do|else|elif)[ \t]+)([ \t]*)\{(?=[^\s{}]*[,.][^\s{}]*\})/g, '$1$2command {')
          .replace(/(\d?)<>[ \t]*([^\s;&|<>()]+)/g, '$1<$2 $1>>$2');
        if (fixed !== code) {
          const retry = parseBash(fixed);
          if (!retry.rootNode.hasError) {
            tree.delete();
            tree = retry;
            code = fixed;
          } else retry.delete();
        }
      }
      if (!tree.rootNode.hasError && lostText(tree.rootNode, code)) {
        // The grammar drops a lone `-` before a numbered redirection (`tar czf - 2>/dev/null x`) without
        // an error: quote it so it stays a word. Any other text left out of the tree is a parse error.
        const fixed = code.replace(/(^|[ \t])-(?=[ \t]+\d+[<>])/g, "$1'-'");
        const retry = fixed !== code ? parseBash(fixed) : undefined;
        if (retry && !retry.rootNode.hasError && !lostText(retry.rootNode, fixed)) {
          tree.delete();
          tree = retry;
          code = fixed;
        } else {
          retry?.delete();
          this.opaque('parse-error', 'the shell grammar left part of the text out of its tree; bash may read it differently');
        }
      }
    } catch (e) {
      this.opaque('parse-error', `cannot parse: ${(e as Error).message}`);
      return unknownStream(stdin.taints);
    }
    try {
      if (!tree.rootNode.hasError) return this.walk(tree.rootNode, state, stdin, depth);
      this.opaque('parse-error', 'the shell grammar does not accept this text; bash may read it differently');
      const out = this.walk(tree.rootNode, state, stdin, depth);
      // Where the grammar gives up (e.g. unescaped nested backticks), bash may still run the
      // pieces: judge each piece between separators too, so a visible deny still denies.
      if (!fallback) {
        for (const piece of code.split(/[`;&|(){}\n]+/)) {
          if (piece.trim() && piece.trim() !== code.trim()) this.analyzeCode(piece, cloneState(state), NO_INPUT, depth + 1, true);
        }
      }
      return out;
    } catch (e) {
      if (e instanceof ExpansionLimitError || e instanceof RangeError) {
        this.opaque('too-complex', e.message);
        return unknownStream(stdin.taints);
      }
      throw e;
    } finally {
      tree.delete();
    }
  }

  /** Walks a statement node; returns what it writes to standard output. */
  walk(node: SyntaxNode, state: ShellState, stdin: Stream, depth: number): Stream {
    if (++this.nodes > MAX_NODES) throw new ExpansionLimitError('command line too large to analyse');
    if (depth > MAX_DEPTH) throw new ExpansionLimitError(`code nested more than ${MAX_DEPTH} levels deep`);
    switch (node.type) {
      case 'comment':
      case 'heredoc_body':
      case 'heredoc_start':
      case 'heredoc_end':
        return NO_INPUT;
      case 'command':
        return this.command(node, state, stdin, depth, []);
      case 'redirected_statement':
        return this.redirected(node, state, stdin, depth);
      case 'pipeline':
        return this.pipeline(named(node), state, stdin, depth);
      case 'subshell':
        return this.children(node, cloneState(state), stdin, depth);
      case 'variable_assignment':
        this.assign(node, state, depth, true);
        return NO_INPUT;
      case 'variable_assignments':
        for (const c of named(node)) if (c.type === 'variable_assignment') this.assign(c, state, depth, true);
        return NO_INPUT;
      case 'declaration_command':
        this.declaration(node, state, depth);
        return NO_INPUT;
      case 'unset_command':
        for (const c of named(node).slice(0)) {
          const words = this.expand(c, state, depth);
          for (const w of words) {
            if (/^-/.test(w.text)) continue;
            // zsh: `unset 'functions[NAME]'` removes the function NAME.
            const name = /^(?:functions|dis_functions|functions_source)\[(.+)\]$/.exec(w.text)?.[1] ?? w.text;
            state.vars.delete(name);
            state.functions.delete(name);
            this.emit({ kind: 'env.set', name, command: this.commandIndex });
          }
        }
        return NO_INPUT;
      case 'function_definition': {
        const name = node.childForFieldName('name');
        // Defining a function is setting a name (the guard's own functions are protected).
        if (name) this.emit({ kind: 'env.set', name: name.text, command: this.commandIndex });
        const body = node.childForFieldName('body');
        // The body could run whenever the function is called: judge it where it is defined.
        let def: FunctionDef = { changesCwd: false };
        if (body) {
          const inner = cloneState(state);
          this.walk(body, inner, unknownStream(new Set()), depth);
          if (inner.cwd !== state.cwd) def = { changesCwd: true, cwd: inner.cwd };
        }
        if (name) state.functions.set(name.text, def);
        return NO_INPUT;
      }
      case 'for_statement':
        return this.forLoop(node, state, depth);
      case 'test_command':
        // `[[ 'a[$(cmd)]' -eq 0 ]]` evaluates its operands arithmetically.
        this.embedded(node.text.replace(/^\[\[|\]\]$/g, ''), state, depth);
        return this.children(node, state, stdin, depth);
      case 'ERROR':
        this.opaque('parse-error', `unparsable text near "${clip(node.text)}"`);
        return this.children(node, state, stdin, depth);
      case 'file_redirect':
      case 'heredoc_redirect':
      case 'herestring_redirect':
        // A redirection with no command, e.g. `$(< .env)` or `> file`.
        return this.redirects([node], state, depth, stdin).stdin;
      default:
        if (isWordNode(node.type)) {
          this.expand(node, state, depth);
          return NO_INPUT;
        }
        return this.children(node, state, stdin, depth);
    }
  }

  private children(node: SyntaxNode, state: ShellState, stdin: Stream, depth: number): Stream {
    let out: Stream = NO_INPUT;
    for (const c of named(node)) out = this.walk(c, state, stdin, depth);
    return out;
  }

  private pipeline(stages: SyntaxNode[], state: ShellState, stdin: Stream, depth: number, lastRedirects?: SyntaxNode[]): Stream {
    let input = stdin;
    const taints = new Set<Taint>();
    for (const [k, stage] of stages.entries()) {
      const from = this.result.commands.length;
      // Each stage runs in a subshell: `cd` in one stage does not move the next.
      const last = k === stages.length - 1 && lastRedirects?.length;
      const out = last ? this.withRedirects(stage, lastRedirects!, cloneState(state), input, depth) : this.walk(stage, cloneState(state), input, depth);
      // What the pipe carries accumulates (a download stays a download through `grep`), except the
      // guard's pids: a filter that cannot select the guard drops them (`ps aux | grep vite`).
      for (const c of this.result.commands.slice(from)) for (const t of c.taints) if (t !== 'guard-pid') taints.add(t);
      for (const t of out.taints) if (t !== 'guard-pid') taints.add(t);
      input = { literal: out.literal, taints: new Set(out.taints.has('guard-pid') ? [...taints, 'guard-pid' as const] : taints), unknown: out.unknown };
    }
    return input;
  }

  private redirected(node: SyntaxNode, state: ShellState, stdin: Stream, depth: number, outer: SyntaxNode[] = []): Stream {
    const body = node.childForFieldName('body');
    const own = named(node).filter((c) => !body || c.id !== body.id);
    if (!body) return this.redirects([...own, ...outer], state, depth, stdin).stdin;
    return this.withRedirects(body, [...own, ...outer], state, stdin, depth);
  }

  /**
   * Runs a statement with redirections. The grammar hangs `a && b > f` and `a | b > f` on the whole
   * list or pipeline; bash gives them to the last command, after the earlier ones ran (a `cd`
   * there moves where `f` is).
   */
  private withRedirects(body: SyntaxNode, nodes: SyntaxNode[], state: ShellState, stdin: Stream, depth: number): Stream {
    if (body.type === 'list') {
      const parts = named(body);
      for (const p of parts.slice(0, -1)) this.walk(p, state, stdin, depth);
      return parts.length ? this.withRedirects(parts[parts.length - 1], nodes, state, stdin, depth) : NO_INPUT;
    }
    if (body.type === 'pipeline') return this.pipeline(named(body), state, stdin, depth, nodes);
    if (body.type === 'redirected_statement') return this.redirected(body, state, stdin, depth, nodes);
    const r = this.redirects(nodes, state, depth, stdin);
    let out: Stream;
    if (body.type === 'command') out = this.command(body, state, r.stdin, depth, [], r);
    else {
      // Descriptors a redirection opens for a group last while the group runs.
      const saved = new Map(state.fds);
      for (const [fd, st] of r.fds) state.fds.set(fd, st);
      out = this.walk(body, state, r.stdin, depth);
      state.fds.clear();
      for (const [fd, st] of saved) state.fds.set(fd, st);
      for (const w of r.writes) writeContent(this, w, out.taints, out.literal, 'redirection');
      if (r.outputs.length) this.feedOutputs(r.outputs, withTaints(out, this.result.commands.slice(-1)[0]?.taints ?? []), state, depth);
    }
    // tree-sitter puts what follows `<<EOF` on the same line (`| bash`, `&& x`) inside the here-doc node.
    for (const cont of r.continuations) {
      out = cont.piped ? this.pipeline([cont.node], state, out, depth) : this.walk(cont.node, state, NO_INPUT, depth);
    }
    return out;
  }

  /**
   * Handles redirections: file reads and writes become actions; here-docs and
   * here-strings become the command's standard input.
   */
  redirects(nodes: SyntaxNode[], state: ShellState, depth: number, stdin: Stream): Redirects {
    let input = stdin;
    const continuations: { node: SyntaxNode; piped: boolean }[] = [];
    const outputs: SyntaxNode[] = [];
    const fds = new Map<number, Stream>();
    const writes: string[] = [];
    // Input on descriptor N (`3<<< x`, `3< file`) is that descriptor's; on 0 (or none) it is standard input.
    const give = (r: SyntaxNode, s: Stream) => {
      const fd = descriptor(r);
      if (fd === undefined || fd === 0) input = s;
      else fds.set(fd, s);
    };
    for (const r of nodes) {
      if (r.type === 'herestring_redirect') {
        const words = named(r).filter((c) => c.type !== 'file_descriptor').flatMap((c) => this.expand(c, state, depth));
        const text = words.map((w) => w.text).join(' ');
        const exact = words.every((w) => w.exact);
        give(r, { literal: exact ? text + '\n' : undefined, taints: unionTaints(words), unknown: !exact });
      } else if (r.type === 'heredoc_redirect') {
        give(r, this.heredoc(r, state, depth, continuations));
      } else if (r.type === 'file_redirect' && named(r).some((c) => c.type === 'ERROR' && /^<+$/.test(c.text))) {
        // `3<<< text`: the grammar lacks numbered here-strings (it reads `3<` `<` `text`).
        const dest = r.childForFieldName('destination');
        const words = dest ? this.expand(dest, state, depth) : [];
        const exact = words.every((w) => w.exact);
        give(r, { literal: exact ? words.map((w) => w.text).join(' ') + '\n' : undefined, taints: unionTaints(words), unknown: !exact });
      } else if (r.type === 'file_redirect') {
        const dest = r.childForFieldName('destination') ?? named(r).find((c) => c.type !== 'file_descriptor');
        const op = kids(r).find((c) => !c.isNamed)?.type ?? '>';
        // `cmd > >(sh)`: the process substitution reads what the command writes.
        if (dest?.type === 'process_substitution' && !op.startsWith('<')) outputs.push(dest);
        else if ((op === '<&' || op === '<') && dest && /^\d+$/.test(dest.text) && op === '<&') {
          // `<&3`: standard input (or N) becomes what descriptor 3 holds.
          const from = Number(dest.text);
          give(r, fds.get(from) ?? state.fds.get(from) ?? (from === 0 ? input : { taints: new Set(), unknown: true }));
        } else {
          const s = this.fileRedirect(r, state, depth, input, writes);
          if (op.startsWith('<')) give(r, s);
        }
      } else {
        this.walk(r, state, NO_INPUT, depth);
      }
    }
    return { stdin: input, continuations, outputs, fds, writes, extraArgs: nodes.filter((r) => r.type === 'file_redirect').flatMap(extraDestinations) };
  }

  /** Runs the commands of `>(…)` with the writer's output as their input. */
  private feedOutputs(outputs: SyntaxNode[], out: Stream, state: ShellState, depth: number): void {
    for (const o of outputs) for (const c of named(o)) this.walk(c, cloneState(state), out, depth + 1);
  }

  private heredoc(r: SyntaxNode, state: ShellState, depth: number, continuations: { node: SyntaxNode; piped: boolean }[]): Stream {
    const start = named(r).find((c) => c.type === 'heredoc_start');
    const quoted = !!start && /['"\\]/.test(start.text);
    const stripTabs = kids(r).some((c) => c.type === '<<-');
    let literal: string | undefined;
    let taints = new Set<Taint>();
    let unknown = false;
    let piped = false;
    for (const c of kids(r)) {
      if (!c.isNamed) {
        if (c.type === '|' || c.type === '|&') piped = true;
        else if (['&&', '||', ';', '&'].includes(c.type)) piped = false;
        continue;
      }
      if (c.type === 'heredoc_body') {
        if (quoted) {
          literal = c.text;
        } else {
          if (c.text.includes('`')) this.embedded(c.text.replace(/\$\([^)]*\)/g, ''), state, depth);
          const segs = this.segments(c, state, depth, true);
          const exact = segs.every((s) => s.kind !== 'unresolved');
          taints = new Set(segs.flatMap((s) => (s.kind === 'unresolved' ? s.taints : [])));
          literal = exact ? segs.map((s) => (s.kind === 'fields' ? s.values.join(' ') : s.kind === 'literal' || s.kind === 'value' ? s.text : '')).join('') : undefined;
          unknown = !exact;
        }
        if (literal !== undefined && stripTabs) literal = literal.replace(/^\t+/gm, '');
      } else if (c.type !== 'heredoc_start' && c.type !== 'heredoc_end') {
        const first = kids(c)[0];
        continuations.push({ node: c, piped: piped || (c.type === 'pipeline' && first !== undefined && !first.isNamed && first.type.startsWith('|')) });
      }
    }
    return { literal, taints, unknown };
  }

  private fileRedirect(r: SyntaxNode, state: ShellState, depth: number, input: Stream, writesList: string[]): Stream {
    const op = kids(r).find((c) => !c.isNamed)?.type ?? '>';
    const dest = r.childForFieldName('destination') ?? named(r).find((c) => c.type !== 'file_descriptor');
    if (!dest) return input;
    if ((op === '>&' || op === '<&' || op === '>&-' || op === '<&-') && /^(\d+|-)$/.test(dest.text)) return input;
    if (dest.type === 'process_substitution') {
      const inner = this.processSubstitution(dest, state, depth);
      if (op.startsWith('<')) return { taints: inner.taints, unknown: true };
      return input;
    }
    const words = this.expand(dest, state, depth);
    const word = words[0];
    if (!word) return input;
    if (words.length > 1) this.opaque('unresolved-expansion', `redirection target "${dest.text}" expands to several words`);
    const reads = op === '<' || op === '<>' || op === '<&';
    const writes = op !== '<';
    const writesTo = writesList;
    const p = this.resolvePath(word, state);
    if (p === undefined) {
      this.opaque(word.glob ? 'glob' : 'unresolved-expansion', `redirection target "${word.source}" is not known before it runs`);
    } else {
      if (/^\/dev\/(tcp|udp)\//.test(p)) {
        const host = p.split('/')[3] ?? '*';
        this.emit({ kind: 'network', host, tool: 'bash /dev/tcp', command: this.commandIndex });
        return { taints: new Set<Taint>(['network']), unknown: true };
      }
      if (reads) emitPath(this, 'file.read', p, 'redirection', { glob: word.glob });
      if (writes && !isSink(p)) {
        emitPath(this, 'file.write', p, 'redirection', { glob: word.glob });
        if (!word.glob) writesTo.push(p);
      }
    }
    if (reads) {
      const taints = new Set(word.taints);
      if (p !== undefined && GUARD_STATE.test(p)) taints.add('guard-pid');
      return { taints, unknown: true };
    }
    return input;
  }

  /** Resolves a word to an absolute path, or undefined when it is not known statically. */
  resolvePath(word: Word, state: ShellState): string | undefined {
    if (!word.exact) return undefined;
    const t = word.text;
    if (t.startsWith('/')) return path.posix.normalize(t).replace(/(.)\/$/, '$1');
    if (state.cwd === undefined) return undefined;
    return path.posix.resolve(state.cwd, t);
  }

  private command(node: SyntaxNode, state: ShellState, stdin: Stream, depth: number, extraRedirects: SyntaxNode[], outer?: Redirects): Stream {
    const prefix: SyntaxNode[] = [];
    const words: Word[] = [];
    const redirects: SyntaxNode[] = [...extraRedirects];
    let sawName = false;
    for (const c of named(node)) {
      if (!sawName && c.type === 'variable_assignment') prefix.push(c);
      else if (c.type === 'command_name') {
        sawName = true;
        words.push(...this.expand(named(c)[0] ?? c, state, depth));
      } else if (c.type === 'file_redirect' || c.type === 'herestring_redirect' || c.type === 'heredoc_redirect') {
        redirects.push(c);
        // `cmd > f a b`: the grammar files `a b` under the redirection; bash gives them to the command.
        if (sawName) for (const x of extraDestinations(c)) words.push(...this.expand(x, state, depth));
      } else if (STATEMENTS.has(c.type)) this.walk(c, state, stdin, depth); // `time ( … )`: the grammar hangs the group on the command
      else if (sawName) words.push(...this.expand(c, state, depth));
      else prefix.push(c);
    }
    // The same for redirections the grammar hung on the statement around the command.
    for (const x of outer?.extraArgs ?? []) words.push(...this.expand(x, state, depth));
    const inner = this.redirects(redirects, state, depth, stdin);
    // Redirections on the statement around the command (`cmd 3<<< x`) apply to it too; its own win.
    const r: Redirects = outer ? { ...inner, fds: new Map([...outer.fds, ...inner.fds]), writes: [...outer.writes, ...inner.writes], outputs: [...outer.outputs, ...inner.outputs], extraArgs: [] } : inner;
    const assignments: Array<{ name: string; value: Word | undefined }> = [];
    for (const a of prefix) {
      if (a.type !== 'variable_assignment') continue;
      const x = this.assignmentParts(a, state, depth);
      // A pager variable set to a plain pager (`GIT_PAGER=cat`) cannot make anything else run.
      if (isPlainPagerAssignment(x.name, x.words[0])) continue;
      assignments.push({ name: x.name, value: x.words[0] });
    }
    if (words.length === 0) {
      // Only assignments: they set shell variables for the rest of the line.
      for (const a of prefix) if (a.type === 'variable_assignment') this.assign(a, state, depth, true);
      return r.stdin;
    }
    // `exec 3< file` (no command): the descriptors stay open for the rest of the shell.
    if (words.length === 1 && words[0].exact && words[0].text === 'exec') for (const [fd, st] of r.fds) state.fds.set(fd, st);
    const out = runProgram(this, { words, assignments, state, stdin: r.stdin, depth, fds: r.fds });
    for (const w of r.writes) writeContent(this, w, out.taints, out.literal, 'redirection');
    if (r.outputs.length) this.feedOutputs(r.outputs, withTaints(out, this.result.commands[this.commandIndex]?.taints ?? []), state, depth);
    return out;
  }

  /** `for v in a b c`: small literal lists are unrolled so each value is judged. */
  private forLoop(node: SyntaxNode, state: ShellState, depth: number): Stream {
    const variable = node.childForFieldName('variable');
    const body = node.childForFieldName('body');
    const valueNodes = kids(node).filter((c) => node.fieldNameForChild(kids(node).indexOf(c)) === 'value');
    const values = valueNodes.flatMap((v) => this.expand(v, state, depth));
    if (!variable || !body) return this.children(node, state, NO_INPUT, depth);
    this.emit({ kind: 'env.set', name: variable.text, command: this.commandIndex });
    const known = valueNodes.length > 0 && values.length <= 16 && values.every((v) => v.exact && !v.glob);
    if (known) {
      for (const v of values) {
        state.vars.set(variable.text, { scalar: v.text });
        this.walk(body, state, NO_INPUT, depth);
      }
    } else {
      state.vars.set(variable.text, { unknown: true });
      this.walk(body, state, NO_INPUT, depth);
    }
    return unknownStream(new Set());
  }

  private declaration(node: SyntaxNode, state: ShellState, depth: number): void {
    const keyword = kids(node)[0]?.type ?? '';
    const nameref = named(node).some((c) => c.type === 'word' && /^-[a-zA-Z]*n/.test(c.text));
    // `declare -p x`, `declare -f`, `export -p`, a bare `export`: listing (values too), not setting.
    const parts0 = named(node);
    const listing = parts0.some((c) => c.type === 'word' && /^-[a-zA-Z]*[pfF]/.test(c.text)) && !parts0.some((c) => c.type === 'variable_assignment');
    if (listing || (parts0.length === 0 && keyword !== 'local')) {
      if (!parts0.some((c) => c.type === 'word' && /^-[a-zA-Z]*[fF]/.test(c.text))) {
        const names = parts0.filter((c) => c.type !== 'word' || !c.text.startsWith('-')).map((c) => c.text);
        this.printsEnvironment(names.length ? names : undefined, `${keyword} ${node.text.slice(keyword.length).trim()}`.trim(), state);
      }
      return;
    }
    // The grammar can split one word (`AGENT''POLICY_X=1`) into touching pieces: bash reads one name.
    const parts = named(node);
    for (let i = 0; i + 1 < parts.length; i++) {
      if (parts[i + 1].startIndex !== parts[i].endIndex) continue;
      let j = i + 1;
      while (j + 1 < parts.length && parts[j + 1].startIndex === parts[j].endIndex) j++;
      const text = parts.slice(i, j + 1).map((p) => this.expand(p, state, depth).map((w) => w.text).join('')).join('');
      const m = /^([^=]+)=(.*)$/s.exec(text);
      this.emit({ kind: 'env.set', name: m ? m[1] : text, value: m ? m[2] : undefined, command: this.commandIndex });
      i = j;
    }
    for (const c of named(node)) {
      if (c.type === 'variable_assignment' && /['"\\$]/.test(c.childForFieldName('name')?.text ?? '')) {
        // `export AGENT''POLICY_X=1`: quote removal makes the real name.
        for (const w of this.expand(c, state, depth)) {
          const m = /^([^=]+)=(.*)$/s.exec(w.text);
          if (m) this.emit({ kind: 'env.set', name: m[1], value: w.exact ? m[2] : undefined, command: this.commandIndex });
          else this.opaque('unresolved-expansion', `${keyword} ${w.source}: the variable name is only known when the line runs`);
        }
      } else if (c.type === 'variable_assignment') {
        this.assign(c, state, depth, true);
        if (nameref) {
          // declare -n r=NAME: assigning r assigns NAME.
          const target = this.assignmentParts(c, state, depth).words[0];
          if (target) this.emit({ kind: 'env.set', name: target.text.replace(/\[.*$/, ''), command: this.commandIndex });
        }
      } else if (c.type === 'variable_name') {
        if (keyword === 'export' || keyword === 'declare' || keyword === 'typeset' || keyword === 'readonly' || keyword === 'local') {
          this.emit({ kind: 'env.set', name: c.text, command: this.commandIndex });
        }
      } else if (c.type !== 'word' || !/^-/.test(c.text)) {
        // `export $A=1`: the name itself is an expansion.
        for (const w of this.expand(c, state, depth)) {
          const m = /^([^=]+)=(.*)$/s.exec(w.text);
          const name = m ? m[1] : w.text;
          if (!w.exact && !m) {
            this.opaque('unresolved-expansion', `${keyword} ${w.source}: the variable name is only known when the line runs`);
            continue;
          }
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
            this.opaque('unresolved-expansion', `${keyword} ${w.source}: the variable name is only known when the line runs`);
            continue;
          }
          this.emit({ kind: 'env.set', name, value: m && w.exact ? m[2] : undefined, command: this.commandIndex });
          state.vars.set(name, m && w.exact ? { scalar: m[2] } : { unknown: true });
        }
      }
    }
  }

  private assignmentParts(node: SyntaxNode, state: ShellState, depth: number): { name: string; words: Word[]; array?: string[]; exact: boolean } {
    const nameNode = node.childForFieldName('name');
    const valueNode = node.childForFieldName('value');
    const name = (nameNode?.text ?? node.text.split('=')[0]).replace(/\[.*$/, '');
    if (!valueNode) return { name, words: [], exact: true };
    if (valueNode.type === 'array') {
      const words = named(valueNode).flatMap((c) => this.expand(c, state, depth));
      return { name, words, array: words.map((w) => w.text), exact: words.every((w) => w.exact) };
    }
    // An assignment's value is not split or globbed, but tilde and quotes still apply.
    const segs = this.segments(valueNode, state, depth, false).map((s) => (s.kind === 'value' ? { ...s, quoted: true } : s));
    const words = segmentsToWords(segs, valueNode.text, (u) => this.tilde(u, state));
    const joined: Word = words.length
      ? { text: words.map((w) => w.text).join(' '), exact: words.every((w) => w.exact), glob: false, taints: unionTaints(words), source: valueNode.text }
      : { text: '', exact: true, glob: false, taints: new Set(), source: valueNode.text };
    return { name, words: [joined], exact: joined.exact };
  }

  /**
   * zsh's special hashes: `functions[NAME]=…` defines the function NAME (the guard's trap is one),
   * `options[NAME]=off` changes an option, `commands[NAME]=PATH` makes NAME run another program.
   */
  private zshSpecial(node: SyntaxNode, parts: { name: string; words: Word[] }, state: ShellState): boolean {
    const nameNode = node.childForFieldName('name');
    const sub = nameNode ? /^[A-Za-z_]+\[(.*)\]$/s.exec(nameNode.text)?.[1] : undefined;
    const key = sub?.replace(/^['"]|['"]$/g, '');
    switch (parts.name) {
      case 'functions':
      case 'dis_functions':
      case 'functions_source':
        if (key === undefined) this.opaque('guard-bypass', `assigning zsh's ${parts.name} replaces every function, the guard's trap included`);
        else {
          this.emit({ kind: 'env.set', name: key, command: this.commandIndex });
          state.functions.set(key, { changesCwd: true, cwd: undefined });
        }
        return true;
      case 'options': {
        const opt = (key ?? '').toLowerCase().replace(/_/g, '');
        if (key === undefined || opt === 'debugbeforecmd' || opt === 'nodebugbeforecmd' || !parts.words.every((w) => w.exact)) {
          this.opaque('guard-bypass', `assigning zsh's options${sub !== undefined ? `[${key}]` : ''} changes how the guard's trap runs`);
        }
        return true;
      }
      case 'commands':
      case 'builtins':
      case 'aliases':
      case 'galiases':
      case 'saliases':
        this.opaque('exec-config', `assigning zsh's ${parts.name}${sub !== undefined ? `[${key}]` : ''} makes a name run something else`);
        if (key !== undefined && parts.name.endsWith('aliases')) state.aliases.add(key);
        return true;
      default:
        return false;
    }
  }

  /** `NAME=…`, `NAME+=…`, `NAME++` inside arithmetic set variables. */
  arithmeticAssignments(text: string): void {
    for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:[-+*/%&|^]|<<|>>)?=(?!=)|([A-Za-z_][A-Za-z0-9_]*)\s*(?:\+\+|--)|(?:\+\+|--)\s*([A-Za-z_][A-Za-z0-9_]*)/g)) {
      this.emit({ kind: 'env.set', name: m[1] ?? m[2] ?? m[3], command: this.commandIndex });
    }
  }

  /** Analyses `$(…)` and backtick bodies inside literal text that bash may evaluate later. */
  embedded(text: string, state: ShellState, depth: number): void {
    if (!text.includes('`') && !text.includes('$(')) return;
    for (const code of embeddedCode(text)) this.analyzeCode(code, cloneState(state), NO_INPUT, depth + 1);
  }

  /** A statement-level assignment or declaration: updates known variables and is an `env.set`. */
  private assign(node: SyntaxNode, state: ShellState, depth: number, emit: boolean): void {
    const parts = this.assignmentParts(node, state, depth);
    if (this.zshSpecial(node, parts, state)) return;
    if (isPlainPagerAssignment(parts.name, parts.words[0])) {
      state.vars.set(parts.name, { scalar: parts.words[0]?.text ?? '' });
      return;
    }
    const taints = [...new Set(parts.words.flatMap((w) => [...w.taints]))];
    if (parts.array) state.vars.set(parts.name, parts.exact ? { array: parts.array } : { unknown: true, taints });
    else if (node.text.includes('+=')) state.vars.set(parts.name, { unknown: true, taints });
    else state.vars.set(parts.name, parts.exact ? { scalar: parts.words[0]?.text ?? '' } : { unknown: true, taints });
    // A subscript is arithmetic, and arithmetic runs substitutions: `a[$(cmd)]=1`.
    const nameNode = node.childForFieldName('name');
    if (nameNode) for (const c of named(nameNode)) this.segments(c, state, depth, true);
    // Text that looks like code stored for later (`x='a[$(cmd)]'`, then `$((x))`, `${x@P}`, `${!x}`).
    for (const w of parts.words) this.embedded(w.text, state, depth);
    if (emit) this.emit({ kind: 'env.set', name: parts.name, value: parts.exact ? parts.words[0]?.text : undefined, command: this.commandIndex });
  }

  home(user: string): string | undefined {
    if (user === '') return this.env.home;
    if (user === this.env.user) return this.env.home;
    if (user === 'root') return '/root';
    return path.posix.join(path.posix.dirname(this.env.home), user);
  }

  /** Expands a word node into fields. */
  expand(node: SyntaxNode, state: ShellState, depth: number): Word[] {
    const segs = this.segments(node, state, depth, false);
    return segmentsToWords(segs, node.text, (u) => this.tilde(u, state));
  }

  /** `~`, `~user`, `~+` (the working directory) and `~-` (the previous one, unknown here). */
  tilde(user: string, state: ShellState): string | undefined {
    if (user === '+') return state.cwd;
    if (user === '-') return state.oldpwd;
    return this.home(user);
  }

  /** Breaks a word node into segments, analysing any code inside it (substitutions run). */
  segments(node: SyntaxNode, state: ShellState, depth: number, quoted: boolean): Segment[] {
    if (++this.nodes > MAX_NODES) throw new ExpansionLimitError('command line too large to analyse');
    switch (node.type) {
      case 'word':
        if (!quoted && /\$[A-Za-z_{]/.test(node.text)) return this.wordWithExpansions(node.text, state);
        return quoted ? [{ kind: 'literal', text: node.text, quoted: true }] : unquotedSegments(node.text);
      case 'number':
      case 'brace_expression':
      case 'special_variable_name':
      case 'variable_name':
      case 'extglob_pattern':
      case 'regex':
        return quoted ? [{ kind: 'literal', text: node.text, quoted: true }] : unquotedSegments(node.text);
      case 'raw_string':
        return [{ kind: 'literal', text: node.text.slice(1, -1), quoted: true }];
      case 'ansi_c_string':
        return [{ kind: 'literal', text: decodeAnsiC(node.text.slice(2, -1)), quoted: true }];
      case 'string':
      case 'translated_string':
        return this.childSegments(node, state, depth, true, (t) => doubleQuotedText(t.replace(/^\$?"|"$/g, '')));
      case 'heredoc_body':
        return this.childSegments(node, state, depth, true, (t) => t.replace(/\\([$`\\\n])/g, (_m, ch: string) => (ch === '\n' ? '' : ch)));
      case 'string_content':
      case 'heredoc_content':
        return [{ kind: 'literal', text: quoted ? doubleQuotedText(node.text) : node.text, quoted: true }];
      case 'simple_expansion':
      case 'expansion':
        return [this.parameter(node, state, depth, quoted)];
      case 'command_substitution': {
        const taints = this.substitution(node, state, depth);
        return [{ kind: 'unresolved', source: node.text, quoted, taints: [...taints, 'substitution'] }];
      }
      case 'process_substitution': {
        const out = this.processSubstitution(node, state, depth);
        return [{ kind: 'unresolved', source: node.text, quoted, taints: [...out.taints, 'substitution'], content: out.literal }];
      }
      case 'arithmetic_expansion':
        this.arithmeticAssignments(node.text);
        for (const c of named(node)) this.segments(c, state, depth, true);
        return [{ kind: 'unresolved', source: node.text, quoted, taints: [] }];
      case 'concatenation':
        return this.childSegments(node, state, depth, quoted, (t) => (quoted ? t : t));
      default:
        // Anything else that can hold code (e.g. a test expression): analyse the code inside, keep the text.
        for (const c of named(node)) this.segments(c, state, depth, quoted);
        return quoted ? [{ kind: 'literal', text: node.text, quoted: true }] : unquotedSegments(node.text);
    }
  }

  /** A word in which the grammar left `$NAME`/`${NAME}` unparsed (e.g. after a quoted part). */
  private wordWithExpansions(text: string, state: ShellState): Segment[] {
    const out: Segment[] = [];
    const re = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))|\$\{[^}]*\}/g;
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) {
      // An escaped `\$` is literal.
      let bs = 0;
      for (let k = m.index - 1; k >= 0 && text[k] === '\\'; k--) bs++;
      if (bs % 2 === 1) continue;
      out.push(...unquotedSegments(text.slice(last, m.index)));
      const name = m[1] ?? m[2];
      if (name) this.secretExpansion(name, state);
      const v = name ? this.lookup(name, state) : undefined;
      if (v && 'scalar' in v) out.push({ kind: 'value', text: v.scalar, quoted: false });
      else if (v && 'array' in v) out.push({ kind: 'value', text: v.array[0] ?? '', quoted: false });
      else out.push({ kind: 'unresolved', source: m[0], quoted: false, taints: [] });
      last = m.index + m[0].length;
    }
    out.push(...unquotedSegments(text.slice(last)));
    return out;
  }

  /** Segments of a node's children, filling gaps between them with the node's own text. */
  private childSegments(node: SyntaxNode, state: ShellState, depth: number, quoted: boolean, gap: (t: string) => string): Segment[] {
    const out: Segment[] = [];
    let pos = node.startIndex;
    const text = node.text;
    const base = node.startIndex;
    const pushGap = (from: number, to: number) => {
      if (to <= from) return;
      let g = text.slice(from - base, to - base);
      if (node.type === 'string' || node.type === 'translated_string') {
        if (from === base) g = g.replace(/^\$?"/, '');
        if (to === node.endIndex) g = g.replace(/"$/, '');
        g = doubleQuotedText(g);
      } else if (node.type === 'heredoc_body') {
        g = gap(g);
      } else if (!quoted) {
        out.push(...unquotedSegments(g));
        return;
      }
      if (g) out.push({ kind: 'literal', text: g, quoted: true });
    };
    for (const c of named(node)) {
      pushGap(pos, c.startIndex);
      out.push(...this.segments(c, state, depth, quoted));
      pos = c.endIndex;
    }
    pushGap(pos, node.endIndex);
    return out;
  }

  private parameter(node: SyntaxNode, state: ShellState, depth: number, quoted: boolean): Segment {
    // Code inside `${x:-$(cmd)}` runs too.
    for (const c of named(node)) {
      if (c.type !== 'variable_name' && c.type !== 'special_variable_name') this.segments(c, state, depth, true);
    }
    const unresolved: Segment = { kind: 'unresolved', source: node.text, quoted, taints: [] };
    const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])(?:\[([^\]]*)\])?(.*?)\}?$/s.exec(node.text);
    if (!m || node.text.startsWith('${#') || node.text.startsWith('${!')) return unresolved;
    const [, name, index, rest] = m;
    if (/^:?[-=+?]/.test(rest)) {
      // The operand is expanded (and may run code); `:=`/`=` also assigns the variable.
      this.embedded(rest, state, depth);
      if (/^:?=/.test(rest)) {
        this.emit({ kind: 'env.set', name, command: this.commandIndex });
        if (!state.vars.has(name)) state.vars.set(name, { unknown: true });
      }
    }
    this.secretExpansion(name, state);
    if (node.type === 'expansion' && rest !== '' && !(rest.startsWith(':-') || rest.startsWith('-'))) return unresolved;
    const v = this.lookup(name, state);
    if (!v || 'unknown' in v) {
      if (v && 'unknown' in v && v.taints?.length) return { ...unresolved, taints: v.taints } as Segment;
      return unresolved;
    }
    if ('array' in v) {
      if (index === '@' || index === '*') {
        if (quoted && index === '@') return { kind: 'fields', values: v.array };
        return { kind: 'value', text: v.array.join(' '), quoted };
      }
      if (index === undefined || index === '0') return { kind: 'value', text: v.array[0] ?? '', quoted };
      if (/^\d+$/.test(index)) return { kind: 'value', text: v.array[Number(index)] ?? '', quoted };
      return unresolved;
    }
    if (index !== undefined && index !== '0' && index !== '@' && index !== '*') return unresolved;
    return { kind: 'value', text: v.scalar, quoted };
  }

  private lookup(name: string, state: ShellState): Var | undefined {
    const v = state.vars.get(name);
    if (v) return v;
    switch (name) {
      case 'HOME':
        return { scalar: this.env.home };
      case 'PWD':
        return state.cwd === undefined ? { unknown: true } : { scalar: state.cwd };
      case 'IFS':
        return { scalar: DEFAULT_IFS };
      case 'OLDPWD':
        return state.oldpwd === undefined ? undefined : { scalar: state.oldpwd };
      case 'USER':
      case 'LOGNAME':
        return this.env.user ? { scalar: this.env.user } : undefined;
      default:
        return undefined;
    }
  }

  /** Analyses `$(…)`/backticks; returns the taints of what it outputs. */
  substitution(node: SyntaxNode, state: ShellState, depth: number): Set<Taint> {
    return this.substitutionStream(node, state, depth).taints;
  }

  /** Analyses `$(…)`, backticks or `<(…)`; returns what the code outputs. */
  substitutionStream(node: SyntaxNode, state: ShellState, depth: number): Stream {
    const from = this.result.commands.length;
    const saved = this.commandIndex;
    const inner = cloneState(state);
    let out: Stream = NO_INPUT;
    if (node.text.startsWith('`')) {
      // Inside backticks bash removes the backslash before \ ` $ (and " in double quotes), then reads the text again.
      out = this.analyzeCode(node.text.slice(1, -1).replace(/\\([\\`$"])/g, '$1'), inner, NO_INPUT, depth + 1);
    } else for (const c of named(node)) out = this.walk(c, inner, NO_INPUT, depth + 1);
    this.commandIndex = saved;
    const taints = new Set<Taint>(out.taints);
    for (const c of this.result.commands.slice(from)) for (const t of c.taints) taints.add(t);
    return { literal: out.literal, taints, unknown: out.literal === undefined };
  }

  processSubstitution(node: SyntaxNode, state: ShellState, depth: number): Stream {
    return this.substitutionStream(node, state, depth);
  }
}

interface Redirects {
  stdin: Stream;
  continuations: { node: SyntaxNode; piped: boolean }[];
  outputs: SyntaxNode[];
  /** Descriptors other than 0 this command's redirections open. */
  fds: Map<number, Stream>;
  /** Files its output redirections write. */
  writes: string[];
  /** Words the grammar put after a redirection's target (`> f a b`): arguments of the command. */
  extraArgs: SyntaxNode[];
}

/** True when some non-blank source text is in no leaf of the tree (the grammar dropped it silently). */
function lostText(root: SyntaxNode, code: string): boolean {
  let pos = 0;
  const leaves: SyntaxNode[] = [root];
  while (leaves.length) {
    const n = leaves.pop()!;
    const kids = n.children;
    if (kids.length === 0 || n.type === 'heredoc_body' || n.type === 'comment' || n.type === 'raw_string' || n.type === 'string_content') {
      if (/\S/.test(code.slice(pos, n.startIndex))) return true;
      pos = Math.max(pos, n.endIndex);
      continue;
    }
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i];
      if (k) leaves.push(k);
    }
  }
  return /\S/.test(code.slice(pos));
}

/** A redirection's target words after the first: the grammar's home for `cmd > f a b`'s `a b`. */
function extraDestinations(r: SyntaxNode): SyntaxNode[] {
  return r.childrenForFieldName('destination').filter((c): c is SyntaxNode => c !== null && c.isNamed).slice(1);
}

/** Paths of the guard's own state: a pid read from there is the guard's. */
const GUARD_STATE = /\/(\.?agentpolicy|agent-policy)(\/|$)/;

/** The descriptor a redirection names (`3<`), if any. */
function descriptor(r: SyntaxNode): number | undefined {
  const d = named(r).find((c) => c.type === 'file_descriptor');
  return d ? Number(d.text) : undefined;
}

function withTaints(s: Stream, taints: readonly Taint[]): Stream {
  return { ...s, taints: new Set([...s.taints, ...taints]) };
}

/** Nodes that are code, not words, wherever the grammar puts them. */
const STATEMENTS = new Set(['subshell', 'compound_statement', 'if_statement', 'for_statement', 'c_style_for_statement', 'while_statement', 'case_statement', 'pipeline', 'list', 'redirected_statement', 'negated_command', 'function_definition']);

function isWordNode(type: string): boolean {
  return ['word', 'string', 'raw_string', 'ansi_c_string', 'concatenation', 'simple_expansion', 'expansion', 'command_substitution', 'process_substitution', 'arithmetic_expansion', 'number', 'translated_string'].includes(type);
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}

export { MAX_LINE };

/** Named children, without the nulls the binding's types allow. */
export function named(n: SyntaxNode): SyntaxNode[] {
  return n.namedChildren.filter((c): c is SyntaxNode => c !== null);
}

export function kids(n: SyntaxNode): SyntaxNode[] {
  return n.children.filter((c): c is SyntaxNode => c !== null);
}

/**
 * Removes backslash-newline pairs as bash does before splitting words (outside single
 * quotes), so `gi\\<newline>t` is `git`.
 */
export function joinContinuations(code: string): string {
  if (!code.includes('\\\n')) return code;
  let out = '';
  let single = false;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (single) {
      if (ch === "'") single = false;
      out += ch;
      continue;
    }
    if (ch === "'") {
      single = true;
      out += ch;
    } else if (ch === '\\' && i + 1 < code.length) {
      if (code[i + 1] === '\n') {
        i++;
        continue;
      }
      out += ch + code[++i];
    } else out += ch;
  }
  return out;
}

/**
 * Rewrites `$NAME` as `${NAME}` outside single quotes: the same to bash, but tree-sitter-bash
 * mis-tokenises `'x'$NAME` (it splits after the `$`).
 */
export function braceParameters(code: string): string {
  if (!/['"]\$[A-Za-z_]/.test(code)) return code;
  let out = '';
  let single = false;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (single) {
      if (ch === "'") single = false;
      out += ch;
    } else if (ch === "'") {
      single = true;
      out += ch;
    } else if (ch === '\\' && i + 1 < code.length) {
      out += ch + code[++i];
    } else if (ch === '$' && /[A-Za-z_]/.test(code[i + 1] ?? '') && code[i - 1] !== '$') {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(code.slice(i + 1))!;
      out += '${' + m[0] + '}';
      i += m[0].length;
    } else out += ch;
  }
  return out;
}
