/**
 * The guard's own CLI, whatever path reaches it (`agentpolicy`, `node …/agent-policy/dist/cli.js`):
 * only its read-only subcommands are ever a candidate for an allow rule; every other one changes,
 * replaces or impersonates the guard and is tampering.
 */
import type { Word } from '../words';
import { child, type ProgramContext } from './model';

/** Subcommands that only read (`audit export --out FILE` writes its file, judged as a write). */
const READ_ONLY = new Set(['check', 'explain', 'lint', 'schema', 'status', 'agents', 'help', 'version', '--help', '-h', '--version', '-V']);
const READ_ONLY_AUDIT = new Set(['verify', 'export', 'show', 'list']);

/** Judges one invocation of the guard's CLI with these arguments. */
function judgeGuard(c: ProgramContext, args: readonly Word[]): void {
  c.argv = ['agentpolicy', ...args.map((w) => (w.exact ? w.text : '\u0000' + w.text))];
  const sub = args[0];
  if (!sub) return;
  if (!sub.exact) {
    c.opaque('guard-bypass', 'the guard CLI is called with a subcommand only known when the line runs');
    return;
  }
  if (sub.text === 'audit') {
    const verb = args[1]?.text ?? '';
    if (!READ_ONLY_AUDIT.has(verb)) {
      c.opaque('guard-bypass', `agentpolicy audit ${verb}: only the developer may run it`);
      return;
    }
    const out = args.findIndex((w) => w.text === '--out' || w.text.startsWith('--out='));
    if (out >= 0) {
      const w = args[out];
      const v = w.text.includes('=') ? { ...w, text: w.text.slice(w.text.indexOf('=') + 1) } : args[out + 1];
      if (v) c.write(v, 'agentpolicy audit export --out');
    }
    return;
  }
  if (READ_ONLY.has(sub.text)) return;
  if (sub.text === 'init') c.write(c.word('.agentpolicy.yaml'), 'agentpolicy init');
  c.opaque('guard-bypass', `agentpolicy ${sub.text} changes or replaces the guard; only the developer may run it`);
}

/** For models that reach the guard's CLI another way (`node …/dist/cli.js`). */
export const GUARD = { run: judgeGuard };

export const GUARD_MODEL = child({
  names: ['agentpolicy'],
  summary: "the guard's own CLI: check/explain/lint/schema/status/agents and audit verify/export read; any other subcommand is tampering",
  run(c) {
    judgeGuard(c, c.args);
  },
  examples: [
    { line: "agentpolicy check -- 'git push -f'", actions: ['run agentpolicy check -- git push -f'], absent: ['opaque guard-bypass', 'push ? force unresolved'] },
    { line: 'agentpolicy disable', actions: ['opaque guard-bypass'] },
    { line: 'agentpolicy init --force', actions: ['write W/.agentpolicy.yaml', 'opaque guard-bypass'] },
    { line: './node_modules/.bin/agentpolicy rearm', actions: ['opaque guard-bypass'] },
    { line: 'agentpolicy audit verify', absent: ['opaque guard-bypass'] },
  ],
});
