// The editor side of the chat: everything ChatSession needs from VS Code (the key in SecretStorage,
// settings, the language server's context request, history in workspace state, code-block actions
// as undoable WorkspaceEdits). Shared by the sidebar panel and the @dbe chat participant.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MANAGE_TRUST_COMMAND } from '../trust';
import type { LanguageClient } from 'vscode-languageclient/node';
import { DEFAULT_MAX_TOKENS, DEFAULT_MODEL } from '../../../server/src/chat/client';
import { CHAT_CONTEXT_REQUEST, type ChatContextResult } from '../../../server/src/lsp/chat-protocol';
import { AGENT_TOOL_REQUEST, type AgentToolAnswer, type AgentToolParams } from '../../../server/src/lsp/agent-protocol';
import { listPersonas, type Persona } from '../../../server/src/persona';
import type { CodeAction } from './protocol';
import type { ChatHost, ChatSettings, ContextTarget, ProposedFiles, StoredChat, WriteOutcome } from './session';
import { planSaveMigration } from '../../../server/src/chat/save-migration';

export const SECRET_KEY = 'dbEngineer.anthropicApiKey';
const CHAT_STATE_KEY = 'dbEngineer.chat';

export class EditorChatHost implements ChatHost {
  /** The last SQL editor that had focus: the panel takes focus away from it. */
  private lastSql: vscode.TextEditor | undefined;
  private warnedPersonas = new Set<string>();

  constructor(private readonly ext: vscode.ExtensionContext, private readonly client: () => LanguageClient | undefined) {
    const track = (e: vscode.TextEditor | undefined) => { if (e && e.document.languageId === 'sql') this.lastSql = e; };
    track(vscode.window.activeTextEditor);
    ext.subscriptions.push(vscode.window.onDidChangeActiveTextEditor(track));
  }

  /** The SQL editor a question is about: the active one, else the last one that was active and is still visible. */
  editor(): vscode.TextEditor | undefined {
    const a = vscode.window.activeTextEditor;
    if (a && a.document.languageId === 'sql') return a;
    if (this.lastSql && !this.lastSql.document.isClosed) {
      return vscode.window.visibleTextEditors.find((e) => e.document === this.lastSql!.document) ?? this.lastSql;
    }
    return undefined;
  }

  async apiKey(): Promise<string | undefined> {
    const stored = await this.ext.secrets.get(SECRET_KEY);
    return stored?.trim() || process.env.ANTHROPIC_API_KEY?.trim() || undefined;
  }

  settings(): ChatSettings {
    const c = vscode.workspace.getConfiguration('dbEngineer.chat');
    const model = String(c.get('model') || DEFAULT_MODEL).trim() || DEFAULT_MODEL;
    const mt = Number(c.get('maxTokens'));
    // Application scope only: a workspace's settings must not send the key somewhere else.
    const base = c.inspect<string>('baseUrl')?.globalValue?.trim() || process.env.ANTHROPIC_BASE_URL || undefined;
    return { model, maxTokens: Number.isInteger(mt) && mt > 0 ? mt : DEFAULT_MAX_TOKENS, baseURL: base, tools: c.get<boolean>('tools') !== false };
  }

  trusted(): boolean { return vscode.workspace.isTrusted; }

  personas(): Persona[] {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    const list = listPersonas(root?.scheme === 'file' ? root.fsPath : undefined, vscode.workspace.isTrusted);
    for (const e of list.errors) {
      const line = `${e.message}`;
      if (this.warnedPersonas.has(line)) continue;
      this.warnedPersonas.add(line);
      void vscode.window.showWarningMessage(`DB Engineer: persona not loaded: ${line}`);
    }
    return list.personas;
  }

  loadChat(): StoredChat | undefined { return this.ext.workspaceState.get<StoredChat>(CHAT_STATE_KEY); }
  saveChat(chat: StoredChat): void { void this.ext.workspaceState.update(CHAT_STATE_KEY, chat); }

  async context(target?: ContextTarget): Promise<ChatContextResult> {
    let uri = target?.uri;
    let range = target?.range;
    if (!uri) {
      const ed = this.editor();
      if (!ed) return { chips: [], text: 'No SQL file is open in the editor; answer from the question alone.' };
      uri = ed.document.uri.toString();
      const sel = ed.selection;
      if (!sel.isEmpty) range = { start: { line: sel.start.line, character: sel.start.character }, end: { line: sel.end.line, character: sel.end.character } };
    }
    const c = this.client();
    if (!c) return { chips: [], text: 'The DB Engineer language server is not running, so no context is available.' };
    try {
      const r = await c.sendRequest<ChatContextResult>(CHAT_CONTEXT_REQUEST, { uri, range, rule: target?.rule });
      return r && Array.isArray(r.chips) && typeof r.text === 'string' ? r : { chips: [], text: 'No context is available for this document.' };
    } catch {
      return { chips: [], text: 'No context is available for this document (the language server did not answer).' };
    }
  }

  /** dbEngineer/agentTool about the active SQL document; Stop cancels the request (and the tool) through LSP. */
  async callTool(name: string, input: unknown, signal: AbortSignal | undefined): Promise<AgentToolAnswer> {
    const c = this.client();
    if (!c) return { text: 'The DB Engineer language server is not running, so the tool cannot run.', summary: `${name}: no language server`, isError: true };
    if (signal?.aborted) return { text: 'Stopped before the tool ran.', summary: `${name}: stopped`, isError: true };
    const cts = new vscode.CancellationTokenSource();
    const onAbort = () => cts.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    const params: AgentToolParams = { name, input, uri: this.editor()?.document.uri.toString() };
    try {
      const r = await c.sendRequest<AgentToolAnswer>(AGENT_TOOL_REQUEST, params, cts.token);
      return r && typeof r.text === 'string' ? r : { text: `The tool ${name} gave no answer.`, summary: `${name}: no answer`, isError: true };
    } catch (e) {
      if (cts.token.isCancellationRequested) return { text: 'Stopped by the user while the tool ran.', summary: `${name}: stopped`, isError: true };
      return { text: `The language server could not run ${name}: ${e instanceof Error ? e.message : String(e)}`, summary: `${name} failed`, isError: true };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }

  /** A modal question naming the files; on Write, one WorkspaceEdit that creates them (never over an existing file). */
  async confirmWrite(p: ProposedFiles): Promise<WriteOutcome> {
    // The question names what is written: the URIs themselves, as paths in the workspace.
    const files = p.files.map((f) => ({ uri: vscode.Uri.parse(f.uri), text: f.text }));
    const paths = files.map((f) => vscode.workspace.asRelativePath(f.uri, false));
    const outside = files.findIndex((f) => f.uri.scheme !== 'file' || !vscode.workspace.getWorkspaceFolder(f.uri));
    if (outside >= 0) return { written: false, paths, reason: 'failed', detail: `${paths[outside]} is outside the workspace folders` };
    for (let i = 0; i < files.length; i++) {
      try { await vscode.workspace.fs.stat(files[i].uri); return { written: false, paths, reason: 'exists', detail: paths[i] }; } catch { /* absent: good */ }
    }
    const n = p.files.length;
    const question = `Write ${n === 1 ? 'a new file' : `${n} new files`}: ${paths.join(', ')}?`;
    const pick = await vscode.window.showWarningMessage(question, { modal: true, detail: `DB Engineer's agent proposes: ${p.title}` }, 'Write');
    if (pick !== 'Write') return { written: false, paths, reason: 'declined' };
    const edit = new vscode.WorkspaceEdit();
    const meta = { label: `DB Engineer: ${p.title}`, needsConfirmation: false };
    for (const f of files) {
      edit.createFile(f.uri, { overwrite: false, ignoreIfExists: false }, meta);
      edit.insert(f.uri, new vscode.Position(0, 0), f.text, meta);
    }
    let ok = false;
    try { ok = await vscode.workspace.applyEdit(edit); } catch (e) { return { written: false, paths, reason: 'failed', detail: e instanceof Error ? e.message : String(e) }; }
    if (!ok) {
      // createFile refuses an existing file: someone made one between the check and the edit.
      for (let i = 0; i < files.length; i++) {
        try { await vscode.workspace.fs.stat(files[i].uri); return { written: false, paths, reason: 'exists', detail: paths[i] }; } catch { /* next */ }
      }
      return { written: false, paths, reason: 'failed' };
    }
    // Saved, so the files are on disk like any other migration (the edit leaves them dirty).
    for (const f of files) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === f.uri.toString());
      if (doc?.isDirty) await doc.save();
    }
    return { written: true, paths };
  }

  async setKey(): Promise<void> { await vscode.commands.executeCommand('dbEngineer.setApiKey'); }
  async manageTrust(): Promise<void> { await vscode.commands.executeCommand(MANAGE_TRUST_COMMAND); }

  async code(action: CodeAction, code: string, lang?: string, extra?: { answer?: string; block?: number }): Promise<void> {
    const text = code.endsWith('\n') ? code : `${code}\n`;
    switch (action) {
      case 'copy':
        await vscode.env.clipboard.writeText(code);
        return;
      case 'insert': {
        const ed = this.editor() ?? vscode.window.activeTextEditor;
        if (!ed) { void vscode.window.showInformationMessage('DB Engineer: open a file to insert the code into.'); return; }
        await vscode.window.showTextDocument(ed.document, { viewColumn: ed.viewColumn, preserveFocus: false });
        // One edit, so a single undo takes it back.
        await ed.edit((b) => { for (const s of ed.selections) b.replace(s, code); });
        return;
      }
      case 'applyEdit': {
        const ed = this.editor();
        if (!ed) { void vscode.window.showInformationMessage('DB Engineer: open the SQL file the change is for, then apply it.'); return; }
        const edit = new vscode.WorkspaceEdit();
        const sel = ed.selection;
        const meta = { label: 'DB Engineer: apply the suggested SQL', needsConfirmation: true };
        edit.replace(ed.document.uri, sel.isEmpty ? new vscode.Range(sel.active, sel.active) : sel, code, meta);
        // needsConfirmation: VS Code shows the refactor preview first; nothing changes until accepted.
        await vscode.workspace.applyEdit(edit);
        return;
      }
      case 'saveMigration': {
        if (lang && !/^(sql|pgsql|postgres(ql)?|plpgsql)$/i.test(lang)) {
          void vscode.window.showInformationMessage(`DB Engineer: only SQL blocks can be saved as a migration (this one is ${lang}).`);
          return;
        }
        await this.saveMigration(code, extra);
        return;
      }
    }
  }

  private async saveMigration(code: string, extra?: { answer?: string; block?: number }): Promise<void> {
    const folder = await this.migrationsFolder();
    if (!folder) { void vscode.window.showInformationMessage('DB Engineer: open a folder (or a migration file) to save a migration into.'); return; }
    let entries: string[] = [];
    try {
      entries = (await vscode.workspace.fs.readDirectory(folder)).map(([n, t]) => (t & vscode.FileType.Directory ? `${n}/` : n));
    } catch { /* a new folder: plain name */ }
    // the plan (names, the rollback's place) is the server's, editor-free: chat/save-migration.ts
    const plan = planSaveMigration({ code, answer: extra?.answer, block: extra?.block, entries, now: new Date() });
    const edit = new vscode.WorkspaceEdit();
    const meta = { label: 'DB Engineer: new migration', needsConfirmation: false };
    const uris = plan.files.map((f) => vscode.Uri.joinPath(folder, ...f.path.split('/')));
    plan.files.forEach((f, i) => {
      // never over an existing file: the edit fails as a whole instead
      edit.createFile(uris[i], { overwrite: false, ignoreIfExists: false }, meta);
      edit.insert(uris[i], new vscode.Position(0, 0), f.text, meta);
    });
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage(`DB Engineer: could not create ${plan.files.map((f) => f.path).join(' and ')} (nothing was written; does one exist already?).`);
      return;
    }
    void vscode.window.showInformationMessage(`DB Engineer: new migration ${plan.summary}.`);
    await vscode.window.showTextDocument(uris[0]);
  }

  private async migrationsFolder(): Promise<vscode.Uri | undefined> {
    const ed = this.editor();
    if (ed && ed.document.uri.scheme === 'file') {
      const file = ed.document.uri.fsPath;
      const dir = path.dirname(file);
      // Diesel keeps each migration in its own directory: the new one goes beside it.
      const folder = /^(up|down)\.sql$/i.test(path.basename(file)) ? path.dirname(dir) : dir;
      return vscode.Uri.file(folder);
    }
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!root) return undefined;
    for (const cand of ['migrations', 'db/migrations', 'sql/migrations']) {
      const u = vscode.Uri.joinPath(root, ...cand.split('/'));
      try { await vscode.workspace.fs.stat(u); return u; } catch { /* next */ }
    }
    return root;
  }
}

