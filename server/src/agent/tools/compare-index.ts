// compare_index: planner cost before and after a candidate index
import { distance } from 'fastest-levenshtein';
import { oneCreateIndex, oneQuery } from '../../sandbox/agent';
import { MIN_SAVING } from '../../sandbox/evidence';
import { formatPlan, walkPlan } from '../../sandbox/plan';
import type { ToolSpec } from '../tool';
import { badInput, basisLines, cost, sandboxOff } from './sandbox-text';

/** At most this many table names in "the tables are ...". */
const MAX_NAMES = 12;

export const compareIndex: ToolSpec = {
  name: 'compare_index',
  title: 'Compare index',
  description: 'Measures a candidate index: the planner\'s cost and plan for a query without it and with it, on the sandbox\'s generated data (the index is created, measured and rolled back; nothing is written and nothing is kept). Use it to prove an index helps before proposing it: the answer says whether the planner uses the index and how the cost changes. The first call replays the migrations (seconds). PostgreSQL projects only.',
  inputSchema: { type: 'object', properties: { sql: { type: 'string', description: 'The query the index should serve.' }, index: { type: 'string', description: 'The candidate: one CREATE INDEX statement on a table of the project.' } }, required: ['sql', 'index'], additionalProperties: false },
  sandbox: true,
  run: async (input, ctx) => {
    const q = oneQuery(String(input.sql));
    if ('problem' in q) return badInput('compare_index', q.problem);
    const idx = oneCreateIndex(String(input.index));
    if ('problem' in idx) return badInput('compare_index', idx.problem);
    const schema = ctx.project.schema();
    if (!schema.table(idx.schema, idx.table)) {
      const want = idx.schema ? `${idx.schema}.${idx.table}` : idx.table;
      const names = [...schema.tables.values()].filter((t) => t.kind !== 'view').map((t) => (t.schema === 'public' ? t.name : t.key));
      names.sort((a, b) => distance(want, a) - distance(want, b) || (a < b ? -1 : a > b ? 1 : 0));
      const shown = names.length ? `The project's tables, closest first: ${names.slice(0, MAX_NAMES).join(', ')}${names.length > MAX_NAMES ? ` (and ${names.length - MAX_NAMES} more)` : ''}.` : 'The project\'s migrations create no table.';
      return { text: `compare_index: there is no table ${want} in the project's schema (after its migrations). ${shown}`, summary: `compare_index: no table ${want}`, isError: true };
    }
    if (!ctx.sandbox) return sandboxOff('compare_index', ctx.sandboxOff);
    const r = await ctx.sandbox.compareIndex(q.text, String(input.index));
    const notes = idx.notes.map((n) => `Note: ${n}`);
    if (r.error || !r.before || !r.after) {
      const error = r.error ?? 'the sandbox gave no plans';
      return {
        text: [`No comparison: ${error}`, ...basisLines(r), ...notes].join('\n'),
        summary: /^PostgreSQL rejects the index/.test(error) ? 'compare_index: PostgreSQL rejects the index' : /^PostgreSQL rejects/.test(error) ? 'compare_index: PostgreSQL rejects the query' : 'compare_index: no comparison',
        isError: true,
        data: r,
      };
    }
    const name = r.index ?? 'the index';
    const b = r.before.cost, a = r.after.cost;
    const saving = b > 0 ? (b - a) / b : 0;
    const verdict = !r.after.usesIndex
      ? `No gain: the planner does not use ${name} for this query (cost ${cost(b)} without it, ${cost(a)} with it).`
      : saving >= MIN_SAVING
        ? `The planner uses ${name}: cost ${cost(b)} → ${cost(a)} (${Math.round(saving * 100)}% cheaper).`
        : `The planner uses ${name}, but the cost barely moves: ${cost(b)} → ${cost(a)} (less than ${Math.round(MIN_SAVING * 100)}% cheaper); not worth an index for this query alone.`;
    // the plan without the candidate already reads an index of the project: say which, so a duplicate is seen as one
    const already = [...new Set([...walkPlan(r.before.plan)].map((n) => n.index).filter((i): i is string => !!i && i !== name))];
    const alreadyLine = already.length
      ? [`Without the candidate the planner already uses ${already.join(', ')}${r.after.usesIndex && saving < MIN_SAVING ? `: the candidate looks like a duplicate of ${already.length === 1 ? 'it' : 'one of them'}` : ''}.`]
      : [];
    const summary = !r.after.usesIndex
      ? `compared index ${name}: no gain, the planner does not use it`
      : `compared index ${name}: cost ${cost(b)} → ${cost(a)} (uses the index${saving >= MIN_SAVING ? '' : already.length ? `, saves little: ${already[0]} already serves the query` : ', saves little'})`;
    const text = [
      verdict,
      ...alreadyLine,
      ...basisLines(r),
      ...notes,
      'Without the index:', '```', formatPlan(r.before.plan).trimEnd(), '```',
      'With the index:', '```', formatPlan(r.after.plan).trimEnd(), '```',
    ].join('\n');
    return { text, summary, data: { ...r, saving: Math.round(saving * 1000) / 1000 } };
  },
};
