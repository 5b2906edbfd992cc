// Which SQL dialect a file is written in, when it is clearly not PostgreSQL. DB Engineer reads
// PostgreSQL only for now; a MySQL, SQL Server or Oracle file would otherwise get a syntax error per
// statement (and feed a wrong schema). The file is told apart by signs that PostgreSQL never has
// outside strings and comments: backtick identifiers, `ENGINE=`, `GO` batch lines, `VARCHAR2`...
// The notice silences the whole file, so a wrong one costs more than a missing one. "Clearly" means:
// PostgreSQL's parser refuses the file (a file whose statements all parse is PostgreSQL, whatever it
// looks like), the refusals are most of its statements, and strong signs of one dialect sit in most of
// the refused statements. A sign inside a statement PostgreSQL accepted is not a sign (`go` as a column,
// `#` as XOR, `engine` as an alias). Issue #13 (MySQL/MariaDB) reuses this to pick the front end.

export type Dialect = 'postgresql' | 'mysql' | 'sqlserver' | 'oracle';

/** One sign: what it is (in words, for the message) and where (UTF-16 offsets in the file). */
export interface DialectSign { what: string; start: number; end: number; /** Not a mistake a PostgreSQL file could hold. */ strong: boolean }

export interface DialectGuess {
  dialect: Exclude<Dialect, 'postgresql'>;
  /** The dialect's name for messages ("MySQL"). */
  name: string;
  /** The first occurrence of each distinct sign, in file order. */
  signs: DialectSign[];
}

/** What the detection knows of a statement: its span and whether PostgreSQL's parser refused it. */
export interface StatementSpan { start: number; end: number; error: boolean }

const NAMES: Record<DialectGuess['dialect'], string> = { mysql: 'MySQL', sqlserver: 'SQL Server', oracle: 'Oracle' };

interface SignRule {
  dialect: DialectGuess['dialect'];
  what: string;
  re: RegExp;
  /** Where in the match the sign is (a capture group's text), default the whole match. */
  group?: number;
  /** Matched over the file itself (a sign that is a comment), not over the blanked code. */
  raw?: boolean;
  /** A mistake a PostgreSQL file can hold (MySQL's `DROP INDEX i ON t`): alone it never makes the notice. */
  weak?: boolean;
  /**
   * A client command of the dialect that no PostgreSQL file holds (`DELIMITER //`, `source x.sql`):
   * in a refused statement it names the dialect even where the other refusals carry no sign (the
   * statements of a procedure body between two DELIMITER lines).
   */
  decisive?: boolean;
  /** Whether the match at `start` of the (blanked) code really is the sign, judged by what precedes it. */
  accept?: (code: string, start: number) => boolean;
}

/** The token just before `start` in the blanked code: a word (lower-cased) or one character; '' at the file's start. */
function tokenBefore(code: string, start: number): string {
  let i = start - 1;
  while (i >= 0 && /\s/.test(code[i])) i--;
  if (i < 0) return '';
  if (!/\w/.test(code[i])) return code[i];
  let j = i;
  while (j > 0 && /\w/.test(code[j - 1])) j--;
  return code.slice(j, i + 1).toLowerCase();
}

// Words after which T-SQL writes a [bracketed] name; after any other word, `)` or `]` a bracket is a
// PostgreSQL subscript (`tags [idx]`), and after ARRAY an array constructor.
const BEFORE_BRACKET_NAME = new Set(['', '(', ',', '.', 'select', 'from', 'join', 'table', 'into', 'update', 'on', 'where', 'and', 'or', 'by', 'as', 'set',
  'index', 'view', 'exists', 'references', 'procedure', 'proc', 'function', 'exec', 'execute', 'insert', 'delete', 'drop', 'alter', 'create', 'column',
  'add', 'constraint', 'key', 'when', 'then', 'else', 'not', 'trigger', 'schema', 'database', 'use', 'declare', 'go', 'begin', 'primary', 'unique',
  'clustered', 'nonclustered', 'with', 'top', 'distinct', 'having', 'group', 'order', 'apply', 'union', 'all', 'default', 'null', 'identity']);

// Matched over the file with strings and comments blanked out (`raw`: over the file itself, for the
// signs that live in a comment). Each `re` is global and multiline.
const SIGNS: SignRule[] = [
  // MySQL / MariaDB
  { dialect: 'mysql', what: 'backtick identifiers', re: /`[^`\n]{1,128}`/g },
  { dialect: 'mysql', what: 'AUTO_INCREMENT', re: /\bAUTO_INCREMENT\b/gi },
  { dialect: 'mysql', what: 'ENGINE=', re: /\)\s*(ENGINE\s*=\s*\w+)/gi, group: 1 },
  { dialect: 'mysql', what: 'DELIMITER lines', re: /^[ \t]*(DELIMITER[ \t]+\S+)[ \t]*$/gim, group: 1, decisive: true },
  { dialect: 'mysql', what: 'UNSIGNED', re: /\b(?:TINY|SMALL|MEDIUM|BIG)?INT(?:EGER)?\s*(?:\(\s*\d+\s*\)\s*)?(UNSIGNED)\b/gi, group: 1 },
  { dialect: 'mysql', what: '# comments', re: /^[ \t]*(#)(?:[ \t]|$)/gm, group: 1, raw: true },
  { dialect: 'mysql', what: 'versioned /*! */ comments', re: /\/\*!\d{5}/g, raw: true },
  { dialect: 'mysql', what: 'MySQL types (TINYINT, MEDIUMTEXT...)', re: /\b(?:TINYINT|MEDIUMINT|TINYTEXT|MEDIUMTEXT|LONGTEXT|TINYBLOB|MEDIUMBLOB|LONGBLOB)\b/gi, weak: true },
  // a table option (`) ENGINE=InnoDB DEFAULT CHARSET=utf8`), not a column named charset (`SET charset = x`)
  { dialect: 'mysql', what: 'CHARSET', re: /\b(?:DEFAULT\s+)?CHARSET\s*=\s*\w+|utf8mb[34]\b/gi,
    accept: (code, start) => /^utf8mb/i.test(code.slice(start, start + 6)) || /^default\b/i.test(code.slice(start, start + 8)) || tokenBefore(code, start) === ')' || /=\s*\w+\s*$/.test(code.slice(Math.max(0, start - 80), start)) },
  // an index declared inside CREATE TABLE (`KEY idx (a)`, `UNIQUE KEY (b)`): PostgreSQL has no such element
  { dialect: 'mysql', what: 'KEY/INDEX inside CREATE TABLE', re: /^[ \t]*((?:UNIQUE|FULLTEXT|SPATIAL)[ \t]+(?:KEY|INDEX)|KEY|INDEX)\b[ \t]*(?:[\w`]+[ \t]*)?\(/gim, group: 1,
    accept: (code, start) => { const b = tokenBefore(code, start); return b === ',' || b === '('; } },
  // an inline ENUM('a','b') column type (PostgreSQL writes CREATE TYPE ... AS ENUM)
  { dialect: 'mysql', what: 'ENUM(...) column types', re: /(ENUM)\s*\(\s*'/gi, group: 1, accept: (code, start) => tokenBefore(code, start) !== 'as' },
  // the mysql client's `source file` command (psql writes \i)
  { dialect: 'mysql', what: 'source commands', re: /^[ \t]*(source)[ \t]+[^\s;]+[ \t]*;?[ \t]*$/gim, group: 1, decisive: true },
  // a string as a column alias (`SELECT 'x' AS 'INFO'`): MySQL accepts it (so does SQL Server), PostgreSQL does not
  { dialect: 'mysql', what: "string aliases (AS '...')", re: /AS\s+'[^'\n]{1,64}'/gi, weak: true },
  { dialect: 'mysql', what: 'CREATE DATABASE IF NOT EXISTS', re: /CREATE\s+DATABASE\s+IF\s+NOT\s+EXISTS/gi },
  { dialect: 'mysql', what: 'ON UPDATE CURRENT_TIMESTAMP', re: /\bON\s+UPDATE\s+CURRENT_TIMESTAMP\b/gi },
  { dialect: 'mysql', what: 'SET FOREIGN_KEY_CHECKS', re: /\bSET\s+(?:@@|SESSION\s+|GLOBAL\s+)?(?:FOREIGN_KEY_CHECKS|SQL_MODE|UNIQUE_CHECKS)\b/gi },
  { dialect: 'mysql', what: 'ALTER TABLE ... MODIFY/CHANGE', re: /\bALTER\s+TABLE\s+[\w`."]+\s*(?:[^;]*?,\s*)?(MODIFY|CHANGE)\s+(?:COLUMN\s+)?[\w`]+\s+\w/gi, group: 1, weak: true },
  { dialect: 'mysql', what: 'USE database', re: /^[ \t]*(USE)[ \t]+[\w`]+[ \t]*;/gim, group: 1, weak: true },
  { dialect: 'mysql', what: 'CREATE TABLE ... LIKE', re: /\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[\w`."]+\s+(LIKE)\s/gi, group: 1, weak: true },
  { dialect: 'mysql', what: 'DROP INDEX ... ON table', re: /\bDROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?[\w`"]+\s+(ON)\s+[\w`"]/gi, group: 1, weak: true },
  { dialect: 'mysql', what: 'ALTER TABLE ... ADD/DROP INDEX', re: /\bALTER\s+TABLE\s+[^;]*?\b((?:ADD\s+(?:UNIQUE\s+)?(?:INDEX|KEY)\s+[\w`]+\s*\()|(?:DROP\s+(?:INDEX|KEY|FOREIGN\s+KEY)\s+(?!CASCADE\b|RESTRICT\b)[\w`]+)|(?:DROP\s+PRIMARY\s+KEY)|(?:RENAME\s+(?:INDEX|KEY)\s+[\w`]+\s+TO))/gi, group: 1, weak: true },
  { dialect: 'mysql', what: 'LOCK TABLES', re: /\b(?:UN)?LOCK\s+TABLES\b/gi },
  // SQL Server (T-SQL)
  { dialect: 'sqlserver', what: 'GO batch separators', re: /^[ \t]*(GO)[ \t]*;?[ \t]*$/gim, group: 1 },
  { dialect: 'sqlserver', what: '[bracketed] identifiers', re: /(?:^|[\s(,.])(\[[A-Za-z_][\w @$#-]{0,127}\])/gm, group: 1,
    accept: (code, start) => BEFORE_BRACKET_NAME.has(tokenBefore(code, start)) },
  { dialect: 'sqlserver', what: 'NVARCHAR(MAX)', re: /\bN?VARCHAR\s*\(\s*MAX\s*\)/gi },
  { dialect: 'sqlserver', what: 'IDENTITY(1,1)', re: /\bIDENTITY\s*\(\s*-?\d+\s*,\s*-?\d+\s*\)/gi },
  { dialect: 'sqlserver', what: 'dbo.', re: /\bdbo\./gi, weak: true },
  { dialect: 'sqlserver', what: 'SET NOCOUNT/ANSI_NULLS', re: /\bSET\s+(?:NOCOUNT|ANSI_NULLS|QUOTED_IDENTIFIER|ANSI_PADDING|XACT_ABORT)\s+(?:ON|OFF)\b/gi },
  { dialect: 'sqlserver', what: 'T-SQL types (UNIQUEIDENTIFIER, DATETIME2...)', re: /\b(?:UNIQUEIDENTIFIER|DATETIME2|NVARCHAR|SMALLDATETIME|NTEXT)\b/gi, weak: true },
  { dialect: 'sqlserver', what: 'EXEC sp_', re: /\bEXEC(?:UTE)?\s+(?:sys\.|dbo\.)?sp_\w+\b(?!\s*\()/gi },
  // Oracle
  { dialect: 'oracle', what: 'VARCHAR2', re: /\bN?VARCHAR2\b/gi },
  { dialect: 'oracle', what: 'NUMBER(', re: /\bNUMBER\s*\(/gi, weak: true },
  { dialect: 'oracle', what: '/ after a PL/SQL block', re: /\bEND(?:\s+\w+)?\s*;[ \t]*\r?\n(?:[ \t]*\r?\n)*[ \t]*(\/)[ \t]*$/gim, group: 1 },
  { dialect: 'oracle', what: 'FROM DUAL', re: /\bFROM\s+DUAL\b/gi, weak: true },
  { dialect: 'oracle', what: 'CREATE PACKAGE', re: /\bCREATE\s+(?:OR\s+REPLACE\s+)?PACKAGE\b/gi },
  { dialect: 'oracle', what: 'SYSDATE', re: /\bSYSDATE\b/gi, weak: true },
];

/** A cheap first look: a file with none of these characters or words has no sign at all. */
const ANY_SIGN = /[`#\[]|AUTO_INCREMENT|ENGINE|DELIMITER|UNSIGNED|TINYINT|MEDIUM|LONG|CHARSET|utf8mb|CURRENT_TIMESTAMP|FOREIGN_KEY_CHECKS|SQL_MODE|UNIQUE_CHECKS|MODIFY|CHANGE|TABLES|INDEX|KEY|ENUM|DATABASE|USE|LIKE|\bGO\b|MAX|IDENTITY|dbo|NOCOUNT|ANSI_|QUOTED_|XACT_|UNIQUEIDENTIFIER|DATETIME2|NVARCHAR|NTEXT|\bsp_|VARCHAR2|NUMBER|\/|DUAL|PACKAGE|SYSDATE/i;

/**
 * The file's text with string literals, quoted identifiers, dollar-quoted bodies and comments (as
 * PostgreSQL reads them; also `#` comment lines and psql meta-commands) replaced by spaces, offsets unchanged.
 */
export function blankStringsAndComments(text: string): { code: string; commentStarts: Set<number> } {
  const commentStarts = new Set<number>();
  const out = text.split('');
  const n = text.length;
  const blank = (from: number, to: number) => { for (let k = from; k < to && k < n; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' '; };
  let i = 0;
  let lineStart = true;
  while (i < n) {
    const c = text[i];
    if (c === '\n') { lineStart = true; i++; continue; }
    if (lineStart && (c === ' ' || c === '\t' || c === '\r')) { i++; continue; }
    const atLineStart = lineStart;
    lineStart = false;
    if ((c === '-' && text[i + 1] === '-') || (c === '#' && atLineStart)) {
      commentStarts.add(i);
      let e = text.indexOf('\n', i);
      if (e < 0) e = n;
      blank(i, e);
      i = e;
    } else if (c === '/' && text[i + 1] === '*') {
      commentStarts.add(i);
      let depth = 1, j = i + 2;
      while (j < n && depth > 0) {
        if (text[j] === '/' && text[j + 1] === '*') { depth++; j += 2; } else if (text[j] === '*' && text[j + 1] === '/') { depth--; j += 2; } else j++;
      }
      blank(i, j);
      i = j;
    } else if (c === '\\' && /[A-Za-z!?]/.test(text[i + 1] ?? '')) {
      // a psql meta-command (`\set started `date``, `\gset`): to the end of the line, not SQL
      let e = text.indexOf('\n', i);
      if (e < 0) e = n;
      blank(i, e);
      i = e;
    } else if (c === "'" || c === '"') {
      const escapes = c === "'" && i > 0 && /[eE]/.test(text[i - 1]) && !/\w/.test(text[i - 2] ?? '');
      let j = i + 1;
      while (j < n) {
        if (escapes && text[j] === '\\') { j += 2; continue; }
        if (text[j] === c) { if (text[j + 1] === c) { j += 2; continue; } j++; break; }
        j++;
      }
      blank(i, j);
      i = j;
    } else if (c === '$' && !(i > 0 && /[\w$]/.test(text[i - 1]))) {
      const m = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(text.slice(i, i + 66));
      if (!m) { i++; continue; }
      const close = text.indexOf(m[0], i + m[0].length);
      const e = close < 0 ? n : close + m[0].length;
      blank(i, e);
      i = e;
    } else {
      i++;
    }
  }
  return { code: out.join(''), commentStarts };
}

/**
 * The dialect `text` is clearly written in when that is not PostgreSQL, with the evidence; undefined
 * for a PostgreSQL file (or one that cannot be told). `statements`: the file's statements with
 * whether PostgreSQL's parser refused each (the splitter's and parser's verdict).
 */
export function detectDialect(text: string, statements: StatementSpan[]): DialectGuess | undefined {
  // A file PostgreSQL parses is PostgreSQL; and the refusals must be much of the file, or it is a
  // PostgreSQL file with a mistake (one statement pasted from MySQL keeps its syntax error).
  const failing = statements.filter((s) => s.error);
  if (!failing.length || failing.length * 2 < statements.length) return undefined;
  if (!ANY_SIGN.test(text)) return undefined;
  const { code, commentStarts } = blankStringsAndComments(text);
  // Where a sign may sit: in a refused statement, or between statements (a comment before one).
  // (statements are in file order and do not overlap: a binary search finds the one holding an offset)
  const ordered = [...statements].sort((a, b) => a.start - b.start);
  const holder = (at: number): StatementSpan | undefined => {
    let lo = 0, hi = ordered.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = ordered[mid];
      if (at < s.start) hi = mid - 1; else if (at >= s.end) lo = mid + 1; else return s;
    }
    return undefined;
  };
  const failingIndex = new Map(failing.map((s, k) => [s, k]));
  const inAccepted = (at: number) => holder(at)?.error === false;
  const failingAt = (at: number) => { const s = holder(at); return s ? failingIndex.get(s) ?? -1 : -1; };
  let best: DialectGuess | undefined;
  let bestExplained = 0;
  const byDialect = new Map<DialectGuess['dialect'], { signs: DialectSign[]; explained: Set<number>; weakly: Set<number>; decisive?: boolean }>();
  for (const rule of SIGNS) {
    const src = rule.raw ? text : code;
    rule.re.lastIndex = 0;
    const entry = byDialect.get(rule.dialect) ?? { signs: [], explained: new Set<number>(), weakly: new Set<number>() };
    byDialect.set(rule.dialect, entry);
    let first: DialectSign | undefined;
    for (let m = rule.re.exec(src); m; m = rule.re.exec(src)) {
      if (m[0].length === 0) { rule.re.lastIndex++; continue; }
      const part = rule.group ? m[rule.group] : m[0];
      const start = m.index + (rule.group ? m[0].indexOf(part) : 0);
      // a sign in a comment counts only where the comment starts in code (not a `#` inside a string)
      if (rule.raw && !commentStarts.has(start)) continue;
      if (rule.accept && !rule.accept(code, start)) continue;
      if (inAccepted(start)) continue;
      const sign = { what: rule.what, start, end: start + part.length, strong: !rule.weak };
      first ??= sign;
      const k = failingAt(start);
      if (k >= 0) (sign.strong ? entry.explained : entry.weakly).add(k);
      if (k >= 0 && rule.decisive) entry.decisive = true;
    }
    if (first) entry.signs.push(first);
  }
  for (const [dialect, { signs, explained: strongly, weakly, decisive }] of byDialect) {
    // Signs of the dialect sit in most of the refused statements, and strong ones in some: a weak
    // sign (`DROP INDEX i ON t`) explains a refusal only in a file a strong sign already names.
    if (!strongly.size) continue;
    const explained = new Set([...strongly, ...weakly]);
    if (explained.size * 2 < failing.length && !decisive) continue;
    if (!best || explained.size > bestExplained || (explained.size === bestExplained && signs.length > best.signs.length)) {
      best = { dialect, name: NAMES[dialect], signs: signs.sort((a, b) => a.start - b.start) };
      bestExplained = explained.size;
    }
  }
  return best;
}

/** The notice for a file in another dialect: one line, naming the dialect and its signs. */
export function dialectMessage(g: DialectGuess, read?: { id: string; why: string }): string {
  const signs = g.signs.slice(0, 4).map((s) => s.what).join(', ');
  if (g.dialect === 'mysql' && read) {
    // MySQL is read, but this file was told to be PostgreSQL (configuration, name or folder)
    return `This file looks like MySQL (${signs}), but it is read as PostgreSQL (${read.why}); its statements are not checked. Set "dialect": "mysql" in .dbe.json (or dbEngineer.dialect) if the project is MySQL.`;
  }
  return `This file looks like ${g.name} (${signs}): DB Engineer reads PostgreSQL and MySQL/MariaDB; its statements are not checked.`;
}
