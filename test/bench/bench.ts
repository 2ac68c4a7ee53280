/**
 * `npm run bench`: decision latency of the guard against a Cedar (wasm) baseline with the
 * same rules, in the same process. The machine is shared and noisy, so what matters are the
 * ratios against baselines measured in this run, not the absolute numbers. No assertions:
 * the targets from the issue are printed next to what was measured.
 */
import { spawnSync } from 'child_process';
import { runAuditBench } from './auditBench';
import { runGuardBench } from './guardBench';
import { runHookBench } from './hookBench';
import { runSandboxBench } from './sandboxBench';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { stricter, UNKNOWN_TOKEN, type Action, type ActionKind, type Effect } from '../../src/core/actions/types';
import { decide } from '../../src/core/pdp/decide';
import { compilePolicy, type CompiledPolicy, type PolicyLayer } from '../../src/core/policy/compile';
import { formatPolicyError, loadPolicyText } from '../../src/core/policy/load';
import { baseline, recommendedUserLayer } from '../../src/core/policy/resolve';
import type { PolicyDocument, RuleDocument } from '../../src/core/policy/schema';
import { analyzeCommandLine } from '../../src/core/shell/analyze';
import { initShellParser } from '../../src/core/shell/parser';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const WORKSPACE = '/home/dev/project';
const HOME = '/home/dev';
const USER = 'dev';
const SIZES = [50, 1000] as const;

const TARGET_P50_MS = 0.2;
const TARGET_P99_MS = 1;
const TARGET_CEDAR_SPEEDUP = 20;

// ---------------------------------------------------------------------------------------------
// Small helpers

/** Deterministic PRNG (mulberry32) so every run generates the same policies. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Stats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

/** Stats in milliseconds from nanosecond samples. */
function stats(samplesNs: number[]): Stats {
  const s = Float64Array.from(samplesNs).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] / 1e6;
  let sum = 0;
  for (const x of s) sum += x;
  return { n: s.length, p50: at(0.5), p99: at(0.99), mean: sum / s.length / 1e6 };
}

/**
 * Times `fn(item)` for every item of every variant, one sample per call. Variants run in
 * alternating rounds (after `warm` warm-up rounds each), so a noisy neighbour or a late JIT
 * tier-up hits them alike; stops early (after at least one round) when `budgetMs` is spent.
 * Also keeps each item's total time, to name the slowest items.
 */
function measureInterleaved<T>(variants: { items: readonly T[]; fn: (item: T) => unknown }[], opts: { warm: number; rounds: number; budgetMs: number }): { stats: Stats; perItem: Float64Array; rounds: number }[] {
  for (const v of variants) for (let w = 0; w < opts.warm; w++) for (const it of v.items) sink(v.fn(it));
  const samples: number[][] = variants.map(() => []);
  const perItem = variants.map((v) => new Float64Array(v.items.length));
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(opts.budgetMs * 1e6));
  let rounds = 0;
  for (let r = 0; r < opts.rounds; r++) {
    variants.forEach((v, k) => {
      const items = v.items;
      for (let i = 0; i < items.length; i++) {
        const t0 = process.hrtime.bigint();
        const out = v.fn(items[i]);
        const t1 = process.hrtime.bigint();
        const d = Number(t1 - t0);
        samples[k].push(d);
        perItem[k][i] += d;
        sink(out);
      }
    });
    rounds++;
    if (process.hrtime.bigint() - start > budget) break;
  }
  return variants.map((_, k) => ({ stats: stats(samples[k]), perItem: perItem[k], rounds }));
}


let sinkCount = 0;
function sink(x: unknown): void {
  if (x !== undefined) sinkCount++;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x >= 0.01 ? x.toFixed(3) : x.toFixed(4));
const ratio = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + '×';
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

// ---------------------------------------------------------------------------------------------
// 1. Policies: the recommended template's rules plus generated rules of realistic shapes

const EFFECTS: Effect[] = ['allow', 'ask', 'deny'];

/**
 * `count` rules shaped like those in real policies: most are about the team's own tools,
 * folders, branches and hosts, so they rarely match everyday lines (a realistic miss rate),
 * and a share sit on common programs (git, npm…) so the per-program index buckets grow too.
 */
function generateRules(count: number, seed: number): RuleDocument[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const rules: RuleDocument[] = [];
  for (let i = 0; i < count; i++) {
    const id = `gen-${i}`;
    const effect = pick(EFFECTS);
    const r = rand();
    if (r < 0.38) {
      // The team's own CLIs.
      const tool = `tool${i}`;
      const match = pick([
        [`${tool} run ...`],
        [`${tool} deploy --prod`, `${tool} deploy --env=prod*`],
        [`${tool}-cli {build,test,lint}`],
        [`${tool} migrate ... --force`],
        [`${tool} status`, `${tool} logs *`],
      ]);
      rules.push({ id, action: 'command', effect, match, reason: `${tool} is governed by team rule ${i}` });
    } else if (r < 0.5) {
      // Common programs with project-specific subcommands or arguments.
      const match = pick([
        [`npm run script${i}`],
        [`npm run deploy:env${i}`],
        [`git x-${i}`],
        [`git checkout release-${i}`],
        [`docker compose up svc${i}`],
        [`make target${i}`],
        [`python3 scripts/job${i}.py`],
        [`kubectl ... ns-${i}`],
        [`terraform apply -target=module.m${i}`],
        [`cargo run --bin tool${i}`],
      ]);
      rules.push({ id, action: 'command', effect, match });
    } else if (r < 0.72) {
      const action = pick(['file.read', 'file.write', 'file.delete'] as const);
      const paths = pick([
        [`generated/mod${i}/**`],
        [`*.key${i}`],
        [`data/set${i}/`],
        [`~/.config/app${i}/`],
        [`/etc/app${i}/*.conf`],
        [`services/svc${i}/migrations/*.sql`, `!services/svc${i}/migrations/README.md`],
        [`vendor${i}/`],
      ]);
      const rule: RuleDocument = { id, action, effect, paths };
      if (action === 'file.delete' && rand() < 0.3) rule.recursive = true;
      rules.push(rule);
    } else if (r < 0.84) {
      const rule: RuleDocument = { id, action: 'git.push', effect };
      const shape = rand();
      if (shape < 0.45) rule.branches = [`release/v${i}.*`];
      else if (shape < 0.75) rule.branches = [`team${i}/*`, `hotfix-${i}-*`];
      else if (shape < 0.9) rule.remotes = [`mirror${i}`];
      else {
        rule.remotes = [`deploy${i}`];
        rule.force = true;
      }
      rules.push(rule);
    } else if (r < 0.95) {
      const hosts = pick([[`api${i}.internal.example.com`], [`*.svc${i}.corp.example`], [`registry${i}.example.org`, `mirror${i}.example.org`]]);
      rules.push({ id, action: 'network', effect, hosts });
    } else {
      rules.push({ id, action: 'env.set', effect, names: [`APP${i}_*`] });
    }
  }
  return rules;
}

interface BenchPolicy {
  size: number;
  yaml: string;
  layers: PolicyLayer[];
  compiled: CompiledPolicy;
  loadMs: number;
  compileMs: number;
}

/** The policy as YAML text, loaded and compiled the way the CLI does it. */
export function buildPolicy(size: number): BenchPolicy {
  const rec = recommendedUserLayer().doc;
  const own = rec.rules ?? [];
  const doc: PolicyDocument = { ...rec, rules: [...own, ...generateRules(Math.max(0, size - own.length), 0xa9e17 + size)] };
  delete doc.tests;
  const yaml = YAML.stringify(doc);
  const file = `bench-${size}-rules.yaml`;
  const t0 = process.hrtime.bigint();
  const loaded = loadPolicyText(yaml, file);
  const t1 = process.hrtime.bigint();
  if (!loaded.ok) throw new Error(`generated policy does not load:\n${loaded.errors.map(formatPolicyError).join('\n')}`);
  const layers: PolicyLayer[] = [baseline(), { name: 'user', doc: loaded.policy, file }];
  const compiled = compilePolicy(layers, { workspace: WORKSPACE, home: HOME, trustRepo: true });
  const t2 = process.hrtime.bigint();
  return { size, yaml, layers, compiled, loadMs: Number(t1 - t0) / 1e6, compileMs: Number(t2 - t1) / 1e6 };
}

// ---------------------------------------------------------------------------------------------
// 2. Sample lines: what agents run all day, plus a slice of the spec corpus

const HANDWRITTEN = [
  'git status',
  'git status --short',
  'git diff',
  'git diff --stat HEAD~1',
  'git log --oneline -20',
  'git log -p -- src/core/pdp/decide.ts',
  'git show HEAD',
  'git add -A && git commit -m "Fix parser edge case"',
  "git add src/ test/ && git commit -m 'wip: bench'",
  'git branch',
  'git rev-parse --abbrev-ref HEAD',
  'git push',
  'git push origin feature/login',
  'git push -u origin HEAD',
  'git push origin HEAD:main',
  'git push --force-with-lease origin feature/x',
  'npm test',
  'npm run build',
  'npm run lint -- --fix',
  'npm install',
  'npm install --save-dev @types/node',
  'npx tsc --noEmit',
  'node out/test/bench/bench.js',
  'cat package.json',
  'cat src/index.ts | head -50',
  'grep -rn "TODO" src/ | wc -l',
  'rg -n "decide\\(" src --type ts',
  'rg --files | grep -v node_modules | head',
  'find . -name "*.ts" -not -path "./node_modules/*" | xargs wc -l',
  'ls -la',
  'ls -la src/core',
  'head -n 40 README.md',
  "sed -n '1,80p' src/core/shell/analyze.ts",
  'rm -rf build dist',
  'rm -rf node_modules && npm ci',
  'mkdir -p out/tmp && cp test/fixtures/a.json out/tmp/',
  'echo "export const x = 1;" > src/gen/x.ts',
  "cat > notes.md <<'EOF'\n# Notes\n- parser handles here-docs\n- $(not expanded)\nEOF",
  'cat <<EOF > config.json\n{"name": "app", "sha": "$(git rev-parse HEAD)"}\nEOF',
  'curl -fsSL https://example.com/install.sh | sh',
  'curl -s https://api.github.com/repos/x/y | jq .stargazers_count',
  'wget -qO- https://get.example.com | bash',
  "bash -c 'npm test && npm run build'",
  'sh -c "cd packages/core && npm test"',
  "bash -lc 'git status; git diff'",
  'python3 -m pytest -q tests/',
  'python3 scripts/gen.py > out.txt',
  'pip install -r requirements.txt',
  'docker build -t app .',
  'docker compose up -d',
  'make test',
  'cargo test --all',
  'go test ./...',
  "jq '.scripts' package.json",
  'cd src && ls',
  '(cd test && npm test)',
  'for f in src/*.ts; do wc -l "$f"; done',
  "find src -name '*.test.ts' -exec grep -l describe {} +",
  'git diff --name-only | xargs npx eslint',
  'npm test 2>&1 | tail -20',
  'export NODE_ENV=test && npm test',
  'FOO=bar node script.js',
  'timeout 60 npm test',
  'echo $(git rev-parse HEAD) > build/sha.txt',
  'cat .env',
  'sudo apt-get install -y jq',
  'chmod +x scripts/run.sh && ./scripts/run.sh',
  'git stash && git pull --rebase && git stash pop',
  'git checkout -b feature/bench',
  'npm run typecheck && npm test -- --grep decide',
];

export function sampleLines(): string[] {
  const file = path.join(ROOT, 'test', 'fixtures', 'recommended-cases.jsonl');
  const corpus: { line: string; note: string }[] = fs.existsSync(file)
    ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
    : [];
  const everyday = corpus.filter((c) => c.note.startsWith('§5 allow everyday')).map((c) => c.line);
  const rest = corpus.filter((c) => !c.note.startsWith('§5 allow everyday')).map((c) => c.line);
  const stride = <T>(xs: T[], n: number) => (xs.length <= n ? xs : Array.from({ length: n }, (_, k) => xs[Math.floor((k * xs.length) / n)]));
  // Agents mostly run everyday commands; the adversarial slice keeps disguises in the mix.
  const lines = [...HANDWRITTEN, ...stride(everyday, 90), ...stride(rest, 200 - HANDWRITTEN.length - 90)];
  return [...new Set(lines)];
}

// ---------------------------------------------------------------------------------------------
// 3. Cedar: the same rules as Cedar policies, the same actions as Cedar requests

/** `{a,b}x` → [`ax`, `bx`] (nested braces too). */
function expandBraces(glob: string): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '\\') i++;
    else if (ch === '{') {
      if (depth++ === 0) open = i;
    } else if (ch === '}' && depth > 0 && --depth === 0) {
      const body = glob.slice(open + 1, i);
      const alts: string[] = [];
      let d = 0;
      let from = 0;
      for (let k = 0; k < body.length; k++) {
        if (body[k] === '{') d++;
        else if (body[k] === '}') d--;
        else if (body[k] === ',' && d === 0) {
          alts.push(body.slice(from, k));
          from = k + 1;
        }
      }
      alts.push(body.slice(from));
      const pre = glob.slice(0, open);
      const post = glob.slice(i + 1);
      return alts.flatMap((a) => expandBraces(pre + a + post));
    }
  }
  return [glob];
}

function cedarString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** A brace-free glob as a Cedar `like` pattern (`?` and `[…]` widen to `*`: Cedar has only `*`). */
function likePattern(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '\\' && i + 1 < glob.length) {
      const n = glob[++i];
      out += n === '*' ? '\\*' : n === '"' ? '\\"' : n === '\\' ? '\\\\' : n;
    } else if (ch === '*' || ch === '?') out += '*';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '[';
      else {
        out += '*';
        i = end;
      }
    } else if (ch === '"') out += '\\"';
    else out += ch;
  }
  return '"' + out.replace(/\*+/g, '*') + '"';
}

const hasGlob = (s: string) => /[*?[{]/.test(s);

/** `attr` matches the glob: `==` for literals, `like` otherwise, braces as a disjunction. */
function globExpr(attr: string, glob: string): string {
  const alts = expandBraces(glob).map((g) => (/[*?[]/.test(g) ? `${attr} like ${likePattern(g)}` : `${attr} == ${cedarString(g.replace(/\\(.)/g, '$1'))}`));
  return alts.length === 1 ? alts[0] : `(${alts.join(' || ')})`;
}

const POSITIONAL = 4;

/** One command pattern (`git push --force`, `rm ... /`) as a Cedar condition on the request context. */
function commandPatternExpr(source: string): string {
  const tokens = source.trim().split(/\s+/);
  const parts: string[] = [];
  let pos = 0;
  let floating = false;
  let words = 0;
  for (const t of tokens) {
    if (t === '...') {
      floating = true;
      continue;
    }
    if (t.startsWith('-') && t.length > 1 && words > 0) {
      // Flags may appear anywhere: a set lookup for literals, the joined flag line for globs.
      parts.push(hasGlob(t) ? expandBraces(t).map((g) => `context.flagline like ${likePattern(`* ${g} *`)}`).join(' || ') : `context.flags.contains(${cedarString(t)})`);
      continue;
    }
    words++;
    if (!floating && pos < POSITIONAL) {
      // Positions past the end hold "": a glob that could match "" must also see that the word exists.
      const e = globExpr(`context.w${pos}`, t);
      parts.push(hasGlob(t) ? `context.nwords > ${pos} && (${e})` : e);
      pos++;
    }
    else parts.push(hasGlob(t) ? expandBraces(t).map((g) => `context.wordline like ${likePattern(`* ${g} *`)}`).join(' || ') : `context.words.contains(${cedarString(t)})`);
  }
  return parts.length ? parts.map((p) => `(${p})`).join(' && ') : 'true';
}

interface PathCtx {
  workspace: string;
  home: string;
}

/** A gitignore-style path pattern (PathSet semantics) as a Cedar condition on `context.path`. */
function pathPatternExpr(raw: string, ctx: PathCtx): string {
  let p = raw.replace(/\/+$/, '') || '/';
  if (p === '.' || p === './') return `context.path == ${cedarString(ctx.workspace)}`;
  if (p === '~' || p.startsWith('~/')) p = ctx.home + p.slice(1);
  else if (p.includes('/') && !p.startsWith('/')) p = path.posix.join(ctx.workspace, p.replace(/^\.\//, ''));
  p = p.replace(/\*\*/g, '*');
  const alts = expandBraces(p).flatMap((g) => {
    if (!g.includes('/')) return [`context.path like ${likePattern(`*/${g}`)}`, `context.path like ${likePattern(`*/${g}/*`)}`];
    const exact = /[*?[]/.test(g) ? `context.path like ${likePattern(g)}` : `context.path == ${cedarString(g)}`;
    return [exact, `context.path like ${likePattern(g === '/' ? '/*' : `${g}/*`)}`];
  });
  return `(${alts.join(' || ')})`;
}

function pathSetClauses(patterns: readonly string[], ctx: PathCtx): { when: string; unless?: string } {
  const pos = patterns.filter((x) => !x.startsWith('!')).map((x) => pathPatternExpr(x, ctx));
  const neg = patterns.filter((x) => x.startsWith('!')).map((x) => pathPatternExpr(x.slice(1), ctx));
  return { when: pos.join(' || ') || 'false', unless: neg.length ? neg.join(' || ') : undefined };
}

const toList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface CedarPolicySet {
  /** Policy id → Cedar text. */
  policies: Record<string, string>;
  /** Policy id → the guard's effect (Cedar has only permit/forbid: ask and deny are both forbid). */
  effects: Map<string, Effect>;
  defaults: Readonly<Record<ActionKind, { effect: Effect }>>;
}

/** Translates every layer's rules, protected paths and secrets into Cedar policies. */
export function toCedar(layers: PolicyLayer[], defaults: CedarPolicySet['defaults']): CedarPolicySet {
  const ctx = { workspace: WORKSPACE, home: HOME };
  const policies: Record<string, string> = {};
  const effects = new Map<string, Effect>();
  const add = (id: string, effect: Effect, scope: { action: string; resource?: string }, when: string[], unless: string[] = []) => {
    const head = effect === 'allow' ? 'permit' : 'forbid';
    const conds = when.filter((w) => w !== 'true');
    const text =
      `@effect(${cedarString(effect)})\n${head} (principal, ${scope.action}, ${scope.resource ?? 'resource'})` +
      (conds.length ? `\nwhen { ${conds.map((c) => `(${c})`).join(' && ')} }` : '') +
      (unless.length ? `\nunless { ${unless.map((c) => `(${c})`).join(' || ')} }` : '') +
      ';';
    policies[id] = text;
    effects.set(id, effect);
  };
  const act = (k: string) => `action == Action::${cedarString(k)}`;
  for (const layer of layers) {
    const doc = layer.doc;
    const L = layer.name;
    if (doc.protected?.length) {
      const c = pathSetClauses(doc.protected, ctx);
      add(`${L}/protected`, 'deny', { action: 'action in [Action::"file.write", Action::"file.delete"]' }, [c.when], c.unless ? [c.unless] : []);
    }
    if (doc.secrets?.length) {
      const c = pathSetClauses(doc.secrets, ctx);
      add(`${L}/secrets`, 'deny', { action: act('file.read') }, [c.when], c.unless ? [c.unless] : []);
    }
    for (const r of doc.rules ?? []) {
      const id = `${L}/${r.id}`;
      switch (r.action) {
        case 'command': {
          const match = toList(r.match);
          const programs = new Set(match.map((m) => m.trim().split(/\s+/)[0]));
          const only = programs.size === 1 ? [...programs][0] : undefined;
          // One literal program for the whole rule: put it in the scope, as Cedar users would.
          const resource = only && !hasGlob(only) && only !== '...' ? `resource == Program::${cedarString(only)}` : undefined;
          const when = match.map(commandPatternExpr);
          const except = toList(r.except).map(commandPatternExpr);
          add(id, r.effect, { action: act('command'), resource }, [when.length === 1 ? when[0] : when.map((w) => `(${w})`).join(' || ')], except);
          break;
        }
        case 'file.read':
        case 'file.write':
        case 'file.delete': {
          const when: string[] = [];
          let unless: string[] = [];
          if (r.recursive !== undefined) when.push(`context.recursive == ${r.recursive}`);
          if (r.outside_workspace !== undefined) when.push(`context.inside == ${!r.outside_workspace}`);
          if (r.paths !== undefined) {
            const c = pathSetClauses(toList(r.paths), ctx);
            when.push(c.when);
            if (c.unless) unless = [c.unless];
          }
          add(id, r.effect, { action: act(r.action) }, when, unless);
          break;
        }
        case 'git.push': {
          const when: string[] = [];
          for (const [key, attr] of [['force', 'force'], ['delete', 'delete'], ['all_branches', 'allBranches'], ['unresolved', 'unresolved']] as const) {
            if (r[key] !== undefined) when.push(`context.${attr} == ${r[key]}`);
          }
          const remotes = toList(r.remotes);
          if (remotes.length) when.push(remotes.map((g) => globExpr('context.remote', g)).join(' || '));
          const branches = toList(r.branches);
          if (branches.length) {
            const b = branches.map((g) => (hasGlob(g) ? expandBraces(g).map((x) => `context.branchline like ${likePattern(`*|${x}|*`)}`).join(' || ') : `context.branches.contains(${cedarString(g)})`));
            when.push(`context.allBranches || ${b.join(' || ')}`);
          }
          add(id, r.effect, { action: act('git.push') }, when);
          break;
        }
        case 'network': {
          const hosts = toList(r.hosts);
          const literal = hosts.length === 1 && !hasGlob(hosts[0]);
          add(
            id,
            r.effect,
            { action: act('network'), resource: literal ? `resource == Host::${cedarString(hosts[0])}` : undefined },
            literal || !hosts.length ? [] : [hosts.map((g) => globExpr('context.host', g)).join(' || ')],
          );
          break;
        }
        case 'env.set':
          add(id, r.effect, { action: act('env.set') }, [toList(r.names).map((g) => globExpr('context.name', g)).join(' || ')]);
          break;
        case 'opaque':
          add(id, r.effect, { action: act('opaque') }, r.reasons ? [r.reasons.map((x) => `context.reason == ${cedarString(x)}`).join(' || ')] : []);
          break;
      }
    }
  }
  return { policies, effects, defaults };
}

type CedarRequest = Omit<cedar.StatefulAuthorizationCall, 'preparsedPolicySetId'>;

const clean = (t: string) => t.split(UNKNOWN_TOKEN).join('');

/** One typed action as a Cedar request: the action kind is the Cedar action, the target the resource. */
export function toCedarRequest(a: Action): CedarRequest {
  const principal = { type: 'Agent', id: 'claude-code' };
  const action = { type: 'Action', id: a.kind };
  const req = (type: string, id: string, context: cedar.Context): CedarRequest => ({ principal, action, resource: { type, id }, context, entities: [] });
  switch (a.kind) {
    case 'command': {
      const words: string[] = [];
      const flags: string[] = [];
      a.argv.forEach((t, i) => {
        const bare = clean(t);
        if (i > 0 && bare.startsWith('-') && bare.length > 1 && !t.startsWith(UNKNOWN_TOKEN)) flags.push(bare);
        else words.push(bare);
      });
      const context: cedar.Context = { words, flags, nwords: words.length, wordline: ` ${words.join(' ')} `, flagline: ` ${flags.join(' ')} ` };
      for (let i = 0; i < POSITIONAL; i++) context[`w${i}`] = words[i] ?? '';
      return req('Program', clean(a.argv[0] ?? ''), context);
    }
    case 'file.read':
    case 'file.write':
    case 'file.delete': {
      const inside = a.path === WORKSPACE || a.path.startsWith(WORKSPACE + '/');
      return req('File', a.path, { path: a.path, recursive: !!a.recursive, inside, glob: !!a.glob });
    }
    case 'git.push': {
      const names = a.refs.flatMap((r) => [r.src, r.dst ?? '']).filter(Boolean).map((n) => n.replace(/^refs\/heads\//, ''));
      return req('Remote', a.remote ?? '(default)', {
        remote: a.remote ?? '',
        force: a.force,
        delete: a.delete,
        allBranches: a.allBranches,
        unresolved: a.unresolved,
        branches: names,
        branchline: `|${names.join('|')}|`,
      });
    }
    case 'network':
      return req('Host', a.host, { host: a.host, tool: a.tool });
    case 'env.set':
      return req('EnvVar', a.name, { name: a.name });
    case 'mcp':
      return req('McpTool', `${a.server}/${a.tool}`, { server: a.server, tool: a.tool });
    case 'opaque':
      return req('Opaque', a.reason, { reason: a.reason, detail: a.detail });
  }
}

/** Cedar's answer for one action, read back as allow/ask/deny (no forbid or permit: the kind's default). */
function cedarEffect(set: CedarPolicySet, kind: ActionKind, ans: cedar.AuthorizationAnswer): Effect {
  if (ans.type !== 'success') return 'deny';
  const reasons = ans.response.diagnostics.reason;
  if (ans.response.decision === 'allow') return 'allow';
  if (ans.response.diagnostics.errors.length) return 'deny';
  if (reasons.length === 0) return set.defaults[kind].effect;
  let e: Effect = 'ask';
  for (const id of reasons) if (set.effects.get(id) === 'deny') e = 'deny';
  return e;
}

interface CedarLine {
  kinds: ActionKind[];
  requests: CedarRequest[];
}

function cedarDecideLine(set: CedarPolicySet, psetId: string, line: CedarLine): Effect {
  let effect: Effect = 'allow';
  for (let i = 0; i < line.requests.length; i++) {
    const ans = cedar.statefulIsAuthorized({ ...line.requests[i], preparsedPolicySetId: psetId });
    effect = stricter(effect, cedarEffect(set, line.kinds[i], ans));
  }
  return effect;
}

// ---------------------------------------------------------------------------------------------
// 4. The run

interface SizeResult {
  size: number;
  compiledRules: number;
  cedarPolicies: number;
  loadMs: number;
  compileMs: number;
  cedarParseMs: number;
  full: Stats;
  alone: Stats;
  cedarLine: Stats;
  cedarCall: Stats;
  cedarReparse: Stats;
  agree: number;
  agreeOf: number;
  /** Mean ms per line, for naming the slowest. */
  fullPerLine: Float64Array;
  alonePerLine: Float64Array;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  await initShellParser();
  const lines = sampleLines();
  const env = { workspace: WORKSPACE, cwd: WORKSPACE, home: HOME, user: USER };
  const analysed = lines.map((line) => ({ line, actions: analyzeCommandLine(line, env).actions }));
  const totalActions = analysed.reduce((n, a) => n + a.actions.length, 0);
  const cedarLines: CedarLine[] = analysed.map((a) => ({ kinds: a.actions.map((x) => x.kind), requests: a.actions.map(toCedarRequest) }));
  const allRequests = cedarLines.flatMap((l) => l.requests.map((r, i) => ({ r, kind: l.kinds[i] })));

  console.log(`Agent Policy bench — node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? '?'}), cedar-wasm ${cedar.getCedarVersion()}`);
  console.log(`${lines.length} sample lines, ${totalActions} typed actions (${(totalActions / lines.length).toFixed(2)} per line); times are per decision (one line), in ms`);
  console.log('');

  // Cedar's first call pays for wasm start-up; keep that out of the preparse timings.
  const trivial = { staticPolicies: { p: 'permit (principal, action, resource);' } };
  cedar.preparsePolicySet('trivial', trivial);

  const built = SIZES.map((size) => {
    const bp = buildPolicy(size);
    const set = toCedar(bp.layers, bp.compiled.defaults);
    const psetId = `bench-${size}`;
    const p0 = process.hrtime.bigint();
    const parsed = cedar.preparsePolicySet(psetId, { staticPolicies: set.policies });
    const cedarParseMs = Number(process.hrtime.bigint() - p0) / 1e6;
    if (parsed.type !== 'success') throw new Error(`Cedar rejects the translated policies: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
    return { bp, set, psetId, cedarParseMs };
  });
  const cwd = WORKSPACE;

  // Ours: both sizes in alternating rounds.
  const full = measureInterleaved(
    built.map(({ bp }) => ({ items: lines, fn: (line: string) => decide(bp.compiled, { kind: 'command', commandLine: line, cwd }, { user: USER }).effect })),
    { warm: 3, rounds: 25, budgetMs: 12000 },
  );
  const alone = measureInterleaved(
    built.map(({ bp }) => ({ items: analysed, fn: (a: (typeof analysed)[number]) => decide(bp.compiled, { kind: 'actions', actions: a.actions, cwd }, { user: USER }).effect })),
    { warm: 5, rounds: 60, budgetMs: 8000 },
  );
  // Cedar, preparsed: per line (one call per action) and per call.
  const cedarLine = measureInterleaved(
    built.map(({ set, psetId }) => ({ items: cedarLines, fn: (l: CedarLine) => cedarDecideLine(set, psetId, l) })),
    { warm: 1, rounds: 12, budgetMs: 25000 },
  );
  const cedarCall = measureInterleaved(
    built.map(({ psetId }) => ({ items: allRequests, fn: (x: (typeof allRequests)[number]) => cedar.statefulIsAuthorized({ ...x.r, preparsedPolicySetId: psetId }) })),
    { warm: 0, rounds: 2, budgetMs: 4000 },
  );
  // The stateless call re-parses the policy text every time: a handful of calls is enough.
  const reparseItems = allRequests.filter((_, i) => i % Math.ceil(allRequests.length / 20) === 0);
  const cedarReparse = measureInterleaved(
    built.map(({ set }) => ({ items: reparseItems, fn: (x: (typeof allRequests)[number]) => cedar.isAuthorized({ ...x.r, policies: { staticPolicies: set.policies } }) })),
    { warm: 0, rounds: 2, budgetMs: 5000 },
  );

  const results: SizeResult[] = built.map(({ bp, set, psetId, cedarParseMs }, k) => {
    let agree = 0;
    const disagreements: string[] = [];
    analysed.forEach((a, i) => {
      const ours = decide(bp.compiled, { kind: 'actions', actions: a.actions, cwd }, { user: USER }).effect;
      const theirs = cedarDecideLine(set, psetId, cedarLines[i]);
      if (ours === theirs) agree++;
      else disagreements.push(`${JSON.stringify(a.line)}: ours ${ours}, cedar ${theirs}`);
    });
    if (process.env.BENCH_VERBOSE && disagreements.length) console.log(`disagreements at ${bp.size} rules:\n  ${disagreements.join('\n  ')}`);
    return {
      size: bp.size,
      compiledRules: bp.compiled.rules.length,
      cedarPolicies: Object.keys(set.policies).length,
      loadMs: bp.loadMs,
      compileMs: bp.compileMs,
      cedarParseMs,
      full: full[k].stats,
      alone: alone[k].stats,
      cedarLine: cedarLine[k].stats,
      cedarCall: cedarCall[k].stats,
      cedarReparse: cedarReparse[k].stats,
      agree,
      agreeOf: lines.length,
      fullPerLine: full[k].perItem.map((x) => x / full[k].rounds / 1e6),
      alonePerLine: alone[k].perItem.map((x) => x / alone[k].rounds / 1e6),
    };
  });

  // Fixed per-call cost of Cedar: a trivial one-policy set, stateless (re-parsed) and preparsed.
  const oneReq = allRequests[0].r;
  const [trivialStateless, trivialStateful] = measureInterleaved<CedarRequest>(
    [
      { items: [oneReq], fn: (r) => cedar.isAuthorized({ ...r, policies: trivial }) },
      { items: [oneReq], fn: (r) => cedar.statefulIsAuthorized({ ...r, preparsedPolicySetId: 'trivial' }) },
    ],
    { warm: 200, rounds: 2000, budgetMs: 2000 },
  ).map((x) => x.stats);

  // Reference: starting a Node process per decision.
  const spawnNs: number[] = [];
  for (let i = 0; i < 11; i++) {
    const s = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    if (i > 0) spawnNs.push(Number(process.hrtime.bigint() - s));
  }
  const spawn = stats(spawnNs);

  // --- Report -----------------------------------------------------------------------------
  const big = results.find((r) => r.size === 1000)!;
  const small = results.find((r) => r.size === 50)!;
  const row = (label: string, s: Stats, target = '') =>
    console.log(`${pad(label, 50)}${lpad(ms(s.p50), 9)}${lpad(ms(s.p99), 9)}${lpad(ms(s.mean), 9)}${lpad(String(s.n), 8)}   ${target}`);
  console.log('Policies (recommended template rules + generated rules, as YAML through loadPolicyText, under the built-in baseline)');
  for (const r of results) {
    console.log(
      `  ${lpad(String(r.size), 4)} rules in the YAML → ${r.compiledRules} compiled rules with the baseline, ${r.cedarPolicies} Cedar policies; ` +
        `load ${ms(r.loadMs)} ms, compile ${ms(r.compileMs)} ms, Cedar preparse ${ms(r.cedarParseMs)} ms`,
    );
  }
  console.log('');
  console.log(`${pad('Latency per decision (ms)', 50)}${lpad('p50', 9)}${lpad('p99', 9)}${lpad('mean', 9)}${lpad('n', 8)}   target`);
  for (const r of results) {
    const tgt = r.size === 1000 ? `p50 ≤ ${TARGET_P50_MS}, p99 ≤ ${TARGET_P99_MS}` : '';
    row(`ours  analysis + decision      ${r.size} rules`, r.full, tgt);
  }
  for (const r of results) row(`ours  decision alone           ${r.size} rules`, r.alone);
  for (const r of results) row(`cedar preparsed, per line      ${r.size} policies`, r.cedarLine);
  for (const r of results) row(`cedar preparsed, per call      ${r.size} policies`, r.cedarCall);
  for (const r of results) row(`cedar re-parse, per call       ${r.size} policies`, r.cedarReparse);
  row('cedar re-parse, per call       1 trivial policy', trivialStateless);
  row('cedar preparsed, per call      1 trivial policy', trivialStateful);
  row('spawn `node -e 0`', spawn);
  console.log('');

  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log('Ratios (same process)');
  const scale = (label: string, a: Stats, b: Stats) =>
    console.log(`  ${pad(label, 56)} p50 ${lpad(ratio(a.p50 / b.p50), 6)}  mean ${lpad(ratio(a.mean / b.mean), 6)}  p99 ${lpad(ratio(a.p99 / b.p99), 6)}   target ~1×`);
  scale('ours 1000 vs 50 rules, analysis + decision', big.full, small.full);
  scale('ours 1000 vs 50 rules, decision alone', big.alone, small.alone);
  scale('cedar 1000 vs 50 policies, per line (for comparison)', big.cedarLine, small.cedarLine);
  for (const r of results) {
    const vs = (label: string, ours: Stats, target: boolean) => {
      const speed50 = r.cedarLine.p50 / ours.p50;
      const speedMean = r.cedarLine.mean / ours.mean;
      console.log(
        `  ${pad(`${label} / cedar, ${r.size}`, 56)} p50 ${lpad(ratio(ours.p50 / r.cedarLine.p50), 6)}  mean ${lpad(ratio(ours.mean / r.cedarLine.mean), 6)}` +
          `   = ours ${ratio(speed50)} faster at p50, ${ratio(speedMean)} on mean` +
          (target ? `   target ≥ ${TARGET_CEDAR_SPEEDUP}×` : ''),
      );
    };
    vs('ours decision alone', r.alone, r.size === 1000);
    vs('ours analysis + decision', r.full, r.size === 1000);
  }
  console.log(`  ${pad('spawn `node -e 0` / ours analysis + decision, 1000, p50', 56)} ${ratio(spawn.p50 / big.full.p50)}`);
  console.log('');
  console.log('Targets at 1000 rules (issue #2 §6; reported, not asserted)');
  console.log(`  p50 incl. analysis ≤ ${TARGET_P50_MS} ms:          ${ms(big.full.p50)} ms — ${check(big.full.p50 <= TARGET_P50_MS)}`);
  console.log(`  p99 incl. analysis ≤ ${TARGET_P99_MS} ms:            ${ms(big.full.p99)} ms — ${check(big.full.p99 <= TARGET_P99_MS)}`);
  const sp = (o: Stats) => `${ratio(big.cedarLine.p50 / o.p50)} at p50 (${check(big.cedarLine.p50 / o.p50 >= TARGET_CEDAR_SPEEDUP)}), ${ratio(big.cedarLine.mean / o.mean)} on mean (${check(big.cedarLine.mean / o.mean >= TARGET_CEDAR_SPEEDUP)})`;
  console.log(`  ≥ ${TARGET_CEDAR_SPEEDUP}× faster than Cedar-wasm, decision alone:     ${sp(big.alone)}`);
  console.log(`  ≥ ${TARGET_CEDAR_SPEEDUP}× faster than Cedar-wasm, incl. our analysis: ${sp(big.full)}`);
  console.log('');
  const slowest = (label: string, per: Float64Array) => {
    const order = Array.from(per.keys()).sort((a, b) => per[b] - per[a]).slice(0, 5);
    console.log(`Slowest lines, ${label} (mean ms)`);
    for (const i of order) console.log(`  ${lpad(ms(per[i]), 7)}  ${JSON.stringify(lines[i]).slice(0, 90)}  [${analysed[i].actions.map((a) => a.kind).join(', ')}]`);
  };
  slowest('analysis + decision, 1000 rules', big.fullPerLine);
  slowest('decision alone, 1000 rules', big.alonePerLine);
  console.log('');
  console.log('Notes');
  console.log('  Cedar runs through preparsePolicySet + statefulIsAuthorized (policies parsed once and cached in wasm), one call per typed');
  console.log('  action, request objects built before timing; "re-parse" rows are the stateless isAuthorized, which parses the policy');
  console.log('  text on every call. Both sizes are measured in alternating rounds. Ratios, not absolute times, are the result.');
  console.log(`  The Cedar translation approximates the few glob forms Cedar's \`like\` cannot express; line decisions agree on ${results.map((r) => `${r.agree}/${r.agreeOf} (${r.size})`).join(', ')}.`);
  console.log(`  Total bench time ${((Date.now() - t0) / 1000).toFixed(1)} s.`);

  await runGuardBench();
  await runAuditBench();
  await runHookBench();
  await runSandboxBench();
  if (sinkCount < 0) console.log(sinkCount);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
