/** Every agent's hook adapter, by id. */
import { claudeCodeAdapter } from './claude-code/hook';
import { clineAdapter } from './cline/hook';
import { codexAdapter } from './codex/hook';
import { copilotAdapter } from './copilot/hook';
import { cursorAdapter } from './cursor/hook';
import { geminiAdapter } from './gemini/hook';
import type { AgentId, HookAdapter } from './types';

export const ADAPTERS: Readonly<Record<AgentId, HookAdapter>> = {
  'claude-code': claudeCodeAdapter,
  copilot: copilotAdapter,
  cursor: cursorAdapter,
  gemini: geminiAdapter,
  codex: codexAdapter,
  cline: clineAdapter,
};
