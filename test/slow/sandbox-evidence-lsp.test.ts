// Missing-index evidence in the editor (issue #6): after a run's replay has published its
// postgres-error diagnostics, the worker fills the tables (dbEngineer.sandbox.rows) and measures each
// recommended index; the language server puts the planner's costs into the missing-index
// diagnostics (message, severity, data.evidence) and their hover. dist/server.js over stdio with its
// worker (dist/sandbox-worker.js); run `npm run build` first (npm test does).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DiagnosticSeverity, type Diagnostic, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { fileUri, LspClient } from '../lspClient';
import { evidenceText } from '../../client/src/status-text';
import type { FromWorker, WorkerData } from '../../server/src/sandbox/worker-protocol';
import { Project } from '../../server/src/engine/project';
import { defaultConfig } from '../../server/src/config';
import { initParser } from '../../server/src/sql/parse';
import { evidenceRequests } from '../../server/src/sandbox/evidence';
import { sandboxInput } from '../../server/src/sandbox/input';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-sbx-ev-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const INIT = [
  'CREATE TABLE users (',
  '  id bigint PRIMARY KEY,',
  '  email text NOT NULL,',
  "  status text NOT NULL CHECK (status IN ('active', 'inactive'))",
  ');',
  'CREATE TABLE orders (',
  '  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,',
  '  note varchar(20),',
  '  total numeric(12, 2) NOT NULL',
  ');',
  '',
].join('\n');
// line 1: a selective lookup (the index pays off); line 3: a two-valued column (the planner declines the index)
const QUERIES = "-- app\nSELECT id, total FROM orders WHERE note = $1;\n\nSELECT id, email FROM users WHERE status = 'active';\n";
const BROKEN = 'ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id);\n';

const missing = (p: PublishDiagnosticsParams | undefined) => (p?.diagnostics ?? []).filter((d) => d.code === 'missing-index');
const at = (p: PublishDiagnosticsParams | undefined, line: number) => missing(p).find((d) => d.range.start.line === line);
const evidenceOf = (d: Diagnostic | undefined) => (d?.data as { evidence?: { costBefore: number; costAfter: number; indexUsed: boolean; tableRows: number; generated: boolean } } | undefined)?.evidence;
const hoverText = (h: any) => (h ? (typeof h.contents === 'string' ? h.contents : h.contents.value) : '');

describe('missing-index evidence in the language server', () => {
  let ws: string;
  let client: LspClient;
  const uri = (rel: string) => fileUri(path.join(ws, rel));
  const q = () => uri('queries/app.sql');

  before(async () => {
    ws = workspace({ 'migrations/001_init.sql': INIT, 'queries/app.sql': QUERIES });
    client = await LspClient.start({ folder: ws, sandbox: true, createFiles: true, settings: { debounceMs: 5, sandbox: { enabled: true, rows: 1000 } } });
    await client.open(q(), QUERIES);
  });
  after(async () => { await client.stop(); });

  test('a selective lookup: the diagnostic carries the planner costs in its message and data.evidence (cost drops, index used, 1,000 generated rows)', async () => {
    const got = await client.waitFor(q(), (p) => !!evidenceOf(at(p, 1)) && !!evidenceOf(at(p, 3)), 60_000);
    const d = at(got, 1)!;
    assert.match(d.message, /^No index serves this query's lookup on orders \(note = …\); create idx_orders_note on orders \(note\) \(planner: cost [\d,.]+ → [\d,.]+ with the index, on 1,000 generated rows in orders\)\.$/);
    const e = evidenceOf(d)!;
    assert.ok(e.costBefore > e.costAfter, `${e.costBefore} -> ${e.costAfter}`);
    assert.deepEqual({ indexUsed: e.indexUsed, tableRows: e.tableRows, generated: e.generated }, { indexUsed: true, tableRows: 1000, generated: true });
    assert.equal(d.severity, DiagnosticSeverity.Information, 'the severity stays');
    assert.equal((d.data as any).rule, 'missing-index', 'the existing data shape is kept');
    assert.ok(Array.isArray((d.data as any).fixes) && (d.data as any).fixes.length > 0, 'the fix is still there');
  });

  test('a lookup on a two-valued column: the planner would not use the index, so it comes back as a hint with the reason', () => {
    const d = at(client.latest.get(q()), 3)!;
    assert.equal(d.severity, DiagnosticSeverity.Hint);
    assert.match(d.message, /Kept only as a hint: the planner would not use idx_users_status for this query \(cost [\d,.]+ without it, [\d,.]+ with it, on 1,000 generated rows in users\): a lookup that matches a large share of the rows/);
    assert.equal(evidenceOf(d)!.indexUsed, false);
  });

  test('the status shows the evidence phase: measuring 2 indexes, then done with the counts', () => {
    const ev = client.statuses.map((s) => s.sandbox?.evidence).filter(Boolean);
    assert.ok(ev.some((e) => e!.state === 'measuring' && e!.indexes === 2), JSON.stringify(ev));
    const done = ev.find((e) => e!.state === 'done')!;
    assert.deepEqual({ indexes: done.indexes, queries: done.queries, rows: done.rows }, { indexes: 2, queries: 2, rows: 1000 });
    assert.equal(evidenceText({ state: 'measuring', indexes: 2 }), ' Measuring 2 indexes (generated rows, planner costs without and with each)…');
    assert.match(evidenceText(done as any), /^ Missing-index evidence: 2 queries measured for 2 indexes on 1,000 generated rows a table in \d+ ms\.$/);
  });

  test('hover over the diagnostic shows the costs, whether the index is used and the rows; over the table name, the table too', async () => {
    const d = at(client.latest.get(q()), 1)!;
    const h = hoverText(await client.hover(q(), d.range.start.line, d.range.start.character + 1));
    assert.match(h, /\*\*Planner evidence\*\* \(sandbox\) for `idx_orders_note` on `orders`/);
    const e = evidenceOf(d)!;
    assert.ok(h.includes(`| without the index | ${e.costBefore >= 100 ? Math.round(e.costBefore).toLocaleString('en-US') : Math.round(e.costBefore * 10) / 10} |`), h);
    assert.match(h, /\| with the index \| [\d,.]+ \|/);
    assert.match(h, /The planner uses `idx_orders_note`: the query gets \d+% cheaper\./);
    assert.match(h, /Measured on 1,000 generated rows in orders/);
    // "orders" in FROM (inside the diagnostic's range): the table's hover, then the evidence
    const line = client.text(q()).split('\n')[1];
    const both = hoverText(await client.hover(q(), 1, line.indexOf('orders') + 2));
    assert.match(both, /^\*\*table\*\* `orders`/);
    assert.match(both, /\*\*Planner evidence\*\*/);
    const hint = hoverText(await client.hover(q(), 3, at(client.latest.get(q()), 3)!.range.start.character + 1));
    assert.match(hint, /would \*\*not\*\* use `idx_users_status`/);
    // outside any diagnostic: no evidence
    assert.doesNotMatch(hoverText(await client.hover(q(), 0, 3)), /Planner evidence/);
  });

  test('postgres-error diagnostics arrive before the evidence phase runs (a save publishes them first)', async () => {
    const mig = uri('migrations/002_broken.sql');
    fs.writeFileSync(path.join(ws, 'migrations/002_broken.sql'), BROKEN);
    await client.open(mig, BROKEN);
    const from = client.timeline.length;
    await client.save(mig);
    // (every status notification repeats the last evidence state: the run's own phase starts with "measuring")
    const isStatus = (t: LspClient['timeline'][number], state: string) => t.method === 'status' && t.params.sandbox?.evidence?.state === state;
    let later = client.timeline.slice(from), measuring = -1, done = -1;
    for (const t0 = Date.now(); Date.now() - t0 < 60_000; await new Promise((r) => setTimeout(r, 20))) {
      later = client.timeline.slice(from);
      measuring = later.findIndex((t) => isStatus(t, 'measuring'));
      done = measuring < 0 ? -1 : later.findIndex((t, i) => i > measuring && isStatus(t, 'done'));
      if (done >= 0) break;
    }
    const pg = later.findIndex((t) => t.method === 'diagnostics' && t.params.uri === mig && t.params.diagnostics.some((d) => d.code === 'postgres-error'));
    assert.ok(pg >= 0, 'the postgres-error diagnostic was published');
    assert.match(client.latest.get(mig)!.diagnostics.find((d) => d.code === 'postgres-error')!.message, /relation "customers" does not exist/);
    assert.ok(pg < measuring && measuring < done, `postgres-error at ${pg}, measuring at ${measuring}, done at ${done}`);
    assert.ok(evidenceOf(at(client.latest.get(q()), 1)), 'the evidence is still shown');
  });

  test('typing a change into the query drops its stale evidence at once; the other query keeps its own; the save measures it again', async () => {
    const changed = QUERIES.replace('WHERE note = $1;', 'WHERE note = $1 AND total > 10;');
    const typed = await client.change(q(), changed);
    const d = at(typed, 1)!;
    assert.ok(d, 'still a missing-index finding');
    assert.equal(evidenceOf(d), undefined);
    assert.doesNotMatch(d.message, /planner/);
    assert.ok(evidenceOf(at(typed, 3)), 'the unchanged statement keeps its evidence');
    assert.doesNotMatch(hoverText(await client.hover(q(), 1, d.range.start.character + 1)), /Planner evidence/);
    fs.writeFileSync(path.join(ws, 'queries/app.sql'), changed);
    await client.save(q());
    const again = await client.waitFor(q(), (p) => !!evidenceOf(at(p, 1)), 60_000);
    assert.match(at(again, 1)!.message, /\(planner: cost [\d,.]+ → [\d,.]+ with the index, on 1,000 generated rows in orders\)\.$/);
  });
});

describe('evidence phase in the worker', () => {
  test('a request sent before a newer run was asked for is superseded; a current one measures', async () => {
    await initParser();
    const project = new Project(defaultConfig(), (p) => p);
    project.setFile('/w/migrations/001_init.sql', INIT);
    project.setFile('/w/queries/app.sql', QUERIES);
    const requests = evidenceRequests(project);
    assert.equal(requests.length, 2);
    const shared = new SharedArrayBuffer(16);
    const wanted = new Int32Array(shared, 12, 1);
    const data: WorkerData = { snapshotDir: null, keystrokes: shared, epoch: Date.now() };
    new BigInt64Array(shared, 0, 1)[0] = -3_600_000n;
    const worker = new Worker(path.resolve(__dirname, '..', '..', 'dist', 'sandbox-worker.js'), { workerData: data });
    const answers: FromWorker[] = [];
    const next = (type: string) => new Promise<FromWorker>((resolve) => {
      const check = () => { const i = answers.findIndex((a) => a.type === type); if (i >= 0) { resolve(answers.splice(i, 1)[0]); return true; } return false; };
      if (check()) return;
      const t = setInterval(() => { if (check()) clearInterval(t); }, 10);
    });
    worker.on('message', (m: FromWorker) => answers.push(m));
    try {
      await next('hello');
      worker.postMessage({ type: 'run', id: 1, input: sandboxInput(project, { rows: 0 }) });
      assert.equal((await next('ran')).type, 'ran');
      Atomics.store(wanted, 0, 1); // a save after this request was sent
      worker.postMessage({ type: 'evidence', id: 2, rows: 300, requests, generation: 0 });
      const stale = await next('evidenced') as Extract<FromWorker, { type: 'evidenced' }>;
      assert.equal(stale.result.superseded, true);
      assert.deepEqual(stale.result.evidence, []);
      worker.postMessage({ type: 'evidence', id: 3, rows: 300, requests, generation: 1 });
      const ok = await next('evidenced') as Extract<FromWorker, { type: 'evidenced' }>;
      assert.equal(ok.result.superseded, undefined);
      assert.deepEqual(ok.result.evidence.map((r) => [r.index, r.queries.length, r.queries[0].evidence?.tableRows]).sort(), [['idx_orders_note', 1, 300], ['idx_users_status', 1, 300]]);
      assert.equal(ok.result.data?.rowsPerTable, 300);
    } finally {
      await worker.terminate();
    }
  });
});

/** A table whose generated rows are slow to insert: its CHECK sleeps `secs` a row. */
const slowTables = (n: number, secs: number) => [
  `CREATE FUNCTION slow_ok(v int) RETURNS boolean LANGUAGE sql AS 'SELECT true FROM pg_sleep(${secs})';`,
  ...Array.from({ length: n }, (_, i) => `CREATE TABLE slow${i} (id int PRIMARY KEY, k int NOT NULL CHECK (slow_ok(k)), note text);`),
  '',
].join('\n');
const slowQueries = (n: number) => Array.from({ length: n }, (_, i) => `SELECT id FROM slow${i} WHERE note = $1;`).join('\n') + '\n';

describe('evidence phase: watchdog and superseding', () => {
  test('an evidence phase over dbEngineer.sandbox.timeoutSeconds is stopped and shown; the replay\'s postgres-error stays; the next save runs again', async () => {
    const mig = 'CREATE TABLE broken_here (id int REFERENCES nowhere (id));\n';
    const ws = workspace({ 'migrations/001_init.sql': slowTables(1, 0.05), 'migrations/002_broken.sql': mig, 'queries/q.sql': slowQueries(1) });
    const client = await LspClient.start({ folder: ws, sandbox: true, settings: { debounceMs: 5, sandbox: { enabled: true, timeoutSeconds: 2, rows: 1000 } } });
    try {
      const m = fileUri(path.join(ws, 'migrations/002_broken.sql'));
      await client.open(m, mig);
      const failed = await client.waitForStatus((s) => s.sandbox?.evidence?.state === 'failed', 60_000);
      assert.equal(failed.sandbox!.state, 'ready', 'the replay itself finished');
      assert.match(failed.sandbox!.evidence!.reason!, /missing-index measuring .* took longer than 2 s/);
      assert.equal(client.logs.filter((l) => /missing-index measuring/.test(l)).length, 1, 'logged once');
      await client.waitFor(m, (p) => p.diagnostics.some((d) => d.code === 'postgres-error' && /relation "nowhere" does not exist/.test(d.message)), 10_000);
      const n = client.statuses.length;
      await client.save(m);
      await client.waitForStatus((s) => client.statuses.indexOf(s) >= n && s.sandbox?.state === 'ready', 60_000);
      assert.ok(client.latest.get(m)!.diagnostics.some((d) => d.code === 'postgres-error'));
    } finally {
      await client.stop();
    }
  });

  test('a save during the evidence phase supersedes it: the new replay starts after the table being filled, not after all of them', async () => {
    // twenty tables of 1,000 rows whose CHECK sleeps 20 ms a row: pg_sleep makes each table take 20 s
    // or more however fast the machine, so the phase takes at least 400 s. A new run that waited for the
    // whole phase cannot start within the 300 s wait below; one that starts after the table being filled
    // does, even when load makes each row take ten times its sleep (a 45 s wait against 5 s tables failed
    // under a load average of 17). The watchdog is set beyond both, so it cannot be what ends the phase.
    const ws = workspace({ 'migrations/001_init.sql': slowTables(20, 0.02), 'queries/q.sql': slowQueries(20) });
    const client = await LspClient.start({ folder: ws, sandbox: true, settings: { debounceMs: 5, sandbox: { enabled: true, rows: 1000, timeoutSeconds: 600 } } });
    try {
      const q = fileUri(path.join(ws, 'queries/q.sql'));
      await client.open(q, slowQueries(20));
      await client.waitForStatus((s) => s.sandbox?.evidence?.state === 'measuring', 60_000);
      const n = client.statuses.length;
      await client.save(q);
      await client.waitForStatus((s) => client.statuses.indexOf(s) >= n && (s.sandbox?.state === 'replaying' || s.sandbox?.state === 'starting'), 300_000);
      assert.ok(!client.statuses.slice(n).some((s) => s.sandbox?.evidence?.state === 'done'), 'the superseded phase reported nothing');
    } finally {
      await client.stop();
    }
  });
});
