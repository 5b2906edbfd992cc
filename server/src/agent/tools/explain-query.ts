// explain_query: the sandbox's plan for one query
import { oneQuery } from '../../sandbox/agent';
import { formatPlan, walkPlan } from '../../sandbox/plan';
import type { ToolSpec } from '../tool';
import { badInput, basisLines, cost, planPhrase, sandboxOff } from './sandbox-text';

export const explainQuery: ToolSpec = {
  name: 'explain_query',
  title: 'Explain query',
  description: 'Shows PostgreSQL\'s plan for one query (SELECT, INSERT, UPDATE, DELETE, MERGE or WITH), from the embedded PostgreSQL that replays the project\'s migrations and fills the tables with generated rows: total cost, estimated rows, and the plan nodes as an indented tree (sequential scans, index scans, joins, sorts). The query is planned, never executed. $1-style parameters give a generic plan. The first call replays the migrations (seconds). PostgreSQL projects only.',
  inputSchema: { type: 'object', properties: { sql: { type: 'string', description: 'One query.' } }, required: ['sql'], additionalProperties: false },
  sandbox: true,
  run: async (input, ctx) => {
    const q = oneQuery(String(input.sql));
    if ('problem' in q) return badInput('explain_query', q.problem);
    if (!ctx.sandbox) return sandboxOff('explain_query', ctx.sandboxOff);
    const r = await ctx.sandbox.explain(q.text);
    if (r.error || !r.plan) {
      const error = r.error ?? 'the sandbox gave no plan';
      return {
        text: [`No plan: ${error}`, ...basisLines(r)].join('\n'),
        summary: /^PostgreSQL rejects/.test(error) ? 'explain_query: PostgreSQL rejects the query' : 'explain_query: no plan',
        isError: true,
        data: r,
      };
    }
    const plan = r.plan;
    const seqScans = [...new Set([...walkPlan(plan)].filter((n) => n.seqScan).map((n) => n.relation ?? ''))];
    const text = [
      `${r.generic ? 'Generic plan (the query has $n parameters)' : 'Plan'}: total cost ${cost(plan.totalCost)}, estimated rows ${plan.rows.toLocaleString('en-US')}.`,
      ...basisLines(r),
      '```',
      formatPlan(plan).trimEnd(),
      '```',
    ].join('\n');
    return {
      text,
      summary: `explained the query: cost ${cost(plan.totalCost)}, ${planPhrase(plan)}`,
      data: { ...r, cost: plan.totalCost, rows: plan.rows, seqScans },
    };
  },
};
