import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { COMMANDS, SETTINGS } from '../../src/vscode/ids';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('extension manifest', () => {
  it('declares exactly the commands the code registers', () => {
    const declared = (pkg.contributes.commands as { command: string }[]).map((c) => c.command).sort();
    assert.deepStrictEqual(declared, Object.values(COMMANDS).sort());
  });

  it('declares every setting the code reads', () => {
    const declared = Object.keys(pkg.contributes.configuration.properties).sort();
    assert.deepStrictEqual(declared, Object.values(SETTINGS).sort());
  });

  it('validates .agentpolicy.yaml with the generated schema, shipped in the package', () => {
    assert.deepStrictEqual(pkg.contributes.yamlValidation, [{ fileMatch: '.agentpolicy.yaml', url: './dist/agentpolicy.schema.json' }]);
    assert.ok(fs.existsSync(path.join(root, 'dist', 'agentpolicy.schema.json')));
    const ignore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');
    for (const f of ['dist/extension.js', 'dist/agentpolicy.schema.json', 'dist/shim/**', 'media/**']) assert.ok(ignore.includes(`!${f}`), f);
  });

  it('limits untrusted workspaces and activates on startup and on a policy file', () => {
    assert.strictEqual(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.activationEvents.includes('onStartupFinished'));
    assert.ok(pkg.activationEvents.includes('workspaceContains:.agentpolicy.yaml'));
  });
});
