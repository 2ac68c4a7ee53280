/**
 * "How to proceed" that works: the advice names the layer file that decides, and the edit it
 * proposes, applied to that file, really changes the decision (and an edit elsewhere would not).
 */
import * as assert from 'assert';
import { parse } from 'yaml';
import { decide } from '../../src/core/pdp/decide';
import { decisionLine } from '../../src/core/pdp/message';
import { compilePolicy, type PolicyLayer } from '../../src/core/policy/compile';
import { loadPolicyText } from '../../src/core/policy/load';
import { baseline, recommendedUserLayer } from '../../src/core/policy/resolve';
import { RECOMMENDED_POLICY } from '../../src/core/policy/templates';
import { initShellParser } from '../../src/core/shell/parser';
import { howToProceed } from '../../src/core/text/advice';
import { specFacts } from './shell/worlds';

const W = '/home/dev/project';
const HOME = '/home/dev';
const REPO_FILE = `${W}/.agentpolicy.yaml`;

function layer(name: PolicyLayer['name'], text: string, file: string): PolicyLayer {
  const r = loadPolicyText(text, file);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { name, doc: r.policy, file };
}
const compile = (layers: PolicyLayer[]) => compilePolicy(layers, { workspace: W, home: HOME, trustRepo: true });
const judge = (layers: PolicyLayer[], line: string) => {
  const p = compile(layers);
  // In the spec world (the Makefile is tracked and unchanged from HEAD, so its target may match an allow rule).
  return { p, d: decide(p, { kind: 'command', commandLine: line, cwd: W }, { user: 'dev', facts: specFacts() }) };
};
/** The `- {…}` rules the advice proposes, as YAML flow mappings. */
const proposedRules = (advice: string) => [...advice.matchAll(/- (\{[^}]*\})/g)].map((m) => parse(m[1]));

describe('advice that works (src/core/text/advice.ts)', () => {
  before(() => initShellParser());

  for (const line of ['make build', 'curl https://github.com/x', 'git push origin feature', 'touch /tmp/elsewhere/x']) {
    it(`an ask from a default: the proposed allow rules, added to ${REPO_FILE}, make \`${line}\` run`, () => {
      const layers = [baseline(), recommendedUserLayer()];
      const { p, d } = judge(layers, line);
      assert.strictEqual(d.effect, 'ask');
      const advice = howToProceed(d, p);
      assert.ok(advice.includes(REPO_FILE), advice);
      const rules = proposedRules(advice);
      assert.ok(rules.length > 0, advice);
      const repo = layer('repo', `version: 1\nrules:\n${rules.map((r) => `  - ${JSON.stringify(r)}`).join('\n')}\n`, REPO_FILE);
      assert.strictEqual(judge([...layers, repo], line).d.effect, 'allow', `${line} still not allowed after: ${advice}`);
    });
  }

  it('a deny from the built-in recommended policy names it and the user file, and says a repo rule cannot loosen it (true)', () => {
    const layers = [baseline(), recommendedUserLayer()];
    const { p, d } = judge(layers, 'git push --force origin feature');
    assert.strictEqual(d.effect, 'deny');
    const advice = howToProceed(d, p);
    assert.match(advice, /rule no-force-push \(deny\) is in the built-in recommended policy \(your user layer until ~\/\.config\/agentpolicy\/policy\.yaml exists/);
    assert.match(advice, /a rule in another layer cannot loosen it/);
    const repo = layer('repo', 'version: 1\nrules:\n  - {id: force-ok, action: git.push, force: true, effect: allow}\n', REPO_FILE);
    assert.strictEqual(judge([...layers, repo], 'git push --force origin feature').d.effect, 'deny', 'the advice says a repo rule cannot loosen it');
    // The edit it does propose — the user file, a copy of the recommended policy without the rule — works.
    const user = layer('user', RECOMMENDED_POLICY.replace(/  - id: no-force-push\n(    .*\n)+?(?=  - id:)/, ''), `${HOME}/.config/agentpolicy/policy.yaml`);
    assert.notStrictEqual(judge([baseline(), user], 'git push --force origin feature').d.ruleIds[0], 'no-force-push');
  });

  it('names the repo file for a repo rule, the user file for a user rule, and the baseline as unchangeable', () => {
    const repo = layer('repo', 'version: 1\nrules:\n  - {id: no-make, action: command, match: make, effect: deny}\n', REPO_FILE);
    const userFile = `${HOME}/.config/agentpolicy/policy.yaml`;
    const user = layer('user', 'version: 1\nrules:\n  - {id: no-cat, action: command, match: cat, effect: deny}\n', userFile);
    const layers = [baseline(), user, repo];
    let { p, d } = judge(layers, 'make');
    assert.match(howToProceed(d, p), new RegExp(`rule no-make \\(deny\\) is in ${REPO_FILE.replace(/\//g, '\\/')}`));
    ({ p, d } = judge(layers, 'cat x'));
    assert.match(howToProceed(d, p), /rule no-cat \(deny\) is in ~\/\.config\/agentpolicy\/policy\.yaml/);
    ({ p, d } = judge(layers, 'agentpolicy disable'));
    assert.match(howToProceed(d, p), /rule guard-cli is in the built-in baseline \(it protects the guard itself\)/);
    ({ p, d } = judge([baseline(), recommendedUserLayer()], 'cat .env'));
    assert.match(howToProceed(d, p), /listed under secrets: in the built-in recommended policy/);
  });

  it('in VS Code, names commands that exist; on the agent\'s line, the advice replaces "change the policy (.agentpolicy.yaml)"', () => {
    const { p, d } = judge([baseline(), recommendedUserLayer()], 'make build');
    assert.match(howToProceed(d, p, 'vscode'), /"Agent Policy: Create Policy" writes it.*"Agent Policy: Explain Command…" shows every rule considered/);
    const line = decisionLine(judge([baseline(), recommendedUserLayer()], 'sudo ls').d, 'sudo ls', p);
    assert.ok(!line.includes('change the policy (.agentpolicy.yaml)'), line);
    assert.match(line, /To proceed: rule no-privilege-escalation \(deny\) is in the built-in recommended policy/);
  });
});
