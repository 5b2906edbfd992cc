import { strings, walk } from '../../sql/ast';
import type { Node } from '../../sql/parse';
import type { Rule } from '../types';
import { exprRange, textOf, rootOf, queryContexts } from './util';

function isRandom(n: Node | undefined, mysql: boolean): boolean {
  const f = n?.FuncCall;
  if (!f) return false;
  const name = strings(f.funcname);
  const last = name[name.length - 1]?.toLowerCase();
  // MySQL: RAND() or RAND(seed) (a seeded order is as costly: every row still gets a value and is sorted)
  if (mysql) return last === 'rand' && name.length === 1 && (f.args ?? []).length <= 1;
  if ((f.args ?? []).length) return false;
  return last === 'random' && (name.length === 1 || name[0] === 'pg_catalog');
}

/** True when the FROM clause reads a relation (not only VALUES or functions such as generate_series). */
function readsRelation(from: Node[] | undefined): boolean {
  let found = false;
  walk({ List: { items: from ?? [] } }, (kind) => { if (kind === 'RangeVar') found = true; });
  return found;
}

export const rule: Rule = {
  meta: {
    id: 'order-by-random',
    dialects: ['postgres', 'mysql'],
    title: 'ORDER BY random()',
    category: 'query',
    severity: 'warning',
    principle: 'Query Optimization: plan for scale from day one; a query must not get slower with every row the table gains',
    rationale:
      '`ORDER BY random()` computes a random value for every row that survives the WHERE clause and sorts them all, only to keep a handful. The cost grows with the table, the sort spills to disk once it outgrows work_mem, and no index can help. For a sample use `TABLESAMPLE SYSTEM/BERNOULLI`, or pick random keys in the id range and fetch them by index.',
    bad: "SELECT id, title FROM posts ORDER BY random() LIMIT 5;",
    good: "SELECT id, title FROM posts TABLESAMPLE SYSTEM (1) LIMIT 5;",
    fixable: false,
    notes: 'Also reported inside subqueries, CTEs and window definitions. Not reported when the query reads no table (e.g. shuffling `generate_series` or VALUES). Queries inside LANGUAGE sql function bodies (dollar-quoted or BEGIN ATOMIC) are checked as well. MySQL: `ORDER BY RAND()` (with or without a seed); MySQL has no TABLESAMPLE, so the advice is to pick random keys in the primary-key range and read them by index.',
  },
  textFilter: /\brand(om)?\b/i,
  onStatement(outer) {
    const mysql = outer.file.dialect.family === 'mysql';
    for (const ctx of queryContexts(outer)) {
      const check = (sort: Node[] | undefined, from: Node[] | undefined) => {
        if (!readsRelation(from)) return;
        for (const s of sort ?? []) {
          const e = s.SortBy?.node;
          if (!isRandom(e, mysql)) continue;
          const r = exprRange(ctx, e);
          const tables: string[] = [];
          walk({ List: { items: from ?? [] } }, (kind, n) => { if (kind === 'RangeSubselect') return false; if (kind === 'RangeVar') tables.push(n.relname); });
          ctx.report({
            ...r,
            message: `ORDER BY ${textOf(ctx, r)} sorts every row${tables.length ? ` of ${[...new Set(tables)].join(', ')}` : ''} to pick a few; ${mysql
              ? 'pick random keys in the primary-key range (e.g. WHERE id >= FLOOR(RAND() * (SELECT MAX(id) FROM t)) ORDER BY id LIMIT 1) and fetch them through the index instead.'
              : 'sample with TABLESAMPLE or fetch randomly chosen keys through an index instead.'}`,
          });
        }
      };
      walk(rootOf(ctx), (kind, n, parents) => {
        if (kind === 'SelectStmt') {
          const visit = (sel: Node) => {
            check(sel.sortClause, sel.op && sel.op !== 'SETOP_NONE' ? [{ SelectStmt: sel }] : sel.fromClause ?? []);
            for (const side of ['larg', 'rarg']) if (sel[side] && !sel[side].SelectStmt) visit(sel[side]);
          };
          visit(n);
        } else if (kind === 'WindowDef') {
          // the FROM of the nearest enclosing SELECT
          const sel = [...parents].reverse().find((p) => p.kind === 'SelectStmt')?.node;
          check(n.orderClause, sel?.fromClause);
        }
      });
    }
  },
};
