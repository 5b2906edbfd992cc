// health: the live database's health checks, read-only
import type { ToolSpec } from '../tool';

export const health: ToolSpec = {
  name: 'health',
  title: 'Database health',
  description: 'Runs read-only health checks on the user\'s connected database: cache hit ratio, bloat and dead rows, unused and duplicate indexes, long transactions, connection use. Only where the user configured a database connection.',
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  live: true,
  run: async (input, ctx) => {
    if (!ctx.live) {
      const why = ctx.liveOff ?? 'no live database is configured';
      return { text: `health: no live database to read: ${why}.`, summary: `health: no database connected`, isError: true };
    }
    return ctx.live.health();
  },
};
