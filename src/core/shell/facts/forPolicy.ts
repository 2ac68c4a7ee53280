import type { CompiledPolicy } from '../../policy/compile';
import type { FileFacts } from './index';
import { nodeFileFacts } from './node';
import { policySecretTest } from './policy';

const perPolicy = new WeakMap<CompiledPolicy, FileFacts>();

/**
 * Node file facts for deciding under a policy: its secrets decide what a recursive reader reaches;
 * `guardPrograms` are the guard's own installed entry points (the running CLI's path). One
 * instance per compiled policy, so a long-lived broker reuses its (short-lived) answers.
 */
export function nodeFactsForPolicy(policy: CompiledPolicy, guardPrograms: readonly string[] = process.argv[1] ? [process.argv[1]] : []): FileFacts {
  let f = perPolicy.get(policy);
  if (!f) perPolicy.set(policy, (f = nodeFileFacts({ workspace: policy.workspace, isSecret: policySecretTest(policy), guardPrograms })));
  return f;
}
