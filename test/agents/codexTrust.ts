import * as fs from 'fs';
import * as path from 'path';
import { codexTrustedHash, codexTrustKey } from '../../src/core/agents/codex/trust';
import { codexHome } from './agents';

/**
 * Codex's hook trust for hooks the harness registers by hand, computed by the product's own code
 * (src/core/agents/codex/trust.ts; the format is documented there and in docs/agents.md). A hook
 * runs without `--dangerously-bypass-hook-trust` only when the USER config.toml holds
 * `[hooks.state."<hooks.json>:<event>:<group>:<handler>"] trusted_hash = "sha256:…"`.
 */

interface HooksFile {
  hooks: Record<string, Array<{ matcher?: string; hooks: Array<{ command: string; timeout?: number; async?: boolean; statusMessage?: string }> }>>;
}

export function codexTrust(hookFile: string, event = 'PreToolUse', group = 0, handler = 0): { key: string; hash: string } {
  const cfg = JSON.parse(fs.readFileSync(hookFile, 'utf8')) as HooksFile;
  const g = cfg.hooks[event][group];
  return { key: codexTrustKey(hookFile, event, group, handler), hash: codexTrustedHash(event, g.matcher, g.hooks[handler]) };
}

/** Trusts every handler of `events` in a hooks.json, as a person would in Codex's /hooks (appended to the user config). */
export function trustCodexHooks(home: string, hookFile: string, events: string[]): void {
  const cfg = JSON.parse(fs.readFileSync(hookFile, 'utf8')) as HooksFile;
  let toml = '';
  for (const ev of events)
    (cfg.hooks[ev] ?? []).forEach((g, gi) =>
      g.hooks.forEach((_, hi) => {
        const { key, hash } = codexTrust(hookFile, ev, gi, hi);
        toml += `\n[hooks.state.${JSON.stringify(key)}]\ntrusted_hash = ${JSON.stringify(hash)}\n`;
      }),
    );
  fs.mkdirSync(codexHome(home), { recursive: true });
  fs.appendFileSync(path.join(codexHome(home), 'config.toml'), toml);
}
