// Findings to the outside world: LSP-style ranges (0-based lines, UTF-16 characters) and the CLI's
// JSON contract.
import type { Evidence, Finding, Fix, Severity } from '../model';
import type { Range } from '../text';
import type { Project } from './project';

/** `create`: the file does not exist yet and the edit creates it with `newText`. */
export interface JsonEdit { path: string; range: Range; newText: string; create?: true }
export interface JsonFix { title: string; edits: JsonEdit[] }
/** `evidence`: only on findings the sandbox measured (missing-index with --sandbox). */
export interface JsonDiagnostic { rule: string; severity: Severity; message: string; range: Range; fixes: JsonFix[]; evidence?: Evidence }
export interface JsonFile { path: string; diagnostics: JsonDiagnostic[] }
export interface JsonReport {
  version: 1;
  files: JsonFile[];
  summary: { files: number; errors: number; warnings: number; infos: number; hints: number };
}

export function rangeOf(project: Project, path: string, start: number, end: number): Range {
  const f = project.getFile(path);
  if (!f) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return f.lines.range(start, end);
}

export function fixToJson(project: Project, fix: Fix, displayPath: (p: string) => string): JsonFix {
  return {
    title: fix.title,
    edits: fix.edits.map((e) => ({ path: displayPath(e.path), range: rangeOf(project, e.path, e.start, e.end), newText: e.newText, ...(e.create ? { create: true as const } : {}) })),
  };
}

export function toJsonReport(project: Project, results: Map<string, Finding[]>, displayPath: (p: string) => string = (p) => p): JsonReport {
  const summary = { files: 0, errors: 0, warnings: 0, infos: 0, hints: 0 };
  const files: JsonFile[] = [];
  for (const [path, findings] of results) {
    summary.files++;
    files.push({
      path: displayPath(path),
      diagnostics: findings.map((f) => {
        if (f.severity === 'error') summary.errors++;
        else if (f.severity === 'warning') summary.warnings++;
        else if (f.severity === 'info') summary.infos++;
        else summary.hints++;
        return {
          rule: f.rule, severity: f.severity, message: f.message, range: rangeOf(project, path, f.start, f.end),
          fixes: (f.fixes ?? []).map((x) => fixToJson(project, x, displayPath)),
          ...(f.evidence ? { evidence: f.evidence } : {}),
        };
      }),
    });
  }
  return { version: 1, files, summary };
}
