import * as assert from 'assert';
import { compilePolicy } from '../../src/core/policy/compile';
import { formatPolicyError, loadPolicyText } from '../../src/core/policy/load';
import { baseline } from '../../src/core/policy/resolve';

describe('policy loading at the limits', () => {
  it('a YAML alias bomb is one located error, not a stack trace', () => {
    let y = 'version: 1\na: &a ["x","x","x","x","x","x","x","x","x"]\n';
    let prev = 'a';
    for (let i = 0; i < 9; i++) {
      const n = `b${i}`;
      y += `${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
      prev = n;
    }
    const r = loadPolicyText(y, 'bomb.yaml');
    assert.strictEqual(r.ok, false);
    if (r.ok) return;
    assert.strictEqual(r.errors.length, 1);
    assert.match(formatPolicyError(r.errors[0]), /^bomb\.yaml:3:\d+ .*alias/);
  });

  it('a shared collection goes through the located path, a harmless alias still loads', () => {
    const r = loadPolicyText('version: 1\nsecrets: &s [".env"]\nprotected: *s\n', 'a.yaml');
    assert.ok(r.ok);
    if (r.ok) assert.deepStrictEqual(r.policy.protected, ['.env']);
  });

  it('the fast reader and the located one agree: duplicate keys, bad types and unknown keys are located errors', () => {
    for (const [text, re] of [
      ['version: 1\nversion: 1\n', /duplicate|unique/i],
      ['version: 1\nrules:\n  - {id: x, action: command, match: ls, effect: alow}\n', /rules\[0\]\.effect/],
      ['version: 1\nrulez: []\n', /unknown key "rulez"/],
    ] as const) {
      const r = loadPolicyText(text, 'p.yaml');
      assert.strictEqual(r.ok, false, text);
      if (!r.ok) assert.match(r.errors.map(formatPolicyError).join('\n'), re);
    }
  });

  it('a 100,000-rule policy loads and compiles, and its rules decide', () => {
    let y = 'version: 1\nrules:\n';
    for (let i = 0; i < 100000; i++) {
      y += i % 2 ? `  - {id: r${i}, action: file.write, paths: ["services/svc${i}/**"], effect: deny}\n` : `  - {id: r${i}, action: command, match: "tool${i} run", effect: deny}\n`;
    }
    const r = loadPolicyText(y, 'big.yaml');
    assert.ok(r.ok);
    if (!r.ok) return;
    const p = compilePolicy([baseline(), { name: 'repo', doc: r.policy, file: 'big.yaml' }], { workspace: '/w', home: '/h', trustRepo: true });
    const cmd = p.candidates({ kind: 'command', argv: ['tool99998', 'run'], program: 'tool99998', cwd: '/w', command: 0 });
    assert.ok(cmd.some((x) => x.id === 'r99998' && x.test({ kind: 'command', argv: ['tool99998', 'run'], program: 'tool99998', cwd: '/w', command: 0 }) === 'yes'));
    const file = p.candidates({ kind: 'file.write', path: '/w/services/svc99999/a', via: 't', command: 0 });
    assert.ok(file.some((x) => x.id === 'r99999'));
  });
});
