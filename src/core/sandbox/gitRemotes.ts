import { execFile, spawnSync } from 'child_process';
import * as path from 'path';

export interface GitRemote {
  name: string;
  url: string;
  /** `pushurl` entries are only pushed to (git does not apply pushInsteadOf to them). */
  kind: 'url' | 'pushurl';
  /** Set when the URL names a folder on this machine. */
  localPath?: string;
}

const REMOTES_ARGS = (workspace: string) => ['-C', workspace, 'config', '--get-regexp', '^remote\\..*\\.(url|pushurl)$'];

/** The workspace repository's remotes (url and pushurl), read outside before start. */
export function gitRemotes(workspace: string): GitRemote[] {
  const r = spawnSync('git', REMOTES_ARGS(workspace), { encoding: 'utf8', timeout: 5000, env: cleanGitEnv(process.env) });
  return r.status === 0 ? parseRemotes(r.stdout, workspace) : [];
}

/** The same without blocking: `run` asks before the policy loads, so git answers meanwhile. */
export function gitRemotesAsync(workspace: string): Promise<GitRemote[]> {
  return new Promise((resolve) => {
    execFile('git', REMOTES_ARGS(workspace), { encoding: 'utf8', timeout: 5000, env: cleanGitEnv(process.env) }, (e, stdout) => resolve(e ? [] : parseRemotes(stdout, workspace)));
  });
}

function parseRemotes(text: string, workspace: string): GitRemote[] {
  const out: GitRemote[] = [];
  for (const line of text.split('\n')) {
    const m = /^remote\.(.+)\.(url|pushurl) (.+)$/.exec(line);
    if (!m) continue;
    out.push({ name: m[1], url: m[3], kind: m[2] as 'url' | 'pushurl', localPath: localPathOf(m[3], workspace) });
  }
  return out;
}

function localPathOf(url: string, workspace: string): string | undefined {
  if (url.startsWith('file://')) return decodeURIComponent(url.slice(7));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^/]+:/.test(url) || /^[a-z0-9.-]+:[^/]/i.test(url) || url.includes('::')) return undefined;
  return path.resolve(workspace, url);
}

/** The person's environment for git run outside by the guard: without the guard's own git settings. */
export function cleanGitEnv(base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined) continue;
    if (/^GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+|PARAMETERS)$/.test(k) || /^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|NAMESPACE|COMMON_DIR)$/.test(k) || k.startsWith('AGENTPOLICY_')) continue;
    env[k] = v;
  }
  return env;
}

