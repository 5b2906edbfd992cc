import { strings, typeInfo, walk } from '../../sql/ast';
import type { Node } from '../../sql/parse';
import type { Rule } from '../types';
import { brief, exprRange, indexExprShapes, normShape, resolveColumn, textOf, type Block, type ResolvedColumn, queryContexts, blocksOf } from './util';

const COMPARISONS = new Set(['=', '<', '>', '<=', '>=']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '||']);
const TEXTISH = new Set(['text', 'varchar']);
const AGGREGATES = new Set(['count', 'sum', 'min', 'max', 'avg', 'array_agg', 'string_agg', 'bool_and', 'bool_or', 'every', 'json_agg', 'jsonb_agg']);

/** Comparisons inside a filter (through AND/OR/NOT, not into subqueries), with the sides to check. */
function comparisons(expr: Node): Node[][] {
  const out: Node[][] = [];
  walk(expr, (kind, n) => {
    if (kind === 'SubLink' || kind === 'SelectStmt') return false;
    if (kind !== 'A_Expr') return;
    const op = strings(n.name)[0];
    if (n.kind === 'AEXPR_OP' && COMPARISONS.has(op)) { out.push([n.lexpr, n.rexpr]); return false; }
    if (n.kind === 'AEXPR_IN' && op === '=') { out.push([n.lexpr]); return false; }
    if (n.kind === 'AEXPR_BETWEEN' || n.kind === 'AEXPR_BETWEEN_SYM') { out.push([n.lexpr]); return false; }
  });
  return out;
}

/** The column a computed side wraps, when the side is a function call, cast or arithmetic over a column. */
function wrappedColumn(side: Node | undefined, b: Block): { col: ResolvedColumn; what: string } | undefined {
  if (!side) return undefined;
  let what: string;
  let operands: Node[];
  if (side.FuncCall) {
    const f = side.FuncCall;
    const name = strings(f.funcname).slice(-1)[0]?.toLowerCase() ?? '';
    if (f.over || f.agg_star || AGGREGATES.has(name) || f.agg_filter) return undefined;
    what = 'a function call';
    operands = f.args ?? [];
  } else if (side.TypeCast) {
    what = 'a cast';
    operands = [side.TypeCast.arg];
  } else if (side.A_Expr && side.A_Expr.kind === 'AEXPR_OP' && ARITHMETIC.has(strings(side.A_Expr.name)[0]) && side.A_Expr.lexpr) {
    what = 'arithmetic';
    operands = [side.A_Expr.lexpr, side.A_Expr.rexpr];
  } else if (side.CoalesceExpr) {
    what = 'COALESCE';
    operands = side.CoalesceExpr.args ?? [];
  } else return undefined;
  // the column directly under the computation (through nested computations, not subqueries)
  let found: ResolvedColumn | undefined;
  walk({ List: { items: operands } }, (kind, n) => {
    if (found || kind === 'SubLink' || kind === 'SelectStmt') return false;
    if (kind !== 'ColumnRef') return;
    const r = resolveColumn(n, b);
    if (r && b.rels.includes(r.rel) && r.rel.kind === 'table' && !r.rel.catalog) found = r;
  });
  if (!found) return undefined;
  if (side.TypeCast) {
    // a cast is only known to matter when we know the column's type: a no-op cast or a binary-coercible
    // text cast keeps the column's indexes usable
    if (!side.TypeCast.arg?.ColumnRef) return undefined;
    const col = found.table?.columns.get(found.column);
    const target = typeInfo(side.TypeCast.typeName)?.name;
    if (!col || !target || col.type === 'unknown') return undefined;
    if (target === col.type && !col.array) return undefined;
    if (TEXTISH.has(target) && TEXTISH.has(col.type)) return undefined;
    if (target === 'regclass' || target === 'oid') return undefined;
  }
  return { col: found, what };
}

/** What to do instead, in the file's dialect: PostgreSQL's expression index, MySQL 8.0.13+'s functional key part, MariaDB's indexed generated column. */
function advice(dialect: string, side: Node, tname: string, expr: string): string {
  if (dialect === 'postgres') return `compare the bare column (move the computation to the other side) or create an expression index on ${tname} (${expr}).`;
  const fn = side.FuncCall ? strings(side.FuncCall.funcname).slice(-1)[0]?.toLowerCase() : undefined;
  const caseFold = fn === 'lower' || fn === 'upper'
    ? ` MySQL's usual collations (*_ci) already compare case-insensitively, so ${fn?.toUpperCase()}() can usually be dropped.` : '';
  const dateFn = fn === 'date' || fn === 'year' || fn === 'month' || fn === 'to_days' || fn === 'unix_timestamp'
    ? ' (for a date, compare a half-open range: col >= \'2024-01-01\' AND col < \'2024-01-02\')' : '';
  const index = dialect === 'mariadb'
    ? `or, when the computed form is really how the data is queried, index a generated column (MariaDB has no functional index): ALTER TABLE ${tname} ADD COLUMN c_expr ... AS (${expr}) VIRTUAL, ADD INDEX (c_expr).`
    : `or, when the computed form is really how the data is queried, index the expression: a functional key part on MySQL 8.0.13+ (CREATE INDEX ... ON ${tname} ((${expr}))), an indexed generated column on MariaDB and older MySQL.`;
  return `compare the bare column${dateFn} ${index}${caseFold}`;
}

export const rule: Rule = {
  meta: {
    id: 'non-sargable-predicate',
    dialects: ['postgres', 'mysql'],
    title: 'Function, cast or arithmetic on a filtered column',
    category: 'query',
    severity: 'warning',
    principle: 'Query Optimization: "Optimize with proper indexing" (design for queries, not just entities)',
    rationale:
      'A B-tree index on a column stores the column\'s values; a predicate such as `lower(email) = $1`, `created_at::date = $1` or `id + 1 = $1` compares a value computed from the column, which the index does not contain, so PostgreSQL has to compute it for every row and cannot use the index. Either rewrite the predicate so the bare column is compared (move the arithmetic to the other side, turn a date cast into a half-open range) or, when the computed form is really how the data is queried, create an expression index on exactly that expression.',
    bad: "CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);\nSELECT id FROM users WHERE lower(email) = 'a@example.com';",
    good: "CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_lower_email_idx ON users (lower(email));\nSELECT id FROM users WHERE lower(email) = 'a@example.com';",
    fixable: false,
    notes:
      'Checked in WHERE and JOIN ... ON of SELECT, UPDATE and DELETE (including subqueries, CTEs and views) for `=`, `<`, `>`, `<=`, `>=`, IN and BETWEEN. Not reported when an index of the table has the same expression (compared structurally, ignoring aliases and text casts), for casts that keep the column\'s type or are binary-coercible text casts, and for columns of system catalogs. Casts are only reported when the schema knows the column\'s type. Not reported either when the other side of the comparison is a bare column of another table of the same query (`JOIN e ON e.secondary_id = \'doc_\' || d.id`): that bare column is the one looked up by index, and the computed side is evaluated once per row of a table read anyway. Queries inside LANGUAGE sql function bodies (dollar-quoted or BEGIN ATOMIC) are checked as well. MySQL: the same with MySQL\'s functions (DATE(), YEAR(), LOWER() ...); the advice is a functional key part on MySQL 8.0.13+ and an indexed generated column on MariaDB (which has no functional index), and LOWER()/UPPER() are usually needless under MySQL\'s case-insensitive collations.',
  },
  textFilter: /\b(where|join)\b/i,
  onStatement(outer) {
    for (const ctx of queryContexts(outer)) {
      for (const b of blocksOf(ctx)) {
        for (const filter of b.filters) {
          for (const sides of comparisons(filter.expr)) {
            for (const [i, side] of sides.entries()) {
              const w = wrappedColumn(side, b);
              if (!w) continue;
              // `e.x = f(d.y)`: the bare column of another table of the join is the side looked up by
              // index; f(d.y) is computed once per row of d, which is read anyway
              const other = sides.length === 2 ? sides[1 - i] : undefined;
              const bare = other?.ColumnRef ? resolveColumn(other.ColumnRef, b) : undefined;
              if (bare && bare.rel !== w.col.rel && b.rels.includes(bare.rel) && bare.rel.kind === 'table') continue;
              const t = w.col.table;
              if (t) {
                const target = normShape(side);
                if (ctx.schema.indexesOf(t).some((ix) => indexExprShapes(ix).includes(target))) continue;
              }
              const r = exprRange(ctx, side);
              const expr = brief(textOf(ctx, r));
              const tname = t?.name ?? w.col.rel.rv?.relname ?? w.col.rel.ref;
              ctx.report({ ...r, message: `\`${expr}\` in ${filter.where} applies ${w.what} to ${tname}.${w.col.column}, so an index on the column cannot be used; ${advice(ctx.file.dialect.id, side, tname, expr)}` });
            }
          }
        }
      }
    }
  },
};
