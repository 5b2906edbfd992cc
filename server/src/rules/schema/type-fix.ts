// The fix of the rules that want a column written with another type (timestamp-without-time-zone,
// int-primary-key, char-n, float-for-money). Where the column's type was written decides what the fix
// may do:
// - in a file that has not run anywhere yet (one schema file, the newest migration): the type is
//   rewritten in place, as the author would have written it;
// - in an applied migration (see engine/placement.ts isAppliedMigration): that file is never edited
//   (the databases where it ran would keep the old type, and the file would lie about them); the fix
//   is a new migration with ALTER TABLE ... ALTER COLUMN ... TYPE (and its rollback where the
//   convention keeps one), whose comment says what it costs: a rewrite of the table under an ACCESS
//   EXCLUSIVE lock;
// - in a project whose migrations are all taken as applied but where no new migration can be named
//   (down files, no known convention): no fix.
import type { Fix } from '../../model';
import { isAppliedMigration, migrationLabel, placeMigration } from '../../engine/placement';
import type { Column, Table } from '../../schema';
import type { SchemaContext } from '../types';
import { ident, statementOf, tableRef } from './util';

export interface TypeChange {
  /** The type written in place of the old one in a file that has not run yet (e.g. `bigserial`). */
  inPlace: string;
  /** The type the ALTER COLUMN of a new migration sets (e.g. `bigint` for bigserial). */
  alterTo: string;
  /** The USING expression of that ALTER (`$col` stands for the column), if any. */
  using?: string;
  /** The type (and USING) the rollback sets back. */
  downTo: string;
  downUsing?: string;
  /** Comment lines (without `-- `) on what the conversion does to existing values. */
  values: string[];
  /** Statements to run before / after the ALTER TABLE (e.g. the serial's sequence), and their rollbacks. */
  extraUp?: string[];
  extraDown?: string[];
  /** Further tables the migration alters (referencing foreign-key columns), named in the comment. */
  also?: { table: Table; column: Column; alterTo: string; downTo: string }[];
}

/** A short comment block, wrapped at about 100 characters. */
function comment(lines: string[]): string {
  const out: string[] = [];
  for (const para of lines) {
    let cur = '--';
    for (const w of para.split(/\s+/)) {
      if (cur.length + w.length + 1 > 100 && cur !== '--') { out.push(cur); cur = '--'; }
      cur += ` ${w}`;
    }
    out.push(cur);
  }
  return out.join('\n');
}

/**
 * The ALTER COLUMN ... TYPE, marked so that alter-column-type does not report (or rewrite into the
 * online change) the rewrite this migration chose and says it does.
 */
function alter(t: Table, col: Column, type: string, using?: string): string {
  const c = ident(col.name);
  return `-- dbe-ignore alter-column-type\nALTER TABLE ${tableRef(t)} ALTER COLUMN ${c} TYPE ${type}${using ? ` USING ${using.split('$col').join(c)}` : ''};`;
}

/**
 * The fix that gives column `col` of `t` its new type: an edit in place where the column's type was
 * written in a file that has not run yet, else a new migration; undefined when neither is possible.
 */
export function columnTypeFix(ctx: SchemaContext, t: Table, col: Column, change: TypeChange): Fix | undefined {
  const files = ctx.files();
  const file = ctx.file(col.typeLoc.path);
  if (!file) return undefined;
  const loc = col.typeLoc;
  if (!isAppliedMigration(files, file)) {
    return { title: `Change the type to ${change.inPlace}`, edits: [{ path: loc.path, start: loc.start, end: loc.end, newText: change.inPlace }] };
  }
  const stmt = statementOf(ctx, loc);
  // a templated statement's names are masked: no SQL can be written from them
  if (!stmt || stmt.templated || col.array) return undefined;
  const all = [{ table: t, column: col }, ...(change.also ?? [])];
  // PostgreSQL refuses to change the type of a column a view uses: such a migration would only fail
  if (all.some((x) => usedByView(ctx, x.table, x.column))) return undefined;
  const names = all.map((x) => x.table.name);
  const tables = [...new Set(names)];
  const what = `${t.name}.${col.name}`;
  const rewrites = tables.length === 1
    ? `rewrites ${tables[0]} and rebuilds its indexes`
    : `rewrites ${tables.slice(0, -1).join(', ')} and ${tables[tables.length - 1]} and rebuilds their indexes`;
  const head = comment([
    `${what} becomes ${change.alterTo}. ALTER COLUMN ... TYPE ${rewrites} under an ACCESS EXCLUSIVE lock: reads and writes wait until it is done. On a large table run it in a maintenance window, or make the change online instead (add a new column, keep it in sync, backfill it in batches, switch over).`,
    ...change.values,
  ]);
  const up = [
    head,
    ...(change.extraUp ?? []),
    alter(t, col, change.alterTo, change.using),
    ...(change.also ?? []).map((a) => alter(a.table, a.column, a.alterTo)),
  ].join('\n');
  const down = [
    ...(change.also ?? []).map((a) => alter(a.table, a.column, a.downTo)).reverse(),
    alter(t, col, change.downTo, change.downUsing),
    ...(change.extraDown ?? []),
  ].join('\n');
  const placed = placeMigration(files, { title: `alter ${what} to ${change.alterTo}`, up, down, anchor: stmt });
  if (placed.mode !== 'new-file') return undefined;
  const name = migrationLabel(placed.path);
  return {
    title: `Change ${what} to ${change.alterTo} in a new migration ${name} (its migration has already run; this rewrites ${tables.join(', ')} under an ACCESS EXCLUSIVE lock)`,
    edits: placed.edits,
  };
}

/** A report's fixes: the one fix, or none. */
export function fixOf(f: Fix | undefined): Fix[] | undefined { return f ? [f] : undefined; }

const word = (name: string) => new RegExp(`(^|[^A-Za-z0-9_$])"?${name.replace(/[$]/g, '\\$&')}"?([^A-Za-z0-9_$]|$)`, 'i');

/** True when a view or materialized view may read the column (its text names the table, and the column or `*`). */
function usedByView(ctx: SchemaContext, t: Table, col: Column): boolean {
  for (const v of ctx.schema.tables.values()) {
    if (v.kind === 'table' || !v.definition) continue;
    if (word(t.name).test(v.definition) && (word(col.name).test(v.definition) || v.definition.includes('*'))) return true;
  }
  return false;
}
