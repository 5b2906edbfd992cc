// The engine's foundations as a user meets them: statements found where they are, positions right
// with non-ASCII text, one syntax error never hiding the rest, templates masked, the schema replayed
// across files, suppressions and configuration honoured.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { splitStatements } from '../server/src/sql/split';
import { Project } from '../server/src/engine/project';
import { defaultConfig, mergeConfig, ConfigError, globToRegExp } from '../server/src/config';
import { isDownMigration } from '../server/src/engine/order';
import { pathKey } from '../server/src/engine/conventions';
import { LineIndex, ByteMap } from '../server/src/text';
import { Schema, type Index, type Table } from '../server/src/schema';
import { freshIndexName } from '../server/src/rules/schema/util';
import { KNOWN_RULE_IDS } from '../server/src/rules';
import { lintText, ready } from './helpers';

before(ready);

const texts = (sql: string) => splitStatements(sql).statements.map((s) => sql.slice(s.start, s.end));

test('splitter: semicolons inside strings, quoted identifiers, comments and dollar quotes do not split', () => {
  const sql = `SELECT 'a;b', "x;y" FROM t; -- c;d
/* e; /* nested; */ f; */ SELECT $$ g; $$, $tag$ h; $tag$;
SELECT E'it\\'s; here';`;
  assert.deepEqual(texts(sql), [
    `SELECT 'a;b', "x;y" FROM t;`,
    `SELECT $$ g; $$, $tag$ h; $tag$;`,
    `SELECT E'it\\'s; here';`,
  ]);
});

test('splitter: BEGIN ATOMIC bodies and CREATE RULE action lists stay whole', () => {
  const fn = `CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;`;
  const rule = `CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); INSERT INTO u VALUES (2));`;
  assert.deepEqual(texts(`${fn}\n${rule}\nSELECT 3;`), [fn, rule, 'SELECT 3;']);
});

test('splitter: COPY FROM stdin data and psql meta-commands are not SQL', () => {
  const sql = `COPY t (a, b) FROM stdin;\n1\tx;y\n2\tz\n\\.\nSELECT 1;\n\\set x 1\nSELECT :x, :'x', :"x", a::int FROM t;`;
  const found = texts(sql);
  assert.equal(found.length, 3);
  assert.equal(found[1], 'SELECT 1;');
  const r = lintText(sql);
  assert.deepEqual(r.findings.filter((f) => f.rule === 'syntax-error'), []);
});

test('templated SQL is never a syntax error, and its statements are still analysed', () => {
  const sql = `CREATE TABLE {{ index .Options "Namespace" }}.t (id bigint PRIMARY KEY);\n{% if x %}\nSELECT 1;\n{% endif %}\n{{ if .Flag }}SELECT 2;{{ end }}\nSELECT id FROM t WHERE id = NULL;\n`;
  const { findings } = lintText(sql);
  assert.deepEqual(findings.filter((f) => f.rule === 'syntax-error'), []);
  assert.equal(findings.filter((f) => f.rule === 'equals-null').length, 1);
});

test('goose ENVSUB: ${NAME} placeholders between ENVSUB ON and OFF are templates, not syntax errors; after OFF they are', () => {
  const sql = "-- +goose Up\n-- +goose ENVSUB ON\nCREATE TABLE ${TABLE_NAME} (id bigint PRIMARY KEY, note text DEFAULT '${NOTE}');\n"
    + 'GRANT SELECT ON ${TABLE_NAME} TO ${READER_ROLE:-reader};\nSELECT id FROM ${TABLE_NAME} WHERE id = NULL;\n-- +goose ENVSUB OFF\n'
    + 'SELECT ${NOT_SUBSTITUTED};\n';
  const { project, findings } = lintText(sql);
  const syntax = findings.filter((f) => f.rule === 'syntax-error');
  assert.deepEqual(syntax.map((f) => project.getFile('/virtual/test.sql')!.lines.position(f.start).line), [6]);
  assert.deepEqual(findings.filter((f) => f.rule === 'unknown-relation' || f.rule === 'unknown-column'), []);
  assert.equal(findings.filter((f) => f.rule === 'equals-null').length, 1, 'the templated statements are still analysed');
  // without the annotation goose substitutes nothing: the placeholder is a syntax error
  assert.equal(lintText('SELECT id FROM ${TABLE_NAME};\n').findings.filter((f) => f.rule === 'syntax-error').length, 1);
});

test('a syntax error is one finding with PostgreSQL\'s message at its position; the rest is analysed', () => {
  const sql = `SELECT 1;\nSELEC x FROM t;\nSELECT id FROM t WHERE a = NULL;\n`;
  const { project, findings } = lintText(sql);
  const syntax = findings.filter((f) => f.rule === 'syntax-error');
  assert.equal(syntax.length, 1);
  assert.equal(syntax[0].message, 'syntax error at or near "SELEC"');
  const f = project.getFile('/virtual/test.sql')!;
  assert.deepEqual(f.lines.range(syntax[0].start, syntax[0].end), { start: { line: 1, character: 0 }, end: { line: 1, character: 5 } });
  assert.equal(findings.filter((x) => x.rule === 'equals-null').length, 1);
});

test('positions are UTF-16 columns after non-ASCII identifiers, strings and comments (incl. astral characters)', () => {
  const sql = `-- ünïcödé 😀 comment\nSELECT 'café 😀' AS "naïve", x FROM "tâble" WHERE "colümn" = NULL;\n`;
  const { project, findings } = lintText(sql);
  const hit = findings.find((f) => f.rule === 'equals-null')!;
  const r = project.getFile('/virtual/test.sql')!.lines.range(hit.start, hit.end);
  const line = sql.split('\n')[1];
  assert.equal(r.start.line, 1);
  assert.equal(r.start.character, line.indexOf('= NULL'));
  assert.equal(line.slice(r.start.character, r.end.character), '= NULL');
});

test('syntax error position after multi-byte text', () => {
  const sql = `SELECT '😀é' AS a frm t;`;
  const { findings } = lintText(sql);
  const s = findings.find((f) => f.rule === 'syntax-error')!;
  assert.equal(s.message, 'syntax error at or near "frm"');
  assert.equal(sql.slice(s.start, s.end), 'frm');
});

test('ByteMap and LineIndex convert offsets', () => {
  const bm = new ByteMap('aé😀b');
  assert.deepEqual([0, 1, 3, 7].map((b) => bm.toUtf16(b)), [0, 1, 2, 4]);
  const li = new LineIndex('ab\r\ncd\ne');
  assert.deepEqual(li.position(5), { line: 1, character: 1 });
  assert.equal(li.offset({ line: 2, character: 0 }), 7);
});

test('schema is replayed across files in migration order, with renames and drops', () => {
  const p = new Project(defaultConfig(), (f) => f.replace('/p/', ''));
  p.setFile('/p/002_alter.sql', 'ALTER TABLE users RENAME COLUMN name TO full_name; ALTER TABLE users ALTER COLUMN id TYPE bigint; DROP TABLE old;');
  p.setFile('/p/001_create.sql', 'CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL); CREATE TABLE old (id int); CREATE INDEX users_name ON users (name);');
  p.setFile('/p/002_alter.down.sql', 'DROP TABLE users;');
  const s = p.schema();
  const users = s.table(undefined, 'users')!;
  assert.deepEqual([...users.columns.keys()], ['id', 'full_name']);
  assert.equal(users.columns.get('id')!.type, 'int8');
  assert.equal(s.table(undefined, 'old'), undefined);
  assert.deepEqual(s.indexes.get('public.users_name')!.columns, ['full_name']);
  assert.deepEqual(p.order().map((f) => f.path), ['/p/001_create.sql', '/p/002_alter.sql', '/p/002_alter.down.sql']);
});

test('down migrations are recognised and sorted after their up migration', () => {
  assert.ok(isDownMigration('migrations/2020-01-01_x/down.sql'));
  assert.ok(isDownMigration('0001_init.down.sql'));
  assert.ok(isDownMigration('db/U2__undo.sql'));
  assert.ok(!isDownMigration('migrations/2020-01-01_x/up.sql'));
  assert.ok(!isDownMigration('lockdown.sql'));
  const keys = ['m/1/down.sql', 'm/1/up.sql', 'm/2/up.sql'].sort((a, b) => (pathKey(a) < pathKey(b) ? -1 : 1));
  assert.deepEqual(keys, ['m/1/up.sql', 'm/1/down.sql', 'm/2/up.sql']);
});

test('suppressions: dbe-ignore above a statement and dbe-ignore-file', () => {
  const base = 'SELECT a FROM t WHERE a = NULL;\n';
  assert.equal(lintText(base).findings.length, 1);
  assert.equal(lintText(`-- dbe-ignore equals-null\n${base}`).findings.length, 0);
  assert.equal(lintText(`-- dbe-ignore select-star, equals-null\n-- why: legacy\n${base}`).findings.length, 0);
  assert.equal(lintText(`-- dbe-ignore select-star\n${base}`).findings.length, 1);
  assert.equal(lintText(`${base}SELECT 1;\n-- dbe-ignore-file equals-null\n`).findings.length, 0);
  // the ignore comment covers only the statement right below it
  assert.equal(lintText(`-- dbe-ignore equals-null\n${base}${base}`).findings.length, 1);
});

test('configuration: severities, off, clear errors for bad values', () => {
  const cfg = mergeConfig(defaultConfig(), { rules: { 'equals-null': 'warning' } }, '.dbe.json', KNOWN_RULE_IDS);
  assert.equal(lintText('SELECT a FROM t WHERE a = NULL;', cfg).findings[0].severity, 'warning');
  const off = mergeConfig(defaultConfig(), { rules: { 'equals-null': 'off' } }, '.dbe.json', KNOWN_RULE_IDS);
  assert.equal(lintText('SELECT a FROM t WHERE a = NULL;', off).findings.length, 0);
  assert.throws(() => mergeConfig(defaultConfig(), { rules: { 'equals-null': 'loud' } }, '.dbe.json'), (e: Error) => e instanceof ConfigError && /equals-null.*loud/.test(e.message));
  assert.throws(() => mergeConfig(defaultConfig(), { rules: { 'no-such-rule': 'off' } }, '.dbe.json', KNOWN_RULE_IDS), /unknown rule "no-such-rule"/);
  assert.throws(() => mergeConfig(defaultConfig(), { colour: true }, '.dbe.json'), /unknown setting "colour"/);
  assert.throws(() => mergeConfig(defaultConfig(), [], '.dbe.json'), /JSON object/);
});

test('configuration: migrations.lockTimeout is a duration, never arbitrary SQL (a fix writes it into a migration)', () => {
  assert.equal(mergeConfig(defaultConfig(), { migrations: { lockTimeout: '750ms' } }, '.dbe.json').migrations.lockTimeout, '750ms');
  assert.equal(defaultConfig().migrations.lockTimeout, '5s');
  for (const bad of ["5s'; DROP TABLE users; --", '0s', 5, '', '5 hours']) {
    assert.throws(() => mergeConfig(defaultConfig(), { migrations: { lockTimeout: bad } }, '.dbe.json'), (e: Error) => e instanceof ConfigError && /migrations.lockTimeout/.test(e.message));
  }
});

test('globs', () => {
  assert.ok(globToRegExp('db/**/*.sql').test('db/a/b/c.sql'));
  assert.ok(globToRegExp('db/**/*.sql').test('db/c.sql'));
  assert.ok(!globToRegExp('db/*.sql').test('db/a/c.sql'));
  assert.ok(globToRegExp('*.{sql,psql}').test('x.psql'));
});

test('files over the size limit or with NUL bytes get one clear finding instead of analysis', () => {
  const cfg = { ...defaultConfig(), maxFileBytes: 10 };
  const big = lintText('SELECT a FROM t WHERE a = NULL;', cfg).findings;
  assert.equal(big.length, 1);
  assert.equal(big[0].rule, 'file-too-large');
  assert.match(big[0].message, /over the 10-byte limit/);
  const bin = lintText('SELECT 1;\0\0garbage').findings;
  assert.equal(bin.length, 1);
  assert.match(bin[0].message, /NUL bytes/);
});

test('editing a file re-parses only changed statements (cache by statement text)', () => {
  const p = new Project();
  const a = p.setFile('/x.sql', 'SELECT 1;\nSELECT 2;');
  const b = p.setFile('/x.sql', 'SELECT 1;\nSELECT 3;');
  assert.equal(a.statements[0].parsed, b.statements[0].parsed);
  assert.notEqual(a.statements[1].parsed, b.statements[1].parsed);
});

test('migrations.include: only matching files are replayed; others are linted against that schema', () => {
  const cfg = mergeConfig(defaultConfig(), { migrations: { include: ['db/migrations/*.sql'] } }, '.dbe.json');
  const p = new Project(cfg, (f) => f.replace('/p/', ''));
  p.setFile('/p/db/migrations/001.sql', 'CREATE TABLE users (id bigint PRIMARY KEY);');
  p.setFile('/p/scratch/tmp.sql', 'CREATE TABLE scratch (id int);');
  assert.ok(p.schema().table(undefined, 'users'));
  assert.equal(p.schema().table(undefined, 'scratch'), undefined);
  p.setConfig(defaultConfig());
  assert.ok(p.schema().table(undefined, 'scratch'), 'without include every file is replayed');
});

test('fixes in templated SQL write the template placeholder back, not its masked stand-in', () => {
  const text = 'CREATE TABLE {{ index .Options "Namespace" }}.users (id uuid PRIMARY KEY);\n'
    + 'CREATE TABLE {{ index .Options "Namespace" }}.sessions (id uuid PRIMARY KEY, user_id uuid REFERENCES {{ index .Options "Namespace" }}.users (id));\n';
  const { findings } = lintText(text);
  const fk = findings.find((f) => f.rule === 'fk-without-index');
  assert.ok(fk?.fixes?.length, 'fk-without-index has its fix');
  assert.match(fk!.fixes![0].edits[0].newText, /ON \{\{ index \.Options "Namespace" \}\}\.sessions \(user_id\);/);
  // two different placeholders of the same length cannot be told apart: no fix rather than a wrong one
  const amb = 'CREATE TABLE {{ .SchemaA }}.users (id uuid PRIMARY KEY);\nCREATE TABLE {{ .SchemaB }}.sessions (id uuid PRIMARY KEY, user_id uuid REFERENCES {{ .SchemaA }}.users (id));\n';
  const f2 = lintText(amb).findings.find((f) => f.rule === 'fk-without-index');
  assert.ok(f2, 'still reported');
  assert.equal(f2!.fixes, undefined);
});

test("a table's indexes are listed in creation order through any sequence of creates, replacements, drops and renames", () => {
  // the schema files indexes by table (server/src/schema.ts); the lists must stay exactly what a scan of every index gives
  const schema = new Schema();
  let seed = 7;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const tables = ['public.a', 'public.b', 'public.c', 's.d'];
  // names from a pool that includes the ones freshIndexName tries for t (x)
  const nameOf = (n: number) => (n < 4 ? ['idx_t_x', 'idx_t_x_1', 'idx_t_x_2', 'idx_t_x_3'][n] : `ix${n}`);
  const index = (name: string, table: string): Index => ({
    name, table, columns: ['x'], exprs: [''], opclasses: [''], method: 'btree', unique: false, predicate: '', predicateText: '', include: [], loc: { path: '/m.sql', start: 0, end: 0 },
  });
  for (let step = 0; step < 3000; step++) {
    const keys = [...schema.indexes.keys()];
    const op = rand(6);
    if (op <= 1 || keys.length === 0) {
      const name = nameOf(rand(60)); // sometimes an existing key: replaced in place (same or another table)
      schema.indexes.set(`public.${name}`, index(name, tables[rand(tables.length)]));
    } else if (op === 2) {
      schema.indexes.delete(keys[rand(keys.length)]);
    } else if (op === 3) {
      // ALTER INDEX ... RENAME: the key changes, the index moves to the end
      const k = keys[rand(keys.length)];
      const ix = schema.indexes.get(k)!;
      schema.indexes.delete(k);
      ix.name = rand(3) ? `${nameOf(rand(60))}r` : nameOf(rand(4));
      schema.indexes.set(`public.${ix.name}`, ix);
    } else if (op === 4) {
      // ALTER TABLE ... RENAME: its indexes move to the new table key
      const from = tables[rand(tables.length)], to = tables[rand(tables.length)];
      for (const ix of schema.indexesOf({ key: from } as Table)) ix.table = to;
      schema.indexes.refile();
    } else {
      const k = keys[rand(keys.length)];
      const old = schema.indexes.get(k)!;
      schema.indexes.set(k, index(old.name, rand(2) ? old.table : tables[rand(tables.length)]));
    }
    for (const t of tables) {
      const expected = [...schema.indexes.values()].filter((ix) => ix.table === t);
      const got = schema.indexesOf({ key: t } as Table);
      assert.equal(got.length, expected.length, `step ${step}, ${t}`);
      got.forEach((ix, i) => assert.equal(ix, expected[i], `step ${step}, ${t}, #${i}`));
    }
    const names = new Set([...schema.indexes.values()].map((ix) => ix.name));
    const fresh = freshIndexName(schema, { name: 't', key: 'public.t', schema: 'public' } as Table, ['x']);
    assert.ok(!names.has(fresh), `step ${step}: ${fresh} is taken`);
  }
});
