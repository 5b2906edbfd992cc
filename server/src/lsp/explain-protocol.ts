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

/**
 * What the plan panel says about a large sequential scan. An index on "the filtered columns" is only
 * suggested when the scan has a Filter; a scan feeding a join is pointed at the join column; a scan
 * with neither reads the rows the query asks for, and gets no advice. `parents`: the node's
 * ancestors, nearest first.
 */
export function seqScanNote(node: PlanNode, parents: readonly PlanNode[], tableRows: Record<string, number>): string {
  const rows = scanRows(node, tableRows);
  const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
  const head = `Sequential scan of ${node.relation ?? 'a table'} (${fmt(rows)} rows${tableRows[node.relation ?? ''] !== undefined ? '' : ' estimated'}): every row is read`;
  const filter = node.details.find((d) => d.label === 'Filter');
  if (filter) return `${head} to keep those matching ${filter.value}; an index on the filtered columns may help.`;
  // the join above it (through a Hash or Materialize node that only holds its rows)
  const join = parents.find((p) => p.nodeType !== 'Hash' && p.nodeType !== 'Materialize');
  if (join && /Join|Nested Loop/.test(join.nodeType)) {
    const cond = join.details.find((d) => d.label === 'Hash Cond' || d.label === 'Merge Cond' || d.label === 'Join Filter');
    return `${head} (it has no filter of its own) to join it${cond ? ` on ${cond.value}` : ''}; when the other side is small, an index on this table's join column would let the planner look its rows up instead.`;
  }
  return `${head}; the query has no condition on this table.`;
}
