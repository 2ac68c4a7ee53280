/**
 * Package managers, task runners, compilers and dev tools. A `package.json` script, a Makefile
 * target or a task file may match an allow rule only when that file is tracked and unchanged
 * from HEAD (and not changed earlier on the line); compilers write their outputs; formatters
 * with a write flag write their operands; containers reach the host paths they mount.
 */
import * as path from 'path';
import type { Word } from '../words';
import { child, type ProgramContext, type ProgramModel } from './model';
import { maybeFiles } from './util';

const NPM_ALIASES: Record<string, string> = {
  i: 'install', in: 'install', ins: 'install', inst: 'install', insta: 'install', instal: 'install', isnt: 'install', isnta: 'install', isntal: 'install', isntall: 'install', add: 'install', install: 'install',
  ci: 'ci', ic: 'ci', 'clean-install': 'ci', 'install-clean': 'ci', isntaller: 'install',
  it: 'install-test', cit: 'install-ci-test', 'install-ci-test': 'install-ci-test', 'install-test': 'install-test',
  x: 'exec', exec: 'exec',
  run: 'run', 'run-script': 'run', rum: 'run', urn: 'run',
  t: 'test', tst: 'test', test: 'test',
  un: 'uninstall', uninstall: 'uninstall', unlink: 'uninstall', remove: 'uninstall', rm: 'uninstall', r: 'uninstall',
  up: 'update', update: 'update', upgrade: 'update', udpate: 'update',
  ln: 'link', link: 'link',
};
const NPM_VALUE_OPTS = ['--prefix', '-C', '--dir', '--cwd', '--registry', '--cache', '--userconfig', '--globalconfig', '--loglevel', '-w', '--workspace', '--tag', '--otp', '--script-shell', '--node-options', '-p', '--package', '--call', '-c', '--filter', '-F'];
/** Subcommands that run a script from package.json (besides `run`). */
const LIFECYCLE = new Set(['test', 'start', 'stop', 'restart', 'install-test', 'install-ci-test']);
/** yarn/pnpm commands that are their own; any other word runs a package.json script. */
const YARN_BUILTINS = new Set(['add', 'audit', 'autoclean', 'bin', 'cache', 'check', 'config', 'create', 'dlx', 'exec', 'generate-lock-entry', 'global', 'help', 'import', 'info', 'init', 'install', 'licenses', 'link', 'list', 'login', 'logout', 'node', 'outdated', 'owner', 'pack', 'policies', 'publish', 'remove', 'run', 'tag', 'team', 'test', 'unlink', 'unplug', 'upgrade', 'upgrade-interactive', 'version', 'versions', 'why', 'workspace', 'workspaces', 'set', 'plugin', 'rebuild', 'explain', 'npm', 'patch', 'patch-commit', 'search', 'stage', 'up', 'constraints', 'dedupe', 'i', 'ls', 'update', 'prune', 'store', 'env', 'fetch', 'deploy', 'root', 'start', 'licenses', 'doctor', 'x', 'setup', 'import', 'rm', 'un', 'uninstall', 'ci']);

/**
 * A script from the nearest package.json runs: only a tracked, unchanged package.json may let a
 * rule allow it. `dir`: where npm looks (default the working directory, walking up).
 */
export function packageScript(c: ProgramContext, name: string, what: string, dir?: string): void {
  const start = dir ?? c.cwd;
  if (start === undefined) {
    c.opaque('script', `${what} runs a package.json script from a folder not known before it runs`);
    return;
  }
  for (let d = start, i = 0; i < 64; d = path.posix.dirname(d), i++) {
    const pkg = c.word(path.posix.join(d, 'package.json'));
    const there = c.exists(pkg);
    if (there === true || there === undefined || d === '/' || (dir !== undefined && i === 0)) {
      if (there !== false || dir !== undefined) c.script(pkg, `${what} (script "${name}")`);
      return;
    }
  }
}

const npm = child({
  names: ['npm', 'pnpm', 'yarn', 'bun', 'npx', 'pnpx', 'bunx'],
  summary: 'JavaScript package managers: installs and exec (network); test/start/run and yarn/pnpm script names run package.json scripts (by provenance); bun also runs files and code',
  run(c) {
    const args = c.args;
    if (c.name === 'npx' || c.name === 'pnpx' || c.name === 'bunx') return npmExec(c, args);
    let i = 0;
    const pre: string[] = [];
    while (i < args.length && args[i].text.startsWith('-')) {
      const t = args[i].text;
      if (/^--script-shell|^--node-options/.test(t)) c.opaque('exec-config', `${c.name} ${t} changes what runs scripts`);
      if (c.name === 'bun' && /^(-e|--eval|-p|--print)$/.test(t)) {
        c.opaque('interpreter-code', `bun ${t} runs code given on the command line`);
        return;
      }
      pre.push(t);
      if (NPM_VALUE_OPTS.includes(t)) pre.push(args[++i]?.text ?? '');
      i++;
    }
    const subWord = args[i];
    if (!subWord) {
      if (c.name === 'yarn' || c.name === 'bun') c.argv = [c.name, 'install'];
      return;
    }
    const sub = c.name === 'npm' || c.name === 'pnpm' ? (NPM_ALIASES[subWord.text] ?? subWord.text) : subWord.text;
    const rest = args.slice(i + 1);
    const prefixIdx = args.findIndex((w) => /^(--prefix|-C|--dir|--cwd)(=|$)/.test(w.text));
    let dir: string | undefined;
    if (prefixIdx >= 0) {
      const w = args[prefixIdx];
      const v = w.text.includes('=') ? { ...w, text: w.text.slice(w.text.indexOf('=') + 1) } : args[prefixIdx + 1];
      dir = v ? c.resolve(v) : undefined;
      const ws = c.workspace;
      if (dir === undefined || !(dir === ws || dir.startsWith(ws + '/'))) c.opaque('script', `${c.name} ${w.text}: runs the package scripts of another folder`);
    }
    for (const w of rest) if (/^--script-shell|^--node-options/.test(w.text)) c.opaque('exec-config', `${c.name} ${w.text} changes what runs scripts`);
    if (sub === 'exec' || sub === 'x' || (c.name === 'pnpm' && sub === 'dlx') || (c.name === 'yarn' && sub === 'dlx')) return npmExec(c, rest, `${c.name} ${sub}`);
    c.argv = [c.name, sub, ...rest.map((w) => (w.exact ? w.text : '\u0000' + w.text)), ...pre];
    if (c.name === 'bun' && /\.(m?[jt]sx?|cjs)$/.test(sub)) {
      c.script(subWord, 'bun');
      maybeFiles(c, rest);
      return;
    }
    if (sub === 'run' || sub === 'run-script') {
      const script = rest.find((w) => !w.text.startsWith('-'));
      if (!script) return;
      if (c.name === 'bun' && /\.(m?[jt]sx?|cjs)$/.test(script.text)) c.script(script, 'bun run');
      else packageScript(c, script.text, `${c.name} run`, dir);
      return;
    }
    if (LIFECYCLE.has(sub) && !(c.name === 'bun' && sub === 'test')) return packageScript(c, sub, `${c.name} ${sub}`, dir);
    if ((c.name === 'yarn' || c.name === 'pnpm') && !YARN_BUILTINS.has(sub) && subWord.exact) return packageScript(c, sub, `${c.name} ${sub}`, dir);
  },
  examples: [
    { line: 'npm test', actions: ['run npm test'], absent: ['opaque script'], world: { files: { '/home/dev/project/package.json': {} } } },
    { line: 'npm test', actions: ['opaque script'], world: { files: { '/home/dev/project/package.json': { provenance: 'modified' } } } },
    { line: "sed -i 's/mocha/x/' package.json && npm test", actions: ['opaque script'], world: { files: { '/home/dev/project/package.json': {} } } },
    { line: 'npm run build', actions: ['run npm run build'], absent: ['opaque script'], world: { files: { '/home/dev/project/package.json': {} } } },
    { line: 'bun -e "1"', actions: ['opaque interpreter-code'] },
    { line: 'npx agentpolicy disable', actions: ['run agentpolicy disable'] },
    { line: 'npm --prefix /tmp run build', actions: ['opaque script'] },
  ],
});

function npmExec(c: ProgramContext, args: readonly Word[], what = c.name): void {
  for (let i = 0; i < args.length; i++) {
    const t = args[i].text;
    if (t === '-c' || t === '--call') {
      const w = args[i + 1];
      if (w) {
        c.transparent = true;
        c.code(w.text, w.exact, w.taints, `${what} -c`);
        return;
      }
    }
    const m = /^--call=(.*)$/s.exec(t);
    if (m) {
      c.transparent = true;
      c.code(m[1], args[i].exact, args[i].taints, `${what} -c`);
      return;
    }
  }
  const base = c.name === 'npx' || c.name === 'pnpx' || c.name === 'bunx' ? [c.name] : [c.name, 'exec'];
  c.argv = [...base, ...args.map((w) => (w.exact ? w.text : '\u0000' + w.text))];
  // The package's program runs too: judge it as itself (e.g. `npx agentpolicy disable`).
  const valueOpts = ['-p', '--package', '--cache', '--registry', '-w', '--workspace', '--prefix'];
  let i = 0;
  while (i < args.length && args[i].text.startsWith('-')) i += valueOpts.includes(args[i].text) ? 2 : 1;
  if (i < args.length) {
    const pkg = args[i].text.replace(/@[^/@]*$/, '').replace(/^@[^/]+\//, '');
    c.child([{ ...args[i], text: pkg }, ...args.slice(i + 1)]);
  }
}

/** Task runners that read their tasks from a file in the working directory. */
const TASK_FILES: Record<string, string[]> = {
  make: ['GNUmakefile', 'makefile', 'Makefile'],
  gmake: ['GNUmakefile', 'makefile', 'Makefile'],
  just: ['justfile', 'Justfile', '.justfile'],
  task: ['Taskfile.yml', 'Taskfile.yaml', 'taskfile.yml'],
  rake: ['Rakefile', 'rakefile'],
  ninja: ['build.ninja'],
  invoke: ['tasks.py'],
  nox: ['noxfile.py'],
  tox: ['tox.ini'],
};

const tasks = child({
  names: Object.keys(TASK_FILES),
  summary: 'task runners: a target runs commands from the task file (Makefile, justfile…), which counts by provenance',
  run(c) {
    const p = c.options({ values: ['-f', '--file', '--makefile', '-C', '--directory', '-j', '--jobs', '-l', '--load-average', '-o', '-W', '-I', '--include-dir', '--eval', '-E', '-t', '-d', '--justfile', '--working-directory'] });
    const dirW = p.value('-C') ?? p.value('--directory') ?? p.value('--working-directory');
    const dir = dirW ? c.resolve(dirW) : c.cwd;
    if (p.has('--eval') || p.has('-E')) c.opaque('interpreter-code', `${c.name} --eval runs makefile text given on the line`);
    const explicit = p.value('-f') ?? p.value('--file') ?? p.value('--makefile') ?? p.value('--justfile');
    if (explicit) {
      c.script(dirW && explicit.exact && !explicit.text.startsWith('/') && dir ? c.word(path.posix.join(dir, explicit.text)) : explicit, c.name);
      return;
    }
    if (dir === undefined) {
      c.opaque('script', `${c.name} runs a task file from a folder not known before it runs`);
      return;
    }
    const files = TASK_FILES[c.name].map((f) => c.word(path.posix.join(dir, f)));
    const found = files.find((f) => c.exists(f) !== false);
    c.script(found ?? files[files.length - 1], c.name);
  },
  examples: [
    { line: 'make build', actions: ['run make build'], absent: ['opaque script'], world: { files: { '/home/dev/project/Makefile': {} } } },
    { line: 'make build', actions: ['opaque script'], world: { files: { '/home/dev/project/Makefile': { provenance: 'untracked' } } } },
    { line: "echo 'all:; rm -rf ~' > Makefile && make", actions: ['opaque script'], world: { files: { '/home/dev/project/Makefile': {} } } },
  ],
});

/** `uv run X`, `poetry run X`, `conda run -n env X`…: X runs (a .py file with python). */
const runners = child({
  names: ['uv', 'poetry', 'pipenv', 'pdm', 'rye', 'hatch', 'pixi', 'conda', 'mamba', 'micromamba', 'bundle', 'dotenv', 'direnv'],
  summary: 'environment runners: their `run`/`exec` subcommand runs a program (installs and syncs reach the network)',
  run(c) {
    const at = c.args.findIndex((w) => ['run', 'exec'].includes(w.text));
    if (c.name === 'dotenv' || c.name === 'direnv') {
      // dotenv -- cmd, direnv exec DIR cmd: the program gets the secret files' values.
      const files = c.name === 'dotenv' ? c.options({ values: ['-e', '-f', '-v', '-c'] }).values('-e').concat(c.options({ values: ['-e', '-f', '-v', '-c'] }).values('-f')) : [];
      for (const f of files.length ? files : [c.word('.env')]) c.read(f, `${c.name} (loads)`);
      const dd = c.args.findIndex((w) => w.text === '--');
      const cmd = dd >= 0 ? c.args.slice(dd + 1) : c.name === 'direnv' && at >= 0 ? c.args.slice(at + 2) : [];
      if (cmd.length) c.child(cmd);
      return;
    }
    if (at < 0) return;
    let i = at + 1;
    while (i < c.args.length && c.args[i].text.startsWith('-')) i += /^(-n|--name|-p|--prefix|-e|--env|--with|--python|-p)$/.test(c.args[i].text) ? 2 : 1;
    const cmd = c.args.slice(i);
    if (!cmd.length) return;
    if (/\.py$/.test(cmd[0].text)) c.child([c.word('python'), ...cmd]);
    else c.child(cmd);
  },
  examples: [
    { line: 'uv run script.py', actions: ['opaque script'] },
    { line: 'poetry run rm -rf ~', actions: ['delete -r ~'] },
    { line: 'dotenv -- node app.js', actions: ['read W/.env'] },
  ],
});

const installers = child({
  names: ['pip', 'pip3', 'pipx', 'gem', 'cargo', 'apt', 'apt-get', 'aptitude', 'dnf', 'yum', 'brew', 'apk', 'pacman', 'zypper', 'snap', 'flatpak', 'composer', 'mvn', 'gradle', 'gradlew', 'sbt', 'lein', 'mix', 'nuget', 'dotnet', 'swift-package', 'vcpkg', 'conan', 'nix', 'nix-env', 'port', 'spack'],
  summary: 'package managers and build tools: judged by their words (installs, builds); cargo run/dotnet run run a program',
  run(c) {
    c.out.passthrough = false;
    if ((c.name === 'cargo' || c.name === 'dotnet') && c.args[0]?.text === 'run') c.opaque('script', `${c.name} run builds and runs the project's program`);
    if (c.name === 'pip' || c.name === 'pip3') {
      const p = c.options({ values: ['-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-t', '--target', '-d', '--dest', '--log', '--prefix', '--root', '-i', '--index-url'] });
      for (const w of [...p.values('-t'), ...p.values('--target'), ...p.values('-d'), ...p.values('--dest'), ...p.values('--prefix'), ...p.values('--root')]) c.write(w, `${c.name} (installs into)`, true);
    }
  },
  examples: [{ line: 'pip install --target /tmp/site x', actions: ['write -r /tmp/site'] }],
});

const goTool = child({
  names: ['go'],
  summary: 'Go: run compiles and runs files (by provenance); build -o writes; generate runs commands from source comments; get/install reach the network',
  run(c) {
    const sub = c.args[0]?.text ?? '';
    const p = c.options({ values: ['-o', '-C', '-p', '-tags', '-ldflags', '-gcflags', '-mod', '-modfile', '-pkgdir', '-exec', '-toolexec', '-overlay', '-pgo', '-coverpkg', '-run', '-bench', '-timeout', '-count', '-cpu', '-parallel'] }, c.args.slice(1));
    for (const w of p.values('-o')) c.write(w, 'go build -o', true);
    if (p.has('-exec') || p.has('-toolexec')) c.opaque('exec-config', `go ${sub} -exec runs another program`);
    if (sub === 'run') for (const w of p.operands.filter((x) => x.text.endsWith('.go'))) c.script(w, 'go run');
    if (sub === 'generate') c.opaque('script', 'go generate runs the commands written in source comments');
    if (['get', 'install', 'mod'].includes(sub) && !(sub === 'mod' && p.operands[0]?.text !== 'download')) c.network('*', `go ${sub}`);
    if (sub === 'env' && p.has('-w')) c.write(c.word(path.posix.join(c.home, '.config', 'go', 'env')), 'go env -w');
  },
  examples: [
    { line: 'go build -o /tmp/app .', actions: ['write -r /tmp/app'] },
    { line: 'go generate ./...', actions: ['opaque script'] },
  ],
});

/** Compilers and bundlers: inputs are read (a preprocessor prints them), outputs written. */
const compilers = child({
  names: ['gcc', 'g++', 'cc', 'c++', 'clang', 'clang++', 'cpp', 'rustc', 'javac', 'ld', 'as', 'nasm', 'zig', 'esbuild', 'swc', 'babel', 'rollup', 'webpack', 'vite', 'parcel', 'tsup', 'ncc', 'terser', 'uglifyjs', 'sass', 'lessc', 'protoc'],
  summary: 'compilers and bundlers: -o/--outfile/--outdir (and the like) are written; source operands are read',
  run(c) {
    c.out.passthrough = false;
    const args = c.args;
    for (let i = 0; i < args.length; i++) {
      const t = args[i].text;
      const m = /^(-o|--out-file|--outfile|--out-dir|--outdir|--out|-d|--dist-dir|--output|--output-path|--outDir|--metafile|-MF|--emit-dir|-femit-bin|--css-output|--js_out|--python_out|--cpp_out|--java_out|--go_out|--ts_out|--descriptor_set_out)(?:=(.*))?$/.exec(t);
      if (m && (m[1] !== '-d' || ['javac', 'babel', 'swc', 'rollup', 'sass'].includes(c.name))) {
        const v = m[2] !== undefined ? { ...args[i], text: m[2].replace(/^[^:]*:(?=\/|\.)/, '') } : args[++i];
        // An output folder gets files named after the sources (read operands, judged as such): the
        // folder itself is written, not everything under it (`javac -d . Main.java` is benign;
        // `--outdir=.git/hooks` writes a protected folder).
        if (v) c.write(v, `${c.name} ${m[1]}`);
        continue;
      }
      if (/^-o./.test(t) && ['gcc', 'g++', 'cc', 'c++', 'clang', 'clang++', 'ld', 'as', 'nasm'].includes(c.name)) {
        c.write({ ...args[i], text: t.slice(2) }, `${c.name} -o`);
        continue;
      }
      if (t.startsWith('-')) continue;
      if (c.name === 'vite' && ['build', 'dev', 'preview', 'serve'].includes(t)) continue;
      c.read(args[i], c.name);
    }
  },
  examples: [
    { line: 'gcc -o ~/.local/bin/x main.c', actions: ['write ~/.local/bin/x', 'read W/main.c'] },
    { line: 'cpp .env', actions: ['read W/.env'] },
    { line: 'esbuild src/a.ts --outfile=.agentpolicy.yaml', actions: ['write W/.agentpolicy.yaml'] },
  ],
});

const tsc = child({
  names: ['tsc', 'vue-tsc'],
  summary: 'TypeScript: --outDir/--outFile/--declarationDir (and the like) are written; -p reads a project',
  run(c) {
    c.out.passthrough = false;
    const args = c.args;
    for (let i = 0; i < args.length; i++) {
      const m = /^--?(outDir|outFile|out|declarationDir|tsBuildInfoFile|generateTrace|project|p|generateCpuProfile)(?:=(.*))?$/.exec(args[i].text);
      if (!m) continue;
      const v = m[2] !== undefined ? { ...args[i], text: m[2] } : args[++i];
      if (!v) continue;
      if (m[1] === 'project' || m[1] === 'p') c.read(v, 'tsc --project');
      else c.write(v, `tsc --${m[1]}`);
    }
  },
  examples: [
    { line: 'tsc --outFile ~/.bashrc', actions: ['write ~/.bashrc'] },
    { line: 'tsc --outDir .', actions: ['write W'] },
  ],
});

/** Formatters and fixers rewrite their operands when told to (or by default for some). */
const formatters = child({
  names: ['prettier', 'eslint', 'biome', 'black', 'isort', 'ruff', 'autopep8', 'yapf', 'gofmt', 'goimports', 'rustfmt', 'clang-format', 'shfmt', 'stylua', 'standard', 'dprint', 'taplo', 'mypy', 'pylint', 'flake8', 'stylelint', 'markdownlint', 'vitest', 'jest', 'mocha', 'pytest', 'ava', 'tap', 'karma', 'playwright', 'cypress'],
  summary: 'formatters, linters and test runners: with a write flag (--write, -w, -i, --fix) they rewrite their operands (black, isort, rustfmt by default); test runners run test files',
  run(c) {
    c.out.passthrough = false;
    const writesByDefault = ['black', 'isort', 'rustfmt', 'autopep8', 'yapf', 'standard'].includes(c.name) && !c.args.some((w) => /^--(check|diff)$/.test(w.text));
    const writes = writesByDefault || c.args.some((w) => /^(--write|-w|-i|--in-place|--fix|--apply|--apply-unsafe|-l|--fix-only)$/.test(w.text) || (c.name === 'ruff' && w.text === 'format') || (c.name === 'dprint' && w.text === 'fmt'));
    if (!writes) return;
    for (const w of c.args) {
      if (w.text.startsWith('-') || ['format', 'check', 'fmt', 'lint'].includes(w.text)) continue;
      // A file is rewritten; a folder has files rewritten that are not known here.
      if (/[^/]\.[A-Za-z0-9]+$/.test(w.text)) c.write(w, `${c.name} (rewrites)`);
      else c.mayWriteUnder(w, `${c.name} (rewrites)`);
    }
  },
  examples: [
    { line: 'prettier --write .agentpolicy.yaml', actions: ['write W/.agentpolicy.yaml'] },
    { line: 'prettier --write .', actions: ['write W', 'opaque glob'] },
    { line: 'prettier --check src', absent: ['write W/src'] },
  ],
});

const docker = child({
  names: ['docker', 'podman', 'nerdctl'],
  summary: 'containers: judged by their words (`docker container run` is `docker run`); bind mounts reach host paths (read, and written unless :ro); a build sends its context folder',
  run(c) {
    const args = c.args;
    let i = 0;
    const vals = ['--context', '-c', '-H', '--host', '--config', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey', '--url', '--connection', '--root', '--runroot'];
    while (i < args.length && args[i].text.startsWith('-')) {
      if (vals.includes(args[i].text)) i++;
      i++;
    }
    let rest = args.slice(i);
    if (rest[0]?.text === 'container' && rest.length > 1) rest = rest.slice(1);
    c.argv = [c.name, ...rest.map((w) => (w.exact ? w.text : '\u0000' + w.text))];
    const sub = rest[0]?.text;
    for (let k = 1; k < rest.length; k++) {
      const t = rest[k].text;
      const vol = /^(-v|--volume|--mount)(?:=(.*))?$/.exec(t);
      if (vol) {
        const v = vol[2] !== undefined ? { ...rest[k], text: vol[2] } : rest[++k];
        if (!v) continue;
        const bind = vol[1] === '--mount' ? /(?:^|,)(?:source|src)=([^,]+)/.exec(v.text)?.[1] : v.text.includes(':') ? v.text.split(':')[0] : undefined;
        if (!bind || !/^[/.~]/.test(bind)) continue;
        // The container may read (and, unless read-only, change) anything under the mounted folder.
        const host = { ...v, text: bind.replace(/^~(?=\/|$)/, c.home) };
        c.read(host, `${c.name} -v (mounts)`);
        if (!/(:ro|,readonly|,ro)(,|$)/.test(v.text)) c.mayWriteUnder(host, `${c.name} -v (mounts)`);
        else c.opaque('glob', `${c.name} mounts ${host.text}: the container may read anything under it`);
      }
    }
    if (sub === 'build' || sub === 'buildx') {
      const p = c.options({ values: ['-f', '--file', '-t', '--tag', '--build-arg', '--target', '--platform', '--secret', '--ssh', '-o', '--output', '--cache-from', '--cache-to', '--label', '--network', '--progress', '--iidfile'] }, rest.slice(1));
      const ctx = p.operands.filter((w) => w.text !== 'build')[0];
      if (ctx && !/^(https?|git):\/\//.test(ctx.text) && ctx.text !== '-') c.readTree(ctx, { hidden: true, ignored: true }, `${c.name} build (context)`);
      for (const s of p.values('--secret')) {
        const src = /(?:^|,)(?:src|source)=([^,]+)/.exec(s.text)?.[1];
        if (src) c.read({ ...s, text: src }, `${c.name} build --secret`);
      }
    }
    if (sub === 'cp') {
      for (const w of rest.slice(1).filter((x) => !x.text.startsWith('-'))) {
        if (/^[^/.~][^:]*:/.test(w.text)) continue;
        c.read(w, `${c.name} cp`);
        c.write(w, `${c.name} cp`, true);
      }
    }
  },
  examples: [
    { line: 'docker container run alpine', actions: ['run docker run alpine'] },
    { line: 'docker run -v ~/.ssh:/keys alpine', actions: ['read ~/.ssh'] },
    { line: 'docker run -v /:/host alpine ls /host', actions: ['write /', 'opaque glob'], absent: ['read ~/.ssh/id_rsa'] },
    { line: 'docker build -t app .', actions: ['read W/.env'], world: { files: { '/home/dev/project/.env': { secret: true } } } },
  ],
});

const vscodeCli = child({
  names: ['code', 'code-insiders', 'cursor', 'codium', 'windsurf'],
  summary: 'the VS Code CLI: judged by its words (extensions); files named are opened for editing',
  run(c) {
    c.out.passthrough = false;
    const p = c.options({ values: ['--install-extension', '--uninstall-extension', '--disable-extension', '--enable-proposed-api', '--user-data-dir', '--extensions-dir', '--profile', '--locale', '--log', '--sync', '-g', '--goto', '--add', '--remove', '-d', '--diff', '-m', '--merge'] });
    for (const w of p.values('--install-extension')) if (/\.vsix$/.test(w.text)) c.read(w, `${c.name} --install-extension`);
    for (const w of p.operands) c.write(w, `${c.name} (opens for editing)`);
  },
  examples: [{ line: 'code .vscode/settings.json', actions: ['write W/.vscode/settings.json'] }],
});

export const PACKAGES: readonly ProgramModel[] = [npm, tasks, runners, installers, goTool, compilers, tsc, formatters, docker, vscodeCli];
