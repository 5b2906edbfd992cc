import type { Rule } from './types';

// Reported by the sandbox (server/src/sandbox/), not by a check here: the metadata makes the id
// configurable and documented like every rule.
export const rule: Rule = {
  meta: {
    id: 'postgres-error',
    title: 'PostgreSQL rejects the statement or query (sandbox)',
    category: 'general',
    severity: 'error',
    principle: 'Ignoring query execution plans is an anti-pattern; version control schema changes: a migration or query that PostgreSQL rejects is a broken deploy.',
    rationale:
      'With `dbe lint --sandbox` (or `"sandbox": true` in .dbe.json) the project\'s migrations are replayed, one statement at a time and in migration order, into a real PostgreSQL 18 running in process (PGlite), and every query of the queries files is checked against the resulting catalog with EXPLAIN (GENERIC_PLAN when it has $n parameters). What PostgreSQL rejects is reported with its own message, detail, hint and SQLSTATE, on the token it points at: a column renamed two migrations back, a table that was never created, a literal of the wrong type, an ambiguous column. Queries are never executed.',
    bad: `-- migrations/002.sql
ALTER TABLE users RENAME COLUMN username TO handle;
-- queries/users.sql
SELECT id FROM users WHERE username = $1;`,
    good: `-- queries/users.sql
SELECT id FROM users WHERE handle = $1;`,
    fixable: false,
    notes: `Migration files (those the engine replays; without \`migrations.include\`, a file made only of
queries counts as a queries file unless its path looks like a migration's) run statement by
statement, seed INSERTs and backfills included; a query with $n parameters there is explained where
it stands. Queries files are only explained, inside a read-only transaction that is rolled back.
Down migrations are not run.

- A statement that fails because an earlier one failed (a table that was never created, a column
  whose ADD COLUMN failed) is not reported again: the first error says how many later statements it
  took down.
- \`CREATE EXTENSION\` for an extension PGlite ships (pg_trgm, citext, hstore, uuid-ossp, pgcrypto,
  ltree, btree_gist and more) loads it; any other extension (postgis, vector...) gets one \`info\`
  finding, the statement is skipped, and later errors about missing types or functions are counted
  on that finding instead of reported.
- Roles the project grants to, or makes owners, but never creates belong to the server: the sandbox
  creates them up-front (NOLOGIN). \`SET ROLE\` and \`SET SESSION AUTHORIZATION\` are not run.
- Not run: statements about the server (CREATE DATABASE, tablespaces, ALTER SYSTEM, COPY, VACUUM,
  subscriptions, LISTEN/NOTIFY), templated statements, statements that do not parse.
- The configured severity applies to errors; the notes about skipped extensions and templated
  statements are always \`info\`.`,
  },
};
