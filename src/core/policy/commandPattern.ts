import { UNKNOWN_TOKEN } from '../actions/types';
import { compileGlob, type Glob } from './glob';

/** Result of matching: `maybe` when an unresolved token could match. */
export type Match = 'yes' | 'maybe' | 'no';

/**
 * A token pattern for an analysed argv, e.g. `git push --force`, `rm ... /`, `npm run build`.
 * Words (not starting with `-`) must match argv's words in order from the program name,
 * as a prefix; `...` stands for any number of words. Flags (`-f`, `--force*`) must each appear
 * anywhere after the program name. Every token is a glob (`*`, `?`, `[abc]`, `{a,b}`).
 */
export class CommandPattern {
  /** The literal program name when there is one: rules are indexed by it. */
  readonly program: string | undefined;
  private parts?: { words: (Glob | '...')[]; flags: Glob[] };

  constructor(readonly source: string) {
    const first = /^\s*(\S+)/.exec(source)?.[1];
    if (first === undefined) throw new Error('empty command pattern');
    this.program = /[*?[{]/.test(first) || first === '...' ? undefined : first;
  }

  /** Tokens, compiled when the pattern is first matched (a large policy has many, a decision tries few). */
  get words(): (Glob | '...')[] {
    return this.compiled().words;
  }

  get flags(): Glob[] {
    return this.compiled().flags;
  }

  private compiled(): { words: (Glob | '...')[]; flags: Glob[] } {
    if (this.parts) return this.parts;
    const words: (Glob | '...')[] = [];
    const flags: Glob[] = [];
    for (const t of this.source.trim().split(/\s+/).filter(Boolean)) {
      if (t === '...') words.push('...');
      else if (t.startsWith('-') && t.length > 1 && words.length > 0) flags.push(globToRegExp(t));
      else words.push(globToRegExp(t));
    }
    return (this.parts = { words, flags });
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

function matchWords(pat: (Glob | '...')[], pi: number, words: string[], wi: number): Match {
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

function tokenMatch(g: Glob, token: string): Match {
  if (token.startsWith(UNKNOWN_TOKEN)) return g.any ? 'yes' : 'maybe';
  return g.test(token) ? 'yes' : 'no';
}

function best(ms: Match[]): Match {
  if (ms.includes('yes')) return 'yes';
  if (ms.includes('maybe')) return 'maybe';
  return 'no';
}

/**
 * A shell-style glob for one token: `*` matches any characters, slashes included. Matching runs
 * in time linear in the token, whatever the pattern (see glob.ts).
 */
export function globToRegExp(glob: string): Glob {
  return compileGlob(glob, { dialect: 'token' });
}
