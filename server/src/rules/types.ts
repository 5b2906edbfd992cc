// What a rule is: metadata (the source of its docs and of the README table) and checks.
import type { Fix, Loc, Severity, SourceFile, Statement } from '../model';
import type { Schema } from '../schema';
import type { Node } from '../sql/parse';
import type { DialectFamily } from '../dialects/types';

export type Category = 'query' | 'schema' | 'migration' | 'general';

export interface RuleMeta {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  /** The persona principle (../shared/seeds/database-engineer-agent.md) the rule enforces. */
  principle: string;
  /** Why it matters, one paragraph, in our words. */
  rationale: string;
  /** Example that triggers the rule, and the corrected version. */
  bad: string;
  good: string;
  /** True when the rule offers a quick fix. */
  fixable: boolean;
  /**
   * For fixes that need what the project knows (e.g. the table's primary key): an earlier migration
   * defining it. The docs test lints `bad` after it and expects a fix.
   */
  fixSchema?: string;
  /** Extra notes for the docs (exceptions, configuration). */
  notes?: string;
  /**
   * The dialect families the rule holds for (default: PostgreSQL only). A rule that lists 'mysql'
   * is run on MySQL/MariaDB files too, on their statements lowered to the shared model (a MySQL
   * statement with no counterpart there has kind 'MySqlStatement' and an empty node) and their schema.
   */
  dialects?: DialectFamily[];
}

/**
 * What the migration tool does with a file, as far as the locking rules care. Conventions that are
 * not known for sure leave both flags false (a wrong finding costs more than a missing one).
 */
export interface RunnerInfo {
  /** The migration convention detected for the file's folder ('plain' when none). */
  convention: string;
  /** The tool opens a transaction around the whole file (Flyway, Diesel, goose, dbmate by default; `migrations.transactional`). */
  wraps: boolean;
  /** The tool sends the whole file as one multi-statement query (golang-migrate, Prisma): an implicit transaction. */
  oneQuery: boolean;
  /** The statement undoes an earlier migration (a down file, or a goose/dbmate down section). */
  down: boolean;
  /** Why `wraps` holds: "migrations.transactional" (the configuration) or the tool's name. */
  wrapsBy?: string;
}

export interface Report { start: number; end: number; message: string; fixes?: Fix[] }

export interface StatementContext {
  stmt: Statement;
  kind: string;
  node: Node;
  file: SourceFile;
  /** Replay phase: the schema just before this statement. Final phase: the schema after all migrations. */
  schema: Schema;
  /** Keys of tables created earlier in the same file (new and empty when this statement runs). */
  newTables: ReadonlySet<string>;
  /** True inside an explicit BEGIN ... COMMIT block, or when the file's runner runs it in a transaction (see `runner`). */
  inTransaction: boolean;
  /** How the project's migration tool runs this statement's file (engine/conventions.ts). */
  runner: RunnerInfo;
  /** The PostgreSQL major version the project targets (`postgresVersion` in .dbe.json, 16 by default). */
  postgresVersion: number;
  /** The lock_timeout fixes write (`migrations.lockTimeout` in .dbe.json, default '5s'). */
  lockTimeout: string;
  /**
   * True when the project holds only part of the workspace (Restricted Mode: the open files only), so
   * the schema may lack what other files define.
   */
  partialSchema?: boolean;
  /** Converts a byte location inside the statement (from the AST) to a file offset. */
  offset(byteLoc: number | undefined): number;
  /** Every file of the project, in migration (replay) order (e.g. to place a new migration). */
  files(): readonly SourceFile[];
  report(r: Report): void;
}

export interface SchemaContext {
  schema: Schema;
  file(path: string): SourceFile | undefined;
  /**
   * Every file of the project, in migration (replay) order: for rules that judge the workspace's
   * queries against the schema (their statements are in `files()[i].statements`), and to place a
   * new migration (engine/placement.ts).
   */
  files(): readonly SourceFile[];
  report(r: { loc: Loc; message: string; fixes?: Fix[] }): void;
  /**
   * False when findings at this path are not wanted (the editor asks about a few files of a big
   * workspace): report() would drop them, so a rule may skip building them, fixes included. Absent:
   * every path is wanted.
   */
  wants?(path: string): boolean;
  /** True when `a` was written before `b` in migration (replay) order: earlier file, or same file and earlier offset. */
  before?(a: Loc, b: Loc): boolean;
}

export interface Rule {
  meta: RuleMeta;
  /**
   * A cheap pre-check on the statement text (e.g. /\blimit\b/i): the rule reports only on
   * statements that match (fixtures and documented examples prove it), so others are skipped unwalked.
   */
  textFilter?: RegExp;
  /** Replay phase: judged against the schema just before the statement (migration safety). */
  beforeStatement?(ctx: StatementContext): void;
  /** Final phase: judged against the schema after all migrations (queries). */
  onStatement?(ctx: StatementContext): void;
  /**
   * Final phase: judged once over the final schema (design rules). A rule with much work per table
   * may be a generator that yields between tables: the language server then answers requests in
   * between (the CLI runs it straight through). It must not change anything it was given.
   */
  onSchema?(ctx: SchemaContext): void | Generator<void, void, void>;
}
