// Engine findings to LSP diagnostics. Offsets become 0-based line / UTF-16 character positions.
import { DiagnosticSeverity, type Diagnostic, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import type { Project } from '../engine/project';
import type { Evidence, Finding, Fix, Severity, SourceFile } from '../model';
import { KNOWN_RULE_IDS } from '../rules';

import { ruleDocLink } from '../rule-docs';

export { DOCS_BASE_URL } from '../rule-docs';
export const SOURCE = 'dbe';

/** The diagnostic's code link: the rule's page shipped with the server (a file URI), opened inside the editor. */
export function docsUrl(rule: string): string { return ruleDocLink(rule); }

export function lspSeverity(s: Severity): DiagnosticSeverity {
  switch (s) {
    case 'error': return DiagnosticSeverity.Error;
    case 'warning': return DiagnosticSeverity.Warning;
    case 'info': return DiagnosticSeverity.Information;
    default: return DiagnosticSeverity.Hint;
  }
}

/** What a diagnostic carries for the code-action handler, which keeps no state of its own. */
export interface DiagnosticData {
  rule: string;
  fixes: { title: string; edit: WorkspaceEdit }[];
  /** missing-index measured in the sandbox: the planner's costs without and with the index. */
  evidence?: Evidence;
}

const DATA_KEYS = new Set(['rule', 'fixes', 'evidence']);
const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

/**
 * True when `d` has exactly the shape the server publishes: a known rule id, fixes with a title and an
 * edit object, an optional evidence object, nothing else. Clients echo `data` back in code-action
 * requests and may change it: the shape check only filters garbage; what an action does is taken from
 * the server's own publication (handlers/codeAction.ts), never from `data`.
 */
export function isDiagnosticData(d: unknown): d is DiagnosticData {
  if (!isObject(d) || typeof d.rule !== 'string' || !KNOWN_RULE_IDS.has(d.rule) || !Array.isArray(d.fixes)) return false;
  if (Object.keys(d).some((k) => !DATA_KEYS.has(k))) return false;
  if (d.evidence !== undefined && !isObject(d.evidence)) return false;
  return d.fixes.every((f) => isObject(f) && typeof f.title === 'string' && isObject(f.edit));
}

/**
 * A fix's edits as a WorkspaceEdit: `changes` grouped per document URI, or `documentChanges` with a
 * CreateFile operation first when the fix writes a new migration. Undefined when it touches a file the
 * project does not know, or creates one and the client cannot (`createFiles` false).
 */
export function fixToWorkspaceEdit(project: Project, fix: Fix, uriOf: (key: string) => string, createFiles = true): WorkspaceEdit | undefined {
  const creates = fix.edits.filter((e) => e.create);
  if (creates.length && !createFiles) return undefined;
  const changes: Record<string, TextEdit[]> = {};
  for (const e of fix.edits) {
    if (e.create) continue;
    const f = project.getFile(e.path);
    if (!f) return undefined;
    const uri = uriOf(e.path);
    (changes[uri] ??= []).push({ range: f.lines.range(e.start, e.end), newText: e.newText });
  }
  if (!creates.length) return { changes };
  const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const documentChanges: WorkspaceEdit['documentChanges'] = [];
  for (const e of creates) {
    const uri = uriOf(e.path);
    documentChanges.push({ kind: 'create', uri, options: { overwrite: false, ignoreIfExists: false } });
    documentChanges.push({ textDocument: { uri, version: null }, edits: [{ range: zero, newText: e.newText }] });
  }
  for (const [uri, edits] of Object.entries(changes)) documentChanges.push({ textDocument: { uri, version: null }, edits });
  return { documentChanges };
}

export function toDiagnostic(project: Project, file: SourceFile, f: Finding, uriOf: (key: string) => string, createFiles = true): Diagnostic {
  const fixes: DiagnosticData['fixes'] = [];
  for (const fix of f.fixes ?? []) {
    const edit = fixToWorkspaceEdit(project, fix, uriOf, createFiles);
    if (edit) fixes.push({ title: fix.title, edit });
  }
  const data: DiagnosticData = { rule: f.rule, fixes };
  if (f.evidence) data.evidence = { ...f.evidence };
  return {
    range: file.lines.range(f.start, f.end),
    severity: lspSeverity(f.severity),
    source: SOURCE,
    code: f.rule,
    codeDescription: { href: docsUrl(f.rule) },
    message: f.message,
    data,
  };
}

/** Text that is clearly not SQL: control characters or decoding replacement characters. */
export function looksBinary(text: string): boolean {
  const n = Math.min(text.length, 64 * 1024);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 11) || c === 0xfffd || c === 0x7f) bad++;
  }
  return bad > 0 && (bad >= 8 || bad * 100 > n);
}

/**
 * A file that is not SQL (binary, or nothing in it parses) gets at most one diagnostic, instead of
 * one syntax error per "statement".
 */
export function limitNonSql(project: Project, file: SourceFile, findings: Finding[]): Finding[] {
  if (file.skipped) return findings.slice(0, 1);
  if (looksBinary(file.text)) {
    const sev = project.severityOf('file-too-large');
    if (sev === 'off') return [];
    return [{ rule: 'file-too-large', severity: sev, path: file.path, start: 0, end: 0, message: 'File not analysed: it contains binary data, so it is not a SQL text file.' }];
  }
  const errors = findings.filter((f) => f.rule === 'syntax-error');
  if (errors.length >= 3 && !file.statements.some((s) => s.node)) {
    const first = errors[0];
    return [{ ...first, message: `${first.message} (and ${errors.length - 1} more statements do not parse: is this a SQL file?)` }];
  }
  return findings;
}
