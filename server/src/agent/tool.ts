// The agent's tool layer: one set of tools over the engine, offered three ways (our chat panel and
// `dbe ask` through the Anthropic Messages API, VS Code's Language Model API for Copilot's agent mode,
// and MCP through `dbe mcp`). Editor-free: the LSP server, the CLI and the MCP server each build a
// ToolContext and call runTool (tools/index.ts). Tool names and input schemas are the contract.
import type { Project } from '../engine/project';
import type { Finding } from '../model';
import type { PlanNode } from '../sandbox/plan';

export const TOOL_NAMES = [
  'list_tables', 'describe_table', 'lint_sql', 'explain_query', 'compare_index',
  'validate_migration', 'write_migration', 'slow_queries', 'health',
] as const;
export type ToolName = typeof TOOL_NAMES[number];

/** A JSON schema for a tool's input (always an object). */
export interface InputSchema {
  type: 'object';
  properties: Record<string, { type: string; description: string; enum?: string[]; items?: unknown; minimum?: number; maximum?: number }>;
  required?: string[];
  additionalProperties?: false;
}

export interface ToolSpec<I = Record<string, unknown>> {
  name: ToolName;
  /** A short title for people (VS Code's tool picker, MCP's title). */
  title: string;
  /** Written for a model: what the tool does, when to call it, what it returns. */
  description: string;
  inputSchema: InputSchema;
  /** Writes files: only after the user confirms (ToolContext.confirmWrite). */
  writes?: boolean;
  /** Reads the user's live database (read-only): only where one is configured. */
  live?: boolean;
  /** Runs the PGlite sandbox (the first call replays the migrations: seconds). */
  sandbox?: boolean;
  /**
   * Never throws for a user's problem (bad input, no such table, the sandbox off): it answers with
   * isError and a message the model can act on. runTool turns anything thrown into such an answer.
   */
  run(input: I, ctx: ToolContext): Promise<ToolResult>;
}

export interface ToolResult {
  /** What the model reads: compact text (markdown allowed). */
  text: string;
  /** One line for the user, shown as the step's title: "explained the query: cost 248 → 11.6". */
  summary: string;
  isError?: boolean;
  /** Structured data (MCP structuredContent, the panel's details, tests). */
  data?: unknown;
}

/** A file a tool proposes to create. `path` is relative to the project root, `/`-separated. */
export interface NewFile { path: string; text: string }

export interface WriteRequest {
  /** What is written and why, one line ("add index orders_customer_id_idx"). */
  title: string;
  files: NewFile[];
}

export interface ToolContext {
  /** The project the tools read: its files in migration order and the replayed schema. */
  project: Project;
  /** The project's root folder on disk (absolute), when it has one. */
  root?: string;
  /** A path the model gave (relative to the root, or absolute inside it) as the project's key; undefined outside the project. */
  resolvePath(p: string): string | undefined;
  /** A project key as the model and the user see it (relative to the root). */
  showPath(key: string): string;
  /** The PGlite sandbox for explain_query, compare_index and validate_migration; undefined: `sandboxOff` says why. */
  sandbox?: AgentSandbox;
  sandboxOff?: string;
  /** The live database (read-only) for slow_queries and health; undefined: `liveOff` says why. */
  live?: LiveAccess;
  liveOff?: string;
  /**
   * Asks the user to let these files be written, and writes them when allowed. Resolves to what
   * happened. Undefined: nobody can be asked here, so write_migration only proposes the files.
   */
  confirmWrite?(req: WriteRequest): Promise<{ written: boolean; paths?: string[]; reason?: string }>;
  signal?: AbortSignal;
}

// ---- the sandbox, as the tools see it (sandbox/agent.ts implements it for the CLI and the editor) ----

export interface AgentSandbox {
  /** EXPLAIN (FORMAT JSON) of one query against the replayed migrations, on generated data. Never executed. */
  explain(sql: string): Promise<SandboxExplain>;
  /** The planner's cost of a query without and with a candidate index (created, measured, rolled back). */
  compareIndex(sql: string, createIndex: string): Promise<SandboxCompare>;
  /**
   * Appends `up` (then `down`, when given) to the replayed chain inside a transaction that is rolled
   * back, and compares the catalog before `up` and after `down`.
   */
  validate(up: string, down: string | undefined): Promise<SandboxValidate>;
}

/** What the data behind a plan was: "200 generated rows a table (5 of 6 tables filled)". */
export interface SandboxBasis { basis: string; replayFailures: number }

export interface SandboxExplain extends SandboxBasis {
  /** PostgreSQL rejected the query (its message), or the sandbox stopped. */
  error?: string;
  generic: boolean;
  plan?: PlanNode;
}

export interface SandboxCompare extends SandboxBasis {
  error?: string;
  before?: { cost: number; plan: PlanNode };
  after?: { cost: number; plan: PlanNode; usesIndex: boolean };
  /** The index's name as created. */
  index?: string;
}

export interface StatementError { statement: string; message: string }

export interface SandboxValidate extends SandboxBasis {
  /** The check could not run (the replay failed, the sandbox stopped or is closed): nothing below is known. */
  error?: string;
  /** The up migration's failing statement, if any (then nothing after it ran). */
  upError?: StatementError;
  downError?: StatementError;
  /** With a down: true when the catalog after down equals the catalog before up. */
  restored?: boolean;
  /** What up changed in the catalog ("table public.orders: column note text added"). */
  changes: string[];
  /** With a down: what differs between before up and after down ("index orders_note_idx left behind"). */
  differences: string[];
  /** Statements that could not run inside the check's transaction and were adjusted ("CONCURRENTLY dropped for the check"). */
  notes: string[];
}

// ---- the live database (read-only), as the tools see it ----

export interface LiveAccess {
  /** The slowest statements (pg_stat_statements / performance_schema), judged by the rules. */
  slowQueries(limit: number): Promise<ToolResult>;
  health(): Promise<ToolResult>;
}

/** Findings as the tools report them: a compact, model-readable line each. */
export type { Finding };
