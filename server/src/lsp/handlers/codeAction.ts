// Code actions. Quick fixes: the rule's fixes, "ignore for this statement", "ignore in this file",
// "show documentation" and "Ask DB Engineer about <rule>" (a command carrying the finding; the client
// opens the chat with it). A client echoes the diagnostics (and their `data`) back, and may change them:
// each one is matched (rule, range, message) against what the server itself published for the
// document's current version, and the actions are built from the server's copy only. A diagnostic the
// server did not publish, malformed `data`, or a document changed since the publication gets no action.
// Refactors (refactor.rewrite) are computed for the statement at the cursor or selection.
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import { outsideRefusal } from '../outside-set';
import { statementAt } from '../../engine/suppress';
import type { SourceFile } from '../../model';
import { materializedViewRefactors } from '../../refactors/materialized-view';
import { fixToWorkspaceEdit, isDiagnosticData, SOURCE, type DiagnosticData } from '../convert';
import { guard, type DbeServer } from '../server';
import { postgresOnly } from '../../dialects/mysql/pg-only';

export const OPEN_RULE_DOCS_COMMAND = 'dbEngineer.openRuleDocs';
export const ASK_ABOUT_FINDING_COMMAND = 'dbEngineer.askAboutFinding';

const IGNORE_LINE = /^(\s*)--\s*dbe-ignore(?!-file)\b(.*)$/;
const IGNORE_FILE_LINE = /^\s*--\s*dbe-ignore-file\b(.*)$/;

export function register(server: DbeServer): void {
  server.connection.onCodeAction(guard(server, 'codeAction', [] as CodeAction[], (params: CodeActionParams) => codeActions(server, params)));
}

/** True when the client asked for `kind` (no `only`, or `only` names it or a parent kind of it). */
function wanted(params: CodeActionParams, kind: string): boolean {
  const only = params.context.only;
  if (only !== undefined && (!Array.isArray(only) || !only.every((k) => typeof k === 'string'))) return false;
  return !only || only.some((k) => kind === k || kind.startsWith(k + '.'));
}

/** How long a code-action request waits for the publication of the editor's current text (then: no actions). */
const WAIT_FOR_PUBLICATION_MS = 3000;

export async function codeActions(server: DbeServer, params: CodeActionParams): Promise<CodeAction[]> {
  // a request of the wrong shape gets no actions (and no stack trace in the log)
  if (!isObject(params) || !isObject(params.textDocument) || typeof params.textDocument.uri !== 'string' || !isObject(params.context) || !sameShapeRange(params.range)) return [];
  if (wanted(params, CodeActionKind.QuickFix)) await publicationOfCurrentText(server, params.textDocument.uri);
  const quick = wanted(params, CodeActionKind.QuickFix) ? diagnosticActions(server, params) : [];
  return wanted(params, CodeActionKind.RefactorRewrite) ? [...quick, ...refactorActions(server, params)] : quick;
}

/**
 * Waits (a bounded time) until the server has published diagnostics for the document's current text:
 * a light-bulb request sent right after a file is opened or edited would otherwise find no
 * publication to match and offer nothing (seen in the end-to-end suite under load).
 */
async function publicationOfCurrentText(server: DbeServer, uri: string): Promise<void> {
  const key = server.key(uri);
  const deadline = Date.now() + WAIT_FOR_PUBLICATION_MS;
  for (;;) {
    const doc = server.document(key);
    const shown = server.diagnostics.shown(key);
    if (!doc || !server.open.has(key)) return;
    if (shown && shown.version === doc.version && !server.stale.has(key)) return;
    const left = deadline - Date.now();
    if (left <= 0) return;
    await server.diagnostics.nextShown(key, left);
  }
}

/** Refactors at the cursor or selection (editor-free ones from server/src/refactors), as workspace edits. */
function refactorActions(server: DbeServer, params: CodeActionParams): CodeAction[] {
  const at = server.fileFor(params.textDocument.uri);
  if (!at) return [];
  const { file } = at;
  if (file.dialect.family === 'mysql') return []; // the refactors rewrite PostgreSQL (materialized views)
  const project = at.folder.project;
  const range = { start: file.lines.offset(params.range.start), end: file.lines.offset(params.range.end) };
  const out: CodeAction[] = [];
  for (const fix of materializedViewRefactors(project, file.path, range)) {
    const edit = fixToWorkspaceEdit(project, fix, (k) => server.clientUri(k), server.support.createFiles);
    if (edit) out.push({ title: fix.title, kind: CodeActionKind.RefactorRewrite, edit });
  }
  return out;
}

const isPos = (p: any) => isObject(p) && Number.isInteger(p.line) && p.line >= 0 && Number.isInteger(p.character) && p.character >= 0;
const sameShapeRange = (r: any) => isObject(r) && isPos(r.start) && isPos(r.end);
const isObject = (x: unknown): x is Record<string, any> => !!x && typeof x === 'object' && !Array.isArray(x);
const samePos = (a: any, b: { line: number; character: number }) => isObject(a) && a.line === b.line && a.character === b.character;
const sameRange = (a: any, b: Diagnostic['range']) => isObject(a) && samePos(a.start, b.start) && samePos(a.end, b.end);

/** The server's own published diagnostics that the client's `sent` ones stand for (see the top of this file). */
export function ownDiagnostics(server: DbeServer, uri: string, sent: unknown): Diagnostic[] {
  if (!Array.isArray(sent) || !sent.length) return [];
  const key = server.key(uri);
  const doc = server.document(key);
  const shown = server.diagnostics.shown(key);
  // published for another text than the editor's: its ranges and edits would land in the wrong place
  if (!doc || !shown || shown.version !== doc.version || server.stale.has(key)) return [];
  const out: Diagnostic[] = [];
  for (const d of sent) {
    if (!isObject(d) || d.source !== SOURCE || !isDiagnosticData(d.data)) continue;
    const rule = d.data.rule;
    const own = shown.diagnostics.find((x) => (x.data as DiagnosticData).rule === rule && x.code === d.code && x.message === d.message && sameRange(d.range, x.range));
    if (own && !out.includes(own)) out.push(own);
  }
  return out;
}

/** What only PostgreSQL runs in a fix's new text (dialects/mysql/pg-only.ts), or undefined. */
function postgresOnlyEdit(edit: WorkspaceEdit): string | undefined {
  const texts: string[] = [];
  for (const list of Object.values(edit.changes ?? {})) for (const e of list) texts.push(e.newText);
  for (const dc of edit.documentChanges ?? []) if ('edits' in dc) for (const e of dc.edits) texts.push(e.newText);
  for (const t of texts) { const hit = postgresOnly(t); if (hit) return hit; }
  return undefined;
}

function diagnosticActions(server: DbeServer, params: CodeActionParams): CodeAction[] {
  const uri = params.textDocument.uri;
  const ours = ownDiagnostics(server, uri, params.context.diagnostics);
  if (!ours.length) return [];
  const file = server.fileFor(uri)?.file;
  const fixes: CodeAction[] = [];
  const ignores: CodeAction[] = [];
  const asks: CodeAction[] = [];
  const seenRules = new Set<string>();
  for (const d of ours) {
    const data = d.data as DiagnosticData;
    data.fixes.forEach((fx, i) => {
      // a fix editing a file opened from outside the workspace folder that is an applied migration there
      if (editsOutsideApplied(server, fx.edit)) return;
      // a MySQL file never gets a fix in PostgreSQL's words (a rule whose fix is not written for MySQL yet)
      if (file?.dialect.family === 'mysql' && postgresOnlyEdit(fx.edit)) return;
      fixes.push({ title: fx.title, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: fx.edit, isPreferred: i === 0 });
    });
    const ask = `Ask DB Engineer about ${data.rule}`;
    asks.push({
      title: ask, kind: CodeActionKind.QuickFix, diagnostics: [d],
      command: { title: ask, command: ASK_ABOUT_FINDING_COMMAND, arguments: [{ uri, range: d.range, rule: data.rule, message: d.message }] },
    });
    if (seenRules.has(data.rule)) continue;
    seenRules.add(data.rule);
    if (file) {
      const st = ignoreStatementEdit(file, d, data.rule);
      ignores.push({ title: `Ignore ${data.rule} for this statement`, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: { changes: { [uri]: [st] } } });
      ignores.push({ title: `Ignore ${data.rule} in this file`, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: { changes: { [uri]: [ignoreFileEdit(file, data.rule)] } } });
    }
    ignores.push({
      title: `Show documentation for ${data.rule}`, kind: CodeActionKind.QuickFix, diagnostics: [d],
      command: { title: `Show documentation for ${data.rule}`, command: OPEN_RULE_DOCS_COMMAND, arguments: [data.rule] },
    });
  }
  return [...fixes, ...ignores, ...asks];
}

/** True when `edit` changes (not creates) a file outside every workspace folder that its own migration set says must not change (./outside-set.ts). */
function editsOutsideApplied(server: DbeServer, edit: WorkspaceEdit | undefined): boolean {
  if (!edit) return false;
  const uris = new Set<string>(Object.keys(edit.changes ?? {}));
  const created = new Set<string>();
  for (const c of edit.documentChanges ?? []) {
    if ('textDocument' in c) uris.add(c.textDocument.uri);
    else if (c.kind === 'create') created.add(c.uri);
  }
  for (const uri of uris) {
    if (created.has(uri)) continue;
    const key = server.key(uri);
    if (outsideRefusal(server.folderFor(key), key)) return true;
  }
  return false;
}

/** `-- dbe-ignore <rule>` above the statement the diagnostic starts in (or appended to an existing one). */
export function ignoreStatementEdit(file: SourceFile, d: Diagnostic, rule: string): TextEdit {
  const at = file.lines.offset(d.range.start);
  const stmt = statementAt(file, at);
  const line = file.lines.position(stmt ? stmt.start : at).line;
  const above = line > 0 ? file.lines.lineText(line - 1) : undefined;
  if (above !== undefined && IGNORE_LINE.test(above)) {
    const trimmed = above.replace(/\s+$/, '');
    return { range: { start: { line: line - 1, character: trimmed.length }, end: { line: line - 1, character: above.length } }, newText: `, ${rule}` };
  }
  const indent = /^[ \t]*/.exec(file.lines.lineText(line))![0];
  const eol = file.text.includes('\r\n') ? '\r\n' : '\n';
  return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}-- dbe-ignore ${rule}${eol}` };
}

/** `-- dbe-ignore-file <rule>` on the first line (or appended to an existing one there). */
export function ignoreFileEdit(file: SourceFile, rule: string): TextEdit {
  const first = file.lines.lineText(0);
  if (IGNORE_FILE_LINE.test(first)) {
    const trimmed = first.replace(/\s+$/, '');
    return { range: { start: { line: 0, character: trimmed.length }, end: { line: 0, character: first.length } }, newText: `, ${rule}` };
  }
  const eol = file.text.includes('\r\n') ? '\r\n' : '\n';
  return { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: `-- dbe-ignore-file ${rule}${eol}` };
}
