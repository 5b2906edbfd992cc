// slow_queries and health, the agent's read-only live tools: without a database they say how to
// configure one; with the local PostgreSQL 15 (test/pg15.ts; skipped when it is not installed) they
// answer from pg_stat_statements and the health checks. The password never appears in any answer.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { cliToolContext } from '../server/src/agent/cli-context';
import { scrubAll } from '../server/src/agent/live-access';
import type { ToolResult } from '../server/src/agent/tool';
import { runTool } from '../server/src/agent/tools';
import { editorLive } from '../server/src/lsp/handlers/agentTool';
import { freePort, PG_BIN, startCluster, SUPERPASS, SUPERUSER, type Cluster } from './pg15';

const SHOP = path.resolve(__dirname, '..', 'examples', 'shop');
const PASS = 'Agent-pw:9Zq@4!x';
const temps: string[] = [];
after(() => { for (const d of temps) fs.rmSync(d, { recursive: true, force: true }); });

function shop(extra: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-agent-live-'));
  temps.push(dir);
  fs.cpSync(SHOP, dir, { recursive: true });
  for (const [rel, text] of Object.entries(extra)) fs.writeFileSync(path.join(dir, rel), text);
  return dir;
}

/** Nothing of the password in any form in what the model or the user sees. */
function noSecret(r: ToolResult, secret = PASS): void {
  const all = `${r.text}\n${r.summary}\n${JSON.stringify(r.data ?? null)}`;
  for (const s of [secret, encodeURIComponent(secret), secret.slice(0, 8)]) assert.ok(!all.includes(s), `the password (${s}) shows in: ${all.slice(0, 400)}`);
}

describe('live tools without a database', () => {
  test('no --database, DBE_DATABASE_URL or .dbe.json "database": both tools are errors that say how to configure one', async () => {
    const dir = shop();
    const ctx = await cliToolContext({ root: dir, cwd: dir, env: {} });
    for (const name of ['slow_queries', 'health']) {
      const r = await runTool(name, {}, ctx);
      assert.equal(r.isError, true, name);
      assert.equal(r.summary, `${name}: no database connected`);
      assert.match(r.text, /--database postgres:\/\/user@host:5432\/dbname/);
      assert.match(r.text, /DBE_DATABASE_URL/);
      assert.match(r.text, /"database" in \.dbe\.json/);
    }
    await ctx.close();
  });

  test('DBE_DATABASE_URL is taken like `dbe slow` takes it; a server that is not there: one line, no password', async () => {
    const dir = shop();
    const port = await freePort();
    const ctx = await cliToolContext({ root: dir, cwd: dir, env: { DBE_DATABASE_URL: `postgres://app:${encodeURIComponent(PASS)}@127.0.0.1:${port}/shop`, PGPASSWORD: PASS } });
    const r = await runTool('slow_queries', { limit: 5 }, ctx);
    await ctx.close();
    assert.equal(r.isError, true);
    assert.match(r.text, new RegExp(`^slow_queries: cannot connect to app@127\\.0\\.0\\.1:${port}/shop: connection refused`));
    assert.ok(!r.text.includes('\n    at '), 'no stack trace');
    noSecret(r);
  });

  test('a .dbe.json URL that holds a password is refused before any connection (the project is not even read), the password hidden', async () => {
    const dir = shop({ '.dbe.json': JSON.stringify({ database: `postgres://app:${encodeURIComponent(PASS)}@db.example.com:5432/shop` }) });
    await assert.rejects(cliToolContext({ root: dir, cwd: dir, env: {} }), (e: Error) => {
      assert.match(e.message, /"database" holds a password; remove it from the URL/);
      assert.ok(!e.message.includes(PASS) && !e.message.includes(encodeURIComponent(PASS)), e.message);
      return true;
    });
  });

  test('the editor: no dbEngineer.connection, Restricted Mode, and a setting with a password each say why the tools are off', () => {
    const folder = { project: { config: {} } } as any;
    const server = (connection: string, trusted: boolean) => ({ settings: { connection, trustedDatabaseHosts: [], statementTimeoutMs: 5000 }, trusted }) as any;
    assert.match(editorLive(server('', true), folder).liveOff!, /set dbEngineer\.connection .* "DB Engineer: Set Database Password"/);
    assert.match(editorLive(server('postgres://app@localhost/shop', false), folder).liveOff!, /Restricted Mode/);
    const withPw = editorLive(server(`postgres://app:${encodeURIComponent(PASS)}@localhost/shop`, true), folder);
    assert.equal(withPw.live, undefined);
    assert.match(withPw.liveOff!, /dbEngineer\.connection holds a password/);
    assert.ok(!withPw.liveOff!.includes(encodeURIComponent(PASS)) && !withPw.liveOff!.includes(PASS));
    assert.ok(editorLive(server('postgres://app@localhost/shop', true), folder).live, 'a trusted workspace with a URL gets the live tools');
  });

  test('scrubbing: the password in any form, URL credentials and PASSWORD literals of statement texts', () => {
    const out = scrubAll(`x ${PASS} ${encodeURIComponent(PASS)} mysql://u:p4ss@h/db ALTER ROLE a PASSWORD 'hunter22' ; CREATE USER b IDENTIFIED BY "s3cret"`, [PASS, encodeURIComponent(PASS)]);
    assert.equal(out, "x *** *** mysql://u:***@h/db ALTER ROLE a PASSWORD '***' ; CREATE USER b IDENTIFIED BY '***'");
  });
});

const installed = fs.existsSync(path.join(PG_BIN, 'postgres')) && fs.existsSync('/usr/lib/postgresql/15/lib/pg_stat_statements.so');
const skip = installed ? false : 'PostgreSQL 15 is not installed (apt-get install postgresql-15)';

describe('live tools on PostgreSQL 15 (loopback)', () => {
  let cluster: Cluster | undefined;
  let url = '';
  async function as(db: string, fn: (c: Client) => Promise<void>, user = SUPERUSER, password = SUPERPASS): Promise<void> {
    const c = new Client({ host: '127.0.0.1', port: cluster!.port, user, password, database: db });
    await c.connect();
    try { await fn(c); } finally { await c.end(); }
  }
  before(async () => {
    if (skip) return;
    cluster = await startCluster();
    url = `postgres://app@127.0.0.1:${cluster.port}/shop`;
    await as('postgres', async (c) => {
      await c.query(`CREATE ROLE app LOGIN PASSWORD '${PASS}' IN ROLE pg_monitor`);
      await c.query('CREATE DATABASE shop OWNER app');
    });
    await as('shop', async (c) => { await c.query('CREATE EXTENSION pg_stat_statements'); });
    await as('shop', async (c) => {
      await c.query('CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, name text)');
      await c.query('CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id), total numeric(12,2) NOT NULL)');
      await c.query(`INSERT INTO customers (email, name) SELECT 'u' || g || '@example.com', 'n' || g FROM generate_series(1, 500) g`);
      await c.query('INSERT INTO orders (customer_id, total) SELECT 1 + g % 500, g % 90 FROM generate_series(1, 5000) g');
      await c.query('ANALYZE');
    }, 'app', PASS);
    await as('shop', async (c) => { await c.query('SELECT pg_stat_statements_reset()'); });
    await as('shop', async (c) => {
      for (let i = 0; i < 20; i++) await c.query('SELECT id, total FROM orders WHERE customer_id = $1', [i + 1]);
    }, 'app', PASS);
    // utility statements that take more time than the query: they must not crowd it out of the answer
    await as('shop', async (c) => { for (let k = 0; k < 12; k++) await c.query(`CREATE TABLE scratch_${k} AS SELECT g AS a FROM generate_series(1, 20000) g`); });
  });
  after(() => { cluster?.stop(); });

  test('slow_queries: the statements of pg_stat_statements with the rules\' findings; the password (PGPASSWORD) never shown', { skip }, async () => {
    const dir = shop();
    const ctx = await cliToolContext({ root: dir, cwd: dir, database: url, env: { PGPASSWORD: PASS, HOME: dir } });
    const r = await runTool('slow_queries', { limit: 5 }, ctx);
    await ctx.close();
    assert.equal(r.isError, undefined, r.text);
    assert.match(r.text, new RegExp(`with the most total execution time \\(pg_stat_statements; read-only\\)`));
    assert.match(r.text, /20 calls, mean [\d.]+ ms/);
    assert.match(r.text, /SELECT id, total FROM orders WHERE customer_id = \$1/);
    assert.match(r.text, /- (warning|error|info|hint) missing-index: [^\n]*orders \(customer_id/);
    assert.match(r.summary, new RegExp(`^read the \\d+ slowest statements? of app@127\\.0\\.0\\.1:${cluster!.port}/shop: [1-9]\\d* with findings$`));
    noSecret(r);
  });

  test('slow_queries with limit 1: the slowest query, even when utility statements (CREATE TABLE ...) took more time', { skip }, async () => {
    const dir = shop();
    const ctx = await cliToolContext({ root: dir, cwd: dir, database: url, env: { PGPASSWORD: PASS, HOME: dir } });
    const r = await runTool('slow_queries', { limit: 1 }, ctx);
    await ctx.close();
    assert.equal(r.isError, undefined, r.text);
    assert.match(r.text, /^The 1 statement of .*\n\n1\. 20 calls[^]*SELECT id, total FROM orders WHERE customer_id = \$1/);
    assert.doesNotMatch(r.text, /scratch_/);
  });

  test('health: the checks of `dbe health`, one verdict each; the password in the --database URL never shown', { skip }, async () => {
    const dir = shop();
    const ctx = await cliToolContext({ root: dir, cwd: dir, database: `postgres://app:${encodeURIComponent(PASS)}@127.0.0.1:${cluster!.port}/shop`, env: { HOME: dir } });
    const r = await runTool('health', {}, ctx);
    await ctx.close();
    assert.equal(r.isError, undefined, r.text);
    assert.match(r.text, /^Read-only health checks of app@127\.0\.0\.1:\d+\/shop:/);
    assert.match(r.text, /Connections/i);
    assert.match(r.text, /cache hit ratio/i);
    assert.match(r.summary, /^checked the health of app@127\.0\.0\.1:\d+\/shop: (OK|WARNING|CRITICAL|INFO)/);
    noSecret(r);
  });

  test('a .dbe.json URL gets no password (the rule of `dbe slow`): an error that says it was withheld, the password not in it', { skip }, async () => {
    const dir = shop({ '.dbe.json': JSON.stringify({ database: url }) });
    const ctx = await cliToolContext({ root: dir, cwd: dir, env: { PGPASSWORD: PASS, HOME: dir } });
    const r = await runTool('health', {}, ctx);
    await ctx.close();
    assert.equal(r.isError, true);
    assert.match(r.text, /the server wants a password, and dbe withheld it/);
    assert.match(r.text, /--trust-config-database/);
    noSecret(r);
  });

  test('a wrong password: authentication failed, in one line, neither password shown', { skip }, async () => {
    const dir = shop();
    const wrong = 'Wrong-pw-5521zz';
    const ctx = await cliToolContext({ root: dir, cwd: dir, database: url, env: { PGPASSWORD: wrong, HOME: dir } });
    const r = await runTool('slow_queries', {}, ctx);
    await ctx.close();
    assert.equal(r.isError, true);
    assert.match(r.text, /password authentication failed for user "app"/);
    noSecret(r, wrong);
    noSecret(r);
  });
});
