/**
 * The hook's own bundle (dist/hook-main.js): what the launcher runs when no broker answers.
 * Kept apart from the CLI bundle so a tool call pays only for what one hook call needs.
 *
 *   node dist/hook-main.js <agent> [--home D] [--policy F] [--org-policy F] [--audit-dir D] [--trust-repo]
 */
import { ADAPTERS } from '../core/agents/adapters';
import { agentIdOf } from '../core/agents/types';
import { parseArgs, UsageError } from './args';
import { hookCommand } from './hook';

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => (text ? stream.write(text, () => resolve()) : resolve()));
}

async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    const args = parseArgs(argv, { values: ['--home', '--policy', '--org-policy', '--audit-dir'], booleans: ['--trust-repo'] });
    if (args.positionals.length !== 1) throw new UsageError('give the agent: claude-code, copilot, cursor, gemini, codex or cline');
    opts = { agent: args.positionals[0], home: args.values.get('--home'), policyFile: args.values.get('--policy'), orgPolicyFile: args.values.get('--org-policy'), auditDir: args.values.get('--audit-dir'), trustRepo: args.booleans.has('--trust-repo') };
  } catch (e) {
    return answer(2, '', `agentpolicy hook: ${(e as Error).message}\n`);
  }
  let out = '';
  let err = '';
  const code = await hookCommand(opts, { out: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream, err: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream, stdin: process.stdin });
  return answer(code, out, err);
}

/**
 * How the answer leaves this process. Run from the startup snapshot (dist/hook-main.blob), it goes
 * to the launcher as one frame on stdout, `HK1 <code> <stdoutBytes> <stderrBytes>\n<stdout><stderr>.`
 * (the broker's answer frame without the proof, and a closing `.` so a shell's `$(…)` keeps every
 * newline): the launcher prints it only when the frame is whole, and otherwise runs the plain
 * bundle, so a snapshot that does not load (another node, a damaged file) never reaches the agent.
 */
let framed = false;

async function answer(code: number, out: string, err: string): Promise<number> {
  if (framed) {
    await write(process.stdout, `HK1 ${code} ${Buffer.byteLength(out)} ${Buffer.byteLength(err)}\n${out}${err}.`);
    return 0;
  }
  await write(process.stdout, out);
  await write(process.stderr, err);
  return code;
}

/**
 * No guard was running for this call (the launcher says so): start the per-user daemon, so the
 * next call is answered in milliseconds. Detached, with nothing of this process's stdio.
 */
function startDaemon(): void {
  if (process.env.AGENTPOLICY_START_DAEMON !== '1' || process.env.AGENTPOLICY_NO_DAEMON) return;
  try {
    const { spawn } = require('child_process') as typeof import('child_process');
    // The daemon outlives this agent: it keeps only what locates the person's files, none of the agent's environment.
    const keep = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'TMPDIR', 'XDG_RUNTIME_DIR', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME', 'AGENTPOLICY_ORG_POLICY', 'AGENTPOLICY_DAEMON_IDLE_MINUTES'];
    const env = Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
    spawn(process.execPath, [require('path').join(__dirname, 'cli.js'), 'daemon'], { detached: true, stdio: 'ignore', env, cwd: '/' }).unref();
  } catch {
    /* the next call decides in-process again */
  }
}

/** Runs one hook call and exits with the agent's exit code as soon as the answer is written. */
export function hookMain(argv: string[], opts: { framed?: boolean } = {}): Promise<void> {
  framed = opts.framed === true;
  return main(argv).then(
    (code) => {
      startDaemon();
      process.exit(code);
    },
    async (e) => {
      // Never reached in normal operation (hookCommand does not throw); still deny in the agent's format.
      const reason = `agentpolicy: deny: internal error in the hook (${e}); the tool call was blocked.`;
      const agent = agentIdOf(argv[0] ?? '');
      const o = agent ? ADAPTERS[agent].denyOutput(reason) : { stdout: '', stderr: reason + '\n', exitCode: 2 };
      process.exit(await answer(o.exitCode, o.stdout, o.stderr));
    },
  );
}

if (require.main === module) void hookMain(process.argv.slice(2));
