// Migration order and up/down detection.

const DOWN_RE = /(^|[\/._-])down\.sql$/i;
const FLYWAY_UNDO_RE = /(^|\/)U\d[^\/]*__[^\/]*\.sql$/;

/** A rollback migration: `down.sql`, `*.down.sql`, `*_down.sql`, Flyway `U<n>__*.sql`. */
export function isDownMigration(rel: string): boolean {
  return DOWN_RE.test(rel) || FLYWAY_UNDO_RE.test(rel);
}

/**
 * Sort key for path order, with a down migration placed right after its up migration
 * (plain path order would put `x/down.sql` before `x/up.sql`).
 */
export function migrationSortKey(rel: string): string {
  const p = rel.replace(/\\/g, '/');
  if (DOWN_RE.test(p)) return p.replace(/down\.sql$/i, 'up.sql') + '\u0001';
  return p;
}
