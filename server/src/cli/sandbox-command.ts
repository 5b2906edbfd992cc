// The sandbox from the command line: `dbe lint --sandbox` (postgres-error findings added to the
// report) and `dbe explain <file> --line N` (the plan of one query).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project } from '../engine/project';
import { rangeOf, type JsonDiagnostic } from '../engine/output';
import type { Statement } from '../model';
import { initParser } from '../sql/parse';
import { checkProject, evidenceRequests, formatPlan, hasParams, isQuery, measureEvidence, Sandbox, sandboxInput, walkPlan, withEvidence, type DataStats, type RecommendationEvidence, type SandboxStats } from '../sandbox';
import type { ExplainOptions, LintOptions } from './args';
import { collectProjects, InputError, relTo, type ProjectSpec } from './collect';
import type { FileReport } from './lint-project';
import { addNamedSource, addSource, readSource } from './lint-project';
import { terminalSafe } from './terminal';
import { cacheDir } from './parse-cache';
import { mark, timingOn } from './timing';

export interface SandboxIo { out(s: string): void; err(s: string): void; cwd: string; errControl?(s: string): void }

function projectOf(spec: ProjectSpec): Project {
  const project = new Project(spec.config, (p) => relTo(spec.root, p));
  for (const f of spec.files) addSource(project, f, readSource(f, spec.config.maxFileBytes));
  return project;
}

/** Adds the sandbox's findings to `files` for every project that asks for them (flag or config). */
export async function addSandboxFindings(o: LintOptions, specs: ProjectSpec[], files: FileReport[], io: SandboxIo): Promise<void> {
  const wanted = specs.filter((s) => o.sandbox ?? s.config.sandbox);
  if (!wanted.length) return;
  const byPath = new Map(files.map((f) => [f.path, f] as const));
  const sandbox = new Sandbox({ snapshotDir: o.cache ? cacheDir() : null });
  try {
    for (const spec of wanted) {
      const t = performance.now();
      const project = projectOf(spec); // read again: after --fix, the files as written
      const check = await checkProject(project, sandbox, { progress: progressPrinter(io, relTo(io.cwd, spec.root) || '.') });
      if (check.stats?.dataError) io.err(`dbe sandbox ${relTo(io.cwd, spec.root) || '.'}: generating rows failed in PGlite (${check.stats.dataError}); the plans are those of the tables as the migrations leave them\n`);
      if (check.stats && project.severityOf('missing-index') !== 'off' && files.some((f) => f.diagnostics.some((d) => d.rule === 'missing-index'))) {
        const evidence = await measureEvidence(sandbox, evidenceRequests(project), generatedTables(check.stats));
        attachEvidence(project, evidence, byPath);
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
        io.err(`dbe sandbox ${relTo(io.cwd, spec.root) || '.'}: start ${s.startMs.toFixed(0)} ms (${s.startedFrom}), replay ${s.replayMs.toFixed(0)} ms, explain ${s.explainMs.toFixed(0)} ms; ran ${s.ran}, failed ${s.failed} (+${s.followOns} follow-ons), explained ${s.explained}, rejected ${s.explainFailed}\n`);
        if (s.data) io.err(`dbe sandbox ${relTo(io.cwd, spec.root) || '.'}: ${dataSummary(s.data)}\n`);
      }
    }
  } finally {
    await sandbox.close();
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
  return `generated ${d.inserted.toLocaleString('en-US')} rows (${d.rowsPerTable.toLocaleString('en-US')} a table) into ${d.filled} of ${d.tables.length} tables in ${d.ms.toFixed(0)} ms${d.skipped ? `; ${d.skipped} skipped: ${why}` : ''}`;
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
  const sandbox = new Sandbox({ snapshotDir: cacheDir() });
  try {
    const replay = await sandbox.run(sandboxInput(project, { checkQueries: false }), { progress: progressPrinter(io, relTo(io.cwd, root) || '.') });
    const failed = replay.stats.failed + replay.stats.followOns;
    if (failed && o.format === 'text') io.err(`dbe: ${failed} migration statement${failed === 1 ? '' : 's'} failed in the sandbox, so the plan may not match your schema (dbe lint --sandbox lists them)\n`);
    const out = await sandbox.explain(file, { start: stmt.start, end: stmt.end, text: stmt.text, params: hasParams(stmt.node!) });
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
        ? `on ${data.rowsPerTable.toLocaleString('en-US')} generated rows a table (${data.filled} of ${data.tables.length} tables filled; sandbox.rows in .dbe.json)`
        : 'the sandbox holds no generated data, so rows and costs are the planner\'s estimates for the tables as the migrations leave them';
      io.out(`${shown}:${startLine}: ${out.generic ? 'generic plan (the query has parameters)' : 'plan'}; ${basis}\n`);
      io.out(formatPlan(plan));
    }
    return 0;
  } finally {
    await sandbox.close();
  }
}
