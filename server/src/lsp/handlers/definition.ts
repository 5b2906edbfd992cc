// Go to definition: a table to its CREATE, a column to its definition.
import type { DefinitionParams, Location } from 'vscode-languageserver';
import { guard, type DbeServer } from '../server';
import { symbolAt } from '../symbols';
import { schemaFor } from './hover';

export function register(server: DbeServer): void {
  server.connection.onDefinition(guard(server, 'definition', null as Location | null, (params: DefinitionParams) => definition(server, params)));
}

export async function definition(server: DbeServer, params: DefinitionParams): Promise<Location | null> {
  if (!server.settings.enable || !server.ready) return null; // the workspace is still being indexed
  const found = server.fileFor(params.textDocument.uri);
  if (!found) return null;
  const { folder, file } = found;
  const schema = await schemaFor(server, folder.project, file.path);
  if (!schema) return null;
  const sym = symbolAt(file, file.lines.offset(params.position), schema);
  if (!sym) return null;
  const loc = sym.kind === 'table' ? sym.table.loc : sym.column.loc;
  const target = folder.project.getFile(loc.path) ?? server.folderFor(loc.path).project.getFile(loc.path);
  if (!target) return null;
  return { uri: server.clientUri(loc.path), range: target.lines.range(loc.start, loc.end) };
}
