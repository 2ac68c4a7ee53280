// The file-write guard's backstop: a protected file (.agentpolicy.yaml, protected by the built-in
// baseline) changed or deleted on disk without approval is restored from its last good snapshot,
// and the developer is told.
import * as assert from 'assert';
import * as fs from 'fs';
import { Human, POLICY, activate, sleep, waitFor, withHuman } from './helpers';

suite('file-write guard', () => {
  let original: string;
  suiteSetup(async () => {
    await activate();
    original = fs.readFileSync(POLICY, 'utf8');
  });
  teardown(async () => {
    // Leave the good policy in place for the next tests, even when the guard did not restore it.
    if (!fs.existsSync(POLICY) || fs.readFileSync(POLICY, 'utf8') !== original) {
      fs.writeFileSync(POLICY, original);
      await sleep(1000);
    }
  });

  const restored = () => fs.existsSync(POLICY) && fs.readFileSync(POLICY, 'utf8') === original;
  const told = (h: Human) => h.prompts.find((p) => p.message.includes('.agentpolicy.yaml'));

  test('a protected file changed on disk is restored within seconds, and the developer is told', async () => {
    await withHuman(Human.denying(), async (human) => {
      fs.writeFileSync(POLICY, original.replace('no-force-push', 'force-push-is-fine') + '\n# changed behind the guard\n');
      await sleep(200);
      await waitFor(restored, 10_000, '.agentpolicy.yaml to be restored');
      await waitFor(() => told(human), 5000, 'a message naming .agentpolicy.yaml');
    });
  });

  test('a protected file deleted on disk is restored within seconds', async () => {
    await withHuman(Human.denying(), async (human) => {
      fs.unlinkSync(POLICY);
      await waitFor(restored, 10_000, '.agentpolicy.yaml to be restored');
      await waitFor(() => told(human), 5000, 'a message naming .agentpolicy.yaml');
    });
    assert.strictEqual(fs.readFileSync(POLICY, 'utf8'), original);
  });
});
