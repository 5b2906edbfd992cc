// The chat panel as an agent (client/src/chat/session.ts with the real agent loop and @anthropic-ai/sdk
// against the local Messages API stand-in): what the panel is told (steps running → done in order, the
// model's text around them, the cut notice), what the model is told (the tool_result, what became of
// a proposed migration), Stop during a tool, history that keeps the steps bounded but sends the model
// only the turns' text. The host is a fake whose callTool answers like the language server would.
import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChatSession, CUT_NOTICE, MAX_STEP_CHARS, type ChatHost, type ProposedFiles, type StoredChat, type WriteOutcome } from '../client/src/chat/session';
import type { StepInfo, ToWebview } from '../client/src/chat/protocol';
import type { AgentToolAnswer } from '../server/src/lsp/agent-protocol';
import { pause, StandIn, streamAnswer, streamCutOff, streamToolUse } from './anthropic-standin';

const KEY = 'sk-ant-test-AGENT-PANEL-0123456789';
const stand = new StandIn();
before(async () => { await stand.start(); });
after(async () => { await stand.stop(); });

interface Call { name: string; input: unknown; signal: AbortSignal | undefined }

interface Fake {
  host: ChatHost;
  post: (m: ToWebview) => void;
  posted: ToWebview[];
  store: { chat?: StoredChat };
  calls: Call[];
  asked: ProposedFiles[];
  settings: { tools?: boolean };
}

const PLAN = 'Seq Scan on orders (cost=0.00..248.50 rows=50)\n  Filter: (customer_id = 7)';

function fakeHost(opts: {
  store?: { chat?: StoredChat };
  answer?: (name: string, input: any, signal: AbortSignal | undefined) => Promise<AgentToolAnswer> | AgentToolAnswer;
  confirm?: (p: ProposedFiles) => Promise<WriteOutcome> | WriteOutcome;
} = {}): Fake {
  const store = opts.store ?? {};
  const f: Fake = { posted: [], store, calls: [], asked: [], settings: {}, post: (m) => { f.posted.push(JSON.parse(JSON.stringify(m))); }, host: undefined as any };
  f.host = {
    apiKey: async () => KEY,
    settings: () => ({ model: 'claude-test-model', maxTokens: 777, baseURL: stand.url, timeoutMs: 5000, ...f.settings }),
    context: async () => ({ chips: [], text: 'TABLE public.orders (id bigint, customer_id bigint)' }),
    personas: () => [{ name: 'database-engineer', description: '', body: 'You are a database engineer.', source: '(test)' }],
    trusted: () => true,
    loadChat: () => (store.chat ? JSON.parse(JSON.stringify(store.chat)) : undefined),
    saveChat: (c) => { store.chat = JSON.parse(JSON.stringify(c)); },
    code: async () => {},
    setKey: async () => {},
    callTool: async (name, input, signal) => {
      f.calls.push({ name, input, signal });
      if (opts.answer) return opts.answer(name, input, signal);
      return { text: `${name}: ${PLAN}`, summary: 'explained the query: cost 248 → 11.6' };
    },
  };
  if (opts.confirm) {
    const confirm = opts.confirm;
    f.host.confirmWrite = async (p) => { f.asked.push(p); return confirm(p); };
  }
  return f;
}

/** Answers the n-th request (0-based) with handlers[n] (the last one repeats). */
function script(...handlers: ((res: import('node:http').ServerResponse) => void | Promise<void>)[]): void {
  let n = 0;
  stand.reset((_q, res) => { void handlers[Math.min(n++, handlers.length - 1)](res); });
}

const steps = (f: Fake) => f.posted.filter((m): m is Extract<ToWebview, { type: 'step' }> => m.type === 'step').map((m) => m.step);
const last = <T extends ToWebview['type']>(f: Fake, t: T) => [...f.posted].reverse().find((m) => m.type === t) as Extract<ToWebview, { type: T }>;
/** The posted messages in order, a step as step:<state>, text deltas joined. */
function timeline(f: Fake): string[] {
  const out: string[] = [];
  for (const m of f.posted) {
    if (m.type === 'delta') {
      if (out.length && out[out.length - 1].startsWith('text:')) out[out.length - 1] += m.text; else out.push(`text:${m.text}`);
    } else if (m.type === 'step') out.push(`step:${m.step.tool}:${m.step.state}`);
    else out.push(m.type);
  }
  return out;
}
/** The tool_result blocks of a request body. */
const toolResults = (body: any) => body.messages.flatMap((m: any) => (Array.isArray(m.content) ? m.content : [])).filter((b: any) => b.type === 'tool_result');

const EXPLAIN = { id: 'toolu_01', name: 'explain_query', input: { sql: 'SELECT * FROM orders WHERE customer_id = 7' } };
const WRITE = { id: 'toolu_w', name: 'write_migration', input: { title: 'add orders customer_id index', up: 'CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);', down: 'DROP INDEX CONCURRENTLY orders_customer_id_idx;' } };
const PROPOSED: AgentToolAnswer = {
  text: 'Proposed migrations/0005_add_orders_customer_id_index.up.sql and .down.sql (not written yet).',
  summary: 'proposed 2 files',
  proposed: {
    title: 'add orders customer_id index',
    files: [
      { uri: 'file:///shop/migrations/0005_add_orders_customer_id_index.up.sql', path: 'migrations/0005_add_orders_customer_id_index.up.sql', text: WRITE.input.up },
      { uri: 'file:///shop/migrations/0005_add_orders_customer_id_index.down.sql', path: 'migrations/0005_add_orders_customer_id_index.down.sql', text: WRITE.input.down },
    ],
  },
};

beforeEach(() => script((res) => streamAnswer(res, ['ok'])));

describe('chat panel agent: steps', () => {
  test('a tool turn: text, the step running → done, then the final answer last; the tool_result goes back; the model gets the tools', async () => {
    script((res) => streamToolUse(res, [EXPLAIN], 'Let me look at the plan.'), (res) => streamAnswer(res, ['It scans ', 'every order: add an index.']));
    const f = fakeHost();
    const s = new ChatSession(f.host, f.post);
    await s.receive({ type: 'send', text: 'Why is this query slow?' });

    assert.deepEqual(timeline(f), [
      'start', 'text:Let me look at the plan.', 'step:explain_query:running', 'step:explain_query:done',
      'text:\n\nIt scans every order: add an index.', 'usage', 'done',
    ]);
    const [running, done] = steps(f);
    assert.equal(running.id, 'toolu_01');
    assert.equal(done.id, 'toolu_01', 'the same step, updated');
    assert.deepEqual(done.input, EXPLAIN.input);
    assert.equal(done.summary, 'explained the query: cost 248 → 11.6');
    assert.match(done.result!, /Seq Scan on orders/);
    const start = last(f, 'start');
    assert.ok(f.posted.filter((m) => m.type === 'step').every((m) => (m as any).id === start.id), 'steps belong to the turn');

    assert.equal(f.calls.length, 1);
    assert.equal(f.calls[0].name, 'explain_query');
    assert.deepEqual(f.calls[0].input, EXPLAIN.input);
    assert.equal(stand.requests.length, 2);
    assert.ok(stand.requests[0].body.tools.some((t: any) => t.name === 'explain_query'), 'the tools are offered');
    assert.deepEqual(stand.requests[0].body.tool_choice, { type: 'auto' });
    const [tr] = toolResults(stand.requests[1].body);
    assert.equal(tr.tool_use_id, 'toolu_01');
    assert.equal(tr.content, `explain_query: ${PLAN}`);

    // Stored: the text, and the step where it came (after the first sentence).
    const answer = f.store.chat!.turns[1];
    assert.equal(answer.text, 'Let me look at the plan.\n\nIt scans every order: add an index.');
    assert.equal(answer.steps!.length, 1);
    assert.equal(answer.steps![0].at, 'Let me look at the plan.'.length);
    assert.equal(answer.steps![0].state, 'done');
  });

  test('history: a reload shows the steps; the model gets only the turns\' text (no tool_use, no tool_result)', async () => {
    script((res) => streamToolUse(res, [EXPLAIN]), (res) => streamAnswer(res, ['Add an index.']));
    const store: { chat?: StoredChat } = {};
    const f = fakeHost({ store });
    await new ChatSession(f.host, f.post).receive({ type: 'send', text: 'Why slow?' });

    const again = fakeHost({ store });
    const s2 = new ChatSession(again.host, again.post);
    await s2.receive({ type: 'ready' });
    const init = last(again, 'init');
    assert.equal(init.history[1].steps![0].summary, 'explained the query: cost 248 → 11.6');
    assert.match(init.history[1].steps![0].result!, /Seq Scan/);

    script((res) => streamAnswer(res, ['Yes.']));
    await s2.receive({ type: 'send', text: 'Is that safe?' });
    const msgs = stand.requests[0].body.messages;
    assert.deepEqual(msgs.map((m: any) => m.role), ['user', 'assistant', 'user']);
    assert.equal(msgs[1].content, 'Add an index.');
    assert.equal(toolResults(stand.requests[0].body).length, 0);
    assert.doesNotMatch(JSON.stringify(msgs), /tool_use|Seq Scan/);
  });

  test('a stored step keeps at most MAX_STEP_CHARS of its result and input, and says what was left out; the live step is whole', async () => {
    const big = `${'x'.repeat(9_000)}END`;
    script((res) => streamToolUse(res, [{ id: 'toolu_b', name: 'lint_sql', input: { sql: `SELECT ${'a, '.repeat(2_000)}1` } }]), (res) => streamAnswer(res, ['Done.']));
    const f = fakeHost({ answer: () => ({ text: big, summary: 'linted: 0 findings' }) });
    await new ChatSession(f.host, f.post).receive({ type: 'send', text: 'lint it' });
    assert.ok(steps(f).at(-1)!.result!.endsWith('END'), 'the panel saw the whole result');
    const stored = f.store.chat!.turns[1].steps![0];
    assert.ok(stored.result!.length < MAX_STEP_CHARS + 100);
    assert.match(stored.result!, /… \(7,003 more characters not kept\)$/);
    assert.ok((stored.input as any).sql.length < MAX_STEP_CHARS + 100);
  });

  test('malformed stored steps are dropped on load; the turn itself stays', async () => {
    const store: { chat?: StoredChat } = {
      chat: { turns: [{ role: 'user', text: 'q' }, { role: 'assistant', text: 'a', steps: [{ id: 's1', tool: 'list_tables', state: 'done', summary: 'listed 6 tables' }, { id: 3, state: 'bogus' } as any] }] },
    };
    const f = fakeHost({ store });
    await new ChatSession(f.host, f.post).receive({ type: 'ready' });
    const init = last(f, 'init');
    assert.equal(init.history.length, 2);
    assert.deepEqual(init.history[1].steps!.map((st: StepInfo) => st.id), ['s1']);
  });

  test('a tool error is a step marked error, and the model is told', async () => {
    script((res) => streamToolUse(res, [{ id: 'toolu_e', name: 'describe_table', input: { table: 'nope' } }]), (res) => streamAnswer(res, ['There is no such table.']));
    const f = fakeHost({ answer: () => ({ text: 'No table "nope" in the schema; the tables are customers, orders.', summary: 'describe_table: no table nope', isError: true }) });
    await new ChatSession(f.host, f.post).receive({ type: 'send', text: 'describe nope' });
    const st = steps(f).at(-1)!;
    assert.equal(st.state, 'error');
    assert.equal(st.summary, 'describe_table: no table nope');
    const [tr] = toolResults(stand.requests[1].body);
    assert.equal(tr.is_error, true);
    assert.match(tr.content, /No table "nope"/);
    assert.equal(last(f, 'done').type, 'done');
  });
});

describe('chat panel agent: Stop, cut, setting', () => {
  test('Stop while a tool runs: the tool\'s signal is aborted, the step ends as stopped, "Stopped." and no further request', async () => {
    script((res) => streamToolUse(res, [EXPLAIN], 'Checking.'), (res) => streamAnswer(res, ['never']));
    let toolSignal: AbortSignal | undefined;
    const f = fakeHost({
      answer: (_n, _i, signal) => new Promise<AgentToolAnswer>((resolve) => {
        toolSignal = signal;
        signal?.addEventListener('abort', () => resolve({ text: 'Stopped by the user while the tool ran.', summary: 'explain_query: stopped', isError: true }));
      }),
    });
    const s = new ChatSession(f.host, f.post);
    const sending = s.receive({ type: 'send', text: 'slow?' });
    for (let i = 0; i < 300 && !f.calls.length; i++) await pause(10);
    assert.equal(f.calls.length, 1, 'the tool was called');
    assert.equal(s.busy, true);
    await s.receive({ type: 'stop' });
    await sending;
    assert.equal(toolSignal!.aborted, true, 'the tool in flight was cancelled');
    assert.equal(last(f, 'error').message, 'Stopped.');
    const st = steps(f).at(-1)!;
    assert.equal(st.state, 'error');
    assert.match(st.summary, /cancelled|stopped/);
    assert.equal(stand.requests.length, 1, 'nothing more was asked of the model');
    assert.equal(f.store.chat!.turns[1].error, 'Stopped.');
    assert.ok(f.store.chat!.turns[1].steps!.every((x) => x.state !== 'running'), 'no step is stored as running');
    assert.equal(s.busy, false);
  });

  test('an answer cut at max_tokens ends with the notice, shown and stored', async () => {
    script((res) => streamToolUse(res, [EXPLAIN]), (res) => streamCutOff(res, 'The plan shows a sequential sc'));
    const f = fakeHost();
    await new ChatSession(f.host, f.post).receive({ type: 'send', text: 'slow?' });
    const done = last(f, 'done');
    assert.match(done.notice!, /cut at the max-tokens limit \(777 tokens\)/);
    assert.equal(f.store.chat!.turns[1].notice, done.notice);
    assert.equal(f.store.chat!.turns[1].error, undefined);
  });

  test('dbEngineer.chat.tools off: no tools offered, a plain answer; a cut plain answer has the notice too', async () => {
    script((res) => streamCutOff(res, 'partial'));
    const f = fakeHost();
    f.settings.tools = false;
    await new ChatSession(f.host, f.post).receive({ type: 'send', text: 'slow?' });
    assert.equal(stand.requests.length, 1);
    assert.equal(stand.requests[0].body.tools, undefined);
    assert.equal(f.calls.length, 0);
    assert.equal(last(f, 'done').notice, CUT_NOTICE);
    assert.equal(f.store.chat!.turns[1].steps, undefined);
  });

  test('a host without callTool (no language server tools) answers without tools', async () => {
    const f = fakeHost();
    delete f.host.callTool;
    await new ChatSession(f.host, f.post).receive({ type: 'send', text: 'hi' });
    assert.equal(stand.requests[0].body.tools, undefined);
    assert.equal(last(f, 'done').type, 'done');
  });
});

describe('chat panel agent: write_migration asks the user', () => {
  const writeTurn = () => script((res) => streamToolUse(res, [WRITE]), (res) => streamAnswer(res, ['Done.']));

  test('confirmed: the user is asked with the files, and the model hears what was written', async () => {
    writeTurn();
    const f = fakeHost({ answer: () => PROPOSED, confirm: (p) => ({ written: true, paths: p.files.map((x) => x.path) }) });
    await new ChatSession(f.host, f.post).receive({ type: 'send', text: 'write it' });
    assert.equal(f.asked.length, 1);
    assert.deepEqual(f.asked[0].files.map((x) => x.path), PROPOSED.proposed!.files.map((x) => x.path));
    const [tr] = toolResults(stand.requests[1].body);
    assert.match(tr.content, /^The user confirmed; wrote migrations\/0005_add_orders_customer_id_index\.up\.sql, migrations\/0005_add_orders_customer_id_index\.down\.sql\./);
    assert.equal(tr.is_error, undefined);
    assert.equal(steps(f).at(-1)!.summary, 'wrote migrations/0005_add_orders_customer_id_index.up.sql, migrations/0005_add_orders_customer_id_index.down.sql');
  });

  test('declined: "the user declined; nothing was written"', async () => {
    writeTurn();
    const f = fakeHost({ answer: () => PROPOSED, confirm: (p) => ({ written: false, paths: p.files.map((x) => x.path), reason: 'declined' }) });
    await new ChatSession(f.host, f.post).receive({ type: 'send', text: 'write it' });
    const [tr] = toolResults(stand.requests[1].body);
    assert.match(tr.content, /^The user declined; nothing was written\./);
    assert.equal(steps(f).at(-1)!.summary, 'the user declined; nothing was written');
  });

  test('a file exists: nothing written, the model is told which file, the step is an error', async () => {
    writeTurn();
    const f = fakeHost({ answer: () => PROPOSED, confirm: (p) => ({ written: false, paths: p.files.map((x) => x.path), reason: 'exists', detail: p.files[0].path }) });
    await new ChatSession(f.host, f.post).receive({ type: 'send', text: 'write it' });
    const [tr] = toolResults(stand.requests[1].body);
    assert.match(tr.content, /^migrations\/0005_add_orders_customer_id_index\.up\.sql exists; nothing was written/);
    assert.equal(tr.is_error, true);
    assert.equal(steps(f).at(-1)!.state, 'error');
  });

  test('no way to ask (a host without confirmWrite): only proposed, nothing written', async () => {
    writeTurn();
    const f = fakeHost({ answer: () => PROPOSED });
    await new ChatSession(f.host, f.post).receive({ type: 'send', text: 'write it' });
    const [tr] = toolResults(stand.requests[1].body);
    assert.match(tr.content, /^The files were only proposed .*nothing was written/);
  });

  test('confirmWrite failing is reported as nothing written, not thrown', async () => {
    writeTurn();
    const f = fakeHost({ answer: () => PROPOSED, confirm: () => { throw new Error('disk full'); } });
    await new ChatSession(f.host, f.post).receive({ type: 'send', text: 'write it' });
    const [tr] = toolResults(stand.requests[1].body);
    assert.match(tr.content, /^Nothing was written: the editor could not create .*\(disk full\)/);
    assert.equal(last(f, 'done').type, 'done');
  });
});
