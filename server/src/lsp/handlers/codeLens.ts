// textDocument/codeLens: "Explain" above each query (SELECT, INSERT, UPDATE, DELETE, MERGE, WITH)
// when the sandbox is on for the file's folder and dbEngineer.explain.codeLens is not false. The lens runs the client command dbEngineer.explain
// with [uri, line]; the plan comes from the dbEngineer/explain request (./explain.ts).
import type { CodeLens, CodeLensParams } from 'vscode-languageserver';
import { isQuery } from '../../sandbox/input';
import { EXPLAIN_COMMAND } from '../explain-protocol';
import { guard, type DbeServer } from '../server';

export function register(server: DbeServer): void {
  server.connection.onCodeLens(guard(server, 'codeLens', [] as CodeLens[], (p: CodeLensParams) => codeLenses(server, p)));
}

export function codeLenses(server: DbeServer, p: CodeLensParams): CodeLens[] {
  if (!server.ready || !server.settings.explain.codeLens) return [];
  const key = server.key(p.textDocument.uri);
  const folder = server.folderFor(key);
  if (!server.sandbox.enabledFor(folder)) return [];
  const file = server.fileFor(p.textDocument.uri)?.file;
  // Explain runs PostgreSQL's planner in PGlite: no lens on a MySQL or MariaDB file
  if (!file || file.isDown || file.dialect.family !== 'postgres') return [];
  const out: CodeLens[] = [];
  for (const s of file.statements) {
    if (!s.node || s.templated || s.parsed.extra || !isQuery(s)) continue;
    const range = file.lines.range(s.start, s.start);
    out.push({ range, command: { title: 'Explain', command: EXPLAIN_COMMAND, arguments: [p.textDocument.uri, range.start.line] } });
  }
  return out;
}
