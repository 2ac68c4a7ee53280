/**
 * Claude Code: .claude/settings.json (repo) or ~/.claude/settings.json (user),
 * hooks.PreToolUse = [{matcher: "*", hooks: [{type: "command", command, timeout, onFailure: "block"}]}].
 * `onFailure: "block"` makes a hook that cannot start, times out or prints invalid output block
 * the tool call (Claude Code 2.1.332; the default lets it run).
 */
import * as path from 'path';
import { jsonHookInstaller } from '../jsonHookInstaller';

export const claudeCodeInstaller = jsonHookInstaller({
  id: 'claude-code',
  file: (scope, w) => (scope === 'repo' ? path.join(w.workspace, '.claude', 'settings.json') : path.join(w.env?.CLAUDE_CONFIG_DIR || path.join(w.home, '.claude'), 'settings.json')),
  timeoutSeconds: 120,
  waitSeconds: 110,
  events: ['PreToolUse'],
  grouped: true,
  handler: (command) => ({ type: 'command', command, timeout: 120, onFailure: 'block' }),
  group: (h) => ({ matcher: '*', hooks: [h] }),
  disabledBy: (c) => ((c as { disableAllHooks?: unknown })?.disableAllHooks === true ? 'disableAllHooks is true: Claude Code runs no hook' : undefined),
});
