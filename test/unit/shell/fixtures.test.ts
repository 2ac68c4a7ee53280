import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { decide } from '../../../src/core/pdp/decide';
import { resolvePolicy } from '../../../src/core/policy/resolve';
import { MemoryFileFacts } from '../../../src/core/shell/facts/memory';
import { initShellParser } from '../../../src/core/shell/parser';
import { WORLDS } from './worlds';

/**
 * Cases for every bypass class of issue 11 (and the analysis parts of issue 9), written from the
 * recommended-policy spec and the issue, independently of the models: each line's expected effect
 * under the built-in recommended policy, in a described world (test/unit/shell/worlds.ts).
 * The lines are analysed as text only; none is ever run.
 */
interface Case {
  line: string;
  expect: string;
  world: string;
  why: string;
  shellFunctions?: Record<string, string | null>;
  /** A known gap, with why: it must still not be allowed, and the test fails when it starts passing. */
  gap?: string;
}

const W = '/home/dev/project';
const DIR = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'shell');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.jsonl')).sort();

describe('analysis fixtures: the bypass classes, each closed at its root', () => {
  let policy: ReturnType<typeof resolvePolicy>['policy'];
  before(async () => {
    await initShellParser();
    policy = resolvePolicy({ cwd: W, workspace: W, home: '/home/dev', trustRepo: false, fs: { readText: () => undefined } }).policy;
  });

  it(`holds at least 300 cases (${files.length} files)`, () => {
    const n = files.reduce((k, f) => k + fs.readFileSync(path.join(DIR, f), 'utf8').split('\n').filter(Boolean).length, 0);
    assert.ok(n >= 300, `${n} cases`);
  });

  for (const f of files) {
    const cases: Case[] = fs.readFileSync(path.join(DIR, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Case);
    it(`${f.replace(/\.jsonl$/, '')} (${cases.length} lines)`, () => {
      const wrong: string[] = [];
      for (const c of cases) {
        const world = WORLDS[c.world];
        if (!world) throw new Error(`${f}: unknown world ${c.world}`);
        const shellFunctions = c.shellFunctions ? Object.fromEntries(Object.entries(c.shellFunctions).map(([k, v]) => [k, v ?? undefined])) : undefined;
        const d = decide(policy, { kind: 'command', commandLine: c.line, cwd: W }, { user: 'dev', facts: new MemoryFileFacts(world), shellFunctions });
        const ok = c.expect.split('|').includes(d.effect);
        if (c.gap) {
          if (ok) wrong.push(`${JSON.stringify(c.line)} now passes: remove its gap note`);
          else if (d.effect === 'allow') wrong.push(`${JSON.stringify(c.line)}: a known gap must still not be allowed`);
          continue;
        }
        if (!ok) wrong.push(`${JSON.stringify(c.line)} [${c.world}]: expected ${c.expect}, got ${d.effect} (${c.why}) — ${d.reasons[0]}`);
      }
      assert.deepStrictEqual(wrong, []);
    });
  }
});
