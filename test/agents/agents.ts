import * as fs from 'fs';
import * as path from 'path';

/**
 * What the harness knows about each real agent CLI: where its binary is, how to point it at the
 * fake model, the arguments that run it headless with its own permission system off, the
 * throwaway-HOME settings it needs to start offline, and where its hook configuration lives.
 * Facts checked against the pinned versions (see docs/agent-harness.md).
 */

export type AgentName = 'claude-code' | 'gemini' | 'codex';
export const AGENTS: readonly AgentName[] = ['claude-code', 'gemini', 'codex'];

export const TOOLS_DIR = path.resolve(__dirname, '..', '..', '..', 'tools', 'agents');
const BIN = path.join(TOOLS_DIR, 'node_modules', '.bin');

export function agentBinary(agent: AgentName): string {
  return path.join(BIN, agent === 'claude-code' ? 'claude' : agent);
}

/** The agents a suite runs for: all, or those named in AGENTPOLICY_TEST_AGENTS (comma-separated). */
export function selectedAgents(): AgentName[] {
  const want = (process.env.AGENTPOLICY_TEST_AGENTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return want.length ? AGENTS.filter((a) => want.includes(a)) : [...AGENTS];
}

/** True when all three pinned CLIs are installed (test/agents/install.sh). */
export function agentsInstalled(): boolean {
  return AGENTS.every((a) => fs.existsSync(agentBinary(a)));
}

export interface LaunchSpec {
  argv: string[];
  env: Record<string, string>;
}

/** Codex's model: a slug for which it offers the freeform `apply_patch` custom tool. */
export const CODEX_MODEL = 'gpt-5.5';

function readJson(p: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(p, 'utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function writeJson(p: string, v: unknown): void {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, JSON.stringify(v, null, 2) + '\n');
}

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof cur === 'object' && cur !== null && !Array.isArray(cur)) {
      deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>);
    } else if (cur === undefined) {
      into[k] = v;
    }
  }
  return into;
}

export function codexHome(home: string): string {
  return path.join(home, '.codex');
}

/**
 * Write the settings an agent needs in a throwaway HOME to start offline against the fake model,
 * merged into what is there (never replacing hooks someone installed). Idempotent.
 */
export function prepareHome(agent: AgentName, home: string, workspace: string, opts: { trustWorkspace?: boolean } = {}): void {
  const trust = opts.trustWorkspace !== false;
  switch (agent) {
    case 'claude-code': {
      // -p needs no onboarding; these keep it from nagging in the JSON output.
      const p = path.join(home, '.claude.json');
      writeJson(p, deepMerge(readJson(p), { hasCompletedOnboarding: true, bypassPermissionsModeAccepted: true, ...(trust ? { projects: { [workspace]: { hasTrustDialogAccepted: true } } } : {}) }));
      fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
      return;
    }
    case 'gemini': {
      const p = path.join(home, '.gemini', 'settings.json');
      writeJson(
        p,
        deepMerge(readJson(p), {
          security: { auth: { selectedType: 'gemini-api-key' } },
          privacy: { usageStatisticsEnabled: false },
          telemetry: { enabled: false },
          general: { disableAutoUpdate: true, disableUpdateNag: true },
        }),
      );
      // Project settings (.gemini/settings.json, incl. project hooks) load only for trusted folders.
      const t = path.join(home, '.gemini', 'trustedFolders.json');
      if (trust) writeJson(t, { ...readJson(t), [workspace]: 'TRUST_FOLDER' });
      return;
    }
    case 'codex': {
      const dir = codexHome(home);
      fs.mkdirSync(dir, { recursive: true });
      const p = path.join(dir, 'config.toml');
      let toml = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '';
      // Project .codex/ layers (incl. project hooks) load only for trusted projects.
      const trustTable = `[projects.${JSON.stringify(workspace)}]\ntrust_level = "trusted"\n`;
      if (trust && !toml.includes(`[projects.${JSON.stringify(workspace)}]`)) toml += (toml && !toml.endsWith('\n') ? '\n' : '') + trustTable;
      if (!/^\[features\]/m.test(toml)) toml += '\n[features]\nhooks = true\n';
      fs.writeFileSync(p, toml);
      return;
    }
  }
}

/** The command line and environment that run `agent` once, headless, against `modelUrl`. */
export function launch(agent: AgentName, o: { home: string; workspace: string; modelUrl: string; prompt: string; extraArgs?: string[] }): LaunchSpec {
  const quiet = { NO_COLOR: '1', FORCE_COLOR: '0' };
  switch (agent) {
    case 'claude-code':
      return {
        argv: [agentBinary(agent), '-p', o.prompt, '--output-format', 'json', '--dangerously-skip-permissions', ...(o.extraArgs ?? [])],
        env: {
          ...quiet,
          ANTHROPIC_BASE_URL: o.modelUrl,
          ANTHROPIC_API_KEY: 'dummy',
          DISABLE_TELEMETRY: '1',
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          DISABLE_AUTOUPDATER: '1',
          DISABLE_ERROR_REPORTING: '1',
          // Load every tool up front (WebFetch and MCP tools are otherwise deferred behind ToolSearch),
          // so a script can call them in one turn. The hook sees the same call either way.
          ENABLE_TOOL_SEARCH: 'false',
          // --dangerously-skip-permissions refuses to run as root unless told it is sandboxed.
          ...(process.getuid?.() === 0 ? { IS_SANDBOX: '1' } : {}),
        },
      };
    case 'gemini':
      return {
        argv: [agentBinary(agent), '-p', o.prompt, '--output-format', 'json', '--yolo', '--skip-trust', ...(o.extraArgs ?? [])],
        env: { ...quiet, GEMINI_API_KEY: 'dummy', GOOGLE_GEMINI_BASE_URL: o.modelUrl, GEMINI_CLI_NO_RELAUNCH: 'true' },
      };
    case 'codex':
      return {
        argv: [
          agentBinary(agent),
          'exec',
          '--dangerously-bypass-approvals-and-sandbox',
          '--dangerously-bypass-hook-trust',
          '--json',
          '--skip-git-repo-check',
          '--ephemeral',
          '-C',
          o.workspace,
          '-m',
          CODEX_MODEL,
          '-c',
          'model_provider="fake"',
          '-c',
          `model_providers.fake={ name = "fake", base_url = "${o.modelUrl}/v1", wire_api = "responses" }`,
          ...(o.extraArgs ?? []),
          o.prompt,
        ],
        env: { ...quiet, CODEX_HOME: codexHome(o.home) },
      };
  }
}
