// MySQL / MariaDB DDL read by dialects/mysql/ddl.ts and replayed into the shared schema model by
// dialects/mysql/replay.ts: each statement form, with the table, columns, indexes and foreign keys it
// leaves (what rules, hover, completion and the Schema view then read).
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readMySqlDdl } from '../server/src/dialects/mysql/ddl';
import { applyMySqlStatement, mysqlIndexKey, mysqlIntegerMax, replayFaults, versionedCommentsFor } from '../server/src/dialects/mysql/replay';
import { Schema, type Index, type Table } from '../server/src/schema';
import { mysqlStatements, replayMySql } from './mysql-replay-helpers';

function table(s: Schema, name: string): Table {
  const t = s.tables.get(name.includes('.') ? name : `public.${name}`);
  assert.ok(t, `table ${name} is in the model (has: ${[...s.tables.keys()].join(', ')})`);
  return t;
}
const cols = (t: Table) => [...t.columns.keys()];
const indexes = (s: Schema, t: Table) => s.indexesOf(t).map((ix) => `${ix.name}(${ix.columns.join(',')})${ix.unique ? ' unique' : ''}`);
const ix = (s: Schema, t: Table, name: string): Index => {
  const i = s.indexes.get(mysqlIndexKey(t.key, name));
  assert.ok(i, `index ${name} on ${t.name} (has: ${indexes(s, t).join('; ')})`);
  return i;
};

describe('CREATE TABLE', () => {
  test('column types: canonical type for the shared rules, as written in typeText, MySQL facts in mysql', () => {
    const s = replayMySql(`CREATE TABLE \`Orders\` (
      id INT(10) UNSIGNED ZEROFILL NOT NULL AUTO_INCREMENT,
      big BIGINT, small SMALLINT, tiny TINYINT(4), flag TINYINT(1), b BOOLEAN, mid MEDIUMINT,
      f FLOAT, f53 FLOAT(53), d DOUBLE, dp DOUBLE PRECISION, r REAL, amount DECIMAL(12,2), n NUMERIC,
      name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL COMMENT 'the name',
      code CHAR(3), nv NATIONAL VARCHAR(10), body MEDIUMTEXT, lt LONGTEXT, raw BLOB, vb VARBINARY(16),
      created DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), seen TIMESTAMP NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP,
      day DATE, t TIME, y YEAR, doc JSON, status ENUM('new','paid') NOT NULL DEFAULT 'new', tags SET('a','b'), g GEOMETRY,
      PRIMARY KEY (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci AUTO_INCREMENT=100 COMMENT='orders' ROW_FORMAT=DYNAMIC;`);
    const t = table(s, 'orders');
    assert.equal(t.name, 'Orders', 'the name as written, for messages and fixes');
    const type = (c: string) => `${t.columns.get(c)!.type}${t.columns.get(c)!.typeMods.length ? `(${t.columns.get(c)!.typeMods.join(',')})` : ''}`;
    assert.deepEqual(
      ['id', 'big', 'small', 'tiny', 'flag', 'b', 'mid', 'f', 'f53', 'd', 'dp', 'r', 'amount', 'n', 'name', 'code', 'nv', 'body', 'lt', 'raw', 'vb', 'created', 'seen', 'day', 't', 'y', 'doc', 'status', 'tags', 'g'].map(type),
      ['int4', 'int8', 'int2', 'int2', 'bool', 'bool', 'int4', 'float4', 'float8', 'float8', 'float8', 'float8', 'numeric(12,2)', 'numeric(10,0)', 'varchar(255)', 'bpchar(3)', 'varchar(10)', 'text', 'text', 'bytea', 'bytea(16)', 'timestamp(6)', 'timestamptz', 'date', 'time', 'int2', 'json', 'enum', 'set', 'geometry'],
    );
    const id = t.columns.get('id')!;
    assert.equal(id.typeText, 'INT(10) UNSIGNED ZEROFILL');
    assert.deepEqual(id.mysql, { name: 'id', unsigned: true, zerofill: true, autoIncrement: true, displayWidth: 10 });
    assert.equal(id.identity, true, 'AUTO_INCREMENT is read like an identity (int-primary-key, add-column rules)');
    assert.equal(id.hasDefault, true);
    assert.equal(id.notNull, true);
    const name = t.columns.get('name')!;
    assert.equal(name.mysql?.charset, 'utf8mb4');
    assert.equal(name.mysql?.collation, 'utf8mb4_bin');
    assert.equal(name.mysql?.comment, 'the name');
    assert.equal(name.notNull, true);
    const seen = t.columns.get('seen')!;
    assert.equal(seen.notNull, false);
    assert.equal(seen.mysql?.onUpdate, 'CURRENT_TIMESTAMP');
    assert.equal(t.columns.get('created')!.mysql?.default, 'CURRENT_TIMESTAMP(6)');
    assert.deepEqual(t.columns.get('status')!.mysql?.enumValues, ['new', 'paid']);
    assert.equal(t.columns.get('status')!.mysql?.default, "'new'");
    assert.equal(t.columns.get('day')!.hasDefault, false);
    assert.deepEqual(t.mysql, {
      engine: 'InnoDB', charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci',
      options: { ENGINE: 'InnoDB', CHARSET: 'utf8mb4', COLLATE: 'utf8mb4_unicode_ci', AUTO_INCREMENT: '100', COMMENT: 'orders', ROW_FORMAT: 'DYNAMIC' },
    });
  });

  test("integer ranges are MySQL's: TINYINT is 8 bits, MEDIUMINT 24, UNSIGNED doubles the range", () => {
    const s = replayMySql('CREATE TABLE r (a TINYINT, b TINYINT UNSIGNED, c MEDIUMINT, d INT(11) UNSIGNED, e INT, f BIGINT UNSIGNED, g SMALLINT, h VARCHAR(3), i SERIAL);');
    const t = table(s, 'r');
    assert.deepEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((c) => mysqlIntegerMax(t.columns.get(c)!)?.toString()),
      ['127', '255', '8388607', '4294967295', '2147483647', '18446744073709551615', '32767', undefined, '18446744073709551615']);
  });

  test('locations: the column name and the type where they are written in the file', () => {
    const text = '-- header\nCREATE TABLE t (\n  `Amount` DOUBLE NOT NULL\n);';
    const s = replayMySql([['/p/a.sql', text]]);
    const c = table(s, 't').columns.get('amount')!;
    assert.equal(c.name, 'amount', 'column keys and names are lower-case (MySQL compares them without case)');
    assert.equal(c.mysql?.name, 'Amount');
    assert.equal(text.slice(c.loc.start, c.loc.end), '`Amount`');
    assert.equal(text.slice(c.typeLoc.start, c.typeLoc.end), 'DOUBLE');
    assert.equal(c.loc.path, '/p/a.sql');
    const t = table(s, 't');
    assert.equal(text.slice(t.loc.start, t.loc.end), 't');
  });

  test('SERIAL and SERIAL DEFAULT VALUE: BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE', () => {
    const s = replayMySql('CREATE TABLE s (id SERIAL, n INT SERIAL DEFAULT VALUE);');
    const t = table(s, 's');
    const id = t.columns.get('id')!, n = t.columns.get('n')!;
    assert.deepEqual([id.type, id.notNull, id.identity, id.mysql?.unsigned, id.mysql?.autoIncrement], ['int8', true, true, true, true]);
    assert.deepEqual([n.type, n.notNull, n.identity], ['int4', true, true]);
    assert.deepEqual(indexes(s, t), ['id(id) unique', 'n(n) unique']);
  });

  test('generated columns: AS (...) VIRTUAL | STORED | PERSISTENT', () => {
    const s = replayMySql(`CREATE TABLE g (a INT, b INT GENERATED ALWAYS AS (a * 2) STORED, c INT AS (a + 1), d INT AS (a) PERSISTENT, e INT AS (a) VIRTUAL NOT NULL);`);
    const t = table(s, 'g');
    assert.equal(t.columns.get('a')!.generated, false);
    assert.deepEqual(['b', 'c', 'd', 'e'].map((c) => [t.columns.get(c)!.generated, t.columns.get(c)!.hasDefault, t.columns.get(c)!.mysql?.generated]),
      [[true, true, 'stored'], [true, true, 'virtual'], [true, true, 'stored'], [true, true, 'virtual']]);
    assert.equal(t.columns.get('b')!.typeText, 'INT');
  });

  test('inline PRIMARY KEY, UNIQUE, REFERENCES and CHECK on columns', () => {
    const s = replayMySql(`CREATE TABLE p (id BIGINT PRIMARY KEY);
      CREATE TABLE c (id INT KEY AUTO_INCREMENT, email VARCHAR(100) UNIQUE, p_id BIGINT REFERENCES p (id) ON DELETE CASCADE, qty INT CHECK (qty > 0));`);
    const c = table(s, 'c');
    assert.deepEqual(c.primaryKey?.columns, ['id']);
    assert.equal(c.columns.get('id')!.notNull, true);
    assert.deepEqual(indexes(s, c), ['PRIMARY(id) unique', 'email(email) unique', 'p_id(p_id)']);
    assert.equal(ix(s, c, 'PRIMARY').constraint, 'primary');
    assert.equal(ix(s, c, 'email').constraint, 'unique');
    assert.deepEqual(c.foreignKeys.map((f) => [f.name, f.columns, f.refTable, f.refColumns]), [['c_ibfk_1', ['p_id'], 'public.p', ['id']]]);
    assert.deepEqual(c.checks.map((k) => k.text), ['qty > 0']);
  });

  test('table-level PRIMARY KEY, KEY / INDEX, UNIQUE, FULLTEXT, SPATIAL with names, prefixes, order and USING', () => {
    const s = replayMySql(`CREATE TABLE a (
      id INT NOT NULL, name VARCHAR(200), body TEXT, shape GEOMETRY NOT NULL, created DATETIME, code CHAR(2),
      PRIMARY KEY (id),
      KEY idx_name (name(10)),
      INDEX (created DESC, id),
      KEY (created),
      UNIQUE KEY uq_code (code) USING HASH,
      CONSTRAINT uq_name UNIQUE (name),
      UNIQUE INDEX (code, name),
      FULLTEXT KEY ft_body (body),
      SPATIAL INDEX sp (shape)
    );`);
    const t = table(s, 'a');
    assert.deepEqual(indexes(s, t), ['PRIMARY(id) unique', 'idx_name(name)', 'created(created,id)', 'created_2(created)', 'uq_code(code) unique', 'uq_name(name) unique', 'code(code,name) unique', 'ft_body(body)', 'sp(shape)']);
    assert.deepEqual(ix(s, t, 'idx_name').mysql?.prefix, [10]);
    assert.deepEqual(ix(s, t, 'idx_name').keyText, ['name(10)']);
    assert.deepEqual(ix(s, t, 'created').desc, [true, false]);
    assert.equal(ix(s, t, 'uq_code').method, 'hash');
    assert.equal(ix(s, t, 'ft_body').method, 'fulltext');
    assert.equal(ix(s, t, 'sp').method, 'spatial');
    assert.equal(ix(s, t, 'idx_name').method, 'btree');
  });

  test('FOREIGN KEY: named, unnamed (<table>_ibfk_N), and the index InnoDB makes when none serves it', () => {
    const s = replayMySql(`CREATE TABLE users (id INT PRIMARY KEY, org INT, UNIQUE KEY (id, org));
      CREATE TABLE orders (
        id INT PRIMARY KEY, user_id INT, org_id INT, shop_id INT,
        KEY idx_user_org (user_id, org_id),
        CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE ON UPDATE RESTRICT,
        FOREIGN KEY (org_id) REFERENCES users (id),
        CONSTRAINT fk_shop FOREIGN KEY (shop_id) REFERENCES shop.shops (id)
      );`);
    const t = table(s, 'orders');
    assert.deepEqual(t.foreignKeys.map((f) => [f.name, f.columns.join(','), f.refTable, f.refColumns.join(',')]), [
      ['fk_user', 'user_id', 'public.users', 'id'],
      ['orders_ibfk_1', 'org_id', 'public.users', 'id'],
      ['fk_shop', 'shop_id', 'shop.shops', 'id'],
    ]);
    // user_id is served by idx_user_org; org_id and shop_id get an index each, named as the server names them
    assert.deepEqual(indexes(s, t), ['PRIMARY(id) unique', 'idx_user_org(user_id,org_id)', 'org_id(org_id)', 'fk_shop(shop_id)']);
    assert.equal(ix(s, t, 'org_id').mysql?.forForeignKey, true);
    assert.equal(ix(s, t, 'idx_user_org').mysql, undefined);
  });

  test('two foreign keys on the same columns in one statement: the index of the last one is kept', () => {
    const s = replayMySql(`CREATE TABLE p (id INT PRIMARY KEY);
      CREATE TABLE c (q INT, CONSTRAINT fk_a FOREIGN KEY (q) REFERENCES p (id), CONSTRAINT fk_b FOREIGN KEY (q) REFERENCES p (id));`);
    const t = table(s, 'c');
    assert.deepEqual(indexes(s, t), ['fk_b(q)']);
    assert.deepEqual(t.foreignKeys.map((f) => f.name), ['fk_a', 'fk_b']);
  });

  test('CHECK constraints, named and unnamed', () => {
    const s = replayMySql('CREATE TABLE c (a INT, b INT, CONSTRAINT a_pos CHECK (a > 0), CHECK (b < a));');
    assert.deepEqual(table(s, 'c').checks.map((k) => [k.name, k.text]), [['a_pos', 'a > 0'], [undefined, 'b < a']]);
  });

  test('PARTITION BY: the table is partitioned', () => {
    const s = replayMySql(`CREATE TABLE salaries (emp_no INT NOT NULL, from_date DATE NOT NULL, PRIMARY KEY (emp_no, from_date))
      PARTITION BY RANGE (YEAR(from_date)) (PARTITION p01 VALUES LESS THAN (1985), PARTITION p02 VALUES LESS THAN MAXVALUE);`);
    const t = table(s, 'salaries');
    assert.equal(t.partitioned, true);
    assert.deepEqual(cols(t), ['emp_no', 'from_date']);
    assert.deepEqual(t.primaryKey?.columns, ['emp_no', 'from_date']);
  });

  test('CREATE TABLE ... LIKE copies columns, keys and options, not foreign keys', () => {
    const s = replayMySql(`CREATE TABLE p (id INT PRIMARY KEY);
      CREATE TABLE a (id INT PRIMARY KEY, p_id INT, name VARCHAR(20), KEY k_name (name), FOREIGN KEY (p_id) REFERENCES p (id)) ENGINE=MyISAM;
      CREATE TABLE b LIKE a;
      CREATE TABLE c (LIKE a);
      CREATE TABLE d LIKE nowhere;`);
    for (const n of ['b', 'c']) {
      const t = table(s, n);
      assert.deepEqual(cols(t), ['id', 'p_id', 'name']);
      assert.deepEqual(t.primaryKey?.columns, ['id']);
      assert.deepEqual(t.foreignKeys, []);
      assert.deepEqual(indexes(s, t), ['PRIMARY(id) unique', 'k_name(name)', 'p_id(p_id)']);
      assert.equal(t.mysql?.engine, 'MyISAM');
      assert.notEqual(t.columns.get('id'), table(s, 'a').columns.get('id'), 'copies, not shared objects');
    }
    assert.equal(table(s, 'd').columnsUnknown, true, 'LIKE an unknown table: columns unknown');
  });

  test('CREATE TABLE ... AS SELECT: columns from a plain select list, else unknown', () => {
    const s = replayMySql(`CREATE TABLE src (a INT NOT NULL AUTO_INCREMENT PRIMARY KEY, b VARCHAR(5));
      CREATE TABLE t1 AS SELECT a, b AS bee, s.a AS x FROM src s;
      CREATE TABLE t2 SELECT * FROM src;
      CREATE TABLE t3 (id INT PRIMARY KEY) SELECT a FROM src;
      CREATE TABLE t4 AS SELECT a + 1 FROM src;`);
    assert.deepEqual(cols(table(s, 't1')), ['a', 'bee', 'x']);
    // plain columns of the query's one table keep their type and NOT NULL, not AUTO_INCREMENT
    assert.deepEqual([...table(s, 't1').columns.values()].map((c) => [c.type, c.notNull, c.identity, c.mysql?.name]), [['int4', true, false, 'a'], ['varchar', false, false, 'bee'], ['int4', true, false, 'x']]);
    assert.equal(table(s, 't3').columns.get('a')!.type, 'int4');
    assert.equal(table(s, 't1').columnsUnknown, undefined);
    assert.equal(table(s, 't2').columnsUnknown, true);
    assert.deepEqual(cols(table(s, 't3')), ['id', 'a']);
    assert.equal(table(s, 't4').columnsUnknown, true);
  });

  test('IF NOT EXISTS and an existing table: the first definition stays (the server refuses the second)', () => {
    const s = replayMySql('CREATE TABLE t (a INT); CREATE TABLE IF NOT EXISTS t (b INT); CREATE TABLE t (c INT); CREATE OR REPLACE TABLE u (a INT); CREATE OR REPLACE TABLE u (z INT);');
    assert.deepEqual(cols(table(s, 't')), ['a']);
    assert.deepEqual(cols(table(s, 'u')), ['z']);
  });

  test('CREATE TEMPORARY TABLE is marked temporary', () => {
    const s = replayMySql('CREATE TEMPORARY TABLE tmp (a INT);');
    assert.equal(table(s, 'tmp').mysql?.temporary, true);
  });
});

describe('names', () => {
  test('table keys are lower-case; a database qualifier is the schema key, the current database (USE) is public', () => {
    const s = replayMySql(`CREATE TABLE \`Users\` (Id INT PRIMARY KEY);
      CREATE TABLE other.logs (id INT);
      CREATE DATABASE shop; USE shop;
      CREATE TABLE shop.items (id INT);
      ALTER TABLE USERS ADD COLUMN Email VARCHAR(10);`);
    assert.deepEqual([...s.tables.keys()], ['public.users', 'other.logs', 'public.items']);
    const u = table(s, 'users');
    assert.equal(u.name, 'Users');
    assert.deepEqual(cols(u), ['id', 'email']);
    assert.equal(u.columns.get('email')!.mysql?.name, 'Email');
    assert.equal(table(s, 'other.logs').schema, 'other');
    assert.ok(s.namespaces.has('shop'));
  });
});

describe('ALTER TABLE', () => {
  const base = 'CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, a INT, b VARCHAR(10), c INT, KEY k_ab (a, b));\n';

  test('ADD [COLUMN]: single, parenthesised list, FIRST / AFTER, IF NOT EXISTS', () => {
    const s = replayMySql(base + `ALTER TABLE t ADD COLUMN d INT NOT NULL DEFAULT 0;
      ALTER TABLE t ADD e INT FIRST, ADD COLUMN f INT AFTER a;
      ALTER TABLE t ADD (g INT, h TEXT);
      ALTER TABLE t ADD COLUMN IF NOT EXISTS a BIGINT;`);
    const t = table(s, 't');
    assert.deepEqual(cols(t), ['e', 'id', 'a', 'f', 'b', 'c', 'd', 'g', 'h']);
    assert.equal(t.columns.get('a')!.type, 'int4', 'IF NOT EXISTS keeps the existing column');
    assert.equal(t.columns.get('d')!.hasDefault, true);
    assert.equal(t.columns.get('d')!.notNull, true);
  });

  test('ADD INDEX / KEY / UNIQUE / PRIMARY KEY / FOREIGN KEY / CONSTRAINT / CHECK', () => {
    const s = replayMySql(`CREATE TABLE p (id INT PRIMARY KEY);
      CREATE TABLE t (id INT, p_id INT, code VARCHAR(5), body TEXT);
      ALTER TABLE t ADD PRIMARY KEY (id), ADD INDEX idx_code (code), ADD UNIQUE KEY uq (code, id), ADD FULLTEXT (body);
      ALTER TABLE t ADD CONSTRAINT fk_p FOREIGN KEY (p_id) REFERENCES p (id), ADD CONSTRAINT ck CHECK (id > 0), ADD KEY (p_id, code);`);
    const t = table(s, 't');
    assert.deepEqual(t.primaryKey?.columns, ['id']);
    assert.equal(t.columns.get('id')!.notNull, true);
    // (p_id, code) can serve fk_p, so the index the server made for fk_p is dropped when it is added
    assert.deepEqual(indexes(s, t), ['PRIMARY(id) unique', 'idx_code(code)', 'uq(code,id) unique', 'body(body)', 'p_id(p_id,code)']);
    assert.deepEqual(t.foreignKeys.map((f) => f.name), ['fk_p']);
    assert.deepEqual(t.checks.map((c) => c.name), ['ck']);
  });

  test('DROP [COLUMN], DROP INDEX / KEY, DROP PRIMARY KEY, DROP FOREIGN KEY, DROP CONSTRAINT, DROP CHECK', () => {
    const s = replayMySql(`CREATE TABLE p (id INT PRIMARY KEY);
      CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, c INT, p_id INT, KEY k_ab (a, b), KEY k_c (c), UNIQUE KEY uq_b (b),
        CONSTRAINT fk_p FOREIGN KEY (p_id) REFERENCES p (id), CONSTRAINT ck CHECK (a > 0), CONSTRAINT ck2 CHECK (c > 0));
      ALTER TABLE t DROP COLUMN a;
      ALTER TABLE t DROP INDEX k_c, DROP KEY IF EXISTS nope;
      ALTER TABLE t DROP PRIMARY KEY;
      ALTER TABLE t DROP FOREIGN KEY fk_p;
      ALTER TABLE t DROP CONSTRAINT uq_b, DROP CHECK ck2, DROP CONSTRAINT ck;
      ALTER TABLE t DROP c;`);
    const t = table(s, 't');
    assert.deepEqual(cols(t), ['id', 'b', 'p_id']);
    // a dropped column leaves the indexes it was part of; InnoDB's index for fk_p stays after the key goes
    assert.deepEqual(indexes(s, t), ['k_ab(b)', 'fk_p(p_id)']);
    assert.equal(t.primaryKey, undefined);
    assert.deepEqual(t.foreignKeys, []);
    assert.deepEqual(t.checks, []);
  });

  test('the server refuses: dropping a foreign key column or the only index of a foreign key changes nothing', () => {
    const s = replayMySql(`CREATE TABLE p (id INT PRIMARY KEY);
      CREATE TABLE t (id INT PRIMARY KEY, p_id INT, KEY k (p_id), FOREIGN KEY (p_id) REFERENCES p (id));
      ALTER TABLE t DROP INDEX k;
      ALTER TABLE t DROP COLUMN p_id;`);
    const t = table(s, 't');
    assert.deepEqual(cols(t), ['id', 'p_id']);
    assert.deepEqual(indexes(s, t), ['PRIMARY(id) unique', 'k(p_id)']);
  });

  test('MODIFY redefines a column in place (attributes not written are gone)', () => {
    const s = replayMySql(base + `ALTER TABLE t MODIFY a BIGINT UNSIGNED NOT NULL COMMENT 'x';
      ALTER TABLE t MODIFY COLUMN id BIGINT NOT NULL AUTO_INCREMENT;
      ALTER TABLE t MODIFY c INT AFTER id;`);
    const t = table(s, 't');
    assert.deepEqual(cols(t), ['id', 'c', 'a', 'b']);
    const a = t.columns.get('a')!;
    assert.equal(a.type, 'int8');
    assert.equal(a.typeText, 'BIGINT UNSIGNED');
    assert.equal(a.notNull, true);
    assert.equal(a.mysql?.unsigned, true);
    assert.equal(t.columns.get('id')!.type, 'int8');
    assert.equal(t.columns.get('id')!.identity, true);
    assert.deepEqual(ix(s, t, 'k_ab').columns, ['a', 'b']);
    // typeLoc points at the new type
    const stmts = mysqlStatements(base + 'ALTER TABLE t MODIFY a BIGINT;');
    const s2 = new Schema();
    for (const st of stmts) applyMySqlStatement(s2, st);
    const c = table(s2, 't').columns.get('a')!;
    assert.equal(stmts[1].file.text.slice(c.typeLoc.start, c.typeLoc.end), 'BIGINT');
  });

  test('CHANGE old new def renames and redefines; the rename is recorded and followed by keys', () => {
    const s = replayMySql(`CREATE TABLE p (id INT PRIMARY KEY);
      CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, KEY k_ab (a, b), CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id));
      CREATE TABLE r (id INT, t_id INT, FOREIGN KEY (t_id) REFERENCES t (id));
      ALTER TABLE t CHANGE a alpha BIGINT NOT NULL;
      ALTER TABLE t CHANGE COLUMN id ident INT NOT NULL;`);
    const t = table(s, 't');
    assert.deepEqual(cols(t), ['ident', 'alpha', 'b']);
    assert.equal(t.columns.get('alpha')!.type, 'int8');
    assert.deepEqual(ix(s, t, 'k_ab').columns, ['alpha', 'b']);
    assert.deepEqual(t.foreignKeys[0].columns, ['alpha']);
    assert.deepEqual(t.primaryKey?.columns, ['ident']);
    assert.deepEqual(table(s, 'r').foreignKeys[0].refColumns, ['ident'], 'references from other tables follow the rename');
    assert.deepEqual(s.renames.map((r) => [r.kind, r.from, r.to]), [['column', 'a', 'alpha'], ['column', 'id', 'ident']]);
  });

  test('RENAME COLUMN a TO b, RENAME INDEX / KEY a TO b, RENAME [TO | AS] t', () => {
    const s = replayMySql(`CREATE TABLE p (id INT PRIMARY KEY);
      CREATE TABLE t (id INT PRIMARY KEY, a INT, KEY k_a (a), FOREIGN KEY (a) REFERENCES p (id));
      CREATE TABLE r (t_id INT, FOREIGN KEY (t_id) REFERENCES t (id));
      ALTER TABLE t RENAME COLUMN a TO b;
      ALTER TABLE t RENAME INDEX k_a TO k_b;
      ALTER TABLE t RENAME TO t2;
      ALTER TABLE t2 RENAME AS t3, ADD COLUMN c INT;`);
    assert.equal(s.tables.has('public.t'), false);
    const t = table(s, 't3');
    assert.deepEqual(cols(t), ['id', 'b', 'c']);
    assert.deepEqual(indexes(s, t), ['PRIMARY(id) unique', 'k_b(b)']);
    assert.deepEqual(t.foreignKeys.map((f) => [f.name, f.columns]), [['t3_ibfk_1', ['b']]], 'the server renames the foreign keys it named');
    assert.equal(table(s, 'r').foreignKeys[0].refTable, 'public.t3');
    assert.deepEqual(s.renames.map((r) => [r.kind, r.from, r.to]), [['column', 'a', 'b'], ['relation', 't', 't2'], ['relation', 't2', 't3']]);
  });

  test('ALTER COLUMN SET DEFAULT / DROP DEFAULT', () => {
    const s = replayMySql(base + "ALTER TABLE t ALTER COLUMN a SET DEFAULT 5, ALTER b SET DEFAULT 'x';\nALTER TABLE t ALTER COLUMN a DROP DEFAULT;");
    const t = table(s, 't');
    assert.equal(t.columns.get('a')!.hasDefault, false);
    assert.equal(t.columns.get('b')!.hasDefault, true);
    assert.equal(t.columns.get('b')!.mysql?.default, "'x'");
  });

  test('CONVERT TO CHARACTER SET, ENGINE=, DEFAULT CHARSET=, ALGORITHM= / LOCK= options', () => {
    const s = replayMySql(base + `ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci, ALGORITHM=COPY, LOCK=SHARED;
      ALTER TABLE t ENGINE=MyISAM;`);
    const t = table(s, 't');
    assert.equal(t.mysql?.charset, 'utf8mb4');
    assert.equal(t.mysql?.collation, 'utf8mb4_unicode_ci');
    assert.equal(t.columns.get('b')!.mysql?.charset, 'utf8mb4');
    assert.equal(t.columns.get('a')!.mysql?.charset, undefined, 'an INT has no character set');
    assert.equal(t.mysql?.engine, 'MyISAM');
    assert.equal(t.mysql?.options?.ALGORITHM, 'COPY');
    assert.equal(t.mysql?.options?.LOCK, 'SHARED');
    const d = readMySqlDdl('ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INPLACE, LOCK=NONE');
    assert.deepEqual(d?.kind === 'alter-table' && d.actions.map((a) => a.kind), ['add-columns', 'options']);
  });

  test("MariaDB's IF [NOT] EXISTS on columns, indexes and keys", () => {
    const s = replayMySql(base + `ALTER TABLE t ADD COLUMN IF NOT EXISTS b INT, ADD COLUMN IF NOT EXISTS z INT, DROP COLUMN IF EXISTS nope, DROP INDEX IF EXISTS nope, ADD INDEX IF NOT EXISTS k_ab (c);
      ALTER TABLE IF EXISTS missing ADD COLUMN q INT;`);
    const t = table(s, 't');
    assert.deepEqual(cols(t), ['id', 'a', 'b', 'c', 'z']);
    assert.equal(t.columns.get('b')!.type, 'varchar');
    assert.deepEqual(ix(s, t, 'k_ab').columns, ['a', 'b']);
    assert.equal(s.tables.has('public.missing'), false);
  });

  test('PARTITION BY on ALTER, REMOVE PARTITIONING', () => {
    const s = replayMySql(base + 'ALTER TABLE t PARTITION BY HASH (id) PARTITIONS 4;');
    assert.equal(table(s, 't').partitioned, true);
    replayMySql('ALTER TABLE t REMOVE PARTITIONING;', s);
    assert.equal(table(s, 't').partitioned, false);
  });

  test('an unknown clause is skipped to the next comma; the other actions apply', () => {
    const s = replayMySql(base + 'ALTER TABLE t FROBNICATE (x, y) WITH 3, ADD COLUMN z INT, ORDER BY a, ADD KEY (z);');
    const t = table(s, 't');
    assert.ok(t.columns.has('z'));
    assert.deepEqual(ix(s, t, 'z').columns, ['z']);
  });
});

describe('CREATE / DROP INDEX, DROP / RENAME / TRUNCATE TABLE', () => {
  test('CREATE [UNIQUE | FULLTEXT | SPATIAL] INDEX ... ON t (...) with prefix lengths and ASC / DESC', () => {
    const s = replayMySql(`CREATE TABLE t (a VARCHAR(100), b INT, doc TEXT, g POINT NOT NULL);
      CREATE INDEX i_a ON t (a(20) ASC, b DESC) USING BTREE ALGORITHM=INPLACE LOCK=NONE;
      CREATE UNIQUE INDEX u_b ON t (b);
      CREATE FULLTEXT INDEX f_doc ON t (doc);
      CREATE SPATIAL INDEX s_g ON t (g);
      CREATE INDEX IF NOT EXISTS u_b ON t (a);`);
    const t = table(s, 't');
    assert.deepEqual(indexes(s, t), ['i_a(a,b)', 'u_b(b) unique', 'f_doc(doc)', 's_g(g)']);
    const i = ix(s, t, 'i_a');
    assert.deepEqual(i.mysql?.prefix, [20, undefined]);
    assert.deepEqual(i.desc, [false, true]);
    assert.deepEqual(i.keyText, ['a(20) ASC', 'b DESC']);
    assert.equal(ix(s, t, 'u_b').constraint, undefined, 'CREATE UNIQUE INDEX is an index, not a constraint');
    assert.equal(ix(s, t, 'f_doc').method, 'fulltext');
    assert.equal(ix(s, t, 's_g').method, 'spatial');
    assert.equal(s.indexes.has(mysqlIndexKey('public.t', 'U_B')), true, 'index keys are lower-case, per table');
  });

  test('index names are per table: two tables may each have an index named the same', () => {
    const s = replayMySql('CREATE TABLE a (x INT, KEY idx (x)); CREATE TABLE b (x INT, KEY idx (x)); DROP INDEX idx ON a;');
    assert.deepEqual(indexes(s, table(s, 'a')), []);
    assert.deepEqual(indexes(s, table(s, 'b')), ['idx(x)']);
  });

  test('DROP TABLE [IF EXISTS] a, b drops their indexes too', () => {
    const s = replayMySql('CREATE TABLE a (x INT, KEY k (x)); CREATE TABLE b (y INT); CREATE TABLE c (z INT); DROP TABLE IF EXISTS a, b, nope;');
    assert.deepEqual([...s.tables.keys()], ['public.c']);
    assert.equal(s.indexes.size, 0);
  });

  test('RENAME TABLE a TO b, c TO d (a swap through a temporary name works)', () => {
    const s = replayMySql(`CREATE TABLE a (x INT, KEY k (x)); CREATE TABLE c (y INT);
      RENAME TABLE a TO b, c TO d;
      RENAME TABLE b TO tmp, d TO b, tmp TO d;`);
    assert.deepEqual(cols(table(s, 'b')), ['y']);
    assert.deepEqual(cols(table(s, 'd')), ['x']);
    assert.deepEqual(indexes(s, table(s, 'd')), ['k(x)']);
    assert.equal(s.renames.length, 5);
  });

  test('TRUNCATE changes nothing; it is read', () => {
    const s = replayMySql('CREATE TABLE a (x INT); TRUNCATE TABLE a; TRUNCATE a;');
    assert.deepEqual(cols(table(s, 'a')), ['x']);
    assert.deepEqual(readMySqlDdl('TRUNCATE TABLE `db`.`a`'), { kind: 'truncate', table: { schema: 'db', name: 'a', start: 15, end: 23 } });
  });
});

describe('views', () => {
  test('CREATE [OR REPLACE] VIEW: columns of a plain select list, a column list, else columnsUnknown', () => {
    const s = replayMySql(`CREATE TABLE e (id INT, name VARCHAR(10), dept INT);
      CREATE ALGORITHM=UNDEFINED DEFINER=\`root\`@\`localhost\` SQL SECURITY DEFINER VIEW v1 AS SELECT e.id, name AS n, COUNT(*) cnt FROM e GROUP BY e.id, name;
      CREATE VIEW v2 (a, b) AS SELECT id, name FROM e;
      CREATE VIEW v3 AS SELECT * FROM e;
      CREATE VIEW v4 AS SELECT id + 1 FROM e;
      CREATE VIEW v5 AS SELECT id FROM e UNION SELECT dept FROM e;
      CREATE OR REPLACE VIEW v1 AS SELECT id FROM e;`);
    assert.equal(table(s, 'v1').kind, 'view');
    assert.deepEqual(cols(table(s, 'v1')), ['id'], 'OR REPLACE replaces');
    assert.deepEqual(cols(table(s, 'v2')), ['a', 'b']);
    for (const v of ['v3', 'v4', 'v5']) assert.equal(table(s, v).columnsUnknown, true, v);
    assert.equal(table(s, 'v2').columnsUnknown, undefined);
    const d = readMySqlDdl("CREATE VIEW v AS SELECT e.id, name AS n, COUNT(*) cnt, CASE WHEN x THEN 1 END AS c, `q` FROM e");
    assert.deepEqual(d?.kind === 'create-view' && d.selectColumns, ['id', 'n', 'cnt', 'c', 'q']);
    const d2 = readMySqlDdl('CREATE VIEW v AS SELECT a AND b FROM e');
    assert.equal(d2?.kind === 'create-view' && d2.selectColumns, undefined, '`a AND b` has no alias');
  });

  test('DROP VIEW drops views only; ALTER VIEW replaces', () => {
    const s = replayMySql('CREATE TABLE t (a INT); CREATE VIEW v AS SELECT a FROM t; ALTER VIEW v AS SELECT a AS b FROM t; DROP VIEW IF EXISTS t;');
    assert.deepEqual(cols(table(s, 'v')), ['b']);
    assert.ok(s.tables.has('public.t'));
    replayMySql('DROP VIEW v;', s);
    assert.equal(s.tables.has('public.v'), false);
  });
});

describe('procedures, functions, triggers, events, dynamic SQL', () => {
  test('a procedure that alters tables: its DDL is replayed when it is CALLed, not before', () => {
    const text = `CREATE TABLE t (id INT);
DELIMITER $$
CREATE PROCEDURE add_col()
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'x') THEN
    ALTER TABLE t ADD COLUMN x INT NOT NULL DEFAULT 0;
    CREATE INDEX idx_x ON t (x);
  END IF;
END$$
DELIMITER ;
`;
    const s = replayMySql(text);
    assert.deepEqual(cols(table(s, 't')), ['id']);
    assert.ok(s.ddlFunctions.has('add_col'));
    replayMySql([['/project/call.sql', 'CALL add_col();\nDROP PROCEDURE add_col;\nALTER TABLE t DROP COLUMN x, DROP INDEX idx_x;\nCALL add_col();']], s);
    assert.deepEqual(cols(table(s, 't')), ['id'], 'a CALL after DROP PROCEDURE runs nothing');
    const again = text.replace('CREATE TABLE t (id INT);', '') + 'CALL add_col();';
    replayMySql(again, s);
    const t = table(s, 't');
    assert.deepEqual(cols(t), ['id', 'x']);
    assert.deepEqual(indexes(s, t), ['idx_x(x)']);
    const x = t.columns.get('x')!;
    assert.equal(x.loc.path, '/project/schema.sql', 'located where it was written, in the procedure body');
    assert.equal(again.slice(x.loc.start, x.loc.end), 'x');
    assert.equal(s.gaps.size, 0);
  });

  test('a procedure running dynamic SQL (PREPARE / EXECUTE) opens a gap when called', () => {
    const s = replayMySql(`CREATE TABLE t (id INT);
DELIMITER //
CREATE PROCEDURE dyn(IN c VARCHAR(64))
BEGIN
  SET @s = CONCAT('ALTER TABLE t ADD COLUMN ', c, ' INT');
  PREPARE st FROM @s; EXECUTE st; DEALLOCATE PREPARE st;
END//
DELIMITER ;`);
    assert.equal(s.gaps.size, 0);
    replayMySql("CALL dyn('y');", s);
    assert.ok(s.gaps.has('*'));
  });

  test('top-level PREPARE of a string built at run time opens a gap', () => {
    const s = replayMySql("SET @q = 'ALTER TABLE t ADD c INT'; PREPARE st FROM @q; EXECUTE st;");
    assert.ok(s.gaps.has('*'));
    const s2 = replayMySql("PREPARE st FROM 'SELECT 1'; EXECUTE st;");
    assert.equal(s2.gaps.size, 0);
  });

  test('functions and triggers are not tables and change none; an event with DDL opens a gap', () => {
    const s = replayMySql(`CREATE TABLE t (id INT, n INT);
DELIMITER ;;
CREATE DEFINER=\`root\`@\`%\` FUNCTION f(x INT) RETURNS INT DETERMINISTIC BEGIN RETURN x + 1; END;;
CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.n = f(NEW.id); END;;
DELIMITER ;
CREATE EVENT ev ON SCHEDULE EVERY 1 DAY DO ALTER TABLE t ADD COLUMN z INT;`);
    assert.deepEqual([...s.tables.keys()], ['public.t']);
    assert.deepEqual(cols(table(s, 't')), ['id', 'n']);
    assert.ok(s.gaps.has('*'));
  });

  test("MariaDB's BEGIN NOT ATOMIC block runs at once: its DDL is replayed", () => {
    const s = replayMySql(`CREATE TABLE t (id INT);
DELIMITER $$
BEGIN NOT ATOMIC
  IF (SELECT COUNT(*) FROM information_schema.columns WHERE column_name = 'y') = 0 THEN
    ALTER TABLE t ADD y INT;
  END IF;
END $$
DELIMITER ;`);
    assert.deepEqual(cols(table(s, 't')), ['id', 'y']);
  });
});

describe('robustness', () => {
  test('not DDL: undefined; odd or truncated DDL: no throw, nothing invented', () => {
    assert.equal(readMySqlDdl('SELECT 1'), undefined);
    assert.equal(readMySqlDdl('INSERT INTO t VALUES (1)'), undefined);
    assert.equal(readMySqlDdl(''), undefined);
    const s = new Schema();
    const faults = replayFaults.count;
    for (const text of ['CREATE TABLE', 'CREATE TABLE t (', 'CREATE TABLE t (a', 'CREATE TABLE t (a INT,', 'ALTER TABLE', 'ALTER TABLE t ADD', 'ALTER TABLE t MODIFY',
      'CREATE INDEX i ON', 'DROP INDEX', 'RENAME TABLE a TO', 'CREATE TABLE t (a ENUM(', "CREATE TABLE t (a INT DEFAULT 'x", 'CREATE TABLE t (KEY (', ')))', 'CREATE VIEW v AS',
      'CREATE TABLE t (a INT) ENGINE=', 'ALTER TABLE t CHANGE a', 'CREATE TABLE `x', 'ALTER TABLE t ADD CONSTRAINT FOREIGN KEY (a) REFERENCES']) {
      assert.doesNotThrow(() => readMySqlDdl(text), text);
      for (const st of mysqlStatements(text)) assert.doesNotThrow(() => applyMySqlStatement(s, st), text);
    }
    // nothing invented from keywords or half-read text; an unclosed definition does not claim to know every column
    assert.deepEqual([...s.tables.keys()], ['public.t', 'public.v', 'public.x']);
    assert.deepEqual(cols(table(s, 't')), []);
    assert.equal(table(s, 't').columnsUnknown, true);
    assert.equal(table(s, 'v').columnsUnknown, true);
    assert.equal(s.indexes.size, 0);
    assert.equal(replayFaults.count, faults, `no exception was caught on the way: ${replayFaults.last}`);
  });

  test('a CREATE TABLE the reader cannot follow opens a gap', () => {
    const s = replayMySql('CREATE TABLE (broken');
    assert.ok(s.gaps.has('*'));
  });

  test('a key on a column the table does not have is refused, as the server does', () => {
    const s = replayMySql('CREATE TABLE t (a INT); CREATE INDEX i ON t (nope); ALTER TABLE t ADD KEY (a, nope);');
    assert.deepEqual(indexes(s, table(s, 't')), []);
  });
});

describe('executable comments by server', () => {
  test('MySQL runs /*!NNNNN */ up to its version; MariaDB skips MySQL 5.7+ ones and runs /*M! */', () => {
    const text = 'CREATE TABLE t (id INT /*!50705 , a INT */ /*!40101 , b INT */ /*M!100100 , c INT */)';
    assert.deepEqual(cols(table(replayMySql(text, new Schema(), 'mysql'), 't')), ['id', 'a', 'b']);
    assert.deepEqual(cols(table(replayMySql(text, new Schema(), 'mariadb'), 't')), ['id', 'b', 'c']);
    assert.equal(versionedCommentsFor(text, 'mariadb').length, text.length, 'offsets are kept');
  });
});
