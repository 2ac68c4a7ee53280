/**
 * Who is asking. Zero trust starts with the subject: every request carries one, attributed
 * per request with the method that proves it, recorded in the audit event and shown in prompts.
 */

export type SubjectKind = 'agent' | 'person' | 'unknown';

/**
 * How the subject was established, strongest first:
 * - `hook`: the agent's own hook adapter called us (the agent is known by construction);
 * - `launch`: `agentpolicy run` started the program (its registered `match`, or `--agent`);
 * - `ancestry`: a registered agent executable among the requesting process's ancestors (/proc);
 * - `terminal`: the VS Code terminal the shell belongs to (agent-owned or opened by the person);
 * - `editor`: an edit made in the VS Code editor by the person;
 * - `credential`: only the credential's claim (weakest: what the terminal or run was issued as);
 * - `none`: nothing proved who it is.
 */
export type AttributionMethod = 'hook' | 'launch' | 'ancestry' | 'terminal' | 'editor' | 'credential' | 'none';

export interface Subject {
  kind: SubjectKind;
  /** Registered agent id (`claude-code`), the person's user name, or `unknown`. */
  id: string;
  method: AttributionMethod;
  /** What the method saw, in words: `pid 4242 /usr/bin/claude`, `terminal "bash" (pid 77)`. */
  evidence: string;
  /** The agent's own session id, when it reports one (hooks). */
  sessionId?: string;
}

export const UNKNOWN_SUBJECT: Subject = Object.freeze({ kind: 'unknown', id: 'unknown', method: 'none', evidence: 'nothing identified the requester' }) as Subject;
