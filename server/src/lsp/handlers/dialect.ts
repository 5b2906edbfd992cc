// dbEngineer/dialect: the dialect a file is read as and why (dialects/resolve.ts), for the status bar.
import { DIALECT_NAMES } from '../../dialects/types';
import { DIALECT_REQUEST, type DialectParams, type DialectResult } from '../status-protocol';
import { guard, type DbeServer } from '../server';

export function register(server: DbeServer): void {
  server.connection.onRequest(DIALECT_REQUEST, guard(server, 'dialect', null as DialectResult | null, (p: DialectParams) => dialectOf(server, p)));
}

export function dialectOf(server: DbeServer, p: DialectParams): DialectResult | null {
  if (!p || typeof p.uri !== 'string') return null;
  const file = server.fileFor(p.uri)?.file;
  if (!file) return null;
  return { id: file.dialect.id, name: DIALECT_NAMES[file.dialect.id], why: file.dialect.why };
}
