// The dbEngineer/status notification (server to client), shared by the server and the VS Code
// client's status bar item. Type-only imports, so the client bundles only these lines.
import type { MigrationSummary } from './migrations-protocol';

export const STATUS_NOTIFICATION = 'dbEngineer/status';

export interface StatusParams {
  /** 'indexing' while the workspace's SQL files are read and analysed; 'ready' afterwards. */
  state: 'indexing' | 'ready';
  /** False in Restricted Mode: only open files are analysed. */
  trusted: boolean;
  /** SQL files known to the server (open files included), and workspace folders. */
  files: number;
  folders: number;
  /** How long the last indexing took. */
  ms?: number;
}

export interface StatusParams {
  /** The embedded PostgreSQL (issue #6); absent from servers that predate it. */
  sandbox?: SandboxStatus;
  /**
   * Issue #11: per migration folder of each workspace folder, the tool detected and how its files are
   * replayed (without notReplayed); absent while indexing, in Restricted Mode and from older servers.
   */
  migrations?: MigrationSummary[];
}

/**
 * off: disabled (setting, .dbe.json, untrusted workspace, postgres-error "off") or not started yet;
 * starting: the worker is loading PGlite and the database; replaying: migrations and queries running;
 * ready: the last run finished; failed: it could not run (reason says why; the next save tries again).
 */
export interface SandboxStatus {
  state: 'off' | 'starting' | 'replaying' | 'ready' | 'failed';
  reason?: string;
  /** The last finished run: statements run and failed (follow-ons included), queries explained and rejected, findings, ms. */
  ran?: number;
  failed?: number;
  explained?: number;
  rejected?: number;
  findings?: number;
  ms?: number;
  /** The folder last replayed (multi-root workspaces). */
  folder?: string;
  /** The missing-index evidence phase after the replay (generated rows, costs without and with each index). */
  evidence?: EvidenceStatus;
}

/**
 * measuring: filling the tables and measuring `indexes` recommendations; done: `queries` measured on
 * `rows` generated rows a table in `ms`; failed: `reason` (the replay's findings stand).
 */
export interface EvidenceStatus {
  state: 'measuring' | 'done' | 'failed';
  indexes: number;
  queries?: number;
  rows?: number;
  ms?: number;
  reason?: string;
}

/**
 * dbEngineer/dialect {uri} (client to server, issue #13): the dialect a SQL file is read as and why,
 * for the status bar ("MySQL — file name (mysql)"); null for a file the server does not know.
 */
export const DIALECT_REQUEST = 'dbEngineer/dialect';

export interface DialectParams { uri: string }

export interface DialectResult {
  /** 'postgres' | 'mysql' | 'mariadb' */
  id: string;
  /** PostgreSQL, MySQL, MariaDB */
  name: string;
  /** Why, in words: `file name (mysql)`, `"dialect" in .dbe.json`, `setting dbEngineer.dialect`, `signs: backtick identifiers, ENGINE=`. */
  why: string;
}

/** The status bar's words for a file's dialect: `MySQL — file name (mysql)`. */
export function dialectLabel(d: DialectResult): string {
  return `${d.name} — ${d.why}`;
}
