/**
 * Bash word expansion, done statically: quote removal, backslashes, ANSI-C strings,
 * brace expansion, tilde, literal variables and `$IFS` splitting. What cannot be
 * known stays marked `exact: false`, so callers can fail closed.
 */

/** Where a value came from when it is code-like: used to spot network output run as code. */
export type Taint = 'network' | 'decode' | 'substitution' | 'guard-pid' | 'agent-settings';

/** One field after expansion. */
export interface Word {
  /** The field's text; unresolved parts keep their source text. */
  text: string;
  /** True when every part of the text is known. */
  exact: boolean;
  /** True when an unquoted glob character survives: the word may name several files. */
  glob: boolean;
  taints: ReadonlySet<Taint>;
  /** The source text of the word this field came from. */
  source: string;
  /** What a process substitution (`<(echo …)`) in this word outputs, when known. */
  content?: string;
  /** For an inexact word: the literal text before its first unknown part (`+` in `+$B`). */
  prefix?: string;
  /** For an inexact word: the literal text after its last unknown part (`:main` in `$B:main`). */
  suffix?: string;
}

/** A piece of a word before field splitting. */
export type Segment =
  | { kind: 'literal'; text: string; quoted: boolean }
  /** A known expansion result; unquoted ones are split on IFS and may glob. */
  | { kind: 'value'; text: string; quoted: boolean }
  /** `"${a[@]}"`: one field per element. */
  | { kind: 'fields'; values: string[] }
  | { kind: 'unresolved'; source: string; quoted: boolean; taints: Taint[]; content?: string };

export const DEFAULT_IFS = ' \t\n';
const MAX_BRACE_RESULTS = 512;
const PLACEHOLDER_BASE = 0xe000;

export class ExpansionLimitError extends Error {}

/** Turns segments into fields, as bash would after brace, tilde, parameter expansion and splitting. */
export function segmentsToWords(segments: Segment[], source: string, home: (user: string) => string | undefined): Word[] {
  // Hide everything that is not unquoted literal text behind placeholders, so brace
  // expansion sees only the braces bash itself would expand.
  let pattern = '';
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s.kind === 'literal' && !s.quoted) pattern += s.text.replace(/[\ue000-\uf8ff]/g, '?');
    else pattern += String.fromCharCode(PLACEHOLDER_BASE + i);
  }
  const braced = expandBraces(pattern);
  const out: Word[] = [];
  for (const b of braced) out.push(...fieldsOf(b, segments, source, home));
  return out;
}

function fieldsOf(pattern: string, segments: Segment[], source: string, home: (user: string) => string | undefined): Word[] {
  const fields: Word[] = [];
  let text = '';
  let exact = true;
  let glob = false;
  let started = false; // a quoted empty string still makes a field
  let taints = new Set<Taint>();
  let content: string | undefined;
  // Literal text around the unknown parts: `prefix` is fixed at the first unknown part, `suffix` restarts after each.
  let prefix: string | undefined;
  let suffix = '';
  const flush = (force: boolean) => {
    if (started || text !== '' || force) {
      const around = exact ? {} : { prefix: prefix ?? '', suffix };
      fields.push({ text, exact, glob, taints, source, ...(content !== undefined ? { content } : {}), ...around });
    }
    text = '';
    exact = true;
    glob = false;
    started = false;
    taints = new Set();
    content = undefined;
    prefix = undefined;
    suffix = '';
  };
  const lit = (t: string) => {
    text += t;
    suffix += t;
  };

  // Tilde expansion applies to an unquoted leading `~` (up to the first slash).
  let i = 0;
  if (pattern.startsWith('~')) {
    const m = /^~([+-]|[A-Za-z0-9_.-]*)(?=\/|$)/.exec(pattern);
    if (m) {
      const h = home(m[1]);
      if (h !== undefined) {
        lit(h);
        started = true;
        i = m[0].length;
      } else {
        exact = false;
      }
    }
  }
  for (; i < pattern.length; i++) {
    const code = pattern.charCodeAt(i);
    const idx = code - PLACEHOLDER_BASE;
    if (idx < 0 || idx >= segments.length || code > 0xf8ff) {
      const ch = pattern[i];
      if (ch === '*' || ch === '?' || (ch === '[' && pattern.indexOf(']', i + 1) > i)) glob = true;
      lit(ch);
      started = true;
      continue;
    }
    const s = segments[idx];
    switch (s.kind) {
      case 'literal':
        lit(s.text);
        started = true;
        break;
      case 'value':
        if (s.quoted) {
          lit(s.text);
          started = true;
        } else {
          splitInto(s.text);
        }
        break;
      case 'fields':
        s.values.forEach((v, k) => {
          if (k > 0) flush(true);
          lit(v);
          started = true;
        });
        break;
      case 'unresolved':
        if (exact) prefix = text;
        text += s.source;
        suffix = '';
        exact = false;
        started = true;
        if (s.content !== undefined) content = s.content;
        for (const t of s.taints) taints.add(t);
        break;
    }
  }
  flush(false);
  return fields;

  function splitInto(value: string): void {
    const parts = value.split(/[ \t\n]+/);
    parts.forEach((p, k) => {
      if (k > 0) flush(false);
      if (/[*?[]/.test(p)) glob = true;
      lit(p);
    });
  }
}

/** Bash brace expansion over unquoted text: `{a,b}` and `{1..3}`, nested, bounded. */
export function expandBraces(s: string): string[] {
  const open = findBraceOpen(s);
  if (open < 0) return [s];
  const close = matchingBrace(s, open);
  if (close < 0) return [s];
  const body = s.slice(open + 1, close);
  const pre = s.slice(0, open);
  const post = s.slice(close + 1);
  const alts = splitTopLevelCommas(body);
  let options: string[];
  if (alts.length > 1) {
    options = alts.flatMap((a) => expandBraces(a));
  } else {
    const seq = sequence(body);
    if (!seq) {
      // Not an expansion: keep the braces literally and look further on.
      return expandBraces(post).map((p) => pre + '{' + body + '}' + p).flatMap((x) => (x === s ? [x] : [x]));
    }
    options = seq;
  }
  const rest = expandBraces(post);
  const out: string[] = [];
  for (const o of options) {
    for (const r of rest) {
      out.push(pre + o + r);
      if (out.length > MAX_BRACE_RESULTS) throw new ExpansionLimitError('brace expansion produces too many words');
    }
  }
  return out;
}

function findBraceOpen(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{' && !(i > 0 && s[i - 1] === '$')) {
      const close = matchingBrace(s, i);
      if (close > i) {
        const body = s.slice(i + 1, close);
        if (splitTopLevelCommas(body).length > 1 || sequence(body)) return i;
      }
    }
  }
  return -1;
}

function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function splitTopLevelCommas(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of body) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

function sequence(body: string): string[] | undefined {
  const num = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/.exec(body);
  if (num) {
    const a = Number(num[1]);
    const b = Number(num[2]);
    const step = Math.abs(Number(num[3] ?? 1)) || 1;
    if (Math.abs(b - a) / step > MAX_BRACE_RESULTS) throw new ExpansionLimitError('brace sequence too long');
    const out: string[] = [];
    for (let v = a; a <= b ? v <= b : v >= b; v += a <= b ? step : -step) out.push(String(v));
    return out;
  }
  const chr = /^([A-Za-z])\.\.([A-Za-z])$/.exec(body);
  if (chr) {
    const a = chr[1].charCodeAt(0);
    const b = chr[2].charCodeAt(0);
    const out: string[] = [];
    for (let v = a; a <= b ? v <= b : v >= b; v += a <= b ? 1 : -1) out.push(String.fromCharCode(v));
    return out;
  }
  return undefined;
}

/** Decodes the body of `$'…'` as bash does. */
export function decodeAnsiC(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\' || i + 1 >= body.length) {
      out += ch;
      continue;
    }
    const n = body[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };
    if (n in simple) {
      out += simple[n];
    } else if (n === 'x') {
      const m = /^[0-9A-Fa-f]{1,2}/.exec(body.slice(i + 1));
      if (m) {
        out += String.fromCharCode(parseInt(m[0], 16));
        i += m[0].length;
      } else out += '\\x';
    } else if (n === 'u' || n === 'U') {
      const m = (n === 'u' ? /^[0-9A-Fa-f]{1,4}/ : /^[0-9A-Fa-f]{1,8}/).exec(body.slice(i + 1));
      if (m) {
        const cp = parseInt(m[0], 16);
        out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
        i += m[0].length;
      } else out += '\\' + n;
    } else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i));
      out += String.fromCharCode(parseInt(m![0], 8) & 0xff);
      i += m![0].length - 1;
    } else if (n === 'c' && i + 1 < body.length) {
      out += String.fromCharCode(body.charCodeAt(++i) & 0x1f);
    } else {
      out += '\\' + n;
    }
  }
  return out;
}

/** Removes backslash quoting from unquoted word text; returns segments (escaped chars count as quoted). */
export function unquotedSegments(text: string): Segment[] {
  const segs: Segment[] = [];
  let lit = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) {
      const n = text[++i];
      if (n === '\n') continue; // line continuation
      if (lit) segs.push({ kind: 'literal', text: lit, quoted: false });
      lit = '';
      segs.push({ kind: 'literal', text: n, quoted: true });
    } else lit += ch;
  }
  if (lit) segs.push({ kind: 'literal', text: lit, quoted: false });
  return segs;
}

/** Removes the backslashes bash removes inside double quotes. */
export function doubleQuotedText(text: string): string {
  return text.replace(/\\([$`"\\\n])/g, (_m, c: string) => (c === '\n' ? '' : c));
}

/** Invisible or non-IFS whitespace characters (NBSP, zero-width, bidi controls, VT, CR…): they make a word look like another. */
export const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u00a0\u00ad\u115f\u1160\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0]/;
/** Any character outside ASCII: in a program name it may be a confusable (Cyrillic `і` in `gіt`). */
export const NON_ASCII = /[^\u0000-\u007f]/;

/** The text of a word as an argv token: unresolved words carry UNKNOWN_TOKEN so rules can tell. */
export function argText(w: Word): string {
  return w.exact ? w.text : '\u0000' + w.text;
}

/**
 * Code embedded in text: the bodies of `$(…)` and backticks, found without a grammar (for
 * text bash may evaluate later: array subscripts, `${x@P}`, arithmetic, here-doc bodies).
 */
export function embeddedCode(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length && out.length < 64; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== '`') j += text[j] === '\\' ? 2 : 1;
      out.push(text.slice(i + 1, j).replace(/\\([\\`$"])/g, '$1'));
      i = j;
    } else if (text[i] === '$' && text[i + 1] === '(' && text[i + 2] !== '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '(') depth++;
        else if (text[j] === ')' && --depth === 0) break;
      }
      out.push(text.slice(i + 2, j));
      i = j;
    }
  }
  return out;
}

/**
 * Splits text into words the way git splits an alias and `env -S` splits its string: quotes and
 * backslashes, no expansion. A word holding `$` or a backtick is marked inexact when
 * `expansions` says they would be expanded.
 */
export function splitWords(value: string, expansions = false): Word[] {
  const words: Word[] = [];
  let cur = '';
  let has = false;
  let exact = true;
  let q: string | undefined;
  const push = () => {
    if (has || cur) words.push({ text: cur, exact, glob: false, taints: new Set(), source: cur, ...(exact ? {} : { prefix: '', suffix: '' }) });
    cur = '';
    has = false;
    exact = true;
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (q) {
      if (ch === q) q = undefined;
      else if (ch === '\\' && q === '"' && i + 1 < value.length) cur += value[++i];
      else {
        if (expansions && q === '"' && (ch === '$' || ch === '`')) exact = false;
        cur += ch;
      }
      continue;
    }
    if (ch === '"' || ch === "'") {
      q = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < value.length) {
      cur += value[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      push();
    } else {
      if (expansions && (ch === '$' || ch === '`')) exact = false;
      cur += ch;
    }
  }
  push();
  return words;
}
