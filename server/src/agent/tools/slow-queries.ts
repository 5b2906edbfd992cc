// slow_queries: the live database's slowest statements, read-only
import type { ToolSpec } from '../tool';
import { notBuilt } from './not-built';

export const slowQueries: ToolSpec = {
  name: 'slow_queries',
  title: 'Slow queries',
  description: 'Lists the slowest statements of the user\'s connected database (pg_stat_statements, or performance_schema on MySQL), read-only, each judged by DB Engineer\'s rules. Only where the user configured a database connection.',
  inputSchema: { type: 'object', properties: { limit: { type: 'number', description: 'How many statements (default 10, at most 50).', minimum: 1, maximum: 50 } }, additionalProperties: false },
  live: true,
  run: async () => notBuilt('slow_queries'),
};
