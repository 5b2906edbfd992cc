// Refactor "Create materialized view": denormalizes a heavy read query (a SELECT joining three or
// more relations, with aggregation) into a materialized view, written as a new migration in the
// project's convention (or after the query in a project without one):
//   CREATE MATERIALIZED VIEW <name> AS <the query without ORDER BY / LIMIT and parameter predicates>;
//   CREATE UNIQUE INDEX ... ON <name> (<GROUP BY keys>)  -- what REFRESH ... CONCURRENTLY needs
//   -- REFRESH MATERIALIZED VIEW CONCURRENTLY <name>;   -- for the scheduler
// "... and read from it" also replaces the query with a SELECT of the view's columns, keeping its
// parameter predicates, ORDER BY and LIMIT when they can be said in terms of the view's columns.
// Editor-free: the LSP code-action handler turns the Fix objects into workspace edits.
import type { Project } from '../engine/project';
import { placeMigrations, placesInline } from '../engine/placement';
import { statementAt } from '../engine/suppress';
import type { Fix, Statement } from '../model';
import { fileOffset } from '../replay';
import { quoteIdent } from '../sql/ident';
import { firstLocation, strings, walk } from '../sql/ast';
import { parseStatement, type Node, type Token } from '../sql/parse';
import { fileTokens, tokenIndexAt } from '../sql/spans';
import { splitStatements } from '../sql/split';
import { exprRange } from '../rules/query/util';
import type { StatementContext } from '../rules/types';

const AGGREGATES = new Set([
  'count', 'sum', 'min', 'max', 'avg', 'array_agg', 'string_agg', 'bool_and', 'bool_or', 'every', 'json_agg', 'jsonb_agg',
  'json_object_agg', 'jsonb_object_agg', 'percentile_cont', 'percentile_disc', 'mode', 'stddev', 'stddev_pop', 'stddev_samp',
  'variance', 'var_pop', 'var_samp', 'bit_and', 'bit_or', 'xmlagg', 'corr', 'covar_pop', 'covar_samp', 'range_agg',
]);

export interface MaterializedViewPlan {
  name: string;
  columns: string[];
  /** The view's query text. */
  query: string;
  /** Output columns the unique index covers, or why there is none. */
  uniqueKey: string[] | { reason: string };
  /** The replacement query, or why the query cannot be pointed at the view. */
  rewrite: string | { reason: string };
}

/** A location's file offset within `stmt`. */
const at = (stmt: Statement, loc: number | undefined) => fileOffset(stmt, loc);

/** Node payload without locations, for comparing expressions. */
function exact(node: Node | undefined): string {
  return JSON.stringify(node, (k, v) => (k === 'location' ? undefined : v));
}

/** Column name PostgreSQL gives an output expression without an alias (a subset of FigureColname). */
function figureName(val: Node | undefined): string | undefined {
  if (!val) return undefined;
  if (val.ColumnRef) { const f = strings(val.ColumnRef.fields); const last = f[f.length - 1]; return last === '*' ? undefined : last; }
  if (val.FuncCall) { const f = strings(val.FuncCall.funcname); return f[f.length - 1]; }
  if (val.TypeCast) return figureName(val.TypeCast.arg) ?? strings(val.TypeCast.typeName?.names).pop();
  if (val.CaseExpr) return 'case';
  return undefined;
}

function countRelations(items: Node[] | undefined): number {
  let n = 0;
  for (const it of items ?? []) {
    if (it.JoinExpr) n += countRelations([it.JoinExpr.larg, it.JoinExpr.rarg]);
    else if (it.RangeVar || it.RangeSubselect || it.RangeFunction || it.RangeTableFunc) n++;
  }
  return n;
}

function hasAggregate(nodes: (Node | undefined)[]): boolean {
  let found = false;
  for (const root of nodes) {
    walk(root, (kind, n) => {
      if (kind === 'SubLink') return false;
      if (kind === 'FuncCall' && !n.over) {
        const name = strings(n.funcname).pop()?.toLowerCase() ?? '';
        if (n.agg_star || n.agg_within_group || n.agg_filter || AGGREGATES.has(name)) found = true;
      }
    });
  }
  return found;
}

function contains(node: Node | undefined, kinds: string[]): boolean {
  let found = false;
  walk(node, (kind) => { if (kinds.includes(kind)) found = true; });
  return found;
}

/** Depth-0 clause keywords of the SELECT's tokens (file offsets), by name. */
function clauses(toks: Token[]): Map<string, number> {
  const out = new Map<string, number>();
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const w = toks[i].text.toLowerCase();
    if (w === '(' || w === '[') depth++;
    else if (w === ')' || w === ']') depth--;
    if (depth !== 0 || !toks[i].keyword) continue;
    const next = toks[i + 1]?.text.toLowerCase();
    const key = (w === 'group' || w === 'order') && next === 'by' && toks[i - 1]?.text.toLowerCase() !== 'within' ? w
      : ['where', 'having', 'window', 'limit', 'offset', 'fetch'].includes(w) ? w : undefined;
    if (key && !out.has(key)) out.set(key, i);
  }
  return out;
}

/** File range of a ColumnRef: its first token through `.name` continuations. */
function columnRefRange(stmt: Statement, cr: Node): { start: number; end: number } | undefined {
  const toks = fileTokens(stmt);
  let i = tokenIndexAt(toks, at(stmt, cr.location));
  if (i < 0) return undefined;
  const start = toks[i].start;
  while (i + 2 < toks.length && toks[i + 1].text === '.') i += 2;
  return { start, end: toks[i].end };
}

interface Output { name: string; val: Node }

/** The output column a ColumnRef of the source query stands for (same column, qualifier-aware). */
function outputOfColumn(outputs: Output[], cr: Node): Output | undefined {
  const f = strings(cr.fields);
  const hits = outputs.filter((o) => {
    if (!o.val.ColumnRef) return false;
    const g = strings(o.val.ColumnRef.fields);
    if (f.length > 1 && g.length > 1) return f.join('.') === g.join('.');
    return f[f.length - 1] === g[g.length - 1];
  });
  return hits.length === 1 ? hits[0] : undefined;
}

/**
 * The output column an ORDER BY / GROUP BY item stands for: a position, an output name, or the same
 * expression. A bare name means an output column first in ORDER BY, an input column first in GROUP BY.
 */
function outputOfItem(outputs: Output[], item: Node, clause: 'order' | 'group'): Output | undefined {
  const pos = item.A_Const?.ival;
  if (item.A_Const) return pos ? outputs[(pos.ival ?? 0) - 1] : undefined;
  if (item.ColumnRef) {
    const f = strings(item.ColumnRef.fields);
    if (clause === 'order' && f.length === 1) {
      const named = outputs.filter((o) => o.name === f[0]);
      if (named.length === 1) return named[0];
    }
    const same = outputOfColumn(outputs, item.ColumnRef);
    if (same) return same;
    if (f.length === 1) return outputs.find((o) => o.name === f[0] && !o.val.ColumnRef);
    return undefined;
  }
  const e = exact(item);
  return outputs.find((o) => exact(o.val) === e);
}

function fitName(name: string): string { return Buffer.byteLength(name) <= 63 ? name : name.slice(0, 63).replace(/_+$/, ''); }

/** The plan for a qualifying query, or undefined (with no reason: the refactor is simply not offered). */
export function planMaterializedView(project: Project, stmt: Statement): MaterializedViewPlan | undefined {
  if (stmt.kind !== 'SelectStmt' || stmt.templated || !stmt.node) return undefined;
  const s = stmt.node;
  if ((s.op && s.op !== 'SETOP_NONE') || s.intoClause || s.lockingClause || s.valuesLists) return undefined;
  if (countRelations(s.fromClause) < 3) return undefined;
  if (!(s.groupClause?.length || hasAggregate([...(s.targetList ?? []), s.havingClause]))) return undefined;

  // output columns (a * cannot be listed)
  const outputs: Output[] = [];
  for (const t of s.targetList ?? []) {
    const rt = t.ResTarget;
    if (!rt?.val || contains(rt.val, ['A_Star'])) return undefined;
    outputs.push({ name: rt.name ?? figureName(rt.val) ?? '?column?', val: rt.val });
  }
  const names = outputs.map((o) => o.name);
  const explicitColumns = names.some((n, i) => n === '?column?' || names.indexOf(n) !== i);
  if (explicitColumns) {
    const used = new Set<string>();
    outputs.forEach((o, i) => {
      let n = o.name === '?column?' || names.indexOf(o.name) !== i ? `col_${i + 1}` : o.name;
      while (used.has(n)) n += '_';
      used.add(n);
      o.name = n;
    });
  }

  // parameters: only in top-level WHERE conjuncts (moved to the rewritten query) or in LIMIT / OFFSET
  const conj: Node[] = s.whereClause?.BoolExpr?.boolop === 'AND_EXPR' ? s.whereClause.BoolExpr.args : s.whereClause ? [s.whereClause] : [];
  const withParams = conj.map((c) => contains(c, ['ParamRef']));
  const elsewhere = { ...s, whereClause: undefined, limitCount: undefined, limitOffset: undefined };
  if (contains(elsewhere, ['ParamRef'])) return undefined;

  const toks = fileTokens(stmt);
  const cl = clauses(toks);
  let end = toks.length;
  while (end > 0 && toks[end - 1].text === ';') end--;
  const tailIdx = Math.min(...['order', 'limit', 'offset', 'fetch'].map((k) => cl.get(k) ?? end));
  const text = stmt.file.text;
  const slice = (a: number, b: number) => (a < b ? text.slice(toks[a].start, toks[b - 1].end) : '');

  // the WHERE clause, conjunct by conjunct (separators: the last depth-0 AND before each conjunct)
  const whereIdx = cl.get('where');
  const whereEnd = Math.min(...['group', 'having', 'window', 'order', 'limit', 'offset', 'fetch'].map((k) => cl.get(k) ?? end).filter((i) => whereIdx === undefined || i > whereIdx), end);
  const pieces: { start: number; end: number }[] = [];
  if (whereIdx !== undefined) {
    const seps: number[] = [];
    for (let k = 1; k < conj.length; k++) {
      const first = tokenIndexAt(toks, at(stmt, firstLocation(conj[k])));
      let depth = 0, sep = -1;
      for (let i = whereIdx + 1; i < first; i++) {
        const w = toks[i].text.toLowerCase();
        if (w === '(' || w === '[') depth++;
        else if (w === ')' || w === ']') depth--;
        else if (depth === 0 && w === 'and') sep = i;
      }
      if (sep < 0) return undefined;
      seps.push(sep);
    }
    const bounds = [whereIdx, ...seps, whereEnd];
    for (let k = 0; k < conj.length; k++) {
      if (bounds[k] + 1 >= bounds[k + 1]) return undefined;
      pieces.push({ start: toks[bounds[k] + 1].start, end: toks[bounds[k + 1] - 1].end });
    }
  }
  const kept = pieces.filter((_, k) => !withParams[k]).map((r) => text.slice(r.start, r.end));
  const head = slice(0, whereIdx ?? whereEnd).trimEnd();
  const middle = slice(whereEnd, tailIdx).trim();
  const query = [head, kept.length ? `WHERE ${kept.join('\n  AND ')}` : '', middle].filter(Boolean).join('\n');
  if (contains(parseStatement(query).node, ['ParamRef']) || parseStatement(query).error) return undefined;

  // the unique index: one entry per GROUP BY key, each an output column
  const groups: Node[] = s.groupClause ?? [];
  let uniqueKey: MaterializedViewPlan['uniqueKey'] | undefined;
  if (!groups.length) uniqueKey = { reason: 'the query has no GROUP BY, so the view has no key columns' };
  else if (groups.some((g) => g.GroupingSet)) uniqueKey = { reason: 'GROUPING SETS, ROLLUP and CUBE produce several rows per key' };
  else if (s.distinctClause && !s.distinctClause.every((d: Node) => Object.keys(d).length === 0)) uniqueKey = { reason: 'DISTINCT ON changes which rows are kept' };
  else {
    const keys: string[] = [];
    for (const g of groups) {
      const o = outputOfItem(outputs, g, 'group');
      if (!o) {
        const r = exprRange({ stmt, offset: (l: number | undefined) => at(stmt, l) } as StatementContext, g);
        uniqueKey = { reason: `the GROUP BY key ${text.slice(r.start, r.end).replace(/\s+/g, ' ')} is not an output column of the view (select it to allow one)` };
        break;
      }
      if (!keys.includes(o.name)) keys.push(o.name);
    }
    if (!uniqueKey) uniqueKey = keys;
  }

  // the rewritten query: moved parameter predicates, ORDER BY and LIMIT in terms of the view's columns
  let rewrite: MaterializedViewPlan['rewrite'] | undefined;
  // a WHERE predicate may move after the aggregation only when it filters on grouped columns
  const groupOutputs = new Set(groups.filter((g) => !g.GroupingSet).map((g) => outputOfItem(outputs, g, 'group')?.name).filter((n): n is string => !!n));
  const moved: string[] = [];
  for (let k = 0; k < conj.length && !rewrite; k++) {
    if (!withParams[k]) continue;
    if (contains(conj[k], ['SubLink'])) { rewrite = { reason: 'a predicate with a parameter holds a subquery' }; break; }
    // each column becomes the view column it is grouped by
    const refs: { start: number; end: number; name: string }[] = [];
    walk(conj[k], (kind, n) => {
      if (kind !== 'ColumnRef') return;
      const o = outputOfColumn(outputs, n);
      const r = columnRefRange(stmt, n);
      if (!o || !r || !groupOutputs.has(o.name)) { rewrite = { reason: 'a predicate with a parameter uses a column that is not a grouped output column' }; return false; }
      refs.push({ ...r, name: o.name });
    });
    if (rewrite) break;
    let out = '', pos = pieces[k].start;
    for (const r of refs.sort((a, b) => a.start - b.start)) { out += text.slice(pos, r.start) + quoteIdent(r.name); pos = r.end; }
    moved.push(out + text.slice(pos, pieces[k].end));
  }
  // a parameter predicate that cannot move means the view cannot serve the query at all
  if (rewrite) return undefined;
  const order: string[] = [];
  for (const sb of s.sortClause ?? []) {
    const b = sb.SortBy;
    const o = b && !b.useOp ? outputOfItem(outputs, b.node, 'order') : undefined;
    if (!o) { rewrite = { reason: 'ORDER BY uses an expression that is not an output column' }; break; }
    const dir = b.sortby_dir === 'SORTBY_DESC' ? ' DESC' : b.sortby_dir === 'SORTBY_ASC' ? ' ASC' : '';
    const nulls = b.sortby_nulls === 'SORTBY_NULLS_FIRST' ? ' NULLS FIRST' : b.sortby_nulls === 'SORTBY_NULLS_LAST' ? ' NULLS LAST' : '';
    order.push(quoteIdent(o.name) + dir + nulls);
  }
  const limitIdx = Math.min(...['limit', 'offset', 'fetch'].map((k) => cl.get(k) ?? end));
  const limit = slice(limitIdx, end).trim();

  const existing = project.schema();
  const base = s.fromClause?.map((f: Node) => firstRelName(f)).find(Boolean) ?? 'query';
  const stem = fitName(Array.isArray(uniqueKey) && uniqueKey.length ? `mv_${base}_by_${uniqueKey.join('_')}` : `mv_${base}_summary`);
  let name = stem;
  for (let i = 2; existing.table(undefined, name); i++) name = fitName(`${stem.slice(0, 60)}_${i}`);

  if (!rewrite) {
    const cols = outputs.map((o) => quoteIdent(o.name)).join(', ');
    const sql = [`SELECT ${cols}`, `FROM ${quoteIdent(name)}`, moved.length ? `WHERE ${moved.join('\n  AND ')}` : '', order.length ? `ORDER BY ${order.join(', ')}` : '', limit]
      .filter(Boolean).join('\n');
    const p = parseStatement(sql);
    rewrite = p.error ? { reason: `the rewritten query does not parse (${p.error.message})` } : sql;
  }
  return { name, columns: explicitColumns ? outputs.map((o) => o.name) : [], query, uniqueKey, rewrite };
}

function firstRelName(item: Node): string | undefined {
  if (item.RangeVar) return item.RangeVar.relname;
  if (item.JoinExpr) return firstRelName(item.JoinExpr.larg) ?? firstRelName(item.JoinExpr.rarg);
  return undefined;
}

/** The migration SQL (up, down) of a plan. */
export function materializedViewSql(plan: MaterializedViewPlan): { up: string; down: string } {
  const v = quoteIdent(plan.name);
  const cols = plan.columns.length ? ` (${plan.columns.map(quoteIdent).join(', ')})` : '';
  const lines = [
    `-- A heavy read query (three or more relations joined, then aggregated), computed once and stored:`,
    `-- readers get the stored rows, as fresh as the last refresh.`,
    `CREATE MATERIALIZED VIEW ${v}${cols} AS`,
    `${plan.query};`,
  ];
  if (Array.isArray(plan.uniqueKey)) {
    lines.push(
      `-- One row per GROUP BY key: this unique index is what REFRESH ... CONCURRENTLY needs.`,
      `CREATE UNIQUE INDEX ${quoteIdent(fitName(`${plan.name}_key`))} ON ${v} (${plan.uniqueKey.map(quoteIdent).join(', ')});`,
      `-- Refresh it on a schedule (cron, pg_cron, a job runner); CONCURRENTLY lets reads go on meanwhile:`,
      `--   REFRESH MATERIALIZED VIEW CONCURRENTLY ${v};`,
    );
  } else {
    lines.push(
      `-- REFRESH ... CONCURRENTLY needs a unique index on plain columns of the view, and there is none:`,
      `-- ${plan.uniqueKey.reason}. A plain refresh locks readers out while it runs.`,
      `-- Refresh it on a schedule (cron, pg_cron, a job runner):`,
      `--   REFRESH MATERIALIZED VIEW ${v};`,
    );
  }
  return { up: lines.join('\n'), down: `DROP MATERIALIZED VIEW IF EXISTS ${v};` };
}

/**
 * The refactors offered for the statement at `range` (file offsets) of the project file `path`:
 * "Create materialized view <name>" and, when the query can read from it, "... and read from it".
 */
export function materializedViewRefactors(project: Project, path: string, range: { start: number; end: number }): Fix[] {
  const file = project.getFile(path);
  if (!file || file.skipped) return [];
  const stmt = statementAt(file, range.start);
  if (!stmt || statementAt(file, Math.max(range.start, range.end - 1)) !== stmt) return [];
  const plan = planMaterializedView(project, stmt);
  if (!plan) return [];
  const { up, down } = materializedViewSql(plan);
  if (!parsesAll(up)) return [];
  const files = project.order();
  const title = `Create materialized view ${plan.name}`;
  const [placed] = placeMigrations(files, [{ title: `Materialized view ${plan.name}`, up, down, anchor: stmt }]);
  const fixes: Fix[] = [{ title, edits: placed.edits }];
  if (typeof plan.rewrite === 'string') {
    const note = `-- Reads the materialized view ${plan.name}: as fresh as its last REFRESH.\n`;
    const query = `${note}${plan.rewrite};`;
    const edits = placesInline(files)
      // the view must exist before the query that reads it: both go where the query was
      ? [{ path, start: stmt.start, end: stmt.end, newText: `${up}\n\n${query}` }]
      : [...placed.edits, { path, start: stmt.start, end: stmt.end, newText: query }];
    fixes.push({ title: `${title} and read from it`, edits });
  }
  return fixes;
}

function parsesAll(sql: string): boolean {
  return splitStatements(sql).statements.every((s) => !parseStatement(s.text).error);
}
