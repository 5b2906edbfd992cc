import type { Rule } from './types';

// Reported by the engine itself (engine/project.ts buildFile, detection in sql/dialect.ts) for a file
// written in another SQL dialect; metadata only, so the finding has a documentation page and a severity.
export const rule: Rule = {
  meta: {
    id: 'other-dialect',
    title: 'File in another SQL dialect',
    category: 'general',
    severity: 'info',
    principle: 'Never guess: a file that was not read as what it is is said to be unchecked, not reported line by line.',
    rationale:
      'DB Engineer reads PostgreSQL only for now. A file that is clearly MySQL/MariaDB (backtick identifiers, `ENGINE=`, `AUTO_INCREMENT`, `DELIMITER` lines, `UNSIGNED`, `#` comments...), SQL Server (`GO` batch lines, `[bracketed]` identifiers, `NVARCHAR(MAX)`, `IDENTITY(1,1)`...) or Oracle (`VARCHAR2`, `NUMBER(`, `/` after a PL/SQL block...) gets this one notice, at its first sign, instead of a syntax error per statement. Its statements are not checked and it does not feed the schema the other files are judged against. "Clearly" means that PostgreSQL refuses at least half of the file\'s statements and the dialect\'s strong signs sit in most of the refused ones; a file whose statements all parse as PostgreSQL never gets it, a sign inside a statement PostgreSQL accepts does not count, and a PostgreSQL file with one statement pasted from MySQL keeps its syntax errors.',
    bad: '-- db/mysql/001_users.sql\nCREATE TABLE `users` (\n  `id` int unsigned NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;',
    good: '-- db/postgres/001_users.sql\nCREATE TABLE users (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY\n);',
    fixable: false,
    notes:
      'To keep such files out of the run, list them in `ignore` in `.dbe.json` (for example `"ignore": ["db/mysql/**"]`). Support for MySQL and MariaDB is planned.',
  },
};
