#!/usr/bin/env node
// A capture hook for the real agent CLIs: appends one JSON line per call to LOG (its stdin, argv,
// cwd, environment variable names, PATH, and its parent's command line, which shows how the agent
// launched it), then answers in AGENT's format. What it answers is read per call from LOG.mode
// (JSON: {"mode": "...", "tools": {"<tool name>": "<mode>"}}), so a test can switch it between runs:
//   allow      the agent's explicit allow (Codex: exit 0, no output; see allow-json)
//   allow-json Codex only: {"hookSpecificOutput":{"permissionDecision":"allow"}}
//   none       exit 0, no output
//   deny       the agent's JSON deny with a reason       deny-exit2   reason on stderr, exit 2
//   ask        the agent's JSON ask                      exit1        stderr text, exit 1
//   garbage    non-JSON text on stdout, exit 0           crash        an uncaught exception (exit 1)
//   sleep:N    sleep N seconds, then allow               deny-exit2-nostderr  exit 2, nothing on stderr
// Usage: capture-hook.mjs AGENT LOG
import * as fs from 'node:fs';

const [agent, log] = process.argv.slice(2);
const REASON = 'CAPTURE-DENY: refused by the capture hook';

function parentCmdline(pid) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const exe = (() => { try { return fs.readlinkSync(`/proc/${pid}/exe`); } catch { return null; } })();
    return { pid, ppid, exe, cmd };
  } catch {
    return null;
  }
}

function readMode(tool) {
  try {
    const m = JSON.parse(fs.readFileSync(`${log}.mode`, 'utf8'));
    return (tool && m.tools && m.tools[tool]) || m.mode || 'allow';
  } catch {
    return 'allow';
  }
}

function answer(mode, event) {
  const ev = event || 'PreToolUse';
  if (mode === 'none') return { code: 0 };
  if (mode === 'garbage') return { code: 0, out: 'this is not json {' };
  if (mode === 'exit1') return { code: 1, err: 'capture hook failed on purpose' };
  if (mode === 'deny-exit2') return { code: 2, err: REASON };
  if (mode === 'deny-exit2-nostderr') return { code: 2 };
  if (agent === 'gemini') {
    if (mode === 'allow') return { code: 0, out: JSON.stringify({ decision: 'allow' }) };
    if (mode === 'deny') return { code: 0, out: JSON.stringify({ decision: 'deny', reason: REASON }) };
    if (mode === 'ask') return { code: 0, out: JSON.stringify({ decision: 'ask', reason: 'CAPTURE-ASK: approval needed' }) };
  } else {
    // Claude Code and Codex share the hookSpecificOutput shape.
    if (mode === 'allow') {
      if (agent === 'codex') return { code: 0 };
      return { code: 0, out: JSON.stringify({ hookSpecificOutput: { hookEventName: ev, permissionDecision: 'allow', permissionDecisionReason: 'capture allows' } }) };
    }
    if (mode === 'allow-json') return { code: 0, out: JSON.stringify({ hookSpecificOutput: { hookEventName: ev, permissionDecision: 'allow' } }) };
    if (mode === 'deny') return { code: 0, out: JSON.stringify({ hookSpecificOutput: { hookEventName: ev, permissionDecision: 'deny', permissionDecisionReason: REASON } }) };
    if (mode === 'ask') return { code: 0, out: JSON.stringify({ hookSpecificOutput: { hookEventName: ev, permissionDecision: 'ask', permissionDecisionReason: 'CAPTURE-ASK: approval needed' } }) };
  }
  return { code: 0 };
}

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const raw = Buffer.concat(chunks).toString('utf8');
  let input = null;
  try { input = JSON.parse(raw); } catch { /* keep raw */ }
  const tool = input && typeof input.tool_name === 'string' ? input.tool_name : null;
  const mode = readMode(tool);
  const parent = parentCmdline(process.ppid);
  const record = {
    t: new Date().toISOString(),
    agent,
    event: input && input.hook_event_name,
    tool,
    mode,
    argv: process.argv.slice(1),
    cwd: process.cwd(),
    uid: process.getuid(),
    env_names: Object.keys(process.env).sort(),
    env: Object.fromEntries(['PATH', 'PWD', 'SHELL', 'HOME', 'SHLVL', '_'].concat(Object.keys(process.env).filter((k) => /^(CLAUDE|GEMINI|CODEX)_/.test(k) && !/KEY|TOKEN/.test(k))).filter((k) => k in process.env).map((k) => [k, process.env[k]])),
    parent,
    grandparent: parent ? parentCmdline(parent.ppid) : null,
    stdin: input ?? raw,
  };
  fs.appendFileSync(log, JSON.stringify(record) + '\n');
  if (mode === 'crash') throw new Error('capture hook crashed on purpose');
  if (mode.startsWith('sleep:')) await new Promise((r) => setTimeout(r, Number(mode.slice(6)) * 1000));
  const a = answer(mode.startsWith('sleep:') ? 'allow' : mode, input && input.hook_event_name);
  if (a.out) process.stdout.write(a.out);
  if (a.err) process.stderr.write(a.err);
  process.exitCode = a.code;
});
