// Output formats: compiler-style text, the JSON contract, SARIF 2.1.0.
import * as path from 'node:path';
import type { JsonDiagnostic, JsonReport } from '../engine/output';
import type { Severity } from '../model';
import { DOCUMENTED_RULES } from '../rules';
import type { Range } from '../text';
import type { FileReport } from './lint-project';

export const INFORMATION_URI = 'https://github.com/db-engineer/db-engineer';
import { VERSION } from './version';
import { terminalSafe } from './terminal';
export { VERSION };

export interface Summary { files: number; errors: number; warnings: number; infos: number; hints: number }

export function summarize(files: FileReport[]): Summary {
  const s: Summary = { files: files.length, errors: 0, warnings: 0, infos: 0, hints: 0 };
  for (const f of files) for (const d of f.diagnostics) {
    if (d.severity === 'error') s.errors++;
    else if (d.severity === 'warning') s.warnings++;
    else if (d.severity === 'info') s.infos++;
    else s.hints++;
  }
  return s;
}

export function displayPath(abs: string, cwd: string): string {
  return path.relative(cwd, abs) || path.basename(abs);
}

export function formatText(files: FileReport[], cwd: string, quiet: boolean): string {
  const out: string[] = [];
  for (const f of files) {
    const shown = displayPath(f.path, cwd);
    for (const d of f.diagnostics) {
      // identifiers and file names come from the user's files: their control characters are shown, not obeyed
      out.push(terminalSafe(`${shown}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.rule} ${d.message.replace(/\r?\n/g, ' ')}`));
    }
  }
  const s = summarize(files);
  if (!quiet || out.length) {
    // A fixed shape (no singulars) so scripts can read it.
    out.push(`${count(s.files, 'file')}, ${count(s.errors, 'error')}, ${count(s.warnings, 'warning')}, ${count(s.infos, 'info')}` + (s.hints ? `, ${count(s.hints, 'hint')}` : ''));
  }
  return out.length ? out.join('\n') + '\n' : '';
}

export function formatJson(files: FileReport[], cwd: string): string {
  const report: JsonReport = {
    version: 1,
    files: files.map((f) => ({ path: displayPath(f.path, cwd), diagnostics: f.diagnostics })),
    summary: summarize(files),
  };
  return JSON.stringify(report) + '\n';
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

interface SarifRuleMeta { id: string; title: string; rationale: string; severity: Severity }

/** Every rule the engine can report, registered rules first, then the engine's own ids. */
export function ruleCatalogue(): SarifRuleMeta[] {
  return DOCUMENTED_RULES.map((r) => ({ id: r.meta.id, title: r.meta.title, rationale: r.meta.rationale, severity: r.meta.severity }));
}

function region(r: Range) {
  return { startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 };
}

function uriOf(displayed: string): string {
  return displayed.split(path.sep).map(encodeURIComponent).join('/');
}

export function formatSarif(files: FileReport[], cwd: string): string {
  const catalogue = ruleCatalogue();
  const index = new Map(catalogue.map((r, i) => [r.id, i]));
  // A rule the catalogue does not know (should not happen) still gets an entry, so ruleIndex is valid.
  for (const f of files) for (const d of f.diagnostics) {
    if (!index.has(d.rule)) { index.set(d.rule, catalogue.length); catalogue.push({ id: d.rule, title: d.rule, rationale: '', severity: d.severity }); }
  }
  const results: unknown[] = [];
  for (const f of files) {
    const uri = uriOf(displayPath(f.path, cwd));
    for (const d of f.diagnostics) results.push(sarifResult(d, uri, index.get(d.rule)!));
  }
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'dbe',
          version: VERSION,
          informationUri: INFORMATION_URI,
          rules: catalogue.map((r) => ({
            id: r.id,
            name: r.id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase()),
            shortDescription: { text: r.title },
            fullDescription: { text: r.rationale || r.title },
            helpUri: `${INFORMATION_URI}/blob/main/docs/rules/${r.id}.md`,
            defaultConfiguration: { level: LEVEL[r.severity] },
          })),
        },
      },
      originalUriBaseIds: { '%SRCROOT%': { uri: 'file://' + cwd.split(path.sep).map(encodeURIComponent).join('/').replace(/^\/?/, '/') + '/' } },
      results,
    }],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

function sarifResult(d: JsonDiagnostic, uri: string, ruleIndex: number) {
  const out: Record<string, unknown> = {
    ruleId: d.rule,
    ruleIndex,
    level: LEVEL[d.severity],
    message: { text: d.message },
    locations: [{ physicalLocation: { artifactLocation: { uri, uriBaseId: '%SRCROOT%' }, region: region(d.range) } }],
  };
  if (d.fixes.length) {
    out.fixes = d.fixes.map((fx) => {
      const byFile = new Map<string, typeof fx.edits>();
      for (const e of fx.edits) byFile.set(e.path, [...(byFile.get(e.path) ?? []), e]);
      return {
        description: { text: fx.title },
        artifactChanges: [...byFile].map(([p, edits]) => ({
          artifactLocation: { uri: uriOf(p), uriBaseId: '%SRCROOT%' },
          replacements: edits.map((e) => ({ deletedRegion: region(e.range), insertedContent: { text: e.newText } })),
        })),
      };
    });
  }
  return out;
}

/** "1 error", "2 errors". */
function count(n: number, word: string): string { return `${n} ${word}${n === 1 ? '' : 's'}`; }
