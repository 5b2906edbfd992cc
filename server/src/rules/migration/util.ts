// Helpers shared by the migration-safety rules: which table a statement touches, whether it is new
// in this file, and where in the statement text each ALTER TABLE sub-command sits.
import type { Statement, TextEdit } from '../../model';
import { insertAfterStatement, isAppliedMigration, placeMigration, placesInline } from '../../engine/placement';
import { tableKey, type Table } from '../../schema';
import type { Node, Token } from '../../sql/parse';
import { fileTokens, tokenIndexAt } from '../../sql/spans';
import type { StatementContext } from '../types';

export interface TableRef {
  /** Schema key ("schema.name") of the table, resolved through the schema when it is known. */
  key: string;
  /** The table as the schema knows it just before the statement, or undefined (unknown to the project). */
  table?: Table;
  /** Display name as written (schema-qualified when written so). */
  display: string;
}

/** `schema.name` as written; a schema masked out of a template placeholder is left out. */
export function displayName(schema: string | undefined, name: string): string {
  return schema && !/^_+$/.test(schema) ? `${schema}.${name}` : name;
}

/** Resolves a RangeVar against the schema before the statement. */
export function tableRef(ctx: StatementContext, rv: Node | undefined): TableRef | undefined {
  if (!rv?.relname) return undefined;
  const table = ctx.schema.table(rv.schemaname, rv.relname);
  return {
    key: table?.key ?? tableKey(rv.schemaname, rv.relname),
    table,
    display: displayName(rv.schemaname, rv.relname),
  };
}

/**
 * True when the relation was created earlier in the same file (a new, empty table: nothing to lock,
 * nothing to rewrite), or is a temporary table. Views created earlier in the file count too.
 */
export function isNewInFile(ctx: StatementContext, rv: Node | undefined): boolean {
  if (!rv?.relname) return false;
  if (rv.relpersistence === 't') return true;
  const ref = tableRef(ctx, rv);
  if (ref && ctx.newTables.has(ref.key)) return true;
  // views (and anything else with a relation) created earlier in this file
  for (const s of ctx.file.statements) {
    if (s.index >= ctx.stmt.index) break;
    let v: Node | undefined;
    if (s.kind === 'ViewStmt') v = s.node?.view;
    else if (s.kind === 'CreateStmt') v = s.node?.relation;
    else if (s.kind === 'CreateTableAsStmt') v = (s.node?.into?.IntoClause ?? s.node?.into)?.rel;
    else if (s.kind === 'SelectStmt' && s.node?.intoClause) v = (s.node.intoClause.IntoClause ?? s.node.intoClause).rel; // SELECT ... INTO backup
    else continue;
    if (!v?.relname || v.relname !== rv.relname) continue;
    // an unqualified name on either side may resolve to the other through the search path
    if (!v.schemaname || !rv.schemaname || v.schemaname === rv.schemaname) return true;
  }
  return false;
}

/**
 * True when the table holds no rows when the statement runs, as far as this file shows: created
 * earlier in the file (see isNewInFile), or emptied by an earlier `DELETE FROM t` without WHERE or
 * `TRUNCATE t`. Scans and rewrites of an empty table are instant.
 */
export function isEmptyInFile(ctx: StatementContext, rv: Node | undefined): boolean {
  if (isNewInFile(ctx, rv)) return true;
  if (!rv?.relname) return false;
  const same = (x: Node | undefined) => !!x && x.relname === rv.relname && (x.schemaname ?? rv.schemaname) === rv.schemaname;
  let empty = false;
  for (const s of ctx.file.statements) {
    if (s.index >= ctx.stmt.index) break;
    const n = s.node;
    if (!n) continue;
    if (s.kind === 'DeleteStmt' && !n.whereClause && !n.usingClause && same(n.relation)) empty = true;
    else if (s.kind === 'TruncateStmt' && (n.relations ?? []).some((r: Node) => same(r.RangeVar))) empty = true;
    else if ((s.kind === 'InsertStmt' || s.kind === 'CopyStmt') && same(n.relation)) empty = false;
  }
  return empty;
}

/** Index of the last token of a (possibly qualified) name starting at token i. */
export function nameEnd(toks: Token[], i: number): number {
  while (i + 2 < toks.length && toks[i + 1].text === '.') i += 2;
  return i;
}

/**
 * The tokens of each sub-command of an ALTER TABLE statement, aligned with node.cmds; undefined when
 * the statement's text could not be matched to its commands.
 */
export function alterSegments(ctx: StatementContext): Token[][] | undefined {
  const n = ctx.node;
  const cmds: Node[] = n.cmds ?? [];
  if (!n.relation || cmds.length === 0) return undefined;
  const toks = fileTokens(ctx.stmt);
  const at = tokenIndexAt(toks, ctx.offset(n.relation.location));
  if (at < 0) return undefined;
  const segs: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (let i = nameEnd(toks, at) + 1; i < toks.length; i++) {
    const t = toks[i];
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    if (depth === 0 && t.text === ';') break;
    if (depth === 0 && t.text === ',') { segs.push(cur); cur = []; continue; }
    cur.push(t);
  }
  if (cur.length) segs.push(cur);
  return segs.length === cmds.length ? segs : undefined;
}

/** Index in `toks` where the keyword sequence `words` starts (case-insensitive), or -1. */
export function findWords(toks: Token[], words: string[], from = 0): number {
  outer: for (let i = from; i + words.length <= toks.length; i++) {
    for (let k = 0; k < words.length; k++) if (toks[i + k].text.toLowerCase() !== words[k]) continue outer;
    return i;
  }
  return -1;
}

/** A range covering tokens a..b (inclusive). */
export function span(toks: Token[], a: number, b: number): { start: number; end: number } {
  return { start: toks[a].start, end: toks[Math.max(a, b)].end };
}

/** The range of a sub-command's segment, or the statement's first token run when unknown. */
export function segmentRange(ctx: StatementContext, segs: Token[][] | undefined, i: number): { start: number; end: number } {
  const seg = segs?.[i];
  if (seg && seg.length) return span(seg, 0, seg.length - 1);
  return statementHead(ctx.stmt);
}

/** The leading keywords of a statement up to (not including) the first name: e.g. `ALTER TABLE`. */
export function statementHead(stmt: Statement): { start: number; end: number } {
  const toks = fileTokens(stmt);
  if (toks.length === 0) return { start: stmt.start, end: Math.min(stmt.end, stmt.start + 1) };
  let e = 0;
  while (e + 1 < toks.length && e < 3 && toks[e + 1].keyword && !['if', 'only'].includes(toks[e + 1].text.toLowerCase())) e++;
  return span(toks, 0, e);
}

/** Range of a relation name written at the RangeVar's location. */
export function relationRange(ctx: StatementContext, rv: Node): { start: number; end: number } {
  const toks = fileTokens(ctx.stmt);
  const i = tokenIndexAt(toks, ctx.offset(rv.location));
  if (i < 0) return statementHead(ctx.stmt);
  return span(toks, i, nameEnd(toks, i));
}

export { quoteIdent } from '../../sql/ident';

/** `name` in backticks for messages. */
export function q(name: string): string { return '`' + name + '`'; }

/** True when an earlier statement of the same file is `BEGIN`/`START TRANSACTION` not yet closed. */
export function explicitTransaction(ctx: StatementContext): Statement | undefined {
  let open: Statement | undefined;
  for (const s of ctx.file.statements) {
    if (s.index >= ctx.stmt.index) break;
    if (s.kind !== 'TransactionStmt') continue;
    const k = s.node?.kind;
    if (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START') open = s;
    else if (k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_ROLLBACK' || k === 'TRANS_STMT_PREPARE') open = undefined;
  }
  return open;
}

/**
 * Whether CONCURRENTLY can be added to this statement in place. It cannot run inside a transaction
 * block (explicit, or the runner's), and a query string holding several statements is one implicit
 * transaction (golang-migrate, `psql -c` and many ORMs send a whole file that way): so only a
 * statement alone in its file is edited. In a project whose migrations follow a naming convention,
 * only the newest migration is edited (an applied one never is), and never a rollback step.
 * `advice` ends the message with where the statement must go instead ('' when it can stay).
 */
export function concurrentlyInPlace(ctx: StatementContext): { fix: boolean; advice: string } {
  const alone = ctx.file.statements.every((s) => s === ctx.stmt || !s.node);
  const files = ctx.files();
  const applied = isAppliedMigration(files, ctx.file);
  const advice = ctx.inTransaction ? ', in a migration that does not run inside a transaction'
    : !alone ? ', alone in a migration of its own (a file sent as one query runs as one transaction, which CONCURRENTLY refuses)' : '';
  // a rollback step: whether the tool runs it in a transaction is often decided elsewhere (the up
  // file's marker, a flag), and an edit that makes a rollback fail fails when it is needed most
  return { fix: !ctx.inTransaction && alone && !applied && !ctx.runner.down, advice };
}

/** `word` in the case of the keyword `like` (lower case when it was written so). */
export function keywordCase(like: Token, word: string): string {
  return like.text === like.text.toLowerCase() ? word.toLowerCase() : word.toUpperCase();
}

/**
 * True when another statement of the same file drops the table: later (a down migration dropping an
 * index, then its table: the table's own ACCESS EXCLUSIVE lock follows anyway) or earlier (the index
 * went with its table, and `DROP INDEX IF EXISTS` then locks nothing: ente's rollbacks).
 */
export function droppedInFile(ctx: StatementContext, table: Table): boolean {
  for (const s of ctx.file.statements) {
    if (s.index === ctx.stmt.index || s.kind !== 'DropStmt' || s.node?.removeType !== 'OBJECT_TABLE') continue;
    for (const o of s.node.objects ?? []) {
      const parts: string[] = (o.List?.items ?? []).map((i: Node) => i.String?.sval ?? '');
      const name = parts[parts.length - 1];
      const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
      if (name === table.name && (!schema || schema === table.schema)) return true;
    }
  }
  return false;
}

/** ALTER TABLE sub-commands that take an ACCESS EXCLUSIVE lock on the table. */
const EXCLUSIVE_CMDS = new Set([
  'AT_AddColumn', 'AT_DropColumn', 'AT_AlterColumnType', 'AT_SetNotNull', 'AT_DropNotNull', 'AT_ColumnDefault',
  'AT_DropConstraint', 'AT_AddIdentity', 'AT_DropIdentity', 'AT_SetTableSpace', 'AT_SetLogged', 'AT_SetUnLogged',
]);

/**
 * A statement earlier in the same transaction that already holds an ACCESS EXCLUSIVE lock on the
 * table until the transaction ends (ALTER TABLE adding or dropping a column, changing a type,
 * TRUNCATE, LOCK TABLE): a later statement's lock on that table then adds nothing, and a finding
 * about it would only repeat what the earlier statement does. Undefined outside a transaction.
 */
export function lockedEarlierInTransaction(ctx: StatementContext, table: Table): Statement | undefined {
  if (!ctx.inTransaction && !ctx.runner.oneQuery) return undefined;
  const begin = explicitTransaction(ctx);
  const same = (rv: Node | undefined) => !!rv?.relname && ctx.schema.table(rv.schemaname, rv.relname)?.key === table.key;
  for (const s of ctx.file.statements) {
    if (s.index >= ctx.stmt.index) break;
    if (begin && s.index <= begin.index) continue;
    const n = s.node;
    if (!n) continue;
    if (s.kind === 'AlterTableStmt' && same(n.relation) && (n.cmds ?? []).some((c: Node) => {
      const cmd = c.AlterTableCmd;
      if (EXCLUSIVE_CMDS.has(cmd?.subtype)) return true;
      const k = cmd?.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined;
      return !!k && k.contype !== 'CONSTR_FOREIGN';
    })) return s;
    if (s.kind === 'TruncateStmt' && (n.relations ?? []).some((r: Node) => same(r.RangeVar))) return s;
    if (s.kind === 'LockStmt' && (n.mode ?? 8) === 8 && (n.relations ?? []).some((r: Node) => same(r.RangeVar))) return s;
    if (s.kind === 'RenameStmt' && (n.renameType === 'OBJECT_TABLE' || n.renameType === 'OBJECT_COLUMN') && same(n.relation)) return s;
  }
  return undefined;
}

/**
 * Edits that run `sql` (an `ALTER TABLE ... VALIDATE CONSTRAINT`) after the transaction that holds
 * `ctx.stmt`'s lock has ended: in a project whose migrations follow a convention, a new migration
 * (only when `ctx.stmt` is in the newest one: an applied migration is never edited); elsewhere right
 * after the statement, or after the COMMIT of the explicit transaction holding it. Undefined when no
 * such place exists (the migration tool runs the whole file in one transaction and there is no
 * migration folder to put a new file in).
 */
export function validateLater(ctx: StatementContext, sql: string, title: string): TextEdit[] | undefined {
  const files = ctx.files();
  if (!placesInline(files)) {
    if (isAppliedMigration(files, ctx.file)) return undefined;
    return placeMigration(files, { title, up: sql, anchor: ctx.stmt }).edits;
  }
  if (ctx.runner.wraps || ctx.runner.oneQuery) return undefined;
  if (!explicitTransaction(ctx)) return [insertAfterStatement(ctx.stmt, sql)];
  const end = ctx.file.statements.find((s) => s.index > ctx.stmt.index && s.kind === 'TransactionStmt'
    && (s.node?.kind === 'TRANS_STMT_COMMIT' || s.node?.kind === 'TRANS_STMT_ROLLBACK' || s.node?.kind === 'TRANS_STMT_PREPARE'));
  if (!end || end.node?.kind !== 'TRANS_STMT_COMMIT') return undefined;
  return [insertAfterStatement(end, sql)];
}
