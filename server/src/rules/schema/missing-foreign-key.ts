import type { Column, Schema, Table } from '../../schema';
import type { Fix, Loc, Statement } from '../../model';
import { inMySqlFile, mySqlIdent } from '../../dialects/mysql/rules-util';
import { isAppliedMigration, migrationLabel, placeMigration, placeMigrations, placesInline } from '../../engine/placement';
import { ident, insertAfter, isJudgedTable, objectName, statementOf, tableRef } from './util';
import type { Rule, SchemaContext } from '../types';

const FAMILY: Record<string, string> = {
  int2: 'int', int4: 'int', int8: 'int', smallserial: 'int', serial: 'int', bigserial: 'int', serial2: 'int', serial4: 'int', serial8: 'int',
  uuid: 'uuid', text: 'text', varchar: 'text', bpchar: 'text', citext: 'text',
};

const POLYMORPHIC_SUFFIXES = ['type', 'kind', 'table', 'class', 'model'];

/** Table names a `<x>_id` column may point at: x, xs, xes, and x(y -> ies). */
function candidates(x: string): string[] {
  const out = [x, `${x}s`, `${x}es`];
  if (x.endsWith('y')) out.push(`${x.slice(0, -1)}ies`);
  return out;
}

function findTarget(schema: Schema, t: Table, x: string): Table | undefined {
  for (const name of candidates(x)) {
    const r = schema.tables.get(`${t.schema}.${name}`) ?? schema.table(undefined, name);
    if (r && r.kind === 'table') return r;
  }
  return undefined;
}

/** The referenced table's one-column key: its primary key, else a one-column unique constraint or index. */
function singleKey(schema: Schema, r: Table): { column: string; loc: Loc } | undefined {
  if (r.primaryKey) return r.primaryKey.columns.length === 1 ? { column: r.primaryKey.columns[0], loc: r.primaryKey.loc } : undefined;
  const ix = schema.indexesOf(r).find((i) => i.unique && !i.predicate && i.columns.length === 1 && i.columns[0] !== null);
  return ix ? { column: ix.columns[0]!, loc: ix.loc } : undefined;
}

/** The latest of several locations in migration order (the point where all of them exist). */
function latest(ctx: SchemaContext, locs: Loc[]): Loc | undefined {
  if (!ctx.before) return locs.every((l) => l.path === locs[0].path) ? locs.reduce((a, b) => (b.start > a.start ? b : a)) : undefined;
  return locs.reduce((a, b) => (ctx.before!(a, b) ? b : a));
}

function compatible(a: Column, b: Column): boolean {
  if (a.array || b.array) return false;
  const fa = FAMILY[a.type], fb = FAMILY[b.type];
  return fa !== undefined && fa === fb;
}

export const rule: Rule = {
  meta: {
    id: 'missing-foreign-key',
    dialects: ['postgres', 'mysql'],
    title: '<table>_id column without a foreign key',
    category: 'schema',
    severity: 'warning',
    principle: 'Schema Design Standards: "Use foreign key constraints" and Data Modeling Principles: "Data integrity over application logic".',
    rationale:
      'A column named after another table\'s key (`user_id` next to a `users` table) is a reference; without a FOREIGN KEY constraint nothing stops it pointing at rows that never existed or were deleted, and orphans accumulate silently. The constraint also documents the relationship for people and tools. Adding it as NOT VALID and validating in a second step avoids a long exclusive lock on a table that already holds data.',
    bad: 'CREATE TABLE users (id bigserial PRIMARY KEY);\nCREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL);',
    good: 'CREATE TABLE users (id bigserial PRIMARY KEY);\nCREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));\nCREATE INDEX idx_orders_user_id ON orders (user_id);',
    fixable: true,
    notes:
      'A column `<x>_id` is matched to a table named x, xs, xes or (for x ending in y) x-ies, in the same schema first, that has a one-column primary key (or, lacking one, a one-column unique key). It is not reported when any foreign key of the table includes the column, when the column names its own table (`customer_id` in customers), or when the types are not of the same family (integers, uuid, strings): a `text` external id next to a `bigint` key is something else. The fix inserts `ADD CONSTRAINT ... NOT VALID` and `VALIDATE CONSTRAINT` after the statement that added the column (or after the referenced table or key, if those come later). In a project whose migrations follow a naming convention the VALIDATE goes into a new migration (in the same transaction it would hold the ADD\'s lock through the scan), and when that statement is in an applied migration (every migration but the newest, in a project whose migrations follow a naming convention), both statements go into new migrations: an applied migration is never edited. A polymorphic reference, where a `<x>_type` (or `_kind`, `_table`, `_class`, `_model`) column beside `<x>_id` says which table the id belongs to, is not reported: no single foreign key fits it. Other cross-database references are legitimate exceptions: suppress the finding. References added by dynamic SQL (EXECUTE) are invisible to the replay; plain statements inside DO blocks are seen. Once the key exists, fk-without-index asks for the index that should go with it.',
  },
  onSchema(ctx) {
    for (const t of ctx.schema.tables.values()) {
      if (!isJudgedTable(t)) continue;
      const referenced = new Set(t.foreignKeys.flatMap((fk) => fk.columns));
      for (const col of t.columns.values()) {
        const m = /^(.+)_id$/.exec(col.name);
        if (!m || referenced.has(col.name)) continue;
        // `customer_id` in table customers is the table's own identifier, not a reference
        if (candidates(m[1]).includes(t.name)) continue;
        // a polymorphic reference: `<x>_type` beside `<x>_id` says which table the id belongs to (harbor's
        // role_permission.role_type is 'projectmember' or 'robotaccount'): no single foreign key fits
        if (POLYMORPHIC_SUFFIXES.some((sfx) => t.columns.has(`${m[1]}_${sfx}`))) continue;
        const target = findTarget(ctx.schema, t, m[1]);
        if (!target) continue;
        const key = singleKey(ctx.schema, target);
        if (!key) continue;
        if (target === t && key.column === col.name) continue;
        const keyCol = target.columns.get(key.column);
        if (!keyCol || !compatible(col, keyCol)) continue;
        const fixes: Fix[] = [];
        const at = latest(ctx, [col.loc, target.loc, key.loc]);
        const stmt = at && statementOf(ctx, at);
        if (inMySqlFile(ctx, col.loc)) {
          // MySQL: a plain ADD CONSTRAINT (no NOT VALID: the server checks the rows as it adds the key),
          // only when both tables are InnoDB and the integer columns have the same size and sign
          const fix = stmt && mySqlForeignKeyFix(ctx, stmt, t, col.name, target, key.column);
          ctx.report({ loc: col.loc, message: `Column ${t.name}.${col.name} looks like a reference to ${target.name} (${key.column}) but has no foreign key; add one.`, fixes: fix ? [fix] : [] });
          continue;
        }
        if (stmt) {
          const name = objectName([t.name, col.name, 'fkey']);
          const add = `ALTER TABLE ${tableRef(t)} ADD CONSTRAINT ${ident(name)} FOREIGN KEY (${ident(col.name)}) REFERENCES ${tableRef(target)} (${ident(key.column)}) NOT VALID;`;
          const fix = foreignKeyFix(ctx, stmt, t, name, add, `${target.name} (${key.column})`);
          if (fix) fixes.push(fix);
        }
        ctx.report({
          loc: col.loc,
          message: `Column ${t.name}.${col.name} looks like a reference to ${target.name} (${key.column}) but has no foreign key; add one.`,
          fixes,
        });
      }
    }
  },
};

const innodb = (t: Table) => !t.mysql?.engine || /^innodb$/i.test(t.mysql.engine);
const intShape = (c: Column | undefined) => c && `${/^\s*(tinyint|smallint|mediumint|bigint|int)/i.exec(c.typeText)?.[1]?.toLowerCase() ?? c.typeText.toLowerCase()}:${!!c.mysql?.unsigned}`;

function mySqlForeignKeyFix(ctx: SchemaContext, stmt: Statement, t: Table, column: string, target: Table, keyColumn: string): Fix | undefined {
  if (!innodb(t) || !innodb(target)) return undefined;
  if (intShape(t.columns.get(column)) !== intShape(target.columns.get(keyColumn))) return undefined;
  const files = ctx.files();
  if (placesInline(files) && isAppliedMigration(files, stmt.file)) return undefined;
  const name = objectName([t.name, column, 'fkey']);
  const up = `ALTER TABLE ${mySqlIdent(t.name)} ADD CONSTRAINT ${mySqlIdent(name)} FOREIGN KEY (${mySqlIdent(column)}) REFERENCES ${mySqlIdent(target.name)} (${mySqlIdent(keyColumn)});`;
  const placed = placeMigration(files, { title: `add ${name}`, up, down: `ALTER TABLE ${mySqlIdent(t.name)} DROP FOREIGN KEY ${mySqlIdent(name)};`, anchor: stmt });
  return { title: `Add foreign key ${name} to ${target.name} (${keyColumn})${placed.mode === 'new-file' ? ` in a new migration ${migrationLabel(placed.path)}` : ''}`, edits: placed.edits };
}

/**
 * The fix adding the foreign key NOT VALID and validating it in a later transaction (a VALIDATE in the
 * same transaction as the ADD would hold the ADD's lock through the validation scan). In a project
 * whose migrations follow a convention: the ADD right after `stmt` in the migration being written and
 * the VALIDATE in a new migration, or, when `stmt` is in an applied migration (never edited), both in
 * new migrations. Elsewhere both go right after `stmt`, unless its file counts as applied.
 */
function foreignKeyFix(ctx: SchemaContext, stmt: Statement, t: Table, name: string, add: string, target: string): Fix | undefined {
  const files = ctx.files();
  const applied = isAppliedMigration(files, stmt.file);
  const validate = `ALTER TABLE ${tableRef(t)} VALIDATE CONSTRAINT ${ident(name)};`;
  const base = migrationLabel;
  if (placesInline(files)) {
    if (applied) return undefined;
    return { title: `Add foreign key ${name} to ${target} (NOT VALID, then VALIDATE)`, edits: [insertAfter(stmt, `${add}\n${validate}`)] };
  }
  const validatePlan = { title: `validate ${name}`, up: validate, anchor: stmt };
  if (!applied) {
    const placed = placeMigration(files, validatePlan);
    return { title: `Add foreign key ${name} to ${target} NOT VALID, then VALIDATE it in a new migration ${base(placed.path)}`, edits: [insertAfter(stmt, add), ...placed.edits] };
  }
  const [a, v] = placeMigrations(files, [
    { title: `add ${name}`, up: add, down: `ALTER TABLE ${tableRef(t)} DROP CONSTRAINT IF EXISTS ${ident(name)};`, anchor: stmt },
    validatePlan,
  ]);
  return { title: `Add foreign key ${name} to ${target} in new migrations ${base(a.path)} (NOT VALID) and ${base(v.path)} (VALIDATE)`, edits: [...a.edits, ...v.edits] };
}
