// Shared by update-without-where and delete-without-where.
import { walk } from '../../sql/ast';
import type { Node } from '../../sql/parse';
import { tokenIndexAt } from '../../sql/spans';
import type { StatementContext } from '../types';
import { isCatalogRangeVar, rootOf, toks } from './util';

export interface UnfilteredDml { node: Node; rv: Node; start: number; end: number; name: string; isNew: boolean }

/** UPDATE (or DELETE) statements anywhere in the statement (also in CTEs) that have no WHERE clause. */
export function unfiltered(ctx: StatementContext, kind: 'UpdateStmt' | 'DeleteStmt'): UnfilteredDml[] {
  const out: UnfilteredDml[] = [];
  const tokens = toks(ctx);
  walk(rootOf(ctx), (k, n) => {
    if (k !== kind || n.whereClause || !n.relation?.relname) return;
    const rv = n.relation;
    if (isCatalogRangeVar(rv)) return;
    const at = ctx.offset(rv.location);
    const i = tokenIndexAt(tokens, at);
    // range: the UPDATE / DELETE FROM keyword(s) through the (qualified) table name
    let s = i;
    const kw = kind === 'UpdateStmt' ? 'update' : 'delete';
    while (s > 0 && tokens[s].text.toLowerCase() !== kw) s--;
    if (s < 0 || tokens[s].text.toLowerCase() !== kw) s = i;
    let e = i;
    while (e + 2 < tokens.length && tokens[e + 1].text === '.') e += 2;
    const t = ctx.schema.table(rv.schemaname, rv.relname);
    out.push({
      node: n, rv, start: tokens[s]?.start ?? at, end: tokens[e]?.end ?? at + 1,
      name: rv.schemaname ? `${rv.schemaname}.${rv.relname}` : rv.relname,
      isNew: !!t && ctx.newTables.has(t.key),
    });
  });
  return out;
}
