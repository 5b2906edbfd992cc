import { fileTokens } from '../../sql/spans';
import type { Fix } from '../../model';
import type { Index, Table } from '../../schema';
import { isAppliedMigration } from '../../engine/placement';
import type { Rule, StatementContext } from '../types';
import { findWords, isNewInFile, keywordCase, q, span, tableRef } from './util';

export const rule: Rule = {
  meta: {
    id: 'refresh-matview-non-concurrently',
    title: 'Materialized view refreshed without CONCURRENTLY',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      'A plain `REFRESH MATERIALIZED VIEW` holds an ACCESS EXCLUSIVE lock on the view for the whole time its query runs: every SELECT from the view waits until the refresh is done. `REFRESH MATERIALIZED VIEW CONCURRENTLY` computes the new contents beside the old and applies the difference, so readers keep reading; it needs a UNIQUE index on the view that uses only column names and has no WHERE clause.',
    bad: 'REFRESH MATERIALIZED VIEW daily_sales;',
    good: 'REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales;',
    fixable: true,
    fixSchema: 'CREATE MATERIALIZED VIEW daily_sales AS SELECT 1 AS day_id, 2 AS total;\nCREATE UNIQUE INDEX daily_sales_day_id ON daily_sales (day_id);',
    notes:
      'Not reported for `WITH NO DATA` (that empties the view; CONCURRENTLY cannot), or for a view created earlier in the same file (nobody reads it yet; postgres-language-server\'s `requireConcurrentRefreshMatview` reports every plain refresh, DB Engineer deliberately does not). The quick fix is offered only when the project creates a suitable unique index on the view (plain columns, no WHERE): without one CONCURRENTLY fails, and the message says to create it first. Nor is it offered when the view was created WITH NO DATA by the project (CONCURRENTLY needs a populated view), or in an applied migration of a project with a naming convention. CONCURRENTLY may run inside a transaction. postgres-language-server suggests CONCURRENTLY without checking for the unique index, so its advice fails on views without one; here the message says what is missing. A concurrent refresh does more work than a plain one: for a view that nobody reads while it is refreshed, the plain form is fine (suppress the finding).',
  },
  textFilter: /\brefresh\b/i,
  beforeStatement(ctx) {
    if (ctx.kind !== 'RefreshMatViewStmt') return;
    const n = ctx.node;
    if (n.concurrent || n.skipData || !n.relation) return;
    if (isNewInFile(ctx, n.relation)) return;
    const ref = tableRef(ctx, n.relation);
    if (!ref) return;
    if (ref.table && ref.table.kind !== 'matview') return;
    const toks = fileTokens(ctx.stmt);
    const v = findWords(toks, ['materialized', 'view']);
    if (v < 0) return;
    const key = ref.table && uniqueKey(ctx, ref.table);
    const files = ctx.files();
    const applied = isAppliedMigration(files, ctx.file);
    const fixes: Fix[] = [];
    if (key && !applied && ref.table && !createdEmpty(ctx, ref.table)) {
      fixes.push({
        title: 'Refresh CONCURRENTLY',
        edits: [{ path: ctx.file.path, start: toks[v + 1].end, end: toks[v + 1].end, newText: ' ' + keywordCase(toks[v + 1], 'CONCURRENTLY') }],
      });
    }
    const need = key ? ` (unique index ${q(key.name)} allows it)`
      : ' after creating a UNIQUE index on the view over plain columns, without WHERE (CONCURRENTLY needs one' + (ref.table ? ', and the project creates none)' : ')');
    ctx.report({
      ...span(toks, 0, v + 1),
      message: `Refreshing ${q(ref.display)} locks it against every reader until its query has run again; use REFRESH MATERIALIZED VIEW CONCURRENTLY${need}.`,
      fixes,
    });
  },
};

/** A unique index on the view that CONCURRENTLY accepts: plain columns only, no predicate. */
function uniqueKey(ctx: StatementContext, t: Table): Index | undefined {
  return ctx.schema.indexesOf(t).find((ix) => ix.unique && !ix.predicate && ix.columns.length > 0 && ix.columns.every((c) => c !== null));
}

/** True when the project created the view WITH NO DATA (CONCURRENTLY refuses an unpopulated view). */
function createdEmpty(ctx: StatementContext, t: Table): boolean {
  const file = ctx.files().find((f) => f.path === t.loc.path);
  const stmt = file?.statements.find((s) => s.start <= t.loc.start && t.loc.start < Math.max(s.end, s.start + 1));
  const into = stmt?.kind === 'CreateTableAsStmt' ? (stmt.node?.into?.IntoClause ?? stmt.node?.into) : undefined;
  return !!into?.skipData;
}
