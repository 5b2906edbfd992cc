// slow_queries: the live database's slowest statements, read-only
import type { ToolSpec } from '../tool';

export const slowQueries: ToolSpec = {
  name: 'slow_queries',
  title: 'Slow queries',
  description: 'Lists the slowest statements of the user\'s connected database (pg_stat_statements, or performance_schema on MySQL), read-only, each judged by DB Engineer\'s rules. Only where the user configured a database connection.',
  inputSchema: { type: 'object', properties: { limit: { type: 'number', description: 'How many statements (default 10, at most 50).', minimum: 1, maximum: 50 } }, additionalProperties: false },
  live: true,
  run: async (input, ctx) => {
    if (!ctx.live) {
      const why = ctx.liveOff ?? 'no live database is configured';
      return { text: `slow_queries: no live database to read: ${why}.`, summary: `slow_queries: no database connected`, isError: true };
    }
    return ctx.live.slowQueries(typeof input.limit === 'number' ? input.limit : 10);
  },
};
