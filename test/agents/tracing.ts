import * as fs from 'fs';
import * as path from 'path';

/**
 * Observe what an agent really hands to bash and to git, without changing what runs:
 *  - BASH_ENV points at a script every non-interactive bash reads first; it logs the exact
 *    `$BASH_EXECUTION_STRING` (the agent's wrapper around the model's command), bash's argv,
 *    cwd and PATH;
 *  - a `git` first on PATH logs argv, cwd, the GIT_* environment and its parent, then execs the
 *    real git.
 * Fields are base64 so any byte survives; the readers decode them.
 */

export interface ShellTrace {
  pid: number;
  ppid: number;
  flags: string;
  executionString: string;
  argv: string[];
  cwd: string;
  path: string;
  parent: string[];
}

export interface GitTrace {
  pid: number;
  argv: string[];
  cwd: string;
  gitEnv: Record<string, string>;
  parent: string[];
  path: string;
}

export interface Tracers {
  /** Environment to merge into the agent's (BASH_ENV and PATH with the git wrapper first). */
  env(basePath: string): Record<string, string>;
  shell(): ShellTrace[];
  /** Runs of the `bash` wrapper (found through $SHELL or PATH). */
  bash(): GitTrace[];
  git(): GitTrace[];
}

const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

export function installTracers(scratch: string, realGit = '/usr/bin/git'): Tracers {
  const bin = path.join(scratch, 'trace-bin');
  fs.mkdirSync(bin, { recursive: true });
  const shellLog = path.join(scratch, 'shell-trace.log');
  const gitLog = path.join(scratch, 'git-trace.log');
  const bashEnv = path.join(scratch, 'trace-bash-env.sh');
  const bashLog = path.join(scratch, 'bash-argv.log');
  // Runs inside the agent's bash before its command: stays silent and leaves $? and options alone.
  fs.writeFileSync(
    bashEnv,
    [
      '# harness tracer: log what this bash was asked to run',
      `case "$0" in ${JSON.stringify(bin)}/*) ;; *) {`,
      `  printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$$" "$PPID" "$-" \\`,
      `    "$(printf '%s' "$BASH_EXECUTION_STRING" | base64 -w0)" \\`,
      `    "$(base64 -w0 < /proc/$$/cmdline)" \\`,
      `    "$(printf '%s' "$PWD" | base64 -w0)" "$(printf '%s' "$PATH" | base64 -w0)" \\`,
      `    "$(base64 -w0 < /proc/$PPID/cmdline 2>/dev/null)" >> ${JSON.stringify(shellLog)}`,
      '} 2>/dev/null ;; esac',
      '',
    ].join('\n'),
  );
  // Wrappers are /bin/sh (dash) scripts, so they neither read BASH_ENV nor show up as bash runs.
  const wrapper = (name: string, real: string, log: string) =>
    fs.writeFileSync(
      path.join(bin, name),
      [
        '#!/bin/sh',
        `# harness tracer: log this ${name} call, then run the real ${name}`,
        '{',
        `  printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$$" \\`,
        `    "$(printf '%s\\0' "$0" "$@" | base64 -w0)" "$(printf '%s' "$PWD" | base64 -w0)" \\`,
        `    "$(env | grep -E '^(GIT_|BASH_ENV=|ENV=)' | base64 -w0)" \\`,
        `    "$(base64 -w0 < /proc/$PPID/cmdline 2>/dev/null)" "$(printf '%s' "$PATH" | base64 -w0)" >> ${JSON.stringify(log)}`,
        '} 2>/dev/null',
        `exec ${real} "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  wrapper('git', realGit, gitLog);
  // Agents that pick their shell from $SHELL or PATH run this one: its argv is the exact command line.
  wrapper('bash', '/bin/bash', bashLog);
  const lines = (p: string) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8').split('\n').filter(Boolean) : []);
  // NUL-separated lists (argv, /proc/*/cmdline) end with a NUL.
  const list = (s: string) => {
    const parts = b64(s).split('\0');
    if (parts[parts.length - 1] === '') parts.pop();
    return parts;
  };
  return {
    env: (basePath: string) => ({ BASH_ENV: bashEnv, PATH: `${bin}:${basePath}`, SHELL: path.join(bin, 'bash') }),
    shell: () =>
      lines(shellLog).map((l) => {
        const [pid, ppid, flags, exec, argv, cwd, p, parent] = l.split('\t');
        return { pid: Number(pid), ppid: Number(ppid), flags, executionString: b64(exec ?? ''), argv: list(argv ?? ''), cwd: b64(cwd ?? ''), path: b64(p ?? ''), parent: list(parent ?? '') };
      }),
    bash: () => readWrapped(bashLog),
    git: () => readWrapped(gitLog),
  };
  function readWrapped(log: string): GitTrace[] {
    return lines(log).map((l) => {
        const [pid, argv, cwd, env, parent, p] = l.split('\t');
        const gitEnv: Record<string, string> = {};
        for (const e of b64(env ?? '').split('\n').filter(Boolean)) {
          const i = e.indexOf('=');
          gitEnv[e.slice(0, i)] = e.slice(i + 1);
        }
        return { pid: Number(pid), argv: list(argv ?? '').slice(1), cwd: b64(cwd ?? ''), gitEnv, parent: list(parent ?? ''), path: b64(p ?? '') };
      });
  }
}
