// A local stand-in for the Anthropic Messages API (127.0.0.1, random port) that speaks the real
// server-sent-event stream, for tests that drive the real @anthropic-ai/sdk. Never the real API.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MODEL } from '../server/src/chat/client';

export interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: any }
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void;

export class StandIn {
  server!: http.Server;
  url = '';
  requests: Seen[] = [];
  handler: Handler = (_q, res) => streamAnswer(res, ['ok']);
  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: any;
        try { body = JSON.parse(raw); } catch { body = raw; }
        const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
        this.requests.push(seen);
        this.handler(req, res, seen);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  reset(h: Handler): void { this.requests = []; this.handler = h; }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export function sse(res: http.ServerResponse, event: string, data: object): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
}

export const USAGE_START = { input_tokens: 42, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 1800 };

/** A whole streamed answer, one text_delta per chunk, with pauses so the chunks travel separately. */
export async function streamAnswer(res: http.ServerResponse, chunks: string[], opts: { holdAfter?: number } = {}): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_test' });
  sse(res, 'message_start', {
    message: { id: 'msg_test', type: 'message', role: 'assistant', model: DEFAULT_MODEL, content: [], stop_reason: null, stop_sequence: null, usage: USAGE_START },
  });
  sse(res, 'content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  res.write('event: ping\ndata: {"type": "ping"}\n\n');
  for (let i = 0; i < chunks.length; i++) {
    sse(res, 'content_block_delta', { index: 0, delta: { type: 'text_delta', text: chunks[i] } });
    await pause(5);
    if (opts.holdAfter !== undefined && i + 1 === opts.holdAfter) return; // keep the connection open, say nothing more
  }
  sse(res, 'content_block_stop', { index: 0 });
  sse(res, 'message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 17 } });
  sse(res, 'message_stop', {});
  res.end();
}

export function apiError(res: http.ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_err', ...headers });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));


export interface ToolUse { id: string; name: string; input: unknown }

/**
 * A streamed turn that asks for tools: optional text first, then one tool_use block per call (its
 * input sent as input_json_delta pieces, as the real API does), stop_reason "tool_use".
 */
export async function streamToolUse(res: http.ServerResponse, calls: ToolUse[], text = ''): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_tool' });
  sse(res, 'message_start', {
    message: { id: 'msg_tool', type: 'message', role: 'assistant', model: DEFAULT_MODEL, content: [], stop_reason: null, stop_sequence: null, usage: USAGE_START },
  });
  let index = 0;
  if (text) {
    sse(res, 'content_block_start', { index, content_block: { type: 'text', text: '' } });
    sse(res, 'content_block_delta', { index, delta: { type: 'text_delta', text } });
    sse(res, 'content_block_stop', { index });
    index++;
  }
  for (const c of calls) {
    sse(res, 'content_block_start', { index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } });
    const json = JSON.stringify(c.input);
    const cut = Math.max(1, Math.floor(json.length / 2));
    for (const part of [json.slice(0, cut), json.slice(cut)]) {
      if (part) sse(res, 'content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } });
      await pause(2);
    }
    sse(res, 'content_block_stop', { index });
    index++;
  }
  sse(res, 'message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 23 } });
  sse(res, 'message_stop', {});
  res.end();
}

/** A streamed answer that ends on max_tokens (the model was cut off). */
export async function streamCutOff(res: http.ServerResponse, text: string): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_cut' });
  sse(res, 'message_start', {
    message: { id: 'msg_cut', type: 'message', role: 'assistant', model: DEFAULT_MODEL, content: [], stop_reason: null, stop_sequence: null, usage: USAGE_START },
  });
  sse(res, 'content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  sse(res, 'content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
  sse(res, 'content_block_stop', { index: 0 });
  sse(res, 'message_delta', { delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 4096 } });
  sse(res, 'message_stop', {});
  res.end();
}
