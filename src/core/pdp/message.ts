import { UNKNOWN_TOKEN, type Action } from '../actions/types';
import type { Decision } from './types';

/** An action as shown outside: unresolved tokens appear as written, without the internal marker. */
export function publicAction(a: Action): Action {
  if (a.kind !== 'command') return a;
  return { ...a, argv: a.argv.map((t) => (t.startsWith(UNKNOWN_TOKEN) ? t.slice(1) : t)) };
}

/** The one line a blocked agent (and its developer) reads: what, why (rule), how to proceed. */
export function decisionLine(d: Decision, what: string): string {
  const rules = d.ruleIds.length ? ` [rule ${d.ruleIds.join(', ')}; ${d.layer} policy]` : ` [${d.layer} default]`;
  const why = d.reasons[0] ?? '';
  const shown = what.length > 120 ? what.slice(0, 117) + '...' : what;
  switch (d.effect) {
    case 'allow':
      return `agentpolicy: allow: ${shown}`;
    case 'ask':
      return `agentpolicy: ask: ${shown} needs the developer's approval: ${why}${rules}. Run \`agentpolicy explain -- '…'\` to see why.`;
    case 'deny':
      return `agentpolicy: deny: ${shown}: ${why}${rules}. To proceed, ask the developer to run it themselves or to change the policy (.agentpolicy.yaml).`;
  }
}
