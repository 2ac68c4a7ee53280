import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { codexHome, prepareHome, selectedAgents } from './agents';
import { codexHooksList, type CodexHookEntry } from './codexAppServer';
import { trustCodexHooks } from './codexTrust';
import { cli, installHooksUserGuard } from './guards';
import { defineScenarioSuite, prepareScenario, writeCall } from './scenarios';
import { makeSandbox, type Sandbox } from './workspace';

/**
 * Codex 0.171 runs a hook only when it is trusted, and a real user never passes
 * --dangerously-bypass-hook-trust. These tests ask the real Codex (app-server `hooks/list`, its
 * own key, hash and trust status) whether it trusts what `agentpolicy install-hooks codex`
 * wrote, next to a user's own hooks, in both scopes; and check the effect with the flag absent.
 */
if (selectedAgents().includes('codex')) {
  const ourKey = (l: { hooks: CodexHookEntry[] }) => l.hooks.filter((h) => h.command?.includes('agentpolicy-hook'));
  const userHooks = (sb: Sandbox) => path.join(codexHome(sb.home), 'hooks.json');

  /** A user with their own hooks: one in hooks.json (trusted in /hooks), one in config.toml (not trusted). */
  function withUserHooks(sb: Sandbox): void {
    fs.mkdirSync(codexHome(sb.home), { recursive: true });
    fs.writeFileSync(userHooks(sb), JSON.stringify({ hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'true mine', timeout: 5 }] }], Stop: [{ hooks: [{ type: 'command', command: 'true stop' }] }] } }, null, 4) + '\n');
    trustCodexHooks(sb.home, userHooks(sb), ['PreToolUse']);
    fs.appendFileSync(path.join(codexHome(sb.home), 'config.toml'), '\nmodel_reasoning_effort = "low"\n\n[[hooks.PostToolUse]]\n[[hooks.PostToolUse.hooks]]\ntype = "command"\ncommand = "true after"\n');
  }

  const status = (l: { hooks: CodexHookEntry[] }) => Object.fromEntries(l.hooks.map((h) => [`${path.basename(h.sourcePath)} ${h.command}`, h.trustStatus]));

  describe('codex: the trust install-hooks writes, as the real Codex sees it (no bypass flag)', function () {
    this.timeout(120_000);

    it('user scope next to the user’s own hooks: ours is listed "trusted" under the key we wrote; theirs keep their status; --remove leaves them as they were', async () => {
      const sb = makeSandbox();
      try {
        withUserHooks(sb);
        const before = await codexHooksList(sb.home, sb.workspace);
        const cfgBefore = fs.readFileSync(path.join(codexHome(sb.home), 'config.toml'), 'utf8');
        const r = cli(['install-hooks', 'codex', '--scope', 'user'], sb);
        assert.strictEqual(r.status, 0, r.stderr);
        const key = `${userHooks(sb)}:pre_tool_use:1:0`;
        assert.match(r.stdout, new RegExp(`trusted for Codex in .* as ${key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
        const after = await codexHooksList(sb.home, sb.workspace);
        const ours = ourKey(after);
        assert.strictEqual(ours.length, 1, JSON.stringify(after));
        assert.deepStrictEqual([ours[0].key, ours[0].trustStatus, ours[0].enabled], [key, 'trusted', true]);
        assert.ok(fs.readFileSync(path.join(codexHome(sb.home), 'config.toml'), 'utf8').includes(`trusted_hash = "${ours[0].currentHash}"`), 'the hash Codex computes is the one we wrote');
        const { [`hooks.json ${ours[0].command}`]: _ours, ...others } = status(after);
        assert.deepStrictEqual(others, status(before));
        assert.deepStrictEqual(status(before), { 'hooks.json true mine': 'trusted', 'hooks.json true stop': 'untrusted', 'config.toml true after': 'untrusted' });
        assert.strictEqual(cli(['install-hooks', 'codex', '--scope', 'user', '--check'], sb).status, 0);
        assert.strictEqual(cli(['install-hooks', 'codex', '--scope', 'user', '--remove'], sb).status, 0);
        assert.deepStrictEqual(status(await codexHooksList(sb.home, sb.workspace)), status(before));
        assert.strictEqual(fs.readFileSync(path.join(codexHome(sb.home), 'config.toml'), 'utf8'), cfgBefore);
      } finally {
        sb.cleanup();
      }
    });

    it('repo scope: loaded only once the person trusts the project (install says how); then ours is "trusted"', async () => {
      const sb = makeSandbox();
      try {
        const r = cli(['install-hooks', 'codex', '--scope', 'repo'], sb);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /only in a trusted project .* choose "Trust and continue" when Codex asks/);
        assert.strictEqual(ourKey(await codexHooksList(sb.home, sb.workspace)).length, 0, 'an untrusted project’s .codex is not loaded');
        assert.strictEqual(cli(['install-hooks', 'codex', '--scope', 'repo', '--check'], sb).status, 1);
        prepareHome('codex', sb.home, sb.workspace); // what "Trust and continue" in Codex writes: [projects."<ws>"] trust_level = "trusted"
        const ours = ourKey(await codexHooksList(sb.home, sb.workspace));
        assert.deepStrictEqual(ours.map((h) => [h.key, h.source, h.trustStatus]), [[`${sb.workspace}/.codex/hooks.json:pre_tool_use:0:0`, 'project', 'trusted']]);
        const check = cli(['install-hooks', 'codex', '--scope', 'repo', '--check'], sb);
        assert.strictEqual(check.status, 0, check.stderr);
      } finally {
        sb.cleanup();
      }
    });

    it('a changed command is "modified" for Codex and stale for --check; installing again trusts it', async () => {
      const sb = makeSandbox();
      try {
        assert.strictEqual(cli(['install-hooks', 'codex', '--scope', 'user'], sb).status, 0);
        fs.writeFileSync(userHooks(sb), fs.readFileSync(userHooks(sb), 'utf8').replace(' 110"', ' 109"'));
        assert.deepStrictEqual(ourKey(await codexHooksList(sb.home, sb.workspace)).map((h) => h.trustStatus), ['modified']);
        const check = cli(['install-hooks', 'codex', '--scope', 'user', '--check'], sb);
        assert.strictEqual(check.status, 1);
        assert.match(check.stderr, /stale/);
        assert.strictEqual(cli(['install-hooks', 'codex', '--scope', 'user'], sb).status, 0);
        assert.deepStrictEqual(ourKey(await codexHooksList(sb.home, sb.workspace)).map((h) => h.trustStatus), ['trusted']);
      } finally {
        sb.cleanup();
      }
    });

    it('the trust entry is what makes it run: without it the policy write lands, with it the write is refused', async () => {
      for (const trusted of [false, true]) {
        const ctx = prepareScenario('codex', installHooksUserGuard);
        try {
          const cfg = path.join(codexHome(ctx.sb.home), 'config.toml');
          if (!trusted) fs.writeFileSync(cfg, fs.readFileSync(cfg, 'utf8').replace(/^\[hooks\.state\.[^\n]*\n[^\n]*\n/m, ''));
          const p = path.join(ctx.sb.workspace, '.agentpolicy.yaml');
          const before = fs.readFileSync(p, 'utf8');
          const r = await ctx.run([writeCall('codex', ctx.sb, '.agentpolicy.yaml', 'version: 1\nrules: []\n')]);
          assert.ok(!r.argv.includes('--dangerously-bypass-hook-trust'));
          assert.strictEqual(fs.readFileSync(p, 'utf8') === before, trusted, `trusted=${trusted}: ${JSON.stringify(r.toolResults)}`);
        } finally {
          ctx.sb.cleanup();
        }
      }
    });
  });

  // The #8 scenarios with the hook in ~/.codex (the repo-scope run is in hooks.test.ts).
  defineScenarioSuite('the recommended policy at the tool boundary', installHooksUserGuard, ['codex']);
}
