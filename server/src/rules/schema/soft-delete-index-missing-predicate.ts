import type { Fix, TextEdit } from '../../model';
import { isAppliedMigration } from '../../engine/placement';
import type { Index, Schema, Table } from '../../schema';
import { fileTokens } from '../../sql/spans';
import { indexCovers, indexNameLoc } from './util';
import type { Rule } from '../types';

const COLUMN = 'deleted_at';
const mentions = (shapeOrText: string) => shapeOrText.includes(`"sval":"${COLUMN}"`);

/** True when `ix` is the only index that lets a foreign key's checks find every row (see fk-without-index). */
function servesForeignKey(schema: Schema, t: Table, ix: Index): boolean {
  const others = schema.indexesOf(t).filter((o) => o !== ix);
  return t.foreignKeys.some((fk) => indexCovers(ix, fk.columns) && !others.some((o) => indexCovers(o, fk.columns)));
}

export const rule: Rule = {
  meta: {
    id: 'soft-delete-index-missing-predicate',
    title: 'Index on a soft-delete table without WHERE deleted_at IS NULL',
    category: 'schema',
    severity: 'info',
    principle: 'Schema Design Standards: the persona soft-deletes with `deleted_at TIMESTAMPTZ` and indexes live rows only: `CREATE INDEX idx_users_email ON users(email) WHERE deleted_at IS NULL` ("Design for queries, not just entities").',
    rationale:
      'On a table with a `deleted_at` column, almost every query filters `WHERE deleted_at IS NULL`. An index without that predicate also carries every deleted row, so it grows without bound, caches worse and is maintained for rows no query wants. A partial index `... WHERE deleted_at IS NULL` holds only live rows and is still chosen for those queries. For a unique index the predicate also fixes a real bug: a deleted row no longer blocks a new row with the same value (re-registering a deleted e-mail address).',
    bad: 'CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, deleted_at timestamptz);\nCREATE INDEX idx_users_email ON users (email);',
    good: 'CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, deleted_at timestamptz);\nCREATE INDEX idx_users_email ON users (email) WHERE deleted_at IS NULL;',
    fixable: true,
    notes:
      'Only indexes created with CREATE INDEX are checked (PRIMARY KEY and UNIQUE constraints must cover every row). Not reported when deleted_at is a key, expression or INCLUDE column of the index, when the predicate already mentions deleted_at (e.g. `WHERE deleted_at IS NOT NULL` for purge jobs), or when the index is the only one covering a foreign key: foreign-key checks and cascades from the parent table must find deleted rows too. The fix appends `WHERE deleted_at IS NULL` (or `AND`s it to an existing predicate). On a unique index that makes uniqueness apply to live rows only, and `INSERT ... ON CONFLICT` must then repeat the predicate to use it. No fix is offered when deleted_at was added after the index was created (the fix would reference a column that does not exist yet there), nor when the index is created in an applied migration (every migration but the newest in a project whose migrations follow a naming convention): editing it would change nothing in the databases where it ran. There, build the partial index in a new migration (`CREATE INDEX CONCURRENTLY ... WHERE deleted_at IS NULL` under a new name), then `DROP INDEX CONCURRENTLY` the old one.',
  },
  *onSchema(ctx) {
    for (const t of ctx.schema.tables.values()) {
      const del = t.columns.get(COLUMN);
      if (!del || t.kind === 'view') continue;
      yield; // one table at a time (the editor answers requests in between)
      for (const ix of ctx.schema.indexesOf(t)) {
        if (ix.constraint || ix.columns.length === 0) continue;
        if (ctx.wants && !ctx.wants(ix.loc.path)) continue; // reported at ix.loc.path (indexNameLoc)
        if (ix.columns.includes(COLUMN) || ix.include.includes(COLUMN) || ix.exprs.some(mentions) || mentions(ix.predicate)) continue;
        if (servesForeignKey(ctx.schema, t, ix)) continue;
        const { loc, stmt } = indexNameLoc(ctx, ix);
        const fixes: Fix[] = [];
        const columnExists = ctx.before ? ctx.before(del.loc, ix.loc) : del.loc.path === ix.loc.path && del.loc.start < ix.loc.start;
        // an applied migration is never edited: the index it built stays as it is in the databases
        if (stmt && columnExists && !isAppliedMigration(ctx.files(), stmt.file)) {
          const toks = fileTokens(stmt).filter((tk) => tk.text !== ';');
          let depth = 0, where = -1;
          toks.forEach((tk, i) => {
            if (tk.text === '(') depth++;
            else if (tk.text === ')') depth--;
            else if (depth === 0 && tk.text.toLowerCase() === 'where') where = i;
          });
          const last = toks[toks.length - 1];
          const edits: TextEdit[] = where >= 0 && where + 1 < toks.length
            ? [
              { path: stmt.file.path, start: toks[where + 1].start, end: toks[where + 1].start, newText: '(' },
              { path: stmt.file.path, start: last.end, end: last.end, newText: `) AND ${COLUMN} IS NULL` },
            ]
            : [{ path: stmt.file.path, start: last.end, end: last.end, newText: ` WHERE ${COLUMN} IS NULL` }];
          const title = ix.unique
            ? `Add WHERE ${COLUMN} IS NULL (uniqueness will then apply to live rows only)`
            : `Add WHERE ${COLUMN} IS NULL (index live rows only)`;
          fixes.push({ title, edits });
        }
        ctx.report({
          loc,
          message: `Index ${ix.name} on ${t.name} (${ix.columns.map((c) => c ?? '<expression>').join(', ')}) also indexes soft-deleted rows; add WHERE ${COLUMN} IS NULL.`,
          fixes,
        });
      }
    }
  },
};
