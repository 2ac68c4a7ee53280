import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FixedApprover, type ApprovalAnswer, type DecisionRecord } from '../../../src/core/broker/broker';
import { GuardHost } from '../../../src/core/broker/host';
import { compilePolicy } from '../../../src/core/policy/compile';
import { baseline, recommendedUserLayer } from '../../../src/core/policy/resolve';
import { initShellParser } from '../../../src/core/shell/parser';
import { readAuditFile } from '../../unit/agents/auditFile';

/**
 * An agent's hook, end to end: the installed launcher (real bash) finds a running guard host in
 * the per-user registry, the host's adapters decide with the person's approvals, and the
 * answer comes back in the agent's own format, audited under the agent's name.
 */
const root = path.resolve(__dirname, '..', '..', '..', '..');
const launcher = path.join(root, 'dist', 'shim', 'hook', 'agentpolicy-hook');

function launch(agent: string, payload: unknown, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(launcher, [agent, process.execPath, '20'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err, ms: Date.now() - t0 }));
    child.stdin.end(JSON.stringify(payload));
  });
}

describe('agent hooks through a running guard host (launcher, registry, adapters, approvals)', function () {
  this.timeout(60_000);
  let tmp: string;
  let work: string;
  let host: GuardHost;
  let env: NodeJS.ProcessEnv;
  let answer: ApprovalAnswer = 'deny';
  const decided: DecisionRecord[] = [];
  const saved = process.env.XDG_RUNTIME_DIR;

  const claude = (tool: string, input: Record<string, unknown>) => ({ session_id: 'sess-1', tool_use_id: `tu-${decided.length}`, cwd: work, hook_event_name: 'PreToolUse', permission_mode: 'default', tool_name: tool, tool_input: input });

  before(async () => {
    await initShellParser();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-hooks-'));
    work = path.join(tmp, 'work');
    fs.mkdirSync(work);
    spawnSync('git', ['init', '-q', work]);
    fs.writeFileSync(path.join(work, '.env'), 'SECRET=1\n');
    const run = path.join(tmp, 'run');
    fs.mkdirSync(run, { mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = run;
    const policy = compilePolicy([baseline(), recommendedUserLayer()], { workspace: work, home: tmp, trustRepo: false });
    host = await GuardHost.start({ policy: () => policy, workspace: work, approver: { ask: (q) => new FixedApprover(answer).ask(q) }, auditDir: path.join(tmp, 'audit'), register: true, onDecision: (r) => decided.push(r) });
    // The agent was not started in a guarded terminal: no AGENTPOLICY_* in its environment.
    env = { PATH: '/usr/bin:/bin', HOME: tmp, XDG_RUNTIME_DIR: run, XDG_STATE_HOME: path.join(tmp, 'state') };
  });

  after(async () => {
    await host.close();
    if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = saved;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a force push is denied in Claude Code’s format, by the host, under the agent’s name', async () => {
    const r = await launch('claude-code', claude('Bash', { command: 'git push --force origin main' }), env);
    assert.strictEqual(r.code, 2, r.err);
    const out = JSON.parse(r.out).hookSpecificOutput;
    assert.strictEqual(out.permissionDecision, 'deny');
    assert.match(out.permissionDecisionReason, /no-force-push/);
    const d = decided.at(-1)!;
    assert.deepStrictEqual([d.subject.kind, d.subject.id, d.subject.method, d.source], ['agent', 'claude-code', 'hook', 'hook']);
    assert.strictEqual(d.hook?.toolUseId, 'tu-0');
    // Decided by the running host, not in-process: nothing in the launcher's own default folder.
    assert.ok(!fs.existsSync(path.join(tmp, 'state', 'agentpolicy')));
  });

  it('a read of .env is denied; ls is allowed', async () => {
    const secret = await launch('claude-code', claude('Read', { file_path: path.join(work, '.env') }), env);
    assert.strictEqual(JSON.parse(secret.out).hookSpecificOutput.permissionDecision, 'deny');
    const ls = await launch('claude-code', claude('Bash', { command: 'ls' }), env);
    assert.strictEqual(ls.code, 0, ls.err);
  });

  it('an ask is settled by the person through the host (Codex has no ask of its own)', async () => {
    const codex = (command: string) => ({ session_id: 's', turn_id: 't', cwd: work, hook_event_name: 'PreToolUse', model: 'm', permission_mode: 'bypassPermissions', tool_name: 'Bash', tool_input: { command }, tool_use_id: 'x' });
    answer = 'deny';
    const no = await launch('codex', codex('npm install left-pad'), env);
    assert.strictEqual(no.code, 2, no.out + no.err);
    assert.match(no.out + no.err, /declined/);
    answer = 'allow-once';
    const yes = await launch('codex', codex('npm install left-pad'), env);
    assert.strictEqual(yes.code, 0, yes.out + yes.err);
    assert.strictEqual(decided.at(-1)?.outcome.by, 'person');
  });

  it('every hook decision is in the host’s audit log with the agent, its session and tool-use ids', () => {
    const recs = readAuditFile(path.join(tmp, 'audit')).filter((r) => r.type === 'decision' && r.context?.pep === 'hook');
    assert.ok(recs.length >= 5, `only ${recs.length} hook records`);
    for (const r of recs) {
      assert.ok(['claude-code', 'codex'].includes(r.agent.id), r.agent.id);
      assert.strictEqual(r.agent.attribution, 'hook');
    }
    assert.ok(recs.some((r) => r.context.session === 'sess-1' && r.context.toolCallId === 'tu-0'));
  });
});
