// What the sandbox is asked to do, as plain data (so it can be posted to a worker thread): every
// file in migration order, each statement with what to do with it. Built from a Project on the
// engine's side; the sandbox itself needs no parser.
//
// Which statements run and which are only explained:
// - Files the engine replays are migrations: their statements are executed in order, one at a time
//   (DDL, and also INSERT/UPDATE/DELETE, which in a migration are seed data and backfills; a query
//   with $n parameters cannot run and is explained where it stands instead). When
//   `migrations.include` is not configured, a replayed file made only of queries (SELECT, INSERT,
//   UPDATE, DELETE, MERGE, WITH, plus SET) is taken for a queries file, unless its path looks like a
//   migration's (a "migrat..." folder or name, `V1__x.sql`, `001_x.sql`, `up.sql`): a data migration.
// - Queries files (those, and files outside `migrations.include`) are never executed: each query is
//   checked with EXPLAIN against the schema after every migration, inside a read-only transaction.
//   Their SET statements run (queries depend on search_path); their DDL is ignored.
// - Down migrations (and goose/dbmate down sections, sqitch verify scripts, other dialects' files, a
//   second install path) are not touched; a migration tool's history table is created before the
//   tool's first migration, as the tool does.
// - Templated statements and statements that did not parse are
//   skipped (syntax-error reports the latter).
import type { Project } from '../engine/project';
import type { Node } from '../sql/parse';
import { isDownStatement, type SourceFile, type Statement } from '../model';
import { isShipped } from './extensions';

export type Action = 'run' | 'explain' | 'skip';

export interface SandboxStatement {
  /** Offsets of the statement in its file (UTF-16), and its text as sent (the masked text). */
  start: number;
  end: number;
  text: string;
  kind: string;
  action: Action;
  /** Why it is skipped ("templated", "server", "unparsed", "ddl-in-queries", "session-role", "stopped", "tool-table"). */
  skip?: string;
  /** skip "stopped": the sandbox's time or memory limit stopped it in an earlier attempt; the finding's message. */
  stopped?: string;
  /** It has $n parameters (EXPLAIN needs GENERIC_PLAN). */
  params?: boolean;
  /** CREATE EXTENSION: the extension's name. */
  extension?: string;
  /** Lower-case names of the objects this statement creates: when it fails, errors naming them later are follow-ons. */
  creates?: string[];
  /** A BEGIN/START (1), COMMIT/ROLLBACK/PREPARE (-1): the sandbox tracks the user's transaction. */
  tx?: 1 | -1;
}

export interface SandboxFile {
  path: string;
  role: 'migration' | 'queries' | 'down';
  statements: SandboxStatement[];
}

export interface SandboxInput {
  files: SandboxFile[];
  /** Roles the project names (GRANT, OWNER TO, policies) but never creates: created up-front, NOLOGIN. */
  roles: string[];
  /** Shipped extensions the project creates: loaded when the database starts. */
  extensions: string[];
  /** Severity of postgres-error findings. */
  severity: 'error' | 'warning' | 'info' | 'hint';
  /** Check the queries (EXPLAIN); false: replay only (dbe explain). */
  checkQueries: boolean;
  /** Generated rows per table after the migrations (data.ts); 0 or absent: the tables stay as the migrations leave them. */
  rows?: number;
}

export const QUERY_KINDS: ReadonlySet<string> = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** Statements about the server rather than the schema, which an in-process sandbox cannot or should not run. */
const SERVER_KINDS: ReadonlySet<string> = new Set([
  'CreatedbStmt', 'DropdbStmt', 'AlterDatabaseStmt', 'AlterDatabaseSetStmt', 'AlterDatabaseRefreshCollStmt',
  'CreateTableSpaceStmt', 'DropTableSpaceStmt', 'AlterTableSpaceOptionsStmt', 'AlterSystemStmt', 'LoadStmt',
  'CheckPointStmt', 'CopyStmt', 'CreateSubscriptionStmt', 'AlterSubscriptionStmt', 'DropSubscriptionStmt',
  'VacuumStmt', 'ClusterStmt', 'ReindexStmt', 'ListenStmt', 'UnlistenStmt', 'NotifyStmt',
]);

export function isQuery(stmt: Pick<Statement, 'kind' | 'node'>): boolean {
  if (!stmt.kind || !QUERY_KINDS.has(stmt.kind)) return false;
  return !(stmt.kind === 'SelectStmt' && stmt.node?.intoClause); // SELECT INTO creates a table
}

/** A path that names a migration: a "migrat..." folder or file, Flyway, numbered or timestamped names, up.sql. */
export function looksLikeMigration(rel: string): boolean {
  const p = rel.replace(/\\/g, '/');
  const base = p.slice(p.lastIndexOf('/') + 1);
  return /migrat/i.test(p) || /^V\d+__/i.test(base) || /^\d+[_-]/.test(base) || /(^|[._-])up\.sql$/i.test(base);
}

/** How the sandbox treats a file (see the header). `rel`: its path relative to the project. */
export function fileRole(file: SourceFile, includeConfigured: boolean, rel = file.path): SandboxFile['role'] {
  if (file.isDown) return 'down';
  // sqitch verify scripts, another dialect's migrations, a second install path: not run here
  const r = file.migration?.role;
  if (r === 'verify' || r === 'other-dialect' || r === 'install-alternative' || r === 'reworked') return 'down';
  if (!file.replayed) return 'queries';
  if (includeConfigured || looksLikeMigration(rel)) return 'migration';
  let queries = 0;
  for (const s of file.statements) {
    if (!s.kind) continue;
    if (isQuery(s)) queries++;
    else if (s.kind !== 'VariableSetStmt' && s.kind !== 'TransactionStmt') return 'migration';
  }
  return queries > 0 ? 'queries' : 'migration';
}

export interface InputOptions {
  checkQueries?: boolean;
  /** Rows per table to generate; default: the project's `sandbox.rows` setting. */
  rows?: number;
}

export function sandboxInput(project: Project, options: InputOptions = {}): SandboxInput {
  const includeConfigured = project.config.migrations.include.length > 0;
  const files: SandboxFile[] = [];
  const named = new Set<string>();
  const created = new Set<string>();
  const extensions = new Set<string>();
  const toolTables = new Set<string>();
  for (const file of project.order()) {
    if (file.skipped) continue;
    // the sandbox is PostgreSQL (PGlite): a MySQL or MariaDB file is never sent to it (nor its chain's tool tables)
    if (file.dialect.family !== 'postgres') continue;
    // the migration tool's history table (schema_migrations...), created before its first migration
    for (const t of project.toolTablesBefore(file)) {
      files.push({ path: t.path, role: 'migration', statements: t.statements.map((s) => describe(s, 'migration')!).filter(Boolean) });
      for (const s of t.statements) if (s.kind === 'CreateStmt') toolTables.add(qualifiedName(s.node?.relation));
    }
    const role = fileRole(file, includeConfigured, project.relativePath(file.path));
    const statements: SandboxStatement[] = [];
    for (const s of file.statements) {
      // a goose / dbmate down section is a rollback: not run
      if (role !== 'down' && isDownStatement(s)) continue;
      let out = describe(s, role);
      // the project creates the tool's history table itself too (harbor's docker init script): the
      // tool's is there already, and in the project's setup that script runs on a fresh database
      if (out?.action === 'run' && s.kind === 'CreateStmt' && toolTables.has(qualifiedName(s.node?.relation))) {
        out = { ...out, action: 'skip', skip: 'tool-table' };
      }
      if (!out) continue;
      statements.push(out);
      if (out.action === 'run' && s.node) {
        collectRoles({ [s.kind!]: s.node }, named);
        if (s.kind === 'CreateRoleStmt' && s.node.role) created.add(String(s.node.role));
        if (out.extension && isShipped(out.extension)) extensions.add(out.extension);
      }
    }
    files.push({ path: file.path, role, statements });
  }
  const sev = project.severityOf('postgres-error');
  return {
    files,
    roles: [...named].filter((r) => !created.has(r) && r !== 'postgres' && !r.startsWith('pg_')).sort(),
    extensions: [...extensions].sort(),
    severity: sev === 'off' ? 'error' : sev,
    checkQueries: options.checkQueries ?? true,
    rows: options.rows ?? project.config.sandboxRows,
  };
}

/** `schema.name` of a table (lower case; an unqualified name is taken to be in public, the default search_path). */
function qualifiedName(rv: Node | undefined): string {
  return `${String(rv?.schemaname ?? 'public').toLowerCase()}.${String(rv?.relname ?? '').toLowerCase()}`;
}

function describe(s: Statement, role: SandboxFile['role']): SandboxStatement | undefined {
  const base = { start: s.start, end: s.end, text: s.text, kind: s.kind ?? '' };
  if (role === 'down') return undefined;
  if (s.templated) return { ...base, action: 'skip', skip: 'templated' };
  if (!s.node || !s.kind) return s.parsed.error ? { ...base, action: 'skip', skip: 'unparsed' } : undefined;
  const node = s.node;
  if (role === 'queries') {
    if (isQuery(s) && !s.parsed.extra) return { ...base, action: 'explain', params: hasParams(node) };
    if (s.kind === 'VariableSetStmt' && !isRoleSetting(node)) return { ...base, action: 'run' };
    return { ...base, action: 'skip', skip: 'ddl-in-queries' };
  }
  if (SERVER_KINDS.has(s.kind)) return { ...base, action: 'skip', skip: 'server' };
  if (s.kind === 'VariableSetStmt' && isRoleSetting(node)) return { ...base, action: 'skip', skip: 'session-role' };
  // A query with $n parameters cannot be executed: it is explained (GENERIC_PLAN) where it stands.
  if (isQuery(s) && !s.parsed.extra && hasParams(node)) return { ...base, action: 'explain', params: true };
  const out: SandboxStatement = { ...base, action: 'run' };
  if (s.kind === 'TransactionStmt') {
    const k = node.kind;
    if (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START') out.tx = 1;
    else if (k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_ROLLBACK' || k === 'TRANS_STMT_PREPARE') out.tx = -1;
  }
  if (s.kind === 'CreateExtensionStmt') out.extension = String(node.extname ?? '');
  const creates = createdNames(s.kind, node);
  if (creates.length) out.creates = creates;
  return out;
}

/** SET ROLE / SET SESSION AUTHORIZATION: the placeholder roles have no privileges, so these are not run. */
function isRoleSetting(node: Node): boolean {
  const n = String(node.name ?? '').toLowerCase();
  return n === 'role' || n === 'session_authorization';
}

export function hasParams(node: Node): boolean {
  return JSON.stringify(node).includes('"ParamRef"');
}

function last(names: Node[] | undefined): string | undefined {
  const l = names?.[names.length - 1];
  const v = l?.String?.sval ?? l?.String?.str;
  return typeof v === 'string' ? v.toLowerCase() : undefined;
}

/** Names (lower case, unqualified) of what a statement creates or renames to. */
export function createdNames(kind: string, node: Node): string[] {
  const out: (string | undefined)[] = [];
  const rel = (rv: Node | undefined) => (rv?.relname ? String(rv.relname).toLowerCase() : undefined);
  switch (kind) {
    case 'CreateStmt': out.push(rel(node.relation)); break;
    case 'CreateTableAsStmt': out.push(rel((node.into?.IntoClause ?? node.into)?.rel)); break;
    case 'ViewStmt': out.push(rel(node.view)); break;
    case 'CreateSeqStmt': out.push(rel(node.sequence)); break;
    case 'CompositeTypeStmt': out.push(rel(node.typevar)); break;
    case 'IndexStmt': out.push(node.idxname ? String(node.idxname).toLowerCase() : undefined); break;
    case 'CreateFunctionStmt': out.push(last(node.funcname)); break;
    case 'CreateEnumStmt': case 'CreateRangeStmt': out.push(last(node.typeName)); break;
    case 'CreateDomainStmt': out.push(last(node.domainname)); break;
    case 'DefineStmt': out.push(last(node.defnames)); break;
    case 'CreateSchemaStmt': out.push(node.schemaname ? String(node.schemaname).toLowerCase() : undefined); break;
    case 'CreateExtensionStmt': out.push(node.extname ? String(node.extname).toLowerCase() : undefined); break;
    case 'RenameStmt': out.push(node.newname ? String(node.newname).toLowerCase() : undefined); break;
    case 'AlterTableStmt':
      for (const c of node.cmds ?? []) {
        const cmd = c.AlterTableCmd;
        if (cmd?.subtype === 'AT_AddColumn') out.push(cmd.def?.ColumnDef?.colname ? String(cmd.def.ColumnDef.colname).toLowerCase() : undefined);
      }
      break;
  }
  return out.filter((x): x is string => !!x);
}

/** Role names a statement mentions (RoleSpec nodes, and roles granted with GRANT role TO ...). */
function collectRoles(node: unknown, out: Set<string>): void {
  const walk = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) { for (const x of n) walk(x); return; }
    const o = n as Node;
    // RoleSpec appears wrapped ({RoleSpec: {...}}) in node lists and bare in typed fields (newowner).
    if (o.roletype === 'ROLESPEC_CSTRING' && typeof o.rolename === 'string') out.add(o.rolename);
    if (o.GrantRoleStmt) for (const g of o.GrantRoleStmt.granted_roles ?? []) if (g.AccessPriv?.priv_name) out.add(String(g.AccessPriv.priv_name));
    for (const v of Object.values(o)) walk(v);
  };
  walk(node);
}
