// Migration conventions as each tool runs its files: which tool a folder is for, the order of its
// files, which are rollbacks and which up each undoes, how the tool runs them; and what the user sees
// of it: findings judged in that order, rollbacks judged right after their up, CONCURRENTLY in a file
// sent as one query, the tool's history table, `dbe lint --verbose`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planMigrations, compareVersions, sqitchOrder, type PlanInput } from '../server/src/engine/conventions';
import { Project } from '../server/src/engine/project';
import { defaultConfig, mergeConfig, ConfigError, type Config } from '../server/src/config';
import type { Finding } from '../server/src/model';
import { ready } from './helpers';

before(ready);

const files = (m: Record<string, string>): PlanInput[] => Object.entries(m).map(([rel, text]) => ({ rel, text }));
const names = (list: { rel: string }[]) => list.map((f) => f.rel);

function project(m: Record<string, string>, config: Config = defaultConfig()): Project {
  const p = new Project(config);
  for (const [rel, text] of Object.entries(m)) p.setFile(rel, text);
  return p;
}
function findings(p: Project, file: string, rule?: string): Finding[] {
  return (p.analyze().get(file) ?? []).filter((f) => !rule || f.rule === rule);
}

test('versions compare part by part, as numbers: 100 after 20, 1.10 after 1.2', () => {
  assert.ok(compareVersions('100', '20') > 0);
  assert.ok(compareVersions('1.10', '1.2') > 0);
  assert.ok(compareVersions('1.2', '1.2.0') === 0);
  assert.ok(compareVersions('0002', '2') === 0);
});

test('golang-migrate: unpadded versions in numeric order, each down right after its up, paired by version', () => {
  const plan = planMigrations(files({
    'db/100_x.up.sql': '', 'db/100_x.down.sql': '', 'db/20_y.up.sql': '', 'db/20_y.down.sql': '',
    'db/1_init.up.sql': '', 'db/1_init.down.sql': '', 'db/30_add_magic_metadata.up.sql': '', 'db/30_drop_magic_metadata.down.sql': '',
  }));
  assert.equal(plan.sets.length, 1);
  const set = plan.sets[0];
  assert.equal(set.convention, 'golang-migrate');
  assert.equal(set.folder, 'db');
  assert.deepEqual(names(set.files), [
    'db/1_init.up.sql', 'db/1_init.down.sql', 'db/20_y.up.sql', 'db/20_y.down.sql',
    'db/30_add_magic_metadata.up.sql', 'db/30_drop_magic_metadata.down.sql', 'db/100_x.up.sql', 'db/100_x.down.sql',
  ]);
  const down = set.files.find((f) => f.rel === 'db/30_drop_magic_metadata.down.sql')!;
  assert.equal(down.role, 'down');
  assert.equal(down.undoes, 'db/30_add_magic_metadata.up.sql');
  assert.ok(set.files.every((f) => f.oneQuery && !f.wraps), 'golang-migrate sends each file as one query');
  assert.deepEqual(set.warnings, []);
});

test('golang-migrate: two ups with one version are reported as ambiguous', () => {
  const plan = planMigrations(files({ 'm/2_a.up.sql': '', 'm/2_b.up.sql': '', 'm/1_x.up.sql': '' }));
  assert.equal(plan.sets[0].warnings.length, 1);
  assert.match(plan.sets[0].warnings[0], /m\/2_a\.up\.sql and m\/2_b\.up\.sql have the same version 2/);
});

test('Flyway: versions part by part (1.10 after 1.9), undo after its version, repeatables last; wrapped in a transaction', () => {
  const plan = planMigrations(files({
    'sql/V1_10__c.sql': '', 'sql/V1_2__a.sql': '', 'sql/V1.9__b.sql': '', 'sql/R__views.sql': '', 'sql/U1_2__a.sql': '', 'sql/V2__d.sql': '',
  }));
  const set = plan.sets[0];
  assert.equal(set.convention, 'flyway');
  assert.deepEqual(names(set.files), ['sql/V1_2__a.sql', 'sql/U1_2__a.sql', 'sql/V1.9__b.sql', 'sql/V1_10__c.sql', 'sql/V2__d.sql', 'sql/R__views.sql']);
  assert.deepEqual(set.files.map((f) => f.role), ['up', 'down', 'up', 'up', 'up', 'repeatable']);
  assert.equal(set.files[1].undoes, 'sql/V1_2__a.sql');
  assert.ok(set.files.every((f) => f.wraps));
});

test('Flyway and Diesel: a file holding CONCURRENTLY is taken to run outside a transaction (Flyway detects it; Diesel metadata.toml is not read)', () => {
  const plan = planMigrations(files({ 'f/V1__a.sql': 'CREATE TABLE t (id int);', 'f/V2__b.sql': 'CREATE INDEX CONCURRENTLY i ON t (id);' }));
  assert.deepEqual(plan.sets[0].files.map((f) => f.wraps), [true, false]);
});

test('goose: one file with Up and Down sections; NO TRANSACTION turns the transaction off', () => {
  const a = '-- +goose Up\nCREATE TABLE t (id int);\n\n-- +goose Down\nDROP TABLE t;\n';
  const b = '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (id);\n-- +goose Down\nDROP INDEX CONCURRENTLY i;\n';
  const plan = planMigrations(files({ 'migrations/00010_b.sql': b, 'migrations/00002_a.sql': a }));
  const set = plan.sets[0];
  assert.equal(set.convention, 'goose');
  assert.deepEqual(names(set.files), ['migrations/00002_a.sql', 'migrations/00010_b.sql']);
  assert.equal(set.files[0].downFrom, a.indexOf('-- +goose Down'));
  assert.deepEqual(set.files.map((f) => f.wraps), [true, false]);
});

test('dbmate: migrate:up / migrate:down sections, transaction:false', () => {
  const plan = planMigrations(files({
    'db/migrations/20240102000000_b.sql': '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (id);\n-- migrate:down\nDROP INDEX i;\n',
    'db/migrations/20240101000000_a.sql': '-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nDROP TABLE t;\n',
  }));
  const set = plan.sets[0];
  assert.equal(set.convention, 'dbmate');
  assert.deepEqual(set.files.map((f) => [path.basename(f.rel), f.wraps, f.downFrom !== undefined]), [
    ['20240101000000_a.sql', true, true], ['20240102000000_b.sql', false, true],
  ]);
});

test('Diesel and Prisma: one directory per migration; Diesel pairs down.sql with up.sql, Prisma sends each file as one query', () => {
  const diesel = planMigrations(files({
    'migrations/2019-02-27-170003_b/up.sql': '', 'migrations/2019-02-26-002946_a/down.sql': '', 'migrations/2019-02-26-002946_a/up.sql': '',
    'migrations/00000000000000_diesel_initial_setup/up.sql': '',
  }));
  assert.equal(diesel.sets[0].convention, 'diesel');
  assert.deepEqual(names(diesel.sets[0].files), [
    'migrations/00000000000000_diesel_initial_setup/up.sql', 'migrations/2019-02-26-002946_a/up.sql', 'migrations/2019-02-26-002946_a/down.sql', 'migrations/2019-02-27-170003_b/up.sql',
  ]);
  assert.equal(diesel.sets[0].files[2].undoes, 'migrations/2019-02-26-002946_a/up.sql');
  const prisma = planMigrations(files({ 'prisma/migrations/20230411134605_b/migration.sql': '', 'prisma/migrations/20230404095503_a/migration.sql': '' }));
  assert.equal(prisma.sets[0].convention, 'prisma');
  assert.equal(prisma.sets[0].folder, 'prisma/migrations');
  assert.ok(prisma.sets[0].files.every((f) => f.oneQuery));
});

test('ory/pop: a generic X.down.sql undoes X.postgres.up.sql; MySQL files are migrations of their own chain, sqlite3 is not read', () => {
  const plan = planMigrations(files({
    'm/20191100000001_identities.postgres.up.sql': '', 'm/20191100000001_identities.mysql.up.sql': '', 'm/20191100000001_identities.down.sql': '',
    'm/20191100000001_identities.sqlite3.up.sql': '', 'm/20191100000001_identities.mysql.down.sql': '',
    'm/20191100000002_x.up.sql': '',
  }));
  const set = plan.sets[0];
  assert.equal(set.convention, 'pop');
  const role = (n: string) => set.files.find((f) => f.rel === `m/${n}`)!;
  assert.equal(role('20191100000001_identities.mysql.up.sql').role, 'up');
  assert.equal(role('20191100000001_identities.sqlite3.up.sql').role, 'other-dialect');
  assert.equal(role('20191100000001_identities.mysql.down.sql').undoes, 'm/20191100000001_identities.mysql.up.sql');
  assert.equal(role('20191100000001_identities.down.sql').undoes, 'm/20191100000001_identities.postgres.up.sql');
  assert.equal(role('20191100000002_x.up.sql').role, 'up');
});

test('ory/pop: an .autocommit. migration runs outside a transaction (popx), every other one inside; its dialect is still read', () => {
  const plan = planMigrations(files({
    'm/20260616000000000000_idx.postgres.autocommit.up.sql': 'CREATE INDEX CONCURRENTLY i ON t (a);',
    'm/20260616000000000000_idx.mysql.autocommit.up.sql': 'CREATE INDEX i ON t (a);',
    'm/20260616000000000000_idx.postgres.autocommit.down.sql': 'DROP INDEX CONCURRENTLY i;',
    'm/20260617000000000000_col.postgres.up.sql': 'ALTER TABLE t ADD COLUMN b int;',
  }));
  const set = plan.sets[0];
  assert.equal(set.convention, 'pop');
  const file = (n: string) => set.files.find((f) => f.rel === `m/${n}`)!;
  assert.equal(file('20260616000000000000_idx.mysql.autocommit.up.sql').role, 'up');
  assert.equal(file('20260616000000000000_idx.postgres.autocommit.up.sql').role, 'up');
  assert.equal(file('20260616000000000000_idx.postgres.autocommit.up.sql').wraps, false);
  assert.equal(file('20260616000000000000_idx.postgres.autocommit.down.sql').undoes, 'm/20260616000000000000_idx.postgres.autocommit.up.sql');
  assert.equal(file('20260617000000000000_col.postgres.up.sql').wraps, true);
});

test('sqitch: deploy scripts are forward steps, revert scripts rollbacks, verify scripts neither', () => {
  const plan = planMigrations(files({ 'deploy/users.sql': '', 'revert/users.sql': '', 'verify/users.sql': '' }));
  const set = plan.sets[0];
  assert.equal(set.convention, 'sqitch');
  assert.deepEqual(set.files.map((f) => [f.rel, f.role]), [['deploy/users.sql', 'up'], ['revert/users.sql', 'down'], ['verify/users.sql', 'verify']]);
  assert.equal(set.files[1].undoes, 'deploy/users.sql');
  assert.ok(set.warnings.some((w) => /no sqitch\.plan read/.test(w)));
});

test('Supabase, numbered files and Rails structure.sql', () => {
  assert.equal(planMigrations(files({ 'supabase/migrations/20240101000000_a.sql': '' })).sets[0].convention, 'supabase');
  const numbered = planMigrations(files({ 'sql/10_b.sql': '', 'sql/9_a.sql': '' }));
  assert.equal(numbered.sets[0].convention, 'numbered');
  assert.deepEqual(names(numbered.files), ['sql/9_a.sql', 'sql/10_b.sql']);
  const rails = planMigrations(files({ 'db/structure.sql': '' }));
  assert.equal(rails.sets[0].convention, 'rails-structure');
  assert.equal(rails.files[0].role, 'up');
});

test('versioned folders: v1.10 after v1.2; a schema.sql beside versioned/ is a second install path, not replayed', () => {
  const plan = planMigrations(files({
    'pg/temporal/schema.sql': '', 'pg/temporal/versioned/v1.10/c.sql': '', 'pg/temporal/versioned/v1.2/b.sql': '', 'pg/temporal/versioned/v1.0/schema.sql': '',
    'pg/visibility/schema.sql': '', 'pg/visibility/versioned/v1.0/schema.sql': '',
  }));
  assert.deepEqual(plan.sets.map((s) => [s.folder, s.convention]), [['pg/temporal/versioned', 'versioned-folders'], ['pg/visibility/versioned', 'versioned-folders']]);
  assert.deepEqual(names(plan.sets[0].files), ['pg/temporal/versioned/v1.0/schema.sql', 'pg/temporal/versioned/v1.2/b.sql', 'pg/temporal/versioned/v1.10/c.sql']);
  const alt = plan.files.filter((f) => f.role === 'install-alternative').map((f) => f.rel);
  assert.deepEqual(alt, ['pg/temporal/schema.sql', 'pg/visibility/schema.sql']);
  // alone, a schema file is the install path: replayed
  assert.equal(planMigrations(files({ 'schema.sql': '' })).files[0].role, 'plain');
});

test('flattened names (the corpus copies of lemmy, kratos, supabase-auth) are not a tool\'s: path order, as before', () => {
  const plan = planMigrations(files({
    'migrations_2019-02-26-002946_create_user_up.sql': '', 'migrations_2019-02-26-002946_create_user_down.sql': '',
    'oryx_migrations_20191100000001_identities.postgres.up.sql': '',
  }));
  assert.deepEqual(plan.sets, []);
  assert.deepEqual(plan.files.map((f) => [f.rel, f.role]), [
    ['migrations_2019-02-26-002946_create_user_up.sql', 'plain'],
    ['migrations_2019-02-26-002946_create_user_down.sql', 'down'],
    ['oryx_migrations_20191100000001_identities.postgres.up.sql', 'plain'],
  ]);
});

test('migrations.order "path" keeps path order and warns where the tool would run another file', () => {
  const plan = planMigrations(files({ 'm/100_x.up.sql': '', 'm/20_y.up.sql': '' }), { order: 'path' });
  assert.deepEqual(names(plan.files), ['m/100_x.up.sql', 'm/20_y.up.sql']);
  assert.match(plan.sets[0].warnings.join('\n'), /migrations\.order "path" replays m\/100_x\.up\.sql where golang-migrate runs m\/20_y\.up\.sql/);
});

test('a file the tool would not run, in its folder, is named in a warning', () => {
  const plan = planMigrations(files({ 'm/1_a.up.sql': '', 'm/2_b.up.sql': '', 'm/seed.sql': '' }));
  assert.match(plan.sets[0].warnings.join('\n'), /m\/seed\.sql is not named as a golang-migrate migration: the tool does not run it/);
  // golang-migrate skips names it cannot parse: not replayed
  assert.equal(plan.files.find((f) => f.rel === 'm/seed.sql')!.role, 'ignored');
});

test('dbmate sorts by file name as text; transaction:false still sends the up section as one query', () => {
  const plan = planMigrations(files({
    'db/migrations/20210101000000_b.sql': '-- migrate:up\nSELECT 1;\n', 'db/migrations/10000000000000_a.sql': '-- migrate:up transaction:false\nSELECT 1;\nSELECT 2;\n',
    'db/migrations/9_c.sql': '-- migrate:up\nSELECT 1;\n',
  }));
  assert.deepEqual(plan.files.map((f) => path.basename(f.rel)), ['10000000000000_a.sql', '20210101000000_b.sql', '9_c.sql']);
  assert.deepEqual(plan.files.map((f) => [f.wraps, f.oneQuery]), [[false, true], [true, false], [true, false]]);
});

test('postgrator: NNNN.do.x.sql forward, NNNN.undo.x.sql its rollback, each file one query', () => {
  const plan = planMigrations(files({ 'm/0002.do.b.sql': '', 'm/0001.undo.a.sql': '', 'm/0001.do.a.sql': '', 'm/0010.do.c.sql': '' }));
  const set = plan.sets[0];
  assert.equal(set.convention, 'postgrator');
  assert.deepEqual(set.files.map((f) => [path.basename(f.rel), f.role]), [['0001.do.a.sql', 'up'], ['0001.undo.a.sql', 'down'], ['0002.do.b.sql', 'up'], ['0010.do.c.sql', 'up']]);
  assert.equal(set.files[1].undoes, 'm/0001.do.a.sql');
  assert.ok(set.files.every((f) => f.oneQuery));
});

test('sqitch: nested change paths pair by name; name@tag.sql copies of reworked changes are not replayed; a lone deploy/ folder is not sqitch', () => {
  const plan = planMigrations(files({
    'schema/deploy/tables/user.sql': '', 'schema/deploy/tables/user@1.0.sql': '', 'schema/revert/tables/user.sql': '', 'schema/verify/tables/user.sql': '',
  }));
  const set = plan.sets[0];
  assert.equal(set.folder, 'schema');
  const role = (rel: string) => plan.files.find((f) => f.rel === rel)!;
  assert.equal(role('schema/deploy/tables/user@1.0.sql').role, 'reworked');
  assert.equal(role('schema/revert/tables/user.sql').undoes, 'schema/deploy/tables/user.sql');
  assert.ok(set.files.every((f) => !f.wraps), 'sqitch runs the script with psql and adds no transaction');
  assert.deepEqual(planMigrations(files({ 'deploy/setup.sql': '' })).sets, []);
});

test('sqitch.plan decides the order; an earlier instance of a reworked change is its name@tag copy; a script the plan does not name is not replayed', () => {
  const planText = '%syntax-version=1.0.0\n%project=x\n\nschemas/main 2021-10-21T16:10:32Z A <a@b> # schema\ntables/user [schemas/main] 2021-10-21T16:10:32Z A <a@b> # users\n@v1.0 2021-11-01T00:00:00Z A <a@b> # tag\n\ntables/user [tables/user@v1.0] 2021-12-01T00:00:00Z A <a@b> # rework\n';
  assert.deepEqual(sqitchOrder(planText), ['schemas/main', 'tables/user@v1.0', 'tables/user']);
  const plan = planMigrations(files({
    'db/deploy/tables/user.sql': '', 'db/deploy/tables/user@v1.0.sql': '', 'db/deploy/schemas/main.sql': '', 'db/deploy/zzz_unused.sql': '',
    'db/revert/tables/user.sql': '', 'db/verify/tables/user.sql': '', 'db/revert/schemas/main.sql': '',
  }), { sqitchPlans: new Map([['db', planText]]) });
  const set = plan.sets[0];
  assert.deepEqual(set.files.filter((f) => f.role === 'up').map((f) => f.rel), ['db/deploy/schemas/main.sql', 'db/deploy/tables/user@v1.0.sql', 'db/deploy/tables/user.sql']);
  assert.equal(set.files.find((f) => f.rel === 'db/deploy/zzz_unused.sql')!.role, 'ignored');
  assert.ok(!set.warnings.some((w) => /no sqitch\.plan/.test(w)));
});

test('dbe lint reads a sqitch project\'s sqitch.plan: deploy scripts replayed in its order, not path order', () => {
  const dir = path.join(TMP, 'sqitch');
  const write = (rel: string, text: string) => { fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true }); fs.writeFileSync(path.join(dir, rel), text); };
  // path order would run a_orders (which needs users) before z_users
  write('sqitch.plan', '%project=x\nz_users 2021-10-21T16:10:32Z A <a@b> # users\na_orders [z_users] 2021-10-21T16:10:32Z A <a@b> # orders\n');
  write('deploy/z_users.sql', 'BEGIN;\nCREATE TABLE users (id bigint PRIMARY KEY, name text);\nCOMMIT;\n');
  write('deploy/a_orders.sql', 'BEGIN;\nALTER TABLE users ALTER COLUMN name TYPE varchar(100);\nCOMMIT;\n');
  write('revert/z_users.sql', 'BEGIN;\nDROP TABLE users;\nCOMMIT;\n');
  write('revert/a_orders.sql', 'BEGIN;\nALTER TABLE users ALTER COLUMN name TYPE text;\nCOMMIT;\n');
  write('verify/z_users.sql', 'SELECT id FROM users WHERE false;\n');
  const r = spawnSync(process.execPath, [CLI, 'lint', dir, '--format', 'json', '--fail-on', 'none', '--no-cache', '--verbose'], { encoding: 'utf8', cwd: TMP, env: { ...process.env, DBE_CACHE_DIR: path.join(TMP, '.cache') } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /is sqitch .*replayed from deploy\/z_users\.sql to deploy\/a_orders\.sql/);
  const report = JSON.parse(r.stdout);
  const orders = report.files.find((f: any) => f.path.endsWith('deploy/a_orders.sql'));
  const type = orders.diagnostics.find((d: any) => d.rule === 'alter-column-type');
  assert.match(type.message, /from text to varchar\(100\)/i, 'users is known when a_orders runs');
});

test('a dump in a folder holding migrations (dbmate\'s db/schema.sql) is a second install path', () => {
  const plan = planMigrations(files({ 'db/schema.sql': '', 'db/migrations/20240101000000_a.sql': '-- migrate:up\nSELECT 1;\n' }));
  assert.equal(plan.files.find((f) => f.rel === 'db/schema.sql')!.role, 'install-alternative');
});

// ---- What the user sees

test('engine: golang-migrate files are judged in version order (20 before 100), not path order', () => {
  const p = project({
    'm/1_init.up.sql': 'CREATE TABLE t (id integer PRIMARY KEY, size integer);\n',
    'm/100_drop.up.sql': 'DROP TABLE t;\n',
    'm/20_widen.up.sql': 'ALTER TABLE t ALTER COLUMN size TYPE bigint;\n',
  });
  assert.deepEqual(p.order().map((f) => f.path), ['m/1_init.up.sql', 'm/20_widen.up.sql', 'm/100_drop.up.sql']);
  // in path order 100_drop ran first and the type change met an unknown table
  const [f] = findings(p, 'm/20_widen.up.sql', 'alter-column-type');
  assert.match(f.message, /from integer to bigint/i);
  assert.equal(p.schema().table(undefined, 't'), undefined, 'dropped last');
});

test('engine: a down file is judged against the schema right after its up migration, its locking findings as info', () => {
  const p = project({
    'm/1_init.up.sql': 'CREATE TABLE t (id bigint PRIMARY KEY);\nCREATE TABLE u (id bigint PRIMARY KEY);\n',
    // path order puts this rollback before the up it undoes ("2_a" < "2_z")
    'm/2_a_undo_counter.down.sql': 'ALTER TABLE t ALTER COLUMN counter TYPE integer;\n',
    'm/2_z_counter.up.sql': 'ALTER TABLE t ADD COLUMN counter bigint;\n',
  });
  const [f] = findings(p, 'm/2_a_undo_counter.down.sql', 'alter-column-type');
  assert.ok(f, 'judged');
  assert.match(f.message, /from bigint to integer/i, 'the column its up migration added is known');
  assert.equal(f.severity, 'info');
  assert.equal(p.schema().table(undefined, 't')!.columns.get('counter')!.type, 'int8', 'the rollback is not replayed');
  // once a later migration exists, 2_z has run somewhere: its rollback is history, only its syntax is checked
  p.setFile('m/3_more.up.sql', 'ALTER TABLE t DROP COLUMN counter;\n');
  assert.deepEqual(findings(p, 'm/2_a_undo_counter.down.sql'), []);
  p.setFile('m/2_a_undo_counter.down.sql', 'ALTER TABLE t ALTER COLUMN counter TYPE integer;\nALTER TABLE t ALTER COLUMN;\n');
  assert.deepEqual(findings(p, 'm/2_a_undo_counter.down.sql').map((x) => x.rule), ['syntax-error']);
});

test('engine: a goose Down section is a rollback: not replayed, not reported as a destructive forward step', () => {
  const p = project({
    'migrations/00001_users.sql': '-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n\n-- +goose Down\nDROP TABLE users;\n',
    'migrations/00002_email.sql': '-- +goose Up\nALTER TABLE users DROP COLUMN email;\n\n-- +goose Down\nALTER TABLE users ADD COLUMN email text;\n',
  });
  assert.ok(p.schema().table(undefined, 'users'), 'the Down section did not drop the table');
  assert.equal(p.schema().table(undefined, 'users')!.columns.has('email'), false);
  assert.deepEqual(findings(p, 'migrations/00001_users.sql', 'destructive-change'), []);
  // the Up section's drop is still a forward step
  assert.equal(findings(p, 'migrations/00002_email.sql', 'destructive-change').length, 1);
});

test('engine: CONCURRENTLY in a golang-migrate file of several statements fails (one query is one transaction); alone it is fine', () => {
  const p = project({
    'm/1_init.up.sql': 'CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);\n',
    'm/2_two.up.sql': 'CREATE INDEX CONCURRENTLY t_a ON t (a);\nCREATE INDEX CONCURRENTLY t_b ON t (b);\n',
    'm/3_one.up.sql': 'CREATE INDEX CONCURRENTLY t_ab ON t (a, b);\n',
  });
  const two = findings(p, 'm/2_two.up.sql', 'concurrently-in-transaction');
  assert.equal(two.length, 2);
  assert.match(two[0].message, /golang-migrate sends this file to PostgreSQL as one query/);
  assert.deepEqual(findings(p, 'm/3_one.up.sql', 'concurrently-in-transaction'), []);
});

test('engine: a goose file without NO TRANSACTION runs in a transaction', () => {
  const p = project({
    'migrations/00001_t.sql': '-- +goose Up\nCREATE TABLE t (id bigint PRIMARY KEY, a int);\n',
    'migrations/00002_i.sql': '-- +goose Up\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n',
    'migrations/00003_j.sql': '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY t_b ON t (a);\n',
  });
  const [f] = findings(p, 'migrations/00002_i.sql', 'concurrently-in-transaction');
  assert.match(f.message, /goose wraps each migration in one/);
  assert.deepEqual(findings(p, 'migrations/00003_j.sql', 'concurrently-in-transaction'), []);
});

test('engine: the tool\'s history table exists for the migrations (schema_migrations of golang-migrate)', () => {
  const p = project({ 'm/1_init.up.sql': 'CREATE TABLE t (id bigint PRIMARY KEY);\n', 'm/2_fix.up.sql': 'UPDATE schema_migrations SET dirty = false WHERE version = 1;\n' });
  assert.ok(p.schema().table(undefined, 'schema_migrations'));
  assert.ok(project({ 'x.sql': 'CREATE TABLE t (id int);' }).schema().table(undefined, 'schema_migrations') === undefined, 'not without the tool');
});

test('engine: a full schema beside versioned migrations is judged on its own, the versioned ones are replayed', () => {
  const p = project({
    'pg/schema.sql': 'CREATE TABLE executions (id bigint PRIMARY KEY, state int);\nCREATE INDEX executions_state ON executions (state);\nCREATE TABLE only_in_schema_sql (id int);\n',
    'pg/versioned/v1.0/schema.sql': 'CREATE TABLE executions (id bigint PRIMARY KEY);\n',
    'pg/versioned/v1.2/state.sql': 'ALTER TABLE executions ADD COLUMN state int;\n',
    'pg/versioned/v1.10/index.sql': 'CREATE INDEX executions_state ON executions (state);\n',
  });
  assert.equal(p.schema().table(undefined, 'only_in_schema_sql'), undefined);
  assert.ok(p.schema().table(undefined, 'executions')!.columns.has('state'));
  // the index in schema.sql is on a table that file creates: not a lock on a live table
  assert.deepEqual(findings(p, 'pg/schema.sql', 'create-index-non-concurrently'), []);
  assert.equal(findings(p, 'pg/versioned/v1.10/index.sql', 'create-index-non-concurrently').length, 1);
  const plan = p.migrationPlan();
  assert.deepEqual(plan.files.map((f) => f.role), ['up', 'up', 'up', 'install-alternative']); // files outside the sets come after them
});

test('config: migrations.order "tool" is the default; "path" and "natural" override; migrations.convention is checked', () => {
  assert.equal(defaultConfig().migrations.order, 'tool');
  assert.equal(mergeConfig(defaultConfig(), { migrations: { order: 'natural' } }, '.dbe.json').migrations.order, 'natural');
  assert.equal(mergeConfig(defaultConfig(), { migrations: { convention: 'goose' } }, '.dbe.json').migrations.convention, 'goose');
  assert.throws(() => mergeConfig(defaultConfig(), { migrations: { convention: 'liquibase' } }, '.dbe.json'), (e: Error) => e instanceof ConfigError && /"migrations.convention" must be one of/.test(e.message));
  assert.throws(() => mergeConfig(defaultConfig(), { migrations: { order: 'date' } }, '.dbe.json'), /"migrations.order" must be "tool", "path" or "natural"/);
});

test('config: migrations.order "path" replays in path order (the old behaviour), with the tool\'s roles kept', () => {
  const config = mergeConfig(defaultConfig(), { migrations: { order: 'path' } }, '.dbe.json');
  const p = project({ 'm/100_x.up.sql': 'SELECT 1;', 'm/20_y.up.sql': 'SELECT 1;' }, config);
  assert.deepEqual(p.order().map((f) => f.path), ['m/100_x.up.sql', 'm/20_y.up.sql']);
});

// ---- The command line

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-conventions-test-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

test('dbe lint --verbose names the tool, the order and the warnings on stderr; the JSON on stdout stays valid', () => {
  const dir = path.join(TMP, 'verbose');
  const write = (rel: string, text: string) => { fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true }); fs.writeFileSync(path.join(dir, rel), text); };
  write('migrations/1_init.up.sql', 'CREATE TABLE t (id bigint PRIMARY KEY);\n');
  write('migrations/1_init.down.sql', 'DROP TABLE t;\n');
  write('migrations/20_a.up.sql', 'ALTER TABLE t ADD COLUMN a int;\n');
  write('migrations/20_b.up.sql', 'ALTER TABLE t ADD COLUMN b int;\n');
  write('migrations/100_c.up.sql', 'ALTER TABLE t ADD COLUMN c int;\n');
  const r = spawnSync(process.execPath, [CLI, 'lint', dir, '--format', 'json', '--fail-on', 'none', '--no-cache', '--verbose'], {
    encoding: 'utf8', cwd: TMP, env: { ...process.env, DBE_CACHE_DIR: path.join(TMP, '.cache'), DBE_TIMING: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).files.length === 5);
  assert.match(r.stderr, /migrations\/ is golang-migrate \(5 files named as golang-migrate names them\): 4 up, 1 down; replayed from 1_init\.up\.sql to 100_c\.up\.sql/);
  assert.match(r.stderr, /warning: migrations\/20_a\.up\.sql and migrations\/20_b\.up\.sql have the same version 20/);
  // every file, in replay order, so the order itself can be checked
  const listed = [...r.stderr.matchAll(/migrations: +\d+\. (\S+) \((\w+)/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(listed, ['1_init.up.sql up', '1_init.down.sql down', '20_a.up.sql up', '20_b.up.sql up', '100_c.up.sql up']);
  const quiet = spawnSync(process.execPath, [CLI, 'lint', dir, '--format', 'json', '--fail-on', 'none', '--no-cache'], { encoding: 'utf8', cwd: TMP, env: { ...process.env, DBE_CACHE_DIR: path.join(TMP, '.cache') } });
  assert.doesNotMatch(quiet.stderr, /golang-migrate/, 'only with --verbose');
});

test('two databases in one repository (temporal): each versioned set has its own newest migration; no fix edits an older one', () => {
  const p = project({
    'schema/main/versioned/v1.0/base.sql': 'CREATE TABLE jobs (id bigint PRIMARY KEY, run_at timestamp NOT NULL);\n',
    'schema/main/versioned/v1.2/more.sql': 'ALTER TABLE jobs ADD COLUMN note text;\n',
    'schema/main/versioned/v1.10/newest.sql': 'ALTER TABLE jobs ADD COLUMN owner text;\n',
    'schema/visibility/versioned/v1.0/base.sql': 'CREATE TABLE runs (id bigint PRIMARY KEY, started timestamp NOT NULL);\n',
    'schema/visibility/versioned/v1.1/more.sql': 'ALTER TABLE runs ADD COLUMN state text;\n',
  });
  const all = [...p.analyze().entries()];
  const edited = new Set<string>();
  for (const [, list] of all) for (const f of list) for (const fix of f.fixes ?? []) for (const e of fix.edits) if (!e.create) edited.add(e.path);
  // only the newest migration of each set may be edited
  for (const path of edited) assert.ok(['schema/main/versioned/v1.10/newest.sql', 'schema/visibility/versioned/v1.1/more.sql'].includes(path), `a fix edits ${path}`);
  // missing-lock-timeout: the migration being written in each set, not the applied v1.2
  const lockFindings = all.flatMap(([file, list]) => list.filter((f) => f.rule === 'missing-lock-timeout').map(() => file)).sort();
  assert.deepEqual(lockFindings, ['schema/main/versioned/v1.10/newest.sql', 'schema/visibility/versioned/v1.1/more.sql']);
  // the type fix on an applied file is still offered, as a new migration, or not at all: never as an edit
  const ts = findings(p, 'schema/main/versioned/v1.0/base.sql', 'timestamp-without-time-zone');
  assert.equal(ts.length, 1);
  assert.ok((ts[0].fixes ?? []).every((fix) => fix.edits.every((e) => e.create || e.path !== 'schema/main/versioned/v1.0/base.sql')));
});

test('Prisma: a fix that writes a new migration writes <timestamp>_<name>/migration.sql, the file Prisma runs, and no down.sql', () => {
  const p = project({
    'prisma/migrations/20230404095503_init/migration.sql': 'CREATE TABLE "Doc" (id bigint PRIMARY KEY, "createdAt" timestamp NOT NULL);\n',
    'prisma/migrations/20230411134605_title/migration.sql': 'ALTER TABLE "Doc" ADD COLUMN title text;\n',
  });
  const ts = findings(p, 'prisma/migrations/20230404095503_init/migration.sql', 'timestamp-without-time-zone');
  assert.equal(ts.length, 1);
  const created = (ts[0].fixes ?? []).flatMap((f) => f.edits).filter((e) => e.create).map((e) => e.path);
  assert.ok(created.length >= 1, 'the fix writes a new migration');
  for (const path of created) assert.match(path, /^prisma\/migrations\/\d{14}_[a-z0-9_]+\/migration\.sql$/);
});

test('ory/pop: a new migration DB Engineer writes is X.postgres.up.sql (a bare X.up.sql runs on every database pop serves), with X.postgres.down.sql', () => {
  const p = project({
    'm/20200101000000000000_init.postgres.up.sql': 'CREATE TABLE tokens (id bigint PRIMARY KEY, expires_at timestamp NOT NULL);\n',
    'm/20200101000000000000_init.postgres.down.sql': 'DROP TABLE tokens;\n',
    'm/20200101000000000000_init.mysql.up.sql': 'CREATE TABLE tokens (id bigint PRIMARY KEY, expires_at datetime NOT NULL);\n',
    'm/20200102000000000000_more.postgres.up.sql': 'ALTER TABLE tokens ADD COLUMN note text;\n',
    'm/20200102000000000000_more.postgres.down.sql': 'ALTER TABLE tokens DROP COLUMN note;\n',
  });
  const ts = findings(p, 'm/20200101000000000000_init.postgres.up.sql', 'timestamp-without-time-zone');
  assert.equal(ts.length, 1);
  const created = (ts[0].fixes ?? []).flatMap((f) => f.edits).filter((e) => e.create).map((e) => e.path).sort();
  assert.equal(created.length, 2, JSON.stringify(created));
  assert.match(created[0], /^m\/\d{20}_[a-z0-9_]+\.postgres\.down\.sql$/);
  assert.match(created[1], /^m\/\d{20}_[a-z0-9_]+\.postgres\.up\.sql$/);
});

test('Diesel 2.2 names (2025-10-08-084508-0000_x) are Diesel migrations too, in version order after the older names', () => {
  const plan = planMigrations(files({
    'migrations/2025-10-08-084508-0000_b/up.sql': '', 'migrations/2025-10-08-084508-0000_b/down.sql': '',
    'migrations/2025-09-19-090047_a/up.sql': '', 'migrations/2025-09-19-090047_a/down.sql': '',
    'migrations/2025-11-05-181519-0000_c/up.sql': '',
  }));
  assert.equal(plan.sets.length, 1);
  assert.equal(plan.sets[0].convention, 'diesel');
  assert.deepEqual(plan.sets[0].files.filter((f) => f.role === 'up').map((f) => f.rel), [
    'migrations/2025-09-19-090047_a/up.sql', 'migrations/2025-10-08-084508-0000_b/up.sql', 'migrations/2025-11-05-181519-0000_c/up.sql',
  ]);
  assert.deepEqual(plan.sets[0].warnings, []);
});

test('Rails db/structure.sql is a dump of what ran: no fix edits it', () => {
  const p = project({
    'db/structure.sql': "SET search_path = '';\nCREATE TABLE public.posts (id integer NOT NULL, created_at timestamp without time zone NOT NULL, PRIMARY KEY (id));\n",
  });
  const all = [...p.analyze().values()].flat();
  assert.ok(all.some((f) => f.rule === 'timestamp-without-time-zone'), 'still reported');
  for (const f of all) for (const fix of f.fixes ?? []) for (const e of fix.edits) assert.ok(e.create || e.path !== 'db/structure.sql', `${f.rule}: ${fix.title}`);
});

test('goose: a new migration holding a DO block wraps it in StatementBegin/End (goose splits at every line ending with ;)', () => {
  const p = project({
    'migrations/00001_users.sql': '-- +goose Up\nCREATE TABLE users (id serial PRIMARY KEY, email text);\n\n-- +goose Down\nDROP TABLE users;\n',
    'migrations/00002_more.sql': '-- +goose Up\nALTER TABLE users ADD COLUMN name text;\n\n-- +goose Down\nALTER TABLE users DROP COLUMN name;\n',
  });
  const [f] = findings(p, 'migrations/00001_users.sql', 'int-primary-key');
  assert.ok(f, 'int-primary-key reported');
  const created = (f.fixes ?? []).flatMap((x) => x.edits).filter((e) => e.create);
  assert.equal(created.length, 1);
  const text = created[0].newText;
  // the serial's sequence is widened in a DO block (pg_get_serial_sequence)
  const begin = text.indexOf('-- +goose StatementBegin'), dollar = text.indexOf('$$'), end = text.indexOf('-- +goose StatementEnd');
  assert.ok(dollar >= 0, text);
  assert.ok(begin >= 0 && begin < dollar && dollar < end, text);
  assert.match(text, /^-- \+goose Up\n/);
  assert.match(text, /SET LOCAL lock_timeout/);
});

test('Supabase: a migration file is one batch (one implicit transaction): CONCURRENTLY beside other statements fails there', () => {
  const p = project({
    'supabase/migrations/20240101000000_init.sql': 'CREATE TABLE items (id bigint PRIMARY KEY, name text);\n',
    'supabase/migrations/20240102000000_idx.sql': 'ALTER TABLE items ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY items_name_idx ON items (name);\n',
  });
  assert.equal(findings(p, 'supabase/migrations/20240102000000_idx.sql', 'concurrently-in-transaction').length, 1);
});

test('sqitch: no fix creates a deploy script that sqitch.plan does not name (sqitch would never run it)', () => {
  const p = project({
    // numbered change names (as cas-cif's deploy/migrations/001_x.sql): they look like a numbered folder
    'deploy/m/001_users.sql': 'BEGIN;\nCREATE TABLE users (id bigint PRIMARY KEY, email text, created timestamp);\nCOMMIT;\n',
    'deploy/m/002_orders.sql': 'BEGIN;\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\nCOMMIT;\n',
    'revert/m/001_users.sql': 'DROP TABLE users;\n', 'revert/m/002_orders.sql': 'DROP TABLE orders;\n',
  });
  p.setSqitchPlan('', '%project=t\n\nm/001_users 2024-01-01T00:00:00Z A <a@b>\nm/002_orders 2024-01-02T00:00:00Z A <a@b>\n');
  const all = [...p.analyze().values()].flat();
  for (const f of all) for (const fix of f.fixes ?? []) for (const e of fix.edits) assert.ok(!e.create, `${f.rule}: ${fix.title} creates ${e.path}`);
  assert.ok(p.droppedFixes.some((d) => /sqitch\.plan/.test(d.reason)), JSON.stringify(p.droppedFixes));
});

test('files outside every migration set (lemmy replaceable_schema, a seed) replay after the migrations they build on', () => {
  const plan = planMigrations(files({
    'crates/db/replaceable_schema/triggers.sql': '', 'migrations/2019-02-26-002946_a/up.sql': '', 'migrations/2019-02-26-002946_a/down.sql': '',
    'migrations/2019-03-01-000000_b/up.sql': '',
  }));
  assert.deepEqual(names(plan.files), [
    'migrations/2019-02-26-002946_a/up.sql', 'migrations/2019-02-26-002946_a/down.sql', 'migrations/2019-03-01-000000_b/up.sql', 'crates/db/replaceable_schema/triggers.sql',
  ]);
});

test('pop: a migration that must run outside a transaction is .autocommit. only where the project uses popx autocommit files; elsewhere it is not written', () => {
  const base = {
    'm/20200101000000_init.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);\nCREATE INDEX users_email_id_idx ON users (email, id);\n',
    'm/20200101000000_init.down.sql': 'DROP TABLE users;\n',
    'm/20200102000000_more.postgres.up.sql': 'ALTER TABLE users ADD COLUMN note text;\n',
  };
  const creates = (p: Project) => [...p.analyze().values()].flat().filter((f) => f.rule === 'redundant-index')
    .flatMap((f) => f.fixes ?? []).flatMap((x) => x.edits).filter((e) => e.create).map((e) => e.path);
  // gobuffalo pop (supabase auth): no .autocommit files, so no CONCURRENTLY migration can be written
  const plain = project(base);
  assert.deepEqual(creates(plain), []);
  assert.ok(plain.droppedFixes.some((d) => /CONCURRENTLY fails/.test(d.reason)), JSON.stringify(plain.droppedFixes));
  // ory popx (kratos): the project already runs .autocommit migrations
  const popx = project({ ...base, 'm/20200101000001_idx.postgres.autocommit.up.sql': 'CREATE INDEX CONCURRENTLY users_note_idx ON users (note);\n' });
  const made = creates(popx);
  assert.ok(made.length >= 1 && made.every((x) => /\.postgres\.autocommit\.(up|down)\.sql$/.test(x)), JSON.stringify(made));
});

test('a set that only repeats migrations of a larger set (a vendored copy, kratos oryx/networkx) is replayed once, from the larger set', () => {
  const net = 'CREATE TABLE networks (id uuid PRIMARY KEY);\n';
  const p = project({
    'oryx/networkx/migrations/sql/20150100000001000000_networks.postgres.up.sql': net,
    'oryx/networkx/migrations/sql/20150100000001000000_networks.postgres.down.sql': 'DROP TABLE networks;\n',
    'persistence/sql/migrations/sql/20150100000001000000_networks.postgres.up.sql': net,
    'persistence/sql/migrations/sql/20150100000001000000_networks.postgres.down.sql': 'DROP TABLE networks;\n',
    'persistence/sql/migrations/sql/20200101000000000000_identities.postgres.up.sql': 'CREATE TABLE identities (id uuid PRIMARY KEY, nid uuid REFERENCES networks (id));\n',
  });
  const plan = p.migrationPlan();
  const replayed = plan.files.filter((f) => f.role === 'up').map((f) => f.rel);
  assert.deepEqual(replayed, ['persistence/sql/migrations/sql/20150100000001000000_networks.postgres.up.sql', 'persistence/sql/migrations/sql/20200101000000000000_identities.postgres.up.sql']);
  assert.ok(plan.sets.some((s) => s.warnings.some((w) => /a copy/.test(w))));
});

test('sqitch: an earlier instance of a reworked change is the copy named after the first tag after it whose script exists (not only the first tag)', () => {
  const plan = '%project=t\n\nusers 2024-01-01T00:00:00Z A <a@b>\n@v1 2024-01-02T00:00:00Z A <a@b>\n@v2 2024-01-03T00:00:00Z A <a@b>\nusers [users@v2] 2024-01-04T00:00:00Z A <a@b>\n';
  assert.deepEqual(sqitchOrder(plan, (c) => c === 'users@v2'), ['users@v2', 'users']);
  const p = project({
    'deploy/users@v2.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n',
    'deploy/users.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
    'revert/users@v2.sql': 'DROP TABLE users;\n', 'revert/users.sql': 'ALTER TABLE users DROP COLUMN email;\n',
  });
  p.setSqitchPlan('', plan);
  const ups = p.migrationPlan().files.filter((f) => f.role === 'up').map((f) => f.rel);
  assert.deepEqual(ups, ['deploy/users@v2.sql', 'deploy/users.sql']);
  assert.ok(p.schema().table(undefined, 'users')?.columns.has('email'));
});
