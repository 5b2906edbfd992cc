import { walk } from '../../sql/ast';
import type { Node } from '../../sql/parse';
import type { SourceFile, Statement } from '../../model';
import { isAppliedMigration } from '../../engine/placement';
import type { Rule, StatementContext } from '../types';
import { blockingLock } from './locks';
import { explicitTransaction, q, statementHead } from './util';

/** Files (one analysis run: its per-file newTables set) already reported: one finding per file. */
const reported = new WeakSet<ReadonlySet<string>>();

function isBegin(s: Statement): boolean {
  const k = s.node?.kind;
  return s.kind === 'TransactionStmt' && (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START');
}
function isEnd(s: Statement): boolean {
  const k = s.node?.kind;
  return s.kind === 'TransactionStmt' && (k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_ROLLBACK' || k === 'TRANS_STMT_PREPARE');
}

/** A duration value that turns the timeout off (0, '0', '0s'...). */
function isZero(v: Node | undefined): boolean {
  const c = v?.A_Const;
  if (!c) return false;
  if (c.ival) return !c.ival.ival;
  if (c.sval) return /^\s*0+(\.0*)?\s*(ms|s|min|h|d)?\s*$/i.test(c.sval.sval ?? '');
  return false;
}

/**
 * What a statement does to lock_timeout: 'set' (a non-zero value for the session), 'local' (for the
 * current transaction only), 'off' (zero, DEFAULT, RESET), or undefined (nothing).
 */
function timeoutEffect(s: Statement): 'set' | 'local' | 'off' | undefined {
  const n = s.node;
  if (!n) return undefined;
  if (s.kind === 'VariableSetStmt') {
    if (n.kind === 'VAR_RESET_ALL') return 'off';
    if (n.name !== 'lock_timeout') return undefined;
    if (n.kind !== 'VAR_SET_VALUE' || isZero(n.args?.[0])) return 'off';
    return n.is_local ? 'local' : 'set';
  }
  if (!/set_config/i.test(s.text)) return undefined;
  let effect: 'set' | 'local' | 'off' | undefined;
  walk(n, (kind, f) => {
    if (kind !== 'FuncCall') return;
    const names = (f.funcname ?? []).map((x: Node) => x?.String?.sval ?? '');
    if (String(names[names.length - 1]).toLowerCase() !== 'set_config') return;
    const [name, value, local] = f.args ?? [];
    if (name?.A_Const?.sval?.sval !== 'lock_timeout') return;
    effect = isZero(value) ? 'off' : local?.A_Const?.boolval?.boolval ? 'local' : 'set';
  });
  return effect;
}

/** True when a lock_timeout is in force when `ctx.stmt` runs, set by an earlier statement of its file. */
function timeoutInForce(ctx: StatementContext): boolean {
  const wrapped = ctx.runner.wraps || ctx.runner.oneQuery;
  let inTx = false;
  let session = false;
  let local = false;
  let sessionAtBegin = false;
  for (const s of ctx.file.statements) {
    if (s.index >= ctx.stmt.index) break;
    if (isBegin(s)) { inTx = true; sessionAtBegin = session; }
    else if (isEnd(s)) {
      // a ROLLBACK undoes a SET made in the transaction it ends, as it undoes everything else
      if (inTx && s.node?.kind === 'TRANS_STMT_ROLLBACK') session = sessionAtBegin;
      inTx = false;
      if (!wrapped) local = false;
    }
    const e = timeoutEffect(s);
    if (e === 'set') session = true;
    // SET LOCAL outside a transaction does nothing (PostgreSQL only warns)
    else if (e === 'local') { if (inTx || wrapped) local = true; }
    else if (e === 'off') { session = false; local = false; }
  }
  return session || local;
}

/**
 * Where a SET goes: before the file's first statement (after its leading comments and markers), or
 * right after a leading BEGIN; when the file sets lock_timeout itself before `stmt` (and turns it off
 * again), right before `stmt`.
 */
function insertion(file: SourceFile, stmt: Statement, local: boolean, value: string): { start: number; newText: string } | undefined {
  const touched = file.statements.some((s) => s.index < stmt.index && timeoutEffect(s));
  const first = touched ? stmt : file.statements.find((s) => s.node);
  if (!first) return undefined;
  if (!touched && isBegin(first)) return { start: first.end, newText: `\nSET LOCAL lock_timeout = '${value}';` };
  const text = file.text;
  let at = first.start;
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  if (/^[ \t]*$/.test(text.slice(lineStart, at))) at = lineStart;
  // keep a goose StatementBegin marker with the statement it opens
  const prev = text.lastIndexOf('\n', at - 2) + 1;
  if (at > 0 && /^\s*--\s*\+goose\s+StatementBegin\b/i.test(text.slice(prev, at))) at = prev;
  return { start: at, newText: `SET ${local ? 'LOCAL ' : ''}lock_timeout = '${value}';\n` };
}

/**
 * A plain `SET lock_timeout` (no transaction around the file) stays on the migration tool's connection
 * for the migrations after this one, where a CREATE INDEX CONCURRENTLY that times out leaves an
 * INVALID index: the file resets it at its end (before a goose/dbmate Down section).
 */
function resetAtEnd(file: SourceFile, set: string): { path: string; start: number; end: number; newText: string }[] {
  if (!/^SET lock_timeout/.test(set)) return [];
  const m = file.migration;
  const ups = file.statements.filter((s) => s.node && (m?.downFrom === undefined || s.start < m.downFrom));
  const last = ups[ups.length - 1];
  if (!last) return [];
  const closed = file.text.slice(last.start, last.end).trimEnd().endsWith(';');
  return [{ path: file.path, start: last.end, end: last.end, newText: `${closed ? '' : ';'}\nRESET lock_timeout;` }];
}

export const rule: Rule = {
  meta: {
    id: 'missing-lock-timeout',
    title: 'Migration locks an existing table without a lock_timeout',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      'A statement that needs a strong lock (ALTER TABLE, a plain CREATE INDEX, DROP, TRUNCATE, CREATE TRIGGER, ...) must wait for every transaction that already touched the table. While it waits, every later query that conflicts with the lock it asked for queues behind it: one long-running report or an idle-in-transaction session turns a migration that takes milliseconds into an outage of reads and writes on the table. This is the most common cause of migration outages. `SET lock_timeout` at the start of the migration makes the statement give up instead of waiting (the migration fails and can be retried), so the queue never builds up.',
    bad: "-- file: 001_orders.sql\nCREATE TABLE orders (id bigint PRIMARY KEY);\n-- file: 002_note.sql\nALTER TABLE orders ADD COLUMN note text;",
    good: "-- file: 001_orders.sql\nCREATE TABLE orders (id bigint PRIMARY KEY);\n-- file: 002_note.sql\nSET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;",
    fixable: true,
    notes:
      "Reported once per migration file, on the first statement that takes a lock blocking writes (SHARE or stronger: ACCESS EXCLUSIVE for most ALTER TABLE forms, DROP, TRUNCATE, CLUSTER, VACUUM FULL, REFRESH MATERIALIZED VIEW, RENAME; SHARE ROW EXCLUSIVE for ADD FOREIGN KEY and CREATE TRIGGER; SHARE for CREATE INDEX and REINDEX) on a table created by an earlier migration. Forms that take SHARE UPDATE EXCLUSIVE (VALIDATE CONSTRAINT, SET STATISTICS, storage parameters, ATTACH PARTITION, CREATE INDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY) let reads and writes go on and are not reported. Unlike squawk's require-timeout-settings, tables created earlier in the same file are not reported (nobody else can hold a lock on them), nor tables the project's migrations never create (DB Engineer cannot tell what they are), nor rollback (down) migrations. A `SET lock_timeout` (or `SELECT set_config('lock_timeout', ...)`) earlier in the same file counts; `SET LOCAL` counts only inside a transaction (the migration tool's, or BEGIN ... COMMIT), since outside one PostgreSQL ignores it (postgres-language-server accepts it anywhere); a value of 0, DEFAULT or RESET turns it off again. A timeout set on the role or in the migration tool's connection is not visible in the SQL: turn the rule off in .dbe.json then. In a project whose migrations follow a naming convention (numbered, Flyway, golang-migrate, Diesel, timestamped), only the newest migration is reported: the older ones have run, a timeout cannot be added to them after the fact, and editing an applied migration breaks the tools' checksums; on real projects reporting every file gave one finding per migration (825 on eight projects, none of which sets lock_timeout anywhere). Projects without a convention (one schema file, plain folders) are reported in every file. The quick fix writes `SET lock_timeout = '5s';` before the first statement (after leading comments and goose/dbmate markers), `SET LOCAL` right after a leading BEGIN or when the migration tool runs the file in a transaction, or right before the statement when the file turned its own timeout off; a plain SET (no transaction around the file) gets `RESET lock_timeout;` after the file's last statement, so that it does not stay on the migration tool's connection for the migrations after it (where a CREATE INDEX CONCURRENTLY that times out leaves an INVALID index); the value is `migrations.lockTimeout` in .dbe.json. A migration that times out must be retried: run it from a tool or script that retries.",
  },
  beforeStatement(ctx) {
    if (ctx.runner.down || reported.has(ctx.newTables)) return;
    const lock = blockingLock(ctx);
    if (!lock) return;
    if (timeoutInForce(ctx)) return;
    // In a project whose migrations follow a convention, only the newest migration (the one being
    // written): the others have run, and their lock waits are history (one finding per applied
    // migration was hundreds of findings nobody can act on: kratos 284, lemmy 260).
    const files = ctx.files();
    if (isAppliedMigration(files, ctx.file)) return;
    reported.add(ctx.newTables);
    const ins = insertion(ctx.file, ctx.stmt, ctx.runner.wraps || ctx.runner.oneQuery || !!explicitTransaction(ctx), ctx.lockTimeout);
    const blocks = lock.mode === 'ACCESS EXCLUSIVE' ? 'every query on' : 'every write to';
    ctx.report({
      ...statementHead(ctx.stmt),
      message: `${lock.what} takes ${lock.mode === 'ACCESS EXCLUSIVE' ? 'an' : 'a'} ${lock.mode} lock on ${q(lock.display)} with no lock_timeout set: behind a long transaction it waits, and ${blocks} ${q(lock.display)} queues behind it; start the migration with SET lock_timeout = '${ctx.lockTimeout}' (and retry when it times out).`,
      fixes: ins ? [{ title: `Set lock_timeout to ${ctx.lockTimeout} at the start of the migration`, edits: [{ path: ctx.file.path, start: ins.start, end: ins.start, newText: ins.newText }, ...resetAtEnd(ctx.file, ins.newText)] }] : [],
    });
  },
};
