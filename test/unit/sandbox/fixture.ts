import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CompiledPolicy } from '../../../src/core/policy/compile';
import { resolvePolicy } from '../../../src/core/policy/resolve';

/** A temp folder with a workspace and a home, and the policy resolved for them. */
export interface Fixture {
  root: string;
  ws: string;
  home: string;
  policy(): CompiledPolicy;
  write(rel: string, text?: string): string;
  cleanup(): void;
}

/** Paths: `ws/…` and `home/…` relative to the fixture root. */
export function makeFixture(files: Record<string, string> = {}, opts: { policy?: string } = {}): Fixture {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ap-sbx-')));
  const ws = path.join(root, 'ws');
  const home = path.join(root, 'home');
  fs.mkdirSync(ws);
  fs.mkdirSync(home);
  const write = (rel: string, text = 'x\n') => {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
    return abs;
  };
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  if (opts.policy !== undefined) write('ws/.agentpolicy.yaml', opts.policy);
  return {
    root,
    ws,
    home,
    write,
    policy: () => {
      const r = resolvePolicy({ cwd: ws, workspace: ws, home, trustRepo: true, fs: { readText: (f) => (fs.existsSync(f) && fs.statSync(f).isFile() ? fs.readFileSync(f, 'utf8') : undefined) } });
      if (r.errors.length) throw new Error(JSON.stringify(r.errors));
      return r.policy;
    },
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
