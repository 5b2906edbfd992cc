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
import { Project } from '../server/src/engine/project';
import { sandboxInput } from '../server/src/sandbox/input';
import { lex } from '../server/src/dialects/mysql/lex';

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
    assert.match(st.sandbox!.reason!, /the project's SQL is MySQL, and the sandbox is PostgreSQL \(PGlite\)/);
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
