// Issue #13, the editor on MySQL files, through the real stdio server (dist/server.js, driven by
// test/lspClient.ts) on a small MySQL project (test/fixtures/mysql-editor: backticks, ENGINE=, a
// DELIMITER procedure, `#` comments): the dialect and why (status bar request, dbEngineer.dialect,
// .dbe.json, Restricted Mode), hover / definition / outline / folding from the file's own schema, rename
// refused, formatting with MySQL's formatter and DELIMITER blocks kept, no sandbox, no Explain lens.
// Run `npm run build` first (npm test does).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DocumentSymbol, FoldingRange, Hover, Location, TextEdit } from 'vscode-languageserver-protocol';
import { applyTextEdits, fileUri, LspClient } from './lspClient';
import { ready, ROOT } from './helpers';
import { DIALECT_REQUEST, type DialectResult } from '../server/src/lsp/status-protocol';
import { EXPLAIN_REQUEST, type ExplainResult } from '../server/src/lsp/explain-protocol';
import { SCHEMA_TREE_REQUEST, type SchemaTreeResult } from '../server/src/lsp/schema-protocol';
import { Project } from '../server/src/engine/project';
import { sandboxInput } from '../server/src/sandbox/input';
import { lex } from '../server/src/dialects/mysql/lex';
import { postgresOnly } from '../server/src/dialects/mysql/pg-only';
import { spawnSync } from 'node:child_process';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'mysql-editor');
const clients: LspClient[] = [];
const dirs: string[] = [];
after(async () => {
  for (const c of clients) await c.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function workspace(files: Record<string, string> = {}, base: string | undefined = FIXTURE): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-mylsp-'));
  dirs.push(dir);
  if (base) fs.cpSync(base, dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

async function start(folder: string, opts: Partial<Parameters<typeof LspClient.start>[0]> = {}): Promise<LspClient> {
  await ready();
  const c = await LspClient.start({ folder, settings: { debounceMs: 5 }, ...opts });
  clients.push(c);
  await c.waitForStatus((s) => s.state === 'ready', 120_000);
  return c;
}

function pos(file: string, needle: string, into = 0): { line: number; character: number } {
  const text = fs.readFileSync(file, 'utf8');
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} in ${file}`);
  const before = text.slice(0, at + into);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

const hoverText = (h: Hover | null) => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '');
const dialectOf = (c: LspClient, uri: string) => c.conn.sendRequest<DialectResult | null>(DIALECT_REQUEST, { uri });

async function refusal(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { return (e as Error).message; }
  assert.fail('expected the request to be refused');
}

describe('the dialect of a file, and why', () => {
  test('detected from the file (MySQL — signs), named by the file name, the setting, .dbe.json; the setting overrides .dbe.json but not a file name', async () => {
    const ws = workspace({ 'queries/plain.sql': 'SELECT 1;\n', 'other/legacy.mysql.sql': 'SELECT 2;\n' });
    const c = await start(ws);
    const report = await dialectOf(c, fileUri(path.join(ws, 'queries/report.sql')));
    assert.equal(report?.name, 'MySQL');
    assert.match(report!.why, /^signs: .*(# comments|backtick)/);
    assert.deepEqual(await dialectOf(c, fileUri(path.join(ws, 'other/legacy.mysql.sql'))), { id: 'mysql', name: 'MySQL', why: 'file name (mysql)' });
    // a file with no sign of its own in a MySQL project
    assert.equal((await dialectOf(c, fileUri(path.join(ws, 'queries/plain.sql'))))?.id, 'mysql');

    const cfg = workspace({ '.dbe.json': '{ "dialect": "mariadb" }\n', 'other/legacy.mysql.sql': 'SELECT 2;\n' });
    const c2 = await start(cfg);
    assert.deepEqual(await dialectOf(c2, fileUri(path.join(cfg, 'queries/report.sql'))), { id: 'mariadb', name: 'MariaDB', why: '"dialect" in .dbe.json' });
    const c3 = await start(cfg, { settings: { debounceMs: 5, dialect: 'mysql' } });
    assert.deepEqual(await dialectOf(c3, fileUri(path.join(cfg, 'queries/report.sql'))), { id: 'mysql', name: 'MySQL', why: 'setting dbEngineer.dialect' });
    const c4 = await start(cfg, { settings: { debounceMs: 5, dialect: 'postgres' } });
    assert.deepEqual(await dialectOf(c4, fileUri(path.join(cfg, 'other/legacy.mysql.sql'))), { id: 'mysql', name: 'MySQL', why: 'file name (mysql)' }, 'the file name wins');
    assert.equal((await dialectOf(c4, fileUri(path.join(cfg, 'migrations/001_users.sql'))))?.why, 'setting dbEngineer.dialect');
  });

  test('Restricted Mode: .dbe.json is not read, the setting still applies to the open file', async () => {
    const ws = workspace({ '.dbe.json': '{ "dialect": "mysql" }\n', 'q.sql': 'SELECT 1;\n' }, undefined);
    const c = await LspClient.start({ folder: ws, trusted: false, settings: { debounceMs: 5, dialect: 'mariadb' } });
    clients.push(c);
    await c.waitForStatus((s) => s.state === 'ready', 60_000);
    const uri = fileUri(path.join(ws, 'q.sql'));
    await c.open(uri, 'SELECT 1;\n');
    assert.deepEqual(await dialectOf(c, uri), { id: 'mariadb', name: 'MariaDB', why: 'setting dbEngineer.dialect' });
    const plain = await LspClient.start({ folder: ws, trusted: false, settings: { debounceMs: 5 } });
    clients.push(plain);
    await plain.waitForStatus((s) => s.state === 'ready', 60_000);
    await plain.open(uri, 'SELECT 1;\n');
    assert.equal((await dialectOf(plain, uri))?.id, 'postgres', 'the untrusted .dbe.json is not read');
  });
});

describe('features on MySQL files', () => {
  test('hover and go to definition answer from the MySQL schema (backticks, aliases, CREATE TABLE columns)', async () => {
    const ws = workspace();
    const c = await start(ws);
    const q = path.join(ws, 'queries/report.sql');
    const at = pos(q, 'sum(o.`total`)', 7);
    const h = hoverText(await c.hover(fileUri(q), at.line, at.character));
    assert.match(h, /total/);
    assert.match(h, /orders/);
    const t = pos(q, '`users` u', 1);
    assert.match(hoverText(await c.hover(fileUri(q), t.line, t.character)), /\*\*table\*\* `users`/);
    const d = await c.definition(fileUri(q), t.line, t.character) as Location;
    assert.equal(d.uri, fileUri(path.join(ws, 'migrations/001_users.sql')));
    assert.equal(d.range.start.line, 0);
    const e = pos(q, 'where `email`', 7);
    const de = await c.definition(fileUri(q), e.line, e.character) as Location;
    assert.equal(de.uri, fileUri(path.join(ws, 'migrations/001_users.sql')));
    assert.equal(de.range.start.line, 2, 'the column definition of email');
  });

  test('a project with both dialects: a MySQL file never answers from the PostgreSQL tables, nor the reverse', async () => {
    const ws = workspace({
      'pg/001_accounts.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY, balance numeric NOT NULL);\n',
      'pg/q.sql': 'SELECT balance FROM accounts;\nSELECT email FROM users;\n',
      'queries/accounts.sql': 'select `balance` from `accounts`;\n',
    });
    const c = await start(ws);
    const my = path.join(ws, 'queries/accounts.sql');
    const at = pos(my, '`accounts`', 1);
    assert.equal(await c.hover(fileUri(my), at.line, at.character), null, 'accounts is a PostgreSQL table');
    assert.equal(await c.definition(fileUri(my), at.line, at.character), null);
    const pg = path.join(ws, 'pg/q.sql');
    const bal = pos(pg, 'balance FROM', 1);
    assert.match(hoverText(await c.hover(fileUri(pg), bal.line, bal.character)), /balance/, 'the PostgreSQL file still answers from its own');
    const users = pos(pg, 'FROM users', 6);
    assert.equal(await c.hover(fileUri(pg), users.line, users.character), null, 'users is a MySQL table');
  });

  test('outline and folding: the CREATE TABLE columns, the procedure, the DELIMITER block', async () => {
    const ws = workspace();
    const c = await start(ws);
    const syms = await c.conn.sendRequest<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: fileUri(path.join(ws, 'migrations/002_orders.sql')) } });
    assert.deepEqual(syms.map((s) => [s.name, s.detail, s.children?.map((x) => x.name)]), [['orders', 'table', ['id', 'user_id', 'total']]]);
    const proc = await c.conn.sendRequest<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: fileUri(path.join(ws, 'migrations/003_order_count.sql')) } });
    assert.deepEqual(proc.map((s) => [s.name, s.detail]), [['order_count', 'procedure']]);
    const folds = await c.conn.sendRequest<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: fileUri(path.join(ws, 'migrations/003_order_count.sql')) } });
    assert.ok(folds.some((f) => f.startLine === 0 && f.endLine === 5 && f.kind === 'region'), JSON.stringify(folds));
    const q = 'SELECT 1;\n# one\n# two\n# three\nSELECT `a` FROM `t`;\n';
    const uri = fileUri(path.join(ws, 'queries/hash.sql'));
    await c.open(uri, q);
    const hf = await c.conn.sendRequest<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri } });
    assert.ok(hf.some((f) => f.startLine === 1 && f.endLine === 3 && f.kind === 'comment'), `# comments fold: ${JSON.stringify(hf)}`);
  });

  test('rename on a MySQL file is refused with the reason (never a PostgreSQL migration in a MySQL project)', async () => {
    const ws = workspace();
    const c = await start(ws, { createFiles: true });
    const q = path.join(ws, 'queries/report.sql');
    const at = pos(q, 'sum(o.`total`)', 7);
    const msg = await refusal(c.conn.sendRequest('textDocument/rename', { textDocument: { uri: fileUri(q) }, position: at, newName: 'amount' }));
    assert.match(msg, /Rename is not available on MySQL files yet/);
    assert.match(await refusal(c.conn.sendRequest('textDocument/prepareRename', { textDocument: { uri: fileUri(q) }, position: at })), /MySQL/);
    assert.equal(fs.readdirSync(path.join(ws, 'migrations')).length, 3, 'no migration written');
  });

  test('Format Document: MySQL formatting (backticks, # comments, "strings" kept); the DELIMITER procedure left exactly as written', async () => {
    const ws = workspace();
    const c = await start(ws);
    const q = path.join(ws, 'queries/report.sql');
    const text = fs.readFileSync(q, 'utf8');
    const edits = await c.conn.sendRequest<TextEdit[]>('textDocument/formatting', { textDocument: { uri: fileUri(q) }, options: { tabSize: 2, insertSpaces: true } });
    assert.ok(edits.length >= 1);
    const out = applyTextEdits(text, edits);
    assert.match(out, /^# monthly report\nselect\n {2}`u`\.`email`,\n/);
    assert.match(out, /`email` = "a@example\.com";/);
    const words = (s: string) => lex(s).tokens.map((t) => s.slice(t.start, t.end));
    assert.deepEqual(words(out), words(text), 'the same tokens: only whitespace changed');
    const p = path.join(ws, 'migrations/003_order_count.sql');
    // an applied migration is never formatted: open an unsaved copy of the procedure as a new query file
    const uri = fileUri(path.join(ws, 'queries/proc.sql'));
    const proc = fs.readFileSync(p, 'utf8').replace('order_count', 'order_count2') + 'select   1;\n';
    await c.open(uri, proc);
    const pe = await c.conn.sendRequest<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    const formatted = applyTextEdits(proc, pe);
    assert.ok(formatted.startsWith(proc.slice(0, proc.indexOf('select   1'))), 'the DELIMITER block byte for byte');
    assert.match(formatted, /DELIMITER ;\nselect\n {2}1;\n$/, 'the statement after it is formatted');
  });

  test('no Explain lens and no sandbox on a MySQL project; Explain says why', async () => {
    const ws = workspace();
    const c = await start(ws, { sandbox: true });
    const q = fileUri(path.join(ws, 'queries/report.sql'));
    await c.open(q, fs.readFileSync(path.join(ws, 'queries/report.sql'), 'utf8'));
    const st = await c.waitForStatus((s) => s.sandbox?.state === 'off' && /PostgreSQL \(PGlite\)/.test(s.sandbox.reason ?? ''));
    assert.match(st.sandbox!.reason!, /the project's SQL is MySQL, and the sandbox is PostgreSQL \(PGlite\).*--check-server local/);
    assert.deepEqual(await c.codeLenses(q), []);
    const r = await c.conn.sendRequest<ExplainResult>(EXPLAIN_REQUEST, { uri: q, line: 1 });
    assert.equal(r.ok, false);
    assert.match((r as { message: string }).message, /This file is MySQL .*Explain runs PostgreSQL's planner/);
    assert.ok(!c.statuses.some((s) => s.sandbox?.state === 'starting'), 'PGlite never started');
  });
});

describe('the sandbox input', () => {
  test('a project with both dialects: the MySQL files are not sent to PGlite', async () => {
    await ready();
    const p = new Project();
    p.setFile('/w/migrations/001_a.sql', 'CREATE TABLE a (id int PRIMARY KEY);\n');
    p.setFile('/w/migrations/002_b.mysql.sql', 'CREATE TABLE `b` (`id` INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\nSELECT * FROM `b`;\n');
    p.setFile('/w/queries/q.mysql.sql', 'SELECT id FROM b WHERE id = 1;\n');
    p.setFile('/w/migrations/003_c.sql', 'CREATE TABLE c (id int PRIMARY KEY);\n');
    p.setFile('/w/queries/r.sql', 'SELECT id FROM a;\n');
    assert.equal(p.mainFamily(), 'postgres');
    const input = sandboxInput(p, { rows: 0 });
    assert.deepEqual(input.files.map((f) => f.path).sort(), ['/w/migrations/001_a.sql', '/w/migrations/003_c.sql', '/w/queries/r.sql']);
  });
});

describe('completion on MySQL files', () => {
  type Item = { label: string; textEdit?: { newText: string }; detail?: string };
  async function complete(c: LspClient, uri: string, text: string, cursor = '|'): Promise<Item[]> {
    const at = text.indexOf(cursor);
    const clean = text.slice(0, at) + text.slice(at + cursor.length);
    await c.open(uri, clean);
    const before = clean.slice(0, at);
    const line = before.split('\n').length - 1;
    const character = before.length - before.lastIndexOf('\n') - 1;
    const r = await c.conn.sendRequest<{ items: Item[] } | null>('textDocument/completion', { textDocument: { uri }, position: { line, character } });
    return r?.items ?? [];
  }
  const newTexts = (items: Item[]) => items.map((i) => i.textEdit?.newText ?? i.label);

  test('tables and columns of the MySQL schema, backticks where MySQL needs them, never the PostgreSQL tables', async () => {
    const ws = workspace({
      'migrations/004_order.sql': 'CREATE TABLE `order` (`id` INT NOT NULL PRIMARY KEY, `key` VARCHAR(10), `note` TEXT) ENGINE=InnoDB;\n',
      'pg/001_accounts.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY);\n',
    });
    const c = await start(ws);
    const uri = fileUri(path.join(ws, 'queries/new.sql'));
    const rels = newTexts(await complete(c, uri, '# new query\nselect * from |'));
    assert.ok(rels.includes('users') && rels.includes('orders'), rels.join(' '));
    assert.ok(rels.includes('`order`'), `a reserved word is quoted: ${rels.join(' ')}`);
    assert.ok(!rels.includes('accounts'), 'a PostgreSQL table is not offered on a MySQL file');
    const cols = newTexts(await complete(c, uri, 'select o.| from `order` o;'));
    assert.deepEqual(cols.sort(), ['`key`', 'id', 'note']);
    const typed = newTexts(await complete(c, uri, 'select `id` from `users` u where u.`em|'));
    assert.ok(typed.includes('`email`'), `an opened backtick is closed: ${typed.join(' ')}`);
    const expr = await complete(c, uri, 'select `email`, date_f| from `users`;');
    assert.ok(newTexts(expr).includes('date_format'), 'MySQL functions');
    assert.ok(newTexts(await complete(c, uri, 'select `email` from `users` u where u.id = 1 and st|;')).includes('str_to_date'));
    assert.ok(!newTexts(await complete(c, uri, 'select array_a| from `users`;')).includes('array_agg'), 'no PostgreSQL-only function');
  });

  test('no completion in a # comment or a "string"; MySQL keywords at a statement start, for a column type and table options', async () => {
    const ws = workspace();
    const c = await start(ws);
    const uri = fileUri(path.join(ws, 'queries/new.sql'));
    assert.deepEqual(await complete(c, uri, 'select 1;\n# select * from |\n'), []);
    assert.deepEqual(await complete(c, uri, 'select * from `users` where `email` = "a fr|";'), []);
    const starts = newTexts(await complete(c, uri, 'select 1;\n|'));
    assert.ok(starts.includes('REPLACE INTO') && starts.includes('INSERT IGNORE INTO'), starts.join(', '));
    assert.ok(!starts.includes('CREATE MATERIALIZED VIEW') && !starts.includes('CREATE INDEX CONCURRENTLY'), 'no PostgreSQL-only statement');
    const types = newTexts(await complete(c, uri, 'CREATE TABLE `t` (`id` |'));
    assert.ok(types.includes('INT') && types.includes('DATETIME') && types.includes('TINYINT'), types.join(' '));
    assert.ok(newTexts(await complete(c, uri, 'create table `t` (`id` |')).includes('datetime'), 'lower case like the statement');
    const opts = newTexts(await complete(c, uri, 'CREATE TABLE `t` (`id` INT |'));
    assert.ok(opts.includes('AUTO_INCREMENT') && opts.includes('UNSIGNED'), opts.join(' '));
    const table = newTexts(await complete(c, uri, 'CREATE TABLE `t` (`id` INT) |'));
    assert.ok(table.includes('ENGINE = InnoDB'), table.join(' '));
    const lower = newTexts(await complete(c, uri, 'alter table `users` |'));
    assert.ok(lower.includes('modify column') && lower.includes('add index'), `lower case like the statement: ${lower.join(', ')}`);
  });

  test('signature help for a MySQL function', async () => {
    const ws = workspace();
    const c = await start(ws);
    const uri = fileUri(path.join(ws, 'queries/sig.sql'));
    const text = 'select date_format(`created_at`, ) from `users`;';
    await c.open(uri, text);
    const h = await c.conn.sendRequest<{ signatures: { label: string }[]; activeParameter: number } | null>('textDocument/signatureHelp', { textDocument: { uri }, position: { line: 0, character: text.indexOf(', )') + 2 } });
    assert.ok(h, 'an answer');
    assert.match(h!.signatures[0].label, /^date_format\(date, format/);
    assert.equal(h!.activeParameter, 1);
  });
});

describe('dbe lint --verbose', () => {
  test('prints the project\'s dialect with why, and the files that differ with theirs', () => {
    const ws = workspace({ 'pg/legacy.postgres.sql': 'SELECT 1;\n' });
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'lint', '--verbose', '.'], { cwd: ws, encoding: 'utf8', env: { ...process.env, DBE_CACHE_DIR: path.join(ws, '.cache'), DBE_TIMING: '' }, timeout: 60_000 });
    assert.match(r.stderr, /^dbe: \.: dialect: MySQL \(4 of 5 SQL files; detected from their statements/m);
    assert.match(r.stderr, /^dbe: \.: {3}pg\/legacy\.postgres\.sql is PostgreSQL: file name \(postgres\)$/m);
    const plain = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'lint', '.'], { cwd: ws, encoding: 'utf8', env: { ...process.env, DBE_CACHE_DIR: path.join(ws, '.cache'), DBE_TIMING: '' }, timeout: 60_000 });
    assert.doesNotMatch(plain.stderr, /dialect:/, 'only with --verbose');
    const cfg = workspace({ '.dbe.json': '{ "dialect": "mariadb" }\n' });
    const c = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'lint', '--verbose', '.'], { cwd: cfg, encoding: 'utf8', env: { ...process.env, DBE_CACHE_DIR: path.join(cfg, '.cache'), DBE_TIMING: '' }, timeout: 60_000 });
    assert.match(c.stderr, /dialect: MariaDB \(4 of 4 SQL files; "dialect" in \.dbe\.json\)/);
  });
});

describe('code actions on MySQL findings', () => {
  test('a finding on a MySQL file gets its ignore comments (valid MySQL) and never a fix in PostgreSQL\'s words', async () => {
    const ws = workspace();
    const c = await start(ws, { createFiles: true });
    const uri = fileUri(path.join(ws, 'migrations/001_users.sql'));
    const published = await c.open(uri, fs.readFileSync(path.join(ws, 'migrations/001_users.sql'), 'utf8'));
    const d = published.diagnostics.find((x) => x.code === 'int-primary-key');
    assert.ok(d, `int-primary-key on the MySQL key: ${published.diagnostics.map((x) => x.code).join(', ')}`);
    const actions = await c.codeActions(uri, [d]);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Ignore int-primary-key for this statement'), titles.join(' | '));
    const texts = actions.flatMap((a) => [
      ...Object.values(a.edit?.changes ?? {}).flat().map((e) => e.newText),
      ...(a.edit?.documentChanges ?? []).flatMap((dc) => ('edits' in dc ? dc.edits.map((e) => e.newText) : [])),
    ]);
    assert.ok(texts.some((t) => /^-- dbe-ignore int-primary-key/m.test(t)), 'a `-- ` comment, which MySQL reads as a comment too');
    for (const t of texts) assert.equal(postgresOnly(t), undefined, `no PostgreSQL-only text offered: ${t.slice(0, 200)}`);
  });

  test('postgresOnly: what only PostgreSQL runs, comments aside', () => {
    assert.equal(postgresOnly("SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN id TYPE bigint;"), 'SET lock_timeout');
    assert.equal(postgresOnly('ALTER TABLE users ALTER COLUMN id TYPE bigint;'), 'ALTER COLUMN ... TYPE');
    assert.equal(postgresOnly('CREATE INDEX CONCURRENTLY i ON t (a);'), 'CONCURRENTLY');
    assert.equal(postgresOnly("SELECT '1'::int;"), '::');
    assert.equal(postgresOnly('ALTER TABLE `users` MODIFY `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT;'), undefined);
    assert.equal(postgresOnly('-- not CONCURRENTLY: MySQL has no such thing\nCREATE INDEX i ON t (a);\nDROP INDEX i ON t;'), undefined);
    assert.equal(postgresOnly("ALTER TABLE t ALTER COLUMN c SET DEFAULT 'x';"), undefined);
  });
});

describe('the Schema view', () => {
  test('a MySQL project: its MySQL tables, named MySQL; with more PostgreSQL files: the PostgreSQL tables and the count of MySQL files left out', async () => {
    const ws = workspace();
    const c = await start(ws);
    const r = await c.conn.sendRequest<SchemaTreeResult>(SCHEMA_TREE_REQUEST, {});
    const f = r.folders[0];
    assert.equal(f.dialect, 'MySQL');
    assert.deepEqual(f.tables.map((t) => t.name), ['orders', 'users']);
    const users = f.tables.find((t) => t.name === 'users')!;
    assert.deepEqual(users.columns.map((col) => [col.name, col.type]), [['id', 'INT UNSIGNED'], ['email', 'VARCHAR(255)'], ['created_at', 'DATETIME']]);
    assert.equal(f.otherDialectFiles, undefined);

    const mixed = workspace({
      'pg/001_a.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY);\n', 'pg/002_b.sql': 'CREATE TABLE ledgers (id bigint PRIMARY KEY);\n',
      'pg/003_c.sql': 'CREATE TABLE entries (id bigint PRIMARY KEY);\n', 'pg/004_d.sql': 'CREATE TABLE notes (id bigint PRIMARY KEY);\n',
      'pg/005_e.sql': 'CREATE TABLE tags (id bigint PRIMARY KEY);\n',
    });
    const c2 = await start(mixed);
    const m = (await c2.conn.sendRequest<SchemaTreeResult>(SCHEMA_TREE_REQUEST, {})).folders[0];
    assert.equal(m.dialect, 'PostgreSQL');
    assert.deepEqual(m.tables.map((t) => t.name), ['accounts', 'entries', 'ledgers', 'notes', 'tags']);
    assert.equal(m.otherDialectFiles, 4);
  });
});

describe('typing in a MySQL query keeps the schema epoch', () => {
  test('ddlSignature: a MySQL query, SHOW or session SET is not DDL; CREATE/ALTER and a comment-hidden one are', async () => {
    await ready();
    const { ddlSignature } = await import('../server/src/lsp/server');
    const sig = (text: string) => { const p = new Project(); return ddlSignature(p.setFile('/w/q.mysql.sql', text)); };
    assert.equal(sig('select `a` from `t`;\n# note\nSET NAMES utf8mb4;\n'), sig('select `a`, `b` from `t` where `c` = 1;\n# note\nSET NAMES utf8mb4;\n'));
    assert.equal(sig('delete from `t`;\n(select 1) union (select 2);'), sig('delete from `t` where id = 2;\n(select 1);'));
    assert.notEqual(sig('CREATE TABLE `t` (`a` INT);'), sig('CREATE TABLE `t` (`a` BIGINT);'));
    assert.notEqual(sig('ALTER TABLE `t` ADD `b` INT;\nselect 1;'), sig('ALTER TABLE `t` ADD `c` INT;\nselect 1;'));
    assert.notEqual(sig('/*!40101 ALTER TABLE `t` ENGINE=InnoDB */;'), sig('/*!40101 ALTER TABLE `t` ENGINE=MyISAM */;'), 'executable comment: code');
    assert.notEqual(sig('selection_table_create();'), sig('selection_table_create(2);'), 'a word that starts like select is not a query');
  });
});
