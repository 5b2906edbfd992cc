// Fix validation: a fix is offered (editor) or applied (--fix) only when the text it produces parses
// at least as well as the text it was made from. A fix that adds a syntax error, removes a statement
// it does not cover whole, or leaves a file without any statement is dropped, with the reason. Used
// by the engine where findings get their fixes (Project), so the CLI and the editor see the same fixes.
import type { Fix, SourceFile, TextEdit } from '../model';
import { parseStatement } from '../sql/parse';
import { splitStatements } from '../sql/split';
import { applyEdits } from './edits';
import type { DialectFamily } from '../dialects/types';
import { splitMySql } from '../dialects/mysql/split';
import { mySqlSyntax } from '../dialects/mysql/syntax';

export interface ParseSummary {
  /** Statements (non-empty, as the splitter sends them). */
  statements: number;
  /** Statements PostgreSQL's parser rejects. */
  errors: number;
}

/** How well `text` parses: statement and syntax-error counts (MySQL text by the MySQL front end). */
export function parseSummary(text: string, family: DialectFamily = 'postgres'): ParseSummary {
  if (family === 'mysql') {
    const raw = splitMySql(text).statements;
    return { statements: raw.length, errors: raw.filter((s) => !s.templated && mySqlSyntax(s.text, 'mysql')).length };
  }
  const raw = splitStatements(text).statements;
  let errors = 0;
  for (const s of raw) if (parseStatement(s.text).error) errors++;
  return { statements: raw.length, errors };
}

/**
 * Why the whole-file change `before` -> `after` must not be written, or undefined when it may:
 * more syntax errors, fewer statements than `removed` allows, or an emptied file.
 */
export function worseParse(before: ParseSummary, after: ParseSummary, removed = 0): string | undefined {
  if (after.errors > before.errors) return `it would add ${after.errors - before.errors === 1 ? 'a syntax error' : `${after.errors - before.errors} syntax errors`}`;
  if (before.statements > 0 && after.statements === 0) return 'it would leave the file without any statement';
  if (after.statements < before.statements - removed) return 'it would remove a statement it does not mean to';
  return undefined;
}

/** Statements of `file` that an edit covers whole (a deletion meant to remove them). */
export function coveredWhole(file: SourceFile, edits: readonly TextEdit[]): number {
  let n = 0;
  for (const s of file.statements) if (edits.some((e) => e.start <= s.start && s.end <= e.end && e.start < e.end)) n++;
  return n;
}

/**
 * Why `fix` must be dropped, or undefined when it keeps every file it touches parsing as well as
 * before. `file(path)` gives the project's current files.
 */
export function fixProblem(fix: Fix, file: (path: string) => SourceFile | undefined, family: DialectFamily = 'postgres'): string | undefined {
  const byPath = new Map<string, TextEdit[]>();
  for (const e of fix.edits) byPath.set(e.path, [...(byPath.get(e.path) ?? []), e]);
  for (const [p, edits] of byPath) {
    if (edits.some((e) => e.create)) {
      // a new SQL file: every statement of it must parse (metadata.toml, Flyway's .conf are not SQL)
      if (!/\.sql$/i.test(p)) continue;
      const s = parseSummary(edits.map((e) => e.newText).join(''), family);
      if (s.errors) return 'the file it writes does not parse';
      continue;
    }
    const f = file(p);
    if (!f || f.skipped) return f ? 'the file was not analysed' : undefined;
    if (edits.some((e) => e.start < 0 || e.end < e.start || e.end > f.text.length)) return 'its edits fall outside the file';
    const local = localProblem(f, edits);
    if (local !== null) {
      if (local) return local;
      continue;
    }
    const fam = f.dialect?.family ?? 'postgres';
    const before = parseSummary(f.text, fam);
    const after = parseSummary(applyEdits(f.text, edits), fam);
    const why = worseParse(before, after, coveredWhole(f, edits));
    if (why) return why;
  }
  return undefined;
}

/**
 * The quick check for the common case, edits inside one statement of an untemplated file: what the
 * statement becomes must parse (when it parsed before) and not be empty.
 * Returns null when the case does not apply (the whole file is checked instead).
 */
function localProblem(f: SourceFile, edits: readonly TextEdit[]): string | undefined | null {
  if (f.split.templated) return null;
  // MySQL files: the whole file is checked by the MySQL front end
  if (f.dialect?.family === 'mysql') return null;
  const stmt = f.statements.find((s) => edits.every((e) => s.start <= e.start && e.end <= s.end));
  if (!stmt || edits.some((e) => e.start === stmt.start && e.end === stmt.end)) return null;
  const shifted = edits.map((e) => ({ ...e, start: e.start - stmt.start, end: e.end - stmt.start }));
  const text = applyEdits(f.text.slice(stmt.start, stmt.end), shifted);
  const raw = splitStatements(text).statements;
  if (raw.length === 0) return 'it would remove a statement it does not mean to';
  if (stmt.parsed.error) {
    // it did not parse before: the edit must not add more errors
    return raw.filter((r) => parseStatement(r.text).error).length > 1 ? 'it would add a syntax error' : undefined;
  }
  const parsed = raw.map((r) => parseStatement(r.text));
  // statements may be added (NOT VALID, then VALIDATE; an online rename's steps)
  if (parsed.some((p) => p.error)) return 'it would add a syntax error';
  return undefined;
}
