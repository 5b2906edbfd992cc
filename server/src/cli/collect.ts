// Turns command-line paths into projects: a directory is one project (its .sql files, recursively);
// the file arguments together form one more project. Configuration is found per project.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, defaultConfig, findConfigFile, globMatcher, loadConfigFile, type Config } from '../config';
import { KNOWN_RULE_IDS } from '../rules';

/** An input or configuration problem (exit code 2). */
export class InputError extends Error {}

export interface ProjectSpec {
  /** Directory that relative paths (ordering, ignore globs, down-migration detection) are taken from. */
  root: string;
  /** Absolute paths of the files, sorted. */
  files: string[];
  config: Config;
  configFile?: string;
  /** "dir": a directory argument; "files": the file arguments. */
  kind: 'dir' | 'files';
  /** What was skipped while collecting (a subdirectory that cannot be listed), one line each. */
  notes?: string[];
  /**
   * The rest of the project the files belong to, read (never written) so that the schema and the
   * migration set are whole: a file given alone is judged, formatted and fixed like in its project.
   * Only `files` get findings, formatting or fixes.
   */
  context?: string[];
  /** The migration set of some given file could not be listed: a file that looks like a migration is then treated as applied. */
  setUnknown?: boolean;
}

/** Forward-slash path of `file` relative to `root`. */
export function relTo(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

export function collectProjects(paths: string[], configOverride: string | undefined, cwd = process.cwd()): ProjectSpec[] {
  const configs = new Map<string, Config>();
  const configFor = (file: string | undefined): Config => {
    if (!file) return defaultConfig();
    let c = configs.get(file);
    if (!c) {
      try { c = loadConfigFile(file, KNOWN_RULE_IDS); } catch (e) {
        if (e instanceof ConfigError) throw new InputError(e.message);
        throw e;
      }
      configs.set(file, c);
    }
    return c;
  };
  const override = configOverride ? path.resolve(cwd, configOverride) : undefined;
  if (override && !fs.existsSync(override)) throw new InputError(`config file not found: ${configOverride}`);

  const specs: ProjectSpec[] = [];
  const looseFiles: string[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let st: fs.Stats;
    try { st = fs.statSync(abs); } catch (e: any) {
      throw new InputError(e?.code === 'ENOENT' ? `no such file or directory: ${p}` : `cannot read ${p}: ${e?.code ?? e?.message}`);
    }
    if (st.isDirectory()) {
      const configFile = override ?? findConfigFile(abs);
      const config = configFor(configFile);
      const notes: string[] = [];
      const files = listSqlFiles(abs, config.ignore, (n) => notes.push(`${p.replace(/\/+$/, '') || '.'}: ${n}`)).filter((f) => !seen.has(f));
      for (const f of files) seen.add(f);
      // a sub-folder of a project (the folder of .dbe.json above it, or the migration folder above a
      // per-migration folder): the rest of the project is read as context
      const home = configFile && !override ? path.dirname(configFile) : perMigrationParent(abs);
      if (home && home !== abs && within(home, abs)) {
        const ctx = projectContext(home, config, files);
        specs.push({ root: home, files, config, configFile, kind: 'dir', context: ctx.files, ...(ctx.unknown ? { setUnknown: true } : {}), ...(notes.length ? { notes } : {}) });
      } else specs.push({ root: abs, files, config, configFile, kind: 'dir', ...(notes.length ? { notes } : {}) });
    } else if (st.isFile()) {
      if (!seen.has(abs)) { seen.add(abs); looseFiles.push(abs); }
    } else {
      throw new InputError(`not a file or directory: ${p}`);
    }
  }
  if (looseFiles.length) {
    const configFile = override ?? findConfigFile(commonDir(looseFiles));
    const config = configFor(configFile);
    // Files given one by one are judged in their project: the folder of .dbe.json, else the migration
    // folder each lies in (its own folder; the parent of a per-migration folder such as Prisma's
    // <timestamp>_name/ or Diesel's <date>_name/). The other files there are read as context, so a
    // migration that has already run is known as such, and the schema is the project's.
    const found = findConfigFile(commonDir(looseFiles));
    const homes = found ? [path.dirname(found)] : [...new Set(looseFiles.map(setFolderOf))];
    const root = commonDir([...homes.map((h) => path.join(h, '_')), ...looseFiles]);
    const given = new Set(looseFiles);
    const context = new Set<string>();
    let unknown = false;
    for (const h of homes) {
      const ctx = projectContext(h, config, looseFiles);
      unknown ||= ctx.unknown;
      for (const f of ctx.files) if (!given.has(f)) context.add(f);
    }
    specs.push({ root, files: looseFiles.sort(), config, configFile, kind: 'files', ...(context.size ? { context: [...context].sort() } : {}), ...(unknown ? { setUnknown: true } : {}) });
  }
  return specs;
}

/** True when `file` is `dir` or lies under it. */
function within(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** A per-migration folder (Prisma's <timestamp>_name/migration.sql, Diesel's <date>_name/up.sql): its parent, else undefined. */
function perMigrationParent(dir: string): string | undefined {
  try {
    const names = fs.readdirSync(dir).map((n) => n.toLowerCase());
    if (names.some((n) => n === 'migration.sql' || n === 'up.sql' || n === 'down.sql')) return path.dirname(dir);
  } catch { /* not listed: no parent */ }
  return undefined;
}

/** The folder holding the migration set `file` belongs to. */
export function setFolderOf(file: string): string {
  const dir = path.dirname(file);
  if (/^(up|down|migration)\.sql$/i.test(path.basename(file))) return path.dirname(dir);
  return dir;
}

/** The .sql files under `home` other than `files` (read as context); `unknown` when `home` cannot be listed. */
function projectContext(home: string, config: Config, files: readonly string[]): { files: string[]; unknown: boolean } {
  const given = new Set(files);
  try {
    return { files: listSqlFiles(home, config.ignore).filter((f) => !given.has(f)), unknown: false };
  } catch {
    return { files: [], unknown: true };
  }
}

/** A file that looks like a migration by its folder (migrations/, migrate/, ...) or its name (001_x.sql, V1__x.sql, 20240101_x.sql, x.up.sql). */
export function looksLikeMigration(file: string): boolean {
  const parts = file.split(/[\\/]/).map((p) => p.toLowerCase());
  const name = parts[parts.length - 1];
  if (parts.slice(0, -1).some((p) => /^(db_?)?migrat(e|ions?)$|^schema_?migrations$|^changes?$|^deploy$/.test(p))) return true;
  return /^(v\d|u\d|r__|\d{3,}[_.-])/.test(name) || /[._-](up|down)\.sql$/.test(name) || /^(up|down|migration)\.sql$/.test(name);
}

/**
 * .sql files under dir, recursively, skipping node_modules, .git and the config's ignore globs.
 * Symbolic links to files are followed (a link to a directory is not walked). Entries that are not
 * regular files (a named pipe, a socket, a device, a dangling or looping link) are listed too: they
 * are never opened, and reading them gives a finding that says why (engine/read-file.ts). A
 * subdirectory that cannot be listed is told to `note` and skipped.
 */
export function listSqlFiles(dir: string, ignore: string[], note?: (message: string) => void): string[] {
  const out: string[] = [];
  // Compiled once; a glob matches at the root or at any depth.
  const res = ignore.map(globMatcher);
  const ignored = (rel: string) => res.some((r) => r.test(rel));
  const walk = (d: string, rel: string) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch (e: any) {
      if (!rel) throw new InputError(`cannot read directory ${d}: ${e?.code ?? e?.message}`);
      note?.(`skipped directory ${rel.slice(0, -1)}: it cannot be listed (${e?.code ?? e?.message})`);
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      const r = rel + e.name;
      if (e.isDirectory()) {
        if (e.name === 'node_modules' || e.name === '.git') continue;
        if (res.length && ignored(r + '/')) continue;
        walk(p, r + '/');
      } else if (e.name.toLowerCase().endsWith('.sql')) {
        if (res.length && ignored(r)) continue;
        if (e.isSymbolicLink()) {
          // stat follows the link; a dangling or looping one throws and is listed (reported when read)
          let target: fs.Stats | undefined;
          try { target = fs.statSync(p); } catch { /* listed */ }
          if (target?.isDirectory()) continue;
        }
        out.push(p);
      }
    }
  };
  walk(dir, '');
  return out.sort();
}

function commonDir(files: string[]): string {
  let dir = path.dirname(files[0]);
  for (const f of files) {
    while (!(f === dir || f.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep))) {
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return dir;
}
