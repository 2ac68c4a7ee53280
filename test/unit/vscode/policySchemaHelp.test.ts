/**
 * Editing help for .agentpolicy.yaml from the zod schema: the cursor's place in a half-typed
 * file, the keys and values allowed there (rule kinds narrowed by `action`), and "did you mean".
 */
import * as assert from 'assert';
import { closest, cursorContext, fixesFor, keysAt } from '../../../src/vscode/policySchemaHelp';

/** Context at the `|` in `text`. */
const at = (text: string) => cursorContext(text.replace('|', ''), text.indexOf('|'));

describe('policy editing help (src/vscode/policySchemaHelp.ts)', () => {
  it('top-level keys, with descriptions', () => {
    const c = at('version: 1\nru|')!;
    assert.deepStrictEqual([c.kind, c.path, c.prefix], ['key', [], 'ru']);
    const keys = keysAt(c.path).map((k) => k.key);
    for (const k of ['version', 'defaults', 'protected', 'secrets', 'agents', 'approval', 'rules', 'tests']) assert.ok(keys.includes(k), k);
    assert.match(keysAt([]).find((k) => k.key === 'rules')!.description, /strictest effect wins/);
  });

  it('keys of a rule, narrowed by its action; values of its effect', () => {
    const rule = 'version: 1\nrules:\n  - id: x\n    action: git.push\n    |\n';
    const c = at(rule)!;
    assert.deepStrictEqual([c.kind, c.path], ['key', ['rules', 0]]);
    const keys = keysAt(c.path, c.siblings).map((k) => k.key);
    for (const k of ['branches', 'force', 'remotes', 'effect', 'reason']) assert.ok(keys.includes(k), `${k} in ${keys}`);
    assert.ok(!keys.includes('match'), 'match belongs to command rules, not git.push');
    const v = at('version: 1\nrules:\n  - id: x\n    action: command\n    effect: a|\n')!;
    assert.deepStrictEqual([v.kind, v.key, v.prefix], ['value', 'effect', 'a']);
    assert.deepStrictEqual(keysAt(v.path, v.siblings).find((k) => k.key === 'effect')!.values, ['allow', 'ask', 'deny']);
  });

  it('a new list item, a flow mapping, and defaults', () => {
    const n = at('version: 1\nrules:\n  - id: a\n    action: command\n    match: ls\n    effect: allow\n  - |')!;
    assert.deepStrictEqual([n.kind, n.path], ['key', ['rules', 0]]);
    const f = at('rules:\n  - {id: x, action: file.delete, rec|}\n')!;
    assert.deepStrictEqual([f.kind, f.prefix], ['key', 'rec']);
    assert.ok(keysAt(f.path, f.siblings).some((k) => k.key === 'recursive'));
    const d = at('defaults:\n  opaque: |\n')!;
    assert.deepStrictEqual([d.kind, d.key, d.path], ['value', 'opaque', ['defaults']]);
    assert.deepStrictEqual(keysAt(d.path).find((k) => k.key === 'opaque')!.values, ['ask', 'deny'], 'opaque is never allow');
  });

  it('did you mean: from the loader\'s suggestion, the closest key, or the allowed values', () => {
    assert.deepStrictEqual(fixesFor('unknown key "efect" (did you mean "effect"?)', 'efect', undefined), ['effect']);
    assert.deepStrictEqual(closest('brnches', ['branches', 'remotes', 'force']), ['branches']);
    const c = at('defaults:\n  file.delete: sometimes|\n');
    assert.deepStrictEqual(fixesFor('Invalid option: expected one of "allow"|"ask"|"deny"', 'sometimes', c), ['allow', 'ask', 'deny']);
    const v = at('defaults:\n  command: alow|\n');
    assert.strictEqual(fixesFor('Invalid option', 'alow', v)[0], 'allow');
  });

  it('nothing in comments', () => {
    assert.strictEqual(at('# rules: |\nversion: 1\n'), undefined);
  });
});
