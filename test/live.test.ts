// The live-database mode's parts that need no server (the rest is test/live-postgres.test.ts):
// URLs and where the password may come from, scrubbing, .pgpass, the catalog as a project's base
// schema, ANALYZE refusals, and the CLI's messages when there is no database to reach.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, defaultConfig, mergeConfig } from '../server/src/config';
import { Project } from '../server/src/engine/project';
import { catalogFile, catalogSchema, hasMigrations } from '../server/src/live/catalog';
import { LiveError, parseDatabaseUrl, pgpassLookup, redactUrl, resolveDatabaseUrl, scrub } from '../server/src/live/connect';
import { analyzeRefusal } from '../server/src/live/explain';
import { namesOf, planNames, procRefusal } from '../server/src/live/guard';
import { judgeQueries } from '../server/src/live/slow';
import { parseArgs, UsageError } from '../server/src/cli/args';
import { parseSettings } from '../server/src/lsp/settings';
import { initParser, parseStatement } from '../server/src/sql/parse';
import { kindOf } from '../server/src/sql/ast';

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
