import { describeAction, UNKNOWN_TOKEN, type Action } from '../actions/types';
import type { CompiledPolicy } from '../policy/compile';
import { howToProceed, type AdviceContext, type AdviceHost } from '../text/advice';
import type { Decision, DecisionRequest } from './types';

/** An action as shown outside: unresolved tokens appear as written, without the internal marker. */
export function publicAction(a: Action): Action {
  if (a.kind !== 'command') return a;
  return { ...a, argv: a.argv.map((t) => (t.startsWith(UNKNOWN_TOKEN) ? t.slice(1) : t)) };
}

/**
 * The one line a blocked agent (and its developer) reads: what, why (rule), how to proceed.
 * With the policy in force (`ctx`), how to proceed names the layer file and the edit (src/core/text/advice.ts).
 */
export function decisionLine(d: Decision, what: string, ctx?: AdviceContext, host: AdviceHost = 'cli'): string {
  const rules = d.ruleIds.length ? ` [rule ${d.ruleIds.join(', ')}; ${d.layer} policy]` : ` [${d.layer} default]`;
  const why = d.reasons[0] ?? '';
  const shown = what.length > 120 ? what.slice(0, 117) + '...' : what;
  switch (d.effect) {
    case 'allow':
      return `agentpolicy: allow: ${shown}`;
    case 'ask':
      return `agentpolicy: ask: ${shown} needs the developer's approval: ${why}${rules}. ${ctx ? `To proceed: ${howToProceed(d, ctx, host)}.` : "Run `agentpolicy explain -- '…'` to see why."}`;
    case 'deny':
      return `agentpolicy: deny: ${shown}: ${why}${rules}. To proceed: ${ctx ? howToProceed(d, ctx, host) : "ask the developer to run it themselves; `agentpolicy explain -- '…'` names the policy file that decides"}.`;
  }
}

/** For people: the commands found, the actions, each rule considered, the layer, and the decision. */
export function explainText(p: CompiledPolicy, req: DecisionRequest, d: Decision): string {
  const lines: string[] = [];
  if (req.kind === 'command') lines.push(`Command line: ${req.commandLine}`);
  lines.push(`Workspace: ${p.workspace}   cwd: ${req.cwd}${req.agent ? `   agent: ${req.agent}` : ''}`);
  lines.push(`Policy layers: ${p.layers.map((l) => `${l.name} (${l.file})`).join(' < ')}`);
  lines.push('');
  lines.push(`Actions found (${d.actions.length}):`);
  if (d.actions.length === 0) lines.push('  (nothing runs)');
  d.verdicts.forEach((v, i) => {
    lines.push(`  ${i + 1}. ${describeAction(publicAction(v.action))}`);
    lines.push(`     -> ${v.effect.toUpperCase()}${v.ruleIds.length ? ` by ${v.ruleIds.join(', ')} (${v.layer})` : ` (default of ${v.layer} layer)`}: ${v.reason}`);
    const considered = p.candidates(v.action).filter((r) => !v.ruleIds.includes(r.id));
    for (const r of considered.slice(0, 8)) {
      let m: string;
      try {
        m = r.test(v.action);
      } catch (e) {
        m = `error: ${(e as Error).message}`;
      }
      lines.push(`     considered ${r.id} (${r.layer}, ${r.effect}): ${m === 'no' ? 'does not match' : m === 'maybe' ? 'may match (not for allow)' : m}`);
    }
    if (considered.length > 8) lines.push(`     …and ${considered.length - 8} more rules that do not decide`);
  });
  if (d.errors.length) lines.push('', 'Errors:', ...d.errors.map((e) => `  ${e}`));
  if (d.ignored.length) lines.push('', 'Ignored repository rules:', ...d.ignored.map((e) => `  ${e}`));
  lines.push('', `Decision: ${d.effect.toUpperCase()} (risk ${d.risk})${d.ruleIds.length ? ` — rules ${d.ruleIds.join(', ')} in the ${d.layer} layer` : ` — ${d.layer} default`}`);
  for (const r of d.reasons) lines.push(`  because ${r}`);
  return lines.join('\n') + '\n';
}
