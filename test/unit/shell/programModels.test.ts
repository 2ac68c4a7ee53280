import * as assert from 'assert';
import { analyzeCommandLine } from '../../../src/core/shell/analyze';
import { MemoryFileFacts } from '../../../src/core/shell/facts/memory';
import { initShellParser } from '../../../src/core/shell/parser';
import type { ProgramModel } from '../../../src/core/shell/programs/model';
import { allModels, buildRegistry, FAMILIES, SCRIPT_MODEL, UNKNOWN_MODEL } from '../../../src/core/shell/programs/registry';
import { describeForExample } from './describe';

const W = '/home/dev/project';

/**
 * One test for every program model: each model's worked examples (a line, the actions it must
 * produce and the ones it must not) are analysed in the world the example describes.
 */
describe('program models: every model’s worked examples', () => {
  before(() => initShellParser());

  const models: ProgramModel[] = [...allModels(), SCRIPT_MODEL, UNKNOWN_MODEL];

  it('every model has a summary and at least one example', () => {
    const bare = models.filter((m) => !m.summary || m.examples.length === 0).map((m) => m.names.join(','));
    assert.deepStrictEqual(bare, []);
  });

  for (const m of models) {
    it(`${m.names.slice(0, 4).join(', ') || m.summary.split(':')[0]}${m.names.length > 4 ? ', …' : ''} (${m.runs})`, () => {
      const wrong: string[] = [];
      for (const ex of m.examples) {
        // Unless the example says otherwise, every file is one the agent wrote (untracked).
        const facts = new MemoryFileFacts(ex.world ?? { unlisted: 'untracked' });
        const got = analyzeCommandLine(ex.line, { workspace: W, cwd: W, home: '/home/dev', user: 'dev', facts }).actions.map(describeForExample);
        for (const want of ex.actions ?? []) if (!got.includes(want)) wrong.push(`${JSON.stringify(ex.line)}: missing "${want}" in [${got.join(' | ')}]`);
        for (const not of ex.absent ?? []) if (got.includes(not)) wrong.push(`${JSON.stringify(ex.line)}: must not have "${not}" in [${got.join(' | ')}]`);
      }
      assert.deepStrictEqual(wrong, []);
    });
  }

  it('the registry refuses a program name defined twice', () => {
    const a = models[0];
    assert.throws(() => buildRegistry({ one: [a], two: [{ ...a, summary: 'a copy' }] }), /defined twice/);
    assert.doesNotThrow(() => buildRegistry(FAMILIES));
  });

  it('bun, go, let, jq and yq each have exactly one model', () => {
    for (const n of ['bun', 'go', 'let', 'jq', 'yq']) assert.strictEqual(allModels().filter((m) => m.names.includes(n)).length, 1, n);
  });
});
