/** Quotes a word for bash so that it reads back as exactly that word. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one bash command line. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

const ANSI_C: Record<string, string> = { a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

/**
 * Reads back an argv that bash printed with `${argv[*]@Q}` (what the PATH shims send): words
 * separated by one space, each made of `'…'`, `$'…'` (ANSI-C escapes) and `\'` pieces. Undefined
 * for anything else: the caller then judges the text as the command line it is.
 */
export function parseQuotedArgv(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let word = '';
    let pieces = 0;
    while (i < text.length && text[i] !== ' ') {
      pieces++;
      if (text.startsWith("$'", i)) {
        const r = ansiC(text, i + 2);
        if (!r) return undefined;
        word += r.value;
        i = r.end + 1;
      } else if (text[i] === "'") {
        const end = text.indexOf("'", i + 1);
        if (end < 0) return undefined;
        word += text.slice(i + 1, end);
        i = end + 1;
      } else if (text[i] === '\\' && i + 1 < text.length) {
        word += text[i + 1];
        i += 2;
      } else return undefined;
    }
    if (pieces === 0) return undefined;
    out.push(word);
    if (i < text.length) i++; // the one space between words
    if (i === text.length && text.endsWith(' ')) return undefined;
  }
  return out.length ? out : undefined;
}

/** The body of `$'…'` from `start` (after the `$'`): its value and the index of the closing quote. */
function ansiC(text: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  let i = start;
  for (;;) {
    if (i >= text.length) return undefined;
    const c = text[i];
    if (c === "'") return { value, end: i };
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const n = text[i + 1];
    if (n === undefined) return undefined;
    if (n in ANSI_C) {
      value += ANSI_C[n];
      i += 2;
    } else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
      value += String.fromCharCode(parseInt(m, 8));
      i += 1 + m.length;
    } else if (n === 'x' || n === 'u' || n === 'U') {
      const m = new RegExp(`^[0-9a-fA-F]{1,${n === 'x' ? 2 : n === 'u' ? 4 : 8}}`).exec(text.slice(i + 2))?.[0];
      if (!m) return undefined;
      value += String.fromCodePoint(parseInt(m, 16));
      i += 2 + m.length;
    } else return undefined;
  }
}
