// The MySQL / MariaDB built-in functions (functions.json, generated from MariaDB's own help tables by
// scripts/gen-mysql-functions.ts) in the shape completion and signature help use for PostgreSQL's.
import type { BuiltinFunction } from '../../sql/functions';
import list from './functions.json';

interface Entry { name: string; category: string; syntax: string; doc: string }

/** One signature per form the help gives (`ADDDATE(date,INTERVAL expr unit), ADDDATE(expr,days)`). */
function sigsOf(e: Entry): BuiltinFunction['sigs'] {
  const out: BuiltinFunction['sigs'] = [];
  const re = new RegExp(`${e.name.replace(/[$]/g, '\\$')}\\s*\\(`, 'gi');
  let m: RegExpExecArray | null;
  while ((m = re.exec(e.syntax))) {
    let depth = 1, i = m.index + m[0].length;
    const from = i;
    for (; i < e.syntax.length && depth > 0; i++) { if (e.syntax[i] === '(') depth++; else if (e.syntax[i] === ')') depth--; }
    out.push({ args: e.syntax.slice(from, i - 1).replace(/\s*,\s*/g, ', ').trim(), result: '', doc: e.doc });
  }
  return out.length ? out : [{ args: '', result: '', doc: e.doc }];
}

const AGGREGATE = /GROUP BY|Aggregate/i;

export const MYSQL_FUNCTIONS: BuiltinFunction[] = (list as Entry[]).map((e) => ({
  name: e.name,
  kind: /Window/i.test(e.category) ? 'w' : AGGREGATE.test(e.category) ? 'a' : 'f',
  sigs: sigsOf(e),
}));

const byName = new Map(MYSQL_FUNCTIONS.map((f) => [f.name, f]));
export function mySqlFunction(name: string): BuiltinFunction | undefined { return byName.get(name.toLowerCase()); }
