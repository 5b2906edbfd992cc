// The live-database mode's parts that need no server (the rest is test/live-postgres.test.ts):
// URLs and where the password may come from, scrubbing, .pgpass, the catalog as a project's base
// schema, ANALYZE refusals, and the CLI's messages when there is no database to reach.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { ConfigError, defaultConfig, mergeConfig } from '../server/src/config';
import { Project } from '../server/src/engine/project';
import { catalogFile, catalogSchema, hasMigrations } from '../server/src/live/catalog';
import { hostTrusted, LiveError, LiveSession, parseDatabaseUrl, passwordWithheld, pgpassLookup, redactUrl, resolveDatabaseUrl, scrub, tlsPlan } from '../server/src/live/connect';
import { analyzeRefusal } from '../server/src/live/explain';
import { namesOf, planNames, procRefusal } from '../server/src/live/guard';
import { judgeQueries } from '../server/src/live/slow';
import { parseArgs, UsageError } from '../server/src/cli/args';
import { parseSettings } from '../server/src/lsp/settings';
import { initParser, parseStatement } from '../server/src/sql/parse';
import { kindOf } from '../server/src/sql/ast';
import { fileUri, LspClient } from './lspClient';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

const CATALOG = {
  source: 'database://app@db:5432/shop',
  ddl: `CREATE TABLE public.customers (
  id bigint GENERATED ALWAYS AS IDENTITY,
  email text NOT NULL
);
CREATE TABLE public.orders (
  id bigint GENERATED ALWAYS AS IDENTITY,
  customer_id bigint NOT NULL,
  total numeric(12,2) NOT NULL
);
ALTER TABLE public.customers ADD CONSTRAINT customers_pkey PRIMARY KEY (id);
ALTER TABLE public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id);
`,
};

function stmtOf(sql: string) {
  const p = parseStatement(sql);
  const kind = kindOf(p.node);
  return { kind, node: kind ? p.node![kind] : undefined };
}

describe('live database: URLs and passwords', () => {
  test('URLs parse into host, port, database and user; anything else is one clear error', () => {
    const p = parseDatabaseUrl('postgresql://app@db.example:6543/shop?sslmode=require');
    assert.deepEqual([p.host, p.port, p.database, p.user, p.params.get('sslmode')], ['db.example', 6543, 'shop', 'app', 'require']);
    assert.throws(() => parseDatabaseUrl('mysql://x@y/z', '--database'), /--database must start with postgres:\/\/ or postgresql:\/\//);
    assert.throws(() => parseDatabaseUrl('not a url', '--database'), (e: any) => e instanceof LiveError && /--database is not a URL/.test(e.message));
  });

  test('the command line wins, then DBE_DATABASE_URL, .dbe.json, the setting; a setting or .dbe.json with a password is refused', () => {
    assert.equal(resolveDatabaseUrl({ flag: 'postgres://a@h/d', env: { DBE_DATABASE_URL: 'postgres://b@h/d' } })!.source, '--database');
    assert.equal(resolveDatabaseUrl({ env: { DBE_DATABASE_URL: 'postgres://b@h/d' }, config: 'postgres://c@h/d' })!.source, 'DBE_DATABASE_URL');
    assert.equal(resolveDatabaseUrl({ env: {}, config: 'postgres://c@h/d', setting: 'postgres://s@h/d' })!.source, '.dbe.json "database"');
    assert.equal(resolveDatabaseUrl({ env: {} }), undefined);
    assert.throws(() => resolveDatabaseUrl({ env: {}, setting: 'postgres://s:hunter2@h/d' }), (e: any) => /dbEngineer.connection holds a password/.test(e.message) && !e.message.includes('hunter2'));
    assert.throws(() => mergeConfig(defaultConfig(), { database: 'postgres://u:hunter2@h/d' }, '.dbe.json'), (e: any) => e instanceof ConfigError && !e.message.includes('hunter2'));
    assert.equal(mergeConfig(defaultConfig(), { database: 'postgres://u@h/d' }, '.dbe.json').database, 'postgres://u@h/d');
    assert.throws(() => mergeConfig(defaultConfig(), { database: 42 }, '.dbe.json'), /"database" must be a postgres:\/\/ URL/);
  });

  test('passwords are scrubbed from messages and URLs, raw and URL-encoded', () => {
    assert.equal(redactUrl('postgres://app:p%40ss@h:5432/d'), 'postgres://app:***@h:5432/d');
    assert.equal(scrub('failed for postgres://app:p@ss@h/d with p@ss and p%40ss', 'p@ss'), 'failed for postgres://app:***@h/d with *** and ***');
  });

  test('.pgpass: first matching line, * wildcards, escaped colons; a file others can read is ignored', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-pgpass-'));
    const file = path.join(dir, 'pgpass');
    fs.writeFileSync(file, '# comment\nother:5432:*:app:nope\ndb:*:shop:app:a\\:b\\\\c\n*:*:*:*:fallback\n', { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    const env = { PGPASSFILE: file };
    assert.equal(pgpassLookup(parseDatabaseUrl('postgres://app@db:5433/shop'), env), 'a:b\\c');
    assert.equal(pgpassLookup(parseDatabaseUrl('postgres://bob@elsewhere/x'), env), 'fallback');
    fs.chmodSync(file, 0o644);
    assert.equal(pgpassLookup(parseDatabaseUrl('postgres://app@db/shop'), env), undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('editor settings: dbEngineer.connection and dbEngineer.statementTimeoutMs', () => {
    const s = parseSettings({ connection: ' postgres://app@h/d ', statementTimeoutMs: 2500 });
    assert.equal(s.connection, 'postgres://app@h/d');
    assert.equal(s.statementTimeoutMs, 2500);
    assert.equal(parseSettings({ statementTimeoutMs: -1 }).statementTimeoutMs, 5000);
  });
});

/**
 * A stand-in PostgreSQL on loopback that asks for a cleartext password and records what it gets:
 * where a repository could point dbe. Answers an SSLRequest with "no", then refuses the login.
 */
async function passwordTrap(): Promise<{ port: number; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const srv = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    let started = false;
    sock.on('error', () => undefined);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (!started) {
          if (buf.length < 8) return;
          const len = buf.readInt32BE(0), code = buf.readInt32BE(4);
          if (buf.length < len) return;
          buf = buf.subarray(len);
          if (code === 80877103) { sock.write('N'); continue; } // SSLRequest: no TLS here
          started = true;
          const ask = Buffer.alloc(9); ask.write('R'); ask.writeInt32BE(8, 1); ask.writeInt32BE(3, 5); // AuthenticationCleartextPassword
          sock.write(ask);
          continue;
        }
        if (buf.length < 5) return;
        const type = String.fromCharCode(buf[0]), len = buf.readInt32BE(1);
        if (buf.length < 1 + len) return;
        const body = buf.subarray(5, 1 + len);
        buf = buf.subarray(1 + len);
        if (type === 'p') received.push(body.toString('utf8').replace(/\0$/, ''));
        const fields = Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed for user "app"\0\0');
        const err = Buffer.alloc(5); err.write('E'); err.writeInt32BE(4 + fields.length, 1);
        sock.end(Buffer.concat([err, fields]));
        return;
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { port: (srv.address() as net.AddressInfo).port, received, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

describe('live database: a repository cannot steer the password', () => {
  test('who may get a password: the user\'s own URL yes; .dbe.json only with --trust-config-database or a confirmed host; the editor setting only for a confirmed host', () => {
    const p = parseDatabaseUrl('postgres://app@db.example:6543/shop');
    assert.equal(passwordWithheld('--database', p), undefined);
    assert.equal(passwordWithheld('DBE_DATABASE_URL', p), undefined);
    assert.match(passwordWithheld('.dbe.json "database"', p)!, /comes from \.dbe\.json, a file of the repository, and names db\.example:6543.*--trust-config-database/);
    assert.equal(passwordWithheld('.dbe.json "database"', p, { trustConfigDatabase: true }), undefined);
    assert.match(passwordWithheld('dbEngineer.connection', p)!, /db\.example:6543 is not in dbEngineer\.trustedDatabaseHosts/);
    assert.equal(passwordWithheld('dbEngineer.connection', p, { trustedHosts: ['DB.example'] }), undefined);
    assert.equal(passwordWithheld('dbEngineer.connection', p, { trustedHosts: ['db.example:6543'] }), undefined);
    assert.notEqual(passwordWithheld('dbEngineer.connection', p, { trustedHosts: ['db.example:5432', 'other', 'db.example.evil'] }), undefined);
    assert.ok(hostTrusted(parseDatabaseUrl('postgres://app@[::1]:5433/d'), ['[::1]:5433']));
    assert.ok(!hostTrusted(parseDatabaseUrl('postgres://app@[::1]:5433/d'), ['[::1]:5432']));
  });

  test('dbe health with .dbe.json naming a stranger\'s server: PGPASSWORD and ~/.pgpass are not sent, and it says so in one line', async () => {
    const trap = await passwordTrap();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-steer-'));
    try {
      fs.writeFileSync(path.join(dir, '.dbe.json'), JSON.stringify({ database: `postgres://app@127.0.0.1:${trap.port}/shop` }));
      fs.writeFileSync(path.join(dir, '.pgpass'), '*:*:*:*:From-Pgpass-1\n', { mode: 0o600 });
      fs.chmodSync(path.join(dir, '.pgpass'), 0o600);
      const run = (args: string[], env: Record<string, string | undefined>) => {
        const e: NodeJS.ProcessEnv = { ...process.env, DBE_TIMING: '', DBE_DATABASE_URL: undefined, PGPASSWORD: undefined, PGPASSFILE: undefined, HOME: dir, ...env };
        for (const [k, v] of Object.entries(e)) if (v === undefined) delete e[k];
        // asynchronously: the stand-in server lives in this process
        return new Promise<{ status: number | null; stderr: string }>((resolve) => {
          const c = spawn(process.execPath, [CLI, ...args], { env: e, cwd: dir, timeout: 30_000 });
          let stderr = '';
          c.stderr.on('data', (d) => { stderr += d; });
          c.on('close', (status) => resolve({ status, stderr }));
        });
      };
      const env = await run(['health'], { PGPASSWORD: 'From-Env-1' });
      const pgpass = await run(['slow'], {});
      for (const r of [env, pgpass]) {
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, new RegExp(`^dbe: the password for app@127\\.0\\.0\\.1:${trap.port}/shop is withheld: the database URL comes from \\.dbe\\.json, a file of the repository`));
        assert.match(r.stderr, /\ndbe: cannot connect to .*: the server wants a password, and dbe withheld it/);
        assert.equal(r.stderr.split('\n').length, 3, r.stderr);
      }
      assert.deepEqual(trap.received, [], 'no password reached the server .dbe.json names');
      // the user's own confirmation sends it
      const trusted = await run(['health', '--trust-config-database'], { PGPASSWORD: 'From-Env-1' });
      assert.equal(trusted.status, 2);
      assert.deepEqual(trap.received, ['From-Env-1']);
      assert.doesNotMatch(trusted.stderr, /withheld/);
    } finally {
      await trap.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('~/.pgpass that others can read is ignored, and dbe says so', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-pgpass-'));
    const file = path.join(dir, 'pgpass');
    fs.writeFileSync(file, '*:*:*:*:pw\n');
    fs.chmodSync(file, 0o644);
    const lines: string[] = [];
    assert.equal(pgpassLookup(parseDatabaseUrl('postgres://app@db/shop'), { PGPASSFILE: file }, (l) => lines.push(l)), undefined);
    assert.deepEqual(lines, [`${file} is ignored: group or others can read it (mode 0644); chmod 600 it, as libpq also requires`]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('language server: dbEngineer.connection (a workspace can set it) gets no password until its host is in dbEngineer.trustedDatabaseHosts', async () => {
    const trap = await passwordTrap();
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-steer-ws-'));
    fs.writeFileSync(path.join(ws, 'q.sql'), 'SELECT 1;\n');
    const saved = process.env.PGPASSWORD;
    process.env.PGPASSWORD = 'From-Env-2';
    try {
      const connection = `postgres://app@127.0.0.1:${trap.port}/shop`;
      const untrustedHost = await LspClient.start({ folder: ws, trusted: true, settings: { debounceMs: 5, connection } });
      try {
        await untrustedHost.open(fileUri(path.join(ws, 'q.sql')), 'SELECT 1;\n');
        await untrustedHost.conn.sendNotification('dbEngineer/setDatabasePassword', { password: 'From-Secret-2' });
        const deadline = Date.now() + 15_000;
        while (!untrustedHost.logs.some((l) => /dbe withheld it/.test(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        assert.ok(untrustedHost.logs.some((l) => new RegExp(`password for app@127\\.0\\.0\\.1:${trap.port}/shop is withheld: dbEngineer\\.connection can be set by the workspace`).test(l)), untrustedHost.logs.join('\n'));
        assert.deepEqual(trap.received, []);
      } finally { await untrustedHost.stop(); }
      const confirmed = await LspClient.start({ folder: ws, trusted: true, settings: { debounceMs: 5, connection, trustedDatabaseHosts: [`127.0.0.1:${trap.port}`] } });
      try {
        await confirmed.open(fileUri(path.join(ws, 'q.sql')), 'SELECT 1;\n');
        const deadline = Date.now() + 15_000;
        while (!trap.received.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(trap.received, ['From-Env-2'], 'a confirmed host gets the password');
      } finally { await confirmed.stop(); }
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD; else process.env.PGPASSWORD = saved;
      await trap.close();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});

describe('live database: TLS as libpq\'s sslmode', () => {
  test('each sslmode gives its attempts: prefer tries TLS then plain, allow the other way round, require and verify-* only TLS', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-tls-'));
    const env = { HOME: home };
    const plan = (q: string) => tlsPlan(parseDatabaseUrl(`postgres://app@db.example/shop${q}`), env);
    const ca = path.join(home, 'ca.crt');
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n');
    try {
      assert.deepEqual(plan(''), { mode: 'prefer', first: { rejectUnauthorized: false }, second: false });
      assert.equal(tlsPlan(parseDatabaseUrl('postgres://app@db/shop'), { HOME: home, PGSSLMODE: 'disable' }).first, false);
      assert.deepEqual(plan('?sslmode=disable'), { mode: 'disable', first: false });
      assert.deepEqual(plan('?sslmode=allow'), { mode: 'allow', first: false, second: { rejectUnauthorized: false } });
      assert.deepEqual(plan('?sslmode=require'), { mode: 'require', first: { rejectUnauthorized: false } });
      const req = plan(`?sslmode=require&sslrootcert=${ca}`).first as any;
      assert.equal(req.rejectUnauthorized, true, 'require with a root certificate verifies it, as libpq does');
      assert.equal(req.checkServerIdentity(), undefined, '... but not the host name');
      const full = plan(`?sslmode=verify-full&sslrootcert=${ca}`);
      assert.equal((full.first as any).rejectUnauthorized, true);
      assert.match((full.first as any).ca, /BEGIN CERTIFICATE/);
      assert.equal((full.first as any).checkServerIdentity, undefined, 'verify-full checks the host name');
      assert.equal(full.second, undefined);
      assert.equal((plan('?sslmode=verify-full&sslrootcert=system').first as any).ca, undefined, 'system: Node\'s CA store');
      assert.throws(() => plan('?sslmode=verify-ca'), /sslmode=verify-ca needs the certificate authority/);
      assert.throws(() => plan('?sslmode=verify-ca&sslrootcert=/nonexistent/root.crt'), /cannot read the root certificate sslrootcert=\/nonexistent\/root.crt: ENOENT/);
      assert.throws(() => plan('?sslmode=on'), (e: any) => e instanceof LiveError && /sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full, not "on"/.test(e.message));
      assert.deepEqual(tlsPlan(parseDatabaseUrl('postgres://app@x/shop?host=/run/postgresql'), env), { mode: 'prefer', first: false });
      assert.throws(() => tlsPlan(parseDatabaseUrl('postgres://app@x/shop?host=/run/postgresql&sslmode=require'), env), /cannot be met over the Unix socket/);
    } finally { fs.rmSync(home, { recursive: true, force: true }); }
  });

  test('a server without TLS: prefer falls back to plain and says "no TLS"; require sends nothing and says why', async () => {
    const trap = await passwordTrap();
    try {
      const url = `postgres://app@127.0.0.1:${trap.port}/shop`;
      await assert.rejects(LiveSession.open({ url, password: 'Pw-Prefer-1', env: {} }), /password authentication failed/);
      assert.deepEqual(trap.received, ['Pw-Prefer-1'], 'prefer: the login went on without TLS');
      await assert.rejects(LiveSession.open({ url: `${url}?sslmode=require`, password: 'Pw-Require-1', env: {} }),
        (e: any) => e instanceof LiveError && e.message === `cannot connect to app@127.0.0.1:${trap.port}/shop: the server does not offer TLS, and sslmode=require requires it`);
      assert.deepEqual(trap.received, ['Pw-Prefer-1'], 'require: no password over a plain connection');
    } finally { await trap.close(); }
  });
});

describe('live database: the catalog as a project\'s schema', () => {
  test('a project without migrations is judged against the catalog; its objects never get file findings or fixes', async () => {
    await initParser();
    const schema = catalogSchema(CATALOG);
    assert.deepEqual([...schema.table(undefined, 'orders')!.columns.keys()], ['id', 'customer_id', 'total']);
    const project = new Project();
    project.setBase(catalogFile(CATALOG), (p) => !hasMigrations(p));
    project.setFile('/q/report.sql', 'SELECT * FROM orders WHERE customer_id = $1;\n');
    const found = project.analyze().get('/q/report.sql')!;
    const star = found.find((f) => f.rule === 'select-star');
    assert.match(star!.fixes![0].edits[0].newText, /id, customer_id, total/);
    assert.ok(found.some((f) => f.rule === 'missing-index' && /orders \(customer_id/.test(f.message)));
    // the unindexed foreign key is a finding about the database, not about a file
    assert.ok(project.baseFindings.some((f) => f.rule === 'fk-without-index' && f.path === CATALOG.source));
    assert.equal(project.baseFindings.every((f) => !f.fixes?.some((x) => x.edits.some((e) => e.path === CATALOG.source))), true);
    assert.equal(project.baseSource, CATALOG.source);
    // a migration of its own: the catalog steps aside
    project.setFile('/q/001_init.sql', 'CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n');
    assert.equal(project.baseSource, undefined);
    assert.deepEqual([...project.schema().table(undefined, 'orders')!.columns.keys()], ['id', 'note']);
  });

  test('slow statements are judged together; utility statements and unparsable text are marked, not judged', async () => {
    await initParser();
    const judged = judgeQueries({ ...CATALOG, serverVersion: 150000, counts: { tables: 2, views: 0, indexes: 0, constraints: 3 } }, [
      { queryid: '1', query: 'SELECT * FROM orders WHERE customer_id = $1', calls: 30, totalMs: 3, meanMs: 0.1, rows: 300 },
      { queryid: '2', query: 'VACUUM orders', calls: 1, totalMs: 9, meanMs: 9, rows: 0 },
      { queryid: '3', query: 'SELEC oops', calls: 1, totalMs: 1, meanMs: 1, rows: 0 },
    ]);
    assert.ok(judged[0].findings.some((f) => f.rule === 'select-star'));
    assert.ok(judged[0].findings.some((f) => f.rule === 'missing-index'));
    assert.equal(judged[1].skipped, 'not a query (utility statement)');
    assert.match(judged[2].skipped!, /^does not parse/);
    assert.deepEqual(judged[2].findings, []);
  });

  test('EXPLAIN ANALYZE is refused for writes, SELECT INTO and locking reads', async () => {
    await initParser();
    assert.equal(analyzeRefusal(stmtOf('SELECT id FROM orders WHERE id = 1')), undefined);
    assert.match(analyzeRefusal(stmtOf('UPDATE orders SET total = 0'))!, /this is UPDATE/);
    assert.match(analyzeRefusal(stmtOf('MERGE INTO orders o USING orders p ON o.id = p.id WHEN MATCHED THEN DELETE'))!, /this is MERGE/);
    assert.match(analyzeRefusal(stmtOf('WITH d AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM d'))!, /data-modifying WITH/);
    assert.match(analyzeRefusal(stmtOf('SELECT id FROM orders FOR UPDATE'))!, /FOR UPDATE/);
    assert.match(analyzeRefusal(stmtOf('SELECT * INTO copy FROM orders'))!, /SELECT INTO/);
  });
});

describe('live database: what --analyze may run (guard.ts)', () => {
  test('the statement\'s calls, operators, casts and relations are all collected; CTE names are told apart', async () => {
    await initParser();
    const n = namesOf(stmtOf("WITH c AS (SELECT 1 AS x) SELECT public.f(a)::mytype, b BETWEEN 1 AND 2, y LIKE 'a', z OPERATOR(public.===) 3, q = ANY (SELECT 2) FROM s.v JOIN c ON true").node);
    assert.deepEqual(n.funcs, [{ schema: 'public', name: 'f' }]);
    assert.deepEqual(n.ops.map((o) => (o.schema ? o.schema + '.' : '') + o.name).sort(), ['<=', '=', '>=', 'public.===', '~~']);
    assert.deepEqual(n.types, [{ name: 'mytype' }]);
    assert.deepEqual(n.rels.map((r) => [r.schema, r.name]), [['s', 'v'], [undefined, 'c']]);
    assert.deepEqual([...n.ctes], ['c']);
  });

  test('the plan\'s expressions give the names they call (string literals left out); a foreign scan is flagged', () => {
    const plan = [{ Plan: { 'Node Type': 'Seq Scan', 'Relation Name': 'orders', Schema: 'public', Output: ['lower(email)', "'evil(1)'::text", 'ext."Odd Fn"(id)'], Filter: '(total > ANY ($0))',
      Plans: [{ 'Node Type': 'Foreign Scan', 'Relation Name': 'remote' }] } }];
    const p = planNames(plan);
    assert.deepEqual(p.funcs, [{ schema: undefined, name: 'lower' }, { schema: 'ext', name: 'Odd Fn' }]);
    assert.deepEqual(p.rels, [{ schema: 'public', name: 'orders' }, { schema: undefined, name: 'remote' }]);
    assert.deepEqual(p.foreign, ['Foreign Scan on remote']);
  });

  test('only PostgreSQL\'s own immutable or stable functions (and random, clock_timestamp, timeofday, gen_random_uuid) are safe', () => {
    const own = { oid: 870, signature: 'lower(text)', schema: 'pg_catalog', name: 'lower', volatility: 'i', language: 'internal', owner: 'postgres', ownerOid: 10 };
    assert.equal(procRefusal(own), undefined);
    assert.equal(procRefusal({ ...own, name: 'random', volatility: 'v' }), undefined);
    assert.match(procRefusal({ ...own, name: 'pg_terminate_backend', signature: 'pg_terminate_backend(integer,bigint)', volatility: 'v' })!, /is volatile/);
    assert.match(procRefusal({ ...own, name: 'txid_current', signature: 'txid_current()', volatility: 's' })!, /reaches outside the query/);
    // the same name and language, but created by a user (OID 16384 and up), elsewhere, or by another owner
    assert.match(procRefusal({ ...own, oid: 16500 })!, /not one of PostgreSQL's own/);
    assert.match(procRefusal({ ...own, schema: 'public' })!, /not one of PostgreSQL's own/);
    assert.match(procRefusal({ ...own, ownerOid: 16400, owner: 'app' })!, /owned by app\) is not one of PostgreSQL's own/);
    assert.match(procRefusal({ ...own, language: 'plpgsql' })!, /not one of PostgreSQL's own/);
  });
});

describe('live database: the command line without a server', () => {
  const run = (args: string[], env: Record<string, string | undefined> = {}) => {
    const e: NodeJS.ProcessEnv = { ...process.env, DBE_TIMING: '', DBE_DATABASE_URL: undefined, PGPASSWORD: undefined, ...env };
    for (const [k, v] of Object.entries(e)) if (v === undefined) delete e[k];
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: e, cwd: os.tmpdir(), timeout: 30_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test('options are checked: --limit, --order, --statement-timeout, --analyze without a database', () => {
    assert.throws(() => parseArgs(['slow', '--limit', '0']), (e: any) => e instanceof UsageError && /--limit must be a whole number from 1 to 1000/.test(e.message));
    assert.throws(() => parseArgs(['slow', '--order', 'max']), /--order must be total or mean/);
    assert.throws(() => parseArgs(['health', '--limit', '3']), /--limit is an option of dbe slow/);
    assert.throws(() => parseArgs(['health', 'queries/']), /dbe health takes no paths/);
    assert.throws(() => parseArgs(['lint', 'x', '--statement-timeout', '0']), /--statement-timeout must be milliseconds/);
    const saved = process.env.DBE_DATABASE_URL;
    delete process.env.DBE_DATABASE_URL;
    try {
      assert.throws(() => parseArgs(['explain', 'q.sql', '--line', '1', '--analyze']), /--analyze needs a live database/);
    } finally { if (saved !== undefined) process.env.DBE_DATABASE_URL = saved; }
    assert.deepEqual(parseArgs(['slow', '-d', 'postgres://a@h/d', '-n', '3', '--order', 'mean', '--format', 'json']), {
      kind: 'slow', options: { database: 'postgres://a@h/d', statementTimeoutMs: undefined, limit: 3, order: 'mean', format: 'json', config: undefined },
    });
  });

  test('no database, a server that is down, a bad URL: one line on stderr, exit 2, no stack, no password', () => {
    const none = run(['health']);
    assert.equal(none.code, 2);
    assert.equal(none.stderr, 'dbe: no database to connect to: pass --database postgres://user@host:5432/dbname, set DBE_DATABASE_URL, or "database" in .dbe.json\n');
    const down = run(['slow', '--database', 'postgres://app@127.0.0.1:1/shop'], { PGPASSWORD: 'Sekret-77' });
    assert.equal(down.code, 2);
    assert.equal(down.stderr, 'dbe: cannot connect to app@127.0.0.1:1/shop: connection refused (is the server running and listening on that host and port?)\n');
    const withPw = run(['health', '--database', 'postgres://app:Sekret-77@127.0.0.1:1/shop']);
    assert.equal(withPw.code, 2);
    assert.ok(!withPw.stderr.includes('Sekret-77'), withPw.stderr);
    assert.match(withPw.stderr, /postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/shop/);
    const bad = run(['lint', '.', '--database', 'http://x']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^dbe: --database must start with postgres:\/\//);
  });
});
