import * as path from 'path';
import type { GitPushAction, PushRef } from '../actions/types';
import type { Stream } from './analyze';
import { parseOptions, type OptionSpec } from './options';
import { shellQuote } from './quote';
import type { Call } from './programs';
import { argText, type Word } from './words';

/** git's own commands: an alias with one of these names is ignored by git. */
export const GIT_BUILTINS = new Set(
  (
    'add am annotate apply archimport archive bisect blame branch bugreport bundle cat-file check-attr check-ignore check-mailmap check-ref-format checkout checkout-index cherry cherry-pick citool clean clone column commit commit-graph commit-tree config count-objects credential credential-cache credential-store daemon describe diagnose diff diff-files diff-index diff-tree difftool fast-export fast-import fetch fetch-pack filter-branch fmt-merge-msg for-each-ref for-each-repo format-patch fsck fsck-objects fsmonitor--daemon gc get-tar-commit-id grep gui hash-object help hook http-backend http-fetch http-push imap-send index-pack init init-db instaweb interpret-trailers log ls-files ls-remote ls-tree mailinfo mailsplit maintenance merge merge-base merge-file merge-index merge-octopus merge-one-file merge-ours merge-recursive merge-resolve merge-subtree merge-tree mergetool mktag mktree multi-pack-index mv name-rev notes p4 pack-objects pack-redundant pack-refs patch-id prune prune-packed pull push quiltimport range-diff read-tree rebase receive-pack reflog refs remote remote-ext remote-fd repack replace replay request-pull rerere reset restore rev-list rev-parse revert rm send-email send-pack sh-i18n sh-setup shell shortlog show show-branch show-index show-ref sparse-checkout stage stash status stripspace submodule svn switch symbolic-ref tag unpack-file unpack-objects update-index update-ref update-server-info upload-archive upload-pack var verify-commit verify-pack verify-tag version web--browse whatchanged worktree write-tree lfs'
  ).split(' '),
);

/** Config keys whose value git runs as a program (or that load more config). */
const EXEC_CONFIG = /^(core\.(pager|editor|fsmonitor|sshcommand|askpass|gitproxy|hookspath|alternaterefsCommand)|sequence\.editor|diff\.external|diff\..+\.(textconv|command)|merge\..+\.driver|filter\..+\.(clean|smudge|process)|pager\..+|credential\.helper|credential\..+\.helper|gpg\.program|gpg\..+\.program|include\.path|includeif\..+\.path|uploadpack\.packobjectshook|ssh\.variant|protocol\..+\.allow|remote\..+\.(uploadpack|receivepack|vcs)|url\..+\.(insteadof|pushinsteadof)|init\.templatedir|receive\.procreceiverefs|core\.worktree|alias\..+)$/i;
/** Config that changes where or what a push sends. */
const PUSH_CONFIG = /^(remote\..+\.(url|pushurl|push|mirror)|push\..+|branch\..+\.(remote|pushremote|merge)|remote\.pushdefault|url\..+)$/i;

const GLOBAL_VALUE = ['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--super-prefix', '--config-env', '--list-cmds', '--attr-source'];
const GLOBAL_FLAGS = ['-p', '--paginate', '-P', '--no-pager', '--no-replace-objects', '--bare', '--literal-pathspecs', '--glob-pathspecs', '--noglob-pathspecs', '--icase-pathspecs', '--no-optional-locks', '--no-lazy-fetch', '--no-advice', '--html-path', '--man-path', '--info-path', '-v', '--version', '-h', '--help'];

const SUB_SPECS: Record<string, OptionSpec> = {
  push: {
    values: ['--repo', '--receive-pack', '--exec', '-o', '--push-option', '--recurse-submodules', '--signed', '--force-with-lease'],
    optionalValues: ['--signed', '--force-with-lease'],
    flagsLong: ['--all', '--branches', '--mirror', '--tags', '--follow-tags', '--atomic', '--no-atomic', '--dry-run', '--porcelain', '--delete', '--prune', '--force', '--force-if-includes', '--no-force-if-includes', '--no-force-with-lease', '--set-upstream', '--thin', '--no-thin', '--quiet', '--verbose', '--progress', '--no-progress', '--no-verify', '--verify', '--ipv4', '--ipv6', '--no-signed', '--no-recurse-submodules', '--no-follow-tags'],
  },
  reset: { values: ['--pathspec-from-file'], flagsLong: ['--hard', '--soft', '--mixed', '--merge', '--keep', '--quiet', '--no-quiet', '--refresh', '--no-refresh', '--recurse-submodules', '--no-recurse-submodules', '--patch', '--intent-to-add', '--pathspec-file-nul'] },
  clean: { values: ['-e', '--exclude'], flagsLong: ['--force', '--interactive', '--dry-run', '--quiet'] },
  branch: {
    values: ['-u', '--set-upstream-to', '--sort', '--format', '--points-at', '--contains', '--no-contains', '--merged', '--no-merged', '--column', '--color', '--abbrev', '--track'],
    optionalValues: ['--contains', '--no-contains', '--merged', '--no-merged', '--column', '--color', '--abbrev', '--track'],
    flagsLong: ['--delete', '--force', '--move', '--copy', '--list', '--remotes', '--all', '--unset-upstream', '--edit-description', '--show-current', '--no-track', '--create-reflog', '--verbose', '--quiet', '--ignore-case', '--omit-empty', '--no-column', '--no-color', '--no-abbrev', '--recurse-submodules'],
  },
  commit: {
    values: ['-m', '--message', '-F', '--file', '-C', '--reuse-message', '-c', '--reedit-message', '-t', '--template', '--fixup', '--squash', '--author', '--date', '--cleanup', '--trailer', '--pathspec-from-file', '-S', '--gpg-sign', '--untracked-files', '-u'],
    optionalValues: ['-S', '--gpg-sign', '--untracked-files', '-u'],
    flagsLong: ['--all', '--amend', '--no-verify', '--verify', '--signoff', '--no-edit', '--edit', '--allow-empty', '--allow-empty-message', '--dry-run', '--short', '--porcelain', '--long', '--null', '--quiet', '--verbose', '--include', '--only', '--patch', '--interactive', '--status', '--no-status', '--reset-author', '--no-gpg-sign'],
  },
  grep: {
    values: ['-e', '-f', '-m', '--max-count', '-A', '-B', '-C', '--context', '--after-context', '--before-context', '--max-depth', '--threads', '-O', '--open-files-in-pager', '--color', '--exclude-standard'],
    optionalValues: ['-O', '--open-files-in-pager', '--color', '--context'],
  },
  readish: {
    values: ['-n', '--max-count', '--skip', '--since', '--after', '--until', '--before', '--author', '--committer', '--grep', '-S', '-G', '--format', '--pretty', '-L', '-O', '--output', '--diff-filter', '--encoding', '--date', '--abbrev', '--color', '--word-diff', '--stat', '-U', '--unified', '--relative', '--src-prefix', '--dst-prefix', '--line-prefix', '--ignore-matching-lines', '-I', '-e', '-f', '--max-depth', '--textconv', '--filters', '--batch', '--batch-check', '--find-renames', '-M', '--find-copies', '--dirstat', '--decorate', '--exclude', '--glob', '--branches', '--tags', '--remotes'],
    optionalValues: ['--pretty', '--abbrev', '--color', '--word-diff', '--stat', '--relative', '--find-renames', '-M', '--find-copies', '--dirstat', '--decorate', '--batch', '--batch-check', '--textconv', '--filters', '--branches', '--tags', '--remotes'],
  },
};

/**
 * `git …`: global options, `-c alias.*` defined on the line, and typed actions for
 * pushes, network, reads of `REV:path`, deletions and config writes.
 */
export function runGit(c: Call): Stream | void {
  return gitWords(c, c.args, new Map(), 0, c.state.cwd);
}

function gitWords(c: Call, args: Word[], aliases: Map<string, string>, aliasDepth: number, startCwd: string | undefined): Stream | void {
  let cwd = startCwd;
  let pushConfig = false;
  let i = 0;
  const configs: string[] = [];
  for (; i < args.length; i++) {
    const w = args[i];
    const t = w.text;
    if (!w.exact && t.startsWith('-')) {
      c.opaque('unresolved-expansion', `git option ${w.source} is only known when the line runs`);
      continue;
    }
    const eq = t.indexOf('=');
    const long = t.startsWith('--') && eq > 0 ? t.slice(0, eq) : t;
    if (GLOBAL_VALUE.includes(long)) {
      const value = long !== t ? { ...w, text: t.slice(eq + 1) } : args[++i];
      if (!value) break;
      if (long === '-C') cwd = cwd === undefined || !value.exact ? undefined : path.posix.resolve(cwd, value.text);
      else if (long === '-c') {
        if (!value.exact) c.opaque('exec-config', `git -c ${value.source}: config is only known when the line runs`);
        const m = /^([^=]+)(?:=(.*))?$/s.exec(value.text);
        if (m) {
          const key = m[1];
          configs.push(key);
          if (/^alias\./i.test(key)) aliases.set(key.slice(6).toLowerCase(), m[2] ?? '');
          else if (/^core\.hookspath$/i.test(key)) c.opaque('guard-bypass', 'git -c core.hooksPath replaces the hooks the guard relies on (pre-push)');
          else if (EXEC_CONFIG.test(key)) c.opaque('exec-config', `git -c ${key} makes git run another program`);
          if (PUSH_CONFIG.test(key)) pushConfig = true;
        }
      } else if (long === '--config-env') c.opaque('exec-config', 'git --config-env takes config from the environment');
      else if (long === '--exec-path') c.opaque('exec-config', 'git --exec-path changes which programs git runs');
      else if (long === '--git-dir' || long === '--work-tree') {
        /* the repository moves; paths stay relative to cwd */
      }
      continue;
    }
    if (GLOBAL_FLAGS.includes(t)) continue;
    if (t.startsWith('-')) {
      c.opaque('unknown-wrapper', `git ${t}: unknown global option`);
      continue;
    }
    break;
  }
  const subWord = args[i];
  if (!subWord) return;
  if (!subWord.exact) {
    c.opaque('unresolved-expansion', `git subcommand ${subWord.source} is only known when the line runs`);
    c.argv = ['git', argText(subWord), ...args.slice(i + 1).map(argText)];
    return;
  }
  const sub = subWord.text;
  const rest = args.slice(i + 1);
  if (!GIT_BUILTINS.has(sub)) {
    const alias = aliases.get(sub.toLowerCase());
    if (alias === undefined) {
      c.opaque('git-alias', `git ${sub} is not a built-in git command: it may be an alias or a program from git config`);
      c.argv = ['git', sub, ...rest.map(argText)];
      return;
    }
    if (aliasDepth > 8) {
      c.opaque('too-complex', 'git aliases nest too deeply');
      return;
    }
    if (alias.startsWith('!')) {
      // A shell alias: git runs it with `sh -c`, arguments appended.
      c.transparent = true;
      return c.code([alias.slice(1), ...rest.map((w) => shellQuote(w.text))].join(' '), rest.every((w) => w.exact), new Set(), `git alias ${sub}`);
    }
    const expanded = splitAlias(alias);
    return gitWords(c, [...expanded, ...rest], aliases, aliasDepth + 1, cwd);
  }
  return subcommand(c, sub, rest, cwd, { pushConfig, configs });
}

interface GitContext {
  pushConfig: boolean;
  configs: string[];
}

function subcommand(c: Call, sub: string, rest: Word[], cwd: string | undefined, g: GitContext): Stream | void {
  const spec = SUB_SPECS[sub] ?? (['log', 'show', 'diff', 'blame', 'annotate', 'cat-file', 'whatchanged', 'shortlog', 'format-patch', 'archive', 'diff-tree', 'diff-index', 'diff-files', 'range-diff'].includes(sub) ? SUB_SPECS.readish : {});
  const parsed = parseOptions(rest, spec);
  const dashdash = rest.findIndex((w) => w.text === '--');
  c.argv = ['git', sub, ...parsed.flags, ...parsed.operands.map(argText)];
  const abs = (w: Word, base: string | undefined, p = w.text): Word | undefined => {
    if (!w.exact) return { ...w, text: p };
    if (p.startsWith('/')) return { ...w, text: p };
    if (base === undefined) return { ...w, exact: false, text: p };
    return { ...w, text: path.posix.resolve(base, p) };
  };
  const root = repoRoot(c, cwd);
  if (root !== undefined && !READ_ONLY.has(sub) && root !== c.a.env.workspace && !root.startsWith(c.a.env.workspace + '/')) {
    // A repository outside the workspace: what git changes there is a write outside it.
    c.write({ text: root, exact: true, glob: false, taints: new Set(), source: root }, `git ${sub} in ${root}`);
  }
  if (sub === 'branch' && ['-l', '--list', '-a', '--all', '-r', '--remotes', '--contains', '--no-contains', '--merged', '--no-merged', '--points-at', '--show-current', '-v', '-vv', '--verbose'].some((f) => parsed.has(f)) && !['-d', '-D', '--delete', '-m', '-M', '--move', '-c', '-C', '--copy', '-f', '--force', '-u', '--set-upstream-to', '--unset-upstream', '--edit-description'].some((f) => parsed.has(f))) {
    // Listing: the operands are patterns, not branches to create.
    c.argv = ['git', 'branch', '--list'];
  }
  switch (sub) {
    case 'push':
      return push(c, parsed, rest, g);
    case 'fetch':
    case 'pull':
    case 'clone':
    case 'ls-remote':
    case 'remote':
    case 'submodule': {
      if (sub === 'remote' && !['update', 'prune', 'show', 'set-head'].includes(parsed.operands[0]?.text ?? '')) {
        if (parsed.operands.length > 1) c.write({ ...(abs(parsed.operands[0], root, '.git/config') as Word) }, 'git remote');
        return;
      }
      if (sub === 'submodule' && !['update', 'add', 'sync', 'init'].includes(parsed.operands[0]?.text ?? '')) return;
      const url = parsed.operands.find((w) => /:\/\/|^[^/]+@[^/]+:|^[^/]+:[^/]/.test(w.text));
      c.network(url ? hostFromRemote(url.text) : '*', `git ${sub}`);
      if (sub === 'clone') {
        const dest = parsed.operands[1];
        if (dest) {
          const d = abs(dest, cwd);
          if (d) c.write(d, 'git clone');
        }
      }
      return;
    }
    case 'show':
    case 'log':
    case 'diff':
    case 'blame':
    case 'annotate':
    case 'cat-file':
    case 'grep':
    case 'whatchanged':
    case 'archive':
    case 'format-patch':
    case 'diff-tree':
    case 'diff-index':
    case 'diff-files': {
      const ops = parsed.operands;
      let patternSkipped = sub !== 'grep' || parsed.has('-e') || parsed.has('-f');
      for (const w of ops) {
        if (!patternSkipped) {
          patternSkipped = true;
          continue;
        }
        const colon = w.text.indexOf(':');
        if (colon >= 0 && !w.text.startsWith('/')) {
          // REV:path (relative to the top of the repository) or :path / :N:path (the index).
          let p = w.text.slice(colon + 1).replace(/^\d:/, '');
          if (p === '') continue;
          const base = p.startsWith('./') || p.startsWith('../') ? cwd : root;
          if (p.startsWith('./')) p = p.slice(2);
          const aw = abs(w, base, p);
          if (aw) c.read(aw, `git ${sub} REV:path`);
        } else {
          const aw = abs(w, cwd);
          if (aw) c.read(aw, `git ${sub}`);
        }
      }
      for (const l of parsed.values('-L')) {
        const m = /:([^:]+)$/.exec(l.text);
        if (m) {
          const aw = abs(l, cwd, m[1]);
          if (aw) c.read(aw, `git ${sub} -L`);
        }
      }
      for (const o of [...parsed.values('--output'), ...parsed.values('-o')]) {
        const aw = abs(o, cwd);
        if (aw) c.write(aw, `git ${sub} --output`);
      }
      if (parsed.has('--textconv') || parsed.has('--ext-diff') || parsed.has('--filters')) c.opaque('exec-config', `git ${sub} --textconv/--ext-diff runs configured programs`);
      if (sub === 'archive' && parsed.has('--remote')) c.network('*', 'git archive --remote');
      void dashdash;
      return;
    }
    case 'commit': {
      for (const f of [...parsed.values('-F'), ...parsed.values('--file'), ...parsed.values('-t'), ...parsed.values('--template')]) {
        const aw = abs(f, cwd);
        if (aw && aw.text !== '-') c.read(aw, 'git commit -F');
      }
      return;
    }
    case 'rm': {
      const recursive = parsed.has('-r');
      const cached = parsed.has('--cached');
      c.argv = ['git', 'rm', ...(recursive ? ['-r'] : []), ...parsed.flags.filter((f) => f !== '-r'), ...parsed.operands.map(argText)];
      if (!cached) for (const w of parsed.operands) {
        const aw = abs(w, cwd);
        if (aw) c.delete(aw, recursive, 'git rm');
      }
      return;
    }
    case 'mv': {
      for (const w of parsed.operands) {
        const aw = abs(w, cwd);
        if (aw) c.write(aw, 'git mv');
      }
      return;
    }
    case 'config':
      return config(c, parsed, root);
    case 'init': {
      const d = parsed.operands[0];
      const aw = d ? abs(d, cwd) : abs({ text: '.', exact: true, glob: false, taints: new Set(), source: '.' }, cwd);
      if (aw) c.write({ ...aw, text: path.posix.join(aw.text, '.git') }, 'git init');
      if (parsed.has('--template') || rest.some((w) => w.text.startsWith('--template'))) c.opaque('exec-config', 'git init --template installs hooks from elsewhere');
      return;
    }
    case 'hook':
      c.opaque('script', 'git hook runs a repository hook');
      return;
    case 'filter-branch':
    case 'rebase':
    case 'bisect':
    case 'submodule--helper':
      if (rest.some((w) => /^(--exec|-x|run|--(tree|index|msg|env|commit|parent|tag-name)-filter)$/.test(w.text) || /^--exec=/.test(w.text))) {
        c.opaque('dynamic-code', `git ${sub} runs shell commands given on the line`);
      }
      return;
    default:
      return;
  }
}

/** Subcommands that only read the repository. */
const READ_ONLY = new Set(['status', 'diff', 'log', 'show', 'blame', 'annotate', 'rev-parse', 'ls-files', 'ls-tree', 'cat-file', 'grep', 'describe', 'shortlog', 'whatchanged', 'reflog', 'show-ref', 'for-each-ref', 'rev-list', 'name-rev', 'merge-base', 'var', 'version', 'help', 'check-ignore', 'check-attr', 'count-objects', 'diff-tree', 'diff-index', 'diff-files', 'range-diff', 'ls-remote', 'fetch', 'config', 'archive', 'format-patch', 'bugreport', 'verify-commit', 'verify-tag', 'cherry', 'show-branch']);

function repoRoot(c: Call, cwd: string | undefined): string | undefined {
  if (cwd === undefined) return undefined;
  const ws = c.a.env.workspace;
  if (cwd === ws || cwd.startsWith(ws + '/')) return ws;
  return cwd;
}

function push(c: Call, parsed: ReturnType<typeof parseOptions>, rest: Word[], g: GitContext): void {
  const has = (o: string) => parsed.has(o);
  const mirror = has('--mirror');
  const force = has('-f') || has('--force') || has('--force-with-lease') || mirror;
  const del = has('-d') || has('--delete');
  const ops = parsed.operands;
  const repo = parsed.value('--repo');
  const remoteWord = ops[0] ?? repo;
  const specs = ops.length ? ops.slice(1) : [];
  let allBranches = has('--all') || has('--branches') || mirror;
  let unresolved = g.pushConfig;
  const refs: PushRef[] = [];
  for (let k = 0; k < specs.length; k++) {
    const w = specs[k];
    if (!w.exact) {
      unresolved = true;
      refs.push({ src: w.text, force, delete: del });
      continue;
    }
    let t = w.text;
    if (t === 'tag' && specs[k + 1]) {
      const tag = specs[++k].text;
      refs.push({ src: `refs/tags/${tag}`, dst: `refs/tags/${tag}`, force, delete: del });
      continue;
    }
    let plus = false;
    if (t.startsWith('+')) {
      plus = true;
      t = t.slice(1);
    }
    const colon = t.indexOf(':');
    let src = colon >= 0 ? t.slice(0, colon) : t;
    let dst: string | undefined = colon >= 0 ? t.slice(colon + 1) : undefined;
    if (src.includes('*') || (dst ?? '').includes('*')) allBranches = true;
    if (src === '@') src = 'HEAD';
    if (dst === undefined) {
      // `git push origin x` pushes x to the same name; HEAD (or a commit) goes where git's config says.
      if (del) dst = src;
      else if (src === 'HEAD' || /^[0-9a-f]{7,40}$/.test(src) || /[~^@]/.test(src)) unresolved = true;
      else dst = src;
    }
    if (dst === '') dst = undefined;
    refs.push({ src: colon === 0 ? '' : shortRef(src), dst: dst === undefined ? undefined : shortRef(dst), force: force || plus, delete: del || colon === 0 });
  }
  if (!refs.length && !allBranches && !has('--tags')) unresolved = true;
  const remote = remoteWord && remoteWord.exact ? remoteWord.text : undefined;
  if (remoteWord && !remoteWord.exact) unresolved = true;
  const action: GitPushAction = {
    kind: 'git.push',
    remote,
    url: remote && /[:/]/.test(remote) ? remote : undefined,
    refs,
    force: force || refs.some((r) => r.force),
    delete: del || refs.some((r) => r.delete),
    allBranches,
    unresolved,
    noVerify: has('--no-verify'),
    command: c.a.currentCommand,
  };
  if (action.noVerify) c.opaque('guard-bypass', 'git push --no-verify skips the pre-push hook the guard relies on');
  for (const o of ['--receive-pack', '--exec']) if (has(o)) c.opaque('exec-config', `git push ${o} runs a program on the remote`);
  c.a.emit(action);
  void rest;
}

/** A branch name as git resolves it on push: `refs/heads/x` and `heads/x` are x. */
function shortRef(r: string): string {
  return r.replace(/^(refs\/)?heads\//, '');
}

function hostFromRemote(u: string): string {
  const m = /^[a-z+]+:\/\/(?:[^@/]*@)?([^:/]+)/i.exec(u) ?? /^(?:[^@]+@)?([^:/]+):/.exec(u);
  return m ? m[1].toLowerCase() : '*';
}

function config(c: Call, parsed: ReturnType<typeof parseOptions>, root: string | undefined): void {
  const ops = parsed.operands.map((w) => w.text);
  const flags = parsed.flags;
  const readOnly = ['--get', '--get-all', '--get-regexp', '--get-urlmatch', '--list', '-l', '--get-color', '--get-colorbool', '--show-origin', '--show-scope', '--name-only'];
  const subVerb = ['get', 'list'].includes(ops[0] ?? '');
  const writes = !subVerb && !flags.some((f) => readOnly.includes(f)) && (ops.length >= 2 || flags.some((f) => /^--(unset|unset-all|add|replace-all|rename-section|remove-section|edit)$|^-e$/.test(f)) || ['set', 'unset', 'rename-section', 'remove-section', 'edit'].includes(ops[0] ?? ''));
  if (!writes) return;
  const file = parsed.value('-f') ?? parsed.value('--file');
  let target: string | undefined;
  if (flags.includes('--global')) target = path.posix.join(c.a.env.home, '.gitconfig');
  else if (flags.includes('--system')) target = '/etc/gitconfig';
  else if (file) target = file.exact ? path.posix.resolve(c.state.cwd ?? '/', file.text) : undefined;
  else if (root) target = path.posix.join(root, '.git', 'config');
  const w: Word = { text: target ?? '(git config file)', exact: target !== undefined, glob: false, taints: new Set(), source: 'git config' };
  c.write(w, 'git config');
  const key = ['set', 'unset'].includes(ops[0] ?? '') ? ops[1] : ops[0];
  // (core.hooksPath in a config file is not a bypass: the guard's own setting comes from the environment, which wins.)
  if (key && EXEC_CONFIG.test(key)) c.opaque('exec-config', `git config ${key} makes git run another program`);
}

/** Splits a git alias value the way git does (shell-like quoting, no expansion). */
export function splitAlias(value: string): Word[] {
  const words: Word[] = [];
  let cur = '';
  let has = false;
  let q: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (q) {
      if (ch === q) q = undefined;
      else if (ch === '\\' && q === '"' && i + 1 < value.length) cur += value[++i];
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      q = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < value.length) {
      cur += value[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) words.push({ text: cur, exact: true, glob: false, taints: new Set(), source: cur });
      cur = '';
      has = false;
    } else cur += ch;
  }
  if (has || cur) words.push({ text: cur, exact: true, glob: false, taints: new Set(), source: cur });
  return words;
}
