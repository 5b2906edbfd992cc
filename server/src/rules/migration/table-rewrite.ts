import { walk } from '../../sql/ast';
import type { Node, Token } from '../../sql/parse';
import type { Statement } from '../../model';
import type { Rule, StatementContext } from '../types';
import { volatileCall } from './add-column-not-null-without-default';
import { optionOn } from './locks';
import { alterSegments, displayName, isEmptyInFile, q, relationRange, segmentRange, statementHead } from './util';

/**
 * The volatility the project declares for a function, by its last CREATE FUNCTION before `stmt` (in
 * replay order): 'volatile' (the default when none is written), 'stable', 'immutable', or undefined
 * when the project does not define it (a built-in or an extension's function: not judged).
 */
function declaredVolatility(ctx: StatementContext, names: string[]): string | undefined {
  const name = names[names.length - 1];
  const schema = names.length > 1 ? names[names.length - 2] : undefined;
  let found: string | undefined;
  const visit = (s: Statement) => {
    if (s.kind !== 'CreateFunctionStmt') return;
    const fn: string[] = (s.node?.funcname ?? []).map((x: Node) => x?.String?.sval ?? '');
    if (fn[fn.length - 1] !== name) return;
    if (schema && fn.length > 1 && fn[fn.length - 2] !== schema) return;
    const v = (s.node?.options ?? []).find((o: Node) => o.DefElem?.defname === 'volatility')?.DefElem?.arg?.String?.sval;
    found = v ?? 'volatile';
  };
  for (const f of ctx.files()) {
    if (f === ctx.file) {
      for (const s of f.statements) { if (s.index >= ctx.stmt.index) break; visit(s); }
      break;
    }
    if (f.replayed) for (const s of f.statements) visit(s);
  }
  return found;
}

/** The first function the expression calls that the project defines as VOLATILE (explicitly or by default). */
function projectVolatileCall(ctx: StatementContext, expr: Node | undefined): string | undefined {
  let found: string | undefined;
  walk(expr, (kind, n) => {
    if (found) return false;
    if (kind !== 'FuncCall') return;
    const names: string[] = (n.funcname ?? []).map((x: Node) => x?.String?.sval ?? '');
    if (declaredVolatility(ctx, names) === 'volatile') { found = `${names[names.length - 1]}()`; return false; }
  });
  return found;
}

const WORDS: Record<string, string> = {
  AT_SetLogged: 'SET LOGGED', AT_SetUnLogged: 'SET UNLOGGED', AT_SetAccessMethod: 'SET ACCESS METHOD', AT_SetTableSpace: 'SET TABLESPACE', AT_SetExpression: 'SET EXPRESSION',
};
const HOW: Record<string, (t: string) => string> = {
  AT_SetLogged: (t) => `SET LOGGED rewrites ${t} (and writes all of it to the WAL)`,
  AT_SetUnLogged: (t) => `SET UNLOGGED rewrites ${t}`,
  AT_SetAccessMethod: (t) => `SET ACCESS METHOD rewrites ${t}`,
  AT_SetTableSpace: (t) => `SET TABLESPACE copies all of ${t} and its data files`,
  AT_SetExpression: (t) => `SET EXPRESSION recomputes the generated column for every row and rewrites ${t}`,
};

export const rule: Rule = {
  meta: {
    id: 'table-rewrite',
    title: 'Statement rewrites an existing table under an ACCESS EXCLUSIVE lock',
    category: 'migration',
    severity: 'warning',
    principle: 'Data Migration Strategies: "Online migration with minimal downtime"',
    rationale:
      'Some statements copy every row of a table into new files, holding an ACCESS EXCLUSIVE lock (no reads, no writes) until the copy and every index rebuild are done: adding a STORED generated column, adding a column whose DEFAULT calls a volatile function of the project, SET LOGGED / SET UNLOGGED, SET ACCESS METHOD, SET TABLESPACE, VACUUM FULL and CLUSTER. On a table of any size that is an outage as long as the copy, and it needs free disk space for a second copy of the table. The usual way out is to add plain nullable columns and backfill them in batches, or to rebuild the table online with an extension such as pg_repack.',
    bad: '-- file: 001_orders.sql\nCREATE TABLE orders (id bigint PRIMARY KEY, total numeric NOT NULL);\n-- file: 002_cents.sql\nALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;',
    good: '-- file: 001_orders.sql\nCREATE TABLE orders (id bigint PRIMARY KEY, total numeric NOT NULL);\n-- file: 002_cents.sql\n-- a plain column, filled in batches by the application or a background job\nALTER TABLE orders ADD COLUMN total_cents bigint;',
    fixable: false,
    notes:
      'Tables created earlier in the same file (or emptied by it) are not reported: rewriting an empty table is instant (squawk reports `adding-field-with-default` there too; DB Engineer does not). Tables that no migration of the project creates are not reported either. A DEFAULT is judged by its function: built-in volatile functions (random(), gen_random_uuid(), clock_timestamp(), nextval(), ...), serial and identity columns are reported by add-column-not-null-without-default and not repeated here; a function the project defines counts as volatile unless its CREATE FUNCTION says IMMUTABLE or STABLE; functions the project does not define (built-ins such as now(), extensions) are not reported (squawk reports any function it does not know; DB Engineer does not report what it cannot tell). `now()` and `CURRENT_TIMESTAMP` are stable: since PostgreSQL 11 such a default is stored once in the catalog, no rewrite. ALTER COLUMN ... TYPE is reported by alter-column-type. VIRTUAL generated columns (PostgreSQL 18) are computed on read and are not reported.',
  },
  beforeStatement(ctx) {
    const n = ctx.node;
    if (ctx.kind === 'VacuumStmt') {
      if (!n.is_vacuumcmd || !optionOn(n.options, 'full')) return;
      for (const r of n.rels ?? []) {
        const rv = r.VacuumRelation?.relation;
        if (!existing(ctx, rv)) continue;
        ctx.report({ ...relationRange(ctx, rv), message: `VACUUM FULL rewrites ${q(display(rv))} and rebuilds its indexes under an ACCESS EXCLUSIVE lock (no reads or writes until it is done); use plain VACUUM, or pg_repack to compact it online.` });
      }
      return;
    }
    if (ctx.kind === 'ClusterStmt') {
      if (!existing(ctx, n.relation)) return;
      ctx.report({ ...statementHead(ctx.stmt), message: `CLUSTER rewrites ${q(display(n.relation))} in index order under an ACCESS EXCLUSIVE lock (no reads or writes until it is done); use pg_repack to reorder it online, or leave the order to the planner.` });
      return;
    }
    if (ctx.kind !== 'AlterTableStmt' || (n.objtype && n.objtype !== 'OBJECT_TABLE' && n.objtype !== 'OBJECT_MATVIEW')) return;
    if (!existing(ctx, n.relation)) return;
    const table = ctx.schema.table(n.relation.schemaname, n.relation.relname)!;
    const name = display(n.relation);
    let segs: Token[][] | undefined;
    let computed = false;
    const range = (i: number) => { if (!computed) { segs = alterSegments(ctx); computed = true; } return segmentRange(ctx, segs, i); };
    // PostgreSQL rewrites the table once per ALTER TABLE, whatever the number of reasons: one finding
    // per statement, on the first reason (temporal's visibility migration adds 40 generated columns)
    const causes: { start: number; end: number; message: string; what: string }[] = [];
    (n.cmds ?? []).forEach((c: Node, i: number) => {
      const cmd = c.AlterTableCmd;
      if (!cmd) return;
      if (HOW[cmd.subtype]) {
        causes.push({ ...range(i), what: WORDS[cmd.subtype], message: `${HOW[cmd.subtype](q(name))} under an ACCESS EXCLUSIVE lock: no reads or writes until it is done.` });
        return;
      }
      if (cmd.subtype !== 'AT_AddColumn') return;
      const def = cmd.def?.ColumnDef;
      if (!def?.colname) return;
      if (cmd.missing_ok && table.columns.has(def.colname)) return;
      const cons: Node[] = (def.constraints ?? []).map((k: Node) => k.Constraint).filter(Boolean);
      const start = ctx.offset(def.location);
      const end = start + (ctx.file.text[start] === '"' ? def.colname.length + 2 : def.colname.length);
      const col = q(`${name}.${def.colname}`);
      const gen = cons.find((k) => k.contype === 'CONSTR_GENERATED' && k.generated_kind !== 'v');
      if (gen) {
        causes.push({ start, end, what: q(def.colname), message: `Adding the STORED generated column ${col} computes it for every row and rewrites ${q(name)} under an ACCESS EXCLUSIVE lock; add a plain column and backfill it in batches (kept up to date by the application or a trigger), or a VIRTUAL column on PostgreSQL 18.` });
        return;
      }
      const dflt = cons.find((k) => k.contype === 'CONSTR_DEFAULT');
      if (!dflt || volatileCall(dflt.raw_expr)) return; // built-in volatile: add-column-not-null-without-default
      const fn = projectVolatileCall(ctx, dflt.raw_expr);
      if (!fn) return;
      causes.push({ start, end, what: q(def.colname), message: `Adding column ${col} with a DEFAULT that calls ${fn}, which this project defines as VOLATILE, computes it for every row and rewrites ${q(name)} under an ACCESS EXCLUSIVE lock; add the column without the default, backfill in batches, then SET DEFAULT (or declare the function STABLE or IMMUTABLE if it truly is).` });
    });
    if (causes.length === 0) return;
    const [first, ...more] = causes;
    const also = more.length === 0 ? '' : ` The same statement also ${more.length === 1 ? 'needs it for' : `needs it for ${more.length} more:`} ${more.slice(0, 5).map((m) => m.what).join(', ')}${more.length > 5 ? ', ...' : ''} (one rewrite for all).`;
    ctx.report({ start: first.start, end: first.end, message: first.message + also });
  },
};

function display(rv: Node): string { return displayName(rv.schemaname, rv.relname); }

/** A table the project's migrations created before this file and that this file did not create or empty. */
function existing(ctx: StatementContext, rv: Node | undefined): boolean {
  if (!rv?.relname) return false;
  const t = ctx.schema.table(rv.schemaname, rv.relname);
  if (!t || t.kind === 'view' || t.createdIn === ctx.file.path) return false;
  return !isEmptyInFile(ctx, rv);
}
