/**
 * What the sandbox needs to know about each agent CLI: where it keeps its own state (writable
 * inside), which of its files configure hooks and permissions (read-only inside, even within a
 * writable state folder), which model API hosts it must reach, and which environment variables
 * carry its own model credential (kept; every other credential-looking variable is dropped).
 *
 * TEMPORARY TABLE: the agents-hooks work (`src/core/agents/<agent>/`) will own agent profiles.
 * Until it lands the sandbox keeps this small table; when it does, build these entries from
 * those profiles and delete this list.
 */
export interface SandboxAgentProfile {
  /** Canonical id, and the ids and program names it is known by (policy `agents[].id`, argv[0]). */
  id: string;
  aliases: readonly string[];
  /** Folders the agent writes its own state to (`~/…`); created if missing is NOT done: absent ones stay absent. */
  stateDirs: readonly string[];
  /** Single state files outside those folders (e.g. `~/.claude.json`). */
  stateFiles: readonly string[];
  /** Hook, permission and trust configuration: read-only inside, wherever it lies. */
  configFiles: readonly string[];
  /** Model API hosts the egress proxy lets through for this agent (globs as in network rules). */
  apiHosts: readonly string[];
  /** Environment variables holding this agent's own model credential or endpoint. */
  modelEnv: readonly string[];
  /** An environment variable that moves the state folder (e.g. CODEX_HOME), if any. */
  homeEnv?: string;
  /** Where on its command line the agent takes a model endpoint (Codex: `-c model_providers.x={ base_url = "…" }`). */
  modelUrlInArgs?: RegExp;
}

export const AGENT_PROFILES: readonly SandboxAgentProfile[] = [
  {
    id: 'claude',
    aliases: ['claude', 'claude-code', 'claude_code', 'claudecode'],
    stateDirs: ['~/.claude', '~/.cache/claude', '~/.cache/claude-cli-nodejs', '~/.local/state/claude', '~/.local/share/claude'],
    stateFiles: ['~/.claude.json', '~/.claude.json.backup'],
    configFiles: ['~/.claude/settings.json', '~/.claude/settings.local.json', '.claude/settings.json', '.claude/settings.local.json'],
    apiHosts: ['api.anthropic.com', 'statsig.anthropic.com', 'console.anthropic.com'],
    modelEnv: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'CLAUDE_CODE_OAUTH_TOKEN', 'CLAUDE_CONFIG_DIR'],
    homeEnv: 'CLAUDE_CONFIG_DIR',
  },
  {
    id: 'gemini',
    aliases: ['gemini', 'gemini-cli', 'gemini_cli'],
    stateDirs: ['~/.gemini', '~/.cache/gemini-cli'],
    stateFiles: [],
    configFiles: ['~/.gemini/settings.json', '~/.gemini/trustedFolders.json', '.gemini/settings.json'],
    apiHosts: ['generativelanguage.googleapis.com', 'cloudcode-pa.googleapis.com', 'oauth2.googleapis.com'],
    modelEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GEMINI_BASE_URL', 'GOOGLE_CLOUD_PROJECT'],
  },
  {
    id: 'codex',
    aliases: ['codex', 'codex-cli', 'openai-codex'],
    stateDirs: ['~/.codex'],
    stateFiles: [],
    configFiles: ['~/.codex/config.toml', '~/.codex/hooks.json', '~/.codex/rules', '.codex'],
    apiHosts: ['api.openai.com', 'chatgpt.com', 'auth.openai.com'],
    modelEnv: ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'CODEX_HOME'],
    homeEnv: 'CODEX_HOME',
    modelUrlInArgs: /\bbase_url\s*=\s*"(https?:\/\/[^"\s]+)"/g,
  },
  {
    id: 'copilot',
    aliases: ['copilot', 'copilot-cli', 'github-copilot'],
    stateDirs: ['~/.copilot'],
    stateFiles: [],
    configFiles: ['~/.copilot/config.json', '~/.copilot/mcp-config.json', '.github/copilot-instructions.md'],
    apiHosts: ['api.githubcopilot.com', 'api.individual.githubcopilot.com', 'api.business.githubcopilot.com', 'api.enterprise.githubcopilot.com'],
    modelEnv: ['COPILOT_GITHUB_TOKEN'],
  },
  {
    id: 'cursor',
    aliases: ['cursor', 'cursor-agent'],
    stateDirs: ['~/.cursor', '~/.local/share/cursor-agent'],
    stateFiles: [],
    configFiles: ['~/.cursor/hooks.json', '~/.cursor/cli-config.json', '~/.cursor/mcp.json', '.cursor/hooks.json', '.cursor/mcp.json'],
    apiHosts: ['api2.cursor.sh', 'api.cursor.com'],
    modelEnv: ['CURSOR_API_KEY'],
  },
];

/** Package-manager caches every agent's `npm install` / `npm test` needs writable. */
export const TOOL_CACHE_DIRS: readonly string[] = ['~/.npm', '~/.cache/yarn', '~/.yarn/berry', '~/.cache/pnpm', '~/.local/share/pnpm', '~/.cache/node-gyp', '~/.cache/pip', '~/.cache/typescript', '~/.cache/ms-playwright'];

/**
 * The profiles that apply to a run: the launched program's (by agent id or program name), every
 * agent registered in the policy, and — when none of those names a known agent (a shell started
 * for agent CLIs) — every known profile, so whichever agent the person starts in it still works.
 */
export function profilesFor(names: readonly (string | undefined)[], table: readonly SandboxAgentProfile[] = AGENT_PROFILES, orEvery = true): SandboxAgentProfile[] {
  const wanted = new Set(names.filter((n): n is string => !!n).map((n) => n.toLowerCase()));
  const hit = table.filter((p) => wanted.has(p.id) || p.aliases.some((a) => wanted.has(a)));
  return hit.length || !orEvery ? hit : [...table];
}
