import * as os from 'os';
import * as path from 'path';
import { formatPolicyError } from '../core/policy/load';
import { nodePolicyFileSystem, resolvePolicy, type ResolvedPolicy } from '../core/policy/resolve';
import { initShellParser } from '../core/shell/parser';
import type { ParsedArgs } from './args';

/** Flags every policy-reading command accepts. */
export const POLICY_FLAGS = ['--policy', '--workspace', '--cwd', '--home', '--agent', '--org-policy'];


export interface PolicyContext {
  resolved: ResolvedPolicy;
  cwd: string;
  agent?: string;
  user: string;
}

/** Loads the shell grammar and the layered policy the flags describe. Policy errors go to stderr. */
export async function policyContext(args: ParsedArgs, err: NodeJS.WritableStream): Promise<PolicyContext | undefined> {
  const home = path.resolve(args.values.get('--home') ?? os.homedir());
  const cwd = path.resolve(args.values.get('--cwd') ?? args.values.get('--workspace') ?? process.cwd());
  const workspace = args.values.get('--workspace');
  await initShellParser();
  const resolved = resolvePolicy({
    cwd,
    workspace: workspace ? path.resolve(workspace) : undefined,
    home,
    policyFile: args.values.get('--policy'),
    orgPolicyFile: args.values.get('--org-policy') ?? process.env.AGENTPOLICY_ORG_POLICY,
    trustRepo: args.booleans.has('--trust-repo'),
    fs: nodePolicyFileSystem,
  });
  if (resolved.errors.length) {
    for (const e of resolved.errors) err.write(`${formatPolicyError(e)}\n`);
    return undefined;
  }
  return { resolved, cwd, agent: args.values.get('--agent'), user: path.basename(home) };
}
