/**
 * Who is behind a terminal's command: the pure part of the VS Code side of identity. The shapes
 * of creationOptions here are the ones VS Code 1.139's extension host reports (checked in
 * test/vscode/suite/08-terminal-identity.test.ts against real terminals).
 */
import * as assert from 'assert';
import { classifyTerminal, TerminalSubjects } from '../../../src/vscode/terminalSubjects';

const workbench = (over: Record<string, unknown> = {}) => ({ name: undefined, shellPath: undefined, shellArgs: undefined, cwd: undefined, env: undefined, hideFromUser: undefined, titleTemplate: undefined, ...over });

describe('terminal subjects (src/vscode/terminalSubjects.ts)', () => {
  it('classifies the person\'s terminals, Copilot\'s, this extension\'s agent terminals and other extensions\'', () => {
    assert.strictEqual(classifyTerminal({ name: 'bash', creationOptions: workbench() }).origin, 'person');
    assert.strictEqual(classifyTerminal({ name: 'zsh', creationOptions: workbench({ shellPath: '/bin/zsh', cwd: '/w' }) }).origin, 'person');
    assert.strictEqual(classifyTerminal({ name: 'bash', creationOptions: workbench({ hideFromUser: true, env: { AI_AGENT: 'github_copilot_vscode_agent', COPILOT_AGENT: '1', GIT_PAGER: 'cat' } }) }).origin, 'copilot');
    assert.strictEqual(classifyTerminal({ name: 'bash', creationOptions: workbench({ hideFromUser: true }) }).origin, 'copilot', 'a hidden workbench terminal is agent mode\'s');
    assert.strictEqual(classifyTerminal({ name: 'x', creationOptions: { name: 'x', env: { COPILOT_AGENT: '1' } } }).origin, 'copilot');
    assert.strictEqual(classifyTerminal({ name: 'Cline', creationOptions: { name: 'Cline', shellPath: '/bin/bash' } }).origin, 'extension');
    assert.strictEqual(classifyTerminal({ name: 'y', creationOptions: {} }).origin, 'extension');
    assert.strictEqual(classifyTerminal({ name: 'Agent', creationOptions: { name: 'Agent' }, ownPurpose: 'agent-profile', ownAgentId: 'claude-code' }).origin, 'agent-profile');
    // One key more or less than the workbench's own set: not the workbench.
    assert.strictEqual(classifyTerminal({ name: 'z', creationOptions: { ...workbench(), pty: {} } }).origin, 'extension');
  });

  it('maps a pid chain to the nearest terminal shell: person, agent, unknown, or none', () => {
    const t = new TerminalSubjects({ user: 'dev', copilotAgentId: 'copilot' });
    const person = t.add({ name: 'bash', creationOptions: workbench() });
    const copilot = t.add({ name: 'bash', creationOptions: workbench({ hideFromUser: true, env: { AI_AGENT: 'github_copilot_vscode_agent' } }) });
    const profile = t.add({ name: 'Agent terminal', creationOptions: { name: 'Agent terminal' }, ownPurpose: 'agent-profile', ownAgentId: 'claude-code' });
    const other = t.add({ name: 'Cline', creationOptions: { name: 'Cline' } });
    t.setPid(person, 100);
    t.setPid(copilot, 200);
    t.setPid(profile, 300);
    t.setPid(other, 400);
    assert.deepStrictEqual([t.terminalSubject([100])?.kind, t.terminalSubject([100])?.id, t.terminalSubject([100])?.method], ['person', 'dev', 'terminal']);
    const a = t.terminalSubject([999, 998, 200, 1])!;
    assert.deepStrictEqual([a.kind, a.id], ['agent', 'copilot']);
    assert.match(a.evidence, /shell pid 200.*Copilot.*pid 999\) runs 2 levels below its shell/);
    assert.deepStrictEqual([t.terminalSubject([5, 300])?.kind, t.terminalSubject([5, 300])?.id], ['agent', 'claude-code']);
    assert.deepStrictEqual([t.terminalSubject([400])?.kind, t.terminalSubject([400])?.id], ['unknown', 'unknown']);
    assert.strictEqual(t.terminalSubject([7, 8, 9]), undefined);
    assert.strictEqual(t.terminalSubject([]), undefined);
    // The nearest shell wins: a bash started by Copilot's shell inside… the chain names Copilot's first.
    assert.strictEqual(t.terminalSubject([5, 200, 100])?.kind, 'agent');
  });

  it('a task terminal, and a closed terminal\'s pid, are not the person\'s', () => {
    const t = new TerminalSubjects({ user: 'dev', copilotAgentId: 'copilot' });
    const task = t.add({ name: 'npm: build', creationOptions: workbench({ name: 'npm: build' }) });
    t.markTask(555); // the task event can come before the pid
    t.setPid(task, 555);
    assert.strictEqual(t.terminalSubject([555])?.kind, 'unknown');
    const gone = t.add({ name: 'bash', creationOptions: workbench() });
    t.setPid(gone, 600);
    t.remove(gone);
    assert.strictEqual(t.terminalSubject([600]), undefined);
  });
});
