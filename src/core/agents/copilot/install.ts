/**
 * GitHub Copilot: a hook file of our own, .github/hooks/agentpolicy.json (repo: Copilot CLI,
 * VS Code agent hooks, and the cloud agent once it is on the default branch) or
 * ~/.copilot/hooks/agentpolicy.json (user: Copilot CLI). The file holds only our hook, so the
 * user's other hook files are never touched. It carries both the CLI's keys (bash, timeoutSec)
 * and VS Code's (command, timeout). Neither runtime has a fail-closed option.
 */
import * as path from 'path';
import { jsonHookInstaller } from '../jsonHookInstaller';

export const copilotInstaller = jsonHookInstaller({
  id: 'copilot',
  file: (scope, w) => (scope === 'repo' ? path.join(w.workspace, '.github', 'hooks', 'agentpolicy.json') : path.join(w.env?.COPILOT_HOME || path.join(w.home, '.copilot'), 'hooks', 'agentpolicy.json')),
  timeoutSeconds: 60,
  waitSeconds: 50,
  events: ['preToolUse'],
  grouped: false,
  preamble: { version: 1 },
  handler: (command) => ({ type: 'command', bash: command, command, timeoutSec: 60, timeout: 60, comment: 'Agent Policy: decides every tool call before it runs (agentpolicy install-hooks copilot)' }),
});
