import type { Rule } from '../types';
import { unfiltered } from './dml-util';
import { queryContexts } from './util';
import { mySqlLimited } from '../../dialects/mysql/rules-util';

export const rule: Rule = {
  meta: {
    id: 'delete-without-where',
    dialects: ['postgres', 'mysql'],
    title: 'DELETE without WHERE',
    category: 'query',
    severity: 'warning',
    principle: 'Data integrity over application logic; Data Migration Strategies: "Process in chunks"',
    rationale:
      'A DELETE without WHERE removes every row of the table. If that was not the intent it is a data-loss incident; if it was, DELETE is the slowest way to do it: every row is marked dead one by one, the table and its indexes keep their size until VACUUM, and the whole delete is written to WAL and replicated. TRUNCATE empties the table at once (take care: it takes an ACCESS EXCLUSIVE lock, skips ON DELETE triggers and is not MVCC-safe for concurrent readers), and large purges of part of a table belong in batches.',
    bad: 'DELETE FROM sessions;',
    good: "DELETE FROM sessions WHERE expires_at < now() - interval '30 days';",
    fixable: false,
    notes:
      'Also reported inside CTEs and LANGUAGE sql function bodies; `WHERE CURRENT OF cursor` counts as a WHERE clause. Not reported for a table created earlier in the same file (except inside a function body, which runs later) or for system catalogs. PL/pgSQL bodies are not inspected. MySQL: not reported for `DELETE ... LIMIT n` (a batched purge); multi-table DELETE is not read; the TRUNCATE advice says that MySQL\'s TRUNCATE commits at once and resets AUTO_INCREMENT.',
  },
  textFilter: /\bdelete\b/i,
  beforeStatement(outer) {
    const mysql = outer.file.dialect.family === 'mysql';
    // MySQL: DELETE ... LIMIT n removes n rows at most (the usual batched purge)
    if (mysql && mySqlLimited(outer.stmt.text)) return;
    for (const ctx of queryContexts(outer)) {
      for (const d of unfiltered(ctx, 'DeleteStmt')) {
        if (d.isNew) continue;
        ctx.report({
          start: d.start, end: d.end,
          message: mysql
            ? `This DELETE removes every row of ${d.name}; add the intended WHERE clause, or use TRUNCATE TABLE ${d.name} if emptying the table is really the goal (in MySQL TRUNCATE commits at once, cannot be rolled back and resets AUTO_INCREMENT).`
            : `This DELETE removes every row of ${d.name}; add the intended WHERE clause, or use TRUNCATE ${d.name} if emptying the table is really the goal.`,
        });
      }
    }
  },
};
