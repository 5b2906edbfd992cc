// Red team of issue #13 (MySQL/MariaDB): reproductions of what the red team found wrong, each a `todo`
// until the lead fixes it (a todo test's failure does not fail the suite). Each asserts what a user
// should see; remove `todo` once fixed. Run `npm run build` first (the CLI cases run dist/cli.js).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from './helpers';
import { outsideReason, SYSTEM_SCHEMAS } from '../server/src/mysql-server/scope';
import { findServerBinary, startLocalServer, type LocalServer } from '../server/src/mysql-server/local';
import { checkMySqlMigrations, urlTarget } from '../server/src/mysql-server/check';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-redteam-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
function dbe(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('red team: the server check on a named server stays inside its throwaway database', () => {
  const ctx = { named: true, otherDatabases: new Set([...SYSTEM_SCHEMAS, 'prod']) };
  // Reproduced end to end on a throwaway MariaDB 10.11 given as --check-server mysql://root@localhost/?socket=…:
  // the database `prod` was dropped and the account evil@localhost created with ALL on *.*.
  for (const sql of [
    'BEGIN NOT ATOMIC DROP DATABASE prod; END',
    "BEGIN NOT ATOMIC CREATE USER evil@localhost IDENTIFIED BY 'x'; GRANT ALL ON *.* TO evil@localhost; END",
    'SET STATEMENT max_statement_time=0 FOR DROP DATABASE prod',
    'CREATE PROCEDURE p() BEGIN DROP DATABASE prod; END',
    'CREATE PROCEDURE q() BEGIN SET GLOBAL max_connections = 1; END',
    'IF 1 THEN DROP DATABASE prod; END IF',
    "CREATE TABLE f (a INT) ENGINE='FEDERATED' CONNECTION='mysql://u@h/db/t'",
  ]) {
    test(`not sent: ${sql}`, {}, () => {
      assert.ok(outsideReason(sql, ctx), `sent to the user's server: ${sql}`);
    });
  }
});

describe('red team: dbe lint --fix on MySQL files writes valid MySQL with the same meaning', () => {
  test('select-star expansion quotes names with backticks, not double quotes (strings in MySQL)', {}, () => {
    const dir = project({ '001_init.mysql.sql': 'CREATE TABLE t1 (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, `order` INT, `my col` VARCHAR(10)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\nSELECT * FROM t1;\nSELECT t.* FROM t1 t;\n' });
    dbe(['lint', dir, '--fix', '--fail-on', 'none', '--no-cache']);
    const after = fs.readFileSync(path.join(dir, '001_init.mysql.sql'), 'utf8');
    // "order" in MySQL is the string 'order': the rewritten SELECT returns constants instead of the columns
    assert.doesNotMatch(after, /"order"|"my col"/, after);
  });
  test('non-innodb-engine fix is not offered where InnoDB rejects the table (MyISAM per-group AUTO_INCREMENT)', {}, () => {
    const sql = 'CREATE TABLE grp (\n  g INT NOT NULL,\n  id INT NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (g, id)\n) ENGINE=MyISAM;\n';
    const dir = project({ '001_init.mysql.sql': sql });
    const r = dbe(['lint', dir, '--format', 'json', '--fail-on', 'none', '--no-cache']);
    const f = JSON.parse(r.stdout).files.flatMap((x: any) => x.diagnostics).find((d: any) => d.rule === 'non-innodb-engine');
    // MariaDB 10.11: ERROR 1075 Incorrect table definition; there can be only one auto column and it must be defined as a key
    assert.ok(!f || f.fixes.length === 0, 'a fix that turns a valid CREATE TABLE into one the server rejects');
  });
});

describe('red team: valid MySQL/MariaDB gets no syntax-error (each accepted by MariaDB 10.11)', () => {
  const schema = "CREATE TABLE users (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100), Name VARCHAR(50), FULLTEXT KEY ft (email), KEY k_name (Name(10))) ENGINE=InnoDB;\n";
  const statements = [
    'SELECT id FROM users FORCE INDEX (PRIMARY) WHERE id = 1;',
    'SELECT id FROM users IGNORE INDEX FOR ORDER BY (PRIMARY) ORDER BY id;',
    "SELECT id FROM users WHERE MATCH(email) AGAINST ('x' IN BOOLEAN MODE);",
    "SELECT id FROM users WHERE MATCH (email) AGAINST ('x');",
    'SELECT id FROM users WHERE id = 1 FOR UPDATE NOWAIT;',
    'SELECT id FROM users EXCEPT SELECT id FROM users;',
    "SELECT jt.v FROM users u, JSON_TABLE(u.email, '$[*]' COLUMNS (v INT PATH '$')) AS jt;",
  ];
  let found: any[] | undefined;
  const syntaxAt = (line: number) => {
    if (!found) {
      const dir = project({ 'q.mysql.sql': schema + statements.join('\n') + '\n' });
      found = JSON.parse(dbe(['lint', dir, '--format', 'json', '--fail-on', 'none', '--no-cache']).stdout).files.flatMap((f: any) => f.diagnostics);
    }
    return found!.filter((d) => d.rule === 'syntax-error' && d.range.start.line === line);
  };
  statements.forEach((sql, i) => {
    test(sql, {}, () => {
      assert.deepEqual(syntaxAt(i + 1).map((d) => d.message), []);
    });
  });
  test('a UTF-8 byte order mark before the first statement', {}, () => {
    const dir = project({ 'b.mysql.sql': '\ufeffCREATE TABLE t (id BIGINT PRIMARY KEY) ENGINE=InnoDB;\nSELECT id FROM t;\n' });
    const ds = JSON.parse(dbe(['lint', dir, '--format', 'json', '--fail-on', 'none', '--no-cache']).stdout).files.flatMap((f: any) => f.diagnostics);
    assert.deepEqual(ds.filter((d: any) => d.rule === 'syntax-error').map((d: any) => d.message), []);
  });
});

describe('red team: a PostgreSQL project is not read as MySQL', () => {
  test('.dbe.json "dialect": "postgres" is not overridden by a migration whose name mentions mysql', {}, () => {
    const dir = project({
      '.dbe.json': '{ "dialect": "postgres" }\n',
      '001_init.sql': 'CREATE TABLE users (id bigserial PRIMARY KEY, name text, legacy_id int);\n',
      '002_import_from_mysql.sql': 'CREATE INDEX idx_users_name ON users (name);\nUPDATE users SET name = legacy_id::text;\nALTER TABLE users ALTER COLUMN legacy_id TYPE bigint;\n',
    });
    const ds = JSON.parse(dbe(['lint', dir, '--format', 'json', '--fail-on', 'none', '--no-cache']).stdout).files.flatMap((f: any) => f.diagnostics);
    const rules = ds.map((d: any) => d.rule);
    // today: two MySQL syntax-errors (`::`, ALTER COLUMN ... TYPE) and non-transactional-ddl; the PostgreSQL rules are lost
    assert.ok(!rules.includes('syntax-error') && !rules.includes('non-transactional-ddl'), rules.join(', '));
    assert.ok(rules.includes('create-index-non-concurrently'), rules.join(', '));
  });
});

describe('red team: a MySQL project whose query files carry no sign of their own', () => {
  test('query files beside a MySQL schema get no PostgreSQL syntax errors', {}, () => {
    // only schema.sql has MySQL signs; the queries are MySQL that PostgreSQL refuses (LIMIT a, b; INTERVAL 1 DAY;
    // LOCK IN SHARE MODE). Today: "dialect: PostgreSQL (3 of 4 SQL files)" and three PostgreSQL syntax errors.
    const dir = project({
      'schema.sql': 'CREATE TABLE `users` (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, email VARCHAR(9), created DATETIME) ENGINE=InnoDB;\n',
      'a.sql': 'SELECT id FROM users ORDER BY id LIMIT 5, 10;\n',
      'b.sql': 'SELECT id FROM users WHERE email = "x";\n',
      'c.sql': 'SELECT id FROM users WHERE created > NOW() - INTERVAL 1 DAY;\nSELECT id, email FROM users WHERE id = 1 LOCK IN SHARE MODE;\n',
    });
    const ds = JSON.parse(dbe(['lint', dir, '--format', 'json', '--fail-on', 'none', '--no-cache']).stdout).files.flatMap((f: any) => f.diagnostics.map((d: any) => `${f.path}: ${d.rule}: ${d.message}`));
    assert.deepEqual(ds.filter((d: string) => d.includes('syntax-error')), []);
  });
});

describe('red team: limit-without-order-by fix on grouped and DISTINCT queries', () => {
  // MySQL 8 rejects both rewritten queries (1055 under its default ONLY_FULL_GROUP_BY; 3065 for DISTINCT,
  // whatever the sql_mode), and so does PostgreSQL (the same fix is offered on .sql PostgreSQL files).
  for (const sql of ['SELECT grp, COUNT(*) FROM `users` GROUP BY grp LIMIT 5;', 'SELECT DISTINCT email FROM `users` LIMIT 5;']) {
    test(`no ORDER BY users.id fix for: ${sql}`, {}, () => {
      const dir = project({ 'schema.sql': 'CREATE TABLE `users` (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, email VARCHAR(9), grp INT) ENGINE=InnoDB;\n', 'q.sql': sql + '\n' });
      dbe(['lint', dir, '--fix', '--fail-on', 'none', '--no-cache']);
      assert.doesNotMatch(fs.readFileSync(path.join(dir, 'q.sql'), 'utf8'), /ORDER BY users\.id/);
    });
  }
});

// End to end on a real MariaDB (started here, throwaway; skipped without mariadbd), given as a *named*
// server (--check-server mysql://root@localhost/?socket=…): the user's database `prod` must survive.
let binary: ReturnType<typeof findServerBinary>;
try { binary = findServerBinary(); } catch { binary = undefined; }
const noServer = binary ? false : 'no mariadbd on this machine';
describe('red team: a named server keeps its other databases and accounts (real MariaDB)', { skip: noServer }, () => {
  let server: LocalServer;
  const root = async (sql: string) => {
    const mysql = await import('mysql2/promise');
    const c = await mysql.createConnection({ socketPath: server.socketPath, user: 'root' });
    try { const [rows] = await c.query(sql); return rows as any[]; } finally { await c.end(); }
  };
  before(async () => { server = await startLocalServer(); });
  after(async () => { await server?.stop(); });

  test('BEGIN NOT ATOMIC ... DROP DATABASE and SET STATEMENT ... FOR DROP DATABASE are not run', {}, async () => {
    await root('CREATE DATABASE IF NOT EXISTS prod');
    await root('CREATE TABLE IF NOT EXISTS prod.keep (a INT)');
    const text = 'CREATE TABLE t (id BIGINT PRIMARY KEY) ENGINE=InnoDB;\nDELIMITER //\nBEGIN NOT ATOMIC\n  CREATE USER evil@localhost IDENTIFIED BY \'x\';\n  GRANT ALL ON *.* TO evil@localhost;\nEND //\nDELIMITER ;\nSET STATEMENT max_statement_time=0 FOR DROP DATABASE prod;\n';
    await checkMySqlMigrations(urlTarget(`mysql://root@localhost/?socket=${encodeURIComponent(server.socketPath)}`), [{ path: '/p/001_x.mysql.sql', text }]).catch(() => undefined);
    const dbs = (await root('SHOW DATABASES')).map((r) => String(Object.values(r)[0]));
    const evil = await root("SELECT user FROM mysql.user WHERE user = 'evil'");
    assert.ok(dbs.includes('prod'), `prod was dropped: ${dbs.join(', ')}`);
    assert.equal(evil.length, 0, 'the account evil@localhost was created with ALL on *.*');
  });

  test('an interrupted check (Ctrl-C) leaves no dbe_check_* database on the named server', { todo: 'red team: SIGINT leaves the throwaway database behind' }, async () => {
    const dir = project({ '001_x.mysql.sql': 'CREATE TABLE t (id BIGINT PRIMARY KEY) ENGINE=InnoDB;\nDO SLEEP(3);\nDO SLEEP(3);\n' });
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [CLI, 'lint', dir, '--check-server', `mysql://root@localhost/?socket=${encodeURIComponent(server.socketPath)}`, '--fail-on', 'none', '--no-cache'], { stdio: 'ignore' });
    const done = new Promise((r) => child.on('exit', r));
    // wait until the throwaway database exists, then interrupt as a user would
    for (let i = 0; i < 100; i++) {
      if ((await root("SHOW DATABASES LIKE 'dbe_check_%'")).length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    await done;
    await new Promise((r) => setTimeout(r, 1000));
    const left = (await root("SHOW DATABASES LIKE 'dbe_check_%'")).map((r) => String(Object.values(r)[0]));
    for (const d of left) await root(`DROP DATABASE \`${d}\``);
    assert.deepEqual(left, []);
  });
});

describe('red team: charset-utf8mb3 fix where utf8mb4 does not fit the index', () => {
  test('no utf8mb4 fix for a ROW_FORMAT=COMPACT table with a unique VARCHAR(255) key (MariaDB: ERROR 1709, max 767 bytes)', {}, () => {
    const sql = 'CREATE TABLE tags (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL, UNIQUE KEY uq_name (name)) ENGINE=InnoDB ROW_FORMAT=COMPACT DEFAULT CHARSET=utf8;\n';
    const dir = project({ '001_init.mysql.sql': sql });
    dbe(['lint', dir, '--fix', '--fail-on', 'none', '--no-cache']);
    // 255 characters x 4 bytes = 1020 bytes > 767 in COMPACT/REDUNDANT rows: the fixed CREATE TABLE is rejected
    assert.equal(fs.readFileSync(path.join(dir, '001_init.mysql.sql'), 'utf8'), sql);
  });
});
