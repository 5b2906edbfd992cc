/// <reference lib="dom" />
// The plan panel's script (dist/explain.js, browser sandbox): draws the plan the extension posts as a
// tree of nodes (type, relation, index, estimated rows, cost, conditions), sequential scans of large
// tables highlighted. DOM APIs and textContent only: nothing from the plan is parsed as markup.
import { isLargeSeqScan, LARGE_TABLE_ROWS, seqScanNote, type ExplainPlan, type ExplainResult, type PlanNode } from '../../../server/src/lsp/explain-protocol';
import type { FromExplainWebview, ToExplainWebview } from './protocol';

interface VsCodeApi { postMessage(msg: unknown): void; getState(): unknown; setState(state: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: FromExplainWebview): void => vscode.postMessage(m);
const app = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

function header(path: string, line: number, extra?: string): HTMLElement {
  const h = el('div', 'header');
  const loc = el('a', 'location', `${path}:${line}`);
  loc.href = '#';
  loc.title = 'Show the query in the editor';
  loc.addEventListener('click', (e) => { e.preventDefault(); post({ type: 'reveal' }); });
  h.appendChild(loc);
  if (extra) h.appendChild(el('span', 'badge', extra));
  return h;
}

function nodeBox(n: PlanNode, parents: PlanNode[], r: ExplainPlan, rootCost: number): HTMLElement {
  const large = isLargeSeqScan(n, r.tableRows);
  const box = el('div', 'node' + (n.seqScan ? ' seq' : '') + (large ? ' seq-large' : ''));
  const title = el('div', 'title');
  if (n.subplan) title.appendChild(el('span', 'subplan', `${n.subplan}: `));
  title.appendChild(el('span', 'type', (n.variant ? `${n.variant} ` : '') + n.nodeType));
  if (n.relation) title.appendChild(el('span', 'relation', ` on ${n.schema ? `${n.schema}.` : ''}${n.relation}${n.alias ? ` ${n.alias}` : ''}`));
  if (n.index) title.appendChild(el('span', 'index', ` using ${n.index}`));
  box.appendChild(title);
  const nums = el('div', 'numbers');
  nums.appendChild(el('span', 'rows', `rows ${fmt(n.rows)}`));
  nums.appendChild(el('span', 'cost', `cost ${fmt(n.startupCost)}..${fmt(n.totalCost)}`));
  const share = el('meter', 'share');
  share.min = 0; share.max = rootCost > 0 ? rootCost : 1; share.value = Math.min(n.totalCost, share.max);
  share.title = `${rootCost > 0 ? Math.round((100 * n.totalCost) / rootCost) : 0}% of the plan's total cost`;
  nums.appendChild(share);
  box.appendChild(nums);
  if (large) box.appendChild(el('div', 'warn', seqScanNote(n, parents, r.tableRows)));
  if (n.details.length) {
    const dl = el('dl', 'details');
    for (const d of n.details) { dl.appendChild(el('dt', undefined, d.label)); dl.appendChild(el('dd', undefined, d.value)); }
    box.appendChild(dl);
  }
  return box;
}

function tree(n: PlanNode, parents: PlanNode[], r: ExplainPlan, rootCost: number): HTMLLIElement {
  const li = el('li');
  li.appendChild(nodeBox(n, parents, r, rootCost));
  if (n.children.length) {
    const ul = el('ul');
    for (const c of n.children) ul.appendChild(tree(c, [n, ...parents], r, rootCost));
    li.appendChild(ul);
  }
  return li;
}

function showPlan(r: ExplainPlan): void {
  app.textContent = '';
  app.appendChild(header(r.path, r.line, r.generic ? 'generic plan ($n parameters)' : undefined));
  if (r.replayFailures) app.appendChild(el('p', 'notice', `${r.replayFailures} migration statement${r.replayFailures === 1 ? '' : 's'} failed in the sandbox, so this plan may not match your schema (see the postgres-error diagnostics).`));
  if (!Object.keys(r.tableRows).length) app.appendChild(el('p', 'note', 'The sandbox\'s tables have no statistics: rows and costs are the planner\'s estimates for tables it knows nothing about.'));
  const ul = el('ul', 'tree');
  ul.appendChild(tree(r.plan, [], r, r.plan.totalCost));
  app.appendChild(ul);
  app.appendChild(el('p', 'legend', `Highlighted: sequential scans of tables with at least ${fmt(LARGE_TABLE_ROWS)} rows (from the table's statistics, else the planner's estimate).`));
  const q = el('details', 'query');
  q.appendChild(el('summary', undefined, 'Query'));
  q.appendChild(el('pre', undefined, r.query));
  app.appendChild(q);
}

const ERROR_TITLE: Record<string, string> = {
  rejected: 'PostgreSQL rejects this query',
  off: 'The sandbox is off',
  input: 'Nothing to explain here',
  failed: 'The sandbox could not explain this query',
};

function show(result: ExplainResult): void {
  if (result.ok) { showPlan(result); return; }
  app.textContent = '';
  if (result.path) app.appendChild(header(result.path, result.line ?? 1));
  const box = el('div', 'error');
  box.appendChild(el('h2', undefined, ERROR_TITLE[result.kind] ?? 'No plan'));
  box.appendChild(el('p', 'message', result.message));
  app.appendChild(box);
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = e.data as ToExplainWebview;
  if (!m || typeof m !== 'object') return;
  if (m.type === 'loading') {
    app.textContent = '';
    app.appendChild(header(m.path, m.line));
    app.appendChild(el('p', 'status', 'Asking the sandbox for the plan…'));
  } else if (m.type === 'result' && m.result && typeof m.result === 'object') {
    show(m.result);
  }
});

post({ type: 'ready' });
