import type { SourceFile, Statement } from '../../model';
import { isDownStatement } from '../../model';
import type { Rule } from '../types';
import { head, readAlterTable, readCreateTable, readName, span, tokensOf, up } from './read';

const DDL_HEADS = /^(?:CREATE|ALTER|DROP|RENAME|TRUNCATE)\b/;
const OBJECTS = /^(?:CREATE|ALTER|DROP|RENAME|TRUNCATE)(?: UNIQUE| FULLTEXT| SPATIAL)?(?: TABLE| INDEX| VIEW| PROCEDURE| FUNCTION| TRIGGER| EVENT| DATABASE| SCHEMA|$)|^TRUNCATE/;

interface FileDdl { ddl: Statement[]; report: boolean }
const cache = new WeakMap<SourceFile, FileDdl>();

/** The table a DDL statement changes that existed before it (undefined: it creates something, or changes what the file created). */
function changesExisting(stmt: Statement, created: Set<string>): boolean {
  const toks = tokensOf(stmt);
  const h = head(toks);
  if (h.startsWith('CREATE TABLE')) {
    const t = readCreateTable(toks);
    if (t) created.add(t.key);
    return false;
  }
  if (h.startsWith('ALTER TABLE')) {
    const a = readAlterTable(toks);
    return !a || !created.has(a.key);
  }
  if (/^(?:CREATE|DROP)(?: UNIQUE| FULLTEXT| SPATIAL)? INDEX/.test(h)) {
    const on = toks.findIndex((t) => up(t) === 'ON');
    const n = on >= 0 ? readName(toks, on + 1) : undefined;
    return !n || !created.has(n.key);
  }
  if (h.startsWith('DROP TABLE') || h.startsWith('RENAME') || h.startsWith('TRUNCATE')) {
    for (let i = 2; i < toks.length; i++) {
      const n = readName(toks, i);
      if (n && !['IF', 'EXISTS', 'TO', 'TABLE', 'CASCADE', 'RESTRICT'].includes(up(toks[i]))) { if (!created.has(n.key)) return true; i = n.next - 1; }
    }
    return false;
  }
  // views, routines, triggers, events, databases: (re)creating them changes no table's data or shape
  return false;
}

/** True when the statement can run again after a failure halfway (IF [NOT] EXISTS, CREATE OR REPLACE). */
function rerunnable(stmt: Statement): boolean {
  const toks = tokensOf(stmt);
  if (up(toks[0]) === 'CREATE' && up(toks[1]) === 'OR' && up(toks[2]) === 'REPLACE') return true;
  const h = head(toks);
  if (h.startsWith('ALTER TABLE')) {
    // every action guarded (MariaDB: ADD COLUMN IF NOT EXISTS, DROP COLUMN IF EXISTS ...)
    const a = readAlterTable(toks);
    return !!a && a.actions.length > 0 && a.actions.every((act) => toks.slice(act.from, act.to).some((t, i, arr) => up(t) === 'IF' && (up(arr[i + 1]) === 'EXISTS' || up(arr[i + 1]) === 'NOT')));
  }
  return toks.slice(0, 8).some((t, i, arr) => up(t) === 'IF' && (up(arr[i + 1]) === 'EXISTS' || up(arr[i + 1]) === 'NOT'));
}

function fileDdl(file: SourceFile): FileDdl {
  let f = cache.get(file);
  if (f) return f;
  const ddl = file.statements.filter((s) => !isDownStatement(s) && !s.templated && DDL_HEADS.test(head(tokensOf(s))) && OBJECTS.test(head(tokensOf(s))));
  const created = new Set<string>();
  const existing = ddl.map((s) => changesExisting(s, created));
  const report = ddl.length >= 2 && existing.some(Boolean) && !ddl.every(rerunnable);
  cache.set(file, (f = { ddl, report }));
  return f;
}

export const rule: Rule = {
  meta: {
    id: 'non-transactional-ddl',
    dialects: ['mysql'],
    title: 'Several DDL statements in one MySQL migration (each commits on its own)',
    category: 'migration',
    severity: 'warning',
    principle: 'Migration Best Practices: "Always reversible migrations" and "Version control all schema changes"; Principles: transactions keep a change all-or-nothing.',
    rationale:
      "MySQL and MariaDB cannot roll DDL back: every CREATE, ALTER, DROP, RENAME or TRUNCATE commits the transaction around it and itself (an implicit commit), so a migration tool's transaction does not make a migration file all-or-nothing. When the third of four statements fails, the first two stay applied while the tool records the migration as not run: running it again fails on the first statement (the column already exists) and the schema is in a state no migration describes, to be repaired by hand on every database where it happened.",
    bad: '-- file: migrations/001_create.sql\nCREATE TABLE users (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, email VARCHAR(191) NOT NULL) ENGINE=InnoDB;\n-- file: migrations/002_profile.sql\nALTER TABLE users ADD COLUMN display_name VARCHAR(100) NULL;\nCREATE INDEX users_display_name ON users (display_name);',
    good: '-- file: migrations/001_create.sql\nCREATE TABLE users (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, email VARCHAR(191) NOT NULL) ENGINE=InnoDB;\n-- file: migrations/002_profile.sql\nALTER TABLE users ADD COLUMN display_name VARCHAR(100) NULL, ADD INDEX users_display_name (display_name);',
    fixable: false,
    notes:
      'Reported once per migration file (an up migration of a recognised migration tool), at its second DDL statement, with the count. Not reported: a file whose DDL only creates tables (and indexes or changes of the tables it creates itself) or views, routines, triggers and events, as a schema install does: a failure there leaves only new objects on a database that is set up again; a file whose every DDL statement can run again (IF NOT EXISTS / IF EXISTS on each, CREATE OR REPLACE); rollbacks (down files and down sections: they run rarely, right after their up). Several changes of one table belong in one ALTER TABLE, which is atomic; otherwise one DDL statement per migration.',
  },
  beforeStatement(ctx) {
    const file = ctx.file;
    if (!file.replayed || file.migration?.role !== 'up' || file.migration.convention === 'plain' || ctx.runner.down) return;
    const f = fileDdl(file);
    if (!f.report || f.ddl[1] !== ctx.stmt) return;
    const toks = tokensOf(ctx.stmt);
    const n = f.ddl.length;
    ctx.report({
      ...span(ctx.stmt, toks, 0, Math.min(1, toks.length - 1)),
      message: `This migration runs ${n} DDL statements, and MySQL commits each one on its own: if a later one fails, the earlier ones stay applied while the migration is recorded as not run, and running it again fails. Combine the changes of one table into one ALTER TABLE, or put each DDL statement in its own migration.`,
    });
  },
};
