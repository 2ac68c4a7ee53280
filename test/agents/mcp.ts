import * as fs from 'fs';
import * as path from 'path';
import { codexHome, type AgentName } from './agents';

/** The local stdio MCP server used to drive MCP tool calls (one tool, `echo`). */
export const MCP_ECHO = path.resolve(__dirname, '..', '..', '..', 'test', 'agents', 'mcp-echo.mjs');

/** The name each agent gives the model for server `echo`'s tool `echo` (checked on the pinned CLIs). */
export const MCP_TOOL_NAME: Record<AgentName, string> = {
  'claude-code': 'mcp__echo__echo',
  gemini: 'mcp_echo_echo',
  codex: 'mcp__echo__echo',
};

/**
 * Register the echo MCP server with `agent` (user scope, in the throwaway HOME; Claude Code through
 * `--mcp-config`). Calls are logged to `log`. Returns extra CLI arguments for the agent.
 */
export function configureMcpEcho(agent: AgentName, o: { home: string; scratch: string; log: string }): string[] {
  const server = { command: process.execPath, args: [MCP_ECHO, o.log] };
  switch (agent) {
    case 'claude-code': {
      const p = path.join(o.scratch, 'mcp.json');
      fs.writeFileSync(p, JSON.stringify({ mcpServers: { echo: { type: 'stdio', ...server } } }, null, 2));
      return ['--mcp-config', p];
    }
    case 'gemini': {
      const p = path.join(o.home, '.gemini', 'settings.json');
      const cur = fs.existsSync(p) ? (JSON.parse(fs.readFileSync(p, 'utf8')) as Record<string, unknown>) : {};
      cur.mcpServers = { ...((cur.mcpServers as object) ?? {}), echo: { ...server, trust: true } };
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, JSON.stringify(cur, null, 2) + '\n');
      return [];
    }
    case 'codex': {
      const p = path.join(codexHome(o.home), 'config.toml');
      fs.mkdirSync(path.dirname(p), { recursive: true });
      const cur = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '';
      if (!cur.includes('[mcp_servers.echo]')) {
        // Top-level tables must come after top-level keys: an appended table is always safe.
        fs.appendFileSync(p, `\n[mcp_servers.echo]\ncommand = ${JSON.stringify(server.command)}\nargs = ${JSON.stringify(server.args)}\n`);
      }
      return [];
    }
  }
}
