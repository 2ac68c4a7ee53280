import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { z } from 'zod';
import type { BrokerResponse, DecideRequest } from '../ipc/protocol';
import { cleanGitEnv, type GitRemote } from './gitRemotes';

/**
 * The push service OUTSIDE the sandbox. Inside there are no git credentials and local remotes
 * are read-only, so `git push` can only happen here: git inside runs the remote helper
 * (`git-remote-agentpolicy`, installed through `url.agentpolicy::<url>.pushInsteadOf`), which
 * sends the exact refs here; the broker decides on them; when allowed, this service performs
 * the push with the person's credentials and reports per ref.
 *
 * The push runs from a throwaway bare repository that borrows the workspace's objects
 * (objects/info/alternates): git reads none of the workspace's config or hooks, which the agent
 * could have influenced (a hooksPath into the worktree, an include), and force pushes carry a
 * lease on the exact remote value that was decided.
 */
export interface PushRefReport {
  /** The local ref or commit as git named it. */
  localRef: string;
  localSha: string;
  remoteRef: string;
  /** The remote's value when decided ('0'×40 when the ref is new). */
  remoteSha: string;
  /** True when the remote value is not an ancestor of the local one; null when git cannot tell. */
  rewrites: boolean | null;
}

export interface PushDecisionRequest {
  remote: string;
  url: string;
  refs: PushRefReport[];
  /** The agent's guard credential (AGENTPOLICY_TOKEN inside), for attribution. */
  token?: string;
  cwd: string;
}

/** What the lead wires to the broker: decide on the exact refs of one push. */
export type PushDecider = (req: PushDecisionRequest) => Promise<{ allow: boolean; message: string }>;

export interface PushResultEvent {
  remote: string;
  url: string;
  allowed: boolean;
  message: string;
  refs: { remoteRef: string; ok: boolean; message: string }[];
}

/**
 * The default wiring: the broker decides a push from the sandbox exactly as it decides one the
 * pre-push hook reports (ground truth about refs), attributed by the agent's credential.
 */
export function brokerPushDecider(ask: (req: DecideRequest) => Promise<BrokerResponse>): PushDecider {
  return async (p) => {
    const r = await ask({ v: 1, type: 'decide', source: 'sandbox', token: p.token, cwd: p.cwd, push: { remote: p.remote, url: p.url, refs: p.refs } });
    return { allow: r.decision === 'allow', message: r.message };
  };
}

const ZERO = '0'.repeat(40);
const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/);
const refName = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^refs\/[^\s~^:?*[\\]+$/, 'a full ref name (refs/…)')
  .refine((r) => !r.includes('..') && !r.endsWith('.lock') && !r.endsWith('/'), 'a valid ref name');
const base = { v: z.literal(1), remote: z.string().min(1).max(1024), url: z.string().min(1).max(8192), token: z.string().max(8192).optional(), gitDir: z.string().min(1).max(4096), cwd: z.string().min(1).max(4096) };
const request = z.discriminatedUnion('op', [
  z.strictObject({ ...base, op: z.literal('list') }),
  z.strictObject({
    ...base,
    op: z.literal('push'),
    refs: z.array(z.strictObject({ src: z.string().max(1024), dst: refName, force: z.boolean(), localSha: sha.or(z.literal('')) })).min(1).max(1000),
  }),
  z.strictObject({ ...base, op: z.literal('fetch'), wants: z.array(z.strictObject({ sha, name: z.string().max(1024) })).min(1).max(10000) }),
]);
export type PushServiceRequest = z.infer<typeof request>;

export interface PushServiceOptions {
  workspace: string;
  /** The person's environment: credentials (ssh agent, helpers) for the push outside. */
  env: NodeJS.ProcessEnv;
  /** Absent: every push is refused (no broker to decide). */
  decide?: PushDecider;
  onResult?: (r: PushResultEvent) => void;
  /** The workspace repository's remotes as configured at start: the only URLs served. */
  remotes: GitRemote[];
  timeoutMs?: number;
}

export class PushService {
  private server?: net.Server;
  private readonly gitEnv: Record<string, string>;
  private gitDirCache?: { value: string | undefined };

  constructor(private readonly opts: PushServiceOptions) {
    this.gitEnv = { ...cleanGitEnv(opts.env), GIT_TERMINAL_PROMPT: '0' };
  }

  /** The workspace repository's git folder, found on first use (not on the way to starting the agent). */
  private get gitDir(): string | undefined {
    if (!this.gitDirCache) this.gitDirCache = { value: commonGitDir(this.opts.workspace, this.gitEnv) };
    return this.gitDirCache.value;
  }

  async listen(socketPath: string): Promise<void> {
    this.server = net.createServer((s) => this.serve(s));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(socketPath, () => resolve());
    });
    fs.chmodSync(socketPath, 0o600);
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private serve(socket: net.Socket): void {
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (d: string) => {
      buf += d;
      if (buf.length > 4 << 20) {
        socket.end(JSON.stringify({ ok: false, message: 'agentpolicy: deny: request too large' }) + '\n');
        return;
      }
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      socket.removeAllListeners('data');
      void this.handle(line).then((answer) => socket.end(JSON.stringify(answer) + '\n'));
    });
  }

  /** One request, one answer; every failure is an answer that refuses. */
  async handle(line: string): Promise<Record<string, unknown>> {
    let req: PushServiceRequest;
    try {
      const parsed = request.safeParse(JSON.parse(line));
      if (!parsed.success) return { ok: false, message: `agentpolicy: deny: invalid push request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
      req = parsed.data;
    } catch {
      return { ok: false, message: 'agentpolicy: deny: push request is not JSON' };
    }
    try {
      const where = this.check(req);
      if (typeof where === 'string') return { ok: false, message: where };
      if (req.op === 'list') return { ok: true, refs: await this.list(req.url) };
      if (req.op === 'fetch') {
        await this.fetch(req.url, req.wants);
        return { ok: true };
      }
      return await this.push(req);
    } catch (e) {
      return { ok: false, message: `agentpolicy: deny: ${(e as Error).message}` };
    }
  }

  /** Only the workspace repository, and only a remote URL it had configured when the run started. */
  private check(req: PushServiceRequest): string | undefined {
    if (!this.gitDir) return 'agentpolicy: deny: the workspace is not a git repository the guard can push from';
    const asked = commonGitDir(path.resolve(req.cwd, req.gitDir), this.gitEnv);
    if (asked !== this.gitDir) return `agentpolicy: deny: pushes go through the broker only from the workspace repository (${this.opts.workspace})`;
    if (!this.opts.remotes.some((r) => r.url === req.url)) return `agentpolicy: deny: ${req.url} is not a remote the workspace repository had when the agent started`;
    return undefined;
  }

  private async list(url: string): Promise<{ sha?: string; name: string; symref?: string }[]> {
    const r = await this.withScratch((dir) => this.git(['ls-remote', '--symref', '--', url], dir));
    if (r.code !== 0) throw new Error(`cannot list ${url}: ${lastLine(r.stderr)}`);
    const out: { sha?: string; name: string; symref?: string }[] = [];
    for (const line of r.stdout.split('\n')) {
      const sym = /^ref: (\S+)\t(\S+)$/.exec(line);
      if (sym) {
        out.push({ name: sym[2], symref: sym[1] });
        continue;
      }
      const m = /^([0-9a-f]{40,64})\t(\S+)$/.exec(line);
      if (m) out.push({ sha: m[1], name: m[2] });
    }
    return out;
  }

  private async push(req: Extract<PushServiceRequest, { op: 'push' }>): Promise<Record<string, unknown>> {
    const remoteRefs = new Map((await this.list(req.url)).filter((r) => r.sha).map((r) => [r.name, r.sha!]));
    const reports: PushRefReport[] = [];
    for (const r of req.refs) {
      const localSha = r.localSha || ZERO;
      if (localSha !== ZERO && (await this.git(['cat-file', '-e', `${localSha}^{object}`], this.gitDir!)).code !== 0) return refuseAll(req, `agentpolicy: deny: ${localSha} is not in the workspace repository`);
      const remoteSha = remoteRefs.get(r.dst) ?? ZERO;
      let rewrites: boolean | null = false;
      if (remoteSha !== ZERO && localSha !== ZERO) {
        const a = await this.git(['merge-base', '--is-ancestor', remoteSha, localSha], this.gitDir!);
        rewrites = a.code === 0 ? false : a.code === 1 ? true : null;
      } else if (localSha === ZERO) rewrites = remoteSha !== ZERO;
      reports.push({ localRef: r.src || '(delete)', localSha, remoteRef: r.dst, remoteSha, rewrites });
    }
    const remoteName = this.opts.remotes.find((x) => x.url === req.url)?.name ?? req.remote;
    if (!this.opts.decide) return this.report(req, remoteName, false, 'agentpolicy: deny: no broker to decide on pushes from the sandbox', []);
    let verdict: { allow: boolean; message: string };
    try {
      verdict = await this.opts.decide({ remote: remoteName, url: req.url, refs: reports, token: req.token, cwd: req.cwd });
    } catch (e) {
      verdict = { allow: false, message: `agentpolicy: deny: the push decision failed: ${(e as Error).message}` };
    }
    if (!verdict.allow) return this.report(req, remoteName, false, verdict.message, []);

    // Exactly what was decided: each forced ref carries a lease on the remote value seen above.
    const args = ['-c', 'core.hooksPath=/dev/null', 'push', '--porcelain', '--no-verify'];
    for (const r of req.refs) if (r.force) args.push(`--force-with-lease=${r.dst}:${remoteRefs.get(r.dst) ?? ''}`);
    args.push('--', req.url);
    // No `+`: a forced refspec would override the lease; the lease alone permits the non-fast-forward.
    for (const r of req.refs) args.push(r.localSha ? `${r.localSha}:${r.dst}` : `:${r.dst}`);
    const p = await this.withScratch((dir) => this.git(args, dir));
    const lines = new Map<string, { ok: boolean; message: string }>();
    for (const line of p.stdout.split('\n')) {
      const m = /^(.)\t[^\t]*:(refs\/\S+)\t(.*)$/.exec(line);
      if (m) lines.set(m[2], { ok: m[1] !== '!', message: m[3] });
    }
    const results = req.refs.map((r) => ({ remoteRef: r.dst, ...(lines.get(r.dst) ?? { ok: false, message: lastLine(p.stderr) || `git push exited ${p.code}` }) }));
    return this.report(req, remoteName, true, verdict.message, results);
  }

  private report(req: Extract<PushServiceRequest, { op: 'push' }>, remote: string, allowed: boolean, message: string, results: { remoteRef: string; ok: boolean; message: string }[]): Record<string, unknown> {
    const refs = allowed ? results : req.refs.map((r) => ({ remoteRef: r.dst, ok: false, message }));
    try {
      this.opts.onResult?.({ remote, url: req.url, allowed, message, refs });
    } catch {
      /* auditing must not change the answer */
    }
    return { ok: true, allowed, message, refs };
  }

  private async fetch(url: string, wants: { sha: string; name: string }[]): Promise<void> {
    await this.withScratch((scratch) => this.fetchInto(scratch, url, wants));
  }

  private async fetchInto(scratch: string, url: string, wants: { sha: string; name: string }[]): Promise<void> {
    const specs = wants.filter((w) => /^refs\/[^\s:]+$/.test(w.name) || w.name === 'HEAD').map((w, i) => `${w.name}:refs/agentpolicy/fetch/${i}`);
    if (!specs.length) throw new Error('nothing to fetch');
    const r = await this.git(['-c', 'core.hooksPath=/dev/null', 'fetch', '--no-tags', '--no-write-fetch-head', '--', url, ...specs], scratch);
    if (r.code !== 0) throw new Error(`cannot fetch from ${url}: ${lastLine(r.stderr)}`);
    // The new objects into the workspace's store, where git inside finds them.
    const packDir = path.join(scratch, 'objects', 'pack');
    const dest = path.join(this.gitDir!, 'objects', 'pack');
    for (const f of fs.existsSync(packDir) ? fs.readdirSync(packDir) : []) fs.copyFileSync(path.join(packDir, f), path.join(dest, f));
    const loose = path.join(scratch, 'objects');
    for (const d of fs.readdirSync(loose).filter((x) => /^[0-9a-f]{2}$/.test(x))) {
      fs.mkdirSync(path.join(this.gitDir!, 'objects', d), { recursive: true });
      for (const f of fs.readdirSync(path.join(loose, d))) fs.copyFileSync(path.join(loose, d, f), path.join(this.gitDir!, 'objects', d, f));
    }
  }

  /** Runs `fn` in a fresh bare repository that reads the workspace's objects and nothing else of it; removes it after. */
  private async withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-push-'));
    try {
      const init = await this.git(['init', '--bare', '-q', dir], os.tmpdir());
      if (init.code !== 0) throw new Error(`cannot make a scratch repository: ${lastLine(init.stderr)}`);
      if (this.gitDir) fs.writeFileSync(path.join(dir, 'objects', 'info', 'alternates'), path.join(this.gitDir, 'objects') + '\n');
      return await fn(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  private git(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const c = spawn('git', args, { cwd, env: this.gitEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d) => (stdout += d));
      c.stderr.on('data', (d) => (stderr += d));
      const t = setTimeout(() => c.kill('SIGKILL'), this.opts.timeoutMs ?? 120_000);
      c.on('error', (e) => resolve({ code: 127, stdout, stderr: e.message }));
      c.on('close', (code) => {
        clearTimeout(t);
        resolve({ code: code ?? 128, stdout, stderr });
      });
    });
  }
}

function refuseAll(req: Extract<PushServiceRequest, { op: 'push' }>, message: string): Record<string, unknown> {
  return { ok: true, allowed: false, message, refs: req.refs.map((r) => ({ remoteRef: r.dst, ok: false, message })) };
}

/** The repository's common git folder (a worktree's shared one), absolute, or undefined. */
function commonGitDir(dir: string, env: Record<string, string>): string | undefined {
  const r = require('child_process').spawnSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? dir : path.dirname(dir), env, encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0) return undefined;
  try {
    return fs.realpathSync(r.stdout.trim());
  } catch {
    return undefined;
  }
}

function lastLine(s: string): string {
  return s.trim().split('\n').filter(Boolean).pop() ?? '';
}
