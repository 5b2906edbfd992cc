// A last guard for the editor: SQL text that only PostgreSQL runs, so a fix carrying it is never
// offered on a MySQL / MariaDB file (a rule whose fix is not yet written for MySQL would otherwise
// hand a MySQL project a PostgreSQL migration). Read with the MySQL lexer, so comments do not count.
import { lex } from './lex';

/** What in `sql` only PostgreSQL runs (a short phrase), or undefined. */
export function postgresOnly(sql: string): string | undefined {
  const toks = lex(sql).tokens;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i], n = toks[i + 1];
    if (t.kind === 'word') {
      if ((t.upper === 'SET' || t.upper === 'RESET') && n?.kind === 'word' && /^(LOCK_TIMEOUT|STATEMENT_TIMEOUT|SEARCH_PATH)$/.test(n.upper)) return `${t.upper} ${n.value}`;
      if (t.upper === 'CONCURRENTLY') return 'CONCURRENTLY';
      if (t.upper === 'COLUMN' && toks[i - 1]?.upper === 'ALTER' && toks[i + 2]?.upper === 'TYPE') return 'ALTER COLUMN ... TYPE';
      if ((t.upper === 'SET' || t.upper === 'DROP') && n?.upper === 'NOT' && toks[i + 2]?.upper === 'NULL' && toks.slice(0, i).some((x) => x.upper === 'ALTER')) return `${t.upper} NOT NULL`;
      if (t.upper === 'VALIDATE' && n?.upper === 'CONSTRAINT') return 'VALIDATE CONSTRAINT';
      if (t.upper === 'NOT' && n?.upper === 'VALID') return 'NOT VALID';
      if (/^(TIMESTAMPTZ|JSONB|BIGSERIAL|SERIAL4|SERIAL8|BYTEA|TSVECTOR)$/.test(t.upper)) return t.value;
    } else if (t.kind === 'op' && (t.value === '::' || (t.value === ':' && n?.kind === 'op' && n.value === ':' && n.start === t.end))) return '::';
  }
  return undefined;
}
