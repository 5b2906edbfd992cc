// compare_index: planner cost before and after a candidate index
import type { ToolSpec } from '../tool';
import { notBuilt } from './not-built';

export const compareIndex: ToolSpec = {
  name: 'compare_index',
  title: 'Compare index',
  description: 'Measures a candidate index: the planner\'s cost and plan for a query without it and with it, on the sandbox\'s generated data (the index is created, measured and rolled back; nothing is written). Use it to prove an index helps before proposing it. PostgreSQL projects only.',
  inputSchema: { type: 'object', properties: { sql: { type: 'string', description: 'The query the index should serve.' }, index: { type: 'string', description: 'The candidate: a CREATE INDEX statement.' } }, required: ['sql', 'index'], additionalProperties: false },
  sandbox: true,
  run: async () => notBuilt('compare_index'),
};
