// A minimal LSP client over the server's stdio, for protocol tests and the editor benchmark.
// Speaks real JSON-RPC (vscode-jsonrpc): initialize/initialized, document sync, requests, and it
// answers the server's workspace/configuration requests.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type {
  CodeAction, Diagnostic, Hover, Location, PublishDiagnosticsParams, Range, ShowMessageParams, TextEdit, WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';

export const ROOT = path.resolve(__dirname, '..');
/** DBE_SERVER=<path> runs another build (e.g. to check that a new test fails on the old code). */
export const SERVER = process.env.DBE_SERVER ? path.resolve(process.env.DBE_SERVER) : path.join(ROOT, 'dist', 'server.js');

export function fileUri(p: string): string { return URI.file(p).toString(); }

interface Waiter { uri: string; pred: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }

export interface StartOptions {
  folder: string;
  trusted?: boolean;
  settings?: Record<string, unknown>;
  /** Extra arguments for node (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Advertise workspace edits that create files (as VS Code does), so fixes may write new migrations. */
  createFiles?: boolean;
  /**
   * Run the embedded PostgreSQL (dbEngineer.sandbox.enabled). Off unless asked: each sandbox costs a
   * worker with PGlite (about a second of CPU and some hundred MB), which protocol tests of other
   * features do not need. Settings that name `sandbox` themselves win.
   */
  sandbox?: boolean;
  /** Advertise change annotations in workspace edits (as VS Code does): rename's warning needs confirmation. */
  changeAnnotations?: boolean;
  /** The server script to run (default dist/server.js; the bench compares builds with it). */
  server?: string;
  /** Advertise the pull model of diagnostics (LSP 3.17 textDocument/diagnostic, workspace/diagnostic, refresh). */
  pull?: boolean;
}

export class LspClient {
  readonly child: ChildProcess;
  readonly conn: MessageConnection;
  /** Latest publication per URI. */
  readonly latest = new Map<string, PublishDiagnosticsParams>();
  readonly messages: ShowMessageParams[] = [];
  readonly logs: string[] = [];
  /** dbEngineer/status notifications, in order. */
  readonly statuses: { state: string; trusted: boolean; files: number; folders: number; ms?: number; sandbox?: { state: string; reason?: string; findings?: number; ms?: number; evidence?: { state: string; indexes: number; queries?: number; rows?: number; ms?: number; reason?: string } } }[] = [];
  /** publishDiagnostics and dbEngineer/status notifications, in the order they arrived. */
  readonly timeline: ({ method: 'diagnostics'; params: PublishDiagnosticsParams } | { method: 'status'; params: LspClient['statuses'][number] })[] = [];
  private waiters: Waiter[] = [];
  private versions = new Map<string, number>();
  private texts = new Map<string, string>();
  /** workspace/diagnostic/refresh requests received (pull model). */
  refreshes = 0;
  stderr = '';
  exited: number | null | undefined;

  constructor(readonly opts: StartOptions) {
    this.child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.server ?? SERVER, '--stdio'], { cwd: opts.folder, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d) => { this.stderr += String(d); });
    this.child.on('exit', (code) => { this.exited = code; });
    this.conn = createMessageConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.latest.set(p.uri, p);
      this.timeline.push({ method: 'diagnostics', params: p });
      this.waiters = this.waiters.filter((w) => {
        if (w.uri === p.uri && w.pred(p)) { w.resolve(p); return false; }
        return true;
      });
    });
    this.conn.onNotification('window/showMessage', (p: ShowMessageParams) => { this.messages.push(p); });
    this.conn.onNotification('dbEngineer/status', (p: any) => { this.statuses.push(p); this.timeline.push({ method: 'status', params: p }); });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => { this.logs.push(p.message); });
    this.conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
      p.items.map((i) => (i.section === 'dbEngineer' ? { sandbox: { enabled: !!this.opts.sandbox }, ...this.opts.settings } : null)));
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('window/showMessageRequest', (p: ShowMessageParams) => { this.messages.push(p); return null; });
    this.conn.onRequest('window/workDoneProgress/create', () => null);
    this.conn.onRequest('workspace/diagnostic/refresh', () => { this.refreshes++; return null; });
    this.conn.listen();
  }

  /** The server's capabilities from the initialize result. */
  capabilities: any;

  static async start(opts: StartOptions): Promise<LspClient> {
    const server = opts.server ?? SERVER;
    if (!fs.existsSync(server)) throw new Error(`${server} is missing: run npm run build first`);
    const c = new LspClient(opts);
    const init: any = await c.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: fileUri(opts.folder),
      workspaceFolders: [{ uri: fileUri(opts.folder), name: path.basename(opts.folder) }],
      initializationOptions: { trusted: opts.trusted ?? true },
      capabilities: {
        workspace: {
          configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: false },
          ...(opts.pull ? { diagnostics: { refreshSupport: true } } : {}),
          ...(opts.createFiles || opts.changeAnnotations ? {
            workspaceEdit: {
              documentChanges: true, ...(opts.createFiles ? { resourceOperations: ['create'] } : {}),
              ...(opts.changeAnnotations ? { changeAnnotationSupport: { groupsOnLabel: true } } : {}),
            },
          } : {}),
        },
        textDocument: {
          synchronization: { dynamicRegistration: false },
          publishDiagnostics: { versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          codeAction: { dataSupport: true, isPreferredSupport: true },
          ...(opts.pull ? { diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false } } : {}),
        },
      },
    });
    c.capabilities = init?.capabilities;
    await c.conn.sendNotification('initialized', {});
    return c;
  }

  /** Resolves with the first publication for uri (the latest one counts) that satisfies pred. */
  waitFor(uri: string, pred: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 10_000, includeLatest = true): Promise<PublishDiagnosticsParams> {
    const last = this.latest.get(uri);
    if (includeLatest && last && pred(last)) return Promise.resolve(last);
    return new Promise((resolve, reject) => {
      const w: Waiter = { uri, pred, resolve: (p) => { clearTimeout(timer); resolve(p); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no matching publishDiagnostics for ${uri} within ${timeoutMs} ms; latest: ${JSON.stringify(this.latest.get(uri)?.diagnostics.map((d) => d.code))}\n${this.stderr}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Opens a document; resolves with its first publication (for this version). */
  async open(uri: string, text: string, timeoutMs = 10_000): Promise<PublishDiagnosticsParams> {
    this.versions.set(uri, 1);
    this.texts.set(uri, text);
    const got = this.waitFor(uri, (p) => p.version === 1, timeoutMs, false);
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'sql', version: 1, text } });
    return got;
  }

  /** Replaces the whole text (or applies incremental edits); resolves with the publication for the new version. */
  async change(uri: string, edits: TextEdit[] | string, timeoutMs = 10_000): Promise<PublishDiagnosticsParams> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    const text = this.texts.get(uri) ?? '';
    const contentChanges = typeof edits === 'string' ? [{ text: edits }] : edits.map((e) => ({ range: e.range, text: e.newText }));
    this.texts.set(uri, typeof edits === 'string' ? edits : applyTextEdits(text, edits));
    const got = this.waitFor(uri, (p) => p.version === version, timeoutMs, false);
    await this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
    return got;
  }

  /** didSave (the server asks for no text). */
  async save(uri: string): Promise<void> {
    await this.conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
  }

  codeLenses(uri: string): Promise<{ range: Range; command?: { title: string; command: string; arguments?: unknown[] } }[] | null> {
    return this.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  }

  /** Resolves with the first dbEngineer/status notification (already received ones included) that satisfies pred. */
  async waitForStatus(pred: (s: LspClient['statuses'][number]) => boolean, timeoutMs = 30_000): Promise<LspClient['statuses'][number]> {
    const t0 = Date.now();
    for (;;) {
      const hit = this.statuses.find(pred);
      if (hit) return hit;
      if (Date.now() - t0 > timeoutMs) throw new Error(`no matching dbEngineer/status within ${timeoutMs} ms; last: ${JSON.stringify(this.statuses.at(-1))}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  text(uri: string): string { return this.texts.get(uri) ?? ''; }
  version(uri: string): number { return this.versions.get(uri) ?? 0; }

  async close(uri: string): Promise<void> {
    this.versions.delete(uri);
    this.texts.delete(uri);
    await this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  codeActions(uri: string, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    const range = diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return this.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics } });
  }

  /** Code actions for a range, with the diagnostics the client holds there and an optional `only` filter. */
  codeActionsAt(uri: string, range: Range, only?: string[]): Promise<CodeAction[]> {
    const diagnostics = (this.latest.get(uri)?.diagnostics ?? []).filter((d) => d.range.start.line <= range.end.line && d.range.end.line >= range.start.line);
    return this.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics, ...(only ? { only } : {}) } });
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  }

  definition(uri: string, line: number, character: number): Promise<Location | Location[] | null> {
    return this.conn.sendRequest('textDocument/definition', { textDocument: { uri }, position: { line, character } });
  }

  async stop(): Promise<void> {
    try {
      if (this.exited === undefined) {
        await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
        await this.conn.sendNotification('exit');
      }
    } catch { /* already gone */ }
    await new Promise<void>((resolve) => {
      if (this.exited !== undefined) return resolve();
      const t = setTimeout(() => { this.child.kill('SIGKILL'); resolve(); }, 2000);
      this.child.once('exit', () => { clearTimeout(t); resolve(); });
    });
    this.conn.dispose();
  }
}

/** Applies LSP text edits (positions in UTF-16) to a text. */
export function applyTextEdits(text: string, edits: TextEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const off = (p: { line: number; character: number }) => (p.line >= starts.length ? text.length : Math.min(starts[p.line] + p.character, text.length));
  const sorted = edits.map((e) => ({ s: off(e.range.start), e: off(e.range.end), t: e.newText })).sort((a, b) => b.s - a.s);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.s) + e.t + out.slice(e.e);
  return out;
}

/** The edits of a WorkspaceEdit for one document. */
export function editsFor(edit: WorkspaceEdit | undefined, uri: string): TextEdit[] {
  return edit?.changes?.[uri] ?? [];
}
