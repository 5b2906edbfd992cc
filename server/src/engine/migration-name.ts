// The name of the next migration in a folder, following the convention its files already use:
// numbered (`003_name.sql`), Flyway (`V4__name.sql`), golang-migrate / sqlx (`N_name.up.sql` with
// `.down.sql`), timestamped (`20240101120000_name.sql`) or Diesel directories
// (`2024-01-01-120000_name/up.sql` with `down.sql`). Pure: callers list the folder and create files.
//
// Without a clock (`now` undefined) the name is the successor of the newest existing one (a number
// plus one, a timestamp plus one second), so the same files always give the same name: lint reports
// and their fixes stay reproducible. With a clock (the chat's "Save as new migration") timestamps
// come from it, but never sort before the newest existing migration.

export type Convention = 'flyway' | 'numbered' | 'golang-migrate' | 'timestamp' | 'diesel' | 'plain';

export interface MigrationName {
  /** Path relative to the migrations folder, with `/` separators (Diesel: `<dir>/up.sql`). */
  up: string;
  /** Where the rollback goes, in conventions that keep one. */
  down?: string;
  convention: Convention;
}

const pad = (n: number | bigint, w: number) => String(n).padStart(w, '0');

/** A file-name-safe slug: lower case, words joined by `_`, at most 40 characters. */
export function slug(title: string): string {
  const s = title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40).replace(/_+$/, '');
  return s || 'dbe_suggestion';
}

interface Detected {
  convention: Convention;
  flyway: string[];
  golang: string[];
  numbered: string[];
  stamped: string[];
  diesel: string[];
}

/**
 * The convention of a folder's entries (file names, and directory names ending with `/`): the most
 * common one wins; `plain` when none is seen.
 */
export function detectConvention(entries: string[]): Detected {
  const files = entries.filter((e) => !e.endsWith('/'));
  const dirs = entries.filter((e) => e.endsWith('/')).map((e) => e.slice(0, -1));
  const grab = (list: string[], re: RegExp) => list.map((f) => re.exec(f)).filter((m): m is RegExpExecArray => !!m).map((m) => m[1]);
  const flyway = grab(files, /^V(\d+)__.+\.sql$/i);
  const golang = grab(files, /^(\d+)_.+\.up\.sql$/i);
  // Up to 11 digits is a sequence number; 12 to 14 is a timestamp.
  const numbered = grab(files.filter((f) => !/\.(up|down)\.sql$/i.test(f)), /^(\d{1,11})[_-].+\.sql$/i);
  const stamped = grab(files.filter((f) => !/\.(up|down)\.sql$/i.test(f)), /^(\d{12,14})[_-].+\.sql$/i);
  const diesel = grab(dirs, /^(\d{4}-\d{2}-\d{2}-\d{6}|\d{14})(?:-\d{4})?_.+$/);
  const counts: [Convention, number][] = [
    ['flyway', flyway.length], ['golang-migrate', golang.length], ['timestamp', stamped.length],
    ['numbered', numbered.length], ['diesel', diesel.length],
  ];
  counts.sort((a, b) => b[1] - a[1]);
  return { convention: counts[0][1] > 0 ? counts[0][0] : 'plain', flyway, golang, numbered, stamped, diesel };
}

/** True when the convention keeps a down (rollback) migration beside each up migration. */
export function hasDown(c: Convention): boolean { return c === 'golang-migrate' || c === 'diesel'; }

function maxDigits(ids: string[]): string {
  return ids.reduce((a, b) => (b.length > a.length || (b.length === a.length && b > a) ? b : a), '');
}

/** The next number after the largest of `ids`, as wide as the widest. */
function nextNumber(ids: string[]): string {
  const width = Math.max(...ids.map((s) => s.length));
  const max = ids.reduce((m, s) => (BigInt(s) > m ? BigInt(s) : m), 0n);
  return pad(max + 1n, width);
}

/** A 14-digit YYYYMMDDHHMMSS as a Date (UTC), or undefined when it is not one. */
function parseStamp(s: string): Date | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})-?(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function formatStamp(d: Date, dashed: boolean): string {
  const y = d.getUTCFullYear(), mo = pad(d.getUTCMonth() + 1, 2), da = pad(d.getUTCDate(), 2);
  const h = pad(d.getUTCHours(), 2), mi = pad(d.getUTCMinutes(), 2), s = pad(d.getUTCSeconds(), 2);
  return dashed ? `${y}-${mo}-${da}-${h}${mi}${s}` : `${y}${mo}${da}${h}${mi}${s}`;
}

/**
 * The next timestamp: `now` when given and later than the newest, else the newest plus one second.
 * Identifiers that are not 14-digit timestamps (e.g. 20-digit ones) are simply incremented.
 */
function nextStamp(ids: string[], now: Date | undefined, dashed: boolean): string {
  const newest = maxDigits(ids.map((s) => s.replace(/-/g, '')));
  const at = newest ? parseStamp(newest) : undefined;
  if (newest && !at) return nextNumber([newest]);
  const after = at ? new Date(at.getTime() + 1000) : undefined;
  const pick = now && (!after || now.getTime() >= after.getTime()) ? now : after ?? now ?? new Date(0);
  return formatStamp(pick, dashed);
}

/**
 * The next migration name among `entries` (names of files and directories in the folder; directories
 * end with `/`).
 */
export function nextMigrationName(entries: string[], title: string, now?: Date): MigrationName {
  const name = slug(title);
  const d = detectConvention(entries);
  switch (d.convention) {
    case 'flyway': return { up: `V${nextNumber(d.flyway)}__${name}.sql`, convention: 'flyway' };
    case 'golang-migrate': {
      // golang-migrate numbers by timestamp as often as by sequence: keep whichever the project uses.
      const seq = d.golang.every((id) => id.length < 12);
      const id = seq ? nextNumber(d.golang) : nextStamp(d.golang, now, false);
      return { up: `${id}_${name}.up.sql`, down: `${id}_${name}.down.sql`, convention: 'golang-migrate' };
    }
    case 'timestamp': return { up: `${nextStamp(d.stamped, now, false)}_${name}.sql`, convention: 'timestamp' };
    case 'numbered': return { up: `${nextNumber(d.numbered)}_${name}.sql`, convention: 'numbered' };
    case 'diesel': {
      const dashed = d.diesel.some((id) => id.includes('-'));
      const dir = `${nextStamp(d.diesel, now, dashed)}_${name}`;
      return { up: `${dir}/up.sql`, down: `${dir}/down.sql`, convention: 'diesel' };
    }
    default: return { up: `${formatStamp(now ?? new Date(0), false)}_${name}.sql`, convention: 'plain' };
  }
}
