/**
 * Just enough TOML editing for Codex's config.toml: find the table headers (`[a."b"]`,
 * `[[a.b]]`) and their lines, and add, drop or rename whole tables as text, so the user's
 * comments and layout stay as they are. Every edit is checked by parsing the result with a real
 * TOML parser (smol-toml) and comparing it with the change we meant: an edit that would mean
 * anything else (a table written inline, dotted keys, a header we misread) is refused, and
 * nothing is written.
 */
import { parse } from 'smol-toml';

export interface TomlTable {
  /** Index of the header line. */
  line: number;
  /** Line after the table's last key/value line (comments and blank lines before the next header stay with it). */
  end: number;
  path: string[];
  array: boolean;
  /** The comment after the header on its line, if any (`# …`). */
  comment?: string;
}

export function parseToml(text: string, file = 'config.toml'): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file} is not valid TOML (${String((e as Error).message).split('\n')[0]}); fix it by hand, nothing was changed`);
  }
}

/** The header line's key path, or undefined when the line is not a header. */
function headerPath(line: string): { path: string[]; array: boolean; comment?: string } | undefined {
  const t = line.trim();
  if (!t.startsWith('[')) return undefined;
  const array = t.startsWith('[[');
  let doc: unknown;
  try {
    doc = parse(line);
  } catch {
    return undefined;
  }
  const path: string[] = [];
  let cur = doc;
  while (cur !== null && typeof cur === 'object') {
    const node: unknown = Array.isArray(cur) ? cur[0] : cur;
    const keys = node !== null && typeof node === 'object' ? Object.keys(node) : [];
    if (keys.length !== 1) break;
    path.push(keys[0]);
    cur = (node as Record<string, unknown>)[keys[0]];
  }
  const hash = commentStart(line);
  return { path, array, comment: hash >= 0 ? line.slice(hash).trim() : undefined };
}

/** Where a `#` comment starts on a header line (outside quoted keys), or -1. */
function commentStart(line: string): number {
  let q: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#') return i;
  }
  return -1;
}

/**
 * The tables of a document. Lines inside multi-line strings and multi-line arrays or inline
 * tables are never taken for headers.
 */
export function tomlTables(text: string): TomlTable[] {
  const lines = text.split('\n');
  const tables: TomlTable[] = [];
  let depth = 0;
  let ml: '"""' | "'''" | undefined;
  const kinds: Array<'header' | 'value' | 'blank'> = [];
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    const startsInside = ml !== undefined || depth > 0;
    if (!startsInside) {
      const h = headerPath(line);
      if (h) {
        tables.push({ line: n, end: n + 1, ...h });
        kinds.push('header');
        continue;
      }
    }
    kinds.push(!startsInside && /^\s*(#.*)?$/.test(line) ? 'blank' : 'value');
    // Scan the line for strings, comments and brackets.
    for (let i = 0; i < line.length; i++) {
      if (ml) {
        if (line.startsWith(ml, i)) {
          ml = undefined;
          i += 2;
        } else if (line[i] === '\\' && ml === '"""') i++;
        continue;
      }
      const c = line[i];
      if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
        ml = line.slice(i, i + 3) as '"""' | "'''";
        i += 2;
        continue;
      }
      if (c === '#') break;
      if (c === '"' || c === "'") {
        for (i++; i < line.length && line[i] !== c; i++) if (c === '"' && line[i] === '\\') i++;
        continue;
      }
      if (c === '[' || c === '{') depth++;
      else if ((c === ']' || c === '}') && depth > 0) depth--;
    }
  }
  // A table's body: its value lines up to the next header (trailing comments/blank lines excluded).
  for (let t = 0; t < tables.length; t++) {
    const next = t + 1 < tables.length ? tables[t + 1].line : lines.length;
    let end = next;
    while (end > tables[t].line + 1 && kinds[end - 1] === 'blank') end--;
    tables[t].end = end;
  }
  return tables;
}

/** A TOML basic string (for keys and values we write). */
export function tomlString(s: string): string {
  return `"${s.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"`;
}

export interface TableEdit {
  /** Tables to drop, by header line index. */
  drop: Set<number>;
  /** Header lines to replace, by line index. */
  rewrite: Map<number, string>;
  /** Whole tables (header and body) to replace with this text, by header line index. */
  replace?: Map<number, string>;
  /** Text to append at the end (whole tables). */
  append?: string;
}

export function applyTableEdit(text: string, tables: TomlTable[], edit: TableEdit): string {
  const lines = text.split('\n');
  const out: string[] = [];
  const byLine = new Map(tables.map((t) => [t.line, t]));
  for (let n = 0; n < lines.length; n++) {
    const t = byLine.get(n);
    const r = t ? edit.replace?.get(n) : undefined;
    if (t && r !== undefined) {
      out.push(r);
      n = t.end - 1;
      continue;
    }
    if (t && edit.drop.has(n)) {
      // One blank line before a dropped table goes with it, so installs and removals do not pile them up.
      if (out.length && out[out.length - 1].trim() === '' && (t.end >= lines.length || lines[t.end].trim() === '')) out.pop();
      n = t.end - 1;
      continue;
    }
    out.push(edit.rewrite.get(n) ?? lines[n]);
  }
  let result = out.join('\n');
  if (edit.append) {
    if (result !== '' && !result.endsWith('\n')) result += '\n';
    if (result.trim() !== '' && !result.endsWith('\n\n')) result += '\n';
    result += edit.append;
  }
  return result;
}

function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = prune(x);
      if (p !== null && typeof p === 'object' && !Array.isArray(p) && !(p instanceof Date) && Object.keys(p).length === 0) continue;
      o[k] = p;
    }
    return o;
  }
  return v;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(prune(a))) === JSON.stringify(canonical(prune(b)));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v instanceof Date) return { $date: v.toISOString() };
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  if (typeof v === 'bigint') return { $big: v.toString() };
  return v;
}

/**
 * The edited text, checked: parsed, it must equal `expected(parsed original)` (empty tables
 * aside). Throws when it does not, so a misread never reaches the file.
 */
export function checkedEdit(before: string, after: string, expected: (doc: Record<string, unknown>) => Record<string, unknown>, file: string): string {
  const want = expected(parseToml(before, file));
  let got: Record<string, unknown>;
  try {
    got = parse(after) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`could not edit ${file} safely (the result would not be valid TOML: ${String((e as Error).message).split('\n')[0]}); nothing was changed`);
  }
  if (!same(want, got)) throw new Error(`could not edit ${file} safely (its [hooks.state] tables are written in a form this installer does not edit, e.g. inline or with dotted keys); nothing was changed`);
  return after;
}
