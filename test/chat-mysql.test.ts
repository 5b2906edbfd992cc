// The chat for a MySQL file: the context names the dialect and gives the schema as MySQL DDL (from the
// file's own dialect's schema), and the system prompt tells the model to answer in MySQL; a PostgreSQL
// file's request is what it was. Driven through askStream and `dbe ask` against the local stand-in
// for the Messages API (test/anthropic-standin.ts), and through the language server's chatContext.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildContext } from '../server/src/chat/context';
import { askStream, DEFAULT_MODEL } from '../server/src/chat/client';
import { loadSystemPrompt, withDialect } from '../server/src/chat/persona-source';
import { projectFor, ready, ROOT } from './helpers';
import { fileUri, LspClient } from './lspClient';
import { StandIn, streamAnswer } from './anthropic-standin';

const EXAMPLE = path.join(ROOT, 'examples', 'shop-mysql');
const REPORTS = path.join(EXAMPLE, 'queries', 'reports.sql');
const PG_SHOP = path.join(ROOT, 'test', 'fixtures', 'chat', 'shop');
const PG_REPORT = path.join(PG_SHOP, 'queries', 'report.sql');
const CLI = path.join(ROOT, 'dist', 'cli.js');

const stand = new StandIn();
let persona = '';
const dirs: string[] = [];

before(async () => {
  await ready();
  await stand.start();
  persona = loadSystemPrompt().text;
});
after(async () => {
  await stand.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-chat-mysql-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

async function send(system: string, context: string): Promise<any> {
  stand.reset((_q, res) => { void streamAnswer(res, ['ok']); });
  await askStream({ apiKey: 'test-key', baseURL: stand.url, model: DEFAULT_MODEL, maxTokens: 64, system, context, question: 'Why is this slow?', onText: () => {}, timeoutMs: 5000, maxRetries: 0 });
  assert.equal(stand.requests.length, 1);
  return stand.requests[0].body;
}

describe('chat context of a MySQL file', () => {
  test('names the dialect and why, and gives the referenced tables as MySQL DDL', () => {
    const c = buildContext(projectFor(EXAMPLE), { file: REPORTS, budgetChars: 20_000 });
    assert.equal(c.dialect, 'mysql');
    assert.equal(c.text.split('\n')[0], 'Dialect: MySQL 8 ("dialect" in .dbe.json). Answer with MySQL syntax and tools, not PostgreSQL\'s.');
    assert.match(c.text, /## Schema \(tables referenced, after all migrations, as MySQL DDL\)\n\n```sql\nCREATE TABLE `orders` \(\n/);
    assert.match(c.text, /  `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,\n  `user_id` BIGINT UNSIGNED NOT NULL,\n  `status` VARCHAR\(100\) NOT NULL DEFAULT 'pending',/);
    assert.match(c.text, /  CONSTRAINT `fk_orders_user` FOREIGN KEY \(`user_id`\) REFERENCES `users` \(`id`\)\n\) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;/);
    assert.match(c.text, /-- fk_orders_user: created by InnoDB for the foreign key/);
    assert.match(c.text, /CREATE TABLE `products` \([\s\S]*?\) ENGINE=InnoDB DEFAULT CHARSET=utf8;/, 'the legacy utf8 table as it is');
    // after 000003's RENAME COLUMN: the schema is the replayed one, not the first CREATE TABLE
    assert.match(c.text, /`handle` VARCHAR\(50\) NOT NULL/);
    assert.doesNotMatch(c.text, /TABLE public\./, 'not the PostgreSQL rendering');
    assert.doesNotMatch(c.text, /`suppliers`/, 'only the tables the file names');
  });

  test('a selection: only its statement\'s tables; a MariaDB project says MariaDB', () => {
    const sel = buildContext(projectFor(EXAMPLE), { file: REPORTS, lines: [14, 14], budgetChars: 20_000 });
    assert.match(sel.text, /^Dialect: MySQL 8 /);
    assert.match(sel.text, /CREATE TABLE `users`/);
    assert.doesNotMatch(sel.text, /CREATE TABLE `orders`/);

    const dir = tempProject({
      '.dbe.json': '{ "dialect": "mariadb" }',
      'schema.sql': 'CREATE TABLE `t` (\n  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  name VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,\n  KEY idx_name (name(10))\n) ENGINE=Aria;\n',
      'q.sql': 'SELECT id FROM `t` WHERE name = \'x\';\n',
    });
    const c = buildContext(projectFor(dir), { file: path.join(dir, 'q.sql'), budgetChars: 20_000 });
    assert.equal(c.dialect, 'mariadb');
    assert.match(c.text, /^Dialect: MariaDB \("dialect" in \.dbe\.json\)\. Answer with MariaDB syntax/);
    assert.match(c.text, /`name` VARCHAR\(20\) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL/);
    assert.match(c.text, /KEY `idx_name` \(`name`\(10\)\)/);
    assert.match(c.text, /\) ENGINE=Aria;/);
  });

  test('no file open in a MySQL project: the project schema as MySQL DDL, the dialect named', () => {
    const c = buildContext(projectFor(EXAMPLE), { budgetChars: 20_000 });
    assert.equal(c.dialect, 'mysql');
    assert.match(c.text, /Dialect: MySQL \(most of the project's SQL files\)/);
    assert.match(c.text, /CREATE TABLE `suppliers` \(/);
  });
});

describe('the request for a MySQL file', () => {
  test('system prompt: the persona, then the dialect and its tools; context: the dialect line and MySQL DDL', async () => {
    const c = buildContext(projectFor(EXAMPLE), { file: REPORTS, budgetChars: 20_000 });
    const body = await send(withDialect(persona, c.dialect), c.text);
    const system: string = body.system[0].text;
    assert.ok(system.startsWith(persona), 'the persona comes first, unchanged');
    const tail = system.slice(persona.length);
    assert.match(tail, /## This conversation's dialect/);
    assert.match(tail, /The user's file is MySQL 8/);
    for (const tool of ['EXPLAIN FORMAT=JSON', 'ALGORITHM=INPLACE, LOCK=NONE', 'gh-ost', 'pt-online-schema-change', 'performance_schema']) assert.ok(tail.includes(tool), tool);
    assert.match(tail, /Do not give PostgreSQL syntax or tools \(`CREATE INDEX CONCURRENTLY`/);
    assert.deepEqual(body.system[0].cache_control, { type: 'ephemeral' });
    const ctx: string = body.messages[0].content[0].text;
    assert.match(ctx, /\n\nDialect: MySQL 8 \("dialect" in \.dbe\.json\)/);
    assert.match(ctx, /CREATE TABLE `orders` \(/);
    assert.match(withDialect(persona, 'mariadb'), /The user's file is MariaDB/);
  });

  test('a PostgreSQL file: the persona alone and the context as before, with no dialect line', async () => {
    const c = buildContext(projectFor(PG_SHOP), { file: PG_REPORT, budgetChars: 20_000 });
    assert.equal(c.dialect, undefined);
    assert.equal(withDialect(persona, c.dialect), persona);
    assert.equal(withDialect(persona, 'postgres'), persona);
    const body = await send(withDialect(persona, c.dialect), c.text);
    assert.equal(body.system[0].text, persona);
    const ctx: string = body.messages[0].content[0].text;
    assert.doesNotMatch(ctx, /Dialect:/);
    assert.doesNotMatch(ctx, /CREATE TABLE `/);
    assert.match(ctx, /TABLE public\.orders/);
  });

  test('the persona itself: answer in the file\'s dialect, with a MySQL and MariaDB section', () => {
    assert.match(persona, /Answer in the dialect of the user's file; with no `Dialect:` line, answer for\s+PostgreSQL first/);
    assert.match(persona, /### MySQL and MariaDB files/);
    for (const s of ['gh-ost', 'pt-online-schema-change', 'EXPLAIN FORMAT=JSON', 'performance_schema', 'utf8mb4']) assert.ok(persona.includes(s), s);
  });
});

describe('dbe ask and the language server on a MySQL file', () => {
  test('dbe ask --file queries/reports.sql in examples/shop-mysql sends the dialect and MySQL DDL', async () => {
    stand.reset((_q, res) => { void streamAnswer(res, ['Use ', 'EXPLAIN FORMAT=JSON.']); });
    const env: NodeJS.ProcessEnv = { ...process.env, DBE_DEBUG: '', ANTHROPIC_BASE_URL: stand.url, ANTHROPIC_API_KEY: 'test-key' };
    delete env.ANTHROPIC_AUTH_TOKEN;
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'ask', '--file', 'queries/reports.sql', 'why slow?'], { cwd: EXAMPLE, env, timeout: 20_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof (err as any).code === 'number' ? (err as any).code : -1) : 0, stdout, stderr }));
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Use EXPLAIN FORMAT=JSON.\n');
    const body = stand.requests[0].body;
    assert.match(body.system[0].text, /The user's file is MySQL 8/);
    assert.match(body.messages[0].content[0].text, /^Project context[^\n]*\n\nDialect: MySQL 8 /);
    assert.match(body.messages[0].content[0].text, /CREATE TABLE `orders` \(/);
  });

  test('dbEngineer/chatContext carries the dialect for the editor\'s chat', async () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-chat-mysql-ws-'));
    dirs.push(ws);
    fs.cpSync(EXAMPLE, ws, { recursive: true });
    const client = await LspClient.start({ folder: ws });
    try {
      const file = path.join(ws, 'queries', 'reports.sql');
      const u = fileUri(file);
      await client.open(u, fs.readFileSync(file, 'utf8'), 60_000);
      const ctx: any = await client.conn.sendRequest('dbEngineer/chatContext', { uri: u });
      assert.equal(ctx.dialect, 'mysql');
      assert.match(ctx.text, /^Dialect: MySQL 8 /);
      assert.match(ctx.text, /CREATE TABLE `orders` \(/);
      const pg = path.join(ws, 'queries', 'pg.postgres.sql');
      const pgCtx: any = await (async () => { await client.open(fileUri(pg), 'SELECT 1;\n', 60_000); return client.conn.sendRequest('dbEngineer/chatContext', { uri: fileUri(pg) }); })();
      assert.equal(pgCtx.dialect, undefined, 'a file named for PostgreSQL in the same workspace');
      assert.doesNotMatch(pgCtx.text, /Dialect:/);
    } finally {
      await client.stop();
    }
  });
});
