// textDocument/didSave: the saved file's folder is replayed in the sandbox again (debounced). Saving
// is the one moment the sandbox re-runs for an edit; keystrokes never start it.
import { guardVoid, type DbeServer } from '../server';

export function register(server: DbeServer): void {
  server.documents.onDidSave(guardVoid(server, 'didSave', (e) => {
    if (!server.ready) return;
    const key = server.key(e.document.uri);
    const folder = server.folderFor(key);
    if (!folder.uri || !folder.contains(key) || !folder.project.hasFile(key)) return;
    server.sync(key);
    server.sandbox.schedule([folder]);
  }));
}
