// MySQL / MariaDB syntax verdicts (server/src/dialects/mysql/syntax.ts): no false error on what the
// servers accept (keywords as names, MariaDB's own forms, executable comments, client commands), an
// error at the right token with a short message on what they refuse, and a language server that never
// waits for the parser (background mode: a worker thread, verdicts arriving later).
// Every verdict below was checked against MariaDB 10.11 (PREPARE, error 1064 or not); the MySQL ones
// follow MySQL 8.0's reserved-word list.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clearMySqlVerdicts, mySqlSyntax, mySqlVerdictsSettled, onMySqlVerdicts, setMySqlSyntaxMode, setMySqlVerdictStore, stopMySqlSyntaxWorker, mySqlSyntaxWorkerFile, type MySqlSyntaxError } from '../server/src/dialects/mysql/syntax';
import { splitMySql } from '../server/src/dialects/mysql/split';
import { DiskParseCache } from '../server/src/cli/parse-cache';
import { ROOT } from './lspClient';

after(() => { setMySqlSyntaxMode('sync'); stopMySqlSyntaxWorker(); });

const check = (sql: string, flavor: 'mysql' | 'mariadb' = 'mysql') => mySqlSyntax(sql, flavor);
/** The error's token in the text. */
const at = (sql: string, e: MySqlSyntaxError | null | undefined) => (e ? sql.slice(e.offset, e.offset + (e.length ?? 0)) : '(no error)');

describe('valid statements get no error', () => {
  const both = [
    // non-reserved keywords as column names: the grammar takes them as keywords, the servers as names
    'CREATE TABLE lockt (id INT, locked BIT(1), active BOOLEAN, status INT, reference VARCHAR(9), source INT, action INT)',
    'UPDATE ACT_DMN_DATABASECHANGELOGLOCK SET LOCKED = 1, LOCKEDBY = NULL WHERE ID = 1',
    'CREATE VIEW customer_list AS SELECT x AS y, IF(cu.active, 1, 2) AS notes FROM customer cu',
    'ALTER TABLE PREFIX_product ADD INDEX reference_idx(reference), ADD INDEX supplier_reference_idx(supplier_reference)',
    'CREATE INDEX sessions_list_active_idx ON sessions (nid ASC, expires_at ASC, active ASC, created_at DESC, id ASC)',
    // a reserved word after a qualifier is a name in both servers
    'SELECT t.order, t.`key` FROM t',
    'SELECT f.skip, db.t.key, coalesce(f.remember, false) FROM db.t f',
    // executable comments: their content is checked as code
    '/*!40101 SET NAMES utf8 */',
    'CREATE TABLE t (\n  a INT,\n  /*!50705 location GEOMETRY NOT NULL,*/\n  b INT\n)',
    // client commands are not SQL
    'source load_departments.dump',
    // PRIMARY KEY with an index name (accepted and ignored by both servers)
    'CREATE TABLE s (token varchar(40) DEFAULT NULL, PRIMARY KEY `id_employee_session` (`id_employee_session`))',
    // RETURN as a function's handler statement
    'CREATE FUNCTION f() RETURNS INT BEGIN DECLARE EXIT HANDLER FOR NOT FOUND RETURN NULL; RETURN 1; END',
    // ALTER TABLE ... PARTITION BY
    "ALTER TABLE titles PARTITION BY RANGE COLUMNS (from_date) (PARTITION p01 VALUES LESS THAN ('1985-12-31'))",
    // comments only
    '-- nothing here\n/* nor here */',
  ];
  for (const sql of both) {
    test(sql.slice(0, 70).replace(/\n/g, ' '), () => {
      assert.equal(check(sql, 'mysql'), null);
      assert.equal(check(sql, 'mariadb'), null);
    });
  }
  const mariadbOnly = [
    'ALTER TABLE t ADD COLUMN IF NOT EXISTS x INT',
    'ALTER TABLE t DROP COLUMN IF EXISTS x',
    'ALTER TABLE t ADD INDEX IF NOT EXISTS i (a)',
    'ALTER TABLE t DROP INDEX IF EXISTS i',
    'ALTER TABLE t DROP FOREIGN KEY IF EXISTS fk',
    'ALTER TABLE t MODIFY COLUMN IF EXISTS x BIGINT',
    'CREATE OR REPLACE TABLE t (a INT)',
    'CREATE INDEX IF NOT EXISTS i ON t (a)',
    'DROP INDEX IF EXISTS i ON t',
  ];
  for (const sql of mariadbOnly) {
    test(`MariaDB accepts, MySQL 8 refuses: ${sql}`, () => {
      assert.equal(check(sql, 'mariadb'), null);
      const e = check(sql, 'mysql');
      assert.ok(e, 'MySQL 8 has no such form');
      assert.match(at(sql, e), /^(NOT|EXISTS|TABLE)$/);
    });
  }
  test('MariaDB syntax the grammar does not know is not judged for MariaDB (no false error)', () => {
    for (const sql of ['CREATE SEQUENCE s START WITH 1 INCREMENT BY 1', 'INSERT INTO t (a) VALUES (1) RETURNING id', 'CREATE TABLE t (a INT) WITH SYSTEM VERSIONING',
      'BEGIN NOT ATOMIC SELECT 1; END', 'SELECT NEXT VALUE FOR s', 'CREATE TABLE t (a INT, b INT AS (a + 1) PERSISTENT)', 'CREATE TABLE t (u UUID, i INET6)',
      'SELECT * FROM t OFFSET 2 ROWS FETCH NEXT 1 ROWS ONLY']) {
      assert.equal(check(sql, 'mariadb'), null, sql);
      assert.ok(check(sql, 'mysql'), `MySQL 8 refuses: ${sql}`);
    }
  });
  test('a MariaDB-only executable comment is a plain comment for MySQL', () => {
    const sql = 'CREATE TABLE t (a INT /*M! INVISIBLE */)';
    assert.equal(check(sql, 'mysql'), null);
    assert.equal(check(sql, 'mariadb'), null);
  });
});

describe('syntax errors: the right token and a short message', () => {
  const cases: { sql: string; token: string; message: RegExp; flavor?: 'mysql' | 'mariadb' }[] = [
    { sql: 'SELCT a FROM t', token: 'SELCT', message: /^syntax error at `SELCT`: expected a statement \(SELECT, / },
    { sql: 'SELECT a FORM t', token: 't', message: /expected `,`, FROM, / },
    { sql: 'CREATE TABLE t (\n  a INT NOT NULL\n  b DATE\n)', token: 'b', message: /expected `,`, `\)`/ },
    { sql: 'SELECT a FROM t WHERE', token: '', message: /at the end of the statement: expected an expression$/ },
    { sql: "SELECT 'abc FROM t", token: "'", message: /string starting here never closes/ },
    { sql: 'SELECT MAX(a AS m FROM t', token: 'AS', message: /expected `,`, `\)`/ },
    { sql: 'CREATE TABLE t (id INT, order INT)', token: 'order', message: /`order`: a reserved word in MySQL; quote it/ },
    { sql: 'CREATE TABLE t (id INT, offset INT)', token: 'offset', message: /a reserved word in MariaDB/, flavor: 'mariadb' },
    { sql: 'DROP INDEX idx_client_id;', token: ';', message: /expected ON/ },
    { sql: "UPDATE c SET redirect_uris = CAST(redirect_uris AS json) WHERE redirect_uris <> ''", token: 'json', message: /MariaDB has no CAST to JSON/, flavor: 'mariadb' },
  ];
  for (const c of cases) {
    test(c.sql.replace(/\n/g, ' '), () => {
      const e = check(c.sql, c.flavor);
      assert.ok(e, 'an error');
      if (c.token) assert.equal(at(c.sql, e), c.token);
      else assert.equal(e.offset, c.sql.length);
      assert.match(e.message, c.message);
      assert.ok(!e.message.includes('\n') && e.message.length < 160, `one short line: ${e.message}`);
    });
  }
  test('CAST(… AS JSON) is MySQL 8 syntax: fine for MySQL', () => {
    assert.equal(check('SELECT CAST(a AS JSON), CAST(b AS CHAR) FROM t', 'mysql'), null);
    assert.equal(check('SELECT CAST(b AS CHAR), CAST((a) AS DECIMAL(10,2)) FROM t', 'mariadb'), null);
  });
  test('OFFSET is a name in MySQL, reserved in MariaDB', () => {
    assert.equal(check('CREATE TABLE t (id INT, offset INT)', 'mysql'), null);
  });
  test('the offsets are in the statement as split from its file', () => {
    const file = 'CREATE TABLE a (x INT);\n\nINSERT INTO a (x) VALUSE (1);\n';
    const st = splitMySql(file).statements[1];
    const e = check(st.text);
    assert.ok(e);
    assert.equal(file.slice(st.start + e.offset, st.start + e.offset + e.length!), 'VALUSE');
  });
});

describe('bad input never throws', () => {
  test('huge, deep, odd or empty statements', () => {
    const inputs = [
      '', ' ', ';', '\u0000\u0001', '((((((((((', `SELECT ${'('.repeat(5000)}1${')'.repeat(5000)}`,
      `INSERT INTO t VALUES ${Array.from({ length: 3000 }, (_, i) => `(${i}, 'x')`).join(',')}`,
      'SELECT `unclosed', '/* never closed', 'SELECT "\\', 'x'.repeat(300_000), '\uD800',
    ];
    for (const s of inputs) {
      for (const f of ['mysql', 'mariadb'] as const) {
        const v = mySqlSyntax(s, f);
        assert.ok(v === null || (typeof v === 'object' && typeof v.message === 'string' && v.offset >= 0 && v.offset <= s.length), `verdict for ${JSON.stringify(s.slice(0, 20))}`);
      }
    }
    assert.equal(mySqlSyntax(undefined as any, 'mysql'), null);
  });
});

describe('the CLI store keeps verdicts between runs', () => {
  test('a verdict is read from the store instead of parsing again', () => {
    const mem = new Map<string, string>();
    const store = { get: (_k: 'mysql', key: string) => mem.get(key), set: (_k: 'mysql', key: string, json: string) => { mem.set(key, json); } };
    setMySqlVerdictStore(store);
    try {
      const sql = 'SELECT a FROM t WHERE b = 1 AND c = 2 -- store test';
      assert.equal(check(sql), null);
      assert.equal(mem.size, 1);
      // a second run (fresh memory): the store's verdict stands, even a planted one, so it was not re-parsed
      clearMySqlVerdicts();
      const [key] = mem.keys();
      mem.set(key, JSON.stringify({ message: 'planted', offset: 3, length: 1 }));
      assert.deepEqual(check(sql), { message: 'planted', offset: 3, length: 1 });
      // a corrupt entry is checked again
      clearMySqlVerdicts();
      mem.set(key, '{not json');
      assert.equal(check(sql), null);
    } finally {
      setMySqlVerdictStore(undefined);
      clearMySqlVerdicts();
    }
  });
});

describe('the CLI parse cache file holds MySQL verdicts', () => {
  test('a second run reads the verdict from the cache file (no parse), a corrupt file is ignored', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-mysql-cache-'));
    const file = path.join(dir, 'parse-test.bin');
    const sql = 'DELETE FROM t WHERE id = 7 -- disk cache test';
    try {
      const first = new DiskParseCache(file).load();
      setMySqlVerdictStore(first);
      clearMySqlVerdicts();
      assert.equal(check(sql), null);
      first.save();
      // a planted verdict in the saved file proves the second run takes it from there
      const second = new DiskParseCache(file).load();
      const key = [...(second as any).old[2].keys()][0] as string;
      assert.ok(key.endsWith(sql), 'the verdict is in the file under its text');
      const planted = new DiskParseCache(file);
      planted.set('mysql', key, JSON.stringify({ message: 'from disk', offset: 0, length: 6 }));
      planted.save();
      clearMySqlVerdicts();
      setMySqlVerdictStore(new DiskParseCache(file).load());
      assert.deepEqual(check(sql), { message: 'from disk', offset: 0, length: 6 });
      // corrupt: ignored, checked again
      fs.writeFileSync(file, Buffer.from('garbage'));
      clearMySqlVerdicts();
      setMySqlVerdictStore(new DiskParseCache(file).load());
      assert.equal(check(sql), null);
    } finally {
      setMySqlVerdictStore(undefined);
      clearMySqlVerdicts();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('background mode (the language server)', () => {
  test('first call undefined, then the callback fires and the verdict is there', { skip: fs.existsSync(mySqlSyntaxWorkerFile()) ? false : `no ${path.relative(ROOT, mySqlSyntaxWorkerFile())}: npm run build` }, async () => {
    setMySqlSyntaxMode('background');
    try {
      const bad = 'UPDATE t SET a = 1 WHER id = 2 /* background */';
      const good = 'UPDATE t SET a = 1 WHERE id = 2 /* background */';
      let fired = 0;
      const arrived = new Promise<void>((resolve) => {
        const off = onMySqlVerdicts(() => { fired++; off(); resolve(); });
      });
      assert.equal(mySqlSyntax(bad, 'mysql'), undefined);
      assert.equal(mySqlSyntax(good, 'mysql'), undefined);
      await arrived;
      await mySqlVerdictsSettled();
      assert.ok(fired >= 1);
      const e = mySqlSyntax(bad, 'mysql');
      assert.ok(e);
      assert.equal(at(bad, e), 'WHER');
      assert.equal(mySqlSyntax(good, 'mysql'), null);
    } finally {
      setMySqlSyntaxMode('sync');
    }
  });
  test('a worker file that cannot start: verdicts become null (silent), never an endless wait', async () => {
    const saved = process.env.DBE_MYSQL_SYNTAX_WORKER;
    process.env.DBE_MYSQL_SYNTAX_WORKER = path.join(ROOT, 'test', 'fixtures', 'no-such-worker.js');
    setMySqlSyntaxMode('background');
    try {
      const sql = 'SELECT 1 /* no worker */';
      const fired = new Promise<void>((resolve) => { const off = onMySqlVerdicts(() => { off(); resolve(); }); });
      const first = mySqlSyntax(sql, 'mysql');
      if (first === undefined) { await fired; await mySqlVerdictsSettled(); }
      assert.equal(mySqlSyntax(sql, 'mysql'), null);
    } finally {
      if (saved === undefined) delete process.env.DBE_MYSQL_SYNTAX_WORKER; else process.env.DBE_MYSQL_SYNTAX_WORKER = saved;
      setMySqlSyntaxMode('sync');
      stopMySqlSyntaxWorker();
    }
  });
});

test('`?` placeholders of prepared statements are values, not syntax errors (application queries are written so)', () => {
  setMySqlSyntaxMode('sync');
  for (const flavor of ['mysql', 'mariadb'] as const) {
    assert.equal(mySqlSyntax('SELECT * FROM `orders` WHERE `id` = ? LIMIT 1;', flavor), null);
    assert.equal(mySqlSyntax('INSERT INTO t (a, b) VALUES (?, ?);', flavor), null);
    assert.equal(mySqlSyntax('UPDATE t SET a = ? WHERE id IN (?, ?) LIMIT ?;', flavor), null);
  }
  // a real error next to a placeholder is still one
  assert.ok(mySqlSyntax('SELECT * FORM t WHERE id = ?;', 'mysql'));
});
