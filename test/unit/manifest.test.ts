import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ADVICE_COMMANDS } from '../../src/core/text/advice';
import { COMMANDS, SETTINGS, TERMINAL_PROFILE, VIEWS } from '../../src/vscode/ids';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const contributed = (pkg.contributes.commands as { command: string; title: string; category?: string }[]);
const titles = new Set(contributed.map((c) => `${c.category ? c.category + ': ' : ''}${c.title}`));
const ids = new Set(contributed.map((c) => c.command));
/** Commands VS Code itself provides or generates (view focus), which links may name. */
const builtIn = (id: string) => /^(workbench\.|vscode\.)/.test(id) || Object.values(VIEWS).some((v) => id === `${v}.focus`);

function files(dir: string, ext: RegExp): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    return e.isDirectory() ? files(rel, ext) : ext.test(e.name) ? [rel] : [];
  });
}

describe('extension manifest', () => {
  it('declares exactly the commands the code registers', () => {
    const declared = contributed.map((c) => c.command).sort();
    assert.deepStrictEqual(declared, Object.values(COMMANDS).sort());
  });

  it('declares every setting the code reads', () => {
    const declared = Object.keys(pkg.contributes.configuration.properties).sort();
    assert.deepStrictEqual(declared, Object.values(SETTINGS).sort());
  });

  it('every VS Code command a message, an advice, a link or the docs name exists in package.json', () => {
    const named: { where: string; what: string }[] = [];
    for (const f of [...files('src', /\.ts$/), ...files('media', /\.md$/), 'README.md', ...(fs.existsSync(path.join(root, 'docs')) ? files('docs', /\.md$/) : [])]) {
      const text = fs.readFileSync(path.join(root, f), 'utf8');
      // A command named as people see it: "Agent Policy: Re-arm Agents" (title case after the category).
      for (const m of text.matchAll(/["“`*]Agent Policy: ([A-Z][^"”`*\n]*?)["”`*]/g)) named.push({ where: f, what: `Agent Policy: ${m[1]}` });
      for (const m of text.matchAll(/command:([A-Za-z0-9_.]+)/g)) named.push({ where: f, what: m[1] });
    }
    for (const v of Object.values(ADVICE_COMMANDS)) named.push({ where: 'src/core/text/advice.ts ADVICE_COMMANDS', what: v });
    const json = JSON.stringify(pkg.contributes);
    for (const m of json.matchAll(/command:([A-Za-z0-9_.]+)/g)) named.push({ where: 'package.json', what: m[1] });
    assert.ok(named.length > 20, `found only ${named.length} references: is the scan broken?`);
    const missing = named.filter(({ what }) => (what.startsWith('Agent Policy: ') ? !titles.has(what) : !ids.has(what) && !builtIn(what)));
    assert.deepStrictEqual(missing, [], `named but not contributed:\n${missing.map((m) => `  ${m.where}: ${m.what}`).join('\n')}`);
  });

  it('menus, views and the walkthrough refer to contributed commands, views and files', () => {
    for (const [menu, entries] of Object.entries(pkg.contributes.menus as Record<string, { command: string }[]>)) {
      for (const e of entries) assert.ok(ids.has(e.command), `${menu}: ${e.command}`);
    }
    const views = (pkg.contributes.views.agentPolicy as { id: string }[]).map((v) => v.id);
    assert.deepStrictEqual(views.sort(), [VIEWS.approvals, VIEWS.status].sort());
    for (const w of pkg.contributes.viewsWelcome) assert.ok(views.includes(w.view), w.view);
    for (const s of pkg.contributes.walkthroughs[0].steps) assert.ok(fs.existsSync(path.join(root, s.media.markdown)), s.media.markdown);
    assert.deepStrictEqual(pkg.contributes.terminal.profiles.map((p: { id: string }) => p.id), [TERMINAL_PROFILE]);
    // Commands that cannot act are hidden: re-arm only when killed, the kill switch only when armed…
    const when = Object.fromEntries((pkg.contributes.menus.commandPalette as { command: string; when: string }[]).map((e) => [e.command, e.when]));
    assert.strictEqual(when[COMMANDS.rearm], 'agentPolicy.state == killed');
    assert.strictEqual(when[COMMANDS.blockAllAgents], 'agentPolicy.state != killed');
    for (const c of [COMMANDS.shipAuditLog, COMMANDS.relaunchTerminals, COMMANDS.showGrants, COMMANDS.reviewPolicyChange, COMMANDS.approvalAllowOnce]) assert.ok(when[c], `${c} is always in the palette`);
  });

  it('the broker port range is never auto-forwarded', () => {
    const attrs = pkg.contributes.configurationDefaults['remote.portsAttributes'];
    const src = fs.readFileSync(path.join(root, 'src/vscode/guardService.ts'), 'utf8');
    const [lo, hi] = JSON.parse(/BROKER_PORTS: \[number, number\] = (\[\d+, \d+\])/.exec(src)![1]);
    assert.deepStrictEqual(attrs[`${lo}-${hi}`]?.onAutoForward, 'ignore');
  });

  it('validates policy files with the generated schema, shipped in the package', () => {
    assert.deepStrictEqual(pkg.contributes.yamlValidation, [{ fileMatch: ['.agentpolicy.yaml', '**/.config/agentpolicy/policy.yaml'], url: './dist/agentpolicy.schema.json' }]);
    assert.ok(fs.existsSync(path.join(root, 'dist', 'agentpolicy.schema.json')));
    const ignore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');
    for (const f of ['dist/*.js', 'dist/*.json', 'dist/shim/**', 'media/*.png', 'media/walkthrough/**']) assert.ok(ignore.includes(`!${f}`), f);
  });

  it('limits untrusted workspaces and activates on startup and on a policy file', () => {
    assert.strictEqual(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.activationEvents.includes('onStartupFinished'));
    assert.ok(pkg.activationEvents.includes('workspaceContains:.agentpolicy.yaml'));
  });
});
