import { walk } from '../../sql/ast';
import { fileTokens, tokenIndexAt } from '../../sql/spans';
import type { Rule } from '../types';
import { ranAsWritten } from './util';

const isNull = (n: any) => !!n?.A_Const?.isnull;

export const rule: Rule = {
  meta: {
    id: 'equals-null',
    dialects: ['postgres', 'mysql'],
    title: 'Comparison with NULL using = or <>',
    category: 'query',
    severity: 'error',
    principle: 'Query optimization and data integrity over application logic: a predicate must mean what it says.',
    rationale:
      '`x = NULL` and `x <> NULL` are never true in SQL: the comparison yields NULL, so the row is silently filtered out. Use `IS NULL` / `IS NOT NULL` (or `IS DISTINCT FROM` for null-safe comparison of two values).',
    bad: 'SELECT id FROM users WHERE deleted_at = NULL;',
    good: 'SELECT id FROM users WHERE deleted_at IS NULL;',
    fixable: true,
    notes:
      'No fix is offered for a statement of an applied migration (every migration but the newest, in a project whose migrations follow a naming convention) that changed something (DML, DDL, SELECT INTO; a plain SELECT is still fixed): it has run as written, and editing it would only make new databases differ from the existing ones (a data fix `WHERE x = NULL` that matched no row would start changing rows there).',
  },
  textFilter: /(=|<>|!=)\s*\(*\s*null\b|\bnull\s*\)*\s*(=|<>|!=)/i,
  onStatement(ctx) {
    walk(ctx.node, (kind, n) => {
      if (kind !== 'A_Expr' || n.kind !== 'AEXPR_OP') return;
      const op = n.name?.[0]?.String?.sval;
      if (op !== '=' && op !== '<>' && op !== '!=') return;
      if (!isNull(n.rexpr) && !isNull(n.lexpr)) return;
      const opStart = ctx.offset(n.location);
      const toks = fileTokens(ctx.stmt);
      const i = tokenIndexAt(toks, opStart);
      const negated = op !== '=';
      const replacement = negated ? 'IS NOT NULL' : 'IS NULL';
      let start = opStart, end = opStart + op.length;
      const fixes = [];
      if (isNull(n.rexpr) && i >= 0 && toks[i + 1] && toks[i + 1].text.toLowerCase() === 'null') {
        end = toks[i + 1].end;
        // a statement of an applied migration has run as written: editing it would change nothing there
        if (!ranAsWritten(ctx)) fixes.push({ title: `Use ${replacement}`, edits: [{ path: ctx.file.path, start, end, newText: replacement }] });
      } else if (i > 0 && toks[i - 1].text.toLowerCase() === 'null') {
        start = toks[i - 1].start;
      }
      ctx.report({
        start, end,
        message: `\`${op} NULL\` is never true; use ${replacement}.`,
        fixes,
      });
    });
  },
};
