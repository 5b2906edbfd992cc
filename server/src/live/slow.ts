// Slow queries from pg_stat_statements, judged by the same query rules and index advisor as the
// project's own queries, against the live catalog.
import { defaultConfig, type Config } from '../config';
import { Project } from '../engine/project';
import { MYSQL_STATEMENT, type DialectId } from '../dialects/types';
import type { Severity } from '../model';
import type { CatalogSnapshot } from './catalog';
import { catalogFile } from './catalog';
import type { LiveSession } from './connect';
import { DBE_MARK, LiveError } from './connect';

export interface SlowQuery {
  queryid: string;
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
  findings: { rule: string; severity: Severity; message: string }[];
  /** Why the rules could not judge it (does not parse, not a query). */
  skipped?: string;
}

export type SlowOrder = 'total' | 'mean';

const QUERY_KINDS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** The top `limit` statements of the current database by total or mean execution time. */
export async function topStatements(s: LiveSession, limit: number, order: SlowOrder): Promise<Omit<SlowQuery, 'findings'>[]> {
  const ext = await s.query<{ schema: string }>(`${DBE_MARK} SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'`);
  if (!ext.rows.length) {
    throw new LiveError(`${s.target}: pg_stat_statements is not installed in this database, so dbe cannot see its slow queries. Add pg_stat_statements to shared_preload_libraries in postgresql.conf, restart the server, then run CREATE EXTENSION pg_stat_statements; as a superuser`);
  }
  const v13 = s.serverVersion >= 130000;
  const total = v13 ? 'total_exec_time' : 'total_time', mean = v13 ? 'mean_exec_time' : 'mean_time';
  const view = `"${ext.rows[0].schema.replace(/"/g, '""')}".pg_stat_statements`;
  const r = await s.tryQuery<{ queryid: string; query: string; calls: string; total: number; mean: number; rows: string }>(`${DBE_MARK}
    SELECT queryid::text AS queryid, query, calls, ${total} AS total, ${mean} AS mean, rows
    FROM ${view}
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query IS NOT NULL
      AND query NOT LIKE '${DBE_MARK}%' AND query NOT LIKE '<insufficient privilege>%'
    ORDER BY ${order === 'mean' ? mean : total} DESC LIMIT $1`, [limit]);
  if (!r.ok) {
    if (r.code === '55000') throw new LiveError(`${s.target}: pg_stat_statements is installed but not loaded; add it to shared_preload_libraries in postgresql.conf and restart the server (${r.message})`);
    throw new LiveError(`${s.target}: reading pg_stat_statements failed: ${r.message}${r.code ? ` (SQLSTATE ${r.code})` : ''}`);
  }
  return r.result.rows.map((x) => ({ queryid: x.queryid, query: x.query, calls: Number(x.calls), totalMs: Number(x.total), meanMs: Number(x.mean), rows: Number(x.rows) }));
}

export const SLOW_SOURCE = 'pg_stat_statements.sql';

/**
 * Runs the query rules and the advisor over `queries` as one virtual file of a project whose schema
 * is the live catalog (the advisor sees all of them together, as it sees a project's queries).
 */
export function judgeQueries(snapshot: Pick<CatalogSnapshot, 'source' | 'ddl'> & Partial<CatalogSnapshot> & { dialect?: DialectId }, queries: Omit<SlowQuery, 'findings'>[], config: Config = defaultConfig()): SlowQuery[] {
  // the statements are the live database's: read in its dialect (MySQL digests as MySQL)
  const mysql = snapshot.dialect && snapshot.dialect !== 'postgres';
  const project = new Project(mysql ? { ...config, dialect: snapshot.dialect, dialectSource: 'the live database' } : config);
  project.setBase(catalogFile(snapshot));
  const spans: { start: number; end: number }[] = [];
  let text = '';
  for (const q of queries) {
    const body = q.query.trim().replace(/;\s*$/, '');
    const start = text.length;
    text += body + ';\n\n';
    spans.push({ start, end: start + body.length + 1 });
  }
  // (a MySQL digest file must not be named pg_...: a name that names a dialect wins over the configuration)
  const source = mysql ? 'events_statements_summary_by_digest.sql' : SLOW_SOURCE;
  const file = project.setFile(source, text);
  const findings = project.analyze([source]).get(source) ?? [];
  return queries.map((q, i) => {
    const span = spans[i];
    const stmts = file.statements.filter((st) => st.start < span.end && st.end > span.start && st.text.trim());
    let skipped: string | undefined;
    if (stmts.length !== 1) skipped = 'not one statement';
    else if (stmts[0].parsed.error) skipped = `does not parse: ${stmts[0].parsed.error.message}`;
    else if (mysql && stmts[0].kind === MYSQL_STATEMENT && /^\s*(select|with|insert|update|delete|replace)\b/i.test(stmts[0].text)) skipped = 'not read: a MySQL form the rules do not follow yet';
    else if (!stmts[0].kind || !QUERY_KINDS.has(stmts[0].kind)) skipped = 'not a query (utility statement)';
    const mine = findings.filter((f) => f.start >= span.start && f.start < span.end && f.rule !== 'syntax-error');
    return { ...q, findings: skipped ? [] : mine.map((f) => ({ rule: f.rule, severity: f.severity, message: f.message })), ...(skipped ? { skipped } : {}) };
  });
}
