// Issue #12: a file clearly written in another SQL dialect (SQL Server, Oracle) gets one notice
// naming the dialect (rule other-dialect) instead of a syntax error per statement; nothing of it is
// judged or replayed as PostgreSQL. A PostgreSQL file never gets it (corpus check below).
// Issue #13: a MySQL file is read by the MySQL front end instead (its signs choose the dialect); it
// gets the notice only where the project says PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../server/src/config';
import { Project } from '../server/src/engine/project';
import { parseStatement } from '../server/src/sql/parse';
import { splitStatements } from '../server/src/sql/split';
import { detectDialect } from '../server/src/sql/dialect';
import { fileUri, LspClient, ROOT } from './lspClient';
import { ready } from './helpers';

const FIX = path.join(ROOT, 'test', 'fixtures', 'dialect');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');

before(ready);

function lintFile(name: string): { rule: string; message: string; line: number }[] {
  const file = path.join(FIX, name);
  const p = new Project(defaultConfig(), (x) => path.basename(x));
  p.setFile(file, fs.readFileSync(file, 'utf8'));
  const f = p.getFile(file)!;
  return (p.analyze().get(file) ?? []).map((x) => ({ rule: x.rule, message: x.message, line: f.lines.position(x.start).line + 1 }));
}

describe('other-dialect: one notice instead of a syntax error per statement', () => {
  const cases: [string, string, number, string[]][] = [
    ['sqlserver.sql', 'SQL Server', 1, ['GO batch separators', '[bracketed] identifiers', 'IDENTITY(1,1)']],
    // VARCHAR2 and NUMBER(10) sit in a CREATE TABLE that PostgreSQL parses (a type of that name could
    // exist, orafce has one): only the signs in the refused statements are named
    ['oracle.sql', 'Oracle', 10, ['/ after a PL/SQL block']],
  ];
  for (const [name, dialect, line, signs] of cases) {
    test(`${name}: one notice naming ${dialect} and its signs, at the first sign; no syntax error`, () => {
      const got = lintFile(name);
      assert.equal(got.length, 1, JSON.stringify(got));
      assert.equal(got[0].rule, 'other-dialect');
      assert.equal(got[0].line, line);
      assert.match(got[0].message, new RegExp(`^This file looks like ${dialect} \\(.+\\): DB Engineer reads PostgreSQL and MySQL/MariaDB; its statements are not checked\\.$`));
      for (const s of signs) assert.ok(got[0].message.includes(s), `${s} in ${got[0].message}`);
    });
  }

  const mysql: [string, string[]][] = [
    ['mysql-schema.sql', ['backtick identifiers', 'UNSIGNED', 'AUTO_INCREMENT']],
    ['mysql-procedure.sql', ['# comments', 'DELIMITER lines']],
    ['mysql-backticks-only.sql', ['backtick identifiers']],
  ];
  for (const [name, signs] of mysql) {
    test(`${name}: read as MySQL by its signs (no notice, no PostgreSQL syntax error)`, () => {
      const file = path.join(FIX, name);
      // (a neutral name: the fixture's own name says "mysql", which alone would choose MySQL)
      const p = new Project(defaultConfig(), () => 'db/001_init.sql');
      p.setFile(file, fs.readFileSync(file, 'utf8'));
      const f = p.getFile(file)!;
      assert.equal(f.dialect.id, 'mysql');
      assert.equal(f.dialect.by, 'signs');
      for (const s of signs.slice(0, 3)) assert.ok(f.dialect.why.includes(s), `${s} in ${f.dialect.why}`);
      const got = p.analyze().get(file) ?? [];
      assert.ok(!got.some((x) => x.rule === 'other-dialect' || x.rule === 'syntax-error'), JSON.stringify(got));
    });
    test(`${name}: where .dbe.json says "postgres", the one notice says so and how to change it`, () => {
      const cfg = defaultConfig();
      cfg.dialect = 'postgres';
      cfg.dialectSource = '"dialect" in .dbe.json';
      const file = path.join(FIX, name);
      const p = new Project(cfg, () => 'db/001_init.sql');
      p.setFile(file, fs.readFileSync(file, 'utf8'));
      const got = p.analyze().get(file) ?? [];
      assert.deepEqual(got.map((x) => x.rule), ['other-dialect']);
      assert.match(got[0].message, /^This file looks like MySQL \(.+\), but it is read as PostgreSQL \("dialect" in \.dbe\.json\); its statements are not checked\. Set "dialect": "mysql"/);
    });
  }

  test('a PostgreSQL file with one statement pasted from MySQL keeps that syntax error and its other findings (signs in strings, comments and dollar quotes do not count)', () => {
    const got = lintFile('postgres-with-one-pasted-statement.sql');
    assert.ok(!got.some((f) => f.rule === 'other-dialect'), JSON.stringify(got));
    assert.deepEqual(got.filter((f) => f.rule === 'syntax-error').map((f) => f.line), [5]);
    assert.ok(got.some((f) => f.rule === 'select-star'), 'the other statements are still checked');
  });

  // Red-team review of issue #12: each of these valid PostgreSQL files got the notice, which silenced
  // every other finding in it and dropped its tables from the schema.
  const valid: [string, string, string][] = [
    ['postgres-go-column-array-space.sql', 'SQL Server', 'public.moves'],
    ['postgres-psql-backquote-xor.sql', 'MySQL', 'public.flags'],
    ['postgres-engine-alias-charset-column.sql', 'MySQL', 'public.cars'],
    ['postgres-prepared-sp-subscript.sql', 'SQL Server', 'public.t'],
  ];
  for (const [name, looked, table] of valid) {
    test(`${name}: valid PostgreSQL that looked like ${looked} gets no notice, is checked and feeds the schema`, () => {
      const got = lintFile(name);
      assert.ok(!got.some((f) => f.rule === 'other-dialect'), JSON.stringify(got));
      assert.ok(!got.some((f) => f.rule === 'syntax-error'), JSON.stringify(got));
      assert.ok(got.some((f) => f.rule === 'missing-primary-key'), 'its statements are still checked');
      const p = new Project(defaultConfig(), (x) => path.basename(x));
      const file = path.join(FIX, name);
      p.setFile(file, fs.readFileSync(file, 'utf8'));
      assert.ok(p.schema().tables.has(table));
    });
  }

  test('a file PostgreSQL parses never gets the notice, whatever signs it holds; one that fails mostly where the signs are does', async () => {
    const spans = (text: string) => splitStatements(text).statements.map((s) => ({ start: s.start, end: s.end, error: !!parseStatement(s.text).error }));
    for (const pg of [
      'CREATE TABLE t (id int, go int);\nSELECT\n  id,\n  go\nFROM t;\nSELECT ARRAY [id] FROM t;\n',
      '\\set x `date +%s`\nSELECT 1\n  # 3 AS x;\n',
      'SELECT max(id) engine FROM t;\nUPDATE t SET charset = default_charset;\n',
    ]) assert.equal(detectDialect(pg, spans(pg)), undefined, pg);
    const tsql = 'CREATE TABLE [dbo].[t] ([id] int)\nGO\nSELECT [id] FROM [dbo].[t]\nGO\n';
    assert.equal(detectDialect(tsql, spans(tsql))?.name, 'SQL Server');
  });

  test('a MySQL dump of 30,000 statements is named too (every statement is weighed, not the first 10,000 signs)', () => {
    const text = Array.from({ length: 30_000 }, (_, i) => `INSERT INTO \`t\` (\`a\`) VALUES (${i});\n`).join('');
    const spans = splitStatements(text).statements.map((s) => ({ start: s.start, end: s.end, error: !!parseStatement(s.text).error }));
    assert.equal(detectDialect(text, spans)?.name, 'MySQL');
  });

  test("a file in another dialect does not feed the PostgreSQL schema (even its statements PostgreSQL would parse)", () => {
    const p = new Project(defaultConfig(), (x) => path.basename(x));
    const tsql = path.join(FIX, 'sqlserver.sql');
    p.setFile(tsql, fs.readFileSync(tsql, 'utf8'));
    const mysql = path.join(FIX, 'mysql-schema.sql');
    p.setFile(mysql, fs.readFileSync(mysql, 'utf8'));
    p.setFile('/x/pg.sql', 'CREATE TABLE pg_audit (id int, at timestamp);');
    // the CREATE TABLE in the PostgreSQL file does; the MySQL file feeds the MySQL schema only
    assert.deepEqual([...p.schemaFor('/x/pg.sql').tables.keys()], ['public.pg_audit']);
    assert.ok(!p.schemaFor(mysql).tables.has('public.pg_audit'));
    assert.deepEqual([...p.schemaFor(mysql).tables.keys()].sort(), ['public.audit', 'public.orders', 'public.users']);
  });

  test('the severity is configurable and "off" silences it (the file is still not checked)', () => {
    const cfg = defaultConfig();
    cfg.rules['other-dialect'] = 'off';
    const p = new Project(cfg, (x) => path.basename(x));
    const file = path.join(FIX, 'sqlserver.sql');
    p.setFile(file, fs.readFileSync(file, 'utf8'));
    assert.deepEqual(p.analyze().get(file), []);
  });

  test('dbe lint: one notice per file in another dialect, MySQL files are read as MySQL, the PostgreSQL file keeps its syntax error', () => {
    const r = spawnSync(process.execPath, [CLI, 'lint', '--format', 'json', '--no-cache', FIX], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { files: { path: string; diagnostics: { rule: string; severity: string }[] }[] };
    const by = new Map(report.files.map((f) => [path.basename(f.path), f.diagnostics.map((d) => `${d.severity} ${d.rule}`)]));
    for (const name of ['sqlserver.sql', 'oracle.sql']) assert.deepEqual(by.get(name), ['info other-dialect'], name);
    for (const name of ['mysql-schema.sql', 'mysql-procedure.sql', 'mysql-backticks-only.sql']) assert.ok(!by.get(name)!.some((d) => /other-dialect|syntax-error/.test(d)), name);
    assert.ok(by.get('postgres-with-one-pasted-statement.sql')!.includes('error syntax-error'));
  });
});

describe('other-dialect in the editor (stdio server)', () => {
  const clients: LspClient[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const c of clients) await c.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('an open Oracle file shows the one notice; a closed SQL Server file of the workspace too; a MySQL file none', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-dialect-'));
    dirs.push(dir);
    for (const n of ['oracle.sql', 'sqlserver.sql', 'mysql-schema.sql']) fs.copyFileSync(path.join(FIX, n), path.join(dir, n));
    const c = await LspClient.start({ folder: dir, settings: { debounceMs: 5 } });
    clients.push(c);
    const closed = await c.waitFor(fileUri(path.join(dir, 'sqlserver.sql')), (p) => p.diagnostics.length > 0);
    assert.deepEqual(closed.diagnostics.map((d) => [d.code, d.severity, d.range.start.line]), [['other-dialect', 3, 0]]);
    const my = await c.open(fileUri(path.join(dir, 'mysql-schema.sql')), fs.readFileSync(path.join(dir, 'mysql-schema.sql'), 'utf8'));
    assert.ok(!my.diagnostics.some((d) => d.code === 'other-dialect' || d.code === 'syntax-error'), JSON.stringify(my.diagnostics));
    const uri = fileUri(path.join(dir, 'oracle.sql'));
    const opened = await c.open(uri, fs.readFileSync(path.join(dir, 'oracle.sql'), 'utf8'));
    assert.deepEqual(opened.diagnostics.map((d) => [d.code, d.range.start.line]), [['other-dialect', 9]]);
    assert.match(opened.diagnostics[0].message, /looks like Oracle \(/);
    // edited into PostgreSQL: the notice goes, the file is checked
    const pg = await c.change(uri, 'CREATE TABLE users (id int PRIMARY KEY);\nSELECT * FROM users;\n');
    assert.ok(!pg.diagnostics.some((d) => d.code === 'other-dialect'));
    assert.ok(pg.diagnostics.some((d) => d.code === 'select-star'));
  });
});
