// dbEngineer/explain {uri, line}: the plan of the query at that line from the sandbox worker, as
// PostgreSQL's JSON and as a tree (../../sandbox/plan.ts). Problems are answers ({ok: false}) with
// a message for the user, never a failed request: the sandbox off, no query on the line, the query
// rejected by PostgreSQL.
import { hasParams, isQuery } from '../../sandbox/input';
import { EXPLAIN_REQUEST, type ExplainParams, type ExplainResult } from '../explain-protocol';
import { SandboxUnavailable } from '../sandbox-host';
import { guard, type DbeServer } from '../server';

export function register(server: DbeServer): void {
  server.connection.onRequest(EXPLAIN_REQUEST, guard(server, 'explain', { ok: false, kind: 'failed', message: 'The explain request failed; see the DB Engineer log.' } as ExplainResult,
    (p: ExplainParams) => explain(server, p)));
}

export async function explain(server: DbeServer, p: ExplainParams): Promise<ExplainResult> {
  if (!p || typeof p.uri !== 'string' || typeof p.line !== 'number' || !Number.isInteger(p.line) || p.line < 0) {
    return { ok: false, kind: 'input', message: 'dbEngineer/explain needs {uri: string, line: a 0-based line number}.' };
  }
  const at = server.fileFor(p.uri);
  if (!at) return { ok: false, kind: 'input', message: 'DB Engineer does not know this file (is it an open SQL file of the workspace?).' };
  const { folder, file } = at;
  const path = folder.displayPath(file.path);
  if (file.dialect.family !== 'postgres') {
    const name = file.dialect.id === 'mariadb' ? 'MariaDB' : 'MySQL';
    return { ok: false, kind: 'input', path, message: `This file is ${name} (${file.dialect.why}): Explain runs PostgreSQL's planner in the sandbox, so it does not explain ${name} queries.` };
  }
  const off = server.sandbox.offReason(folder);
  if (off) return { ok: false, kind: 'off', path, message: `The sandbox is off: ${off}.` };
  const stmt = file.statements.find((s) => {
    const a = file.lines.position(s.start).line, b = file.lines.position(Math.max(s.start, s.end - 1)).line;
    return a <= p.line && p.line <= b && s.text.trim() !== '';
  });
  if (!stmt) return { ok: false, kind: 'input', path, line: p.line + 1, message: `There is no statement on line ${p.line + 1}.` };
  const line = file.lines.position(stmt.start).line + 1;
  if (stmt.templated) return { ok: false, kind: 'input', path, line, message: 'This statement is templated, so it cannot be explained.' };
  if (!stmt.node || stmt.parsed.extra) return { ok: false, kind: 'input', path, line, message: stmt.parsed.error ? `The statement does not parse: ${stmt.parsed.error.message}` : 'This is more than one statement.' };
  if (!isQuery(stmt)) return { ok: false, kind: 'input', path, line, message: 'This is not a query: Explain takes SELECT, INSERT, UPDATE, DELETE, MERGE or WITH.' };
  try {
    const out = await server.sandbox.explain(folder, file.path, { start: stmt.start, end: stmt.end, text: stmt.text, params: hasParams(stmt.node) });
    if (out.finding || !out.plan) return { ok: false, kind: 'rejected', path, line, message: out.finding?.message ?? 'EXPLAIN gave no plan.' };
    return {
      ok: true, path, line, query: stmt.text.slice(0, 2000), generic: out.generic, plan: out.plan, postgres: out.raw,
      tableRows: out.tableRows, replayFailures: out.replayFailures,
    };
  } catch (e) {
    if (e instanceof SandboxUnavailable) return { ok: false, kind: 'failed', path, line, message: e.message };
    throw e;
  }
}
