/**
 * Text tools: readers and filters (each with its own option spec, so a flag is never mistaken for
 * an option that swallows the file after it), recursive searchers (which read every secret file
 * the walk reaches), stream editors, JSON/YAML processors, encoders and decoders, differs.
 */
import type { TreeWalk } from '../facts';
import type { OptionSpec, ParsedOptions } from '../options';
import { compileGlob } from '../../policy/glob';
import type { Word } from '../words';
import { child, type Example, type ProgramContext, type ProgramModel } from './model';
import { patternHitsGuard } from './processes';
import { guardSettingsEdit, markAgentSettings } from './util';

interface ReaderOptions {
  summary: string;
  examples: readonly Example[];
  /** Options whose value is a file it reads. */
  fileValues?: string[];
  /** Options whose value is a file it writes. */
  writeValues?: string[];
  /** Options that make it run another program. */
  execValues?: string[];
  /** Its output is a decoding of its input (a payload run as code is then "decoded"). */
  decodes?: (p: ParsedOptions) => boolean;
  /** The operand that is a pattern or program, not a file (grep's first). */
  patternFirst?: (p: ParsedOptions) => boolean;
  /** `[INPUT [OUTPUT]]`: the operand at this index (and after) is written, not read. */
  outputOperand?: number;
  /** Options whose value is a file listing more files to read (not known statically). */
  listValues?: string[];
}

/** A program that reads the files named by its operands (`-` is standard input). */
function reader(names: string[], spec: OptionSpec, o: ReaderOptions): ProgramModel {
  return child({
    names,
    summary: o.summary,
    examples: o.examples,
    run(c) {
      const p = c.options(spec);
      let ops = p.operands;
      if (o.patternFirst?.(p) && ops.length) ops = ops.slice(1);
      for (const opt of o.fileValues ?? []) for (const w of p.values(opt)) c.read(w, `${c.name} ${opt}`);
      for (const opt of o.writeValues ?? []) for (const w of p.values(opt)) if (w.text !== '-') c.write(w, `${c.name} ${opt}`);
      for (const opt of o.execValues ?? []) if (p.has(opt)) c.opaque('exec-config', `${c.name} ${opt} runs another program`);
      for (const opt of o.listValues ?? []) if (p.has(opt)) c.opaque('glob', `${c.name} ${opt} reads the files another file lists`);
      ops.forEach((w, k) => {
        if (w.text === '-') return;
        if (o.outputOperand !== undefined && k >= o.outputOperand) c.write(w, `${c.name} (output file)`);
        else c.read(w);
      });
      if (o.decodes?.(p)) c.out.taints.add('decode');
      if (ops.length) c.out.passthrough = false;
    },
  });
}

const cat = child({
  names: ['cat'],
  summary: 'prints files (or passes standard input through)',
  run(c) {
    const p = c.options({ flags: ['-A', '-b', '-e', '-E', '-n', '-s', '-t', '-T', '-u', '-v', '--show-all', '--number-nonblank', '--show-ends', '--number', '--squeeze-blank', '--show-tabs', '--show-nonprinting'] });
    for (const w of p.operands) if (w.text !== '-') c.read(w);
    if (p.operands.length === 0) c.out.literal = c.stdin.literal;
    else c.out.passthrough = false;
  },
  examples: [
    { line: 'cat .env', actions: ['read W/.env'] },
    { line: 'cat -- -v .env', actions: ['read W/-v', 'read W/.env'] },
    { line: "echo 'rm -rf ~' | cat | sh", actions: ['delete -r ~'] },
  ],
});

const readers = [
  reader(['tac'], { values: ['-s', '--separator'], flags: ['-b', '-r', '--before', '--regex'] }, { summary: 'prints files last line first', examples: [{ line: 'tac .env', actions: ['read W/.env'] }] }),
  reader(['less', 'more', 'most', 'pg'], { values: ['-b', '-h', '-j', '-k', '-p', '-P', '-t', '-T', '-x', '-y', '-z', '-#', '--pattern', '--prompt', '--tag', '--tag-file', '--tabs', '--shift', '-o', '-O', '--log-file', '--LOG-FILE'] }, { summary: 'pagers: print files; -o writes a log', writeValues: ['-o', '-O', '--log-file', '--LOG-FILE'], examples: [{ line: 'less .env', actions: ['read W/.env'] }] }),
  reader(['bat', 'batcat'], { values: ['-l', '--language', '-H', '--highlight-line', '--file-name', '--diff-context', '--tabs', '--wrap', '--terminal-width', '--color', '--italic-text', '--decorations', '--paging', '-m', '--map-syntax', '--theme', '--style', '-r', '--line-range', '--squeeze-limit', '--pager'] }, { summary: 'prints files with highlighting; --pager runs a program', execValues: ['--pager'], examples: [{ line: 'bat -l sh .env', actions: ['read W/.env'] }] }),
  reader(['wc'], { values: ['--files0-from'] }, { summary: 'counts lines, words and bytes of files', fileValues: ['--files0-from'], listValues: ['--files0-from'], examples: [{ line: 'wc -l package.json', actions: ['read W/package.json'] }] }),
  reader(['md5sum', 'sha1sum', 'sha224sum', 'sha256sum', 'sha384sum', 'sha512sum', 'b2sum', 'cksum', 'sum', 'shasum'], { values: ['-a', '--algorithm', '-l', '--length'] }, { summary: 'checksums of files', examples: [{ line: 'sha256sum id_rsa', actions: ['read W/id_rsa'] }] }),
  reader(['head', 'tail'], { values: ['-n', '-c', '--lines', '--bytes', '--pid', '-s', '--sleep-interval', '--max-unchanged-stats'] }, { summary: 'print the start or end of files', examples: [{ line: 'head -n1 .env', actions: ['read W/.env'] }, { line: 'tail -f -n 20 logs/app.log', actions: ['read W/logs/app.log'] }] }),
  reader(['nl'], { values: ['-b', '-d', '-f', '-h', '-i', '-l', '-n', '-s', '-v', '-w'] }, { summary: 'numbers lines of files', examples: [{ line: 'nl -b a .env', actions: ['read W/.env'] }] }),
  reader(['strings'], { values: ['-n', '-t', '-e', '-s', '-T', '--bytes', '--radix', '--encoding', '--output-separator', '--target'] }, { summary: 'prints the text in files', examples: [{ line: 'strings -n 8 key.pem', actions: ['read W/key.pem'] }] }),
  reader(['fold', 'fmt'], { values: ['-w', '--width', '-p', '--prefix', '-g', '--goal'] }, { summary: 're-wrap lines of files', examples: [{ line: 'fold -w 40 .env', actions: ['read W/.env'] }] }),
  reader(['column'], { values: ['-s', '-c', '-o', '-N', '-R', '-H', '-E', '-W', '-n', '-l', '--table-columns', '--separator', '--output-separator', '--output-width', '--table-name'] }, { summary: 'formats files into columns', examples: [{ line: 'column -t -s= .env', actions: ['read W/.env'] }] }),
  reader(['pr'], { values: ['-h', '--header', '-l', '--length', '-w', '--width', '-W', '--page-width', '-o', '--indent', '-N', '--first-line-number', '-e', '-i', '-S'], optionalValues: ['-s', '-n'] }, { summary: 'paginates files', examples: [{ line: 'pr -h x .env', actions: ['read W/.env'] }] }),
  reader(['expand', 'unexpand'], { values: ['-t', '--tabs'] }, { summary: 'converts tabs in files', examples: [{ line: 'expand -t 4 .env', actions: ['read W/.env'] }] }),
  reader(['rev'], {}, { summary: 'reverses lines of files (a reversal decodes a payload)', decodes: () => true, examples: [{ line: 'rev .env', actions: ['read W/.env'] }] }),
  reader(['od'], { values: ['-A', '--address-radix', '-j', '--skip-bytes', '-N', '--read-bytes', '-S', '--strings', '-t', '--format', '--endian'], optionalValues: ['-w', '--width'] }, { summary: 'dumps files in octal and other formats', examples: [{ line: 'od -c .env', actions: ['read W/.env'] }] }),
  reader(['hexdump', 'hd'], { values: ['-e', '-f', '-n', '-s', '--format', '--format-file', '--length', '--skip'] }, { summary: 'dumps files in hex (-C is a flag)', fileValues: ['-f', '--format-file'], examples: [{ line: 'hexdump -C .env', actions: ['read W/.env'] }] }),
  reader(['xxd'], { values: ['-c', '-g', '-l', '-s', '-o', '-n', '-cols', '-groupsize', '-len', '-seek', '-name'] }, { summary: 'hex dumps; `xxd IN OUT` writes OUT; -r reverts (decodes)', outputOperand: 1, decodes: (p) => p.has('-r') || p.has('-revert'), examples: [{ line: 'xxd .env', actions: ['read W/.env'] }, { line: 'xxd -r -p hex.txt .agentpolicy.yaml', actions: ['write W/.agentpolicy.yaml'] }] }),
  reader(['iconv'], { values: ['-f', '--from-code', '-t', '--to-code', '-o', '--output'] }, { summary: 'converts character sets; -o writes', writeValues: ['-o', '--output'], examples: [{ line: 'iconv -f utf8 -t ascii .env', actions: ['read W/.env'] }] }),
  reader(['uniq'], { values: ['-f', '--skip-fields', '-s', '--skip-chars', '-w', '--check-chars'], optionalValues: ['--all-repeated', '--group'] }, { summary: 'filters repeated lines: `uniq [INPUT [OUTPUT]]` writes OUTPUT', outputOperand: 1, examples: [{ line: 'uniq -c .env', actions: ['read W/.env'] }, { line: 'uniq notes.txt .agentpolicy.yaml', actions: ['write W/.agentpolicy.yaml'] }] }),
  reader(['cut'], { values: ['-b', '--bytes', '-c', '--characters', '-f', '--fields', '-d', '--delimiter', '--output-delimiter'] }, { summary: 'prints selected parts of lines', examples: [{ line: 'cut -d= -f2 .env', actions: ['read W/.env'] }] }),
  reader(['paste'], { values: ['-d', '--delimiters'] }, { summary: 'merges lines of files', examples: [{ line: 'paste -s .env', actions: ['read W/.env'] }] }),
  reader(['join'], { values: ['-1', '-2', '-a', '-e', '-j', '-o', '-t', '-v'] }, { summary: 'joins lines of two files', examples: [{ line: 'join -t= .env a.txt', actions: ['read W/.env'] }] }),
  reader(['comm'], { values: ['--output-delimiter'] }, { summary: 'compares sorted files', examples: [{ line: 'comm -3 .env a.txt', actions: ['read W/.env'] }] }),
  reader(['cmp'], { values: ['-i', '--ignore-initial', '-n', '--bytes'] }, { summary: 'compares files byte by byte (-b/-l print the bytes)', examples: [{ line: 'cmp -s .env x', actions: ['read W/.env'] }, { line: 'cmp -l .env /dev/zero', actions: ['read W/.env'] }] }),
  reader(['look'], { values: ['-t', '--terminate'] }, { summary: 'prints lines of a file starting with a string', patternFirst: () => true, examples: [{ line: 'look API .env', actions: ['read W/.env'] }] }),
  reader(['tsort', 'shuf', 'ptx'], { values: ['-n', '--head-count', '-i', '--input-range', '--random-source', '-o', '--output'] }, { summary: 'reorder lines of files; shuf -o writes', writeValues: ['-o', '--output'], fileValues: ['--random-source'], examples: [{ line: 'shuf .env', actions: ['read W/.env'] }, { line: 'shuf -o .agentpolicy.yaml notes.txt', actions: ['write W/.agentpolicy.yaml'] }] }),
  reader(['xmllint', 'csvlook', 'csvcut', 'csvgrep', 'csvstat', 'csvjson', 'in2csv', 'mlr', 'xsv', 'tomlq'], { values: ['--output', '-o', '--xpath', '--schema', '--relaxng', '--dtdvalid', '-c', '--columns', '-m', '--match', '-d', '--delimiter'] }, { summary: 'structured-text readers; --output writes', writeValues: ['--output'], fileValues: ['--schema', '--relaxng', '--dtdvalid'], examples: [{ line: 'xmllint --format a.xml --output .agentpolicy.yaml', actions: ['write W/.agentpolicy.yaml'] }] }),
  reader(['base64', 'base32', 'basenc'], { values: ['-w', '--wrap'] }, { summary: 'encode or decode (-d) files', decodes: (p) => p.has('-d') || p.has('--decode') || p.has('-D'), examples: [{ line: 'base64 .env', actions: ['read W/.env'] }, { line: 'echo cm0gLXJmIH4K | base64 -d | sh', actions: ['opaque decoded-code'] }] }),
  reader(['uudecode'], { values: ['-o', '--output-file'] }, { summary: 'decodes; -o writes', writeValues: ['-o', '--output-file'], decodes: () => true, examples: [{ line: 'uudecode -o .agentpolicy.yaml x.uu', actions: ['write W/.agentpolicy.yaml'] }] }),
  reader(['uuencode'], {}, { summary: 'encodes a file (the last operand is its name, not a file)', examples: [{ line: 'uuencode .env x', actions: ['read W/.env'] }] }),
  reader(['file'], { values: ['-m', '--magic-file', '-f', '--files-from', '-F', '--separator', '-e', '--exclude', '-P', '--parameter'] }, { summary: 'reads files to tell their type; -f reads a list of files to look at', fileValues: ['-f', '--files-from', '-m', '--magic-file'], listValues: ['-f', '--files-from'], examples: [{ line: 'file id_rsa', actions: ['read W/id_rsa'] }, { line: 'file -f list.txt', actions: ['opaque glob'] }] }),
];

const tr = child({
  names: ['tr'],
  summary: 'translates standard input (its operands are character sets; a translation can decode)',
  run(c) {
    c.out.taints.add('decode');
  },
  examples: [{ line: "echo 'eq -es ~' | tr a-z b-za | sh", actions: ['opaque decoded-code'] }],
});

const sort = child({
  names: ['sort'],
  summary: 'sorts files; -o writes; --compress-program runs a program; --files0-from reads a list of files',
  run(c) {
    const p = c.options({ values: ['-k', '--key', '-t', '--field-separator', '-T', '--temporary-directory', '-S', '--buffer-size', '--parallel', '--batch-size', '--compress-program', '--files0-from', '-o', '--output', '--random-source', '--sort'] });
    for (const w of [...p.values('-o'), ...p.values('--output')]) c.write(w, 'sort -o');
    for (const w of [...p.values('--files0-from'), ...p.values('--random-source')]) c.read(w, 'sort');
    if (p.has('--files0-from')) c.opaque('glob', 'sort --files0-from reads files listed in another file');
    if (p.has('--compress-program')) c.opaque('exec-config', 'sort --compress-program runs a program');
    for (const w of p.operands) if (w.text !== '-') c.read(w);
    if (p.operands.length) c.out.passthrough = false;
  },
  examples: [
    { line: 'sort -o out.txt .env', actions: ['read W/.env', 'write W/out.txt'] },
    { line: 'sort -o .agentpolicy.yaml a.txt', actions: ['write W/.agentpolicy.yaml'] },
    { line: 'sort -rn names.txt', actions: ['read W/names.txt'] },
  ],
});

/** GNU diff's options with values (all others are flags). */
const DIFF_VALUES = ['-C', '--context', '-U', '--unified', '-D', '--ifdef', '-F', '--show-function-line', '-I', '--ignore-matching-lines', '-x', '--exclude', '-X', '--exclude-from', '-S', '--starting-file', '-L', '--label', '-W', '--width', '--tabsize', '--horizontal-lines', '--line-format', '--old-line-format', '--new-line-format', '--unchanged-line-format', '--old-group-format', '--new-group-format', '--changed-group-format', '--unchanged-group-format', '--from-file', '--to-file', '--palette', '-o', '--output'];

const diff = child({
  names: ['diff', 'colordiff', 'diff3', 'sdiff', 'wdiff', 'icdiff'],
  summary: 'compares files and prints their differing lines (their content); -r walks folders; sdiff -o writes',
  run(c) {
    const p = c.options({ values: DIFF_VALUES, optionalValues: ['--color'] });
    const recursive = p.has('-r') || p.has('--recursive');
    for (const w of [...p.values('-X'), ...p.values('--exclude-from'), ...p.values('--from-file'), ...p.values('--to-file')]) c.read(w, c.name);
    for (const w of [...p.values('-o'), ...p.values('--output')]) if (c.name === 'sdiff') c.write(w, 'sdiff -o');
    for (const w of p.operands) {
      if (w.text === '-') continue;
      if (recursive) c.readTree(w, { hidden: true, ignored: true }, `${c.name} -r`);
      else c.read(w);
    }
    if (p.operands.length) c.out.passthrough = false;
  },
  examples: [
    { line: 'diff .env .env.example', actions: ['read W/.env'] },
    { line: 'diff -s .env x', actions: ['read W/.env'] },
    { line: 'diff -w .env /dev/null', actions: ['read W/.env'] },
    { line: 'diff -r config /tmp/old', actions: ['read W/config/.env'], world: { files: { '/home/dev/project/config/.env': { secret: true } } } },
  ],
});

/** What recursive searchers do by default, and which options change it. */
interface SearchDialect {
  names: string[];
  recursiveByDefault: boolean;
  walk: TreeWalk;
  spec: OptionSpec;
  /** Turns on recursion (grep -r). */
  recursive?: (p: ParsedOptions) => boolean;
  /** Changes the walk (rg --hidden, -u). */
  adjust?: (p: ParsedOptions, c: ProgramContext) => TreeWalk;
  /** Lists file names only, without reading them (rg --files). */
  namesOnly?: (p: ParsedOptions) => boolean;
  /** Globs that select files (basenames): include and exclude lists. */
  filters?: (p: ParsedOptions) => { include: string[]; exclude: string[]; excludeDir: string[] };
  fileValues: string[];
  execValues?: string[];
  summary: string;
  examples: readonly Example[];
}

function searcher(d: SearchDialect): ProgramModel {
  return child({
    names: d.names,
    summary: d.summary,
    examples: d.examples,
    run(c) {
      const p = c.options(d.spec);
      for (const o of d.fileValues) for (const w of p.values(o)) c.read(w, `${c.name} ${o}`);
      for (const o of d.execValues ?? []) if (p.has(o)) c.opaque('exec-config', `${c.name} ${o} runs a program on the files it searches`);
      const namesOnly = d.namesOnly?.(p) ?? false;
      dropGuardMark(c, p);
      const hasPatternOption = ['-e', '--regexp', '-f', '--file'].some((o) => p.has(o));
      let ops = p.operands;
      if (!namesOnly && !hasPatternOption && ops.length) ops = ops.slice(1);
      const recursive = d.recursiveByDefault || (d.recursive?.(p) ?? false);
      if (recursive && ops.length === 0) {
        // grep -r with no file searches the working directory; rg and kin search a pipe when given one.
        const piped = c.stdin.unknown || c.stdin.literal !== undefined;
        if (!(d.recursiveByDefault && piped)) ops = [c.word('.')];
      }
      // Reading files, it prints them; reading standard input, it passes (some of) it on.
      if (ops.length || namesOnly) c.out.passthrough = false;
      if (namesOnly) return;
      const walk = d.adjust?.(p, c) ?? d.walk;
      const f = d.filters?.(p);
      for (const w of ops) {
        if (w.text === '-') continue;
        if (!recursive) {
          c.read(w);
          continue;
        }
        if (!f || (f.include.length === 0 && f.exclude.length === 0 && f.excludeDir.length === 0)) {
          c.readTree(w, walk, `${c.name} (recursive)`);
          continue;
        }
        filteredTree(c, w, walk, f);
      }
    },
  });
}

/**
 * A filter over a process listing (`ps aux | grep vite`): when its pattern cannot select the
 * guard's processes, the pids it passes on are not the guard's.
 */
function dropGuardMark(c: ProgramContext, p: ParsedOptions): void {
  if (!c.stdin.taints.has('guard-pid') || p.has('-v') || p.has('--invert-match')) return;
  const pats = [...p.values('-e'), ...p.values('--regexp'), ...(p.values('-e').length ? [] : p.operands.slice(0, 1))];
  if (!pats.length || p.operands.length > (p.values('-e').length ? 0 : 1)) return;
  const fixed = p.has('-F') || c.name === 'fgrep';
  const asRegex = (t: string) => (fixed ? t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : t);
  if (pats.some((w) => !w.exact || patternHitsGuard(asRegex(w.text), { full: true, exact: p.has('-x'), ignoreCase: p.has('-i'), regex: true }))) return;
  c.out.passthrough = false;
  for (const t of c.stdin.taints) if (t !== 'guard-pid') c.out.taints.add(t);
}

/** A recursive read limited by include/exclude globs on file names and excluded folder names. */
function filteredTree(c: ProgramContext, dir: Word, walk: TreeWalk, f: { include: string[]; exclude: string[]; excludeDir: string[] }): void {
  const found = c.secretsUnder(dir, walk);
  if (found === undefined) {
    c.readTree(dir, walk, `${c.name} (recursive)`);
    return;
  }
  const root = c.resolve(dir) ?? '';
  const inc = f.include.map((g) => compileGlob(g, { dialect: 'path' }));
  const exc = f.exclude.map((g) => compileGlob(g, { dialect: 'path' }));
  const excDir = f.excludeDir.map((g) => compileGlob(g, { dialect: 'path' }));
  c.read({ ...dir }, `${c.name} (recursive)`);
  for (const file of found) {
    const base = file.slice(file.lastIndexOf('/') + 1);
    const dirs = file.slice(root.length + 1).split('/').slice(0, -1);
    if (inc.length && !inc.some((g) => g.test(base))) continue;
    if (exc.some((g) => g.test(base))) continue;
    if (dirs.some((d) => excDir.some((g) => g.test(d)))) continue;
    c.read(c.word(file), `${c.name} (under ${root})`);
  }
}

const GREP_VALUES = ['-e', '-f', '-m', '-A', '-B', '-C', '-d', '-D', '--regexp', '--file', '--max-count', '--after-context', '--before-context', '--label', '--include', '--exclude', '--exclude-dir', '--exclude-from', '--binary-files', '--devices', '--directories', '--group-separator'];

const grep = searcher({
  names: ['grep', 'egrep', 'fgrep', 'zgrep', 'zegrep', 'zfgrep', 'bzgrep', 'xzgrep'],
  recursiveByDefault: false,
  recursive: (p) => p.has('-r') || p.has('-R') || p.has('--recursive') || p.has('--dereference-recursive') || [...p.values('-d'), ...p.values('--directories')].some((w) => w.text === 'recurse'),
  walk: { hidden: true, ignored: true },
  spec: { values: GREP_VALUES, optionalValues: ['--color', '--colour', '--context'] },
  filters: (p) => ({ include: p.values('--include').map((w) => w.text), exclude: p.values('--exclude').map((w) => w.text), excludeDir: p.values('--exclude-dir').map((w) => w.text) }),
  fileValues: ['-f', '--file', '--exclude-from'],
  summary: 'searches files; -r reads every file under a folder (hidden and ignored ones too), limited by --include/--exclude',
  examples: [
    { line: 'grep -r KEY .env', actions: ['read -r W/.env'] },
    { line: 'grep -f .env README.md', actions: ['read W/.env'] },
    { line: 'grep -rn TODO src', actions: ['read -r W/src'], absent: ['opaque glob'], world: { files: { '/home/dev/project/src/a.ts': {} } } },
    { line: 'grep -r token ~', actions: ['read ~/.ssh/id_ed25519'], world: { files: { '/home/dev/.ssh/id_ed25519': { secret: true } } } },
    { line: "grep -r --include='*.ts' token .", absent: ['read W/.env'], world: { files: { '/home/dev/project/.env': { secret: true } } } },
    { line: 'grep -r token .', actions: ['read W/.env'], world: { files: { '/home/dev/project/.env': { secret: true } } } },
  ],
});

const rg = searcher({
  names: ['rg', 'ripgrep'],
  recursiveByDefault: true,
  walk: { hidden: false, ignored: false },
  spec: {
    values: ['-e', '-f', '-m', '-A', '-B', '-C', '--regexp', '--file', '--max-count', '--context', '--after-context', '--before-context', '-g', '--glob', '--iglob', '-t', '--type', '-T', '--type-not', '-j', '--threads', '-M', '--max-columns', '-r', '--replace', '--max-depth', '-d', '--maxdepth', '--type-add', '--type-clear', '--sort', '--sortr', '--color', '--colors', '--ignore-file', '--pre', '--pre-glob', '--engine', '-E', '--encoding', '--path-separator', '--max-filesize', '--dfa-size-limit', '--regex-size-limit', '--context-separator', '--field-context-separator', '--field-match-separator', '--hostname-bin', '--hyperlink-format'],
  },
  adjust: (p) => {
    const u = p.flags.filter((f) => f === '-u' || f === '--unrestricted').length;
    return {
      hidden: p.has('--hidden') || p.has('-.') || u >= 2,
      ignored: p.has('--no-ignore') || p.has('--no-ignore-vcs') || u >= 1,
    };
  },
  namesOnly: (p) => p.has('--files') || p.has('--type-list'),
  filters: (p) => {
    const globs = [...p.values('-g'), ...p.values('--glob'), ...p.values('--iglob')].map((w) => w.text);
    return { include: globs.filter((g) => !g.startsWith('!')), exclude: globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1)), excludeDir: [] };
  },
  fileValues: ['-f', '--file', '--ignore-file'],
  execValues: ['--pre', '--hostname-bin'],
  summary: 'ripgrep: searches folders recursively, skipping hidden and git-ignored files unless --hidden/-u; --pre runs a program per file',
  examples: [
    { line: 'rg token', absent: ['read W/.env'], world: { files: { '/home/dev/project/.env': { secret: true } } } },
    { line: 'rg --hidden token', actions: ['read W/.env'], world: { files: { '/home/dev/project/.env': { secret: true } } } },
    { line: 'rg -uu token', actions: ['read W/.env'], world: { files: { '/home/dev/project/.env': { secret: true } } } },
    { line: 'rg token certs', actions: ['read W/certs/server.pem'], world: { files: { '/home/dev/project/certs/server.pem': { secret: true } } } },
    { line: 'rg --files', absent: ['opaque glob'] },
    { line: 'rg --pre cat x', actions: ['opaque exec-config'] },
  ],
});

const ag = searcher({
  names: ['ag', 'ack', 'ack-grep', 'pt', 'ugrep', 'ug'],
  recursiveByDefault: true,
  walk: { hidden: false, ignored: false },
  spec: { values: ['-A', '-B', '-C', '-G', '--file-search-regex', '-g', '-m', '--max-count', '--depth', '--ignore', '--ignore-dir', '-p', '--path-to-ignore', '-f', '--type-set'] },
  adjust: (p) => ({ hidden: p.has('--hidden') || p.has('-u') || p.has('--unrestricted') || p.has('-a'), ignored: p.has('-u') || p.has('-U') || p.has('--unrestricted') || p.has('--skip-vcs-ignores') }),
  namesOnly: (p) => p.has('-g'),
  fileValues: ['-p', '--path-to-ignore'],
  summary: 'the silver searcher and kin: recursive, skip hidden and ignored files by default',
  examples: [{ line: 'ag -u token', actions: ['read W/.env'], world: { files: { '/home/dev/project/.env': { secret: true } } } }],
});

const sed = child({
  names: ['sed', 'gsed'],
  summary: 'stream editor: the script may write (w), read (r) or run (e) files; -i edits its files; -f runs editor commands from a file',
  run(c) {
    const p = c.options({ values: ['-e', '-f', '-l', '--expression', '--file', '--line-length'], optionalValues: ['-i', '--in-place'] });
    let ops = p.operands;
    const scripts = [...p.values('-e'), ...p.values('--expression')];
    const scriptFiles = [...p.values('-f'), ...p.values('--file')];
    const sandbox = p.has('--sandbox');
    for (const f of scriptFiles) {
      c.read(f);
      if (f.text !== '-') c.opaque('script', `sed -f runs editor commands from ${f.text} (they may write or run files), which are not analysed`);
    }
    if (!scripts.length && !scriptFiles.length && ops.length) {
      scripts.push(ops[0]);
      ops = ops.slice(1);
    }
    if (!sandbox) for (const s of scripts) sedScript(c, s);
    markAgentSettings(c, scripts);
    const inPlace = p.has('-i') || p.has('--in-place');
    for (const w of ops) {
      c.read(w);
      if (!inPlace) continue;
      c.write(w, 'sed -i');
      guardSettingsEdit(c, w, scripts, 'sed -i');
    }
    if (ops.length) c.out.passthrough = false;
  },
  examples: [
    { line: "sed -n '1r .env' README.md", actions: ['read W/.env'] },
    { line: "sed -n '1w .agentpolicy.yaml' README.md", actions: ['write W/.agentpolicy.yaml'] },
    { line: "sed -n '1e rm -rf ~' README.md", actions: ['opaque interpreter-code'] },
    { line: 'sed -f edit.sed README.md', actions: ['opaque script'] },
    { line: "sed -s 's/a/b/' .env", actions: ['read W/.env'] },
    { line: "sed -i 's/\"chat.tools.autoApprove\": false/\"chat.tools.autoApprove\": true/' .vscode/settings.json", actions: ['opaque guard-bypass', 'write W/.vscode/settings.json'] },
    { line: "sed -i 's/tabSize: 2/tabSize: 4/' .vscode/settings.json", absent: ['opaque guard-bypass'] },
  ],
});

/** Finds sed commands that run programs (`e`, `s///e`) or touch files (`w`, `r`). */
function sedScript(c: ProgramContext, w: Word): void {
  if (!w.exact) {
    c.opaque('unresolved-expansion', 'sed script is only known when the line runs');
    return;
  }
  const s = w.text;
  // s/re/repl/flags: a flag `e` executes the pattern space; `w file` writes.
  const subst = /s(.)(?:\\.|(?!\1).)*\1(?:\\.|(?!\1).)*\1([gpiImMe0-9]*)(?:\s*w\s*(\S+))?/g;
  let m: RegExpExecArray | null;
  let rest = s;
  while ((m = subst.exec(s))) {
    if (m[2].includes('e')) c.opaque('interpreter-code', 'sed s///e runs the pattern space as a shell command');
    if (m[3]) c.write({ ...w, text: m[3] }, 'sed w');
    rest = rest.replace(m[0], ';');
  }
  // Remove y///, then each command's address, then look at the command letter.
  rest = rest.replace(/y(.)(?:\\.|(?!\1).)*\1(?:\\.|(?!\1).)*\1/g, ';');
  const address = /^\s*(?:\d+(?:~\d+)?|\$|\/(?:\\.|[^/])*\/[IM]*|\\(.)(?:\\.|(?!\1).)*\1)?\s*(?:,\s*(?:[+~]?\d+|\$|\/(?:\\.|[^/])*\/[IM]*))?\s*!?\s*/;
  for (const cmd of rest.split(/[;\n}{]/)) {
    const t = cmd.replace(address, '');
    if (/^e(\s|$)/.test(t)) c.opaque('interpreter-code', 'sed e runs a shell command');
    const file = /^([wWrR])\s*(\S.*)$/.exec(t);
    if (file) {
      const fw = { ...w, text: file[2].trim() };
      if (file[1] === 'w' || file[1] === 'W') c.write(fw, 'sed w');
      else c.read(fw, 'sed r');
    }
  }
}

const jq = child({
  names: ['jq', 'gojq', 'jaq'],
  summary: 'JSON processor: the filter (or -f FILE), then input files; --slurpfile/--rawfile read files; -L loads modules',
  run(c) {
    const p = c.options({
      values: ['--indent', '-L', '--arg', '--argjson', '--slurpfile', '--rawfile', '-f', '--from-file', '--library-path'],
      valueCounts: { '--arg': 2, '--argjson': 2, '--slurpfile': 2, '--rawfile': 2 },
    });
    let ops = p.operands;
    const fromFile = [...p.values('-f'), ...p.values('--from-file')];
    const filter = fromFile.length ? [] : ops.slice(0, 1);
    if (!fromFile.length && ops.length) ops = ops.slice(1);
    for (const w of fromFile) c.read(w);
    for (const o of ['--slurpfile', '--rawfile']) for (const w of p.values(o, 1)) c.read(w, `${c.name} ${o}`);
    if (p.has('-L') || p.has('--library-path')) c.opaque('script', `${c.name} -L loads modules from a folder`);
    markAgentSettings(c, filter);
    // --args/--jsonargs: the rest are values, not files.
    const argsAt = c.args.findIndex((w) => w.text === '--args' || w.text === '--jsonargs');
    const files = argsAt < 0 ? ops : ops.filter((w) => c.args.indexOf(w) < argsAt);
    for (const w of files) if (w.text !== '-') c.read(w);
    if (files.length) c.out.passthrough = false;
  },
  examples: [
    { line: 'jq . .env', actions: ['read W/.env'] },
    { line: "jq -n --rawfile x .env '$x'", actions: ['read W/.env'] },
    { line: 'jq --indent 2 . .env', actions: ['read W/.env'] },
    { line: 'jq -r .version package.json', actions: ['read W/package.json'], absent: ['read W/.version'] },
  ],
});

const yq = child({
  names: ['yq'],
  summary: 'YAML processor: an expression, then files; -i edits them in place',
  run(c) {
    const p = c.options({ values: ['-o', '--output-format', '-p', '--input-format', '-I', '--indent', '--from-file', '--expression', '--arg', '--argjson', '--front-matter', '--split-exp', '-s', '--lua-prefix', '--lua-suffix', '--properties-separator', '--xml-attribute-prefix', '--xml-content-name'], valueCounts: { '--arg': 2, '--argjson': 2 } });
    let ops = p.operands;
    if (ops[0] && /^(eval|e|eval-all|ea)$/.test(ops[0].text)) ops = ops.slice(1);
    const fromFile = p.values('--from-file');
    for (const w of fromFile) c.read(w);
    const expr = fromFile.length || p.has('--expression') ? [] : ops.slice(0, 1);
    if (expr.length) ops = ops.slice(1);
    markAgentSettings(c, [...expr, ...p.values('--expression')]);
    const inPlace = p.has('-i') || p.has('--inplace');
    for (const w of ops) {
      if (w.text === '-') continue;
      c.read(w);
      if (inPlace) {
        c.write(w, 'yq -i');
        guardSettingsEdit(c, w, [...expr, ...p.values('--expression')], 'yq -i');
      }
    }
    if (ops.length) c.out.passthrough = false;
  },
  examples: [
    { line: "yq -i '.rules = []' .agentpolicy.yaml", actions: ['write W/.agentpolicy.yaml'] },
    { line: "yq '.a' config.yaml", actions: ['read W/config.yaml'] },
  ],
});

export const TEXT_TOOLS: readonly ProgramModel[] = [cat, ...readers, tr, sort, diff, grep, rg, ag, sed, jq, yq];
