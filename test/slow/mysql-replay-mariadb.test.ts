// The MySQL replay against a real server: real projects of ../shared/corpus/mysql are replayed into
// our schema model and, by the `mariadb` client, into a throwaway MariaDB (its own data directory
// under a temp folder, its own socket, no network; stopped and removed afterwards); then tables,
// columns (name, nullability, base type, unsigned, auto_increment), primary keys, indexes (name,
// columns, unique) and foreign keys are compared with information_schema. Skipped when mariadbd or
// the corpus is absent.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CORPUS } from '../helpers';
import { replayMySql } from '../mysql-replay-helpers';
import { mysqlCanonicalType } from '../../server/src/dialects/mysql/replay';
import type { Schema } from '../../server/src/schema';

const MY = path.join(CORPUS, 'mysql');
const which = (b: string) => spawnSync('sh', ['-c', `command -v ${b}`], { encoding: 'utf8' }).stdout.trim();
const MARIADBD = which('mariadbd') || (fs.existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : '');
const CLIENT = which('mariadb');
const INSTALL = which('mariadb-install-db');
const skip = !fs.existsSync(MY) ? `corpus not found at ${MY}` : !MARIADBD || !CLIENT || !INSTALL ? 'mariadbd, mariadb or mariadb-install-db not installed' : false;

/** The migrations of a folder in the project's order: ory's `<timestamp>_name.mysql.up.sql`. */
function oryUps(folder: string): string[] {
  const dir = path.join(MY, folder);
  const ts = (f: string) => /_(\d{14,})_/.exec(f)?.[1] ?? '';
  return fs.readdirSync(dir).filter((f) => f.endsWith('.mysql.up.sql')).sort((a, b) => ts(a).localeCompare(ts(b)) || a.localeCompare(b)).map((f) => path.join(dir, f));
}

// hydra's corpus files lack the project's first migrations (hydra_client and others are created in
// files that are not MySQL-specific): its tables reference tables that do not exist, which the server
// refuses unless foreign_key_checks is off, as the model does not check it.
const FORMS = `
CREATE TABLE p (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, code CHAR(3) NOT NULL, UNIQUE KEY (code));
CREATE TABLE s (id SERIAL, n INT SERIAL DEFAULT VALUE, flag TINYINT(1) NOT NULL DEFAULT 0, b BOOL);
CREATE TABLE c (
  id BIGINT NOT NULL AUTO_INCREMENT, p_id INT UNSIGNED REFERENCES p (id), q_id INT UNSIGNED, name VARCHAR(100), body TEXT,
  total DECIMAL(12,2), ratio FLOAT, at DATETIME, ts TIMESTAMP NULL, doc JSON, kind ENUM('a','b') NOT NULL DEFAULT 'a',
  gen INT AS (p_id + 1) VIRTUAL,
  PRIMARY KEY (id), KEY (name(10)), KEY (name, id), FULLTEXT KEY ft (body),
  CONSTRAINT fk_q FOREIGN KEY (q_id) REFERENCES p (id) ON DELETE CASCADE, FOREIGN KEY fk_named (q_id) REFERENCES p (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
ALTER TABLE c ADD COLUMN a1 INT FIRST, ADD COLUMN a2 INT AFTER name, ADD (a3 INT, a4 INT NOT NULL DEFAULT 1);
ALTER TABLE c MODIFY a1 BIGINT UNSIGNED NOT NULL, CHANGE a2 a2_new SMALLINT, RENAME COLUMN a3 TO a3_new;
ALTER TABLE c ADD INDEX i_a (a1, a4), ADD UNIQUE (a3_new), DROP INDEX name_2, RENAME INDEX ft TO ft2;
ALTER TABLE c DROP FOREIGN KEY fk_q, DROP COLUMN a4;
ALTER TABLE c ALTER COLUMN kind SET DEFAULT 'b', CONVERT TO CHARACTER SET utf8mb4, ALGORITHM=COPY;
CREATE TABLE c2 LIKE c;
CREATE TABLE d (id INT PRIMARY KEY, c_id BIGINT, CONSTRAINT fk_c FOREIGN KEY (c_id) REFERENCES c (id));
CREATE INDEX i_d ON d (c_id, id);
RENAME TABLE d TO d2;
ALTER TABLE d2 RENAME TO d3, ADD COLUMN z INT;
CREATE TABLE e (id INT NOT NULL, other INT UNSIGNED, KEY (other));
ALTER TABLE e ADD PRIMARY KEY (id), ADD CONSTRAINT FOREIGN KEY (other) REFERENCES p (id);
ALTER TABLE e DROP PRIMARY KEY;
CREATE TABLE f (a INT, b INT, c INT, KEY k_abc (a, b, c), KEY k_c (c));
ALTER TABLE f DROP COLUMN b, DROP COLUMN c;
CREATE TABLE g AS SELECT id, code AS k FROM p;
DROP TABLE IF EXISTS nope, s;
`;

const PROJECTS: { name: string; files: () => string[]; init?: string }[] = [
  // written into the server's temp folder, removed with it
  { name: 'forms', files: () => { const f = path.join(dir, 'forms.sql'); fs.writeFileSync(f, FORMS); return [f]; } },
  { name: 'sakila', files: () => [path.join(MY, 'datacharmer+test_db', 'sakila_sakila-mv-schema.sql')] },
  { name: 'employees', files: () => ['employees.sql', 'objects.sql'].map((f) => path.join(MY, 'datacharmer+test_db', f)) },
  { name: 'employees_partitioned', files: () => [path.join(MY, 'datacharmer+test_db', 'employees_partitioned.sql')] },
  { name: 'kratos', files: () => oryUps('ory+kratos') },
  { name: 'hydra', files: () => oryUps('ory+hydra'), init: 'SET foreign_key_checks = 0' },
  { name: 'apollo_config', files: () => [path.join(MY, 'apolloconfig+apollo', 'scripts_sql_profiles_mysql-default_apolloconfigdb.sql')] },
  { name: 'apollo_portal', files: () => [path.join(MY, 'apolloconfig+apollo', 'scripts_sql_profiles_mysql-default_apolloportaldb.sql')] },
];

let dir = '';
let server: ChildProcess | undefined;
const sock = () => path.join(dir, 'sock');

function sql(query: string, db = ''): string[][] {
  const r = spawnSync(CLIENT, ['--no-defaults', '-S', sock(), '-uroot', '--batch', '--skip-column-names', '--raw', ...(db ? [db] : []), '-e', query], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`mariadb: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}

/** Feeds files to the server as `mariadb --force db < file` (errors reported, not fatal, as a migration run would go on). */
function feed(files: string[], db: string, init?: string): void {
  for (const f of files) {
    spawnSync(CLIENT, ['--no-defaults', '-S', sock(), '-uroot', '--force', ...(init ? [`--init-command=${init}`] : []), db], { input: fs.readFileSync(f), cwd: path.dirname(f), timeout: 120_000 });
  }
}

interface Facts {
  tables: Set<string>;
  columns: Map<string, { nullable: boolean; type: string; unsigned: boolean; ai: boolean }>;
  pks: Map<string, string>;
  indexes: Map<string, { columns: string; unique: boolean }>;
  fks: Map<string, { columns: string; ref: string; refColumns: string }>;
}

/** The server's facts about the databases the project made, keyed as our model keys them. */
function serverFacts(dbs: string[], ours: Schema): Facts {
  const inList = dbs.map((d) => `'${d}'`).join(',');
  const key = (db: string, t: string) => {
    const q = `${db.toLowerCase()}.${t.toLowerCase()}`;
    return ours.tables.has(q) ? q : `public.${t.toLowerCase()}`;
  };
  const f: Facts = { tables: new Set(), columns: new Map(), pks: new Map(), indexes: new Map(), fks: new Map() };
  for (const [db, t] of sql(`SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN (${inList}) AND table_type = 'BASE TABLE'`)) f.tables.add(key(db, t));
  for (const [db, t, c, nullable, dataType, columnType, extra] of sql(`SELECT table_schema, table_name, column_name, is_nullable, data_type, column_type, extra FROM information_schema.columns c WHERE table_schema IN (${inList}) AND EXISTS (SELECT 1 FROM information_schema.tables x WHERE x.table_schema = c.table_schema AND x.table_name = c.table_name AND x.table_type = 'BASE TABLE')`)) {
    const args = (/\(([\d,\s]+)\)/.exec(columnType)?.[1] ?? '').split(',').filter((s) => s.trim()).map(Number);
    f.columns.set(`${key(db, t)}.${c.toLowerCase()}`, {
      nullable: nullable === 'YES', type: mysqlCanonicalType({ baseType: dataType.toLowerCase(), typeArgs: args }).type,
      unsigned: /unsigned/i.test(columnType), ai: /auto_increment/i.test(extra),
    });
  }
  const ix = new Map<string, { cols: string[]; unique: boolean }>();
  for (const [db, t, name, nonUnique, col] of sql(`SELECT table_schema, table_name, index_name, non_unique, column_name FROM information_schema.statistics WHERE table_schema IN (${inList}) ORDER BY table_schema, table_name, index_name, seq_in_index`)) {
    const k = `${key(db, t)}.${name.toLowerCase()}`;
    if (!ix.has(k)) ix.set(k, { cols: [], unique: nonUnique === '0' });
    ix.get(k)!.cols.push(col.toLowerCase());
    if (name === 'PRIMARY') f.pks.set(key(db, t), ix.get(k)!.cols.join(','));
  }
  for (const [k, v] of ix) f.indexes.set(k, { columns: v.cols.join(','), unique: v.unique });
  const fk = new Map<string, { cols: string[]; ref: string; refCols: string[] }>();
  for (const [db, t, name, col, rdb, rt, rcol] of sql(`SELECT table_schema, table_name, constraint_name, column_name, referenced_table_schema, referenced_table_name, referenced_column_name FROM information_schema.key_column_usage WHERE table_schema IN (${inList}) AND referenced_table_name IS NOT NULL ORDER BY table_schema, table_name, constraint_name, ordinal_position`)) {
    const k = `${key(db, t)}.${name.toLowerCase()}`;
    if (!fk.has(k)) fk.set(k, { cols: [], ref: key(rdb, rt), refCols: [] });
    fk.get(k)!.cols.push(col.toLowerCase());
    fk.get(k)!.refCols.push(rcol.toLowerCase());
  }
  for (const [k, v] of fk) f.fks.set(k, { columns: v.cols.join(','), ref: v.ref, refColumns: v.refCols.join(',') });
  return f;
}

function ourFacts(s: Schema): Facts {
  const f: Facts = { tables: new Set(), columns: new Map(), pks: new Map(), indexes: new Map(), fks: new Map() };
  for (const t of s.tables.values()) {
    if (t.kind !== 'table' || t.mysql?.temporary) continue;
    f.tables.add(t.key);
    for (const c of t.columns.values()) {
      f.columns.set(`${t.key}.${c.name}`, { nullable: !c.notNull, type: c.type, unsigned: !!c.mysql?.unsigned, ai: !!c.mysql?.autoIncrement });
    }
    if (t.primaryKey) f.pks.set(t.key, t.primaryKey.columns.join(','));
    for (const ix of s.indexesOf(t)) f.indexes.set(`${t.key}.${ix.name.toLowerCase()}`, { columns: ix.columns.map((c) => c ?? '?').join(','), unique: ix.unique });
    for (const fk of t.foreignKeys) f.fks.set(`${t.key}.${(fk.name ?? '?').toLowerCase()}`, { columns: fk.columns.join(','), ref: fk.refTable, refColumns: fk.refColumns.join(',') });
  }
  return f;
}

/** MariaDB's JSON is LONGTEXT with a check; SERIAL is BIGINT UNSIGNED. */
const sameType = (a: string, b: string) => a === b || (a === 'json' && b === 'text') || (a === 'text' && b === 'json');

/**
 * Differences that are MariaDB's, not the model's: the model follows MySQL 8 there (the file is a
 * MySQL migration) and the reason is given.
 */
const EXPECTED = new Map<string, string>([
  ['kratos: index public.identity_pending_traits_changes.identity_pending_traits_changes_nid_identity_pending_idx: in the model, not on the server',
    'MariaDB refuses an index on a virtual column whose expression is a CASE (error 1901); MySQL 8 accepts it'],
]);

interface Tally { matched: number; total: number; diffs: string[] }

function compare<T>(what: string, ours: Map<string, T> | Set<string>, theirs: Map<string, T> | Set<string>, same: (a: T, b: T) => boolean, t: Tally): void {
  const get = (m: Map<string, T> | Set<string>, k: string) => (m instanceof Map ? m.get(k) : (m.has(k) ? (true as T) : undefined));
  for (const k of theirs.keys()) {
    t.total++;
    const a = get(ours, k), b = get(theirs, k)!;
    if (a === undefined) t.diffs.push(`${what} ${k}: missing from the model (server: ${JSON.stringify(b)})`);
    else if (!same(a, b)) t.diffs.push(`${what} ${k}: model ${JSON.stringify(a)}, server ${JSON.stringify(b)}`);
    else t.matched++;
  }
  for (const k of ours.keys()) if (!theirs.has(k)) t.diffs.push(`${what} ${k}: in the model, not on the server`);
}

describe('MySQL replay against MariaDB', { skip }, () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-replay-mariadb-'));
    const inst = spawnSync(INSTALL, ['--no-defaults', '--auth-root-authentication-method=normal', `--datadir=${path.join(dir, 'data')}`, '--skip-test-db', '--user=root'], { encoding: 'utf8', timeout: 120_000 });
    if (inst.status !== 0) throw new Error(`mariadb-install-db failed: ${inst.stderr}`);
    server = spawn(MARIADBD, ['--no-defaults', `--datadir=${path.join(dir, 'data')}`, `--socket=${sock()}`, '--skip-networking', '--user=root',
      `--pid-file=${path.join(dir, 'pid')}`, `--log-error=${path.join(dir, 'err.log')}`, '--innodb-buffer-pool-size=32M', '--skip-log-bin'], { stdio: 'ignore' });
    for (let i = 0; i < 300; i++) {
      if (fs.existsSync(sock()) && spawnSync(CLIENT, ['--no-defaults', '-S', sock(), '-uroot', '-e', 'SELECT 1'], { timeout: 5000 }).status === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`mariadbd did not start: ${fs.existsSync(path.join(dir, 'err.log')) ? fs.readFileSync(path.join(dir, 'err.log'), 'utf8').slice(-500) : ''}`);
  });

  after(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise<void>((r) => { const t = setTimeout(() => { server?.kill('SIGKILL'); r(); }, 20_000); server!.once('exit', () => { clearTimeout(t); r(); }); });
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const totals = { tables: { matched: 0, total: 0, diffs: [] as string[] }, columns: { matched: 0, total: 0, diffs: [] as string[] }, keys: { matched: 0, total: 0, diffs: [] as string[] } };

  for (const p of PROJECTS) {
    test(`${p.name}: the model's tables, columns, keys, indexes and foreign keys are the server's`, (t) => {
      const files = p.files();
      assert.ok(files.length > 0, `no files for ${p.name}`);
      const db = `dbe_${p.name}`;
      const before = new Set(sql('SHOW DATABASES').map((r) => r[0]));
      sql(`CREATE DATABASE ${db}`);
      feed(files, db, p.init);
      const dbs = [db, ...sql('SHOW DATABASES').map((r) => r[0]).filter((d) => !before.has(d) && d !== db)];
      const ours = replayMySql(files.map((f) => [f, fs.readFileSync(f, 'utf8')]), undefined, 'mariadb');
      const a = ourFacts(ours), b = serverFacts(dbs, ours);
      const expected = (d: string) => EXPECTED.has(`${p.name}: ${d}`);
      const tab: Tally = { matched: 0, total: 0, diffs: [] }, col: Tally = { matched: 0, total: 0, diffs: [] }, key: Tally = { matched: 0, total: 0, diffs: [] };
      compare('table', a.tables, b.tables, () => true, tab);
      compare('column', a.columns, b.columns, (x, y) => x.nullable === y.nullable && sameType(x.type, y.type) && x.unsigned === y.unsigned && x.ai === y.ai, col);
      compare('primary key', a.pks, b.pks, (x, y) => x === y, key);
      compare('index', a.indexes, b.indexes, (x, y) => x.columns === y.columns && x.unique === y.unique, key);
      compare('foreign key', a.fks, b.fks, (x, y) => x.columns === y.columns && x.ref === y.ref && x.refColumns === y.refColumns, key);
      for (const v of [tab, col, key]) {
        const known = v.diffs.filter(expected);
        for (const d of known) t.diagnostic(`expected: ${d} (${EXPECTED.get(`${p.name}: ${d}`)})`);
        v.diffs = v.diffs.filter((d) => !expected(d));
      }
      for (const [k, v] of Object.entries({ tables: tab, columns: col, keys: key })) {
        const tot = totals[k as keyof typeof totals];
        tot.matched += v.matched; tot.total += v.total; tot.diffs.push(...v.diffs.map((d) => `${p.name}: ${d}`));
      }
      t.diagnostic(`${p.name} (${files.length} files): tables ${tab.matched}/${tab.total}, columns ${col.matched}/${col.total}, keys/indexes/foreign keys ${key.matched}/${key.total}`);
      for (const d of [...tab.diffs, ...col.diffs, ...key.diffs].slice(0, 40)) t.diagnostic(d);
      assert.deepEqual([...tab.diffs, ...col.diffs, ...key.diffs], [], `${p.name}: the model differs from the server`);
      for (const d of dbs) sql(`DROP DATABASE IF EXISTS \`${d}\``);
    });
  }

  test('totals', (t) => {
    for (const [k, v] of Object.entries(totals)) t.diagnostic(`${k}: ${v.matched} of ${v.total} matched, ${v.diffs.length} differences`);
  });
});
