import * as path from 'path';

/** Programs that get a PATH shim: what agents run that can do damage. */
export const SHIMMED_PROGRAMS = ['git', 'rm', 'rmdir', 'mv', 'cp', 'ln', 'chmod', 'chown', 'curl', 'wget', 'ssh', 'scp', 'rsync', 'nc', 'ncat', 'netcat', 'npm', 'npx', 'pnpm', 'yarn', 'pip', 'pip3', 'docker', 'podman', 'sudo', 'su', 'doas', 'kill', 'pkill', 'killall', 'dd', 'truncate', 'shred', 'tee', 'sh', 'dash', 'bash', 'zsh', 'python', 'python3', 'node', 'perl', 'ruby', 'agentpolicy'];

/** Every hook git knows: ours chains each to the repository's own. */
export const GIT_HOOKS = ['applypatch-msg', 'pre-applypatch', 'post-applypatch', 'pre-commit', 'pre-merge-commit', 'prepare-commit-msg', 'commit-msg', 'post-commit', 'pre-rebase', 'post-checkout', 'post-merge', 'pre-push', 'pre-receive', 'update', 'proc-receive', 'post-receive', 'post-update', 'push-to-checkout', 'pre-auto-gc', 'post-rewrite', 'sendemail-validate', 'fsmonitor-watchman', 'p4-changelist', 'p4-prepare-changelist', 'p4-post-changelist', 'p4-pre-submit', 'post-index-change'];

export interface GuardEnvInput {
  /** dist/shim: holds bash/, zsh/, bin/ and hooks/. */
  shimRoot: string;
  socketPath: string;
  port: number;
  token: string;
  /** The host's answer proof (AGENTPOLICY_PROOF): shells accept an allow only with it. */
  proof: string;
  /** The environment the guarded program would otherwise get. */
  base: NodeJS.ProcessEnv;
}

/**
 * The environment of a guarded process: PATH shims first, the bash and zsh traps, the
 * broker's address and a credential, and git's core.hooksPath appended to any
 * GIT_CONFIG_* entries already there.
 */
export function guardEnv(input: GuardEnvInput): Record<string, string> {
  const { shimRoot, base } = input;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  const bin = path.join(shimRoot, 'bin');
  const dirs = (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter((d) => d !== bin);
  env.PATH = [bin, ...dirs].join(':');
  env.BASH_ENV = path.join(shimRoot, 'bash', 'init.bash');
  // Interactive bash ignores BASH_ENV: the first prompt loads the guard, later prompts reset its line state.
  env.PROMPT_COMMAND = `__agentpolicy_prompt 2>/dev/null || { __agentpolicy_prev_trap=$(trap -p DEBUG); . '${env.BASH_ENV.replace(/'/g, `'\\''`)}'; }`;
  if (env.ZDOTDIR !== path.join(shimRoot, 'zsh')) env.AGENTPOLICY_USER_ZDOTDIR = env.ZDOTDIR ?? env.HOME ?? '';
  env.ZDOTDIR = path.join(shimRoot, 'zsh');
  // A bash whose stdin is a socket (Claude Code's) and whose SHLVL is unset or 0 thinks it was
  // started by rshd: it reads ~/.bashrc instead of BASH_ENV, and the trap never loads.
  if (!(Number(env.SHLVL) >= 1)) env.SHLVL = '1';
  env.AGENTPOLICY_SOCKET = input.socketPath;
  env.AGENTPOLICY_PORT = String(input.port);
  env.AGENTPOLICY_TOKEN = input.token;
  env.AGENTPOLICY_PROOF = input.proof;
  env.AGENTPOLICY_SHIM_DIR = bin;
  // git: our hooks directory, after whatever GIT_CONFIG_* entries the environment already has.
  let index = Number(env.AGENTPOLICY_GIT_CONFIG_INDEX ?? env.GIT_CONFIG_COUNT ?? 0);
  if (!Number.isInteger(index) || index < 0) index = 0;
  env.GIT_CONFIG_COUNT = String(index + 1);
  env[`GIT_CONFIG_KEY_${index}`] = 'core.hooksPath';
  env[`GIT_CONFIG_VALUE_${index}`] = path.join(shimRoot, 'hooks');
  env.AGENTPOLICY_GIT_CONFIG_INDEX = String(index);
  return env;
}
