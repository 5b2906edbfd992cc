// The dbEngineer/explain request (client to server): the plan of the query at a line, from the
// sandbox (EXPLAIN (FORMAT JSON) against the replayed migrations; never executed). Shared by the
// server and the VS Code client's plan panel; type-only imports, so the client bundles no server code.
import type { PlanNode } from '../sandbox/plan';

export type { PlanNode };

export const EXPLAIN_REQUEST = 'dbEngineer/explain';
/** The code lens's command (VS Code client): arguments [uri, line]. */
export const EXPLAIN_COMMAND = 'dbEngineer.explain';
/** A sequential scan is highlighted when its table holds (or the planner expects from it) at least this many rows. */
export const LARGE_TABLE_ROWS = 1000;

export interface ExplainParams {
  uri: string;
  /** 0-based line inside the query. */
  line: number;
}

export type ExplainResult = ExplainPlan | ExplainError;

export interface ExplainPlan {
  ok: true;
  /** Workspace-relative path and 1-based first line of the query. */
  path: string;
  line: number;
  /** The query as sent (its first 2,000 characters). */
  query: string;
  /** It has $n parameters: a generic plan (EXPLAIN (GENERIC_PLAN)). */
  generic: boolean;
  plan: PlanNode;
  /** PostgreSQL's own EXPLAIN (FORMAT JSON) output. */
  postgres: unknown;
  /** Rows of the sequentially scanned tables the planner has statistics for (pg_class.reltuples). */
  tableRows: Record<string, number>;
  /** Migration statements that failed in the replay: the plan may not match the intended schema. */
  replayFailures: number;
}

export interface ExplainError {
  ok: false;
  path?: string;
  line?: number;
  /** off: the sandbox is off or unavailable; rejected: PostgreSQL rejected the query; input: no query there; failed: the sandbox failed. */
  kind: 'off' | 'rejected' | 'input' | 'failed';
  message: string;
}

/** The row count a seq scan is judged by: the table's statistics when there are some, else the planner's estimate. */
export function scanRows(node: PlanNode, tableRows: Record<string, number>): number {
  const t = node.relation !== undefined ? tableRows[node.relation] : undefined;
  return t !== undefined ? Math.max(t, node.rows) : node.rows;
}

/** A sequential scan of a large table: the nodes the plan picture highlights. */
export function isLargeSeqScan(node: PlanNode, tableRows: Record<string, number>): boolean {
  return node.seqScan && scanRows(node, tableRows) >= LARGE_TABLE_ROWS;
}
