// Activation and wiring: the extension loads from this repository, returns its API, arms the
// guard with a broker listening on a real socket and port, and contributes its commands.
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as vscode from 'vscode';
import { COMMAND_IDS, EXTENSION_ID, api, extension, waitFor } from './helpers';

suite('activation', () => {
  test('the extension (this repository) is loaded and activates', async () => {
    const ext = extension();
    const t0 = Date.now();
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
    assert.strictEqual(ext.id, EXTENSION_ID);
    assert.ok(fs.existsSync(path.join(ext.extensionPath, 'dist', 'extension.js')), `no dist/extension.js under ${ext.extensionPath}`);
    const ms = (ext.exports as { activationMs?: number } | undefined)?.activationMs;
    console.log(`    activation: ${typeof ms === 'number' ? `${ms.toFixed(1)} ms on the main path (API.activationMs)` : 'no API.activationMs'}; ` +
      `activate() resolved ${Date.now() - t0} ms after the call; VS Code ${vscode.version}, extension host ${process.version}`);
  });

  test('the workspace is the test repository with the recommended policy', () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.strictEqual(folders.length, 1);
    assert.strictEqual(folders[0].uri.fsPath, process.env.AGENTPOLICY_TEST_WORKSPACE);
    assert.match(fs.readFileSync(path.join(folders[0].uri.fsPath, '.agentpolicy.yaml'), 'utf8'), /Agent Policy — recommended/);
  });

  test('the manifest activates on startup and on .agentpolicy.yaml, and declares limited untrusted support', () => {
    const pkg = extension().packageJSON;
    assert.ok(pkg.activationEvents.includes('onStartupFinished'));
    assert.ok(pkg.activationEvents.includes('workspaceContains:.agentpolicy.yaml'));
    assert.strictEqual(pkg.capabilities?.untrustedWorkspaces?.supported, 'limited');
    assert.ok(String(pkg.capabilities?.untrustedWorkspaces?.description ?? '').length > 0);
  });

  test('activate() returns the API: version, state, broker address, guard environment, pending approvals, onDidDecide', async () => {
    const a = await api();
    assert.strictEqual(typeof a.version, 'string');
    assert.strictEqual(a.version, extension().packageJSON.version);
    assert.ok(['armed', 'degraded', 'killed'].includes(a.state()), `state() = ${a.state()}`);
    assert.strictEqual(typeof a.pendingApprovals(), 'number');
    const env = a.guardEnvironment();
    assert.strictEqual(typeof env, 'object');
  });

  test('the guard is armed and its broker answers on the port and the socket it reports', async () => {
    const a = await api();
    await waitFor(() => a.state() === 'armed', 10_000, `state() to be 'armed' (it is '${a.state()}')`);
    const addr = a.brokerAddress()!;
    assert.ok(Number.isInteger(addr.port) && addr.port > 0, `port ${addr.port}`);
    const connect = (opts: net.NetConnectOpts) =>
      new Promise<void>((resolve, reject) => {
        const s = net.connect(opts, () => {
          s.destroy();
          resolve();
        });
        s.on('error', reject);
        s.setTimeout(5000, () => reject(new Error('connect timeout')));
      });
    await connect({ host: '127.0.0.1', port: addr.port });
    if (addr.socketPath) await connect({ path: addr.socketPath });
  });

  test('every command is contributed and registered', async () => {
    const contributed = ((extension().packageJSON.contributes?.commands ?? []) as { command: string }[]).map((c) => c.command);
    const registered = await vscode.commands.getCommands(true);
    const notContributed = COMMAND_IDS.filter((id) => !contributed.includes(id));
    const notRegistered = COMMAND_IDS.filter((id) => !registered.includes(id));
    assert.deepStrictEqual({ notContributed, notRegistered }, { notContributed: [], notRegistered: [] });
  });
});
