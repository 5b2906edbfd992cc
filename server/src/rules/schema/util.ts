// Helpers shared by the schema-design rules: finding the statement behind a location, building
// insertion edits, quoting identifiers, and deciding whether an index serves a foreign key.
import { quoteIdent } from '../../sql/ident';
import type { Loc, SourceFile, Statement, TextEdit } from '../../model';
import type { ForeignKey, Index, Schema, Table } from '../../schema';
import { tokens } from '../../sql/parse';
import { fileTokens } from '../../sql/spans';
import { mySqlTokens } from '../../dialects/mysql/tokens';
import type { SchemaContext } from '../types';

/** The statement of `file` that contains file offset `at`. */
export function statementAt(file: SourceFile | undefined, at: number): Statement | undefined {
  if (!file) return undefined;
  for (const s of file.statements) if (s.start <= at && at < Math.max(s.end, s.start + 1)) return s;
  return undefined;
}

/** The statement a location was written in. */
export function statementOf(ctx: SchemaContext, loc: Loc): Statement | undefined {
  return statementAt(ctx.file(loc.path), loc.start);
}

/** An edit inserting new statements on their own line right after `stmt`. */
export { insertAfterStatement as insertAfter } from '../../engine/placement';

/** An identifier as it must be written in SQL (quoted when it is not a plain lowercase name). */
export function ident(name: string): string { return quoteIdent(name); }

/** A table's name as written in generated SQL: schema-qualified unless it lives in public. */
export function tableRef(t: Table): string {
  return t.schema === 'public' ? ident(t.name) : `${ident(t.schema)}.${ident(t.name)}`;
}

/** A name for a generated object, cut to PostgreSQL's 63-byte identifier limit. */
export function objectName(parts: string[]): string {
  const name = parts.join('_').toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  return name.length > 63 ? name.slice(0, 63).replace(/_+$/, '') : name;
}

/** The array suffix of a type as written (`[]`, `[3][]`, ` ARRAY`), or ''. */
export function arraySuffix(typeText: string): string {
  const m = /((\s*\[\s*\d*\s*\])+|\s+array(\s*\[\s*\d*\s*\])?)\s*$/i.exec(typeText);
  return m ? m[0] : '';
}

/** `replacement` in upper case when the original type was written in upper case. */
export function matchCase(original: string, replacement: string): string {
  const letters = original.replace(/[^A-Za-z]/g, '');
  return letters && letters === letters.toUpperCase() ? replacement.toUpperCase() : replacement;
}

/** Where an index's name is written in its CREATE INDEX statement (or the whole first line). */
export function indexNameLoc(ctx: SchemaContext, ix: Index): { loc: Loc; stmt?: Statement } {
  const stmt = statementOf(ctx, ix.loc);
  if (!stmt || stmt.kind !== 'IndexStmt') {
    // e.g. inside a DO block: the name's first occurrence in the CREATE INDEX text
    const text = ctx.file(ix.loc.path)?.text.slice(ix.loc.start, ix.loc.end) ?? '';
    const m = new RegExp(`"?\\b${ix.name.replace(/[^A-Za-z0-9_]/g, '.')}\\b"?`, 'i').exec(text);
    return { loc: m ? { path: ix.loc.path, start: ix.loc.start + m.index, end: ix.loc.start + m.index + m[0].length } : ix.loc };
  }
  const name = stmt.node?.idxname as string | undefined;
  const toks = fileTokens(stmt);
  if (name) {
    for (const t of toks) {
      const word = t.text.startsWith('"') ? t.text.slice(1, -1).replace(/""/g, '"') : t.text.toLowerCase();
      if (word === name) return { loc: { path: stmt.file.path, start: t.start, end: t.end }, stmt };
    }
  }
  // unnamed index: the statement's keywords up to ON
  const on = toks.findIndex((t) => t.text.toLowerCase() === 'on');
  const end = on > 0 ? toks[on - 1].end : (toks[0]?.end ?? stmt.end);
  return { loc: { path: stmt.file.path, start: stmt.start, end }, stmt };
}

/** Plain key columns of an index ([] when a key element is an expression). */
export function plainColumns(ix: Index): string[] {
  return ix.columns.every((c) => c !== null) ? (ix.columns as string[]) : ix.columns.slice(0, ix.columns.indexOf(null)) as string[];
}

/**
 * True when `ix` can serve lookups on `cols` (a foreign key's columns) for every row: a btree index
 * (not partial, or partial only on `col IS NOT NULL`) whose leading key columns are exactly those columns, in any order (or a one-column hash index).
 */
export function indexCovers(ix: Index, cols: string[]): boolean {
  if (cols.length === 0 || (ix.predicate && !onlyNotNull(ix.predicate, cols))) return false;
  if (ix.method === 'hash') return cols.length === 1 && ix.columns.length === 1 && ix.columns[0] === cols[0];
  if (ix.method !== 'btree') return false;
  const lead = ix.columns.slice(0, cols.length);
  if (lead.length < cols.length || lead.some((c) => c === null)) return false;
  const want = new Set(cols);
  return lead.every((c) => want.has(c!)) && new Set(lead).size === want.size;
}

/**
 * True when a partial-index predicate (shape) only says that some of `cols` are not null (`a IS NOT NULL
 * [AND b IS NOT NULL]`): a foreign-key lookup `col = $1` implies it, so the planner can use the index.
 */
export function onlyNotNull(predicate: string, cols: string[]): boolean {
  let node: any;
  try { node = JSON.parse(predicate); } catch { return false; }
  const ok = (n: any): boolean => {
    if (n?.BoolExpr?.boolop === 'AND_EXPR') return (n.BoolExpr.args ?? []).every(ok);
    const t = n?.NullTest;
    if (!t || t.nulltesttype !== 'IS_NOT_NULL') return false;
    const f = t.arg?.ColumnRef?.fields;
    const name = Array.isArray(f) ? f[f.length - 1]?.String?.sval : undefined;
    return typeof name === 'string' && cols.includes(name);
  };
  return ok(node);
}

/** The indexes of `t` that cover a foreign key's columns. */
export function coveringIndexes(schema: Schema, t: Table, fk: ForeignKey): Index[] {
  return schema.indexesOf(t).filter((ix) => indexCovers(ix, fk.columns));
}

/** True when a table is an ordinary table that design rules judge (not a view, not a partition). */
export function isJudgedTable(t: Table): boolean {
  return t.kind === 'table' && !t.partitionOf;
}

/** Splits a column name into lowercase words (snake_case and camelCase). */
export function nameWords(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** A foreign key's span: its constraint name, else `FOREIGN KEY (cols)`, else `REFERENCES table` (column constraint). */
export function foreignKeyLoc(ctx: SchemaContext, fk: ForeignKey): Loc {
  const stmt = statementOf(ctx, fk.loc);
  if (!stmt) return fk.loc;
  // tokens from the constraint on (the statement may be a DO block whose body is one string token)
  const masked = stmt.file.split.masked || stmt.file.text;
  const semi = masked.indexOf(';', fk.loc.start);
  const stop = semi >= 0 && semi < stmt.end ? semi : stmt.end;
  const piece = masked.slice(fk.loc.start, stop);
  const toks = (stmt.file.dialect?.family === 'mysql' ? mySqlTokens(piece) : tokens(piece)).slice(0, 200)
    .map((t) => ({ ...t, start: t.start + fk.loc.start, end: t.end + fk.loc.start }));
  const i = 0;
  if (toks.length === 0) return fk.loc;
  const span = (a: number, b: number): Loc => ({ path: fk.loc.path, start: toks[a].start, end: toks[Math.min(b, toks.length - 1)].end });
  const word = toks[i].text.toLowerCase();
  if (word === 'constraint' && i + 1 < toks.length) return span(i + 1, i + 1);
  if (word === 'foreign') {
    const close = toks.findIndex((t, k) => k > i && t.text === ')');
    if (close > 0) return span(i, close);
  }
  if (word === 'references') {
    let k = i + 1;
    while (k + 2 < toks.length && toks[k + 1].text === '.') k += 2;
    return span(i, k);
  }
  return fk.loc;
}

/** An unused index name built from a table and columns. */
export function freshIndexName(schema: Schema, t: Table, cols: string[]): string {
  const base = objectName(['idx', t.name, ...cols]);
  if (!schema.indexes.hasName(base)) return base;
  for (let n = 1; ; n++) {
    const candidate = objectName([base.slice(0, 60), String(n)]);
    if (!schema.indexes.hasName(candidate)) return candidate;
  }
}
