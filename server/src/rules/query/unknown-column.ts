import type { Rule } from '../types';
import { judged, unknownNames } from './names';
import { ranAsWritten } from './util';

export const rule: Rule = {
  meta: {
    id: 'unknown-column',
    dialects: ['postgres', 'mysql'],
    title: 'Column that the schema does not have',
    category: 'query',
    severity: 'error',
    principle: 'The schema is the source of truth: a query must name what the migrations built.',
    rationale:
      'A query that names a column its tables do not have (a typo, a column renamed or dropped by an earlier migration) fails at run time with `column ... does not exist`. The replayed schema knows every column at each point of the project, so the mistake is shown as you type over the whole name (`o.totl_amount`), with the closest column of the relations in scope (or the name a rename gave it) as a quick fix.',
    bad: 'CREATE TABLE orders (id bigint PRIMARY KEY, total_amount numeric NOT NULL);\nSELECT o.totl_amount FROM orders o;',
    good: 'CREATE TABLE orders (id bigint PRIMARY KEY, total_amount numeric NOT NULL);\nSELECT o.total_amount FROM orders o;',
    fixable: true,
    notes:
      'Only columns of relations whose columns the model knows are judged: never those of CTEs, subqueries, functions in FROM, `AS t(a, b)` column aliases, views over `*` or unnamed expressions, CREATE TABLE AS / SELECT INTO, LIKE / INHERITS of an unknown table; nor `USING` / `NATURAL` join columns, RETURNING, output-column aliases in ORDER BY / GROUP BY, `excluded`, system columns, whole-row references, or anything when an item in scope is unknown. INSERT column lists, UPDATE SET and ON CONFLICT columns are judged against the target table. The same silences as unknown-relation apply (incomplete schema, Restricted Mode unless the table is created in the same file, a column added later in the project).',
  },
  beforeStatement(ctx) {
    if (!judged(ctx)) return;
    for (const u of unknownNames(ctx)) if (u.kind === 'column') ctx.report({ start: u.start, end: u.end, message: u.message, fixes: ranAsWritten(ctx) ? [] : u.fixes });
  },
};
