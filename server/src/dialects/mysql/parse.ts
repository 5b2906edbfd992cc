// A MySQL statement in the shared statement model (PostgreSQL's parse tree), for the rules that mean
// the same in both dialects. The statement is LOWERED: rewritten token by token (MySQL lexer,
// lex.ts) into PostgreSQL text that means the same for the rules, then parsed by libpg-query. Every
// character of the lowered text remembers the offset of the original character it came from, so AST
// locations map back to the MySQL text exactly (LoweredMap, same interface as ByteMap).
//
// What is lowered: SELECT / WITH / INSERT / REPLACE / UPDATE / DELETE, and the DDL PostgreSQL reads
// the same (DROP TABLE / VIEW / DATABASE, TRUNCATE, ALTER TABLE ... DROP [COLUMN] / RENAME, RENAME
// TABLE a TO b). Everything else, and anything PostgreSQL cannot parse after lowering, is not lowered
// (no node): a wrong reading costs more than a missing one. docs/decisions/0033-mysql-lowering.md.
import { parseStatement, parserReady, type ParsedStatement } from '../../sql/parse';
import { ByteMap } from '../../text';
import { lex, type MyToken } from './lex';
import * as pg from 'libpg-query';

/** Maps UTF-8 byte offsets of the lowered text to UTF-16 offsets in the ORIGINAL statement text. */
export class LoweredMap extends ByteMap {
  private readonly lowered: ByteMap;
  constructor(original: string, readonly loweredText: string, private readonly origin: Int32Array) {
    super(original);
    this.lowered = new ByteMap(loweredText);
  }
  override toUtf16(byteOffset: number): number {
    if (byteOffset <= 0) return this.origin.length ? this.origin[0] : 0;
    const u = this.lowered.toUtf16(byteOffset);
    return this.origin[Math.min(u, this.origin.length - 1)];
  }
}

export interface Lowered { text: string; origin: Int32Array }

// statements that start with these words are lowered; the rest are MySQL-only for the shared rules
const LOWERED_START = new Set(['SELECT', 'WITH', 'INSERT', 'REPLACE', 'UPDATE', 'DELETE', 'DROP', 'TRUNCATE', 'ALTER', 'RENAME', '(']);
// select / DML modifiers with no meaning for the rules
const MODIFIERS = new Set(['SQL_CALC_FOUND_ROWS', 'SQL_NO_CACHE', 'SQL_CACHE', 'SQL_SMALL_RESULT', 'SQL_BIG_RESULT', 'SQL_BUFFER_RESULT', 'HIGH_PRIORITY', 'LOW_PRIORITY', 'DELAYED', 'QUICK']);
const NO_PAREN_FUNCS = new Set(['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'LOCALTIME', 'LOCALTIMESTAMP', 'CURRENT_USER']);
const UNITS = new Set(['MICROSECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR']);
const PUNCT = new Set(['(', ')', ',', '.', ';']);

const keywordCache = new Map<string, boolean>();
/** True when PostgreSQL's scanner reads the (lower-case) word as a keyword: it must be quoted as a name. */
function pgKeyword(word: string): boolean {
  let k = keywordCache.get(word);
  if (k === undefined) {
    try { const r = pg.scanSync(word); k = r.tokens.length !== 1 || r.tokens[0].keywordKind !== 0; } catch { k = true; }
    keywordCache.set(word, k);
  }
  return k;
}

/** A MySQL name as PostgreSQL reads it: lower-cased, quoted only when it has to be. */
export function pgName(name: string): string {
  const low = name.toLowerCase();
  if (/^[a-z_][a-z0-9_$]*$/.test(low) && !pgKeyword(low)) return low;
  return `"${low.replace(/"/g, '""')}"`;
}

const pgString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const isOperand = (t: MyToken | undefined) => !!t && (t.kind === 'word' || t.kind === 'quoted' || t.kind === 'number' || t.kind === 'string' || t.kind === 'param' || t.kind === 'variable' || (t.kind === 'op' && t.value === ')'));

/**
 * The PostgreSQL text of a MySQL statement, with the original offset of every character (and one
 * more entry for the end), or undefined when the statement is not one the lowering reads.
 */
export function lowerMySql(text: string): Lowered | undefined {
  const lx = lex(text);
  if (lx.unterminated) return undefined;
  const toks = lx.tokens.filter((t) => !(t.kind === 'op' && t.value === ';'));
  if (!toks.length) return undefined;
  const first = toks[0].kind === 'op' ? toks[0].value : toks[0].upper;
  if (!LOWERED_START.has(first)) return undefined;
  if (first === 'DROP' && !/^(TABLE|VIEW|DATABASE|SCHEMA)$/.test(toks[1]?.upper ?? '')) return undefined;
  if (first === 'ALTER' && !alterLowerable(toks)) return undefined;
  const isDml = first === 'UPDATE' || first === 'DELETE';
  if (isDml && multiTable(toks)) return undefined;

  const parts: string[] = [];
  const origin: number[] = [];
  const emit = (s: string, at: number, verbatim = false) => {
    for (let i = 0; i < s.length; i++) origin.push(verbatim ? at + i : at);
    parts.push(s);
  };
  let params = 0;
  let prev: MyToken | undefined;
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    const next = toks[i + 1];
    // the space between tokens: one blank (comments and layout dropped), or none next to punctuation
    if (prev) {
      const gap = t.start > prev.end;
      const punct = (prev.kind === 'op' && PUNCT.has(prev.value)) || (t.kind === 'op' && PUNCT.has(t.value));
      if (gap || !punct) emit(' ', prev.end);
    }
    prev = t;
    const src = text.slice(t.start, t.end);
    if (t.kind === 'op') {
      if (t.value === '(') depth++;
      if (t.value === ')') depth--;
      if (t.value === '<=>') { emit('IS NOT DISTINCT FROM', t.start); continue; }
      if (t.value === '&&') { emit('AND', t.start); continue; }
      if (t.value === '||') { emit('OR', t.start); continue; } // MySQL's default sql_mode: || is OR
      if (t.value === ':=') return undefined;
      emit(src, t.start, true);
      continue;
    }
    if (t.kind === 'quoted') { emit(pgName(t.value), t.start); continue; }
    if (t.kind === 'param') { emit(`$${++params}`, t.start); continue; }
    if (t.kind === 'variable') { emit(`$${++params}`, t.start); continue; }
    if (t.kind === 'number') { emit(src, t.start, true); continue; }
    if (t.kind === 'string') {
      if (/^[xXbB]'/.test(src)) { emit(src, t.start, true); continue; } // bit / hex strings: the same in PostgreSQL
      // MySQL reads 'alias' after AS as a name
      if (toks[i - 1]?.upper === 'AS') { emit(`"${t.value.toLowerCase().replace(/"/g, '""')}"`, t.start); continue; }
      emit(pgString(t.value), t.start);
      continue;
    }
    if (t.kind !== 'word') return undefined;
    // words
    const w = t.upper;
    const p = toks[i - 1];
    if (/^[0-9]/.test(t.value)) { emit(pgName(t.value), t.start); continue; } // `1abc` names
    if (MODIFIERS.has(w) && i > 0 && /^(SELECT|INSERT|UPDATE|DELETE|REPLACE|DISTINCT|ALL|LOW_PRIORITY|HIGH_PRIORITY|DELAYED|QUICK|IGNORE|SQL_CALC_FOUND_ROWS|SQL_NO_CACHE|SQL_CACHE)$/.test(p.upper)) { prevSkip(); continue; }
    if (w === 'SQL_CALC_FOUND_ROWS' || w === 'SQL_NO_CACHE' || w === 'SQL_CACHE' || w === 'SQL_SMALL_RESULT' || w === 'SQL_BIG_RESULT' || w === 'SQL_BUFFER_RESULT') { prevSkip(); continue; }
    if (w === 'DISTINCTROW') { emit('DISTINCT', t.start); continue; }
    if (w === 'STRAIGHT_JOIN') { if (p?.upper === 'SELECT') prevSkip(); else emit('JOIN', t.start); continue; }
    if (w === 'IGNORE' && (p?.upper === 'INSERT' || p?.upper === 'UPDATE' || p?.upper === 'DELETE' || MODIFIERS.has(p?.upper ?? ''))) { prevSkip(); continue; }
    if (w === 'REPLACE' && i === 0) { emit('INSERT', t.start); continue; }
    if (w === 'VALUE' && depth === 0 && /^(\)|[A-Z_]+)$/.test(p?.value ?? '') && next?.value === '(' && /^(INSERT|REPLACE)$/.test(toks[0].upper)) { emit('VALUES', t.start); continue; }
    // index hints: USE / FORCE / IGNORE {INDEX|KEY} [FOR {JOIN|ORDER BY|GROUP BY}] (list)
    if ((w === 'USE' || w === 'FORCE' || w === 'IGNORE') && (next?.upper === 'INDEX' || next?.upper === 'KEY')) {
      let j = i + 2;
      if (toks[j]?.upper === 'FOR') j += toks[j + 1]?.upper === 'JOIN' ? 2 : 3;
      if (toks[j]?.value !== '(') return undefined;
      let d = 0;
      for (; j < toks.length; j++) { if (toks[j].value === '(') d++; else if (toks[j].value === ')' && --d === 0) break; }
      if (j >= toks.length) return undefined;
      prevSkip();
      i = j;
      prev = toks[j];
      continue;
    }
    // LOCK IN SHARE MODE -> FOR SHARE
    if (w === 'LOCK' && next?.upper === 'IN' && toks[i + 2]?.upper === 'SHARE' && toks[i + 3]?.upper === 'MODE') {
      emit('FOR SHARE', t.start); i += 3; prev = toks[i]; continue;
    }
    // ON DUPLICATE KEY UPDATE -> ON CONFLICT DO UPDATE SET; VALUES(c) -> excluded.c
    if (w === 'ON' && next?.upper === 'DUPLICATE' && toks[i + 2]?.upper === 'KEY' && toks[i + 3]?.upper === 'UPDATE') {
      emit('ON CONFLICT DO UPDATE SET', t.start); i += 3; prev = toks[i]; continue;
    }
    if (w === 'VALUES' && next?.value === '(' && (toks[i + 2]?.kind === 'word' || toks[i + 2]?.kind === 'quoted') && toks[i + 3]?.value === ')' && onDuplicateBefore(toks, i)) {
      emit('excluded.', t.start); emit(toks[i + 2].kind === 'quoted' ? pgName(toks[i + 2].value) : toks[i + 2].value, toks[i + 2].start);
      i += 3; prev = toks[i]; continue;
    }
    // a DIV b, a MOD b
    if ((w === 'DIV' || w === 'MOD') && isOperand(p) && next && next.value !== ',' && next.value !== ')' && !(w === 'MOD' && next.value === '(')) {
      emit(w === 'DIV' ? '/' : '%', t.start); continue;
    }
    // [NOT] REGEXP / RLIKE: case-insensitive match on text
    if (w === 'REGEXP' || w === 'RLIKE') { emit('~*', t.start); continue; }
    if (w === 'NOT' && (next?.upper === 'REGEXP' || next?.upper === 'RLIKE')) { emit('!~*', t.start); i++; prev = next; continue; }
    // LIMIT a, b -> LIMIT b OFFSET a
    if (w === 'LIMIT' && next && toks[i + 2]?.value === ',' && toks[i + 3]) {
      const a = next, b = toks[i + 3];
      if (!isSimpleValue(a) || !isSimpleValue(b)) return undefined;
      emit('LIMIT ', t.start);
      emitValue(b);
      emit(' OFFSET ', a.start);
      emitValue(a);
      i += 3; prev = b;
      continue;
    }
    // UPDATE / DELETE ... [ORDER BY ...] LIMIT n: PostgreSQL has neither; the statement ends there
    if (isDml && depth === 0 && (w === 'LIMIT' || (w === 'ORDER' && next?.upper === 'BY'))) {
      if (parts.length && parts[parts.length - 1] === ' ') { parts.pop(); origin.pop(); }
      break;
    }
    // INTERVAL 1 DAY -> INTERVAL '1 day'; INTERVAL ? DAY -> $n * INTERVAL '1 day'
    if (w === 'INTERVAL' && next && UNITS.has(toks[i + 2]?.upper ?? '')) {
      const unit = toks[i + 2].upper.toLowerCase();
      if (next.kind === 'number') emit(`INTERVAL '${next.value} ${unit}'`, t.start);
      else if (next.kind === 'string' && /^-?[0-9.]+$/.test(next.value)) emit(`INTERVAL '${next.value} ${unit}'`, t.start);
      else if (next.kind === 'param' || next.kind === 'variable') { emit(`($${++params} * INTERVAL '1 ${unit}')`, t.start); }
      else return undefined;
      i += 2; prev = toks[i];
      continue;
    }
    // CURRENT_TIMESTAMP() -> CURRENT_TIMESTAMP
    if (NO_PAREN_FUNCS.has(w) && next?.value === '(' && toks[i + 2]?.value === ')') { emit(src, t.start, true); i += 2; prev = toks[i]; continue; }
    // RENAME TABLE a TO b -> ALTER TABLE a RENAME TO b (one pair, unqualified target)
    if (w === 'RENAME' && i === 0) {
      if (next?.upper !== 'TABLE') return undefined;
      const rest = toks.slice(2);
      const to = rest.findIndex((x) => x.upper === 'TO');
      if (to < 1 || rest.length !== to + 2 || !(rest[to + 1].kind === 'word' || rest[to + 1].kind === 'quoted')) return undefined;
      emit('ALTER TABLE ', t.start);
      for (let k = 0; k < to; k++) emitValue(rest[k]);
      emit(' RENAME TO ', rest[to].start);
      emitValue(rest[to + 1]);
      break;
    }
    emit(src, t.start, true);
  }
  origin.push(text.length);
  return { text: parts.join(''), origin: Int32Array.from(origin) };

  function prevSkip(): void { if (parts.length && parts[parts.length - 1] === ' ') { parts.pop(); origin.pop(); } }
  function emitValue(v: MyToken): void {
    if (v.kind === 'quoted') emit(pgName(v.value), v.start);
    else if (v.kind === 'param' || v.kind === 'variable') emit(`$${++params}`, v.start);
    else emit(text.slice(v.start, v.end), v.start, true);
  }
}

function isSimpleValue(t: MyToken): boolean { return t.kind === 'number' || t.kind === 'param' || t.kind === 'variable'; }

function onDuplicateBefore(toks: MyToken[], i: number): boolean {
  for (let k = i - 1; k >= 2; k--) if (toks[k].upper === 'UPDATE' && toks[k - 1].upper === 'KEY' && toks[k - 2].upper === 'DUPLICATE') return true;
  return false;
}

/** UPDATE a, b SET / UPDATE a JOIN b / DELETE a FROM a JOIN b / DELETE FROM a USING ...: not lowered. */
function multiTable(toks: MyToken[]): boolean {
  let depth = 0;
  const isUpdate = toks[0].upper === 'UPDATE';
  let sawFrom = false;
  for (let i = 1; i < toks.length; i++) {
    const t = toks[i];
    if (t.value === '(') { depth++; continue; }
    if (t.value === ')') { depth--; continue; }
    if (depth) continue;
    if (isUpdate) {
      if (t.upper === 'SET') return false;
      if (t.value === ',' || t.upper === 'JOIN' || t.upper === 'STRAIGHT_JOIN') return true;
    } else {
      if (t.upper === 'FROM') {
        // DELETE t FROM ... : a target before FROM
        for (let k = 1; k < i; k++) if (!/^(LOW_PRIORITY|QUICK|IGNORE)$/.test(toks[k].upper)) return true;
        sawFrom = true;
        continue;
      }
      if (sawFrom && (t.value === ',' || t.upper === 'JOIN' || t.upper === 'USING' || t.upper === 'STRAIGHT_JOIN')) return true;
      if (t.upper === 'WHERE' || t.upper === 'ORDER' || t.upper === 'LIMIT') return false;
    }
  }
  return false;
}

/** ALTER TABLE t with only DROP [COLUMN] c / RENAME [TO|AS] n clauses (what PostgreSQL reads the same). */
function alterLowerable(toks: MyToken[]): boolean {
  if (toks[1]?.upper !== 'TABLE') return false;
  // split the clauses on top-level commas after the table name
  let i = 2;
  if (toks[i]?.upper === 'IF') return false;
  i++;
  if (toks[i]?.value === '.') i += 2;
  const clauses: MyToken[][] = [[]];
  for (; i < toks.length; i++) { if (toks[i].value === ',') clauses.push([]); else clauses[clauses.length - 1].push(toks[i]); }
  return clauses.every((c) => {
    const w = c.map((t) => t.upper);
    const name = (t: MyToken | undefined) => !!t && (t.kind === 'quoted' || (t.kind === 'word' && !/^(INDEX|KEY|PRIMARY|FOREIGN|CONSTRAINT|CHECK|PARTITION|COLUMN|IF|TO|AS|DEFAULT|UNIQUE|FULLTEXT|SPATIAL|SYSTEM|PERIOD)$/.test(t.upper)));
    if (w[0] === 'DROP') {
      let k = 1;
      if (w[k] === 'COLUMN') k++;
      if (w[k] === 'IF' && w[k + 1] === 'EXISTS') k += 2;
      return c.length === k + 1 && name(c[k]);
    }
    return w[0] === 'RENAME' && w[1] === 'TO' && c.length === 3 && name(c[2]);
  }) && clauses[0].length > 0;
}

const cache = new Map<string, ParsedStatement>();
const MAX_CACHE = 50_000;

export function parseMySqlStatement(text: string): ParsedStatement {
  const hit = cache.get(text);
  if (hit) return hit;
  let result: ParsedStatement = { bytes: new ByteMap(text) };
  const low = parserReady() ? lowerMySql(text) : undefined;
  if (low) {
    const parsed = parseStatement(low.text);
    // one statement, no error: the lowered reading; anything else is not lowered (never an error:
    // syntax verdicts come from the MySQL grammar)
    if (parsed.node && !parsed.error && !parsed.extra) {
      result = { node: parsed.node, bytes: new LoweredMap(text, low.text, low.origin) };
    }
  }
  if (!parserReady()) return result; // not remembered: read again once the parser is loaded
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(text, result);
  return result;
}
