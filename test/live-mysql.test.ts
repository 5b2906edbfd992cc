// The pure parts of the live MySQL/MariaDB mode: URLs, TLS plans, passwords, the statement guard,
// the schema text, plan rows, index redundancy and the health verdicts. (The server parts are in
// test/mariadb/live-mysql.test.ts, against a throwaway MariaDB.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig, mergeConfig } from '../server/src/config';
import { LiveError, resolveDatabaseUrl } from '../server/src/live/connect';
import { connectionOptions, isMySqlUrl, myCnfPassword, mysqlTlsPlan, parseMySqlUrl, scrubMy } from '../server/src/live/mysql/connect';
import { callsOf, classify, guardStatement } from '../server/src/live/mysql/guard';
import { orderViews, portableView, splitCreateTable } from '../server/src/live/mysql/catalog';
import { explainRefusal, formatMyPlan, planRows } from '../server/src/live/mysql/explain';
import { bufferPoolVerdict, indexDefs, redundantIndexes, replicaVerdict, type IndexStat } from '../server/src/live/mysql/health';
import { userDigests } from '../server/src/live/mysql/slow';
import { fileUri, LspClient } from './lspClient';

describe('mysql:// URLs', () => {
  it('parses host, port, database, user, socket and keeps the password out of the target', () => {
    const p = parseMySqlUrl('mysql://app:pw%40x@db.example:3307/shop?ssl-mode=REQUIRED');
    assert.deepEqual([p.scheme, p.host, p.port, p.database, p.user, p.password, p.socket], ['mysql', 'db.example', 3307, 'shop', 'app', 'pw@x', undefined]);
    const s = parseMySqlUrl('mariadb://root@localhost/d?socket=%2Frun%2Fmysqld%2Fmysqld.sock');
    assert.deepEqual([s.scheme, s.socket, s.port], ['mariadb', '/run/mysqld/mysqld.sock', 3306]);
    assert.throws(() => parseMySqlUrl('mysql://app@db/', '--database'), (e: any) => e instanceof LiveError && /--database names no database/.test(e.message));
    assert.throws(() => parseMySqlUrl('nope', '--database'), /--database is not a URL; write it as mysql:\/\//);
    assert.ok(isMySqlUrl('mysql://x@y/z') && isMySqlUrl('MariaDB://x@y/z') && !isMySqlUrl('postgres://x@y/z'));
  });

  it('the live mode takes mysql:// and mariadb:// where it takes postgres://, and refuses a password in .dbe.json', () => {
    assert.deepEqual(resolveDatabaseUrl({ flag: 'mysql://app@db/shop', env: {} }), { url: 'mysql://app@db/shop', source: '--database' });
    assert.throws(() => resolveDatabaseUrl({ config: 'mariadb://app:Sekret-1@db/shop', env: {} }), (e: any) => e instanceof LiveError && /holds a password/.test(e.message) && /MYSQL_PWD/.test(e.message) && !e.message.includes('Sekret-1'));
    assert.throws(() => resolveDatabaseUrl({ flag: 'http://x', env: {} }), /--database must start with postgres:\/\/ or postgresql:\/\/ \(mysql:\/\/ or mariadb:\/\//);
  });

  it('never enables several statements a message, LOAD DATA LOCAL, or the cleartext password plugin', () => {
    const o = connectionOptions(parseMySqlUrl('mysql://app@db/shop'), 'pw', false, 5000);
    assert.equal(o.multipleStatements, false);
    assert.deepEqual(o.flags, ['-MULTI_STATEMENTS', '-LOCAL_FILES']);
    assert.equal(o.infileStreamFactory, undefined);
    assert.equal(o.enableCleartextPlugin, false);
    assert.equal(o.ssl, undefined);
    assert.deepEqual(connectionOptions(parseMySqlUrl('mysql://app@db/shop'), undefined, { rejectUnauthorized: false }, 5000).ssl, { rejectUnauthorized: false });
    assert.equal(connectionOptions(parseMySqlUrl('mysql://app@db/shop'), undefined, false, 5000).password, '');
  });

  it('.dbe.json "database" takes a mysql:// URL, never with a password', () => {
    assert.equal(mergeConfig(defaultConfig(), { database: 'mysql://app@db/shop' }, '.dbe.json').database, 'mysql://app@db/shop');
    assert.throws(() => mergeConfig(defaultConfig(), { database: 'mariadb://app:pw@db/shop' }, '.dbe.json'), /holds a password; remove it from the URL and use MYSQL_PWD or ~\/\.my\.cnf/);
    assert.throws(() => mergeConfig(defaultConfig(), { database: 'sqlite://x' }, '.dbe.json'), /must be a postgres:\/\/ URL \(or mysql:\/\//);
  });

  it('scrubs the password from messages', () => {
    assert.equal(scrubMy('failed for mysql://app:Sekret-1@h/db with Sekret-1', 'Sekret-1'), 'failed for mysql://app:***@h/db with ***');
  });
});

describe('TLS plans (as the PostgreSQL side, with MySQL\'s ssl-mode names)', () => {
  const plan = (q: string) => mysqlTlsPlan(parseMySqlUrl(`mysql://app@db.example/shop${q}`));
  it('prefers TLS without verification and falls back to plain, by default', () => {
    const p = plan('');
    assert.equal(p.mode, 'prefer');
    assert.deepEqual(p.first, { rejectUnauthorized: false });
    assert.equal(p.second, false);
  });
  it('maps DISABLED/REQUIRED/VERIFY_CA/VERIFY_IDENTITY and libpq names alike', () => {
    assert.equal(plan('?ssl-mode=DISABLED').first, false);
    assert.deepEqual(plan('?sslmode=require').first, { rejectUnauthorized: false });
    const ca = path.join(os.tmpdir(), `dbe-ca-${process.pid}.pem`);
    fs.writeFileSync(ca, 'CERT');
    try {
      assert.deepEqual(plan(`?ssl-mode=VERIFY_CA&ssl-ca=${ca}`).first, { rejectUnauthorized: true, ca: 'CERT', verifyIdentity: false });
      assert.deepEqual(plan(`?ssl-mode=VERIFY_IDENTITY&ssl-ca=${ca}`).first, { rejectUnauthorized: true, ca: 'CERT', verifyIdentity: true });
      assert.deepEqual(plan(`?ssl-mode=REQUIRED&ssl-ca=${ca}`).first, { rejectUnauthorized: true, ca: 'CERT', verifyIdentity: false });
    } finally { fs.rmSync(ca); }
  });
  it('refuses what cannot be met, in one line', () => {
    assert.throws(() => plan('?ssl-mode=VERIFY_CA'), /needs the certificate authority/);
    assert.throws(() => plan('?ssl-mode=sometimes'), /ssl-mode must be one of/);
    assert.throws(() => mysqlTlsPlan(parseMySqlUrl('mysql://a@10.0.0.1/d?ssl-mode=VERIFY_IDENTITY&ssl-ca=system')), /is an address/);
    assert.throws(() => mysqlTlsPlan(parseMySqlUrl('mysql://a@localhost/d?socket=/tmp/s&ssl-mode=REQUIRED')), /cannot be met over the Unix socket/);
    assert.throws(() => plan('?ssl-ca=/nonexistent/ca.pem&ssl-mode=VERIFY_CA'), /cannot read the CA certificate/);
  });
});

describe('~/.my.cnf', () => {
  it('reads the password of the client groups, and ignores a file everyone can write', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-mycnf-'));
    try {
      const f = path.join(home, '.my.cnf');
      fs.writeFileSync(f, '[mysqld]\npassword=server\n[client]\nuser=app\npassword = "s3cret"\n', { mode: 0o600 });
      fs.chmodSync(f, 0o600);
      assert.equal(myCnfPassword({ HOME: home }), 's3cret');
      fs.chmodSync(f, 0o666);
      const notes: string[] = [];
      assert.equal(myCnfPassword({ HOME: home }, (l) => notes.push(l)), undefined);
      assert.match(notes[0], /is ignored: everyone can write it/);
      assert.equal(myCnfPassword({ HOME: path.join(home, 'none') }), undefined);
    } finally { fs.rmSync(home, { recursive: true, force: true }); }
  });
});

describe('the statement guard', () => {
  it('lets through SELECT, WITH, SHOW, EXPLAIN, DESCRIBE', () => {
    for (const sql of [
      'SELECT 1', 'select * from `t` where a = \'x; DELETE\'', '(SELECT 1) UNION (SELECT 2);', 'WITH c AS (SELECT 1) SELECT * FROM c',
      'SHOW TABLES', 'SHOW CREATE TABLE `t`', 'EXPLAIN FORMAT=JSON SELECT * FROM t', 'DESCRIBE t', 'DESC t col', 'EXPLAIN t',
      'ANALYZE FORMAT=JSON SELECT 1', 'EXPLAIN ANALYZE SELECT 1', 'SELECT INSERT(\'abc\', 1, 1, \'x\'), REPLACE(a, \'b\', \'c\') FROM t',
      'SELECT t.`update`, t.delete FROM t', 'SELECT 1 -- ; DELETE FROM t', 'SELECT 1 # ; DELETE', 'SELECT "a;b", \'it\\\'s; DROP\'',
    ]) assert.equal(guardStatement(sql), undefined, sql);
  });

  it('refuses writes, DDL, session changes, several statements, INTO, locking reads and calls with effects, in one line', () => {
    const cases: [string, RegExp][] = [
      ['INSERT INTO t VALUES (1)', /this is INSERT: refused/],
      ['update t set a = 1', /this is UPDATE: refused/],
      ['DELETE FROM t', /DELETE/], ['REPLACE INTO t VALUES (1)', /REPLACE/], ['TRUNCATE t', /TRUNCATE/],
      ['CREATE TABLE x (a int)', /CREATE/], ['DROP TABLE t', /DROP/], ['ALTER TABLE t ADD c INT', /ALTER/], ['RENAME TABLE a TO b', /RENAME/],
      ['GRANT ALL ON *.* TO x', /GRANT/], ['SET SESSION TRANSACTION READ WRITE', /SET/], ['SET STATEMENT max_statement_time=0 FOR SELECT 1', /SET/],
      ['CALL p()', /CALL/], ['DO 1', /DO/], ['KILL 5', /KILL/], ['LOCK TABLES t WRITE', /LOCK/], ['FLUSH TABLES', /FLUSH/], ['HANDLER t OPEN', /HANDLER/],
      ['LOAD DATA LOCAL INFILE \'/etc/passwd\' INTO TABLE t', /LOAD/], ['USE other', /USE/], ['BEGIN', /BEGIN/], ['COMMIT', /COMMIT/],
      ['SELECT 1; DELETE FROM t', /more than one/], ['SELECT 1;;SELECT 2', /more than one/],
      ['SELECT 1 /*!; DELETE FROM t */', /more than one/], ['SELECT 1 /*!50000 ; DROP TABLE t */', /more than one/],
      ['SELECT * FROM t INTO OUTFILE \'/tmp/x\'', /INTO writes/], ['SELECT a INTO @v FROM t', /INTO/], ['SELECT * INTO DUMPFILE \'/tmp/x\' FROM t', /INTO/],
      ['SELECT * FROM t FOR UPDATE', /FOR UPDATE locks rows/], ['SELECT * FROM t FOR SHARE', /FOR SHARE/], ['SELECT * FROM t LOCK IN SHARE MODE', /LOCK IN SHARE MODE/],
      ['SELECT * FROM t PROCEDURE ANALYSE()', /PROCEDURE/],
      ['SELECT /*+ SET_VAR(max_execution_time=0) */ * FROM t', /optimizer hint/], ['SELECT /*+ MAX_EXECUTION_TIME(0) */ 1', /optimizer hint/],
      ['SELECT SLEEP(100)', /SLEEP\(\)/], ['SELECT GET_LOCK(\'a\', 10)', /GET_LOCK/], ['SELECT load_file(\'/etc/shadow\')', /LOAD_FILE/],
      ['SELECT NEXTVAL(s)', /NEXTVAL/], ['SELECT NEXT VALUE FOR s', /NEXT VALUE FOR/], ['SELECT BENCHMARK(1e9, MD5(1))', /BENCHMARK/],
      ['WITH c AS (SELECT 1) UPDATE t SET a = 1', /holds UPDATE/], ['WITH c AS (SELECT 1) DELETE FROM t', /holds DELETE/],
      ['EXPLAIN ANALYZE DELETE FROM t', /runs the statement, and this is DELETE/], ['ANALYZE DELETE FROM t', /ANALYZE runs the statement/],
      ['ANALYZE TABLE t', /changes the server's statistics/], ['EXPLAIN ANALYZE TABLE t', /not one dbe sends/], ['TABLE t', /TABLE/], ['VALUES ROW(1)', /VALUES/],
      ['SELECT \'unterminated', /unterminated/], ['', /empty/], [';', /empty/],
    ];
    for (const [sql, why] of cases) {
      const r = guardStatement(sql);
      assert.ok(r, `not refused: ${sql}`);
      assert.match(r, why, sql);
      assert.ok(!r.includes('\n'), sql);
    }
  });

  it('tells a query from an EXPLAIN of a write (planned only)', () => {
    assert.deepEqual(classify('EXPLAIN UPDATE t SET a = 1'), { kind: 'explain', analyze: false, inner: 'write', at: 1 });
    assert.deepEqual(classify('EXPLAIN ANALYZE SELECT 1'), { kind: 'explain', analyze: true, inner: 'query', at: 2 });
    assert.match(explainRefusal('UPDATE t SET a = 1', false)!, /read-only/);
    assert.match(explainRefusal('UPDATE t SET a = 1', true)!, /^ANALYZE runs the statement, and this is UPDATE/);
    assert.match(explainRefusal('t', false)!, /not a table name/);
    assert.equal(explainRefusal('SELECT * FROM t', true), undefined);
  });

  it('finds the calls ANALYZE must check, qualified ones with their schema', () => {
    assert.deepEqual(callsOf('SELECT f(1), db.g(2), `h`(3), COUNT(*) FROM t WHERE a IN (1)').map((c) => `${c.schema ?? ''}.${c.name}`), ['.f', 'db.g', '.h', '.COUNT', '.IN']);
  });
});

describe('the schema text', () => {
  const create = [
    'CREATE TABLE `orders` (',
    '  `id` bigint(20) NOT NULL AUTO_INCREMENT,',
    '  `customer_id` int(10) unsigned NOT NULL,',
    '  PRIMARY KEY (`id`),',
    '  KEY `fk_c` (`customer_id`),',
    '  CONSTRAINT `fk_c` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE CASCADE,',
    '  CONSTRAINT `chk` CHECK (`id` > 0)',
    ') ENGINE=InnoDB AUTO_INCREMENT=502 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci',
  ].join('\n');
  it('moves foreign keys to ALTER TABLE and drops the AUTO_INCREMENT counter', () => {
    const r = splitCreateTable('orders', create);
    assert.equal(r.create, [
      'CREATE TABLE `orders` (',
      '  `id` bigint(20) NOT NULL AUTO_INCREMENT,',
      '  `customer_id` int(10) unsigned NOT NULL,',
      '  PRIMARY KEY (`id`),',
      '  KEY `fk_c` (`customer_id`),',
      '  CONSTRAINT `chk` CHECK (`id` > 0)',
      ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci',
    ].join('\n'));
    assert.deepEqual(r.foreignKeys, ['ALTER TABLE `orders` ADD CONSTRAINT `fk_c` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE CASCADE;']);
  });
  it('makes views portable: no DEFINER, no database name outside strings', () => {
    const v = portableView("CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select `shop`.`t`.`a` AS `a` from `shop`.`t` where `shop`.`t`.`b` = '`shop`.x'", 'shop');
    assert.equal(v, "CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select `t`.`a` AS `a` from `t` where `t`.`b` = '`shop`.x'");
  });
  it('orders views after the views they read', () => {
    const out = orderViews([
      { name: 'c', create: 'CREATE VIEW `c` AS select * from `b`' },
      { name: 'b', create: 'CREATE VIEW `b` AS select * from `a`' },
      { name: 'a', create: 'CREATE VIEW `a` AS select * from `t`' },
    ]);
    assert.deepEqual(out.map((v) => v.name), ['a', 'b', 'c']);
  });
});

describe('plans', () => {
  it('reads MariaDB\'s EXPLAIN FORMAT=JSON: access type, key, rows, filesort, temporary table', () => {
    const raw = { query_block: { select_id: 1, filesort: { sort_key: 'o.total', temporary_table: { nested_loop: [
      { table: { table_name: 'c', access_type: 'ALL', possible_keys: ['PRIMARY'], rows: 4, filtered: 100 } },
      { table: { table_name: 'o', access_type: 'ref', possible_keys: ['idx_customer'], key: 'idx_customer', rows: 30, filtered: 50, attached_condition: 'o.total > 5' } },
    ] } } } };
    const rows = planRows(raw);
    assert.deepEqual(rows.map((r) => [r.table, r.accessType, r.key, r.rows, r.filesort, r.temporary]), [['c', 'ALL', undefined, 4, true, true], ['o', 'ref', 'idx_customer', 30, true, true]]);
    assert.equal(formatMyPlan(rows), '  c: full table scan (ALL), possible keys PRIMARY (none used), rows 4, filesort, temporary table\n  o: access ref, key idx_customer, rows 30, filtered 50%, filesort, temporary table\n');
  });
  it('reads MySQL 8\'s shape (ordering_operation, rows_examined_per_scan)', () => {
    const raw = { query_block: { select_id: 1, ordering_operation: { using_filesort: true, table: { table_name: 't', access_type: 'ALL', rows_examined_per_scan: 1000, filtered: '10.00' } } } };
    assert.deepEqual(planRows(raw).map((r) => [r.table, r.accessType, r.rows, r.filtered, r.filesort]), [['t', 'ALL', 1000, 10, true]]);
  });
  it('keeps ANALYZE\'s actual rows and time (MariaDB)', () => {
    const raw = { query_block: { table: { table_name: 't', access_type: 'range', key: 'k', rows: 10, r_rows: 7, r_total_time_ms: 0.25 } } };
    const [r] = planRows(raw);
    assert.deepEqual([r.actualRows, r.actualMs], [7, 0.25]);
  });
});

describe('indexes', () => {
  const stat = (table: string, index: string, seq: number, column: string | null, o: Partial<IndexStat> = {}): IndexStat => ({ table, index, seq, column, subPart: null, nonUnique: true, type: 'BTREE', ...o });
  it('finds duplicates and leading-column prefixes, keeping unique and primary keys', () => {
    const defs = indexDefs([
      stat('t', 'PRIMARY', 1, 'id', { nonUnique: false }),
      stat('t', 'idx_id', 1, 'id'),
      stat('t', 'a', 1, 'a'), stat('t', 'a_b', 1, 'a'), stat('t', 'a_b', 2, 'b'),
      stat('t', 'uq_a', 1, 'a', { nonUnique: false }), stat('t', 'uq_a', 2, 'c', { nonUnique: false }),
      stat('t', 'b_pre', 1, 'b', { subPart: 10 }), stat('t', 'b_full', 1, 'b'),
      stat('t', 'ft', 1, 'a', { type: 'FULLTEXT' }),
      stat('t', 'expr', 1, null),
      stat('u', 'x', 1, 'x'), stat('u', 'x2', 1, 'x'),
    ]);
    const got = redundantIndexes(defs).map((r) => `${r.table}.${r.index}>${r.coveredBy}:${r.kind}`).sort();
    assert.deepEqual(got, ['t.a>a_b:prefix', 't.b_pre>b_full:prefix', 't.idx_id>PRIMARY:duplicate', 'u.x2>x:duplicate']);
  });
  it('never calls a unique index redundant to a longer one, nor a full column covered by a prefix', () => {
    const defs = indexDefs([
      stat('t', 'uq', 1, 'a', { nonUnique: false }), stat('t', 'ab', 1, 'a'), stat('t', 'ab', 2, 'b'),
      stat('t', 'c_full', 1, 'c'), stat('t', 'c_pre', 1, 'c', { subPart: 5 }), stat('t', 'c_pre', 2, 'd', { subPart: 5 }),
    ]);
    assert.deepEqual(redundantIndexes(defs), []);
  });
});

describe('health verdicts', () => {
  it('judges the buffer pool only with enough traffic', () => {
    assert.equal(bufferPoolVerdict(5000, 4000).verdict, 'info');
    assert.equal(bufferPoolVerdict(10_000_000, 1000).verdict, 'ok');
    assert.equal(bufferPoolVerdict(10_000_000, 300_000).verdict, 'warning');
    assert.equal(bufferPoolVerdict(10_000_000, 2_000_000).verdict, 'critical');
  });
  it('reads both spellings of SHOW REPLICA STATUS', () => {
    assert.deepEqual(replicaVerdict({ Replica_IO_Running: 'Yes', Replica_SQL_Running: 'Yes', Seconds_Behind_Source: '3', Source_Host: 'p', Source_Port: 3306 }), { verdict: 'ok', lag: 3, text: 'replicating from p:3306, 3 s behind' });
    assert.equal(replicaVerdict({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Seconds_Behind_Master: '120' }).verdict, 'warning');
    assert.equal(replicaVerdict({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Seconds_Behind_Master: '900' }).verdict, 'critical');
    const stopped = replicaVerdict({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'No', Seconds_Behind_Master: null, Last_SQL_Error: 'Duplicate entry' });
    assert.equal(stopped.verdict, 'critical');
    assert.match(stopped.text, /stopped .*SQL thread No.*Duplicate entry/);
    assert.equal(replicaVerdict({ Replica_IO_Running: 'Yes', Replica_SQL_Running: 'Yes', Seconds_Behind_Source: null }).verdict, 'warning');
  });
  it('keeps the user\'s statements in dbe slow, not its own reads', () => {
    const kept = userDigests([
      { query: 'SELECT * FROM `orders` WHERE `id` = ?' }, { query: 'UPDATE `t` SET `a` = ?' }, { query: 'SHOW TABLES' }, { query: 'SET SESSION `sql_mode` = ?' },
      { query: 'SELECT @@SESSION . `tx_read_only` AS `ro`' }, { query: 'SELECT `TABLE_NAME` FROM `information_schema` . `TABLES`' }, { query: 'SELECT VERSION ( ) AS `v`' },
      { query: 'START TRANSACTION READ ONLY' }, { query: 'EXPLAIN FORMAT = JSON SELECT ?' },
    ]).map((q) => q.query);
    assert.deepEqual(kept, ['SELECT * FROM `orders` WHERE `id` = ?', 'UPDATE `t` SET `a` = ?']);
  });
});

describe('dbe health / slow / lint with a mysql:// URL and no server', () => {
  const CLI = path.join(__dirname, '..', 'dist', 'cli.js');
  const run = (args: string[], env: Record<string, string | undefined> = {}) => {
    const e: NodeJS.ProcessEnv = { ...process.env, DBE_TIMING: '', DBE_DATABASE_URL: undefined, MYSQL_PWD: undefined, HOME: os.tmpdir(), ...env };
    for (const [k, v] of Object.entries(e)) if (v === undefined) delete e[k];
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: e, cwd: os.tmpdir(), timeout: 30_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  it('one line on stderr, exit 2, no stack, no password', () => {
    const down = run(['health', '--database', 'mysql://app:Sekret-77@127.0.0.1:1/shop']);
    assert.equal(down.code, 2);
    assert.equal(down.stderr, 'dbe: the URL on the command line holds a password (mysql://app:***@127.0.0.1:1/shop); others can read it in the process list: use MYSQL_PWD or ~/.my.cnf\n'
      + 'dbe: cannot connect to app@127.0.0.1:1/shop: connection refused (is the server running and listening on that host and port?)\n');
    const env = run(['slow', '--database', 'mariadb://app@127.0.0.1:1/shop'], { MYSQL_PWD: 'Sekret-77' });
    assert.equal(env.code, 2);
    assert.ok(!env.stderr.includes('Sekret-77'));
    const nodb = run(['slow', '--database', 'mariadb://app@127.0.0.1:1/']);
    assert.equal(nodb.stderr, 'dbe: --database names no database; write it as mariadb://user@host:3306/dbname\n');
    const lint = run(['lint', '.', '--database', 'mysql://app@127.0.0.1:1/shop']);
    assert.equal(lint.code, 2);
    assert.match(lint.stderr, /^dbe: dbe lint --database reads PostgreSQL catalogs only for now/);
    const tls = run(['health', '--database', 'mysql://app@127.0.0.1:1/shop?ssl-mode=VERIFY_CA']);
    assert.equal(tls.stderr, 'dbe: ssl-mode=VERIFY_CA needs the certificate authority to verify the server with: add ssl-ca=/path/to/ca.pem to the URL (or ssl-ca=system)\n');
  });
});

describe('the editor with a mysql:// connection', () => {
  it('says in one line that the MySQL schema does not reach the editor yet, and connects nowhere', async () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-mysql-ws-'));
    fs.writeFileSync(path.join(ws, 'q.sql'), 'SELECT 1;\n');
    const lsp = await LspClient.start({ folder: ws, trusted: true, settings: { debounceMs: 5, connection: 'mysql://app@127.0.0.1:1/shop' } });
    try {
      await lsp.open(fileUri(path.join(ws, 'q.sql')), 'SELECT 1;\n');
      const deadline = Date.now() + 15_000;
      while (!lsp.logs.some((l) => /MySQL/.test(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(lsp.logs.some((l) => l === 'DB Engineer: dbEngineer.connection names a MySQL/MariaDB server: its schema does not reach the editor yet (dbe health, dbe slow and dbe explain --database read it from the command line)'), lsp.logs.join('\n'));
      assert.ok(!lsp.logs.some((l) => /connected to|connection refused/.test(l)), lsp.logs.join('\n'));
    } finally {
      await lsp.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
