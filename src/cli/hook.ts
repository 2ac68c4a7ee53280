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
import { runHook, unsettledAskReason, type HookRun } from '../core/agents/runHook';
import type { HookCall, HookVerdict } from '../core/agents/types';
import type { HookDecision } from '../core/agents/hookDecision';
import type { Decision } from '../core/pdp/types';

export interface HookOptions {
  agent: string;
  home?: string;
  policyFile?: string;
  orgPolicyFile?: string;
  trustRepo?: boolean;
  /** Defaults to hookAuditDir(). */
  auditDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** Where the in-process hook writes its audit trail (the default state folder `audit export` reads). */
export function hookAuditDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(base, 'agentpolicy', 'audit');
}

export async function readAll(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Decides a call against the layered policy for its cwd. No broker: an unsettled ask is denied. */
async function decideInProcess(call: HookCall, opts: HookOptions, decided: Map<HookCall, HookDecision>): Promise<HookVerdict> {
  const { resolvePolicy, nodePolicyFileSystem } = await import('../core/policy/resolve');
  const { formatPolicyError } = await import('../core/policy/load');
  const { decideHookCall } = await import('../core/agents/hookDecision');
  const home = opts.home ?? os.homedir();
  const resolved = resolvePolicy({
    cwd: call.cwd,
    home,
    policyFile: opts.policyFile,
    orgPolicyFile: opts.orgPolicyFile ?? (opts.env ?? process.env).AGENTPOLICY_ORG_POLICY,
    trustRepo: opts.trustRepo ?? false,
    fs: nodePolicyFileSystem,
  });
  if (resolved.errors.length) {
    // The broken layer was replaced by the built-in recommended policy; say so, and decide.
    process.stderr.write(resolved.errors.map((e) => `agentpolicy: ${formatPolicyError(e)}\n`).join(''));
  }
  if ('command' in call.request) {
    const { initShellParser } = await import('../core/shell/parser');
    await initShellParser();
  }
  const d = decideHookCall(resolved.policy, call, { user: path.basename(home) });
  decided.set(call, d);
  if (d.verdict.decision === 'ask' && !call.nativeAsk) {
    return { decision: 'deny', reason: unsettledAskReason(call, d.verdict.reason, 'no Agent Policy broker is running') };
  }
  return d.verdict;
}

/** Runs one hook call and writes its audit record; returns the agent's answer. Never throws. */
export async function hookInProcess(raw: string, opts: HookOptions): Promise<HookRun> {
  const decided = new Map<HookCall, HookDecision>();
  const run = await runHook(opts.agent, raw, { decide: (call) => decideInProcess(call, opts, decided) }, { home: opts.home, env: opts.env });
  try {
    await recordHookDecision(run, run.call ? decided.get(run.call) : undefined, opts.auditDir ?? hookAuditDir(opts.env));
    return run;
  } catch (e) {
    if (run.verdict.decision === 'deny') return run;
    // No unlogged actions: a decision that cannot be recorded is a deny.
    const reason = `agentpolicy: deny: the audit log cannot be written (${(e as Error).message}), and no action runs unlogged. Fix the audit folder (${opts.auditDir ?? hookAuditDir(opts.env)}) or start \`agentpolicy serve\`.`;
    const { ADAPTERS } = await import('../core/agents/adapters');
    const agent = run.agent ?? 'claude-code';
    return { ...ADAPTERS[agent].denyOutput(reason), agent, call: run.call, verdict: { decision: 'deny', reason }, failure: reason };
  }
}

const LOCK_WAIT_MS = 3000;

/**
 * The one place the hook path touches the audit log (until the guard host owns it): opens the
 * log in `dir`, waiting briefly for another hook process that holds the writer lock.
 */
export async function withHookAuditLog<T>(dir: string, fn: (log: import('../core/audit/auditLog').AuditLog) => Promise<T>): Promise<T> {
  const { AuditLog } = await import('../core/audit/auditLog');
  const { LockHeldError } = await import('../core/audit/lockFile');
  const until = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    let log;
    try {
      log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    } catch (e) {
      if (e instanceof LockHeldError && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
        continue;
      }
      throw e;
    }
    try {
      return await fn(log);
    } finally {
      await log.close();
    }
  }
}

/** Large tool inputs (a whole file's content) are cut down for the trail. */
function compactInput(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return v.length > 500 ? `${v.slice(0, 500)}… (${v.length} chars)` : v;
  if (Array.isArray(v)) return depth > 3 ? `[${v.length} items]` : v.slice(0, 50).map((x) => compactInput(x, depth + 1));
  if (v && typeof v === 'object') {
    if (depth > 3) return '{…}';
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).slice(0, 50).map(([k, x]) => [k, compactInput(x, depth + 1)]));
  }
  return v;
}

async function recordHookDecision(run: HookRun, d: HookDecision | undefined, dir: string): Promise<void> {
  const { decisionEvent } = await import('../core/audit/events');
  const call = run.call;
  const decision: Decision = d
    ? { ...d.decision, effect: run.verdict.decision === 'deny' ? 'deny' : d.decision.effect }
    : { effect: 'deny', risk: 'high', ruleIds: [], layer: 'baseline', reasons: [run.failure ?? run.verdict.reason], actions: [], verdicts: [], errors: run.failure ? [run.failure] : [], ignored: [] };
  const unsettled = d !== undefined && d.decision.effect === 'ask' && run.verdict.decision === 'deny';
  const ev = decisionEvent({
    decision: unsettled ? { ...decision, effect: 'ask' } : decision,
    agent: { id: run.agent ?? 'unknown', attribution: 'hook' },
    context: { session: call?.sessionId, toolCallId: call?.toolUseId, tool: call?.tool, pep: 'hook', cwd: call?.cwd },
    request: {
      ...(call && 'command' in call.request ? { commandLine: call.request.command } : {}),
      kind: d?.decision.actions[0]?.kind,
      toolName: call?.tool ?? 'unreadable hook input',
      toolInput: call ? compactInput(call.input) : undefined,
    },
    approval: unsettled ? { approver: 'none', outcome: 'rejected', scope: 'none' } : undefined,
    policyHash: undefined,
  });
  await withHookAuditLog(dir, (log) => log.append(ev));
}

/** The CLI entry: stdin in, the agent's answer on stdout/stderr, its exit code returned. */
export async function hookCommand(opts: HookOptions, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; stdin: NodeJS.ReadableStream }): Promise<number> {
  let raw = '';
  try {
    raw = await readAll(io.stdin);
  } catch (e) {
    raw = `\u0000unreadable stdin: ${(e as Error).message}`;
  }
  const run = await hookInProcess(raw, opts);
  if (run.stdout) io.out.write(run.stdout);
  if (run.stderr) io.err.write(run.stderr);
  return run.exitCode;
}
