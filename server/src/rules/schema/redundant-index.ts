import type { Fix, Statement } from '../../model';
import { migrationLabel, newestMigration, placeMigration, placesInline } from '../../engine/placement';
import { strings } from '../../sql/ast';
import type { Index, Table } from '../../schema';
import { ident, indexNameLoc, statementOf } from './util';
import { inMySqlFile, mySqlIdent } from '../../dialects/mysql/rules-util';
import type { Rule, SchemaContext } from '../types';

/** Sort direction and nulls order of each key element, as written ('' for constraint indexes: all ascending). */
const orderCache = new WeakMap<Index, string[]>();
function orderings(ctx: SchemaContext, ix: Index): string[] {
  const hit = orderCache.get(ix);
  if (hit) return hit;
  const out = computeOrderings(ctx, ix);
  orderCache.set(ix, out);
  return out;
}
function computeOrderings(ctx: SchemaContext, ix: Index): string[] {
  if (ix.constraint) return ix.columns.map(() => '');
  const stmt = statementOf(ctx, ix.loc);
  if (stmt?.kind !== 'IndexStmt') return ix.columns.map(() => '');
  return (stmt.node?.indexParams ?? []).map((p: any) => {
    const e = p.IndexElem ?? {};
    const dir = e.ordering === 'SORTBY_DESC' ? 'desc' : '';
    const nulls = e.nulls_ordering && e.nulls_ordering !== 'SORTBY_NULLS_DEFAULT' ? e.nulls_ordering : '';
    return `${dir}${nulls}${(e.collation ?? []).map((c: any) => c?.String?.sval).join('.')}`;
  });
}

function keyText(ix: Index): string {
  return ix.columns.map((c) => c ?? '<expression>').join(', ');
}

/** Why `a` is redundant given `b`, or undefined. `aLater` says whether a was created after b. */
function redundancy(ctx: SchemaContext, a: Index, b: Index, aLater: boolean): string | undefined {
  if (a.constraint || a.columns.length === 0 || b.columns.length === 0) return undefined;
  if (a.method !== b.method || a.predicate !== b.predicate || a.columns.length > b.columns.length) return undefined;
  const exact = a.columns.length === b.columns.length;
  if (!exact && a.method !== 'btree') return undefined;
  const oa = orderings(ctx, a), ob = orderings(ctx, b);
  for (let i = 0; i < a.columns.length; i++) {
    if (a.columns[i] !== b.columns[i] || a.exprs[i] !== b.exprs[i] || a.opclasses[i] !== b.opclasses[i]) return undefined;
    // a one-column btree index can be scanned in either direction; longer keys must match the order
    if (a.columns.length > 1 && (oa[i] ?? '') !== (ob[i] ?? '')) return undefined;
    if (a.columns.length === 1 && (oa[i] ?? '').replace(/^desc/, '') !== (ob[i] ?? '').replace(/^desc/, '')) return undefined;
  }
  const covered = new Set([...b.columns, ...b.include]);
  if (!a.include.every((c) => covered.has(c))) return undefined;
  if (a.unique) {
    // a unique index enforces something a longer or non-unique index does not
    if (!exact || !b.unique) return undefined;
  }
  // of two identical copies, report only the later one
  const sameInclude = a.include.length === b.include.length && a.include.every((c) => b.include.includes(c));
  if (exact && a.unique === b.unique && !b.constraint && sameInclude && !aLater) return undefined;
  const what = b.constraint === 'primary' ? 'the primary key' : b.constraint === 'unique' ? 'unique constraint' : 'index';
  return exact
    ? `duplicates ${what} ${b.name} (${keyText(b)})`
    : `is a leading prefix of ${what} ${b.name} (${keyText(b)}), which serves the same lookups`;
}

/**
 * The redundant indexes of one table's list (creation order), each with why. Partitions are not
 * judged (their indexes are attached to the parent's). Also asked by soft-delete-index-missing-predicate,
 * which gives no advice on an index that should be dropped.
 */
export function redundantOf(ctx: SchemaContext, t: Table | undefined, list: Index[], position: (ix: Index) => number): Map<Index, string> {
  const out = new Map<Index, string>();
  if (!t || t.partitionOf || list.length < 2) return out;
  for (const a of list) {
    for (const b of list) {
      if (a === b) continue;
      const reason = redundancy(ctx, a, b, position(a) > position(b));
      if (reason) { out.set(a, reason); break; }
    }
  }
  return out;
}

function qualifiedName(t: Table, name: string): string {
  return t.schema === 'public' ? ident(name) : `${ident(t.schema)}.${ident(name)}`;
}

export const rule: Rule = {
  meta: {
    id: 'redundant-index',
    dialects: ['postgres', 'mysql'],
    title: 'Redundant index (duplicate or leading prefix of another)',
    category: 'schema',
    severity: 'warning',
    principle: 'Response Format: "Include appropriate indexes and constraints"; Special Instructions: "Plan for both reads and writes optimization".',
    rationale:
      'A btree index on (a) is redundant next to an index on (a, b): the longer one answers every lookup, range scan and sort on a alone. Exact duplicates, including a plain index that repeats the primary key or a UNIQUE constraint, are pure overhead. Each extra index slows every INSERT and UPDATE, takes disk and cache, adds WAL and vacuum work, and gives the planner one more choice to get wrong.',
    bad: 'CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL, created_at timestamptz NOT NULL);\nCREATE INDEX idx_orders_user_created ON orders (user_id, created_at);\nCREATE INDEX idx_orders_user ON orders (user_id);',
    good: 'CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL, created_at timestamptz NOT NULL);\nCREATE INDEX idx_orders_user_created ON orders (user_id, created_at);',
    fixable: true,
    notes:
      'Two indexes are compared only when they are on the same table with the same access method and the same partial-index predicate; key columns, expressions, operator classes and (for multi-column keys) sort orders must match position by position, and the redundant index\'s INCLUDE columns must be in the other index. Prefixes count only for btree; other methods need an exact duplicate. A unique index is never redundant to a longer or non-unique index (it enforces a rule); of two identical indexes the later one is reported. PRIMARY KEY and UNIQUE constraints are never reported (they are the ones to keep). Partitions are not checked: their indexes are usually attached to an index of the partitioned parent, which is where duplicates are judged. In a project whose migrations follow a naming convention, applied migrations are never edited: the fix is a new migration with `DROP INDEX CONCURRENTLY IF EXISTS` (plain DROP INDEX on a partitioned table), whose rollback recreates the index; deleting the CREATE INDEX is offered only in the newest migration (the one being written). Elsewhere (one schema file) two fixes: delete the CREATE INDEX statement when it has not run anywhere yet, or add `DROP INDEX CONCURRENTLY IF EXISTS` at the end of the file (CONCURRENTLY cannot run inside a transaction block). The delete is never offered when the CREATE INDEX is the only statement of its file (it would leave the migration empty); a project with down migrations whose names follow no known convention gets no fix (its migrations are taken as applied, and no new migration can be named); when a down migration drops the index, only the new migration is offered (deleting, or dropping it in the same file, would make that rollback fail). MySQL: indexes with prefix lengths and the ones InnoDB creates for a foreign key by itself are not compared; the message names `DROP INDEX ... ON table`; no fix is offered.',
  },
  *onSchema(ctx) {
    const all = [...ctx.schema.indexes.values()];
    const position = new Map(all.map((ix, i) => [ix, i] as const));
    const byTable = new Map<string, Index[]>();
    for (const ix of all) byTable.set(ix.table, [...(byTable.get(ix.table) ?? []), ix]);
    for (const [key, list] of byTable) {
      const t = ctx.schema.tables.get(key);
      // partitions: their indexes are usually attached to the parent's and cannot be dropped on their own
      if (!t || t.partitionOf || list.length < 2) continue;
      yield; // one table at a time (the editor answers requests in between)
      if (inMySqlFile(ctx, t.loc)) { reportMySql(ctx, t, list, position); continue; }
      for (const [a, reason] of redundantOf(ctx, t, list, (ix) => position.get(ix)!)) {
        const { loc, stmt } = indexNameLoc(ctx, a);
        const fixes: Fix[] = stmt ? fixesFor(ctx, t, a, stmt) : [];
        const created = stmt?.node?.idxname && stmt.node.idxname !== a.name ? ` (created as ${stmt.node.idxname})` : '';
        ctx.report({ loc, message: `Index ${a.name}${created} on ${t.name} (${keyText(a)}) ${reason}; drop it.`, fixes });
      }
    }
  },
};

/**
 * MySQL: indexes with prefix lengths (`name(10)`) and the ones InnoDB made for a foreign key by itself
 * are left out (a prefix serves other lookups than the whole value; InnoDB drops its own index when
 * another can serve the key); the message names MySQL's DROP INDEX ... ON; no fix (the rollback would
 * have to restate the index, and an inline KEY cannot be deleted as a statement).
 */
function reportMySql(ctx: SchemaContext, t: Table, list: Index[], position: Map<Index, number>): void {
  const plain = list.filter((ix) => !ix.mysql?.forForeignKey && !(ix.mysql?.prefix ?? []).some((p) => p !== undefined));
  for (const [a, reason] of redundantOf(ctx, t, plain, (ix) => position.get(ix)!)) {
    const { loc } = indexNameLoc(ctx, a);
    ctx.report({ loc, message: `Index ${a.name} on ${t.name} (${keyText(a)}) ${reason}; drop it (DROP INDEX ${mySqlIdent(a.name)} ON ${mySqlIdent(t.name)}).` });
  }
}

/**
 * The fixes for redundant index `a` created by `stmt`. In a project whose migrations follow a
 * convention, an applied migration is never edited: the fix is a new migration dropping the index
 * (its rollback recreates it). Deleting the CREATE INDEX is offered only where it has not run yet
 * (one schema file, or the newest migration), never when it is its migration's only statement, and
 * never when a down migration drops the index (the rollback would then fail).
 */
function fixesFor(ctx: SchemaContext, t: Table, a: Index, stmt: Statement): Fix[] {
  const fixes: Fix[] = [];
  const files = ctx.files();
  const migrations = !placesInline(files);
  const named = stmt.node?.idxname === a.name;
  const conc = t.partitioned ? '' : ' CONCURRENTLY';
  const drop = `DROP INDEX${conc} IF EXISTS ${qualifiedName(t, a.name)};`;
  // down migrations without a recognised naming convention: migrations all the same, but which one is
  // being written cannot be told, so each is taken as applied (not edited)
  const withDowns = !migrations && files.some((f) => f.isDown);
  const applied = migrations ? newestMigration(files)?.path !== stmt.file.path : withDowns;
  const alone = stmt.file.statements.filter((s) => s !== stmt && s.kind !== 'TransactionStmt').length === 0;
  // a rollback that drops the index: deleting the CREATE INDEX, or dropping the index in the same
  // file, makes that rollback fail; only a new migration (with its own rollback) keeps the pair whole
  const downDrops = droppedByDown(files, a.name);
  if (!applied && !alone && !downDrops) {
    const text = stmt.file.text;
    let end = stmt.end;
    while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
    if (text[end] === '\r') end++;
    if (text[end] === '\n') end++;
    fixes.push({ title: `Delete this CREATE INDEX ${a.name} statement (migration not applied anywhere yet)`, edits: [{ path: stmt.file.path, start: stmt.start, end, newText: '' }] });
  }
  if (!named) return fixes;
  if (migrations) {
    const recreate = recreateSql(stmt, !t.partitioned);
    const placed = placeMigration(files, { title: `drop ${a.name}`, anchor: stmt, nonTransactional: !t.partitioned, up: drop, down: recreate });
    if (placed.mode === 'new-file') {
      fixes.push({ title: `Drop index ${a.name} in a new migration ${migrationLabel(placed.path)} (its rollback recreates it)`, edits: placed.edits });
    }
    return fixes;
  }
  if (downDrops || withDowns) return fixes;
  const last = stmt.file.statements[stmt.file.statements.length - 1];
  const tail = stmt.file.text.slice(last.start, last.end).trimEnd().endsWith(';') ? '' : ';';
  fixes.push({
    title: `Add DROP INDEX${conc} IF EXISTS ${a.name} at the end of this file (migration already applied)`,
    edits: [{ path: stmt.file.path, start: last.end, end: last.end, newText: `${tail}\n${drop}` }],
  });
  return fixes;
}

/** True when a down migration drops index `name`: deleting its CREATE INDEX would break that rollback. */
function droppedByDown(files: readonly { isDown: boolean; statements: Statement[] }[], name: string): boolean {
  for (const f of files) {
    if (!f.isDown) continue;
    for (const s of f.statements) {
      if (s.kind !== 'DropStmt' || s.node?.removeType !== 'OBJECT_INDEX') continue;
      for (const o of s.node.objects ?? []) {
        const parts = strings(o.List?.items ?? (o.String ? [o] : []));
        if (parts[parts.length - 1] === name) return true;
      }
    }
  }
  return false;
}

/** The CREATE INDEX as written, made to run again safely: IF NOT EXISTS, and CONCURRENTLY when it may. */
function recreateSql(stmt: Statement, concurrently: boolean): string {
  const text = stmt.file.text.slice(stmt.start, stmt.end).trim().replace(/;$/, '');
  const m = /^CREATE\s+(UNIQUE\s+)?INDEX(\s+CONCURRENTLY)?(\s+IF\s+NOT\s+EXISTS)?(?=\s)/i.exec(text);
  if (!m) return `${text};`;
  const head = `CREATE ${m[1] ? 'UNIQUE ' : ''}INDEX${concurrently || m[2] ? ' CONCURRENTLY' : ''} IF NOT EXISTS`;
  return `${head}${text.slice(m[0].length)};`;
}
