// Hover: a table's shape (columns, keys, indexes, foreign keys, where it is defined), or a column.
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
import type { Project } from '../../engine/project';
import type { Loc } from '../../model';
import type { Column, Index, Table } from '../../schema';
import type { Folder } from '../folder';
import { guard, type DbeServer } from '../server';
import { symbolAt } from '../symbols';

export function register(server: DbeServer): void {
  server.connection.onHover(guard(server, 'hover', null as Hover | null, (params: HoverParams) => hover(server, params)));
}

export function hover(server: DbeServer, params: HoverParams): Hover | null {
  if (!server.settings.enable) return null;
  const found = server.fileFor(params.textDocument.uri);
  if (!found) return null;
  const { folder, file } = found;
  const schema = folder.project.schema();
  const sym = symbolAt(file, file.lines.offset(params.position), schema);
  if (!sym) return null;
  const value = sym.kind === 'table'
    ? tableMarkdown(folder, sym.table, schema.indexesOf(sym.table))
    : columnMarkdown(folder, sym.table, sym.column);
  return { contents: { kind: MarkupKind.Markdown, value }, range: file.lines.range(sym.start, sym.end) };
}

function code(s: string): string { return '`' + s.replace(/`/g, "'") + '`'; }
function cell(s: string): string { return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' '); }

export function definedAt(folder: Folder, project: Project, loc: Loc): string {
  if (loc.path === project.baseSource) return `the live database (${loc.path.replace(/^database:\/\//, '')})`;
  const f = project.getFile(loc.path);
  const line = f ? f.lines.position(loc.start).line + 1 : 1;
  return `${folder.displayPath(loc.path)}:${line}`;
}

function columnFacts(c: Column): string {
  const facts: string[] = [];
  if (c.notNull) facts.push('NOT NULL');
  if (c.identity) facts.push('IDENTITY');
  else if (c.generated) facts.push('GENERATED');
  else if (c.hasDefault) facts.push('DEFAULT');
  return facts.join(', ');
}

export function tableMarkdown(folder: Folder, t: Table, indexes: Index[]): string {
  const project = folder.project;
  const kind = t.kind === 'matview' ? 'materialized view' : t.kind;
  const out: string[] = [`**${kind}** ${code(t.schema === 'public' ? t.name : t.key)}${t.partitioned ? ' (partitioned)' : ''}`, ''];
  if (t.columns.size) {
    out.push('| column | type | |', '|---|---|---|');
    for (const c of t.columns.values()) {
      const pk = t.primaryKey?.columns.includes(c.name) ? ' 🔑' : '';
      out.push(`| ${cell(c.name)}${pk} | ${cell(c.typeText || c.type)} | ${columnFacts(c)} |`);
    }
    out.push('');
  }
  if (t.primaryKey) out.push(`**Primary key:** (${t.primaryKey.columns.join(', ')})`, '');
  const ixs = indexes.filter((ix) => ix.constraint !== 'primary');
  if (ixs.length) {
    out.push('**Indexes:**', '');
    for (const ix of ixs) {
      const cols = ix.columns.map((c) => c ?? '(expression)').join(', ');
      const where = ix.predicateText ? ` WHERE ${ix.predicateText}` : '';
      const include = ix.include.length ? ` INCLUDE (${ix.include.join(', ')})` : '';
      out.push(`- ${code(ix.name)}${ix.unique ? ' unique' : ''} ${ix.method} (${cols})${include}${where}`);
    }
    out.push('');
  }
  if (t.foreignKeys.length) {
    out.push('**Foreign keys:**', '');
    for (const fk of t.foreignKeys) {
      const ref = fk.refTable.startsWith('public.') ? fk.refTable.slice(7) : fk.refTable;
      out.push(`- (${fk.columns.join(', ')}) → ${ref}${fk.refColumns.length ? ` (${fk.refColumns.join(', ')})` : ''}${fk.notValid ? ' NOT VALID' : ''}`);
    }
    out.push('');
  }
  out.push(`Defined in ${code(definedAt(folder, project, t.loc))}`);
  return out.join('\n');
}

export function columnMarkdown(folder: Folder, t: Table, c: Column): string {
  const facts = columnFacts(c);
  const pk = t.primaryKey?.columns.includes(c.name) ? ' (primary key)' : '';
  return [
    `**column** ${code(c.name)} ${c.typeText || c.type}${facts ? ` ${facts}` : ''}${pk}`,
    '',
    `of ${t.kind === 'table' ? 'table' : t.kind} ${code(t.schema === 'public' ? t.name : t.key)}`,
    '',
    `Defined in ${code(definedAt(folder, folder.project, c.loc))}`,
  ].join('\n');
}
