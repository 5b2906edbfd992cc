import { strings, walk } from '../../sql/ast';
import type { Node } from '../../sql/parse';
import type { Table } from '../../schema';
import type { Rule, StatementContext } from '../types';
import { brief, exprRange, rootOf, textOf, toks, queryContexts } from './util';

/** The tables of a FROM list with their aliases; `nullable` for the inner side of an outer join. */
function fromRels(items: Node[] | undefined, ctx: StatementContext, nullable: boolean, out: { ref: string; table?: Table; nullable: boolean }[]): boolean {
  for (const item of items ?? []) {
    if (item.RangeVar) {
      const rv = item.RangeVar;
      out.push({ ref: rv.alias?.aliasname ?? rv.relname, table: ctx.schema.table(rv.schemaname, rv.relname), nullable });
    } else if (item.JoinExpr) {
      const j = item.JoinExpr;
      const left = nullable || j.jointype === 'JOIN_RIGHT' || j.jointype === 'JOIN_FULL';
      const right = nullable || j.jointype === 'JOIN_LEFT' || j.jointype === 'JOIN_FULL';
      if (j.alias || !fromRels([j.larg], ctx, left, out) || !fromRels([j.rarg], ctx, right, out)) return false;
    } else return false; // a subquery or a function: its columns are not known
  }
  return true;
}

/**
 * The column the subquery selects, when it can never be NULL: a NOT NULL or primary-key column of a
 * table that no outer join makes nullable, or a column the subquery's WHERE requires IS NOT NULL.
 */
function notNullColumn(sub: Node, ctx: StatementContext): string | undefined {
  const sel = sub.subselect?.SelectStmt;
  if (!sel || sel.op && sel.op !== 'SETOP_NONE' || (sel.targetList ?? []).length !== 1) return undefined;
  // min(col) / max(col) per group: each group has rows, so it is NULL only if col is
  const val = sel.targetList[0].ResTarget?.val;
  const agg = val?.FuncCall;
  const aggName = agg ? strings(agg.funcname).slice(-1)[0]?.toLowerCase() : undefined;
  const perGroup = agg && (aggName === 'min' || aggName === 'max') && (agg.args ?? []).length === 1 && !agg.agg_filter && !agg.over && (sel.groupClause ?? []).length > 0 && !sel.havingClause;
  const cr = perGroup ? agg.args[0].ColumnRef : val?.ColumnRef;
  const f = cr ? strings(cr.fields) : [];
  if (f.length === 0 || f.length > 3 || cr.fields.some((x: Node) => x.A_Star)) return undefined;
  const col = f[f.length - 1];
  const qual = f.length > 1 ? f[f.length - 2] : undefined;
  // WHERE col IS NOT NULL (a conjunct)
  const conj: Node[] = [];
  const collect = (e: Node | undefined) => { if (e?.BoolExpr?.boolop === 'AND_EXPR') e.BoolExpr.args.forEach(collect); else if (e) conj.push(e); };
  collect(sel.whereClause);
  if (conj.some((c) => {
    const t = c.NullTest;
    if (t?.nulltesttype !== 'IS_NOT_NULL' || !t.arg?.ColumnRef) return false;
    const g = strings(t.arg.ColumnRef.fields);
    return g[g.length - 1] === col && (!qual || g.length < 2 || g[g.length - 2] === qual);
  })) return col;
  const rels: { ref: string; table?: Table; nullable: boolean }[] = [];
  if (!fromRels(sel.fromClause, ctx, false, rels)) return undefined;
  const owners = qual ? rels.filter((r) => r.ref === qual) : rels.filter((r) => !r.table || r.table.columns.has(col));
  if (owners.length !== 1) return undefined;
  const { table, nullable } = owners[0];
  const c = table?.columns.get(col);
  if (!table || !c || nullable) return undefined;
  return c.notNull || table.primaryKey?.columns.includes(col) ? col : undefined;
}

export const rule: Rule = {
  meta: {
    id: 'not-in-subquery',
    dialects: ['postgres', 'mysql'],
    title: 'NOT IN (SELECT ...)',
    category: 'query',
    severity: 'warning',
    principle: 'Query Optimization: write predicates the planner can turn into an anti-join (and that mean what they say)',
    rationale:
      '`x NOT IN (SELECT y ...)` is true only when x differs from every y and no y is NULL: a single NULL produced by the subquery makes the whole predicate NULL, so the query quietly returns no rows. PostgreSQL also cannot plan it as an anti-join; it falls back to a hashed subplan that must fit in work_mem, or to re-scanning the subquery for every outer row, which is quadratic. `NOT EXISTS (SELECT 1 ... WHERE y = x)` has the intended semantics and is planned as an anti-join.',
    bad: 'SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM orders);',
    good: 'SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id);',
    fixable: false,
    notes: 'When the subquery selects a column that is never NULL (a NOT NULL or primary-key column of a table no outer join makes nullable, or one its WHERE requires `IS NOT NULL`; also `min(col)` or `max(col)` of such a column per GROUP BY group), the NULL trap does not apply and the message keeps only the plan: NOT IN runs as a hashed subplan while the subquery\'s rows fit in work_mem and is re-run for every outer row when they do not, where NOT EXISTS is an anti-join. `<> ALL (SELECT ...)` is the same predicate and is reported too. `NOT IN (1, 2, 3)` with a list of values is fine. Queries inside LANGUAGE sql function bodies (dollar-quoted or BEGIN ATOMIC) are checked as well. MySQL: only the NULL trap is reported (MySQL 8.0.17+ plans NOT IN over a subquery as an anti-join), and nothing when the subquery\'s column is never NULL.',
  },
  textFilter: /\bnot\s+in\b|(<>|!=)\s*all\b/i,
  onStatement(outer) {
    for (const ctx of queryContexts(outer)) {
      const tokens = toks(ctx);
      const seen = new Set<object>();
      const report = (sub: any, negated: boolean) => {
        if (seen.has(sub)) return;
        seen.add(sub);
        const test = sub.testexpr;
        if (!test) return;
        const r = exprRange(ctx, test);
        // extend over NOT IN / <> ALL up to the subquery's opening parenthesis
        const sl = ctx.offset(sub.location);
        const open = tokens.findIndex((t) => t.start >= r.end && t.text === '(');
        const end = open > 0 ? tokens[open - 1].end : Math.max(r.end, sl + 1);
        const what = brief(textOf(ctx, r), 40);
        const pred = `\`${what} ${negated ? 'NOT IN' : '<> ALL'} (SELECT ...)\``;
        const safe = notNullColumn(sub, ctx);
        if (ctx.file.dialect.family === 'mysql') {
          // MySQL 8.0.17+ plans NOT IN (subquery) as an anti-join itself: only the NULL trap is left
          if (safe) return;
          ctx.report({ start: r.start, end, message: `${pred} is never true when the subquery returns a NULL; rewrite it as NOT EXISTS (SELECT 1 ... WHERE ... = ${what}).` });
          return;
        }
        ctx.report({
          start: r.start, end,
          message: safe
            // the subquery's column is never NULL: only the plan is at stake
            ? `${pred} cannot be planned as an anti-join: unless the subquery's rows fit in work_mem (a hashed subplan), it is re-run for every outer row; NOT EXISTS (SELECT 1 ... WHERE ... = ${what}) is an anti-join (the subquery's ${safe} is never NULL, so the NULL trap of NOT IN does not apply here).`
            : `${pred} is never true when the subquery returns a NULL and cannot be planned as an anti-join; rewrite it as NOT EXISTS (SELECT 1 ... WHERE ... = ${what}).`,
        });
      };
      walk(rootOf(ctx), (kind, n) => {
        if (kind === 'BoolExpr' && n.boolop === 'NOT_EXPR') {
          const sub = n.args?.[0]?.SubLink;
          if (sub && sub.subLinkType === 'ANY_SUBLINK') {
            const op = strings(sub.operName)[0];
            if (!op || op === '=') report(sub, true);
          }
        } else if (kind === 'SubLink' && n.subLinkType === 'ALL_SUBLINK') {
          const op = strings(n.operName)[0];
          if (op === '<>' || op === '!=') report(n, false);
        }
      });
    }
  },
};
