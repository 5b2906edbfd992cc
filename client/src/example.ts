// "DB Engineer: Open Example Project": copies the bundled examples/shop (migrations and queries that
// show every kind of finding) into the extension's global storage and opens it; "Open MySQL Example
// Project" does the same with examples/shop-mysql (the shop in MySQL 8 / MariaDB).
import * as vscode from 'vscode';

export async function openExample(context: vscode.ExtensionContext, example: 'shop' | 'shop-mysql' = 'shop'): Promise<void> {
  const source = vscode.Uri.joinPath(context.extensionUri, 'examples', example);
  const target = vscode.Uri.joinPath(context.globalStorageUri, `example-${example}`);
  try {
    await vscode.workspace.fs.stat(source);
  } catch {
    void vscode.window.showErrorMessage('DB Engineer: the example project is missing from this installation; reinstall the extension.');
    return;
  }
  let exists = true;
  try { await vscode.workspace.fs.stat(target); } catch { exists = false; }
  if (!exists) {
    await vscode.workspace.fs.createDirectory(context.globalStorageUri);
    await vscode.workspace.fs.copy(source, target, { overwrite: false });
  }
  await vscode.commands.executeCommand('vscode.openFolder', target, { forceNewWindow: false });
}
