import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { ApprovalAnswer, ApprovalRequest } from '../../../src/core/broker/broker';
import { guardEnv } from '../../../src/core/broker/guardEnv';
import { GuardHost } from '../../../src/core/broker/host';
import { askBroker } from '../../../src/core/ipc/client';
import { compilePolicy, type CompiledPolicy } from '../../../src/core/policy/compile';
import { loadPolicyText } from '../../../src/core/policy/load';
import { baseline, recommendedUserLayer } from '../../../src/core/policy/resolve';
import { initShellParser } from '../../../src/core/shell/parser';
import { openSandbox, type Sandbox, type ViolationAction } from '../../../src/core/sandbox/launch';
import { policyEgressDecider, type EgressEvent } from '../../../src/core/sandbox/proxy';
import { brokerPushDecider, type PushResultEvent } from '../../../src/core/sandbox/pushService';
import type { SandboxViolation } from '../../../src/core/sandbox/watcher';

/**
 * A real world for sandbox tests: a git workspace with secrets and a policy, a home with
 * credentials, a bare remote outside the workspace, a real broker on real sockets, and two
 * HTTP servers on 127.0.0.1 standing in for an allowed and a refused host. Only the
 * developer's answer is scripted.
 */
export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
export const distDir = path.join(repoRoot, 'dist');

export const SECRET = 'SECRET=1-do-not-leak';
export const SSH_KEY = 'SSH-PRIVATE-KEY-do-not-leak';
export const AWS_KEY = 'AWS-SECRET-do-not-leak';

export const REPO_POLICY = `version: 1
rules:
  - id: allowed-host
    action: network
    hosts: [allowed.test]
    effect: allow
`;

export interface World {
  root: string;
  ws: string;
  home: string;
  remote: string;
  policy: CompiledPolicy;
  host: GuardHost;
  token: string;
  /** The developer's answer for the next approvals. */
  answer: ApprovalAnswer;
  asked: ApprovalRequest[];
  allowedPort: number;
  otherPort: number;
  egress: EgressEvent[];
  pushes: PushResultEvent[];
  remoteRef(ref: string): string;
  close(): Promise<void>;
}

export function sh(cmd: string, cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', cmd], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: env.HOME ?? os.tmpdir(), GIT_CONFIG_NOSYSTEM: '1', ...env } });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout.trim();
}

async function httpServer(body: string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    // `/big`: 3 MB down; anything else: what was asked and how many body bytes came up.
    if (req.url === '/big') return res.end(Buffer.alloc(3_000_000, 0x61));
    let n = 0;
    req.on('data', (d: Buffer) => (n += d.length));
    req.on('end', () => res.end(`${body} ${req.method} ${req.url}${n ? ` bytes=${n}` : ''}\n`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** `owner`: chown the world to this uid/gid (the hostile suite's unprivileged user). */
export async function makeWorld(opts: { base?: string; owner?: { uid: number; gid: number } } = {}): Promise<World> {
  await initShellParser();
  const root = fs.realpathSync(fs.mkdtempSync(path.join(opts.base ?? os.tmpdir(), 'ap-sandbox-')));
  const ws = path.join(root, 'ws');
  const home = path.join(root, 'home');
  const remote = path.join(root, 'remote.git');
  fs.mkdirSync(home);
  const env = { HOME: home };
  sh(`git init -q --bare ${remote} && git init -q -b main ${ws}`, root, env);
  fs.writeFileSync(path.join(ws, '.agentpolicy.yaml'), REPO_POLICY);
  fs.writeFileSync(path.join(ws, '.env'), SECRET + '\n');
  fs.writeFileSync(path.join(ws, '.gitignore'), '.env\n.env.*\n');
  fs.mkdirSync(path.join(ws, 'src'));
  fs.writeFileSync(path.join(ws, 'src', 'app.js'), 'console.log("app")\n');
  // Shipped in the repository: links to credentials.
  fs.symlinkSync(path.join(home, '.ssh', 'id_rsa'), path.join(ws, 'docs-key.txt'));
  fs.symlinkSync('.env', path.join(ws, 'env-link.txt'));
  sh(`git config user.email dev@example.com && git config user.name dev && git add -A && git commit -qm one && git remote add origin ${remote} && git push -q origin main && git checkout -qb feature && echo 2 >> src/app.js && git commit -qam two`, ws, env);
  fs.mkdirSync(path.join(home, '.ssh'));
  fs.writeFileSync(path.join(home, '.ssh', 'id_rsa'), SSH_KEY + '\n', { mode: 0o600 });
  fs.mkdirSync(path.join(home, '.aws'));
  fs.writeFileSync(path.join(home, '.aws', 'credentials'), `[default]\naws_secret_access_key=${AWS_KEY}\n`);
  fs.writeFileSync(path.join(home, '.git-credentials'), 'https://dev:ghp_do-not-leak@github.com\n');
  fs.writeFileSync(path.join(home, '.bashrc'), '# bashrc\n');
  if (opts.owner) sh(`chown -R ${opts.owner.uid}:${opts.owner.gid} ${root}`, root);

  const repo = loadPolicyText(REPO_POLICY, path.join(ws, '.agentpolicy.yaml'));
  if (!repo.ok) throw new Error('bad repo policy');
  const policy = compilePolicy([baseline(), recommendedUserLayer(), { name: 'repo', doc: repo.policy, file: path.join(ws, '.agentpolicy.yaml') }], { workspace: ws, home, trustRepo: true });
  const asked: ApprovalRequest[] = [];
  const world: Partial<World> = { root, ws, home, remote, policy, asked, answer: 'deny', egress: [], pushes: [] };
  const auditDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ap-sandbox-audit-'));
  const host = await GuardHost.start({
    policy: () => policy,
    workspace: ws,
    auditDir,
    approver: {
      ask: async (q) => {
        asked.push(q);
        return world.answer!;
      },
    },
  });
  const allowed = await httpServer('allowed-host says hello');
  const other = await httpServer('a refused host answered');
  const token = (await host.issueSession({ id: 'claude-code', kind: 'agent', method: 'launch' })).token;
  Object.assign(world, {
    host,
    token,
    allowedPort: allowed.port,
    otherPort: other.port,
    remoteRef: (ref: string) => spawnSync('git', ['--git-dir', remote, 'rev-parse', '--verify', '-q', ref], { encoding: 'utf8' }).stdout.trim(),
    close: async () => {
      await host.close();
      fs.rmSync(auditDir, { recursive: true, force: true });
      await new Promise<void>((r) => allowed.server.close(() => r()));
      await new Promise<void>((r) => other.server.close(() => r()));
      fs.rmSync(root, { recursive: true, force: true });
    },
  });
  return world as World;
}

export interface SandboxedResult {
  code: number;
  out: string;
  err: string;
  box: Sandbox;
}

/** The environment `agentpolicy run` would give the program, with credentials the person has. */
export function personEnv(w: World, extra: Record<string, string> = {}): Record<string, string> {
  return guardEnv({
    shimRoot: path.join(distDir, 'shim'),
    socketPath: w.host.address!.socketPath,
    port: w.host.address!.port,
    token: w.token,
    proof: w.host.proof,
    base: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: w.home, LANG: 'C.UTF-8', GIT_CONFIG_NOSYSTEM: '1', GITHUB_TOKEN: 'ghp_env-do-not-leak', AWS_SECRET_ACCESS_KEY: AWS_KEY, ANTHROPIC_API_KEY: 'model-key-kept', ...extra },
  });
}

/** Runs argv inside the world's sandbox, as `agentpolicy run` would; `during` runs outside meanwhile. */
export async function sandboxed(w: World, argv: string[], opts: { env?: Record<string, string>; during?: (box: Sandbox) => Promise<void>; onViolation?: (v: SandboxViolation) => ViolationAction; forwards?: { host: string; port: number }[]; relay?: 'perl' | 'node' } = {}): Promise<SandboxedResult> {
  const env = opts.env ?? personEnv(w);
  const box = await openSandbox({
    policy: w.policy,
    agent: 'claude-code',
    program: path.basename(argv[0]),
    cwd: w.ws,
    broker: { socketPath: w.host.address!.socketPath, port: w.host.address!.port },
    egress: {
      decide: policyEgressDecider({ policy: () => w.policy, agent: 'claude-code', allow: (opts.forwards ?? []).map((f) => `${f.host}:${f.port}`) }),
      forwards: opts.forwards,
      onAudit: (e) => w.egress.push(e),
      lookup: async () => ['127.0.0.1'],
      allowAddresses: [`127.0.0.1:${w.allowedPort}`],
    },
    push: { decide: brokerPushDecider((req) => askBroker(w.host.address!.socketPath, req, 30_000)), onResult: (r) => w.pushes.push(r) },
    onViolation: opts.onViolation,
    relay: opts.relay,
    distDir,
    env: { ...process.env, HOME: w.home },
    stdio: 'pipe',
    err: { write: () => true } as unknown as NodeJS.WritableStream,
  });
  let out = '';
  let err = '';
  box.stdout!.on('data', (d) => (out += d));
  box.stderr!.on('data', (d) => (err += d));
  const running = box.run(argv, env);
  if (opts.during) await opts.during(box);
  const code = await running;
  return { code, out, err, box };
}
