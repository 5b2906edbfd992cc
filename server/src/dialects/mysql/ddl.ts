// Reads MySQL / MariaDB DDL from the tokens of lex.ts into a typed description: what a statement
// creates, changes or drops, with UTF-16 offsets into the statement's text. It is tolerant by design:
// a clause it does not know is skipped to the next top-level comma (or the end of the element), and
// nothing here throws; a statement that is not DDL gives undefined. replay.ts applies the result to
// the schema model.
import { lex, type MyToken } from './lex';

/** A possibly qualified name (`db`.`t`); offsets of the whole name. */
export interface MyName { schema?: string; name: string; start: number; end: number }

export interface MyReference {
  table: MyName;
  columns: string[];
  onDelete?: string;
  onUpdate?: string;
}

export interface MyColumnDef {
  name: string;
  start: number;
  end: number;
  /** The type as written (`int(10) unsigned`, `enum('a','b')`, `varchar(255)`): name, arguments and UNSIGNED / ZEROFILL. */
  typeText: string;
  typeStart: number;
  typeEnd: number;
  /** The type's name, lower-case, words joined by one space (`int`, `double precision`, `varchar`). */
  baseType: string;
  /** Numeric arguments of the type (`decimal(10,2)` -> [10, 2]). */
  typeArgs: number[];
  /** String arguments (ENUM / SET values). */
  values?: string[];
  unsigned?: boolean;
  zerofill?: boolean;
  /** true for NOT NULL, false for NULL written, undefined when neither. */
  notNull?: boolean;
  /** DEFAULT expression as written. */
  default?: string;
  autoIncrement?: boolean;
  onUpdate?: string;
  comment?: string;
  charset?: string;
  collation?: string;
  generated?: 'virtual' | 'stored';
  generatedExpr?: string;
  primaryKey?: boolean;
  unique?: boolean;
  references?: MyReference;
  checks: { name?: string; text: string; start: number; end: number }[];
  /** ALTER TABLE position. */
  first?: boolean;
  after?: string;
}

export interface MyKeyPart {
  /** The column, or undefined for an expression part (`(lower(x))`). */
  column?: string;
  expr?: string;
  /** Prefix length (`name(10)`). */
  length?: number;
  desc: boolean;
  text: string;
}

export type MyKeyKind = 'primary' | 'unique' | 'index' | 'fulltext' | 'spatial';

export interface MyKeyDef {
  kind: MyKeyKind;
  /** The index name (for UNIQUE / PRIMARY also the CONSTRAINT symbol when no index name is written). */
  name?: string;
  parts: MyKeyPart[];
  /** USING BTREE / HASH / RTREE, lower-case. */
  using?: string;
  ifNotExists?: boolean;
  start: number;
  end: number;
}

export interface MyForeignKeyDef {
  /** CONSTRAINT symbol. */
  name?: string;
  /** The index name written after FOREIGN KEY. */
  indexName?: string;
  columns: string[];
  ref: MyReference;
  ifNotExists?: boolean;
  start: number;
  end: number;
}

export interface MyCheckDef { name?: string; text: string; start: number; end: number }

export type MyTableElement =
  | { kind: 'column'; column: MyColumnDef }
  | { kind: 'key'; key: MyKeyDef }
  | { kind: 'foreign'; fk: MyForeignKeyDef }
  | { kind: 'check'; check: MyCheckDef }
  | { kind: 'like'; table: MyName };

export type MyAlterAction =
  | { kind: 'add-columns'; columns: MyColumnDef[]; ifNotExists?: boolean }
  | { kind: 'add-key'; key: MyKeyDef }
  | { kind: 'add-foreign'; fk: MyForeignKeyDef }
  | { kind: 'add-check'; check: MyCheckDef }
  | { kind: 'drop-column'; name: string; ifExists?: boolean }
  | { kind: 'drop-index'; name: string; ifExists?: boolean }
  | { kind: 'drop-primary' }
  | { kind: 'drop-foreign'; name: string; ifExists?: boolean }
  | { kind: 'drop-constraint'; name: string; ifExists?: boolean }
  | { kind: 'drop-check'; name: string; ifExists?: boolean }
  | { kind: 'modify'; column: MyColumnDef; ifExists?: boolean }
  | { kind: 'change'; from: string; column: MyColumnDef; ifExists?: boolean }
  | { kind: 'rename-column'; from: string; to: string; ifExists?: boolean }
  | { kind: 'rename-table'; to: MyName }
  | { kind: 'rename-index'; from: string; to: string }
  | { kind: 'set-default'; column: string; default: string }
  | { kind: 'drop-default'; column: string }
  | { kind: 'convert-charset'; charset: string; collation?: string }
  /** Table options (ENGINE=, DEFAULT CHARSET=, COMMENT=, ...) and ALGORITHM= / LOCK=; upper-case names. */
  | { kind: 'options'; options: Record<string, string> }
  /** PARTITION BY, ADD / DROP / REORGANIZE PARTITION, REMOVE PARTITIONING, ... */
  | { kind: 'partition'; text: string; removes: boolean }
  | { kind: 'other'; text: string; start: number; end: number };

/** One statement inside a compound statement's body (a procedure, an event, BEGIN NOT ATOMIC). */
export interface MyInner { start: number; end: number; ddl: MySqlDdl }

export type MySqlDdl =
  | {
    kind: 'create-table'; table: MyName; ifNotExists: boolean; orReplace: boolean; temporary: boolean;
    elements: MyTableElement[]; options: Record<string, string>; partitioned: boolean;
    /** CREATE TABLE t LIKE other. */
    like?: MyName;
    /** The element list never closes (a statement being typed): its columns are not all known. */
    incomplete?: boolean;
    /** CREATE TABLE t [(...)] [AS] SELECT ...: the query's output columns when plain, else undefined. */
    select?: {
      text: string; columns?: string[];
      /** For each of `columns`: the column of `from` it copies when the item is a plain column reference. */
      sources?: (string | undefined)[];
      /** The query's one table (`FROM t [alias]` with no join), when it has only one. */
      from?: MyName;
    };
  }
  | { kind: 'alter-table'; table: MyName; ifExists: boolean; actions: MyAlterAction[] }
  | { kind: 'drop-table'; tables: MyName[]; ifExists: boolean; temporary: boolean }
  | { kind: 'rename-table'; pairs: { from: MyName; to: MyName }[] }
  | { kind: 'create-index'; table: MyName; key: MyKeyDef; orReplace: boolean }
  | { kind: 'drop-index'; name: string; table?: MyName; ifExists: boolean }
  | {
    kind: 'create-view'; view: MyName; orReplace: boolean; ifNotExists: boolean; alter: boolean;
    /** The column list written after the name. */
    columnNames?: string[];
    /** Output columns of a plain select list; undefined when not all are known (`*`, an unnamed expression, UNION). */
    selectColumns?: string[];
    /** Names of the select list that could be read (a prefix when selectColumns is undefined). */
    someColumns: string[];
    definition: string;
  }
  | { kind: 'drop-view'; views: MyName[]; ifExists: boolean }
  | { kind: 'truncate'; table: MyName }
  | {
    kind: 'routine'; what: 'procedure' | 'function' | 'trigger' | 'event' | 'block'; name?: MyName;
    /** DDL statements of the body (in order). */
    inner: MyInner[];
    /** The body builds SQL at run time (PREPARE / EXECUTE IMMEDIATE). */
    dynamic: boolean;
  }
  | { kind: 'drop-routine'; what: string; name: MyName }
  | { kind: 'call'; name: MyName }
  | { kind: 'dynamic'; what: 'prepare' | 'execute' }
  | { kind: 'create-database'; name: string; ifNotExists: boolean }
  | { kind: 'drop-database'; name: string }
  | { kind: 'use'; name: string };

const END: MyToken = { kind: 'op', start: 0, end: 0, value: '', upper: '' };

/** Words that start a new table element (they are not column names when unquoted). */
const ELEMENT_WORDS = new Set(['PRIMARY', 'KEY', 'INDEX', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'FOREIGN', 'CONSTRAINT', 'CHECK', 'PERIOD', 'LIKE']);

class Cursor {
  i: number;
  constructor(readonly text: string, readonly toks: MyToken[], from = 0, readonly to = toks.length) {
    this.i = from;
  }

  get done(): boolean { return this.i >= this.to || this.peek().value === ';' && this.peek().kind === 'op' && this.i === this.to - 1; }
  peek(k = 0): MyToken { const j = this.i + k; return j < this.to ? this.toks[j] : END; }
  next(): MyToken { const t = this.peek(); if (this.i < this.to) this.i++; return t; }
  isWord(w: string, k = 0): boolean { const t = this.peek(k); return t.kind === 'word' && t.upper === w; }
  isOp(o: string, k = 0): boolean { const t = this.peek(k); return t.kind === 'op' && t.value === o; }
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) if (!this.isWord(words[k], k)) return false;
    this.i += words.length;
    return true;
  }
  acceptOp(o: string): boolean { if (this.isOp(o)) { this.i++; return true; } return false; }
  /** A name token (word or `quoted`), consumed. */
  name(): string | undefined {
    const t = this.peek();
    if (t.kind === 'word' || t.kind === 'quoted') { this.i++; return t.value; }
    return undefined;
  }
  /** A name or string (some names may be written as strings: DEFINER, charset names, engine names). */
  nameOrString(): string | undefined {
    const t = this.peek();
    if (t.kind === 'word' || t.kind === 'quoted' || t.kind === 'string') { this.i++; return t.value; }
    return undefined;
  }
  qualified(): MyName | undefined {
    const first = this.peek();
    const a = this.name();
    if (a === undefined) return undefined;
    if (this.isOp('.')) {
      const save = this.i;
      this.i++;
      const last = this.peek();
      const b = this.name();
      if (b !== undefined) return { schema: a, name: b, start: first.start, end: last.end };
      this.i = save;
    }
    return { name: a, start: first.start, end: first.end };
  }
  /** At `(`: skips to after the matching `)`; returns the text between. */
  balanced(): { text: string; start: number; end: number } {
    const open = this.peek();
    let depth = 0;
    const s = this.i;
    while (this.i < this.to) {
      const t = this.next();
      if (t.kind === 'op' && t.value === '(') depth++;
      else if (t.kind === 'op' && t.value === ')') { depth--; if (depth <= 0) break; }
    }
    const close = this.toks[this.i - 1] ?? open;
    void s;
    return { text: this.text.slice(open.end, Math.max(open.end, close.start)), start: open.start, end: close.end };
  }
  /** Skips to the next top-level `,` or `)` (not consumed) or the end. */
  skipElement(): void {
    while (this.i < this.to) {
      const t = this.peek();
      if (t.kind === 'op' && (t.value === ',' || t.value === ')' || t.value === ';')) return;
      if (t.kind === 'op' && t.value === '(') { this.balanced(); continue; }
      this.i++;
    }
  }
  /** The text from token index a to before token index b. */
  slice(a: number, b: number): string {
    if (b <= a) return '';
    return this.text.slice(this.toks[a].start, this.toks[b - 1].end);
  }
  /** `= value` or `value`: a name, string or number, as written (strings unquoted). */
  optionValue(): string | undefined {
    this.acceptOp('=');
    const t = this.peek();
    if (t === END) return undefined;
    if (t.kind === 'op' && t.value === '(') return this.balanced().text;
    if (t.kind === 'op') return undefined;
    this.i++;
    return t.value;
  }
}

/** A list of names in parentheses: `(a, b, c)`; [] when none. */
function nameList(c: Cursor): string[] {
  const out: string[] = [];
  if (!c.acceptOp('(')) return out;
  while (!c.done && !c.isOp(')')) {
    const n = c.name();
    if (n !== undefined) out.push(n);
    c.skipElement();
    if (!c.acceptOp(',')) break;
  }
  c.acceptOp(')');
  return out;
}

/** Key parts: `(a, b(10) DESC, (lower(c)))`. */
function keyParts(c: Cursor): MyKeyPart[] {
  const out: MyKeyPart[] = [];
  if (!c.acceptOp('(')) return out;
  while (!c.done && !c.isOp(')')) {
    const from = c.i;
    const part: MyKeyPart = { desc: false, text: '' };
    if (c.isOp('(')) {
      part.expr = c.balanced().text.trim();
    } else {
      const n = c.name();
      if (n !== undefined && c.isOp('(')) {
        // a prefix length, or a function call (an expression part written without parentheses)
        const save = c.i;
        c.next();
        const num = c.peek();
        if (num.kind === 'number' && c.isOp(')', 1)) { part.length = Number(num.value); c.i += 2; part.column = n; }
        else { c.i = save; c.balanced(); part.expr = c.slice(from, c.i); }
      } else if (n !== undefined) part.column = n;
    }
    if (c.accept('DESC')) part.desc = true;
    else c.accept('ASC');
    c.skipElement();
    part.text = c.slice(from, c.i).replace(/\s+/g, ' ');
    out.push(part);
    if (!c.acceptOp(',')) break;
  }
  c.acceptOp(')');
  return out;
}

/** Index options after the key parts (USING, COMMENT, KEY_BLOCK_SIZE, VISIBLE, ...): USING is kept. */
function indexOptions(c: Cursor, key: MyKeyDef): void {
  while (!c.done && !c.isOp(',') && !c.isOp(')') && !c.isOp(';')) {
    if (c.accept('USING') || c.accept('TYPE')) { const u = c.name(); if (u) key.using = u.toLowerCase(); continue; }
    if (c.isWord('ALGORITHM') || c.isWord('LOCK')) return; // CREATE INDEX ... ALGORITHM=INPLACE LOCK=NONE
    if (c.isOp('(')) { c.balanced(); continue; }
    c.next();
  }
}

/** A reference: `REFERENCES t (cols) [MATCH x] [ON DELETE a] [ON UPDATE a]`, after REFERENCES. */
function reference(c: Cursor): MyReference | undefined {
  const table = c.qualified();
  if (!table) return undefined;
  const ref: MyReference = { table, columns: c.isOp('(') ? nameList(c) : [] };
  for (;;) {
    if (c.accept('MATCH')) { c.name(); continue; }
    if (c.accept('ON', 'DELETE')) { ref.onDelete = action(c); continue; }
    if (c.accept('ON', 'UPDATE')) { ref.onUpdate = action(c); continue; }
    break;
  }
  return ref;
}

function action(c: Cursor): string {
  if (c.accept('SET', 'NULL')) return 'SET NULL';
  if (c.accept('SET', 'DEFAULT')) return 'SET DEFAULT';
  if (c.accept('NO', 'ACTION')) return 'NO ACTION';
  return (c.name() ?? '').toUpperCase();
}

/** Words of multi-word type names. */
const TYPE_CONT: Record<string, string[]> = {
  DOUBLE: ['PRECISION'], CHARACTER: ['VARYING'], CHAR: ['VARYING'], NATIONAL: ['CHAR', 'CHARACTER', 'VARCHAR'], NCHAR: ['VARCHAR', 'VARYING'],
  LONG: ['VARCHAR', 'VARBINARY', 'CHAR'],
};

/** A DEFAULT / ON UPDATE expression as written: a literal, a name or call, a parenthesised expression, a signed number. */
function simpleExpr(c: Cursor): string {
  const from = c.i;
  if (c.isOp('(')) { c.balanced(); return c.slice(from, c.i); }
  if (c.isOp('-') || c.isOp('+')) c.next();
  const t = c.next();
  if (t === END) return '';
  // CURRENT_TIMESTAMP(6), now(), b'0', _utf8mb4'x' COLLATE y
  if ((t.kind === 'word') && c.isOp('(')) c.balanced();
  if (t.kind === 'word' && c.isOp('.') ) { c.next(); c.next(); }
  return c.slice(from, c.i);
}

/** A column definition: name, type, attributes; stops before a top-level `,` or `)`. */
function columnDef(c: Cursor): MyColumnDef | undefined {
  const nameTok = c.peek();
  const name = c.name();
  if (name === undefined) return undefined;
  const col: MyColumnDef = { name, start: nameTok.start, end: nameTok.end, typeText: '', typeStart: 0, typeEnd: 0, baseType: '', typeArgs: [], checks: [] };
  // the type
  const typeTok = c.peek();
  if (typeTok.kind !== 'word') {
    c.skipElement();
    return col;
  }
  c.next();
  const words = [typeTok.upper];
  const cont = TYPE_CONT[typeTok.upper];
  if (cont) while (cont.includes(c.peek().upper) && c.peek().kind === 'word') words.push(c.next().upper);
  if (words[0] === 'CHAR' && c.isWord('VARYING')) words.push(c.next().upper);
  col.typeStart = typeTok.start;
  let typeEnd = c.toks[c.i - 1].end;
  if (c.isOp('(')) {
    const save = c.i;
    c.next();
    const values: string[] = [];
    while (!c.done && !c.isOp(')')) {
      const t = c.next();
      if (t.kind === 'number') col.typeArgs.push(Number(t.value));
      else if (t.kind === 'string') values.push(t.value);
      else if (t.kind === 'op' && t.value === '(') { c.i--; c.balanced(); }
    }
    c.acceptOp(')');
    if (values.length) col.values = values;
    typeEnd = c.toks[c.i - 1]?.end ?? typeEnd;
    void save;
  }
  col.baseType = words.join(' ').toLowerCase();
  // attributes that belong to the type
  for (;;) {
    if (c.accept('UNSIGNED')) { col.unsigned = true; typeEnd = c.toks[c.i - 1].end; continue; }
    if (c.accept('SIGNED')) { typeEnd = c.toks[c.i - 1].end; continue; }
    if (c.accept('ZEROFILL')) { col.zerofill = true; col.unsigned = true; typeEnd = c.toks[c.i - 1].end; continue; }
    break;
  }
  col.typeEnd = typeEnd;
  col.typeText = c.text.slice(col.typeStart, col.typeEnd);
  // SERIAL is BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE
  if (col.baseType === 'serial') { col.unsigned = true; col.autoIncrement = true; col.notNull = true; col.unique = true; }
  // the rest
  while (!c.done && !c.isOp(',') && !c.isOp(')') && !c.isOp(';')) {
    if (c.accept('NOT', 'NULL')) { col.notNull = true; continue; }
    if (c.accept('NULL')) { col.notNull = false; continue; }
    if (c.accept('DEFAULT')) { col.default = simpleExpr(c); continue; }
    if (c.accept('AUTO_INCREMENT')) { col.autoIncrement = true; continue; }
    if (c.accept('SERIAL', 'DEFAULT', 'VALUE')) { col.autoIncrement = true; col.notNull = true; col.unique = true; continue; }
    if (c.accept('ON', 'UPDATE')) { col.onUpdate = simpleExpr(c); continue; }
    if (c.accept('COMMENT')) { const t = c.next(); if (t.kind === 'string') col.comment = t.value; continue; }
    if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET')) { c.acceptOp('='); const v = c.nameOrString(); if (v) col.charset = v.toLowerCase(); continue; }
    if (c.accept('COLLATE')) { c.acceptOp('='); const v = c.nameOrString(); if (v) col.collation = v.toLowerCase(); continue; }
    if (c.accept('PRIMARY', 'KEY') || c.accept('KEY')) { col.primaryKey = true; continue; }
    if (c.accept('UNIQUE')) { col.unique = true; c.accept('KEY') || c.accept('INDEX'); continue; }
    if (c.accept('REFERENCES')) { const r = reference(c); if (r) col.references = r; continue; }
    if (c.isWord('CONSTRAINT') || c.isWord('CHECK')) {
      const s = c.peek();
      let cname: string | undefined;
      if (c.accept('CONSTRAINT')) cname = c.isWord('CHECK') ? undefined : c.name();
      if (c.accept('CHECK') && c.isOp('(')) { const b = c.balanced(); col.checks.push({ name: cname, text: b.text.trim(), start: s.start, end: b.end }); }
      continue;
    }
    if (c.accept('GENERATED', 'ALWAYS')) continue;
    if (c.isWord('AS') && c.isOp('(', 1)) {
      c.next();
      col.generatedExpr = c.balanced().text.trim();
      col.generated ??= 'virtual';
      continue;
    }
    if (c.accept('VIRTUAL')) { col.generated = 'virtual'; continue; }
    if (c.accept('STORED') || c.accept('PERSISTENT')) { col.generated = 'stored'; continue; }
    if (c.accept('FIRST')) { col.first = true; continue; }
    if (c.accept('AFTER')) { col.after = c.name(); continue; }
    if (c.accept('BINARY') || c.accept('ASCII') || c.accept('UNICODE') || c.accept('BYTE')) continue;
    if (c.isOp('(')) { c.balanced(); continue; }
    c.next(); // COLUMN_FORMAT x, STORAGE x, INVISIBLE, SRID n, ...: skipped
  }
  col.end = nameTok.end;
  return col;
}

/** A key / constraint element starting at the cursor, or undefined when the cursor is at a column. */
function tableElement(c: Cursor): MyTableElement | undefined {
  const start = c.peek().start;
  const t = c.peek();
  if (t.kind !== 'word' || !ELEMENT_WORDS.has(t.upper)) return undefined;
  if (t.upper === 'PERIOD' && !c.isWord('FOR', 1)) return undefined;
  // `key` or `index` followed by a type word would be a column named so, but only `backticks` allow
  // that: an unquoted KEY / INDEX here is a keyword (MySQL reserves them).
  let symbol: string | undefined;
  let hadConstraint = false;
  if (c.accept('CONSTRAINT')) {
    hadConstraint = true;
    if (!c.isWord('PRIMARY') && !c.isWord('UNIQUE') && !c.isWord('FOREIGN') && !c.isWord('CHECK')) symbol = c.name();
  }
  const endOf = () => (c.toks[c.i - 1]?.end ?? start);
  if (c.accept('LIKE')) { const n = c.qualified(); return n ? { kind: 'like', table: n } : undefined; }
  if (c.accept('PRIMARY', 'KEY')) {
    const key: MyKeyDef = { kind: 'primary', name: symbol, parts: [], start, end: start };
    if (!c.isOp('(')) { if (c.accept('USING')) key.using = c.name()?.toLowerCase(); else c.name(); }
    if (c.accept('USING')) key.using = c.name()?.toLowerCase();
    key.parts = keyParts(c);
    indexOptions(c, key);
    key.end = endOf();
    return { kind: 'key', key };
  }
  if (c.isWord('UNIQUE') || c.isWord('KEY') || c.isWord('INDEX') || c.isWord('FULLTEXT') || c.isWord('SPATIAL')) {
    const w = c.next().upper;
    const kind: MyKeyKind = w === 'UNIQUE' ? 'unique' : w === 'FULLTEXT' ? 'fulltext' : w === 'SPATIAL' ? 'spatial' : 'index';
    if (kind !== 'index') c.accept('KEY') || c.accept('INDEX');
    const key: MyKeyDef = { kind, parts: [], start, end: start };
    if (c.accept('IF', 'NOT', 'EXISTS')) key.ifNotExists = true;
    if (!c.isOp('(') && !c.isWord('USING')) key.name = c.name();
    key.name ??= symbol;
    if (c.accept('USING') || c.accept('TYPE')) key.using = c.name()?.toLowerCase();
    key.parts = keyParts(c);
    indexOptions(c, key);
    key.end = endOf();
    return { kind: 'key', key };
  }
  if (c.accept('FOREIGN', 'KEY')) {
    const fk: MyForeignKeyDef = { name: symbol, columns: [], ref: { table: { name: '', start: 0, end: 0 }, columns: [] }, start, end: start };
    if (c.accept('IF', 'NOT', 'EXISTS')) fk.ifNotExists = true;
    if (!c.isOp('(')) fk.indexName = c.name();
    fk.columns = nameList(c);
    if (c.accept('REFERENCES')) { const r = reference(c); if (r) fk.ref = r; }
    c.skipElement();
    fk.end = endOf();
    return fk.ref.table.name ? { kind: 'foreign', fk } : undefined;
  }
  if (c.accept('CHECK')) {
    if (!c.isOp('(')) { c.skipElement(); return undefined; }
    const b = c.balanced();
    c.skipElement();
    return { kind: 'check', check: { name: symbol, text: b.text.trim(), start, end: b.end } };
  }
  if (hadConstraint) { c.skipElement(); return undefined; }
  // PERIOD FOR ... (MariaDB system versioning) and the like
  c.skipElement();
  return undefined;
}

const TABLE_OPTION_NAMES = new Set([
  'ENGINE', 'TYPE', 'AUTO_INCREMENT', 'AVG_ROW_LENGTH', 'CHECKSUM', 'COMMENT', 'COMPRESSION', 'CONNECTION', 'DATA', 'INDEX', 'DELAY_KEY_WRITE',
  'ENCRYPTION', 'INSERT_METHOD', 'KEY_BLOCK_SIZE', 'MAX_ROWS', 'MIN_ROWS', 'PACK_KEYS', 'PASSWORD', 'ROW_FORMAT', 'STATS_AUTO_RECALC',
  'STATS_PERSISTENT', 'STATS_SAMPLE_PAGES', 'TABLESPACE', 'UNION', 'PAGE_CHECKSUM', 'PAGE_COMPRESSED', 'PAGE_COMPRESSION_LEVEL',
  'TRANSACTIONAL', 'ENCRYPTED', 'ENCRYPTION_KEY_ID', 'IETF_QUOTES', 'SEQUENCE', 'WITH', 'ALGORITHM', 'LOCK', 'SECONDARY_ENGINE', 'AUTOEXTEND_SIZE',
]);

/**
 * One table option at the cursor (`ENGINE=InnoDB`, `DEFAULT CHARSET=utf8mb4`, `COLLATE utf8mb4_bin`):
 * name (upper-case, CHARSET / CHARACTER SET as 'CHARSET') and value; undefined when none is there.
 */
function tableOption(c: Cursor): [string, string] | undefined {
  const save = c.i;
  c.accept('DEFAULT');
  if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET') || c.accept('CHAR', 'SET')) { const v = c.optionValue(); return ['CHARSET', v ?? '']; }
  if (c.accept('COLLATE')) { const v = c.optionValue(); return ['COLLATE', v ?? '']; }
  const t = c.peek();
  if (t.kind === 'word' && TABLE_OPTION_NAMES.has(t.upper) && (c.isOp('=', 1) || c.peek(1).kind !== 'op')) {
    if (t.upper === 'WITH' && !c.isWord('SYSTEM', 1)) { c.i = save; return undefined; }
    c.next();
    if (t.upper === 'DATA' || t.upper === 'INDEX') c.accept('DIRECTORY');
    if (t.upper === 'WITH') { c.accept('SYSTEM'); c.accept('VERSIONING'); return ['WITH SYSTEM VERSIONING', '']; }
    const v = c.optionValue();
    return [t.upper === 'TYPE' ? 'ENGINE' : t.upper, v ?? ''];
  }
  c.i = save;
  return undefined;
}

/** Words that end an operand in a select item but are not aliases (`x IS NULL`, `CASE ... END`). */
const NOT_ALIAS = new Set(['NULL', 'TRUE', 'FALSE', 'END', 'UNKNOWN']);
/** Words after which a name is an operand, not an alias (`a AND b`, `NOT b`, `INTERVAL n`). */
const OPERATOR_WORDS = new Set(['AND', 'OR', 'NOT', 'XOR', 'IS', 'LIKE', 'IN', 'BETWEEN', 'DIV', 'MOD', 'ELSE', 'THEN', 'WHEN', 'CASE', 'INTERVAL', 'BINARY', 'DISTINCT', 'REGEXP', 'RLIKE', 'SOUNDS', 'ESCAPE', 'COLLATE', 'AS', 'SELECT', 'ALL', 'ANY', 'SOME', 'EXISTS']);
/** True when the token can end an operand (so that a name after it is an alias). */
function endsOperand(t: MyToken): boolean {
  if (t.kind === 'op') return t.value === ')';
  if (t.kind === 'word') return !OPERATOR_WORDS.has(t.upper);
  return t.kind === 'quoted' || t.kind === 'string' || t.kind === 'number';
}

/** The output column names of a select list, when every one is known. */
/** True when the tokens are a column reference: `name`, `t.name`, `db.t.name`. */
function isColumnRef(item: MyToken[]): boolean {
  return item.length % 2 === 1 && item.every((t, k) => (k % 2 === 0 ? t.kind === 'word' || t.kind === 'quoted' : t.kind === 'op' && t.value === '.'));
}

function selectList(c: Cursor): { all?: string[]; some: string[]; sources: (string | undefined)[]; from?: MyName } {
  const some: string[] = [];
  const sources: (string | undefined)[] = [];
  let complete = true;
  // WITH ... / (SELECT ...) / VALUES: unknown
  if (!c.accept('SELECT')) return { some, sources };
  while (c.accept('DISTINCT') || c.accept('ALL') || c.accept('DISTINCTROW') || c.accept('STRAIGHT_JOIN') || c.accept('SQL_NO_CACHE') || c.accept('SQL_CALC_FOUND_ROWS') || c.accept('HIGH_PRIORITY') || c.accept('SQL_CACHE')) { /* modifiers */ }
  for (;;) {
    const from = c.i;
    let depth = 0;
    let stop = false;
    while (c.i < c.to) {
      const t = c.peek();
      if (t.kind === 'op' && t.value === '(') depth++;
      else if (t.kind === 'op' && t.value === ')') depth--;
      else if (depth === 0 && ((t.kind === 'op' && (t.value === ',' || t.value === ';')) || (t.kind === 'word' && (t.upper === 'FROM' || t.upper === 'INTO' || t.upper === 'UNION' || t.upper === 'WHERE' || t.upper === 'LIMIT' || t.upper === 'ORDER' || t.upper === 'GROUP' || t.upper === 'HAVING' || t.upper === 'EXCEPT' || t.upper === 'INTERSECT')))) break;
      if (depth < 0) { stop = true; break; }
      c.i++;
    }
    const item = c.toks.slice(from, c.i);
    const n = item.length;
    let name: string | undefined;
    const last = item[n - 1];
    if (n >= 2 && (last.kind === 'quoted' || last.kind === 'word' || last.kind === 'string') && (item[n - 2].kind === 'word' && item[n - 2].upper === 'AS')) name = last.value;
    else if (n === 1 && (last.kind === 'word' || last.kind === 'quoted')) name = last.value;
    else if (n >= 3 && n % 2 === 1 && item.every((t, k) => (k % 2 === 0 ? t.kind === 'word' || t.kind === 'quoted' : t.kind === 'op' && t.value === '.'))) name = last.value;
    else if (n >= 2 && (last.kind === 'quoted' || (last.kind === 'word' && !NOT_ALIAS.has(last.upper))) && endsOperand(item[n - 2])) name = last.value; // `expr alias`
    if (name === undefined || (last.kind === 'op' && last.value === '*')) complete = false;
    else if (complete) {
      some.push(name);
      const expr = isColumnRef(item) ? item : n >= 3 && item[n - 2].upper === 'AS' ? item.slice(0, n - 2) : item.slice(0, n - 1);
      sources.push(expr.length && isColumnRef(expr) ? expr[expr.length - 1].value : undefined);
    }
    if (stop || !c.acceptOp(',')) break;
  }
  let from: MyName | undefined;
  if (c.accept('FROM')) {
    const t = c.qualified();
    if (t && !c.isOp('(')) {
      if (c.accept('AS')) c.name();
      else if (c.peek().kind === 'quoted' || (c.peek().kind === 'word' && !['WHERE', 'GROUP', 'ORDER', 'LIMIT', 'HAVING', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'CROSS', 'NATURAL', 'STRAIGHT_JOIN', 'UNION', 'WINDOW', 'FOR', 'LOCK', 'PARTITION', 'USE', 'FORCE', 'IGNORE'].includes(c.peek().upper))) c.name();
      const next = c.peek();
      if (next === END || (next.kind === 'op' && next.value === ';') || (next.kind === 'word' && ['WHERE', 'GROUP', 'ORDER', 'LIMIT', 'HAVING'].includes(next.upper))) from = t;
    }
  }
  if (c.isWord('UNION') || c.isWord('EXCEPT') || c.isWord('INTERSECT')) complete = false;
  else {
    // a later UNION (at top level) makes the names the first branch's: still the names, but keep it simple
    let depth = 0;
    for (let k = c.i; k < c.to; k++) {
      const t = c.toks[k];
      if (t.kind === 'op' && t.value === '(') depth++;
      else if (t.kind === 'op' && t.value === ')') depth--;
      else if (depth === 0 && t.kind === 'word' && (t.upper === 'UNION' || t.upper === 'EXCEPT' || t.upper === 'INTERSECT')) { complete = false; break; }
    }
  }
  return { all: complete && some.length ? some : undefined, some, sources, ...(from ? { from } : {}) };
}

function createTable(c: Cursor, orReplace: boolean, temporary: boolean): MySqlDdl | undefined {
  const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
  const table = c.qualified();
  if (!table) return undefined;
  const d: Extract<MySqlDdl, { kind: 'create-table' }> = { kind: 'create-table', table, ifNotExists, orReplace, temporary, elements: [], options: {}, partitioned: false };
  if (c.accept('LIKE')) { d.like = c.qualified(); return d; }
  if (c.isOp('(') && c.isWord('LIKE', 1)) { c.next(); c.next(); d.like = c.qualified(); return d; }
  if (c.isOp('(') && !(c.isWord('SELECT', 1) || c.isOp('(', 1))) {
    c.next();
    while (!c.done && !c.isOp(')')) {
      const el = tableElement(c);
      if (el) d.elements.push(el);
      else if (!c.isOp(',') && !c.isOp(')')) {
        const col = columnDef(c);
        if (col) d.elements.push({ kind: 'column', column: col });
      }
      c.skipElement();
      if (!c.acceptOp(',')) break;
    }
    if (!c.acceptOp(')')) d.incomplete = true;
  }
  // table options, partitioning, then an optional query
  while (!c.done) {
    if (c.acceptOp(',')) continue;
    const opt = tableOption(c);
    if (opt) { d.options[opt[0]] = opt[1]; continue; }
    if (c.isWord('PARTITION') && c.isWord('BY', 1)) {
      d.partitioned = true;
      // skip the partitioning clause up to a query, if any
      while (!c.done && !c.isWord('SELECT') && !c.isWord('AS') && !(c.isOp('(') && c.isWord('SELECT', 1))) { if (c.isOp('(')) c.balanced(); else c.next(); }
      continue;
    }
    if (c.accept('IGNORE') || c.accept('REPLACE') || c.accept('AS')) continue;
    if (c.isWord('SELECT') || c.isWord('WITH') || c.isWord('VALUES') || c.isWord('TABLE') || c.isOp('(')) {
      const from = c.i;
      while (c.isOp('(')) c.next();
      const sl = selectList(c);
      d.select = { text: c.text.slice(c.toks[from].start, c.toks[c.to - 1].end), columns: sl.all, ...(sl.all ? { sources: sl.sources } : {}), ...(sl.from ? { from: sl.from } : {}) };
      break;
    }
    c.next();
  }
  return d;
}

function alterActions(c: Cursor): MyAlterAction[] {
  const out: MyAlterAction[] = [];
  let options: Record<string, string> | undefined;
  while (!c.done) {
    if (c.acceptOp(',')) continue;
    if (c.isOp(';')) break;
    const from = c.i;
    const a = alterAction(c);
    if (a?.kind === 'options') {
      if (!options) { options = {}; out.push({ kind: 'options', options }); }
      Object.assign(options, a.options);
    } else if (a) out.push(a);
    if (a?.kind !== 'options' && a?.kind !== 'partition') c.skipElement();
    if (c.isOp(')')) c.next();
    if (c.i === from) c.next();
  }
  return out;
}

function alterAction(c: Cursor): MyAlterAction | undefined {
  const start = c.peek().start;
  const other = (): MyAlterAction => { const s = c.i; c.skipElement(); return { kind: 'other', text: c.slice(s, c.i), start, end: c.toks[c.i - 1]?.end ?? start }; };
  if (c.accept('ADD')) {
    if (c.isWord('PARTITION')) { const s = c.i; c.skipElement(); return { kind: 'partition', text: c.slice(s, c.i), removes: false }; }
    const el = tableElement(c);
    if (el?.kind === 'key') return { kind: 'add-key', key: el.key };
    if (el?.kind === 'foreign') return { kind: 'add-foreign', fk: el.fk };
    if (el?.kind === 'check') return { kind: 'add-check', check: el.check };
    if (el) return undefined;
    c.accept('COLUMN');
    const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
    if (c.acceptOp('(')) {
      const columns: MyColumnDef[] = [];
      while (!c.done && !c.isOp(')')) {
        const el2 = tableElement(c);
        if (!el2) { const col = columnDef(c); if (col) columns.push(col); }
        c.skipElement();
        if (!c.acceptOp(',')) break;
      }
      c.acceptOp(')');
      return { kind: 'add-columns', columns, ifNotExists };
    }
    const col = columnDef(c);
    return col ? { kind: 'add-columns', columns: [col], ifNotExists } : other();
  }
  if (c.accept('DROP')) {
    if (c.accept('PRIMARY', 'KEY')) return { kind: 'drop-primary' };
    if (c.accept('FOREIGN', 'KEY')) { const ifExists = c.accept('IF', 'EXISTS'); const name = c.name(); return name !== undefined ? { kind: 'drop-foreign', name, ifExists } : other(); }
    if (c.accept('INDEX') || c.accept('KEY')) { const ifExists = c.accept('IF', 'EXISTS'); const name = c.name(); return name !== undefined ? { kind: 'drop-index', name, ifExists } : other(); }
    if (c.accept('CONSTRAINT')) { const ifExists = c.accept('IF', 'EXISTS'); const name = c.name(); return name !== undefined ? { kind: 'drop-constraint', name, ifExists } : other(); }
    if (c.accept('CHECK')) { const ifExists = c.accept('IF', 'EXISTS'); const name = c.name(); return name !== undefined ? { kind: 'drop-check', name, ifExists } : other(); }
    if (c.isWord('PARTITION')) { const s = c.i; c.skipElement(); return { kind: 'partition', text: c.slice(s, c.i), removes: false }; }
    if (c.isWord('PERIOD') || c.isWord('SYSTEM')) return other();
    c.accept('COLUMN');
    const ifExists = c.accept('IF', 'EXISTS');
    const name = c.name();
    if (name === undefined) return other();
    c.accept('RESTRICT') || c.accept('CASCADE');
    return { kind: 'drop-column', name, ifExists };
  }
  if (c.accept('MODIFY')) {
    c.accept('COLUMN');
    const ifExists = c.accept('IF', 'EXISTS');
    const col = columnDef(c);
    return col ? { kind: 'modify', column: col, ifExists } : other();
  }
  if (c.accept('CHANGE')) {
    c.accept('COLUMN');
    const ifExists = c.accept('IF', 'EXISTS');
    const from = c.name();
    const col = from !== undefined ? columnDef(c) : undefined;
    return col && from !== undefined ? { kind: 'change', from, column: col, ifExists } : other();
  }
  if (c.accept('RENAME')) {
    if (c.accept('COLUMN')) {
      const ifExists = c.accept('IF', 'EXISTS');
      const from = c.name(); c.accept('TO'); const to = c.name();
      return from !== undefined && to !== undefined ? { kind: 'rename-column', from, to, ifExists } : other();
    }
    if (c.accept('INDEX') || c.accept('KEY')) {
      const from = c.name(); c.accept('TO'); const to = c.name();
      return from !== undefined && to !== undefined ? { kind: 'rename-index', from, to } : other();
    }
    c.accept('TO') || c.accept('AS');
    const to = c.qualified();
    return to ? { kind: 'rename-table', to } : other();
  }
  if (c.accept('ALTER')) {
    if (c.isWord('INDEX') || c.isWord('KEY') || c.isWord('CHECK') || c.isWord('CONSTRAINT')) return other();
    c.accept('COLUMN');
    c.accept('IF', 'EXISTS');
    const column = c.name();
    if (column === undefined) return other();
    if (c.accept('SET', 'DEFAULT')) return { kind: 'set-default', column, default: simpleExpr(c) };
    if (c.accept('DROP', 'DEFAULT')) return { kind: 'drop-default', column };
    return other();
  }
  if (c.accept('CONVERT', 'TO')) {
    if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET')) {
      const charset = (c.nameOrString() ?? '').toLowerCase();
      let collation: string | undefined;
      if (c.accept('DEFAULT')) { /* CONVERT TO CHARACTER SET DEFAULT */ }
      if (c.accept('COLLATE')) collation = c.nameOrString()?.toLowerCase();
      return { kind: 'convert-charset', charset, collation };
    }
    return other();
  }
  if (c.isWord('PARTITION') && c.isWord('BY', 1)) { const s = c.i; while (!c.done && !c.isOp(';')) { if (c.isOp('(')) c.balanced(); else c.next(); } return { kind: 'partition', text: c.slice(s, c.i), removes: false }; }
  if (c.accept('REMOVE', 'PARTITIONING')) return { kind: 'partition', text: 'REMOVE PARTITIONING', removes: true };
  if (c.isWord('COALESCE') || c.isWord('REORGANIZE') || c.isWord('EXCHANGE') || c.isWord('TRUNCATE') || c.isWord('ANALYZE') || c.isWord('CHECK') || c.isWord('OPTIMIZE') || c.isWord('REBUILD') || c.isWord('REPAIR') || c.isWord('DISCARD') || c.isWord('IMPORT')) {
    const s = c.i; c.skipElement(); return { kind: 'partition', text: c.slice(s, c.i), removes: false };
  }
  const opt = tableOption(c);
  if (opt) return { kind: 'options', options: { [opt[0]]: opt[1] } };
  return other();
}

/** Skips `DEFINER = user[@host]`, `SQL SECURITY x`, `ALGORITHM = x` before VIEW / PROCEDURE / TRIGGER / EVENT. */
function skipCreateModifiers(c: Cursor): { algorithm?: string } {
  const out: { algorithm?: string } = {};
  for (;;) {
    if (c.accept('DEFINER')) {
      c.acceptOp('=');
      if (c.accept('CURRENT_USER')) { if (c.isOp('(')) c.balanced(); continue; }
      c.nameOrString();
      if (c.peek().kind === 'variable') c.next();
      else if (c.acceptOp('@')) c.nameOrString();
      continue;
    }
    if (c.accept('SQL', 'SECURITY')) { c.name(); continue; }
    if (c.accept('ALGORITHM')) { c.acceptOp('='); out.algorithm = c.name(); continue; }
    return out;
  }
}

const INNER_START = new Set(['BEGIN', 'THEN', 'ELSE', 'DO', 'LOOP', 'REPEAT']);

/**
 * The DDL statements of a compound body (tokens from `from` to `to`): a statement starts after `;`,
 * BEGIN, THEN, ELSE, DO, LOOP, REPEAT or a label. Also tells whether the body runs dynamic SQL.
 */
function innerStatements(text: string, toks: MyToken[], from: number, to: number): { inner: MyInner[]; dynamic: boolean } {
  const inner: MyInner[] = [];
  let dynamic = false;
  let k = from;
  let atStart = true;
  let depth = 0;
  while (k < to) {
    const t = toks[k];
    if (t.kind === 'op' && t.value === '(') depth++;
    if (t.kind === 'op' && t.value === ')') depth--;
    if (t.kind === 'word' && (t.upper === 'PREPARE' || (t.upper === 'EXECUTE' && toks[k + 1]?.upper === 'IMMEDIATE'))) dynamic = true;
    if (atStart && depth === 0 && t.kind === 'word' && ['CREATE', 'ALTER', 'DROP', 'RENAME', 'TRUNCATE'].includes(t.upper)) {
      // to the statement's `;` at depth 0
      let e = k;
      let d = 0;
      while (e < to) { const u = toks[e]; if (u.kind === 'op' && u.value === '(') d++; else if (u.kind === 'op' && u.value === ')') d--; else if (d <= 0 && u.kind === 'op' && u.value === ';') break; e++; }
      const ddl = readTokens(text, toks, k, e);
      if (ddl) inner.push({ start: t.start, end: toks[e - 1].end, ddl });
      k = e;
      atStart = true;
      continue;
    }
    atStart = (t.kind === 'op' && t.value === ';') || (t.kind === 'word' && INNER_START.has(t.upper)) || (t.kind === 'op' && t.value === ':');
    k++;
  }
  return { inner, dynamic };
}

function routine(c: Cursor, what: 'procedure' | 'function' | 'trigger' | 'event'): MySqlDdl {
  c.accept('IF', 'NOT', 'EXISTS');
  const name = c.qualified();
  // the body: procedures and events may run DDL; functions and triggers cannot (implicit commit)
  const body = what === 'procedure' || what === 'event' ? innerStatements(c.text, c.toks, c.i, c.to) : { inner: [], dynamic: false };
  return { kind: 'routine', what, name, inner: body.inner, dynamic: body.dynamic };
}

function readTokens(text: string, toks: MyToken[], from: number, to: number): MySqlDdl | undefined {
  const c = new Cursor(text, toks, from, to);
  if (c.accept('CREATE')) {
    const orReplace = c.accept('OR', 'REPLACE');
    const temporary = c.accept('TEMPORARY');
    if (c.accept('TABLE')) return createTable(c, orReplace, temporary);
    let kind: MyKeyKind | undefined;
    const save = c.i;
    if (c.accept('ONLINE') || c.accept('OFFLINE')) { /* old MySQL Cluster syntax */ }
    if (c.accept('UNIQUE')) kind = 'unique'; else if (c.accept('FULLTEXT')) kind = 'fulltext'; else if (c.accept('SPATIAL')) kind = 'spatial';
    if (c.accept('INDEX')) {
      const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
      const nameTok = c.peek();
      const name = c.name();
      if (name === undefined) return undefined;
      const key: MyKeyDef = { kind: kind ?? 'index', name, parts: [], ifNotExists, start: nameTok.start, end: nameTok.end };
      if (c.accept('USING') || c.accept('TYPE')) key.using = c.name()?.toLowerCase();
      if (!c.accept('ON')) return undefined;
      const table = c.qualified();
      if (!table) return undefined;
      key.parts = keyParts(c);
      indexOptions(c, key);
      return { kind: 'create-index', table, key, orReplace };
    }
    c.i = save;
    const mods = skipCreateModifiers(c);
    void mods;
    if (c.accept('VIEW')) return view(c, orReplace, false);
    if (c.accept('PROCEDURE')) return routine(c, 'procedure');
    if (c.accept('AGGREGATE')) { c.accept('FUNCTION'); return routine(c, 'function'); }
    if (c.accept('FUNCTION')) return routine(c, 'function');
    if (c.accept('TRIGGER')) return routine(c, 'trigger');
    if (c.accept('EVENT')) return routine(c, 'event');
    if (c.accept('DATABASE') || c.accept('SCHEMA')) {
      const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
      const name = c.name();
      return name !== undefined ? { kind: 'create-database', name, ifNotExists } : undefined;
    }
    return undefined;
  }
  if (c.accept('ALTER')) {
    c.accept('ONLINE'); c.accept('IGNORE');
    if (c.accept('TABLE')) {
      const ifExists = c.accept('IF', 'EXISTS');
      const table = c.qualified();
      if (!table) return undefined;
      return { kind: 'alter-table', table, ifExists, actions: alterActions(c) };
    }
    skipCreateModifiers(c);
    if (c.accept('VIEW')) return view(c, true, true);
    return undefined;
  }
  if (c.accept('DROP')) {
    const temporary = c.accept('TEMPORARY');
    if (c.accept('TABLE') || c.accept('TABLES')) {
      const ifExists = c.accept('IF', 'EXISTS');
      return { kind: 'drop-table', tables: names(c), ifExists, temporary };
    }
    if (c.accept('VIEW')) { const ifExists = c.accept('IF', 'EXISTS'); return { kind: 'drop-view', views: names(c), ifExists }; }
    if (c.accept('INDEX')) {
      const ifExists = c.accept('IF', 'EXISTS');
      const name = c.name();
      if (name === undefined) return undefined;
      const table = c.accept('ON') ? c.qualified() : undefined;
      return { kind: 'drop-index', name, table, ifExists };
    }
    for (const what of ['PROCEDURE', 'FUNCTION', 'TRIGGER', 'EVENT']) {
      if (c.accept(what)) { c.accept('IF', 'EXISTS'); const name = c.qualified(); return name ? { kind: 'drop-routine', what: what.toLowerCase(), name } : undefined; }
    }
    if (c.accept('DATABASE') || c.accept('SCHEMA')) { c.accept('IF', 'EXISTS'); const name = c.name(); return name !== undefined ? { kind: 'drop-database', name } : undefined; }
    return undefined;
  }
  if (c.accept('RENAME')) {
    if (!c.accept('TABLE') && !c.accept('TABLES')) return undefined;
    const pairs: { from: MyName; to: MyName }[] = [];
    while (!c.done) {
      c.accept('IF', 'EXISTS');
      const from = c.qualified();
      if (!from || !c.accept('TO')) break;
      const to = c.qualified();
      if (!to) break;
      pairs.push({ from, to });
      if (c.accept('WAIT') || c.accept('NOWAIT')) { if (c.peek().kind === 'number') c.next(); }
      if (!c.acceptOp(',')) break;
    }
    return pairs.length ? { kind: 'rename-table', pairs } : undefined;
  }
  if (c.accept('TRUNCATE')) {
    c.accept('TABLE');
    const table = c.qualified();
    return table ? { kind: 'truncate', table } : undefined;
  }
  if (c.accept('CALL')) { const name = c.qualified(); return name ? { kind: 'call', name } : undefined; }
  if (c.accept('PREPARE')) return { kind: 'dynamic', what: 'prepare' };
  if (c.accept('EXECUTE')) return { kind: 'dynamic', what: 'execute' };
  if (c.accept('USE')) { const name = c.name(); return name !== undefined ? { kind: 'use', name } : undefined; }
  // MariaDB's anonymous compound statement, run at once
  if ((c.isWord('BEGIN') && c.isWord('NOT', 1) && c.isWord('ATOMIC', 2)) || (c.peek(1).value === ':' && c.isWord('BEGIN', 2))) {
    const body = innerStatements(text, toks, c.i + 1, to);
    return { kind: 'routine', what: 'block', inner: body.inner, dynamic: body.dynamic };
  }
  return undefined;
}

function names(c: Cursor): MyName[] {
  const out: MyName[] = [];
  while (!c.done) {
    const n = c.qualified();
    if (!n) break;
    out.push(n);
    if (!c.acceptOp(',')) break;
  }
  return out;
}

function view(c: Cursor, orReplace: boolean, alter: boolean): MySqlDdl | undefined {
  const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
  const v = c.qualified();
  if (!v) return undefined;
  const columnNames = c.isOp('(') ? nameList(c) : undefined;
  if (!c.accept('AS')) return undefined;
  const from = c.i;
  let k = from;
  while (c.isOp('(')) c.next();
  const sl = selectList(c);
  k = from;
  const definition = k < c.to ? c.text.slice(c.toks[k].start, c.toks[c.to - 1].end) : '';
  return {
    kind: 'create-view', view: v, orReplace, ifNotExists, alter, ...(columnNames && columnNames.length ? { columnNames } : {}),
    selectColumns: sl.all, someColumns: sl.some, definition: definition.replace(/;\s*$/, ''),
  };
}

/** Reads one MySQL statement's DDL (CREATE/ALTER/DROP/RENAME TABLE, CREATE/DROP INDEX, CREATE/DROP VIEW, TRUNCATE...). undefined when it is not DDL. Positions are UTF-16 offsets in `text`. */
export function readMySqlDdl(text: string): MySqlDdl | undefined {
  try {
    const toks = lex(text).tokens;
    let to = toks.length;
    while (to > 0 && toks[to - 1].kind === 'op' && toks[to - 1].value === ';') to--;
    return readTokens(text, toks, 0, to);
  } catch {
    return undefined;
  }
}
