// Project configuration (.dbe.json), shared by the CLI and the language server. Typed in one place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RE2JS } from 're2js';
import { readDiskSource } from './engine/read-file';
import { TOOL_CONVENTIONS } from './engine/conventions';
import { SEVERITIES, type SeveritySetting } from './model';
import { DIALECT_IDS, type DialectId } from './dialects/types';

export interface Config {
  /** Per-rule severity or "off". */
  rules: Record<string, SeveritySetting>;
  migrations: {
    /** Globs (relative to the project root) of files replayed as migrations, in path order. Empty: every .sql file. */
    include: string[];
    /**
     * "tool" (default): each migration folder in the order its migration tool runs it (numeric
     * versions, engine/conventions.ts); "path": plain path order; "natural": numbers inside names
     * compare as numbers (2 before 10).
     */
    order: 'tool' | 'path' | 'natural';
    /** Read every migration folder as this tool's (e.g. "golang-migrate") instead of detecting it. */
    convention?: string;
    /** Each migration file runs inside a transaction (Diesel, Flyway, Alembic default): CONCURRENTLY cannot run there. */
    transactional: boolean;
    /** The lock_timeout the missing-lock-timeout fix writes (a PostgreSQL duration such as "5s"). */
    lockTimeout: string;
  };
  /** Major version of the target PostgreSQL (affects version-dependent advice). */
  postgresVersion: number;
  /**
   * The project's SQL dialect (`"dialect"` in .dbe.json, or the editor's dbEngineer.dialect):
   * unset means detected per file (dialects/resolve.ts). A file name that names a dialect
   * (`*.mysql.up.sql`) still wins for that file.
   */
  dialect?: DialectId;
  /** Where `dialect` came from, for messages ("dialect in .dbe.json", "setting dbEngineer.dialect"). */
  dialectSource?: string;
  /** Globs of files neither linted nor replayed. */
  ignore: string[];
  /** Files larger than this many bytes get one diagnostic instead of analysis. */
  maxFileBytes: number;
  /** `dbe lint` also replays the project in the embedded PostgreSQL and checks its queries (as --sandbox). */
  sandbox: boolean;
  /** A live database URL without a password (dbe lint/explain/slow/health --database's default). */
  database?: string;
  /** Rows the sandbox generates per table after the migrations (`"sandbox": { "rows": N }`); 0: none. */
  sandboxRows: number;
  /** The sandbox's limits (`"sandbox": { "timeoutSeconds": N, "memoryMb": N }`); unset: the defaults of sandbox/limits.ts. */
  sandboxTimeoutSeconds?: number;
  sandboxMemoryMb?: number;
  /** Formatting (`dbe format`, the editor's Format Document): `"format": { "keywordCase": "upper", "tabSize": 4, "useTabs": false }`. */
  format: FormatConfig;
}

export interface FormatConfig {
  /** Case of keywords and type names: "preserve" (default), "upper" or "lower". */
  keywordCase: 'preserve' | 'upper' | 'lower';
  /** Indentation; unset: 2 spaces in the CLI, the editor's own in the editor. */
  tabSize?: number;
  useTabs?: boolean;
}

export function defaultConfig(): Config {
  return {
    rules: {},
    migrations: { include: [], order: 'tool', transactional: false, lockTimeout: '5s' },
    postgresVersion: 16,
    ignore: ['**/node_modules/**', '**/.git/**'],
    maxFileBytes: 2 * 1024 * 1024,
    sandbox: false,
    sandboxRows: 10000,
    format: { keywordCase: 'preserve' },
  };
}

export class ConfigError extends Error {}

const SETTINGS = new Set<string>([...SEVERITIES, 'off']);

/** Validates a parsed .dbe.json object and merges it over the defaults. Throws ConfigError with a clear message. */
export function mergeConfig(base: Config, raw: unknown, source: string, knownRules?: ReadonlySet<string>): Config {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${source}: the configuration must be a JSON object`);
  const out: Config = structuredClone(base);
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!['rules', 'migrations', 'postgresVersion', 'dialect', 'ignore', 'maxFileBytes', 'sandbox', 'database', 'format', '$schema'].includes(key)) {
      throw new ConfigError(`${source}: unknown setting "${key}" (known: rules, migrations, postgresVersion, dialect, ignore, maxFileBytes, sandbox, database, format)`);
    }
  }
  if (r.rules !== undefined) {
    if (typeof r.rules !== 'object' || r.rules === null || Array.isArray(r.rules)) throw new ConfigError(`${source}: "rules" must be an object of rule id to severity`);
    for (const [id, sev] of Object.entries(r.rules as Record<string, unknown>)) {
      if (knownRules && !knownRules.has(id)) throw new ConfigError(`${source}: unknown rule "${id}" in "rules"`);
      if (typeof sev !== 'string' || !SETTINGS.has(sev)) throw new ConfigError(`${source}: rule "${id}" has severity ${JSON.stringify(sev)}; use one of error, warning, info, hint, off`);
      out.rules[id] = sev as SeveritySetting;
    }
  }
  if (r.migrations !== undefined) {
    const m = r.migrations as Record<string, unknown>;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new ConfigError(`${source}: "migrations" must be an object`);
    if (m.include !== undefined) out.migrations.include = stringList(m.include, `${source}: "migrations.include"`);
    for (const k of Object.keys(m)) {
      if (!['include', 'order', 'transactional', 'convention', 'lockTimeout'].includes(k)) throw new ConfigError(`${source}: unknown setting "migrations.${k}" (known: include, order, transactional, convention, lockTimeout)`);
    }
    if (m.order !== undefined) {
      if (m.order !== 'tool' && m.order !== 'path' && m.order !== 'natural') throw new ConfigError(`${source}: "migrations.order" must be "tool", "path" or "natural"`);
      out.migrations.order = m.order;
    }
    if (m.convention !== undefined) {
      if (typeof m.convention !== 'string' || !(TOOL_CONVENTIONS as readonly string[]).includes(m.convention)) {
        throw new ConfigError(`${source}: "migrations.convention" must be one of ${TOOL_CONVENTIONS.map((c) => `"${c}"`).join(', ')}`);
      }
      out.migrations.convention = m.convention;
    }
    if (m.transactional !== undefined) {
      if (typeof m.transactional !== 'boolean') throw new ConfigError(`${source}: "migrations.transactional" must be true or false`);
      out.migrations.transactional = m.transactional;
    }
    if (m.lockTimeout !== undefined) {
      // a positive whole number of ms, s or min: the value is written into SQL by a fix
      if (typeof m.lockTimeout !== 'string' || !/^[1-9][0-9]{0,6}\s?(ms|s|min)$/.test(m.lockTimeout)) {
        throw new ConfigError(`${source}: "migrations.lockTimeout" must be a duration such as "5s", "500ms" or "1min"`);
      }
      out.migrations.lockTimeout = m.lockTimeout;
    }
  }
  if (r.postgresVersion !== undefined) {
    if (typeof r.postgresVersion !== 'number' || !Number.isInteger(r.postgresVersion) || r.postgresVersion < 9 || r.postgresVersion > 30) {
      throw new ConfigError(`${source}: "postgresVersion" must be a major version number such as 16`);
    }
    out.postgresVersion = r.postgresVersion;
  }
  if (r.dialect !== undefined) {
    if (typeof r.dialect !== 'string' || !(DIALECT_IDS as readonly string[]).includes(r.dialect)) {
      throw new ConfigError(`${source}: "dialect" must be one of ${DIALECT_IDS.map((d) => `"${d}"`).join(', ')}`);
    }
    out.dialect = r.dialect as DialectId;
    out.dialectSource = `"dialect" in ${/[\\/]/.test(source) ? source.split(/[\\/]/).pop() : source}`;
  }
  if (r.ignore !== undefined) out.ignore = [...base.ignore, ...stringList(r.ignore, `${source}: "ignore"`)];
  if (r.maxFileBytes !== undefined) {
    if (typeof r.maxFileBytes !== 'number' || r.maxFileBytes <= 0) throw new ConfigError(`${source}: "maxFileBytes" must be a positive number`);
    out.maxFileBytes = r.maxFileBytes;
  }
  if (r.sandbox !== undefined) {
    if (r.sandbox !== null && typeof r.sandbox === 'object' && !Array.isArray(r.sandbox)) {
      // the object form: { "enabled": true, "rows": 2000 }; writing it turns the sandbox on unless enabled is false
      const sb = r.sandbox as Record<string, unknown>;
      for (const k of Object.keys(sb)) if (!['enabled', 'rows', 'timeoutSeconds', 'memoryMb'].includes(k)) throw new ConfigError(`${source}: unknown setting "sandbox.${k}" (known: enabled, rows, timeoutSeconds, memoryMb)`);
      if (sb.timeoutSeconds !== undefined && (typeof sb.timeoutSeconds !== 'number' || !(sb.timeoutSeconds >= 1 && sb.timeoutSeconds <= 3600))) {
        throw new ConfigError(`${source}: "sandbox.timeoutSeconds" must be a number of seconds from 1 to 3600`);
      }
      if (sb.memoryMb !== undefined && (typeof sb.memoryMb !== 'number' || !Number.isInteger(sb.memoryMb) || sb.memoryMb < 512 || sb.memoryMb > 16384)) {
        throw new ConfigError(`${source}: "sandbox.memoryMb" must be a whole number of MB from 512 to 16384`);
      }
      if (sb.timeoutSeconds !== undefined) out.sandboxTimeoutSeconds = sb.timeoutSeconds as number;
      if (sb.memoryMb !== undefined) out.sandboxMemoryMb = sb.memoryMb as number;
      if (sb.enabled !== undefined && typeof sb.enabled !== 'boolean') throw new ConfigError(`${source}: "sandbox.enabled" must be true or false`);
      if (sb.rows !== undefined && (typeof sb.rows !== 'number' || !Number.isInteger(sb.rows) || sb.rows < 0 || sb.rows > 10_000_000)) {
        throw new ConfigError(`${source}: "sandbox.rows" must be a whole number of rows per table from 0 (no generated data) to 10000000`);
      }
      out.sandbox = sb.enabled ?? true;
      if (sb.rows !== undefined) out.sandboxRows = sb.rows as number;
    } else if (typeof r.sandbox !== 'boolean') {
      throw new ConfigError(`${source}: "sandbox" must be true or false, or an object such as { "rows": 10000 }`);
    } else out.sandbox = r.sandbox;
  }
  if (r.format !== undefined) {
    const f = r.format as Record<string, unknown>;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new ConfigError(`${source}: "format" must be an object such as { "keywordCase": "upper" }`);
    for (const k of Object.keys(f)) if (!['keywordCase', 'tabSize', 'useTabs'].includes(k)) throw new ConfigError(`${source}: unknown setting "format.${k}" (known: keywordCase, tabSize, useTabs)`);
    if (f.keywordCase !== undefined) {
      if (f.keywordCase !== 'preserve' && f.keywordCase !== 'upper' && f.keywordCase !== 'lower') throw new ConfigError(`${source}: "format.keywordCase" must be "preserve", "upper" or "lower"`);
      out.format.keywordCase = f.keywordCase;
    }
    if (f.tabSize !== undefined) {
      if (typeof f.tabSize !== 'number' || !Number.isInteger(f.tabSize) || f.tabSize < 1 || f.tabSize > 16) throw new ConfigError(`${source}: "format.tabSize" must be a whole number of spaces from 1 to 16`);
      out.format.tabSize = f.tabSize;
    }
    if (f.useTabs !== undefined) {
      if (typeof f.useTabs !== 'boolean') throw new ConfigError(`${source}: "format.useTabs" must be true or false`);
      out.format.useTabs = f.useTabs;
    }
  }
  if (r.database !== undefined) {
    if (typeof r.database !== 'string' || !/^(postgres(ql)?|mysql|mariadb):\/\//.test(r.database)) throw new ConfigError(`${source}: "database" must be a postgres:// URL (or mysql:// / mariadb:// for MySQL and MariaDB)`);
    if (/^(postgres(ql)?|mysql|mariadb):\/\/[^/@]*:[^@/]*@/.test(r.database)) throw new ConfigError(`${source}: "database" holds a password; remove it from the URL and use ${/^postgres/.test(r.database) ? 'PGPASSWORD or ~/.pgpass' : 'MYSQL_PWD or ~/.my.cnf'}`);
    out.database = r.database;
  }
  return out;
}

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ConfigError(`${what} must be a list of strings`);
  return v as string[];
}

/** Reads `file` (JSON). Throws ConfigError with the file name and what is wrong. */
export function loadConfigFile(file: string, knownRules?: ReadonlySet<string>, base = defaultConfig()): Config {
  // Read like a SQL file: a named pipe (or a link to one) in its place is never opened, so it cannot hang the run.
  const src = readDiskSource(file, Number.MAX_SAFE_INTEGER);
  if (src.unreadable) throw new ConfigError(`cannot read ${file}: ${src.unreadable}`);
  const text = src.text;
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e: any) { throw new ConfigError(`${file} is not valid JSON: ${e.message}`); }
  return mergeConfig(base, raw, file, knownRules);
}

/** Finds .dbe.json in dir or its parents. */
export function findConfigFile(dir: string): string | undefined {
  let d = path.resolve(dir);
  for (;;) {
    const f = path.join(d, '.dbe.json');
    if (fs.existsSync(f)) return f;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/** Converts a glob (`**`, `*`, `?`, `{a,b}` whose alternatives are globs too) to the source of an anchored regular expression over forward-slash relative paths. */
function globSource(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close > i) { re += '(?:' + glob.slice(i + 1, close).split(',').map(globSource).join('|') + ')'; i = close; } else re += '\\{';
    } else re += escapeRe(c);
  }
  return re;
}
function escapeRe(s: string): string { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

/** A compiled glob: `test(rel)` tells whether a forward-slash relative path matches it. */
export interface GlobMatcher { test(rel: string): boolean }

/**
 * Compiles a glob for matching in time linear in the path's length. The translation is a plain
 * regular expression, but JavaScript's RegExp backtracks: `**a**a**a**a**a**a**a**a**a**a**a**a**b` took
 * minutes on one 40-character path (a hang of the CLI and the language server, decision 0013). RE2JS
 * (the JavaScript port of RE2) runs the same expression as an automaton, never backtracking.
 */
export function globToRegExp(glob: string): GlobMatcher {
  const re = RE2JS.compile('^' + globSource(glob) + '$', RE2JS.DOTALL);
  return { test: (rel) => re.matches(rel) };
}

const anyDepth = new Map<string, GlobMatcher>();
/** The glob compiled once: it matches at the root or at any depth (`g` or `** /g`). */
export function globMatcher(glob: string): GlobMatcher {
  let m = anyDepth.get(glob);
  if (!m) {
    if (anyDepth.size > 1000) anyDepth.clear();
    m = globToRegExp('**/' + glob);
    anyDepth.set(glob, m);
  }
  return m;
}

/** Whether `rel` matches one of `globs` at the root or at any depth. */
export function matchesAny(rel: string, globs: string[]): boolean {
  return globs.some((g) => globMatcher(g).test(rel));
}
