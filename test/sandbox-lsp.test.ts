// The sandbox's switches in the language server (no PostgreSQL started; the replays themselves are in
// test/slow/sandbox-lsp.test.ts): dist/server.js over stdio. The sandbox starts only once a SQL file of
// a trusted workspace folder is open, and stays off with the reason when a setting, .dbe.json, Restricted
// Mode or a missing PGlite turns it off. Run `npm run build` first (npm test does).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileUri, LspClient } from './lspClient';
import type { ExplainResult } from '../server/src/lsp/explain-protocol';

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

/** A copy of the sandbox worker alone in a folder: it cannot load PGlite, so no PostgreSQL starts. */
function loneWorker(): string {
  const lone = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-sbx-lone-'));
  dirs.push(lone);
  fs.copyFileSync(path.join(__dirname, '..', 'dist', 'sandbox-worker.js'), path.join(lone, 'sandbox-worker.js'));
  // the parser's wasm beside it, so that PGlite is the only thing it lacks (whatever the worker loads first)
  fs.copyFileSync(path.join(__dirname, '..', 'dist', 'libpg-query.wasm'), path.join(lone, 'libpg-query.wasm'));
  return path.join(lone, 'sandbox-worker.js');
}

async function startWith(worker: string, opts: Parameters<typeof LspClient.start>[0]): Promise<LspClient> {
  process.env.DBE_SANDBOX_WORKER = worker;
  try { return await LspClient.start(opts); } finally { delete process.env.DBE_SANDBOX_WORKER; }
}

describe('sandbox switches', () => {
  test('no SQL file of the workspace open: the sandbox does not start, also past a change on disk and a file opened outside the folder; the first one of the folder starts it', async () => {
    const ws = workspace({ 'migrations/001_init.sql': 'CREATE TABLE t (id int PRIMARY KEY);\n', 'queries/q.sql': 'SELECT id FROM t;\n' });
    const elsewhere = workspace({ 'other.sql': 'SELECT 1;\n' });
    // a worker without PGlite: "starting" shows that the sandbox was started, then it is off as unavailable
    const client = await startWith(loneWorker(), { folder: ws, sandbox: true, settings: { debounceMs: 5 } });
    const started = () => client.statuses.filter((s) => s.sandbox && (s.sandbox.state !== 'off' || /unavailable/.test(s.sandbox.reason ?? '')));
    try {
      const indexed = await client.waitForStatus((s) => s.state === 'ready');
      assert.equal(indexed.sandbox?.state, 'off');
      assert.match(indexed.sandbox!.reason!, /starts when a SQL file of the workspace is opened/);
      fs.writeFileSync(path.join(ws, 'migrations/002_more.sql'), 'ALTER TABLE t ADD COLUMN note text;\n');
      await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(path.join(ws, 'migrations/002_more.sql')), type: 1 }] });
      await client.open(fileUri(path.join(elsewhere, 'other.sql')), 'SELECT 1;\n');
      await new Promise((r) => setTimeout(r, 1000)); // past the sandbox's debounce and idle wait (700 ms)
      assert.deepEqual(started(), [], 'not started while no SQL file of the workspace is open');
      await client.open(fileUri(path.join(ws, 'queries/q.sql')), 'SELECT id FROM t;\n');
      const off = await client.waitForStatus((s) => s.sandbox?.state === 'off' && /unavailable/.test(s.sandbox.reason ?? ''));
      assert.match(off.sandbox!.reason!, /@electric-sql\/pglite/);
      assert.ok(client.statuses.some((s) => s.sandbox?.state === 'starting'), 'it tried to start');
    } finally {
      await client.stop();
    }
  });

  test('a SQL file already open when indexing ends starts it at once', async () => {
    const ws = workspace({ 'q.sql': 'SELECT 1;\n' });
    const client = await startWith(loneWorker(), { folder: ws, sandbox: true, settings: { debounceMs: 5 } });
    try {
      await client.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: fileUri(path.join(ws, 'q.sql')), languageId: 'sql', version: 1, text: 'SELECT 1;\n' } });
      await client.waitForStatus((s) => s.sandbox?.state === 'off' && /unavailable/.test(s.sandbox.reason ?? ''));
      assert.ok(client.statuses.some((s) => s.sandbox?.state === 'starting'), 'it tried to start');
    } finally {
      await client.stop();
    }
  });

  test('"sandbox": false in .dbe.json: no worker, no lenses, status off with the reason; explain says so', async () => {
    const ws = workspace({ '.dbe.json': '{"sandbox": false}', 'q.sql': 'SELECT 1;\n' });
    const client = await LspClient.start({ folder: ws, sandbox: true });
    try {
      const off = await client.waitForStatus((s) => s.sandbox?.state === 'off' && /dbe\.json/.test(s.sandbox.reason ?? ''));
      assert.ok(off);
      const q = fileUri(path.join(ws, 'q.sql'));
      await client.open(q, 'SELECT 1;\n');
      assert.deepEqual(await client.codeLenses(q), []);
      const r = await client.conn.sendRequest<ExplainResult>('dbEngineer/explain', { uri: q, line: 0 });
      assert.equal(r.ok, false);
      assert.equal((r as any).kind, 'off');
    } finally {
      await client.stop();
    }
  });

  test('dbEngineer.sandbox.enabled false: off with the setting named', async () => {
    const ws = workspace({ 'q.sql': 'SELECT 1;\n' });
    const client = await LspClient.start({ folder: ws, sandbox: false });
    try {
      await client.waitForStatus((s) => s.sandbox?.state === 'off' && /dbEngineer\.sandbox\.enabled/.test(s.sandbox.reason ?? ''));
    } finally {
      await client.stop();
    }
  });

  test('PGlite missing (a worker that cannot load it): the sandbox is off as unavailable, the reason says what is missing; no lenses', async () => {
    const ws = workspace({ 'q.sql': 'SELECT 1;\n' });
    const lone = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-sbx-lone-'));
    dirs.push(lone);
    fs.copyFileSync(path.join(__dirname, '..', 'dist', 'sandbox-worker.js'), path.join(lone, 'sandbox-worker.js'));
    // the parser's wasm beside it, so that PGlite is the only thing it lacks (whatever the worker loads first)
    fs.copyFileSync(path.join(__dirname, '..', 'dist', 'libpg-query.wasm'), path.join(lone, 'libpg-query.wasm'));
    process.env.DBE_SANDBOX_WORKER = path.join(lone, 'sandbox-worker.js');
    let client: LspClient;
    try { client = await LspClient.start({ folder: ws, sandbox: true }); } finally { delete process.env.DBE_SANDBOX_WORKER; }
    try {
      const q = fileUri(path.join(ws, 'q.sql'));
      await client.open(q, 'SELECT 1;\n');
      const off = await client.waitForStatus((s) => s.sandbox?.state === 'off' && /unavailable/.test(s.sandbox.reason ?? ''));
      assert.match(off.sandbox!.reason!, /@electric-sql\/pglite/);
      assert.deepEqual(await client.codeLenses(q), []);
    } finally {
      await client.stop();
    }
  });

  test('untrusted workspace: the sandbox stays off, also with a SQL file open', async () => {
    const ws = workspace({ 'q.sql': 'SELECT 1;\n' });
    const client = await LspClient.start({ folder: ws, sandbox: true, trusted: false });
    try {
      const q = fileUri(path.join(ws, 'q.sql'));
      await client.open(q, 'SELECT 1;\n');
      const off = await client.waitForStatus((s) => s.state === 'ready' && s.sandbox?.state === 'off' && /Restricted Mode/.test(s.sandbox.reason ?? ''));
      assert.ok(off);
      await client.save(q);
      await new Promise((r) => setTimeout(r, 1000)); // past the sandbox's debounce and idle wait (700 ms)
      assert.deepEqual(client.statuses.filter((s) => s.sandbox && s.sandbox.state !== 'off'), [], 'never starting, replaying or ready');
      assert.deepEqual(await client.codeLenses(q), []);
    } finally {
      await client.stop();
    }
  });
});
