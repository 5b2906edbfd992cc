// Open documents: incremental sync (TextDocuments), analysis after a debounce, disk copy on close.
import { fsPathOf } from '../uri';
import { ddlSignature, guardVoid, type DbeServer } from '../server';
import * as fs from 'node:fs';

export function register(server: DbeServer): void {
  const { documents } = server;
  documents.onDidOpen(guardVoid(server, 'didOpen', (e) => {
    const key = server.key(e.document.uri);
    server.open.set(key, e.document.uri);
    server.stale.add(key);
    server.sandbox.documentOpened(key); // the first SQL document starts the sandbox (../sandbox-host.ts)
  }));
  documents.onDidChangeContent(guardVoid(server, 'didChange', (e) => {
    const key = server.key(e.document.uri);
    if (!server.open.has(key)) server.open.set(key, e.document.uri);
    server.stale.add(key);
    if (server.ready) server.diagnostics.fileChanged(key);
  }));
  documents.onDidClose(guardVoid(server, 'didClose', (e) => {
    const key = server.key(e.document.uri);
    server.diagnostics.forget(key);
    server.open.delete(key);
    server.stale.delete(key);
    server.syncedVersion.delete(key);
    const folder = server.folderFor(key);
    const before = ddlSignature(folder.project.getFile(key));
    const fp = fsPathOf(key);
    if (server.trusted && fp && folder.wants(key) && fs.existsSync(fp)) folder.loadFromDisk(key);
    else folder.project.removeFile(key);
    // a workspace file keeps its diagnostics, now of the disk text; any other file's are cleared
    if (server.diagnostics.shows(key)) server.diagnostics.filesChanged([key]);
    else server.diagnostics.clear(key);
    if (before !== ddlSignature(folder.project.getFile(key))) server.diagnostics.schemaChanged();
  }));
  documents.listen(server.connection);
}
