/**
 * `agentpolicy hook <agent>`: answers one agent hook call in-process. The launcher
 * (dist/shim/hook/agentpolicy-hook) runs this when no broker answers; run by hand it does the
 * same. The policy is the layered one for the payload's cwd (the CLI's usual resolution), an
 * ask the agent cannot put to the developer is denied (no broker is there to ask), and every
 * decision is appended to the audit log before the answer is written: when the log cannot be
 * written, the answer is deny.
 *
 * Startup cost matters (one process per tool call): this module imports nothing heavy at load.
 * The policy, the PDP and the audit log are required when needed, the shell grammar only for
 * shell tools.
 */
import * as os from 'os';
import * as path from 'path';
import type { HookOutput } from '../core/agents/types';

export interface HookOptions {
  agent: string;
  home?: string;
  policyFile?: string;
  orgPolicyFile?: string;
  trustRepo?: boolean;
  /** A single log folder; default: a stream in the per-user state folder (the one `audit export` reads). */
  auditDir?: string;
  env?: NodeJS.ProcessEnv;
}

export async function readAll(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs one hook call through a guard host of its own (no transport, nobody to ask): the same
 * broker, audit log and fail-closed handling as a running guard. The policy is the layered one
 * for the payload's folder. Never throws.
 */
export async function hookInProcess(raw: string, opts: HookOptions): Promise<HookOutput> {
  try {
    return await hookThroughHost(raw, opts);
  } catch (e) {
    const { ADAPTERS } = await import('../core/agents/adapters');
    const { agentIdOf } = await import('../core/agents/types');
    const agent = agentIdOf(opts.agent);
    const reason = `agentpolicy: deny: the guard failed to start for this hook call (${(e as Error).message.split('\n')[0]}); the tool call was blocked.`;
    return agent ? ADAPTERS[agent].denyOutput(reason) : { stdout: '', stderr: reason + '\n', exitCode: 2 };
  }
}

async function hookThroughHost(raw: string, opts: HookOptions): Promise<HookOutput> {
  const { ADAPTERS } = await import('../core/agents/adapters');
  const { agentIdOf } = await import('../core/agents/types');
  const { GuardHost } = await import('../core/broker/host');
  const { resolvePolicy, nodePolicyFileSystem } = await import('../core/policy/resolve');
  const { formatPolicyError } = await import('../core/policy/load');
  const env = opts.env ?? process.env;
  const home = opts.home ?? os.homedir();
  const agent = agentIdOf(opts.agent);
  // The folder the tool runs in decides which repository policy applies.
  let cwd = process.cwd();
  let shell = false;
  if (agent) {
    try {
      const parsed = ADAPTERS[agent].parse(JSON.parse(raw), { home, env });
      if (parsed.ok) {
        cwd = parsed.call.cwd;
        shell = 'command' in parsed.call.request;
      }
    } catch {
      /* unreadable: runHook answers deny */
    }
  }
  const resolved = resolvePolicy({ cwd, home, policyFile: opts.policyFile, orgPolicyFile: opts.orgPolicyFile ?? env.AGENTPOLICY_ORG_POLICY, trustRepo: opts.trustRepo ?? false, fs: nodePolicyFileSystem });
  // A broken layer was replaced by the built-in recommended policy: say so, and decide.
  if (resolved.errors.length) process.stderr.write(resolved.errors.map((e) => `agentpolicy: ${formatPolicyError(e)}\n`).join(''));
  if (shell) {
    const { initShellParser } = await import('../core/shell/parser');
    await initShellParser();
  }
  const policy = resolved.policy;
  const host = await GuardHost.start({
    policy: () => policy,
    workspace: policy.workspace,
    user: path.basename(home),
    listen: false,
    auditDir: opts.auditDir,
    approvalHint: 'no Agent Policy broker is running (start `agentpolicy serve` in a terminal, or open the workspace in VS Code with Agent Policy, then retry)',
  });
  try {
    return await host.runHookInProcess({ agent: opts.agent, cwd, payload: raw });
  } finally {
    await host.close();
  }
}

/** The CLI entry: stdin in, the agent's answer on stdout/stderr, its exit code returned. */
export async function hookCommand(opts: HookOptions, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; stdin: NodeJS.ReadableStream }): Promise<number> {
  let raw = '';
  try {
    raw = await readAll(io.stdin);
  } catch (e) {
    raw = `\u0000unreadable stdin: ${(e as Error).message}`;
  }
  const answer = await hookInProcess(raw, opts);
  if (answer.stdout) io.out.write(answer.stdout);
  if (answer.stderr) io.err.write(answer.stderr);
  return answer.exitCode;
}
