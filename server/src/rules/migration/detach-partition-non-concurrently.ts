import type { Fix } from '../../model';
import type { Node } from '../../sql/parse';
import type { Rule, StatementContext } from '../types';
import { alterSegments, concurrentlyInPlace, displayName, isNewInFile, keywordCase, nameEnd, q, segmentRange, tableRef } from './util';

export const rule: Rule = {
  meta: {
    id: 'detach-partition-non-concurrently',
    title: 'Partition detached without CONCURRENTLY',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      'A plain `ALTER TABLE ... DETACH PARTITION` takes an ACCESS EXCLUSIVE lock on the partitioned table: it waits for every query running on any partition, and meanwhile every new read and write of the whole table queues behind it. From PostgreSQL 14, `DETACH PARTITION ... CONCURRENTLY` only takes a SHARE UPDATE EXCLUSIVE lock on the parent and waits for running queries in a second transaction, so the table stays available.',
    bad: 'ALTER TABLE measurements DETACH PARTITION measurements_2023;',
    good: 'ALTER TABLE measurements DETACH PARTITION measurements_2023 CONCURRENTLY;',
    fixable: true,
    fixSchema: 'CREATE TABLE measurements (taken_at timestamptz NOT NULL, value numeric) PARTITION BY RANGE (taken_at);\nCREATE TABLE measurements_2023 PARTITION OF measurements FOR VALUES FROM (\'2023-01-01\') TO (\'2024-01-01\');',
    notes:
      'Only reported when the project targets PostgreSQL 14 or later (`postgresVersion` in .dbe.json). A partitioned table created earlier in the same file is not reported (nothing uses it yet). The quick fix adds CONCURRENTLY only where PostgreSQL accepts it: not inside a transaction block (BEGIN, or a migration tool that wraps each file), not in a file of several statements (a file sent as one query is one transaction), not in an applied migration of a project with a naming convention, not in a rollback step (whether the tool runs it in a transaction is often decided elsewhere, and a rollback that fails does so when it is needed most), and only when the project shows the table and no DEFAULT partition of it (CONCURRENTLY refuses a table with a default partition). squawk\'s `require-concurrent-partition-detach` offers CONCURRENTLY everywhere, including inside transactions, on tables with a default partition and on tables created in the same migration; DB Engineer deliberately does not. If a concurrent detach is interrupted, finish it with `ALTER TABLE ... DETACH PARTITION ... FINALIZE`.',
  },
  textFilter: /\bdetach\b/i,
  beforeStatement(ctx) {
    if (ctx.kind !== 'AlterTableStmt' || ctx.postgresVersion < 14) return;
    const n = ctx.node;
    if (n.objtype && n.objtype !== 'OBJECT_TABLE') return;
    const i = (n.cmds ?? []).findIndex((c: Node) => c.AlterTableCmd?.subtype === 'AT_DetachPartition');
    if (i < 0) return;
    const pc = n.cmds[i].AlterTableCmd.def?.PartitionCmd;
    if (!pc || pc.concurrent) return;
    if (!n.relation || isNewInFile(ctx, n.relation)) return;
    const ref = tableRef(ctx, n.relation);
    if (!ref) return;
    const segs = alterSegments(ctx);
    const seg = segs?.[i];
    const place = concurrentlyInPlace(ctx);
    const hasDefault = !ref.table || defaultPartition(ctx, ref.table.key);
    const fixes: Fix[] = [];
    // DETACH PARTITION name: the word goes after the (possibly qualified) partition name
    const at = seg ? seg.findIndex((t) => t.start === ctx.offset(pc.name?.location)) : -1;
    if (place.fix && !hasDefault && seg && at >= 0 && (n.cmds ?? []).length === 1) {
      const last = seg[nameEnd(seg, at)];
      fixes.push({
        title: 'Detach CONCURRENTLY',
        edits: [{ path: ctx.file.path, start: last.end, end: last.end, newText: ' ' + keywordCase(seg[0], 'CONCURRENTLY') }],
      });
    }
    const part = pc.name ? q(displayName(pc.name.schemaname, pc.name.relname)) : 'the partition';
    const how = ref.table && hasDefault
      ? 'CONCURRENTLY would avoid that, but PostgreSQL refuses it while the table has a DEFAULT partition, as this one has: run it when the table is quiet, with a short lock_timeout'
      : `use DETACH PARTITION ... CONCURRENTLY${place.advice}`;
    ctx.report({
      ...segmentRange(ctx, segs, i),
      message: `Detaching ${part} takes an ACCESS EXCLUSIVE lock on ${q(ref.display)}: all reads and writes of the table wait; ${how}.`,
      fixes,
    });
  },
};

/**
 * True when a DEFAULT partition of the table was ever created or attached before this statement (in
 * replay order): CONCURRENTLY is then refused. Ever, not "still": when unsure, no fix.
 */
function defaultPartition(ctx: StatementContext, parentKey: string): boolean {
  const isParent = (rv: Node | undefined) => !!rv?.relname && ctx.schema.table(rv.schemaname, rv.relname)?.key === parentKey;
  for (const f of ctx.files()) {
    for (const s of f.statements) {
      if (s === ctx.stmt) return false;
      const n = s.node;
      if (!n) continue;
      if (s.kind === 'CreateStmt' && n.partbound?.is_default && (n.inhRelations ?? []).some((r: Node) => isParent(r.RangeVar))) return true;
      if (s.kind === 'AlterTableStmt' && isParent(n.relation)
        && (n.cmds ?? []).some((c: Node) => c.AlterTableCmd?.subtype === 'AT_AttachPartition' && c.AlterTableCmd.def?.PartitionCmd?.bound?.is_default)) return true;
    }
  }
  return false;
}
