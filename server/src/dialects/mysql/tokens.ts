// A MySQL statement's tokens in the shape of PostgreSQL's scanner tokens (sql/parse.ts Token), for the
// helpers that find where things end (sql/spans.ts): the text is the original text of the token
// (`name` with its backticks), offsets are UTF-16 in the statement.
import type { Token } from '../../sql/parse';
import { lex } from './lex';

const KIND: Record<string, string> = { word: 'IDENT', quoted: 'IDENT', string: 'SCONST', number: 'ICONST', param: 'PARAM', variable: 'PARAM' };
const cache = new Map<string, Token[]>();

export function mySqlTokens(text: string): Token[] {
  const hit = cache.get(text);
  if (hit) return hit;
  const out = lex(text).tokens.map((t) => ({
    start: t.start, end: t.end, text: text.slice(t.start, t.end),
    kind: KIND[t.kind] ?? t.value, keyword: false,
  }));
  if (cache.size > 20_000) cache.clear();
  cache.set(text, out);
  return out;
}
