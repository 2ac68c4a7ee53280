import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { decide } from '../../../src/core/pdp/decide';
import { resolvePolicy } from '../../../src/core/policy/resolve';
import { analyzeCommandLine } from '../../../src/core/shell/analyze';
import { initShellParser } from '../../../src/core/shell/parser';
import { recognizePlumbing } from '../../../src/core/shell/plumbing';
import { specFacts } from './worlds';

const W = '/home/dev/project';
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const CAPTURED = path.join(ROOT, 'test', 'fixtures', 'agents');

/** The harness writes machine paths as placeholders; put plausible absolute paths back. */
function concrete(s: string): string {
  return s
    .replace(/\$CODEX_HOME/g, '/home/dev/.codex')
    .replace(/\$HOME/g, '/home/dev')
    .replace(/\$TOOLS/g, '/opt/agent-tools')
    .replace(/\$WS/g, W);
}

interface Captured {
  argv: string[];
  executionString?: string;
}

/** Every shell line the real agent CLIs ran (captured by the harness), per agent and scenario. */
function capturedLines(agent: string): { scenario: string; lines: string[] }[] {
  const dir = path.join(CAPTURED, agent, 'captured', 'shell');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => {
    const d = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { via_bash_env?: Captured[] } | Captured;
    const entries = 'via_bash_env' in d ? (d.via_bash_env ?? []) : [d as Captured];
    return { scenario: f.replace(/\.json$/, ''), lines: entries.map((e) => concrete(e.executionString ?? e.argv[e.argv.length - 1])) };
  });
}

describe('agent shell plumbing, recognised on the parse tree', () => {
  let policy: ReturnType<typeof resolvePolicy>['policy'];
  before(async () => {
    await initShellParser();
    policy = resolvePolicy({ cwd: W, workspace: W, home: '/home/dev', trustRepo: false, fs: { readText: () => undefined } }).policy;
  });
  const effect = (line: string) => decide(policy, { kind: 'command', commandLine: line, cwd: W }, { user: 'dev', facts: specFacts() });

  const claude = (cmd: string) => `source /home/dev/.claude/shell-snapshots/snapshot-bash-1796118886960-xjncvt.sh 2>/dev/null || true && \\builtin shopt -u extglob 2>/dev/null || true && { \\builtin unalias -- 'which'; \\builtin unset -f -- 'which'; } >/dev/null 2>&1 || true && { \\builtin unalias -- 'unsetenv'; \\builtin unset -f -- 'unsetenv'; } >/dev/null 2>&1 || true && eval ${cmd} < /dev/null && pwd -P >| /tmp/claude-f34a-cwd`;
  const gemini = (cmd: string) => `shopt -u promptvars nullglob extglob nocaseglob dotglob; _bgpids_file=/tmp/gemini-shell-At1rIN/bgpids.tmp\n(\n  trap 'jobs -p > "$_bgpids_file"' EXIT\n${cmd}\n)\n__code=$?\nexit $__code`;

  it('Claude Code: the captured wrapper lines are its plumbing, with the command inside', () => {
    const all = capturedLines('claude-code');
    assert.ok(all.length > 0, 'no captured Claude Code lines');
    const found: string[] = [];
    for (const { lines } of all) for (const l of lines) {
      const m = recognizePlumbing(l);
      if (m) found.push(m.command ?? '');
    }
    assert.ok(found.includes('ls'), JSON.stringify(found));
    assert.ok(found.includes(`cd src && git status --short | grep -c '' ; echo "it's"`), JSON.stringify(found));
  });

  it('Gemini CLI: the captured wrapper lines are its plumbing, with the command inside', () => {
    const found: string[] = [];
    for (const { lines } of capturedLines('gemini')) for (const l of lines) {
      const m = recognizePlumbing(l);
      if (m) found.push(m.command ?? '');
    }
    assert.ok(found.includes('ls'), JSON.stringify(found));
    assert.ok(found.includes(`cd src && git status --short | grep -c '' ; echo "it's"`), JSON.stringify(found));
  });

  it('Codex: its snapshot lines are housekeeping; a command line it runs itself is the command', () => {
    const found: (string | undefined)[] = [];
    let snapshots = 0;
    for (const { lines } of capturedLines('codex')) for (const l of lines) {
      const m = recognizePlumbing(l);
      if (m && m.command === undefined) snapshots++;
      else if (m) found.push(m.command);
    }
    assert.ok(snapshots >= 2, `snapshot lines recognised: ${snapshots}`);
    // The captured per-command prelude is abridged by the capture (…elided…), so it cannot match whole; its
    // shape is covered below with a prelude written from the visible parts.
    const prelude = `__CODEX_SNAPSHOT_OVERRIDE_SET_0="\${CODEX_THREAD_ID+x}"\n__CODEX_SNAPSHOT_OVERRIDE_0="\${CODEX_THREAD_ID-}"\nif [ -n "\${__CODEX_SNAPSHOT_OVERRIDE_SET_0}" ]; then\n  if [ -z "\${CODEX_THREAD_ID+x}" ] || [ "\${CODEX_THREAD_ID-}" != "\${__CODEX_SNAPSHOT_OVERRIDE_0}" ]; then export CODEX_THREAD_ID="\${__CODEX_SNAPSHOT_OVERRIDE_0}"; else export CODEX_THREAD_ID; fi\nelse builtin unset CODEX_THREAD_ID 2>/dev/null || command unset CODEX_THREAD_ID; fi\nbuiltin unset __CODEX_SNAPSHOT_OVERRIDE_SET_0 __CODEX_SNAPSHOT_OVERRIDE_0 2>/dev/null || command unset __CODEX_SNAPSHOT_OVERRIDE_SET_0 __CODEX_SNAPSHOT_OVERRIDE_0\nif [ -n "\${PATH:-}" ]; then export PATH='/opt/agent-tools/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/codex-path':"$PATH"; else export PATH='/opt/agent-tools/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/codex-path'; fi\n\nexec '/bin/bash' -c 'git status --short'`;
    assert.deepStrictEqual(recognizePlumbing(prelude), { agent: 'codex', command: 'git status --short' });
    // The same prelude setting the guard's own variables is not Codex's housekeeping.
    assert.strictEqual(recognizePlumbing(prelude.replace('export CODEX_THREAD_ID="', 'export AGENTPOLICY_MODE="')), undefined);
    assert.strictEqual(recognizePlumbing(prelude.replace('\nexec ', '\nrm -rf ~\nexec ')), undefined);
    assert.strictEqual(recognizePlumbing(prelude.replace("codex-path':", "evil':")), undefined);
  });

  it('plumbing around an allowed command is allowed, around a denied one denied', () => {
    assert.strictEqual(effect(claude('ls')).effect, 'allow');
    assert.strictEqual(effect(claude(`'git status && git diff --stat'`)).effect, 'allow');
    assert.strictEqual(effect(claude(`'git push -f'`)).effect, 'deny');
    assert.strictEqual(effect(gemini('ls -la')).effect, 'allow');
    assert.strictEqual(effect(gemini('cat .env')).effect, 'deny');
    assert.strictEqual(effect(gemini('npm install x')).effect, 'ask');
  });

  it('the judged command is the one inside, and the decision names it', () => {
    const a = analyzeCommandLine(claude(`'git status'`), { workspace: W, cwd: W, home: '/home/dev', facts: specFacts() });
    assert.deepStrictEqual(a.plumbing, { agent: 'claude-code', command: 'git status' });
    assert.deepStrictEqual(a.actions.filter((x) => x.kind === 'command').map((x) => (x.kind === 'command' ? x.argv.join(' ') : '')), ['git status']);
  });

  it('a line that mimics a wrapper but deviates is judged whole', () => {
    const mimics = [
      // an extra command smuggled into the housekeeping
      claude('ls').replace('&& eval', '&& rm -rf ~ && eval'),
      // a housekeeping element changed
      claude('ls').replace("unalias -- 'which'", "unalias -- 'which'; git push -f"),
      // another cwd file (not the agent's temp file)
      claude('ls').replace('/tmp/claude-f34a-cwd', '.agentpolicy.yaml'),
      // a snapshot that is not the agent's
      claude('ls').replace('/home/dev/.claude/shell-snapshots/snapshot-bash-1796118886960-xjncvt.sh', '/tmp/evil.sh'),
      // gemini: the trap runs something else
      gemini('ls').replace("jobs -p > \"$_bgpids_file\"", 'rm -rf ~'),
      // gemini: a statement after the subshell
      gemini('ls').replace('__code=$?', 'git push -f\n__code=$?'),
      // gemini: the pid file is the policy
      gemini('ls').replace('/tmp/gemini-shell-At1rIN/bgpids.tmp', '.agentpolicy.yaml'),
    ];
    for (const m of mimics) assert.strictEqual(recognizePlumbing(m), undefined, m);
    assert.strictEqual(effect(mimics[0]).effect, 'deny');
    assert.strictEqual(effect(mimics[1]).effect, 'deny');
    assert.strictEqual(effect(mimics[2]).effect, 'deny');
    assert.notStrictEqual(effect(mimics[3]).effect, 'allow');
    assert.strictEqual(effect(mimics[4]).effect, 'deny');
    assert.strictEqual(effect(mimics[5]).effect, 'deny');
    assert.strictEqual(effect(mimics[6]).effect, 'deny');
  });

  it('the agents’ hardened git calls pass as the read-only queries they are', () => {
    for (const agent of ['claude-code', 'gemini', 'codex']) {
      const f = path.join(CAPTURED, agent, 'captured', 'git-calls.json');
      if (!fs.existsSync(f)) continue;
      const calls = JSON.parse(fs.readFileSync(f, 'utf8')) as { argv: string[] }[];
      for (const c of calls) {
        const sub = c.argv.find((x, i) => !x.startsWith('-') && c.argv[i - 1] !== '-c' && c.argv[i - 1] !== '-C');
        if (!['status', 'ls-files', 'rev-parse', 'log', 'diff', 'config', 'show', 'branch', 'for-each-ref', 'cat-file', 'symbolic-ref', 'merge-base', 'rev-list', 'worktree', 'remote', 'ls-remote', 'describe'].includes(sub ?? '')) continue;
        const line = ['git', ...c.argv].map((x) => `'${concrete(x).replace(/'/g, `'\\''`)}'`).join(' ');
        const d = effect(line);
        const opaque = d.actions.filter((a) => a.kind === 'opaque' && (a.reason === 'guard-bypass' || a.reason === 'exec-config'));
        assert.deepStrictEqual(opaque, [], `${agent}: ${line}`);
      }
    }
  });
});
