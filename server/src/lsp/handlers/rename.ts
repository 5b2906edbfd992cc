// Rename Symbol for tables, views and columns of the project's schema.
// - Query files (every SQL file that is not a migration) get their uses edited in place.
// - In a migrations project, migrations are never edited: the rename is written as a new migration
//   (ALTER TABLE … RENAME …, with its rollback where the convention keeps down files), placed like
//   the quick fixes' migrations (engine/placement.ts), and the edits carry the expand/contract warning
//   of breaking-rename as a change annotation that needs confirmation (VS Code's Refactor Preview).
// - In a project without migrations (a schema file and queries), the schema file is the source of
//   truth: it is edited in place too, with an annotation saying that a database already built from it
//   keeps the old name.
// A new name that is not an identifier, or that is taken, or uses the old name that DB Engineer cannot
// all find (a column name it cannot resolve for sure, a function body), is refused with a message and
// no edit: a rename that leaves a query broken is worse than none.
import {
  LSPErrorCodes, ResponseError, ErrorCodes,
  type AnnotatedTextEdit, type ChangeAnnotation, type PrepareRenameParams, type Range, type RenameParams, type TextEdit, type WorkspaceEdit,
} from 'vscode-languageserver';
import { statementAt } from '../../engine/suppress';
import { dirOf, migrationFolder, migrationLabel, placeMigration } from '../../engine/placement';
import type { SourceFile } from '../../model';
import { columnRenameWarning, relationRenameWarning } from '../../rules/migration/breaking-rename';
import { tableKey, type Table } from '../../schema';
import { quoteIdent } from '../../sql/ident';
import { identName } from '../../sql/references';
import type { IndexedRef, ReferenceIndex, SymbolInfo } from '../references-index';
import type { DbeServer } from '../server';
import { referenceAt } from './references';

export const NOT_RENAMEABLE = "Only tables, views and columns of the project's schema can be renamed.";

export function register(server: DbeServer): void {
  server.connection.onPrepareRename(guarded(server, 'prepareRename', (p: PrepareRenameParams) => prepareRename(server, p)));
  server.connection.onRenameRequest(guarded(server, 'rename', (p: RenameParams) => rename(server, p)));
}

/** Like server.ts guard, but a refusal (ResponseError) reaches the client, which shows its message. */
function guarded<P, R>(server: DbeServer, where: string, fn: (p: P) => R | Promise<R>): (p: P, token?: { isCancellationRequested: boolean }) => Promise<R | null> {
  return async (p, token) => {
    if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, `${where}: cancelled`);
    try { return await fn(p); } catch (e) {
      if (e instanceof ResponseError) throw e;
      server.error(where, e);
      throw new ResponseError(ErrorCodes.InternalError, `${where} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
}

const refuse = (message: string) => new ResponseError(ErrorCodes.InvalidRequest, message);

interface Target { at: NonNullable<Awaited<ReturnType<typeof referenceAt>>>; sym: SymbolInfo & { table: Table }; oldName: string }

async function target(server: DbeServer, uri: string, position: { line: number; character: number }): Promise<Target> {
  if (!server.settings.enable) throw refuse('DB Engineer is disabled (dbEngineer.enable).');
  if (!server.ready) throw refuse('DB Engineer is still indexing the workspace: try again in a moment.');
  const at = await referenceAt(server, uri, position);
  const sym = at && at.index.symbols.get(at.ref.id);
  if (!at || !sym?.table || (sym.kind === 'column' && !sym.column)) throw refuse(NOT_RENAMEABLE);
  return { at, sym: sym as Target['sym'], oldName: sym.column?.name ?? sym.table.name };
}

export async function prepareRename(server: DbeServer, params: PrepareRenameParams): Promise<{ range: Range; placeholder: string }> {
  const { at, oldName } = await target(server, params.textDocument.uri, params.position);
  return { range: at.file.lines.range(at.ref.start, at.ref.end), placeholder: oldName };
}

/** The name PostgreSQL would store for what the user typed, or a refusal. */
export function parseNewName(raw: string): string {
  const s = raw.trim();
  let name: string;
  if (/^"(?:[^"]|"")+"$/.test(s)) name = s.slice(1, -1).replace(/""/g, '"');
  else if (/^[A-Za-z_][A-Za-z0-9_$]*$/.test(s)) name = s.toLowerCase();
  else throw refuse(`"${raw}" is not a valid name: use letters, digits, _ and $ (not first), or a double-quoted name.`);
  if (Buffer.byteLength(name, 'utf8') > 63) throw refuse(`"${name}" is longer than 63 bytes: PostgreSQL would cut it short.`);
  return name;
}

const q = (s: string) => '`' + s + '`';
const qualified = (t: Table) => (t.schema === 'public' ? quoteIdent(t.name) : `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
const display = (t: Table) => (t.schema === 'public' ? t.name : `${t.schema}.${t.name}`);
const kindWord = (t: Table) => (t.kind === 'matview' ? 'materialized view' : t.kind);
const alterWord = (t: Table) => (t.kind === 'matview' ? 'ALTER MATERIALIZED VIEW' : t.kind === 'view' ? 'ALTER VIEW' : 'ALTER TABLE');
const WORD = (w: string) => new RegExp(`(^|[^A-Za-z0-9_$])${w.replace(/[$]/g, '\\$')}([^A-Za-z0-9_$]|$)`, 'i');

function lineOf(file: SourceFile, offset: number): number { return file.lines.range(offset, offset).start.line + 1; }

export async function rename(server: DbeServer, params: RenameParams): Promise<WorkspaceEdit> {
  const { at, sym, oldName } = await target(server, params.textDocument.uri, params.position);
  const { folder, index } = at;
  const project = folder.project;
  const newName = parseNewName(params.newName);
  const t = sym.table;
  if (newName === oldName) throw refuse(`${q(newName)} is already its name.`);
  if (sym.kind === 'column') {
    if (t.columns.has(newName)) throw refuse(`${kindWord(t)} ${q(display(t))} already has a column ${q(newName)}.`);
  } else {
    const key = tableKey(t.schema, newName);
    if (index.schema.tables.has(key)) throw refuse(`A ${kindWord(index.schema.tables.get(key)!)} ${q(key.startsWith('public.') ? newName : key)} already exists.`);
    if (index.schema.indexes.has(key)) throw refuse(`An index ${q(newName)} already exists in schema ${q(t.schema)} (tables and indexes share names).`);
  }

  const order = project.order();
  const migFolder = order.length >= 2 ? migrationFolder(order) : undefined;
  const isMigration = (f: SourceFile) => f.migration?.set !== undefined || (!!migFolder && (dirOf(f.path) === migFolder.dir || dirOf(dirOf(f.path)) === migFolder.dir));
  const refs = index.refsOf(sym.id);
  const byFile = new Map<string, IndexedRef[]>();
  for (const r of refs) byFile.set(r.path, [...(byFile.get(r.path) ?? []), r]);

  const edits = new Map<string, TextEdit[]>();
  const newText = quoteIdent(newName);
  for (const [path, list] of byFile) {
    const file = project.getFile(path);
    if (!file || (migFolder && isMigration(file))) continue;
    if (file.skipped) throw refuse(`${project.relativePath(path)} was not analysed (${file.skipped}): DB Engineer cannot rename its uses.`);
    for (const r of list) {
      const written = identName(file.text.slice(r.start, r.end));
      if (written !== oldName) {
        throw refuse(`${project.relativePath(path)}:${lineOf(file, r.start)} names it ${q(written)} (renamed since): rename it by hand, or write the rename as a migration.`);
      }
      const l = edits.get(path) ?? [];
      l.push({ range: file.lines.range(r.start, r.end), newText });
      edits.set(path, l);
    }
  }
  checkNothingLeft(project.relativePath.bind(project), index, sym, oldName, order.filter((f) => !(migFolder && isMigration(f)) && !f.skipped));

  const annotations = server.support.changeAnnotations === true;
  const warning = sym.kind === 'column'
    ? columnRenameWarning(display(t), oldName, newName, t.kind !== 'table')
    : relationRenameWarning(kindWord(t), display(t), t.name, newName);
  const ANN = 'dbe.rename';
  const changeAnnotations: Record<string, ChangeAnnotation> = {};

  if (!migFolder) {
    // no migrations: edit the schema file (the source of truth) and the queries in place
    if (!edits.size) throw refuse(`No use of ${q(oldName)} to rename.`);
    const declares = new Set(refs.filter((r) => r.declaration).map((r) => r.path));
    const schemaFiles = [...edits.keys()].filter((p) => declares.has(p));
    if (annotations && schemaFiles.length) {
      changeAnnotations[ANN] = {
        label: `Rename ${q(oldName)} to ${q(newName)}`, needsConfirmation: true,
        description: `${schemaFiles.map((p) => project.relativePath(p)).join(', ')} is edited in place: a database already built from it keeps the old name until an ALTER … RENAME runs there. ${warning}`,
      };
    }
    return build(server, edits, [], annotations && schemaFiles.length ? ANN : undefined, changeAnnotations, (p) => declares.has(p));
  }

  // a migrations project: the rename is a new migration
  if (project.migrationPlan().sets.some((s) => s.convention === 'sqitch')) {
    throw refuse('This project uses sqitch: add the rename with `sqitch add` (deploy, revert and verify scripts); DB Engineer does not write sqitch changes.');
  }
  if (!server.support.createFiles) throw refuse('The rename has to be written as a new migration, and this editor cannot create files through the language server.');
  const column = sym.column;
  const up = column
    ? `${alterWord(t)} ${qualified(t)} RENAME COLUMN ${quoteIdent(oldName)} TO ${newText};`
    : `${alterWord(t)} ${qualified(t)} RENAME TO ${newText};`;
  const renamedTable = column ? qualified(t) : (t.schema === 'public' ? newText : `${quoteIdent(t.schema)}.${newText}`);
  const down = column
    ? `${alterWord(t)} ${renamedTable} RENAME COLUMN ${newText} TO ${quoteIdent(oldName)};`
    : `${alterWord(t)} ${renamedTable} RENAME TO ${quoteIdent(oldName)};`;
  const anchorRef = refs.find((r) => r.declaration) ?? refs[0];
  const anchorFile = anchorRef && project.getFile(anchorRef.path);
  const anchor = anchorFile && statementAt(anchorFile, anchorRef.start);
  if (!anchor) throw refuse(NOT_RENAMEABLE);
  const title = column ? `rename ${display(t)}.${oldName} to ${newName}` : `rename ${kindWord(t)} ${display(t)} to ${newName}`;
  const placed = placeMigration(order, { title, up, down, anchor, lockTimeout: project.config.migrations.lockTimeout });
  if (placed.mode !== 'new-file') throw refuse('DB Engineer cannot tell how to name a new migration in this project: write the rename migration by hand.');
  if (annotations) {
    changeAnnotations[ANN] = {
      label: `Rename ${q(oldName)} to ${q(newName)} in a new migration ${migrationLabel(placed.path)}`, needsConfirmation: true,
      description: warning,
    };
  }
  return build(server, edits, placed.edits.filter((e) => e.create), annotations ? ANN : undefined, changeAnnotations, () => true);
}

/**
 * Refuses when a file that would be edited still uses the old name where DB Engineer cannot tell
 * what it refers to: a column name it could not resolve for sure in a statement that uses the table,
 * or a function body (not parsed as SQL here) that mentions both.
 */
function checkNothingLeft(rel: (p: string) => string, index: ReferenceIndex, sym: Target['sym'], oldName: string, files: SourceFile[]): void {
  const tableId = sym.kind === 'column' ? sym.id.slice(0, sym.id.indexOf('.')) : sym.id;
  const usesTable = (r: IndexedRef) => r.id === tableId || r.id.startsWith(`${tableId}.`);
  for (const f of files) {
    const refs = index.byFile.get(f.path) ?? [];
    if (sym.kind === 'column') {
      for (const u of index.unresolved.get(f.path) ?? []) {
        if (u.name !== oldName) continue;
        const stmt = statementAt(f, u.start);
        if (stmt && refs.some((r) => r.start >= stmt.start && r.end <= stmt.end && usesTable(r))) {
          throw refuse(`${rel(f.path)}:${lineOf(f, u.start)} uses a column ${q(oldName)} that DB Engineer cannot tie to one table (USING, or several tables in scope): qualify it, or rename by hand.`);
        }
      }
    }
    for (const s of f.statements) {
      if (s.kind !== 'CreateFunctionStmt' && s.kind !== 'DoStmt') continue;
      // every use of the old name in a body must be one the walk resolved (to anything)
      const re = new RegExp(WORD(oldName).source, 'gi');
      for (let m = re.exec(s.text); m; m = re.exec(s.text)) {
        const at = s.start + m.index + m[1].length;
        re.lastIndex = m.index + m[1].length + oldName.length;
        if (refs.some((r) => r.start <= at && at < r.end)) continue;
        if (sym.kind === 'column' && !WORD(sym.table.name).test(s.text)) continue;
        throw refuse(`${rel(f.path)}:${lineOf(f, at)} has ${q(oldName)} in a function body where DB Engineer cannot tell what it names (dynamic SQL, a string, a variable): rename by hand.`);
      }
    }
  }
}

function build(
  server: DbeServer, edits: Map<string, TextEdit[]>, creates: { path: string; newText: string }[],
  annotation: string | undefined, changeAnnotations: Record<string, ChangeAnnotation>, annotate: (path: string) => boolean,
): WorkspaceEdit {
  const documentChangesOk = server.support.documentChanges === true || creates.length > 0;
  if (!documentChangesOk) {
    const changes: Record<string, TextEdit[]> = {};
    for (const [p, l] of edits) changes[server.clientUri(p)] = l;
    return { changes };
  }
  const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const mark = (e: TextEdit, p: string): TextEdit | AnnotatedTextEdit => (annotation && annotate(p) ? { ...e, annotationId: annotation } : e);
  const documentChanges: NonNullable<WorkspaceEdit['documentChanges']> = [];
  for (const c of creates) {
    const uri = server.clientUri(c.path);
    documentChanges.push({ kind: 'create', uri, options: { overwrite: false, ignoreIfExists: false }, ...(annotation ? { annotationId: annotation } : {}) });
    documentChanges.push({ textDocument: { uri, version: null }, edits: [mark({ range: zero, newText: c.newText }, c.path)] });
  }
  for (const [p, l] of edits) {
    const doc = server.document(p);
    documentChanges.push({ textDocument: { uri: server.clientUri(p), version: doc ? doc.version : null }, edits: l.map((e) => mark(e, p)) });
  }
  return annotation ? { documentChanges, changeAnnotations } : { documentChanges };
}
