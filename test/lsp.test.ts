// Protocol tests of the language server: dist/server.js spawned over stdio, driven by a real
// JSON-RPC client (test/lspClient.ts). Run `npm run build` first (npm test does).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Diagnostic, Hover, Location, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { applyTextEdits, editsFor, fileUri, LspClient } from './lspClient';
import { generate } from '../bench/editor';
import { Project } from '../server/src/engine/project';
import { merge, plan, type Baseline } from '../server/src/lsp/incremental';
import type { Finding } from '../server/src/model';
import { ready } from './helpers';

const FILES: Record<string, string> = {
  '.dbe.json': JSON.stringify({ rules: { 'soft-delete-index-missing-predicate': 'off' } }),
  'migrations/001_init.sql': [
    'CREATE TABLE users (',
    '  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,',
    '  email text NOT NULL,',
    '  deleted_at timestamptz,',
    '  created_at timestamptz NOT NULL DEFAULT now()',
    ');',
    'CREATE UNIQUE INDEX users_email_key ON users (email);',
    '',
  ].join('\n'),
  'migrations/002_orders.sql': [
    '-- Bestellungen: größer, schöner 🚀',
    'CREATE TABLE orders (',
    '  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,',
    '  user_id bigint NOT NULL REFERENCES users (id),',
    '  total numeric(12,2) NOT NULL',
    ');',
    '',
  ].join('\n'),
  'migrations/004_payments.sql': [
    'CREATE TABLE payments (',
    '  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,',
    '  user_id bigint NOT NULL',
    ');',
    '',
  ].join('\n'),
  'queries/report.sql': [
    'SELECT u.email, o.total',
    'FROM users u',
    'JOIN orders o ON o.user_id = u.id',
    "WHERE u.deleted_at = NULL AND u.email <> 'ü🚀';",
    '',
  ].join('\n'),
  'node_modules/pkg/schema.sql': 'CREATE TABLE hidden (id int PRIMARY KEY);\n',
};

function makeWorkspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-lsp-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const codes = (p: PublishDiagnosticsParams) => p.diagnostics.map((d) => String(d.code));
const byCode = (p: PublishDiagnosticsParams, code: string): Diagnostic | undefined => p.diagnostics.find((d) => d.code === code);
const hoverText = (h: Hover | null) => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '');
const dirs: string[] = [];

after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

describe('language server (trusted workspace)', () => {
  let ws: string;
  let client: LspClient;
  const uri = (rel: string) => fileUri(path.join(ws, rel));
  const read = (rel: string) => fs.readFileSync(path.join(ws, rel), 'utf8');

  before(async () => {
    ws = makeWorkspace(FILES);
    dirs.push(ws);
    client = await LspClient.start({ folder: ws, settings: { debounceMs: 5, rules: { 'fk-without-index': 'error' } } });
  });
  after(async () => { await client?.stop(); });

  test('publishes diagnostics for an opened document: codes, ranges, severities, docs link', async () => {
    const p = await client.open(uri('migrations/002_orders.sql'), read('migrations/002_orders.sql'));
    const d = byCode(p, 'fk-without-index');
    assert.ok(d, `fk-without-index expected, got ${codes(p)}`);
    assert.equal(d.source, 'dbe');
    assert.equal(d.severity, 1, 'settings override fk-without-index to error');
    // the rule's page shipped beside the server (docs/rules/), opened inside the editor: not a web page
    assert.equal(d.codeDescription?.href, fileUri(path.resolve(__dirname, '..', 'docs', 'rules', 'fk-without-index.md')));
    assert.equal(d.range.start.line, 3);
    const line = read('migrations/002_orders.sql').split('\n')[3];
    assert.ok(d.range.start.character >= line.indexOf('user_id') && d.range.end.character <= line.length, JSON.stringify(d.range));
  });

  test('dbEngineer/status: indexing, then ready with the number of SQL files (for the status bar)', async () => {
    for (let i = 0; i < 100 && !client.statuses.some((x) => x.state === 'ready'); i++) await new Promise((r) => setTimeout(r, 50));
    const states = client.statuses.map((x) => x.state);
    assert.deepEqual(states.slice(0, 2), ['indexing', 'ready']);
    const ready = client.statuses[1];
    const sqlFiles = Object.keys(FILES).filter((f) => f.endsWith('.sql') && !f.includes('node_modules')).length;
    assert.equal(ready.files, sqlFiles);
    assert.equal(ready.trusted, true);
    assert.equal(ready.folders, 1);
    assert.equal(typeof ready.ms, 'number');
  });

  test('findings depend on other workspace files (schema from other migrations)', async () => {
    const p = await client.open(uri('migrations/004_payments.sql'), read('migrations/004_payments.sql'));
    const d = byCode(p, 'missing-foreign-key');
    assert.ok(d, `missing-foreign-key needs users from 001_init.sql; got ${codes(p)}`);
    assert.equal(d.range.start.line, 2);
  });

  test('.dbe.json of the folder is applied', async () => {
    const p = await client.open(uri('migrations/001_init.sql'), read('migrations/001_init.sql'));
    assert.ok(!codes(p).includes('soft-delete-index-missing-predicate'), `rule is off in .dbe.json; got ${codes(p)}`);
  });

  test('a non-ASCII line keeps UTF-16 columns right', async () => {
    const text = read('queries/report.sql');
    const p = await client.open(uri('queries/report.sql'), text);
    const d = byCode(p, 'equals-null');
    assert.ok(d, `equals-null expected, got ${codes(p)}`);
    const line = text.split('\n')[3];
    assert.deepEqual(d.range, { start: { line: 3, character: line.indexOf('= NULL') }, end: { line: 3, character: line.indexOf('= NULL') + 6 } });
    // a change that puts non-BMP characters before the finding on the same line
    const shifted = text.replace("WHERE u.deleted_at = NULL", "WHERE '🚀ä' <> u.email AND u.deleted_at = NULL");
    const p2 = await client.change(uri('queries/report.sql'), shifted);
    const d2 = byCode(p2, 'equals-null')!;
    const line2 = shifted.split('\n')[3];
    assert.equal(d2.range.start.character, line2.indexOf('= NULL'));
    await client.change(uri('queries/report.sql'), text);
  });

  test('code action applies the fix; a didChange with it clears the diagnostic', async () => {
    const u = uri('queries/report.sql');
    const p = await client.waitFor(u, (x) => x.version === client.version(u));
    const d = byCode(p, 'equals-null')!;
    const actions = await client.codeActions(u, [d]);
    const titles = actions.map((a) => a.title);
    assert.equal(actions[0].title, 'Use IS NULL');
    assert.equal(actions[0].isPreferred, true);
    assert.ok(titles.includes('Ignore equals-null for this statement'), titles.join(' | '));
    assert.ok(titles.includes('Ignore equals-null in this file'), titles.join(' | '));
    const docs = actions.find((a) => a.title === 'Show documentation for equals-null');
    assert.deepEqual(docs?.command, { title: 'Show documentation for equals-null', command: 'dbEngineer.openRuleDocs', arguments: ['equals-null'] });
    const fixed = applyTextEdits(client.text(u), editsFor(actions[0].edit, u));
    assert.match(fixed, /WHERE u\.deleted_at IS NULL AND/);
    const after = await client.change(u, fixed);
    assert.ok(!codes(after).includes('equals-null'), `cleared; got ${codes(after)}`);
  });

  test('every finding offers "Ask DB Engineer"; dbEngineer/chatContext returns chips, schema, findings and the rule rationale', async () => {
    const u = uri('queries/ask.sql');
    const p = await client.open(u, '-- the report\nSELECT id FROM users WHERE email = NULL;\n');
    const d = byCode(p, 'equals-null')!;
    const ask = (await client.codeActions(u, [d])).find((a) => a.title === 'Ask DB Engineer about equals-null');
    assert.ok(ask, 'the ask action is offered');
    assert.equal(ask!.command!.command, 'dbEngineer.askAboutFinding');
    const arg = ask!.command!.arguments![0];
    assert.deepEqual({ uri: arg.uri, range: arg.range, rule: arg.rule }, { uri: u, range: d.range, rule: 'equals-null' });

    const ctx: any = await client.conn.sendRequest('dbEngineer/chatContext', { uri: u, range: d.range, rule: 'equals-null' });
    assert.deepEqual(ctx.chips.map((c: any) => c.kind), ['selection', 'schema', 'findings']);
    assert.match(ctx.text, /TABLE public\.users/, 'the schema of the referenced table, from the other migrations');
    assert.match(ctx.text, /equals-null/);
    assert.match(ctx.statement, /= NULL/);
    assert.ok(ctx.rationale && ctx.rationale.length > 20);
    const none: any = await client.conn.sendRequest('dbEngineer/chatContext', { uri: 'file:///nowhere/x.sql' });
    assert.deepEqual(none.chips, []);
  });

  test('"Ignore for this statement" inserts a dbe-ignore line (indented, appended to an existing one)', async () => {
    const u = uri('migrations/002_orders.sql');
    const p = await client.waitFor(u, (x) => x.version === client.version(u));
    const d = byCode(p, 'fk-without-index')!;
    const actions = await client.codeActions(u, [d]);
    const ignore = actions.find((a) => a.title === 'Ignore fk-without-index for this statement')!;
    const edited = applyTextEdits(client.text(u), editsFor(ignore.edit, u));
    assert.equal(edited.split('\n')[1], '-- dbe-ignore fk-without-index');
    assert.equal(edited.split('\n')[2], 'CREATE TABLE orders (');
    const after = await client.change(u, edited);
    assert.ok(!codes(after).includes('fk-without-index'), `suppressed; got ${codes(after)}`);

    // An indented statement with a dbe-ignore line above: the rule is appended to it.
    const q = uri('queries/indented.sql');
    const text = '  -- dbe-ignore select-star\n  SELECT id FROM users WHERE email = NULL;\n';
    const p2 = await client.open(q, text);
    const d2 = byCode(p2, 'equals-null')!;
    const a2 = (await client.codeActions(q, [d2])).find((a) => a.title === 'Ignore equals-null for this statement')!;
    assert.equal(applyTextEdits(text, editsFor(a2.edit, q)).split('\n')[0], '  -- dbe-ignore select-star, equals-null');
    const text3 = 'SELECT 1;\n    SELECT id FROM users WHERE email = NULL;\n';
    const p3 = await client.change(q, text3);
    const a3 = (await client.codeActions(q, [byCode(p3, 'equals-null')!])).find((a) => a.title === 'Ignore equals-null for this statement')!;
    assert.equal(applyTextEdits(text3, editsFor(a3.edit, q)), 'SELECT 1;\n    -- dbe-ignore equals-null\n    SELECT id FROM users WHERE email = NULL;\n');
    const fileIgnore = (await client.codeActions(q, [byCode(p3, 'equals-null')!])).find((a) => a.title === 'Ignore equals-null in this file')!;
    const edited3 = applyTextEdits(text3, editsFor(fileIgnore.edit, q));
    assert.equal(edited3.split('\n')[0], '-- dbe-ignore-file equals-null');
    const p4 = await client.change(q, edited3);
    assert.ok(!codes(p4).includes('equals-null'), `file suppression; got ${codes(p4)}`);
    await client.close(q);
  });

  test('initialize advertises quickfix and refactor.rewrite code actions', () => {
    assert.deepEqual(client.capabilities?.codeActionProvider, { codeActionKinds: ['quickfix', 'refactor.rewrite'] });
  });

  test('hover on a table shows its columns, keys, indexes and defining file', async () => {
    const u = uri('queries/report.sql');
    const h = await client.hover(u, 1, 6); // FROM users u
    const md = hoverText(h);
    assert.match(md, /users/);
    for (const col of ['id', 'email', 'deleted_at', 'created_at']) assert.ok(md.includes(`| ${col}`), `column ${col} in\n${md}`);
    assert.match(md, /timestamptz/);
    assert.match(md, /NOT NULL/);
    assert.match(md, /users_email_key/);
    assert.match(md, /Defined in `migrations\/001_init\.sql:1`/);
    assert.deepEqual(h!.range, { start: { line: 1, character: 5 }, end: { line: 1, character: 10 } });
    // foreign keys on the CREATE TABLE name
    const h2 = hoverText(await client.hover(uri('migrations/002_orders.sql'), 2, 15));
    assert.match(h2, /\(user_id\) → users \(id\)/);
    assert.match(h2, /Defined in `migrations\/002_orders\.sql:3`/);
  });

  test('hover on a column reference resolves the alias', async () => {
    const h = hoverText(await client.hover(uri('queries/report.sql'), 0, 10)); // u.email
    assert.match(h, /\*\*column\*\* `email` text NOT NULL/);
    assert.match(h, /of table `users`/);
    assert.equal(await client.hover(uri('queries/report.sql'), 0, 0), null); // SELECT keyword
    const u = uri('queries/dml.sql');
    await client.open(u, "UPDATE users SET email = 'a' WHERE id = 1;\nINSERT INTO orders (user_id, total) VALUES (1, 2);\n");
    assert.match(hoverText(await client.hover(u, 0, 19)), /\*\*column\*\* `email`/);
    assert.match(hoverText(await client.hover(u, 1, 29)), /\*\*column\*\* `total` numeric\(12,2\) NOT NULL/);
    await client.close(u);
  });

  test('definition jumps to the CREATE TABLE (and a column to its definition)', async () => {
    const loc = (await client.definition(uri('queries/report.sql'), 2, 6)) as Location; // JOIN orders
    assert.equal(loc.uri, uri('migrations/002_orders.sql'));
    assert.deepEqual(loc.range, { start: { line: 2, character: 13 }, end: { line: 2, character: 19 } });
    const col = (await client.definition(uri('queries/report.sql'), 0, 18)) as Location; // o.total
    assert.equal(col.uri, uri('migrations/002_orders.sql'));
    assert.equal(col.range.start.line, 5);
  });

  test('ignores node_modules when scanning', async () => {
    const u = uri('queries/hidden.sql');
    await client.open(u, 'SELECT id FROM hidden;\n');
    assert.equal(await client.hover(u, 0, 16), null);
    await client.close(u);
  });

  test('a schema change in one file re-publishes the other open documents', async () => {
    const payments = uri('migrations/004_payments.sql');
    const init = uri('migrations/001_init.sql');
    const before = await client.waitFor(payments, (p) => codes(p).includes('missing-foreign-key'));
    assert.ok(before);
    const renamed = client.text(init).replace('CREATE TABLE users', 'CREATE TABLE accounts').replace('ON users', 'ON accounts');
    const cleared = client.waitFor(payments, (p) => !codes(p).includes('missing-foreign-key'), 5000, false);
    await client.change(init, renamed);
    await cleared;
    const restored = client.waitFor(payments, (p) => codes(p).includes('missing-foreign-key'), 5000, false);
    await client.change(init, read('migrations/001_init.sql'));
    await restored;
  });

  test('watched-file events update the project incrementally', async () => {
    const payments = uri('migrations/004_payments.sql');
    fs.writeFileSync(path.join(ws, 'migrations/005_fk.sql'), 'ALTER TABLE payments ADD CONSTRAINT payments_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\n');
    const gone = client.waitFor(payments, (p) => !codes(p).includes('missing-foreign-key'), 5000, false);
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('migrations/005_fk.sql'), type: 1 }] });
    await gone;
    fs.rmSync(path.join(ws, 'migrations/005_fk.sql'));
    const back = client.waitFor(payments, (p) => codes(p).includes('missing-foreign-key'), 5000, false);
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('migrations/005_fk.sql'), type: 3 }] });
    await back;
  });

  test('a garbage binary-ish document gets at most one diagnostic and no crash', async () => {
    const u = uri('garbage.sql');
    let junk = '';
    for (let i = 0; i < 4000; i++) junk += String.fromCharCode((i * 7919) % 256);
    const p = await client.open(u, junk);
    assert.ok(p.diagnostics.length <= 1, `got ${p.diagnostics.length}`);
    const p2 = await client.change(u, 'SELEC \u0001\u0002 ; ;; )(( ;\u0003 garbage ; more garbage ; '.repeat(50));
    assert.ok(p2.diagnostics.length <= 1, `got ${p2.diagnostics.length}`);
    assert.equal(await client.hover(u, 0, 3), null);
    assert.deepEqual(await client.codeActions(u, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message: 'x', source: 'dbe', data: 'nonsense' }]), []);
    await client.close(u);
    assert.equal(client.exited, undefined, client.stderr);
  });

  test('settings are re-read on didChangeConfiguration', async () => {
    const u = uri('queries/settings.sql');
    const p = await client.open(u, 'SELECT id FROM users WHERE email = NULL;\n');
    assert.ok(codes(p).includes('equals-null'));
    (client.opts.settings as any).rules = { 'fk-without-index': 'error', 'equals-null': 'off' };
    const off = client.waitFor(u, (x) => !codes(x).includes('equals-null'), 5000, false);
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await off;
    (client.opts.settings as any).rules = { 'fk-without-index': 'error', 'equals-null': 'hint' };
    const hint = client.waitFor(u, (x) => byCode(x, 'equals-null')?.severity === 4, 5000, false);
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await hint;
    (client.opts.settings as any).rules = { 'fk-without-index': 'error' };
    const back = client.waitFor(u, (x) => byCode(x, 'equals-null')?.severity === 1, 5000, false);
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await back;
    await client.close(u);
  });

  test('didClose of a file that is not on disk removes it from the project', async () => {
    const u = uri('queries/scratch.sql');
    await client.open(u, 'CREATE TABLE scratch (id bigint PRIMARY KEY);\nSELECT id FROM scratch;\n');
    assert.match(hoverText(await client.hover(u, 1, 16)), /scratch/);
    await client.close(u);
    const q = uri('queries/after.sql');
    await client.open(q, 'SELECT id FROM scratch;\n');
    assert.equal(await client.hover(q, 0, 16), null);
    await client.close(q);
  });
});

describe('language server (untrusted workspace)', () => {
  let ws: string;
  let client: LspClient;
  before(async () => {
    ws = makeWorkspace(FILES);
    dirs.push(ws);
    client = await LspClient.start({ folder: ws, trusted: false, settings: { debounceMs: 5 } });
  });
  after(async () => { await client?.stop(); });

  test('does not see other workspace files or read .dbe.json', async () => {
    const payments = fileUri(path.join(ws, 'migrations/004_payments.sql'));
    const p = await client.open(payments, FILES['migrations/004_payments.sql']);
    assert.ok(!codes(p).includes('missing-foreign-key'), `users is not known in restricted mode; got ${codes(p)}`);
    const q = fileUri(path.join(ws, 'queries/report.sql'));
    await client.open(q, FILES['queries/report.sql']);
    assert.equal(await client.hover(q, 1, 6), null);
    const init = fileUri(path.join(ws, 'migrations/001_init.sql'));
    const pi = await client.open(init, FILES['migrations/001_init.sql']);
    assert.ok(codes(pi).includes('soft-delete-index-missing-predicate'), `.dbe.json is not read; got ${codes(pi)}`);
    // open documents do see each other
    assert.match(hoverText(await client.hover(q, 1, 6)), /deleted_at/);
    assert.equal(client.messages.length, 0);
    assert.equal(client.statuses.at(-1)?.trusted, false, 'the status bar is told it is Restricted Mode');
  });
});

describe('language server (broken .dbe.json)', () => {
  let client: LspClient;
  let ws: string;
  before(async () => {
    ws = makeWorkspace({ ...FILES, '.dbe.json': '{ "rules": { "equals-null": ' });
    dirs.push(ws);
    client = await LspClient.start({ folder: ws, settings: { debounceMs: 5 } });
  });
  after(async () => { await client?.stop(); });

  test('shows an error message and still publishes diagnostics with defaults', async () => {
    const q = fileUri(path.join(ws, 'queries/report.sql'));
    const p = await client.open(q, FILES['queries/report.sql']);
    assert.ok(codes(p).includes('equals-null'), `got ${codes(p)}`);
    const msg = client.messages.find((m) => m.type === 1);
    assert.ok(msg, 'an error showMessage');
    assert.match(msg.message, /\.dbe\.json is not valid JSON/);
    // fixing the file (watched-file event) applies it
    fs.writeFileSync(path.join(ws, '.dbe.json'), JSON.stringify({ rules: { 'equals-null': 'off' } }));
    const cleared = client.waitFor(q, (x) => !codes(x).includes('equals-null'), 5000, false);
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(path.join(ws, '.dbe.json')), type: 2 }] });
    await cleared;
  });

  test('shutdown and exit end the server cleanly', async () => {
    await client.stop();
    assert.equal(client.exited, 0, client.stderr);
  });
});

describe('incremental re-analysis while typing (in process)', () => {
  before(ready);

  test('re-judging only the edited statements gives exactly the full analysis', () => {
    const key = '/w/migrations/001_big.sql';
    const p = new Project();
    p.setFile('/w/migrations/000_base.sql', 'CREATE TABLE accounts_log (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id));\n');
    let text = generate(1200);
    p.setFile(key, text);
    let base: Baseline = { file: p.getFile(key)!, findings: p.analyze([key]).get(key)!, config: p.config, epoch: 0 };
    let seed = 7;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const chars = ['a', ' ', "'", '(', ')', '=', 'x', ',', '\n', '*', ';', '-', 'N', 'é', '🚀'];
    const norm = (fs: Finding[]) => fs.map((f) => JSON.stringify([f.rule, f.start, f.end, f.severity, f.message, f.fixes ?? null])).sort();
    let fast = 0;
    for (let k = 0; k < 150; k++) {
      const queries = base.file.statements.filter((s) => s.kind === 'SelectStmt' || s.kind === 'UpdateStmt' || !s.kind);
      const s = rnd(8) === 0 ? base.file.statements[rnd(base.file.statements.length)] : queries[rnd(queries.length)];
      const at = s.start + rnd(Math.max(1, s.end - s.start));
      text = rnd(3) === 0 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + chars[rnd(chars.length)] + text.slice(at);
      const file = p.setFile(key, text);
      const pl = plan(base, file, p, 0);
      let merged: Finding[] | undefined;
      if (pl) merged = merge(base, pl, p.analyze([key], { only: (st) => st.file === file && pl.changed.has(st.index) }).get(key)!);
      const full = p.analyze([key]).get(key)!;
      if (merged) {
        fast++;
        assert.deepEqual(norm(merged), norm(full), `edit ${k} at ${at}`);
      }
      base = { file, findings: merged ?? full, config: p.config, epoch: 0 };
    }
    assert.ok(fast > 40, `many edits take the fast path (${fast}/150)`);
  });

  test('edits that change the schema, statement count or suppressions need a full analysis', () => {
    const key = '/w/a.sql';
    const p = new Project();
    const text = 'CREATE TABLE t (id bigint PRIMARY KEY, x text);\nSELECT id FROM t WHERE x = NULL;\n-- note\nSELECT 1;\n';
    const file0 = p.setFile(key, text);
    const base: Baseline = { file: file0, findings: p.analyze([key]).get(key)!, config: p.config, epoch: 0 };
    assert.ok(plan(base, p.setFile(key, text.replace('= NULL', '= NULL OR x = \'a\'')), p, 0), 'a query edit is fast');
    assert.equal(plan(base, p.setFile(key, text.replace('x text', 'x int')), p, 0), undefined, 'DDL');
    assert.equal(plan(base, p.setFile(key, text.replace('SELECT 1;', 'SELECT 1; SELECT 2;')), p, 0), undefined, 'statement count');
    assert.equal(plan(base, p.setFile(key, text.replace('-- note\nSELECT 1', '-- dbe-ignore equals-null\nSELECT 1 ')), p, 0), undefined, 'suppression');
    assert.equal(plan(base, p.setFile(key, text.replace('= NULL', '= NULL ')), p, 1), undefined, 'other files changed the schema');
  });
});

describe('language server: refactors', () => {
  let ws: string;
  let client: LspClient;
  const uri = (rel: string) => fileUri(path.join(ws, rel));
  const HEAVY = [
    'SELECT u.email, count(o.id) AS orders, sum(o.total) AS spent',
    'FROM users u',
    'JOIN orders o ON o.user_id = u.id',
    'JOIN payments p ON p.user_id = u.id',
    'GROUP BY u.email',
    'ORDER BY spent DESC;',
    '',
    'SELECT u.email FROM users u WHERE u.id = 1;',
    '',
  ].join('\n');

  before(async () => {
    ws = makeWorkspace({
      'migrations/001_init.sql': FILES['migrations/001_init.sql'],
      'migrations/002_orders.sql': FILES['migrations/002_orders.sql'],
      'migrations/004_payments.sql': FILES['migrations/004_payments.sql'],
      'queries/heavy.sql': HEAVY,
    });
    dirs.push(ws);
    client = await LspClient.start({ folder: ws, createFiles: true, settings: { debounceMs: 5 } });
  });
  after(async () => { await client?.stop(); });

  test('"Create materialized view" at a heavy aggregate query: a new migration (CreateFile) and the query rewritten; nothing at a simple query; context.only honoured', async () => {
    const u = uri('queries/heavy.sql');
    await client.open(u, HEAVY);
    const cursor = { start: { line: 2, character: 3 }, end: { line: 2, character: 3 } };
    const refactors = (await client.codeActionsAt(u, cursor)).filter((a) => a.kind === 'refactor.rewrite');
    assert.deepEqual(refactors.map((a) => a.title), ['Create materialized view mv_users_by_email', 'Create materialized view mv_users_by_email and read from it']);
    const changes = refactors[1].edit!.documentChanges as any[];
    const mig = uri('migrations/005_materialized_view_mv_users_by_email.sql');
    assert.deepEqual(changes[0], { kind: 'create', uri: mig, options: { overwrite: false, ignoreIfExists: false } });
    const created = changes.find((c) => c.textDocument?.uri === mig).edits[0].newText as string;
    assert.match(created, /CREATE MATERIALIZED VIEW mv_users_by_email AS\n/);
    assert.match(created, /CREATE UNIQUE INDEX mv_users_by_email_key ON mv_users_by_email \(email\);/);
    const queryEdits = changes.find((c) => c.textDocument?.uri === u).edits;
    const rewritten = applyTextEdits(HEAVY, queryEdits);
    assert.match(rewritten, /^-- Reads the materialized view mv_users_by_email: as fresh as its last REFRESH\.\nSELECT email, orders, spent\nFROM mv_users_by_email\nORDER BY spent DESC;\n/);
    // the server sees the result: the migration and the rewritten query lint without syntax errors
    const pm = await client.open(mig, created);
    const pq = await client.change(u, rewritten);
    for (const p of [pm, pq]) assert.ok(!codes(p).includes('syntax-error'), `parses; got ${codes(p)}`);
    await client.change(u, HEAVY);
    // a simple query: nothing to refactor
    assert.deepEqual((await client.codeActionsAt(u, { start: { line: 7, character: 2 }, end: { line: 7, character: 2 } })).filter((a) => a.kind === 'refactor.rewrite'), []);
    // context.only: refactors when asked for refactor or refactor.rewrite, not for quickfix
    assert.equal((await client.codeActionsAt(u, cursor, ['refactor'])).filter((a) => a.kind === 'refactor.rewrite').length, 2);
    assert.ok((await client.codeActionsAt(u, cursor, ['refactor.rewrite'])).every((a) => a.kind === 'refactor.rewrite'));
    assert.deepEqual((await client.codeActionsAt(u, cursor, ['quickfix'])).filter((a) => a.kind === 'refactor.rewrite'), []);
  });

  test('a client that cannot create files is not offered actions that need one', async () => {
    const plain = await LspClient.start({ folder: ws, settings: { debounceMs: 5 } });
    try {
      const u = uri('queries/heavy.sql');
      await plain.open(u, HEAVY);
      assert.deepEqual((await plain.codeActionsAt(u, { start: { line: 2, character: 3 }, end: { line: 2, character: 3 } })).filter((a) => a.kind === 'refactor.rewrite'), []);
    } finally { await plain.stop(); }
  });
});
