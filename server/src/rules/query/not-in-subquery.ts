import { strings, walk } from '../../sql/ast';
import type { Rule } from '../types';
import { brief, exprRange, rootOf, textOf, toks, queryContexts } from './util';

export const rule: Rule = {
  meta: {
    id: 'not-in-subquery',
    title: 'NOT IN (SELECT ...)',
    category: 'query',
    severity: 'warning',
    principle: 'Query Optimization: write predicates the planner can turn into an anti-join (and that mean what they say)',
    rationale:
      '`x NOT IN (SELECT y ...)` is true only when x differs from every y and no y is NULL: a single NULL produced by the subquery makes the whole predicate NULL, so the query quietly returns no rows. PostgreSQL also cannot plan it as an anti-join; it falls back to a hashed subplan that must fit in work_mem, or to re-scanning the subquery for every outer row, which is quadratic. `NOT EXISTS (SELECT 1 ... WHERE y = x)` has the intended semantics and is planned as an anti-join.',
    bad: 'SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM orders);',
    good: 'SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id);',
    fixable: false,
    notes: '`<> ALL (SELECT ...)` is the same predicate and is reported too. `NOT IN (1, 2, 3)` with a list of values is fine. Queries inside LANGUAGE sql function bodies (dollar-quoted or BEGIN ATOMIC) are checked as well.',
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
        ctx.report({
          start: r.start, end,
          message: `\`${what} ${negated ? 'NOT IN' : '<> ALL'} (SELECT ...)\` is never true when the subquery returns a NULL and cannot be planned as an anti-join; rewrite it as NOT EXISTS (SELECT 1 ... WHERE ... = ${what}).`,
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
