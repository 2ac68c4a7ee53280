/**
 * Language interpreters: a code string (`-e`, `-c`) is opaque; a script file counts by provenance
 * (a rule such as `node *.js` may allow it only when it is tracked and unchanged); in-place edits
 * (`perl -pi`, `gawk -i inplace`) write their operands; the guard's own CLI run through `node`
 * is judged as the guard's CLI.
 */
import type { OptionSpec } from '../options';
import type { Word } from '../words';
import { fdPath } from './builtins';
import { GUARD } from './guard';
import { child, type Example, type ProgramContext, type ProgramModel } from './model';
import { packageScript } from './packages';
import { guardSettingsEdit, markAgentSettings, maybeFiles } from './util';

interface Language {
  names: string[];
  summary: string;
  /** Options whose value is code. */
  code: string[];
  /** Options whose value is a file the interpreter reads (or loads as code when `load`). */
  files?: string[];
  load?: string[];
  /** Other options that take a value (so it is not mistaken for the script). */
  values?: string[];
  /** Short options that may be bundled before a code option (`perl -ne`, `python -Sc`). */
  bundled?: boolean;
  /** An in-place edit flag (`-i`, `-i.bak`): the operands are written. */
  inPlace?: string;
  examples: readonly Example[];
}

function language(l: Language): ProgramModel {
  const spec: OptionSpec = { values: [...l.code, ...(l.files ?? []), ...(l.load ?? []), ...(l.values ?? [])], optionalValues: l.inPlace ? [l.inPlace] : [], stopAtFirstOperand: true };
  return child({
    names: l.names,
    summary: l.summary,
    examples: l.examples,
    run(c) {
      const p = c.options(spec);
      let code = l.code.flatMap((o) => p.values(o));
      // A code option at the end of a bundle (`-ne 'code'`): the parser took it as flags.
      if (l.bundled) {
        for (let i = 0; i < c.args.length; i++) {
          const t = c.args[i].text;
          if (!/^-[A-Za-z]{2,}$/.test(t) || p.operands.includes(c.args[i])) continue;
          const last = '-' + t[t.length - 1];
          if (l.code.includes(last) && c.args[i + 1] && !code.includes(c.args[i + 1])) code = [...code, c.args[i + 1]];
        }
      }
      for (const o of l.files ?? []) for (const w of p.values(o)) c.read(w, `${c.name} ${o}`);
      for (const o of l.load ?? []) for (const w of p.values(o)) loadModule(c, w, o);
      const inPlace = l.inPlace !== undefined && (p.has(l.inPlace) || c.args.some((w) => new RegExp(`^-[A-Za-z]*${l.inPlace!.slice(1)}`).test(w.text) && !w.text.startsWith('--')));
      if (code.length) {
        c.opaque('interpreter-code', `${c.name} runs code given on the command line`);
        if (code.some((w) => !w.exact || /chat\.tools/.test(w.text))) markAgentSettings(c, code);
        const files = p.operands;
        for (const w of files) {
          if (!inPlace) continue;
          c.write(w, `${c.name} (in place)`);
          guardSettingsEdit(c, w, code, `${c.name} -i`);
        }
        maybeFiles(c, files);
        return;
      }
      runScript(c, p.operands, 'interpreter');
    },
  });
}

/** A module loaded before the program (`-r ./x.js`): code from a file. */
function loadModule(c: ProgramContext, w: Word, opt: string): void {
  if (/^[./~]/.test(w.text) || w.text.includes('/')) {
    c.read(w, `${c.name} ${opt}`);
    c.script(w, `${c.name} ${opt}`);
  }
}

/**
 * The first operand is the script (or `-` for standard input); the rest are its arguments, each
 * possibly a file it opens.
 */
function runScript(c: ProgramContext, ops: readonly Word[], kind: 'interpreter'): void {
  const script = ops[0];
  if (!script) {
    c.stdinCode(kind);
    return;
  }
  const fd = fdPath(script);
  if (script.text === '-' || fd !== undefined) {
    c.stdinCode(kind, fd === undefined || fd === 0 ? c.stdin : c.fd(fd) ?? { taints: new Set(), unknown: true });
    return;
  }
  if (script.content !== undefined || (!script.exact && /^[<>]\(/.test(script.source))) {
    c.opaque('interpreter-code', `${c.name} runs a program a process substitution prints`);
    return;
  }
  const abs = c.resolve(script);
  if (abs !== undefined && c.isGuardProgram(abs)) {
    // The guard's own CLI, by its real path: judged as the guard's CLI.
    GUARD.run(c, ops.slice(1));
    return;
  }
  c.script(script, c.name);
  c.argv = [c.name, script.text, ...ops.slice(1).map((w) => w.text)];
  maybeFiles(c, ops.slice(1));
}

const node = child({
  names: ['node', 'nodejs'],
  summary: 'Node.js: -e/-p code is opaque; -r/--import modules and the script count by provenance; --env-file reads; --run runs a package.json script',
  run(c) {
    const p = c.options({
      values: ['-e', '--eval', '-p', '--print', '-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file', '--env-file-if-exists', '-C', '--conditions', '--input-type', '--title', '--run', '--test-reporter', '--test-reporter-destination', '--redirect-warnings', '--cpu-prof-dir', '--heap-prof-dir', '--diagnostic-dir', '--report-directory', '--watch-path', '--experimental-config-file', '--secure-heap', '--disable-warning'],
      stopAtFirstOperand: true,
    });
    for (const o of ['--env-file', '--env-file-if-exists']) for (const w of p.values(o)) c.read(w, `node ${o}`);
    for (const o of ['-r', '--require', '--import', '--loader', '--experimental-loader']) for (const w of p.values(o)) loadModule(c, w, o);
    for (const o of ['--test-reporter-destination', '--redirect-warnings']) for (const w of p.values(o)) if (w.text !== 'stdout' && w.text !== 'stderr') c.write(w, `node ${o}`);
    for (const o of ['--cpu-prof-dir', '--heap-prof-dir', '--diagnostic-dir', '--report-directory']) for (const w of p.values(o)) c.write(w, `node ${o}`, true);
    const code = [...p.values('-e'), ...p.values('--eval'), ...p.values('-p'), ...p.values('--print')];
    if (code.length) {
      c.opaque('interpreter-code', `${c.name} runs code given on the command line`);
      markAgentSettings(c, code);
      maybeFiles(c, p.operands);
      return;
    }
    const run = p.value('--run');
    if (run) {
      packageScript(c, run.text, 'node --run');
      return;
    }
    runScript(c, p.operands, 'interpreter');
  },
  examples: [
    { line: "node -e 'console.log(1)'", actions: ['opaque interpreter-code'] },
    { line: 'node --env-file=.env app.js', actions: ['read W/.env'] },
    { line: 'node dist/index.js', actions: ['run node dist/index.js'], absent: ['opaque script'], world: { files: { '/home/dev/project/dist/index.js': {} } } },
    { line: 'node build.js', actions: ['opaque script'], world: { files: { '/home/dev/project/build.js': { provenance: 'untracked' } } } },
    { line: "echo 'x' > gen.js && node gen.js", actions: ['opaque script'], world: { files: { '/home/dev/project/gen.js': {} } } },
    { line: 'node /usr/lib/node_modules/agent-policy/dist/cli.js disable', actions: ['run agentpolicy disable', 'opaque guard-bypass'] },
    { line: 'node ~/.vscode/extensions/agentpolicy.agent-policy-0.1.0/dist/cli.js check -- ls', actions: ['run agentpolicy check -- ls'], absent: ['opaque guard-bypass'] },
  ],
});

const python = language({
  names: ['python', 'python2', 'python3', 'pypy', 'pypy3'],
  summary: 'Python: -c code is opaque; -m pip is pip; a script counts by provenance',
  code: ['-c'],
  values: ['-W', '-X', '--check-hash-based-pycs'],
  bundled: true,
  examples: [
    { line: "python3 -c 'import os'", actions: ['opaque interpreter-code'] },
    { line: "python3 -Ic 'print(1)'", actions: ['opaque interpreter-code'] },
    { line: 'python3 script.py', actions: ['opaque script'] },
  ],
});

/** `python -m MODULE`: pip is pip; other modules are judged by name. */
const pythonModel: ProgramModel = child({
  ...python,
  names: python.names,
  run(c) {
    const i = c.args.findIndex((w) => w.text === '-m' || /^-[A-Za-z]*m$/.test(w.text));
    const before = i < 0 ? [] : c.args.slice(0, i);
    if (i >= 0 && before.every((w) => w.text.startsWith('-') && !/c/.test(w.text.slice(1)))) {
      const mod = c.args[i + 1];
      if (mod?.text === 'pip' || mod?.text === 'pip3') {
        c.argv = ['pip', ...c.args.slice(i + 2).map((w) => w.text)];
        return;
      }
      c.argv = [c.name, '-m', ...c.args.slice(i + 1).map((w) => w.text)];
      maybeFiles(c, c.args.slice(i + 2));
      return;
    }
    return (python as ProgramModel & { runs: 'child' }).run(c);
  },
  examples: [...python.examples, { line: 'python -m pip install requests', actions: ['run pip install requests'] }],
});

const perl = language({
  names: ['perl'],
  summary: 'Perl: -e/-E code (bundled too) is opaque; -i edits its files in place',
  code: ['-e', '-E'],
  load: ['-M', '-m'],
  values: ['-I', '-F', '-0', '-l', '-x', '-C', '-d', '-D'],
  bundled: true,
  inPlace: '-i',
  examples: [
    { line: "perl -pi -e 's/a/b/' src/x.ts", actions: ['opaque interpreter-code', 'write W/src/x.ts'] },
    { line: "perl -ne 'print' .env", actions: ['read W/.env'] },
  ],
});

const ruby = language({
  names: ['ruby'],
  summary: 'Ruby: -e code is opaque; -i edits in place',
  code: ['-e'],
  load: ['-r'],
  values: ['-I', '-C', '-F', '-0', '-E', '--encoding', '-W', '-T', '-K'],
  bundled: true,
  inPlace: '-i',
  examples: [{ line: "ruby -e 'puts 1'", actions: ['opaque interpreter-code'] }],
});

const php = language({
  names: ['php'],
  summary: 'PHP: -r/-B/-R/-E code is opaque; -f and the script count by provenance',
  code: ['-r', '-B', '-R', '-E'],
  load: ['-f', '--file', '-F', '--process-file'],
  values: ['-c', '-d', '-z', '-S', '-t'],
  examples: [{ line: "php -r 'echo 1;'", actions: ['opaque interpreter-code'] }],
});

const smaller = [
  language({ names: ['lua', 'luajit'], summary: 'Lua: -e code; -l loads a module', code: ['-e'], values: ['-l'], examples: [{ line: "lua -e 'os.exit()'", actions: ['opaque interpreter-code'] }] }),
  language({ names: ['Rscript'], summary: 'R: -e code', code: ['-e'], values: ['--default-packages'], examples: [{ line: "Rscript -e 'q()'", actions: ['opaque interpreter-code'] }] }),
  language({ names: ['osascript'], summary: 'AppleScript: -e code', code: ['-e'], values: ['-l', '-s'], examples: [{ line: "osascript -e 'beep'", actions: ['opaque interpreter-code'] }] }),
  language({ names: ['julia'], summary: 'Julia: -e/-E code', code: ['-e', '-E', '--eval', '--print'], values: ['-t', '--threads', '-p', '--procs', '-J', '--sysimage', '-L', '--load', '--project', '-O'], examples: [{ line: "julia -e 'exit()'", actions: ['opaque interpreter-code'] }] }),
  language({ names: ['tsx', 'ts-node'], summary: 'TypeScript runners: -e/-p code; the script by provenance', code: ['-e', '--eval', '-p', '--print'], load: ['-r', '--require'], values: ['-P', '--project', '-C', '--compiler', '--tsconfig'], examples: [{ line: "tsx -e 'x'", actions: ['opaque interpreter-code'] }] }),
  language({ names: ['pwsh', 'powershell'], summary: 'PowerShell: -c/-Command/-EncodedCommand code; -File script', code: ['-c', '-Command', '-command', '-EncodedCommand', '-e', '-ec', '-enc'], load: ['-File', '-f', '-file'], values: ['-ExecutionPolicy', '-ep', '-WorkingDirectory', '-wd', '-ConfigurationName', '-OutputFormat', '-InputFormat', '-WindowStyle'], examples: [{ line: "pwsh -c 'Remove-Item -Recurse ~'", actions: ['opaque interpreter-code'] }] }),
  language({ names: ['tclsh', 'wish', 'jshell', 'groovy', 'scala', 'kotlin', 'swift', 'irb', 'guile', 'racket', 'sbcl', 'ghci', 'runghc', 'elixir', 'erl', 'escript'], summary: 'other interpreters: code options are opaque, a script counts by provenance', code: ['-e', '--eval', '-c', '-eval'], values: ['-cp', '-classpath', '--classpath'], examples: [{ line: "groovy -e 'x'", actions: ['opaque interpreter-code'] }] }),
];

const awk = child({
  names: ['awk', 'gawk', 'mawk', 'nawk', 'busybox-awk'],
  summary: 'awk: the program text is opaque code; -f program files count by provenance; operands are read; gawk -i inplace writes them',
  run(c) {
    const p = c.options({ values: ['-F', '-v', '-f', '--file', '--field-separator', '--assign', '-i', '--include', '-l', '--load', '-E', '--exec'] });
    const progFiles = [...p.values('-f'), ...p.values('--file'), ...p.values('-E'), ...p.values('--exec')];
    const inPlace = [...p.values('-i'), ...p.values('--include')].some((w) => w.text === 'inplace' || !w.exact);
    let ops = p.operands;
    if (progFiles.length) {
      for (const f of progFiles) {
        c.read(f);
        c.script(f, `${c.name} -f`);
      }
    } else if (ops.length) {
      c.opaque('interpreter-code', `${c.name} runs a program given on the command line`);
      markAgentSettings(c, [ops[0]]);
      ops = ops.slice(1);
    }
    for (const w of ops) {
      if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w.text)) continue;
      c.read(w);
      if (inPlace) c.write(w, `${c.name} -i inplace`);
    }
    if (ops.length) c.out.passthrough = false;
  },
  examples: [
    { line: "awk -F= '{print $1}' .env", actions: ['read W/.env', 'opaque interpreter-code'] },
    { line: 'awk -f prog.awk data.csv', actions: ['read W/prog.awk', 'read W/data.csv', 'opaque script'] },
    { line: "gawk -i inplace '{print}' .agentpolicy.yaml", actions: ['write W/.agentpolicy.yaml'] },
  ],
});

const deno = child({
  names: ['deno'],
  summary: 'Deno: `run FILE|URL` (provenance, or network), `eval CODE`, `task NAME` (deno.json), installs',
  run(c) {
    const sub = c.args.find((w) => !w.text.startsWith('-'));
    const after = sub ? c.args.slice(c.args.indexOf(sub) + 1) : [];
    if (!sub) return c.stdinCode('interpreter');
    switch (sub.text) {
      case 'eval':
        c.opaque('interpreter-code', 'deno eval runs code given on the command line');
        return;
      case 'run': {
        const ops = after.filter((w) => !w.text.startsWith('-'));
        const target = ops[0];
        if (target && /^https?:\/\//.test(target.text)) {
          c.network(new URL(target.text).hostname);
          c.opaque('remote-code', 'deno run runs a program from the network');
        } else if (target) c.script(target, 'deno run');
        return;
      }
      case 'task':
        c.opaque('script', 'deno task runs a command from deno.json');
        return;
      case 'install':
      case 'add':
        c.network('*', `deno ${sub.text}`);
        return;
      default:
        if (/\.(ts|js|mjs|tsx|jsx)$/.test(sub.text)) c.script(sub, 'deno');
    }
  },
  examples: [
    { line: 'deno eval "Deno.exit()"', actions: ['opaque interpreter-code'] },
    { line: 'deno run https://x.example/m.ts', actions: ['net x.example', 'opaque remote-code'] },
  ],
});

export const INTERPRETERS: readonly ProgramModel[] = [node, pythonModel, perl, ruby, php, ...smaller, awk, deno];
/** Used for `python3.12` and other versioned names. */
export const PYTHON = pythonModel;
