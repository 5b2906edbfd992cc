// What is under the cursor in a MySQL / MariaDB statement that has no PostgreSQL tree: read from its
// tokens (dialects/mysql/lex.ts) against the file's own schema (Project.schemaFor). Table names after
// FROM / JOIN / UPDATE / INTO / TABLE / REFERENCES (with their aliases), `alias.column` and `table.column`,
// a column definition of CREATE TABLE, and an unqualified column that exactly one of the statement's
// tables has. Anything less certain answers nothing (no hover rather than a wrong one).
import { lex, type MyToken } from '../dialects/mysql/lex';
import { MYSQL_RESERVED } from '../dialects/mysql/keywords';
import type { SourceFile, Statement } from '../model';
import type { Column, Schema, Table } from '../schema';
import type { SymbolAt } from './symbols';

const TABLE_INTRO = new Set(['FROM', 'JOIN', 'UPDATE', 'INTO', 'TABLE', 'REFERENCES', 'STRAIGHT_JOIN']);
const isName = (t: MyToken | undefined): t is MyToken => !!t && (t.kind === 'quoted' || (t.kind === 'word' && !MYSQL_RESERVED.has(t.upper)));
const isOp = (t: MyToken | undefined, v: string) => !!t && t.kind === 'op' && t.value === v;

/** A table of the schema by its name as MySQL compares it (case-insensitively), in database `db` when given. */
export function findMySqlTable(schema: Schema, name: string, db?: string): Table | undefined {
  const n = name.toLowerCase(), d = db?.toLowerCase();
  const hits = [...schema.tables.values()].filter((t) => t.name.toLowerCase() === n && (d === undefined || t.schema.toLowerCase() === d));
  if (hits.length === 1) return hits[0];
  return d === undefined ? hits.find((t) => t.schema === 'public') : undefined;
}

export function findMySqlColumn(t: Table, name: string): Column | undefined {
  const n = name.toLowerCase();
  return t.columns.get(name) ?? [...t.columns.values()].find((c) => c.name.toLowerCase() === n);
}

interface Ref { table: Table | undefined; first: number; last: number }

/** The statement's table references (token indexes of the name) and its aliases. */
function tableRefs(toks: MyToken[], schema: Schema): { refs: Ref[]; aliases: Map<string, Table> } {
  const refs: Ref[] = [];
  const aliases = new Map<string, Table>();
  for (let k = 1; k < toks.length; k++) {
    if (!(toks[k - 1].kind === 'word' && TABLE_INTRO.has(toks[k - 1].upper))) continue;
    let i = k;
    for (;;) {
      while (toks[i]?.kind === 'word' && ['IF', 'NOT', 'EXISTS', 'IGNORE', 'LOW_PRIORITY'].includes(toks[i].upper)) i++;
      if (!isName(toks[i])) break;
      let last = i, db: string | undefined;
      if (isOp(toks[i + 1], '.') && isName(toks[i + 2])) { db = toks[i].value; last = i + 2; }
      const table = findMySqlTable(schema, toks[last].value, db);
      refs.push({ table, first: i, last });
      let j = last + 1;
      if (toks[j]?.upper === 'AS') j++;
      if (isName(toks[j]) && !(toks[j].kind === 'word' && ['SET', 'ON', 'USING', 'WHERE', 'VALUES', 'VALUE', 'SELECT', 'LEFT', 'RIGHT', 'INNER', 'JOIN', 'PARTITION', 'USE', 'FORCE', 'IGNORE', 'ENGINE', 'LIKE'].includes(toks[j].upper))) {
        if (table) aliases.set(toks[j].value.toLowerCase(), table);
        j++;
      }
      if (toks[k - 1].upper === 'FROM' && isOp(toks[j], ',')) { i = j + 1; continue; }
      break;
    }
  }
  for (const r of refs) if (r.table) aliases.set(r.table.name.toLowerCase(), r.table);
  return { refs, aliases };
}

/** CREATE TABLE x (...): the token indexes of its column definitions' names. */
function columnDefinitions(toks: MyToken[]): Set<number> {
  const out = new Set<number>();
  if (toks[0]?.upper !== 'CREATE') return out;
  const open = toks.findIndex((t) => isOp(t, '('));
  if (open < 0 || !toks.slice(0, open).some((t) => t.upper === 'TABLE')) return out;
  let depth = 0, elem = open + 1;
  for (let k = open; k < toks.length; k++) {
    if (isOp(toks[k], '(')) depth++;
    else if (isOp(toks[k], ')')) { depth--; if (depth === 0) break; }
    else if (isOp(toks[k], ',') && depth === 1) { if (isName(toks[elem])) out.add(elem); elem = k + 1; }
  }
  if (isName(toks[elem])) out.add(elem);
  return out;
}

export function mySqlSymbolAt(file: SourceFile, stmt: Statement, offset: number, schema: Schema): SymbolAt | undefined {
  const toks = lex(stmt.text).tokens;
  const rel = offset - stmt.start;
  const idx = toks.findIndex((t) => t.start <= rel && rel <= t.end && (t.kind === 'word' || t.kind === 'quoted'));
  if (idx < 0 || !isName(toks[idx])) return undefined;
  const tok = toks[idx];
  const span = { start: stmt.start + tok.start, end: stmt.start + tok.end };
  const { refs, aliases } = tableRefs(toks, schema);
  const ref = refs.find((r) => r.last === idx);
  if (ref) return ref.table ? { kind: 'table', table: ref.table, ...span } : undefined;
  if (refs.some((r) => r.first === idx && r.last !== idx)) return undefined; // a database name
  if (isOp(toks[idx + 1], '(')) return undefined; // a function
  // qualifier.column
  if (isOp(toks[idx - 1], '.') && isName(toks[idx - 2])) {
    if (isOp(toks[idx - 3], '.')) return undefined; // db.table.column: not read
    const t = aliases.get(toks[idx - 2].value.toLowerCase());
    const c = t && findMySqlColumn(t, tok.value);
    return t && c ? { kind: 'column', table: t, column: c, ...span } : undefined;
  }
  // a qualifier itself: the table (or the aliased table)
  if (isOp(toks[idx + 1], '.')) {
    const t = aliases.get(tok.value.toLowerCase());
    return t ? { kind: 'table', table: t, ...span } : undefined;
  }
  // a column definition of CREATE TABLE
  if (columnDefinitions(toks).has(idx)) {
    const t = refs[0]?.table;
    const c = t && findMySqlColumn(t, tok.value);
    return t && c ? { kind: 'column', table: t, column: c, ...span } : undefined;
  }
  // an unqualified column: exactly one of the statement's tables has it
  const tables = [...new Set(refs.map((r) => r.table).filter((t): t is Table => !!t))];
  if (refs.some((r) => !r.table)) return undefined; // a table the schema does not know might have it
  const owners = tables.filter((t) => findMySqlColumn(t, tok.value));
  if (owners.length !== 1) return undefined;
  return { kind: 'column', table: owners[0], column: findMySqlColumn(owners[0], tok.value)!, ...span };
}
