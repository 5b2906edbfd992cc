// The outline of a SQL file (textDocument/documentSymbol, hierarchical): tables with their columns,
// views, materialized views, functions and procedures, indexes, triggers, types, domains, sequences
// and schemas it creates. The range is the statement, the selection range the object's name.
import { SymbolKind, type DocumentSymbol, type DocumentSymbolParams } from 'vscode-languageserver';
import type { SourceFile, Statement } from '../../model';
import { fileOffset } from '../../replay';
import { strings } from '../../sql/ast';
import type { Node, Token } from '../../sql/parse';
import { nameParts } from '../../sql/references';
import { fileTokens } from '../../sql/spans';
import { guard, type DbeServer } from '../server';
import { mySqlOutline } from '../mysql-outline';

export function register(server: DbeServer): void {
  server.connection.onDocumentSymbol(guard(server, 'documentSymbol', null as DocumentSymbol[] | null, (p: DocumentSymbolParams) => documentSymbols(server, p)));
}

export function documentSymbols(server: DbeServer, params: DocumentSymbolParams): DocumentSymbol[] | null {
  if (!server.settings.enable) return null;
  const found = server.fileFor(params.textDocument.uri);
  if (!found) return null;
  // a MySQL / MariaDB file: its statements have no PostgreSQL tree; the outline comes from its tokens
  return found.file.dialect.family === 'mysql' ? mySqlOutline(found.file) : outline(found.file);
}

interface Span { start: number; end: number }

/** The name written after the first of `keywords` (skipping CONCURRENTLY, IF NOT EXISTS, OR REPLACE...). */
function nameAfter(stmt: Statement, keywords: string[]): Span | undefined {
  const toks = fileTokens(stmt);
  const i = toks.findIndex((t) => keywords.includes(t.text.toLowerCase()));
  if (i < 0) return undefined;
  let j = i + 1;
  const skip = new Set(['concurrently', 'if', 'not', 'exists', 'constraint']);
  while (toks[j] && skip.has(toks[j].text.toLowerCase())) j++;
  const t: Token | undefined = toks[j];
  if (!t || t.text === '(' || t.text.toLowerCase() === 'on') return undefined;
  const parts = nameParts(stmt.file.text, t.start, stmt.end);
  return parts.length ? { start: parts[0].start, end: parts[parts.length - 1].end } : undefined;
}

/** A RangeVar's name as written (qualified when written so). */
function relSpan(stmt: Statement, rv: Node | undefined): Span | undefined {
  if (!rv || typeof rv.location !== 'number') return undefined;
  const start = fileOffset(stmt, rv.location);
  const parts = nameParts(stmt.file.text, start, stmt.end);
  return parts.length ? { start: parts[0].start, end: parts[parts.length - 1].end } : undefined;
}

/** End of a table element (a column definition) starting at `start`: the next top-level `,` or the closing `)`. */
function elementEnd(stmt: Statement, start: number): number {
  const toks = fileTokens(stmt);
  let depth = 0, end = start;
  for (const t of toks) {
    if (t.start < start) continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') { if (depth === 0) break; depth--; }
    else if (t.text === ',' && depth === 0) break;
    end = t.end;
  }
  return end;
}

export function outline(file: SourceFile): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const range = (s: number, e: number) => file.lines.range(s, e);
  for (const stmt of file.statements) {
    const n = stmt.node;
    if (!n) continue;
    const full = { start: stmt.start, end: stmt.end };
    const sym = (name: string, kind: SymbolKind, sel: Span | undefined, detail?: string, children?: DocumentSymbol[]): void => {
      if (!sel || !name) return;
      out.push({ name, kind, detail, range: range(full.start, full.end), selectionRange: range(sel.start, sel.end), ...(children ? { children } : {}) });
    };
    const text = (s: Span | undefined) => (s ? file.text.slice(s.start, s.end) : '');
    switch (stmt.kind) {
      case 'CreateStmt': {
        const sel = relSpan(stmt, n.relation);
        const children: DocumentSymbol[] = [];
        for (const el of n.tableElts ?? []) {
          const cd = el.ColumnDef;
          if (!cd?.colname || typeof cd.location !== 'number') continue;
          const s = fileOffset(stmt, cd.location);
          const parts = nameParts(file.text, s, stmt.end);
          if (!parts.length) continue;
          const e = elementEnd(stmt, s);
          const type = strings(cd.typeName?.names).filter((x) => x !== 'pg_catalog').join('.');
          children.push({ name: cd.colname, kind: SymbolKind.Field, detail: type || undefined, range: range(s, Math.max(e, parts[0].end)), selectionRange: range(parts[0].start, parts[0].end) });
        }
        sym(text(sel), SymbolKind.Class, sel, n.partbound ? 'partition' : 'table', children);
        break;
      }
      case 'ViewStmt': { const sel = relSpan(stmt, n.view); sym(text(sel), SymbolKind.Interface, sel, 'view'); break; }
      case 'CreateTableAsStmt': {
        const into = n.into?.IntoClause ?? n.into;
        const sel = relSpan(stmt, into?.rel);
        sym(text(sel), n.objtype === 'OBJECT_MATVIEW' ? SymbolKind.Interface : SymbolKind.Class, sel, n.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table');
        break;
      }
      case 'CreateFunctionStmt': {
        const sel = nameAfter(stmt, n.is_procedure ? ['procedure'] : ['function']);
        sym(text(sel), SymbolKind.Function, sel, n.is_procedure ? 'procedure' : 'function');
        break;
      }
      case 'IndexStmt': {
        const sel = n.idxname ? nameAfter(stmt, ['index']) : relSpan(stmt, n.relation);
        const on = n.relation?.relname;
        sym(n.idxname ? text(sel) : `(index on ${on})`, SymbolKind.Key, sel, `${n.unique ? 'unique ' : ''}index on ${on}`);
        break;
      }
      case 'CreateTrigStmt': { const sel = nameAfter(stmt, ['trigger']); sym(text(sel), SymbolKind.Event, sel, `trigger on ${n.relation?.relname ?? ''}`); break; }
      case 'CreateEnumStmt': { const sel = nameAfter(stmt, ['type']); sym(text(sel), SymbolKind.Enum, sel, 'enum'); break; }
      case 'CompositeTypeStmt': { const sel = relSpan(stmt, n.typevar); sym(text(sel), SymbolKind.Struct, sel, 'type'); break; }
      case 'CreateDomainStmt': { const sel = nameAfter(stmt, ['domain']); sym(text(sel), SymbolKind.TypeParameter, sel, 'domain'); break; }
      case 'CreateRangeStmt': { const sel = nameAfter(stmt, ['type']); sym(text(sel), SymbolKind.TypeParameter, sel, 'range type'); break; }
      case 'CreateSeqStmt': { const sel = relSpan(stmt, n.sequence); sym(text(sel), SymbolKind.Constant, sel, 'sequence'); break; }
      case 'CreateSchemaStmt': { const sel = nameAfter(stmt, ['schema']); sym(text(sel), SymbolKind.Namespace, sel, 'schema'); break; }
    }
  }
  return out;
}
