// The PostgreSQL extensions PGlite ships (its contrib bundles), by the name CREATE EXTENSION uses.
// Each is loaded into the sandbox only when the project creates it (a bundle is unpacked at start).
// test/slow/sandbox.test.ts checks this list against the installed package's dist/contrib folder.
import type { Extension } from '@electric-sql/pglite';

/** Extension name (as in CREATE EXTENSION) -> PGlite contrib module name. */
export const SHIPPED_EXTENSIONS: Readonly<Record<string, string>> = {
  amcheck: 'amcheck', auto_explain: 'auto_explain', bloom: 'bloom', btree_gin: 'btree_gin', btree_gist: 'btree_gist',
  citext: 'citext', cube: 'cube', dict_int: 'dict_int', dict_xsyn: 'dict_xsyn', earthdistance: 'earthdistance',
  file_fdw: 'file_fdw', fuzzystrmatch: 'fuzzystrmatch', hstore: 'hstore', intarray: 'intarray', isn: 'isn', lo: 'lo',
  ltree: 'ltree', moddatetime: 'moddatetime', pageinspect: 'pageinspect', pg_buffercache: 'pg_buffercache',
  pg_freespacemap: 'pg_freespacemap', pg_stat_statements: 'pg_stat_statements', pg_surgery: 'pg_surgery',
  pg_trgm: 'pg_trgm', pg_visibility: 'pg_visibility', pg_walinspect: 'pg_walinspect', pgcrypto: 'pgcrypto',
  seg: 'seg', tablefunc: 'tablefunc', tcn: 'tcn', tsm_system_rows: 'tsm_system_rows', tsm_system_time: 'tsm_system_time',
  unaccent: 'unaccent', 'uuid-ossp': 'uuid_ossp',
};

/** Built into every PGlite database: CREATE EXTENSION for these needs no bundle. */
export const BUILTIN_EXTENSIONS: ReadonlySet<string> = new Set(['plpgsql']);

export function isShipped(name: string): boolean {
  return BUILTIN_EXTENSIONS.has(name) || Object.prototype.hasOwnProperty.call(SHIPPED_EXTENSIONS, name);
}

/** Shipped extensions that need another one (CREATE EXTENSION ... CASCADE installs both). */
const REQUIRES: Readonly<Record<string, string[]>> = { earthdistance: ['cube'] };

/** Loads the contrib modules for these extension names (unknown and built-in names are ignored). */
export function loadExtensions(names: Iterable<string>): Record<string, Extension> {
  const out: Record<string, Extension> = {};
  const all = new Set<string>();
  for (const n of names) { all.add(n); for (const r of REQUIRES[n] ?? []) all.add(r); }
  for (const n of all) {
    const mod = Object.prototype.hasOwnProperty.call(SHIPPED_EXTENSIONS, n) ? SHIPPED_EXTENSIONS[n] : undefined;
    if (!mod) continue;
    // The contrib modules are resolved at run time from the installed package (the bundles keep
    // PGlite external, since it locates its .wasm, .data and .tar.gz files beside its own modules).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require(`@electric-sql/pglite/contrib/${mod}`) as Record<string, Extension>;
    out[mod] = m[mod];
  }
  return out;
}
