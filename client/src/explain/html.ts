// The plan panel's HTML shell (extension host; no 'vscode' import, so tests render it in plain Node).
// Same policy as the chat: only the extension's stylesheet and the one nonce'd script; no inline
// script or style, no eval, no remote content.
import { webviewHtml } from '../webview/html';

export interface ExplainHtmlOptions { cspSource: string; nonce: string; scriptUri: string; styleUri: string }

export function explainHtml(o: ExplainHtmlOptions): string {
  return webviewHtml(o, 'Query plan', '<div id="app"><p class="status">Waiting for the plan…</p></div>');
}
