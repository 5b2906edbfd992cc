import type { Fix } from '../../model';
import type { Index, Table } from '../../schema';
import { ident, indexNameLoc, statementOf } from './util';
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

function qualifiedName(t: Table, name: string): string {
  return t.schema === 'public' ? ident(name) : `${ident(t.schema)}.${ident(name)}`;
}

export const rule: Rule = {
  meta: {
    id: 'redundant-index',
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
      'Two indexes are compared only when they are on the same table with the same access method and the same partial-index predicate; key columns, expressions, operator classes and (for multi-column keys) sort orders must match position by position, and the redundant index\'s INCLUDE columns must be in the other index. Prefixes count only for btree; other methods need an exact duplicate. A unique index is never redundant to a longer or non-unique index (it enforces a rule); of two identical indexes the later one is reported. PRIMARY KEY and UNIQUE constraints are never reported (they are the ones to keep). Partitions are not checked: their indexes are usually attached to an index of the partitioned parent, which is where duplicates are judged. Two fixes: delete the CREATE INDEX statement when that migration has not run anywhere yet, or, when it has, add `DROP INDEX CONCURRENTLY IF EXISTS` at the end of that file (plain DROP INDEX on a partitioned table; CONCURRENTLY cannot run inside a transaction block). Better still, put that DROP in a new migration.',
  },
  onSchema(ctx) {
    const all = [...ctx.schema.indexes.values()];
    const position = new Map(all.map((ix, i) => [ix, i] as const));
    const byTable = new Map<string, Index[]>();
    for (const ix of all) byTable.set(ix.table, [...(byTable.get(ix.table) ?? []), ix]);
    for (const [key, list] of byTable) {
      const t = ctx.schema.tables.get(key);
      // partitions: their indexes are usually attached to the parent's and cannot be dropped on their own
      if (!t || t.partitionOf || list.length < 2) continue;
      for (const a of list) {
        let reason: string | undefined;
        for (const b of list) {
          if (a === b) continue;
          reason = redundancy(ctx, a, b, position.get(a)! > position.get(b)!);
          if (reason) break;
        }
        if (!reason) continue;
        const { loc, stmt } = indexNameLoc(ctx, a);
        const fixes: Fix[] = [];
        if (stmt) {
          const text = stmt.file.text;
          let end = stmt.end;
          while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
          if (text[end] === '\r') end++;
          if (text[end] === '\n') end++;
          fixes.push({ title: `Delete this CREATE INDEX ${a.name} statement (migration not applied anywhere yet)`, edits: [{ path: stmt.file.path, start: stmt.start, end, newText: '' }] });
          if (stmt.node?.idxname === a.name) {
            const last = stmt.file.statements[stmt.file.statements.length - 1];
            const tail = text.slice(last.start, last.end).trimEnd().endsWith(';') ? '' : ';';
            const conc = t.partitioned ? '' : ' CONCURRENTLY';
            fixes.push({
              title: `Add DROP INDEX${conc} IF EXISTS ${a.name} at the end of this file (migration already applied)`,
              edits: [{ path: stmt.file.path, start: last.end, end: last.end, newText: `${tail}\nDROP INDEX${conc} IF EXISTS ${qualifiedName(t, a.name)};` }],
            });
          }
        }
        const created = stmt?.node?.idxname && stmt.node.idxname !== a.name ? ` (created as ${stmt.node.idxname})` : '';
        ctx.report({ loc, message: `Index ${a.name}${created} on ${t.name} (${keyText(a)}) ${reason}; drop it.`, fixes });
      }
    }
  },
};
