/**
 * Cline: an executable named PreToolUse in .clinerules/hooks/ (workspace) or
 * ~/Documents/Cline/Hooks/ (global); "Enable Hooks" must be on in Cline's settings. One file
 * per hook, so ours is a two-line script that runs the launcher; a PreToolUse that is not ours
 * is never overwritten. Cline's hook timeout is fixed (30 s) and a failing hook lets the tool
 * run, so the launcher's broker wait stays at 25 s.
 */
import * as path from 'path';
import { hookCommandLine, isOurCommand, type AgentInstaller, type InstallCheck } from '../install';

function script(command: string): string {
  return `#!/bin/sh\n# Agent Policy: decides every Cline tool call before it runs (agentpolicy install-hooks cline)\nexec ${command}\n`;
}

function isOurs(text: string): boolean {
  return text.split('\n').some((l) => l.startsWith('exec ') && isOurCommand(l.slice(5)));
}

export const clineInstaller: AgentInstaller = {
  id: 'cline',
  executable: true,
  file: (scope, w) => (scope === 'repo' ? path.join(w.workspace, '.clinerules', 'hooks', 'PreToolUse') : path.join(w.home, 'Documents', 'Cline', 'Hooks', 'PreToolUse')),
  timeoutSeconds: 30,
  waitSeconds: 25,
  merge(text, spec) {
    if (text !== undefined && text.trim() !== '' && !isOurs(text)) throw new Error('a PreToolUse hook that is not agentpolicy\'s is already there (Cline runs one per folder); move it aside or call it from your own script, then install again');
    return script(hookCommandLine(spec));
  },
  remove(text) {
    return isOurs(text) ? undefined : text;
  },
  check(text, spec): InstallCheck {
    if (text === undefined) return { ok: false, problems: ['the PreToolUse hook script does not exist: the hook is not installed'] };
    if (!isOurs(text)) return { ok: false, problems: ['PreToolUse is not agentpolicy\'s hook'] };
    if (text !== script(hookCommandLine(spec))) return { ok: false, problems: ['the PreToolUse hook script is stale (the launcher or node path changed): install again'] };
    return { ok: true, problems: [] };
  },
};
