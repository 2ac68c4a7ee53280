import type { FileAction } from '../../actions/types';
import type { CompiledPolicy } from '../../policy/compile';

/**
 * Which files a policy guards against reading: those a non-allow `file.read` rule matches (the
 * `secrets` list, and any rule like it). File facts use it to say what a recursive reader of a
 * folder would reach; the reads found are then judged by the same policy.
 */
export function policySecretTest(policy: CompiledPolicy): (abs: string) => boolean {
  return (abs) => {
    const a: FileAction = { kind: 'file.read', path: abs, via: 'secret test', command: -1 };
    for (const r of policy.candidates(a)) {
      if (r.effect === 'allow') continue;
      try {
        if (r.test(a) !== 'no') return true;
      } catch {
        return true; // a rule that fails counts, as it would deny
      }
    }
    return false;
  };
}
