/**
 * Glob matching that cannot blow up: patterns compile to a small automaton that is run over the
 * text once (a Pike VM), so any pattern decides in time linear in the text. Regular expressions
 * built from globs backtrack, and a repository policy's `*a*a*a*…b` took seconds per name.
 *
 * Two dialects:
 * - `token` (command patterns, agents, hosts, branches): `*` and `?` match any characters, slashes included.
 * - `path` (gitignore-style path patterns, like minimatch with `dot`): `*` and `?` stay within one path
 *   segment, a `**` segment spans any number of segments.
 * Both have `[abc]`, `[!a-z]`, `[[:alpha:]]`, `{a,b}`, `{1..3}`, backslash escapes, and (path)
 * the extglobs `@(a|b)`, `?(…)`, `+(…)`, `*(…)`, `!(…)`.
 */

export interface Glob {
  /** The pattern as written. */
  readonly source: string;
  /** True when the pattern matches every string (`*` in the token dialect). */
  readonly any: boolean;
  test(text: string): boolean;
}

export interface GlobOptions {
  dialect: 'token' | 'path';
  /** path dialect: may `*`, `?` and `[…]` match a leading `.` of a segment (minimatch's `dot`). Default true. */
  dot?: boolean;
  /** Case-insensitive. */
  nocase?: boolean;
}

type Node =
  | { t: 'lit'; c: string }
  | { t: 'any' } // one character (not `/` in the path dialect)
  | { t: 'class'; test: (c: string) => boolean }
  | { t: 'star' } // any run of characters (within a segment in the path dialect)
  | { t: 'all' } // any run of characters, slashes included
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'rep'; min: 0 | 1; max: 1 | typeof Infinity; node: Node }
  | { t: 'not'; node: Node }
  | { t: 'nodot' }; // the next character is not `.` (consumes nothing)

const MAX_PATTERN = 4096;
const MAX_BRACE_ITEMS = 1024;

/** Compiles a glob. Never throws on odd syntax: what does not parse is taken literally. */
export function compileGlob(source: string, opts: GlobOptions): Glob {
  const dialect = opts.dialect;
  const dot = opts.dot ?? true;
  const fold = opts.nocase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const pattern = fold(source.length > MAX_PATTERN ? source.slice(0, MAX_PATTERN) : source);
  if (dialect === 'token' && pattern === '*') return { source, any: true, test: () => true };
  // Plain text: string equality.
  if (!/[*?[{\\@+!(]/.test(pattern)) return { source, any: false, test: (t) => fold(t) === pattern };
  // Compiled on first use: a large policy has many globs, and one decision tests a few. A pattern
  // with at most one unbounded wildcard cannot make a regular expression backtrack badly: those
  // (most of them: `*.pem`, `src/gen/**`) run as one; the rest on the automaton.
  let test: ((t: string) => boolean) | undefined;
  return {
    source,
    any: false,
    test: (t) => {
      if (!test) {
        const ast = dialect === 'path' ? pathAst(pattern, dot) : new Parser(pattern, 'token', dot).parseSeq('');
        const re = stars(ast) <= 1 ? toRegExp(ast, dialect) : undefined;
        if (re !== undefined) {
          const compiled = new RegExp(`^${re}$`, 's');
          test = (x) => compiled.test(x);
        } else {
          // The automaton is the slow path: first the text every match must contain (a walk over a
          // workspace asks `**/*.pem` of thousands of paths, and almost none end in `.pem`).
          const prog = compile(ast);
          const { prefix, suffix, inner } = literalParts(ast);
          test = (x) => x.startsWith(prefix) && x.endsWith(suffix) && inner.every((l) => x.includes(l)) && run(prog, x, dialect);
        }
      }
      return test(fold(t));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Parsing

class Parser {
  i = 0;
  constructor(
    readonly s: string,
    readonly dialect: 'token' | 'path',
    readonly dot: boolean,
  ) {}

  /** A sequence up to one of the `stops` characters (at this nesting level) or the end. */
  parseSeq(stops: string): Node {
    const items: Node[] = [];
    const s = this.s;
    while (this.i < s.length) {
      const ch = s[this.i];
      if (stops.includes(ch)) break;
      if (ch === '\\' && this.i + 1 < s.length) {
        items.push({ t: 'lit', c: s[this.i + 1] });
        this.i += 2;
      } else if (this.dialect === 'path' && '@?+*!'.includes(ch) && s[this.i + 1] === '(' && this.closes(this.i + 1)) {
        this.i += 2;
        const alts = this.parseAlts('|', ')');
        this.i++; // ')'
        const group: Node = { t: 'alt', alts };
        if (ch === '@') items.push(group);
        else if (ch === '?') items.push({ t: 'rep', min: 0, max: 1, node: group });
        else if (ch === '+') items.push({ t: 'rep', min: 1, max: Infinity, node: group });
        else if (ch === '*') items.push({ t: 'rep', min: 0, max: Infinity, node: group });
        else items.push({ t: 'not', node: group });
      } else if (ch === '*') {
        while (s[this.i] === '*') this.i++;
        items.push({ t: 'star' });
      } else if (ch === '?') {
        items.push({ t: 'any' });
        this.i++;
      } else if (ch === '[') {
        const cls = this.parseClass();
        if (cls) items.push(cls);
        else {
          items.push({ t: 'lit', c: '[' });
          this.i++;
        }
      } else if (ch === '{') {
        const alt = this.parseBrace();
        if (alt) items.push(alt);
        else {
          items.push({ t: 'lit', c: '{' });
          this.i++;
        }
      } else {
        items.push({ t: 'lit', c: ch });
        this.i++;
      }
    }
    return items.length === 1 ? items[0] : { t: 'seq', items };
  }

  private parseAlts(sep: string, close: string): Node[] {
    const alts: Node[] = [];
    for (;;) {
      alts.push(this.parseSeq(sep + close));
      if (this.s[this.i] === sep) {
        this.i++;
        continue;
      }
      return alts;
    }
  }

  /** True when the `(` at `open` has its `)` (extglob), counting nesting and escapes. */
  private closes(open: number): boolean {
    let depth = 0;
    for (let k = open; k < this.s.length; k++) {
      const c = this.s[k];
      if (c === '\\') k++;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return true;
    }
    return false;
  }

  /** `{a,b}` or `{1..3}`; undefined when the braces do not form one (then `{` is literal). */
  private parseBrace(): Node | undefined {
    const s = this.s;
    let depth = 0;
    let end = -1;
    let comma = false;
    for (let k = this.i; k < s.length; k++) {
      const c = s[k];
      if (c === '\\') k++;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        end = k;
        break;
      } else if (c === ',' && depth === 1) comma = true;
    }
    if (end < 0) {
      // The token dialect has always read an unclosed `{` as a group running to the end.
      if (this.dialect !== 'token' || !s.slice(this.i).includes(',')) return undefined;
      this.i++;
      return { t: 'alt', alts: this.parseAlts(',', '') };
    }
    const body = s.slice(this.i + 1, end);
    const range = /^(-?\d+)\.\.(-?\d+)$/.exec(body) ?? /^([A-Za-z])\.\.([A-Za-z])$/.exec(body);
    if (!comma && range) {
      const numeric = /\d/.test(range[1]);
      const a = numeric ? Number(range[1]) : range[1].charCodeAt(0);
      const b = numeric ? Number(range[2]) : range[2].charCodeAt(0);
      if (Math.abs(b - a) >= MAX_BRACE_ITEMS) return undefined;
      const alts: Node[] = [];
      for (let v = a; a <= b ? v <= b : v >= b; v += a <= b ? 1 : -1) alts.push(litSeq(numeric ? String(v) : String.fromCharCode(v)));
      this.i = end + 1;
      return { t: 'alt', alts };
    }
    if (!comma) return undefined;
    this.i++;
    const alts = this.parseAlts(',', '}');
    this.i++; // '}'
    return { t: 'alt', alts };
  }

  private parseClass(): Node | undefined {
    const s = this.s;
    let k = this.i + 1;
    let negate = false;
    if (s[k] === '!' || s[k] === '^') {
      negate = true;
      k++;
    }
    const tests: ((c: string) => boolean)[] = [];
    let first = true;
    for (; k < s.length; k++) {
      const c = s[k];
      if (c === ']' && !first) break;
      first = false;
      if (c === '[' && s[k + 1] === ':') {
        const close = s.indexOf(':]', k + 2);
        if (close > 0) {
          const re = POSIX[s.slice(k + 2, close)];
          if (re) {
            tests.push((x) => re.test(x));
            k = close + 1;
            continue;
          }
        }
      }
      let lo = c;
      if (c === '\\' && k + 1 < s.length) lo = s[++k];
      if (s[k + 1] === '-' && k + 2 < s.length && s[k + 2] !== ']') {
        let hi = s[k + 2];
        k += 2;
        if (hi === '\\' && k + 1 < s.length) hi = s[++k];
        const a = lo;
        const b = hi;
        tests.push((x) => x >= a && x <= b);
      } else {
        const one = lo;
        tests.push((x) => x === one);
      }
    }
    if (k >= s.length) return undefined;
    this.i = k + 1;
    const path = this.dialect === 'path';
    return { t: 'class', test: (x) => (path && x === '/' ? false : tests.some((f) => f(x)) !== negate) };
  }
}

const POSIX: Record<string, RegExp> = {
  alpha: /[A-Za-z]/,
  digit: /[0-9]/,
  alnum: /[A-Za-z0-9]/,
  upper: /[A-Z]/,
  lower: /[a-z]/,
  space: /\s/,
  blank: /[ \t]/,
  punct: /[!-/:-@[-`{-~]/,
  xdigit: /[0-9A-Fa-f]/,
  word: /\w/,
  cntrl: /[\x00-\x1f\x7f]/,
  print: /[\x20-\x7e]/,
  graph: /[\x21-\x7e]/,
};

function litSeq(s: string): Node {
  const items: Node[] = [...s].map((c) => ({ t: 'lit', c }));
  return items.length === 1 ? items[0] : { t: 'seq', items };
}

/**
 * Path patterns: segment by segment. A `**` segment spans any number of segments (none
 * included); with `dot` off, a segment that does not itself start with `.` does not match one
 * that does.
 */
function pathAst(pattern: string, dot: boolean): Node {
  const segs = splitSegments(pattern);
  const items: Node[] = [];
  const slash: Node = { t: 'lit', c: '/' };
  // Without `dot`, `**` does not enter segments that start with `.`.
  const all: Node = dot ? { t: 'all' } : { t: 'seq', items: [{ t: 'nodot' }, { t: 'star' }, { t: 'rep', min: 0, max: Infinity, node: { t: 'seq', items: [slash, { t: 'nodot' }, { t: 'star' }] } }] };
  segs.forEach((seg, k) => {
    const last = k === segs.length - 1;
    if (seg === '**') {
      if (segs.length === 1) items.push(all);
      else if (last) items.push({ t: 'rep', min: 0, max: 1, node: { t: 'seq', items: [slash, all] } }); // `a/**`: a and what is under it (as minimatch's makeRe)
      else items.push({ t: 'rep', min: 0, max: 1, node: { t: 'seq', items: [all, slash] } });
      return;
    }
    if (!dot && !seg.startsWith('.') && !seg.startsWith('\\.')) items.push({ t: 'nodot' });
    items.push(new Parser(seg, 'path', dot).parseSeq(''));
    // The separator, unless a `**` next to it carries its own.
    if (!last && !(segs[k + 1] === '**' && k + 1 === segs.length - 1)) items.push(slash);
  });
  return { t: 'seq', items };
}

/** Splits on `/` outside brackets, braces and extglob parentheses. */
function splitSegments(p: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\' && i + 1 < p.length) {
      cur += c + p[++i];
      continue;
    }
    if (c === '{' || c === '(' || c === '[') depth++;
    else if ((c === '}' || c === ')' || c === ']') && depth > 0) depth--;
    if (c === '/' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * What every match contains, read off the pattern's top-level sequence: the literal run it starts
 * with, the one it ends with, and the runs between (each at least two characters). Anything
 * optional or alternative (a group, a repeat, a `**` with its slash) ends a run and is not counted.
 */
function literalParts(ast: Node): { prefix: string; suffix: string; inner: string[] } {
  const runs: string[] = [];
  let cur = '';
  let startsLit = true;
  const visit = (n: Node): void => {
    if (n.t === 'lit') cur += n.c;
    else if (n.t === 'seq') n.items.forEach(visit);
    else if (n.t !== 'nodot') {
      // nodot consumes nothing: the literals either side of it stay one run
      if (runs.length === 0 && cur === '') startsLit = false;
      runs.push(cur);
      cur = '';
    }
  };
  visit(ast);
  runs.push(cur);
  const endsLit = cur !== '';
  if (runs.length === 1) return { prefix: '', suffix: '', inner: runs[0] ? [runs[0]] : [] };
  const prefix = startsLit ? runs[0] : '';
  const suffix = endsLit ? runs[runs.length - 1] : '';
  return { prefix, suffix, inner: runs.slice(1, -1).filter((r) => r.length >= 2) };
}

/** Unbounded wildcards in a pattern (the regular-expression fast path allows one). */
function stars(n: Node): number {
  switch (n.t) {
    case 'star':
    case 'all':
      return 1;
    case 'seq':
      return n.items.reduce((k, i) => k + stars(i), 0);
    case 'rep':
      return n.max === Infinity ? 2 : stars(n.node);
    case 'alt':
    case 'not':
    case 'class':
      return 2; // kept on the automaton
    default:
      return 0;
  }
}

/** A regular expression for the simple node kinds, or undefined. */
function toRegExp(n: Node, dialect: 'token' | 'path'): string | undefined {
  const inSeg = dialect === 'path' ? '[^/]' : '[\\s\\S]';
  switch (n.t) {
    case 'lit':
      return n.c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    case 'any':
      return inSeg;
    case 'star':
      return `${inSeg}*`;
    case 'all':
      return '[\\s\\S]*';
    case 'nodot':
      return '(?!\\.)';
    case 'seq': {
      let out = '';
      for (const i of n.items) {
        const r = toRegExp(i, dialect);
        if (r === undefined) return undefined;
        out += r;
      }
      return out;
    }
    case 'rep': {
      const r = toRegExp(n.node, dialect);
      return r === undefined || n.max !== 1 ? undefined : n.min === 1 ? r : `(?:${r})?`;
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Compiling to a program and running it

const enum Op {
  Lit,
  Any,
  Class,
  Split,
  Jmp,
  Not,
  NoDot,
  Match,
}

interface Inst {
  op: Op;
  c?: string;
  test?: (c: string) => boolean;
  x?: number;
  y?: number;
  /** Op.Not: a program that must not match the span. */
  sub?: Inst[];
  /** Op.Any/Class: may the character be `/`. */
  slash?: boolean;
}

function compile(ast: Node): Inst[] {
  const prog: Inst[] = [];
  emit(ast, prog);
  prog.push({ op: Op.Match });
  return prog;
}

function emit(n: Node, prog: Inst[]): void {
  switch (n.t) {
    case 'lit':
      prog.push({ op: Op.Lit, c: n.c });
      return;
    case 'any':
      prog.push({ op: Op.Any, slash: false });
      return;
    case 'class':
      prog.push({ op: Op.Class, test: n.test });
      return;
    case 'star':
    case 'all': {
      // L: split L+1, L+3; L+1: any; L+2: jmp L
      const l = prog.length;
      prog.push({ op: Op.Split, x: l + 1, y: l + 3 });
      prog.push({ op: Op.Any, slash: n.t === 'all' });
      prog.push({ op: Op.Jmp, x: l });
      return;
    }
    case 'seq':
      for (const it of n.items) emit(it, prog);
      return;
    case 'alt': {
      if (n.alts.length === 0) return;
      if (n.alts.length === 1) return emit(n.alts[0], prog);
      const jumps: Inst[] = [];
      for (let k = 0; k < n.alts.length; k++) {
        if (k < n.alts.length - 1) {
          const split: Inst = { op: Op.Split, x: prog.length + 1, y: -1 };
          prog.push(split);
          emit(n.alts[k], prog);
          const j: Inst = { op: Op.Jmp, x: -1 };
          prog.push(j);
          jumps.push(j);
          split.y = prog.length;
        } else emit(n.alts[k], prog);
      }
      for (const j of jumps) j.x = prog.length;
      return;
    }
    case 'rep': {
      if (n.min === 1) emit(n.node, prog);
      if (n.max === 1) {
        const split: Inst = { op: Op.Split, x: prog.length + 1, y: -1 };
        prog.push(split);
        if (n.min === 0) emit(n.node, prog);
        split.y = prog.length;
        return;
      }
      const l = prog.length;
      const split: Inst = { op: Op.Split, x: l + 1, y: -1 };
      prog.push(split);
      emit(n.node, prog);
      prog.push({ op: Op.Jmp, x: l });
      split.y = prog.length;
      return;
    }
    case 'not': {
      const sub = compile(n.node);
      prog.push({ op: Op.Not, sub });
      return;
    }
    case 'nodot':
      prog.push({ op: Op.NoDot });
      return;
  }
}

/**
 * Runs the program over the text: the set of live states advances one character at a time, so
 * the cost is (program size) × (text length), whatever the pattern. `Not` spans (extglob
 * `!(…)`) try each end within the segment.
 */
function run(prog: Inst[], text: string, dialect: 'token' | 'path'): boolean {
  const n = text.length;
  const pending: (number[] | undefined)[] = new Array(n + 1);
  const seen = new Int32Array(prog.length).fill(-1);
  pending[0] = [0];
  for (let pos = 0; pos <= n; pos++) {
    const start = pending[pos];
    if (!start) continue;
    pending[pos] = undefined;
    const stack = [...start];
    const next: number[] = [];
    while (stack.length) {
      const pc = stack.pop()!;
      if (seen[pc] === pos) continue;
      seen[pc] = pos;
      const ins = prog[pc];
      switch (ins.op) {
        case Op.Match:
          if (pos === n) return true;
          break;
        case Op.Jmp:
          stack.push(ins.x!);
          break;
        case Op.Split:
          stack.push(ins.y!, ins.x!);
          break;
        case Op.NoDot:
          if (text[pos] !== '.') stack.push(pc + 1);
          break;
        case Op.Lit:
          if (pos < n && text[pos] === ins.c) next.push(pc + 1);
          break;
        case Op.Any:
          if (pos < n && (ins.slash || dialect === 'token' || text[pos] !== '/')) next.push(pc + 1);
          break;
        case Op.Class:
          if (pos < n && ins.test!(text[pos])) next.push(pc + 1);
          break;
        case Op.Not: {
          // Any span within the segment that the sub-pattern does not match as a whole.
          let end = pos;
          while (end < n && text[end] !== '/') end++;
          for (let q = pos; q <= end; q++) {
            if (run(ins.sub!, text.slice(pos, q), dialect)) continue;
            if (q === pos) stack.push(pc + 1);
            else (pending[q] ??= []).push(pc + 1);
          }
          break;
        }
      }
    }
    if (next.length) {
      const at = pos + 1;
      if (at <= n) (pending[at] ??= []).push(...next);
    }
  }
  return false;
}
