import type { Fix } from '../../model';
import type { Table } from '../../schema';
import { strings } from '../../sql/ast';
import { parseStatement } from '../../sql/parse';
import type { Token } from '../../sql/parse';
import { tokenIndexAt } from '../../sql/spans';
import type { Rule, StatementContext } from '../types';
import { quoteMySqlName } from '../../dialects/mysql/keywords';
import { hasMergedJoin, quoteIdent, toks, type Rel, queryContexts, blocksOf, ranAsWritten } from './util';

/** The ordered column names of a known table, or undefined when we cannot be sure we know all of them. */
function knownColumns(t: Table | undefined): string[] | undefined {
  if (!t || t.columns.size === 0) return undefined;
  if (t.kind !== 'table') {
    // view columns are only complete when every output of its query was named
    const def = t.definition ? parseStatement(t.definition).node : undefined;
    const q = def?.ViewStmt?.query?.SelectStmt ?? def?.CreateTableAsStmt?.query?.SelectStmt;
    const explicit = def?.ViewStmt?.aliases ?? def?.CreateTableAsStmt?.into?.colNames;
    if (!(explicit && explicit.length === t.columns.size)) {
      if (!q || q.op !== 'SETOP_NONE' || (q.targetList ?? []).length !== t.columns.size) return undefined;
      for (const rt of q.targetList) {
        const v = rt.ResTarget?.val;
        if (!rt.ResTarget?.name && !(v?.ColumnRef && strings(v.ColumnRef.fields).slice(-1)[0] !== '*')) return undefined;
      }
    }
  }
  return [...t.columns.keys()];
}

export const rule: Rule = {
  meta: {
    id: 'select-star',
    dialects: ['postgres', 'mysql'],
    title: 'SELECT * in a query',
    category: 'query',
    severity: 'warning',
    principle: 'Anti-Patterns to Avoid: "SELECT * in production queries"',
    rationale:
      'A `*` select list returns whatever columns the table has today: a later migration that adds a wide column silently makes every such query slower and heavier on the network, a dropped or reordered column breaks callers that read by position, and the planner can never answer the query from a covering index alone. Naming the columns documents what the caller actually needs and keeps the query stable as the schema evolves.',
    bad: 'CREATE TABLE users (id bigint PRIMARY KEY, email text, bio text);\nSELECT * FROM users WHERE id = 1;',
    good: 'CREATE TABLE users (id bigint PRIMARY KEY, email text, bio text);\nSELECT id, email FROM users WHERE id = 1;',
    fixable: true,
    notes:
      '`count(*)` and `EXISTS (SELECT * ...)` are not reported (no columns are fetched). A `*` over relations that are only CTEs, subqueries or set-returning functions is not reported either: their columns are listed where they are defined. Queries that read only system catalogs (pg_*, information_schema) and `COPY (SELECT * ...) TO` exports are left alone. The quick fix expands the `*` when every relation it covers is a table or view whose columns the workspace schema knows, qualifying the columns with the alias when the query reads several relations; it is not offered for JOIN ... USING / NATURAL JOIN, whose merged columns a plain list would not reproduce. Queries inside LANGUAGE sql function bodies (dollar-quoted or BEGIN ATOMIC) are checked as well. No fix is offered for a statement of an applied migration (every migration but the newest, in a project whose migrations follow a naming convention) that changed something (DML, DDL, SELECT INTO; a plain SELECT is still fixed): it has run as written, and editing it would only make new databases differ from the existing ones.',
  },
  onStatement(ctx) { for (const c of queryContexts(ctx)) check(c); },
};

function check(ctx: StatementContext): void {
  if (ctx.kind === 'CopyStmt') return; // an export of whole rows is what COPY (SELECT * ...) TO is for
  // scanned only when a `*` is found: most statements have none
  let scanned: ReturnType<typeof toks> | undefined;
  for (const b of blocksOf(ctx)) {
    if (b.kind !== 'select' || b.inExists) continue;
    const sel = b.node;
    if (!sel.fromClause || (sel.targetList ?? []).length === 0) continue;
    for (const rt of sel.targetList) {
      const cr = rt.ResTarget?.val?.ColumnRef;
      if (!cr) continue;
      const f = strings(cr.fields);
      if (f[f.length - 1] !== '*') continue;
      const qualifier = f.length >= 2 ? f[f.length - 2] : undefined;
      const covered: Rel[] = qualifier
        ? b.rels.filter((r) => r.ref === qualifier || (r.rv && !r.rv.alias && r.rv.relname === qualifier))
        : b.rels;
      if (covered.length === 0 && qualifier) continue; // e.g. a record variable or an outer reference
      if (covered.every((r) => r.kind === 'cte' || r.kind === 'subquery' || r.kind === 'function')) continue;
      if (covered.every((r) => r.catalog || r.kind !== 'table')) continue;
      const tokens = (scanned ??= toks(ctx));
      const span = starSpan(ctx, tokens, cr, f.length, sel);
      if (!span) continue; // the `*` cannot be found in the text: better no finding than a wrong range
      const { start, end, star } = span;

      const names = [...new Set(covered.filter((r) => r.kind === 'table').map((r) => r.rv!.relname))];
      const what = names.length === 1 ? names[0] : names.length ? names.join(', ') : 'the query';
      const fixes: Fix[] = [];
      // an alias with its own column names (t AS x(a, b)) renames the columns: leave those alone
      const lists = covered.map((r) => (r.kind === 'table' && !(r.rv!.alias?.colnames ?? []).length ? knownColumns(r.table) : undefined));
      // `TABLE t` has no `*` to replace: reported, not rewritten
      // a statement of an applied migration has run as written: editing it would change nothing there
      if (star && lists.every(Boolean) && !hasMergedJoin(sel.fromClause) && !ranAsWritten(ctx)) {
        const qualify = b.rels.length > 1 || !!qualifier;
        // MySQL: `backticks` (a "double-quoted" name is a string there) and the names as written
        const my = ctx.file.dialect?.family === 'mysql';
        const q = (name: string, qualified: boolean) => (my ? quoteMySqlName(name) : quoteIdent(name, qualified));
        const written = (r: Rel, c: string) => (my ? r.table?.columns.get(c)?.mysql?.name ?? c : c);
        const cols = covered.flatMap((r, k) => lists[k]!.map((c) => (qualify ? `${q(r.ref, false)}.${q(written(r, c), true)}` : q(written(r, c), false))));
        fixes.push({ title: 'Expand * into columns', edits: [{ path: ctx.file.path, start, end, newText: cols.join(', ') }] });
      }
      ctx.report({
        start, end,
        message: `\`${ctx.file.text.slice(start, end)}\` reads every column of ${what}; list only the columns the caller needs.`,
        fixes,
      });
    }
  }
}

/**
 * Where the `*` select item is written: from its first name to the `*` token, checked token by token
 * against the ColumnRef's fields (`*`, `t.*`, `s.t.*`). `TABLE t` (a `*` with no location) spans
 * `TABLE t` and has no `*` to rewrite (star false). Undefined when the text does not match.
 */
function starSpan(ctx: StatementContext, tokens: Token[], cr: any, fields: number, sel: any): { start: number; end: number; star: boolean } | undefined {
  if (cr.location === undefined || cr.location < 0) {
    const rv = sel.fromClause?.length === 1 ? sel.fromClause[0]?.RangeVar : undefined;
    if (!rv || rv.location === undefined || rv.location < 0) return undefined;
    const i = tokenIndexAt(tokens, ctx.offset(rv.location));
    if (i <= 0 || tokens[i - 1].text.toLowerCase() !== 'table') return undefined;
    let j = i;
    while (j + 2 < tokens.length && tokens[j + 1].text === '.') j += 2;
    return { start: tokens[i - 1].start, end: tokens[j].end, star: false };
  }
  const start = ctx.offset(cr.location);
  const i = tokenIndexAt(tokens, start);
  if (i < 0 || tokens[i].start !== start) return undefined;
  const last = i + 2 * (fields - 1);
  if (last >= tokens.length || tokens[last].text !== '*') return undefined;
  for (let k = i + 1; k < last; k += 2) if (tokens[k].text !== '.') return undefined;
  return { start, end: tokens[last].end, star: true };
}
