import type { Rule } from '../types';
import { unfiltered } from './dml-util';
import { queryContexts } from './util';
import { mySqlLimited } from '../../dialects/mysql/rules-util';

export const rule: Rule = {
  meta: {
    id: 'update-without-where',
    dialects: ['postgres', 'mysql'],
    title: 'UPDATE without WHERE',
    category: 'query',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Batch copy existing data ... Process in chunks"',
    rationale:
      'An UPDATE without WHERE rewrites every row of the table in one transaction: each row gets a new version (doubling the table until VACUUM catches up), every index is updated unless the change is HOT, row locks are held on everything until commit, and replicas fall behind by the whole write. When it is a typo it is also a data-loss incident. Intended full-table backfills belong in batches keyed on the primary key (`WHERE id > $1 AND id <= $2`), committed one at a time.',
    bad: "UPDATE users SET plan = 'free';",
    good: "UPDATE users SET plan = 'free' WHERE id > 0 AND id <= 10000 AND plan IS NULL;",
    fixable: false,
    notes:
      'Also reported inside CTEs and LANGUAGE sql function bodies; `WHERE CURRENT OF cursor` counts as a WHERE clause. Not reported for a table created earlier in the same file (except inside a function body, which runs later) (it holds only the rows that file inserted) or for system catalogs. PL/pgSQL bodies are not inspected. MySQL: not reported for `UPDATE ... LIMIT n` (a deliberate batch); multi-table UPDATE (`UPDATE a JOIN b ...`, `UPDATE a, b ...`) is not read.',
  },
  textFilter: /\bupdate\b/i,
  beforeStatement(outer) {
    const mysql = outer.file.dialect.family === 'mysql';
    // MySQL: UPDATE ... LIMIT n touches n rows at most (a deliberate batch)
    if (mysql && mySqlLimited(outer.stmt.text)) return;
    for (const ctx of queryContexts(outer)) {
      for (const u of unfiltered(ctx, 'UpdateStmt')) {
        if (u.isNew) continue;
        ctx.report({
          start: u.start, end: u.end,
          message: mysql
            ? `This UPDATE of ${u.name} has no WHERE clause and changes every row, locking each one until it commits; add the intended WHERE, or batch a deliberate backfill by primary-key ranges (or UPDATE ... LIMIT n in a loop).`
            : `This UPDATE of ${u.name} has no WHERE clause and rewrites every row in one transaction; add the intended WHERE, or batch a deliberate backfill by primary-key ranges.`,
        });
      }
    }
  },
};
