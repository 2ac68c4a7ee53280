import { z } from 'zod';

/**
 * The broker protocol. Node clients speak newline-delimited JSON; shells (which cannot build
 * JSON cheaply) speak length-prefixed text frames: `AP1` for a command line, `HK1` for an
 * agent's raw hook payload. All become requests validated by the same schemas, every request
 * gets exactly one answer, and every one needs a credential.
 */

/** Which enforcement point asked. */
export const SOURCES = ['bash', 'zsh', 'shim', 'pre-push', 'hook', 'run', 'cli', 'vscode', 'sandbox'] as const;
export type Source = (typeof SOURCES)[number];

/** Largest command line or hook payload a frame may carry. */
export const MAX_PAYLOAD = 1 << 20;

const ref = z.strictObject({
  localRef: z.string().max(4096),
  localSha: z.string().regex(/^[0-9a-f]{40,64}$/),
  remoteRef: z.string().max(4096),
  remoteSha: z.string().regex(/^[0-9a-f]{40,64}$/),
  /** True when the remote sha is not an ancestor of the local one; null when git could not tell. */
  rewrites: z.boolean().nullable(),
});

const path = z.string().min(1).max(4096);

/** Typed actions a PEP may ask about directly (hooks, the editor): the host fills the rest. */
export const actionInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.enum(['file.read', 'file.write', 'file.delete']), path, recursive: z.boolean().optional() }),
  z.strictObject({ kind: z.literal('network'), host: z.string().min(1).max(1024), tool: z.string().max(200).optional() }),
  z.strictObject({ kind: z.literal('mcp'), server: z.string().min(1).max(1024), tool: z.string().min(1).max(1024), args: z.unknown().optional() }),
]);
export type ActionInput = z.infer<typeof actionInput>;

export const decideRequest = z
  .strictObject({
    v: z.literal(1),
    type: z.literal('decide'),
    id: z.string().max(200).optional(),
    token: z.string().max(8192).optional(),
    source: z.enum(SOURCES),
    cwd: path,
    /** The requesting process, for attribution by ancestry. */
    pid: z.number().int().positive().optional(),
    /** The line was typed at an interactive shell's prompt (only then can the subject be the person). */
    interactive: z.boolean().optional(),
    command: z.string().max(MAX_PAYLOAD).optional(),
    /** One file action (kept for older clients; `actions` is the general form). */
    action: z.strictObject({ kind: z.enum(['file.read', 'file.write', 'file.delete']), path }).optional(),
    actions: z.array(actionInput).min(1).max(1000).optional(),
    push: z.strictObject({ remote: z.string().max(4096), url: z.string().max(8192), refs: z.array(ref).max(10000) }).optional(),
    /** `agentpolicy run`'s program and arguments: a registered agent starts as itself, anything else is judged as a command line. */
    launch: z.array(z.string().max(1 << 16)).min(1).max(10000).optional(),
    /** What to show the person for `actions` (a tool call in words). */
    display: z.string().max(4096).optional(),
  })
  .refine((r) => [r.command, r.action, r.actions, r.push, r.launch].filter((x) => x !== undefined).length === 1, { message: 'exactly one of command, action, actions, push or launch' });

export const CONTROL_TYPES = ['revoke-all', 'rearm', 'status', 'issue', 'result', 'sandbox-off'] as const;

export const controlRequest = z.strictObject({
  v: z.literal(1),
  type: z.enum(CONTROL_TYPES),
  id: z.string().max(200).optional(),
  token: z.string().max(8192).optional(),
  pid: z.number().int().positive().optional(),
  /** For `issue`: the subject id the child credential is for (defaults to the caller's). */
  agent: z.string().max(200).optional(),
  /** For `result`: the decision's audit sequence number, and how the action ended. */
  ref: z.number().int().nonnegative().optional(),
  exitCode: z.number().int().optional(),
  durationMs: z.number().nonnegative().optional(),
  /** For `sandbox-off`: the program a guarded process starts without the sandbox (the person's choice, recorded). */
  argv: z.array(z.string().max(1 << 16)).max(1000).optional(),
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
  /** Who settled it (see broker `DecidedBy`). */
  by?: string;
  /** Sequence number of the decision in the audit log, for reporting the result later. */
  auditSeq?: number;
  /** Control answers (status, issue). */
  data?: Record<string, unknown>;
}

/** A hook payload as the launcher forwards it. */
export interface HookFrame {
  agent: string;
  token?: string;
  cwd: string;
  payload: string;
  pid?: number;
}

/** What the launcher prints and exits with. */
export interface HookAnswer {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type ParsedFrame =
  | { kind: 'shell'; request: unknown; rest: Buffer }
  | { kind: 'hook'; frame: HookFrame; rest: Buffer }
  | { error: string }
  | undefined;

const SHELL_HEADER = /^AP1 ([a-z-]+) (\d{1,5}) (\d{1,5}) (\d{1,8})(?: (\d{1,10}))?(?: ([a-z]{1,8}))?$/;
const HOOK_HEADER = /^HK1 ([a-z][a-z0-9-]{0,39}) (\d{1,5}) (\d{1,5}) (\d{1,8}) (\d{1,10})$/;

/**
 * Text frames from shells and hook launchers:
 * `AP1 <source> <tokenBytes> <cwdBytes> <commandBytes> [pid [flags]]\n` then the three fields back to back
 * (flags: `i` for a line typed at an interactive prompt);
 * `HK1 <agent> <tokenBytes> <cwdBytes> <payloadBytes> <pid>\n` then token, cwd and payload.
 * Returns undefined while more bytes are needed.
 */
export function parseFrame(buf: Buffer): ParsedFrame {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) return buf.length > 256 ? { error: 'frame header too long' } : undefined;
  const header = buf.subarray(0, nl).toString('latin1');
  const m = SHELL_HEADER.exec(header) ?? HOOK_HEADER.exec(header);
  if (!m) return { error: 'malformed frame header' };
  const [t, c, k] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (k > MAX_PAYLOAD) return { error: 'request too large' };
  const end = nl + 1 + t + c + k;
  if (buf.length < end) return undefined;
  let o = nl + 1;
  const take = (n: number) => buf.subarray(o, (o += n)).toString('utf8');
  const token = take(t);
  const cwd = take(c);
  const body = take(k);
  const pid = m[5] ? Number(m[5]) : undefined;
  const rest = buf.subarray(end);
  if (header.startsWith('HK1')) return { kind: 'hook', frame: { agent: m[1], token: token || undefined, cwd, payload: body, pid: pid || undefined }, rest };
  const interactive = !header.startsWith('HK1') && (m[6] ?? '').includes('i');
  return { kind: 'shell', request: { v: 1, type: 'decide', source: m[1], token: token || undefined, cwd, command: body, ...(pid ? { pid } : {}), ...(interactive ? { interactive } : {}) }, rest };
}

/** The bytes a frame of `bodyBytes` may take at most (header + token + cwd + body). */
export const MAX_FRAME = 256 + 8192 + 4096 + MAX_PAYLOAD;

/**
 * The one-line answer a shell reads: `allow <proof> <message>` or `deny <message>`. The proof is
 * the host's secret from the guarded environment (AGENTPOLICY_PROOF), which the shell never
 * sends: a stranger answering on the port cannot know it, so it cannot say allow.
 */
export function formatFrameAnswer(r: BrokerResponse, proof = ''): string {
  const msg = r.message.replace(/[\r\n]+/g, ' ');
  return r.decision === 'allow' ? `allow ${proof || '-'} ${msg}\n` : `deny ${msg}\n`;
}

/** The answer a hook launcher reads: `HK1 <exitCode> <stdoutBytes> <stderrBytes> <proof>\n` then both. */
export function formatHookAnswer(a: HookAnswer, proof = ''): Buffer {
  const out = Buffer.from(a.stdout, 'utf8');
  const err = Buffer.from(a.stderr, 'utf8');
  return Buffer.concat([Buffer.from(`HK1 ${a.exitCode} ${out.length} ${err.length} ${proof || '-'}\n`, 'latin1'), out, err]);
}
