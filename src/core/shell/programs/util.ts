/** Small helpers several program families share. Nothing here runs anything. */
import * as path from 'path';
import type { Word } from '../words';
import type { ProgramContext } from './model';

/**
 * Arguments a program might open, as far as the guard can tell (an unmodelled program, a script's
 * arguments): each path-like argument is a possible read and a possible write, so one naming a
 * secret is a read and one naming a protected file a write.
 */
export function maybeFiles(c: ProgramContext, words: readonly Word[]): void {
  for (const w of words) {
    if (!w.exact) continue;
    let t = w.text;
    if (t.startsWith('-')) {
      const eq = t.indexOf('=');
      if (eq < 0) continue;
      t = t.slice(eq + 1);
    }
    if (t === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(t) || t.length > 4096) continue;
    const w2 = { ...w, text: t };
    c.read(w2, `${c.name} (argument)`);
    c.write(w2, `${c.name} (argument)`);
  }
}

/** The VS Code (and forks') settings files whose `chat.tools.*` keys grant agents permissions. */
export function isAgentSettingsFile(abs: string): boolean {
  const base = path.posix.basename(abs);
  if (base.endsWith('.code-workspace')) return true;
  if (base !== 'settings.json') return false;
  const dir = path.posix.dirname(abs);
  return path.posix.basename(dir) === '.vscode' || /\/(Code|Code - Insiders|Cursor|VSCodium|Windsurf)\/User$/.test(dir);
}

/** Text that names the agent permission keys. */
export function mentionsAgentPermissions(words: readonly Word[]): boolean {
  return words.some((w) => /chat\.tools|chat\.agent|autoApprove/i.test(w.text));
}

/** Program text that names agent permission keys: what it writes carries that mark. */
export function markAgentSettings(c: ProgramContext, code: readonly Word[]): void {
  if (mentionsAgentPermissions(code)) c.out.taints.add('agent-settings');
}

/** An in-place edit of an agent settings file by code that names the permission keys. */
export function guardSettingsEdit(c: ProgramContext, file: Word, code: readonly Word[], via: string): void {
  const p = c.resolve(file);
  if (p !== undefined && isAgentSettingsFile(p) && mentionsAgentPermissions(code)) {
    c.opaque('guard-bypass', `${via} edits the chat.tools.* agent permissions in ${p}`);
  }
}

/** A URL's host, lowercased; undefined when the text is not a URL. */
export function urlHost(t: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(t);
  return m ? m[1].toLowerCase() : undefined;
}

/** `user@host:path`, `host`, a URL: the host. */
export function hostOf(w: Word | undefined): string {
  if (!w || !w.exact) return '*';
  const t = w.text;
  return urlHost(t) ?? t.replace(/^[^@]*@/, '').replace(/:.*$/, '').toLowerCase();
}
