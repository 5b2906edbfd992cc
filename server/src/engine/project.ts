// The engine: a project's files, replayed in migration order into one schema, judged by the rules.
// Used by the CLI and the language server alike; it knows nothing of either.
import { ALL_RULES, RULES_BY_ID } from '../rules';
import type { Rule, StatementContext } from '../rules/types';
import { defaultConfig, matchesAny, type Config } from '../config';
import { isDownStatement, type Finding, type Fix, type Severity, type SourceFile, type Statement } from '../model';
import { applyStatement, fileOffset } from '../replay';
import { Schema } from '../schema';
import { kindOf } from '../sql/ast';
import { parseStatement } from '../sql/parse';
import { splitStatements } from '../sql/split';
import { detectDialect, dialectMessage } from '../sql/dialect';
import { dialectBeforeReading, dialectFromSigns, DEFAULT_CHOICE } from '../dialects/resolve';
import { MYSQL_STATEMENT, type DialectChoice, type DialectFamily } from '../dialects/types';
import { splitMySql } from '../dialects/mysql/split';
import { parseMySqlStatement } from '../dialects/mysql/parse';
import { applyMySqlStatement } from '../dialects/mysql/replay';
import { mySqlSyntax } from '../dialects/mysql/syntax';
import { LineIndex, tokenishEnd } from '../text';
import { isDownMigration } from './order';
import { planMigrations, TOOL_TABLES, type MigrationPlan, type ToolConvention } from './conventions';
import { applySuppressions } from './suppress';
import { isAppliedMigration, neverEdited } from './placement';
import { fixProblem } from './fix-check';

/** A file as read from disk: its size there in bytes, or why it could not be read (see engine/read-file.ts). */
export interface DiskInfo { size?: number; unreadable?: string }

export interface InternalError { rule: string; path: string; message: string }
/** A fix the engine did not offer because the text it makes would parse worse (engine/fix-check.ts). */
export interface DroppedFix { rule: string; path: string; start: number; title: string; reason: string }

export interface AnalyzeOptions {
  /**
   * Run the statement rules (beforeStatement, onStatement) only on statements of the targets this
   * accepts. Replay, syntax errors and schema rules are unaffected. Used by the editor to re-judge
   * just the statements an edit touched.
   */
  only?: (stmt: Statement) => boolean;
}

export class Project {
  private files = new Map<string, SourceFile>();
  private ordered: SourceFile[] | undefined;
  private finalSchema: Schema | undefined;
  /** Problems inside the engine (a rule that threw). Reported by callers; never lost. */
  readonly internalErrors: InternalError[] = [];
  /**
   * The schema the files build on (a live database's catalog as DDL, see live/catalog.ts): replayed
   * before the first file, never linted, never edited by a fix.
   */
  private base: SourceFile | undefined;
  /** Only part of the workspace is here (Restricted Mode: open files only): see StatementContext.partialSchema. */
  partialSchema = false;
  /** Schema-rule findings about the base's objects, from the last analyze() (reported apart from files). */
  baseFindings: Finding[] = [];
  /** Fixes left out of the last analyze()'s findings, with the reason (reported by `dbe lint --fix`). */
  droppedFixes: DroppedFix[] = [];

  constructor(public config: Config = defaultConfig(), private readonly relPath: (p: string) => string = (p) => p) {}

  /** Replaces the configuration; files are rebuilt (cheap: parses are cached) since it decides what is replayed. */
  setConfig(config: Config): void {
    this.config = config;
    this.settingsRevision++;
    for (const f of [...this.files.values()]) this.put(this.mark(buildFile(f.path, f.text, config, this.relPath(f.path), this.disk.get(f.path), this.hint)));
    this.rehint();
    this.invalidate();
  }

  /**
   * The dialect a file with no sign of its own is read as: MySQL when more of the project's files are
   * MySQL by their own name, folder or signs than are PostgreSQL by default (dialects/resolve.ts).
   */
  private hint: DialectFamily | 'mixed' = 'postgres';
  /** Files that are MySQL by their own name, folder, signs or the configuration; files read by default or by the hint. */
  private strongMy = 0;
  private plain = 0;
  private count(f: SourceFile | undefined, by: 1 | -1): void {
    if (!f) return;
    if (f.dialect.family === 'mysql' && f.dialect.by !== 'project') this.strongMy += by;
    else if (f.dialect.by === 'default' || f.dialect.by === 'project') this.plain += by;
  }
  private put(file: SourceFile): void {
    this.count(this.files.get(file.path), -1);
    this.files.set(file.path, file);
    this.count(file, 1);
  }
  private rehint(): void {
    const hint: DialectFamily | 'mixed' = this.strongMy > this.plain ? 'mysql' : this.strongMy > 0 ? 'mixed' : 'postgres';
    if (hint === this.hint) return;
    this.hint = hint;
    for (const f of [...this.files.values()]) {
      if (f.dialect.by === 'default' || f.dialect.by === 'project') this.put(this.mark(buildFile(f.path, f.text, this.config, this.relPath(f.path), this.disk.get(f.path), hint)));
    }
  }

  /** Paths of files a fix created during this run (`dbe lint --fix`): see SourceFile.createdByFix. */
  private createdByFix = new Set<string>();
  /** Records that a fix created `path` (before it is set): its SourceFile says so from then on. */
  markCreatedByFix(path: string): void { this.createdByFix.add(path); }
  private mark(file: SourceFile): SourceFile {
    if (this.createdByFix.has(file.path)) file.createdByFix = true;
    return file;
  }

  /** What the disk said of files read from it (their size in bytes; why one could not be read). */
  private disk = new Map<string, DiskInfo>();

  /**
   * Adds or replaces a file. Statements whose text did not change reuse their cached parse.
   * `disk`: the file as read from disk (its byte size there; or why it could not be read); without
   * it the text is the file (an editor's buffer, a fix's result).
   */
  setFile(path: string, text: string, disk?: DiskInfo): SourceFile {
    if (disk) this.disk.set(path, disk); else this.disk.delete(path);
    this.put(this.mark(buildFile(path, text, this.config, this.relPath(path), disk, this.hint)));
    this.rehint();
    this.invalidate();
    return this.files.get(path)!;
  }

  removeFile(path: string): boolean {
    this.disk.delete(path);
    this.createdByFix.delete(path);
    this.count(this.files.get(path), -1);
    const had = this.files.delete(path);
    if (had) { this.rehint(); this.invalidate(); }
    return had;
  }

  private baseWhen: ((p: Project) => boolean) | undefined;
  /**
   * Sets (or clears) the base the files' schema starts from; with `when`, only while it holds
   * (asked at every replay, e.g. "the project has no migrations of its own").
   */
  setBase(file: SourceFile | undefined, when?: (p: Project) => boolean): void { this.base = file; this.baseWhen = when; this.settingsRevision++; this.invalidate(); }
  /** The base's source path while the base is in use. */
  get baseSource(): string | undefined { return this.activeBase()?.path; }
  /** The base file while it is in use (see setBase). */
  activeBaseFile(): SourceFile | undefined { return this.activeBase(); }
  private activeBase(): SourceFile | undefined { return this.base && (!this.baseWhen || this.baseWhen(this)) ? this.base : undefined; }

  getFile(path: string): SourceFile | undefined { return this.files.get(path); }
  /** The file's path relative to the project root, as ordering and globs see it. */
  relativePath(path: string): string { return this.relPath(path); }
  hasFile(path: string): boolean { return this.files.has(path); }
  get size(): number { return this.files.size; }

  private plan: MigrationPlan | undefined;
  private sqitchPlans = new Map<string, string>();

  /**
   * The text of a sqitch.plan (its deploy order) for the sqitch project in `folder` (relative to the
   * project root, `/` separators); undefined removes it. The caller reads it (the engine reads no disk).
   */
  setSqitchPlan(folder: string, text: string | undefined): void {
    if (text === undefined) { if (this.sqitchPlans.delete(folder)) this.invalidate(); return; }
    if (this.sqitchPlans.get(folder) === text) return;
    this.sqitchPlans.set(folder, text);
    this.invalidate();
  }
  /** Per file (by path): the tool tables to create just before it (the first file of a tool's set). */
  private toolTables = new Map<string, SourceFile[]>();

  /**
   * Files in migration (replay) order: each migration set in its tool's order (engine/conventions.ts),
   * or in path / natural order when migrations.order says so. Ordering also decides each file's
   * role (file.migration, isDown, replayed).
   */
  order(): SourceFile[] {
    if (!this.ordered) {
      const byRel = new Map<string, SourceFile>();
      for (const f of this.files.values()) byRel.set(this.relPath(f.path).replace(/\\/g, '/'), f);
      const m = this.config.migrations;
      const plan = planMigrations([...byRel].map(([rel, f]) => ({ rel, text: f.text })), {
        sqitchPlans: this.sqitchPlans, order: m.order, convention: m.convention as ToolConvention | undefined, transactional: m.transactional,
      });
      this.plan = plan;
      const pathOf = (rel: string | undefined) => (rel === undefined ? undefined : byRel.get(rel)?.path);
      const setOf = new Map<string, string>(), folderOf = new Map<string, string>();
      for (const set of plan.sets) for (const f of set.files) { setOf.set(f.rel, set.convention); folderOf.set(f.rel, set.folder); }
      this.toolTables = new Map();
      for (const set of plan.sets) {
        const ddl = TOOL_TABLES[set.convention];
        const first = set.files.find((f) => f.role === 'up' || f.role === 'repeatable');
        if (!ddl || !first) continue;
        const at = byRel.get(first.rel)!.path;
        const list = this.toolTables.get(at) ?? [];
        list.push(toolTableFile(set.convention, ddl, this.config));
        this.toolTables.set(at, list);
      }
      this.ordered = plan.files.map((p) => {
        const f = byRel.get(p.rel)!;
        f.migration = {
          role: p.role, convention: setOf.get(p.rel) ?? 'plain', set: folderOf.get(p.rel), wraps: p.wraps, oneQuery: p.oneQuery,
          downFrom: p.downFrom, upFrom: p.upFrom, undoes: pathOf(p.undoes), downFile: pathOf(p.downFile),
        };
        f.isDown = p.role === 'down';
        const included = m.include.length === 0 || matchesAny(p.rel, m.include);
        f.replayed = included && (p.role === 'up' || p.role === 'repeatable' || p.role === 'plain');
        return f;
      });
    }
    return this.ordered;
  }

  /**
   * How the project's migration tools run its files: per migration set (a folder a tool is pointed
   * at) its convention, files in order with their role and why, and warnings where the order is
   * ambiguous. Plain data (engine/conventions.ts MigrationPlan); paths are project-relative.
   */
  migrationPlan(): MigrationPlan {
    this.order();
    return this.plan!;
  }

  /** The tool tables (schema_migrations...) created just before `file`, as the tool creates them before its first migration. */
  toolTablesBefore(file: SourceFile): readonly SourceFile[] {
    this.order();
    return this.toolTables.get(file.path) ?? [];
  }

  /** Bumped on every change of files, configuration or base (a paused analyzeSteps is then out of date). */
  revision = 0;
  /** Bumped when the configuration or the base changes (not files). */
  settingsRevision = 0;
  /** The schema if it is computed for the current files, without computing it. */
  peekSchema(): Schema | undefined { return this.finalSchema; }

  private invalidate(): void { this.revision++; this.ordered = undefined; this.finalSchema = undefined; this.finalSchemas = undefined; this.placeholders = undefined; }

  /** Masked template placeholder (a run of `_`) -> its original text; null when two differ. */
  private placeholders: Map<string, string | null> | undefined;

  /**
   * Fixes are written from parsed (masked) text, so a name that came from a template placeholder
   * (`{{ index .Options "Namespace" }}` is parsed as `____...`) must be written back as the
   * placeholder. A run of underscores that stands for two different placeholders of the same length
   * cannot be told apart: that fix is dropped rather than written wrong.
   */
  private cleanFixes(fixes: Fix[] | undefined, rule: string, at: { path: string; start: number }): Fix[] | undefined {
    const cleaned = this.unmaskFixes(fixes);
    if (!cleaned) return undefined;
    const kept = cleaned.filter((fix) => {
      const reason = this.editsAppliedMigration(fix) ?? fixProblem(fix, (p) => this.files.get(p), this.files.get(at.path)?.dialect.family);
      if (reason) this.droppedFixes.push({ rule, path: at.path, start: at.start, title: fix.title, reason });
      return !reason;
    });
    return kept.length ? kept : undefined;
  }

  private rollbacksOf: { files: readonly SourceFile[]; paths: Set<string> } | undefined;
  /**
   * Files holding a rollback of a migration that has already run: down files whose up is applied
   * (engine/placement.ts isAppliedMigration), and goose/dbmate files that are themselves applied
   * (their Down section). Cached per order.
   */
  private appliedRollbacks(): Set<string> {
    const files = this.order();
    if (this.rollbacksOf?.files === files) return this.rollbacksOf.paths;
    const paths = new Set<string>();
    for (const f of files) {
      const hasDown = f.isDown || f.migration?.downFrom !== undefined;
      if (hasDown && isAppliedMigration(files, f)) paths.add(f.path);
    }
    this.rollbacksOf = { files, paths };
    return paths;
  }

  /**
   * The engine's own guarantee that no fix edits a migration that has already run (whatever a rule
   * offered): the databases where it ran never see the edit, and the file would then lie about them.
   * New files (create) are how such fixes are written instead.
   */
  private editsAppliedMigration(fix: Fix): string | undefined {
    const files = this.order();
    const sqitch = this.plan?.sets.filter((st) => st.convention === 'sqitch') ?? [];
    const pop = this.plan?.sets.filter((st) => st.convention === 'pop') ?? [];
    for (const e of fix.edits) {
      if (!e.create || !pop.length || !/\bconcurrently\b/i.test(e.newText) || /\.autocommit\.(up|down)\.sql$/i.test(e.path)) continue;
      const rel = this.relPath(e.path).replace(/\\/g, '/');
      if (pop.some((st) => rel.startsWith(`${st.folder}/`) || (!st.folder && !rel.includes('/')))) return `it would create ${rel}, which pop runs inside a transaction, where CONCURRENTLY fails (this pop has no .autocommit migrations)`;
    }
    for (const e of fix.edits) {
      if (!e.create || !sqitch.length) continue;
      const rel = this.relPath(e.path).replace(/\\/g, '/');
      if (sqitch.some((st) => !st.folder || rel.startsWith(`${st.folder}/`))) return `it would create ${rel}, which sqitch never runs until the change is added to sqitch.plan (sqitch add) with its revert and verify scripts`;
    }
    for (const e of fix.edits) {
      if (e.create) continue;
      const f = this.files.get(e.path);
      if (f && isAppliedMigration(files, f)) return `it would edit ${this.relPath(e.path)}, a migration that has already run (a fix writes a new migration instead)`;
      const never = f && neverEdited(f);
      if (never) return `it would edit ${this.relPath(e.path)}, ${never}`;
    }
    return undefined;
  }

  private unmaskFixes(fixes: Fix[] | undefined): Fix[] | undefined {
    if (!fixes?.length) return undefined;
    if (this.base) {
      const base = this.base.path;
      fixes = fixes.filter((f) => !f.edits.some((e) => e.path === base));
      if (!fixes.length) return undefined;
    }
    // A file that was not analysed (too large, unreadable, not a regular file) holds none or part of
    // its text here: an edit to it would overwrite the file on disk with that.
    fixes = fixes.filter((f) => !f.edits.some((e) => !e.create && this.files.get(e.path)?.skipped));
    if (!fixes.length) return undefined;
    if (!fixes.some((f) => f.edits.some((e) => e.newText.includes('___')))) return fixes;
    if (!this.placeholders) {
      const map = new Map<string, string | null>();
      for (const f of this.files.values()) {
        if (!f.split.templated || f.split.masked === f.text) continue;
        const m = f.split.masked, t = f.text;
        for (let i = 0; i < m.length; i++) {
          if (m[i] !== '_' || t[i] === '_') continue;
          let j = i;
          while (j < m.length && m[j] === '_' && t[j] !== '_') j++;
          const key = m.slice(i, j), original = t.slice(i, j);
          if (!map.has(key)) map.set(key, original);
          else if (map.get(key) !== original) map.set(key, null);
          i = j;
        }
      }
      this.placeholders = map;
    }
    const map = this.placeholders;
    if (!map.size) return fixes;
    const out: Fix[] = [];
    for (const fix of fixes) {
      let ambiguous = false;
      const edits = fix.edits.map((e) => ({
        ...e,
        newText: e.newText.replace(/(?<![A-Za-z0-9_$])_{3,}(?![A-Za-z0-9_$])/g, (run) => {
          const original = map.get(run);
          if (original === null) ambiguous = true;
          return original ?? run;
        }),
      }));
      if (!ambiguous) out.push({ ...fix, edits, title: fix.title });
    }
    return out.length ? out : undefined;
  }

  /** The schema after every migration. */
  schema(): Schema {
    const steps = this.schemaSteps();
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /**
   * schema() in steps: pauses after each replayed statement (the language server answers requests in
   * between). The result is kept as the project's schema only if no file, configuration or base
   * changed meanwhile; callers stop a run whose project changed (`revision`).
   */
  *schemaSteps(): Generator<void, Schema, void> {
    if (this.finalSchema) return this.finalSchema;
    const revision = this.revision;
    const { schemas, schemaOf } = this.familySchemas();
    schemaOf(this.mainFamily());
    for (const f of this.order()) {
      const schema = schemaOf(f.dialect.family);
      for (const t of this.toolTablesBefore(f)) for (const s of t.statements) applyStatement(schema, s);
      if (!f.replayed) continue;
      for (const s of f.statements) { if (!isDownStatement(s)) applyStatement(schema, s); yield; }
    }
    const main = schemas.get(this.mainFamily())!;
    if (this.revision === revision) { this.finalSchema = main; this.finalSchemas = schemas; }
    return main;
  }

  private finalSchemas: Map<DialectFamily, Schema> | undefined;

  /**
   * One schema per dialect family, made on first use and started from the base when the base is of
   * that family: a MySQL chain never sees PostgreSQL tables, nor the reverse.
   */
  private familySchemas(): { schemas: Map<DialectFamily, Schema>; schemaOf: (fam: DialectFamily) => Schema } {
    const schemas = new Map<DialectFamily, Schema>();
    const base = this.activeBase();
    const schemaOf = (fam: DialectFamily): Schema => {
      let s = schemas.get(fam);
      if (!s) {
        s = new Schema();
        schemas.set(fam, s);
        if (base && base.dialect.family === fam) for (const st of base.statements) applyStatement(s, st);
      }
      return s;
    };
    return { schemas, schemaOf };
  }

  /**
   * The dialect most of the project's files are read as: its schema is schema()'s. A project with
   * files of two dialects (ory's `*.postgres.up.sql` beside `*.mysql.up.sql`) has one schema per
   * dialect; schemaFor() gives a file's own.
   */
  mainFamily(): DialectFamily {
    let my = 0, pg = 0;
    for (const f of this.files.values()) { if (f.dialect.family === 'mysql') my++; else if (!f.otherDialect) pg++; }
    return my > pg ? 'mysql' : 'postgres';
  }

  /** The schema after every migration of the file's dialect (the schema its statements are judged against). */
  schemaFor(path: string): Schema {
    const fam = this.files.get(path)?.dialect.family ?? this.mainFamily();
    const main = this.schema();
    return this.finalSchemas?.get(fam) ?? (fam === this.mainFamily() ? main : new Schema());
  }

  /**
   * Findings for `targets` (default: every file). The whole project is replayed (that is what the
   * schema is), but rules run only where findings are wanted.
   */
  analyze(targets?: Iterable<string>, options: AnalyzeOptions = {}): Map<string, Finding[]> {
    const steps = this.analyzeSteps(targets, options);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /**
   * analyze() in steps: the generator pauses after each statement, file and schema rule, so that a
   * caller (the language server) can let other work run in between, or give up. Resuming it after the
   * project changed (`revision`) would mix two states: callers stop instead.
   */
  *analyzeSteps(targets?: Iterable<string>, options: AnalyzeOptions = {}): Generator<void, Map<string, Finding[]>, void> {
    const only = options.only;
    const want = new Set(targets ?? this.files.keys());
    const out = new Map<string, Finding[]>();
    for (const p of want) if (this.files.has(p)) out.set(p, []);
    const enabled = ALL_RULES.filter((r) => this.severityOf(r.meta.id) !== 'off');
    const forFamily = (fam: DialectFamily, rules: Rule[]) => rules.filter((r) => ruleHolds(r, fam));
    const replayRulesAll = enabled.filter((r) => r.beforeStatement);
    const stmtRulesAll = enabled.filter((r) => r.onStatement);
    const replayRules = { postgres: forFamily('postgres', replayRulesAll), mysql: forFamily('mysql', replayRulesAll) };
    const stmtRules = { postgres: forFamily('postgres', stmtRulesAll), mysql: forFamily('mysql', stmtRulesAll) };
    const schemaRules = enabled.filter((r) => r.onSchema);

    const { schemas, schemaOf } = this.familySchemas();
    const base = this.activeBase();
    const mainFamily = this.mainFamily();
    schemaOf(mainFamily);
    const baseFindings: Finding[] = [];
    this.baseFindings = baseFindings;
    this.droppedFixes = [];
    for (const file of this.order()) {
      const fam = file.dialect.family;
      const schema = schemaOf(fam);
      const findings = out.get(file.path);
      const newTables = new Set<string>();
      let inTx = false;
      for (const t of this.toolTablesBefore(file)) for (const s of t.statements) applyStatement(schema, s);
      // A second install path (a full schema beside versioned migrations) runs on an empty database:
      // it is judged against its own schema, and does not change the project's.
      const alone = file.migration?.role === 'install-alternative';
      const into = alone ? new Schema() : schema;
      if (alone && base && base.dialect.family === fam) for (const s of base.statements) applyStatement(into, s);
      const runner = runnerOf(file, this.config);
      // a file sent as one query is one transaction when it holds several statements (per section: dbmate sends each section alone)
      const upCount = file.statements.filter((s) => s.node && !isDownStatement(s)).length;
      const downCount = file.statements.filter((s) => s.node && isDownStatement(s)).length;
      // The rollback of a migration that has already run is history: nobody edits it, and its locks and
      // queries are judged when it was written (only its syntax is still checked)
      const historyDown = !!findings && this.appliedRollbacks().has(file.path);
      for (const stmt of file.statements) {
        if (findings && stmt.node && stmt.kind && (!only || only(stmt)) && !(historyDown && isDownStatement(stmt)) && !this.mySqlError(stmt)) {
          const tx = inTx || runner.wraps || (runner.oneQuery && (isDownStatement(stmt) ? downCount : upCount) > 1);
          const ctx = this.context(stmt, into, newTables, tx, findings, undefined);
          for (const r of replayRules[fam]) if (!r.textFilter || r.textFilter.test(stmt.text)) this.run(r, stmt, () => r.beforeStatement!(ctx(r)));
        }
        if (stmt.kind === 'TransactionStmt') {
          const k = stmt.node?.kind;
          if (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START') inTx = true;
          else if (k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_ROLLBACK' || k === 'TRANS_STMT_PREPARE') inTx = false;
        }
        if ((file.replayed || alone) && !isDownStatement(stmt)) {
          if (fam === 'mysql') {
            // MySQL: a table that appears is new (CREATE TABLE, CREATE TABLE ... LIKE / AS SELECT)
            const before = into.tables.size;
            applyStatement(into, stmt);
            if (into.tables.size > before) { let last: string | undefined; for (const k of into.tables.keys()) last = k; if (last) newTables.add(last); }
          } else {
            const before = stmt.kind === 'CreateStmt' || stmt.kind === 'CreateTableAsStmt' ? into.tables.size : -1;
            applyStatement(into, stmt);
            if (before >= 0) {
              const rv = stmt.kind === 'CreateStmt' ? stmt.node!.relation : (stmt.node!.into?.IntoClause ?? stmt.node!.into)?.rel;
              const t = rv && into.table(rv.schemaname, rv.relname);
              if (t) newTables.add(t.key);
            }
          }
        }
        yield;
      }
      yield;
    }
    this.finalSchema = schemas.get(mainFamily)!;
    this.finalSchemas = schemas;

    for (const file of this.order()) {
      const findings = out.get(file.path);
      if (!findings) continue;
      const fam = file.dialect.family;
      const schema = schemaOf(fam);
      if (file.skipped) {
        findings.push({ rule: 'file-too-large', severity: this.severityOf('file-too-large') as Severity, message: file.skipped, path: file.path, start: 0, end: 0 });
        continue;
      }
      if (file.otherDialect) {
        const sign = file.otherDialect.signs[0];
        const sev = this.severityOf('other-dialect');
        if (sev !== 'off') findings.push({ rule: 'other-dialect', severity: sev as Severity, message: dialectMessage(file.otherDialect, file.dialect), path: file.path, start: sign.start, end: sign.end });
        continue;
      }
      const newTables = new Set<string>();
      for (const stmt of file.statements) {
        const error: { message: string; offset: number; length?: number } | undefined = stmt.parsed.error ?? this.mySqlError(stmt);
        if (error) {
          if (!stmt.templated && this.severityOf('syntax-error') !== 'off') {
            const at = stmt.start + error.offset;
            findings.push({
              rule: 'syntax-error', severity: this.severityOf('syntax-error') as Severity, message: error.message,
              path: file.path, start: at, end: error.length ? Math.min(stmt.end, at + error.length) : tokenishEnd(file.text, at, stmt.end),
            });
          }
          continue;
        }
        if (!stmt.node || !stmt.kind || (only && !only(stmt))) continue;
        if (isDownStatement(stmt) && this.appliedRollbacks().has(file.path)) continue;
        const ctx = this.context(stmt, schema, newTables, false, findings, undefined);
        for (const r of stmtRules[fam]) if (!r.textFilter || r.textFilter.test(stmt.text)) this.run(r, stmt, () => r.onStatement!(ctx(r)));
        yield;
      }
    }

    const rank = new Map(this.order().map((f, i) => [f.path, i] as const));
    const before = (a: { path: string; start: number }, b: { path: string; start: number }): boolean => {
      const ra = rank.get(a.path) ?? -1, rb = rank.get(b.path) ?? -1;
      return ra !== rb ? ra < rb : a.start < b.start;
    };
    const families = [...schemas.keys()];
    for (const fam of families) for (const r of schemaRules) {
      if (!ruleHolds(r, fam)) continue;
      const schema = schemas.get(fam)!;
      const famFiles = families.length === 1 ? this.order() : this.order().filter((f) => f.dialect.family === fam);
      const sev = this.severityOf(r.meta.id) as Severity;
      let steps: void | Generator<void, void, void> = undefined;
      try {
        steps = r.onSchema!({
          schema,
          file: (p) => this.files.get(p),
          files: () => famFiles,
          before,
          wants: (p) => out.has(p) || (!!base && p === base.path),
          report: ({ loc, message, fixes }) => {
            const list = out.get(loc.path) ?? (base && loc.path === base.path ? baseFindings : undefined);
            if (list) list.push({ rule: r.meta.id, severity: sev, message, path: loc.path, start: loc.start, end: loc.end, fixes: this.cleanFixes(fixes, r.meta.id, loc) });
          },
        });
      } catch (e: any) {
        this.internalErrors.push({ rule: r.meta.id, path: '(schema)', message: String(e?.stack ?? e) });
      }
      // a generator rule: one step at a time (a throw ends it, as it ends a plain rule)
      if (steps) {
        for (;;) {
          try {
            if (steps.next().done) break;
          } catch (e: any) {
            this.internalErrors.push({ rule: r.meta.id, path: '(schema)', message: String(e?.stack ?? e) });
            break;
          }
          yield;
        }
      }
      yield;
    }

    for (const [p, list] of out) {
      const file = this.files.get(p)!;
      const kept = applySuppressions(file, list);
      kept.sort((a, b) => a.start - b.start || a.rule.localeCompare(b.rule));
      out.set(p, kept);
    }
    return out;
  }

  /**
   * A copy of the project to judge a change in (the agent's lint_sql and validate_migration) without
   * touching this one: same configuration, base, sqitch plans and disk facts. Each file is a shallow
   * copy with its own statements (ordering writes roles onto a file and rules read `stmt.file`, so
   * sharing them would leak the copy's order into this project); text, line index, split and parses
   * are shared, read-only. Rebuilding the files instead (split and cached parses) cost 10-50 times
   * more (docs/decisions/0038-agent-schema-tools.md).
   */
  fork(): Project {
    const q = new Project(this.config, this.relPath);
    q.partialSchema = this.partialSchema;
    q.base = this.base;
    q.baseWhen = this.baseWhen;
    q.hint = this.hint;
    for (const [k, v] of this.sqitchPlans) q.sqitchPlans.set(k, v);
    for (const k of this.createdByFix) q.createdByFix.add(k);
    for (const f of this.files.values()) {
      const disk = this.disk.get(f.path);
      if (disk) q.disk.set(f.path, disk);
      const copy: SourceFile = { ...f, statements: [] };
      copy.statements = f.statements.map((st) => ({ ...st, file: copy }));
      q.put(q.mark(copy));
    }
    q.rehint();
    q.invalidate();
    return q;
  }

  /** The MySQL grammar's verdict on a statement of a MySQL file (undefined: none, or not known yet). */
  private mySqlError(stmt: Statement): { message: string; offset: number; length?: number } | undefined {
    if (stmt.file.dialect.family !== 'mysql' || stmt.templated) return undefined;
    return mySqlSyntax(stmt.text, stmt.file.dialect.id === 'mariadb' ? 'mariadb' : 'mysql') ?? undefined;
  }

  severityOf(id: string): Severity | 'off' {
    const s = this.config.rules[id];
    if (s) return s;
    return RULES_BY_ID.get(id)?.meta.severity ?? (id === 'file-too-large' ? 'warning' : 'error');
  }

  private run(r: Rule, stmt: Statement, fn: () => void): void {
    try { fn(); } catch (e: any) {
      this.internalErrors.push({ rule: r.meta.id, path: stmt.file.path, message: `statement at offset ${stmt.start}: ${String(e?.stack ?? e)}` });
    }
  }

  private context(stmt: Statement, schema: Schema, newTables: Set<string>, inTransaction: boolean, findings: Finding[], _u: undefined) {
    return (r: Rule): StatementContext => {
      const down = isDownStatement(stmt);
      let sev = this.severityOf(r.meta.id) as Severity;
      // A rollback runs rarely, right after its up migration, usually on tables just created: a
      // locking rule says so at most as information.
      // locking advice on a rollback is advice; a statement that cannot run there at all is not
      if (down && r.meta.category === 'migration' && !FAILS_OUTRIGHT.has(r.meta.id) && (sev === 'error' || sev === 'warning')) sev = 'info';
      const runner = runnerOf(stmt.file, this.config);
      return {
        stmt, kind: stmt.kind!, node: stmt.node!, file: stmt.file, schema, newTables, inTransaction, partialSchema: this.partialSchema,
        offset: (loc) => fileOffset(stmt, loc),
        files: () => this.order(),
        postgresVersion: this.config.postgresVersion,
        lockTimeout: this.config.migrations.lockTimeout,
        runner: { ...runner, down },
        report: ({ start, end, message, fixes }) => {
          findings.push({ rule: r.meta.id, severity: sev, message, path: stmt.file.path, start, end: Math.max(end, start), fixes: this.cleanFixes(fixes, r.meta.id, { path: stmt.file.path, start }) });
        },
      };
    };
  }
}


/** True when the rule holds for files of the dialect family (RuleMeta.dialects, PostgreSQL only by default). */
export function ruleHolds(r: Rule, fam: DialectFamily): boolean {
  return (r.meta.dialects ?? ['postgres']).includes(fam);
}

/** How the file's tool runs it (migrations.transactional forces a transaction whatever the tool). */
function runnerOf(file: SourceFile, config: Config): { convention: string; wraps: boolean; oneQuery: boolean; wrapsBy?: string } {
  const m = file.migration;
  const convention = m?.convention ?? 'plain';
  const byTool = !!m?.wraps && !config.migrations.transactional;
  return {
    convention,
    wraps: config.migrations.transactional || !!m?.wraps,
    oneQuery: !config.migrations.transactional && !m?.wraps && !!m?.oneQuery,
    wrapsBy: config.migrations.transactional ? 'migrations.transactional' : byTool ? convention : undefined,
  };
}

/** The table a migration tool keeps its history in, as a file of DDL replayed before the tool's first migration. */
function toolTableFile(convention: string, ddl: string, config: Config): SourceFile {
  return buildFile(`(${convention} history table)`, ddl, config, `(${convention} history table)`);
}

/** Rules whose findings are statements PostgreSQL refuses, not lock advice: full severity in a rollback too. */
const FAILS_OUTRIGHT = new Set(['concurrently-in-transaction', 'enum-value-used-in-same-transaction']);

/** Splits and parses a file into statements (parses are cached per statement text). */
export function buildFile(path: string, text: string, config: Config, rel: string, disk?: DiskInfo, projectFamily?: DialectFamily | 'mixed'): SourceFile {
  const early = dialectBeforeReading(rel, config);
  const file: SourceFile = {
    path, text, lines: new LineIndex(text), split: { statements: [], masked: text, templated: false }, statements: [],
    isDown: isDownMigration(rel),
    replayed: !isDownMigration(rel) && (config.migrations.include.length === 0 || matchesAny(rel, config.migrations.include)),
    dialect: early ?? DEFAULT_CHOICE,
  };
  if (disk?.unreadable) {
    file.skipped = `File not analysed: ${disk.unreadable}.`;
    return file;
  }
  // The size on disk when known: text decoded from invalid UTF-8 re-encodes larger (U+FFFD is 3 bytes).
  const bytes = disk?.size ?? Buffer.byteLength(text, 'utf8');
  if (bytes > config.maxFileBytes) {
    file.skipped = `File not analysed: ${bytes} bytes is over the ${config.maxFileBytes}-byte limit (maxFileBytes in .dbe.json).`;
    return file;
  }
  if (text.indexOf('\0') >= 0) {
    file.skipped = 'File not analysed: it contains NUL bytes, so it is not a SQL text file.';
    return file;
  }
  if (early?.family === 'mysql') return readMySqlFile(file);
  file.split = splitStatements(text);
  file.statements = file.split.statements.map((raw, index) => {
    const parsed = parseStatement(raw.text);
    const kind = kindOf(parsed.node);
    return {
      file, index, start: raw.start, end: raw.end, text: raw.text, templated: raw.templated, parsed,
      kind, node: kind ? parsed.node![kind] : undefined,
    };
  });
  // A file in another dialect: read by its own front end (MySQL), or one notice instead of a syntax
  // error per statement (SQL Server, Oracle; or MySQL where the project says PostgreSQL), and nothing of
  // it is judged or replayed as PostgreSQL.
  const guess = detectDialect(text, file.statements.map((s) => ({ start: s.start, end: s.end, error: !!s.parsed.error && !s.templated })));
  const bySigns = !early ? dialectFromSigns(guess) : undefined;
  if (bySigns) { file.dialect = bySigns; return readMySqlFile(file); }
  if (guess) {
    file.otherDialect = guess;
    file.statements = [];
    return file;
  }
  if (!early && projectFamily === 'mysql') { file.dialect = { ...PROJECT_MYSQL }; return readMySqlFile(file); }
  // A project with MySQL files: a file with no sign of its own whose every statement PostgreSQL refuses
  // reads as MySQL (LIMIT 5, 10; LOCK IN SHARE MODE) is MySQL, not a PostgreSQL file full of errors
  if (!early && projectFamily === 'mixed') {
    const refused = file.statements.filter((s) => s.parsed.error && !s.templated);
    if (refused.length && refused.every((s) => parseMySqlStatement(s.text).node)) {
      file.dialect = { id: 'mysql', family: 'mysql', by: 'project', why: "PostgreSQL refuses what MySQL reads in it, and the project has MySQL files" };
      return readMySqlFile(file);
    }
  }
  return file;
}

const PROJECT_MYSQL: DialectChoice = { id: 'mysql', family: 'mysql', by: 'project', why: "most of the project's SQL files are MySQL" };

/** The MySQL front end: DELIMITER-aware split, statements lowered to the shared model where they mean the same. */
function readMySqlFile(file: SourceFile): SourceFile {
  file.split = splitMySql(file.text);
  file.statements = file.split.statements.map((raw, index) => {
    const parsed = parseMySqlStatement(raw.text);
    const kind = kindOf(parsed.node);
    return {
      file, index, start: raw.start, end: raw.end, text: raw.text, templated: raw.templated, parsed,
      kind: kind ?? MYSQL_STATEMENT, node: kind ? parsed.node![kind] : {},
    };
  });
  return file;
}
