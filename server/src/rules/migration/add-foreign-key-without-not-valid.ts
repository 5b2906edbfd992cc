import { strings } from '../../sql/ast';
import type { Node, Token } from '../../sql/parse';
import { tokenIndexAt } from '../../sql/spans';
import type { Fix, Statement, TextEdit } from '../../model';
import { isAppliedMigration, migrationLabel, placeMigration, placesInline } from '../../engine/placement';
import type { Rule, StatementContext } from '../types';
import { alterSegments, explicitTransaction, findWords, isEmptyInFile, nameEnd, q, quoteIdent, relationRange, span, tableRef } from './util';

export const rule: Rule = {
  meta: {
    id: 'add-foreign-key-without-not-valid',
    title: 'Foreign key added to an existing table without NOT VALID',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      'Adding a foreign key checks every existing row of the table against the referenced table, and holds a SHARE ROW EXCLUSIVE lock on both tables for the whole scan: reads continue, but inserts, updates and deletes on either table wait. Adding the constraint with NOT VALID is instant (new rows are checked from then on); a later `VALIDATE CONSTRAINT` scans the old rows under a SHARE UPDATE EXCLUSIVE lock, which lets normal reads and writes go on.',
    bad: 'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);',
    good: 'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;',
    fixable: true,
    notes:
      'Tables created earlier in the same file are not flagged. The quick fix adds NOT VALID (and an explicit constraint name when there is none, PostgreSQL\'s default `<table>_<columns>_fkey`) and runs VALIDATE CONSTRAINT in a later transaction (in the same one, the lock taken by ADD CONSTRAINT would be held until COMMIT, through the validation scan): in a project whose migrations follow a naming convention, as a new migration after the one being written; in a file run statement by statement, right after the statement; inside an explicit BEGIN ... COMMIT block, right after the COMMIT. No fix when the file runs as one transaction (the migration tool wraps it or sends it as one query) and no new migration can be named, nor in an applied migration (every migration but the newest, in a project whose migrations follow a naming convention): the constraint is there, validated, wherever that migration ran. `ADD COLUMN ... REFERENCES` is reported only when the new column has a DEFAULT (without one the column is all NULL and PostgreSQL skips the check); it cannot take NOT VALID: add the column first, then the constraint NOT VALID.',
  },
  beforeStatement(ctx) {
    const n = ctx.node;
    if (ctx.kind !== 'AlterTableStmt' || (n.objtype && n.objtype !== 'OBJECT_TABLE')) return;
    if (!n.relation || isEmptyInFile(ctx, n.relation)) return;
    const ref = tableRef(ctx, n.relation);
    if (!ref) return;
    let segs: Token[][] | undefined;
    let computed = false;
    const segments = () => { if (!computed) { segs = alterSegments(ctx); computed = true; } return segs; };
    (n.cmds ?? []).forEach((c: Node, i: number) => {
      const cmd = c.AlterTableCmd;
      if (cmd?.subtype === 'AT_AddConstraint') {
        const k = cmd.def?.Constraint;
        if (!k || k.contype !== 'CONSTR_FOREIGN' || k.skip_validation || !k.pktable) return;
        reportConstraint(ctx, ref.display, k, segments()?.[i]);
      } else if (cmd?.subtype === 'AT_AddColumn') {
        const def = cmd.def?.ColumnDef;
        // A new column without a default is all NULL: PostgreSQL skips the validation scan.
        const dflt = (def?.constraints ?? []).find((x: Node) => x.Constraint?.contype === 'CONSTR_DEFAULT')?.Constraint;
        if (!dflt || dflt.raw_expr?.A_Const?.isnull) return;
        for (const x of def?.constraints ?? []) {
          const k = x.Constraint;
          if (k?.contype !== 'CONSTR_FOREIGN' || !k.pktable) continue;
          const seg = segments()?.[i];
          const r = seg ? refRange(ctx, seg, k) : relationRange(ctx, n.relation);
          ctx.report({
            ...r,
            message: `Adding column ${q(def.colname)} with a DEFAULT and REFERENCES ${q(k.pktable.relname)} checks every row of ${q(ref.display)} while holding ${locks(ref.display, k.pktable.relname)}; add the column first, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID and VALIDATE it separately.`,
          });
        }
      }
    });
  },
};

/** The locks taken, naming both tables (one when the key references its own table). */
function locks(table: string, ref: string): string {
  const bare = table.includes('.') ? table.slice(table.lastIndexOf('.') + 1) : table;
  return bare === ref ? `a SHARE ROW EXCLUSIVE lock on ${q(table)}` : `SHARE ROW EXCLUSIVE locks on ${q(table)} and ${q(ref)}`;
}

/** From the constraint's first keyword after ADD to the end of the referenced table's name. */
function refRange(ctx: StatementContext, seg: Token[], k: Node): { start: number; end: number } {
  const first = seg[0]?.text.toLowerCase() === 'add' ? 1 : 0;
  let from = first;
  const at = tokenIndexAt(seg, ctx.offset(k.location));
  if (at >= 0 && seg[at].start === ctx.offset(k.location)) from = at;
  const r = tokenIndexAt(seg, ctx.offset(k.pktable.location));
  const to = r >= 0 && seg[r].start >= seg[from].start ? nameEnd(seg, r) : seg.length - 1;
  return span(seg, from, to);
}

function reportConstraint(ctx: StatementContext, table: string, k: Node, seg: Token[] | undefined): void {
  const cols = strings(k.fk_attrs);
  const rel = ctx.node.relation;
  const defaultName = `${rel.relname}_${cols.join('_')}_fkey`;
  const name = k.conname ?? (defaultName.length > 63 ? defaultName.slice(0, 58) + '_fkey' : defaultName);
  const range = seg ? refRange(ctx, seg, k) : relationRange(ctx, rel);
  const fixes: Fix[] = [];
  const files = ctx.files();
  // An applied migration is never edited: the constraint is there, validated, in every database where
  // it ran. Elsewhere the VALIDATE must run in a later transaction than the ADD CONSTRAINT, or the
  // lock the ADD takes is held through the validation scan: a new migration in a project whose
  // migrations follow a convention; after the statement in a file that runs statement by statement;
  // after the COMMIT of an explicit transaction block. A file the migration tool runs as one
  // transaction, without a convention to name a new migration by, gets no fix.
  const where = isAppliedMigration(files, ctx.file) ? undefined : validatePlace(ctx);
  if (seg && seg.length && where) {
    const path = ctx.file.path;
    const edits: TextEdit[] = [];
    let named = !!k.conname;
    if (!k.conname) {
      const f = findWords(seg, ['foreign', 'key']);
      if (f >= 0) named = true;
      if (f >= 0) edits.push({ path, start: seg[f].start, end: seg[f].start, newText: `CONSTRAINT ${quoteIdent(name)} ` });
    }
    const last = seg[seg.length - 1];
    const relR = relationRange(ctx, rel);
    const relText = ctx.file.text.slice(relR.start, relR.end);
    const validate = `ALTER TABLE ${relText} VALIDATE CONSTRAINT ${quoteIdent(name)};`;
    const close = last.end >= ctx.stmt.end ? ';' : ''; // the statement has no `;`: NOT VALID ends it
    let title = 'Add the foreign key NOT VALID, then VALIDATE it';
    if (where === 'new-migration') {
      edits.push({ path, start: last.end, end: last.end, newText: ` NOT VALID${close}` });
      const placed = placeMigration(files, {
        title: `validate ${name}`,
        up: `-- Checks the rows that were there before the constraint was added NOT VALID. The SHARE UPDATE\n-- EXCLUSIVE lock it takes lets reads and writes of ${relText} go on meanwhile.\n${validate}`,
        anchor: ctx.stmt,
      });
      if (placed.mode !== 'new-file') named = false;
      edits.push(...placed.edits);
      title = `Add the foreign key NOT VALID, then VALIDATE it in a new migration ${migrationLabel(placed.path)}`;
    } else if (where === 'after-statement') {
      if (close) edits.push({ path, start: last.end, end: last.end, newText: ` NOT VALID;\n${validate}` });
      else {
        edits.push({ path, start: last.end, end: last.end, newText: ' NOT VALID' });
        edits.push({ path, start: ctx.stmt.end, end: ctx.stmt.end, newText: '\n' + validate });
      }
    } else {
      edits.push({ path, start: last.end, end: last.end, newText: ` NOT VALID${close}` });
      edits.push({ path, start: where.end, end: where.end, newText: '\n' + validate });
      title = 'Add the foreign key NOT VALID, then VALIDATE it after the COMMIT';
    }
    if (named) fixes.push({ title, edits });
  }
  const label = k.conname ? `foreign key ${q(k.conname)}` : `a foreign key on (${cols.join(', ')})`;
  ctx.report({
    ...range,
    message: `Adding ${label} checks every row of ${q(table)} while holding ${locks(table, k.pktable.relname)}; add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction.`,
    fixes,
  });
}

/**
 * Where the VALIDATE goes so that it runs in a transaction of its own: a new migration, right after
 * the statement, or after the COMMIT (the statement) that closes the explicit transaction block;
 * undefined when the file runs as one transaction and no new migration can be written.
 */
function validatePlace(ctx: StatementContext): 'new-migration' | 'after-statement' | Statement | undefined {
  const migrations = !placesInline(ctx.files());
  // a rollback step: the VALIDATE belongs to the same rollback, which migration tools run as one
  // transaction (or one query); a new (up) migration would run it where the constraint does not exist
  if (ctx.file.isDown || ctx.runner.down) {
    if (migrations) return undefined;
  } else if (migrations) return 'new-migration';
  if (ctx.runner.wraps || ctx.runner.oneQuery) return undefined;
  if (!explicitTransaction(ctx)) return ctx.inTransaction ? undefined : 'after-statement';
  for (const s of ctx.file.statements) {
    if (s.index <= ctx.stmt.index || s.kind !== 'TransactionStmt') continue;
    const kind = s.node?.kind;
    if (kind === 'TRANS_STMT_COMMIT') return s.file.text.slice(s.start, s.end).trimEnd().endsWith(';') ? s : undefined;
    if (kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE') return undefined;
  }
  return undefined;
}
