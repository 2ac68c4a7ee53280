/**
 * Editing help for .agentpolicy.yaml from the policy's own zod schema (through its JSON Schema):
 * what may go where, what each key and value means, and the closest valid spelling. Pure (no
 * `vscode`), so it is unit-tested in plain Node; src/vscode/policyEditing.ts wires it into
 * completion, hover and quick-fix providers.
 *
 * Own providers rather than a dependency on the Red Hat YAML extension: nothing else to install
 * (the extension works offline, in code-server, in Codespaces), the help knows the policy's
 * discriminated rule kinds (`action: git.push` offers `branches`, `force`…), and quick fixes come
 * from the same loader the guard uses. The trade-off: generic YAML features (formatting, schema
 * store, outline) are not ours; with the YAML extension installed both work side by side.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { policyJsonSchema } from '../core/policy/schema';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  description?: string;
  default?: unknown;
  additionalProperties?: boolean | Schema;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  format?: string;
};

/** Descriptions the schema does not carry yet, for the policy's top-level sections and a few keys. */
const EXTRA: Record<string, string> = {
  version: 'Format version of this file. Always 1.',
  rules: 'Rules, judged together with every other layer\'s: the strictest effect wins (deny > ask > allow). Each has an id, an action kind and an effect.',
  agents: 'The agents registry: who may act here, who owns each, how risky it is, and until when.',
  approval: 'How approval prompts behave.',
  tests: 'Self-tests: each line is a command (or file action) and the effect it must get. `agentpolicy lint` runs them.',
  action: 'What kind of action the rule is about: command, file.read, file.write, file.delete, git.push, network, env.set, mcp or opaque.',
  match: 'Token patterns against the analysed argv: words in order (globs, `...` for any words); flags (-x, --long) anywhere.',
  paths: 'gitignore-style globs: no slash = any folder; with slash = from the workspace; ~/ and / absolute; !negates.',
  id: 'Stable id, shown in prompts, explain and the audit log.',
  owner: 'The person or team accountable for this agent.',
  expect: 'The effect this test expects: allow, ask or deny.',
};

const VALUE_DOCS: Record<string, string> = {
  allow: 'allow: it runs without asking.',
  ask: 'ask: the person is asked in VS Code (Pending Approvals); no answer in time denies.',
  deny: 'deny: it is blocked, with a one-line reason for the agent.',
  command: 'Commands found in a shell line, after analysis (wrappers, aliases and `sh -c` seen through).',
  'file.read': 'Reading a file (cat, redirections, cp sources…).',
  'file.write': 'Writing or creating a file.',
  'file.delete': 'Deleting a file or folder (rm, find -delete, git clean…).',
  'git.push': 'A git push, with its remote and refs (also seen by the pre-push hook).',
  network: 'Connecting to a host (curl, git fetch, npm install…).',
  'env.set': 'Setting an environment variable that changes what runs.',
  mcp: 'A call to an MCP server\'s tool.',
  opaque: 'What analysis cannot see through (eval of unknown text, decoded code): ask or deny, never allow.',
  low: 'low risk', medium: 'medium risk (a notification)', high: 'high risk (a modal dialog)', critical: 'critical risk (a modal dialog)',
};

let cached: Schema | undefined;
export function policySchema(): Schema {
  return (cached ??= policyJsonSchema() as Schema);
}

function branches(s: Schema): Schema[] {
  return s.oneOf ?? s.anyOf ?? [s];
}

/** The object schemas that may sit at `path`, narrowed by sibling values (a rule's `action`). */
export function schemasAt(path: (string | number)[], siblings: Record<string, unknown> = {}, root = policySchema()): Schema[] {
  let here: Schema[] = [root];
  for (const seg of path) {
    const next: Schema[] = [];
    for (const s of here.flatMap(branches)) {
      if (typeof seg === 'number') {
        if (s.items) next.push(...branches(s.items));
      } else if (s.properties?.[seg]) next.push(...branches(s.properties[seg]));
    }
    here = next;
  }
  const objects = here.flatMap(branches).filter((s) => s.properties);
  // A discriminated union (rules): keep the branches whose `action` const matches.
  const action = siblings.action;
  if (typeof action === 'string') {
    const narrowed = objects.filter((s) => s.properties?.action?.const === undefined || s.properties.action.const === action || (s.properties.action.enum ?? []).includes(action));
    if (narrowed.length) return narrowed;
  }
  return objects;
}

export interface KeyInfo {
  key: string;
  description: string;
  /** Allowed values, when the schema lists them. */
  values: string[];
  type: string;
}

function typeOf(s: Schema): string {
  const bs = branches(s);
  const t = new Set<string>();
  for (const b of bs) {
    if (b.enum) t.add(b.enum.map((v) => JSON.stringify(v)).join(' | '));
    else if (b.const !== undefined) t.add(JSON.stringify(b.const));
    else if (b.type === 'array') t.add(`list of ${b.items ? typeOf(b.items) : 'values'}`);
    else if (b.type) t.add(Array.isArray(b.type) ? b.type.join(' | ') : b.type);
  }
  return [...t].join(' or ') || 'any';
}

function valuesOf(s: Schema): string[] {
  const out: string[] = [];
  for (const b of branches(s)) {
    for (const v of b.enum ?? []) out.push(String(v));
    if (b.const !== undefined) out.push(String(b.const));
    if (b.type === 'boolean') out.push('true', 'false');
  }
  return [...new Set(out)];
}

/** The keys an object at `path` may have, with their meaning and values. */
export function keysAt(path: (string | number)[], siblings: Record<string, unknown> = {}): KeyInfo[] {
  const seen = new Map<string, KeyInfo>();
  for (const s of schemasAt(path, siblings)) {
    for (const [key, p] of Object.entries(s.properties ?? {})) {
      const values = new Set([...(seen.get(key)?.values ?? []), ...valuesOf(p)]);
      seen.set(key, { key, description: p.description ?? branches(p).find((b) => b.description)?.description ?? EXTRA[key] ?? '', values: [...values], type: typeOf(p) });
    }
  }
  return [...seen.values()];
}

/** What a person should read about the value `value` of `key`. */
export function valueDoc(value: string): string | undefined {
  return VALUE_DOCS[value];
}

// --- Where the cursor is ---------------------------------------------------------------------

export interface CursorContext {
  /** Path of the object (map) the cursor is in. */
  path: (string | number)[];
  /** Key position (typing a key) or value position (after `key:`). */
  kind: 'key' | 'value';
  /** For values: the key. */
  key?: string;
  /** What is typed so far of the key or value. */
  prefix: string;
  /** The other keys of that object, with scalar values (for narrowing rule kinds). */
  siblings: Record<string, unknown>;
}

interface MapInfo {
  path: (string | number)[];
  node: YamlNode;
  /** Column of its keys (block maps), or -1 (flow maps). */
  keyCol: number;
  start: number;
  end: number;
  flow: boolean;
}

function collectMaps(text: string): { maps: MapInfo[]; lc: LineCounter } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, keepSourceTokens: true, uniqueKeys: false });
  const maps: MapInfo[] = [];
  const walk = (n: unknown, path: (string | number)[]) => {
    if (isMap(n)) {
      const first = n.items[0];
      const keyNode = first && isPair(first) && isScalar(first.key) ? first.key : undefined;
      const keyCol = keyNode?.range ? lc.linePos(keyNode.range[0]).col - 1 : -1;
      maps.push({ path, node: n, keyCol: n.flow ? -1 : keyCol, start: n.range?.[0] ?? 0, end: n.range?.[2] ?? text.length, flow: !!n.flow });
      for (const p of n.items) if (isPair(p) && isScalar(p.key)) walk(p.value, [...path, String(p.key.value)]);
    } else if (isSeq(n)) n.items.forEach((it, i) => walk(it, [...path, i]));
  };
  walk(doc.contents, []);
  return { maps, lc };
}

function scalarSiblings(node: YamlNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (isMap(node)) for (const p of node.items) if (isPair(p) && isScalar(p.key)) out[String(p.key.value)] = isScalar(p.value) ? p.value.value : p.value ? '[…]' : null;
  return out;
}

/** The context of `offset` in a (possibly half-typed) policy file. */
export function cursorContext(text: string, offset: number): CursorContext | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  if (/^\s*#/.test(before) || /(^|\s)#/.test(before)) return undefined;
  const { maps } = collectMaps(text);
  // Inside a flow map `{…}` on this line?
  const open = before.lastIndexOf('{');
  if (open >= 0 && before.indexOf('}', open) < 0) {
    const abs = lineStart + open;
    const m = maps.filter((x) => x.flow && x.start <= abs + 1 && x.end >= abs).sort((a, b) => b.start - a.start)[0];
    const seg = before.slice(Math.max(before.lastIndexOf(',') + 1, open + 1));
    const kv = /^\s*([^\s:,{}]+)\s*:\s*(\S*)$/.exec(seg);
    const path = m?.path ?? [];
    const siblings = m ? scalarSiblings(m.node) : {};
    if (kv) return { path, kind: 'value', key: kv[1], prefix: kv[2], siblings };
    return { path, kind: 'key', prefix: seg.trim(), siblings };
  }
  const dash = /^(\s*)((?:-\s+)*)/.exec(before)!;
  const keyCol = dash[0].length;
  const rest = before.slice(keyCol);
  const kv = /^([^\s:#{}[\],]+)\s*:\s*(.*)$/.exec(rest);
  const kind: 'key' | 'value' = kv ? 'value' : 'key';
  if (kind === 'key' && !/^[^\s:#{}[\],]*$/.test(rest)) return undefined;
  // The deepest block map whose keys start at this column and that holds this line.
  const candidates = maps.filter((x) => !x.flow && x.keyCol === keyCol && x.start <= offset && (x.end >= lineStart || x.end >= offset - before.length - 1));
  let m: MapInfo | undefined = candidates.sort((a, b) => b.start - a.start)[0];
  // A new sequence item (`- ` typed, nothing else yet): the item schema of the nearest sequence above.
  if (dash[2] && (!m || m.start < lineStart)) {
    const parent = maps.filter((x) => !x.flow && x.keyCol < keyCol - dash[2].length + 1 && x.start <= offset).sort((a, b) => b.start - a.start)[0];
    const seqKey = parentSeqKey(text, lineStart, keyCol - dash[2].length);
    if (parent && seqKey) return { path: [...parent.path, seqKey, 0], kind, key: kv?.[1], prefix: kv ? kv[2] : rest, siblings: {} };
  }
  if (!m && keyCol === 0) m = maps.find((x) => x.path.length === 0);
  if (!m) return undefined;
  const siblings = scalarSiblings(m.node);
  if (kv) return { path: m.path, kind, key: kv[1], prefix: kv[2], siblings };
  return { path: m.path, kind, prefix: rest, siblings };
}

/** The key of the block sequence an item at `dashCol` on the line at `lineStart` belongs to. */
function parentSeqKey(text: string, lineStart: number, dashCol: number): string | undefined {
  const lines = text.slice(0, lineStart).split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i];
    if (!l.trim() || /^\s*#/.test(l)) continue;
    const ind = /^\s*/.exec(l)![0].length;
    const m = /^\s*(?:-\s+)*([^\s:#]+)\s*:\s*(#.*)?$/.exec(l);
    if (m && ind <= dashCol) return m[1];
    if (ind < dashCol) return undefined;
  }
  return undefined;
}

// --- Did you mean -------------------------------------------------------------------------------

export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/** Valid spellings for `word` among `options`, closest first (at most 3; only plausible ones). */
export function closest(word: string, options: readonly string[]): string[] {
  return options
    .map((o) => ({ o, d: editDistance(word.toLowerCase(), o.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(x.o.length / 3)) || x.o.startsWith(word) || word.startsWith(x.o))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.o);
}

/**
 * Replacements for a loader error on `token`: the suggestion the loader made ("did you mean"),
 * else the closest allowed keys at that place, else the allowed values.
 */
export function fixesFor(message: string, token: string, ctx: CursorContext | undefined): string[] {
  const dym = /did you mean "([^"]+)"/.exec(message);
  if (dym) return [dym[1]];
  if (!ctx) return [];
  if (ctx.kind === 'key' || /unknown key|unrecognized key/i.test(message)) return closest(token, keysAt(ctx.path, ctx.siblings).map((k) => k.key));
  const key = keysAt(ctx.path, ctx.siblings).find((k) => k.key === ctx.key);
  if (key?.values.length) return closest(token, key.values).concat(key.values.filter((v) => !closest(token, key.values).includes(v))).slice(0, key.values.length);
  return [];
}
