import * as path from 'path';
import { compileGlob } from './glob';

/** Where relative patterns and `~` point. */
export interface PathContext {
  workspace: string;
  home: string;
}

/**
 * gitignore-style path patterns:
 * - no slash (`.env`, `*.pem`): a file or folder of that name anywhere, inside or outside the workspace;
 * - with a slash (`src/gen/**`, `.git/`): from the workspace root;
 * - `~/…` from the home folder, `/…` absolute;
 * - a folder pattern also covers everything under it;
 * - `.` is the workspace root itself (not what is under it);
 * - `!pattern` re-includes what an earlier pattern excluded (last match wins).
 */
export class PathSet {
  private compiled?: { negate: boolean; test: (abs: string) => boolean }[];
  private anchorList?: string[];

  constructor(
    readonly patterns: readonly string[],
    private readonly ctx: PathContext,
  ) {}

  /** Patterns compiled on first use: a large policy has many, a decision tries few. */
  private get entries(): { negate: boolean; test: (abs: string) => boolean }[] {
    return (this.compiled ??= this.patterns.map((raw) => {
      const negate = raw.startsWith('!');
      return { negate, test: compilePattern(negate ? raw.slice(1) : raw, this.ctx) };
    }));
  }

  /** Where each positive pattern's literal part lies, for "is something selected under this folder?". */
  private get anchors(): string[] {
    return (this.anchorList ??= this.patterns.filter((p) => !p.startsWith('!')).map((p) => anchorOf(p, this.ctx)));
  }

  /** True when a selected path may lie strictly under `dir` (bare names count at the workspace root). */
  containsMatchUnder(dir: string): boolean {
    const prefix = dir === '/' ? '/' : dir + '/';
    return this.anchors.some((a) => a.startsWith(prefix));
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** True when the absolute path is selected (after negations). */
  matches(abs: string): boolean {
    let hit = false;
    for (const e of this.entries) if (e.negate === hit && e.test(abs)) hit = !e.negate;
    return hit;
  }
}

function compilePattern(pattern: string, ctx: PathContext): (abs: string) => boolean {
  let p = pattern.replace(/\/+$/, '');
  if (p === '') p = '/';
  if (p === '~' || p.startsWith('~/')) p = ctx.home + p.slice(1);
  else if (p === '.' || p === './') {
    // `.` is the workspace root itself, not everything in it.
    return (abs) => abs === ctx.workspace;
  } else if (p.includes('/') && !p.startsWith('/')) p = path.posix.join(ctx.workspace, p.replace(/^\.\//, ''));
  if (!p.includes('/')) {
    // A bare name: any path component.
    const g = compileGlob(p, { dialect: 'path' });
    // (no glob characters: the name must appear in the path at all, a test far cheaper than splitting it)
    const literal = !/[*?[{\\@+!(]/.test(p) ? p : undefined;
    return (abs) => (literal === undefined || abs.includes(literal)) && someComponent(abs, g);
  }
  const exact = compileGlob(p, { dialect: 'path' });
  const under = compileGlob(p === '/' ? '/**' : p + '/**', { dialect: 'path' });
  return (abs) => exact.test(abs) || under.test(abs);
}

/** True when a non-empty `/`-separated component of `abs` matches. */
function someComponent(abs: string, g: { test(c: string): boolean }): boolean {
  for (let i = 0; i <= abs.length; ) {
    let j = abs.indexOf('/', i);
    if (j < 0) j = abs.length;
    if (j > i && g.test(abs.slice(i, j))) return true;
    i = j + 1;
  }
  return false;
}

function anchorOf(pattern: string, ctx: PathContext): string {
  let p = pattern.replace(/\/+$/, '');
  if (p === '~' || p.startsWith('~/')) p = ctx.home + p.slice(1);
  else if (!p.startsWith('/')) p = path.posix.join(ctx.workspace, p.replace(/^\.\//, ''));
  const parts = p.split('/');
  const g = parts.findIndex((c) => /[*?[{]/.test(c));
  return g < 0 ? p : parts.slice(0, g).join('/') + '/';
}

/** True when `abs` is the workspace or inside it. */
export function insideWorkspace(abs: string, workspace: string): boolean {
  return abs === workspace || abs.startsWith(workspace.endsWith('/') ? workspace : workspace + '/');
}

/**
 * Finds the path rules that could match a path without testing them all: rules are filed
 * under the literal folder their patterns start from, or the literal name they match
 * anywhere; only patterns with no literal part are tried for every path.
 */
export class PathRuleIndex<T> {
  private readonly byAnchor = new Map<string, T[]>();
  private readonly byName = new Map<string, T[]>();
  private readonly always: T[] = [];
  private readonly all: T[] = [];

  constructor(private readonly ctx: PathContext) {}

  add(rule: T, patterns: readonly string[] | undefined): void {
    this.all.push(rule);
    const positive = (patterns ?? []).filter((p) => !p.startsWith('!'));
    if (!patterns || positive.length === 0) {
      this.always.push(rule);
      return;
    }
    const keys = new Set<string>();
    for (const raw of positive) {
      let p = raw.replace(/\/+$/, '');
      if (p === '') p = '/';
      if (p === '~' || p.startsWith('~/')) p = this.ctx.home + p.slice(1);
      else if (p === '.' || p === './') p = this.ctx.workspace;
      else if (p.includes('/') && !p.startsWith('/')) p = path.posix.join(this.ctx.workspace, p.replace(/^\.\//, ''));
      if (!p.includes('/')) {
        if (/[*?[{]/.test(p)) {
          this.always.push(rule);
          return;
        }
        keys.add('n:' + p);
        continue;
      }
      const parts = p.split('/');
      const g = parts.findIndex((c) => /[*?[{]/.test(c));
      keys.add('a:' + (g < 0 ? p : parts.slice(0, g).join('/') || '/'));
    }
    for (const k of keys) {
      const map = k.startsWith('n:') ? this.byName : this.byAnchor;
      const list = map.get(k.slice(2)) ?? [];
      list.push(rule);
      map.set(k.slice(2), list);
    }
  }

  /** Rules that may match `abs`; every rule when `broad` (a glob, or a recursive change). */
  lookup(abs: string, broad: boolean): Set<T> {
    if (broad) return new Set(this.all);
    const out = new Set<T>(this.always);
    const parts = abs.split('/');
    for (let i = parts.length; i >= 1; i--) {
      const anchor = parts.slice(0, i).join('/') || '/';
      for (const r of this.byAnchor.get(anchor) ?? []) out.add(r);
    }
    for (const r of this.byAnchor.get('/') ?? []) out.add(r);
    for (const c of parts) if (c) for (const r of this.byName.get(c) ?? []) out.add(r);
    return out;
  }
}
