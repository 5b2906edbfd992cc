import type { Fix, Loc, Statement, TextEdit } from '../../model';
import { isAppliedMigration, migrationLabel, placeMigration, placesInline } from '../../engine/placement';
import { parseStatement } from '../../sql/parse';
import type { Index, Schema, Table } from '../../schema';
import { fileTokens } from '../../sql/spans';
import { ident, indexCovers, indexNameLoc, objectName } from './util';
import { redundantOf } from './redundant-index';
import type { Rule, SchemaContext } from '../types';

const COLUMN = 'deleted_at';
const mentions = (shapeOrText: string) => shapeOrText.includes(`"sval":"${COLUMN}"`);
/** A predicate that already leaves deleted rows out by another marker (`WHERE is_deleted = false`, `WHERE NOT archived`). */
const SOFT_MARKER = /"sval":"(is_)?(deleted|archived|removed)(_at|_on)?"/;

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
      'Only indexes created with CREATE INDEX are checked (PRIMARY KEY and UNIQUE constraints must cover every row). Not reported when deleted_at is a key, expression or INCLUDE column of the index, when the predicate already mentions deleted_at (e.g. `WHERE deleted_at IS NOT NULL` for purge jobs) or another soft-delete marker (`WHERE is_deleted = false`, `WHERE NOT archived`), when `redundant-index` reports the index (it should be dropped, not narrowed), or when the index is the only one covering a foreign key: foreign-key checks and cascades from the parent table must find deleted rows too. The fix appends `WHERE deleted_at IS NULL` (or `AND`s it to an existing predicate). On a unique index that makes uniqueness apply to live rows only, and `INSERT ... ON CONFLICT` must then repeat the predicate to use it. No fix is offered when deleted_at was added after the index was created (the fix would reference a column that does not exist yet there). An applied migration (every migration but the newest in a project whose migrations follow a naming convention) is never edited: editing it would change nothing in the databases where it ran. There the fix is a new migration that builds the partial index `CONCURRENTLY` under a temporary name, drops the old index `CONCURRENTLY` and renames the new one (its rollback rebuilds the full index the same way); no fix when the project has no naming convention to name that migration by.',
  },
  *onSchema(ctx) {
    let position: Map<Index, number> | undefined;
    for (const t of ctx.schema.tables.values()) {
      const del = t.columns.get(COLUMN);
      if (!del || t.kind === 'view') continue;
      yield; // one table at a time (the editor answers requests in between)
      const indexes = ctx.schema.indexesOf(t);
      // an index redundant-index says to drop gets that finding only: no advice on how to keep it
      position ??= new Map([...ctx.schema.indexes.values()].map((ix, i) => [ix, i] as const));
      const at = position;
      const redundant = redundantOf(ctx, t, indexes, (ix) => at.get(ix) ?? 0);
      for (const ix of indexes) {
        if (ix.constraint || ix.columns.length === 0 || redundant.has(ix)) continue;
        if (SOFT_MARKER.test(ix.predicate)) continue;
        if (ctx.wants && !ctx.wants(ix.loc.path)) continue; // reported at ix.loc.path (indexNameLoc)
        if (ix.columns.includes(COLUMN) || ix.include.includes(COLUMN) || ix.exprs.some(mentions) || mentions(ix.predicate)) continue;
        if (servesForeignKey(ctx.schema, t, ix)) continue;
        const { loc, stmt } = indexNameLoc(ctx, ix);
        const fixes: Fix[] = [];
        const columnExists = ctx.before ? ctx.before(del.loc, ix.loc) : del.loc.path === ix.loc.path && del.loc.start < ix.loc.start;
        if (stmt && columnExists) {
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
          // an applied migration is never edited (the index it built stays as it is in the databases):
          // the index is built again with the predicate in a new migration
          if (!isAppliedMigration(ctx.files(), stmt.file)) fixes.push({ title, edits });
          else {
            const fix = rebuildFix(ctx, t, ix, stmt, edits, loc);
            if (fix) fixes.push(fix);
          }
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

function qualified(t: Table, name: string): string {
  return t.schema === 'public' ? ident(name) : `${ident(t.schema)}.${ident(name)}`;
}

/**
 * In an applied migration: a new migration that builds the partial index under a temporary name
 * (CONCURRENTLY, so writes go on), drops the old one and gives the new one its name; its rollback
 * does the same with the index as it was. Undefined where that cannot be written safely.
 */
function rebuildFix(ctx: SchemaContext, t: Table, ix: Index, stmt: Statement, edits: TextEdit[], nameLoc: Loc): Fix | undefined {
  const files = ctx.files();
  if (placesInline(files) || stmt.kind !== 'IndexStmt' || stmt.templated || stmt.node?.idxname !== ix.name) return undefined;
  const file = stmt.file;
  if (nameLoc.path !== file.path || file.text.slice(nameLoc.start, nameLoc.end).replace(/^"|"$/g, '') !== ix.name) return undefined;
  const taken = new Set([...ctx.schema.indexes.values()].map((i) => i.name));
  let temp = objectName([ix.name, 'live']);
  for (let i = 2; taken.has(temp); i++) temp = objectName([ix.name.slice(0, 55), 'live', String(i)]);
  const conc = !t.partitioned;
  // the CREATE INDEX as written, under the temporary name, with or without the predicate
  const build = (withPredicate: boolean): string | undefined => {
    const all = [...(withPredicate ? edits : []), { start: nameLoc.start, end: nameLoc.end, newText: ident(temp) }].sort((a, b) => b.start - a.start);
    let text = file.text.slice(stmt.start, stmt.end).trim().replace(/;$/, '');
    for (const e of all) text = text.slice(0, e.start - stmt.start) + e.newText + text.slice(e.end - stmt.start);
    const m = /^CREATE\s+(UNIQUE\s+)?INDEX(\s+CONCURRENTLY)?(\s+IF\s+NOT\s+EXISTS)?(?=\s)/i.exec(text);
    if (!m) return undefined;
    const sql = `CREATE ${m[1] ? 'UNIQUE ' : ''}INDEX${conc ? ' CONCURRENTLY' : ''} IF NOT EXISTS${text.slice(m[0].length)};`;
    const n = parseStatement(sql).node?.IndexStmt;
    return n && n.idxname === temp && !!n.concurrent === conc && !!n.whereClause === (withPredicate || !!stmt.node?.whereClause) ? sql : undefined;
  };
  const live = build(true), full = build(false);
  if (!live || !full) return undefined;
  const swap = [
    `DROP INDEX${conc ? ' CONCURRENTLY' : ''} IF EXISTS ${qualified(t, ix.name)};`,
    `ALTER INDEX ${qualified(t, temp)} RENAME TO ${ident(ix.name)};`,
  ];
  const up = [
    `-- ${ix.name} is built again over live rows only (WHERE ${COLUMN} IS NULL).`,
    `-- The new index is built${conc ? ' CONCURRENTLY' : ''} beside the old one, which is then dropped.`,
    ...(ix.unique ? ['-- Uniqueness then applies to live rows only.'] : []),
    live, ...swap,
  ].join('\n');
  const placed = placeMigration(files, { title: `rebuild ${ix.name} for live rows`, up, down: [full, ...swap].join('\n'), anchor: stmt, nonTransactional: conc });
  if (placed.mode !== 'new-file') return undefined;
  return { title: `Rebuild ${ix.name} with WHERE ${COLUMN} IS NULL in a new migration ${migrationLabel(placed.path)} (its migration has already run)`, edits: placed.edits };
}
