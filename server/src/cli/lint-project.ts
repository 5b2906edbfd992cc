// Lints one project (read, parse, replay, judge; with --fix, fix and re-lint) and returns its
// findings already converted to the JSON contract's shape, so the result can cross a worker boundary.
import { describeDialects } from '../dialects/describe';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project } from '../engine/project';
import { describePlan } from '../engine/conventions';
import { applyEdits } from '../engine/edits';
import { coveredWhole, parseSummary, worseParse } from '../engine/fix-check';
import { notWritable, outsideRoots, writeAllOrNothing, type PlannedWrite } from '../engine/safe-write';
import { toJsonReport, type JsonDiagnostic } from '../engine/output';
import type { Finding, TextEdit } from '../model';
import { clearParseCaches, setParseStore } from '../sql/parse';
import { cacheFileFor, DiskParseCache, type CacheEntry } from './parse-cache';
import { setMySqlVerdictStore } from '../dialects/mysql/syntax';
import { ResultCache } from './result-cache';
import { looksLikeMigration, relTo, InputError, type ProjectSpec } from './collect';
import { isAppliedMigration, neverEdited } from '../engine/placement';
import { readDiskSource, type DiskSource } from '../engine/read-file';
import { timed } from './timing';

export interface FileReport {
  /** Absolute path. */
  path: string;
  diagnostics: JsonDiagnostic[];
}

export interface ProjectResult {
  files: FileReport[];
  /** One line each: `internal error in rule X on file Y: message`. */
  internalErrors: string[];
  fixesApplied: number;
  /** Files rewritten by --fix. */
  filesFixed: number;
  /** --fix: one line each about what was not fixed or not written, and why. */
  fixNotes?: string[];
  /** --fix prepared fixes but wrote none of them (a file changed on disk, a write failed): exit 2. */
  fixWriteFailed?: boolean;
  /** The project's migration plan, one line each (engine/conventions.ts describePlan): `dbe lint --verbose` prints it. */
  plan?: string[];
  /** Parse-cache entries for the shard that writes the cache ("send"). */
  cacheAdds?: CacheEntry[];
  /** The project's cache, not yet written ("defer"; main thread only, never posted). */
  store?: DiskParseCache;
}

/**
 * Fixes are applied pass by pass (overlapping edits wait for the next pass; one new migration per
 * pass, since the next is named after it). The loop stops when a pass applies nothing; this bounds it.
 */
export const MAX_FIX_PASSES = 50;

/** Puts a file read by readDiskSource into the project. */
export function addSource(project: Project, file: string, source: DiskSource): void {
  project.setFile(file, source.text, { size: source.size, unreadable: source.unreadable });
}

/**
 * Reads every file of `spec` into the project. Never throws and never blocks: a file that is not a
 * regular file or cannot be read comes in with `unreadable`, reported as one finding on it (decision 0013).
 */
export function addProjectFiles(project: Project, spec: ProjectSpec): void {
  for (const f of [...spec.files, ...(spec.context ?? [])]) addSource(project, f, readDiskSource(f, spec.config.maxFileBytes));
  addMigrationMeta(project, spec);
}

/** What the migration tools read besides SQL: a sqitch project's sqitch.plan (its deploy order). */
export function addMigrationMeta(project: Project, spec: ProjectSpec): void {
  for (const set of project.migrationPlan().sets) {
    if (set.convention !== 'sqitch') continue;
    const file = path.join(spec.root, set.folder, 'sqitch.plan');
    if (!fs.existsSync(file)) continue;
    const src = readDiskSource(file, spec.config.maxFileBytes);
    if (!src.unreadable) project.setSqitchPlan(set.folder, src.text);
  }
}

/** The file a command was asked about, read into the project: one that was not analysed is an input error. */
export function addNamedSource(project: Project, file: string, shown: string, maxFileBytes: number): void {
  if (!project.hasFile(file)) addSource(project, file, readDiskSource(file, maxFileBytes));
  const skipped = project.getFile(file)!.skipped;
  if (skipped) throw new InputError(`${shown}: ${skipped}`);
}

export interface LintProjectOptions {
  fix: boolean;
  cwd: string;
  /** Only these files get findings (the project is still read and replayed whole). Default: all. */
  targets?: string[];
  /** Use the on-disk parse cache. */
  cache: boolean;
  /**
   * What to do with new cache entries: "save" the file now; "defer" (the caller saves `store` after
   * merging other shards' entries); "send" them back in the result (a shard in a worker thread).
   */
  saveCache?: 'save' | 'defer' | 'send';
  /** --fix: runs after the fixed files are prepared, right before they replace the originals (tests). */
  beforeWrite?: () => void;
}

export function lintProject(spec: ProjectSpec, options: LintProjectOptions): ProjectResult {
  let linkNotes: string[] = [];
  // relPath is called in the ordering comparator: memoised.
  const rels = new Map<string, string>();
  const rel = (p: string) => {
    let r = rels.get(p);
    if (r === undefined) rels.set(p, (r = relTo(spec.root, p)));
    return r;
  };
  const sources = spec.files.map((f) => ({ path: f, ...timed('read', () => readDiskSource(f, spec.config.maxFileBytes, { forWrite: options.fix })) }));
  // --fix: a link to another file of the project is that file: it is read (and fixed) once, under
  // the file's own name (replayed twice, its statements would make each fix come back every pass)
  if (options.fix) {
    const realOf = (p: string) => { try { return fs.realpathSync(p); } catch { return path.resolve(p); } };
    const own = new Set(sources.filter((s) => realOf(s.path) === path.resolve(s.path)).map((s) => realOf(s.path)));
    const links = sources.filter((s) => realOf(s.path) !== path.resolve(s.path) && own.has(realOf(s.path)));
    if (links.length) {
      for (const l of links) sources.splice(sources.indexOf(l), 1);
      spec = { ...spec, files: spec.files.filter((f) => !links.some((l) => l.path === f)) };
      linkNotes = links.map((l) => `${path.relative(options.cwd, l.path) || l.path}: not fixed: it is a link to ${path.relative(options.cwd, realOf(l.path)) || realOf(l.path)}, which is fixed under its own name`);
    }
  }
  // the rest of the project (files given one by one, a sub-folder): read for the schema and the
  // migration set, never judged or fixed
  if (spec.context?.length) {
    for (const f of spec.context) sources.push({ path: f, ...timed('read', () => readDiskSource(f, spec.config.maxFileBytes)) });
    options = { ...options, targets: options.targets ?? spec.files };
  }
  // A project whose files, configuration and dbe build are all unchanged: the report is on disk.
  const results = options.cache && !options.fix && !options.targets ? timed('result-cache', () => ResultCache.for(spec, sources, options.cwd)) : undefined;
  const hit = results && timed('result-cache', () => results.load());
  if (hit) return hit;
  const project = new Project(spec.config, rel);
  // Each project gets its own cache file, filled only with its own statements.
  clearParseCaches();
  const store = options.cache ? timed('cache-load', () => new DiskParseCache(cacheFileFor(spec.root, spec.kind === 'files' ? spec.files : undefined)).load()) : undefined;
  setParseStore(store);
  setMySqlVerdictStore(store);
  try {
    const out = lintWith(project, spec, sources, options, store);
    if (linkNotes.length) out.fixNotes = [...linkNotes, ...(out.fixNotes ?? [])];
    if (results) timed('result-cache', () => results.save(out));
    return out;
  } finally {
    setParseStore(undefined);
    setMySqlVerdictStore(undefined);
  }
}

function lintWith(project: Project, spec: ProjectSpec, sources: ({ path: string } & DiskSource)[], options: LintProjectOptions, store: DiskParseCache | undefined): ProjectResult {
  for (const s of sources) timed('split+parse', () => addSource(project, s.path, s));
  addMigrationMeta(project, spec);
  let results = timed('analyze', () => project.analyze(options.targets));
  let fixesApplied = 0;
  let filesFixed = 0;
  const fixNotes: string[] = [];
  let fixWriteFailed = false;
  if (options.fix) {
    const out = fixProject(project, spec, sources, options, results, fixNotes);
    fixWriteFailed = out.writeFailed;
    results = out.results;
    fixesApplied = out.fixesApplied;
    filesFixed = out.filesFixed;
  }
  const mode = options.saveCache ?? 'save';
  if (store && mode === 'save') timed('cache-save', () => store.save());
  const root = path.relative(options.cwd, spec.root) || '.';
  const plan = [...describeDialects(project, (p) => path.relative(spec.root, p) || p), ...describePlan(project.migrationPlan())].map((l) => `${root}: ${l}`);
  const report = timed('report', () => toJsonReport(project, results, (p) => path.relative(options.cwd, p) || p));
  const files: FileReport[] = [];
  let i = 0;
  for (const p of results.keys()) {
    const diagnostics = report.files[i++].diagnostics;
    files.push({ path: p, diagnostics });
  }
  const seenErr = new Set<string>();
  const internalErrors: string[] = [];
  for (const e of project.internalErrors) {
    const where = e.path === '(schema)' ? 'the project schema' : path.relative(options.cwd, e.path) || e.path;
    const line = `internal error in rule ${e.rule} on ${e.path === '(schema)' ? '' : 'file '}${where}: ${firstLine(e.message)}`;
    if (!seenErr.has(line)) { seenErr.add(line); internalErrors.push(line); }
  }
  const out: ProjectResult = { files, internalErrors, fixesApplied, filesFixed, plan };
  if (fixNotes.length) out.fixNotes = fixNotes;
  if (fixWriteFailed) out.fixWriteFailed = true;
  if (store && mode === 'send' && store.dirty) out.cacheAdds = store.addedEntries();
  if (store && mode === 'defer') out.store = store;
  return out;
}

function firstLine(s: string): string {
  const lines = s.split('\n');
  // "statement at offset N: Error: message" then the stack; keep the message and its first frame.
  const frame = lines.find((l) => /^\s+at /.test(l));
  return lines[0] + (frame ? ` (${frame.trim()})` : '');
}

/**
 * --fix: applies fixes pass by pass in memory, then writes the changed files all at once, or none.
 * Files that are not UTF-8, read-only, or reached through a link leaving the project are not fixed;
 * a file whose fixes together would parse worse is not written (with every file a fix of it also
 * touched); a file that changed on disk since it was read stops the write. Each case is one note.
 */
function fixProject(project: Project, spec: ProjectSpec, sources: ({ path: string } & DiskSource)[], options: LintProjectOptions, results: Map<string, Finding[]>, notes: string[]): { results: Map<string, Finding[]>; fixesApplied: number; filesFixed: number; writeFailed: boolean } {
  const show = (p: string) => path.relative(options.cwd, p) || p;
  const original = new Map(sources.map((s) => [s.path, s] as const));
  const context = new Set(spec.context ?? []);
  const given = new Set(spec.files);
  const roots = [spec.root];
  // why a file may not be rewritten (or created), asked once per path
  const refusals = new Map<string, string | undefined>();
  const refusal = (p: string, create: boolean): string | undefined => {
    if (refusals.has(p)) return refusals.get(p);
    let why: string | undefined;
    const src = original.get(p);
    if (!create && src && !src.utf8) why = src.hash ? 'not UTF-8' : 'not read whole';
    if (!why && !create && context.has(p)) why = 'it is not among the files given (read only for the schema and the migration set)';
    if (!why && !create && spec.setUnknown && looksLikeMigration(p)) why = 'its migration set cannot be read, so it may be a migration that has already run';
    if (!why && !create) why = linkRefusal(project, p, show, given);
    why ??= outsideRoots(p, roots);
    if (!why && !create) why = notWritable(p);
    refusals.set(p, why);
    return why;
  };
  const skipped = new Map<string, Set<string>>();
  const dropped = new Map<string, string>();
  const noteDropped = () => {
    for (const d of project.droppedFixes) {
      const pos = project.getFile(d.path)?.lines.position(d.start);
      const at = `${show(d.path)}${pos ? `:${pos.line + 1}:${pos.character + 1}` : ''}`;
      dropped.set(`${at} ${d.rule} ${d.title}`, `${at}: ${d.rule} fix not applied: ${d.reason}`);
    }
  };
  noteDropped();
  const groups: Group[] = [];
  // statements fixes meant to remove (a deleted CREATE INDEX), per file
  const removed = new Map<string, number>();
  let passes = 0;
  for (; passes < MAX_FIX_PASSES; passes++) {
    const applied = applyFirstFixes(project, results, groups, refusal, skipped, removed);
    if (applied === 0) break;
    results = project.analyze(options.targets);
    noteDropped();
  }
  notes.push(...dropped.values());
  // fixes still offered after the last pass (the bound was reached): said, not silently left
  let left = 0;
  for (const list of results.values()) for (const f of list) if (f.fixes?.length && !f.fixes[0].edits.some((e) => refusal(e.path, !!e.create))) left++;
  if (left && passes === MAX_FIX_PASSES) notes.push(`${left} fix${left === 1 ? '' : 'es'} left for the next run after ${MAX_FIX_PASSES} passes: run dbe lint --fix again`);
  else if (left) notes.push(`${left} fix${left === 1 ? '' : 'es'} not applied: ${left === 1 ? 'it does' : 'they do'} not apply to the files as they are now (a new file's name is taken, or the edits overlap)`);
  for (const [p, set] of skipped) { const n = set.size; notes.push(`${show(p)}: not rewritten: ${refusals.get(p)} (${n} fix${n === 1 ? '' : 'es'} not applied)`); }

  // files tied together by a fix are written together or not at all
  const component = new Map<string, Set<string>>();
  for (const g of groups) {
    const merged = new Set<string>(g.paths);
    for (const p of g.paths) for (const q of component.get(p) ?? []) merged.add(q);
    for (const p of merged) component.set(p, merged);
  }
  const changed = [...component.keys()].filter((p) => {
    const src = original.get(p);
    return !src || project.getFile(p)?.text !== src.text;
  });
  // the last check: every changed file parses at least as well as it did
  const rejected = new Set<string>();
  for (const p of changed) {
    const src = original.get(p);
    const now = project.getFile(p)!.text;
    // a MySQL file is checked by the MySQL front end (its dialect as the project reads it now)
    const fam = project.getFile(p)?.dialect.family;
    const why = src ? worseParse(parseSummary(src.text, fam), parseSummary(now, fam), removed.get(p) ?? 0) : (/\.sql$/i.test(p) && parseSummary(now, fam).errors ? 'it does not parse' : undefined);
    if (!why) continue;
    notes.push(`${show(p)}: not rewritten: together its fixes fail the check (${why})`);
    for (const q of component.get(p)!) rejected.add(q);
  }
  let write = changed.filter((p) => !rejected.has(p));
  const restore = (paths: Iterable<string>) => {
    for (const p of paths) {
      const src = original.get(p);
      if (src) project.setFile(p, src.text);
      else project.removeFile(p);
    }
  };
  const plans: PlannedWrite[] = write.map((p) => ({ path: p, text: project.getFile(p)!.text, hash: original.get(p)?.hash, create: !original.has(p) }));
  options.beforeWrite?.();
  const outcome = plans.length ? writeAllOrNothing(plans, roots, show) : { ok: true as const };
  if (!outcome.ok) {
    notes.push(`--fix wrote no file: ${outcome.message}`);
    restore(component.keys());
    write = [];
  } else if (rejected.size) restore(rejected);
  const written = new Set(write);
  let fixesApplied = 0;
  for (const g of groups) if (g.paths.every((p) => written.has(p) || !changed.includes(p)) && g.paths.some((p) => written.has(p))) fixesApplied++;
  if (!outcome.ok || rejected.size) results = project.analyze(options.targets);
  return { results, fixesApplied, filesFixed: written.size, writeFailed: !outcome.ok };
}

/**
 * Why a file reached through a symbolic link is not rewritten, or undefined: the link's target is
 * the file that changes, so it is judged as the target (a migration that has already run is that
 * migration), and a target that is a file of the project is fixed under its own name only (never
 * written twice in one run).
 */
export function linkRefusal(project: Project, p: string, show: (p: string) => string, given: ReadonlySet<string>): string | undefined {
  let real: string;
  try { real = fs.realpathSync(p); } catch { return undefined; }
  if (real === path.resolve(p)) return undefined;
  const target = project.getFile(real);
  if (target) {
    const never = neverEdited(target);
    if (isAppliedMigration(project.order(), target)) return `it is a link to ${show(real)}, a migration that has already run`;
    if (never) return `it is a link to ${show(real)}, ${never}`;
    // a target that was given too is fixed under its own name; one read only as context, through the link
    return given.has(real) ? `it is a link to ${show(real)}, which is fixed under its own name` : undefined;
  }
  if (looksLikeMigration(real)) return `it is a link to ${show(real)}, a migration outside the files read, which may have already run`;
  return undefined;
}

/** The files one applied fix changed. */
interface Group { paths: string[] }

/**
 * Applies the first fix of every finding that has one, skipping fixes whose edits overlap an edit
 * already taken in this pass (they are retried next pass) and fixes touching a file `refusal` says
 * may not be written (counted in `skipped`). Returns how many fixes were applied.
 */
function applyFirstFixes(project: Project, results: Map<string, Finding[]>, groups: Group[], refusal: (p: string, create: boolean) => string | undefined, skipped: Map<string, Set<string>>, removed: Map<string, number>): number {
  const taken = new Map<string, TextEdit[]>();
  const passGroups: Group[] = [];
  const all: Finding[] = [];
  for (const list of results.values()) for (const f of list) if (f.fixes?.length) all.push(f);
  // Of the fixes that write a new migration (one per pass), those that also edit an existing file go
  // first: that file is the migration being written, and once the run has written other new
  // migrations after it, the next run takes it for an applied one (engine/placement.ts) and offers
  // those fixes no more.
  const late = (f: Finding) => { const e = f.fixes![0].edits; return e.some((x) => x.create) && !e.some((x) => !x.create) ? 1 : 0; };
  all.sort((a, b) => late(a) - late(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.start - b.start || a.end - b.end);
  let created = false;
  for (const f of all) {
    const edits = f.fixes![0].edits;
    if (!edits.length) continue;
    const refused = edits.find((e) => refusal(e.path, !!e.create));
    if (refused) {
      let set = skipped.get(refused.path);
      if (!set) skipped.set(refused.path, (set = new Set()));
      set.add(`${f.rule}\0${f.path}\0${f.message}`); // the same finding comes back every pass
      continue;
    }
    // one new migration per pass: the next one is named after it (two in one pass would share a number)
    const creates = edits.some((e) => e.create);
    if (creates && created) continue;
    // an edit to a file the project does not know is skipped; one creating a new file needs it absent
    if (edits.some((e) => (e.create ? project.hasFile(e.path) || taken.has(e.path) || fs.existsSync(e.path) : !project.hasFile(e.path)))) continue;
    const clash = edits.some((e) => (taken.get(e.path) ?? []).some((t) => overlaps(e, t)))
      || edits.some((e, i) => edits.some((o, j) => j !== i && e.path === o.path && overlaps(e, o)));
    if (clash) continue;
    for (const e of edits) {
      let list = taken.get(e.path);
      if (!list) taken.set(e.path, (list = []));
      list.push(e);
    }
    if (creates) created = true;
    passGroups.push({ paths: [...new Set(edits.map((e) => e.path))] });
  }
  let changed = false;
  for (const [file, edits] of taken) {
    if (edits.some((e) => e.create)) {
      project.markCreatedByFix(file);
      project.setFile(file, edits.map((e) => e.newText).join(''));
      changed = true;
      continue;
    }
    const current = project.getFile(file)!;
    const before = current.text;
    const after = applyEdits(before, edits);
    removed.set(file, (removed.get(file) ?? 0) + coveredWhole(current, edits));
    if (after !== before) { project.setFile(file, after); changed = true; }
  }
  if (!changed) return 0;
  groups.push(...passGroups);
  return passGroups.length;
}

/** Two edits conflict when their ranges intersect, or both insert at the same point. */
function overlaps(a: TextEdit, b: TextEdit): boolean {
  if (a.start === a.end && b.start === b.end) return a.start === b.start;
  return a.start < b.end && b.start < a.end || (a.start === a.end && a.start > b.start && a.start < b.end) || (b.start === b.end && b.start > a.start && b.start < a.end);
}
