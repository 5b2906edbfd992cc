// The agent loop (runAgentTurn) driven through the real @anthropic-ai/sdk against the local stand-in
// for the Messages API: tool_use turns, the tool_result round trip, the bound on tool calls, the
// max-tokens notice, cancel, API errors mid-loop and secret scrubbing. callTool is a test double with
// a known answer: these are unit tests of the loop, not of the tools (agent-exchange.test.ts runs the
// real chain).
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type * as http from 'node:http';
import { ChatError, DEFAULT_MODEL } from '../server/src/chat/client';
import { BAD_JSON_RESULT, runAgentTurn, TOOL_LIMIT_RESULT, TOOLS_GUIDANCE, type AgentStep, type AgentTurnOptions } from '../server/src/agent/loop';
import type { ToolResult } from '../server/src/agent/tool';
import { TOOL_NAMES } from '../server/src/agent/tool';
import { apiError, pause, sse, StandIn, streamAnswer, streamCutOff, streamToolUse, USAGE_START } from './anthropic-standin';

const KEY = 'sk-ant-test-LOOPSECRET-0123456789';
const stand = new StandIn();
before(async () => { await stand.start(); });
after(async () => { await stand.stop(); });

interface Call { name: string; input: unknown; signal: AbortSignal | undefined }

function turn(extra: Partial<AgentTurnOptions> = {}, answer: (name: string, input: any) => ToolResult = (name, input) => ({
  text: `RESULT of ${name} for ${JSON.stringify(input)}: Seq Scan on orders (cost=0.00..248.50 rows=50)`,
  summary: `explained the query: cost 248.5`,
})) {
  const chunks: string[] = [];
  const steps: AgentStep[] = [];
  const calls: Call[] = [];
  const p = runAgentTurn({
    apiKey: KEY, baseURL: stand.url, model: DEFAULT_MODEL, maxTokens: 1024, system: 'You are a database engineer.',
    context: 'TABLE public.orders (id bigint, customer_id bigint)', question: 'Why is this query slow?',
    timeoutMs: 5000, retryBaseMs: 5, maxRetries: 2,
    onText: (t) => chunks.push(t), onStep: (s) => steps.push(s),
    callTool: async (name, input, signal) => { calls.push({ name, input, signal }); return answer(name, input); },
    ...extra,
  });
  return { p, chunks, steps, calls };
}

async function failure(p: Promise<unknown>): Promise<ChatError> {
  try { await p; } catch (e) {
    assert.ok(e instanceof ChatError, `expected a ChatError, got ${String((e as any)?.stack ?? e)}`);
    assert.ok(!e.message.includes(KEY), 'the key leaked into an error message');
    return e;
  }
  assert.fail('expected the turn to fail');
}

/** Answers the n-th request (0-based) with handlers[n] (the last one repeats). */
function script(...handlers: ((res: http.ServerResponse) => void | Promise<void>)[]): void {
  let n = 0;
  stand.reset((_q, res) => { void handlers[Math.min(n++, handlers.length - 1)](res); });
}

const EXPLAIN = { id: 'toolu_01', name: 'explain_query', input: { sql: 'SELECT * FROM orders WHERE customer_id = 7' } };

describe('runAgentTurn: the tool round trip', () => {
  test('tool_use explain_query: the second request carries the tool_use block and its tool_result, then the answer', async () => {
    script(
      (res) => streamToolUse(res, [EXPLAIN], 'Let me look at the plan.'),
      (res) => streamAnswer(res, ['The plan ', 'scans orders.']),
    );
    const { p, chunks, steps, calls } = turn();
    const r = await p;
    assert.equal(stand.requests.length, 2);
    // The tool ran once with the parsed input (sent as two input_json_delta pieces).
    assert.deepEqual(calls.map((c) => [c.name, c.input]), [['explain_query', EXPLAIN.input]]);
    const second = stand.requests[1].body;
    const assistant = second.messages[second.messages.length - 2];
    const user = second.messages[second.messages.length - 1];
    assert.equal(assistant.role, 'assistant');
    assert.deepEqual(assistant.content, [
      { type: 'text', text: 'Let me look at the plan.' },
      { type: 'tool_use', id: 'toolu_01', name: 'explain_query', input: EXPLAIN.input },
    ]);
    assert.equal(user.role, 'user');
    assert.equal(user.content.length, 1);
    assert.equal(user.content[0].type, 'tool_result');
    assert.equal(user.content[0].tool_use_id, 'toolu_01');
    assert.equal(user.content[0].content, `RESULT of explain_query for ${JSON.stringify(EXPLAIN.input)}: Seq Scan on orders (cost=0.00..248.50 rows=50)`);
    assert.equal(user.content[0].is_error, undefined);
    // The first request's prefix is unchanged in the second (the cache can be read).
    assert.deepEqual(second.messages[0], stand.requests[0].body.messages[0]);
    // The user saw both rounds' text, as a paragraph apart, and one step running then done.
    assert.equal(chunks.join(''), 'Let me look at the plan.\n\nThe plan scans orders.');
    assert.equal(r.text, chunks.join(''));
    assert.deepEqual(steps.map((s) => [s.id, s.tool, s.state]), [['toolu_01', 'explain_query', 'running'], ['toolu_01', 'explain_query', 'done']]);
    assert.equal(steps[1].summary, 'explained the query: cost 248.5');
    assert.equal(r.steps.length, 1);
    assert.equal(r.cut, undefined);
    assert.equal(r.stopReason, 'end_turn');
    // Usage is summed over both requests; requests are what was sent.
    assert.equal(r.usage.cache_read_input_tokens, 2 * USAGE_START.cache_read_input_tokens);
    assert.equal(r.usage.output_tokens, 23 + 17);
    assert.equal(r.requests?.length, 2);
    assert.deepEqual(r.requests, stand.requests.map((q) => { const { stream: _s, ...b } = q.body; return b; }));
  });

  test('tools offered with tool_choice auto (never forced), the last tool and the newest tool_result cached', async () => {
    script((res) => streamToolUse(res, [EXPLAIN]), (res) => streamAnswer(res, ['done']));
    await turn({ tools: ['explain_query', 'describe_table'] }).p;
    for (const q of stand.requests) {
      assert.deepEqual(q.body.tool_choice, { type: 'auto' });
      assert.equal(q.body.stream, true);
    }
    const tools = stand.requests[0].body.tools;
    assert.deepEqual(tools.map((t: any) => t.name), ['describe_table', 'explain_query']);
    assert.equal(tools[0].cache_control, undefined);
    assert.deepEqual(tools[1].cache_control, { type: 'ephemeral' });
    assert.equal(tools[1].input_schema.required[0], 'sql');
    script((res) => streamAnswer(res, ['ok']));
    await turn().p; // default: every tool
    assert.deepEqual(stand.requests[0].body.tools.map((t: any) => t.name), [...TOOL_NAMES]);
    // The persona is the first system block as given; the tools' guidance closes the cached system prefix.
    const body = stand.requests[0].body;
    assert.deepEqual(body.system, [
      { type: 'text', text: 'You are a database engineer.' },
      { type: 'text', text: TOOLS_GUIDANCE, cache_control: { type: 'ephemeral' } },
    ]);
    assert.deepEqual(body.messages[0].content[0].cache_control, { type: 'ephemeral' });
    // System and context keep their cache marks (at most four breakpoints in all).
    const marks = JSON.stringify(body).split('"cache_control"').length - 1;
    assert.equal(marks, 3);
  });

  test('two tools in one turn: run in order, both results in ONE user message, in order', async () => {
    const DESCRIBE = { id: 'toolu_02', name: 'describe_table', input: { table: 'orders' } };
    script((res) => streamToolUse(res, [DESCRIBE, EXPLAIN]), (res) => streamAnswer(res, ['Both seen.']));
    const { p, calls, steps } = turn({}, (name) => ({ text: `text from ${name}`, summary: `${name} ok` }));
    const r = await p;
    assert.deepEqual(calls.map((c) => c.name), ['describe_table', 'explain_query']);
    const msgs = stand.requests[1].body.messages;
    const user = msgs[msgs.length - 1];
    assert.deepEqual(user.content.map((b: any) => [b.type, b.tool_use_id, b.content]), [
      ['tool_result', 'toolu_02', 'text from describe_table'],
      ['tool_result', 'toolu_01', 'text from explain_query'],
    ]);
    assert.equal(msgs[msgs.length - 2].content.length, 2);
    assert.deepEqual(steps.map((s) => `${s.tool}:${s.state}`), ['describe_table:running', 'describe_table:done', 'explain_query:running', 'explain_query:done']);
    assert.equal(r.text, 'Both seen.');
  });

  test('a tool that fails: its result goes back with is_error, the step is an error, the turn goes on', async () => {
    script((res) => streamToolUse(res, [EXPLAIN]), (res) => streamAnswer(res, ['The query has a typo.']));
    const { p, steps } = turn({}, () => ({ text: 'explain_query: PostgreSQL says: relation "ordrs" does not exist', summary: 'the query failed to plan', isError: true }));
    const r = await p;
    const user = stand.requests[1].body.messages.at(-1);
    assert.equal(user.content[0].is_error, true);
    assert.match(user.content[0].content, /relation "ordrs" does not exist/);
    assert.equal(steps[1].state, 'error');
    assert.equal(r.text, 'The query has a typo.');
  });

  test('bad JSON input: the tool is not run, the model hears "the input was not valid JSON"', async () => {
    script(async (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      sse(res, 'message_start', { message: { id: 'msg_b', type: 'message', role: 'assistant', model: DEFAULT_MODEL, content: [], stop_reason: null, stop_sequence: null, usage: USAGE_START } });
      sse(res, 'content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_bad', name: 'explain_query', input: {} } });
      sse(res, 'content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"sql": "SELECT 1' } });
      sse(res, 'content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: ' FROM orders}' } });
      sse(res, 'content_block_stop', { index: 0 });
      sse(res, 'message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } });
      sse(res, 'message_stop', {});
      res.end();
    }, (res) => streamAnswer(res, ['Sorry.']));
    const { p, calls, steps } = turn();
    const r = await p;
    assert.equal(calls.length, 0, 'the tool must not run on unparsable input');
    const msgs = stand.requests[1].body.messages;
    // The assistant's block is sent back with an object input (the API takes no other), the result is an error.
    assert.deepEqual(msgs.at(-2).content, [{ type: 'tool_use', id: 'toolu_bad', name: 'explain_query', input: {} }]);
    assert.deepEqual(msgs.at(-1).content, [{ type: 'tool_result', tool_use_id: 'toolu_bad', content: BAD_JSON_RESULT, is_error: true, cache_control: { type: 'ephemeral' } }]);
    assert.match(BAD_JSON_RESULT, /^the input was not valid JSON/);
    assert.deepEqual(steps.map((s) => s.state), ['running', 'error']);
    assert.match(steps[1].summary, /not valid JSON/);
    assert.equal(r.text, 'Sorry.');
  });
});

describe('runAgentTurn: bounds and cuts', () => {
  test('the bound: past maxToolCalls the calls are answered "tool limit reached", one last request with tool_choice none', async () => {
    let n = 0;
    stand.reset((_req, res, q) => {
      n++;
      if (q.body.tool_choice?.type === 'none') void streamAnswer(res, ['Here is what I found.']);
      else void streamToolUse(res, [{ id: `toolu_${n}`, name: 'explain_query', input: { sql: `SELECT ${n}` } }]);
    });
    const { p, calls, steps } = turn({ maxToolCalls: 2 });
    const r = await p;
    assert.equal(calls.length, 2, 'two tools ran');
    assert.equal(stand.requests.length, 4);
    assert.deepEqual(stand.requests.map((q) => q.body.tool_choice.type), ['auto', 'auto', 'auto', 'none']);
    const last = stand.requests[3].body.messages.at(-1);
    assert.deepEqual(last.content.map((b: any) => [b.tool_use_id, b.content, b.is_error]), [['toolu_3', TOOL_LIMIT_RESULT, true]]);
    assert.equal(r.cut, 'tool_limit');
    assert.match(r.notice!, /limit of 2 tool calls/);
    assert.equal(r.text, 'Here is what I found.');
    // The user sees the call that was not run.
    assert.deepEqual(steps.map((s) => `${s.id}:${s.state}`), ['toolu_1:running', 'toolu_1:done', 'toolu_2:running', 'toolu_2:done', 'toolu_3:error']);
    assert.match(steps[4].summary, /not run \(tool limit of 2 reached\)/);
  });

  test('max_tokens: the turn says the answer was cut, with the limit', async () => {
    script((res) => streamToolUse(res, [EXPLAIN]), (res) => streamCutOff(res, 'The plan shows a sequential'));
    const r = await turn({ maxTokens: 777 }).p;
    assert.equal(r.cut, 'max_tokens');
    assert.equal(r.notice, 'The answer was cut at the max-tokens limit (777 tokens); ask to continue or raise the limit.');
    assert.equal(r.stopReason, 'max_tokens');
    assert.match(r.text, /The plan shows a sequential$/);
  });

  test('an answer without tools: one request, no cut', async () => {
    script((res) => streamAnswer(res, ['Just ', 'text.']));
    const r = await turn().p;
    assert.equal(stand.requests.length, 1);
    assert.equal(r.text, 'Just text.');
    assert.equal(r.cut, undefined);
    assert.deepEqual(r.steps, []);
  });
});

describe('runAgentTurn: cancel and errors', () => {
  // The guard only ends a broken run: without the cancel the turn would never end.
  test('cancel during a tool: the tool gets the signal, the turn rejects "cancelled", nothing more is sent', { timeout: 30_000 }, async () => {
    script((res) => streamToolUse(res, [EXPLAIN], 'Checking.'), (res) => streamAnswer(res, ['never']));
    const ctl = new AbortController();
    let toolSaw: AbortSignal | undefined;
    const { p, chunks, steps } = turn({
      signal: ctl.signal,
      // A tool that never finishes by itself: only the cancel ends the turn.
      callTool: (_n, _i, signal) => { toolSaw = signal; setImmediate(() => ctl.abort()); return new Promise<ToolResult>(() => {}); },
    });
    const e = await failure(p);
    assert.equal(e.kind, 'cancelled');
    assert.equal(toolSaw?.aborted, true, 'the tool in flight got the aborted signal');
    assert.equal(stand.requests.length, 1);
    assert.deepEqual(chunks, ['Checking.']);
    assert.deepEqual(steps.map((s) => s.state), ['running', 'error']);
    assert.match(steps[1].summary, /cancelled/);
  });

  test('an API error mid-loop after text was emitted: ChatError with the message, no retry', async () => {
    script((res) => streamToolUse(res, [EXPLAIN]), (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      sse(res, 'message_start', { message: { id: 'msg_e', type: 'message', role: 'assistant', model: DEFAULT_MODEL, content: [], stop_reason: null, stop_sequence: null, usage: USAGE_START } });
      sse(res, 'content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      sse(res, 'content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'The plan' } });
      res.write(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`);
      res.end();
    });
    const { p, chunks, calls } = turn();
    const e = await failure(p);
    assert.equal(e.kind, 'overloaded');
    assert.match(e.message, /overloaded \(529\)/);
    assert.equal(calls.length, 1, 'the tool ran before the error');
    assert.equal(stand.requests.length, 2, 'no retry once text of that request was shown');
    assert.deepEqual(chunks, ['The plan']);
  });

  test('an API error mid-loop before any text of that request: retried, then the answer', async () => {
    const retries: string[] = [];
    script((res) => streamToolUse(res, [EXPLAIN]), (res) => apiError(res, 529, 'overloaded_error', 'Overloaded'), (res) => streamAnswer(res, ['Recovered.']));
    const r = await turn({ onRetry: (i) => retries.push(i.message) }).p;
    assert.equal(stand.requests.length, 3);
    assert.equal(retries.length, 1);
    assert.match(retries[0], /overloaded \(529\); retrying/);
    // The retried request is the same body: the tool is not run again.
    assert.deepEqual(stand.requests[2].body, stand.requests[1].body);
    assert.equal(r.steps.length, 1);
    assert.equal(r.text, 'Recovered.');
    assert.equal(r.requests?.length, 2, 'requests lists each body once');
  });

  test('the API key is never in an error, even when the API echoes it', async () => {
    script((res) => streamToolUse(res, [EXPLAIN]), (res) => apiError(res, 400, 'invalid_request_error', `bad header x-api-key: ${KEY}`));
    const e = await failure(turn().p);
    assert.equal(e.kind, 'bad-request');
    assert.match(e.message, /refused the request \(400\): bad header x-api-key: \[redacted\]/);
    // And no key: nothing is sent.
    stand.reset((_q, res) => { void streamAnswer(res, ['x']); });
    const e2 = await failure(turn({ apiKey: '  ' }).p);
    assert.equal(e2.kind, 'no-key');
    assert.equal(stand.requests.length, 0);
  });

  test('a tool result that carries the key is scrubbed before it reaches the model', async () => {
    script((res) => streamToolUse(res, [EXPLAIN]), (res) => streamAnswer(res, ['ok']));
    await turn({}, () => ({ text: `connection string had ${KEY}`, summary: 'x' })).p;
    const sent = JSON.stringify(stand.requests[1].body);
    assert.ok(!sent.includes(KEY));
    assert.match(sent, /connection string had \[redacted\]/);
    await pause(1);
  });
});
