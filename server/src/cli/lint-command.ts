// `dbe lint`: collect projects, lint them (in worker threads when it pays), print, pick the exit code.
import type { Severity } from '../model';
import { initParser } from '../sql/parse';
import type { LintOptions } from './args';
import { collectProjects } from './collect';
import { formatJson, formatSarif, formatText } from './format';
import type { FileReport, ProjectResult } from './lint-project';
import { defaultThreads, plan, runUnits, saveDeferredCaches, startWorker } from './parallel';
import { mark, timed, timingOn, timingReport } from './timing';

const RANK: Record<Severity | 'none', number> = { error: 3, warning: 2, info: 1, hint: 0, none: 4 };

export interface Io { out(s: string): void; err(s: string): void; cwd: string; script?: string }

export async function lintCommand(o: LintOptions, io: Io): Promise<number> {
  const specs = timed('collect', () => collectProjects(o.paths, o.config, io.cwd));
  // --dialect: every project's files are read as that dialect (a file name that names one still wins)
  if (o.dialect) for (const s of specs) s.config = { ...s.config, dialect: o.dialect, dialectSource: `--dialect ${o.dialect}` };
  for (const s of specs) for (const n of s.notes ?? []) io.err(`dbe: ${n}\n`);
  // Worker threads need the bundled script (dist/cli.js); from sources everything runs here.
  const canThread = !!io.script && io.script.endsWith('.js');
  const threads = canThread ? (o.jobs ?? defaultThreads()) : 1;
  const plans = timed('plan', () => plan(specs, threads, o.fix));
  const unitOptions = { fix: o.fix, cwd: io.cwd, cache: o.cache };
  const workers = plans.slice(1).map((units) => startWorker(io.script!, units, unitOptions));
  // If the main thread fails, the workers' outcomes must not go unhandled.
  for (const w of workers) w.catch(() => undefined);
  const t = performance.now();
  await initParser();
  mark('wasm', performance.now() - t);
  const mine = runUnits(plans[0], unitOptions);
  const theirs = await Promise.all(workers);
  if (timingOn) for (const w of theirs) io.err(w.timing);
  const units = [...mine, ...theirs.flatMap((w) => w.results)];
  saveDeferredCaches(units);
  const results: ProjectResult[] = units.map((u) => u.result);
  if (o.verbose) {
    // a project linted in shards reports its plan once per shard: print each line once
    const lines = new Set<string>();
    for (const r of results) for (const l of r.plan ?? []) lines.add(l);
    for (const l of lines) io.err(`dbe: ${l}\n`);
  }
  // Reports in a stable order: projects as given, files in path order.
  const byPath = new Map<string, FileReport>();
  for (const r of results) for (const f of r.files) if (!byPath.has(f.path)) byPath.set(f.path, f);
  const ordered: FileReport[] = [];
  for (const s of specs) for (const f of s.files) { const r = byPath.get(f); if (r) { ordered.push(r); byPath.delete(f); } }
  // The sandbox (PGlite) is loaded only when a project asks for it.
  if (o.sandbox ?? specs.some((s) => s.config.sandbox)) await (await import('./sandbox-command')).addSandboxFindings(o, specs, ordered, io);
  // The MySQL server check (a local throwaway server or a named one): exit 2 when it could not run.
  const checked = o.checkServer ? await (await import('./server-check-command')).addServerCheckFindings(o, specs, ordered, io) : true;
  const code = finish(o, io, results, ordered);
  return checked ? code : Math.max(code, 2);
}

export function finish(o: LintOptions, io: Io, results: ProjectResult[], files: FileReport[]): number {
  let fixes = 0, fixedFiles = 0;
  const errors = new Set<string>();
  for (const r of results) {
    for (const e of r.internalErrors) errors.add(e);
    fixes += r.fixesApplied;
    fixedFiles += r.filesFixed;
  }
  for (const e of errors) io.err(`dbe: ${e}\n`);
  const fail = RANK[o.failOn];
  if (o.quiet) for (const f of files) f.diagnostics = f.diagnostics.filter((d) => RANK[d.severity] >= fail);
  if (o.fix) for (const r of results) for (const n of r.fixNotes ?? []) io.err(`dbe: ${n}\n`);
  if (o.fix) io.err(`dbe: applied ${fixes} fix${fixes === 1 ? '' : 'es'} in ${fixedFiles} file${fixedFiles === 1 ? '' : 's'}\n`);
  const text = timed('format', () => o.format === 'json' ? formatJson(files, io.cwd) : o.format === 'sarif' ? formatSarif(files, io.cwd) : formatText(files, io.cwd, o.quiet));
  timed('write', () => io.out(text));
  const timing = timingReport('main');
  if (timing) io.err(timing);
  // fixes were due but none was written (a file changed meanwhile, a write failed): a script must see it
  if (o.fix && results.some((r) => r.fixWriteFailed)) return 2;
  return files.some((f) => f.diagnostics.some((d) => RANK[d.severity] >= fail)) ? 1 : 0;
}
