// list_tables: the tables of the project's replayed schema
import type { Table } from '../../schema';
import type { DialectFamily } from '../../dialects/types';
import { createdWhere, displayName, familyLabel, familySchemas } from '../schema-view';
import type { ToolContext, ToolResult, ToolSpec } from '../tool';

interface ListInput { schema?: string; match?: string }

export interface TableRow { name: string; kind: string; columns: number | null; primaryKey: string[] | null; createdAt: string; family: string }

async function run(input: ListInput, ctx: ToolContext): Promise<ToolResult> {
  const schemas = familySchemas(ctx.project);
  const all = schemas.flatMap((fs) => [...fs.schema.tables.values()].map((t) => ({ t, family: fs.family })));
  if (!all.length) {
    const files = ctx.project.order();
    const replayed = files.filter((f) => f.replayed && !f.skipped && !f.otherDialect);
    const shown = (replayed.length ? replayed : files).map((f) => ctx.showPath(f.path));
    const read = !files.length ? 'The project has no SQL files.'
      : `Files read (${shown.length}${replayed.length ? ' replayed in migration order' : ', none of them replayed as migrations'}): ${shown.slice(0, 20).join(', ')}${shown.length > 20 ? ', …' : ''}.`;
    return { text: `No tables: the project has no CREATE TABLE in its migrations. ${read}`, summary: 'listed tables: none', data: { tables: [] } };
  }
  const wantSchema = input.schema?.trim();
  const match = input.match?.trim().toLowerCase();
  const rows = all.filter(({ t }) => (!wantSchema || t.schema.toLowerCase() === wantSchema.toLowerCase().replace(/^"|"$/g, ''))
    && (!match || t.name.toLowerCase().includes(match) || t.key.toLowerCase().includes(match)));
  if (!rows.length) {
    const inSchemas = [...new Set(all.map(({ t }) => t.schema))].sort();
    const filter = [wantSchema ? `schema ${wantSchema}` : '', match ? `"${input.match}" in the name` : ''].filter(Boolean).join(' and ');
    return {
      text: `No table matches ${filter}. The project has ${all.length} table${all.length === 1 ? '' : 's'} and views in schema${inSchemas.length === 1 ? '' : 's'} ${inSchemas.join(', ')}; call list_tables without filters to see them.`,
      summary: `listed tables: none match ${filter}`, data: { tables: [] },
    };
  }
  const mixed = schemas.length > 1;
  const data: TableRow[] = [];
  const lines: string[] = [];
  for (const fs of schemas) {
    const mine = rows.filter((r) => r.family === fs.family);
    if (!mine.length) continue;
    if (mixed) lines.push(`${familyLabel(fs.family)} schema (${fs.family === schemas[0].family ? 'most of the project\'s files' : 'its files of that dialect'}):`);
    for (const { t } of mine) {
      const row = rowOf(t, ctx, fs.family);
      data.push(row);
      lines.push(`- ${row.name}${t.kind !== 'table' ? ` (${t.kind === 'view' ? 'view' : 'materialized view'})` : ''}${t.partitioned ? ' (partitioned)' : ''}: `
        + `${row.columns === null ? 'columns not all known' : `${row.columns} column${row.columns === 1 ? '' : 's'}`}`
        + `${t.kind === 'table' ? `, ${row.primaryKey ? `primary key (${row.primaryKey.join(', ')})` : 'no primary key'}` : ''}`
        + `; ${row.createdAt}`);
    }
  }
  const views = rows.filter(({ t }) => t.kind !== 'table').length;
  const head = `${rows.length - views} table${rows.length - views === 1 ? '' : 's'}${views ? ` and ${views} view${views === 1 ? '' : 's'}` : ''}`
    + `${rows.length < all.length ? ` (of ${all.length}, filtered)` : ''}, as the migrations leave them:`;
  return { text: [head, ...lines].join('\n'), summary: `listed ${rows.length} table${rows.length === 1 ? '' : 's'}${views ? ` (${views} view${views === 1 ? '' : 's'})` : ''}`, data: { tables: data } };
}

function rowOf(t: Table, ctx: ToolContext, family: string): TableRow {
  return {
    name: displayName(t.key, family as DialectFamily), kind: t.kind,
    columns: t.columnsUnknown && t.columns.size === 0 ? null : t.columns.size,
    primaryKey: t.primaryKey ? t.primaryKey.columns : null,
    createdAt: createdWhere(ctx, t.loc), family,
  };
}

export const listTables: ToolSpec = {
  name: 'list_tables',
  title: 'List tables',
  description: 'Lists the tables (and views) of the project\'s schema, as its migrations leave it when replayed in order: each schema-qualified, with its column count, primary key and the migration file:line that created it. Call it first to learn what exists; then describe_table for one table. Filters: schema, match (part of the name).',
  inputSchema: { type: 'object', properties: { schema: { type: 'string', description: 'Only this schema (e.g. public). Default: all.' }, match: { type: 'string', description: 'Only tables whose name contains this text (case-insensitive).' } }, additionalProperties: false },
  run: async (input, ctx) => run(input as ListInput, ctx),
};
