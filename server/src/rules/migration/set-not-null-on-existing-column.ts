import { strings } from '../../sql/ast';
import type { Node, Token } from '../../sql/parse';
import type { Rule, StatementContext } from '../types';
import { alterSegments, findWords, isEmptyInFile, q, segmentRange, span, tableRef } from './util';

/** True when `expr` is exactly `col IS NOT NULL`. */
function isNotNullCheck(expr: Node | undefined, col: string): boolean {
  const t = expr?.NullTest;
  if (!t || t.nulltesttype !== 'IS_NOT_NULL') return false;
  const f = strings(t.arg?.ColumnRef?.fields);
  return f.length > 0 && f[f.length - 1] === col;
}

/**
 * True when an earlier statement of this file added a CHECK (col IS NOT NULL) to the same table and
 * it is validated (added without NOT VALID, or validated afterwards): SET NOT NULL then skips the scan.
 */
function validatedCheckInFile(ctx: StatementContext, col: string): boolean {
  const rel = ctx.node.relation;
  const pending = new Set<string>();
  let valid = false;
  for (const s of ctx.file.statements) {
    if (s.index >= ctx.stmt.index) break;
    if (s.kind !== 'AlterTableStmt' || s.node?.relation?.relname !== rel.relname) continue;
    for (const c of s.node?.cmds ?? []) {
      const cmd = c.AlterTableCmd;
      if (cmd?.subtype === 'AT_AddConstraint') {
        const k = cmd.def?.Constraint;
        if (k?.contype === 'CONSTR_CHECK' && isNotNullCheck(k.raw_expr, col)) {
          if (!k.skip_validation) valid = true;
          else if (k.conname) pending.add(k.conname);
        }
      } else if (cmd?.subtype === 'AT_ValidateConstraint' && (pending.has(cmd.name) || earlierNotNullCheck(ctx, cmd.name, col))) valid = true;
    }
  }
  return valid;
}

/** True when the table (as the schema knows it) has a CHECK named `name` that says `col IS NOT NULL`, added by an earlier migration. */
function earlierNotNullCheck(ctx: StatementContext, name: string, col: string): boolean {
  const t = tableRef(ctx, ctx.node.relation)?.table;
  const check = t?.checks.find((c) => c.name === name);
  if (!check) return false;
  const stmt = ctx.files().find((f) => f.path === check.loc.path)?.statements.find((s) => s.start <= check.loc.start && check.loc.start < s.end);
  let found = false;
  for (const c of stmt?.kind === 'AlterTableStmt' ? stmt.node?.cmds ?? [] : []) {
    const k = c.AlterTableCmd?.def?.Constraint;
    if (c.AlterTableCmd?.subtype === 'AT_AddConstraint' && k?.conname === name && isNotNullCheck(k.raw_expr, col)) found = true;
  }
  return found;
}

/** SQL text of a constant (`0`, `'x'`, `TRUE`, `'a'::kind`, `-1`), or undefined for anything computed. */
function constantText(e: Node | undefined): string | undefined {
  if (!e) return undefined;
  const c = e.A_Const;
  if (c) {
    if (c.isnull) return 'NULL';
    if (c.ival) return String(c.ival.ival ?? 0);
    if (c.fval) return String(c.fval.fval);
    if (c.boolval) return c.boolval.boolval ? 'TRUE' : 'FALSE';
    if (c.sval) return `'${String(c.sval.sval ?? '').replace(/'/g, "''")}'`;
    return undefined;
  }
  if (e.TypeCast) {
    const inner = constantText(e.TypeCast.arg);
    const names = strings(e.TypeCast.typeName?.names).filter((n) => n !== 'pg_catalog');
    return inner && names.length ? `${inner}::${names.join('.')}` : undefined;
  }
  const x = e.A_Expr;
  if (x?.kind === 'AEXPR_OP' && strings(x.name)[0] === '-' && !x.lexpr) {
    const inner = constantText(x.rexpr);
    return inner && /^\d/.test(inner) ? `-${inner}` : undefined;
  }
  return undefined;
}

/**
 * When the column was added by this file (up to and including this statement): its ADD COLUMN's
 * constant DEFAULT, or the constant every row was then set to (an UPDATE without WHERE), else
 * `value: undefined` (a computed backfill, or none).
 */
function addedInFile(ctx: StatementContext, col: string): { value?: string; computed: boolean; type?: string } | undefined {
  const rel = ctx.node.relation;
  let found: { value?: string; computed: boolean; type?: string } | undefined;
  let type: string | undefined;
  for (const s of ctx.file.statements) {
    if (s.index > ctx.stmt.index) break;
    if (s.kind === 'AlterTableStmt' && s.node?.relation?.relname === rel.relname) {
      for (const c of s.node?.cmds ?? []) {
        const cmd = c.AlterTableCmd;
        if (cmd?.subtype === 'AT_AddColumn' && cmd.def?.ColumnDef?.colname === col) {
          const def = (cmd.def.ColumnDef.constraints ?? []).map((k: Node) => k.Constraint).find((k: Node) => k?.contype === 'CONSTR_DEFAULT');
          const value = constantText(def?.raw_expr);
          type = typeText(cmd.def.ColumnDef.typeName);
          found = { value: value === 'NULL' ? undefined : value, computed: !!def && !value };
        } else if (found && cmd?.subtype === 'AT_ColumnDefault' && cmd.name === col) {
          const value = constantText(cmd.def);
          found = { value: value === 'NULL' ? undefined : value, computed: !!cmd.def && !value };
        }
      }
    } else if (found && s.kind === 'UpdateStmt' && s.node && s.node.relation?.relname === rel.relname) {
      for (const t of s.node.targetList ?? []) {
        if (t.ResTarget?.name !== col) continue;
        const value = constantText(t.ResTarget.val);
        // a constant for every row; a constant for some rows, or a computed value, is a computed backfill
        // (`WHERE col IS NULL` right after the ADD COLUMN is every row too)
        const w = s.node.whereClause?.NullTest;
        const everyRow = !s.node.whereClause || (w?.nulltesttype === 'IS_NULL' && strings(w.arg?.ColumnRef?.fields).slice(-1)[0] === col);
        found = value && value !== 'NULL' && everyRow && !s.node.fromClause?.length ? { value, computed: false } : { computed: true };
      }
    }
  }
  return found && { ...found, type };
}

/** A column type as SQL (`integer`, `varchar(255)`, `"DocumentSource"`, `text[]`) from its TypeName node. */
function typeText(tn: Node | undefined): string | undefined {
  const names = strings(tn?.names).filter((n) => n !== 'pg_catalog');
  if (!names.length) return undefined;
  const builtin: Record<string, string> = { int4: 'integer', int8: 'bigint', int2: 'smallint', bool: 'boolean', float8: 'double precision', float4: 'real', bpchar: 'char' };
  const quote = (n: string) => (/^[a-z_][a-z0-9_]*$/.test(n) ? n : `"${n.replace(/"/g, '""')}"`);
  const base = names.length === 1 && builtin[names[0]] ? builtin[names[0]] : names.map(quote).join('.');
  const mods = (tn!.typmods ?? []).map((m: Node) => m.A_Const?.ival?.ival).filter((v: unknown) => v !== undefined);
  return `${base}${mods.length ? `(${mods.join(', ')})` : ''}${(tn!.arrayBounds ?? []).map(() => '[]').join('')}`;
}

export const rule: Rule = {
  meta: {
    id: 'set-not-null-on-existing-column',
    title: 'SET NOT NULL on a column of an existing table',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      '`ALTER COLUMN ... SET NOT NULL` takes an ACCESS EXCLUSIVE lock, which blocks reads as well as writes, and then scans the whole table to prove there is no NULL. On a large table that is an outage for the length of the scan. Since PostgreSQL 12 the scan is skipped when a validated `CHECK (col IS NOT NULL)` constraint already proves it, and such a check can be added NOT VALID (instant) and validated under a lock that lets reads and writes continue.',
    bad: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    good: 'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT users_email_not_null;',
    fixable: false,
    notes:
      'Tables created earlier in the same file are not flagged, nor columns that are already NOT NULL. A validated `CHECK (col IS NOT NULL)` is recognised when it is added (and validated) earlier in the same file, or added NOT VALID by an earlier migration and validated earlier in the same file. Requires PostgreSQL 12 or later for the check to replace the scan. For a column added by the same migration, the advice is the ADD COLUMN itself: `ADD COLUMN col type NOT NULL DEFAULT <constant>` is instant since PostgreSQL 11 (no rewrite, no scan); the message names the constant when the ADD COLUMN\'s DEFAULT or a backfill `UPDATE ... SET col = <constant>` of every row gives it, and otherwise (values computed from other columns) advises a batched backfill and the CHECK route in a later migration.',
  },
  beforeStatement(ctx) {
    const n = ctx.node;
    if (ctx.kind !== 'AlterTableStmt' || (n.objtype && n.objtype !== 'OBJECT_TABLE')) return;
    if (!n.relation || isEmptyInFile(ctx, n.relation)) return;
    const ref = tableRef(ctx, n.relation);
    if (!ref) return;
    let segs: Token[][] | undefined;
    let computed = false;
    (n.cmds ?? []).forEach((c: Node, i: number) => {
      const cmd = c.AlterTableCmd;
      if (cmd?.subtype !== 'AT_SetNotNull' || !cmd.name) return;
      if (ref.table?.columns.get(cmd.name)?.notNull) return;
      if (validatedCheckInFile(ctx, cmd.name)) return;
      if (!computed) { segs = alterSegments(ctx); computed = true; }
      const seg = segs?.[i];
      const k = seg ? findWords(seg, ['set', 'not', 'null']) : -1;
      const range = seg && k >= 0 ? span(seg, k, k + 2) : segmentRange(ctx, segs, i);
      const col = cmd.name;
      const added = addedInFile(ctx, col);
      const type = added?.type ?? ref.table?.columns.get(col)?.typeText ?? '<type>';
      const colSql = /^[a-z_][a-z0-9_]*$/.test(col) ? col : `"${col.replace(/"/g, '""')}"`;
      // a column added by this very migration: a CHECK ... NOT VALID then VALIDATE buys nothing
      // there (the ADD COLUMN's lock is held anyway when the file runs in a transaction); a constant
      // default declared in the ADD COLUMN makes NOT NULL instant (PostgreSQL 11+: no rewrite, no scan)
      const message = !added
        ? `SET NOT NULL on ${q(ref.display + '.' + col)} scans the whole table under an ACCESS EXCLUSIVE lock; first add CHECK (${col} IS NOT NULL) NOT VALID and VALIDATE it, then SET NOT NULL and drop the check${ctx.inTransaction ? ` (the CHECK and its VALIDATE in separate migrations: ${ctx.runner.oneQuery ? `${ctx.runner.convention} sends this file as one query, one transaction` : 'this file runs in one transaction'}, which would hold the lock of the ADD through the validation)` : ''}.`
        : added.value !== undefined
          ? `SET NOT NULL on ${q(ref.display + '.' + col)}, added in this migration, scans the whole table under an ACCESS EXCLUSIVE lock; declare it in the ADD COLUMN instead: \`ADD COLUMN ${colSql} ${type} NOT NULL DEFAULT ${added.value}\` is instant since PostgreSQL 11 (no rewrite, no scan), and needs no backfill or SET NOT NULL.`
          : `SET NOT NULL on ${q(ref.display + '.' + col)}, added in this migration, scans the whole table under an ACCESS EXCLUSIVE lock; if every row gets the same value, declare it in the ADD COLUMN (\`ADD COLUMN ${colSql} ${type} NOT NULL DEFAULT <value>\` is instant since PostgreSQL 11); if the values are computed${added.computed ? ' (as they are here)' : ''}, backfill in batches and set NOT NULL in a later migration, after validating a CHECK (${col} IS NOT NULL) NOT VALID.`;
      ctx.report({ ...range, message });
    });
  },
};
