import { fileTokens } from '../../sql/spans';
import type { Rule, StatementContext } from '../types';
import { alterSegments, explicitTransaction, findWords, span, statementHead } from './util';

export const rule: Rule = {
  meta: {
    id: 'concurrently-in-transaction',
    title: 'CONCURRENTLY inside a transaction',
    category: 'migration',
    severity: 'error',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      'CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and ALTER TABLE ... DETACH PARTITION CONCURRENTLY avoid long locks by committing several internal transactions of their own, so PostgreSQL refuses to run them inside a transaction block ("cannot run inside a transaction block"). A migration that wraps them in BEGIN ... COMMIT, or a migration tool that runs every file in a transaction, fails at deploy time, often after earlier statements of the file have already taken their locks.',
    bad: 'BEGIN;\nCREATE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);\nCOMMIT;',
    good: 'CREATE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);',
    fixable: false,
    notes:
      'A transaction is recognised from BEGIN / START TRANSACTION earlier in the same file; from the migration tool detected for the file\'s folder: Flyway, Diesel, ory/pop, goose (unless `-- +goose NO TRANSACTION`) and dbmate (unless `-- migrate:up transaction:false`) wrap every migration in a transaction, and golang-migrate\'s PostgreSQL driver and Prisma Migrate send a file of several statements as one query, which PostgreSQL runs as one implicit transaction (a file with a single statement is not affected); or from `"migrations": {"transactional": true}` in .dbe.json (Alembic, and any tool not detected). Put such statements in their own migration and turn the transaction off for it (Diesel: `run_in_transaction = false` in metadata.toml; Flyway: `executeInTransaction=false`). REFRESH MATERIALIZED VIEW CONCURRENTLY may run in a transaction and is not flagged.',
  },
  beforeStatement(ctx) {
    if (!ctx.inTransaction) return;
    const n = ctx.node;
    let what: string | undefined;
    let range: { start: number; end: number } | undefined;
    const toks = fileTokens(ctx.stmt);
    const conc = findWords(toks, ['concurrently']);
    if (ctx.kind === 'IndexStmt' && n.concurrent) what = 'CREATE INDEX CONCURRENTLY';
    else if (ctx.kind === 'DropStmt' && n.concurrent) what = 'DROP INDEX CONCURRENTLY';
    else if (ctx.kind === 'ReindexStmt' && (n.params ?? []).some((p: any) => p?.DefElem?.defname === 'concurrently')) what = 'REINDEX CONCURRENTLY';
    else if (ctx.kind === 'AlterTableStmt') {
      const i = (n.cmds ?? []).findIndex((c: any) => c.AlterTableCmd?.subtype === 'AT_DetachPartition' && c.AlterTableCmd.def?.PartitionCmd?.concurrent);
      if (i < 0) return;
      what = 'DETACH PARTITION CONCURRENTLY';
      const seg = alterSegments(ctx)?.[i];
      const k = seg ? findWords(seg, ['concurrently']) : -1;
      if (seg && k >= 0) range = span(seg, k, k);
    }
    if (!what) return;
    range ??= conc >= 0 ? span(toks, conc, conc) : statementHead(ctx.stmt);
    const begin = explicitTransaction(ctx);
    let message: string;
    if (begin) {
      const line = ctx.file.lines.range(begin.start, begin.start).start.line + 1;
      message = `${what} cannot run inside a transaction block (opened by ${begin.text.split(/[^A-Za-z]/)[0].toUpperCase()} on line ${line}); move it outside BEGIN ... COMMIT.`;
    } else if (ctx.runner.wraps) {
      const by = ctx.runner.wrapsBy ?? 'migrations.transactional';
      const why = by === 'migrations.transactional' ? by : `${by} wraps each migration in one`;
      message = `${what} cannot run inside a transaction block, and this project's migrations run in one (${why}); put it in its own migration that runs without a transaction.`;
    } else {
      message = `${what} cannot run inside a transaction block, and ${ctx.runner.convention} sends this file to PostgreSQL as one query, which runs its statements as one transaction; put it alone in a migration of its own.`;
    }
    ctx.report({ ...range, message });
  },
};
