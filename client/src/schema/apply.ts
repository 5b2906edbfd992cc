// Applies an edit from the language server through VS Code's Refactor Preview and says what became
// of it. The preview starts DB Engineer's changes unticked (needsConfirmation), and
// workspace.applyEdit answers only true or false: false when nothing was ticked, when the preview was
// discarded, and when VS Code could not write the edit. So what can be known is checked here: a file
// to create that exists already is reported before the preview opens (VS Code would refuse it), and
// after the preview every file that should have been created is looked for, so a change left
// unticked is named instead of a bare "not applied".
import * as vscode from 'vscode';
import type { LspWorkspaceEdit } from '../../../server/src/lsp/schema-protocol';
import { toWorkspaceEdit } from './edit';

export interface Applied {
  /** Something was written. */
  ok: boolean;
  /** One line for the user: why nothing (or only part) was applied; undefined when all of it was. */
  problem?: string;
  /** The files the edit created that exist now. */
  created: string[];
}

const baseName = (uri: string) => decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));

async function exists(uri: string): Promise<boolean> {
  try { await vscode.workspace.fs.stat(vscode.Uri.parse(uri)); return true; } catch { return false; }
}

/** The text a new file should hold (the edits into it) and what it holds now, when VS Code can tell. */
async function emptyAfterCreate(uri: string, edit: LspWorkspaceEdit): Promise<boolean> {
  const expected = (edit.documentChanges ?? []).some((c) => !('kind' in c) && c.textDocument.uri === uri && c.edits.some((e) => e.newText.trim() !== ''))
    || (edit.changes?.[uri] ?? []).some((e) => e.newText.trim() !== '');
  if (!expected || typeof vscode.workspace.openTextDocument !== 'function') return false;
  try { return (await vscode.workspace.openTextDocument(vscode.Uri.parse(uri))).getText().trim() === ''; } catch { return false; }
}

/** `what`: the change as the user knows it ("the index idx_x", "the migration"), the subject of the message. */
export async function applyReviewed(edit: LspWorkspaceEdit, label: string, what: string): Promise<Applied> {
  const creates = (edit.documentChanges ?? [])
    .filter((c): c is { kind: 'create'; uri: string; options?: { overwrite?: boolean; ignoreIfExists?: boolean } } => 'kind' in c && c.kind === 'create')
    .filter((c) => !c.options?.overwrite && !c.options?.ignoreIfExists)
    .map((c) => c.uri);
  for (const uri of creates) {
    if (await exists(uri)) {
      return { ok: false, created: [], problem: `${what} was not applied: ${baseName(uri)} exists already (written since the recommendation was made); refresh the Schema view and try again.` };
    }
  }
  const ok = await vscode.workspace.applyEdit(toWorkspaceEdit(edit, { label, needsConfirmation: true }));
  if (!ok) {
    return {
      ok: false, created: [],
      problem: `${what} was not applied: nothing was ticked in the Refactor Preview, or the preview was discarded (DB Engineer's changes start unticked there: tick them, then press Apply).`,
    };
  }
  const created: string[] = [];
  const unticked: string[] = [];
  const empty: string[] = [];
  for (const uri of creates) {
    if (!(await exists(uri))) { unticked.push(baseName(uri)); continue; }
    created.push(uri);
    if (await emptyAfterCreate(uri, edit)) empty.push(baseName(uri));
  }
  if (unticked.length) {
    const list = unticked.join(', ');
    return { ok: created.length > 0, created, problem: `${what} was applied only in part: ${list} ${unticked.length === 1 ? 'was' : 'were'} left unticked in the Refactor Preview, so not created.` };
  }
  if (empty.length) {
    return { ok: true, created, problem: `${what} was applied only in part: ${empty.join(', ')} was created empty, because its text was left unticked in the Refactor Preview; delete it and apply again.` };
  }
  return { ok: true, created };
}
