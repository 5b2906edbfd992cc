// Ranges the AST does not give: libpg-query reports where a node starts, not where it ends.
// These helpers find ends with the real PostgreSQL scanner's tokens.
import type { Statement } from '../model';
import { tokens, type Token } from './parse';
import { mySqlTokens } from '../dialects/mysql/tokens';

const TYPE_STOP = new Set([
  'not', 'null', 'default', 'primary', 'references', 'unique', 'check', 'constraint', 'collate',
  'generated', 'using', 'deferrable', 'initially', 'storage', 'compression', 'on', 'set', 'drop', 'add', 'alter',
]);

const fileTokCache = new WeakMap<Statement, { text: string; start: number; toks: Token[] }>();
/**
 * Statement tokens with file offsets. Cached per statement (many rules ask for the same statement's
 * tokens in one analysis); callers must not modify the returned list.
 */
export function fileTokens(stmt: Statement): Token[] {
  const hit = fileTokCache.get(stmt);
  if (hit && hit.text === stmt.text && hit.start === stmt.start) return hit.toks;
  // a MySQL statement's tokens come from the MySQL lexer (backticks, "strings", # comments)
  const own = stmt.file?.dialect?.family === 'mysql' ? mySqlTokens(stmt.text) : tokens(stmt.text);
  const toks = own.map((t) => ({ ...t, start: t.start + stmt.start, end: t.end + stmt.start }));
  fileTokCache.set(stmt, { text: stmt.text, start: stmt.start, toks });
  return toks;
}

/** Index of the token that starts at or contains file offset `at`, or -1. */
export function tokenIndexAt(toks: Token[], at: number): number {
  let lo = 0, hi = toks.length - 1, best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (toks[mid].start <= at) { best = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (best >= 0 && at < toks[best].end) return best;
  return best >= 0 && toks[best].start === at ? best : (best + 1 < toks.length ? best + 1 : -1);
}

/** End offset (file) of the type name that starts at file offset `start`. */
export function typeExtent(stmt: Statement, start: number): number {
  const toks = fileTokens(stmt);
  let i = tokenIndexAt(toks, start);
  if (i < 0) return start;
  let depth = 0;
  let end = toks[i].end;
  for (; i < toks.length; i++) {
    const t = toks[i];
    const word = t.text.toLowerCase();
    if (depth === 0) {
      if (t.text === ',' || t.text === ')' || t.text === ';') break;
      if (t.start > start && TYPE_STOP.has(word)) break;
    }
    if (t.text === '(' || t.text === '[') depth++;
    if (t.text === ')' || t.text === ']') depth--;
    end = t.end;
  }
  return end;
}

/** End offset (file) of the token at file offset `start` (at least one character). */
export function tokenEnd(stmt: Statement, start: number): number {
  const toks = fileTokens(stmt);
  const i = tokenIndexAt(toks, start);
  if (i < 0 || toks[i].start > start) return Math.min(start + 1, stmt.end);
  return toks[i].end;
}

/** Range of the statement's first line (where statement-level findings are shown). */
export function headRange(stmt: Statement): { start: number; end: number } {
  const text = stmt.file.text;
  let e = text.indexOf('\n', stmt.start);
  if (e < 0 || e > stmt.end) e = stmt.end;
  while (e > stmt.start && /\s/.test(text[e - 1])) e--;
  return { start: stmt.start, end: Math.max(e, stmt.start + 1) };
}
