import { fileTokens } from '../../sql/spans';
import { strings } from '../../sql/ast';
import type { Statement } from '../../model';
import type { Rule, StatementContext } from '../types';
import { explicitTransaction, q, statementHead } from './util';

export const rule: Rule = {
  meta: {
    id: 'enum-value-used-in-same-transaction',
    title: 'New enum value used in the transaction that adds it',
    category: 'migration',
    severity: 'error',
    principle: 'Special Instructions: "Provide rollback strategies for migrations" (a migration that fails half-way at deploy time); Data Migration Strategies: "Online migration with minimal downtime".',
    rationale:
      'From PostgreSQL 12, `ALTER TYPE ... ADD VALUE` may run inside a transaction, but the new value cannot be used until that transaction commits: a later statement of the same transaction that casts, stores or compares it fails with "unsafe use of new value". Before PostgreSQL 12, ADD VALUE cannot run inside a transaction block at all. Migration tools that wrap each file in a transaction, or send it as one query, make the whole file one transaction, so the failure shows only at deploy time.',
    bad: "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE orders SET status = 'refunded'::order_status WHERE refunded_at IS NOT NULL;\nCOMMIT;",
    good: "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nCOMMIT;\n-- after the transaction that added it has committed (in a migration tool: the next migration)\nUPDATE orders SET status = 'refunded'::order_status WHERE refunded_at IS NOT NULL;",
    fixable: false,
    notes:
      'A transaction is an explicit BEGIN ... COMMIT block, or the whole file when the migration tool wraps it in one or sends it as one query. The new value counts as used when its literal appears in a later statement of that transaction that also names the enum type (a cast like `\'refunded\'::order_status`, a column declared with the type) or a table that has a column of that type (an INSERT, UPDATE or DELETE of it, a DEFAULT or CHECK on it). Literals inside function bodies and DO blocks are not looked at (a function body runs later; a DO block is not read), and the same word used for another type is not reported: when unsure, nothing is said. `ADD VALUE ... BEFORE/AFTER` naming the new value is not a use. With `postgresVersion` below 12, any ADD VALUE inside a transaction is reported. postgres-language-server\'s `avoidAlterEnumAddValue` reports every ADD VALUE; DB Engineer deliberately reports only a use in the same transaction (from PostgreSQL 12 adding a value is safe and fast otherwise). No quick fix: move the statements that use the value to a later migration (or, in an explicit block, after COMMIT).',
  },
  textFilter: /\badd\s+value\b/i,
  beforeStatement(ctx) {
    if (ctx.kind !== 'AlterEnumStmt') return;
    const n = ctx.node;
    if (!n.newVal || n.oldVal) return; // RENAME VALUE is something else
    const tx = ctx.inTransaction || ctx.runner.oneQuery;
    if (!tx) return;
    const type = strings(n.typeName);
    const typeName = type[type.length - 1];
    if (!typeName) return;
    if (ctx.postgresVersion < 12) {
      ctx.report({
        ...statementHead(ctx.stmt),
        message: `ALTER TYPE ... ADD VALUE cannot run inside a transaction block before PostgreSQL 12 (postgresVersion is ${ctx.postgresVersion}); put it in a migration that runs without a transaction.`,
      });
      return;
    }
    const begin = explicitTransaction(ctx);
    const here = ctx.file.lines.range(ctx.stmt.start, ctx.stmt.start).start.line + 1;
    for (const s of ctx.file.statements) {
      if (s.index <= ctx.stmt.index || !s.node) continue;
      if (begin && s.kind === 'TransactionStmt' && ['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE'].includes(s.node.kind)) break;
      if (s.kind === 'AlterEnumStmt') continue; // BEFORE / AFTER the new value: not a use
      const hit = use(ctx, s, n.newVal, typeName);
      if (!hit) continue;
      ctx.report({
        start: hit.start, end: hit.end,
        message: `${q(`'${n.newVal}'`)} is added to type ${q(typeName)} on line ${here} in the same transaction, and a new enum value cannot be used before that transaction commits ("unsafe use of new value"); move this statement to a later migration${begin ? ' or after COMMIT' : ''}.`,
      });
    }
  },
};

/** The literal 'value' in `s` when `s` also names the type or a table with a column of that type. */
function use(ctx: StatementContext, s: Statement, value: string, typeName: string): { start: number; end: number } | undefined {
  if (s.kind === 'CreateFunctionStmt' || s.kind === 'DoStmt' || s.kind === 'CommentStmt') return undefined;
  const toks = fileTokens(s);
  const literal = `'${value.replace(/'/g, "''")}'`;
  const lit = toks.find((t) => t.kind === 'SCONST' && t.text === literal);
  if (!lit) return undefined;
  const words = new Set(toks.filter((t) => t.kind === 'IDENT' || t.keyword).map((t) => t.text.startsWith('"') ? t.text.slice(1, -1) : t.text.toLowerCase()));
  if (words.has(typeName)) return lit;
  for (const t of ctx.schema.tables.values()) {
    if (!words.has(t.name)) continue;
    for (const c of t.columns.values()) if (c.type === typeName) return lit;
  }
  return undefined;
}
