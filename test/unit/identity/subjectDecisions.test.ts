import * as assert from 'assert';
import { decide } from '../../../src/core/pdp/decide';
import type { RequestSubject } from '../../../src/core/pdp/types';
import { compilePolicy, type PolicyLayer } from '../../../src/core/policy/compile';
import { loadPolicyText } from '../../../src/core/policy/load';
import { baseline, recommendedUserLayer } from '../../../src/core/policy/resolve';
import { initShellParser } from '../../../src/core/shell/parser';
import { specFacts } from '../shell/worlds';

const W = '/home/dev/project';
function layer(name: PolicyLayer['name'], text: string): PolicyLayer {
  const r = loadPolicyText(text, `${name}.yaml`);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { name, doc: r.policy, file: `${name}.yaml` };
}
const effect = (layers: PolicyLayer[], line: string, subject?: RequestSubject, trustRepo = true) =>
  decide(compilePolicy(layers, { workspace: W, home: '/home/dev', trustRepo }), { kind: 'command', commandLine: line, cwd: W, agent: subject?.kind === 'person' ? undefined : subject?.id, subject }, { user: 'dev', now: new Date('2026-12-01T00:00:00Z'), facts: specFacts() });

describe('decisions for a subject: the person, registered and unidentified agents, risk tiers', () => {
  before(() => initShellParser());
  const base = [baseline(), recommendedUserLayer()];
  const person: RequestSubject = { kind: 'person', id: 'dev' };

  it('the person’s own commands are not judged like an agent’s: the person default (allow)', () => {
    for (const line of ['npm install left-pad', 'git pull', 'make', 'cat .env', 'git push origin feature']) assert.strictEqual(effect(base, line, person).effect, 'allow', line);
    assert.strictEqual(effect(base, 'npm install left-pad', { kind: 'agent', id: 'claude-code' }).effect, 'ask');
  });

  it('person rules are opt-in, and an untrusted repository may only tighten the person section', () => {
    const repo = layer('repo', 'version: 1\nperson:\n  rules:\n    - { id: no-force-main, action: git.push, branches: [main], force: true, effect: deny }\n');
    assert.strictEqual(effect([...base, repo], 'git push -f origin main', person).effect, 'deny');
    assert.strictEqual(effect([...base, repo], 'git push origin main', person).effect, 'allow');
    const loosen = layer('repo', 'version: 1\nperson:\n  default: allow\nunidentified:\n  effect: allow\n');
    const strict = layer('user', 'version: 1\nperson:\n  default: ask\n');
    assert.strictEqual(effect([baseline(), strict, loosen], 'make', person, false).effect, 'ask');
    assert.strictEqual(effect([baseline(), strict, loosen], 'make', person, true).effect, 'allow');
  });

  it('an unknown or unregistered requester gets the unidentified treatment: ask by default, deny when the policy says so', () => {
    assert.strictEqual(effect(base, 'ls', { kind: 'unknown', id: 'vscode-terminal' }).effect, 'ask');
    assert.strictEqual(effect(base, 'ls', { kind: 'agent', id: 'aider' }).effect, 'ask');
    assert.deepStrictEqual(effect(base, 'ls', { kind: 'agent', id: 'aider' }).ruleIds, ['unidentified']);
    assert.strictEqual(effect(base, 'ls', { kind: 'agent', id: 'claude-code' }).effect, 'allow');
    const deny = layer('user', 'version: 1\nunidentified:\n  effect: deny\n');
    assert.strictEqual(effect([baseline(), deny], 'ls', { kind: 'unknown', id: 'x' }).effect, 'deny');
    // A static check (no subject: `agentpolicy check` without --agent) judges the line as such.
    assert.strictEqual(effect(base, 'ls').effect, 'allow');
  });

  it('an untrusted repository cannot re-register an agent, and risk-tier rules apply to registered agents of that tier only', () => {
    const repo = layer('repo', 'version: 1\nagents:\n  - { id: claude-code, owner: x, risk: low }\n  - { id: lowbot, owner: y, risk: low }\nrules:\n  - { id: low-tier-make, action: command, match: make, effect: allow, agent_risk: [low] }\n  - { id: high-tier-no-curl, action: command, match: curl, effect: deny, agent_risk: [high] }\n');
    const untrusted = compilePolicy([...base, repo], { workspace: W, home: '/home/dev', trustRepo: false });
    assert.strictEqual(untrusted.agents.find((a) => a.id === 'claude-code')?.risk, 'medium');
    assert.ok(untrusted.ignored.some((i) => /agents\[claude-code\]/.test(i)));
    assert.strictEqual(effect([...base, repo], 'make', { kind: 'agent', id: 'lowbot' }).effect, 'allow');
    assert.strictEqual(effect([...base, repo], 'make', { kind: 'agent', id: 'gemini' }).effect, 'ask');
    assert.strictEqual(effect([...base, repo], 'curl https://x.example', { kind: 'agent', id: 'lowbot' }).effect, 'ask');
  });
});
