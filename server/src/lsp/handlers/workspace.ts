// The workspace on disk: the initial scan, watched-file events (incremental), folder changes.
import { FileChangeType, type DidChangeWatchedFilesParams, type WorkspaceFoldersChangeEvent } from 'vscode-languageserver';
import * as path from 'node:path';
import { Folder } from '../folder';
import { ddlSignature, guardVoid, type DbeServer } from '../server';
import { fsPathOf, relativeTo } from '../uri';
import { loadFolderConfig } from './configuration';
import { applyLiveBases, refreshLive } from './live';
import { runSliced } from '../slices';

export function register(server: DbeServer): void {
  server.connection.onDidChangeWatchedFiles(guardVoid(server, 'didChangeWatchedFiles', (p: DidChangeWatchedFilesParams) => watchedFiles(server, p)));
}

/** After `initialized`: folder listeners (when the client supports them). */
export function registerFolderChanges(server: DbeServer): void {
  if (!server.support.workspaceFolders) return;
  server.connection.workspace.onDidChangeWorkspaceFolders(guardVoid(server, 'didChangeWorkspaceFolders', async (e: WorkspaceFoldersChangeEvent) => {
    const removed = new Set(e.removed.map((f) => server.key(f.uri)));
    const uris = [...server.folders.filter((f) => !removed.has(f.uri!)).map((f) => f.uri!), ...e.added.map((f) => server.key(f.uri))];
    const started = performance.now();
    server.status('indexing');
    if (!(await rebuild(server, uris))) return; // a newer change of folders took over
    server.diagnostics.publishAll();
    server.status('ready', performance.now() - started);
    server.sandbox.schedule(server.folders);
  }));
}

let rebuilds = 0;

/**
 * (Re)creates the folders' projects: configuration, workspace scan (trusted only), open documents.
 * The scan reads and parses files in slices, answering requests in between; false when a newer
 * rebuild (or shutdown) took over before it finished.
 */
export async function rebuild(server: DbeServer, folderUris: string[]): Promise<boolean> {
  const id = ++rebuilds;
  const alive = () => id === rebuilds && !server.shuttingDown;
  server.folders = folderUris.map((u) => new Folder(u, path.posix.basename(u)));
  for (const f of server.outside.project.order().slice()) server.outside.project.removeFile(f.path);
  for (const folder of server.allFolders()) {
    loadFolderConfig(server, folder);
    if (server.trusted && folder.uri && !(await runSliced(folder.scanSteps((k) => server.openText(k)), alive).then(() => alive()))) return false;
  }
  for (const k of server.open.keys()) server.stale.add(k);
  // new folders get the live catalog (if any); the first call connects
  applyLiveBases(server);
  void refreshLive(server).catch((e) => server.error('live database', e));
  return true;
}

function isConfigFile(server: DbeServer, key: string): boolean {
  const fp = fsPathOf(key);
  if (!fp) return false;
  if (path.basename(fp) === '.dbe.json') return true;
  return server.allFolders().some((f) => f.configFilePath(server.settings) === fp);
}

function isSqitchPlan(key: string): boolean {
  const fp = fsPathOf(key);
  return !!fp && path.basename(fp) === 'sqitch.plan';
}

export function watchedFiles(server: DbeServer, params: DidChangeWatchedFilesParams): void {
  if (!server.trusted) return;
  // while the workspace is indexed, changes are kept and applied once it is (see ./initialize.ts)
  if (!server.ready) { server.pendingWatched.push(params); return; }
  let schemaChanged = false;
  const configFolders = new Set<Folder>();
  /** Folders whose SQL changed on disk: replayed in the sandbox again (debounced). */
  const sqlFolders = new Set<Folder>();
  /** Closed files read again (or removed): their diagnostics are published again. */
  const diskKeys: string[] = [];
  for (const change of params.changes) {
    const key = server.key(change.uri);
    if (isConfigFile(server, key)) {
      for (const f of server.folders) if (f.contains(key) && f.configFilePath(server.settings) === fsPathOf(key)) configFolders.add(f);
      continue;
    }
    const folder = server.folderFor(key);
    if (!folder.contains(key)) continue;
    sqlFolders.add(folder);
    if (isSqitchPlan(key)) {
      // sqitch's deploy order changed (or the plan came or went): the files' order, and so findings, may change
      if (folder.loadMigrationMeta()) schemaChanged = true;
      continue;
    }
    if (!key.endsWith('.sql')) {
      // A deleted directory: drop what was under it.
      if (change.type === FileChangeType.Deleted) {
        for (const f of folder.project.order().slice()) {
          if (relativeTo(key, f.path) !== undefined && !server.open.has(f.path)) { folder.project.removeFile(f.path); diskKeys.push(f.path); schemaChanged = true; }
        }
      }
      continue;
    }
    if (server.open.has(key)) continue; // the editor's text wins while the document is open
    const before = ddlSignature(folder.project.getFile(key));
    if (change.type === FileChangeType.Deleted) folder.project.removeFile(key);
    else folder.loadFromDisk(key);
    diskKeys.push(key);
    if (before !== ddlSignature(folder.project.getFile(key))) schemaChanged = true;
  }
  // files that came or went may make (or unmake) a sqitch project: its plan is read (or forgotten)
  for (const f of sqlFolders) if (!configFolders.has(f) && f.loadMigrationMeta()) schemaChanged = true;
  if (configFolders.size) {
    for (const f of configFolders) {
      loadFolderConfig(server, f);
      f.scan((k) => server.openText(k));
    }
    for (const k of server.open.keys()) server.stale.add(k);
    server.diagnostics.publishAll();
    server.status('ready');
  } else if (schemaChanged) {
    server.diagnostics.schemaChanged();
  } else if (diskKeys.length) {
    server.diagnostics.filesChanged(diskKeys);
  }
  if (params.changes.length) server.status('ready');
  for (const f of configFolders) sqlFolders.add(f);
  if (sqlFolders.size) server.sandbox.schedule([...sqlFolders]);
}
