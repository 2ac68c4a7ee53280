import * as fs from 'fs';
import * as path from 'path';
import type { AgentName } from './agents';
import { runAgent, type RunAgentResult } from './driver';
import type { ToolCall } from './fakeModel';
import { captureCommand, readCapture, registerHook, setCaptureMode, type CaptureRecord, type HookScope } from './hookConfig';
import { makeSandbox, type Sandbox } from './workspace';

/**
 * One run of a real agent with a command hook that answers in a chosen way, and whether the tool
 * then really ran (an effect: a marker file). This is how the hook-contract facts in
 * docs/agent-harness.md were established, and how hookContract.test.ts keeps checking them.
 */

export interface ContractCase {
  /** Capture-hook answer (see capture-hook.mjs), or 'missing' for a hook command that does not exist. */
  mode: string;
  /** Which tool the model calls: a shell command or a file write. */
  tool?: 'shell' | 'write';
  scope?: HookScope;
  timeoutSec?: number;
  handlerExtra?: Record<string, unknown>;
  dropArgs?: string[];
  /** Before the run: e.g. write trust state. Gets the sandbox and the hook config file. */
  prepare?: (sb: Sandbox, hookFile: string) => void;
  /** Leave the workspace out of the agent's trusted folders/projects. */
  untrusted?: boolean;
  /** Appended to the hook command (e.g. '; exit $?' keeps the shell alive to be seen as the parent). */
  commandSuffix?: string;
  env?: Record<string, string>;
}

export interface ContractOutcome {
  /** The tool's effect happened (the marker file exists). */
  ran: boolean;
  /** What the model received as the tool's result. */
  resultText: string;
  resultIsError?: boolean;
  hookCalls: CaptureRecord[];
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  run: RunAgentResult;
}

export const MARKER = 'ran-marker.txt';

export function effectCall(agent: AgentName, tool: 'shell' | 'write', sb: Sandbox): ToolCall {
  const abs = path.join(sb.workspace, MARKER);
  if (tool === 'shell') {
    switch (agent) {
      case 'claude-code':
        return { tool: 'Bash', input: { command: `touch ${MARKER}`, description: 'Create the marker' } };
      case 'gemini':
        return { tool: 'run_shell_command', input: { command: `touch ${MARKER}`, description: 'Create the marker' } };
      case 'codex':
        return { tool: 'exec_command', input: { cmd: `touch ${MARKER}` } };
    }
  }
  switch (agent) {
    case 'claude-code':
      return { tool: 'Write', input: { file_path: abs, content: 'x\n' } };
    case 'gemini':
      return { tool: 'write_file', input: { file_path: abs, content: 'x\n' } };
    case 'codex':
      return { tool: 'apply_patch', input: `*** Begin Patch\n*** Add File: ${MARKER}\n+x\n*** End Patch\n` };
  }
}

export async function runContractCase(agent: AgentName, c: ContractCase): Promise<ContractOutcome> {
  const sb = makeSandbox();
  try {
    const log = path.join(sb.scratch, 'capture.jsonl');
    const command = (c.mode === 'missing' ? path.join(sb.scratch, 'no-such-hook') : captureCommand(agent, log)) + (c.commandSuffix ?? '');
    const hookFile = registerHook(agent, { scope: c.scope ?? 'repo', home: sb.home, workspace: sb.workspace, command, timeoutSec: c.timeoutSec, handlerExtra: c.handlerExtra });
    c.prepare?.(sb, hookFile);
    setCaptureMode(log, c.mode === 'missing' ? 'allow' : c.mode);
    const call = effectCall(agent, c.tool ?? 'shell', sb);
    const run = await runAgent({ agent, workspace: sb.workspace, home: sb.home, turns: [call], timeoutMs: 90_000, dropArgs: c.dropArgs, untrusted: c.untrusted, env: c.env });
    const result = run.toolResults[run.toolResults.length - 1];
    return {
      ran: fs.existsSync(path.join(sb.workspace, MARKER)),
      resultText: result?.text ?? '',
      resultIsError: result?.isError,
      hookCalls: readCapture(log),
      exitCode: run.exitCode,
      timedOut: run.timedOut,
      durationMs: run.durationMs,
      run,
    };
  } finally {
    sb.cleanup();
  }
}
