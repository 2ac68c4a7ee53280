import { UNKNOWN_TOKEN } from '../actions/types';

/** Result of matching: `maybe` when an unresolved token could match. */
export type Match = 'yes' | 'maybe' | 'no';

/**
 * A token pattern for an analysed argv, e.g. `git push --force`, `rm ... /`, `npm run build`.
 * Words (not starting with `-`) must match argv's words in order from the program name,
 * as a prefix; `...` stands for any number of words. Flags (`-f`, `--force*`) must each appear
 * anywhere after the program name. Every token is a glob (`*`, `?`, `[abc]`, `{a,b}`).
 */
export class CommandPattern {
  readonly words: (RegExp | '...')[];
  readonly flags: RegExp[];
  /** The literal program name when there is one: rules are indexed by it. */
  readonly program: string | undefined;

  constructor(readonly source: string) {
    const tokens = source.trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) throw new Error('empty command pattern');
    this.words = [];
    this.flags = [];
    for (const t of tokens) {
      if (t === '...') this.words.push('...');
      else if (t.startsWith('-') && t.length > 1 && this.words.length > 0) this.flags.push(globToRegExp(t));
      else this.words.push(globToRegExp(t));
    }
    const first = tokens[0];
    this.program = /[*?[{]/.test(first) || first === '...' ? undefined : first;
  }

  match(argv: readonly string[]): Match {
    const words: string[] = [];
    const flags: string[] = [];
    argv.forEach((t, i) => {
      const bare = t.startsWith(UNKNOWN_TOKEN) ? t.slice(1) : t;
      if (i > 0 && bare.startsWith('-') && bare.length > 1 && !t.startsWith(UNKNOWN_TOKEN)) flags.push(t);
      else words.push(t);
    });
    let result: Match = 'yes';
    for (const f of this.flags) {
      const m = best(flags.map((t) => tokenMatch(f, t)));
      if (m === 'no') {
        // An unresolved word could be this flag.
        if (words.some((w) => w.startsWith(UNKNOWN_TOKEN))) result = 'maybe';
        else return 'no';
      } else if (m === 'maybe') result = 'maybe';
    }
    const w = matchWords(this.words, 0, words, 0);
    if (w === 'no') return 'no';
    return w === 'maybe' || result === 'maybe' ? 'maybe' : 'yes';
  }
}

function matchWords(pat: (RegExp | '...')[], pi: number, words: string[], wi: number): Match {
  if (pi === pat.length) return 'yes';
  const p = pat[pi];
  if (p === '...') {
    let acc: Match = 'no';
    for (let k = wi; k <= words.length; k++) {
      const m = matchWords(pat, pi + 1, words, k);
      if (m === 'yes') return 'yes';
      if (m === 'maybe') acc = 'maybe';
    }
    return acc;
  }
  if (wi >= words.length) return 'no';
  const m = tokenMatch(p, words[wi]);
  if (m === 'no') return 'no';
  const rest = matchWords(pat, pi + 1, words, wi + 1);
  if (rest === 'no') return 'no';
  return m === 'maybe' || rest === 'maybe' ? 'maybe' : 'yes';
}

function tokenMatch(re: RegExp, token: string): Match {
  if (token.startsWith(UNKNOWN_TOKEN)) return re.source === '^[\\s\\S]*$' ? 'yes' : 'maybe';
  return re.test(token) ? 'yes' : 'no';
}

function best(ms: Match[]): Match {
  if (ms.includes('yes')) return 'yes';
  if (ms.includes('maybe')) return 'maybe';
  return 'no';
}

/** A shell-style glob for one token; `*` matches any characters, slashes included. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '\\' && i + 1 < glob.length) re += escape(glob[++i]);
    else if (ch === '*') re += '[\\s\\S]*';
    else if (ch === '?') re += '[\\s\\S]';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else if (ch === '{') {
      depth++;
      re += '(?:';
    } else if (ch === '}' && depth > 0) {
      depth--;
      re += ')';
    } else if (ch === ',' && depth > 0) re += '|';
    else re += escape(ch);
  }
  while (depth-- > 0) re += ')';
  return new RegExp('^' + re + '$');
}

function escape(ch: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(ch) ? '\\' + ch : ch;
}
