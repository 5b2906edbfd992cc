// The MySQL lowering (server/src/dialects/mysql/parse.ts): MySQL statements rewritten into PostgreSQL
// text for the shared rules, every AST location mapped back to the MySQL text, and the statements
// that must not be lowered left alone (no node, never an error).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { lowerMySql, parseMySqlStatement } from '../server/src/dialects/mysql/parse';
import { walk } from '../server/src/sql/ast';
import { ready } from './helpers';
import { Project } from '../server/src/engine/project';
import { defaultConfig } from '../server/src/config';

before(ready);

const lowered = (sql: string) => lowerMySql(sql)?.text;

test('MySQL forms lower to the PostgreSQL text that means the same for the rules', () => {
  const cases: [string, string][] = [
    ['SELECT `Id`, `user`.`Name` FROM `user`', 'SELECT id, "user"."name" FROM "user"'],
    ["SELECT a FROM t WHERE b = \"it's\" AND c = 'a\\'b'", "SELECT a FROM t WHERE b = 'it''s' AND c = 'a''b'"],
    ['SELECT a FROM t # a comment\nWHERE b = 1', 'SELECT a FROM t WHERE b = 1'],
    ['SELECT a FROM t LIMIT 10, 20', 'SELECT a FROM t LIMIT 20 OFFSET 10'],
    ['INSERT IGNORE INTO t (a) VALUES (1)', 'INSERT INTO t (a) VALUES (1)'],
    ['REPLACE INTO t (a) VALUES (1)', 'INSERT INTO t (a) VALUES (1)'],
    ['INSERT INTO t (a) VALUES (?) ON DUPLICATE KEY UPDATE a = VALUES(a)', 'INSERT INTO t (a) VALUES ($1) ON CONFLICT DO UPDATE SET a = excluded.a'],
    ['SELECT a FROM t FORCE INDEX (i_a) JOIN u USE INDEX FOR JOIN (i_b) ON u.x = t.x', 'SELECT a FROM t JOIN u ON u.x = t.x'],
    ['SELECT STRAIGHT_JOIN a FROM t STRAIGHT_JOIN u ON u.x = t.x', 'SELECT a FROM t JOIN u ON u.x = t.x'],
    ['SELECT SQL_CALC_FOUND_ROWS SQL_NO_CACHE a FROM t', 'SELECT a FROM t'],
    ['SELECT a DIV 2, a MOD 3 FROM t', 'SELECT a / 2, a % 3 FROM t'],
    ['SELECT a FROM t WHERE b <=> NULL', 'SELECT a FROM t WHERE b IS NOT DISTINCT FROM NULL'],
    ["SELECT a FROM t WHERE b REGEXP '^x' AND c NOT RLIKE 'y'", "SELECT a FROM t WHERE b ~* '^x' AND c !~* 'y'"],
    ['SELECT a FROM t WHERE id = 1 LOCK IN SHARE MODE', 'SELECT a FROM t WHERE id = 1 FOR SHARE'],
    ['UPDATE t SET a = 1 ORDER BY id LIMIT 10', 'UPDATE t SET a = 1'],
    ['DELETE FROM t WHERE a = 1 LIMIT 10', 'DELETE FROM t WHERE a = 1'],
    ['SELECT a FROM t WHERE b = @v AND c = ?', 'SELECT a FROM t WHERE b = $1 AND c = $2'],
    ["SELECT _utf8mb4'x', X'0F', N'y'", "SELECT 'x', X'0F', 'y'"],
    ['SELECT a FROM t WHERE d > NOW() - INTERVAL 7 DAY', "SELECT a FROM t WHERE d > NOW() - INTERVAL '7 day'"],
    ['SELECT CURRENT_TIMESTAMP()', 'SELECT CURRENT_TIMESTAMP'],
    ["SELECT a AS 'x' FROM t", 'SELECT a AS "x" FROM t'],
    ['DROP TABLE IF EXISTS `a`, `b`', 'DROP TABLE IF EXISTS a, b'],
    ['TRUNCATE TABLE `a`', 'TRUNCATE TABLE a'],
    ['ALTER TABLE `t` DROP COLUMN `c`, DROP `d`', 'ALTER TABLE t DROP COLUMN c, DROP d'],
    ['RENAME TABLE `a` TO `b`', 'ALTER TABLE a RENAME TO b'],
  ];
  for (const [my, pg] of cases) {
    assert.equal(lowered(my), pg, my);
    assert.ok(parseMySqlStatement(my).node, `${my}: parses after lowering`);
  }
});

test('statements that must not be lowered have no node and never an error', () => {
  for (const sql of [
    'SET @x = 1',
    'CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB',
    'UPDATE a JOIN b ON a.id = b.id SET a.x = b.y',
    'UPDATE a, b SET a.x = b.y WHERE a.id = b.id',
    'DELETE a FROM a JOIN b ON a.id = b.id',
    'DELETE FROM a USING a JOIN b ON a.id = b.id',
    'DROP TEMPORARY TABLE t',
    'SELECT @a := 1',
    'INSERT INTO t SET a = 1',
    "SELECT GROUP_CONCAT(a SEPARATOR ',') FROM t",
    'ALTER TABLE t ADD COLUMN c INT',
    'ALTER TABLE t DROP INDEX i',
    'ALTER TABLE t DROP FOREIGN KEY fk',
    'RENAME TABLE a TO b, c TO d',
    'LOCK TABLES t WRITE',
    "SELECT 'unterminated",
  ]) {
    const p = parseMySqlStatement(sql);
    assert.equal(p.node, undefined, sql);
    assert.equal(p.error, undefined, sql);
  }
});

test('every AST location maps back to the original MySQL text', () => {
  const sql = "SELECT `Naïve`.`Prénom`, /* c */ b\n  FROM `Naïve` # x\n  WHERE `Naïve`.`Ville` = \"Zürich\" AND c <=> ? LIMIT 5, 10";
  const p = parseMySqlStatement(sql);
  assert.ok(p.node);
  const seen: string[] = [];
  walk(p.node!, (kind, n) => {
    if ((kind === 'ColumnRef' || kind === 'RangeVar' || kind === 'A_Const' || kind === 'ParamRef') && typeof n.location === 'number' && n.location >= 0) {
      const at = p.bytes.toUtf16(n.location);
      seen.push(sql.slice(at, at + 8));
    }
  });
  // the names, the literal, the parameter and the LIMIT values are found where the user wrote them
  for (const want of ['`Naïve`.', 'b\n  FROM', '`Naïve` ', '"Zürich"', '? LIMIT', '10', '5, 10']) {
    assert.ok(seen.some((s) => s.startsWith(want.slice(0, Math.min(want.length, 8)))), `${want} in ${JSON.stringify(seen)}`);
  }
});

function lintOne(name: string, text: string) {
  const p = new Project(defaultConfig(), (f) => f.replace(/^\/x\//, ''));
  p.setFile(`/x/${name}`, text);
  return [...p.analyze().values()].flat();
}

test('a PostgreSQL file never gets a MySQL-only message, and a MySQL file no PostgreSQL-only advice', () => {
  const body = (q: string) => `CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(255) NOT NULL, created_at TIMESTAMP NOT NULL, balance FLOAT);\n${q}`;
  const queries = "SELECT id FROM users WHERE DATE(created_at) = '2024-01-01' ORDER BY id LIMIT 1;\nSELECT id FROM users WHERE email LIKE '%x';\nSELECT id FROM users WHERE id NOT IN (SELECT id FROM users);\nDELETE FROM users;\nUPDATE users SET email = 'x';\nCREATE TABLE logs (msg TEXT);\n";
  const pg = lintOne('schema.sql', body(queries)).map((f) => f.message).join('\n');
  const my = lintOne('schema.mysql.sql', body(queries.replace('SELECT id FROM users WHERE id NOT IN', 'SELECT `id` FROM `users` WHERE `id` NOT IN'))).map((f) => f.message).join('\n');
  for (const mysqlOnly of [/InnoDB/, /MySQL/, /MariaDB/, /FULLTEXT/, /AUTO_INCREMENT/, /DECIMAL\(19,4\)/, /TRUNCATE TABLE/]) assert.doesNotMatch(pg, mysqlOnly);
  for (const pgOnly of [/CONCURRENTLY/, /VACUUM/, /work_mem/, /anti-join/, /timestamptz/, /gin_trgm_ops/, /TABLESAMPLE/, /GENERATED ALWAYS AS IDENTITY/, /numeric\(12,2\)/, /expression index/, /jsonb/]) assert.doesNotMatch(my, pgOnly);
  // both read the same mistakes
  for (const rule of ['non-sargable-predicate', 'leading-wildcard-like', 'missing-primary-key', 'float-for-money', 'int-primary-key']) {
    assert.ok(lintOne('schema.mysql.sql', body(queries)).some((f) => f.rule === rule), `MySQL: ${rule}`);
  }
});

test('fk-without-index never reports on a MySQL file (InnoDB indexes every foreign key itself)', () => {
  const sql = 'CREATE TABLE `users` (`id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\nCREATE TABLE `orders` (`id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, `user_id` BIGINT UNSIGNED NOT NULL, `status` VARCHAR(10), KEY `idx_status_user` (`status`, `user_id`), CONSTRAINT `fk_u` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`)) ENGINE=InnoDB;\n';
  assert.deepEqual(lintOne('schema.mysql.sql', sql).filter((f) => f.rule === 'fk-without-index'), []);
  // the same schema in PostgreSQL gets it
  const pg = sql.replace(/`/g, '').replace(/ UNSIGNED| AUTO_INCREMENT| ENGINE=InnoDB/g, '').replace(/KEY idx_status_user \(status, user_id\), /, '');
  assert.ok(lintOne('schema.sql', pg).some((f) => f.rule === 'fk-without-index'));
});
