// `dbe health`: what the persona brief's "Monitoring & Alerting" section watches, asked of a live
// server, each line with a value, a threshold and a verdict. Connection use (WARNING above 60% of
// max_connections, CRITICAL above 80%) and replication lag (WARNING above 10 MB, CRITICAL above
// 100 MB) use the brief's own thresholds; the others are dbe's, stated on the line.
import type { LiveSession } from './connect';
import { DBE_MARK } from './connect';

export type Verdict = 'ok' | 'warning' | 'critical' | 'info';

export interface HealthCheck {
  id: 'connections' | 'cache-hit-ratio' | 'unused-indexes' | 'duplicate-indexes' | 'bloat' | 'replication-lag' | 'long-transactions' | 'schema';
  title: string;
  verdict: Verdict;
  /** The measured value (a ratio, a count, bytes...), null when there is nothing to measure. */
  value: number | null;
  /** One line: the value in words and the threshold it was judged by. */
  summary: string;
  /** The objects behind the verdict (indexes, tables, replicas, sessions, findings). */
  items: Record<string, unknown>[];
}

export interface HealthReport {
  version: 1;
  database: string;
  serverVersion: number;
  checks: HealthCheck[];
  /** The worst verdict of all checks. */
  verdict: Verdict;
}

export const PRINCIPLE = 'Persona brief, "Monitoring & Alerting": check_database_health() watches connection_usage (WARNING > 60%, CRITICAL > 80% of max_connections) and replication_lag_bytes (WARNING > 10 MB, CRITICAL > 100 MB); "Not monitoring slow query logs" is an anti-pattern.';

const MB = 1024 * 1024;
const RANK: Record<Verdict, number> = { info: 0, ok: 1, warning: 2, critical: 3 };
export function worst(vs: Verdict[]): Verdict { return vs.reduce<Verdict>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok'); }

function pct(x: number): string { return `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`; }
export function bytes(n: number): string {
  if (n >= 1024 * MB) return `${(n / 1024 / MB).toFixed(1)} GB`;
  if (n >= MB) return `${(n / MB).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${n} B`;
}
function seconds(s: number): string {
  if (s >= 3600) return `${(s / 3600).toFixed(1)} h`;
  if (s >= 60) return `${(s / 60).toFixed(1)} min`;
  return `${s.toFixed(0)} s`;
}

export const USER_TABLES = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp_%'`;

export async function connections(s: LiveSession): Promise<HealthCheck> {
  const r = (await s.query<{ used: string; max: string; reserved: string; active: string; idle_tx: string }>(`${DBE_MARK}
    SELECT count(*) AS used, current_setting('max_connections') AS max, current_setting('superuser_reserved_connections') AS reserved,
           count(*) FILTER (WHERE state = 'active') AS active, count(*) FILTER (WHERE state LIKE 'idle in transaction%') AS idle_tx
    FROM pg_stat_activity WHERE backend_type = 'client backend'`)).rows[0];
  const used = Number(r.used), max = Number(r.max), ratio = used / max;
  const verdict: Verdict = ratio > 0.8 ? 'critical' : ratio > 0.6 ? 'warning' : 'ok';
  return {
    id: 'connections', title: 'Connection use', verdict, value: ratio,
    summary: `${used} of max_connections ${max} in use (${pct(ratio)}; ${r.active} active, ${r.idle_tx} idle in transaction); WARNING above 60%, CRITICAL above 80%`
      + (verdict !== 'ok' ? ': put a pooler (PgBouncer) in front, or find the idle sessions' : ''),
    items: [{ used, max, reserved: Number(r.reserved), active: Number(r.active), idleInTransaction: Number(r.idle_tx) }],
  };
}

export async function cacheHitRatio(s: LiveSession): Promise<HealthCheck> {
  const r = (await s.query<{ hit: string; read: string }>(`${DBE_MARK}
    SELECT coalesce(blks_hit, 0) AS hit, coalesce(blks_read, 0) AS read FROM pg_stat_database WHERE datname = current_database()`)).rows[0];
  const hit = Number(r?.hit ?? 0), read = Number(r?.read ?? 0), total = hit + read;
  if (total < 1000) {
    return { id: 'cache-hit-ratio', title: 'Cache hit ratio', verdict: 'info', value: total ? hit / total : null, summary: `only ${total} block reads since the statistics were reset: too little traffic to judge`, items: [{ hit, read }] };
  }
  const ratio = hit / total;
  const verdict: Verdict = ratio >= 0.99 ? 'ok' : ratio >= 0.95 ? 'warning' : 'critical';
  return {
    id: 'cache-hit-ratio', title: 'Cache hit ratio', verdict, value: ratio,
    summary: `${pct(ratio)} of ${total} block reads came from shared buffers; dbe's thresholds: WARNING below 99%, CRITICAL below 95%`
      + (verdict !== 'ok' ? ' (the working set does not fit shared_buffers, or queries scan whole tables)' : ''),
    items: [{ hit, read }],
  };
}

export async function unusedIndexes(s: LiveSession): Promise<HealthCheck> {
  const r = await s.query<{ schema: string; table: string; index: string; size: string; since: string | null }>(`${DBE_MARK}
    SELECT s.schemaname AS schema, s.relname AS table, s.indexrelname AS index, pg_relation_size(s.indexrelid) AS size,
           (SELECT coalesce(stats_reset, pg_postmaster_start_time())::text FROM pg_stat_database WHERE datname = current_database()) AS since
    FROM pg_stat_user_indexes s JOIN pg_index x ON x.indexrelid = s.indexrelid
    WHERE s.idx_scan = 0 AND NOT x.indisunique AND NOT x.indisprimary AND NOT x.indisexclusion
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = s.indexrelid)
    ORDER BY pg_relation_size(s.indexrelid) DESC, s.indexrelname`);
  const items = r.rows.map((x) => ({ schema: x.schema, table: x.table, index: x.index, bytes: Number(x.size) }));
  const total = items.reduce((a, b) => a + b.bytes, 0);
  const since = r.rows[0]?.since;
  return {
    id: 'unused-indexes', title: 'Unused indexes', verdict: items.length ? 'warning' : 'ok', value: items.length,
    summary: items.length
      ? `${items.length} index${items.length === 1 ? ' has' : 'es have'} never been scanned since ${since} (${bytes(total)}; primary keys and unique indexes left out): each slows every write; drop it (DROP INDEX CONCURRENTLY) if the statistics cover a full business cycle, and check replicas first`
      : 'every non-unique index has been scanned since the statistics were reset',
    items,
  };
}

export async function duplicateIndexes(s: LiveSession): Promise<HealthCheck> {
  const r = await s.query<{ schema: string; table: string; indexes: string[]; size: string }>(`${DBE_MARK}
    SELECT n.nspname AS schema, c.relname AS table, array_agg(ic.relname::text ORDER BY x.indisprimary DESC, x.indisunique DESC, ic.relname) AS indexes,
           sum(pg_relation_size(x.indexrelid)) AS size
    FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_TABLES}
    GROUP BY n.nspname, c.relname, x.indrelid, ic.relam, x.indkey::text, x.indclass::text, x.indcollation::text, x.indoption::text,
             coalesce(pg_get_expr(x.indexprs, x.indrelid), ''), coalesce(pg_get_expr(x.indpred, x.indrelid), '')
    HAVING count(*) > 1
    ORDER BY n.nspname, c.relname`);
  const items = r.rows.map((x) => ({ schema: x.schema, table: x.table, indexes: x.indexes, bytes: Number(x.size) }));
  return {
    id: 'duplicate-indexes', title: 'Duplicate indexes', verdict: items.length ? 'warning' : 'ok', value: items.length,
    summary: items.length
      ? `${items.length} set${items.length === 1 ? '' : 's'} of identical indexes (same table, method, keys, operator classes, expressions and predicate): ${items.map((i) => `${i.table}: ${i.indexes.join(' = ')}`).join('; ')}; keep the first of each (a constraint's comes first) and drop the others`
      : 'no two indexes of a table have the same definition',
    items,
  };
}

/**
 * A pgstattuple-free bloat estimate (the classic one, simplified): a table's expected size is its
 * live rows (reltuples, from the last ANALYZE or VACUUM) times their average width from pg_stats
 * (sum of avg_width weighted by 1 - null_frac, plus the 23-byte tuple header rounded up to 8 and a
 * 4-byte line pointer), packed into pages of block_size - 24 bytes at the table's fillfactor; a
 * btree index's expected size is its entries times the key width (plus an 8-byte index tuple
 * header and a 4-byte line pointer) into pages of block_size - 40 bytes at fillfactor 90%. Bloat is
 * what the relation holds beyond that. Objects under 1 MB and tables never analysed are left out;
 * expression index keys count 8 bytes each. An estimate: VACUUM FULL or pg_repack would tell.
 */
export async function bloat(s: LiveSession): Promise<HealthCheck> {
  const r = await s.query<{ kind: string; schema: string; name: string; table: string; pages: string; tuples: string; width: string | null; bs: string; ff: string }>(`${DBE_MARK}
    WITH t AS (
      SELECT 'table' AS kind, n.nspname AS schema, c.relname AS name, c.relname AS table, c.relpages AS pages, c.reltuples AS tuples,
             (SELECT sum((1 - coalesce(st.null_frac, 0)) * coalesce(st.avg_width, 0)) FROM pg_stats st WHERE st.schemaname = n.nspname AND st.tablename = c.relname) AS width,
             coalesce((SELECT substring(o FROM 'fillfactor=(\\d+)')::int FROM unnest(c.reloptions) o WHERE o LIKE 'fillfactor=%'), 100) AS ff
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'm') AND ${USER_TABLES}
    ), i AS (
      SELECT 'index' AS kind, n.nspname AS schema, ic.relname AS name, c.relname AS table, ic.relpages AS pages, ic.reltuples AS tuples,
             (SELECT sum(CASE WHEN k.attnum = 0 THEN 8 ELSE coalesce((SELECT st.avg_width FROM pg_stats st JOIN pg_attribute a ON a.attname = st.attname
                       WHERE st.schemaname = n.nspname AND st.tablename = c.relname AND a.attrelid = c.oid AND a.attnum = k.attnum), 8) END)
              FROM unnest(x.indkey::int2[]) AS k(attnum)) AS width,
             coalesce((SELECT substring(o FROM 'fillfactor=(\\d+)')::int FROM unnest(ic.reloptions) o WHERE o LIKE 'fillfactor=%'), 90) AS ff
      FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_am am ON am.oid = ic.relam
      WHERE am.amname = 'btree' AND ${USER_TABLES}
    )
    SELECT u.*, current_setting('block_size') AS bs FROM (SELECT * FROM t UNION ALL SELECT * FROM i) u
    WHERE u.pages * current_setting('block_size')::int >= 1048576 AND u.tuples >= 0
    ORDER BY u.pages DESC`);
  const items: Record<string, unknown>[] = [];
  let worstVerdict: Verdict = 'ok', wasted = 0;
  for (const x of r.rows) {
    const bs = Number(x.bs), pages = Number(x.pages), tuples = Number(x.tuples), ff = Number(x.ff) / 100;
    if (x.width === null) continue; // never analysed: no widths to estimate from
    const width = Number(x.width);
    let expected: number;
    if (x.kind === 'table') {
      const tuple = Math.ceil((23 + width) / 8) * 8 + 4;
      expected = Math.ceil((tuples * tuple) / ((bs - 24) * ff));
    } else {
      const tuple = Math.ceil((8 + width) / 8) * 8 + 4;
      expected = Math.ceil((tuples * tuple) / ((bs - 40) * ff)) + 1;
    }
    const extra = Math.max(0, pages - expected);
    const ratio = pages ? extra / pages : 0;
    const extraBytes = extra * bs;
    if (ratio < 0.3 || extraBytes < MB) continue;
    const v: Verdict = ratio >= 0.6 && extraBytes >= 100 * MB ? 'critical' : 'warning';
    worstVerdict = worst([worstVerdict, v]);
    wasted += extraBytes;
    items.push({ kind: x.kind, schema: x.schema, name: x.name, table: x.table, bytes: pages * bs, expectedBytes: expected * bs, bloatBytes: extraBytes, bloatRatio: Number(ratio.toFixed(3)), verdict: v });
  }
  return {
    id: 'bloat', title: 'Bloat estimate', verdict: worstVerdict, value: wasted,
    summary: items.length
      ? `${items.length} object${items.length === 1 ? '' : 's'} hold an estimated ${bytes(wasted)} beyond their live rows: ${items.slice(0, 5).map((i) => `${i.kind} ${i.name} ${pct(i.bloatRatio as number)} of ${bytes(i.bytes as number)}`).join(', ')}; WARNING at 30% and 1 MB, CRITICAL at 60% and 100 MB (estimated from pg_stats row widths; check autovacuum, then REINDEX CONCURRENTLY or pg_repack)`
      : 'no table or btree index over 1 MB is estimated to be 30% or more bloat (from pg_stats row widths; tables never analysed are left out)',
    items,
  };
}

export async function replicationLag(s: LiveSession): Promise<HealthCheck> {
  const rec = (await s.query<{ r: boolean; lag: string | null }>(`${DBE_MARK} SELECT pg_is_in_recovery() AS r, extract(epoch FROM now() - pg_last_xact_replay_timestamp())::text AS lag`)).rows[0];
  if (rec.r) {
    const lag = rec.lag === null ? null : Number(rec.lag);
    const verdict: Verdict = lag === null ? 'info' : lag > 300 ? 'critical' : lag > 30 ? 'warning' : 'ok';
    return {
      id: 'replication-lag', title: 'Replication lag', verdict, value: lag,
      summary: lag === null ? 'this server is a replica and has replayed no transaction yet' : `this server is a replica, ${seconds(lag)} behind its primary's last transaction (dbe's thresholds on a replica: WARNING above 30 s, CRITICAL above 5 min; on an idle primary this grows without harm)`,
      items: [{ replica: true, lagSeconds: lag }],
    };
  }
  const r = await s.query<{ name: string; addr: string | null; state: string; lag: string | null; replay_lag: string | null }>(`${DBE_MARK}
    SELECT application_name AS name, client_addr::text AS addr, state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::text AS lag, replay_lag::text AS replay_lag
    FROM pg_stat_replication ORDER BY application_name`);
  if (!r.rows.length) return { id: 'replication-lag', title: 'Replication lag', verdict: 'info', value: null, summary: 'no replicas (pg_stat_replication is empty)', items: [] };
  const items = r.rows.map((x) => ({ name: x.name, address: x.addr, state: x.state, lagBytes: x.lag === null ? null : Number(x.lag), replayLag: x.replay_lag }));
  const max = Math.max(...items.map((i) => i.lagBytes ?? 0));
  const verdict: Verdict = max > 100_000_000 ? 'critical' : max > 10_000_000 ? 'warning' : 'ok';
  return {
    id: 'replication-lag', title: 'Replication lag', verdict, value: max,
    summary: `${items.length} replica${items.length === 1 ? '' : 's'}, the furthest ${bytes(max)} of WAL behind; WARNING above 10 MB, CRITICAL above 100 MB`,
    items,
  };
}

export async function longTransactions(s: LiveSession): Promise<HealthCheck> {
  const r = await s.query<{ pid: number; user: string | null; app: string | null; state: string | null; age: string; query: string | null }>(`${DBE_MARK}
    SELECT pid, usename AS user, application_name AS app, state, extract(epoch FROM now() - xact_start)::text AS age, left(query, 200) AS query
    FROM pg_stat_activity
    WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND now() - xact_start > interval '1 minute'
    ORDER BY xact_start`);
  const items = r.rows.map((x) => ({ pid: x.pid, user: x.user, application: x.app, state: x.state, seconds: Math.round(Number(x.age)), query: x.query }));
  const max = Math.max(0, ...items.map((i) => i.seconds));
  const verdict: Verdict = max > 3600 ? 'critical' : max > 300 ? 'warning' : 'ok';
  return {
    id: 'long-transactions', title: 'Long-running transactions', verdict, value: max,
    summary: items.length
      ? `${items.length} transaction${items.length === 1 ? '' : 's'} open for more than a minute, the oldest ${seconds(max)} (pid ${items[0].pid}, ${items[0].state}); dbe's thresholds: WARNING above 5 min, CRITICAL above 1 h (they hold back VACUUM and keep locks)`
      : 'no transaction has been open for more than a minute',
    items,
  };
}

/** Every server check, in the report's order (the schema findings are added by the caller). */
export async function serverChecks(s: LiveSession): Promise<HealthCheck[]> {
  const out: HealthCheck[] = [];
  for (const check of [connections, cacheHitRatio, unusedIndexes, duplicateIndexes, bloat, replicationLag, longTransactions]) out.push(await check(s));
  return out;
}

const MARK: Record<Verdict, string> = { ok: 'OK', warning: 'WARNING', critical: 'CRITICAL', info: 'INFO' };

export function formatHealth(r: HealthReport): string {
  const lines = [`dbe health: ${r.database} (PostgreSQL ${Math.floor(r.serverVersion / 10000)}.${r.serverVersion % 100}): ${MARK[r.verdict]}`];
  for (const c of r.checks) {
    lines.push(`[${MARK[c.verdict]}] ${c.title}: ${c.summary}`);
    if (c.id === 'schema') for (const f of c.items) lines.push(`    ${f.severity} ${f.rule}: ${f.message}`);
    if (c.id === 'unused-indexes') for (const i of c.items.slice(0, 10)) lines.push(`    ${i.schema}.${i.index} on ${i.table} (${bytes(i.bytes as number)})`);
    if (c.id === 'long-transactions') for (const i of c.items.slice(0, 5)) lines.push(`    pid ${i.pid} ${i.user ?? ''} ${i.application ?? ''} ${i.state ?? ''} ${seconds(i.seconds as number)}: ${String(i.query ?? '').replace(/\s+/g, ' ')}`);
  }
  lines.push('', PRINCIPLE);
  return lines.join('\n') + '\n';
}
