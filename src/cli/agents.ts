import * as fs from 'fs';
import { readRecords } from '../core/audit/reader';
import { defaultAuditRoot } from '../core/audit/target';
import { accessReview, ActivityTally, formatAccessReview } from '../core/identity/accessReview';
import type { ParsedArgs } from './args';
import { policyContext } from './policyContext';

/** `agentpolicy agents [--json] [--audit-dir D]`: the access review (registry + what each did). */
export async function agentsCommand(args: ParsedArgs, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): Promise<number> {
  const ctx = await policyContext(args, io.err);
  if (!ctx) return 2;
  const target = args.values.get('--audit-dir') ?? defaultAuditRoot();
  const tally = new ActivityTally();
  let note: string | undefined;
  if (fs.existsSync(target)) {
    for await (const batch of readRecords(target)) tally.add(batch);
  } else note = `no audit log at ${target} yet: no activity to show`;
  const review = accessReview(ctx.resolved.policy.agents, tally);
  io.out.write(args.booleans.has('--json') ? JSON.stringify(review, null, 2) + '\n' : formatAccessReview(review));
  if (note && !args.booleans.has('--json')) io.err.write(`note: ${note}\n`);
  return 0;
}
