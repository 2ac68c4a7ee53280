import * as http from 'http';
import type { AddressInfo } from 'net';

/**
 * A scripted model on 127.0.0.1 that speaks the three wire protocols the real agent CLIs use:
 * Anthropic Messages (Claude Code), Gemini generateContent (Gemini CLI) and OpenAI Responses
 * (Codex). The script is a list of turns; each is a tool call by the agent's own tool name or a
 * final text. Every request is recorded so tests can assert what the model received.
 *
 * Which turn a request gets is derived from the conversation it carries, not from a counter:
 * turn N is answered when the request already holds N model turns. Retries and the agents'
 * side requests (titles, quota checks, next-speaker checks) therefore never skip a scripted turn.
 * Requests that offer no tools are side requests and get a harmless text answer.
 */

export type Dialect = 'anthropic' | 'gemini' | 'openai';

/** One tool call, by the agent's own tool name (`Bash`, `run_shell_command`, `exec_command`). */
export interface ToolCall {
  tool: string;
  /** Tool arguments (JSON). For an OpenAI custom tool (`apply_patch`), a string `input`. */
  input: Record<string, unknown> | string;
  /** Tool-use id the model gives it; generated when omitted. */
  id?: string;
  /** OpenAI Responses only: the tool namespace (Codex defers MCP tools into `mcp__<server>`). */
  namespace?: string;
}

export type StaticTurn = ToolCall | { calls: ToolCall[] } | { text: string };
/** A turn computed from the tool results the model has received so far (e.g. a session id). */
export type Turn = StaticTurn | { next: (results: ToolResult[]) => StaticTurn };

export interface RecordedRequest {
  dialect: Dialect | 'other';
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** The scripted turn index this request was answered with, or null for a side request. */
  turn: number | null;
  at: number;
}

/** A tool result as the model received it in a later request. */
export interface ToolResult {
  dialect: Dialect;
  id: string;
  name?: string;
  text: string;
  isError?: boolean;
}

export interface FakeModel {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Tool results seen in any request, de-duplicated by id (last version wins). */
  toolResults(): ToolResult[];
  /** Every request body as one string: for "never reached the model" assertions. */
  allText(): string;
  close(): Promise<void>;
}

export interface FakeModelOptions {
  turns: Turn[];
  /** Text answered once the script is exhausted (default "done"). */
  finalText?: string;
}

function callsOf(turn: StaticTurn): ToolCall[] | null {
  if ('text' in turn) return null;
  if ('calls' in turn) return turn.calls;
  return [turn];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => (isRecord(c) && typeof c.text === 'string' ? c.text : textOf(isRecord(c) ? c.content : ''))).join('');
  if (isRecord(content)) return JSON.stringify(content);
  return '';
}

let idCounter = 0;
function freshId(prefix: string): string {
  idCounter += 1;
  return `${prefix}${Date.now().toString(36)}${idCounter.toString(36).padStart(4, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages

function anthropicModelTurns(body: Record<string, unknown>): number {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return messages.filter((m) => isRecord(m) && m.role === 'assistant').length;
}

function anthropicToolResults(body: unknown): ToolResult[] {
  const out: ToolResult[] = [];
  const messages = isRecord(body) && Array.isArray(body.messages) ? body.messages : [];
  const names = new Map<string, string>();
  for (const m of messages) {
    if (!isRecord(m) || !Array.isArray(m.content)) continue;
    for (const block of m.content) {
      if (!isRecord(block)) continue;
      if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') names.set(block.id, block.name);
      if (block.type === 'tool_result' && typeof block.tool_use_id === 'string') {
        out.push({ dialect: 'anthropic', id: block.tool_use_id, name: names.get(block.tool_use_id), text: textOf(block.content), isError: block.is_error === true });
      }
    }
  }
  return out;
}

function anthropicAnswer(res: http.ServerResponse, body: Record<string, unknown>, turn: StaticTurn): void {
  const model = typeof body.model === 'string' ? body.model : 'claude-fake';
  const calls = callsOf(turn);
  const content: Record<string, unknown>[] = calls
    ? calls.map((c) => ({ type: 'tool_use', id: c.id ?? freshId('toolu_'), name: c.tool, input: c.input }))
    : [{ type: 'text', text: (turn as { text: string }).text }];
  const stopReason = calls ? 'tool_use' : 'end_turn';
  const id = freshId('msg_');
  const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  if (body.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const ev = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  ev('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
  content.forEach((block, index) => {
    if (block.type === 'tool_use') {
      ev('content_block_start', { index, content_block: { ...block, input: {} } });
      ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
    } else {
      ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
      ev('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    }
    ev('content_block_stop', { index });
  });
  ev('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 5 } });
  ev('message_stop', {});
  res.end();
}

// ---------------------------------------------------------------------------------------------
// Gemini generateContent

function geminiModelTurns(body: Record<string, unknown>): number {
  const contents = Array.isArray(body.contents) ? body.contents : [];
  return contents.filter((c) => isRecord(c) && c.role === 'model' && Array.isArray(c.parts) && c.parts.some((p) => isRecord(p) && (p.functionCall || typeof p.text === 'string'))).length;
}

function geminiOffersTools(body: Record<string, unknown>): boolean {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  return tools.some((t) => isRecord(t) && Array.isArray(t.functionDeclarations) && t.functionDeclarations.length > 0);
}

function geminiToolResults(body: unknown): ToolResult[] {
  const out: ToolResult[] = [];
  const contents = isRecord(body) && Array.isArray(body.contents) ? body.contents : [];
  for (const c of contents) {
    if (!isRecord(c) || !Array.isArray(c.parts)) continue;
    for (const p of c.parts) {
      if (!isRecord(p) || !isRecord(p.functionResponse)) continue;
      const fr = p.functionResponse;
      const response = isRecord(fr.response) ? fr.response : {};
      const text = typeof response.output === 'string' ? response.output : typeof response.error === 'string' ? response.error : JSON.stringify(response);
      out.push({ dialect: 'gemini', id: typeof fr.id === 'string' ? fr.id : String(fr.name), name: typeof fr.name === 'string' ? fr.name : undefined, text, isError: 'error' in response });
    }
  }
  return out;
}

/** A value that satisfies a JSON schema: first enum value, empty strings, zero, required fields. */
export function sampleFromSchema(schema: unknown): unknown {
  if (!isRecord(schema)) return {};
  const type = String(schema.type ?? (schema.properties ? 'object' : 'string')).toLowerCase();
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (type) {
    case 'object': {
      const props = isRecord(schema.properties) ? schema.properties : {};
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) out[k] = sampleFromSchema(v);
      return out;
    }
    case 'array':
      return [];
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    default:
      return 'ok';
  }
}

/**
 * Side requests that ask for JSON (Gemini CLI's router and next-speaker check) get JSON that fits
 * their schema; the next-speaker check is told the user speaks next so the turn ends.
 */
function geminiSideText(body: Record<string, unknown>): string {
  const cfg = isRecord(body.generationConfig) ? body.generationConfig : {};
  const schema = cfg.responseJsonSchema ?? cfg.responseSchema;
  if (cfg.responseMimeType === 'application/json' || schema) {
    const value = sampleFromSchema(schema ?? {});
    if (isRecord(value) && 'next_speaker' in value) value.next_speaker = 'user';
    return JSON.stringify(value);
  }
  return 'ok';
}

function geminiAnswer(res: http.ServerResponse, url: string, turn: StaticTurn | null, sideText: string): void {
  const calls = turn ? callsOf(turn) : null;
  const parts = calls
    ? calls.map((c) => ({ functionCall: { id: c.id, name: c.tool, args: c.input } }))
    : [{ text: turn && 'text' in turn ? turn.text : sideText }];
  const chunk = {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    modelVersion: 'gemini-fake',
    responseId: freshId('resp'),
  };
  if (url.includes(':streamGenerateContent')) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
    res.end();
  } else {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(chunk));
  }
}

// ---------------------------------------------------------------------------------------------
// OpenAI Responses

function openaiModelTurns(body: Record<string, unknown>): number {
  const input = Array.isArray(body.input) ? body.input : [];
  // One scripted turn may hold several calls: count the distinct turns by their first call id.
  let turns = 0;
  let inTurn = false;
  for (const item of input) {
    const isModel = isRecord(item) && (item.type === 'function_call' || item.type === 'custom_tool_call' || (item.type === 'message' && item.role === 'assistant'));
    if (isModel && !inTurn) turns += 1;
    inTurn = isModel;
  }
  return turns;
}

function openaiToolResults(body: unknown): ToolResult[] {
  const out: ToolResult[] = [];
  const input = isRecord(body) && Array.isArray(body.input) ? body.input : [];
  const names = new Map<string, string>();
  for (const item of input) {
    if (!isRecord(item)) continue;
    if ((item.type === 'function_call' || item.type === 'custom_tool_call') && typeof item.call_id === 'string' && typeof item.name === 'string') names.set(item.call_id, item.name);
    if ((item.type === 'function_call_output' || item.type === 'custom_tool_call_output') && typeof item.call_id === 'string') {
      out.push({ dialect: 'openai', id: item.call_id, name: names.get(item.call_id), text: textOf(item.output) });
    }
  }
  return out;
}

function openaiAnswer(res: http.ServerResponse, body: Record<string, unknown>, turn: StaticTurn | null): void {
  const calls = turn ? callsOf(turn) : null;
  const items: Record<string, unknown>[] = calls
    ? calls.map((c) =>
        typeof c.input === 'string'
          ? { type: 'custom_tool_call', id: freshId('ctc_'), call_id: c.id ?? freshId('call_'), name: c.tool, input: c.input, status: 'completed' }
          : { type: 'function_call', id: freshId('fc_'), call_id: c.id ?? freshId('call_'), ...(c.namespace ? { namespace: c.namespace } : {}), name: c.tool, arguments: JSON.stringify(c.input), status: 'completed' },
      )
    : [{ type: 'message', id: freshId('msg_'), role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn && 'text' in turn ? turn.text : 'ok', annotations: [] }] }];
  const id = freshId('resp_');
  const model = typeof body.model === 'string' ? body.model : 'gpt-fake';
  const usage = { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 };
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const ev = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  ev('response.created', { response: { id, object: 'response', model, status: 'in_progress', output: [] } });
  items.forEach((item, output_index) => {
    ev('response.output_item.added', { output_index, item: { ...item, status: 'in_progress' } });
    ev('response.output_item.done', { output_index, item });
  });
  ev('response.completed', { response: { id, object: 'response', model, status: 'completed', output: items, usage } });
  res.end();
}

// ---------------------------------------------------------------------------------------------

function dialectOf(method: string, url: string): Dialect | 'other' {
  if (method !== 'POST') return 'other';
  if (/\/v1\/messages(\?|$)/.test(url) || url.includes('/v1/messages/count_tokens')) return 'anthropic';
  if (/\/models\/[^/:]+:(stream)?[gG]enerateContent/.test(url) || /:countTokens/.test(url)) return 'gemini';
  if (/\/responses(\?|$)/.test(url)) return 'openai';
  return 'other';
}

/** Start the fake model on 127.0.0.1 with an ephemeral port. */
export async function startFakeModel(opts: FakeModelOptions): Promise<FakeModel> {
  const requests: RecordedRequest[] = [];
  const finalText = opts.finalText ?? 'done';
  const turnAt = (n: number, results: () => ToolResult[]): StaticTurn => {
    const t = opts.turns[n] ?? { text: finalText };
    return 'next' in t ? t.next(results()) : t;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        /* keep the raw text */
      }
      const url = req.url ?? '/';
      const method = req.method ?? 'GET';
      const dialect = dialectOf(method, url);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (!/authorization|api-key|x-goog-api-key/i.test(k)) headers[k] = String(v);
      const rec: RecordedRequest = { dialect, method, url, headers, body, turn: null, at: Date.now() };
      requests.push(rec);
      const b = isRecord(body) ? body : {};
      try {
        switch (dialect) {
          case 'anthropic': {
            if (url.includes('count_tokens')) {
              res.writeHead(200, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ input_tokens: 10 }));
              return;
            }
            const offersTools = Array.isArray(b.tools) && b.tools.length > 0;
            if (!offersTools) {
              anthropicAnswer(res, b, { text: 'ok' });
              return;
            }
            rec.turn = anthropicModelTurns(b);
            anthropicAnswer(res, b, turnAt(rec.turn, () => anthropicToolResults(b)));
            return;
          }
          case 'gemini': {
            if (url.includes(':countTokens')) {
              res.writeHead(200, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ totalTokens: 10 }));
              return;
            }
            if (!geminiOffersTools(b)) {
              geminiAnswer(res, url, null, geminiSideText(b));
              return;
            }
            rec.turn = geminiModelTurns(b);
            geminiAnswer(res, url, turnAt(rec.turn, () => geminiToolResults(b)), 'ok');
            return;
          }
          case 'openai': {
            const offersTools = Array.isArray(b.tools) && b.tools.length > 0;
            if (!offersTools) {
              openaiAnswer(res, b, { text: 'ok' });
              return;
            }
            rec.turn = openaiModelTurns(b);
            openaiAnswer(res, b, turnAt(rec.turn, () => openaiToolResults(b)));
            return;
          }
          default: {
            // Model lists, telemetry, update checks: an empty, well-formed answer.
            res.writeHead(method === 'GET' && /models/.test(url) ? 200 : 404, { 'content-type': 'application/json' });
            res.end(method === 'GET' && /models/.test(url) ? JSON.stringify({ object: 'list', data: [], models: [] }) : JSON.stringify({ error: { message: 'not served by the fake model' } }));
          }
        }
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(err) } }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const toolResults = (): ToolResult[] => {
    const byId = new Map<string, ToolResult>();
    for (const r of requests) {
      const found = r.dialect === 'anthropic' ? anthropicToolResults(r.body) : r.dialect === 'gemini' ? geminiToolResults(r.body) : r.dialect === 'openai' ? openaiToolResults(r.body) : [];
      for (const t of found) byId.set(`${t.id}\u0000${t.name ?? ''}`, t);
    }
    return [...byId.values()];
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    toolResults,
    allText: () => requests.map((r) => (typeof r.body === 'string' ? r.body : JSON.stringify(r.body))).join('\n'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
