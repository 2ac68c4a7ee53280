import { spawn } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { guardEnv } from '../core/broker/guardEnv';
import type { GuardHost } from '../core/broker/host';
import { askBroker } from '../core/ipc/client';
import { agentForProgram, resolveProgram } from '../core/identity/attribution';
import { AGENT_PROFILES, profilesFor } from '../core/sandbox/agentProfiles';
import { insideSandbox, prefetchSandbox, quickProbe, startSandboxed } from '../core/sandbox/launch';
import { nodeFactsForPolicy } from '../core/shell/facts/forPolicy';
import { shellJoin } from '../core/shell/quote';
import type { ParsedArgs } from './args';
import { UsageError } from './args';
import { policyContext, type PolicyContext } from './policyContext';
import { approverFor, quietLogger, startCliHost } from './serve';

/** dist/shim, next to the bundle. */
export function shimRoot(): string {
  return path.join(__dirname, 'shim');
}

interface Guard {
  socketPath: string;
  port: number;
  token: string;
  proof: string;
  own?: GuardHost;
}

/** The broker named by AGENTPOLICY_SOCKET when it answers, else a host of our own for the program's lifetime. */
async function obtainGuard(args: ParsedArgs, ctx: PolicyContext, agent: string, err: NodeJS.WritableStream, sandboxed = false): Promise<Guard | undefined> {
  const socketPath = process.env.AGENTPOLICY_SOCKET;
  if (socketPath && process.env.AGENTPOLICY_PORT) {
    const r = await askBroker(socketPath, { v: 1, type: 'issue', token: process.env.AGENTPOLICY_TOKEN, agent }, 5000);
    const token = r.data?.token;
    if (r.decision === 'allow' && typeof token === 'string') return { socketPath, port: Number(process.env.AGENTPOLICY_PORT), token, proof: process.env.AGENTPOLICY_PROOF ?? '' };
    if (r.failure !== 'unreachable') {
      // A broker is there and said no (revoked, killed), or is not ours: do not route around it.
      err.write(r.message + '\n');
      return undefined;
    }
  }
  // In the sandbox the program has a session of its own: it cannot type into this terminal.
  const choice = approverFor(args.values.get('--approver'), 'run', sandboxed);
  if (choice.note) err.write(choice.note + '\n');
  const own = await startCliHost(ctx, { approver: choice.approver, auditDir: args.values.get('--audit-dir'), logger: quietLogger });
  for (const p of own.degradedBecause) err.write(`agentpolicy: ${p}\n`);
  const { token } = await own.issueSession({ id: agent, kind: 'agent', method: 'launch' });
  return { socketPath: own.address!.socketPath, port: own.address!.port, token, proof: own.proof, own };
}

/**
 * Who the program is: `--agent ID`, else the registered agent whose `match.executables` names
 * it (resolved through PATH and symlinks), else its base name (an unregistered program: the
 * policy's unidentified treatment).
 */
function launchedAgent(args: ParsedArgs, ctx: PolicyContext, argv: readonly string[]): string {
  const named = args.values.get('--agent');
  if (named) return named;
  return agentForProgram(ctx.resolved.policy.agents, resolveProgram(argv[0]), argv)?.id ?? path.basename(argv[0]);
}

/**
 * The agent's environment without the variables the workspace's secret files define (the keys of
 * `.env*`): a person whose shell loaded them passes on none to the agent, so `echo $KEY` or `env`
 * has nothing to print. The launched agent's own model key stays (it needs it to run).
 */
export function withoutWorkspaceSecrets(env: Record<string, string>, ctx: PolicyContext, agent: string): Record<string, string> {
  const keep = new Set(profilesFor([agent], AGENT_PROFILES, false).flatMap((p) => p.modelEnv));
  for (const name of nodeFactsForPolicy(ctx.resolved.policy).secretVariables().keys()) {
    if (!name.startsWith('AGENTPOLICY_') && !keep.has(name)) delete env[name];
  }
  return env;
}

/**
 * `agentpolicy run -- <command…>`: starts any program with the guard in its environment.
 * Exit status is the program's (126 when the guard refuses to start it).
 */
export async function runGuarded(args: ParsedArgs, io: { err: NodeJS.WritableStream }): Promise<number> {
  const argv = args.rest ?? args.positionals;
  if (!argv.length) throw new UsageError('give the program to run after --: agentpolicy run -- claude');
  // Linux: the program runs in the policy's sandbox unless --no-sandbox; where none can be made, refuse.
  const nested = insideSandbox();
  const sandboxed = !args.booleans.has('--no-sandbox') && !nested;
  if (nested) io.err.write(`agentpolicy: already inside the guard's sandbox: ${argv[0]} runs in it\n`);
  if (sandboxed) {
    const probe = quickProbe();
    if (!probe.ok) {
      io.err.write(`agentpolicy: cannot sandbox ${argv[0]}: ${probe.reason}. To fix: ${probe.fix}. Or run it unsandboxed once with --no-sandbox (audited).\n`);
      return 126;
    }
  }
  // What the sandbox will ask git, asked now: git answers while the policy loads (the usual
  // workspace guessed; openSandbox asks again if the policy's is another).
  const early = sandboxed ? prefetchSandbox(path.resolve(args.values.get('--workspace') ?? args.values.get('--cwd') ?? process.cwd())) : undefined;
  const ctx = await policyContext(args, io.err);
  if (!ctx) return 126;
  const agent = launchedAgent(args, ctx, argv);
  const guard = await obtainGuard(args, ctx, agent, io.err, sandboxed);
  if (!guard) return 126;
  try {
    // The sandbox opens while the broker decides on the run (its relay boots meanwhile).
    const box = sandboxed ? startSandboxed({ argv, policy: ctx.resolved.policy, agent, cwd: process.cwd(), broker: { socketPath: guard.socketPath, port: guard.port }, token: guard.token, distDir: __dirname, personEnv: process.env, err: io.err, auditDir: args.values.get('--audit-dir'), early, onEgress: (e) => {
      // The broker logged what it decided; what the proxy settled itself (model hosts, local-address refusals) is logged here.
      if (guard.own && e.by !== 'policy' && e.by !== 'developer') void guard.own.recordEgress(agent, e).catch(() => undefined);
    } }) : undefined;
    const first = await askBroker(guard.socketPath, { v: 1, type: 'decide', source: 'run', token: guard.token, cwd: process.cwd(), launch: argv, pid: process.pid });
    if (first.decision !== 'allow') {
      await box?.cancel();
      io.err.write(first.message + '\n');
      return 126;
    }
    const env = withoutWorkspaceSecrets(guardEnv({ shimRoot: shimRoot(), socketPath: guard.socketPath, port: guard.port, token: guard.token, proof: guard.proof, base: process.env }), ctx, agent);
    if (!sandboxed && !nested) {
      // The person's choice to run without the sandbox is recorded, in whichever host guards the run.
      if (guard.own) await guard.own.control({ event: 'sandbox-off', subject: guard.own.owner(), outcome: 'done', detail: `agentpolicy run --no-sandbox -- ${shellJoin(argv)}`, data: { program: argv[0], argv, reason: '--no-sandbox' } });
      else await askBroker(guard.socketPath, { v: 1, type: 'sandbox-off', token: guard.token, argv }, 5000);
    }
    const started = Date.now();
    const code = box
      ? await box.run(env)
      : await new Promise<number>((resolve) => {
      const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env });
      const forward = (sig: NodeJS.Signals) => child.kill(sig);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      child.on('error', (e) => {
        io.err.write(`agentpolicy: cannot start ${argv[0]}: ${e.message}\n`);
        resolve(127);
      });
      child.on('exit', (code, signal) => {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
        resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0));
      });
    });
    // The result goes in the audit log next to the decision that let the program start.
    if (first.auditSeq !== undefined) {
      await askBroker(guard.socketPath, { v: 1, type: 'result', token: guard.token, ref: first.auditSeq, exitCode: code, durationMs: Date.now() - started }, 5000);
    }
    return code;
  } finally {
    await guard.own?.close();
  }
}
