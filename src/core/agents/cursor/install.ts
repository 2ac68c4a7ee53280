/**
 * Cursor: .cursor/hooks.json (repo) or ~/.cursor/hooks.json (user), version 1, one handler per
 * event with `failClosed: true` (a crash, timeout or invalid answer blocks the action).
 */
import * as path from 'path';
import { jsonHookInstaller } from '../jsonHookInstaller';

export const cursorInstaller = jsonHookInstaller({
  id: 'cursor',
  file: (scope, w) => (scope === 'repo' ? path.join(w.workspace, '.cursor', 'hooks.json') : path.join(w.home, '.cursor', 'hooks.json')),
  timeoutSeconds: 60,
  waitSeconds: 50,
  events: ['beforeShellExecution', 'beforeMCPExecution', 'beforeReadFile', 'preToolUse'],
  grouped: false,
  preamble: { version: 1 },
  handler: (command) => ({ command, timeout: 60, failClosed: true }),
});
