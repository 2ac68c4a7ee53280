import * as assert from 'assert';
import { bwrapArgs } from '../../../src/core/sandbox/bwrap';
import type { SandboxProfile } from '../../../src/core/sandbox/profile';

function profile(over: Partial<SandboxProfile> = {}): SandboxProfile {
  return {
    workspace: '/w',
    home: '/home/u',
    readWrite: ['/w'],
    readOnly: [],
    hidden: [],
    hiddenPaths: [],
    mirrors: [],
    privateDirs: ['/tmp', '/var/tmp', '/run', '/dev/shm'],
    replacements: [],
    binds: [],
    secretPatterns: [],
    protectedPatterns: [],
    watchRoots: ['/w'],
    createDirs: [],
    network: { mode: 'proxy', allowHosts: [] },
    env: { keep: [], set: {} },
    agents: [],
    newSession: true,
    warnings: [],
    ...over,
  };
}

/** The mount operations as [option, destination] in order. */
function mounts(args: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (['--bind', '--ro-bind', '--symlink'].includes(a)) {
      out.push([a, args[i + 2]]);
      i += 2;
    } else if (['--tmpfs', '--dev', '--proc', '--remount-ro'].includes(a)) {
      out.push([a, args[i + 1]]);
      i += 1;
    }
  }
  return out;
}

const under = (p: string, dir: string) => dir === '/' || p.startsWith(dir + '/');

describe('bwrap argv', () => {
  const p = profile({
    readWrite: ['/home/u/.claude', '/w'],
    readOnly: ['/home/u/.claude/settings.json', '/w/.agentpolicy.yaml', '/w/.git/config', '/w/.git/hooks', '/usr/lib/agentpolicy'],
    hidden: [
      { path: '/w/.env', type: 'file' },
      { path: '/w/secrets', type: 'dir' },
    ],
    mirrors: [
      { path: '/home/u', entries: [{ name: '.bashrc', type: 'symlink', target: 'dotfiles/bashrc' }, { name: '.claude', type: 'dir' }, { name: '.config', type: 'dir' }, { name: 'dotfiles', type: 'dir' }] },
      { path: '/home/u/.config', entries: [{ name: 'nvim', type: 'dir' }] },
    ],
    binds: [{ path: '/tmp/agentpolicy-x', writable: false }],
  });
  const args = bwrapArgs(p, { cwd: '/w/src', command: ['node', 'relay.js', '--', 'claude'] });
  const m = mounts(args);

  it('mounts a folder before anything inside it (a later mount on a parent would hide the child)', () => {
    m.forEach(([op, dest], i) => {
      if (op === '--remount-ro') return;
      for (const [op2, later] of m.slice(i + 1)) {
        if (op2 === '--remount-ro') continue;
        assert.ok(!(later !== dest && under(dest, later)), `${op} ${dest} comes before its parent ${op2} ${later}`);
      }
    });
  });

  it('starts from the whole machine read-only, private /tmp and /run, a new /dev and /proc', () => {
    assert.deepStrictEqual(args.slice(0, 3), ['--ro-bind', '/', '/']);
    for (const d of ['/tmp', '/var/tmp', '/run']) assert.ok(m.some(([o, x]) => o === '--tmpfs' && x === d), d);
    assert.ok(m.some(([o, x]) => o === '--dev' && x === '/dev'));
    assert.ok(m.some(([o, x]) => o === '--proc' && x === '/proc'));
  });

  it('binds the workspace writable and its protected files read-only on top', () => {
    const i = m.findIndex(([o, x]) => o === '--bind' && x === '/w');
    assert.ok(i >= 0);
    for (const d of ['/w/.agentpolicy.yaml', '/w/.git/config', '/w/.git/hooks']) {
      const j = m.findIndex(([o, x]) => o === '--ro-bind' && x === d);
      assert.ok(j > i, d);
    }
  });

  it('does not mount a read-only path again where everything is read-only already', () => {
    assert.ok(!m.some(([, x]) => x === '/usr/lib/agentpolicy'));
  });

  it('hides a secret file behind /dev/null and a secret folder behind an empty read-only tmpfs', () => {
    const i = args.indexOf('/w/.env');
    assert.strictEqual(args[i - 1], '/dev/null');
    assert.strictEqual(args[i - 2], '--ro-bind');
    const t = m.findIndex(([o, x]) => o === '--tmpfs' && x === '/w/secrets');
    assert.deepStrictEqual(m[t + 1], ['--remount-ro', '/w/secrets']);
  });

  it('rebuilds a mirrored home: an empty tmpfs, each listed entry, writable state, then read-only', () => {
    const start = m.findIndex(([o, x]) => o === '--tmpfs' && x === '/home/u');
    const end = m.findIndex(([o, x]) => o === '--remount-ro' && x === '/home/u');
    assert.ok(start >= 0 && end > start);
    const inner = m.slice(start + 1, end);
    assert.ok(inner.some(([o, x]) => o === '--symlink' && x === '/home/u/.bashrc'));
    assert.ok(inner.some(([o, x]) => o === '--bind' && x === '/home/u/.claude'), 'state folder writable');
    assert.ok(inner.some(([o, x]) => o === '--ro-bind' && x === '/home/u/.claude/settings.json'));
    assert.ok(inner.some(([o, x]) => o === '--ro-bind' && x === '/home/u/dotfiles'));
    assert.ok(inner.some(([o, x]) => o === '--tmpfs' && x === '/home/u/.config'));
    assert.ok(inner.some(([o, x]) => o === '--ro-bind' && x === '/home/u/.config/nvim'));
    assert.ok(!m.some(([o, x]) => o === '--ro-bind' && x === '/home/u/.config'), 'a mirrored folder is not bound whole');
  });

  it('binds the socket folder read-only inside the private /tmp', () => {
    const t = m.findIndex(([o, x]) => o === '--tmpfs' && x === '/tmp');
    const s = m.findIndex(([o, x]) => o === '--ro-bind' && x === '/tmp/agentpolicy-x');
    assert.ok(t >= 0 && s > t);
  });

  it('unshares every namespace, starts a new session, dies with its parent, then the command', () => {
    const dash = args.indexOf('--');
    const opts = args.slice(0, dash);
    for (const o of ['--unshare-all', '--unshare-user', '--disable-userns', '--new-session', '--die-with-parent']) assert.ok(opts.includes(o), o);
    assert.ok(!opts.includes('--share-net'));
    assert.deepStrictEqual(args.slice(dash + 1), ['node', 'relay.js', '--', 'claude']);
    assert.strictEqual(args[args.indexOf('--chdir') + 1], '/w/src');
    assert.ok(!opts.includes('--cap-drop'));
    const asRoot = bwrapArgs(p, { cwd: '/w', command: ['x'], root: true });
    assert.strictEqual(asRoot[asRoot.indexOf('--cap-drop') + 1], 'ALL');
  });

  it('shows a stand-in for a token file when one was written, else hides it', () => {
    const withRepl = profile({ replacements: [{ path: '/home/u/.npmrc', content: 'registry=x' }] });
    const a = bwrapArgs(withRepl, { cwd: '/w', command: ['x'], replacementSources: { '/home/u/.npmrc': '/tmp/s/npmrc' } });
    assert.strictEqual(a[a.indexOf('/home/u/.npmrc') - 1], '/tmp/s/npmrc');
    const b = bwrapArgs(withRepl, { cwd: '/w', command: ['x'] });
    assert.strictEqual(b[b.indexOf('/home/u/.npmrc') - 1], '/dev/null');
  });

  it('builds a folder of links inside the private /run after it exists, then makes it read-only', () => {
    const a = bwrapArgs(profile(), { cwd: '/w', command: ['x'], linkDir: { dir: '/run/agentpolicy/git-core', links: [['/usr/lib/git-core/git-remote-http', 'git-remote-http'], ['/tmp/s/bin/helper', 'git-remote-agentpolicy']] } });
    const m = mounts(a);
    const run = m.findIndex(([o, x]) => o === '--tmpfs' && x === '/run');
    const dir = m.findIndex(([o, x]) => o === '--tmpfs' && x === '/run/agentpolicy/git-core');
    assert.ok(run >= 0 && dir > run);
    assert.deepStrictEqual(m.slice(dir + 1, dir + 4), [['--symlink', '/run/agentpolicy/git-core/git-remote-http'], ['--symlink', '/run/agentpolicy/git-core/git-remote-agentpolicy'], ['--remount-ro', '/run/agentpolicy/git-core']]);
  });

  it('a hidden path wins over a read-only or writable claim on the same path', () => {
    const a = bwrapArgs(profile({ readWrite: ['/w', '/w/x'], readOnly: ['/w/x'], hidden: [{ path: '/w/x', type: 'file' }] }), { cwd: '/w', command: ['x'] });
    const ops = mounts(a).filter(([, d]) => d === '/w/x');
    assert.deepStrictEqual(ops, [['--ro-bind', '/w/x']]);
    assert.strictEqual(a[a.indexOf('/w/x') - 1], '/dev/null');
  });
});
