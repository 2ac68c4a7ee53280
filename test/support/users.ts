/**
 * Unprivileged users for hostile and cross-user tests. Created when the tests run as root (as CI
 * does), removed at the end; without root the suites that need them skip with a loud notice.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Prints why a suite cannot run here, where nobody can miss it. */
export function loudSkip(suite: Mocha.Context, why: string): void {
  process.stderr.write(`\n  !!! SKIPPED: ${why}\n\n`);
  suite.skip();
}

/** Creates (or reuses) a user with a home under /tmp. */
export function ensureUser(name: string): TestUser {
  const home = `/tmp/${name}-home`;
  if (spawnSync('id', ['-u', name]).status !== 0) {
    const r = spawnSync('useradd', ['-m', '-d', home, '-s', '/bin/bash', name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`useradd ${name}: ${r.stderr}`);
  }
  const uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
  fs.mkdirSync(home, { recursive: true });
  fs.chownSync(home, uid, gid);
  return { name, uid, gid, home };
}

export function removeUser(u: TestUser): void {
  // Only processes of this test user (never anyone else's), then the user and its /tmp home.
  spawnSync('pkill', ['-KILL', '-u', u.name]);
  spawnSync('userdel', ['-r', '-f', u.name], { stdio: 'ignore' });
  if (u.home.startsWith('/tmp/')) fs.rmSync(u.home, { recursive: true, force: true });
}

/** Makes a tree belong to the user (a workspace it plays in). */
export function chownTree(dir: string, u: TestUser): void {
  spawnSync('chown', ['-R', `${u.uid}:${u.gid}`, dir]);
}
