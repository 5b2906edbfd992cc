// The schema as it stands at a point of a migration: before file f (the earlier files in replay
// order), then f's own statements before statement i. Completion asks for it on every keystroke, so
// the replay is not redone each time: a snapshot of the schema before each file is kept (files that
// change nothing share their predecessor's), computed lazily up to the file asked for, and kept as
// long as the files before it are the same; an edit of file k keeps every snapshot up to k.
import { isDownStatement, type SourceFile } from '../model';
import { applyStatement } from '../replay';
import { IndexMap, Schema, type Column } from '../schema';
import type { Project } from './project';

/** Statement kinds applyStatement changes the schema for (see replay.ts). */
const CHANGES = new Set(['CreateStmt', 'AlterTableStmt', 'IndexStmt', 'RenameStmt', 'DropStmt', 'ViewStmt', 'CreateTableAsStmt', 'DoStmt']);

/**
 * A copy of a schema that later replays cannot change: the objects replay mutates (tables, columns,
 * keys, checks, indexes) are copied, with their arrays; locations and strings are shared (replay
 * replaces them, never changes them).
 */
export function cloneSchema(s: Schema): Schema {
  const out = new Schema();
  for (const [k, t] of s.tables) {
    const columns = new Map<string, Column>();
    for (const [ck, c] of t.columns) columns.set(ck, { ...c, typeMods: [...c.typeMods] });
    out.tables.set(k, {
      ...t,
      columns,
      primaryKey: t.primaryKey && { ...t.primaryKey, columns: [...t.primaryKey.columns] },
      foreignKeys: t.foreignKeys.map((fk) => ({ ...fk, columns: [...fk.columns], refColumns: [...fk.refColumns] })),
      checks: t.checks.map((c) => ({ ...c })),
    });
  }
  const ix: IndexMap = out.indexes;
  for (const [k, i] of s.indexes) {
    ix.set(k, { ...i, columns: [...i.columns], exprs: [...i.exprs], opclasses: [...i.opclasses], include: [...i.include], ...(i.desc ? { desc: [...i.desc] } : {}) });
  }
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
  /** The file at this position when it was replayed, and what of it the replay depended on. */
  file: SourceFile;
  text: string;
  replayed: boolean;
  isDown: boolean;
  downFrom: number | undefined;
  /**
   * The schema before this file (the tool tables created just before it included), never mutated:
   * kept at every CHECKPOINT-th file and at the files asked for last; files that change nothing
   * share their predecessor's.
   */
  before?: Schema;
}

/** A snapshot is kept every this many files (the others are replayed from the one before). */
const CHECKPOINT = 8;
/** Snapshots kept for files asked for (besides the checkpoints). */
const ASKED = 8;

export class SchemaTimeline {
  private entries: Entry[] = [];
  /** The schema after every file of entries (the replay's working copy, mutated as it goes on). */
  private working: Schema | undefined;
  /** True when `working` differs from the last kept snapshot. */
  private dirty = true;
  private lastKept: Schema | undefined;
  private settings = -1;
  private base: SourceFile | undefined;
  /** Positions whose snapshot was kept because it was asked for (oldest first). */
  private asked: number[] = [];
  /** The copy of the snapshot before a file with the file's own first statements applied (the texts of those statements). */
  private own: { path: string; at: number; generation: number; texts: string[]; schema: Schema } | undefined;
  /** Bumped whenever entries are dropped (an earlier file changed): copies made before are out of date. */
  private generation = 0;
  /** Snapshots made (for measurements). */
  clones = 0;

  constructor(private readonly project: Project) {}

  /** How many files are replayed, and how many distinct snapshots are kept. */
  stats(): { files: number; snapshots: number } {
    return { files: this.entries.length, snapshots: new Set(this.entries.map((e) => e.before).filter((b) => b)).size };
  }

  /**
   * The schema before statement `index` of `file`: every earlier file in replay order, then the file's
   * own earlier statements (down sections excluded). undefined when the file is not in the project's
   * order. The result must not be changed, and not be kept past the caller's synchronous use: the
   * copy for the file's own statements is carried forward by the next call (typing moves forward).
   */
  before(file: SourceFile, index: number): Schema | undefined {
    const order = this.project.order();
    const at = order.indexOf(file);
    if (at < 0) return undefined;
    this.ensure(order, at);
    const wanted = file.replayed ? file.statements.slice(0, Math.max(0, index)).filter((s) => s.kind && CHANGES.has(s.kind) && !isDownStatement(s)) : [];
    if (!wanted.length) {
      const e = this.entries[at];
      if (!e.before) { e.before = this.replayFrom(at); this.remember(at); }
      return e.before;
    }
    // the copy made for the last call goes on if its statements are the first ones wanted now (same text)
    let o = this.own;
    if (!o || o.path !== file.path || o.at !== at || o.generation !== this.generation || o.texts.length > wanted.length || o.texts.some((t, i) => t !== wanted[i].text)) {
      const kept = this.entries[at].before;
      o = { path: file.path, at, generation: this.generation, texts: [], schema: kept ? cloneSchema(kept) : this.replayFrom(at) };
      if (kept) this.clones++;
      this.own = o;
    }
    for (let i = o.texts.length; i < wanted.length; i++) { applyStatement(o.schema, wanted[i]); o.texts.push(wanted[i].text); }
    return o.schema;
  }

  /** Makes entries[0..at] valid for `order` (replaying what changed or is new; snapshots at checkpoints). */
  private ensure(order: readonly SourceFile[], at: number): void {
    const base = this.project.activeBaseFile();
    if (this.settings !== this.project.settingsRevision || this.base !== base) {
      this.entries = []; this.working = undefined; this.settings = this.project.settingsRevision; this.base = base; this.asked = [];
      this.generation++;
    }
    // the first position whose file (as the replay saw it) is not the same any more
    let valid = 0;
    const n = Math.min(this.entries.length, at + 1);
    while (valid < n && same(this.entries[valid], order[valid])) valid++;
    if (valid < this.entries.length && valid < at + 1) {
      // replay again from the first changed file, from the schema after the (unchanged) file before it
      if (valid === 0) this.working = undefined;
      else {
        this.working = this.replayFrom(valid - 1);
        this.applyFile(this.working, this.entries[valid - 1].file);
      }
      this.entries.length = valid;
      this.asked = this.asked.filter((i) => i < valid);
      this.dirty = true;
      this.lastKept = undefined;
      this.generation++;
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
      const e: Entry = { file: f, text: f.text, replayed: f.replayed, isDown: f.isDown, downFrom: f.migration?.downFrom };
      if (i % CHECKPOINT === 0) {
        if (this.dirty || !this.lastKept) { this.lastKept = cloneSchema(this.working); this.clones++; this.dirty = false; }
        e.before = this.lastKept;
      }
      this.entries.push(e);
      if (this.applyFile(this.working, f)) this.dirty = true;
    }
  }

  /** A new copy of the schema before entries[i], replayed from the nearest kept snapshot at or before it. */
  private replayFrom(i: number): Schema {
    let c = i;
    while (c > 0 && !this.entries[c].before) c--;
    const s = cloneSchema(this.entries[c].before!);
    this.clones++;
    for (let j = c; j < i; j++) {
      this.applyFile(s, this.entries[j].file);
      for (const t of this.project.toolTablesBefore(this.entries[j + 1].file)) for (const st of t.statements) applyStatement(s, st);
    }
    return s;
  }

  /** Keeps the snapshot of a position asked for; forgets the oldest beyond ASKED (checkpoints stay). */
  private remember(i: number): void {
    this.asked = this.asked.filter((x) => x !== i);
    this.asked.push(i);
    while (this.asked.length > ASKED) {
      const old = this.asked.shift()!;
      if (old % CHECKPOINT !== 0 && this.entries[old]) this.entries[old].before = undefined;
    }
  }

  /** Replays a file's statements (down sections excluded); false when it changes nothing. */
  private applyFile(schema: Schema, f: SourceFile): boolean {
    if (!changesSchema(f)) return false;
    for (const s of f.statements) if (!isDownStatement(s)) applyStatement(schema, s);
    return true;
  }
}

function same(e: Entry, f: SourceFile | undefined): boolean {
  if (!f) return false;
  if (e.replayed !== f.replayed || e.isDown !== f.isDown || e.downFrom !== f.migration?.downFrom) return false;
  return e.file === f || (e.file.path === f.path && e.text === f.text);
}
