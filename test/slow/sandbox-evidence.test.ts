// Production-like volumes in the sandbox (generated rows that respect the schema's constraints) and
// the missing-index evidence (the planner's cost without and with the recommended index). One
// sandbox, filled with 2,000 rows a table, serves the data and evidence assertions.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, defaultConfig, mergeConfig } from '../../server/src/config';
import { Project } from '../../server/src/engine/project';
import type { Finding } from '../../server/src/model';
import { RULES_BY_ID } from '../../server/src/rules';
import { applyEvidence, bindParams, evidenceRequests, measureEvidence, Sandbox, sandboxInput, withEvidence, worthIt, type DataStats, type RecommendationEvidence } from '../../server/src/sandbox';
import { dataSummary, progressPrinter } from '../../server/src/cli/sandbox-command';
import { snapshotFile } from '../../server/src/sandbox/snapshot';
import { parseStatement } from '../../server/src/sql/parse';
import { allFindings, ready, ROOT } from '../helpers';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-evidence-test-'));
const CACHE = path.join(TMP, '.cache');
// the empty-cluster snapshot sandbox.test.ts keeps between runs (initdb costs about 5 s)
const SNAP = path.join(os.tmpdir(), 'dbe-test-pglite-snapshot');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const ROWS = 2000;

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
  for (const [rel, text] of Object.entries(files)) if (rel.endsWith('.sql')) p.setFile(path.join(dir, rel), text);
  return p;
}

function dbe(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, DBE_CACHE_DIR: CACHE, DBE_TIMING: '' }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const SCHEMA = [
  "CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');",
  'CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);',
  'CREATE TABLE users (',
  '  id bigint PRIMARY KEY,',
  '  email varchar(255) NOT NULL UNIQUE,',
  '  mood mood NOT NULL,',
  "  status text NOT NULL CHECK (status IN ('active', 'inactive')),",
  '  age int CHECK (age >= 18 AND age < 120),',
  '  born year,',
  '  created_at timestamptz NOT NULL DEFAULT now(),',
  '  deleted_at timestamptz',
  ');',
  'CREATE TABLE orders (',
  '  id bigserial PRIMARY KEY,',
  '  user_id bigint NOT NULL REFERENCES users (id),',
  '  total numeric(12, 2) NOT NULL CHECK (total > 0),',
  '  note varchar(20),',
  '  starts date NOT NULL,',
  '  ends date NOT NULL,',
  '  CHECK (ends >= starts)',
  ');',
  'CREATE TABLE follows (follower bigint NOT NULL REFERENCES users (id), followee bigint NOT NULL REFERENCES users (id), PRIMARY KEY (follower, followee));',
  'CREATE TABLE profiles (user_id bigint PRIMARY KEY REFERENCES users (id), bio text);',
  'CREATE TABLE categories (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, parent_id int REFERENCES categories (id), name text NOT NULL);',
  'CREATE TABLE impossible (id int PRIMARY KEY, x int NOT NULL CHECK (x > 5 AND x < 3));',
  'CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);',
  "INSERT INTO countries VALUES ('fr', 'France'), ('de', 'Germany');",
  'CREATE TABLE audited (id int PRIMARY KEY);',
  // a NOT NULL domain makes its column NOT NULL; an array of numeric(3,1) gets elements that fit
  'CREATE DOMAIN required_text AS text NOT NULL;',
  'CREATE TABLE flagged (id int PRIMARY KEY, label required_text, scores numeric(3, 1)[] NOT NULL);',
  "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no inserts here'; END $$;",
  'CREATE TRIGGER audited_refuse BEFORE INSERT ON audited FOR EACH ROW EXECUTE FUNCTION refuse();',
  '',
].join('\n');

const FILES: Record<string, string> = {
  'migrations/001_schema.sql': SCHEMA,
  'queries/app.sql': [
    // selective: a note matches about one row in a thousand
    'SELECT id, total FROM orders WHERE note = $1;',
    // not selective: 'active' is the common value (about 70% of the rows)
    "SELECT id FROM users WHERE status = 'active';",
    '',
  ].join('\n'),
};

let dir = '';
let project: Project;
let data: DataStats;
let evidence: RecommendationEvidence[];
const progress: [number, number, string][] = [];
const sandbox = new Sandbox({ snapshotDir: SNAP });

before(async () => {
  await ready();
  dir = writeProject(FILES);
  project = projectOf(dir, FILES);
  const result = await sandbox.run(sandboxInput(project, { rows: ROWS }), { progress: (d, n, t) => progress.push([d, n, t]) });
  assert.equal(result.stats.failed, 0, JSON.stringify(result.findings));
  data = result.stats.data!;
  evidence = await measureEvidence(sandbox, evidenceRequests(project), new Set(data.tables.filter((t) => t.rows > 0).map((t) => t.table)));
  fs.mkdirSync(CACHE, { recursive: true });
  fs.copyFileSync(snapshotFile(SNAP), snapshotFile(CACHE));
});
after(async () => {
  await sandbox.close();
  fs.rmSync(TMP, { recursive: true, force: true });
});

const count = async (sql: string) => Number((await sandbox.rows(sql))[0].n);
const table = (name: string) => data.tables.find((t) => t.table === `public.${name}`)!;

describe('generated data', () => {
  test('every fillable table gets the rows asked for, parents first, with progress after each table', async () => {
    assert.equal(data.rowsPerTable, ROWS);
    for (const t of ['users', 'orders', 'profiles', 'categories']) assert.equal(await count(`SELECT count(*)::int AS n FROM ${t}`), ROWS, t);
    // a join table: pairs that collide with the primary key are dropped, more are generated
    assert.equal(await count('SELECT count(*)::int AS n FROM follows'), ROWS);
    const order = data.tables.map((t) => t.table);
    assert.ok(order.indexOf('public.users') < order.indexOf('public.orders'));
    assert.ok(order.indexOf('public.users') < order.indexOf('public.follows'));
    assert.deepEqual(progress.map(([d, n]) => [d, n]), data.tables.map((_, i) => [i + 1, data.tables.length]));
  });

  test('UNIQUE and NOT NULL hold; nullable columns get some NULLs, soft-delete columns mostly NULL', async () => {
    assert.equal(await count('SELECT count(DISTINCT email)::int AS n FROM users'), ROWS);
    const nulls = await sandbox.rows('SELECT count(*) FILTER (WHERE age IS NULL)::int AS age, count(*) FILTER (WHERE deleted_at IS NULL)::int AS deleted FROM users');
    assert.ok(Number(nulls[0].age) > 0 && Number(nulls[0].age) < ROWS / 2, `age NULLs: ${nulls[0].age}`);
    assert.ok(Number(nulls[0].deleted) > ROWS * 0.8, `deleted_at NULLs: ${nulls[0].deleted}`);
    // timestamps spread over years, not all now()
    assert.ok(await count("SELECT count(DISTINCT date_trunc('month', created_at))::int AS n FROM users") > 24);
  });

  test('CHECK constraints shape the values: IN lists give the column its values, ranges and multi-column checks filter rows', async () => {
    const statuses = await sandbox.rows('SELECT status, count(*)::int AS n FROM users GROUP BY status ORDER BY n DESC');
    assert.deepEqual(statuses.map((r) => r.status), ['active', 'inactive']);
    assert.ok(Number(statuses[0].n) > ROWS * 0.6, 'the first value is the common one (skew)');
    assert.equal(await count('SELECT count(*)::int AS n FROM users WHERE age IS NOT NULL AND NOT (age >= 18 AND age < 120)'), 0);
    assert.equal(await count('SELECT count(*)::int AS n FROM orders WHERE ends < starts OR total <= 0'), 0);
    // a domain's CHECK is honoured too (the rows are generated as its base type and filtered)
    assert.ok(await count('SELECT count(born)::int AS n FROM users') > 0);
  });

  test('enum columns take the labels from the catalog, all of them, skewed', async () => {
    const moods = await sandbox.rows('SELECT mood::text AS mood, count(*)::int AS n FROM users GROUP BY mood ORDER BY n DESC');
    assert.deepEqual(moods.map((r) => r.mood).sort(), ['happy', 'meh', 'sad']);
    assert.ok(Number(moods[0].n) > Number(moods[2].n) * 1.5);
  });

  test('foreign keys take existing parent keys with a skew; a UNIQUE foreign key takes each parent once; a self-reference is set afterwards', async () => {
    assert.equal(await count('SELECT count(*)::int AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id)'), 0);
    // skew: the busiest user has many orders, far above the mean of 1
    assert.ok(await count('SELECT max(c)::int AS n FROM (SELECT count(*) AS c FROM orders GROUP BY user_id) x') >= 10);
    assert.equal(await count('SELECT count(DISTINCT user_id)::int AS n FROM profiles'), ROWS);
    const tree = await sandbox.rows('SELECT count(parent_id)::int AS set, count(*) FILTER (WHERE parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM categories p WHERE p.id = c.parent_id))::int AS dangling FROM categories c');
    assert.ok(Number(tree[0].set) > ROWS / 2, `parent_id set on ${tree[0].set} rows`);
    assert.equal(Number(tree[0].dangling), 0);
  });

  test('a table no generated row can satisfy is skipped with the reason, not a crash; seed data is kept', async () => {
    assert.equal(table('impossible').rows, 0);
    assert.match(table('impossible').skipped!, /no generated row satisfies its CHECK constraints \(impossible_x_check\)/);
    assert.equal(await count('SELECT count(*)::int AS n FROM impossible'), 0);
    assert.match(table('countries').skipped!, /already holds rows after the migrations/);
    assert.equal(await count('SELECT count(*)::int AS n FROM countries'), 2);
    const summary = dataSummary(data);
    assert.match(summary, /^generated 14,000 rows \(2,000 a table\) into 7 of 9 tables in \d+ ms; 2 skipped: /);
    assert.match(summary, /1 no generated row satisfies its CHECK constraints/);
    assert.match(summary, /1 it already holds rows after the migrations/);
  });

  test('a table whose trigger refuses inserts is filled with its triggers disabled, and they are enabled again', async () => {
    assert.equal(table('audited').rows, ROWS);
    assert.match(table('audited').notes!.join(), /triggers disabled \(the insert failed with them: no inserts here/);
    assert.deepEqual(await sandbox.rows("SELECT tgenabled FROM pg_trigger WHERE tgname = 'audited_refuse'"), [{ tgenabled: 'O' }]);
  });

  test('a NOT NULL domain gets no NULLs; array elements respect the column\'s precision', async () => {
    assert.equal(table('flagged').rows, ROWS, JSON.stringify(table('flagged')));
    assert.equal(await count('SELECT count(*)::int AS n FROM flagged WHERE label IS NULL'), 0);
    assert.ok(await count('SELECT max(s)::int AS n FROM flagged, unnest(scores) s') < 100);
  });

  test('rows 0 leaves the tables as the migrations leave them', async () => {
    const sb = new Sandbox({ snapshotDir: CACHE });
    try {
      const r = await sb.run(sandboxInput(project, { rows: 0 }));
      assert.equal(r.stats.data, undefined);
      assert.deepEqual(await sb.rows('SELECT count(*)::int AS n FROM users'), [{ n: 0 }]);
    } finally {
      await sb.close();
    }
  });
});

describe('missing-index evidence', () => {
  const ofIndex = (name: string) => evidence.find((e) => e.index === name)!;

  test('a selective lookup: the index is used and the cost drops; the index is gone afterwards', async () => {
    const e = ofIndex('idx_orders_note');
    assert.ok(e, JSON.stringify(evidence.map((x) => x.index)));
    const [q] = e.queries;
    assert.ok(q.evidence, JSON.stringify(q));
    const ev = q.evidence!;
    assert.equal(ev.indexUsed, true);
    assert.equal(ev.tableRows, ROWS);
    assert.equal(ev.generated, true);
    // 2,000 narrow rows are a dozen pages: a quarter of the cost (the gap grows with the table)
    assert.ok(ev.costAfter * 3 < ev.costBefore, `${ev.costBefore} -> ${ev.costAfter}`);
    assert.ok(worthIt(ev));
    assert.deepEqual(await sandbox.rows("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'idx_%'"), []);
  });

  test('a lookup matching most rows: the planner does not use the index, so the finding is kept as a hint with the reason', () => {
    const ev = ofIndex('idx_users_status').queries[0].evidence!;
    assert.equal(ev.indexUsed, false);
    assert.equal(worthIt(ev), false);
    const f = withEvidence({ message: 'No index serves this query.', severity: 'info' as const }, ev, 'public.users', 'idx_users_status');
    assert.equal(f.severity, 'hint');
    assert.match(f.message, /^No index serves this query\. Kept only as a hint: the planner would not use idx_users_status for this query \(cost [\d,.]+ without it, [\d,.]+ with it, on 2,000 generated rows in users\): a lookup that matches a large share/);
  });

  test('a used index: the costs go into the message, the severity stays', () => {
    const ev = ofIndex('idx_orders_note').queries[0].evidence!;
    const f = withEvidence({ message: 'No index serves this query.', severity: 'info' as const }, ev, 'public.orders', 'idx_orders_note');
    assert.equal(f.severity, 'info');
    assert.match(f.message, /^No index serves this query \(planner: cost [\d,.]+ → [\d.]+ with the index, on 2,000 generated rows in orders\)\.$/);
    assert.deepEqual(f.evidence, ev);
  });

  test('applyEvidence: the engine\'s own findings get the costs (for the language server), other rules are untouched', () => {
    const all = allFindings(project);
    const out = applyEvidence(all, evidence);
    const mi = out.filter((f) => f.rule === 'missing-index');
    assert.equal(mi.length, 2);
    assert.ok(mi.every((f) => f.evidence), JSON.stringify(mi));
    assert.deepEqual(mi.map((f) => f.severity).sort(), ['hint', 'info']);
    assert.deepEqual(out.filter((f) => f.rule !== 'missing-index'), all.filter((f) => f.rule !== 'missing-index'));
  });

  test('the index measured is the one the fix creates, and it parses', () => {
    for (const r of evidenceRequests(project)) assert.equal(parseStatement(r.create).error, undefined, r.create);
    const fixes = allFindings(project).filter((f: Finding) => f.rule === 'missing-index').map((f) => f.fixes![0].edits.map((e) => e.newText).join(''));
    assert.ok(fixes.some((t) => /idx_orders_note/.test(t)) && fixes.some((t) => /idx_users_status/.test(t)));
  });

  test('a query inside a function body is measured with the function\'s parameters bound as $n; one using a local variable is not', async () => {
    const files = {
      'schema.sql': [
        'CREATE TABLE t (id int PRIMARY KEY, k text NOT NULL, j text NOT NULL);',
        "CREATE FUNCTION f(p text) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT id FROM t WHERE k = p AND t.j <> 'p'); END $$;",
        'CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $$ DECLARE v text := \'x\'; BEGIN RETURN (SELECT id FROM t WHERE j = v); END $$;',
        '',
      ].join('\n'),
    };
    const p = projectOf(writeProject(files), files);
    const reqs = evidenceRequests(p);
    const k = reqs.find((r) => r.index === 't_k' || r.index === 'idx_t_k')!;
    assert.equal(k.queries.length, 1);
    assert.match(k.queries[0].sql, /WHERE k = \$1 AND t\.j <> 'p'/);
    assert.equal(bindParams('SELECT p, t.p, "p", \'p\', p(1) FROM t WHERE x = p -- p\n', ['p']), 'SELECT $1, t.p, "p", \'p\', p(1) FROM t WHERE x = $1 -- p\n');
    const sb = new Sandbox({ snapshotDir: CACHE });
    try {
      await sb.run(sandboxInput(p, { rows: 500 }));
      const ev = await measureEvidence(sb, reqs);
      const byIndex = new Map(ev.map((e) => [e.index, e.queries[0]] as const));
      assert.ok(byIndex.get('idx_t_k')!.evidence, JSON.stringify(ev));
      assert.match(byIndex.get('idx_t_j')!.error!, /PostgreSQL rejects the query: column "v" does not exist/);
    } finally {
      await sb.close();
    }
  });

  test('the rule documents the decision', () => {
    const notes = RULES_BY_ID.get('missing-index')!.meta.notes!;
    assert.match(notes, /--sandbox/);
    assert.match(notes, /hint/);
  });
});

describe('configuration and CLI', () => {
  test('"sandbox": { "rows": N } sets the volume and turns the sandbox on; bad values are clear errors', () => {
    assert.equal(defaultConfig().sandboxRows, 10000);
    const c = mergeConfig(defaultConfig(), { sandbox: { rows: 500 } }, 't');
    assert.equal(c.sandbox, true);
    assert.equal(c.sandboxRows, 500);
    assert.equal(mergeConfig(defaultConfig(), { sandbox: { enabled: false, rows: 0 } }, 't').sandbox, false);
    assert.throws(() => mergeConfig(defaultConfig(), { sandbox: { rows: -1 } }, 't'), (e: Error) => e instanceof ConfigError && /"sandbox.rows" must be a whole number/.test(e.message));
    assert.throws(() => mergeConfig(defaultConfig(), { sandbox: { row: 5 } }, 't'), /unknown setting "sandbox.row"/);
  });

  test('progress is printed only once generation takes over a second', () => {
    let now = 0;
    const lines: string[] = [];
    const print = progressPrinter({ err: (s) => lines.push(s) }, 'db', false, () => now);
    now = 400; print(1, 4, 'public.a');
    assert.deepEqual(lines, []);
    now = 1200; print(2, 4, 'public.b');
    now = 1300; print(3, 4, 'public.c'); // within a second of the last line: not printed
    now = 1400; print(4, 4, 'public.d'); // the last one always is
    assert.deepEqual(lines, ['dbe sandbox db: generating rows, 2/4 tables (public.b)\n', 'dbe sandbox db: generating rows, 4/4 tables (public.d)\n']);
  });

  const cliFiles = { ...FILES, '.dbe.json': JSON.stringify({ sandbox: { rows: ROWS } }) };

  test('dbe lint: with the sandbox the JSON carries evidence and the rejected index is a hint; without it, as before', () => {
    const d = writeProject(cliFiles);
    const r = dbe(['lint', '.', '--format', 'json', '--fail-on', 'none'], d);
    assert.equal(r.code, 0, r.stderr);
    const diags = JSON.parse(r.stdout).files.flatMap((f: any) => f.diagnostics).filter((x: any) => x.rule === 'missing-index');
    const note = diags.find((x: any) => /idx_orders_note/.test(x.message));
    const status = diags.find((x: any) => /idx_users_status/.test(x.message));
    assert.equal(note.severity, 'info');
    assert.ok(note.evidence.costAfter < note.evidence.costBefore);
    assert.match(note.message, /\(planner: cost [\d,.]+ → [\d.]+ with the index, on 2,000 generated rows in orders\)\.$/);
    assert.equal(status.severity, 'hint');
    assert.equal(status.evidence.indexUsed, false);

    const plain = dbe(['lint', '.', '--format', 'json', '--fail-on', 'none', '--no-sandbox'], d);
    const before = JSON.parse(plain.stdout).files.flatMap((f: any) => f.diagnostics).filter((x: any) => x.rule === 'missing-index');
    assert.equal(before.length, 2);
    for (const x of before) { assert.equal(x.evidence, undefined); assert.equal(x.severity, 'info'); assert.doesNotMatch(x.message, /planner/); }
  });

  test('dbe advise --sandbox: costs per query and per index, in JSON and text', () => {
    const d = writeProject(cliFiles);
    const j = dbe(['advise', '.', '--format', 'json'], d);
    assert.equal(j.code, 0, j.stderr);
    const ix = JSON.parse(j.stdout).projects[0].indexes;
    const note = ix.find((x: any) => x.name === 'idx_orders_note');
    assert.equal(note.plannerUses, true);
    assert.ok(note.queries[0].evidence.costAfter < note.queries[0].evidence.costBefore);
    assert.equal(ix.find((x: any) => x.name === 'idx_users_status').plannerUses, false);
    const t = dbe(['advise', '.', '--no-sandbox'], d);
    assert.doesNotMatch(t.stdout, /planner/);
    const s = dbe(['advise', '.', '--sandbox'], d);
    assert.match(s.stdout, /planner \(sandbox\): largest saving cost [\d,.]+ → [\d.]+ with the index, on 2,000 generated rows in orders/);
    assert.match(s.stdout, /planner \(sandbox\): would not use it for any query it serves/);
  });
});
