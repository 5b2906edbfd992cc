// Applies one MySQL / MariaDB statement's DDL (read by ddl.ts) to the workspace schema: the same model
// the PostgreSQL replay fills, so rules, hover, completion, the Schema view and the chat read both.
// What MySQL does by itself is modelled: InnoDB's index for a foreign key without one, the names it
// gives unnamed keys (first column, `_2`...) and foreign keys (`<table>_ibfk_N`), a dropped column
// leaving the indexes it was part of, a statement the server refuses (a table that exists, a key name
// taken) changing nothing. Names: keys are lower-case (MySQL compares column names, and on the usual
// lower_case_table_names settings table names, without case); a table keeps its name as written for
// display and fixes, a column its written name in `mysql.name`. Nothing here throws.
import type { Loc, Statement } from '../../model';
import { Schema, type Column, type ForeignKey, type Index, type Table } from '../../schema';
import {
  readMySqlDdl, type MyAlterAction, type MyColumnDef, type MyForeignKeyDef, type MyKeyDef, type MyName, type MySqlDdl,
} from './ddl';

/** The key of a table: `<database>.<name>`, lower-case; 'public' for the current database (unqualified names). */
export function mysqlTableKey(schema: Schema, name: MyName | { schema?: string; name: string }): string {
  return `${dbOf(schema, name.schema)}.${name.name.toLowerCase()}`;
}

/** The key of an index in Schema.indexes: MySQL index names are per table, so the table's key comes first. */
export function mysqlIndexKey(tableKey: string, indexName: string): string {
  return `${tableKey}.${indexName.toLowerCase()}`;
}

/** 'mysql' (8.x) or 'mariadb' (10.5 and later): where their DDL differs, the replay follows the one named. */
export type MySqlFlavor = 'mysql' | 'mariadb';

/** Per-schema replay state that is not part of the model: the current database, the procedures' DDL. */
interface State {
  /** Whose rules the replay follows where MySQL and MariaDB differ. */
  flavor: MySqlFlavor;
  /** USE db: qualified names in this database are the unqualified ones. */
  currentDb?: string;
  procedures: Map<string, { stmt: Statement; inner: Extract<MySqlDdl, { kind: 'routine' }> }>;
}
const states = new WeakMap<Schema, State>();
function state(schema: Schema): State {
  let s = states.get(schema);
  if (!s) states.set(schema, s = { flavor: 'mysql', procedures: new Map() });
  return s;
}

function dbOf(schema: Schema, db: string | undefined): string {
  if (db === undefined) return 'public';
  const cur = states.get(schema)?.currentDb;
  return cur !== undefined && cur.toLowerCase() === db.toLowerCase() ? 'public' : db.toLowerCase();
}

function loc(stmt: Statement, start: number, end: number): Loc {
  return { path: stmt.file.path, start: stmt.start + start, end: stmt.start + end };
}

function findTable(schema: Schema, n: MyName): Table | undefined {
  return schema.tables.get(mysqlTableKey(schema, n));
}

// ---- types ----------------------------------------------------------------------------------------

const INT_TYPES: Record<string, string> = {
  tinyint: 'int2', smallint: 'int2', mediumint: 'int4', int: 'int4', integer: 'int4', bigint: 'int8', int1: 'int2', int2: 'int2',
  int3: 'int4', int4: 'int4', int8: 'int8', middleint: 'int4',
};

const OTHER_TYPES: Record<string, string> = {
  'float': 'float4', 'double': 'float8', 'double precision': 'float8', 'real': 'float8', 'float4': 'float4', 'float8': 'float8',
  'decimal': 'numeric', 'numeric': 'numeric', 'dec': 'numeric', 'fixed': 'numeric',
  'varchar': 'varchar', 'character varying': 'varchar', 'char varying': 'varchar', 'nvarchar': 'varchar', 'national varchar': 'varchar',
  'nchar varchar': 'varchar', 'nchar varying': 'varchar', 'national char varying': 'varchar', 'varchar2': 'varchar', 'long varchar': 'text', 'long': 'text',
  'char': 'bpchar', 'character': 'bpchar', 'nchar': 'bpchar', 'national char': 'bpchar', 'national character': 'bpchar',
  'tinytext': 'text', 'text': 'text', 'mediumtext': 'text', 'longtext': 'text',
  'binary': 'bytea', 'varbinary': 'bytea', 'tinyblob': 'bytea', 'blob': 'bytea', 'mediumblob': 'bytea', 'longblob': 'bytea', 'long varbinary': 'bytea',
  // DATETIME is a wall-clock value (PostgreSQL's timestamp); TIMESTAMP is stored in UTC and converted
  // to and from the session's time zone: a point in time, as PostgreSQL's timestamptz
  'datetime': 'timestamp', 'timestamp': 'timestamptz', 'date': 'date', 'time': 'time', 'year': 'int2',
  'json': 'json', 'bool': 'bool', 'boolean': 'bool', 'bit': 'bit', 'uuid': 'uuid', 'enum': 'enum', 'set': 'set',
  'inet4': 'inet', 'inet6': 'inet', 'serial': 'int8',
};

/** The canonical type name and size modifiers the shared rules compare (see decision 0030). */
export function mysqlCanonicalType(d: Pick<MyColumnDef, 'baseType' | 'typeArgs'>): { type: string; typeMods: number[] } {
  const base = d.baseType;
  if (base in INT_TYPES) {
    // TINYINT(1) is how MySQL spells BOOLEAN (BOOL is an alias of it), and how tools map booleans
    if (base === 'tinyint' && d.typeArgs[0] === 1) return { type: 'bool', typeMods: [] };
    return { type: INT_TYPES[base], typeMods: [] };
  }
  if (base === 'float' && (d.typeArgs[0] ?? 0) > 24 && d.typeArgs.length === 1) return { type: 'float8', typeMods: [] };
  if (base === 'float' || base === 'double' || base === 'real' || base === 'double precision') return { type: OTHER_TYPES[base], typeMods: [] };
  const t = OTHER_TYPES[base];
  if (t === 'numeric') return { type: t, typeMods: d.typeArgs.length ? d.typeArgs : [10, 0] };
  if (t) return { type: t, typeMods: t === 'varchar' || t === 'bpchar' || t === 'bytea' || t === 'bit' || t === 'timestamp' || t === 'timestamptz' || t === 'time' ? d.typeArgs.slice(0, 1) : [] };
  return { type: base.replace(/\s+/g, '_') || 'unknown', typeMods: [] };
}

const INT_BITS: Record<string, number> = { tinyint: 8, int1: 8, smallint: 16, int2: 16, year: 16, mediumint: 24, int3: 24, middleint: 24, int: 32, integer: 32, int4: 32, bigint: 64, int8: 64, serial: 64 };

/**
 * The largest value a MySQL integer column holds (TINYINT 127, INT UNSIGNED 4,294,967,295, ...), from
 * its type as written: `type` says int2 / int4 / int8 for the shared rules, which is not MySQL's range
 * (TINYINT is 8 bits, MEDIUMINT 24, UNSIGNED doubles it). undefined for other types.
 */
export function mysqlIntegerMax(col: Pick<Column, 'typeText' | 'mysql'>): bigint | undefined {
  const base = /^\s*(\w+)/.exec(col.typeText)?.[1]?.toLowerCase();
  const bits = base === undefined ? undefined : INT_BITS[base];
  if (bits === undefined || base === 'year') return undefined;
  const unsigned = !!col.mysql?.unsigned || base === 'serial';
  return unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
}

function makeColumn(stmt: Statement, d: MyColumnDef): Column {
  const { type, typeMods } = mysqlCanonicalType(d);
  const lower = d.name.toLowerCase();
  const generated = !!d.generated || d.generatedExpr !== undefined;
  const mysql: NonNullable<Column['mysql']> = { name: d.name };
  if (d.unsigned) mysql.unsigned = true;
  if (d.zerofill) mysql.zerofill = true;
  if (d.autoIncrement) mysql.autoIncrement = true;
  if (INT_TYPES[d.baseType] && d.typeArgs.length) mysql.displayWidth = d.typeArgs[0];
  if (d.charset) mysql.charset = d.charset;
  if (d.collation) mysql.collation = d.collation;
  if (d.onUpdate) mysql.onUpdate = d.onUpdate;
  if (d.values) mysql.enumValues = d.values;
  if (d.default !== undefined) mysql.default = d.default;
  if (d.comment !== undefined) mysql.comment = d.comment;
  if (generated) mysql.generated = d.generated ?? 'virtual';
  return {
    name: lower,
    type,
    typeMods,
    array: false,
    typeText: d.typeText,
    notNull: d.notNull === true || !!d.primaryKey,
    hasDefault: d.default !== undefined || !!d.autoIncrement || generated,
    identity: !!d.autoIncrement,
    generated,
    loc: loc(stmt, d.start, d.end),
    typeLoc: loc(stmt, d.typeStart, d.typeEnd),
    mysql,
  };
}

// ---- indexes --------------------------------------------------------------------------------------

/** A free index name on the table: `base`, else `base_2`, `base_3`... (MySQL's choice for unnamed keys). */
function freeIndexName(schema: Schema, t: Table, base: string): string {
  const taken = (n: string) => schema.indexes.has(mysqlIndexKey(t.key, n));
  if (!taken(base)) return base;
  for (let k = 2; ; k++) if (!taken(`${base}_${k}`)) return `${base}_${k}`;
}

/** True when an index's leading columns are `cols`, in that order (what InnoDB needs for a foreign key). */
function serves(ix: Index, cols: (string | null)[]): boolean {
  if (ix.columns.length < cols.length) return false;
  if (ix.method === 'fulltext' || ix.method === 'spatial') return false;
  if (ix.mysql?.prefix?.slice(0, cols.length).some((p) => p !== undefined)) return false;
  return cols.every((c, i) => c !== null && ix.columns[i] === c);
}

/**
 * Adds an index; first drops the indexes the server made for a foreign key that the new one can
 * serve (it does so even after that foreign key was dropped: the index stays marked as its own).
 */
function putIndex(schema: Schema, t: Table, ix: Index): void {
  for (const other of schema.indexes.ofTable(t.key)) {
    if (other.mysql?.forForeignKey && serves(ix, other.columns)) schema.indexes.delete(mysqlIndexKey(t.key, other.name));
  }
  schema.indexes.set(mysqlIndexKey(t.key, ix.name), ix);
}

function addKey(schema: Schema, stmt: Statement, t: Table, key: MyKeyDef, fromDefinition: boolean): void {
  const columns = key.parts.map((p) => (p.column !== undefined ? p.column.toLowerCase() : null));
  if (!columns.length) return;
  // "Key column 'x' doesn't exist in table": the server refuses
  if (!t.columnsUnknown && columns.some((c) => c !== null && !t.columns.has(c))) return;
  if (key.kind === 'primary') {
    if (t.primaryKey) return; // "Multiple primary key defined": the server refuses
    const cols = columns.filter((c): c is string => c !== null);
    t.primaryKey = { name: 'PRIMARY', columns: cols, loc: loc(stmt, key.start, key.end) };
    for (const c of cols) { const col = t.columns.get(c); if (col) col.notNull = true; }
  }
  const name = key.kind === 'primary' ? 'PRIMARY' : key.name ?? freeIndexName(schema, t, columns[0] ?? 'functional_index');
  const ixKey = mysqlIndexKey(t.key, name);
  if (schema.indexes.has(ixKey)) return; // "Duplicate key name" (or IF NOT EXISTS)
  const prefix = key.parts.map((p) => p.length);
  const ix: Index = {
    name,
    table: t.key,
    columns,
    exprs: key.parts.map((p) => p.expr ?? ''),
    opclasses: columns.map(() => ''),
    desc: key.parts.map((p) => p.desc),
    ...(key.kind === 'primary' ? {} : { keyText: key.parts.map((p) => p.text) }),
    method: key.kind === 'fulltext' ? 'fulltext' : key.kind === 'spatial' ? 'spatial' : key.using === 'hash' ? 'hash' : key.using === 'rtree' ? 'spatial' : 'btree',
    unique: key.kind === 'primary' || key.kind === 'unique',
    ...(key.kind === 'primary' ? { constraint: 'primary' as const } : key.kind === 'unique' && fromDefinition ? { constraint: 'unique' as const } : {}),
    predicate: '',
    predicateText: '',
    include: [],
    loc: loc(stmt, key.start, key.end),
    ...(prefix.some((p) => p !== undefined) ? { mysql: { prefix } } : {}),
  };
  putIndex(schema, t, ix);
}

function nextFkName(t: Table): string {
  let n = 1;
  const base = `${t.name}_ibfk_`;
  for (const fk of t.foreignKeys) {
    const m = fk.name?.startsWith(base) ? /^\d+$/.exec(fk.name.slice(base.length)) : null;
    if (m) n = Math.max(n, Number(m[0]) + 1);
  }
  return `${base}${n}`;
}

function addForeignKey(schema: Schema, stmt: Statement, t: Table, fk: MyForeignKeyDef, start: number, end: number): void {
  const columns = fk.columns.map((c) => c.toLowerCase());
  if (!columns.length) return;
  // the constraint's name: CONSTRAINT symbol, else the index name written after FOREIGN KEY (MariaDB; MySQL 8 ignores it), else <table>_ibfk_N
  const name = fk.name ?? (state(schema).flavor === 'mariadb' ? fk.indexName : undefined) ?? nextFkName(t);
  if (t.foreignKeys.some((f) => f.name?.toLowerCase() === name.toLowerCase())) return;
  const refKey = mysqlTableKey(schema, fk.ref.table);
  const refColumns = fk.ref.columns.map((c) => c.toLowerCase());
  const entry: ForeignKey = { name, columns, refTable: refKey, refColumns, notValid: false, loc: loc(stmt, start, end) };
  t.foreignKeys.push(entry);
  // InnoDB needs an index whose leading columns are the foreign key's: it makes one when none exists.
  // Two foreign keys on the same columns in one statement: the server keeps the index of the last.
  const serving = schema.indexes.ofTable(t.key).filter((ix) => serves(ix, columns));
  const sameStatement = (ix: Index) => ix.mysql?.forForeignKey && ix.columns.length === columns.length && ix.loc.path === stmt.file.path && ix.loc.start >= stmt.start && ix.loc.end <= stmt.end;
  if (serving.length && !serving.every(sameStatement)) return;
  for (const ix of serving) schema.indexes.delete(mysqlIndexKey(t.key, ix.name));
  const ixName = fk.indexName ?? fk.name ?? freeIndexName(schema, t, columns[0]);
  const key = mysqlIndexKey(t.key, ixName);
  if (schema.indexes.has(key)) return;
  putIndex(schema, t, {
    name: ixName, table: t.key, columns, exprs: columns.map(() => ''), opclasses: columns.map(() => ''), desc: columns.map(() => false),
    method: 'btree', unique: false, predicate: '', predicateText: '', include: [], loc: loc(stmt, start, end), mysql: { forForeignKey: true },
  });
}

/**
 * The constraints written inline on a column definition: PRIMARY KEY and CHECK at once; UNIQUE and
 * REFERENCES are returned, to be applied after the statement's other keys (InnoDB looks for an index
 * for a foreign key among all of them).
 */
function columnConstraints(schema: Schema, stmt: Statement, t: Table, d: MyColumnDef): { unique?: () => void; fk?: () => void } {
  const col = d.name;
  const part = [{ column: col, desc: false, text: col }];
  if (d.primaryKey) addKey(schema, stmt, t, { kind: 'primary', parts: part, start: d.start, end: d.end }, true);
  for (const ck of d.checks) t.checks.push({ name: ck.name, text: ck.text, loc: loc(stmt, ck.start, ck.end) });
  const out: { unique?: () => void; fk?: () => void } = {};
  if (d.unique) out.unique = () => addKey(schema, stmt, t, { kind: 'unique', parts: part, start: d.start, end: d.end }, true);
  // MariaDB (10.5 and later) makes a foreign key of an inline REFERENCES; MySQL 8 parses and ignores it.
  // Modelled as a key for both: a reference the model knows can silence a finding, never cause one.
  const r = d.references;
  if (r) out.fk = () => addForeignKey(schema, stmt, t, { columns: [col], ref: r, start: d.start, end: d.end }, d.start, d.end);
  return out;
}

function placeColumn(t: Table, col: Column, d: MyColumnDef, replacing?: string): void {
  if (!d.first && d.after === undefined) {
    // at the end (ADD) or in the same place (MODIFY, CHANGE after the rename kept the key's place)
    if (replacing === undefined || replacing === col.name) { t.columns.set(col.name, col); return; }
  }
  const entries = [...t.columns.entries()].filter(([k]) => k !== col.name && k !== replacing);
  let at = entries.length;
  if (d.first) at = 0;
  else if (d.after !== undefined) { const i = entries.findIndex(([k]) => k === d.after!.toLowerCase()); if (i >= 0) at = i + 1; }
  else if (replacing !== undefined) {
    const i = [...t.columns.keys()].indexOf(replacing);
    if (i >= 0) at = [...t.columns.keys()].slice(0, i).filter((k) => k !== col.name).length;
  }
  entries.splice(at, 0, [col.name, col]);
  t.columns.clear();
  for (const [k, v] of entries) t.columns.set(k, v);
}

// ---- statements -----------------------------------------------------------------------------------

function newTable(schema: Schema, stmt: Statement, n: MyName, kind: Table['kind']): Table {
  return {
    key: mysqlTableKey(schema, n), schema: dbOf(schema, n.schema), name: n.name, columns: new Map(), foreignKeys: [], checks: [], partitioned: false,
    loc: loc(stmt, n.start, n.end), createdIn: stmt.file.path, kind,
  };
}

function dropTable(schema: Schema, key: string): void {
  if (!schema.tables.delete(key)) return;
  for (const k of schema.indexes.keysOfTable(key)) schema.indexes.delete(k);
}

function applyOptions(t: Table, options: Record<string, string>): void {
  if (!Object.keys(options).length) return;
  const my = (t.mysql ??= {});
  my.options = { ...my.options, ...options };
  if (options.ENGINE !== undefined) my.engine = options.ENGINE;
  if (options.CHARSET !== undefined) { my.charset = options.CHARSET.toLowerCase(); if (options.COLLATE === undefined) delete my.collation; }
  if (options.COLLATE !== undefined) my.collation = options.COLLATE.toLowerCase();
}

function createTable(schema: Schema, stmt: Statement, d: Extract<MySqlDdl, { kind: 'create-table' }>): void {
  const key = mysqlTableKey(schema, d.table);
  if (schema.tables.has(key)) {
    if (!d.orReplace) return; // IF NOT EXISTS, or "Table already exists": nothing changes
    dropTable(schema, key);
  }
  const t = newTable(schema, stmt, d.table, 'table');
  if (d.temporary) t.mysql = { temporary: true };
  if (d.like) {
    const src = findTable(schema, d.like);
    if (!src) { t.columnsUnknown = true; schema.tables.set(key, t); return; }
    for (const c of src.columns.values()) t.columns.set(c.name, { ...c, ...(c.mysql ? { mysql: { ...c.mysql } } : {}) });
    if (src.primaryKey) t.primaryKey = { ...src.primaryKey, columns: [...src.primaryKey.columns] };
    t.checks = src.checks.map((c) => ({ ...c }));
    t.partitioned = src.partitioned;
    if (src.columnsUnknown) t.columnsUnknown = true;
    if (src.mysql) t.mysql = { ...src.mysql, ...(src.mysql.options ? { options: { ...src.mysql.options } } : {}), ...(d.temporary ? { temporary: true } : {}) };
    schema.tables.set(key, t);
    // LIKE copies the indexes (an index made for a foreign key becomes a plain one), not the foreign keys
    for (const ix of schema.indexes.ofTable(src.key)) {
      const copy: Index = { ...ix, table: key, columns: [...ix.columns] };
      if (copy.mysql?.forForeignKey) { const { forForeignKey: _drop, ...rest } = copy.mysql; copy.mysql = Object.keys(rest).length ? rest : undefined; }
      schema.indexes.set(mysqlIndexKey(key, ix.name), copy);
    }
    return;
  }
  schema.tables.set(key, t);
  const uniques: (() => void)[] = [];
  const fks = new Map<object, () => void>();
  for (const el of d.elements) {
    if (el.kind === 'column') {
      const col = makeColumn(stmt, el.column);
      if (t.columns.has(col.name)) continue;
      t.columns.set(col.name, col);
      const k = columnConstraints(schema, stmt, t, el.column);
      if (k.unique) uniques.push(k.unique);
      if (k.fk) fks.set(el, k.fk);
    }
  }
  // keys after the columns (a key may name a column defined after it), the primary key first; foreign
  // keys last, in the order written, so that InnoDB's "is there an index for it" sees every index
  const keys = d.elements.flatMap((e) => (e.kind === 'key' ? [e.key] : []));
  for (const k of keys) if (k.kind === 'primary') addKey(schema, stmt, t, k, true);
  for (const f of uniques) f();
  for (const k of keys) if (k.kind !== 'primary') addKey(schema, stmt, t, k, true);
  for (const el of d.elements) {
    if (el.kind === 'check') t.checks.push({ name: el.check.name, text: el.check.text, loc: loc(stmt, el.check.start, el.check.end) });
    if (el.kind === 'foreign') addForeignKey(schema, stmt, t, el.fk, el.fk.start, el.fk.end);
    fks.get(el)?.();
  }
  applyOptions(t, d.options);
  if (d.partitioned) t.partitioned = true;
  if (d.incomplete) t.columnsUnknown = true;
  if (d.select) {
    // CREATE TABLE ... SELECT: the query's columns follow the defined ones, their types unknown here
    // a plain column of the query's one table keeps its type and NOT NULL (not its default or AUTO_INCREMENT)
    const src = d.select.from && findTable(schema, d.select.from);
    (d.select.columns ?? []).forEach((name, i) => {
      const lower = name.toLowerCase();
      if (t.columns.has(lower)) return;
      const from = src && d.select!.sources?.[i] !== undefined ? src.columns.get(d.select!.sources[i]!.toLowerCase()) : undefined;
      if (from && from.type !== 'unknown') {
        const { autoIncrement: _ai, default: _d, onUpdate: _u, generated: _g, ...facts } = from.mysql ?? {};
        t.columns.set(lower, {
          ...from, name: lower, typeMods: [...from.typeMods], hasDefault: false, identity: false, generated: false, loc: t.loc, mysql: { ...facts, name },
        });
        return;
      }
      t.columns.set(lower, {
        name: lower, type: 'unknown', typeMods: [], array: false, typeText: '', notNull: false, hasDefault: false, identity: false, generated: false,
        loc: t.loc, typeLoc: t.loc, mysql: { name },
      });
    });
    if (!d.select.columns) t.columnsUnknown = true;
  }
}

function removeColumnEverywhere(schema: Schema, t: Table, name: string): void {
  t.columns.delete(name);
  // MySQL removes the column from the indexes it is part of, and drops an index left with none
  for (const k of schema.indexes.keysOfTable(t.key)) {
    const ix = schema.indexes.get(k)!;
    const i = ix.columns.indexOf(name);
    if (i < 0) continue;
    const keep = ix.columns.map((_, j) => j !== i);
    const cols = ix.columns.filter((_, j) => keep[j]);
    if (!cols.length) { schema.indexes.delete(k); continue; }
    const pick = <T>(a: T[] | undefined) => a?.filter((_, j) => keep[j]);
    schema.indexes.set(k, {
      ...ix, columns: cols, exprs: pick(ix.exprs)!, opclasses: pick(ix.opclasses)!, desc: pick(ix.desc), keyText: pick(ix.keyText),
      ...(ix.mysql ? { mysql: { ...ix.mysql, prefix: pick(ix.mysql.prefix) } } : {}),
    });
  }
  if (t.primaryKey?.columns.includes(name)) {
    const cols = t.primaryKey.columns.filter((c) => c !== name);
    t.primaryKey = cols.length ? { ...t.primaryKey, columns: cols } : undefined;
  }
  t.foreignKeys = t.foreignKeys.filter((fk) => !fk.columns.includes(name));
}

function renameColumn(schema: Schema, stmt: Statement, t: Table, from: string, to: string): void {
  const f = from.toLowerCase(), n = to.toLowerCase();
  const col = t.columns.get(f);
  if (!col) return;
  if (f !== n) schema.renames.push({ kind: 'column', table: t, from: f, to: n, loc: { path: stmt.file.path, start: stmt.start, end: stmt.end } });
  const entries = [...t.columns.entries()].map(([k, v]) => (k === f ? [n, v] : [k, v]) as [string, Column]);
  col.name = n;
  col.mysql = { ...col.mysql, name: to };
  t.columns.clear();
  for (const [k, v] of entries) t.columns.set(k, v);
  if (f === n) return;
  const swap = <T extends string | null>(list: T[]) => list.map((c) => (c === f ? n : c)) as T[];
  for (const ix of schema.indexes.ofTable(t.key)) {
    if (ix.keyText) ix.keyText = ix.keyText.map((k, i) => (ix.columns[i] === f ? k.replace(/^(`(?:[^`]|``)*`|[^\s(]+)/, to) : k));
    ix.columns = swap(ix.columns);
  }
  for (const fk of t.foreignKeys) fk.columns = swap(fk.columns);
  if (t.primaryKey) t.primaryKey.columns = swap(t.primaryKey.columns);
  for (const other of schema.tables.values()) for (const fk of other.foreignKeys) if (fk.refTable === t.key) fk.refColumns = swap(fk.refColumns);
}

function renameTable(schema: Schema, stmt: Statement, t: Table, to: MyName): boolean {
  const newKey = mysqlTableKey(schema, to);
  if (newKey === t.key && t.name === to.name) return true;
  if (newKey !== t.key && schema.tables.has(newKey)) return false; // the server refuses
  const oldKey = t.key;
  const oldName = t.name;
  schema.renames.push({ kind: 'relation', table: t, from: t.name, to: to.name, loc: { path: stmt.file.path, start: stmt.start, end: stmt.end } });
  schema.tables.delete(oldKey);
  t.name = to.name;
  t.key = newKey;
  t.schema = dbOf(schema, to.schema);
  schema.tables.set(newKey, t);
  for (const k of schema.indexes.keysOfTable(oldKey)) {
    const ix = schema.indexes.get(k)!;
    schema.indexes.delete(k);
    ix.table = newKey;
    schema.indexes.set(mysqlIndexKey(newKey, ix.name), ix);
  }
  for (const other of schema.tables.values()) for (const fk of other.foreignKeys) if (fk.refTable === oldKey) fk.refTable = newKey;
  // foreign keys named by the server (<table>_ibfk_N) take the new table name
  const generated = new RegExp(`^${oldName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_ibfk_(\\d+)$`, 'i');
  for (const fk of t.foreignKeys) { const m = fk.name && generated.exec(fk.name); if (m) fk.name = `${t.name}_ibfk_${m[1]}`; }
  return true;
}

/** True when dropping this index would leave a foreign key of the table without an index (the server refuses). */
function neededByForeignKey(schema: Schema, t: Table, ix: Index): boolean {
  const others = schema.indexes.ofTable(t.key).filter((o) => o !== ix);
  return t.foreignKeys.some((fk) => serves(ix, fk.columns) && !others.some((o) => serves(o, fk.columns)));
}

function alterTable(schema: Schema, stmt: Statement, d: Extract<MySqlDdl, { kind: 'alter-table' }>): void {
  let t = findTable(schema, d.table);
  if (!t) return;
  for (const a of d.actions) {
    try {
      t = alterAction(schema, stmt, t, a) ?? t;
    } catch (e) {
      // one odd action changes nothing; the others still apply
      replayFaults.count++;
      replayFaults.last = `${stmt.file.path}:${stmt.start}: ${(e as Error)?.message ?? e}`;
    }
  }
}

function alterAction(schema: Schema, stmt: Statement, t: Table, a: MyAlterAction): Table | undefined {
  switch (a.kind) {
    case 'add-columns': {
      const later: (() => void)[] = [];
      const fks: (() => void)[] = [];
      for (const d of a.columns) {
        const col = makeColumn(stmt, d);
        if (t.columns.has(col.name)) continue; // IF NOT EXISTS, or "Duplicate column name"
        placeColumn(t, col, d);
        const k = columnConstraints(schema, stmt, t, d);
        if (k.unique) later.push(k.unique);
        if (k.fk) fks.push(k.fk);
      }
      for (const f of [...later, ...fks]) f();
      break;
    }
    case 'add-key': addKey(schema, stmt, t, a.key, true); break;
    case 'add-foreign': addForeignKey(schema, stmt, t, a.fk, a.fk.start, a.fk.end); break;
    case 'add-check': t.checks.push({ name: a.check.name, text: a.check.text, loc: loc(stmt, a.check.start, a.check.end) }); break;
    case 'drop-column': {
      const n = a.name.toLowerCase();
      // "needed in a foreign key constraint": the server refuses to drop a column of a foreign key
      if (t.foreignKeys.some((fk) => fk.columns.includes(n))) break;
      removeColumnEverywhere(schema, t, n);
      break;
    }
    case 'drop-index': dropIndex(schema, t, a.name); break;
    case 'drop-primary': dropIndex(schema, t, 'PRIMARY'); break;
    case 'drop-foreign': dropForeignKey(schema, t, a.name); break;
    case 'drop-check': t.checks = t.checks.filter((c) => c.name?.toLowerCase() !== a.name.toLowerCase()); break;
    case 'drop-constraint': {
      const n = a.name.toLowerCase();
      if (t.foreignKeys.some((f) => f.name?.toLowerCase() === n)) dropForeignKey(schema, t, a.name);
      else if (t.checks.some((c) => c.name?.toLowerCase() === n)) t.checks = t.checks.filter((c) => c.name?.toLowerCase() !== n);
      else dropIndex(schema, t, a.name);
      break;
    }
    case 'modify': case 'change': {
      const from = (a.kind === 'change' ? a.from : a.column.name).toLowerCase();
      const old = t.columns.get(from);
      if (!old) break;
      const col = makeColumn(stmt, a.column);
      if (col.name !== from && t.columns.has(col.name)) break; // "Duplicate column name"
      // the key columns stay NOT NULL (MySQL keeps a primary key column NOT NULL whatever is written)
      if (t.primaryKey?.columns.includes(from)) col.notNull = true;
      if (col.name !== from) renameColumn(schema, stmt, t, from, a.column.name);
      col.mysql = { ...col.mysql, name: a.column.name };
      placeColumn(t, col, a.column, col.name);
      const k = columnConstraints(schema, stmt, t, a.column);
      k.unique?.();
      k.fk?.();
      break;
    }
    case 'rename-column': renameColumn(schema, stmt, t, a.from, a.to); break;
    case 'rename-table': renameTable(schema, stmt, t, a.to); break;
    case 'rename-index': {
      const k = mysqlIndexKey(t.key, a.from);
      const ix = schema.indexes.get(k);
      if (!ix || schema.indexes.has(mysqlIndexKey(t.key, a.to))) break;
      schema.indexes.delete(k);
      ix.name = a.to;
      schema.indexes.set(mysqlIndexKey(t.key, a.to), ix);
      break;
    }
    case 'set-default': case 'drop-default': {
      const col = t.columns.get(a.column.toLowerCase());
      if (!col) break;
      const my = (col.mysql ??= {});
      if (a.kind === 'set-default') { col.hasDefault = true; my.default = a.default; }
      else { delete my.default; col.hasDefault = !!my.autoIncrement || col.generated; }
      break;
    }
    case 'convert-charset': {
      const my = (t.mysql ??= {});
      my.charset = a.charset;
      if (a.collation) my.collation = a.collation; else delete my.collation;
      for (const col of t.columns.values()) {
        if (!/^(varchar|bpchar|text|enum|set)$/.test(col.type) && !/char|text/i.test(col.typeText)) continue;
        if (/binary|blob/i.test(col.typeText)) continue;
        const cm = (col.mysql ??= {});
        cm.charset = a.charset;
        if (a.collation) cm.collation = a.collation; else delete cm.collation;
      }
      break;
    }
    case 'options': applyOptions(t, a.options); break;
    case 'partition': if (/^PARTITION\s+BY\b/i.test(a.text)) t.partitioned = true; else if (a.removes) t.partitioned = false; break;
    case 'other': break;
  }
  return t;
}

function dropIndex(schema: Schema, t: Table, name: string): void {
  const k = mysqlIndexKey(t.key, name);
  const ix = schema.indexes.get(k);
  if (!ix) return;
  if (neededByForeignKey(schema, t, ix)) return; // "needed in a foreign key constraint"
  schema.indexes.delete(k);
  if (ix.constraint === 'primary') t.primaryKey = undefined;
}

function dropForeignKey(schema: Schema, t: Table, name: string): void {
  const n = name.toLowerCase();
  const fk = t.foreignKeys.find((f) => f.name?.toLowerCase() === n);
  if (!fk) return;
  // the index the server made for it stays (still marked as made for a foreign key)
  t.foreignKeys = t.foreignKeys.filter((f) => f !== fk);
}

function createIndex(schema: Schema, stmt: Statement, d: Extract<MySqlDdl, { kind: 'create-index' }>): void {
  const t = findTable(schema, d.table);
  if (!t) return;
  if (d.orReplace && d.key.name) schema.indexes.delete(mysqlIndexKey(t.key, d.key.name));
  addKey(schema, stmt, t, { ...d.key, start: 0, end: stmt.text.length }, false);
}

function createView(schema: Schema, stmt: Statement, d: Extract<MySqlDdl, { kind: 'create-view' }>): void {
  const key = mysqlTableKey(schema, d.view);
  const old = schema.tables.get(key);
  if (old && ((!d.orReplace && !d.alter) || old.kind !== 'view')) return; // exists: the server refuses
  if (!old && d.alter) return;
  dropTable(schema, key);
  const t = newTable(schema, stmt, d.view, 'view');
  t.definition = d.definition;
  const names = d.columnNames ?? d.selectColumns ?? d.someColumns;
  if (!d.columnNames && !d.selectColumns) t.columnsUnknown = true;
  for (const name of names) {
    const lower = name.toLowerCase();
    if (t.columns.has(lower)) continue;
    t.columns.set(lower, {
      name: lower, type: 'unknown', typeMods: [], array: false, typeText: '', notNull: false, hasDefault: false, identity: false, generated: false,
      loc: t.loc, typeLoc: t.loc, mysql: { name },
    });
  }
  schema.tables.set(key, t);
}

/** DDL that creates or changes relations, in dynamic SQL text. */
const DYNAMIC_DDL = /\b(create|alter|drop|rename)\s+(or\s+replace\s+)?(temporary\s+)?(table|view|index|unique|fulltext|spatial)\b/i;

function apply(schema: Schema, stmt: Statement, d: MySqlDdl): void {
  switch (d.kind) {
    case 'create-table': createTable(schema, stmt, d); break;
    case 'alter-table': alterTable(schema, stmt, d); break;
    case 'drop-table':
      for (const n of d.tables) { const t = findTable(schema, n); if (t && t.kind === 'table') dropTable(schema, t.key); }
      break;
    case 'rename-table':
      // RENAME TABLE a TO b, b TO c: in order, each seeing the previous (a swap through a temporary name works)
      for (const p of d.pairs) { const t = findTable(schema, p.from); if (t) renameTable(schema, stmt, t, p.to); }
      break;
    case 'create-index': createIndex(schema, stmt, d); break;
    case 'drop-index': {
      const t = d.table && findTable(schema, d.table);
      if (t) dropIndex(schema, t, d.name);
      break;
    }
    case 'create-view': createView(schema, stmt, d); break;
    case 'drop-view':
      for (const n of d.views) { const t = findTable(schema, n); if (t && t.kind === 'view') dropTable(schema, t.key); }
      break;
    case 'truncate': break;
    case 'routine': {
      const name = d.name?.name.toLowerCase();
      if (d.what === 'block') {
        // BEGIN NOT ATOMIC ... END runs at once: its DDL is replayed as if every branch ran
        for (const inner of d.inner) apply(schema, { ...stmt, start: stmt.start }, inner.ddl);
        if (d.dynamic && DYNAMIC_DDL.test(stmt.text)) schema.gaps.add('*');
      } else if (d.what === 'procedure' && name) {
        state(schema).procedures.set(name, { stmt, inner: d });
        if (d.inner.length || d.dynamic) schema.ddlFunctions.add(name);
      } else if (d.what === 'event' && (d.inner.length || d.dynamic)) {
        // an event runs later, on its schedule: what it changes is not known at any point of the replay
        schema.gaps.add('*');
      }
      break;
    }
    case 'drop-routine':
      // a CALL after DROP PROCEDURE fails on the server: nothing to replay then
      if (d.what === 'procedure') state(schema).procedures.delete(d.name.name.toLowerCase());
      break;
    case 'call': {
      const p = state(schema).procedures.get(d.name.name.toLowerCase());
      if (!p) break;
      // the procedure's DDL runs now; locations point into its body, where it was written
      for (const inner of p.inner.inner) apply(schema, p.stmt, inner.ddl);
      if (p.inner.dynamic) schema.gaps.add('*');
      break;
    }
    case 'dynamic':
      if (d.what === 'prepare' && (DYNAMIC_DDL.test(stmt.text) || /\bfrom\s+@/i.test(stmt.text))) schema.gaps.add('*');
      break;
    case 'create-database': schema.namespaces.add(d.name.toLowerCase()); break;
    case 'drop-database': {
      const db = dbOf(schema, d.name);
      for (const t of [...schema.tables.values()]) if (t.schema === db) dropTable(schema, t.key);
      break;
    }
    case 'use': state(schema).currentDb = d.name; break;
  }
}

/**
 * The text with the executable comments the server would not run masked by spaces (offsets kept):
 * `/*!NNNNN ... *\/` runs on MySQL from version NNNNN (taken as 8.4 here); MariaDB runs the 5-digit
 * ones below 50700 (MySQL 5.7's are MySQL-only) and the 6-digit ones up to its own version (taken as
 * 11.8), and `/*M!...` is MariaDB's alone. lex.ts reads every one as code.
 */
export function versionedCommentsFor(text: string, flavor: MySqlFlavor): string {
  if (!text.includes('/*')) return text;
  return text.replace(/\/\*(M?)!(\d*)([\s\S]*?)\*\//g, (all, m: string, digits: string) => {
    const v = Number(digits || 0);
    const runs = flavor === 'mariadb'
      ? !digits || (digits.length === 5 ? v < 50700 : digits.length === 6 ? v <= 110899 : true)
      : !m && (!digits || digits.length !== 5 || v <= 80499);
    return runs ? all : all.replace(/[^\n\r]/g, ' ');
  });
}

/** Reads one statement's DDL, or undefined (see ddl.ts readMySqlDdl); re-exported for callers of the replay. */
export { readMySqlDdl };

/** Same contract as replay.ts applyStatement, for a statement of a MySQL file: changes `schema` as the server would; never throws. */
export function applyMySqlStatement(schema: Schema, stmt: Statement, flavor?: MySqlFlavor): void {
  try {
    if (flavor) state(schema).flavor = flavor;
    const d = readMySqlDdl(versionedCommentsFor(stmt.text, state(schema).flavor));
    if (!d) {
      // a CREATE / ALTER of a table or view the reader could not follow may have made anything
      if (/^\s*(create|alter)\s+(or\s+replace\s+)?(temporary\s+)?(table|view)\b/i.test(stmt.text)) schema.gaps.add('*');
      return;
    }
    apply(schema, stmt, d);
    schema.version++;
  } catch (e) {
    // a statement whose shape we did not expect changes nothing; analysis goes on (counted for tests)
    replayFaults.count++;
    replayFaults.last = `${stmt.file.path}:${stmt.start}: ${(e as Error)?.message ?? e}`;
  }
}

/** Exceptions the replay caught and ignored (none expected: the corpus test checks it). */
export const replayFaults: { count: number; last?: string } = { count: 0 };
