// What MySQL's own rules read in a statement: its tokens (dialects/mysql/lex.ts, cached per
// statement), the table a CREATE / ALTER TABLE names, its column definitions and table options, and
// ALTER TABLE's actions. A small reader of its own, tolerant by design: anything it does not
// recognise is skipped, so the rules built on it stay silent rather than guess.
import type { SourceFile, Statement } from '../../model';
import { isDownStatement } from '../../model';
import { lex, nameOf, type MyToken } from '../../dialects/mysql/lex';

const cache = new WeakMap<Statement, MyToken[]>();

/** The statement's tokens (offsets in the statement text), comments left out; /*! *\/ content is code. */
export function tokensOf(stmt: Statement): MyToken[] {
  let t = cache.get(stmt);
  if (!t) cache.set(stmt, (t = lex(stmt.text).tokens));
  return t;
}

export const up = (t: MyToken | undefined): string => (t?.kind === 'word' ? t.upper : '');
/** A word, a `name` or a 'string' as an upper-case value (charset names may be written any of those ways). */
export const valueUpper = (t: MyToken | undefined): string =>
  t && (t.kind === 'word' || t.kind === 'quoted' || t.kind === 'string') ? t.value.toUpperCase() : '';

/** Index of the token closing the parenthesis opened at `open` (or tokens.length when unclosed). */
export function closing(tokens: MyToken[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const v = tokens[i].kind === 'op' ? tokens[i].value : '';
    if (v === '(') depth++;
    else if (v === ')' && --depth === 0) return i;
  }
  return tokens.length;
}

/** Splits tokens[from, to) at top-level commas. */
export function splitCommas(tokens: MyToken[], from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  let depth = 0, start = from;
  for (let i = from; i < to; i++) {
    const t = tokens[i];
    if (t.kind !== 'op') continue;
    if (t.value === '(') depth++;
    else if (t.value === ')') depth--;
    else if (t.value === ',' && depth === 0) { out.push([start, i]); start = i + 1; }
  }
  if (start < to) out.push([start, to]);
  return out;
}

/** A possibly qualified name at i (`db`.`t`, t): the last part, lower-cased for comparison, and the index after it. */
export function readName(tokens: MyToken[], i: number): { name: string; key: string; at: number; next: number } | undefined {
  let n = nameOf(tokens[i]);
  if (n === undefined) return undefined;
  let at = i;
  let j = i + 1;
  while (tokens[j]?.kind === 'op' && tokens[j].value === '.' && nameOf(tokens[j + 1]) !== undefined) { n = nameOf(tokens[j + 1])!; at = j + 1; j += 2; }
  return { name: n, key: n.toLowerCase(), at, next: j };
}

/** The statement's leading words (after an optional DEFINER / OR REPLACE / TEMPORARY), upper-cased. */
export function head(tokens: MyToken[]): string {
  const words: string[] = [];
  for (let i = 0; i < tokens.length && words.length < 3; i++) {
    const u = up(tokens[i]);
    if (!u) break;
    if (u === 'OR' && up(tokens[i + 1]) === 'REPLACE') { i++; continue; }
    if (u === 'TEMPORARY' || u === 'ONLINE' || u === 'IGNORE') continue;
    words.push(u);
  }
  return words.join(' ');
}

export interface ColumnDef {
  name: string;
  nameTok: MyToken;
  /** Token index range of the whole definition and of the type (name and modifiers up to the attributes). */
  from: number;
  to: number;
  typeFrom: number;
  typeTo: number;
  /** Lower-cased base type name (int, varchar, timestamp...). */
  base: string;
  /** The numbers in the type's parentheses (varchar(255) -> [255]); enum/set values are not numbers. */
  mods: string[];
  unsigned: boolean;
  /** CHARACTER SET / CHARSET value token index, and COLLATE value token index. */
  charset?: number;
  collate?: number;
  /** GENERATED ALWAYS AS (...) STORED / AS (...) STORED. */
  stored: boolean;
  generated: boolean;
}

const COLUMN_ATTR = new Set(['NOT', 'NULL', 'DEFAULT', 'AUTO_INCREMENT', 'PRIMARY', 'UNIQUE', 'KEY', 'COMMENT', 'COLLATE', 'CHARACTER', 'CHARSET',
  'ON', 'REFERENCES', 'CHECK', 'GENERATED', 'AS', 'VIRTUAL', 'STORED', 'PERSISTENT', 'INVISIBLE', 'VISIBLE', 'COLUMN_FORMAT', 'STORAGE', 'SRID', 'CONSTRAINT', 'FIRST', 'AFTER']);

/** A column definition at tokens[from, to): name, type, charset, collation. */
export function readColumn(tokens: MyToken[], from: number, to: number): ColumnDef | undefined {
  const nameTok = tokens[from];
  const name = nameOf(nameTok);
  const typeTok = tokens[from + 1];
  if (name === undefined || from + 1 >= to || typeTok.kind !== 'word' || COLUMN_ATTR.has(typeTok.upper)) return undefined;
  let i = from + 2;
  const mods: string[] = [];
  // multi-word types: DOUBLE PRECISION, LONG VARCHAR, NATIONAL CHAR, CHAR VARYING
  const base0 = typeTok.upper;
  let base = base0.toLowerCase();
  while (i < to && (up(tokens[i]) === 'PRECISION' || up(tokens[i]) === 'VARYING' || (['NATIONAL', 'LONG'].includes(base0) && tokens[i].kind === 'word' && i === from + 2))) {
    base = `${base} ${tokens[i].value.toLowerCase()}`;
    i++;
  }
  if (tokens[i]?.kind === 'op' && tokens[i].value === '(') {
    const c = closing(tokens, i);
    for (let k = i + 1; k < c; k++) if (tokens[k].kind === 'number') mods.push(tokens[k].value);
    i = Math.min(c + 1, to);
  }
  let unsigned = false;
  while (i < to && ['UNSIGNED', 'SIGNED', 'ZEROFILL'].includes(up(tokens[i]))) { if (up(tokens[i]) === 'UNSIGNED') unsigned = true; i++; }
  const typeTo = i;
  const def: ColumnDef = { name, nameTok, from, to, typeFrom: from + 1, typeTo, base, mods, unsigned, stored: false, generated: false };
  for (; i < to; i++) {
    const u = up(tokens[i]);
    if (tokens[i].kind === 'op' && tokens[i].value === '(') { i = closing(tokens, i); continue; }
    if ((u === 'CHARACTER' && up(tokens[i + 1]) === 'SET') || u === 'CHARSET') {
      let j = i + (u === 'CHARSET' ? 1 : 2);
      if (tokens[j]?.value === '=') j++;
      if (j < to) def.charset = j;
      i = j;
    } else if (u === 'COLLATE') {
      let j = i + 1;
      if (tokens[j]?.value === '=') j++;
      if (j < to) def.collate = j;
      i = j;
    } else if (u === 'AS' || u === 'GENERATED') def.generated = true;
    else if (u === 'STORED' || u === 'PERSISTENT') def.stored = true;
    else if (u === 'DEFAULT' || u === 'COMMENT') i++; // skip the value (a string may look like a word)
  }
  return def;
}

export interface TableOption { key: string; keyAt: number; value: number }

/** Table options in tokens[from, to): ENGINE=x, [DEFAULT] CHARSET=x, CHARACTER SET x, COLLATE=x ... */
export function readTableOptions(tokens: MyToken[], from: number, to: number): TableOption[] {
  const out: TableOption[] = [];
  for (let i = from; i < to; i++) {
    const t = tokens[i];
    if (t.kind === 'op' && t.value === '(') { i = closing(tokens, i); continue; }
    const u = up(t);
    let key = '';
    let j = i + 1;
    if (u === 'ENGINE' || u === 'TYPE') key = 'ENGINE';
    else if (u === 'CHARSET') key = 'CHARSET';
    else if (u === 'CHARACTER' && up(tokens[i + 1]) === 'SET') { key = 'CHARSET'; j = i + 2; }
    else if (u === 'COLLATE') key = 'COLLATE';
    else if (u === 'PARTITION') break; // partition definitions have ENGINE= of their own
    if (!key) continue;
    if (tokens[j]?.kind === 'op' && tokens[j].value === '=') j++;
    if (j >= to) break;
    if (tokens[j].kind === 'word' || tokens[j].kind === 'quoted' || tokens[j].kind === 'string') out.push({ key, keyAt: i, value: j });
    i = j;
  }
  return out;
}

export interface CreateTable {
  name: string;
  key: string;
  nameAt: number;
  /** Token index of the opening parenthesis of the definitions, -1 for CREATE TABLE ... LIKE / AS SELECT without one. */
  open: number;
  close: number;
  columns: ColumnDef[];
  /** Element ranges that are not columns (keys, constraints). */
  others: [number, number][];
  options: TableOption[];
}

/** CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name (...) options. */
export function readCreateTable(tokens: MyToken[]): CreateTable | undefined {
  let i = 0;
  if (up(tokens[i]) !== 'CREATE') return undefined;
  i++;
  if (up(tokens[i]) === 'OR' && up(tokens[i + 1]) === 'REPLACE') i += 2;
  if (up(tokens[i]) === 'TEMPORARY') i++;
  if (up(tokens[i]) !== 'TABLE') return undefined;
  i++;
  if (up(tokens[i]) === 'IF' && up(tokens[i + 1]) === 'NOT' && up(tokens[i + 2]) === 'EXISTS') i += 3;
  const n = readName(tokens, i);
  if (!n) return undefined;
  i = n.next;
  const columns: ColumnDef[] = [];
  const others: [number, number][] = [];
  let open = -1, close = i - 1;
  if (tokens[i]?.kind === 'op' && tokens[i].value === '(') {
    open = i;
    close = closing(tokens, i);
    for (const [a, b] of splitCommas(tokens, open + 1, close)) {
      if (a >= b) continue;
      const u = up(tokens[a]);
      if (tokens[a].kind === 'word' && ['PRIMARY', 'KEY', 'INDEX', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'CONSTRAINT', 'FOREIGN', 'CHECK', 'PERIOD', 'LIKE'].includes(u)) { others.push([a, b]); continue; }
      const c = readColumn(tokens, a, b);
      if (c) columns.push(c); else others.push([a, b]);
    }
  }
  return { name: n.name, key: n.key, nameAt: n.at, open, close, columns, others, options: readTableOptions(tokens, close + 1, tokens.length) };
}

export interface AlterAction { verb: string; from: number; to: number }
export interface AlterTable { name: string; key: string; nameAt: number; actions: AlterAction[] }

/** ALTER [ONLINE] [IGNORE] TABLE name action, action ... */
export function readAlterTable(tokens: MyToken[]): AlterTable | undefined {
  let i = 0;
  if (up(tokens[i]) !== 'ALTER') return undefined;
  i++;
  while (up(tokens[i]) === 'ONLINE' || up(tokens[i]) === 'IGNORE') i++;
  if (up(tokens[i]) !== 'TABLE') return undefined;
  i++;
  if (up(tokens[i]) === 'IF' && up(tokens[i + 1]) === 'EXISTS') i += 2;
  const n = readName(tokens, i);
  if (!n) return undefined;
  const actions: AlterAction[] = [];
  for (const [a, b] of splitCommas(tokens, n.next, tokens.length)) {
    let e = b;
    while (e > a && tokens[e - 1].kind === 'op' && tokens[e - 1].value === ';') e--;
    if (a < e) actions.push({ verb: up(tokens[a]), from: a, to: e });
  }
  return { name: n.name, key: n.key, nameAt: n.at, actions };
}

/** The column an ALTER action defines (ADD [COLUMN] c type, MODIFY [COLUMN] c type, CHANGE [COLUMN] old new type), with the old name for CHANGE. */
export function alterColumn(tokens: MyToken[], a: AlterAction): { def: ColumnDef; old: string } | undefined {
  let i = a.from + 1;
  if (a.verb !== 'ADD' && a.verb !== 'MODIFY' && a.verb !== 'CHANGE') return undefined;
  if (up(tokens[i]) === 'COLUMN') i++;
  if (up(tokens[i]) === 'IF' && up(tokens[i + 1]) === (a.verb === 'ADD' ? 'NOT' : 'EXISTS')) i += a.verb === 'ADD' ? 3 : 2;
  if (a.verb === 'ADD') {
    const u = up(tokens[i]);
    if (tokens[i]?.kind === 'op' || (tokens[i]?.kind === 'word' && ['PRIMARY', 'KEY', 'INDEX', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'CONSTRAINT', 'FOREIGN', 'CHECK', 'PARTITION'].includes(u))) return undefined;
  }
  let old = nameOf(tokens[i]);
  if (old === undefined) return undefined;
  if (a.verb === 'CHANGE') i++;
  const def = readColumn(tokens, i, a.to);
  if (!def) return undefined;
  if (a.verb !== 'CHANGE') old = def.name;
  return { def, old };
}

/** Statement positions in replay order, and the statements that name each table (CREATE / ALTER / DROP / RENAME). */
export interface ProjectIndex {
  ordinal: Map<Statement, number>;
  byTable: Map<string, Statement[]>;
}

const indexes = new WeakMap<readonly SourceFile[], ProjectIndex>();

/** Tables a statement creates, changes, drops or renames (lower-cased names). */
function tablesNamed(tokens: MyToken[]): string[] {
  const h = head(tokens);
  if (h.startsWith('CREATE TABLE')) { const c = readCreateTable(tokens); return c ? [c.key] : []; }
  if (h.startsWith('ALTER TABLE')) {
    const a = readAlterTable(tokens);
    if (!a) return [];
    const out = [a.key];
    for (const act of a.actions) if (act.verb === 'RENAME') { const n = readName(tokens, act.from + 1 + (['TO', 'AS'].includes(up(tokens[act.from + 1])) ? 1 : 0)); if (n) out.push(n.key); }
    return out;
  }
  if (h.startsWith('DROP TABLE') || h.startsWith('RENAME TABLE') || h.startsWith('TRUNCATE')) {
    const out: string[] = [];
    for (let i = 2; i < tokens.length; i++) {
      const n = readName(tokens, i);
      if (n && !['IF', 'EXISTS', 'TO', 'CASCADE', 'RESTRICT', 'TABLE', 'WAIT', 'NOWAIT'].includes(up(tokens[i]))) { out.push(n.key); i = n.next - 1; }
    }
    return out;
  }
  if (h.startsWith('CREATE') && /\bINDEX\b/.test(h)) {
    const on = tokens.findIndex((t) => up(t) === 'ON');
    const n = on >= 0 ? readName(tokens, on + 1) : undefined;
    return n ? [n.key] : [];
  }
  if (h.startsWith('DROP INDEX')) {
    const on = tokens.findIndex((t) => up(t) === 'ON');
    const n = on >= 0 ? readName(tokens, on + 1) : undefined;
    return n ? [n.key] : [];
  }
  return [];
}

/** The MySQL statements of the project's replayed (up) files, indexed once per file list. */
export function projectIndex(files: readonly SourceFile[]): ProjectIndex {
  let ix = indexes.get(files);
  if (ix) return ix;
  ix = { ordinal: new Map(), byTable: new Map() };
  let n = 0;
  for (const f of files) {
    if (f.dialect.family !== 'mysql') continue;
    for (const s of f.statements) {
      ix.ordinal.set(s, n++);
      if (!f.replayed || isDownStatement(s)) continue;
      const toks = tokensOf(s);
      const h = up(toks[0]);
      if (h !== 'CREATE' && h !== 'ALTER' && h !== 'DROP' && h !== 'RENAME' && h !== 'TRUNCATE') continue;
      for (const k of new Set(tablesNamed(toks))) {
        let list = ix.byTable.get(k);
        if (!list) ix.byTable.set(k, (list = []));
        list.push(s);
      }
    }
  }
  indexes.set(files, ix);
  return ix;
}

/** Statements after `stmt` (in replay order) that name table `key`. */
export function laterStatements(files: readonly SourceFile[], stmt: Statement, key: string): Statement[] {
  const ix = projectIndex(files);
  const at = ix.ordinal.get(stmt);
  if (at === undefined) return [];
  return (ix.byTable.get(key) ?? []).filter((s) => ix.ordinal.get(s)! > at);
}

/** Statements before `stmt` (in replay order) that name table `key`. */
export function earlierStatements(files: readonly SourceFile[], stmt: Statement, key: string): Statement[] {
  const ix = projectIndex(files);
  const at = ix.ordinal.get(stmt);
  if (at === undefined) return [];
  return (ix.byTable.get(key) ?? []).filter((s) => ix.ordinal.get(s)! < at);
}

/** A finding's span: tokens[a] to tokens[b] (inclusive), as file offsets. */
export function span(stmt: Statement, tokens: MyToken[], a: number, b = a): { start: number; end: number } {
  return { start: stmt.start + tokens[a].start, end: stmt.start + tokens[b].end };
}

/** Types compared after these aliases (MySQL's own synonyms). */
const ALIAS: Record<string, string> = {
  integer: 'int', bool: 'tinyint', boolean: 'tinyint', dec: 'decimal', numeric: 'decimal', fixed: 'decimal',
  'double precision': 'double', real: 'double', 'character varying': 'varchar', 'char varying': 'varchar', character: 'char',
  'national char': 'char', nchar: 'char', 'national varchar': 'varchar', nvarchar: 'varchar', 'long varchar': 'mediumtext', long: 'mediumtext',
  int4: 'int', int8: 'bigint', int2: 'smallint', int1: 'tinyint', int3: 'mediumint', middleint: 'mediumint', float4: 'float', float8: 'double',
};
export function baseType(c: ColumnDef): string {
  return ALIAS[c.base] ?? c.base;
}
