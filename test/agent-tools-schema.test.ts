// The agent's schema and lint tools (list_tables, describe_table, lint_sql) and validate_migration's
// answer, called the way every agent calls them: through runTool with a CLI tool context. The shop
// example is read in place (never written); projects a test shapes are written to temp folders.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliToolContext, type CliToolContext } from '../server/src/agent/cli-context';
import { lintText } from '../server/src/agent/lint-text';
import { runTool } from '../server/src/agent/tools/index';
import type { AgentSandbox, SandboxValidate, ToolContext } from '../server/src/agent/tool';
import { projectFor, ready, ROOT } from './helpers';

const SHOP = path.join(ROOT, 'examples', 'shop');
const SHOP_MYSQL = path.join(ROOT, 'examples', 'shop-mysql');
const temps: string[] = [];
const contexts: CliToolContext[] = [];

before(ready);
after(async () => {
  for (const c of contexts) await c.close();
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

async function ctxFor(root: string): Promise<CliToolContext> {
  const c = await cliToolContext({ root, cwd: root });
  contexts.push(c);
  return c;
}

/** A project in a temp folder: files by relative path. */
function tempProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-agent-schema-'));
  temps.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('list_tables', () => {
  test('lists every table of the shop with its columns, primary key and the migration line that created it', async () => {
    const r = await runTool('list_tables', {}, await ctxFor(SHOP));
    assert.equal(r.isError, undefined);
    assert.equal(r.summary, 'listed 8 tables');
    assert.match(r.text, /^- public\.orders: 7 columns, primary key \(id\); created at migrations\/002_create_orders\.sql:9$/m);
    assert.match(r.text, /^- public\.users: 6 columns, primary key \(id\); created at migrations\/001_create_users\.sql:2$/m);
    // dropped by 003: not listed
    assert.doesNotMatch(r.text, /audit_log/);
  });

  test('filters by part of the name and by schema, and says when nothing matches', async () => {
    const ctx = await ctxFor(SHOP);
    const m = await runTool('list_tables', { match: 'ORDER' }, ctx);
    assert.deepEqual((m.data as { tables: { name: string }[] }).tables.map((t) => t.name), ['public.orders', 'public.order_items']);
    assert.match(m.text, /\(of 8, filtered\)/);
    const s = await runTool('list_tables', { schema: 'auth' }, ctx);
    assert.equal(s.isError, undefined);
    assert.match(s.text, /^No table matches schema auth\. The project has 8 tables and views in schema public;/);
  });

  test('a project without tables says so and names the files it read', async () => {
    const dir = tempProject({ 'queries/report.sql': 'SELECT 1;\n' });
    const r = await runTool('list_tables', {}, await ctxFor(dir));
    assert.equal(r.isError, undefined);
    assert.match(r.text, /^No tables: the project has no CREATE TABLE in its migrations\. Files read .*queries\/report\.sql/);
    assert.equal(r.summary, 'listed tables: none');
  });

  test('a MySQL project: its own schema, with the tool\'s history table said as such', async () => {
    const r = await runTool('list_tables', {}, await ctxFor(SHOP_MYSQL));
    // MySQL has no `public` schema: names are written as MySQL writes them
    assert.match(r.text, /^- orders: 7 columns, primary key \(id\); created at migrations\/000002_create_orders\.up\.sql:9$/m);
    assert.match(r.text, /^- schema_migrations: .* created by golang-migrate \(its history table/m);
    assert.doesNotMatch(r.text, /public\./);
  });

  test('views, other schemas and quoted names', async () => {
    const dir = tempProject({
      'migrations/001_init.sql': 'CREATE SCHEMA audit;\nCREATE TABLE audit.events (id bigint PRIMARY KEY, at timestamptz NOT NULL);\n'
        + 'CREATE TABLE "Order Items" (id int PRIMARY KEY, "Qty" int NOT NULL);\n',
      'migrations/002_views.sql': 'CREATE VIEW recent_events AS SELECT id, at FROM audit.events WHERE at > now() - interval \'1 day\';\n',
    });
    const r = await runTool('list_tables', {}, await ctxFor(dir));
    assert.match(r.text, /^- audit\.events: 2 columns, primary key \(id\); created at migrations\/001_init\.sql:2$/m);
    assert.match(r.text, /^- public\."Order Items": 2 columns, primary key \(id\); created at migrations\/001_init\.sql:3$/m);
    assert.match(r.text, /^- public\.recent_events \(view\): 2 columns; created at migrations\/002_views\.sql:1$/m);
    assert.equal(r.summary, 'listed 3 tables (1 view)');
  });
});

describe('describe_table', () => {
  test('the whole of orders: columns, type changes, keys, indexes, foreign keys out and in, each with file:line', async () => {
    const r = await runTool('describe_table', { table: 'orders' }, await ctxFor(SHOP));
    assert.equal(r.isError, undefined);
    const t = r.text;
    assert.match(t, /^Table public\.orders, created at migrations\/002_create_orders\.sql:9\.$/m);
    assert.match(t, /^ {2}status varchar\(40\) NOT NULL DEFAULT 'pending' — migrations\/002_create_orders\.sql:12; type set at migrations\/003_order_changes\.sql:6$/m);
    assert.match(t, /^ {2}id bigserial NOT NULL \(serial: DEFAULT nextval of its sequence\)/m);
    assert.match(t, /^ {2}created_at timestamptz NOT NULL DEFAULT now\(\) — migrations\/002_create_orders\.sql:14$/m);
    assert.match(t, /^Primary key: \(id\) — migrations\/002_create_orders\.sql:10$/m);
    assert.match(t, /^ {2}idx_orders_status: CREATE INDEX idx_orders_status ON public\.orders \(status\) — migrations\/003_order_changes\.sql:2$/m);
    assert.match(t, /^ {2}\(user_id\) → public\.users \(id\) — migrations\/002_create_orders\.sql:11$/m);
    assert.match(t, /^Referenced by:\n {2}public\.order_items \(order_id\) → \(id\) — migrations\/002_create_orders\.sql:19$/m);
    assert.equal(r.summary, 'described public.orders: 7 columns, 2 indexes');
  });

  test('unique constraints, a renamed column and a descending index key; the name in any case, schema-qualified', async () => {
    const r = await runTool('describe_table', { table: 'Public.USERS' }, await ctxFor(SHOP));
    assert.equal(r.isError, undefined);
    assert.match(r.text, /^ {2}handle varchar\(50\) NOT NULL — migrations\/001_create_users\.sql:5; renamed from username at migrations\/003_order_changes\.sql:11$/m);
    assert.match(r.text, /^Unique constraints:\n {2}users_email_key: UNIQUE \(email\)/m);
    assert.match(r.text, /idx_users_created_at: CREATE INDEX idx_users_created_at ON public\.users \(created_at DESC\)/);
  });

  test('an unknown table is an error naming the closest tables', async () => {
    const ctx = await ctxFor(SHOP);
    const r = await runTool('describe_table', { table: 'ordres' }, ctx);
    assert.equal(r.isError, true);
    assert.equal(r.text, "describe_table: no table or view ordres in the project's schema; did you mean public.orders?");
    const far = await runTool('describe_table', { table: 'invoices' }, ctx);
    assert.equal(far.isError, true);
    assert.match(far.text, /The project has 8 tables and views: call list_tables/);
    const garbage = await runTool('describe_table', { table: '"unclosed' }, ctx);
    assert.equal(garbage.isError, true);
    assert.match(garbage.text, /is not a table name/);
    const missing = await runTool('describe_table', {}, ctx);
    assert.equal(missing.isError, true);
    assert.match(missing.text, /"table" is required/);
  });

  test('quoted mixed-case names, another schema, a view, checks, and a default whose line ends in a comment', async () => {
    const dir = tempProject({
      'migrations/001_init.sql': 'CREATE SCHEMA audit;\nCREATE TABLE audit.events (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  kind text NOT NULL DEFAULT \'click\', -- what happened\n  at timestamptz NOT NULL\n);\n'
        + 'CREATE TABLE "Order Items" (id int PRIMARY KEY, "Qty" int NOT NULL CHECK ("Qty" > 0));\n',
      'migrations/002_views.sql': 'CREATE VIEW recent_events AS SELECT id, kind FROM audit.events;\n',
    });
    const ctx = await ctxFor(dir);
    const ev = await runTool('describe_table', { table: 'audit.events' }, ctx);
    assert.match(ev.text, /^ {2}id bigint NOT NULL GENERATED AS IDENTITY — migrations\/001_init\.sql:3$/m);
    assert.match(ev.text, /^ {2}kind text NOT NULL DEFAULT 'click' — migrations\/001_init\.sql:4$/m);
    for (const name of ['"Order Items"', 'public."Order Items"', 'order items']) {
      const oi = await runTool('describe_table', { table: name }, ctx);
      assert.equal(oi.isError, undefined, name);
      assert.match(oi.text, /^Table public\."Order Items", created at migrations\/001_init\.sql:7\.$/m, name);
      assert.match(oi.text, /^ {2}Qty int NOT NULL/m);
      assert.match(oi.text, /^Checks:\n {2}.*CHECK \("Qty" > 0\)/m);
    }
    const v = await runTool('describe_table', { table: 'recent_events' }, ctx);
    assert.match(v.text, /^View public\.recent_events, created at migrations\/002_views\.sql:1\.$/m);
    assert.match(v.text, /^Definition: CREATE VIEW recent_events AS SELECT id, kind FROM audit\.events;$/m);
    assert.match(v.text, /^ {2}id \(type not known\) — migrations\/002_views\.sql:1$/m);
  });

  test('a MySQL table: AUTO_INCREMENT, UNSIGNED, engine and the index InnoDB made for a foreign key', async () => {
    const r = await runTool('describe_table', { table: 'ORDERS' }, await ctxFor(SHOP_MYSQL));
    assert.equal(r.isError, undefined);
    assert.match(r.text, /^Options: ENGINE=InnoDB/m);
    assert.match(r.text, /^ {2}id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT — migrations\/000002_create_orders\.up\.sql:10$/m);
    assert.match(r.text, /fk_orders_user: KEY fk_orders_user \(user_id\) .*\(made by InnoDB for a foreign key\)/);
    assert.match(r.text, /^Table orders,/m, 'named as MySQL names it');
    assert.match(r.text, /→ users \(id\)/, 'a foreign key\'s target too');
    assert.doesNotMatch(r.text + r.summary, /public\./, 'MySQL has no public schema');
  });
});

describe('lint_sql', () => {
  test('text with DDL is judged as the next migration of the chain: line:col severity rule message, with the fix', async () => {
    const r = await runTool('lint_sql', { sql: 'ALTER TABLE orders ADD COLUMN note text NOT NULL;\nCREATE INDEX orders_note_idx ON orders (note);' }, await ctxFor(SHOP));
    assert.equal(r.isError, undefined);
    assert.equal(r.summary, 'lint: 1 error, 2 warnings');
    assert.match(r.text, /as migrations\/005_agent_candidate\.sql\)\./);
    assert.match(r.text, /^1:31 error add-column-not-null-without-default Adding NOT NULL column `orders\.note` without a DEFAULT/m);
    assert.match(r.text, /^2:1 warning create-index-non-concurrently /m);
    assert.match(r.text, /^1:1 warning missing-lock-timeout .*\n {2}fix: Set lock_timeout to 5s at the start of the migration\n {2}insert at 1:1:\n {2}```sql\n {2}SET lock_timeout = '5s';/m);
  });

  test('a query is judged against the replayed schema, with each fix\'s replacement', async () => {
    const ctx = await ctxFor(SHOP);
    const r = await runTool('lint_sql', { sql: 'SELECT id FROM orders WHERE status = NULL;\nSELECT totl_amount FROM orders;' }, ctx);
    assert.match(r.text, /^Checked as a query/);
    assert.match(r.text, /^1:36 error equals-null `= NULL` is never true; use IS NULL\.\n {2}fix: Use IS NULL\n {2}replace 1:36-1:42 with:\n {2}```sql\n {2}IS NULL\n {2}```/m);
    assert.match(r.text, /^2:8 error unknown-column Unknown column totl_amount .*did you mean total_amount\?/m);
    const clean = await runTool('lint_sql', { sql: 'SELECT id, status FROM orders WHERE id = $1;' }, ctx);
    assert.equal(clean.summary, 'lint: no findings');
    assert.match(clean.text, /^No findings\.$/m);
  });

  test('as_migration: by default a migration when the text has DDL, a query otherwise; the model can say which', async () => {
    const ctx = await ctxFor(SHOP);
    const ddl = await runTool('lint_sql', { sql: '-- add a note\nALTER TABLE orders ADD COLUMN note text;' }, ctx);
    assert.match(ddl.text, /^Checked as a new migration appended to the project's chain \(as migrations\/005_agent_candidate\.sql\)\./);
    assert.equal((ddl.data as { asMigration: boolean }).asMigration, true);
    const asQuery = await runTool('lint_sql', { sql: 'ALTER TABLE orders ADD COLUMN note text;', as_migration: false }, ctx);
    assert.match(asQuery.text, /^Checked as a query/);
    const query = await runTool('lint_sql', { sql: 'SELECT id FROM orders;' }, ctx);
    assert.match(query.text, /^Checked as a query/);
    const forced = await runTool('lint_sql', { sql: 'SELECT id FROM orders;', as_migration: true }, ctx);
    assert.match(forced.text, /^Checked as a new migration/);
  });

  test('a file of the project by path; a path outside the project or unknown is an error', async () => {
    const ctx = await ctxFor(SHOP);
    const r = await runTool('lint_sql', { path: 'migrations/003_order_changes.sql' }, ctx);
    assert.equal(r.isError, undefined);
    assert.equal(r.summary, 'lint migrations/003_order_changes.sql: 1 error, 5 warnings');
    assert.match(r.text, /^5:31 error add-column-not-null-without-default /m);
    assert.match(r.text, /^ {2}new file migrations\/005_add_idx_order_items_product_id\.sql:\n {2}```sql\n/m);
    for (const p of ['../../etc/passwd', '/etc/passwd', '..']) {
      const out = await runTool('lint_sql', { path: p }, ctx);
      assert.equal(out.isError, true, p);
      assert.match(out.text, /is outside the project/, p);
    }
    const unknown = await runTool('lint_sql', { path: 'migrations/999_nope.sql' }, ctx);
    assert.equal(unknown.isError, true);
    assert.match(unknown.text, /is not a SQL file of the project \(its files: migrations\/001_create_users\.sql/);
  });

  test('empty or ambiguous input is a one-line error', async () => {
    const ctx = await ctxFor(SHOP);
    for (const [input, re] of [
      [{ sql: '' }, /the sql is empty/], [{ sql: '  \n ' }, /the sql is empty/], [{}, /pass sql/],
      [{ sql: 'SELECT 1', path: 'queries/reports.sql' }, /either sql or path/], [{ sql: 42 }, /"sql" must be a string/],
    ] as const) {
      const r = await runTool('lint_sql', input, ctx);
      assert.equal(r.isError, true, JSON.stringify(input));
      assert.match(r.text, re);
      assert.equal(r.text.split('\n').length, 1);
    }
  });

  test('a golang-migrate project: the candidate is the next numbered up file, and a long fix is cut to its start', async () => {
    const dir = tempProject({
      'migrations/000001_init.up.sql': 'CREATE TABLE t (id int PRIMARY KEY, name text);\n',
      'migrations/000001_init.down.sql': 'DROP TABLE t;\n',
      'migrations/000002_u.up.sql': 'CREATE TABLE u (id int PRIMARY KEY);\n',
      'migrations/000002_u.down.sql': 'DROP TABLE u;\n',
    });
    const r = await runTool('lint_sql', { sql: 'ALTER TABLE t ALTER COLUMN name TYPE varchar(20);' }, await ctxFor(dir));
    assert.match(r.text, /\(as migrations\/000003_agent_candidate\.up\.sql\)/);
    assert.match(r.text, /^1:28 warning alter-column-type /m);
    assert.match(r.text, /more characters of this fix not shown\)|more edits? of this fix not shown/);
    assert.ok(r.text.length < 8000, `${r.text.length} characters`);
  });

  test('a MySQL project: the text is read as MySQL, with MySQL\'s rules', async () => {
    const r = await runTool('lint_sql', { sql: 'SELECT SQL_CACHE id FROM orders ORDER BY RAND() LIMIT 5;' }, await ctxFor(SHOP_MYSQL));
    assert.equal(r.isError, undefined);
    assert.match(r.text, /^1:8 warning removed-in-mysql-8 SQL_CACHE /m);
    assert.match(r.text, /^ {2}fix: Remove SQL_CACHE\n {2}delete 1:8-1:18$/m);
    assert.doesNotMatch(r.text, /syntax-error|other-dialect/);
  });

  test('a goose project: the candidate gets its Up section, and lines count from the text as given', async () => {
    const dir = tempProject({
      'db/migrations/20240101000000_init.sql': '-- +goose Up\nCREATE TABLE t (id int PRIMARY KEY);\n-- +goose Down\nDROP TABLE t;\n',
      'db/migrations/20240102000000_more.sql': '-- +goose Up\nCREATE TABLE u (id int PRIMARY KEY);\n-- +goose Down\nDROP TABLE u;\n',
    });
    const r = await runTool('lint_sql', { sql: 'ALTER TABLE t ADD COLUMN c int NOT NULL;' }, await ctxFor(dir));
    assert.match(r.text, /^1:26 error add-column-not-null-without-default /m);
  });
});

describe('lintText', () => {
  test('leaves the caller\'s project as it was: same files, roles, schema and findings', async () => {
    const project = projectFor(SHOP);
    const order = project.order();
    const roles = order.map((f) => `${f.path} ${f.migration?.role} ${f.replayed} ${f.isDown}`);
    const migrationObjects = order.map((f) => f.migration);
    const before = JSON.stringify([...project.analyze()].map(([p, fs]) => [p, fs.map((f) => `${f.rule}@${f.start}`)]));
    const tables = [...project.schema().tables.keys()].join(',');
    const columns = [...project.schema().table('public', 'orders')!.columns.keys()].join(',');
    const revision = project.revision;

    const r = lintText(project, 'CREATE TABLE notes (id int);\nALTER TABLE orders ADD COLUMN note text;', { asMigration: true, down: 'DROP TABLE notes;' });
    assert.ok(r.findings.length > 0); // it did judge the text
    lintText(project, 'SELECT * FROM notes;', { asMigration: false });

    assert.equal(project.revision, revision);
    assert.equal(project.order(), order); // not even re-ordered
    assert.deepEqual(project.order().map((f) => `${f.path} ${f.migration?.role} ${f.replayed} ${f.isDown}`), roles);
    // the files' own objects were not re-ordered by the copy (ordering assigns a new `migration` object)
    assert.ok(project.order().every((f, i) => f.migration === migrationObjects[i]));
    assert.equal(project.size, order.length);
    assert.equal([...project.schema().tables.keys()].join(','), tables);
    assert.equal(project.schema().table(undefined, 'notes'), undefined);
    assert.equal([...project.schema().table('public', 'orders')!.columns.keys()].join(','), columns);
    assert.equal(JSON.stringify([...project.analyze()].map(([p, fs]) => [p, fs.map((f) => `${f.rule}@${f.start}`)])), before);
  });

  test('the candidate sees what the chain built, and its own new tables are new', async () => {
    const project = projectFor(SHOP);
    // a NOT NULL column without a default on a table created in the same migration is fine
    const fresh = lintText(project, 'CREATE TABLE notes (id int PRIMARY KEY);\nALTER TABLE notes ADD COLUMN body text NOT NULL;', { asMigration: true });
    assert.equal(fresh.findings.filter((f) => f.rule === 'add-column-not-null-without-default').length, 0);
    assert.equal(fresh.role, 'migration');
    const old = lintText(project, 'ALTER TABLE orders ADD COLUMN body text NOT NULL;', { asMigration: true });
    assert.equal(old.findings.filter((f) => f.rule === 'add-column-not-null-without-default').length, 1);
  });
});

// ---- validate_migration ----

function fakeSandbox(answer: Partial<SandboxValidate> | Error, calls: { up: string; down: string | undefined }[] = []): AgentSandbox {
  return {
    explain: async () => { throw new Error('not used'); },
    compareIndex: async () => { throw new Error('not used'); },
    validate: async (up, down) => {
      calls.push({ up, down });
      if (answer instanceof Error) throw answer;
      return { basis: '200 generated rows a table (6 of 8 tables filled)', replayFailures: 0, changes: [], differences: [], notes: [], ...answer };
    },
  };
}

async function withSandbox(sandbox: AgentSandbox | undefined, off?: string): Promise<ToolContext> {
  const base = await ctxFor(SHOP);
  return { ...base, sandbox, sandboxOff: off };
}

const UP = 'ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX orders_note_idx ON orders (note);';

describe('validate_migration', () => {
  test('a rollback that restores the schema: the rules\' findings, up\'s changes, and the verdict', async () => {
    const calls: { up: string; down: string | undefined }[] = [];
    const ctx = await withSandbox(fakeSandbox({ restored: true, changes: ['table public.orders: column note text added', 'index orders_note_idx created'], notes: ['CONCURRENTLY dropped for the check'] }, calls));
    const r = await runTool('validate_migration', { up: UP, down: 'DROP INDEX orders_note_idx;\nALTER TABLE orders DROP COLUMN note;' }, ctx);
    assert.equal(r.isError, undefined);
    assert.deepEqual(calls, [{ up: UP, down: 'DROP INDEX orders_note_idx;\nALTER TABLE orders DROP COLUMN note;' }]);
    assert.equal(r.summary, 'validated the migration: rollback restores the schema; lint: 2 warnings');
    assert.match(r.text, /^Rules \(the candidate as migrations\/005_agent_candidate\.sql, appended to the chain\): 2 warnings:$/m);
    assert.match(r.text, /^2:1 warning create-index-non-concurrently /m);
    assert.match(r.text, /^Rules on the rollback: /m);
    assert.match(r.text, /^Up applies cleanly\.\nChanges:\n {2}- table public\.orders: column note text added\n {2}- index orders_note_idx created$/m);
    assert.match(r.text, /^The rollback restores the schema\.$/m);
    assert.match(r.text, /^Notes:\n {2}- CONCURRENTLY dropped for the check$/m);
  });

  test('a rollback that forgets the index: each difference, and the summary names it', async () => {
    const ctx = await withSandbox(fakeSandbox({ restored: false, differences: ['index orders_note_idx left behind: CREATE INDEX orders_note_idx ON public.orders USING btree (status)'] }));
    const r = await runTool('validate_migration', { up: 'CREATE INDEX orders_note_idx ON orders (status);', down: 'SELECT 1;' }, ctx);
    assert.match(r.summary, /^validated the migration: rollback leaves 1 difference \(index orders_note_idx left behind\)/);
    assert.match(r.text, /^The rollback does NOT restore the schema:\n {2}- index orders_note_idx left behind: CREATE INDEX orders_note_idx ON public\.orders USING btree \(status\)$/m);
  });

  test('up fails: its statement and message; nothing else is claimed', async () => {
    const ctx = await withSandbox(fakeSandbox({ upError: { statement: 'ALTER TABLE orders ADD COLUMN x int REFERENCES nope (id)', message: 'relation "nope" does not exist' } }));
    const r = await runTool('validate_migration', { up: 'ALTER TABLE orders ADD COLUMN x int REFERENCES nope (id);', down: 'ALTER TABLE orders DROP COLUMN x;' }, ctx);
    assert.match(r.summary, /^validated: up fails: relation "nope" does not exist/);
    assert.match(r.text, /^Up FAILS at: ALTER TABLE orders ADD COLUMN x int REFERENCES nope \(id\)\n {2}relation "nope" does not exist\nNothing after that statement ran; the rollback was not checked\.$/m);
    assert.doesNotMatch(r.text, /restores the schema/);
  });

  test('down fails: said as such', async () => {
    const ctx = await withSandbox(fakeSandbox({ downError: { statement: 'DROP INDEX orders_nope', message: 'index "orders_nope" does not exist' }, changes: ['index orders_note_idx created'] }));
    const r = await runTool('validate_migration', { up: 'CREATE INDEX orders_note_idx ON orders (status);', down: 'DROP INDEX orders_nope;' }, ctx);
    assert.match(r.summary, /^validated: down fails: index "orders_nope" does not exist/);
    assert.match(r.text, /^Down FAILS at: DROP INDEX orders_nope\n {2}index "orders_nope" does not exist$/m);
  });

  test('no down: the rollback was not checked, and one is recommended', async () => {
    const calls: { up: string; down: string | undefined }[] = [];
    const ctx = await withSandbox(fakeSandbox({ changes: ['index orders_note_idx created'] }, calls));
    const r = await runTool('validate_migration', { up: 'CREATE INDEX orders_note_idx ON orders (status);' }, ctx);
    assert.equal(calls[0].down, undefined);
    assert.match(r.summary, /^validated the migration: up applies; rollback not checked \(no down given\)/);
    assert.match(r.text, /^No down migration was given: the rollback was not checked\. Write one/m);
  });

  test('no sandbox: the rules\' verdict, and why the rollback was not checked', async () => {
    const ctx = await withSandbox(undefined, 'the sandbox is disabled in the settings (dbEngineer.sandbox.enabled)');
    const r = await runTool('validate_migration', { up: 'ALTER TABLE orders ADD COLUMN note text NOT NULL;', down: 'ALTER TABLE orders DROP COLUMN note;' }, ctx);
    assert.equal(r.isError, undefined);
    assert.match(r.text, /^1:31 error add-column-not-null-without-default /m);
    assert.match(r.text, /^The sandbox is off: the sandbox is disabled in the settings \(dbEngineer\.sandbox\.enabled\); the rollback was not checked, and up was not run\.$/m);
    assert.equal(r.summary, 'validated by the rules only (sandbox off); lint: 1 error, 1 warning');
  });

  test('a sandbox that fails: the rules\' verdict and the failure in one line, never a stack', async () => {
    const ctx = await withSandbox(fakeSandbox(new Error('the sandbox worker stopped\n    at Worker.<anonymous> (worker.ts:1:1)')));
    const r = await runTool('validate_migration', { up: UP, down: 'DROP INDEX orders_note_idx; ALTER TABLE orders DROP COLUMN note;' }, ctx);
    assert.equal(r.isError, undefined);
    assert.match(r.text, /^The sandbox could not check the migration: the sandbox worker stopped; up was not run and the rollback was not checked\.$/m);
    assert.doesNotMatch(r.text, /at Worker/);
  });

  test('empty up is an error', async () => {
    const ctx = await withSandbox(fakeSandbox({ restored: true }));
    for (const up of ['', '   \n']) {
      const r = await runTool('validate_migration', { up }, ctx);
      assert.equal(r.isError, true);
      assert.match(r.text, /"up" (is required|is empty)/);
    }
  });

  test('with the real sandbox: a down that forgets an index reports that index', async () => {
    const ctx = await ctxFor(SHOP);
    const r = await runTool('validate_migration', {
      up: 'ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX orders_created_idx ON orders (created_at);',
      down: 'ALTER TABLE orders DROP COLUMN note;',
    }, ctx);
    assert.equal(r.isError, undefined, r.text);
    assert.match(r.text, /The rollback does NOT restore the schema:/);
    assert.match(r.text, /orders_created_idx/);
    assert.match(r.summary, /rollback leaves 1 difference \(index orders_created_idx[^:()]*left behind\)/);
    const ok = await runTool('validate_migration', { up: 'ALTER TABLE orders ADD COLUMN note text;', down: 'ALTER TABLE orders DROP COLUMN note;' }, ctx);
    assert.match(ok.summary, /^validated the migration: rollback restores the schema/);
  });
});
