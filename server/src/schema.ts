// The workspace schema: what the project's migrations have built, replayed statement by statement.
import type { Loc } from './model';

export interface Column {
  name: string;
  /** Canonical type name (last name part, lowercase), e.g. int4, int8, serial, timestamptz, bpchar. */
  type: string;
  typeMods: number[];
  array: boolean;
  /** Type as written in the source. */
  typeText: string;
  notNull: boolean;
  hasDefault: boolean;
  identity: boolean;
  generated: boolean;
  loc: Loc;
  /** Where the current type was written (CREATE TABLE, ADD COLUMN or ALTER COLUMN TYPE). */
  typeLoc: Loc;
}

export interface Index {
  name: string;
  table: string;
  /** One entry per key element: the column name, or null for an expression. */
  columns: (string | null)[];
  /** Expression shapes (see ast.shape) aligned with columns; '' for plain columns. */
  exprs: string[];
  /** Operator classes aligned with columns ('' when default). */
  opclasses: string[];
  /** Descending key elements, aligned with columns (absent: all ascending, e.g. constraint indexes). */
  desc?: boolean[];
  method: string;
  unique: boolean;
  /** Index backing a PRIMARY KEY or UNIQUE constraint. */
  constraint?: 'primary' | 'unique';
  /** Shape of the partial-index predicate, '' when none; predicateText is the source. */
  predicate: string;
  predicateText: string;
  include: string[];
  loc: Loc;
}

export interface ForeignKey {
  name?: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  notValid: boolean;
  loc: Loc;
}

export interface Check { name?: string; text: string; loc: Loc }

export interface Table {
  /** "schema.name", lowercase unless quoted. */
  key: string;
  schema: string;
  name: string;
  columns: Map<string, Column>;
  primaryKey?: { name?: string; columns: string[]; loc: Loc };
  foreignKeys: ForeignKey[];
  checks: Check[];
  partitioned: boolean;
  partitionOf?: string;
  loc: Loc;
  /** Path of the file whose statement created the table (for "new table in this file" checks). */
  createdIn: string;
  kind: 'table' | 'view' | 'matview';
  /** Source text of the view's query (views only). */
  definition?: string;
}

export function tableKey(schema: string | undefined, name: string): string {
  return `${schema ?? 'public'}.${name}`;
}

export class Schema {
  readonly tables = new Map<string, Table>();
  readonly indexes = new Map<string, Index>();
  /** Bumped on every change; cheap staleness checks for caches. */
  version = 0;

  /** Finds a table by (optional) schema and name; unqualified names try public, then any schema. */
  table(schema: string | undefined, name: string): Table | undefined {
    const exact = this.tables.get(tableKey(schema, name));
    if (exact || schema) return exact;
    for (const t of this.tables.values()) if (t.name === name) return t;
    return undefined;
  }

  indexesOf(t: Table): Index[] {
    const out: Index[] = [];
    for (const ix of this.indexes.values()) if (ix.table === t.key) out.push(ix);
    return out;
  }

  /** Index key for the map: schema-qualified like tables. */
  static indexKey(schema: string | undefined, name: string): string { return tableKey(schema, name); }
}
