// The status bar item: what the language server is doing (indexing, ready with N files, Restricted
// Mode, stopped). Indexing that takes over a second also shows progress in the window.
import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/lsp/status-protocol';

export const SHOW_STATUS_COMMAND = 'dbEngineer.showStatus';

export class StatusItem implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private progressTimer: ReturnType<typeof setTimeout> | undefined;
  private endProgress: (() => void) | undefined;
  last: StatusParams | undefined;
  stopped = false;

  constructor() {
    this.item = vscode.window.createStatusBarItem('dbEngineer.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'DB Engineer';
    this.item.command = SHOW_STATUS_COMMAND;
    this.starting();
    this.item.show();
  }

  starting(): void {
    this.stopped = false;
    this.item.text = '$(sync~spin) DB Engineer';
    this.item.tooltip = 'DB Engineer: starting the language server';
    this.item.backgroundColor = undefined;
  }

  update(s: StatusParams): void {
    this.last = s;
    this.stopped = false;
    this.item.backgroundColor = undefined;
    if (s.state === 'indexing') {
      this.item.text = '$(sync~spin) DB Engineer: indexing';
      this.item.tooltip = 'DB Engineer is reading the workspace\'s SQL files and replaying its migrations';
      if (!this.progressTimer && !this.endProgress) {
        this.progressTimer = setTimeout(() => {
          this.progressTimer = undefined;
          void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'DB Engineer: indexing SQL files' },
            () => new Promise<void>((resolve) => { this.endProgress = resolve; }));
        }, 1000);
      }
      return;
    }
    this.stopProgress();
    const files = `${s.files} SQL file${s.files === 1 ? '' : 's'}`;
    if (!s.trusted) {
      this.item.text = '$(shield) DB Engineer: restricted';
      this.item.tooltip = `Restricted Mode: only open files are analysed (${files}); trust the workspace to read its migrations and .dbe.json.`;
      return;
    }
    this.item.text = `$(database) DB Engineer: ${s.files}`;
    this.item.tooltip = `${files} in ${s.folders || 1} folder${s.folders > 1 ? 's' : ''} analysed${s.ms !== undefined ? ` (indexed in ${s.ms} ms)` : ''}. Click for the server log.`;
  }

  /** The server could not start or stopped: clicking restarts it. */
  failed(message: string): void {
    this.stopProgress();
    this.stopped = true;
    this.item.text = '$(error) DB Engineer: stopped';
    this.item.tooltip = `${message} Click to restart the language server.`;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  }

  private stopProgress(): void {
    if (this.progressTimer) { clearTimeout(this.progressTimer); this.progressTimer = undefined; }
    if (this.endProgress) { this.endProgress(); this.endProgress = undefined; }
  }

  dispose(): void { this.stopProgress(); this.item.dispose(); }
}
