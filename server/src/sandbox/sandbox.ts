// The sandbox: a real PostgreSQL (PGlite, PostgreSQL 18 in WebAssembly, in process) that replays a
// project's migrations and checks its queries against the resulting catalog. Editor-free and
// message-passing friendly: plain data in (SandboxInput, see input.ts), findings and counts out, so
// the language server can run it in a worker thread later.
//
// - Statements are sent one at a time (a multi-statement string runs as one transaction, where
//   CONCURRENTLY fails). A rejected statement becomes a postgres-error finding with PostgreSQL's
//   message, detail, hint and SQLSTATE, on the token PostgreSQL points at (else the statement's first
//   line); replay goes on. Inside the project's own BEGIN ... COMMIT each statement runs under a
//   savepoint, so one failure does not abort the rest of the block.
// - Follow-on errors are folded into their cause: when a statement that creates something fails, a
//   later "does not exist" error naming it is counted on the first finding instead of reported again;
//   the same for types and functions after an extension PGlite does not ship, and for missing objects
//   after a templated statement (not run).
// - Roles the project grants to or assigns ownership to but never creates belong to the server, not
//   to the migrations: they are created up-front (NOLOGIN, no privileges).
// - Queries are never executed: EXPLAIN (GENERIC_PLAN when they have $n parameters), inside a
//   READ ONLY transaction that is rolled back.
// - Each run() starts from an empty database (a new PGlite from the initdb snapshot, ~1 s).
import type { PGlite } from '@electric-sql/pglite';
import type { Finding, Severity } from '../model';
import { codePointsToUtf16, tokenishEnd } from '../text';
import { isShipped, loadExtensions, SHIPPED_EXTENSIONS } from './extensions';
import { fillTables, type DataOptions, type DataStats } from './data';
import type { SandboxFile, SandboxInput, SandboxStatement } from './input';
import { planTree, walkPlan, type PlanNode } from './plan';
import { diffCatalogs, snapshotCatalog } from './catalog-diff';
import type { WorkerCompared, WorkerValidated } from './worker-protocol';
import { pgliteVersion, startPglite } from './snapshot';

export const RULE_ID = 'postgres-error';

export interface SandboxOptions {
  /** Where the initialised-database snapshot is kept (see snapshot.ts); null: memory only. */
  snapshotDir?: string | null;
  /** Told when a run moves on: started (replaying migrations), then checking the queries. */
  onPhase?: (phase: 'replaying' | 'explaining') => void;
  /**
   * Called before each statement is sent, with the indexes of its file in the input and of the
   * statement in the file (the worker pauses there while the user types, and records where it is for
   * the watchdog).
   */
  beforeStatement?: (file: number, statement: number) => void;
  /** Server settings for the database's whole life (temp_file_limit, see limits.ts). */
  settings?: Record<string, string>;
  /** Added to "out of memory" and temp_file_limit errors: which setting limits the sandbox's memory. */
  memoryNote?: string;
}

export interface SandboxStats {
  /** PostgreSQL's version string (SELECT version()). */
  version: string;
  startMs: number;
  replayMs: number;
  explainMs: number;
  /** Where the database came from: the in-memory or on-disk snapshot, or a fresh initdb. */
  startedFrom: 'memory' | 'disk' | 'initdb';
  /** Statements executed (migrations) without error / with an error reported / failed as follow-ons. */
  ran: number;
  failed: number;
  followOns: number;
  /** Queries explained without error / with an error reported. */
  explained: number;
  explainFailed: number;
  /** Statements not sent, by reason. */
  skipped: Record<string, number>;
  /** Failures (reported and follow-ons) by SQLSTATE and message with names elided. */
  reasons: Record<string, number>;
  /** Extensions the project creates that PGlite does not ship. */
  missingExtensions: string[];
  /** Roles created up-front. */
  roles: string[];
  /** Generated data volumes (input.rows > 0): rows per table, tables filled and skipped, time. */
  data?: DataStats;
  /** Set when generating the data failed in PGlite itself (the tables then hold what they held). */
  dataError?: string;
}

export interface RunHooks {
  /** Data generation progress: tables done / total, after each table. */
  progress?: (done: number, total: number, table: string) => void;
  /** Data generation: called before each table is filled. */
  beforeTable?: (table: string) => void;
}

export interface SandboxResult { findings: Finding[]; stats: SandboxStats }

export interface ExplainOutcome {
  /** Set when PostgreSQL rejected the query (also in finding). */
  error?: string;
  finding?: Finding;
  generic: boolean;
  plan?: PlanNode;
  /** PostgreSQL's own JSON. */
  raw?: unknown;
}

/** Codes of "X does not exist" errors. */
const MISSING = new Set(['42P01', '42704', '42883', '3F000', '42703', '42P02']);

/** What a missing extension leaves undefined: "type "geometry" does not exist", "operator class ... does not exist". */
const EXTENSION_OBJECT = /^(type|data type|operator|operator class|operator family|access method|text search \w+|collation) /;

interface Cause { finding?: Finding; count: number; kind: 'error' | 'extension' | 'templated'; at?: { path: string; st: SandboxStatement } }

interface PgError { message: string; code?: string; position?: string | number; detail?: string; hint?: string; internalQuery?: string }

function isPgError(e: unknown): e is PgError {
  return !!e && typeof e === 'object' && typeof (e as any).code === 'string' && /^[0-9A-Z]{5}$/.test((e as any).code);
}

export class Sandbox {
  private db: PGlite | undefined;
  private dead = false;

  constructor(private readonly options: SandboxOptions = {}) {}

  /** Replays `input` into a fresh database and checks its queries. Never throws for SQL problems. */
  async run(input: SandboxInput, hooks: RunHooks = {}): Promise<SandboxResult> {
    const t0 = performance.now();
    await this.close();
    const started = await startPglite(loadExtensions(input.extensions), this.options.snapshotDir ?? null, this.options.settings);
    const db = this.db = started.db;
    this.dead = false;
    const version = String(((await db.query<{ v: string }>('SELECT version() AS v')).rows[0] ?? { v: '' }).v);
    const stats: SandboxStats = {
      version, startMs: performance.now() - t0, replayMs: 0, explainMs: 0, startedFrom: started.from,
      ran: 0, failed: 0, followOns: 0, explained: 0, explainFailed: 0, skipped: {}, reasons: {}, missingExtensions: [], roles: [],
    };
    const findings: Finding[] = [];
    const run = new Run(db, input.severity, findings, stats, this.options.beforeStatement, this.options.memoryNote);

    for (const r of input.roles) {
      try { await db.exec(`CREATE ROLE ${quoteIdent(r)} NOLOGIN`); stats.roles.push(r); } catch { /* exists */ }
    }
    const t1 = performance.now();
    this.options.onPhase?.('replaying');
    for (const [i, f] of input.files.entries()) if (f.role === 'migration' && !this.dead) this.dead = !(await run.migration(f, i));
    stats.replayMs = performance.now() - t1;
    if (input.rows && !this.dead) {
      try { await db.exec('RESET ALL'); } catch { /* keep going */ }
      try {
        stats.data = await fillTables(db, { rows: input.rows, progress: hooks.progress, beforeTable: hooks.beforeTable });
      } catch (e) {
        // PGlite itself failed (not an SQL error: those are handled per table): no data, and the database may be unusable
        stats.dataError = String((e as any)?.message ?? e);
        try { await db.query('SELECT 1'); } catch { this.dead = true; }
      }
    }
    const t2 = performance.now();
    if (input.checkQueries && !this.dead) {
      this.options.onPhase?.('explaining');
      try { await db.exec('RESET ALL'); } catch { /* keep going */ }
      for (const [i, f] of input.files.entries()) if (f.role === 'queries' && !this.dead) this.dead = !(await run.queries(f, i));
    }
    stats.explainMs = performance.now() - t2;
    run.finish();
    findings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.start - b.start));
    return { findings, stats };
  }

  /**
   * The plan of one query (after run()). `stmt` needs text and params; offsets locate a finding.
   * Never executes it: EXPLAIN in a READ ONLY transaction that is rolled back.
   */
  async explain(path: string, stmt: Pick<SandboxStatement, 'start' | 'end' | 'text' | 'params'>, severity: Severity = 'error'): Promise<ExplainOutcome> {
    if (!this.db || this.dead) throw new Error('the sandbox is not running: call run() first');
    const generic = !!stmt.params;
    const prefix = explainPrefix(stmt);
    await this.db.exec('BEGIN TRANSACTION READ ONLY');
    try {
      const res = await this.db.exec(prefix + stmt.text);
      const row = res[0]?.rows[0] as Record<string, unknown> | undefined;
      const raw = row ? row['QUERY PLAN'] : undefined;
      return { generic, plan: planTree(raw), raw };
    } catch (e) {
      if (!isPgError(e)) throw e;
      const finding = toFinding(e, path, stmt, prefix.length, severity, 'query');
      return { generic, error: e.message, finding };
    } finally {
      try { await this.db.exec('ROLLBACK'); } catch { /* nothing open */ }
    }
  }

  /**
   * Fills the replayed database's tables with generated rows and runs ANALYZE (data.ts), after a
   * run() whose input had no rows: the editor replays without data (fast postgres-error diagnostics)
   * and fills only for the missing-index evidence. A throw from `progress` stops it between tables.
   */
  async fill(options: DataOptions): Promise<DataStats> {
    if (!this.db || this.dead) throw new Error('the sandbox is not running: call run() first');
    try { await this.db.exec('RESET ALL'); } catch { /* keep going */ }
    return fillTables(this.db, options);
  }

  /** Rows of a read-only query against the replayed database (READ ONLY transaction, rolled back). */
  async rows(sql: string): Promise<Record<string, unknown>[]> {
    if (!this.db || this.dead) throw new Error('the sandbox is not running: call run() first');
    await this.db.exec('BEGIN TRANSACTION READ ONLY');
    try {
      return (await this.db.query<Record<string, unknown>>(sql)).rows;
    } finally {
      try { await this.db.exec('ROLLBACK'); } catch { /* nothing open */ }
    }
  }

  /**
   * Runs `fn` in a transaction that is then rolled back, so nothing it creates is kept (the
   * missing-index evidence creates an index there, compares plans, and leaves no trace).
   */
  async rolledBack<T>(fn: (db: PGlite) => Promise<T>): Promise<T> {
    if (!this.db || this.dead) throw new Error('the sandbox is not running: call run() first');
    await this.db.exec('BEGIN');
    try {
      return await fn(this.db);
    } finally {
      try { await this.db.exec('ROLLBACK'); } catch { /* nothing open */ }
    }
  }

  /**
   * The agent's compare_index (after run()): the plan of `sql` without and with the index `create`
   * (one CREATE INDEX, without CONCURRENTLY), in a transaction that is rolled back: the index never
   * outlives the call. The query is planned, never executed.
   */
  async compare(sql: string, params: boolean, create: string): Promise<WorkerCompared> {
    const generic = params;
    const prefix = `EXPLAIN (FORMAT JSON${params ? ', GENERIC_PLAN' : ''}) `;
    return this.rolledBack(async (db) => {
      const explain = async (): Promise<PlanNode> => {
        const res = await db.exec(prefix + sql);
        const row = res[0]?.rows[0] as Record<string, unknown> | undefined;
        return planTree(row ? row['QUERY PLAN'] : undefined);
      };
      const indexNames = async (): Promise<Set<string>> =>
        new Set((await db.query<{ n: string }>("SELECT relname AS n FROM pg_class WHERE relkind IN ('i', 'I')")).rows.map((r) => r.n));
      let before: PlanNode;
      try { before = await explain(); } catch (e) {
        if (!isPgError(e)) throw e;
        return { generic, error: `PostgreSQL rejects the query: ${pgMessage(e)}` };
      }
      const had = await indexNames();
      try { await db.exec(create); } catch (e) {
        if (!isPgError(e)) throw e;
        return { generic, before: { cost: before.totalCost, plan: before }, error: `PostgreSQL rejects the index: ${pgMessage(e)}` };
      }
      const made = [...await indexNames()].filter((n) => !had.has(n));
      let after: PlanNode;
      try { after = await explain(); } catch (e) {
        if (!isPgError(e)) throw e;
        return { generic, before: { cost: before.totalCost, plan: before }, index: made[0], error: `PostgreSQL rejects the query with the index: ${pgMessage(e)}` };
      }
      const usesIndex = [...walkPlan(after)].some((n) => n.index !== undefined && made.includes(n.index));
      return { generic, before: { cost: before.totalCost, plan: before }, after: { cost: after.totalCost, plan: after, usesIndex }, index: made[0] };
    });
  }

  /**
   * The agent's validate_migration (after run()): `up`, then `down`, each statement under a savepoint
   * inside one transaction that is rolled back, with catalog snapshots before up, after up and after
   * down (catalog-diff.ts). The first statement PostgreSQL rejects stops its migration (a failing up
   * stops it all). The statements are prepared by the caller: no transaction statements, nothing
   * that cannot run in a transaction.
   */
  async validate(up: string[], down: string[] | undefined): Promise<WorkerValidated> {
    if (!this.db || this.dead) throw new Error('the sandbox is not running: call run() first');
    const db = this.db;
    const query = async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows;
    const out: WorkerValidated = { changes: [], differences: [] };
    /** Runs the statements; the first rejected one (its index and PostgreSQL's message), else undefined. */
    const apply = async (list: string[]): Promise<{ index: number; message: string } | undefined> => {
      for (const [index, text] of list.entries()) {
        await db.exec('SAVEPOINT dbe_validate');
        try {
          await db.exec(text);
        } catch (e) {
          if (!isPgError(e)) throw e;
          await db.exec('ROLLBACK TO SAVEPOINT dbe_validate');
          await db.exec('RELEASE SAVEPOINT dbe_validate');
          return { index, message: pgMessage(e) };
        }
        try { await db.exec('RELEASE SAVEPOINT dbe_validate'); } catch (e) {
          // the statement ended our transaction: what it did may be committed
          out.tainted = true;
          this.dead = true;
          return { index, message: `this statement ended the check's transaction (${e instanceof Error ? e.message : String(e)}), so what it did may have been kept; the sandbox replays the migrations again before its next answer` };
        }
      }
      return undefined;
    };
    // what a rollback does not undo: sequence positions (setval, nextval), prepared statements and
    // session advisory locks; put back after the rollback so the next answer does not inherit them
    const sequences = await sequenceStates(query).catch((): Map<string, SequenceState> => new Map());
    await db.exec('BEGIN');
    try {
      const before = await snapshotCatalog(query);
      const upError = await apply(up);
      if (out.tainted) { out.upError = upError; return out; }
      const afterUp = await snapshotCatalog(query);
      out.changes = diffCatalogs(before, afterUp, 'changes');
      if (upError) { out.upError = upError; return out; }
      if (down) {
        const downError = await apply(down);
        if (downError) out.downError = downError;
        if (out.tainted) return out;
        out.differences = diffCatalogs(before, await snapshotCatalog(query), 'rollback');
      }
      return out;
    } finally {
      try { await db.exec('ROLLBACK'); } catch { /* nothing open */ }
      // not put back: marked tainted, so the CLI and the editor both replay before the next answer
      if (!out.tainted && !(await this.restoreSession(query, sequences))) { out.tainted = true; this.dead = true; }
    }
  }

  /** After a rolled-back validate: sequences where they were, no prepared statements or advisory locks left. */
  private async restoreSession(query: (sql: string) => Promise<Record<string, unknown>[]>, before: Map<string, SequenceState>): Promise<boolean> {
    try {
      await query('DEALLOCATE ALL');
      await query('SELECT pg_advisory_unlock_all()');
      const now = await sequenceStates(query);
      for (const [name, was] of before) {
        const is = now.get(name);
        if (!is || (is.last === was.last)) continue;
        const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;
        await query(was.last === null
          ? `SELECT setval(${lit(name)}::regclass, ${lit(was.start)}::bigint, false)`
          : `SELECT setval(${lit(name)}::regclass, ${lit(was.last)}::bigint, true)`);
      }
    } catch (e) {
      if (!isPgError(e)) throw e;
      return false;
    }
    return true;
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db && !db.closed) { try { await db.close(); } catch { /* already gone */ } }
  }
}

interface SequenceState { last: string | null; start: string }

/** Every sequence's position (pg_sequences: last_value is null before its first nextval). */
async function sequenceStates(query: (sql: string) => Promise<Record<string, unknown>[]>): Promise<Map<string, SequenceState>> {
  const rows = await query("SELECT format('%I.%I', schemaname, sequencename) AS n, last_value::text AS v, start_value::text AS s FROM pg_sequences");
  return new Map(rows.map((r) => [String(r.n), { last: r.v === null || r.v === undefined ? null : String(r.v), start: String(r.s) }]));
}

/** One replay: the follow-on bookkeeping and the counts. */
class Run {
  private readonly broken = new Map<string, Cause>();
  private readonly causes: Cause[] = [];
  private extensionCause: Cause | undefined;
  private templatedCause: Cause | undefined;
  private readonly notedExtensions = new Set<string>();

  constructor(private readonly db: PGlite, private readonly severity: Severity, private readonly findings: Finding[], private readonly stats: SandboxStats,
    private readonly beforeStatement?: (file: number, statement: number) => void, private readonly memoryNote?: string) {}

  /** Executes a migration file's statements in order. False when PGlite itself failed (the database is unusable). */
  async migration(f: SandboxFile, fileIndex = 0): Promise<boolean> {
    let inTx = false;
    for (const [i, st] of f.statements.entries()) {
      this.beforeStatement?.(fileIndex, i);
      if (st.action === 'skip') { this.skip(f, st); continue; }
      if (st.extension !== undefined && !isShipped(st.extension)) { this.missingExtension(f, st); continue; }
      // Not around the project's own transaction statements: releasing our savepoint would also
      // release a SAVEPOINT the project sets.
      const guard = inTx && st.kind !== 'TransactionStmt';
      // a parameterised query in a migration: explained where it stands (EXPLAIN never executes it)
      const prefix = st.action === 'explain' ? explainPrefix(st) : '';
      try {
        if (guard) await this.db.exec('SAVEPOINT dbe_sandbox');
        await this.db.exec(prefix + st.text);
        if (guard) await this.db.exec('RELEASE SAVEPOINT dbe_sandbox');
        if (prefix) this.stats.explained++; else this.stats.ran++;
        if (st.tx === 1) inTx = true;
        else if (st.tx === -1) inTx = false;
      } catch (e) {
        if (!isPgError(e)) return this.crashed(f, st, e);
        if (guard) {
          try { await this.db.exec('ROLLBACK TO SAVEPOINT dbe_sandbox'); await this.db.exec('RELEASE SAVEPOINT dbe_sandbox'); } catch { /* see below */ }
        } else if (inTx || st.tx) {
          // A failed BEGIN/COMMIT or a failure outside our savepoint: leave no half-open transaction.
          try { await this.db.exec('ROLLBACK'); } catch { /* none open */ }
          inTx = false;
        }
        this.failure(e, f, st, prefix.length, prefix ? 'query' : 'statement');
      }
    }
    // A file that leaves its transaction open: committed, so files stay independent.
    if (inTx) try { await this.db.exec('COMMIT'); } catch { /* nothing to do */ }
    return true;
  }

  /** Explains a queries file's queries (never executes them); its SET statements apply to the file only. */
  async queries(f: SandboxFile, fileIndex = 0): Promise<boolean> {
    try { await this.db.exec('BEGIN TRANSACTION READ ONLY'); } catch (e) { return this.crashed(f, f.statements[0], e); }
    try {
      for (const [i, st] of f.statements.entries()) {
        this.beforeStatement?.(fileIndex, i);
        if (st.action === 'skip') { this.skip(f, st); continue; }
        const prefix = st.action === 'explain' ? explainPrefix(st) : '';
        try {
          await this.db.exec('SAVEPOINT dbe_sandbox');
          await this.db.exec(prefix + st.text);
          await this.db.exec('RELEASE SAVEPOINT dbe_sandbox');
          if (st.action === 'explain') this.stats.explained++; else this.stats.ran++;
        } catch (e) {
          if (!isPgError(e)) return this.crashed(f, st, e);
          try { await this.db.exec('ROLLBACK TO SAVEPOINT dbe_sandbox'); await this.db.exec('RELEASE SAVEPOINT dbe_sandbox'); } catch { /* rolled back below */ }
          this.failure(e, f, st, prefix.length, st.action === 'explain' ? 'query' : 'statement');
        }
      }
    } finally {
      try { await this.db.exec('ROLLBACK'); } catch { /* nothing open */ }
    }
    return true;
  }

  /** Adds the follow-on counts to the findings of their causes. */
  finish(): void {
    for (const c of this.causes) {
      if (!c.count) continue;
      const n = c.count, s = n === 1 ? '' : 's';
      if (c.kind === 'error' && c.finding) {
        c.finding.message += ` ${n} later statement${s} that depend${n === 1 ? 's' : ''} on it also failed (not reported separately).`;
      } else if (c.kind === 'extension' && c.finding) {
        c.finding.message += ` ${n} later statement${s} failed for want of its types or functions (not reported separately).`;
      } else if (c.kind === 'templated' && c.at) {
        this.findings.push(note(c.at.path, c.at.st,
          `This statement is templated, so the sandbox did not run it; ${n} later statement${s} failed because objects were missing (perhaps created here) and ${n === 1 ? 'is' : 'are'} not reported separately.`));
      }
    }
  }

  private skip(f: SandboxFile, st: SandboxStatement): void {
    const why = st.skip ?? 'other';
    this.stats.skipped[why] = (this.stats.skipped[why] ?? 0) + 1;
    if (why === 'stopped') {
      // stopped by the sandbox's time or memory limit in an earlier attempt: reported here, and what
      // it would have created is missing, so later "does not exist" errors are counted on it
      const finding: Finding = { rule: RULE_ID, severity: this.severity, path: f.path, start: st.start, end: headEnd(st), message: st.stopped ?? 'The sandbox stopped this statement.' };
      this.findings.push(finding);
      const c: Cause = { finding, count: 0, kind: 'error' };
      this.causes.push(c);
      for (const n of st.creates ?? []) this.broken.set(n, c);
      return;
    }
    if (why === 'templated' && !this.templatedCause) {
      this.templatedCause = { count: 0, kind: 'templated', at: { path: f.path, st } };
      this.causes.push(this.templatedCause);
    }
  }

  private missingExtension(f: SandboxFile, st: SandboxStatement): void {
    const name = st.extension!;
    this.stats.skipped['missing-extension'] = (this.stats.skipped['missing-extension'] ?? 0) + 1;
    if (this.notedExtensions.has(name)) return;
    this.notedExtensions.add(name);
    this.stats.missingExtensions.push(name);
    const finding = note(f.path, st,
      `The sandbox (PGlite ${pgliteVersion()}) does not ship the extension "${name}", so this statement was skipped; what needs it is not checked. PGlite ships ${Object.keys(SHIPPED_EXTENSIONS).length} extensions, e.g. pg_trgm, citext, hstore, uuid-ossp, pgcrypto, ltree, btree_gist (docs/rules/postgres-error.md).`);
    this.findings.push(finding);
    const cause: Cause = { finding, count: 0, kind: 'extension' };
    this.causes.push(cause);
    if (!this.extensionCause) this.extensionCause = cause;
    this.broken.set(name.toLowerCase(), cause);
  }

  private failure(e: PgError, f: SandboxFile, st: SandboxStatement, prefixLength: number, what: 'statement' | 'query'): void {
    const reason = `${e.code} ${e.message.replace(/"[^"]*"/g, '"…"').replace(/\$\d+/g, '$n')}`;
    this.stats.reasons[reason] = (this.stats.reasons[reason] ?? 0) + 1;
    const cause = this.causeOf(e);
    if (cause) {
      cause.count++;
      this.stats.followOns++;
      for (const n of st.creates ?? []) this.broken.set(n, cause);
      return;
    }
    if (what === 'query') this.stats.explainFailed++; else this.stats.failed++;
    const finding = toFinding(e, f.path, st, prefixLength, this.severity, what);
    if (this.memoryNote && (e.code === '53200' || e.code === '53400')) finding.message += ` ${this.memoryNote}`;
    this.findings.push(finding);
    const c: Cause = { finding, count: 0, kind: 'error' };
    this.causes.push(c);
    for (const n of st.creates ?? []) this.broken.set(n, c);
    // A migration that needs something missing: later statements missing the same thing are follow-ons.
    if (what === 'statement' && e.code && MISSING.has(e.code)) for (const n of namesIn(e.message).slice(0, 1)) if (!this.broken.has(n)) this.broken.set(n, c);
  }

  private causeOf(e: PgError): Cause | undefined {
    if (!e.code || !MISSING.has(e.code)) return undefined;
    for (const n of namesIn(e.message)) {
      const c = this.broken.get(n);
      if (c) return c;
    }
    if (this.extensionCause && (e.code === '42883' || (e.code === '42704' && EXTENSION_OBJECT.test(e.message)))) return this.extensionCause;
    return e.message.startsWith('role ') ? undefined : this.templatedCause;
  }

  private crashed(f: SandboxFile, st: SandboxStatement | undefined, e: unknown): false {
    const msg = String((e as any)?.message ?? e);
    this.findings.push({
      rule: RULE_ID, severity: this.severity, path: f.path, start: st?.start ?? 0, end: st ? headEnd(st) : 0,
      message: `The sandbox (PGlite) failed on this statement: ${msg}. The rest of the project was not checked in the sandbox.`,
    });
    return false;
  }
}

/** EXPLAIN (FORMAT JSON), with GENERIC_PLAN when the statement has $n parameters (PostgreSQL 16+). */
function explainPrefix(st: Pick<SandboxStatement, 'params'>): string {
  return `EXPLAIN (FORMAT JSON${st.params ? ', GENERIC_PLAN' : ''}) `;
}

function note(path: string, st: SandboxStatement, message: string): Finding {
  return { rule: RULE_ID, severity: 'info', path, start: st.start, end: headEnd(st), message };
}

/** Lower-case names an error message quotes: "name", and function name( ... ). Qualified names also unqualified. */
export function namesIn(message: string): string[] {
  const out: string[] = [];
  for (const m of message.matchAll(/"([^"]+)"/g)) out.push(m[1]);
  const fn = /\b(?:function|procedure|operator does not exist:)\s+([\w.$]+)\s*\(/.exec(message);
  if (fn) out.push(fn[1]);
  const all: string[] = [];
  for (const n of out) {
    const l = n.toLowerCase();
    all.push(l);
    const dot = l.lastIndexOf('.');
    if (dot > 0) all.push(l.slice(dot + 1));
  }
  return all;
}

/** End of the statement's first line (its head), for findings without a position. */
function headEnd(st: Pick<SandboxStatement, 'start' | 'end' | 'text'>): number {
  const nl = st.text.search(/\r|\n/);
  const line = (nl < 0 ? st.text : st.text.slice(0, nl)).replace(/\s+$/, '');
  return st.start + Math.max(1, Math.min(line.length, st.end - st.start));
}

export function toFinding(e: PgError, path: string, st: Pick<SandboxStatement, 'start' | 'end' | 'text'>, prefixLength: number, severity: Severity, what: 'statement' | 'query'): Finding {
  let start = st.start, end = headEnd(st);
  const pos = Number(e.position);
  if (!e.internalQuery && Number.isFinite(pos) && pos > prefixLength) {
    const rel = codePointsToUtf16(st.text, pos - 1 - prefixLength);
    if (rel < st.text.length) { start = st.start + rel; end = st.start + tokenishEnd(st.text, rel, st.text.length); }
  }
  let message = (what === 'query' ? 'PostgreSQL rejects this query against the migrated schema: ' : 'PostgreSQL rejects this statement: ')
    + `${e.message} (SQLSTATE ${e.code}).`;
  if (e.detail) message += ` ${e.detail.replace(/\.?$/, '.')}`;
  if (e.hint) message += ` Hint: ${e.hint.replace(/\.?$/, '.')}`;
  return { rule: RULE_ID, severity, message, path, start, end };
}

/** PostgreSQL's message with its SQLSTATE, detail and hint, as one line. */
export function pgMessage(e: PgError): string {
  let m = `${e.message} (SQLSTATE ${e.code})`;
  if (e.detail) m += `. ${e.detail.replace(/\.?$/, '')}`;
  if (e.hint) m += `. Hint: ${e.hint.replace(/\.?$/, '')}`;
  return m;
}

export function quoteIdent(s: string): string {
  return '"' + s.replace(/"/g, '""') + '"';
}
