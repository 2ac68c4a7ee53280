/**
 * Text an agent wrote, made safe to show a person: commands in approval prompts, modals, tree
 * views, the audit view and explanations. Pure (no I/O, no vscode).
 *
 * - Control and escape characters (C0, DEL, C1: ESC sequences that rewrite a terminal line,
 *   carriage returns that hide what came before) become visible tokens such as ⟨ESC⟩ or ⟨CR⟩.
 * - Invisible characters (zero-width, format, bidi overrides that reorder what is shown, odd
 *   spaces, tag characters, variation selectors, private-use and unassigned code points) become
 *   ⟨U+XXXX⟩.
 * - Look-alikes: a letter from another script that passes for a Latin one (Cyrillic і in `gіt`,
 *   fullwidth ｇ, mathematical 𝐠) inside a word that could pass for plain ASCII, and dashes,
 *   quotes and slashes that pass for ASCII punctuation, become ⟨U+XXXX⟩ too — the word then
 *   visibly differs from the one it imitates. Words in a script that does not pass for Latin
 *   (привет, 日本語) are shown as written.
 * - The marker characters ⟨ and ⟩ are themselves escaped, so the output is unambiguous: every
 *   ⟨…⟩ in it is an escape.
 *
 * Every escape is also reported as a finding, so a prompt can say what was hidden.
 */

export type FindingKind = 'control' | 'invisible' | 'bidi' | 'lookalike';

export interface DisplayFinding {
  /** Index (in UTF-16 code units) in the input. */
  index: number;
  codePoint: number;
  kind: FindingKind;
  /** For look-alikes: the ASCII character it imitates. */
  looksLike?: string;
}

export interface Displayed {
  text: string;
  findings: DisplayFinding[];
}

export interface DisplayOptions {
  /** Keep line feeds as line breaks (multi-line views); default: show them as ⟨LF⟩. */
  keepNewlines?: boolean;
  /** Cut the shown text (after escaping) to about this many characters, ending in "…". */
  maxLength?: number;
}

const CONTROL_NAMES: Record<number, string> = { 0x00: 'NUL', 0x07: 'BEL', 0x08: 'BS', 0x09: 'TAB', 0x0a: 'LF', 0x0b: 'VT', 0x0c: 'FF', 0x0d: 'CR', 0x1b: 'ESC', 0x7f: 'DEL', 0x9b: 'CSI' };

const BIDI = new Set([0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]);

/** Names for the hidden characters people meet most, for the findings line. */
const NAMES: Record<number, string> = {
  0x00a0: 'no-break space',
  0x00ad: 'soft hyphen',
  0x034f: 'combining grapheme joiner',
  0x061c: 'Arabic letter mark',
  0x200b: 'zero-width space',
  0x200c: 'zero-width non-joiner',
  0x200d: 'zero-width joiner',
  0x200e: 'left-to-right mark',
  0x200f: 'right-to-left mark',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2060: 'word joiner',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate',
  0x2069: 'pop directional isolate',
  0x3164: 'Hangul filler',
  0xfeff: 'zero-width no-break space (BOM)',
};

/**
 * Letters of other scripts that pass for a Latin letter (after Unicode's confusables list,
 * the common subset: Cyrillic, Greek, Armenian, Cherokee, Latin extensions).
 */
const LOOKALIKE_LETTERS: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'B', е: 'e', ё: 'e', һ: 'h', і: 'i', ї: 'i', ј: 'j', к: 'k', м: 'M', н: 'H', о: 'o', р: 'p', с: 'c', т: 'T', у: 'y', х: 'x', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ӏ: 'l', ү: 'y', ɡ: 'g',
  А: 'A', В: 'B', Е: 'E', Ѕ: 'S', І: 'I', Ј: 'J', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', У: 'Y', Ԁ: 'D', Ԛ: 'Q', Ԝ: 'W', Ү: 'Y', Ӏ: 'I',
  // Greek
  α: 'a', ο: 'o', ν: 'v', ρ: 'p', τ: 't', ι: 'i', κ: 'k', υ: 'u', χ: 'x', γ: 'y', ε: 'e',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
  // Armenian, Cherokee, Latin extensions
  օ: 'o', ս: 'u', ց: 'g', զ: 'q', հ: 'h', ո: 'n',
  Ꭺ: 'A', Ᏼ: 'B', Ꮯ: 'C', Ꭼ: 'E', Ꮋ: 'H', Ꭻ: 'J', Ꮶ: 'K', Ꮇ: 'M', Ꮲ: 'P', Ꮪ: 'S', Ꭲ: 'T', Ꮃ: 'W',
  ı: 'i', ȷ: 'j', ℓ: 'l', ǀ: 'l', ɑ: 'a', ɩ: 'i', ʏ: 'y', ᴄ: 'c', ᴏ: 'o', ᴠ: 'v', ᴡ: 'w', ᴢ: 'z',
};

/** Punctuation that passes for an ASCII one a shell gives meaning to. */
const LOOKALIKE_PUNCT: Record<string, string> = {
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-', '\ufe63': '-', '\u2043': '-',
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'", '\u00b4': "'", '\u02b9': "'", '\u02bc': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"', '\u02ba': '"',
  '\u2044': '/', '\u2215': '/', '\u29f8': '/', '\u2216': '\\', '\u29f5': '\\', '\u29f9': '\\',
  '\u037e': ';', '\u2024': '.', '\u2027': '.', '\u0589': ':', '\u2236': ':', '\u02d0': ':', '\ua789': ':',
  '\u01c3': '!', '\u2223': '|', '\u01c0': '|', '\u2502': '|', '\u2329': '<', '\u232a': '>', '\u2039': '<', '\u203a': '>',
  '\u2217': '*', '\u2731': '*', '\u204e': '*', '\u2052': '%', '\u2053': '~', '\u02dc': '~',
};

const OPEN = '\u27e8';
const CLOSE = '\u27e9';

const HIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/u;
const ODD_SPACE = /[\p{Zs}]/u;
const MARK = /\p{M}/u;
const LETTER = /\p{L}/u;
const VARIATION = /[\u{fe00}-\u{fe0f}\u{e0100}-\u{e01ef}\u{e0000}-\u{e007f}\u{180b}-\u{180f}\u{115f}\u{1160}\u{3164}\u{ffa0}\u{2800}]/u;

/** The ASCII character a code point imitates, if it is a look-alike on its own (fullwidth, math, table). */
function imitates(ch: string): string | undefined {
  if (LOOKALIKE_PUNCT[ch]) return LOOKALIKE_PUNCT[ch];
  if (LOOKALIKE_LETTERS[ch]) return LOOKALIKE_LETTERS[ch];
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80) return undefined;
  // Fullwidth forms, mathematical alphanumerics, letterlike symbols: NFKC folds them to ASCII.
  const folded = ch.normalize('NFKC');
  if (folded.length === 1 && folded.charCodeAt(0) > 0x20 && folded.charCodeAt(0) < 0x7f) return folded;
  return undefined;
}

function hex(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, '0');
}

/** Escapes `s` for display, with what was escaped; see the module comment for what and why. */
export function displayed(s: string, opts: DisplayOptions = {}): Displayed {
  const findings: DisplayFinding[] = [];
  const chars = Array.from(s);
  // Index of each code point in UTF-16 units, and the word (whitespace-delimited) it sits in.
  const starts: number[] = [];
  let at = 0;
  for (const c of chars) {
    starts.push(at);
    at += c.length;
  }
  // A word may pass for ASCII when every letter in it is ASCII or a look-alike, and some are look-alikes.
  const passesForAscii = new Array<boolean>(chars.length).fill(false);
  for (let i = 0; i < chars.length; ) {
    let j = i;
    while (j < chars.length && !/\s/u.test(chars[j])) j++;
    let foreign = false;
    for (let k = i; k < j; k++) {
      const c = chars[k];
      if (c.codePointAt(0)! < 0x80 || !LETTER.test(c)) continue;
      if (!imitates(c)) foreign = true;
    }
    for (let k = i; k < j; k++) passesForAscii[k] = !foreign;
    i = j === i ? i + 1 : j;
  }
  let out = '';
  const escape = (i: number, kind: FindingKind, token: string, looksLike?: string) => {
    findings.push({ index: starts[i], codePoint: chars[i].codePointAt(0)!, kind, ...(looksLike ? { looksLike } : {}) });
    out += `${OPEN}${token}${CLOSE}`;
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const cp = c.codePointAt(0)!;
    if (cp === 0x0a && opts.keepNewlines) {
      out += '\n';
      continue;
    }
    if (cp === 0x20 || (cp > 0x20 && cp < 0x7f && c !== OPEN && c !== CLOSE)) {
      out += c;
      continue;
    }
    if (c === OPEN || c === CLOSE) {
      escape(i, 'lookalike', `U+${hex(cp)}`);
      continue;
    }
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      escape(i, 'control', CONTROL_NAMES[cp] ?? `U+${hex(cp)}`);
      continue;
    }
    if (BIDI.has(cp)) {
      escape(i, 'bidi', `U+${hex(cp)}`);
      continue;
    }
    if (HIDDEN.test(c) || VARIATION.test(c)) {
      escape(i, 'invisible', `U+${hex(cp)}`);
      continue;
    }
    if (ODD_SPACE.test(c)) {
      escape(i, 'invisible', `U+${hex(cp)}`, ' ');
      continue;
    }
    // A combining mark on an ASCII letter changes how it reads while the word still looks familiar.
    if (MARK.test(c) && i > 0 && chars[i - 1].codePointAt(0)! < 0x80) {
      escape(i, 'invisible', `U+${hex(cp)}`);
      continue;
    }
    const like = imitates(c);
    if (like && (!LETTER.test(c) || passesForAscii[i])) {
      escape(i, 'lookalike', `U+${hex(cp)}`, like);
      continue;
    }
    out += c;
  }
  if (opts.maxLength !== undefined && out.length > opts.maxLength) out = cut(out, opts.maxLength);
  return { text: out, findings };
}

/** Cuts without splitting an escape or a surrogate pair. */
function cut(s: string, max: number): string {
  let end = Math.max(1, max - 1);
  const open = s.lastIndexOf(OPEN, end);
  if (open >= 0 && s.indexOf(CLOSE, open) >= end) end = open;
  if (end > 0 && /[\ud800-\udbff]/.test(s[end - 1])) end--;
  return s.slice(0, end) + '…';
}

/** The escaped text only; a number is `maxLength`. */
export function displayText(s: string, opts?: DisplayOptions | number): string {
  return displayed(s, typeof opts === 'number' ? { maxLength: opts } : opts).text;
}

/** The escaped text only (an alias of displayText). */
export const displayCommand = displayText;

/** Whether displayText changes the text (a prompt can then say so). */
export function hasHiddenCharacters(s: string): boolean {
  return displayed(s).findings.length > 0;
}

/** One sentence about what was escaped, or '' when nothing was: for prompts and the audit view. */
export function describeFindings(findings: readonly DisplayFinding[]): string {
  if (!findings.length) return '';
  const parts = new Map<string, number>();
  for (const f of findings) {
    const name = NAMES[f.codePoint] ?? (f.kind === 'control' ? `control ${CONTROL_NAMES[f.codePoint] ?? `U+${hex(f.codePoint)}`}` : '');
    const what = f.looksLike && f.looksLike !== ' ' ? `U+${hex(f.codePoint)} looks like "${f.looksLike}"` : `${f.kind === 'control' ? '' : `U+${hex(f.codePoint)} `}${name}`.trim() || `U+${hex(f.codePoint)}`;
    parts.set(what, (parts.get(what) ?? 0) + 1);
  }
  const kinds = new Set(findings.map((f) => f.kind));
  const label = kinds.size === 1 && kinds.has('lookalike') ? 'look-alike' : 'hidden or look-alike';
  const list = [...parts].map(([w, n]) => (n > 1 ? `${w} (×${n})` : w)).join(', ');
  return `Shown escaped: ${findings.length} ${label} character${findings.length === 1 ? '' : 's'} (${list}).`;
}
