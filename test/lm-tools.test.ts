// VS Code's Language Model API, in plain Node against test/fake-vscode.ts plus a small vscode.lm fake
// (registerTool, tools, invokeTool running the registered tool, the message and part classes):
// Copilot's agent mode gets DB Engineer's tools (each runs in the language server through
// dbEngineer/agentTool), write_migration creates files only after the confirmation that shows them,
// and @dbe without an Anthropic key answers with the model picked in Copilot Chat, calling our tools.
import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fakeEditor, installFakeVscode, makeContext, rec } from './fake-vscode';
import { ROOT } from './helpers';
import { StandIn, streamAnswer, streamToolUse } from './anthropic-standin';
import { TOOL_NAMES } from '../server/src/agent/tool';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const vscode = installFakeVscode() as any;

// ---- the Language Model API, as far as these tests need it ----
class LanguageModelTextPart { constructor(readonly value: string) {} }
class LanguageModelToolCallPart { constructor(readonly callId: string, readonly name: string, readonly input: object) {} }
class LanguageModelToolResultPart { constructor(readonly callId: string, readonly content: any[]) {} }
class LanguageModelToolResult { constructor(readonly content: unknown[]) {} }
class MarkdownString { constructor(readonly value: string) {} }
const LanguageModelChatMessage = {
  User: (content: unknown) => ({ role: 'user', content }),
  Assistant: (content: unknown) => ({ role: 'assistant', content }),
};
const registered = new Map<string, any>();
/** What the user answers to a tool's confirmation (true: Allow). */
let confirmAnswer = true;
const prepared: { name: string; prepared: any }[] = [];
const invoked: { name: string; options: any }[] = [];
const lm = {
  tools: [] as { name: string; description: string; inputSchema: unknown; tags: string[] }[],
  registerTool(name: string, tool: any) {
    registered.set(name, tool);
    const d = pkg.contributes.languageModelTools.find((t: any) => t.name === name);
    lm.tools.push({ name, description: d.modelDescription, inputSchema: d.inputSchema, tags: d.tags });
    return { dispose() { registered.delete(name); } };
  },
  // As VS Code does: prepareInvocation, the confirmation when one is asked for, then invoke.
  async invokeTool(name: string, options: any, token: any) {
    invoked.push({ name, options });
    const tool = registered.get(name);
    if (!tool) throw new Error(`Tool ${name} was not contributed`);
    const p = await tool.prepareInvocation?.({ input: options.input }, token);
    prepared.push({ name, prepared: p });
    if (p?.confirmationMessages && !confirmAnswer) throw new Error('The user cancelled the tool call.');
    return tool.invoke(options, token);
  },
};
Object.assign(vscode, { lm, LanguageModelTextPart, LanguageModelToolCallPart, LanguageModelToolResultPart, LanguageModelToolResult, LanguageModelChatMessage, MarkdownString });
// other extensions' tools, one with our prefix: never offered to the model by @dbe
lm.tools.push({ name: 'copilot_runInTerminal', description: 'Runs a command in the terminal', inputSchema: {}, tags: [] });
lm.tools.push({ name: 'dbe_drop_everything', description: 'Another extension\'s tool', inputSchema: {}, tags: ['dbe'] });

// The fake language client records the cancellation token given with a request.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lc = require('vscode-languageclient/node');
const tokens: unknown[] = [];
const origSend = lc.LanguageClient.prototype.sendRequest;
lc.LanguageClient.prototype.sendRequest = function (method: string, params: any, token?: unknown) { tokens.push(token); return origSend.call(this, method, params); };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ext = require('../client/src/extension') as typeof import('../client/src/extension');
const context = makeContext(ROOT);
context.extension.packageJSON = pkg;
const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
const textOf = (r: any) => r.content.map((p: any) => p.value).join('');
const agentCalls = () => rec.requests.filter((r) => r.method === 'dbEngineer/agentTool');

before(async () => { await ext.activate(context); });
after(async () => { await ext.deactivate(); });
beforeEach(() => {
  rec.requests.length = 0; rec.applied.length = 0; rec.files.clear(); tokens.length = 0; prepared.length = 0; invoked.length = 0;
  rec.answers.delete('dbEngineer/agentTool');
  vscode.workspace.isTrusted = true;
  confirmAnswer = true;
  rec.activeEditor = fakeEditor('/ws/queries/q.sql', 'SELECT * FROM orders;');
});

const PROPOSED = {
  title: 'add orders customer index',
  files: [
    { uri: 'file:///ws/migrations/006_add_orders_customer_index.sql', path: 'migrations/006_add_orders_customer_index.sql', text: 'CREATE INDEX orders_customer_id_idx ON orders (customer_id);\n' },
    { uri: 'file:///ws/migrations/006_add_orders_customer_index.down.sql', path: 'migrations/006_add_orders_customer_index.down.sql', text: 'DROP INDEX orders_customer_id_idx;\n' },
  ],
};
const WRITE_INPUT = { title: 'add orders customer index', up: 'CREATE INDEX orders_customer_id_idx ON orders (customer_id);', down: 'DROP INDEX orders_customer_id_idx;' };

describe('Language Model tools (Copilot agent mode)', () => {
  test('every tool of package.json languageModelTools is registered under its dbe_ name', () => {
    assert.deepEqual([...registered.keys()], pkg.contributes.languageModelTools.map((t: any) => t.name));
    assert.equal(registered.size, 9);
  });

  test('a call runs in the language server for the active SQL file, with the cancellation token; the model reads the text', async () => {
    rec.answers.set('dbEngineer/agentTool', (p: any) => ({ text: `plan for ${p.input.sql}: Seq Scan cost 248`, summary: 'explained the query: cost 248' }));
    const r = await registered.get('dbe_explain_query').invoke({ input: { sql: 'SELECT 1' }, toolInvocationToken: undefined }, token);
    assert.ok(r instanceof LanguageModelToolResult);
    assert.ok(r.content[0] instanceof LanguageModelTextPart);
    assert.equal(textOf(r), 'plan for SELECT 1: Seq Scan cost 248');
    assert.deepEqual(agentCalls()[0].params, { name: 'explain_query', input: { sql: 'SELECT 1' }, uri: 'file:///ws/queries/q.sql' });
    assert.equal(tokens[0], token, 'the token goes with the request, so cancelling cancels it in the server');
  });

  test('each tool says what it is doing while it runs', async () => {
    const msg = async (name: string, input: object) => (await registered.get(name).prepareInvocation({ input }, token)).invocationMessage;
    assert.equal(await msg('dbe_explain_query', { sql: 'SELECT 1' }), 'Explaining the query in the sandbox…');
    assert.equal(await msg('dbe_describe_table', { table: 'orders' }), 'Describing table orders…');
    assert.equal(await msg('dbe_validate_migration', { up: 'x' }), 'Validating the migration and its rollback in the sandbox…');
    for (const name of registered.keys()) assert.doesNotMatch(await msg(name, {}), /^Running /, `${name} has its own message`);
    assert.deepEqual(agentCalls().map((c) => c.params.name), ['write_migration'], 'only write_migration asks the server (for the files to confirm) before it runs');
  });

  test('a failing server is one line the model can read, not a throw with a stack', async () => {
    rec.answers.set('dbEngineer/agentTool', () => { throw new Error('Request dbEngineer/agentTool failed.\n    at Connection.handle (rpc.js:12)'); });
    const r = await registered.get('dbe_list_tables').invoke({ input: {} }, token);
    assert.equal(textOf(r), 'list_tables failed in DB Engineer\'s language server: Request dbEngineer/agentTool failed.');
  });

  test('write_migration: the confirmation shows each file and its SQL; once allowed, the files are created, never over an existing one', async () => {
    rec.answers.set('dbEngineer/agentTool', () => ({ text: 'proposed', summary: 'proposed 2 files', proposed: PROPOSED }));
    const r = await vscode.lm.invokeTool('dbe_write_migration', { input: WRITE_INPUT, toolInvocationToken: undefined }, token);
    const conf = prepared[0].prepared.confirmationMessages;
    assert.equal(conf.title, 'Create migration: add orders customer index');
    assert.ok(conf.message instanceof MarkdownString);
    assert.match(conf.message.value, /\*\*migrations\/006\\_add\\_orders\\_customer\\_index\\\.sql\*\*\n\n```sql\nCREATE INDEX orders_customer_id_idx ON orders \(customer_id\);\n```/);
    assert.match(conf.message.value, /DROP INDEX orders_customer_id_idx;/);
    const ops = rec.applied[0];
    assert.deepEqual(ops.map((o: any) => [o.op, o.uri, o.opts.overwrite, o.opts.ignoreIfExists, new TextDecoder().decode(o.opts.contents)]), PROPOSED.files.map((f) => ['create', f.uri, false, false, f.text]));
    assert.equal(textOf(r), 'Written: migrations/006_add_orders_customer_index.sql, migrations/006_add_orders_customer_index.down.sql. Tell the user which files were created; they are not applied to any database.');
  });

  test('write_migration: declined in Copilot\'s confirmation, nothing is created', async () => {
    rec.answers.set('dbEngineer/agentTool', () => ({ text: 'proposed', summary: 'proposed', proposed: PROPOSED }));
    confirmAnswer = false;
    await assert.rejects(vscode.lm.invokeTool('dbe_write_migration', { input: WRITE_INPUT }, token));
    assert.equal(rec.applied.length, 0);
  });

  test('write_migration: an existing file stops the whole write', async () => {
    rec.answers.set('dbEngineer/agentTool', () => ({ text: 'proposed', summary: 'proposed', proposed: PROPOSED }));
    rec.files.set(PROPOSED.files[1].uri, 'old rollback');
    const r = await vscode.lm.invokeTool('dbe_write_migration', { input: WRITE_INPUT }, token);
    assert.equal(rec.applied.length, 0);
    assert.match(textOf(r), /^Not written: migrations\/006_add_orders_customer_index\.down\.sql already exists/);
  });

  test('write_migration: files that were not the ones confirmed are not written', async () => {
    let n = 0;
    rec.answers.set('dbEngineer/agentTool', () => ({ text: 'proposed', summary: 'proposed', proposed: n++ === 0 ? PROPOSED : { ...PROPOSED, files: [{ ...PROPOSED.files[0], uri: 'file:///ws/migrations/007_x.sql', path: 'migrations/007_x.sql' }] } }));
    const r = await vscode.lm.invokeTool('dbe_write_migration', { input: WRITE_INPUT }, token);
    assert.equal(rec.applied.length, 0);
    assert.match(textOf(r), /changed after the user confirmed them/);
    // and an invoke that never went through the confirmation writes nothing either
    const r2 = await registered.get('dbe_write_migration').invoke({ input: { ...WRITE_INPUT, title: 'other' } }, token);
    assert.equal(rec.applied.length, 0);
    assert.match(textOf(r2), /^Not written: the files were not shown to the user/);
  });

  test('write_migration: SQL holding a code fence cannot break out of the confirmation\'s code block', async () => {
    const files = [{ uri: 'file:///ws/m/1.sql', path: 'm/1.sql', text: 'SELECT 1; -- ```\n**Allow** [x](command:evil)\n' }];
    rec.answers.set('dbEngineer/agentTool', () => ({ text: 'p', summary: 'p', proposed: { title: 't', files } }));
    const p = await registered.get('dbe_write_migration').prepareInvocation({ input: { title: 't', up: 'x' } }, token);
    assert.match(p.confirmationMessages.message.value, /\n````sql\nSELECT 1; -- ```\n\*\*Allow\*\* \[x\]\(command:evil\)\n````$/);
  });

  test('Restricted Mode: write_migration refuses without asking the server; sandbox tools pass on the server\'s answer', async () => {
    vscode.workspace.isTrusted = false;
    rec.answers.set('dbEngineer/agentTool', () => ({ text: 'The workspace is in Restricted Mode: the sandbox (and so this tool) runs only in trusted workspaces.', summary: 'off', isError: true }));
    const p = await registered.get('dbe_write_migration').prepareInvocation({ input: WRITE_INPUT }, token);
    assert.equal(p.confirmationMessages, undefined);
    const r = await registered.get('dbe_write_migration').invoke({ input: WRITE_INPUT }, token);
    assert.match(textOf(r), /^Not written: the workspace is in Restricted Mode/);
    assert.equal(agentCalls().length, 0);
    assert.equal(rec.applied.length, 0);
    const e = await registered.get('dbe_explain_query').invoke({ input: { sql: 'SELECT 1' } }, token);
    assert.match(textOf(e), /Restricted Mode/);
  });
});

// ---- @dbe with the model picked in Copilot Chat ----

interface FakeModel { name: string; vendor: string; requests: { messages: any[]; options: any }[]; sendRequest(m: any[], o: any, t: any): Promise<any> }
/** A model that answers each request with the next script entry (parts streamed in order). */
function fakeModel(script: ((req: { messages: any[]; options: any }) => unknown[])[]): FakeModel {
  const m: FakeModel = {
    name: 'GPT-Test', vendor: 'copilot', requests: [],
    async sendRequest(messages, options) {
      const req = { messages: [...messages], options };
      m.requests.push(req);
      const parts = (script[m.requests.length - 1] ?? script.at(-1)!)(req);
      return { stream: (async function* () { for (const p of parts) yield p; })() };
    },
  };
  return m;
}
async function askDbe(model: FakeModel, prompt: string) {
  const md: string[] = [], progress: string[] = [], buttons: unknown[] = [];
  const stream = { markdown: (t: string) => md.push(t), progress: (t: string) => progress.push(t), button: (b: unknown) => buttons.push(b) };
  const p = rec.participants.get('dbEngineer.dbe')!;
  const saved = process.env.ANTHROPIC_API_KEY;
  delete process.env.ANTHROPIC_API_KEY;
  rec.secrets.clear();
  try {
    const res = await p.handler({ prompt, model, toolInvocationToken: 'TOKEN-1' }, { history: [] }, stream, token);
    return { res, md, progress, buttons };
  } finally {
    if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
  }
}

describe('@dbe with the model picked in Copilot Chat (no Anthropic key)', () => {
  test('the model asks for a tool, VS Code runs it, the result goes back, the answer streams', async () => {
    rec.answers.set('dbEngineer/agentTool', (p: any) => (p.name === 'list_tables' ? { text: 'orders (5 columns), users (4 columns)', summary: 'listed 2 tables' } : { text: '?', summary: '?', isError: true }));
    const model = fakeModel([
      () => [new LanguageModelTextPart('Let me look. '), new LanguageModelToolCallPart('call-1', 'dbe_list_tables', {})],
      () => [new LanguageModelTextPart('There are two tables: '), new LanguageModelTextPart('orders and users.')],
    ]);
    const { res, md, progress } = await askDbe(model, 'which tables are there?');
    assert.equal(md.join(''), 'Let me look. There are two tables: orders and users.');
    assert.equal(model.requests.length, 2);
    // only our tools are offered, never another extension's
    assert.deepEqual(model.requests[0].options.tools.map((t: any) => t.name), pkg.contributes.languageModelTools.map((t: any) => t.name));
    assert.ok(model.requests[0].options.tools.every((t: any) => t.inputSchema && t.description));
    // the call went through vscode.lm.invokeTool with the request's token, so VS Code shows it
    assert.deepEqual(invoked.map((i) => [i.name, i.options.toolInvocationToken]), [['dbe_list_tables', 'TOKEN-1']]);
    const second = model.requests[1].messages;
    const asked = second.at(-2), answered = second.at(-1);
    assert.equal(asked.role, 'assistant');
    assert.ok(asked.content.some((p: any) => p instanceof LanguageModelToolCallPart && p.callId === 'call-1'));
    assert.equal(answered.role, 'user');
    assert.ok(answered.content[0] instanceof LanguageModelToolResultPart);
    assert.equal(answered.content[0].callId, 'call-1');
    assert.equal(answered.content[0].content[0].value, 'orders (5 columns), users (4 columns)');
    // the persona and the context open the conversation; the question comes last in the first request
    assert.match(model.requests[0].messages[0].content, /<context>\nFILE q\.sql\n<\/context>/);
    assert.equal(model.requests[0].messages.at(-1).content, 'which tables are there?');
    assert.ok(progress.includes('Asking GPT-Test (copilot) with DB Engineer\'s tools…'), JSON.stringify(progress));
    assert.ok(progress.includes('Listing the project\'s tables…'));
    assert.deepEqual(res.metadata, { model: 'GPT-Test (copilot)', toolCalls: ['list_tables'] });
  });

  test('a tool the model was not offered is not run; it reads why', async () => {
    const model = fakeModel([
      () => [new LanguageModelToolCallPart('c1', 'copilot_runInTerminal', { command: 'psql -c "DROP TABLE orders"' })],
      () => [new LanguageModelTextPart('I cannot run that.')],
    ]);
    const { md } = await askDbe(model, 'drop orders');
    assert.equal(invoked.length, 0);
    assert.match(model.requests[1].messages.at(-1).content[0].content[0].value, /^There is no tool "copilot_runInTerminal" here; the tools are: dbe_list_tables, /);
    assert.equal(md.join(''), 'I cannot run that.');
  });

  test('at most 8 tool calls a turn: then the model is asked without tools, and the user is told', async () => {
    rec.answers.set('dbEngineer/agentTool', () => ({ text: 'orders', summary: 'listed' }));
    let n = 0;
    const model = fakeModel([(req) => (req.options.tools ? [new LanguageModelToolCallPart(`c${n++}`, 'dbe_list_tables', {})] : [new LanguageModelTextPart('Done.')])]);
    const { md, res } = await askDbe(model, 'loop');
    assert.equal(invoked.length, 8);
    assert.equal(model.requests.length, 9);
    assert.equal(model.requests[8].options.tools, undefined);
    assert.equal(res.metadata.toolCalls.length, 8);
    assert.match(md.join(''), /^Done\./);
  });

  test('a declined or failing tool call becomes a line the model reads; the turn goes on', async () => {
    rec.answers.set('dbEngineer/agentTool', () => ({ text: 'proposed', summary: 'proposed', proposed: PROPOSED }));
    confirmAnswer = false;
    const model = fakeModel([
      () => [new LanguageModelToolCallPart('w1', 'dbe_write_migration', WRITE_INPUT)],
      () => [new LanguageModelTextPart('Not written, as you asked.')],
    ]);
    const { md } = await askDbe(model, 'write it');
    assert.equal(rec.applied.length, 0);
    assert.equal(model.requests[1].messages.at(-1).content[0].content[0].value, 'dbe_write_migration did not run: The user cancelled the tool call.');
    assert.equal(md.join(''), 'Not written, as you asked.');
  });

  test('without a picked model (an older editor) and without a key, @dbe still offers Set API key', async () => {
    const p = rec.participants.get('dbEngineer.dbe')!;
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    const buttons: unknown[] = [];
    try {
      const r = await p.handler({ prompt: 'hi' }, { history: [] }, { markdown() {}, progress() {}, button: (b: unknown) => buttons.push(b) }, token);
      assert.match(r.errorDetails.message, /no Anthropic API key/);
      assert.deepEqual(buttons, [{ command: 'dbEngineer.setApiKey', title: 'Set API key' }]);
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});

// ---- @dbe with an Anthropic key: the agent loop, its tool calls shown by VS Code ----

describe('@dbe with an Anthropic key (the agent loop)', () => {
  const stand = new StandIn();
  const KEY = 'sk-ant-test-LM-0123456789';
  before(async () => { await stand.start(); rec.config['dbEngineer.chat.baseUrl'] = stand.url; });
  after(async () => { await stand.stop(); delete rec.config['dbEngineer.chat.baseUrl']; rec.secrets.clear(); });

  async function ask(prompt: string) {
    rec.secrets.set('dbEngineer.anthropicApiKey', KEY);
    const md: string[] = [], progress: string[] = [];
    const stream = { markdown: (t: string) => md.push(t), progress: (t: string) => progress.push(t), button: () => {} };
    const res = await rec.participants.get('dbEngineer.dbe')!.handler({ prompt, model: fakeModel([() => [new LanguageModelTextPart('not me')]]), toolInvocationToken: 'TOKEN-2' }, { history: [] }, stream, token);
    return { res, md, progress };
  }

  test('each tool_use goes through vscode.lm.invokeTool with the request\'s token; the tool_result carries the server\'s text', async () => {
    rec.answers.set('dbEngineer/agentTool', (p: any) => ({ text: `plan for ${p.input.sql}: cost 248`, summary: 'explained the query: cost 248' }));
    stand.reset((_q, res) => {
      if (stand.requests.length === 1) void streamToolUse(res, [{ id: 'tu_1', name: 'explain_query', input: { sql: 'SELECT 1' } }], 'Measuring. ');
      else void streamAnswer(res, ['Cost ', '248.']);
    });
    const { res, md, progress } = await ask('why slow?');
    assert.equal(md.join(''), 'Measuring. \n\nCost 248.');
    assert.deepEqual(invoked.map((i) => [i.name, i.options.toolInvocationToken, i.options.input]), [['dbe_explain_query', 'TOKEN-2', { sql: 'SELECT 1' }]]);
    assert.equal(stand.requests.length, 2);
    assert.deepEqual(stand.requests[0].body.tools.map((t: any) => t.name), [...TOOL_NAMES]);
    const result = stand.requests[1].body.messages.at(-1).content.find((b: any) => b.type === 'tool_result');
    assert.equal(result.tool_use_id, 'tu_1');
    assert.equal(result.content, 'plan for SELECT 1: cost 248');
    assert.ok(!result.is_error);
    assert.ok(progress.includes('Explaining the query in the sandbox…'), JSON.stringify(progress));
    assert.match(progress[1], /^Asking claude-[\w.-]+ with your Anthropic API key and DB Engineer's tools…$/);
    assert.deepEqual(res.metadata.toolCalls, ['explain_query']);
  });

  test('write_migration declined in VS Code\'s confirmation: the model is told, nothing is written', async () => {
    rec.answers.set('dbEngineer/agentTool', () => ({ text: 'proposed', summary: 'proposed', proposed: PROPOSED }));
    confirmAnswer = false;
    stand.reset((_q, res) => {
      if (stand.requests.length === 1) void streamToolUse(res, [{ id: 'tu_w', name: 'write_migration', input: WRITE_INPUT }]);
      else void streamAnswer(res, ['Not written.']);
    });
    await ask('write it');
    assert.equal(rec.applied.length, 0);
    const result = stand.requests[1].body.messages.at(-1).content.find((b: any) => b.type === 'tool_result');
    assert.equal(result.content, 'write_migration did not run: The user cancelled the tool call.');
    assert.equal(result.is_error, true);
  });

  test('an editor with the chat API but without vscode.lm tools: calls go straight to the server, and write_migration only proposes', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { toolForChat } = require('../client/src/agent/lm-tools') as typeof import('../client/src/agent/lm-tools');
    const opts = { client: () => new lc.LanguageClient('x', 'x', {}, {}), documentUri: () => 'file:///ws/queries/q.sql' };
    vscode.lm = undefined;
    try {
      rec.answers.set('dbEngineer/agentTool', (p: any) => (p.name === 'write_migration' ? { text: 'proposed', summary: 'proposed', proposed: PROPOSED } : { text: 'orders, users', summary: 'listed 2 tables' }));
      assert.deepEqual(await toolForChat('list_tables', {}, undefined, token as any, opts), { text: 'orders, users', summary: 'listed 2 tables' });
      const w = await toolForChat('write_migration', WRITE_INPUT, undefined, token as any, opts);
      assert.equal(w.isError, true);
      assert.match(w.text, /^Not written: this editor cannot ask the user to confirm files here\. Proposed: migrations\/006_add_orders_customer_index\.sql, /);
      assert.equal(rec.applied.length, 0);
      assert.equal(invoked.length, 0);
    } finally {
      vscode.lm = lm;
    }
  });

  test('a server failure reaches the model as an error result with the server\'s line', async () => {
    rec.answers.set('dbEngineer/agentTool', () => ({ text: 'There is no table "nope".', summary: 'describe_table: no such table', isError: true }));
    stand.reset((_q, res) => {
      if (stand.requests.length === 1) void streamToolUse(res, [{ id: 'tu_d', name: 'describe_table', input: { table: 'nope' } }]);
      else void streamAnswer(res, ['No such table.']);
    });
    await ask('describe nope');
    const result = stand.requests[1].body.messages.at(-1).content.find((b: any) => b.type === 'tool_result');
    assert.equal(result.content, 'There is no table "nope".');
    assert.equal(result.is_error, true);
  });
});
