import type { Fix, Statement, TextEdit } from '../../model';
import { isAppliedMigration } from '../../engine/placement';
import type { Rule, StatementContext } from '../types';
import { statementHead } from './util';

type Kind = 'begin' | 'end' | 'end-chain' | undefined;
function kindOf(s: Statement): Kind {
  if (s.kind !== 'TransactionStmt') return undefined;
  const k = s.node?.kind;
  if (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START') return 'begin';
  if (k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_ROLLBACK') return s.node?.chain ? 'end-chain' : 'end';
  if (k === 'TRANS_STMT_PREPARE') return 'end';
  return undefined;
}

/**
 * PostgreSQL's transaction state just before `ctx.stmt`, replaying the file's BEGIN / COMMIT /
 * ROLLBACK: whether a transaction is open, whether the file's own BEGIN opened it (else the tool
 * did), and whether a BEGIN was ignored inside it (that one is reported; its COMMIT is not again).
 */
function stateBefore(ctx: StatementContext, wraps: boolean): { inTx: boolean; explicit: boolean; ignoredBegin: boolean } {
  let inTx = wraps;
  let explicit = false;
  let ignoredBegin = false;
  for (const s of ctx.file.statements) {
    if (s.index >= ctx.stmt.index) break;
    const k = kindOf(s);
    if (k === 'begin') {
      if (inTx) ignoredBegin = true;
      else { inTx = true; explicit = true; ignoredBegin = false; }
    } else if (k === 'end') { inTx = false; explicit = false; ignoredBegin = false; }
  }
  return { inTx, explicit, ignoredBegin };
}

/** An edit removing a statement and the line break after it. */
function removal(s: Statement): TextEdit {
  const text = s.file.text;
  let end = s.end;
  if (text[end] === '\r' && text[end + 1] === '\n') end += 2;
  else if (text[end] === '\n') end += 1;
  return { path: s.file.path, start: s.start, end, newText: '' };
}

export const rule: Rule = {
  meta: {
    id: 'transaction-nesting',
    title: 'BEGIN inside a transaction, or COMMIT / ROLLBACK outside one',
    category: 'migration',
    severity: 'warning',
    principle: 'Special Instructions: "Always consider ACID properties for transactional systems", and "Provide rollback strategies for migrations".',
    rationale:
      'PostgreSQL has no nested transactions: a BEGIN inside a transaction is ignored with a warning, and the first COMMIT ends the outer transaction. When the migration tool runs each file in a transaction (Flyway, Diesel, goose and dbmate by default), a BEGIN ... COMMIT written in the file therefore commits the tool\'s transaction in the middle: the statements after it, and the tool\'s own bookkeeping, run outside any transaction, so a failure half-way leaves the database half-migrated and the migration recorded wrongly. A COMMIT or ROLLBACK with no transaction open only warns, but it shows that statements meant to be atomic are not.',
    bad: 'BEGIN;\nCREATE TABLE orders (id bigint PRIMARY KEY);\nBEGIN;\nCREATE TABLE order_lines (order_id bigint NOT NULL);\nCOMMIT;\nCREATE TABLE invoices (id bigint PRIMARY KEY);\nCOMMIT;',
    good: 'BEGIN;\nCREATE TABLE orders (id bigint PRIMARY KEY);\nSAVEPOINT lines;\nCREATE TABLE order_lines (order_id bigint NOT NULL);\nRELEASE SAVEPOINT lines;\nCREATE TABLE invoices (id bigint PRIMARY KEY);\nCOMMIT;',
    fixable: true,
    notes:
      'A transaction run by the migration tool is recognised when the tool is known to wrap each file (`migrations.transactional` in .dbe.json, or a detected Flyway / Diesel / goose / dbmate layout). Files that open and close their own BEGIN ... COMMIT in a project whose tool is not known to wrap them are correct and not reported (squawk with assume-in-transaction and postgres-language-server report any BEGIN; DB Engineer does not guess the tool); nor are they for golang-migrate and Prisma, which send a file as one query (a BEGIN there turns PostgreSQL\'s implicit transaction into an explicit one, as intended). To run statements outside the tool\'s transaction (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE used at once), turn the transaction off for that migration (Diesel: `run_in_transaction = false` in metadata.toml; Flyway: `executeInTransaction=false`; goose: `-- +goose NO TRANSACTION`) instead of committing inside it. A COMMIT or ROLLBACK with no BEGIN before it, in a project whose tool is not known, is reported without claiming which case it is: it does nothing if the tool runs statements one by one, and ends the tool\'s transaction midway if the tool wraps the file (kratos splits pop\'s transaction that way); either way the file is not atomic. The quick fixes remove a BEGIN ... COMMIT pair that encloses a whole file the tool already wraps, and turn a BEGIN ... COMMIT nested in an explicit transaction into SAVEPOINT ... RELEASE SAVEPOINT (not when a statement after it must run outside a transaction); they are offered only in a single-file project or the newest migration. A stray COMMIT gets no automatic fix: it may be there on purpose.',
  },
  textFilter: /\b(begin|start|commit|end|rollback|abort|prepare)\b/i,
  beforeStatement(ctx) {
    if (ctx.kind !== 'TransactionStmt') return;
    const k = kindOf(ctx.stmt);
    if (!k) return;
    const wraps = ctx.runner.wraps && !ctx.runner.oneQuery;
    const st = stateBefore(ctx, wraps);
    if (k === 'begin') {
      if (st.inTx && st.explicit) {
        ctx.report({ ...statementHead(ctx.stmt), message: 'BEGIN inside a transaction that is already open: PostgreSQL ignores it (with a warning), and the first COMMIT ends the outer transaction; use SAVEPOINT for a nested step, or close the first transaction.', fixes: savepointFix(ctx) });
      } else if (st.inTx) {
        ctx.report({ ...statementHead(ctx.stmt), message: 'The migration tool already runs this file in a transaction: this BEGIN is ignored (with a warning), and the COMMIT that closes it commits the tool\'s transaction, so what follows runs outside one; remove BEGIN and COMMIT, or turn the tool\'s transaction off for this migration.', fixes: pairFix(ctx) });
      }
      return;
    }
    if (st.inTx && (st.explicit || st.ignoredBegin)) return;
    const word = ctx.file.text.slice(ctx.stmt.start, ctx.stmt.end).trim().split(/\s+/)[0].toUpperCase().replace(/;$/, '');
    if (st.inTx) {
      ctx.report({ ...statementHead(ctx.stmt), message: `${word} ends the transaction the migration tool runs this file in: the statements after it, and the tool's own record of the migration, run outside that transaction; turn the tool's transaction off for this migration instead.` });
      return;
    }
    // golang-migrate / Prisma: a COMMIT ends PostgreSQL's implicit transaction of the multi-statement query, on purpose
    if (ctx.runner.oneQuery) return;
    // Not known to be wrapped: either a stray COMMIT that does nothing, or one that ends the
    // transaction of a tool DB Engineer does not know (kratos' `COMMIT TRANSACTION;BEGIN TRANSACTION;`
    // splits pop's). Both mean the statements before and after it are not one transaction; removing
    // it would change the second case, so there is no automatic fix.
    const begun = wraps || ctx.file.statements.some((s) => s.index < ctx.stmt.index && kindOf(s) === 'begin');
    ctx.report({
      ...statementHead(ctx.stmt),
      message: begun
        ? `${word} with no transaction open: the transaction open above was already ended by an earlier ${word === 'ROLLBACK' || word === 'ABORT' ? 'COMMIT or ROLLBACK' : 'COMMIT'}, so what followed it ran outside a transaction; PostgreSQL only warns here. Make it one transaction (use SAVEPOINT for a nested step).`
        : `${word} with no BEGIN before it in this file: if the migration tool runs the file in a transaction, this ends it midway, so what follows is not atomic with what precedes; if not, PostgreSQL only warns and it does nothing. Either way the file does not run as one transaction: remove the ${word}, or if the split is intended, make the parts separate migrations.`,
    });
  },
};

/** Removes the BEGIN and its COMMIT when together they enclose every statement of the file. */
function pairFix(ctx: StatementContext): Fix[] {
  const stmts = ctx.file.statements.filter((s) => s.node);
  if (stmts[0] !== ctx.stmt) return [];
  const last = stmts[stmts.length - 1];
  if (!last || last === ctx.stmt || kindOf(last) !== 'end' || last.node?.kind !== 'TRANS_STMT_COMMIT') return [];
  // no other transaction statement in between
  if (stmts.slice(1, -1).some((s) => s.kind === 'TransactionStmt')) return [];
  const files = ctx.files();
  if (isAppliedMigration(files, ctx.file)) return [];
  return [{ title: 'Remove BEGIN and COMMIT (the migration tool runs the file in a transaction)', edits: [removal(ctx.stmt), removal(last)] }];
}

/**
 * For a BEGIN nested in an explicit transaction and closed by COMMIT before the outer one ends: the
 * nested step as a savepoint (`SAVEPOINT` / `RELEASE SAVEPOINT`), which keeps the outer transaction
 * atomic as the file evidently means. Not offered when a statement after it could only run outside a
 * transaction block (it ran there before: the inner COMMIT ended the transaction).
 */
function savepointFix(ctx: StatementContext): Fix[] {
  const stmts = ctx.file.statements;
  const close = stmts.find((s) => s.index > ctx.stmt.index && kindOf(s) !== undefined);
  if (!close || kindOf(close) !== 'end' || close.node?.kind !== 'TRANS_STMT_COMMIT') return [];
  const outer = stmts.find((s) => s.index > close.index && kindOf(s) !== undefined);
  if (!outer || kindOf(outer) !== 'end') return [];
  const between = stmts.filter((s) => s.index > close.index && s.index < outer.index);
  if (between.some((s) => /\b(concurrently|vacuum|system|database|tablespace)\b/i.test(s.text) || s.kind === 'TransactionStmt')) return [];
  const files = ctx.files();
  if (isAppliedMigration(files, ctx.file)) return [];
  const taken = new Set(stmts.filter((s) => s.kind === 'TransactionStmt').map((s) => String(s.node?.savepoint_name ?? '').toLowerCase()));
  let name = 'nested_step';
  for (let i = 2; taken.has(name); i++) name = `nested_step_${i}`;
  return [{
    title: 'Make the nested BEGIN ... COMMIT a savepoint',
    edits: [
      { path: ctx.file.path, start: ctx.stmt.start, end: ctx.stmt.end, newText: `SAVEPOINT ${name};` },
      { path: ctx.file.path, start: close.start, end: close.end, newText: `RELEASE SAVEPOINT ${name};` },
    ],
  }];
}
