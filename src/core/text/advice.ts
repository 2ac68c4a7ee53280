/**
 * "How to proceed", as a person (or an agent relaying it) can act on it: the layer and file
 * that hold the deciding rule or default, the exact edit, or a command that exists. Pure.
 *
 * Why the file matters: rules of every layer are judged together and the strictest effect
 * wins, so a deny or ask in the user layer cannot be loosened from the repository's
 * .agentpolicy.yaml — only an edit of the layer that holds it changes the outcome. Defaults are
 * different: an upper layer's default replaces a lower one's (unless the organisation set a
 * floor, or the repository is untrusted).
 */
import * as path from 'path';
import { describeAction, UNKNOWN_TOKEN, type Action } from '../actions/types';
import type { Decision, LayerName } from '../pdp/types';

export interface AdviceContext {
  readonly layers: readonly { name: LayerName; file: string }[];
  readonly workspace: string;
  readonly home: string;
}

/** Where the command a person reads runs: VS Code names its own commands, the CLI its own. */
export type AdviceHost = 'vscode' | 'cli';

export const USER_POLICY = '~/.config/agentpolicy/policy.yaml';
const BUILTIN_RECOMMENDED = 'built-in:recommended';

/** The VS Code commands advice may name (a test checks each is contributed in package.json). */
export const ADVICE_COMMANDS = {
  createPolicy: 'Agent Policy: Create Policy',
  editUserPolicy: 'Agent Policy: Edit User Policy',
  explain: 'Agent Policy: Explain Command…',
  rearm: 'Agent Policy: Re-arm Agents',
} as const;

function tilde(file: string, home: string): string {
  return home && (file === home || file.startsWith(home + path.sep)) ? '~' + file.slice(home.length) : file;
}

/** The layer's file as a person finds it, and whether it can be edited at all. */
export function layerFile(ctx: AdviceContext, layer: LayerName): { file: string; editable: boolean; note?: string } {
  const l = ctx.layers.find((x) => x.name === layer);
  if (layer === 'baseline') return { file: 'the built-in baseline', editable: false, note: 'it protects the guard itself' };
  if (!l && layer === 'repo') return { file: path.join(ctx.workspace, '.agentpolicy.yaml'), editable: true };
  if (!l) return { file: `the ${layer} layer`, editable: false };
  if (l.file === BUILTIN_RECOMMENDED) return { file: 'the built-in recommended policy', editable: true, note: `your user layer until ${USER_POLICY} exists: copy it there and edit that copy` };
  if (layer === 'org') return { file: tilde(l.file, ctx.home), editable: false, note: "it is your organisation's policy; its owner can change it" };
  return { file: layer === 'repo' ? l.file : tilde(l.file, ctx.home), editable: true };
}

function layerLabel(ctx: AdviceContext, layer: LayerName): string {
  const f = layerFile(ctx, layer);
  return layer === 'baseline' ? f.file : `${f.file} (${layer} layer)`;
}

/** A match pattern for the command that decided: the program and, for tools with subcommands, the subcommand. */
export function matchPattern(a: Action): string | undefined {
  if (a.kind !== 'command') return undefined;
  const [prog, sub] = a.argv.map((t) => (t.startsWith(UNKNOWN_TOKEN) ? t.slice(1) : t));
  if (!prog) return undefined;
  return sub && /^[a-z][a-z0-9-]*$/.test(sub) ? `${prog} ${sub}` : prog;
}

function ruleEdit(ctx: AdviceContext, host: AdviceHost, id: string, layer: LayerName, effect: 'deny' | 'ask'): string {
  const f = layerFile(ctx, layer);
  const where = f.note ? `${f.file} (${f.note}${host === 'vscode' && layer === 'user' ? `: "${ADVICE_COMMANDS.editUserPolicy}"` : ''})` : f.file;
  if (id === 'protected' || id === 'secrets') return `the path is listed under ${id}: in ${where}${f.editable ? '; only an edit there changes that' : ''}`;
  if (!f.editable) return `rule ${id} is in ${where}`;
  return `rule ${id} (${effect}) is in ${where}; change it there — a rule in another layer cannot loosen it`;
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 40) || 'this';

/** An allow rule that would cover this action, in policy syntax; undefined when only a default can. */
export function allowRuleFor(a: Action, ctx: AdviceContext): string | undefined {
  switch (a.kind) {
    case 'command': {
      const p = matchPattern(a);
      return p && `- {id: allow-${slug(p)}, action: command, match: "${p}", effect: allow}`;
    }
    case 'network':
      return a.host && a.host !== '*' && !a.host.startsWith(UNKNOWN_TOKEN) ? `- {id: allow-${slug(a.host)}, action: network, hosts: ["${a.host}"], effect: allow}` : undefined;
    case 'file.read':
    case 'file.write':
    case 'file.delete': {
      const rel = path.posix.relative(ctx.workspace, a.path);
      const inside = rel && !rel.startsWith('..') && !path.posix.isAbsolute(rel);
      const pattern = inside ? rel : tilde(a.path, ctx.home);
      return `- {id: allow-${a.kind.replace('.', '-')}-${slug(pattern)}, action: ${a.kind}, paths: ["${pattern}"], effect: allow}`;
    }
    case 'git.push': {
      const branches = a.refs.map((r) => r.dst).filter((b): b is string => !!b);
      return branches.length ? `- {id: allow-push-${slug(branches.join('-'))}, action: git.push, branches: [${branches.map((b) => `"${b}"`).join(', ')}], effect: allow}` : undefined;
    }
    default:
      return undefined;
  }
}

/** One sentence: how to proceed after `d`, naming the file and edit, or a command that exists. */
export function howToProceed(d: Decision, ctx: AdviceContext, host: AdviceHost = 'cli'): string {
  if (d.effect === 'allow') return '';
  const deciding = d.verdicts.filter((v) => v.effect === d.effect);
  const explain = host === 'vscode' ? `"${ADVICE_COMMANDS.explain}"` : "`agentpolicy explain -- '<command>'`";
  if (!deciding.length) {
    return d.effect === 'deny' ? `the guard could not judge it (${d.reasons[0] ?? 'no actions'}); ask the person to run it themselves` : `${explain} shows why`;
  }
  const parts = new Set<string>();
  const rules = new Set<string>();
  const defaults = new Set<string>();
  for (const v of deciding) {
    if (v.ruleIds.length) {
      for (const id of v.ruleIds) parts.add(ruleEdit(ctx, host, id, v.layer, d.effect));
      continue;
    }
    // A default decided: an allow rule (or an upper layer's default) changes it.
    const rule = d.effect === 'ask' ? allowRuleFor(v.action, ctx) : undefined;
    if (rule) rules.add(rule);
    else defaults.add(`${v.action.kind} (now ${d.effect}, from ${layerLabel(ctx, v.layer)})`);
  }
  // An allow rule only helps when no rule among the deciding ones would still ask or deny.
  if (deciding.some((v) => v.ruleIds.length)) rules.clear();
  const repo = layerFile(ctx, 'repo').file;
  const create = host === 'vscode' && !ctx.layers.some((l) => l.name === 'repo') ? ` ("${ADVICE_COMMANDS.createPolicy}" writes it)` : '';
  if (rules.size) parts.add(`to allow it without asking, add under rules: in ${repo}${create}: ${[...rules].join(' ')}`);
  if (defaults.size) parts.add(`set defaults: in ${repo}${create} for ${[...defaults].join(', ')}`);
  const list = [...parts].slice(0, 3).join('; ');
  if (d.effect === 'deny') return `${list}. Otherwise ask the person to run it themselves`;
  return `${list}. ${explain} shows every rule considered`;
}

/** A short "what" for the deciding actions: `delete recursively /w/dist; push to origin main`. */
export function decidingActions(d: Decision, max = 3): string {
  return d.verdicts
    .filter((v) => v.effect === d.effect)
    .slice(0, max)
    .map((v) => describeAction(v.action.kind === 'command' ? { ...v.action, argv: v.action.argv.map((t) => (t.startsWith(UNKNOWN_TOKEN) ? t.slice(1) : t)) } : v.action))
    .join('; ');
}
