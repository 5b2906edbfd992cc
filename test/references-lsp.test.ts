// Issue #12, references / rename / outline / folding through the real stdio server (dist/server.js,
// driven by test/lspClient.ts) on examples/shop, on small workspaces, and on lemmy from the corpus
// (skipped when ../shared/corpus is absent). Run `npm run build` first (npm test does).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DocumentSymbol, FoldingRange, Location, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { applyTextEdits, fileUri, LspClient } from './lspClient';
import { CORPUS, ready, ROOT } from './helpers';

const SHOP = path.join(ROOT, 'examples', 'shop');
const clients: LspClient[] = [];
const dirs: string[] = [];
after(async () => {
  for (const c of clients) await c.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function start(folder: string, opts: { createFiles?: boolean; changeAnnotations?: boolean } = {}): Promise<LspClient> {
  await ready();
  const c = await LspClient.start({ folder, settings: { debounceMs: 5 }, ...opts });
  clients.push(c);
  await c.waitForStatus((s) => s.state === 'ready', 120_000);
  return c;
}

function makeWorkspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-refs-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** Position of the `nth` occurrence of `needle` in a file (plus `into` characters). */
function pos(file: string, needle: string, nth = 0, into = 0): { line: number; character: number } {
  const text = fs.readFileSync(file, 'utf8');
  let at = -1;
  for (let k = 0; k <= nth; k++) { at = text.indexOf(needle, at + 1); assert.ok(at >= 0, `${needle} #${nth} not in ${file}`); }
  at += into;
  const before = text.slice(0, at).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

/** `relative/path:line:text` per location (1-based lines), sorted. */
function describeLocations(folder: string, locs: Location[] | null): string[] {
  return (locs ?? []).map((l) => {
    const file = new URL(l.uri).pathname;
    const line = fs.readFileSync(file, 'utf8').split('\n')[l.range.start.line];
    return `${path.relative(folder, file)}:${l.range.start.line + 1}:${line.slice(l.range.start.character, l.range.end.character)}`;
  }).sort();
}

function references(c: LspClient, file: string, p: { line: number; character: number }, includeDeclaration = true): Promise<Location[] | null> {
  return c.conn.sendRequest('textDocument/references', { textDocument: { uri: fileUri(file) }, position: p, context: { includeDeclaration } });
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { return (e as Error).message; }
  assert.fail('expected the request to be refused');
}

describe('references on examples/shop', () => {
  test('a table: its CREATE, ALTERs, index, foreign key and every query, across files', async () => {
    const c = await start(SHOP);
    const q = path.join(SHOP, 'queries', 'reports.sql');
    const locs = describeLocations(SHOP, await references(c, q, pos(q, 'FROM orders o\n', 0, 5)));
    assert.deepEqual(locs, [
      'migrations/002_create_orders.sql:19:orders', // order_items.order_id REFERENCES orders
      'migrations/002_create_orders.sql:9:orders', // CREATE TABLE orders
      'migrations/003_order_changes.sql:2:orders', // CREATE INDEX ... ON orders
      'migrations/003_order_changes.sql:4:orders',
      'migrations/003_order_changes.sql:5:orders',
      'migrations/003_order_changes.sql:6:orders',
      'migrations/003_order_changes.sql:7:orders',
      'queries/reports.sql:10:orders',
      'queries/reports.sql:16:orders',
      'queries/reports.sql:22:orders',
      'queries/reports.sql:2:orders',
      'queries/reports.sql:8:orders',
    ]);
    // includeDeclaration: false leaves the CREATE TABLE out
    const uses = describeLocations(SHOP, await references(c, q, pos(q, 'FROM orders o\n', 0, 5), false));
    assert.equal(uses.length, locs.length - 1);
    assert.ok(!uses.includes('migrations/002_create_orders.sql:9:orders'));
  });

  test('a column through an alias: o.id is orders.id, u.id and p.id are not; an unqualified id counts where orders is the only table', async () => {
    const c = await start(SHOP);
    const q = path.join(SHOP, 'queries', 'reports.sql');
    const locs = describeLocations(SHOP, await references(c, q, pos(q, '= o.id', 0, 4)));
    assert.deepEqual(locs, [
      'migrations/002_create_orders.sql:10:id', // the column definition
      'migrations/002_create_orders.sql:19:id', // REFERENCES orders (id)
      'queries/reports.sql:10:id', // SELECT id FROM orders ORDER BY random()
      'queries/reports.sql:24:id', // oi.order_id = o.id
      'queries/reports.sql:8:id', // SELECT id, total_amount FROM orders
    ]);
  });

  test('a column renamed by a later migration: its definition and the RENAME are the same column', async () => {
    const c = await start(SHOP);
    const m = path.join(SHOP, 'migrations', '001_create_users.sql');
    const locs = describeLocations(SHOP, await references(c, m, pos(m, 'username', 0, 2)));
    assert.deepEqual(locs, ['migrations/001_create_users.sql:5:username', 'migrations/003_order_changes.sql:11:username']);
  });

  test('a CTE that shadows a table is not the table', async () => {
    const ws = makeWorkspace({
      'schema.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\n',
      'q.sql': 'WITH orders AS (SELECT 1 AS id) SELECT id FROM orders;\nSELECT o.total FROM orders o;\n',
    });
    const c = await start(ws);
    const s = path.join(ws, 'schema.sql');
    assert.deepEqual(describeLocations(ws, await references(c, s, pos(s, 'orders', 0, 1))), ['q.sql:2:orders', 'schema.sql:1:orders']);
    assert.deepEqual(describeLocations(ws, await references(c, s, pos(s, 'id', 0, 1))), ['schema.sql:1:id']);
    assert.deepEqual(describeLocations(ws, await references(c, s, pos(s, 'total', 0, 1))), ['q.sql:2:total', 'schema.sql:1:total']);
  });
});

describe('hover and definition share the walk', () => {
  test('an unqualified column in a subquery is the subquery\'s table, not the first table of the statement', async () => {
    const ws = makeWorkspace({
      'schema.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
      'q.sql': 'SELECT id FROM orders WHERE user_id IN (SELECT id FROM users);\n',
    });
    const c = await start(ws);
    const q = path.join(ws, 'q.sql');
    const s = path.join(ws, 'schema.sql');
    const inner = pos(q, 'SELECT id FROM users', 0, 7);
    const def = await c.definition(fileUri(q), inner.line, inner.character) as Location | null;
    assert.deepEqual(def?.range.start, pos(s, '(id bigint', 1, 1)); // users.id
    const outer = pos(q, 'id FROM orders');
    const def2 = await c.definition(fileUri(q), outer.line, outer.character) as Location | null;
    assert.deepEqual(def2?.range.start, pos(s, '(id bigint', 0, 1)); // orders.id
  });
});

describe('references inside function bodies', () => {
  test('PL/pgSQL statements and expressions, and LANGUAGE sql bodies, are searched; dynamic SQL is not', async () => {
    const ws = makeWorkspace({
      'migrations/001_init.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY, balance numeric NOT NULL);\n',
      'migrations/002_fn.sql': [
        'CREATE FUNCTION total() RETURNS numeric LANGUAGE plpgsql AS $$',
        'DECLARE n numeric;',
        'BEGIN',
        '  n := (SELECT sum(a.balance) FROM accounts a);',
        "  EXECUTE 'SELECT balance FROM accounts';",
        '  UPDATE accounts SET balance = 0 WHERE balance < 0;',
        '  RETURN n;',
        'END $$;',
        'CREATE FUNCTION rich() RETURNS SETOF bigint LANGUAGE sql AS $f$ SELECT id FROM accounts WHERE balance > 100 $f$;',
        '',
      ].join('\n'),
    });
    const c = await start(ws);
    const m = path.join(ws, 'migrations/001_init.sql');
    assert.deepEqual(describeLocations(ws, await references(c, m, pos(m, 'balance', 0, 1))), [
      'migrations/001_init.sql:1:balance',
      'migrations/002_fn.sql:4:balance', // a.balance in an assignment
      'migrations/002_fn.sql:6:balance', 'migrations/002_fn.sql:6:balance', // SET balance ... WHERE balance
      'migrations/002_fn.sql:9:balance',
    ]);
  });
});

describe('rename', () => {
  test('prepareRename answers the name and its range; elsewhere a clear refusal', async () => {
    const c = await start(SHOP);
    const q = path.join(SHOP, 'queries', 'reports.sql');
    const uri = fileUri(q);
    const at = pos(q, 'total_amount FROM orders', 0, 3);
    const r: any = await c.conn.sendRequest('textDocument/prepareRename', { textDocument: { uri }, position: at });
    assert.equal(r.placeholder, 'total_amount');
    assert.deepEqual(r.range, { start: { line: at.line, character: at.character - 3 }, end: { line: at.line, character: at.character - 3 + 'total_amount'.length } });
    const msg = await refusal(c.conn.sendRequest('textDocument/prepareRename', { textDocument: { uri }, position: pos(q, 'LIMIT 10', 0, 1) }));
    assert.match(msg, /Only tables, views and columns of the project's schema can be renamed/);
  });

  test('in a migrations project: a new migration with the RENAME (and the warning to confirm), queries edited, no migration touched', async () => {
    const c = await start(SHOP, { createFiles: true, changeAnnotations: true });
    const q = path.join(SHOP, 'queries', 'reports.sql');
    const edit: WorkspaceEdit = await c.conn.sendRequest('textDocument/rename', { textDocument: { uri: fileUri(q) }, position: pos(q, 'total_amount FROM orders', 0, 3), newName: 'amount' });
    const changes = edit.documentChanges ?? [];
    const created = changes.filter((d: any) => d.kind === 'create') as { uri: string; annotationId?: string }[];
    assert.equal(created.length, 1);
    assert.match(created[0].uri, /\/migrations\/005_[a-z0-9_]+\.sql$/);
    const texts = changes.filter((d: any) => d.textDocument) as { textDocument: { uri: string }; edits: { newText: string; range: any; annotationId?: string }[] }[];
    const newFile = texts.find((d) => d.textDocument.uri === created[0].uri)!;
    assert.match(newFile.edits[0].newText, /ALTER TABLE orders RENAME COLUMN total_amount TO amount;/);
    // no applied migration is edited
    assert.deepEqual(texts.map((d) => path.relative(SHOP, new URL(d.textDocument.uri).pathname)).filter((p) => p.startsWith('migrations/') && !p.startsWith('migrations/005_')), []);
    const report = texts.find((d) => d.textDocument.uri === fileUri(q))!;
    const after = applyTextEdits(fs.readFileSync(q, 'utf8'), report.edits);
    assert.match(after, /SELECT id, amount FROM orders WHERE shipped_at = NULL;/);
    assert.doesNotMatch(after, /total_amount/);
    // the preview needs confirmation and says why (breaking-rename's message)
    const ann = edit.changeAnnotations?.[report.edits[0].annotationId!];
    assert.equal(ann?.needsConfirmation, true);
    assert.match(ann!.description!, /Renaming column `orders.total_amount` to `amount` breaks running code that still uses the old name/);
  });

  test('renaming a table from a query: the migration renames it, every query use (qualifiers too) follows', async () => {
    const ws = makeWorkspace({
      'migrations/001_init.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
      'migrations/002_more.sql': 'ALTER TABLE users ADD COLUMN name text;\n',
      'queries/q.sql': 'SELECT users.email FROM users;\nSELECT u.id FROM users u;\n',
    });
    const c = await start(ws, { createFiles: true });
    const q = path.join(ws, 'queries', 'q.sql');
    const edit: WorkspaceEdit = await c.conn.sendRequest('textDocument/rename', { textDocument: { uri: fileUri(q) }, position: pos(q, 'FROM users;', 0, 6), newName: 'Account' });
    const texts = (edit.documentChanges ?? []).filter((d: any) => d.textDocument) as { textDocument: { uri: string }; edits: any[] }[];
    const created = texts.find((d) => /003_/.test(d.textDocument.uri))!;
    assert.match(created.edits[0].newText, /ALTER TABLE users RENAME TO account;/);
    const qe = texts.find((d) => d.textDocument.uri === fileUri(q))!;
    assert.equal(applyTextEdits(fs.readFileSync(q, 'utf8'), qe.edits), 'SELECT account.email FROM account;\nSELECT u.id FROM account u;\n');
    assert.equal(texts.length, 2);
  });

  test('with down migrations (golang-migrate): the rollback renames it back', async () => {
    const ws = makeWorkspace({
      'db/000001_init.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
      'db/000001_init.down.sql': 'DROP TABLE users;\n',
      'q.sql': 'SELECT email FROM users;\n',
    });
    const c = await start(ws, { createFiles: true });
    const q = path.join(ws, 'q.sql');
    const edit: WorkspaceEdit = await c.conn.sendRequest('textDocument/rename', { textDocument: { uri: fileUri(q) }, position: pos(q, 'email', 0, 1), newName: 'mail' });
    const texts = (edit.documentChanges ?? []).filter((d: any) => d.textDocument) as { textDocument: { uri: string }; edits: any[] }[];
    const byName = new Map(texts.map((d) => [path.relative(ws, new URL(d.textDocument.uri).pathname), d.edits.map((e) => e.newText).join('')]));
    assert.deepEqual([...byName.keys()].sort(), ['db/000002_rename_users_email_to_mail.down.sql', 'db/000002_rename_users_email_to_mail.up.sql', 'q.sql']);
    assert.match(byName.get('db/000002_rename_users_email_to_mail.up.sql')!, /ALTER TABLE users RENAME COLUMN email TO mail;/);
    assert.match(byName.get('db/000002_rename_users_email_to_mail.down.sql')!, /ALTER TABLE users RENAME COLUMN mail TO email;/);
    assert.equal(byName.get('q.sql'), 'mail');
  });

  test('a project without migrations: the schema file and the queries are edited in place', async () => {
    const ws = makeWorkspace({
      'schema.sql': 'DROP TABLE IF EXISTS users;\nCREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\nCREATE INDEX users_email ON users (email);\n',
      'queries.sql': 'SELECT email FROM users WHERE id = $1;\n',
    });
    const c = await start(ws);
    const q = path.join(ws, 'queries.sql');
    const edit: WorkspaceEdit = await c.conn.sendRequest('textDocument/rename', { textDocument: { uri: fileUri(q) }, position: pos(q, 'email', 0, 1), newName: 'mail' });
    const s = path.join(ws, 'schema.sql');
    assert.equal(applyTextEdits(fs.readFileSync(s, 'utf8'), edit.changes![fileUri(s)]), 'DROP TABLE IF EXISTS users;\nCREATE TABLE users (id bigint PRIMARY KEY, mail text NOT NULL);\nCREATE INDEX users_email ON users (mail);\n');
    assert.equal(applyTextEdits(fs.readFileSync(q, 'utf8'), edit.changes![fileUri(q)]), 'SELECT mail FROM users WHERE id = $1;\n');
    // the table too: its DROP follows
    const t: WorkspaceEdit = await c.conn.sendRequest('textDocument/rename', { textDocument: { uri: fileUri(q) }, position: pos(q, 'users', 0, 1), newName: 'members' });
    assert.equal(applyTextEdits(fs.readFileSync(s, 'utf8'), t.changes![fileUri(s)]), 'DROP TABLE IF EXISTS members;\nCREATE TABLE members (id bigint PRIMARY KEY, email text NOT NULL);\nCREATE INDEX users_email ON members (email);\n');
  });

  test('a name that is not an identifier, or taken, or a use it cannot follow: refused, no edit', async () => {
    const ws = makeWorkspace({
      'schema.sql': 'CREATE TABLE a (id bigint PRIMARY KEY, x text);\nCREATE TABLE b (id bigint PRIMARY KEY, a_id bigint, x text);\n',
      'queries.sql': 'SELECT x FROM a;\nSELECT id FROM a JOIN b USING (x);\n',
    });
    const c = await start(ws);
    const q = path.join(ws, 'queries.sql');
    const uri = fileUri(q);
    const at = pos(q, 'x FROM a;', 0, 0);
    assert.match(await refusal(c.conn.sendRequest('textDocument/rename', { textDocument: { uri }, position: at, newName: '1x' })), /"1x" is not a valid name/);
    assert.match(await refusal(c.conn.sendRequest('textDocument/rename', { textDocument: { uri }, position: at, newName: 'ID' })), /table `a` already has a column `id`/);
    assert.match(await refusal(c.conn.sendRequest('textDocument/rename', { textDocument: { uri }, position: pos(q, 'FROM a;', 0, 5), newName: 'b' })), /A table `b` already exists/);
    // USING (x) names a.x too, and it has no location to edit safely
    assert.match(await refusal(c.conn.sendRequest('textDocument/rename', { textDocument: { uri }, position: at, newName: 'y' })), /queries.sql:2 uses a column `x` that DB Engineer cannot tie to one table/);
  });
});

describe('rename keeps what every query means (red team)', () => {
  const init = 'CREATE TABLE orders (id bigint PRIMARY KEY, total_amount numeric);\nCREATE TABLE invoices (id bigint, order_id bigint, amount numeric);\n';
  const project = (q: string) => makeWorkspace({ 'db/000001_init.up.sql': init, 'db/000001_init.down.sql': 'DROP TABLE invoices;\nDROP TABLE orders;\n', 'q.sql': q });
  async function renameAt(c: LspClient, file: string, at: { line: number; character: number }, newName: string): Promise<WorkspaceEdit> {
    return c.conn.sendRequest('textDocument/rename', { textDocument: { uri: fileUri(file) }, position: at, newName });
  }
  function editedText(edit: WorkspaceEdit, file: string): string {
    const d = (edit.documentChanges ?? []).find((x: any) => x.textDocument?.uri === fileUri(file)) as { edits: any[] } | undefined;
    return applyTextEdits(fs.readFileSync(file, 'utf8'), d?.edits ?? []);
  }

  test('a new name that an outer unqualified use would now resolve to (capture): refused, naming the file and line', async () => {
    const ws = project('SELECT 1;\nSELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = o.id AND amount < total_amount);\n');
    const c = await start(ws, { createFiles: true });
    const q = path.join(ws, 'q.sql');
    const msg = await refusal(renameAt(c, q, pos(q, 'amount <', 0, 1), 'total_amount'));
    assert.match(msg, /q\.sql:2/);
    assert.match(msg, /total_amount/);
    // another name is fine, and the outer use is left alone
    assert.equal(editedText(await renameAt(c, q, pos(q, 'amount <', 0, 1), 'net'), q).split('\n')[1], 'SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = o.id AND net < total_amount);');
  });

  test('a new name another relation in scope already has (ambiguity): refused', async () => {
    const ws = project('SELECT total_amount FROM orders o JOIN invoices i ON i.order_id = o.id;\n');
    const c = await start(ws, { createFiles: true });
    const q = path.join(ws, 'q.sql');
    assert.match(await refusal(renameAt(c, q, pos(q, 'total_amount', 0, 1), 'amount')), /q\.sql:1/);
    assert.match(await refusal(renameAt(c, q, pos(q, 'total_amount', 0, 1), 'order_id')), /q\.sql:1/);
    // a statement that does not use the column changes meaning too: renaming invoices.amount to total_amount
    const ws2 = project('SELECT total_amount FROM orders o JOIN invoices i ON i.order_id = o.id;\nSELECT amount FROM invoices;\n');
    const c2 = await start(ws2, { createFiles: true });
    const q2 = path.join(ws2, 'q.sql');
    assert.match(await refusal(renameAt(c2, q2, pos(q2, 'amount FROM invoices', 0, 1), 'total_amount')), /q\.sql:1/);
  });

  test('RETURNING, ORDER BY, GROUP BY, PARTITION BY, ON CONFLICT, DO UPDATE SET and a CTE follow a column rename', async () => {
    const ws = project([
      'INSERT INTO orders (id, total_amount) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET total_amount = excluded.total_amount RETURNING total_amount;',
      'UPDATE orders SET total_amount = 0 WHERE id = 1 RETURNING total_amount;',
      'DELETE FROM orders WHERE id = 1 RETURNING id, total_amount;',
      'SELECT id FROM orders ORDER BY total_amount;',
      'SELECT total_amount, count(*) FROM orders GROUP BY total_amount;',
      'SELECT sum(id) OVER (PARTITION BY total_amount ORDER BY total_amount) FROM orders;',
      'WITH t (a) AS (SELECT total_amount FROM orders) SELECT a FROM t;',
      '',
    ].join('\n'));
    const c = await start(ws, { createFiles: true });
    const q = path.join(ws, 'q.sql');
    const after = editedText(await renameAt(c, q, pos(q, 'total_amount', 0, 1), 'amount_due'), q);
    assert.equal(after, [
      'INSERT INTO orders (id, amount_due) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET amount_due = excluded.amount_due RETURNING amount_due;',
      'UPDATE orders SET amount_due = 0 WHERE id = 1 RETURNING amount_due;',
      'DELETE FROM orders WHERE id = 1 RETURNING id, amount_due;',
      'SELECT id FROM orders ORDER BY amount_due;',
      'SELECT amount_due, count(*) FROM orders GROUP BY amount_due;',
      'SELECT sum(id) OVER (PARTITION BY amount_due ORDER BY amount_due) FROM orders;',
      'WITH t (a) AS (SELECT amount_due FROM orders) SELECT a FROM t;',
      '',
    ].join('\n'));
  });

  test('a table rename follows whole-row references by the table\'s name, and leaves an alias\'s alone', async () => {
    const ws = project('SELECT orders FROM orders;\nSELECT row_to_json(orders) FROM orders;\nSELECT row_to_json(o) FROM orders o;\n');
    const c = await start(ws, { createFiles: true });
    const q = path.join(ws, 'q.sql');
    const after = editedText(await renameAt(c, q, pos(q, 'FROM orders;', 0, 6), 'purchases'), q);
    assert.equal(after, 'SELECT purchases FROM purchases;\nSELECT row_to_json(purchases) FROM purchases;\nSELECT row_to_json(o) FROM purchases o;\n');
  });

  test('a table renamed to a name an alias or a CTE of the query has: refused; a column renamed to a function parameter\'s name: refused', async () => {
    const ws = project('SELECT orders.id FROM orders, invoices inv;\nWITH recent AS (SELECT 1 AS x) SELECT orders.id FROM orders, recent;\n'
      + 'CREATE FUNCTION f(p_id bigint) RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE invoices SET amount = 0 WHERE order_id = p_id; END $$;\n');
    const c = await start(ws, { createFiles: true });
    const q = path.join(ws, 'q.sql');
    assert.match(await refusal(renameAt(c, q, pos(q, 'FROM orders', 0, 6), 'inv')), /q\.sql:1: .*two relations of one FROM would both be called `inv`/);
    assert.match(await refusal(renameAt(c, q, pos(q, 'FROM orders', 0, 6), 'recent')), /q\.sql:2: .*`recent`/);
    assert.match(await refusal(renameAt(c, q, pos(q, 'order_id', 0, 1), 'p_id')), /q\.sql:3: the function there has a variable or parameter `p_id`/);
    assert.match(await refusal(renameAt(c, q, pos(q, 'order_id', 0, 1), 'xmin')), /system column/);
    // a PL/pgSQL variable of the new name: PostgreSQL would call the column reference ambiguous
    const ws2 = project('CREATE FUNCTION g() RETURNS numeric LANGUAGE plpgsql AS $$ DECLARE net numeric; BEGIN net := (SELECT sum(amount) FROM invoices); RETURN net; END $$;\n');
    const c2 = await start(ws2, { createFiles: true });
    const q2 = path.join(ws2, 'q.sql');
    assert.match(await refusal(renameAt(c2, q2, pos(q2, 'amount', 0, 1), 'net')), /q\.sql:1: the function there has a variable or parameter `net`/);
    // a quoted name with characters a pattern would read as syntax is just a name
    assert.match(editedText(await renameAt(c, q, pos(q, 'FROM orders', 0, 6), '"Orders (old"'), q), /^SELECT "Orders \(old"\.id FROM "Orders \(old", invoices inv;/);
  });

  test('a table or column that a function kept by a migration uses, or a trigger function writes as NEW.<column>: refused', async () => {
    const ws = makeWorkspace({
      'db/000001_init.up.sql': init,
      'db/000001_init.down.sql': 'DROP TABLE invoices;\nDROP TABLE orders;\n',
      'db/000002_fn.up.sql': [
        'CREATE FUNCTION unpaid() RETURNS numeric LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT sum(amount) FROM invoices); END $$;',
        'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.total_amount := coalesce(NEW.total_amount, 0); RETURN NEW; END $$;',
        'CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();',
        'CREATE FUNCTION gone() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM invoices WHERE amount > 0 $$;',
        'DROP FUNCTION gone();',
        '',
      ].join('\n'),
      'db/000002_fn.down.sql': 'DROP TRIGGER orders_touch ON orders;\nDROP FUNCTION touch();\nDROP FUNCTION unpaid();\n',
      'q.sql': 'SELECT amount, total_amount FROM invoices i JOIN orders o ON o.id = i.order_id;\nSELECT id FROM orders;\n',
    });
    const c = await start(ws, { createFiles: true });
    const q = path.join(ws, 'q.sql');
    assert.match(await refusal(renameAt(c, q, pos(q, 'amount,', 0, 1), 'net')), /db\/000002_fn\.up\.sql:1: function `unpaid` uses `amount` in its body/);
    assert.match(await refusal(renameAt(c, q, pos(q, 'FROM invoices', 0, 6), 'bills')), /db\/000002_fn\.up\.sql:1: function `unpaid` uses `invoices`/);
    assert.match(await refusal(renameAt(c, q, pos(q, 'total_amount', 0, 1), 'grand_total')), /db\/000002_fn\.up\.sql:2: trigger function `touch` of `orders` uses `NEW.total_amount`/);
    // a column no kept function uses is renamed (gone() was dropped)
    const edit = await renameAt(c, q, pos(q, 'order_id', 0, 1), 'purchase_id');
    assert.match(editedText(edit, q), /ON o\.id = i\.purchase_id;/);
  });

  test('a column of a table in a NATURAL JOIN: refused (the join keys would change)', async () => {
    const ws = project('SELECT id FROM orders NATURAL JOIN invoices;\nSELECT total_amount FROM orders;\n');
    const c = await start(ws, { createFiles: true });
    const q = path.join(ws, 'q.sql');
    assert.match(await refusal(renameAt(c, q, pos(q, 'total_amount', 0, 1), 'amount')), /q\.sql:1.*NATURAL/);
    assert.match(await refusal(renameAt(c, q, pos(q, 'total_amount', 0, 1), 'grand_total')), /q\.sql:1.*NATURAL/);
  });
});

describe('outline and folding', () => {
  test('document symbols of a migration: tables with their columns, indexes, a function', async () => {
    const c = await start(SHOP);
    const m = path.join(SHOP, 'migrations', '004_catalog_and_events.sql');
    const syms: DocumentSymbol[] = await c.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: fileUri(m) } });
    assert.deepEqual(syms.map((s) => `${s.name} (${s.detail})`), [
      'suppliers (table)', 'product_attributes (table)', 'idx_product_attributes_product_id (index on product_attributes)',
      'user_events (table)', 'idx_user_events_user_id (index on user_events)', 'purge_rows (function)',
    ]);
    const suppliers = syms[0];
    assert.deepEqual(suppliers.children!.map((ch) => `${ch.name}: ${ch.detail}`), ['id: int8', 'name: text', 'phone1: text', 'phone2: text', 'phone3: text', 'product_ids: text']);
    assert.deepEqual(suppliers.selectionRange, { start: { line: 1, character: 13 }, end: { line: 1, character: 22 } });
    assert.equal(suppliers.range.start.line, 1);
    assert.equal(suppliers.range.end.line, 8);
    const fn = syms[5];
    assert.deepEqual(fn.selectionRange.start, pos(m, 'purge_rows'));
  });

  test('folding on examples/shop: the CREATE TABLEs and the function with its body', async () => {
    const c = await start(SHOP);
    const m = path.join(SHOP, 'migrations', '004_catalog_and_events.sql');
    const folds: FoldingRange[] = await c.conn.sendRequest('textDocument/foldingRange', { textDocument: { uri: fileUri(m) } });
    const fn = pos(m, 'CREATE FUNCTION purge_rows').line;
    const got = folds.map((f) => `${f.startLine}-${f.endLine}`);
    assert.ok(got.includes(`${fn}-${fn + 4}`), `the function statement: ${got}`); // CREATE FUNCTION ... $$; on 5 lines
    assert.ok(got.includes(`${fn}-${fn + 3}`), `its body up to the closing $$: ${got}`);
    assert.ok(got.includes(`${pos(m, 'CREATE TABLE suppliers').line}-${pos(m, 'CREATE TABLE suppliers').line + 7}`), `suppliers: ${got}`);
  });

  test('folding: multi-line statements, the dollar-quoted body, comment runs, goose sections', async () => {
    const ws = makeWorkspace({
      'migrations/20240101000000_init.sql': [
        '-- +goose Up', // 0
        '-- a comment', // 1
        '-- on two lines', // 2
        'CREATE TABLE t (', // 3
        '  id int', // 4
        ');', // 5
        'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$', // 6
        'BEGIN', // 7
        '  RETURN 1;', // 8
        'END;', // 9
        '$fn$;', // 10
        '/* block', // 11
        '   comment */', // 12
        '', // 13
        '-- +goose Down', // 14
        'DROP FUNCTION f();', // 15
        'DROP TABLE t;', // 16
        '',
      ].join('\n'),
    });
    const c = await start(ws);
    const uri = fileUri(path.join(ws, 'migrations/20240101000000_init.sql'));
    const folds: FoldingRange[] = await c.conn.sendRequest('textDocument/foldingRange', { textDocument: { uri } });
    const got = folds.map((f) => `${f.startLine}-${f.endLine}${f.kind ? ' ' + f.kind : ''}`).sort();
    assert.deepEqual(got, ['0-12 region', '1-2 comment', '11-12 comment', '14-16 region', '3-5', '6-10', '6-9'].sort());
  });
});

describe('lemmy (corpus)', () => {
  const lemmy = path.join(CORPUS, 'lemmy');
  test('references of person: found across the migrations, with user_ before its rename to person', async (t) => {
    if (!fs.existsSync(lemmy)) { t.skip(`corpus not found at ${CORPUS}`); return; }
    const c = await start(lemmy);
    const f = path.join(lemmy, 'migrations_2021-03-09-171136_split_user_table_2_up.sql');
    const locs = describeLocations(lemmy, await references(c, f, pos(f, 'ALTER TABLE user_ RENAME TO person', 0, 13)));
    const files = new Set(locs.map((l) => l.split(':')[0]));
    assert.ok(files.size > 50, `only ${files.size} files`);
    // the CREATE TABLE user_ of 2019 is its declaration, and the replaceable schema's triggers use it as person
    assert.ok(locs.includes('migrations_2019-02-26-002946_create_user_up.sql:1:user_'), locs.slice(0, 5).join('\n'));
    // ... and after the rename, person (the triggers of crates/diesel_utils build their SQL in strings: not followed)
    assert.ok(locs.filter((l) => l.endsWith(':person')).length > 100);
    assert.ok(locs.every((l) => /:(user_|person)$/.test(l)), locs.filter((l) => !/:(user_|person)$/.test(l)).slice(0, 5).join('\n'));
  });

  test('document symbols of a big file', async (t) => {
    if (!fs.existsSync(lemmy)) { t.skip(`corpus not found at ${CORPUS}`); return; }
    const c = await start(lemmy);
    const f = path.join(lemmy, 'migrations_00000000000000_diesel_initial_setup_up.sql');
    const big = fs.readdirSync(lemmy).map((n) => path.join(lemmy, n)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
    const syms: DocumentSymbol[] = await c.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: fileUri(big) } });
    const creates = (fs.readFileSync(big, 'utf8').match(/^\s*CREATE\s+(TABLE|(OR REPLACE\s+)?(VIEW|FUNCTION)|(UNIQUE\s+)?INDEX|TRIGGER)\b/gim) ?? []).length;
    assert.ok(syms.length >= creates * 0.9 && creates > 10, `${syms.length} symbols for ${creates} CREATE statements in ${big}`);
    void f;
  });
});
