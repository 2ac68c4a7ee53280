/**
 * File operations: deleting, moving, copying (a recursive copy reads every secret under its
 * source), linking (a link made on the line is followed later on it), changing modes, writing
 * through tee and dd, find (whose -exec runs a child per file found), listings and editors.
 */
import * as path from 'path';
import { compileGlob } from '../../policy/glob';
import type { Word } from '../words';
import { child, type ProgramModel } from './model';

const rm = child({
  names: ['rm', 'shred', 'unlink', 'rmdir', 'trash', 'trash-put', 'srm'],
  summary: 'deletes files; rm -r/-R/--recursive deletes what is under them; shred overwrites (-u removes)',
  run(c) {
    const p = c.options({
      flagsLong: ['--recursive', '--force', '--interactive', '--dir', '--verbose', '--one-file-system', '--no-preserve-root', '--preserve-root', '--ignore-fail-on-non-empty', '--parents', '--remove', '--zero', '--exact'],
      values: ['-n', '--iterations', '-s', '--size', '--random-source'],
    });
    const recursive = c.name === 'rm' && (p.has('-r') || p.has('-R') || p.has('--recursive'));
    const flags = [recursive ? '-r' : '', p.has('-f') || p.has('--force') ? '-f' : ''].filter(Boolean);
    c.argv = [c.name, ...flags, ...p.operands.map((w) => (w.exact ? w.text : '\u0000' + w.text))];
    for (const w of p.operands) {
      if (c.name === 'shred') {
        c.write(w, 'shred');
        if (p.has('-u') || p.has('--remove')) c.delete(w, false, 'shred -u');
        continue;
      }
      c.delete(w, recursive, c.name);
    }
    c.out.passthrough = false;
  },
  examples: [
    { line: 'rm -rf ~', actions: ['delete -r ~'] },
    { line: 'rm --recur ./*', actions: ['delete -r -g W/*', 'delete -r -g W'] },
    { line: 'shred -u .agentpolicy.yaml', actions: ['write W/.agentpolicy.yaml', 'delete W/.agentpolicy.yaml'] },
  ],
});

const CP_SPEC = {
  values: ['-t', '--target-directory', '-S', '--suffix', '-m', '--mode', '-o', '--owner', '-g', '--group', '--backup', '--reflink', '--preserve', '--no-preserve', '--sparse', '--context', '--update'],
  optionalValues: ['--backup', '--reflink', '--preserve', '--update'],
  flagsLong: ['--recursive', '--archive', '--force', '--symbolic', '--no-dereference', '--dereference', '--link', '--relative', '--parents', '--remove-destination', '--no-target-directory'],
};

const cp = child({
  names: ['cp', 'install', 'mv', 'ln', 'link'],
  summary: 'copy, move and link: sources are read (a recursive copy reads every secret under them), moved and linked ones changed; the destination is written; links made on the line are followed later',
  run(c) {
    const p = c.options(CP_SPEC);
    const target = p.value('-t') ?? p.value('--target-directory');
    let ops = p.operands;
    let dest: Word | undefined = target;
    if (!dest && ops.length >= 2) {
      dest = ops[ops.length - 1];
      ops = ops.slice(0, -1);
    }
    const recursive = c.name === 'cp' && (p.has('-r') || p.has('-R') || p.has('-a') || p.has('--recursive') || p.has('--archive'));
    const link = c.name === 'ln' || c.name === 'link' || (c.name === 'cp' && (p.has('-s') || p.has('-l') || p.has('--symbolic') || p.has('--link')));
    if (c.name === 'ln' && !dest && ops.length === 1) dest = c.word('.');
    for (const w of ops) {
      if (c.name === 'cp' || c.name === 'install') {
        if (recursive) c.readTree(w, { hidden: true, ignored: true }, `${c.name} -r`);
        else c.read(w);
      } else if (c.name === 'mv') c.write(w, 'mv', true);
      if (dest && !link) c.writeContent(destFor(dest, w, ops.length > 1 || !!target), c.marksOf(w), undefined, c.name);
    }
    // A recursive copy or a link can replace what is under the destination.
    if (dest) c.write(dest, c.name, recursive || link || undefined);
    if (dest && link) for (const w of ops) c.linked(destFor(dest, w, ops.length > 1 || !!target || dest.text.endsWith('/') || dest.text === '.'), w);
    c.out.passthrough = false;
  },
  examples: [
    { line: 'cp .env /tmp/x', actions: ['read W/.env', 'write /tmp/x'] },
    { line: 'cp -r config /tmp/c', actions: ['read W/config/.env'], world: { files: { '/home/dev/project/config/.env': { secret: true } } } },
    { line: 'mv .gemini/settings.json .gemini/settings.old', actions: ['write -r W/.gemini/settings.json'] },
    { line: 'ln -s .env notes.txt; cat notes.txt', actions: ['read W/.env'] },
    { line: 'ln -sfn /tmp/d .claude', actions: ['write -r W/.claude'] },
    { line: 'cp -t /tmp x', actions: ['write /tmp'] },
  ],
});

/** Where a copy of `src` lands: `dest/src-name` when dest is a folder (several sources, `-t`, a trailing slash). */
function destFor(dest: Word, src: Word, intoFolder: boolean): Word {
  if (!intoFolder || !dest.exact || !src.exact) return dest;
  return { ...dest, text: path.posix.join(dest.text, path.posix.basename(src.text)) };
}

/** Each program's own options, so a flag never swallows the file after it. */
const MODE_SPECS: Record<string, { values: string[]; modeFirst: boolean }> = {
  chmod: { values: ['--reference'], modeFirst: true },
  chown: { values: ['--from', '--reference'], modeFirst: true },
  chgrp: { values: ['--reference'], modeFirst: true },
  touch: { values: ['-d', '--date', '-r', '--reference', '-t', '--time'], modeFirst: false },
  mkdir: { values: ['-m', '--mode', '--context'], modeFirst: false },
  truncate: { values: ['-r', '--reference', '-s', '--size'], modeFirst: false },
  mkfifo: { values: ['-m', '--mode', '--context'], modeFirst: false },
  mknod: { values: ['-m', '--mode', '--context'], modeFirst: false },
  chattr: { values: ['-v', '-p'], modeFirst: true },
  setfacl: { values: ['-m', '--modify', '-M', '--modify-file', '-x', '--remove', '-X', '--remove-file', '--set', '--set-file', '--restore'], modeFirst: false },
  setfattr: { values: ['-n', '--name', '-v', '--value', '-x', '--remove', '--restore'], modeFirst: false },
  utimes: { values: [], modeFirst: false },
};

const modes = child({
  names: Object.keys(MODE_SPECS),
  summary: 'create files and folders or change their metadata (each program with its own options)',
  run(c) {
    const spec = MODE_SPECS[c.name];
    const p = c.options({ values: spec.values, flagsLong: ['--recursive', '--parents', '--verbose', '--changes', '--silent', '--quiet', '--no-create', '--dereference', '--no-dereference', '--preserve-root', '--no-preserve-root'] });
    let ops = p.operands;
    const recursive = p.has('-R') || p.has('--recursive');
    const modeLikeFlag = c.name === 'chmod' && c.args.some((w) => /^-[rwxXst]+$/.test(w.text));
    if (modeLikeFlag) {
      c.argv = [c.name, ...(recursive ? ['-R'] : []), ...ops.map((w) => w.text)];
    } else if (spec.modeFirst && !p.has('--reference') && ops.length) {
      const mode = ops[0];
      ops = ops.slice(1);
      c.argv = [c.name, ...(recursive ? ['-R'] : []), mode.exact ? mode.text : '\u0000' + mode.text, ...ops.map((w) => w.text)];
    } else if (recursive) {
      c.argv = [c.name, '-R', ...ops.map((w) => w.text)];
    }
    // (A recursive mode change is judged as a change of each operand; the world-writable rule sees -R.)
    for (const w of ops) c.write(w, c.name);
    for (const w of [...p.values('-M'), ...p.values('--modify-file'), ...p.values('-X'), ...p.values('--remove-file'), ...p.values('--set-file'), ...p.values('--restore')]) c.read(w, c.name);
    c.out.passthrough = false;
  },
  examples: [
    { line: 'chmod -R 777 .', actions: ['run chmod -R 777 .', 'write W'] },
    { line: 'chmod -Rv 777 .', actions: ['run chmod -R 777 .'] },
    { line: 'touch notes.txt', actions: ['write W/notes.txt'] },
    { line: 'chmod -w ~/.config/agentpolicy', actions: ['write ~/.config/agentpolicy'] },
    { line: 'mkdir -m 700 -p build', actions: ['write W/build'], absent: ['write W/700'] },
  ],
});

const tee = child({
  names: ['tee'],
  summary: 'copies standard input to files (and through)',
  run(c) {
    const p = c.options({ flagsLong: ['--append', '--ignore-interrupts', '--output-error'] });
    for (const w of p.operands) {
      c.write(w);
      c.writeContent(w, c.stdin.taints, c.stdin.literal, 'tee');
    }
    c.out.literal = c.stdin.literal;
  },
  examples: [
    { line: 'echo x | tee -a ~/.config/agentpolicy/policy.yaml', actions: ['write ~/.config/agentpolicy/policy.yaml'] },
    { line: `echo '{"chat.tools.autoApprove": true}' | tee .vscode/settings.json`, actions: ['opaque guard-bypass'] },
  ],
});

const dd = child({
  names: ['dd'],
  summary: 'copies if= to of=',
  run(c) {
    for (const w of c.args) {
      const m = /^(if|of)=(.*)$/s.exec(w.text);
      if (!m) continue;
      const fw = { ...w, text: m[2] };
      if (m[1] === 'if') c.read(fw, 'dd if=');
      else c.write(fw, 'dd of=');
    }
  },
  examples: [{ line: 'dd if=.env of=/dev/stdout', actions: ['read W/.env'] }],
});

const split = child({
  names: ['split', 'csplit'],
  summary: 'splits a file into PREFIX-named pieces; --filter runs a shell command per piece',
  run(c) {
    const p = c.options({ values: ['-a', '--suffix-length', '-b', '--bytes', '-C', '--line-bytes', '-l', '--lines', '-n', '--number', '-t', '--separator', '-f', '--prefix', '-b', '--suffix-format', '--additional-suffix', '--filter'] });
    const [input, ...rest] = p.operands;
    if (input && input.text !== '-') c.read(input);
    for (const w of p.values('--filter')) c.code(w.text, w.exact, w.taints, `${c.name} --filter`);
    const prefix = c.name === 'split' ? rest[0] ?? c.word('x') : p.value('-f') ?? p.value('--prefix') ?? c.word('xx');
    c.write({ ...prefix, text: prefix.text + '*', glob: true }, `${c.name} (pieces)`);
  },
  examples: [{ line: 'split -l 10 .env .agentpolicy.yaml', actions: ['read W/.env', 'write -g W/.agentpolicy.yaml*'] }],
});

const FIND_VALUES = new Set(['-name', '-iname', '-path', '-ipath', '-regex', '-iregex', '-type', '-xtype', '-newer', '-anewer', '-cnewer', '-size', '-mtime', '-mmin', '-atime', '-amin', '-ctime', '-cmin', '-user', '-group', '-uid', '-gid', '-perm', '-wholename', '-iwholename', '-lname', '-ilname', '-maxdepth', '-mindepth', '-printf', '-fstype', '-inum', '-links', '-samefile', '-used', '-context', '-regextype', '-newerXY', '-D', '-O']);

const find = child({
  names: ['find'],
  summary: 'walks folders: -exec/-execdir/-ok run a child per file found (the secrets it finds are handed to it); -delete deletes; -fprint writes',
  run(c) {
    c.out.passthrough = false;
    const args = c.args;
    let i = 0;
    while (i < args.length && /^-[HLP]$/.test(args[i].text)) i++;
    const starts: Word[] = [];
    while (i < args.length && !/^[-(!,]/.test(args[i].text)) starts.push(args[i++]);
    if (starts.length === 0) starts.push(c.word('.'));
    const names: string[] = [];
    let filtered = false;
    for (let k = i; k < args.length; k++) {
      if (['-name', '-iname'].includes(args[k].text) && args[k + 1]) names.push(args[k + 1].text);
      if (FIND_VALUES.has(args[k].text) && !/^-(maxdepth|mindepth|printf|regextype|D|O)$/.test(args[k].text)) filtered = true;
    }
    // What `{}` stands for: the secret files the walk finds (when facts can list them), else a glob.
    const found = (s: Word): Word[] => {
      const base = s.text.replace(/\/+$/, '') || '/';
      // What -name selects, by name (`-name .env` means .env files wherever they are).
      const named = names.map((n) => ({ ...s, text: `${base}/**/${n}`, glob: true, source: `${base}/**/${n} (found by find)` }));
      const secrets = c.secretsUnder(s, { hidden: true, ignored: true });
      if (secrets !== undefined) {
        const globs = names.map((n) => compileGlob(n, { dialect: 'path' }));
        const hits = secrets.filter((f) => !globs.length || globs.some((g) => g.test(f.slice(f.lastIndexOf('/') + 1))));
        // …the secrets really there, and an ordinary file, so what the command does to any file is judged too.
        // Without a name filter, every file: kept as a glob too (what the folder may hold by the time it runs).
        const every = named.length ? [] : [{ ...s, text: `${base}/*`, glob: true, source: `${base}/* (found by find)` }];
        return [...hits.slice(0, 64).map((h) => c.word(h)), ...named, ...every, { ...s, text: `${base}/found-file`, source: `${base}/… (found by find)` }];
      }
      return named.length ? named : [{ ...s, text: `${base}/*`, glob: true, source: `${base}/* (found by find)` }];
    };
    // find's own argv leaves out what -exec runs: that is judged as a command of its own.
    const own: string[] = ['find', ...args.slice(0, i).map((w) => (w.exact ? w.text : '\u0000' + w.text))];
    for (; i < args.length; i++) {
      const t = args[i].text;
      if (!['-exec', '-execdir', '-ok', '-okdir'].includes(t)) own.push(args[i].exact ? t : '\u0000' + t);
      if (['-exec', '-execdir', '-ok', '-okdir'].includes(t)) {
        const cmd: Word[] = [];
        i++;
        while (i < args.length && args[i].text !== ';' && args[i].text !== '+') cmd.push(args[i++]);
        if (!cmd.length) continue;
        if (cmd.some((w) => w.text.includes('{}')) && spliced(cmd)) {
          c.opaque('spliced-code', 'find -exec splices file names into shell code');
          c.child(cmd.map((w) => ({ ...w, text: w.text.split('{}').join('found-file') })));
        }
        for (const s of starts) {
          const files = found(s);
          const perFile = cmd.some((w) => w.text === '{}');
          for (const f of perFile ? files : [files[0]]) {
            const words = cmd.map((w) => (w.text === '{}' ? f : w.text.includes('{}') ? { ...w, exact: false, source: `${w.text} (found file)`, prefix: '', suffix: '' } : w));
            c.child(words, { cwd: t.endsWith('dir') ? undefined : c.cwd });
          }
        }
        continue;
      }
      if (t === '-delete') {
        for (const s of starts) {
          if (!filtered) c.delete(s, true, 'find -delete');
          for (const f of found(s)) c.delete(f, true, 'find -delete');
        }
        continue;
      }
      if (['-fprint', '-fprint0', '-fls', '-fprintf'].includes(t)) {
        if (args[i + 1]) c.write(args[i + 1], `find ${t}`);
        for (let k = 0; k < (t === '-fprintf' ? 2 : 1) && args[i + 1]; k++) own.push(args[++i].text);
        continue;
      }
      if (t === '-files0-from' && args[i + 1]) {
        c.read(args[i + 1], 'find -files0-from');
        own.push(args[++i].text);
        continue;
      }
      if (FIND_VALUES.has(t) && args[i + 1]) own.push(args[++i].text);
    }
    c.argv = own;
  },
  examples: [
    { line: "find . -name '*.pem'", absent: ['read W/key.pem'], world: { files: { '/home/dev/project/key.pem': { secret: true } } } },
    { line: "find . -name '*.pem' -exec cat {} \\;", actions: ['read W/key.pem'], world: { files: { '/home/dev/project/key.pem': { secret: true } } } },
    { line: "find src -name '*.ts' -exec grep -l describe {} +", absent: ['opaque glob'], world: { files: { '/home/dev/project/src/a.ts': {} } } },
    { line: 'find / -maxdepth 1 -exec rm -rf {} \\;', actions: ['delete -r /found-file'] },
    { line: 'find . -fprint .agentpolicy.yaml', actions: ['write W/.agentpolicy.yaml'] },
  ],
});

function spliced(cmd: readonly Word[]): boolean {
  const n = path.posix.basename(cmd[0]?.text ?? '');
  return /^(ba|z|da|k|mk|fi|tc|c|y|a|rba)?sh$|^eval$|^(node|perl|ruby|php|python[0-9.]*|awk|gawk)$/.test(n);
}

const listings = child({
  names: ['ls', 'tree', 'stat', 'du', 'df', 'dir', 'vdir', 'exa', 'eza', 'lsd', 'uptime', 'free', 'getconf', 'locale', 'whoami', 'id', 'groups', 'uname', 'date', 'basename', 'dirname', 'realpath', 'readlink', 'seq', 'expr', 'tty', 'nproc', 'sleep', 'which', 'whereis', 'clear', 'reset', 'tput', 'stty', 'cal', 'factor', 'numfmt', 'yes', 'arch', 'lscpu', 'lsblk', 'mount', 'findmnt', 'w', 'who', 'last', 'logname', 'users', 'hostname', 'hostnamectl', 'timedatectl'],
  summary: 'listings and system information: names and metadata, no file content (tree -o writes its listing)',
  run(c) {
    c.out.passthrough = false;
    if (c.name === 'tree') {
      const p = c.options({ values: ['-o', '-L', '-P', '-I', '--charset', '--filelimit', '--timefmt', '--sort', '-H', '-T', '--fromfile'] });
      for (const w of p.values('-o')) c.write(w, 'tree -o');
    }
    if (c.name === 'du') for (const w of c.options({ values: ['--files0-from', '-B', '--block-size', '-d', '--max-depth', '-t', '--threshold', '--time-style', '-X', '--exclude-from', '--exclude'] }).values('--files0-from')) c.read(w, 'du');
    if (c.name === 'date') for (const w of c.options({ values: ['-d', '--date', '-f', '--file', '-r', '--reference', '-s', '--set', '-I', '--iso-8601'], optionalValues: ['--rfc-3339'] }).values('-f')) c.read(w, 'date -f');
  },
  examples: [
    { line: 'ls -la .env', absent: ['read W/.env'] },
    { line: 'stat .env', absent: ['read W/.env'] },
    { line: 'tree -o .agentpolicy.yaml', actions: ['write W/.agentpolicy.yaml'] },
    { line: 'date -f .env', actions: ['read W/.env'] },
  ],
});

const printenv = child({
  names: ['printenv'],
  summary: 'prints environment values (secret variables included)',
  run(c) {
    c.out.passthrough = false;
    const names = c.args.filter((w) => !w.text.startsWith('-')).map((w) => w.text);
    c.printsEnvironment(names.length ? names : undefined, 'printenv');
  },
  examples: [
    { line: 'printenv', actions: ['read W/.env'], world: { secretVariables: { API_KEY: '/home/dev/project/.env' } } },
    { line: 'printenv HOME', absent: ['read W/.env'], world: { secretVariables: { API_KEY: '/home/dev/project/.env' } } },
  ],
});

const editors = child({
  names: ['vim', 'vi', 'nvim', 'gvim', 'view', 'vimdiff', 'nano', 'pico', 'emacs', 'emacsclient', 'ed', 'ex', 'micro', 'kak', 'hx', 'helix', 'joe', 'jed', 'mcedit', 'ne'],
  summary: 'editors write the files they open; editor commands given on the line (-c, +cmd, --eval) or from a script file (-s, -S, -l) or standard input (ed, ex, vim -e) may write or run anything',
  run(c) {
    const readOnly = c.name === 'view' || c.args.some((w) => w.text === '-R' || w.text === '-M');
    const emacs = c.name.startsWith('emacs');
    // In Ex mode (ex, vim -e/-E, ed) `-s` means silent; otherwise vim's -s reads keys from a file.
    const exMode = c.name === 'ed' || c.name === 'ex' || c.args.some((w) => /^-[a-zA-Z]*[eE]/.test(w.text) && !w.text.startsWith('--'));
    const values = emacs ? ['-l', '--load', '--eval', '-f', '--funcall', '--script', '-x', '-L', '--directory', '-t', '--terminal', '-d', '--display'] : c.name === 'ed' ? ['-p'] : ['-c', '--cmd', '-S', '-u', '-U', '-i', '-T', '-W', '-w', '-t', '-q', '-r', ...(exMode ? [] : ['-s'])];
    const p = c.options({ values });
    const codeOpts = emacs ? ['--eval', '-f', '--funcall'] : ['-c', '--cmd'];
    const scriptOpts = emacs ? ['-l', '--load', '--script', '-x'] : ['-S', '-s', '-u', '-U'];
    if (codeOpts.some((o) => p.has(o))) c.opaque('interpreter-code', `${c.name} runs editor commands given on the line`);
    for (const o of scriptOpts) {
      for (const w of p.values(o)) {
        if (w.text === 'NONE' || w.text === 'NORC') continue;
        c.read(w, `${c.name} ${o}`);
        c.opaque('script', `${c.name} ${o} runs editor commands from ${w.text}, which are not analysed (they may write or run files)`);
      }
    }
    for (const o of ['-W', '-w']) for (const w of emacs ? [] : p.values(o)) c.write(w, `${c.name} ${o}`);
    const ops = p.operands.filter((w) => !w.text.startsWith('+'));
    if (p.operands.some((w) => w.text.startsWith('+') && !/^\+(\d+|\/.*)?$/.test(w.text))) c.opaque('interpreter-code', `${c.name} +cmd runs an editor command`);
    const fromStdin = exMode || c.args.some((w) => w.text === '-') || p.has('--batch');
    if (fromStdin && (c.stdin.literal !== undefined || c.stdin.unknown)) c.opaque('interpreter-code', `${c.name} reads editor commands from standard input`);
    for (const w of ops) {
      if (w.text === '-') continue;
      c.read(w, c.name);
      if (!readOnly) c.write(w, c.name);
    }
  },
  examples: [
    { line: 'vim src/a.ts', actions: ['write W/src/a.ts'] },
    { line: 'vim -s keys.txt notes.md', actions: ['opaque script'] },
    { line: "vim -c ':!rm -rf ~' x", actions: ['opaque interpreter-code'] },
    { line: "ed -s .agentpolicy.yaml <<< $'1d\\nw'", actions: ['write W/.agentpolicy.yaml', 'opaque interpreter-code'] },
    { line: 'vim +42 src/a.ts', absent: ['opaque interpreter-code'] },
    { line: 'view .env', actions: ['read W/.env'], absent: ['write W/.env'] },
  ],
});

export const FILE_TOOLS: readonly ProgramModel[] = [rm, cp, modes, tee, dd, split, find, listings, printenv, editors];
