// Slow statements of a live MySQL/MariaDB from performance_schema's statement digests: the persona
// brief's own query ("MySQL Optimization": digest_text, count_star, avg_timer_wait/1000000000 AS
// avg_time_ms, sum_rows_examined/count_star FROM performance_schema.events_statements_summary_by_digest),
// for the connected database, top N by total (or mean) time. Timers are in picoseconds.
import { LiveError } from '../connect';
import type { MySqlSession } from './connect';
import { DBE_MARK } from './connect';

export interface MySqlDigest {
  /** The digest (a hash of the normalized text). */
  queryid: string;
  /** The normalized text (literals as ?), as performance_schema keeps it. */
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  /** Rows sent to clients, in all. */
  rows: number;
  /** Rows the server read per call on average (the brief's avg_rows_examined). */
  avgRowsExamined: number;
  /** Calls that sorted without an index, and that made a temporary table on disk. */
  noIndexUsed: number;
  lastSeen?: string;
}

const QUERY_HEADS = /^\s*\(*\s*(SELECT|WITH|INSERT|UPDATE|DELETE|REPLACE|VALUES|TABLE|CALL)\b/i;
// dbe's own reads (session setup, catalog, health, slow): system schemas, server variables, VERSION()
const OWN = /\binformation_schema\b|\bperformance_schema\b|\bmysql\s*\.\s*func\b|@@|^\s*SELECT\s+VERSION\s*\(\s*\)\s+AS\s+v\s*$/i;

/** Keeps the digests of the user's statements: queries and writes, not SHOW/SET, not dbe's own catalog reads. */
export function userDigests<T extends { query: string }>(rows: T[]): T[] {
  return rows.filter((r) => QUERY_HEADS.test(r.query) && !OWN.test(r.query.replace(/`/g, '')));
}

/** The top `limit` statement digests of the session's database, by total or mean time. */
export async function topDigests(s: MySqlSession, limit: number, order: 'total' | 'mean'): Promise<MySqlDigest[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new LiveError(`the limit must be a positive whole number, not ${limit}`);
  const on = (await s.query<{ ps: string }>(`${DBE_MARK} SELECT @@GLOBAL.performance_schema AS ps`)).rows[0];
  if (Number(on?.ps) !== 1) {
    throw new LiveError(`${s.target}: performance_schema is off on this server, so dbe cannot see its slow statements. Set performance_schema=ON in the server's option file ([mysqld] or [mariadbd]) and restart it${s.flavor === 'mariadb' ? ' (MariaDB turns it off by default)' : ''}`);
  }
  const r = await s.tryQuery<{ d: string | null; t: string | null; c: string; sum: string; avg: string; sent: string; ex: string; noidx: string; last: string | null }>(`${DBE_MARK}
    SELECT DIGEST AS d, DIGEST_TEXT AS t, COUNT_STAR AS c, SUM_TIMER_WAIT AS sum, AVG_TIMER_WAIT AS avg, SUM_ROWS_SENT AS sent,
           SUM_ROWS_EXAMINED AS ex, SUM_NO_INDEX_USED AS noidx, LAST_SEEN AS last
    FROM performance_schema.events_statements_summary_by_digest
    WHERE SCHEMA_NAME = DATABASE() AND DIGEST_TEXT IS NOT NULL AND COUNT_STAR > 0
    ORDER BY ${order === 'mean' ? 'AVG_TIMER_WAIT' : 'SUM_TIMER_WAIT'} DESC LIMIT ?`, [Math.min(limit * 4 + 20, 1000)]);
  if (!r.ok) {
    if (r.errno === 1142 || r.errno === 1044) throw new LiveError(`${s.target}: ${s.target.split('@')[0]} may not read performance_schema (${r.message}); a DBA can run GRANT SELECT ON performance_schema.* TO the user`);
    throw new LiveError(`${s.target}: reading performance_schema.events_statements_summary_by_digest failed: ${r.message}${r.code ? ` (${r.code})` : ''}`);
  }
  const consumers = await s.tryQuery<{ n: string; e: string }>(`${DBE_MARK} SELECT NAME AS n, ENABLED AS e FROM performance_schema.setup_consumers WHERE NAME = 'statements_digest'`);
  if (consumers.ok && consumers.result.rows[0] && consumers.result.rows[0].e !== 'YES' && !r.result.rows.length) {
    throw new LiveError(`${s.target}: performance_schema is on but its statements_digest consumer is off, so no statement is summarized; a DBA can run UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME = 'statements_digest'`);
  }
  const ps = (x: string) => Number(x) / 1e9; // picoseconds to milliseconds
  const rows = r.result.rows.map((x) => ({
    queryid: String(x.d ?? ''), query: String(x.t ?? ''), calls: Number(x.c), totalMs: ps(x.sum), meanMs: ps(x.avg), rows: Number(x.sent),
    avgRowsExamined: Number(x.c) ? Number(x.ex) / Number(x.c) : 0, noIndexUsed: Number(x.noidx), ...(x.last ? { lastSeen: String(x.last) } : {}),
  }));
  return userDigests(rows).slice(0, limit);
}
