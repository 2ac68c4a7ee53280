/**
 * Typed actions for the tool calls agents make outside a shell: the exact file a write or
 * read tool touches, the host a fetch tool contacts, the MCP server and tool called. Every
 * adapter builds its actions here so paths, hosts and MCP names mean the same for all agents.
 */
import * as path from 'path';
import type { Action, FileAction, McpAction, NetworkAction } from '../actions/types';

/** An action that comes from a tool call, not from a command line. */
const NOT_A_COMMAND = -1;

/** The absolute, normalised path a tool names (relative to the tool's cwd; `~` is the home). */
export function toolPath(p: string, cwd: string, home: string): string {
  const expanded = p === '~' ? home : p.startsWith('~/') ? home + p.slice(1) : p;
  return path.posix.resolve(cwd, expanded);
}

export function fileAction(kind: FileAction['kind'], p: string, cwd: string, home: string, via: string, extra: Partial<Pick<FileAction, 'recursive' | 'glob'>> = {}): FileAction {
  return { kind, path: toolPath(p, cwd, home), via, command: NOT_A_COMMAND, ...extra };
}

/**
 * A search tool (grep-like): it prints what it finds, so it reads everything under the folder
 * (`.` when none is given), and its file pattern, if any, names files there.
 */
export function searchActions(dir: string | undefined, pattern: string | undefined, cwd: string, home: string, via: string): FileAction[] {
  const d = dir ?? '.';
  const actions = [fileAction('file.read', d, cwd, home, via, { recursive: true })];
  if (pattern) actions.push(fileAction('file.read', `${d.replace(/\/+$/, '')}/${pattern}`, cwd, home, via, { glob: true }));
  return actions;
}

/**
 * The host of a URL the tool will fetch. Anything that is not a plain http(s) URL with a host
 * is the unknown host '*', which network rules treat as "could be any host".
 */
export function networkAction(url: string | undefined, tool: string): NetworkAction {
  let host = '*';
  if (url !== undefined) {
    try {
      const u = new URL(url.trim());
      if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname) host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    } catch {
      // a bare "example.com/x" is how models often write a URL: take its first segment as the host
      const m = /^([a-z0-9.-]+\.[a-z]{2,})(?::\d+)?(?:[/?#]|$)/i.exec(url.trim());
      if (m) host = m[1].toLowerCase();
    }
  }
  return { kind: 'network', host, tool, command: NOT_A_COMMAND };
}

/** URLs written in free text (Gemini's web_fetch takes a prompt holding them). */
export function urlsIn(text: string): string[] {
  return [...text.matchAll(/\bhttps?:\/\/[^\s<>"'`)\]]+/gi)].map((m) => m[0]);
}

export function mcpAction(server: string, tool: string, args: unknown): McpAction {
  return { kind: 'mcp', server, tool, ...(args === undefined ? {} : { args }), command: NOT_A_COMMAND };
}

/**
 * `mcp__<server>__<tool>` (Claude Code, Codex): the server is everything up to the first `__`
 * after the prefix, the tool is the rest.
 */
export function splitDoubleUnderscoreMcp(name: string): { server: string; tool: string } | undefined {
  const m = /^mcp__(.+?)__(.+)$/.exec(name);
  return m ? { server: m[1], tool: m[2] } : undefined;
}

/**
 * `mcp_<server>_<tool>` (Gemini CLI, VS Code): ambiguous when the server's name holds `_`,
 * so a payload's own server name wins when it has one; else the first segment is the server.
 */
export function splitSingleUnderscoreMcp(name: string, knownServer?: string): { server: string; tool: string } | undefined {
  if (!name.startsWith('mcp_')) return undefined;
  const rest = name.slice(4);
  if (knownServer && rest.startsWith(knownServer + '_') && rest.length > knownServer.length + 1) return { server: knownServer, tool: rest.slice(knownServer.length + 1) };
  const i = rest.indexOf('_');
  if (i <= 0 || i === rest.length - 1) return undefined;
  return { server: rest.slice(0, i), tool: rest.slice(i + 1) };
}

/** A JSON string argument some agents send (Copilot CLI's toolArgs, Cline's parameters). */
export function jsonOrText(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

export function stringField(o: unknown, ...keys: string[]): string | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  for (const k of keys) {
    const v = (o as Record<string, unknown>)[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

export type { Action };

/** A payload that failed its schema, in one line: each problem with where it is. */
export function payloadIssues(e: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return e.issues.map((i) => `${i.path.map(String).join('.') || 'payload'}: ${i.message}`).join('; ');
}
