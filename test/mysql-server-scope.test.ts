// What the MySQL server check never sends (server/src/mysql-server/scope.ts) and how it shows a URL;
// no server needed. The same statements on a real server: test/mariadb/server-check.test.ts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { outsideReason } from '../server/src/mysql-server/scope';
import { redactUrl, urlTarget } from '../server/src/mysql-server/check';

const named = { named: true, otherDatabases: new Set(['shop', 'mysql', 'information_schema']) };
const local = { named: false, otherDatabases: new Set(['shop']) };

test('on a named server, statements that reach another database are refused; the same names in strings, comments or unqualified are not', () => {
  for (const sql of ['USE shop', 'INSERT INTO shop.users VALUES (1)', 'SELECT * FROM `shop`.`users`', 'DROP DATABASE shop', 'CREATE SCHEMA x', 'GRANT SELECT ON *.* TO u',
    'CREATE USER u', 'SET GLOBAL max_connections = 1', 'SET sql_mode = \'\', GLOBAL max_connections = 1', 'SET @@global.read_only = 1', 'FLUSH PRIVILEGES',
    'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t', "PREPARE s FROM 'DROP TABLE t'", "EXECUTE IMMEDIATE 'DROP TABLE t'", 'SELECT * FROM mysql.user',
    'SHOW TABLES FROM shop', "SELECT GET_LOCK('x', 1)"]) {
    assert.ok(outsideReason(sql, named), sql);
  }
  for (const sql of ["INSERT INTO notes VALUES ('see shop.users')", '/* shop.users */ SELECT 1', 'SELECT shop FROM orders', 'SET SESSION sql_mode = \'\'', 'SET @@session.time_zone = \'+00:00\'',
    'SELECT u.id FROM users u', 'ALTER TABLE users ADD COLUMN email VARCHAR(100)', 'CREATE TABLE t (a INT) ENGINE=InnoDB']) {
    assert.equal(outsideReason(sql, named), undefined, sql);
  }
});

test('on the local throwaway server, other databases are fine, the machine and the network are not', () => {
  for (const sql of ['USE shop', 'INSERT INTO shop.users VALUES (1)', 'CREATE DATABASE x', 'GRANT SELECT ON *.* TO u']) assert.equal(outsideReason(sql, local), undefined, sql);
  for (const sql of ["SELECT 1 INTO OUTFILE '/tmp/x'", "SELECT LOAD_FILE('/etc/passwd')", "LOAD DATA LOCAL INFILE 'x' INTO TABLE t", "CREATE TABLE t (a INT) DATA DIRECTORY = '/tmp'",
    "CREATE TABLE t (a INT) ENGINE = FEDERATED CONNECTION = 'mysql://u@h/db/t'", "INSTALL SONAME 'ha_connect'", "CREATE FUNCTION f RETURNS STRING SONAME 'x.so'", 'SHUTDOWN', 'SOURCE other.sql', "CHANGE MASTER TO MASTER_HOST = 'h'"]) {
    assert.ok(outsideReason(sql, local), sql);
  }
});

test('a server URL is shown without its password, and the password reaches only the connection options', () => {
  assert.equal(redactUrl('mysql://app:s3cret@db.example.com:3306/shop'), 'mysql://app:***@db.example.com:3306/shop');
  assert.equal(redactUrl('mysql://app@db.example.com/shop'), 'mysql://app@db.example.com/shop');
  const t = urlTarget('mysql://app:s%40cret@db.example.com:3307/shop');
  assert.equal(t.display, 'mysql://app:***@db.example.com:3307/shop');
  assert.deepEqual(t.connection, { user: 'app', password: 's@cret', host: 'db.example.com', port: 3307 });
  assert.equal(t.local, false);
  assert.equal(urlTarget('mysql://app@h', { MYSQL_PWD: 'envpw' }).connection.password, 'envpw');
  assert.throws(() => urlTarget('postgres://app:pw@h/db'), (e: Error) => !e.message.includes('pw@') && /not a mysql:\/\/ or mariadb:\/\/ URL/.test(e.message));
});
