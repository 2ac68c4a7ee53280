/**
 * The two JSON shapes agents keep hooks in:
 * - grouped (Claude Code, Gemini CLI): hooks.<Event> = [{matcher, hooks: [handler]}]
 * - flat (Cursor): hooks.<event> = [handler]
 * Our handler is found by the launcher in its command; install replaces it, remove takes it
 * (and a group it leaves empty) out, check says what is missing or stale.
 */
import { appendToArray, getPath, hookCommandLine, isEmptyConfig, isObject, isOurCommand, jsonEqual, parseJsonc, removeFromArray, setJson, type AgentInstaller, type HookCommandSpec, type InstallCheck, type Scope } from './install';
import type { AgentId } from './types';

export interface JsonHookShape {
  id: AgentId;
  file: AgentInstaller['file'];
  timeoutSeconds: number;
  waitSeconds: number;
  events: readonly string[];
  grouped: boolean;
  /** Our handler for a command line. */
  handler(command: string): Record<string, unknown>;
  /** The group around it (grouped shapes). */
  group?(handler: Record<string, unknown>): Record<string, unknown>;
  /** Top-level keys our file needs (`version: 1`). */
  preamble?: Record<string, unknown>;
  /** Agent settings that switch our hook off, reported by check. */
  disabledBy?(config: unknown): string | undefined;
}

function handlerCommand(h: unknown): unknown {
  return isObject(h) ? h.command ?? h.bash : undefined;
}

export function jsonHookInstaller(shape: JsonHookShape): AgentInstaller {
  const ours = (h: unknown) => isOurCommand(handlerCommand(h));
  const strip = (text: string): string => {
    for (const ev of shape.events) {
      const p = ['hooks', ev];
      if (!shape.grouped) {
        text = removeFromArray(text, p, ours);
        continue;
      }
      const groups = getPath(parseJsonc(text), p);
      if (!Array.isArray(groups)) continue;
      for (let i = groups.length - 1; i >= 0; i--) {
        const g = groups[i];
        if (!isObject(g) || !Array.isArray(g.hooks) || !g.hooks.some(ours)) continue;
        text = removeFromArray(text, [...p, i, 'hooks'], ours);
        const left = getPath(parseJsonc(text), [...p, i, 'hooks']);
        if (Array.isArray(left) && left.length === 0) text = setJson(text, [...p, i], undefined);
      }
    }
    // An event list (or hooks object) we emptied goes too.
    for (const ev of shape.events) {
      const list = getPath(parseJsonc(text), ['hooks', ev]);
      if (Array.isArray(list) && list.length === 0) text = setJson(text, ['hooks', ev], undefined);
    }
    const hooks = getPath(parseJsonc(text), ['hooks']);
    if (isObject(hooks) && Object.keys(hooks).length === 0) text = setJson(text, ['hooks'], undefined);
    return text;
  };
  const expected = (spec: HookCommandSpec) => {
    const h = shape.handler(hookCommandLine(spec));
    return shape.grouped ? shape.group!(h) : h;
  };
  return {
    id: shape.id,
    file: shape.file,
    timeoutSeconds: shape.timeoutSeconds,
    waitSeconds: shape.waitSeconds,
    merge(text, spec) {
      let t = text === undefined || text.trim() === '' ? '{}\n' : text;
      const root = parseJsonc(t);
      if (!isObject(root)) throw new Error('the config is not a JSON object; fix it by hand, nothing was changed');
      if (root.hooks !== undefined && !isObject(root.hooks)) throw new Error('"hooks" is not an object; fix it by hand, nothing was changed');
      for (const [k, v] of Object.entries(shape.preamble ?? {})) if (getPath(root, [k]) === undefined) t = setJson(t, [k], v);
      t = strip(t);
      for (const ev of shape.events) t = appendToArray(t, ['hooks', ev], expected(spec));
      return t.endsWith('\n') ? t : t + '\n';
    },
    remove(text) {
      const t = strip(text);
      const after = parseJsonc(t);
      // Our hook was all there was: the file goes.
      return isEmptyConfig(after, Object.keys(shape.preamble ?? {})) ? undefined : t;
    },
    check(text, spec): InstallCheck {
      const problems: string[] = [];
      if (text === undefined) return { ok: false, problems: ['the config file does not exist: the hook is not installed'] };
      let root: unknown;
      try {
        root = parseJsonc(text);
      } catch (e) {
        return { ok: false, problems: [(e as Error).message] };
      }
      const want = expected(spec);
      for (const ev of shape.events) {
        const list = getPath(root, ['hooks', ev]);
        const mine = Array.isArray(list) ? list.filter((x) => (shape.grouped ? isObject(x) && Array.isArray(x.hooks) && x.hooks.some(ours) : ours(x))) : [];
        if (mine.length === 0) problems.push(`hooks.${ev}: the agentpolicy hook is missing`);
        else if (mine.length > 1) problems.push(`hooks.${ev}: the agentpolicy hook is there ${mine.length} times`);
        else if (!jsonEqual(mine[0], want)) problems.push(`hooks.${ev}: the agentpolicy hook is stale (expected ${JSON.stringify(want)}, found ${JSON.stringify(mine[0])})`);
      }
      const off = shape.disabledBy?.(root);
      if (off) problems.push(off);
      return { ok: problems.length === 0, problems };
    },
  };
}

export type { Scope };
