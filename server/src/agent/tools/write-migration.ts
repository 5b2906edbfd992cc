// write_migration: new up and down migration files in the project's convention, after the user confirms
import type { ToolSpec } from '../tool';
import { notBuilt } from './not-built';

export const writeMigration: ToolSpec = {
  name: 'write_migration',
  title: 'Write migration',
  description: 'Writes a new migration (and its rollback where the project keeps down files) named and placed by the project\'s migration convention, as DB Engineer\'s quick fixes do. Applied migrations are never edited. The user is asked to confirm first; when they decline or cannot be asked, the files are only proposed. Validate with validate_migration first.',
  inputSchema: { type: 'object', properties: { title: { type: 'string', description: 'A short description: becomes the file name slug (e.g. add_orders_customer_id_index).' }, up: { type: 'string', description: 'The forward SQL.' }, down: { type: 'string', description: 'The rollback SQL.' } }, required: ['title', 'up'], additionalProperties: false },
  writes: true,
  run: async () => notBuilt('write_migration'),
};
