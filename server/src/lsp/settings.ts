// The editor settings (section "dbEngineer"), typed in one place, and how they combine with .dbe.json.
import { defaultConfig, type Config } from '../config';
import { SEVERITIES, type SeveritySetting } from '../model';
import { DIALECT_IDS, type DialectId } from '../dialects/types';

export const SETTINGS_SECTION = 'dbEngineer';

export interface Settings {
  enable: boolean;
  /** Per-rule severity overrides, applied over .dbe.json. */
  rules: Record<string, SeveritySetting>;
  /** Delay after a keystroke before the edited file is re-analysed. */
  debounceMs: number;
  /** Globs of migration files; non-empty replaces config.migrations.include. */
  migrationGlobs: string[];
  /** Project configuration file, relative to the workspace folder. */
  configPath: string;
  /** A live database URL without a password ('' = none); used only in trusted workspaces. */
  connection: string;
  /** statement_timeout of every live-database session, in milliseconds. */
  statementTimeoutMs: number;
  /** Hosts ("host" or "host:port") the user confirmed for the password (application scope: no workspace can set it). */
  trustedDatabaseHosts: string[];
  sandbox: SandboxSettings;
  explain: ExplainSettings;
  format: FormatSettings;
  /**
   * dbEngineer.dialect: 'auto' (default) leaves it to .dbe.json "dialect" and detection; a dialect
   * overrides .dbe.json, as the other settings do (rules, migrationGlobs, format.case); a file whose
   * name names a dialect (`x.mysql.up.sql`) keeps it (dialects/resolve.ts).
   */
  dialect: 'auto' | DialectId;
}

export interface ExplainSettings {
  /** The "Explain" code lens above each query (the command and the sandbox stay available without it). */
  codeLens: boolean;
}

export interface FormatSettings {
  /** Case of keywords and type names when formatting; 'project': as .dbe.json says ("preserve" when it says nothing). */
  keywordCase: 'project' | 'preserve' | 'upper' | 'lower';
}

export interface SandboxSettings {
  /** Replay the migrations in the embedded PostgreSQL (a worker) on save; off in untrusted workspaces anyway. */
  enabled: boolean;
  /** A sandbox run (replay and queries) taking longer is stopped: PGlite ignores statement_timeout. */
  timeoutSeconds: number;
  /**
   * Generated rows a table for the missing-index evidence (at most `sandbox.rows` of .dbe.json);
   * 0: no evidence phase in the editor. The replay for postgres-error never generates data.
   */
  rows: number;
  /**
   * The most memory one sandbox run may add to the language server, in MB, beyond PGlite's start-up: PostgreSQL's own
   * memory is capped below it (a statement over it fails with "out of memory"), and a worker that
   * grows past it anyway is stopped like one over the time limit (sandbox/limits.ts).
   */
  memoryMb: number;
}

/** The editor's default for dbEngineer.sandbox.rows: enough for the planner to prefer an index, a second or two to fill. */
export const EDITOR_SANDBOX_ROWS = 2000;
export const MAX_EDITOR_SANDBOX_ROWS = 100_000;

export function defaultSettings(): Settings {
  return { enable: true, rules: {}, debounceMs: 15, migrationGlobs: [], configPath: '.dbe.json', connection: '', statementTimeoutMs: 5000, trustedDatabaseHosts: [], sandbox: { enabled: true, timeoutSeconds: 60, rows: EDITOR_SANDBOX_ROWS, memoryMb: 1024 }, explain: { codeLens: true }, format: { keywordCase: 'project' }, dialect: 'auto' };
}

const VALID = new Set<string>([...SEVERITIES, 'off']);

/** Reads whatever the client sent (possibly null or half-filled) into Settings; bad values fall back to defaults. */
export function parseSettings(raw: unknown): Settings {
  const out = defaultSettings();
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  if (typeof r.enable === 'boolean') out.enable = r.enable;
  if (r.rules && typeof r.rules === 'object' && !Array.isArray(r.rules)) {
    for (const [id, sev] of Object.entries(r.rules as Record<string, unknown>)) {
      if (typeof sev === 'string' && VALID.has(sev)) out.rules[id] = sev as SeveritySetting;
    }
  }
  if (typeof r.debounceMs === 'number' && Number.isFinite(r.debounceMs) && r.debounceMs >= 0) out.debounceMs = Math.min(r.debounceMs, 5000);
  if (Array.isArray(r.migrationGlobs)) out.migrationGlobs = r.migrationGlobs.filter((g): g is string => typeof g === 'string' && g.length > 0);
  if (typeof r.configPath === 'string' && r.configPath.trim()) out.configPath = r.configPath.trim();
  if (typeof r.connection === 'string') out.connection = r.connection.trim();
  if (typeof r.statementTimeoutMs === 'number' && Number.isInteger(r.statementTimeoutMs) && r.statementTimeoutMs >= 1) out.statementTimeoutMs = Math.min(r.statementTimeoutMs, 600_000);
  if (Array.isArray(r.trustedDatabaseHosts)) out.trustedDatabaseHosts = r.trustedDatabaseHosts.filter((h): h is string => typeof h === 'string' && h.trim() !== '').map((h) => h.trim());
  const sb = r.sandbox;
  if (sb && typeof sb === 'object' && !Array.isArray(sb)) {
    const o = sb as Record<string, unknown>;
    if (typeof o.enabled === 'boolean') out.sandbox.enabled = o.enabled;
    if (typeof o.timeoutSeconds === 'number' && Number.isFinite(o.timeoutSeconds) && o.timeoutSeconds > 0) out.sandbox.timeoutSeconds = Math.min(o.timeoutSeconds, 3600);
    if (typeof o.rows === 'number' && Number.isFinite(o.rows) && o.rows >= 0) out.sandbox.rows = Math.min(Math.floor(o.rows), MAX_EDITOR_SANDBOX_ROWS);
    if (typeof o.memoryMb === 'number' && Number.isFinite(o.memoryMb) && o.memoryMb > 0) out.sandbox.memoryMb = Math.min(Math.max(Math.floor(o.memoryMb), 512), 16_384);
  }
  const ex = r.explain;
  if (ex && typeof ex === 'object' && !Array.isArray(ex) && typeof (ex as Record<string, unknown>).codeLens === 'boolean') out.explain.codeLens = (ex as Record<string, boolean>).codeLens;
  const fm = r.format;
  if (fm && typeof fm === 'object' && !Array.isArray(fm)) {
    // the setting is dbEngineer.format.case (a setting named "...key..." reads like a secret; .dbe.json says keywordCase)
    const k = (fm as Record<string, unknown>).case;
    if (k === 'project' || k === 'preserve' || k === 'upper' || k === 'lower') out.format.keywordCase = k;
  }
  if (typeof r.dialect === 'string' && (DIALECT_IDS as readonly string[]).includes(r.dialect)) out.dialect = r.dialect as DialectId;
  return out;
}

/** The configuration a folder's project runs with: .dbe.json (or defaults), then the editor settings on top. */
export function effectiveConfig(fileConfig: Config | undefined, settings: Settings): Config {
  const cfg = structuredClone(fileConfig ?? defaultConfig());
  for (const [id, sev] of Object.entries(settings.rules)) cfg.rules[id] = sev;
  if (settings.migrationGlobs.length) cfg.migrations.include = [...settings.migrationGlobs];
  if (settings.dialect !== 'auto') { cfg.dialect = settings.dialect; cfg.dialectSource = 'setting dbEngineer.dialect'; }
  return cfg;
}
