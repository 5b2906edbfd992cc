// Name resolution for unknown-relation and unknown-column: walks a query statement (SELECT, INSERT,
// UPDATE, DELETE, MERGE) with its scopes (FROM items, aliases, CTEs, subqueries, outer queries) and
// lists the relation and column names the replayed schema does not have. Whenever the model cannot be
// sure (an item whose columns it does not know, a schema it only partly sees, a name defined later in
// the project), the name is left alone: a wrong "does not exist" costs more than a missing one.
import { distance } from 'fastest-levenshtein';
import * as path from 'node:path';
import type { Fix, SourceFile } from '../../model';
import type { Schema, Table } from '../../schema';
import { kindOf, strings } from '../../sql/ast';
import { quoteIdent, quoteQualifiedPart } from '../../sql/ident';
import type { Node } from '../../sql/parse';
import { nameParts } from '../../lsp/symbols';
import type { StatementContext } from '../types';
import { isDownStatement } from '../../model';
import { MYSQL_STATEMENT } from '../../dialects/types';
import { readMySqlDdl, type MySqlDdl } from '../../dialects/mysql/ddl';

export interface UnknownName { kind: 'relation' | 'column'; start: number; end: number; message: string; fixes: Fix[] }

/** System columns every table has. */
const SYSTEM_COLUMNS = new Set(['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid', 'oid']);
const SYSTEM_SCHEMAS = /^(pg_catalog|information_schema|pg_toast|pg_temp\w*)$/;
const MYSQL_SYSTEM_SCHEMAS = /^(mysql|sys|performance_schema|information_schema)$/;

interface Item {
  /** Name the query refers to it by (alias, else the relation's name). */
  ref: string;
  /** Columns it has besides the table's (added by the same ALTER TABLE). */
  extra?: Set<string>;
  /** Schema of an unaliased relation (so that `s.t.col` resolves). */
  schema?: string;
  table?: Table;
  /** True when the item's columns are not known (subquery, function, CTE, unknown relation...). */
  opaque: boolean;
}

interface Scope { items: Item[]; parent?: Scope; outputs: Set<string> }

/** Cache: both rules ask for the same statement against the same schema state. */
const cache = new WeakMap<object, { schema: Schema; version: number; out: UnknownName[] }>();

export function unknownNames(ctx: StatementContext): UnknownName[] {
  const hit = cache.get(ctx.stmt);
  if (hit && hit.schema === ctx.schema && hit.version === ctx.schema.version) return hit.out;
  const out: UnknownName[] = [];
  // a throw reaches the engine, which records it as an internal error (never a silent skip)
  new Resolver(ctx, out).statement(ctx.kind, ctx.node);
  cache.set(ctx.stmt, { schema: ctx.schema, version: ctx.schema.version, out });
  return out;
}

export const QUERY_KINDS = new Set([
  'SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt',
  // DDL where the names are unambiguous: view and CREATE TABLE AS queries, index columns, the table
  // an ALTER TABLE changes, the table and columns a foreign key references
  'ViewStmt', 'CreateTableAsStmt', 'IndexStmt', 'AlterTableStmt', 'CreateStmt',
]);

/** True when the statement is one the rules judge at all. */
export function judged(ctx: StatementContext): boolean {
  if (!QUERY_KINDS.has(ctx.kind) || ctx.stmt.templated || ctx.runner.down || isDownStatement(ctx.stmt)) return false;
  // no schema known at all (a lone query file): nothing to judge against
  if (ctx.schema.tables.size === 0) return false;
  return true;
}

// --- names defined later in the project (the replay order may not be the order the user runs) ---

interface Later {
  files: readonly SourceFile[]; rank: Map<string, number>; relations: Map<string, Pos>; columns: Map<string, Pos>;
  /**
   * True when the project's own DDL changes a table or column that none of its SQL creates (kratos
   * creates tables in .fizz migrations, Rails in .rb ones): the SQL files do not hold the whole
   * schema, so a name with no close match may well exist.
   */
  incomplete: boolean;
}
interface Pos { rank: number; start: number }
let later: Later | undefined;

/** What one file defines and changes (cached per SourceFile: an edit rebuilds only the edited file's). */
interface FileFacts { rels: [string, number][]; cols: [string, number][]; changedRels: string[]; changedCols: string[] }
const fileFacts = new WeakMap<SourceFile, FileFacts>();

function factsOf(f: SourceFile): FileFacts {
  const hit = fileFacts.get(f);
  if (hit) return hit;
  const facts: FileFacts = { rels: [], cols: [], changedRels: [], changedCols: [] };
  const rel = (name: string | undefined, at: number) => { if (name) facts.rels.push([name, at]); };
  const col = (name: string | undefined, at: number) => { if (name) facts.cols.push([name, at]); };
  const changedRel = (rv: Node | undefined) => { if (rv?.relname && !(rv.schemaname && SYSTEM_SCHEMAS.test(rv.schemaname)) && !rv.relname.includes('___')) facts.changedRels.push(rv.relname); };
  for (const s of f.statements) {
    const n = s.node;
    if (!n || isDownStatement(s)) continue;
    const at = s.start;
    if (s.kind === MYSQL_STATEMENT) { mySqlFacts(readMySqlDdl(s.text), at, facts); continue; }
    switch (s.kind) {
      case 'CreateStmt':
        rel(n.relation?.relname, at);
        for (const el of n.tableElts ?? []) col(el.ColumnDef?.colname, at);
        break;
      case 'CreateForeignTableStmt': rel(n.base?.relation?.relname, at); break;
      case 'ViewStmt':
        rel(n.view?.relname, at);
        for (const a of [...strings(n.aliases), ...outputNames(n.query)]) col(a, at);
        break;
      case 'CreateTableAsStmt': {
        const into = n.into?.IntoClause ?? n.into;
        rel(into?.rel?.relname, at);
        for (const a of [...strings(into?.colNames), ...outputNames(n.query)]) col(a, at);
        break;
      }
      case 'SelectStmt':
        if (n.intoClause) { rel(n.intoClause.rel?.relname, at); for (const a of outputNames({ SelectStmt: n })) col(a, at); }
        break;
      case 'CreateSeqStmt': rel(n.sequence?.relname, at); break;
      case 'RenameStmt':
        if (n.renameType === 'OBJECT_COLUMN') col(n.newname, at); else rel(n.newname, at);
        break;
      case 'AlterTableStmt':
        if ((!n.objtype || n.objtype === 'OBJECT_TABLE') && !n.missing_ok) changedRel(n.relation);
        for (const c of n.cmds ?? []) {
          const cmd = c.AlterTableCmd;
          col(cmd?.def?.ColumnDef?.colname, at);
          if (cmd?.name && !cmd.missing_ok && COLUMN_CMDS.has(cmd.subtype)) facts.changedCols.push(cmd.name);
          if (cmd?.def?.Constraint?.contype === 'CONSTR_FOREIGN') changedRel(cmd.def.Constraint.pktable);
        }
        break;
      case 'IndexStmt': changedRel(n.relation); break;
      case 'DoStmt':
        // DDL inside DO blocks: the names as text (cheap, and only ever makes the rules quieter)
        for (const m of s.text.matchAll(/\b(?:table|view)\s+(?:if\s+not\s+exists\s+)?(?:"?\w+"?\.)?"?(\w+)"?/gi)) rel(m[1], at);
        for (const m of s.text.matchAll(/\badd\s+(?:column\s+)?(?:if\s+not\s+exists\s+)?"?(\w+)"?/gi)) col(m[1], at);
        break;
    }
  }
  fileFacts.set(f, facts);
  return facts;
}

/** What a MySQL DDL statement defines and changes (names lower-cased: MySQL compares them without case). */
function mySqlFacts(d: MySqlDdl | undefined, at: number, facts: FileFacts): void {
  if (!d) return;
  const rel = (n: { name: string } | undefined) => { if (n) facts.rels.push([n.name.toLowerCase(), at]); };
  const col = (n: string | undefined) => { if (n) facts.cols.push([n.toLowerCase(), at]); };
  switch (d.kind) {
    case 'create-table':
      rel(d.table);
      for (const el of d.elements) if (el.kind === 'column') col(el.column.name);
      for (const c of d.select?.columns ?? []) col(c);
      break;
    case 'create-view':
      rel(d.view);
      for (const c of [...(d.columnNames ?? []), ...d.someColumns]) col(c);
      break;
    case 'rename-table': for (const p of d.pairs) rel(p.to); break;
    case 'alter-table':
      facts.changedRels.push(d.table.name.toLowerCase());
      for (const a of d.actions) {
        if (a.kind === 'add-columns') for (const c of a.columns) col(c.name);
        else if (a.kind === 'change') { col(a.column.name); facts.changedCols.push(a.from.toLowerCase()); }
        else if (a.kind === 'rename-column') { col(a.to); facts.changedCols.push(a.from.toLowerCase()); }
        else if (a.kind === 'rename-table') rel(a.to);
        else if (a.kind === 'modify') facts.changedCols.push(a.column.name.toLowerCase());
      }
      break;
    case 'routine': for (const i of d.inner) mySqlFacts(i.ddl, at, facts); break;
  }
}

function laterDefinitions(ctx: StatementContext): Later {
  const files = ctx.files();
  if (later?.files === files) return later;
  const rank = new Map<string, number>();
  const relations = new Map<string, Pos>(), columns = new Map<string, Pos>();
  // tables and columns the project's DDL changes (checked against what it creates, below)
  const changedRels = new Set<string>(), changedCols = new Set<string>();
  // the last place each name is defined (files in order, statements in order within a file)
  files.forEach((f, i) => {
    rank.set(f.path, i);
    if (!f.replayed) return;
    const facts = factsOf(f);
    for (const [name, start] of facts.rels) relations.set(name, { rank: i, start });
    for (const [name, start] of facts.cols) columns.set(name, { rank: i, start });
    for (const r of facts.changedRels) changedRels.add(r);
    for (const c of facts.changedCols) changedCols.add(c);
  });
  // a changed name close to a created one is a typo (reported), not evidence
  let incomplete = false;
  for (const r of changedRels) if (!relations.has(r) && !closest(r, relations.keys()).length) { incomplete = true; break; }
  if (!incomplete) for (const c of changedCols) if (!columns.has(c) && !closest(c, columns.keys()).length) { incomplete = true; break; }
  later = { files, rank, relations, columns, incomplete };
  return later;
}

/** The output names of a query (aliases, plain column references), through set operations. */
function outputNames(q: Node | undefined): string[] {
  const sel = q?.SelectStmt;
  if (!sel) return [];
  if (sel.op && sel.op !== 'SETOP_NONE') return [...outputNames({ SelectStmt: sel.larg }), ...outputNames({ SelectStmt: sel.rarg })];
  const out: string[] = [];
  for (const rt of sel.targetList ?? []) {
    const r = rt.ResTarget;
    if (r?.name) out.push(r.name);
    else if (r?.val?.ColumnRef) { const f = strings(r.val.ColumnRef.fields); if (f.length && f[f.length - 1] !== '*') out.push(f[f.length - 1]); }
  }
  return out;
}

/** ALTER TABLE subcommands that name an existing column. */
const COLUMN_CMDS = new Set(['AT_AlterColumnType', 'AT_SetNotNull', 'AT_DropNotNull', 'AT_ColumnDefault', 'AT_DropColumn', 'AT_SetStatistics', 'AT_SetStorage', 'AT_AddIdentity', 'AT_DropIdentity']);

/** True when the project's SQL demonstrably lacks part of its schema (see Later.incomplete). */
function incompleteProject(ctx: StatementContext): boolean { return laterDefinitions(ctx).incomplete; }

function definedLater(ctx: StatementContext, m: 'relations' | 'columns', name: string): boolean {
  const l = laterDefinitions(ctx);
  const p = l[m].get(name);
  if (!p) return false;
  const here = l.rank.get(ctx.file.path) ?? -1;
  return p.rank > here || (p.rank === here && p.start > ctx.stmt.start);
}

// --- suggestions ---

/** Candidates within a small edit distance (at most 2, and a third of the name): best first, ties kept. */
export function closest(name: string, candidates: Iterable<string>): string[] {
  const limit = Math.min(2, Math.floor(name.length / 3));
  if (limit < 1) return [];
  let best = limit + 1;
  let out: string[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c) || c === name) continue;
    seen.add(c);
    if (Math.abs(c.length - name.length) > limit) continue;
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < best) { best = d; out = [c]; } else if (d === best) out.push(c);
  }
  return best <= limit ? out : [];
}

function fileName(p: string): string { return path.basename(p); }

function list(names: string[]): string {
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

class Resolver {
  private ctes = new Set<string>();
  private readonly text: string;
  constructor(private readonly ctx: StatementContext, private readonly out: UnknownName[]) {
    this.text = ctx.file.text;
  }

  statement(kind: string | undefined, n: Node, parent?: Scope): void {
    if (!n) return;
    switch (kind) {
      case 'SelectStmt': this.select(n, parent); break;
      case 'InsertStmt': this.insert(n, parent); break;
      case 'UpdateStmt': this.update(n, parent); break;
      case 'DeleteStmt': this.delete(n, parent); break;
      case 'MergeStmt': this.merge(n, parent); break;
      case 'ViewStmt': if (n.query?.SelectStmt) this.select(n.query.SelectStmt, parent); break;
      case 'CreateTableAsStmt': if (n.query?.SelectStmt) this.select(n.query.SelectStmt, parent); break;
      case 'IndexStmt': this.index(n); break;
      case 'AlterTableStmt': this.alterTable(n); break;
      case 'CreateStmt': this.createTable(n); break;
    }
  }

  private index(n: Node): void {
    const target = this.relation(n.relation);
    if (!target) return;
    const scope = this.targetScope(n.relation, target);
    const from = this.ctx.offset(n.relation.location);
    for (const p of n.indexParams ?? []) {
      const e = p.IndexElem;
      if (e?.name) this.targetName(e.name, -1, target, from);
      else this.expr(e?.expr, scope);
    }
    for (const p of n.indexIncludingParams ?? []) if (p.IndexElem?.name) this.targetName(p.IndexElem.name, -1, target, from);
    this.expr(n.whereClause, scope);
  }

  private alterTable(n: Node): void {
    if (n.objtype && n.objtype !== 'OBJECT_TABLE') return;
    // IF EXISTS: a missing table is expected
    const target = n.missing_ok ? this.known(n.relation) : this.relation(n.relation);
    // a CHECK may name columns the same statement adds
    const added = new Set<string>();
    for (const c of n.cmds ?? []) { const name = c.AlterTableCmd?.def?.ColumnDef?.colname; if (name) added.add(name); }
    const scoped = target && { ...target, extra: added };
    for (const c of n.cmds ?? []) {
      const k = c.AlterTableCmd?.def?.Constraint;
      if (k?.contype === 'CONSTR_FOREIGN') this.references(k, n.relation);
      else if (k?.contype === 'CONSTR_CHECK' && scoped) this.expr(k.raw_expr, this.targetScope(n.relation, scoped));
    }
  }

  private createTable(n: Node): void {
    for (const el of n.tableElts ?? []) {
      if (el.Constraint?.contype === 'CONSTR_FOREIGN') this.references(el.Constraint, n.relation);
      for (const c of el.ColumnDef?.constraints ?? []) if (c.Constraint?.contype === 'CONSTR_FOREIGN') this.references(c.Constraint, n.relation);
    }
  }

  /** A foreign key's referenced table and columns (a table referencing itself is being created: skipped). */
  private references(k: Node, owner: Node | undefined): void {
    const rv = k.pktable;
    if (!rv?.relname) return;
    if (owner && owner.relname === rv.relname && (owner.schemaname ?? 'public') === (rv.schemaname ?? 'public')) return;
    const target = this.relation(rv);
    if (!target?.table || target.opaque) return;
    const from = this.ctx.offset(rv.location);
    for (const c of strings(k.pk_attrs)) this.targetName(c, -1, target, from);
  }

  /** The relation as an item when the schema has it (no report when it does not). */
  private known(rv: Node | undefined): Item | undefined {
    if (!rv?.relname) return undefined;
    const t = this.ctx.schema.table(rv.schemaname, rv.relname);
    return t ? { ref: rv.alias?.aliasname ?? rv.relname, table: t, opaque: !!t.columnsUnknown } : undefined;
  }

  private withClause(w: Node | undefined, parent?: Scope): void {
    const list = w?.WithClause?.ctes ?? w?.ctes;
    if (!list) return;
    for (const c of list) if (c.CommonTableExpr?.ctename) this.ctes.add(c.CommonTableExpr.ctename);
    for (const c of list) {
      const q = c.CommonTableExpr?.ctequery;
      const k = kindOf(q);
      if (k) this.statement(k, q[k], parent);
    }
  }

  private scope(parent?: Scope): Scope { return { items: [], parent, outputs: new Set() }; }

  private select(sel: Node, parent?: Scope): void {
    this.withClause(sel.withClause, parent);
    if (sel.op && sel.op !== 'SETOP_NONE') {
      // ORDER BY / LIMIT of a set operation name its output columns: not checked
      this.select(sel.larg?.SelectStmt ?? sel.larg, parent);
      this.select(sel.rarg?.SelectStmt ?? sel.rarg, parent);
      return;
    }
    if (sel.valuesLists) { for (const v of sel.valuesLists) this.expr(v, parent ?? this.scope()); return; }
    const scope = this.scope(parent);
    for (const rt of sel.targetList ?? []) if (rt.ResTarget?.name) scope.outputs.add(rt.ResTarget.name);
    const deferred: (() => void)[] = [];
    this.from(sel.fromClause, scope, deferred);
    for (const d of deferred) d();
    for (const rt of sel.targetList ?? []) this.expr(rt.ResTarget?.val, scope);
    this.expr(sel.whereClause, scope);
    this.expr(sel.groupClause, scope);
    this.expr(sel.havingClause, scope);
    this.expr(sel.sortClause, scope);
    this.expr(sel.windowClause, scope);
    this.expr(sel.distinctClause, scope);
    this.expr(sel.limitCount, scope);
    this.expr(sel.limitOffset, scope);
  }

  private insert(n: Node, parent?: Scope): void {
    this.withClause(n.withClause, parent);
    const target = this.relation(n.relation);
    // the inserted query does not see the target
    const q = n.selectStmt;
    const k = kindOf(q);
    if (k) this.statement(k, q[k], parent);
    for (const c of n.cols ?? []) this.targetColumn(c.ResTarget, target);
    const oc = n.onConflictClause;
    if (oc) {
      for (const e of oc.infer?.InferClause?.indexElems ?? []) {
        const ie = e.IndexElem;
        if (ie?.name) this.targetName(ie.name, ie.location ?? -1, target); else this.expr(ie?.expr, this.targetScope(n.relation, target, parent));
      }
      const scope = this.targetScope(n.relation, target, parent);
      scope.items.push({ ref: 'excluded', table: target?.table, opaque: !target?.table || !!target.table.columnsUnknown });
      this.expr(oc.infer?.InferClause?.whereClause, scope);
      for (const rt of oc.targetList ?? []) { this.targetColumn(rt.ResTarget, target); this.expr(rt.ResTarget?.val, scope); }
      this.expr(oc.whereClause, scope);
    }
    // RETURNING is not checked (its output names are the user's)
  }

  private update(n: Node, parent?: Scope): void {
    this.withClause(n.withClause, parent);
    const target = this.relation(n.relation);
    const scope = this.targetScope(n.relation, target, parent);
    const deferred: (() => void)[] = [];
    this.from(n.fromClause, scope, deferred);
    for (const d of deferred) d();
    for (const rt of n.targetList ?? []) { this.targetColumn(rt.ResTarget, target); this.expr(rt.ResTarget?.val, scope); }
    this.expr(n.whereClause, scope);
  }

  private delete(n: Node, parent?: Scope): void {
    this.withClause(n.withClause, parent);
    const target = this.relation(n.relation);
    const scope = this.targetScope(n.relation, target, parent);
    const deferred: (() => void)[] = [];
    this.from(n.usingClause, scope, deferred);
    for (const d of deferred) d();
    this.expr(n.whereClause, scope);
  }

  private merge(n: Node, parent?: Scope): void {
    this.withClause(n.withClause, parent);
    const target = this.relation(n.relation);
    const scope = this.targetScope(n.relation, target, parent);
    const deferred: (() => void)[] = [];
    this.from(n.sourceRelation ? [n.sourceRelation] : [], scope, deferred);
    for (const d of deferred) d();
    this.expr(n.joinCondition, scope);
    for (const w of n.mergeWhenClauses ?? []) {
      const c = w.MergeWhenClause;
      if (!c) continue;
      this.expr(c.condition, scope);
      for (const rt of c.targetList ?? []) { this.targetColumn(rt.ResTarget, target); this.expr(rt.ResTarget?.val, scope); }
      for (const v of c.values ?? []) this.expr(v, scope);
    }
  }

  /** The scope of a DML statement's target (by alias or name). */
  private targetScope(rv: Node | undefined, target: Item | undefined, parent?: Scope): Scope {
    const scope = this.scope(parent);
    if (rv) scope.items.push(target ?? { ref: rv.alias?.aliasname ?? rv.relname, opaque: true });
    return scope;
  }

  /** A relation reference (checked), as a scope item. */
  private relation(rv: Node | undefined): Item | undefined {
    if (!rv?.relname) return undefined;
    const ref = rv.alias?.aliasname ?? rv.relname;
    const renamedCols = (rv.alias?.colnames ?? []).length > 0;
    if (!rv.schemaname && this.ctes.has(rv.relname)) return { ref, opaque: true };
    const t = this.ctx.schema.table(rv.schemaname, rv.relname);
    if (t) return { ref, schema: rv.alias ? undefined : rv.schemaname ?? t.schema, table: t, opaque: renamedCols || !!t.columnsUnknown };
    this.unknownRelation(rv);
    return { ref, opaque: true };
  }

  private from(items: Node[] | undefined, scope: Scope, deferred: (() => void)[]): void {
    for (const it of items ?? []) {
      if (it.RangeVar) {
        const item = this.relation(it.RangeVar);
        if (item) scope.items.push(item);
      } else if (it.JoinExpr) {
        const j = it.JoinExpr;
        this.from([j.larg], scope, deferred);
        this.from([j.rarg], scope, deferred);
        if (j.alias?.aliasname) scope.items.push({ ref: j.alias.aliasname, opaque: true });
        // USING / NATURAL columns are merged: not checked
        if (j.quals) deferred.push(() => this.expr(j.quals, scope));
      } else if (it.RangeSubselect) {
        const r = it.RangeSubselect;
        scope.items.push({ ref: r.alias?.aliasname ?? '', opaque: true });
        // LATERAL or not, the subquery is judged seeing every item of this FROM (only ever quieter)
        deferred.push(() => { const k = kindOf(r.subquery); if (k) this.statement(k, r.subquery[k], scope); });
      } else if (it.RangeFunction) {
        const r = it.RangeFunction;
        const fname = strings(r.functions?.[0]?.List?.items?.[0]?.FuncCall?.funcname).pop() ?? '';
        scope.items.push({ ref: r.alias?.aliasname ?? fname, opaque: true });
        deferred.push(() => this.expr(r.functions, scope));
      } else if (it.RangeTableSample) {
        const r = it.RangeTableSample;
        this.from([r.relation], scope, deferred);
      } else {
        // XMLTABLE, JSON_TABLE, ...: columns the model does not know; their insides are not judged
        const alias = inner(it)?.alias?.aliasname;
        scope.items.push({ ref: alias ?? '', opaque: true });
      }
    }
  }

  /** Walks an expression, checking its column references and judging its subqueries. */
  private expr(node: any, scope: Scope): void {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) { for (const x of node) this.expr(x, scope); return; }
    if (node.ColumnRef) { this.column(node.ColumnRef, scope); return; }
    if (node.SubLink) { this.expr(node.SubLink.testexpr, scope); const q = node.SubLink.subselect; const k = kindOf(q); if (k) this.statement(k, q[k], scope); return; }
    if (node.SelectStmt) { this.select(node.SelectStmt, scope); return; }
    for (const k in node) if (k !== 'location') this.expr(node[k], scope);
  }

  private column(cr: Node, scope: Scope): void {
    const fields: string[] = (cr.fields ?? []).map((f: Node) => (f.A_Star ? '*' : f.String?.sval));
    if (!fields.length || fields.some((f) => typeof f !== 'string') || fields[fields.length - 1] === '*') return;
    if (fields.some((f) => f.includes('___'))) return; // a template placeholder
    if (fields.length === 1) {
      const c = fields[0];
      if (SYSTEM_COLUMNS.has(c)) return;
      const tables: Table[] = [];
      let any = false;
      for (let s: Scope | undefined = scope; s; s = s.parent) {
        if (s === scope && s.outputs.has(c)) return;
        for (const it of s.items) {
          any = true;
          if (it.opaque || !it.table) return;
          if (it.ref === c || it.table.columns.has(c) || it.extra?.has(c)) return; // a column, or a whole-row reference
          tables.push(it.table);
        }
      }
      if (!any) return;
      this.unknownColumn(cr, fields, 0, tables, tables.length === 1 ? tables[0] : undefined);
      return;
    }
    let item: Item | undefined;
    let index: number;
    if (fields.length === 2) {
      item = this.find(scope, (it) => it.ref === fields[0]);
      index = 1;
    } else if (fields.length === 3) {
      // alias.column.field (composite), or schema.table.column
      item = this.find(scope, (it) => it.ref === fields[0]);
      index = 1;
      if (!item) { item = this.find(scope, (it) => it.ref === fields[1] && it.schema === fields[0]); index = 2; }
    } else return;
    const col = fields[index];
    if (!item || item.opaque || !item.table || SYSTEM_COLUMNS.has(col) || item.table.columns.has(col) || item.extra?.has(col)) return;
    this.unknownColumn(cr, fields, index, [item.table], item.table);
  }

  private find(scope: Scope, pred: (it: Item) => boolean): Item | undefined {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const hit = s.items.find(pred);
      if (hit) return hit;
    }
    return undefined;
  }

  /** A column named by INSERT's column list, UPDATE SET or ON CONFLICT: judged against the target only. */
  private targetColumn(rt: Node | undefined, target: Item | undefined): void {
    if (!rt?.name) return;
    this.targetName(rt.name, rt.location ?? -1, target);
  }

  /**
   * A column named alone (INSERT list, SET, ON CONFLICT, index key, referenced column), judged against
   * `target` only. Without a location (index keys, referenced columns) the name is found in the text
   * after `after`.
   */
  private targetName(name: string, location: number, target: Item | undefined, after?: number): void {
    if (!target?.table || target.opaque || target.table.columns.has(name) || SYSTEM_COLUMNS.has(name) || name.includes('___')) return;
    let start: number;
    if (location >= 0) start = this.ctx.offset(location);
    else {
      if (after === undefined) return;
      const at = findName(this.text, name, after, this.ctx.stmt.end, this.ctx.file.dialect.family === 'mysql');
      if (at < 0) return;
      start = at;
    }
    const parts = nameParts(this.text, start, this.ctx.stmt.end);
    if (!parts.length) return;
    this.reportColumn(name, [target.table], target.table, start, parts[0].end, parts[0], name);
  }

  /** An unknown column reference: `name` is its part at `index` (the column part of what was written). */
  private unknownColumn(cr: Node, fields: string[], index: number, tables: Table[], owner: Table | undefined): void {
    if (typeof cr.location !== 'number' || cr.location < 0) return;
    const start = this.ctx.offset(cr.location);
    const parts = nameParts(this.text, start, this.ctx.stmt.end);
    if (parts.length !== fields.length) return;
    const end = parts[parts.length - 1].end;
    this.reportColumn(fields[index], tables, owner, start, end, parts[index], this.text.slice(start, end).replace(/\s+/g, ''));
  }

  private reportColumn(name: string, tables: Table[], owner: Table | undefined, start: number, end: number, part: { start: number; end: number }, written: string): void {
    const ctx = this.ctx;
    if (ctx.schema.gaps.has('*')) return;
    if (definedLater(ctx, 'columns', name)) return;
    // the project's SQL does not hold its whole schema (it changes tables it never creates): any name may exist
    if (incompleteProject(ctx)) return;
    if (partialSchema(ctx) && !tables.every((t) => t.createdIn === ctx.file.path)) return;
    // across a rename: the column's current name
    let renamed: { table: Table; to: string; file: string } | undefined;
    for (const t of tables) {
      let cur = name, file = '';
      for (const r of ctx.schema.renames) if (r.kind === 'column' && r.table === t && r.from === cur) { cur = r.to; file = r.loc.path; }
      if (cur !== name && t.columns.has(cur)) { renamed = { table: t, to: cur, file }; break; }
    }
    const where = owner ? `${owner.name} has no column ${name}` : `no relation in scope has a column ${name}`;
    let suggestions: string[];
    let message: string;
    if (renamed) {
      suggestions = [renamed.to];
      message = `Unknown column ${written}: column ${renamed.table.name}.${name} was renamed to ${renamed.to} in ${fileName(renamed.file)}.`;
    } else {
      const cands: string[] = [];
      for (const t of tables) for (const c of t.columns.keys()) cands.push(c);
      suggestions = closest(name, cands);
      message = `Unknown column ${written} (${where})` + (suggestions.length ? `; did you mean ${list(suggestions)}?` : '.');
    }
    const fixes: Fix[] = [];
    if (suggestions.length === 1) {
      const qualified = part.start !== start;
      const newText = ctx.file.dialect.family === 'mysql' ? mySqlName(suggestions[0]) : qualified ? quoteQualifiedPart(suggestions[0]) : quoteIdent(suggestions[0]);
      fixes.push({ title: `Change to ${suggestions[0]}`, edits: [{ path: ctx.file.path, start: part.start, end: part.end, newText }] });
    }
    this.out.push({ kind: 'column', start, end, message, fixes });
  }

  private unknownRelation(rv: Node): void {
    const ctx = this.ctx, schema = ctx.schema;
    const name: string = rv.relname, sch: string | undefined = rv.schemaname;
    if (rv.catalogname || name.includes('___') || (sch && sch.includes('___'))) return;
    if (sch ? SYSTEM_SCHEMAS.test(sch) : /^pg_/.test(name)) return;
    // MySQL: DUAL, and the server's own databases
    if (ctx.file.dialect.family === 'mysql' && (name === 'dual' || (sch && MYSQL_SYSTEM_SCHEMAS.test(sch)))) return;
    if (schema.otherRelations.has(`${sch ?? 'public'}.${name}`) || /_seq$/.test(name)) return;
    if (!sch) { for (const k of schema.otherRelations) if (k.endsWith(`.${name}`)) return; }
    if (schema.gaps.has('*') || partialSchema(ctx)) return;
    if (sch) {
      // a schema the project never creates is someone else's (supabase's auth, storage...)
      if (sch !== 'public' && !schema.namespaces.has(sch)) return;
      if (schema.gaps.has(sch)) return;
      if (schema.searchPathChanged && schema.table(undefined, name)) return;
    } else if (schema.gaps.size) return;
    if (definedLater(ctx, 'relations', name)) return;
    if (incompleteProject(ctx)) return;
    if (typeof rv.location !== 'number' || rv.location < 0) return;
    const start = ctx.offset(rv.location);
    const parts = nameParts(this.text, start, ctx.stmt.end);
    const count = (sch ? 2 : 1) + (rv.catalogname ? 1 : 0);
    if (parts.length !== count) return;
    const last = parts[parts.length - 1];
    const written = this.text.slice(start, last.end).replace(/\s+/g, '');
    let suggestions: string[] = [];
    let message: string;
    const rename = schema.renames.find((r) => r.kind === 'relation' && r.from === name && (!sch || r.table.schema === sch) && schema.tables.get(r.table.key) === r.table);
    if (rename) {
      suggestions = [rename.table.name];
      message = `Unknown table or view ${written}: ${name} was renamed to ${rename.table.name} in ${fileName(rename.loc.path)}.`;
    } else {
      const cands: string[] = [];
      for (const t of schema.tables.values()) if (!sch || t.schema === sch) cands.push(t.name);
      suggestions = closest(name, cands);
      // a name far from every relation the project creates more often means a schema it does not
      // hold (tables an ORM, another repository or another migration format creates) than a typo
      if (!suggestions.length) return;
      message = `Unknown table or view ${written}; did you mean ${list(suggestions)}?`;
    }
    const fixes: Fix[] = [];
    if (suggestions.length === 1) {
      const newText = ctx.file.dialect.family === 'mysql' ? mySqlName(suggestions[0]) : sch ? quoteQualifiedPart(suggestions[0]) : quoteIdent(suggestions[0]);
      fixes.push({ title: `Change to ${suggestions[0]}`, edits: [{ path: ctx.file.path, start: last.start, end: last.end, newText }] });
    }
    this.out.push({ kind: 'relation', start, end: last.end, message, fixes });
  }
}

/** Where `name` is written as an identifier (quoted, or bare when it is lowercase) in text[from, to), or -1. */
function findName(text: string, name: string, from: number, to: number, mysql = false): number {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // MySQL: `name` (any case: names were lower-cased by the lowering), or bare
  if (mysql) {
    const re = new RegExp(`\`${esc.replace(/`/g, '``')}\`|(?<![A-Za-z0-9_$\`])${esc}(?![A-Za-z0-9_$\`])`, 'gi');
    re.lastIndex = from;
    const m = re.exec(text);
    return m && m.index < to ? m.index : -1;
  }
  const quoted = '"' + name.replace(/"/g, '""').replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '"';
  const alts = /^[a-z_][a-z0-9_$]*$/.test(name) ? `${quoted}|(?<![A-Za-z0-9_$"])${esc}(?![A-Za-z0-9_$"])` : quoted;
  const re = new RegExp(alts, /^[a-z_][a-z0-9_$]*$/.test(name) ? 'gi' : 'g');
  re.lastIndex = from;
  const m = re.exec(text);
  return m && m.index < to ? m.index : -1;
}

function inner(n: Node | undefined): Node | undefined {
  const k = kindOf(n);
  return k ? n![k] : undefined;
}

/** True in Restricted Mode (the project holds only the open files: the schema is partial). */
function partialSchema(ctx: StatementContext): boolean {
  return !!ctx.partialSchema;
}

/** A name as a MySQL fix writes it: bare when plain, else in backticks. */
function mySqlName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) ? name : '`' + name.replace(/`/g, '``') + '`';
}
