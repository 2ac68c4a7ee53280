import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { codexHome, selectedAgents, type AgentName } from './agents';
import { runContractCase, type ContractCase, type ContractOutcome } from './contract';
import { codexTrust } from './codexTrust';
import { runAgent } from './driver';
import { captureCommand, readCapture, registerHook, setCaptureMode } from './hookConfig';
import { makeSandbox } from './workspace';

/**
 * The hook contract of each pinned agent CLI, checked against the real binary: a command hook
 * answers in a given way and we look at the effect (did the tool's marker file appear?) and at
 * what the model was told. These are facts the adapters are designed on (docs/agent-harness.md);
 * a CLI upgrade that changes one fails here first. Several rows record fail-OPEN behaviour of the
 * agents on purpose: the adapters must never produce those answers.
 */

type Expect = 'runs' | 'blocked' | 'blocked-silently';
interface Row extends ContractCase {
  expect: Expect;
  /** The model must be told this (for blocked rows). */
  modelSees?: RegExp;
  why: string;
}

const REASON = /CAPTURE-DENY: refused by the capture hook/;

const TABLE: Record<AgentName, Row[]> = {
  'claude-code': [
    { mode: 'allow', expect: 'runs', why: 'permissionDecision allow' },
    { mode: 'none', expect: 'runs', why: 'exit 0, no output: no decision, bypass mode runs it' },
    { mode: 'deny', expect: 'blocked', modelSees: REASON, why: 'permissionDecision deny; reason reaches the model' },
    { mode: 'deny', tool: 'write', expect: 'blocked', modelSees: REASON, why: 'deny holds for Write too' },
    { mode: 'deny-exit2', expect: 'blocked', modelSees: REASON, why: 'exit 2: stderr is the reason (the model also sees the hook command line)' },
    { mode: 'deny-exit2-nostderr', expect: 'blocked', modelSees: /No stderr output/, why: 'exit 2 blocks even without a reason' },
    { mode: 'ask', expect: 'blocked', modelSees: /CAPTURE-ASK/, why: 'ask in -p with --dangerously-skip-permissions: nobody to ask, so refused' },
    { mode: 'exit1', expect: 'runs', why: 'FAIL-OPEN: exit 1 is a non-blocking error' },
    { mode: 'missing', expect: 'runs', why: 'FAIL-OPEN: hook command not found (sh exits 127)' },
    { mode: 'garbage', expect: 'runs', why: 'FAIL-OPEN: non-JSON stdout with exit 0 is plain output' },
    { mode: 'crash', expect: 'runs', why: 'FAIL-OPEN: uncaught exception (node exits 1)' },
    { mode: 'sleep:6', timeoutSec: 2, expect: 'runs', why: 'FAIL-OPEN: timeout' },
    { mode: 'exit1', handlerExtra: { onFailure: 'block' }, expect: 'blocked', modelSees: /blocking because onFailure is "block"/, why: 'onFailure: block turns a failure into a block' },
    { mode: 'missing', handlerExtra: { onFailure: 'block' }, expect: 'blocked', modelSees: /not found/, why: 'onFailure: block, command not found' },
    { mode: 'crash', handlerExtra: { onFailure: 'block' }, expect: 'blocked', why: 'onFailure: block, crash' },
    { mode: 'sleep:6', timeoutSec: 2, handlerExtra: { onFailure: 'block' }, expect: 'blocked', modelSees: /timed out/, why: 'onFailure: block, timeout' },
    { mode: 'garbage', handlerExtra: { onFailure: 'block' }, expect: 'runs', why: 'FAIL-OPEN even with onFailure: block: garbage on exit 0 is not a failure' },
    { mode: 'deny', scope: 'user', expect: 'blocked', modelSees: REASON, why: 'user scope ~/.claude/settings.json' },
    { mode: 'deny', untrusted: true, expect: 'blocked', modelSees: REASON, why: '-p loads project hooks without a trust dialog' },
  ],
  gemini: [
    { mode: 'allow', expect: 'runs', why: 'decision allow' },
    { mode: 'none', expect: 'runs', why: 'exit 0, no output' },
    { mode: 'deny', expect: 'blocked', modelSees: REASON, why: 'decision deny; "Tool execution blocked: <reason>" reaches the model' },
    { mode: 'deny', tool: 'write', expect: 'blocked', modelSees: REASON, why: 'deny holds for write_file' },
    { mode: 'deny-exit2', expect: 'blocked', modelSees: REASON, why: 'exit 2: stderr is the reason' },
    { mode: 'deny-exit2-nostderr', expect: 'runs', why: 'FAIL-OPEN: exit 2 with no text is only a failed hook' },
    { mode: 'missing', expect: 'blocked', modelSees: /No such file or directory/, why: 'exit 127 with text on stderr: any exit code other than 0/1 with text blocks' },
    { mode: 'ask', expect: 'blocked-silently', why: 'ask in -p --yolo: the tool does not run, no result reaches the model, the run ends (exit 0, no JSON)' },
    { mode: 'exit1', expect: 'runs', why: 'FAIL-OPEN: exit 1 is a warning' },
    { mode: 'garbage', expect: 'runs', why: 'FAIL-OPEN: non-JSON text with exit 0 is a systemMessage + allow' },
    { mode: 'crash', expect: 'runs', why: 'FAIL-OPEN: node exits 1 on an uncaught exception' },
    { mode: 'sleep:6', timeoutSec: 2, expect: 'runs', why: 'FAIL-OPEN: timeout' },
    { mode: 'deny', scope: 'user', expect: 'blocked', modelSees: REASON, why: 'user scope ~/.gemini/settings.json' },
    { mode: 'deny', scope: 'user', untrusted: true, expect: 'blocked', modelSees: REASON, why: 'user hooks load in an untrusted folder (with --skip-trust)' },
    { mode: 'deny', scope: 'repo', untrusted: true, expect: 'runs', why: 'FAIL-OPEN: project hooks are ignored until the folder is in trustedFolders.json' },
  ],
  codex: [
    { mode: 'allow', expect: 'runs', why: 'exit 0, no output' },
    { mode: 'allow-json', expect: 'runs', why: 'permissionDecision allow without updatedInput: "unsupported", treated as a failed hook, runs' },
    { mode: 'deny', expect: 'blocked', modelSees: REASON, why: 'permissionDecision deny; "Command blocked by PreToolUse hook: <reason>. Command: <cmd>"' },
    { mode: 'deny', tool: 'write', expect: 'blocked', modelSees: REASON, why: 'deny holds for apply_patch' },
    { mode: 'deny-exit2', expect: 'blocked', modelSees: REASON, why: 'exit 2: stderr is the reason' },
    { mode: 'deny-exit2-nostderr', expect: 'runs', why: 'FAIL-OPEN: exit 2 without a reason is a failed hook' },
    { mode: 'ask', expect: 'runs', why: 'FAIL-OPEN: permissionDecision ask is unsupported: a failed hook, the tool runs' },
    { mode: 'exit1', expect: 'runs', why: 'FAIL-OPEN: exit 1' },
    { mode: 'missing', expect: 'runs', why: 'FAIL-OPEN: command not found' },
    { mode: 'garbage', expect: 'runs', why: 'FAIL-OPEN: non-JSON stdout' },
    { mode: 'crash', expect: 'runs', why: 'FAIL-OPEN: crash' },
    { mode: 'sleep:6', timeoutSec: 2, expect: 'runs', why: 'FAIL-OPEN: timeout' },
    { mode: 'deny', scope: 'user', expect: 'blocked', modelSees: REASON, why: 'user scope $CODEX_HOME/hooks.json' },
    { mode: 'deny', scope: 'repo', untrusted: true, expect: 'runs', why: 'FAIL-OPEN: <repo>/.codex is ignored for an untrusted project' },
    { mode: 'deny', scope: 'user', dropArgs: ['--dangerously-bypass-hook-trust'], expect: 'runs', why: 'FAIL-OPEN: an untrusted hook (no [hooks.state] trusted_hash) is silently skipped' },
    {
      mode: 'deny',
      scope: 'user',
      dropArgs: ['--dangerously-bypass-hook-trust'],
      prepare: (sb, hookFile) => writeCodexTrust(sb.home, hookFile),
      expect: 'blocked',
      modelSees: REASON,
      why: 'a trusted_hash computed as Codex does makes the hook run without the bypass flag',
    },
    {
      mode: 'deny',
      scope: 'repo',
      dropArgs: ['--dangerously-bypass-hook-trust'],
      prepare: (sb, hookFile) => writeCodexTrust(sb.home, hookFile),
      expect: 'blocked',
      modelSees: REASON,
      why: 'the same for <repo>/.codex/hooks.json in a trusted project',
    },
  ],
};

function writeCodexTrust(home: string, hookFile: string): void {
  const { key, hash } = codexTrust(hookFile, 'PreToolUse');
  fs.mkdirSync(codexHome(home), { recursive: true });
  fs.appendFileSync(path.join(codexHome(home), 'config.toml'), `\n[hooks.state.${JSON.stringify(key)}]\ntrusted_hash = ${JSON.stringify(hash)}\n`);
}

function label(r: Row): string {
  const bits = [r.mode, r.tool === 'write' ? 'write tool' : '', r.scope === 'user' ? 'user scope' : '', r.untrusted ? 'untrusted' : '', r.handlerExtra ? JSON.stringify(r.handlerExtra) : '', r.dropArgs ? 'no hook-trust bypass' : '', r.prepare ? 'trusted hash' : ''].filter(Boolean);
  return `${bits.join(', ')} -> ${r.expect} (${r.why})`;
}

function check(r: Row, o: ContractOutcome): void {
  const info = `result=${JSON.stringify(o.resultText.slice(0, 300))} hookCalls=${o.hookCalls.length} exit=${o.exitCode}`;
  assert.strictEqual(o.timedOut, false, `agent run timed out; ${info}`);
  if (r.expect === 'runs') {
    assert.strictEqual(o.ran, true, `expected the tool to run; ${info}`);
  } else {
    assert.strictEqual(o.ran, false, `expected the tool NOT to run; ${info}`);
    if (r.expect === 'blocked-silently') assert.strictEqual(o.run.toolResults.length, 0, `expected no tool result; ${info}`);
    if (r.modelSees) assert.match(o.resultText, r.modelSees, `the model should see the reason; ${info}`);
  }
  if (r.mode !== 'missing' && !(r.expect === 'runs' && (r.untrusted || r.dropArgs))) assert.ok(o.hookCalls.length >= 1, `the hook should have been called; ${info}`);
  if (r.expect === 'runs' && (r.untrusted || r.dropArgs)) assert.strictEqual(o.hookCalls.length, 0, `the hook should not have been loaded; ${info}`);
}

function defineHookContractSuite(agents: readonly AgentName[]): void {
  for (const agent of agents) {
    describe(`${agent}: hook contract of the real CLI`, function () {
      this.timeout(120_000);
      for (const row of TABLE[agent]) {
        it(label(row), async () => check(row, await runContractCase(agent, row)));
      }

      it('hands the hook its session id, the tool call, and (Claude, Codex) the tool-use id; runs it in the workspace', async () => {
        const o = await runContractCase(agent, { mode: 'allow', commandSuffix: '; exit $?' });
        const h = o.hookCalls[0];
        assert.ok(h, 'hook called');
        const stdin = h.stdin as Record<string, unknown>;
        assert.strictEqual(typeof stdin.session_id, 'string');
        assert.strictEqual(stdin.cwd, h.cwd);
        assert.strictEqual(stdin.hook_event_name, agent === 'gemini' ? 'BeforeTool' : 'PreToolUse');
        assert.strictEqual(stdin.tool_name, agent === 'gemini' ? 'run_shell_command' : 'Bash');
        assert.deepStrictEqual(Object.keys(stdin.tool_input as object).includes('command'), true);
        if (agent === 'gemini') assert.strictEqual(stdin.tool_use_id, undefined);
        else assert.match(String(stdin.tool_use_id), /^(toolu_|call_)/);
        // How the hook command line is run: which shell, found how.
        const shell = { 'claude-code': ['/bin/sh', '-c'], gemini: ['bash', '-c'], codex: ['/bin/bash', '-c'] }[agent];
        assert.deepStrictEqual(h.parent?.cmd.slice(0, 2), shell);
      });
    });
  }

  if (agents.includes('codex')) {
    describe('codex: write_stdin is not a hook event', function () {
      this.timeout(120_000);
      it('a command typed into an interactive shell started by exec_command runs without any PreToolUse call', async () => {
        const sb = makeSandbox();
        try {
          const log = path.join(sb.scratch, 'capture.jsonl');
          registerHook('codex', { scope: 'repo', home: sb.home, workspace: sb.workspace, command: captureCommand('codex', log) });
          setCaptureMode(log, 'allow', { write_stdin: 'deny' });
          const session = (text: string) => Number(/session ID (\d+)/.exec(text)?.[1] ?? NaN);
          const r = await runAgent({
            agent: 'codex',
            workspace: sb.workspace,
            home: sb.home,
            turns: [
              { tool: 'exec_command', input: { cmd: 'bash --norc --noprofile -i', tty: true, yield_time_ms: 500 } },
              { next: (res) => ({ tool: 'write_stdin', input: { session_id: session(res[res.length - 1]?.text ?? ''), chars: 'touch typed-marker; exit\n', yield_time_ms: 1000 } }) },
            ],
          });
          const calls = readCapture(log).map((c) => c.tool);
          assert.deepStrictEqual(calls, ['Bash'], `hook calls: ${JSON.stringify(calls)}; results ${JSON.stringify(r.toolResults)}`);
          assert.ok(fs.existsSync(path.join(sb.workspace, 'typed-marker')), 'the typed command ran');
        } finally {
          sb.cleanup();
        }
      });
    });
  }
}

defineHookContractSuite(selectedAgents());
