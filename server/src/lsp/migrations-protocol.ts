// How a workspace folder's migrations are replayed, as the editor shows it (the status tooltip, the
// Schema view): plain data from the engine's MigrationPlan (engine/conventions.ts). No imports, so
// the client bundles only these declarations; the status and schema protocols refer to it by type.

/** One migration folder and the tool whose files it holds (or, `plain`, the folder's files without one). */
export interface MigrationSummary {
  /** The workspace folder's name (several folders in the workspace). */
  workspace?: string;
  /** The migration folder, relative to the workspace folder (`/` separators; '' for its root). */
  folder: string;
  /** The tool (golang-migrate, flyway, sqitch...); `plain` when none was recognised. */
  convention: string;
  /** How the convention was found ("12 files named N_name.up.sql", "migrations.convention"). */
  detectedBy: string;
  /** Forward steps replayed, and rollbacks (judged after their up, never replayed). */
  up: number;
  down: number;
  /** 'tool': the tool's own order; 'path' / 'natural': migrations.order overrides it. */
  order: 'tool' | 'path' | 'natural';
  /** The first and last forward step replayed (relative to `folder`). */
  first?: string;
  last?: string;
  /** Ambiguities: two files with one version, a mix of conventions, an order the tool may not follow. */
  warnings: string[];
  /**
   * Files of the folder that are not replayed (ignored names, another dialect, older copies of a
   * reworked change, a full schema beside the migrations), with why; Schema view only, at most MAX_NOT_REPLAYED.
   */
  notReplayed?: { path: string; uri?: string; why: string }[];
  /** How many files are not replayed in all (notReplayed may hold fewer). */
  notReplayedCount?: number;
}

export const MAX_NOT_REPLAYED = 50;
