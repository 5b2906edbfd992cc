// describe_table: one table of the replayed schema, whole
import type { ToolSpec } from '../tool';
import { notBuilt } from './not-built';

export const describeTable: ToolSpec = {
  name: 'describe_table',
  title: 'Describe table',
  description: 'Describes one table of the project\'s replayed schema: columns (type, nullability, default), primary key, unique constraints, indexes, foreign keys in and out, checks, and the migration file and line that defined each. Use it before proposing a query, an index or a migration on that table.',
  inputSchema: { type: 'object', properties: { table: { type: 'string', description: 'The table name, optionally schema-qualified (public.orders).' } }, required: ['table'], additionalProperties: false },
  run: async () => notBuilt('describe_table'),
};
