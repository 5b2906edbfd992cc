// Issue #13: which dialect a file is read as, and why; one schema per dialect; rules only where they hold.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, defaultConfig, mergeConfig } from '../server/src/config';
import { Project, ruleHolds } from '../server/src/engine/project';
import { ALL_RULES } from '../server/src/rules';
import { ready } from './helpers';

before(ready);

function project(files: Record<string, string>, cfg = defaultConfig()): Project {
  const p = new Project(cfg, (x) => x.replace(/^\/p\//, ''));
  for (const [rel, text] of Object.entries(files)) p.setFile(`/p/${rel}`, text);
  return p;
}

test('.dbe.json "dialect": accepted values, a clear message for others', () => {
  const c = mergeConfig(defaultConfig(), { dialect: 'mariadb' }, '/w/.dbe.json');
  assert.equal(c.dialect, 'mariadb');
  assert.equal(c.dialectSource, '"dialect" in .dbe.json');
  assert.throws(() => mergeConfig(defaultConfig(), { dialect: 'oracle' }, '.dbe.json'), (e: unknown) => e instanceof ConfigError && /"dialect" must be one of "postgres", "mysql", "mariadb"/.test(e.message));
});

test('a file is read as the dialect its name, the configuration, its folder, its signs or the project say, in that order', () => {
  const cfg = mergeConfig(defaultConfig(), { dialect: 'mariadb' }, '.dbe.json');
  const p = project({
    'm/20200101_users.mysql.up.sql': 'CREATE TABLE users (id int);',
    'm/20200101_users.postgres.up.sql': 'CREATE TABLE users (id int);',
    'plain.sql': 'SELECT 1;',
  }, cfg);
  const why = (rel: string) => { const f = p.getFile(`/p/${rel}`)!.dialect; return `${f.id} by ${f.by}: ${f.why}`; };
  assert.equal(why('m/20200101_users.mysql.up.sql'), 'mysql by name: file name (mysql)');
  assert.equal(why('m/20200101_users.postgres.up.sql'), 'postgres by name: file name (postgres)');
  assert.equal(why('plain.sql'), 'mariadb by config: "dialect" in .dbe.json');

  const q = project({
    'db/mysql/001.sql': 'SELECT 1;',
    'a.sql': 'CREATE TABLE `t` (`id` int unsigned NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`)) ENGINE=InnoDB;',
    'b.sql': 'SELECT 1;',
  });
  const why2 = (rel: string) => { const f = q.getFile(`/p/${rel}`)!.dialect; return `${f.id} by ${f.by}`; };
  assert.equal(why2('db/mysql/001.sql'), 'mysql by folder');
  assert.equal(why2('a.sql'), 'mysql by signs');
  // two MySQL files by their own signs or folder against one plain file: the plain one is MySQL too
  assert.equal(why2('b.sql'), 'mysql by project');
  // a plain file in a PostgreSQL project stays PostgreSQL
  const r = project({ 'a.sql': 'CREATE TABLE t (id int);', 'b.sql': 'SELECT 1;' });
  assert.equal(r.getFile('/p/b.sql')!.dialect.id, 'postgres');
  assert.equal(r.getFile('/p/b.sql')!.dialect.by, 'default');
});

test('the project hint follows the files: when MySQL files go, a plain file is PostgreSQL again', () => {
  const p = project({ 'db/mysql/1.sql': 'SELECT 1;', 'db/mysql/2.sql': 'SELECT 2;', 'plain.sql': 'SELECT 3;' });
  assert.equal(p.getFile('/p/plain.sql')!.dialect.id, 'mysql');
  p.removeFile('/p/db/mysql/1.sql');
  p.removeFile('/p/db/mysql/2.sql');
  assert.equal(p.getFile('/p/plain.sql')!.dialect.id, 'postgres');
});

test('one schema per dialect: a PostgreSQL table is not in the MySQL files\' schema', () => {
  const p = project({ 'pg/001.postgres.up.sql': 'CREATE TABLE audit (id int);', 'my/001.mysql.up.sql': 'SELECT 1;' });
  assert.ok(p.schemaFor('/p/pg/001.postgres.up.sql').tables.has('public.audit'));
  assert.ok(!p.schemaFor('/p/my/001.mysql.up.sql').tables.has('public.audit'));
});

test('PostgreSQL-only rules never run on a MySQL file; rules hold for PostgreSQL by default', () => {
  const pgOnly = ALL_RULES.filter((r) => !ruleHolds(r, 'mysql'));
  assert.ok(pgOnly.some((r) => r.meta.id === 'create-index-non-concurrently'));
  assert.ok(pgOnly.some((r) => r.meta.id === 'fk-without-index'), 'InnoDB indexes every foreign key itself');
  assert.ok(ALL_RULES.every((r) => ruleHolds(r, 'postgres') || r.meta.dialects?.includes('mysql')));
  const p = project({
    'db/001.mysql.up.sql': 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nALTER TABLE t ADD COLUMN b int NOT NULL;\n',
    'db/001.postgres.up.sql': 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\n',
  });
  const found = p.analyze();
  const rules = (rel: string) => (found.get(`/p/${rel}`) ?? []).map((f) => f.rule);
  const mysqlRules = new Set(rules('db/001.mysql.up.sql'));
  for (const r of pgOnly) assert.ok(!mysqlRules.has(r.meta.id), `${r.meta.id} on a MySQL file`);
});

test('signs that name MySQL: a DELIMITER procedure file, `source` commands, KEY inside CREATE TABLE (the employees sample)', () => {
  const proc = 'use employees;\ndelimiter //\ndrop function if exists f //\ncreate function f(x int) returns int\nbegin\n  declare y int;\n  set y = x + 1;\n  return y;\nend //\ndelimiter ;\n';
  const load = "SELECT 'LOADING' as 'INFO';\nsource load_departments.dump ;\nsource load_employees.dump ;\nCREATE TABLE d (\n  n CHAR(4) NOT NULL,\n  name VARCHAR(40) NOT NULL,\n  PRIMARY KEY (n),\n  UNIQUE  KEY (name)\n);\n";
  const p = project({ 'a.sql': proc, 'b.sql': load, 'c.sql': 'CREATE TABLE t (id int PRIMARY KEY, note text);\nSELECT id FROM t;\n' });
  assert.equal(p.getFile('/p/a.sql')!.dialect.by, 'signs');
  assert.match(p.getFile('/p/a.sql')!.dialect.why, /DELIMITER lines/);
  assert.equal(p.getFile('/p/b.sql')!.dialect.by, 'signs');
  assert.match(p.getFile('/p/b.sql')!.dialect.why, /source commands|KEY\/INDEX inside CREATE TABLE/);
  // a PostgreSQL file with an index named key and a `source` column stays PostgreSQL
  const q = project({ 'x.sql': 'CREATE TABLE k (key int, source text);\nCREATE INDEX key_idx ON k (key);\nSELECT source FROM k;\n' });
  assert.equal(q.getFile('/p/x.sql')!.dialect.id, 'postgres');
});
