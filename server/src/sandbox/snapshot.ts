// Starting PGlite. A fresh PGlite runs initdb first, which takes most of its start-up (about 5 s
// here against under 1 s from a data directory); so the freshly initialised data directory is dumped
// once (gzip, about 4.5 MB) and later starts load it. Kept in memory for the process and, when a
// directory is given, on disk (replaced atomically; a snapshot that fails to load is deleted and
// made again). The snapshot holds an empty cluster only: no project data is ever written to disk.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Extension, PGlite as PGliteType } from '@electric-sql/pglite';

type PGliteModule = typeof import('@electric-sql/pglite');

let mod: PGliteModule | undefined;
/** PGlite's module, loaded on first use (it is large; lint without --sandbox never loads it). */
export function pglite(): PGliteModule {
  if (!mod) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require('@electric-sql/pglite') as PGliteModule;
    } catch (e: any) {
      throw new Error(`the sandbox needs the @electric-sql/pglite package, which could not be loaded (${e?.code ?? e?.message}); reinstall dbe's dependencies`);
    }
  }
  return mod;
}

let version: string | undefined;
/** The installed PGlite's version (snapshots are kept per version). */
export function pgliteVersion(): string {
  if (!version) {
    const main = require.resolve('@electric-sql/pglite');
    try { version = String(JSON.parse(fs.readFileSync(path.join(path.dirname(main), '..', 'package.json'), 'utf8')).version); } catch { version = 'unknown'; }
  }
  return version;
}

let inMemory: Uint8Array<ArrayBuffer> | undefined;

export function snapshotFile(dir: string): string {
  return path.join(dir, `pglite-${pgliteVersion()}-pgdata.tgz`);
}

export interface Started { db: PGliteType; from: 'memory' | 'disk' | 'initdb' }

/** Server settings given at start-up (so RESET ALL keeps them): `-c name=value` pairs. */
function startParams(PGlite: PGliteModule['PGlite'], settings: Record<string, string>): string[] | undefined {
  const defaults = (PGlite as unknown as { defaultStartParams?: unknown }).defaultStartParams;
  if (!Object.keys(settings).length || !Array.isArray(defaults)) return undefined;
  return [...defaults.map(String), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

/**
 * A new PGlite with these extensions, from the snapshot when there is one. `settings`: server
 * settings for its whole life (temp_file_limit, see limits.ts).
 */
export async function startPglite(extensions: Record<string, Extension>, snapshotDir: string | null, settings: Record<string, string> = {}): Promise<Started> {
  const { PGlite } = pglite();
  const params = startParams(PGlite, settings);
  const options = params ? { startParams: params } : {};
  const file = snapshotDir ? snapshotFile(snapshotDir) : undefined;
  let data = inMemory, from: Started['from'] = 'memory';
  if (!data && file) {
    try { data = new Uint8Array(fs.readFileSync(file)); from = 'disk'; } catch { data = undefined; }
  }
  if (data) {
    let db: PGliteType | undefined;
    try {
      db = new PGlite({ loadDataDir: new Blob([data]), extensions, ...options });
      await db.waitReady;
      inMemory = data;
      return { db, from };
    } catch {
      try { await db?.close(); } catch { /* already dead */ }
      inMemory = undefined;
      if (file && from === 'disk') try { fs.rmSync(file, { force: true }); } catch { /* cannot clean: initdb below anyway */ }
    }
  }
  const db = new PGlite({ extensions, ...options });
  await db.waitReady;
  try {
    const dump = await db.dumpDataDir('gzip');
    inMemory = new Uint8Array(await dump.arrayBuffer());
    if (file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      fs.writeFileSync(tmp, inMemory);
      fs.renameSync(tmp, file);
    }
  } catch {
    // No snapshot this time: the next start runs initdb again. The database itself is fine.
  }
  return { db, from: 'initdb' };
}
