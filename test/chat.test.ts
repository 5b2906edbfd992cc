// The assistant core: context building, slash commands, and askStream driven through the real
// @anthropic-ai/sdk against a local stand-in for the Messages API (127.0.0.1, random port) that speaks
// the real server-sent-event stream. Never the real API. Also `dbe ask` / `dbe review` end to end.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { buildContext } from '../server/src/chat/context';
import { askStream, buildRequest, ChatError, DEFAULT_MODEL, NO_KEY_MESSAGE, type RetryInfo, type Usage } from '../server/src/chat/client';
import { expandSlash, SLASH_COMMANDS } from '../server/src/chat/commands';
import { loadSystemPrompt } from '../server/src/chat/persona-source';
import { projectFor, ready, ROOT } from './helpers';

const SHOP = path.join(ROOT, 'test', 'fixtures', 'chat', 'shop');
const REPORT = path.join(SHOP, 'queries', 'report.sql');
const KEY = 'sk-ant-test-SECRET-0123456789';
const CLI = path.join(ROOT, 'dist', 'cli.js');

import { apiError, pause, sse, StandIn, streamAnswer, USAGE_START } from './anthropic-standin';

// ---- tests --------------------------------------------------------------------------------------

const stand = new StandIn();
let persona = '';
let contextText = '';

before(async () => {
  await ready();
  await stand.start();
  persona = loadSystemPrompt().text;
  const project = projectFor(SHOP);
  contextText = buildContext(project, { file: REPORT, budgetChars: 20_000 }).text;
});
after(async () => { await stand.stop(); });

function ask(extra: Partial<Parameters<typeof askStream>[0]> = {}) {
  const chunks: string[] = [];
  const usages: Usage[] = [];
  const retries: RetryInfo[] = [];
  const p = askStream({
    apiKey: KEY, baseURL: stand.url, model: DEFAULT_MODEL, maxTokens: 1024, system: persona, context: contextText,
    question: 'Why is this slow?', onText: (t) => chunks.push(t), onUsage: (u) => usages.push(u), onRetry: (r) => retries.push(r),
    timeoutMs: 5000, retryBaseMs: 5, maxRetries: 2, ...extra,
  });
  return { p, chunks, usages, retries };
}

async function failure(p: Promise<unknown>): Promise<ChatError> {
  try { await p; } catch (e) {
    assert.ok(e instanceof ChatError, `expected a ChatError, got ${String((e as any)?.stack ?? e)}`);
    assert.ok(!e.message.includes(KEY), 'the key leaked into an error message');
    return e;
  }
  assert.fail('expected the request to fail');
}

describe('context', () => {
  test('file, referenced schema and findings with rationale', () => {
    const c = buildContext(projectFor(SHOP), { file: REPORT, budgetChars: 20_000 });
    assert.deepEqual(c.chips.map((x) => x.kind), ['file', 'schema', 'findings']);
    assert.match(c.text, /SELECT \*\nFROM orders o/);
    assert.match(c.text, /TABLE public\.orders/);
    assert.match(c.text, /status text NOT NULL DEFAULT 'pending'/);
    assert.match(c.text, /FOREIGN KEY \(customer_id\) REFERENCES public\.customers \(id\)/);
    assert.match(c.text, /orders_open_idx: btree \(created_at\) WHERE status = 'open'/);
    assert.match(c.text, /CHECK \(total_cents >= 0\)/);
    assert.doesNotMatch(c.text, /audit_events/, 'only tables the file references');
    assert.match(c.text, /line 2 \[warning\] select-star/);
    assert.match(c.text, /Why these rules matter:\n- select-star: /);
    for (const chip of c.chips) assert.ok(chip.chars > 0);
  });

  test('a selection sends its statement and only its tables', () => {
    const c = buildContext(projectFor(SHOP), { file: REPORT, lines: [7, 7], budgetChars: 20_000 });
    assert.equal(c.chips[0].kind, 'selection');
    assert.equal(c.chips[0].label, 'report.sql:7-7');
    assert.match(c.text, /SELECT count\(\*\) FROM customers/);
    assert.doesNotMatch(c.text, /FROM orders/);
    assert.doesNotMatch(c.text, /TABLE public\.orders/);
    assert.match(c.text, /1 more outside the selection/);
  });

  test('a large file goes as the relevant statements, and says what was omitted', () => {
    const filler = Array.from({ length: 300 }, (_, i) => `SELECT id, email FROM customers WHERE id = ${i};`).join('\n');
    const big = `${filler}\nSELECT * FROM orders;\n${filler}\n`;
    const project = projectFor(SHOP);
    const f = path.join(SHOP, 'queries', 'big.sql');
    project.setFile(f, big);
    const c = buildContext(project, { file: f, budgetChars: 6000 });
    assert.ok(c.text.length <= 6000, `text is ${c.text.length} chars`);
    assert.match(c.text, /SELECT \* FROM orders;/, 'the statement with a finding is kept');
    assert.match(c.text, /Too large to send whole: \d+ of 601 statements shown/);
    assert.match(c.text, /-- \[omitted: \d+ statements, lines \d+-\d+\]/);
    assert.match(c.chips[0].label, /big\.sql \(\d+ of 601 statements\)/);
  });
});

describe('persona', () => {
  test('the system prompt is the shipped persona body, or a built-in fallback', () => {
    const shipped = path.join(ROOT, 'agents', 'database-engineer.md');
    const p = loadSystemPrompt();
    if (fs.existsSync(shipped)) {
      assert.equal(p.source, shipped);
      assert.doesNotMatch(p.text, /^---/, 'front matter is not part of the prompt');
    }
    assert.ok(p.text.length > 100);
    const missing = loadSystemPrompt(path.join(ROOT, 'test', 'fixtures', 'chat', 'no-such-persona.md'));
    assert.equal(missing.source, '(built-in)');
    assert.match(missing.text, /PostgreSQL/);
  });
});

describe('slash commands', () => {
  test('each expands to its question; /review asks for the checklist and response format', () => {
    assert.deepEqual(SLASH_COMMANDS.map((c) => c.name), ['review', 'index', 'normalize', 'migration', 'explain']);
    const r = expandSlash('/review');
    assert.ok('question' in r && r.command === 'review');
    assert.match((r as any).question, /checklist/);
    assert.match((r as any).question, /response format/);
    const i = expandSlash('/index the report runs hourly') as any;
    assert.equal(i.command, 'index');
    assert.match(i.question, /The user adds: the report runs hourly$/);
    assert.deepEqual(expandSlash('  plain question '), { question: 'plain question' });
    assert.match((expandSlash('/nope') as any).error, /unknown command \/nope/);
  });
});

describe('askStream against the stand-in', () => {
  test('request shape, streamed chunks in order, usage with cache reads', async () => {
    const parts = ['The ', 'query ', 'reads ', 'every ', 'column.'];
    stand.reset((_q, res) => { void streamAnswer(res, parts); });
    const { p, chunks, usages } = ask({ history: [{ role: 'user', content: 'earlier q' }, { role: 'assistant', content: 'earlier a' }] });
    const result = await p;
    assert.deepEqual(chunks, parts);
    assert.equal(result.text, parts.join(''));
    assert.equal(result.stopReason, 'end_turn');
    assert.deepEqual(usages, [{ input_tokens: 42, output_tokens: 17, cache_creation_input_tokens: 0, cache_read_input_tokens: 1800 }]);

    assert.equal(stand.requests.length, 1);
    const { method, url, headers, body } = stand.requests[0];
    assert.equal(method, 'POST');
    assert.equal(url, '/v1/messages');
    assert.ok(String(headers['x-api-key'] ?? headers['authorization']).includes(KEY), 'the key is sent');
    assert.equal(body.model, DEFAULT_MODEL);
    assert.equal(body.max_tokens, 1024);
    assert.equal(body.stream, true);
    // Stable prefix: persona in system, context in the first user block, both cache-marked.
    assert.equal(body.system[0].text, persona);
    assert.deepEqual(body.system[0].cache_control, { type: 'ephemeral' });
    const first = body.messages[0];
    assert.equal(first.role, 'user');
    assert.deepEqual(first.content[0].cache_control, { type: 'ephemeral' });
    assert.match(first.content[0].text, /TABLE public\.orders/);
    assert.match(first.content[0].text, /select-star/);
    assert.equal(first.content[1].text, 'earlier q');
    assert.deepEqual(body.messages.map((m: any) => m.role), ['user', 'assistant', 'user']);
    // The question last.
    assert.equal(body.messages[body.messages.length - 1].content, 'Why is this slow?');
  });

  test('without history the question is the block after the cached context', () => {
    const b = buildRequest({ model: 'm', maxTokens: 5, system: 'P', context: 'C', question: 'Q' });
    assert.equal(b.messages.length, 1);
    const blocks = b.messages[0].content as any[];
    assert.deepEqual(blocks.map((x) => x.text.endsWith('C') || x.text), [true, 'Q']);
    assert.ok(blocks[0].cache_control && !blocks[1].cache_control);
  });

  test('no key: says how to set one, sends nothing', async () => {
    stand.reset((_q, res) => { void streamAnswer(res, ['x']); });
    const e = await failure(ask({ apiKey: undefined }).p);
    assert.equal(e.kind, 'no-key');
    assert.equal(e.message, NO_KEY_MESSAGE);
    assert.match(e.message, /ANTHROPIC_API_KEY/);
    assert.equal(stand.requests.length, 0);
  });

  test('401: key rejected', async () => {
    stand.reset((_q, res) => apiError(res, 401, 'authentication_error', `invalid x-api-key ${KEY}`));
    const e = await failure(ask().p);
    assert.equal(e.kind, 'auth');
    assert.match(e.message, /rejected the API key \(401\)/);
    assert.equal(stand.requests.length, 1, 'a rejected key is not retried');
  });

  test('429 then 200: one retry reported, then the answer', async () => {
    let n = 0;
    stand.reset((_q, res) => {
      if (n++ === 0) apiError(res, 429, 'rate_limit_error', 'slow down', { 'retry-after-ms': '20' });
      else void streamAnswer(res, ['fine']);
    });
    const { p, retries, chunks } = ask();
    const r = await p;
    assert.equal(r.text, 'fine');
    assert.deepEqual(chunks, ['fine']);
    assert.equal(retries.length, 1);
    assert.equal(retries[0].kind, 'rate-limited');
    assert.equal(retries[0].delayMs, 20);
    assert.match(retries[0].message, /rate limited \(429\); retrying in 20 ms \(1 of 2\)/);
    assert.equal(stand.requests.length, 2);
  });

  test('529 overloaded: retried with backoff, then reported', async () => {
    stand.reset((_q, res) => apiError(res, 529, 'overloaded_error', 'Overloaded'));
    const { p, retries } = ask({ maxRetries: 2 });
    const e = await failure(p);
    assert.equal(e.kind, 'overloaded');
    assert.match(e.message, /overloaded \(529\); try again/);
    assert.deepEqual(retries.map((r) => [r.attempt, r.delayMs]), [[1, 5], [2, 10]]);
    assert.equal(stand.requests.length, 3);
  });

  test('an error event inside the stream (overloaded) is mapped too', async () => {
    stand.reset((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      sse(res, 'message_start', { message: { id: 'msg_e', type: 'message', role: 'assistant', model: DEFAULT_MODEL, content: [], stop_reason: null, stop_sequence: null, usage: USAGE_START } });
      res.write(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`);
      res.end();
    });
    const { p, retries } = ask({ maxRetries: 0 });
    const e = await failure(p);
    assert.equal(e.kind, 'overloaded');
    assert.equal(retries.length, 0);
  });

  test('connection refused: offline message', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const e = await failure(ask({ baseURL: `http://127.0.0.1:${port}` }).p);
    assert.equal(e.kind, 'offline');
    assert.match(e.message, /cannot reach the Anthropic API/);
  });

  test('a server that never answers: timeout', async () => {
    stand.reset(() => { /* never respond */ });
    // without the client's timeout this would wait forever: ending at all, as a timeout, is the behaviour
    const e = await failure(ask({ timeoutMs: 300 }).p);
    assert.equal(e.kind, 'timeout');
    assert.match(e.message, /did not answer within 300 ms \(timeout\)/);
  });

  test('a stream that stalls after some text: timeout, text so far delivered', async () => {
    stand.reset((_q, res) => { void streamAnswer(res, ['partial ', 'answer'], { holdAfter: 1 }); });
    const { p, chunks } = ask({ timeoutMs: 300 });
    const e = await failure(p);
    assert.equal(e.kind, 'timeout');
    assert.deepEqual(chunks, ['partial ']);
  });

  test('abort via AbortSignal: cancelled', async () => {
    stand.reset((_q, res) => { void streamAnswer(res, ['first ', 'second'], { holdAfter: 1 }); });
    const ctl = new AbortController();
    const { p, chunks } = ask({ signal: ctl.signal, onText: (t) => { chunks.push(t); ctl.abort(); } });
    const e = await failure(p);
    assert.equal(e.kind, 'cancelled');
    assert.deepEqual(chunks, ['first ']);
    // Already aborted: nothing is sent.
    stand.reset((_q, res) => { void streamAnswer(res, ['x']); });
    const e2 = await failure(ask({ signal: AbortSignal.abort() }).p);
    assert.equal(e2.kind, 'cancelled');
    assert.equal(stand.requests.length, 0);
  });
});

// ---- the CLI --------------------------------------------------------------------------------------

function buildIfStale(): void {
  const srcs = [path.join(ROOT, 'server', 'src', 'chat'), path.join(ROOT, 'server', 'src', 'cli')]
    .flatMap((d) => fs.readdirSync(d).map((f) => path.join(d, f)));
  const built = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
  if (srcs.some((f) => fs.statSync(f).mtimeMs > built)) {
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `build failed: ${r.stderr}`);
  }
}

function dbe(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  const e: NodeJS.ProcessEnv = { ...process.env, DBE_DEBUG: '', ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined, ANTHROPIC_AUTH_TOKEN: undefined, ...env };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: SHOP, env: e, timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as any).code === 'number' ? (err as any).code : -1) : 0, stdout, stderr });
    });
  });
}

describe('dbe ask / dbe review', () => {
  before(() => buildIfStale());

  test('streams the answer to stdout, with the file context sent', async () => {
    stand.reset((_q, res) => { void streamAnswer(res, ['Use ', 'an index.']); });
    const r = await dbe(['ask', '--file', 'queries/report.sql', 'why slow?'], { ANTHROPIC_BASE_URL: stand.url, ANTHROPIC_API_KEY: 'test-key' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Use an index.\n');
    assert.ok(!(r.stdout + r.stderr).includes('test-key'));
    const body = stand.requests[0].body;
    assert.equal(body.model, DEFAULT_MODEL);
    assert.equal(body.system[0].text, persona);
    assert.match(body.messages[0].content[0].text, /TABLE public\.orders/);
    assert.match(body.messages[0].content[0].text, /select-star/);
    assert.equal(body.messages[0].content[1].text, 'why slow?');
  });

  test('dbe review sends /review for the file, with --model and --max-tokens', async () => {
    stand.reset((_q, res) => { void streamAnswer(res, ['Looks fine.']); });
    const r = await dbe(['review', 'queries/report.sql', '--model', 'claude-test', '--max-tokens', '321', '--lines', '7-7'], { ANTHROPIC_BASE_URL: stand.url, ANTHROPIC_API_KEY: 'test-key' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Looks fine.\n');
    const body = stand.requests[0].body;
    assert.equal(body.model, 'claude-test');
    assert.equal(body.max_tokens, 321);
    assert.equal(body.messages[0].content[1].text, SLASH_COMMANDS[0].question);
    assert.match(body.messages[0].content[0].text, /Selection: queries\/report\.sql lines 7-7/);
  });

  test('401: exit 1, one dbe: line, no stack trace, no key', async () => {
    stand.reset((_q, res) => apiError(res, 401, 'authentication_error', 'invalid x-api-key'));
    const r = await dbe(['ask', '--file', 'queries/report.sql', 'q'], { ANTHROPIC_BASE_URL: stand.url, ANTHROPIC_API_KEY: 'test-key' });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^dbe: the Anthropic API rejected the API key \(401\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at |Error:/);
    assert.ok(!(r.stdout + r.stderr).includes('test-key'));
  });

  test('no ANTHROPIC_API_KEY: exit non-zero with the no-key message', async () => {
    stand.reset((_q, res) => { void streamAnswer(res, ['x']); });
    const r = await dbe(['ask', 'anything'], { ANTHROPIC_BASE_URL: stand.url });
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr, `dbe: ${NO_KEY_MESSAGE}\n`);
    assert.equal(stand.requests.length, 0);
  });

  test('--help lists ask and review', async () => {
    const r = await dbe(['--help'], {});
    assert.match(r.stdout, /dbe ask \[options\] "question"/);
    assert.match(r.stdout, /dbe review <file>/);
  });
});
