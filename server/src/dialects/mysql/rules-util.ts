// Small readings of a MySQL statement's own text for the shared rules (what the lowering drops).
import { lex } from './lex';

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
