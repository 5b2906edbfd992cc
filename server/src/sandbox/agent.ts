// The sandbox as the agent's tools see it (AgentSandbox in ../agent/tool.ts): for the CLI and MCP a
// worker of its own that replays the project once and answers every call after; in the editor the
// language server's SandboxHost worker, which already holds the replayed workspace.
//
// What the worker is sent is prepared here, with our parser (the worker has none):
// - a query to explain or compare: exactly one SELECT/INSERT/UPDATE/DELETE/MERGE/WITH;
// - a candidate index: exactly one CREATE INDEX; CONCURRENTLY is removed (it cannot run inside the
//   transaction that is rolled back) and a note says so;
// - a migration to validate: split with the project's splitter; BEGIN/COMMIT/ROLLBACK lines are left
//   out (the check has its own transaction), CONCURRENTLY is removed, statements that cannot run in a
//   transaction or are about the server (VACUUM, ALTER SYSTEM, CREATE DATABASE, COPY...) are left
//   out, each with a note; templated statements are left out too. The rest runs as written.
// Nothing here throws for the user's problem: a stop, a crash or a failed replay is an answer with
// `error` set.
import type { AgentSandbox, SandboxCompare, SandboxExplain, SandboxValidate, StatementError } from '../agent/tool';
import { CLI_LIMIT_NAMES, limitsOf, workerSandbox } from '../cli/sandbox-command';
import { cacheDir } from '../cli/parse-cache';
import type { Config } from '../config';
import type { Project } from '../engine/project';
import type { Folder } from '../lsp/folder';
import type { SandboxHost } from '../lsp/sandbox-host';
import { parseStatement, tokens, type Node } from '../sql/parse';
import { splitStatements } from '../sql/split';
import { counted } from '../text';
import { hasParams, isQuery, sandboxInput } from './input';
import { runChecked, type WorkerSandbox } from './runner';
import type { DataStats } from './data';
import type { WorkerValidated } from './worker-protocol';

// ---- static preparation (our parser) ----

/** The first line of a statement, for messages (at most 80 characters). */
export function headOf(text: string): string {
  const line = text.trim().split(/\r?\n/)[0].trim();
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}

/** Non-empty statements of a text (comments-only pieces dropped). */
function statementsOf(sql: string): { text: string; templated: boolean; node?: Node; error?: string; extra?: number }[] {
  const out: { text: string; templated: boolean; node?: Node; error?: string; extra?: number }[] = [];
  for (const raw of splitStatements(sql).statements) {
    if (!raw.text.trim()) continue;
    const p = parseStatement(raw.text);
    if (!p.node && !p.error) continue; // only comments
    out.push({ text: raw.text, templated: raw.templated, node: p.node, error: p.error?.message, extra: p.extra });
  }
  return out;
}

const kindOf = (node: Node | undefined): string => (node ? Object.keys(node)[0] ?? '' : '');

/** One query to plan: its text and whether it has $n parameters; or why it is not one. */
export function oneQuery(sql: string): { text: string; params: boolean } | { problem: string } {
  if (typeof sql !== 'string' || !sql.trim()) return { problem: 'the query is empty' };
  const list = statementsOf(sql);
  if (!list.length) return { problem: 'the text holds no statement (only comments)' };
  if (list.length > 1) return { problem: `the text holds ${list.length} statements; give exactly one query` };
  const [st] = list;
  if (st.error) return { problem: `the query does not parse: ${st.error}` };
  if (st.templated) return { problem: 'the query holds template placeholders ({{ }}, psql variables); give the SQL as PostgreSQL would run it' };
  if (st.extra) return { problem: 'the text holds more than one statement; give exactly one query' };
  const kind = kindOf(st.node);
  if (!isQuery({ kind, node: st.node![kind] })) {
    return { problem: `this is a ${headOf(st.text).split(/\s+/).slice(0, 2).join(' ').replace(/;$/, '').toUpperCase()} statement, not a query (explain takes SELECT, INSERT, UPDATE, DELETE, MERGE or WITH)` };
  }
  return { text: st.text, params: hasParams(st.node![kind]) };
}

/** The text without its CONCURRENTLY keyword (tokens of our scanner: never inside a string or comment). */
function withoutConcurrently(text: string): string | undefined {
  const t = tokens(text).find((k) => k.keyword && k.text.toUpperCase() === 'CONCURRENTLY');
  if (!t) return undefined;
  return text.slice(0, t.start) + text.slice(t.end).replace(/^[ \t]+/, '');
}

/** One CREATE INDEX to try: its text to run (CONCURRENTLY removed), its table, notes; or why it is not one. */
export function oneCreateIndex(sql: string): { text: string; schema?: string; table: string; notes: string[] } | { problem: string } {
  if (typeof sql !== 'string' || !sql.trim()) return { problem: 'the index is empty' };
  const list = statementsOf(sql);
  if (list.length !== 1) return { problem: list.length ? `the index text holds ${list.length} statements; give exactly one CREATE INDEX` : 'the index text holds no statement' };
  const [st] = list;
  if (st.error) return { problem: `the CREATE INDEX does not parse: ${st.error}` };
  if (st.templated || st.extra) return { problem: 'give exactly one plain CREATE INDEX statement' };
  if (kindOf(st.node) !== 'IndexStmt') return { problem: `"${headOf(st.text)}" is not a CREATE INDEX statement` };
  const n = st.node!.IndexStmt;
  const notes: string[] = [];
  let text = st.text;
  if (n.concurrent) {
    text = withoutConcurrently(text) ?? text;
    notes.push('CONCURRENTLY was dropped for the measurement (it cannot run inside the transaction that is rolled back); the plan is the same.');
  }
  return { text, schema: n.relation?.schemaname, table: String(n.relation?.relname ?? ''), notes };
}

/** Statements that cannot run inside the check's transaction, or are about the server rather than the schema. */
const NOT_IN_TRANSACTION: ReadonlySet<string> = new Set([
  'VacuumStmt', 'AlterSystemStmt', 'CreatedbStmt', 'DropdbStmt', 'AlterDatabaseStmt', 'AlterDatabaseSetStmt', 'AlterDatabaseRefreshCollStmt',
  'CreateTableSpaceStmt', 'DropTableSpaceStmt', 'AlterTableSpaceOptionsStmt', 'CheckPointStmt', 'CreateSubscriptionStmt', 'AlterSubscriptionStmt',
  'DropSubscriptionStmt', 'DiscardStmt', 'ReindexStmt', 'ClusterStmt', 'LoadStmt', 'CopyStmt',
]);
/** Statements whose CONCURRENTLY keeps them out of a transaction block. */
const CONCURRENT_KINDS: ReadonlySet<string> = new Set(['IndexStmt', 'DropStmt', 'AlterTableStmt']);

export interface PreparedMigration {
  /** What the worker runs, in order. */
  run: string[];
  /** The statement each `run` entry came from, as written (for errors). */
  shown: string[];
  notes: string[];
}

/** A migration's statements as the check runs them (see the header), with a note for each adjustment. */
export function prepareMigration(text: string, which: 'up' | 'down'): PreparedMigration {
  const out: PreparedMigration = { run: [], shown: [], notes: [] };
  for (const st of statementsOf(text)) {
    const head = headOf(st.text);
    if (st.templated) { out.notes.push(`${which}: "${head}" was skipped: it holds template placeholders, which cannot run`); continue; }
    if (st.error) { out.run.push(st.text); out.shown.push(st.text); continue; } // PostgreSQL reports it as the error
    if (st.extra) { out.notes.push(`${which}: "${head}" was skipped: it holds more than one statement the check could not split`); continue; }
    const kind = kindOf(st.node);
    if (kind === 'TransactionStmt') { out.notes.push(`${which}: "${head}" was skipped: the check runs the migration inside its own transaction, which it rolls back`); continue; }
    if (NOT_IN_TRANSACTION.has(kind)) { out.notes.push(`${which}: "${head}" was skipped: it cannot run inside the check's transaction or is about the server rather than the schema, so it was not checked`); continue; }
    let run = st.text;
    if (CONCURRENT_KINDS.has(kind)) {
      const plain = withoutConcurrently(st.text);
      if (plain !== undefined) {
        run = plain;
        out.notes.push(`${which}: CONCURRENTLY was dropped from "${head}" for the check (it cannot run inside a transaction); on the server it runs as written`);
      }
    }
    out.run.push(run);
    out.shown.push(st.text);
  }
  return out;
}

// ---- answers ----

/** "on 10,000 generated rows a table (5 of 6 tables filled)", or what the data is when there is none. */
export function basisOf(data: Pick<DataStats, 'rowsPerTable' | 'filled'> & { tables: number } | undefined): string {
  if (data && data.filled) return `on ${counted(data.rowsPerTable, 'generated row')} a table (${data.filled} of ${counted(data.tables, 'table')} filled)`;
  return 'on no generated rows: the tables are as the migrations leave them, so rows and costs are the planner\'s estimates';
}

function message(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

function toValidate(r: WorkerValidated, up: PreparedMigration, down: PreparedMigration | undefined, base: { basis: string; replayFailures: number }): SandboxValidate {
  const stmtError = (e: { index: number; message: string }, m: PreparedMigration): StatementError => ({ statement: (m.shown[e.index] ?? '').trim(), message: e.message });
  const out: SandboxValidate = { ...base, changes: r.changes, differences: r.differences, notes: [...up.notes, ...(down?.notes ?? [])] };
  if (r.upError) out.upError = stmtError(r.upError, up);
  if (r.downError && down) out.downError = stmtError(r.downError, down);
  if (down && !r.upError) out.restored = !r.downError && !r.tainted && r.differences.length === 0;
  return out;
}

function validateProblem(base: { basis: string; replayFailures: number }, error: string): SandboxValidate {
  return { ...base, error, changes: [], differences: [], notes: [] };
}

// ---- the CLI's sandbox ----

interface Replayed { basis: string; replayFailures: number; error?: string }

/** A sandbox for the CLI (`dbe ask`) and `dbe mcp`: replays `project` on first use. close() ends its worker. */
export function cliAgentSandbox(project: Project, config: Config, worker: WorkerSandbox = workerSandbox(cacheDir(), limitsOf({}, config))): AgentSandbox & { close(): Promise<void> } {
  let replay: Promise<Replayed> | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;
  /** One call at a time: the worker answers one request at a time. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn);
    chain = p.catch(() => undefined);
    return p;
  };
  const ready = (): Promise<Replayed> => (replay ??= (async (): Promise<Replayed> => {
    try {
      const checked = await runChecked(worker, sandboxInput(project, { checkQueries: false }), CLI_LIMIT_NAMES);
      const r = checked.result;
      if (!r) return { basis: basisOf(undefined), replayFailures: checked.stops.length, error: `the sandbox could not replay the migrations: ${checked.gaveUp ?? 'unknown reason'}` };
      const d = r.stats.data;
      const failures = r.stats.failed + r.stats.followOns + checked.stops.length;
      return { basis: basisOf(d ? { rowsPerTable: d.rowsPerTable, filled: d.filled, tables: d.tables.length } : undefined), replayFailures: failures };
    } catch (e) {
      return { basis: basisOf(undefined), replayFailures: 0, error: `the sandbox could not replay the migrations: ${message(e)}` };
    }
  })());
  /** A request failed (a stop terminates the worker, so its database is gone): the next call replays again. */
  const lost = (e: unknown, what: string): string => {
    replay = undefined;
    return `${what}: ${message(e)}`;
  };
  const closedError = 'the sandbox was closed';

  return {
    explain: (sql) => serial(async (): Promise<SandboxExplain> => {
      const q = oneQuery(sql);
      if ('problem' in q) return { basis: '', replayFailures: 0, generic: false, error: q.problem };
      if (closed) return { basis: '', replayFailures: 0, generic: q.params, error: closedError };
      const r = await ready();
      const base = { basis: r.basis, replayFailures: r.replayFailures };
      if (r.error) return { ...base, generic: q.params, error: r.error };
      try {
        const out = await worker.explain('query', { start: 0, end: q.text.length, text: q.text, params: q.params });
        if (out.finding) return { ...base, generic: out.generic, error: out.finding.message };
        return { ...base, generic: out.generic, plan: out.plan };
      } catch (e) {
        return { ...base, generic: q.params, error: lost(e, 'the sandbox could not explain the query') };
      }
    }),
    compareIndex: (sql, createIndex) => serial(async (): Promise<SandboxCompare> => {
      const q = oneQuery(sql);
      if ('problem' in q) return { basis: '', replayFailures: 0, error: q.problem };
      const idx = oneCreateIndex(createIndex);
      if ('problem' in idx) return { basis: '', replayFailures: 0, error: idx.problem };
      if (closed) return { basis: '', replayFailures: 0, error: closedError };
      const r = await ready();
      const base = { basis: r.basis, replayFailures: r.replayFailures };
      if (r.error) return { ...base, error: r.error };
      try {
        return { ...base, ...await worker.compare(q.text, q.params, idx.text) };
      } catch (e) {
        return { ...base, error: lost(e, 'the sandbox could not compare the plans') };
      }
    }),
    validate: (up, down) => serial(async (): Promise<SandboxValidate> => {
      const u = prepareMigration(up, 'up');
      const d = down === undefined || down === null ? undefined : prepareMigration(down, 'down');
      if (closed) return validateProblem({ basis: '', replayFailures: 0 }, closedError);
      const r = await ready();
      const base = { basis: r.basis, replayFailures: r.replayFailures };
      if (r.error) return validateProblem(base, r.error);
      try {
        const out = await worker.validate(u.run, d?.run);
        if (out.tainted) replay = undefined;
        return toValidate(out, u, d, base);
      } catch (e) {
        return validateProblem(base, lost(e, 'the sandbox could not check the migration'));
      }
    }),
    close: async () => {
      closed = true;
      await worker.close();
    },
  };
}

// ---- the editor's sandbox ----

/** The editor's sandbox for a folder, or why it is off. */
export function editorAgentSandbox(host: SandboxHost, folder: Folder): AgentSandbox | { off: string } {
  const off = host.offReason(folder);
  if (off) return { off };
  const none = { basis: '', replayFailures: 0 };
  return {
    explain: async (sql): Promise<SandboxExplain> => {
      const q = oneQuery(sql);
      if ('problem' in q) return { ...none, generic: false, error: q.problem };
      try {
        const out = await host.agentExplain(folder, q.text, q.params);
        const base = { basis: basisOf(out.data), replayFailures: out.replayFailures };
        if (out.finding) return { ...base, generic: out.generic, error: out.finding.message };
        return { ...base, generic: out.generic, plan: out.plan };
      } catch (e) {
        return { ...none, generic: q.params, error: message(e) };
      }
    },
    compareIndex: async (sql, createIndex): Promise<SandboxCompare> => {
      const q = oneQuery(sql);
      if ('problem' in q) return { ...none, error: q.problem };
      const idx = oneCreateIndex(createIndex);
      if ('problem' in idx) return { ...none, error: idx.problem };
      try {
        const out = await host.agentCompare(folder, q.text, q.params, idx.text);
        const { data, replayFailures, ...rest } = out;
        return { basis: basisOf(data), replayFailures, ...rest };
      } catch (e) {
        return { ...none, error: message(e) };
      }
    },
    validate: async (up, down): Promise<SandboxValidate> => {
      const u = prepareMigration(up, 'up');
      const d = down === undefined || down === null ? undefined : prepareMigration(down, 'down');
      try {
        const out = await host.agentValidate(folder, u.run, d?.run);
        return toValidate(out, u, d, { basis: basisOf(out.data), replayFailures: out.replayFailures });
      } catch (e) {
        return validateProblem(none, message(e));
      }
    },
  };
}
