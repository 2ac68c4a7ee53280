/** Every agent's installer, by id. */
import { claudeCodeInstaller } from './claude-code/install';
import { clineInstaller } from './cline/install';
import { codexInstaller } from './codex/install';
import { copilotInstaller } from './copilot/install';
import { cursorInstaller } from './cursor/install';
import { geminiInstaller } from './gemini/install';
import type { AgentInstaller } from './install';
import type { AgentId } from './types';

export const INSTALLERS: Readonly<Record<AgentId, AgentInstaller>> = {
  'claude-code': claudeCodeInstaller,
  copilot: copilotInstaller,
  cursor: cursorInstaller,
  gemini: geminiInstaller,
  codex: codexInstaller,
  cline: clineInstaller,
};
