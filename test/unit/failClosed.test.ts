import * as assert from 'assert';
import { decide } from '../../src/core/pdp/decide';
import type { CompiledPolicy } from '../../src/core/policy/compile';
import { resolvePolicy } from '../../src/core/policy/resolve';
import { analyzeCommandLine } from '../../src/core/shell/analyze';
import { initShellParser } from '../../src/core/shell/parser';

const W = '/home/dev/project';

describe('fail closed', () => {
  let policy: CompiledPolicy;
  before(async () => {
    await initShellParser();
    policy = resolvePolicy({ cwd: W, workspace: W, home: '/home/dev', trustRepo: false, fs: { readText: () => undefined } }).policy;
  });
  const effect = (line: string) => decide(policy, { kind: 'command', commandLine: line, cwd: W }, { user: 'dev' });

  it('a rule that throws denies, and the error is reported', () => {
    const throwing: CompiledPolicy = {
      ...policy,
      candidates: (a) => [
        ...policy.candidates(a),
        { id: 'broken', effect: 'allow', kind: a.kind, layer: 'repo', summary: 'broken', test: () => { throw new Error('boom'); } },
      ],
    };
    const d = decide(throwing, { kind: 'command', commandLine: 'ls', cwd: W });
    assert.strictEqual(d.effect, 'deny');
    assert.deepStrictEqual(d.ruleIds, ['broken']);
    assert.ok(d.errors.some((e) => e.includes('rule broken (repo) failed: boom')));
  });

  it('an analysis failure denies', () => {
    const broken: CompiledPolicy = { ...policy, get workspace(): string { throw new Error('no workspace'); } };
    const d = decide(broken, { kind: 'command', commandLine: 'ls', cwd: W });
    assert.strictEqual(d.effect, 'deny');
    assert.ok(d.errors[0].includes('analysis failed'));
  });

  it('a 1 MB command line is decided (ask) without analysing it all', () => {
    const d = effect('echo ' + 'a'.repeat(1 << 20));
    assert.strictEqual(d.effect, 'ask');
    assert.ok(d.actions.some((a) => a.kind === 'opaque' && a.reason === 'too-complex'));
  });

  it('10,000 nested command substitutions are decided, not a crash', () => {
    const line = '$('.repeat(10000) + 'ls' + ')'.repeat(10000);
    const d = effect(line);
    assert.notStrictEqual(d.effect, 'allow');
    assert.ok(d.actions.some((a) => a.kind === 'opaque' && a.reason === 'too-complex'));
  });

  it('10,000 nested subshells and bash -c layers are decided', () => {
    assert.notStrictEqual(effect('('.repeat(10000) + 'ls' + ')'.repeat(10000)).effect, 'allow');
    let nested = 'git push -f';
    for (let i = 0; i < 12; i++) nested = `bash -c ${JSON.stringify(nested)}`;
    assert.notStrictEqual(effect(nested).effect, 'allow');
  });

  it('a brace bomb is cut off', () => {
    const d = effect('echo ' + '{a,b}'.repeat(40));
    assert.strictEqual(d.effect, 'ask');
  });

  it('thousands of commands are bounded', () => {
    const d = effect(Array.from({ length: 5000 }, () => 'ls').join('; '));
    assert.strictEqual(d.effect, 'ask');
  });

  it('a deny seen before the limit still denies', () => {
    const d = effect('rm -rf / ; ' + Array.from({ length: 5000 }, () => 'ls').join('; '));
    assert.strictEqual(d.effect, 'deny');
  });

  it('unparsable text is at least ask', () => {
    for (const line of ['ls )', 'if then fi', 'echo "unterminated', 'case x in']) {
      assert.notStrictEqual(effect(line).effect, 'allow', line);
    }
  });

  it('analysis never throws on junk', () => {
    const junk = ['\u0000', '`', '$(', '<<', "<<'E'\n", '${', '${x[', '$((', '((', '[[', '\\', '{', '}', ';;', '&&', '|', '>', '<(', 'a=(', "$'\\", 'f() {'];
    for (const j of junk) {
      for (const line of [j, `ls ${j}`, `${j} ls`, `bash -c '${j}'`]) {
        assert.doesNotThrow(() => analyzeCommandLine(line, { workspace: W, cwd: W, home: '/home/dev' }), line);
        assert.notStrictEqual(effect(line).effect, undefined);
      }
    }
  });

  it('a request for a file action outside any rule gets the kind default, never allow by accident', () => {
    const d = decide(policy, { kind: 'file.delete', path: 'src/a.ts', cwd: W });
    assert.strictEqual(d.effect, 'ask');
  });
});
