// validate_migration: a candidate migration checked by the rules and in the sandbox, with its rollback
import type { ToolSpec } from '../tool';
import { notBuilt } from './not-built';

export const validateMigration: ToolSpec = {
  name: 'validate_migration',
  title: 'Validate migration',
  description: 'Checks a candidate migration before anyone writes it: runs DB Engineer\'s migration rules on it, then appends it to the project\'s replayed chain in the sandbox, applies up, then down (when given), and compares the catalog: either "the rollback restores the schema" or exactly what differs (an index left behind, a column type not restored). Nothing is written and the sandbox is rolled back. PostgreSQL projects only.',
  inputSchema: { type: 'object', properties: { up: { type: 'string', description: 'The forward migration SQL.' }, down: { type: 'string', description: 'The rollback SQL (recommended).' } }, required: ['up'], additionalProperties: false },
  sandbox: true,
  run: async () => notBuilt('validate_migration'),
};
