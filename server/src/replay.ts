// Applies one parsed DDL statement to the workspace schema. Unknown or unsupported statements are
// ignored (they do not change what the rules know); nothing here throws on odd input.
import { applyMySqlStatement } from './dialects/mysql/replay';
import type { Loc, Statement } from './model';
import { Schema, tableKey, type Check, type Column, type ForeignKey, type Index, type Table } from './schema';
import { kindOf, shape, strings, typeInfo } from './sql/ast';
import { parsePlpgsql, parseStatement, type Node } from './sql/parse';
import { fileTokens, tokenIndexAt, typeExtent } from './sql/spans';
import { quoteIdent } from './sql/ident';

/** Converts a byte location inside the statement to a file offset. */
export function fileOffset(stmt: Statement, byteLoc: number | undefined): number {
  if (byteLoc === undefined || byteLoc < 0) return stmt.start;
  return stmt.start + stmt.parsed.bytes.toUtf16(byteLoc);
}

function locOf(stmt: Statement, start: number, end?: number): Loc {
  return { path: stmt.file.path, start, end: end ?? start };
}

function stmtLoc(stmt: Statement): Loc { return { path: stmt.file.path, start: stmt.start, end: stmt.end }; }

/** Source text of a node, from its first location to the extent of the matching token run. */
function identLoc(stmt: Statement, byteLoc: number | undefined, name: string): Loc {
  const s = fileOffset(stmt, byteLoc);
  const text = stmt.file.text;
  // Fast path (most names): the unquoted name itself stands here and no '.' follows it.
  if (text.substr(s, name.length).toLowerCase() === name.toLowerCase() && !/^\s*\./.test(text.substr(s + name.length, 8))) {
    return locOf(stmt, s, Math.min(s + name.length, stmt.end));
  }
  // a qualified name (schema.table) starts at its first part: the span is the last part's token
  const toks = fileTokens(stmt);
  let i = tokenIndexAt(toks, s);
  if (i >= 0 && toks[i].start <= s && toks[i + 1]?.text === '.') {
    while (toks[i + 1]?.text === '.' && toks[i + 2]) i += 2;
    return locOf(stmt, toks[i].start, toks[i].end);
  }
  // quoted identifiers take their quotes; otherwise the name's length
  let e = s + name.length;
  if (text[s] === '"') { const q = text.indexOf('"', s + 1); e = q > 0 ? q + 1 : e; }
  return locOf(stmt, s, Math.min(e, stmt.end));
}

/**
 * Where each column's current DEFAULT was written (the statement and the expression's node), for
 * fixes that must carry a default over (expand/contract). Kept beside the schema, not in it, so the
 * schema stays plain data.
 */
const defaults = new WeakMap<Column, { stmt: Statement; expr: Node }>();
export function defaultSource(col: Column): { stmt: Statement; expr: Node } | undefined { return defaults.get(col); }

function makeColumn(stmt: Statement, def: Node): Column | undefined {
  const name = def.colname;
  if (!name) return undefined;
  const ti = typeInfo(def.typeName);
  const typeStart = fileOffset(stmt, def.typeName?.location);
  const typeEnd = typeExtent(stmt, typeStart);
  const col: Column = {
    name,
    type: ti?.name ?? 'unknown',
    typeMods: ti?.mods ?? [],
    array: ti?.array ?? false,
    typeText: stmt.file.text.slice(typeStart, typeEnd),
    notNull: false,
    hasDefault: false,
    identity: false,
    generated: false,
    loc: identLoc(stmt, def.location, name),
    typeLoc: locOf(stmt, typeStart, typeEnd),
  };
  if (/^(small|big)?serial[248]?$/.test(col.type)) { col.hasDefault = true; col.notNull = true; }
  for (const c of def.constraints ?? []) {
    const k = c.Constraint;
    if (!k) continue;
    switch (k.contype) {
      case 'CONSTR_NOTNULL': col.notNull = true; break;
      case 'CONSTR_NULL': col.notNull = false; break;
      case 'CONSTR_DEFAULT': col.hasDefault = true; if (k.raw_expr) defaults.set(col, { stmt, expr: k.raw_expr }); break;
      case 'CONSTR_IDENTITY': col.identity = true; col.hasDefault = true; col.notNull = true; break;
      case 'CONSTR_GENERATED': col.generated = true; col.hasDefault = true; break;
      case 'CONSTR_PRIMARY': col.notNull = true; break;
    }
  }
  return col;
}

function addIndex(schema: Schema, ix: Index, tableSchema: string): void {
  schema.indexes.set(tableKey(tableSchema, ix.name), ix);
}

function constraintIndexName(t: Table, cols: string[], kind: 'primary' | 'unique', name?: string): string {
  if (name) return name;
  return kind === 'primary' ? `${t.name}_pkey` : `${t.name}_${cols.join('_')}_key`;
}

/** Applies a table-level or column-level constraint to a table. */
function applyConstraint(schema: Schema, stmt: Statement, t: Table, k: Node, column?: string): void {
  const loc = locOf(stmt, fileOffset(stmt, k.location), fileOffset(stmt, k.location) + 1);
  const keyCols = column ? [column] : strings(k.keys);
  switch (k.contype) {
    case 'CONSTR_PRIMARY': {
      t.primaryKey = { name: k.conname, columns: keyCols, loc };
      for (const c of keyCols) { const col = t.columns.get(c); if (col) col.notNull = true; }
      addIndex(schema, {
        name: constraintIndexName(t, keyCols, 'primary', k.conname ?? k.indexname), table: t.key, columns: keyCols, exprs: keyCols.map(() => ''),
        opclasses: keyCols.map(() => ''), method: 'btree', unique: true, constraint: 'primary', predicate: '', predicateText: '',
        include: strings(k.including), loc,
      }, t.schema);
      break;
    }
    case 'CONSTR_UNIQUE': {
      if (keyCols.length === 0) break; // UNIQUE USING INDEX
      addIndex(schema, {
        name: constraintIndexName(t, keyCols, 'unique', k.conname ?? k.indexname), table: t.key, columns: keyCols, exprs: keyCols.map(() => ''),
        opclasses: keyCols.map(() => ''), method: 'btree', unique: true, constraint: 'unique', predicate: '', predicateText: '',
        include: strings(k.including), loc,
      }, t.schema);
      break;
    }
    case 'CONSTR_FOREIGN': {
      const ref = k.pktable;
      if (!ref) break;
      const cols = column ? [column] : strings(k.fk_attrs);
      t.foreignKeys.push({
        name: k.conname,
        columns: cols,
        refTable: tableKey(ref.schemaname, ref.relname),
        refColumns: strings(k.pk_attrs),
        notValid: !!k.skip_validation,
        loc,
      });
      break;
    }
    case 'CONSTR_CHECK': {
      t.checks.push({ name: k.conname, text: '', loc });
      break;
    }
    case 'CONSTR_NOTNULL': {
      for (const c of keyCols) { const col = t.columns.get(c); if (col) col.notNull = true; }
      break;
    }
  }
}

function createTable(schema: Schema, stmt: Statement, n: Node): void {
  const rv = n.relation;
  if (!rv?.relname) return;
  const key = tableKey(rv.schemaname, rv.relname);
  if (schema.tables.has(key) && n.if_not_exists) return;
  const t: Table = {
    key, schema: rv.schemaname ?? 'public', name: rv.relname, columns: new Map(), foreignKeys: [], checks: [],
    partitioned: !!n.partspec, loc: identLoc(stmt, rv.location, rv.relname), createdIn: stmt.file.path, kind: 'table',
  };
  // drop stale indexes of a table of the same name
  dropTable(schema, key);
  // inherited / LIKE columns
  for (const parent of n.inhRelations ?? []) {
    const p = parent.RangeVar;
    const pt = p && schema.table(p.schemaname, p.relname);
    if (pt) {
      for (const c of pt.columns.values()) t.columns.set(c.name, { ...c });
      if (n.partbound) { t.partitionOf = pt.key; if (pt.primaryKey) t.primaryKey = { ...pt.primaryKey }; }
      if (pt.columnsUnknown) t.columnsUnknown = true;
      // an INHERITS child gets the columns its parent gains later, which the model does not follow
      if (!n.partbound) t.columnsUnknown = true;
    } else {
      t.columnsUnknown = true;
    }
  }
  // A typed table (`CREATE TABLE people OF person`) has the composite type's attributes as columns,
  // and gains those ALTER TYPE ... ADD ATTRIBUTE ... CASCADE adds later: the model does not record
  // composite types, so it does not know them. Its `name WITH OPTIONS ...` elements only add options
  // to such a column (they have no type of their own).
  if (n.ofTypename) t.columnsUnknown = true;
  schema.tables.set(key, t);
  for (const el of n.tableElts ?? []) {
    if (el.ColumnDef) {
      if (n.ofTypename && !el.ColumnDef.typeName) continue;
      const col = makeColumn(stmt, el.ColumnDef);
      if (!col) continue;
      t.columns.set(col.name, col);
      for (const c of el.ColumnDef.constraints ?? []) if (c.Constraint) applyConstraint(schema, stmt, t, c.Constraint, col.name);
    } else if (el.Constraint) {
      applyConstraint(schema, stmt, t, el.Constraint);
    } else if (el.TableLikeClause) {
      const src = el.TableLikeClause.relation;
      const st = src && schema.table(src.schemaname, src.relname);
      if (st) for (const c of st.columns.values()) t.columns.set(c.name, { ...c });
      if (!st || st.columnsUnknown) t.columnsUnknown = true;
    }
  }
  schema.version++;
}

/** Every partition of a table, at any depth. */
function partitionsOf(schema: Schema, t: Table): Table[] {
  const out: Table[] = [];
  const walk = (key: string, depth: number) => {
    if (depth > 32) return;
    for (const o of schema.tables.values()) if (o.partitionOf === key && o !== t) { out.push(o); walk(o.key, depth + 1); }
  };
  walk(t.key, 0);
  return out;
}

function dropTable(schema: Schema, key: string): void {
  if (!schema.tables.delete(key)) return;
  for (const k of schema.indexes.keysOfTable(key)) schema.indexes.delete(k);
  schema.version++;
}

function createIndex(schema: Schema, stmt: Statement, n: Node): void {
  const rv = n.relation;
  const t = rv && schema.table(rv.schemaname, rv.relname);
  if (!t) return;
  const columns: (string | null)[] = [];
  const exprs: string[] = [];
  const opclasses: string[] = [];
  const desc: boolean[] = [];
  const nulls: ('' | 'first' | 'last')[] = [];
  for (const p of n.indexParams ?? []) {
    const e = p.IndexElem;
    if (!e) continue;
    desc.push(e.ordering === 'SORTBY_DESC');
    nulls.push(e.nulls_ordering === 'SORTBY_NULLS_FIRST' ? 'first' : e.nulls_ordering === 'SORTBY_NULLS_LAST' ? 'last' : '');
    if (e.name) { columns.push(e.name); exprs.push(''); }
    else { columns.push(null); exprs.push(shape(e.expr)); }
    opclasses.push(strings(e.opclass).join('.'));
  }
  const name = n.idxname ?? `${t.name}_${columns.map((c) => c ?? 'expr').join('_')}_idx`;
  const key = tableKey(rv.schemaname ?? t.schema, name);
  if (schema.indexes.has(key) && n.if_not_exists) return;
  const start = stmt.start;
  let predicateText = '';
  if (n.whereClause) {
    const m = /\bwhere\b([\s\S]*)$/i.exec(stmt.text);
    predicateText = m ? m[1].replace(/;\s*$/, '').trim() : '';
  }
  schema.indexes.set(key, {
    name, table: t.key, columns, exprs, opclasses, desc, nulls, keyText: indexKeyTexts(stmt, rv.location, columns.length), method: (n.accessMethod ?? 'btree').toLowerCase(), unique: !!n.unique,
    predicate: n.whereClause ? shape(n.whereClause) : '', predicateText,
    include: (n.indexIncludingParams ?? []).map((p: Node) => p.IndexElem?.name).filter(Boolean),
    loc: locOf(stmt, start, stmt.end),
  });
  schema.version++;
}

/**
 * The key elements of a CREATE INDEX as written, from the scanner's tokens: the parenthesised list
 * after the table name, split at its top-level commas. [] when the count does not match the parse.
 */
function indexKeyTexts(stmt: Statement, relLoc: number | undefined, count: number): string[] {
  if (relLoc === undefined) return [];
  const toks = fileTokens(stmt);
  const from = fileOffset(stmt, relLoc);
  let i = toks.findIndex((t) => t.start >= from && t.text === '(');
  if (i < 0) return [];
  const out: string[] = [];
  let depth = 0;
  let first = -1;
  for (i++; i < toks.length; i++) {
    const t = toks[i];
    if (depth === 0 && (t.text === ',' || t.text === ')')) {
      if (first < 0) return [];
      out.push(stmt.file.text.slice(toks[first].start, toks[i - 1].end).replace(/\s+/g, ' '));
      first = -1;
      if (t.text === ')') break;
      continue;
    }
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    if (first < 0) first = i;
  }
  return out.length === count ? out : [];
}

/**
 * The key elements as written, after a column rename: a plain column element gets the new name (its
 * options kept); when an expression uses the column the text is dropped (the hover then shows the
 * key from the parse), never left naming a column the table no longer has.
 */
function renamedKeyText(ix: Index, from: string, to: string): string[] | undefined {
  if (!ix.keyText) return undefined;
  const mention = JSON.stringify({ String: { sval: from } });
  if (ix.exprs.some((e) => e.includes(mention))) return undefined;
  return ix.keyText.map((k, i) => (ix.columns[i] === from ? k.replace(/^("(?:[^"]|"")*"|[^\s]+)/, quoteIdent(to)) : k));
}

function alterTable(schema: Schema, stmt: Statement, n: Node): void {
  const rv = n.relation;
  if (n.objtype && n.objtype !== 'OBJECT_TABLE') return;
  const t = rv && schema.table(rv.schemaname, rv.relname);
  if (!t) return;
  for (const c of n.cmds ?? []) {
    const cmd = c.AlterTableCmd;
    if (!cmd) continue;
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const def = cmd.def?.ColumnDef;
        const col = def && makeColumn(stmt, def);
        if (!col) break;
        if (t.columns.has(col.name) && cmd.missing_ok) break;
        t.columns.set(col.name, col);
        // partitions get the parent's new column (PostgreSQL adds it to every partition)
        if (t.partitioned) for (const part of partitionsOf(schema, t)) if (!part.columns.has(col.name)) part.columns.set(col.name, { ...col });
        for (const k of def.constraints ?? []) if (k.Constraint) applyConstraint(schema, stmt, t, k.Constraint, col.name);
        break;
      }
      case 'AT_DropColumn': {
        t.columns.delete(cmd.name);
        for (const k of schema.indexes.keysOfTable(t.key)) if (schema.indexes.get(k)!.columns.includes(cmd.name)) schema.indexes.delete(k);
        t.foreignKeys = t.foreignKeys.filter((fk: ForeignKey) => !fk.columns.includes(cmd.name));
        if (t.primaryKey?.columns.includes(cmd.name)) t.primaryKey = undefined;
        break;
      }
      case 'AT_AlterColumnType': {
        const col = t.columns.get(cmd.name);
        const def = cmd.def?.ColumnDef;
        const ti = typeInfo(def?.typeName);
        if (col && ti) {
          const s = fileOffset(stmt, def.typeName.location);
          const e = typeExtent(stmt, s);
          col.type = ti.name; col.typeMods = ti.mods; col.array = ti.array;
          col.typeText = stmt.file.text.slice(s, e);
          col.typeLoc = locOf(stmt, s, e);
        }
        break;
      }
      case 'AT_SetNotNull': { const col = t.columns.get(cmd.name); if (col) col.notNull = true; break; }
      case 'AT_DropNotNull': { const col = t.columns.get(cmd.name); if (col) col.notNull = false; break; }
      case 'AT_ColumnDefault': {
        const col = t.columns.get(cmd.name);
        if (col) {
          col.hasDefault = !!cmd.def;
          if (cmd.def) defaults.set(col, { stmt, expr: cmd.def }); else defaults.delete(col);
        }
        break;
      }
      case 'AT_AddIdentity': { const col = t.columns.get(cmd.name); if (col) { col.identity = true; col.hasDefault = true; } break; }
      case 'AT_AddConstraint': { const k = cmd.def?.Constraint; if (k) applyConstraint(schema, stmt, t, k); break; }
      case 'AT_DropConstraint': {
        const name = cmd.name;
        t.foreignKeys = t.foreignKeys.filter((fk: ForeignKey) => fk.name !== name);
        t.checks = t.checks.filter((ck: Check) => ck.name !== name);
        if (t.primaryKey && (t.primaryKey.name === name || `${t.name}_pkey` === name)) t.primaryKey = undefined;
        for (const k of schema.indexes.keysOfTable(t.key)) { const ix = schema.indexes.get(k)!; if (ix.constraint && ix.name === name) schema.indexes.delete(k); }
        break;
      }
      case 'AT_AttachPartition': {
        const pr = cmd.def?.PartitionCmd?.name;
        const child = pr && schema.table(pr.schemaname, pr.relname);
        if (child && child !== t) { child.partitionOf = t.key; if (!child.primaryKey && t.primaryKey) child.primaryKey = { ...t.primaryKey }; }
        break;
      }
      case 'AT_DetachPartition': {
        const pr = cmd.def?.PartitionCmd?.name;
        const child = pr && schema.table(pr.schemaname, pr.relname);
        if (child && child.partitionOf === t.key) child.partitionOf = undefined;
        break;
      }
      case 'AT_ValidateConstraint': {
        for (const fk of t.foreignKeys) if (fk.name === cmd.name) fk.notValid = false;
        break;
      }
    }
  }
  schema.version++;
}

function rename(schema: Schema, stmt: Statement, n: Node): void {
  const rv = n.relation;
  switch (n.renameType) {
    case 'OBJECT_TABLE': case 'OBJECT_VIEW': case 'OBJECT_MATVIEW': case 'OBJECT_FOREIGN_TABLE': {
      const t = rv && schema.table(rv.schemaname, rv.relname);
      if (!t) return;
      schema.tables.delete(t.key);
      const oldKey = t.key;
      schema.renames.push({ kind: 'relation', table: t, from: t.name, to: n.newname, loc: stmtLoc(stmt) });
      t.name = n.newname;
      t.key = tableKey(t.schema, t.name);
      schema.tables.set(t.key, t);
      for (const ix of schema.indexes.ofTable(oldKey)) ix.table = t.key;
      schema.indexes.refile();
      for (const other of schema.tables.values()) for (const fk of other.foreignKeys) if (fk.refTable === oldKey) fk.refTable = t.key;
      break;
    }
    case 'OBJECT_COLUMN': {
      const t = rv && schema.table(rv.schemaname, rv.relname);
      const col = t?.columns.get(n.subname);
      if (!t || !col) return;
      schema.renames.push({ kind: 'column', table: t, from: n.subname, to: n.newname, loc: stmtLoc(stmt) });
      const cols = [...t.columns.entries()].map(([k, v]) => (k === n.subname ? [n.newname, v] : [k, v]) as [string, Column]);
      col.name = n.newname;
      t.columns.clear();
      for (const [k, v] of cols) t.columns.set(k, v);
      for (const part of t.partitioned ? partitionsOf(schema, t) : []) {
        const pc = part.columns.get(n.subname);
        if (!pc || part.columns.has(n.newname)) continue;
        const list = [...part.columns.entries()].map(([k, v]) => (k === n.subname ? [n.newname, { ...v, name: n.newname }] : [k, v]) as [string, Column]);
        part.columns.clear();
        for (const [k, v] of list) part.columns.set(k, v);
      }
      const swap = (list: (string | null)[]) => list.map((c) => (c === n.subname ? n.newname : c));
      for (const ix of schema.indexes.ofTable(t.key)) {
        ix.keyText = renamedKeyText(ix, n.subname, n.newname);
        ix.columns = swap(ix.columns); ix.include = swap(ix.include) as string[];
      }
      for (const fk of t.foreignKeys) fk.columns = swap(fk.columns) as string[];
      if (t.primaryKey) t.primaryKey.columns = swap(t.primaryKey.columns) as string[];
      for (const other of schema.tables.values()) for (const fk of other.foreignKeys) if (fk.refTable === t.key) fk.refColumns = swap(fk.refColumns) as string[];
      break;
    }
    case 'OBJECT_INDEX': {
      if (!rv) return;
      const key = tableKey(rv.schemaname, rv.relname);
      let ix = schema.indexes.get(key);
      let k = key;
      if (!ix && !rv.schemaname && schema.indexes.hasName(rv.relname)) for (const [kk, v] of schema.indexes) if (v.name === rv.relname) { ix = v; k = kk; break; }
      if (!ix) return;
      schema.indexes.delete(k);
      ix.name = n.newname;
      schema.indexes.set(tableKey(k.split('.')[0], n.newname), ix);
      break;
    }
    case 'OBJECT_TABCONSTRAINT': {
      const t = rv && schema.table(rv.schemaname, rv.relname);
      if (!t) return;
      for (const fk of t.foreignKeys) if (fk.name === n.subname) fk.name = n.newname;
      if (t.primaryKey?.name === n.subname) t.primaryKey.name = n.newname;
      break;
    }
    case 'OBJECT_SCHEMA':
      // the model does not move tables between schemas on a schema rename: names there are unsure
      schema.gaps.add('*');
      return;
    default: return;
  }
  schema.version++;
}

function drop(schema: Schema, n: Node): void {
  const names = (n.objects ?? []).map((o: Node) => strings(o.List?.items ?? (o.String ? [o] : [])));
  switch (n.removeType) {
    case 'OBJECT_TABLE': case 'OBJECT_VIEW': case 'OBJECT_MATVIEW': case 'OBJECT_FOREIGN_TABLE':
      for (const parts of names) {
        const name = parts[parts.length - 1];
        const sch = parts.length > 1 ? parts[parts.length - 2] : undefined;
        const t = name && schema.table(sch, name);
        if (t) dropTable(schema, t.key);
      }
      break;
    case 'OBJECT_INDEX':
      for (const parts of names) {
        const name = parts[parts.length - 1];
        const sch = parts.length > 1 ? parts[parts.length - 2] : undefined;
        if (!schema.indexes.delete(tableKey(sch, name)) && !sch && schema.indexes.hasName(name)) {
          for (const [k, v] of schema.indexes) if (v.name === name) { schema.indexes.delete(k); break; }
        }
      }
      schema.version++;
      break;
    case 'OBJECT_SCHEMA':
      for (const parts of names) {
        for (const t of [...schema.tables.values()]) if (t.schema === parts[0]) dropTable(schema, t.key);
      }
      break;
  }
}

function createView(schema: Schema, stmt: Statement, rv: Node, kind: 'view' | 'matview' | 'table', columns: string[], complete: boolean): void {
  if (!rv?.relname) return;
  const key = tableKey(rv.schemaname, rv.relname);
  dropTable(schema, key);
  const t: Table = {
    key, schema: rv.schemaname ?? 'public', name: rv.relname, columns: new Map(), foreignKeys: [], checks: [], partitioned: false,
    loc: identLoc(stmt, rv.location, rv.relname), createdIn: stmt.file.path, kind, definition: stmt.text,
    ...(complete ? {} : { columnsUnknown: true }),
  };
  for (const c of columns) {
    t.columns.set(c, {
      name: c, type: 'unknown', typeMods: [], array: false, typeText: '', notNull: false, hasDefault: false, identity: false,
      generated: false, loc: t.loc, typeLoc: t.loc,
    });
  }
  schema.tables.set(key, t);
  schema.version++;
}

/**
 * True when selectColumns names every output column of the query: a plain SELECT (no set operation,
 * no VALUES) whose targets are all aliased or plain column references (no `*`).
 */
function selectColumnsComplete(q: Node | undefined): boolean {
  const sel = q?.SelectStmt;
  if (!sel?.targetList || (sel.op && sel.op !== 'SETOP_NONE')) return false;
  for (const rt of sel.targetList) {
    const r = rt.ResTarget;
    if (!r) return false;
    if (r.name) continue;
    const f = r.val?.ColumnRef ? strings(r.val.ColumnRef.fields) : [];
    if (!f.length || f[f.length - 1] === '*' || f[f.length - 1] === '') return false;
  }
  return true;
}

/** Output column names of a simple SELECT (aliases and plain column references), for views. */
function selectColumns(q: Node | undefined): string[] {
  const sel = q?.SelectStmt;
  if (!sel?.targetList) return [];
  const out: string[] = [];
  for (const rt of sel.targetList) {
    const r = rt.ResTarget;
    if (!r) continue;
    if (r.name) out.push(r.name);
    else if (r.val?.ColumnRef) {
      const f = strings(r.val.ColumnRef.fields);
      const last = f[f.length - 1];
      if (last && last !== '*') out.push(last);
    }
  }
  return out;
}

/**
 * The plain SQL statements of a DO block's PL/pgSQL body (not EXECUTE strings), as statements located
 * inside the DO statement, so that what they define points at where it was written.
 */
export function doBlockStatements(stmt: Statement): Statement[] {
  const funcs = parsePlpgsql(stmt.text);
  if (!funcs) return [];
  const queries: string[] = [];
  const visit = (v: any): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) { v.forEach(visit); return; }
    const q = v.PLpgSQL_stmt_execsql?.sqlstmt?.PLpgSQL_expr?.query;
    if (typeof q === 'string') { queries.push(q); return; }
    for (const k of Object.keys(v)) visit(v[k]);
  };
  visit(funcs);
  const out: Statement[] = [];
  let cursor = 0;
  for (const q of queries) {
    const at = stmt.text.indexOf(q, cursor);
    if (at < 0) continue;
    cursor = at + q.length;
    const parsed = parseStatement(q);
    const kind = kindOf(parsed.node);
    if (!kind) continue;
    out.push({
      file: stmt.file, index: stmt.index, start: stmt.start + at, end: stmt.start + at + q.length, text: q,
      templated: stmt.templated, parsed, kind, node: parsed.node![kind],
    });
  }
  return out;
}

/** Extensions that create no tables or views (their functions and types do not matter to relation names). */
const NO_RELATIONS = new Set([
  'plpgsql', 'pgcrypto', 'uuid-ossp', 'citext', 'hstore', 'pg_trgm', 'btree_gin', 'btree_gist', 'unaccent', 'ltree', 'intarray',
  'fuzzystrmatch', 'cube', 'earthdistance', 'isn', 'tablefunc', 'pgjwt', 'vector', 'tsm_system_rows', 'tsm_system_time', 'dblink',
  'postgres_fdw', 'bloom', 'pg_stat_statements', 'pgstattuple', 'pg_buffercache', 'pg_prewarm', 'seg', 'lo', 'moddatetime',
  'pg_visibility', 'amcheck', 'xml2', 'dict_int', 'dict_xsyn', 'intagg', 'sslinfo', 'tcn', 'autoinc', 'insert_username', 'refint',
]);

/** DDL that creates or changes relations, as text (inside function bodies and EXECUTE strings). */
const DYNAMIC_DDL = /\b(create\s+(or\s+replace\s+)?((global|local)\s+)?((temp|temporary|unlogged)\s+)?(table|view|materialized\s+view|foreign\s+table|schema)|alter\s+(table|view))/i;

/** Applies a statement's DDL to the schema. */
export function applyStatement(schema: Schema, stmt: Statement): void {
  // a MySQL file's statements are replayed by the MySQL front end (into the same model)
  if (stmt.file?.dialect?.family === 'mysql') { applyMySqlStatement(schema, stmt); return; }
  const n = stmt.node;
  if (!n) {
    // a statement the parser did not read may have created anything
    if (stmt.parsed.error && /\b(create|alter)\b/i.test(stmt.text)) schema.gaps.add('*');
    return;
  }
  // calling a function that runs DDL the model cannot follow (CREATE TABLE in its body, EXECUTE)
  if (schema.ddlFunctions.size && (stmt.kind === 'SelectStmt' || stmt.kind === 'DoStmt' || stmt.kind === 'CallStmt')) {
    for (const m of stmt.text.matchAll(/([A-Za-z_][A-Za-z0-9_$]*)"?\s*\(/g)) if (schema.ddlFunctions.has(m[1].toLowerCase())) { schema.gaps.add('*'); break; }
  }
  try {
    switch (stmt.kind) {
      case 'CreateStmt': createTable(schema, stmt, n); break;
      case 'AlterTableStmt': alterTable(schema, stmt, n); break;
      case 'IndexStmt': createIndex(schema, stmt, n); break;
      case 'RenameStmt': rename(schema, stmt, n); break;
      case 'DropStmt': drop(schema, n); break;
      case 'ViewStmt': {
        const named = (n.aliases ?? []).length > 0;
        const cols = named ? strings(n.aliases) : selectColumns(n.query);
        // a column list may name only the first columns: the rest keep the query's names
        createView(schema, stmt, n.view, 'view', cols, !named && selectColumnsComplete(n.query));
        break;
      }
      case 'CreateTableAsStmt': {
        const into = n.into?.IntoClause ?? n.into;
        const named = (into?.colNames ?? []).length > 0;
        const cols = named ? strings(into.colNames) : selectColumns(n.query);
        createView(schema, stmt, into?.rel, n.objtype === 'OBJECT_MATVIEW' ? 'matview' : 'table', cols, !named && selectColumnsComplete(n.query));
        break;
      }
      case 'SelectStmt':
        // SELECT ... INTO creates a table whose columns the model does not know for sure
        if (n.intoClause?.rel) createView(schema, stmt, n.intoClause.rel, 'table', [], false);
        break;
      case 'CreateForeignTableStmt':
        if (n.base) { createTable(schema, stmt, n.base); const rv = n.base.relation; const t = rv && schema.table(rv.schemaname, rv.relname); if (t) t.columnsUnknown = true; }
        break;
      case 'CreateSeqStmt': {
        const rv = n.sequence;
        if (rv?.relname) schema.otherRelations.add(tableKey(rv.schemaname, rv.relname));
        break;
      }
      case 'CreateSchemaStmt':
        if (n.schemaname) schema.namespaces.add(n.schemaname);
        // its elements (CREATE SCHEMA s CREATE TABLE ...) are not replayed
        if ((n.schemaElts ?? []).length) schema.gaps.add(n.schemaname ?? '*');
        break;
      case 'CreateExtensionStmt': {
        if (NO_RELATIONS.has(String(n.extname).toLowerCase())) break;
        let where = 'public';
        for (const o of n.options ?? []) if (o.DefElem?.defname === 'schema' && o.DefElem.arg?.String) where = o.DefElem.arg.String.sval;
        schema.gaps.add(where);
        break;
      }
      case 'ImportForeignSchemaStmt':
        schema.gaps.add(n.local_schema ?? '*');
        break;
      case 'AlterObjectSchemaStmt': {
        const rv = n.relation;
        const t = rv && (n.objectType === 'OBJECT_TABLE' || n.objectType === 'OBJECT_VIEW' || n.objectType === 'OBJECT_MATVIEW') ? schema.table(rv.schemaname, rv.relname) : undefined;
        if (t && n.newschema) {
          schema.tables.delete(t.key);
          const oldKey = t.key;
          t.schema = n.newschema;
          t.key = tableKey(t.schema, t.name);
          schema.tables.set(t.key, t);
          for (const ix of schema.indexes.ofTable(oldKey)) ix.table = t.key;
          schema.indexes.refile();
          for (const other of schema.tables.values()) for (const fk of other.foreignKeys) if (fk.refTable === oldKey) fk.refTable = t.key;
          schema.version++;
        } else if (n.objectType === 'OBJECT_TABLE' || n.objectType === 'OBJECT_VIEW' || n.objectType === 'OBJECT_MATVIEW' || n.objectType === 'OBJECT_FOREIGN_TABLE') {
          schema.gaps.add(n.newschema ?? '*');
        }
        break;
      }
      case 'VariableSetStmt':
        if (n.name === 'search_path') schema.searchPathChanged = true;
        break;
      case 'AlterRoleSetStmt': case 'AlterDatabaseSetStmt':
        if (n.setstmt?.name === 'search_path') schema.searchPathChanged = true;
        break;
      case 'CreateFunctionStmt': {
        // a function that builds tables or columns: the model cannot follow it once it is called
        const name = strings(n.funcname).pop();
        if (name && DYNAMIC_DDL.test(stmt.text)) schema.ddlFunctions.add(name.toLowerCase());
        break;
      }
      case 'DoStmt':
        // DDL inside DO blocks (`IF NOT EXISTS (...) THEN ALTER TABLE ...`) is replayed as if it ran;
        // DDL it runs through EXECUTE is not
        for (const inner of doBlockStatements(stmt)) applyStatement(schema, inner);
        if (/\bexecute\b/i.test(stmt.text) && DYNAMIC_DDL.test(stmt.text)) schema.gaps.add('*');
        break;
      case 'TruncateStmt': break;
    }
  } catch {
    // A statement whose shape we did not expect changes nothing; analysis goes on.
  }
}

export { stmtLoc };
