// The status bar item: what the language server is doing (indexing, ready with N files, Restricted
// Mode, stopped) and the sandbox's state (embedded PostgreSQL: starting, replaying, ready with counts,
// failed with the reason, off). Indexing or a sandbox replay that takes over a second also shows
// progress in the window.
import * as vscode from 'vscode';
import { dialectLabel, type DialectResult, type SandboxStatus, type StatusParams } from '../../server/src/lsp/status-protocol';
import { evidenceText, migrationsText } from './status-text';
import { MANAGE_TRUST_COMMAND, TRUST_OFFER } from './trust';

export const SHOW_STATUS_COMMAND = 'dbEngineer.showStatus';

export class StatusItem implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private progressTimer: ReturnType<typeof setTimeout> | undefined;
  private endProgress: (() => void) | undefined;
  private sandboxTimer: ReturnType<typeof setTimeout> | undefined;
  private endSandboxProgress: (() => void) | undefined;
  last: StatusParams | undefined;
  stopped = false;
  /** The active SQL file's dialect and why (issue #13); null when no SQL file is active. */
  dialect: DialectResult | null = null;

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
    this.sandboxProgress(s.sandbox);
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
      this.item.tooltip = `${this.dialect ? `This file: ${dialectLabel(this.dialect)}. ` : ''}Restricted Mode: only open files are analysed (${files}). Click: ${TRUST_OFFER}.`;
      this.item.command = { title: TRUST_OFFER, command: MANAGE_TRUST_COMMAND };
      return;
    }
    this.item.command = SHOW_STATUS_COMMAND;
    const sb = sandboxText(s.sandbox);
    const d = this.dialect;
    // the count says what it counts: "DB Engineer: 12 files", not a bare "12"
    this.item.text = `$(database) DB Engineer: ${plural(s.files, 'file')}${sb.text}${d ? ` · ${d.name}` : ''}`;
    this.item.tooltip = `${d ? `This file: ${dialectLabel(d)}. ` : ''}${files} in ${s.folders || 1} folder${s.folders > 1 ? 's' : ''} analysed${s.ms !== undefined ? ` (indexed in ${s.ms} ms)` : ''}.${migrationsText(s.migrations)}${sb.tooltip} Click for the server log.`;
  }

  /** The active file's dialect changed (another editor, or the server re-read it): shown with the last status. */
  setDialect(d: DialectResult | null): void {
    const same = d === this.dialect || (!!d && !!this.dialect && d.id === this.dialect.id && d.why === this.dialect.why);
    this.dialect = d;
    if (!same && this.last && !this.stopped) this.update(this.last);
  }

  /** A replay that takes over a second shows window progress until the sandbox is ready, failed or off. */
  private sandboxProgress(sb: SandboxStatus | undefined): void {
    const busy = sb?.state === 'starting' || sb?.state === 'replaying';
    if (!busy) { this.stopSandboxProgress(); return; }
    if (this.sandboxTimer || this.endSandboxProgress) return;
    this.sandboxTimer = setTimeout(() => {
      this.sandboxTimer = undefined;
      const what = this.last?.sandbox?.state === 'starting' ? 'starting the sandbox (PostgreSQL)' : 'replaying the migrations in the sandbox';
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `DB Engineer: ${what}` },
        () => new Promise<void>((resolve) => { this.endSandboxProgress = resolve; }));
    }, 1000);
  }

  private stopSandboxProgress(): void {
    if (this.sandboxTimer) { clearTimeout(this.sandboxTimer); this.sandboxTimer = undefined; }
    if (this.endSandboxProgress) { this.endSandboxProgress(); this.endSandboxProgress = undefined; }
  }

  /** The server could not start or stopped: clicking restarts it. */
  failed(message: string): void {
    this.stopProgress();
    this.stopSandboxProgress();
    this.stopped = true;
    this.item.text = '$(error) DB Engineer: stopped';
    this.item.tooltip = `${message} Click to restart the language server.`;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  }

  private stopProgress(): void {
    if (this.progressTimer) { clearTimeout(this.progressTimer); this.progressTimer = undefined; }
    if (this.endProgress) { this.endProgress(); this.endProgress = undefined; }
  }

  dispose(): void { this.stopProgress(); this.stopSandboxProgress(); this.item.dispose(); }
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** The sandbox's part of the item: a short suffix for the text, a sentence for the tooltip. */
export function sandboxText(sb: SandboxStatus | undefined): { text: string; tooltip: string } {
  if (!sb) return { text: '', tooltip: '' };
  const folder = sb.folder ? ` (${sb.folder})` : '';
  switch (sb.state) {
    case 'off': return { text: '', tooltip: ` Sandbox off${sb.reason ? `: ${sb.reason}` : ''}.` };
    case 'starting': return { text: ' · sandbox $(sync~spin)', tooltip: ` Sandbox: starting PostgreSQL (PGlite)${folder}…` };
    case 'replaying': return { text: ' · sandbox $(sync~spin)', tooltip: ` Sandbox: replaying the migrations${folder}…` };
    case 'failed': return { text: ' · sandbox ✗', tooltip: ` Sandbox failed${folder}: ${sb.reason ?? 'unknown reason'}` };
    case 'ready': {
      const n = sb.findings ?? 0;
      const counts = [
        sb.ran !== undefined ? `${plural(sb.ran, 'migration statement')} ran` : '',
        sb.failed ? `${sb.failed} failed` : '',
        sb.explained !== undefined ? `${plural(sb.explained, 'query')} explained`.replace('querys', 'queries') : '',
        sb.rejected ? `${sb.rejected} rejected` : '',
      ].filter(Boolean).join(', ');
      return {
        text: n ? ` · sandbox ⚠ ${plural(n, 'error')}` : ' · sandbox ✓',
        tooltip: ` Sandbox ready${folder}: ${counts}${sb.ms !== undefined ? ` in ${sb.ms} ms` : ''}; ${n ? `${plural(n, 'PostgreSQL error')} shown as postgres-error` : 'PostgreSQL accepts everything'}.${evidenceText(sb.evidence)}`,
      };
    }
  }
}

