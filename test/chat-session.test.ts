// The chat panel's core (client/src/chat/session.ts) in plain Node: webview messages in, protocol
// messages out, the real @anthropic-ai/sdk talking to the local Messages API stand-in. What a user of
// the panel sees: streamed text in order, usage with cache reads, errors that say what to do and give
// the question back, Stop, retry, history that survives a reload, the persona picker.
import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChatSession, type ChatHost, type ContextTarget, type StoredChat } from '../client/src/chat/session';
import type { ChatContextResult } from '../server/src/lsp/chat-protocol';
import { nextMigrationName, slug } from '../client/src/chat/new-migration';
import type { CodeAction, ToWebview } from '../client/src/chat/protocol';
import { buildContext } from '../server/src/chat/context';
import { SLASH_COMMANDS } from '../server/src/chat/commands';
import { loadSystemPrompt } from '../server/src/chat/persona-source';
import { RULES_BY_ID } from '../server/src/rules';
import type { Persona } from '../server/src/persona';
import { apiError, pause, StandIn, streamAnswer } from './anthropic-standin';
import { projectFor, ready, ROOT } from './helpers';

const SHOP = path.join(ROOT, 'test', 'fixtures', 'chat', 'shop');
const REPORT = path.join(SHOP, 'queries', 'report.sql');
const KEY = 'sk-ant-test-PANEL-0123456789abcdef';

const stand = new StandIn();
let builtIn: Persona;
const custom: Persona = { name: 'strict-reviewer', description: 'Only blocking issues', body: 'You flag only blocking issues.', source: '/ws/.dbe/agents/strict.md' };

before(async () => {
  await ready();
  await stand.start();
  builtIn = { name: 'database-engineer', description: 'built in', body: loadSystemPrompt().text, source: 'agents', builtIn: true };
});
after(async () => { await stand.stop(); });

interface Fake {
  host: ChatHost;
  post: (m: ToWebview) => void;
  posted: ToWebview[];
  store: { chat?: StoredChat };
  targets: (ContextTarget | undefined)[];
  codes: [CodeAction, string, string | undefined][];
  key: { value: string | undefined };
  setKeyCalls: number;
}

function fakeHost(store: { chat?: StoredChat } = {}): Fake {
  const project = projectFor(SHOP);
  const f: Fake = { post: (m) => { f.posted.push(JSON.parse(JSON.stringify(m))); }, posted: [], store, targets: [], codes: [], key: { value: KEY }, setKeyCalls: 0, host: undefined as any };
  f.host = {
    apiKey: async () => f.key.value,
    settings: () => ({ model: 'claude-test-model', maxTokens: 777, baseURL: stand.url, timeoutMs: 3000 }),
    context: async (target) => {
      f.targets.push(target);
      const c = buildContext(project, { file: REPORT, budgetChars: 12_000, label: 'queries/report.sql' });
      const out: ChatContextResult = { chips: c.chips, text: c.text };
      if (target?.rule) { out.rationale = RULES_BY_ID.get(target.rule)?.meta.rationale; out.statement = 'SELECT * FROM orders o'; }
      return out;
    },
    personas: () => [builtIn, custom],
    trusted: () => true,
    loadChat: () => (store.chat ? JSON.parse(JSON.stringify(store.chat)) : undefined),
    saveChat: (c) => { store.chat = JSON.parse(JSON.stringify(c)); },
    code: async (a, c, l) => { f.codes.push([a, c, l]); },
    setKey: async () => { f.setKeyCalls++; f.key.value = KEY; },
  };
  return f;
}

const types = (f: Fake) => f.posted.map((m) => m.type);
const last = <T extends ToWebview['type']>(f: Fake, t: T) => [...f.posted].reverse().find((m) => m.type === t) as Extract<ToWebview, { type: T }>;

beforeEach(() => stand.reset((_q, res) => { void streamAnswer(res, ['ok']); }));

describe('chat panel session', () => {
  test('ready: personas, model, history and the context chips go to the webview', async () => {
    const f = fakeHost();
    const s = new ChatSession(f.host, f.post);
    await s.receive({ type: 'ready' });
    assert.deepEqual(types(f), ['init', 'context']);
    const init = last(f, 'init');
    assert.deepEqual(init.personas.map((p) => p.name), ['database-engineer', 'strict-reviewer']);
    assert.equal(init.persona, 'database-engineer');
    assert.equal(init.model, 'claude-test-model');
    assert.deepEqual(init.history, []);
    assert.deepEqual(last(f, 'context').chips.map((c) => c.kind), ['file', 'schema', 'findings']);
  });

  test('a question streams into start, deltas in order, usage with cache reads, done; the request is the persona plus context', async () => {
    stand.reset((_q, res) => { void streamAnswer(res, ['Use ', 'an index ', 'on `customer_id`.']); });
    const f = fakeHost();
    const s = new ChatSession(f.host, f.post);
    await s.receive({ type: 'send', text: 'Why is the report slow?' });
    assert.deepEqual(types(f), ['start', 'delta', 'delta', 'delta', 'usage', 'done']);
    const start = last(f, 'start');
    assert.equal(start.question, 'Why is the report slow?');
    const deltas = f.posted.filter((m): m is Extract<ToWebview, { type: 'delta' }> => m.type === 'delta');
    assert.equal(deltas.map((d) => d.text).join(''), 'Use an index on `customer_id`.');
    assert.ok(deltas.every((d) => d.id === start.id));
    assert.deepEqual(last(f, 'usage').usage, { input: 42, output: 17, cacheRead: 1800, cacheWrite: 0 });

    const body = stand.requests[0].body;
    assert.equal(body.model, 'claude-test-model');
    assert.equal(body.max_tokens, 777);
    assert.equal(body.system[0].text, builtIn.body);
    assert.deepEqual(body.system[0].cache_control, { type: 'ephemeral' });
    assert.match(body.messages[0].content[0].text, /TABLE public\.orders/);
    assert.deepEqual(body.messages[0].content[0].cache_control, { type: 'ephemeral' });
    assert.equal(body.messages[0].content[1].text, 'Why is the report slow?');

    assert.deepEqual(f.store.chat!.turns.map((t) => [t.role, t.text]), [['user', 'Why is the report slow?'], ['assistant', 'Use an index on `customer_id`.']]);
    assert.equal(f.store.chat!.turns[1].usage!.cacheRead, 1800);
    assert.equal(s.busy, false);
  });

  test('a follow-up carries the earlier exchange; a slash command sends its expansion but shows what was typed', async () => {
    const f = fakeHost();
    const s = new ChatSession(f.host, f.post);
    stand.reset((_q, res) => { void streamAnswer(res, ['first answer']); });
    await s.receive({ type: 'send', text: '/index' });
    const sentIndex = stand.requests[0].body.messages[0].content[1].text as string;
    assert.equal(sentIndex, SLASH_COMMANDS.find((c) => c.name === 'index')!.question);
    assert.equal(last(f, 'start').question, '/index');

    stand.reset((_q, res) => { void streamAnswer(res, ['second']); });
    await s.receive({ type: 'send', text: 'and for the daily query?' });
    const msgs = stand.requests[0].body.messages;
    assert.deepEqual(msgs.map((m: any) => m.role), ['user', 'assistant', 'user']);
    assert.equal(msgs[0].content[1].text, sentIndex, 'history holds the expanded question');
    assert.equal(msgs[1].content, 'first answer');
    assert.equal(msgs[2].content, 'and for the daily query?');
  });

  test('no key: nothing is sent, the error offers "Set API key", the question is kept; Retry after setting it answers', async () => {
    const f = fakeHost();
    f.key.value = undefined;
    const s = new ChatSession(f.host, f.post);
    await s.receive({ type: 'send', text: 'Is this migration safe?' });
    assert.equal(stand.requests.length, 0);
    const err = last(f, 'error');
    assert.equal(err.action, 'setKey');
    assert.match(err.message, /No Anthropic API key/);
    assert.equal(f.store.chat!.turns[0].text, 'Is this migration safe?', 'the question is not lost');

    await s.receive({ type: 'setKey' });
    assert.equal(f.setKeyCalls, 1);
    await s.receive({ type: 'retry' });
    assert.equal(stand.requests.length, 1);
    assert.equal(last(f, 'done').type, 'done');
    assert.deepEqual(f.store.chat!.turns.map((t) => [t.role, t.text, t.error]), [['user', 'Is this migration safe?', undefined], ['assistant', 'ok', undefined]],
      'the retry replaced the failed exchange');
  });

  test('401: "key rejected" with Set API key, and the key never reaches the webview', async () => {
    stand.reset((_q, res) => apiError(res, 401, 'authentication_error', `invalid x-api-key ${KEY}`));
    const f = fakeHost();
    const s = new ChatSession(f.host, f.post);
    await s.receive({ type: 'send', text: 'hello' });
    const err = last(f, 'error');
    assert.equal(err.action, 'setKey');
    assert.match(err.message, /rejected the API key \(401\)/);
    assert.ok(!JSON.stringify(f.posted).includes(KEY));
    assert.ok(!JSON.stringify(f.store.chat).includes(KEY));
  });

  test('429 then an answer: the retry is shown with its delay, then the text streams', async () => {
    let n = 0;
    stand.reset((_q, res) => {
      if (n++ === 0) apiError(res, 429, 'rate_limit_error', 'slow down', { 'retry-after-ms': '20' });
      else void streamAnswer(res, ['after the wait']);
    });
    const f = fakeHost();
    await new ChatSession(f.host, f.post).receive({ type: 'send', text: 'q' });
    assert.deepEqual(types(f), ['start', 'retry', 'delta', 'usage', 'done']);
    const r = last(f, 'retry');
    assert.equal(r.reason, 'rate-limited');
    assert.equal(r.delayMs, 20);
    assert.equal(r.attempt, 1);
  });

  test('offline: a message saying so with Retry', async () => {
    const f = fakeHost();
    const dead = { ...f.host, settings: () => ({ model: 'm', maxTokens: 10, baseURL: 'http://127.0.0.1:9', timeoutMs: 3000 }) };
    await new ChatSession(dead, f.post).receive({ type: 'send', text: 'q' });
    const err = last(f, 'error');
    assert.equal(err.action, 'retry');
    assert.match(err.message, /cannot reach the Anthropic API/i);
  });

  test('Stop mid-stream keeps the partial answer and says it stopped; the next question works', async () => {
    stand.reset((_q, res) => { void streamAnswer(res, ['partial ', 'never'], { holdAfter: 1 }); });
    const f = fakeHost();
    const s = new ChatSession(f.host, f.post);
    const sending = s.receive({ type: 'send', text: 'long question' });
    for (let i = 0; i < 200 && !f.posted.some((m) => m.type === 'delta'); i++) await pause(10);
    assert.equal(s.busy, true);
    await s.receive({ type: 'send', text: 'ignored while busy' });
    await s.receive({ type: 'stop' });
    await sending;
    const err = last(f, 'error');
    assert.equal(err.message, 'Stopped.');
    assert.equal(err.action, undefined);
    assert.equal(f.store.chat!.turns[1].text, 'partial ');
    assert.equal(f.store.chat!.turns.length, 2, 'the question sent while busy was not queued');

    stand.reset((_q, res) => { void streamAnswer(res, ['fresh']); });
    await s.receive({ type: 'send', text: 'again' });
    assert.equal(last(f, 'done').type, 'done');
    // The stopped exchange is not history for the model.
    assert.deepEqual(stand.requests[0].body.messages.map((m: any) => m.role), ['user']);
  });

  test('unknown slash command and malformed messages: nothing sent, nothing thrown', async () => {
    const f = fakeHost();
    const s = new ChatSession(f.host, f.post);
    await s.receive({ type: 'send', text: '/frobnicate now' });
    assert.match(last(f, 'error').message, /unknown command \/frobnicate/);
    for (const bad of [null, 42, 'send', {}, { type: 'send' }, { type: 'send', text: '   ' }, { type: 'code', action: 'rm -rf', code: 'x' }, { type: 'eval', code: '1' }]) {
      await s.receive(bad);
    }
    assert.equal(stand.requests.length, 0);
    assert.equal(f.posted.length, 1);
    assert.equal(f.codes.length, 0);
  });

  test('persona picker: the chosen persona is the system prompt, and is remembered; unknown names are ignored', async () => {
    const store: { chat?: StoredChat } = {};
    const f = fakeHost(store);
    const s = new ChatSession(f.host, f.post);
    await s.receive({ type: 'pickPersona', name: 'no-such-persona' });
    await s.receive({ type: 'pickPersona', name: 'strict-reviewer' });
    await s.receive({ type: 'send', text: 'review' });
    assert.equal(stand.requests[0].body.system[0].text, custom.body);

    const again = fakeHost(store);
    await new ChatSession(again.host, again.post).receive({ type: 'ready' });
    const init = last(again, 'init');
    assert.equal(init.persona, 'strict-reviewer');
    assert.deepEqual(init.history.map((t) => t.text), ['review', 'ok'], 'history survives a reload');
    assert.equal(init.history[1].usage!.output, 17);
  });

  test('"Ask DB Engineer about <rule>": the input is prefilled and the question carries the statement and rationale', async () => {
    const f = fakeHost();
    const s = new ChatSession(f.host, f.post);
    const range = { start: { line: 1, character: 0 }, end: { line: 1, character: 8 } };
    await s.askAbout({ uri: 'file:///shop/queries/report.sql', range, rule: 'select-star', message: 'SELECT * returns every column' });
    const pre = last(f, 'prefill');
    assert.match(pre.text, /select-star/);
    assert.match(pre.text, /SELECT \* returns every column/);
    await s.receive({ type: 'send', text: pre.text });
    assert.deepEqual(f.targets.at(-1), { uri: 'file:///shop/queries/report.sql', range, rule: 'select-star' });
    const ctx = stand.requests[0].body.messages[0].content[0].text as string;
    assert.match(ctx, /The finding the user asks about:\n```sql\nSELECT \* FROM orders o\n```/);
    assert.ok(ctx.includes(RULES_BY_ID.get('select-star')!.meta.rationale));
    // Answered: the next question is about the editor again.
    await s.receive({ type: 'send', text: 'next' });
    assert.equal(f.targets.at(-1), undefined);
  });

  test('code-block actions go to the host; New chat clears the panel and the stored history', async () => {
    const f = fakeHost();
    const s = new ChatSession(f.host, f.post);
    await s.receive({ type: 'send', text: 'q' });
    await s.receive({ type: 'code', action: 'saveMigration', code: 'CREATE INDEX CONCURRENTLY i ON t (a);', lang: 'sql' });
    await s.receive({ type: 'code', action: 'insert', code: 'SELECT 1;' });
    assert.deepEqual(f.codes, [['saveMigration', 'CREATE INDEX CONCURRENTLY i ON t (a);', 'sql'], ['insert', 'SELECT 1;', undefined]]);
    await s.receive({ type: 'newChat' });
    assert.equal(last(f, 'cleared').type, 'cleared');
    assert.deepEqual(f.store.chat!.turns, []);
  });
});

describe('"Save as new migration" names', () => {
  const now = new Date(Date.UTC(2026, 11, 1, 9, 5, 7));
  test('follows the folder: numbered, Flyway, golang-migrate, timestamped, Diesel, or a plain timestamp', () => {
    assert.deepEqual(nextMigrationName(['001_init.sql', '002_orders.sql', 'README.md'], '-- Add index', now), { up: '003_add_index.sql', convention: 'numbered' });
    assert.deepEqual(nextMigrationName(['V1__init.sql', 'V12__orders.sql'], 'Add index', now), { up: 'V13__add_index.sql', convention: 'flyway' });
    assert.deepEqual(nextMigrationName(['000001_init.up.sql', '000001_init.down.sql', '000002_x.up.sql'], 'idx', now),
      { up: '000003_idx.up.sql', down: '000003_idx.down.sql', convention: 'golang-migrate' });
    assert.deepEqual(nextMigrationName(['20240101120000_init.sql', '20240301120000_more.sql'], 'idx', now), { up: '20261201090507_idx.sql', convention: 'timestamp' });
    assert.deepEqual(nextMigrationName(['2019-02-26-002946_create_user/', '2019-03-01-000000_post/'], 'idx', now),
      { up: '2026-12-01-090507_idx/up.sql', down: '2026-12-01-090507_idx/down.sql', convention: 'diesel' });
    assert.deepEqual(nextMigrationName(['schema.sql', 'notes.txt'], 'idx', now), { up: '20261201090507_idx.sql', convention: 'plain' });
    assert.equal(slug('  Ünïcode & *stuff* '), 'n_code_stuff');
    assert.equal(slug('***'), 'dbe_suggestion');
  });
});

describe('extension manifest for the chat', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  test('the @dbe participant offers exactly the slash commands the panel knows', () => {
    const cmds = pkg.contributes.chatParticipants[0].commands.map((c: any) => c.name).sort();
    assert.deepEqual(cmds, SLASH_COMMANDS.map((c) => c.name).sort());
  });
  test('the chat view lives in the extension\'s own container; the base URL is application-scoped; the key is not a setting', () => {
    assert.equal(pkg.contributes.viewsContainers.activitybar[0].id, 'dbEngineer');
    assert.equal(pkg.contributes.views.dbEngineer[0].type, 'webview');
    assert.equal(pkg.contributes.configuration.properties['dbEngineer.chat.baseUrl'].scope, 'application');
    assert.ok(!Object.keys(pkg.contributes.configuration.properties).some((k) => /key/i.test(k)));
    for (const f of ['dist/webview.js', 'media/**']) assert.ok(fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').includes(`!${f}`), `${f} is packaged`);
  });
  test('client/src/chat/session.ts and new-migration.ts are editor-free (they run here, in plain Node)', () => {
    for (const f of ['session.ts', 'new-migration.ts', 'protocol.ts']) {
      assert.doesNotMatch(fs.readFileSync(path.join(ROOT, 'client', 'src', 'chat', f), 'utf8'), /from 'vscode'/);
    }
  });

  test('the webview\'s "trust this folder" reaches the host, which opens VS Code\'s trust editor', async () => {
    const f = fakeHost();
    let asked = 0;
    f.host.manageTrust = async () => { asked++; };
    const s = new ChatSession(f.host, f.post);
    await s.receive({ type: 'manageTrust' });
    assert.equal(asked, 1);
    const { isFromWebview } = await import('../client/src/chat/protocol');
    assert.equal(isFromWebview({ type: 'manageTrust' }), true);
  });
});
