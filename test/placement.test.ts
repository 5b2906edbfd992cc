// Where generated migrations go (server/src/engine/placement.ts): a new file named after the
// project's own convention, with its rollback where the convention keeps one; inline after the
// anchor statement in a project without one. Generated files parse.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Project } from '../server/src/engine/project';
import { defaultConfig } from '../server/src/config';
import { isAppliedMigration, newestMigration, placeMigration, placeMigrations } from '../server/src/engine/placement';
import { nextMigrationName } from '../server/src/engine/migration-name';
import { applyEdits } from '../server/src/engine/edits';
import { parseStatement } from '../server/src/sql/parse';
import { splitStatements } from '../server/src/sql/split';
import { ready } from './helpers';

before(ready);

function project(files: Record<string, string>): Project {
  const p = new Project(defaultConfig(), (f) => f.replace(/^\/p\//, ''));
  for (const [k, v] of Object.entries(files)) p.setFile(`/p/${k}`, v);
  return p;
}
const anchorOf = (p: Project, path: string) => p.getFile(`/p/${path}`)!.statements[0];
const plan = (p: Project, path: string) => ({
  title: 'Add index on orders (user_id)', up: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id ON orders (user_id);',
  down: 'DROP INDEX CONCURRENTLY IF EXISTS idx_orders_user_id;', anchor: anchorOf(p, path), nonTransactional: true,
});
const parsesClean = (sql: string) => {
  for (const s of splitStatements(sql).statements) assert.equal(parseStatement(s.text).error, undefined, s.text);
};

describe('placeMigration', () => {
  test('numbered: the next number, as wide as the others; no down file', () => {
    const p = project({ 'db/001_init.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);', 'db/002_more.sql': 'SELECT 1;' });
    const r = placeMigration(p.order(), plan(p, 'db/001_init.sql'));
    assert.equal(r.mode, 'new-file');
    assert.deepEqual(r.edits.map((e) => [e.path, e.create]), [['/p/db/003_add_index_on_orders_user_id.sql', true]]);
    assert.match(r.edits[0].newText, /^-- Add index on orders \(user_id\)\n/);
    parsesClean(r.edits[0].newText);
  });
  test('goose and dbmate: one new file with the tool\'s Up and Down sections and its switch for running without a transaction', () => {
    const g = project({
      'db/00001_init.sql': '-- +goose Up\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n-- +goose Down\nDROP TABLE orders;\n',
      'db/00002_more.sql': '-- +goose Up\nSELECT 1;\n',
    });
    const r = placeMigration(g.order(), plan(g, 'db/00001_init.sql'));
    assert.deepEqual(r.edits.map((e) => e.path), ['/p/db/00003_add_index_on_orders_user_id.sql']);
    assert.match(r.edits[0].newText, /^-- \+goose NO TRANSACTION\n-- \+goose Up\n[\s\S]*CREATE INDEX CONCURRENTLY[\s\S]*\n-- \+goose Down\nDROP INDEX CONCURRENTLY IF EXISTS idx_orders_user_id;\n$/);
    parsesClean(r.edits[0].newText);
    const d = project({
      'db/migrations/20240101000000_init.sql': '-- migrate:up\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n-- migrate:down\nDROP TABLE orders;\n',
      'db/migrations/20240102000000_more.sql': '-- migrate:up\nSELECT 1;\n-- migrate:down\n',
    });
    const r2 = placeMigration(d.order(), plan(d, 'db/migrations/20240101000000_init.sql'));
    assert.match(r2.edits[0].newText, /^-- migrate:up transaction:false\n[\s\S]*\n-- migrate:down\nDROP INDEX CONCURRENTLY/);
  });
  test('golang-migrate: up and down files; a note that CONCURRENTLY needs a file of its own', () => {
    const p = project({ 'm/000001_init.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);', 'm/000001_init.down.sql': 'DROP TABLE orders;' });
    const r = placeMigration(p.order(), plan(p, 'm/000001_init.up.sql'));
    assert.deepEqual(r.edits.map((e) => e.path), ['/p/m/000002_add_index_on_orders_user_id.up.sql', '/p/m/000002_add_index_on_orders_user_id.down.sql']);
    assert.match(r.edits[0].newText, /implicit transaction/);
    assert.match(r.edits[1].newText, /DROP INDEX CONCURRENTLY IF EXISTS idx_orders_user_id;/);
    for (const e of r.edits) parsesClean(e.newText);
  });
  test('golang-migrate with several statements: the note says how to run them (x-multi-statement) instead of asking for one per file', () => {
    const p = project({ 'm/000001_init.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, shop_id bigint);', 'm/000001_init.down.sql': 'DROP TABLE orders;' });
    const r = placeMigration(p.order(), {
      ...plan(p, 'm/000001_init.up.sql'),
      up: 'CREATE INDEX CONCURRENTLY a ON orders (user_id);\nCREATE INDEX CONCURRENTLY b ON orders (shop_id);',
      down: 'DROP INDEX CONCURRENTLY IF EXISTS b;\nDROP INDEX CONCURRENTLY IF EXISTS a;',
    });
    for (const e of r.edits) {
      assert.match(e.newText, /2 of these 2 statements use CONCURRENTLY/);
      assert.match(e.newText, /x-multi-statement=true/);
      assert.doesNotMatch(e.newText, /alone in its file/);
      parsesClean(e.newText);
    }
  });
  test('query files that sort after the migrations do not hide the migrations folder', () => {
    const p = project({ 'migrations/001_init.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);', 'queries/report.sql': 'SELECT 1;' });
    const r = placeMigration(p.order(), plan(p, 'migrations/001_init.sql'));
    assert.equal(r.mode, 'new-file');
    assert.equal(r.path, '/p/migrations/002_add_index_on_orders_user_id.sql');
  });
  test('Diesel: a new directory after the newest, one second later, with up, down and metadata.toml', () => {
    const p = project({
      'migrations/2019-02-26-002946_create_user/up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);',
      'migrations/2019-02-26-002946_create_user/down.sql': 'DROP TABLE orders;',
      'migrations/2019-03-01-235959_post/up.sql': 'SELECT 1;',
    });
    const r = placeMigration(p.order(), plan(p, 'migrations/2019-02-26-002946_create_user/up.sql'));
    assert.deepEqual(r.edits.map((e) => e.path), [
      '/p/migrations/2019-03-02-000000_add_index_on_orders_user_id/up.sql',
      '/p/migrations/2019-03-02-000000_add_index_on_orders_user_id/down.sql',
      '/p/migrations/2019-03-02-000000_add_index_on_orders_user_id/metadata.toml',
    ]);
    assert.equal(r.edits[2].newText, 'run_in_transaction = false\n');
  });
  test('Flyway: the next version, and a script configuration that runs it outside a transaction', () => {
    const p = project({ 'sql/V1__init.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);', 'sql/V9__x.sql': 'SELECT 1;' });
    const r = placeMigration(p.order(), plan(p, 'sql/V1__init.sql'));
    assert.deepEqual(r.edits.map((e) => e.path), ['/p/sql/V10__add_index_on_orders_user_id.sql', '/p/sql/V10__add_index_on_orders_user_id.sql.conf']);
    assert.equal(r.edits[1].newText, 'executeInTransaction=false\n');
  });
  test('one schema file, or files without a convention: the SQL goes right after the anchor statement', () => {
    for (const files of <Record<string, string>[]>[{ 'schema.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n\nSELECT 1;' }, { 'schema.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint)', 'queries.sql': 'SELECT 1;' }]) {
      const p = project(files);
      const r = placeMigration(p.order(), plan(p, 'schema.sql'));
      assert.equal(r.mode, 'inline');
      assert.equal(r.edits.length, 1);
      const after = applyEdits(p.getFile('/p/schema.sql')!.text, r.edits);
      assert.match(after, /^CREATE TABLE orders \(id bigint PRIMARY KEY, user_id bigint\);\nCREATE INDEX CONCURRENTLY/);
      parsesClean(after);
    }
  });
  test('without a clock the name is reproducible; with one, never before the newest migration', () => {
    const entries = ['20240101120000_init.sql', '20991231235959_future.sql'];
    assert.equal(nextMigrationName(entries, 'x').up, '21000101000000_x.sql');
    assert.equal(nextMigrationName(entries, 'x', new Date('2026-12-01T09:05:07Z')).up, '21000101000000_x.sql');
    assert.equal(nextMigrationName(['20191100000001000000_identities.up.sql'], 'x').up, '20191100000001000001_x.up.sql');
  });
});

describe('placeMigrations', () => {
  const steps = (p: Project, path: string) => ['Backfill orders', 'Switch orders'].map((title, i) => ({
    title, up: `SELECT ${i + 1};`, down: `SELECT -${i + 1};`, anchor: anchorOf(p, path),
  }));
  test('golang-migrate: consecutive numbers, each with its down file', () => {
    const p = project({ 'm/000001_init.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY);', 'm/000001_init.down.sql': 'DROP TABLE orders;' });
    const r = placeMigrations(p.order(), steps(p, 'm/000001_init.up.sql'));
    assert.deepEqual(r.flatMap((x) => x.edits.map((e) => e.path)), [
      '/p/m/000002_backfill_orders.up.sql', '/p/m/000002_backfill_orders.down.sql',
      '/p/m/000003_switch_orders.up.sql', '/p/m/000003_switch_orders.down.sql',
    ]);
    assert.match(r[1].edits[1].newText, /SELECT -2;/);
  });
  test('Diesel and timestamps: each step one second after the previous one', () => {
    const d = project({ 'migrations/2019-02-26-002946_create/up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY);', 'migrations/2019-02-26-002946_create/down.sql': 'DROP TABLE orders;' });
    assert.deepEqual(placeMigrations(d.order(), steps(d, 'migrations/2019-02-26-002946_create/up.sql')).map((x) => x.path), [
      '/p/migrations/2019-02-26-002947_backfill_orders/up.sql', '/p/migrations/2019-02-26-002948_switch_orders/up.sql',
    ]);
    const t = project({ 'db/20240101120000_init.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY);', 'db/20240102120000_more.sql': 'SELECT 1;' });
    assert.deepEqual(placeMigrations(t.order(), steps(t, 'db/20240101120000_init.sql')).map((x) => x.path), [
      '/p/db/20240102120001_backfill_orders.sql', '/p/db/20240102120002_switch_orders.sql',
    ]);
  });
  test('a queries folder sorting after the migrations: the steps still go to the migrations folder', () => {
    const p = project({ 'migrations/001_init.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY);', 'queries/report.sql': 'SELECT 1;' });
    assert.deepEqual(placeMigrations(p.order(), steps(p, 'queries/report.sql')).map((x) => x.path), [
      '/p/migrations/002_backfill_orders.sql', '/p/migrations/003_switch_orders.sql',
    ]);
    assert.equal(placeMigration(p.order(), steps(p, 'queries/report.sql')[0]).path, '/p/migrations/002_backfill_orders.sql', 'placeMigration finds the migrations folder too');
  });
  test('one schema file: every step, in order, in one insertion after the anchor; placeMigration unchanged', () => {
    const p = project({ 'schema.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY);\nSELECT 9;' });
    const r = placeMigrations(p.order(), steps(p, 'schema.sql'));
    assert.equal(r.length, 1);
    assert.equal(r[0].mode, 'inline');
    assert.equal(applyEdits(p.getFile('/p/schema.sql')!.text, r[0].edits), 'CREATE TABLE orders (id bigint PRIMARY KEY);\nSELECT 1;\n\nSELECT 2;\nSELECT 9;');
    const n = project({ 'db/001_init.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY);', 'db/002_more.sql': 'SELECT 1;' });
    assert.equal(placeMigration(n.order(), steps(n, 'db/001_init.sql')[0]).path, '/p/db/003_backfill_orders.sql');
    assert.deepEqual(placeMigrations(n.order(), steps(n, 'db/001_init.sql')).map((x) => x.path), ['/p/db/003_backfill_orders.sql', '/p/db/004_switch_orders.sql']);
  });
});

describe('isAppliedMigration: which files a fix may edit', () => {
  const file = (p: Project, path: string) => p.getFile(`/p/${path}`)!;
  test('unpadded versions (1_, 9_, 124_): the newest is 124, not 9 (which sorts last by path)', () => {
    const p = project({
      'm/1_init.up.sql': 'CREATE TABLE a (id bigint PRIMARY KEY);', 'm/1_init.down.sql': 'DROP TABLE a;',
      'm/9_b.up.sql': 'CREATE TABLE b (id bigint PRIMARY KEY);', 'm/9_b.down.sql': 'DROP TABLE b;',
      'm/124_c.up.sql': 'CREATE TABLE c (id bigint PRIMARY KEY);', 'm/124_c.down.sql': 'DROP TABLE c;',
    });
    assert.equal(newestMigration(p.order())?.path, '/p/m/124_c.up.sql');
    assert.equal(isAppliedMigration(p.order(), file(p, 'm/9_b.up.sql')), true);
    assert.equal(isAppliedMigration(p.order(), file(p, 'm/124_c.up.sql')), false);
    assert.equal(isAppliedMigration(p.order(), file(p, 'm/124_c.down.sql')), false, 'the rollback of the migration being written may be edited with it');
    assert.equal(isAppliedMigration(p.order(), file(p, 'm/9_b.down.sql')), true);
  });
  test('Flyway: versions are applied but the newest; a repeatable migration (R__) is edited, it runs again when it changes', () => {
    const p = project({
      'db/V1__init.sql': 'CREATE TABLE a (id bigint PRIMARY KEY);', 'db/V2__more.sql': 'CREATE TABLE b (id bigint PRIMARY KEY);',
      'db/R__views.sql': 'CREATE OR REPLACE VIEW v AS SELECT id FROM a;',
    });
    assert.equal(newestMigration(p.order())?.path, '/p/db/V2__more.sql');
    assert.equal(isAppliedMigration(p.order(), file(p, 'db/V1__init.sql')), true);
    assert.equal(isAppliedMigration(p.order(), file(p, 'db/V2__more.sql')), false);
    assert.equal(isAppliedMigration(p.order(), file(p, 'db/R__views.sql')), false);
  });
  test('one schema file, or files with neither a convention nor downs: nothing is applied', () => {
    const one = project({ 'schema.sql': 'CREATE TABLE a (id bigint PRIMARY KEY);' });
    assert.equal(isAppliedMigration(one.order(), file(one, 'schema.sql')), false);
    const two = project({ 'schema.sql': 'CREATE TABLE a (id bigint PRIMARY KEY);', 'queries.sql': 'SELECT id FROM a;' });
    assert.equal(isAppliedMigration(two.order(), file(two, 'schema.sql')), false);
  });
  test('down migrations without a known naming convention: every up file counts as applied', () => {
    const p = project({
      'a_users_up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);', 'a_users_down.sql': 'DROP TABLE users;',
      'b_more_up.sql': 'CREATE TABLE more (id bigint PRIMARY KEY);', 'b_more_down.sql': 'DROP TABLE more;',
    });
    assert.equal(isAppliedMigration(p.order(), file(p, 'b_more_up.sql')), true);
    assert.equal(isAppliedMigration(p.order(), file(p, 'b_more_down.sql')), true, 'the rollback of an applied migration is part of it');
  });
});
