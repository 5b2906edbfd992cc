// Small readings of a MySQL statement's own text for the shared rules (what the lowering drops).
import { lex } from './lex';
import type { Fix, SourceFile } from '../../model';
import type { Column } from '../../schema';
import { isAppliedMigration } from '../../engine/placement';

const limited = new Map<string, boolean>();
/** True when an UPDATE or DELETE ends with a top-level LIMIT (MySQL: at most n rows). */
export function mySqlLimited(text: string): boolean {
  let hit = limited.get(text);
  if (hit === undefined) {
    let depth = 0;
    hit = false;
    for (const t of lex(text).tokens) {
      if (t.value === '(') depth++;
      else if (t.value === ')') depth--;
      else if (depth === 0 && t.upper === 'LIMIT') { hit = true; break; }
    }
    if (limited.size > 10_000) limited.clear();
    limited.set(text, hit);
  }
  return hit;
}

/** A name as MySQL DDL writes it: always backticked (a sign of the dialect in a file DB Engineer writes, and safe for reserved words). */
export function mySqlIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** True when the location lies in a MySQL / MariaDB file (the schema rules' dialect switch). */
export function inMySqlFile(ctx: { file(path: string): SourceFile | undefined }, loc: { path: string }): boolean {
  return ctx.file(loc.path)?.dialect.family === 'mysql';
}

/**
 * A MySQL column type rewritten where it is written, only where the statement has not run yet (one
 * schema file, the newest migration); none in an applied migration: MySQL's ALTER TABLE ... MODIFY
 * restates the whole column definition, which a type fix must not guess.
 */
export function mySqlTypeFix(ctx: { files(): readonly SourceFile[]; file(path: string): SourceFile | undefined }, col: Column, newType: string): Fix | undefined {
  const file = ctx.file(col.typeLoc.path);
  if (!file || isAppliedMigration(ctx.files(), file)) return undefined;
  return { title: `Change the type to ${newType}`, edits: [{ path: col.typeLoc.path, start: col.typeLoc.start, end: col.typeLoc.end, newText: newType }] };
}
