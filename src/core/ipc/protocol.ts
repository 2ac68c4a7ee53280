import { z } from 'zod';

/**
 * The broker protocol. Node clients speak newline-delimited JSON; shells (which cannot
 * build JSON cheaply) speak a length-prefixed text frame. Both become the same request,
 * validated by the same schema, and every request gets exactly one answer.
 */

export const SOURCES = ['bash', 'zsh', 'shim', 'pre-push', 'hook', 'run', 'cli', 'vscode'] as const;

const ref = z.strictObject({
  localRef: z.string().max(4096),
  localSha: z.string().regex(/^[0-9a-f]{40,64}$/),
  remoteRef: z.string().max(4096),
  remoteSha: z.string().regex(/^[0-9a-f]{40,64}$/),
  /** True when the remote sha is not an ancestor of the local one; null when git could not tell. */
  rewrites: z.boolean().nullable(),
});

export const decideRequest = z
  .strictObject({
    v: z.literal(1),
    type: z.literal('decide'),
    id: z.string().max(200).optional(),
    token: z.string().max(8192).optional(),
    source: z.enum(SOURCES),
    cwd: z.string().min(1).max(4096),
    command: z.string().max(1 << 20).optional(),
    action: z.strictObject({ kind: z.enum(['file.read', 'file.write', 'file.delete']), path: z.string().min(1).max(4096) }).optional(),
    push: z.strictObject({ remote: z.string().max(4096), url: z.string().max(8192), refs: z.array(ref).max(10000) }).optional(),
  })
  .refine((r) => [r.command, r.action, r.push].filter((x) => x !== undefined).length === 1, { message: 'exactly one of command, action or push' });

export const controlRequest = z.strictObject({
  v: z.literal(1),
  type: z.enum(['revoke-all', 'rearm', 'status', 'issue', 'result']),
  id: z.string().max(200).optional(),
  token: z.string().max(8192).optional(),
  agent: z.string().max(200).optional(),
  /** For `result`: the decision's audit sequence number, and how the action ended. */
  ref: z.number().int().nonnegative().optional(),
  exitCode: z.number().int().optional(),
  durationMs: z.number().nonnegative().optional(),
});

export const brokerRequest = z.union([decideRequest, controlRequest]);
export type DecideRequest = z.infer<typeof decideRequest>;
export type ControlRequest = z.infer<typeof controlRequest>;
export type BrokerRequest = z.infer<typeof brokerRequest>;

export interface BrokerResponse {
  id?: string;
  /** What the PEP must do: `ask` has been settled by the time it answers. */
  decision: 'allow' | 'deny';
  /** What the policy said before any approval. */
  effect?: 'allow' | 'ask' | 'deny';
  ruleIds?: string[];
  reasons?: string[];
  /** One readable line for the agent: what, why, how to proceed. */
  message: string;
  approvedBy?: 'policy' | 'developer' | 'session-grant';
  /** Sequence number of the decision in the audit log, for reporting the result later. */
  auditSeq?: number;
  /** Control answers (status, issue). */
  data?: Record<string, unknown>;
}

/**
 * Text frame from shells: `AP1 <source> <tokenBytes> <cwdBytes> <commandBytes>\n` then the three
 * fields back to back. Returns undefined while more bytes are needed.
 */
export function parseFrame(buf: Buffer): { request: unknown; rest: Buffer } | { error: string } | undefined {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) return buf.length > 256 ? { error: 'frame header too long' } : undefined;
  const header = buf.subarray(0, nl).toString('latin1');
  const m = /^AP1 ([a-z-]+) (\d{1,5}) (\d{1,5}) (\d{1,8})$/.exec(header);
  if (!m) return { error: 'malformed frame header' };
  const [t, c, k] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (k > 1 << 20) return { error: 'command too long' };
  const end = nl + 1 + t + c + k;
  if (buf.length < end) return undefined;
  let o = nl + 1;
  const take = (n: number) => buf.subarray(o, (o += n)).toString('utf8');
  const token = take(t);
  const cwd = take(c);
  const command = take(k);
  return { request: { v: 1, type: 'decide', source: m[1], token: token || undefined, cwd, command }, rest: buf.subarray(end) };
}

/** The one-line answer a shell reads: `allow` or `deny <message>`. */
export function formatFrameAnswer(r: BrokerResponse): string {
  return `${r.decision} ${r.message.replace(/[\r\n]+/g, ' ')}\n`;
}
