// Issue #11 in the editor, over stdio (dist/server.js, driven by test/lspClient.ts): the status
// notification says which migration tool each folder holds, the Schema view's answer has a node per
// migration folder with the plan's warnings and the files not replayed, and the language server reads
// sqitch.plan (and reads it again when it changes on disk) so the editor replays sqitch's order.
// Run `npm run build` first (npm test does).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileUri, LspClient } from './lspClient';
import { SCHEMA_TREE_REQUEST, type SchemaTreeResult } from '../server/src/lsp/schema-protocol';
import type { MigrationSummary } from '../server/src/lsp/migrations-protocol';
import { ready } from './helpers';

const dirs: string[] = [];
const clients: LspClient[] = [];
after(async () => {
  for (const c of clients) await c.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function makeWorkspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-plan-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

async function start(ws: string): Promise<LspClient> {
  await ready();
  const c = await LspClient.start({ folder: ws, settings: { debounceMs: 5 } });
  clients.push(c);
  return c;
}

async function until<T>(what: string, get: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function treeMigrations(c: LspClient): Promise<MigrationSummary[]> {
  const r = await until('the schema tree', async () => {
    const t = await c.conn.sendRequest<SchemaTreeResult>(SCHEMA_TREE_REQUEST, {});
    return t.status === 'not-ready' ? undefined : t;
  });
  assert.equal(r.status, 'ok');
  return r.folders[0].migrations ?? [];
}

const GOLANG: Record<string, string> = {
  'db/migrations/001_users.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n',
  'db/migrations/001_users.down.sql': 'DROP TABLE users;\n',
  'db/migrations/002_orders.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY);\n',
  'db/migrations/002_orders.down.sql': 'DROP TABLE orders;\n',
  'db/migrations/003_items.up.sql': 'CREATE TABLE items (id bigint PRIMARY KEY);\n',
  'db/migrations/003_items.down.sql': 'DROP TABLE items;\n',
  'db/migrations/003_notes.up.sql': 'CREATE TABLE notes (id bigint PRIMARY KEY);\n',
  'db/migrations/003_notes.down.sql': 'DROP TABLE notes;\n',
  'db/migrations/README_setup.sql': 'CREATE TABLE setup (id bigint);\n',
};

describe('migration conventions in the editor', () => {
  test('the ready status names the golang-migrate folder with its counts and its warning (two files of version 3)', async () => {
    const c = await start(makeWorkspace(GOLANG));
    const s = await until('a ready status', () => (c.statuses as any[]).find((x) => x.state === 'ready' && x.migrations));
    const list = s.migrations as MigrationSummary[];
    assert.equal(list.length, 1);
    const m = list[0];
    assert.equal(m.folder, 'db/migrations');
    assert.equal(m.convention, 'golang-migrate');
    assert.match(m.detectedBy, /golang-migrate/);
    assert.equal(m.up, 4);
    assert.equal(m.down, 4);
    assert.equal(m.first, '001_users.up.sql');
    assert.ok(m.warnings.some((w) => /003_items\.up\.sql and .*003_notes\.up\.sql have the same version 003/.test(w)), m.warnings.join('\n'));
    // the status stays small: the files not replayed are counted, listed only in the Schema view
    assert.equal(m.notReplayedCount, 1);
    assert.equal(m.notReplayed, undefined);
    // the indexing status carries no plan (it would be computed on a half-read folder)
    assert.ok((c.statuses as any[]).filter((x) => x.state === 'indexing').every((x) => x.migrations === undefined));
  });

  test('the Schema view answer has the migrations node: the warning, and the file golang-migrate does not run, with why and its URI', async () => {
    const ws = makeWorkspace(GOLANG);
    const c = await start(ws);
    const [m] = await treeMigrations(c);
    assert.equal(m.convention, 'golang-migrate');
    assert.ok(m.warnings.some((w) => /same version 003/.test(w)));
    assert.equal(m.notReplayed?.length, 1);
    assert.equal(m.notReplayed![0].path, 'db/migrations/README_setup.sql');
    assert.match(m.notReplayed![0].why, /not/);
    assert.equal(m.notReplayed![0].uri, fileUri(path.join(ws, 'db/migrations/README_setup.sql')));
  });

  test('sqitch.plan gives the editor sqitch\'s order, and is read again when it changes on disk', async () => {
    const ws = makeWorkspace({
      'sqitch.plan': '%syntax-version=1.0.0\n%project=app\n\nzebra 2024-01-01T00:00:00Z A <a@b.c> # first\nalpha 2024-01-02T00:00:00Z A <a@b.c> # second\n',
      'deploy/zebra.sql': 'CREATE TABLE zebra (id bigint PRIMARY KEY);\n',
      'deploy/alpha.sql': 'CREATE TABLE alpha (id bigint PRIMARY KEY, zebra_id bigint REFERENCES zebra (id));\n',
      'revert/zebra.sql': 'DROP TABLE zebra;\n',
      'revert/alpha.sql': 'DROP TABLE alpha;\n',
      'verify/zebra.sql': 'SELECT id FROM zebra WHERE false;\n',
      'verify/alpha.sql': 'SELECT id FROM alpha WHERE false;\n',
    });
    const c = await start(ws);
    const [m] = await treeMigrations(c);
    assert.equal(m.convention, 'sqitch');
    assert.ok(!m.warnings.some((w) => /no sqitch\.plan read/.test(w)), m.warnings.join('\n'));
    assert.equal(m.first, 'deploy/zebra.sql');
    assert.equal(m.last, 'deploy/alpha.sql');
    // the plan changes on disk: alpha first now
    fs.writeFileSync(path.join(ws, 'sqitch.plan'), '%syntax-version=1.0.0\n%project=app\n\nalpha 2024-01-02T00:00:00Z A <a@b.c> # x\nzebra 2024-01-01T00:00:00Z A <a@b.c> # y\n');
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(path.join(ws, 'sqitch.plan')), type: 2 }] });
    const after = await until('the new order', async () => {
      const [x] = await treeMigrations(c);
      return x.first === 'deploy/alpha.sql' ? x : undefined;
    });
    assert.equal(after.last, 'deploy/zebra.sql');
    // the plan is deleted: path order, and the warning says so
    fs.rmSync(path.join(ws, 'sqitch.plan'));
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(path.join(ws, 'sqitch.plan')), type: 3 }] });
    const gone = await until('the plan forgotten', async () => {
      const [x] = await treeMigrations(c);
      return x.warnings.some((w) => /no sqitch\.plan read/.test(w)) ? x : undefined;
    });
    assert.equal(gone.first, 'deploy/alpha.sql');
  });
});
