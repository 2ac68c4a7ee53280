/**
 * Codex CLI: our PreToolUse hook goes into hooks.json — `<repo>/.codex/hooks.json` (repo scope;
 * Codex loads it only in a trusted project) or `$CODEX_HOME/hooks.json` (user; default
 * ~/.codex) — as a group of its own at the end of `hooks.PreToolUse`:
 *
 *   {"hooks": {"PreToolUse": [..., {"hooks": [{"type": "command", "command": "…", "timeout": 120,
 *                                              "statusMessage": "Agent Policy: checking the tool call"}]}]}}
 *
 * Codex 0.171 silently skips a hook that is not trusted (unless run with
 * `--dangerously-bypass-hook-trust`), so the installer also writes the trust entry Codex itself
 * writes when a person trusts the hook in `/hooks`, into the USER config.toml (the only place
 * Codex reads trust from, see ./trust.ts):
 *
 *   [hooks.state."<hooks.json as Codex names it>:pre_tool_use:<our group>:0"] # agentpolicy-hook: …
 *   trusted_hash = "sha256:…"
 *
 * Why hooks.json and not config.toml: the key counts groups by position, which JSON gives
 * exactly, and Codex never rewrites hooks.json (it does rewrite config.toml: a trust change in
 * `/hooks` re-lays its [hooks.state] tables). The user's own hooks and trust entries stay; when
 * removing ours shifts the user's later groups down, their trust entries are re-keyed with them
 * so they keep running. Every config.toml edit is checked with a TOML parser before it is written.
 *
 * Trust covers the exact command: a moved launcher or node changes the hash, and `--check`
 * reports the hook untrusted until install-hooks runs again. Repo scope needs the project to be
 * trusted by the person in Codex (its first-run prompt): we never trust a project for them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { getPath, hookCommandLine, isEmptyConfig, isObject, isOurCommand, jsonEqual, type AgentInstaller, type FileSet, type FileTexts, type HookCommandSpec, type InstallCheck, type Scope } from '../install';
import { addProperty, appendItem, removeItem, removeProperty } from './jsonText';
import { applyTableEdit, checkedEdit, parseToml, tomlString, tomlTables } from './toml';
import { codexTrustedHash, codexTrustKey } from './trust';

const EVENT = 'PreToolUse';
const STATUS = 'Agent Policy: checking the tool call';
const TIMEOUT = 120;
/** On the header line of each trust table we write; Codex keeps it when it rewrites the table. */
export const TRUST_MARK = '# agentpolicy-hook: written by agentpolicy install-hooks codex';
const MARK_PREFIX = '# agentpolicy-hook';

/** The block the previous installer appended to config.toml (removed when found). */
const LEGACY_BLOCK = /\n?# >>> agentpolicy hook \(written by `agentpolicy install-hooks codex`; `--remove` deletes this block\)\n[\s\S]*?# <<< agentpolicy hook\n?/g;

export function codexHandler(spec: HookCommandSpec): { type: 'command'; command: string; timeout: number; statusMessage: string } {
  return { type: 'command', command: hookCommandLine(spec), timeout: TIMEOUT, statusMessage: STATUS };
}

function ourGroup(spec: HookCommandSpec): Record<string, unknown> {
  return { hooks: [codexHandler(spec)] };
}

/** Where everything is for one scope, with the paths Codex itself will name. */
export interface CodexPaths {
  scope: Scope;
  /** The hooks.json we write. */
  hooksFile: string;
  /** The same file as Codex names it in trust keys (see ./trust.ts). */
  keySource: string;
  /** $CODEX_HOME/config.toml: trust entries, [features], [projects]. */
  userConfig: string;
  /** A config.toml that may hold the previous installer's block. */
  legacyConfig: string;
  /** Repo scope: the trust keys Codex looks the project up by, in its order (the folder, then its git root). */
  projectKeys?: string[];
}

/**
 * Codex's home as Codex resolves it: `$CODEX_HOME` canonicalised (it must exist), else
 * `$HOME/.codex` as given.
 */
export function codexHomeDir(home: string, env?: Readonly<Record<string, string | undefined>>): string {
  const set = env?.CODEX_HOME;
  if (set) {
    try {
      return fs.realpathSync(set);
    } catch {
      throw new Error(`CODEX_HOME=${set} does not exist (Codex refuses to start without it)`);
    }
  }
  return path.join(home, '.codex');
}

export function codexPaths(scope: Scope, w: { workspace: string; home: string; env?: Readonly<Record<string, string | undefined>> }): CodexPaths {
  const home = codexHomeDir(w.home, w.env);
  const userConfig = path.join(home, 'config.toml');
  if (scope === 'user') {
    const hooksFile = path.join(home, 'hooks.json');
    return { scope, hooksFile, keySource: hooksFile, userConfig, legacyConfig: userConfig };
  }
  // Codex names project files by its cwd, which is getcwd() (symlinks resolved) unless `-C` says otherwise.
  const ws = fs.realpathSync(w.workspace);
  const keys = [ws];
  for (let d = ws; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) {
      if (d !== ws) keys.push(d);
      break;
    }
    if (path.dirname(d) === d) break;
  }
  return { scope, hooksFile: path.join(w.workspace, '.codex', 'hooks.json'), keySource: path.join(ws, '.codex', 'hooks.json'), userConfig, legacyConfig: path.join(w.workspace, '.codex', 'config.toml'), projectKeys: keys };
}

// ---------------------------------------------------------------------------------------------
// hooks.json

interface HooksJson {
  text: string | undefined;
  /** User handlers that changed place: "g:h" -> "g:h". */
  moved: Map<string, string>;
  /** Places of the handlers of ours that were taken out. */
  removed: Set<string>;
  /** Our group's index after a merge. */
  oursAt?: number;
}

const isOurs = (h: unknown) => isObject(h) && isOurCommand(h.command);

/** Codex reads hooks.json with a strict JSON parser and skips the whole file on any error. */
function readHooksJson(text: string, file: string): Record<string, unknown> {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not strict JSON (${(e as Error).message}); Codex would skip every hook in it, ours too: fix it by hand, nothing was changed`);
  }
  if (!isObject(root)) throw new Error(`${file} is not a JSON object; fix it by hand, nothing was changed`);
  const r = HooksFileShape.safeParse(root);
  if (!r.success) {
    const at = r.error.issues[0]?.path.join('.') || 'hooks';
    throw new Error(`${at} in ${file} is not what Codex reads (hooks.<Event> = [{matcher?, hooks: [{type, …}]}]): Codex would not load the file; fix it by hand, nothing was changed`);
  }
  return root;
}

/** The shape Codex needs to load hooks.json at all (it drops the whole file otherwise); other fields pass. */
const HooksFileShape = z.looseObject({
  hooks: z.record(z.string(), z.array(z.looseObject({ matcher: z.string().optional(), hooks: z.array(z.looseObject({ type: z.string() })).optional() }))).optional(),
});

function groupsOf(root: Record<string, unknown>): Array<Record<string, unknown>> {
  const g = getPath(root, ['hooks', EVENT]);
  return Array.isArray(g) ? (g as Array<Record<string, unknown>>) : [];
}

function handlersOf(group: Record<string, unknown>): unknown[] {
  return Array.isArray(group.hooks) ? group.hooks : [];
}

/** Takes our handlers out (and groups left empty by that), tracking where every other handler goes. */
function stripHooksJson(text: string, file: string): HooksJson {
  const root = readHooksJson(text, file);
  const groups = groupsOf(root);
  const moved = new Map<string, string>();
  const removed = new Set<string>();
  let ng = 0;
  for (let g = 0; g < groups.length; g++) {
    const hs = handlersOf(groups[g]);
    const mine = hs.some(isOurs);
    if (mine && hs.every(isOurs)) {
      hs.forEach((_, h) => removed.add(`${g}:${h}`));
      continue; // the whole group goes
    }
    let nh = 0;
    hs.forEach((x, h) => (isOurs(x) ? removed.add(`${g}:${h}`) : moved.set(`${g}:${h}`, `${ng}:${nh++}`)));
    ng++;
  }
  let t = text;
  for (let g = groups.length - 1; g >= 0; g--) {
    const hs = handlersOf(groups[g]);
    if (!hs.some(isOurs)) continue;
    if (hs.every(isOurs)) t = removeItem(t, ['hooks', EVENT], g);
    else for (let h = hs.length - 1; h >= 0; h--) if (isOurs(hs[h])) t = removeItem(t, ['hooks', EVENT, g, 'hooks'], h);
  }
  return { text: t, moved, removed };
}

function mergeHooksJson(text: string | undefined, spec: HookCommandSpec, file: string): HooksJson {
  if (text !== undefined && text.trim() !== '') {
    // Already current and last: leave the file as it is.
    const groups = groupsOf(readHooksJson(text, file));
    const mine = groups.filter((g) => handlersOf(g).some(isOurs));
    if (mine.length === 1 && groups[groups.length - 1] === mine[0] && jsonEqual(mine[0], ourGroup(spec))) {
      const moved = new Map<string, string>();
      groups.forEach((g, i) => handlersOf(g).forEach((_, h) => moved.set(`${i}:${h}`, `${i}:${h}`)));
      return { text, moved, removed: new Set(), oursAt: groups.length - 1 };
    }
  }
  const s = stripHooksJson(text === undefined || text.trim() === '' ? '{}\n' : text, file);
  const root = JSON.parse(s.text!) as Record<string, unknown>;
  const oursAt = groupsOf(root).length;
  let t = s.text!;
  if (root.hooks === undefined) t = addProperty(t, [], 'hooks', { [EVENT]: [ourGroup(spec)] });
  else if (getPath(root, ['hooks', EVENT]) === undefined) t = addProperty(t, ['hooks'], EVENT, [ourGroup(spec)]);
  else t = appendItem(t, ['hooks', EVENT], ourGroup(spec));
  return { ...s, text: t.endsWith('\n') ? t : t + '\n', oursAt };
}

function removeHooksJson(text: string, file: string): HooksJson {
  const s = stripHooksJson(text, file);
  let t = s.text!;
  // Lists and objects we emptied go too (one the user left empty is theirs).
  if (s.removed.size && groupsOf(JSON.parse(t) as Record<string, unknown>).length === 0) t = removeProperty(t, ['hooks'], EVENT);
  const hooks = getPath(JSON.parse(t), ['hooks']);
  if (s.removed.size && isObject(hooks) && Object.keys(hooks).length === 0) t = removeProperty(t, [], 'hooks');
  return { ...s, text: isEmptyConfig(JSON.parse(t)) ? undefined : t };
}

// ---------------------------------------------------------------------------------------------
// config.toml: the trust entries

function withoutLegacy(text: string): string {
  const t = text.replace(LEGACY_BLOCK, '');
  return t === '' || t.endsWith('\n') ? t : t + '\n';
}

function stateOf(doc: Record<string, unknown>): Record<string, unknown> | undefined {
  const s = getPath(doc, ['hooks', 'state']);
  return isObject(s) ? s : undefined;
}

/**
 * The trust entries after our hook moved or went: entries for handlers of this hooks.json follow
 * them (re-keyed) or go with ours; entries we wrote (marked) go; ours is written when given.
 */
function editTrust(text: string | undefined, file: string, keySource: string, h: HooksJson, ours: { key: string; hash: string } | undefined, stripLegacy: boolean): string | undefined {
  let before = text ?? '';
  if (stripLegacy) before = withoutLegacy(before);
  parseToml(before, file);
  const prefix = `${keySource}:${'pre_tool_use'}:`;
  const posOf = (k: string) => (k.startsWith(prefix) && /^\d+:\d+$/.test(k.slice(prefix.length)) ? k.slice(prefix.length) : undefined);
  const tables = tomlTables(before);
  const stateTable = (k: string) => tables.find((t) => !t.array && t.path.length === 3 && t.path[0] === 'hooks' && t.path[1] === 'state' && t.path[2] === k);
  const marked = new Set(tables.filter((t) => t.path.length === 3 && t.path[0] === 'hooks' && t.path[1] === 'state' && t.comment?.startsWith(MARK_PREFIX) && posOf(t.path[2]) !== undefined).map((t) => t.path[2]));
  const doc = parseToml(before, file);
  // Ours, written by us and current: it stays where it is (a second install changes nothing).
  const oursKept = ours !== undefined && marked.has(ours.key) && jsonEqual(stateOf(doc)?.[ours.key], { trusted_hash: ours.hash });
  // What becomes of each entry, by its key.
  const fate = (k: string): { drop: true } | { to: string } => {
    const pos = posOf(k);
    if (pos === undefined || (oursKept && k === ours!.key)) return { to: k };
    if (marked.has(k) || h.removed.has(pos)) return { drop: true };
    return { to: prefix + (h.moved.get(pos) ?? pos) };
  };
  const keys = Object.keys(stateOf(doc) ?? {});
  const targets = new Set<string>(ours ? [ours.key] : []);
  for (const k of keys) {
    const f = fate(k);
    if ('to' in f && f.to !== k) targets.add(f.to);
  }
  // An entry left where a moved one (or ours) lands trusted a hook that is gone: it goes.
  const final = (k: string): string | undefined => {
    const f = fate(k);
    if ('drop' in f) return undefined;
    if (f.to === k && targets.has(k) && !(oursKept && k === ours!.key)) return undefined;
    return f.to;
  };
  const drop = new Set<number>();
  const rewrite = new Map<number, string>();
  const replace = new Map<number, string>();
  const ourTable = ours ? `[hooks.state.${tomlString(ours.key)}] ${TRUST_MARK}\ntrusted_hash = ${tomlString(ours.hash)}` : undefined;
  // An entry already at our key that would stay there (a stale one, or ours for another command)
  // is replaced by ours in place; one that moves with its hook is moved, and ours is appended.
  const atOurKey = ours && !oursKept ? stateTable(ours.key) : undefined;
  const movesAway = (k: string) => {
    const f = fate(k);
    return 'to' in f && f.to !== k;
  };
  const inPlace = atOurKey && !movesAway(atOurKey.path[2]) ? atOurKey : undefined;
  for (const t of tables) {
    if (t.array || t.path.length !== 3 || t.path[0] !== 'hooks' || t.path[1] !== 'state') continue;
    if (t === inPlace) {
      replace.set(t.line, ourTable!);
      continue;
    }
    const to = final(t.path[2]);
    if (to === undefined) drop.add(t.line);
    else if (to !== t.path[2]) rewrite.set(t.line, `[hooks.state.${tomlString(to)}]${t.comment ? ` ${t.comment}` : ''}`);
  }
  const append = ours && !oursKept && !inPlace ? ourTable + '\n' : undefined;
  const after = applyTableEdit(before, tables, { drop, rewrite, replace, append });
  checkedEdit(before, after, (d) => {
    const state = stateOf(d);
    const next: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(state ?? {})) {
      const to = final(k);
      if (to !== undefined) next[to] = v;
    }
    if (ours) next[ours.key] = { trusted_hash: ours.hash };
    if (state || ours) {
      const hooks = isObject(d.hooks) ? d.hooks : (d.hooks = {});
      (hooks as Record<string, unknown>).state = next;
    }
    return d;
  }, file);
  if (after.trim() !== '') return after;
  // Emptied by us: the file goes; one that was empty already stays as it was.
  return (text ?? '').trim() === '' ? text : undefined;
}

// ---------------------------------------------------------------------------------------------

function projectTrusted(doc: Record<string, unknown>, keys: string[]): boolean {
  const projects = isObject(doc.projects) ? doc.projects : {};
  for (const k of keys) {
    const p = projects[k];
    if (isObject(p) && p.trust_level !== undefined) return p.trust_level === 'trusted';
  }
  return false;
}

function projectAdvice(p: CodexPaths): string {
  const root = p.projectKeys![p.projectKeys!.length - 1];
  return `Codex runs ${p.hooksFile} only in a trusted project and ${root} is not one: choose "Trust and continue" when Codex asks "Trust this folder?" there (or add [projects.${tomlString(root)}] trust_level = "trusted" to ${p.userConfig}), or install with --scope user`;
}

export function codexFileSet(p: CodexPaths): FileSet {
  const legacySeparate = p.legacyConfig !== p.userConfig;
  const files = [p.hooksFile, p.userConfig, ...(legacySeparate ? [p.legacyConfig] : [])];
  const stripSeparateLegacy = (texts: FileTexts, out: Map<string, string | undefined>) => {
    const t = texts.get(p.legacyConfig);
    if (!legacySeparate || t === undefined) return;
    const next = withoutLegacy(t);
    if (next !== t) out.set(p.legacyConfig, next.trim() === '' ? undefined : next);
  };
  return {
    files,
    merge(texts, spec) {
      const h = mergeHooksJson(texts.get(p.hooksFile), spec, p.hooksFile);
      const ours = { key: codexTrustKey(p.keySource, EVENT, h.oursAt!, 0), hash: codexTrustedHash(EVENT, undefined, codexHandler(spec)) };
      const out = new Map<string, string | undefined>([[p.hooksFile, h.text]]);
      const cfg = editTrust(texts.get(p.userConfig), p.userConfig, p.keySource, h, ours, !legacySeparate);
      out.set(p.userConfig, cfg);
      stripSeparateLegacy(texts, out);
      const notes = [`trusted for Codex in ${p.userConfig} as ${ours.key}`];
      if (p.projectKeys && !projectTrusted(parseToml(cfg ?? '', p.userConfig), p.projectKeys)) notes.push(projectAdvice(p));
      return { texts: out, notes };
    },
    remove(texts) {
      const text = texts.get(p.hooksFile);
      const h: HooksJson = text === undefined ? { text: undefined, moved: new Map(), removed: new Set() } : removeHooksJson(text, p.hooksFile);
      const out = new Map<string, string | undefined>([[p.hooksFile, h.text]]);
      const cfg = texts.get(p.userConfig);
      if (cfg !== undefined) out.set(p.userConfig, editTrust(cfg, p.userConfig, p.keySource, h, undefined, !legacySeparate));
      stripSeparateLegacy(texts, out);
      return { texts: out, notes: [] };
    },
    check(texts, spec): InstallCheck {
      const problems: string[] = [];
      const text = texts.get(p.hooksFile);
      let at: number | undefined;
      if (text === undefined) problems.push(`${p.hooksFile} does not exist: the hook is not installed`);
      else {
        try {
          const groups = groupsOf(readHooksJson(text, p.hooksFile));
          const mine = groups.map((g, i) => [g, i] as const).filter(([g]) => handlersOf(g).some(isOurs));
          if (mine.length === 0) problems.push('the agentpolicy hook is missing from hooks.json');
          else if (mine.length > 1) problems.push(`the agentpolicy hook is in hooks.json ${mine.length} times`);
          else if (!jsonEqual(mine[0][0], ourGroup(spec))) problems.push('the agentpolicy hook in hooks.json is stale (the launcher or node path changed): install again');
          else at = mine[0][1];
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
      let doc: Record<string, unknown> = {};
      try {
        doc = parseToml(texts.get(p.userConfig) ?? '', p.userConfig);
      } catch (e) {
        problems.push(`${(e as Error).message.replace(/; fix it by hand.*$/, '')}: Codex does not start`);
      }
      if (at !== undefined) {
        const key = codexTrustKey(p.keySource, EVENT, at, 0);
        const state = stateOf(doc)?.[key];
        const want = codexTrustedHash(EVENT, undefined, codexHandler(spec));
        if (!isObject(state) || state.trusted_hash === undefined) problems.push(`the hook is not trusted (no [hooks.state.${tomlString(key)}] in ${p.userConfig}): Codex silently skips it; install again`);
        else if (state.trusted_hash !== want) problems.push(`the hook's trust entry in ${p.userConfig} is for another command (Codex reports it "modified" and skips it): install again`);
        if (isObject(state) && state.enabled === false) problems.push(`the hook is switched off in Codex (enabled = false in ${p.userConfig}; /hooks in Codex turns it on)`);
      }
      const features = isObject(doc.features) ? doc.features : {};
      if (features.hooks === false || features.codex_hooks === false) problems.push(`[features] hooks = false in ${p.userConfig}: Codex runs no hook`);
      if (p.projectKeys && !projectTrusted(doc, p.projectKeys)) problems.push(projectAdvice(p));
      for (const f of new Set([p.userConfig, p.legacyConfig])) {
        const t = texts.get(f);
        if (t !== undefined && t.replace(LEGACY_BLOCK, '') !== t) problems.push(`${f} still holds the old agentpolicy hook block (never trusted by Codex): install again to move it to hooks.json`);
      }
      return { ok: problems.length === 0, problems };
    },
  };
}

const needsFileSet = (): never => {
  throw new Error('the Codex hook needs its trust entry in config.toml too: use codexInstaller.fileSet');
};

export const codexInstaller: AgentInstaller = {
  id: 'codex',
  file: (scope, w) => (scope === 'repo' ? path.join(w.workspace, '.codex', 'hooks.json') : path.join(w.env?.CODEX_HOME || path.join(w.home, '.codex'), 'hooks.json')),
  timeoutSeconds: TIMEOUT,
  waitSeconds: 110,
  // One file alone cannot hold a hook Codex runs: these refuse, so nothing half-installs it.
  merge: needsFileSet,
  remove: needsFileSet,
  check: needsFileSet,
  fileSet: (scope, w) => codexFileSet(codexPaths(scope, w)),
};
