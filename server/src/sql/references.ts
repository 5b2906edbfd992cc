// Every reference to a table (view) or column of the schema in one statement, resolved the way
// PostgreSQL resolves names: FROM items and their aliases, CTEs that shadow tables, subquery outputs,
// the nearest query level first, an unqualified column only when exactly one relation of its level
// has it. Shared by hover/definition (../lsp/symbols.ts) and references/rename (../lsp/references-index.ts).
// Names the AST gives without a location (key lists of constraints, index columns, ALTER TABLE
// commands, RENAME targets) are found with the real scanner's tokens.
import type { Statement } from '../model';
import { fileOffset } from '../replay';
import type { Column, Schema, Table } from '../schema';
import { strings } from './ast';
import { kindOf } from './ast';
import { parsePlpgsql, parseStatement, type Node, type Token } from './parse';
import { fileTokens, tokenIndexAt } from './spans';
import { splitStatements } from './split';

export interface Reference {
  /** File offsets of the name itself (the last part of a qualified name; quotes included). */
  start: number;
  end: number;
  table: Table;
  /** Set for a column reference. */
  column?: Column;
  /** Where the table (CREATE TABLE / VIEW) or the column (column definition, ADD COLUMN) is declared. */
  declaration?: boolean;
}

/** A column name written in the statement that could not be resolved for sure (ambiguous, or a relation of unknown columns in scope). */
export interface Unresolved { start: number; end: number; name: string }

/** A table dropped before any table of that name exists (`DROP TABLE IF EXISTS t; CREATE TABLE t …`). */
export interface DroppedName { start: number; end: number; key: string }

export interface StatementReferences {
  refs: Reference[]; unresolved: Unresolved[]; dropped: DroppedName[];
  /** Tables inside a NATURAL JOIN (its join keys are every common column name: renaming one changes them). */
  natural: Table[];
  /** Names given to two FROM items of one query level (PostgreSQL: "table name … specified more than once"). */
  duplicates: string[];
}

interface Rel {
  /** Name the relation is known by in the query: its alias, else its name. */
  name: string;
  /** Set for a schema table referenced by its own name or alias. */
  table?: Table;
  /** A schema table written without alias: `orders.id` qualifies with the table's own name. */
  bare?: boolean;
  /** Output columns of a subquery, CTE or function; undefined when unknown. */
  columns?: Set<string>;
  /** Schema name written (for `schema.table.col`). */
  schemaName?: string;
}

interface Scope { rels: Rel[]; parent?: Scope; ctes: Map<string, Rel>; outputs?: Set<string> }

const IDENT = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;

/** The parts of a (possibly qualified, possibly quoted) name written at `at`, e.g. `public . "Users"`. */
export function nameParts(text: string, at: number, limit: number): { start: number; end: number }[] {
  const parts: { start: number; end: number }[] = [];
  let i = at;
  for (;;) {
    let end: number;
    if (text[i] === '"' || text[i] === '`') {
      // "PostgreSQL" or `MySQL` quoted name (a backtick never starts a PostgreSQL name)
      const q = text[i];
      end = i + 1;
      while (end < limit) {
        if (text[end] === q) { if (text[end + 1] === q) { end += 2; continue; } end++; break; }
        end++;
      }
    } else {
      IDENT.lastIndex = i;
      if (!IDENT.test(text)) break;
      end = IDENT.lastIndex;
    }
    parts.push({ start: i, end: Math.min(end, limit) });
    let j = end;
    while (j < limit && /\s/.test(text[j])) j++;
    if (text[j] !== '.') break;
    j++;
    while (j < limit && /\s/.test(text[j])) j++;
    i = j;
  }
  return parts;
}

/** An identifier token's name as PostgreSQL reads it (unquoted, or case-folded). */
export function identName(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text.toLowerCase();
}

const isWord = (t: Token | undefined) => !!t && (t.kind === 'IDENT' || t.keyword || /^"/.test(t.text));

/** Output column names of a query, or undefined when they cannot all be known (`*`). */
function outputColumns(q: Node | undefined): Set<string> | undefined {
  const sel = q?.SelectStmt;
  if (!sel) return undefined;
  if (sel.larg) return outputColumns({ SelectStmt: sel.larg });
  if (sel.valuesLists) return new Set((sel.valuesLists[0]?.List?.items ?? []).map((_: unknown, i: number) => `column${i + 1}`));
  const out = new Set<string>();
  for (const rt of sel.targetList ?? []) {
    const r = rt.ResTarget;
    if (!r) continue;
    if (r.name) { out.add(r.name); continue; }
    const f = r.val?.ColumnRef ? strings(r.val.ColumnRef.fields) : undefined;
    if (f) {
      const last = f[f.length - 1];
      if (last === '*') return undefined;
      out.add(last);
    } else if (r.val?.FuncCall) {
      const fn = strings(r.val.FuncCall.funcname);
      out.add(fn[fn.length - 1]);
    }
  }
  return out;
}

class Walker {
  readonly refs: Reference[] = [];
  readonly unresolved: Unresolved[] = [];
  readonly dropped: DroppedName[] = [];
  readonly natural: Table[] = [];
  readonly duplicates: string[] = [];
  private readonly text: string;
  private toks: Token[] | undefined;

  // the masked file text: a template placeholder reads as one identifier, as the parser saw it
  constructor(readonly stmt: Statement, readonly schema: Schema) { this.text = stmt.file.split?.masked ?? stmt.file.text; }

  private tokens(): Token[] { return (this.toks ??= fileTokens(this.stmt)); }

  private add(r: Reference): void { this.refs.push(r); }

  /** The range of the last part of the name written at AST location `loc`, with its part count. */
  private lastPart(loc: number): { start: number; end: number; parts: { start: number; end: number }[] } | undefined {
    const start = fileOffset(this.stmt, loc);
    const parts = nameParts(this.text, start, this.stmt.end);
    if (!parts.length) return undefined;
    const last = parts[parts.length - 1];
    return { start: last.start, end: last.end, parts };
  }

  private cte(scope: Scope | undefined, name: string): Rel | undefined {
    for (let s = scope; s; s = s.parent) { const c = s.ctes.get(name); if (c) return c; }
    return undefined;
  }

  /** A RangeVar: a reference to a schema table unless a CTE of that name is in scope. Returns the FROM item. */
  rangeVar(rv: Node, scope: Scope | undefined, declaration = false): Rel | undefined {
    if (!rv?.relname) return undefined;
    const alias: string | undefined = rv.alias?.aliasname;
    if (!rv.schemaname) {
      const c = this.cte(scope, rv.relname);
      if (c) return { name: alias ?? rv.relname, columns: c.columns };
    }
    const t = this.schema.table(rv.schemaname, rv.relname);
    if (t && typeof rv.location === 'number' && rv.location >= 0) {
      const p = this.lastPart(rv.location);
      if (p) this.add({ start: p.start, end: p.end, table: t, declaration });
    }
    if (!t) return { name: alias ?? rv.relname };
    return { name: alias ?? rv.relname, table: t, bare: !alias, schemaName: rv.schemaname };
  }

  /** Resolves a ColumnRef in scope. */
  columnRef(cr: Node, scope: Scope | undefined): void {
    if (typeof cr.location !== 'number' || cr.location < 0) return;
    const fields = strings(cr.fields);
    if (!fields.length || fields.some((f) => f === '')) return;
    const star = fields[fields.length - 1] === '*';
    const start = fileOffset(this.stmt, cr.location);
    const parts = nameParts(this.text, start, this.stmt.end);
    const named = star ? fields.length - 1 : fields.length;
    if (parts.length < named || named === 0) return;
    if (named === 1 && !star) {
      const col = fields[0];
      for (let s = scope; s; s = s.parent) {
        if (s.outputs?.has(col)) return; // ORDER BY an output column
        const has = s.rels.filter((r) => (r.table ? r.table.columns.has(col) : r.columns?.has(col)));
        const unknown = s.rels.some((r) => !r.table && !r.columns);
        if (has.length === 1 && !unknown) {
          const t = has[0].table;
          if (t) this.add({ start: parts[0].start, end: parts[0].end, table: t, column: t.columns.get(col)! });
          return;
        }
        if (has.length > 1 || unknown) { this.unresolved.push({ start: parts[0].start, end: parts[0].end, name: col }); return; }
      }
      // no column of that name anywhere: PostgreSQL then reads it as a whole-row reference to a FROM item
      for (let s = scope; s; s = s.parent) {
        const rel = s.rels.find((r) => r.name === col);
        if (!rel) continue;
        if (rel.bare && rel.table) this.add({ start: parts[0].start, end: parts[0].end, table: rel.table });
        return;
      }
      this.unresolved.push({ start: parts[0].start, end: parts[0].end, name: col });
      return;
    }
    // qualified: [schema.]rel.col or [schema.]rel.*
    const relName = fields[named - (star ? 1 : 2)];
    const schemaName = named - (star ? 2 : 3) >= 0 ? fields[named - (star ? 2 : 3)] : undefined;
    const relPart = parts[named - (star ? 1 : 2)];
    let rel: Rel | undefined;
    for (let s = scope; s && !rel; s = s.parent) {
      rel = s.rels.find((r) => r.name === relName && (!schemaName || (r.bare && r.table?.schema === schemaName)));
    }
    if (!rel) return; // a record variable, NEW/OLD, a composite column: not a schema name
    const t = rel.table;
    if (!t) return;
    if (rel.bare && relPart) this.add({ start: relPart.start, end: relPart.end, table: t });
    if (!star) {
      const c = t.columns.get(fields[named - 1]);
      const p = parts[named - 1];
      if (c) this.add({ start: p.start, end: p.end, table: t, column: c });
    }
  }

  /** Walks an expression (or anything) in scope; queries inside open their own level. */
  expr(v: any, scope: Scope | undefined): void {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) { for (const x of v) this.expr(x, scope); return; }
    if (v.ColumnRef) { this.columnRef(v.ColumnRef, scope); return; }
    if (v.SelectStmt) { this.select(v.SelectStmt, scope); return; }
    if (v.RangeVar) { this.rangeVar(v.RangeVar, scope); return; }
    if (v.InsertStmt || v.UpdateStmt || v.DeleteStmt) { this.dml(v, scope); return; }
    for (const k in v) if (k !== 'location') this.expr(v[k], scope);
  }

  private withClause(w: Node | undefined, scope: Scope): void {
    for (const c of w?.WithClause?.ctes ?? w?.ctes ?? []) {
      const cte = c.CommonTableExpr;
      if (!cte?.ctename) continue;
      const cols = cte.aliascolnames?.length ? new Set(strings(cte.aliascolnames)) : outputColumns(cte.ctequery);
      const rel: Rel = { name: cte.ctename, columns: cols };
      if (w?.WithClause?.recursive || w?.recursive) scope.ctes.set(cte.ctename, rel);
      this.expr(cte.ctequery, scope);
      scope.ctes.set(cte.ctename, rel);
    }
  }

  /** A FROM item: adds its relations to `level`. */
  private fromItem(item: Node, level: Scope, outer: Scope | undefined): void {
    if (item.RangeVar) { const r = this.rangeVar(item.RangeVar, level); if (r) level.rels.push(r); return; }
    if (item.JoinExpr) {
      const j = item.JoinExpr;
      const before = this.refs.length;
      this.fromItem(j.larg, level, outer);
      this.fromItem(j.rarg, level, outer);
      if (j.isNatural) for (const r of this.refs.slice(before)) if (!r.column && !this.natural.includes(r.table)) this.natural.push(r.table);
      if (j.usingClause) this.usingNames(j, level);
      this.expr(j.quals, level);
      return;
    }
    if (item.RangeSubselect) {
      const rs = item.RangeSubselect;
      this.expr(rs.subquery, rs.lateral ? level : outer);
      const name = rs.alias?.aliasname;
      if (name) level.rels.push({ name, columns: rs.alias.colnames?.length ? new Set(strings(rs.alias.colnames)) : outputColumns(rs.subquery) });
      else level.rels.push({ name: '', columns: undefined });
      return;
    }
    if (item.RangeFunction) {
      const rf = item.RangeFunction;
      this.expr(rf.functions, level);
      const fn = rf.functions?.[0]?.List?.items?.[0]?.FuncCall?.funcname;
      const name = rf.alias?.aliasname ?? (fn ? strings(fn).at(-1) : '');
      const cols = rf.alias?.colnames?.length ? new Set(strings(rf.alias.colnames)) : rf.coldeflist?.length ? new Set<string>(rf.coldeflist.map((c: Node) => c.ColumnDef?.colname)) : undefined;
      level.rels.push({ name: name ?? '', columns: cols });
      return;
    }
    // anything else (XMLTABLE, TABLESAMPLE...): walk it, and say its columns are unknown
    this.expr(item, level);
    level.rels.push({ name: '', columns: undefined });
  }

  /** `JOIN b USING (x)`: the names have no location; they are found as tokens and left unresolved (they name a column of both sides). */
  private usingNames(j: Node, level: Scope): void {
    const names = strings(j.usingClause);
    const toks = this.tokens();
    // the USING token after the join's left side, then its parenthesised list
    for (let i = 0; i < toks.length; i++) {
      if (toks[i].text.toLowerCase() !== 'using' || toks[i + 1]?.text !== '(') continue;
      const found = this.listAt(i + 1, names);
      if (found.every((f) => f)) {
        for (let k = 0; k < names.length; k++) this.unresolved.push({ start: found[k]!.start, end: found[k]!.end, name: names[k] });
        return;
      }
    }
    void level;
  }

  /**
   * The simple names of a parenthesised list whose `(` is token `open`: one entry per expected name,
   * the token's range when the element is that name, else undefined.
   */
  private listAt(open: number, names: string[]): ({ start: number; end: number } | undefined)[] {
    const toks = this.tokens();
    const out: ({ start: number; end: number } | undefined)[] = names.map(() => undefined);
    if (toks[open]?.text !== '(') return out;
    let depth = 0, k = 0, atStart = true;
    for (let i = open; i < toks.length; i++) {
      const t = toks[i];
      if (t.text === '(' || t.text === '[') { depth++; if (depth > 1) atStart = false; continue; }
      if (t.text === ')' || t.text === ']') { depth--; if (depth === 0) break; continue; }
      if (depth !== 1) continue;
      if (t.text === ',') { k++; atStart = true; continue; }
      if (atStart) {
        atStart = false;
        const next = toks[i + 1]?.text;
        if (k < names.length && isWord(t) && identName(t.text) === names[k] && next !== '(' && next !== '.') out[k] = { start: t.start, end: t.end };
      }
    }
    return out;
  }

  /** Index of the first `(` token at or after file offset `from` (with `immediate`, only if it is the next token). */
  private openParen(from: number, immediate = false): number {
    const toks = this.tokens();
    let i = tokenIndexAt(toks, from);
    if (i < 0) return -1;
    while (i < toks.length && toks[i].end <= from) i++;
    if (immediate) return toks[i]?.text === '(' ? i : -1;
    for (; i < toks.length; i++) if (toks[i].text === '(') return i;
    return -1;
  }

  /** Column names of a list found with listAt, as references to columns of `t`. */
  private columnList(t: Table | undefined, open: number, names: string[]): void {
    if (!t || open < 0 || !names.length) return;
    const found = this.listAt(open, names);
    for (let k = 0; k < names.length; k++) {
      const c = t.columns.get(names[k]);
      if (c && found[k]) this.add({ start: found[k]!.start, end: found[k]!.end, table: t, column: c });
    }
  }

  select(sel: Node, outer: Scope | undefined): void {
    if (!sel) return;
    const level: Scope = { rels: [], parent: outer, ctes: new Map() };
    this.withClause(sel.withClause, level);
    if (sel.larg || sel.rarg) {
      this.select(sel.larg, level);
      this.select(sel.rarg, level);
      const outputs = outputColumns({ SelectStmt: sel.larg });
      this.expr(sel.sortClause, { rels: [], parent: level, ctes: new Map(), outputs });
      this.expr([sel.limitCount, sel.limitOffset], level);
      return;
    }
    for (const item of sel.fromClause ?? []) this.fromItem(item, level, outer);
    this.noteDuplicates(level);
    if (sel.intoClause?.IntoClause?.rel ?? sel.intoClause?.rel) { /* SELECT INTO creates a table: not a reference */ }
    this.expr([sel.targetList, sel.whereClause, sel.groupClause, sel.havingClause, sel.windowClause, sel.distinctClause, sel.valuesLists, sel.limitCount, sel.limitOffset, sel.lockingClause], level);
    // ORDER BY a bare name: an output column first
    const outputs = new Set<string>();
    for (const rt of sel.targetList ?? []) if (rt.ResTarget?.name) outputs.add(rt.ResTarget.name);
    this.expr(sel.sortClause, { ...level, outputs });
  }

  private noteDuplicates(level: Scope): void {
    const seen = new Set<string>();
    for (const r of level.rels) {
      if (r.name && seen.has(r.name)) this.duplicates.push(r.name);
      seen.add(r.name);
    }
  }

  /** INSERT / UPDATE / DELETE (also inside CTEs). */
  dml(v: Node, outer: Scope | undefined): void {
    const kind = v.InsertStmt ? 'insert' : v.UpdateStmt ? 'update' : 'delete';
    const n = v.InsertStmt ?? v.UpdateStmt ?? v.DeleteStmt;
    const level: Scope = { rels: [], parent: outer, ctes: new Map() };
    this.withClause(n.withClause, level);
    const target = n.relation ? this.rangeVar(n.relation, level) : undefined;
    const t = target?.table;
    if (kind === 'insert') {
      for (const c of n.cols ?? []) this.targetName(c.ResTarget, t);
      this.expr(n.selectStmt, level); // the target is not in scope of the inserted query
      const oc = n.onConflictClause;
      if (oc) {
        const infer = oc.infer?.InferClause ?? oc.infer;
        const elems = (infer?.indexElems ?? []).map((e: Node) => e.IndexElem?.name ?? '');
        if (elems.some(Boolean)) {
          // ON CONFLICT (a, b): the list after ON CONFLICT
          const toks = this.tokens();
          const i = toks.findIndex((x, j) => x.text.toLowerCase() === 'conflict' && toks[j - 1]?.text.toLowerCase() === 'on');
          if (i >= 0) this.columnList(t, toks[i + 1]?.text === '(' ? i + 1 : -1, elems);
        }
        const withTarget: Scope = { rels: target ? [target, ...(t ? [{ name: 'excluded', table: t }] : [])] : [], parent: level, ctes: new Map() };
        for (const rt of oc.targetList ?? []) { this.targetName(rt.ResTarget, t); this.expr(rt.ResTarget?.val, withTarget); }
        this.expr([oc.whereClause, infer?.whereClause], withTarget);
      }
      this.expr(n.returningList ?? n.returningClause?.exprs, { rels: target ? [target] : [], parent: level, ctes: new Map() });
      return;
    }
    if (target) level.rels.push(target);
    for (const item of (kind === 'update' ? n.fromClause : n.usingClause) ?? []) this.fromItem(item, level, outer);
    this.noteDuplicates(level);
    if (kind === 'update') for (const rt of n.targetList ?? []) { this.targetName(rt.ResTarget, t); this.expr(rt.ResTarget?.val, level); }
    this.expr([n.whereClause, n.returningList ?? n.returningClause?.exprs], level);
  }

  /** The column named by an INSERT column list entry or an UPDATE SET target. */
  private targetName(rt: Node | undefined, t: Table | undefined): void {
    if (!rt?.name || typeof rt.location !== 'number') return;
    const start = fileOffset(this.stmt, rt.location);
    const parts = nameParts(this.text, start, this.stmt.end);
    const c = t?.columns.get(rt.name);
    if (t && c && parts.length) this.add({ start: parts[0].start, end: parts[0].end, table: t, column: c });
    else if (parts.length) this.unresolved.push({ start: parts[0].start, end: parts[0].end, name: rt.name });
    this.expr(rt.indirection, undefined);
  }

  /** A table-level or column-level constraint of table `t` (`column` for a column constraint). */
  constraint(k: Node, t: Table | undefined, scope: Scope): void {
    const at = typeof k.location === 'number' ? fileOffset(this.stmt, k.location) : this.stmt.start;
    if (k.contype === 'CONSTR_PRIMARY' || k.contype === 'CONSTR_UNIQUE') {
      const keys = strings(k.keys);
      if (keys.length) this.columnList(t, this.openParen(at), keys);
      const inc = strings(k.including);
      if (inc.length) {
        const toks = this.tokens();
        const i = toks.findIndex((x) => x.start >= at && x.text.toLowerCase() === 'include');
        if (i >= 0) this.columnList(t, i + 1, inc);
      }
    } else if (k.contype === 'CONSTR_FOREIGN') {
      const fk = strings(k.fk_attrs);
      if (fk.length) this.columnList(t, this.openParen(at), fk);
      const ref = k.pktable && this.rangeVar(k.pktable, undefined);
      const pk = strings(k.pk_attrs);
      if (ref?.table && pk.length && typeof k.pktable.location === 'number') {
        const p = this.lastPart(k.pktable.location);
        if (p) this.columnList(ref.table, this.openParen(p.end, true), pk);
      }
    } else {
      this.expr([k.raw_expr, k.where_clause], scope);
    }
  }

  /** Column names of ALTER TABLE commands that carry them without a location, found in order. */
  private alterNames(t: Table | undefined, cmds: Node[], from: number): void {
    const toks = this.tokens();
    let i = tokenIndexAt(toks, from);
    if (i < 0) return;
    for (const c of cmds) {
      const cmd = c.AlterTableCmd;
      if (!cmd) continue;
      if (cmd.def?.ColumnDef || cmd.def?.Constraint) {
        // the command's own node has a location: move past it
        const loc = cmd.def.ColumnDef?.location ?? cmd.def.Constraint?.location;
        if (typeof loc === 'number') { const o = fileOffset(this.stmt, loc); while (i < toks.length && toks[i].start < o) i++; }
      }
      if (!cmd.name || cmd.subtype === 'AT_AddConstraint' || /Constraint|Trigger|Rule|Inherit|Owner|Cluster|Tablespace|Replica|RowSecurity|Partition|Index/.test(cmd.subtype ?? '')) continue;
      for (let j = i; j < toks.length; j++) {
        const tk = toks[j];
        const prev = toks[j - 1]?.text.toLowerCase();
        if (isWord(tk) && identName(tk.text) === cmd.name && (prev === 'column' || prev === 'alter' || prev === 'drop' || prev === 'exists')) {
          const col = t?.columns.get(cmd.name);
          if (t && col) this.add({ start: tk.start, end: tk.end, table: t, column: col });
          i = j + 1;
          break;
        }
      }
    }
  }

  statement(): void {
    const n = this.stmt.node;
    if (!n) return;
    const base = (rel: Rel | undefined): Scope => ({ rels: rel ? [rel] : [], ctes: new Map() });
    switch (this.stmt.kind) {
      case 'SelectStmt': this.select(n, undefined); return;
      case 'InsertStmt': case 'UpdateStmt': case 'DeleteStmt': this.dml({ [this.stmt.kind]: n }, undefined); return;
      case 'CreateStmt': {
        const rel = this.rangeVar(n.relation, undefined, true);
        const t = rel?.table;
        const scope = base(rel);
        for (const parent of n.inhRelations ?? []) this.expr(parent, undefined);
        for (const el of n.tableElts ?? []) {
          if (el.ColumnDef) this.columnDef(el.ColumnDef, t, scope, true);
          else if (el.Constraint) this.constraint(el.Constraint, t, scope);
          else this.expr(el, scope);
        }
        this.expr(n.partbound, scope);
        return;
      }
      case 'AlterTableStmt': {
        if (n.objtype && n.objtype !== 'OBJECT_TABLE') { this.expr(n.relation, undefined); return; }
        const rel = this.rangeVar(n.relation, undefined);
        const t = rel?.table;
        const scope = base(rel);
        for (const c of n.cmds ?? []) {
          const cmd = c.AlterTableCmd;
          if (!cmd) continue;
          if (cmd.def?.ColumnDef) this.columnDef(cmd.def.ColumnDef, t, scope, cmd.subtype === 'AT_AddColumn');
          else if (cmd.def?.Constraint) this.constraint(cmd.def.Constraint, t, scope);
          else this.expr(cmd.def, scope);
        }
        const p = n.relation?.location !== undefined ? this.lastPart(n.relation.location) : undefined;
        this.alterNames(t, n.cmds ?? [], p?.end ?? this.stmt.start);
        return;
      }
      case 'IndexStmt': {
        const rel = this.rangeVar(n.relation, undefined);
        const t = rel?.table;
        const scope = base(rel);
        const p = n.relation?.location !== undefined ? this.lastPart(n.relation.location) : undefined;
        const open = p ? this.openParen(p.end) : -1;
        const names = (n.indexParams ?? []).map((e: Node) => e.IndexElem?.name ?? '\0');
        this.columnList(t, open, names);
        for (const e of n.indexParams ?? []) this.expr(e.IndexElem?.expr, scope);
        const inc = (n.indexIncludingParams ?? []).map((e: Node) => e.IndexElem?.name ?? '\0');
        if (inc.length && p) {
          const toks = this.tokens();
          const i = toks.findIndex((x) => x.start >= p.end && x.text.toLowerCase() === 'include');
          if (i >= 0) this.columnList(t, i + 1, inc);
        }
        this.expr(n.whereClause, scope);
        return;
      }
      case 'RenameStmt': {
        const rel = this.rangeVar(n.relation, undefined);
        const t = rel?.table;
        const toks = this.tokens();
        if (n.renameType === 'OBJECT_COLUMN' && t && n.subname) {
          const c = t.columns.get(n.subname);
          const r = toks.findIndex((x) => x.text.toLowerCase() === 'rename');
          let j = r + 1;
          if (toks[j]?.text.toLowerCase() === 'column') j++;
          if (c && r >= 0 && isWord(toks[j]) && identName(toks[j].text) === n.subname) this.add({ start: toks[j].start, end: toks[j].end, table: t, column: c });
        }
        return;
      }
      case 'ViewStmt': {
        this.rangeVar(n.view, undefined, true);
        this.expr(n.query, undefined);
        return;
      }
      case 'CreateTableAsStmt': {
        const into = n.into?.IntoClause ?? n.into;
        if (into?.rel) this.rangeVar(into.rel, undefined, true);
        this.expr(n.query, undefined);
        return;
      }
      case 'CreatePolicyStmt': case 'AlterPolicyStmt': {
        const rel = this.rangeVar(n.table, undefined);
        this.expr([n.qual, n.with_check], base(rel));
        return;
      }
      case 'CreateTrigStmt': {
        const rel = this.rangeVar(n.relation, undefined);
        this.expr(n.whenClause, base(rel));
        return;
      }
      case 'ExplainStmt': this.expr(n.query, undefined); return;
      case 'DropStmt': this.dropNames(n); return;
      default:
        // anything else: its relation references (TRUNCATE, LOCK, GRANT, COPY...); column names only where a query gives them a scope
        this.expr(n, undefined);
    }
  }

  /** DROP TABLE / VIEW / MATERIALIZED VIEW a, b: the names have no location; found with the tokens, in order. */
  private dropNames(n: Node): void {
    if (!['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'].includes(n.removeType)) return;
    const toks = this.tokens();
    let i = toks.findIndex((t) => ['table', 'view'].includes(t.text.toLowerCase()));
    if (i < 0) return;
    i++;
    if (toks[i]?.text.toLowerCase() === 'if' && toks[i + 1]?.text.toLowerCase() === 'exists') i += 2;
    for (const o of n.objects ?? []) {
      const names = strings(o.List?.items ?? (o.String ? [o] : []));
      const t0 = toks[i];
      if (!t0 || !names.length) return;
      const parts = nameParts(this.text, t0.start, this.stmt.end);
      if (parts.length !== names.length || parts.some((p, k) => identName(this.text.slice(p.start, p.end)) !== names[k])) return;
      const last = parts[parts.length - 1];
      const t = this.schema.table(names.length > 1 ? names[names.length - 2] : undefined, names[names.length - 1]);
      if (t) this.add({ start: last.start, end: last.end, table: t });
      else this.dropped.push({ start: last.start, end: last.end, key: `${names.length > 1 ? names[names.length - 2] : 'public'}.${names[names.length - 1]}` });
      while (i < toks.length && toks[i].start < last.end) i++;
      if (toks[i]?.text !== ',') return;
      i++;
    }
  }

  private columnDef(cd: Node, t: Table | undefined, scope: Scope, declaration: boolean): void {
    if (cd.colname && typeof cd.location === 'number') {
      const start = fileOffset(this.stmt, cd.location);
      const parts = nameParts(this.text, start, this.stmt.end);
      const c = t?.columns.get(cd.colname);
      if (t && c && parts.length) this.add({ start: parts[0].start, end: parts[0].end, table: t, column: c, declaration });
    }
    for (const k of cd.constraints ?? []) {
      const con = k.Constraint;
      if (!con) continue;
      if (con.contype === 'CONSTR_FOREIGN') {
        const ref = con.pktable && this.rangeVar(con.pktable, undefined);
        const pk = strings(con.pk_attrs);
        if (ref?.table && pk.length && typeof con.pktable.location === 'number') {
          const p = this.lastPart(con.pktable.location);
          if (p) this.columnList(ref.table, this.openParen(p.end, true), pk);
        }
      } else this.expr([con.raw_expr], scope);
    }
  }
}

/** Every resolved reference of the statement against `schema`, and the column names it could not resolve for sure. */
export function statementReferences(stmt: Statement, schema: Schema): StatementReferences {
  const w = new Walker(stmt, schema);
  try { w.statement(); } catch { /* an AST shape we did not expect: what was found so far stands */ }
  return { refs: w.refs, unresolved: w.unresolved, dropped: w.dropped, natural: w.natural, duplicates: w.duplicates };
}

function subStatement(stmt: Statement, start: number, text: string): Statement | undefined {
  const parsed = parseStatement(text);
  const kind = kindOf(parsed.node);
  if (!kind) return undefined;
  return { file: stmt.file, index: stmt.index, start, end: start + text.length, text, templated: stmt.templated, parsed, kind, node: parsed.node![kind] };
}

function languageOf(stmt: Statement): string {
  const opts: Node[] = stmt.kind === 'DoStmt' ? stmt.node?.args ?? [] : stmt.node?.options ?? [];
  for (const o of opts) {
    const d = o.DefElem;
    if (d?.defname === 'language') return String(d.arg?.String?.sval ?? '').toLowerCase();
  }
  return stmt.kind === 'DoStmt' ? 'plpgsql' : '';
}

const bodyCache = new WeakMap<Statement, Statement[]>();
/**
 * The SQL inside a function or DO body, as statements located where they are written (the walk then
 * resolves their names like any other statement's): PL/pgSQL statements and expressions (an
 * expression is parsed as PostgreSQL does, as `SELECT <expr>`), or the statements of a LANGUAGE sql
 * body written in dollar quotes. Bodies that do not parse give nothing.
 */
export function bodyStatements(stmt: Statement): Statement[] {
  if (stmt.kind !== 'CreateFunctionStmt' && stmt.kind !== 'DoStmt') return [];
  const hit = bodyCache.get(stmt);
  if (hit) return hit;
  const out: Statement[] = [];
  const lang = languageOf(stmt);
  if (lang === 'plpgsql') {
    const funcs = parsePlpgsql(stmt.text);
    const exprs: { query: string; mode: number }[] = [];
    const visit = (v: any): void => {
      if (!v || typeof v !== 'object') return;
      if (Array.isArray(v)) { v.forEach(visit); return; }
      const e = v.PLpgSQL_expr;
      if (e && typeof e.query === 'string') { exprs.push({ query: e.query, mode: e.parseMode ?? 0 }); return; }
      for (const k of Object.keys(v)) visit(v[k]);
    };
    visit(funcs ?? []);
    // the body starts after the first dollar quote (or quote) of the statement
    let cursor = Math.max(0, stmt.text.search(/\$[A-Za-z_0-9]*\$|'/));
    for (const { query, mode } of exprs) {
      if (!/[A-Za-z_]/.test(query)) continue;
      const at = stmt.text.indexOf(query, cursor);
      if (at < 0) continue;
      cursor = at + query.length;
      let text = query, shift = 0;
      if (mode === 3) {
        const m = /^[^:=]*?(:=|=)/.exec(query);
        if (!m) continue;
        text = query.slice(m[0].length);
        shift = m[0].length;
      }
      if (mode === 2 || mode === 3) { text = `SELECT ${text}`; shift -= 7; }
      const sub = subStatement(stmt, stmt.start + at + shift, text);
      if (sub) out.push(sub);
    }
  } else if (lang === 'sql' && stmt.kind === 'CreateFunctionStmt') {
    for (const t of fileTokens(stmt)) {
      const m = t.kind === 'SCONST' ? /^\$[A-Za-z_0-9]*\$/.exec(t.text) : null;
      if (!m) continue;
      const body = t.text.slice(m[0].length, t.text.length - m[0].length);
      for (const raw of splitStatements(body).statements) {
        const sub = subStatement(stmt, t.start + m[0].length + raw.start, raw.text);
        if (sub) out.push(sub);
      }
      break;
    }
  }
  bodyCache.set(stmt, out);
  return out;
}
