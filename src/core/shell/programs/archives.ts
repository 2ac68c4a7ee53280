/**
 * Archivers, compressors and encryption tools. Packing reads every file under what it packs
 * (secrets included); extracting writes files not known statically under its destination (named
 * members are written by name); compressing replaces a file with another; encrypting and
 * decrypting read keys and write their output.
 */
import * as path from 'path';
import type { Word } from '../words';
import { child, type ProgramModel } from './model';

const tar = child({
  names: ['tar', 'bsdtar', 'gtar'],
  summary: 'packs (reads everything under its operands) and extracts (writes under -C DIR, or the named members); -O extracts to standard output; programs it may run are exec-config',
  run(c) {
    const args = c.args;
    let mode = '';
    let archive: Word | undefined;
    let dir: Word | undefined;
    let toStdout = false;
    const ops: Word[] = [];
    for (let i = 0; i < args.length; i++) {
      const t = args[i].text;
      if (i === 0 && /^[a-zA-Z]+$/.test(t)) {
        // Old-style bundled options: `tar czf out.tgz src`.
        mode = t;
        if (t.includes('f')) archive = args[++i];
        if (t.includes('C')) dir = args[++i];
        if (t.includes('O')) toStdout = true;
        continue;
      }
      if (t === '-f' || t === '--file') archive = args[++i];
      else if (/^--file=/.test(t)) archive = { ...args[i], text: t.slice(7) };
      else if (t === '-C' || t === '--directory') dir = args[++i];
      else if (/^--directory=/.test(t)) dir = { ...args[i], text: t.slice(12) };
      else if (t === '-T' || t === '--files-from' || /^--files-from=/.test(t)) {
        const list = t.includes('=') ? { ...args[i], text: t.slice(t.indexOf('=') + 1) } : args[++i];
        if (list) c.read(list, 'tar -T');
        c.opaque('glob', 'tar -T packs the files listed in another file');
      } else if (/^(--to-command|--use-compress-program|-I|--checkpoint-action|--info-script|-F|--new-volume-script|--rsh-command|--rmt-command)/.test(t)) {
        c.opaque('exec-config', `tar ${t} runs a program`);
        if (!t.includes('=')) i++;
      } else if (/^--(create|extract|get|list|append|update|delete|diff|compare|concatenate|catenate)$/.test(t)) {
        mode += { create: 'c', extract: 'x', get: 'x', list: 't', append: 'r', update: 'u', delete: 'd', diff: 'd', compare: 'd', concatenate: 'A', catenate: 'A' }[t.slice(2)];
      } else if (t === '--to-stdout' || t === '-O') toStdout = true;
      else if (/^-[a-zA-Z]+$/.test(t)) {
        mode += t.slice(1);
        if (t.includes('O')) toStdout = true;
        if (t.endsWith('f')) archive = args[++i];
        else if (t.endsWith('C')) dir = args[++i];
      } else if (/^--(exclude|exclude-from|transform|xform|owner|group|mode|mtime|label|suffix|format|blocking-factor|record-size|newer|after-date|newer-mtime|strip-components)$/.test(t)) i++;
      else if (!t.startsWith('-')) ops.push(args[i]);
    }
    const create = /[cru]/.test(mode);
    const extract = /x/.test(mode);
    if (archive) {
      if (archive.text.includes(':') && !archive.text.startsWith('/') && !archive.text.startsWith('.')) c.network(archive.text.split(':')[0].replace(/^.*@/, ''));
      else if (archive.text === '-') {
        /* standard input or output */
      } else if (create) c.write(archive);
      else c.read(archive);
    }
    const base = dir ? c.resolve(dir) : c.cwd;
    const under = (w: Word): Word => (dir && base !== undefined && w.exact && !w.text.startsWith('/') ? { ...w, text: path.posix.join(base, w.text) } : w);
    if (create) for (const w of ops) c.readTree(under(w), { hidden: true, ignored: true }, 'tar (packs)');
    if (extract && !toStdout) {
      if (ops.length) for (const w of ops) c.write(under(w), 'tar -x', true);
      else c.mayWriteUnder(dir ?? c.word('.'), 'tar -x');
    }
    if (extract && toStdout) c.out.taints.add('decode');
  },
  examples: [
    { line: 'tar czf /tmp/e.tgz .env', actions: ['read -r W/.env', 'write /tmp/e.tgz'] },
    { line: 'tar czf /tmp/c.tgz config', actions: ['read W/config/.env'], world: { files: { '/home/dev/project/config/.env': { secret: true } } } },
    { line: 'tar xf a.tar .agentpolicy.yaml', actions: ['write -r W/.agentpolicy.yaml'] },
    { line: 'tar -xzf a.tgz -C .codex', actions: ['write W/.codex', 'opaque glob'] },
    { line: 'tar xzf vendor.tgz', actions: ['opaque glob'] },
    { line: 'tar tzf a.tgz', actions: ['read W/a.tgz'], absent: ['opaque glob'] },
  ],
});

/** Words after an option that takes a list (`zip -x a b`, `unzip -x a b`) up to the next option. */
function listAfter(args: readonly Word[], opt: string): Set<Word> {
  const out = new Set<Word>();
  for (let i = 0; i < args.length; i++) {
    if (args[i].text !== opt) continue;
    for (let j = i + 1; j < args.length && !args[j].text.startsWith('-'); j++) out.add(args[j]);
  }
  return out;
}

const zip = child({
  names: ['zip', 'jar'],
  summary: 'packs files into an archive (-r: everything under them); -x lists exclusions; -@ reads names from standard input',
  run(c) {
    const excluded = listAfter(c.args, '-x');
    const p = c.options({ values: ['-P', '--password', '-t', '-tt', '-n', '-b', '-O', '--output-file', '-Z', '--compression-method', '-s', '--split-size', '-e', '-C'] });
    const recursive = c.name === 'jar' || p.has('-r') || p.has('-R') || p.has('--recurse-paths');
    let ops = p.operands.filter((w) => !excluded.has(w));
    if (c.name === 'jar') {
      // jar cf ARCHIVE files… | jar xf ARCHIVE
      const mode = ops[0]?.text ?? '';
      ops = ops.slice(1);
      if (/x/.test(mode)) {
        if (ops[0]) c.read(ops[0]);
        c.mayWriteUnder(c.word('.'), 'jar x');
        return;
      }
      if (/[tl]/.test(mode) && !/[cu]/.test(mode)) {
        if (ops[0]) c.read(ops[0]);
        return;
      }
    }
    const [archive, ...files] = ops;
    if (archive) c.write(archive);
    for (const w of [...p.values('-O'), ...p.values('--output-file')]) c.write(w, `${c.name} -O`);
    if (p.has('-@')) c.opaque('glob', `${c.name} -@ packs files named on standard input`);
    for (const w of files) {
      if (recursive) c.readTree(w, { hidden: true, ignored: true }, `${c.name} -r`);
      else c.read(w);
    }
  },
  examples: [
    { line: 'zip s.zip .env', actions: ['read W/.env', 'write W/s.zip'] },
    { line: 'zip -r keys.zip ~/.ssh', actions: ['read -r ~/.ssh'] },
    { line: "zip -r src.zip src -x '*.log'", actions: ['read -r W/src'], absent: ['read W/*.log'] },
  ],
});

const unzip = child({
  names: ['unzip', 'funzip', 'unar', 'bsdunzip'],
  summary: 'extracts an archive: named members, or files not known under -d DIR; -p/-c to standard output; -l/-t/-v list',
  run(c) {
    const excluded = listAfter(c.args, '-x');
    const p = c.options({ values: ['-d', '-P', '-o-dir', '-O', '-I'] });
    const [archive, ...members] = p.operands.filter((w) => !excluded.has(w));
    if (archive) c.read(archive);
    if (p.has('-l') || p.has('-t') || p.has('-v') || p.has('-Z') || p.has('-z')) return;
    if (p.has('-p') || p.has('-c') || c.name === 'funzip') {
      c.out.taints.add('decode');
      return;
    }
    const dest = p.value('-d') ?? c.word('.');
    if (members.length) for (const m of members) c.write(m.exact && !m.text.startsWith('/') && dest.exact ? { ...m, text: path.posix.join(dest.text, m.text) } : m, 'unzip', true);
    else c.mayWriteUnder(dest, c.name);
  },
  examples: [
    { line: 'unzip x.zip -d .claude', actions: ['write W/.claude', 'opaque glob'] },
    { line: 'unzip -l x.zip', absent: ['opaque glob'] },
    { line: 'unzip x.zip .agentpolicy.yaml', actions: ['write -r W/.agentpolicy.yaml'] },
  ],
});

const sevenZip = child({
  names: ['7z', '7za', '7zr', '7zz'],
  summary: '7-Zip: a/u pack (recursively), x/e extract under -oDIR, l/t list, d deletes entries',
  run(c) {
    const ops = c.args.filter((w) => !w.text.startsWith('-'));
    const cmd = ops[0]?.text ?? '';
    const [archive, ...files] = ops.slice(1);
    const out = c.args.find((w) => w.text.startsWith('-o'));
    if (['a', 'u'].includes(cmd)) {
      if (archive) c.write(archive);
      for (const w of files) c.readTree(w, { hidden: true, ignored: true }, `${c.name} ${cmd}`);
    } else if (['x', 'e'].includes(cmd)) {
      if (archive) c.read(archive);
      c.mayWriteUnder(out ? { ...out, text: out.text.slice(2) || '.' } : c.word('.'), `${c.name} ${cmd}`);
    } else if (['d', 'rn'].includes(cmd)) {
      if (archive) c.write(archive);
    } else if (archive) c.read(archive);
  },
  examples: [{ line: '7z a k.7z ~/.aws', actions: ['read -r ~/.aws'] }],
});

const cpio = child({
  names: ['cpio', 'ar', 'pax', 'shar'],
  summary: 'cpio/ar/pax: packing reads files (often named on standard input); extracting writes files not known',
  run(c) {
    const flags = c.args.filter((w) => w.text.startsWith('-')).map((w) => w.text).join('') + (c.name === 'ar' ? c.args[0]?.text ?? '' : '');
    const ops = c.args.filter((w) => !w.text.startsWith('-'));
    if (c.name === 'ar') {
      const [, archive, ...members] = ops;
      if (/x/.test(flags)) {
        if (archive) c.read(archive);
        c.mayWriteUnder(c.word('.'), 'ar x');
      } else if (/[rqd]/.test(flags)) {
        if (archive) c.write(archive);
        for (const m of members) c.read(m);
      } else if (archive) c.read(archive);
      return;
    }
    if (/[ip]/.test(flags) || (c.name === 'pax' && /r/.test(flags))) c.mayWriteUnder(ops.at(-1) ?? c.word('.'), `${c.name} (extracts)`);
    if (/o/.test(flags) || c.name === 'shar' || (c.name === 'pax' && /w/.test(flags))) {
      if (ops.length && c.name !== 'cpio') for (const w of ops) c.readTree(w, { hidden: true, ignored: true }, c.name);
      else c.opaque('glob', `${c.name} packs files named on standard input`);
    }
  },
  examples: [{ line: 'ar rcs lib.a .env', actions: ['read W/.env'] }],
});

interface Compressor {
  names: string[];
  suffix: string;
  /** Names that decompress. */
  decompressors: string[];
  /** Names that decompress to standard output. */
  cats: string[];
}

const COMPRESSORS: Compressor[] = [
  { names: ['gzip', 'gunzip', 'zcat', 'pigz', 'unpigz'], suffix: '.gz', decompressors: ['gunzip', 'unpigz'], cats: ['zcat'] },
  { names: ['bzip2', 'bunzip2', 'bzcat', 'pbzip2'], suffix: '.bz2', decompressors: ['bunzip2'], cats: ['bzcat'] },
  { names: ['xz', 'unxz', 'xzcat', 'lzma', 'unlzma', 'lzcat'], suffix: '.xz', decompressors: ['unxz', 'unlzma'], cats: ['xzcat', 'lzcat'] },
  { names: ['zstd', 'unzstd', 'zstdcat', 'zstdmt'], suffix: '.zst', decompressors: ['unzstd'], cats: ['zstdcat'] },
  { names: ['lz4', 'unlz4', 'lz4cat'], suffix: '.lz4', decompressors: ['unlz4'], cats: ['lz4cat'] },
  { names: ['brotli', 'unbrotli'], suffix: '.br', decompressors: ['unbrotli'], cats: [] },
  { names: ['compress', 'uncompress'], suffix: '.Z', decompressors: ['uncompress'], cats: [] },
  { names: ['lzip', 'lzop'], suffix: '.lz', decompressors: [], cats: [] },
];

function compressor(k: Compressor): ProgramModel {
  return child({
    names: k.names,
    summary: `compresses FILE to FILE${k.suffix} and removes FILE (unless -k); -d undoes it; -c writes to standard output; -o names the output`,
    run(c) {
      const p = c.options({ values: ['-S', '--suffix', '-o', '--output', '-b', '-B', '-T', '--threads', '-D', '--dictionary', '-L', '--level', '-w', '--window', '-q', '-M', '--memory'] });
      const decompress = k.decompressors.includes(c.name) || k.cats.includes(c.name) || p.has('-d') || p.has('--decompress') || p.has('--uncompress');
      const toStdout = k.cats.includes(c.name) || p.has('-c') || p.has('--stdout') || p.has('--to-stdout');
      const keep = p.has('-k') || p.has('--keep') || toStdout || ['zstd', 'zstdmt', 'lz4', 'brotli'].includes(c.name);
      const listOnly = p.has('-l') || p.has('--list') || p.has('-t') || p.has('--test');
      const out = p.value('-o') ?? p.value('--output');
      const suffix = p.value('-S')?.text ?? p.value('--suffix')?.text ?? k.suffix;
      if (out && out.text !== '-') c.write(out, `${c.name} -o`);
      for (const w of p.operands) {
        if (w.text === '-') continue;
        const recursive = p.has('-r') || p.has('--recursive');
        if (recursive) c.readTree(w, { hidden: true, ignored: true }, `${c.name} -r`);
        else c.read(w);
        if (listOnly || toStdout || out) continue;
        const target = decompress ? (w.text.endsWith(suffix) ? w.text.slice(0, -suffix.length) : w.text + '.out') : w.text + suffix;
        c.write({ ...w, text: target }, c.name, recursive || undefined);
        if (!keep) c.delete(w, recursive, c.name);
      }
      if (decompress) c.out.taints.add('decode');
      if (p.operands.length) c.out.passthrough = false;
    },
    examples: [{ line: `${k.names[0]} .agentpolicy.yaml`, actions: [`write W/.agentpolicy.yaml${k.suffix}`] }],
  });
}

const gpg = child({
  names: ['gpg', 'gpg2', 'age', 'ccrypt', 'mcrypt', 'scrypt'],
  summary: 'encryption: inputs and key files are read; -o/--output (or FILE.gpg) is written; decryption decodes',
  run(c) {
    const p = c.options({ values: ['-o', '--output', '-r', '--recipient', '-u', '--local-user', '--homedir', '--passphrase-file', '--passphrase', '-R', '--recipients-file', '-i', '--identity', '-k', '--keyring', '--secret-keyring', '--trust-model', '--default-key', '--cipher-algo', '--digest-algo', '--compress-algo', '-z', '--status-fd', '--logger-file', '--passphrase-fd', '-K'] });
    for (const o of ['--passphrase-file', '-R', '--recipients-file', '-i', '--identity', '-k', '--keyring', '--secret-keyring']) for (const w of p.values(o)) c.read(w, `${c.name} ${o}`);
    const out = p.value('-o') ?? p.value('--output');
    if (out && out.text !== '-') c.write(out, `${c.name} -o`);
    const decrypt = p.has('-d') || p.has('--decrypt');
    const importKeys = p.has('--import');
    for (const w of p.operands) {
      if (w.text === '-') continue;
      c.read(w);
      if (!out && !decrypt && ['gpg', 'gpg2'].includes(c.name) && (p.has('-e') || p.has('--encrypt') || p.has('-c') || p.has('--symmetric') || p.has('-s') || p.has('--sign'))) c.write({ ...w, text: w.text + (p.has('-a') || p.has('--armor') ? '.asc' : '.gpg') }, c.name);
      if (['ccrypt', 'mcrypt'].includes(c.name)) c.write(w, `${c.name} (in place)`);
    }
    if (importKeys) c.write(c.word(path.posix.join(c.home, '.gnupg')), 'gpg --import', true);
    if (decrypt) c.out.taints.add('decode');
  },
  examples: [
    { line: 'gpg -c .env', actions: ['read W/.env', 'write W/.env.gpg'] },
    { line: 'age -r age1xyz -o /tmp/k.age id_ed25519', actions: ['read W/id_ed25519', 'write /tmp/k.age'] },
  ],
});

const openssl = child({
  names: ['openssl'],
  summary: 'OpenSSL: -in/-key/-inkey/-passin file: read; -out/-keyout write; s_client -connect is network; enc -d decodes',
  run(c) {
    const args = c.args;
    let decode = false;
    for (let i = 0; i < args.length; i++) {
      const t = args[i].text;
      const v = args[i + 1];
      if (['-in', '-inkey', '-key', '-CAfile', '-cert', '-passin', '-kfile', '-signkey', '-CAkey', '-config', '-infiles', '-pass', '-paramfile', '-peerkey', '-certfile', '-untrusted', '-CApath', '-sigfile', '-prverify', '-verify', '-rand'].includes(t) && v) {
        c.read(/^(file|env):/.test(v.text) ? { ...v, text: v.text.replace(/^file:/, '') } : v, `openssl ${t}`);
        i++;
      } else if (['-out', '-keyout', '-CAserial'].includes(t) && v) {
        c.write(args[++i], `openssl ${t}`);
      } else if (t === '-d' || t === '-decrypt') decode = true;
      else if (t === '-connect' && v) {
        c.network(args[++i].text.replace(/:\d+$/, ''));
      }
    }
    if (args[0] && !args[0].text.startsWith('-') && args.length > 1 && ['base64', 'enc'].includes(args[0].text) && args.some((w) => w.text === '-d' || w.text === '-base64' && args.some((x) => x.text === '-d'))) decode = true;
    if (decode) c.out.taints.add('decode');
  },
  examples: [
    { line: 'openssl rsa -in key.pem -text', actions: ['read W/key.pem'] },
    { line: 'openssl enc -aes-256-cbc -in .env -out /tmp/e', actions: ['read W/.env', 'write /tmp/e'] },
    { line: 'openssl s_client -connect x.example:443', actions: ['net x.example'] },
  ],
});

const sshKeys = child({
  names: ['ssh-keygen', 'ssh-add', 'ssh-keyscan'],
  summary: 'SSH keys: ssh-keygen -f reads a key (-y prints the public half of a private key) and writes one when generating; ssh-add reads keys (the default ones when none is named)',
  run(c) {
    if (c.name === 'ssh-keyscan') {
      for (const w of c.args.filter((x) => !x.text.startsWith('-'))) c.network(w.text);
      return;
    }
    const p = c.options({ values: ['-f', '-t', '-b', '-C', '-N', '-P', '-m', '-O', '-R', '-F', '-E', '-I', '-n', '-V', '-z', '-Z', '-a', '-s', '-D', '-Y', '-r', '-w', '-K', '-S', '-T', '-G', '-M', '-J', '-j', '-X', '-e', '-i'] });
    if (c.name === 'ssh-add') {
      const keys = p.operands.length ? p.operands : ['id_rsa', 'id_ecdsa', 'id_ed25519', 'id_dsa'].map((k) => c.word(path.posix.join(c.home, '.ssh', k)));
      if (!p.has('-l') && !p.has('-L') && !p.has('-d') && !p.has('-D')) for (const w of keys) c.read(w, 'ssh-add');
      return;
    }
    const files = [...p.values('-f')];
    const generating = !['-y', '-l', '-e', '-i', '-F', '-R', '-r', '-Y', '-k', '-Q', '-L', '-D'].some((o) => p.has(o));
    for (const w of files) {
      c.read(w, 'ssh-keygen -f');
      if (generating || p.has('-p') || p.has('-c')) {
        c.write(w, 'ssh-keygen -f');
        c.write({ ...w, text: w.text + '.pub' }, 'ssh-keygen -f');
      }
    }
    if (p.has('-R')) c.write(c.word(path.posix.join(c.home, '.ssh', 'known_hosts')), 'ssh-keygen -R');
  },
  examples: [
    { line: 'ssh-keygen -y -f ~/.ssh/id_rsa', actions: ['read ~/.ssh/id_rsa'] },
    { line: 'ssh-add', actions: ['read ~/.ssh/id_ed25519'] },
  ],
});

export const ARCHIVES: readonly ProgramModel[] = [tar, zip, unzip, sevenZip, cpio, ...COMPRESSORS.map(compressor), gpg, openssl, sshKeys];
