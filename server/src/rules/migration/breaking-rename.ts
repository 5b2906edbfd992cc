import type { Node } from '../../sql/parse';
import { fileTokens } from '../../sql/spans';
import type { Rule, StatementContext } from '../types';
import { columnRenameFix, tableRenameFix, type Why } from './expand-contract';
import { findWords, isNewInFile, q, span, statementHead, tableRef } from './util';

const RELATION_KINDS = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE']);

const KIND_WORD: Record<string, string> = {
  OBJECT_TABLE: 'table', OBJECT_VIEW: 'view', OBJECT_MATVIEW: 'materialized view', OBJECT_FOREIGN_TABLE: 'foreign table',
};

/**
 * True when a later statement of the same file puts something back under the old name (a rename to
 * it, or a table or view created with it): an atomic swap or a compatibility view, not a break.
 */
function oldNameReplaced(ctx: StatementContext, rv: Node): boolean {
  const same = (x: Node | undefined) => !!x?.relname && x.relname === rv.relname && (x.schemaname ?? rv.schemaname) === rv.schemaname;
  for (const s of ctx.file.statements) {
    if (s.index <= ctx.stmt.index) continue;
    const n = s.node;
    if (!n) continue;
    if (s.kind === 'RenameStmt' && RELATION_KINDS.has(n.renameType) && n.newname === rv.relname) return true;
    if (s.kind === 'CreateStmt' && same(n.relation)) return true;
    if (s.kind === 'ViewStmt' && same(n.view)) return true;
    if (s.kind === 'CreateTableAsStmt' && same((n.into?.IntoClause ?? n.into)?.rel)) return true;
  }
  return false;
}

/** True when an earlier statement of the same file dropped column `col` of the relation. */
function droppedInFile(ctx: StatementContext, rv: Node, col: string): boolean {
  for (const s of ctx.file.statements) {
    if (s.index >= ctx.stmt.index) break;
    if (s.kind !== 'AlterTableStmt' || s.node?.relation?.relname !== rv.relname) continue;
    if ((s.node?.cmds ?? []).some((c: Node) => c.AlterTableCmd?.subtype === 'AT_DropColumn' && c.AlterTableCmd.name === col)) return true;
  }
  return false;
}

export const rule: Rule = {
  meta: {
    id: 'breaking-rename',
    title: 'Renaming a table, view or column that running code uses',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      'A rename is instant for PostgreSQL (a short ACCESS EXCLUSIVE lock and a catalog update), but the application instances that are running while the migration is applied still send queries with the old name, and they fail until every instance runs the new code. Renames also break views, reports and replication consumers outside the repository. The safe path is expand and contract: add the new column or table, keep both in sync (trigger or dual writes) and backfill, switch readers and writers to the new name, and drop the old one in a later release.',
    bad: 'ALTER TABLE users RENAME COLUMN name TO full_name;',
    good: 'ALTER TABLE users ADD COLUMN full_name text;\n-- backfill and keep in sync, move the code over, drop users.name in a later release',
    fixable: true,
    fixSchema: 'CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);',
    notes:
      'Not reported in down (rollback) migrations, nor for tables or views created earlier in the same file. Renaming a table away is not reported when the same file puts a table or view back under the old name (an atomic swap inside one transaction, or a compatibility view), nor renaming a column to the name of a column the same file dropped just before (the switch step of an expand/contract change). The fix writes the expand/contract sequence. For a column of a table: step 1 (in place of the rename) adds the new column and a BEFORE INSERT OR UPDATE trigger that keeps both columns equal whichever one the code writes (it only assigns NEW, so it cannot recurse), plus a NOT VALID NOT NULL check when the old column is NOT NULL; step 2 creates a procedure that backfills in batches of 5000 rows along the primary key, committing each batch (run it with CALL outside a transaction); plain indexes on the column are built again on the new one (CREATE INDEX CONCURRENTLY, a migration each, outside a transaction); the contract step, for a later release, checks the backfill, drops the trigger, sets NOT NULL and the default on the new column and drops the old one. For a table: the rename plus an updatable view under the old name listing its columns, and a later migration that drops the view. Later steps become new migrations in the project\'s convention, with rollbacks where it keeps down files (and the paired down migration of step 1 gets its undo in place of the reverse rename), or follow step 1 in a project without one. The fix is not offered for views, for tables or columns the project does not know, without a single-column primary key, for the primary key itself, identity, serial or generated columns, columns with a foreign key (either way), a CHECK constraint, an expression or partial index or a UNIQUE constraint, or a default whose text cannot be found. A rename cannot be made safe by rewriting one statement: old and new names must both work while old and new code run side by side, which takes several steps over more than one release (the expand/contract fix). When the fix is not offered, the message says why; it is never offered in an applied migration (every migration but the newest, in a project whose migrations follow a naming convention): the rename has run wherever that migration ran.',
  },
  beforeStatement(ctx) {
    if (ctx.runner.down || ctx.kind !== 'RenameStmt') return;
    const n = ctx.node;
    const rv = n.relation;
    if (!rv?.relname || !n.newname) return;
    const isColumn = n.renameType === 'OBJECT_COLUMN' && RELATION_KINDS.has(n.relationType);
    const isRelation = RELATION_KINDS.has(n.renameType);
    if (!isColumn && !isRelation) return;
    if (isNewInFile(ctx, rv)) return;
    const ref = tableRef(ctx, rv);
    if (!ref) return;
    const toks = fileTokens(ctx.stmt);
    const r = findWords(toks, ['rename']);
    let end = toks.length - 1;
    while (end > r && toks[end].text === ';') end--;
    const range = r >= 0 ? span(toks, r, end) : statementHead(ctx.stmt);
    if (isColumn) {
      if (!n.subname) return;
      if (ref.table && !ref.table.columns.has(n.subname) && ref.table.columns.has(n.newname)) return; // already renamed
      const ofView = n.relationType === 'OBJECT_VIEW' || n.relationType === 'OBJECT_MATVIEW' || (ref.table && ref.table.kind !== 'table');
      if (droppedInFile(ctx, rv, n.newname)) return; // the switch of an expand/contract change
      const why: Why = {};
      const fix = ofView ? undefined : columnRenameFix(ctx, ref.table, n.subname, n.newname, why);
      ctx.report({
        ...range,
        message: `${columnRenameWarning(ref.display, n.subname, n.newname, !!ofView)}${noFix(why)}`,
        fixes: fix ? [fix] : undefined,
      });
      return;
    }
    if (oldNameReplaced(ctx, rv)) return;
    const kind = ref.table ? (ref.table.kind === 'matview' ? 'materialized view' : ref.table.kind) : KIND_WORD[n.renameType] ?? 'table';
    const why: Why = {};
    const fix = kind === 'table' && n.renameType === 'OBJECT_TABLE' ? tableRenameFix(ctx, ref.table, n.newname, why) : undefined;
    ctx.report({
      ...range,
      fixes: fix ? [fix] : undefined,
      message: kind === 'table' ? `${relationRenameWarning(kind, ref.display, rv.relname, n.newname)}${noFix(why)}` : relationRenameWarning(kind, ref.display, rv.relname, n.newname),
    });
  },
};

/**
 * The warning for renaming a column (also shown by the language server's Rename Symbol, which writes
 * such a rename as a new migration).
 */
export function columnRenameWarning(display: string, column: string, newName: string, ofView: boolean): string {
  const advice = ofView
    ? `expose ${q(newName)} as an extra column of the view, move the code over, then remove ${q(column)} later`
    : `add ${q(newName)} as a new column, sync and backfill it, move the code over, then drop ${q(column)} later`;
  return `Renaming column ${q(display + '.' + column)} to ${q(newName)} breaks running code that still uses the old name; ${advice}.`;
}

/** The warning for renaming a table, view or materialized view (`kind` in words; `oldName` unqualified). */
export function relationRenameWarning(kind: string, display: string, oldName: string, newName: string): string {
  return kind === 'table'
    ? `Renaming table ${q(display)} to ${q(newName)} breaks running code that still uses the old name; keep the old name working (e.g. a view ${q(oldName)} over the renamed table) until the code has moved over.`
    : `Renaming ${kind} ${q(display)} to ${q(newName)} breaks running code that still uses the old name; create it under the new name as well, move the code over, then drop the old one.`;
}

/** The sentence saying why the expand/contract fix is not offered (empty when there is a fix or no reason). */
function noFix(why: Why): string {
  return why.reason ? ` No quick fix: ${why.reason}.` : '';
}
