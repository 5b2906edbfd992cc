// Plans from a live MySQL or MariaDB. EXPLAIN FORMAT=JSON never runs the query. With `analyze`
// (MariaDB's ANALYZE FORMAT=JSON, MySQL 8.0.18+'s EXPLAIN ANALYZE) the query runs, so, as for
// PostgreSQL's --analyze: only a query (SELECT, WITH) that passes the guard
// (no INTO, no locking read, no call with outside effects); no call to a stored function or a
// loadable (UDF) function, in the statement or in a view it reads (followed through views of
// views); inside START TRANSACTION READ ONLY on a read-only session, always rolled back, under
// the session's statement time limit.
import { LiveError } from '../connect';
import type { MySqlSession } from './connect';
import { DBE_MARK } from './connect';
import { callsOf, classify, namesOf, type Call } from './guard';

/** One table access of the plan: what EXPLAIN's rows show. */
export interface MyPlanRow {
  table: string;
  /** ALL (full scan), index, range, ref, eq_ref, const, system, ... */
  accessType: string;
  key?: string;
  possibleKeys?: string[];
  /** Rows the optimizer expects to read per scan. */
  rows?: number;
  filtered?: number;
  /** A sort the optimizer cannot take from an index. */
  filesort: boolean;
  /** An internal temporary table. */
  temporary: boolean;
  condition?: string;
  /** ANALYZE: rows actually read per scan, and time (MariaDB). */
  actualRows?: number;
  actualMs?: number;
}

export interface MySqlExplain {
  rows: MyPlanRow[];
  /** EXPLAIN FORMAT=JSON (or ANALYZE FORMAT=JSON) as the server gave it, parsed. */
  raw: unknown;
  /** MySQL's EXPLAIN ANALYZE tree (text). */
  tree?: string;
  analyzed: boolean;
}

const num = (v: unknown): number | undefined => (v === undefined || v === null || v === '' || Number.isNaN(Number(v)) ? undefined : Number(v));

/** The table accesses of EXPLAIN FORMAT=JSON (MySQL 5.7/8 and MariaDB shapes), depth first. */
export function planRows(raw: unknown): MyPlanRow[] {
  const out: MyPlanRow[] = [];
  const visit = (v: any, filesort: boolean, temporary: boolean): void => {
    if (Array.isArray(v)) { for (const x of v) visit(x, filesort, temporary); return; }
    if (!v || typeof v !== 'object') return;
    // MySQL: ordering_operation { using_filesort: true }, grouping_operation { using_temporary_table: true };
    // MariaDB: filesort { ... }, temporary_table { ... }, read_sorted_file { filesort: ... }
    const fs = filesort || v.using_filesort === true;
    const tmp = temporary || v.using_temporary_table === true;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'table' && x && typeof x === 'object' && typeof (x as any).table_name === 'string') {
        const t = x as any;
        out.push({
          table: t.table_name,
          accessType: String(t.access_type ?? ''),
          ...(t.key ? { key: String(t.key) } : {}),
          ...(Array.isArray(t.possible_keys) ? { possibleKeys: t.possible_keys.map(String) } : {}),
          ...(num(t.rows_examined_per_scan ?? t.rows) !== undefined ? { rows: num(t.rows_examined_per_scan ?? t.rows) } : {}),
          ...(num(t.filtered) !== undefined ? { filtered: num(t.filtered) } : {}),
          filesort: fs,
          temporary: tmp,
          ...(typeof t.attached_condition === 'string' ? { condition: t.attached_condition } : {}),
          ...(num(t.r_rows) !== undefined ? { actualRows: num(t.r_rows) } : {}),
          ...(num(t.r_total_time_ms) !== undefined ? { actualMs: num(t.r_total_time_ms) } : {}),
        });
        visit(Object.fromEntries(Object.entries(t).filter(([kk]) => kk !== 'table_name')), fs, tmp);
        continue;
      }
      visit(x, fs || k === 'filesort' || k === 'read_sorted_file', tmp || k === 'temporary_table');
    }
  };
  visit(raw, false, false);
  return out;
}

/** The text lines of a plan: one per table access, in the shape EXPLAIN's classic rows have. */
export function formatMyPlan(rows: MyPlanRow[]): string {
  return rows.map((r) => {
    const bits = [`${r.table}: ${r.accessType === 'ALL' ? 'full table scan (ALL)' : `access ${r.accessType || '?'}`}`];
    if (r.key) bits.push(`key ${r.key}`);
    else if (r.possibleKeys?.length) bits.push(`possible keys ${r.possibleKeys.join(', ')} (none used)`);
    if (r.rows !== undefined) bits.push(`rows ${r.rows}`);
    if (r.filtered !== undefined && r.filtered < 100) bits.push(`filtered ${r.filtered}%`);
    if (r.filesort) bits.push('filesort');
    if (r.temporary) bits.push('temporary table');
    if (r.actualRows !== undefined) bits.push(`actual rows ${r.actualRows}`);
    if (r.actualMs !== undefined) bits.push(`actual ${r.actualMs.toFixed(3)} ms`);
    return `  ${bits.join(', ')}\n`;
  }).join('');
}

const lead = 'ANALYZE runs the query, and';
const tail = 'dbe refuses to run it (plain EXPLAIN, without --analyze, shows the plan without running anything)';

/** Built-in names that appear before a parenthesis and are not function calls. */
const KEYWORDS = new Set(['IN', 'EXISTS', 'AND', 'OR', 'NOT', 'XOR', 'AS', 'ON', 'USING', 'FROM', 'JOIN', 'WHERE', 'OVER', 'ANY', 'ALL', 'SOME', 'VALUES', 'VALUE', 'SELECT', 'WITH', 'UNION', 'INTERSECT', 'EXCEPT', 'BY', 'WINDOW', 'PARTITION', 'ROW', 'TABLE', 'LATERAL', 'INDEX', 'KEY', 'FOR', 'USE', 'FORCE', 'IGNORE', 'JSON_TABLE', 'CHAR', 'CHARACTER', 'DECIMAL', 'NUMERIC', 'BINARY', 'VARCHAR', 'INTERVAL', 'THEN', 'ELSE', 'WHEN', 'CASE', 'IS', 'LIKE', 'BETWEEN', 'REGEXP', 'RLIKE', 'HAVING', 'LIMIT', 'OFFSET', 'DISTINCT', 'RECURSIVE', 'COLUMNS', 'PATH', 'NESTED', 'ORDINALITY', 'EXPLAIN', 'FORMAT', 'ANALYZE', 'DUAL', 'SIGNED', 'UNSIGNED', 'INTEGER', 'INT', 'DATE', 'TIME', 'DATETIME', 'DOUBLE', 'FLOAT', 'REAL']);

/**
 * Built-in functions of MySQL and MariaDB (a loadable function cannot take a built-in's name), for
 * when mysql.func cannot be read: a call to one of these is the built-in; any other name is refused.
 */
export const BUILTIN_FUNCTIONS = new Set(`
ABS ACOS ADDDATE ADDTIME AES_DECRYPT AES_ENCRYPT ANY_VALUE ASCII ASIN ATAN ATAN2 AVG BIN BIT_AND BIT_COUNT BIT_LENGTH BIT_OR BIT_XOR
CAST CEIL CEILING CHAR_LENGTH CHARACTER_LENGTH CHARSET COALESCE COERCIBILITY COLLATION COMPRESS CONCAT CONCAT_WS CONV CONVERT CONVERT_TZ
COS COT COUNT CRC32 CUME_DIST CURDATE CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURTIME DATABASE DATE_ADD DATE_FORMAT DATE_SUB
DATEDIFF DAY DAYNAME DAYOFMONTH DAYOFWEEK DAYOFYEAR DECODE DEGREES DENSE_RANK ELT ENCODE EXP EXPORT_SET EXTRACT FIELD FIND_IN_SET FIRST_VALUE
FLOOR FORMAT FOUND_ROWS FROM_BASE64 FROM_DAYS FROM_UNIXTIME GREATEST GROUP_CONCAT HEX HOUR IF IFNULL INET_ATON INET_NTOA INET6_ATON INET6_NTOA
INSERT INSTR IS_IPV4 IS_IPV6 IS_UUID ISNULL JSON_ARRAY JSON_ARRAYAGG JSON_ARRAY_APPEND JSON_ARRAY_INSERT JSON_CONTAINS JSON_CONTAINS_PATH
JSON_DEPTH JSON_EXTRACT JSON_INSERT JSON_KEYS JSON_LENGTH JSON_MERGE JSON_MERGE_PATCH JSON_MERGE_PRESERVE JSON_OBJECT JSON_OBJECTAGG
JSON_OVERLAPS JSON_PRETTY JSON_QUOTE JSON_REMOVE JSON_REPLACE JSON_SEARCH JSON_SET JSON_TYPE JSON_UNQUOTE JSON_VALID JSON_VALUE JSON_DETAILED
JSON_COMPACT JSON_LOOSE JSON_EXISTS JSON_QUERY JSON_NORMALIZE JSON_EQUALS LAG LAST_DAY LAST_INSERT_ID LAST_VALUE LCASE LEAD LEAST LEFT LENGTH
LN LOCALTIME LOCALTIMESTAMP LOCATE LOG LOG10 LOG2 LOWER LPAD LTRIM MAKE_SET MAKEDATE MAKETIME MAX MD5 MEDIAN MICROSECOND MID MIN MINUTE MOD
MONTH MONTHNAME NATURAL_SORT_KEY NOW NTH_VALUE NTILE NULLIF NVL NVL2 OCT OCTET_LENGTH ORD PERCENT_RANK PERCENTILE_CONT PERCENTILE_DISC
PERIOD_ADD PERIOD_DIFF PI POSITION POW POWER QUARTER QUOTE RADIANS RAND RANDOM_BYTES RANK REGEXP_INSTR REGEXP_LIKE REGEXP_REPLACE
REGEXP_SUBSTR REPEAT REPLACE REVERSE RIGHT ROUND ROW_COUNT ROW_NUMBER RPAD RTRIM SCHEMA SEC_TO_TIME SECOND SESSION_USER SHA SHA1 SHA2 SIGN SIN
SOUNDEX SPACE SQRT STD STDDEV STDDEV_POP STDDEV_SAMP STR_TO_DATE STRCMP SUBDATE SUBSTR SUBSTRING SUBSTRING_INDEX SUBTIME SUM SYSDATE SYSTEM_USER
TAN TIME TIME_FORMAT TIME_TO_SEC TIMEDIFF TIMESTAMP TIMESTAMPADD TIMESTAMPDIFF TO_BASE64 TO_CHAR TO_DAYS TO_SECONDS TRIM TRUNCATE UCASE
UNCOMPRESS UNCOMPRESSED_LENGTH UNHEX UNIX_TIMESTAMP UPPER USER UTC_DATE UTC_TIME UTC_TIMESTAMP UUID UUID_SHORT UUID_TO_BIN BIN_TO_UUID
VALUES VAR_POP VAR_SAMP VARIANCE VERSION WEEK WEEKDAY WEEKOFYEAR WEIGHT_STRING YEAR YEARWEEK DATE DATETIME CHR SFORMAT
ST_ASTEXT ST_ASWKT ST_GEOMFROMTEXT ST_DISTANCE ST_CONTAINS ST_WITHIN ST_X ST_Y POINT MATCH AGAINST
`.trim().split(/\s+/));

/**
 * Why the query must not be run by ANALYZE, or undefined. Reads (in the caller's read-only
 * transaction) the stored functions and loadable functions of the server and the definitions of
 * the views the query names.
 */
export async function analyzeGuard(s: MySqlSession, sql: string): Promise<string | undefined> {
  const c = classify(sql);
  if ('refusal' in c) return c.refusal;
  if (c.kind !== 'query') return `${lead} this is not a query (SELECT or WITH): ${tail}`;
  const routines = (await s.query<{ s: string; n: string }>(`${DBE_MARK} SELECT ROUTINE_SCHEMA AS s, ROUTINE_NAME AS n FROM information_schema.ROUTINES WHERE ROUTINE_TYPE = 'FUNCTION'`)).rows;
  const stored = new Set(routines.map((r) => r.n.toLowerCase()));
  // loadable functions (CREATE FUNCTION ... SONAME): mysql.func; when it cannot be read, nothing
  // that is not a stored function can be told from a UDF, so the query is refused
  let udf = await s.tryQuery<{ n: string }>(`${DBE_MARK} SELECT name AS n FROM mysql.func`);
  if (!udf.ok && s.flavor === 'mysql') udf = await s.tryQuery<{ n: string }>(`${DBE_MARK} SELECT UDF_NAME AS n FROM performance_schema.user_defined_functions`);
  const udfs = udf.ok ? new Set(udf.result.rows.map((r) => String(r.n).toLowerCase())) : undefined;
  const seen = new Set<string>();
  const check = async (text: string, where: string, depth: number): Promise<string | undefined> => {
    if (depth > 16) return `${lead} its views nest deeper than 16: ${tail}`;
    const inner = classify(text);
    if ('refusal' in inner) return `${lead} ${where}: ${inner.refusal}`;
    for (const call of callsOf(text)) {
      const name = call.name.toLowerCase();
      if (call.schema) return `${lead} ${where} calls ${call.schema}.${call.name}(), a stored function (it can do anything its definer may): ${tail}`;
      if (KEYWORDS.has(call.name.toUpperCase())) continue;
      if (stored.has(name)) return `${lead} ${where} calls ${call.name}(), a stored function (it can do anything its definer may): ${tail}`;
      if (!udfs && !BUILTIN_FUNCTIONS.has(call.name.toUpperCase())) return `${lead} ${where} calls ${call.name}(), which is not a built-in function dbe knows, and dbe cannot read mysql.func to tell whether it is a loadable one: ${tail}`;
      if (udfs?.has(name)) return `${lead} ${where} calls ${call.name}(), a loadable function (native code dbe cannot vouch for): ${tail}`;
    }
    // views it names: their definitions are checked the same way
    const names = namesOf(text).filter((n) => !KEYWORDS.has(n.name.toUpperCase()));
    if (!names.length) return undefined;
    const views = (await s.query<{ s: string; n: string; d: string }>(`${DBE_MARK} SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n, VIEW_DEFINITION AS d FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() OR TABLE_SCHEMA IN (?)`,
      [[...new Set(names.filter((n) => n.schema).map((n) => n.schema!)), '']])).rows;
    for (const n of names) {
      const v = views.find((x) => x.n.toLowerCase() === n.name.toLowerCase() && (n.schema ? x.s.toLowerCase() === n.schema.toLowerCase() : x.s === s.database));
      if (!v) continue;
      const key = `${v.s}.${v.n}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (!v.d) return `${lead} it reads the view ${key}, whose definition dbe cannot read (SHOW VIEW privilege): ${tail}`;
      const why = await check(v.d, `the view ${key}`, depth + 1);
      if (why) return why;
    }
    return undefined;
  };
  return check(sql, 'the query', 0);
}

/** Why a statement cannot be explained at all (one line), or undefined. */
export function explainRefusal(sql: string, analyze: boolean): string | undefined {
  const c = classify(`EXPLAIN ${analyze ? 'ANALYZE ' : ''}${sql}`);
  if ('refusal' in c) return c.refusal.replace(/^EXPLAIN ANALYZE/, 'ANALYZE');
  if (c.kind === 'describe') return 'explain takes a query (SELECT or WITH), not a table name';
  // MariaDB refuses even EXPLAIN UPDATE in a read-only transaction (1792), and dbe's session is read-only
  if (c.kind === 'explain' && c.inner === 'write') return 'dbe\'s session is read-only, and the server refuses even EXPLAIN of a write in it: explain a SELECT with the same FROM and WHERE instead';
  return undefined;
}

export interface MyExplainError { message: string; code?: string; errno?: number }

/** EXPLAIN FORMAT=JSON of one statement, or with `analyze` the executed plan of one query. */
export async function explainMySql(s: MySqlSession, sql: string, o: { analyze: boolean }): Promise<{ ok: true; value: MySqlExplain } | { ok: false; error: MyExplainError; prefix: number }> {
  const text = sql.trim().replace(/;\s*$/, '');
  const refusal = explainRefusal(text, o.analyze);
  if (refusal) throw new LiveError(refusal);
  return s.readOnlyTransaction(async () => {
    if (o.analyze) {
      const why = await analyzeGuard(s, text);
      if (why) throw new LiveError(why);
      if (s.flavor === 'mysql' && s.serverVersion < 80018) throw new LiveError(`${s.product} has no EXPLAIN ANALYZE (MySQL 8.0.18 and later): plain EXPLAIN, without --analyze, shows the plan`);
    }
    const prefix = o.analyze ? (s.flavor === 'mariadb' ? 'ANALYZE FORMAT=JSON ' : 'EXPLAIN ANALYZE ') : 'EXPLAIN FORMAT=JSON ';
    const r = await s.tryQuery<Record<string, string>>(prefix + text);
    if (!r.ok) return { ok: false as const, error: { message: r.message, code: r.code, errno: r.errno }, prefix: prefix.length };
    const cell = r.result.rows[0] ? Object.values(r.result.rows[0])[0] : undefined;
    if (typeof cell !== 'string') throw new LiveError(`${s.target}: EXPLAIN gave no plan; dbe stops here`);
    if (o.analyze && s.flavor === 'mysql') return { ok: true as const, value: { rows: [], raw: null, tree: cell, analyzed: true } };
    let raw: unknown;
    try { raw = JSON.parse(cell); } catch { throw new LiveError(`${s.target}: EXPLAIN's JSON does not parse; dbe stops here`); }
    return { ok: true as const, value: { rows: planRows(raw), raw, analyzed: o.analyze } };
  });
}
