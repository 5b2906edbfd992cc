// Evidence for missing-index: the planner's estimated cost of every query a recommended index
// serves, without and with that index, measured in the sandbox after the migrations (and the
// generated data volumes, data.ts).
//
// - Per recommendation, in one transaction that is rolled back: the table's row count, EXPLAIN
//   (FORMAT JSON[, GENERIC_PLAN]) of each query it serves, CREATE INDEX (plain: nothing else runs in
//   the sandbox), EXPLAIN again, ROLLBACK. The index never outlives the measurement and one
//   recommendation's index never affects another's.
// - Per query, not per recommendation: each missing-index finding is one query, so each carries its
//   own query's costs; `dbe advise` shows them per query and, for the index, the largest saving.
// - Which queries can be measured: top-level queries (SELECT/INSERT/UPDATE/DELETE/MERGE/WITH), views
//   (`SELECT * FROM` the view), and queries in function bodies with the function's parameters bound
//   as $n (GENERIC_PLAN, as PL/pgSQL plans them). Not measured: a body query that uses a PL/pgSQL
//   local variable (PostgreSQL rejects it outside the function), a query PostgreSQL rejects
//   (postgres-error reports it), one that needs a SET of its queries file (search_path).
// - The verdict: the index is worth it when the planner uses it in the query's plan and the plan's
//   total cost goes down by at least 10% (less is noise: another join order, not the lookup). When it does not, the finding is kept, lowered to `hint`, with the reason
//   in its message (decision recorded in missing-index's notes).
import type { Project } from '../engine/project';
import type { Evidence, Finding } from '../model';
import { recommendIndexes } from '../advisor/indexes';
import { quoteIdent } from '../sql/ident';
import { hasParams, isQuery } from './input';
import { planTree, walkPlan } from './plan';
import type { Sandbox } from './sandbox';

/** A query to measure: where its missing-index finding starts, and what to EXPLAIN. */
export interface EvidenceQuery { path: string; start: number; sql: string; params: boolean }

/** One recommendation, as plain data: the index to create, its table, the queries it serves. */
export interface EvidenceRequest {
  index: string;
  /** The table, `schema.name`, quoted. */
  table: string;
  /** `schema.name` unquoted, as the data generator names it. */
  tableName: string;
  create: string;
  queries: EvidenceQuery[];
  /** Served queries that cannot be measured, and why. */
  unmeasured: { path: string; start: number; why: string }[];
}

export interface QueryEvidence { path: string; start: number; evidence?: Evidence; error?: string }

export interface RecommendationEvidence { index: string; table: string; queries: QueryEvidence[] }

/** The recommendations of the project's index advisor, with the SQL of each query it serves. */
export function evidenceRequests(project: Project): EvidenceRequest[] {
  const out: EvidenceRequest[] = [];
  // PGlite measures PostgreSQL only: a MySQL project's recommendations (and a MySQL file's queries) are not sent to it
  if (project.mainFamily() !== 'postgres') return out;
  for (const r of recommendIndexes(project.order().filter((f) => f.dialect.family === 'postgres'), project.schema())) {
    const req: EvidenceRequest = {
      index: r.name, table: `${quoteIdent(r.table.schema)}.${quoteIdent(r.table.name)}`, tableName: `${r.table.schema}.${r.table.name}`,
      create: r.createInline, queries: [], unmeasured: [],
    };
    for (const q of r.queries) {
      const file = project.getFile(q.loc.path);
      const st = file?.statements.find((s) => s.start <= q.loc.start && q.loc.start < s.end);
      if (!st || !st.node || st.templated) { req.unmeasured.push({ path: q.loc.path, start: q.loc.start, why: 'the statement is not available' }); continue; }
      if (isQuery(st) && !st.parsed.extra) req.queries.push({ path: q.loc.path, start: q.loc.start, sql: st.text, params: hasParams(st.node) });
      else if (st.kind === 'ViewStmt' && st.node.view?.relname) {
        const v = st.node.view;
        req.queries.push({ path: q.loc.path, start: q.loc.start, sql: `SELECT * FROM ${v.schemaname ? `${quoteIdent(String(v.schemaname))}.` : ''}${quoteIdent(String(v.relname))}`, params: false });
      } else if (st.kind === 'CreateFunctionStmt' && q.body) {
        req.queries.push({ path: q.loc.path, start: q.loc.start, sql: bindParams(q.body.sql, q.body.params), params: true });
      } else req.unmeasured.push({ path: q.loc.path, start: q.loc.start, why: 'it is inside a function body the advisor could not take it out of' });
    }
    out.push(req);
  }
  return out;
}

/**
 * A function body's query with the function's parameters as $n (as PL/pgSQL itself runs it), so it
 * can be explained with GENERIC_PLAN: `WHERE customer_id = p_customer_id` -> `WHERE customer_id = $1`.
 * Only bare names are replaced (not after a dot, not quoted, not in strings); `$1` stays as it is.
 * A PL/pgSQL local variable is left alone: PostgreSQL then rejects the query and it is not measured.
 */
export function bindParams(sql: string, params: string[]): string {
  const index = new Map(params.map((p, i) => [p.toLowerCase(), i + 1] as const));
  let out = '';
  for (let i = 0; i < sql.length;) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : 1;
      out += sql.slice(i, j + 1); i = j + 1; continue;
    }
    if (c === '-' && sql[i + 1] === '-') { const j = sql.indexOf('\n', i); const e = j < 0 ? sql.length : j; out += sql.slice(i, e); i = e; continue; }
    const m = /^[A-Za-z_][\w$]*/.exec(sql.slice(i, i + 64));
    if (m && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const word = m[0], prev = sql.slice(0, i).trimEnd().slice(-1), next = sql.slice(i + word.length).trimStart()[0];
      const k = index.get(word.toLowerCase());
      out += k !== undefined && prev !== '.' && next !== '.' && next !== '(' ? `$${k}` : word;
      i += word.length; continue;
    }
    out += c; i++;
  }
  return out;
}

interface Cost { cost: number; indexes: Set<string> }

async function explainCost(db: Parameters<Parameters<Sandbox['rolledBack']>[0]>[0], q: EvidenceQuery): Promise<Cost> {
  await db.exec('SAVEPOINT dbe_evidence');
  try {
    const res = await db.exec(`EXPLAIN (FORMAT JSON${q.params ? ', GENERIC_PLAN' : ''}) ${q.sql}`);
    await db.exec('RELEASE SAVEPOINT dbe_evidence');
    const row = res[0]?.rows[0] as Record<string, unknown> | undefined;
    const plan = planTree(row?.['QUERY PLAN']);
    const indexes = new Set<string>();
    for (const n of walkPlan(plan)) if (n.index) indexes.add(n.index);
    return { cost: plan.totalCost, indexes };
  } catch (e) {
    try { await db.exec('ROLLBACK TO SAVEPOINT dbe_evidence'); await db.exec('RELEASE SAVEPOINT dbe_evidence'); } catch { /* the caller's transaction is rolled back anyway */ }
    throw e;
  }
}

export interface MeasureOptions {
  /** Called before each recommendation (the editor's worker yields to typing there); false stops the measuring. */
  beforeRequest?: () => boolean | void;
}

/**
 * Measures every request (after Sandbox.run). `generated`: the tables the data generator filled
 * (`schema.name`), to say where the rows came from.
 */
export async function measureEvidence(sandbox: Sandbox, requests: EvidenceRequest[], generated: ReadonlySet<string> = new Set(), options: MeasureOptions = {}): Promise<RecommendationEvidence[]> {
  const out: RecommendationEvidence[] = [];
  let failure: string | undefined;
  for (const req of requests) {
    if (options.beforeRequest?.() === false) break;
    const rec: RecommendationEvidence = { index: req.index, table: req.tableName, queries: [] };
    out.push(rec);
    for (const u of req.unmeasured) rec.queries.push({ path: u.path, start: u.start, error: `not measured: ${u.why}` });
    if (!req.queries.length) continue;
    if (failure) { for (const q of req.queries) rec.queries.push({ path: q.path, start: q.start, error: failure }); continue; }
    const done = rec.queries.length;
    try {
      await measureOne(sandbox, req, rec, generated);
    } catch (e) {
      // PGlite itself failed (SQL errors are handled per query): what is left is not measured
      failure = `not measured: the sandbox failed (${msg(e)})`;
      rec.queries.splice(done);
      for (const q of req.queries) rec.queries.push({ path: q.path, start: q.start, error: failure });
    }
  }
  return out;
}

async function measureOne(sandbox: Sandbox, req: EvidenceRequest, rec: RecommendationEvidence, generated: ReadonlySet<string>): Promise<void> {
  {
    await sandbox.rolledBack(async (db) => {
      let rows = 0;
      await db.exec('SAVEPOINT dbe_rows');
      try { rows = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${req.table}`)).rows[0]?.n ?? 0); await db.exec('RELEASE SAVEPOINT dbe_rows'); } catch { await db.exec('ROLLBACK TO SAVEPOINT dbe_rows'); }
      const before = new Map<EvidenceQuery, Cost>();
      for (const q of req.queries) {
        try { before.set(q, await explainCost(db, q)); } catch (e) { rec.queries.push({ path: q.path, start: q.start, error: isPg(e) ? `PostgreSQL rejects the query: ${msg(e)}` : `not measured: ${msg(e)}` }); }
      }
      if (!before.size) return;
      try {
        await db.exec(req.create);
      } catch (e) {
        for (const q of before.keys()) rec.queries.push({ path: q.path, start: q.start, error: `the index could not be created in the sandbox: ${msg(e)}` });
        return;
      }
      for (const [q, b] of before) {
        try {
          const a = await explainCost(db, q);
          rec.queries.push({
            path: q.path, start: q.start,
            evidence: { costBefore: round(b.cost), costAfter: round(a.cost), indexUsed: a.indexes.has(req.index), tableRows: rows, generated: generated.has(req.tableName) },
          });
        } catch (e) {
          rec.queries.push({ path: q.path, start: q.start, error: `PostgreSQL rejects the query with the index: ${msg(e)}` });
        }
      }
    });
  }
}

function msg(e: unknown): string { return String((e as any)?.message ?? e); }
function isPg(e: unknown): boolean { return typeof (e as any)?.code === 'string' && /^[0-9A-Z]{5}$/.test((e as any).code); }
function round(n: number): number { return Math.round(n * 100) / 100; }

/** A saving smaller than this share of the cost is noise (a different plan shape), not a reason for an index. */
export const MIN_SAVING = 0.1;

/** The planner would use the index, and it makes the query at least 10% cheaper. */
export function worthIt(e: Evidence): boolean {
  return e.indexUsed && e.costAfter <= e.costBefore * (1 - MIN_SAVING);
}

/** A cost as people read it: 1,234 or 8.3. */
export function formatCost(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 10) / 10);
}

/** "on 10,000 generated rows in orders", "on 3 rows in roles (left by the migrations)", "on the empty table orders". */
export function rowsPhrase(e: Evidence, table: string): string {
  const t = table.startsWith('public.') ? table.slice(7) : table;
  if (e.tableRows === 0) return `on the empty table ${t}`;
  return `on ${e.tableRows.toLocaleString('en-US')} ${e.generated ? 'generated ' : ''}row${e.tableRows === 1 ? '' : 's'} in ${t}${e.generated ? '' : ' (left by the migrations)'}`;
}

/** The finding with its evidence: the costs in its message; lowered to hint, with the reason, when the planner would not use the index. */
export function withEvidence<T extends Pick<Finding, 'message' | 'severity'>>(f: T, e: Evidence, table: string, index: string): T & { evidence: Evidence } {
  const base = f.message.replace(/\.\s*$/, '');
  const where = rowsPhrase(e, table);
  if (worthIt(e)) {
    return { ...f, evidence: e, message: `${base} (planner: cost ${formatCost(e.costBefore)} → ${formatCost(e.costAfter)} with the index, ${where}).` };
  }
  const c = `cost ${formatCost(e.costBefore)} without it, ${formatCost(e.costAfter)} with it, ${where}`;
  const why = !e.indexUsed
    ? `the planner would not use ${index} for this query (${c}): a lookup that matches a large share of the rows is read faster by a sequential scan`
    : `the planner uses ${index} but the query gets less than ${MIN_SAVING * 100}% cheaper (${c}): the lookup is not where this query spends its time`;
  return { ...f, evidence: e, severity: 'hint', message: `${base}. Kept only as a hint: ${why}. With your real data distribution this may differ.` };
}

/**
 * The engine's missing-index findings with the measured evidence applied (matched by file and start),
 * for a caller that holds Findings (the language server) rather than the CLI's JSON diagnostics.
 */
export function applyEvidence(findings: readonly Finding[], evidence: readonly RecommendationEvidence[]): Finding[] {
  const by = new Map<string, { e: Evidence; table: string; index: string }>();
  for (const r of evidence) for (const q of r.queries) if (q.evidence) by.set(`${q.path}\u0000${q.start}`, { e: q.evidence, table: r.table, index: r.index });
  return findings.map((f) => {
    if (f.rule !== 'missing-index') return f;
    const m = by.get(`${f.path}\u0000${f.start}`);
    return m ? withEvidence(f, m.e, m.table, m.index) : f;
  });
}
