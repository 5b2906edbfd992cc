// Issue #12, the pull model of diagnostics with the sandbox (it starts PostgreSQL, so it is in the slow
// suite): the sandbox's findings arrive after the static ones, the server asks the client to refresh,
// and the next workspace pull has the postgres-error on a query file that is not open.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileUri, LspClient } from '../lspClient';
import { ready } from '../helpers';

type Report = { kind: 'full' | 'unchanged'; uri: string; resultId?: string; items?: { code?: unknown }[] };

const dirs: string[] = [];
const clients: LspClient[] = [];
after(async () => {
  for (const c of clients) await c.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function pullWorkspace(c: LspClient, previous: Report[] = []): Promise<Report[]> {
  const r = await c.conn.sendRequest<{ items: Report[] }>('workspace/diagnostic', { previousResultIds: previous.filter((p) => p.resultId).map((p) => ({ uri: p.uri, value: p.resultId })) });
  return r.items;
}

test('sandbox findings arrive after the static ones: the server asks for a refresh and the pull then has the postgres-error on the closed query file', async () => {
  await ready();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-ws-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'migrations'));
  fs.mkdirSync(path.join(dir, 'queries'));
  const rename = 'ALTER TABLE customers RENAME COLUMN full_name TO display_name;\n';
  fs.writeFileSync(path.join(dir, 'migrations', '001_init.sql'), 'CREATE TABLE customers (id bigint PRIMARY KEY, full_name text);\n');
  fs.writeFileSync(path.join(dir, 'migrations', '002_rename.sql'), rename);
  fs.writeFileSync(path.join(dir, 'queries', 'reports.sql'), 'SELECT id, full_name FROM customers;\n');
  // unknown-column off: it reports full_name as you type, and the sandbox's same error is then not published twice
  const c = await LspClient.start({ folder: dir, settings: { debounceMs: 5, rules: { 'unknown-column': 'off' } }, pull: true, sandbox: true });
  clients.push(c);
  // the sandbox starts when a SQL file of the workspace is open
  await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: fileUri(path.join(dir, 'migrations', '002_rename.sql')), languageId: 'sql', version: 1, text: rename } });
  const reports = fileUri(path.join(dir, 'queries', 'reports.sql'));
  let items = await pullWorkspace(c);
  const codes = () => items.find((i) => i.uri === reports)?.items?.map((d) => d.code) ?? [];
  for (let i = 0; i < 120 && !codes().includes('postgres-error'); i++) {
    const before = c.refreshes;
    await c.waitForStatus((s) => s.sandbox?.state === 'ready' || s.sandbox?.state === 'failed', 120_000);
    for (let j = 0; j < 40 && c.refreshes === before; j++) await new Promise((r) => setTimeout(r, 50));
    const next = await pullWorkspace(c, items);
    items = next.map((n) => (n.kind === 'unchanged' ? items.find((o) => o.uri === n.uri)! : n));
  }
  assert.ok(codes().includes('postgres-error'), JSON.stringify(codes()));
  assert.ok(c.refreshes > 0, 'the server asked for a refresh');
});
