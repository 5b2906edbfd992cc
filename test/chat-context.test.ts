// The chat context is right before any tool is called: a migration or DML file gets the schema of the
// tables it touches (as of before the migration), the editor's sandbox results reach it, truncation
// keeps errors first and the chips count what is sent, and defaults carry no comments.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildContext } from '../server/src/chat/context';
import { projectFor, ready, ROOT } from './helpers';

const SHOP = path.join(ROOT, 'examples', 'shop');
const M003 = path.join(SHOP, 'migrations', '003_order_changes.sql');

before(async () => { await ready(); });

/** The schema section of a context text. */
function schemaPart(text: string): string {
  const m = /## Schema[^\n]*\n[\s\S]*?(?=\n## |$)/.exec(text);
  return m ? m[0] : '';
}

describe('migration and DML files get their schema', () => {
  test('003_order_changes.sql gets the tables it alters, indexes, references and drops, as of before it', () => {
    const c = buildContext(projectFor(SHOP), { file: M003, budgetChars: 24_000 });
    const schema = schemaPart(c.text);
    assert.match(schema, /^## Schema \(tables referenced, as of before this migration\)/);
    for (const t of ['orders', 'order_items', 'products', 'users', 'audit_log']) assert.match(schema, new RegExp(`TABLE public\\.${t}\\n`), t);
    // before the migration: status is still varchar(20), users still has username, audit_log is there
    assert.match(schema, /status varchar\(20\) NOT NULL/);
    assert.doesNotMatch(schema, /shipped_at|channel/);
    assert.match(schema, /username varchar\(50\)/);
    assert.doesNotMatch(schema, /\bhandle\b/);
    assert.doesNotMatch(schema, /idx_orders_status/);
    const chip = c.chips.find((x) => x.kind === 'schema');
    assert.equal(chip?.label, '5 tables');
  });

  test('a query file with INSERT / UPDATE / DELETE / TRUNCATE / COMMENT ON gets those tables, after all migrations', () => {
    const project = projectFor(SHOP);
    const f = path.join(SHOP, 'queries', 'dml.sql');
    project.setFile(f, [
      "INSERT INTO products (name, category, price) VALUES ('a', 'b', 1);",
      "UPDATE users SET country = 'NL' WHERE id = 1;",
      'DELETE FROM order_items WHERE id = 1;',
      'TRUNCATE user_events;',
      "COMMENT ON TABLE suppliers IS 'who sells';",
    ].join('\n') + '\n');
    const c = buildContext(project, { file: f, budgetChars: 24_000 });
    const schema = schemaPart(c.text);
    assert.match(schema, /^## Schema \(tables referenced, after all migrations\)/);
    for (const t of ['products', 'users', 'order_items', 'user_events', 'suppliers']) assert.match(schema, new RegExp(`TABLE public\\.${t}\\n`), t);
    assert.match(schema, /\bhandle\b/, 'after all migrations: the renamed column');
    assert.doesNotMatch(schema, /TABLE public\.orders\n/);
  });

  test('DROP INDEX names its table; COMMENT ON COLUMN names its table', () => {
    const project = projectFor(SHOP);
    const f = path.join(SHOP, 'migrations', '005_more.sql');
    project.setFile(f, 'DROP INDEX idx_orders_status;\nCOMMENT ON COLUMN products.price IS \'in euros\';\n');
    const c = buildContext(project, { file: f, budgetChars: 24_000 });
    const schema = schemaPart(c.text);
    assert.match(schema, /TABLE public\.orders\n/);
    assert.match(schema, /idx_orders_status: btree \(status\)/);
    assert.match(schema, /TABLE public\.products\n/);
  });
});
