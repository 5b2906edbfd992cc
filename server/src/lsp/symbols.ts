// What is under the cursor: a table (any relation reference) or a column (a column reference
// resolved through the statement's FROM items and aliases, or a column definition).
import { statementAt } from '../engine/suppress';
import type { SourceFile, Statement } from '../model';
import { fileOffset } from '../replay';
import type { Column, Schema, Table } from '../schema';
import { strings } from '../sql/ast';
import type { Node } from '../sql/parse';

export type SymbolAt =
  | { kind: 'table'; table: Table; start: number; end: number }
  | { kind: 'column'; table: Table; column: Column; start: number; end: number };

interface Part { start: number; end: number }

const IDENT = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;

/** The parts of a (possibly qualified, possibly quoted) name written at `at`, e.g. `public . "Users"`. */
export function nameParts(text: string, at: number, limit: number): Part[] {
  const parts: Part[] = [];
  let i = at;
  for (;;) {
    let end: number;
    if (text[i] === '"') {
      end = i + 1;
      while (end < limit) {
        if (text[end] === '"') { if (text[end + 1] === '"') { end += 2; continue; } end++; break; }
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

interface RelRef { node: Node; table?: Table; start: number; end: number }

/** Every relation reference of a statement (RangeVar payloads, wrapped or not). */
function relationRefs(stmt: Statement, schema: Schema): RelRef[] {
  const out: RelRef[] = [];
  const text = stmt.file.text;
  const visit = (v: any) => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) { for (const x of v) visit(x); return; }
    if (typeof v.relname === 'string' && typeof v.location === 'number' && v.location >= 0) {
      const start = fileOffset(stmt, v.location);
      const parts = nameParts(text, start, stmt.end);
      const end = parts.length ? parts[parts.length - 1].end : start + v.relname.length;
      out.push({ node: v, table: schema.table(v.schemaname, v.relname), start, end });
    }
    for (const k of Object.keys(v)) if (k !== 'location') visit(v[k]);
  };
  visit(stmt.node);
  return out;
}

function within(offset: number, start: number, end: number): boolean { return offset >= start && offset <= end; }

export function symbolAt(file: SourceFile, offset: number, schema: Schema): SymbolAt | undefined {
  const stmt = statementAt(file, offset);
  if (!stmt?.node) return undefined;
  const refs = relationRefs(stmt, schema);
  for (const r of refs) {
    if (r.table && within(offset, r.start, r.end)) return { kind: 'table', table: r.table, start: r.start, end: r.end };
  }
  // Aliases and names by which the statement's tables can be qualified.
  const byName = new Map<string, Table>();
  for (const r of refs) {
    if (!r.table) continue;
    const alias = r.node.alias?.aliasname;
    if (alias) byName.set(alias, r.table);
    if (!byName.has(r.node.relname)) byName.set(r.node.relname, r.table);
  }
  let found: SymbolAt | undefined;
  const text = file.text;
  // INSERT INTO t (col, ...) and UPDATE t SET col = ...: the target columns of the statement's table
  const targets: Node[] | undefined = stmt.kind === 'InsertStmt' ? stmt.node.cols : stmt.kind === 'UpdateStmt' ? stmt.node.targetList : undefined;
  const owner = stmt.node.relation;
  const ownerTable = owner && schema.table(owner.schemaname, owner.relname);
  for (const t of targets ?? []) {
    const rt = t?.ResTarget;
    if (!ownerTable || !rt?.name || typeof rt.location !== 'number') continue;
    const start = fileOffset(stmt, rt.location);
    const parts = nameParts(text, start, stmt.end);
    const end = parts.length ? parts[0].end : start + rt.name.length;
    const c = ownerTable.columns.get(rt.name);
    if (c && within(offset, start, end)) return { kind: 'column', table: ownerTable, column: c, start, end };
  }
  const visit = (v: any) => {
    if (found || !v || typeof v !== 'object') return;
    if (Array.isArray(v)) { for (const x of v) visit(x); return; }
    const cr = v.ColumnRef;
    if (cr && typeof cr.location === 'number') {
      const start = fileOffset(stmt, cr.location);
      const fields = strings(cr.fields);
      const parts = nameParts(text, start, stmt.end);
      if (parts.length === fields.length && parts.length && within(offset, start, parts[parts.length - 1].end)) {
        const i = parts.findIndex((p) => within(offset, p.start, p.end));
        const last = fields.length - 1;
        if (i >= 0 && i < last) {
          const t = byName.get(fields[last - 1]) ?? schema.table(fields.length >= 3 ? fields[last - 2] : undefined, fields[last - 1]);
          if (t && i === last - 1) { found = { kind: 'table', table: t, start: parts[i].start, end: parts[i].end }; return; }
        } else if (i === last && fields[last] !== '*') {
          const col = fields[last];
          const candidates = fields.length >= 2 ? [byName.get(fields[last - 1])] : refs.map((r) => r.table);
          for (const t of candidates) {
            const c = t?.columns.get(col);
            if (t && c) { found = { kind: 'column', table: t, column: c, start: parts[i].start, end: parts[i].end }; return; }
          }
        }
      }
    }
    const cd = v.ColumnDef;
    if (cd && typeof cd.location === 'number' && cd.colname) {
      const start = fileOffset(stmt, cd.location);
      const parts = nameParts(text, start, stmt.end);
      const end = parts.length ? parts[0].end : start + cd.colname.length;
      if (within(offset, start, end)) {
        const owner = stmt.node!.relation;
        const t = owner && schema.table(owner.schemaname, owner.relname);
        const c = t?.columns.get(cd.colname);
        if (t && c) { found = { kind: 'column', table: t, column: c, start, end }; return; }
      }
    }
    for (const k of Object.keys(v)) if (k !== 'location') visit(v[k]);
  };
  visit(stmt.node);
  return found;
}
