/**
 * Where credentials live in a home folder, whatever the policy says: the sandbox hides these for
 * every agent. Paths start with `~/`; `$XDG_CONFIG_HOME`-style prefixes are resolved from the
 * environment by `homeSecretPaths`. A folder here is hidden whole.
 */
export const HOME_SECRETS: readonly string[] = [
  // ssh, gpg, password stores and keyrings
  '~/.ssh',
  '~/.gnupg',
  '~/.password-store',
  '@data/keyrings',
  '@config/op',
  // cloud CLIs
  '~/.aws',
  '~/.azure',
  '@config/gcloud',
  '~/.kube',
  '~/.oci',
  '@config/doctl',
  '~/.fly',
  '@config/rclone',
  '~/.s3cfg',
  '~/.boto',
  '~/.terraform.d/credentials.tfrc.json',
  '~/.vault-token',
  // containers
  '~/.docker',
  '@config/containers/auth.json',
  // git hosting and git credentials
  '~/.git-credentials',
  '@config/git/credentials',
  '~/.git-credential-cache',
  '@cache/git/credential',
  '@config/gh',
  '@config/glab-cli',
  '@config/hub',
  '~/.netrc',
  '~/.config/netlify',
  '@data/com.vercel.cli',
  // package registries (~/.npmrc and ~/.yarnrc.yml get a copy without their tokens instead)
  '~/.pypirc',
  '~/.cargo/credentials',
  '~/.cargo/credentials.toml',
  '~/.gem/credentials',
  '~/.composer/auth.json',
  '@config/composer/auth.json',
  // databases
  '~/.pgpass',
  '~/.my.cnf',
  // browsers (session cookies) and mail
  '~/.mozilla',
  '~/.thunderbird',
  '@config/google-chrome',
  '@config/chromium',
  '@config/BraveSoftware',
  '@config/microsoft-edge',
  // shell and REPL histories (tokens typed at a prompt)
  '~/.bash_history',
  '~/.zsh_history',
  '~/.histfile',
  '~/.python_history',
  '~/.node_repl_history',
  '~/.psql_history',
  '~/.mysql_history',
  '~/.lesshst',
  // the guard's own state: audit log and its checkpoint signing key
  '@state/agentpolicy',
];

/** Files whose registry settings agents need but whose tokens they must not see. */
export const TOKEN_FILES: readonly { path: string; strip: RegExp }[] = [
  { path: '~/.npmrc', strip: /^\s*([^=\s]*:)?(_authToken|_auth|_password|password|username|email|certfile|keyfile|cafile)\s*=/i },
  { path: '~/.yarnrc.yml', strip: /^\s*(npmAuthToken|npmAuthIdent|npmAlwaysAuth)\s*:/i },
  { path: '~/.yarnrc', strip: /(_authToken|_auth|password)/i },
];

/** Environment variables that point at a credential file: the file they name is hidden too. */
export const CREDENTIAL_PATH_ENV: readonly string[] = ['GOOGLE_APPLICATION_CREDENTIALS', 'CLOUDSDK_CONFIG', 'KUBECONFIG', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AZURE_CONFIG_DIR', 'DOCKER_CONFIG', 'GNUPGHOME', 'NETRC', 'PASSWORD_STORE_DIR', 'VAULT_CONFIG_PATH', 'PGPASSFILE'];

/**
 * Variables never passed into the sandbox: pointers to agents and sockets that hold the person's
 * credentials outside (ssh-agent, gpg-agent, D-Bus keyrings, VS Code's IPC and git askpass).
 */
export const SOCKET_ENV: readonly string[] = [
  'SSH_AUTH_SOCK',
  'SSH_AGENT_PID',
  'GPG_AGENT_INFO',
  'DBUS_SESSION_BUS_ADDRESS',
  'DBUS_SYSTEM_BUS_ADDRESS',
  'XDG_RUNTIME_DIR',
  'DISPLAY',
  'WAYLAND_DISPLAY',
  'XAUTHORITY',
  'VSCODE_IPC_HOOK',
  'VSCODE_IPC_HOOK_CLI',
  'VSCODE_GIT_IPC_HANDLE',
  'VSCODE_GIT_ASKPASS_MAIN',
  'VSCODE_GIT_ASKPASS_NODE',
  'VSCODE_GIT_ASKPASS_EXTRA_ARGS',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'SUDO_ASKPASS',
  'KRB5CCNAME',
];

/**
 * A name that looks like it carries a credential (dropped unless an agent profile keeps it):
 * GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, NPM_CONFIG__AUTHTOKEN, DB_PASSWORD, STRIPE_KEY, SENTRY_DSN…
 * but not GIT_AUTHOR_NAME or CLAUDE_CODE_MAX_OUTPUT_TOKENS.
 */
export const CREDENTIAL_NAME = /TOKEN(?!S)|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTHTOKEN|(^|_)AUTH($|_)|(^|_)(KEY|PAT|DSN|PASS)$/i;

export interface XdgDirs {
  config: string;
  data: string;
  state: string;
  cache: string;
}

export function xdgDirs(home: string, env: NodeJS.ProcessEnv): XdgDirs {
  const pick = (name: string, fallback: string) => {
    const v = env[name];
    return v && v.startsWith('/') ? v.replace(/\/+$/, '') : `${home}/${fallback}`;
  };
  return { config: pick('XDG_CONFIG_HOME', '.config'), data: pick('XDG_DATA_HOME', '.local/share'), state: pick('XDG_STATE_HOME', '.local/state'), cache: pick('XDG_CACHE_HOME', '.cache') };
}

/** `~/`, `@config/`, `@data/`, `@state/`, `@cache/` → absolute. */
export function expandHomePath(p: string, home: string, xdg: XdgDirs): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return home + p.slice(1);
  const m = /^@(config|data|state|cache)\/(.*)$/.exec(p);
  if (m) return `${xdg[m[1] as keyof XdgDirs]}/${m[2]}`;
  return p;
}

/** The built-in credential locations of this home, absolute, whether or not they exist. */
export function homeSecretPaths(home: string, env: NodeJS.ProcessEnv): string[] {
  const xdg = xdgDirs(home, env);
  const out = HOME_SECRETS.map((p) => expandHomePath(p, home, xdg));
  for (const name of CREDENTIAL_PATH_ENV) {
    const v = env[name];
    if (!v) continue;
    // KUBECONFIG may list several files.
    for (const part of v.split(':')) if (part.startsWith('/')) out.push(part.replace(/\/+$/, ''));
  }
  return [...new Set(out)];
}
