// A small in-memory stand-in for the `vscode` module and vscode-languageclient, enough to activate
// client/src/extension.ts in plain Node and check its wiring against package.json: which commands,
// views and participants it registers, what the chat webview is given, what the commands do.
// It records calls; it does not pretend to be an editor. The real workbench run is the e2e suite's job.
import Module from 'node:module';
import * as path from 'node:path';

export interface Recorder {
  commands: Map<string, (...a: any[]) => any>;
  views: Map<string, any>;
  participants: Map<string, { handler: (...a: any[]) => any; iconPath?: unknown }>;
  secrets: Map<string, string>;
  workspaceState: Map<string, unknown>;
  globalState: Map<string, unknown>;
  config: Record<string, unknown>;
  info: string[];
  errors: string[];
  inputBoxAnswers: (string | undefined)[];
  /** What showWarningMessage answers (the button picked), in order; undefined when empty (dismissed). */
  warningAnswers: (string | undefined)[];
  applied: any[];
  executed: string[];
  clipboard: string;
  requests: { method: string; params: any }[];
  contextAnswer: any;
  /** Answers of the fake language client per request method (a function gets the params; a throw rejects). */
  answers: Map<string, any>;
  activeEditor: any;
  statusItems: any[];
  progress: { title: string; done: boolean }[];
  /** Notification handlers the extension registered on its language client, by method. */
  notifications: Map<string, (p: any) => void>;
  stateListeners: ((e: { oldState: number; newState: number }) => void)[];
  outputShown: number;
  /** languages.onDidChangeDiagnostics listeners, to fire from tests. */
  diagnosticListeners: ((e: { uris: Uri[] }) => any)[];
  /** URIs given to window.showTextDocument. */
  shown: string[];
  /** Webview panels created (window.createWebviewPanel), with what they were given and posted. */
  panels: FakePanel[];
  /** What workspace.applyEdit does with the recorded ops (default: nothing, answers true), e.g. the Refactor Preview's ticks. */
  onApplyEdit?: (ops: any[]) => boolean;
  /** Files that exist (URI string -> text): workspace.fs.stat finds them, openTextDocument reads them. */
  files: Map<string, string>;
}

export interface FakePanel {
  viewType: string; title: string; options: any; revealed: number; disposed: boolean;
  webview: { html: string; cspSource: string; options: any; posted: any[]; receive: (m: unknown) => void };
}

export const rec: Recorder = {
  commands: new Map(), views: new Map(), participants: new Map(), secrets: new Map(), workspaceState: new Map(), globalState: new Map(),
  config: {}, info: [], errors: [], inputBoxAnswers: [], warningAnswers: [], applied: [], executed: [], clipboard: '', requests: [],
  contextAnswer: { chips: [{ kind: 'file', label: 'q.sql', chars: 10 }], text: 'FILE q.sql' }, answers: new Map(), activeEditor: undefined,
  diagnosticListeners: [], shown: [], panels: [], files: new Map(),
  statusItems: [], progress: [], notifications: new Map(), stateListeners: [], outputShown: 0,
};

const disposable = { dispose() {} };
const event = () => () => disposable;

class Uri {
  constructor(readonly scheme: string, readonly fsPath: string) {}
  get path(): string { return this.fsPath; }
  toString(): string { return `${this.scheme}://${this.fsPath}`; }
  static file(p: string): Uri { return new Uri('file', p); }
  static parse(s: string): Uri { const m = /^([a-z]+):\/\/(.*)$/.exec(s); return new Uri(m?.[1] ?? 'file', m?.[2] ?? s); }
  static joinPath(u: Uri, ...parts: string[]): Uri { return new Uri(u.scheme, path.join(u.fsPath, ...parts)); }
}
class Position { constructor(readonly line: number, readonly character: number) {} }
class Range { constructor(readonly start: Position, readonly end: Position) {} }
class ThemeIcon { constructor(readonly id: string) {} }
const TreeItemCollapsibleState = { None: 0, Collapsed: 1, Expanded: 2 };
class TreeItem {
  id?: string; description?: string; tooltip?: string; iconPath?: ThemeIcon; command?: any; contextValue?: string;
  constructor(readonly label: string, readonly collapsibleState: number = TreeItemCollapsibleState.None) {}
}
class EventEmitter<T> {
  private listeners: ((e: T) => any)[] = [];
  readonly event = (fn: (e: T) => any) => { this.listeners.push(fn); return { dispose: () => { this.listeners = this.listeners.filter((l) => l !== fn); } }; };
  fire(e: T): void { for (const l of [...this.listeners]) l(e); }
  dispose(): void { this.listeners = []; }
}
class WorkspaceEdit {
  readonly ops: any[] = [];
  replace(uri: Uri, range: Range, text: string, meta?: any) { this.ops.push({ op: 'replace', uri: uri.toString(), range, text, meta }); }
  insert(uri: Uri, pos: Position, text: string, meta?: any) { this.ops.push({ op: 'insert', uri: uri.toString(), pos, text, meta }); }
  createFile(uri: Uri, opts: any, meta?: any) { this.ops.push({ op: 'create', uri: uri.toString(), opts, meta }); }
}

export function makeContext(root: string): any {
  return {
    subscriptions: [] as any[],
    extensionUri: Uri.file(root),
    asAbsolutePath: (p: string) => path.join(root, p),
    secrets: {
      get: async (k: string) => rec.secrets.get(k),
      store: async (k: string, v: string) => { rec.secrets.set(k, v); },
      delete: async (k: string) => { rec.secrets.delete(k); },
    },
    workspaceState: { get: (k: string) => rec.workspaceState.get(k), update: async (k: string, v: unknown) => { rec.workspaceState.set(k, v); } },
    globalState: { get: (k: string) => rec.globalState.get(k), update: async (k: string, v: unknown) => { rec.globalState.set(k, v); } },
    extension: { id: 'db-engineer.db-engineer' },
  };
}

class ThemeColor { constructor(readonly id: string) {} }

const vscode = {
  Uri, Position, Range, WorkspaceEdit, ThemeColor, ThemeIcon, TreeItem, TreeItemCollapsibleState, EventEmitter,
  StatusBarAlignment: { Left: 1, Right: 2 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  FileType: { File: 1, Directory: 2 },
  commands: {
    registerCommand: (id: string, fn: (...a: any[]) => any) => { rec.commands.set(id, fn); return disposable; },
    executeCommand: async (id: string, ...args: any[]) => { rec.executed.push(id); return rec.commands.get(id)?.(...args); },
  },
  env: { openExternal: async () => true, clipboard: { writeText: async (t: string) => { rec.clipboard = t; } } },
  window: {
    get activeTextEditor() { return rec.activeEditor; },
    get visibleTextEditors() { return rec.activeEditor ? [rec.activeEditor] : []; },
    onDidChangeActiveTextEditor: event(), onDidChangeTextEditorSelection: event(),
    showInformationMessage: async (m: string) => { rec.info.push(m); return undefined; },
    showWarningMessage: async (m: string) => { rec.info.push(m); return rec.warningAnswers.shift(); },
    showErrorMessage: async (m: string) => { rec.errors.push(m); return undefined; },
    showInputBox: async () => rec.inputBoxAnswers.shift(),
    showTextDocument: async (d: any) => { rec.shown.push(String(d?.uri ?? d)); return d; },
    registerWebviewViewProvider: (id: string, p: any) => { rec.views.set(id, p); return disposable; },
    createWebviewPanel: (viewType: string, title: string, _show: unknown, options: any) => {
      const handlers: ((m: unknown) => void)[] = [];
      const disposeHandlers: (() => void)[] = [];
      const panel: FakePanel & Record<string, any> = {
        viewType, title, options, revealed: 0, disposed: false,
        webview: {
          html: '', cspSource: 'vscode-resource:', options, posted: [],
          receive: (m: unknown) => { for (const h of handlers) h(m); },
          asWebviewUri: (u: Uri) => new Uri('vscode-resource', u.fsPath),
          postMessage: async (m: unknown) => { panel.webview.posted.push(JSON.parse(JSON.stringify(m))); return true; },
          onDidReceiveMessage: (h: (m: unknown) => void) => { handlers.push(h); return disposable; },
        } as any,
        reveal() { panel.revealed++; },
        onDidDispose: (h: () => void) => { disposeHandlers.push(h); return disposable; },
        dispose() { panel.disposed = true; for (const h of disposeHandlers) h(); },
      };
      rec.panels.push(panel);
      return panel;
    },
    createStatusBarItem: (id: string, alignment: number, priority: number) => {
      const item = { id, alignment, priority, text: '', tooltip: undefined as unknown, command: undefined as unknown, name: '', backgroundColor: undefined as unknown, visible: false, show() { this.visible = true; }, hide() { this.visible = false; }, dispose() {} };
      rec.statusItems.push(item);
      return item;
    },
    withProgress: async (opts: { title: string }, task: () => Promise<unknown>) => {
      const entry = { title: opts.title, done: false };
      rec.progress.push(entry);
      try { return await task(); } finally { entry.done = true; }
    },
    createTreeView: (id: string, o: { treeDataProvider: any }) => { rec.views.set(id, o.treeDataProvider); return { visible: true, dispose() {} }; },
    registerTreeDataProvider: (id: string, p: any) => { rec.views.set(id, p); return disposable; },
  },
  workspace: {
    isTrusted: true,
    workspaceFolders: undefined as any,
    onDidGrantWorkspaceTrust: event(),
    onDidChangeConfiguration: event(),
    onDidChangeWorkspaceFolders: event(),
    createFileSystemWatcher: () => ({ dispose() {} }),
    getConfiguration: (section: string) => ({
      // Workspace values (keys prefixed "ws:") win over user values, as in VS Code.
      get: (k: string) => rec.config[`ws:${section}.${k}`] ?? rec.config[`${section}.${k}`],
      inspect: (k: string) => ({ globalValue: rec.config[`${section}.${k}`], workspaceValue: rec.config[`ws:${section}.${k}`] }),
      // ConfigurationTarget.Global (1) writes the user value; others the workspace value
      update: async (k: string, v: unknown, target?: number) => { rec.config[`${target === 1 ? '' : 'ws:'}${section}.${k}`] = v; },
    }),
    applyEdit: async (e: WorkspaceEdit) => { rec.applied.push(e.ops); return rec.onApplyEdit ? rec.onApplyEdit(e.ops) : true; },
    fs: {
      readDirectory: async () => [],
      stat: async (u: Uri) => { if (rec.files.has(String(u))) return { type: 1 }; throw new Error('ENOENT'); },
    },
    openTextDocument: async (u: Uri) => {
      const text = rec.files.get(String(u));
      if (text === undefined) throw new Error(`cannot open ${String(u)}`);
      return { uri: u, getText: () => text };
    },
  },
  languages: {
    onDidChangeDiagnostics: (fn: (e: { uris: Uri[] }) => any) => { rec.diagnosticListeners.push(fn); return disposable; },
  },
  chat: {
    createChatParticipant: (id: string, handler: (...a: any[]) => any) => {
      const p = { handler, iconPath: undefined as unknown, dispose() {} };
      rec.participants.set(id, p);
      return p;
    },
  },
};

class LanguageClient {
  readonly outputChannel = { show: () => { rec.outputShown++; } };
  constructor(readonly id: string, readonly name: string, readonly server: any, readonly options: any) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async sendRequest(method: string, params: any): Promise<any> {
    rec.requests.push({ method, params });
    if (!rec.answers.has(method)) return rec.contextAnswer;
    const a = rec.answers.get(method);
    return typeof a === 'function' ? a(params) : a;
  }
  async sendNotification(method: string, params: any): Promise<void> { rec.requests.push({ method, params }); }
  onNotification(method: string, h: (p: any) => void) { rec.notifications.set(method, h); return disposable; }
  onDidChangeState(l: (e: { oldState: number; newState: number }) => void) { rec.stateListeners.push(l); return disposable; }
}
const languageclient = { LanguageClient, TransportKind: { stdio: 0, ipc: 1 }, State: { Stopped: 1, Running: 2, Starting: 3 } };

let installed = false;
/** Makes `require('vscode')` and `require('vscode-languageclient/node')` return the fakes. */
export function installFakeVscode(): typeof vscode {
  if (installed) return vscode;
  installed = true;
  const M = Module as any;
  const load = M._load;
  M._load = function (request: string, ...rest: any[]) {
    if (request === 'vscode') return vscode;
    if (request === 'vscode-languageclient/node') return languageclient;
    return load.call(this, request, ...rest);
  };
  return vscode;
}

/** A fake SQL editor over `text`, whose edits are recorded. */
export function fakeEditor(file: string, text: string, selection?: Range): any {
  const edits: any[] = [];
  const sel = selection ?? new Range(new Position(0, 0), new Position(0, 0));
  const s: any = Object.assign(sel, { active: sel.end, isEmpty: sel.start.line === sel.end.line && sel.start.character === sel.end.character });
  return {
    edits,
    document: { uri: Uri.file(file), languageId: 'sql', isClosed: false, getText: () => text },
    selection: s,
    selections: [s],
    viewColumn: 1,
    edit: async (cb: (b: any) => void) => { cb({ replace: (r: any, t: string) => edits.push({ range: r, text: t }) }); return true; },
  };
}
