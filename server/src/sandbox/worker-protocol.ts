// Messages between the language server and its sandbox worker (dist/sandbox-worker.js, a
// worker_threads Worker). Plain data only: the input is sandboxInput(project), the answers are
// findings, counts and plans. One request at a time: the server waits for each answer (or kills the
// worker when it takes too long; PGlite ignores statement_timeout).
import type { Finding } from '../model';
import type { EvidenceRequest, RecommendationEvidence } from './evidence';
import type { SandboxInput } from './input';
import type { SandboxLimits } from './limits';
import type { PlanNode } from './plan';
import type { SandboxStats } from './sandbox';

export interface WorkerData {
  /** Where the initialised-database snapshot is kept (null: memory only). */
  snapshotDir: string | null;
  /**
   * Shared with the server: bytes 0-7 (a BigInt64) hold the time of the user's last keystroke in ms
   * since `epoch`; bytes 8-11 are the worker's sleeping slot. While the keystroke is recent the worker
   * waits between statements, so a replay yields the CPU to typing. Bytes 12-15 (an Int32) count the
   * runs the server wants: an evidence request carrying an older count stops between tables and
   * between recommendations (a save supersedes an unfinished evidence phase).
   */
  keystrokes?: SharedArrayBuffer;
  epoch?: number;
  /**
   * The memory limit (limits.ts): PostgreSQL's WebAssembly memory and temp_file_limit are derived
   * from it. The host's watchdog enforces the time and the process's memory.
   */
  limits?: SandboxLimits;
  /** Added to "out of memory" errors: the setting that raises the limit, as the user knows it. */
  memoryNote?: string;
  /**
   * Where the worker is, for the watchdog (an Int32Array of 4): [0] the request id, [1] 1 while a
   * statement runs (then [2] its file and [3] its index in the input), 2 while a table is filled
   * (its name is in the last 'table' message), 0 otherwise.
   */
  position?: SharedArrayBuffer;
}

/** Indexes of `WorkerData.position`. */
export const POS_ID = 0, POS_WHAT = 1, POS_FILE = 2, POS_STATEMENT = 3;
export const POS_NONE = 0, POS_IN_STATEMENT = 1, POS_IN_TABLE = 2;

export interface ExplainStatement { start: number; end: number; text: string; params?: boolean }

export type ToWorker =
  /** `progress`: post 'progress' messages while rows are generated. */
  | { type: 'run'; id: number; input: SandboxInput; progress?: boolean }
  | { type: 'explain'; id: number; path: string; stmt: ExplainStatement }
  /**
   * After a 'run' (second phase, evidence.ts): fill the replayed tables with `rows` generated rows a
   * table (none when 0), then measure each recommendation's queries without and with its index.
   * `generation`: the count in the shared buffer when it was sent; a newer count stops it.
   */
  | { type: 'evidence'; id: number; rows: number; requests: EvidenceRequest[]; generation: number; generated?: string[] }
  /**
   * The agent's compare_index (after a 'run'): EXPLAIN `sql` without and with the index `create`
   * (one CREATE INDEX, CONCURRENTLY already removed), inside BEGIN ... ROLLBACK.
   */
  | { type: 'compare'; id: number; sql: string; params: boolean; create: string }
  /**
   * The agent's validate_migration (after a 'run'): `up` then `down` (statements prepared by
   * sandbox/agent.ts: split, adjusted, skipped ones left out) inside BEGIN ... ROLLBACK, with catalog
   * snapshots before up, after up and after down (catalog-diff.ts).
   */
  | { type: 'validate'; id: number; up: string[]; down?: string[] };

/** compare's answer. `error`: PostgreSQL rejected the query or the index (its message). */
export interface WorkerCompared {
  error?: string;
  generic: boolean;
  before?: { cost: number; plan: PlanNode };
  after?: { cost: number; plan: PlanNode; usesIndex: boolean };
  /** The index's name as created. */
  index?: string;
}

/** validate's answer (indexes into the statements sent). */
export interface WorkerValidated {
  upError?: { index: number; message: string };
  downError?: { index: number; message: string };
  /** What up changed (before up → after up). */
  changes: string[];
  /** With a down: before up → after down. */
  differences: string[];
  /**
   * A statement ended the check's transaction (it should never happen: transaction statements are
   * left out before): the replayed database may hold its changes and must be replayed again.
   */
  tainted?: boolean;
}

/** The evidence phase's answer. `superseded`: stopped because a newer run was asked for (nothing measured is kept). */
export interface WorkerEvidence {
  evidence: RecommendationEvidence[];
  superseded?: boolean;
  /** Rows generated: per table asked, tables filled of all, ms; `error` when PGlite itself failed while filling. */
  data?: { rowsPerTable: number; filled: number; tables: number; ms: number; error?: string };
  ms: number;
}

export interface WorkerExplained {
  generic: boolean;
  plan?: PlanNode;
  raw?: unknown;
  /** Set when PostgreSQL rejected the query. */
  finding?: Finding;
  /** pg_class.reltuples of the sequentially scanned tables the planner has statistics for. */
  tableRows: Record<string, number>;
}

export type FromWorker =
  /** Sent once the worker has loaded PGlite; `unavailable` when it could not (not shipped, broken install). */
  | { type: 'hello'; unavailable?: string }
  | { type: 'phase'; id: number; phase: 'replaying' | 'explaining' | 'filling' | 'measuring' }
  /** Before a table is filled with generated rows (the watchdog reports it if it is stopped there). */
  | { type: 'table'; id: number; table: string }
  | { type: 'progress'; id: number; done: number; total: number; table: string }
  | { type: 'ran'; id: number; findings: Finding[]; stats: SandboxStats }
  | { type: 'explained'; id: number; result: WorkerExplained }
  | { type: 'evidenced'; id: number; result: WorkerEvidence }
  | { type: 'compared'; id: number; result: WorkerCompared }
  | { type: 'validated'; id: number; result: WorkerValidated }
  | { type: 'failed'; id: number; message: string };
