// Completion and signature help: the context found from the text around the cursor (unit), the
// schema as it stands at a point of a migration (engine), and the items a client gets through the
// real stdio server on examples/shop, a small workspace with odd names, and lemmy (corpus).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CompletionItem, CompletionList, SignatureHelp } from 'vscode-languageserver-protocol';
import { fileUri, LspClient } from './lspClient';
import { CORPUS, projectFor, ready, ROOT } from './helpers';
import { completionContext, type CompletionContext } from '../server/src/lsp/completion-context';
import { signatureAt } from '../server/src/lsp/handlers/completion';
import { SchemaTimeline } from '../server/src/engine/schema-at';
import { splitStatements } from '../server/src/sql/split';
import { applyStatement } from '../server/src/replay';
import { isDownStatement } from '../server/src/model';
import { Schema } from '../server/src/schema';

/** The context at the `|` of a text. */
function ctxAt(marked: string): CompletionContext {
  const offset = marked.indexOf('|');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  const split = splitStatements(text);
  return completionContext(split.masked, offset, split.statements);
}
const scope = (c: CompletionContext) => (c.context.kind === 'expression' ? c.context.scope.map((r) => `${r.schema ? r.schema + '.' : ''}${r.name}${r.alias ? ' ' + r.alias : ''}`) : undefined);

describe('completion context from the text', () => {
  test('nothing inside comments and string literals; code again after a -- comment ends', () => {
    assert.equal(ctxAt("SELECT 'FROM |' FROM orders").context.kind, 'none');
    assert.equal(ctxAt("SELECT E'it\\'s FROM |' FROM orders").context.kind, 'none');
    assert.equal(ctxAt('SELECT * -- FROM |\nFROM orders').context.kind, 'none');
    assert.equal(ctxAt('SELECT * /* outer /* inner */ FROM | */ FROM orders').context.kind, 'none');
    assert.equal(ctxAt('SELECT 1; /* unterminated FROM |').context.kind, 'none');
    assert.equal(ctxAt("SELECT $q$ FROM | $q$;").context.kind, 'none', 'a dollar-quoted string that is no routine body');
    assert.equal(ctxAt('CREATE FUNCTION f() RETURNS int AS $$ return 1 | $$ LANGUAGE plpython3u;').context.kind, 'none', 'a body in another language');
    assert.equal(ctxAt('SELECT * -- a comment\nFROM |').context.kind, 'relation');
  });

  test('inside a SQL or PL/pgSQL body (CREATE FUNCTION, DO): its statements, as in a file', () => {
    assert.equal(ctxAt('CREATE FUNCTION f() RETURNS int AS $body$ SELECT * FROM | $body$ LANGUAGE sql;').context.kind, 'relation');
    const upd = ctxAt('CREATE OR REPLACE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nDECLARE n int;\nBEGIN\n  UPDATE orders SET | WHERE id = NEW.id;\n  RETURN NEW;\nEND\n$$;');
    assert.equal(upd.context.kind === 'columns-of' && upd.context.rel?.name, 'orders');
    const marked = 'DO $$ BEGIN\n  SELECT o.sta| FROM orders o;\nEND $$;';
    const d = ctxAt(marked);
    assert.equal(d.context.kind === 'columns-of' && d.context.rel?.name, 'orders');
    assert.equal(d.replaceStart, marked.indexOf('sta'), 'offsets are the file\'s');
    assert.equal(ctxAt('CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT * FROM |').context.kind, 'relation', 'after the body');
  });

  test('relations after FROM, JOIN, UPDATE, INSERT INTO, DELETE FROM, ALTER TABLE, REFERENCES and a comma in FROM', () => {
    for (const t of ['SELECT * FROM |', 'SELECT * FROM a JOIN |', 'SELECT * FROM a LEFT OUTER JOIN |', 'UPDATE |', 'INSERT INTO |', 'DELETE FROM |',
      'ALTER TABLE |', 'ALTER TABLE IF EXISTS |', 'ALTER TABLE ONLY |', 'CREATE TABLE x (id int REFERENCES |', 'SELECT * FROM a, |', 'CREATE INDEX i ON |', 'TRUNCATE |']) {
      assert.equal(ctxAt(t).context.kind, 'relation', t);
    }
    // a typed prefix is what gets replaced
    const c = ctxAt('SELECT * FROM ord|');
    assert.equal(c.context.kind, 'relation');
    assert.equal(c.prefix, 'ord');
    // schema-qualified: the relations of that schema
    assert.deepEqual(ctxAt('SELECT * FROM auth.|').context, { kind: 'relation', schema: 'auth' });
    assert.deepEqual(ctxAt('SELECT * FROM "Auth".us|').context, { kind: 'relation', schema: 'Auth' });
    // IS DISTINCT FROM is an expression, not a FROM clause
    assert.equal(ctxAt('SELECT * FROM t WHERE a IS DISTINCT FROM |').context.kind, 'expression');
    assert.equal(ctxAt('SELECT extract(year FROM |) FROM orders').context.kind, 'expression');
  });

  test('alias. resolves aliases declared anywhere in the statement, also after the cursor', () => {
    const c = ctxAt('SELECT o.| FROM orders o JOIN users u ON u.id = o.user_id');
    assert.equal(c.context.kind, 'columns-of');
    assert.deepEqual(c.context.kind === 'columns-of' && c.context.rel, { name: 'orders', alias: 'o', group: 0, schema: undefined });
    const q = ctxAt('SELECT x.| FROM "Order Items" AS x');
    assert.equal(q.context.kind === 'columns-of' && q.context.rel?.name, 'Order Items');
    const s = ctxAt('SELECT a.| FROM auth.users a');
    assert.equal(s.context.kind === 'columns-of' && s.context.rel?.schema, 'auth');
    // a table name as qualifier
    const t = ctxAt('SELECT orders.| FROM orders');
    assert.equal(t.context.kind === 'columns-of' && t.context.rel?.name, 'orders');
    // the innermost alias wins in a subquery that reuses it
    const inner = ctxAt('SELECT * FROM users o WHERE EXISTS (SELECT 1 FROM orders o WHERE o.| = 1)');
    assert.equal(inner.context.kind === 'columns-of' && inner.context.rel?.name, 'orders');
  });

  test('expressions see the relations in scope: their own FROM and the enclosing ones, not a sibling subquery', () => {
    assert.deepEqual(scope(ctxAt('SELECT | FROM orders o JOIN users u ON u.id = o.user_id')), ['orders o', 'users u']);
    assert.deepEqual(scope(ctxAt('SELECT * FROM orders o WHERE o.status = 1 AND |')), ['orders o']);
    assert.deepEqual(scope(ctxAt('SELECT * FROM users u WHERE u.id IN (SELECT o.user_id FROM orders o WHERE |)')), ['users u', 'orders o']);
    assert.deepEqual(scope(ctxAt('SELECT * FROM users u WHERE u.id IN (SELECT o.user_id FROM orders o) AND |')), ['users u']);
    assert.deepEqual(scope(ctxAt('SELECT * FROM orders o GROUP BY |')), ['orders o']);
    assert.deepEqual(scope(ctxAt("SELECT date_trunc('day', |) FROM orders")), ['orders']);
    assert.deepEqual(scope(ctxAt('select * from orders where |')), ['orders']);
    assert.equal(ctxAt('select * from orders where |').lowerKeywords, true);
  });

  test('CTEs: their names are relations, and a FROM inside one is not the outer scope', () => {
    const c = ctxAt('WITH recent AS (SELECT * FROM orders) SELECT * FROM |');
    assert.equal(c.context.kind, 'relation');
    assert.deepEqual(c.ctes, ['recent']);
    assert.deepEqual(scope(ctxAt('WITH recent AS (SELECT * FROM orders) SELECT | FROM recent r')), ['recent r']);
    assert.deepEqual(ctxAt('WITH a AS (SELECT 1), b (x) AS (SELECT 2) SELECT * FROM |').ctes, ['a', 'b']);
  });

  test('column lists: INSERT INTO t (…), UPDATE t SET, CREATE INDEX ON t (…), ALTER TABLE t ALTER COLUMN', () => {
    for (const [t, name] of [['INSERT INTO orders (|', 'orders'], ['INSERT INTO orders (id, |) VALUES (1, 2)', 'orders'], ['INSERT INTO shop.orders (|', 'orders'],
      ['UPDATE orders SET |', 'orders'], ['UPDATE orders SET a = 1, |', 'orders'], ['CREATE INDEX ON orders (|', 'orders'], ['CREATE INDEX i ON orders USING gin (|', 'orders'],
      ['ALTER TABLE orders ALTER COLUMN |', 'orders'], ['ALTER TABLE orders DROP COLUMN |', 'orders'], ['CREATE TABLE x (id int REFERENCES users (|', 'users']] as const) {
      const c = ctxAt(t);
      assert.equal(c.context.kind, 'columns-of', t);
      assert.equal(c.context.kind === 'columns-of' && c.context.rel?.name, name, t);
    }
  });

  test('keywords: at a statement start and after a relation in FROM', () => {
    assert.equal(ctxAt('|').context.kind, 'statement');
    assert.equal(ctxAt('SELECT 1;\n|').context.kind, 'statement');
    assert.equal(ctxAt('SELECT 1;\nSEL|').context.kind, 'statement');
    assert.equal(ctxAt('SELECT * FROM orders |').context.kind, 'after-relation');
    assert.equal(ctxAt('SELECT * FROM orders o |').context.kind, 'after-relation');
    // a quoted identifier being typed is a name, replaced from its quote
    const q = ctxAt('SELECT * FROM "Ord|');
    assert.equal(q.context.kind, 'relation');
    assert.equal(q.quoted, true);
    assert.equal(q.prefix, '"Ord');
  });

  test('signature help: the innermost built-in call and the argument the cursor is at', () => {
    const at = (marked: string): SignatureHelp | null => {
      const offset = marked.indexOf('|');
      const text = marked.slice(0, offset) + marked.slice(offset + 1);
      return signatureAt(text, offset, splitStatements(text).statements);
    };
    const h = at("SELECT date_trunc('day', |");
    assert.ok(h);
    assert.equal(h.activeParameter, 1);
    assert.match(h.signatures[h.activeSignature!].label, /^date_trunc\(text, timestamp/);
    assert.equal(at("SELECT date_trunc('day, month', |)")?.activeParameter, 1, 'a comma in a string is no separator');
    assert.equal(at('SELECT coalesce(lower(a), |')?.signatures[0].label.startsWith('coalesce('), true);
    assert.equal(at('SELECT lower(|')?.activeParameter, 0);
    assert.equal(at('SELECT * FROM t WHERE id IN (|'), null, 'IN (...) is no function');
    assert.equal(at('SELECT lower( -- x, |\n'), null, 'not in a comment');
  });
});

describe('the schema before a point of a migration', () => {
  before(ready);

  test('examples/shop: a statement sees the earlier files and the earlier statements of its own file, not the later ones', () => {
    const p = projectFor(path.join(ROOT, 'examples', 'shop'));
    const tl = new SchemaTimeline(p);
    const f003 = p.order().find((f) => f.path.endsWith('003_order_changes.sql'))!;
    const f002 = p.order().find((f) => f.path.endsWith('002_create_orders.sql'))!;
    const cols = (s: Schema | undefined, t: string) => [...s!.table(undefined, t)!.columns.keys()];
    assert.deepEqual(cols(tl.before(f002, f002.statements.length), 'orders'), ['id', 'user_id', 'status', 'total_amount', 'created_at']);
    assert.equal(tl.before(f002, 0)!.table(undefined, 'orders'), undefined, 'orders does not exist before the statement creating it');
    // 003: CREATE INDEX; ADD shipped_at; ADD channel; ...
    assert.ok(!cols(tl.before(f003, 1), 'orders').includes('shipped_at'));
    assert.ok(cols(tl.before(f003, 2), 'orders').includes('shipped_at'));
    assert.ok(!cols(tl.before(f003, 2), 'orders').includes('channel'));
    assert.ok(cols(tl.before(f003, 0), 'users').includes('username'));
    assert.ok(tl.before(f003, f003.statements.length)!.table(undefined, 'users')!.columns.has('handle'));
    // the snapshots are not changed by what comes after
    assert.ok(!cols(tl.before(f002, f002.statements.length), 'orders').includes('shipped_at'));
  });

  test('an edit of an earlier migration is seen by later files; snapshots before it are kept', () => {
    const p = projectFor(path.join(ROOT, 'examples', 'shop'));
    const tl = new SchemaTimeline(p);
    const last = () => p.order()[p.order().length - 1];
    const f004 = last();
    assert.ok(!tl.before(f004, 0)!.tables.has('public.coupons'));
    const f002 = p.order().find((f) => f.path.endsWith('002_create_orders.sql'))!;
    p.setFile(f002.path, f002.text + '\nCREATE TABLE coupons (code text PRIMARY KEY);\n');
    assert.ok(tl.before(last(), 0)!.tables.has('public.coupons'));
    const f001 = p.order()[0];
    assert.ok(!tl.before(f001, f001.statements.length)!.tables.has('public.coupons'));
  });

  test('lemmy (corpus): the schema before every file equals a replay from scratch', { skip: fs.existsSync(path.join(CORPUS, 'lemmy')) ? false : 'corpus absent' }, () => {
    const p = projectFor(path.join(CORPUS, 'lemmy'));
    const tl = new SchemaTimeline(p);
    const sig = (s: Schema) => [...s.tables.values()].map((t) => `${t.key}(${[...t.columns.values()].map((c) => `${c.name} ${c.typeText}${c.notNull ? '!' : ''}`).join(',')})`).sort().join('\n');
    const ref = new Schema();
    let compared = 0;
    for (const f of p.order()) {
      for (const t of p.toolTablesBefore(f)) for (const s of t.statements) applyStatement(ref, s);
      assert.equal(sig(tl.before(f, 0)!), sig(ref), f.path);
      compared++;
      if (f.replayed) for (const s of f.statements) if (!isDownStatement(s)) applyStatement(ref, s);
    }
    assert.ok(compared > 600);
    assert.equal(sig(ref), sig(p.schema()));
  });
});

// ---- through the real server ----

function labels(items: CompletionItem[] | null): string[] { return (items ?? []).map((i) => i.label); }

async function completeAt(c: LspClient, uri: string, text: string, marker = '|'): Promise<CompletionItem[]> {
  return (await completionList(c, uri, text, marker)).items;
}

async function completionList(c: LspClient, uri: string, text: string, marker = '|'): Promise<CompletionList> {
  const offset = text.indexOf(marker);
  const clean = text.slice(0, offset) + text.slice(offset + marker.length);
  if (c.text(uri) !== clean) { if (c.version(uri)) await c.change(uri, clean); else await c.open(uri, clean); }
  const before = clean.slice(0, offset).split('\n');
  return (await c.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: before.length - 1, character: before[before.length - 1].length } })) as CompletionList;
}

describe('completion through the language server: examples/shop', () => {
  const folder = path.join(ROOT, 'examples', 'shop');
  let c: LspClient;
  before(async () => {
    c = await LspClient.start({ folder, settings: { debounceMs: 5 } });
    await c.waitForStatus((s) => s.state === 'ready');
  });
  after(async () => { await c?.stop(); });
  const queries = fileUri(path.join(folder, 'queries', 'reports.sql'));
  const reports = fs.readFileSync(path.join(folder, 'queries', 'reports.sql'), 'utf8');

  test('declares completion and signature help', () => {
    assert.ok(c.capabilities.completionProvider);
    assert.deepEqual(c.capabilities.completionProvider.triggerCharacters, ['.', '"']);
    assert.ok(c.capabilities.signatureHelpProvider.triggerCharacters.includes('('));
  });

  test('after FROM: the tables of the final schema (a query file), not the dropped one', async () => {
    const items = await completeAt(c, queries, reports + '\nSELECT * FROM |;\n');
    const l = labels(items);
    for (const t of ['users', 'user_sessions', 'products', 'orders', 'order_items', 'suppliers', 'product_attributes', 'user_events']) assert.ok(l.includes(t), t);
    assert.ok(!l.includes('audit_log'), 'audit_log is dropped by 003');
    const orders = items.find((i) => i.label === 'orders')!;
    assert.equal(orders.kind, 7 /* Class */);
    assert.match(orders.detail!, /^table · 7 columns$/);
    assert.match((orders.documentation as { value: string }).value, /CREATE TABLE orders[\s\S]*migrations\/002_create_orders\.sql:9/);
    assert.ok(!l.includes('SELECT'), 'no statement keywords where a table name goes');
  });

  test('o. gives the columns of orders with their types, nullability and keys', async () => {
    const items = await completeAt(c, queries, reports + '\nSELECT o.| FROM orders o;\n');
    assert.deepEqual(labels(items), ['id', 'user_id', 'status', 'total_amount', 'created_at', 'shipped_at', 'channel']);
    const detail = Object.fromEntries(items.map((i) => [i.label, i.detail]));
    assert.equal(detail.id, 'bigserial NOT NULL · primary key');
    assert.equal(detail.user_id, 'bigint NOT NULL · → users.id');
    assert.equal(detail.status, 'varchar(40) NOT NULL · default');
    assert.equal(detail.shipped_at, 'timestamptz');
    assert.ok(items.every((i) => i.kind === 5 /* Field */));
    const shipped = items.find((i) => i.label === 'shipped_at')!;
    assert.match((shipped.documentation as { value: string }).value, /ALTER TABLE orders ADD COLUMN shipped_at timestamptz;[\s\S]*003_order_changes\.sql:4/);
    // a type changed later: both statements
    const status = (items.find((i) => i.label === 'status')!.documentation as { value: string }).value;
    assert.match(status, /CREATE TABLE orders[\s\S]*002_create_orders\.sql:12[\s\S]*Type set by:[\s\S]*ALTER TABLE orders ALTER COLUMN status TYPE varchar\(40\);[\s\S]*003_order_changes\.sql:6/);
  });

  test('SELECT list: columns of the tables in scope first (a shared name qualified), then aliases, functions, keywords', async () => {
    const items = await completeAt(c, queries, reports + '\nSELECT | FROM orders o JOIN users u ON u.id = o.user_id;\n');
    const sorted = [...items].sort((a, b) => (a.sortText! < b.sortText! ? -1 : a.sortText! > b.sortText! ? 1 : 0));
    const firstKeyword = sorted.findIndex((i) => i.kind === 14 /* Keyword */);
    const lastField = sorted.map((i) => i.kind).lastIndexOf(5);
    assert.ok(lastField < firstKeyword, 'columns before keywords');
    const l = labels(items);
    assert.ok(l.includes('email') && l.includes('total_amount') && l.includes('handle'));
    assert.ok(!l.includes('price'), 'products is not in scope');
    const ids = items.filter((i) => i.label === 'id');
    assert.deepEqual(ids.map((i) => (i.textEdit as { newText: string }).newText).sort(), ['o.id', 'u.id'], 'id is in both tables: inserted qualified');
    assert.ok(l.includes('o') && l.includes('u'), 'aliases');
    assert.ok(l.includes('FROM'));
    // built-in functions once a letter is typed (the list says it is incomplete, so the client asks again)
    const list = await completionList(c, queries, reports + '\nSELECT d| FROM orders o JOIN users u ON u.id = o.user_id;\n');
    assert.equal(list.isIncomplete, true);
    const dt = list.items.find((i) => i.label === 'date_trunc');
    assert.equal(dt?.kind, 3 /* Function */);
    assert.match(dt!.detail!, /^date_trunc\(text, timestamp with time zone\) → timestamp with time zone \(\+3 overloads\)$/);
    assert.ok(!list.items.some((i) => i.label === 'count'), 'only functions starting with the letter typed');
  });

  test('INSERT INTO t (: the columns of t', async () => {
    const items = await completeAt(c, queries, reports + '\nINSERT INTO order_items (|) VALUES (1);\n');
    assert.deepEqual(labels(items), ['id', 'order_id', 'product_id', 'quantity', 'unit_price']);
  });

  test('a migration sees the schema before it: a column a later migration adds is not offered', async () => {
    const uri = fileUri(path.join(folder, 'migrations', '002_create_orders.sql'));
    const text = fs.readFileSync(path.join(folder, 'migrations', '002_create_orders.sql'), 'utf8');
    const inMigration = labels(await completeAt(c, uri, text + '\nCREATE INDEX ON orders (|);\n'));
    assert.deepEqual(inMigration, ['id', 'user_id', 'status', 'total_amount', 'created_at']);
    // and a table created further down the same file is not there yet
    const early = labels(await completeAt(c, uri, 'SELECT * FROM |;\n' + text));
    assert.ok(early.includes('users') && !early.includes('orders'));
    // the query file sees the final schema
    assert.ok(labels(await completeAt(c, queries, reports + '\nSELECT o.| FROM orders o;\n')).includes('shipped_at'));
    await c.close(uri);
  });

  test('keywords at a statement start, in the case the statement is written in', async () => {
    const upper = labels(await completeAt(c, queries, reports + '\n|'));
    for (const k of ['SELECT', 'INSERT INTO', 'UPDATE', 'DELETE FROM', 'WITH', 'CREATE TABLE', 'ALTER TABLE']) assert.ok(upper.includes(k), k);
    const after = labels(await completeAt(c, queries, reports + '\nselect * from orders o |'));
    assert.ok(after.includes('where') && after.includes('left join') && after.includes('group by'));
    assert.deepEqual(labels(await completeAt(c, queries, reports + "\nSELECT '|';")), [], 'nothing in a string');
    assert.deepEqual(labels(await completeAt(c, queries, reports + '\n-- FROM |')), [], 'nothing in a comment');
  });

  test('signature help for a built-in function shows the argument being typed', async () => {
    const text = reports + "\nSELECT date_trunc('day', created_at) FROM orders;\n";
    await c.change(queries, text);
    const lines = text.split('\n');
    const line = lines.length - 2;
    const h = (await c.conn.sendRequest('textDocument/signatureHelp', { textDocument: { uri: queries }, position: { line, character: "SELECT date_trunc('day', ".length } })) as SignatureHelp;
    assert.equal(h.activeParameter, 1);
    const sig = h.signatures[h.activeSignature!];
    assert.match(sig.label, /^date_trunc\(text, timestamp with time zone\) → timestamp with time zone$/);
    assert.equal(sig.documentation, 'truncate timestamp with time zone to specified units');
    const [s, e] = sig.parameters![1].label as [number, number];
    assert.equal(sig.label.slice(s, e), 'timestamp with time zone');
  });
});

describe('completion through the language server: names that need quotes, other schemas', () => {
  let dir: string;
  let c: LspClient;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-complete-'));
    fs.writeFileSync(path.join(dir, '001.sql'), [
      'CREATE SCHEMA auth;',
      'CREATE TABLE auth.users (id uuid PRIMARY KEY, "Email" text NOT NULL, "order" int);',
      'CREATE TABLE "Order Items" (id int PRIMARY KEY, user_id uuid REFERENCES auth.users (id));',
      'CREATE VIEW active_users AS SELECT id FROM auth.users;',
      '',
    ].join('\n'));
    c = await LspClient.start({ folder: dir, settings: { debounceMs: 5 } });
    await c.waitForStatus((s) => s.state === 'ready');
  });
  after(async () => { await c?.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  test('relations: other schemas qualified, odd names quoted, views as interfaces', async () => {
    const uri = fileUri(path.join(dir, 'q.sql'));
    const items = await completeAt(c, uri, 'SELECT * FROM |');
    const edit = (label: string) => (items.find((i) => i.label === label)?.textEdit as { newText: string } | undefined)?.newText;
    assert.equal(edit('auth.users'), 'auth.users');
    assert.equal(edit('"Order Items"'), '"Order Items"');
    assert.equal(items.find((i) => i.label === 'active_users')?.kind, 8 /* Interface */);
    const inAuth = await completeAt(c, uri, 'SELECT * FROM auth.|');
    assert.deepEqual(labels(inAuth), ['users']);
  });

  test('columns: mixed case and reserved words inserted quoted (bare after a dot when only a keyword)', async () => {
    const uri = fileUri(path.join(dir, 'q.sql'));
    const cols = await completeAt(c, uri, 'SELECT | FROM auth.users');
    const newText = (l: string) => (cols.find((i) => i.label === l)?.textEdit as { newText: string }).newText;
    assert.equal(newText('"Email"'), '"Email"');
    assert.equal(newText('"order"'), '"order"');
    const dotted = await completeAt(c, uri, 'SELECT u.| FROM auth.users u');
    assert.deepEqual(dotted.map((i) => (i.textEdit as { newText: string }).newText), ['id', '"Email"', 'order']);
    const fk = await completeAt(c, uri, 'SELECT i.| FROM "Order Items" i');
    assert.equal(fk.find((i) => i.label === 'user_id')?.detail, 'uuid · → auth.users.id');
    const typedQuote = await completeAt(c, uri, 'SELECT * FROM "Ord|');
    assert.equal((typedQuote.find((i) => i.label === '"Order Items"')?.textEdit as { newText: string; range: { start: { character: number } } }).range.start.character, 'SELECT * FROM '.length);
  });
});

const lemmy = path.join(CORPUS, 'lemmy');
describe('completion through the language server: lemmy (corpus)', { skip: fs.existsSync(lemmy) ? false : `corpus absent: ${lemmy}` }, () => {
  let c: LspClient;
  before(async () => {
    c = await LspClient.start({ folder: lemmy, settings: { debounceMs: 5 } });
    await c.waitForStatus((s) => s.state === 'ready', 120_000);
  });
  after(async () => { await c?.stop(); });

  test('a query sees lemmy\'s final schema; a migration sees the schema before it', async () => {
    const uri = fileUri(path.join(lemmy, 'zz_scratch_query.sql'));
    const rels = labels(await completeAt(c, uri, 'SELECT * FROM |'));
    for (const t of ['person', 'community', 'post', 'comment']) assert.ok(rels.includes(t), t);
    const cols = labels(await completeAt(c, uri, 'SELECT p.| FROM person p'));
    assert.ok(cols.includes('name') && cols.includes('published_at'), cols.join(','));
    // the first migration that creates user_ (2019-02-26): no post table yet, no later columns
    const file = 'migrations_2019-02-26-002946_create_user_up.sql';
    const mUri = fileUri(path.join(lemmy, file));
    const text = fs.readFileSync(path.join(lemmy, file), 'utf8');
    const early = labels(await completeAt(c, mUri, text + '\nSELECT * FROM |;\n'));
    assert.ok(early.includes('user_'), early.join(','));
    assert.ok(!early.includes('post') && !early.includes('person'), 'tables of later migrations are not offered');
    await c.close(mUri);
  });
});
