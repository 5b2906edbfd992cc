import type { Column, Table } from '../../schema';
import { inMySqlFile, mySqlTypeFix } from '../../dialects/mysql/rules-util';
import { columnTypeFix, fixOf, type TypeChange } from './type-fix';
import { arraySuffix, matchCase, tableRef } from './util';
import type { Rule, SchemaContext } from '../types';

const NARROW: Record<string, string> = {
  int4: 'bigint', int2: 'bigint', serial: 'bigserial', serial4: 'bigserial', smallserial: 'bigserial', serial2: 'bigserial',
};

/** The wide type to write instead of a narrow integer type written as `typeText`. */
function widened(col: Column): string {
  const base = NARROW[col.type] ?? 'bigint';
  return matchCase(col.typeText, base) + arraySuffix(col.typeText);
}

/** Key columns whose values come from a sequence or identity, or the single column of a one-column key. */
function keyColumns(t: Table): Column[] {
  const cols = (t.primaryKey?.columns ?? []).map((c) => t.columns.get(c)).filter((c): c is Column => !!c);
  // a key column that references another table takes its width from that table's key (judged there)
  const referencing = new Set(t.foreignKeys.flatMap((fk) => fk.columns));
  if (cols.length === 1) return cols.filter((c) => !referencing.has(c.name));
  return cols.filter((c) => c.identity || /serial/.test(c.type));
}

export const rule: Rule = {
  meta: {
    id: 'int-primary-key',
    dialects: ['postgres', 'mysql'],
    title: '32-bit integer primary key',
    category: 'schema',
    severity: 'warning',
    principle: 'Data Modeling Principles: "Plan for scale from day one" (the persona\'s keys are `BIGSERIAL` / `BIGINT`).',
    rationale:
      'An integer (int4/serial) key runs out at 2,147,483,647 and a smallint key at 32,767. Busy tables reach that sooner than expected (sequences also skip values on rollbacks and retries), and then every insert fails. Widening the key later rewrites the table and every referencing foreign-key column under an exclusive lock; bigint costs four more bytes per row and removes the problem.',
    bad: 'CREATE TABLE orders (id serial PRIMARY KEY, total numeric(12,2));',
    good: 'CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric(12,2));',
    fixable: true,
    notes:
      'Checks the column of a one-column primary key, and in a composite key the columns fed by a sequence or identity (the other columns of a composite key usually reference another table, whose own key is where the width is decided). A key column that is also a foreign key (a one-to-one extension table) is not reported either: its width follows the referenced key. The fix rewrites the type where it was last written (serial/smallserial -> bigserial, int/integer/smallint -> bigint); widen the foreign-key columns that reference it too. Small lookup tables that can never grow past a few thousand rows may keep a narrow key: suppress the finding there. That edit is made only where the type has not run yet (one schema file, the newest migration). In an applied migration (every migration but the newest, in a project whose migrations follow a naming convention) the file is never edited: the fix writes a new migration that sets the key to bigint with `ALTER COLUMN ... TYPE bigint`, widens a serial column\'s sequence (`ALTER SEQUENCE ... AS bigint`, found with pg_get_serial_sequence; an identity column\'s sequence follows its column by itself) and the int or smallint foreign-key columns that reference the key, with a comment saying that it rewrites those tables under ACCESS EXCLUSIVE locks; its rollback narrows them again. No such migration is offered when a view uses the column (PostgreSQL refuses to change its type while a view depends on it: drop and recreate the view around the change). MySQL: TINYINT, SMALLINT, MEDIUMINT and INT keys with their signed or UNSIGNED limit (`INT UNSIGNED AUTO_INCREMENT` runs out at 4,294,967,295); the fix writes BIGINT (BIGINT UNSIGNED for an unsigned key) where the table has not been created yet, and none when a foreign key references the column (MySQL requires referencing columns of the same type) or in an applied migration.',
  },
  onSchema(ctx) {
    // columns copied by LIKE / INHERITS share the source's type location: report it once
    const seen = new Set<string>();
    for (const t of ctx.schema.tables.values()) {
      if (t.kind !== 'table' || t.partitionOf) continue;
      for (const col of keyColumns(t)) {
        if (!(col.type in NARROW) || col.array) continue;
        const wide = widened(col);
        const bits = col.type === 'int2' || col.type === 'smallserial' || col.type === 'serial2' ? '16' : '32';
        const at = `${col.typeLoc.path}:${col.typeLoc.start}`;
        if (seen.has(at)) continue;
        seen.add(at);
        if (inMySqlFile(ctx, col.typeLoc)) { reportMySql(ctx, t, col); continue; }
        ctx.report({
          loc: col.typeLoc,
          message: `Primary key ${t.name}.${col.name} is a ${bits}-bit ${col.typeText}, which overflows at ${bits === '16' ? '32,767' : '2,147,483,647'}; use ${wide.toLowerCase()}.`,
          fixes: fixOf(columnTypeFix(ctx, t, col, change(ctx, t, col, wide))),
        });
      }
    }
  },
};

// MySQL's integer types: bits, and the largest value signed / UNSIGNED
const MY_INT: Record<string, [number, string, string]> = {
  tinyint: [8, '127', '255'], smallint: [16, '32,767', '65,535'], mediumint: [24, '8,388,607', '16,777,215'],
  int: [32, '2,147,483,647', '4,294,967,295'], integer: [32, '2,147,483,647', '4,294,967,295'],
};

/**
 * MySQL: the limit depends on the type and UNSIGNED (INT UNSIGNED AUTO_INCREMENT runs out at
 * 4,294,967,295); the fix is BIGINT (UNSIGNED when the column was), in place where the table has not
 * been created yet, and only when no foreign key references the column (MySQL requires the
 * referencing columns to have the same type: the child's CREATE TABLE would then fail).
 */
function reportMySql(ctx: SchemaContext, t: Table, col: Column): void {
  const base = /^\s*(tinyint|smallint|mediumint|integer|int)\b/i.exec(col.typeText)?.[1];
  const spec = base ? MY_INT[base.toLowerCase()] : undefined;
  if (!base || !spec) return;
  const unsigned = !!col.mysql?.unsigned;
  const wide = matchCase(base, unsigned ? 'bigint unsigned' : 'bigint');
  const referenced = [...ctx.schema.tables.values()].some((o) => o.foreignKeys.some((fk) => fk.refTable === t.key && (fk.refColumns.length ? fk.refColumns : t.primaryKey?.columns ?? []).includes(col.name)));
  const auto = col.mysql?.autoIncrement ? ' AUTO_INCREMENT' : '';
  ctx.report({
    loc: col.typeLoc,
    message: `Primary key ${t.name}.${col.name} is a ${spec[0]}-bit ${col.typeText}${auto}, which runs out at ${unsigned ? spec[2] : spec[1]} (then every insert fails); use ${wide.toUpperCase()}${referenced ? ', and widen the foreign-key columns that reference it in the same change (MySQL requires them to have the same type)' : ''}.`,
    fixes: referenced || col.mysql?.zerofill ? undefined : fixOf(mySqlTypeFix(ctx, col, wide)),
  });
}

const SERIAL: Record<string, string> = { serial: 'integer', serial4: 'integer', smallserial: 'smallint', serial2: 'smallint' };

/** SQL string literal. */
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The change for a new migration: the key column to bigint, the sequence behind a serial column too
 * (an identity column's sequence follows its column by itself; a serial's stays integer and would
 * still run out at 2,147,483,647), and the narrow single-column foreign keys that reference the key.
 */
function change(ctx: SchemaContext, t: Table, col: Column, wide: string): TypeChange {
  const narrow = SERIAL[col.type] ?? col.typeText;
  const also: TypeChange['also'] = [];
  for (const other of ctx.schema.tables.values()) {
    if (other.kind !== 'table' || other.partitionOf) continue;
    for (const fk of other.foreignKeys) {
      const refCols = fk.refColumns.length ? fk.refColumns : t.primaryKey?.columns ?? [];
      if (fk.refTable !== t.key || fk.columns.length !== 1 || refCols.length !== 1 || refCols[0] !== col.name) continue;
      const c = other.columns.get(fk.columns[0]);
      if (!c || c.array || !['int4', 'int2'].includes(c.type)) continue;
      if (also.some((a) => a.table === other && a.column === c)) continue;
      also.push({ table: other, column: c, alterTo: 'bigint', downTo: c.typeText });
    }
  }
  const values = ['Every value fits: the change only widens.'];
  if (also.length) values.push(`The foreign-key columns that reference it are widened too (${also.map((a) => `${a.table.name}.${a.column.name}`).join(', ')}); each foreign key is checked again.`);
  const serial = col.type in SERIAL;
  if (serial) values.push('The sequence behind the serial column stays integer unless it is widened too (ALTER SEQUENCE ... AS bigint, below).');
  const seq = (type: string) => [
    'DO $$',
    `DECLARE seq text := pg_get_serial_sequence(${lit(tableRef(t))}, ${lit(col.name)});`,
    'BEGIN',
    `  IF seq IS NOT NULL THEN EXECUTE format('ALTER SEQUENCE %s AS ${type}', seq); END IF;`,
    'END $$;',
  ].join('\n');
  return {
    inPlace: wide, alterTo: 'bigint', downTo: narrow, values, also,
    extraUp: serial ? [seq('bigint')] : undefined,
    extraDown: serial ? [seq(narrow)] : undefined,
  };
}
