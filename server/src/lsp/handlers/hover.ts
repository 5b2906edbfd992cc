// Hover: a table's shape (columns, keys, indexes, foreign keys, where it is defined), or a column;
// over a missing-index diagnostic measured in the sandbox, also the planner's costs without and with
// the suggested index.
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
import type { Project } from '../../engine/project';
import type { Loc } from '../../model';
import type { Column, Index, Schema, Table } from '../../schema';
import type { Folder } from '../folder';
import type { Measured } from '../sandbox-host';
import { formatCost, MIN_SAVING, rowsPhrase, worthIt } from '../../sandbox/evidence';
import { guard, type DbeServer } from '../server';
import { symbolAt } from '../symbols';
import { runSliced } from '../slices';

export function register(server: DbeServer): void {
  server.connection.onHover(guard(server, 'hover', null as Hover | null, (params: HoverParams) => hover(server, params)));
}

export async function hover(server: DbeServer, params: HoverParams): Promise<Hover | null> {
  // while the workspace is indexed the schema is incomplete (and rebuilt after every file): no answer yet
  if (!server.settings.enable || !server.ready) return null;
  const found = server.fileFor(params.textDocument.uri);
  if (!found) return null;
  const { folder, file, key } = found;
  const schema = await schemaFor(server, folder.project, file.path);
  if (!schema) return null;
  const offset = file.lines.offset(params.position);
  const sym = symbolAt(file, offset, schema);
  const measured = server.diagnostics?.measuredAt(key, file, offset) ?? [];
  if (!sym && !measured.length) return null;
  const parts: string[] = [];
  if (sym) parts.push(sym.kind === 'table' ? tableMarkdown(folder, sym.table, schema.indexesOf(sym.table)) : columnMarkdown(folder, sym.table, sym.column));
  for (const m of measured) parts.push(evidenceMarkdown(m));
  const range = sym ? file.lines.range(sym.start, sym.end) : file.lines.range(measured[0].finding.start, measured[0].finding.end);
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') }, range };
}

const lastSchemas = new WeakMap<Project, { schema: Schema; epoch: number; settings: number }>();
/** The schema being replayed in slices for a request, per project, and the project revision it is for. */
const building = new WeakMap<Project, { revision: number; epoch: number; settings: number; done: Promise<Schema | undefined> }>();

/** The project's schema if one fits now: computed for its files, or the last one while the schema epoch is the same. */
function fittingSchema(server: DbeServer, project: Project): Schema | undefined {
  const now = { epoch: server.schemaEpoch, settings: project.settingsRevision };
  const ready = project.peekSchema();
  if (ready) { lastSchemas.set(project, { schema: ready, ...now }); return ready; }
  const last = lastSchemas.get(project);
  if (last && last.epoch === now.epoch && last.settings === now.settings) return last.schema;
  return undefined;
}

/**
 * The schema for a hover or a definition without replaying the project in one piece: when the
 * project's schema is not computed for its current files, the last one computed serves if no
 * schema-changing statement, configuration or base has changed since (same schema epoch): the same
 * DDL gives the same tables. Otherwise it is replayed in slices (requests waiting for it share one
 * replay), so other requests are answered meanwhile; a replay overtaken by a change of the project is
 * started again (a few times, then undefined: no answer rather than a wrong one).
 */
export async function schemaFor(server: DbeServer, project: Project, path?: string): Promise<Schema | undefined> {
  const main = await mainSchemaFor(server, project);
  if (!main || path === undefined) return main;
  // the file's own dialect family's schema (a MySQL file is never answered from the PostgreSQL
  // tables, nor the reverse); a family other than the project's main one only from a current replay
  const fam = project.getFile(path)?.dialect.family;
  if (!fam || fam === project.mainFamily()) return main;
  return project.peekSchema() ? project.schemaFor(path) : undefined;
}

async function mainSchemaFor(server: DbeServer, project: Project): Promise<Schema | undefined> {
  for (let attempt = 0; attempt < 5 && !server.shuttingDown; attempt++) {
    const fit = fittingSchema(server, project);
    if (fit) return fit;
    let b = building.get(project);
    if (!b || b.revision !== project.revision) {
      const revision = project.revision;
      // an analysis that finishes its replay first provides the schema (peekSchema): this one stops then
      b = { revision, epoch: server.schemaEpoch, settings: project.settingsRevision,
        done: runSliced(project.schemaSteps(), () => !server.shuttingDown && project.revision === revision && !project.peekSchema()) };
      building.set(project, b);
    }
    const mine = b;
    const schema = await mine.done;
    if (building.get(project) === mine) building.delete(project);
    if (schema) {
      // still right for the epoch it was started in, even when other files changed since
      const last = lastSchemas.get(project);
      if (!last || (last.epoch <= mine.epoch && last.settings <= mine.settings)) lastSchemas.set(project, { schema, epoch: mine.epoch, settings: mine.settings });
      if (mine.epoch === server.schemaEpoch && mine.settings === project.settingsRevision) return schema;
    }
  }
  return undefined;
}

/** The planner's costs for one measured missing-index finding (see sandbox/evidence.ts). */
export function evidenceMarkdown(m: Measured): string {
  const e = m.evidence;
  const table = m.table.startsWith('public.') ? m.table.slice(7) : m.table;
  const saving = e.costBefore > 0 ? Math.round((1 - e.costAfter / e.costBefore) * 100) : 0;
  const verdict = worthIt(e)
    ? `The planner uses ${code(m.index)}: the query gets ${saving}% cheaper.`
    : !e.indexUsed
      ? `The planner would **not** use ${code(m.index)} for this query (a lookup that matches a large share of the rows is read faster by a sequential scan), so the finding is only a hint.`
      : `The planner uses ${code(m.index)}, but the query gets less than ${MIN_SAVING * 100}% cheaper (${saving}%), so the finding is only a hint.`;
  return [
    `**Planner evidence** (sandbox) for ${code(m.index)} on ${code(table)}`,
    '',
    '| | estimated cost |',
    '|---|---|',
    `| without the index | ${formatCost(e.costBefore)} |`,
    `| with the index | ${formatCost(e.costAfter)} |`,
    '',
    verdict,
    '',
    `Measured ${rowsPhrase(e, m.table)}${e.generated ? ' (dbEngineer.sandbox.rows a table)' : ''}; the index was created in a transaction and rolled back. With your real data distribution this may differ.`,
  ].join('\n');
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
      const cols = indexKeys(ix).join(', ');
      const where = ix.predicateText ? ` WHERE ${ix.predicateText}` : '';
      const include = ix.include.length ? ` INCLUDE (${ix.include.join(', ')})` : '';
      // as code: an expression or predicate holds `*` and `_`, which Markdown would eat
      out.push(`- ${code(ix.name)}${ix.unique ? ' unique' : ''} ${code(`${ix.method} (${cols})${include}${where}`.replace(/\s+/g, ' '))}`);
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

/** An index's key elements with their options (opclass, DESC, NULLS FIRST/LAST): as written when known. */
function indexKeys(ix: Index): string[] {
  if (ix.keyText?.length === ix.columns.length) return ix.keyText;
  return ix.columns.map((c, i) => [
    c ?? '(expression)',
    ix.opclasses[i] || '',
    ix.desc?.[i] ? 'DESC' : '',
    ix.nulls?.[i] ? `NULLS ${ix.nulls[i].toUpperCase()}` : '',
  ].filter(Boolean).join(' '));
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
