// The plan panel: "Explain" (code lens or command) asks the language server for the plan of the query
// at a line (dbEngineer/explain) and shows it in one webview panel beside the editor, reused for the
// next query. Problems (the sandbox off, the query rejected, the server not running) are shown in
// the panel as text.
import * as vscode from 'vscode';
import { EXPLAIN_REQUEST, type ExplainParams, type ExplainResult } from '../../../server/src/lsp/explain-protocol';
import { makeNonce } from '../webview/html';
import { explainHtml } from './html';
import type { FromExplainWebview, ToExplainWebview } from './protocol';

export const EXPLAIN_PANEL_TYPE = 'dbEngineer.explain';

/** What the panel needs of the language client. */
export interface ExplainClient { sendRequest<R>(method: string, params: unknown): Promise<R> }

export class ExplainPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private pending: ToExplainWebview | undefined;
  private target: { uri: string; line: number } | undefined;

  constructor(private readonly context: vscode.ExtensionContext, private readonly client: () => ExplainClient | undefined) {}

  /** Explains the query at `line` of `uri` (both from the code lens), else at the active editor's cursor. */
  async explain(uri?: unknown, line?: unknown): Promise<void> {
    let params: ExplainParams | undefined;
    if (typeof uri === 'string' && typeof line === 'number') params = { uri, line };
    else {
      const ed = vscode.window.activeTextEditor;
      if (ed && ed.document.languageId === 'sql') params = { uri: ed.document.uri.toString(), line: ed.selection.active.line };
    }
    if (!params) {
      void vscode.window.showInformationMessage('DB Engineer: put the cursor in a query of a SQL file to explain it.');
      return;
    }
    this.target = params;
    const name = decodeURIComponent(params.uri.slice(params.uri.lastIndexOf('/') + 1));
    this.open(`Plan: ${name}:${params.line + 1}`);
    this.post({ type: 'loading', path: name, line: params.line + 1 });
    let result: ExplainResult;
    const c = this.client();
    if (!c) result = { ok: false, kind: 'failed', message: 'The DB Engineer language server is not running; run "DB Engineer: Restart Language Server".' };
    else {
      try {
        result = await c.sendRequest<ExplainResult>(EXPLAIN_REQUEST, params);
        if (!result || typeof result !== 'object') result = { ok: false, kind: 'failed', message: 'The language server gave no answer.' };
      } catch (e) {
        result = { ok: false, kind: 'failed', message: `The explain request failed: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    if (this.target !== params) return; // a newer request took over the panel
    if (result.path && result.line) this.panel!.title = `Plan: ${result.path}:${result.line}`;
    this.post({ type: 'result', result });
  }

  private open(title: string): void {
    if (this.panel) {
      this.panel.title = title;
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      return;
    }
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel(EXPLAIN_PANEL_TYPE, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [dist, media], retainContextWhenHidden: true });
    this.panel = panel;
    this.ready = false;
    panel.webview.html = explainHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'explain.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'explain.css')).toString(),
    });
    panel.webview.onDidReceiveMessage((m: FromExplainWebview) => {
      if (!m || typeof m !== 'object') return;
      if (m.type === 'ready') {
        this.ready = true;
        if (this.pending) { void panel.webview.postMessage(this.pending); this.pending = undefined; }
      } else if (m.type === 'reveal' && this.target) {
        const pos = new vscode.Position(this.target.line, 0);
        void vscode.window.showTextDocument(vscode.Uri.parse(this.target.uri), { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
      }
    }, undefined, this.context.subscriptions);
    panel.onDidDispose(() => { if (this.panel === panel) { this.panel = undefined; this.ready = false; this.pending = undefined; } }, undefined, this.context.subscriptions);
  }

  /** Posts now, or once the script says it is listening (only the latest message matters). */
  private post(m: ToExplainWebview): void {
    if (this.panel && this.ready) void this.panel.webview.postMessage(m);
    else this.pending = m;
  }

  dispose(): void { this.panel?.dispose(); }
}
