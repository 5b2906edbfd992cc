// The sandbox from the command line: `dbe lint --sandbox` (postgres-error findings added to the
// report) and `dbe explain <file> --line N` (the plan of one query).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project } from '../engine/project';
import { rangeOf, type JsonDiagnostic } from '../engine/output';
import type { Statement } from '../model';
import { initParser } from '../sql/parse';
import { checkProject, formatPlan, hasParams, isQuery, Sandbox, sandboxInput, walkPlan } from '../sandbox';
import type { ExplainOptions, LintOptions } from './args';
import { collectProjects, InputError, relTo, type ProjectSpec } from './collect';
import type { FileReport } from './lint-project';
import { readSource } from './lint-project';
import { cacheDir } from './parse-cache';
import { mark, timingOn } from './timing';

export interface SandboxIo { out(s: string): void; err(s: string): void; cwd: string }

function projectOf(spec: ProjectSpec): Project {
  const project = new Project(spec.config, (p) => relTo(spec.root, p));
  for (const f of spec.files) project.setFile(f, readSource(f, spec.config.maxFileBytes).text);
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
      const check = await checkProject(project, sandbox);
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
      }
    }
  } finally {
    await sandbox.close();
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
  if (!project.hasFile(file)) project.setFile(file, readSource(file, spec.config.maxFileBytes).text);
  const shown = path.relative(io.cwd, file) || path.basename(file);
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
    const replay = await sandbox.run(sandboxInput(project, { checkQueries: false }));
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
      io.out(`${shown}:${startLine}: ${out.generic ? 'generic plan (the query has parameters)' : 'plan'}; the sandbox holds no data, so rows and costs are the planner's estimates for empty tables\n`);
      io.out(formatPlan(plan));
    }
    return 0;
  } finally {
    await sandbox.close();
  }
}
