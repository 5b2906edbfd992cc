// Refactor "Create materialized view" (server/src/refactors/materialized-view.ts), engine level: which
// queries qualify, what the migration and the rewritten query say, that every generated statement
// parses and that the project lints without new syntax errors once the edits are applied.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultConfig } from '../server/src/config';
import { applyEdits } from '../server/src/engine/edits';
import { Project } from '../server/src/engine/project';
import type { Fix } from '../server/src/model';
import { materializedViewRefactors } from '../server/src/refactors/materialized-view';
import { parseStatement } from '../server/src/sql/parse';
import { splitStatements } from '../server/src/sql/split';
import { listSql, projectFor, ready, ROOT } from './helpers';

before(ready);

const SCHEMA = `CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, region text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id), status text NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE TABLE products (id bigint PRIMARY KEY, category text NOT NULL);
CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), product_id bigint NOT NULL REFERENCES products (id), qty integer NOT NULL);
CREATE INDEX order_items_order_id_idx ON order_items (order_id);
CREATE INDEX order_items_product_id_idx ON order_items (product_id);
`;

const REPORT = `SELECT c.region, p.category, count(*) AS orders, sum(oi.qty) AS units
FROM customers c
JOIN orders o ON o.customer_id = c.id
JOIN order_items oi ON oi.order_id = o.id
JOIN products p ON p.id = oi.product_id
WHERE o.status = 'paid' AND c.region = $1
GROUP BY c.region, p.category
ORDER BY sum(oi.qty) DESC
LIMIT 10;
`;

function project(files: Record<string, string>): Project {
  const p = new Project(defaultConfig(), (f) => f.replace(/^\/p\//, ''));
  for (const [k, v] of Object.entries(files)) p.setFile(`/p/${k}`, v);
  return p;
}

/** Refactors offered with the cursor at the start of `needle` in `file`. */
function at(p: Project, file: string, needle: string): Fix[] {
  const f = p.getFile(`/p/${file}`)!;
  const i = f.text.indexOf(needle);
  assert.ok(i >= 0, needle);
  return materializedViewRefactors(p, f.path, { start: i, end: i });
}

/** Applies a fix to a copy of the project; returns the new texts and the copy. */
function applied(p: Project, fix: Fix): { texts: Map<string, string>; after: Project } {
  const texts = new Map<string, string>();
  for (const e of fix.edits) texts.set(e.path, applyEdits(texts.get(e.path) ?? (e.create ? '' : p.getFile(e.path)!.text), [e]));
  const after = new Project(p.config, (f) => f.replace(/^\/p\//, ''));
  for (const f of p.order()) after.setFile(f.path, f.text);
  for (const [k, v] of texts) after.setFile(k, v);
  return { texts, after };
}

function parsesClean(sql: string): void {
  for (const s of splitStatements(sql).statements) assert.equal(parseStatement(s.text).error, undefined, s.text);
}

const syntaxErrors = (p: Project) => [...p.analyze().values()].flat().filter((f) => f.rule === 'syntax-error').map((f) => f.message);

describe('Create materialized view', () => {
  test('numbered migrations: a new migration with the view, its unique index and the refresh; the query reads the view', () => {
    const q = project({ 'db/001_init.sql': SCHEMA, 'db/002_report.sql': REPORT });
    for (const proj of [q]) {
      const fixes = at(proj, 'db/002_report.sql', 'JOIN orders');
      assert.deepEqual(fixes.map((f) => f.title), [
        'Create materialized view mv_customers_by_region_category',
        'Create materialized view mv_customers_by_region_category and read from it',
      ]);
      const [create, read] = fixes;
      assert.deepEqual(create.edits.map((e) => [e.path, e.create]), [['/p/db/003_materialized_view_mv_customers_by_region.sql', true]]);
      const mig = create.edits[0].newText;
      assert.match(mig, /CREATE MATERIALIZED VIEW mv_customers_by_region_category AS\nSELECT c\.region, p\.category, count\(\*\) AS orders, sum\(oi\.qty\) AS units\n/);
      assert.match(mig, /WHERE o\.status = 'paid'\nGROUP BY c\.region, p\.category;\n/, 'the parameter predicate, ORDER BY and LIMIT stay out of the view');
      assert.doesNotMatch(mig, /\$1|LIMIT|ORDER BY/);
      assert.match(mig, /CREATE UNIQUE INDEX mv_customers_by_region_category_key ON mv_customers_by_region_category \(region, category\);/);
      assert.match(mig, /^-- {3}REFRESH MATERIALIZED VIEW CONCURRENTLY mv_customers_by_region_category;$/m);
      parsesClean(mig);
      // read from it: the same migration, and the query replaced
      assert.deepEqual(read.edits.slice(0, 1), create.edits);
      const { texts, after } = applied(proj, read);
      const rewritten = texts.get('/p/db/002_report.sql')!;
      assert.equal(rewritten, '-- Reads the materialized view mv_customers_by_region_category: as fresh as its last REFRESH.\n'
        + 'SELECT region, category, orders, units\nFROM mv_customers_by_region_category\nWHERE region = $1\nORDER BY units DESC\nLIMIT 10;\n');
      parsesClean(rewritten);
      assert.deepEqual(syntaxErrors(after), []);
      // the view is now part of the schema
      assert.equal(after.schema().table(undefined, 'mv_customers_by_region_category')?.kind, 'matview');
    }
  });

  test('golang-migrate: the rollback drops the view', () => {
    const p = project({ 'm/000001_init.up.sql': SCHEMA, 'm/000001_init.down.sql': 'DROP TABLE order_items, products, orders, customers;', 'm/000002_report.up.sql': REPORT });
    const [create] = at(p, 'm/000002_report.up.sql', 'SELECT');
    assert.deepEqual(create.edits.map((e) => e.path), ['/p/m/000003_materialized_view_mv_customers_by_region.up.sql', '/p/m/000003_materialized_view_mv_customers_by_region.down.sql']);
    assert.match(create.edits[1].newText, /DROP MATERIALIZED VIEW IF EXISTS mv_customers_by_region_category;/);
  });

  test('one schema file: the view goes before the query that reads it', () => {
    const p = project({ 'schema.sql': SCHEMA + '\n' + REPORT });
    const fixes = at(p, 'schema.sql', 'GROUP BY');
    assert.equal(fixes.length, 2);
    const { texts, after } = applied(p, fixes[1]);
    const text = texts.get('/p/schema.sql')!;
    assert.ok(text.indexOf('CREATE MATERIALIZED VIEW') < text.indexOf('FROM mv_customers_by_region_category'), text);
    assert.ok(text.startsWith(SCHEMA));
    parsesClean(text);
    assert.deepEqual(syntaxErrors(after), []);
    // "create" alone: after the query
    const only = applied(p, fixes[0]).texts.get('/p/schema.sql')!;
    assert.ok(only.indexOf('LIMIT 10;') < only.indexOf('CREATE MATERIALIZED VIEW'));
  });

  test('a GROUP BY key that is not an output column: no unique index, and the comment says why', () => {
    const p = project({ 'schema.sql': SCHEMA + `SELECT p.category, count(*) AS n, sum(oi.qty) AS units
FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id
GROUP BY p.category, date_trunc('month', o.created_at);` });
    const [create, read] = at(p, 'schema.sql', 'SELECT p.category');
    const sql = create.edits[0].newText;
    assert.doesNotMatch(sql, /CREATE UNIQUE INDEX/);
    assert.match(sql, /the GROUP BY key date_trunc\('month', o\.created_at\) is not an output column of the view/);
    assert.match(sql, /^-- {3}REFRESH MATERIALIZED VIEW mv_customers_summary;$/m);
    assert.ok(read, 'the query can still read the view');
    parsesClean(applied(p, read).texts.get('/p/schema.sql')!);
  });

  test('duplicate or unnamed output columns get an explicit column list', () => {
    const p = project({ 'schema.sql': SCHEMA + `SELECT c.id, count(*), count(*), o.status || '!'
FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id
GROUP BY c.id, o.status;` });
    const [create, read] = at(p, 'schema.sql', 'SELECT c.id');
    assert.match(create.edits[0].newText, /CREATE MATERIALIZED VIEW mv_customers_summary \(id, count, col_3, col_4\) AS/);
    assert.match(create.edits[0].newText, /no unique index|there is none/);
    assert.match(applied(p, read).texts.get('/p/schema.sql')!, /SELECT id, count, col_3, col_4\nFROM mv_customers_summary;/);
  });

  test('ORDER BY an expression the view does not output: the view, but no rewrite', () => {
    const p = project({ 'schema.sql': SCHEMA + `SELECT c.region, count(*) AS n
FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id
GROUP BY c.region ORDER BY max(o.created_at) DESC;` });
    assert.deepEqual(at(p, 'schema.sql', 'SELECT c.region').map((f) => f.title), ['Create materialized view mv_customers_by_region']);
  });

  test('not offered: fewer than three relations, no aggregation, SELECT *, a UNION, parameters that cannot move', () => {
    const cases = [
      'SELECT c.region, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.region;',
      'SELECT c.name, o.id, oi.qty FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id;',
      'SELECT c.*, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id GROUP BY c.id;',
      'SELECT c.region, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id GROUP BY c.region UNION ALL SELECT 1, 2;',
      // the parameter filters rows before aggregation on a column the view does not group by
      'SELECT c.region, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id WHERE o.created_at > $1 GROUP BY c.region;',
      // a parameter in a join condition or in the select list
      'SELECT c.region, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id AND o.status = $1 JOIN order_items oi ON oi.order_id = o.id GROUP BY c.region;',
      'SELECT c.region, count(*) * $1 FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id GROUP BY c.region;',
    ];
    for (const q of cases) {
      const p = project({ 'schema.sql': SCHEMA + q });
      assert.deepEqual(at(p, 'schema.sql', q.slice(0, 12)), [], q);
    }
    // and not on a DDL statement
    assert.deepEqual(at(project({ 'schema.sql': SCHEMA }), 'schema.sql', 'CREATE TABLE orders'), []);
  });

  test('a selection spanning two statements offers nothing; a cursor anywhere in the query does', () => {
    const p = project({ 'schema.sql': SCHEMA + REPORT });
    const f = p.getFile('/p/schema.sql')!;
    assert.deepEqual(materializedViewRefactors(p, f.path, { start: f.text.indexOf('CREATE TABLE products'), end: f.text.indexOf('LIMIT') }), []);
    assert.equal(materializedViewRefactors(p, f.path, { start: f.text.indexOf('LIMIT'), end: f.text.indexOf('LIMIT') + 5 }).length, 2);
    assert.deepEqual(materializedViewRefactors(p, '/p/missing.sql', { start: 0, end: 0 }), []);
  });

  test('over every statement of every fixture: whatever is offered parses once applied and lints without syntax errors', () => {
    const offered = new Map<string, number>();
    for (const top of ['rules', 'refactors']) {
      const dir = path.join(ROOT, 'test', 'fixtures', top);
      for (const group of fs.readdirSync(dir)) {
        for (const name of fs.readdirSync(path.join(dir, group))) {
          if (name.endsWith('.snap')) continue;
          const fixture = path.join(dir, group, name);
          const p = projectFor(fixture);
          const before = syntaxErrors(p).length;
          for (const file of fs.statSync(fixture).isDirectory() ? listSql(fixture) : [fixture]) {
            for (const s of p.getFile(file)!.statements) {
              for (const fix of materializedViewRefactors(p, file, { start: s.start, end: s.start })) {
                offered.set(`${group}/${name}`, (offered.get(`${group}/${name}`) ?? 0) + 1);
                const after = projectFor(fixture);
                for (const e of fix.edits) {
                  const text = applyEdits(e.create ? '' : p.getFile(e.path)!.text, [e]);
                  parsesClean(text);
                  after.setFile(e.path, text);
                }
                assert.equal(syntaxErrors(after).length, before, `${name}: ${fix.title}`);
              }
            }
          }
        }
      }
    }
    // both actions on each of the two qualifying queries of the refactor fixture
    assert.equal(offered.get('materialized-view/reports.sql'), 4, JSON.stringify([...offered]));
  });
});

describe('expand/contract names', () => {
  test('long names that collide still get a fresh one within 63 bytes (no endless search)', () => {
    const long = 'newest_comment_time_necro_for_the_front_page_of_the_site';
    const ix = `idx_post_aggregates_${long}`.slice(0, 63);
    const p = project({
      'migrations/001_init.sql': `CREATE TABLE post_aggregates (id bigint PRIMARY KEY, ${long} timestamp NOT NULL DEFAULT now() -- why\n);\n`
        + `CREATE INDEX ${ix} ON post_aggregates (${long});\nCREATE INDEX ${ix.slice(0, 59)}_new ON post_aggregates (id, ${long});\n`,
      'migrations/002_tz.sql': `ALTER TABLE post_aggregates ALTER COLUMN ${long} TYPE timestamptz;\n`,
    });
    // this analysis used to loop forever (a hang, not a slow answer): returning at all is the check
    const f = [...p.analyze().values()].flat().find((x) => x.rule === 'alter-column-type');
    const fix = f?.fixes?.find((x) => /online/.test(x.title));
    assert.ok(fix, `an expand/contract fix: ${f?.fixes?.map((x) => x.title)}`);
    const sql = fix!.edits.map((e) => e.newText).join('\n');
    for (const name of sql.match(/\b(?:idx|post)_[a-z0-9_]+/g) ?? []) assert.ok(Buffer.byteLength(name) <= 63, `${name} fits PostgreSQL's limit`);
    assert.match(sql, /SET DEFAULT now\(\)/, 'the default is carried over, without the comment after it');
    assert.doesNotMatch(sql, /-- why/);
  });
});
