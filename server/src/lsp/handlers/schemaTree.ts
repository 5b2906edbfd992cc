// dbEngineer/schemaTree: per workspace folder, the replayed schema (tables, columns, keys, indexes,
// foreign keys, each with where it is defined), the findings that belong to each table, and the
// index recommendations (findings of ADVISOR_RULES) with their first fix as a WorkspaceEdit.
// dbEngineer/indexMigration: one WorkspaceEdit writing every recommendation into one migration per
// folder (../../engine/index-migration.ts).
//
// Which table a finding belongs to: the table(s) its statement defines or alters. A DDL statement
// (CREATE TABLE / INDEX / VIEW / TABLE AS, ALTER TABLE, RENAME) belongs to the tables its target
// names in the final schema; a statement whose target no longer resolves (a table renamed since) or
// that has none (a DO block) belongs to the tables whose current definition (columns, keys,
// constraints, indexes) was written in it. Findings in queries belong to no table.
import { ErrorCodes, ResponseError, type WorkspaceEdit } from 'vscode-languageserver';
import { recommendIndexes } from '../../advisor/indexes';
import { indexMigration } from '../../engine/index-migration';
import type { Project } from '../../engine/project';
import { statementAt } from '../../engine/suppress';
import type { Finding, Loc, SourceFile, Statement } from '../../model';
import type { Schema, Table } from '../../schema';
import type { Config } from '../../config';
import { fixToWorkspaceEdit } from '../convert';
import { runSliced } from '../slices';
import type { Folder } from '../folder';
import {
  ADVISOR_RULES, INDEX_MIGRATION_REQUEST, SCHEMA_TREE_REQUEST,
  type IndexMigrationParams, type IndexMigrationResult, type IndexRecommendation, type LspLocation, type LspWorkspaceEdit,
  type SchemaFinding, type SchemaFolder, type SchemaTable, type SchemaTreeParams, type SchemaTreeResult, type TableKind,
} from '../schema-protocol';
import type { DbeServer } from '../server';

export function register(server: DbeServer): void {
  server.connection.onRequest(SCHEMA_TREE_REQUEST, async (params: SchemaTreeParams) => {
    try { return await schemaTree(server, params ?? {}); } catch (e) {
      server.error('schemaTree', e);
      return new ResponseError(ErrorCodes.InternalError, `The schema could not be built: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  server.connection.onRequest(INDEX_MIGRATION_REQUEST, async (params: IndexMigrationParams) => {
    try { return await writeIndexMigration(server, params ?? {}); } catch (e) {
      server.error('indexMigration', e);
      return new ResponseError(ErrorCodes.InternalError, `The index migration could not be written: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}

/** Every folder's findings, recomputed only when a file or the configuration changed. */
const analyses = new WeakMap<Project, { files: readonly SourceFile[]; config: Config; findings: Map<string, Finding[]> }>();

/**
 * The whole folder's findings. The analysis runs in slices (other requests are answered meanwhile);
 * one overtaken by a change of the project starts again, a few times, and then the request fails
 * with a message rather than answer for files that are no longer there.
 */
async function findingsOf(server: DbeServer, project: Project): Promise<Map<string, Finding[]>> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const files = project.order();
    const hit = analyses.get(project);
    if (hit && hit.config === project.config && hit.files.length === files.length && hit.files.every((f, i) => f === files[i])) return hit.findings;
    const revision = project.revision;
    const findings = await runSliced(project.analyzeSteps(), () => !server.shuttingDown && project.revision === revision);
    for (const e of project.internalErrors.splice(0)) server.error(`rule ${e.rule} (${e.path})`, e.message);
    if (!findings) continue;
    analyses.set(project, { files: files.slice(), config: project.config, findings });
    return findings;
  }
  throw new Error('the workspace kept changing while it was analysed; try again in a moment');
}

function syncOpen(server: DbeServer): void {
  for (const k of server.open.keys()) server.sync(k);
}

function selectFolders(server: DbeServer, uri: string | undefined): Folder[] {
  const all = server.allFolders();
  if (typeof uri !== 'string' || !uri) return all;
  const key = server.key(uri);
  return all.filter((f) => f.uri === key);
}

export async function schemaTree(server: DbeServer, params: SchemaTreeParams): Promise<SchemaTreeResult> {
  if (!server.ready) return { status: 'not-ready', trusted: server.trusted, folders: [] };
  if (!server.settings.enable) return { status: 'disabled', trusted: server.trusted, folders: [] };
  syncOpen(server);
  const folders: SchemaFolder[] = [];
  // the catch-all of files outside every folder only matters when it holds something
  for (const f of selectFolders(server, params.folder).filter((x) => x.uri || x.project.size > 0)) {
    const findings = await findingsOf(server, f.project);
    folders.push(folderTree(server, f, findings)); // at once: the project is the one analysed
  }
  return { status: 'ok', trusted: server.trusted, folders };
}

const DDL_TARGET: Record<string, (n: any) => any[]> = {
  CreateStmt: (n) => [n.relation],
  AlterTableStmt: (n) => (!n.objtype || n.objtype === 'OBJECT_TABLE' ? [n.relation] : []),
  IndexStmt: (n) => [n.relation],
  RenameStmt: (n) => [n.relation],
  ViewStmt: (n) => [n.view],
  CreateTableAsStmt: (n) => [(n.into?.IntoClause ?? n.into)?.rel],
};

/** Statement -> keys of the tables it belongs to (see the header comment). */
function owners(project: Project, schema: Schema): Map<Statement, Set<string>> {
  const out = new Map<Statement, Set<string>>();
  const named = new Set<Statement>();
  for (const file of project.order()) {
    for (const s of file.statements) {
      const targets = s.kind ? DDL_TARGET[s.kind]?.(s.node) : undefined;
      if (!targets) continue;
      for (const rv of targets) {
        const t = rv?.relname ? schema.table(rv.schemaname, rv.relname) : undefined;
        if (!t) continue;
        (out.get(s) ?? out.set(s, new Set()).get(s)!).add(t.key);
        named.add(s);
      }
    }
  }
  const byLoc = (t: Table, loc: Loc | undefined) => {
    if (!loc) return;
    const file = project.getFile(loc.path);
    const s = file && statementAt(file, loc.start);
    if (!s || named.has(s)) return;
    (out.get(s) ?? out.set(s, new Set()).get(s)!).add(t.key);
  };
  for (const t of schema.tables.values()) {
    byLoc(t, t.loc);
    for (const c of t.columns.values()) { byLoc(t, c.loc); byLoc(t, c.typeLoc); }
    byLoc(t, t.primaryKey?.loc);
    for (const fk of t.foreignKeys) byLoc(t, fk.loc);
    for (const ck of t.checks) byLoc(t, ck.loc);
    for (const ix of schema.indexesOf(t)) byLoc(t, ix.loc);
  }
  return out;
}

function kindOf(t: Table): TableKind {
  if (t.kind === 'table' && t.partitioned) return 'partitioned';
  return t.kind;
}

function folderTree(server: DbeServer, folder: Folder, findings: Map<string, Finding[]>): SchemaFolder {
  const project = folder.project;
  const schema = project.schema();
  const uriOf = (k: string) => server.clientUri(k);
  const location = (loc: Loc | undefined): LspLocation | undefined => {
    const file = loc && project.getFile(loc.path);
    return file ? { uri: uriOf(loc.path), range: file.lines.range(loc.start, Math.max(loc.start, loc.end)) } : undefined;
  };
  const own = owners(project, schema);
  const perTable = new Map<string, SchemaFinding[]>();
  const recommendations: IndexRecommendation[] = [];
  const advisor = new Set(ADVISOR_RULES);
  // missing-index reports each query an index serves, and fk-without-index may carry the same index:
  // the tree lists each proposed index once, under the table the index goes on.
  // the schema is the main dialect family's (Project.schema()); its recommendations read that family's files only
  const family = project.mainFamily();
  const famFiles = project.order().filter((f) => f.dialect.family === family);
  const indexTable = new Map(recommendIndexes(famFiles, schema).map((r) => [r.name, r.table.key] as const));
  const seenFix = new Set<string>();
  for (const file of project.order()) {
    for (const f of findings.get(file.path) ?? []) {
      const stmt = statementAt(file, f.start);
      const tables = stmt ? own.get(stmt) : undefined;
      const item: SchemaFinding = { rule: f.rule, severity: f.severity, message: f.message, location: location(f) };
      for (const k of tables ?? []) (perTable.get(k) ?? perTable.set(k, []).get(k)!).push(item);
      if (!advisor.has(f.rule)) continue;
      const fix = f.fixes?.[0];
      if (fix) {
        if (seenFix.has(fix.title)) continue;
        seenFix.add(fix.title);
      }
      const rec: IndexRecommendation = { ...item };
      const named = fix && [...indexTable].find(([name]) => fix.title.includes(` ${name} `));
      const first = named ? named[1] : f.rule === 'fk-without-index' && tables ? [...tables][0] : undefined;
      if (first) rec.table = first;
      const edit = fix && fixToWorkspaceEdit(project, fix, uriOf, server.support.createFiles);
      if (fix && edit) rec.fix = { title: fix.title, edit: edit as LspWorkspaceEdit };
      recommendations.push(rec);
    }
  }
  const tables: SchemaTable[] = [...schema.tables.values()]
    .sort((a, b) => (a.schema === b.schema ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.schema < b.schema ? -1 : 1))
    .map((t) => ({
      schema: t.schema,
      name: t.name,
      kind: kindOf(t),
      ...(t.partitionOf ? { partitionOf: t.partitionOf } : {}),
      columns: [...t.columns.values()].map((c) => ({
        name: c.name, type: c.typeText || (c.type === 'unknown' ? '' : c.type), notNull: c.notNull, hasDefault: c.hasDefault,
        identity: c.identity, generated: c.generated, location: location(c.loc),
      })),
      ...(t.primaryKey ? { primaryKey: { ...(t.primaryKey.name ? { name: t.primaryKey.name } : {}), columns: [...t.primaryKey.columns] } } : {}),
      indexes: schema.indexesOf(t).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((ix) => ({
        name: ix.name, columns: ix.columns.map((c) => c ?? '(expression)'), unique: ix.unique,
        ...(ix.predicate ? { predicate: ix.predicateText || '(partial)' } : {}),
        method: ix.method, ...(ix.constraint ? { constraint: ix.constraint } : {}), location: location(ix.loc),
      })),
      foreignKeys: t.foreignKeys.map((fk) => ({
        ...(fk.name ? { name: fk.name } : {}), columns: [...fk.columns], refTable: fk.refTable, refColumns: [...fk.refColumns],
        notValid: fk.notValid, location: location(fk.loc),
      })),
      findings: perTable.get(t.key) ?? [],
      location: location(t.loc),
    }));
  const migrations = folder.uri && server.trusted ? folder.migrationSummary({ details: true }) : [];
  for (const m of migrations) for (const n of m.notReplayed ?? []) if (n.uri) n.uri = uriOf(n.uri);
  const ids = new Set(famFiles.map((f) => f.dialect.id));
  const dialect = family === 'postgres' ? 'PostgreSQL' : ids.has('mariadb') && !ids.has('mysql') ? 'MariaDB' : 'MySQL';
  const other = project.order().length - famFiles.length;
  return { ...(folder.uri ? { uri: folder.uri } : {}), name: folder.name, tables, recommendations, ...(migrations.length ? { migrations } : {}), dialect, ...(other ? { otherDialectFiles: other } : {}) };
}

/** Several WorkspaceEdits as one (documentChanges as soon as one of them needs them). */
function mergeEdits(edits: WorkspaceEdit[]): WorkspaceEdit {
  if (edits.length === 1) return edits[0];
  if (!edits.some((e) => e.documentChanges)) {
    const changes: NonNullable<WorkspaceEdit['changes']> = {};
    for (const e of edits) for (const [uri, list] of Object.entries(e.changes ?? {})) (changes[uri] ??= []).push(...list);
    return { changes };
  }
  const documentChanges: NonNullable<WorkspaceEdit['documentChanges']> = [];
  for (const e of edits) {
    documentChanges.push(...(e.documentChanges ?? []));
    for (const [uri, list] of Object.entries(e.changes ?? {})) documentChanges.push({ textDocument: { uri, version: null }, edits: list });
  }
  return { documentChanges };
}

/**
 * The recommendations as the Schema view lists them: missing-index reports the same index for each
 * query it serves, and fk-without-index may carry it too; each proposed index (first fix title) counts
 * once, so the counts of the written migration's message and of the view agree.
 */
function distinctRecommendations(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const title = f.fixes?.[0]?.title;
    if (!title) return true;
    if (seen.has(title)) return false;
    seen.add(title);
    return true;
  });
}

export async function writeIndexMigration(server: DbeServer, params: IndexMigrationParams): Promise<IndexMigrationResult> {
  if (!server.ready) return { message: 'DB Engineer is still reading the workspace; try again in a moment.', uris: [], count: 0 };
  if (!server.settings.enable) return { message: 'DB Engineer is disabled (dbEngineer.enable).', uris: [], count: 0 };
  syncOpen(server);
  const folders = selectFolders(server, params.folder);
  if (!folders.length) return { message: `${params.folder} is not a workspace folder DB Engineer knows.`, uris: [], count: 0 };
  const advisor = new Set(ADVISOR_RULES);
  const edits: WorkspaceEdit[] = [];
  const uris: string[] = [];
  const messages: string[] = [];
  let count = 0;
  for (const folder of folders) {
    const project = folder.project;
    const recs = distinctRecommendations([...(await findingsOf(server, project)).values()].flat().filter((f) => advisor.has(f.rule)));
    if (!recs.length && folders.length > 1) continue;
    const r = indexMigration(project, recs);
    const say = (m: string) => messages.push(folders.length > 1 ? `${folder.name}: ${m}` : m);
    if (!r.placement) { say(r.message); continue; }
    const edit = fixToWorkspaceEdit(project, { title: 'Index recommendations', edits: r.placement.edits }, (k) => server.clientUri(k), server.support.createFiles);
    if (!edit) { say('the editor cannot create files through the language server, so the migration cannot be written.'); continue; }
    edits.push(edit);
    uris.push(server.clientUri(r.placement.path));
    count += r.statements.length;
    say(`${r.message} Migration: ${folder.displayPath(r.placement.path)}.`);
  }
  if (!messages.length) messages.push('There are no index recommendations to write.');
  return { message: messages.join(' '), ...(edits.length ? { edit: mergeEdits(edits) as LspWorkspaceEdit } : {}), uris, count };
}
