// The index advisor: reads every query of the workspace (top-level statements of query files, view
// definitions, SQL and PL/pgSQL function bodies), collects what each one looks rows up by (equality
// and range predicates, join keys, ORDER BY ... LIMIT) on known tables, drops what an existing index
// already serves, and folds what is left into as few indexes as serve all of them.
// Used by the `missing-index` rule (one finding per query served) and by `dbe advise`.
import type { Loc, SourceFile, Statement } from '../model';
import type { Index, Schema, Table } from '../schema';
import { kindOf, shape, strings, walk } from '../sql/ast';
import { quoteIdent } from '../sql/ident';
import { parsePlpgsql, parseStatement, type Node } from '../sql/parse';
import { splitStatements } from '../sql/split';
import { bodyOf, bodyStart, conjuncts, normShape, queryBlocks, resolveColumn, type Block, type Rel } from '../rules/query/util';

/** One key column of a recommended index. */
export interface IndexKey { column: string; desc: boolean }

/** A query an index serves: where its table is referenced, a short text, and what it looks up by. */
export interface ServedQuery {
  loc: Loc;
  text: string;
  uses: string;
  /** Inside a function body: the query's whole text and the function's parameter names (the sandbox's evidence binds them as $n). */
  body?: { sql: string; params: string[] };
}

export interface IndexRecommendation {
  table: Table;
  keys: IndexKey[];
  include: string[];
  /** Partial-index predicate (e.g. `deleted_at IS NULL`), or ''. */
  predicate: string;
  name: string;
  /** For a table that already holds data: CONCURRENTLY IF NOT EXISTS (plain IF NOT EXISTS on a partitioned table). */
  create: string;
  /** For a table created just above, in the same migration: a plain CREATE INDEX. */
  createInline: string;
  /** The rollback of `create`. */
  drop: string;
  /** Existing plain indexes whose keys are a leading prefix of this one's: redundant once it exists. */
  supersedes: string[];
  /** True when `create` must run outside a transaction (CONCURRENTLY). */
  concurrent: boolean;
  queries: ServedQuery[];
}

// ---------------------------------------------------------------------------------------------
// Queries of the workspace

/** A query found in a statement. Offsets are relative to the statement's start (memoised per parse). */
interface Unit {
  root: Node;
  /** Byte location in the query's parsed text -> offset relative to the statement start. */
  rel(loc: number | undefined): number;
  /** The query's text, for messages. */
  text: string;
  /** Parameter names of the enclosing SQL function. */
  params?: Set<string>;
  /** Written inside a function body or a view (runs again and again), not as a top-level statement. */
  nested: boolean;
}

const TOP_QUERY = new Set(['SelectStmt', 'UpdateStmt', 'DeleteStmt', 'InsertStmt']);

/** Per-statement extraction, keyed by the parsed node (the parse cache returns the same object for unchanged text). */
const unitCache = new WeakMap<Node, Unit[]>();

function statementUnits(stmt: Statement): Unit[] {
  const node = stmt.node;
  if (!node || !stmt.kind) return [];
  let units = unitCache.get(node);
  if (!units) {
    units = extractUnits(stmt);
    unitCache.set(node, units);
  }
  return units;
}

function extractUnits(stmt: Statement): Unit[] {
  const kind = stmt.kind!;
  const node = stmt.node!;
  const bytes = stmt.parsed.bytes;
  const whole = (nested: boolean): Unit => ({
    root: { [kind]: node }, rel: (loc) => bytes.toUtf16(loc ?? 0), text: stmt.text, nested,
  });
  if (TOP_QUERY.has(kind)) return [whole(false)];
  if (kind === 'ViewStmt') return [whole(true)];
  if (kind !== 'CreateFunctionStmt') return [];
  if (node.sql_body) return [whole(true)];
  const { body, language } = bodyOf(kind, node);
  if (!body) return [];
  const params = new Set<string>();
  for (const p of node.parameters ?? []) if (p.FunctionParameter?.name) params.add(p.FunctionParameter.name);
  if (language === 'sql') {
    const base = bodyStart(stmt.text, body);
    if (base < 0 || stmt.text[base - 1] !== '$') return []; // only dollar quotes keep offsets unchanged
    const out: Unit[] = [];
    for (const raw of splitStatements(body).statements) {
      const parsed = parseStatement(raw.text);
      const k = kindOf(parsed.node);
      if (!parsed.node || !k || !TOP_QUERY.has(k)) continue;
      const at = base + raw.start;
      out.push({ root: parsed.node, rel: (loc) => at + parsed.bytes.toUtf16(loc ?? 0), text: raw.text, params, nested: true });
    }
    return out;
  }
  if (language === 'plpgsql') return plpgsqlUnits(stmt.text, params);
  return [];
}

/** The SQL inside a PL/pgSQL body: statements, and expressions holding a subquery (IF EXISTS (...), x := (SELECT ...)). */
function plpgsqlUnits(text: string, params: Set<string>): Unit[] {
  const funcs = parsePlpgsql(text);
  if (!funcs) return [];
  const found: { q: string; expr: boolean }[] = [];
  const visit = (v: any, key: string): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) { for (const x of v) visit(x, key); return; }
    for (const k of Object.keys(v)) {
      const val = v[k];
      if (k === 'PLpgSQL_expr' && typeof val?.query === 'string') {
        // statements (execsql, FOR ... IN query, RETURN QUERY, OPEN ... FOR) are whole queries; the rest are expressions
        found.push({ q: val.query, expr: key !== 'sqlstmt' && key !== 'query' });
        continue;
      }
      if (k === 'datums') continue;
      visit(val, k);
    }
  };
  visit(funcs, '');
  const out: Unit[] = [];
  let cursor = 0;
  for (let { q, expr } of found) {
    let query = q;
    let lead = 0;
    if (expr && /^\s*(with|select)\b/i.test(q)) expr = false; // PERFORM keeps its query as SELECT ...
    if (expr) {
      const m = /^\s*[A-Za-z_][\w.]*\s*:?=\s*/.exec(q); // assignment: `v := expr`
      if (m && !/^\s*(exists|not)\b/i.test(q)) lead = m[0].length;
      query = q.slice(lead);
      if (!/\bselect\b/i.test(query)) continue;
    } else if (!/^\s*(with|select|update|delete|insert)\b/i.test(q)) continue;
    // SELECT ... INTO has its INTO clause blanked out (same length): find it by the text before the blank run
    const probe = q.split(/\s{2,}/)[0];
    let at = text.indexOf(q, cursor);
    if (at < 0 && probe.length >= 6) at = text.indexOf(probe, cursor);
    let shift = expr ? 7 : 0;
    // PERFORM x FROM ... is kept as SELECT x FROM ...: find the part after the keyword
    const perform = at < 0 && !expr && /^SELECT /.test(q) ? text.indexOf(probe.slice(7), cursor) : -1;
    if (perform >= 0 && probe.length > 7) { at = perform; shift = 7; }
    if (at < 0) continue;
    cursor = at + probe.length - shift;
    const source = expr ? `SELECT ${query}` : query;
    const parsed = parseStatement(source);
    const k = kindOf(parsed.node);
    if (!parsed.node || !k || !TOP_QUERY.has(k)) continue;
    const qs = at + lead;
    out.push({
      root: parsed.node, rel: (loc) => qs + parsed.bytes.toUtf16(loc ?? 0) - shift,
      text: query, params, nested: true,
    });
  }
  return out;
}

/** A file named like a migration: numbered or timestamped, Flyway, or an up migration. */
const MIGRATION_NAME = /^(\d|V\d+__)|\d{4}-?\d{2}-?\d{2}[-_]?\d{6}|(^|[._-])up\.sql$/i;
function baseName(p: string): string { return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1); }

/**
 * A replayed file that is a migration step, whose top-level statements run once: named like one
 * (`001_x.sql`, `V1__x.sql`, `x.up.sql`), or in a folder named like one (Prisma's
 * `20230404095503_init/migration.sql`, Diesel's `2022-07-07-182650_x/up.sql`) or like a migrations
 * folder (`migrations/`, `db/migrate/`). Only the file's own folder counts: the absolute path's
 * upper folders say nothing about the project's layout. A single schema file outside such folders
 * keeps its queries (a workspace of one file is both schema and queries).
 */
export function isMigrationStep(f: SourceFile): boolean {
  // MySQL projects ship upgrade scripts under names no migration tool reads (apollo's
  // delta/v190-v200/*.sql, dolphinscheduler's upgrade/3.3.0_schema/mysql/*_dml.sql): a file in an
  // upgrade / delta / patch folder is a one-off script (see also oneOffDml)
  if (f.dialect?.family === 'mysql' && /(^|[\\/_.-])(upgrade\w*|delta|deltas|patch|patches)([\\/_.-]|$)/i.test(f.path)) return true;
  if (!f.replayed) return false;
  if (MIGRATION_NAME.test(baseName(f.path))) return true;
  const dir = f.path.replace(/[\\/]+[^\\/]*$/, '');
  const parent = baseName(dir);
  return parent !== '' && parent !== dir && (MIGRATION_NAME.test(parent) || /(^|[^a-z])migrat/i.test(parent));
}

/**
 * MySQL: a top-level INSERT / UPDATE / DELETE in a file that also changes the schema (CREATE, ALTER,
 * DROP, RENAME) is a data fix of an upgrade script: it runs once and wants no index. Its SELECTs
 * (example queries beside a schema) still count.
 */
export function oneOffDml(stmt: Statement): boolean {
  const f = stmt.file;
  if (f.dialect?.family !== 'mysql' || !(stmt.kind === 'InsertStmt' || stmt.kind === 'UpdateStmt' || stmt.kind === 'DeleteStmt')) return false;
  return f.statements.some((s) => /^\s*(create|alter|drop|rename)\b/i.test(s.text));
}

interface Query { unit: Unit; stmt: Statement }

/**
 * Every query that runs repeatedly: function bodies and views anywhere (but rollback files), and
 * top-level queries except those of migration files in a migration convention (a data fix in a
 * migration runs once: it wants no index).
 */
function* workspaceQueries(files: readonly SourceFile[]): Generator<void, Query[], void> {
  const out: Query[] = [];
  // functions and views by name: only the latest definition runs (CREATE OR REPLACE, DROP)
  const defined = new Map<string, Query[]>();
  for (const f of files) {
    if (f.isDown || f.skipped) continue;
    const oneOff = isMigrationStep(f);
    yield;
    for (const stmt of f.statements) {
      if (!stmt.node || stmt.templated) continue;
      if (stmt.kind === 'DropStmt') { for (const k of droppedNames(stmt.node)) for (const d of [...defined.keys()]) if (d === k || d.startsWith(`${k}(`)) defined.delete(d); continue; }
      const units = statementUnits(stmt);
      if (units.length === 0) continue;
      const name = definedName(stmt);
      const once = oneOff || oneOffDml(stmt);
      const qs = units.filter((u) => u.nested || !once).map((unit) => ({ unit, stmt }));
      if (name) defined.set(name, qs);
      else out.push(...qs);
    }
  }
  for (const qs of defined.values()) out.push(...qs);
  return out;
}

/** `view:schema.name` or `function:schema.name(argument types)` of a definition, else undefined. */
function definedName(stmt: Statement): string | undefined {
  const n = stmt.node!;
  if (stmt.kind === 'ViewStmt' && n.view?.relname) return `view:${n.view.schemaname ?? 'public'}.${n.view.relname}`;
  if (stmt.kind === 'CreateFunctionStmt') {
    const names = strings(n.funcname);
    const args = (n.parameters ?? []).filter((p: Node) => !['FUNC_PARAM_OUT', 'FUNC_PARAM_TABLE'].includes(p.FunctionParameter?.mode))
      .map((p: Node) => strings(p.FunctionParameter?.argType?.names).slice(-1)[0] ?? '?');
    return `function:${names.length > 1 ? names[names.length - 2] : 'public'}.${names[names.length - 1]}(${args.join(',')})`;
  }
  return undefined;
}

/** Names a DROP VIEW / DROP FUNCTION removes (a function by name: every overload matches). */
function droppedNames(n: Node): string[] {
  const out: string[] = [];
  for (const o of n.objects ?? []) {
    if (n.removeType === 'OBJECT_VIEW') {
      const names = strings(o.List?.items);
      if (names.length) out.push(`view:${names.length > 1 ? names[names.length - 2] : 'public'}.${names[names.length - 1]}`);
    } else if (n.removeType === 'OBJECT_FUNCTION' || n.removeType === 'OBJECT_PROCEDURE') {
      const names = strings(o.ObjectWithArgs?.objname);
      if (names.length) out.push(`function:${names.length > 1 ? names[names.length - 2] : 'public'}.${names[names.length - 1]}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What a query looks its rows up by

/** What one query block looks up in one table. Key ids are column names or `expr:<shape>`. */
interface Access {
  query: Query;
  table: Table;
  rv: Node;
  eq: string[];
  /** First range-compared column that is not an equality column. */
  range?: string;
  order: IndexKey[];
  /** Columns compared with IS NULL. */
  nulls: Set<string>;
  /** Shapes of the block's conjuncts (to decide whether a partial index's predicate is implied). */
  conjShapes: Set<string>;
  /** Columns of the table the query reads (SELECT only; undefined when unknown, e.g. `*`). */
  reads?: Set<string>;
  select: boolean;
  uses: string[];
}

const EQ_OPS = new Set(['=']);
const RANGE_OPS = new Set(['<', '>', '<=', '>=']);

type Side = { kind: 'key'; rel: Rel; id: string; column?: string } | { kind: 'value' } | { kind: 'other'; rels: Set<Rel> };

function keyOf(side: Node | undefined, b: Block, tables: Set<Rel>): Side {
  if (!side) return { kind: 'other', rels: new Set() };
  if (side.ColumnRef) {
    const r = resolveColumn(side.ColumnRef, b);
    if (r && tables.has(r.rel)) return { kind: 'key', rel: r.rel, id: r.column, column: r.column };
  }
  // what the side refers to: this block's relations, or nothing of this block (a value)
  const rels = new Set<Rel>();
  let unknown = false;
  walk(side, (kind, n) => {
    if (kind === 'SubLink' || kind === 'SelectStmt') { unknown = true; return false; }
    if (kind !== 'ColumnRef') return;
    const r = resolveColumn(n, b);
    if (r) { if (b.rels.includes(r.rel)) rels.add(r.rel); return; }
    const f = strings(n.fields);
    // unqualified and unresolved: a variable or parameter only when every relation in scope is known
    if (f.length === 1 && [b, ...b.outer].some((x) => x.rels.some((rl) => rl.kind !== 'table' || !rl.table))) unknown = true;
    if (f.length >= 2 && b.rels.some((rl) => rl.ref === f[f.length - 2])) unknown = true;
  });
  if (unknown) return { kind: 'other', rels };
  if (rels.size === 0) return { kind: 'value' };
  if (rels.size === 1 && !side.SubLink) {
    const rel = [...rels][0];
    if (tables.has(rel) && (side.FuncCall || side.A_Expr || side.TypeCast || side.CoalesceExpr)) return { kind: 'key', rel, id: `expr:${normShape(side)}` };
  }
  return { kind: 'other', rels };
}

/** An access as cached per query: the table by key (the schema object is rebuilt on every analysis). */
type RawAccess = Omit<Access, 'query' | 'table'> & { tableKey: string };

/** Per query: its accesses, valid while the tables it names look the same (columns, types, NOT NULL). */
const accessCache = new WeakMap<Unit, { fp: string; list: RawAccess[] }>();
const relNameCache = new WeakMap<Unit, { schema?: string; name: string }[]>();

function fingerprint(unit: Unit, schema: Schema): string {
  let names = relNameCache.get(unit);
  if (!names) {
    const seen = new Map<string, { schema?: string; name: string }>();
    walk(unit.root, (kind, n) => { if (kind === 'RangeVar' && n.relname) seen.set(`${n.schemaname ?? ''}.${n.relname}`, { schema: n.schemaname, name: n.relname }); });
    relNameCache.set(unit, (names = [...seen.values()]));
  }
  return names.map((r) => {
    const t = schema.table(r.schema, r.name);
    if (!t) return '-';
    let cols = '';
    for (const c of t.columns.values()) cols += `${c.name}:${c.type}${c.array ? '[]' : ''}${c.notNull ? '!' : ''},`;
    // the unique keys too: a table joined on one is probed per row (blockAccesses)
    return `${t.key}/${t.kind}/${t.partitionOf ?? ''}/${cols}/${uniqueKeys(schema, t).map((k) => k.join(',')).join(';')}`;
  }).join('|');
}

function unitAccesses(unit: Unit, schema: Schema): RawAccess[] {
  const fp = fingerprint(unit, schema);
  const hit = accessCache.get(unit);
  if (hit && hit.fp === fp) return hit.list;
  let list: RawAccess[] = [];
  try {
    for (const b of queryBlocks(unit.root, schema, unit.params)) {
      for (const a of blockAccesses(b, schema)) list.push({ ...a, tableKey: a.table.key });
    }
  } catch { list = []; }
  accessCache.set(unit, { fp, list });
  return list;
}

/** Column sets of the table's plain (non-partial, non-expression) unique btree indexes, primary key included. */
function uniqueKeys(schema: Schema, t: Table): string[][] {
  const out: string[][] = [];
  if (t.primaryKey?.columns.length) out.push(t.primaryKey.columns);
  for (const ix of schema.indexesOf(t)) {
    if (!(ix.unique || ix.constraint) || ix.predicate || ix.method !== 'btree' || ix.columns.some((c) => c === null)) continue;
    out.push(ix.columns as string[]);
  }
  return out;
}

function blockAccesses(b: Block, schema: Schema): Omit<Access, 'query'>[] {
  const tables = new Set(b.rels.filter((r) => r.kind === 'table' && r.table && r.table.kind === 'table' && !r.catalog));
  if (tables.size === 0) return [];
  const per = new Map<Rel, { eq: string[]; range: string[]; nulls: Set<string>; conj: Set<string>; uses: string[] }>();
  const get = (r: Rel) => {
    let v = per.get(r);
    if (!v) per.set(r, (v = { eq: [], range: [], nulls: new Set(), conj: new Set(), uses: [] }));
    return v;
  };
  const joins: [Side & { kind: 'key' }, Side & { kind: 'key' }][] = [];
  for (const f of b.filters) {
    for (const c of conjuncts(f.expr)) {
      const e = c.A_Expr;
      const touched = new Set<Rel>();
      if (e) {
        const op = strings(e.name)[0];
        const l = keyOf(e.lexpr, b, tables);
        // `x = NULL` (or `NULL < x`) is never true: the query is broken (equals-null says so), not slow
        const isNull = (n: Node | undefined) => !!(n?.A_Const?.isnull || n?.TypeCast?.arg?.A_Const?.isnull);
        if (e.kind === 'AEXPR_OP' && (isNull(e.lexpr) || isNull(e.rexpr))) {
          // nothing to index
        } else if (e.kind === 'AEXPR_OP' && (EQ_OPS.has(op) || RANGE_OPS.has(op))) {
          const r = keyOf(e.rexpr, b, tables);
          const one = l.kind === 'key' && r.kind === 'value' ? l : r.kind === 'key' && l.kind === 'value' ? r : undefined;
          if (one) {
            const a = get(one.rel);
            (EQ_OPS.has(op) ? a.eq : a.range).push(one.id);
            touched.add(one.rel);
          } else if (EQ_OPS.has(op) && l.kind === 'key' && r.kind === 'key' && l.rel !== r.rel && l.column && r.column) {
            joins.push([l, r]);
          }
        } else if ((e.kind === 'AEXPR_IN' && op === '=') || (e.kind === 'AEXPR_OP_ANY' && op === '=')) {
          const r = keyOf(e.kind === 'AEXPR_IN' ? { List: { items: e.rexpr?.List?.items ?? [] } } : e.rexpr, b, tables);
          if (l.kind === 'key' && r.kind === 'value') { get(l.rel).eq.push(l.id); touched.add(l.rel); }
        } else if (e.kind === 'AEXPR_BETWEEN' || e.kind === 'AEXPR_BETWEEN_SYM') {
          const r = keyOf(e.rexpr, b, tables);
          if (l.kind === 'key' && r.kind === 'value') { get(l.rel).range.push(l.id); touched.add(l.rel); }
        }
      } else if (c.NullTest?.arg?.ColumnRef) {
        const r = keyOf(c.NullTest.arg, b, tables);
        if (r.kind === 'key' && r.column) {
          const a = get(r.rel);
          if (c.NullTest.nulltesttype === 'IS_NULL') a.nulls.add(r.column);
          touched.add(r.rel);
        }
      }
      const s = shape(c);
      for (const rel of touched) get(rel).conj.add(s);
    }
  }
  // A join key is looked up on the side reached from the other: starting from the tables with filters
  // of their own (constants, parameters, outer columns), each join leads to a table looked up per row
  // of one already reached. Without any filter the join reads whole tables (a hash join): no lookups.
  // A table joined on a unique key of its own (the join columns, with its own `=` columns, cover its
  // primary key or a UNIQUE index) is probed through that index once per row of the other side: its
  // own filter is checked on the one row found (`JOIN org o ON o.id = t.org_id AND o.type = 'x'`:
  // o is found by its primary key). So it starts nothing while the other side can be reached from
  // a filter of its own; only when it cannot is the probed table a starting point after all.
  const probed = new Set<Rel>();
  for (const r of tables) {
    const a = per.get(r);
    if (!a || (a.eq.length === 0 && a.range.length === 0)) continue;
    const joinCols = new Set<string>();
    for (const [l, rr] of joins) { if (l.rel === r && l.column) joinCols.add(l.column); if (rr.rel === r && rr.column) joinCols.add(rr.column); }
    if (joinCols.size === 0) continue;
    const have = new Set([...a.eq, ...joinCols]);
    if (uniqueKeys(schema, r.table!).some((k) => k.some((c) => joinCols.has(c)) && k.every((c) => have.has(c)))) probed.add(r);
  }
  const reached = new Set<Rel>();
  for (const r of b.rels) { const a = per.get(r); if (!probed.has(r) && a && (a.eq.length > 0 || a.range.length > 0)) reached.add(r); }
  const pending = joins.slice();
  const spread = () => {
    for (let grew = true; grew;) {
      grew = false;
      for (let i = 0; i < pending.length; i++) {
        const [l, r] = pending[i];
        const inl = reached.has(l.rel), inr = reached.has(r.rel);
        if (inl === inr) { if (inl) pending.splice(i--, 1); continue; }
        const inner = inl ? r : l;
        get(inner.rel).eq.push(inner.id);
        get(inner.rel).uses.push(`join key ${inner.column}`);
        reached.add(inner.rel);
        pending.splice(i--, 1);
        grew = true;
      }
    }
  };
  spread();
  // probed tables nothing else reaches start after all: first those an index already finds by
  // their own `=` columns (a film_actor row by the actor_id its primary key leads with), then the rest
  const leads = (r: Rel) => {
    const eq = new Set(per.get(r)!.eq);
    return eq.size > 0 && schema.indexesOf(r.table!).some((ix) => ix.method === 'btree' && !ix.predicate
      && ix.columns.length >= eq.size && ix.columns.slice(0, eq.size).every((c) => c !== null && eq.has(c)));
  };
  for (const first of [true, false]) {
    const start = [...probed].filter((r) => !reached.has(r) && (!first || leads(r)));
    if (start.length) { for (const r of start) reached.add(r); spread(); }
  }
  // ORDER BY ... LIMIT on one table's columns
  const orderBy = new Map<Rel, IndexKey[]>();
  const sel = b.kind === 'select' ? b.node : undefined;
  if (sel?.limitCount && (sel.sortClause ?? []).length && !(sel.groupClause ?? []).length && !sel.distinctClause) {
    const keys: IndexKey[] = [];
    let rel: Rel | undefined;
    let ok = true;
    for (const item of sel.sortClause) {
      const sb = item.SortBy;
      const k = sb?.node?.ColumnRef ? keyOf(sb.node, b, tables) : undefined;
      if (!k || k.kind !== 'key' || !k.column || (rel && rel !== k.rel)) { ok = false; break; }
      rel = k.rel;
      keys.push({ column: k.column, desc: sb.sortby_dir === 'SORTBY_DESC' });
    }
    if (ok && rel) orderBy.set(rel, keys);
  }
  const out: Omit<Access, 'query'>[] = [];
  for (const rel of tables) {
    const a = per.get(rel);
    const order = orderBy.get(rel) ?? [];
    if (!a && order.length === 0) continue;
    const eq = dedupe(a?.eq ?? []);
    const range = (a?.range ?? []).find((r) => !eq.includes(r));
    if (eq.length === 0 && !range && order.length === 0) continue;
    const uses: string[] = [];
    const eqCols = eq.filter((x) => !x.startsWith('expr:'));
    const joinCols = new Set((a?.uses ?? []).map((u) => u.replace(/^join key /, '')));
    const plainEq = eqCols.filter((c) => !joinCols.has(c));
    if (plainEq.length) uses.push(`${plainEq.join(' = …, ')} = …`);
    if (joinCols.size) uses.push(`join on ${[...joinCols].join(', ')}`);
    if (range && !range.startsWith('expr:')) uses.push(`range on ${range}`);
    if (order.length) uses.push(`ORDER BY ${order.map((o) => o.column + (o.desc ? ' DESC' : '')).join(', ')} LIMIT`);
    out.push({
      table: rel.table!, rv: rel.rv!, eq, range, order, nulls: a?.nulls ?? new Set(), conjShapes: a?.conj ?? new Set(),
      reads: b.kind === 'select' ? readColumns(b, rel) : undefined, select: b.kind === 'select', uses,
    });
  }
  return out;
}

function dedupe(list: string[]): string[] { return [...new Set(list)]; }

/** Columns of `rel` a SELECT block refers to; undefined when it reads the whole row (`*`, `t.*`, `t`). */
function readColumns(b: Block, rel: Rel): Set<string> | undefined {
  const out = new Set<string>();
  let whole = false;
  walk(b.node, (kind, n) => {
    if (kind === 'SubLink' || kind === 'RangeSubselect') return false;
    if (kind === 'SelectStmt' && n !== b.node) return false;
    if (kind !== 'ColumnRef') return;
    const f = strings(n.fields);
    if (f[f.length - 1] === '*') { if (f.length === 1 || f[f.length - 2] === rel.ref) whole = true; return; }
    if (f.length === 1 && f[0] === rel.ref) { whole = true; return; }
    const r = resolveColumn(n, b);
    if (r?.rel === rel) out.add(r.column);
  });
  return whole ? undefined : out;
}

// ---------------------------------------------------------------------------------------------
// Whether an index serves an access

interface IndexLike { keys: string[]; desc: boolean[]; unique: boolean; method: string; predicate: Node[] | undefined; partial: boolean }

function exprId(s: string): string {
  try { return `expr:${normShape(JSON.parse(s))}`; } catch { return `expr:${s}`; }
}

function existingIndex(ix: Index): IndexLike {
  let predicate: Node[] | undefined;
  if (ix.predicate) { try { predicate = conjuncts(JSON.parse(ix.predicate)); } catch { predicate = undefined; } }
  return {
    keys: ix.columns.map((c, i) => c ?? exprId(ix.exprs[i])), desc: ix.columns.map((_, i) => !!ix.desc?.[i]),
    unique: ix.unique || !!ix.constraint, method: ix.method, predicate, partial: !!ix.predicate,
  };
}

/** True when every conjunct of a partial index's predicate is one of the query's, or `col IS NOT NULL` on a compared column. */
function predicateImplied(ix: IndexLike, a: Access): boolean {
  if (!ix.partial) return true;
  if (!ix.predicate) return false;
  return ix.predicate.every((p) => {
    if (a.conjShapes.has(shape(p))) return true;
    const t = p.NullTest;
    if (t?.nulltesttype === 'IS_NOT_NULL' && t.arg?.ColumnRef) {
      const f = strings(t.arg.ColumnRef.fields);
      const c = f[f.length - 1];
      return a.eq.includes(c) || a.range === c;
    }
    return false;
  });
}

/** Columns a partial index's predicate compares with `=` to a constant. */
function pinnedBy(ix: IndexLike): Set<string> {
  const out = new Set<string>();
  for (const p of ix.predicate ?? []) {
    const e = p.A_Expr;
    if (e?.kind !== 'AEXPR_OP' || strings(e.name)[0] !== '=') continue;
    for (const [c, v] of [[e.lexpr, e.rexpr], [e.rexpr, e.lexpr]]) {
      if (c?.ColumnRef && (v?.A_Const || v?.TypeCast?.arg?.A_Const)) out.add(strings(c.ColumnRef.fields).slice(-1)[0]);
    }
  }
  return out;
}

function orderMatches(keys: string[], desc: boolean[], from: number, order: IndexKey[]): boolean {
  if (keys.length - from < order.length) return false;
  const flip = desc[from] !== order[0].desc;
  return order.every((o, i) => keys[from + i] === o.column && (desc[from + i] !== o.desc) === flip);
}

/**
 * True when an index serves an access: its leading columns are the equality columns in any order
 * (boolean ones may be left out when another remains: they narrow too little to matter), then the
 * range or ORDER BY columns; or it is unique and every column of it is compared with `=`.
 */
function serves(ix: IndexLike, a: Access, eq: string[]): boolean {
  if (!predicateImplied(ix, a)) return false;
  if (ix.method === 'hash') return ix.keys.length === 1 && eq.includes(ix.keys[0]);
  // GIN on an array column (array_ops) and GiST/SP-GiST on a range column (range_ops) answer `=`
  // too: an equality lookup on that column is served, though not its ordering.
  if ((ix.method === 'gin' || ix.method === 'gist' || ix.method === 'spgist') && ix.keys.length > 0 && eq.includes(ix.keys[0])) {
    const col = a.table.columns.get(ix.keys[0]);
    if (ix.method === 'gin' ? !!col?.array : /range$/.test(col?.type ?? '') && !col?.array) return !a.range && a.order.length === 0;
  }
  if (ix.method !== 'btree') return false;
  // a partial index's own `col = constant` conjuncts already pin those columns: it holds only such rows
  const pinned = pinnedBy(ix);
  if (pinned.size) eq = eq.filter((k) => !pinned.has(k));
  const E = new Set(eq);
  if (ix.partial && E.size === 0 && !a.range && a.order.length === 0) return true;
  if (ix.unique && ix.keys.length > 0 && ix.keys.every((k) => E.has(k))) return true;
  const isBool = (k: string) => a.table.columns.get(k)?.type === 'bool';
  const required = eq.some((k) => !isBool(k)) ? eq.filter((k) => !isBool(k)) : eq;
  let p = 0;
  while (p < ix.keys.length && E.has(ix.keys[p])) p++;
  if (E.size > 0) {
    const lead = new Set(ix.keys.slice(0, p));
    if (!required.every((k) => lead.has(k))) return false;
    if (p < E.size && a.order.length && !a.range) return false;
    if (a.order.length && !a.range) {
      const rest = a.order.filter((o) => !E.has(o.column));
      return rest.length === 0 || orderMatches(ix.keys, ix.desc, p, rest);
    }
    return true;
  }
  if (a.range) return ix.keys[0] === a.range || (a.order.length > 0 && ix.keys[0] === a.order[0].column && a.order[0].column === a.range);
  return a.order.length > 0 && orderMatches(ix.keys, ix.desc, 0, a.order);
}

// ---------------------------------------------------------------------------------------------
// Tables that need no index

const SOFT_DELETE = /^(deleted|archived|removed)(_at|_on|_date|_time)?$/;

/**
 * Small lookup tables: at most 5 columns, filled only by `INSERT ... VALUES` lists (at most 1,000 rows
 * in all) in the migrations, never by COPY, and never written by a function or query file.
 */
function* lookupTables(files: readonly SourceFile[], schema: Schema, queries: Query[]): Generator<void, Set<string>, void> {
  const rows = new Map<string, number>();
  const written = new Set<string>();
  const keyOfRv = (rv: Node | undefined) => (rv?.relname ? schema.table(rv.schemaname, rv.relname)?.key : undefined);
  for (const f of files) {
    if (f.isDown || !f.replayed) continue;
    yield;
    for (const s of f.statements) {
      if (s.kind === 'InsertStmt') {
        const k = keyOfRv(s.node!.relation);
        if (!k) continue;
        const values = s.node!.selectStmt?.SelectStmt?.valuesLists;
        if (values) rows.set(k, (rows.get(k) ?? 0) + values.length);
        else written.add(k);
      } else if (s.kind === 'CopyStmt' && s.node!.is_from) {
        const k = keyOfRv(s.node!.relation);
        if (k) written.add(k);
      }
    }
  }
  for (const q of queries) {
    if (!q.unit.nested && q.stmt.file.replayed) continue;
    yield;
    walk(q.unit.root, (kind, n) => {
      if (kind === 'InsertStmt' || kind === 'UpdateStmt' || kind === 'DeleteStmt') { const k = keyOfRv(n.relation); if (k) written.add(k); }
    });
  }
  const out = new Set<string>();
  for (const [k, n] of rows) {
    const t = schema.tables.get(k);
    if (t && n <= 1000 && !written.has(k) && t.columns.size <= 5) out.add(k);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Recommendations

interface Candidate { access: Access; eq: string[]; keys: IndexKey[]; predicate: string }

function candidateFor(a: Access, indexes: IndexLike[]): Candidate | undefined {
  const t = a.table;
  // expressions count only when an index has them (otherwise non-sargable-predicate speaks of them)
  const known = new Set(indexes.flatMap((ix) => ix.keys.filter((k) => k.startsWith('expr:'))));
  const eq = a.eq.filter((k) => (k.startsWith('expr:') ? known.has(k) : t.columns.has(k)));
  const range = a.range && (a.range.startsWith('expr:') ? undefined : t.columns.has(a.range) ? a.range : undefined);
  if (eq.length === 0 && !range && a.order.length === 0) return undefined;
  if (indexes.some((ix) => serves(ix, { ...a, eq, range }, eq))) return undefined;
  // from here on only plain columns count: the index recommended is on them
  // booleans beside a selective column add nothing worth an index column
  const allEq = eq.filter((k) => !k.startsWith('expr:'));
  const plainEq = allEq.some((k) => t.columns.get(k)?.type !== 'bool') ? allEq.filter((k) => t.columns.get(k)?.type !== 'bool') : allEq;
  const access: Access = { ...a, eq: plainEq, range };
  if (plainEq.length < eq.length && indexes.some((ix) => serves(ix, access, plainEq))) return undefined;
  const keys: IndexKey[] = plainEq.map((c) => ({ column: c, desc: false }));
  const order = a.order.filter((o) => !plainEq.includes(o.column) && t.columns.has(o.column));
  if (range) {
    if (order.length && order[0].column === range) keys.push(...order);
    else keys.push({ column: range, desc: false });
  } else keys.push(...order);
  if (keys.length === 0) return undefined;
  // not selective in an obvious way: booleans alone
  if (keys.every((k) => t.columns.get(k.column)?.type === 'bool')) return undefined;
  const soft = [...a.nulls].find((c) => SOFT_DELETE.test(c) && t.columns.has(c) && !t.columns.get(c)!.notNull);
  return { access, eq: plainEq, keys, predicate: soft ? `${quoteIdent(soft)} IS NULL` : '' };
}

function asIndex(keys: IndexKey[], predicate: string): IndexLike {
  let pred: Node[] | undefined;
  if (predicate) pred = conjuncts(parseStatement(`SELECT 1 WHERE ${predicate}`).node?.SelectStmt?.whereClause);
  return { keys: keys.map((k) => k.column), desc: keys.map((k) => k.desc), unique: false, method: 'btree', predicate: pred, partial: !!predicate };
}

function objectName(parts: string[]): string {
  const name = parts.join('_').toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  return name.length > 63 ? name.slice(0, 63).replace(/_+$/, '') : name;
}

/** The table as generated SQL names it: schema-qualified outside public, or when its CREATE TABLE qualified it (dumps that empty the search_path). */
function tableRef(t: Table, files: readonly SourceFile[]): string {
  const file = files.find((f) => f.path === t.loc.path);
  const qualified = t.schema !== 'public' || (!!file && /\.\s*$/.test(file.text.slice(Math.max(0, t.loc.start - 8), t.loc.start)));
  return qualified ? `${quoteIdent(t.schema)}.${quoteIdent(t.name)}` : quoteIdent(t.name);
}

const WIDE = new Set(['json', 'jsonb', 'bytea', 'xml', 'tsvector']);

/** One computation per analysis: missing-index, fk-without-index and the Schema view all ask. */
const recommendationCache = new WeakMap<Schema, { files: readonly SourceFile[]; recs: IndexRecommendation[] }>();

/** Index recommendations for the workspace's queries (files in migration order, the final schema). */
export function recommendIndexes(files: readonly SourceFile[], schema: Schema): IndexRecommendation[] {
  const steps = recommendIndexesSteps(files, schema);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * recommendIndexes() in steps: pauses after each file, query and table (a rule on the language
 * server's side lets requests be answered in between). The schema and files must not change until
 * it is done.
 */
export function* recommendIndexesSteps(files: readonly SourceFile[], schema: Schema): Generator<void, IndexRecommendation[], void> {
  const hit = recommendationCache.get(schema);
  if (hit && hit.files === files) return hit.recs;
  const recs = yield* computeRecommendations(files, schema);
  recommendationCache.set(schema, { files, recs });
  return recs;
}

function* computeRecommendations(files: readonly SourceFile[], schema: Schema): Generator<void, IndexRecommendation[], void> {
  const queries = yield* workspaceQueries(files);
  if (queries.length === 0) return [];
  const lookups = yield* lookupTables(files, schema, queries);
  const indexCache = new Map<string, IndexLike[]>();
  const indexesOf = (t: Table) => {
    let v = indexCache.get(t.key);
    if (!v) {
      // a partitioned table's lookups use its partitions' indexes too
      const own = schema.indexesOf(t);
      if (t.partitioned) for (const p of schema.tables.values()) if (p.partitionOf === t.key) own.push(...schema.indexesOf(p));
      indexCache.set(t.key, (v = own.map(existingIndex)));
    }
    return v;
  };
  const groups = new Map<string, Candidate[]>();
  for (const q of queries) {
    yield;
    for (const raw of unitAccesses(q.unit, schema)) {
      const table = schema.tables.get(raw.tableKey);
      if (!table) continue;
      const a: Access = { ...raw, query: q, table };
      {
        if (lookups.has(a.table.key) || a.table.partitionOf) continue;
        const c = candidateFor(a, indexesOf(a.table));
        if (!c) continue;
        const g = `${a.table.key}\u0000${c.predicate}`;
        let list = groups.get(g);
        if (!list) groups.set(g, (list = []));
        list.push(c);
      }
    }
  }
  const taken = new Set([...schema.indexes.values()].map((ix) => `${ix.table.split('.')[0]}.${ix.name}`));
  const out: IndexRecommendation[] = [];
  for (const cands of groups.values()) {
    yield;
    const t = cands[0].access.table;
    // equality columns most queries share go first, so that one index serves them all
    const freq = new Map<string, number>();
    for (const c of cands) for (const k of c.eq) freq.set(k, (freq.get(k) ?? 0) + 1);
    const colOrder = new Map([...t.columns.keys()].map((k, i) => [k, i] as const));
    const boolish = (k: string) => (t.columns.get(k)?.type === 'bool' ? 1 : 0);
    for (const c of cands) {
      const eq = [...c.eq].sort((x, y) => boolish(x) - boolish(y) || freq.get(y)! - freq.get(x)! || colOrder.get(x)! - colOrder.get(y)!);
      c.keys = [...eq.map((column) => ({ column, desc: false })), ...c.keys.slice(c.eq.length)];
    }
    const order = cands.map((c, i) => ({ c, i })).sort((x, y) => y.c.keys.length - x.c.keys.length || x.i - y.i).map((x) => x.c);
    const recs: { keys: IndexKey[]; predicate: string; members: Candidate[]; ix: IndexLike }[] = [];
    for (const c of order) {
      const home = recs.find((r) => serves(r.ix, c.access, c.access.eq));
      if (home) home.members.push(c);
      else recs.push({ keys: c.keys, predicate: c.predicate, members: [c], ix: asIndex(c.keys, c.predicate) });
    }
    for (const r of recs) {
      const rec = finish(t, r.keys, r.predicate, r.members, taken, tableRef(t, files));
      const pred = rec.predicate ? shape(parseStatement(`SELECT 1 WHERE ${rec.predicate}`).node?.SelectStmt?.whereClause) : '';
      rec.supersedes = schema.indexesOf(t).filter((ix) => !ix.unique && !ix.constraint && ix.method === 'btree' && ix.predicate === pred
        && ix.columns.length <= rec.keys.length && ix.columns.every((c, i) => c === rec.keys[i].column && !!ix.desc?.[i] === rec.keys[i].desc)
        && ix.include.every((c) => rec.keys.some((k) => k.column === c) || rec.include.includes(c))).map((ix) => ix.name);
      out.push(rec);
    }
  }
  out.sort((a, b) => a.queries[0].loc.path.localeCompare(b.queries[0].loc.path) || a.queries[0].loc.start - b.queries[0].loc.start);
  return out;
}

function finish(t: Table, keys: IndexKey[], predicate: string, members: Candidate[], taken: Set<string>, ref: string): IndexRecommendation {
  const queries: ServedQuery[] = [];
  // one entry per query (a self-join references the table twice: its first reference stands for it)
  const seen = new Set<Query>();
  const byPlace = (a: Candidate, b: Candidate) => a.access.query.stmt.file.path.localeCompare(b.access.query.stmt.file.path)
    || a.access.query.stmt.start - b.access.query.stmt.start || (a.access.rv.location ?? 0) - (b.access.rv.location ?? 0);
  for (const m of members.slice().sort(byPlace)) {
    const q = m.access.query;
    if (seen.has(q)) continue;
    seen.add(q);
    const start = q.stmt.start + q.unit.rel(m.access.rv.location);
    const text = q.stmt.file.text;
    // a name as written: "PostgreSQL" or `MySQL` quoted, or bare, qualified or not
    const m2 = /^("(?:[^"]|"")*"|`(?:[^`]|``)*`|[\w$]+)(\s*\.\s*("(?:[^"]|"")*"|`(?:[^`]|``)*`|[\w$]+))*/.exec(text.slice(start, start + 200));
    const loc: Loc = { path: q.stmt.file.path, start, end: start + (m2 ? m2[0].length : 1) };
    const served: ServedQuery = { loc, text: brief(q.unit.text), uses: m.access.uses.join('; ') };
    if (q.stmt.kind === 'CreateFunctionStmt' && q.unit.text !== q.stmt.text) served.body = { sql: q.unit.text, params: [...(q.unit.params ?? [])] };
    queries.push(served);
  }
  // INCLUDE: several SELECTs read the same few other columns: make them index-only
  let include: string[] = [];
  const keyCols = new Set(keys.map((k) => k.column));
  if (queries.length >= 2 && members.every((m) => m.access.select && m.access.reads)) {
    const extra = new Set<string>();
    for (const m of members) for (const c of m.access.reads!) if (!keyCols.has(c)) extra.add(c);
    const cols = [...extra];
    if (cols.length >= 1 && cols.length <= 3 && cols.every((c) => t.columns.has(c) && !WIDE.has(t.columns.get(c)!.type) && !t.columns.get(c)!.array)) include = cols;
  }
  let name = objectName(['idx', t.name, ...keys.map((k) => k.column)]);
  if (taken.has(`${t.schema}.${name}`)) {
    for (let n = 1; ; n++) {
      const c = objectName([name.slice(0, 60), String(n)]);
      if (!taken.has(`${t.schema}.${c}`)) { name = c; break; }
    }
  }
  taken.add(`${t.schema}.${name}`);
  const cols = keys.map((k) => quoteIdent(k.column) + (k.desc ? ' DESC' : '')).join(', ');
  const tail = `${include.length ? ` INCLUDE (${include.map(quoteIdent).join(', ')})` : ''}${predicate ? ` WHERE ${predicate}` : ''};`;
  const concurrent = !t.partitioned;
  // the index lives in its table's schema: qualified like the table
  const qualified = ref.startsWith(`${quoteIdent(t.schema)}.`) ? `${quoteIdent(t.schema)}.${quoteIdent(name)}` : quoteIdent(name);
  return {
    table: t, keys, include, predicate, name, concurrent, queries, supersedes: [],
    create: `CREATE INDEX${concurrent ? ' CONCURRENTLY' : ''} IF NOT EXISTS ${quoteIdent(name)} ON ${ref} (${cols})${tail}`,
    createInline: `CREATE INDEX ${quoteIdent(name)} ON ${ref} (${cols})${tail}`,
    drop: `DROP INDEX${concurrent ? ' CONCURRENTLY' : ''} IF EXISTS ${qualified};`,
  };
}

function brief(text: string, max = 80): string {
  const t = text.replace(/--[^\n]*/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** Key columns as written in a message: `a, b DESC`. */
export function keyList(r: IndexRecommendation): string {
  return r.keys.map((k) => k.column + (k.desc ? ' DESC' : '')).join(', ');
}
