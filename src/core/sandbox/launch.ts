import { execFile, spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { findProgram, resolveProgram } from '../identity/attribution';
import { askBroker } from '../ipc/client';
import type { BrokerResponse, DecideRequest } from '../ipc/protocol';
import { globToRegExp } from '../policy/commandPattern';
import type { CompiledPolicy } from '../policy/compile';
import { profilesFor, type SandboxAgentProfile } from './agentProfiles';
import { bwrapArgs } from './bwrap';
import { CREDENTIAL_NAME, SOCKET_ENV } from './homeSecrets';
import { buildProfile, type SandboxProfile, type WalkLimits } from './profile';
import { EgressProxy, policyEgressDecider, type EgressDecider, type EgressEvent } from './proxy';
import { brokerPushDecider, PushService, type PushDecider, type PushResultEvent } from './pushService';
import { SandboxWatcher, type SandboxViolation } from './watcher';
import { cleanGitEnv, gitRemotes, gitRemotesAsync, type GitRemote } from './gitRemotes';

/**
 * Starts a program inside the policy's sandbox (Linux, bubblewrap) with the guard outside:
 * the egress proxy, a bridge to the broker, and the push service listen on Unix sockets in a
 * private folder that is bound read-only inside; the relay inside carries loopback ports to them.
 *
 * Two steps, so the relay's start overlaps the broker's first decision:
 * `openSandbox()` builds the profile, starts the services and bwrap with the relay (which
 * listens, then waits); `sandbox.run(argv, env)` tells it to start the program.
 */
export interface OpenSandboxOptions {
  policy: CompiledPolicy;
  /** Agent id the run is attributed to, and the program (argv[0]) it starts. */
  agent?: string;
  program?: string;
  cwd: string;
  /** The broker outside: its Unix socket (bridged in) and its shell port number (kept inside). */
  broker: { socketPath: string; port: number };
  egress: {
    decide: EgressDecider;
    onAudit?: (e: EgressEvent) => void;
    /** `address:port` pairs the proxy may reach although local (the fake model in tests). */
    allowAddresses?: string[];
    /** Loopback ports inside carried through the proxy to the same host:port outside (a model on 127.0.0.1). */
    forwards?: { host: string; port: number }[];
    /** Resolver for the proxy (tests map names to 127.0.0.1). */
    lookup?: (host: string) => Promise<string[]>;
  };
  /** Pushes from inside, decided by the broker, performed outside. Absent: every push is refused. */
  push?: { decide: PushDecider; onResult?: (r: PushResultEvent) => void };
  /**
   * What a violation does. Default: a secret that appears stops the run (its content is at
   * stake now); a protected path created inside is moved aside when the run ends (what it could
   * do — hooks, a looser policy — happens outside, later; inside it is contained).
   */
  onViolation?: (v: SandboxViolation) => ViolationAction;
  /** The guard's own installed files (read-only inside) and state (hidden). */
  guardPaths?: string[];
  guardStateDirs?: string[];
  /** The program as found on PATH and resolved through links (its installation shows inside). */
  programPaths?: string[];
  /** What `run` asked git before the policy loaded (`prefetchSandbox`); used when it is about this workspace. */
  early?: SandboxPrefetch;
  /** Folder holding relay-main.js and remote-helper-main.js (the bundle folder, dist/). */
  distDir: string;
  /** The environment the person's run has (credentials for pushes outside, XDG folders). */
  env: NodeJS.ProcessEnv;
  limits?: Partial<WalkLimits>;
  err?: NodeJS.WritableStream;
  /** Which relay runs inside (default: perl's when there is perl). */
  relay?: 'auto' | 'perl' | 'node';
  /** 'inherit' (default: the person's terminal) or 'pipe' (tests read sandbox.stdout / stderr). */
  stdio?: 'inherit' | 'pipe';
  bwrapPath?: string;
  nodePath?: string;
}

export type ViolationAction = 'stop' | 'quarantine' | 'continue';

export interface Sandbox {
  readonly profile: SandboxProfile;
  /** Starts the program inside; resolves with its exit status. */
  run(argv: string[], env: Record<string, string>): Promise<number>;
  /** Passes a signal to the program. */
  signal(sig: NodeJS.Signals): void;
  /** Stops everything (the program too, if still running). */
  close(): Promise<void>;
  /** Violations seen so far. */
  readonly violations: readonly SandboxViolation[];
  /** Milliseconds spent in each step of opening (for the bench). */
  readonly timings: Record<string, number>;
  /** With stdio 'pipe': the program's output. */
  readonly stdout?: NodeJS.ReadableStream;
  readonly stderr?: NodeJS.ReadableStream;
}

/** Where a sandbox cannot be made: one line saying why, and how to fix it. */
export interface ProbeResult {
  ok: boolean;
  reason?: string;
  fix?: string;
}

let probed: { bwrap: string | undefined; result: ProbeResult } | undefined;

/** Checks once per process that this bwrap exists and can make the namespaces (≈10 ms). */
export function probeSandbox(bwrap = findBwrap()): ProbeResult {
  if (probed && probed.bwrap === bwrap) return probed.result;
  const result = probeUncached(bwrap);
  probed = { bwrap, result };
  return result;
}

function probeUncached(bwrap: string | undefined): ProbeResult {
  const quick = quickProbe(bwrap);
  if (!quick.ok || !bwrap) return quick;
  const r = spawnSync(bwrap, ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-all', '--unshare-user', '--disable-userns', '--new-session', '--die-with-parent', '--', '/bin/true'], { encoding: 'utf8', timeout: 5000 });
  if (r.status === 0) return { ok: true };
  const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0];
  if (/Unknown option|unrecognized option/i.test(why)) return { ok: false, reason: `this bubblewrap is too old (${why}); 0.8 or later is needed`, fix: 'update it: sudo apt-get install -y bubblewrap (Debian 12 / Ubuntu 24.04 ship 0.8)' };
  if (/namespace|uid map|Operation not permitted|Permission denied|No space left/i.test(why)) {
    return {
      ok: false,
      reason: `bwrap cannot create user namespaces here (${why})`,
      fix: 'allow unprivileged user namespaces: sudo sysctl -w kernel.unprivileged_userns_clone=1 (Debian), sudo sysctl -w user.max_user_namespaces=15000, or on Ubuntu 24.04+ sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0',
    };
  }
  return { ok: false, reason: `bwrap failed: ${why}`, fix: 'check that bubblewrap works: bwrap --ro-bind / / --unshare-all /bin/true' };
}

/**
 * What can be told without starting anything (microseconds): bwrap is there, user namespaces are
 * not switched off. `run` checks this first; a start that still fails is explained by probeSandbox.
 */
export function quickProbe(bwrap = findBwrap()): ProbeResult {
  if (process.platform !== 'linux') return { ok: false, reason: `no sandbox back end runs on ${process.platform} yet (macOS: the Seatbelt profile is generated but not started)`, fix: 'run with --no-sandbox to start it without one (audited)' };
  if (!bwrap) return { ok: false, reason: 'bubblewrap (bwrap) is not installed', fix: 'install it: sudo apt-get install -y bubblewrap (Fedora: sudo dnf install bubblewrap)' };
  const read = (f: string) => {
    try {
      return fs.readFileSync(f, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  if (read('/proc/sys/kernel/unprivileged_userns_clone') === '0' && process.getuid?.() !== 0) return { ok: false, reason: 'unprivileged user namespaces are switched off (kernel.unprivileged_userns_clone = 0)', fix: 'sudo sysctl -w kernel.unprivileged_userns_clone=1 (and in /etc/sysctl.d/ to keep it)' };
  if (read('/proc/sys/user/max_user_namespaces') === '0') return { ok: false, reason: 'user namespaces are switched off (user.max_user_namespaces = 0)', fix: 'sudo sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d/ to keep it)' };
  return { ok: true };
}

/**
 * True inside the guard's own sandbox (a nested `agentpolicy run`, e.g. typed in the VS Code
 * Agent terminal): the variable the sandbox sets, and what the kernel says and nobody's
 * environment can fake — no-new-privileges, and a user namespace other than the initial one.
 * A new sandbox cannot be made in there (nested user namespaces are off), and the program is
 * confined by the one it is in.
 */
export function insideSandbox(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.AGENTPOLICY_SANDBOX !== '1') return false;
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const map = fs.readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/);
    return /^NoNewPrivs:\s*1$/m.test(status) && !(map[0] === '0' && map[1] === '0' && map[2] === '4294967295');
  } catch {
    return false;
  }
}

export function findBwrap(): string | undefined {
  for (const d of ['/usr/bin', '/usr/local/bin', '/bin', ...(process.env.PATH ?? '').split(':')]) {
    const p = path.join(d, 'bwrap');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** The loopback port the proxy gets inside: 3128, unless something else needs that number. */
function pickPort(taken: Set<number>, preferred: number): number {
  let p = preferred;
  while (taken.has(p)) p++;
  taken.add(p);
  return p;
}

export async function openSandbox(opts: OpenSandboxOptions): Promise<Sandbox> {
  const err = opts.err ?? process.stderr;
  const bwrap = opts.bwrapPath ?? findBwrap();
  const quick = quickProbe(bwrap);
  if (!quick.ok) throw new Error(`${quick.reason}; ${quick.fix}`);
  const timings: Record<string, number> = {};
  let mark = process.hrtime.bigint();
  const step = (name: string) => {
    const now = process.hrtime.bigint();
    timings[name] = Number(now - mark) / 1e6;
    mark = now;
  };
  const runtimeDir = makeSandboxDir();
  const cleanups: (() => void | Promise<void>)[] = [() => fs.rmSync(runtimeDir, { recursive: true, force: true })];
  const closeAll = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        /* keep closing */
      }
    }
    cleanups.length = 0;
  };
  try {
    const gitExec = gitExecDir();
    const remotes = opts.early?.workspace === opts.policy.workspace ? await opts.early.remotes : gitRemotes(opts.policy.workspace);
    step('git remotes');
    const profile = buildProfile({
      policy: opts.policy,
      agent: opts.agent,
      program: opts.program,
      env: opts.env,
      guardPaths: [opts.distDir, ...(opts.guardPaths ?? [])],
      programPaths: opts.programPaths,
      guardStateDirs: opts.guardStateDirs,
      extraReadOnly: remotes.filter((r) => r.localPath && fs.existsSync(r.localPath)).map((r) => r.localPath!),
      runtimeDir,
      limits: opts.limits,
    });
    for (const w of profile.warnings) err.write(`agentpolicy: sandbox: ${w}\n`);
    step('profile');
    for (const d of profile.createDirs) fs.mkdirSync(d, { recursive: true, mode: 0o700 });

    // Stand-ins (~/.npmrc without tokens), the remote helper, sockets.
    const files = path.join(runtimeDir, 'files');
    const bin = path.join(runtimeDir, 'bin');
    fs.mkdirSync(files);
    fs.mkdirSync(bin);
    const replacementSources: Record<string, string> = {};
    profile.replacements.forEach((r, i) => {
      const f = path.join(files, `${i}-${path.basename(r.path)}`);
      fs.writeFileSync(f, r.content, { mode: 0o444 });
      replacementSources[r.path] = f;
    });
    const nodePath = opts.nodePath ?? process.execPath;
    const helper = path.join(bin, 'git-remote-agentpolicy');
    fs.writeFileSync(helper, `#!/bin/sh\nexec ${shq(nodePath)} ${shq(path.join(opts.distDir, 'remote-helper-main.js'))} "$@"\n`, { mode: 0o555 });
    // git finds remote helpers in its exec path before PATH, and login shells (`bash -lc`, as Codex
    // runs commands) reset PATH: an exec path of git's own programs plus the helper keeps it found.
    const gitCoreLinks = profile.privateDirs.includes('/run') ? gitExecPathLinks(helper, await gitExec) : undefined;
    const gitCore = gitCoreLinks ? GIT_CORE_INSIDE : undefined;

    const proxySocket = path.join(runtimeDir, 'proxy.sock');
    const brokerSocket = path.join(runtimeDir, 'broker.sock');
    const pushSocket = path.join(runtimeDir, 'push.sock');

    const taken = new Set<number>([opts.broker.port, ...(opts.egress.forwards ?? []).map((f) => f.port)]);
    const proxyPort = pickPort(taken, 3128);
    const relayArgs = [
      ...['--listen', String(opts.broker.port), hex(brokerSocket)],
      ...['--listen', String(proxyPort), hex(proxySocket)],
      ...(opts.egress.forwards ?? []).flatMap((f) => ['--forward', String(f.port), hex(f.host), String(f.port), hex(proxySocket)]),
    ];
    const args = bwrapArgs(profile, {
      cwd: opts.cwd,
      root: process.getuid?.() === 0,
      replacementSources,
      linkDir: gitCoreLinks ? { dir: GIT_CORE_INSIDE, links: gitCoreLinks } : undefined,
      command: [...relayCommand(opts.distDir, nodePath, opts.relay), ...relayArgs],
    });
    const relayEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: profile.home, LANG: process.env.LANG ?? 'C.UTF-8' };
    step('argv');
    const child = spawn(bwrap!, args, { stdio: opts.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['inherit', 'inherit', 'inherit', 'pipe'], env: relayEnv });
    // The channel to the relay (its descriptor 3): lines, every value hex (see relay.pl).
    const channel = child.stdio[3] as net.Socket;
    const tell = (line: string) => {
      if (channel.writable) channel.write(line + '\n');
    };
    let ready = false;
    const readyWaiters: (() => void)[] = [];
    let chanBuf = '';
    channel.setEncoding('utf8');
    channel.on('error', () => undefined);
    channel.on('data', (d: string) => {
      chanBuf += d;
      let nl: number;
      while ((nl = chanBuf.indexOf('\n')) >= 0) {
        const line = chanBuf.slice(0, nl);
        chanBuf = chanBuf.slice(nl + 1);
        // Only `ready` matters: the exit status is bwrap's own, not what anything inside says.
        if (line === 'ready' && !ready) {
          ready = true;
          for (const w of readyWaiters) w();
        }
      }
    });
    const exited = new Promise<number>((resolve) => {
      child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)));
      child.on('error', (e) => {
        err.write(`agentpolicy: cannot start the sandbox: ${e.message}\n`);
        resolve(126);
      });
    });
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    });
    step('bwrap spawned');
    // The services start while the relay boots (it connects to them only when a client does).
    const proxy = new EgressProxy({ decide: opts.egress.decide, onAudit: opts.egress.onAudit, allowAddresses: opts.egress.allowAddresses, lookup: opts.egress.lookup });
    await proxy.listen(proxySocket);
    cleanups.push(() => proxy.close());
    const bridge = await bridgeTo(brokerSocket, opts.broker.socketPath);
    cleanups.push(() => new Promise<void>((r) => bridge.close(() => r())));
    const push = new PushService({ workspace: opts.policy.workspace, env: opts.env, decide: opts.push?.decide, onResult: opts.push?.onResult, remotes });
    await push.listen(pushSocket);
    cleanups.push(() => push.close());
    step('services');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the sandbox relay did not start within 15 s')), 15_000);
      readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      void exited.then((code) => {
        clearTimeout(timer);
        // Ready first: this is the run's normal end, nothing to explain (the probe spawns bwrap).
        if (ready) return;
        // Say why, as the probe finds it (bwrap's own message went to stderr).
        probed = undefined;
        const p = probeSandbox(bwrap);
        reject(new Error(p.ok ? `the sandbox exited before it was ready (status ${code})` : `${p.reason}; ${p.fix}`));
      });
    });

    step('relay ready');
    const violations: SandboxViolation[] = [];
    const quarantine = new Set<string>();
    const watcher = new SandboxWatcher({
      roots: profile.watchRoots,
      policy: opts.policy,
      agent: opts.agent,
      known: [...profile.hidden.map((h) => h.path), ...profile.readOnly],
      onViolation: (v) => {
        violations.push(v);
        const action = opts.onViolation ? opts.onViolation(v) : v.kind === 'secret-appeared' ? 'stop' : 'quarantine';
        if (action === 'stop') {
          err.write(`agentpolicy: stopped the sandboxed program: ${v.message}. Start it again to hide it, or remove the file.\n`);
          stop(child, tell);
        } else if (action === 'quarantine') quarantine.add(v.path);
      },
    });
    watcher.start();
    cleanups.push(() => watcher.close());
    if (watcher.truncated) err.write(`agentpolicy: sandbox: watching only ${watcher.watchedDirs} folders for new secrets\n`);
    step('watcher');

    let started = false;
    return {
      profile,
      violations,
      timings,
      stdout: child.stdout ?? undefined,
      stderr: child.stderr ?? undefined,
      async run(argv, env) {
        if (started) throw new Error('a sandbox runs one program');
        started = true;
        const inner = sandboxEnv(env, profile, { brokerSocket, brokerPort: opts.broker.port, proxyPort, pushSocket, bin, remotes, gitExecPath: gitCore });
        for (const a of argv) tell(`arg ${hex(a)}`);
        for (const [k, v] of Object.entries(inner)) tell(`env ${hex(`${k}=${v}`)}`);
        tell(`cwd ${hex(opts.cwd)}`);
        tell('start');
        const code = await exited;
        // Protected paths created during the run go aside before anything outside can use them.
        for (const p of quarantine) {
          if (!fs.existsSync(p)) continue;
          const aside = `${p}.agentpolicy-quarantined-${new Date().toISOString().replace(/[:.]/g, '-')}`;
          try {
            fs.renameSync(p, aside);
            err.write(`agentpolicy: ${p} was created during the sandboxed run, where it is protected; moved aside to ${aside}. Rename it back if you made it yourself.\n`);
          } catch (e) {
            err.write(`agentpolicy: ${p} was created during the sandboxed run, where it is protected, and could not be moved aside (${(e as Error).message}): check it before running anything that reads it.\n`);
          }
        }
        await closeAll();
        return code;
      },
      signal(sig) {
        tell(`signal ${sig}`);
      },
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

function stop(child: ChildProcess, tell: (line: string) => void): void {
  tell('signal SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 2000);
  t.unref();
  child.once('exit', () => clearTimeout(t));
}

/** Where git's exec path is rebuilt inside (in the private /run). */
const GIT_CORE_INSIDE = '/run/agentpolicy/git-core';

/** Questions to git a sandbox needs answered, asked early so they overlap the policy's loading. */
export interface SandboxPrefetch {
  workspace: string;
  remotes: Promise<GitRemote[]>;
}

/** Starts what openSandbox will ask git (remotes of `workspace`, git's exec path) without waiting. */
export function prefetchSandbox(workspace: string): SandboxPrefetch {
  void gitExecDir();
  return { workspace, remotes: gitRemotesAsync(workspace) };
}

let gitExecDirAsked: Promise<{ dir: string; names: string[] }> | undefined;

/**
 * git's exec path and the programs in it, asked once per process without blocking: openSandbox
 * starts the question first and builds the profile while git answers.
 */
function gitExecDir(): Promise<{ dir: string; names: string[] }> {
  gitExecDirAsked ??= new Promise((resolve) => {
    execFile('git', ['--exec-path'], { encoding: 'utf8', timeout: 5000, env: cleanGitEnv(process.env) }, (e, out) => {
      const dir = e ? '' : out.trim();
      let names: string[] = [];
      try {
        names = dir ? fs.readdirSync(dir) : [];
      } catch {
        names = [];
      }
      resolve({ dir, names });
    });
  });
  return gitExecDirAsked;
}

/** Links for an exec path of git's own programs plus the remote helper; undefined when git is not there. */
function gitExecPathLinks(helper: string, { dir, names }: { dir: string; names: string[] }): [string, string][] | undefined {
  if (!dir || !names.length) return undefined;
  return [...names.filter((n) => n !== 'git-remote-agentpolicy').map((n): [string, string] => [path.join(dir, n), n]), [helper, 'git-remote-agentpolicy']];
}

function hex(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex');
}

/** The program `run` starts, as found on PATH (relative to the run's folder) and through its links. */
export function programPaths(name: string, cwd: string, env: NodeJS.ProcessEnv): string[] {
  const found = findProgram(name, env);
  if (!found) return [];
  const abs = path.resolve(cwd, found);
  return [...new Set([abs, resolveProgram(abs)])];
}

/**
 * The relay: relay.pl where perl is (it starts in a few milliseconds; perl-base is essential on
 * Debian/Ubuntu and git depends on perl), else relay-main.js on Node.
 */
export function relayCommand(distDir: string, nodePath: string, which: 'auto' | 'perl' | 'node' = 'auto'): string[] {
  const pl = path.join(distDir, 'relay.pl');
  if (which !== 'node') {
    for (const perl of ['/usr/bin/perl', '/bin/perl']) {
      try {
        fs.accessSync(perl, fs.constants.X_OK);
        fs.accessSync(pl, fs.constants.R_OK);
        return [perl, pl];
      } catch {
        /* next */
      }
    }
    if (which === 'perl') throw new Error('perl is not available for the sandbox relay');
  }
  return [nodePath, path.join(distDir, 'relay-main.js')];
}

/** A private 0700 folder for the sandbox's sockets and files. */
function makeSandboxDir(): string {
  const base = process.env.XDG_RUNTIME_DIR && fs.existsSync(process.env.XDG_RUNTIME_DIR) ? process.env.XDG_RUNTIME_DIR : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, 'agentpolicy-sandbox-'));
  fs.chmodSync(dir, 0o700);
  return dir;
}

/** A Unix socket whose connections are carried to the broker's socket (which may sit in a folder hidden inside). */
async function bridgeTo(listenPath: string, target: string): Promise<net.Server> {
  const server = net.createServer((client) => {
    const up = net.connect(target);
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
    client.pipe(up);
    up.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPath, () => resolve());
  });
  fs.chmodSync(listenPath, 0o600);
  return server;
}

/**
 * The program's environment inside: the guard's (PATH shims, traps, credential) with the broker
 * and proxy addresses as they are inside, every credential-looking variable and socket pointer
 * dropped (except the agents' own model keys), and pushes routed to the broker.
 */
export function sandboxEnv(base: Record<string, string>, profile: SandboxProfile, inside: { brokerSocket: string; brokerPort: number; proxyPort: number; pushSocket: string; bin: string; remotes: readonly Pick<GitRemote, 'url' | 'kind'>[]; gitExecPath?: string }): Record<string, string> {
  const keep = new Set(profile.env.keep);
  const drop = new Set(SOCKET_ENV);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (drop.has(k)) continue;
    if (!k.startsWith('AGENTPOLICY_') && !keep.has(k) && CREDENTIAL_NAME.test(k)) continue;
    if (/^(https?|all|no|ftp)_proxy$/i.test(k)) continue;
    env[k] = v;
  }
  Object.assign(env, profile.env.set);
  env.AGENTPOLICY_SOCKET = inside.brokerSocket;
  env.AGENTPOLICY_PORT = String(inside.brokerPort);
  env.AGENTPOLICY_SANDBOX = '1';
  env.AGENTPOLICY_PUSH_SOCKET = inside.pushSocket;
  if (inside.gitExecPath) env.GIT_EXEC_PATH = inside.gitExecPath;
  env.TMPDIR = '/tmp';
  // The remote helper right after the guard's shims.
  const parts = (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter((p) => p !== inside.bin);
  const shim = env.AGENTPOLICY_SHIM_DIR ? parts.indexOf(env.AGENTPOLICY_SHIM_DIR) : -1;
  parts.splice(shim + 1, 0, inside.bin);
  env.PATH = parts.join(':');
  const proxy = `http://127.0.0.1:${inside.proxyPort}`;
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']) env[k] = proxy;
  env.NO_PROXY = env.no_proxy = 'localhost,127.0.0.1,::1';
  // git: every configured remote's pushes go to the helper, which asks the broker.
  let n = Number(env.GIT_CONFIG_COUNT ?? 0);
  if (!Number.isInteger(n) || n < 0) n = 0;
  const seen = new Set<string>();
  for (const r of inside.remotes) {
    // pushInsteadOf leaves fetches alone; a pushurl ignores it, so that one is rewritten for every use.
    const key = `url.agentpolicy::${r.url}.${r.kind === 'pushurl' ? 'insteadOf' : 'pushInsteadOf'}`;
    if (seen.has(key)) continue;
    seen.add(key);
    env[`GIT_CONFIG_KEY_${n}`] = key;
    env[`GIT_CONFIG_VALUE_${n}`] = r.url;
    n++;
  }
  env.GIT_CONFIG_COUNT = String(n);
  return env;
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface RunSandboxedOptions {
  argv: string[];
  /** The program's environment as the guard made it (guardEnv). */
  env: Record<string, string>;
  policy: CompiledPolicy;
  agent: string;
  cwd: string;
  broker: { socketPath: string; port: number };
  /** The run's session credential: the proxy and the push service ask the broker with it. */
  token: string;
  /** The bundle folder (dist/: relay-main.js, remote-helper-main.js). */
  distDir: string;
  /** The person's environment (credentials for pushes outside). */
  personEnv: NodeJS.ProcessEnv;
  err: NodeJS.WritableStream;
  /** The audit folder given on the command line: hidden inside like the default one. */
  auditDir?: string;
  /** Told about egress decisions the broker did not make (model hosts, the allow-list), push results and violations. */
  onEgress?: (e: EgressEvent) => void;
  onPush?: (r: PushResultEvent) => void;
  onViolation?: (v: SandboxViolation) => void;
  /** Started before the policy loaded (`prefetchSandbox`). */
  early?: SandboxPrefetch;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGWINCH'];

/** A sandbox being opened for one run: `run` starts the program once it is ready. */
export interface SandboxedRun {
  run(env: Record<string, string>): Promise<number>;
  /** The run will not happen (the broker refused it): stop what was started. */
  cancel(): Promise<void>;
}

/**
 * What `agentpolicy run` calls on Linux, as soon as it knows the policy and the broker: opening
 * starts at once (so the relay boots while the broker decides on the run), the program starts
 * on `run(env)`. Egress and pushes are decided by the broker (the person approves `ask` there);
 * SIGINT/SIGTERM/SIGHUP are passed on. `run` resolves with the program's exit status, 126 when
 * the sandbox could not be made (saying why and how to fix it).
 */
export function startSandboxed(o: Omit<RunSandboxedOptions, 'env'>, ask: (req: DecideRequest) => Promise<BrokerResponse> = (req) => askBroker(o.broker.socketPath, req, 24 * 3600_000)): SandboxedRun {
  const forwards = loopbackModelEndpoints(o.personEnv, profilesFor([o.agent, path.basename(o.argv[0]), ...o.policy.agents.map((a) => a.id)]), o.argv, profilesFor([o.agent, path.basename(o.argv[0])], undefined, false));
  const allow = forwards.map((f) => `${f.host}:${f.port}`);
  const opening = openSandbox({
    policy: o.policy,
    agent: o.agent,
    program: path.basename(o.argv[0]),
    cwd: o.cwd,
    broker: o.broker,
    egress: { decide: brokerEgressDecider({ ask, token: o.token, cwd: o.cwd, agentHosts: agentHostsFor(o.policy, o.agent, o.argv[0]), allow }), onAudit: o.onEgress, forwards, allowAddresses: allow },
    push: { decide: brokerPushDecider(ask), onResult: o.onPush },
    onViolation: (v) => {
      o.onViolation?.(v);
      return v.kind === 'secret-appeared' ? 'stop' : 'quarantine';
    },
    guardStateDirs: o.auditDir ? [o.auditDir] : [],
    programPaths: programPaths(o.argv[0], o.cwd, o.personEnv),
    early: o.early,
    distDir: o.distDir,
    env: o.personEnv,
    err: o.err,
  }).then(
    (box) => ({ box }),
    (error: Error) => ({ error }),
  );
  return {
    async run(env) {
      const opened = await opening;
      if ('error' in opened) {
        o.err.write(`agentpolicy: cannot sandbox ${o.argv[0]}: ${opened.error.message}. Or run it unsandboxed once with --no-sandbox (audited).\n`);
        return 126;
      }
      const box = opened.box;
      // The program has no controlling terminal (a session of its own): the terminal's signals come
      // to this process, which passes them on — a resize too, so full-screen programs redraw.
      const forward = (sig: NodeJS.Signals) => box.signal(sig);
      for (const sig of FORWARDED) process.on(sig, forward);
      try {
        return await box.run(o.argv, env);
      } finally {
        for (const sig of FORWARDED) process.off(sig, forward);
        await box.close();
      }
    },
    async cancel() {
      const opened = await opening;
      if ('box' in opened) await opened.box.close();
    },
  };
}

/** Opens and runs in one go (tests, callers without a decision to overlap). */
export function runSandboxed(o: RunSandboxedOptions, ask?: (req: DecideRequest) => Promise<BrokerResponse>): Promise<number> {
  return startSandboxed(o, ask).run(o.env);
}

/**
 * Model endpoints the person pointed an agent at on this machine's loopback (a local model
 * server, the tests' fake model): the agents' base-URL variables (ANTHROPIC_BASE_URL,
 * GOOGLE_GEMINI_BASE_URL, OPENAI_BASE_URL, …), the agent's own command-line option for it
 * (Codex's `base_url`), and AGENTPOLICY_SANDBOX_FORWARDS
 * (`127.0.0.1:PORT,…`, for endpoints set in an agent's own config). Inside they answer at the
 * same address, through the proxy; no other loopback port does.
 */
export function loopbackModelEndpoints(env: NodeJS.ProcessEnv, profiles: readonly SandboxAgentProfile[], argv: readonly string[] = [], launched: readonly SandboxAgentProfile[] = []): { host: string; port: number }[] {
  const out = new Map<string, { host: string; port: number }>();
  const add = (hostname: string, port: number) => {
    const host = hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' ? '127.0.0.1' : hostname;
    if (host !== '127.0.0.1' || !Number.isInteger(port) || port < 1024 || port > 65535) return;
    out.set(`${host}:${port}`, { host, port });
  };
  const addUrl = (v: string) => {
    try {
      const u = new URL(v);
      if (u.protocol === 'http:' || u.protocol === 'https:') add(u.hostname, Number(u.port || (u.protocol === 'https:' ? 443 : 80)));
    } catch {
      /* not a URL: nothing to forward */
    }
  };
  for (const name of new Set(profiles.flatMap((p) => p.modelEnv).filter((n) => /_URL$/.test(n)))) {
    const v = env[name];
    if (v) addUrl(v);
  }
  // Only the launched agent's own option for it, never any URL on the line (a prompt may name a local service).
  for (const p of launched) {
    if (!p.modelUrlInArgs) continue;
    for (const a of argv) for (const m of a.matchAll(new RegExp(p.modelUrlInArgs.source, 'g'))) addUrl(m[1]);
  }
  for (const item of (env.AGENTPOLICY_SANDBOX_FORWARDS ?? '').split(',')) {
    const m = /^\s*(127\.0\.0\.1|localhost):(\d{1,5})\s*$/.exec(item);
    if (m) add(m[1], Number(m[2]));
  }
  return [...out.values()];
}

/** The model API hosts of the agents a run starts (the launched one's, the registered ones'). */
function agentHostsFor(policy: CompiledPolicy, agent: string, program: string): string[] {
  return profilesFor([agent, path.basename(program), ...policy.agents.map((a) => a.id)]).flatMap((p) => p.apiHosts);
}

/**
 * Egress decided by the broker: the agents' model hosts pass (reported through onAudit), every
 * other host:port is a `network` action the broker judges against the policy, asks the person
 * about when the policy says ask, and writes in the audit log.
 */
export function brokerEgressDecider(o: { ask: (req: DecideRequest) => Promise<BrokerResponse>; token: string; cwd: string; agentHosts?: readonly string[]; allow?: readonly string[] }): EgressDecider {
  // Only its allow-list and model-host answers are used: those never reach the policy.
  const local = policyEgressDecider({ policy: () => { throw new Error('unreachable'); }, agentHosts: o.agentHosts, allow: o.allow });
  const known = new Set(o.allow ?? []);
  return async (host, port) => {
    const h = host.toLowerCase();
    if (known.has(`${h}:${port}`) || (o.agentHosts ?? []).some((g) => globToRegExp(g.toLowerCase()).test(h))) return local(host, port);
    const r = await o.ask({ v: 1, type: 'decide', source: 'sandbox', token: o.token, cwd: o.cwd, actions: [{ kind: 'network', host: h, tool: 'sandbox-proxy' }], display: `connect to ${h}:${port} (from the sandbox, through the guard's proxy)` });
    return { allow: r.decision === 'allow', reason: r.message, ruleIds: r.ruleIds, by: r.by === 'person' || r.by === 'session-grant' || r.by === 'pass' ? 'developer' : 'policy' };
  };
}
