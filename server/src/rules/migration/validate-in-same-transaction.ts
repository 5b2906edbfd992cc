import type { Node } from '../../sql/parse';
import type { Fix, Statement } from '../../model';
import type { Rule, StatementContext } from '../types';
import { alterSegments, explicitTransaction, isEmptyInFile, q, quoteIdent, relationRange, segmentRange, validateLater } from './util';

/** Same table as written (schema compared when both name one). */
function sameTable(a: Node | undefined, b: Node | undefined): boolean {
  return !!a && !!b && a.relname === b.relname && (!a.schemaname || !b.schemaname || a.schemaname === b.schemaname);
}

/**
 * The earlier statement of the same transaction that added constraint `name` to the table NOT VALID,
 * and the lock it took, or undefined (also when the VALIDATE runs outside any transaction).
 */
function addedNotValid(ctx: StatementContext, name: string): { stmt: Statement; lock: string } | undefined {
  // walk the file: the tool's transaction (when it wraps the file) lasts until an explicit COMMIT or
  // ROLLBACK ends it; a BEGIN opens a new one; constraints added NOT VALID count in their transaction only
  let inTx = ctx.runner.wraps || ctx.runner.oneQuery;
  let found: { stmt: Statement; lock: string } | undefined;
  for (const s of ctx.file.statements) {
    if (s.index >= ctx.stmt.index) break;
    if (s.kind === 'TransactionStmt') {
      const k = s.node?.kind;
      if (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START') { inTx = true; found = undefined; }
      else if (k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_ROLLBACK' || k === 'TRANS_STMT_PREPARE') { inTx = !!s.node?.chain; found = undefined; }
      continue;
    }
    if (s.kind !== 'AlterTableStmt' || !sameTable(s.node?.relation, ctx.node.relation)) continue;
    for (const c of s.node?.cmds ?? []) {
      const k = c.AlterTableCmd?.subtype === 'AT_AddConstraint' ? c.AlterTableCmd.def?.Constraint : undefined;
      if (k?.conname === name && k.skip_validation) {
        found = { stmt: s, lock: k.contype === 'CONSTR_FOREIGN' ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE' };
      }
    }
  }
  return inTx ? found : undefined;
}

export const rule: Rule = {
  meta: {
    id: 'validate-in-same-transaction',
    title: 'Constraint added NOT VALID and validated in the same transaction',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      'Adding a constraint NOT VALID and validating it later exists to split one long lock in two: the ADD is instant but takes a strong lock (ACCESS EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE for a foreign key), and the VALIDATE scans the table under a weak one that lets reads and writes go on. A lock is held until the end of the transaction, so when both run in the same transaction (a BEGIN ... COMMIT block, or a migration tool that runs the whole file in one) the strong lock of the ADD is still held during the whole validation scan: exactly the outage NOT VALID was meant to avoid.',
    bad: 'BEGIN;\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\nCOMMIT;',
    good: 'BEGIN;\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;',
    fixable: true,
    fixSchema: 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric NOT NULL);',
    notes:
      'A transaction is recognised from BEGIN / START TRANSACTION in the file, or from the migration tool when it runs each file in one transaction (Flyway, Diesel, goose and dbmate by default, `migrations.transactional` in .dbe.json) or sends it as one query (golang-migrate, Prisma). Tables created or emptied earlier in the same file are not reported (nothing to scan). Without a transaction (no BEGIN, and a tool not known to wrap the file) each statement commits on its own and nothing is reported (postgres-language-server assumes a transaction there; DB Engineer does not). A COMMIT between the ADD and the VALIDATE ends the transaction, the tool\'s included. The quick fix moves the VALIDATE out of the transaction: in a project whose migrations follow a convention, into a new migration after the newest (offered only in the newest migration: an applied one is never edited); elsewhere, right after the COMMIT. It is offered when the VALIDATE is a statement of its own.',
  },
  textFilter: /\bvalidate\b/i,
  beforeStatement(ctx) {
    const n = ctx.node;
    if (ctx.kind !== 'AlterTableStmt' || (n.objtype && n.objtype !== 'OBJECT_TABLE')) return;
    if (!n.relation || isEmptyInFile(ctx, n.relation)) return;
    const cmds: Node[] = n.cmds ?? [];
    cmds.forEach((c: Node, i: number) => {
      const cmd = c.AlterTableCmd;
      if (cmd?.subtype !== 'AT_ValidateConstraint' || !cmd.name) return;
      const added = addedNotValid(ctx, cmd.name);
      if (!added) return;
      const fixes: Fix[] = [];
      if (cmds.length === 1) {
        const relR = relationRange(ctx, n.relation);
        const sql = `ALTER TABLE ${ctx.file.text.slice(relR.start, relR.end)} VALIDATE CONSTRAINT ${quoteIdent(cmd.name)};`;
        const later = validateLater(ctx, sql, `validate ${cmd.name}`);
        if (later) {
          // remove the statement and the line break after it
          const text = ctx.file.text;
          let end = ctx.stmt.end;
          if (text[end] === '\r' && text[end + 1] === '\n') end += 2;
          else if (text[end] === '\n') end += 1;
          fixes.push({ title: 'Validate the constraint after the transaction that added it', edits: [{ path: ctx.file.path, start: ctx.stmt.start, end, newText: '' }, ...later] });
        }
      }
      const tx = explicitTransaction(ctx) && !(ctx.runner.wraps || ctx.runner.oneQuery) ? 'the same BEGIN ... COMMIT block' : 'the same transaction (the migration tool runs this file in one)';
      ctx.report({
        ...segmentRange(ctx, alterSegments(ctx), i),
        message: `${q(cmd.name)} is added NOT VALID and validated in ${tx}: the ${added.lock} lock of the ADD is held during the whole validation scan of ${q(n.relation.relname)}; validate it in a later transaction.`,
        fixes,
      });
    });
  },
};
