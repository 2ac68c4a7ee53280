import * as assert from 'assert';
import fc from 'fast-check';
import { diffLines, diffStat, unifiedDiff } from '../../src/core/text/diff';

describe('line diff (src/core/text/diff.ts)', () => {
  it('shows what changed with context', () => {
    const a = 'version: 1\nrules:\n  - id: a\n    effect: deny\n  - id: b\n';
    const b = 'version: 1\nrules:\n  - id: a\n    effect: allow\n  - id: b\n';
    assert.deepStrictEqual(unifiedDiff(a, b, 1), ['   - id: a', '-    effect: deny', '+    effect: allow', '   - id: b']);
    assert.strictEqual(diffStat(a, b), '+1 -1 lines');
    assert.deepStrictEqual(unifiedDiff(a, a), []);
  });

  it('property: applying the script to a gives b', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', ''), { maxLength: 12 }).map((l) => l.join('\n'));
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const d = diffLines(a, b);
        assert.strictEqual(d.filter((l) => l.op !== '+').map((l) => l.text).join('\n'), a);
        assert.strictEqual(d.filter((l) => l.op !== '-').map((l) => l.text).join('\n'), b);
      }),
      { numRuns: 2000 },
    );
  });
});
