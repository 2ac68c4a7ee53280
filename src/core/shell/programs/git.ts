/**
 * git: global options and `-c` config (a hooks path is tampering only for the push the guard's
 * pre-push hook checks; empty values switch things off and are safe), aliases defined on the line,
 * typed pushes (a literal `+` or `:main` around a computed part still counts), and what each
 * subcommand does to files: staging and hashing read them into the object store, showing and
 * patch logs print them (metadata-only queries do not), checkout/restore write them.
 */
import * as path from 'path';
import type { GitPushAction, PushRef } from '../../actions/types';
import { parseOptions, type OptionSpec, type ParsedOptions } from '../options';
import { shellQuote } from '../quote';
import type { Stream } from '../types';
import { splitWords, type Word } from '../words';
import { child, type ProgramContext, type ProgramModel } from './model';

/** git's own commands: an alias with one of these names is ignored by git. */
export const GIT_BUILTINS = new Set(
  (
    'add am annotate apply archimport archive bisect blame branch bugreport bundle cat-file check-attr check-ignore check-mailmap check-ref-format checkout checkout-index cherry cherry-pick citool clean clone column commit commit-graph commit-tree config count-objects credential credential-cache credential-store daemon describe diagnose diff diff-files diff-index diff-tree difftool fast-export fast-import fetch fetch-pack filter-branch fmt-merge-msg for-each-ref for-each-repo format-patch fsck fsck-objects fsmonitor--daemon gc get-tar-commit-id grep gui hash-object help hook http-backend http-fetch http-push imap-send index-pack init init-db instaweb interpret-trailers log ls-files ls-remote ls-tree mailinfo mailsplit maintenance merge merge-base merge-file merge-index merge-octopus merge-one-file merge-ours merge-recursive merge-resolve merge-subtree merge-tree mergetool mktag mktree multi-pack-index mv name-rev notes p4 pack-objects pack-redundant pack-refs patch-id prune prune-packed pull push quiltimport range-diff read-tree rebase receive-pack reflog refs remote remote-ext remote-fd repack replace replay request-pull rerere reset restore rev-list rev-parse revert rm send-email send-pack sh-i18n sh-setup shell shortlog show show-branch show-index show-ref sparse-checkout stage stash status stripspace submodule svn switch symbolic-ref tag unpack-file unpack-objects update-index update-ref update-server-info upload-archive upload-pack var verify-commit verify-pack verify-tag version web--browse whatchanged worktree write-tree lfs'
  ).split(' '),
);

/** Config keys whose value git runs as a program (or that load more config). */
const EXEC_CONFIG = /^(core\.(pager|editor|fsmonitor|sshcommand|askpass|gitproxy|hookspath|alternaterefsCommand)|sequence\.editor|diff\.external|diff\..+\.(textconv|command)|merge\..+\.driver|filter\..+\.(clean|smudge|process)|pager\..+|credential\.helper|credential\..+\.helper|gpg\.program|gpg\..+\.program|include\.path|includeif\..+\.path|uploadpack\.packobjectshook|ssh\.variant|protocol\..+\.allow|remote\..+\.(uploadpack|receivepack|vcs)|url\..+\.(insteadof|pushinsteadof)|init\.templatedir|receive\.procreceiverefs|core\.worktree|alias\..+)$/i;
const NETWORK_SUBS = ['fetch', 'pull', 'push', 'clone', 'ls-remote', 'submodule', 'archive', 'send-pack', 'fetch-pack', 'send-email', 'request-pull', 'lfs'];
const PAGED_SUBS = ['log', 'show', 'diff', 'grep', 'branch', 'tag', 'blame', 'annotate', 'shortlog', 'whatchanged', 'reflog', 'config', 'help', 'stash', 'range-diff', 'cherry', 'describe', 'status', 'difftool'];
const INDEX_SUBS = ['status', 'diff', 'add', 'commit', 'checkout', 'switch', 'restore', 'reset', 'stash', 'merge', 'rebase', 'cherry-pick', 'revert', 'pull', 'rm', 'mv', 'clean', 'apply', 'am', 'worktree', 'update-index', 'read-tree', 'checkout-index', 'sparse-checkout', 'ls-files', 'grep'];
/**
 * Which subcommands use a program-running config key: `-c core.pager=…` matters for `git log`,
 * not for `git rev-parse`. A key not listed here counts for every subcommand.
 */
const CONFIG_USERS: [RegExp, ReadonlySet<string> | 'all'][] = [
  [/^(core\.pager|pager\..+)$/i, new Set(PAGED_SUBS)],
  [/^(core\.editor|sequence\.editor)$/i, new Set(['commit', 'rebase', 'merge', 'tag', 'notes', 'am', 'cherry-pick', 'revert', 'config', 'add', 'stash', 'var'])],
  [/^core\.fsmonitor$/i, new Set(INDEX_SUBS)],
  [/^(core\.(sshcommand|askpass|gitproxy)|credential\..*|protocol\..+|url\..+|remote\..+|ssh\.variant)$/i, new Set(NETWORK_SUBS)],
  [/^gpg\..+$/i, new Set(['commit', 'tag', 'log', 'show', 'verify-commit', 'verify-tag', 'merge', 'rebase', 'cherry-pick', 'am', 'push'])],
  [/^diff\..+$/i, new Set(['diff', 'log', 'show', 'difftool', 'format-patch', 'stash', 'add', 'blame', 'grep'])],
  [/^merge\..+$/i, new Set(['merge', 'rebase', 'cherry-pick', 'revert', 'pull', 'am', 'stash', 'checkout', 'switch', 'mergetool'])],
  [/^filter\..+$/i, new Set(INDEX_SUBS)],
  [/^core\.alternaterefscommand$/i, new Set([...NETWORK_SUBS, 'receive-pack', 'upload-pack', 'repack', 'gc'])],
  [/^uploadpack\..+$/i, new Set(['upload-pack', 'fetch', 'clone', 'pull'])],
  [/^receive\..+$/i, new Set(['receive-pack', 'push'])],
  [/^init\.templatedir$/i, new Set(['init', 'clone'])],
];

/** Config that changes where or what a push sends. */
const PUSH_CONFIG = /^(remote\..+\.(url|pushurl|push|mirror)|push\..+|branch\..+\.(remote|pushremote|merge)|remote\.pushdefault|url\..+)$/i;

const GLOBAL_VALUE = ['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--super-prefix', '--config-env', '--list-cmds', '--attr-source'];
const GLOBAL_FLAGS = ['-p', '--paginate', '-P', '--no-pager', '--no-replace-objects', '--bare', '--literal-pathspecs', '--glob-pathspecs', '--noglob-pathspecs', '--icase-pathspecs', '--no-optional-locks', '--no-lazy-fetch', '--no-advice', '--html-path', '--man-path', '--info-path', '-v', '--version', '-h', '--help'];

/** Subcommands that only read (repository and work tree). */
const READ_ONLY = new Set(['status', 'diff', 'log', 'show', 'blame', 'annotate', 'rev-parse', 'ls-files', 'ls-tree', 'cat-file', 'grep', 'describe', 'shortlog', 'whatchanged', 'reflog', 'show-ref', 'for-each-ref', 'rev-list', 'name-rev', 'merge-base', 'var', 'version', 'help', 'check-ignore', 'check-attr', 'count-objects', 'diff-tree', 'diff-index', 'diff-files', 'range-diff', 'ls-remote', 'fetch', 'config', 'archive', 'format-patch', 'bugreport', 'verify-commit', 'verify-tag', 'cherry', 'show-branch', 'check-ref-format', 'check-mailmap', 'fsck', 'verify-pack', 'get-tar-commit-id']);
/** Subcommands that run repository hooks (which a hooks path would replace). */
const RUNS_HOOKS = new Set(['commit', 'merge', 'checkout', 'switch', 'rebase', 'am', 'push', 'pull', 'cherry-pick', 'revert', 'apply', 'clone', 'worktree', 'gc', 'send-email', 'receive-pack', 'hook', 'stash']);

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
  add: { values: ['--chmod', '--pathspec-from-file'], flagsLong: ['--all', '--force', '--update', '--intent-to-add', '--dry-run', '--verbose', '--interactive', '--patch', '--edit', '--refresh', '--ignore-errors', '--ignore-missing', '--renormalize', '--no-all', '--ignore-removal', '--no-ignore-removal', '--sparse', '--pathspec-file-nul'] },
  checkout: { values: ['-b', '-B', '--orphan', '--conflict', '--pathspec-from-file', '--track'], optionalValues: ['--track', '--recurse-submodules'] },
  restore: { values: ['-s', '--source', '--conflict', '--pathspec-from-file'], flagsLong: ['--staged', '--worktree', '--ours', '--theirs', '--merge', '--patch', '--quiet', '--progress', '--overlay', '--no-overlay', '--ignore-unmerged', '--ignore-skip-worktree-bits'] },
  rebase: { values: ['-x', '--exec', '--onto', '-s', '--strategy', '-X', '--strategy-option', '--empty', '-C', '--whitespace', '-S', '--gpg-sign'], optionalValues: ['-S', '--gpg-sign'] },
  difftool: { values: ['-x', '--extcmd', '-t', '--tool', '--tool-help'], optionalValues: [] },
  mergetool: { values: ['-t', '--tool'] },
  'cherry-pick': { values: ['-x', '-m', '--mainline', '-s', '--strategy', '-X', '--strategy-option', '-S', '--gpg-sign'], optionalValues: ['-S', '--gpg-sign'] },
  stash: { values: ['-m', '--message', '--pathspec-from-file'], flagsLong: ['--include-untracked', '--all', '--keep-index', '--no-keep-index', '--patch', '--staged', '--quiet', '--index'] },
  readish: {
    values: ['-n', '--max-count', '--skip', '--since', '--after', '--until', '--before', '--author', '--committer', '--grep', '-S', '-G', '--format', '--pretty', '-L', '-O', '--output', '--diff-filter', '--encoding', '--date', '--abbrev', '--color', '--word-diff', '--stat', '-U', '--unified', '--relative', '--src-prefix', '--dst-prefix', '--line-prefix', '--ignore-matching-lines', '-I', '-e', '-f', '--max-depth', '--textconv', '--filters', '--batch', '--batch-check', '--find-renames', '-M', '--find-copies', '--dirstat', '--decorate', '--exclude', '--glob', '--branches', '--tags', '--remotes', '--remote', '--prefix', '-o'],
    optionalValues: ['--pretty', '--abbrev', '--color', '--word-diff', '--stat', '--relative', '--find-renames', '-M', '--find-copies', '--dirstat', '--decorate', '--batch', '--batch-check', '--textconv', '--filters', '--branches', '--tags', '--remotes'],
  },
};

const READISH = new Set(['log', 'show', 'diff', 'blame', 'annotate', 'cat-file', 'whatchanged', 'shortlog', 'format-patch', 'archive', 'diff-tree', 'diff-index', 'diff-files', 'range-diff']);

interface GitContext {
  pushConfig: boolean;
  /** `-c core.hooksPath=…` given: its value. */
  hooksPath?: string;
  /** Config that runs a program, given on the line (`-c core.pager=sh`), checked per subcommand. */
  execConfig: string[];
}

/** `git …` */
export const GIT_MODEL = child({
  names: ['git'],
  summary: 'git: global options, -c config and -c aliases; typed pushes; what each subcommand reads (staging, hashing, showing, patch logs) and writes (checkout, restore, clone, config)',
  run(c) {
    return gitWords(c, c.args, new Map(), 0, c.cwd);
  },
  examples: [
    { line: 'git -C sub --no-pager -c color.ui=never status', actions: ['run git status'] },
    { line: "git -c alias.p='push -f' p origin x", actions: ['push origin +x:x force'] },
    { line: "git -c alias.status='push -f' status", absent: ['push origin +x:x force'], actions: ['run git status'] },
    { line: 'git -c core.hooksPath=/dev/null -c core.fsmonitor= -c core.quotepath=false status --porcelain', actions: ['run git status --porcelain'], absent: ['opaque guard-bypass', 'opaque exec-config'] },
    { line: 'git -c core.hooksPath=/dev/null push origin x', actions: ['opaque guard-bypass'] },
    { line: 'git -c core.hooksPath=/tmp/h commit -m x', actions: ['opaque guard-bypass'] },
    { line: 'git -c core.hooksPath=/dev/null commit -m x', absent: ['opaque guard-bypass'] },
    { line: 'git -c core.pager=sh log', actions: ['opaque exec-config'] },
    { line: 'git -c credential.helper= -c core.askPass= fetch origin', absent: ['opaque exec-config'] },
    { line: 'git push origin +$(git branch --show-current)', actions: ['push origin +?:? force unresolved'] },
    { line: 'git push origin "$B":main', actions: ['push origin ?:main unresolved'] },
    { line: 'git add .env', actions: ['read -r W/.env'] },
    { line: 'git add -A', actions: ['read W/.env'], world: { files: { '/home/dev/project/.env': { secret: true } } } },
    { line: 'git add -A', absent: ['read W/.env'], world: { files: { '/home/dev/project/.env': { secret: true, ignored: true } } } },
    { line: 'git hash-object -w .env', actions: ['read W/.env'] },
    { line: 'git show HEAD:.env', actions: ['read W/.env'] },
    { line: 'git log -p -- .env', actions: ['read W/.env'] },
    { line: 'git log --oneline -- .env', absent: ['read W/.env'] },
    { line: 'git diff --stat -- .env', absent: ['read W/.env'] },
    { line: 'git diff -- .env', actions: ['read W/.env'] },
    { line: 'git ls-files .env', absent: ['read W/.env'] },
    { line: 'git checkout HEAD~5 -- .agentpolicy.yaml', actions: ['write -r W/.agentpolicy.yaml'] },
    { line: 'git restore --source=HEAD~1 .claude/settings.json', actions: ['write -r W/.claude/settings.json'] },
    { line: 'git restore --staged .agentpolicy.yaml', absent: ['write -r W/.agentpolicy.yaml'] },
    { line: 'git checkout -- .', actions: ['write W', 'opaque glob'] },
    { line: 'git stash pop', actions: ['opaque glob'] },
    { line: "git submodule foreach 'rm -rf ~'", actions: ['delete -r ~'] },
  ],
});

function gitWords(c: ProgramContext, args: readonly Word[], aliases: Map<string, string>, aliasDepth: number, startCwd: string | undefined): Stream | void {
  let cwd = startCwd;
  const g: GitContext = { pushConfig: false, execConfig: [] };
  let i = 0;
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
      else if (long === '-c') gitConfigOption(c, value, aliases, g);
      else if (long === '--config-env') c.opaque('exec-config', 'git --config-env takes config from the environment');
      else if (long === '--exec-path') c.opaque('exec-config', 'git --exec-path changes which programs git runs');
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
    c.argv = ['git', '\u0000' + subWord.text, ...args.slice(i + 1).map(tok)];
    return;
  }
  const sub = subWord.text;
  const rest = args.slice(i + 1);
  if (!GIT_BUILTINS.has(sub)) {
    const alias = aliases.get(sub.toLowerCase());
    if (alias === undefined) {
      c.opaque('git-alias', `git ${sub} is not a built-in git command: it may be an alias or a program from git config`);
      c.argv = ['git', sub, ...rest.map(tok)];
      return;
    }
    if (aliasDepth > 8) {
      c.opaque('too-complex', 'git aliases nest too deeply');
      return;
    }
    if (alias.startsWith('!')) {
      // A shell alias: git runs it with `sh -c`, arguments appended.
      c.transparent = true;
      return c.code([alias.slice(1), ...rest.map((w) => shellQuote(w.text))].join(' '), rest.every((w) => w.exact), new Set(), `git alias ${sub}`, { cwd });
    }
    return gitWords(c, [...splitWords(alias), ...rest], aliases, aliasDepth + 1, cwd);
  }
  // Config given on the line that runs a program: for this subcommand.
  if (g.hooksPath !== undefined) {
    // Switching hooks off (/dev/null, empty) matters only where the guard relies on a hook (push);
    // pointing them at another folder runs that folder's programs in place of the repository's.
    if (sub === 'push') c.opaque('guard-bypass', 'git -c core.hooksPath replaces the pre-push hook the guard relies on');
    else if (RUNS_HOOKS.has(sub) && !/^(|\/dev\/null)$/.test(g.hooksPath)) c.opaque('guard-bypass', `git -c core.hooksPath=${g.hooksPath} replaces the repository's hooks with another folder's programs`);
  }
  for (const key of g.execConfig) {
    const users = CONFIG_USERS.find(([re]) => re.test(key))?.[1] ?? 'all';
    if (users === 'all' || users.has(sub)) c.opaque('exec-config', `git -c ${key} makes git ${sub} run another program`);
  }
  return subcommand(c, sub, rest, cwd, g);
}

function gitConfigOption(c: ProgramContext, value: Word, aliases: Map<string, string>, g: GitContext): void {
  if (!value.exact) {
    c.opaque('exec-config', `git -c ${value.source}: config is only known when the line runs`);
    return;
  }
  const m = /^([^=]+)(?:=(.*))?$/s.exec(value.text);
  if (!m) return;
  const key = m[1];
  const v = m[2];
  if (/^alias\./i.test(key)) aliases.set(key.slice(6).toLowerCase(), v ?? '');
  else if (/^core\.hookspath$/i.test(key)) g.hooksPath = v ?? '';
  else if (EXEC_CONFIG.test(key)) {
    // An empty value (or `false`) switches the program off (agents' hardened calls do this).
    const off = v === undefined || v === '' || /^(false|0|no|off|never)$/i.test(v);
    const builtinMonitor = /^core\.fsmonitor$/i.test(key) && /^(true|1|yes|on)$/i.test(v ?? '');
    if (!off && !builtinMonitor) g.execConfig.push(key);
  }
  if (PUSH_CONFIG.test(key)) g.pushConfig = true;
}

function tok(w: Word): string {
  return w.exact ? w.text : '\u0000' + w.text;
}

/** Does this log/show/diff print file content (a patch, a blob), not only names and counts? */
function printsContent(sub: string, p: ParsedOptions): boolean {
  const has = (...o: string[]) => o.some((x) => p.has(x));
  const metadata = has('--stat', '--numstat', '--shortstat', '--name-only', '--name-status', '--dirstat', '--summary', '--raw', '--quiet', '--no-patch', '-s', '--check', '--compact-summary');
  const patch = has('-p', '-u', '--patch', '-U', '--unified', '--word-diff', '--word-diff-regex', '--color-words', '--full-diff', '--cc', '-c', '--patch-with-stat', '--patch-with-raw', '-L', '--binary');
  switch (sub) {
    case 'log':
    case 'whatchanged':
    case 'shortlog':
    case 'diff-tree':
      return patch;
    case 'show':
    case 'diff':
    case 'diff-index':
    case 'diff-files':
    case 'range-diff':
      return patch || !metadata;
    case 'cat-file':
      return !has('-t', '-s', '-e') || has('-p', '--batch', '--textconv', '--filters');
    default:
      return true; // blame, annotate, grep, archive, format-patch
  }
}

function subcommand(c: ProgramContext, sub: string, rest: readonly Word[], cwd: string | undefined, g: GitContext): Stream | void {
  const spec = SUB_SPECS[sub] ?? (READISH.has(sub) ? SUB_SPECS.readish : {});
  const parsed = parseOptions(rest, spec);
  c.argv = ['git', sub, ...parsed.flags, ...parsed.operands.map(tok)];
  const abs = (w: Word, base: string | undefined, p = w.text): Word => {
    if (!w.exact || p.startsWith('/')) return { ...w, text: p };
    if (base === undefined) return { ...w, exact: false, text: p, prefix: '', suffix: '' };
    return { ...w, text: path.posix.resolve(base, p) };
  };
  const root = repoRoot(c, cwd);
  const rootWord = c.word(root ?? cwd ?? '.');
  if (root !== undefined && !READ_ONLY.has(sub) && root !== c.workspace && !root.startsWith(c.workspace + '/')) {
    // A repository outside the workspace: what git changes there is a write outside it.
    c.write(c.word(root), `git ${sub} in ${root}`);
  }
  if (sub === 'branch' && ['-l', '--list', '-a', '--all', '-r', '--remotes', '--contains', '--no-contains', '--merged', '--no-merged', '--points-at', '--show-current', '-v', '-vv', '--verbose'].some((f) => parsed.has(f)) && !['-d', '-D', '--delete', '-m', '-M', '--move', '-c', '-C', '--copy', '-f', '--force', '-u', '--set-upstream-to', '--unset-upstream', '--edit-description'].some((f) => parsed.has(f))) {
    // Listing: the operands are patterns, not branches to create.
    c.argv = ['git', 'branch', '--list'];
  }
  const pathspecs = (): Word[] => {
    const dd = rest.findIndex((w) => w.text === '--');
    return dd >= 0 ? rest.slice(dd + 1) : parsed.operands;
  };
  switch (sub) {
    case 'push':
      return push(c, parsed, g);
    case 'fetch':
    case 'pull':
    case 'clone':
    case 'ls-remote':
    case 'remote':
    case 'submodule': {
      const verb = parsed.operands[0]?.text ?? '';
      if (sub === 'remote' && !['update', 'prune', 'show', 'set-head'].includes(verb)) {
        if (parsed.operands.length > 1) c.write(abs(parsed.operands[0], root, '.git/config'), 'git remote');
        return;
      }
      if (sub === 'submodule' && verb === 'foreach') {
        const code = parsed.operands.slice(1).filter((w) => !w.text.startsWith('--'));
        if (code.length) c.code(code.map((w) => w.text).join(' '), code.every((w) => w.exact), new Set(), 'git submodule foreach', { cwd: undefined });
        return;
      }
      if (sub === 'submodule' && !['update', 'add', 'sync', 'init'].includes(verb)) return;
      const url = parsed.operands.find((w) => /:\/\/|^[^/]+@[^/]+:|^[^/]+:[^/]/.test(w.text));
      c.network(url ? hostFromRemote(url.text) : '*', `git ${sub}`);
      if (sub === 'clone') {
        const dest = parsed.operands[1];
        if (dest) c.write(abs(dest, cwd), 'git clone', true);
      }
      if (sub === 'pull') c.mayWriteUnder(rootWord, 'git pull');
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
      const content = printsContent(sub, parsed);
      let patternSkipped = sub !== 'grep' || parsed.has('-e') || parsed.has('-f');
      for (const w of parsed.operands) {
        if (!patternSkipped) {
          patternSkipped = true;
          continue;
        }
        const colon = w.text.indexOf(':');
        if (colon >= 0 && !w.text.startsWith('/')) {
          // REV:path (relative to the top of the repository) or :path / :N:path (the index): its content,
          // unless only its type or size is asked (`cat-file -t/-s/-e`).
          if (sub === 'cat-file' && !content) continue;
          let p = w.text.slice(colon + 1).replace(/^\d:/, '');
          if (p === '') continue;
          const base = p.startsWith('./') || p.startsWith('../') ? cwd : root;
          if (p.startsWith('./')) p = p.slice(2);
          c.read(abs(w, base, p), `git ${sub} REV:path`);
        } else if (content) {
          c.read(abs(w, cwd), `git ${sub}`);
        }
      }
      for (const l of parsed.values('-L')) {
        const m = /:([^:]+)$/.exec(l.text);
        if (m) c.read(abs(l, cwd, m[1]), `git ${sub} -L`);
      }
      for (const o of [...parsed.values('--output'), ...parsed.values('-o')]) c.write(abs(o, cwd), `git ${sub} --output`);
      if (parsed.has('--textconv') || parsed.has('--ext-diff') || parsed.has('--filters')) c.opaque('exec-config', `git ${sub} --textconv/--ext-diff runs configured programs`);
      if (sub === 'archive' && parsed.has('--remote')) c.network('*', 'git archive --remote');
      return;
    }
    case 'add':
    case 'stage': {
      // Staging copies content into the object store (`git show :path` then prints it).
      const force = parsed.has('-f') || parsed.has('--force');
      const specs = pathspecs();
      const all = parsed.has('-A') || parsed.has('--all') || parsed.has('--no-ignore-removal');
      if (parsed.has('--pathspec-from-file')) c.opaque('glob', 'git add --pathspec-from-file stages files listed in another file');
      if (parsed.has('-u') || parsed.has('--update')) return; // tracked files only
      const targets = specs.length ? specs.map((w) => abs(w, cwd)) : all ? [rootWord] : [];
      for (const t of targets) c.readTree(t, { hidden: true, ignored: force }, force ? 'git add -f' : 'git add');
      return;
    }
    case 'hash-object': {
      if (parsed.has('--stdin-paths')) c.opaque('glob', 'git hash-object --stdin-paths hashes files named on standard input');
      for (const w of parsed.operands) c.read(abs(w, cwd), 'git hash-object');
      return;
    }
    case 'update-index': {
      const add = parsed.has('--add') || parsed.operands.length > 0;
      if (add && !parsed.has('--cacheinfo') && !parsed.has('--index-info')) for (const w of parsed.operands) c.read(abs(w, cwd), 'git update-index');
      return;
    }
    case 'commit': {
      for (const f of [...parsed.values('-F'), ...parsed.values('--file'), ...parsed.values('-t'), ...parsed.values('--template')]) {
        if (f.text !== '-') c.read(abs(f, cwd), 'git commit -F');
      }
      // `git commit PATHS` stages them first.
      for (const w of pathspecs()) c.readTree(abs(w, cwd), { hidden: true, ignored: false }, 'git commit (stages)');
      return;
    }
    case 'checkout':
    case 'restore':
    case 'switch':
    case 'reset':
    case 'stash':
    case 'merge':
    case 'rebase':
    case 'cherry-pick':
    case 'revert':
    case 'am':
    case 'apply':
    case 'read-tree':
    case 'checkout-index':
    case 'sparse-checkout':
    case 'worktree':
      return worktreeWrites(c, sub, parsed, rest, cwd, rootWord, abs);
    case 'rm': {
      const recursive = parsed.has('-r');
      const cached = parsed.has('--cached');
      c.argv = ['git', 'rm', ...(recursive ? ['-r'] : []), ...parsed.flags.filter((f) => f !== '-r'), ...parsed.operands.map(tok)];
      if (!cached) for (const w of parsed.operands) c.delete(abs(w, cwd), recursive, 'git rm');
      return;
    }
    case 'mv': {
      for (const w of parsed.operands) c.write(abs(w, cwd), 'git mv', true);
      return;
    }
    case 'clean': {
      // Untracked files go: named ones are deletes (folders with -d); the rest is judged by its words.
      if (parsed.has('-n') || parsed.has('--dry-run')) return;
      for (const w of pathspecs()) c.delete(abs(w, cwd), parsed.has('-d'), 'git clean');
      return;
    }
    case 'config':
      return config(c, parsed, root);
    case 'init': {
      const d = parsed.operands[0];
      const aw = abs(d ?? c.word('.'), cwd);
      c.write({ ...aw, text: path.posix.join(aw.text, '.git') }, 'git init', true);
      if (parsed.has('--template') || rest.some((w) => w.text.startsWith('--template'))) c.opaque('exec-config', 'git init --template installs hooks from elsewhere');
      return;
    }
    case 'hook':
      c.opaque('script', 'git hook runs a repository hook');
      return;
    case 'difftool':
    case 'mergetool':
      for (const w of [...parsed.values('-x'), ...parsed.values('--extcmd')]) c.code(w.text, w.exact, w.taints, `git ${sub} -x`);
      if (rest.some((w) => /^(-x|--extcmd)/.test(w.text))) c.opaque('exec-config', `git ${sub} runs an external program`);
      return;
    case 'bisect': {
      // `git bisect run CMD ARGS…`: the words after `run`, as written, are the command.
      const at = rest.findIndex((w) => w.text === 'run');
      if (at >= 0 && rest[at + 1]) c.child(rest.slice(at + 1));
      c.mayWriteUnder(rootWord, 'git bisect');
      return;
    }
    case 'filter-branch':
    case 'filter-repo':
      c.opaque('dynamic-code', `git ${sub} runs shell commands given on the line`);
      return;
    case 'send-email':
    case 'request-pull':
    case 'imap-send':
      c.network('*', `git ${sub}`);
      return;
    default:
      return;
  }
}

/** Subcommands that rewrite work-tree files: named paths are written; otherwise files not known under the repository. */
function worktreeWrites(c: ProgramContext, sub: string, parsed: ParsedOptions, rest: readonly Word[], cwd: string | undefined, rootWord: Word, abs: (w: Word, base: string | undefined, p?: string) => Word): void {
  const dd = rest.findIndex((w) => w.text === '--');
  const afterDashes = dd >= 0 ? rest.slice(dd + 1) : undefined;
  if (sub === 'rebase' || sub === 'cherry-pick' || sub === 'revert' || sub === 'am' || sub === 'merge') {
    for (const w of [...parsed.values('-x'), ...parsed.values('--exec')]) c.code(w.text, w.exact, w.taints, `git ${sub} --exec`);
    if (rest.some((w) => /^(-x|--exec)(=|$)/.test(w.text))) c.opaque('dynamic-code', `git ${sub} runs shell commands given on the line`);
    if (sub === 'am') for (const w of parsed.operands) c.read(abs(w, cwd), 'git am');
    c.mayWriteUnder(rootWord, `git ${sub}`);
    return;
  }
  if (sub === 'apply') {
    for (const w of parsed.operands) c.read(abs(w, cwd), 'git apply');
    if (!parsed.has('--cached') && !parsed.has('--check') && !parsed.has('--stat') && !parsed.has('--numstat')) c.mayWriteUnder(rootWord, 'git apply');
    return;
  }
  if (sub === 'restore') {
    const staged = parsed.has('-S') || parsed.has('--staged');
    const worktree = parsed.has('-W') || parsed.has('--worktree') || !staged;
    if (!worktree) return;
    for (const w of afterDashes ?? parsed.operands) c.write(abs(w, cwd), 'git restore', true);
    return;
  }
  if (sub === 'stash') {
    const verb = parsed.operands[0]?.text ?? 'push';
    if (['list', 'show'].includes(verb)) {
      if (verb === 'show' && (parsed.has('-p') || parsed.has('--patch'))) c.opaque('glob', 'git stash show -p prints stashed changes');
      return;
    }
    if (['drop', 'clear', 'create', 'store'].includes(verb)) return;
    if (parsed.has('-u') || parsed.has('--include-untracked') || parsed.has('-a') || parsed.has('--all')) c.readTree(rootWord, { hidden: true, ignored: parsed.has('-a') || parsed.has('--all') }, 'git stash -u');
    c.mayWriteUnder(rootWord, `git stash ${verb}`);
    return;
  }
  if (sub === 'reset') {
    if (parsed.has('--hard') || parsed.has('--merge') || parsed.has('--keep')) {
      const specs = afterDashes ?? [];
      if (specs.length) for (const w of specs) c.write(abs(w, cwd), 'git reset', true);
      else c.mayWriteUnder(rootWord, 'git reset --hard');
    }
    return;
  }
  if (sub === 'checkout') {
    // `checkout [REV] -- PATHS` writes the paths; `checkout BRANCH` rewrites what differs.
    if (afterDashes) {
      for (const w of afterDashes) {
        if (w.exact && (w.text === '.' || w.text === './')) c.mayWriteUnder(abs(w, cwd), 'git checkout -- .');
        else c.write(abs(w, cwd), 'git checkout --', true);
      }
      return;
    }
    if (parsed.has('-b') || parsed.has('-B') || parsed.has('--orphan')) {
      if (parsed.operands.length === 0) return;
    }
    const ops = parsed.operands;
    if (ops.length > 1) for (const w of ops.slice(1)) c.write(abs(w, cwd), 'git checkout REV PATH', true);
    else if (ops[0] && (ops[0].text.includes('/') || /\.[A-Za-z0-9]+$/.test(ops[0].text) || c.exists(abs(ops[0], cwd)) === true)) c.write(abs(ops[0], cwd), 'git checkout PATH', true);
    c.mayWriteUnder(rootWord, 'git checkout');
    return;
  }
  if (sub === 'switch' && (parsed.has('-c') || parsed.has('-C') || parsed.has('--create')) && parsed.operands.length <= 1) return;
  if (sub === 'sparse-checkout' && ['list'].includes(parsed.operands[0]?.text ?? '')) return;
  if (sub === 'worktree') {
    const verb = parsed.operands[0]?.text ?? '';
    if (verb === 'add' && parsed.operands[1]) c.write(abs(parsed.operands[1], cwd), 'git worktree add', true);
    if (verb === 'remove' && parsed.operands[1]) c.delete(abs(parsed.operands[1], cwd), true, 'git worktree remove');
    return;
  }
  c.mayWriteUnder(rootWord, `git ${sub}`);
}

function repoRoot(c: ProgramContext, cwd: string | undefined): string | undefined {
  if (cwd === undefined) return undefined;
  const ws = c.workspace;
  if (cwd === ws || cwd.startsWith(ws + '/')) return ws;
  return cwd;
}

function push(c: ProgramContext, parsed: ParsedOptions, g: GitContext): void {
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
      // A computed refspec: what is literal around the unknown part still decides.
      unresolved = true;
      const plus = (w.prefix ?? '').startsWith('+');
      const suffix = w.suffix ?? '';
      const colon = suffix.lastIndexOf(':');
      const dst = colon >= 0 && suffix.slice(colon + 1) !== '' ? shortRef(suffix.slice(colon + 1)) : undefined;
      refs.push({ src: '?', dst, force: force || plus, delete: del });
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
  const action: Omit<GitPushAction, 'command'> = {
    kind: 'git.push',
    remote,
    url: remote && /[:/]/.test(remote) ? remote : undefined,
    refs,
    force: force || refs.some((r) => r.force),
    delete: del || refs.some((r) => r.delete),
    allBranches,
    unresolved,
    noVerify: has('--no-verify'),
  };
  if (action.noVerify) c.opaque('guard-bypass', 'git push --no-verify skips the pre-push hook the guard relies on');
  for (const o of ['--receive-pack', '--exec']) if (has(o)) c.opaque('exec-config', `git push ${o} runs a program on the remote`);
  c.push(action);
}

/** A branch name as git resolves it on push: `refs/heads/x` and `heads/x` are x. */
function shortRef(r: string): string {
  return r.replace(/^(refs\/)?heads\//, '');
}

function hostFromRemote(u: string): string {
  const m = /^[a-z+]+:\/\/(?:[^@/]*@)?([^:/]+)/i.exec(u) ?? /^(?:[^@]+@)?([^:/]+):/.exec(u);
  return m ? m[1].toLowerCase() : '*';
}

function config(c: ProgramContext, parsed: ParsedOptions, root: string | undefined): void {
  const ops = parsed.operands.map((w) => w.text);
  const flags = parsed.flags;
  const readOnly = ['--get', '--get-all', '--get-regexp', '--get-urlmatch', '--list', '-l', '--get-color', '--get-colorbool', '--show-origin', '--show-scope', '--name-only'];
  const subVerb = ['get', 'list'].includes(ops[0] ?? '');
  const writes = !subVerb && !flags.some((f) => readOnly.includes(f)) && (ops.length >= 2 || flags.some((f) => /^--(unset|unset-all|add|replace-all|rename-section|remove-section|edit)$|^-e$/.test(f)) || ['set', 'unset', 'rename-section', 'remove-section', 'edit'].includes(ops[0] ?? ''));
  if (!writes) return;
  const file = parsed.value('-f') ?? parsed.value('--file');
  let target: string | undefined;
  if (flags.includes('--global')) target = path.posix.join(c.home, '.gitconfig');
  else if (flags.includes('--system')) target = '/etc/gitconfig';
  else if (file) target = file.exact ? path.posix.resolve(c.cwd ?? '/', file.text) : undefined;
  else if (root) target = path.posix.join(root, '.git', 'config');
  c.write(target !== undefined ? c.word(target) : { text: '(git config file)', exact: false, glob: false, taints: new Set(), source: 'git config', prefix: '', suffix: '' }, 'git config');
  const key = ['set', 'unset'].includes(ops[0] ?? '') ? ops[1] : ops[0];
  // (core.hooksPath in a config file is not a bypass: the guard's own setting comes from the environment, which wins.)
  if (key && EXEC_CONFIG.test(key)) c.opaque('exec-config', `git config ${key} makes git run another program`);
}

export const GIT: readonly ProgramModel[] = [GIT_MODEL];
