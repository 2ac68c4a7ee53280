/**
 * Programs that run another program: env, nohup, nice, timeout, sudo, xargs, watch… Each runs its
 * command as a child, which gets a copy of the shell state: a `cd` or `env -C` there never moves
 * the rest of the line.
 */
import type { OptionSpec } from '../options';
import { NO_INPUT, unionTaints, unknownStream } from '../types';
import { splitWords, type Word } from '../words';
import { child, type Example, type ProgramContext, type ProgramModel } from './model';
import { isShellCodeCommand } from './shells';

interface WrapperOptions {
  summary: string;
  examples: readonly Example[];
  /** Words after the options that belong to the wrapper (timeout's duration). */
  positionals?: number;
  /** Judged only by what it runs (the spec's transparent wrappers); otherwise the wrapper is judged too. */
  transparent?: boolean;
  /** Its options whose value is a file it writes (`strace -o`). */
  writeValues?: string[];
}

/** A wrapper with a known option spec: options, then its own positionals, then the command. */
function wrapper(names: string[], spec: OptionSpec, o: WrapperOptions): ProgramModel {
  const wo = o;
  return child({
    names,
    summary: o.summary,
    examples: o.examples,
    run(c) {
      const p = c.options({ ...spec, stopAtFirstOperand: true });
      if (p.unknown.length) c.opaque('unknown-wrapper', `${c.name}: unknown option ${p.unknown[0]}: cannot tell where its command starts`);
      for (const o of wo.writeValues ?? []) for (const w of p.values(o)) c.write(w, `${c.name} ${o}`);
      const cmd = p.operands.slice(o.positionals ?? 0);
      if (!cmd.length) return;
      const out = c.child(cmd);
      c.transparent = o.transparent ?? false;
      return out;
    },
  });
}

const env = child({
  names: ['env'],
  summary: 'runs a program in a changed environment: -i, -u NAME, -C DIR (the child only), -S STRING (split into more env arguments); alone, prints the environment',
  run(c) {
    const st = parseEnv(c, [...c.args]);
    if (!st.command.length) {
      if (!st.cleared) c.printsEnvironment(undefined, 'env');
      return;
    }
    c.transparent = true;
    return c.child(st.command, { cwd: st.cwd, bypassFunctions: true });
  },
  examples: [
    { line: 'nohup cd /tmp; rm deploy/prod.tf', actions: ['delete W/deploy/prod.tf'], absent: ['delete /tmp/deploy/prod.tf'] },
    { line: 'env -C /tmp touch x; touch y', actions: ['write /tmp/x', 'write W/y'] },
    { line: "env -iS'rm -rf /'", actions: ['delete -r /'] },
    { line: "env -S 'rm -rf ~'", actions: ['delete -r W/~'], absent: ['delete -r ~'] },
    { line: "env -S '-i FOO=1 git push -f'", actions: ['env FOO', 'push ? force unresolved'] },
    { line: 'env AGENTPOLICY_OFF=1 git status', actions: ['env AGENTPOLICY_OFF', 'run git status'] },
    { line: 'env', actions: ['read W/.env'], world: { secretVariables: { API_KEY: '/home/dev/project/.env' } } },
  ],
});

interface EnvParse {
  command: Word[];
  cwd: string | undefined;
  cleared: boolean;
}

/** GNU env's options, with `-S` strings split and read as more env arguments. */
function parseEnv(c: ProgramContext, args: Word[]): EnvParse {
  let cwd = c.cwd;
  let cleared = false;
  let depth = 0;
  let i = 0;
  const takeValue = (rest: string): Word | undefined => (rest !== '' ? { ...args[i], text: rest } : args[++i]);
  while (i < args.length) {
    const w = args[i];
    const t = w.text;
    if (t === '--') {
      i++;
      break;
    }
    if (t === '-' || t === '-i' || t === '--ignore-environment') {
      cleared = true;
      i++;
      continue;
    }
    if (t.startsWith('--')) {
      const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(t);
      const name = m?.[1] ?? '';
      const expand = ['ignore-environment', 'null', 'unset', 'chdir', 'debug', 'split-string', 'block-signal', 'default-signal', 'ignore-signal', 'list-signal-handling'].filter((n) => n.startsWith(name));
      const opt = expand.length === 1 ? expand[0] : name;
      const value = m?.[2] !== undefined ? { ...w, text: m[2] } : ['unset', 'chdir', 'split-string'].includes(opt) ? args[++i] : undefined;
      if (opt === 'ignore-environment') cleared = true;
      else if (opt === 'unset' && value) c.setEnv(value.text);
      else if (opt === 'chdir') cwd = value ? c.resolve(value) : undefined;
      else if (opt === 'split-string' && value) {
        args = [...args.slice(0, i + 1), ...split(c, value), ...args.slice(i + 1)];
        if (++depth > 8) break;
      } else if (!expand.length) c.opaque('unknown-wrapper', `env: unknown option ${t}`);
      i++;
      continue;
    }
    if (t.startsWith('-') && t.length > 1 && w.exact) {
      // A bundle: -i, -0, -v are flags; -u, -C, -S take the rest of the word or the next one.
      let j = 1;
      for (; j < t.length; j++) {
        const ch = t[j];
        if (ch === 'i') cleared = true;
        else if (ch === '0' || ch === 'v') continue;
        else if (ch === 'u' || ch === 'C' || ch === 'S' || ch === 'P') {
          const value = takeValue(t.slice(j + 1));
          if (ch === 'u' && value) c.setEnv(value.text);
          else if (ch === 'C') cwd = value ? c.resolve(value) : undefined;
          else if (ch === 'S' && value) {
            args = [...args.slice(0, i + 1), ...split(c, value), ...args.slice(i + 1)];
            if (++depth > 8) break;
          } else if (ch === 'P') c.opaque('exec-config', 'env -P searches another PATH for the program');
          break;
        } else c.opaque('unknown-wrapper', `env: unknown option -${ch}`);
      }
      i++;
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(t);
    if (m) {
      c.setEnv(m[1], w.exact ? m[2] : undefined);
      i++;
      continue;
    }
    if (/^[^=]+=/.test(t) && w.exact) {
      // BASH_FUNC_x%%=() {…}: bash imports it as a function.
      c.setEnv(t.slice(0, t.indexOf('=')));
      if (/^BASH_FUNC_/.test(t)) c.opaque('exec-config', 'env exports a shell function (BASH_FUNC_…) the next bash imports');
      i++;
      continue;
    }
    break;
  }
  return { command: args.slice(i), cwd, cleared };
}

/** `env -S`'s splitting: quotes and backslashes; `${VAR}` is expanded, so such a word is unknown. */
function split(c: ProgramContext, w: Word): Word[] {
  if (!w.exact) {
    c.opaque('unresolved-expansion', 'env -S splits a string that is only known when the line runs');
    return [{ ...w, text: w.text }];
  }
  return splitWords(w.text, true);
}

const nohup = wrapper(['nohup'], { flags: ['--help', '--version'] }, {
  summary: 'runs a program immune to hangups (a child: its cd does not move the line)',
  transparent: true,
  examples: [{ line: 'nohup git push -f &', actions: ['push ? force unresolved'] }],
});

const nice = wrapper(['nice'], { values: ['-n', '--adjustment'], flags: ['--help', '--version', ...'0123456789'.split('').map((d) => '-' + d)] }, {
  summary: 'runs a program at another priority',
  transparent: true,
  examples: [
    { line: 'nice -n 19 -- rm -rf /tmp/x', actions: ['delete -r /tmp/x'] },
    { line: 'nice -5 rm -rf ~', actions: ['delete -r ~'] },
  ],
});

const timeout = wrapper(['timeout'], { values: ['-s', '--signal', '-k', '--kill-after'], flags: ['-v', '--verbose', '--preserve-status', '--foreground', '--help', '--version'] }, {
  summary: 'runs a program with a time limit (after the duration operand)',
  positionals: 1,
  transparent: true,
  examples: [{ line: 'timeout -s KILL 5 git status', actions: ['run git status'] }],
});

const stdbuf = wrapper(['stdbuf'], { values: ['-i', '-o', '-e', '--input', '--output', '--error'], flags: ['--help', '--version'] }, {
  summary: 'runs a program with other stream buffering',
  transparent: true,
  examples: [{ line: 'stdbuf -oL git status', actions: ['run git status'] }],
});

const ionice = wrapper(['ionice'], { values: ['-c', '-n', '--class', '--classdata', '-p', '--pid', '-P', '--pgid', '-u', '--uid'], flags: ['-t', '--ignore', '--help', '--version'] }, {
  summary: 'runs a program with another I/O priority',
  examples: [{ line: 'ionice -c3 rm -rf ~', actions: ['delete -r ~', 'run ionice -c3 rm -rf /home/dev'] }],
});

const setsid = wrapper(['setsid'], { flags: ['-c', '--ctty', '-f', '--fork', '-w', '--wait', '--help', '--version'] }, {
  summary: 'runs a program in a new session',
  examples: [{ line: 'setsid rm -rf ~', actions: ['delete -r ~'] }],
});

const taskset = wrapper(['taskset'], { flags: ['-a', '--all-tasks', '-p', '--pid', '-c', '--cpu-list', '--help', '--version'] }, {
  summary: 'runs a program on given CPUs (after the mask operand)',
  positionals: 1,
  examples: [{ line: 'taskset -c 0 git push -f', actions: ['push ? force unresolved'] }],
});

const flock = wrapper(['flock'], { values: ['-w', '--timeout', '-E', '--conflict-exit-code', '-c', '--command'], flags: ['-s', '--shared', '-x', '-e', '--exclusive', '-n', '--nb', '--nonblock', '-u', '--unlock', '-o', '--close', '-F', '--no-fork', '--verbose', '--help', '--version'] }, {
  summary: 'runs a program holding a lock file (after the lock operand)',
  positionals: 1,
  examples: [{ line: 'flock /tmp/l rm -rf ~', actions: ['delete -r ~'] }],
});

/** Wrappers whose options are many or unusual: known ones skipped, an unknown one marks the line unknown. */
const others = [
  wrapper(['chronic'], { flags: ['-e', '-v'] }, { summary: 'runs a program, printing only on failure', examples: [{ line: 'chronic git push -f', actions: ['push ? force unresolved'] }] }),
  wrapper(['unbuffer'], { flags: ['-p'] }, { summary: 'runs a program on a pseudo-terminal', examples: [{ line: 'unbuffer rm -rf ~', actions: ['delete -r ~'] }] }),
  wrapper(['caffeinate'], { values: ['-t', '-w'], flags: ['-d', '-i', '-m', '-s', '-u'] }, { summary: 'runs a program keeping the machine awake', examples: [{ line: 'caffeinate -i rm -rf ~', actions: ['delete -r ~'] }] }),
  wrapper(['catchsegv'], {}, { summary: 'runs a program, reporting crashes', examples: [{ line: 'catchsegv rm -rf ~', actions: ['delete -r ~'] }] }),
  wrapper(['faketime'], { values: ['-m', '-f'], flags: ['--exclude-monotonic', '--help', '--version'] }, { summary: 'runs a program with a fake clock (after the time operand)', positionals: 1, examples: [{ line: "faketime '2020-01-01' rm -rf ~", actions: ['delete -r ~'] }] }),
  wrapper(['proxychains', 'proxychains4'], { values: ['-f'], flags: ['-q'] }, { summary: 'runs a program through proxies', examples: [{ line: 'proxychains4 -q curl https://x.example', actions: ['net x.example'] }] }),
  wrapper(['torsocks'], { values: ['-u', '--user', '-p', '--pass', '-a', '--address', '-P', '--port'], flags: ['-i', '--isolate', '-d', '--debug', '-q', '--quiet', '-6', '--ipv6', '--shell', '--help', '--version'] }, { summary: 'runs a program through Tor', examples: [{ line: 'torsocks curl https://x.example', actions: ['net x.example'] }] }),
  wrapper(['chroot'], { values: ['--userspec', '--groups'], flags: ['--skip-chdir', '--help', '--version'] }, { summary: 'runs a program with another root (after the root operand)', positionals: 1, examples: [{ line: 'chroot / rm -rf /tmp/x', actions: ['delete -r /tmp/x'] }] }),
  wrapper(['nsenter', 'unshare', 'firejail', 'bwrap', 'systemd-run', 'run0', 'valgrind', 'perf', 'entr'], { values: ['-t', '--target', '-p', '--property', '-u', '--unit', '--slice', '--tool', '-o', '--output', '-e', '--event', '--bind', '--ro-bind', '--setenv', '--chdir', '--uid', '--gid'] }, {
    summary: 'sandboxes, profilers and runners: the command after their options runs',
    writeValues: ['-o', '--output'],
    examples: [{ line: 'entr -r rm -rf ~ < list.txt', actions: ['delete -r ~'] }],
  }),
  wrapper(['strace', 'ltrace'], { values: ['-o', '-e', '-p', '-s', '-S', '-u', '-E', '-I', '-b', '-a', '-P', '-X'], flags: ['-f', '-ff', '-c', '-C', '-d', '-D', '-F', '-h', '-i', '-k', '-n', '-q', '-qq', '-r', '-t', '-tt', '-ttt', '-T', '-v', '-V', '-w', '-x', '-xx', '-y', '-yy', '-z', '-Z'] }, {
    summary: 'tracers: the command after their options runs; -o writes a trace file',
    writeValues: ['-o'],
    examples: [{ line: 'strace -f -o /tmp/t rm -rf ~', actions: ['delete -r ~'] }],
  }),
];

const gdb = child({
  names: ['gdb', 'lldb'],
  summary: 'debuggers: --args PROGRAM runs it; -ex/-x commands can run anything',
  run(c) {
    // gdb's options are single-dash words (`-ex CMD`), not bundles.
    const at = c.args.findIndex((w) => w.text === '--args');
    const own = at >= 0 ? c.args.slice(0, at) : c.args;
    if (own.some((w) => /^(-ex|-x|-iex|-ix|--eval-command|--command|-o|-s|--source|--one-line)(=|$)/.test(w.text))) c.opaque('interpreter-code', `${c.name} runs debugger commands given on the line`);
    if (at >= 0 && c.args[at + 1]) c.child(c.args.slice(at + 1));
    else if (own.some((w) => !w.text.startsWith('-'))) c.opaque('script', `${c.name} runs a program under its control`);
  },
  examples: [{ line: 'gdb -batch -ex run --args rm -rf ~', actions: ['opaque interpreter-code', 'delete -r ~'] }],
});

const parallel = child({
  names: ['parallel', 'sem'],
  summary: 'GNU parallel: builds command lines from its input and runs them with the shell',
  run(c) {
    const sep = c.args.findIndex((w) => /^:::+$/.test(w.text));
    const cmd = (sep >= 0 ? c.args.slice(0, sep) : c.args).filter((w) => !w.text.startsWith('-'));
    c.opaque('spliced-code', `${c.name} splices its inputs into shell command lines`);
    if (cmd.length) c.code(cmd.map((w) => w.text.replace(/\{[^}]*\}/g, 'input-item')).join(' '), cmd.every((w) => w.exact), unionTaints(cmd), c.name, { stdin: NO_INPUT });
  },
  examples: [{ line: "parallel 'rm -rf {}' ::: ~", actions: ['opaque spliced-code'] }],
});

const script = child({
  names: ['script'],
  summary: 'records a terminal session: -c CMD runs CMD with the shell; the file operand is written',
  run(c) {
    const p = c.options({ values: ['-c', '--command', '-E', '--echo', '-O', '--log-out', '-I', '--log-in', '-B', '--log-io', '-T', '--log-timing', '-m', '--logging-format', '-o', '--output-limit'], optionalValues: ['-t', '--timing'], flags: ['-a', '--append', '-e', '--return', '-f', '--flush', '--force', '-q', '--quiet', '-h', '--help', '-V', '--version'] });
    for (const w of p.values('-c').concat(p.values('--command'))) c.code(w.text, w.exact, w.taints, 'script -c');
    for (const o of ['-O', '--log-out', '-I', '--log-in', '-B', '--log-io', '-T', '--log-timing']) for (const w of p.values(o)) c.write(w, `script ${o}`);
    if (p.operands[0]) c.write(p.operands[0], 'script (typescript file)');
  },
  examples: [{ line: "script -qc 'rm -rf ~' /dev/null", actions: ['delete -r ~'] }],
});

/** Privilege escalation: judged as itself (policies deny it) and for what it runs. */
const sudo = child({
  names: ['sudo', 'doas', 'pkexec', 'sudoedit'],
  summary: 'runs a program as another user; -e/sudoedit edits (writes) files; -s/-i with a command run it with a shell',
  run(c) {
    const p = c.options({
      values: ['-u', '-g', '-C', '-p', '-D', '-h', '-r', '-t', '-T', '-U', '--user', '--group', '--close-from', '--prompt', '--chdir', '--host', '--role', '--type', '--command-timeout', '--other-user'],
      stopAtFirstOperand: true,
    });
    if (c.name === 'sudoedit' || p.has('-e') || p.has('--edit')) {
      for (const w of p.operands) c.write(w, `${c.name} (edit)`);
      return;
    }
    if (!p.operands.length) return;
    const dir = p.value('-D') ?? p.value('--chdir');
    const cwd = dir ? c.resolve(dir) : c.cwd;
    if (p.has('-s') || p.has('-i') || p.has('--shell') || p.has('--login')) {
      return c.code(p.operands.map((w) => w.text).join(' '), p.operands.every((w) => w.exact), unionTaints(p.operands), `${c.name} -s`, { cwd });
    }
    return c.child(p.operands, { cwd });
  },
  examples: [
    { line: 'sudo -u dev git status', actions: ['run sudo -u dev git status', 'run git status'] },
    { line: 'sudo -e /etc/hosts', actions: ['write /etc/hosts'] },
  ],
});

const su = child({
  names: ['su'],
  summary: 'runs a shell as another user; -c CMD runs CMD',
  run(c) {
    const p = c.options({ values: ['-c', '--command', '--session-command', '-s', '--shell', '-g', '--group', '-G', '--supp-group', '-w', '--whitelist-environment'] });
    const codes = [...p.values('-c'), ...p.values('--command'), ...p.values('--session-command')];
    for (const w of codes) c.code(w.text, w.exact, w.taints, 'su -c');
  },
  examples: [{ line: "su -c 'rm -rf ~' root", actions: ['delete -r ~'] }],
});

const xargs = child({
  names: ['xargs'],
  summary: 'runs a command with items from its input (or -a FILE) appended, or in place of -I\'s string',
  run(c) {
    const p = c.options({
      values: ['-I', '-L', '-n', '-P', '-s', '-d', '-E', '-a', '--arg-file', '--delimiter', '--max-args', '--max-procs', '--max-chars', '--max-lines', '--eof', '--process-slot-var'],
      optionalValues: ['-i', '-l', '-e', '--replace'],
      stopAtFirstOperand: true,
    });
    const replace = p.value('-I') ?? p.value('-i', '{}') ?? p.value('--replace', '{}');
    const argFile = p.value('-a') ?? p.value('--arg-file');
    if (argFile) c.read(argFile);
    const cmd = p.operands.length ? p.operands : [c.word('echo')];
    const stdin = c.stdin;
    const items = stdin.literal !== undefined && !argFile ? stdin.literal.split(/\s+/).filter(Boolean) : undefined;
    const itemWord = (t: string): Word => c.word(t);
    const unknownItem: Word = { text: '{xargs input}', exact: false, glob: false, taints: new Set(stdin.taints), source: '{xargs input}', prefix: '', suffix: '' };
    c.transparent = true;
    if (replace) {
      const r = replace.text;
      const values = items ? items.slice(0, 16) : undefined;
      if (cmd.some((w) => w.text.includes(r)) && isShellCodeCommand(cmd) && !values) {
        c.opaque('spliced-code', `xargs -I ${r} splices its input into shell code`);
        c.child(cmd.map((w) => ({ ...w, text: w.text.split(r).join('input-item') })), { stdin: NO_INPUT });
      }
      for (const v of values ?? [undefined]) {
        const words = cmd.map((w) => (w.text.includes(r) ? (v === undefined ? { ...unknownItem, text: w.text } : itemWord(w.text.split(r).join(v))) : w));
        c.child(words, { stdin: NO_INPUT });
      }
      return unknownStream(stdin.taints);
    }
    const extra = items ? items.map(itemWord) : [unknownItem];
    return c.child([...cmd, ...extra], { stdin: NO_INPUT });
  },
  examples: [
    { line: 'echo origin | xargs git push -f', actions: ['push origin force unresolved'] },
    { line: 'xargs -I% rm -rf % <<< /', actions: ['delete -r /'] },
    { line: 'xargs -a .env echo', actions: ['read W/.env'] },
  ],
});

const watch = child({
  names: ['watch'],
  summary: 'runs a command again and again: its words joined, with sh -c (or exec\'d with -x)',
  run(c) {
    const p = c.options({ values: ['-n', '--interval', '-q', '--equexit', '-s', '--shotsfile'], optionalValues: ['-d', '--differences'], stopAtFirstOperand: true });
    const words = p.operands;
    if (!words.length) return;
    c.transparent = true;
    if (p.has('-x') || p.has('--exec')) return c.child(words);
    return c.code(words.map((w) => w.text).join(' '), words.every((w) => w.exact), unionTaints(words), 'watch');
  },
  examples: [
    { line: 'watch -n 60 git push -f', actions: ['push ? force unresolved'] },
    { line: 'watch -x git push -f', actions: ['push ? force unresolved'] },
  ],
});

export const WRAPPERS: readonly ProgramModel[] = [env, nohup, nice, timeout, stdbuf, ionice, setsid, taskset, flock, ...others, gdb, parallel, script, sudo, su, xargs, watch];
