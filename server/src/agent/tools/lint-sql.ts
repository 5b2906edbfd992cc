// lint_sql: DB Engineer's findings for SQL text or a file
import type { ToolSpec } from '../tool';
import { notBuilt } from './not-built';

export const lintSql: ToolSpec = {
  name: 'lint_sql',
  title: 'Lint SQL',
  description: 'Runs DB Engineer\'s rules (query anti-patterns, schema design, unsafe migrations) on SQL text in the project\'s context (its schema), or on a project file. Returns each finding with its rule, line, message and the fix when there is one. Pass sql, or path for a file of the project; with sql, as_migration says whether the text is a new migration (migration-safety rules apply).',
  inputSchema: { type: 'object', properties: { sql: { type: 'string', description: 'SQL text to check against the project schema.' }, path: { type: 'string', description: 'A project file to check instead (relative to the project root).' }, as_migration: { type: 'boolean', description: 'With sql: treat the text as a new migration appended to the chain. Default true when it has DDL.' } }, additionalProperties: false },
  run: async () => notBuilt('lint_sql'),
};
