// Production-like volumes: after the migrations have run, the sandbox fills every table with
// generated rows so that the planner's estimates (and the missing-index evidence) are those of a
// table that holds data, then runs ANALYZE.
//
// - The catalog is read from the sandbox itself (pg_class, pg_attribute, pg_type, pg_enum,
//   pg_constraint, pg_index): it knows the real types after every ALTER, domains and enums included.
// - Rows are made server-side, `INSERT ... SELECT ... FROM generate_series(...)`, one statement per
//   batch, so 10,000 rows cost one round trip rather than 10,000.
// - Tables are filled parents first (foreign keys in topological order). A foreign key takes its
//   values from the parent's rows with a skew (a few parents have many children, as in real data);
//   one whose columns are also UNIQUE in the child takes each parent once. A foreign key that closes a
//   cycle (a self-reference included) is left NULL while the table is filled and set afterwards,
//   when its columns are nullable; a NOT NULL one makes the table unfillable (skipped with a reason).
// - UNIQUE and PRIMARY KEY: one column of each is derived from the row number (distinct by
//   construction); what still collides (a join table's pair of foreign keys) is dropped by
//   ON CONFLICT DO NOTHING. NOT NULL: no NULL is generated there. CHECK constraints (the table's and
//   its domains'): rows that violate them are filtered out before the insert (`WHERE (check) IS NOT
//   FALSE`), and `col IN (...)` checks give the column its values; when a batch yields too few rows,
//   more are generated (up to 20 times the target). A table none of whose generated rows satisfies
//   its CHECKs is skipped with a reason.
// - Not generated: identity, generated and serial (nextval default) columns, which fill themselves,
//   and columns of types the generator does not know when they have a default or are nullable.
// - Tables that already hold rows after the migrations (seed data: lookup tables, settings) are kept
//   as they are. Extension-owned tables (PostGIS's spatial_ref_sys) are not touched. Partitioned
//   tables are filled through their parent, keeping the rows some partition accepts; their
//   partitions are not filled separately. A table whose triggers make the insert fail is filled
//   again with its user triggers disabled; when it still fails, it is skipped with PostgreSQL's
//   message.
import type { PGlite } from '@electric-sql/pglite';
import { counted } from '../text';

export interface DataOptions {
  /** Target rows per table (the `sandbox.rows` setting). */
  rows: number;
  /** Called after each table: tables done / total, and the table just done. */
  progress?: (done: number, total: number, table: string) => void;
  /** Called before each table is filled (the worker records it for the watchdog). */
  beforeTable?: (table: string) => void;
}

export interface TableFill {
  table: string;
  /** Rows generated and inserted (0 when skipped). */
  rows: number;
  /** Why the table was not filled (or not fully): null when it was. */
  skipped?: string;
  /** Notes: columns left NULL or to their default, triggers disabled. */
  notes?: string[];
  /** Time spent on the table. */
  ms?: number;
}

export interface DataStats {
  rowsPerTable: number;
  ms: number;
  tables: TableFill[];
  filled: number;
  skipped: number;
  /** Total rows inserted. */
  inserted: number;
  /** Of ms: the final ANALYZE, and reading the catalog. */
  analyzeMs?: number;
  catalogMs?: number;
}

interface Column {
  num: number;
  name: string;
  notNull: boolean;
  /** identity ('a'/'d'), generated ('s'/'v'), serial: filled by PostgreSQL. */
  auto: boolean;
  hasDefault: boolean;
  typeOid: number;
  typmod: number;
  /** As format_type writes it (qualified when not on the search_path): the cast target. */
  typeName: string;
}

interface Constraint { name: string; type: string; cols: number[]; parent: number; parentCols: number[]; def: string }

interface Table {
  oid: number;
  name: string;
  kind: 'r' | 'p';
  hasRows: boolean;
  columns: Column[];
  constraints: Constraint[];
  /** Unique indexes that are not constraints (CREATE UNIQUE INDEX), by column numbers. */
  uniqueIndexes: number[][];
  /** Partitioned: the leaf partitions' constraints (OR-ed), or '' when a default partition takes everything. */
  partitionFilter?: string;
}

interface PgType { oid: number; name: string; type: string; category: string; base: number; baseTypmod: number; elem: number; array: number; baseName: string | null; notNull: boolean }

type Db = Pick<PGlite, 'query' | 'exec'>;

const q = (s: string) => '"' + s.replace(/"/g, '""') + '"';
const lit = (s: string) => "'" + s.replace(/'/g, "''") + "'";

/** Fills the database's tables with generated rows (see the header), then ANALYZE. Never throws for SQL problems. */
export async function fillTables(db: Db, options: DataOptions): Promise<DataStats> {
  const t0 = performance.now();
  const target = Math.max(0, Math.floor(options.rows));
  const stats: DataStats = { rowsPerTable: target, ms: 0, tables: [], filled: 0, skipped: 0, inserted: 0 };
  if (target === 0) return stats;
  // the same rows on every run (gen_random_uuid aside), so the evidence does not change between runs
  try { await db.query('SELECT setseed(0.42)'); } catch { /* random anyway */ }
  const { tables, types, enums, domainChecks } = await readCatalog(db);
  stats.catalogMs = Math.round(performance.now() - t0);
  const order = fillOrder(tables);
  const filledRows = new Map<number, number>();
  const deferred: { table: Table; fk: Constraint }[] = [];
  let done = 0;
  for (const { table, late } of order) {
    options.beforeTable?.(table.name);
    const t1 = performance.now();
    const fill = await fillTable(db, table, late, { target, types, enums, domainChecks, filledRows, tables });
    fill.result.ms = Math.round(performance.now() - t1);
    if (fill.deferred) deferred.push(...fill.deferred.map((fk) => ({ table, fk })));
    stats.tables.push(fill.result);
    if (fill.result.rows > 0) filledRows.set(table.oid, fill.result.rows);
    options.progress?.(++done, order.length, table.name);
  }
  // foreign keys that close a cycle: set now that every table has its rows
  for (const { table, fk } of deferred) {
    const r = stats.tables.find((x) => x.table === table.name)!;
    if (r.rows === 0) continue;
    const note = await setLateForeignKey(db, table, fk, tables);
    if (note) (r.notes ??= []).push(note);
  }
  for (const r of stats.tables) {
    if (r.rows > 0) { stats.filled++; stats.inserted += r.rows; } else if (r.skipped) stats.skipped++;
  }
  const t2 = performance.now();
  try { await db.exec('ANALYZE'); } catch { /* statistics stay default: estimates only */ }
  stats.analyzeMs = Math.round(performance.now() - t2);
  stats.ms = performance.now() - t0;
  return stats;
}

async function readCatalog(db: Db) {
  const rels = (await db.query<{ oid: number; name: string; kind: 'r' | 'p'; has_rows: boolean }>(`
    SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS name, c.relkind AS kind,
           false AS has_rows
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
     ORDER BY n.nspname, c.relname`)).rows;
  const oids = rels.map((r) => r.oid);
  const tables = new Map<number, Table>();
  if (!oids.length) return { tables, types: new Map<number, PgType>(), enums: new Map<number, string[]>(), domainChecks: new Map<number, string[]>() };
  const list = `ARRAY[${oids.join(',')}]::oid[]`;
  for (const r of rels) {
    let hasRows = false;
    try { hasRows = (await db.query<{ x: number }>(`SELECT 1 AS x FROM ONLY ${r.name} LIMIT 1`)).rows.length > 0; } catch { /* unreadable: treated as empty */ }
    if (r.kind === 'p') {
      try { hasRows = (await db.query<{ x: number }>(`SELECT 1 AS x FROM ${r.name} LIMIT 1`)).rows.length > 0; } catch { /* empty */ }
    }
    tables.set(r.oid, { oid: r.oid, name: r.name, kind: r.kind, hasRows, columns: [], constraints: [], uniqueIndexes: [] });
  }
  const cols = (await db.query<{ rel: number; num: number; name: string; notnull: boolean; identity: string; generated: string; def: string | null; typ: number; typmod: number; tname: string }>(`
    SELECT a.attrelid::int AS rel, a.attnum::int AS num, a.attname AS name, a.attnotnull AS notnull, a.attidentity AS identity,
           a.attgenerated AS generated, pg_get_expr(d.adbin, d.adrelid) AS def, a.atttypid::int AS typ, a.atttypmod AS typmod,
           format_type(a.atttypid, a.atttypmod) AS tname
      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = ANY (${list}) AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attrelid, a.attnum`)).rows;
  for (const c of cols) {
    const auto = !!c.identity || !!c.generated || /^nextval\(/.test(c.def ?? '');
    tables.get(c.rel)!.columns.push({ num: c.num, name: c.name, notNull: c.notnull, auto, hasDefault: c.def !== null, typeOid: c.typ, typmod: c.typmod, typeName: c.tname });
  }
  const cons = (await db.query<{ rel: number; name: string; type: string; cols: number[] | null; parent: number; pcols: number[] | null; def: string }>(`
    SELECT conrelid::int AS rel, conname AS name, contype AS type, conkey::int[] AS cols, confrelid::int AS parent, confkey::int[] AS pcols,
           pg_get_constraintdef(oid) AS def
      FROM pg_constraint WHERE conrelid = ANY (${list}) AND contype IN ('p', 'u', 'f', 'c', 'x') ORDER BY conrelid, conname`)).rows;
  for (const c of cons) tables.get(c.rel)!.constraints.push({ name: c.name, type: c.type, cols: c.cols ?? [], parent: c.parent, parentCols: c.pcols ?? [], def: c.def });
  const uix = (await db.query<{ rel: number; cols: string }>(`
    SELECT i.indrelid::int AS rel, i.indkey::text AS cols FROM pg_index i
     WHERE i.indrelid = ANY (${list}) AND i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`)).rows;
  for (const u of uix) tables.get(u.rel)!.uniqueIndexes.push(u.cols.split(/\s+/).map(Number).filter((n) => n > 0));
  const partitionFks = new Map<number, { name: string; parent: number; cols: string[]; pcols: number[] }[]>();
  for (const t of tables.values()) {
    if (t.kind !== 'p') continue;
    try {
      const leaves = (await db.query<{ def: string | null; isdefault: boolean }>(`
        SELECT pg_get_partition_constraintdef(p.relid) AS def, pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT' AS isdefault
          FROM pg_partition_tree(${t.oid}::oid::regclass) p JOIN pg_class c ON c.oid = p.relid WHERE p.isleaf`)).rows;
      t.partitionFilter = leaves.length === 0 ? 'false' : leaves.some((l) => l.isdefault || !l.def) ? '' : leaves.map((l) => `(${l.def})`).join(' OR ');
      // foreign keys declared on the partitions only (pg_dump of pagila): the parent's rows must satisfy them too
      const own = (await db.query<{ name: string; parent: number; cols: string[]; pcols: number[] }>(`
        SELECT c.conname AS name, c.confrelid::int AS parent, c.confkey::int[] AS pcols,
               ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols
          FROM pg_partition_tree(${t.oid}::oid::regclass) p JOIN pg_constraint c ON c.conrelid = p.relid
         WHERE p.relid <> ${t.oid}::oid AND c.contype = 'f' AND c.conparentid = 0`)).rows;
      partitionFks.set(t.oid, own);
    } catch { t.partitionFilter = ''; }
  }
  for (const [oid, list] of partitionFks) {
    const t = tables.get(oid)!;
    for (const fk of list) {
      const cols = fk.cols.map((n) => t.columns.find((c) => c.name === n)?.num);
      if (cols.some((n) => n === undefined)) continue;
      if (t.constraints.some((c) => c.type === 'f' && c.parent === fk.parent && c.cols.join() === cols.join())) continue;
      t.constraints.push({ name: fk.name, type: 'f', cols: cols as number[], parent: fk.parent, parentCols: fk.pcols, def: '' });
    }
  }
  const types = new Map<number, PgType>();
  const typeRows = (await db.query<{ oid: number; name: string; type: string; category: string; base: number; basemod: number; elem: number; arr: number; basename: string | null; notnull: boolean }>(`
    SELECT oid::int AS oid, typname AS name, typtype AS type, typcategory AS category, typbasetype::int AS base, typtypmod AS basemod,
           typelem::int AS elem, typarray::int AS arr, CASE WHEN typtype = 'd' THEN format_type(typbasetype, typtypmod) END AS basename, typnotnull AS notnull FROM pg_type`)).rows;
  for (const t of typeRows) {
    types.set(t.oid, { oid: t.oid, name: t.name, type: t.type, category: t.category, base: t.base, baseTypmod: t.basemod, elem: t.elem, array: t.arr, baseName: t.basename, notNull: t.notnull });
  }
  // a NOT NULL domain (at any depth) makes its columns NOT NULL
  for (const t of tables.values()) for (const c of t.columns) {
    let ty = types.get(c.typeOid);
    for (let i = 0; ty && ty.type === 'd' && i < 10; i++) { if (ty.notNull) c.notNull = true; ty = types.get(ty.base); }
  }
  const enums = new Map<number, string[]>();
  for (const e of (await db.query<{ typ: number; label: string }>('SELECT enumtypid::int AS typ, enumlabel AS label FROM pg_enum ORDER BY enumtypid, enumsortorder')).rows) {
    let l = enums.get(e.typ);
    if (!l) enums.set(e.typ, (l = []));
    l.push(e.label);
  }
  const domainChecks = new Map<number, string[]>();
  for (const d of (await db.query<{ typ: number; def: string }>("SELECT contypid::int AS typ, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contypid <> 0 AND contype = 'c'")).rows) {
    let l = domainChecks.get(d.typ);
    if (!l) domainChecks.set(d.typ, (l = []));
    l.push(d.def);
  }
  return { tables, types, enums, domainChecks };
}

/** Parents before children. A foreign key that closes a cycle (or references its own table) is "late". */
function fillOrder(tables: Map<number, Table>): { table: Table; late: Set<Constraint> }[] {
  const out: { table: Table; late: Set<Constraint> }[] = [];
  const placed = new Set<number>();
  const remaining = [...tables.values()];
  const fks = (t: Table) => t.constraints.filter((c) => c.type === 'f' && tables.has(c.parent));
  while (remaining.length) {
    let i = remaining.findIndex((t) => fks(t).every((c) => c.parent === t.oid || placed.has(c.parent)));
    if (i < 0) {
      // a cycle: start with the table whose unmet foreign keys are all nullable (else the one with fewest)
      const unmet = (t: Table) => fks(t).filter((c) => c.parent !== t.oid && !placed.has(c.parent));
      const notNullUnmet = (t: Table) => unmet(t).filter((c) => c.cols.some((n) => t.columns.find((x) => x.num === n)?.notNull)).length;
      i = remaining.map((t, k) => ({ k, n: notNullUnmet(t), m: unmet(t).length })).sort((a, b) => a.n - b.n || a.m - b.m || a.k - b.k)[0].k;
    }
    const t = remaining.splice(i, 1)[0];
    out.push({ table: t, late: new Set(fks(t).filter((c) => c.parent === t.oid || !placed.has(c.parent))) });
    placed.add(t.oid);
  }
  return out;
}

interface FillContext {
  target: number;
  types: Map<number, PgType>;
  enums: Map<number, string[]>;
  domainChecks: Map<number, string[]>;
  filledRows: Map<number, number>;
  tables: Map<number, Table>;
}

/** `col = ANY (ARRAY['a'::text, 'b'::text])` (how PostgreSQL prints `col IN ('a', 'b')`): the allowed values. */
function allowedValues(def: string, column: string): string[] | undefined {
  const name = `(?:${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|"${column.replace(/"/g, '""').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}")`;
  const m = new RegExp(`^CHECK \\(\\(*${name}(?:\\)?::[\\w ]+)?\\)? = ANY \\(\\(?ARRAY\\[(.*)\\]\\)?(?:::[\\w ]+\\[\\])?\\)\\)+$`).exec(def);
  if (!m) return undefined;
  const vals: string[] = [];
  for (const v of m[1].matchAll(/'((?:[^']|'')*)'(?:::[\w ]+)?/g)) vals.push(v[1].replace(/''/g, "'"));
  return vals.length ? vals : undefined;
}

/** Bounds a CHECK puts on a column (`col >= 18 AND col < 120`, `VALUE > 0`): the generated numbers stay inside. */
export interface Bounds { lo?: number; hi?: number }

export function boundsOf(defs: string[], column: string): Bounds {
  const b: Bounds = {};
  const name = `(?:${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|"${column.replace(/"/g, '""').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}")`;
  const re = new RegExp(`\\(${name}(?:\\)?::[\\w ]+)? (>=|>|<=|<) \\(?'?(-?\\d+(?:\\.\\d+)?)'?(?:::[\\w ]+)?\\)?\\)`, 'g');
  for (const def of defs) {
    if (/\bOR\b/i.test(def)) continue; // a disjunction: no simple range
    for (const m of def.matchAll(re)) {
      const v = Number(m[2]);
      if (m[1] === '>=' || m[1] === '>') { const lo = m[1] === '>' ? v + (Number.isInteger(v) ? 1 : 0.01) : v; b.lo = b.lo === undefined ? lo : Math.max(b.lo, lo); }
      else { const hi = m[1] === '<' ? v - (Number.isInteger(v) ? 1 : 0.01) : v; b.hi = b.hi === undefined ? hi : Math.min(b.hi, hi); }
    }
  }
  return b;
}

/** The base type of a domain (and its CHECKs), else the type itself. */
function resolve(ctx: FillContext, oid: number): { type: PgType | undefined; checks: string[]; cast?: string } {
  const checks: string[] = [];
  let t = ctx.types.get(oid), cast: string | undefined;
  for (let i = 0; t && t.type === 'd' && i < 10; i++) {
    checks.push(...(ctx.domainChecks.get(t.oid) ?? []));
    cast = t.baseName ?? undefined;
    t = ctx.types.get(t.base);
  }
  return { type: t, checks, cast };
}

const SOFT_DELETE = /(^|_)(deleted|archived|removed|canceled|cancelled|disabled|banned)(_at|_on)?$/;

/**
 * A SQL expression of one value for column `c` over the series number `dbe_g` (distinct when
 * `unique`), or undefined when the generator does not know the type.
 */
function valueExpr(ctx: FillContext, c: { name: string; typeOid: number; typmod: number }, unique: boolean, allowed?: string[], depth = 0, bounds: Bounds = {}): string | undefined {
  const { type } = resolve(ctx, c.typeOid);
  if (!type) return undefined;
  const n = ctx.target;
  // a range from the CHECKs: numbers drawn inside it (distinct ones from the low end up)
  if (['int2', 'int4', 'int8', 'numeric', 'float4', 'float8'].includes(type.name) && (bounds.lo !== undefined || bounds.hi !== undefined)) {
    const mod = type.name === 'numeric' && c.typmod > 4 ? c.typmod - 4 : -1;
    const cap = mod >= 0 ? 10 ** (((mod >> 16) & 0xffff) - (mod & 0xffff)) - 1 : type.name === 'int2' ? 32767 : Infinity;
    const lo = bounds.lo ?? Math.min(0, (bounds.hi ?? 0) - n), hi = Math.min(bounds.hi ?? lo + Math.max(n, 1000), cap);
    if (hi >= lo) {
      const int = type.name.startsWith('int');
      if (unique) return `(${lo} + dbe_g - 1)`;
      return int ? `(${Math.ceil(lo)} + floor(random() * ${Math.floor(hi) - Math.ceil(lo) + 1}))` : `round((${lo} + random() * ${hi - lo})::numeric, 2)`;
    }
  }
  const pick = (len: string) => `(1 + floor(power(random(), 2) * ${len}))::int`;
  if (allowed?.length) return `(ARRAY[${allowed.map(lit).join(', ')}])[${pick(String(allowed.length))}]`;
  if (type.type === 'e') {
    const labels = ctx.enums.get(type.oid) ?? [];
    return labels.length ? `(ARRAY[${labels.map(lit).join(', ')}])[${pick(String(labels.length))}]` : undefined;
  }
  if (type.category === 'A' && type.elem && depth === 0) {
    // an array column's typmod is its elements' (numeric(3,1)[])
    const e = valueExpr(ctx, { name: c.name, typeOid: type.elem, typmod: c.typmod }, false, undefined, 1);
    return e ? `ARRAY[${e}, ${e}]` : undefined;
  }
  const name = c.name.toLowerCase();
  switch (type.name) {
    case 'int2': return unique ? `(dbe_g % 32767)` : `floor(random() * ${Math.min(n, 30000)})`;
    case 'int4': case 'int8': case 'oid': return unique ? 'dbe_g' : `floor(random() * ${n})`;
    case 'numeric': {
      const mod = c.typmod > 4 ? c.typmod - 4 : -1;
      const p = mod >= 0 ? (mod >> 16) & 0xffff : 12, s = mod >= 0 ? mod & 0xffff : 2;
      const max = Math.min(10 ** Math.max(0, Math.min(p - s, 6)), 100000);
      if (unique) return p - s >= 6 ? 'dbe_g' : `(dbe_g % ${max})`;
      return `round((random() * ${max - 1})::numeric, ${Math.min(s, 6)})`;
    }
    case 'float4': case 'float8': return unique ? 'dbe_g + random()' : 'random() * 1000';
    case 'money': return '(random() * 1000)::numeric(12, 2)';
    case 'bool': return 'random() < 0.5';
    case 'text': case 'varchar': case 'bpchar': case 'citext': case 'name': {
      const len = type.name === 'name' ? 63 : c.typmod > 4 ? c.typmod - 4 : 0;
      let e: string;
      if (/e_?mail/.test(name)) e = unique ? `'user' || dbe_g || '@example.com'` : `'user' || floor(random() * ${n}) || '@example.com'`;
      else if (len > 0 && len <= 3) e = unique ? `lpad(to_hex(dbe_g % ${16 ** len}), ${len}, '0')` : `upper(substr(md5(floor(random() * 50)::text), 1, ${len}))`;
      else e = unique ? `${lit(name.slice(0, 12) + '-')} || dbe_g` : `${lit(name.slice(0, 12) + '-')} || floor(random() * ${n})`;
      return len > 0 ? `left(${e}, ${len})` : e;
    }
    case 'uuid': return 'gen_random_uuid()';
    case 'date': return unique ? `date '2000-01-01' + dbe_g` : `date '2021-01-01' + floor(random() * 1500)::int`;
    case 'timestamp': case 'timestamptz':
      // distinct values spread over the same four years as the others (a partition by month still gets rows)
      return unique ? `timestamp '2021-01-01' + dbe_g * (interval '1500 days' / ${Math.max(1, n)})` : `timestamp '2021-01-01' + random() * interval '1500 days'`;
    case 'time': case 'timetz': return `time '00:00' + random() * interval '24 hours'`;
    case 'interval': return unique ? `dbe_g * interval '1 second'` : `random() * interval '30 days'`;
    case 'json': case 'jsonb': return `json_build_object('n', dbe_g, 'kind', 'k' || floor(random() * 10))`;
    case 'bytea': return `decode(md5(dbe_g::text || random()::text), 'hex')`;
    case 'inet': case 'cidr': return `('10.' || (dbe_g / 65536) % 256 || '.' || (dbe_g / 256) % 256 || '.' || dbe_g % 256)`;
    case 'macaddr': return `('08:00:2b:' || lpad(to_hex((dbe_g / 65536) % 256), 2, '0') || ':' || lpad(to_hex((dbe_g / 256) % 256), 2, '0') || ':' || lpad(to_hex(dbe_g % 256), 2, '0'))`;
    case 'tsvector': return `to_tsvector('simple', 'word' || floor(random() * 1000) || ' term' || floor(random() * 100))`;
    case 'bit': case 'varbit': return `(floor(random() * 2)::int)::bit(1)`;
    case 'xml': return `('<n>' || dbe_g || '</n>')`;
    case 'year': return `2000 + floor(random() * 25)`; // a domain in pagila
  }
  return undefined;
}

interface FillResult { result: TableFill; deferred?: Constraint[] }

const maxOf = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
const minOf = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

async function fillTable(db: Db, t: Table, late: Set<Constraint>, ctx: FillContext): Promise<FillResult> {
  const result: TableFill = { table: t.name, rows: 0 };
  const skip = (why: string): FillResult => ({ result: { ...result, skipped: why } });
  if (t.hasRows) return skip('it already holds rows after the migrations (seed data): kept as it is');
  if (t.partitionFilter === 'false') return skip('a partitioned table without partitions');
  const colByNum = new Map(t.columns.map((c) => [c.num, c] as const));
  const notes: string[] = [];
  const fkCols = new Map<number, Constraint>();
  const deferred: Constraint[] = [];
  const fks: { fk: Constraint; alias: string; count: number; sequential: boolean; nullable: boolean }[] = [];
  const uniques = [
    ...t.constraints.filter((c) => c.type === 'p' || c.type === 'u').map((c) => c.cols),
    ...t.uniqueIndexes,
  ].filter((u) => u.length > 0);
  for (const fk of t.constraints.filter((c) => c.type === 'f')) {
    const cols = fk.cols.map((n) => colByNum.get(n)!);
    const nullable = cols.every((c) => !c.notNull);
    if (cols.some((c) => fkCols.has(c.num))) continue; // overlapping foreign keys: the first decides
    const parent = ctx.tables.get(fk.parent);
    if (late.has(fk) || !parent) {
      if (!parent) { if (!nullable) return skip(`its NOT NULL foreign key ${fk.name} references a table the sandbox does not fill`); }
      else if (!nullable) return skip(`its foreign key ${fk.name} (NOT NULL) closes a cycle of foreign keys${fk.parent === t.oid ? ' (it references its own table)' : ''}, so no row can be inserted first`);
      else deferred.push(fk);
      for (const c of cols) fkCols.set(c.num, fk);
      continue;
    }
    const count = ctx.filledRows.get(fk.parent) ?? (parent.hasRows ? -1 : 0);
    if (count === 0) {
      if (!nullable) return skip(`its parent ${parent.name} has no rows (foreign key ${fk.name})`);
      notes.push(`${cols.map((c) => c.name).join(', ')} left NULL: the parent ${parent.name} has no rows`);
      for (const c of cols) fkCols.set(c.num, fk);
      continue;
    }
    const sequential = uniques.some((u) => u.every((n) => fk.cols.includes(n)));
    fks.push({ fk, alias: `dbe_k${fks.length}`, count, sequential, nullable });
    for (const c of cols) fkCols.set(c.num, fk);
  }
  // the distinct column of each UNIQUE / PRIMARY KEY
  const distinct = new Set<number>();
  for (const u of uniques) {
    // already distinct: a column of it is, or is filled by PostgreSQL (serial, identity)
    if (u.some((n) => distinct.has(n) || colByNum.get(n)?.auto)) continue;
    const candidate = u.find((n) => !fkCols.has(n) && !colByNum.get(n)?.auto && valueExpr(ctx, colByNum.get(n)!, true) !== undefined && !['bool'].includes(resolve(ctx, colByNum.get(n)!.typeOid).type?.name ?? ''));
    if (candidate !== undefined) distinct.add(candidate);
  }
  // CHECKs: the table's own (over generated columns only) and its domains'
  const generatedCols = new Set<number>();
  const select: string[] = [];
  const inner: string[] = ['dbe_g'];
  const insertCols: string[] = [];
  const where: string[] = [];
  const checks = t.constraints.filter((c) => c.type === 'c');
  const pending: { c: Column; sql: string }[] = [];
  for (const c of t.columns) {
    if (c.auto) continue;
    const fk = fkCols.get(c.num);
    if (fk) {
      const f = fks.find((x) => x.fk === fk);
      if (!f) continue; // left NULL (late or empty parent)
      const i = fk.cols.indexOf(c.num);
      const parentCol = ctx.tables.get(fk.parent)!.columns.find((x) => x.num === fk.parentCols[i])!;
      insertCols.push(q(c.name));
      select.push(`${f.alias}.${q(parentCol.name)} AS ${q(c.name)}`);
      generatedCols.add(c.num);
      continue;
    }
    const own = checks.filter((k) => k.cols.length === 1 && k.cols[0] === c.num).map((k) => allowedValues(k.def, c.name)).find((v) => v);
    const dom = resolve(ctx, c.typeOid).checks.map((d) => allowedValues(d, 'VALUE')).find((v) => v);
    const bounds = boundsOf([...checks.filter((k) => k.cols.length === 1 && k.cols[0] === c.num).map((k) => k.def)], c.name);
    const domBounds = boundsOf(resolve(ctx, c.typeOid).checks, 'VALUE');
    const expr = valueExpr(ctx, c, distinct.has(c.num), own ?? dom, 0, { lo: maxOf(bounds.lo, domBounds.lo), hi: minOf(bounds.hi, domBounds.hi) });
    if (expr === undefined) {
      if (c.hasDefault) { notes.push(`${c.name} (${c.typeName}) left to its default`); continue; }
      if (!c.notNull) { notes.push(`${c.name} (${c.typeName}) left NULL: no generator for the type`); continue; }
      return skip(`no generator for the type ${c.typeName} of its NOT NULL column ${c.name}`);
    }
    const nullable = !c.notNull && !distinct.has(c.num);
    const soft = SOFT_DELETE.test(c.name.toLowerCase());
    const valued = nullable ? `CASE WHEN random() < ${soft ? 0.9 : 0.1} THEN NULL ELSE ${expr} END` : expr;
    // a domain: generated as its base type, so that its CHECKs filter rows (below) instead of failing the cast
    pending.push({ c, sql: `(${valued})::${resolve(ctx, c.typeOid).cast ?? c.typeName} AS ${q(c.name)}` });
  }
  // the expressions are tried on two rows first (one query); when that fails, column by column, and
  // a column whose values PostgreSQL will not take is left NULL or to its default (else the table is skipped)
  if (pending.length && !(await evaluates(db, pending.map((x) => x.sql)))) {
    for (const x of [...pending]) {
      if (await evaluates(db, [x.sql])) continue;
      const why = await evaluates(db, [x.sql], true);
      if (x.c.hasDefault || !x.c.notNull) {
        notes.push(`${x.c.name} (${x.c.typeName}) ${x.c.hasDefault ? 'left to its default' : 'left NULL'}: the generated values were rejected (${why})`);
        pending.splice(pending.indexOf(x), 1);
      } else return skip(`the generated values of its NOT NULL column ${x.c.name} (${x.c.typeName}) were rejected: ${why}`);
    }
  }
  for (const { c, sql } of pending) {
    inner.push(sql);
    select.push(`s.${q(c.name)}`);
    insertCols.push(q(c.name));
    generatedCols.add(c.num);
    for (const d of resolve(ctx, c.typeOid).checks) where.push(`(${d.replace(/^CHECK /, '').replace(/\bVALUE\b/g, q(c.name))}) IS NOT FALSE`);
  }
  if (!insertCols.length && !t.columns.some((c) => c.auto)) return skip('it has no column the sandbox can fill');
  for (const k of checks) {
    if (k.cols.length && k.cols.every((n) => generatedCols.has(n))) where.push(`(${k.def.replace(/^CHECK /, '').replace(/ NOT VALID$/, '')}) IS NOT FALSE`);
  }
  for (const c of t.columns) if (c.notNull && generatedCols.has(c.num)) where.push(`${q(c.name)} IS NOT NULL`);
  if (t.partitionFilter) where.push(`(${t.partitionFilter})`);
  // key tables of the parents: their rows numbered, so that a row number picks a parent
  for (const f of fks) {
    const parent = ctx.tables.get(f.fk.parent)!;
    const pcols = f.fk.parentCols.map((n) => q(parent.columns.find((c) => c.num === n)!.name));
    try {
      await db.exec(`DROP TABLE IF EXISTS ${f.alias}; CREATE TEMP TABLE ${f.alias} AS SELECT row_number() OVER () AS dbe_rn, ${pcols.join(', ')} FROM (SELECT DISTINCT ${pcols.join(', ')} FROM ${parent.name} WHERE ${pcols.map((c) => `${c} IS NOT NULL`).join(' AND ')}) p; CREATE INDEX ON ${f.alias} (dbe_rn); ANALYZE ${f.alias};`);
      f.count = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${f.alias}`)).rows[0]?.n ?? 0);
    } catch (e) {
      await dropKeys(db, fks);
      return skip(`the keys of its parent ${parent.name} could not be read (${pgMessage(e)})`);
    }
    if (f.count === 0) { await dropKeys(db, fks); return skip(`its parent ${parent.name} has no rows (foreign key ${f.fk.name})`); }
    // a skew: the first parents get most children; 10% NULL where the key is nullable
    const pick = f.sequential ? 'dbe_g' : `(1 + floor(power(random(), 2) * ${f.count}))::int`;
    inner.push(`${f.nullable ? `CASE WHEN random() < 0.1 THEN NULL ELSE ${pick} END` : pick} AS ${f.alias}_rn`);
  }
  const joins = fks.map((f) => `LEFT JOIN ${f.alias} ON ${f.alias}.dbe_rn = s.${f.alias}_rn`).join(' ');
  const cap = Math.min(ctx.target, ...fks.filter((f) => f.sequential).map((f) => f.count));
  const insert = (from: number, to: number, limit: number) => insertCols.length
    ? `INSERT INTO ${t.name} (${insertCols.join(', ')}) SELECT ${insertCols.join(', ')} FROM (SELECT ${select.join(', ')} FROM (SELECT ${inner.join(', ')} FROM generate_series(${from}, ${to}) dbe_g) s ${joins}) r${where.length ? ` WHERE ${where.join(' AND ')}` : ''} LIMIT ${limit} ON CONFLICT DO NOTHING`
    : `INSERT INTO ${t.name} SELECT FROM generate_series(${from}, ${to}) LIMIT ${limit} ON CONFLICT DO NOTHING`;
  let inserted = 0, next = 1, generated = 0, triggersOff = false;
  const limit = ctx.target * 20;
  try {
    while (inserted < cap && generated < limit) {
      // sequential foreign keys: each parent row once, so the series is the parents' row numbers
      const want = cap - inserted;
      // after a batch that lost rows to the CHECKs or conflicts: a larger one, by the yield seen
      const factor = generated ? Math.min(20, Math.ceil(generated / Math.max(inserted, 1))) : 1;
      const batch = Math.min(Math.max(want, 100) * factor, limit - generated, 50_000);
      const to = fks.some((f) => f.sequential) ? Math.min(next + batch - 1, cap) : next + batch - 1;
      if (to < next) break;
      let n: number;
      try {
        n = await insertRows(db, insert(next, to, want));
      } catch (e) {
        if (triggersOff || !(await hasUserTriggers(db, t))) throw e;
        await db.exec(`ALTER TABLE ${t.name} DISABLE TRIGGER USER`);
        triggersOff = true;
        notes.push(`filled with its triggers disabled (the insert failed with them: ${pgMessage(e)})`);
        n = await insertRows(db, insert(next, to, want));
      }
      inserted += n;
      generated += to - next + 1;
      next = to + 1;
      if (fks.some((f) => f.sequential) && next > cap) break;
    }
  } catch (e) {
    await dropKeys(db, fks);
    if (triggersOff) try { await db.exec(`ALTER TABLE ${t.name} ENABLE TRIGGER USER`); } catch { /* keep going */ }
    return skip(`PostgreSQL rejected the generated rows: ${pgMessage(e)}`);
  }
  if (triggersOff) try { await db.exec(`ALTER TABLE ${t.name} ENABLE TRIGGER USER`); } catch { /* keep going */ }
  await dropKeys(db, fks);
  result.rows = inserted;
  if (inserted === 0) {
    const named = checks.map((k) => k.name);
    const why = t.partitionFilter ? 'no generated row falls in any of its partitions'
      : named.length ? `no generated row satisfies its CHECK constraints (${named.join(', ')})`
      : 'every generated row was refused (NULL in a NOT NULL column, or a UNIQUE conflict)';
    return { result: { ...result, skipped: why } };
  }
  if (inserted < ctx.target) notes.push(`${counted(inserted, 'row')} rather than ${ctx.target}: ${cap < ctx.target ? 'a UNIQUE foreign key takes each parent row once' : 'the rest violated a CHECK or UNIQUE constraint or fell outside the partitions'}`);
  if (notes.length) result.notes = notes;
  return { result, deferred: deferred.length ? deferred : undefined };
}

/** The expressions evaluate on two generated rows (true), or PostgreSQL's message when `message`. */
async function evaluates(db: Db, exprs: string[], message?: false): Promise<boolean>;
async function evaluates(db: Db, exprs: string[], message: true): Promise<string>;
async function evaluates(db: Db, exprs: string[], message = false): Promise<boolean | string> {
  try {
    await db.query(`SELECT ${exprs.join(', ')} FROM generate_series(1, 2) dbe_g`);
    return message ? '' : true;
  } catch (e) {
    return message ? pgMessage(e) : false;
  }
}

/** Runs one batch: the rows inserted. */
async function insertRows(db: Db, sql: string): Promise<number> {
  const res = await db.query(sql);
  return res.affectedRows ?? 0;
}

async function hasUserTriggers(db: Db, t: Table): Promise<boolean> {
  const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = ${t.oid} AND NOT tgisinternal`);
  return (r.rows[0]?.n ?? 0) > 0;
}

async function dropKeys(db: Db, fks: { alias: string }[]): Promise<void> {
  for (const f of fks) try { await db.exec(`DROP TABLE IF EXISTS ${f.alias}`); } catch { /* temp: gone with the session */ }
}

/** Sets a nullable foreign key that closed a cycle, for most rows, from the parent's rows. A note when it cannot. */
async function setLateForeignKey(db: Db, t: Table, fk: Constraint, tables: Map<number, Table>): Promise<string | undefined> {
  const parent = tables.get(fk.parent)!;
  const cols = fk.cols.map((n) => q(t.columns.find((c) => c.num === n)!.name));
  const pcols = fk.parentCols.map((n) => q(parent.columns.find((c) => c.num === n)!.name));
  try {
    await db.exec(`DROP TABLE IF EXISTS dbe_late; CREATE TEMP TABLE dbe_late AS SELECT row_number() OVER () AS dbe_rn, ${pcols.join(', ')} FROM (SELECT DISTINCT ${pcols.join(', ')} FROM ${parent.name} WHERE ${pcols.map((c) => `${c} IS NOT NULL`).join(' AND ')}) p`);
    const n = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM dbe_late')).rows[0]?.n ?? 0);
    if (n === 0) return `${cols.join(', ')} left NULL: ${parent.name} has no rows`;
    await db.query(`UPDATE ${t.name} c SET (${cols.join(', ')}) = (SELECT ${pcols.map((p) => `k.${p}`).join(', ')}) FROM (SELECT ctid AS dbe_tid, (1 + floor(power(random(), 2) * ${n}))::int AS dbe_rn FROM ${t.name} WHERE random() < 0.8) pick JOIN dbe_late k ON k.dbe_rn = pick.dbe_rn WHERE c.ctid = pick.dbe_tid`);
    return undefined;
  } catch (e) {
    return `${cols.join(', ')} left NULL (foreign key ${fk.name} closes a cycle; setting it failed: ${pgMessage(e)})`;
  } finally {
    try { await db.exec('DROP TABLE IF EXISTS dbe_late'); } catch { /* temp */ }
  }
}

function pgMessage(e: unknown): string {
  const m = String((e as any)?.message ?? e);
  const code = (e as any)?.code;
  return typeof code === 'string' ? `${m} (SQLSTATE ${code})` : m;
}
