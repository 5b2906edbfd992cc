// The embedded PostgreSQL sandbox (PGlite): migrations replayed statement by statement, queries
// checked with EXPLAIN against the real catalog and never executed; `dbe lint --sandbox` and
// `dbe explain`. One replay serves most assertions (a fresh PGlite costs about a second).
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig, mergeConfig } from '../../server/src/config';
import { Project } from '../../server/src/engine/project';
import type { Finding } from '../../server/src/model';
import { RULES_BY_ID } from '../../server/src/rules';
import { checkProject, Sandbox, type SandboxStats } from '../../server/src/sandbox';
import { SHIPPED_EXTENSIONS } from '../../server/src/sandbox/extensions';
import { snapshotFile } from '../../server/src/sandbox/snapshot';
import { ready, ROOT } from '../helpers';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-sandbox-test-'));
const CACHE = path.join(TMP, '.cache');
// The initdb snapshot (an empty cluster, per PGlite version) is kept between test runs: initdb costs
// about 5 s. It is copied into each run's private cache directory for the CLI.
const SNAP = path.join(os.tmpdir(), 'dbe-test-pglite-snapshot');
const CLI = path.join(ROOT, 'dist', 'cli.js');

/** Writes files under a fresh directory; returns it. */
let dirs = 0;
function writeProject(files: Record<string, string>): string {
  const dir = path.join(TMP, `p${++dirs}`);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function projectOf(dir: string, files: Record<string, string>, raw: object = {}): Project {
  const p = new Project(mergeConfig(defaultConfig(), raw, 'test'), (f) => path.relative(dir, f).split(path.sep).join('/'));
  for (const [rel, text] of Object.entries(files)) p.setFile(path.join(dir, rel), text);
  return p;
}

function dbe(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, DBE_CACHE_DIR: CACHE, DBE_TIMING: '' }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const SHOP: Record<string, string> = {
  'migrations/001_init.sql': [
    'CREATE EXTENSION IF NOT EXISTS citext;',
    'CREATE EXTENSION IF NOT EXISTS earthdistance CASCADE;',
    'CREATE EXTENSION IF NOT EXISTS postgis;',
    'CREATE TABLE users (id bigint PRIMARY KEY, username text NOT NULL, email citext NOT NULL);',
    'CREATE TABLE places (id bigint PRIMARY KEY, geom geometry(Point, 4326));',
    'CREATE INDEX places_geom ON places USING gist (geom);',
    "INSERT INTO users VALUES (1, 'ann', 'Ann@example.com'), (2, 'bob', 'bob@example.com');",
    'GRANT SELECT ON users TO reporting;',
    'ALTER TABLE users OWNER TO app_owner;',
    'CREATE INDEX CONCURRENTLY users_email ON users (email);',
    '',
  ].join('\n'),
  'migrations/001_init.down.sql': 'DROP TABLE users;\n',
  // a $1 query in a migration cannot run: it is explained where it stands (after the rename)
  'migrations/002_rename.sql': 'ALTER TABLE users RENAME COLUMN username TO handle;\nSELECT id FROM users WHERE handle = $1;\nSELECT id FROM users WHERE username = $1;\n',
  'migrations/003_orders.sql': [
    'BEGIN;',
    'SAVEPOINT before_age;',
    "ALTER TABLE users ADD COLUMN age int DEFAULT 'old';",
    'ROLLBACK TO SAVEPOINT before_age;',
    'CREATE INDEX users_age ON users (age);',
    'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), total numeric(12, 2) NOT NULL);',
    'COMMIT;',
    '',
  ].join('\n'),
  // only DML, but named like a migration: seed data, executed
  'migrations/004_seed.sql': 'INSERT INTO orders VALUES (10, 1, 5.00);\n',
  'queries/app.sql': [
    'SELECT id FROM users WHERE username = $1;',
    'SELECT id, handle FROM users WHERE id = $1 AND email = $2;',
    'SELECT id FROM users u JOIN orders o ON o.user_id = u.id;',
    "SELECT id FROM orders WHERE total = 'lots';",
    'DELETE FROM users;',
    "UPDATE users SET handle = 'changed';",
    'SELECT id FROM places;',
    'SELECT age FROM users;',
    '-- dbe-ignore postgres-error',
    'SELECT nope FROM users;',
    "SELECT 'é€😀' AS label, nope2 FROM users;",
    '',
  ].join('\n'),
};

let dir = '';
let project: Project;
let findings: Finding[] = [];
let stats: SandboxStats;
const sandbox = new Sandbox({ snapshotDir: SNAP });

before(async () => {
  await ready();
  dir = writeProject(SHOP);
  project = projectOf(dir, SHOP);
  const t = performance.now();
  const check = await checkProject(project, sandbox);
  findings = [...check.findings.values()].flat();
  stats = check.stats!;
  fs.mkdirSync(CACHE, { recursive: true });
  fs.copyFileSync(snapshotFile(SNAP), snapshotFile(CACHE));
  if (process.env.DBE_DEBUG) console.log(`replay ${(performance.now() - t).toFixed(0)} ms`, stats);
});
after(async () => {
  await sandbox.close();
  fs.rmSync(TMP, { recursive: true, force: true });
});

/** 1-based line, the text the finding covers, its message. */
function where(f: Finding): { file: string; line: number; text: string; message: string } {
  const src = project.getFile(f.path)!;
  return { file: path.relative(dir, f.path), line: src.lines.position(f.start).line + 1, text: src.text.slice(f.start, f.end), message: f.message };
}
const at = (file: string, line: number) => findings.map(where).filter((w) => w.file === file && w.line === line);

describe('replay', () => {
  test('runs on PostgreSQL 18 (GENERIC_PLAN needs 16+)', () => {
    assert.match(stats.version, /^PostgreSQL 18\./);
  });

  test('a rejected statement is reported on that statement with SQLSTATE, and replay goes on', () => {
    const [f, ...rest] = at('migrations/003_orders.sql', 3);
    assert.equal(rest.length, 0);
    assert.equal(f.text, "ALTER TABLE users ADD COLUMN age int DEFAULT 'old';");
    assert.match(f.message, /invalid input syntax for type integer: "old" \(SQLSTATE 22P02\)/);
    // the index on the column that was never added fails too, and so does the query on it (line 8 of
    // queries/app.sql): counted on the cause, not reported again
    assert.deepEqual(at('migrations/003_orders.sql', 5), []);
    assert.match(f.message, /2 later statements that depend on it also failed/);
    // ... and a query using that column is a follow-on as well
    assert.deepEqual(at('queries/app.sql', 8), []);
  });

  test('a failure inside BEGIN ... COMMIT does not abort the rest of the block, nor the project\'s own savepoints', () => {
    // orders was created after the failed ALTER in the same transaction: the join query sees it
    assert.ok(at('queries/app.sql', 3).length === 1 && /ambiguous/.test(at('queries/app.sql', 3)[0].message));
  });

  test('CONCURRENTLY runs (statements are sent one at a time); down migrations are not run', async () => {
    assert.deepEqual(at('migrations/001_init.sql', 10), []);
    const idx = await sandbox.rows("SELECT indexname FROM pg_indexes WHERE indexname = 'users_email'");
    assert.equal(idx.length, 1);
    const t = await sandbox.rows("SELECT to_regclass('users') IS NOT NULL AS present");
    assert.equal(t[0].present, true, 'the down migration (DROP TABLE users) was not replayed');
  });

  test('a shipped extension is loaded; an unknown one is reported once (info) and what needs it is not flooded', () => {
    assert.deepEqual(at('migrations/001_init.sql', 1), [], 'citext loads');
    assert.deepEqual(at('migrations/001_init.sql', 2), [], 'earthdistance loads, with the cube it needs');
    const [ext, ...more] = findings.filter((f) => /extension/.test(f.message));
    assert.equal(more.length, 0);
    assert.equal(ext.severity, 'info');
    assert.equal(where(ext).line, 3);
    assert.match(ext.message, /does not ship the extension "postgis"/);
    // places (geometry) and its gist index fail, and so does the query on places: all counted here
    assert.match(ext.message, /3 later statements failed for want of its types or functions/);
    assert.deepEqual(at('migrations/001_init.sql', 5), []);
    assert.deepEqual(at('queries/app.sql', 7), []);
    assert.deepEqual(stats.missingExtensions, ['postgis']);
  });

  test('roles the project grants to but never creates are created up-front', () => {
    assert.deepEqual(stats.roles, ['app_owner', 'reporting']);
    assert.deepEqual(at('migrations/001_init.sql', 8), []);
    assert.deepEqual(at('migrations/001_init.sql', 9), []);
  });
});

describe('queries', () => {
  test('a column renamed two migrations back is reported on the old name', () => {
    const [f] = at('queries/app.sql', 1);
    assert.equal(f.text, 'username');
    assert.match(f.message, /^PostgreSQL rejects this query against the migrated schema: column "username" does not exist \(SQLSTATE 42703\)/);
  });

  test('$1 queries are checked (GENERIC_PLAN) and a correct one passes', () => {
    assert.deepEqual(at('queries/app.sql', 2), []);
    assert.deepEqual(at('migrations/002_rename.sql', 2), []);
    const [m] = at('migrations/002_rename.sql', 3);
    assert.equal(m.text, 'username');
    assert.match(m.message, /column "username" does not exist \(SQLSTATE 42703\)/);
    assert.ok(stats.explained >= 1);
  });

  test('ambiguous columns and wrong literal types land on the right token', () => {
    const [amb] = at('queries/app.sql', 3);
    assert.equal(amb.text, 'id');
    assert.match(amb.message, /column reference "id" is ambiguous \(SQLSTATE 42702\)/);
    const [lit] = at('queries/app.sql', 4);
    assert.equal(lit.text, "'lots'");
    assert.match(lit.message, /invalid input syntax for type numeric: "lots" \(SQLSTATE 22P02\)/);
  });

  test('DML in a queries file is never executed: the seeded rows are intact', async () => {
    const rows = await sandbox.rows('SELECT id, handle FROM users ORDER BY id');
    assert.deepEqual(rows.map((r) => [Number(r.id), r.handle]), [[1, 'ann'], [2, 'bob']]);
    assert.deepEqual(at('queries/app.sql', 5), []);
    assert.deepEqual(at('queries/app.sql', 6), []);
  });

  test('a DML-only file named like a migration is a data migration: its INSERT runs', async () => {
    assert.deepEqual(await sandbox.rows('SELECT id::int AS id FROM orders'), [{ id: 10 }]);
  });

  test('positions count characters: after non-ASCII text the range is still the right token', () => {
    const [f] = at('queries/app.sql', 11);
    assert.equal(f.text, 'nope2');
  });

  test('-- dbe-ignore postgres-error silences a finding', () => {
    assert.deepEqual(at('queries/app.sql', 10), []);
  });

  test('exactly the expected findings, nothing else', () => {
    assert.deepEqual(findings.map((f) => `${where(f).file}:${where(f).line}`).sort(), [
      'migrations/001_init.sql:3', 'migrations/002_rename.sql:3', 'migrations/003_orders.sql:3', 'queries/app.sql:1', 'queries/app.sql:11', 'queries/app.sql:3', 'queries/app.sql:4',
    ]);
  });
});

describe('classification and metadata', () => {
  test('with migrations.include, files outside it are queries files: DDL there is not run, queries are explained', async () => {
    const files = {
      'db/001.sql': 'CREATE TABLE t (id int PRIMARY KEY);\n',
      'app/q.sql': 'CREATE TABLE side (id int);\nSELECT id FROM side;\nINSERT INTO t VALUES (1);\n',
    };
    const d = writeProject(files);
    // no generated rows (sandbox.rows 0): the count below shows what the queries file did
    const p = projectOf(d, files, { migrations: { include: ['db/**'] }, sandbox: { rows: 0 } });
    const sb = new Sandbox({ snapshotDir: CACHE });
    try {
      const check = await checkProject(p, sb);
      const list = [...check.findings.values()].flat();
      assert.equal(list.length, 1);
      assert.match(list[0].message, /relation "side" does not exist \(SQLSTATE 42P01\)/);
      assert.deepEqual(await sb.rows('SELECT count(*)::int AS n FROM t'), [{ n: 0 }], 'the INSERT of a queries file is only explained');
      assert.equal(check.stats!.skipped['ddl-in-queries'], 1);
    } finally {
      await sb.close();
    }
  });

  test('as the migration tool runs them: its history table exists, a goose Down section and a down file are not run, versions in numeric order', async () => {
    const files = {
      'pg/1_init.up.sql': 'CREATE TABLE t (id int PRIMARY KEY);\n',
      'pg/1_init.down.sql': 'DROP TABLE t;\n',
      'pg/10_more.up.sql': 'ALTER TABLE t ADD COLUMN b int;\n',
      'pg/2_add.up.sql': 'ALTER TABLE t ADD COLUMN a int;\n',
      'pg/3_fix.up.sql': 'UPDATE schema_migrations SET dirty = false WHERE version = 2;\n',
      'goose/00001_a.sql': '-- +goose Up\nCREATE TABLE g (id int PRIMARY KEY);\n\n-- +goose Down\nDROP TABLE g;\n',
      'goose/00002_b.sql': '-- +goose Up\nINSERT INTO g VALUES (1);\nINSERT INTO goose_db_version (version_id, is_applied) VALUES (2, true);\n',
      // harbor's docker init script creates golang-migrate's table itself, on a fresh database
      'photon/initial.sql': 'CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);\n',
      // a table of the same name in another schema is the project's own (supabase's auth.schema_migrations)
      'photon/zauth.sql': "CREATE SCHEMA auth;\nCREATE TABLE auth.schema_migrations (version varchar(255) PRIMARY KEY);\nINSERT INTO auth.schema_migrations VALUES ('1');\n",
    };
    const d = writeProject(files);
    const p = projectOf(d, files, { sandbox: { rows: 0 } });
    const sb = new Sandbox({ snapshotDir: CACHE });
    try {
      const check = await checkProject(p, sb);
      assert.deepEqual([...check.findings.values()].flat().map((f) => f.message), []);
      assert.deepEqual(await sb.rows('SELECT count(*)::int AS n FROM g'), [{ n: 1 }]);
      assert.equal(check.stats!.skipped['tool-table'], 1);
    } finally {
      await sb.close();
    }
  });

  test('the postgres-error documentation example triggers it, the corrected one does not', async () => {
    const meta = RULES_BY_ID.get('postgres-error')!.meta;
    const badQuery = meta.bad.split('-- queries/users.sql\n')[1];
    const migration = meta.bad.split('-- queries/users.sql\n')[0].replace('-- migrations/002.sql\n', '');
    const files = { 'migrations/001.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, username text);\n', 'migrations/002.sql': migration, 'queries/bad.sql': badQuery, 'queries/good.sql': meta.good.replace('-- queries/users.sql\n', '') };
    const d = writeProject(files);
    const p = projectOf(d, files);
    const sb = new Sandbox({ snapshotDir: CACHE });
    try {
      const check = await checkProject(p, sb);
      assert.equal(check.findings.get(path.join(d, 'queries/bad.sql'))!.length, 1);
      assert.deepEqual(check.findings.get(path.join(d, 'queries/good.sql')), []);
    } finally {
      await sb.close();
    }
  });

  test('the shipped extension list matches the installed PGlite package', () => {
    const contrib = path.join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'dist', 'contrib');
    const modules = fs.readdirSync(contrib).filter((f) => f.endsWith('.cjs')).map((f) => f.replace(/\.cjs$/, '')).sort();
    assert.deepEqual(Object.values(SHIPPED_EXTENSIONS).sort(), modules);
  });

  test('postgres-error is configurable: "off" runs nothing', async () => {
    const files = { 'a.sql': 'SELECT nope FROM nowhere;\n' };
    const p = projectOf(TMP, files, { rules: { 'postgres-error': 'off' } });
    const check = await checkProject(p, new Sandbox({ snapshotDir: CACHE }));
    assert.equal(check.stats, undefined);
    assert.deepEqual([...check.findings.values()].flat(), []);
  });
});

describe('CLI', () => {
  before(() => {
    if (!fs.existsSync(CLI)) {
      const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
    }
  });

  test('"sandbox": true in .dbe.json adds postgres-error to the JSON report; exit 1 on errors', () => {
    const d = writeProject({
      '.dbe.json': '{"sandbox": true}',
      'migrations/001.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, username text NOT NULL);\n',
      'migrations/002.sql': 'ALTER TABLE users RENAME COLUMN username TO handle;\n',
      'queries/q.sql': 'SELECT id,\n       username\nFROM users WHERE id = $1;\n',
    });
    const r = dbe(['lint', '.', '--format', 'json'], d);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.version, 1);
    const q = report.files.find((f: any) => f.path === path.join('queries', 'q.sql'));
    const pe = q.diagnostics.filter((x: any) => x.rule === 'postgres-error');
    assert.equal(pe.length, 1);
    assert.deepEqual(pe[0].range, { start: { line: 1, character: 7 }, end: { line: 1, character: 15 } });
    assert.equal(pe[0].severity, 'error');
    assert.deepEqual(pe[0].fixes, []);
    assert.match(pe[0].message, /column "username" does not exist \(SQLSTATE 42703\)/);
    assert.ok(report.summary.errors >= 1);
    // --no-sandbox overrides the configuration
    const off = dbe(['lint', '.', '--format', 'json', '--no-sandbox'], d);
    assert.ok(!JSON.parse(off.stdout).files.some((f: any) => f.diagnostics.some((x: any) => x.rule === 'postgres-error')));
  });

  test('a bad "sandbox" setting is a clear configuration error', () => {
    const d = writeProject({ '.dbe.json': '{"sandbox": "yes"}', 'a.sql': 'SELECT 1;\n' });
    const r = dbe(['lint', '.', '--sandbox'], d);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"sandbox" must be true or false/);
  });

  test('dbe explain: text tree with the sequential scan marked, and JSON', () => {
    const d = writeProject({
      'migrations/001.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, status text NOT NULL);\nCREATE INDEX orders_status ON orders (status);\n',
      'queries/q.sql': "-- orders of a user\nSELECT id FROM orders\nWHERE user_id = $1;\n\nSELECT id FROM orders WHERE status = 'paid';\n",
    });
    const text = dbe(['explain', 'queries/q.sql', '--line', '3'], d);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^queries\/q\.sql:2: generic plan \(the query has parameters\)/);
    assert.match(text.stdout, /\nSeq Scan on orders {2}\(rows=\d+ cost=[\d.]+\.\.[\d.]+\) {2}<- sequential scan of orders\n {3}Filter: \(user_id = \$1\)\n/);
    const json = dbe(['explain', 'queries/q.sql', '--line', '5', '--format', 'json'], d);
    assert.equal(json.code, 0, json.stderr);
    const out = JSON.parse(json.stdout);
    assert.equal(out.generic, false);
    assert.equal(out.line, 5);
    assert.deepEqual(out.seqScans, []);
    const nodes: any[] = [];
    const walk = (n: any) => { nodes.push(n); for (const c of n.children) walk(c); };
    walk(out.plan);
    assert.ok(nodes.some((n) => n.index === 'orders_status') && nodes.some((n) => n.relation === 'orders'), JSON.stringify(out.plan));
    assert.ok(nodes.every((n) => !n.seqScan));
    assert.equal(out.postgres[0].Plan['Node Type'], out.plan.nodeType);
    // not a query: a clear message, exit 2, before any sandbox starts
    const ddl = dbe(['explain', 'migrations/001.sql', '--line', '1'], d);
    assert.equal(ddl.code, 2);
    assert.match(ddl.stderr, /^dbe: migrations\/001\.sql:1: this is a CREATE TABLE statement, not a query/);
    const noLine = dbe(['explain', 'queries/q.sql'], d);
    assert.equal(noLine.code, 2);
    assert.match(noLine.stderr, /^dbe: --line N is needed/);
    const blank = dbe(['explain', 'queries/q.sql', '--line', '4'], d);
    assert.equal(blank.code, 2);
    assert.match(blank.stderr, /^dbe: queries\/q\.sql:4: no statement on this line/);
    for (const r of [ddl, noLine, blank]) assert.doesNotMatch(r.stderr, /^\s+at /m);
  });
});
