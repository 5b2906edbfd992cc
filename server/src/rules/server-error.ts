import type { Rule } from './types';

// Reported by the server check (server/src/mysql-server/check.ts), not by a check here: the metadata
// makes the id configurable and documented like every rule.
export const rule: Rule = {
  meta: {
    id: 'server-error',
    title: 'MySQL or MariaDB rejects the statement (server check)',
    category: 'general',
    severity: 'error',
    principle: 'Version control schema changes: a migration that the server rejects is a broken deploy.',
    rationale:
      'No MySQL or MariaDB can be embedded in an editor extension, so with `dbe lint --check-server local` (a `mariadbd`/`mysqld` installed on this machine, started by DB Engineer on a throwaway data directory with its own socket and no TCP port) or `dbe lint --check-server mysql://user@host` (a server you name) the MySQL migrations are replayed, one statement at a time and in migration order, into a throwaway database `dbe_check_<random>` that is dropped afterwards. What the server rejects is reported with its own message, error name and number, on the token it points at when it says which: a column that does not exist, a type or collation this server does not have (MariaDB has no `utf8mb4_0900_ai_ci`, no `SRID`), a procedure body that does not compile.',
    bad: `-- 001_users.sql
CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(200));
-- 002_index.sql
ALTER TABLE users ADD INDEX users_email (emial);`,
    good: `-- 002_index.sql
ALTER TABLE users ADD INDEX users_email (email);`,
    fixable: false,
    notes: `- A statement that fails only because an earlier one failed (the table its CREATE failed to make)
  is not reported again: the first error says how many later statements it took down.
- Not run, on every server: statements that would touch the machine or the network (LOAD DATA,
  INTO OUTFILE, LOAD_FILE, DATA DIRECTORY, plugins, FEDERATED/CONNECT/SPIDER tables, CREATE SERVER,
  replication, SHUTDOWN) and client commands (SOURCE, SYSTEM).
- Not run on a server you name: anything that could reach outside the throwaway database: another
  database by name, USE, CREATE/DROP DATABASE, users, roles and GRANT, global settings, FLUSH/RESET/
  PURGE/KILL, events, PREPARE/EXECUTE (SQL built at run time), named locks. They are listed as "not
  checked", with the reason, never run.
- Limits: a statement running longer than the time limit (10 s) is stopped; one that would read or
  make more than 100,000 rows (a data load) is not run; the whole replay stops after 120 s. Such
  statements are "not checked", never reported as errors.
- The account of a named server needs CREATE and DROP on databases named \`dbe_check_%\`; without
  them the check says so in one line and stops.`,
  },
};
