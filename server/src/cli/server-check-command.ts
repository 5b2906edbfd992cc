// `dbe lint --check-server local|URL`: the MySQL migrations replayed on a real MariaDB/MySQL
// (server/src/mysql-server), what it rejects added to the report as `server-error` findings.
// The files are the project's MySQL files as the engine reads them (each file's dialect, the migration
// tool's order), down migrations left out. The check itself takes any list of files in migration order.
import * as fs from 'node:fs';
import type { JsonDiagnostic } from '../engine/output';
import { Project } from '../engine/project';
import type { DialectId } from '../dialects/types';
import type { Severity } from '../model';
import { checkMySqlMigrations, CheckRefused, localTarget, serverErrorFindings, urlTarget, type CheckFile, type CheckServer } from '../mysql-server/check';
import { ServerUnavailable, startLocalServer, type LocalServer } from '../mysql-server/local';
import { LineIndex, counted } from '../text';
import type { LintOptions } from './args';
import { relTo, type ProjectSpec } from './collect';
import type { FileReport } from './lint-project';
import { terminalSafe } from './terminal';

export interface ServerCheckIo { err(s: string): void; cwd: string }

/** The files of a project the server check replays: its MySQL files in migration order. */
export function mysqlFilesOf(spec: ProjectSpec, dialect?: string): string[] {
  // the project's own reading: each file's dialect (name, configuration, folder, signs) and its
  // migration tool's order; down migrations and files the project does not replay are left out
  const config = dialect === 'mysql' || dialect === 'mariadb' || dialect === 'postgres' ? { ...spec.config, dialect: dialect as DialectId, dialectSource: `--dialect ${dialect}` } : spec.config;
  const project = new Project(config, (f) => relTo(spec.root, f));
  for (const f of spec.files) {
    let text: string;
    try { text = fs.readFileSync(f, 'utf8'); } catch { continue; }
    project.setFile(f, text);
  }
  return project.order().filter((f) => f.dialect.family === 'mysql' && f.replayed && !f.isDown && !f.skipped).map((f) => f.path);
}

/**
 * Runs the check for every project with MySQL files and adds its findings to `files`. Returns false
 * when the check could not run at all (no server, refused): the reason is one line on stderr.
 */
export async function addServerCheckFindings(o: LintOptions, specs: ProjectSpec[], files: FileReport[], io: ServerCheckIo): Promise<boolean> {
  const wanted = specs.map((s) => ({ spec: s, paths: mysqlFilesOf(s, o.dialect) })).filter((x) => x.paths.length && x.spec.config.rules['server-error'] !== 'off');
  if (!wanted.length) {
    io.err('dbe check-server: no MySQL migration to check (no file is read as MySQL: name the dialect with "dialect" in .dbe.json or --dialect mysql)\n');
    return true;
  }
  const byPath = new Map(files.map((f) => [f.path, f] as const));
  let local: LocalServer | undefined;
  let target: CheckServer;
  try {
    if (o.checkServer === 'local') {
      local = await startLocalServer({ binary: process.env.DBE_MYSQLD || undefined });
      target = localTarget(local);
      if (o.verbose) io.err(`dbe check-server: ${local.binary.label} (${local.binary.path}) started in ${(local.startMs / 1000).toFixed(2)} s${local.templateMs !== undefined ? ` (its template data directory was made first, in ${(local.templateMs / 1000).toFixed(1)} s)` : ''}\n`);
    } else target = urlTarget(o.checkServer!);
  } catch (e) {
    if (e instanceof ServerUnavailable || e instanceof CheckRefused) { io.err(`dbe check-server: ${terminalSafe(e.message)}\n`); return false; }
    throw e;
  }
  try {
    for (const { spec, paths } of wanted) {
      const label = relTo(io.cwd, spec.root) || '.';
      const inputs: CheckFile[] = [];
      const texts = new Map<string, string>();
      for (const p of paths) {
        let text: string;
        try { text = fs.readFileSync(p, 'utf8'); } catch (e: any) { io.err(`dbe check-server ${label}: ${relTo(io.cwd, p)} could not be read (${e?.code ?? e?.message}); checked without it\n`); continue; }
        if (Buffer.byteLength(text) > spec.config.maxFileBytes) { io.err(`dbe check-server ${label}: ${relTo(io.cwd, p)} is larger than maxFileBytes; checked without it\n`); continue; }
        inputs.push({ path: p, text });
        texts.set(p, text);
      }
      let result;
      try {
        result = await checkMySqlMigrations(target, inputs);
      } catch (e) {
        if (e instanceof CheckRefused) { io.err(`dbe check-server ${label}: ${terminalSafe(e.message)}\n`); return false; }
        throw e;
      }
      const sev = spec.config.rules['server-error'];
      const severity: Severity = sev && sev !== 'off' ? sev : 'error';
      const lines = new Map<string, LineIndex>();
      const lineOf = (p: string) => { let l = lines.get(p); if (!l) lines.set(p, l = new LineIndex(texts.get(p) ?? '')); return l; };
      for (const f of serverErrorFindings(result, severity)) {
        const report = byPath.get(f.path);
        if (!report) continue;
        const d: JsonDiagnostic = { rule: f.rule, severity: f.severity, message: f.message, range: lineOf(f.path).range(f.start, f.end), fixes: [] };
        report.diagnostics = [...report.diagnostics, d].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
      }
      if (result.notChecked.length) {
        if (o.verbose) {
          for (const n of result.notChecked) io.err(`dbe check-server: ${relTo(io.cwd, n.path)}:${lineOf(n.path).position(n.start).line + 1}: ${terminalSafe(n.reason)}\n`);
        } else io.err(`dbe check-server ${label}: ${counted(result.notChecked.length, 'statement')} not checked (--verbose lists them and why)\n`);
      }
      if (result.stopped) io.err(`dbe check-server ${label}: the replay stopped early: ${terminalSafe(result.stopped)}\n`);
      if (result.dropFailed) io.err(`dbe check-server ${label}: ${terminalSafe(result.dropFailed)}\n`);
      if (o.verbose) io.err(`dbe check-server ${label}: ${result.server} (${result.version}) ran ${counted(result.ran, 'statement')} of ${counted(inputs.length, 'file')} in ${(result.ms / 1000).toFixed(2)} s; ${counted(result.errors.length, 'rejected statement')}\n`);
    }
    return true;
  } finally {
    await local?.stop();
  }
}
