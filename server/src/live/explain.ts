// Plans from the real server. EXPLAIN never runs the query; EXPLAIN ANALYZE (only when asked) runs
// it inside a read-only transaction that is always rolled back, and is refused for anything that
// writes: INSERT, UPDATE, DELETE, MERGE, a WITH holding one of them, SELECT INTO, SELECT ... FOR
// UPDATE, and for any query that can call a function guard.ts cannot vouch for.
import type { Statement } from '../model';
import { planTree, type PlanNode } from '../sandbox/plan';
import type { LiveSession } from './connect';
import { LiveError } from './connect';
import { analyzeGuard } from './guard';

export interface LiveExplain {
  plan: PlanNode;
  /** EXPLAIN's JSON as the server gave it. */
  raw: unknown;
  generic: boolean;
  analyzed: boolean;
  /** EXPLAIN ANALYZE's "Execution Time" (ms). */
  executionMs?: number;
}

export interface LiveExplainError { message: string; code?: string; position?: number }

const WRITES = ['"InsertStmt"', '"UpdateStmt"', '"DeleteStmt"', '"MergeStmt"', '"lockingClause"'];

/** Why the statement must not be run by EXPLAIN ANALYZE, or undefined. */
export function analyzeRefusal(stmt: Pick<Statement, 'kind' | 'node'>): string | undefined {
  const k = stmt.kind;
  if (k === 'InsertStmt' || k === 'UpdateStmt' || k === 'DeleteStmt' || k === 'MergeStmt') {
    return `--analyze runs the statement, and this is ${k.replace(/Stmt$/, '').toUpperCase()}: dbe never executes writes on your database (plain EXPLAIN, without --analyze, shows its plan)`;
  }
  const json = JSON.stringify(stmt.node ?? {});
  if (k === 'SelectStmt' && stmt.node?.intoClause) return '--analyze would run SELECT INTO, which creates a table: refused';
  if (WRITES.some((w) => json.includes(w))) return '--analyze would run a statement that writes or locks rows (a data-modifying WITH, or FOR UPDATE/SHARE): refused';
  return undefined;
}

export async function explainLive(s: LiveSession, sql: string, o: { params: boolean; analyze: boolean; stmt: Pick<Statement, 'kind' | 'node'> }): Promise<{ ok: true; value: LiveExplain } | { ok: false; error: LiveExplainError; prefix: number }> {
  const text = sql.trim().replace(/;\s*$/, '');
  if (o.analyze) {
    const refusal = analyzeRefusal(o.stmt);
    if (refusal) throw new LiveError(refusal);
    if (o.params) throw new LiveError('--analyze needs a query without $n parameters (it runs the query): put values in for them');
  }
  const options = o.analyze ? 'ANALYZE, BUFFERS, FORMAT JSON' : 'FORMAT JSON';
  // $n parameters: the generic plan of a prepared statement (plan_cache_mode = force_generic_plan,
  // so the NULLs EXECUTE passes are never looked at). Works on every version, and unlike
  // EXPLAIN (GENERIC_PLAN) it needs no bound values under the extended protocol.
  const prepared = o.params ? `dbe_generic_${process.pid}_${++preparedCount}` : undefined;
  const prefix = prepared ? `PREPARE ${prepared} AS ` : `EXPLAIN (${options}) `;
  let isPrepared = false;
  // a transaction of its own, read-only, always rolled back: nothing the query does can stay
  await s.query('BEGIN TRANSACTION READ ONLY');
  try {
    if (prepared) {
      await s.query("SET LOCAL plan_cache_mode = 'force_generic_plan'");
      const prep = await s.tryQuery(prefix + text);
      if (!prep.ok) return { ok: false, error: { message: prep.message, code: prep.code, position: prep.position }, prefix: prefix.length };
      isPrepared = true;
      const n = maxParam(o.stmt.node);
      const r = await s.tryQuery<{ 'QUERY PLAN': unknown }>(`EXPLAIN (${options}) EXECUTE ${prepared}(${Array.from({ length: n }, () => 'NULL').join(', ')})`);
      if (!r.ok) return { ok: false, error: { message: r.message, code: r.code }, prefix: prefix.length };
      let raw = r.result.rows[0]?.['QUERY PLAN'];
      if (typeof raw === 'string') raw = JSON.parse(raw);
      if (!Array.isArray(raw) || !raw[0]?.Plan) throw new LiveError(`${s.target}: EXPLAIN gave no plan; dbe stops here`);
      return { ok: true, value: { plan: planTree(raw), raw, generic: true, analyzed: false } };
    }
    if (o.analyze) {
      // Planning itself can run a function: the planner folds an immutable call with constant
      // arguments (and a function can lie about being immutable). So what the statement names is
      // judged before anything is planned; then the plan, made without running the query, adds what
      // only it shows, and everything is judged again.
      const early = await analyzeGuard(s, o.stmt.node, undefined);
      if (early) throw new LiveError(early);
      const planOnly = 'EXPLAIN (VERBOSE, FORMAT JSON) ';
      const pre = await s.tryQuery<{ 'QUERY PLAN': unknown }>(planOnly + text);
      if (!pre.ok) return { ok: false, error: { message: pre.message, code: pre.code, position: pre.position }, prefix: planOnly.length };
      let planRaw = pre.result.rows[0]?.['QUERY PLAN'];
      if (typeof planRaw === 'string') planRaw = JSON.parse(planRaw);
      const refusal = await analyzeGuard(s, o.stmt.node, planRaw);
      if (refusal) throw new LiveError(refusal);
    }
    const r = await s.tryQuery<{ 'QUERY PLAN': unknown }>(prefix + text);
    if (!r.ok) return { ok: false, error: { message: r.message, code: r.code, position: r.position }, prefix: prefix.length };
    let raw = r.result.rows[0]?.['QUERY PLAN'];
    if (typeof raw === 'string') raw = JSON.parse(raw);
    if (!Array.isArray(raw) || !raw[0]?.Plan) throw new LiveError(`${s.target}: EXPLAIN gave no plan; dbe stops here`);
    const top = Array.isArray(raw) ? raw[0] : raw;
    return {
      ok: true,
      value: { plan: planTree(raw), raw, generic: o.params, analyzed: o.analyze, ...(o.analyze && top?.['Execution Time'] !== undefined ? { executionMs: Number(top['Execution Time']) } : {}) },
    };
  } finally {
    await s.query('ROLLBACK');
    // prepared statements outlive transactions
    if (isPrepared) await s.query(`DEALLOCATE ${prepared}`);
  }
}

let preparedCount = 0;

/** The highest $n the statement uses. */
function maxParam(node: unknown): number {
  let max = 0;
  const visit = (v: any): void => {
    if (Array.isArray(v)) { for (const x of v) visit(x); return; }
    if (!v || typeof v !== 'object') return;
    if (v.ParamRef && typeof v.ParamRef.number === 'number') max = Math.max(max, v.ParamRef.number);
    for (const x of Object.values(v)) visit(x);
  };
  visit(node);
  return max;
}

/** Actual rows and time per node (EXPLAIN ANALYZE), depth first, for the text output. */
export function actuals(raw: unknown): string[] {
  const out: string[] = [];
  const top = Array.isArray(raw) ? raw[0] : raw;
  const visit = (p: any, depth: number) => {
    if (!p) return;
    const rel = p['Relation Name'] ? ` on ${p['Relation Name']}` : '';
    out.push(`${'  '.repeat(depth)}${p['Node Type']}${rel}: actual rows=${p['Actual Rows']} loops=${p['Actual Loops']} time=${Number(p['Actual Total Time'] ?? 0).toFixed(3)} ms`);
    for (const c of p.Plans ?? []) visit(c, depth + 1);
  };
  visit((top as any)?.Plan, 0);
  return out;
}
