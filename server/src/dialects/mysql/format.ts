// Formatting one MySQL / MariaDB statement: sql-formatter's mysql (or mariadb) language, with a safety
// net like PostgreSQL's (engine/format.ts), built on the MySQL lexer instead of a parse tree: the
// formatted text must lex to the same tokens (only whitespace may change, and the case of a word only
// where MySQL ignores it: reserved words, data types and options outside name positions, function
// names before `(`), keep every comment, split as one statement, and format to itself again. Compound
// statements (procedures, functions, triggers, events, BEGIN ... END) and everything inside a DELIMITER
// block are left exactly as written: the client command must stay where it is.
import { formatDialect, mariadb, mysql, type FormatOptionsWithDialect } from 'sql-formatter';
import { lex, type MyToken } from './lex';
import { splitMySql } from './split';
import { MYSQL_CASE_FREE, MYSQL_RESERVED, NAME_POSITION } from './keywords';

export type MySqlLeftReason = 'syntax-error' | 'compound' | 'formatter-error' | 'different-tokens' | 'splits-differently' | 'lost-comment' | 'not-idempotent';

export interface MySqlFormatOptions {
  tabSize: number;
  insertSpaces: boolean;
  keywordCase: 'preserve' | 'upper' | 'lower';
}

const ROUTINE = /^\s*(?:create\s+(?:or\s+replace\s+)?(?:definer\s*=\s*\S+\s+)?(?:aggregate\s+)?(?:procedure|function|trigger|event)\b|(?:\w+\s*:\s*)?begin\b)/i;

/** Is the statement a compound one (a routine, trigger, event or block): left as written. */
export function isCompound(text: string): boolean {
  return ROUTINE.test(text.replace(/^(?:\s|#[^\n]*\n|--\s[^\n]*\n|\/\*(?!!)[\s\S]*?\*\/)*/, ''));
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** May the case of word `i` change without changing what the statement means? */
function caseFree(toks: MyToken[], i: number, dotted: Set<string>): boolean {
  const t = toks[i];
  const prev = toks[i - 1], next = toks[i + 1];
  if ((prev?.kind === 'op' && prev.value === '.') || (next?.kind === 'op' && next.value === '.')) return false;
  if (dotted.has(t.upper)) return false; // also used as a qualifier (an alias or table): a name
  if (MYSQL_RESERVED.has(t.upper)) return true; // never an unquoted name
  if (i === 0) return true; // the statement's first word: its keyword
  const afterName = prev?.kind === 'word' && NAME_POSITION.has(prev.upper);
  // CAST(x AS DATETIME), CONVERT(x, DATE): a type
  if (afterName && prev.upper === 'AS' && MYSQL_CASE_FREE.has(t.upper) && next?.kind === 'op' && (next.value === ')' || next.value === '(')) return true;
  if (afterName || (prev?.kind === 'op' && prev.value === ',' && !MYSQL_CASE_FREE.has(t.upper))) return false;
  // a function call: built-in and stored function names are case-insensitive
  if (next?.kind === 'op' && next.value === '(') return true;
  return MYSQL_CASE_FREE.has(t.upper);
}

/** The same tokens, but whitespace and the case of words where MySQL ignores it? */
export function sameMySqlTokens(a: string, b: string): boolean {
  const x = lex(a), y = lex(b);
  if (x.unterminated || y.unterminated || x.tokens.length !== y.tokens.length) return false;
  const dotted = new Set<string>();
  for (let i = 0; i + 1 < x.tokens.length; i++) if (x.tokens[i].kind === 'word' && x.tokens[i + 1].value === '.' && x.tokens[i + 1].kind === 'op') dotted.add(x.tokens[i].upper);
  for (let i = 0; i < x.tokens.length; i++) {
    const p = x.tokens[i], q = y.tokens[i];
    if (p.kind !== q.kind) return false;
    const pt = a.slice(p.start, p.end), qt = b.slice(q.start, q.end);
    if (pt === qt) continue;
    if (p.kind !== 'word' || p.upper !== q.upper || !caseFree(x.tokens, i, dotted)) return false;
  }
  const ca = x.comments.map((c) => squash(c.text)), cb = y.comments.map((c) => squash(c.text));
  return ca.length === cb.length && ca.every((c, i) => c === cb[i]);
}

function commentsOf(text: string): string[] { return lex(text).comments.map((c) => squash(c.text)); }

/**
 * The formatted statement as it would stand in the file (continuation lines indented like its first
 * line, the file's line ending), or why it is left as written.
 */
export function formatMySqlStatement(original: string, options: MySqlFormatOptions, context: { indent: string; eol: string }, flavor: 'mysql' | 'mariadb' = 'mysql'): { text: string } | { reason: MySqlLeftReason } {
  const before = lex(original);
  if (before.unterminated) return { reason: 'syntax-error' };
  if (!before.tokens.length) return { text: original };
  if (isCompound(original)) return { reason: 'compound' };
  const lib: FormatOptionsWithDialect = {
    dialect: flavor === 'mariadb' ? mariadb : mysql,
    tabWidth: Math.max(1, Math.min(16, Math.floor(options.tabSize) || 2)),
    useTabs: !options.insertSpaces,
    keywordCase: options.keywordCase,
    dataTypeCase: options.keywordCase,
  };
  const render = (sql: string): string => {
    const out = formatDialect(sql, lib).replace(/[ \t]+$/gm, '');
    return out.split('\n').map((line, i) => (i > 0 && line !== '' ? context.indent + line : line)).join(context.eol);
  };
  let text: string, again: string;
  try {
    text = render(original);
    again = render(text);
  } catch {
    return { reason: 'formatter-error' };
  }
  const wantComments = commentsOf(original), gotComments = commentsOf(text);
  if (wantComments.length !== gotComments.length || wantComments.some((c, i) => c !== gotComments[i])) return { reason: 'lost-comment' };
  if (!sameMySqlTokens(original, text)) return { reason: 'different-tokens' };
  const split = splitMySql(text);
  const only = split.statements[0];
  if (split.statements.length !== 1 || split.delimiters.length || split.templated || only.start !== 0 || only.end !== text.length || only.text !== text) return { reason: 'splits-differently' };
  if (again !== text) return { reason: 'not-idempotent' };
  return { text };
}
