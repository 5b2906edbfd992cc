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
      'Tables created earlier in the same file are not flagged, nor columns that are already NOT NULL. A validated `CHECK (col IS NOT NULL)` is recognised when it is added (and validated) earlier in the same file, or added NOT VALID by an earlier migration and validated earlier in the same file. Requires PostgreSQL 12 or later for the check to replace the scan.',
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
      ctx.report({
        ...range,
        message: `SET NOT NULL on ${q(ref.display + '.' + col)} scans the whole table under an ACCESS EXCLUSIVE lock; first add CHECK (${col} IS NOT NULL) NOT VALID and VALIDATE it, then SET NOT NULL and drop the check.`,
      });
    });
  },
};
