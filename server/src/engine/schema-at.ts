// The schema as it stands at a point of a migration: before file f (the earlier files in replay
// order), then f's own statements before statement i. Completion asks for it on every keystroke, so
// the replay is not redone each time: a snapshot of the schema before each file is kept (files that
// change nothing share their predecessor's), computed lazily up to the file asked for, and kept as
// long as the files before it are the same; an edit of file k keeps every snapshot up to k.
import { isDownStatement, type SourceFile } from '../model';
import { applyStatement } from '../replay';
import { IndexMap, Schema, type Index, type Table } from '../schema';
import type { Project } from './project';

/** Statement kinds applyStatement changes the schema for (see replay.ts). */
const CHANGES = new Set(['CreateStmt', 'AlterTableStmt', 'IndexStmt', 'RenameStmt', 'DropStmt', 'ViewStmt', 'CreateTableAsStmt', 'DoStmt']);

/** A copy of a schema that later replays cannot change (tables, columns, keys and indexes are copied). */
export function cloneSchema(s: Schema): Schema {
  const copy = structuredClone({ tables: [...s.tables], indexes: [...s.indexes] }) as { tables: [string, Table][]; indexes: [string, Index][] };
  const out = new Schema();
  for (const [k, t] of copy.tables) out.tables.set(k, t);
  const ix: IndexMap = out.indexes;
  for (const [k, i] of copy.indexes) ix.set(k, i);
  out.version = s.version;
  return out;
}

/** True when replaying the file's statements can change a schema. */
function changesSchema(f: SourceFile): boolean {
  if (!f.replayed) return false;
  for (const s of f.statements) if (s.kind && CHANGES.has(s.kind) && !isDownStatement(s)) return true;
  return false;
}

interface Entry {
  /** The file at this position when the snapshot was made, and what of it the replay depended on. */
  file: SourceFile;
  text: string;
  replayed: boolean;
  isDown: boolean;
  downFrom: number | undefined;
  /** The schema before this file (tool tables created just before it included). Never mutated. */
  before: Schema;
}

export class SchemaTimeline {
  private entries: Entry[] = [];
  /** The schema after every file of entries (the replay's working copy, mutated as it goes on). */
  private working: Schema | undefined;
  /** True when `working` differs from the last entry's snapshot (its file changed the schema). */
  private dirty = true;
  private settings = -1;
  private base: SourceFile | undefined;
  /** The last answer of before(): for one file object and statement index (typing in one statement asks again and again). */
  private last: { file: SourceFile; index: number; order: readonly SourceFile[]; schema: Schema } | undefined;
  /** Snapshots made (for measurements). */
  clones = 0;

  constructor(private readonly project: Project) {}

  /** How many files have a snapshot, and how many distinct snapshots they share. */
  stats(): { files: number; snapshots: number } {
    return { files: this.entries.length, snapshots: new Set(this.entries.map((e) => e.before)).size };
  }

  /**
   * The schema before statement `index` of `file`: every earlier file in replay order, then the file's
   * own earlier statements (down sections excluded). The result must not be changed by the caller.
   * undefined when the file is not in the project's order.
   */
  before(file: SourceFile, index: number): Schema | undefined {
    const order = this.project.order();
    if (this.last && this.last.file === file && this.last.index === index && this.last.order === order) return this.last.schema;
    const at = order.indexOf(file);
    if (at < 0) return undefined;
    const start = this.ensure(order, at);
    let schema = start;
    if (file.replayed) {
      const own = file.statements.slice(0, Math.max(0, index)).filter((s) => s.kind && CHANGES.has(s.kind) && !isDownStatement(s));
      if (own.length) {
        schema = cloneSchema(start);
        this.clones++;
        for (const s of own) applyStatement(schema, s);
      }
    }
    this.last = { file, index, order, schema };
    return schema;
  }

  /** Makes entries[0..at] valid for `order` and returns the schema before order[at]. */
  private ensure(order: readonly SourceFile[], at: number): Schema {
    const base = this.project.activeBaseFile();
    if (this.settings !== this.project.settingsRevision || this.base !== base) {
      this.entries = []; this.working = undefined; this.settings = this.project.settingsRevision; this.base = base;
    }
    // the first position whose file (as the replay saw it) is not the same any more
    let valid = 0;
    const n = Math.min(this.entries.length, at + 1);
    while (valid < n && same(this.entries[valid], order[valid])) valid++;
    if (valid === at + 1) return this.entries[at].before;
    if (valid < this.entries.length) {
      // replay again from the first changed file: the schema after the file before it is its
      // snapshot plus its statements (the same file, checked above)
      if (valid === 0) this.working = undefined;
      else {
        const prev = this.entries[valid - 1];
        this.working = cloneSchema(prev.before);
        this.clones++;
        if (changesSchema(prev.file)) for (const s of prev.file.statements) if (!isDownStatement(s)) applyStatement(this.working, s);
      }
      this.entries.length = valid;
      this.dirty = true;
    }
    if (!this.working) {
      this.working = new Schema();
      if (base) for (const s of base.statements) applyStatement(this.working, s);
      this.dirty = true;
    }
    for (let i = this.entries.length; i <= at; i++) {
      const f = order[i];
      const tools = this.project.toolTablesBefore(f);
      for (const t of tools) for (const s of t.statements) applyStatement(this.working, s);
      if (tools.length) this.dirty = true;
      const prev = this.entries[i - 1];
      let before: Schema;
      if (!this.dirty && prev) before = prev.before;
      else { before = cloneSchema(this.working); this.clones++; }
      this.entries.push({ file: f, text: f.text, replayed: f.replayed, isDown: f.isDown, downFrom: f.migration?.downFrom, before });
      this.dirty = false;
      if (changesSchema(f)) {
        for (const s of f.statements) if (!isDownStatement(s)) applyStatement(this.working, s);
        this.dirty = true;
      }
    }
    return this.entries[at].before;
  }
}

function same(e: Entry, f: SourceFile | undefined): boolean {
  if (!f) return false;
  if (e.replayed !== f.replayed || e.isDown !== f.isDown || e.downFrom !== f.migration?.downFrom) return false;
  return e.file === f || (e.file.path === f.path && e.text === f.text);
}
