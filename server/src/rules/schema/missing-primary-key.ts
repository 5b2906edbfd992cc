import { isJudgedTable, statementOf } from './util';
import type { Rule, SchemaContext } from '../types';
import type { Table } from '../../schema';
import { inMySqlFile } from '../../dialects/mysql/rules-util';

/** CREATE_TABLE_LIKE_INDEXES in PostgreSQL's TableLikeOption bits (INCLUDING ALL sets every bit). */
const LIKE_INDEXES = 1 << 6;

/**
 * MySQL / InnoDB: a table without a key is clustered on a hidden 6-byte row id nobody can use, and
 * row-based replication finds each changed row on the replica by scanning the table (Group
 * Replication refuses such tables). A UNIQUE key on NOT NULL columns is what InnoDB clusters on then.
 */
function reportMySql(ctx: SchemaContext, t: Table): void {
  const uniqueNotNull = ctx.schema.indexesOf(t).find((ix) =>
    ix.unique && ix.columns.length > 0 && ix.columns.every((c) => c !== null && t.columns.get(c)?.notNull) && !(ix.mysql?.prefix ?? []).some((p) => p !== undefined));
  const message = uniqueNotNull
    ? `Table ${t.name} has no primary key; InnoDB clusters it on its unique key (${uniqueNotNull.columns.join(', ')}) on NOT NULL columns, but replication tools and ORMs look for a declared one: declare that key as the PRIMARY KEY.`
    : `Table ${t.name} has no primary key: InnoDB clusters its rows on a hidden row id nobody can use, and row-based replication scans the whole table on the replica for every row an UPDATE or DELETE changes (Group Replication refuses the table); add one (e.g. \`id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY\`).`;
  ctx.report({ loc: t.loc, message });
}

export const rule: Rule = {
  meta: {
    id: 'missing-primary-key',
    dialects: ['postgres', 'mysql'],
    title: 'Table without a primary key',
    category: 'schema',
    severity: 'warning',
    principle: 'Schema Design Standards: every table in the persona\'s examples declares a PRIMARY KEY (`id BIGSERIAL PRIMARY KEY`, `id UUID PRIMARY KEY`, `PRIMARY KEY (id, changed_at)`) ("Data integrity over application logic").',
    rationale:
      'A table without a primary key has no guaranteed way to address one row: duplicates creep in, updates and deletes from tools and ORMs become ambiguous, logical replication cannot publish its UPDATEs and DELETEs, and other tables cannot reference it with a foreign key. A UNIQUE constraint on NOT NULL columns comes close, but it is not declared as the row identity, so replication and tooling do not treat it as one.',
    bad: 'CREATE TABLE events (user_id bigint NOT NULL, name text NOT NULL);',
    good: 'CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint NOT NULL, name text NOT NULL);',
    fixable: false,
    notes:
      'Judged on the final schema: a primary key added by a later migration (ALTER TABLE ... ADD PRIMARY KEY) clears the finding. Views, materialized views, temporary tables and partitions (which get their key from the partitioned parent) are not checked; a partitioned parent without a key is. A table created with `LIKE source INCLUDING INDEXES` (or `INCLUDING ALL`) gets the key of the source table. When the table already has a UNIQUE key on NOT NULL columns the message says so: promote it with `ALTER TABLE ... ADD PRIMARY KEY USING INDEX ...`. MySQL: the message says what InnoDB does without a key (a hidden row id as clustered index; row-based replication scans the table on the replica per changed row; Group Replication refuses the table) and suggests `id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY`; TEMPORARY tables are not checked.',
  },
  onSchema(ctx) {
    for (const t of ctx.schema.tables.values()) {
      if (!isJudgedTable(t) || t.primaryKey) continue;
      if (t.mysql?.temporary) continue;
      if (inMySqlFile(ctx, t.loc)) { reportMySql(ctx, t); continue; }
      const stmt = statementOf(ctx, t.loc);
      const rel = stmt?.kind === 'CreateStmt' ? stmt.node?.relation : (stmt?.node?.into?.IntoClause ?? stmt?.node?.into)?.rel;
      if (rel?.relpersistence === 't') continue;
      // LIKE ... INCLUDING INDEXES (or ALL) copies the source table's primary key
      const likeKey = (stmt?.kind === 'CreateStmt' ? stmt.node?.tableElts ?? [] : []).some((el: any) => {
        const like = el?.TableLikeClause;
        const src = like?.relation && ctx.schema.table(like.relation.schemaname, like.relation.relname);
        return like && (like.options & LIKE_INDEXES) !== 0 && !!src?.primaryKey;
      });
      if (likeKey) continue;
      const uniqueNotNull = ctx.schema.indexesOf(t).find((ix) =>
        ix.unique && !ix.predicate && ix.columns.length > 0 &&
        ix.columns.every((c) => c !== null && t.columns.get(c)?.notNull));
      // a typed table (`CREATE TABLE t OF type`) cannot take a column the type does not have
      const ofType = stmt?.kind === 'CreateStmt' ? stmt.node?.ofTypename?.names?.map((x: any) => x?.String?.sval).filter(Boolean).join('.') : undefined;
      const message = uniqueNotNull
        ? `Table ${t.name} has no primary key; its unique key (${uniqueNotNull.columns.join(', ')}) on NOT NULL columns is not one, so declare it as the PRIMARY KEY.`
        : ofType
        ? `Table ${t.name} has no primary key; it is typed (OF ${ofType}), so it cannot add an id column: declare an attribute of ${ofType} as its key (\`CREATE TABLE ${t.name} OF ${ofType} (PRIMARY KEY (attribute))\`).`
        : `Table ${t.name} has no primary key; add one (e.g. \`id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY\`).`;
      ctx.report({ loc: t.loc, message });
    }
  },
};
