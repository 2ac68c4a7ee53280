import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { decide } from '../../src/core/pdp/decide';
import { resolvePolicy } from '../../src/core/policy/resolve';
import { initShellParser } from '../../src/core/shell/parser';
import { specFacts } from './shell/worlds';

/**
 * The recommended policy against a corpus of real and adversarial agent command lines,
 * written from ../shared/spec/recommended-policy.md independently of the implementation.
 */
const root = path.resolve(__dirname, '..', '..', '..');
const cases: { line: string; expect: string; note: string }[] = fs
  .readFileSync(path.join(root, 'test', 'fixtures', 'recommended-cases.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));

/**
 * Lines the guard does not yet get exactly right, each with why. They must still never be
 * allowed; the test fails if one starts passing (so the list shrinks) or gets laxer.
 */
const KNOWN_GAPS = new Map<string, string>([]);

describe('recommended policy: spec corpus', () => {
  const W = '/home/dev/project';
  let policy: ReturnType<typeof resolvePolicy>['policy'];
  before(async () => {
    await initShellParser();
    // No policy files exist under this fake home: the built-in recommended policy applies.
    policy = resolvePolicy({ cwd: W, workspace: W, home: '/home/dev', trustRepo: false, fs: { readText: () => undefined } }).policy;
  });

  const sections = new Map<string, typeof cases>();
  for (const c of cases) {
    const s = c.note.split(':')[0];
    sections.set(s, [...(sections.get(s) ?? []), c]);
  }
  for (const [section, list] of sections) {
    it(`${section} (${list.length} lines)`, () => {
      const wrong: string[] = [];
      for (const c of list) {
        const d = decide(policy, { kind: 'command', commandLine: c.line, cwd: W }, { user: 'dev', facts: specFacts() });
        const ok = c.expect.split('|').includes(d.effect);
        if (KNOWN_GAPS.has(c.line)) {
          if (ok) wrong.push(`${JSON.stringify(c.line)} now passes: remove it from KNOWN_GAPS`);
          else if (d.effect === 'allow') wrong.push(`${JSON.stringify(c.line)}: a known gap must still not be allowed`);
          continue;
        }
        if (!ok) wrong.push(`${JSON.stringify(c.line)}: expected ${c.expect}, got ${d.effect} (${c.note}) — ${d.reasons[0]}`);
      }
      assert.deepStrictEqual(wrong, []);
    });
  }
});
