// explain_query: the sandbox's plan for one query
import type { ToolSpec } from '../tool';
import { notBuilt } from './not-built';

export const explainQuery: ToolSpec = {
  name: 'explain_query',
  title: 'Explain query',
  description: 'Shows PostgreSQL\'s plan for one query (SELECT, INSERT, UPDATE, DELETE, MERGE or WITH), from the embedded PostgreSQL that replays the project\'s migrations and fills the tables with generated rows: total cost, estimated rows, and the plan nodes (sequential scans, index scans, joins, sorts). The query is planned, never executed. $1-style parameters give a generic plan. PostgreSQL projects only.',
  inputSchema: { type: 'object', properties: { sql: { type: 'string', description: 'One query.' } }, required: ['sql'], additionalProperties: false },
  sandbox: true,
  run: async () => notBuilt('explain_query'),
};
