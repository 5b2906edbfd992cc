// Query plans: PostgreSQL's EXPLAIN (FORMAT JSON) as a small tree, and as indented text.

export interface PlanNode {
  nodeType: string;
  /** Join type, scan direction, strategy... as PostgreSQL names it, when there is one. */
  variant?: string;
  relation?: string;
  schema?: string;
  alias?: string;
  index?: string;
  /** "SubPlan 1", "InitPlan 2", "CTE orders": what the node computes for its parent. */
  subplan?: string;
  rows: number;
  startupCost: number;
  totalCost: number;
  /** A sequential scan of a table (of any size: the sandbox holds no data, so sizes are the planner's guesses). */
  seqScan: boolean;
  /** Conditions: Filter, Index Cond, Hash Cond, Join Filter, Sort Key... */
  details: { label: string; value: string }[];
  children: PlanNode[];
}

const DETAIL_KEYS = ['Index Cond', 'Recheck Cond', 'Hash Cond', 'Merge Cond', 'Join Filter', 'Filter', 'Sort Key', 'Group Key', 'One-Time Filter'];

/** The tree from EXPLAIN (FORMAT JSON)'s output (its one row's "QUERY PLAN" value). */
export function planTree(json: unknown): PlanNode {
  const top = Array.isArray(json) ? json[0] : json;
  const root = (top as any)?.Plan;
  if (!root || typeof root !== 'object') throw new Error('EXPLAIN gave no plan');
  return node(root);
}

function node(p: any): PlanNode {
  const type = String(p['Node Type'] ?? '?');
  const variant = p['Join Type'] ?? p['Strategy'] ?? p['Command'] ?? p['Partial Mode'];
  const details: PlanNode['details'] = [];
  for (const k of DETAIL_KEYS) {
    const v = p[k];
    if (v !== undefined) details.push({ label: k, value: Array.isArray(v) ? v.join(', ') : String(v) });
  }
  const out: PlanNode = {
    nodeType: type,
    rows: Number(p['Plan Rows'] ?? 0),
    startupCost: Number(p['Startup Cost'] ?? 0),
    totalCost: Number(p['Total Cost'] ?? 0),
    seqScan: type === 'Seq Scan' || type === 'Parallel Seq Scan',
    details,
    children: Array.isArray(p.Plans) ? p.Plans.map(node) : [],
  };
  if (variant !== undefined && variant !== 'Plain') out.variant = String(variant);
  if (p['Relation Name']) out.relation = String(p['Relation Name']);
  if (p['Schema']) out.schema = String(p['Schema']);
  if (p['Alias'] && p['Alias'] !== p['Relation Name']) out.alias = String(p['Alias']);
  if (p['Index Name']) out.index = String(p['Index Name']);
  if (p['Subplan Name']) out.subplan = String(p['Subplan Name']);
  return out;
}

/** Every node, depth first. */
export function* walkPlan(n: PlanNode): Generator<PlanNode> {
  yield n;
  for (const c of n.children) yield* walkPlan(c);
}

/** Indented text: one line per node (type, relation, index, rows, cost), its conditions beneath. */
export function formatPlan(root: PlanNode): string {
  const lines: string[] = [];
  const visit = (n: PlanNode, depth: number) => {
    const pad = '  '.repeat(depth);
    let head = (n.subplan ? `${n.subplan}: ` : '') + (n.variant ? `${n.variant} ` : '') + n.nodeType;
    if (n.relation) head += ` on ${n.relation}` + (n.alias ? ` ${n.alias}` : '');
    if (n.index) head += ` using ${n.index}`;
    head += `  (rows=${n.rows} cost=${n.startupCost.toFixed(2)}..${n.totalCost.toFixed(2)})`;
    if (n.seqScan) head += `  <- sequential scan of ${n.relation ?? 'a table'}`;
    lines.push(pad + (depth ? '-> ' : '') + head);
    for (const d of n.details) lines.push(pad + (depth ? '   ' : '') + `   ${d.label}: ${d.value}`);
    for (const c of n.children) visit(c, depth + 1);
  };
  visit(root, 0);
  return lines.join('\n') + '\n';
}
