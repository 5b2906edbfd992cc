// The chat webview's HTML shell. Runs in the extension host (node); must not import 'vscode'.
// The CSP allows only the extension's own stylesheet and the one nonce'd script: no inline script,
// no inline style, no eval, no remote content.
import { randomBytes } from 'node:crypto';
import { escapeHtml } from './markdown';

export interface ChatHtmlOptions { cspSource: string; nonce: string; scriptUri: string; styleUri: string }

/** 32 characters of crypto randomness, base64url alphabet. */
export function makeNonce(): string {
  return randomBytes(24).toString('base64url');
}

/** The shell every DB Engineer webview uses: the extension's stylesheet, one nonce'd script, `body` inside. */
export function webviewHtml({ cspSource, nonce, scriptUri, styleUri }: ChatHtmlOptions, title: string, body: string): string {
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
<title>${escapeHtml(title)}</title>
</head>
<body>
${body}
<script nonce="${n}" src="${escapeHtml(scriptUri)}"></script>
</body>
</html>
`;
}

export function chatHtml(o: ChatHtmlOptions): string {
  return webviewHtml(o, 'DB Engineer', '<div id="app"></div>');
}
