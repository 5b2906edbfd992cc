// Find All References: every use of the table, view or column under the cursor in every SQL file of
// the workspace folder (migrations and queries), resolved by ../references-index.ts.
import type { Location, ReferenceParams } from 'vscode-languageserver';
import { referenceIndexSliced, type ReferenceIndex } from '../references-index';
import type { Folder } from '../folder';
import { guard, type DbeServer } from '../server';

export function register(server: DbeServer): void {
  server.connection.onReferences(guard(server, 'references', null as Location[] | null, (params: ReferenceParams) => references(server, params)));
}

/** Brings every open document's text into its project (a rename or a reference list spans files). */
export function syncOpenDocuments(server: DbeServer): void {
  for (const key of server.open.keys()) server.sync(key);
}

/** The folder, index and symbol reference under a position, or undefined. */
export async function referenceAt(server: DbeServer, uri: string, position: { line: number; character: number }) {
  syncOpenDocuments(server);
  const found = server.fileFor(uri);
  if (!found) return undefined;
  const { folder, file } = found;
  const index = await referenceIndexSliced(folder.project, () => !server.shuttingDown, file.dialect.family);
  const ref = index.at(file.path, file.lines.offset(position));
  return ref ? { folder, file, index, ref } : undefined;
}

export function toLocations(server: DbeServer, folder: Folder, index: ReferenceIndex, id: string, includeDeclaration: boolean): Location[] {
  const out: Location[] = [];
  for (const r of index.refsOf(id)) {
    if (!includeDeclaration && r.declaration) continue;
    const f = folder.project.getFile(r.path);
    if (f) out.push({ uri: server.clientUri(r.path), range: f.lines.range(r.start, r.end) });
  }
  return out;
}

export async function references(server: DbeServer, params: ReferenceParams): Promise<Location[] | null> {
  if (!server.settings.enable || !server.ready) return null; // the workspace is still being indexed
  const at = await referenceAt(server, params.textDocument.uri, params.position);
  if (!at) return [];
  return toLocations(server, at.folder, at.index, at.ref.id, params.context?.includeDeclaration !== false);
}
