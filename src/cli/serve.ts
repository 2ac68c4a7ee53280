import * as os from 'os';
import { FixedApprover, type Approver, type Logger } from '../core/broker/broker';
import { GuardHost, type GuardHostOptions } from '../core/broker/host';
import { UsageError } from './args';
import type { PolicyContext } from './policyContext';
import { tiocstiRefused, TtyApprover } from './ttyApprover';

export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`${m}\n`),
  error: (m) => process.stderr.write(`${m}\n`),
};

/** Logs only failures: `run` must not clutter the agent's terminal with the host's progress. */
export const quietLogger: Logger = { info: () => undefined, error: (m) => process.stderr.write(`${m}\n`) };

export interface ApproverChoice {
  approver?: Approver;
  /** Why asks will be denied instead of asked (said once at start). */
  note?: string;
}

/**
 * The approver a CLI host offers. `tty` asks on this terminal only where the agent cannot type
 * into it: `serve` (agents run in other terminals), or `run` when the agent has a session of its
 * own (the sandbox) or the kernel refuses TIOCSTI. Otherwise asks are denied, saying where the
 * person can approve instead.
 */
export function approverFor(name: string | undefined, where: 'serve' | 'run', agentHasOwnSession = false): ApproverChoice {
  switch (name ?? 'tty') {
    case 'tty':
      if (where === 'serve' || agentHasOwnSession || tiocstiRefused()) return { approver: new TtyApprover() };
      return {
        note: 'agentpolicy: approvals are not asked on this terminal: the program shares it and could type the answer itself (TIOCSTI). Asks are denied; run the program in the sandbox, or start `agentpolicy serve` in another terminal and run it there.',
      };
    case 'deny':
      return { approver: new FixedApprover('deny') };
    case 'allow':
      return { approver: new FixedApprover('allow-once') };
    default:
      throw new UsageError(`unknown approver "${name}": use tty, deny or allow`);
  }
}

/** A guard host for one CLI command, from the policy the flags resolved. */
export function startCliHost(ctx: PolicyContext, opts: Omit<GuardHostOptions, 'policy' | 'workspace'>): Promise<GuardHost> {
  const policy = ctx.resolved.policy;
  return GuardHost.start({ policy: () => policy, workspace: policy.workspace, user: ctx.user ?? os.userInfo().username, ...opts });
}
