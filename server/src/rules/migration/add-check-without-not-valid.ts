import { walk } from '../../sql/ast';
import type { Node, Token } from '../../sql/parse';
import type { Fix, TextEdit } from '../../model';
import type { Table } from '../../schema';
import type { Rule, StatementContext } from '../types';
import { alterSegments, findWords, isEmptyInFile, q, quoteIdent, relationRange, segmentRange, tableRef, validateLater } from './util';

/** PostgreSQL's default name for a CHECK: <table>_<first column it mentions>_check, cut to 63 bytes. */
function checkName(table: Table | undefined, rel: string, expr: Node | undefined): string {
  let col: string | undefined;
  walk(expr, (kind, n) => {
    if (col) return false;
    if (kind === 'ColumnRef') {
      const f = n.fields ?? [];
      const last = f[f.length - 1]?.String?.sval;
      if (last) { col = last; return false; }
    }
  });
  const base = col ? `${rel}_${col}` : rel;
  const cut = base.length > 57 ? base.slice(0, 57) : base;
  let name = `${cut}_check`;
  const taken = new Set((table?.checks ?? []).map((c) => c.name));
  for (let i = 1; taken.has(name); i++) name = `${cut}_check${i}`;
  return name;
}

export const rule: Rule = {
  meta: {
    id: 'add-check-without-not-valid',
    title: 'CHECK or EXCLUDE constraint added to an existing table in one step',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      '`ALTER TABLE ... ADD CONSTRAINT ... CHECK (...)` reads every row of the table to prove the condition, holding an ACCESS EXCLUSIVE lock (no reads, no writes) for the whole scan. Added with NOT VALID the constraint is instant and checks new and updated rows from then on; a later `VALIDATE CONSTRAINT` proves the old rows under a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes go on. An EXCLUDE constraint cannot be added NOT VALID, nor attached to an index built concurrently: it always builds its index and checks every row under an ACCESS EXCLUSIVE lock.',
    bad: '-- file: 001_orders.sql\nCREATE TABLE orders (id bigint PRIMARY KEY, total numeric NOT NULL);\n-- file: 002_check.sql\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);',
    good: '-- file: 001_orders.sql\nCREATE TABLE orders (id bigint PRIMARY KEY, total numeric NOT NULL);\n-- file: 002_check.sql\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n-- file: 003_validate.sql\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;',
    fixable: true,
    notes:
      'Tables created or emptied earlier in the same file are not reported (squawk\'s constraint-missing-not-valid reports them; their scan is instant), nor tables that no migration of the project creates. The quick fix adds NOT VALID (and a name, when the constraint has none, so that it can be validated) and puts the `VALIDATE CONSTRAINT` where the lock of the ADD is no longer held: in a project whose migrations follow a convention, a new migration after the newest (offered only when the statement is in the newest migration: an applied migration is never edited); elsewhere right after the statement, or after the COMMIT of the BEGIN block that holds it. It is not offered when the migration tool runs the whole file in one transaction and there is no migration folder, nor on partitioned tables. For EXCLUDE there is no online way: run it in a quiet period with a lock_timeout, or enforce the rule another way (a unique index on a derived column, a trigger) until then. A CHECK written on a new column (`ADD COLUMN ... CHECK`) is not reported.',
  },
  beforeStatement(ctx) {
    const n = ctx.node;
    if (ctx.kind !== 'AlterTableStmt' || (n.objtype && n.objtype !== 'OBJECT_TABLE')) return;
    if (!n.relation || isEmptyInFile(ctx, n.relation)) return;
    const ref = tableRef(ctx, n.relation);
    if (!ref?.table || ref.table.kind !== 'table' || ref.table.createdIn === ctx.file.path) return;
    let segs: Token[][] | undefined;
    let computed = false;
    const segments = () => { if (!computed) { segs = alterSegments(ctx); computed = true; } return segs; };
    (n.cmds ?? []).forEach((c: Node, i: number) => {
      const cmd = c.AlterTableCmd;
      if (cmd?.subtype !== 'AT_AddConstraint') return;
      const k = cmd.def?.Constraint;
      if (k?.contype === 'CONSTR_EXCLUSION') {
        ctx.report({
          ...segmentRange(ctx, segments(), i),
          message: `Adding EXCLUDE constraint${k.conname ? ' ' + q(k.conname) : ''} builds its index and checks every row of ${q(ref.display)} under an ACCESS EXCLUSIVE lock, and it cannot be added NOT VALID; run it in a quiet period with a short lock_timeout, or enforce the rule another way until then.`,
        });
        return;
      }
      if (k?.contype !== 'CONSTR_CHECK' || k.skip_validation) return;
      report(ctx, ref.table!, ref.display, k, segments()?.[i]);
    });
  },
};

function report(ctx: StatementContext, table: Table, display: string, k: Node, seg: Token[] | undefined): void {
  const rel = ctx.node.relation;
  const name = k.conname ?? checkName(table, rel.relname, k.raw_expr);
  const fixes: Fix[] = [];
  const check = seg ? findWords(seg, ['check']) : -1;
  // not in a rollback: a VALIDATE written as a new forward migration would never run after it
  if (seg && seg.length && check >= 0 && !table.partitioned && !ctx.runner.down) {
    const path = ctx.file.path;
    const relR = relationRange(ctx, rel);
    const relText = ctx.file.text.slice(relR.start, relR.end);
    const later = validateLater(ctx, `ALTER TABLE ${relText} VALIDATE CONSTRAINT ${quoteIdent(name)};`, `validate ${name}`);
    if (later) {
      const edits: TextEdit[] = [];
      if (!k.conname) edits.push({ path, start: seg[check].start, end: seg[check].start, newText: `CONSTRAINT ${quoteIdent(name)} ` });
      const last = seg[seg.length - 1];
      // a statement without its `;` ends where NOT VALID goes: one insertion, in order
      const same = later.find((e) => e.path === path && !e.create && e.start === last.end);
      edits.push({ path, start: last.end, end: last.end, newText: ' NOT VALID' + (same?.newText ?? '') });
      fixes.push({ title: 'Add the constraint NOT VALID, and VALIDATE it after the lock is released', edits: [...edits, ...later.filter((e) => e !== same)] });
    }
  }
  const label = k.conname ? `CHECK constraint ${q(k.conname)}` : 'a CHECK constraint';
  ctx.report({
    ...segmentRange(ctx, seg ? [seg] : undefined, 0),
    message: `Adding ${label} scans every row of ${q(display)} under an ACCESS EXCLUSIVE lock (no reads or writes until it is done); add it NOT VALID, then VALIDATE CONSTRAINT in a later transaction.`,
    fixes,
  });
}
