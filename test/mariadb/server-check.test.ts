// The server check against a real MariaDB started by this test through server/src/mysql-server/local.ts
// (Debian's mariadb-server; .ci/run installs it). Skipped, with the reason, when no mariadbd is found.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findServerBinary, startLocalServer, type LocalServer } from '../../server/src/mysql-server/local';
import { checkMySqlMigrations, CheckRefused, localTarget, serverErrorFindings, urlTarget, type CheckResult } from '../../server/src/mysql-server/check';
import { explainWithIndex, type IndexEvidence } from '../../server/src/mysql-server/explain';

let binary: ReturnType<typeof findServerBinary>;
try { binary = findServerBinary(); } catch { binary = undefined; }
const skip = binary ? false : 'no mariadbd or mysqld on this machine (Debian: apt-get install mariadb-server)';
if (skip) console.log(`# MariaDB server-check tests skipped: ${skip}`);

let server: LocalServer;
before(async () => { if (!skip) server = await startLocalServer(); });
after(async () => { await server?.stop(); });

/** A root session on the test's server (for setting up canaries and looking at what is left). */
async function rootQuery(sql: string, params: unknown[] = []): Promise<any[]> {
  const mysql = await import('mysql2/promise');
  const c = await mysql.createConnection({ socketPath: server.socketPath, user: 'root', multipleStatements: false });
  try { const [rows] = await c.query(sql, params); return rows as any[]; } finally { await c.end(); }
}

/** Offset of the `nth` occurrence of `needle` in `text`. */
const at = (text: string, needle: string) => { const i = text.indexOf(needle); assert.ok(i >= 0, needle); return i; };

describe('server check (local MariaDB)', { skip }, () => {
  test('wrong statements give server-error with the server\'s code, number and position; the replay goes on after them', async () => {
    const m1 = 'CREATE TABLE users (\n  id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,\n  email VARCHAR(200) NOT NULL\n) ENGINE=InnoDB;\n';
    const m2 = 'ALTER TABLE users ADD INDEX users_email (emial);\nUPDATE users SET nme = \'x\' WHERE id = 1;\nALTER TABLE users ADD COLUMN created DATETIME(7);\nCREATE TABLE tags (name VARCHAR(50)) COLLATE utf8mb4_0900_ai_ci;\nALTER TABLE users ADD COLUMN name VARCHAR(100);\nUPDATE users SET name = \'x\' WHERE id = 1;\nSELECT * FROM orders;\n';
    const files = [{ path: '/p/001_users.sql', text: m1 }, { path: '/p/002_more.sql', text: m2 }];
    const r = await checkMySqlMigrations(localTarget(server), files);
    const got = r.errors.map((e) => [e.path, e.code, e.errno, m2.slice(e.start, e.end)]);
    assert.deepEqual(got, [
      ['/p/002_more.sql', 'ER_KEY_COLUMN_DOES_NOT_EXITS', 1072, 'emial'],
      ['/p/002_more.sql', 'ER_BAD_FIELD_ERROR', 1054, 'nme'],
      ['/p/002_more.sql', 'ER_TOO_BIG_PRECISION', 1426, 'ALTER TABLE users ADD COLUMN created DATETIME(7);'],
      ['/p/002_more.sql', 'ER_UNKNOWN_COLLATION', 1273, 'CREATE TABLE tags (name VARCHAR(50)) COLLATE utf8mb4_0900_ai_ci;'],
      ['/p/002_more.sql', 'ER_NO_SUCH_TABLE', 1146, 'orders'],
    ]);
    // the ADD COLUMN name after the failures ran: the UPDATE that uses it is not reported
    assert.equal(r.ran, 8);
    const findings = serverErrorFindings(r);
    assert.equal(findings[0].rule, 'server-error');
    assert.match(findings[1].message, /^MariaDB \d+\.\d+ rejects this statement: Unknown column 'nme' in '(field list|SET)' \(ER_BAD_FIELD_ERROR, 1054\)$/);
    // the throwaway database's name is not in what the user reads
    assert.equal(findings[4].message, `${r.server} rejects this statement: Table 'orders' doesn't exist (ER_NO_SUCH_TABLE, 1146)`);
  });

  test('statements that fail only because an earlier one failed are counted on it, not reported', async () => {
    const text = 'CREATE TABLE a (id INT PRIMARY KEY, p POINT SRID 4326);\nALTER TABLE a ADD COLUMN b INT;\nINSERT INTO a (id) VALUES (1);\n';
    const r = await checkMySqlMigrations(localTarget(server), [{ path: 'm.sql', text }]);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].code, 'ER_PARSE_ERROR');
    assert.equal(r.errors[0].followOns, 2);
    assert.match(serverErrorFindings(r)[0].message, /\(ER_PARSE_ERROR, 1064\) \(2 later statements failed because of it\)$/);
  });

  test('procedures written with DELIMITER are sent whole and work', async () => {
    const text = 'CREATE TABLE t (a INT);\nDELIMITER $$\nCREATE PROCEDURE fill_t() BEGIN INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END$$\nDELIMITER ;\nCALL fill_t();\nCALL nope();\n';
    const r = await checkMySqlMigrations(localTarget(server), [{ path: 'p.sql', text }]);
    assert.deepEqual(r.errors.map((e) => [e.code, text.slice(e.start, e.end)]), [['ER_SP_DOES_NOT_EXIST', 'CALL nope();']]);
  });

  test('the throwaway database is gone afterwards, also when the replay failed', async () => {
    const r = await checkMySqlMigrations(localTarget(server), [{ path: 'x.sql', text: 'CREATE TABLE t (a INT);\nSELEC 1;\n' }]);
    assert.match(r.database, /^dbe_check_[0-9a-f]{12}$/);
    assert.equal(r.errors.length, 1);
    const left = await rootQuery("SHOW DATABASES LIKE 'dbe\\_check\\_%'");
    assert.deepEqual(left, []);
  });

  test('a slow statement is stopped by the statement time limit and the replay goes on', async () => {
    const text = 'SELECT SLEEP(100);\nSELECT * FROM missing_after_sleep;\n';
    const r = await checkMySqlMigrations(localTarget(server), [{ path: 's.sql', text }], { statementTimeoutMs: 1000 });
    assert.deepEqual(r.notChecked.map((n) => [text.slice(n.start, n.end), n.reason]), [['SELECT SLEEP(100);', 'not checked: it ran longer than 1 s and was stopped']]);
    assert.deepEqual(r.errors.map((e) => e.code), ['ER_NO_SUCH_TABLE']);
  });

  test('a data load past the row cap is not run, and no row of it is inserted', async () => {
    const text = 'CREATE TABLE big (n BIGINT);\nINSERT INTO big SELECT seq FROM seq_1_to_50000000;\nINSERT INTO big WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 50000000) SELECT n FROM s;\n';
    let count = -1;
    const r = await checkMySqlMigrations(localTarget(server), [{ path: 'b.sql', text }], {
      maxRows: 10_000,
      afterReplay: async (s) => { const [rows] = await s.connection.query('SELECT COUNT(*) AS c FROM big'); count = Number((rows as any[])[0].c); },
    });
    assert.deepEqual(r.errors, []);
    assert.equal(r.notChecked.length, 2);
    for (const n of r.notChecked) assert.match(n.reason, /^not checked: it would (read|make) more than 10,000 rows \(the check's cap on data loads\)$/);
    assert.equal(count, 0);
  });

  test('statements that would touch files of the machine or load code are not run, even on the local server', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-outfile-'));
    try {
      const out = path.join(dir, 'out.txt');
      const text = `CREATE TABLE t (a INT);\nSELECT 1 INTO OUTFILE '${out}';\nSELECT LOAD_FILE('/etc/hostname');\nLOAD DATA INFILE '/etc/hostname' INTO TABLE t;\nCREATE FUNCTION f RETURNS STRING SONAME 'evil.so';\n`;
      const r = await checkMySqlMigrations(localTarget(server), [{ path: 'f.sql', text }]);
      assert.deepEqual(r.notChecked.map((n) => n.reason), [
        'not checked: INTO OUTFILE writes a file, which a check must not do',
        'not checked: LOAD_FILE reads a file of the server, which a check must not do',
        'not checked: LOAD DATA reads files, which a check must not do',
        'not checked: SONAME loads code into the server',
      ]);
      assert.deepEqual(r.errors, []);
      assert.equal(fs.existsSync(out), false);
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });

  test('EXPLAIN evidence: a full scan before the index, the index (ref) after, and the index dropped again', async () => {
    const text = 'CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL);\nCREATE TABLE orders (\n  id BIGINT AUTO_INCREMENT PRIMARY KEY,\n  customer_id INT NOT NULL,\n  status ENUM(\'new\',\'paid\',\'sent\') NOT NULL,\n  total DECIMAL(10,2) NOT NULL,\n  created_at DATETIME NOT NULL\n);\n';
    let ev: IndexEvidence | undefined;
    let indexesAfter: string[] = [];
    const r = await checkMySqlMigrations(localTarget(server), [{ path: 'o.sql', text }], {
      afterReplay: async (s) => {
        ev = await explainWithIndex(s.connection, s.database, 'SELECT id, total FROM orders WHERE customer_id = 42 ORDER BY created_at', 'CREATE INDEX orders_customer ON orders (customer_id)');
        const [rows] = await s.connection.query('SELECT INDEX_NAME AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [s.database, 'orders']);
        indexesAfter = (rows as any[]).map((x) => x.n);
      },
    });
    assert.deepEqual(r.errors, []);
    assert.ok(ev);
    assert.deepEqual(ev.filled, ['orders']);
    const b = ev.before.tables.find((t) => t.table === 'orders')!, a = ev.after.tables.find((t) => t.table === 'orders')!;
    assert.equal(b.accessType, 'ALL');
    assert.equal(b.key, null);
    assert.equal(ev.before.filesort, true);
    assert.equal(a.key, 'orders_customer');
    assert.equal(a.accessType, 'ref');
    assert.ok(a.rows! < b.rows!, `rows ${a.rows} after, ${b.rows} before`);
    assert.equal(ev.usesIndex, true);
    assert.deepEqual(indexesAfter, ['PRIMARY']);
  });
});

describe('server check (a named server)', { skip }, () => {
  const url = (user = 'root', pw = '') => `mysql://${user}${pw ? `:${pw}` : ''}@localhost/?socket=${encodeURIComponent(server.socketPath)}`;

  /** Everything a canary database holds, as text: tables' DDL, rows, checksums. */
  async function snapshot(): Promise<string> {
    const parts: string[] = [];
    for (const t of await rootQuery("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'canary' ORDER BY 1")) {
      parts.push(JSON.stringify(await rootQuery(`SHOW CREATE TABLE canary.\`${t.n}\``)));
      parts.push(JSON.stringify(await rootQuery(`SELECT * FROM canary.\`${t.n}\` ORDER BY 1`)));
      parts.push(JSON.stringify(await rootQuery(`CHECKSUM TABLE canary.\`${t.n}\` EXTENDED`)));
    }
    parts.push(JSON.stringify(await rootQuery("SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'canary'")));
    parts.push(JSON.stringify(await rootQuery("SELECT user, host FROM mysql.user ORDER BY 1, 2")));
    parts.push(JSON.stringify(await rootQuery("SELECT @@GLOBAL.max_connections AS m, @@GLOBAL.event_scheduler AS e")));
    return parts.join('\n');
  }

  before(async () => {
    if (skip) return;
    await rootQuery('DROP DATABASE IF EXISTS canary');
    await rootQuery('CREATE DATABASE canary');
    await rootQuery('CREATE TABLE canary.users (id INT PRIMARY KEY, email VARCHAR(100))');
    await rootQuery("INSERT INTO canary.users VALUES (1, 'a@example.com'), (2, 'b@example.com')");
  });

  test('never touches another database: statements naming it are refused, not run; the canary is byte-identical after', async () => {
    const before = await snapshot();
    const text = [
      'CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100));',
      "INSERT INTO users VALUES (1, 'mine@example.com');",
      'USE canary;',
      "INSERT INTO canary.users VALUES (3, 'x@example.com');",
      'DROP TABLE `canary`.users;',
      'CREATE TABLE copy LIKE canary.users;',
      'DROP DATABASE canary;',
      'CREATE DATABASE other;',
      "CREATE USER intruder@'%' IDENTIFIED BY 'x';",
      'GRANT ALL ON *.* TO root@localhost;',
      'SET GLOBAL max_connections = 1;',
      'SET @@global.event_scheduler = ON;',
      "PREPARE s FROM 'DROP DATABASE canary';",
      "EXECUTE IMMEDIATE 'DROP DATABASE canary';",
      'CREATE EVENT e ON SCHEDULE EVERY 1 SECOND DO DELETE FROM canary.users;',
      'DELIMITER //',
      'CREATE PROCEDURE wipe() BEGIN DELETE FROM canary.users; END//',
      'DELIMITER ;',
      'SHOW TABLES FROM canary;',
      "UPDATE users SET email = 'still mine' WHERE id = 1;",
    ].join('\n') + '\n';
    let mine: any[] = [];
    const r = await checkMySqlMigrations(urlTarget(url()), [{ path: 'n.sql', text }], {
      afterReplay: async (s) => { const [rows] = await s.connection.query('SELECT * FROM users'); mine = rows as any[]; },
    });
    assert.deepEqual(r.errors, []);
    assert.equal(r.notChecked.length, 15);
    for (const n of r.notChecked) assert.match(n.reason, /^not checked: .*(it would reach outside the throwaway database|could reach outside the throwaway database)$/, n.reason);
    assert.match(r.notChecked[0].reason, /^not checked: USE switches to another database; it would reach outside the throwaway database$/);
    assert.equal(r.ran, 3);
    assert.deepEqual(mine.map((x) => x.email), ['still mine']);
    assert.equal(await snapshot(), before);
    assert.deepEqual(await rootQuery("SHOW DATABASES LIKE 'other'"), []);
    assert.deepEqual(await rootQuery("SHOW DATABASES LIKE 'dbe\\_check\\_%'"), []);
  });

  test('an account that cannot create a database is refused in one line, without its password', async () => {
    await rootQuery("DROP USER IF EXISTS 'dbe_limited'@'localhost'");
    await rootQuery("CREATE USER 'dbe_limited'@'localhost' IDENTIFIED BY 's3cret-pw'");
    try {
      await assert.rejects(checkMySqlMigrations(urlTarget(url('dbe_limited', 's3cret-pw')), [{ path: 'a.sql', text: 'CREATE TABLE t (a INT);' }]), (e: unknown) => {
        assert.ok(e instanceof CheckRefused);
        assert.match(e.message, /^the account dbe_limited@localhost on mysql:\/\/dbe_limited:\*\*\*@localhost\/\?socket=.* cannot create a database \(Access denied .*\); the check needs CREATE and DROP on databases named dbe_check_% \(or use --check-server local\)$/);
        assert.ok(!e.message.includes('s3cret-pw'));
        assert.ok(!e.message.includes('\n'));
        return true;
      });
    } finally {
      await rootQuery("DROP USER IF EXISTS 'dbe_limited'@'localhost'");
    }
  });

  test('a wrong password is one line without the password', async () => {
    await assert.rejects(checkMySqlMigrations(urlTarget(url('root', 'wrong-pw-123')), []), (e: unknown) => {
      assert.ok(e instanceof CheckRefused);
      assert.match(e.message, /^cannot connect to mysql:\/\/root:\*\*\*@localhost/);
      assert.ok(!e.message.includes('wrong-pw-123'));
      return true;
    });
  });
});

describe('local server lifetime', { skip }, () => {
  test('the server and its directory go away when the process that started it is killed', async () => {
    const script = path.join(__dirname, 'fixtures', 'start-and-die.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd: path.resolve(__dirname, '..', '..') });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => { out += s; });
    await new Promise((r) => child.on('exit', r));
    const info = JSON.parse(out.trim().split('\n').pop()!) as { dir: string; pid: number };
    assert.ok(info.dir.includes('dbe-mysql-'));
    // the watchdog notices the closed pipe, kills the server and removes the directory
    let alive = true, exists = true;
    for (let i = 0; i < 200 && (alive || exists); i++) {
      await new Promise((r) => setTimeout(r, 50));
      try { process.kill(info.pid, 0); } catch { alive = false; }
      exists = fs.existsSync(info.dir);
    }
    assert.equal(alive, false, 'the server outlived the process that started it');
    assert.equal(exists, false, 'its directory was left behind');
  });

  test('stop() kills the server and removes its directory', async () => {
    const s = await startLocalServer();
    const pid = Number(fs.readFileSync(path.join(s.dir, 'mysqld.pid'), 'utf8').trim());
    await s.stop();
    assert.equal(fs.existsSync(s.dir), false);
    assert.throws(() => process.kill(pid, 0));
  });
});

export type { CheckResult };

describe('dbe lint --check-server', { skip }, () => {
  const ROOT = path.resolve(__dirname, '..', '..');
  const CLI = path.join(ROOT, 'dist', 'cli.js');
  const run = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, DBE_CACHE_DIR: path.join(cwd, '.cache'), ...env } });
  let dir = '';
  before(() => {
    if (skip) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-check-cli-'));
    fs.mkdirSync(path.join(dir, 'migrations'));
    fs.writeFileSync(path.join(dir, 'migrations', '001_users.mysql.up.sql'), 'CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100));\n');
    fs.writeFileSync(path.join(dir, 'migrations', '001_users.mysql.down.sql'), 'DROP TABLE users;\n');
    fs.writeFileSync(path.join(dir, 'migrations', '002_index.mysql.up.sql'), '-- the index\nALTER TABLE users\n  ADD INDEX users_email (emial);\n');
  });
  after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  test('--check-server local: server-error findings in the JSON report, at the column the server names', () => {
    const r = run(['lint', 'migrations', '--check-server', 'local', '--format', 'json', '--no-cache'], dir, { DBE_CACHE_DIR: '' });
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    const found = report.files.flatMap((f: any) => f.diagnostics.filter((d: any) => d.rule === 'server-error').map((d: any) => ({ path: f.path, ...d })));
    assert.equal(found.length, 1);
    assert.match(found[0].path, /002_index\.mysql\.up\.sql$/);
    assert.deepEqual(found[0].range, { start: { line: 2, character: 25 }, end: { line: 2, character: 30 } });
    assert.match(found[0].message, /^MariaDB \d+\.\d+ rejects this statement: Key column 'emial' doesn't exist in table \(ER_KEY_COLUMN_DOES_NOT_EXITS, 1072\)$/);
  });

  test('a named server that refuses the login: exit 2, one line, the password never shown', () => {
    const url = `mysql://root:hunter2-pw@localhost/?socket=${encodeURIComponent(path.join(dir, 'no-such.sock'))}`;
    const r = run(['lint', 'migrations', '--check-server', url, '--no-cache'], dir);
    assert.equal(r.status, 2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('dbe check-server'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^dbe check-server migrations: cannot connect to mysql:\/\/root:\*\*\*@localhost/);
    assert.ok(!(r.stderr + r.stdout).includes('hunter2'));
  });

  test('--check-server with something that is neither local nor a URL is a usage error', () => {
    const r = run(['lint', 'migrations', '--check-server', 'somewhere'], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--check-server takes "local" or a mysql:\/\/user@host\[:port\] URL, not "somewhere"/);
  });
});
