// What is under the cursor: a table (any relation reference) or a column (a column reference
// resolved through the statement's FROM items, aliases and CTEs, or a column definition), against one
// schema. The walk over every name of a statement is ../sql/references.ts, shared with Find All
// References and Rename (./references-index.ts).
import { statementAt } from '../engine/suppress';
import type { SourceFile } from '../model';
import type { Column, Schema, Table } from '../schema';
import { bodyStatements, statementReferences } from '../sql/references';
import { MYSQL_STATEMENT } from '../dialects/types';
import { mySqlSymbolAt } from './mysql-symbols';

export { nameParts } from '../sql/references';

export type SymbolAt =
  | { kind: 'table'; table: Table; start: number; end: number }
  | { kind: 'column'; table: Table; column: Column; start: number; end: number };

export function symbolAt(file: SourceFile, offset: number, schema: Schema): SymbolAt | undefined {
  const stmt = statementAt(file, offset);
  // a MySQL statement without a (lowered) PostgreSQL tree: read from its tokens
  if (stmt && file.dialect.family === 'mysql' && stmt.kind === MYSQL_STATEMENT) return mySqlSymbolAt(file, stmt, offset, schema);
  if (!stmt?.node) return undefined;
  const found = treeSymbolAt(stmt, offset, schema);
  // a lowered MySQL statement whose tree does not place the name (lowering maps locations back, not
  // every one): the tokens still can
  if (!found && file.dialect.family === 'mysql') return mySqlSymbolAt(file, stmt, offset, schema);
  return found;
}

function treeSymbolAt(stmt: NonNullable<ReturnType<typeof statementAt>>, offset: number, schema: Schema): SymbolAt | undefined {
  for (const s of [stmt, ...bodyStatements(stmt)]) {
    if (offset < s.start || offset > s.end) continue;
    for (const r of statementReferences(s, schema).refs) {
      if (offset < r.start || offset > r.end) continue;
      return r.column
        ? { kind: 'column', table: r.table, column: r.column, start: r.start, end: r.end }
        : { kind: 'table', table: r.table, start: r.start, end: r.end };
    }
  }
  return undefined;
}
