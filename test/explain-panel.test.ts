// The editor side of the sandbox: the status bar item's sandbox state, the plan panel (host side
// with the in-memory vscode stand-in) and its script (dist/explain.js, as shipped) in a DOM.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JSDOM } from 'jsdom';
import { installFakeVscode, makeContext, rec } from './fake-vscode';
import { ROOT } from './helpers';
import type { ExplainPlan, ExplainResult, PlanNode } from '../server/src/lsp/explain-protocol';

installFakeVscode();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StatusItem } = require('../client/src/status') as typeof import('../client/src/status');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ExplainPanel } = require('../client/src/explain/panel') as typeof import('../client/src/explain/panel');

const node = (over: Partial<PlanNode>): PlanNode => ({ nodeType: 'Result', rows: 1, startupCost: 0, totalCost: 1, seqScan: false, details: [], children: [], ...over });

const PLAN: ExplainPlan = {
  ok: true, path: 'queries/reports.sql', line: 2, query: 'SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.email = $1', generic: true,
  plan: node({
    nodeType: 'Hash Join', variant: 'Inner', rows: 7, startupCost: 27.5, totalCost: 61.2, details: [{ label: 'Hash Cond', value: '(o.customer_id = c.id)' }],
    children: [
      node({ nodeType: 'Seq Scan', relation: 'orders', alias: 'o', rows: 2040, totalCost: 30.4, seqScan: true }),
      node({ nodeType: 'Hash', rows: 6, totalCost: 27.4, children: [node({ nodeType: 'Seq Scan', relation: 'customers', alias: 'c', rows: 6, totalCost: 27.4, seqScan: true, details: [{ label: 'Filter', value: '(email = $1)' }] })] }),
    ],
  }),
  postgres: [{ Plan: {} }], tableRows: {}, replayFailures: 0,
};

describe('status bar: the sandbox state', () => {
  test('ready with counts, busy with progress past a second, failed with the reason, off with the reason', async () => {
    const s = new StatusItem();
    const item = rec.statusItems.at(-1);
    const base = { state: 'ready' as const, trusted: true, files: 12, folders: 1, ms: 40 };
    s.update({ ...base, sandbox: { state: 'ready', ran: 16, failed: 0, explained: 8, rejected: 0, findings: 0, ms: 950, folder: 'shop' } });
    assert.equal(item.text, '$(database) DB Engineer: 12 files · sandbox ✓');
    assert.match(String(item.tooltip), /Sandbox ready \(shop\): 16 migration statements ran, 8 queries explained in 950 ms; PostgreSQL accepts everything\./);
    s.update({ ...base, sandbox: { state: 'ready', ran: 3, failed: 1, explained: 1, rejected: 1, findings: 2, ms: 700 } });
    assert.equal(item.text, '$(database) DB Engineer: 12 files · sandbox ⚠ 2 errors');
    assert.match(String(item.tooltip), /1 failed, 1 query explained, 1 rejected .*2 PostgreSQL errors shown as postgres-error/);

    const before = rec.progress.length;
    s.update({ ...base, sandbox: { state: 'replaying', folder: 'shop' } });
    assert.match(item.text, /sandbox \$\(sync~spin\)$/);
    assert.match(String(item.tooltip), /replaying the migrations \(shop\)/);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(rec.progress.length, before + 1, 'a replay over a second shows window progress');
    assert.match(rec.progress.at(-1)!.title, /replaying the migrations in the sandbox/);
    s.update({ ...base, sandbox: { state: 'failed', reason: 'the sandbox\'s replay took longer than 60 s' } });
    await new Promise((r) => setImmediate(r));
    assert.equal(rec.progress.at(-1)!.done, true, 'the progress ends with the run');
    assert.equal(item.text, '$(database) DB Engineer: 12 files · sandbox ✗');
    assert.match(String(item.tooltip), /Sandbox failed: the sandbox's replay took longer than 60 s/);

    s.update({ ...base, sandbox: { state: 'off', reason: 'turned off by "sandbox": false in .dbe.json' } });
    assert.equal(item.text, '$(database) DB Engineer: 12 files', 'off: no sandbox part in the text');
    assert.match(String(item.tooltip), /Sandbox off: turned off by "sandbox": false in \.dbe\.json\./);
    s.update(base);
    assert.equal(item.text, '$(database) DB Engineer: 12 files', 'a server without a sandbox: as before');
    s.dispose();
  });
});

describe('plan panel (extension host)', () => {
  test('Explain opens one panel with a strict CSP and a nonce\'d script; the plan is posted once the script is ready', async () => {
    const answers: ExplainResult[] = [PLAN];
    const requests: any[] = [];
    const client = { sendRequest: async (method: string, params: unknown) => { requests.push({ method, params }); return answers.shift() as any; } };
    const p = new ExplainPanel(makeContext(ROOT), () => client);
    await p.explain('file:///ws/queries/reports.sql', 1);
    assert.deepEqual(requests, [{ method: 'dbEngineer/explain', params: { uri: 'file:///ws/queries/reports.sql', line: 1 } }]);
    const panel = rec.panels.at(-1)!;
    assert.equal(panel.viewType, 'dbEngineer.explain');
    assert.equal(panel.title, 'Plan: queries/reports.sql:2');
    assert.equal(panel.options.enableScripts, true);
    const html = panel.webview.html;
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    assert.ok(nonce.length >= 32);
    assert.match(csp, /^default-src 'none';/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0][1], new RegExp(`nonce="${nonce}" src="vscode-resource:[^"]*dist/explain\\.js"`));
    assert.equal(scripts[0][2], '', 'no inline script');
    assert.match(html, /href="vscode-resource:[^"]*media\/explain\.css"/);
    assert.deepEqual(panel.webview.posted, [], 'nothing posted before the script listens');
    panel.webview.receive({ type: 'ready' });
    assert.deepEqual(panel.webview.posted, [{ type: 'result', result: PLAN }]);

    // a second query reuses the panel; a failing request shows as text in it
    const c2 = { sendRequest: async () => { throw new Error('Connection is disposed.'); } };
    const p2 = new ExplainPanel(makeContext(ROOT), () => c2);
    await p2.explain('file:///ws/q.sql', 0);
    const panel2 = rec.panels.at(-1)!;
    panel2.webview.receive({ type: 'ready' });
    assert.equal(panel2.webview.posted[0].result.ok, false);
    assert.match(panel2.webview.posted[0].result.message, /The explain request failed: Connection is disposed\./);
    const before = rec.panels.length;
    await p2.explain('file:///ws/q.sql', 4);
    assert.equal(rec.panels.length, before, 'the panel is reused');
    assert.equal(panel2.revealed, 1);
    // clicking the location reveals the query
    panel2.webview.receive({ type: 'reveal' });
    await new Promise((r) => setImmediate(r));
    assert.equal(rec.shown.at(-1), 'file:///ws/q.sql');
    // no server at all
    const p3 = new ExplainPanel(makeContext(ROOT), () => undefined);
    await p3.explain('file:///ws/q.sql', 0);
    rec.panels.at(-1)!.webview.receive({ type: 'ready' });
    assert.match(rec.panels.at(-1)!.webview.posted[0].result.message, /language server is not running/);
  });
});

describe('plan panel script (dist/explain.js) in a DOM', () => {
  let code = '';
  before(() => { code = fs.readFileSync(path.join(ROOT, 'dist', 'explain.js'), 'utf8'); });

  function load() {
    const dom = new JSDOM('<!DOCTYPE html><html><body><div id="app"></div></body></html>', { runScripts: 'outside-only' });
    const w = dom.window as any;
    const posted: any[] = [];
    w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => posted.push(JSON.parse(JSON.stringify(m))), getState: () => undefined, setState: () => undefined });
    w.eval(code);
    const send = (data: unknown) => w.dispatchEvent(new w.MessageEvent('message', { data }));
    return { doc: w.document as Document, posted, send };
  }

  test('says ready; draws the tree: node type, relation, rows, cost, conditions; the large seq scan highlighted, the small one not', () => {
    const v = load();
    assert.deepEqual(v.posted, [{ type: 'ready' }]);
    v.send({ type: 'result', result: PLAN });
    const nodes = [...v.doc.querySelectorAll('.node')];
    assert.equal(nodes.length, 4);
    assert.equal(nodes[0].querySelector('.type')!.textContent, 'Inner Hash Join');
    assert.match(nodes[0].textContent!, /rows 7/);
    assert.match(nodes[0].textContent!, /cost 27\.5\.\.61\.2/);
    assert.match(nodes[0].querySelector('.details')!.textContent!, /Hash Cond\(o\.customer_id = c\.id\)/);
    assert.equal(nodes[1].querySelector('.relation')!.textContent, ' on orders o');
    assert.ok(nodes[1].classList.contains('seq-large'), 'orders: 2,040 rows, highlighted');
    assert.match(nodes[1].querySelector('.warn')!.textContent!, /Sequential scan of orders \(2,040 rows estimated\)/);
    // orders has no Filter: it is read whole for the hash join, so no "index on the filtered columns"
    assert.doesNotMatch(nodes[1].querySelector('.warn')!.textContent!, /filtered columns/);
    assert.match(nodes[1].querySelector('.warn')!.textContent!, /no filter of its own\) to join it on \(o\.customer_id = c\.id\); when the other side is small, an index on this table's join column/);
    assert.ok(nodes[3].classList.contains('seq') && !nodes[3].classList.contains('seq-large'), 'customers: 6 rows, a seq scan but not highlighted');
    // nesting: the Hash's child sits under it
    assert.equal(nodes[3].closest('ul')!.parentElement!.querySelector('.type')!.textContent, 'Hash');
    assert.match(v.doc.querySelector('.badge')!.textContent!, /generic plan/);
    assert.equal(v.doc.querySelector('.location')!.textContent, 'queries/reports.sql:2');
    assert.equal(v.doc.querySelector('.query pre')!.textContent, PLAN.query);
    (v.doc.querySelector('.location') as HTMLElement).click();
    assert.deepEqual(v.posted.at(-1), { type: 'reveal' });
  });

  test('a large scan with no filter and no join above it gets no index advice', () => {
    const v = load();
    const plan = node({ nodeType: 'Aggregate', rows: 1, totalCost: 40, children: [node({ nodeType: 'Seq Scan', relation: 'orders', rows: 5000, totalCost: 35, seqScan: true })] });
    v.send({ type: 'result', result: { ...PLAN, query: 'SELECT count(*) FROM orders', plan } });
    const warn = v.doc.querySelector('.seq-large .warn')!.textContent!;
    assert.equal(warn, 'Sequential scan of orders (5,000 rows estimated): every row is read; the query has no condition on this table.');
  });

  test('table statistics decide when there are some; errors show as text, markup inert', () => {
    const v = load();
    v.send({ type: 'result', result: { ...PLAN, tableRows: { customers: 50_000, orders: 10 }, replayFailures: 2 } });
    const nodes = [...v.doc.querySelectorAll('.node')];
    assert.ok(nodes[3].classList.contains('seq-large'), 'customers holds 50,000 rows');
    assert.match(nodes[3].querySelector('.warn')!.textContent!, /customers \(50,000 rows\): every row is read to keep those matching \(email = \$1\); an index on the filtered columns may help/);
    assert.match(v.doc.querySelector('.notice')!.textContent!, /2 migration statements failed in the sandbox/);
    v.send({ type: 'result', result: { ok: false, kind: 'rejected', path: 'q.sql', line: 3, message: 'PostgreSQL rejects this query: column "<img src=x onerror=alert(1)>" does not exist (SQLSTATE 42703).' } });
    assert.equal(v.doc.querySelector('.error h2')!.textContent, 'PostgreSQL rejects this query');
    assert.match(v.doc.querySelector('.error .message')!.textContent!, /<img src=x/);
    assert.equal(v.doc.querySelectorAll('img').length, 0);
    assert.equal(v.doc.querySelectorAll('.node').length, 0, 'the old plan is gone');
    v.send({ type: 'loading', path: 'q.sql', line: 5 });
    assert.match(v.doc.body.textContent!, /Asking the sandbox for the plan/);
  });
});
