/**
 * The boundary check for control events handed to AuditLog.append (zod; they are rare, so
 * the cost does not matter). Decisions and results keep the hand-written check in
 * auditLog.ts: they are the hot path.
 */
import { z } from 'zod';
import type { AttributionMethod, SubjectKind } from '../identity/subject';
import { CONTROL_EVENTS } from './types';
import type { ControlEventKind } from './types';

export const SUBJECT_KINDS = ['agent', 'person', 'unknown'] as const satisfies readonly SubjectKind[];
export const ATTRIBUTION_METHODS = ['hook', 'launch', 'ancestry', 'terminal', 'editor', 'credential', 'none'] as const satisfies readonly AttributionMethod[];
// Both lists name every member of their type (a compile error here means identity grew one).
type Missing<T, L extends readonly unknown[]> = Exclude<T, L[number]>;
const everyKind: Missing<SubjectKind, typeof SUBJECT_KINDS> extends never ? true : never = true;
const everyMethod: Missing<AttributionMethod, typeof ATTRIBUTION_METHODS> extends never ? true : never = true;
void everyKind;
void everyMethod;

const oneLine = z
  .string()
  .min(1)
  .refine((s) => !/[\r\n\u2028\u2029]/.test(s), 'must be one line');
const count = z.number().int().nonnegative();
/** A policy's SHA-256 hex digest, or its layers' digests joined by ":" (as the broker's audit sink writes policyHash). */
const hash = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[0-9a-f:]+$/, 'expected SHA-256 hex digests (joined by ":" for layers)');

export const subjectSchema = z
  .object({
    kind: z.enum(SUBJECT_KINDS),
    id: z.string().min(1),
    method: z.enum(ATTRIBUTION_METHODS),
    evidence: z.string(),
    sessionId: z.string().optional(),
  })
  .strict();

const DATA: { [K in ControlEventKind]: z.ZodType } = {
  'kill-switch': z.object({ credentials: count.optional(), grants: count.optional(), terminalsClosed: count.optional() }).strict(),
  rearm: z.object({ credentials: count.optional() }).strict(),
  'file-restore': z.object({ path: z.string().min(1), ruleIds: z.array(z.string()).optional(), bytes: count.optional() }).strict(),
  'sandbox-off': z.object({ program: z.string().min(1), argv: z.array(z.string()).optional(), reason: z.string().optional() }).strict(),
  'policy-change': z.object({ before: hash.optional(), after: hash, layers: z.array(z.string()).optional(), file: z.string().optional() }).strict(),
  'refused-requests': z
    .object({
      count: count,
      peerUid: z.number().int().optional(),
      transport: z.string().optional(),
      reason: z.string().optional(),
      windowMs: count.optional(),
      counts: z.array(z.object({ count, reason: z.string().optional(), transport: z.string().optional(), peerUid: z.number().int().optional() }).strict()).max(1000).optional(),
    })
    .strict(),
  'host-start': z.object({ host: z.string().optional(), pid: count.optional(), version: z.string().optional(), workspace: z.string().optional() }).strict(),
  'host-stop': z.object({ host: z.string().optional(), pid: count.optional(), reason: z.string().optional() }).strict(),
  'hook-config': z.object({ agent: z.string().min(1), scope: z.enum(['repo', 'user']), change: z.enum(['install', 'remove']), files: z.array(z.string().min(1)).max(100) }).strict(),
};

const controlSchema = z.discriminatedUnion(
  'event',
  CONTROL_EVENTS.map((event) => z.object({ event: z.literal(event), outcome: z.enum(['done', 'refused']), detail: oneLine, data: DATA[event] }).strict()) as unknown as [
    z.ZodObject<{ event: z.ZodLiteral<ControlEventKind> }>,
    ...z.ZodObject<{ event: z.ZodLiteral<ControlEventKind> }>[],
  ],
);

export const controlEventSchema = z
  .object({
    type: z.literal('control'),
    subject: subjectSchema,
    context: z.record(z.string(), z.unknown()),
    control: controlSchema,
    policyHash: z.string().optional(),
    time: z.number().optional(),
  })
  .strict();

/** Why a control event is malformed (`control.data.path: Invalid input…`), or undefined when it is fine. */
export function controlEventProblem(e: unknown): string | undefined {
  const r = controlEventSchema.safeParse(e);
  if (r.success) return undefined;
  const i = r.error.issues[0];
  return `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`;
}
