// Up/down detection by name (the replay order itself is engine/conventions.ts).

const DOWN_RE = /(^|[\/._-])down\.sql$/i;
const FLYWAY_UNDO_RE = /(^|\/)U\d[^\/]*__[^\/]*\.sql$/;

/** A rollback migration: `down.sql`, `*.down.sql`, `*_down.sql`, Flyway `U<n>__*.sql`. */
export function isDownMigration(rel: string): boolean {
  return DOWN_RE.test(rel) || FLYWAY_UNDO_RE.test(rel);
}
