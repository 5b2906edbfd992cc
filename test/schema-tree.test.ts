// The Schema view's requests over stdio (dist/server.js, driven by test/lspClient.ts):
// dbEngineer/schemaTree gives the replayed tables with columns, keys, indexes, foreign keys, their
// definitions' locations and the findings that belong to each table, plus the index recommendations
// with a ready WorkspaceEdit; dbEngineer/indexMigration writes all of them into one new migration,
// and once that file exists the recommendations are gone. Run `npm run build` first (npm test does).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyTextEdits, fileUri, LspClient } from './lspClient';
import {
  INDEX_MIGRATION_REQUEST, SCHEMA_TREE_REQUEST,
  type IndexMigrationResult, type LspWorkspaceEdit, type SchemaTable, type SchemaTreeResult,
} from '../server/src/lsp/schema-protocol';
import { parseStatement } from '../server/src/sql/parse';
import { splitStatements } from '../server/src/sql/split';
import { ready } from './helpers';

const FILES: Record<string, string> = {
  'migrations/001_init.sql': [
    'CREATE TABLE users (',
    '  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,',
    '  email text NOT NULL,',
    '  created_at timestamptz NOT NULL DEFAULT now()',
    ');',
    'CREATE UNIQUE INDEX users_email_key ON users (email);',
    'CREATE TABLE orders (',
    '  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,',
    '  user_id bigint NOT NULL REFERENCES users (id),',
    '  total numeric(12,2) NOT NULL',
    ');',
    '',
  ].join('\n'),
  'migrations/002_items.sql': [
    'CREATE TABLE items (',
    '  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,',
    '  order_id bigint NOT NULL,',
    '  CONSTRAINT items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id)',
    ');',
    'ALTER TABLE orders ADD COLUMN placed_at timestamp;',
    'CREATE INDEX orders_total_idx ON orders (total) WHERE total > 0;',
    'CREATE VIEW big_orders AS SELECT id, total FROM orders;',
    '',
  ].join('\n'),
  'queries/report.sql': 'SELECT * FROM orders;\n',
};

function makeWorkspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-tree-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** The tree once the server has scanned the workspace. */
async function treeOf(client: LspClient, params: object = {}): Promise<SchemaTreeResult> {
  for (let i = 0; i < 100; i++) {
    const r = await client.conn.sendRequest<SchemaTreeResult>(SCHEMA_TREE_REQUEST, params);
    if (r.status !== 'not-ready') return r;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('the server never became ready');
}

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

describe('dbEngineer/schemaTree and dbEngineer/indexMigration over stdio', () => {
  let ws: string;
  let client: LspClient;
  const uri = (rel: string) => fileUri(path.join(ws, rel));
  const read = (rel: string) => fs.readFileSync(path.join(ws, rel), 'utf8');
  const table = (r: SchemaTreeResult, name: string): SchemaTable => {
    const t = r.folders[0].tables.find((x) => x.name === name);
    assert.ok(t, `table ${name} in ${r.folders[0].tables.map((x) => x.name)}`);
    return t;
  };

  before(async () => {
    await ready();
    ws = makeWorkspace(FILES);
    dirs.push(ws);
    client = await LspClient.start({ folder: ws, createFiles: true, settings: { debounceMs: 5 } });
  });
  after(async () => { await client?.stop(); });

  test('tables (sorted), kinds, columns with type / NOT NULL / default / identity, keys and indexes', async () => {
    const r = await treeOf(client);
    assert.equal(r.status, 'ok');
    assert.equal(r.trusted, true);
    assert.equal(r.folders.length, 1);
    assert.equal(r.folders[0].uri, fileUri(ws));
    assert.deepEqual(r.folders[0].tables.map((t) => [t.name, t.kind]), [['big_orders', 'view'], ['items', 'table'], ['orders', 'table'], ['users', 'table']]);

    const users = table(r, 'users');
    assert.deepEqual(users.columns.map((c) => [c.name, c.type, c.notNull, c.hasDefault, c.identity]), [
      ['id', 'bigint', true, true, true],
      ['email', 'text', true, false, false],
      ['created_at', 'timestamptz', true, true, false],
    ]);
    assert.deepEqual(users.primaryKey, { columns: ['id'] });
    assert.deepEqual(users.indexes.map((i) => [i.name, i.columns, i.unique, i.constraint ?? '', i.method]), [
      ['users_email_key', ['email'], true, '', 'btree'],
      ['users_pkey', ['id'], true, 'primary', 'btree'],
    ]);
    // where it is defined: the name in CREATE TABLE users
    assert.deepEqual(users.location, { uri: uri('migrations/001_init.sql'), range: { start: { line: 0, character: 13 }, end: { line: 0, character: 18 } } });
    assert.deepEqual(users.columns[1].location?.range.start, { line: 2, character: 2 });

    const orders = table(r, 'orders');
    assert.deepEqual(orders.columns.map((c) => `${c.name} ${c.type}${c.notNull ? ' NOT NULL' : ''}`), [
      'id bigint NOT NULL', 'user_id bigint NOT NULL', 'total numeric(12,2) NOT NULL', 'placed_at timestamp',
    ]);
    assert.equal(orders.columns[3].location?.uri, uri('migrations/002_items.sql'), 'a column added later points at its ALTER TABLE');
    const partial = orders.indexes.find((i) => i.name === 'orders_total_idx')!;
    assert.equal(partial.predicate, 'total > 0');
    assert.equal(partial.location?.uri, uri('migrations/002_items.sql'));
    assert.equal(partial.location?.range.start.line, 6);
  });

  test('foreign keys point at the referenced table; findings belong to the table whose statement they are in', async () => {
    const r = await treeOf(client);
    const orders = table(r, 'orders');
    assert.deepEqual(orders.foreignKeys.map((f) => [f.columns, f.refTable, f.refColumns]), [[['user_id'], 'public.users', ['id']]]);
    const items = table(r, 'items');
    assert.deepEqual(items.foreignKeys.map((f) => [f.name, f.columns, f.refTable]), [['items_order_fk', ['order_id'], 'public.orders']]);

    const rules = (t: SchemaTable) => t.findings.map((f) => f.rule).sort();
    assert.ok(rules(orders).includes('fk-without-index'), `orders: ${rules(orders)}`);
    // the ALTER TABLE orders in 002 is a statement about orders too
    assert.ok(rules(orders).includes('timestamp-without-time-zone'), `orders: ${rules(orders)}`);
    assert.ok(rules(items).includes('fk-without-index'), `items: ${rules(items)}`);
    assert.ok(!rules(table(r, 'users')).includes('fk-without-index'), 'the referenced table does not get the finding');
    // a query's finding belongs to no table
    const all = r.folders[0].tables.flatMap((t) => t.findings);
    assert.ok(!all.some((f) => f.location?.uri === uri('queries/report.sql')), 'select-star of the query file is in no table');
    const fk = orders.findings.find((f) => f.rule === 'fk-without-index')!;
    assert.equal(fk.location?.uri, uri('migrations/001_init.sql'));
    assert.equal(fk.location?.range.start.line, 8);
  });

  test('index recommendations: each fk-without-index finding with its table and its fix as a WorkspaceEdit', async () => {
    const r = await treeOf(client);
    const recs = r.folders[0].recommendations;
    assert.deepEqual(recs.map((x) => [x.rule, x.table]), [['fk-without-index', 'public.orders'], ['fk-without-index', 'public.items']]);
    assert.match(recs[0].message, /orders \(user_id\)/);
    // orders was created by an earlier migration: its index is a new migration, applied ones are not edited
    assert.match(recs[0].fix!.title, /idx_orders_user_id .*in a new migration 003_add_idx_orders_user_id\.sql/);
    const changes = recs[0].fix!.edit.documentChanges as any[];
    assert.deepEqual(changes[0], { kind: 'create', uri: uri('migrations/003_add_idx_orders_user_id.sql'), options: { overwrite: false, ignoreIfExists: false } });
    assert.match(changes[1].edits[0].newText, /CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id ON orders \(user_id\);/);
    // items is created in the newest migration, the one being written: the index goes right there
    const items = recs[1].fix!.edit.changes![uri('migrations/002_items.sql')];
    assert.match(items[0].newText, /CREATE INDEX idx_items_order_id ON items \(order_id\);/);
  });

  test('applying one recommendation removes it; indexMigration writes the rest into one new migration, which clears them', async () => {
    let r = await treeOf(client);
    const first = r.folders[0].recommendations[0];
    const changes = first.fix!.edit.documentChanges as any[];
    const created = changes[0].uri as string;
    await client.open(created, changes[1].edits[0].newText);
    r = await treeOf(client);
    assert.deepEqual(r.folders[0].recommendations.map((x) => x.table), ['public.items']);
    assert.ok(table(r, 'orders').indexes.some((i) => i.name === 'idx_orders_user_id'), 'the new index shows in the tree');

    const m = await client.conn.sendRequest<IndexMigrationResult>(INDEX_MIGRATION_REQUEST, {});
    assert.equal(m.count, 1);
    const newUri = uri('migrations/004_add_index_idx_items_order_id.sql');
    assert.deepEqual(m.uris, [newUri]);
    assert.match(m.message, /1 CREATE INDEX statement from 1 recommendation/);
    const edit = m.edit as LspWorkspaceEdit;
    assert.deepEqual(edit.documentChanges![0], { kind: 'create', uri: newUri, options: { overwrite: false, ignoreIfExists: false } });
    const write = edit.documentChanges![1] as { textDocument: { uri: string }; edits: { newText: string }[] };
    assert.equal(write.textDocument.uri, newUri);
    const text = write.edits[0].newText;
    assert.match(text, /^-- Add index idx_items_order_id\n/);
    assert.match(text, /CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_items_order_id ON items \(order_id\);/, "items exists by then: built without blocking writes");
    for (const s of splitStatements(text).statements) assert.equal(parseStatement(s.text).error, undefined, s.text);

    // the editor creates the file: the new migration is analysed with the others
    const p = await client.open(newUri, text);
    assert.deepEqual(p.diagnostics.map((d) => d.code), [], 'the migration has no finding of its own');
    r = await treeOf(client);
    assert.deepEqual(r.folders[0].recommendations, []);
    assert.ok(table(r, 'items').indexes.some((i) => i.name === 'idx_items_order_id'));
    const again = await client.conn.sendRequest<IndexMigrationResult>(INDEX_MIGRATION_REQUEST, {});
    assert.deepEqual(again, { message: 'There are no index recommendations to write.', uris: [], count: 0 });
  });

  test('bad parameters get an answer, not an error', async () => {
    const r = await treeOf(client, { folder: 'file:///no/such/folder' });
    assert.deepEqual(r.folders, []);
    const m = await client.conn.sendRequest<IndexMigrationResult>(INDEX_MIGRATION_REQUEST, { folder: 'file:///no/such/folder' });
    assert.match(m.message, /is not a workspace folder/);
    assert.equal(m.edit, undefined);
    const junk = await client.conn.sendRequest<SchemaTreeResult>(SCHEMA_TREE_REQUEST, { folder: 42 });
    assert.equal(junk.status, 'ok');
    assert.equal(junk.folders.length, 1);
  });
});

describe('dbEngineer/schemaTree in Restricted Mode and when disabled', () => {
  test('untrusted: only open documents make the schema, and the result says so', async () => {
    const ws = makeWorkspace(FILES);
    dirs.push(ws);
    const client = await LspClient.start({ folder: ws, trusted: false });
    try {
      let r = await treeOf(client);
      assert.equal(r.trusted, false);
      assert.deepEqual(r.folders[0].tables, [], 'nothing is scanned');
      await client.open(fileUri(path.join(ws, 'migrations/001_init.sql')), FILES['migrations/001_init.sql']);
      r = await treeOf(client);
      assert.deepEqual(r.folders[0].tables.map((t) => t.name), ['orders', 'users']);
    } finally { await client.stop(); }
  });

  test('dbEngineer.enable off: status disabled, no tables', async () => {
    const ws = makeWorkspace(FILES);
    dirs.push(ws);
    const client = await LspClient.start({ folder: ws, settings: { enable: false } });
    try {
      const r = await treeOf(client);
      assert.deepEqual(r, { status: 'disabled', trusted: true, folders: [] });
      const m = await client.conn.sendRequest<IndexMigrationResult>(INDEX_MIGRATION_REQUEST, {});
      assert.match(m.message, /disabled/);
    } finally { await client.stop(); }
  });
});

describe('dbEngineer/schemaTree with missing-index proposals', () => {
  test('an index that serves several queries is one recommendation, under the table it goes on', async () => {
    const ws = makeWorkspace({
      'migrations/001_init.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\nCREATE TABLE posts (id bigint PRIMARY KEY, author_id bigint NOT NULL, published_at timestamptz NOT NULL, title text NOT NULL);\n',
      'queries/posts.sql': 'SELECT id, title FROM posts WHERE author_id = $1 ORDER BY published_at DESC LIMIT 20;\n\nSELECT count(*) FROM posts WHERE author_id = $1;\n',
    });
    dirs.push(ws);
    const client = await LspClient.start({ folder: ws, createFiles: true });
    try {
      const r = await treeOf(client);
      const recs = r.folders[0].recommendations.filter((x) => x.rule === 'missing-index');
      assert.equal(recs.length, 1, JSON.stringify(r.folders[0].recommendations.map((x) => x.message)));
      assert.equal(recs[0].table, 'public.posts');
      assert.match(recs[0].fix!.title, /idx_posts_author_id/);
      assert.match(recs[0].message, /also serves 1 other query/);
    } finally { await client.stop(); }
  });
});
