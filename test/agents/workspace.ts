import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Throwaway places for one agent run: a temp root holding a workspace that is a real git repo
 * with one commit pushed to a bare remote, and an empty HOME. Nothing outside the root is
 * handed to the agent.
 */
export interface Sandbox {
  /** The temp root; everything below is ours to delete. */
  root: string;
  /** The repo the agent works in (its cwd). */
  workspace: string;
  /** A bare repo, `origin` of the workspace. */
  remote: string;
  /** The agent's HOME (and CODEX_HOME's parent). */
  home: string;
  /** A scratch folder for logs, wrappers, capture files. */
  scratch: string;
  cleanup(): void;
}

export const DEFAULT_FILES: Record<string, string> = {
  'README.md': '# demo\n',
  'src/main.txt': 'hello from main\n',
  '.env': 'SECRET=1\n',
  'notes.txt': 'alpha\nbeta\ngamma\n',
};

/** A clean environment for git run by the harness itself (never the developer's config). */
export function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Harness',
    GIT_AUTHOR_EMAIL: 'harness@example.invalid',
    GIT_COMMITTER_NAME: 'Harness',
    GIT_COMMITTER_EMAIL: 'harness@example.invalid',
    LANG: 'C.UTF-8',
  };
}

export function git(args: string[], cwd: string, home: string): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: gitEnv(home) });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Make a temp root with `ws/` (git repo, files committed, pushed to `remote.git` on main),
 * `home/` and `scratch/`. `.env` is gitignored but present in the work tree.
 */
export function makeSandbox(opts: { files?: Record<string, string>; prefix?: string } = {}): Sandbox {
  // realpath: agents report resolved paths (/tmp may be a symlink elsewhere).
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix ?? 'ap-agent-')));
  const workspace = path.join(root, 'ws');
  const remote = path.join(root, 'remote.git');
  const home = path.join(root, 'home');
  const scratch = path.join(root, 'scratch');
  for (const d of [workspace, home, scratch]) fs.mkdirSync(d, { recursive: true });
  // This sandbox's own XDG_RUNTIME_DIR: the guard's per-user registry (and any daemon a hook starts) stay in it.
  fs.mkdirSync(path.join(root, 'run'), { mode: 0o700 });
  fs.writeFileSync(path.join(home, '.gitconfig'), '[user]\n\tname = Harness\n\temail = harness@example.invalid\n[init]\n\tdefaultBranch = main\n[safe]\n\tdirectory = *\n');

  const files = opts.files ?? DEFAULT_FILES;
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(workspace, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  if (files['.env'] !== undefined && files['.gitignore'] === undefined) fs.writeFileSync(path.join(workspace, '.gitignore'), '.env\n');

  git(['init', '-q', '--bare', '-b', 'main', remote], root, home);
  git(['init', '-q', '-b', 'main'], workspace, home);
  // In the repo itself too: Gemini CLI runs git with GIT_CONFIG_GLOBAL=/dev/null.
  git(['config', 'user.name', 'Harness'], workspace, home);
  git(['config', 'user.email', 'harness@example.invalid'], workspace, home);
  git(['add', '-A'], workspace, home);
  git(['commit', '-q', '-m', 'initial'], workspace, home);
  git(['remote', 'add', 'origin', remote], workspace, home);
  git(['push', '-q', 'origin', 'main'], workspace, home);

  return {
    root,
    workspace,
    remote,
    home,
    scratch,
    cleanup: () => {
      stopDaemons(path.join(root, 'run'));
      // Only ever the root we created under the system temp dir.
      if (root.startsWith(fs.realpathSync(os.tmpdir()) + path.sep)) fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Ends the per-user daemons a hook started in this sandbox (registered under its runtime dir), by pid. */
export function stopDaemons(runtime: string): void {
  let hostDirs: string[] = [];
  try {
    hostDirs = fs.readdirSync(runtime).filter((d) => d.startsWith('agentpolicy-')).map((d) => path.join(runtime, d, 'hosts'));
  } catch {
    return;
  }
  for (const dir of hostDirs) {
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const pid = Number(/^pid=(\d+)$/m.exec(fs.readFileSync(path.join(dir, f), 'utf8'))?.[1]);
      try {
        if (!(pid > 0 && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemon'))) continue;
        process.kill(pid, 'SIGTERM');
        // Wait for it to close its audit stream before the sandbox is removed under it.
        const until = Date.now() + 3000;
        while (fs.existsSync(`/proc/${pid}`) && Date.now() < until) spawnSync('sleep', ['0.05']);
      } catch {
        /* gone already */
      }
    }
  }
}

/** The remote's refs, for "the force push did not land" assertions. */
export function remoteRefs(sb: Sandbox): string {
  return git(['for-each-ref', '--format=%(refname) %(objectname)'], sb.remote, sb.home);
}
