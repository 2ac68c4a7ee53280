/**
 * Gemini CLI: .gemini/settings.json (repo; Gemini loads it only for a trusted folder) or
 * ~/.gemini/settings.json (user), hooks.BeforeTool = [{matcher: ".*", hooks: [{type:
 * "command", name, command, timeout (ms)}]}]. Gemini has no fail-closed option: a hook that
 * times out or crashes lets the tool run, so the launcher answers well inside the timeout.
 */
import * as path from 'path';
import { isObject } from '../install';
import { jsonHookInstaller } from '../jsonHookInstaller';

export const geminiInstaller = jsonHookInstaller({
  id: 'gemini',
  file: (scope, w) => (scope === 'repo' ? path.join(w.workspace, '.gemini', 'settings.json') : path.join(w.home, '.gemini', 'settings.json')),
  timeoutSeconds: 120,
  waitSeconds: 110,
  events: ['BeforeTool'],
  grouped: true,
  handler: (command) => ({ type: 'command', name: 'agentpolicy', command, timeout: 120000, description: 'Agent Policy: decides every tool call before it runs' }),
  group: (h) => ({ matcher: '.*', hooks: [h] }),
  disabledBy: (c) => {
    const hc = isObject(c) ? c.hooksConfig : undefined;
    if (isObject(hc) && hc.enabled === false) return 'hooksConfig.enabled is false: Gemini CLI runs no hook';
    if (isObject(hc) && Array.isArray(hc.disabled) && hc.disabled.includes('agentpolicy')) return 'hooksConfig.disabled lists "agentpolicy": the hook is switched off';
    return undefined;
  },
});
