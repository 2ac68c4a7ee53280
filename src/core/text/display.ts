/**
 * Text shown to a person about what an agent wants (prompts, modals, the audit view) must show
 * what will run, not what the text makes a terminal or a renderer display. Control and escape
 * characters are written as escapes, invisible and bidirectional-format characters become
 * visible, and letters that look like ASCII but are not (Cyrillic "а", fullwidth "ｇ") are
 * marked, so a shown command cannot be rewritten, hidden or disguised.
 */

const NAMED: Record<number, string> = { 0x07: '\\a', 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0b: '\\v', 0x0c: '\\f', 0x0d: '\\r', 0x1b: '\\e' };

/** Scripts and blocks whose letters are commonly used to imitate ASCII. */
const LOOKALIKE_RANGES: readonly [number, number][] = [
  [0x0370, 0x03ff], // Greek
  [0x0400, 0x052f], // Cyrillic
  [0x0530, 0x058f], // Armenian
  [0x13a0, 0x13ff], // Cherokee
  [0x1d00, 0x1dbf], // phonetic extensions (small capitals)
  [0x2100, 0x214f], // letterlike symbols
  [0x2150, 0x218f], // number forms (Roman numerals)
  [0x2460, 0x24ff], // enclosed alphanumerics
  [0xa640, 0xa69f], // Cyrillic extended
  [0xff00, 0xffef], // fullwidth and halfwidth forms
  [0x1d400, 0x1d7ff], // mathematical alphanumerics
];

function isLookalike(cp: number): boolean {
  for (const [lo, hi] of LOOKALIKE_RANGES) if (cp >= lo && cp <= hi) return true;
  return false;
}

const hex = (cp: number) => cp.toString(16).toUpperCase().padStart(cp > 0xffff ? 5 : 4, '0');

/** One code point as shown: itself, or a visible escape. */
function show(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp >= 0x20 && cp < 0x7f) return ch;
  if (cp < 0x20 || cp === 0x7f) return NAMED[cp] ?? `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp >= 0x80 && cp < 0xa0) return `\\u{${hex(cp)}}`; // C1 controls (CSI 0x9b acts like ESC [)
  // Invisible, format, separator and private-use characters, lone surrogates, non-characters.
  if (/[\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Cn}]/u.test(ch) || (/\p{Zs}/u.test(ch) && cp !== 0x20)) return `\\u{${hex(cp)}}`;
  if (/\p{M}/u.test(ch)) return `\\u{${hex(cp)}}`; // combining marks can stack over ASCII
  if (isLookalike(cp)) return `\\u{${hex(cp)}}`;
  return ch;
}

/**
 * `text` made safe to show on one line: every character that is not plain printable text is
 * written as an escape (`\e`, `\n`, `\u{202E}`). `maxLength` shortens long text with "…".
 */
export function displayText(text: string, maxLength = Infinity): string {
  let out = '';
  for (const ch of text) {
    out += show(ch);
    if (out.length > maxLength) return out.slice(0, Math.max(0, maxLength - 1)) + '…';
  }
  return out;
}

/** Whether displayText would change the text (the prompt can then say so). */
export function hasHiddenCharacters(text: string): boolean {
  for (const ch of text) if (show(ch) !== ch) return true;
  return false;
}
