/**
 * Recognises an agent's own shell plumbing around a command, on the parse tree: a line that has
 * exactly the shape an agent generates (core/agents/<agent>/plumbing.ts) is judged by the command
 * inside it, and its fixed housekeeping is not asked about. Anything that deviates from the shape
 * (an extra statement, another word, another redirection) is not plumbing and is judged whole.
 */
import { AGENT_PLUMBING, type AndChainShape, type HoleSpec, type PlumbingShape, type PreludeShape, type ProgramShape } from '../agents/plumbing';
import { parseBash, type SyntaxNode, type Tree } from './parser';

export interface PlumbingMatch {
  agent: string;
  /** The agent's command inside the plumbing; undefined for a housekeeping line with no command. */
  command?: string;
}

const MAX_PLUMBING_LINE = 200_000;
const HOLE = /^AP_HOLE_(\w+)$/;

/** Template trees, parsed once (the parser must be initialised). */
const templates = new Map<string, Tree>();
function template(text: string): SyntaxNode {
  let t = templates.get(text);
  if (!t) templates.set(text, (t = parseBash(text)));
  return t.rootNode;
}

/** Which agent's plumbing, if any, a line is; and the command inside it. */
export function recognizePlumbing(line: string, shapes: readonly PlumbingShape[] = AGENT_PLUMBING): PlumbingMatch | undefined {
  if (line.length > MAX_PLUMBING_LINE) return undefined;
  // Cheap tells first: most lines are no agent's plumbing.
  if (!/eval |_bgpids_file=|__CODEX_SNAPSHOT_|shell_snapshots|# Snapshot file/.test(line)) return undefined;
  let tree: Tree | undefined;
  try {
    tree = parseBash(line);
    if (tree.rootNode.hasError) return undefined;
    for (const s of shapes) {
      const m = s.form === 'and-chain' ? andChain(s, line, tree.rootNode) : s.form === 'program' ? program(s, line, tree.rootNode) : prelude(s, line, tree.rootNode);
      if (m) return m;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    tree?.delete();
  }
}

// ---------------------------------------------------------------------------------------------
// Structural comparison with holes

type Captures = Map<string, string>;

function kidsOf(n: SyntaxNode): SyntaxNode[] {
  return n.children.filter((c): c is SyntaxNode => c !== null);
}

function namedOf(n: SyntaxNode): SyntaxNode[] {
  return n.namedChildren.filter((c): c is SyntaxNode => c !== null);
}

/** The literal value of a word-like node (quotes removed), or undefined when it expands anything. */
function literalOf(n: SyntaxNode): string | undefined {
  switch (n.type) {
    case 'word':
    case 'variable_name':
      return /[$`*?[\]{}~]/.test(n.text) ? undefined : n.text.replace(/\\(.)/gs, '$1');
    case 'raw_string':
      return n.text.slice(1, -1);
    case 'string':
      if (namedOf(n).some((c) => c.type !== 'string_content')) return undefined;
      return n.text.slice(1, -1).replace(/\\([$`"\\\n])/g, '$1');
    case 'concatenation': {
      let out = '';
      for (const c of namedOf(n)) {
        const v = literalOf(c);
        if (v === undefined) return undefined;
        out += v;
      }
      return out;
    }
    default:
      return undefined;
  }
}

function holeOf(t: SyntaxNode): string | undefined {
  if (t.type !== 'word' && t.type !== 'variable_name' && t.type !== 'command_name') return undefined;
  return HOLE.exec(t.text)?.[1];
}

function fillHole(name: string, spec: HoleSpec | undefined, l: SyntaxNode, caps: Captures): boolean {
  const v = literalOf(l.type === 'command_name' ? (namedOf(l)[0] ?? l) : l);
  if (v === undefined || spec === undefined) return false;
  if (spec !== 'code' && !spec.test(v)) return false;
  const prev = caps.get(name);
  if (prev !== undefined && prev !== v) return false;
  caps.set(name, v);
  return true;
}

/** Same tree, node for node (types, operators, leaf texts), with holes filled consistently. */
function same(t: SyntaxNode, l: SyntaxNode, holes: Readonly<Record<string, HoleSpec>>, caps: Captures): boolean {
  const h = holeOf(t);
  if (h !== undefined) return fillHole(h, holes[h], l, caps);
  if (t.type !== l.type) return false;
  const tk = kidsOf(t);
  const lk = kidsOf(l);
  if (tk.length === 0 || lk.length === 0) return tk.length === lk.length && t.text === l.text;
  if (tk.length !== lk.length) return false;
  for (let i = 0; i < tk.length; i++) {
    if (tk[i].isNamed !== lk[i].isNamed || tk[i].type !== lk[i].type) {
      if (!(tk[i].isNamed && holeOf(tk[i]) !== undefined)) return false;
    }
    if (tk[i].isNamed ? !same(tk[i], lk[i], holes, caps) : tk[i].text !== lk[i].text) return false;
  }
  return true;
}

/** A whole program against a template program (statement by statement). */
function sameProgram(templateText: string, text: string, holes: Readonly<Record<string, HoleSpec>>, caps: Captures): boolean {
  let tree: Tree | undefined;
  try {
    tree = parseBash(text);
    if (tree.rootNode.hasError) return false;
    const t = namedOf(template(templateText));
    const l = namedOf(tree.rootNode);
    return t.length === l.length && t.every((n, i) => same(n, l[i], holes, caps));
  } finally {
    tree?.delete();
  }
}

// ---------------------------------------------------------------------------------------------
// `a || true && b && eval CMD && pwd -P >| F`

/** Positions of the `&&` operators that join the top-level chain (through lists only). */
function chainOperators(root: SyntaxNode): { start: number; end: number }[] | undefined {
  const stmts = namedOf(root).filter((n) => n.type !== 'comment');
  if (stmts.length !== 1) return undefined;
  const ops: { start: number; end: number }[] = [];
  const walk = (n: SyntaxNode) => {
    // The grammar hangs a trailing redirection on the whole list: the list is still the chain.
    const body = n.type === 'redirected_statement' ? n.childForFieldName('body') : n;
    if (!body || body.type !== 'list') return;
    for (const c of kidsOf(body)) {
      if (!c.isNamed && c.type === '&&') ops.push({ start: c.startIndex, end: c.endIndex });
      else if (c.isNamed) walk(c);
    }
  };
  walk(stmts[0]);
  return ops.sort((a, b) => a.start - b.start);
}

function andChain(s: AndChainShape, line: string, root: SyntaxNode): PlumbingMatch | undefined {
  const ops = chainOperators(root);
  if (!ops) return undefined;
  const cut: string[] = [];
  let from = 0;
  for (const op of ops) {
    cut.push(line.slice(from, op.start).trim());
    from = op.end;
  }
  cut.push(line.slice(from).trim());
  const n = cut.length;
  const tail = s.trailer.length;
  if (n < tail + 1) return undefined;
  const caps: Captures = new Map();
  for (let k = 0; k < tail; k++) if (!sameProgram(s.trailer[k], cut[n - tail + k], s.holes, caps)) return undefined;
  const intent = cut[n - tail - 1];
  if (!s.intent.some((t) => sameProgram(t, intent, s.holes, caps))) return undefined;
  // Housekeeping: each element one of the known ones, in their order, none twice.
  let next = 0;
  for (const seg of cut.slice(0, n - tail - 1)) {
    let found = -1;
    for (let k = next; k < s.housekeeping.length; k++) {
      if (sameProgram(s.housekeeping[k], seg, s.holes, caps)) {
        found = k;
        break;
      }
    }
    if (found < 0) return undefined;
    next = found + 1;
  }
  const command = [...caps.entries()].find(([k]) => s.holes[k] === 'code')?.[1];
  return command === undefined ? undefined : { agent: s.agent, command };
}

// ---------------------------------------------------------------------------------------------
// A program with `AP_COMMAND` standing for one or more statements

function isCommandMark(n: SyntaxNode): boolean {
  return n.type === 'command' && n.text === 'AP_COMMAND';
}

/** Like `same`, where a child list may hold the command mark; the statements it covers are returned. */
function sameWithCommand(t: SyntaxNode, l: SyntaxNode, holes: Readonly<Record<string, HoleSpec>>, caps: Captures, found: { start: number; end: number }[]): boolean {
  const tk = kidsOf(t);
  const mark = tk.findIndex(isCommandMark);
  if (mark < 0) {
    if (!containsMark(t)) return same(t, l, holes, caps);
    if (t.type !== l.type) return false;
    const lk = kidsOf(l);
    if (tk.length !== lk.length) return false;
    return tk.every((c, i) => (c.isNamed ? lk[i].isNamed && sameWithCommand(c, lk[i], holes, caps, found) : c.type === lk[i].type && c.text === lk[i].text));
  }
  if (t.type !== l.type) return false;
  const lk = kidsOf(l);
  const after = tk.length - mark - 1;
  const middle = lk.slice(mark, lk.length - after);
  if (!middle.some((c) => c.isNamed && c.type !== 'comment')) return false;
  for (let i = 0; i < mark; i++) if (!(tk[i].isNamed ? lk[i].isNamed && same(tk[i], lk[i], holes, caps) : tk[i].type === lk[i].type && tk[i].text === lk[i].text)) return false;
  for (let i = 0; i < after; i++) {
    const a = tk[mark + 1 + i];
    const b = lk[lk.length - after + i];
    if (!(a.isNamed ? b.isNamed && same(a, b, holes, caps) : a.type === b.type && a.text === b.text)) return false;
  }
  const named = middle.filter((c) => c.isNamed);
  found.push({ start: named[0].startIndex, end: named[named.length - 1].endIndex });
  return true;
}

function containsMark(n: SyntaxNode): boolean {
  return isCommandMark(n) || kidsOf(n).some(containsMark);
}

function program(s: ProgramShape, line: string, root: SyntaxNode): PlumbingMatch | undefined {
  const caps: Captures = new Map();
  const found: { start: number; end: number }[] = [];
  if (!sameWithCommand(template(s.template), root, s.holes, caps, found) || found.length !== 1) return undefined;
  return { agent: s.agent, command: line.slice(found[0].start, found[0].end) };
}

// ---------------------------------------------------------------------------------------------
// A generated prelude: housekeeping statements of a few forms, then the command

/** Names the guard itself owns or relies on: housekeeping never touches them. */
const GUARD_NAMES = /^(AGENTPOLICY_|__agentpolicy|__ap_|GIT_CONFIG_(COUNT|KEY_|VALUE_|PARAMETERS)|BASH_ENV$|ENV$|PROMPT_COMMAND$|ZDOTDIR$|TRAPDEBUG$|SHELLOPTS$|BASHOPTS$)/;

function prelude(s: PreludeShape, line: string, root: SyntaxNode): PlumbingMatch | undefined {
  for (const w of s.whole) if (sameProgram(w, line, s.holes, new Map())) return { agent: s.agent };
  const stmts = namedOf(root).filter((n) => n.type !== 'comment');
  if (stmts.length < 2) return undefined;
  const last = stmts[stmts.length - 1];
  const caps: Captures = new Map();
  const lastText = line.slice(last.startIndex, last.endIndex);
  if (!s.intent.some((t) => sameProgram(t, lastText, s.holes, caps))) return undefined;
  if (!stmts.slice(0, -1).every((n) => housekeeping(n, s))) return undefined;
  const command = [...caps.entries()].find(([k]) => s.holes[k] === 'code')?.[1];
  return command === undefined ? undefined : { agent: s.agent, command };
}

/** Does any node below run code (substitutions) or name the guard's own state? */
function runsSomething(n: SyntaxNode): boolean {
  if (['command_substitution', 'process_substitution', 'arithmetic_expansion'].includes(n.type)) return true;
  return kidsOf(n).some(runsSomething);
}

/** `"${NAME+x}"`, `"${NAME-}"`, `"${NAME}"`, `"$NAME"`: a quoted reference to one variable, nothing run. */
function quotedReference(n: SyntaxNode | null): string | undefined {
  if (!n || n.type !== 'string') return undefined;
  const parts = namedOf(n);
  if (parts.length !== 1) return undefined;
  const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)(?:\+x|-|:-)?\}?$/.exec(parts[0].text);
  return m?.[1];
}

/** The forms a Codex-style prelude statement may take: save, restore and unset its variables, set its PATH. */
function housekeeping(n: SyntaxNode, s: PreludeShape): boolean {
  if (runsSomething(n)) return false;
  switch (n.type) {
    case 'comment':
      return true;
    case 'variable_assignment': {
      const name = n.childForFieldName('name')?.text ?? '';
      return s.variables.test(name) && quotedReference(n.childForFieldName('value')) !== undefined;
    }
    case 'list':
      return namedOf(n).every((c) => housekeeping(c, s));
    case 'redirected_statement': {
      const body = n.childForFieldName('body');
      const redirects = namedOf(n).filter((c) => !body || c.id !== body.id);
      return !!body && housekeeping(body, s) && redirects.every((r) => r.type === 'file_redirect' && (r.childForFieldName('destination')?.text === '/dev/null' || /^\d?>&\d$/.test(r.text)));
    }
    case 'if_statement':
    case 'elif_clause': {
      // The condition only tests variables; every branch is housekeeping too.
      const conds = n.childrenForFieldName('condition').filter((c): c is SyntaxNode => c !== null && c.isNamed);
      if (!conds.length || !conds.every(isTest)) return false;
      const condIds = new Set(conds.map((c) => c.id));
      return namedOf(n).every((c) => condIds.has(c.id) || (c.type === 'else_clause' ? namedOf(c).every((x) => housekeeping(x, s)) : housekeeping(c, s)));
    }
    case 'declaration_command': {
      if (!/^(export|declare -x)\b/.test(n.text)) return false;
      return namedOf(n).every((c) => {
        if (c.type === 'variable_name') return !GUARD_NAMES.test(c.text);
        if (c.type !== 'variable_assignment') return false;
        const name = c.childForFieldName('name')?.text ?? '';
        const value = c.childForFieldName('value');
        if (GUARD_NAMES.test(name)) return false;
        if (name === 'PATH') return pathValue(value, s);
        const ref = quotedReference(value);
        return ref !== undefined && s.variables.test(ref);
      });
    }
    case 'command': {
      const words = namedOf(n).map((c) => c.text);
      const unset = words[0] === 'unset' ? 1 : ['builtin', 'command'].includes(words[0]) && words[1] === 'unset' ? 2 : -1;
      if (unset > 0) return words.slice(unset).every((w) => /^-[vf]$/.test(w) || (/^[A-Za-z_][A-Za-z0-9_]*$/.test(w) && !GUARD_NAMES.test(w)));
      if ((words[0] === '.' || words[0] === 'source') && words.length === 2) {
        const v = literalOf(namedOf(n)[1]);
        const spec = s.holes.snapshot;
        return v !== undefined && spec instanceof RegExp && spec.test(v);
      }
      if (words[0] === 'builtin' && words[1] === 'export') return false;
      return isTest(n);
    }
    default:
      return false;
  }
}

/** A `[ … ]` or `test …` condition: reads variables, runs nothing. */
function isTest(n: SyntaxNode): boolean {
  if (n.type === 'list') return namedOf(n).every(isTest);
  if (n.type === 'redirected_statement') {
    const body = n.childForFieldName('body');
    return !!body && isTest(body);
  }
  if (n.type === 'test_command') return !runsSomething(n);
  if (n.type !== 'command') return false;
  const name = n.childForFieldName('name')?.text;
  return (name === '[' || name === 'test') && !runsSomething(n);
}

/** `'DIR':"$PATH"` or `'DIR'` where DIR is the agent's own tools folder. */
function pathValue(v: SyntaxNode | null, s: PreludeShape): boolean {
  if (!v) return false;
  const spec = s.holes.pathdir;
  if (!(spec instanceof RegExp)) return false;
  const first = v.type === 'concatenation' ? namedOf(v)[0] : v;
  const dir = first ? literalOf(first) : undefined;
  if (!first || dir === undefined || !spec.test(dir)) return false;
  const rest = v.text.slice(first.endIndex - v.startIndex);
  return rest === '' || /^:"\$\{?PATH\}?"$/.test(rest);
}
