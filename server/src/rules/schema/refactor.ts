// Helpers shared by the normalization rules and their refactors: naming the new tables, the key a
// child table points at, the statement a refactor is anchored to, and the expand/contract pair of
// migrations (engine/placement.ts placeMigrations) that carries it out.
import type { Fix, Loc, SourceFile, Statement } from '../../model';
import { isAppliedMigration, placeMigrations, placesInline, type MigrationPlan } from '../../engine/placement';
import type { Column, Schema, Table } from '../../schema';
import { ident, objectName, statementOf, tableRef } from './util';
import type { SchemaContext } from '../types';

/** A table name's singular, for naming child columns: customers -> customer, categories -> category. */
export function singular(name: string): string {
  if (/ies$/.test(name) && name.length > 4) return name.slice(0, -3) + 'y';
  if (/(ss|us|is)$/.test(name)) return name;
  if (/(ches|shes|xes|sses)$/.test(name)) return name.slice(0, -2);
  if (/s$/.test(name) && name.length > 2) return name.slice(0, -1);
  return name;
}

/** A word's plural, for naming child tables: phone -> phones, category -> categories. */
export function plural(word: string): string {
  if (/[^aeiou]y$/.test(word)) return word.slice(0, -1) + 'ies';
  if (/(s|x|z|ch|sh)$/.test(word)) return word + 'es';
  return word + 's';
}

/** Table names a `<x>_id(s)` / `<x>_list` column may point at: x, xs, xes, and x(y -> ies). */
export function targetCandidates(x: string): string[] {
  const out = [x, `${x}s`, `${x}es`];
  if (x.endsWith('y')) out.push(`${x.slice(0, -1)}ies`);
  return out;
}

/** The ordinary table a name stem refers to, same schema first. */
export function findTable(schema: Schema, from: Table, x: string): Table | undefined {
  for (const name of targetCandidates(x)) {
    const r = schema.tables.get(`${from.schema}.${name}`) ?? schema.table(undefined, name);
    if (r && r.kind === 'table' && !r.partitionOf) return r;
  }
  return undefined;
}

/** A table's one-column primary key (the column a child table references), or undefined. */
export function singleKey(t: Table): Column | undefined {
  const cols = t.primaryKey?.columns;
  return cols && cols.length === 1 ? t.columns.get(cols[0]) : undefined;
}

/** The type a referencing column takes for a key column: serials become their integer type. */
export function refType(c: Column): string {
  const serial: Record<string, string> = { serial: 'integer', serial4: 'integer', bigserial: 'bigint', serial8: 'bigint', smallserial: 'smallint', serial2: 'smallint' };
  return serial[c.type] ?? (c.typeText.trim() || c.type);
}

/** The name a child table gives its reference to `t` (key column `key`): customers.id -> customer_id. */
export function refColumnName(t: Table, key: Column): string {
  return key.name === 'id' ? objectName([singular(t.name), 'id']) : key.name;
}

/** A table name not yet taken in `schema` (same schema as `like`). */
export function freshTableName(schema: Schema, like: Table, base: string): string {
  const name = objectName([base]);
  const taken = (n: string) => schema.tables.has(`${like.schema}.${n}`);
  if (!taken(name)) return name;
  for (let i = 2; ; i++) { const n = objectName([name.slice(0, 60), String(i)]); if (!taken(n)) return n; }
}

/** `name` written in the schema of `t` (schema-qualified unless public). */
export function sibling(t: Table, name: string): string {
  return t.schema === 'public' ? ident(name) : `${ident(t.schema)}.${ident(name)}`;
}

/** The statement written last among `locs` (in migration order): the point where all of them exist. */
export function anchorOf(ctx: SchemaContext, locs: Loc[]): Statement | undefined {
  const latest = locs.reduce((a, b) => (ctx.before ? (ctx.before(a, b) ? b : a) : b.path === a.path && b.start > a.start ? b : a));
  return statementOf(ctx, latest);
}

/** The contract step's opening comment: when it may run. */
export function contractComment(what: string): string {
  return `-- Contract step: run after the application stopped using ${what}\n-- (deploy code that reads and writes the new table first).`;
}

/**
 * A refactor as two migrations, expand then contract: new files in the project's convention (with
 * rollbacks where it keeps them), or both inline after the anchor statement in a project without one.
 */
export function expandContract(files: readonly SourceFile[], title: string, expand: Omit<MigrationPlan, 'anchor'>, contract: Omit<MigrationPlan, 'anchor'>, anchor: Statement): Fix | undefined {
  // inline after the anchor: never into a migration that has already run (no convention to name a new one by)
  if (placesInline(files) && isAppliedMigration(files, anchor.file)) return undefined;
  const edits = placeMigrations(files, [{ ...expand, anchor }, { ...contract, anchor }]).flatMap((p) => p.edits);
  return { title, edits };
}

export { ident, objectName, tableRef };
