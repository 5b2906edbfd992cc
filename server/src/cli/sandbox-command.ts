// The sandbox from the command line: `dbe lint --sandbox` (postgres-error findings added to the
// report) and `dbe explain <file> --line N` (the plan of one query). PGlite runs in a worker thread
// under a watchdog (sandbox/runner.ts): a statement that runs longer than the time limit or makes the
// process grow by more than the memory limit is stopped and reported on that statement, and the rest
// of the project is checked without it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project } from '../engine/project';
import { rangeOf, type JsonDiagnostic } from '../engine/output';
import type { Statement } from '../model';
import { initParser } from '../sql/parse';
import { applySuppressions } from '../engine/suppress';
import type { Config } from '../config';
import type { Finding } from '../model';
import { evidenceRequests, formatPlan, hasParams, isQuery, sandboxInput, walkPlan, withEvidence, type DataStats, type RecommendationEvidence, type SandboxStats } from '../sandbox';
import { normalizeLimits, type SandboxLimits } from '../sandbox/limits';
import { runChecked, SandboxStopped, WorkerSandbox, type LimitNames } from '../sandbox/runner';
import type { ExplainOptions, LintOptions } from './args';
import { collectProjects, InputError, relTo, type ProjectSpec } from './collect';
import type { FileReport } from './lint-project';
import { addNamedSource, addProjectFiles } from './lint-project';
import { terminalSafe } from './terminal';
import { cacheDir } from './parse-cache';
import { mark, timingOn } from './timing';
import { counted } from '../text';

export interface SandboxIo { out(s: string): void; err(s: string): void; cwd: string; errControl?(s: string): void }

function projectOf(spec: ProjectSpec): Project {
  const project = new Project(spec.config, (p) => relTo(spec.root, p));
  addProjectFiles(project, spec);
  return project;
}

/** How the CLI's user raises each limit. */
export const CLI_LIMIT_NAMES: LimitNames = {
  time: 'sandbox.timeoutSeconds in .dbe.json, --sandbox-timeout',
  memory: 'sandbox.memoryMb in .dbe.json, --sandbox-memory',
};

/** The limits of a project's sandbox: the flags, else .dbe.json, else the defaults. */
export function limitsOf(o: { sandboxTimeoutSeconds?: number; sandboxMemoryMb?: number }, config: Config): SandboxLimits {
  return normalizeLimits({ timeoutSeconds: o.sandboxTimeoutSeconds ?? config.sandboxTimeoutSeconds, memoryMb: o.sandboxMemoryMb ?? config.sandboxMemoryMb });
}

export function workerSandbox(snapshotDir: string | null, limits: SandboxLimits): WorkerSandbox {
  return new WorkerSandbox({
    snapshotDir, limits,
    memoryNote: `The sandbox limits PostgreSQL's memory (${limits.memoryMb.toLocaleString('en-US')} MB in all; ${CLI_LIMIT_NAMES.memory}).`,
  });
}

interface ProjectCheck { findings: Map<string, Finding[]>; stats?: SandboxStats }

/**
 * Replays the project in the sandbox under its limits; postgres-error "off": nothing runs. Stops are
 * findings on the statements that were running; when the sandbox gives up, one line on stderr says so.
 */
async function checkLimited(project: Project, sandbox: WorkerSandbox, io: SandboxIo, label: string): Promise<ProjectCheck> {
  const findings = new Map<string, Finding[]>();
  for (const f of project.order()) findings.set(f.path, []);
  if (project.severityOf('postgres-error') === 'off') return { findings };
  const input = sandboxInput(project);
  const checked = await runChecked(sandbox, input, CLI_LIMIT_NAMES, { progress: progressPrinter(io, label) });
  const list: Finding[] = checked.result?.findings ?? checked.stops.filter((s) => s.path !== undefined)
    .map((s) => ({ rule: 'postgres-error', severity: input.severity, path: s.path!, start: s.start!, end: s.end!, message: s.message }));
  for (const s of checked.stops) if (s.path === undefined) io.err(`dbe sandbox ${label}: ${s.message}\n`);
  if (checked.gaveUp) io.err(`dbe sandbox ${label}: ${checked.gaveUp}\n`);
  for (const f of list) findings.get(f.path)?.push(f);
  for (const [p, l] of findings) {
    const file = project.getFile(p);
    if (file) findings.set(p, applySuppressions(file, l));
  }
  return { findings, stats: checked.result?.stats };
}

/** Adds the sandbox's findings to `files` for every project that asks for them (flag or config). */
export async function addSandboxFindings(o: LintOptions, specs: ProjectSpec[], files: FileReport[], io: SandboxIo): Promise<void> {
  const wanted = specs.filter((s) => o.sandbox ?? s.config.sandbox);
  if (!wanted.length) return;
  const byPath = new Map(files.map((f) => [f.path, f] as const));
  for (const spec of wanted) {
    const sandbox = workerSandbox(o.cache ? cacheDir() : null, limitsOf(o, spec.config));
    try {
      const t = performance.now();
      const label = relTo(io.cwd, spec.root) || '.';
      const project = projectOf(spec); // read again: after --fix, the files as written
      const check = await checkLimited(project, sandbox, io, label);
      if (check.stats?.dataError) io.err(`dbe sandbox ${label}: generating rows failed in PGlite (${check.stats.dataError}); the plans are those of the tables as the migrations leave them\n`);
      if (check.stats && project.severityOf('missing-index') !== 'off' && files.some((f) => f.diagnostics.some((d) => d.rule === 'missing-index'))) {
        try {
          const evidence = await sandbox.evidence(evidenceRequests(project), [...generatedTables(check.stats)]);
          attachEvidence(project, evidence, byPath);
        } catch (e) {
          if (!(e instanceof SandboxStopped)) throw e;
          io.err(`dbe sandbox ${label}: ${e.message} (${e.kind === 'time' ? CLI_LIMIT_NAMES.time : CLI_LIMIT_NAMES.memory}); the missing-index findings carry no measured costs\n`);
        }
      }
      for (const [p, list] of check.findings) {
        const report = byPath.get(p);
        if (!report || !list.length) continue;
        const added: JsonDiagnostic[] = list.map((f) => ({ rule: f.rule, severity: f.severity, message: f.message, range: rangeOf(project, p, f.start, f.end), fixes: [] }));
        report.diagnostics = [...report.diagnostics, ...added].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
      }
      mark('sandbox', performance.now() - t);
      if (timingOn && check.stats) {
        const s = check.stats;
        io.err(`dbe sandbox ${relTo(io.cwd, spec.root) || '.'}: start ${s.startMs.toFixed(0)} ms (${s.startedFrom}), replay ${s.replayMs.toFixed(0)} ms, explain ${s.explainMs.toFixed(0)} ms; ran ${s.ran}, failed ${s.failed} (+${counted(s.followOns, 'follow-on')}), explained ${s.explained}, rejected ${s.explainFailed}\n`);
        if (s.data) io.err(`dbe sandbox ${relTo(io.cwd, spec.root) || '.'}: ${dataSummary(s.data)}\n`);
      }
    } finally {
      await sandbox.close();
    }
  }
}

/** The tables the data generator filled, `schema.name`. */
export function generatedTables(stats: SandboxStats): Set<string> {
  return new Set((stats.data?.tables ?? []).filter((t) => t.rows > 0).map((t) => t.table.replace(/"/g, '')));
}

/** One line: rows per table, tables filled and skipped (with the reasons counted), time. */
export function dataSummary(d: DataStats): string {
  const reasons = new Map<string, number>();
  for (const t of d.tables) if (t.skipped) { const k = t.skipped.replace(/ \(.*$|: .*$/, ''); reasons.set(k, (reasons.get(k) ?? 0) + 1); }
  const why = [...reasons].map(([k, n]) => `${n} ${k}`).join('; ');
  return `generated ${counted(d.inserted, 'row')} (${d.rowsPerTable.toLocaleString('en-US')} a table) into ${d.filled} of ${counted(d.tables.length, 'table')} in ${d.ms.toFixed(0)} ms${d.skipped ? `; ${d.skipped} skipped: ${why}` : ''}`;
}

/**
 * Progress of the data generation on stderr, once it has taken more than a second: on a terminal one
 * line rewritten in place, elsewhere a line at most every second, and the total at the end.
 */
export function progressPrinter(io: Pick<SandboxIo, 'err' | 'errControl'>, label: string, tty = !!process.stderr.isTTY, clock: () => number = () => performance.now()): (done: number, total: number, table: string) => void {
  const t0 = clock();
  let last = 0, shown = false;
  return (done, total, table) => {
    const now = clock();
    if (now - t0 < 1000 && !(shown && done === total)) return;
    if (done < total && now - last < (tty ? 100 : 1000)) return;
    last = now;
    shown = true;
    const line = terminalSafe(`dbe sandbox ${label}: generating rows, ${done}/${total} tables (${table})`);
    if (tty) (io.errControl ?? io.err)(`\r${line}\x1b[K${done === total ? '\n' : ''}`);
    else io.err(`${line}\n`);
  };
}

/** Costs into the missing-index diagnostics they measure (matched by file and start); lowered to hint where the planner would not use the index. */
function attachEvidence(project: Project, evidence: RecommendationEvidence[], byPath: Map<string, FileReport>): void {
  for (const rec of evidence) {
    for (const q of rec.queries) {
      if (!q.evidence) continue;
      const at = rangeOf(project, q.path, q.start, q.start).start;
      const report = byPath.get(q.path);
      const i = report?.diagnostics.findIndex((d) => d.rule === 'missing-index' && d.range.start.line === at.line && d.range.start.character === at.character) ?? -1;
      if (!report || i < 0) continue;
      report.diagnostics[i] = withEvidence(report.diagnostics[i], q.evidence, rec.table, rec.index);
    }
  }
}

/** The statement that covers (0-based) `line`, else undefined. */
function statementAtLine(project: Project, file: string, line: number): Statement | undefined {
  const f = project.getFile(file)!;
  return f.statements.find((s) => {
    const a = f.lines.position(s.start).line, b = f.lines.position(Math.max(s.start, s.end - 1)).line;
    return a <= line && line <= b && s.text.trim() !== '';
  });
}

export async function explainCommand(o: ExplainOptions, io: SandboxIo): Promise<number> {
  await initParser();
  const root = path.resolve(io.cwd, o.project ?? '.');
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new InputError(`not a project directory: ${o.project ?? root}`);
  const file = path.resolve(io.cwd, o.file);
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch { throw new InputError(`no such file: ${o.file}`); }
  if (!st.isFile()) throw new InputError(`not a file: ${o.file}`);
  const [spec] = collectProjects([root], o.config, io.cwd);
  const project = projectOf(spec);
  const shown = path.relative(io.cwd, file) || path.basename(file);
  addNamedSource(project, file, shown, spec.config.maxFileBytes);
  const src = project.getFile(file)!;
  if (o.line > src.lines.lineCount) throw new InputError(`${shown} has ${src.lines.lineCount} lines; there is no line ${o.line}`);
  const stmt = statementAtLine(project, file, o.line - 1);
  if (!stmt) throw new InputError(`${shown}:${o.line}: no statement on this line`);
  if (stmt.parsed.error) throw new InputError(`${shown}:${o.line}: the statement does not parse: ${stmt.parsed.error.message}`);
  if (stmt.templated) throw new InputError(`${shown}:${o.line}: the statement is templated; it cannot be explained`);
  if (!isQuery(stmt) || stmt.parsed.extra) {
    const head = stmt.text.trim().split(/\s+/).slice(0, 2).join(' ').replace(/;$/, '').toUpperCase();
    throw new InputError(`${shown}:${o.line}: this is ${stmt.parsed.extra ? 'more than one statement' : `a ${head} statement`}, not a query (explain takes SELECT, INSERT, UPDATE, DELETE, MERGE or WITH)`);
  }
  const startLine = src.lines.position(stmt.start).line + 1;
  const sandbox = workerSandbox(cacheDir(), limitsOf(o, spec.config));
  try {
    const label = relTo(io.cwd, root) || '.';
    const checked = await runChecked(sandbox, sandboxInput(project, { checkQueries: false }), CLI_LIMIT_NAMES, { progress: progressPrinter(io, label) });
    for (const s of checked.stops) {
      const where = s.path !== undefined ? `${path.relative(io.cwd, s.path) || s.path}:${rangeOf(project, s.path, s.start!, s.end!).start.line + 1}: ` : '';
      io.err(`dbe sandbox ${label}: ${where}${s.message}\n`);
    }
    const replay = checked.result;
    if (!replay) throw new InputError(`${checked.gaveUp ?? 'the sandbox could not replay the migrations'}; no plan`);
    const failed = replay.stats.failed + replay.stats.followOns;
    if (failed && o.format === 'text') io.err(`dbe: ${failed} migration statement${failed === 1 ? '' : 's'} failed in the sandbox, so the plan may not match your schema (dbe lint --sandbox lists them)\n`);
    let out;
    try {
      out = await sandbox.explain(file, { start: stmt.start, end: stmt.end, text: stmt.text, params: hasParams(stmt.node!) });
    } catch (e) {
      if (e instanceof SandboxStopped) throw new InputError(`${shown}:${startLine}: ${e.message} (${e.kind === 'time' ? CLI_LIMIT_NAMES.time : CLI_LIMIT_NAMES.memory}); no plan`);
      throw e;
    }
    if (out.finding) {
      const r = rangeOf(project, file, out.finding.start, out.finding.end);
      if (o.format === 'json') io.out(JSON.stringify({ version: 1, path: shown, line: startLine, generic: out.generic, error: { message: out.finding.message, range: r } }) + '\n');
      else io.out(`${shown}:${r.start.line + 1}:${r.start.character + 1}: error postgres-error ${out.finding.message}\n`);
      return 1;
    }
    const plan = out.plan!;
    if (o.format === 'json') {
      io.out(JSON.stringify({
        version: 1, path: shown, line: startLine, range: rangeOf(project, file, stmt.start, stmt.end), generic: out.generic,
        seqScans: [...walkPlan(plan)].filter((n) => n.seqScan).map((n) => n.relation ?? ''),
        plan, postgres: out.raw,
      }) + '\n');
    } else {
      const data = replay.stats.data;
      const basis = data && data.filled
        ? `on ${counted(data.rowsPerTable, 'generated row')} a table (${data.filled} of ${counted(data.tables.length, 'table')} filled; sandbox.rows in .dbe.json)`
        : 'the sandbox holds no generated data, so rows and costs are the planner\'s estimates for the tables as the migrations leave them';
      io.out(`${shown}:${startLine}: ${out.generic ? 'generic plan (the query has parameters)' : 'plan'}; ${basis}\n`);
      io.out(formatPlan(plan));
    }
    return 0;
  } finally {
    await sandbox.close();
  }
}
