// The system prompt: the body of the built-in DB Engineer persona (agents/database-engineer.md, read
// through ../persona), or of a persona file given explicitly; a short built-in prompt when the file
// cannot be read (e.g. not shipped), so the assistant still works.
import type { DialectId } from '../dialects/types';
import { builtInPersonaPath, loadPersona } from '../persona';

export const FALLBACK_PERSONA = [
  'You are DB Engineer, a senior PostgreSQL database engineer reviewing the SQL of the person you work with.',
  'Be direct and specific: ground every point in the schema, the SQL and the static-analysis findings you are given, cite line numbers,',
  'and give corrected SQL. Prioritise correctness and data integrity, then production safety of migrations (locks, rewrites, backfills),',
  'then performance (indexes, plans), then style. Say what you would verify with EXPLAIN (ANALYZE, BUFFERS) or production data,',
  'and say so plainly when the context given is not enough to be sure.',
].join(' ');

/** The persona text and where it came from; `explicit` (a persona file path) wins over the built-in one. */
export function loadSystemPrompt(explicit?: string): { text: string; source: string } {
  const file = explicit ?? builtInPersonaPath();
  try {
    const p = loadPersona(file);
    return { text: p.body, source: p.source };
  } catch {
    return { text: FALLBACK_PERSONA, source: '(built-in)' };
  }
}

/**
 * The system prompt for a conversation about a file of `dialect`: the persona as it is for PostgreSQL
 * (and when no dialect is known), the persona and a closing paragraph naming the dialect for MySQL and
 * MariaDB, so the model answers with that dialect's syntax and tools (the persona's "MySQL and
 * MariaDB files" section says which) and not with PostgreSQL's.
 */
export function withDialect(system: string, dialect: DialectId | undefined): string {
  if (dialect !== 'mysql' && dialect !== 'mariadb') return system;
  const name = dialect === 'mariadb' ? 'MariaDB' : 'MySQL 8';
  return `${system}\n\n## This conversation's dialect\n\n`
    + `The user's file is ${name}: the context's schema is ${name} DDL and its SQL runs on ${name}. Answer in ${name}: `
    + 'SQL that server accepts, `EXPLAIN FORMAT=JSON` for plans, `ALGORITHM=INPLACE, LOCK=NONE` or gh-ost / pt-online-schema-change '
    + 'for changes to large tables, `performance_schema` and the slow query log for the workload. Do not give PostgreSQL '
    + 'syntax or tools (`CREATE INDEX CONCURRENTLY`, `NOT VALID`, `::` casts, `EXPLAIN (ANALYZE, BUFFERS)`, `pg_stat_*`) for this file.';
}
