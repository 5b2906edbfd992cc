// Generates server/src/sql/functions.json, the PostgreSQL built-in functions that completion and
// signature help offer, from the catalog of the PostgreSQL that the sandbox embeds (PGlite): name,
// kind, and per overload its arguments, result and one-line description. Run once per PostgreSQL
// upgrade: `node --import tsx scripts/gen-functions.ts`. Internal and support functions (type I/O,
// operator implementations, index and planner support, anything taking or returning `internal`)
// are left out: nobody types them in a query.
import { PGlite } from '@electric-sql/pglite';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FunctionSig { args: string; result: string; doc: string }
export interface BuiltinFunction { name: string; kind: 'f' | 'a' | 'w'; sigs: FunctionSig[] }

/** Descriptions of functions that exist for the system, not for queries. */
const SUPPORT = /^(I\/O|hash|less-equal-greater|implementation of .* operator|aggregate (final|transition|combine|serial|deserial).*|.*\bsupport\b.*|.*\(internal\)|sort support|planner support.*|deprecated.*|BRIN .*|GiST .*|GIN .*|SP-GiST .*|convert .* to .*|.* selectivity.*|(join|restriction) selectivity.*|.*\bI\/O\b.*|.*handler)$/i;
/** Pseudo-types a user-facing function neither takes nor returns. */
/** Names of internal helpers with a user-looking description (larger of two, increment, upgrade support...). */
const INTERNAL_NAMES = /^(binary_upgrade_|pg_stat_get_|pg_stat_reset_|hash_|bt|gin_|brin_|spg_|ts_debug$|pg_get_wal_|pg_ls_|pg_read_|pg_file_|pg_replication_|pg_create_.*_slot|pg_drop_replication|pg_logical_|pg_sync_|pg_copy_|pg_wal_|pg_promote|pg_backup|pg_log_|pg_column_compression|pg_relation_filenode|pg_filenode|pg_control_|pg_current_logfile|pg_tablespace_location|pg_import_system|pg_nextoid|pg_stop_|pg_start_|pg_mcv|pg_partition_root|pg_snapshot_|txid_snapshot_|d(exp|log1|log10|round|trunc|pow|sqrt|cbrt)$|numeric_(div_trunc|exp|inc|ln|log|sqrt)$|int[248](inc|dec)(_any)?$|currtid2$|.*(larger|smaller|_subdiff|transfn|finalfn|_recv|_send|_in|_out)$)/;
const INTERNAL_TYPES = /\b(internal|cstring|language_handler|fdw_handler|index_am_handler|table_am_handler|tsm_handler|trigger|event_trigger|opaque)\b/;

const SYNTAX: BuiltinFunction[] = [
  { name: 'coalesce', kind: 'f', sigs: [{ args: 'value any, VARIADIC more any', result: 'any', doc: 'the first of its arguments that is not null' }] },
  { name: 'nullif', kind: 'f', sigs: [{ args: 'value1 any, value2 any', result: 'any', doc: 'null if value1 equals value2, else value1' }] },
  { name: 'greatest', kind: 'f', sigs: [{ args: 'value any, VARIADIC more any', result: 'any', doc: 'the largest of its arguments (nulls ignored)' }] },
  { name: 'least', kind: 'f', sigs: [{ args: 'value any, VARIADIC more any', result: 'any', doc: 'the smallest of its arguments (nulls ignored)' }] },
];

async function main(): Promise<void> {
  const db = await PGlite.create();
  const { rows } = await db.query<{ name: string; kind: 'f' | 'a' | 'w'; args: string; result: string; doc: string | null }>(`
    SELECT p.proname AS name, p.prokind AS kind, pg_get_function_arguments(p.oid) AS args,
           pg_get_function_result(p.oid) AS result, d.description AS doc
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0
    WHERE n.nspname = 'pg_catalog' AND p.prokind IN ('f', 'a', 'w')
    ORDER BY p.proname, p.pronargs, p.oid`);
  const version = (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
  await db.close();
  const byName = new Map<string, BuiltinFunction>();
  let kept = 0;
  for (const r of rows) {
    if (!r.doc || SUPPORT.test(r.doc)) continue;
    if (r.name.startsWith('_') || INTERNAL_NAMES.test(r.name) || INTERNAL_TYPES.test(r.args) || INTERNAL_TYPES.test(r.result ?? '')) continue;
    let f = byName.get(r.name);
    if (!f) byName.set(r.name, f = { name: r.name, kind: r.kind, sigs: [] });
    if (f.sigs.some((s) => s.args === r.args && s.result === r.result)) continue;
    f.sigs.push({ args: r.args, result: r.result, doc: r.doc });
    kept++;
  }
  // Conditional expressions are grammar, not pg_proc entries, but are typed like functions.
  for (const f of SYNTAX) if (!byName.has(f.name)) byName.set(f.name, f);
  const out = { postgres: version, functions: [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
  const file = path.join(__dirname, '..', 'server', 'src', 'sql', 'functions.json');
  fs.writeFileSync(file, JSON.stringify(out) + '\n');
  console.log(`${rows.length} catalog functions, ${kept} overloads of ${byName.size} names kept: ${file} (${fs.statSync(file).size} bytes)`);
}

void main();
