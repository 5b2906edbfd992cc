// Messages between the language server and its sandbox worker (dist/sandbox-worker.js, a
// worker_threads Worker). Plain data only: the input is sandboxInput(project), the answers are
// findings, counts and plans. One request at a time: the server waits for each answer (or kills the
// worker when it takes too long; PGlite ignores statement_timeout).
import type { Finding } from '../model';
import type { EvidenceRequest, RecommendationEvidence } from './evidence';
import type { SandboxInput } from './input';
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
}

export interface ExplainStatement { start: number; end: number; text: string; params?: boolean }

export type ToWorker =
  | { type: 'run'; id: number; input: SandboxInput }
  | { type: 'explain'; id: number; path: string; stmt: ExplainStatement }
  /**
   * After a 'run' (second phase, evidence.ts): fill the replayed tables with `rows` generated rows a
   * table (none when 0), then measure each recommendation's queries without and with its index.
   * `generation`: the count in the shared buffer when it was sent; a newer count stops it.
   */
  | { type: 'evidence'; id: number; rows: number; requests: EvidenceRequest[]; generation: number };

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
  | { type: 'ran'; id: number; findings: Finding[]; stats: SandboxStats }
  | { type: 'explained'; id: number; result: WorkerExplained }
  | { type: 'evidenced'; id: number; result: WorkerEvidence }
  | { type: 'failed'; id: number; message: string };
