/**
 * What a person is shown of an agent's command: control and escape sequences, invisible and
 * bidi characters, and look-alikes become visible tokens; plain ASCII and honest non-Latin
 * text are unchanged; the output is unambiguous.
 */
import * as assert from 'assert';
import fc from 'fast-check';
import { describeFindings, displayCommand, displayed, hasHiddenCharacters, displayText } from '../../src/core/text/display';

describe('display escaping (src/core/text/display.ts)', () => {
  it('the one-line API the tty approver uses: displayText(text, maxLength), hasHiddenCharacters', () => {
    assert.strictEqual(displayText('a\x1bb', 100), 'a⟨ESC⟩b');
    assert.strictEqual(displayText('x'.repeat(50), 10), 'x'.repeat(9) + '…');
    assert.strictEqual(hasHiddenCharacters('git push'), false);
    assert.strictEqual(hasHiddenCharacters('g\u0456t push'), true);
  });

  it('leaves printable ASCII alone', () => {
    for (const s of ['git push origin main', `echo "a b" 'c' | grep -v x && rm -rf dist/*`, 'printf %s\\n $HOME']) assert.strictEqual(displayCommand(s), s);
  });

  it('shows control characters: an ESC sequence cannot rewrite the line, a CR cannot hide what came before', () => {
    const s = 'rm -rf ~ \x1b[2K\rgit status';
    const d = displayed(s);
    assert.strictEqual(d.text, 'rm -rf ~ ⟨ESC⟩[2K⟨CR⟩git status');
    assert.deepStrictEqual(d.findings.map((f) => f.kind), ['control', 'control']);
    assert.strictEqual(displayCommand('a\tb\nc\x00d\x7fe\u009bf'), 'a⟨TAB⟩b⟨LF⟩c⟨NUL⟩d⟨DEL⟩e⟨CSI⟩f');
  });

  it('keeps line breaks only when asked (multi-line views)', () => {
    assert.strictEqual(displayCommand('a\nb', { keepNewlines: true }), 'a\nb');
    assert.strictEqual(displayCommand('a\r\nb', { keepNewlines: true }), 'a⟨CR⟩\nb');
  });

  it('shows bidi overrides and invisible characters', () => {
    const d = displayed('cat file\u202Etxt.exe\u200B \u00a0x\ufeff');
    assert.strictEqual(d.text, 'cat file⟨U+202E⟩txt.exe⟨U+200B⟩ ⟨U+00A0⟩x⟨U+FEFF⟩');
    assert.deepStrictEqual(d.findings.map((f) => f.kind), ['bidi', 'invisible', 'invisible', 'invisible']);
    assert.match(describeFindings(d.findings), /U\+202E right-to-left override, U\+200B zero-width space, U\+00A0 no-break space, U\+FEFF zero-width no-break space/);
  });

  it('shows look-alike letters in a word that passes for ASCII, and look-alike punctuation', () => {
    const d = displayed('g\u0456t push \uff47it \u{1d420}it curl x \u2014force \u201cq\u201d');
    assert.strictEqual(d.text, 'g⟨U+0456⟩t push ⟨U+FF47⟩it ⟨U+1D420⟩it curl x ⟨U+2014⟩force ⟨U+201C⟩q⟨U+201D⟩');
    assert.deepStrictEqual(d.findings.map((f) => f.looksLike), ['i', 'g', 'g', '-', '"', '"']);
    assert.match(describeFindings(d.findings.slice(0, 1)), /1 look-alike character \(U\+0456 looks like "i"\)/);
  });

  it('shows honest non-Latin words as written', () => {
    for (const s of ['cat привет.txt', 'echo 日本語', 'touch café', 'ls Ελλάδα']) assert.strictEqual(displayCommand(s), s, s);
  });

  it('escapes its own markers, so every ⟨…⟩ in the output is an escape', () => {
    assert.strictEqual(displayCommand('echo ⟨ESC⟩'), 'echo ⟨U+27E8⟩ESC⟨U+27E9⟩');
  });

  it('cuts long text without splitting an escape', () => {
    const d = displayCommand('x'.repeat(10) + '\x1b' + 'y'.repeat(50), { maxLength: 14 });
    assert.strictEqual(d, 'x'.repeat(10) + '…');
  });

  it('property: nothing hidden survives, and distinct inputs stay distinct', () => {
    const unit = fc.oneof(fc.string({ unit: 'grapheme-ascii' }), fc.string({ unit: 'binary' }), fc.constantFrom('\x1b', '\r', '\u202e', '\u200b', 'і', '⟨', '⟩', '\ufe0f', '\u{e0041}'));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 8 }).map((a) => a.join('')), (s) => {
        const t = displayCommand(s);
        assert.ok(!/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]/u.test(t), JSON.stringify(t));
        assert.ok(!/[\u202a-\u202e\u2066-\u2069]/.test(t));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 }), (a, b) => {
        fc.pre(a !== b);
        assert.notStrictEqual(displayCommand(a), displayCommand(b), `${JSON.stringify(a)} and ${JSON.stringify(b)} look the same`);
      }),
      { numRuns: 3000 },
    );
  });
});
