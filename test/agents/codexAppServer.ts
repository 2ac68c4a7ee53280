import { spawn } from 'child_process';
import { agentBinary, codexHome } from './agents';
import { basePath } from './driver';

/**
 * Asks the real Codex which hooks it sees and whether it trusts them: `codex app-server` (JSON-RPC
 * over stdio, no model involved) answers `hooks/list` with each hook's `key`, `currentHash` and
 * `trustStatus` ("trusted" | "untrusted" | "modified" | "managed"), computed by Codex itself.
 */
export interface CodexHookEntry {
  key: string;
  eventName: string;
  command?: string;
  sourcePath: string;
  source: string;
  enabled: boolean;
  currentHash: string;
  trustStatus: 'trusted' | 'untrusted' | 'modified' | 'managed';
}

export interface CodexHooksList {
  hooks: CodexHookEntry[];
  warnings: string[];
  errors: unknown[];
}

export function codexHooksList(home: string, cwd: string, timeoutMs = 30_000): Promise<CodexHooksList> {
  return new Promise((resolve, reject) => {
    const env = { PATH: basePath(), HOME: home, CODEX_HOME: codexHome(home), LANG: 'C.UTF-8', TERM: 'dumb' };
    const p = spawn(agentBinary('codex'), ['app-server'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let buf = '';
    let err = '';
    const done = (f: () => void) => {
      clearTimeout(timer);
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      f();
    };
    const timer = setTimeout(() => done(() => reject(new Error(`codex app-server did not answer hooks/list: ${err.slice(-500)}`))), timeoutMs);
    const send = (o: unknown) => p.stdin.write(JSON.stringify(o) + '\n');
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', (e) => done(() => reject(e)));
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let m: { id?: number; result?: { data: Array<CodexHooksList & { cwd: string }> }; error?: unknown };
        try {
          m = JSON.parse(line);
        } catch {
          continue;
        }
        if (m.id === 1) {
          send({ method: 'initialized' });
          send({ id: 2, method: 'hooks/list', params: { cwds: [cwd] } });
        } else if (m.id === 2) {
          const entry = m.result?.data?.[0];
          done(() => (entry ? resolve({ hooks: entry.hooks, warnings: entry.warnings, errors: entry.errors }) : reject(new Error(`hooks/list failed: ${JSON.stringify(m.error)}`))));
        }
      }
    });
    send({ id: 1, method: 'initialize', params: { clientInfo: { name: 'agentpolicy-harness', version: '0' } } });
  });
}
