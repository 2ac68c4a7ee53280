import * as path from 'path';
import { compilePolicy, policyHash } from '../core/policy/compile';
import { formatPolicyError, loadPolicyText } from '../core/policy/load';
import { baseline, findRepoPolicy, nodePolicyFileSystem, POLICY_FILE, recommendedUserLayer } from '../core/policy/resolve';
import { decide } from '../core/pdp/decide';
import type { DecisionRequest } from '../core/pdp/types';
import { reviewedWorldFacts } from '../core/shell/facts/memory';
import { initShellParser } from '../core/shell/parser';

export interface LintOptions {
  file?: string;
  cwd: string;
  home: string;
  workspace?: string;
  trustRepo: boolean;
}

/** Validates a policy file and runs its self-tests (the file over the built-in baseline). 0 only when both pass. */
export async function lint(opts: LintOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const file = opts.file ? path.resolve(opts.cwd, opts.file) : findRepoPolicy(opts.cwd, nodePolicyFileSystem) ?? path.join(opts.cwd, POLICY_FILE);
  const text = nodePolicyFileSystem.readText(file);
  if (text === undefined) {
    err.write(`${file}:1:1 file not found (create one with \`agentpolicy init\`)\n`);
    return 1;
  }
  const loaded = loadPolicyText(text, file);
  if (!loaded.ok) {
    for (const e of loaded.errors) err.write(formatPolicyError(e) + '\n');
    err.write(`${loaded.errors.length} error(s) in ${file}\n`);
    return 1;
  }
  await initShellParser();
  const workspace = opts.workspace ? path.resolve(opts.workspace) : path.dirname(file);
  const layer = { name: 'repo' as const, doc: loaded.policy, file, hash: policyHash(text) };
  // The self-tests prove what this policy does by itself (over the built-in baseline, as `check --policy` uses it).
  const policy = compilePolicy([baseline(), layer], { workspace, home: opts.home, trustRepo: true });
  out.write(`${file}: schema ok (${loaded.policy.rules?.length ?? 0} rules)\n`);
  // As the repo layer of a workspace, an untrusted repo may only tighten: say what would not count.
  const asRepo = compilePolicy([baseline(), recommendedUserLayer(), layer], { workspace, home: opts.home, trustRepo: opts.trustRepo });
  for (const i of asRepo.ignored) out.write(`note: ${i}\n`);
  let failed = 0;
  const tests = policy.tests.filter((t) => t.file === file);
  for (const t of tests) {
    const test = t.test;
    const req: DecisionRequest = 'command' in test ? { kind: 'command', commandLine: test.command, cwd: test.cwd ? path.resolve(workspace, test.cwd) : workspace, agent: test.agent } : { kind: test.action, path: test.path, cwd: workspace, agent: test.agent };
    const d = decide(policy, req, { user: path.basename(opts.home), facts: reviewedWorldFacts() });
    const label = 'command' in test ? test.command : `${test.action} ${test.path}`;
    if (d.effect === test.expect) out.write(`  pass  tests[${t.index}] ${label} -> ${d.effect}\n`);
    else {
      failed++;
      out.write(`  FAIL  tests[${t.index}] ${label}: expected ${test.expect}, got ${d.effect} (${d.ruleIds.join(', ') || 'default'}: ${d.reasons[0] ?? ''})\n`);
    }
  }
  out.write(`${tests.length - failed} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}
