#!/usr/bin/env node
// Installs the system packages the integration suites need (scripts/system-packages.json) when
// they are missing and this process may: root (or password-less `sudo -n`) with apt-get,
// non-interactive, once per `npm test` (it is the `pretest` step). What stays missing is
// reported in one line per package, naming the install command; the suites that need it skip
// themselves with the same line (test/support/system.ts). It never fails the run.
//
//   node scripts/provision.cjs            check, install what is missing, report
//   node scripts/provision.cjs --check    check and report only
//
// Overrides, to exercise every path without touching the machine's packages (the tests in
// test/unit/provision.test.ts use them):
//   AGENTPOLICY_SYSTEM_PATH   where commands (and apt-get, sudo) are looked up; default: PATH + /usr/sbin:/sbin
//   AGENTPOLICY_SYSTEM_ROOT   prefix for the file checks; default: /
//   AGENTPOLICY_SYSTEM_UID    the uid to act as (0 = root)
//   AGENTPOLICY_PROVISION=0   never install (report only)
//   AGENTPOLICY_SYSTEM_STATUS where the result is written; default: out/test/system-packages.json
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const PACKAGES = JSON.parse(fs.readFileSync(path.join(__dirname, 'system-packages.json'), 'utf8'));
delete PACKAGES.$comment;

function searchPath(env = process.env) {
  if (env.AGENTPOLICY_SYSTEM_PATH !== undefined) return env.AGENTPOLICY_SYSTEM_PATH.split(':').filter(Boolean);
  const dirs = (env.PATH || '/usr/local/bin:/usr/bin:/bin').split(':').filter(Boolean);
  // The guard's own PATH shims are not the real programs.
  return [...dirs.filter((d) => !/\/dist\/shim\/bin\/?$/.test(d)), '/usr/local/sbin', '/usr/sbin', '/sbin'];
}

/** The absolute path of an executable `name` on the search path, or undefined. */
function which(name, env = process.env) {
  for (const d of searchPath(env)) {
    const f = path.join(d, name);
    try {
      const st = fs.statSync(f);
      if (st.isFile() && (st.mode & 0o111) !== 0) return f;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** What is missing for one entry of system-packages.json: [] when it is all there. */
function missing(name, env = process.env) {
  const p = PACKAGES[name];
  if (!p) throw new Error(`unknown system requirement "${name}" (known: ${Object.keys(PACKAGES).join(', ')})`);
  const root = env.AGENTPOLICY_SYSTEM_ROOT || '/';
  const out = [];
  for (const c of p.commands || []) if (!which(c, env)) out.push(`command ${c}`);
  for (const alternatives of p.files || []) {
    const any = alternatives.split('|').some((f) => fs.existsSync(path.join(root, f)));
    if (!any) out.push(`file ${alternatives.split('|')[0]}`);
  }
  return out;
}

function installCommand(names) {
  const pkgs = [...new Set(names.flatMap((n) => PACKAGES[n].apt))];
  return `sudo apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
}

/** The one line a skipped suite prints. */
function skipLine(name, env = process.env) {
  const m = missing(name, env);
  return `skipped (${PACKAGES[name].for}): ${name} is not installed (${m.join(', ')}); install it with: ${installCommand([name])}`;
}

function uid(env) {
  return env.AGENTPOLICY_SYSTEM_UID !== undefined ? Number(env.AGENTPOLICY_SYSTEM_UID) : process.getuid ? process.getuid() : -1;
}

/** How packages can be installed here: a command prefix, or why not. */
function installer(env = process.env) {
  if (env.AGENTPOLICY_PROVISION === '0') return { why: 'AGENTPOLICY_PROVISION=0' };
  const apt = which('apt-get', env);
  if (!apt) return { why: 'no apt-get on this machine' };
  if (uid(env) === 0) return { argv: [apt] };
  const sudo = which('sudo', env);
  if (sudo && spawnSync(sudo, ['-n', 'true'], { stdio: 'ignore', env: childEnv(env) }).status === 0) return { argv: [sudo, '-n', apt] };
  return { why: 'not root, and no password-less sudo' };
}

function childEnv(env) {
  const e = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  if (env.AGENTPOLICY_SYSTEM_PATH !== undefined) e.PATH = env.AGENTPOLICY_SYSTEM_PATH;
  return e;
}

function apt(argv, args, env, log) {
  const r = spawnSync(argv[0], [...argv.slice(1), ...args], { env: childEnv(env), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60 * 1000 });
  const ok = r.status === 0;
  if (!ok) log(`provision: apt-get ${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').trim().split('\n').slice(-2).join(' / ')}`);
  return ok;
}

/**
 * Checks every requirement, installs what is missing when it can (one apt-get call for all;
 * `apt-get update` only when that fails, as on a fresh image with stale lists), checks again.
 * Returns { name: { ok, missing, install } }, writes it to out/test/system-packages.json.
 */
function provision({ env = process.env, install = true, log = (m) => console.log(m) } = {}) {
  const need = Object.keys(PACKAGES).filter((n) => missing(n, env).length);
  let why;
  if (need.length && install) {
    const how = installer(env);
    if (how.argv) {
      const pkgs = [...new Set(need.flatMap((n) => PACKAGES[n].apt))];
      const args = ['install', '-y', '-qq', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=120', ...pkgs];
      log(`provision: installing ${pkgs.join(' ')} (needed by the integration tests)`);
      const t0 = Date.now();
      const ok = apt(how.argv, args, env, log) || (apt(how.argv, ['update', '-qq'], env, log) && apt(how.argv, args, env, log));
      log(`provision: apt-get ${ok ? 'installed' : 'could not install'} ${pkgs.join(' ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } else {
      why = how.why;
    }
  }
  const status = {};
  for (const n of Object.keys(PACKAGES)) {
    const m = missing(n, env);
    status[n] = { ok: m.length === 0, missing: m, install: installCommand([n]) };
    if (m.length) log(`provision: ${skipLine(n, env)}${why ? ` (not installed automatically: ${why})` : ''}`);
  }
  const statusFile = env.AGENTPOLICY_SYSTEM_STATUS || path.join(__dirname, '..', 'out', 'test', 'system-packages.json');
  try {
    fs.mkdirSync(path.dirname(statusFile), { recursive: true });
    fs.writeFileSync(statusFile, JSON.stringify(status, null, 2) + '\n');
  } catch {
    /* the suites check for themselves */
  }
  return status;
}

module.exports = { PACKAGES, which, missing, skipLine, installCommand, installer, provision };

if (require.main === module) {
  try {
    provision({ install: !process.argv.includes('--check') });
  } catch (e) {
    // Never fail the run here: the suites check for themselves and skip with the fix.
    console.log(`provision: ${e && e.message ? e.message : e}`);
  }
}
