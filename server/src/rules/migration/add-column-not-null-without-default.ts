import { typeInfo, walk } from '../../sql/ast';
import type { Node } from '../../sql/parse';
import type { Rule } from '../types';
import { isEmptyInFile, q, tableRef } from './util';

/** Functions whose value differs per row: a DEFAULT calling one must be computed for every existing row. */
const VOLATILE = new Set([
  'random', 'random_normal', 'setseed', 'gen_random_uuid', 'uuidv4', 'uuidv7', 'uuid_generate_v1', 'uuid_generate_v1mc',
  'uuid_generate_v4', 'gen_random_bytes', 'clock_timestamp', 'timeofday', 'nextval', 'txid_current', 'pg_current_xact_id',
]);

export function volatileCall(expr: Node | undefined): string | undefined {
  let found: string | undefined;
  walk(expr, (kind, n) => {
    if (found) return false;
    if (kind === 'FuncCall') {
      const names = (n.funcname ?? []).map((x: Node) => x?.String?.sval ?? '');
      const name = String(names[names.length - 1] ?? '').toLowerCase();
      if (VOLATILE.has(name)) { found = `${name}()`; return false; }
    }
  });
  return found;
}

export const rule: Rule = {
  meta: {
    id: 'add-column-not-null-without-default',
    title: 'NOT NULL column added without a default, or with a volatile default',
    category: 'migration',
    severity: 'error',
    principle: 'Special Instructions: "Test with production-like data volumes"',
    rationale:
      'Adding a NOT NULL column with no DEFAULT to a table that has rows fails outright: every existing row would hold NULL, so the migration that passed on an empty development database breaks in production. With a constant (non-volatile) DEFAULT, PostgreSQL 11 and later store the value once in the catalog and add the column instantly. A volatile default such as random(), gen_random_uuid(), clock_timestamp() or a serial/identity sequence is different: the value must be computed per row, so PostgreSQL rewrites the whole table and its indexes while holding an ACCESS EXCLUSIVE lock that blocks reads and writes.',
    bad: 'ALTER TABLE users ADD COLUMN status text NOT NULL;',
    good: "ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';",
    fixable: false,
    notes:
      'Tables created earlier in the same file are not flagged. For a value that must be computed per row, add the column as NULL (or with a constant default), backfill it in batches, then make it NOT NULL (see set-not-null-on-existing-column). `now()` and `CURRENT_TIMESTAMP` are stable, not volatile, and do not rewrite the table.',
  },
  beforeStatement(ctx) {
    const n = ctx.node;
    if (ctx.kind !== 'AlterTableStmt' || (n.objtype && n.objtype !== 'OBJECT_TABLE')) return;
    if (!n.relation || isEmptyInFile(ctx, n.relation)) return;
    const ref = tableRef(ctx, n.relation);
    if (!ref) return;
    for (const c of n.cmds ?? []) {
      const cmd = c.AlterTableCmd;
      if (cmd?.subtype !== 'AT_AddColumn') continue;
      const def = cmd.def?.ColumnDef;
      if (!def?.colname) continue;
      // ADD COLUMN IF NOT EXISTS of a column the table already has does nothing
      if (cmd.missing_ok && ref.table?.columns.has(def.colname)) continue;
      const cons: Node[] = (def.constraints ?? []).map((k: Node) => k.Constraint).filter(Boolean);
      const notNull = cons.find((k) => k.contype === 'CONSTR_NOTNULL' || k.contype === 'CONSTR_PRIMARY');
      const dflt = cons.find((k) => k.contype === 'CONSTR_DEFAULT');
      const identity = cons.find((k) => k.contype === 'CONSTR_IDENTITY');
      const generated = cons.find((k) => k.contype === 'CONSTR_GENERATED');
      const ti = typeInfo(def.typeName);
      const serial = ti && /^(small|big)?serial[248]?$/.test(ti.name) ? ti.name : undefined;
      const start = ctx.offset(def.location);
      const end = start + (ctx.file.text[start] === '"' ? def.colname.length + 2 : def.colname.length);
      const col = `${q(ref.display + '.' + def.colname)}`;
      const volatile = dflt && volatileCall(dflt.raw_expr);
      if (volatile || serial || identity) {
        const why = volatile ? `its DEFAULT calls ${volatile}` : serial ? `it is ${serial}` : 'it is an identity column';
        ctx.report({
          start, end,
          message: `Adding column ${col} rewrites ${q(ref.display)} under an ACCESS EXCLUSIVE lock because ${why}, computed for every existing row; add it without that default, backfill in batches, then set the default.`,
        });
        continue;
      }
      if (notNull && !dflt && !generated) {
        ctx.report({
          start, end,
          message: `Adding NOT NULL column ${col} without a DEFAULT fails if ${q(ref.display)} has any rows; add a constant DEFAULT, or add it nullable, backfill, then set NOT NULL.`,
        });
      }
    }
  },
};
