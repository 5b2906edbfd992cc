// Lints one project (read, parse, replay, judge; with --fix, fix and re-lint) and returns its
// findings already converted to the JSON contract's shape, so the result can cross a worker boundary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project } from '../engine/project';
import { applyEdits } from '../engine/edits';
import { toJsonReport, type JsonDiagnostic } from '../engine/output';
import type { Finding, TextEdit } from '../model';
import { clearParseCaches, setParseStore } from '../sql/parse';
import { cacheFileFor, DiskParseCache, type CacheEntry } from './parse-cache';
import { ResultCache } from './result-cache';
import { relTo, InputError, type ProjectSpec } from './collect';
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
  /** Parse-cache entries for the shard that writes the cache ("send"). */
  cacheAdds?: CacheEntry[];
  /** The project's cache, not yet written ("defer"; main thread only, never posted). */
  store?: DiskParseCache;
}

export const MAX_FIX_PASSES = 10;

/**
 * Reads a project file. Never throws and never blocks: a file that is not a regular file (a named
 * pipe, a socket, a device, a dangling or looping symbolic link) or cannot be read comes back with
 * `unreadable`, which the engine reports as one finding on it (decision 0013).
 */
export function readSource(file: string, maxFileBytes: number): DiskSource {
  return readDiskSource(file, maxFileBytes);
}

/** Puts a file read by readSource into the project. */
export function addSource(project: Project, file: string, source: DiskSource): void {
  project.setFile(file, source.text, { size: source.size, unreadable: source.unreadable });
}

/** The file a command was asked about, read into the project: one that was not analysed is an input error. */
export function addNamedSource(project: Project, file: string, shown: string, maxFileBytes: number): void {
  if (!project.hasFile(file)) addSource(project, file, readSource(file, maxFileBytes));
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
}

export function lintProject(spec: ProjectSpec, options: LintProjectOptions): ProjectResult {
  // relPath is called in the ordering comparator: memoised.
  const rels = new Map<string, string>();
  const rel = (p: string) => {
    let r = rels.get(p);
    if (r === undefined) rels.set(p, (r = relTo(spec.root, p)));
    return r;
  };
  const sources = spec.files.map((f) => ({ path: f, ...timed('read', () => readSource(f, spec.config.maxFileBytes)) }));
  // A project whose files, configuration and dbe build are all unchanged: the report is on disk.
  const results = options.cache && !options.fix && !options.targets ? timed('result-cache', () => ResultCache.for(spec, sources, options.cwd)) : undefined;
  const hit = results && timed('result-cache', () => results.load());
  if (hit) return hit;
  const project = new Project(spec.config, rel);
  // Each project gets its own cache file, filled only with its own statements.
  clearParseCaches();
  const store = options.cache ? timed('cache-load', () => new DiskParseCache(cacheFileFor(spec.root, spec.kind === 'files' ? spec.files : undefined)).load()) : undefined;
  setParseStore(store);
  try {
    const out = lintWith(project, spec, sources, options, store);
    if (results) timed('result-cache', () => results.save(out));
    return out;
  } finally {
    setParseStore(undefined);
  }
}

function lintWith(project: Project, spec: ProjectSpec, sources: ({ path: string } & DiskSource)[], options: LintProjectOptions, store: DiskParseCache | undefined): ProjectResult {
  for (const s of sources) timed('split+parse', () => addSource(project, s.path, s));
  let results = timed('analyze', () => project.analyze(options.targets));
  let fixesApplied = 0;
  const fixedFiles = new Set<string>();
  if (options.fix) {
    for (let pass = 0; pass < MAX_FIX_PASSES; pass++) {
      const applied = applyFirstFixes(project, results, fixedFiles);
      if (applied === 0) break;
      fixesApplied += applied;
      results = project.analyze(options.targets);
    }
    for (const f of fixedFiles) {
      const created = !spec.files.includes(f);
      try {
        if (created) fs.mkdirSync(path.dirname(f), { recursive: true });
        // a new migration never overwrites a file that appeared in the meantime ('wx')
        fs.writeFileSync(f, project.getFile(f)!.text, created ? { flag: 'wx' } : undefined);
      } catch (e: any) {
        throw new InputError(`cannot write ${path.relative(options.cwd, f) || f}: ${e?.code ?? e?.message}`);
      }
    }
  }
  const mode = options.saveCache ?? 'save';
  if (store && mode === 'save') timed('cache-save', () => store.save());
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
  const out: ProjectResult = { files, internalErrors, fixesApplied, filesFixed: fixedFiles.size };
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
 * Applies the first fix of every finding that has one, skipping fixes whose edits overlap an edit
 * already taken in this pass (they are retried next pass). Returns how many fixes were applied.
 */
function applyFirstFixes(project: Project, results: Map<string, Finding[]>, touched: Set<string>): number {
  const taken = new Map<string, TextEdit[]>();
  let count = 0;
  const all: Finding[] = [];
  for (const list of results.values()) for (const f of list) if (f.fixes?.length) all.push(f);
  all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.start - b.start || a.end - b.end);
  let created = false;
  for (const f of all) {
    const edits = f.fixes![0].edits;
    if (!edits.length) continue;
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
    count++;
  }
  let changed = false;
  for (const [file, edits] of taken) {
    if (edits.some((e) => e.create)) {
      project.setFile(file, edits.map((e) => e.newText).join(''));
      touched.add(file);
      changed = true;
      continue;
    }
    const before = project.getFile(file)!.text;
    const after = applyEdits(before, edits);
    if (after !== before) { project.setFile(file, after); touched.add(file); changed = true; }
  }
  return changed ? count : 0;
}

/** Two edits conflict when their ranges intersect, or both insert at the same point. */
function overlaps(a: TextEdit, b: TextEdit): boolean {
  if (a.start === a.end && b.start === b.end) return a.start === b.start;
  return a.start < b.end && b.start < a.end || (a.start === a.end && a.start > b.start && a.start < b.end) || (b.start === b.end && b.start > a.start && b.start < a.end);
}
