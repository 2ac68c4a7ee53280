/**
 * `git-remote-agentpolicy`: the git remote helper inside the sandbox. git runs it for
 * `agentpolicy::<url>` (every configured remote's push URL is rewritten to that), and it speaks
 * the remote-helper protocol (capabilities, option, list, push, fetch) on stdin/stdout, sending
 * each request to the push service outside, where the broker decides and the push happens with
 * the person's credentials. It holds no credential and cannot push by itself.
 *
 * Fails closed: any error answers `error <ref> <why>` for each ref of a push, or exits 128 for
 * list and fetch (which fails the git command).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { parseHelperCommand, parsePushSpec, type HelperCommand } from './remoteHelperProtocol';

const [remote = '', url = ''] = process.argv.slice(2);

function die(why: string): never {
  process.stderr.write(`agentpolicy: ${why}\n`);
  process.exit(128);
}

function ask(req: Record<string, unknown>): Promise<Record<string, unknown>> {
  const socket = process.env.AGENTPOLICY_PUSH_SOCKET;
  if (!socket) return Promise.resolve({ ok: false, message: 'agentpolicy: deny: no push service (AGENTPOLICY_PUSH_SOCKET is not set): start the agent through agentpolicy run' });
  return new Promise((resolve) => {
    const s = net.connect(socket);
    let buf = '';
    const done = (r: Record<string, unknown>) => {
      s.destroy();
      resolve(r);
    };
    s.setEncoding('utf8');
    s.on('connect', () => s.write(JSON.stringify({ v: 1, remote, url, token: process.env.AGENTPOLICY_TOKEN, gitDir: process.env.GIT_DIR ?? '.git', cwd: process.cwd(), ...req }) + '\n'));
    s.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        done(JSON.parse(buf.slice(0, nl)));
      } catch {
        done({ ok: false, message: 'agentpolicy: deny: malformed answer from the push service' });
      }
    });
    s.on('error', (e) => done({ ok: false, message: `agentpolicy: deny: the push service is unreachable (${e.message})` }));
    s.on('close', () => done({ ok: false, message: 'agentpolicy: deny: the push service closed without answering' }));
    // An approval may take as long as the developer needs (the broker times out into deny).
  });
}

/** The real git, not the guard's PATH shim (a helper's own plumbing is not the agent's command). */
function gitBinary(): string {
  const shim = process.env.AGENTPOLICY_SHIM_DIR;
  for (const d of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (!d || d === shim) continue;
    const p = path.join(d, 'git');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return '/usr/bin/git';
}

function revParse(src: string): string | undefined {
  if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(src)) return src;
  if (src.startsWith('-')) return undefined;
  const r = spawnSync(gitBinary(), ['rev-parse', '--verify', '--quiet', src], { encoding: 'utf8', env: process.env });
  const out = r.stdout.trim();
  return r.status === 0 && /^[0-9a-f]{40,64}$/.test(out) ? out : undefined;
}

async function main(): Promise<void> {
  const lines: string[] = [];
  let pending = '';
  let wake: (() => void) | undefined;
  let ended = false;
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    pending += d;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      lines.push(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
    wake?.();
  });
  process.stdin.on('end', () => {
    ended = true;
    wake?.();
  });
  const next = async (): Promise<string | undefined> => {
    while (!lines.length) {
      if (ended) return undefined;
      await new Promise<void>((r) => (wake = r));
    }
    return lines.shift();
  };
  const out = (s: string) => process.stdout.write(s);

  for (;;) {
    const line = await next();
    if (line === undefined) return;
    const cmd: HelperCommand = parseHelperCommand(line);
    switch (cmd.kind) {
      case 'end':
        return;
      case 'capabilities':
        out('push\nfetch\noption\n\n');
        break;
      case 'option':
        out(cmd.name === 'verbosity' || cmd.name === 'progress' ? 'ok\n' : 'unsupported\n');
        break;
      case 'list': {
        const r = await ask({ op: 'list' });
        if (!r.ok) die(String(r.message));
        for (const ref of r.refs as { sha?: string; name: string; symref?: string }[]) out(ref.symref ? `@${ref.symref} ${ref.name}\n` : `${ref.sha} ${ref.name}\n`);
        out('\n');
        break;
      }
      case 'push': {
        // A batch: push lines up to a blank line.
        const specs = [cmd.spec];
        for (;;) {
          const l = await next();
          if (l === undefined || l === '') break;
          const c = parseHelperCommand(l);
          if (c.kind === 'push') specs.push(c.spec);
        }
        const parsed = specs.map(parsePushSpec);
        const bad = parsed.find((p) => !p);
        if (bad === undefined && parsed.every(Boolean)) {
          const refs = parsed.map((p) => {
            const localSha = p!.src ? revParse(p!.src) : '';
            return { src: p!.src, dst: p!.dst, force: p!.force, localSha };
          });
          const unresolved = refs.find((r) => r.localSha === undefined);
          let r: Record<string, unknown>;
          if (unresolved) r = { ok: false, message: `agentpolicy: deny: cannot resolve ${unresolved.src}` };
          else r = await ask({ op: 'push', refs });
          const results = (r.ok ? (r.refs as { remoteRef: string; ok: boolean; message: string }[]) : []) ?? [];
          for (const p of parsed) {
            const res = results.find((x) => x.remoteRef === p!.dst);
            if (res?.ok) out(`ok ${p!.dst}\n`);
            else out(`error ${p!.dst} ${oneLine(res?.message ?? String(r.message ?? 'refused'))}\n`);
          }
          if (!r.ok || r.allowed === false) process.stderr.write(`${oneLine(String(r.message ?? 'agentpolicy: deny: push refused'))}\n`);
        } else {
          for (const s of specs) out(`error ${s.split(':').pop() ?? s} agentpolicy: deny: cannot read refspec\n`);
        }
        out('\n');
        break;
      }
      case 'fetch': {
        const wants = [{ sha: cmd.sha, name: cmd.name }];
        for (;;) {
          const l = await next();
          if (l === undefined || l === '') break;
          const c = parseHelperCommand(l);
          if (c.kind === 'fetch') wants.push({ sha: c.sha, name: c.name });
        }
        const r = await ask({ op: 'fetch', wants });
        if (!r.ok) die(String(r.message));
        out('\n');
        break;
      }
      case 'unknown':
        die(`remote helper: unsupported command ${JSON.stringify(line)}`);
    }
  }
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

main().catch((e) => die(`remote helper failed: ${(e as Error).message}`));
