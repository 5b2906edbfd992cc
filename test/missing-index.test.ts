// The index advisor (server/src/advisor/indexes.ts) and its rule, missing-index: what a user sees
// in findings and fixes, beyond the fixture snapshots.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { recommendIndexes } from '../server/src/advisor/indexes';
import { Project } from '../server/src/engine/project';
import type { Finding } from '../server/src/model';
import { parseStatement } from '../server/src/sql/parse';
import { applyFix, lintText, projectFor, ready, ROOT } from './helpers';

const FIX = path.join(ROOT, 'test', 'fixtures', 'rules', 'missing-index');
const only = (list: Finding[]) => list.filter((f) => f.rule === 'missing-index');

function multiFile(files: Record<string, string>): Project {
  const p = new Project(undefined, (f) => f.replace(/^\/p\//, ''));
  for (const [name, text] of Object.entries(files)) p.setFile(`/p/${name}`, text);
  return p;
}

function parses(sql: string): void {
  for (const s of sql.split(/;\s*\n|;\s*$/).map((x) => x.replace(/--[^\n]*/g, '').trim()).filter(Boolean)) {
    assert.equal(parseStatement(s).error, undefined, `does not parse: ${s}`);
  }
}

before(ready);

describe('missing-index', () => {
  test('applying a fix breaks nothing else: no new finding of any rule', () => {
    for (const name of fs.readdirSync(FIX).filter((n) => n.startsWith('invalid_') && !n.endsWith('.snap'))) {
      const p = projectFor(path.join(FIX, name));
      const before = [...p.analyze().values()].flat();
      const key = (f: Finding) => `${f.rule}: ${f.message}`;
      for (const f of only(before)) {
        const fixed = projectFor(path.join(FIX, name));
        for (const [file, text] of applyFix(p, f)) fixed.setFile(file, text);
        const after = [...fixed.analyze().values()].flat();
        const known = new Set(before.map(key));
        // the only newcomer allowed: redundant-index on an index the message said the new one supersedes
        const superseded = /then drop (.*), which it makes redundant/.exec(f.message)?.[1].split(', ') ?? [];
        const fresh = after.filter((a) => !known.has(key(a)) && !(a.rule === 'redundant-index' && superseded.some((n) => a.message.startsWith(`Index ${n} `))));
        assert.deepEqual(fresh.map(key), [], `${name}: fix "${f.fixes![0].title}" introduced findings`);
        assert.ok(only(after).length < only(before).length, `${name}: fix did not resolve`);
      }
    }
  });

  test('one consolidated fix resolves every query it serves', () => {
    const p = projectFor(path.join(FIX, 'invalid_consolidated.sql'));
    const found = only([...p.analyze().values()].flat());
    assert.equal(found.length, 3);
    assert.equal(new Set(found.map((f) => JSON.stringify(f.fixes))).size, 1, 'all three carry the same fix');
    const fixed = projectFor(path.join(FIX, 'invalid_consolidated.sql'));
    for (const [file, text] of applyFix(p, found[0])) fixed.setFile(file, text);
    assert.deepEqual(only([...fixed.analyze().values()].flat()), []);
  });

  test('recommendations: name, keys, include, predicate, SQL that parses, queries served', () => {
    const p = projectFor(path.join(FIX, 'invalid_golang_migrate'));
    p.analyze();
    const recs = recommendIndexes(p.order(), p.schema());
    assert.deepEqual(recs.map((r) => [r.table.name, r.name, r.keys, r.predicate, r.queries.length]), [
      ['posts', 'idx_posts_author_id_published_at', [{ column: 'author_id', desc: false }, { column: 'published_at', desc: true }], 'deleted_at IS NULL', 2],
      ['posts', 'idx_posts_slug', [{ column: 'slug', desc: false }], 'deleted_at IS NULL', 1],
    ]);
    for (const r of recs) {
      assert.match(r.create, /^CREATE INDEX CONCURRENTLY IF NOT EXISTS /);
      assert.match(r.drop, /^DROP INDEX CONCURRENTLY IF EXISTS /);
      parses(r.create); parses(r.createInline); parses(r.drop);
      for (const q of r.queries) assert.equal(p.getFile(q.loc.path)!.text.slice(q.loc.start, q.loc.end), 'posts');
    }
    assert.match(recs[0].queries[0].text, /^SELECT \* FROM posts WHERE author_id = p_author/);
  });

  test('long names are cut to 63 bytes and stay unique; other schemas are qualified', () => {
    const cols = ['a_really_long_column_name_one', 'a_really_long_column_name_two'];
    const sql = `CREATE SCHEMA app;\nCREATE TABLE app.an_extremely_long_table_name_for_testing (id int PRIMARY KEY, ${cols.map((c) => `${c} int`).join(', ')}, other int);\n` +
      `CREATE INDEX idx_an_extremely_long_table_name_for_testing_a_really_long_col ON app.an_extremely_long_table_name_for_testing (other);\n` +
      `SELECT id FROM app.an_extremely_long_table_name_for_testing WHERE ${cols[0]} = 1 AND ${cols[1]} = 2;\n`;
    const { project } = lintText(sql);
    const [r] = recommendIndexes(project.order(), project.schema());
    assert.ok(Buffer.byteLength(r.name) <= 63, r.name);
    assert.notEqual(r.name, 'idx_an_extremely_long_table_name_for_testing_a_really_long_col');
    assert.match(r.create, / ON app\.an_extremely_long_table_name_for_testing \(/);
    assert.match(r.drop, new RegExp(`IF EXISTS app\\.${r.name};$`));
    parses(r.create); parses(r.drop);
  });

  test('a table created as public.x is named public.x (dumps that empty the search_path)', () => {
    const { project } = lintText("SELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE public.x (id int PRIMARY KEY, k int);\nSELECT id FROM public.x WHERE k = 1;\n");
    const [r] = recommendIndexes(project.order(), project.schema());
    assert.equal(r.createInline, 'CREATE INDEX idx_x_k ON public.x (k);');
    assert.equal(r.drop, 'DROP INDEX CONCURRENTLY IF EXISTS public.idx_x_k;');
  });

  test('a partitioned table gets no CONCURRENTLY (PostgreSQL refuses it) and its partitions\' indexes count', () => {
    const base = 'CREATE TABLE events (id bigint, account_id bigint, at timestamptz NOT NULL, kind text) PARTITION BY RANGE (at);\nCREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM (\'2024-01-01\') TO (\'2025-01-01\');\n';
    const p = multiFile({ '001_events.sql': base, '002_more.sql': 'ALTER TABLE events ADD COLUMN note text;', 'queries/q.sql': 'SELECT id FROM events WHERE kind = $1;' });
    const found = only([...p.analyze().values()].flat());
    assert.equal(found.length, 1);
    const created = found[0].fixes![0].edits.find((e) => e.create && e.path.endsWith('.sql'))!;
    assert.match(created.newText, /CREATE INDEX IF NOT EXISTS idx_events_kind ON events \(kind\);/);
    const served = multiFile({ '001_events.sql': base + 'CREATE INDEX ON events_2024 (kind);', 'queries/q.sql': 'SELECT id FROM events WHERE kind = $1;' });
    assert.deepEqual(only([...served.analyze().values()].flat()), []);
  });

  test('Diesel projects get run_in_transaction = false beside the new migration', () => {
    const p = multiFile({
      'migrations/2024-01-01-000000_create/up.sql': 'CREATE TABLE notes (id int PRIMARY KEY, owner text NOT NULL);',
      'migrations/2024-01-01-000000_create/down.sql': 'DROP TABLE notes;',
      'migrations/2024-02-01-000000_fn/up.sql': 'CREATE FUNCTION notes_of(o text) RETURNS SETOF notes LANGUAGE sql AS $$ SELECT * FROM notes WHERE owner = o $$;',
      'migrations/2024-02-01-000000_fn/down.sql': 'DROP FUNCTION notes_of(text);',
    });
    const [f] = only([...p.analyze().values()].flat());
    const paths = f.fixes![0].edits.map((e) => e.path.replace('/p/migrations/', ''));
    assert.deepEqual(paths, ['2024-02-01-000001_add_idx_notes_owner/up.sql', '2024-02-01-000001_add_idx_notes_owner/down.sql', '2024-02-01-000001_add_idx_notes_owner/metadata.toml']);
  });

  test('a single file: the index goes after the statement that added its column, concurrently when the table was older', () => {
    const { project, findings } = lintText('CREATE TABLE t (id int PRIMARY KEY);\nALTER TABLE t ADD COLUMN code text;\nSELECT id FROM t WHERE code = $1;\n');
    const [f] = only(findings);
    const fixed = applyFix(project, f).get('/virtual/test.sql')!;
    assert.equal(fixed, 'CREATE TABLE t (id int PRIMARY KEY);\nALTER TABLE t ADD COLUMN code text;\nCREATE INDEX idx_t_code ON t (code);\nSELECT id FROM t WHERE code = $1;\n');
  });

  test('join side, soft-delete partial index and lookup tables', () => {
    const sql = [
      'CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);',
      'CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL, total int, deleted_at timestamptz);',
      'CREATE TABLE kinds (id int PRIMARY KEY, label text NOT NULL);',
      "INSERT INTO kinds VALUES (1, 'a'), (2, 'b');",
      // users filtered by email: the lookup per user row is on orders.user_id
      'SELECT o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.email = $1 AND o.deleted_at IS NULL;',
      'SELECT id FROM kinds WHERE label = $1;',
    ].join('\n');
    const { project } = lintText(sql);
    const recs = recommendIndexes(project.order(), project.schema());
    assert.deepEqual(recs.map((r) => `${r.table.name} (${r.keys.map((k) => k.column).join(', ')})${r.predicate ? ' WHERE ' + r.predicate : ''}`),
      ['users (email)', 'orders (user_id) WHERE deleted_at IS NULL']);
  });

  test('PL/pgSQL: every kind of embedded query is read, located where it is written', () => {
    const sql = [
      'CREATE TABLE t (id int PRIMARY KEY, a int, b int, c int, d int, e int);',
      'CREATE FUNCTION f(p int) RETURNS SETOF t LANGUAGE plpgsql AS $$',
      'DECLARE v int; r record;',
      'BEGIN',
      '  PERFORM 1 FROM t WHERE a = p;',
      '  v := (SELECT count(*) FROM t WHERE b = p);',
      '  FOR r IN SELECT * FROM t WHERE c = p LOOP END LOOP;',
      '  RETURN QUERY SELECT * FROM t WHERE d = p;',
      "  EXECUTE 'SELECT 1 FROM t WHERE e = ' || p;",
      'END $$;',
    ].join('\n');
    const { project, findings } = lintText(sql);
    const got = only(findings).map((f) => [f.message.match(/create (\S+)/)![1], project.getFile('/virtual/test.sql')!.lines.position(f.start).line + 1]);
    assert.deepEqual(got, [['idx_t_a', 5], ['idx_t_b', 6], ['idx_t_c', 7], ['idx_t_d', 8]]);
    for (const f of only(findings)) assert.equal(sql.slice(f.start, f.end), 't');
  });

  test('a query that reads the table twice is one query served, reported once', () => {
    const { project, findings } = lintText('CREATE TABLE t (id int PRIMARY KEY, k int, v int);\nSELECT a.v, b.v FROM t a, t b WHERE a.k = $1 AND b.k = $2;\nSELECT v FROM t WHERE k = $1;\n');
    const [r] = recommendIndexes(project.order(), project.schema());
    assert.equal(r.queries.length, 2);
    assert.deepEqual(only(findings).map((f) => f.message.replace(/.*(it also serves .*)\.$/, '$1')), ['it also serves 1 other query (test.sql:3)', 'it also serves 1 other query (test.sql:2)']);
  });

  test('re-analysis after an edit follows the text (per-statement memo keyed by the parse)', () => {
    const p = new Project();
    p.setFile('/a.sql', 'CREATE TABLE t (id int PRIMARY KEY, a int, b int);\nSELECT id FROM t WHERE a = 1;\n');
    assert.match(only(p.analyze().get('/a.sql')!)[0].message, /idx_t_a on t \(a\)/);
    p.setFile('/a.sql', 'CREATE TABLE t (id int PRIMARY KEY, a int, b int);\n\n\nSELECT id FROM t WHERE b = 1;\n');
    const [f] = only(p.analyze().get('/a.sql')!);
    assert.match(f.message, /idx_t_b on t \(b\)/);
    assert.equal(p.getFile('/a.sql')!.text.slice(f.start, f.end), 't');
    p.setFile('/a.sql', 'CREATE TABLE t (id int PRIMARY KEY, a int, b int);\nSELECT id FROM t WHERE id = 1;\n');
    assert.deepEqual(only(p.analyze().get('/a.sql')!), []);
  });

  test('odd input never throws: unparsable bodies, unknown columns, set operations, CTEs', () => {
    const sql = [
      'CREATE TABLE t (id int PRIMARY KEY, a int, b int);',
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN SELECT 1 FROM nowhere WHERE x = ; END $$;',
      'WITH c AS (SELECT a FROM t WHERE b = 2) SELECT * FROM c WHERE a = 1;',
      'SELECT id FROM t WHERE a = 1 UNION SELECT id FROM t WHERE nosuch = 2;',
      'SELECT id FROM t, LATERAL (SELECT 1) s WHERE t.a = s.x;',
    ].join('\n');
    const { project, findings } = lintText(sql);
    assert.deepEqual(project.internalErrors, []);
    assert.deepEqual(only(findings).map((f) => f.message.match(/create (\S+)/)![1]).sort(), ['idx_t_a', 'idx_t_b']);
  });
});
