/**
 * The audit record: what every PEP writes before an action runs (a decision) and
 * after it ran (a result). One JSON object per line, hash-chained.
 */
import type { Action, Effect, Risk, PushRef } from '../actions/types';
import type { AttributionMethod, Subject, SubjectKind } from '../identity/subject';
import type { LayerName } from '../policy/layer';

/** Who asked: the subject (agent, person or unknown), how we know it, and the agent's registry facts. */
export interface AuditAgent {
  /** Registered agent id ("claude-code"), the person's user name, or "unknown". */
  id: string;
  /** Display name when it differs from the id. */
  name?: string;
  /** Person or team accountable for the agent. */
  owner?: string;
  riskTier?: string;
  /** The subject's kind (identity's Subject.kind); absent in events from callers that pass only an agent. */
  kind?: SubjectKind;
  /** How the request was attributed: identity's AttributionMethod (hook, launch, ancestry, terminal, editor, credential, none); older records hold free text. */
  attribution?: AttributionMethod | (string & {});
  /** What the attribution saw, in words: `pid 4242 /usr/bin/claude`. */
  evidence?: string;
  /** Model the agent runs, when known. */
  model?: string;
  provider?: string;
}

/** Where the request came from. */
export interface AuditContext {
  /** OS user name (uid appended by the writer if absent). */
  osUser?: string;
  osUid?: number;
  hostname?: string;
  /** Agent or VS Code session id. */
  session?: string;
  /** Terminal name or tty. */
  terminal?: string;
  /** Tool call id from the agent (e.g. Claude Code's tool_use_id). */
  toolCallId?: string;
  /** Tool name as the agent called it, e.g. "Bash", "Edit". */
  tool?: string;
  /** Which PEP saw it: "hook", "shim", "pre-push", "vscode". */
  pep?: string;
  workspace?: string;
  /** Repository root and remote, when inside one. */
  repo?: { root?: string; remote?: string; branch?: string };
  cwd?: string;
}

/** The approval that turned an `ask` into allow or deny. */
export interface AuditApproval {
  /**
   * Who answered: a person's name (also for an approval remembered from that person's answer,
   * see `via`), "timeout", or what else ended the wait ("no-approver", "kill-switch").
   */
  approver: string;
  /**
   * Set when no one was asked this time: `session-grant` (the person allowed the action for the
   * session earlier) or `pass` (the same action the person just approved, seen again moments later
   * by another check point: the PATH shim, git's pre-push hook).
   */
  via?: 'session-grant' | 'pass';
  outcome: 'approved' | 'rejected' | 'timeout';
  /** How far the answer reaches. */
  scope: 'once' | 'session' | 'workspace' | 'always' | 'none';
  /** Milliseconds between prompt and answer. */
  waitedMs?: number;
}

/** The action as typed details, flattened for a SIEM. */
export type AuditActionKind = 'command' | 'file.read' | 'file.write' | 'file.delete' | 'git.push' | 'network' | 'env.set' | 'opaque' | 'tool';

export interface AuditActionDetails {
  kind: AuditActionKind;
  /** The full command line as the agent submitted it. */
  commandLine?: string;
  /** Each command analysis found (normalised argv). */
  commands?: string[][];
  /** Actions analysis derived (the PDP's typed actions). */
  actions?: Action[];
  path?: string;
  /** For git.push: remote, URL and the refs that move. */
  remote?: string;
  url?: string;
  refs?: PushRef[];
  force?: boolean;
  /** For network. */
  host?: string;
  /** For tool calls (MCP etc.). */
  toolName?: string;
  toolInput?: unknown;
}

/** The decision as written to the log. Mirrors pdp Decision without re-deriving anything. */
export interface AuditDecision {
  effect: Effect;
  risk: Risk;
  ruleIds: string[];
  layer: LayerName;
  reasons: string[];
  errors?: string[];
}

/** What happened after the action was allowed (or not). */
export interface AuditResultDetails {
  /** Process exit code, for commands. */
  exitCode?: number;
  /** Whether the file changed (file actions). */
  fileChanged?: boolean;
  /** Whether the push landed (git.push). */
  pushLanded?: boolean;
  /** The action did not run (blocked, cancelled). */
  ran: boolean;
  durationMs?: number;
  error?: string;
}

interface EventBase {
  agent: AuditAgent;
  context: AuditContext;
  action: AuditActionDetails;
  /** SHA-256 (hex) of the effective policy text that decided. */
  policyHash?: string;
  policyVersion?: string;
  /** Milliseconds since epoch; the writer fills it when absent. */
  time?: number;
}

/** Written before the action runs. */
export interface AuditDecisionEvent extends EventBase {
  type: 'decision';
  decision: AuditDecision;
  approval?: AuditApproval;
}

/** Written after the action ran; `ref` is the seq of its decision record. */
export interface AuditResultEvent extends EventBase {
  type: 'result';
  ref: number;
  decision?: AuditDecision;
  result: AuditResultDetails;
}

/** Control actions of the guard itself, recorded as what they are (not as decisions). */
export const CONTROL_EVENTS = ['kill-switch', 'rearm', 'file-restore', 'sandbox-off', 'policy-change', 'refused-requests', 'host-start', 'host-stop', 'hook-config'] as const;
export type ControlEventKind = (typeof CONTROL_EVENTS)[number];

/** `done`: the host carried it out; `refused`: the host refused it (a re-arm asked with an agent's credential, requests refused at a transport). */
export type ControlOutcome = 'done' | 'refused';

/** Refused requests of one kind from one peer. */
export interface RefusedCount {
  count: number;
  reason?: string;
  /** `unix`, `tcp`, … */
  transport?: string;
  peerUid?: number;
}

/** The small typed facts each control event carries. */
export interface ControlDataByEvent {
  /** Block All Agents: what was revoked or closed. */
  'kill-switch': { credentials?: number; grants?: number; terminalsClosed?: number };
  rearm: { credentials?: number };
  /** A protected file changed outside the guard and was put back. */
  'file-restore': { path: string; ruleIds?: string[]; bytes?: number };
  /** A run without the sandbox, as the person chose for it. */
  'sandbox-off': { program: string; argv?: string[]; reason?: string };
  /** The effective policy changed: SHA-256 of the policy text before and after. */
  'policy-change': { before?: string; after: string; layers?: string[]; file?: string };
  /**
   * Requests refused at a transport (no or a wrong credential, another user's peer), counted rather
   * than logged one by one: `count` in all, and per (reason, transport, peer uid) in `counts`.
   */
  'refused-requests': { count: number; peerUid?: number; transport?: string; reason?: string; windowMs?: number; counts?: RefusedCount[] };
  'host-start': { host?: string; pid?: number; version?: string; workspace?: string };
  'host-stop': { host?: string; pid?: number; reason?: string };
  /** An agent's hook config changed by install-hooks or Connect Agents: every file written or removed. */
  'hook-config': { agent: string; scope: 'repo' | 'user'; change: 'install' | 'remove'; files: string[] };
}

export type AuditControl = {
  [K in ControlEventKind]: {
    event: K;
    outcome: ControlOutcome;
    /** One line a person reads. */
    detail: string;
    data: ControlDataByEvent[K];
  };
}[ControlEventKind];

/** A control action of the guard: kill switch, re-arm, file restore, sandbox off, policy change, refused requests, host start/stop. */
export interface AuditControlEvent {
  type: 'control';
  /** Who did it (or, for refused requests, who tried). */
  subject: Subject;
  context: AuditContext;
  control: AuditControl;
  /** SHA-256 (hex) of the effective policy text in force. */
  policyHash?: string;
  /** Milliseconds since epoch; the writer fills it when absent. */
  time?: number;
}

/** What callers hand to AuditLog.append(). */
export type AuditEvent = AuditDecisionEvent | AuditResultEvent | AuditControlEvent;

/** Checkpoint payload: signed with the log's Ed25519 key. */
export interface CheckpointPayload {
  /** Log id. */
  log: string;
  /** Seq of the last record covered (the one right before the checkpoint). */
  seq: number;
  /** SHA-256 (hex) of that record's bytes. */
  hash: string;
  /** Unix ms. */
  time: number;
}

/** Fields the writer adds to every line. */
export interface RecordEnvelope {
  /** Record format version. */
  v: 1;
  /** Log id (UUID), constant across rotation. */
  log: string;
  /** Sequence number, from 1, no gaps. */
  seq: number;
  /** Unix ms when written. */
  ts: number;
  /** SHA-256 hex of the previous record's bytes (the line without its newline); 64 zeros for the first. */
  prev: string;
}

export interface CheckpointRecord extends RecordEnvelope {
  type: 'checkpoint';
  /** Compact JWS (EdDSA) over CheckpointPayload; header kid = JWK thumbprint. */
  jws: string;
  /** Why this checkpoint: "count", "time", "deny", "ask", "approval", "recovery", "close", "rotate" (older logs: "interval"). */
  why: string;
}

export interface RecoveryRecord extends RecordEnvelope {
  type: 'recovery';
  /** A torn last line set aside on reopen. */
  torn?: { file: string; bytes: number; sha256?: string; savedAs: string };
  /** A writer's lock taken over because that writer is gone (it did not close the log). */
  lock?: { reason: 'dead' | 'pid-reused' | 'rebooted' | 'unreadable'; pid?: number; since?: string; hostname?: string; start?: string };
  note: string;
}

export interface OpenRecord extends RecordEnvelope {
  type: 'open';
  /** Thumbprint of the signing key (kid). */
  kid: string;
  pid: number;
  hostname: string;
  /** The file this segment continues from, on rotation. */
  continues?: string;
}

export type DecisionRecord = RecordEnvelope & AuditDecisionEvent & { time: number };
export type ResultRecord = RecordEnvelope & AuditResultEvent & { time: number };
export type ControlRecord = RecordEnvelope & AuditControlEvent & { time: number };

export type AuditRecord = DecisionRecord | ResultRecord | ControlRecord | CheckpointRecord | RecoveryRecord | OpenRecord;

export const GENESIS_HASH = '0'.repeat(64);
