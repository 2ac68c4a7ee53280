import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The built `agentpolicy` bin, run as other tools will run it. */
const root = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(root, 'dist', 'cli.js');
const W = '/home/dev/project';
const CTX = ['--workspace', W, '--cwd', W, '--home', '/home/dev'];

function run(args: string[], input?: string, cwd = root): { code: number | null; out: string; err: string } {
  const env = { ...process.env };
  delete env.AGENTPOLICY_SOCKET;
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', cwd, env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('agentpolicy CLI contract', () => {
  it('check exits 0 allow, 3 ask, 4 deny', () => {
    assert.strictEqual(run(['check', ...CTX, '--', 'git status']).code, 0);
    assert.strictEqual(run(['check', ...CTX, '--', 'npm install left-pad']).code, 3);
    assert.strictEqual(run(['check', ...CTX, '--', 'git push --force origin feature']).code, 4);
  });

  it('a denied line says what, which rule and how to proceed, on one line', () => {
    const r = run(['check', ...CTX, '--', 'git push -f origin feature']);
    const lines = r.out.trim().split('\n');
    assert.strictEqual(lines.length, 1);
    assert.match(lines[0], /^agentpolicy: deny: git push -f origin feature: .*\[rule no-force-push; user policy\]\. To proceed/);
  });

  it('--json prints decision, ruleIds, reasons and actions', () => {
    const r = run(['check', ...CTX, '--json', '--', 'cat .env']);
    const j = JSON.parse(r.out);
    assert.strictEqual(j.decision, 'deny');
    assert.deepStrictEqual(j.ruleIds, ['secrets']);
    assert.ok(Array.isArray(j.reasons) && j.reasons.length > 0);
    assert.ok(j.actions.some((a: { kind: string; path?: string }) => a.kind === 'file.read' && a.path === `${W}/.env`));
  });

  it('--stdin answers one JSON line per request, in order, including multi-line commands', () => {
    const input = [
      JSON.stringify({ cmd: 'ls -la' }),
      JSON.stringify({ cmd: 'cat <<EOF | bash\ngit push -f\nEOF' }),
      JSON.stringify({ action: 'file.write', path: '.agentpolicy.yaml' }),
      JSON.stringify({ action: 'file.read', path: 'README.md' }),
      'not json',
      JSON.stringify({ cmd: 'npm test', extra: 1 }),
    ].join('\n');
    const r = run(['check', '--stdin', '--json', ...CTX], input + '\n');
    const out = r.out.trim().split('\n').map((l) => JSON.parse(l).decision);
    assert.deepStrictEqual(out, ['allow', 'deny', 'deny', 'allow', 'deny', 'deny']);
  });

  it('explain lists commands, actions, rules considered, layer and decision', () => {
    const r = run(['explain', ...CTX, '--', "bash -c 'g\\it push -f origin main'"]);
    assert.strictEqual(r.code, 4);
    assert.match(r.out, /git push to origin/);
    assert.match(r.out, /considered|DENY by no-force-push/);
    assert.match(r.out, /Decision: DENY/);
    assert.match(r.out, /Policy layers: baseline \(built-in:baseline\) < user \(built-in:recommended\)/);
  });

  it('usage errors exit 2 and show help', () => {
    const r = run(['check', '--bogus', '--', 'ls']);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /unknown option --bogus/);
    assert.strictEqual(run(['frobnicate']).code, 2);
    assert.strictEqual(run(['check', ...CTX]).code, 2);
  });

  it('--help works for every command', () => {
    for (const c of ['check', 'explain', 'lint', 'init', 'schema']) {
      const r = run([c, '--help']);
      assert.strictEqual(r.code, 0, c);
      assert.match(r.out, /Usage: agentpolicy/);
    }
    assert.strictEqual(run(['--help']).code, 0);
  });

  describe('with files', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentpolicy-cli-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('init writes a template, refuses to overwrite, and --force replaces', () => {
      assert.strictEqual(run(['init'], undefined, dir).code, 0);
      const first = fs.readFileSync(path.join(dir, '.agentpolicy.yaml'), 'utf8');
      assert.match(first, /recommended/);
      const again = run(['init', '--template', 'strict'], undefined, dir);
      assert.notStrictEqual(again.code, 0);
      assert.match(again.err, /already exists/);
      assert.strictEqual(fs.readFileSync(path.join(dir, '.agentpolicy.yaml'), 'utf8'), first);
      assert.strictEqual(run(['init', '--template', 'strict', '--force'], undefined, dir).code, 0);
      assert.match(fs.readFileSync(path.join(dir, '.agentpolicy.yaml'), 'utf8'), /strict/);
      assert.strictEqual(run(['init', '--template', 'nope', '--force'], undefined, dir).code, 2);
    });

    it('lint passes every template and fails a policy whose self-test fails', () => {
      for (const t of ['recommended', 'strict', 'permissive']) {
        run(['init', '--template', t, '--force'], undefined, dir);
        const r = run(['lint', '--home', dir, '--trust-repo'], undefined, dir);
        assert.strictEqual(r.code, 0, `${t}: ${r.out}${r.err}`);
      }
      fs.writeFileSync(path.join(dir, '.agentpolicy.yaml'), 'version: 1\ntests:\n  - {command: "git push -f", expect: allow}\n');
      const r = run(['lint', '--home', dir], undefined, dir);
      assert.strictEqual(r.code, 1);
      assert.match(r.out, /FAIL {2}tests\[0\] git push -f: expected allow, got ask \(default: git push/);
    });

    it('lint says which repo rules are ignored when the repo is not trusted', () => {
      fs.writeFileSync(path.join(dir, '.agentpolicy.yaml'), 'version: 1\nrules:\n  - {id: mk, action: command, match: make, effect: allow}\n');
      const r = run(['lint', '--home', dir], undefined, dir);
      assert.match(r.out, /rule mk \(allow\) ignored because the repository is not trusted/);
    });

    it('lint and check report policy errors as file:line:col and exit non-zero', () => {
      const f = path.join(dir, '.agentpolicy.yaml');
      fs.writeFileSync(f, 'version: 1\nrules:\n  - id: x\n    action: command\n    mach: ls\n    effect: allow\n');
      const l = run(['lint'], undefined, dir);
      assert.strictEqual(l.code, 1);
      assert.ok(l.err.includes(`${f}:5:5 rules[0].mach: unknown key "mach" (did you mean "match"?)`), l.err);
      const c = run(['check', '--cwd', dir, '--home', dir, '--', 'ls']);
      assert.strictEqual(c.code, 2);
      assert.ok(c.err.includes(`${f}:5:5`), c.err);
    });

    it('check --policy uses that file', () => {
      const f = path.join(dir, 'p.yaml');
      fs.writeFileSync(f, 'version: 1\nrules:\n  - {id: ok-make, action: command, match: make, effect: allow}\n');
      assert.strictEqual(run(['check', '--policy', f, '--cwd', dir, '--home', dir, '--', 'make all']).code, 0);
      assert.strictEqual(run(['check', '--policy', f, '--cwd', dir, '--home', dir, '--', 'echo > .agentpolicy.yaml']).code, 4);
    });
  });

  it('hook claude answers Claude Code PreToolUse calls with a permission decision', () => {
    const decision = (call: object) => {
      const r = run(['hook', 'claude', '--home', '/home/dev', '--audit-dir', path.join(os.tmpdir(), `agentpolicy-cli-hook-audit-${process.pid}`)], JSON.stringify({ hook_event_name: 'PreToolUse', cwd: W, ...call }));
      // Claude Code blocks on exit 2 (stderr is the reason) as well as on the JSON deny.
      assert.strictEqual(r.code, JSON.parse(r.out).hookSpecificOutput.permissionDecision === 'deny' ? 2 : 0, r.err);
      return JSON.parse(r.out).hookSpecificOutput as { hookEventName: string; permissionDecision: string; permissionDecisionReason: string };
    };
    assert.strictEqual(decision({ tool_name: 'Bash', tool_input: { command: 'git status' } }).permissionDecision, 'allow');
    const push = decision({ tool_name: 'Bash', tool_input: { command: "bash -c 'git push -f'" } });
    assert.strictEqual(push.permissionDecision, 'deny');
    assert.match(push.permissionDecisionReason, /no-force-push/);
    assert.strictEqual(decision({ tool_name: 'Bash', tool_input: { command: 'npm install x' } }).permissionDecision, 'ask');
    assert.strictEqual(decision({ tool_name: 'Write', tool_input: { file_path: `${W}/.agentpolicy.yaml`, content: 'x' } }).permissionDecision, 'deny');
    assert.strictEqual(decision({ tool_name: 'Edit', tool_input: { file_path: 'src/a.ts', old_string: 'a', new_string: 'b' } }).permissionDecision, 'allow');
    assert.strictEqual(decision({ tool_name: 'Read', tool_input: { file_path: `${W}/.env` } }).permissionDecision, 'deny');
    assert.strictEqual(decision({ tool_name: 'mcp__db__drop', tool_input: {} }).permissionDecision, 'ask');
    const bad = run(['hook', 'claude', '--audit-dir', path.join(os.tmpdir(), `agentpolicy-cli-hook-audit-${process.pid}`)], 'not json');
    assert.strictEqual(JSON.parse(bad.out).hookSpecificOutput.permissionDecision, 'deny');
  });

  it('schema prints a JSON Schema, also shipped in dist/', () => {
    const r = run(['schema']);
    const s = JSON.parse(r.out);
    assert.ok(s.properties.rules);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(root, 'dist', 'agentpolicy.schema.json'), 'utf8')), s);
  });
});
