// The dbEngineer/schemaTree and dbEngineer/indexMigration requests, shared by the server's handler
// (./handlers/schemaTree.ts) and the VS Code client's Schema view (client/src/schema/). Type-only
// imports, so the client bundles only these declarations.
import type { MigrationSummary } from './migrations-protocol';

export const SCHEMA_TREE_REQUEST = 'dbEngineer/schemaTree';
export const INDEX_MIGRATION_REQUEST = 'dbEngineer/indexMigration';

/**
 * The rules whose findings are index recommendations (the "Index recommendations" node, and what
 * dbEngineer/indexMigration writes into one migration). A rule that is not installed simply reports nothing.
 */
export const ADVISOR_RULES: readonly string[] = ['missing-index', 'fk-without-index'];

export interface LspPosition { line: number; character: number }
export interface LspRange { start: LspPosition; end: LspPosition }
export interface LspLocation { uri: string; range: LspRange }
export interface LspTextEdit { range: LspRange; newText: string }

/** The subset of an LSP WorkspaceEdit the server produces: per-document edits, or file creations then edits. */
export interface LspWorkspaceEdit {
  changes?: Record<string, LspTextEdit[]>;
  documentChanges?: (
    | { kind: 'create'; uri: string; options?: { overwrite?: boolean; ignoreIfExists?: boolean } }
    | { textDocument: { uri: string; version: number | null }; edits: LspTextEdit[] }
  )[];
}

export interface SchemaColumn {
  name: string;
  /** As written in the source (e.g. `numeric(12,2)`); '' for a view column whose type is not known. */
  type: string;
  notNull: boolean;
  /** A DEFAULT, serial, identity or generated value. */
  hasDefault: boolean;
  identity: boolean;
  generated: boolean;
  location?: LspLocation;
}

export interface SchemaIndex {
  name: string;
  /** Key columns; an expression key is shown as `(expression)`. */
  columns: string[];
  unique: boolean;
  /** Partial index: its WHERE clause. */
  predicate?: string;
  method: string;
  /** The index backs a PRIMARY KEY or UNIQUE constraint. */
  constraint?: 'primary' | 'unique';
  location?: LspLocation;
}

export interface SchemaForeignKey {
  name?: string;
  columns: string[];
  /** Referenced table, `schema.name`. */
  refTable: string;
  refColumns: string[];
  notValid: boolean;
  location?: LspLocation;
}

export interface SchemaFinding {
  rule: string;
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  location?: LspLocation;
}

export type TableKind = 'table' | 'view' | 'matview' | 'partitioned';

export interface SchemaTable {
  schema: string;
  name: string;
  kind: TableKind;
  /** The partitioned table this one is a partition of (`schema.name`). */
  partitionOf?: string;
  columns: SchemaColumn[];
  primaryKey?: { name?: string; columns: string[] };
  indexes: SchemaIndex[];
  foreignKeys: SchemaForeignKey[];
  /**
   * Findings that lie in a statement defining or altering this table: a CREATE TABLE / VIEW /
   * INDEX, ALTER TABLE or RENAME whose target is this table in the final schema; and a statement
   * with no such target (a DO block, or a name renamed since) in which one of its current columns,
   * keys, constraints or indexes was written. Findings in queries belong to no table.
   */
  findings: SchemaFinding[];
  location?: LspLocation;
}

export interface IndexRecommendation extends SchemaFinding {
  /** The table the finding belongs to (`schema.name`), when it belongs to one. */
  table?: string;
  /** The finding's first fix, ready to apply; absent when it has none (or the client cannot create files). */
  fix?: { title: string; edit: LspWorkspaceEdit };
}

export interface SchemaFolder {
  /** Workspace folder URI; absent for the files open outside every folder. */
  uri?: string;
  name: string;
  tables: SchemaTable[];
  recommendations: IndexRecommendation[];
  /** How the folder's migrations are replayed (issue #11): one entry per migration folder; absent from older servers. */
  migrations?: MigrationSummary[];
  /**
   * Issue #13: the dialect whose schema `tables` is (the folder's main one: PostgreSQL, MySQL or
   * MariaDB), and the SQL files of the other family whose tables are not shown; absent from older servers.
   */
  dialect?: string;
  otherDialectFiles?: number;
}

export interface SchemaTreeParams {
  /** Only this workspace folder (its URI); default: every folder. */
  folder?: string;
}

export interface SchemaTreeResult {
  /** `not-ready`: the workspace is still being scanned; `disabled`: dbEngineer.enable is off. */
  status: 'ok' | 'not-ready' | 'disabled';
  /** Restricted Mode: only open documents are analysed, so the schema is partial. */
  trusted: boolean;
  folders: SchemaFolder[];
}

export interface IndexMigrationParams {
  /** Only this workspace folder's recommendations (its URI); default: every folder, one migration each. */
  folder?: string;
}

export interface IndexMigrationResult {
  /** What was done, or why nothing was (no recommendation, no fix, no place to write). */
  message: string;
  /** The edit that writes the migration(s); absent when there is nothing to write. */
  edit?: LspWorkspaceEdit;
  /** The migration files written (or, in a project without a convention, the file the SQL goes into). */
  uris: string[];
  /** Number of CREATE INDEX statements written. */
  count: number;
}
