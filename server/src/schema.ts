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
  /** MySQL / MariaDB facts (absent for PostgreSQL columns). */
  mysql?: MySqlColumn;
}

/** What a MySQL / MariaDB column has beyond the shared model (dialects/mysql/replay.ts). */
export interface MySqlColumn {
  /** The name as written (the column's key and `name` are lower-cased: MySQL compares column names case-insensitively). */
  name?: string;
  unsigned?: boolean;
  zerofill?: boolean;
  autoIncrement?: boolean;
  /** Display width of an integer type (`int(11)`): not a size limit. */
  displayWidth?: number;
  /** CHARACTER SET / COLLATE written on the column (lower-case). */
  charset?: string;
  collation?: string;
  /** ON UPDATE expression (`CURRENT_TIMESTAMP`), as written. */
  onUpdate?: string;
  /** The values of an ENUM or SET type. */
  enumValues?: string[];
  /** DEFAULT expression as written. */
  default?: string;
  comment?: string;
  /** Generated column: VIRTUAL or STORED (PERSISTENT is MariaDB's STORED). */
  generated?: 'virtual' | 'stored';
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
  /** NULLS FIRST / LAST of each key element as written ('' when default), aligned with columns. */
  nulls?: ('' | 'first' | 'last')[];
  /** Each key element as written in CREATE INDEX (`created_at DESC NULLS LAST`, `lower(email) text_pattern_ops`); absent for constraint indexes. */
  keyText?: string[];
  method: string;
  unique: boolean;
  /** Index backing a PRIMARY KEY or UNIQUE constraint. */
  constraint?: 'primary' | 'unique';
  /** Shape of the partial-index predicate, '' when none; predicateText is the source. */
  predicate: string;
  predicateText: string;
  include: string[];
  loc: Loc;
  /** MySQL / MariaDB facts (absent for PostgreSQL indexes). */
  mysql?: {
    /** Prefix length of each key element (`name(10)`), aligned with columns; undefined: the whole value. */
    prefix?: (number | undefined)[];
    /** Created by InnoDB for a FOREIGN KEY that had no usable index; dropped when another index can serve it. */
    forForeignKey?: boolean;
  };
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
  /**
   * True when the model does not know every column (a view over `*` or unnamed expressions, CREATE
   * TABLE AS, LIKE / INHERITS / PARTITION OF a relation it does not know, a foreign table): rules that
   * would say "no such column" stay silent.
   */
  columnsUnknown?: boolean;
  /** MySQL / MariaDB facts (absent for PostgreSQL tables). */
  mysql?: MySqlTable;
}

/** What a MySQL / MariaDB table has beyond the shared model (dialects/mysql/replay.ts). */
export interface MySqlTable {
  /** Storage engine as written (`InnoDB`, `MyISAM`); absent when the statement did not name one (the server default, InnoDB). */
  engine?: string;
  /** Default character set and collation of the table (lower-case). */
  charset?: string;
  collation?: string;
  /** Every table option as written (upper-case name -> value): ROW_FORMAT, AUTO_INCREMENT, COMMENT, ... */
  options?: Record<string, string>;
  /** TEMPORARY table. */
  temporary?: boolean;
}

/** A relation or column renamed by a replayed statement (for "did you mean" across a rename). */
export interface Rename {
  kind: 'relation' | 'column';
  /** The relation (renamed or owning the column); the object stays the same across later renames. */
  table: Table;
  from: string;
  to: string;
  /** Where the rename was written. */
  loc: Loc;
}

export function tableKey(schema: string | undefined, name: string): string {
  return `${schema ?? 'public'}.${name}`;
}

/**
 * The schema's indexes by key ("schema.name"), in creation order, which also files them by table and
 * counts their names, so that "the indexes of this table" and "is this index name taken" do not scan
 * every index (thousands of tables made that quadratic). It stays a Map: iteration order, get, set
 * and delete behave as before. Code that moves an index to another table (`ix.table = ...`) must
 * call `refile()` afterwards.
 */
export class IndexMap extends Map<string, Index> {
  /** table key -> (index key -> index), each in the map's own order. */
  private byTable: Map<string, Map<string, Index>> | undefined;
  /** index key -> the table and name it was filed under. */
  private filed: Map<string, { table: string; name: string }> | undefined;
  private names: Map<string, number> | undefined;

  private file(key: string, ix: Index): void {
    this.byTable ??= new Map(); this.filed ??= new Map(); this.names ??= new Map();
    let bucket = this.byTable.get(ix.table);
    if (!bucket) this.byTable.set(ix.table, bucket = new Map());
    bucket.set(key, ix);
    this.filed.set(key, { table: ix.table, name: ix.name });
    this.names.set(ix.name, (this.names.get(ix.name) ?? 0) + 1);
  }

  private unfile(key: string): void {
    const was = this.filed?.get(key);
    if (!was) return;
    this.filed!.delete(key);
    const bucket = this.byTable!.get(was.table);
    bucket?.delete(key);
    if (bucket && bucket.size === 0) this.byTable!.delete(was.table);
    const n = (this.names!.get(was.name) ?? 1) - 1;
    if (n > 0) this.names!.set(was.name, n); else this.names!.delete(was.name);
  }

  override set(key: string, ix: Index): this {
    const was = this.filed?.get(key);
    super.set(key, ix);
    if (was && was.table !== ix.table) {
      // the key keeps its place in the map: rebuild the filing so each table's order stays the map's
      this.refile();
    } else if (was) {
      // same table: the key keeps its place in the table's list too
      this.byTable!.get(was.table)!.set(key, ix);
      this.filed!.set(key, { table: ix.table, name: ix.name });
      const n = (this.names!.get(was.name) ?? 1) - 1;
      if (n > 0) this.names!.set(was.name, n); else this.names!.delete(was.name);
      this.names!.set(ix.name, (this.names!.get(ix.name) ?? 0) + 1);
    } else {
      this.file(key, ix);
    }
    return this;
  }

  override delete(key: string): boolean {
    this.unfile(key);
    return super.delete(key);
  }

  override clear(): void {
    super.clear();
    this.byTable = undefined; this.filed = undefined; this.names = undefined;
  }

  /** Files every index again (after indexes moved to another table, e.g. a renamed table). */
  refile(): void {
    this.byTable = undefined; this.filed = undefined; this.names = undefined;
    for (const [k, ix] of this) this.file(k, ix);
  }

  /** The indexes on a table (by its key), in the map's order. */
  ofTable(table: string): Index[] {
    const bucket = this.byTable?.get(table);
    return bucket ? [...bucket.values()] : [];
  }

  /** The keys of the indexes on a table, in the map's order. */
  keysOfTable(table: string): string[] {
    const bucket = this.byTable?.get(table);
    return bucket ? [...bucket.keys()] : [];
  }

  /** True when an index of that name exists (in any schema). */
  hasName(name: string): boolean {
    return (this.names?.get(name) ?? 0) > 0;
  }
}

export class Schema {
  readonly tables = new Map<string, Table>();
  readonly indexes = new IndexMap();
  /** Bumped on every change; cheap staleness checks for caches. */
  version = 0;
  /** Every rename replayed so far, in order. */
  readonly renames: Rename[] = [];
  /** Schemas (namespaces) created by a replayed CREATE SCHEMA. */
  readonly namespaces = new Set<string>();
  /** Keys of relations that are not tables or views in this model (sequences). */
  readonly otherRelations = new Set<string>();
  /**
   * Where the model may lack relations or columns: schema names in which a replayed statement could
   * have created something the replay did not follow (an extension's objects, dynamic SQL, a CREATE
   * SCHEMA with elements, a statement that did not parse), '*' for any schema. Rules that say "no
   * such name" stay silent there.
   */
  readonly gaps = new Set<string>();
  /** Names of functions whose body creates or alters relations (calling one opens a gap). */
  readonly ddlFunctions = new Set<string>();
  /** True once a replayed statement changed the search_path (unqualified names may then live anywhere). */
  searchPathChanged = false;

  /** Finds a table by (optional) schema and name; unqualified names try public, then any schema. */
  table(schema: string | undefined, name: string): Table | undefined {
    const exact = this.tables.get(tableKey(schema, name));
    if (exact || schema) return exact;
    for (const t of this.tables.values()) if (t.name === name) return t;
    return undefined;
  }

  indexesOf(t: Table): Index[] {
    return this.indexes.ofTable(t.key);
  }

  /** Index key for the map: schema-qualified like tables. */
  static indexKey(schema: string | undefined, name: string): string { return tableKey(schema, name); }
}
