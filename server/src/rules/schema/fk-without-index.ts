import type { Fix } from '../../model';
import { isAppliedMigration, newestMigration, placeMigration, placesInline } from '../../engine/placement';
import { coveringIndexes, foreignKeyLoc, freshIndexName, ident, insertAfter, statementOf, tableRef } from './util';
import type { Rule } from '../types';
import { keyList, recommendIndexesSteps } from '../../advisor/indexes';
import { indexFix } from '../query/missing-index';

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
      'A foreign key counts as indexed when a btree index (including the primary key and UNIQUE constraints) has the key\'s columns as its leading columns, in any order, or a one-column hash index is on the column. Partial indexes do not count (the reference check must find every row, including the ones the predicate leaves out), except those whose predicate only says the key columns are NOT NULL: a lookup by value implies that. In a project whose migrations follow a naming convention the fix writes a new migration, `CREATE INDEX CONCURRENTLY IF NOT EXISTS` (marked to run outside a transaction where the tool has a way), with `DROP INDEX CONCURRENTLY IF EXISTS` as its rollback where the convention keeps down migrations: applied migrations are never edited. The exception is a table created in the newest migration, the one being written: the plain `CREATE INDEX` goes right after the foreign key there. Elsewhere (one schema file, files without a convention) it adds `CREATE INDEX` right after the statement that defined the foreign key: plain when the table is created in the same file (it is still empty), `CONCURRENTLY` when the table already existed (so writes are not blocked; run that migration outside a transaction). Never CONCURRENTLY on a partitioned table, which does not support it. When `missing-index` recommends an index on the table whose leading columns are the key\'s (the workspace\'s queries also filter or sort on more), the fix creates that index instead: the same fix as missing-index\'s, so one index settles both findings and `dbe lint --fix` does not build two.',
  },
  *onSchema(ctx) {
    for (const t of ctx.schema.tables.values()) {
      if (t.kind !== 'table' || t.partitionOf) continue;
      if (t.foreignKeys.length) yield; // one table's keys at a time (the editor answers requests in between)
      for (const fk of t.foreignKeys) {
        if (fk.columns.length === 0 || !fk.columns.every((c) => t.columns.has(c))) continue;
        if (ctx.wants && !ctx.wants(fk.loc.path)) continue; // reported at fk.loc.path (foreignKeyLoc)
        if (coveringIndexes(ctx.schema, t, fk).length > 0) continue;
        const cols = fk.columns.join(', ');
        const ref = ctx.schema.tables.get(fk.refTable)?.name ?? fk.refTable.replace(/^public\./, '');
        const fixes: Fix[] = [];
        const stmt = statementOf(ctx, fk.loc);
        // an index the queries need that leads with the key serves the reference check too: one fix for both
        const rec = (yield* recommendIndexesSteps(ctx.files(), ctx.schema)).find((r) => r.table.key === t.key && !r.predicate && fk.columns.length <= r.keys.length
          && r.keys.slice(0, fk.columns.length).every((k) => fk.columns.includes(k.column)));
        const shared = rec && indexFix(ctx, rec);
        if (rec && shared) fixes.push(shared);
        else if (stmt) {
          const name = freshIndexName(ctx.schema, t, fk.columns);
          const on = `${ident(name)} ON ${tableRef(t)} (${fk.columns.map(ident).join(', ')})`;
          const files = ctx.files();
          // the newest migration creating the table is the one being written: the index goes in it
          const writing = t.createdIn === fk.loc.path && newestMigration(files)?.path === fk.loc.path;
          if (!placesInline(files) && !writing) {
            // a migrations project: applied migrations are not edited; the index is a new migration
            const concurrently = !t.partitioned;
            const placed = placeMigration(ctx.files(), {
              title: `add ${name}`, anchor: stmt, nonTransactional: concurrently,
              up: `CREATE INDEX${concurrently ? ' CONCURRENTLY' : ''} IF NOT EXISTS ${on};`,
              down: `DROP INDEX${concurrently ? ' CONCURRENTLY' : ''} IF EXISTS ${t.schema === 'public' ? ident(name) : `${ident(t.schema)}.${ident(name)}`};`,
            });
            fixes.push({ title: `Create index ${name} on ${t.name} (${cols}) in a new migration ${placed.path.split(/[\\/]/).pop()}`, edits: placed.edits });
          } else if (writing || !isAppliedMigration(files, stmt.file)) {
            const concurrently = t.createdIn !== fk.loc.path && !t.partitioned;
            const sql = `CREATE INDEX${concurrently ? ' CONCURRENTLY' : ''} ${on};`;
            fixes.push({ title: `Add ${concurrently ? 'CREATE INDEX CONCURRENTLY' : 'CREATE INDEX'} ${name} on ${t.name} (${cols})`, edits: [insertAfter(stmt, sql)] });
          }
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
