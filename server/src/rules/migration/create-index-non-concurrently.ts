import { strings } from '../../sql/ast';
import { fileTokens } from '../../sql/spans';
import type { Fix } from '../../model';
import { isAppliedMigration } from '../../engine/placement';
import type { Rule, StatementContext } from '../types';
import { alterSegments, explicitTransaction, findWords, isEmptyInFile, q, segmentRange, span, tableRef } from './util';

export const rule: Rule = {
  meta: {
    id: 'create-index-non-concurrently',
    title: 'Index built on an existing table without CONCURRENTLY',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      'A plain `CREATE INDEX` takes a SHARE lock on the table for the whole build: reads go on, but every INSERT, UPDATE and DELETE waits until the index is finished, which on a large table can be minutes of write outage. `CREATE INDEX CONCURRENTLY` builds the index in several passes while only taking a SHARE UPDATE EXCLUSIVE lock, so writes continue. Adding a UNIQUE or PRIMARY KEY constraint with ALTER TABLE is worse: it builds the index under an ACCESS EXCLUSIVE lock, which blocks reads too.',
    bad: 'CREATE INDEX idx_orders_user_id ON orders (user_id);',
    good: 'CREATE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);',
    fixable: true,
    notes:
      'Tables created earlier in the same file and temporary tables are not flagged (they are empty). Partitioned parent tables are not flagged: CONCURRENTLY is not supported there; create the index ON ONLY the parent, build each partition\'s index concurrently and ATTACH it. CONCURRENTLY cannot run inside a transaction block, so when the migration is transactional the quick fix is not offered: run the statement in a migration that opts out of the transaction. Nor is it offered when the statement shares its file with other statements (golang-migrate, `psql -c` and many ORMs send a file as one query string, which PostgreSQL runs as one implicit transaction), nor, in a project whose migrations follow a naming convention, in a migration other than the newest (an applied migration is never edited). A concurrent build that fails leaves an INVALID index behind: drop it and retry. For `ADD CONSTRAINT ... UNIQUE / PRIMARY KEY` and `ADD COLUMN ... UNIQUE / PRIMARY KEY`, build a unique index concurrently first and attach it with `ADD CONSTRAINT name UNIQUE USING INDEX index_name`.',
  },
  beforeStatement(ctx) {
    if (ctx.kind === 'IndexStmt') return checkIndex(ctx);
    if (ctx.kind === 'AlterTableStmt') return checkConstraint(ctx);
  },
};

function checkIndex(ctx: StatementContext): void {
  const n = ctx.node;
  if (n.concurrent || !n.relation) return;
  if (isEmptyInFile(ctx, n.relation)) return;
  const ref = tableRef(ctx, n.relation);
  if (!ref) return;
  if (ref.table?.partitioned) return;
  if (ref.table && ref.table.kind === 'view') return;
  const toks = fileTokens(ctx.stmt);
  // CREATE [UNIQUE] INDEX
  const i = findWords(toks, ['index']);
  if (i < 0 || i > 2) return;
  const range = span(toks, 0, i);
  const fixes: Fix[] = [];
  // CONCURRENTLY cannot run inside a transaction block, and a query string holding several statements
  // is one implicit transaction: golang-migrate (and psql -c, and many ORMs) send a whole file that way.
  // So the word is added in place only when the statement is alone in its file; and in a project whose
  // migrations follow a convention, only in the newest migration (an applied one is never edited).
  const alone = ctx.file.statements.every((s) => s === ctx.stmt || !s.node);
  const files = ctx.files();
  const applied = isAppliedMigration(files, ctx.file);
  if (!ctx.inTransaction && alone && !applied) {
    fixes.push({
      title: 'Build the index CONCURRENTLY',
      edits: [{ path: ctx.file.path, start: toks[i].end, end: toks[i].end, newText: toks[i].text === toks[i].text.toLowerCase() ? ' concurrently' : ' CONCURRENTLY' }],
    });
  }
  const what = n.idxname ? `index ${q(n.idxname)}` : 'this index';
  // a file the tool sends as one query (golang-migrate, Prisma) is a transaction only because it holds several statements
  const oneQuery = ctx.runner.oneQuery && !ctx.runner.wraps && !explicitTransaction(ctx);
  const tx = ctx.inTransaction && !oneQuery ? ', in a migration that does not run inside a transaction'
    : !alone ? ', alone in a migration of its own (a file sent as one query runs as one transaction, which CONCURRENTLY refuses)' : '';
  ctx.report({
    ...range,
    message: `Building ${what} blocks all writes to ${q(ref.display)} until it is finished; use CREATE ${n.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY${tx}.`,
    fixes,
  });
}

function checkConstraint(ctx: StatementContext): void {
  const n = ctx.node;
  if (n.objtype && n.objtype !== 'OBJECT_TABLE') return;
  if (!n.relation || isEmptyInFile(ctx, n.relation)) return;
  const ref = tableRef(ctx, n.relation);
  if (!ref || ref.table?.partitioned) return;
  let segs: ReturnType<typeof alterSegments>;
  (n.cmds ?? []).forEach((c: any, i: number) => {
    const cmd = c.AlterTableCmd;
    if (cmd?.subtype === 'AT_AddColumn') {
      const def = cmd.def?.ColumnDef;
      const k = (def?.constraints ?? []).map((x: any) => x.Constraint).find((x: any) => x?.contype === 'CONSTR_UNIQUE' || x?.contype === 'CONSTR_PRIMARY');
      if (!def?.colname || !k) return;
      if (cmd.missing_ok && ref.table?.columns.has(def.colname)) return;
      const kind = k.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
      const start = ctx.offset(def.location);
      const end = start + (ctx.file.text[start] === '"' ? def.colname.length + 2 : def.colname.length);
      ctx.report({
        start, end,
        message: `Adding column ${q(def.colname)} as ${kind} builds an index over ${q(ref.display)} while holding an ACCESS EXCLUSIVE lock; add the column first, build a unique index CONCURRENTLY, then attach it with ${kind} USING INDEX.`,
      });
      return;
    }
    if (cmd?.subtype !== 'AT_AddConstraint') return;
    const k = cmd.def?.Constraint;
    if (!k || (k.contype !== 'CONSTR_UNIQUE' && k.contype !== 'CONSTR_PRIMARY')) return;
    if (k.indexname) return; // USING INDEX: the index already exists
    segs ??= alterSegments(ctx);
    const kind = k.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
    const cols = strings(k.keys).join(', ');
    const name = k.conname ? ` ${q(k.conname)}` : '';
    ctx.report({
      ...segmentRange(ctx, segs, i),
      message: `Adding ${kind} constraint${name} (${cols}) builds its index while holding an ACCESS EXCLUSIVE lock on ${q(ref.display)}; create a unique index CONCURRENTLY first, then add the constraint with ${kind} USING INDEX.`,
    });
  });
}
