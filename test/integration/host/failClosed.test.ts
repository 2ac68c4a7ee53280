import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FixedApprover, type ApprovalAnswer, type ApprovalRequest, type Approver, type DecisionRecord } from '../../../src/core/broker/broker';
import { GuardHost, type GuardHostOptions, type HookHandler } from '../../../src/core/broker/host';
import { askBroker } from '../../../src/core/ipc/client';
import type { BrokerRequest } from '../../../src/core/ipc/protocol';
import { compilePolicy } from '../../../src/core/policy/compile';
import { loadPolicyText } from '../../../src/core/policy/load';
import { baseline, recommendedUserLayer } from '../../../src/core/policy/resolve';
import { initShellParser } from '../../../src/core/shell/parser';

/**
 * DESIGN §4, row by row, for the guard host as each product surface configures it: the CLI
 * (`serve`/`run`: its own audit folder, no registry) and the editor (the VS Code extension: the
 * default per-user audit stream, registered for hook launchers, decisions fed to the UI). Plain
 * Node, real sockets; only the person's answer is stubbed.
 */
const root = path.resolve(__dirname, '..', '..', '..', '..');

class SilentApprover implements Approver {
  ask(_r: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve('deny')));
  }
}

interface Surface {
  name: string;
  options(tmp: string): Partial<GuardHostOptions>;

}

const SURFACES: Surface[] = [
  // `--audit-dir`: one writer per folder, so each host here gets its own.
  { name: 'CLI host (serve/run)', options: (tmp) => ({ auditDir: fs.mkdtempSync(path.join(tmp, 'audit-')) }) },
  {
    name: 'editor host (VS Code)',
    // The default per-user audit stream ($XDG_STATE_HOME, set to this test's folder below).
    options: () => ({ register: true, approvalTimeoutSeconds: () => 60, onDecision: () => undefined, logger: { info: () => undefined, error: () => undefined } }),
  },
];

for (const surface of SURFACES) {
  describe(`fail closed (DESIGN §4): ${surface.name}`, function () {
    this.timeout(30_000);
    let tmp: string;
    let work: string;
    const saved = { state: process.env.XDG_STATE_HOME, runtime: process.env.XDG_RUNTIME_DIR };
    const hosts: GuardHost[] = [];

    const quickPolicy = () => {
      const r = loadPolicyText('version: 1\napproval:\n  timeout_seconds: 5\nrules:\n  - id: ask-npm\n    action: command\n    match: ["npm install ..."]\n    effect: ask\n', 'quick.yaml');
      if (!r.ok) throw new Error('bad test policy');
      return compilePolicy([baseline(), recommendedUserLayer(), { name: 'repo', doc: r.policy, file: 'quick.yaml' }], { workspace: work, home: tmp, trustRepo: true });
    };

    async function start(extra: Partial<GuardHostOptions> = {}): Promise<GuardHost> {
      const policy = quickPolicy();
      const h = await GuardHost.start({ policy: () => policy, workspace: work, approver: new FixedApprover('allow-once'), ...surface.options(tmp), ...extra });
      hosts.push(h);
      return h;
    }

    const decide = (h: GuardHost, token: string | undefined, command: string): Promise<import('../../../src/core/ipc/client').ClientResponse> =>
      askBroker(h.address!.socketPath, { v: 1, type: 'decide', source: 'bash', token, cwd: work, command }, 20_000);

    before(async () => {
      await initShellParser();
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-failclosed-'));
      work = path.join(tmp, 'work');
      fs.mkdirSync(work);
      spawnSync('git', ['init', '-q', work]);
      // The editor surface writes the default per-user folders: keep them in this test's folder.
      process.env.XDG_STATE_HOME = path.join(tmp, 'state');
      process.env.XDG_RUNTIME_DIR = path.join(tmp, 'run');
      fs.mkdirSync(process.env.XDG_RUNTIME_DIR, { mode: 0o700 });
    });

    after(async () => {
      for (const h of hosts) await h.close().catch(() => undefined);
      for (const [k, v] of [['XDG_STATE_HOME', saved.state], ['XDG_RUNTIME_DIR', saved.runtime]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('broker unreachable from a client: deny, saying why and how to fix it', async () => {
      const h = await start();
      const { token } = await h.issueSession({ id: 'a' });
      const sock = h.address!.socketPath;
      await h.close();
      const r = await askBroker(sock, { v: 1, type: 'decide', source: 'shim', token, cwd: work, command: 'ls' }, 2000);
      assert.strictEqual(r.decision, 'deny');
      assert.strictEqual(r.failure, 'unreachable');
      assert.match(r.message, /unreachable.*agentpolicy serve/);
    });

    it('hook input the adapters cannot handle, or an adapter that fails: deny (exit 2, the block status agents honour)', async () => {
      const none = await start();
      const a = await none.hook({ agent: 'claude-code', token: none.hookToken, cwd: work, payload: '{}' }, { transport: 'unix' });
      assert.strictEqual(a.exitCode, 2);
      assert.strictEqual(JSON.parse(a.stdout).hookSpecificOutput.permissionDecision, 'deny');
      const unknownAgent = await none.hook({ agent: 'nobody', token: none.hookToken, cwd: work, payload: '{}' }, { transport: 'unix' });
      assert.strictEqual(unknownAgent.exitCode, 2);
      assert.match(unknownAgent.stderr, /unknown agent/);
      const throwing: HookHandler = { run: async () => Promise.reject(new Error('boom')) };
      const broken = await start({ hooks: throwing });
      const b = await broken.hook({ agent: 'claude-code', token: broken.hookToken, cwd: work, payload: '{"x":1}' }, { transport: 'unix' });
      assert.strictEqual(b.exitCode, 2);
      assert.match(b.stderr, /adapter failed \(boom\)/);
      const refused = await broken.hook({ agent: 'claude-code', token: 'forged', cwd: work, payload: '{}' }, { transport: 'unix' });
      assert.strictEqual(refused.exitCode, 2);
      assert.match(refused.stderr, /credential was refused/);
    });

    it('a subject the host cannot attribute is never the person: a credential claiming "person" gets agent treatment', async () => {
      const decided: DecisionRecord[] = [];
      const h = await start({ onDecision: (r) => decided.push(r) });
      const { token } = await h.credentials.issue('someone', { role: 'session', kind: 'person', method: 'terminal' });
      await decide(h, token, 'ls');
      assert.strictEqual(decided.at(-1)?.subject.kind, 'unknown');
    });

    it('an approval nobody answers in time: deny', async () => {
      const h = await start({ approver: new SilentApprover() });
      const { token } = await h.issueSession({ id: 'a' });
      const r = await decide(h, token, 'npm install left-pad');
      assert.strictEqual(r.decision, 'deny');
      assert.strictEqual(r.by, 'timeout');
    });

    it('no one to ask: an ask is denied, saying where the person could approve', async () => {
      const h = await start({ approver: undefined });
      const { token } = await h.issueSession({ id: 'a' });
      const r = await decide(h, token, 'npm install left-pad');
      assert.strictEqual(r.decision, 'deny');
      assert.strictEqual(r.by, 'no-approver');
      assert.match(r.message, /No one can approve it here/);
    });

    it('the audit log cannot be opened: the host runs degraded and denies everything, even what the policy allows', async () => {
      const blocker = path.join(tmp, 'not-a-dir');
      fs.writeFileSync(blocker, 'x');
      const h = await start({ auditDir: path.join(blocker, 'audit') });
      assert.strictEqual(h.state, 'degraded');
      assert.match(h.degradedBecause.join(' '), /audit log cannot be opened/);
      const { token } = await h.issueSession({ id: 'a' });
      const r = await decide(h, token, 'ls');
      assert.strictEqual(r.decision, 'deny');
      assert.strictEqual(r.by, 'audit');
      assert.match(r.message, /no unlogged actions/);
    });

    it('the audit log fails mid-session: the next request is denied', async () => {
      const h = await start({ auditDir: path.join(tmp, `audit-fail-${surface.name.length}`) });
      const { token } = await h.issueSession({ id: 'a' });
      assert.strictEqual((await decide(h, token, 'ls')).decision, 'allow');
      await h.audit!.close(); // the log is gone from under the broker
      const r = await decide(h, token, 'ls');
      assert.strictEqual(r.decision, 'deny');
      assert.strictEqual(r.by, 'audit');
    });

    it('a malformed message, a missing or foreign credential, or the wrong role: deny', async () => {
      const h = await start();
      const { token } = await h.issueSession({ id: 'a' });
      const bad = await askBroker(h.address!.socketPath, { v: 1, type: 'decide', source: 'bash', token, cwd: work } as unknown as BrokerRequest);
      assert.strictEqual(bad.decision, 'deny');
      assert.match(bad.message, /invalid request/);
      assert.strictEqual((await decide(h, undefined, 'ls')).decision, 'deny');
      const other = await GuardHost.start({ policy: quickPolicy, workspace: work, auditDir: path.join(tmp, `audit-other-${surface.name.length}`), listen: false });
      hosts.push(other);
      assert.strictEqual((await decide(h, (await other.issueSession({ id: 'a' })).token, 'ls')).decision, 'deny');
      // A hook or owner credential cannot ask for decisions; an agent's session credential cannot control.
      assert.strictEqual((await decide(h, h.hookToken, 'ls')).decision, 'deny');
      assert.strictEqual((await decide(h, h.ownerToken, 'ls')).decision, 'deny');
      for (const type of ['revoke-all', 'status', 'rearm'] as const) {
        const r = await askBroker(h.address!.socketPath, { v: 1, type, token });
        assert.strictEqual(r.decision, 'deny', type);
        assert.match(r.message, /needs the credential of the person/);
      }
      assert.strictEqual(h.broker.isKilled, false);
    });

    it('the kill switch: agents are denied until the person re-arms; re-arming without the person is refused', async () => {
      const h = await start({ approver: new FixedApprover('deny') });
      const { token } = await h.issueSession({ id: 'a' });
      assert.strictEqual((await askBroker(h.address!.socketPath, { v: 1, type: 'revoke-all', token: h.ownerToken })).decision, 'allow');
      assert.strictEqual(h.state, 'killed');
      const r = await decide(h, token, 'ls');
      assert.strictEqual(r.decision, 'deny');
      assert.match(r.message, /kill switch/);
      const rearm = await askBroker(h.address!.socketPath, { v: 1, type: 'rearm', token: h.ownerToken });
      assert.strictEqual(rearm.decision, 'deny');
      assert.strictEqual(h.state, 'killed');
    });

    (surface.name.startsWith('CLI') ? it : it.skip)('the CLI refuses to start a guard on an invalid policy, with file:line:col (the editor keeps the last good policy: its own suite)', () => {
      const bad = path.join(tmp, 'bad.yaml');
      fs.writeFileSync(bad, 'version: 1\nrules:\n  - id: x\n    action: command\n    match: [ls]\n    efect: allow\n');
      const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'run', '--policy', bad, '--', 'true'], { cwd: work, encoding: 'utf8' });
      assert.notStrictEqual(r.status, 0);
      assert.match(r.stderr, /bad\.yaml:6:5 .*efect/);
    });
  });
}
