// Formatting SQL files statement by statement, through sql-formatter (its PostgreSQL dialect), with a
// safety net: a statement is rewritten only when its formatted text parses (libpg-query) to the same
// tree as the original (locations aside), keeps every comment and every dollar-quoted string byte for
// byte, splits as one statement with nothing psql would read as a variable, and formats to itself again
// (idempotence). Anything else (a syntax error, a template or psql
// variable, a statement the library throws on, a result that fails one of the checks) is left exactly
// as written, and so is the text between statements (comments, blank lines, tool annotations, psql
// meta-commands, COPY data). The result is one edit per changed statement, never a whole-file replace.
// See docs/decisions/0024-formatting.md.
import { formatDialect, postgresql, type FormatOptionsWithDialect } from 'sql-formatter';
import { parseStatement, tokens, type Node } from '../sql/parse';
import { splitStatements, type RawStatement, type SplitResult } from '../sql/split';
import { formatMySqlStatement } from '../dialects/mysql/format';
import { splitMySql, type MySqlSplit } from '../dialects/mysql/split';

export type KeywordCase = 'preserve' | 'upper' | 'lower';
export const KEYWORD_CASES: readonly KeywordCase[] = ['preserve', 'upper', 'lower'];

export interface FormatOptions {
  /** Spaces per indentation level (LSP FormattingOptions.tabSize). */
  tabSize: number;
  /** Spaces (true) or tabs (false) (LSP FormattingOptions.insertSpaces). */
  insertSpaces: boolean;
  /** Case of keywords and type names; 'preserve' keeps them as written. */
  keywordCase: KeywordCase;
  /** The file's dialect: MySQL and MariaDB files format with sql-formatter's mysql / mariadb language and a token-based safety net (dialects/mysql/format.ts). Default PostgreSQL. */
  dialect?: 'postgres' | 'mysql' | 'mariadb';
}

export function defaultFormatOptions(): FormatOptions { return { tabSize: 2, insertSpaces: true, keywordCase: 'preserve' }; }

/** Why a statement was left as written. */
export type LeftReason =
  | 'syntax-error' | 'templated' | 'several-statements' | 'too-large'
  | 'formatter-error' | 'different-tree' | 'splits-differently' | 'lost-comment' | 'dollar-quote-changed' | 'not-idempotent'
  | 'compound' | 'different-tokens' | 'delimiter-block';

export const LEFT_REASONS: Record<LeftReason, string> = {
  'syntax-error': 'it has a syntax error',
  templated: 'it holds template placeholders or psql variables',
  'several-statements': 'it holds more than one statement',
  'too-large': 'it is too large to format',
  'formatter-error': 'the formatter could not read it',
  'different-tree': 'the formatted text would parse differently',
  'splits-differently': 'the formatted text would split differently or hold what psql reads as a variable',
  'lost-comment': 'the formatted text would lose or move a comment',
  'dollar-quote-changed': 'the formatted text would change a dollar-quoted body',
  'not-idempotent': 'formatting it again would change it again',
  compound: 'it is a procedure, function, trigger, event or BEGIN … END block (kept as written)',
  'different-tokens': 'the formatted text would read differently (a token or the case of a name would change)',
  'delimiter-block': 'it is inside a DELIMITER block (the client command and its terminator stay as written)',
};

/**
 * Why a migration that has already run is never formatted (the editor and the CLI ask
 * engine/placement.ts isAppliedMigration): the databases where it ran do not change, and tools that
 * checksum applied migrations (Flyway, Prisma, Atlas, sqitch) refuse a changed file.
 */
export const APPLIED_MIGRATION = 'the databases where it ran keep it as it was, and tools that checksum applied migrations (Flyway, Prisma, Atlas) reject a changed file';

export interface FormatEdit { start: number; end: number; newText: string }

export interface FormatResult {
  /** One edit per statement whose text changes, in file order. */
  edits: FormatEdit[];
  /** Statements considered (all, or those in the range). */
  statements: number;
  /** Statements already formatted (no edit). */
  unchanged: number;
  /** Statements left as written, with the reason. */
  left: { start: number; end: number; reason: LeftReason }[];
}

/** A statement longer than this is left as written: the formatter's time grows faster than its length. */
export const MAX_FORMAT_CHARS = 100_000;

// every byte offset libpg-query 18 puts in a tree (@pgsql/types: location, list_start, ...)
const LOCATION_KEYS = new Set(['location', 'stmt_location', 'stmt_len', 'list_start', 'list_end', 'rexpr_list_start', 'rexpr_list_end', 'name_location']);
function stripLocations(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripLocations);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!LOCATION_KEYS.has(k)) o[k] = stripLocations(x);
    return o;
  }
  return v;
}

/** The statement's parse tree without positions, or undefined when it does not parse as exactly one statement. */
function treeKey(text: string): string | undefined {
  const p = parseStatement(text);
  if (p.error || p.extra || !p.node) return undefined;
  return JSON.stringify(stripLocations(p.node as Node));
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Comments (whitespace-normalised, in order) and dollar-quoted strings (exact) of a statement. */
function keptParts(text: string): { comments: string[]; dollars: string[] } {
  const comments: string[] = [];
  const dollars: string[] = [];
  for (const t of tokens(text)) {
    if (t.kind === 'SQL_COMMENT' || t.kind === 'C_COMMENT') comments.push(squash(t.text));
    else if (t.kind === 'SCONST' && t.text.startsWith('$')) dollars.push(t.text);
  }
  return { comments, dollars };
}

function sameSequence(want: string[], got: string[]): boolean {
  return want.length === got.length && want.every((w, i) => w === got[i]);
}

function libraryOptions(o: FormatOptions): FormatOptionsWithDialect {
  return {
    dialect: postgresql,
    tabWidth: Math.max(1, Math.min(16, Math.floor(o.tabSize) || 2)),
    useTabs: !o.insertSpaces,
    keywordCase: o.keywordCase,
    dataTypeCase: o.keywordCase,
  };
}

/**
 * The formatted text of one statement as it would stand in the file (continuation lines indented like
 * the statement's first line, the file's line ending), or the reason it stays as written.
 */
export function formatStatement(original: string, options: FormatOptions, context: { indent: string; eol: string } = { indent: '', eol: '\n' }): { text: string } | { reason: LeftReason } {
  if (original.length > MAX_FORMAT_CHARS) return { reason: 'too-large' };
  const before = parseStatement(original);
  if (before.error) return { reason: 'syntax-error' };
  // an empty statement (a lone `;`, a comment before it): nothing to format
  if (!before.node) return { text: original };
  if (before.extra) return { reason: 'several-statements' };
  const tree = treeKey(original)!;
  const lib = libraryOptions(options);
  const render = (sql: string): string => {
    const out = formatDialect(sql, lib).replace(/[ \t]+$/gm, '');
    return out.split('\n').map((line, i) => (i > 0 && line !== '' ? context.indent + line : line)).join(context.eol);
  };
  let text: string;
  let again: string;
  try {
    text = render(original);
    again = render(text);
  } catch {
    return { reason: 'formatter-error' };
  }
  if (treeKey(text) !== tree) return { reason: 'different-tree' };
  // read as the file is read (sql/split.ts, as psql would): still one statement, nothing masked (a
  // `'foo': NULL` written `'foo':NULL` would hand psql the variable :NULL)
  const again1 = splitStatements(text);
  const only = again1.statements[0];
  if (again1.statements.length !== 1 || again1.templated || only.start !== 0 || only.end !== text.length || only.text !== text) return { reason: 'splits-differently' };
  const want = keptParts(original);
  const got = keptParts(text);
  if (!sameSequence(want.comments, got.comments)) return { reason: 'lost-comment' };
  if (!sameSequence(want.dollars, got.dollars)) return { reason: 'dollar-quote-changed' };
  if (again !== text) return { reason: 'not-idempotent' };
  return { text };
}

/** Does the statement [start, end) meet the range? An empty range (a cursor) meets the statement it touches. */
function meets(s: RawStatement, range: { start: number; end: number }): boolean {
  if (range.start === range.end) return s.start <= range.start && range.start <= s.end;
  return s.start < range.end && s.end > range.start;
}

/**
 * Formats a file's statements (those meeting `range` when given). `split` is the file's split when
 * the caller has it (the editor's SourceFile), so statements are the ones every other feature sees.
 */
export function formatSql(text: string, options: FormatOptions, range?: { start: number; end: number }, split?: SplitResult): FormatResult {
  const steps = formatSteps(text, options, range, split);
  for (;;) { const r = steps.next(); if (r.done) return r.value; }
}

/** formatSql one statement at a time (it yields after each), for the language server's slices (lsp/slices.ts). */
export function* formatSteps(text: string, options: FormatOptions, range?: { start: number; end: number }, split?: SplitResult): Generator<void, FormatResult, void> {
  const my = options.dialect === 'mysql' || options.dialect === 'mariadb';
  split ??= my ? splitMySql(text) : splitStatements(text);
  // MySQL: the DELIMITER commands of the file; a statement while one other than `;` holds is left as written
  const delimiters = my ? ((split as Partial<MySqlSplit>).delimiters ?? splitMySql(text).delimiters) : [];
  const eol = /\r\n/.test(text.slice(0, text.indexOf('\n') + 1)) ? '\r\n' : '\n';
  const result: FormatResult = { edits: [], statements: 0, unchanged: 0, left: [] };
  for (const s of split.statements) {
    if (range && !meets(s, range)) continue;
    result.statements++;
    const original = text.slice(s.start, s.end);
    // masked text (templates, psql variables) is not the SQL the file holds
    if (s.templated || original !== s.text) { result.left.push({ start: s.start, end: s.end, reason: 'templated' }); continue; }
    const lineStart = text.lastIndexOf('\n', s.start - 1) + 1;
    const lead = text.slice(lineStart, s.start);
    const indent = /^[ \t]*$/.test(lead) ? lead : '';
    if (my && inDelimiterBlock(delimiters, s.start)) { result.left.push({ start: s.start, end: s.end, reason: 'delimiter-block' }); continue; }
    const r = my ? formatMySqlStatement(original, options, { indent, eol }, options.dialect === 'mariadb' ? 'mariadb' : 'mysql') : formatStatement(original, options, { indent, eol });
    yield;
    if ('reason' in r) { result.left.push({ start: s.start, end: s.end, reason: r.reason }); continue; }
    if (r.text === original) { result.unchanged++; continue; }
    result.edits.push({ start: s.start, end: s.end, newText: r.text });
  }
  return result;
}

/** Is a statement starting at `start` under a DELIMITER other than `;`? */
function inDelimiterBlock(delimiters: MySqlSplit['delimiters'], start: number): boolean {
  let d = ';';
  for (const x of delimiters) { if (x.start >= start) break; d = x.delimiter; }
  return d !== ';';
}

/** Applies non-overlapping edits (file order) to the text. */
export function applyFormatEdits(text: string, edits: readonly FormatEdit[]): string {
  let out = '';
  let at = 0;
  for (const e of edits) { out += text.slice(at, e.start) + e.newText; at = e.end; }
  return out + text.slice(at);
}
