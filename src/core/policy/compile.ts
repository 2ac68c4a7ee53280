import * as crypto from 'crypto';
import { ACTION_KINDS, EFFECT_RANK, type Action, type ActionKind, type Effect, type Risk } from '../actions/types';
import type { LayerName } from './layer';
import { CommandPattern, globToRegExp, type Match } from './commandPattern';
import { compileGlob, type Glob } from './glob';
import { insideWorkspace, PathRuleIndex, PathSet, type PathContext } from './paths';
import type { PolicyDocument, RuleDocument, TestDocument } from './schema';

/** A policy file as loaded, before merging. */
export interface PolicyLayer {
  name: LayerName;
  doc: PolicyDocument;
  /** Where it came from (a path, or `built-in:…`). */
  file: string;
  /** SHA-256 of the text, for the audit trail. */
  hash?: string;
}

export interface CompiledRule {
  id: string;
  effect: Effect;
  kind: ActionKind;
  layer: LayerName;
  reason?: string;
  risk?: Risk;
  /** Rule applies to these agents only (undefined: every agent). */
  agents?: Glob[];
  /** Rule applies to registered agents of these risk tiers only. */
  agentRisk?: readonly ('low' | 'medium' | 'high')[];
  /** Literal program names this rule can match (command rules); undefined: any. */
  programs?: string[];
  /** Human summary of the conditions, for `explain`. */
  summary: string;
  /** Path patterns (file rules) or names/hosts (env.set, network) this rule is filed under. */
  index?: readonly string[];
  test(action: Action): Match;
}

export interface AgentInfo {
  id: string;
  owner: string;
  purpose?: string;
  risk: 'low' | 'medium' | 'high';
  expires?: string;
  layer: LayerName;
  /** Program base names or path globs that are this agent (see identity/attribution). */
  executables: string[];
  /** Hook adapters that speak for it. */
  hooks: string[];
}

export interface CompiledPolicy {
  readonly workspace: string;
  readonly home: string;
  readonly layers: readonly { name: LayerName; file: string; hash?: string }[];
  readonly defaults: Readonly<Record<ActionKind, { effect: Effect; layer: LayerName }>>;
  readonly rules: readonly CompiledRule[];
  /** Repo rules and defaults ignored because the repo is not trusted. */
  readonly ignored: readonly string[];
  readonly agents: readonly AgentInfo[];
  /** The person's own requests: their opt-in rules and the default (allow unless a layer says otherwise). */
  readonly person: { readonly default: { effect: Effect; layer: LayerName }; readonly rules: readonly CompiledRule[]; candidates(action: Action): readonly CompiledRule[] };
  /** The most an unregistered, expired or unattributed agent's request gets. */
  readonly unidentified: { effect: Effect; layer: LayerName };
  readonly approval: { timeoutSeconds: number; allowSession: boolean };
  readonly tests: readonly { layer: LayerName; file: string; index: number; test: TestDocument }[];
  /** Every layer's `protected` patterns (for watching files; deciding goes through the rules). */
  readonly protectedPatterns: readonly string[];
  /** Candidate rules for an action: indexed by kind, and by program for commands. */
  candidates(action: Action): readonly CompiledRule[];
}

export interface CompileOptions extends PathContext {
  /** Repo allow rules and loosened defaults count only when true. */
  trustRepo: boolean;
}

const BASE_DEFAULTS: Record<ActionKind, Effect> = {
  command: 'ask',
  'file.read': 'allow',
  'file.write': 'ask',
  'file.delete': 'ask',
  'git.push': 'ask',
  network: 'ask',
  'env.set': 'allow',
  mcp: 'ask',
  opaque: 'ask',
};

/**
 * Merges layers (baseline < org < user < repo) into one indexed policy.
 * deny > ask > allow across layers; org defaults are a floor; an untrusted repo may only tighten.
 */
export function compilePolicy(layers: PolicyLayer[], opts: CompileOptions): CompiledPolicy {
  const ctx: PathContext = { workspace: opts.workspace, home: opts.home };
  const ignored: string[] = [];
  const defaults = {} as Record<ActionKind, { effect: Effect; layer: LayerName }>;
  for (const k of ACTION_KINDS) defaults[k] = { effect: BASE_DEFAULTS[k], layer: 'baseline' };
  const floor = {} as Record<ActionKind, Effect>;
  for (const k of ACTION_KINDS) floor[k] = 'allow';
  const rules: CompiledRule[] = [];
  const agents: AgentInfo[] = [];
  const tests: { layer: LayerName; file: string; index: number; test: TestDocument }[] = [];
  const person = { default: { effect: 'allow' as Effect, layer: 'baseline' as LayerName }, rules: [] as CompiledRule[] };
  let unidentified: { effect: Effect; layer: LayerName } = { effect: 'ask', layer: 'baseline' };
  let timeoutSeconds = 60;
  let allowSession = true;

  for (const layer of layers) {
    const untrustedRepo = layer.name === 'repo' && !opts.trustRepo;
    for (const k of ACTION_KINDS) {
      const d = layer.doc.defaults?.[k];
      if (!d) continue;
      if (untrustedRepo && EFFECT_RANK[d] < EFFECT_RANK[defaults[k].effect]) {
        ignored.push(`${layer.file}: defaults.${k}: ${d} would loosen ${defaults[k].effect} (${defaults[k].layer}); ignored because the repository is not trusted`);
        continue;
      }
      if (EFFECT_RANK[d] < EFFECT_RANK[floor[k]]) {
        ignored.push(`${layer.file}: defaults.${k}: ${d} is below the organisation's ${floor[k]}; ignored`);
        continue;
      }
      defaults[k] = { effect: d, layer: layer.name };
      if (layer.name === 'org') floor[k] = d;
    }
    if (layer.doc.protected?.length) {
      const set = new PathSet(layer.doc.protected, ctx);
      for (const kind of ['file.write', 'file.delete'] as const) {
        rules.push({
          id: 'protected',
          effect: 'deny',
          kind,
          layer: layer.name,
          reason: 'protected path: agents may not change it',
          risk: 'critical',
          summary: `protected: ${layer.doc.protected.join(', ')}`,
          index: layer.doc.protected,
          test: (a) => (a.kind === kind ? pathMatch(set, a) : 'no'),
        });
      }
    }
    if (layer.doc.secrets?.length) {
      const set = new PathSet(layer.doc.secrets, ctx);
      rules.push({
        id: 'secrets',
        effect: 'deny',
        kind: 'file.read',
        layer: layer.name,
        reason: 'secret: agents may not read it',
        risk: 'critical',
        summary: `secrets: ${layer.doc.secrets.join(', ')}`,
        index: layer.doc.secrets,
        test: (a) => (a.kind === 'file.read' ? pathMatch(set, a) : 'no'),
      });
    }
    (layer.doc.rules ?? []).forEach((r) => {
      if (untrustedRepo && r.effect === 'allow') {
        ignored.push(`${layer.file}: rule ${r.id} (allow) ignored because the repository is not trusted (use --trust-repo, or trust the workspace in VS Code)`);
        return;
      }
      rules.push(compileRule(r, layer.name, ctx));
    });
    for (const a of layer.doc.agents ?? []) {
      const entry: AgentInfo = { id: a.id, owner: a.owner, purpose: a.purpose, risk: a.risk ?? 'medium', expires: a.expires, layer: layer.name, executables: toList(a.match?.executables), hooks: toList(a.match?.hooks) };
      const at = agents.findIndex((x) => x.id === a.id);
      if (at < 0) agents.push(entry);
      // A later layer re-registers an agent (its owner, tier, expiry), but an untrusted repository may not.
      else if (untrustedRepo) ignored.push(`${layer.file}: agents[${a.id}] would replace the ${agents[at].layer} registration; ignored because the repository is not trusted`);
      else agents[at] = entry;
    }
    // The person's section and the unidentified treatment: an untrusted repository may only tighten them.
    const pd = layer.doc.person?.default;
    if (pd) {
      if (untrustedRepo && EFFECT_RANK[pd] < EFFECT_RANK[person.default.effect]) ignored.push(`${layer.file}: person.default: ${pd} would loosen ${person.default.effect}; ignored because the repository is not trusted`);
      else person.default = { effect: pd, layer: layer.name };
    }
    for (const r of layer.doc.person?.rules ?? []) {
      if (untrustedRepo && r.effect === 'allow') ignored.push(`${layer.file}: person rule ${r.id} (allow) ignored because the repository is not trusted`);
      else person.rules.push(compileRule(r, layer.name, ctx));
    }
    const ue = layer.doc.unidentified?.effect;
    if (ue) {
      if (untrustedRepo && EFFECT_RANK[ue] < EFFECT_RANK[unidentified.effect]) ignored.push(`${layer.file}: unidentified.effect: ${ue} would loosen ${unidentified.effect}; ignored because the repository is not trusted`);
      else unidentified = { effect: ue, layer: layer.name };
    }
    (layer.doc.tests ?? []).forEach((test, index) => tests.push({ layer: layer.name, file: layer.file, index, test }));
    const ap = layer.doc.approval;
    if (ap?.timeout_seconds !== undefined) {
      // A later layer may shorten the time to answer, never lengthen it past an earlier layer's.
      timeoutSeconds = layer.name === 'baseline' ? ap.timeout_seconds : Math.min(timeoutSeconds, ap.timeout_seconds);
    }
    if (ap?.allow_session === false) allowSession = false;
  }

  const candidates = indexRules(rules, ctx);
  const personRules = person.rules;
  const personCandidates = indexRules(personRules, ctx);
  return {
    workspace: opts.workspace,
    home: opts.home,
    layers: layers.map((l) => ({ name: l.name, file: l.file, hash: l.hash })),
    defaults,
    rules,
    ignored,
    agents,
    person: { default: person.default, rules: personRules, candidates: personCandidates },
    unidentified,
    approval: { timeoutSeconds, allowSession },
    tests,
    protectedPatterns: [...new Set(layers.flatMap((l) => l.doc.protected ?? []))],
    candidates,
  };
}

/** Indexes rules by kind, by program for commands, by path anchor for files and by name for hosts and variables. */
function indexRules(rules: readonly CompiledRule[], ctx: PathContext): (action: Action) => readonly CompiledRule[] {
  const byKind = new Map<ActionKind, CompiledRule[]>();
  const byProgram = new Map<string, CompiledRule[]>();
  const anyProgram: CompiledRule[] = [];
  for (const r of rules) {
    if (r.kind === 'command') {
      if (r.programs) for (const p of r.programs) push(byProgram, p, r);
      else anyProgram.push(r);
    } else push(byKind, r.kind, r);
  }
  const order = new Map<CompiledRule, number>(rules.map((r, i) => [r, i]));
  const fileIndex = new Map<ActionKind, PathRuleIndex<CompiledRule>>();
  const nameIndex = new Map<ActionKind, { byName: Map<string, CompiledRule[]>; always: CompiledRule[] }>();
  for (const r of rules) {
    if (r.kind === 'file.read' || r.kind === 'file.write' || r.kind === 'file.delete') {
      let idx = fileIndex.get(r.kind);
      if (!idx) fileIndex.set(r.kind, (idx = new PathRuleIndex<CompiledRule>(ctx)));
      idx.add(r, r.index);
    } else if (r.kind === 'network' || r.kind === 'env.set') {
      let idx = nameIndex.get(r.kind);
      if (!idx) nameIndex.set(r.kind, (idx = { byName: new Map(), always: [] }));
      if (r.index) for (const n of r.index) push(idx.byName, r.kind === 'network' ? n.toLowerCase() : n, r);
      else idx.always.push(r);
    }
  }
  const inOrder = (set: Set<CompiledRule>) => [...set].sort((a, b) => order.get(a)! - order.get(b)!);
  const commandCache = new Map<string, CompiledRule[]>();
  return (action) => {
    if (action.kind === 'file.read' || action.kind === 'file.write' || action.kind === 'file.delete') {
      const idx = fileIndex.get(action.kind);
      return idx ? inOrder(idx.lookup(action.path, !!action.glob || !!action.recursive)) : [];
    }
    if (action.kind === 'network' || action.kind === 'env.set') {
      const idx = nameIndex.get(action.kind);
      if (!idx) return [];
      const key = action.kind === 'network' ? action.host.toLowerCase() : action.name;
      // An unknown host may be any of them.
      if (action.kind === 'network' && action.host === '*') return byKind.get(action.kind) ?? [];
      return inOrder(new Set([...idx.always, ...(idx.byName.get(key) ?? [])]));
    }
    if (action.kind !== 'command') return byKind.get(action.kind) ?? [];
    const name = action.argv[0] ?? '';
    let list = commandCache.get(name);
    if (!list) {
      // Keep declaration order so explain lists rules as written.
      const set = new Set([...(byProgram.get(name) ?? []), ...anyProgram]);
      list = rules.filter((r) => set.has(r));
      if (commandCache.size < 4096) commandCache.set(name, list);
    }
    return list;
  };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function toList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** (Summaries are built when read: a 100,000-rule policy has many, a decision shows few.) */
function compileRule(r: RuleDocument, layer: LayerName, ctx: PathContext): CompiledRule {
  const base = {
    id: r.id,
    effect: r.effect,
    layer,
    reason: r.reason,
    risk: r.risk,
    agents: r.agents === undefined ? undefined : toList(r.agents).map(globToRegExp),
    agentRisk: r.agent_risk,
  };
  switch (r.action) {
    case 'command': {
      const patterns = toList(r.match).map((m) => new CommandPattern(m));
      const except = toList(r.except).map((m) => new CommandPattern(m));
      const programs = patterns.every((p) => p.program !== undefined) ? [...new Set(patterns.map((p) => p.program!))] : undefined;
      return {
        ...base,
        kind: 'command',
        programs,
        get summary() {
          return `command matches ${patterns.map((p) => JSON.stringify(p.source)).join(' or ')}${except.length ? ` except ${except.map((p) => JSON.stringify(p.source)).join(', ')}` : ''}`;
        },
        test(a) {
          if (a.kind !== 'command') return 'no';
          let m: Match = 'no';
          for (const p of patterns) {
            const x = p.match(a.argv);
            if (x === 'yes') {
              m = 'yes';
              break;
            }
            if (x === 'maybe') m = 'maybe';
          }
          if (m !== 'no' && except.some((p) => p.match(a.argv) === 'yes')) return 'no';
          return m;
        },
      };
    }
    case 'file.read':
    case 'file.write':
    case 'file.delete': {
      const set = r.paths === undefined ? undefined : new PathSet(toList(r.paths), ctx);
      const kind = r.action;
      return {
        ...base,
        kind,
        index: r.paths === undefined ? undefined : toList(r.paths),
        get summary() {
          return `${kind}${set ? ` of ${set.patterns.join(', ')}` : ''}${r.outside_workspace === true ? ' outside the workspace' : r.outside_workspace === false ? ' inside the workspace' : ''}${r.recursive === true ? ' (recursive)' : r.recursive === false ? ' (not recursive)' : ''}`;
        },
        test(a) {
          if (a.kind !== kind) return 'no';
          if (r.recursive !== undefined && !!a.recursive !== r.recursive) return 'no';
          if (r.outside_workspace !== undefined && !insideWorkspace(a.path, ctx.workspace) !== r.outside_workspace) return 'no';
          return set ? pathMatch(set, a) : 'yes';
        },
      };
    }
    case 'git.push': {
      const remotes = toList(r.remotes).map(globToRegExp);
      const branches = toList(r.branches).map(globToRegExp);
      return {
        ...base,
        kind: 'git.push',
        get summary() {
          return `git push${remotes.length ? ` to ${toList(r.remotes).join(', ')}` : ''}${branches.length ? ` touching ${toList(r.branches).join(', ')}` : ''}${r.force !== undefined ? ` force=${r.force}` : ''}${r.delete !== undefined ? ` delete=${r.delete}` : ''}${r.all_branches !== undefined ? ` all_branches=${r.all_branches}` : ''}${r.unresolved !== undefined ? ` unresolved=${r.unresolved}` : ''}`;
        },
        test(a) {
          if (a.kind !== 'git.push') return 'no';
          let m: Match = 'yes';
          if (r.force !== undefined && a.force !== r.force) return 'no';
          if (r.delete !== undefined && a.delete !== r.delete) return 'no';
          if (r.all_branches !== undefined && a.allBranches !== r.all_branches) return 'no';
          if (r.unresolved !== undefined && a.unresolved !== r.unresolved) return 'no';
          if (remotes.length) {
            if (a.remote === undefined) m = 'maybe';
            else if (!remotes.some((re) => re.test(a.remote!))) return 'no';
          }
          if (branches.length) {
            const names = a.refs.flatMap((ref) => [ref.src, ref.dst ?? '']).filter(Boolean).map((n) => n.replace(/^refs\/heads\//, ''));
            if (a.allBranches) return m;
            if (names.some((n) => branches.some((re) => re.test(n)))) return m;
            if (a.unresolved || a.refs.some((ref) => ref.dst === undefined)) return 'maybe';
            return 'no';
          }
          return m;
        },
      };
    }
    case 'network': {
      const hosts = toList(r.hosts).map(globToRegExp);
      return {
        ...base,
        kind: 'network',
        index: hosts.length && toList(r.hosts).every((h) => !/[*?[{]/.test(h)) ? toList(r.hosts) : undefined,
        get summary() {
          return `network${hosts.length ? ` to ${toList(r.hosts).join(', ')}` : ''}`;
        },
        test(a) {
          if (a.kind !== 'network') return 'no';
          if (!hosts.length) return 'yes';
          if (a.host === '*') return 'maybe';
          return hosts.some((re) => re.test(a.host)) ? 'yes' : 'no';
        },
      };
    }
    case 'env.set': {
      const names = toList(r.names).map(globToRegExp);
      return {
        ...base,
        kind: 'env.set',
        index: toList(r.names).every((n) => !/[*?[{]/.test(n)) ? toList(r.names) : undefined,
        get summary() {
          return `setting ${toList(r.names).join(', ')}`;
        },
        test: (a) => (a.kind === 'env.set' && names.some((re) => re.test(a.name)) ? 'yes' : 'no'),
      };
    }
    case 'mcp': {
      const servers = toList(r.servers).map(globToRegExp);
      const tools = toList(r.tools).map(globToRegExp);
      return {
        ...base,
        kind: 'mcp',
        get summary() {
          return `MCP${servers.length ? ` server ${toList(r.servers).join(', ')}` : ''}${tools.length ? ` tool ${toList(r.tools).join(', ')}` : ''}`;
        },
        test: (a) => (a.kind === 'mcp' && (!servers.length || servers.some((re) => re.test(a.server))) && (!tools.length || tools.some((re) => re.test(a.tool))) ? 'yes' : 'no'),
      };
    }
    case 'opaque': {
      const reasons = r.reasons;
      return {
        ...base,
        kind: 'opaque',
        get summary() {
          return `opaque${reasons ? ` (${reasons.join(', ')})` : ''}`;
        },
        test: (a) => (a.kind === 'opaque' && (!reasons || reasons.includes(a.reason)) ? 'yes' : 'no'),
      };
    }
  }
}

/** Path match, with globs in the action's path judged by what they could name. */
function pathMatch(set: PathSet, a: Action): Match {
  if (a.kind !== 'file.read' && a.kind !== 'file.write' && a.kind !== 'file.delete') return 'no';
  if (set.matches(a.path)) return 'yes';
  // A recursive change (rm -r, mv of a folder, chmod -R) reaches everything under the path.
  if (a.recursive && a.kind !== 'file.read' && set.containsMatchUnder(a.path)) return 'yes';
  if (a.glob) {
    // Could the glob name something the set selects? Try the set's own names against it.
    const slash = a.path.lastIndexOf('/');
    const dir = a.path.slice(0, slash) || '/';
    // The glob comes from the command line: match it with the bounded matcher.
    const base = compileGlob(a.path.slice(slash + 1), { dialect: 'path', dot: false });
    for (const p of set.patterns) {
      if (p.startsWith('!')) continue;
      const name = p.replace(/\/+$/, '').split('/').pop()!.replace(/[*?]/g, 'x').replace(/\[[^\]]*\]/g, 'x');
      if (base.test(name) && set.matches(`${dir}/${name}`)) return 'maybe';
    }
  }
  return 'no';
}

/** SHA-256 of policy text, hex. */
export function policyHash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}
