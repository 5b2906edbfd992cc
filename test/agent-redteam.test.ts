// Red team of the agent's tools (issue #14): what a hostile model, a hostile repository or a careless
// user could make them do. Each case here was a real problem first: the tool said something false
// or the sandbox kept something a rolled-back check should not. The sandbox cases run a real PGlite
// in the worker (dist/sandbox-worker.js: run `npm run build` first; npm test does), on temp copies
// of examples/shop.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliToolContext, type CliToolContext } from '../server/src/agent/cli-context';
import { runTool } from '../server/src/agent/tools';
import type { SandboxValidate, ToolContext } from '../server/src/agent/tool';

const SHOP = path.join(__dirname, '..', 'examples', 'shop');
const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function shopCopy(sandbox: Record<string, number>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-redteam-'));
  dirs.push(dir);
  fs.cpSync(SHOP, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, '.dbe.json'), JSON.stringify({ postgresVersion: 16, sandbox }));
  return dir;
}

describe('validate_migration never says "up applies" when the sandbox did not check it', () => {
  test('a sandbox answer with an error (stopped, crashed, replay failed) is reported as not checked', async () => {
    const ctx = await cliToolContext({ root: shopCopy({ rows: 50 }), cwd: process.cwd() });
    try {
      const stopped: SandboxValidate = { basis: 'on no generated rows', replayFailures: 0, changes: [], differences: [], notes: [], error: 'the sandbox could not check the migration: the sandbox stopped the migration check after 60 seconds' };
      const stub: ToolContext = { ...ctx, sandbox: { ...ctx.sandbox!, validate: async () => stopped } };
      const r = await runTool('validate_migration', { up: 'DO $$ BEGIN LOOP END LOOP; END $$;', down: 'SELECT 1;' }, stub);
      assert.equal(r.isError, true, r.text);
      assert.doesNotMatch(r.text, /applies cleanly|restores the schema/);
      assert.match(r.text, /The sandbox could not check the migration: .*stopped the migration check after 60 seconds/);
      assert.match(r.summary, /^validated by the rules only \(the sandbox could not check it: /);
    } finally { await ctx.close(); }
  });

  test('an endless DO loop is stopped by the watchdog and said so; the next call answers from a fresh replay', async () => {
    const ctx = await cliToolContext({ root: shopCopy({ rows: 50, timeoutSeconds: 3 }), cwd: process.cwd() });
    try {
      const r = await runTool('validate_migration', { up: 'DO $$ BEGIN LOOP END LOOP; END $$;' }, ctx);
      assert.equal(r.isError, true, r.text);
      assert.doesNotMatch(r.text, /applies cleanly/);
      assert.match(r.text, /The sandbox could not check the migration: .*stopped/);
      const next = await runTool('validate_migration', { up: 'CREATE INDEX orders_status_idx ON orders (status);', down: 'DROP INDEX orders_status_idx;' }, ctx);
      assert.match(next.summary, /rollback restores the schema/, next.text);
    } finally { await ctx.close(); }
  });
});

describe('a rolled-back validate_migration leaves nothing a later answer inherits', () => {
  let ctx: CliToolContext;
  before(async () => { ctx = await cliToolContext({ root: shopCopy({ rows: 50 }), cwd: process.cwd() }); });
  after(async () => { await ctx.close(); });

  test('a PREPARE in one check does not make the same PREPARE fail in the next', async () => {
    const first = await runTool('validate_migration', { up: 'PREPARE dbe_rt AS SELECT 1;' }, ctx);
    assert.match(first.summary, /up applies/, first.text);
    const second = await runTool('validate_migration', { up: 'PREPARE dbe_rt AS SELECT 1;' }, ctx);
    assert.match(second.summary, /up applies/, second.text);
    assert.doesNotMatch(second.text, /already exists/);
  });

  test('a setval to the maximum in one check does not exhaust the sequence for the next', async () => {
    const first = await runTool('validate_migration', { up: "SELECT setval('orders_id_seq', 9223372036854775807);" }, ctx);
    assert.match(first.summary, /up applies/, first.text);
    const second = await runTool('validate_migration', { up: "SELECT nextval('orders_id_seq');" }, ctx);
    assert.match(second.summary, /up applies/, second.text);
    assert.doesNotMatch(second.text, /maximum value/);
  });

  test('a session advisory lock taken in one check is released before the next answer', async () => {
    await runTool('validate_migration', { up: 'SELECT pg_advisory_lock(4242);' }, ctx);
    // a lock still held would make this fail (the lock count would be 2 after the second lock)
    const r = await runTool('validate_migration', { up: "DO $$ BEGIN IF (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242) > 0 THEN RAISE EXCEPTION 'advisory lock left behind'; END IF; END $$;" }, ctx);
    assert.match(r.summary, /up applies/, r.text);
  });
});

describe('write_migration under concurrent calls and races (dbe mcp --allow-write)', () => {
  test('two calls at once get two numbers: no two migrations 005_', async () => {
    const root = shopCopy({ rows: 50 });
    const ctx = await cliToolContext({ root, cwd: process.cwd(), confirm: async () => true });
    try {
      const [a, b] = await Promise.all([
        runTool('write_migration', { title: 'orders user index', up: 'CREATE INDEX orders_user_id_idx ON orders (user_id);' }, ctx),
        runTool('write_migration', { title: 'orders status index', up: 'CREATE INDEX orders_status_idx ON orders (status);' }, ctx),
      ]);
      assert.match(a.summary, /^wrote migration 005_orders_user_index/, a.text);
      assert.match(b.summary, /^wrote migration 006_orders_status_index/, b.text);
      const made = fs.readdirSync(path.join(root, 'migrations')).filter((n) => /^00[56]_/.test(n)).sort();
      assert.deepEqual(made, ['005_orders_user_index.sql', '006_orders_status_index.sql']);
    } finally { await ctx.close(); }
  });

  test('a file that appears between the check and the write: nothing is left half-written, and the answer says why', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-redteam-updown-'));
    dirs.push(root);
    const mig = path.join(root, 'migrations');
    fs.mkdirSync(mig);
    fs.writeFileSync(path.join(mig, '000001_create_users.up.sql'), 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n');
    fs.writeFileSync(path.join(mig, '000001_create_users.down.sql'), 'DROP TABLE users;\n');
    // the user's confirmation takes a while, and meanwhile someone else creates the planned down file
    const ctx = await cliToolContext({
      root, cwd: process.cwd(),
      confirm: async (req) => {
        const down = req.files.find((f) => f.path.endsWith('.down.sql'))!;
        fs.writeFileSync(path.join(root, down.path), '-- theirs\n');
        return true;
      },
    });
    try {
      const r = await runTool('write_migration', { title: 'users email index', up: 'CREATE INDEX users_email_idx ON users (email);', down: 'DROP INDEX users_email_idx;' }, ctx);
      assert.equal((r.data as { written?: boolean }).written, false, r.text);
      assert.match(r.text, /Proposed, not written: migrations\/000002_users_email_index\.down\.sql: a file of that name appeared meanwhile/);
      assert.deepEqual(fs.readdirSync(mig).sort(), ['000001_create_users.down.sql', '000001_create_users.up.sql', '000002_users_email_index.down.sql']);
      assert.equal(fs.readFileSync(path.join(mig, '000002_users_email_index.down.sql'), 'utf8'), '-- theirs\n');
    } finally { await ctx.close(); }
  });
});

describe('write_migration: a title cannot pass for a migration tool\'s directive', () => {
  const project = (dir: string, rel: string, body: string) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `dbe-redteam-${dir}-`));
    dirs.push(root);
    fs.mkdirSync(path.join(root, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), body);
    return root;
  };
  const UP = 'CREATE INDEX orders_user_id_idx ON orders (user_id);';
  const DOWN = 'DROP INDEX orders_user_id_idx;';
  const lines = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;

  test('goose: a title "+goose Down" leaves the index in the Up section, with one Down annotation', async () => {
    const root = project('goose', 'migrations/20240101000000_init.sql', '-- +goose Up\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n-- +goose Down\nDROP TABLE orders;\n');
    const ctx = await cliToolContext({ root, cwd: process.cwd(), confirm: async () => true });
    try {
      const r = await runTool('write_migration', { title: '+goose Down', up: UP, down: DOWN }, ctx);
      assert.match(r.summary, /^wrote migration 20240101000001_goose_down \(up \+ down\)$/, r.text);
      const text = fs.readFileSync(path.join(root, 'migrations', '20240101000001_goose_down.sql'), 'utf8');
      assert.equal(lines(text, /^--\s*\+goose\s+down/i), 1, text);
      assert.ok(text.indexOf(UP) < text.search(/^-- \+goose Down/m), text);
    } finally { await ctx.close(); }
  });

  test('dbmate: a title "migrate:down" leaves one migrate:down marker, after the up SQL', async () => {
    const root = project('dbmate', 'db/migrations/20240101000000_init.sql', '-- migrate:up\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n-- migrate:down\nDROP TABLE orders;\n');
    const ctx = await cliToolContext({ root, cwd: process.cwd(), confirm: async () => true });
    try {
      const r = await runTool('write_migration', { title: 'migrate:down ${flyway}', up: UP, down: DOWN }, ctx);
      assert.match(r.summary, /^wrote migration 20240101000001_migrate_down_flyway/, r.text);
      const file = fs.readdirSync(path.join(root, 'db', 'migrations')).find((n) => n.startsWith('20240101000001_'))!;
      const text = fs.readFileSync(path.join(root, 'db', 'migrations', file), 'utf8');
      assert.equal(lines(text, /^--\s*migrate:down/i), 1, text);
      assert.ok(text.indexOf(UP) < text.search(/^-- migrate:down/m), text);
      assert.doesNotMatch(text, /\$\{/);
    } finally { await ctx.close(); }
  });
});

test('write_migration refuses up or down SQL that holds a migration directive line (it would move statements into the rollback)', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-redteam-goose2-'));
  dirs.push(root);
  fs.mkdirSync(path.join(root, 'migrations'));
  fs.writeFileSync(path.join(root, 'migrations', '20240101000000_init.sql'), '-- +goose Up\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n-- +goose Down\nDROP TABLE orders;\n');
  let asked = 0;
  const ctx = await cliToolContext({ root, cwd: process.cwd(), confirm: async () => { asked++; return true; } });
  try {
    const up = await runTool('write_migration', { title: 'index', up: 'CREATE INDEX i ON orders (user_id);\n-- +goose Down\nDROP TABLE orders;', down: 'DROP INDEX i;' }, ctx);
    assert.equal(up.isError, true, up.text);
    assert.equal(up.summary, 'refused: the up SQL holds a migration directive');
    const down = await runTool('write_migration', { title: 'index', up: 'CREATE INDEX i ON orders (user_id);', down: 'DROP INDEX i;\n  --  migrate:up\nDROP TABLE orders;' }, ctx);
    assert.equal(down.summary, 'refused: the down SQL holds a migration directive');
    assert.equal(asked, 0);
    assert.deepEqual(fs.readdirSync(path.join(root, 'migrations')), ['20240101000000_init.sql']);
  } finally { await ctx.close(); }
});
