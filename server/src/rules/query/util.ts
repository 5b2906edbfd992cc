// Shared helpers of the query rules: finding every query block of a statement (SELECT, its set-operation
// branches, UPDATE, DELETE), resolving the relations of its FROM clause against the workspace schema,
// resolving column references to tables, and turning AST locations into ranges.
import { quoteIdent as quoteIdentifier, quoteQualifiedPart } from '../../sql/ident';
import type { Index, Schema, Table } from '../../schema';
import { firstLocation, kindOf, shape, strings, walk } from '../../sql/ast';
import { parseStatement, tokens, type Node, type Token } from '../../sql/parse';
import { splitStatements } from '../../sql/split';
import { fileOffset } from '../../replay';
import type { Statement } from '../../model';
import { fileTokens, tokenIndexAt } from '../../sql/spans';
import type { StatementContext } from '../types';
import { isAppliedMigration } from '../../engine/placement';

/** One relation of a FROM clause. */
export interface Rel {
  /** Name the query refers to it by: alias, else the relation's name. */
  ref: string;
  kind: 'table' | 'cte' | 'subquery' | 'function' | 'other';
  /** The RangeVar payload for tables and CTE references. */
  rv?: Node;
  /** The known table or view, when the schema has it. */
  table?: Table;
  /** True for system catalog relations (pg_*, information_schema). */
  catalog?: boolean;
}

/** A query block: a SELECT (or one branch of a set operation), an UPDATE or a DELETE. */
export interface Block {
  kind: 'select' | 'update' | 'delete';
  node: Node;
  /** Relations in scope for this block (FROM, joins, UPDATE target, DELETE USING). */
  rels: Rel[];
  /** Filter expressions: WHERE and JOIN ... ON. */
  filters: { where: 'WHERE' | 'JOIN ON'; expr: Node }[];
  /** Enclosing blocks, innermost first (for correlated column references). */
  outer: Block[];
  /** True when this SELECT is the body of an EXISTS (...) (directly or as a set-operation branch). */
  inExists: boolean;
  /** Kind of the nearest enclosing SubLink, if any (e.g. 'ANY_SUBLINK', 'EXPR_SUBLINK'). */
  subLink?: string;
  /** True when this SELECT is a subquery in the WHERE clause of an UPDATE or DELETE. */
  dmlFilter?: boolean;
  /** Parameter names of the enclosing SQL function (an unqualified name may be one of them, not a column). */
  params?: Set<string>;
}

const CATALOG_SCHEMAS = new Set(['pg_catalog', 'information_schema']);

export function isCatalogRangeVar(rv: Node): boolean {
  if (rv.schemaname && CATALOG_SCHEMAS.has(rv.schemaname)) return true;
  return !rv.schemaname && /^pg_/.test(rv.relname ?? '');
}

/** Names of every CTE defined anywhere in the statement (a reference by one of these names is not a table). */
export function cteNames(root: Node): Set<string> {
  const out = new Set<string>();
  walk(root, (kind, n) => { if (kind === 'CommonTableExpr' && n.ctename) out.add(n.ctename); });
  return out;
}

function collectRels(items: Node[] | undefined, schema: Schema, ctes: Set<string>, out: Rel[], filters: Block['filters']): void {
  for (const it of items ?? []) {
    if (it.RangeVar) {
      const rv = it.RangeVar;
      const ref = rv.alias?.aliasname ?? rv.relname;
      if (!rv.schemaname && ctes.has(rv.relname)) out.push({ ref, kind: 'cte', rv });
      else out.push({ ref, kind: 'table', rv, table: schema.table(rv.schemaname, rv.relname), catalog: isCatalogRangeVar(rv) });
    } else if (it.JoinExpr) {
      const j = it.JoinExpr;
      collectRels([j.larg], schema, ctes, out, filters);
      collectRels([j.rarg], schema, ctes, out, filters);
      if (j.quals) filters.push({ where: 'JOIN ON', expr: j.quals });
    } else if (it.RangeSubselect) {
      out.push({ ref: it.RangeSubselect.alias?.aliasname ?? '', kind: 'subquery' });
    } else if (it.RangeFunction) {
      out.push({ ref: it.RangeFunction.alias?.aliasname ?? '', kind: 'function' });
    } else {
      out.push({ ref: '', kind: 'other' });
    }
  }
}

/** True when the FROM clause has JOIN ... USING or NATURAL JOIN anywhere (merged output columns). */
export function hasMergedJoin(items: Node[] | undefined): boolean {
  let found = false;
  walk({ List: { items: items ?? [] } }, (kind, n) => {
    if (kind === 'RangeSubselect') return false;
    if (kind === 'JoinExpr' && (n.isNatural || (n.usingClause ?? []).length)) found = true;
  });
  return found;
}

/**
 * Every query block of a statement, outer blocks before inner ones. Set-operation branches (which the
 * parser leaves unwrapped in larg/rarg) are blocks of their own.
 */
export function queryBlocks(root: Node, schema: Schema, knownParams?: Set<string>): Block[] {
  const ctes = cteNames(root);
  const out: Block[] = [];
  const params = knownParams ?? (root.CreateFunctionStmt ? functionParams(root.CreateFunctionStmt) : new Set<string>());
  const byNode = new Map<Node, Block>();
  const seen = new Set<Node>();

  const outerOf = (parents: { kind: string; node: Node }[]): Block[] => {
    const res: Block[] = [];
    for (let i = parents.length - 1; i >= 0; i--) {
      const b = byNode.get(parents[i].node);
      if (b) res.push(b);
    }
    return res;
  };

  const addSelect = (sel: Node, parents: { kind: string; node: Node; key: string }[], extra: Partial<Block>) => {
    if (seen.has(sel)) return;
    seen.add(sel);
    const rels: Rel[] = [];
    const filters: Block['filters'] = [];
    collectRels(sel.fromClause, schema, ctes, rels, filters);
    if (sel.whereClause) filters.unshift({ where: 'WHERE', expr: sel.whereClause });
    const b: Block = { kind: 'select', node: sel, rels, filters, outer: outerOf(parents), inExists: false, params, ...extra };
    out.push(b);
    byNode.set(sel, b);
    for (const side of ['larg', 'rarg']) {
      const branch = sel[side]?.SelectStmt ?? sel[side];
      if (branch && typeof branch === 'object') addSelect(branch, parents, extra);
    }
  };

  walk(root, (kind, n, parents) => {
    if (kind === 'SelectStmt') {
      // nearest SubLink above, with no other query block in between
      let subLink: string | undefined;
      let dmlFilter = false;
      for (let i = parents.length - 1; i >= 0; i--) {
        const p = parents[i];
        if (p.kind === 'SubLink') {
          subLink = p.node.subLinkType;
          // a subquery in UPDATE/DELETE WHERE (possibly under AND/OR)
          for (let k = i - 1; k >= 0; k--) {
            const q = parents[k];
            if (q.kind === 'BoolExpr') continue;
            dmlFilter = (q.kind === 'UpdateStmt' || q.kind === 'DeleteStmt') && parents[k + 1]?.key === 'whereClause';
            break;
          }
          break;
        }
        if (p.kind === 'SelectStmt' || p.kind === 'UpdateStmt' || p.kind === 'DeleteStmt' || p.kind === 'RangeSubselect' || p.kind === 'CommonTableExpr') break;
      }
      addSelect(n, parents, { inExists: subLink === 'EXISTS_SUBLINK', subLink, dmlFilter });
    } else if (kind === 'UpdateStmt' || kind === 'DeleteStmt') {
      const rels: Rel[] = [];
      const filters: Block['filters'] = [];
      collectRels(n.relation ? [{ RangeVar: n.relation }] : [], schema, ctes, rels, filters);
      collectRels(kind === 'UpdateStmt' ? n.fromClause : n.usingClause, schema, ctes, rels, filters);
      if (n.whereClause) filters.unshift({ where: 'WHERE', expr: n.whereClause });
      const b: Block = { kind: kind === 'UpdateStmt' ? 'update' : 'delete', node: n, rels, filters, outer: outerOf(parents), inExists: false, params };
      out.push(b);
      byNode.set(n, b);
    }
  });
  return out;
}

/** A column reference resolved to the relation it belongs to. */
export interface ResolvedColumn { column: string; rel: Rel; table?: Table }

/**
 * Resolves a ColumnRef payload to its relation: qualified names by alias, unqualified ones by which known
 * table has the column (this block first, then enclosing blocks). When the block has a single relation
 * that the schema does not know, an unqualified column is taken to belong to it.
 */
export function resolveColumn(cr: Node, block: Block): ResolvedColumn | undefined {
  const f = strings(cr.fields);
  if (f.length === 0 || f[f.length - 1] === '*') return undefined;
  const column = f[f.length - 1];
  if (f.length >= 2) {
    const q = f[f.length - 2];
    for (const b of [block, ...block.outer]) {
      const rel = b.rels.find((r) => r.ref === q || (r.rv && r.rv.relname === q && !r.rv.alias));
      if (rel) {
        if (rel.table && !rel.table.columns.has(column)) return undefined;
        return { column, rel, table: rel.table };
      }
    }
    return undefined;
  }
  for (const b of [block, ...block.outer]) {
    const hits = b.rels.filter((r) => r.table?.columns.has(column));
    if (hits.length === 1) return { column, rel: hits[0], table: hits[0].table };
    if (hits.length > 1) return undefined;
    if (b.rels.length === 1 && b.rels[0].kind === 'table' && !b.rels[0].table) {
      return block.params?.has(column) ? undefined : { column, rel: b.rels[0] };
    }
    if (b.rels.some((r) => r.kind !== 'table' || !r.table)) return undefined;
  }
  return undefined;
}

/** Every ColumnRef payload inside a node (not descending into subqueries). */
export function columnRefs(node: Node): Node[] {
  const out: Node[] = [];
  walk(node, (kind, n) => {
    if (kind === 'SubLink' || kind === 'SelectStmt') return false;
    if (kind === 'ColumnRef') out.push(n);
  });
  return out;
}

/** Top-level AND conjuncts of a boolean expression. */
export function conjuncts(expr: Node | undefined): Node[] {
  if (!expr) return [];
  if (expr.BoolExpr?.boolop === 'AND_EXPR') return (expr.BoolExpr.args ?? []).flatMap((a: Node) => conjuncts(a));
  return [expr];
}

/** Source range (file offsets) of an expression: its first to last token, with brackets balanced. */
export function exprRange(ctx: StatementContext, node: Node): { start: number; end: number } {
  const toks = fileTokens(ctx.stmt);
  let lo = Infinity, hi = -Infinity;
  const visit = (v: any) => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) { v.forEach(visit); return; }
    for (const [k, val] of Object.entries(v)) {
      if (k === 'location' && typeof val === 'number' && val >= 0) { lo = Math.min(lo, val); hi = Math.max(hi, val); }
      else visit(val);
    }
  };
  visit(node);
  if (lo === Infinity) return { start: ctx.stmt.start, end: ctx.stmt.start + 1 };
  let i = tokenIndexAt(toks, ctx.offset(lo));
  let j = tokenIndexAt(toks, ctx.offset(hi));
  if (i < 0 || j < 0) return { start: ctx.offset(lo), end: ctx.offset(lo) + 1 };
  // a qualified name's location is its first part: take in `.name` / `.*` continuations
  while (j + 2 < toks.length && toks[j + 1].text === '.' && toks[j + 1].start === toks[j].end) j += 2;
  // a call's argument list (or a type's modifiers) follows the name the location points at
  if (j + 1 < toks.length && toks[j + 1].text === '(' && /^[A-Za-z_\u0080-\uffff"]/.test(toks[j].text)) j++;
  // balance brackets inside i..j, extending to the right (and to the left for a leading `(`)
  let depth = 0;
  for (let k = i; k <= j; k++) {
    const t = toks[k].text;
    if (t === '(' || t === '[') depth++;
    else if (t === ')' || t === ']') depth--;
  }
  while (depth > 0 && j + 1 < toks.length) {
    j++;
    const t = toks[j].text;
    if (t === '(' || t === '[') depth++;
    else if (t === ')' || t === ']') depth--;
  }
  while (depth < 0 && i > 0) {
    i--;
    const t = toks[i].text;
    if (t === '(' || t === '[') depth++;
    else if (t === ')' || t === ']') depth--;
  }
  return { start: toks[i].start, end: toks[j].end };
}

/** Source text of a file range. */
export function textOf(ctx: StatementContext, r: { start: number; end: number }): string {
  return ctx.file.text.slice(r.start, r.end);
}

/** Shortens source text for a message: whitespace collapsed, at most `max` characters. */
export function brief(text: string, max = 60): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** The statement's tokens (file offsets). */
export function toks(ctx: StatementContext): Token[] { return fileTokens(ctx.stmt); }

/** Index of the last token before file offset `at` whose lowercase text is one of `words`, or -1. */
export function keywordBefore(tokens: Token[], at: number, words: string[]): number {
  let i = tokenIndexAt(tokens, at);
  if (i < 0) i = tokens.length;
  for (let k = i - 1; k >= 0; k--) if (words.includes(tokens[k].text.toLowerCase())) return k;
  return -1;
}

/** A column name as it may be written in a select list (after a dot, any keyword is a label). */
export function quoteIdent(name: string, qualified: boolean): string {
  return qualified ? quoteQualifiedPart(name) : quoteIdentifier(name);
}

/** Normalized shape of an expression for matching against index expressions (text casts of columns dropped). */
export function normShape(node: Node | undefined): string {
  return shape(stripTextCasts(node));
}

const TEXTISH = new Set(['text', 'varchar', 'bpchar']);
function stripTextCasts(node: any): any {
  if (Array.isArray(node)) return node.map(stripTextCasts);
  if (!node || typeof node !== 'object') return node;
  if (node.TypeCast && node.TypeCast.arg?.ColumnRef) {
    const names = strings(node.TypeCast.typeName?.names);
    if (TEXTISH.has((names[names.length - 1] ?? '').toLowerCase())) return stripTextCasts(node.TypeCast.arg);
  }
  const out: any = {};
  for (const [k, v] of Object.entries(node)) out[k] = stripTextCasts(v);
  return out;
}

/** Normalized shapes of an index's expression elements. */
export function indexExprShapes(ix: Index): string[] {
  const out: string[] = [];
  for (const s of ix.exprs) {
    if (!s) continue;
    try { out.push(normShape(JSON.parse(s))); } catch { out.push(s); }
  }
  return out;
}

export { firstLocation };

/** The statement's node wrapped in its kind ({ SelectStmt: ... }), so that walks see the statement itself. */
export function rootOf(ctx: StatementContext): Node {
  return { [ctx.kind]: ctx.node };
}

/** The body string of a CREATE FUNCTION / DO statement and its language. */
export function bodyOf(kind: string, node: Node): { body?: string; language: string } {
  let body: string | undefined;
  let language = kind === 'DoStmt' ? 'plpgsql' : 'sql';
  const opts = kind === 'DoStmt' ? node.args : node.options;
  for (const o of opts ?? []) {
    const d = o.DefElem;
    if (!d) continue;
    if (d.defname === 'language') language = String(d.arg?.String?.sval ?? language).toLowerCase();
    if (d.defname === 'as') {
      if (d.arg?.String) body = d.arg.String.sval;
      else if (d.arg?.List) body = d.arg.List.items?.[0]?.String?.sval;
    }
  }
  return { body, language };
}

/** Offset (in the statement text) where the body string's content starts, or -1. */
export function bodyStart(text: string, body: string): number {
  for (const t of tokens(text)) {
    if (t.kind !== 'SCONST') continue;
    const tag = /^\$[^$]*\$/.exec(t.text)?.[0];
    if (tag) { if (t.text.slice(tag.length, t.text.length - tag.length) === body) return t.start + tag.length; }
    else if (t.text.startsWith("'") && t.text.slice(1, -1).replace(/''/g, "'") === body) return t.start + 1;
    else if (/^[eE]'/.test(t.text)) continue;
  }
  return -1;
}


/** Parameter names of SQL-function bodies analysed as statements of their own. */
const bodyParams = new WeakMap<Statement, Set<string>>();

function functionParams(node: Node): Set<string> {
  const out = new Set<string>();
  for (const p of node.parameters ?? []) if (p.FunctionParameter?.name) out.add(p.FunctionParameter.name);
  return out;
}

/**
 * The statement's context, followed by one context per statement of a `LANGUAGE sql` function body
 * written as a dollar-quoted string (PostgreSQL keeps such bodies as text; their queries are queries
 * all the same). Positions in the sub-contexts are positions in the file.
 */
export function queryContexts(ctx: StatementContext): StatementContext[] {
  const out = [ctx];
  if (ctx.kind !== 'CreateFunctionStmt' || ctx.node.sql_body) return out;
  const { body, language } = bodyOf(ctx.kind, ctx.node);
  if (language !== 'sql' || !body) return out;
  const base = bodyStart(ctx.stmt.text, body);
  if (base < 0 || ctx.stmt.text[base - 1] !== '$') return out; // only dollar quotes keep offsets unchanged
  const params = functionParams(ctx.node);
  for (const raw of splitStatements(body).statements) {
    const parsed = parseStatement(raw.text);
    const kind = kindOf(parsed.node);
    if (!parsed.node || !kind) continue;
    const stmt: Statement = {
      file: ctx.file, index: ctx.stmt.index, start: ctx.stmt.start + base + raw.start, end: ctx.stmt.start + base + raw.end,
      text: raw.text, templated: raw.templated, parsed, kind, node: parsed.node[kind],
    };
    bodyParams.set(stmt, params);
    // the body runs later, when tables created in this file are no longer new and empty
    out.push({ ...ctx, stmt, kind, node: stmt.node!, newTables: new Set(), offset: (loc) => fileOffset(stmt, loc) });
  }
  return out;
}

/** The query blocks of a context's statement (see queryBlocks), with SQL-function parameters known. */
export function blocksOf(ctx: StatementContext): Block[] {
  return queryBlocks(rootOf(ctx), ctx.schema, bodyParams.get(ctx.stmt));
}

/**
 * True when a fix must leave the statement as it is: it is in an applied migration
 * (engine/placement.ts isAppliedMigration) and changed something when it ran (DML, DDL, SELECT INTO),
 * so an edit would only make new databases differ from the existing ones. A plain SELECT changed
 * nothing: fixing it is harmless.
 */
export function ranAsWritten(ctx: StatementContext): boolean {
  if (ctx.kind === 'SelectStmt' && !ctx.node.intoClause) return false;
  return isAppliedMigration(ctx.files(), ctx.file);
}
