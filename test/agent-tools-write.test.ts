// write_migration: new files in the project's migration convention (placed as the quick fixes place
// them), only after the user confirms, never over a file, never outside the project; SQL that does
// not parse is refused with its line. Every test works on a temp copy (tests never write tracked files).
import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliToolContext, type CliToolContext } from '../server/src/agent/cli-context';
import type { WriteRequest } from '../server/src/agent/tool';
import { runTool } from '../server/src/agent/tools';

const SHOP = path.resolve(__dirname, '..', 'examples', 'shop');
const temps: string[] = [];
after(() => { for (const d of temps) fs.rmSync(d, { recursive: true, force: true }); });

/** A temp project: a copy of examples/shop, or the given files. */
function project(files?: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-agent-write-'));
  temps.push(dir);
  if (!files) fs.cpSync(SHOP, dir, { recursive: true });
  else for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** Every file under `dir` (relative, `/`-separated) with its text. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else out[path.relative(dir, p).split(path.sep).join('/')] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

async function context(dir: string, answer: boolean | undefined, asked: WriteRequest[] = []): Promise<CliToolContext> {
  return cliToolContext({
    root: dir, cwd: dir,
    ...(answer === undefined ? {} : { confirm: async (req: WriteRequest) => { asked.push(req); return answer; } }),
  });
}

const CREATE = 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n';
const ADD_UP = 'ALTER TABLE users ADD COLUMN note text;';
const ADD_DOWN = 'ALTER TABLE users DROP COLUMN note;';
const UP_TEXT = "-- Add users note\n-- Written by DB Engineer.\n\nSET LOCAL lock_timeout = '5s';\nALTER TABLE users ADD COLUMN note text;\n";

describe('write_migration: files named and placed by the convention', () => {
  test('examples/shop (numbered, no down files): 005_<slug>.sql with the quick fixes\' header (CONCURRENTLY: no lock_timeout line); the down is handed back, not written', async () => {
    const dir = project();
    const before = tree(dir);
    const asked: WriteRequest[] = [];
    const ctx = await context(dir, true, asked);
    const r = await runTool('write_migration', { title: 'Add orders customer_id index', up: 'CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);', down: 'DROP INDEX CONCURRENTLY orders_customer_id_idx;' }, ctx);
    await ctx.close();
    assert.equal(r.isError, undefined, r.text);
    const want = '-- Add orders customer_id index\n-- Written by DB Engineer.\n\nCREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);\n';
    assert.deepEqual(asked, [{ title: 'Add orders customer_id index (new migration 005_add_orders_customer_id_index)', files: [{ path: 'migrations/005_add_orders_customer_id_index.sql', text: want }] }]);
    assert.deepEqual(tree(dir), { ...before, 'migrations/005_add_orders_customer_id_index.sql': want });
    assert.equal(r.summary, 'wrote migration 005_add_orders_customer_id_index (up)');
    assert.match(r.text, /^Wrote migrations\/005_add_orders_customer_id_index\.sql\./);
    assert.match(r.text, /keep no rollback files, so the down SQL was not written/);
    assert.match(r.text, /DROP INDEX CONCURRENTLY orders_customer_id_idx;/);
  });

  test('a second write in the same session is numbered after the first', async () => {
    const dir = project();
    const ctx = await context(dir, true);
    await runTool('write_migration', { title: 'one', up: 'ALTER TABLE orders ADD COLUMN a text;' }, ctx);
    const r = await runTool('write_migration', { title: 'two', up: 'ALTER TABLE orders ADD COLUMN b text;' }, ctx);
    await ctx.close();
    assert.equal(r.summary, 'wrote migration 006_two (up)', r.text);
    assert.ok(fs.existsSync(path.join(dir, 'migrations/005_one.sql')) && fs.existsSync(path.join(dir, 'migrations/006_two.sql')));
  });

  test('golang-migrate: N_<slug>.up.sql and .down.sql, both exact', async () => {
    const dir = project({ 'db/migrations/000001_init.up.sql': CREATE, 'db/migrations/000001_init.down.sql': 'DROP TABLE users;\n' });
    const asked: WriteRequest[] = [];
    const ctx = await context(dir, true, asked);
    const r = await runTool('write_migration', { title: 'Add users note', up: ADD_UP, down: ADD_DOWN }, ctx);
    await ctx.close();
    assert.equal(r.summary, 'wrote migration 000002_add_users_note (up + down)', r.text);
    const up = 'db/migrations/000002_add_users_note.up.sql', down = 'db/migrations/000002_add_users_note.down.sql';
    assert.deepEqual(asked[0].files.map((f) => f.path), [up, down]);
    assert.equal(fs.readFileSync(path.join(dir, up), 'utf8'), UP_TEXT);
    assert.equal(fs.readFileSync(path.join(dir, down), 'utf8'), '-- Rollback: Add users note\n\nALTER TABLE users DROP COLUMN note;\n');
    assert.equal(r.text, `Wrote ${up} and ${down}.`);
  });

  test('golang-migrate without a down: the up is written, the down file and the answer say the rollback is missing', async () => {
    const dir = project({ 'migrations/1_init.up.sql': CREATE, 'migrations/1_init.down.sql': 'DROP TABLE users;\n' });
    const ctx = await context(dir, true);
    const r = await runTool('write_migration', { title: 'Add users note', up: ADD_UP }, ctx);
    await ctx.close();
    assert.equal(r.summary, 'wrote migration 2_add_users_note (up; down missing)', r.text);
    assert.match(r.text, /No down SQL was given, and this project keeps a rollback for each migration/);
    const down = fs.readFileSync(path.join(dir, 'migrations/2_add_users_note.down.sql'), 'utf8');
    assert.match(down, /No rollback was given for this migration/);
    assert.doesNotMatch(down, /Nothing to undo/);
  });

  test('Flyway: V<n+1>__<slug>.sql; no undo script unless the folder keeps U files, then U<n+1>__<slug>.sql', async () => {
    const plain = project({ 'sql/V1__init.sql': CREATE, 'sql/V2__more.sql': 'CREATE INDEX users_email_idx ON users (email);\n' });
    let ctx = await context(plain, true);
    let r = await runTool('write_migration', { title: 'Add users note', up: ADD_UP, down: ADD_DOWN }, ctx);
    await ctx.close();
    assert.equal(r.summary, 'wrote migration V3__add_users_note (up)', r.text);
    assert.deepEqual(Object.keys(tree(plain)).sort(), ['sql/V1__init.sql', 'sql/V2__more.sql', 'sql/V3__add_users_note.sql']);
    assert.match(r.text, /\(flyway\) keep no rollback files/);

    const undo = project({ 'sql/V1__init.sql': CREATE, 'sql/U1__init.sql': 'DROP TABLE users;\n' });
    ctx = await context(undo, true);
    r = await runTool('write_migration', { title: 'Add users note', up: ADD_UP, down: ADD_DOWN }, ctx);
    await ctx.close();
    assert.equal(r.summary, 'wrote migration V2__add_users_note (up + down)', r.text);
    assert.equal(fs.readFileSync(path.join(undo, 'sql/U2__add_users_note.sql'), 'utf8'), '-- Undo: Add users note\n-- Written by DB Engineer.\n\nALTER TABLE users DROP COLUMN note;\n');
  });

  test('Diesel: <timestamp+1s>_<slug>/up.sql and down.sql', async () => {
    const dir = project({ 'migrations/2024-01-01-000000_init/up.sql': CREATE, 'migrations/2024-01-01-000000_init/down.sql': 'DROP TABLE users;\n' });
    const ctx = await context(dir, true);
    const r = await runTool('write_migration', { title: 'Add users note', up: ADD_UP, down: ADD_DOWN }, ctx);
    await ctx.close();
    assert.equal(r.summary, 'wrote migration 2024-01-01-000001_add_users_note (up + down)', r.text);
    assert.equal(fs.readFileSync(path.join(dir, 'migrations/2024-01-01-000001_add_users_note/up.sql'), 'utf8'), UP_TEXT);
    assert.equal(fs.readFileSync(path.join(dir, 'migrations/2024-01-01-000001_add_users_note/down.sql'), 'utf8'), '-- Rollback: Add users note\n\nALTER TABLE users DROP COLUMN note;\n');
  });

  test('goose (one file, Up and Down sections): the rollback goes in the Down section; without one, the section says it is missing', async () => {
    const dir = project({ 'db/migrations/20240101120000_init.sql': `-- +goose Up\n${CREATE}\n-- +goose Down\nDROP TABLE users;\n` });
    const ctx = await context(dir, true);
    const missing = await runTool('write_migration', { title: 'Add users note', up: ADD_UP }, ctx);
    const both = await runTool('write_migration', { title: 'Add users nickname', up: 'ALTER TABLE users ADD COLUMN nick text;', down: 'ALTER TABLE users DROP COLUMN nick;' }, ctx);
    await ctx.close();
    assert.equal(missing.summary, 'wrote migration 20240101120001_add_users_note (up; down missing)', missing.text);
    assert.match(missing.text, /the rollback section says so instead/);
    assert.match(fs.readFileSync(path.join(dir, 'db/migrations/20240101120001_add_users_note.sql'), 'utf8'), /^-- \+goose Up\n[^]*ADD COLUMN note text;\n\n-- \+goose Down\n-- No rollback was given for this migration/);
    assert.equal(both.summary, 'wrote migration 20240101120002_add_users_nickname (up + down)', both.text);
    assert.equal(fs.readFileSync(path.join(dir, 'db/migrations/20240101120002_add_users_nickname.sql'), 'utf8'),
      "-- +goose Up\n-- Add users nickname\n-- Written by DB Engineer.\nSET LOCAL lock_timeout = '5s';\nALTER TABLE users ADD COLUMN nick text;\n\n-- +goose Down\nALTER TABLE users DROP COLUMN nick;\n");
  });

  test('a migrations folder with one migration so far: a new file next to it, the first one untouched (the quick fixes would edit it)', async () => {
    const dir = project({ 'migrations/001_init.sql': CREATE });
    const ctx = await context(dir, true);
    const r = await runTool('write_migration', { title: 'Add users note', up: ADD_UP }, ctx);
    await ctx.close();
    assert.equal(r.summary, 'wrote migration 002_add_users_note (up)', r.text);
    assert.deepEqual(tree(dir), { 'migrations/001_init.sql': CREATE, 'migrations/002_add_users_note.sql': "-- Add users note\n-- Written by DB Engineer.\n\nSET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN note text;\n\nRESET lock_timeout;\n" });
  });

  test('Prisma: <timestamp>_<slug>/migration.sql; a down is handed back (Prisma keeps none), named as Prisma\'s', async () => {
    const dir = project({ 'prisma/migrations/20240101120000_init/migration.sql': CREATE, 'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n' });
    const ctx = await context(dir, true);
    const r = await runTool('write_migration', { title: 'Add users note', up: ADD_UP, down: ADD_DOWN }, ctx);
    await ctx.close();
    assert.equal(r.summary, 'wrote migration 20240101120001_add_users_note (up)', r.text);
    assert.equal(fs.readFileSync(path.join(dir, 'prisma/migrations/20240101120001_add_users_note/migration.sql'), 'utf8'), UP_TEXT);
    assert.match(r.text, /The project's migrations \(prisma\) keep no rollback files/);
  });

  test('numbered single files beside a queries folder: the next number in the migrations folder', async () => {
    const dir = project({ 'migrations/01_init.sql': CREATE, 'migrations/02_idx.sql': 'CREATE INDEX users_email_idx ON users (email);\n', 'queries/q.sql': 'SELECT id FROM users WHERE email = $1;\n' });
    const ctx = await context(dir, true);
    const r = await runTool('write_migration', { title: 'Add users note', up: ADD_UP }, ctx);
    await ctx.close();
    assert.equal(r.summary, 'wrote migration 03_add_users_note (up)', r.text);
    assert.ok(fs.existsSync(path.join(dir, 'migrations/03_add_users_note.sql')));
  });
});

describe('write_migration: nothing is written unless it is safe and confirmed', () => {
  test('no migration convention (one schema file): an error that says so and shows the SQL; the user is not asked; nothing changes', async () => {
    const dir = project({ 'schema.sql': CREATE });
    const before = tree(dir);
    const asked: WriteRequest[] = [];
    const ctx = await context(dir, true, asked);
    const r = await runTool('write_migration', { title: 'Add users note', up: ADD_UP, down: ADD_DOWN }, ctx);
    await ctx.close();
    assert.equal(r.isError, true);
    assert.match(r.text, /no migrations folder convention to follow/);
    assert.ok(r.text.includes(ADD_UP) && r.text.includes(ADD_DOWN));
    assert.equal(asked.length, 0);
    assert.deepEqual(tree(dir), before);
  });

  test('declined: nothing is written; the answer says so and carries the files\' text', async () => {
    const dir = project();
    const before = tree(dir);
    const ctx = await context(dir, false);
    const r = await runTool('write_migration', { title: 'Add orders note', up: 'ALTER TABLE orders ADD COLUMN note text;' }, ctx);
    await ctx.close();
    assert.deepEqual(tree(dir), before);
    assert.equal(r.summary, 'proposed migration 005_add_orders_note (up; not written: the user declined)');
    assert.match(r.text, /^Proposed, not written: the user declined\./);
    assert.match(r.text, /migrations\/005_add_orders_note\.sql:\n```sql\n-- Add orders note\n[^]*ALTER TABLE orders ADD COLUMN note text;/);
  });

  test('nobody to ask (no confirm): proposed only', async () => {
    const dir = project();
    const before = tree(dir);
    const ctx = await context(dir, undefined);
    const r = await runTool('write_migration', { title: 'Add orders note', up: 'ALTER TABLE orders ADD COLUMN note text;' }, ctx);
    await ctx.close();
    assert.deepEqual(tree(dir), before);
    assert.match(r.summary, /^proposed migration 005_add_orders_note \(up; not written: nobody can be asked/);
  });

  test('never over an existing file: a file that appeared on disk after the project was read stays as it was', async () => {
    const dir = project();
    const ctx = await context(dir, true);
    const target = path.join(dir, 'migrations/005_add_orders_note.sql');
    fs.writeFileSync(target, '-- mine\n');
    const r = await runTool('write_migration', { title: 'Add orders note', up: 'ALTER TABLE orders ADD COLUMN note text;' }, ctx);
    await ctx.close();
    assert.equal(fs.readFileSync(target, 'utf8'), '-- mine\n');
    assert.match(r.summary, /not written: migrations\/005_add_orders_note\.sql already exists/);
  });

  test('a title that climbs out of the project stays a slug inside the migrations folder', async () => {
    const dir = project();
    const parent = path.dirname(dir);
    const outside = fs.readdirSync(parent).length;
    const ctx = await context(dir, true);
    const r = await runTool('write_migration', { title: '../../evil', up: 'ALTER TABLE orders ADD COLUMN note text;' }, ctx);
    const r2 = await runTool('write_migration', { title: '/etc/passwd\\..\\x', up: 'ALTER TABLE orders ADD COLUMN n2 text;' }, ctx);
    await ctx.close();
    assert.equal(r.summary, 'wrote migration 005_evil (up)', r.text);
    assert.equal(r2.summary, 'wrote migration 006_etc_passwd_x (up)', r2.text);
    assert.ok(fs.existsSync(path.join(dir, 'migrations/005_evil.sql')));
    assert.equal(fs.readdirSync(parent).length, outside);
  });

  test('SQL that does not parse is refused, naming the line; nothing is written and nobody is asked', async () => {
    const dir = project();
    const before = tree(dir);
    const asked: WriteRequest[] = [];
    const ctx = await context(dir, true, asked);
    const r = await runTool('write_migration', { title: 'broken', up: 'ALTER TABLE orders ADD COLUMN a text;\n\nALTER TABLE orders ADD COLUMN;' }, ctx);
    const d = await runTool('write_migration', { title: 'broken down', up: 'ALTER TABLE orders ADD COLUMN a text;', down: 'ALTER TABLE orders\n  DROP COLUMN a text;' }, ctx);
    await ctx.close();
    assert.equal(r.isError, true);
    assert.match(r.text, /the up SQL does not parse \(PostgreSQL parser\), line 3: syntax error at or near ";"/);
    assert.equal(d.isError, true);
    assert.match(d.text, /the down SQL does not parse \(PostgreSQL parser\), line 2: syntax error at or near "text"/);
    assert.equal(asked.length, 0);
    assert.deepEqual(tree(dir), before);
  });

  test('MySQL text in a PostgreSQL project is refused, not written as PostgreSQL', async () => {
    const dir = project();
    const ctx = await context(dir, true);
    const r = await runTool('write_migration', { title: 'mysql', up: 'ALTER TABLE `orders` ADD COLUMN `note` text AFTER `id`;' }, ctx);
    await ctx.close();
    assert.equal(r.isError, true);
    assert.match(r.text, /^Nothing written: the up SQL reads as MySQL\/MariaDB, and the project is PostgreSQL\./);
    assert.ok(!fs.existsSync(path.join(dir, 'migrations/005_mysql.sql')));
  });

  test('a MySQL project: its SQL is checked by the MySQL front end (valid MySQL written, a MySQL syntax error refused with its line)', async () => {
    const dir = project({
      '.dbe.json': '{ "dialect": "mysql" }',
      'migrations/001_init.sql': 'CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY, email varchar(200) NOT NULL) ENGINE=InnoDB;\n',
      'migrations/002_idx.sql': 'CREATE INDEX users_email_idx ON users (email);\n',
    });
    const ctx = await context(dir, true);
    const ok = await runTool('write_migration', { title: 'Add note', up: 'ALTER TABLE `users` ADD COLUMN `note` text AFTER `email`;' }, ctx);
    const bad = await runTool('write_migration', { title: 'Broken', up: 'ALTER TABLE users ADD COLUMN a text;\nALTER TABLE users ADD COLUMN b text AFTERR email;' }, ctx);
    await ctx.close();
    assert.equal(ok.summary, 'wrote migration 003_add_note (up)', ok.text);
    assert.equal(fs.readFileSync(path.join(dir, 'migrations/003_add_note.sql'), 'utf8'), '-- Add note\n-- Written by DB Engineer.\n\nALTER TABLE `users` ADD COLUMN `note` text AFTER `email`;\n');
    assert.equal(bad.isError, true, bad.text);
    assert.match(bad.text, /the up SQL does not parse \(MySQL\/MariaDB parser\), line 2/);
  });
});

describe('write_migration in the editor (language server over stdio): proposed, never written by the server', () => {
  test('golang-migrate workspace: the answer carries the files with their workspace URIs; nothing appears on disk', async () => {
    const { LspClient, fileUri } = await import('./lspClient');
    const { AGENT_TOOL_REQUEST } = await import('../server/src/lsp/agent-protocol');
    const dir = project({ 'db/migrations/000001_init.up.sql': CREATE, 'db/migrations/000001_init.down.sql': 'DROP TABLE users;\n' });
    const before = tree(dir);
    const c = await LspClient.start({ folder: dir, settings: { debounceMs: 5 } });
    try {
      let r: any;
      for (let i = 0; i < 200; i++) {
        r = await c.conn.sendRequest(AGENT_TOOL_REQUEST, { name: 'write_migration', input: { title: 'Add users note', up: ADD_UP, down: ADD_DOWN } });
        if (!/no migrations folder|^no project$/.test(r.summary)) break; // the workspace is still being read
        await new Promise((res) => setTimeout(res, 50));
      }
      const up = 'db/migrations/000002_add_users_note.up.sql', down = 'db/migrations/000002_add_users_note.down.sql';
      assert.equal(r.summary, 'proposed migration 000002_add_users_note (up + down; not written: proposed to the editor, which asks the user)', r.text);
      assert.deepEqual(r.proposed, {
        title: 'Add users note (new migration 000002_add_users_note)',
        files: [
          { path: up, text: UP_TEXT, uri: fileUri(path.join(dir, up)) },
          { path: down, text: '-- Rollback: Add users note\n\nALTER TABLE users DROP COLUMN note;\n', uri: fileUri(path.join(dir, down)) },
        ],
      });
      const live = await c.conn.sendRequest<any>(AGENT_TOOL_REQUEST, { name: 'slow_queries', input: {} });
      assert.equal(live.isError, true);
      assert.match(live.text, /set dbEngineer\.connection/);
    } finally {
      await c.stop();
    }
    assert.deepEqual(tree(dir), before);
  });
});
