// Where generated migrations go. In a project whose files follow a migration convention (numbered,
// Flyway, golang-migrate/sqlx, timestamped, Diesel), a fix or refactor creates a new migration named
// after the newest one, with its rollback where the convention keeps one. Anywhere else (one schema
// file, or files with no convention) the statements go right after the statement they belong to.
// Paths are the project's keys: absolute paths in the CLI, URI strings in the editor.
import type { SourceFile, Statement, TextEdit } from '../model';
import { splitStatements } from '../sql/split';
import { detectConvention, hasDown, nextMigrationName, type Convention, type MigrationName } from './migration-name';

export interface MigrationPlan {
  /** Short description: becomes the file name slug and the header comment. */
  title: string;
  /** The forward SQL (complete statements). */
  up: string;
  /** The rollback SQL, written where the convention has down migrations. */
  down?: string;
  /**
   * The statement the change belongs to: in a project without a migration convention the SQL is
   * inserted right after it.
   */
  anchor: Statement;
  /**
   * The SQL cannot run inside a transaction (CREATE INDEX CONCURRENTLY): tells the migration tool so
   * where it has a way (Diesel `metadata.toml`, a Flyway script configuration file).
   */
  nonTransactional?: boolean;
  /** The lock_timeout a new migration file starts with when it locks a table (`migrations.lockTimeout`; default '5s'). */
  lockTimeout?: string;
}

export interface Placement {
  edits: TextEdit[];
  /** 'new-file' or 'inline'. */
  mode: 'new-file' | 'inline';
  convention: Convention;
  /** Project key of the up migration (new-file mode) or of the anchor's file. */
  path: string;
}

/** An edit inserting new statements on their own line right after `stmt`. */
export function insertAfterStatement(stmt: Statement, sql: string): TextEdit {
  const text = stmt.file.text;
  const closed = text.slice(stmt.start, stmt.end).trimEnd().endsWith(';');
  return { path: stmt.file.path, start: stmt.end, end: stmt.end, newText: `${closed ? '' : ';'}\n${sql}` };
}

function sepOf(key: string): string { return key.includes('/') ? '/' : '\\'; }
/** The folder part of a project key (path or URI), `/` or `\\` separated. */
export function dirOf(key: string): string {
  const i = Math.max(key.lastIndexOf('/'), key.lastIndexOf('\\'));
  return i < 0 ? '' : key.slice(0, i);
}
export function baseOf(key: string): string {
  const i = Math.max(key.lastIndexOf('/'), key.lastIndexOf('\\'));
  return key.slice(i + 1);
}

/** File names directly in `dir`, plus its subdirectories that hold a file (with a trailing `/`). */
export function entriesOf(files: readonly SourceFile[], dir: string): string[] {
  const out = new Set<string>();
  for (const f of files) {
    const d = dirOf(f.path);
    if (d === dir) out.add(baseOf(f.path));
    else if (dirOf(d) === dir) out.add(`${baseOf(d)}/`);
  }
  return [...out];
}

type Folder = { dir: string; convention: Convention; entries: string[] };
/** Per files array (Project.order() returns the same array until a file changes): fixes ask often. */
const folderCache = new WeakMap<readonly SourceFile[], Folder | null>();

/** The folder new migrations go to and its convention, or undefined when the project has none. */
export function migrationFolder(files: readonly SourceFile[]): Folder | undefined {
  const hit = folderCache.get(files);
  if (hit !== undefined) return hit ?? undefined;
  const found = findMigrationFolder(files);
  folderCache.set(files, found ?? null);
  return found;
}

function findMigrationFolder(files: readonly SourceFile[]): Folder | undefined {
  const ups = files.filter((f) => f.replayed && !f.skipped);
  // The folder of the newest file that lies in a migration folder (numbered, Flyway, ...), or its
  // parent for Diesel's <dir>/up.sql. Files elsewhere (queries/report.sql sorting after
  // migrations/) do not hide the migrations.
  const seen = new Set<string>();
  for (let i = ups.length - 1; i >= 0; i--) {
    for (const dir of [dirOf(ups[i].path), dirOf(dirOf(ups[i].path))]) {
      if (seen.has(dir)) continue;
      seen.add(dir);
      const entries = entriesOf(files, dir);
      const d = detectConvention(entries);
      if (d.convention !== 'plain') return { dir, convention: d.convention, entries };
    }
  }
  return undefined;
}

/**
 * golang-migrate sends a file to PostgreSQL as one query string (unless the driver runs with
 * x-multi-statement=true), and PostgreSQL runs a multi-statement query as one implicit transaction,
 * which CONCURRENTLY refuses. One statement alone in its file is fine; with several, say what to do.
 */
function golangMigrateNote(sql: string): string {
  const statements = splitStatements(sql).statements;
  const total = statements.length;
  const concurrent = statements.filter((s) => /\bconcurrently\b/i.test(s.text)).length;
  if (total <= 1) {
    return '-- Keep this statement alone in its file: golang-migrate sends a file as one query, and PostgreSQL\n'
      + '-- runs a multi-statement query as one implicit transaction, which CONCURRENTLY refuses.\n';
  }
  return `-- ${concurrent} of these ${total} statements use CONCURRENTLY. golang-migrate sends a file as one query,\n`
    + '-- and PostgreSQL runs a multi-statement query as one implicit transaction, which CONCURRENTLY\n'
    + '-- refuses: run this migration with x-multi-statement=true (statements are then sent one at a\n'
    + '-- time), or split it into one migration per statement.\n';
}


/** Statements that wait for a lock blocking writes (see rules/migration/locks.ts, missing-lock-timeout). */
const LOCKING = [
  /^alter\s+table\b/i, /^create\s+(unique\s+)?index\s+(?!concurrently\b)/i, /^drop\s+(table|materialized\s+view)\b/i,
  /^drop\s+index\s+(?!concurrently\b)/i, /^(truncate|cluster|lock)\b/i, /^vacuum\s*\(?\s*full\b/i,
  /^refresh\s+materialized\s+view\s+(?!concurrently\b)/i, /^create\s+(or\s+replace\s+)?(constraint\s+)?trigger\b/i,
  /^reindex\s+(?!\(\s*concurrently\b)(?!\w+\s+concurrently\b)/i,
];
const VALIDATE_ONLY = /^alter\s+table\s+(if\s+exists\s+)?(only\s+)?[\w."]+\s+validate\s+constraint\s+[\w"]+\s*;?\s*$/i;

/**
 * `SET lock_timeout = '...';` for a migration DB Engineer writes whose statements wait for a lock
 * that blocks writes: it follows its own missing-lock-timeout rule. Not in a golang-migrate file that
 * must run outside a transaction (one more statement would make it one implicit transaction).
 */
function lockTimeoutLine(sql: string, plan: MigrationPlan, convention: Convention, tool?: string): string {
  // lock_timeout is PostgreSQL's: a MySQL migration gets none (MySQL's lock_wait_timeout is another setting)
  if (plan.anchor.file.dialect?.family === 'mysql') return '';
  if (plan.nonTransactional && convention === 'golang-migrate') return '';
  if (/\block_timeout\b/i.test(sql)) return ''; // the plan sets its own (expand-contract's switch step)
  const locks = splitStatements(sql).statements.some((s) => !VALIDATE_ONLY.test(s.text.trim()) && LOCKING.some((r) => r.test(s.text.trim())));
  if (!locks) return '';
  // In a transaction the tool opens (or a file it sends as one query) SET LOCAL ends with it. Anywhere
  // else a plain SET would stay on the tool's connection for the migrations after this one (a later
  // CREATE INDEX CONCURRENTLY that times out leaves an INVALID index): the file resets it (lockTimeoutEnd).
  return `SET ${inTransactionRun(plan, tool) ? 'LOCAL ' : ''}lock_timeout = '${plan.lockTimeout ?? '5s'}';\n`;
}

/** Tools that run a migration file inside a transaction, or as one query (an implicit transaction). */
const TRANSACTION_TOOLS = new Set(['flyway', 'diesel', 'goose', 'dbmate', 'pop', 'prisma', 'golang-migrate', 'postgrator', 'supabase']);
function inTransactionRun(plan: MigrationPlan, tool: string | undefined): boolean {
  return !plan.nonTransactional && !!tool && TRANSACTION_TOOLS.has(tool);
}

/** `RESET lock_timeout;` after a migration whose plain SET would otherwise outlive it. */
function lockTimeoutEnd(head: string): string {
  return head.startsWith('SET lock_timeout') ? '\nRESET lock_timeout;\n' : '';
}

/**
 * goose splits a file at every line that ends with `;` unless the statement sits between
 * `-- +goose StatementBegin` and `-- +goose StatementEnd` (internal/sqlparser/parser.go): a statement
 * holding a dollar-quoted body (DO, CREATE FUNCTION) gets those markers.
 */
function gooseBlocks(sql: string): string {
  const stmts = splitStatements(sql).statements;
  if (!stmts.some((st) => /\$[A-Za-z_]*\$/.test(st.text))) return sql;
  let out = '', at = 0;
  for (const st of stmts) {
    if (!/\$[A-Za-z_]*\$/.test(st.text)) continue;
    out += sql.slice(at, st.start) + `-- +goose StatementBegin\n${sql.slice(st.start, st.end)}\n-- +goose StatementEnd`;
    at = st.end;
  }
  return out + sql.slice(at);
}

/**
 * The edits that put `plan` into the project (files in migration order). `newFile`: a new migration
 * even when the folder holds only one file so far (the agent's write_migration never edits a file);
 * the quick fixes leave it off and edit a lone file in place.
 */
export function placeMigration(files: readonly SourceFile[], plan: MigrationPlan, o: { newFile?: boolean } = {}): Placement {
  const folder = migrationFolder(files);
  if (!folder || (files.length < 2 && !o.newFile)) {
    return { edits: [insertAfterStatement(plan.anchor, plan.up)], mode: 'inline', convention: folder?.convention ?? 'plain', path: plan.anchor.file.path };
  }
  return placeInFolder(folder, plan, toolOf(files, folder.dir)).placement;
}

/** The tool the folder's files were detected for (engine/conventions.ts): goose and dbmate files need their section markers. */
function toolOf(files: readonly SourceFile[], dir: string): string | undefined {
  return files.find((f) => f.migration?.set !== undefined && (dirOf(f.path) === dir || dirOf(dirOf(f.path)) === dir))?.migration?.convention;
}

function placeInFolder(folder: { dir: string; convention: Convention; entries: string[] }, plan: MigrationPlan, tool?: string): { placement: Placement; name: MigrationName } {
  let name = nextMigrationName(folder.entries, plan.title);
  if (tool === 'pop') {
    // pop (popx/match.go): the dialect infix keeps the SQL to PostgreSQL (a bare X.up.sql runs on every
    // database the project supports), and `.autocommit` runs it outside pop's transaction
    // `.autocommit` is ory/x popx's; gobuffalo pop (supabase auth) would not read such a name: only in a
    // folder that already uses it (a CONCURRENTLY migration elsewhere is dropped by the engine)
    const autocommit = plan.nonTransactional && folder.entries.some((e) => /\.autocommit\.(up|down)\.sql$/i.test(e));
    const infix = `.${plan.anchor.file.dialect?.family === 'mysql' ? 'mysql' : 'postgres'}${autocommit ? '.autocommit' : ''}`;
    name = { ...name, up: name.up.replace(/\.up\.sql$/i, `${infix}.up.sql`), down: name.down?.replace(/\.down\.sql$/i, `${infix}.down.sql`) };
  }
  // the anchor's path tells the separator when the folder's own name has none (a relative `m`)
  const sep = sepOf(/[\\/]/.test(folder.dir) ? folder.dir : plan.anchor.file.path);
  const join = (rel: string) => (folder.dir ? folder.dir + sep : '') + rel.split('/').join(sep);
  const header = `-- ${plan.title.replace(/\s+/g, ' ')}\n-- Written by DB Engineer.`;
  const edits: TextEdit[] = [];
  const note = (sql: string) => (plan.nonTransactional && folder.convention === 'golang-migrate' && (!tool || tool === 'golang-migrate') ? golangMigrateNote(sql) : '');
  if (tool === 'goose' || tool === 'dbmate') {
    // one file, the rollback in its down section; the tool's own switch for running without a transaction
    const down = plan.down?.trim() || '-- Nothing to undo.';
    const lock = plan.nonTransactional ? '' : lockTimeoutLine(plan.up, plan, folder.convention, tool);
    const text = tool === 'goose'
      ? `${plan.nonTransactional ? '-- +goose NO TRANSACTION\n' : ''}-- +goose Up\n${header}\n${lock}${gooseBlocks(plan.up.trim())}\n${lockTimeoutEnd(lock)}\n-- +goose Down\n${gooseBlocks(down)}\n`
      : `-- migrate:up${plan.nonTransactional ? ' transaction:false' : ''}\n${header}\n${lock}${plan.up.trim()}\n${lockTimeoutEnd(lock)}\n-- migrate:down\n${down}\n`;
    edits.push({ path: join(name.up), start: 0, end: 0, newText: text, create: true });
    return { placement: { edits, mode: 'new-file', convention: folder.convention, path: join(name.up) }, name };
  }
  if (tool === 'prisma') {
    // Prisma runs <timestamp>_<name>/migration.sql (one query, no rollback file): a Diesel-like folder
    // name with Prisma's file in it
    const dir = name.up.slice(0, name.up.lastIndexOf('/'));
    const up = `${dir}/migration.sql`;
    const lock = plan.nonTransactional ? '' : lockTimeoutLine(plan.up, plan, folder.convention, tool);
    const one = plan.nonTransactional ? '-- Keep this statement alone in its file: Prisma sends a migration as one query, which\n-- PostgreSQL runs as one transaction when it holds several statements, and CONCURRENTLY refuses that.\n' : '';
    edits.push({ path: join(up), start: 0, end: 0, newText: `${header}\n${one}\n${lock}${plan.up.trim()}\n`, create: true });
    return { placement: { edits, mode: 'new-file', convention: folder.convention, path: join(up) }, name: { ...name, up, down: undefined } };
  }
  const lock = lockTimeoutLine(plan.up, plan, folder.convention, tool);
  edits.push({ path: join(name.up), start: 0, end: 0, newText: `${header}\n${note(plan.up)}\n${lock}${plan.up.trim()}\n${lockTimeoutEnd(lock)}`, create: true });
  if (name.down && hasDown(folder.convention)) {
    const down = plan.down?.trim() || '-- Nothing to undo.';
    edits.push({ path: join(name.down), start: 0, end: 0, newText: `-- Rollback: ${plan.title.replace(/\s+/g, ' ')}\n${note(down)}\n${down}\n`, create: true });
  }
  if (plan.nonTransactional) {
    if (folder.convention === 'diesel') {
      const dir = name.up.slice(0, name.up.lastIndexOf('/'));
      edits.push({ path: join(`${dir}/metadata.toml`), start: 0, end: 0, newText: 'run_in_transaction = false\n', create: true });
    } else if (folder.convention === 'flyway') {
      edits.push({ path: join(`${name.up}.conf`), start: 0, end: 0, newText: 'executeInTransaction=false\n', create: true });
    }
  }
  return { placement: { edits, mode: 'new-file', convention: folder.convention, path: join(name.up) }, name };
}

/** Flyway repeatable migrations (`R__views.sql`): re-applied whenever their text changes. */
const REPEATABLE = /^R__.+\.sql$/;

/** The newest replayed file of the migrations folder (the migration being written), if any. */
export function newestMigration(files: readonly SourceFile[]): SourceFile | undefined {
  const folder = migrationFolder(files);
  if (!folder) return undefined;
  const all = files.filter((f) => f.replayed && !f.skipped && (dirOf(f.path) === folder.dir || dirOf(dirOf(f.path)) === folder.dir));
  // the tool's own order (engine/conventions.ts) when the folder is one of its sets: its last up
  const inSet = all.filter((f) => f.migration?.set !== undefined && f.migration.role === 'up' && !f.createdByFix);
  if (inSet.length) return inSet[inSet.length - 1];
  // migrations fixes created during this --fix run come after the one being written: it stays that one
  const written = all.filter((f) => !f.createdByFix && !REPEATABLE.test(baseOf(f.path)));
  const ups = written.length ? written : all;
  // Unpadded versions (1_a, 9_b, 100_c) sort 100_c before 9_b in path order: the newest is the one
  // with the highest version number, when every file has one (a later file wins a tie: Diesel's dates)
  let newest = ups[ups.length - 1];
  let best = -1n;
  for (const f of ups) {
    const name = dirOf(f.path) === folder.dir ? baseOf(f.path) : baseOf(dirOf(f.path));
    const m = /^[Vv]?(\d+)/.exec(name);
    if (!m) return ups[ups.length - 1];
    const v = BigInt(m[1]);
    if (v >= best) { best = v; newest = f; }
  }
  return newest;
}

/**
 * True when `file` is a migration that has already run somewhere, so a fix must not edit it: the
 * databases where it ran never see the edit, and the file would then lie about them. In a project
 * whose migrations follow a convention that is every replayed file except the newest migration (the
 * one being written); in a project with down migrations but no known naming convention, every
 * replayed file (which one is being written cannot be told). One schema file, or files with neither a
 * convention nor downs: false. A down migration counts as applied when its up migration does (or,
 * without one, when the project's migrations do); other files that are not replayed (queries) never.
 */
export function isAppliedMigration(files: readonly SourceFile[], file: SourceFile): boolean {
  if (file.createdByFix) return false;
  // a file of a migration set the project's tool was recognised for (engine/conventions.ts): judged
  // by that set's own order, so a project with several sets (two databases) has a newest in each
  const sets = appliedInSets(files);
  if (file.migration?.set !== undefined && file.migration.convention !== 'plain') return sets.applied.has(file.path);
  // a Flyway repeatable migration runs again whenever it changes: editing it is how it is changed
  if (REPEATABLE.test(baseOf(file.path))) return false;
  if (file.isDown) {
    // a rollback belongs to its up migration: editing the rollback of an applied migration (with what
    // the final schema knows) can break the one step that has to work when a deploy goes wrong
    const up = upPathOf(file.path);
    const pair = up ? files.find((f) => f.path === up) : undefined;
    if (pair) return isAppliedMigration(files, pair);
    return !placesInline(files) || files.some((f) => f.isDown);
  }
  if (!file.replayed) return false;
  // a file outside every recognised migration set (queries/report.sql beside migrations/) is no migration
  if (sets.any) return false;
  const folder = migrationFolder(files);
  if (folder && files.length >= 2) {
    if (dirOf(file.path) !== folder.dir && dirOf(dirOf(file.path)) !== folder.dir) return false;
    return newestMigration(files)?.path !== file.path;
  }
  return files.some((f) => f.isDown);
}

/**
 * Why DB Engineer never edits `file` (formatting, fixes), whichever migration is the newest, or
 * undefined. A Prisma migration.sql: `prisma migrate dev` applies a migration when it creates it, and
 * a changed one makes Prisma report "migration was modified after it was applied" and offer to reset
 * the database. A Flyway repeatable migration (R__): a changed checksum makes Flyway run it again (a
 * seed INSERT in it runs twice).
 */
export function neverEdited(file: SourceFile): string | undefined {
  if (file.createdByFix) return undefined;
  if (file.migration?.convention === 'prisma' || (/^migration\.sql$/i.test(baseOf(file.path)) && /^\d{14}_/.test(baseOf(dirOf(file.path))))) {
    return 'a Prisma migration: prisma migrate dev applied it when it created it, and Prisma reports a changed one as "modified after it was applied" and offers to reset the database';
  }
  if (file.migration?.role === 'repeatable' || REPEATABLE.test(baseOf(file.path))) {
    return 'a Flyway repeatable migration: a change to its text changes its checksum, and Flyway runs it again (its INSERTs repeat)';
  }
  return undefined;
}

const appliedCache = new WeakMap<readonly SourceFile[], { applied: Set<string>; any: boolean }>();

/**
 * Whether the project has recognised migration sets (`any`), and the paths of their applied files: every up but the last of its set (in
 * the tool's order; files a --fix run created do not count), the rollbacks of those ups (a rollback
 * with no up it undoes, too), and files the tool does not run as a forward step of this database
 * (sqitch verify scripts, other dialects, reworked copies, skipped names: not DB Engineer's to edit).
 * Flyway repeatables are edited as they are (Flyway runs them again when they change). A Rails
 * structure.sql and a full schema beside versioned migrations are dumps of what ran: applied.
 */
function appliedInSets(files: readonly SourceFile[]): { applied: Set<string>; any: boolean } {
  const hit = appliedCache.get(files);
  if (hit) return hit;
  const any = files.some((f) => f.migration?.set !== undefined && f.migration.convention !== 'plain');
  const last = new Map<string, string>();
  for (const f of files) {
    const m = f.migration;
    if (m?.set !== undefined && m.role === 'up' && !f.createdByFix && !f.skipped) last.set(m.set, f.path);
  }
  const applied = new Set<string>();
  for (const f of files) {
    const m = f.migration;
    if (m?.set === undefined || f.createdByFix) continue;
    // a Rails structure.sql is a dump of the applied schema that Rails writes (schema_migrations rows
    // included): never edited by a fix, like a full schema beside versioned migrations
    if (m.convention === 'rails-structure' || m.role === 'install-alternative') applied.add(f.path);
    else if (m.role === 'up') { if (last.get(m.set) !== f.path) applied.add(f.path); }
    else if (m.role !== 'down' && m.role !== 'repeatable' && m.role !== 'plain') applied.add(f.path);
  }
  for (const f of files) {
    const m = f.migration;
    if (m?.set === undefined || m.role !== 'down' || f.createdByFix) continue;
    if (!m.undoes || applied.has(m.undoes)) applied.add(f.path);
  }
  const out = { applied, any };
  appliedCache.set(files, out);
  return out;
}

/** The up migration paired with a down migration's path (`x.down.sql`, `x_down.sql`, `x/down.sql`). */
function upPathOf(path: string): string | undefined {
  const m = /(^|[\\/._-])(down)(\.sql)$/i.exec(path);
  if (!m) return undefined;
  const up = m[2] === 'DOWN' ? 'UP' : 'up';
  return path.slice(0, m.index) + m[1] + up + m[3];
}

/** A new migration's name for a fix title: the file name, with its folder when the name is generic (Diesel's `<dir>/up.sql`). */
export function migrationLabel(key: string): string {
  const base = baseOf(key);
  return /^(up|down|migration)\.sql$/i.test(base) ? `${baseOf(dirOf(key))}/${base}` : base;
}

/** True when placeMigration(s) put SQL inline (after its anchor) rather than into new files. */
export function placesInline(files: readonly SourceFile[]): boolean {
  return files.length < 2 || !migrationFolder(files);
}

/**
 * Several migrations that must run one after the other (e.g. an expand step, then the contract step
 * that drops what it replaced): in a convention project, consecutive new files, each named after the
 * one before (one Placement per plan); without a convention, the SQL of every plan inline after its
 * anchor, plans that share an anchor joined in order into one insertion (one Placement per anchor;
 * rollbacks are not written there).
 */
export function placeMigrations(files: readonly SourceFile[], plans: readonly MigrationPlan[]): Placement[] {
  if (plans.length === 0) return [];
  const folder = migrationFolder(files);
  if (!folder || files.length < 2) {
    const byAnchor = new Map<Statement, string[]>();
    for (const p of plans) byAnchor.set(p.anchor, [...(byAnchor.get(p.anchor) ?? []), p.up.trim()]);
    return [...byAnchor].map(([anchor, ups]) => ({
      edits: [insertAfterStatement(anchor, ups.join('\n\n'))], mode: 'inline' as const, convention: folder?.convention ?? 'plain', path: anchor.file.path,
    }));
  }
  const entries = [...folder.entries];
  const tool = toolOf(files, folder.dir);
  return plans.map((plan) => {
    const { placement, name } = placeInFolder({ ...folder, entries }, plan, tool);
    // the next plan is named after this one
    if (name.up.includes('/')) entries.push(name.up.slice(0, name.up.indexOf('/') + 1));
    else entries.push(name.up, ...(name.down ? [name.down] : []));
    return placement;
  });
}
