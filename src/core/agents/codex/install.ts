/**
 * Codex CLI: config.toml — <repo>/.codex/config.toml (loaded for a trusted project only) or
 * $CODEX_HOME/config.toml (default ~/.codex). Our hook is one marked block at the end:
 *
 *   [[hooks.PreToolUse]]
 *   [[hooks.PreToolUse.hooks]]
 *   type = "command"
 *   command = "…"
 *   timeout = 120
 *
 * kept as text so the user's own TOML (comments, layout, other hooks) is untouched. Codex runs
 * a non-managed hook only once it is trusted (`/hooks` in Codex), and has no fail-closed option.
 */
import * as path from 'path';
import { hookCommandLine, type AgentInstaller, type InstallCheck } from '../install';

const BEGIN = '# >>> agentpolicy hook (written by `agentpolicy install-hooks codex`; `--remove` deletes this block)';
const END = '# <<< agentpolicy hook';
const BLOCK = new RegExp(`\\n?${escape(BEGIN)}\\n[\\s\\S]*?${escape(END)}\\n?`, 'g');

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\`]/g, '\\$&');
}

function tomlString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function block(command: string): string {
  return [BEGIN, '[[hooks.PreToolUse]]', '[[hooks.PreToolUse.hooks]]', 'type = "command"', `command = ${tomlString(command)}`, 'timeout = 120', 'statusMessage = "Agent Policy: checking the tool call"', END].join('\n') + '\n';
}

/** The text without our block (the blank line we put before it goes too). */
function withoutBlock(text: string): string {
  const t = text.replace(BLOCK, '');
  return t === '' || t.endsWith('\n') ? t : t + '\n';
}

/** TOML our appended tables would clash with: hooks written inline. */
function conflict(text: string): string | undefined {
  const outside = text.replace(BLOCK, '');
  if (/^\s*hooks\s*=/m.test(outside)) return 'config.toml defines `hooks = …` inline; move those hooks into [[hooks.PreToolUse]] tables, then install again';
  if (/^\s*PreToolUse\s*=/m.test(outside)) return 'config.toml defines `PreToolUse = […]` inline under [hooks]; write them as [[hooks.PreToolUse]] tables, then install again';
  return undefined;
}

export const codexInstaller: AgentInstaller = {
  id: 'codex',
  file: (scope, w) => (scope === 'repo' ? path.join(w.workspace, '.codex', 'config.toml') : path.join(w.env?.CODEX_HOME || path.join(w.home, '.codex'), 'config.toml')),
  timeoutSeconds: 120,
  waitSeconds: 110,
  merge(text, spec) {
    const t = text ?? '';
    const c = conflict(t);
    if (c) throw new Error(c);
    const kept = withoutBlock(t);
    const sep = kept === '' || kept.endsWith('\n\n') ? '' : kept.endsWith('\n') ? '\n' : '\n\n';
    return kept + sep + block(hookCommandLine(spec));
  },
  remove(text) {
    const t = withoutBlock(text);
    return t.trim() === '' ? undefined : t;
  },
  check(text, spec): InstallCheck {
    if (text === undefined) return { ok: false, problems: ['config.toml does not exist: the hook is not installed'] };
    const found = text.match(BLOCK) ?? [];
    const problems: string[] = [];
    if (found.length === 0) problems.push('the agentpolicy hook block is missing');
    else if (found.length > 1) problems.push(`the agentpolicy hook block is there ${found.length} times`);
    else if ((found[0] ?? "").trim() !== block(hookCommandLine(spec)).trim()) problems.push('the agentpolicy hook block is stale (the launcher or node path changed): install again');
    const c = conflict(text);
    if (c) problems.push(c);
    if (/^\[features\][^[]*^\s*(codex_)?hooks\s*=\s*false/m.test(text)) problems.push('[features] hooks = false: Codex runs no hook');
    return { ok: problems.length === 0, problems };
  },
};
