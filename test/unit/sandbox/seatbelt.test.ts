import * as assert from 'assert';
import { PathSet } from '../../../src/core/policy/paths';
import { buildProfile } from '../../../src/core/sandbox/profile';
import { patternRegex, seatbeltProfile } from '../../../src/core/sandbox/seatbelt';
import { makeFixture, type Fixture } from './fixture';

// sandbox-exec cannot run on Linux: these tests check the generated SBPL text only.
describe('seatbelt profile (macOS, text only)', () => {
  let f: Fixture;
  let text: string;
  before(() => {
    f = makeFixture({ 'ws/.env': 'S=1', 'ws/.agentpolicy.yaml': 'version: 1\n', 'ws/.git/config': '[core]\n', 'home/.claude/settings.json': '{}', 'home/.ssh/id_rsa': 'K' });
    const p = buildProfile({ policy: f.policy(), env: {}, agent: 'claude', program: 'claude' });
    text = seatbeltProfile(p, { tmpDir: '/private/var/folders/xx/T/agentpolicy-run-1', loopbackPorts: [3128, 41234], unixSockets: ['/private/tmp/ap/broker.sock'] });
  });
  after(() => f.cleanup());

  const at = (needle: string) => {
    const i = text.indexOf(needle);
    assert.ok(i >= 0, `missing: ${needle}\n${text}`);
    return i;
  };

  it('denies by default and allows reading before denying secrets (the last matching rule wins)', () => {
    assert.ok(text.startsWith('(version 1)'));
    assert.ok(at('(deny default)') < at('(allow file-read*)'));
    assert.ok(at('(allow file-read*)') < at('(regex #"/\\.env(/|$)")'));
  });

  it('re-allows the policy exceptions, then denies the credential paths again after them', () => {
    const exception = at('(regex #"/\\.env\\.example(/|$)")');
    const ssh = at(`(subpath "${f.home}/.ssh")`);
    assert.ok(exception < ssh, 'an exception cannot reopen ~/.ssh');
    // Credential folders that do not exist yet are denied too (no mirror on macOS).
    at(`(subpath "${f.home}/.aws")`);
    at(`(literal "${f.ws}/.env")`);
  });

  it('allows writing only in the workspace, the agent state and its temp folder, then denies protected paths', () => {
    const allowWrite = at('(allow file-write*');
    at(`(subpath "${f.ws}")`);
    at(`(subpath "${f.home}/.claude")`);
    at('(subpath "/private/var/folders/xx/T/agentpolicy-run-1")');
    const deny = text.indexOf('(deny file-write*', allowWrite);
    assert.ok(deny > allowWrite);
    const protectedPart = text.slice(deny);
    assert.ok(protectedPart.includes(`(subpath "${f.ws}/.git/config")`));
    assert.ok(protectedPart.includes(`(subpath "${f.home}/.claude/settings.json")`));
    // By name too: a .agentpolicy.yaml created later is still not writable.
    assert.ok(protectedPart.includes('(regex #"/\\.agentpolicy\\.yaml(/|$)")'));
  });

  it('limits the network to the guard on loopback and its sockets', () => {
    at('(remote ip "localhost:3128")');
    at('(remote ip "localhost:41234")');
    at('(remote unix-socket (path-literal "/private/tmp/ap/broker.sock"))');
    assert.ok(!/\(allow network\*/.test(text));
    assert.ok(!/remote ip "\*/.test(text));
  });

  it('quotes paths with quotes and backslashes', () => {
    const p = buildProfile({ policy: f.policy(), env: {} });
    const odd = seatbeltProfile({ ...p, readWrite: ['/w/a"b\\c'] }, { tmpDir: '/t', loopbackPorts: [], unixSockets: [] });
    assert.ok(odd.includes('(subpath "/w/a\\"b\\\\c")'));
  });

  it('pattern regexes mean what the policy paths mean', () => {
    const ctx = { workspace: '/w', home: '/home/u' };
    const patterns = ['.env', '.env.*', '*.pem', '.ssh/', '~/.aws/credentials', 'src/gen/**', 'config/*.{yml,yaml}', 'id_[rd]sa', '.agentpolicy/', '/etc/agentpolicy/org.yaml', 'docs/**/secret.md'];
    const paths = ['/w/.env', '/w/a/.env', '/w/.env.local', '/w/.envrc', '/w/x.pem', '/w/a/b.pem', '/w/a.pem.bak', '/home/u/.ssh/id_rsa', '/w/.ssh', '/home/u/.aws/credentials', '/home/u/.aws/config', '/w/src/gen/a/b.ts', '/w/src/gen', '/w/x/src/gen/a', '/w/config/a.yml', '/w/config/a.yaml', '/w/config/a.json', '/w/id_rsa', '/w/id_dsa', '/w/id_ecdsa', '/w/.agentpolicy/x', '/etc/agentpolicy/org.yaml', '/w/docs/secret.md', '/w/docs/a/b/secret.md', '/w/docs/secret.mdx'];
    for (const pat of patterns) {
      const set = new PathSet([pat], ctx);
      const re = new RegExp(patternRegex(pat, ctx));
      for (const abs of paths) assert.strictEqual(re.test(abs), set.matches(abs), `${pat} vs ${abs}`);
    }
  });
});
