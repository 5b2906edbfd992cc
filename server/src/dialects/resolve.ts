// Which dialect a file is read as, and why. Strongest first: a file name that names a dialect
// (`*.mysql.up.sql`, `schema_mariadb.sql`), the project's configuration (.dbe.json "dialect" or the
// editor's setting), a folder named for a dialect (`mysql/`), the file's own signs (backticks,
// ENGINE=, AUTO_INCREMENT... in statements PostgreSQL refuses: sql/dialect.ts), the project's other
// files (Project: a file with no sign of its own in a MySQL project is MySQL), and PostgreSQL by default.
import type { Config } from '../config';
import type { DialectGuess } from '../sql/dialect';
import { familyOf, type DialectChoice, type DialectId } from './types';

const NAME_RE: [RegExp, DialectId][] = [
  [/(?:^|[._-])(mariadb)(?:[._-]|$)/i, 'mariadb'],
  [/(?:^|[._-])(mysql)(?:[._-]|$)/i, 'mysql'],
  [/(?:^|[._-])(postgres|postgresql|pgsql|pg)(?:[._-]|$)/i, 'postgres'],
];

function choice(id: DialectId, by: DialectChoice['by'], why: string): DialectChoice {
  return { id, family: familyOf(id), by, why };
}

/** From the file's name: `x.mysql.up.sql`, `dolphinscheduler_mysql.sql`, `flowable.mysql.create.engine.sql`. */
export function dialectFromName(rel: string): DialectChoice | undefined {
  const base = rel.replace(/\\/g, '/').split('/').pop() ?? rel;
  const stem = base.replace(/\.sql$/i, '');
  for (const [re, id] of NAME_RE) {
    const m = re.exec(stem);
    if (m) return choice(id, 'name', `file name (${m[1]})`);
  }
  return undefined;
}

/** From a folder of the path: `db/mysql/001.sql`, `sql/mariadb/`, `migrations/postgres/`. Nearest folder first. */
export function dialectFromFolder(rel: string): DialectChoice | undefined {
  const segs = rel.replace(/\\/g, '/').split('/').slice(0, -1).reverse();
  for (const seg of segs) {
    for (const [re, id] of NAME_RE) {
      const m = re.exec(seg);
      if (m) return choice(id, 'folder', `folder ${seg}/`);
    }
  }
  return undefined;
}

/**
 * The choice that needs nothing of the file's text (name, configuration, folder), or undefined. A
 * dialect written as a dotted part of the name (ory/pop's `x.mysql.up.sql`, flowable's
 * `flowable.mysql.create.sql`) beats the configuration: such projects keep both dialects side by
 * side on purpose. A word in the name (`002_import_from_mysql.sql`) only counts when the
 * configuration says nothing.
 */
export function dialectBeforeReading(rel: string, config: Config): DialectChoice | undefined {
  const named = dialectFromName(rel);
  const dotted = named && new RegExp(`(?:^|\\.)${named.why.replace(/^file name \((.*)\)$/, '$1')}\\.`, 'i').test((rel.replace(/\\/g, '/').split('/').pop() ?? rel));
  return (dotted ? named : undefined)
    ?? (config.dialect ? choice(config.dialect, 'config', config.dialectSource ?? 'configuration') : undefined)
    ?? named
    ?? dialectFromFolder(rel);
}

/** From the file's own signs (sql/dialect.ts), when they say MySQL. */
export function dialectFromSigns(guess: DialectGuess | undefined): DialectChoice | undefined {
  if (guess?.dialect !== 'mysql') return undefined;
  return choice('mysql', 'signs', `signs: ${guess.signs.slice(0, 3).map((s) => s.what).join(', ')}`);
}

export function projectChoice(id: DialectId, count: number, total: number): DialectChoice {
  return choice(id, 'project', `most of the project's SQL files are ${id === 'postgres' ? 'PostgreSQL' : 'MySQL'} (${count} of ${total})`);
}

export const DEFAULT_CHOICE: DialectChoice = choice('postgres', 'default', 'default (no sign of another dialect)');
