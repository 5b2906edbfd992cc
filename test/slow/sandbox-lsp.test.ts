// The sandbox in the language server (issue #6): dist/server.js over stdio with its worker thread
// (dist/sandbox-worker.js). After a save, PostgreSQL's own errors arrive as postgres-error
// diagnostics and survive typing; queries get an "Explain" code lens and dbEngineer/explain returns
// the plan; a run that never ends is stopped by the watchdog, reported, and the next save starts a
// fresh worker. Run `npm run build` first (npm test does).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { Worker } from 'node:worker_threads';
import { CHAT_CONTEXT_REQUEST, type ChatContextResult } from '../../server/src/lsp/chat-protocol';
import { fileUri, LspClient } from '../lspClient';
import type { FromWorker, WorkerData } from '../../server/src/sandbox/worker-protocol';
import type { ExplainResult } from '../../server/src/lsp/explain-protocol';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-sbx-lsp-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const pgErrors = (p: PublishDiagnosticsParams) => p.diagnostics.filter((d) => d.code === 'postgres-error');

const INIT = 'CREATE TABLE customers (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  email text NOT NULL,\n  full_name text\n);\n';
const QUERIES = '-- reports\nSELECT id, full_name\nFROM customers\nWHERE email = $1;\n\nSELECT count(*) FROM customers;\n';

describe('sandbox in the language server', () => {
  let ws: string;
  let client: LspClient;
  const uri = (rel: string) => fileUri(path.join(ws, rel));

  before(async () => {
    ws = workspace({ 'migrations/001_init.sql': INIT, 'queries/reports.sql': QUERIES });
    // unknown-column / unknown-relation off: they report these names as you type, and the sandbox's
    // same finding is then not published twice (test/semantic-lsp.test.ts); this suite is the sandbox's
    client = await LspClient.start({ folder: ws, sandbox: true, settings: { debounceMs: 5, rules: { 'unknown-column': 'off', 'unknown-relation': 'off' } } });
  });
  after(async () => { await client.stop(); });

  test('once the workspace is indexed and a SQL file is open the sandbox replays the workspace; the status says starting, then ready with counts', async () => {
    await client.open(uri('queries/reports.sql'), QUERIES);
    const ready = await client.waitForStatus((s) => s.sandbox?.state === 'ready');
    assert.ok(client.statuses.some((s) => s.sandbox?.state === 'starting'), 'a starting state first');
    assert.equal(ready.sandbox!.findings, 0);
    assert.equal((ready.sandbox as any).ran, 1, 'one migration statement ran');
    assert.equal((ready.sandbox as any).explained, 2, 'two queries explained');
  });

  test('code lenses: "Explain" on each query, none on DDL', async () => {
    const lenses = (await client.codeLenses(uri('queries/reports.sql')))!;
    assert.deepEqual(lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command]), [[1, 'Explain', 'dbEngineer.explain'], [5, 'Explain', 'dbEngineer.explain']]);
    assert.deepEqual(lenses[0].command!.arguments, [uri('queries/reports.sql'), 1]);
    await client.open(uri('migrations/001_init.sql'), INIT);
    assert.deepEqual(await client.codeLenses(uri('migrations/001_init.sql')), []);
  });

  test('dbEngineer/explain returns the plan: a Seq Scan on customers, generic for $1; a DDL line is refused with a message', async () => {
    const r = await client.conn.sendRequest<ExplainResult>('dbEngineer/explain', { uri: uri('queries/reports.sql'), line: 2 });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.path, 'queries/reports.sql');
    assert.equal(r.line, 2);
    assert.equal(r.generic, true);
    assert.equal(r.plan.nodeType, 'Seq Scan');
    assert.equal(r.plan.relation, 'customers');
    assert.ok(r.plan.totalCost > 0 && r.plan.rows >= 1);
    assert.ok(Array.isArray(r.postgres));
    const ddl = await client.conn.sendRequest<ExplainResult>('dbEngineer/explain', { uri: uri('migrations/001_init.sql'), line: 0 });
    assert.equal(ddl.ok, false);
    assert.match((ddl as any).message, /not a query/);
    const bad = await client.conn.sendRequest<ExplainResult>('dbEngineer/explain', { uri: uri('queries/reports.sql'), line: -3 });
    assert.equal(bad.ok, false);
  });

  test('saving a migration that renames a column: the query using the old name gets a postgres-error; typing keeps it; the fix clears it on save', async () => {
    const q = uri('queries/reports.sql');
    const mig = 'ALTER TABLE customers RENAME COLUMN full_name TO display_name;\n';
    fs.writeFileSync(path.join(ws, 'migrations/002_rename.sql'), mig);
    await client.open(uri('migrations/002_rename.sql'), mig);
    await client.save(uri('migrations/002_rename.sql'));
    const got = await client.waitFor(q, (p) => pgErrors(p).length > 0, 30_000);
    const [d] = pgErrors(got);
    assert.match(d.message, /column "full_name" does not exist \(SQLSTATE 42703\)/);
    assert.deepEqual(d.range, { start: { line: 1, character: 11 }, end: { line: 1, character: 20 } }, 'on the old column name');
    // typing in the query file (an unrelated statement): the static analysis re-publishes, the sandbox finding stays and moves with its statement
    const typed = await client.change(q, '-- reports, edited\n\n' + QUERIES.replace('-- reports\n', ''));
    const kept = pgErrors(typed);
    assert.equal(kept.length, 1, 'still there after a keystroke');
    assert.equal(kept[0].range.start.line, 2, 'moved down with its statement');
    // Explain on the broken query: PostgreSQL's message, as an answer the panel shows
    const rejected = await client.conn.sendRequest<ExplainResult>('dbEngineer/explain', { uri: q, line: 3 });
    assert.equal(rejected.ok, false);
    assert.equal((rejected as any).kind, 'rejected');
    assert.match((rejected as any).message, /column "full_name" does not exist/);
    // the chat asked about the query file gets PostgreSQL's error with its findings (chat/context.ts)
    const ctx = await client.conn.sendRequest<ChatContextResult>(CHAT_CONTEXT_REQUEST, { uri: q });
    assert.match(ctx.text, /- line 3 \[error\] postgres-error: .*column "full_name" does not exist/);
    assert.match(ctx.text, /PostgreSQL's own errors from replaying the project's migrations in DB Engineer's sandbox/);
    // the fix: rename in the query, save
    const fixed = client.text(q).replace('full_name', 'display_name');
    await client.change(q, fixed);
    fs.writeFileSync(path.join(ws, 'queries/reports.sql'), fixed);
    await client.save(q);
    await client.waitFor(q, (p) => pgErrors(p).length === 0 && p.version === client.version(q), 30_000);
  });

  test('a migration that appears on disk (not opened) re-runs the sandbox: the query loses its column', async () => {
    const q = uri('queries/reports.sql');
    fs.writeFileSync(path.join(ws, 'migrations/003_drop_email.sql'), 'ALTER TABLE customers DROP COLUMN email;\n');
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('migrations/003_drop_email.sql'), type: 1 }] });
    const got = await client.waitFor(q, (p) => pgErrors(p).some((d) => /column "email" does not exist/.test(d.message)), 30_000);
    assert.equal(pgErrors(got).length, 1);
  });

  test('a run waits for a pause in typing: saved while typing goes on, it starts only after 500 ms without a keystroke', async () => {
    const q = uri('queries/reports.sql');
    const n = client.statuses.length;
    const startedAt: number[] = [];
    const poll = setInterval(() => {
      if (!startedAt.length && client.statuses.slice(n).some((s) => s.sandbox?.state === 'replaying' || s.sandbox?.state === 'starting')) startedAt.push(performance.now());
    }, 5);
    try {
      await client.save(q);
      let last = 0;
      for (let i = 0; i < 8; i++) {
        await client.change(q, client.text(q) + ' ');
        last = performance.now();
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(startedAt.length, 0, 'no run while typing');
      await client.waitForStatus((s) => client.statuses.indexOf(s) >= n && s.sandbox?.state === 'ready');
      assert.ok(startedAt.length && startedAt[0] - last >= 250, `started ${startedAt[0] - last} ms after the last keystroke`);
    } finally {
      clearInterval(poll);
    }
  });
});

describe('the sandbox starts when a SQL file is open', () => {
  test('a workspace with SQL files but none open: the sandbox waits, also past a file change on disk and a file opened outside the folder; the first SQL file of the folder starts it; it stays when the file closes', async () => {
    const ws = workspace({ 'migrations/001_init.sql': INIT, 'queries/reports.sql': QUERIES });
    const elsewhere = workspace({ 'other.sql': 'SELECT 1;\n' });
    const client = await LspClient.start({ folder: ws, sandbox: true, settings: { debounceMs: 5 } });
    const started = () => client.statuses.filter((s) => s.sandbox && s.sandbox.state !== 'off');
    try {
      const indexed = await client.waitForStatus((s) => s.state === 'ready');
      assert.equal(indexed.sandbox?.state, 'off');
      assert.match(indexed.sandbox!.reason!, /starts when a SQL file of the workspace is opened/);
      // a migration appears on disk (the watcher reports it): still nothing to replay for
      fs.writeFileSync(path.join(ws, 'migrations/002_more.sql'), 'ALTER TABLE customers ADD COLUMN note text;\n');
      await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(path.join(ws, 'migrations/002_more.sql')), type: 1 }] });
      // a SQL file that is not the workspace's: analysed, but it does not start the sandbox
      await client.open(fileUri(path.join(elsewhere, 'other.sql')), 'SELECT 1;\n');
      await new Promise((r) => setTimeout(r, 1000)); // past the sandbox's debounce and idle wait (700 ms)
      assert.deepEqual(started(), [], 'no worker while no SQL file of the workspace is open');
      // the user opens a query file: the sandbox starts and replays the migrations (the new one too)
      const q = fileUri(path.join(ws, 'queries/reports.sql'));
      await client.open(q, QUERIES);
      const ready = await client.waitForStatus((s) => s.sandbox?.state === 'ready', 60_000);
      assert.equal((ready.sandbox as any).ran, 2, 'both migration statements ran');
      // the last SQL file closes: the worker and its state stay, Explain still answers from it
      await client.close(q);
      const n = client.statuses.length;
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(client.statuses.slice(n).every((s) => s.sandbox?.state !== 'off'), 'not stopped on close');
      await client.open(q, QUERIES);
      const r = await client.conn.sendRequest<ExplainResult>('dbEngineer/explain', { uri: q, line: 2 });
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(client.statuses.filter((s) => s.sandbox?.state === 'starting').length, 1, 'one worker start in all');
    } finally {
      await client.stop();
    }
  });
});

describe('sandbox worker', () => {
  test('a replay pauses between statements while the user types, and goes on when typing stops', async () => {
    const shared = new SharedArrayBuffer(16);
    const epoch = Date.now();
    const lastKey = new BigInt64Array(shared, 0, 1);
    const key = () => Atomics.store(lastKey, 0, BigInt(Date.now() - epoch));
    Atomics.store(lastKey, 0, -3_600_000n);
    const data: WorkerData = { snapshotDir: null, keystrokes: shared, epoch };
    const worker = new Worker(path.join(__dirname, '..', '..', 'dist', 'sandbox-worker.js'), { workerData: data });
    try {
      const statements = Array.from({ length: 40 }, (_, i) => ({ start: 0, end: 1, text: `CREATE TABLE t${i} (id int)`, kind: 'CreateStmt', action: 'run' as const }));
      let typing: NodeJS.Timeout | undefined;
      let replaying = 0;
      const done = new Promise<FromWorker>((resolve, reject) => {
        worker.on('error', reject);
        worker.on('message', (m: FromWorker) => {
          if (m.type === 'hello') worker.postMessage({ type: 'run', id: 1, input: { files: [{ path: 'm.sql', role: 'migration', statements }], roles: [], extensions: [], severity: 'error', checkQueries: false } });
          else if (m.type === 'phase' && m.phase === 'replaying') {
            replaying = performance.now();
            key();
            typing = setInterval(key, 50); // the user types for 1.5 s
            setTimeout(() => clearInterval(typing), 1500);
          } else if (m.type === 'ran' || m.type === 'failed') resolve(m);
        });
      });
      const m = await done;
      clearInterval(typing);
      const waited = performance.now() - replaying;
      assert.equal(m.type, 'ran');
      assert.equal((m as any).stats.ran, 40, 'every statement ran in the end');
      assert.ok(waited >= 1400, `the replay finished ${Math.round(waited)} ms after it started: it did not wait for the typing`);
    } finally {
      await worker.terminate();
    }
  });
});

describe('sandbox watchdog and switches', () => {
  test('a replay over dbEngineer.sandbox.timeoutSeconds is stopped, logged once and shown; the next save starts a fresh worker', async () => {
    const ws = workspace({
      'migrations/001_init.sql': 'CREATE TABLE t (id int PRIMARY KEY);\nSELECT pg_sleep(30);\n',
      'queries/q.sql': 'SELECT id FROM t;\n',
    });
    const client = await LspClient.start({ folder: ws, sandbox: true, settings: { debounceMs: 5, sandbox: { enabled: true, timeoutSeconds: 1 } } });
    try {
      await client.open(fileUri(path.join(ws, 'queries/q.sql')), 'SELECT id FROM t;\n');
      const failed = await client.waitForStatus((s) => s.sandbox?.state === 'failed', 60_000);
      assert.match(failed.sandbox!.reason!, /longer than 1 s/);
      assert.equal(client.logs.filter((l) => /longer than 1 s/.test(l)).length, 1, 'logged once');
      // the migration is fixed and saved: a new worker replays it
      fs.writeFileSync(path.join(ws, 'migrations/001_init.sql'), 'CREATE TABLE t (id int PRIMARY KEY);\n');
      const q = fileUri(path.join(ws, 'queries/q.sql'));
      await client.open(fileUri(path.join(ws, 'migrations/001_init.sql')), 'CREATE TABLE t (id int PRIMARY KEY);\n');
      const n = client.statuses.length;
      await client.save(fileUri(path.join(ws, 'migrations/001_init.sql')));
      await client.waitForStatus((s) => client.statuses.indexOf(s) >= n && s.sandbox?.state === 'ready', 60_000);
      await client.open(q, 'SELECT id FROM t;\n');
      const r = await client.conn.sendRequest<ExplainResult>('dbEngineer/explain', { uri: q, line: 0 });
      assert.ok(r.ok, JSON.stringify(r));
    } finally {
      await client.stop();
    }
  });
});
