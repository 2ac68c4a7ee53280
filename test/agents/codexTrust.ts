import { createHash } from 'crypto';
import * as fs from 'fs';

/**
 * Codex's hook trust, as Codex 0.171 computes it (checked against the real CLI in
 * hookContract.test.ts): a hook runs without `--dangerously-bypass-hook-trust` only when the user
 * config has `[hooks.state."<hooks.json path>:<event>:<group>:<handler>"] trusted_hash = "sha256:…"`,
 * the SHA-256 of the canonical (sorted-keys, compact) JSON of the normalized hook identity
 * `{ event_name, matcher?, hooks: [{ type, command, timeout, async, statusMessage? }] }`
 * (timeout defaults to 600; absent optional fields are left out).
 */

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

export function codexEventLabel(event: string): string {
  return event.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

export function codexTrust(hookFile: string, event = 'PreToolUse', group = 0, handler = 0): { key: string; hash: string } {
  const cfg = JSON.parse(fs.readFileSync(hookFile, 'utf8')) as { hooks: Record<string, Array<{ matcher?: string; hooks: Array<Record<string, unknown>> }>> };
  const g = cfg.hooks[event][group];
  const h = g.hooks[handler];
  const normalized: Record<string, unknown> = { type: 'command', command: h.command, timeout: h.timeout ?? 600, async: h.async ?? false };
  if (h.statusMessage !== undefined) normalized.statusMessage = h.statusMessage;
  const label = codexEventLabel(event);
  const identity: Record<string, unknown> = { event_name: label, hooks: [normalized] };
  if (g.matcher !== undefined) identity.matcher = g.matcher;
  const hash = 'sha256:' + createHash('sha256').update(JSON.stringify(canonical(identity))).digest('hex');
  return { key: `${hookFile}:${label}:${group}:${handler}`, hash };
}
