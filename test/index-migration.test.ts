// Every index recommendation in one migration (server/src/engine/index-migration.ts): the CREATE
// INDEX statements of the recommendations' fixes, de-duplicated, CONCURRENTLY where the table already
// exists, with a DROP INDEX rollback, in the project's convention. Applying the result clears the
// recommendations and adds no finding of its own; every file written parses.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Project } from '../server/src/engine/project';
import { defaultConfig, type Config } from '../server/src/config';
import { indexMigration } from '../server/src/engine/index-migration';
import { applyEdits } from '../server/src/engine/edits';
import type { Finding } from '../server/src/model';
import { parseStatement } from '../server/src/sql/parse';
import { splitStatements } from '../server/src/sql/split';
import { ready } from './helpers';

before(ready);

const USERS_ORDERS = 'CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));\n';
const PAYMENTS = [
  'CREATE TABLE payments (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), order_id bigint REFERENCES orders (id));',
  'CREATE TABLE events (id bigint, user_id bigint REFERENCES users (id)) PARTITION BY RANGE (id);',
  '',
].join('\n');

function project(files: Record<string, string>, config: Config = defaultConfig()): Project {
  const p = new Project(config, (f) => f.replace(/^\/p\//, ''));
  for (const [k, v] of Object.entries(files)) p.setFile(`/p/${k}`, v);
  return p;
}
const recommendations = (p: Project): Finding[] => [...p.analyze().values()].flat().filter((f) => f.rule === 'fk-without-index');
const parsesClean = (sql: string) => {
  for (const s of splitStatements(sql).statements) assert.equal(parseStatement(s.text).error, undefined, s.text);
};

/** Applies the placement's edits to the project (creating files) and returns the new project's findings. */
function applyAll(p: Project, edits: { path: string; start: number; end: number; newText: string; create?: boolean }[]): Map<string, Finding[]> {
  const byFile = new Map<string, typeof edits>();
  for (const e of edits) byFile.set(e.path, [...(byFile.get(e.path) ?? []), e]);
  for (const [path, list] of byFile) {
    if (list.some((e) => e.create)) assert.equal(p.getFile(path), undefined, `${path} is new`);
    p.setFile(path, applyEdits(p.getFile(path)?.text ?? '', list));
  }
  return p.analyze();
}

describe('indexMigration', () => {
  test('numbered project: one new file, CONCURRENTLY for existing tables, never on a partitioned one; applying it clears every recommendation', () => {
    const p = project({ 'db/001_init.sql': USERS_ORDERS, 'db/002_payments.sql': PAYMENTS });
    const recs = recommendations(p);
    assert.equal(recs.length, 4);
    const r = indexMigration(p, recs);
    assert.equal(r.placement?.mode, 'new-file');
    assert.deepEqual(r.placement!.edits.map((e) => [e.path, e.create]), [['/p/db/003_add_4_recommended_indexes.sql', true]]);
    assert.deepEqual(r.statements, [
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id ON orders (user_id);',
      'CREATE INDEX CONCURRENTLY idx_payments_user_id ON payments (user_id);',
      'CREATE INDEX CONCURRENTLY idx_payments_order_id ON payments (order_id);',
      'CREATE INDEX idx_events_user_id ON events (user_id);',
    ]);
    assert.match(r.message, /^4 CREATE INDEX statements from 4 recommendations/);
    parsesClean(r.placement!.edits[0].newText);
    const after = applyAll(p, r.placement!.edits);
    assert.deepEqual([...after.values()].flat().filter((f) => f.rule === 'fk-without-index'), []);
    assert.deepEqual(after.get('/p/db/003_add_4_recommended_indexes.sql')!.map((f) => f.rule), [], 'the new migration has no finding of its own');
  });

  test('golang-migrate: up and down files; the rollback drops each index (CONCURRENTLY where it was built so); the note fits several statements', () => {
    const p = project({ 'm/000001_init.up.sql': USERS_ORDERS, 'm/000001_init.down.sql': 'DROP TABLE orders;\nDROP TABLE users;\n', 'm/000002_payments.up.sql': PAYMENTS });
    const r = indexMigration(p, recommendations(p));
    const [up, down] = r.placement!.edits;
    assert.equal(up.path, '/p/m/000003_add_4_recommended_indexes.up.sql');
    assert.equal(down.path, '/p/m/000003_add_4_recommended_indexes.down.sql');
    assert.match(up.newText, /3 of these 4 statements use CONCURRENTLY/);
    assert.match(up.newText, /x-multi-statement=true/);
    assert.doesNotMatch(up.newText, /Keep this statement alone/);
    const drops = splitStatements(down.newText).statements.map((s) => s.text.replace(/^(--[^\n]*\n\s*)+/, '').trim());
    assert.deepEqual(drops, [
      'DROP INDEX IF EXISTS idx_events_user_id;',
      'DROP INDEX CONCURRENTLY IF EXISTS idx_payments_order_id;',
      'DROP INDEX CONCURRENTLY IF EXISTS idx_payments_user_id;',
      'DROP INDEX CONCURRENTLY IF EXISTS idx_orders_user_id;',
    ]);
    for (const e of r.placement!.edits) parsesClean(e.newText);
  });

  test('one schema file: inserted after the last statement a fix belongs to; tables created in that file are indexed plainly', () => {
    const p = project({ 'schema.sql': USERS_ORDERS + PAYMENTS + 'SELECT 1;\n' });
    const r = indexMigration(p, recommendations(p));
    assert.equal(r.placement?.mode, 'inline');
    const [edit] = r.placement!.edits;
    const text = p.getFile('/p/schema.sql')!.text;
    assert.equal(edit.start, text.indexOf('PARTITION BY RANGE (id);') + 'PARTITION BY RANGE (id);'.length, 'after the events table, before the query');
    assert.ok(r.statements.every((s) => !/CONCURRENTLY/.test(s)), r.statements.join('\n'));
    const after = applyAll(p, r.placement!.edits);
    assert.deepEqual(after.get('/p/schema.sql')!.filter((f) => f.rule === 'fk-without-index' || f.rule.startsWith('create-index')), []);
  });

  test('the same index proposed twice (same definition, or the same name) is written once', () => {
    const p = project({ 'db/001_init.sql': USERS_ORDERS, 'db/002_more.sql': 'SELECT 1;\n' });
    const [rec] = recommendations(p);
    const twin: Finding = { ...rec, rule: 'missing-index', fixes: [{ title: 'x', edits: [{ path: rec.path, start: 0, end: 0, newText: 'CREATE INDEX idx_other_name ON orders (user_id);\nCREATE INDEX idx_orders_user_id ON orders (id, user_id);' }] }] };
    const r = indexMigration(p, [rec, twin]);
    assert.deepEqual(r.statements, ['CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id ON orders (user_id);']);
    assert.match(r.message, /left out: idx_orders_user_id \(its name is already used/);
  });

  test('migrations that run in a transaction (migrations.transactional, or BEGIN in the file) get no CONCURRENTLY', () => {
    const config = defaultConfig();
    config.migrations.transactional = true;
    const p = project({ 'db/001_init.sql': USERS_ORDERS, 'db/002_more.sql': 'SELECT 1;\n' }, config);
    const r = indexMigration(p, recommendations(p));
    assert.deepEqual(r.statements, ['CREATE INDEX IF NOT EXISTS idx_orders_user_id ON orders (user_id);']);
    assert.equal(r.placement!.edits.length, 1, 'no metadata for a non-transactional run');

    // one schema file after another, the last in BEGIN ... COMMIT: the rule's CONCURRENTLY is taken out
    const q = project({ 'a.sql': USERS_ORDERS, 'b.sql': 'BEGIN;\nCREATE TABLE notes (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));\nCOMMIT;\n' });
    const recs = recommendations(q);
    const viaRule = recs.find((f) => f.path === '/p/a.sql')!;
    const inTx: Finding = { ...viaRule, fixes: [{ title: 'x', edits: [{ path: '/p/b.sql', start: q.getFile('/p/b.sql')!.text.indexOf('COMMIT') - 1, end: q.getFile('/p/b.sql')!.text.indexOf('COMMIT') - 1, newText: '\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id ON orders (user_id);' }] }] };
    const r2 = indexMigration(q, [inTx, ...recs.filter((f) => f.path === '/p/b.sql')]);
    assert.equal(r2.placement?.mode, 'inline');
    assert.deepEqual(r2.statements, ['CREATE INDEX IF NOT EXISTS idx_orders_user_id ON orders (user_id);', 'CREATE INDEX idx_notes_order_id ON notes (order_id);']);
    assert.match(r2.message, /1 built without CONCURRENTLY/);
    const after = applyAll(q, r2.placement!.edits);
    assert.ok(!after.get('/p/b.sql')!.some((f) => f.rule === 'concurrently-in-transaction' || f.rule === 'fk-without-index'), JSON.stringify(after.get('/p/b.sql')));
  });

  test('nothing to write: a clear message, no edits', () => {
    const p = project({ 'db/001_init.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n' });
    assert.deepEqual(indexMigration(p, []), { statements: [], message: 'There are no index recommendations to write.' });
    const f: Finding = { rule: 'missing-index', severity: 'info', message: 'm', path: '/p/db/001_init.sql', start: 0, end: 1 };
    const r = indexMigration(p, [f]);
    assert.equal(r.placement, undefined);
    assert.match(r.message, /None of the 1 index recommendations has a CREATE INDEX fix/);
  });
});
