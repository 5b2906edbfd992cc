// The MySQL / MariaDB grammar check: dt-sql-parser's ANTLR MySQL grammar (MIT), run on one statement
// as split by splitMySql. Synchronous and heavy (the grammar's tables are built on first use, about a
// second): the language server runs it in a worker (syntax-worker.ts), the CLI inline (syntax.ts).
//
// The grammar is MySQL 8's and is stricter than the servers in a few known places; each is handled
// by a narrow, sound step (docs/decisions/0029-mysql-syntax.md), never by dropping errors wholesale:
// - `/*!NNNNN … */` and `/*M!NNNNN … */` comments: their content is code the server runs; the
//   markers are blanked (same length, so offsets hold) and the content is checked.
// - a keyword the servers accept as a name (`LOCKED`, `BIT`, `STATUS`, ... used as a column name)
//   where the grammar wants a name: the statement is checked again with that word `quoted`; the error
//   stands when the quoted statement fails at the same place.
// - forms the grammar lacks that the server accepts (MariaDB's `IF [NOT] EXISTS` on ALTER TABLE
//   parts, `CREATE OR REPLACE TABLE`, ...): the extra words are blanked and the rest is checked.
import { CharStreams, CommonTokenStream, BailErrorStrategy, DefaultErrorStrategy, PredictionMode, Token, TerminalNode, ParserRuleContext, type ParseTree, type ANTLRErrorListener, type Recognizer, type RecognitionException, type ATNSimulator, type Parser } from 'antlr4ng';
import { MySqlLexer } from 'dt-sql-parser/dist/lib/mysql/MySqlLexer';
import { MySqlParser } from 'dt-sql-parser/dist/lib/mysql/MySqlParser';
import { CodeCompletionCore } from 'antlr4-c3';
import { distance } from 'fastest-levenshtein';
import { lex, type MyToken } from './lex';

export type MySqlFlavor = 'mysql' | 'mariadb';

export interface GrammarError {
  message: string;
  /** UTF-16 offset in the statement text */
  offset: number;
  /** length of the offending token, when known */
  length?: number;
}

/** Most expected items named in a message. */
const MAX_EXPECTED = 6;

interface Span { start: number; end: number; text: string }
interface RawError { offset: number; length: number; tokenText: string; tokenType: number; expected: number[]; message: string; lexer: boolean; /** up to two visible tokens before the offending one, nearest first */ prev: Span[]; /** up to four after it */ next: Span[]; /** what could stand at the offending token (computed on demand) */ expectedAt?: () => number[] }

class Collect implements ANTLRErrorListener {
  first: RawError | undefined;
  constructor(private readonly lexerErrors: boolean) {}
  syntaxError<S extends Token, T extends ATNSimulator>(recognizer: Recognizer<T>, offendingSymbol: S | null, _line: number, _col: number, msg: string, e: RecognitionException | null): void {
    if (this.first) return;
    if (this.lexerErrors) {
      // the lexer's message names the character it could not read
      const lx = recognizer as unknown as MySqlLexer;
      const at = (lx as any)._tokenStartCharIndex ?? 0;
      this.first = { offset: at, length: 1, tokenText: '', tokenType: -1, expected: [], message: msg, lexer: true, prev: [], next: [] };
      return;
    }
    const p = recognizer as unknown as Parser;
    const tok = offendingSymbol as unknown as Token | null;
    let expected: number[] = [];
    try {
      const set = e?.getExpectedTokens() ?? p.getExpectedTokens();
      expected = set ? set.toArray() : [];
    } catch { /* none known */ }
    const prev: Span[] = [], next: Span[] = [];
    if (tok) {
      const ts = p.tokenStream;
      for (let i = tok.tokenIndex - 1; i >= 0 && prev.length < 2; i--) {
        const t = ts.get(i);
        if (t.channel !== Token.DEFAULT_CHANNEL) continue;
        prev.push({ start: t.start, end: t.stop + 1, text: t.text ?? '' });
      }
      for (let i = tok.tokenIndex + 1; i < ts.size && next.length < 4; i++) {
        const t = ts.get(i);
        if (t.type === Token.EOF) break;
        if (t.channel !== Token.DEFAULT_CHANNEL) continue;
        next.push({ start: t.start, end: t.stop + 1, text: t.text ?? '' });
      }
    }
    const tokenIndex = tok ? tok.tokenIndex : -1;
    this.first = {
      expectedAt: tokenIndex >= 0 && tokenIndex <= MAX_C3_TOKENS ? () => expectedByC3(p, tokenIndex) : undefined,
      prev,
      next,
      offset: tok ? tok.start : 0,
      length: tok && tok.type !== Token.EOF ? tok.stop - tok.start + 1 : 0,
      tokenText: tok && tok.type !== Token.EOF ? (tok.text ?? '') : '',
      tokenType: tok ? tok.type : Token.EOF,
      expected,
      message: msg,
      lexer: false,
    };
  }
  reportAmbiguity(): void { /* not an error */ }
  reportAttemptingFullContext(): void { /* not an error */ }
  reportContextSensitivity(): void { /* not an error */ }
}


/** One parse of `text`: the first error, or undefined when it parses. */
/** Thrown when one statement's check runs past its time budget (the verdict is then "not known"). */
export class GrammarTimeout extends Error {}

/** A statement's time budget, all parses included; beyond it the check gives up (a miss, never a false error). */
export const MAX_CHECK_MS = 4000;
/** Parentheses nested deeper than this are not checked: the grammar's time grows steeply with depth. */
export const MAX_DEPTH = 64;
let deadline = Infinity;
/** Statements given up (verdict null without a parse to the end): over the time budget, nested too deep. */
export const grammarStats = { timeouts: 0, tooDeep: 0 };

/** Checks the clock every 512 rules entered. */
const budget = {
  n: 0,
  enterEveryRule(): void { if ((++this.n & 511) === 0 && performance.now() > deadline) throw new GrammarTimeout('too slow'); },
  exitEveryRule(): void { /* nothing */ },
  visitTerminal(): void { /* nothing */ },
  visitErrorNode(): void { /* nothing */ },
};

function parseOnce(text: string): RawError | undefined {
  const input = CharStreams.fromString(text);
  const lexer = new MySqlLexer(input);
  const lexErrors = new Collect(true);
  lexer.removeErrorListeners();
  lexer.addErrorListener(lexErrors);
  const tokens = new CommonTokenStream(lexer);
  tokens.fill();
  if (lexErrors.first) return lexErrors.first;
  const parser = new MySqlParser(tokens);
  parser.removeErrorListeners();
  parser.addParseListener(budget as any);
  // SLL first, bailing at the first problem (fast, and exact when it succeeds); full LL only then
  parser.errorHandler = new BailErrorStrategy();
  parser.interpreter.predictionMode = PredictionMode.SLL;
  try {
    lastTree = { tree: parser.program(), tokens };
    return undefined;
  } catch (e) {
    if (e instanceof GrammarTimeout) throw e;
    /* retry with full LL */
  }
  tokens.seek(0);
  parser.tokenStream = tokens;
  parser.reset();
  parser.errorHandler = new DefaultErrorStrategy();
  parser.interpreter.predictionMode = PredictionMode.LL;
  const errors = new Collect(false);
  parser.addErrorListener(errors);
  const tree = parser.program();
  parser.removeErrorListeners();
  if (!errors.first) lastTree = { tree, tokens };
  return errors.first;
}

/** Reserved words that stand for a value (functions without parentheses, literals): never names. */
const VALUE_WORDS = new Set(['CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'CURRENT_USER', 'CURRENT_ROLE', 'LOCALTIME', 'LOCALTIMESTAMP', 'UTC_DATE', 'UTC_TIME', 'UTC_TIMESTAMP', 'DEFAULT', 'NULL', 'TRUE', 'FALSE']);

/** The tree of the last parse that succeeded (read at once by checkText). */
let lastTree: { tree: ParserRuleContext; tokens: CommonTokenStream } | undefined;

/**
 * The grammar accepts reserved words as names (a choice of dt-sql-parser's, for completion); the
 * servers do not: `CREATE TABLE t (order INT)` is error 1064. The first reserved word (of the flavor)
 * the parse took as a name, unquoted and not after a `.` (`t.order` is fine in both servers).
 */
function reservedAsName(tree: ParserRuleContext, tokens: CommonTokenStream, flavor: MySqlFlavor): RawError | undefined {
  const reserved = flavor === 'mariadb' ? MARIADB_RESERVED : MYSQL_RESERVED;
  let found: Token | undefined;
  const walk = (n: ParseTree): void => {
    if (found) return;
    if (n instanceof TerminalNode) {
      const parent = n.parent as ParserRuleContext | null;
      if (parent?.ruleIndex !== MySqlParser.RULE_keywordsCanBeId) return;
      const t = n.symbol;
      const up = (t.text ?? '').toUpperCase();
      if (!reserved.has(up) || VALUE_WORDS.has(up)) return;
      // a user name (DEFINER = CURRENT_USER) is no name of a table or column
      for (let a: ParserRuleContext | null = parent; a; a = a.parent) if (a.ruleIndex === MySqlParser.RULE_userName) return;
      for (let i = t.tokenIndex - 1; i >= 0; i--) {
        const p = tokens.get(i);
        if (p.channel !== Token.DEFAULT_CHANNEL) continue;
        if (p.text === '.') return;
        break;
      }
      found = t;
      return;
    }
    for (let i = 0; i < n.getChildCount(); i++) walk(n.getChild(i)!);
  };
  walk(tree);
  if (!found) return undefined;
  const word = found.text ?? '';
  return { offset: found.start, length: found.stop - found.start + 1, tokenText: word, tokenType: found.type, expected: [], message: `reserved:${word}`, lexer: false, prev: [], next: [] };
}

function reservedError(text: string, shifts: ((o: number) => number)[], flavor: MySqlFlavor): GrammarError | null {
  const got = lastTree;
  lastTree = undefined;
  if (!got) return null;
  const r = reservedAsName(got.tree, got.tokens, flavor);
  if (!r) return null;
  let off = r.offset;
  for (const s of shifts) off = s(off);
  const word = text.slice(r.offset, r.offset + r.length);
  return { message: `syntax error at \`${word}\`: a reserved word in ${flavor === 'mariadb' ? 'MariaDB' : 'MySQL'}; quote it (\`${word}\`) to use it as a name`, offset: off, length: r.length };
}

// ---- mitigations -----------------------------------------------------------------------------

/** Blanks `/*!NNNNN` / `/*M!NNNNN` markers and their closing `*\/`, keeping every offset. */
function openVersionComments(text: string, flavor: MySqlFlavor): string {
  if (!text.includes('/*!') && !text.includes('/*M!')) return text;
  const { comments } = lex(text);
  let out: string[] | undefined;
  let hideFrom = -1; // MySQL: a MariaDB-only `/*M! ... */` is a plain comment, hidden whole
  for (const c of comments) {
    // lex() reports an executable comment's opener (with its version) and its closing `*/` apart
    const opener = /^\/\*(M?)!\d{0,6}$/.exec(c.text);
    if (!opener && c.text !== '*/') continue;
    out ??= text.split('');
    if (opener && opener[1] && flavor === 'mysql') { hideFrom = c.start; continue; }
    const from = !opener && hideFrom >= 0 ? hideFrom : c.start;
    if (!opener) hideFrom = -1;
    for (let k = from; k < c.end; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  }
  return out ? out.join('') : text;
}

/**
 * Commands of the `mysql` / `mariadb` client, not SQL: the client runs them when a statement starts
 * with one (`source file.sql`, `\. file`, `system ls`, ...). No SQL statement starts with these words.
 */
const CLIENT_COMMANDS = new Set(['SOURCE', 'SYSTEM', 'TEE', 'NOTEE', 'PAGER', 'NOPAGER', 'PROMPT', 'CHARSET', 'CONNECT', 'EXIT', 'QUIT', 'REHASH', 'STATUS', 'WARNINGS', 'NOWARNING', 'EGO', 'GO', 'PRINT']);
function clientCommand(text: string, tokens: MyToken[]): boolean {
  const t = tokens[0];
  if (t.kind === 'word' && CLIENT_COMMANDS.has(t.upper)) return true;
  return t.kind === 'op' && text[t.start] === '\\';
}

/**
 * Reserved words: never quoted. MySQL 8.0's list (the manual's "Keywords and Reserved Words", marked
 * (R)); MariaDB 10.11's is measured: every keyword of the grammar tried as a column name
 * (`CREATE TEMPORARY TABLE t (word INT)`) on a real MariaDB 10.11, these 228 were refused (1064).
 */
const MYSQL_RESERVED = new Set(`
ACCESSIBLE ADD ALL ALTER ANALYZE AND AS ASC ASENSITIVE BEFORE BETWEEN BIGINT BINARY BLOB BOTH BY CALL CASCADE CASE
CHANGE CHAR CHARACTER CHECK COLLATE COLUMN CONDITION CONSTRAINT CONTINUE CONVERT CREATE CROSS CUBE CUME_DIST
CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASE DATABASES DAY_HOUR DAY_MICROSECOND DAY_MINUTE
DAY_SECOND DEC DECIMAL DECLARE DEFAULT DELAYED DELETE DENSE_RANK DESC DESCRIBE DETERMINISTIC DISTINCT DISTINCTROW DIV
DOUBLE DROP DUAL EACH ELSE ELSEIF EMPTY ENCLOSED ESCAPED EXCEPT EXISTS EXIT EXPLAIN FALSE FETCH FIRST_VALUE FLOAT
FLOAT4 FLOAT8 FOR FORCE FOREIGN FROM FULLTEXT FUNCTION GENERATED GET GRANT GROUP GROUPING GROUPS HAVING HIGH_PRIORITY
HOUR_MICROSECOND HOUR_MINUTE HOUR_SECOND IF IGNORE IN INDEX INFILE INNER INOUT INSENSITIVE INSERT INT INT1 INT2 INT3
INT4 INT8 INTEGER INTERSECT INTERVAL INTO IO_AFTER_GTIDS IO_BEFORE_GTIDS IS ITERATE JOIN JSON_TABLE KEY KEYS KILL LAG
LAST_VALUE LATERAL LEAD LEADING LEAVE LEFT LIKE LIMIT LINEAR LINES LOAD LOCALTIME LOCALTIMESTAMP LOCK LONG LONGBLOB
LONGTEXT LOOP LOW_PRIORITY MANUAL MASTER_BIND MASTER_SSL_VERIFY_SERVER_CERT MATCH MAXVALUE MEDIUMBLOB MEDIUMINT
MEDIUMTEXT MIDDLEINT MINUTE_MICROSECOND MINUTE_SECOND MOD MODIFIES NATURAL NOT NO_WRITE_TO_BINLOG NTH_VALUE NTILE NULL
NUMERIC OF ON OPTIMIZE OPTIMIZER_COSTS OPTION OPTIONALLY OR ORDER OUT OUTER OUTFILE OVER PARALLEL PARTITION
PERCENT_RANK PRECISION PRIMARY PROCEDURE PURGE QUALIFY RANGE RANK READ READS READ_WRITE REAL RECURSIVE REFERENCES
REGEXP RELEASE RENAME REPEAT REPLACE REQUIRE RESIGNAL RESTRICT RETURN REVOKE RIGHT RLIKE ROW ROWS ROW_NUMBER SCHEMA
SCHEMAS SECOND_MICROSECOND SELECT SENSITIVE SEPARATOR SET SHOW SIGNAL SMALLINT SPATIAL SPECIFIC SQL SQLEXCEPTION
SQLSTATE SQLWARNING SQL_BIG_RESULT SQL_CALC_FOUND_ROWS SQL_SMALL_RESULT SSL STARTING STORED STRAIGHT_JOIN SYSTEM TABLE
TERMINATED THEN TINYBLOB TINYINT TINYTEXT TO TRAILING TRIGGER TRUE UNDO UNION UNIQUE UNLOCK UNSIGNED UPDATE USAGE USE
USING UTC_DATE UTC_TIME UTC_TIMESTAMP VALUES VARBINARY VARCHAR VARCHARACTER VARYING VIRTUAL WHEN WHERE WHILE WINDOW
WITH WRITE XOR YEAR_MONTH ZEROFILL
`.split(/\s+/).filter(Boolean));

const MARIADB_RESERVED = new Set(`
ADD ALL ALTER ANALYZE AND AS ASC BEFORE BETWEEN BIGINT BINARY BLOB BOTH BY CALL CASCADE CASE CHANGE CHAR CHARACTER
CHECK COLLATE COLUMN CONDITION CONSTRAINT CONTINUE CONVERT CREATE CROSS CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP
CURRENT_USER CURSOR DATABASES DAY_HOUR DAY_MICROSECOND DAY_MINUTE DAY_SECOND DEC DECIMAL DECLARE DEFAULT DELAYED
DELETE DESC DESCRIBE DETERMINISTIC DISTINCT DISTINCTROW DIV DOUBLE DROP EACH ELSE ELSEIF ENCLOSED ESCAPED EXCEPT
EXISTS EXIT EXPLAIN FALSE FETCH FLOAT FLOAT4 FLOAT8 FOR FORCE FOREIGN FROM FULLTEXT GRANT GROUP HAVING HIGH_PRIORITY
HOUR_MICROSECOND HOUR_MINUTE HOUR_SECOND IF IGNORE IN INDEX INFILE INNER INOUT INSERT INT INT1 INT2 INT3 INT4 INT8
INTEGER INTERSECT INTERVAL INTO IS ITERATE JOIN KEY KEYS KILL LEADING LEAVE LEFT LIKE LIMIT LINEAR LINES LOAD
LOCALTIME LOCALTIMESTAMP LOCK LONG LONGBLOB LONGTEXT LOOP LOW_PRIORITY MASTER_SSL_VERIFY_SERVER_CERT MATCH MAXVALUE
MEDIUMBLOB MEDIUMINT MEDIUMTEXT MIDDLEINT MINUTE_MICROSECOND MINUTE_SECOND MOD MODIFIES NATURAL NOT NO_WRITE_TO_BINLOG
NULL NUMERIC OFFSET ON OPTIMIZE OPTIONALLY OR ORDER OUT OUTER OUTFILE OVER PAGE_CHECKSUM PARTITION PRECISION PRIMARY
PROCEDURE PURGE RANGE READ READS REAL RECURSIVE REFERENCES REGEXP RELEASE RENAME REPEAT REPLACE REQUIRE RESIGNAL
RESTRICT RETURN RETURNING REVOKE RIGHT RLIKE ROWS ROW_NUMBER SCHEMAS SECOND_MICROSECOND SELECT SEPARATOR SET SHOW
SIGNAL SMALLINT SPATIAL SQL SQLEXCEPTION SQLSTATE SQLWARNING SQL_BIG_RESULT SQL_CALC_FOUND_ROWS SQL_SMALL_RESULT SSL
STARTING STATS_AUTO_RECALC STATS_PERSISTENT STATS_SAMPLE_PAGES STRAIGHT_JOIN TABLE TERMINATED THEN TINYBLOB TINYINT
TINYTEXT TO TRAILING TRIGGER TRUE UNDO UNION UNIQUE UNLOCK UNSIGNED UPDATE USAGE USE USING UTC_DATE UTC_TIME
UTC_TIMESTAMP VALUES VARBINARY VARCHAR VARYING WHEN WHERE WHILE WITH WRITE XOR YEAR_MONTH ZEROFILL
`.split(/\s+/).filter(Boolean));

/** Beyond this many tokens before the error, ANTLR's own expected set is used (c3 walks from the start). */
const MAX_C3_TOKENS = 3000;

/**
 * The tokens the grammar accepts at `tokenIndex`, from the start of the statement (antlr4-c3): exact
 * where ANTLR's own set is not (a "no viable alternative" is raised at the statement's first decision).
 */
function expectedByC3(parser: Parser, tokenIndex: number): number[] {
  const core = new CodeCompletionCore(parser as any);
  const c = core.collectCandidates(tokenIndex);
  return [...c.tokens.keys()].filter((t) => t > 0 || t === Token.EOF);
}

let grammarKeywords: Set<string> | undefined;
/** A keyword of the grammar (a word it does not read as a plain name everywhere). */
function isGrammarKeyword(upper: string): boolean {
  if (!grammarKeywords) {
    grammarKeywords = new Set();
    for (const l of MySqlParser.literalNames as (string | null)[]) {
      const m = l && /^'([A-Z_][A-Z0-9_]*)'$/.exec(l);
      if (m) grammarKeywords.add(m[1]);
    }
  }
  return grammarKeywords.has(upper);
}

/** A keyword of the grammar that the server takes as a name: no reserved word of the flavor. */
function quotable(word: string, flavor: MySqlFlavor): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(word)) return false;
  const up = word.toUpperCase();
  return isGrammarKeyword(up) && !(flavor === 'mariadb' ? MARIADB_RESERVED : MYSQL_RESERVED).has(up);
}

interface Blank { from: number; to: number; /** same-length replacement (default: spaces) */ with?: string }

/**
 * MariaDB (and, where noted, MySQL 8) forms the grammar lacks, found on the statement's tokens: the
 * words to blank so the grammar reads the rest. Each pattern is the server's documented syntax.
 */
function extraForms(tokens: MyToken[], flavor: MySqlFlavor): Blank[] {
  const out: Blank[] = [];
  const w = (i: number) => (tokens[i]?.kind === 'word' ? tokens[i].upper : '');
  const blank = (i: number, j: number) => out.push({ from: tokens[i].start, to: tokens[j].end });
  if (flavor === 'mariadb') {
    // CREATE OR REPLACE TABLE / DATABASE / INDEX / USER / ROLE / SEQUENCE (MariaDB 10.0+)
    if (w(0) === 'CREATE' && w(1) === 'OR' && w(2) === 'REPLACE' && ['TABLE', 'DATABASE', 'SCHEMA', 'INDEX', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'TEMPORARY'].includes(w(3))) blank(1, 2);
  }
  for (let i = 2; i < tokens.length; i++) {
    // a keyword after `name.` is a name in both servers (`t.skip`, `t.order`): the grammar fails on
    // some (a predicate of its completion mode), so the word becomes a plain name of the same length
    const t = tokens[i], dot = tokens[i - 1], owner = tokens[i - 2];
    if (t.kind === 'word' && dot.kind === 'op' && dot.value === '.' && dot.end === t.start && (owner.kind === 'word' || owner.kind === 'quoted') && owner.end === dot.start
      && isGrammarKeyword(t.upper) && /^[A-Za-z_][A-Za-z0-9_$]*$/.test(t.value)) {
      out.push({ from: t.start, to: t.end, with: 'z'.repeat(t.end - t.start) });
    }
  }
  let handler = -1;
  for (let i = 0; i < tokens.length; i++) {
    // DECLARE ... HANDLER FOR cond RETURN expr (a function's handler): the grammar lacks RETURN as a
    // handler's statement; read as SELECT expr (same length, an expression after it either way)
    if (w(i) === 'HANDLER' && w(i + 1) === 'FOR') handler = i;
    else if (tokens[i].kind === 'op' && tokens[i].value === ';') handler = -1;
    else if (handler >= 0 && w(i) === 'RETURN') { out.push({ from: tokens[i].start, to: tokens[i].end, with: 'SELECT' }); handler = -1; }
    // PRIMARY KEY name (cols): both servers accept (and ignore) an index name there, the grammar not
    if (w(i) === 'PRIMARY' && w(i + 1) === 'KEY' && (tokens[i + 2]?.kind === 'word' || tokens[i + 2]?.kind === 'quoted')
      && tokens[i + 3]?.kind === 'op' && tokens[i + 3].value === '(' && !['USING', 'TYPE'].includes(w(i + 2))) blank(i + 2, i + 2);
  }
  for (let i = 0; i < tokens.length; i++) {
    // IF EXISTS / IF NOT EXISTS after ALTER TABLE parts (MariaDB 10.0+):
    //   ADD [COLUMN] IF NOT EXISTS, ADD INDEX|KEY IF NOT EXISTS, ADD CONSTRAINT IF NOT EXISTS,
    //   DROP [COLUMN] IF EXISTS, DROP INDEX|KEY IF EXISTS, DROP FOREIGN KEY IF EXISTS,
    //   DROP CONSTRAINT IF EXISTS, CHANGE|MODIFY [COLUMN] IF EXISTS; and CREATE INDEX IF NOT EXISTS,
    //   DROP INDEX IF EXISTS (statement forms)
    if (flavor !== 'mariadb') break;
    if (w(i) !== 'IF') continue;
    const notExists = w(i + 1) === 'NOT' && w(i + 2) === 'EXISTS';
    const exists = w(i + 1) === 'EXISTS';
    if (!notExists && !exists) continue;
    const p = w(i - 1), pp = w(i - 2), ppp = w(i - 3);
    const after = notExists
      ? (p === 'ADD' || (p === 'COLUMN' && pp === 'ADD') || ((p === 'INDEX' || p === 'KEY') && (pp === 'ADD' || pp === 'UNIQUE' || pp === 'CREATE' || pp === 'FULLTEXT' || pp === 'SPATIAL' || ppp === 'ADD'))
        || (p === 'CONSTRAINT' && pp === 'ADD') || (p === 'PARTITION' && pp === 'ADD'))
      : (p === 'DROP' || (p === 'COLUMN' && (pp === 'DROP' || pp === 'CHANGE' || pp === 'MODIFY')) || p === 'CHANGE' || p === 'MODIFY'
        || ((p === 'INDEX' || p === 'KEY') && pp === 'DROP') || (p === 'KEY' && pp === 'FOREIGN') || (p === 'CONSTRAINT' && pp === 'DROP')
        || (p === 'PARTITION' && pp === 'DROP'));
    if (after) blank(i, notExists ? i + 2 : i + 1);
  }
  return out;
}

function applyBlanks(text: string, blanks: Blank[]): string {
  if (!blanks.length) return text;
  const out = text.split('');
  for (const b of blanks) {
    if (b.with !== undefined && b.with.length === b.to - b.from) { for (let k = b.from; k < b.to; k++) out[k] = b.with[k - b.from]; continue; }
    for (let k = b.from; k < b.to; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  }
  return out.join('');
}

/** Quotes the word at [from, to) in backticks, as a same-length edit when it is followed by a space. */
function quoteAt(text: string, from: number, to: number): { text: string; shift: (o: number) => number } {
  const q = `${text.slice(0, from)}\`${text.slice(from, to)}\`${text.slice(to)}`;
  return { text: q, shift: (o) => (o <= from ? o : o <= to + 1 ? o - 1 : o - 2) };
}

// ---- messages --------------------------------------------------------------------------------

let vocab: { display(t: number): string } | undefined;
function vocabulary(): { display(t: number): string } {
  if (vocab) return vocab;
  const lit = MySqlParser.literalNames as (string | null)[];
  const sym = MySqlParser.symbolicNames as (string | null)[];
  const display = (t: number): string => {
    if (t === Token.EOF || t === MySqlParser.SEMI) return 'end of statement';
    const s = sym[t] ?? '';
    if (s === 'ID' || s === 'REVERSE_QUOTE_ID') return 'a name';
    if (s === 'STRING_LITERAL' || s === 'START_NATIONAL_STRING_LITERAL') return 'a string';
    if (s === 'DECIMAL_LITERAL' || s === 'REAL_LITERAL' || s === 'ZERO_DECIMAL' || s === 'ONE_DECIMAL' || s === 'TWO_DECIMAL') return 'a number';
    const l = lit[t];
    if (l) return l.replace(/^'|'$/g, '');
    return s || `token ${t}`;
  };
  return (vocab = { display });
}

/** Items put first in an "expected" list: the ones people most often leave out. */
const FIRST = [',', 'FROM', 'end of statement', ')', '(', 'a name', 'WHERE', 'SET', 'VALUES', 'TABLE', 'INTO', 'SELECT', 'ON', 'BY', 'AS', '=', 'a string', 'a number'];

/** Statement starts shown first when a statement's first word is wrong. */
const STARTS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'ALTER', 'DROP', 'WITH', 'SET', 'REPLACE', 'CALL'];

/** The expected items, capped; a keyword close to the word written (a typo of it) comes first. */
function expectedList(types: number[], written: string, atEnd: boolean, atStart: boolean, flavor: MySqlFlavor): string {
  const v = vocabulary();
  let names = [...new Set(types.map((t) => v.display(t)))];
  if (atEnd) names = names.filter((n) => n !== 'end of statement');
  // hundreds of choices with names among them: an expression (every function name is a keyword)
  if (names.length > 150 && names.includes('a name')) return 'an expression';
  // where a name may stand, the keywords that are names too are not worth listing
  if (names.includes('a name')) names = names.filter((n) => !(/^[A-Z_][A-Z0-9_]*$/.test(n) && quotable(n, flavor)));
  const up = written.toUpperCase();
  const near = (n: string) => {
    if (up.length < 3 || !/^[A-Z_]+$/.test(n)) return 1;
    const d = distance(up, n);
    return d > 0 && d <= (n.length > 4 ? 2 : 1) ? 0 : 1;
  };
  const rank = (n: string) => {
    const i = (atStart ? STARTS : FIRST).indexOf(n);
    return i < 0 ? 1e3 : i;
  };
  names.sort((a, b) => near(a) - near(b) || rank(a) - rank(b));
  const shown = names.slice(0, MAX_EXPECTED).map((n) => (/^[^\sA-Za-z]+$/.test(n) ? `\`${n}\`` : n));
  return shown.join(', ') + (names.length > MAX_EXPECTED ? ', …' : '');
}

function oneLine(s: string, max = 40): string {
  const t = s.replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function describe(e: RawError, flavor: MySqlFlavor): GrammarError {
  if (e.lexer) {
    const m = /token recognition error at: '([\s\S]*)'$/.exec(e.message);
    const what = m?.[1]?.[0];
    const message = what === "'" || what === '"' || what === '`'
      ? `syntax error: ${what} never closes`
      : `syntax error: unexpected character ${what ? `\`${oneLine(what, 4)}\`` : ''}`.trimEnd();
    return { message, offset: e.offset, length: e.length };
  }
  const atEnd = e.tokenType === Token.EOF;
  const atStart = !atEnd && e.prev.length === 0;
  const at = atEnd ? 'at the end of the statement' : `at \`${oneLine(e.tokenText)}\``;
  let expected = e.expected;
  if (e.expectedAt && performance.now() < deadline) {
    try { const x = e.expectedAt(); if (x.length) expected = x; } catch { /* ANTLR's set stands */ }
  }
  const list = expected.length ? expectedList(expected, e.tokenText, atEnd, atStart, flavor) : '';
  const exp = list ? (atStart ? `: expected a statement (${list})` : `: expected ${list}`) : '';
  const out: GrammarError = { message: `syntax error ${at}${exp}`, offset: e.offset };
  if (e.length) out.length = e.length;
  return out;
}

// ---- the check -------------------------------------------------------------------------------

/** Most re-parses one statement may take for quoted keywords. */
const MAX_RETRIES = 6;

/**
 * The grammar's verdict on one statement: null when it parses, else the first error (offsets in
 * `text`). Throws only on a fault of the parser itself (the caller turns that into "not known").
 */
const GRAMMAR_GAPS = /\b(?:FORCE|USE|IGNORE)\s+(?:INDEX|KEY)\b[^;]*\bPRIMARY\b|\bMATCH\s*\([^)]*\)\s*AGAINST\b|\bNOWAIT\b|\bSKIP\s+LOCKED\b|\bEXCEPT\b|\bINTERSECT\b|\bJSON_TABLE\s*\(/i;

export function checkMySqlGrammar(text: string, flavor: MySqlFlavor): GrammarError | null {
  deadline = performance.now() + MAX_CHECK_MS;
  try {
    return checkWithin(text, flavor);
  } catch (e) {
    if (e instanceof GrammarTimeout) { grammarStats.timeouts++; return null; }
    throw e;
  } finally {
    deadline = Infinity;
  }
}

function checkWithin(text: string, flavor: MySqlFlavor): GrammarError | null {
  let src = openVersionComments(text, flavor);
  const { tokens } = lex(src);
  if (!tokens.length) return null; // comments only: nothing to check
  // `?` placeholders (prepared statements: how application queries are written) stand for a value
  if (tokens.some((t) => t.kind === 'param')) {
    const chars = src.split('');
    for (const t of tokens) if (t.kind === 'param') chars[t.start] = '0';
    src = chars.join('');
  }
  let depth = 0, deepest = 0;
  for (const t of tokens) {
    if (t.kind !== 'op') continue;
    if (t.value === '(') deepest = Math.max(deepest, ++depth);
    else if (t.value === ')') depth--;
  }
  if (deepest > MAX_DEPTH) { grammarStats.tooDeep++; return null; }
  if (clientCommand(src, tokens)) return null;
  const open = lex(src).unterminated;
  if (open && open.what !== 'comment') {
    const q = src[open.start];
    return { message: `syntax error: the ${q === '`' ? 'quoted name' : 'string'} starting here never closes (${q} missing)`, offset: open.start, length: 1 };
  }
  if (open) return { message: 'syntax error: the comment starting here never closes (*/ missing)', offset: open.start, length: 2 };
  if (flavor === 'mariadb') {
    const json = castAsJson(tokens);
    if (json) return { message: 'syntax error at `JSON`: MariaDB has no CAST to JSON (MySQL 8 syntax); expected BINARY, CHAR, DATE, DATETIME, DECIMAL, DOUBLE, …', offset: json.start, length: json.end - json.start };
  }
  src = applyBlanks(src, extraForms(tokens, flavor));
  const verdict = checkParts(src, tokens, flavor);
  // MariaDB syntax the grammar does not know (sequences, RETURNING, system versioning, ...): a
  // statement using it is not judged for 'mariadb' (silent rather than a false error)
  if (verdict && flavor === 'mariadb' && mariaDbOnly(tokens)) return null;
  // forms both servers accept that the grammar lacks (found by the red team, each run on MariaDB
  // 10.11): silence rather than a false error
  if (verdict && GRAMMAR_GAPS.test(src)) return null;
  return verdict;
}

/**
 * Words and forms of MariaDB's grammar that MySQL's (and dt-sql-parser's) lacks: CREATE/ALTER/DROP
 * SEQUENCE, NEXT|PREVIOUS VALUE FOR, RETURNING, WITH SYSTEM VERSIONING / FOR SYSTEM_TIME / PERIOD FOR,
 * BEGIN NOT ATOMIC, PERSISTENT generated columns, UUID / INET4 / INET6 types, OFFSET … ROWS and
 * FETCH FIRST|NEXT, PACKAGE, %TYPE / %ROWTYPE.
 */
function mariaDbOnly(tokens: MyToken[]): boolean {
  const w = (i: number) => (tokens[i]?.kind === 'word' ? tokens[i].upper : '');
  for (let i = 0; i < tokens.length; i++) {
    const x = w(i);
    if (!x) continue;
    if (['SEQUENCE', 'RETURNING', 'VERSIONING', 'SYSTEM_TIME', 'PERSISTENT', 'UUID', 'INET4', 'INET6', 'PACKAGE', 'ROWTYPE', 'NEXTVAL', 'LASTVAL', 'SETVAL', 'OVERLAPS'].includes(x)) return true;
    if ((x === 'NEXT' || x === 'PREVIOUS') && w(i + 1) === 'VALUE' && w(i + 2) === 'FOR') return true;
    if (x === 'NOT' && w(i + 1) === 'ATOMIC') return true;
    if (x === 'PERIOD' && w(i + 1) === 'FOR') return true;
    if (x === 'FETCH' && (w(i + 1) === 'FIRST' || w(i + 1) === 'NEXT')) return true;
    if (x === 'ROWS' && (w(i - 1) === '' && tokens[i - 1]?.kind === 'number') && w(i - 2) === 'OFFSET') return true;
    if (x === 'TYPE' && tokens[i - 1]?.kind === 'op' && tokens[i - 1].value === '%') return true;
  }
  return false;
}

function checkParts(src: string, tokens: MyToken[], flavor: MySqlFlavor): GrammarError | null {
  // ALTER TABLE ... PARTITION BY ...: the grammar has partitioning options in CREATE TABLE only.
  // The head is checked without them, the options as CREATE TABLE's (offsets kept).
  const part = alterPartitionBy(tokens);
  if (part !== undefined) {
    const head = checkText(src.slice(0, part) + ' '.repeat(src.length - part), flavor);
    if (head) return head;
    const prefix = 'CREATE TABLE t (c INT) ';
    const tail = checkText(prefix + src.slice(part), flavor);
    return tail && { ...tail, offset: Math.max(part, tail.offset - prefix.length + part) };
  }
  return checkText(src, flavor);
}

/**
 * `CAST(x AS JSON)`: MySQL 8 syntax the grammar takes, MariaDB 10.11 refuses (error 1064, checked on
 * the server; two corpus files). The JSON word, when a CAST's type is JSON.
 */
function castAsJson(tokens: MyToken[]): MyToken | undefined {
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (!(tokens[i].kind === 'word' && tokens[i].upper === 'CAST' && tokens[i + 1].kind === 'op' && tokens[i + 1].value === '(')) continue;
    let depth = 0;
    for (let j = i + 1; j < tokens.length; j++) {
      const t = tokens[j];
      if (t.kind === 'op' && t.value === '(') depth++;
      else if (t.kind === 'op' && t.value === ')') { if (--depth === 0) break; }
      else if (depth === 1 && t.kind === 'word' && t.upper === 'AS') {
        const ty = tokens[j + 1], close = tokens[j + 2];
        if (ty?.kind === 'word' && ty.upper === 'JSON' && close?.kind === 'op' && close.value === ')') return ty;
        break;
      }
    }
  }
  return undefined;
}

/** Where `PARTITION BY` starts at the top level of an ALTER TABLE statement, if it does. */
function alterPartitionBy(tokens: MyToken[]): number | undefined {
  const w = (i: number) => (tokens[i]?.kind === 'word' ? tokens[i].upper : '');
  let i = 0;
  if (w(i) !== 'ALTER') return undefined;
  i++;
  while (['ONLINE', 'OFFLINE', 'IGNORE'].includes(w(i))) i++;
  if (w(i) !== 'TABLE') return undefined;
  let depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'op' && t.value === '(') depth++;
    else if (t.kind === 'op' && t.value === ')') depth--;
    else if (depth === 0 && w(i) === 'PARTITION' && w(i + 1) === 'BY') return t.start;
  }
  return undefined;
}

function checkText(src: string, flavor: MySqlFlavor): GrammarError | null {
  lastTree = undefined;
  let err = parseOnce(src);
  if (!err) return reservedError(src, [], flavor);
  const first = err;
  // keywords used as names: quote the word the parser stopped on, or one of the two before it (a
  // name the grammar took for a keyword fails one token later), and try again; a quote is kept only
  // when the parse then gets further
  let cur = src;
  let shifts: ((o: number) => number)[] = [];
  for (let n = 0; n < MAX_RETRIES && err && !err.lexer; n++) {
    const here: RawError = err;
    const spans: Span[] = here.tokenType === Token.EOF ? [] : [{ start: here.offset, end: here.offset + here.length, text: here.tokenText }];
    spans.push(...here.prev, ...here.next);
    let moved = false;
    for (const sp of spans) {
      if (!quotable(sp.text, flavor)) continue;
      const q = quoteAt(cur, sp.start, sp.end);
      const next = parseOnce(q.text);
      if (next && q.shift(next.offset) <= here.offset) continue; // no further: not the cure
      cur = q.text;
      shifts = [q.shift, ...shifts];
      err = next;
      moved = true;
      break;
    }
    if (!moved) break;
  }
  if (!err) return reservedError(cur, shifts, flavor);
  if (err === first || !shifts.length) return describe(first, flavor);
  // report the later error at its place in the original text
  let off = err.offset;
  for (const s of shifts) off = s(off);
  return describe({ ...err, offset: off }, flavor);
}
