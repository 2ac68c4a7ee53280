#!/usr/bin/env node
// A trivial stdio MCP server (newline-delimited JSON-RPC 2.0) with one tool, `echo`, that returns
// its `text` argument prefixed with "echo:". Each call is appended to $MCP_ECHO_LOG when set, so
// a test can tell whether the agent really called the tool (an effect check for a denied call).
import * as fs from 'node:fs';
import * as readline from 'node:readline';

const log = process.env.MCP_ECHO_LOG || process.argv[2];
const rl = readline.createInterface({ input: process.stdin });
const send = (msg) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...msg }) + '\n');

rl.on('line', (line) => {
  let req;
  try {
    req = JSON.parse(line);
  } catch {
    return;
  }
  const { id, method, params } = req;
  if (id === undefined || id === null) return; // notifications
  switch (method) {
    case 'initialize':
      send({
        id,
        result: {
          protocolVersion: (params && params.protocolVersion) || '2025-06-18',
          capabilities: { tools: {} },
          serverInfo: { name: 'echo', version: '1.0.0' },
        },
      });
      return;
    case 'tools/list':
      send({
        id,
        result: {
          tools: [
            {
              name: 'echo',
              description: 'Echo the given text back.',
              inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
            },
          ],
        },
      });
      return;
    case 'tools/call': {
      const text = params && params.arguments ? String(params.arguments.text) : '';
      if (log) fs.appendFileSync(log, JSON.stringify({ t: new Date().toISOString(), name: params && params.name, arguments: params && params.arguments }) + '\n');
      send({ id, result: { content: [{ type: 'text', text: `echo:${text}` }] } });
      return;
    }
    case 'ping':
      send({ id, result: {} });
      return;
    default:
      if (method && (method.endsWith('/list') || method.startsWith('resources/') || method.startsWith('prompts/'))) {
        const key = method.split('/')[0];
        send({ id, result: { [key === 'resources' && method.includes('templates') ? 'resourceTemplates' : key]: [] } });
        return;
      }
      send({ id, error: { code: -32601, message: `method not found: ${method}` } });
  }
});
