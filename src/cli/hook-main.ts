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
  return run(argv);
}

async function run(argv: string[]): Promise<number> {
  let opts;
  try {
    const args = parseArgs(argv, { values: ['--home', '--policy', '--org-policy', '--audit-dir'], booleans: ['--trust-repo'] });
    if (args.positionals.length !== 1) throw new UsageError('give the agent: claude-code, copilot, cursor, gemini, codex or cline');
    opts = { agent: args.positionals[0], home: args.values.get('--home'), policyFile: args.values.get('--policy'), orgPolicyFile: args.values.get('--org-policy'), auditDir: args.values.get('--audit-dir'), trustRepo: args.booleans.has('--trust-repo') };
  } catch (e) {
    await write(process.stderr, `agentpolicy hook: ${(e as Error).message}\n`);
    return 2;
  }
  let out = '';
  let err = '';
  const code = await hookCommand(opts, { out: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream, err: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream, stdin: process.stdin });
  await write(process.stdout, out);
  await write(process.stderr, err);
  return code;
}

/** Runs one hook call and exits with the agent's exit code as soon as the answer is written. */
export function hookMain(argv: string[]): Promise<void> {
  return main(argv).then(
    (code) => process.exit(code),
    async (e) => {
      // Never reached in normal operation (hookCommand does not throw); still deny in the agent's format.
      const reason = `agentpolicy: deny: internal error in the hook (${e}); the tool call was blocked.`;
      const agent = agentIdOf(argv[0] ?? '');
      const o = agent ? ADAPTERS[agent].denyOutput(reason) : { stdout: '', stderr: reason + '\n', exitCode: 2 };
      await write(process.stdout, o.stdout);
      await write(process.stderr, o.stderr);
      process.exit(o.exitCode);
    },
  );
}

if (require.main === module) void hookMain(process.argv.slice(2));
