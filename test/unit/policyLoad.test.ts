import * as assert from 'assert';
import { formatPolicyError, loadPolicyText } from '../../src/core/policy/load';
import { policyJsonSchema } from '../../src/core/policy/schema';
import { TEMPLATES } from '../../src/core/policy/templates';

function errorsOf(text: string): string[] {
  const r = loadPolicyText(text, 'p.yaml');
  assert.strictEqual(r.ok, false, 'expected the policy to be rejected');
  return r.errors.map(formatPolicyError);
}

describe('policy loading', () => {
  it('accepts every template', () => {
    for (const [name, text] of Object.entries(TEMPLATES)) {
      const r = loadPolicyText(text, name);
      assert.ok(r.ok, `${name}: ${r.errors.map(formatPolicyError).join('\n')}`);
    }
  });

  it('names file:line:col and the path for a typo in a rule key', () => {
    const errs = errorsOf(['version: 1', 'rules:', '  - id: a', '    action: command', '    match: ls', '    efect: allow', ''].join('\n'));
    assert.ok(errs.some((e) => e.startsWith('p.yaml:6:5 rules[0].efect: unknown key "efect" (did you mean "effect"?)')), errs.join('\n'));
  });

  it('rejects an unknown top-level key instead of ignoring it', () => {
    const errs = errorsOf('version: 1\nsecret:\n  - .env\n');
    assert.ok(errs.some((e) => e.startsWith('p.yaml:2:1 secret: unknown key "secret" (did you mean "secrets"?)')), errs.join('\n'));
  });

  it('refuses allow as the default for opaque actions', () => {
    const errs = errorsOf('version: 1\ndefaults:\n  opaque: allow\n');
    assert.ok(errs.some((e) => e.startsWith('p.yaml:3:11 defaults.opaque:')), errs.join('\n'));
  });

  it('points at the bad value of a wrong type', () => {
    const errs = errorsOf('version: 1\nrules:\n  - id: x\n    action: git.push\n    force: yes-please\n    effect: deny\n');
    assert.ok(errs.some((e) => e.startsWith('p.yaml:5:12 rules[0].force:')), errs.join('\n'));
  });

  it('explains an unknown action kind', () => {
    const errs = errorsOf('version: 1\nrules:\n  - id: x\n    action: shell\n    effect: deny\n');
    assert.ok(errs.some((e) => /p\.yaml:4:13 rules\[0\]\.action: "action" must be one of command/.test(e)), errs.join('\n'));
  });

  it('reports duplicate rule ids at the second one', () => {
    const errs = errorsOf('version: 1\nrules:\n  - {id: a, action: command, match: ls, effect: allow}\n  - {id: a, action: command, match: cat, effect: allow}\n');
    assert.ok(errs.some((e) => e.includes('rules[1].id: duplicate rule id "a"')), errs.join('\n'));
  });

  it('reports YAML syntax errors with a position', () => {
    const errs = errorsOf('version: 1\nrules: [\n');
    assert.ok(errs.every((e) => /^p\.yaml:\d+:\d+ /.test(e)), errs.join('\n'));
  });

  it('reports a missing version', () => {
    const errs = errorsOf('rules: []\n');
    assert.ok(errs.some((e) => e.includes('version')), errs.join('\n'));
  });

  it('rejects duplicate keys (a later key must not silently replace an earlier one)', () => {
    const errs = errorsOf('version: 1\ndefaults:\n  command: deny\n  command: allow\n');
    assert.ok(errs.length > 0);
  });

  it('an empty file is an error, not an empty policy', () => {
    assert.ok(errorsOf('').some((e) => e.includes('empty')));
  });

  it('generates a JSON Schema that forbids unknown keys', () => {
    const s = policyJsonSchema() as { properties?: Record<string, unknown>; additionalProperties?: unknown };
    assert.ok(s.properties && 'rules' in s.properties && 'defaults' in s.properties);
    assert.strictEqual(s.additionalProperties, false);
  });
});
