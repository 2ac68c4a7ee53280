/**
 * Capture real hook payloads and shell/git shapes from the pinned agent CLIs and write them as
 * fixtures under test/fixtures/agents/<agent>/captured/. Run on demand (it rewrites the files):
 *
 *   npx tsc -p . && node out/test/agents/capture.js [claude-code|gemini|codex ...]
 *
 * Each scenario is one real run against the fake model with the capture hook registered for every
 * pre-tool event the agent has. Temp paths are replaced by placeholders ($ROOT, $WS, $HOME, ...)
 * so the fixtures do not depend on the machine; session and tool-use ids are kept as captured.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AGENTS, TOOLS_DIR, agentsInstalled, type AgentName } from './agents';
import { basePath, runAgent } from './driver';
import type { ToolCall, ToolResult, Turn } from './fakeModel';
import { captureCommand, readCapture, registerHook, setCaptureMode, type CaptureRecord } from './hookConfig';
import { configureMcpEcho } from './mcp';
import { installTracers } from './tracing';
import { makeSandbox, type Sandbox } from './workspace';

const REPO = path.resolve(__dirname, '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'agents');

interface Scenario {
  name: string;
  what: string;
  turns: (sb: Sandbox) => Turn[];
  /** Capture-hook answers by tool name (default allow). Network tools are denied: nothing leaves. */
  modes?: Record<string, string>;
  mcp?: boolean;
}

const deny = 'deny';

/** Keep a long string's head and tail (Codex's 38 KB snapshot-restoring prelude, for one). */
function elide(s: string, max = 6000): string {
  if (s.length <= max) return s;
  return `${s.slice(0, 3000)}\n…[${s.length - 4500} chars elided by capture.ts]…\n${s.slice(-1500)}`;
}

function scenarios(agent: AgentName): Scenario[] {
  const f = (sb: Sandbox, rel: string) => path.join(sb.workspace, rel);
  switch (agent) {
    case 'claude-code':
      return [
        { name: 'shell', what: 'Bash: ls', turns: () => [{ tool: 'Bash', input: { command: 'ls', description: 'List files' } }] },
        { name: 'shell-compound', what: 'Bash: a pipeline with a quote, cd and git', turns: () => [{ tool: 'Bash', input: { command: "cd src && git status --short | grep -c '' ; echo \"it's\"", description: 'Compound command' } }] },
        { name: 'write', what: 'Write: create src/a.txt', turns: (sb) => [{ tool: 'Write', input: { file_path: f(sb, 'src/a.txt'), content: 'A\n' } }] },
        { name: 'read', what: 'Read: notes.txt', turns: (sb) => [{ tool: 'Read', input: { file_path: f(sb, 'notes.txt') } }] },
        {
          name: 'edit',
          what: 'Read then Edit notes.txt (Edit requires a prior Read)',
          turns: (sb) => [
            { tool: 'Read', input: { file_path: f(sb, 'notes.txt') } },
            { tool: 'Edit', input: { file_path: f(sb, 'notes.txt'), old_string: 'beta', new_string: 'BETA', replace_all: false } },
          ],
        },
        { name: 'grep', what: 'Grep (not offered by 2.1.332: no hook fires, the model gets "No such tool")', turns: () => [{ tool: 'Grep', input: { pattern: 'beta', path: '.' } }] },
        { name: 'web-fetch', what: 'WebFetch (capture hook denies it: nothing is fetched)', modes: { WebFetch: deny }, turns: () => [{ tool: 'WebFetch', input: { url: 'https://example.com/docs', prompt: 'Summarise the page' } }] },
        { name: 'mcp', what: 'MCP tool mcp__echo__echo on a local stdio server', mcp: true, turns: () => [{ tool: 'mcp__echo__echo', input: { text: 'hello' } }] },
      ];
    case 'gemini':
      return [
        { name: 'shell', what: 'run_shell_command: ls', turns: () => [{ tool: 'run_shell_command', input: { command: 'ls', description: 'List files' } }] },
        { name: 'shell-compound', what: 'run_shell_command: a pipeline with a quote, cd and git', turns: () => [{ tool: 'run_shell_command', input: { command: "cd src && git status --short | grep -c '' ; echo \"it's\"", description: 'Compound command' } }] },
        { name: 'write', what: 'write_file: create src/a.txt (relative path)', turns: () => [{ tool: 'write_file', input: { file_path: 'src/a.txt', content: 'A\n' } }] },
        { name: 'read', what: 'read_file: notes.txt', turns: () => [{ tool: 'read_file', input: { file_path: 'notes.txt' } }] },
        { name: 'edit', what: 'replace: beta -> BETA in notes.txt', turns: () => [{ tool: 'replace', input: { file_path: 'notes.txt', old_string: 'beta', new_string: 'BETA', instruction: 'Capitalise beta' } }] },
        { name: 'grep', what: 'grep_search: beta', turns: () => [{ tool: 'grep_search', input: { pattern: 'beta' } }] },
        { name: 'glob', what: 'glob: **/*.txt', turns: () => [{ tool: 'glob', input: { pattern: '**/*.txt' } }] },
        { name: 'list-directory', what: 'list_directory: .', turns: () => [{ tool: 'list_directory', input: { dir_path: '.' } }] },
        { name: 'web-fetch', what: 'web_fetch (capture hook denies it: nothing is fetched)', modes: { web_fetch: deny }, turns: () => [{ tool: 'web_fetch', input: { prompt: 'Summarise https://example.com/docs' } }] },
        { name: 'mcp', what: 'MCP tool mcp_echo_echo on a local stdio server', mcp: true, turns: () => [{ tool: 'mcp_echo_echo', input: { text: 'hello' } }] },
      ];
    case 'codex': {
      const sessionOf = (results: ToolResult[]): number => Number(/session ID (\d+)/i.exec(results[results.length - 1]?.text ?? '')?.[1] ?? 1000);
      return [
        { name: 'shell', what: 'exec_command: ls', turns: () => [{ tool: 'exec_command', input: { cmd: 'ls' } }] },
        { name: 'shell-compound', what: 'exec_command: a pipeline with a quote, cd and git, and a workdir', turns: (sb) => [{ tool: 'exec_command', input: { cmd: "cd src && git status --short | grep -c '' ; echo \"it's\"", workdir: sb.workspace } }] },
        { name: 'write', what: 'apply_patch (freeform custom tool): Add File src/a.txt', turns: () => [{ tool: 'apply_patch', input: '*** Begin Patch\n*** Add File: src/a.txt\n+A\n*** End Patch\n' }] },
        { name: 'edit', what: 'apply_patch: Update File notes.txt', turns: () => [{ tool: 'apply_patch', input: '*** Begin Patch\n*** Update File: notes.txt\n@@\n alpha\n-beta\n+BETA\n gamma\n*** End Patch\n' }] },
        { name: 'read', what: 'no read tool: the model reads with exec_command cat', turns: () => [{ tool: 'exec_command', input: { cmd: 'cat notes.txt' } }] },
        {
          name: 'write-stdin',
          what: 'exec_command starts an interactive bash (tty), then write_stdin types a command into it',
          turns: () => [
            { tool: 'exec_command', input: { cmd: 'bash --norc --noprofile -i', tty: true, yield_time_ms: 500 } },
            { next: (r: ToolResult[]): ToolCall => ({ tool: 'write_stdin', input: { session_id: sessionOf(r), chars: 'touch typed-marker; exit\n', yield_time_ms: 1000 } }) },
          ],
        },
        { name: 'mcp', what: 'MCP tool echo in namespace mcp__echo on a local stdio server', mcp: true, turns: () => [{ tool: 'echo', namespace: 'mcp__echo', input: { text: 'hello' } }] },
      ];
    }
  }
}

/** Replace machine-specific paths with placeholders, longest first. */
function scrubber(sb: Sandbox): (v: unknown) => unknown {
  const pairs: [string, string][] = [
    [path.join(sb.home, '.codex'), '$CODEX_HOME'],
    [sb.workspace, '$WS'],
    [sb.remote, '$REMOTE'],
    [sb.home, '$HOME'],
    [sb.scratch, '$SCRATCH'],
    [sb.root, '$ROOT'],
    [TOOLS_DIR, '$TOOLS'],
    [REPO, '$HARNESS'],
    [process.execPath, '$NODE'],
  ];
  const rootBase = path.basename(sb.root);
  const scrubString = (s: string) => {
    let out = s;
    for (const [from, to] of pairs) out = out.split(from).join(to);
    // Agents derive folder names from the workspace path (Claude: -tmp-ap-agent-XXXX-ws).
    out = out.split(rootBase).join('$ROOTNAME').replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:$PORT');
    return out;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubString(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [scrubString(k), walk(x)]));
    return v;
  };
  return walk;
}

function write(agent: AgentName, rel: string, value: unknown): void {
  const p = path.join(FIXTURES, agent, 'captured', rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, (typeof value === 'string' ? value : JSON.stringify(value, null, 2)) + '\n');
}

function toolNames(agent: AgentName, body: unknown): string[] {
  const b = body as { tools?: Array<{ name?: string; type?: string; functionDeclarations?: Array<{ name: string }> }> };
  if (!Array.isArray(b?.tools)) return [];
  if (agent === 'gemini') return b.tools.flatMap((t) => (t.functionDeclarations ?? []).map((f) => f.name));
  return b.tools.map((t) => t.name ?? `(${t.type})`);
}

async function captureAgent(agent: AgentName): Promise<void> {
  const index: Record<string, unknown>[] = [];
  const gitSeen = new Map<string, { argv: string[]; count: number; scenarios: string[]; cwd: string; gitEnv: Record<string, string>; parent: string[] }>();
  for (const sc of scenarios(agent)) {
    const sb = makeSandbox();
    try {
      const log = path.join(sb.scratch, 'capture.jsonl');
      const mcpLog = path.join(sb.scratch, 'mcp-calls.jsonl');
      const cfgPath = registerHook(agent, { scope: 'repo', home: sb.home, workspace: sb.workspace, command: captureCommand(agent, log) });
      setCaptureMode(log, 'allow', sc.modes);
      const extraArgs = sc.mcp ? configureMcpEcho(agent, { home: sb.home, scratch: sb.scratch, log: mcpLog }) : [];
      const tracers = installTracers(sb.scratch);
      const r = await runAgent({ agent, workspace: sb.workspace, home: sb.home, turns: sc.turns(sb), env: tracers.env(basePath()), extraArgs, timeoutMs: 120_000 });
      const scrub = scrubber(sb);
      const hooks = readCapture(log);
      const main = r.requests.filter((q) => q.turn !== null);
      const entry = {
        scenario: sc.name,
        what: sc.what,
        agent_exit_code: r.exitCode,
        timed_out: r.timedOut,
        hook_config_file: path.relative(sb.workspace, cfgPath),
        hook_calls: hooks.map((h: CaptureRecord) => ({ event: h.event, tool: h.tool, answered: h.mode, stdin: h.stdin })),
        tool_results_seen_by_model: r.toolResults,
        mcp_server_calls: fs.existsSync(mcpLog) ? fs.readFileSync(mcpLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown) : undefined,
        files_after: sc.name === 'write' ? { 'src/a.txt': fs.existsSync(path.join(sb.workspace, 'src/a.txt')) ? fs.readFileSync(path.join(sb.workspace, 'src/a.txt'), 'utf8') : null } : undefined,
      };
      write(agent, `pre-tool/${sc.name}.json`, scrub(entry));
      // How the hook process was started: argv, parent, cwd, env names (values of a few).
      if (hooks[0]) {
        const h = hooks[0];
        write(agent, `hook-process/${sc.name}.json`, scrub({ argv: h.argv, cwd: h.cwd, parent: h.parent, grandparent: h.grandparent, env_names: h.env_names, env: h.env }));
      }
      // What bash was asked to run: the `bash` wrapper's argv (via $SHELL/PATH) and, for every
      // non-interactive bash that read BASH_ENV, its $BASH_EXECUTION_STRING. Claude Code's shell
      // snapshot (the same long script each run) is written once, as shell/snapshot.json.
      const isSnapshot = (t: string) => t.includes('SNAPSHOT_FILE=') || t.includes("echo '# Snapshot file'");
      const bashRuns = tracers.bash().map(({ argv, cwd, gitEnv, parent, path: p }) => ({ argv: argv.map((a) => elide(a)), cwd, env: gitEnv, path: p, parent }));
      const bashEnvRuns = tracers.shell().map(({ executionString, argv, cwd, path: p, parent, flags }) => ({ argv: argv.map((a) => elide(a)), flags, executionString: elide(executionString), cwd, path: p, parent }));
      const snapshot = bashEnvRuns.find((t) => isSnapshot(t.executionString));
      if (snapshot && !fs.existsSync(path.join(FIXTURES, agent, 'captured', 'shell', 'snapshot.json'))) write(agent, 'shell/snapshot.json', scrub(snapshot));
      const notSnapshot = <T extends { argv: string[] }>(t: T) => !t.argv.some(isSnapshot);
      if (bashRuns.length || bashEnvRuns.length) {
        write(agent, `shell/${sc.name}.json`, scrub({ via_shell_wrapper: bashRuns.filter(notSnapshot), via_bash_env: bashEnvRuns.filter(notSnapshot) }));
      }
      // The agent's own git calls (and the model's, in the shell scenarios), de-duplicated by argv
      // over all scenarios: written once, as git-calls.json.
      for (const g of tracers.git()) {
        const key = JSON.stringify(scrub(g.argv));
        const cur = gitSeen.get(key);
        if (cur) {
          cur.count += 1;
          if (!cur.scenarios.includes(sc.name)) cur.scenarios.push(sc.name);
        } else gitSeen.set(key, { argv: scrub(g.argv) as string[], count: 1, scenarios: [sc.name], cwd: scrub(g.cwd) as string, gitEnv: scrub(g.gitEnv) as Record<string, string>, parent: scrub(g.parent) as string[] });
      }
      if (sc.name === 'shell') {
        write(agent, 'hook-config.json', scrub(JSON.parse(fs.readFileSync(cfgPath, 'utf8'))));
        write(agent, 'tools-offered.json', { first_request: toolNames(agent, main[0]?.body), with_mcp_echo: 'see pre-tool/mcp.json' });
        write(agent, 'model-requests.json', scrub(r.requests.map((q) => ({ method: q.method, url: q.url, scripted_turn: q.turn }))));
        write(agent, 'agent-stdout.txt', String(scrub(r.stdout)).trimEnd());
      }
      if (sc.mcp) write(agent, 'tools-offered-with-mcp.json', { first_request: toolNames(agent, main[0]?.body) });
      index.push({ scenario: sc.name, what: sc.what, exit: r.exitCode, hook_events: hooks.map((h) => `${h.event}:${h.tool}`), ms: r.durationMs });
      console.log(`${agent} ${sc.name}: exit ${r.exitCode} in ${r.durationMs} ms, hooks ${hooks.map((h) => `${h.event}:${h.tool}`).join(' ') || '(none)'}`);
    } finally {
      sb.cleanup();
    }
  }
  write(agent, 'index.json', index);
  write(agent, 'git-calls.json', [...gitSeen.values()]);
}

async function main(): Promise<void> {
  if (!agentsInstalled()) {
    console.error('capture: agent CLIs not installed; run test/agents/install.sh');
    process.exit(1);
  }
  const wanted = (process.argv.slice(2) as AgentName[]).filter((a) => AGENTS.includes(a));
  for (const agent of wanted.length ? wanted : AGENTS) await captureAgent(agent);
}

void main();
