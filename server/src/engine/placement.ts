// Where generated migrations go. In a project whose files follow a migration convention (numbered,
// Flyway, golang-migrate/sqlx, timestamped, Diesel), a fix or refactor creates a new migration named
// after the newest one, with its rollback where the convention keeps one. Anywhere else (one schema
// file, or files with no convention) the statements go right after the statement they belong to.
// Paths are the project's keys: absolute paths in the CLI, URI strings in the editor.
import type { SourceFile, Statement, TextEdit } from '../model';
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
function dirOf(key: string): string {
  const i = Math.max(key.lastIndexOf('/'), key.lastIndexOf('\\'));
  return i < 0 ? '' : key.slice(0, i);
}
function baseOf(key: string): string {
  const i = Math.max(key.lastIndexOf('/'), key.lastIndexOf('\\'));
  return key.slice(i + 1);
}

/** File names directly in `dir`, plus its subdirectories that hold a file (with a trailing `/`). */
function entriesOf(files: readonly SourceFile[], dir: string): string[] {
  const out = new Set<string>();
  for (const f of files) {
    const d = dirOf(f.path);
    if (d === dir) out.add(baseOf(f.path));
    else if (dirOf(d) === dir) out.add(`${baseOf(d)}/`);
  }
  return [...out];
}

/** The folder new migrations go to and its convention, or undefined when the project has none. */
export function migrationFolder(files: readonly SourceFile[]): { dir: string; convention: Convention; entries: string[] } | undefined {
  const ups = files.filter((f) => f.replayed && !f.skipped);
  if (ups.length < 1) return undefined;
  const newest = ups[ups.length - 1];
  // The newest migration's folder (numbered, Flyway, ...), or its parent for Diesel's <dir>/up.sql.
  for (const dir of [dirOf(newest.path), dirOf(dirOf(newest.path))]) {
    const entries = entriesOf(files, dir);
    const d = detectConvention(entries);
    if (d.convention !== 'plain') return { dir, convention: d.convention, entries };
  }
  return undefined;
}

/**
 * migrationFolder, or else the folder of the newest replayed file that follows a convention: in a
 * project with migrations/ and a queries/ folder that sorts after it, new migrations still go to
 * migrations/ (placeMigration alone would insert inline there).
 */
function stepsFolder(files: readonly SourceFile[]): { dir: string; convention: Convention; entries: string[] } | undefined {
  const direct = migrationFolder(files);
  if (direct) return direct;
  const seen = new Set<string>();
  const ups = files.filter((f) => f.replayed && !f.skipped);
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

/** True when placeMigrations puts the steps inline (after their anchor) rather than into new files. */
export function placesInline(files: readonly SourceFile[]): boolean {
  return !stepsFolder(files) || files.length < 2;
}

/** The edits that put `plan` into the project (files in migration order). */
export function placeMigration(files: readonly SourceFile[], plan: MigrationPlan): Placement {
  const folder = migrationFolder(files);
  if (!folder || files.length < 2) {
    return { edits: [insertAfterStatement(plan.anchor, plan.up)], mode: 'inline', convention: folder?.convention ?? 'plain', path: plan.anchor.file.path };
  }
  return writeMigration(folder, nextMigrationName(folder.entries, plan.title), plan);
}

/**
 * Several consecutive migrations (e.g. the steps of an expand/contract change), each named as the
 * successor of the one before it, in the folder of the newest migration that follows a convention
 * (see stepsFolder). In a project without a convention the steps are inserted, in order and as one
 * edit, right after the first plan's anchor (their rollbacks are not written there).
 */
export function placeMigrations(files: readonly SourceFile[], plans: readonly MigrationPlan[]): Placement[] {
  if (plans.length === 0) return [];
  const folder = stepsFolder(files);
  if (!folder || files.length < 2) {
    const anchor = plans[0].anchor;
    const up = plans.map((p) => p.up.trim()).join('\n\n');
    return [{ edits: [insertAfterStatement(anchor, up)], mode: 'inline', convention: folder?.convention ?? 'plain', path: anchor.file.path }];
  }
  const entries = [...folder.entries];
  return plans.map((plan) => {
    const name = nextMigrationName(entries, plan.title);
    // the chosen name becomes an entry, so the next plan is named after it
    const top = name.up.includes('/') ? `${name.up.slice(0, name.up.indexOf('/'))}/` : name.up;
    entries.push(top);
    if (name.down && !name.up.includes('/')) entries.push(name.down);
    return writeMigration(folder, name, plan);
  });
}

function writeMigration(folder: { dir: string; convention: Convention }, name: MigrationName, plan: MigrationPlan): Placement {
  const sep = sepOf(folder.dir || plan.anchor.file.path);
  const join = (rel: string) => (folder.dir ? folder.dir + sep : '') + rel.split('/').join(sep);
  const header = `-- ${plan.title.replace(/\s+/g, ' ')}\n-- Written by DB Engineer.`;
  const edits: TextEdit[] = [];
  const upText = plan.nonTransactional && folder.convention === 'golang-migrate'
    ? `${header}\n-- Keep one statement per file: a multi-statement file runs as one implicit transaction,\n-- which CONCURRENTLY refuses.\n\n${plan.up.trim()}\n`
    : `${header}\n\n${plan.up.trim()}\n`;
  edits.push({ path: join(name.up), start: 0, end: 0, newText: upText, create: true });
  if (name.down && hasDown(folder.convention)) {
    const down = plan.down?.trim() || '-- Nothing to undo.';
    edits.push({ path: join(name.down), start: 0, end: 0, newText: `-- Rollback: ${plan.title.replace(/\s+/g, ' ')}\n\n${down}\n`, create: true });
  }
  if (plan.nonTransactional) {
    if (folder.convention === 'diesel') {
      const dir = name.up.slice(0, name.up.lastIndexOf('/'));
      edits.push({ path: join(`${dir}/metadata.toml`), start: 0, end: 0, newText: 'run_in_transaction = false\n', create: true });
    } else if (folder.convention === 'flyway') {
      edits.push({ path: join(`${name.up}.conf`), start: 0, end: 0, newText: 'executeInTransaction=false\n', create: true });
    }
  }
  return { edits, mode: 'new-file', convention: folder.convention, path: join(name.up) };
}
