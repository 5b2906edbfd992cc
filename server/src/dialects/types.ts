// The SQL dialects DB Engineer reads. A dialect is a front end: a splitter, a parser that lowers what
// it can into the shared statement model (PostgreSQL's parse tree, which the rules read), and a replay
// into the shared schema model (server/src/schema.ts). A family groups dialects that share a front end
// and a schema chain (MySQL and MariaDB); rules declare the families they hold for (RuleMeta.dialects).
// docs/decisions/0028-dialect-front-ends.md records the design.

export const DIALECT_IDS = ['postgres', 'mysql', 'mariadb'] as const;
export type DialectId = (typeof DIALECT_IDS)[number];
export type DialectFamily = 'postgres' | 'mysql';

export function familyOf(id: DialectId): DialectFamily {
  return id === 'postgres' ? 'postgres' : 'mysql';
}

export const DIALECT_NAMES: Record<DialectId, string> = { postgres: 'PostgreSQL', mysql: 'MySQL', mariadb: 'MariaDB' };

/** A file's dialect and why it was chosen (shown by the status bar and `dbe lint --verbose`). */
export interface DialectChoice {
  id: DialectId;
  family: DialectFamily;
  /** In words: "dialect in .dbe.json", "file name *.mysql.up.sql", "signs: backtick identifiers, ENGINE=". */
  why: string;
  /** How strong the reason is: a configuration or a name beats the file's contents, which beat the default. */
  by: 'config' | 'name' | 'folder' | 'signs' | 'project' | 'default';
}

/** The kind of a MySQL statement that has no counterpart in the shared model (its node is `{}`). */
export const MYSQL_STATEMENT = 'MySqlStatement';
