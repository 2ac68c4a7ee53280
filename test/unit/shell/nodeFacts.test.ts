import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decide } from '../../../src/core/pdp/decide';
import { resolvePolicy } from '../../../src/core/policy/resolve';
import { nodeFactsForPolicy } from '../../../src/core/shell/facts/forPolicy';
import { NodeFileFacts } from '../../../src/core/shell/facts/node';
import { policySecretTest } from '../../../src/core/shell/facts/policy';
import { initShellParser } from '../../../src/core/shell/parser';

/** File facts from a real folder and real git: provenance, links, secrets under folders, secret variables. */
describe('node file facts (real files, real git)', () => {
  let dir: string;
  let ws: string;
  let home: string;
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', '-C', ws, ...args], { stdio: 'pipe' });
  let policy: ReturnType<typeof resolvePolicy>['policy'];

  before(async () => {
    await initShellParser();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ap-facts-')));
    ws = path.join(dir, 'project');
    home = path.join(dir, 'home');
    fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
    fs.mkdirSync(path.join(ws, 'config'), { recursive: true });
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'package.json'), '{"scripts":{"test":"echo ok"}}\n');
    fs.writeFileSync(path.join(ws, 'src', 'index.js'), 'console.log(1)\n');
    fs.writeFileSync(path.join(ws, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    fs.writeFileSync(path.join(ws, '.gitignore'), '.env\nconfig/.env.*\n');
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'init');
    // After the commit: a modified file, an untracked script, secrets (ignored and not), a link to one.
    fs.writeFileSync(path.join(ws, 'src', 'index.js'), 'console.log(2)\n');
    fs.writeFileSync(path.join(ws, 'gen.js'), 'x\n');
    fs.writeFileSync(path.join(ws, '.env'), 'API_KEY=abc\nexport DATABASE_URL=postgres://x\n# COMMENT=1\n');
    fs.writeFileSync(path.join(ws, 'config', '.env.production'), 'PROD_TOKEN=z\n');
    fs.writeFileSync(path.join(ws, 'server.pem'), '-----BEGIN-----\n');
    fs.symlinkSync(path.join(ws, '.env'), path.join(ws, 'notes.txt'));
    fs.writeFileSync(path.join(home, '.ssh', 'id_ed25519'), 'k\n');
    policy = resolvePolicy({ cwd: ws, workspace: ws, home, trustRepo: false, fs: { readText: () => undefined } }).policy;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const facts = () => new NodeFileFacts({ workspace: ws, isSecret: policySecretTest(policy) });

  it('provenance: committed and unchanged, changed since HEAD, untracked, missing', () => {
    const f = facts();
    assert.strictEqual(f.provenance(path.join(ws, 'package.json')), 'tracked-unchanged');
    assert.strictEqual(f.provenance(path.join(ws, 'run.sh')), 'tracked-unchanged');
    assert.strictEqual(f.provenance(path.join(ws, 'src', 'index.js')), 'modified');
    assert.strictEqual(f.provenance(path.join(ws, 'gen.js')), 'untracked');
    assert.strictEqual(f.provenance(path.join(ws, 'nope.js')), 'missing');
    fs.chmodSync(path.join(ws, 'package.json'), 0o755);
    assert.strictEqual(facts().provenance(path.join(ws, 'package.json')), 'modified', 'a mode change is a change');
    fs.chmodSync(path.join(ws, 'package.json'), 0o644);
  });

  it('realpath follows links, and resolves the existing part of a path that is not there', () => {
    const f = facts();
    assert.strictEqual(f.realpath(path.join(ws, 'notes.txt')), path.join(ws, '.env'));
    assert.strictEqual(f.realpath(path.join(ws, 'src', 'new', 'x.js')), path.join(ws, 'src', 'new', 'x.js'));
  });

  it('secrets under a folder: hidden and ignored files only when the walk reads them', () => {
    const f = facts();
    const all = [...(f.secretsUnder(ws, { hidden: true, ignored: true }) ?? [])].sort();
    assert.deepStrictEqual(all, [path.join(ws, '.env'), path.join(ws, 'config', '.env.production'), path.join(ws, 'server.pem')].sort());
    assert.deepStrictEqual(f.secretsUnder(ws, { hidden: false, ignored: false }), [path.join(ws, 'server.pem')]);
    assert.deepStrictEqual(f.secretsUnder(path.join(ws, 'src'), { hidden: true, ignored: true }), []);
    assert.deepStrictEqual(f.secretsUnder(home, { hidden: true, ignored: true }), [path.join(home, '.ssh', 'id_ed25519')]);
    const small = new NodeFileFacts({ workspace: ws, isSecret: policySecretTest(policy), maxEntries: 3 });
    assert.strictEqual(small.secretsUnder(ws, { hidden: true, ignored: true }), undefined, 'too many entries: unknown');
  });

  it('secret variables are the keys of the workspace’s secret .env files', () => {
    assert.deepStrictEqual([...facts().secretVariables().keys()].sort(), ['API_KEY', 'DATABASE_URL', 'PROD_TOKEN']);
  });

  it('the guard’s own CLI: by the running program’s path and by its package', () => {
    const cli = path.join(dir, 'clone', 'dist', 'cli.js');
    fs.mkdirSync(path.dirname(cli), { recursive: true });
    fs.writeFileSync(cli, '');
    fs.writeFileSync(path.join(dir, 'clone', 'package.json'), JSON.stringify({ name: 'agent-policy', bin: { agentpolicy: 'dist/cli.js' } }));
    assert.ok(facts().isGuardProgram(cli));
    assert.ok(!facts().isGuardProgram(path.join(ws, 'src', 'index.js')));
    const other = path.join(dir, 'x.js');
    fs.writeFileSync(other, '');
    assert.ok(new NodeFileFacts({ workspace: ws, isSecret: () => false, guardPrograms: [other] }).isGuardProgram(other));
  });

  it('decisions on this folder: reviewed scripts run, written ones ask, links and recursive reads reach secrets', () => {
    const d = (line: string) => decide(policy, { kind: 'command', commandLine: line, cwd: ws }, { user: 'dev', facts: nodeFactsForPolicy(policy) }).effect;
    assert.strictEqual(d('npm test'), 'allow');
    assert.strictEqual(d('node gen.js'), 'ask');
    assert.strictEqual(d('node src/index.js'), 'ask');
    assert.strictEqual(d('cat notes.txt'), 'deny');
    assert.strictEqual(d('grep -r API .'), 'deny');
    assert.strictEqual(d('grep -rn console src'), 'allow');
    assert.strictEqual(d('rg console'), 'deny', 'server.pem is neither hidden nor ignored');
    assert.strictEqual(d('echo $API_KEY'), 'deny');
    assert.strictEqual(d('git add -A'), 'deny', 'server.pem is not ignored');
    assert.strictEqual(d('git add src'), 'allow');
  });
});
