// Where "Save as new migration" puts a code block: a name that follows the convention of the
// migration files next to the active file (numbered, Flyway, golang-migrate up/down, timestamped,
// Diesel directories). Pure: the caller lists the folder and creates the file.

export interface MigrationName {
  /** Path relative to the migrations folder, with `/` separators (Diesel: `<dir>/up.sql`). */
  up: string;
  /** Where the rollback goes, in conventions that keep one. */
  down?: string;
  convention: 'flyway' | 'numbered' | 'golang-migrate' | 'timestamp' | 'diesel' | 'plain';
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

function stamp(d: Date): { compact: string; diesel: string } {
  const y = d.getUTCFullYear(), mo = pad(d.getUTCMonth() + 1, 2), da = pad(d.getUTCDate(), 2);
  const h = pad(d.getUTCHours(), 2), mi = pad(d.getUTCMinutes(), 2), s = pad(d.getUTCSeconds(), 2);
  return { compact: `${y}${mo}${da}${h}${mi}${s}`, diesel: `${y}-${mo}-${da}-${h}${mi}${s}` };
}

/** A file-name-safe slug: lower case, words joined by `_`, at most 40 characters. */
export function slug(title: string): string {
  const s = title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40).replace(/_+$/, '');
  return s || 'dbe_suggestion';
}

/**
 * The next migration name among `entries` (names of files and directories in the folder; directories
 * end with `/`). The most common convention among them wins.
 */
export function nextMigrationName(entries: string[], title: string, now: Date = new Date()): MigrationName {
  const name = slug(title);
  const t = stamp(now);
  const files = entries.filter((e) => !e.endsWith('/'));
  const dirs = entries.filter((e) => e.endsWith('/')).map((e) => e.slice(0, -1));

  const flyway = files.map((f) => /^V(\d+)__.+\.sql$/i.exec(f)).filter(Boolean) as RegExpExecArray[];
  const golang = files.map((f) => /^(\d+)_.+\.up\.sql$/i.exec(f)).filter(Boolean) as RegExpExecArray[];
  // Up to 11 digits is a sequence number; 12 to 14 is a timestamp.
  const numbered = files.map((f) => /^(\d{1,11})[_-].+\.sql$/i.exec(f)).filter((m) => m && !/\.(up|down)\.sql$/i.test(m[0])) as RegExpExecArray[];
  const stamped = files.map((f) => /^(\d{12,14})[_-].+\.sql$/i.exec(f)).filter(Boolean) as RegExpExecArray[];
  const diesel = dirs.filter((d) => /^\d{4}-\d{2}-\d{2}-\d{6}_.+$/.test(d) || /^\d{14}_.+$/.test(d));

  const counts: [MigrationName['convention'], number][] = [
    ['flyway', flyway.length], ['golang-migrate', golang.length], ['timestamp', stamped.length],
    ['numbered', numbered.length], ['diesel', diesel.length],
  ];
  counts.sort((a, b) => b[1] - a[1]);
  const [best, n] = counts[0];
  if (n <= 0) return { up: `${t.compact}_${name}.sql`, convention: 'plain' };
  // The next number, zero-padded as wide as the widest existing one (a no-op when they are not padded).
  const next = (ms: RegExpExecArray[]) => pad(Math.max(...ms.map((m) => Number(m[1]))) + 1, Math.max(...ms.map((m) => m[1].length)));
  switch (best) {
    case 'flyway': return { up: `V${next(flyway)}__${name}.sql`, convention: 'flyway' };
    case 'golang-migrate': {
      // golang-migrate numbers by timestamp as often as by sequence: keep whichever the project uses.
      const seq = golang.every((m) => m[1].length < 12);
      const id = seq ? next(golang) : t.compact;
      return { up: `${id}_${name}.up.sql`, down: `${id}_${name}.down.sql`, convention: 'golang-migrate' };
    }
    case 'timestamp': return { up: `${t.compact}_${name}.sql`, convention: 'timestamp' };
    case 'numbered': return { up: `${next(numbered)}_${name}.sql`, convention: 'numbered' };
    case 'diesel': {
      const dir = /^\d{14}_/.test(diesel[0]) ? `${t.compact}_${name}` : `${t.diesel}_${name}`;
      return { up: `${dir}/up.sql`, down: `${dir}/down.sql`, convention: 'diesel' };
    }
  }
  return { up: `${t.compact}_${name}.sql`, convention: 'plain' };
}
