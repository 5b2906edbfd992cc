// Shared wording of the sandbox tools' answers (explain_query, compare_index): costs, the data the
// plan stands on, the replay's failures, why the sandbox is off.
import type { SandboxBasis, ToolResult } from '../tool';
import { walkPlan, type PlanNode } from '../../sandbox/plan';
import { counted } from '../../text';

/** A planner cost as people read it: 248.5, 12,345.7. */
export function cost(n: number): string {
  return (Math.round(n * 10) / 10).toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** Lines on what the plan stands on: the generated data, and a warning when the replay had failures. */
export function basisLines(r: SandboxBasis): string[] {
  const out: string[] = [];
  if (r.basis) out.push(`Data: ${r.basis}.`);
  if (r.replayFailures > 0) {
    out.push(`Warning: ${counted(r.replayFailures, 'migration statement')} failed in the sandbox's replay, so its schema may differ from the project's; the plan may not match (dbe lint --sandbox lists them).`);
  }
  return out;
}

/** What the plan does with the tables, in a few words: "seq scan on orders", "index scan using orders_pkey". */
export function planPhrase(plan: PlanNode): string {
  const nodes = [...walkPlan(plan)];
  const seq = [...new Set(nodes.filter((n) => n.seqScan).map((n) => n.relation ?? 'a table'))];
  if (seq.length) return `seq scan on ${seq.slice(0, 2).join(' and ')}${seq.length > 2 ? ` and ${seq.length - 2} more` : ''}`;
  const idx = nodes.find((n) => n.index);
  if (idx) return `${idx.nodeType.toLowerCase()} using ${idx.index}`;
  if (plan.nodeType === 'ModifyTable' && plan.relation) return `writes ${plan.relation}`;
  return plan.nodeType.toLowerCase();
}

/** The answer when the sandbox is not there. */
export function sandboxOff(tool: string, why: string | undefined): ToolResult {
  return {
    text: `${tool} needs the sandbox (PostgreSQL replaying the project's migrations), which is off here: ${why ?? 'not available'}. Answer without a measured plan and say so.`,
    summary: `${tool}: the sandbox is off`,
    isError: true,
  };
}

/** The answer to input the tool cannot take. */
export function badInput(tool: string, problem: string): ToolResult {
  return { text: `${tool}: ${problem}.`, summary: `${tool}: ${problem.length > 80 ? `${problem.slice(0, 77)}…` : problem}`, isError: true };
}
