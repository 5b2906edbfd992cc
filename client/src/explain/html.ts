// The plan panel's HTML shell (extension host; no 'vscode' import, so tests render it in plain Node).
// Same policy as the chat: only the extension's stylesheet and the one nonce'd script; no inline
// script or style, no eval, no remote content.
import { escapeHtml } from '../webview/markdown';

export interface ExplainHtmlOptions { cspSource: string; nonce: string; scriptUri: string; styleUri: string }

export function explainHtml({ cspSource, nonce, scriptUri, styleUri }: ExplainHtmlOptions): string {
  const src = escapeHtml(cspSource);
  const n = escapeHtml(nonce);
  const csp = `default-src 'none'; img-src ${src}; style-src ${src}; script-src 'nonce-${n}'; font-src ${src};`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(styleUri)}">
<title>Query plan</title>
</head>
<body>
<div id="app"><p class="status">Waiting for the plan…</p></div>
<script nonce="${n}" src="${escapeHtml(scriptUri)}"></script>
</body>
</html>
`;
}
