import type { Fix } from '../../model';
import { coveringIndexes, foreignKeyLoc, freshIndexName, ident, insertAfter, statementOf, tableRef } from './util';
import type { Rule } from '../types';
import { keyList } from '../../advisor/indexes';
import { indexFix, recommendationsFor } from '../query/missing-index';

export const rule: Rule = {
  meta: {
    id: 'fk-without-index',
    title: 'Foreign key without an index on its columns',
    category: 'schema',
    severity: 'warning',
    principle: 'Anti-Patterns to Avoid: "Missing indexes on foreign keys".',
    rationale:
      'PostgreSQL indexes the referenced key, never the referencing columns. Without an index on them, every DELETE or key UPDATE on the parent table scans the whole child table to check (or cascade) the reference, under locks, and joins from parent to children cannot use an index. On a large child table that turns a one-row delete into a sequential scan.',
    bad: 'CREATE TABLE users (id bigserial PRIMARY KEY);\nCREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));',
    good: 'CREATE TABLE users (id bigserial PRIMARY KEY);\nCREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));\nCREATE INDEX idx_orders_user_id ON orders (user_id);',
    fixable: true,
    notes:
      'A foreign key counts as indexed when a btree index (including the primary key and UNIQUE constraints) has the key\'s columns as its leading columns, in any order, or a one-column hash index is on the column. Partial indexes do not count (the reference check must find every row, including the ones the predicate leaves out), except those whose predicate only says the key columns are NOT NULL: a lookup by value implies that. The fix adds `CREATE INDEX` right after the statement that defined the foreign key: plain when the table is created in the same file (it is still empty), `CONCURRENTLY` when the table already existed (so writes are not blocked; run that migration outside a transaction), and never CONCURRENTLY on a partitioned table, which does not support it. When `missing-index` recommends an index on the table whose leading columns are the key\'s (the workspace\'s queries also filter or sort on more), the fix creates that index instead: the same fix as missing-index\'s, so one index settles both findings and `dbe lint --fix` does not build two.',
  },
  onSchema(ctx) {
    for (const t of ctx.schema.tables.values()) {
      if (t.kind !== 'table' || t.partitionOf) continue;
      for (const fk of t.foreignKeys) {
        if (fk.columns.length === 0 || !fk.columns.every((c) => t.columns.has(c))) continue;
        if (coveringIndexes(ctx.schema, t, fk).length > 0) continue;
        const cols = fk.columns.join(', ');
        const ref = ctx.schema.tables.get(fk.refTable)?.name ?? fk.refTable.replace(/^public\./, '');
        const fixes: Fix[] = [];
        const stmt = statementOf(ctx, fk.loc);
        // an index the queries need that leads with the key serves the reference check too: one fix for both
        const rec = recommendationsFor(ctx).find((r) => r.table.key === t.key && !r.predicate && fk.columns.length <= r.keys.length
          && r.keys.slice(0, fk.columns.length).every((k) => fk.columns.includes(k.column)));
        const shared = rec && indexFix(ctx, rec);
        if (rec && shared) fixes.push(shared);
        else if (stmt) {
          const concurrently = t.createdIn !== fk.loc.path && !t.partitioned;
          const name = freshIndexName(ctx.schema, t, fk.columns);
          const sql = `CREATE INDEX${concurrently ? ' CONCURRENTLY' : ''} ${ident(name)} ON ${tableRef(t)} (${fk.columns.map(ident).join(', ')});`;
          fixes.push({ title: `Add ${concurrently ? 'CREATE INDEX CONCURRENTLY' : 'CREATE INDEX'} ${name} on ${t.name} (${cols})`, edits: [insertAfter(stmt, sql)] });
        }
        ctx.report({
          loc: foreignKeyLoc(ctx, fk),
          message: `Foreign key ${t.name} (${cols}) -> ${ref} has no index on ${t.name} (${cols}); deletes on ${ref} will scan ${t.name}, so add one`
            + (rec && shared ? ` (${rec.name} on ${t.name} (${keyList(rec)}), which missing-index recommends for ${rec.queries.length === 1 ? 'a query' : `${rec.queries.length} queries`}, serves both).` : '.'),
          fixes,
        });
      }
    }
  },
};
