// An LSP WorkspaceEdit from the server (changes, or file creations then edits) as a vscode.WorkspaceEdit
// whose every entry carries `meta`: with needsConfirmation, VS Code shows the refactor preview first
// and nothing changes until the user accepts it.
import * as vscode from 'vscode';
import type { LspRange, LspWorkspaceEdit } from '../../../server/src/lsp/schema-protocol';

const range = (r: LspRange) => new vscode.Range(new vscode.Position(r.start.line, r.start.character), new vscode.Position(r.end.line, r.end.character));

export function toWorkspaceEdit(edit: LspWorkspaceEdit, meta: vscode.WorkspaceEditEntryMetadata): vscode.WorkspaceEdit {
  const out = new vscode.WorkspaceEdit();
  for (const [uri, edits] of Object.entries(edit.changes ?? {})) {
    for (const e of edits) out.replace(vscode.Uri.parse(uri), range(e.range), e.newText, meta);
  }
  for (const change of edit.documentChanges ?? []) {
    if ('kind' in change) {
      if (change.kind === 'create') {
        out.createFile(vscode.Uri.parse(change.uri), { overwrite: change.options?.overwrite ?? false, ignoreIfExists: change.options?.ignoreIfExists ?? false }, meta);
      }
      continue;
    }
    for (const e of change.edits) out.replace(vscode.Uri.parse(change.textDocument.uri), range(e.range), e.newText, meta);
  }
  return out;
}
