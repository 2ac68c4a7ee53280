/**
 * Codex's hook trust, as Codex 0.171 computes it. Checked against the real CLI: its app-server
 * `hooks/list` reports the same `key` and `currentHash` for our hook (test/agents/codexTrust.test.ts),
 * and a hook trusted this way runs under `codex exec` without `--dangerously-bypass-hook-trust`.
 * Source: openai/codex `codex-rs/hooks/src/engine/discovery.rs` (`append_matcher_groups`,
 * `command_hook_hash`), `codex-rs/hooks/src/lib.rs` (`hook_key`, `hook_event_key_label`),
 * `codex-rs/config/src/fingerprint.rs` (`version_for_toml`), `codex-rs/hooks/src/config_rules.rs`
 * (`hook_states_from_stack`: only user config layers hold trust).
 *
 * A non-managed hook (user or project config) runs only when the USER config.toml holds
 *
 *   [hooks.state."<source file>:<event label>:<group index>:<handler index>"]
 *   trusted_hash = "sha256:<hex>"
 *
 * - source file: the hooks.json or config.toml the hook is declared in, as Codex names it:
 *   `$CODEX_HOME` canonicalised when set (else `$HOME/.codex` as given); a project's
 *   `<dir>/.codex/` under the session cwd as Codex has it (its getcwd, or `-C` as given).
 * - event label: snake_case (`pre_tool_use`); indexes: positions in that file's list for the
 *   event and in the group's `hooks` (hooks.json and config.toml count separately).
 * - hex: SHA-256 of the compact JSON, keys sorted at every level, of
 *   `{event_name, matcher?, hooks: [{type: "command", command, timeout, async, statusMessage?,
 *   additionalContextLimit?}]}` with `timeout` defaulted to 600 (at least 1) and `async` to false;
 *   unset optional fields are left out (the identity goes through TOML, which has no null).
 * A changed command (another launcher or node path) changes the hash: Codex then reports the hook
 * "modified" and skips it until trusted again.
 */
import { createHash } from 'crypto';

/** The event label Codex uses in trust keys: PreToolUse -> pre_tool_use. */
export function codexEventLabel(event: string): string {
  return event.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The hooks.state key of one handler. */
export function codexTrustKey(sourceFile: string, event: string, group: number, handler: number): string {
  return `${sourceFile}:${codexEventLabel(event)}:${group}:${handler}`;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

/** A command handler as written in hooks.json (config.toml uses the same keys). */
export interface CodexCommandHandler {
  type?: string;
  command: string;
  timeout?: number;
  async?: boolean;
  statusMessage?: string;
  additionalContextLimit?: number;
}

/** The `trusted_hash` Codex expects for one command handler of a group. */
export function codexTrustedHash(event: string, matcher: string | undefined, handler: CodexCommandHandler): string {
  const h: Record<string, unknown> = { type: 'command', command: handler.command, timeout: Math.max(1, handler.timeout ?? 600), async: handler.async ?? false };
  if (handler.statusMessage !== undefined) h.statusMessage = handler.statusMessage;
  if (handler.additionalContextLimit !== undefined) h.additionalContextLimit = handler.additionalContextLimit;
  const identity: Record<string, unknown> = { event_name: codexEventLabel(event), hooks: [h] };
  if (matcher !== undefined) identity.matcher = matcher;
  return 'sha256:' + createHash('sha256').update(JSON.stringify(canonical(identity))).digest('hex');
}
