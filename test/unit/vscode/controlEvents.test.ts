import * as assert from 'assert';
import { controlEvent } from '../../../src/core/audit/events';
import { controlDecision, controlReport } from '../../../src/vscode/controlEvents';

describe('VS Code control events: Connect Agents changes', () => {
  const subject = { kind: 'person' as const, id: 'dev', method: 'editor' as const, evidence: 'chosen in Connect Agents' };
  const hook = { agent: 'gemini', scope: 'user' as const, change: 'remove' as const, files: ['/home/dev/.gemini/settings.json'] };

  it('a hook-config change becomes the host’s typed control event with its files, and a critical row when a hook is taken out', () => {
    const i = { control: 'hook-config' as const, subject, effect: 'allow' as const, what: 'removed the agentpolicy hook for gemini from ~/.gemini/settings.json', hook };
    const r = controlReport(i);
    assert.ok(r);
    const ev = controlEvent({ ...r, context: { pep: 'host' } });
    assert.deepStrictEqual([ev.control.event, ev.control.outcome, ev.control.data], ['hook-config', 'done', hook]);
    assert.strictEqual(controlDecision(i).risk, 'critical');
    assert.strictEqual(controlDecision({ ...i, hook: { ...hook, change: 'install' } }).risk, 'high');
  });

  it('without the change’s facts there is no control event to write (never a made-up one)', () => {
    assert.strictEqual(controlReport({ control: 'hook-config', subject, effect: 'allow', what: 'x' }), undefined);
  });
});
