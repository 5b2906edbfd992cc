// The language server's state: open documents, one project per workspace folder, settings, trust.
// Handlers (./handlers/*) do the work; this object only holds what they share.
import type { Connection, DidChangeWatchedFilesParams } from 'vscode-languageserver';
import { LSPErrorCodes, ResponseError, TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { SourceFile } from '../model';
import { Folder } from './folder';
import { defaultSettings, type Settings } from './settings';
import { uriKey } from './uri';
import type { Diagnostics } from './handlers/diagnostics';
import { STATUS_NOTIFICATION, type StatusParams } from './status-protocol';
import type { SandboxHost } from './sandbox-host';

/** Statement kinds that never change the schema: editing them cannot change other files' findings. */
const NON_DDL = new Set([
  'SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'ExplainStmt', 'VariableSetStmt', 'VariableShowStmt',
  'TransactionStmt', 'CopyStmt', 'PrepareStmt', 'ExecuteStmt', 'DeallocateStmt', 'LockStmt', 'VacuumStmt', 'DoStmt',
]);

/** A MySQL statement (no PostgreSQL tree) that never changes the schema: a query, SHOW, EXPLAIN, a session SET. */
const MYSQL_NON_DDL = /^(?:\s|#[^\n]*\n|--[^\n]*\n|\/\*(?!!)[\s\S]*?\*\/)*\(*\s*(?:(?:select|insert|update|delete|replace|with|show|explain|describe|desc|values)\b|set\s+(?:@|names\b|session\b|foreign_key_checks\b|sql_mode\b|unique_checks\b|time_zone\b|character_set_client\b|autocommit\b))/i;

const ddlCache = new WeakMap<SourceFile, string>();
/** What of a file can change the schema other files are judged against. */
export function ddlSignature(file: SourceFile | undefined): string {
  if (!file) return '';
  let sig = ddlCache.get(file);
  if (sig === undefined) {
    const parts: string[] = [file.isDown ? 'down' : 'up'];
    for (const s of file.statements) if (s.kind && !NON_DDL.has(s.kind) && !(s.kind === 'MySqlStatement' && MYSQL_NON_DDL.test(s.text))) parts.push(s.text);
    sig = parts.join('\0');
    ddlCache.set(file, sig);
  }
  return sig;
}

export interface ClientSupport {
  configuration: boolean; workspaceFolders: boolean; watchedFilesDynamic: boolean; createFiles: boolean; codeLensRefresh?: boolean;
  documentChanges?: boolean; changeAnnotations?: boolean;
  /** The pull model of diagnostics (LSP 3.17 textDocument/diagnostic, workspace/diagnostic) is used instead of publishDiagnostics. */
  pullDiagnostics?: boolean;
  /** The client takes workspace/diagnostic/refresh (asked when results changed that it did not pull). */
  diagnosticRefresh?: boolean;
}

export class DbeServer {
  readonly documents = new TextDocuments(TextDocument);
  trusted = true;
  settings: Settings = defaultSettings();
  folders: Folder[] = [];
  /** Files outside every workspace folder when there is no folder at all. */
  readonly outside = new Folder(undefined, '(no folder)');
  support: ClientSupport = { configuration: false, workspaceFolders: false, watchedFilesDynamic: false, createFiles: false };
  /** Open documents: project key -> URI as the client sent it. */
  readonly open = new Map<string, string>();
  /** Open documents whose editor text is newer than the project's copy. */
  readonly stale = new Set<string>();
  /** Version of the text last pushed into the project, per open document. */
  readonly syncedVersion = new Map<string, number>();
  /** Set once the workspace has been scanned (or found not to need it). */
  ready = false;
  /** Watched-file changes that came while the workspace was being indexed (applied after it). */
  pendingWatched: DidChangeWatchedFilesParams[] = [];
  shuttingDown = false;
  /** Bumped whenever schema-changing statements of any file may have changed (see ./incremental.ts). */
  schemaEpoch = 0;
  diagnostics!: Diagnostics;
  /** The embedded PostgreSQL in a worker (./sandbox-host.ts). */
  sandbox!: SandboxHost;
  /** Unsubscribes the re-publish on MySQL syntax verdicts (start.ts). */
  stopMySqlVerdicts: (() => void) | undefined;
  private lastStatus: { state: StatusParams['state']; ms?: number } = { state: 'indexing' };

  constructor(readonly connection: Connection) {}

  key(uri: string): string { return uriKey(uri); }

  /** The folder a file belongs to: the deepest folder containing it, else the first folder. */
  folderFor(key: string): Folder {
    let best: Folder | undefined;
    for (const f of this.folders) if (f.contains(key) && (!best || f.uri!.length > best.uri!.length)) best = f;
    return best ?? this.folders[0] ?? this.outside;
  }

  /** Tells the client what the server is doing (its status bar item). Never throws. */
  status(state: StatusParams['state'], ms?: number): void {
    this.lastStatus = { state, ms: ms ?? (state === this.lastStatus.state ? this.lastStatus.ms : undefined) };
    try {
      const files = this.allFolders().reduce((n, f) => n + f.project.size, 0);
      const params: StatusParams = { state, trusted: this.trusted, files, folders: this.folders.length, ...(ms !== undefined ? { ms: Math.round(ms) } : {}) };
      if (this.sandbox) params.sandbox = this.sandbox.status;
      // the migration tool of each folder (issue #11): once indexed (the plan comes with the replay order, cached)
      if (state === 'ready' && this.trusted) {
        const several = this.folders.length > 1;
        params.migrations = this.folders.flatMap((f) => f.migrationSummary(several ? { workspace: f.name } : {}));
      }
      void this.connection.sendNotification(STATUS_NOTIFICATION, params).catch(() => { /* client gone */ });
    } catch { /* connection closed */ }
  }

  /** Asks the client to ask for code lenses again (the Explain lenses follow the sandbox being on or off). */
  refreshCodeLenses(): void {
    if (!this.support.codeLensRefresh) return;
    void this.connection.sendRequest('workspace/codeLens/refresh').catch(() => { /* client gone */ });
  }

  /** The last status again, e.g. when only the sandbox's state changed. */
  statusAgain(): void { this.status(this.lastStatus.state, this.lastStatus.ms); }

  allFolders(): Folder[] { return this.folders.length ? this.folders : [this.outside]; }

  document(key: string): TextDocument | undefined {
    const uri = this.open.get(key);
    return uri === undefined ? undefined : this.documents.get(uri);
  }

  openText(key: string): string | undefined { return this.document(key)?.getText(); }

  /** The URI to talk to the client about a file with. */
  clientUri(key: string): string { return this.open.get(key) ?? key; }

  /**
   * Brings the project's copy of an open document up to date. Returns the file and whether its
   * schema-changing statements changed (other files' findings may then change too).
   */
  sync(key: string): { file: SourceFile | undefined; ddlChanged: boolean } {
    const folder = this.folderFor(key);
    const doc = this.document(key);
    if (!doc) return { file: folder.project.getFile(key), ddlChanged: false };
    if (!this.stale.has(key) && folder.project.hasFile(key)) return { file: folder.project.getFile(key), ddlChanged: false };
    const old = folder.project.getFile(key);
    const text = doc.getText();
    if (old && old.text === text) {
      // e.g. a file opened as it is on disk: the project already has it
      this.stale.delete(key);
      this.syncedVersion.set(key, doc.version);
      return { file: old, ddlChanged: false };
    }
    const before = ddlSignature(old);
    const file = folder.project.setFile(key, text);
    this.stale.delete(key);
    this.syncedVersion.set(key, doc.version);
    const ddlChanged = before !== ddlSignature(file);
    // Whoever synced first (diagnostics, or a hover/code action in between), the other open
    // documents get re-judged against the new schema.
    if (ddlChanged) this.diagnostics?.schemaChanged();
    return { file, ddlChanged };
  }

  /** The up-to-date file and its folder, for request handlers. */
  fileFor(uri: string): { folder: Folder; file: SourceFile; key: string } | undefined {
    const key = this.key(uri);
    const folder = this.folderFor(key);
    const file = this.sync(key).file;
    return file ? { folder, file, key } : undefined;
  }

  error(where: string, e: unknown): void {
    try { this.connection.console.error(`${where}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`); } catch { /* connection gone */ }
  }
}

const cancelled = (args: unknown[]) => args.some((a) => !!a && typeof a === 'object' && (a as { isCancellationRequested?: unknown }).isCancellationRequested === true);

/**
 * Wraps a request handler: errors are logged and the fallback is returned. A request the client
 * cancelled before its turn gets RequestCancelled (-32800) without doing its work.
 */
export function guard<A extends unknown[], R>(server: DbeServer, where: string, fallback: R, fn: (...args: A) => R | Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    if (cancelled(args)) throw new ResponseError(LSPErrorCodes.RequestCancelled, `${where}: cancelled`);
    try { return await fn(...args); } catch (e) { server.error(where, e); return fallback; }
  };
}

/** Same, for notifications (no result). */
export function guardVoid<A extends unknown[]>(server: DbeServer, where: string, fn: (...args: A) => void | Promise<void>): (...args: A) => void {
  return (...args: A) => {
    try {
      const r = fn(...args);
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((e) => server.error(where, e));
    } catch (e) { server.error(where, e); }
  };
}
