import { strings, typeInfo, type TypeInfo } from '../../sql/ast';
import type { Node } from '../../sql/parse';
import { typeExtent } from '../../sql/spans';
import type { Column } from '../../schema';
import type { Rule, StatementContext } from '../types';
import { typeChangeFix } from './expand-contract';
import { isEmptyInFile, q, tableRef } from './util';

const sameMods = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Types whose typmod can grow without touching the stored data. */
const LENGTH_TYPES = new Set(['varchar', 'varbit', 'timestamp', 'timestamptz', 'time', 'timetz']);

/**
 * True when changing a column from `old` to `neu` needs neither a table rewrite nor an index rebuild
 * (binary-coercible change that only relaxes a length or precision limit).
 */
export function binaryCompatible(old: { type: string; typeMods: number[]; array: boolean }, neu: TypeInfo): boolean {
  if (old.array !== neu.array) return false;
  if (old.type === neu.name) {
    if (sameMods(old.typeMods, neu.mods)) return true;
    if (neu.mods.length === 0) return LENGTH_TYPES.has(old.type) || old.type === 'numeric';
    if (old.typeMods.length === 0) return false; // adding a limit: every row must be checked
    if (LENGTH_TYPES.has(old.type)) return neu.mods[0] >= old.typeMods[0];
    if (old.type === 'numeric') {
      const [p1, s1 = 0] = old.typeMods;
      const [p2, s2 = 0] = neu.mods;
      return s1 === s2 && p2 >= p1;
    }
    return false;
  }
  if (old.array) return false;
  if (old.type === 'varchar' && neu.name === 'text') return true;
  if (old.type === 'text' && neu.name === 'varchar' && neu.mods.length === 0) return true;
  if (old.type === 'cidr' && neu.name === 'inet') return true;
  return false;
}

export const rule: Rule = {
  meta: {
    id: 'alter-column-type',
    title: 'Column type change that rewrites an existing table',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      '`ALTER COLUMN ... TYPE` takes an ACCESS EXCLUSIVE lock, blocking reads and writes, and unless the old and new types are binary-compatible it rewrites every row of the table and rebuilds every index, for as long as that takes. Changes that only relax a limit are cheap: varchar(n) to a longer varchar, to unconstrained varchar or to text, text to varchar, numeric(p,s) to a larger precision with the same scale or to plain numeric, cidr to inet. Everything else (int to bigint, text to jsonb, adding a USING expression) is a rewrite; on a large table do it online: add a new column, keep it in sync and backfill in batches, switch readers, then drop the old column.',
    bad: 'ALTER TABLE orders ALTER COLUMN total TYPE bigint;',
    good: 'ALTER TABLE orders ADD COLUMN total_new bigint;\n-- keep total_new in sync with a trigger, backfill it in batches, then switch over',
    fixable: true,
    fixSchema: 'CREATE TABLE orders (id integer PRIMARY KEY, total integer NOT NULL DEFAULT 0);',
    notes:
      'The fix writes the online change: step 1 (in place of the statement) adds the new column and a BEFORE INSERT OR UPDATE trigger that fills it (through the USING expression, when there is one), plus a NOT VALID `CHECK (... IS NOT NULL)` when the old column is NOT NULL; step 2 creates a procedure that backfills in batches of 5000 rows along the primary key and commits each batch (run it with CALL outside a transaction: a migration\'s transaction cannot commit in the middle); plain indexes on the column are built again on the new one, each with CREATE INDEX CONCURRENTLY in a migration of its own that runs outside a transaction; the switch, in one transaction, refuses to run while a row is not backfilled, validates the check, drops the trigger, sets NOT NULL and the old default, drops the old column and gives the new column (and its indexes) the old names. Steps 2 and 3 become new migrations in the project\'s convention, with rollbacks where it keeps down files (and the paired down migration of step 1 gets its undo in place of the statement that reverted the type change); in a project without a convention they follow step 1 in the same file. The fix is not offered when the project does not know enough to do it safely: unknown table or column type, no single-column primary key to batch by, the column is (part of) the primary key, an identity, serial or generated column, has a foreign key or is referenced by one, is used by a CHECK constraint, an expression or partial index, or the index of a UNIQUE constraint, has a default whose text cannot be found, or the ALTER TABLE has more than one command or a COLLATE clause. Tables created earlier in the same file are not flagged. The old type comes from the replayed schema; when the column is unknown to the project the change is flagged, since it usually rewrites, unless the new type is plain text, varchar or numeric without a limit (most likely a widening). timestamp to timestamptz (and back, same precision, no USING expression but the column) skips the rewrite on PostgreSQL 12+ when the session TimeZone is UTC: it is not flagged when an earlier statement of the same file sets the time zone to UTC (`SET timezone = \'UTC\'`, as lemmy\'s migrations do), and flagged otherwise, since the migration cannot tell the session\'s zone. Nor is it offered in an applied migration (every migration but the newest, in a project whose migrations follow a naming convention): step 1 replaces the statement, and that migration has already run.',
  },
  beforeStatement(ctx) {
    const n = ctx.node;
    if (ctx.kind !== 'AlterTableStmt' || (n.objtype && n.objtype !== 'OBJECT_TABLE')) return;
    if (!n.relation || isEmptyInFile(ctx, n.relation)) return;
    const ref = tableRef(ctx, n.relation);
    if (!ref || ref.table?.kind === 'view') return;
    for (const c of n.cmds ?? []) {
      const cmd = c.AlterTableCmd;
      if (cmd?.subtype !== 'AT_AlterColumnType' || !cmd.name) continue;
      const def: Node | undefined = cmd.def?.ColumnDef;
      const neu = typeInfo(def?.typeName);
      if (!def || !neu) continue;
      const col: Column | undefined = ref.table?.columns.get(cmd.name);
      const using = !!def.raw_default;
      if (col && !using && !def.collClause && binaryCompatible(col, neu)) continue;
      // timestamp <-> timestamptz needs no rewrite on PostgreSQL 12+ when the session's time zone is UTC,
      // which the migration itself set earlier (lemmy's fix-timezones: SET timezone = 'UTC')
      if (col && !def.collClause && utcSwitch(ctx, col, neu, def, cmd.name)) continue;
      // old type unknown: a change to an unlimited text or numeric type is most likely a widening
      if (!col && !using && !neu.array && neu.mods.length === 0 && ['text', 'varchar', 'numeric'].includes(neu.name)) continue;
      const typeStart = ctx.offset(def.typeName.location);
      const typeEnd = typeExtent(ctx.stmt, typeStart);
      const start = def.location !== undefined && def.location >= 0 ? ctx.offset(def.location) : typeStart;
      const newText = ctx.file.text.slice(typeStart, typeEnd);
      const name = q(`${ref.display}.${cmd.name}`);
      const oldText = col ? col.typeText || col.type : '';
      const from = col && col.type !== 'unknown' && oldText.toLowerCase() !== newText.toLowerCase() ? ` from ${oldText}` : '';
      const advice = 'add a new column, backfill it in batches and switch over instead';
      const message = col
        ? `Changing ${name}${from} to ${newText} rewrites ${q(ref.display)} and rebuilds its indexes under an ACCESS EXCLUSIVE lock; ${advice}.`
        : `Changing ${name} to ${newText} most likely rewrites ${q(ref.display)} and rebuilds its indexes under an ACCESS EXCLUSIVE lock; ${advice}.`;
      const fix = typeChangeFix(ctx, ref.table, cmd);
      ctx.report({ start: Math.min(start, typeStart), end: typeEnd, message, fixes: fix ? [fix] : undefined });
    }
  },
};

/** Time zones with a fixed zero offset: in them timestamp and timestamptz are binary compatible. */
const UTC_ZONES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'zulu', 'etc/zulu', 'uct', 'etc/uct', 'universal', 'etc/universal', 'z']);

/**
 * timestamp to timestamptz (or back), same precision, without a USING expression other than the
 * column itself, on PostgreSQL 12+, after a statement of the same file set the session's TimeZone to
 * UTC (and nothing set it to another zone in between): PostgreSQL then changes only the catalog.
 */
function utcSwitch(ctx: StatementContext, col: Column, neu: TypeInfo, def: Node, name: string): boolean {
  if (ctx.postgresVersion < 12 || col.array || neu.array) return false;
  const pair = new Set([col.type, neu.name]);
  if (!(pair.has('timestamp') && pair.has('timestamptz')) || col.type === neu.name) return false;
  if (JSON.stringify(col.typeMods ?? []) !== JSON.stringify(neu.mods ?? [])) return false;
  const u = def.raw_default;
  if (u && !(u.ColumnRef && strings(u.ColumnRef.fields).join('.') === name)) return false;
  let utc = false;
  for (const s of ctx.file.statements) {
    if (s.index >= ctx.stmt.index) break;
    const n = s.node;
    if (s.kind !== 'VariableSetStmt' || !n) continue;
    const v = String(n.name ?? '').toLowerCase();
    if (v !== 'timezone') continue;
    if (n.kind === 'VAR_RESET' || n.kind === 'VAR_SET_DEFAULT') { utc = false; continue; }
    const arg = n.args?.[0]?.A_Const;
    const text = String(arg?.sval?.sval ?? '').toLowerCase();
    const zero = arg?.ival !== undefined && (arg.ival.ival ?? 0) === 0;
    utc = UTC_ZONES.has(text) || zero;
  }
  return utc;
}
