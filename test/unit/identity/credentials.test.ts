import * as assert from 'assert';
import { CredentialAuthority } from '../../../src/core/identity/credentials';

describe('credentials: a key made on first issue', () => {
  it('an authority that issued nothing accepts no token, not even a well-formed one from another guard', async () => {
    const idle = await CredentialAuthority.create('/w');
    const other = await CredentialAuthority.create('/w');
    const { token } = await other.issue('claude-code');
    assert.strictEqual((await other.verify(token)).ok, true);
    const r = await idle.verify(token);
    assert.deepStrictEqual([r.ok, !r.ok && /issued none/.test(r.reason)], [false, true]);
  });

  it('once it issues, its own tokens verify and another guard’s still do not (one key per authority)', async () => {
    const a = await CredentialAuthority.create('/w');
    const b = await CredentialAuthority.create('/w');
    const [ta, tb] = await Promise.all([a.issue('x'), b.issue('x')]);
    // Issued concurrently: still one key each.
    const [again] = await Promise.all([a.issue('y'), a.issue('z')]);
    assert.strictEqual((await a.verify(ta.token)).ok, true);
    assert.strictEqual((await a.verify(again.token)).ok, true);
    assert.strictEqual((await a.verify(tb.token)).ok, false);
    assert.strictEqual((await b.verify(ta.token)).ok, false);
  });
});
