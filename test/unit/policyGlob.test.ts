import * as assert from 'assert';
import fc from 'fast-check';
import { minimatch } from 'minimatch';
import { globToRegExp } from '../../src/core/policy/commandPattern';
import { compileGlob } from '../../src/core/policy/glob';
import { PathSet } from '../../src/core/policy/paths';

/**
 * The bounded glob matcher (a Pike VM over the pattern) against minimatch, which the path patterns
 * used before (through makeRe, where a trailing `/**` also matches the folder itself): same
 * answers, and no pattern can make one test slow.
 */
const mm = (text: string, pattern: string, dot: boolean) => {
  const o = { dot, nocomment: true, nonegate: true };
  return minimatch(text, pattern, o) || (pattern.endsWith('/**') && minimatch(text, pattern.slice(0, -3), o));
};
describe('globs: bounded matching, minimatch semantics', () => {
  const PATTERNS = ['*.pem', '.env', '.env.*', 'id_rsa', '/home/dev/project/src/**', '/home/dev/project/src/**/*.ts', '/home/dev/**/x', '/a/*/b', '/a/b/**', '**', '**/x.ts', '/home/dev/project/.claude/settings*.json', '/x/{a,b}/c', '/x/{1..3}', '/x/[a-c]?', '/x/[!a]*', '/x/@(a|b).js', '/x/+(a|b)', '/x/!(a).js', '/x/*(ab)c', '/x/?(a)b', '/x/a\\*b', '*', '?', '[[:digit:]]*', '/x/**/y/**', '/x/*/**/z', '/home/dev/.vscode/extensions/agentpolicy.*', 'services/svc1/migrations/*.sql',
    // several wildcards (the automaton, with its literal pre-checks): literals at either end, between, and optional ones
    '/x/**/ab', 'ab/**/cd/**', '**/a.pem/**', '/x/*ab*/**/c?d', '/x/**/{ab,cd}*', '*ab*cd*'];
  const TEXTS = ['a.pem', '.pem', 'x.pem.bak', '.env', '.env.local', '/a/x/b', '/a/b', '/a/b/c/d', '/home/dev/project/src/a.ts', '/home/dev/project/src/x/y/a.ts', '/home/dev/project/src', '/home/dev/x', '/home/dev/a/b/x', 'x.ts', 'a/x.ts', '/home/dev/project/.claude/settings.json', '/home/dev/project/.claude/settings.local.json', '/x/a/c', '/x/2', '/x/4', '/x/bz', '/x/az', '/x/a.js', '/x/c.js', '/x/ab', '/x/abab', '/x/abc', '/x/ababc', '/x/c', '/x/b', '/x/ab.js', '/x/a*b', '/x/axb', '5abc', 'a', '/x/q/y/z', '/x/y', '/x/y/k', '/x/a/z', '/x/a/b/z', '/home/dev/.vscode/extensions/agentpolicy.agent-policy-0.1', '/x/.a.js', '/x/.hidden/y/z', 'ab/cd', 'ab/q/cd/e', 'a.pem/k', 'q/a.pem', '/x/zabz/c-d', '/x/zabz/q/cxd', '/x/q/cdab', 'xabycdz', 'abcd'];

  it('agrees with minimatch on path patterns (dot on and off)', () => {
    const wrong: string[] = [];
    for (const p of PATTERNS) for (const t of TEXTS) for (const dot of [true, false]) {
      const want = mm(t, p, dot);
      if (compileGlob(p, { dialect: 'path', dot }).test(t) !== want) wrong.push(`${p} ~ ${t} (dot ${dot}): makeRe ${want}`);
    }
    assert.deepStrictEqual(wrong, []);
  });

  it('agrees with minimatch on generated patterns and names', () => {
    const piece = fc.constantFrom('a', 'b', '.', '/', '*', '**', '?', '[ab]', '[!a]', '{a,b}', 'x', '-');
    fc.assert(
      // Names as analysis produces them: normalised, no empty segment, no trailing slash.
      fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), fc.array(fc.stringMatching(/^[ab.x-]{1,4}$/).filter((x) => x !== '.' && x !== '..'), { minLength: 1, maxLength: 3 }), fc.boolean(), (parts, segs, abs) => {
        const p = parts.join('');
        const text = (abs ? '/' : '') + segs.join('/');
        const want = mm(text, p, true);
        assert.strictEqual(compileGlob(p, { dialect: 'path' }).test(text), want, `${p} ~ ${text}`);
      }),
      { seed: 424242, numRuns: 3000 },
    );
  });

  it('token globs: * and ? cross slashes; braces; classes; an unclosed brace groups to the end', () => {
    assert.ok(globToRegExp('git push *').test('git push origin/x'));
    assert.ok(globToRegExp('{npm,pnpm} test').test('pnpm test'));
    assert.ok(globToRegExp('--force*').test('--force-with-lease'));
    assert.ok(!globToRegExp('--force*').test('--no-force'));
    assert.ok(globToRegExp('*agent{,-}policy*').test('@scope/agent-policy'));
    assert.ok(globToRegExp('{a,b').test('b'));
    assert.ok(globToRegExp('*').any);
  });

  it('token globs with several wildcards (the automaton and its literal pre-checks) agree with a plain regular expression, case folding included', () => {
    // The reference: * and ? over any characters, everything else literal (a backtracking regex is fine at these sizes).
    const reference = (p: string) => new RegExp(`^${[...p].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))).join('')}$`);
    const piece = fc.constantFrom('a', 'b', 'ab', 'x/', ' ', '-', '*', '*', '?');
    fc.assert(
      fc.property(fc.array(piece, { minLength: 2, maxLength: 9 }), fc.stringMatching(/^[abx/ -]{0,10}$/), fc.boolean(), (parts, text, nocase) => {
        const p = parts.join('');
        const t = nocase ? text.toUpperCase() : text;
        const want = new RegExp(reference(p).source, nocase ? 'i' : '').test(t);
        assert.strictEqual(compileGlob(p, { dialect: 'token', nocase }).test(t), want, `${p} ~ ${t} (nocase ${nocase})`);
      }),
      { seed: 4242, numRuns: 3000 },
    );
  });

  it('a pathological pattern decides, whichever dialect (backtracking matchers took seconds here)', () => {
    const evil = '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b';
    const name = 'a'.repeat(40);
    assert.strictEqual(compileGlob(evil, { dialect: 'path' }).test(name), false);
    assert.strictEqual(compileGlob(evil, { dialect: 'token' }).test(name), false);
    assert.strictEqual(new PathSet([evil, `**/${evil}/**`], { workspace: '/w', home: '/h' }).matches('/w/' + name), false);
    assert.strictEqual(compileGlob('+(a|aa)*b', { dialect: 'path' }).test('a'.repeat(200)), false);
    assert.strictEqual(compileGlob('!(x)*!(y)*!(z)', { dialect: 'path' }).test('a'.repeat(60)), true);
  });
});
