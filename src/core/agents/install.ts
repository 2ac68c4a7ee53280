/**
 * Installing the guard's hook into each agent's config: pure text in, text out, so merging is
 * tested without touching a real home. Ours is recognised by the launcher's name in the
 * command; everything else in the file (the user's hooks, settings, comments) is left alone.
 */
import * as path from 'path';
import { applyEdits, modify, parse, type JSONPath, type ParseError } from 'jsonc-parser';
import type { AgentId } from './types';

export type Scope = 'repo' | 'user';

/** The command line an agent runs: launcher, agent, node (absolute, recorded at install), broker wait. */
export interface HookCommandSpec {
  launcher: string;
  node: string;
  agent: AgentId;
  /** Seconds the launcher waits for a broker's answer (inside the agent's own hook timeout). */
  waitSeconds: number;
}

export const LAUNCHER_NAME = 'agentpolicy-hook';

function q(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function hookCommandLine(spec: HookCommandSpec): string {
  return `${q(spec.launcher)} ${spec.agent} ${q(spec.node)} ${spec.waitSeconds}`;
}

/** Is this command ours (any version, any install path)? */
export function isOurCommand(cmd: unknown): boolean {
  return typeof cmd === 'string' && new RegExp(`(^|/|')${LAUNCHER_NAME}'? `).test(cmd.trimStart());
}

export interface InstallCheck {
  ok: boolean;
  problems: string[];
}

export interface AgentInstaller {
  id: AgentId;
  /** The config file the hook goes in for a scope. */
  file(scope: Scope, where: { workspace: string; home: string; env?: Readonly<Record<string, string | undefined>> }): string;
  /** The agent's hook timeout we set (seconds) and the launcher's broker wait inside it. */
  timeoutSeconds: number;
  waitSeconds: number;
  /** The new file text with our hook present exactly once (current); throws when the file cannot be merged. */
  merge(text: string | undefined, spec: HookCommandSpec): string;
  /** The text without our hook; undefined when nothing else is left (the file is ours alone). */
  remove(text: string): string | undefined;
  check(text: string | undefined, spec: HookCommandSpec): InstallCheck;
  /** Set for files that are executables (Cline's hook scripts). */
  executable?: boolean;
}

// ---------------------------------------------------------------------------------------------
// JSON with comments

const FORMAT = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } };

export function parseJsonc(text: string, file = 'config'): unknown {
  const errors: ParseError[] = [];
  const v = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) throw new Error(`${file} is not valid JSON (at offset ${errors[0].offset}); fix it by hand, nothing was changed`);
  return v;
}

export function getPath(v: unknown, p: JSONPath): unknown {
  let cur = v;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

export function setJson(text: string, p: JSONPath, value: unknown, insert = false): string {
  return applyEdits(text, modify(text, p, value, { ...FORMAT, isArrayInsertion: insert }));
}

/** Removes the items of the array at `p` that `ours` selects, last first (comments elsewhere stay). */
export function removeFromArray(text: string, p: JSONPath, ours: (item: unknown) => boolean): string {
  const arr = getPath(parseJsonc(text), p);
  if (!Array.isArray(arr)) return text;
  for (let i = arr.length - 1; i >= 0; i--) if (ours(arr[i])) text = setJson(text, [...p, i], undefined);
  return text;
}

export function appendToArray(text: string, p: JSONPath, item: unknown): string {
  const arr = getPath(parseJsonc(text), p);
  if (arr === undefined) return setJson(text, p, [item]);
  if (!Array.isArray(arr)) throw new Error(`${p.join('.')} is not a list; fix it by hand, nothing was changed`);
  return setJson(text, [...p, arr.length], item, true);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when the parsed file holds nothing but empty containers (what is left after removing ours). */
export function isEmptyConfig(v: unknown, ignore: string[] = []): boolean {
  if (!isObject(v)) return false;
  return Object.entries(v).every(([k, x]) => ignore.includes(k) || (isObject(x) ? isEmptyConfig(x) : Array.isArray(x) ? x.length === 0 : false));
}

export function homeRel(home: string, ...p: string[]): string {
  return path.join(home, ...p);
}

/** Deep equality for JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}
