import { quoteMySqlName } from '../../dialects/mysql/keywords';
import type { Fix } from '../../model';
import type { Schema, Table } from '../../schema';
import { firstLocation, strings, walk } from '../../sql/ast';
import type { Node } from '../../sql/parse';
import type { Rule } from '../types';
import { columnRefs, conjuncts, exprRange, keywordBefore, quoteIdent, resolveColumn, toks, type Block, queryContexts, blocksOf, ranAsWritten } from './util';

/** True when the WHERE clause pins every column of a unique index of `t` with `=`: at most one row. */
function pinsUniqueKey(b: Block, t: Table, schema: Schema): boolean {
  const where = b.filters.find((f) => f.where === 'WHERE')?.expr;
  const equal = new Set<string>();
  for (const c of conjuncts(where)) {
    const e = c.A_Expr;
    if (!e || e.kind !== 'AEXPR_OP' || strings(e.name)[0] !== '=') continue;
    for (const [side, other] of [[e.lexpr, e.rexpr], [e.rexpr, e.lexpr]]) {
      if (!side?.ColumnRef) continue;
      const r = resolveColumn(side.ColumnRef, b);
      if (!r || r.table !== t) continue;
      // the other side must not depend on this table's own columns
      if (columnRefs(other).some((o) => resolveColumn(o, b)?.table === t)) continue;
      equal.add(r.column);
    }
  }
  const keys: string[][] = [];
  if (t.primaryKey) keys.push(t.primaryKey.columns);
  for (const ix of schema.indexesOf(t)) {
    if (ix.unique && !ix.predicate && ix.columns.every((c) => c !== null)) keys.push(ix.columns as string[]);
  }
  return keys.some((k) => k.length > 0 && k.every((c) => equal.has(c)));
}

function isAggregateOnly(sel: Node): boolean {
  if ((sel.groupClause ?? []).length) return false;
  const targets = sel.targetList ?? [];
  if (!targets.length) return false;
  return targets.every((rt: Node) => {
    let agg = false;
    walk(rt, (kind, n) => {
      if (kind === 'SubLink') return false;
      if (kind === 'FuncCall' && (n.agg_star || ['count', 'sum', 'min', 'max', 'avg', 'bool_and', 'bool_or', 'every', 'array_agg', 'string_agg', 'json_agg', 'jsonb_agg'].includes(strings(n.funcname).slice(-1)[0])) && !n.over) agg = true;
    });
    return agg;
  });
}

export const rule: Rule = {
  meta: {
    id: 'limit-without-order-by',
    dialects: ['postgres', 'mysql'],
    title: 'LIMIT without ORDER BY',
    category: 'query',
    severity: 'warning',
    principle: 'Anti-Patterns to Avoid: "Using LIMIT without ORDER BY"',
    rationale:
      'Without ORDER BY, PostgreSQL returns rows in whatever order the chosen plan produces them: physical order after a sequential scan, index order after an index scan, and something else again after a parallel scan, a HOT update or a VACUUM. A LIMIT over that order picks an arbitrary subset that can change between runs, which breaks pagination (rows repeated or skipped) and makes "the first matching row" a different row tomorrow. `LIMIT 1` is no exception unless the filter already pins a single row.',
    bad: 'CREATE TABLE events (id bigint PRIMARY KEY, kind text);\nSELECT id, kind FROM events WHERE kind = \'signup\' LIMIT 10;',
    good: 'CREATE TABLE events (id bigint PRIMARY KEY, kind text);\nSELECT id, kind FROM events WHERE kind = \'signup\' ORDER BY id LIMIT 10;',
    fixable: true,
    notes:
      'Not reported: LIMIT inside EXISTS (...) (only existence matters), `LIMIT 0` and `LIMIT ALL`, a query without FROM, an aggregate query without GROUP BY (one row), a WHERE clause that fixes every column of the primary key or of a unique index with `=` (at most one row; for a table the workspace does not define, `id = ...` is taken as its key), `FOR UPDATE SKIP LOCKED` queue consumers, and a subquery in the WHERE clause of an UPDATE or DELETE (the batching idiom `DELETE ... WHERE id IN (SELECT id ... LIMIT 1000)`, where any batch will do). The quick fix inserts `ORDER BY` on the primary key of the single table the query reads, when the schema knows it. Queries inside LANGUAGE sql function bodies (dollar-quoted or BEGIN ATOMIC) are checked as well. No fix is offered for a statement of an applied migration (every migration but the newest, in a project whose migrations follow a naming convention) that changed something (DML, DDL, SELECT INTO; a plain SELECT is still fixed): it has run as written, and editing it would only make new databases differ from the existing ones.',
  },
  textFilter: /\b(limit|fetch)\b/i,
  onStatement(outer) {
    for (const ctx of queryContexts(outer)) {
      const tokens = toks(ctx);
      for (const b of blocksOf(ctx)) {
        if (b.kind !== 'select' || b.inExists || b.dmlFilter) continue;
        const sel = b.node;
        const lim = sel.limitCount;
        if (!lim || (sel.sortClause ?? []).length) continue;
        if (lim.A_Const?.isnull) continue; // LIMIT ALL / LIMIT NULL
        if (lim.A_Const?.ival && !(lim.A_Const.ival.ival)) continue; // LIMIT 0
        if (sel.op === 'SETOP_NONE' && !(sel.fromClause ?? []).length) continue;
        if ((sel.lockingClause ?? []).some((l: Node) => l.LockingClause?.waitPolicy === 'LockWaitSkip')) continue;
        if (sel.op === 'SETOP_NONE' && isAggregateOnly(sel)) continue;
        const single = sel.op === 'SETOP_NONE' && b.rels.length === 1 && b.rels[0].kind === 'table' ? b.rels[0] : undefined;
        if (single?.table && pinsUniqueKey(b, single.table, ctx.schema)) continue;
        // a table the workspace does not define: `id = ...` is taken to be its key
        if (single && !single.table && conjuncts(b.filters.find((f) => f.where === 'WHERE')?.expr).some((c) => {
          const e = c.A_Expr;
          return e?.kind === 'AEXPR_OP' && strings(e.name)[0] === '=' && [e.lexpr, e.rexpr].some((x: Node) => x?.ColumnRef && strings(x.ColumnRef.fields).slice(-1)[0] === 'id');
        })) continue;
        if (single?.catalog) continue;

        const loc = firstLocation(lim);
        const countAt = loc === undefined ? ctx.stmt.end : ctx.offset(loc);
        const kw = keywordBefore(tokens, countAt, ['limit', 'fetch']);
        const start = kw >= 0 ? tokens[kw].start : countAt;
        const end = loc === undefined ? (kw >= 0 ? tokens[kw].end : start + 1) : exprRange(ctx, lim).end;
        const fixes: Fix[] = [];
        const pk = single?.table?.primaryKey?.columns;
        // a statement of an applied migration has run as written: editing it would change nothing there
        // not with GROUP BY or DISTINCT: ordering by a column that is not grouped or selected is refused
        // (PostgreSQL; MySQL 8's ONLY_FULL_GROUP_BY, error 3065 for DISTINCT)
        const grouped = (sel.groupClause ?? []).length > 0 || !!sel.distinctClause || !!sel.havingClause;
        if (pk && pk.length && kw >= 0 && !grouped && !(sel.lockingClause ?? []).length && !ranAsWritten(ctx)) {
          // ORDER BY goes before LIMIT and before OFFSET, whichever comes first
          let at = start;
          if (sel.limitOffset) {
            const oi = keywordBefore(tokens, ctx.offset(firstLocation(sel.limitOffset)), ['offset']);
            if (oi >= 0 && tokens[oi].start < at) at = tokens[oi].start;
          }
          const my = ctx.file.dialect?.family === 'mysql';
          const q = my ? quoteMySqlName(single!.ref) : quoteIdent(single!.ref, false);
          const cols = pk.map((c) => `${q}.${my ? quoteMySqlName(single!.table?.columns.get(c)?.mysql?.name ?? c) : quoteIdent(c, true)}`).join(', ');
          fixes.push({ title: `Add ORDER BY ${cols}`, edits: [{ path: ctx.file.path, start: at, end: at, newText: `ORDER BY ${cols} ` }] });
        }
        const from = single?.rv?.relname;
        const one = lim.A_Const?.ival?.ival === 1;
        ctx.report({
          start, end,
          message: `${ctx.file.text.slice(start, end).replace(/\s+/g, ' ')} without ORDER BY returns ${one ? 'an arbitrary row' : 'an arbitrary, unstable subset of the rows'}${from ? ` of ${from}` : ''}; add an ORDER BY that makes the result deterministic${pk ? ` (e.g. the primary key ${pk.join(', ')})` : ''}.`,
          fixes,
        });
      }
    }
  },
};

