// The chat context is right before any tool is called: a migration or DML file gets the schema of the
// tables it touches (as of before the migration), the editor's sandbox results reach it, truncation
// keeps errors first and the chips count what is sent, and defaults carry no comments.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildContext } from '../server/src/chat/context';
import { defaultConfig } from '../server/src/config';
import { Project } from '../server/src/engine/project';
import type { Evidence, Finding } from '../server/src/model';
import { withEvidence } from '../server/src/sandbox/evidence';
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

  test('a rollback file gets the schema after the migration it undoes', () => {
    const project = new Project(defaultConfig());
    project.setFile('/v/migrations/000001_orders.up.sql', 'CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL);\n');
    project.setFile('/v/migrations/000001_orders.down.sql', 'DROP TABLE orders;\n');
    project.setFile('/v/migrations/000002_status_index.up.sql', 'CREATE INDEX orders_status_idx ON orders (status);\nALTER TABLE orders ADD COLUMN note text;\n');
    project.setFile('/v/migrations/000002_status_index.down.sql', 'ALTER TABLE orders DROP COLUMN note;\nDROP INDEX orders_status_idx;\n');
    project.setFile('/v/migrations/000003_drop_note.up.sql', 'ALTER TABLE orders DROP COLUMN note;\n');
    const down = buildContext(project, { file: '/v/migrations/000002_status_index.down.sql', budgetChars: 24_000 });
    const schema = schemaPart(down.text);
    assert.match(schema, /^## Schema \(tables referenced, as of after 000002_status_index\.up\.sql, the migration this rollback undoes\)/);
    assert.match(schema, /  note text\n/, 'the column the rollback drops is there');
    assert.match(schema, /orders_status_idx: btree \(status\)/);
    const up = buildContext(project, { file: '/v/migrations/000002_status_index.up.sql', budgetChars: 24_000 });
    assert.doesNotMatch(schemaPart(up.text), /note|orders_status_idx/, 'the up migration: before it');
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

const REPORTS = path.join(SHOP, 'queries', 'reports.sql');

describe("the editor's sandbox results reach the chat", () => {
  test('a postgres-error finding and a measured missing-index finding are in the findings, with what they are', () => {
    const project = projectFor(SHOP);
    const file = project.getFile(REPORTS)!;
    const stat = project.analyze([REPORTS]).get(REPORTS)!;
    const missing = stat.find((f) => f.rule === 'missing-index');
    assert.ok(missing, 'reports.sql has a missing-index finding');
    const evidence: Evidence = { costBefore: 248, costAfter: 11.6, indexUsed: true, tableRows: 10_000, generated: true };
    const measuredFinding = withEvidence(missing, evidence, 'orders', 'orders_user_id_idx');
    const at = file.text.indexOf('shipped_at = NULL');
    const pgError: Finding = {
      rule: 'postgres-error', severity: 'error', path: REPORTS, start: at, end: at + 'shipped_at'.length,
      message: 'PostgreSQL rejects this statement: column "shipped_at" does not exist (SQLSTATE 42703).',
    };
    const without = buildContext(project, { file: REPORTS, budgetChars: 24_000 });
    assert.doesNotMatch(without.text, /postgres-error|planner: cost/);
    const c = buildContext(project, {
      file: REPORTS, budgetChars: 24_000,
      sandbox: { errors: [pgError], measured: [{ finding: measuredFinding, evidence, index: 'orders_user_id_idx', table: 'orders' }] },
    });
    const findings = c.text.slice(c.text.indexOf('## Findings'));
    assert.match(findings, /- line 8 \[error\] postgres-error: PostgreSQL rejects this statement: column "shipped_at" does not exist \(SQLSTATE 42703\)/);
    assert.match(findings, /missing-index: .*\(planner: cost 248 → 11\.6 with the index/);
    assert.match(findings, /PostgreSQL's own errors from replaying the project's migrations in DB Engineer's sandbox/);
    assert.equal((findings.match(/\] missing-index:/g) ?? []).length, (stat.filter((f) => f.rule === 'missing-index')).length, 'the measured finding replaces the static one, not added twice');
    // the error is listed first: it is the most severe
    assert.match(findings, /^## Findings[^\n]*\n[^\n]*\n- line 8 \[error\] postgres-error/);
    assert.equal(c.chips.find((x) => x.kind === 'findings')?.label, `${stat.length + 1} findings`);
  });
});

/** The sections of a context text as joined by buildContext, each chip's part in order. */
function assertChipsCount(c: { chips: { chars: number }[]; text: string }, head = 0) {
  const sum = c.chips.reduce((n, x) => n + x.chars, 0) + 2 * (c.chips.length - 1) + (head ? head + 2 : 0);
  assert.equal(sum, c.text.length, 'the chips count exactly the characters sent');
}

describe('truncation and chips', () => {
  test('a small budget keeps the errors before the warnings, and the chips say what was cut', () => {
    const project = projectFor(SHOP);
    const f = path.join(SHOP, 'queries', 'many.sql');
    // 40 warnings (select-star) first in the file, one error (= NULL comparison) last
    const lines = Array.from({ length: 40 }, (_, i) => `SELECT * FROM orders WHERE id = ${i};`);
    lines.push('SELECT id FROM orders WHERE shipped_at = NULL;');
    project.setFile(f, lines.join('\n') + '\n');
    const all = project.analyze([f]).get(f)!;
    const errors = all.filter((x) => x.severity === 'error');
    assert.ok(errors.length >= 1 && all.length > 30, `fixture: ${errors.length} errors of ${all.length}`);
    const c = buildContext(project, { file: f, budgetChars: 3000 });
    assert.ok(c.text.length <= 3000);
    const findings = c.text.slice(c.text.indexOf('## Findings'));
    assert.match(findings, /^## Findings[^\n]*\n- line 41 \[error\]/, 'the error comes first');
    assert.match(findings, /more findings omitted for length \(\d+ warning/);
    const chip = c.chips.find((x) => x.kind === 'findings')!;
    assert.match(chip.label, new RegExp(`^\\d+ of ${all.length} findings$`));
    // the SQL part keeps the statement with the error
    assert.match(c.text, /shipped_at = NULL/);
    assertChipsCount(c);
  });

  test('a schema that does not fit whole: "N of M tables", and the chip counts the part as sent', () => {
    const project = projectFor(SHOP);
    const f = path.join(SHOP, 'queries', 'wide.sql');
    project.setFile(f, 'SELECT 1 FROM users, orders, order_items, products, user_sessions, suppliers, product_attributes, user_events;\n');
    const whole = buildContext(project, { file: f, budgetChars: 24_000 });
    assert.equal(whole.chips.find((x) => x.kind === 'schema')?.label, '8 tables');
    const c = buildContext(project, { file: f, budgetChars: 1100 });
    const chip = c.chips.find((x) => x.kind === 'schema')!;
    assert.match(chip.label, /^[1-7] of 8 tables$/);
    assert.match(c.text, /\(omitted for length: /);
    assertChipsCount(c);
    assertChipsCount(whole);
  });

  test('no file open, a tiny budget: the schema chip counts what is sent', () => {
    const c = buildContext(projectFor(SHOP), { budgetChars: 1100 });
    assert.ok(c.text.length <= 1100);
    const chip = c.chips.find((x) => x.kind === 'schema')!;
    assert.equal(chip.chars, c.text.length - c.text.indexOf('## Schema'));
  });
});

describe('defaults without comments', () => {
  test('DEFAULT now() -- set by app shows now(); comments with commas and quotes do not end the column early', () => {
    const project = new Project(defaultConfig());
    project.setFile('/v/migrations/001_init.sql', [
      'CREATE TABLE t (',
      '  id bigint PRIMARY KEY,',
      "  kind text NOT NULL DEFAULT 'a--b', -- the string keeps its dashes",
      "  state text DEFAULT 'new' /* legacy, (see ticket) it's odd */ NOT NULL,",
      '  created_at timestamptz NOT NULL DEFAULT now() -- set by app',
      ');',
      'ALTER TABLE t ADD COLUMN touched_at timestamptz DEFAULT now() -- when, by whom',
      ';',
    ].join('\n') + '\n');
    project.setFile('/v/queries/q.sql', 'SELECT id FROM t;\n');
    const c = buildContext(project, { file: '/v/queries/q.sql', budgetChars: 24_000 });
    assert.match(c.text, /created_at timestamptz NOT NULL DEFAULT now\(\)\n/);
    assert.match(c.text, /kind text NOT NULL DEFAULT 'a--b'\n/);
    assert.match(c.text, /state text NOT NULL DEFAULT 'new'\n/);
    assert.match(c.text, /touched_at timestamptz DEFAULT now\(\)\n/);
    assert.doesNotMatch(c.text, /set by app|legacy|by whom/);
  });
});
