// The live mode on a real MariaDB the test starts itself (a throwaway data directory and socket):
// read-only by construction, the schema as DDL that replays, slow statements, health, EXPLAIN.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LiveError } from '../../server/src/live/connect';
import { MySqlSession, prepareSession } from '../../server/src/live/mysql/connect';
import { readMySqlCatalog } from '../../server/src/live/mysql/catalog';
import { topDigests } from '../../server/src/live/mysql/slow';
import { mysqlServerChecks } from '../../server/src/live/mysql/health';
import { explainMySql } from '../../server/src/live/mysql/explain';
import { missingServer, startServer, type TestServer } from './start-server';

const missing = missingServer();

const SETUP = `
CREATE DATABASE shop;
USE shop;
CREATE TABLE customers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(100) NOT NULL,
  name VARCHAR(100) NOT NULL,
  UNIQUE KEY uq_email (email),
  KEY idx_name (name),
  KEY idx_name_again (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE orders (
  id BIGINT NOT NULL AUTO_INCREMENT,
  customer_id INT UNSIGNED NOT NULL,
  total DECIMAL(10,2) NOT NULL DEFAULT 0,
  note TEXT,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_customer (customer_id),
  KEY idx_customer_created (customer_id, created_at),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
) ENGINE=InnoDB;
CREATE TABLE categories (
  id INT NOT NULL PRIMARY KEY,
  parent_id INT NULL,
  CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES categories (id)
);
CREATE TABLE canary (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO canary VALUES (1, 'alive'), (2, 'well');
INSERT INTO customers (email, name) VALUES ('a@x', 'Ann'), ('b@x', 'Bob'), ('c@x', 'Cy');
INSERT INTO orders (customer_id, total) SELECT 1 + (seq % 3), seq FROM seq_1_to_500;
INSERT INTO customers (email, name) VALUES ('d@x', 'Di');
INSERT INTO orders (customer_id, total) VALUES (4, 5);
CREATE VIEW big_orders AS SELECT id, customer_id, total FROM orders WHERE total > 100;
CREATE VIEW bigger_orders AS SELECT id FROM big_orders WHERE total > 400;
DELIMITER //
CREATE FUNCTION f_write() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO canary VALUES (99, 'written'); RETURN 1; END//
DELIMITER ;
CREATE VIEW sly AS SELECT id, f_write() AS x FROM canary;
CREATE USER app@localhost IDENTIFIED BY 'Sekret-77';
GRANT ALL ON shop.* TO app@localhost;
`;

describe('live MySQL/MariaDB (a throwaway MariaDB)', { skip: missing }, () => {
  let srv: TestServer;
  let s: MySqlSession;
  const canary = () => srv.sql('CHECKSUM TABLE canary EXTENDED; SELECT COUNT(*) FROM canary;', 'shop');

  before(async () => {
    srv = await startServer(['--performance-schema=ON']);
    srv.sql(SETUP);
    s = await MySqlSession.open({ url: srv.url('shop') });
  });
  after(async () => {
    await s?.close();
    await srv?.stop();
  });

  it('opens a read-only, time-limited session and says what it is', async () => {
    assert.equal(s.flavor, 'mariadb');
    assert.match(s.product, /^MariaDB 10\./);
    assert.equal(s.transport, 'Unix socket, no TLS');
    const r = await s.query<{ ro: string; t: string }>('SELECT @@SESSION.tx_read_only AS ro, @@SESSION.max_statement_time AS t');
    assert.equal(Number(r.rows[0].ro), 1);
    assert.equal(Number(r.rows[0].t), 5);
  });

  it('refuses every write, by the guard and by the server, and the canary table does not change', async () => {
    const before = canary();
    const refused = [
      'INSERT INTO canary VALUES (3, \'x\')',
      'UPDATE canary SET v = \'x\'',
      'DELETE FROM canary',
      'REPLACE INTO canary VALUES (1, \'x\')',
      'DROP TABLE canary',
      'CREATE TABLE t2 (a INT)',
      'ALTER TABLE canary ADD COLUMN w INT',
      'TRUNCATE canary',
      'SELECT * FROM canary INTO OUTFILE \'/tmp/dbe-out.txt\'',
      'SELECT * FROM canary FOR UPDATE',
      'SELECT * FROM canary LOCK IN SHARE MODE',
      'SELECT 1; DELETE FROM canary',
      'SELECT 1 /*!; DELETE FROM canary */',
      'SET SESSION TRANSACTION READ WRITE',
      'SET STATEMENT max_statement_time=0 FOR SELECT 1',
      'CALL f()',
      'DO f_write()',
      'SELECT GET_LOCK(\'x\', 1)',
      'SELECT NEXT VALUE FOR s',
      'LOAD DATA LOCAL INFILE \'/etc/passwd\' INTO TABLE canary',
      'EXPLAIN ANALYZE DELETE FROM canary',
      'ANALYZE DELETE FROM canary',
      'ANALYZE TABLE canary',
      'WITH c AS (SELECT 1) DELETE FROM canary',
    ];
    for (const sql of refused) {
      await assert.rejects(s.query(sql), (e: any) => e instanceof LiveError && !e.message.includes('\n'), sql);
    }
    // a SELECT the guard lets through, whose function writes: the read-only session refuses it
    await assert.rejects(s.query('SELECT f_write()'), (e: any) => e instanceof LiveError && /read-only/i.test(e.message));
    await assert.rejects(s.query('SELECT * FROM sly'), (e: any) => e instanceof LiveError && /read-only/i.test(e.message));
    // the server side alone (a connection prepared as dbe's, the guard bypassed) refuses writes too
    const mysql = await import('mysql2/promise');
    const raw = await mysql.createConnection({ socketPath: srv.socket, user: 'app', password: 'Sekret-77', database: 'shop' });
    try {
      await prepareSession(raw, 'mariadb', 5000, 'test');
      for (const sql of ['INSERT INTO canary VALUES (4, \'y\')', 'UPDATE canary SET v = \'z\'', 'DELETE FROM canary', 'DROP TABLE canary', 'CREATE TABLE t3 (a INT)', 'ALTER TABLE canary ADD COLUMN w INT']) {
        await assert.rejects(raw.query(sql), (e: any) => e.errno === 1792, sql);
      }
      // no second statement in one message either
      await assert.rejects(raw.query('SELECT 1; DELETE FROM canary'), (e: any) => e.errno === 1064);
    } finally { await raw.end(); }
    assert.equal(canary(), before);
    assert.match(srv.sql('SHOW TABLES', 'shop'), /^((?!t2|t3).)*$/s);
  });

  it('never prints the password, and says which sources it reads', async () => {
    const bad = srv.url('shop', 'app').replace('app@', 'app:Wrong-Sekret-99@');
    await assert.rejects(MySqlSession.open({ url: bad }), (e: any) => e instanceof LiveError && !e.message.includes('Wrong-Sekret-99') && /access denied for user "app"/.test(e.message) && /MYSQL_PWD/.test(e.message));
    const ok = await MySqlSession.open({ url: srv.url('shop', 'app'), env: { MYSQL_PWD: 'Sekret-77', HOME: srv.dir } });
    await ok.close();
    // a withheld password is not sent: the login fails with the reason, and the notice says so
    const notices: string[] = [];
    await assert.rejects(MySqlSession.open({ url: srv.url('shop', 'app'), env: { MYSQL_PWD: 'Sekret-77', HOME: srv.dir }, withholdPassword: 'the URL comes from .dbe.json', notice: (l) => notices.push(l) }),
      (e: any) => /dbe withheld it/.test(e.message) && !e.message.includes('Sekret-77'));
    assert.equal(notices.length, 1);
    assert.ok(!notices[0].includes('Sekret-77'));
  });

  it('stops a statement at the time limit with a clear message', async () => {
    const quick = await MySqlSession.open({ url: srv.url('shop'), statementTimeoutMs: 200 });
    try {
      await assert.rejects(quick.query('SELECT SUM(a.seq * b.seq) FROM seq_1_to_100000 a, seq_1_to_100000 b'), (e: any) => e instanceof LiveError && /stopped by the statement time limit/.test(e.message));
    } finally { await quick.close(); }
  });

  it('reads the schema as DDL that replays into an empty MariaDB database', async () => {
    const snap = await readMySqlCatalog(s);
    assert.equal(snap.dialect, 'mariadb');
    assert.deepEqual({ tables: snap.counts.tables, views: snap.counts.views }, { tables: 4, views: 3 });
    assert.ok(!/AUTO_INCREMENT=\d/.test(snap.ddl), 'no AUTO_INCREMENT counter');
    assert.ok(!/DEFINER=/.test(snap.ddl), 'no DEFINER');
    assert.ok(!/`shop`\./.test(snap.ddl), 'no database name');
    // the views come after what they read
    assert.ok(snap.ddl.indexOf('VIEW `bigger_orders`') > snap.ddl.indexOf('VIEW `big_orders`'));
    srv.sql('CREATE DATABASE replay');
    // the function sly calls: created by hand (routines are not part of the schema text)
    srv.sql('CREATE FUNCTION f_write() RETURNS INT RETURN 1', 'replay');
    srv.sql(snap.ddl, 'replay');
    const norm = (t: string) => t.replace(/ AUTO_INCREMENT=\d+/, '');
    for (const t of ['customers', 'orders', 'categories', 'canary']) {
      assert.equal(norm(srv.sql(`SHOW CREATE TABLE ${t}`, 'replay')), norm(srv.sql(`SHOW CREATE TABLE ${t}`, 'shop')), t);
    }
    assert.equal(srv.sql('SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = \'replay\'').trim(), '3', snap.ddl);
  });

  it('lists the slowest statements from performance_schema, not its own reads', async () => {
    for (let i = 0; i < 5; i++) srv.sql(`SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.note LIKE '%x${i}%';`, 'shop');
    srv.sql('SELECT COUNT(*) FROM canary;', 'shop');
    const top = await topDigests(s, 20, 'total');
    assert.ok(top.length >= 2, JSON.stringify(top));
    const join = top.find((q) => /JOIN `customers`/i.test(q.query));
    assert.ok(join, JSON.stringify(top));
    assert.equal(join.calls, 5);
    assert.ok(join.avgRowsExamined >= 500);
    assert.ok(top.every((q) => !/information_schema|performance_schema/i.test(q.query)));
    const mean = await topDigests(s, 1, 'mean');
    assert.equal(mean.length, 1);
  });

  it('gives each health check a verdict: duplicates, unused indexes, no replica', async () => {
    srv.sql('SELECT * FROM orders WHERE customer_id = 2 AND created_at > NOW() - INTERVAL 1 DAY; SELECT * FROM customers WHERE name = \'Ann\';', 'shop');
    const checks = await mysqlServerChecks(s);
    const by = Object.fromEntries(checks.map((c) => [c.id, c]));
    assert.equal(by['connections'].verdict, 'ok');
    assert.match(by['connections'].summary, /of max_connections \d+ in use/);
    assert.ok(['ok', 'info', 'warning', 'critical'].includes(by['cache-hit-ratio'].verdict));
    assert.match(by['cache-hit-ratio'].summary, /buffer pool|read requests/);
    const dup = by['duplicate-indexes'];
    assert.equal(dup.verdict, 'warning');
    const pairs = dup.items.map((i: any) => `${i.table}.${i.index}>${i.coveredBy}:${i.kind}`).sort();
    assert.deepEqual(pairs, ['customers.idx_name_again>idx_name:duplicate', 'orders.idx_customer>idx_customer_created:prefix']);
    assert.equal(by['replication-lag'].verdict, 'info');
    assert.match(by['replication-lag'].summary, /not a replica/);
    // a server up for seconds: unread indexes are listed, but not yet a verdict
    const unused = by['unused-indexes'];
    assert.equal(unused.verdict, 'info', unused.summary);
    assert.match(unused.summary, /not a verdict yet/);
    assert.ok(unused.items.some((i: any) => i.table === 'customers' && i.index === 'idx_name_again'), JSON.stringify(unused.items));
    assert.equal(by['cache-hit-ratio'].verdict, 'info');
    // a unique index and the index a foreign key needs are never called unused
    assert.ok(unused.items.every((i: any) => i.index !== 'uq_email' && i.index !== 'fk_parent'), JSON.stringify(unused.items));
    assert.equal(by['long-transactions'].verdict, 'ok');
  });

  it('explains a query with access type, key and filesort, and runs ANALYZE only for a safe query', async () => {
    const byKey = await explainMySql(s, 'SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = 7', { analyze: false });
    assert.ok(byKey.ok);
    assert.deepEqual(byKey.value.rows.map((r) => [r.table, r.accessType, r.key]), [['o', 'const', 'PRIMARY'], ['c', 'const', 'PRIMARY']]);
    const byRef = await explainMySql(s, 'SELECT * FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.email = \'d@x\'', { analyze: false });
    assert.ok(byRef.ok);
    const ref = byRef.value.rows.find((r) => r.table === 'o')!;
    assert.equal(ref.accessType, 'ref');
    assert.match(ref.key ?? '', /^idx_customer/);
    const sorted = await explainMySql(s, 'SELECT * FROM orders ORDER BY total', { analyze: false });
    assert.ok(sorted.ok);
    assert.equal(sorted.value.rows[0].accessType, 'ALL');
    assert.equal(sorted.value.rows[0].filesort, true);
    // even plain EXPLAIN of a write: the read-only session refuses it, so dbe says so first
    const before = canary();
    await assert.rejects(explainMySql(s, 'UPDATE canary SET v = \'x\' WHERE id = 1', { analyze: false }), (e: any) => e instanceof LiveError && /explain a SELECT with the same FROM and WHERE/.test(e.message));
    const analyzed = await explainMySql(s, 'SELECT * FROM orders WHERE customer_id = 2', { analyze: true });
    assert.ok(analyzed.ok);
    assert.equal(analyzed.value.analyzed, true);
    assert.ok((analyzed.value.rows[0].actualRows ?? 0) > 0);
    for (const [sql, why] of [
      ['UPDATE canary SET v = \'x\'', /never runs a write/],
      ['DELETE FROM canary', /never runs a write/],
      ['SELECT f_write()', /stored function/],
      ['SELECT * FROM sly', /view shop\.sly.*stored function|stored function/],
      ['SELECT * FROM canary FOR UPDATE', /locks rows/],
      ['SELECT * FROM canary INTO OUTFILE \'/tmp/x\'', /INTO/],
    ] as const) {
      await assert.rejects(explainMySql(s, sql, { analyze: true }), (e: any) => e instanceof LiveError && why.test(e.message), sql);
    }
    assert.equal(canary(), before);
    // a user who may not read mysql.func: built-in calls run, another name is refused
    const app = await MySqlSession.open({ url: srv.url('shop', 'app'), env: { MYSQL_PWD: 'Sekret-77', HOME: srv.dir } });
    try {
      const ok = await explainMySql(app, 'SELECT COUNT(*), MAX(total), CONCAT(\'a\', LEFT(\'bc\', 1)) FROM orders WHERE customer_id IN (1, 2)', { analyze: true });
      assert.ok(ok.ok && ok.value.analyzed);
      await assert.rejects(explainMySql(app, 'SELECT my_udf(1) FROM orders', { analyze: true }), (e: any) => e instanceof LiveError && /cannot read mysql\.func/.test(e.message));
    } finally { await app.close(); }
    // a server error comes back as the server's message
    const bad = await explainMySql(s, 'SELECT nope FROM orders', { analyze: false });
    assert.ok(!bad.ok);
    assert.match(bad.error.message, /Unknown column 'nope'/);
  });

  it('dbe health / slow / explain accept a mysql:// URL', () => {
    const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js');
    const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, DBE_DATABASE_URL: '' } });
    const h = run(['health', '--database', srv.url('shop')]);
    assert.ok(h.status === 0 || h.status === 1, h.stderr);
    assert.match(h.stdout, /^dbe health: root@.*\/shop \(MariaDB 10\.\d+\.\d+\): (OK|WARNING|CRITICAL)/);
    assert.match(h.stdout, /\[WARNING\] Duplicate and redundant indexes: /);
    const hj = JSON.parse(run(['health', '--database', srv.url('shop'), '--format', 'json']).stdout);
    assert.equal(hj.version, 1);
    assert.ok(hj.checks.some((c: any) => c.id === 'replication-lag'));
    const st = run(['slow', '--database', srv.url('shop')]);
    assert.match(st.stdout, /^dbe slow: the \d+ statements of root@.* \(performance_schema\.events_statements_summary_by_digest\); not judged: /);
    assert.match(st.stdout, /^1\. \d+ calls?, mean [\d.]+ ms, total [\d.]+ ms/m);
    const sl = run(['slow', '--database', srv.url('shop'), '--format', 'json']);
    assert.equal(sl.status, 0, sl.stderr);
    const sj = JSON.parse(sl.stdout);
    assert.ok(sj.statements.some((q: any) => /customers/.test(q.query)));
    assert.match(sl.stderr, /connected to root@.*\(Unix socket, no TLS\)/);
    assert.ok(sj.statements.every((q: any) => q.skipped && !/@@|information_schema/.test(q.query)), sl.stdout);
    const file = path.join(srv.dir, 'q.sql');
    fs.writeFileSync(file, "-- a query\nSELECT *\n  FROM orders o JOIN customers c ON c.id = o.customer_id\n  WHERE o.id = 7;\n\nDELIMITER //\nSELECT 1 //\nDELIMITER ;\nUPDATE canary SET v = 'x';\n");
    const ex = run(['explain', file, '--line', '3', '--database', srv.url('shop')]);
    assert.equal(ex.status, 0, ex.stderr);
    assert.match(ex.stdout, /q\.sql:2: plan from root@.* \(MariaDB [\d.]+\)/);
    assert.match(ex.stdout, /^ {2}o: access const, key PRIMARY, rows 1$/m);
    const exj = JSON.parse(run(['explain', file, '--line', '2', '--database', srv.url('shop'), '--format', 'json', '--analyze']).stdout);
    assert.equal(exj.analyzed, true);
    assert.deepEqual(exj.plan.map((r: any) => r.table), ['o', 'c']);
    const one = run(['explain', file, '--line', '7', '--database', srv.url('shop')]);
    assert.match(one.stdout, /q\.sql:7: plan .*\n {2}no table is read\n/);
    const before = canary();
    const w = run(['explain', file, '--line', '9', '--database', srv.url('shop'), '--analyze']);
    assert.equal(w.status, 2);
    assert.match(w.stderr, /^dbe: ANALYZE runs the statement, and this is UPDATE: dbe never runs a write/m);
    assert.equal(canary(), before);
    // a URL from .dbe.json (the repository's) gets no password without --trust-config-database
    const proj = path.join(srv.dir, 'proj');
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, '.dbe.json'), JSON.stringify({ database: srv.url('shop', 'app') }));
    const cfg = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: proj, env: { ...process.env, DBE_DATABASE_URL: '', MYSQL_PWD: 'Sekret-77', HOME: srv.dir } });
    const withheld = cfg(['health']);
    assert.equal(withheld.status, 2);
    assert.match(withheld.stderr, /the password for app@.*\/shop is withheld: the database URL comes from \.dbe\.json/);
    assert.match(withheld.stderr, /dbe withheld it/);
    assert.ok(!withheld.stderr.includes('Sekret-77'));
    const trusted = cfg(['health', '--trust-config-database']);
    assert.ok(trusted.status === 0 || trusted.status === 1, trusted.stderr);
    assert.match(trusted.stdout, /^dbe health: app@/);
    const lint = run(['lint', srv.dir, '--database', srv.url('shop')]);
    assert.equal(lint.status, 2);
    assert.match(lint.stderr, /reads PostgreSQL catalogs only for now/);
  });
});

describe('live MySQL/MariaDB without performance_schema', { skip: missing }, () => {
  let srv: TestServer;
  before(async () => { srv = await startServer(['--performance-schema=OFF']); srv.sql('CREATE DATABASE d'); });
  after(async () => { await srv?.stop(); });

  it('says performance_schema is off instead of guessing', async () => {
    const s = await MySqlSession.open({ url: srv.url('d') });
    try {
      await assert.rejects(topDigests(s, 5, 'total'), (e: any) => e instanceof LiveError && /performance_schema is off on this server/.test(e.message) && !e.message.includes('\n'));
      const checks = await mysqlServerChecks(s);
      const unused = checks.find((c) => c.id === 'unused-indexes')!;
      assert.equal(unused.verdict, 'info');
      assert.match(unused.summary, /performance_schema is off/);
    } finally { await s.close(); }
  });
});
