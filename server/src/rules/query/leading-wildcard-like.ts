import type { Schema, Table } from '../../schema';
import { strings, walk } from '../../sql/ast';
import type { Node } from '../../sql/parse';
import type { Rule } from '../types';
import { isMigrationStep } from '../../advisor/indexes';
import { brief, exprRange, resolveColumn, textOf, type ResolvedColumn, queryContexts, blocksOf } from './util';

const LIKE_OPS = new Set(['~~', '~~*']);

/** The literal a pattern starts with: a constant, a cast constant, the left end of `||`, or concat()'s first argument. */
function leadingLiteral(n: Node | undefined): { text: string; node: Node } | undefined {
  if (!n) return undefined;
  if (n.A_Const?.sval) return { text: n.A_Const.sval.sval ?? '', node: n };
  if (n.TypeCast) return leadingLiteral(n.TypeCast.arg);
  if (n.A_Expr?.kind === 'AEXPR_OP' && strings(n.A_Expr.name)[0] === '||') return leadingLiteral(n.A_Expr.lexpr);
  if (n.FuncCall && strings(n.FuncCall.funcname).slice(-1)[0] === 'concat') return leadingLiteral(n.FuncCall.args?.[0]);
  return undefined;
}

/** True when `t` has a trigram (pg_trgm) GIN/GiST index whose key uses `column`, directly or in an expression. */
function hasTrigramIndex(schema: Schema, t: Table, column: string): boolean {
  for (const ix of schema.indexesOf(t)) {
    if (ix.method !== 'gin' && ix.method !== 'gist') continue;
    for (let k = 0; k < ix.columns.length; k++) {
      const op = (ix.opclasses[k] ?? '').toLowerCase().split('.').pop();
      if (op !== 'gin_trgm_ops' && op !== 'gist_trgm_ops') continue;
      if (ix.columns[k] === column) return true;
      if (ix.columns[k] === null && ix.exprs[k].includes(`{"ColumnRef":{"fields":[{"String":{"sval":${JSON.stringify(column)}}}]}}`)) return true;
    }
  }
  return false;
}

const TOP_LEVEL_DML = new Set(['SelectStmt', 'UpdateStmt', 'DeleteStmt', 'InsertStmt']);

export const rule: Rule = {
  meta: {
    id: 'leading-wildcard-like',
    dialects: ['postgres', 'mysql'],
    title: 'LIKE pattern starting with a wildcard',
    category: 'query',
    severity: 'warning',
    principle: 'Query Optimization: "Optimize with proper indexing" (design for queries, not just entities)',
    rationale:
      'A B-tree index can answer `LIKE \'abc%\'` because the matching values form one contiguous range; a pattern that starts with `%` or `_` has no fixed prefix, so every row has to be read and matched. That is fine on a small table and a full scan on a large one. When substring search is a real access path, index it with pg_trgm (`CREATE INDEX ... USING gin (col gin_trgm_ops)`), which serves `LIKE`/`ILIKE` with leading wildcards, or use full-text search.',
    bad: "CREATE TABLE products (id bigint PRIMARY KEY, name text);\nSELECT id FROM products WHERE name ILIKE '%phone%';",
    good: "CREATE EXTENSION IF NOT EXISTS pg_trgm;\nCREATE TABLE products (id bigint PRIMARY KEY, name text);\nCREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops);\nSELECT id FROM products WHERE name ILIKE '%phone%';",
    fixable: false,
    notes:
      'Checked in WHERE and JOIN ... ON of SELECT, UPDATE and DELETE, for LIKE, ILIKE, `~~` and `~~*` whose pattern is a literal (or a concatenation / concat() call whose first piece is a literal) starting with `%` or `_`. Not reported when the column\'s table has a GIN or GiST index with gin_trgm_ops / gist_trgm_ops on the column (directly or inside an expression such as lower(col)), for NOT LIKE (no index serves it anyway), in CHECK constraints and select lists, and for system catalogs. A query of a one-off migration step (an UPDATE or DELETE in a migration file: it runs once) is not reported, as for missing-index. Queries inside LANGUAGE sql function bodies (dollar-quoted or BEGIN ATOMIC) are checked as well. MySQL: the advice is a FULLTEXT index with MATCH ... AGAINST for word search (MySQL has no trigram index); REGEXP is not reported.',
  },
  textFilter: /like|~~/i,
  onStatement(outer) {
    // a data fix in a migration runs once: no index is wanted for it (as missing-index)
    if (TOP_LEVEL_DML.has(outer.kind) && isMigrationStep(outer.file)) return;
    for (const ctx of queryContexts(outer)) {
      for (const b of blocksOf(ctx)) {
        for (const filter of b.filters) {
          walk(filter.expr, (kind, n) => {
            if (kind === 'SubLink' || kind === 'SelectStmt') return false;
            if (kind !== 'A_Expr' || (n.kind !== 'AEXPR_LIKE' && n.kind !== 'AEXPR_ILIKE' && n.kind !== 'AEXPR_OP')) return;
            const op = strings(n.name)[0];
            if (!LIKE_OPS.has(op)) return;
            const lit = leadingLiteral(n.rexpr);
            if (!lit || !/^[%_]/.test(lit.text)) return;
            let col: ResolvedColumn | undefined;
            walk(n.lexpr, (k, c) => {
              if (col || k === 'SubLink') return false;
              if (k !== 'ColumnRef') return;
              const r = resolveColumn(c, b);
              if (r && b.rels.includes(r.rel) && r.rel.kind === 'table' && !r.rel.catalog) col = r;
            });
            if (!col) return;
            if (col.table && hasTrigramIndex(ctx.schema, col.table, col.column)) return;
            const r = exprRange(ctx, { A_Expr: n });
            const tname = col.table?.name ?? col.rel.rv?.relname ?? col.rel.ref;
            const pattern = brief(textOf(ctx, exprRange(ctx, n.rexpr)), 40);
            ctx.report({
              ...r,
              message: ctx.file.dialect.family === 'mysql'
                ? `The pattern ${pattern} starts with a wildcard, so no index on ${tname}.${col.column} can serve it (every row is read); anchor the pattern at the start, or for word search use a FULLTEXT index with MATCH (${col.column}) AGAINST (...).`
                : `The pattern ${pattern} starts with a wildcard, so no B-tree index on ${tname}.${col.column} can serve it; add a trigram index (USING gin (${col.column} gin_trgm_ops)) or anchor the pattern at the start.`,
            });
          });
        }
      }
    }
  },
};
