import { fileTokens } from '../../sql/spans';
import { Schema, type Index } from '../../schema';
import type { Fix } from '../../model';
import type { Node } from '../../sql/parse';
import type { Rule, StatementContext } from '../types';
import { concurrentlyInPlace, displayName, droppedInFile, lockedEarlierInTransaction, findWords, keywordCase, q, span } from './util';

export const rule: Rule = {
  meta: {
    id: 'drop-index-non-concurrently',
    title: 'Index dropped from an existing table without CONCURRENTLY',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      'A plain `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index\'s table. Dropping is quick, but the lock must first wait for every query already running on the table, and while it waits every new query on the table, reads included, queues behind it: one long report query turns a millisecond drop into an outage. `DROP INDEX CONCURRENTLY` waits for those queries without blocking anyone.',
    bad: 'DROP INDEX idx_orders_user_id;',
    good: 'DROP INDEX CONCURRENTLY idx_orders_user_id;',
    fixable: true,
    notes:
      'Not reported when the index or its table was created earlier in the same file (nothing uses them yet: squawk\'s `require-concurrent-index-deletion` reports those too, DB Engineer deliberately does not), on partitioned tables (PostgreSQL cannot drop a partitioned index concurrently), when the same file drops the table, afterwards (a down migration: the DROP TABLE locks it anyway) or before (the index went with it), when an earlier statement of the same transaction already holds an ACCESS EXCLUSIVE lock on the table until it commits (an ALTER TABLE adding or dropping a column, changing a type or a default, TRUNCATE, LOCK TABLE: the drop adds no lock of its own there), or for an index backing a PRIMARY KEY or UNIQUE constraint (DROP INDEX refuses it; drop the constraint). An index the project does not create is assumed to be on an existing table, unless the file drops tables afterwards. The quick fix adds CONCURRENTLY only where it can run: not inside a transaction (BEGIN, or a migration tool that wraps each file), not in a file of several statements (a file sent as one query is one transaction), not in an applied migration of a project with a naming convention, not in a rollback step (whether the tool runs it in a transaction is often decided elsewhere, and a rollback that fails does so when it is needed most), not when the statement drops several indexes (CONCURRENTLY takes one) or says CASCADE (CONCURRENTLY refuses it). squawk\'s fix adds CONCURRENTLY to a DROP of several indexes too, which PostgreSQL rejects ("DROP INDEX CONCURRENTLY does not support dropping multiple objects"): DB Engineer asks for one statement per index instead. A concurrent drop that fails leaves the index INVALID: run it again.',
  },
  textFilter: /\bdrop\s+index\b/i,
  beforeStatement(ctx) {
    if (ctx.kind !== 'DropStmt') return;
    const n = ctx.node;
    if (n.removeType !== 'OBJECT_INDEX' || n.concurrent) return;
    const names: string[][] = (n.objects ?? []).map((o: Node) => (o.List?.items ?? []).map((i: Node) => i.String?.sval ?? ''));
    const targets: { name: string; ix?: Index }[] = [];
    for (const parts of names) {
      const name = parts[parts.length - 1];
      if (!name) return;
      const schemaName = parts.length > 1 ? parts[parts.length - 2] : undefined;
      const ix = findIndex(ctx, schemaName, name);
      if (ix) {
        if (ix.constraint) continue; // PostgreSQL refuses: the constraint owns it
        if (ctx.newTables.has(ix.table)) continue;
        if (ix.loc.path === ctx.file.path && ix.loc.start < ctx.stmt.start) continue; // created in this file
        const t = ctx.schema.tables.get(ix.table);
        if (t?.partitioned) continue; // no CONCURRENTLY for partitioned indexes
        if (t && droppedInFile(ctx, t)) continue; // its table goes too (a down migration), before or after
        if (t && lockedEarlierInTransaction(ctx, t)) continue; // the transaction already holds the same lock
      } else if (builtEarlierInFile(ctx, name)) {
        continue; // built earlier in this file on a table the project does not show
      } else if (dropsATableLater(ctx)) {
        continue; // unknown index, and the file drops tables next (a down migration): likely one of those
      }
      targets.push({ name: displayName(schemaName, name), ix });
    }
    if (targets.length === 0) return;
    const toks = fileTokens(ctx.stmt);
    const i = findWords(toks, ['index']);
    if (i < 0 || i > 1) return;
    const place = concurrentlyInPlace(ctx);
    const one = names.length === 1;
    const cascade = n.behavior === 'DROP_CASCADE';
    const fixes: Fix[] = [];
    if (place.fix && one && !cascade) {
      fixes.push({
        title: 'Drop the index CONCURRENTLY',
        edits: [{ path: ctx.file.path, start: toks[i].end, end: toks[i].end, newText: ' ' + keywordCase(toks[i], 'CONCURRENTLY') }],
      });
    }
    const tables = [...new Set(targets.map((x) => x.ix && ctx.schema.tables.get(x.ix.table)).filter((t) => !!t).map((t) => displayName(t!.schema === 'public' ? undefined : t!.schema, t!.name)))];
    const on = targets.every((x) => x.ix) && tables.length > 0 ? `${tables.map(q).join(', ')}` : targets.length === 1 ? 'its table' : 'their tables';
    const what = targets.length === 1 ? `index ${q(targets[0].name)}` : `indexes ${targets.map((x) => q(x.name)).join(', ')}`;
    const how = cascade ? 'use DROP INDEX CONCURRENTLY without CASCADE (drop what depends on the index first)'
      : one ? 'use DROP INDEX CONCURRENTLY' : 'drop each index with its own DROP INDEX CONCURRENTLY (it takes one index)';
    ctx.report({
      ...span(toks, 0, i),
      message: `Dropping ${what} takes an ACCESS EXCLUSIVE lock on ${on}: it waits for every running query there while all new ones, reads included, queue behind it; ${how}${place.advice}.`,
      fixes,
    });
  },
};

/** The index a DROP names, as the schema knows it before the statement (unqualified: any schema). */
function findIndex(ctx: StatementContext, schemaName: string | undefined, name: string): Index | undefined {
  const exact = ctx.schema.indexes.get(Schema.indexKey(schemaName, name));
  if (exact || schemaName) return exact;
  if (!ctx.schema.indexes.hasName(name)) return undefined;
  for (const ix of ctx.schema.indexes.values()) if (ix.name === name) return ix;
  return undefined;
}

function dropsATableLater(ctx: StatementContext): boolean {
  return ctx.file.statements.some((s) => s.index > ctx.stmt.index && s.kind === 'DropStmt' && s.node?.removeType === 'OBJECT_TABLE');
}

function builtEarlierInFile(ctx: StatementContext, name: string): boolean {
  return ctx.file.statements.some((s) => s.index < ctx.stmt.index && s.kind === 'IndexStmt' && s.node?.idxname === name);
}
