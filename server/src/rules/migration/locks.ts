// Which table-level lock a statement takes on an existing table, as PostgreSQL's documentation
// states it (the "Explicit Locking" chapter and the ALTER TABLE page). Only the locks that block
// ordinary writes (SHARE and stronger) are returned: SHARE UPDATE EXCLUSIVE (VALIDATE CONSTRAINT,
// SET STATISTICS, CREATE INDEX CONCURRENTLY, ...) lets reads and writes go on and is not returned.
import type { Node } from '../../sql/parse';
import type { Schema, Table } from '../../schema';
import type { StatementContext } from '../types';
import { displayName, isNewInFile } from './util';

export type LockMode = 'ACCESS EXCLUSIVE' | 'EXCLUSIVE' | 'SHARE ROW EXCLUSIVE' | 'SHARE';

export interface TakenLock {
  mode: LockMode;
  /** The existing table (or materialized view) locked, as written. */
  display: string;
  table: Table;
  /** What takes it, for messages: e.g. `ALTER TABLE`, `CREATE INDEX`. */
  what: string;
}

/** ALTER TABLE sub-commands that take less than ACCESS EXCLUSIVE (ALTER TABLE page, per form). */
const ALTER_WEAK = new Set([
  // SHARE UPDATE EXCLUSIVE: reads and writes go on
  'AT_ValidateConstraint', 'AT_SetStatistics', 'AT_SetOptions', 'AT_ResetOptions', 'AT_ClusterOn', 'AT_DropCluster',
  'AT_SetRelOptions', 'AT_ResetRelOptions', 'AT_AttachPartition',
]);
const ALTER_SRE = new Set([
  // SHARE ROW EXCLUSIVE
  'AT_EnableTrig', 'AT_EnableAlwaysTrig', 'AT_EnableReplicaTrig', 'AT_EnableTrigAll', 'AT_EnableTrigUser',
  'AT_DisableTrig', 'AT_DisableTrigAll', 'AT_DisableTrigUser',
]);

const RANK: Record<LockMode, number> = { SHARE: 1, 'SHARE ROW EXCLUSIVE': 2, EXCLUSIVE: 3, 'ACCESS EXCLUSIVE': 4 };

/** The strongest lock one ALTER TABLE sub-command takes on the altered table, or undefined when it lets writes go on. */
export function alterCmdLock(cmd: Node | undefined): LockMode | undefined {
  if (!cmd?.subtype) return undefined;
  if (ALTER_WEAK.has(cmd.subtype)) return undefined;
  if (ALTER_SRE.has(cmd.subtype)) return 'SHARE ROW EXCLUSIVE';
  if (cmd.subtype === 'AT_DetachPartition' && cmd.def?.PartitionCmd?.concurrent) return undefined;
  if (cmd.subtype === 'AT_AddConstraint' && cmd.def?.Constraint?.contype === 'CONSTR_FOREIGN') return 'SHARE ROW EXCLUSIVE';
  return 'ACCESS EXCLUSIVE';
}

/** A table the replayed schema knows (created by an earlier statement) and not created earlier in this file. */
function existing(ctx: StatementContext, rv: Node | undefined): { table: Table; display: string } | undefined {
  if (!rv?.relname || rv.relpersistence === 't') return undefined;
  const table = ctx.schema.table(rv.schemaname, rv.relname);
  if (!table || table.kind === 'view') return undefined;
  // created in this file, even under another name since (a RENAME keeps the table's createdIn)
  if (ctx.newTables.has(table.key) || table.createdIn === ctx.file.path || isNewInFile(ctx, rv)) return undefined;
  return { table, display: displayName(rv.schemaname, rv.relname) };
}

function existingByName(ctx: StatementContext, names: string[]): { table: Table; display: string } | undefined {
  if (names.length === 0) return undefined;
  const rv = { relname: names[names.length - 1], schemaname: names.length > 1 ? names[names.length - 2] : undefined };
  return existing(ctx, rv);
}

/** The table an existing index belongs to. */
function indexTable(schema: Schema, names: string[]): Table | undefined {
  const name = names[names.length - 1];
  const sch = names.length > 1 ? names[names.length - 2] : undefined;
  const idx = schema.indexes.get(`${sch ?? 'public'}.${name}`) ?? (sch ? undefined : [...schema.indexes.values()].find((i) => i.name === name));
  return idx ? schema.tables.get(idx.table) : undefined;
}

/**
 * True when a utility option such as `(CONCURRENTLY)`, `(FULL true)` or `(FULL 'on')` is on; false
 * when absent or turned off (`false`, `off`, `no`, `0`), as PostgreSQL reads boolean options.
 */
export function optionOn(list: Node[] | undefined, name: string): boolean {
  const d = (list ?? []).map((o: Node) => o.DefElem).find((e: Node | undefined) => e?.defname === name);
  if (!d) return false;
  const a = d.arg;
  if (!a) return true;
  if (a.Boolean) return !!a.Boolean.boolval;
  if (a.Integer) return !!a.Integer.ival;
  if (a.String) return !/^(f|fa|fal|fals|false|of|off|n|no|0)$/i.test(String(a.String.sval ?? '').trim());
  return true;
}

const LOCK_MODES: Record<number, LockMode> = { 5: 'SHARE', 6: 'SHARE ROW EXCLUSIVE', 7: 'EXCLUSIVE', 8: 'ACCESS EXCLUSIVE' };

/**
 * The write-blocking lock the statement takes on a table that existed before this migration file,
 * or undefined (a weaker lock, a new or unknown table, or a statement that locks no table).
 */
export function blockingLock(ctx: StatementContext): TakenLock | undefined {
  const n = ctx.node;
  switch (ctx.kind) {
    case 'AlterTableStmt': {
      if (n.objtype && n.objtype !== 'OBJECT_TABLE' && n.objtype !== 'OBJECT_MATVIEW') return undefined;
      const t = existing(ctx, n.relation);
      if (!t) return undefined;
      let mode: LockMode | undefined;
      for (const c of n.cmds ?? []) {
        const m = alterCmdLock(c.AlterTableCmd);
        if (m && (!mode || RANK[m] > RANK[mode])) mode = m;
      }
      return mode && { mode, ...t, what: 'ALTER TABLE' };
    }
    case 'IndexStmt': {
      if (n.concurrent) return undefined;
      const t = existing(ctx, n.relation);
      return t && { mode: 'SHARE', ...t, what: 'CREATE INDEX' };
    }
    case 'DropStmt': {
      if (n.removeType === 'OBJECT_TABLE' || n.removeType === 'OBJECT_MATVIEW') {
        for (const o of n.objects ?? []) {
          const t = existingByName(ctx, (o.List?.items ?? []).map((x: Node) => x.String?.sval ?? ''));
          if (t) return { mode: 'ACCESS EXCLUSIVE', ...t, what: n.removeType === 'OBJECT_TABLE' ? 'DROP TABLE' : 'DROP MATERIALIZED VIEW' };
        }
      } else if (n.removeType === 'OBJECT_INDEX' && !n.concurrent) {
        for (const o of n.objects ?? []) {
          const names = (o.List?.items ?? []).map((x: Node) => x.String?.sval ?? '');
          const table = indexTable(ctx.schema, names);
          if (table && !ctx.newTables.has(table.key) && table.createdIn !== ctx.file.path && table.kind !== 'view') {
            return { mode: 'ACCESS EXCLUSIVE', table, display: table.schema === 'public' ? table.name : table.key, what: 'DROP INDEX' };
          }
        }
      }
      return undefined;
    }
    case 'TruncateStmt': {
      for (const r of n.relations ?? []) {
        const t = existing(ctx, r.RangeVar);
        if (t) return { mode: 'ACCESS EXCLUSIVE', ...t, what: 'TRUNCATE' };
      }
      return undefined;
    }
    case 'ReindexStmt': {
      if (optionOn(n.params, 'concurrently')) return undefined;
      if (n.kind !== 'REINDEX_OBJECT_TABLE' && n.kind !== 'REINDEX_OBJECT_INDEX') return undefined;
      if (n.kind === 'REINDEX_OBJECT_TABLE') {
        const t = existing(ctx, n.relation);
        return t && { mode: 'SHARE', ...t, what: 'REINDEX' };
      }
      const table = n.relation?.relname ? indexTable(ctx.schema, [n.relation.schemaname, n.relation.relname].filter(Boolean)) : undefined;
      return table && !ctx.newTables.has(table.key) && table.createdIn !== ctx.file.path ? { mode: 'SHARE', table, display: table.schema === 'public' ? table.name : table.key, what: 'REINDEX' } : undefined;
    }
    case 'ClusterStmt': {
      const t = existing(ctx, n.relation);
      return t && { mode: 'ACCESS EXCLUSIVE', ...t, what: 'CLUSTER' };
    }
    case 'VacuumStmt': {
      if (!n.is_vacuumcmd || !optionOn(n.options, 'full')) return undefined;
      for (const r of n.rels ?? []) {
        const t = existing(ctx, r.VacuumRelation?.relation);
        if (t) return { mode: 'ACCESS EXCLUSIVE', ...t, what: 'VACUUM FULL' };
      }
      return undefined;
    }
    case 'RefreshMatViewStmt': {
      if (n.concurrent) return undefined;
      const t = existing(ctx, n.relation);
      return t && { mode: 'ACCESS EXCLUSIVE', ...t, what: 'REFRESH MATERIALIZED VIEW' };
    }
    case 'CreateTrigStmt': {
      const t = existing(ctx, n.relation);
      return t && t.table.kind === 'table' ? { mode: 'SHARE ROW EXCLUSIVE', ...t, what: 'CREATE TRIGGER' } : undefined;
    }
    case 'RenameStmt': {
      if (!['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT'].includes(n.renameType)) return undefined;
      if (n.relationType && n.relationType !== 'OBJECT_TABLE') return undefined;
      const t = existing(ctx, n.relation);
      return t && { mode: 'ACCESS EXCLUSIVE', ...t, what: 'ALTER TABLE ... RENAME' };
    }
    case 'LockStmt': {
      const mode = LOCK_MODES[n.mode as number];
      if (!mode) return undefined;
      for (const r of n.relations ?? []) {
        const t = existing(ctx, r.RangeVar);
        if (t) return { mode, ...t, what: 'LOCK TABLE' };
      }
      return undefined;
    }
    case 'CreateStmt': {
      // CREATE TABLE ... PARTITION OF takes ACCESS EXCLUSIVE on the parent
      if (!n.partbound) return undefined;
      const t = existing(ctx, n.inhRelations?.[0]?.RangeVar);
      return t && { mode: 'ACCESS EXCLUSIVE', ...t, what: 'CREATE TABLE ... PARTITION OF' };
    }
  }
  return undefined;
}
