// The sandbox seen from the engine: a Project in, postgres-error findings per file out (with the
// project's suppression comments and configured severity applied).
import type { Project } from '../engine/project';
import { applySuppressions } from '../engine/suppress';
import type { Finding } from '../model';
import { sandboxInput } from './input';
import { Sandbox, type RunHooks, type SandboxStats } from './sandbox';

export { Sandbox, RULE_ID, type SandboxResult, type SandboxStats, type ExplainOutcome, type RunHooks } from './sandbox';
export { fillTables, type DataStats, type TableFill } from './data';
export { applyEvidence, bindParams, evidenceRequests, measureEvidence, withEvidence, worthIt, formatCost, rowsPhrase, type EvidenceRequest, type RecommendationEvidence, type QueryEvidence } from './evidence';
export { sandboxInput, hasParams, isQuery, type SandboxInput, type SandboxFile, type SandboxStatement } from './input';
export { formatPlan, planTree, walkPlan, type PlanNode } from './plan';

export interface ProjectCheck { findings: Map<string, Finding[]>; stats?: SandboxStats }

/** Replays the project in the sandbox and checks its queries. postgres-error "off": nothing runs. */
export async function checkProject(project: Project, sandbox: Sandbox, hooks: RunHooks = {}): Promise<ProjectCheck> {
  const findings = new Map<string, Finding[]>();
  for (const f of project.order()) findings.set(f.path, []);
  if (project.severityOf('postgres-error') === 'off') return { findings };
  const result = await sandbox.run(sandboxInput(project), hooks);
  for (const f of result.findings) findings.get(f.path)?.push(f);
  for (const [p, list] of findings) {
    const file = project.getFile(p);
    if (file) findings.set(p, applySuppressions(file, list));
  }
  return { findings, stats: result.stats };
}
