/**
 * `npm test` on a fresh machine: scripts/provision.cjs installs the integration suites' system
 * packages when it may (root + apt-get) and otherwise reports one line per package with the
 * install command; the suites skip with the same line. Nothing here touches the machine's
 * packages: a fake apt-get on a private search path "installs" by creating the program it
 * names, so every path (present, installed, stale lists, apt failing, not root, opted out) runs
 * the real script against a real file system.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { provisioner, requireSystem } from '../support/system';

const SCRIPT = path.resolve(__dirname, '..', '..', '..', 'scripts', 'provision.cjs');
const OSSL = 'usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so';

/** Package → what installing it creates (a program on the search path, or a file under the root). */
const FAKE_APT = `#!/bin/bash
printf '%s|%s\\n' "$DEBIAN_FRONTEND" "$*" >> "$FAKE_APT_LOG"
if [[ $1 == update ]]; then /bin/rm -f "$FAKE_APT_DIR/stale"; exit "\${FAKE_APT_UPDATE_EXIT:-0}"; fi
[[ -e $FAKE_APT_DIR/stale ]] && { echo "E: Unable to locate package" >&2; exit 100; }
[[ -n \${FAKE_APT_FAIL-} ]] && { echo "E: Could not get lock" >&2; exit 100; }
for p in "$@"; do
  case $p in
    zsh|git|openssl) prog=$p ;;
    rsyslog) prog=rsyslogd ;;
    bubblewrap) prog=bwrap ;;
    util-linux) prog=script ;;
    perl) prog=perl ;;
    rsyslog-openssl) /bin/mkdir -p "$FAKE_ROOT/${path.dirname(OSSL)}"; : > "$FAKE_ROOT/${OSSL}"; continue ;;
    *) continue ;;
  esac
  printf '#!/bin/sh\\n' > "$FAKE_APT_DIR/$prog"; /bin/chmod +x "$FAKE_APT_DIR/$prog"
done
`;

interface Fake {
  dir: string;
  root: string;
  log: string;
  env: NodeJS.ProcessEnv;
  calls(): string[];
  add(...programs: string[]): void;
}

function fake(opts: { uid?: number; apt?: boolean; extraEnv?: NodeJS.ProcessEnv } = {}): Fake {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'ap-provision-'));
  const dir = path.join(base, 'bin');
  const root = path.join(base, 'root');
  const log = path.join(base, 'apt.log');
  fs.mkdirSync(dir);
  fs.mkdirSync(root);
  if (opts.apt !== false) fs.writeFileSync(path.join(dir, 'apt-get'), FAKE_APT, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AGENTPOLICY_SYSTEM_PATH: dir,
    AGENTPOLICY_SYSTEM_ROOT: root,
    AGENTPOLICY_SYSTEM_UID: String(opts.uid ?? 0),
    FAKE_APT_LOG: log,
    FAKE_APT_DIR: dir,
    FAKE_ROOT: root,
    AGENTPOLICY_SYSTEM_STATUS: path.join(base, 'status.json'),
  };
  delete env.AGENTPOLICY_PROVISION;
  Object.assign(env, opts.extraEnv);
  return {
    dir,
    root,
    log,
    env,
    calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []),
    add: (...programs) => {
      for (const p of programs) fs.writeFileSync(path.join(dir, p), '#!/bin/sh\n', { mode: 0o755 });
    },
  };
}

function run(f: Fake, ...args: string[]): { code: number | null; out: string; status: Record<string, { ok: boolean; install: string }> } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { env: f.env, encoding: 'utf8' });
  const status = JSON.parse(fs.readFileSync(f.env.AGENTPOLICY_SYSTEM_STATUS!, 'utf8'));
  return { code: r.status, out: r.stdout + r.stderr, status };
}

const cleanup: string[] = [];
afterEach(() => {
  while (cleanup.length) fs.rmSync(cleanup.pop()!, { recursive: true, force: true });
});
const track = (f: Fake) => (cleanup.push(path.dirname(f.dir)), f);

describe('provisioning the integration suites’ system packages (scripts/provision.cjs)', () => {
  it('does nothing when everything is installed', () => {
    const f = track(fake());
    f.add('git', 'zsh', 'rsyslogd', 'openssl', 'bwrap', 'script', 'perl');
    fs.mkdirSync(path.join(f.root, path.dirname(OSSL)), { recursive: true });
    fs.writeFileSync(path.join(f.root, OSSL), '');
    const r = run(f);
    assert.strictEqual(r.code, 0);
    assert.deepStrictEqual(f.calls(), [], 'apt-get was called with nothing missing');
    assert.ok(Object.values(r.status).every((s) => s.ok), JSON.stringify(r.status));
    assert.strictEqual(r.out, '');
  });

  it('as root, installs everything missing in one non-interactive apt-get call, then finds it', () => {
    const f = track(fake());
    f.add('git');
    const r = run(f);
    assert.strictEqual(r.code, 0);
    const calls = f.calls();
    assert.strictEqual(calls.length, 1, calls.join('\n'));
    const [frontend, args] = calls[0].split('|');
    assert.strictEqual(frontend, 'noninteractive');
    assert.match(args, /^install -y -qq --no-install-recommends /);
    for (const p of ['zsh', 'rsyslog', 'rsyslog-openssl', 'openssl', 'bubblewrap', 'util-linux', 'perl']) assert.ok(args.split(' ').includes(p), `${p} not installed: ${args}`);
    assert.ok(!args.split(' ').includes('git'), 'git was present and installed anyway');
    assert.ok(Object.values(r.status).every((s) => s.ok), JSON.stringify(r.status));
    assert.match(r.out, /provision: apt-get installed/);
  });

  it('refreshes stale package lists once when install cannot find a package', () => {
    const f = track(fake());
    f.add('git', 'rsyslogd', 'openssl', 'bwrap', 'script', 'perl');
    fs.mkdirSync(path.join(f.root, path.dirname(OSSL)), { recursive: true });
    fs.writeFileSync(path.join(f.root, OSSL), '');
    fs.writeFileSync(path.join(f.dir, 'stale'), '');
    const r = run(f);
    assert.deepStrictEqual(f.calls().map((c) => c.split('|')[1].split(' ')[0]), ['install', 'update', 'install']);
    assert.strictEqual(r.status.zsh.ok, true);
  });

  it('when apt-get fails, exits 0 and names the install command for what is still missing', () => {
    const f = track(fake({ extraEnv: { FAKE_APT_FAIL: '1' } }));
    f.add('git', 'zsh', 'bwrap', 'script', 'perl');
    const r = run(f);
    assert.strictEqual(r.code, 0, 'a missing daemon must never fail the run');
    assert.strictEqual(r.status.rsyslog.ok, false);
    const lines = r.out.split('\n').filter((l) => l.includes('rsyslog is not installed'));
    assert.strictEqual(lines.length, 1, r.out);
    assert.match(lines[0], /install it with: sudo apt-get install -y --no-install-recommends rsyslog rsyslog-openssl openssl/);
    assert.ok(!/zsh is not installed/.test(r.out));
  });

  it('not root (and no password-less sudo): installs nothing and says so, one line per package', () => {
    const f = track(fake({ uid: 1000 }));
    f.add('git', 'rsyslogd', 'openssl', 'bwrap', 'script', 'perl');
    const r = run(f);
    assert.strictEqual(r.code, 0);
    assert.deepStrictEqual(f.calls(), []);
    const lines = r.out.trim().split('\n');
    assert.strictEqual(lines.length, 2, r.out); // zsh, and the rsyslog TLS driver file
    assert.match(r.out, /zsh is not installed \(command zsh\); install it with: sudo apt-get install -y --no-install-recommends zsh \(not installed automatically: not root, and no password-less sudo\)/);
  });

  it('no apt-get, --check, or AGENTPOLICY_PROVISION=0: reports without installing', () => {
    for (const [f, args] of [
      [track(fake({ apt: false })), []],
      [track(fake()), ['--check']],
      [track(fake({ extraEnv: { AGENTPOLICY_PROVISION: '0' } })), []],
    ] as [Fake, string[]][]) {
      const r = run(f, ...args);
      assert.strictEqual(r.code, 0);
      assert.deepStrictEqual(f.calls(), []);
      assert.strictEqual(r.status.git.ok, false);
      assert.match(r.out, /git is not installed/);
    }
  });

  it('a suite whose package is missing is skipped (not failed) with the one line; present, it runs', () => {
    const f = track(fake());
    f.add('zsh');
    const saved = { ...process.env };
    const logged: string[] = [];
    const log = console.log;
    let skipped = 0;
    const ctx = { skip: () => skipped++ } as unknown as Mocha.Context;
    try {
      process.env.AGENTPOLICY_SYSTEM_PATH = f.dir;
      process.env.AGENTPOLICY_SYSTEM_ROOT = f.root;
      console.log = (m: string) => logged.push(m);
      requireSystem(ctx, 'zsh');
      assert.strictEqual(skipped, 0, 'zsh is there: the suite must run');
      requireSystem(ctx, 'zsh', 'rsyslog');
    } finally {
      console.log = log;
      process.env = saved;
    }
    assert.strictEqual(skipped, 1);
    assert.strictEqual(logged.length, 1, logged.join('\n'));
    assert.match(logged[0], /skipped \(shipping to a real rsyslog over TCP and TLS\): rsyslog is not installed \(command rsyslogd, command openssl, file \/usr\/lib\/x86_64-linux-gnu\/rsyslog\/lmnsd_ossl\.so\); install it with: sudo apt-get install -y --no-install-recommends rsyslog rsyslog-openssl openssl/);
  });

  it('knows exactly the requirements in scripts/system-packages.json', () => {
    assert.throws(() => provisioner.missing('emacs'), /unknown system requirement "emacs"/);
    assert.deepStrictEqual(provisioner.missing('git'), [], 'git must be found on this machine (the real PATH, plus /usr/sbin)');
  });
});
