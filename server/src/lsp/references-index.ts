// Every reference to every table and column in a project's SQL files, by symbol, for Find All
// References and Rename. Built by replaying the project as the engine does (engine/project.ts
// schemaSteps) and resolving each statement against the schema as it stands at that statement, so a
// migration's names mean what they meant when it ran: uses of a table's old name before a RENAME are
// uses of the same table (the replay renames the same Table object). A table dropped and created
// again under the same name is the same symbol; a table created under a name another table was
// renamed away from is not. A rollback file is resolved against the schema right after its up
// migration (a goose/dbmate Down section after its Up section); files outside the replay against the
// final schema. Cached per project revision.
import type { Project } from '../engine/project';
import { isDownStatement, type SourceFile, type Statement } from '../model';
import { applyStatement } from '../replay';
import { Schema, type Column, type Table } from '../schema';
import type { DialectFamily } from '../dialects/types';
import { bodyStatements, statementReferences, type Unresolved } from '../sql/references';
import { runSliced } from './slices';

/** Statements that change no schema: outside migrations they are resolved against the final schema. */
const QUERY_KINDS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'ExplainStmt']);

export interface IndexedRef {
  path: string;
  start: number;
  end: number;
  /** Symbol id: `t<n>` for a table, `t<n>.c<m>` for a column. */
  id: string;
  declaration: boolean;
}

export interface SymbolInfo {
  id: string;
  kind: 'table' | 'column';
  /** The table's (column's) object in the index's final schema, undefined when it was dropped. */
  table?: Table;
  column?: Column;
}

export class ReferenceIndex {
  /** Per file path: its references in offset order. */
  readonly byFile = new Map<string, IndexedRef[]>();
  readonly byId = new Map<string, IndexedRef[]>();
  /** Per file path: column names that could not be resolved for sure. */
  readonly unresolved = new Map<string, Unresolved[]>();
  readonly symbols = new Map<string, SymbolInfo>();
  /** The schema after every migration, as this replay built it. */
  readonly schema = new Schema();

  private tableIds = new Map<Table, string>();
  private columnIds = new Map<Column, string>();
  private lastTableByKey = new Map<string, Table>();
  private lastColumnByName = new Map<string, Column>();
  private nextId = 0;
  private pendingDrops = new Map<string, Omit<IndexedRef, 'id'>[]>();

  private add(ref: IndexedRef): void {
    let list = this.byFile.get(ref.path);
    if (!list) this.byFile.set(ref.path, list = []);
    list.push(ref);
    let l = this.byId.get(ref.id);
    if (!l) this.byId.set(ref.id, l = []);
    l.push(ref);
    if (!this.symbols.has(ref.id)) this.symbols.set(ref.id, { id: ref.id, kind: ref.id.includes('.') ? 'column' : 'table' });
  }

  private tableId(t: Table): string {
    let id = this.tableIds.get(t);
    if (id) { this.lastTableByKey.set(t.key, t); return id; }
    const prev = this.lastTableByKey.get(t.key);
    // the same name again after a DROP (or CREATE OR REPLACE VIEW): the same symbol
    if (prev && prev !== t && prev.key === t.key && this.schema.tables.get(t.key) !== prev) id = this.tableIds.get(prev);
    if (!id) {
      id = `t${this.nextId++}`;
      // a DROP TABLE IF EXISTS of the name before it existed: the same table
      for (const d of this.pendingDrops.get(t.key) ?? []) this.add({ ...d, id });
      this.pendingDrops.delete(t.key);
    }
    this.tableIds.set(t, id);
    this.lastTableByKey.set(t.key, t);
    return id;
  }

  private columnId(t: Table, c: Column): string {
    const tid = this.tableId(t);
    let id = this.columnIds.get(c);
    const nameKey = `${tid}.${c.name}`;
    if (id && id.startsWith(`${tid}.`)) { this.lastColumnByName.set(nameKey, c); return id; }
    const prev = this.lastColumnByName.get(nameKey);
    if (prev && prev !== c && prev.name === c.name && t.columns.get(c.name) !== prev) id = this.columnIds.get(prev);
    if (!id || !id.startsWith(`${tid}.`)) id = `${tid}.c${this.nextId++}`;
    this.columnIds.set(c, id);
    this.lastColumnByName.set(nameKey, c);
    return id;
  }

  private record(stmt: Statement, schema: Schema, seen: Set<string> | undefined): void {
    const { refs, unresolved, dropped } = statementReferences(stmt, schema);
    const path = stmt.file.path;
    for (const r of refs) {
      if (seen) {
        const at = `${r.start}:${r.end}`;
        if (seen.has(at)) continue;
        seen.add(at);
      }
      const id = r.column ? this.columnId(r.table, r.column) : this.tableId(r.table);
      this.add({ path, start: r.start, end: r.end, id, declaration: !!r.declaration });
    }
    for (const d of dropped) {
      const list = this.pendingDrops.get(d.key) ?? [];
      list.push({ path, start: d.start, end: d.end, declaration: false });
      this.pendingDrops.set(d.key, list);
    }
    if (unresolved.length) {
      let u = this.unresolved.get(path);
      if (!u) this.unresolved.set(path, u = []);
      for (const x of unresolved) if (!seen?.has(`${x.start}:${x.end}`)) u.push(x);
    }
  }

  /** Statements whose declarations exist only after they ran: resolved again then. */
  private static readonly DECLARES = new Set(['CreateStmt', 'ViewStmt', 'CreateTableAsStmt', 'AlterTableStmt']);

  private statement(stmt: Statement, apply: boolean): void {
    const declares = apply && !!stmt.kind && ReferenceIndex.DECLARES.has(stmt.kind);
    const seen = declares ? new Set<string>() : undefined;
    this.record(stmt, this.schema, seen);
    for (const sub of bodyStatements(stmt)) this.record(sub, this.schema, undefined);
    if (!apply) return;
    applyStatement(this.schema, stmt);
    if (declares) this.record(stmt, this.schema, seen);
  }

  static build(project: Project, family: DialectFamily = 'postgres'): ReferenceIndex {
    const steps = ReferenceIndex.steps(project, family);
    for (;;) { const r = steps.next(); if (r.done) return r.value; }
  }

  /** build() in steps (one file each), for the language server to answer other requests in between. */
  static *steps(project: Project, family: DialectFamily = 'postgres'): Generator<void, ReferenceIndex, void> {
    const ix = new ReferenceIndex();
    // one dialect family: a PostgreSQL name never resolves to (nor renames) a MySQL file's, nor the reverse
    const order = project.order().filter((f) => f.dialect.family === family);
    const base = project.activeBaseFile();
    if (base && base.dialect.family === family) for (const s of base.statements) applyStatement(ix.schema, s);
    const done = new Set<string>();
    // queries outside every migration set (queries/*.sql, or any file of a project without a
    // migration tool, replayed in path order) see the final schema, whatever their file's name
    const deferred: Statement[] = [];
    const file = (f: SourceFile, replay: boolean) => {
      if (done.has(f.path)) return;
      done.add(f.path);
      ix.byFile.set(f.path, []);
      const outside = f.migration?.set === undefined;
      for (const s of f.statements) {
        if (outside && s.kind && QUERY_KINDS.has(s.kind)) deferred.push(s);
        else ix.statement(s, replay && !isDownStatement(s));
      }
    };
    for (const f of order) {
      for (const t of project.toolTablesBefore(f)) for (const s of t.statements) applyStatement(ix.schema, s);
      if (!f.replayed) continue;
      file(f, true);
      // its rollback, against the schema the up migration left
      const down = f.migration?.downFile ? project.getFile(f.migration.downFile) : undefined;
      if (down && !down.replayed) file(down, false);
      yield;
    }
    for (const f of order) if (!done.has(f.path)) { file(f, false); yield; }
    for (const s of deferred) ix.statement(s, false);
    for (const list of ix.byFile.values()) list.sort((a, b) => a.start - b.start || a.end - b.end);
    // what each symbol is now
    for (const t of ix.schema.tables.values()) {
      const id = ix.tableIds.get(t);
      if (id) ix.symbols.set(id, { id, kind: 'table', table: t });
      for (const c of t.columns.values()) {
        const cid = ix.columnIds.get(c);
        if (cid && cid.startsWith(`${id}.`)) ix.symbols.set(cid, { id: cid, kind: 'column', table: t, column: c });
      }
    }
    return ix;
  }

  /** The reference at a file offset (the name under the cursor), if any. */
  at(path: string, offset: number): IndexedRef | undefined {
    const list = this.byFile.get(path);
    if (!list) return undefined;
    let lo = 0, hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = list[mid];
      if (r.end < offset) lo = mid + 1;
      else if (r.start > offset) hi = mid - 1;
      else return r;
    }
    return undefined;
  }

  refsOf(id: string): IndexedRef[] { return this.byId.get(id) ?? []; }
}

const caches = { postgres: new WeakMap<Project, { revision: number; index: ReferenceIndex }>(), mysql: new WeakMap<Project, { revision: number; index: ReferenceIndex }>() };
const buildings = { postgres: new WeakMap<Project, { revision: number; done: Promise<ReferenceIndex | undefined> }>(), mysql: new WeakMap<Project, { revision: number; done: Promise<ReferenceIndex | undefined> }>() };

/** The project's reference index of one dialect family's files (built once per project revision). */
export function referenceIndex(project: Project, family: DialectFamily = 'postgres'): ReferenceIndex {
  const cache = caches[family];
  const hit = cache.get(project);
  if (hit && hit.revision === project.revision) return hit.index;
  const index = ReferenceIndex.build(project, family);
  cache.set(project, { revision: project.revision, index });
  return index;
}

/**
 * Same, built in slices (other requests are answered in between); a build that the project changed
 * under is started again, a few times, then finished in one go.
 */
export async function referenceIndexSliced(project: Project, alive: () => boolean = () => true, family: DialectFamily = 'postgres'): Promise<ReferenceIndex> {
  const cache = caches[family], building = buildings[family];
  for (let attempt = 0; attempt < 3 && alive(); attempt++) {
    const hit = cache.get(project);
    if (hit && hit.revision === project.revision) return hit.index;
    let b = building.get(project);
    if (!b || b.revision !== project.revision) {
      const revision = project.revision;
      b = { revision, done: runSliced(ReferenceIndex.steps(project, family), () => alive() && project.revision === revision) };
      building.set(project, b);
      const mine = b;
      void mine.done.then((index) => {
        if (index && project.revision === revision) cache.set(project, { revision, index });
        if (building.get(project) === mine) building.delete(project);
      }, () => { if (building.get(project) === mine) building.delete(project); });
    }
    const index = await b.done;
    if (index && b.revision === project.revision) return index;
  }
  return referenceIndex(project, family);
}
