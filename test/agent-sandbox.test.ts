// The sandbox behind the agent's tools (sandbox/agent.ts): a real PGlite in the worker thread
// (dist/sandbox-worker.js: run `npm run build` first; npm test does), on a temp copy of examples/shop.
// explain_query and compare_index through runTool, validate through the AgentSandbox; then the same
// through the language server's SandboxHost (dbEngineer/agentTool over stdio).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliToolContext, type CliToolContext } from '../server/src/agent/cli-context';
import { runTool } from '../server/src/agent/tools';
import type { SandboxCompare, SandboxExplain } from '../server/src/agent/tool';
import { AGENT_TOOL_REQUEST, type AgentToolAnswer } from '../server/src/lsp/agent-protocol';
import { fileUri, LspClient } from './lspClient';
import { Folder } from '../server/src/lsp/folder';
import { SandboxHost } from '../server/src/lsp/sandbox-host';
import type { DbeServer } from '../server/src/lsp/server';
import { defaultSettings } from '../server/src/lsp/settings';
import { fileUriKey } from '../server/src/lsp/uri';
import { editorAgentSandbox } from '../server/src/sandbox/agent';
import type { AgentSandbox } from '../server/src/agent/tool';

const SHOP = path.join(__dirname, '..', 'examples', 'shop');
const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

/** A temp copy of examples/shop (nothing here writes, but the project is read from disk). */
function shopCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-agent-sbx-'));
  dirs.push(dir);
  fs.cpSync(SHOP, dir, { recursive: true });
  // fewer generated rows than the default: the plans still prefer an index on orders.user_id
  fs.writeFileSync(path.join(dir, '.dbe.json'), JSON.stringify({ postgresVersion: 16, sandbox: { rows: 2000 } }));
  return dir;
}

const QUERY = 'SELECT * FROM orders WHERE user_id = 42';
const INDEX = 'CREATE INDEX orders_user_id_idx ON orders (user_id)';

describe('the agent sandbox in the CLI (dbe ask, dbe mcp)', () => {
  let ctx: CliToolContext;
  before(async () => { ctx = await cliToolContext({ root: shopCopy(), cwd: process.cwd() }); });
  after(async () => { await ctx.close(); });

  test('explain_query: the plan with its cost, a Seq Scan on orders, and the generated data it stands on', async () => {
    const r = await runTool('explain_query', { sql: QUERY }, ctx);
    assert.equal(r.isError, undefined, r.text);
    assert.match(r.summary, /^explained the query: cost [\d,.]+, seq scan on orders$/);
    assert.match(r.text, /total cost [\d,.]+/);
    assert.match(r.text, /Seq Scan on orders/);
    assert.match(r.text, /Filter: \(user_id = 42\)/);
    assert.match(r.text, /on 2,000 generated rows a table/);
    const data = r.data as SandboxExplain & { seqScans: string[] };
    assert.deepEqual(data.seqScans, ['orders']);
    assert.equal(typeof data.replayFailures, 'number');
  });

  test('explain_query: a query PostgreSQL rejects gives its message; not a query, or two, is refused before the sandbox', async () => {
    const r = await runTool('explain_query', { sql: 'SELECT nosuch FROM orders' }, ctx);
    assert.equal(r.isError, true);
    assert.match(r.text, /column "nosuch" does not exist/);
    assert.equal(r.summary, 'explain_query: PostgreSQL rejects the query');
    const ddl = await runTool('explain_query', { sql: 'DROP TABLE orders' }, ctx);
    assert.equal(ddl.isError, true);
    assert.match(ddl.text, /a DROP TABLE statement, not a query/);
    const two = await runTool('explain_query', { sql: 'SELECT 1; SELECT 2' }, ctx);
    assert.match(two.text, /holds 2 statements/);
    const insert = await runTool('explain_query', { sql: 'INSERT INTO products (name, category, price) VALUES (\'a\', \'b\', 1)' }, ctx);
    assert.match(insert.summary, /^explained the query: cost [\d,.]+, writes products$/);
    const bad = await runTool('explain_query', { sql: 'SELEC 1' }, ctx);
    assert.match(bad.text, /does not parse: syntax error at or near "SELEC"/);
  });

  test('compare_index: cost lower with the index, the planner uses it; the index is not left behind', async () => {
    const r = await runTool('compare_index', { sql: QUERY, index: INDEX }, ctx);
    assert.equal(r.isError, undefined, r.text);
    const data = r.data as SandboxCompare;
    assert.equal(data.index, 'orders_user_id_idx');
    assert.ok(data.after!.cost < data.before!.cost, `${data.before!.cost} → ${data.after!.cost}`);
    assert.equal(data.after!.usesIndex, true);
    assert.match(r.summary, /^compared index orders_user_id_idx: cost [\d,.]+ → [\d,.]+ \(uses the index\)$/);
    assert.match(r.text, /Without the index:[\s\S]*Seq Scan on orders[\s\S]*With the index:[\s\S]*orders_user_id_idx/);
    // rolled back: the next plan does not use it, and the catalog does not hold it
    const again = await runTool('explain_query', { sql: QUERY }, ctx);
    assert.doesNotMatch(again.text, /orders_user_id_idx/);
    assert.match(again.text, /Seq Scan on orders/);
    const v = await ctx.sandbox!.validate('SELECT 1', 'SELECT 1');
    assert.equal(v.restored, true);
    const twice = await runTool('compare_index', { sql: QUERY, index: INDEX }, ctx);
    assert.equal(twice.isError, undefined, `a second compare creates the same index again: ${twice.text}`);
  });

  test('compare_index: CONCURRENTLY is dropped with a note; an index the planner ignores is "no gain"', async () => {
    const r = await runTool('compare_index', { sql: QUERY, index: 'CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id)' }, ctx);
    assert.equal(r.isError, undefined, r.text);
    assert.match(r.text, /CONCURRENTLY was dropped/);
    const useless = await runTool('compare_index', { sql: QUERY, index: 'CREATE INDEX orders_created_idx ON orders (created_at)' }, ctx);
    assert.equal(useless.isError, undefined, useless.text);
    assert.equal(useless.summary, 'compared index orders_created_idx: no gain, the planner does not use it');
  });

  test('compare_index: a candidate that repeats an index the project has is called a likely duplicate, naming the index the planner already uses', async () => {
    const r = await runTool('compare_index', { sql: 'SELECT id FROM orders WHERE status = $1', index: 'CREATE INDEX orders_status_again ON orders (status)' }, ctx);
    assert.notEqual(r.isError, true, r.text);
    assert.match(r.text, /Without the candidate the planner already uses idx_orders_status: the candidate looks like a duplicate of it\./);
    assert.match(r.summary, /saves little: idx_orders_status already serves the query/);
    const fresh = await runTool('compare_index', { sql: QUERY, index: INDEX }, ctx);
    assert.doesNotMatch(fresh.text, /duplicate/, 'an index that helps is not called a duplicate');
  });

  test('compare_index: a table the project does not have is refused with the tables that exist, closest first', async () => {
    const miss = await runTool('compare_index', { sql: QUERY, index: 'CREATE INDEX x ON ordrs (user_id)' }, ctx);
    assert.equal(miss.isError, true);
    assert.match(miss.text, /there is no table ordrs in the project's schema/);
    assert.match(miss.text, /closest first: orders, /);
    const notIndex = await runTool('compare_index', { sql: QUERY, index: 'DROP INDEX idx_orders_status' }, ctx);
    assert.match(notIndex.text, /is not a CREATE INDEX statement/);
  });

  test('validate: an index the down migration forgets is named, with its definition', async () => {
    const v = await ctx.sandbox!.validate('CREATE INDEX orders_status2_idx ON orders (status);', 'SELECT 1;');
    assert.equal(v.upError, undefined);
    assert.equal(v.restored, false);
    assert.deepEqual(v.changes, ['index orders_status2_idx on public.orders added: CREATE INDEX orders_status2_idx ON public.orders USING btree (status)']);
    assert.deepEqual(v.differences, ['index orders_status2_idx on public.orders left behind: CREATE INDEX orders_status2_idx ON public.orders USING btree (status)']);
  });

  test('validate: a down that does not restore a column type names the column and both types; a correct down restores', async () => {
    const up = 'ALTER TABLE orders ALTER COLUMN total_amount TYPE numeric(16, 2);';
    const wrong = await ctx.sandbox!.validate(up, 'ALTER TABLE orders ALTER COLUMN total_amount TYPE numeric(18, 2);');
    assert.equal(wrong.restored, false);
    assert.deepEqual(wrong.changes, ['column public.orders.total_amount: type numeric(14,2) → numeric(16,2)']);
    assert.deepEqual(wrong.differences, ['column public.orders.total_amount: type numeric(14,2) before, numeric(18,2) after the rollback']);
    const right = await ctx.sandbox!.validate(up, 'ALTER TABLE orders ALTER COLUMN total_amount TYPE numeric(14, 2);');
    assert.equal(right.restored, true);
    assert.deepEqual(right.differences, []);
  });

  test('validate: tables, constraints and columns left behind or missing; children of a left-behind table are not listed', async () => {
    const v = await ctx.sandbox!.validate(
      'CREATE TABLE audit (id bigserial PRIMARY KEY, note text); ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey; ALTER TABLE orders ADD COLUMN note text DEFAULT \'x\';',
      'ALTER TABLE orders DROP COLUMN note;',
    );
    assert.equal(v.restored, false);
    assert.deepEqual(v.differences, [
      'constraint orders_user_id_fkey on public.orders missing after the rollback: FOREIGN KEY (user_id) REFERENCES users(id)',
      'table public.audit left behind',
    ]);
    assert.ok(v.changes.includes('column public.orders.note added: text'), v.changes.join('\n'));
  });

  test('validate: an up that fails gives the statement and PostgreSQL\'s message, and nothing after it runs', async () => {
    const v = await ctx.sandbox!.validate('CREATE INDEX a_idx ON orders (status);\nALTER TABLE orders ADD COLUMN nope int REFERENCES nosuch (id);\nCREATE INDEX b_idx ON orders (status);', 'DROP INDEX a_idx;');
    assert.equal(v.upError!.statement, 'ALTER TABLE orders ADD COLUMN nope int REFERENCES nosuch (id);');
    assert.match(v.upError!.message, /relation "nosuch" does not exist \(SQLSTATE 42P01\)/);
    assert.deepEqual(v.changes, ['index a_idx on public.orders added: CREATE INDEX a_idx ON public.orders USING btree (status)']);
    assert.equal(v.restored, undefined);
    // and the replayed database is as before
    const again = await ctx.sandbox!.validate('SELECT 1', 'SELECT 1');
    assert.deepEqual(again.differences, []);
    assert.deepEqual(again.changes, []);
  });

  test('validate: CONCURRENTLY and BEGIN/COMMIT are adjusted with notes; VACUUM is skipped with a note', async () => {
    const v = await ctx.sandbox!.validate('BEGIN;\nCREATE INDEX CONCURRENTLY orders_ship_idx ON orders (shipped_at);\nVACUUM orders;\nCOMMIT;', 'DROP INDEX CONCURRENTLY orders_ship_idx;');
    assert.equal(v.upError, undefined, v.upError?.message);
    assert.equal(v.downError, undefined, v.downError?.message);
    assert.equal(v.restored, true);
    assert.deepEqual(v.changes, ['index orders_ship_idx on public.orders added: CREATE INDEX orders_ship_idx ON public.orders USING btree (shipped_at)']);
    assert.equal(v.notes.filter((n) => /CONCURRENTLY was dropped/.test(n)).length, 2);
    assert.ok(v.notes.some((n) => /"BEGIN;" was skipped/.test(n)), v.notes.join('\n'));
    assert.ok(v.notes.some((n) => /"COMMIT;" was skipped/.test(n)), v.notes.join('\n'));
    assert.ok(v.notes.some((n) => /"VACUUM orders;" was skipped: it cannot run inside the check's transaction/.test(n)), v.notes.join('\n'));
  });

  test('validate: a down that fails names the statement and what is left different', async () => {
    const v = await ctx.sandbox!.validate('CREATE TYPE mood AS ENUM (\'ok\', \'sad\');', 'DROP TYPE moood;');
    assert.equal(v.downError!.statement, 'DROP TYPE moood;');
    assert.match(v.downError!.message, /type "moood" does not exist/);
    assert.equal(v.restored, false);
    assert.deepEqual(v.differences, ["enum type public.mood left behind: ('ok', 'sad')"]);
  });
});

describe('the agent sandbox in the editor (SandboxHost)', () => {
  let ws: string;
  let client: LspClient;
  before(async () => {
    ws = shopCopy();
    client = await LspClient.start({ folder: ws, sandbox: true, settings: { debounceMs: 5 } });
    await client.waitForStatus((s) => s.state === 'ready');
  });
  after(async () => { await client.stop(); });

  const call = (name: string, input: unknown) =>
    client.conn.sendRequest(AGENT_TOOL_REQUEST, { name, input, uri: fileUri(path.join(ws, 'queries/reports.sql')) }) as Promise<AgentToolAnswer>;

  test('explain_query, compare_index and validate through the editor\'s worker; nothing is left behind', async () => {
    const e = await call('explain_query', { sql: QUERY });
    assert.equal(e.isError, undefined, e.text);
    assert.match(e.summary, /^explained the query: cost [\d,.]+, seq scan on orders$/);
    assert.match(e.text, /generated rows a table/);
    const c = await call('compare_index', { sql: QUERY, index: INDEX });
    assert.equal(c.isError, undefined, c.text);
    assert.match(c.summary, /^compared index orders_user_id_idx: cost [\d,.]+ → [\d,.]+ \(uses the index\)$/);
    const again = await call('explain_query', { sql: QUERY });
    assert.match(again.text, /Seq Scan on orders/);
    assert.doesNotMatch(again.text, /orders_user_id_idx/);
  });
});

describe('the agent sandbox on the SandboxHost itself', () => {
  test('validate through the editor\'s worker: the forgotten index is named, the database is as before afterwards, and the editor\'s Explain still works', async () => {
    const ws = shopCopy();
    const settings = defaultSettings();
    const folder = new Folder(fileUriKey(ws), 'shop');
    folder.loadConfig(settings, true);
    folder.scan(() => undefined);
    const server = {
      trusted: true, settings, folders: [folder], shuttingDown: false, ready: true, open: new Map(),
      connection: { console: { info: () => undefined }, sendNotification: async () => undefined },
      diagnostics: { republishSandbox: () => undefined }, statusAgain: () => undefined, refreshCodeLenses: () => undefined,
      error: () => undefined, folderFor: () => folder,
    } as unknown as DbeServer;
    const host = new SandboxHost(server, path.join(__dirname, '..', 'dist', 'sandbox-worker.js'));
    try {
      const sb = editorAgentSandbox(host, folder) as AgentSandbox;
      assert.equal(typeof sb.validate, 'function', JSON.stringify(sb));
      const v = await sb.validate('CREATE INDEX orders_status2_idx ON orders (status);\nALTER TABLE orders ADD COLUMN note text;', 'ALTER TABLE orders DROP COLUMN note;');
      assert.equal(v.error, undefined);
      assert.deepEqual(v.differences, ['index orders_status2_idx on public.orders left behind: CREATE INDEX orders_status2_idx ON public.orders USING btree (status)']);
      assert.equal(v.restored, false);
      assert.match(v.basis, /generated rows a table/);
      const c = await sb.compareIndex(QUERY, INDEX);
      assert.equal(c.after?.usesIndex, true, c.error);
      const key = fileUriKey(path.join(ws, 'queries', 'reports.sql'));
      const file = folder.project.getFile(key)!;
      const st = file.statements.find((x) => /FROM orders/.test(x.text))!;
      const plan = await host.explain(folder, key, { start: st.start, end: st.end, text: st.text, params: /\$\d/.test(st.text) });
      assert.ok(plan.plan, `the editor's Explain answers after the agent's calls: ${plan.finding?.message}`);
      const after = await sb.explain('SELECT * FROM orders WHERE status = \'x\' AND note IS NULL');
      assert.match(after.error ?? '', /column "note" does not exist/, 'the column added by the validated up is gone');
    } finally {
      host.dispose();
    }
  });

  test('the sandbox off (a MySQL project): explain_query and compare_index say why, before anything runs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-agent-sbx-my-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, '.dbe.json'), JSON.stringify({ dialect: 'mysql' }));
    fs.mkdirSync(path.join(dir, 'migrations'));
    fs.writeFileSync(path.join(dir, 'migrations', '001_init.sql'), 'CREATE TABLE t (id int PRIMARY KEY) ENGINE=InnoDB;\n');
    const ctx = await cliToolContext({ root: dir, cwd: dir });
    try {
      const r = await runTool('explain_query', { sql: 'SELECT * FROM t' }, ctx);
      assert.equal(r.isError, true);
      assert.equal(r.summary, 'explain_query: the sandbox is off');
      assert.match(r.text, /MySQL\/MariaDB/);
      const c = await runTool('compare_index', { sql: 'SELECT * FROM t WHERE id = 1', index: 'CREATE INDEX t_id ON t (id)' }, ctx);
      assert.equal(c.summary, 'compare_index: the sandbox is off');
    } finally {
      await ctx.close();
    }
  });
});

describe('the worker\'s validate guard', () => {
  test('a statement that ends the check\'s transaction (left out before it gets there) is reported and marks the database for a new replay', async () => {
    const { WorkerSandbox } = await import('../server/src/sandbox/runner');
    const worker = new WorkerSandbox({ snapshotDir: null, limits: { timeoutSeconds: 60, memoryMb: 1024 }, workerFile: path.join(__dirname, '..', 'dist', 'sandbox-worker.js') });
    try {
      const text = 'CREATE TABLE t (id int)';
      await worker.run({ files: [{ path: 'm.sql', role: 'migration', statements: [{ start: 0, end: text.length, text, kind: 'CreateStmt', action: 'run' }] }], roles: [], extensions: [], severity: 'error', checkQueries: false });
      const v = await worker.validate(['CREATE INDEX t_idx ON t (id)', 'COMMIT'], undefined);
      assert.equal(v.tainted, true);
      assert.equal(v.upError?.index, 1);
      assert.match(v.upError!.message, /ended the check's transaction/);
      await assert.rejects(worker.compare('SELECT * FROM t', false, 'CREATE INDEX t2 ON t (id)'), /not running/);
    } finally {
      await worker.close();
    }
  });
});
