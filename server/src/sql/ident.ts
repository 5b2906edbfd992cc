// Writing identifiers into generated SQL.
import { parseStatement } from './parse';

const PLAIN = /^[a-z_][a-z0-9_$]*$/;
const QUOTED = (name: string) => '"' + name.replace(/"/g, '""') + '"';

/**
 * An identifier as it must be written in SQL: bare when PostgreSQL reads it back unchanged (a plain
 * lowercase name that is not a reserved word, asked of the real parser), double-quoted otherwise.
 */
export function quoteIdent(name: string): string {
  if (!PLAIN.test(name)) return QUOTED(name);
  const p = parseStatement(`SELECT ${name} FROM x`);
  const f = p.node?.SelectStmt?.targetList?.[0]?.ResTarget?.val?.ColumnRef?.fields;
  return f && f.length === 1 && f[0]?.String?.sval === name ? name : QUOTED(name);
}

/** After a dot (`t.col`) any keyword is a label: only case and odd characters need quotes. */
export function quoteQualifiedPart(name: string): string {
  return PLAIN.test(name) ? name : QUOTED(name);
}
