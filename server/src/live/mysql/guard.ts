// What dbe may send to a live MySQL or MariaDB: one SELECT, SHOW, EXPLAIN or DESCRIBE, nothing
// else, judged on the server's own tokens (../../dialects/mysql/lex.ts: backticks, "strings",
// backslash escapes, # comments, and /*! ... */ read as the code the server runs). Every statement
// a MySqlSession sends goes through guardStatement first, dbe's own catalog reads included; the
// session is read-only as well, so the guard and the server each refuse a write on their own.
//
// Refused: every other statement (INSERT, UPDATE, DELETE, REPLACE, LOAD, CALL, DO, SET, DDL,
// GRANT, KILL, HANDLER, LOCK, FLUSH, ANALYZE TABLE, ...); more than one statement; SELECT ... INTO
// (OUTFILE, DUMPFILE, variables); locking reads (FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE);
// PROCEDURE ANALYSE; optimizer hints (/*+ ... */: SET_VAR and MAX_EXECUTION_TIME can lift the
// session's limits); calls with effects outside the statement (locks, waits, files, sequences);
// EXPLAIN ANALYZE / ANALYZE of anything but a query (they run it).
import { lex, type MyToken } from '../../dialects/mysql/lex';

/** Built-in functions that act outside the statement (locks, waits, files, sequences, known UDF shells). */
export const DENIED_FUNCTIONS = new Set([
  'SLEEP', 'BENCHMARK', 'GET_LOCK', 'RELEASE_LOCK', 'RELEASE_ALL_LOCKS', 'IS_USED_LOCK',
  'MASTER_POS_WAIT', 'SOURCE_POS_WAIT', 'MASTER_GTID_WAIT', 'WAIT_FOR_EXECUTED_GTID_SET', 'WAIT_UNTIL_SQL_THREAD_AFTER_GTIDS',
  'LOAD_FILE', 'NEXTVAL', 'SETVAL', 'LASTVAL', 'SYS_EXEC', 'SYS_EVAL',
]);

const ALLOWED = 'dbe sends only SELECT, SHOW, EXPLAIN and DESCRIBE to a live database';

export interface Classified {
  /** What the statement is: a query, SHOW, DESCRIBE of a table, or EXPLAIN/ANALYZE of an inner statement. */
  kind: 'query' | 'show' | 'describe' | 'explain';
  /** EXPLAIN ANALYZE (MySQL) or ANALYZE (MariaDB): the inner statement is run. */
  analyze: boolean;
  /** For EXPLAIN: what it explains. */
  inner?: 'query' | 'write';
  /** Index of the first token of the query (for kind query, or the inner statement). */
  at: number;
}

const tokensOf = (sql: string): { toks: MyToken[]; refusal?: string; hint: boolean } => {
  const r = lex(sql);
  if (r.unterminated) return { toks: [], refusal: `the statement has an unterminated ${r.unterminated.what}: refused`, hint: false };
  const hint = r.comments.some((c) => c.text.startsWith('/*+'));
  const toks = r.tokens.slice();
  while (toks.length && toks[toks.length - 1].kind === 'op' && toks[toks.length - 1].value === ';') toks.pop();
  if (toks.some((t) => t.kind === 'op' && t.value === ';')) return { toks, refusal: `${ALLOWED}, one statement at a time; this text holds more than one: refused`, hint };
  return { toks, hint };
};

const isOp = (t: MyToken | undefined, v: string) => !!t && t.kind === 'op' && t.value === v;
const word = (t: MyToken | undefined) => (t && t.kind === 'word' ? t.upper : '');
// MySQL 8's TABLE t and VALUES ROW(...) are left out: ANALYZE TABLE t must never read as ANALYZE of a query
const QUERY_HEADS = new Set(['SELECT', 'WITH']);
const WRITE_HEADS = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE']);

/** What the statement is, or why dbe does not send it (one line). */
export function classify(sql: string): Classified | { refusal: string } {
  const { toks, refusal, hint } = tokensOf(sql);
  if (refusal) return { refusal };
  if (!toks.length) return { refusal: 'the statement is empty' };
  if (hint) return { refusal: `the statement carries an optimizer hint (/*+ ... */), which can change the session's limits: ${ALLOWED}, without hints: refused` };
  const head = word(toks[0]) || (isOp(toks[0], '(') ? '(' : toks[0].value);
  const query = (i: number): Classified | { refusal: string } => {
    const why = queryRefusal(toks, i);
    return why ? { refusal: why } : { kind: 'query', analyze: false, at: i };
  };
  if (QUERY_HEADS.has(head) || head === '(') {
    const r = query(0);
    if ('refusal' in r) return r;
    return writesInside(toks, 0) ?? r;
  }
  if (head === 'SHOW') return callsRefusal(toks, 0) ?? { kind: 'show', analyze: false, at: 0 };
  if (head === 'EXPLAIN' || head === 'DESCRIBE' || head === 'DESC' || head === 'ANALYZE') {
    let i = 1, analyze = head === 'ANALYZE';
    for (;;) {
      const w = word(toks[i]);
      if (w === 'ANALYZE' && head !== 'ANALYZE') { analyze = true; i++; continue; }
      if (w === 'EXTENDED' || w === 'PARTITIONS') { i++; continue; }
      if (w === 'FORMAT' && isOp(toks[i + 1], '=') && toks[i + 2]) { i += 3; continue; }
      break;
    }
    const w = word(toks[i]) || (isOp(toks[i], '(') ? '(' : '');
    if (QUERY_HEADS.has(w) || w === '(') {
      const r = query(i);
      if ('refusal' in r) return r;
      const inner = writesInside(toks, i);
      if (inner) return analyze ? { refusal: `${head === 'ANALYZE' ? 'ANALYZE' : 'EXPLAIN ANALYZE'} runs the statement, and this one writes: dbe never runs a write on your database (plain EXPLAIN shows its plan)` } : { kind: 'explain', analyze, inner: 'write', at: i };
      return { kind: 'explain', analyze, inner: 'query', at: i };
    }
    if (WRITE_HEADS.has(w)) {
      if (analyze) return { refusal: `${head === 'ANALYZE' ? 'ANALYZE' : 'EXPLAIN ANALYZE'} runs the statement, and this is ${w}: dbe never runs a write on your database (plain EXPLAIN shows its plan)` };
      return callsRefusal(toks, i) ?? { kind: 'explain', analyze: false, inner: 'write', at: i };
    }
    if (head === 'ANALYZE') return { refusal: `${ALLOWED}; ANALYZE ${toks[i]?.value ?? ''} changes the server's statistics: refused`.replace(/ {2,}/g, ' ') };
    if (w === 'FOR' && word(toks[i + 1]) === 'CONNECTION' && toks.length === i + 3 && toks[i + 2].kind === 'number' && !analyze) return { kind: 'explain', analyze: false, at: i };
    // DESCRIBE table [column]: names only
    if (!analyze && i === 1 && toks.length > 1 && toks.slice(1).every((t) => t.kind === 'word' || t.kind === 'quoted' || t.kind === 'string' || isOp(t, '.'))) {
      return { kind: 'describe', analyze: false, at: 1 };
    }
    return { refusal: `${ALLOWED}; this ${head} is not one dbe sends: refused` };
  }
  return { refusal: `${ALLOWED}, and this is ${head.toUpperCase().slice(0, 40)}: refused` };
}

/** The one-line refusal for a statement dbe must not send, or undefined when it may. */
export function guardStatement(sql: string): string | undefined {
  const c = classify(sql);
  return 'refusal' in c ? c.refusal : undefined;
}

/** Writes and locks inside a query: INTO, FOR UPDATE/SHARE, LOCK IN SHARE MODE, PROCEDURE, a WITH ... UPDATE/DELETE. */
function queryRefusal(toks: MyToken[], from: number): string | undefined {
  for (let i = from; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== 'word' || isOp(toks[i - 1], '.')) continue;
    const w = t.upper;
    if (w === 'INTO') return `SELECT ... INTO writes (a file on the server or variables): ${ALLOWED} without INTO: refused`;
    if (w === 'FOR' && (word(toks[i + 1]) === 'UPDATE' || word(toks[i + 1]) === 'SHARE')) return `SELECT ... FOR ${word(toks[i + 1])} locks rows: refused (dbe only reads)`;
    if (w === 'LOCK' && word(toks[i + 1]) === 'IN') return 'SELECT ... LOCK IN SHARE MODE locks rows: refused (dbe only reads)';
    if (w === 'PROCEDURE') return 'SELECT ... PROCEDURE runs a procedure: refused';
  }
  return callsRefusal(toks, from)?.refusal;
}

/** A query whose text holds a write (MySQL 8's WITH ... UPDATE/DELETE, INSERT ... SELECT behind parentheses). */
function writesInside(toks: MyToken[], from: number): { refusal: string } | undefined {
  for (let i = from; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== 'word' || isOp(toks[i - 1], '.')) continue;
    if (t.upper === 'UPDATE' || t.upper === 'DELETE' || ((t.upper === 'INSERT' || t.upper === 'REPLACE') && !isOp(toks[i + 1], '('))) {
      return { refusal: `the statement holds ${t.upper}: ${ALLOWED}, and this one writes: refused` };
    }
  }
  return undefined;
}

function callsRefusal(toks: MyToken[], from: number): { refusal: string } | undefined {
  for (let i = from; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind === 'word' && DENIED_FUNCTIONS.has(t.upper) && isOp(toks[i + 1], '(') && !isOp(toks[i - 1], '.')) {
      return { refusal: `the statement calls ${t.upper}(), which acts outside the statement (locks, waits, files or sequences): refused` };
    }
    if (t.kind === 'word' && t.upper === 'NEXT' && word(toks[i + 1]) === 'VALUE' && word(toks[i + 2]) === 'FOR') return { refusal: 'the statement takes NEXT VALUE FOR a sequence, which changes it: refused' };
    if (t.kind === 'word' && t.upper === 'PREVIOUS' && word(toks[i + 1]) === 'VALUE' && word(toks[i + 2]) === 'FOR') continue;
  }
  return undefined;
}

export interface Call { schema?: string; name: string }

/** The function calls of a statement: `name(` and `schema.name(` (keywords followed by a parenthesis included; the caller resolves them). */
export function callsOf(sql: string): Call[] {
  const toks = lex(sql).tokens;
  const out: Call[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if ((t.kind !== 'word' && t.kind !== 'quoted') || !isOp(toks[i + 1], '(')) continue;
    if (isOp(toks[i - 1], '.') && (toks[i - 2]?.kind === 'word' || toks[i - 2]?.kind === 'quoted')) out.push({ schema: toks[i - 2].value, name: t.value });
    else if (!isOp(toks[i - 1], '.')) out.push({ name: t.value });
  }
  return out;
}

/** Names that may be tables or views: every word or backtick name, with its qualifier when it has one. */
export function namesOf(sql: string): Call[] {
  const toks = lex(sql).tokens;
  const out: Call[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== 'word' && t.kind !== 'quoted') continue;
    if (isOp(toks[i + 1], '.')) continue; // a qualifier: taken with its name
    if (isOp(toks[i - 1], '.') && (toks[i - 2]?.kind === 'word' || toks[i - 2]?.kind === 'quoted')) out.push({ schema: toks[i - 2].value, name: t.value });
    else out.push({ name: t.value });
  }
  return out;
}
