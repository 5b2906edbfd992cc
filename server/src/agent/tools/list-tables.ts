// list_tables: the tables of the project's replayed schema
import type { ToolSpec } from '../tool';
import { notBuilt } from './not-built';

export const listTables: ToolSpec = {
  name: 'list_tables',
  title: 'List tables',
  description: 'Lists the tables (and views) of the project\'s schema, as its migrations leave it when replayed in order: each with its column count, primary key and the migration that created it. Call it first to learn what exists; then describe_table for one table.',
  inputSchema: { type: 'object', properties: { schema: { type: 'string', description: 'Only this schema (e.g. public). Default: all.' }, match: { type: 'string', description: 'Only tables whose name contains this text (case-insensitive).' } }, additionalProperties: false },
  run: async () => notBuilt('list_tables'),
};
