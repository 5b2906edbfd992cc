// `dbe health` on MySQL/MariaDB: the checks of ../health.ts with MySQL's own sources, each with a
// value, a threshold and a verdict. Connection use uses the persona brief's thresholds (WARNING
// above 60% of max_connections, CRITICAL above 80%); the others are dbe's, stated on the line.
// A check whose source cannot be read (performance_schema off, a missing privilege) says so with
// the verdict INFO: never a guess.
import { bytes, type HealthCheck, type HealthReport, type Verdict, PRINCIPLE, worst } from '../health';
import type { MySqlSession } from './connect';
import { DBE_MARK } from './connect';

function pct(x: number): string { return `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`; }
function seconds(s: number): string {
  if (s >= 2 * 86400) return `${(s / 86400).toFixed(1)} days`;
  if (s >= 3600) return `${(s / 3600).toFixed(1)} h`;
  if (s >= 60) return `${(s / 60).toFixed(1)} min`;
  return `${s.toFixed(0)} s`;
}

async function status(s: MySqlSession, names: string[]): Promise<Map<string, string>> {
  const r = await s.query<{ Variable_name: string; Value: string }>(`SHOW GLOBAL STATUS WHERE Variable_name IN (?)`, [names]);
  return new Map(r.rows.map((x) => [x.Variable_name.toLowerCase(), String(x.Value)]));
}

export async function myConnections(s: MySqlSession): Promise<HealthCheck> {
  const st = await status(s, ['Threads_connected', 'Threads_running', 'Max_used_connections']);
  const max = Number((await s.query<{ m: string }>(`${DBE_MARK} SELECT @@GLOBAL.max_connections AS m`)).rows[0].m);
  const used = Number(st.get('threads_connected') ?? 0), running = Number(st.get('threads_running') ?? 0), peak = Number(st.get('max_used_connections') ?? 0);
  const ratio = max ? used / max : 0;
  const verdict: Verdict = ratio > 0.8 ? 'critical' : ratio > 0.6 ? 'warning' : 'ok';
  return {
    id: 'connections', title: 'Connection use', verdict, value: ratio,
    summary: `${used} of max_connections ${max} in use (${pct(ratio)}; ${running} running; peak ${peak} since the server started); WARNING above 60%, CRITICAL above 80%`
      + (verdict !== 'ok' ? ': pool connections in the application (or ProxySQL), or find the idle ones in SHOW PROCESSLIST' : ''),
    items: [{ used, max, running, peak }],
  };
}

const MIN_REQUESTS = 1_000_000;
/** Index use counted for less than this is not enough to call an index unused (a week: a business cycle's usual floor). */
export const MIN_UPTIME_FOR_UNUSED = 7 * 24 * 3600;

/** The InnoDB buffer pool hit ratio from its counters: logical read requests and those that went to disk. */
export function bufferPoolVerdict(requests: number, diskReads: number): Pick<HealthCheck, 'verdict' | 'value' | 'summary'> {
  // a server that just started reads its working set from disk: too few requests say nothing yet
  if (requests < MIN_REQUESTS) return { verdict: 'info', value: requests ? 1 - diskReads / requests : null, summary: `only ${requests} buffer pool read requests since the server started (dbe judges from ${MIN_REQUESTS}): too little traffic to judge` };
  const ratio = 1 - diskReads / requests;
  const verdict: Verdict = ratio >= 0.99 ? 'ok' : ratio >= 0.95 ? 'warning' : 'critical';
  return {
    verdict, value: ratio,
    summary: `${pct(ratio)} of ${requests} InnoDB read requests were served from the buffer pool (${diskReads} from disk); dbe's thresholds: WARNING below 99%, CRITICAL below 95%`
      + (verdict !== 'ok' ? ' (the working set does not fit innodb_buffer_pool_size, or queries scan whole tables)' : ''),
  };
}

export async function bufferPoolHitRatio(s: MySqlSession): Promise<HealthCheck> {
  const st = await status(s, ['Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads']);
  const req = Number(st.get('innodb_buffer_pool_read_requests') ?? 0), reads = Number(st.get('innodb_buffer_pool_reads') ?? 0);
  const size = (await s.query<{ b: string }>(`${DBE_MARK} SELECT @@GLOBAL.innodb_buffer_pool_size AS b`)).rows[0]?.b;
  const v = bufferPoolVerdict(req, reads);
  return { id: 'cache-hit-ratio', title: 'InnoDB buffer pool hit ratio', ...v, summary: `${v.summary} (innodb_buffer_pool_size ${bytes(Number(size ?? 0))})`, items: [{ readRequests: req, diskReads: reads, bufferPoolBytes: Number(size ?? 0) }] };
}

export interface IndexStat { table: string; index: string; seq: number; column: string | null; subPart: number | null; nonUnique: boolean; type: string }
export interface IndexDef { table: string; index: string; columns: { name: string; part: number | null }[]; unique: boolean; type: string }

/** information_schema.STATISTICS rows grouped into indexes (columns in order); indexes on expressions are left out. */
export function indexDefs(stats: IndexStat[]): IndexDef[] {
  const by = new Map<string, IndexDef & { expr?: boolean }>();
  for (const r of [...stats].sort((a, b) => a.seq - b.seq)) {
    const key = `${r.table}\0${r.index}`;
    let d = by.get(key);
    if (!d) by.set(key, (d = { table: r.table, index: r.index, columns: [], unique: !r.nonUnique, type: r.type.toUpperCase() }));
    if (r.column === null) d.expr = true;
    else d.columns.push({ name: r.column.toLowerCase(), part: r.subPart });
  }
  return [...by.values()].filter((d) => !d.expr).map(({ expr: _e, ...d }) => d);
}

/**
 * Pairs of indexes where the first is not needed: the same columns as another (a duplicate), or a
 * non-unique index whose columns are the leading columns of another index of the same type (a
 * redundant prefix: every lookup it serves, the longer one serves; a column prefix such as b(10)
 * is served by b or b(20) in the last place, and must match exactly before it). FULLTEXT, SPATIAL
 * and HASH indexes are only ever duplicates. A unique index is never called
 * redundant to a longer one (it enforces something); of two identical indexes the one kept is the
 * primary key, else a unique one, else the first by name.
 */
export function redundantIndexes(defs: IndexDef[]): { table: string; index: string; coveredBy: string; kind: 'duplicate' | 'prefix'; columns: string[] }[] {
  const out: ReturnType<typeof redundantIndexes> = [];
  const rank = (d: IndexDef) => (d.index === 'PRIMARY' ? 0 : d.unique ? 1 : 2);
  const same = (a: IndexDef['columns'][number], b: IndexDef['columns'][number]) => a.name === b.name && a.part === b.part;
  const tables = new Map<string, IndexDef[]>();
  for (const d of defs) { const l = tables.get(d.table) ?? []; l.push(d); tables.set(d.table, l); }
  for (const [table, list] of tables) {
    for (const a of list) {
      for (const b of list) {
        if (a === b || a.type !== b.type || !a.columns.length) continue;
        const equal = a.columns.length === b.columns.length && a.columns.every((c, i) => same(c, b.columns[i]));
        if (equal) {
          if (a.unique !== b.unique && a.unique) continue; // the unique one is kept
          const keepB = rank(b) < rank(a) || (rank(b) === rank(a) && b.index < a.index);
          if (keepB) { out.push({ table, index: a.index, coveredBy: b.index, kind: 'duplicate', columns: a.columns.map((c) => c.name) }); break; }
          continue;
        }
        if (a.unique || a.type === 'FULLTEXT' || a.type === 'SPATIAL' || a.type === 'HASH' || a.columns.length > b.columns.length) continue;
        const n = a.columns.length;
        const prefix = a.columns.every((c, i) => {
          const d = b.columns[i];
          if (c.name !== d.name) return false;
          if (i < n - 1) return c.part === d.part;
          return d.part === null || (c.part !== null && d.part >= c.part);
        });
        if (prefix) { out.push({ table, index: a.index, coveredBy: b.index, kind: 'prefix', columns: a.columns.map((c) => c.name) }); break; }
      }
    }
  }
  return out;
}

async function statsOf(s: MySqlSession): Promise<IndexStat[]> {
  const r = await s.query<{ t: string; i: string; seq: string; c: string | null; sub: string | null; nu: string; ty: string }>(`${DBE_MARK}
    SELECT TABLE_NAME AS t, INDEX_NAME AS i, SEQ_IN_INDEX AS seq, COLUMN_NAME AS c, SUB_PART AS sub, NON_UNIQUE AS nu, INDEX_TYPE AS ty
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()`);
  return r.rows.map((x) => ({ table: x.t, index: x.i, seq: Number(x.seq), column: x.c, subPart: x.sub === null ? null : Number(x.sub), nonUnique: Number(x.nu) === 1, type: String(x.ty) }));
}

export async function myDuplicateIndexes(s: MySqlSession): Promise<HealthCheck> {
  const items = redundantIndexes(indexDefs(await statsOf(s)));
  return {
    id: 'duplicate-indexes', title: 'Duplicate and redundant indexes', verdict: items.length ? 'warning' : 'ok', value: items.length,
    summary: items.length
      ? `${items.length} index${items.length === 1 ? ' is' : 'es are'} covered by another of the same table: ${items.slice(0, 8).map((i) => `${i.table}.${i.index} by ${i.coveredBy} (${i.kind === 'duplicate' ? 'same columns' : 'leading columns'})`).join('; ')}; each slows every write: drop it (ALTER TABLE ... DROP INDEX, online with ALGORITHM=INPLACE, LOCK=NONE)`
      : 'no index of a table is the same as, or a leading part of, another',
    items,
  };
}

export async function myUnusedIndexes(s: MySqlSession): Promise<HealthCheck> {
  const on = (await s.query<{ ps: string }>(`${DBE_MARK} SELECT @@GLOBAL.performance_schema AS ps`)).rows[0];
  if (Number(on?.ps) !== 1) return { id: 'unused-indexes', title: 'Unused indexes', verdict: 'info', value: null, summary: 'performance_schema is off, so index use is not counted (set performance_schema=ON and restart to see unused indexes)', items: [] };
  const r = await s.tryQuery<{ t: string; i: string }>(`${DBE_MARK}
    SELECT OBJECT_NAME AS t, INDEX_NAME AS i FROM performance_schema.table_io_waits_summary_by_index_usage
    WHERE OBJECT_SCHEMA = DATABASE() AND INDEX_NAME IS NOT NULL AND INDEX_NAME <> 'PRIMARY' AND COUNT_STAR = 0 ORDER BY OBJECT_NAME, INDEX_NAME`);
  if (!r.ok) return { id: 'unused-indexes', title: 'Unused indexes', verdict: 'info', value: null, summary: `performance_schema.table_io_waits_summary_by_index_usage cannot be read (${r.message}): index use is unknown`, items: [] };
  const defs = indexDefs(await statsOf(s));
  // a foreign key needs an index on its columns: the one InnoDB uses for it is not unused
  const fks = (await s.query<{ t: string; c: string; pos: string; name: string }>(`${DBE_MARK}
    SELECT TABLE_NAME AS t, COLUMN_NAME AS c, ORDINAL_POSITION AS pos, CONSTRAINT_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
    WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION`)).rows;
  const fkCols = new Map<string, { table: string; cols: string[] }>();
  for (const f of fks) { const k = `${f.t}\0${f.name}`; const e = fkCols.get(k) ?? { table: f.t, cols: [] }; e.cols.push(f.c.toLowerCase()); fkCols.set(k, e); }
  const servesFk = (d: IndexDef) => [...fkCols.values()].some((f) => f.table === d.table && f.cols.every((c, i) => d.columns[i]?.name === c));
  const uptime = Number((await status(s, ['Uptime'])).get('uptime') ?? 0);
  const items = r.result.rows.map((x) => ({ table: x.t, index: x.i, def: defs.find((d) => d.table === x.t && d.index === x.i) }))
    .filter((x) => x.def && !x.def.unique && !servesFk(x.def))
    .map((x) => ({ table: x.table, index: x.index, columns: x.def!.columns.map((c) => c.name) }));
  const young = uptime < MIN_UPTIME_FOR_UNUSED;
  return {
    id: 'unused-indexes', title: 'Unused indexes', verdict: !items.length ? 'ok' : young ? 'info' : 'warning', value: items.length,
    summary: items.length
      ? `${items.length} index${items.length === 1 ? ' has' : 'es have'} not been read since the server started ${seconds(uptime)} ago (unique indexes and those a foreign key needs left out): ${items.slice(0, 8).map((i) => `${i.table}.${i.index}`).join(', ')}`
        + (young ? `; the counters cover less than a week (dbe's floor for calling an index unused), so this is not a verdict yet` : '; each slows every write; drop it only if the uptime covers a full business cycle, and check replicas first')
      : `every non-unique index of the tables read since the server started (${seconds(uptime)} ago) has been used`,
    items,
  };
}

/** The verdict of one SHOW REPLICA STATUS row (MySQL 8.0.22+ names, or the older SLAVE ones). */
export function replicaVerdict(row: Record<string, unknown>): { verdict: Verdict; lag: number | null; text: string } {
  const get = (a: string, b: string) => (row[a] ?? row[b]) as string | null | undefined;
  const io = String(get('Replica_IO_Running', 'Slave_IO_Running') ?? '');
  const sql = String(get('Replica_SQL_Running', 'Slave_SQL_Running') ?? '');
  const lagRaw = get('Seconds_Behind_Source', 'Seconds_Behind_Master');
  const lag = lagRaw === null || lagRaw === undefined || lagRaw === '' ? null : Number(lagRaw);
  const source = `${get('Source_Host', 'Master_Host') ?? '?'}:${get('Source_Port', 'Master_Port') ?? '?'}`;
  const err = String(get('Last_SQL_Error', 'Last_SQL_Error') || get('Last_IO_Error', 'Last_IO_Error') || '');
  if (io !== 'Yes' || sql !== 'Yes') return { verdict: 'critical', lag, text: `replication from ${source} is stopped (IO thread ${io || '?'}, SQL thread ${sql || '?'})${err ? `: ${err}` : ''}` };
  if (lag === null) return { verdict: 'warning', lag, text: `replicating from ${source}, lag unknown (Seconds_Behind_Source is NULL)` };
  const verdict: Verdict = lag > 300 ? 'critical' : lag > 30 ? 'warning' : 'ok';
  return { verdict, lag, text: `replicating from ${source}, ${seconds(lag)} behind` };
}

export async function myReplicationLag(s: MySqlSession): Promise<HealthCheck> {
  let r = await s.tryQuery<Record<string, unknown>>('SHOW REPLICA STATUS');
  if (!r.ok && (r.errno === 1064 || r.code === 'ER_PARSE_ERROR')) r = await s.tryQuery<Record<string, unknown>>('SHOW SLAVE STATUS');
  if (!r.ok) return { id: 'replication-lag', title: 'Replication lag', verdict: 'info', value: null, summary: `SHOW REPLICA STATUS cannot be read (${r.message}): a DBA can grant REPLICATION CLIENT${s.flavor === 'mariadb' ? ' (SLAVE MONITOR on MariaDB 10.5+)' : ''}`, items: [] };
  if (!r.result.rows.length) return { id: 'replication-lag', title: 'Replication lag', verdict: 'info', value: null, summary: 'this server is not a replica (SHOW REPLICA STATUS is empty)', items: [] };
  const each = r.result.rows.map(replicaVerdict);
  const v = worst(each.map((e) => e.verdict));
  const max = Math.max(...each.map((e) => e.lag ?? 0));
  return {
    id: 'replication-lag', title: 'Replication lag', verdict: v, value: max,
    summary: `${each.map((e) => e.text).join('; ')}; dbe's thresholds: WARNING above 30 s, CRITICAL above 5 min or when a replication thread is stopped`,
    items: each.map((e) => ({ lagSeconds: e.lag, verdict: e.verdict, text: e.text })),
  };
}

export async function myLongTransactions(s: MySqlSession): Promise<HealthCheck> {
  const r = await s.tryQuery<{ id: string; age: string; state: string; q: string | null; thread: string }>(`${DBE_MARK}
    SELECT trx_id AS id, TIMESTAMPDIFF(SECOND, trx_started, NOW()) AS age, trx_state AS state, LEFT(trx_query, 200) AS q, trx_mysql_thread_id AS thread
    FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id <> CONNECTION_ID() AND trx_started < NOW() - INTERVAL 1 MINUTE ORDER BY trx_started`);
  if (!r.ok) return { id: 'long-transactions', title: 'Long-running transactions', verdict: 'info', value: null, summary: `information_schema.INNODB_TRX cannot be read (${r.message}): a DBA can grant PROCESS`, items: [] };
  const items = r.result.rows.map((x) => ({ thread: Number(x.thread), state: x.state, seconds: Number(x.age), query: x.q }));
  const max = Math.max(0, ...items.map((i) => i.seconds));
  const verdict: Verdict = max > 3600 ? 'critical' : max > 300 ? 'warning' : 'ok';
  return {
    id: 'long-transactions', title: 'Long-running transactions', verdict, value: max,
    summary: items.length
      ? `${items.length} InnoDB transaction${items.length === 1 ? '' : 's'} open for more than a minute, the oldest ${seconds(max)} (thread ${items[0].thread}); dbe's thresholds: WARNING above 5 min, CRITICAL above 1 h (they hold undo history and locks)`
      : 'no InnoDB transaction has been open for more than a minute',
    items,
  };
}

/** Every MySQL server check, in the report's order. */
export async function mysqlServerChecks(s: MySqlSession): Promise<HealthCheck[]> {
  const out: HealthCheck[] = [];
  for (const check of [myConnections, bufferPoolHitRatio, myUnusedIndexes, myDuplicateIndexes, myReplicationLag, myLongTransactions]) out.push(await check(s));
  return out;
}

const MARK: Record<Verdict, string> = { ok: 'OK', warning: 'WARNING', critical: 'CRITICAL', info: 'INFO' };

export function formatMySqlHealth(r: HealthReport & { product: string }): string {
  const lines = [`dbe health: ${r.database} (${r.product}): ${MARK[r.verdict]}`];
  for (const c of r.checks) {
    lines.push(`[${MARK[c.verdict]}] ${c.title}: ${c.summary}`);
    if (c.id === 'schema') for (const f of c.items) lines.push(`    ${f.severity} ${f.rule}: ${f.message}`);
  }
  lines.push('', PRINCIPLE);
  return lines.join('\n') + '\n';
}
