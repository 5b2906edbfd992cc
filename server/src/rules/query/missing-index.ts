import { keyList, recommendIndexesSteps, type IndexRecommendation } from '../../advisor/indexes';
import { placeMigration, placesInline } from '../../engine/placement';
import type { Fix, Loc, SourceFile, Statement } from '../../model';
import type { Rule, SchemaContext } from '../types';
import { statementOf } from '../schema/util';
import { mySqlIdent } from '../../dialects/mysql/rules-util';

function baseName(p: string): string { return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1); }

function where(ctx: SchemaContext, loc: Loc): string {
  const f = ctx.file(loc.path);
  return `${baseName(loc.path)}:${f ? f.lines.position(loc.start).line + 1 : '?'}`;
}

/** The statement the index must follow when written inline: the latest that defined the table or one of the index's columns. */
function anchorOf(ctx: SchemaContext, r: IndexRecommendation): Statement | undefined {
  const locs = [r.table.loc, ...[...r.keys.map((k) => k.column), ...r.include].map((c) => r.table.columns.get(c)?.loc).filter((l): l is Loc => !!l)];
  let best: Loc | undefined;
  for (const l of locs) if (!best || (ctx.before ? ctx.before(best, l) : false)) best = l;
  return best && statementOf(ctx, best);
}

/** The fix that creates a recommended index, placed the project's way. */
export function indexFix(ctx: SchemaContext, r: IndexRecommendation): Fix | undefined {
  const files = ctx.files();
  return fixFor(ctx, files, r, !placesInline(files));
}

function fixFor(ctx: SchemaContext, files: readonly SourceFile[], r: IndexRecommendation, newFile: boolean): Fix | undefined {
  const anchor = anchorOf(ctx, r);
  if (!anchor) return undefined;
  const title = `add ${r.name}`;
  // inline, right after the CREATE TABLE of the same file: the table is still empty, a plain build is fine
  const inlineNew = !newFile && anchor.file.path === r.table.createdIn;
  const my = anchor.file.dialect.family === 'mysql' ? mySqlIndex(r) : undefined;
  const up = my ? my.create : inlineNew ? r.createInline : r.create;
  const placed = placeMigration(files, { title, up, down: my ? my.drop : r.drop, anchor, nonTransactional: !my && !inlineNew && r.concurrent });
  const how = placed.mode === 'new-file' ? ` in a new migration ${baseName(placed.path)}` : ` after the ${anchor.kind === 'CreateStmt' ? 'CREATE TABLE' : 'statement'} of ${r.table.name}`;
  return { title: `Create index ${r.name} on ${r.table.name} (${keyList(r)})${how}`, edits: placed.edits };
}

/** The index in MySQL's words: no CONCURRENTLY (InnoDB builds it online), no IF NOT EXISTS, no INCLUDE or partial predicate. */
function mySqlIndex(r: IndexRecommendation): { create: string; drop: string } {
  const cols = r.keys.map((k) => mySqlIdent(k.column) + (k.desc ? ' DESC' : '')).join(', ');
  const table = mySqlIdent(r.table.name);
  return { create: `CREATE INDEX ${mySqlIdent(r.name)} ON ${table} (${cols});`, drop: `DROP INDEX ${mySqlIdent(r.name)} ON ${table};` };
}

export const rule: Rule = {
  meta: {
    id: 'missing-index',
    dialects: ['postgres', 'mysql'],
    title: 'Query with no index to serve it',
    category: 'query',
    severity: 'info',
    principle: 'Query Optimization: "Optimize with proper indexing"; Core Philosophy: "Design for queries, not just entities" (Performance by Design).',
    rationale:
      'A query that filters, joins or sorts-with-LIMIT on columns no index leads with reads the whole table to find its rows. That is invisible while the table is small and becomes the slowest query in the system once it is not. The advisor reads every query of the workspace (top-level statements of query files, views, SQL and PL/pgSQL function bodies), collects the equality and range predicates, join keys and ORDER BY ... LIMIT columns each one uses per table, drops what an existing index already serves (primary key and UNIQUE included, partial indexes whose predicate the query implies, matching expression indexes), and proposes one index per group of overlapping needs: equality columns first, then the range column, then the ORDER BY columns in their direction.',
    bad: 'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL);\nSELECT id, status FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20;',
    good: 'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL);\nCREATE INDEX idx_orders_customer_id_created_at ON orders (customer_id, created_at DESC);\nSELECT id, status FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20;',
    fixable: true,
    notes: [
      'One recommendation per index, not per query: every query the index would serve gets a finding, each naming the others and carrying the same fix, so applying it once resolves them all. When several queries need overlapping indexes on a table, the longest is proposed and the shorter needs it serves join it (equality columns shared by more queries go first).',
      'Which queries count: statements in files that are not migrations (when `migrations.include` is set), every statement in a project without a migration naming convention, and view definitions and function bodies (SQL and PL/pgSQL, including `IF EXISTS (SELECT ...)` conditions) everywhere. A top-level UPDATE, DELETE, INSERT ... SELECT or SELECT inside a migration step is a one-off data change and wants no index: a file named like one (numbered, Flyway, golang-migrate, timestamped, `up.sql`) or a file in a folder named like one (Prisma\'s `20230404095503_init/migration.sql`, Diesel\'s timestamped folders, a `migrations/` or `db/migrate/` folder). A single schema file outside such folders keeps its top-level queries. Rollback files are ignored.',
      'What a query looks up by: `col = value`, `col IN (...)`, `col = ANY(...)` (equality), `<`, `>`, `<=`, `>=`, `BETWEEN` (range; only the first range column becomes a key), `ORDER BY` columns of one table when the query has a LIMIT (and no GROUP BY/DISTINCT). A value is a constant, a parameter, a PL/pgSQL variable or a column of an outer query (correlated subqueries are lookups). A join `a.x = b.y` is a lookup on the side scanned once per row of the other: the side without constant filters of its own, else the table joined later; join keys are only counted when the query has some filter (an unfiltered join of whole tables is a hash join and wants no index). A table joined on its primary key or a UNIQUE index (the join columns with its own `=` columns cover it) is probed through that index from the other side, so its own filter wants no index of its own (`JOIN org_group g ON g.id = t.group_id AND g.type = \'x\'`), unless nothing else in the query has a filter to start from. Column references that cannot be resolved (unknown tables, subquery or CTE columns, ambiguous names) are skipped rather than guessed.',
      'Not reported: unknown tables, views and partitions; queries an existing btree index serves, meaning its leading columns are exactly the equality columns (in any order) followed by the range or ORDER BY column, or a UNIQUE/primary-key index whose columns are all compared with `=`; partial indexes count when every conjunct of their predicate appears in the query (or is `col IS NOT NULL` on a compared column); expression indexes count when the query compares the same expression; boolean columns alone (not selective); small lookup tables, meaning tables of at most 5 columns whose only rows come from `INSERT ... VALUES` lists in the migrations (1,000 rows at most), never loaded by COPY or INSERT ... SELECT and never written by a function or query file. Predicates on expressions no index has are left to `non-sargable-predicate`.',
      'The index: a partial `WHERE deleted_at IS NULL` (also `deleted`, `archived_at`, `removed_at`, ...) when the table has such a nullable column and every query served filters on it being NULL; `INCLUDE (...)` when at least two SELECTs are served and together read at most three other (non-JSON, non-array) columns of the table, so they become index-only scans. The name is `idx_<table>_<columns>`, cut to 63 bytes and made unique.',
      'The fix follows the project: in a migration convention it writes a new migration with `CREATE INDEX CONCURRENTLY IF NOT EXISTS` (plain `IF NOT EXISTS` on a partitioned table), marked to run outside a transaction where the tool has a way (Diesel `metadata.toml`, Flyway `.conf`), with `DROP INDEX CONCURRENTLY IF EXISTS` as its rollback where the convention has down migrations. In a single file it adds a plain `CREATE INDEX` right after the table\'s CREATE TABLE (or after the latest statement that added one of its columns). When the index leads with the columns of an unindexed foreign key, `fk-without-index` offers the very same fix, so one index settles both; the message names existing indexes the new one makes redundant.',
      'Evidence, with `--sandbox` (or `"sandbox": true`): after the migrations, the sandbox fills every table with generated rows (`"sandbox": { "rows": N }`, default 10,000 a table; 0 turns it off) and ANALYZEs them; then, for each recommendation, in a transaction that is rolled back, it takes the planner\'s estimated total cost of each query the index serves (`EXPLAIN`, `GENERIC_PLAN` for `$n` parameters), creates the index, takes the cost again, and rolls back. Each finding gets its own query\'s costs: in the message ("planner: cost 1,234 → 8.3 with the index, on 10,000 generated rows in orders") and as `evidence.costBefore`/`costAfter` (with `indexUsed`, `tableRows`, `generated`) in the JSON; `dbe advise --sandbox` shows them per query and the largest saving per index. When the planner would not use the index for that query, or the plan gets less than 10% cheaper with it, the finding is kept but lowered to `hint`, with the reason in the message, rather than withdrawn: generated data is uniform where real data is not, and a lookup that is unselective on it may be selective on yours. Queries inside function bodies are measured with the function\'s parameters bound as `$n` (as PL/pgSQL plans them); one that uses a PL/pgSQL local variable, and any query PostgreSQL rejects, is not measured and keeps its finding unchanged. The generated rows are the same on every run (a fixed random seed), so the verdicts are stable.',
      'MySQL and MariaDB: the same advisor over the lowered queries and the MySQL schema; the index has no INCLUDE and no partial predicate (MySQL has neither), and the fix writes MySQL: `CREATE INDEX `idx` ON `t` (`c`);` (InnoDB builds a secondary index online, so no CONCURRENTLY and no IF NOT EXISTS, which MySQL refuses), rolled back by `DROP INDEX `idx` ON `t`;`.',
    ].join('\n\n'),
  },
  *onSchema(ctx) {
    for (const r of yield* recommendIndexesSteps(ctx.files(), ctx.schema)) {
      yield; // one recommendation at a time (the editor answers requests in between)
      const fix = indexFix(ctx, r);
      const cols = keyList(r);
      const mysql = ctx.file(r.queries[0]?.loc.path ?? '')?.dialect.family === 'mysql';
      // MySQL has neither INCLUDE nor partial indexes: the plain index on the keys
      const extra = mysql ? '' : `${r.include.length ? ` INCLUDE (${r.include.join(', ')})` : ''}${r.predicate ? ` WHERE ${r.predicate}` : ''}`;
      const drop = r.supersedes.length ? `; then drop ${r.supersedes.join(', ')}, which it makes redundant` : '';
      const n = r.queries.length;
      for (const [i, q] of r.queries.entries()) {
        // the first three other queries only (a copy of the list per query was quadratic: 20,000
        // identical queries in one file held the editor for seconds)
        if (i > 0 && i % 256 === 0) yield;
        const shown = r.queries.slice(0, 4).filter((o) => o !== q).slice(0, 3);
        const also = n > 1
          ? `; it also serves ${n - 1} other quer${n - 1 === 1 ? 'y' : 'ies'} (${shown.map((o) => where(ctx, o.loc)).join(', ')}${n - 1 > 3 ? ', …' : ''})`
          : '';
        ctx.report({
          loc: q.loc,
          message: `No index serves this query's lookup on ${r.table.name} (${q.uses}); create ${r.name} on ${r.table.name} (${cols})${extra}${also}${drop}.`,
          fixes: fix ? [fix] : [],
        });
      }
    }
  },
};
