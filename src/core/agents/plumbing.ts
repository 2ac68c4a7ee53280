/**
 * The shell plumbing each supported agent wraps around its commands, as data (one file per agent,
 * `<agent>/plumbing.ts`); core/shell/plumbing.ts matches a line against these shapes on its parse
 * tree. Holes are written `AP_HOLE_<name>` in a template and constrained by `holes.<name>`
 * (`'code'`: the agent's command, judged as its intent).
 */
import { CLAUDE_CODE_PLUMBING } from './claude-code/plumbing';
import { CODEX_PLUMBING } from './codex/plumbing';
import { GEMINI_PLUMBING } from './gemini/plumbing';

export type HoleSpec = RegExp | 'code';

/** `a && b && eval CMD && c`: optional housekeeping in order, the command, then required trailer. */
export interface AndChainShape {
  agent: string;
  form: 'and-chain';
  housekeeping: readonly string[];
  intent: readonly string[];
  trailer: readonly string[];
  holes: Readonly<Record<string, HoleSpec>>;
}

/** A whole program with `AP_COMMAND` standing for the command's statements. */
export interface ProgramShape {
  agent: string;
  form: 'program';
  template: string;
  holes: Readonly<Record<string, HoleSpec>>;
}

/** Whole housekeeping lines, or a generated prelude of housekeeping statements ending in the command. */
export interface PreludeShape {
  agent: string;
  form: 'prelude';
  whole: readonly string[];
  intent: readonly string[];
  variables: RegExp;
  holes: Readonly<Record<string, HoleSpec>>;
}

export type PlumbingShape = AndChainShape | ProgramShape | PreludeShape;

export const AGENT_PLUMBING: readonly PlumbingShape[] = [CLAUDE_CODE_PLUMBING, GEMINI_PLUMBING, CODEX_PLUMBING];
