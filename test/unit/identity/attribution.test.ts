import * as assert from 'assert';
import { agentForHook, agentForProgram, ancestry, attributeFromProcesses, isAgentProgram, processKey, readProcess, type ProcessInfo } from '../../../src/core/identity/attribution';
import type { AgentInfo } from '../../../src/core/policy/compile';

const agent = (id: string, executables: string[], hooks: string[] = []): AgentInfo => ({ id, owner: 'o', risk: 'medium', layer: 'baseline', executables, hooks });
const AGENTS = [agent('claude-code', ['claude', '**/@anthropic-ai/claude-code/**'], ['claude-code']), agent('gemini', ['gemini', '**/@google/gemini-cli/**'], ['gemini'])];
const proc = (pid: number, ppid: number, comm: string, exe: string, argv: string[], token?: string): ProcessInfo => ({ pid, ppid, comm, exe, argv, startTime: pid * 10, token });
const none = { has: () => false };

describe('attribution: agents by their programs, the person only on evidence', () => {
  it('names an agent by base name, by path glob, and by the script an interpreter runs', () => {
    assert.ok(isAgentProgram(AGENTS[0], '/usr/local/bin/claude', ['claude', '-p', 'x']));
    assert.ok(isAgentProgram(AGENTS[0], '/opt/node_modules/@anthropic-ai/claude-code/bin/claude.exe', ['claude']));
    assert.ok(isAgentProgram(AGENTS[1], '/usr/bin/node', ['node', '/usr/lib/node_modules/@google/gemini-cli/dist/index.js', '-p', 'go']));
    assert.ok(isAgentProgram(AGENTS[1], '/usr/bin/node20', ['node', '--no-warnings', '/usr/bin/gemini']));
    assert.ok(!isAgentProgram(AGENTS[1], '/usr/bin/node', ['node', 'gemini-helper.js']));
    assert.ok(!isAgentProgram(AGENTS[0], '/usr/bin/bash', ['bash', '-c', 'claude']), 'a shell whose command mentions the agent is not the agent');
    assert.strictEqual(agentForProgram(AGENTS, '/usr/bin/node', ['node', '/x/@google/gemini-cli/dist/index.js'])?.id, 'gemini');
    assert.strictEqual(agentForHook(AGENTS, 'claude-code')?.id, 'claude-code');
    assert.strictEqual(agentForHook(AGENTS, 'cursor'), undefined);
  });

  it('the nearest registered agent among the parents is the subject', () => {
    const chain = [proc(30, 20, 'bash', '/bin/bash', ['bash', '-c', 'ls']), proc(20, 10, 'claude', '/usr/local/bin/claude', ['claude']), proc(10, 1, 'bash', '/bin/bash', ['-bash'])];
    const s = attributeFromProcesses(AGENTS, { pidVerified: false, interactive: false, terminalCredential: true }, chain, 'dev', none)!;
    assert.deepStrictEqual([s.kind, s.id, s.method], ['agent', 'claude-code', 'ancestry']);
    assert.match(s.evidence, /pid 20.*claimed, not verified/);
  });

  it('the person: an interactive line, the connection’s own process, a shell, nothing guarded above it, a terminal credential', () => {
    const shell = proc(50, 40, 'bash', '/bin/bash', ['bash'], 'tok');
    const emulator = proc(40, 1, 'code', '/usr/share/code/code', ['code']);
    const facts = { pidVerified: true, interactive: true, terminalCredential: true, token: 'tok' };
    assert.strictEqual(attributeFromProcesses(AGENTS, facts, [shell, emulator], 'dev', none)?.kind, 'person');
    for (const [why, f, chain] of [
      ['not typed at a prompt', { ...facts, interactive: false }, [shell, emulator]],
      ['pid not verified', { ...facts, pidVerified: false }, [shell, emulator]],
      ['a run credential', { ...facts, terminalCredential: false }, [shell, emulator]],
      ['not a shell', facts, [proc(50, 40, 'python3', '/usr/bin/python3', ['python3']), emulator]],
      ['a guarded parent', facts, [shell, proc(40, 1, 'node', '/usr/bin/node', ['node', 'tool.js'], 'tok'), emulator]],
      ['an unreadable parent', facts, [shell, proc(40, 1, 'x', '', [], '?')]],
    ] as const) {
      assert.notStrictEqual(attributeFromProcesses(AGENTS, f, chain as unknown as ProcessInfo[], 'dev', none)?.kind, 'person', why);
    }
  });

  it('work under the person’s shell is the person’s, unless an agent or another credential sits in between', () => {
    const shell = proc(50, 40, 'bash', '/bin/bash', ['bash'], 'tok');
    const person = { has: (k: string) => k === processKey(shell) };
    const facts = { pidVerified: false, interactive: false, terminalCredential: true, token: 'tok' };
    const npm = proc(60, 50, 'node', '/usr/bin/node', ['node', '/usr/bin/npm', 'install'], 'tok');
    const shim = proc(70, 60, 'bash', '/bin/bash', ['bash', 'shim'], 'tok');
    assert.strictEqual(attributeFromProcesses(AGENTS, facts, [shim, npm, shell], 'dev', person)?.kind, 'person');
    const run = proc(60, 50, 'node', '/usr/bin/node', ['node', 'cli.js', 'run', '--', 'x'], 'other-token');
    assert.strictEqual(attributeFromProcesses(AGENTS, facts, [proc(70, 60, 'bash', '/bin/bash', ['bash'], 'other-token'), run, shell], 'dev', person), undefined);
    const claude = proc(60, 50, 'claude', '/usr/local/bin/claude', ['claude'], 'tok');
    assert.strictEqual(attributeFromProcesses(AGENTS, facts, [shim, claude, shell], 'dev', person)?.id, 'claude-code');
    assert.strictEqual(attributeFromProcesses(AGENTS, { ...facts, terminalCredential: false }, [shim, npm, shell], 'dev', person), undefined);
  });

  it('reads real processes from /proc, and walks the chain to init (bounded, no loops)', () => {
    const me = readProcess(process.pid)!;
    assert.strictEqual(me.pid, process.pid);
    assert.strictEqual(me.ppid, process.ppid);
    assert.ok(me.exe.endsWith('node') || me.comm.startsWith('node'), me.exe);
    const chain = ancestry(process.pid);
    assert.strictEqual(chain[0].pid, process.pid);
    assert.ok(chain.length >= 2 && chain.length <= 64);
    assert.strictEqual(readProcess(0x7ffffff0), undefined);
    const looped = ancestry(5, { read: (p) => proc(p, p === 5 ? 6 : 5, 'x', '', []) });
    assert.strictEqual(looped.length, 2);
  });
});
