import { CORE_SCHEMA, load as fastLoad } from 'js-yaml';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { policySchema, type PolicyDocument } from './schema';

/** One problem in a policy file, located. */
export interface PolicyError {
  file: string;
  line: number;
  col: number;
  /** Path into the document, e.g. `rules[3].match`. */
  path: string;
  message: string;
}

export type LoadResult = { ok: true; policy: PolicyDocument; errors: [] } | { ok: false; errors: PolicyError[] };

/** `file:line:col path: message` — the form editors and terminals turn into links. */
export function formatPolicyError(e: PolicyError): string {
  return `${e.file}:${e.line}:${e.col} ${e.path ? e.path + ': ' : ''}${e.message}`;
}

/**
 * Parses and validates policy text. Never throws: every problem comes back located.
 *
 * A valid policy is read by a fast YAML reader (a 100,000-rule file in well under a second); the
 * full YAML library, which locates every problem and bounds aliases, reads anything that is not
 * plainly valid: a parse error, a schema error, duplicate keys, or a shared (aliased) collection.
 */
export function loadPolicyText(text: string, file: string): LoadResult {
  const fast = fastPath(text);
  if (fast) return { ok: true, policy: fast, errors: [] };
  return locatedLoad(text, file);
}

function fastPath(text: string): PolicyDocument | undefined {
  let data: unknown;
  try {
    data = fastLoad(text, { schema: CORE_SCHEMA, json: false });
  } catch {
    return undefined;
  }
  if (data === null || data === undefined || sharesCollections(data)) return undefined;
  const parsed = policySchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** True when one collection is reachable twice (a YAML alias): validating it could take exponential time. */
function sharesCollections(root: unknown): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (seen.has(v)) return true;
    seen.add(v);
    for (const x of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) stack.push(x);
  }
  return false;
}

function locatedLoad(text: string, file: string): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  if (doc.errors.length) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: '', message: e.message.split('\n')[0] })),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // yaml refuses documents whose aliases expand without bound (a "billion laughs"): say where.
    const alias = /\*[A-Za-z0-9_-]+/.exec(text);
    const where = at(alias ? alias.index : 0);
    return { ok: false, errors: [{ file, ...where, path: '', message: `${(e as Error).message.split('\n')[0]}: the policy's aliases expand too far (at most 100 uses)` }] };
  }
  if (data === null || data === undefined) {
    return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: 'the policy is empty: start with `version: 1`' }] };
  }
  const parsed = policySchema.safeParse(data);
  if (parsed.success) return { ok: true, policy: parsed.data, errors: [] };
  return { ok: false, errors: parsed.error.issues.flatMap((issue) => locate(issue, doc, file, at)) };
}

function locate(issue: z.core.$ZodIssue, doc: Document, file: string, at: (o: number) => { line: number; col: number }): PolicyError[] {
  const path = issue.path as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    const parent = doc.getIn(path, true) as YamlNode | undefined;
    return issue.keys.map((key) => {
      let offset = parent?.range?.[0] ?? 0;
      if (parent && isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
        const k = pair && isScalar(pair.key) ? pair.key : undefined;
        if (k?.range) offset = k.range[0];
      }
      return { file, ...at(offset), path: formatPath([...path, key]), message: `unknown key "${key}"${suggest(key)}` };
    });
  }
  // Find the deepest node the path reaches.
  let node: unknown;
  for (let n = path.length; n >= 0 && !node; n--) node = doc.getIn(path.slice(0, n), true);
  const range = (node as YamlNode | undefined)?.range ?? (doc.contents as YamlNode | null)?.range;
  let message = issue.message;
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    message = `"action" must be one of command, file.read, file.write, file.delete, git.push, network, env.set, mcp, opaque`;
  }
  if (issue.code === 'invalid_type' && node === undefined) message = `missing required key "${path[path.length - 1]}"`;
  return [{ file, ...at(range?.[0] ?? 0), path: formatPath(path), message }];
}

const KNOWN = ['version', 'defaults', 'protected', 'secrets', 'agents', 'person', 'unidentified', 'match', 'executables', 'hooks', 'agent_risk', 'default', 'approval', 'rules', 'tests', 'id', 'effect', 'reason', 'action', 'match', 'except', 'paths', 'outside_workspace', 'recursive', 'remotes', 'branches', 'force', 'delete', 'all_branches', 'unresolved', 'hosts', 'names', 'servers', 'tools', 'reasons', 'owner', 'purpose', 'risk', 'expires', 'timeout_seconds', 'on_timeout', 'allow_session', 'command', 'expect', 'agent', 'path', 'cwd'];

function suggest(key: string): string {
  let best: string | undefined;
  let bestD = 3;
  for (const k of KNOWN) {
    const d = distance(key.toLowerCase(), k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length][b.length];
}

export function formatPath(path: readonly (string | number | symbol)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}
