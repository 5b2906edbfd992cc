// What `--analyze` may run. EXPLAIN ANALYZE executes the query, and a read-only transaction does
// not hold back a function with effects outside it (dblink_exec writes through a second
// connection, pg_terminate_backend kills a session, pg_reload_conf reloads the server's
// configuration, lo_export writes a file). So before running, every function the query can call is
// resolved in the server's own catalog, by OID, and judged; one that is not safe refuses the run.
//
// Where the functions come from (all resolved by the server, in the same read-only transaction):
// - the statement's own calls (FuncCall) and operators (A_Expr, SubLink: every visible operator of
//   that name, its function and its planner estimators), and its explicit casts (TypeCast);
// - every relation it reads, found in the statement and in the plan (so views are seen through):
//   a view's rewrite rule and a row-level-security policy depend (pg_depend) on the functions,
//   operators, relations and types they use, followed transitively; inheritance and partition
//   children are followed too; a foreign table (postgres_fdw, file_fdw, ...) is refused;
// - the types of every column of those relations and of the casts: a type PostgreSQL does not ship
//   (other than an enum, a domain over a shipped type, a table's row type, an array of these) has
//   comparison, hashing and I/O functions dbe cannot vouch for and is refused; casts between types
//   in play are judged by their function; domain CHECK constraints by their functions;
// - the plan itself (EXPLAIN (VERBOSE) without ANALYZE): every name called in its expressions, so
//   what the statement's text hides (an inlined SQL function's body, a view's expressions) is
//   checked as well.
// A function is safe when it is PostgreSQL's own (OID below 16384, in pg_catalog, owned by the
// bootstrap superuser, written in internal, C or SQL), immutable or stable, and not in DENIED; or
// one of the few volatile ones in VOLATILE_OK. Anything else, or anything that cannot be resolved,
// refuses the run.
import type { LiveSession } from './connect';
import { DBE_MARK } from './connect';

/** Volatile functions that read a clock or a random source and change nothing. */
export const VOLATILE_OK = new Set(['random', 'clock_timestamp', 'timeofday', 'gen_random_uuid']);

/** Immutable or stable built-ins that still reach outside the query: refused. */
export const DENIED = new Set([
  // assign a transaction id (a write to the server's xid counter and its WAL)
  'txid_current', 'pg_current_xact_id',
  // run queries of their own over whole tables, schemas or databases (views and their functions included)
  'table_to_xml', 'table_to_xmlschema', 'table_to_xml_and_xmlschema', 'schema_to_xml', 'schema_to_xmlschema', 'schema_to_xml_and_xmlschema',
  'database_to_xml', 'database_to_xmlschema', 'database_to_xml_and_xmlschema',
]);

/** The first OID a user-created object can have (FirstNormalObjectId): below it, PostgreSQL's own. */
const FIRST_NORMAL_OID = 16384;

interface Name { schema?: string; name: string }

/** Names the statement's text uses: functions, operators, relations, cast targets; CTE names. */
export function namesOf(node: unknown): { funcs: Name[]; ops: Name[]; rels: Name[]; types: Name[]; ctes: Set<string> } {
  const funcs: Name[] = [], ops: Name[] = [], rels: Name[] = [], types: Name[] = [];
  const ctes = new Set<string>();
  const nameOf = (list: any[] | undefined): Name | undefined => {
    const parts = (list ?? []).map((x) => x?.String?.sval).filter((x): x is string => typeof x === 'string');
    if (!parts.length) return undefined;
    return parts.length === 1 ? { name: parts[0] } : { schema: parts[parts.length - 2], name: parts[parts.length - 1] };
  };
  const visit = (v: any): void => {
    if (Array.isArray(v)) { for (const x of v) visit(x); return; }
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v) as [string, any][]) {
      if (k === 'FuncCall') { const n = nameOf(x.funcname); if (n) funcs.push(n); }
      else if (k === 'A_Expr') {
        const n = nameOf(x.name);
        if (x.kind === 'AEXPR_BETWEEN' || x.kind === 'AEXPR_NOT_BETWEEN' || x.kind === 'AEXPR_BETWEEN_SYM' || x.kind === 'AEXPR_NOT_BETWEEN_SYM') ops.push({ name: '<=' }, { name: '>=' });
        else if (n) ops.push(n);
      } else if (k === 'SubLink') {
        const n = nameOf(x.operName);
        if (n) ops.push(n);
        else if (x.subLinkType === 'ANY_SUBLINK' || x.subLinkType === 'ALL_SUBLINK' || x.subLinkType === 'ROWCOMPARE_SUBLINK') ops.push({ name: '=' });
      } else if (k === 'TypeCast' || k === 'ColumnDef') { const n = nameOf(x.typeName?.names); if (n) types.push(n); }
      else if (k === 'RangeVar' && typeof x.relname === 'string') rels.push({ schema: x.schemaname || undefined, name: x.relname });
      else if (k === 'CommonTableExpr' && typeof x.ctename === 'string') ctes.add(x.ctename);
      visit(x);
    }
  };
  visit(node);
  return { funcs, ops, rels, types, ctes };
}

/** Names called in the plan's expressions (EXPLAIN VERBOSE), string literals left out, and the relations it scans. */
export function planNames(raw: unknown): { funcs: Name[]; rels: Name[]; foreign: string[] } {
  const funcs: Name[] = [], rels: Name[] = [], foreign: string[] = [];
  const ident = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
  const call = new RegExp(String.raw`(?:(${ident})\.)?(${ident})\(`, 'g');
  const unq = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase());
  const text = (s: string) => {
    const bare = s.replace(/'(?:[^']|'')*'/g, "''");
    for (const m of bare.matchAll(call)) funcs.push({ schema: m[1] ? unq(m[1]) : undefined, name: unq(m[2]) });
  };
  const visit = (p: any): void => {
    if (Array.isArray(p)) { for (const x of p) visit(x); return; }
    if (!p || typeof p !== 'object') return;
    if (p['Node Type'] === 'Foreign Scan' || p['Node Type'] === 'Custom Scan') foreign.push(`${p['Node Type']}${p['Relation Name'] ? ` on ${p['Relation Name']}` : ''}`);
    if (typeof p['Relation Name'] === 'string') rels.push({ schema: p.Schema, name: p['Relation Name'] });
    if (typeof p['Function Name'] === 'string') funcs.push({ schema: p.Schema, name: p['Function Name'] });
    for (const [k, v] of Object.entries(p)) {
      if (k === 'Plans' || k === 'Plan') visit(v);
      else if (typeof v === 'string' && k !== 'Node Type' && k !== 'Relation Name' && k !== 'Schema' && k !== 'Alias') text(v);
      else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') text(x);
    }
  };
  visit(raw);
  return { funcs, rels, foreign };
}

export interface ProcInfo { oid: number; signature: string; schema: string; name: string; volatility: string; language: string; owner: string; ownerOid: number }

/** Why calling this function from --analyze is refused, or undefined when it is safe. */
export function procRefusal(p: ProcInfo): string | undefined {
  const what = `${p.signature} (${{ i: 'immutable', s: 'stable', v: 'volatile' }[p.volatility] ?? p.volatility}, ${p.language}, owned by ${p.owner})`;
  const builtin = p.oid < FIRST_NORMAL_OID && p.schema === 'pg_catalog' && p.ownerOid === 10 && ['internal', 'c', 'sql'].includes(p.language);
  if (!builtin) return `${what} is not one of PostgreSQL's own functions`;
  if (DENIED.has(p.name)) return `${what} reaches outside the query`;
  if (p.volatility === 'v' && !VOLATILE_OK.has(p.name)) return `${what} is volatile: it may change something outside the read-only transaction`;
  return undefined;
}

const arr = (names: Name[]) => [names.map((n) => n.schema ?? ''), names.map((n) => n.name)];

/**
 * Judges everything the statement can run; the refusal (one line) or undefined when it is safe to
 * execute. `plan` is EXPLAIN (VERBOSE, FORMAT JSON) of the same statement. Runs inside the caller's
 * read-only transaction; only catalog reads.
 */
export async function analyzeGuard(s: LiveSession, node: unknown, plan: unknown): Promise<string | undefined> {
  const lead = '--analyze runs the query, and';
  const tail = 'dbe refuses to run it (plain EXPLAIN, without --analyze, shows the plan without running anything)';
  const text = namesOf(node);
  const fromPlan = planNames(plan);
  if (fromPlan.foreign.length) return `${lead} its plan has a ${fromPlan.foreign[0]} (data from outside this server): ${tail}`;

  // relations: named in the statement (CTE names aside) and scanned by the plan
  const relNames = [...text.rels.filter((r) => r.schema || !text.ctes.has(r.name)), ...fromPlan.rels];
  const resolved = (await s.query<{ i: number; oid: number | null }>(`${DBE_MARK} SELECT i::int, (SELECT c.oid::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = r.name AND (CASE WHEN r.schema = '' THEN pg_table_is_visible(c.oid) ELSE n.nspname = r.schema END) LIMIT 1) AS oid
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS r(schema, name, i)`, arr(relNames))).rows;
  const unresolved = resolved.filter((r) => r.oid === null).map((r) => relNames[r.i - 1]);
  const realMissing = unresolved.filter((r) => !(r.schema === undefined && text.ctes.has(r.name)));
  if (realMissing.length) return `${lead} dbe cannot find the relation ${realMissing[0].schema ? realMissing[0].schema + '.' : ''}${realMissing[0].name} in the catalog to check what it runs: ${tail}`;

  // follow views (rewrite rules), row-level-security policies and children to what they depend on
  const procs = new Set<number>(), ops = new Set<number>(), rels = new Set<number>(), types = new Set<number>();
  let frontier = resolved.map((r) => r.oid!).filter((o) => !rels.has(o));
  while (frontier.length) {
    for (const o of frontier) rels.add(o);
    const deps = (await s.query<{ kind: string; oid: number }>(`${DBE_MARK}
      WITH rel AS (SELECT unnest($1::int[])::oid AS oid),
      src AS (
        SELECT 'pg_rewrite'::regclass AS classid, r.oid AS objid FROM pg_rewrite r JOIN rel ON r.ev_class = rel.oid
        UNION ALL SELECT 'pg_policy'::regclass, p.oid FROM pg_policy p JOIN rel ON p.polrelid = rel.oid
      )
      SELECT CASE d.refclassid WHEN 'pg_proc'::regclass THEN 'proc' WHEN 'pg_operator'::regclass THEN 'op' WHEN 'pg_class'::regclass THEN 'rel' WHEN 'pg_type'::regclass THEN 'type' END AS kind, d.refobjid::int AS oid
        FROM pg_depend d JOIN src ON d.classid = src.classid AND d.objid = src.objid
        WHERE d.refclassid IN ('pg_proc'::regclass, 'pg_operator'::regclass, 'pg_class'::regclass, 'pg_type'::regclass)
      UNION SELECT 'rel', i.inhrelid::int FROM pg_inherits i JOIN rel ON i.inhparent = rel.oid
      UNION SELECT 'type', a.atttypid::int FROM pg_attribute a JOIN rel ON a.attrelid = rel.oid WHERE a.attnum > 0 AND NOT a.attisdropped
      UNION SELECT 'kind:' || c.relkind::text, c.oid::int FROM pg_class c JOIN rel ON c.oid = rel.oid`, [frontier])).rows;
    const next: number[] = [];
    for (const d of deps) {
      if (d.kind === 'proc') procs.add(d.oid);
      else if (d.kind === 'op') ops.add(d.oid);
      else if (d.kind === 'type') types.add(d.oid);
      else if (d.kind === 'rel' && !rels.has(d.oid)) next.push(d.oid);
      else if (d.kind === 'kind:f') {
        const name = (await s.query<{ n: string }>(`${DBE_MARK} SELECT $1::int::oid::regclass::text AS n`, [d.oid])).rows[0].n;
        return `${lead} it reads the foreign table ${name} (data fetched from outside this server): ${tail}`;
      }
    }
    frontier = [...new Set(next)];
  }

  // the statement's own functions, operators and cast targets, every visible candidate of each name
  const [fs, fn] = arr([...text.funcs]);
  const f = (await s.query<{ i: number; oids: number[] | null }>(`${DBE_MARK} SELECT i::int, (SELECT array_agg(p.oid::int) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.proname = x.name AND (CASE WHEN x.schema = '' THEN pg_function_is_visible(p.oid) ELSE n.nspname = x.schema END)) AS oids
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(schema, name, i)`, [fs, fn])).rows;
  for (const r of f) {
    if (!r.oids) { const n = text.funcs[r.i - 1]; return `${lead} dbe cannot find the function ${n.schema ? n.schema + '.' : ''}${n.name} in the catalog: ${tail}`; }
    for (const o of r.oids) procs.add(o);
  }
  // names in the plan's expressions: keywords (ANY, ROW, SubPlan ...) match no function and are skipped
  const [ps, pn] = arr(fromPlan.funcs);
  for (const r of (await s.query<{ oid: number }>(`${DBE_MARK} SELECT p.oid::int AS oid FROM unnest($1::text[], $2::text[]) AS x(schema, name)
      JOIN pg_proc p ON p.proname = x.name JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE CASE WHEN x.schema = '' THEN pg_function_is_visible(p.oid) ELSE n.nspname = x.schema END`, [ps, pn])).rows) procs.add(r.oid);
  const [os_, on] = arr(text.ops);
  for (const r of (await s.query<{ oid: number }>(`${DBE_MARK} SELECT o.oid::int AS oid FROM unnest($1::text[], $2::text[]) AS x(schema, name)
      JOIN pg_operator o ON o.oprname = x.name JOIN pg_namespace n ON n.oid = o.oprnamespace
      WHERE CASE WHEN x.schema = '' THEN pg_operator_is_visible(o.oid) ELSE n.nspname = x.schema END`, [os_, on])).rows) ops.add(r.oid);
  const [ts, tn] = arr(text.types);
  const castTargets = (await s.query<{ i: number; oid: number | null }>(`${DBE_MARK} SELECT i::int, (SELECT t.oid::int FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typname = x.name AND (CASE WHEN x.schema = '' THEN pg_type_is_visible(t.oid) ELSE n.nspname = x.schema END) LIMIT 1) AS oid
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(schema, name, i)`, [ts, tn])).rows;
  for (const r of castTargets) {
    if (r.oid === null) { const n = text.types[r.i - 1]; return `${lead} dbe cannot find the type ${n.schema ? n.schema + '.' : ''}${n.name} in the catalog: ${tail}`; }
    types.add(r.oid);
  }

  // types in play: what each is made of; a type PostgreSQL does not ship is refused
  const typeRows = (await s.query<{ oid: number; name: string; builtin: boolean; typtype: string; category: string; elem: number; base: number; rel: number; checks: number[] | null }>(`${DBE_MARK}
    WITH RECURSIVE t(oid) AS (
      SELECT unnest($1::int[])::oid
      UNION SELECT x.next FROM t JOIN pg_type ty ON ty.oid = t.oid
        CROSS JOIN LATERAL (VALUES (NULLIF(ty.typelem, 0)), (NULLIF(ty.typbasetype, 0)), ((SELECT NULLIF(r.rngsubtype, 0) FROM pg_range r WHERE r.rngtypid = ty.oid))) AS x(next)
        WHERE x.next IS NOT NULL
    )
    SELECT ty.oid::int AS oid, ty.oid::regtype::text AS name, ty.oid < ${FIRST_NORMAL_OID} AS builtin, ty.typtype::text AS typtype, ty.typcategory::text AS category, ty.typelem::int AS elem, ty.typbasetype::int AS base, ty.typrelid::int AS rel,
      (SELECT array_agg(d.refobjid::int) FROM pg_constraint c JOIN pg_depend d ON d.classid = 'pg_constraint'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_proc'::regclass WHERE c.contypid = ty.oid) AS checks
    FROM t JOIN pg_type ty ON ty.oid = t.oid`, [[...types]])).rows;
  const inPlay = new Set<number>();
  for (const t of typeRows) {
    inPlay.add(t.oid);
    for (const c of t.checks ?? []) procs.add(c);
    if (t.builtin) continue;
    if (t.typtype === 'e' || t.typtype === 'd') continue; // enum: built-in comparisons; domain: its base type is in the list, its checks above
    if (t.typtype === 'c' && t.rel) continue; // a table's row type: its columns' types are in the list through the relation
    if (t.typtype === 'b' && t.category === 'A' && t.elem) continue; // an array: its element type is in the list
    return `${lead} it uses the type ${t.name}, which is not one of PostgreSQL's own (its comparison, hashing and I/O functions cannot be vouched for): ${tail}`;
  }

  // casts between the types in play, or between two built-in types (a superuser's own casts)
  for (const r of (await s.query<{ oid: number }>(`${DBE_MARK} SELECT c.castfunc::int AS oid FROM pg_cast c
      WHERE c.castfunc <> 0 AND c.oid >= ${FIRST_NORMAL_OID} AND (c.castsource = ANY($1::int[]::oid[]) OR c.casttarget = ANY($1::int[]::oid[]) OR (c.castsource < ${FIRST_NORMAL_OID} AND c.casttarget < ${FIRST_NORMAL_OID}))`, [[...inPlay]])).rows) procs.add(r.oid);
  // operators: their function and the planner's estimators
  if (ops.size) {
    for (const r of (await s.query<{ oid: number }>(`${DBE_MARK} SELECT DISTINCT x.oid::int AS oid FROM pg_operator o CROSS JOIN LATERAL (VALUES (o.oprcode::oid), (o.oprrest::oid), (o.oprjoin::oid)) AS x(oid)
        WHERE o.oid = ANY($1::int[]::oid[]) AND x.oid <> 0`, [[...ops]])).rows) procs.add(r.oid);
  }
  // aggregates' transition and final functions
  if (procs.size) {
    for (const r of (await s.query<{ oid: number }>(`${DBE_MARK} SELECT DISTINCT x.oid::int AS oid FROM pg_aggregate a
        CROSS JOIN LATERAL (VALUES (a.aggtransfn::oid), (a.aggfinalfn::oid), (a.aggcombinefn::oid), (a.aggserialfn::oid), (a.aggdeserialfn::oid), (a.aggmtransfn::oid), (a.aggminvtransfn::oid), (a.aggmfinalfn::oid)) AS x(oid)
        WHERE a.aggfnoid = ANY($1::int[]::oid[]) AND x.oid <> 0`, [[...procs]])).rows) procs.add(r.oid);
  }
  if (!procs.size) return undefined;
  const info = (await s.query<ProcInfo>(`${DBE_MARK} SELECT p.oid::int AS oid, p.oid::regprocedure::text AS signature, n.nspname AS schema, p.proname AS name,
      p.provolatile::text AS volatility, l.lanname AS language, pg_get_userbyid(p.proowner) AS owner, p.proowner::int AS "ownerOid"
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
    WHERE p.oid = ANY($1::int[]::oid[]) ORDER BY p.oid DESC`, [[...procs]])).rows;
  if (info.length !== procs.size) return `${lead} dbe cannot find every function it calls in the catalog: ${tail}`;
  for (const p of info) {
    const why = procRefusal(p);
    if (why) return `${lead} it can call ${why}: ${tail}`;
  }
  return undefined;
}
