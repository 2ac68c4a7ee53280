import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { parseQuotedArgv } from '../../../src/core/shell/quote';

describe('parseQuotedArgv: reads back what bash prints with ${argv[*]@Q} (the PATH shims’ text)', () => {
  it('round-trips words through real bash, control characters and quotes included', () => {
    const words = ['bash', '-c', "echo 'hi'; x=$'\\n' \"$y\"", 'tab\there', 'new\nline', "it's", 'back\\slash', 'esc\x1bseq', 'ünïcødé', '', '$(rm -rf ~)', 'a b  c'];
    const r = spawnSync('bash', ['-c', 'a=("$@"); printf %s "${a[*]@Q}"', 'x', ...words], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(parseQuotedArgv(r.stdout), words);
  });

  it('refuses text that is not only quoted words (so it is judged as the line it is)', () => {
    for (const t of ["bash -c 'x'", "'a' 'b", "$'\\q'", "'a' ; 'b'", '']) assert.strictEqual(parseQuotedArgv(t), undefined, t);
  });
});
