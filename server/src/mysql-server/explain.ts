// Evidence for a missing-index finding on a real MariaDB/MySQL: EXPLAIN FORMAT=JSON of the query
// before and after the candidate index, on generated rows (a planner on empty tables picks anything).
// Runs in the check's throwaway database (checkMySqlMigrations' afterReplay): the rows stay there and
// die with it; the index is dropped again whatever happens.
import type { Connection } from 'mysql2/promise';
import { lex } from '../dialects/mysql/lex';

export interface PlanAccess {
  table: string;
  /** ALL (full scan), index, range, ref, eq_ref, const ... */
  accessType: string;
  /** The index used, or null. */
  key: string | null;
  /** The planner's estimate of rows examined per scan. */
  rows: number | null;
}

export interface PlanSummary { tables: PlanAccess[]; filesort: boolean; raw: unknown }

export interface IndexEvidence {
  before: PlanSummary;
  after: PlanSummary;
  /** The index the DDL made (as the server named it). */
  index: string;
  /** True when the plan after uses that index. */
  usesIndex: boolean;
  rowsPerTable: number;
  /** Tables filled with generated rows, and those that could not be (with why). */
  filled: string[];
  skipped: { table: string; reason: string }[];
}

export class ExplainFailed extends Error {}

const q = (n: string) => '`' + n.replace(/`/g, '``') + '`';

/** The summary of an EXPLAIN FORMAT=JSON document (MariaDB's and MySQL's shapes). */
export function summarizePlan(doc: unknown): PlanSummary {
  const tables: PlanAccess[] = [];
  let filesort = false;
  const walk = (v: unknown, key?: string) => {
    if (Array.isArray(v)) { for (const x of v) walk(x); return; }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (key === 'filesort' || key === 'read_sorted_file' || o.using_filesort === true) filesort = true;
    if (key === 'table' && typeof o.table_name === 'string') {
      const rows = o.rows ?? o.rows_examined_per_scan;
      tables.push({ table: o.table_name, accessType: String(o.access_type ?? ''), key: typeof o.key === 'string' ? o.key : null, rows: typeof rows === 'number' ? rows : rows !== undefined ? Number(rows) : null });
    }
    for (const [k, x] of Object.entries(o)) walk(x, k);
  };
  walk(doc);
  return { tables, filesort, raw: doc };
}

async function explain(conn: Connection, query: string): Promise<PlanSummary> {
  try {
    const [rows] = await conn.query(`EXPLAIN FORMAT=JSON ${query}`);
    const r = (rows as any[])[0];
    return summarizePlan(JSON.parse(String(Object.values(r)[0])));
  } catch (e: any) {
    throw new ExplainFailed(`EXPLAIN failed: ${String(e?.sqlMessage ?? e?.message ?? e)}`);
  }
}

/** The table an index DDL is on: CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX n ON t (...) or ALTER TABLE t ADD ... */
export function indexTable(ddl: string): string | undefined {
  const t = lex(ddl).tokens;
  const name = (i: number) => (t[i] && (t[i].kind === 'word' || t[i].kind === 'quoted') ? (t[i + 1]?.value === '.' && t[i + 2] ? t[i + 2].value : t[i].value) : undefined);
  const up = (i: number) => (t[i]?.kind === 'word' ? t[i].upper : '');
  if (up(0) === 'ALTER' && up(1) === 'TABLE') return name(2);
  if (up(0) === 'CREATE') {
    const on = t.findIndex((x) => x.kind === 'word' && x.upper === 'ON');
    return on > 0 ? name(on + 1) : undefined;
  }
  return undefined;
}

interface Col { name: string; type: string; columnType: string; nullable: boolean; hasDefault: boolean; extra: string; maxLen: number | null }

/** An SQL expression of `n` (1..rows) for a column, or null when its type has no generated value. */
function valueOf(c: Col): string | null {
  const n = 's.n';
  switch (c.type) {
    case 'tinyint': return /tinyint\(1\)/.test(c.columnType) ? `${n} % 2` : `${n} % 127`;
    case 'smallint': return `${n} % 32767`;
    case 'mediumint': case 'int': case 'integer': case 'bigint': return n;
    case 'decimal': case 'numeric': case 'float': case 'double': case 'real': return `${n} % 1000`;
    case 'bit': return `${n} % 2`;
    case 'char': case 'varchar': case 'tinytext': case 'text': case 'mediumtext': case 'longtext':
    case 'binary': case 'varbinary': case 'tinyblob': case 'blob': case 'mediumblob': case 'longblob':
      return c.maxLen ? `LEFT(CONCAT('v', ${n}), ${Math.min(c.maxLen, 1000)})` : `CONCAT('v', ${n})`;
    case 'enum': case 'set': {
      const m = /^\w+\((.*)\)$/s.exec(c.columnType);
      if (!m) return null;
      const k = lex(m[1]).tokens.filter((x) => x.kind === 'string').length;
      return k ? `ELT(1 + ${n} % ${k}, ${m[1]})` : null;
    }
    case 'date': return `DATE '2020-01-01' + INTERVAL (${n} % 3650) DAY`;
    case 'datetime': case 'timestamp': return `TIMESTAMP '2020-01-01 00:00:00' + INTERVAL ${n} MINUTE`;
    case 'time': return `SEC_TO_TIME(${n} % 86400)`;
    case 'year': return `2000 + ${n} % 100`;
    case 'json': return `JSON_OBJECT('n', ${n})`;
    case 'uuid': return 'UUID()';
    default: return null;
  }
}

/** Fills `table` up to `rows` rows with generated values; the reason when it cannot. */
async function fill(conn: Connection, db: string, table: string, rows: number): Promise<string | undefined> {
  const [cols] = await conn.query(
    'SELECT COLUMN_NAME AS name, DATA_TYPE AS type, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS def, EXTRA AS extra, CHARACTER_MAXIMUM_LENGTH AS maxLen FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [db, table]);
  const names: string[] = [], exprs: string[] = [];
  for (const r of cols as any[]) {
    const c: Col = { name: r.name, type: String(r.type).toLowerCase(), columnType: String(r.columnType).toLowerCase(), nullable: r.nullable === 'YES', hasDefault: r.def !== null, extra: String(r.extra ?? '').toLowerCase(), maxLen: r.maxLen === null ? null : Number(r.maxLen) };
    if (/auto_increment|generated|virtual|stored|persistent/.test(c.extra)) continue;
    const v = valueOf(c);
    if (v === null) {
      if (c.nullable || c.hasDefault) continue;
      return `column ${c.name} of type ${c.columnType} has no generated value`;
    }
    names.push(q(c.name));
    exprs.push(v);
  }
  const [[have]] = await conn.query(`SELECT COUNT(*) AS c FROM ${q(table)}`) as any;
  const missing = rows - Number(have.c);
  if (missing <= 0) return undefined;
  const seq = `(WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${missing}) SELECT n FROM seq) AS s`;
  try {
    if (names.length) await conn.query(`INSERT IGNORE INTO ${q(table)} (${names.join(', ')}) SELECT ${exprs.join(', ')} FROM ${seq}`);
    else for (let i = 0; i < missing; i++) await conn.query(`INSERT IGNORE INTO ${q(table)} () VALUES ()`);
  } catch (e: any) {
    return `generating rows failed: ${String(e?.sqlMessage ?? e?.message ?? e)}`;
  }
  return undefined;
}

async function indexNames(conn: Connection, db: string, table: string): Promise<Set<string>> {
  const [rows] = await conn.query('SELECT DISTINCT INDEX_NAME AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, table]);
  return new Set((rows as any[]).map((r) => String(r.n)));
}

/**
 * EXPLAIN FORMAT=JSON of `query` without and with the index `indexDdl` makes, in database `db` of
 * `conn`, after filling the tables the query names (and the index's) with `rows` generated rows each.
 * The index is dropped afterwards. Throws ExplainFailed (one line) when the index or the plan fails.
 */
export async function explainWithIndex(conn: Connection, db: string, query: string, indexDdl: string, o: { rows?: number } = {}): Promise<IndexEvidence> {
  const rows = o.rows ?? 3000;
  const table = indexTable(indexDdl);
  if (!table) throw new ExplainFailed('the index DDL names no table (CREATE INDEX name ON table (...) or ALTER TABLE table ADD INDEX ...)');
  await conn.query(`USE ${q(db)}`);
  const [tabRows] = await conn.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", [db]);
  const existing = new Map((tabRows as any[]).map((r) => [String(r.n).toLowerCase(), String(r.n)] as const));
  const named = new Set<string>([table.toLowerCase()]);
  for (const t of lex(query).tokens) if ((t.kind === 'word' || t.kind === 'quoted') && existing.has(t.value.toLowerCase())) named.add(t.value.toLowerCase());
  const filled: string[] = [], skipped: { table: string; reason: string }[] = [];
  await conn.query('SET SESSION foreign_key_checks = 0');
  try {
    for (const key of named) {
      const real = existing.get(key);
      if (!real) { skipped.push({ table: key, reason: 'no such table' }); continue; }
      const why = await fill(conn, db, real, rows);
      if (why) skipped.push({ table: real, reason: why });
      else filled.push(real);
      await conn.query(`ANALYZE TABLE ${q(real)}`).catch(() => undefined);
    }
  } finally {
    await conn.query('SET SESSION foreign_key_checks = 1').catch(() => undefined);
  }
  const real = existing.get(table.toLowerCase()) ?? table;
  const before = await explain(conn, query);
  const had = await indexNames(conn, db, real);
  try {
    await conn.query(indexDdl);
  } catch (e: any) {
    throw new ExplainFailed(`the index could not be created: ${String(e?.sqlMessage ?? e?.message ?? e)}`);
  }
  const made = [...await indexNames(conn, db, real)].filter((n) => !had.has(n));
  try {
    await conn.query(`ANALYZE TABLE ${q(real)}`).catch(() => undefined);
    const after = await explain(conn, query);
    const index = made[0] ?? '';
    return { before, after, index, usesIndex: !!index && after.tables.some((t) => t.key === index), rowsPerTable: rows, filled, skipped };
  } finally {
    for (const n of made) await conn.query(`DROP INDEX ${q(n)} ON ${q(real)}`).catch(() => undefined);
  }
}
