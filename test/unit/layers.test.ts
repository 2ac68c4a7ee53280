import * as assert from 'assert';
import { decide } from '../../src/core/pdp/decide';
import { compilePolicy, type PolicyLayer } from '../../src/core/policy/compile';
import { loadPolicyText } from '../../src/core/policy/load';
import { baseline, recommendedUserLayer, resolvePolicy } from '../../src/core/policy/resolve';
import { initShellParser } from '../../src/core/shell/parser';
import { specFacts } from './shell/worlds';

const W = '/home/dev/project';
const HOME = '/home/dev';

function layer(name: PolicyLayer['name'], text: string): PolicyLayer {
  const r = loadPolicyText(text, `${name}.yaml`);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { name, doc: r.policy, file: `${name}.yaml` };
}

function effect(layers: PolicyLayer[], line: string, trustRepo = false, agent?: string): string {
  const p = compilePolicy(layers, { workspace: W, home: HOME, trustRepo });
  return decide(p, { kind: 'command', commandLine: line, cwd: W, agent, subject: agent ? { kind: 'agent', id: agent } : undefined }, { user: 'dev', now: new Date('2026-11-26T00:00:00Z'), facts: specFacts() }).effect;
}

describe('policy layers and trust', () => {
  before(() => initShellParser());

  const repoAllowsMake = layer('repo', 'version: 1\nrules:\n  - {id: make, action: command, match: make, effect: allow}\n');

  it('ignores repo allow rules unless the repo is trusted', () => {
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repoAllowsMake], 'make build'), 'ask');
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repoAllowsMake], 'make build', true), 'allow');
  });

  it('says which repo rules were ignored', () => {
    const p = compilePolicy([baseline(), recommendedUserLayer(), repoAllowsMake], { workspace: W, home: HOME, trustRepo: false });
    assert.ok(p.ignored.some((i) => i.includes('rule make (allow) ignored')), p.ignored.join('\n'));
  });

  it('lets an untrusted repo tighten', () => {
    const repo = layer('repo', 'version: 1\nrules:\n  - {id: no-cat, action: command, match: cat, effect: deny}\n');
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repo], 'cat README.md'), 'deny');
  });

  it('an untrusted repo cannot loosen a default; a trusted one can', () => {
    const repo = layer('repo', 'version: 1\ndefaults:\n  command: allow\n');
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repo], 'make'), 'ask');
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repo], 'make', true), 'allow');
  });

  it('an org default is a floor even for a trusted repo', () => {
    const org = layer('org', 'version: 1\ndefaults:\n  command: deny\n');
    const repo = layer('repo', 'version: 1\ndefaults:\n  command: allow\n');
    assert.strictEqual(effect([baseline(), org, recommendedUserLayer(), repo], 'make', true), 'deny');
  });

  it('deny in any layer beats allow in any other', () => {
    const org = layer('org', 'version: 1\nrules:\n  - {id: org-no-npm-test, action: command, match: "npm test", effect: deny}\n');
    assert.strictEqual(effect([baseline(), org, recommendedUserLayer()], 'npm test'), 'deny');
  });

  it('the baseline protects the policy file under every template', () => {
    const permissive = layer('repo', 'version: 1\ndefaults:\n  command: allow\n  file.write: allow\n');
    assert.strictEqual(effect([baseline(), permissive], 'echo x > .agentpolicy.yaml', true), 'deny');
  });

  it('applies agent-specific rules to that agent only', () => {
    const repo = layer('repo', 'version: 1\nagents:\n  - {id: ci-bot, owner: ci}\n  - {id: codex-cli, owner: ci}\nrules:\n  - {id: bot-make, action: command, match: make, effect: allow, agents: [ci-bot]}\n  - {id: no-codex-curl, action: command, match: curl, effect: deny, agents: "codex*"}\n');
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repo], 'make', true, 'ci-bot'), 'allow');
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repo], 'make', true, 'claude-code'), 'ask');
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repo], 'make', true), 'ask');
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repo], 'curl https://x.example', true, 'codex-cli'), 'deny');
    // Unattributed requests stay bound by agent-specific denies.
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repo], 'curl https://x.example', true), 'deny');
  });

  it('asks instead of allowing for unregistered or expired agents (the unidentified treatment)', () => {
    const repo = layer('repo', 'version: 1\nagents:\n  - {id: claude-code, owner: dev@example.com, risk: medium}\n  - {id: old-bot, owner: ops, risk: low, expires: 2026-01-01}\n');
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repo], 'ls', true, 'claude-code'), 'allow');
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repo], 'ls', true, 'old-bot'), 'ask');
    assert.strictEqual(effect([baseline(), recommendedUserLayer(), repo], 'ls', true, 'stranger'), 'ask');
  });

  it('finds the repo policy from cwd upward and falls back to recommended without one', () => {
    const files: Record<string, string> = { [`${W}/.agentpolicy.yaml`]: 'version: 1\nrules:\n  - {id: no-ls, action: command, match: ls, effect: deny}\n' };
    const fs = { readText: (f: string) => files[f] };
    const r = resolvePolicy({ cwd: `${W}/src/deep`, home: HOME, trustRepo: false, fs });
    assert.strictEqual(r.repoFile, `${W}/.agentpolicy.yaml`);
    assert.strictEqual(r.policy.workspace, W);
    assert.strictEqual(decide(r.policy, { kind: 'command', commandLine: 'ls', cwd: W }).effect, 'deny');
    const none = resolvePolicy({ cwd: W, home: HOME, trustRepo: false, fs: { readText: () => undefined } });
    assert.strictEqual(decide(none.policy, { kind: 'command', commandLine: 'git push -f', cwd: W }).effect, 'deny');
  });

  it('a broken repo policy is reported, and the rest stays in force (never allow-all)', () => {
    const files: Record<string, string> = { [`${W}/.agentpolicy.yaml`]: 'version: 1\ndefaults:\n  command: allw\n' };
    const r = resolvePolicy({ cwd: W, home: HOME, trustRepo: true, fs: { readText: (f: string) => files[f] } });
    assert.ok(r.errors.length > 0);
    assert.strictEqual(decide(r.policy, { kind: 'command', commandLine: 'make', cwd: W }).effect, 'ask');
    assert.strictEqual(decide(r.policy, { kind: 'command', commandLine: 'rm -rf /', cwd: W }).effect, 'deny');
  });
});
