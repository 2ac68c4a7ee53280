import * as fs from 'fs';
import * as path from 'path';
import type { LayerName } from './layer';
import { compilePolicy, policyHash, type CompiledPolicy, type PolicyLayer } from './compile';
import { formatPolicyError, loadPolicyText, type PolicyError } from './load';
import { BASELINE_POLICY, RECOMMENDED_POLICY } from './templates';
import type { PolicyDocument } from './schema';

export const POLICY_FILE = '.agentpolicy.yaml';

/** The little file access policy resolution needs (Node's fs in the CLI, VS Code's in the extension). */
export interface PolicyFileSystem {
  /** The file's text, or undefined when it does not exist. Throws on other errors. */
  readText(file: string): string | undefined;
}

/** Node's fs: a missing file (or a folder where a file was expected) is undefined, anything else throws. */
export const nodePolicyFileSystem: PolicyFileSystem = {
  readText(file) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw e;
    }
  },
};

export interface ResolveOptions {
  cwd: string;
  /** Workspace root; defaults to the folder holding the repo policy, else cwd. */
  workspace?: string;
  home: string;
  /** An explicit policy file: used instead of the user layer and repo discovery, and trusted. */
  policyFile?: string;
  orgPolicyFile?: string;
  trustRepo: boolean;
  fs: PolicyFileSystem;
}

export interface ResolvedPolicy {
  policy: CompiledPolicy;
  /** Files that failed to load; a layer whose file is broken is replaced as DESIGN §4 says. */
  errors: PolicyError[];
  repoFile?: string;
  layers: PolicyLayer[];
}

/** Finds `.agentpolicy.yaml` from `dir` upward. */
export function findRepoPolicy(dir: string, fs: PolicyFileSystem): string | undefined {
  let d = path.resolve(dir);
  for (;;) {
    const f = path.join(d, POLICY_FILE);
    if (fs.readText(f) !== undefined) return f;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

export class PolicyLoadError extends Error {
  constructor(readonly errors: PolicyError[]) {
    super(errors.map(formatPolicyError).join('\n'));
  }
}

/** The built-in layers as validated documents, written next to the bundle at build time (see esbuild.js). */
export const BUILTIN_LAYERS_FILE = 'builtin-layers.json';

/**
 * A built-in layer. Parsing and validating its YAML costs tens of milliseconds, which a hook
 * call (a process per tool call) pays every time: the build writes the validated documents next
 * to the bundle, used when their text hash is the text's, else the YAML is parsed as usual.
 */
function builtin(name: LayerName, text: string, file: string): PolicyLayer {
  const hash = policyHash(text);
  const pre = prebuilt()?.[file];
  if (pre && pre.hash === hash) return { name, doc: pre.doc, file, hash };
  const r = loadPolicyText(text, file);
  if (!r.ok) throw new Error(`built-in policy ${file} is invalid: ${r.errors.map(formatPolicyError).join('; ')}`);
  return { name, doc: r.policy, file, hash };
}

let prebuiltLayers: Record<string, { hash: string; doc: PolicyDocument }> | null | undefined;

function prebuilt(): Record<string, { hash: string; doc: PolicyDocument }> | undefined {
  if (prebuiltLayers === undefined) {
    try {
      prebuiltLayers = JSON.parse(fs.readFileSync(path.join(__dirname, BUILTIN_LAYERS_FILE), 'utf8'));
    } catch {
      prebuiltLayers = null;
    }
  }
  return prebuiltLayers ?? undefined;
}

/** The built-in layers' validated documents, for the build to write next to the bundle. */
export function builtinLayersJson(): string {
  const out: Record<string, { hash: string; doc: PolicyDocument }> = {};
  for (const [text, file] of [[BASELINE_POLICY, 'built-in:baseline'], [RECOMMENDED_POLICY, 'built-in:recommended']] as const) {
    const r = loadPolicyText(text, file);
    if (!r.ok) throw new Error(`built-in policy ${file} is invalid`);
    out[file] = { hash: policyHash(text), doc: r.policy };
  }
  return JSON.stringify(out);
}

let baselineLayer: PolicyLayer | undefined;
let recommendedLayer: PolicyLayer | undefined;

export function baseline(): PolicyLayer {
  return (baselineLayer ??= builtin('baseline', BASELINE_POLICY, 'built-in:baseline'));
}

export function recommendedUserLayer(): PolicyLayer {
  return (recommendedLayer ??= builtin('user', RECOMMENDED_POLICY, 'built-in:recommended'));
}

function fileLayer(name: LayerName, file: string, fs: PolicyFileSystem, errors: PolicyError[]): PolicyLayer | undefined {
  let text: string | undefined;
  try {
    text = fs.readText(file);
  } catch (e) {
    errors.push({ file, line: 1, col: 1, path: '', message: `cannot read: ${(e as Error).message}` });
    return undefined;
  }
  if (text === undefined) {
    errors.push({ file, line: 1, col: 1, path: '', message: 'file not found' });
    return undefined;
  }
  const r = loadPolicyText(text, file);
  if (!r.ok) {
    errors.push(...r.errors);
    return undefined;
  }
  return { name, doc: r.policy, file, hash: policyHash(text) };
}

/**
 * Layers, weakest first: built-in baseline < org < user (~/.config/agentpolicy/policy.yaml,
 * else the built-in recommended policy) < repo (.agentpolicy.yaml from cwd upward).
 * A broken file is reported; its layer is left out, and a broken repo or explicit file
 * falls back to the recommended policy — never to allow-all.
 */
export function resolvePolicy(opts: ResolveOptions): ResolvedPolicy {
  const errors: PolicyError[] = [];
  const layers: PolicyLayer[] = [baseline()];
  if (opts.orgPolicyFile) {
    const org = fileLayer('org', opts.orgPolicyFile, opts.fs, errors);
    // A broken org policy must not silently drop the organisation's rules: fall back to strict-enough recommended.
    layers.push(org ?? { ...recommendedUserLayer(), name: 'org', file: `${opts.orgPolicyFile} (unreadable: built-in recommended used)` });
  }
  let repoFile: string | undefined;
  let trustRepo = opts.trustRepo;
  if (opts.policyFile) {
    const f = path.resolve(opts.cwd, opts.policyFile);
    const l = fileLayer('repo', f, opts.fs, errors);
    layers.push(l ?? recommendedUserLayer());
    repoFile = f;
    trustRepo = true;
  } else {
    const userFile = path.join(opts.home, '.config', 'agentpolicy', 'policy.yaml');
    let userText: string | undefined;
    try {
      userText = opts.fs.readText(userFile);
    } catch {
      userText = undefined;
    }
    layers.push(userText !== undefined ? fileLayer('user', userFile, opts.fs, errors) ?? recommendedUserLayer() : recommendedUserLayer());
    repoFile = findRepoPolicy(opts.cwd, opts.fs);
    if (repoFile) {
      const l = fileLayer('repo', repoFile, opts.fs, errors);
      if (l) layers.push(l);
    }
  }
  const workspace = opts.workspace ? path.resolve(opts.workspace) : repoFile && !opts.policyFile ? path.dirname(repoFile) : path.resolve(opts.cwd);
  const policy = compilePolicy(layers, { workspace, home: opts.home, trustRepo });
  return { policy, errors, repoFile, layers };
}
