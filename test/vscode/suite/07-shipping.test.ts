// Audit shipping configured in settings: decisions reach an OTLP/HTTP endpoint (a local server
// that answers like a collector, first with 503 so the retry is exercised), and the shipper's
// cursor means a second run sends nothing twice.
import * as assert from 'assert';
import * as http from 'http';
import * as vscode from 'vscode';
import { api, runInTerminal, SCRATCH, unique } from './helpers';

suite('audit shipping', () => {
  test('shipping to an OTLP/HTTP URL from settings sends the log once, retrying a 503', async () => {
    await api();
    await runInTerminal(`touch ${SCRATCH}/${unique('ship')}`);
    const bodies: { resourceLogs?: { scopeLogs?: { logRecords?: unknown[] }[] }[] }[] = [];
    let calls = 0;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        calls++;
        if (calls === 1) {
          res.writeHead(503).end();
          return;
        }
        assert.strictEqual(req.url, '/v1/logs');
        assert.strictEqual(req.headers['content-type'], 'application/json');
        bodies.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const config = vscode.workspace.getConfiguration();
    try {
      await config.update('agentPolicy.audit.otlpUrl', `http://127.0.0.1:${port}`, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('agentPolicy.shipAuditLog');
      const records = bodies.flatMap((b) => b.resourceLogs ?? []).flatMap((r) => r.scopeLogs ?? []).flatMap((s) => s.logRecords ?? []);
      assert.ok(calls >= 2, `expected a retry after the 503 (calls: ${calls})`);
      assert.ok(records.length > 0, 'no log records arrived');
      const before = records.length;
      await vscode.commands.executeCommand('agentPolicy.shipAuditLog');
      const after = bodies.flatMap((b) => b.resourceLogs ?? []).flatMap((r) => r.scopeLogs ?? []).flatMap((s) => s.logRecords ?? []).length;
      assert.strictEqual(after, before, 'the cursor must prevent sending records twice');
    } finally {
      await config.update('agentPolicy.audit.otlpUrl', undefined, vscode.ConfigurationTarget.Global);
      server.close();
    }
  });
});
