// The extension's glue, activated in plain Node against test/fake-vscode.ts: every command and view
// package.json promises is registered, the chat webview gets a strict CSP and the bundled script,
// the panel answers the webview's "ready", the key goes to SecretStorage only, the @dbe participant
// streams an answer from the API stand-in, and code-block actions become editor edits.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fakeEditor, installFakeVscode, makeContext, rec } from './fake-vscode';
import { apiError, pause, StandIn, streamAnswer } from './anthropic-standin';
import { ROOT } from './helpers';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const vscode = installFakeVscode();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ext = require('../client/src/extension') as typeof import('../client/src/extension');
const stand = new StandIn();
const context = makeContext(ROOT);
const KEY = 'sk-ant-test-WIRING-0123456789';

before(async () => {
  await stand.start();
  rec.config['dbEngineer.chat.baseUrl'] = stand.url;
  await ext.activate(context);
});
after(async () => { await ext.deactivate(); await stand.stop(); });

function resolveView(): { html: string; sent: any[]; receive: (m: unknown) => Promise<void>; options: any } {
  const provider = rec.views.get('dbEngineer.chat');
  let listener: ((m: unknown) => any) | undefined;
  const sent: any[] = [];
  const webview: any = {
    options: undefined, html: '', cspSource: 'vscode-resource:',
    asWebviewUri: (u: any) => ({ toString: () => `vscode-resource:${u.fsPath}` }),
    onDidReceiveMessage: (fn: (m: unknown) => any) => { listener = fn; return { dispose() {} }; },
    postMessage: async (m: unknown) => { sent.push(JSON.parse(JSON.stringify(m))); return true; },
  };
  provider.resolveWebviewView({ webview, show() {}, onDidDispose: () => ({ dispose() {} }) });
  return { html: webview.html, sent, options: webview.options, receive: async (m) => { await listener!(m); } };
}

describe('extension wiring', () => {
  test('every contributed command is registered; the chat view and @dbe participant too', () => {
    for (const c of pkg.contributes.commands) assert.ok(rec.commands.has(c.command), `command ${c.command} is registered`);
    for (const v of pkg.contributes.views.dbEngineer) assert.ok(rec.views.has(v.id), `view ${v.id} has a provider`);
    for (const p of pkg.contributes.chatParticipants) assert.ok(rec.participants.has(p.id), `participant ${p.id} is created`);
  });

  test('the chat webview: scripts only from dist/webview.js with a nonce, resources only from dist/ and media/', async () => {
    const v = resolveView();
    assert.equal(v.options.enableScripts, true);
    assert.deepEqual(v.options.localResourceRoots.map((u: any) => path.relative(ROOT, u.fsPath)).sort(), ['dist', 'media']);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(v.html)![1];
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1];
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.ok(v.html.includes(`<script nonce="${nonce}" src="vscode-resource:${path.join(ROOT, 'dist', 'webview.js')}"></script>`));
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'webview.js')), 'the webview bundle is built');
    assert.ok(fs.existsSync(path.join(ROOT, 'media', 'chat.css')));

    rec.activeEditor = fakeEditor('/ws/q.sql', 'SELECT * FROM orders;');
    await v.receive({ type: 'ready' });
    assert.deepEqual(v.sent.map((m) => m.type), ['init', 'context']);
    assert.equal(v.sent[0].personas[0].name, 'database-engineer');
    assert.equal(v.sent[1].chips[0].label, 'q.sql');
    assert.deepEqual(rec.requests.at(-1), { method: 'dbEngineer/chatContext', params: { uri: 'file:///ws/q.sql', range: undefined, rule: undefined } });
  });

  test('Set Anthropic API Key stores the key in SecretStorage only; the panel then answers with it', async () => {
    rec.inputBoxAnswers.push(KEY);
    await rec.commands.get('dbEngineer.setApiKey')!();
    assert.equal(rec.secrets.get('dbEngineer.anthropicApiKey'), KEY);
    const elsewhere = JSON.stringify([...rec.workspaceState.values(), rec.config]);
    assert.ok(!elsewhere.includes(KEY), elsewhere);

    stand.reset((_q, res) => { void streamAnswer(res, ['Add ', 'an index.']); });
    const v = resolveView();
    await v.receive({ type: 'ready' });
    await v.receive({ type: 'send', text: 'why slow?' });
    assert.equal(stand.requests.length, 1);
    assert.ok(String(stand.requests[0].headers['x-api-key'] ?? stand.requests[0].headers['authorization']).includes(KEY), JSON.stringify(stand.requests[0].headers));
    assert.equal(v.sent.filter((m) => m.type === 'delta').map((m) => m.text).join(''), 'Add an index.');
    assert.ok(!JSON.stringify(v.sent).includes(KEY), 'the key never reaches the webview');
    const stored = rec.workspaceState.get('dbEngineer.chat') as any;
    assert.deepEqual(stored.turns.map((t: any) => t.text), ['why slow?', 'Add an index.']);
  });

  test('code-block actions: insert edits the SQL editor, apply goes through a confirmed WorkspaceEdit, copy uses the clipboard', async () => {
    const ed = fakeEditor('/ws/q.sql', 'SELECT 1;');
    rec.activeEditor = ed;
    const v = resolveView();
    await v.receive({ type: 'code', action: 'insert', code: 'CREATE INDEX CONCURRENTLY i ON t (a);' });
    assert.deepEqual(ed.edits.map((e: any) => e.text), ['CREATE INDEX CONCURRENTLY i ON t (a);']);
    await v.receive({ type: 'code', action: 'applyEdit', code: 'SELECT id FROM t;' });
    const ops = rec.applied.at(-1);
    assert.equal(ops[0].op, 'replace');
    assert.equal(ops[0].meta.needsConfirmation, true, 'previewed before it changes anything');
    await v.receive({ type: 'code', action: 'copy', code: 'SELECT 2;' });
    assert.equal(rec.clipboard, 'SELECT 2;');
    await v.receive({ type: 'code', action: 'saveMigration', code: '-- add orders index\nCREATE INDEX CONCURRENTLY i ON t (a);', lang: 'sql' });
    const created = rec.applied.at(-1);
    assert.equal(created[0].op, 'create');
    assert.match(created[0].uri, /\/ws\/\d{14}_add_orders_index\.sql$/);
    assert.match(created[1].text, /CREATE INDEX CONCURRENTLY/);
    // with the answer it came from: its rollback block is kept (no down files here: a comment at the end), never over a file
    const answer = 'Index it:\n\n```sql\n-- add orders index\nCREATE INDEX CONCURRENTLY i ON t (a);\n```\n\nRollback:\n\n```sql\nDROP INDEX CONCURRENTLY IF EXISTS i;\n```\n';
    await v.receive({ type: 'code', action: 'saveMigration', code: '-- add orders index\nCREATE INDEX CONCURRENTLY i ON t (a);', lang: 'sql', answer, block: 0 });
    const withDown = rec.applied.at(-1);
    assert.deepEqual(withDown.map((o: any) => o.op), ['create', 'insert']);
    assert.deepEqual(withDown[0].opts, { overwrite: false, ignoreIfExists: false });
    assert.match(withDown[1].text, /CREATE INDEX CONCURRENTLY i ON t \(a\);\n\n-- Rollback, as the assistant proposed it\.[^]*\n-- DROP INDEX CONCURRENTLY IF EXISTS i;\n$/);
  });

  test('Ask DB Engineer about a finding: the context request carries the rule and range, the input is prefilled', async () => {
    const v = resolveView();
    await v.receive({ type: 'ready' });
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 8 } };
    await rec.commands.get('dbEngineer.askAboutFinding')!({ uri: 'file:///ws/q.sql', range, rule: 'select-star', message: 'SELECT * ...' });
    assert.deepEqual(rec.requests.at(-1)!.params, { uri: 'file:///ws/q.sql', range, rule: 'select-star' });
    const pre = v.sent.filter((m) => m.type === 'prefill').at(-1);
    assert.match(pre.text, /select-star/);
  });

  test('@dbe streams markdown from the same client; without a key it offers the Set API key button', async () => {
    stand.reset((_q, res) => { void streamAnswer(res, ['**Use** ', 'NOT EXISTS.']); });
    const p = rec.participants.get('dbEngineer.dbe')!;
    const md: string[] = [];
    const buttons: any[] = [];
    const stream = { markdown: (t: string) => md.push(t), progress: () => {}, button: (b: any) => buttons.push(b) };
    const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
    const res = await p.handler({ prompt: 'is NOT IN ok?', command: 'explain' }, { history: [] }, stream, token);
    assert.equal(md.join(''), '**Use** NOT EXISTS.');
    assert.match(stand.requests[0].body.messages[0].content[1].text, /^Explain what the SQL in the context does/);
    assert.equal(res.metadata.usage.output, 17);

    rec.secrets.clear();
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      const r2 = await p.handler({ prompt: 'hi' }, { history: [] }, stream, token);
      assert.match(r2.errorDetails.message, /no Anthropic API key/);
      assert.deepEqual(buttons, [{ command: 'dbEngineer.setApiKey', title: 'Set API key' }]);
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });

  test('Set Database Password: SecretStorage per connection URL, handed to the server in memory, never in settings; nothing sent when untrusted', async () => {
    const url = 'postgres://app@db.internal:5432/shop';
    const PW = 'db-Pw-WIRING-42';
    rec.config['dbEngineer.connection'] = url;
    try {
      // the host must be confirmed first (a workspace can set dbEngineer.connection): declined, nothing kept or sent
      const before = rec.requests.length;
      rec.inputBoxAnswers.push(PW);
      rec.warningAnswers.push(undefined);
      await rec.commands.get('dbEngineer.setDatabasePassword')!();
      assert.equal(rec.secrets.has(`dbEngineer.databasePassword:${url}`), false);
      assert.equal(rec.requests.length, before);
      assert.match(rec.info.at(-1)!, /send your database password to db\.internal:5432\?/);
      // confirmed: the host goes to the user-level dbEngineer.trustedDatabaseHosts
      rec.inputBoxAnswers.push(PW);
      rec.warningAnswers.push('Trust this host');
      await rec.commands.get('dbEngineer.setDatabasePassword')!();
      assert.deepEqual(rec.config['dbEngineer.trustedDatabaseHosts'], ['db.internal:5432']);
      assert.equal(rec.config['ws:dbEngineer.trustedDatabaseHosts'], undefined);
      assert.equal(pkg.contributes.configuration.properties['dbEngineer.trustedDatabaseHosts'].scope, 'application');
      assert.equal(rec.secrets.get(`dbEngineer.databasePassword:${url}`), PW);
      assert.ok(!JSON.stringify([...rec.workspaceState.values(), rec.config]).includes(PW));
      assert.deepEqual(rec.requests.at(-1), { method: 'dbEngineer/setDatabasePassword', params: { password: PW } });
      (vscode.workspace as any).isTrusted = false;
      const n = rec.requests.length;
      rec.inputBoxAnswers.push('');
      await rec.commands.get('dbEngineer.setDatabasePassword')!();
      assert.equal(rec.secrets.has(`dbEngineer.databasePassword:${url}`), false, 'an empty answer removes the stored password');
      assert.equal(rec.requests.length, n, 'an untrusted workspace sends no password to the server');
    } finally {
      (vscode.workspace as any).isTrusted = true;
      delete rec.config['dbEngineer.connection'];
      delete rec.config['dbEngineer.trustedDatabaseHosts'];
    }
  });

  test('a workspace setting cannot redirect the key: only the user-level base URL is used', async () => {
    assert.equal(pkg.contributes.configuration.properties['dbEngineer.chat.baseUrl'].scope, 'application');
    rec.secrets.set('dbEngineer.anthropicApiKey', KEY);
    rec.config['ws:dbEngineer.chat.baseUrl'] = 'http://127.0.0.1:9'; // a cloned repository's .vscode/settings.json
    try {
      stand.reset((_q, res) => { void streamAnswer(res, ['safe']); });
      const v = resolveView();
      await v.receive({ type: 'ready' });
      await v.receive({ type: 'send', text: 'where does this go?' });
      assert.equal(stand.requests.length, 1, 'the request went to the user-level base URL');
      assert.equal(v.sent.filter((m) => m.type === 'delta').map((m) => m.text).join(''), 'safe');
    } finally {
      delete rec.config['ws:dbEngineer.chat.baseUrl'];
    }
    void vscode; void apiError; void pause;
  });
});

describe('status bar and first run', () => {
  test('the status item follows the server: indexing, then ready with the file count; progress only past a second', async () => {
    const item = rec.statusItems.find((i) => i.id === 'dbEngineer.status');
    assert.ok(item?.visible, 'the status item is shown');
    assert.equal(item.command, 'dbEngineer.showStatus');
    const notify = rec.notifications.get('dbEngineer/status');
    assert.ok(notify, 'the extension listens to dbEngineer/status');
    const before = rec.progress.length;
    notify!({ state: 'indexing', trusted: true, files: 0, folders: 1 });
    assert.match(item.text, /indexing/);
    notify!({ state: 'ready', trusted: true, files: 12, folders: 1, ms: 80 });
    assert.equal(item.text, '$(database) DB Engineer: 12 files', 'the number says what it counts');
    notify!({ state: 'ready', trusted: true, files: 1, folders: 1 });
    assert.equal(item.text, '$(database) DB Engineer: 1 file');
    notify!({ state: 'ready', trusted: true, files: 12, folders: 1, ms: 80 });
    assert.match(String(item.tooltip), /12 SQL files in 1 folder analysed \(indexed in 80 ms\)/);
    assert.equal(rec.progress.length, before, 'fast indexing shows no progress');
    notify!({ state: 'indexing', trusted: true, files: 12, folders: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(rec.progress.length, before + 1, 'slow indexing shows window progress');
    assert.equal(rec.progress.at(-1)!.done, false);
    notify!({ state: 'ready', trusted: true, files: 13, folders: 1 });
    await new Promise((r) => setImmediate(r));
    assert.equal(rec.progress.at(-1)!.done, true, 'the progress ends with indexing');
    notify!({ state: 'ready', trusted: false, files: 1, folders: 1 });
    assert.match(item.text, /restricted/);
    assert.match(String(item.tooltip), /only open files are analysed/);
    // Restricted Mode: the item offers trust, and clicking it opens VS Code's trust editor
    assert.match(String(item.tooltip), /Click: Trust this folder to enable the sandbox, Explain and cross-file schema\./);
    assert.deepEqual(item.command, { title: 'Trust this folder to enable the sandbox, Explain and cross-file schema', command: 'workbench.trust.manage' });
    notify!({ state: 'ready', trusted: true, files: 1, folders: 1 });
    assert.equal(item.command, 'dbEngineer.showStatus', 'trusted again: the click shows the log');
  });
  test('a server that stops turns the item red; clicking it then restarts the server, otherwise it shows the log', async () => {
    const item = rec.statusItems.find((i) => i.id === 'dbEngineer.status');
    const shown = rec.outputShown;
    await rec.commands.get('dbEngineer.showStatus')!();
    assert.equal(rec.outputShown, shown + 1, 'a running server: the click shows its log');
    rec.stateListeners.at(-1)!({ oldState: 2, newState: 1 });
    assert.match(item.text, /stopped/);
    assert.ok(item.backgroundColor, 'error background');
    await rec.commands.get('dbEngineer.showStatus')!();
    assert.match(item.text, /DB Engineer/);
    assert.doesNotMatch(item.text, /stopped/, 'restarted: the item is no longer in the stopped state');
  });
  test('the walkthrough\'s steps point at registered commands and at media that is packaged', () => {
    const walk = pkg.contributes.walkthroughs[0];
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8');
    assert.ok(walk.steps.length >= 4);
    for (const step of walk.steps) {
      for (const m of String(step.description).matchAll(/\(command:([\w.]+)\)/g)) {
        if (m[1].startsWith('dbEngineer.')) assert.ok(rec.commands.has(m[1]), `${step.id}: ${m[1]} is registered`);
      }
      assert.ok(fs.existsSync(path.join(ROOT, step.media.markdown)), `${step.id}: ${step.media.markdown} exists`);
    }
    assert.ok(ignore.includes('!media/**') && ignore.includes('!examples/**'), 'walkthrough media and the example project are packaged');
    assert.deepEqual(walk.steps.map((s: any) => s.id), ['openExample', 'applyFix', 'setApiKey', 'askChat', 'mysqlExample']);
    const mysql = walk.steps.find((s: any) => s.id === 'mysqlExample');
    assert.match(mysql.description, /\(command:dbEngineer\.openMySqlExample\)/);
    assert.ok(pkg.contributes.commands.some((c: any) => c.command === 'dbEngineer.openMySqlExample'), 'in the command palette too');
    assert.match(fs.readFileSync(path.join(ROOT, mysql.media.markdown), 'utf8'), /"dialect": "mysql"/);
  });
  test('"Show documentation for <rule>" opens the page shipped in the extension in the Markdown preview, never a web page', async () => {
    const fsApi = vscode.workspace.fs as any;
    const saved = { ...fsApi };
    const savedExec = vscode.commands.executeCommand;
    const savedOpen = vscode.env.openExternal;
    const executed: any[][] = [];
    const external: unknown[] = [];
    fsApi.stat = async (u: any) => { if (!fs.existsSync(u.fsPath)) throw new Error('ENOENT'); return {}; };
    (vscode.commands as any).executeCommand = async (id: string, ...args: any[]) => { executed.push([id, ...args]); };
    (vscode.env as any).openExternal = async (u: unknown) => { external.push(u); return true; };
    try {
      await rec.commands.get('dbEngineer.openRuleDocs')!('equals-null');
      assert.equal(executed.length, 1);
      assert.equal(executed[0][0], 'markdown.showPreview');
      assert.equal(executed[0][1].fsPath, path.join(ROOT, 'docs', 'rules', 'equals-null.md'));
      assert.ok(fs.existsSync(executed[0][1].fsPath), 'the page exists, and docs/rules/** is packaged');
      assert.match(fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8'), /^!docs\/rules\/\*\*$/m);
      const errors = rec.errors.length;
      await rec.commands.get('dbEngineer.openRuleDocs')!('no-such-rule');
      await rec.commands.get('dbEngineer.openRuleDocs')!('../../package');
      assert.equal(executed.length, 1, 'nothing opened for a rule without a page or a path-like id');
      assert.equal(rec.errors.length, errors + 2);
      assert.match(rec.errors.at(-2)!, /no documentation page for no-such-rule/);
      assert.deepEqual(external, [], 'no browser');
    } finally {
      Object.assign(fsApi, saved);
      (vscode.commands as any).executeCommand = savedExec;
      (vscode.env as any).openExternal = savedOpen;
    }
  });
  test('the walkthrough opens by itself on the first activation (once), and on every start under DBE_OPEN_WALKTHROUGH=1 (npm start)', async () => {
    const savedExec = vscode.commands.executeCommand;
    const opened: any[][] = [];
    (vscode.commands as any).executeCommand = async (id: string, ...args: any[]) => { opened.push([id, ...args]); };
    const state = new Map<string, unknown>();
    const ctx = { ...context, globalState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => { state.set(k, v); } }, extension: { id: `${pkg.publisher}.${pkg.name}` } };
    try {
      ext.openWalkthroughOnce(ctx);
      assert.deepEqual(opened, [['workbench.action.openWalkthrough', 'db-engineer.db-engineer#dbEngineer.gettingStarted', false]]);
      assert.equal(pkg.contributes.walkthroughs[0].id, ext.WALKTHROUGH_ID, 'the id names the contributed walkthrough');
      ext.openWalkthroughOnce(ctx);
      assert.equal(opened.length, 1, 'not a second time');
      process.env.DBE_OPEN_WALKTHROUGH = '1';
      ext.openWalkthroughOnce(ctx);
      assert.equal(opened.length, 2, 'npm start asks for it on every start');
    } finally {
      delete process.env.DBE_OPEN_WALKTHROUGH;
      (vscode.commands as any).executeCommand = savedExec;
    }
  });
  test('npm start opens the example trusted (RESTRICTED=1: Restricted Mode), keeps the user\'s settings, never rewrites a settings file with comments', async () => {
    const { startSettings } = await import('../scripts/start-settings');
    const fresh = startSettings(undefined, false).settings!;
    assert.equal(fresh['security.workspace.trust.enabled'], false, 'trusted');
    assert.equal(startSettings(undefined, true).settings!['security.workspace.trust.enabled'], true);
    const kept = startSettings(JSON.stringify({ 'editor.fontSize': 18, 'security.workspace.trust.enabled': true }), false).settings!;
    assert.equal(kept['editor.fontSize'], 18);
    assert.equal(kept['security.workspace.trust.enabled'], false);
    const commented = startSettings('{\n  // mine\n  "editor.fontSize": 18\n}', false);
    assert.equal(commented.settings, undefined, 'not rewritten');
    assert.match(commented.note!, /not plain JSON.*"security\.workspace\.trust\.enabled": false/);
  });
  test('Open Example Project copies the bundled example into global storage and opens it', async () => {
    const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'dbe-example-'));
    const copied: string[] = [];
    const opened: any[] = [];
    const ctx = { ...context, globalStorageUri: vscode.Uri.file(tmp) };
    const fsApi = vscode.workspace.fs as any;
    const saved = { ...fsApi };
    const savedExec = vscode.commands.executeCommand;
    fsApi.stat = async (u: any) => { if (!fs.existsSync(u.fsPath)) throw new Error('ENOENT'); return {}; };
    fsApi.createDirectory = async (u: any) => { fs.mkdirSync(u.fsPath, { recursive: true }); };
    fsApi.copy = async (a: any, b: any) => { fs.cpSync(a.fsPath, b.fsPath, { recursive: true }); copied.push(b.fsPath); };
    (vscode.commands as any).executeCommand = async (id: string, ...args: any[]) => { opened.push([id, ...args]); };
    try {
      const { openExample } = require('../client/src/example') as typeof import('../client/src/example');
      await openExample(ctx);
      assert.deepEqual(copied, [path.join(tmp, 'example-shop')]);
      assert.ok(fs.existsSync(path.join(tmp, 'example-shop', 'queries', 'reports.sql')));
      assert.equal(opened[0][0], 'vscode.openFolder');
      assert.equal(opened[0][1].fsPath, path.join(tmp, 'example-shop'));
      await openExample(ctx);
      assert.equal(copied.length, 1, 'an existing copy (maybe edited) is reopened, not overwritten');
      // Open MySQL Example Project: examples/shop-mysql, in a folder of its own
      assert.ok(rec.commands.has('dbEngineer.openMySqlExample'));
      await openExample(ctx, 'shop-mysql');
      assert.deepEqual(copied, [path.join(tmp, 'example-shop'), path.join(tmp, 'example-shop-mysql')]);
      assert.ok(fs.existsSync(path.join(tmp, 'example-shop-mysql', '.dbe.json')));
      assert.equal(opened.at(-1)[1].fsPath, path.join(tmp, 'example-shop-mysql'));
    } finally {
      Object.assign(fsApi, saved);
      (vscode.commands as any).executeCommand = savedExec;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
