import { fileTokens } from '../../sql/spans';
import { Schema, tableKey } from '../../schema';
import type { Fix } from '../../model';
import type { Node } from '../../sql/parse';
import type { Rule } from '../types';
import { concurrentlyInPlace, displayName, findWords, isNewInFile, keywordCase, q, span, tableRef } from './util';

const KINDS: Record<string, string> = {
  REINDEX_OBJECT_INDEX: 'index', REINDEX_OBJECT_TABLE: 'table', REINDEX_OBJECT_SCHEMA: 'schema', REINDEX_OBJECT_DATABASE: 'database',
};

export const rule: Rule = {
  meta: {
    id: 'reindex-non-concurrently',
    title: 'REINDEX of existing objects without CONCURRENTLY',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime" (the persona\'s maintenance is `REINDEX CONCURRENTLY INDEX idx_name;`)',
    rationale:
      'A plain `REINDEX` rebuilds each index while holding a SHARE lock on its table, so every INSERT, UPDATE and DELETE waits for the whole rebuild, and it takes an ACCESS EXCLUSIVE lock on the index itself, so queries that would use the index block too. From PostgreSQL 12, `REINDEX ... CONCURRENTLY` builds a new copy of each index beside the old one and swaps them, holding only locks that let reads and writes go on.',
    bad: 'REINDEX INDEX idx_orders_user_id;',
    good: 'REINDEX INDEX CONCURRENTLY idx_orders_user_id;',
    fixable: true,
    notes:
      'Only reported when the project targets PostgreSQL 12 or later (`postgresVersion` in .dbe.json; before 12 there is no alternative). REINDEX SYSTEM, and REINDEX of a system catalog or its index (`pg_catalog`, or an unqualified `pg_` name), are not reported: system catalogs cannot be reindexed concurrently. An index or table created earlier in the same file is not reported (squawk\'s and postgres-language-server\'s `require-concurrent-reindex` report those too and offer CONCURRENTLY inside transactions; DB Engineer deliberately does not: nothing uses a new, empty object yet, and PostgreSQL refuses the fix there). The quick fix adds CONCURRENTLY only where it can run: not inside a transaction (BEGIN, or a migration tool that wraps each file), not in a file of several statements (a file sent as one query is one transaction), not in an applied migration of a project with a naming convention, not in a rollback step (whether the tool runs it in a transaction is often decided elsewhere, and a rollback that fails does so when it is needed most), and not on a partitioned table or index (concurrent reindexing of partitioned relations needs PostgreSQL 14 and runs partition by partition: check it by hand). A concurrent rebuild that fails leaves an INVALID `_ccnew` index behind: drop it and retry.',
  },
  textFilter: /\breindex\b/i,
  beforeStatement(ctx) {
    if (ctx.kind !== 'ReindexStmt' || ctx.postgresVersion < 12) return;
    const n = ctx.node;
    const kind = KINDS[n.kind];
    if (!kind) return;
    if ((n.params ?? []).some((p: Node) => p?.DefElem?.defname === 'concurrently')) return;
    // system catalogs cannot be reindexed concurrently: nothing better to suggest
    if (n.relation && (n.relation.schemaname === 'pg_catalog' || (!n.relation.schemaname && /^pg_/.test(n.relation.relname ?? '')))) return;
    let what: string;
    let blocks: string;
    let partitioned = false;
    if (kind === 'table') {
      if (!n.relation || isNewInFile(ctx, n.relation)) return;
      const ref = tableRef(ctx, n.relation);
      if (!ref) return;
      partitioned = !!ref.table?.partitioned;
      what = `the indexes of ${q(ref.display)}`;
      blocks = 'blocks writes to the table, and queries that use those indexes, until it is finished';
    } else if (kind === 'index') {
      const rv = n.relation;
      if (!rv?.relname) return;
      let ix = ctx.schema.indexes.get(Schema.indexKey(rv.schemaname, rv.relname));
      if (!ix && !rv.schemaname) for (const x of ctx.schema.indexes.values()) if (x.name === rv.relname) { ix = x; break; }
      if (ix) {
        if (ctx.newTables.has(ix.table)) return;
        if (ix.loc.path === ctx.file.path && ix.loc.start < ctx.stmt.start) return; // built in this file
        partitioned = !!ctx.schema.tables.get(ix.table)?.partitioned;
      }
      const t = ix && ctx.schema.tables.get(ix.table);
      what = `index ${q(displayName(rv.schemaname, rv.relname))}${t ? ` (on ${q(t.key === tableKey(undefined, t.name) ? t.name : t.key)})` : ''}`;
      blocks = 'blocks writes to its table, and queries that use the index, until it is finished';
    } else {
      what = `every index of ${kind} ${q(n.name ?? 'the current database')}`;
      blocks = 'blocks writes to each table, and queries that use its indexes, while that table is rebuilt';
    }
    const toks = fileTokens(ctx.stmt);
    // REINDEX [ ( options ) ] { INDEX | TABLE | SCHEMA | DATABASE } name: the word goes after the kind
    const k = findWords(toks, [kind]);
    if (k < 0) return;
    const place = concurrentlyInPlace(ctx);
    const fixes: Fix[] = [];
    if (place.fix && !partitioned) {
      fixes.push({
        title: 'Rebuild CONCURRENTLY',
        edits: [{ path: ctx.file.path, start: toks[k].end, end: toks[k].end, newText: ' ' + keywordCase(toks[k], 'CONCURRENTLY') }],
      });
    }
    ctx.report({
      ...span(toks, 0, k),
      message: `Rebuilding ${what} ${blocks}; use REINDEX ${kind.toUpperCase()} CONCURRENTLY${place.advice}.`,
      fixes,
    });
  },
};
