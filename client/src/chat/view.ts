// The chat panel: a webview view in DB Engineer's activity-bar container. It only moves messages:
// the webview talks the typed protocol (./protocol.ts), ChatSession does the work.
import * as vscode from 'vscode';
import { chatHtml, makeNonce } from '../webview/html';
import type { ToWebview } from './protocol';
import { ChatSession } from './session';
import type { EditorChatHost } from './host';

export const CHAT_VIEW_ID = 'dbEngineer.chat';

export class ChatViewProvider implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private queue: ToWebview[] = [];
  private waiters: (() => void)[] = [];
  readonly session: ChatSession;

  constructor(private readonly context: vscode.ExtensionContext, host: EditorChatHost) {
    this.session = new ChatSession(host, (m) => this.post(m));
    // Chips follow the editor: the file or selection the next question is about.
    let timer: NodeJS.Timeout | undefined;
    const refresh = () => {
      if (!this.ready) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => { void this.session.refreshContext(); }, 250);
    };
    context.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(refresh),
      vscode.window.onDidChangeTextEditorSelection((e) => { if (e.textEditor.document.languageId === 'sql') refresh(); }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => { if (this.ready) this.session.init(); }),
      { dispose: () => { if (timer) clearTimeout(timer); } },
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    view.webview.html = chatHtml({
      cspSource: view.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.css')).toString(),
    });
    view.webview.onDidReceiveMessage(async (m) => {
      if (m && typeof m === 'object' && (m as { type?: unknown }).type === 'ready') {
        this.ready = true;
        await this.session.receive(m);
        for (const q of this.queue.splice(0)) void view.webview.postMessage(q);
        for (const w of this.waiters.splice(0)) w();
        return;
      }
      try { await this.session.receive(m); } catch (e) {
        void vscode.window.showErrorMessage(`DB Engineer chat: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    view.onDidDispose(() => { this.view = undefined; this.ready = false; });
  }

  private post(m: ToWebview): void {
    if (this.view && this.ready) void this.view.webview.postMessage(m);
    else if (m.type === 'prefill' || m.type === 'context') this.queue.push(m); // the rest is replayed by 'init'
  }

  /** Opens the panel and resolves once its script is listening. */
  async reveal(): Promise<void> {
    if (this.view && this.ready) { this.view.show(true); return; }
    const waiting = new Promise<void>((r) => this.waiters.push(r));
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    await Promise.race([waiting, new Promise((r) => setTimeout(r, 5000))]);
  }
}
