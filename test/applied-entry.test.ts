// Migrations that have already run are never formatted nor fix-edited, whatever the entry point: a
// file path given alone (`dbe format migrations/001.sql`), a link into the migrations, a Prisma
// migration.sql or a Flyway repeatable migration (decision 0024, "Applied migrations, whatever the
// entry point"). Run as users run it: `node dist/cli.js` on copies of examples/shop.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeAction } from 'vscode-languageserver-protocol';
import { fileUri, LspClient } from './lspClient';

const ROOT = path.resolve(__dirname, '..');
// DBE_CLI: another build (to show a test fails on the build before a fix)
const CLI = process.env.DBE_CLI ? path.resolve(process.env.DBE_CLI) : path.join(ROOT, 'dist', 'cli.js');
const SHOP = path.join(ROOT, 'examples', 'shop');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-applied-entry-'));

interface Run { code: number; stdout: string; stderr: string }
function dbe(args: string[], cwd: string): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, DBE_CACHE_DIR: path.join(TMP, '.cache'), DBE_TIMING: '' }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
let n = 0;
function shopCopy(): string {
  const dir = path.join(TMP, `shop${++n}`);
  fs.cpSync(SHOP, dir, { recursive: true });
  return dir;
}
function project(files: Record<string, string>): string {
  const dir = path.join(TMP, `p${++n}`);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
/** Every file under dir, with its bytes. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.isSymbolicLink()) out.set(path.relative(dir, p), fs.readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  return out;
}
const shopFile = (rel: string) => fs.readFileSync(path.join(SHOP, rel), 'utf8');

before(() => {
  if (!fs.existsSync(CLI)) {
    const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, `build failed: ${b.stderr}`);
  }
});
after(() => { fs.rmSync(TMP, { recursive: true, force: true }); });

const APPLIED = ['migrations/001_create_users.sql', 'migrations/002_create_orders.sql', 'migrations/003_order_changes.sql'];

describe('a file path given alone is judged with its migration set', () => {
  test('dbe format migrations/001_create_users.sql --write leaves the applied migration as written', () => {
    const dir = shopCopy();
    const r = dbe(['format', 'migrations/001_create_users.sql', '--write'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /001_create_users\.sql: \d+ statements? formatted/);
    assert.match(r.stderr, /migrations\/001_create_users\.sql: left as written: a migration that has already run/);
    assert.match(r.stdout, /0 files formatted/);
    assert.equal(fs.readFileSync(path.join(dir, APPLIED[0]), 'utf8'), shopFile(APPLIED[0]));
  });

  test('dbe format 001 002 from inside migrations/: 002 is not the newest (004 is), both left as written; 004 alone is formatted', () => {
    const dir = shopCopy();
    const cwd = path.join(dir, 'migrations');
    const r = dbe(['format', '001_create_users.sql', '002_create_orders.sql'], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^002_create_orders\.sql: left as written: a migration that has already run$/m);
    assert.match(r.stdout, /0 files would be formatted \(0 statements\), 0 files already formatted; 2 files left as written/);
    const newest = dbe(['format', '004_catalog_and_events.sql'], cwd);
    assert.match(newest.stdout, /004_catalog_and_events\.sql: would format 5 statements/);
  });

  test('dbe lint --fix migrations/001_create_users.sql never edits 001 (fixes go to new migrations)', () => {
    const dir = shopCopy();
    const r = dbe(['lint', '--fix', 'migrations/001_create_users.sql'], dir);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    for (const rel of [...APPLIED, 'migrations/004_catalog_and_events.sql', 'queries/reports.sql']) {
      assert.equal(fs.readFileSync(path.join(dir, rel), 'utf8'), shopFile(rel), `${rel} changed`);
    }
    // the fixes it applied are new migrations named after the newest one of the whole set (004)
    const added = fs.readdirSync(path.join(dir, 'migrations')).filter((f) => !fs.existsSync(path.join(SHOP, 'migrations', f)));
    assert.ok(added.length > 0 && added.every((f) => /^0(0[5-9]|1\d)_/.test(f)), added.join(', '));
  });

  test('dbe lint of one migration: reported against the whole set (its findings only)', () => {
    const dir = shopCopy();
    const r = dbe(['lint', '--format', 'json', 'migrations/004_catalog_and_events.sql'], dir);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.files.map((f: { path: string }) => f.path), ['migrations/004_catalog_and_events.sql']);
    // user_events.user_id (bigint, in 004) references users.id (serial, in 001): seen only with the whole set
    const rules = report.files[0].diagnostics.map((d: { rule: string }) => d.rule);
    assert.ok(rules.includes('fk-type-mismatch'), rules.join(', '));
  });

  test('a file whose migration folder cannot be listed and that looks like a migration is left as written', { skip: process.getuid?.() === 0 ? 'root can list any folder' : false }, () => {
    const dir = project({ 'db/migrations/001_a.sql': 'create table a (id int);\n' });
    const folder = path.join(dir, 'db', 'migrations');
    fs.chmodSync(folder, 0o300); // write and search, no read: the file can be opened, the folder not listed
    try {
      const r = dbe(['format', 'db/migrations/001_a.sql', '--write'], dir);
      assert.match(r.stderr, /001_a\.sql: left as written: its migration set cannot be read/);
    } finally { fs.chmodSync(folder, 0o755); }
    assert.equal(fs.readFileSync(path.join(folder, '001_a.sql'), 'utf8'), 'create table a (id int);\n');
  });
});

describe('a link into the migrations is the migration it leads to', () => {
  function shopWithLink(): string {
    const dir = shopCopy();
    fs.symlinkSync('../migrations/001_create_users.sql', path.join(dir, 'queries', 'users_schema.sql'));
    return dir;
  }

  test('dbe format --write does not write through queries/users_schema.sql into 001', () => {
    const dir = shopWithLink();
    const r = dbe(['format', '.', '--write'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /users_schema\.sql/);
    assert.match(r.stderr, /queries\/users_schema\.sql: left as written: it is a link to migrations\/001_create_users\.sql, a migration that has already run/);
    for (const rel of APPLIED) assert.equal(fs.readFileSync(path.join(dir, rel), 'utf8'), shopFile(rel), `${rel} changed`);
  });

  test('a link to a file that is formatted is written once, under the file\'s own name', () => {
    const dir = shopCopy();
    fs.symlinkSync('reports.sql', path.join(dir, 'queries', 'reports_link.sql'));
    const r = dbe(['format', '.', '--write'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /queries\/reports\.sql: 8 statements formatted/);
    assert.doesNotMatch(r.stdout, /reports_link\.sql: .*formatted/);
    assert.ok(fs.lstatSync(path.join(dir, 'queries', 'reports_link.sql')).isSymbolicLink());
  });

  test('dbe lint --fix does not edit 001 through the link, and makes the same migrations as without it', () => {
    const plain = shopCopy();
    dbe(['lint', '--fix', '.'], plain);
    const dir = shopWithLink();
    const r = dbe(['lint', '--fix', '.'], dir);
    assert.match(r.stderr, /queries\/users_schema\.sql: not fixed: it is a link to migrations\/001_create_users\.sql/);
    for (const rel of APPLIED) assert.equal(fs.readFileSync(path.join(dir, rel), 'utf8'), shopFile(rel), `${rel} changed`);
    assert.deepEqual([...snapshot(dir).keys()].sort(), [...snapshot(plain).keys()].sort());
  });
});

describe('tools whose migrations never change once written', () => {
  const PRISMA = {
    'prisma/schema.prisma': 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n',
    'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
    'prisma/migrations/20240101000000_init/migration.sql': 'create table users (id serial primary key, email text);\n',
    'prisma/migrations/20240201000000_orders/migration.sql': 'create table orders (id serial primary key, user_id int references users (id), created timestamp);\n',
  };

  test('Prisma: no migration.sql is formatted, the newest included', () => {
    const dir = project(PRISMA);
    const before = snapshot(dir);
    const r = dbe(['format', '.', '--write'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /20240201000000_orders\/migration\.sql: left as written: a Prisma migration/);
    assert.deepEqual(snapshot(dir), before);
    // given alone, too
    const one = dbe(['format', 'prisma/migrations/20240201000000_orders/migration.sql', '--write'], dir);
    assert.match(one.stderr, /left as written: a Prisma migration/);
    assert.deepEqual(snapshot(dir), before);
  });

  test('Prisma: dbe lint --fix edits no migration.sql (fixes that would are not applied)', () => {
    const dir = project(PRISMA);
    const before = snapshot(dir);
    dbe(['lint', '--fix', '.'], dir);
    for (const [rel, text] of before) assert.equal(fs.readFileSync(path.join(dir, rel), 'latin1'), text, `${rel} changed`);
  });

  const FLYWAY = {
    'db/migration/V1__users.sql': 'create table users (id bigint primary key, email text);\n',
    'db/migration/V2__orders.sql': 'create table orders (id bigint primary key, user_id bigint references users (id));\n',
    'db/migration/R__seed.sql': 'insert into users (id, email) values (1, \'admin@example.com\');\nselect * from orders where user_id = 1;\n',
  };

  test('Flyway: a repeatable migration (R__) is not formatted, and the message says why', () => {
    const dir = project(FLYWAY);
    const seed = fs.readFileSync(path.join(dir, 'db/migration/R__seed.sql'), 'utf8');
    const r = dbe(['format', '.', '--write'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /R__seed\.sql: left as written: a Flyway repeatable migration: .*checksum.*runs it again/);
    assert.equal(fs.readFileSync(path.join(dir, 'db/migration/R__seed.sql'), 'utf8'), seed);
  });

  test('Flyway: dbe lint --fix does not edit a repeatable migration', () => {
    const dir = project(FLYWAY);
    const seed = fs.readFileSync(path.join(dir, 'db/migration/R__seed.sql'), 'utf8');
    dbe(['lint', '--fix', '.'], dir);
    assert.equal(fs.readFileSync(path.join(dir, 'db/migration/R__seed.sql'), 'utf8'), seed);
  });
});

describe('the language server: a file opened from outside the workspace folder is judged by its own migration set', () => {
  const clients: LspClient[] = [];
  after(async () => { for (const c of clients) await c.stop(); });
  async function serverOn(folder: string, createFiles = false): Promise<LspClient> {
    const c = await LspClient.start({ folder, createFiles });
    clients.push(c);
    await c.waitForStatus((s) => s.state === 'ready', 120_000);
    return c;
  }
  const OPTIONS = { tabSize: 2, insertSpaces: true };
  /** Every URI a code action's workspace edit changes (files it creates excluded). */
  function editedUris(actions: CodeAction[]): string[] {
    const out: string[] = [];
    for (const a of actions) {
      out.push(...Object.keys(a.edit?.changes ?? {}));
      for (const d of a.edit?.documentChanges ?? []) if ('textDocument' in d) out.push(d.textDocument.uri);
    }
    return out;
  }

  test('an applied migration of examples/shop opened with an empty workspace folder: no formatting edits, no fix that edits it', async () => {
    const dir = shopCopy();
    const empty = fs.mkdtempSync(path.join(TMP, 'empty-'));
    const c = await serverOn(empty, true);
    const file = path.join(dir, APPLIED[0]);
    const uri = fileUri(file);
    const published = await c.open(uri, fs.readFileSync(file, 'utf8'));
    const edits = await c.conn.sendRequest('textDocument/formatting', { textDocument: { uri }, options: OPTIONS }) as unknown[] | null;
    assert.deepEqual(edits ?? [], []);
    assert.ok(c.messages.some((m) => /does not format .*001_create_users\.sql, a migration that has already run/.test(m.message)), JSON.stringify(c.messages));
    const withFixes = published.diagnostics.filter((d) => ((d.data as { fixes?: unknown[] } | undefined)?.fixes ?? []).length > 0);
    assert.ok(withFixes.length > 0, 'the file has findings with fixes (the test would prove nothing otherwise)');
    const end = { line: fs.readFileSync(file, 'utf8').split('\n').length, character: 0 };
    const actions = await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end }, context: { diagnostics: withFixes, only: ['quickfix'] } }) as CodeAction[];
    const fixActions = actions.filter((a) => !/^(Ignore|Show documentation|Ask DB Engineer)/.test(a.title));
    assert.deepEqual(editedUris(fixActions).filter((u) => u === uri), [], JSON.stringify(fixActions.map((a) => a.title)));
  });

  test('in the workspace: the newest Prisma migration.sql and a Flyway R__ file get no formatting edits, with the reason', async () => {
    const dir = project({
      'prisma/migrations/20240101000000_init/migration.sql': 'create table users (id bigint primary key, email text);\n',
      'prisma/migrations/20240201000000_orders/migration.sql': 'create table orders (id bigint primary key, user_id bigint references users (id));\n',
      'flyway/V1__users.sql': 'create table accounts (id bigint primary key);\n',
      'flyway/R__seed.sql': 'insert into accounts (id) values (1);\n',
    });
    const c = await serverOn(dir);
    for (const [rel, why] of [['prisma/migrations/20240201000000_orders/migration.sql', /a Prisma migration/], ['flyway/R__seed.sql', /a Flyway repeatable migration/]] as const) {
      const file = path.join(dir, rel);
      const uri = fileUri(file);
      await c.open(uri, fs.readFileSync(file, 'utf8'));
      const edits = await c.conn.sendRequest('textDocument/formatting', { textDocument: { uri }, options: OPTIONS }) as unknown[] | null;
      assert.deepEqual(edits ?? [], [], rel);
      assert.ok(c.messages.some((m) => m.message.includes(path.basename(rel)) && why.test(m.message)), JSON.stringify(c.messages));
    }
  });

  test('the newest migration (004) opened from outside is still formatted', async () => {
    const dir = shopCopy();
    const empty = fs.mkdtempSync(path.join(TMP, 'empty-'));
    const c = await serverOn(empty);
    const file = path.join(dir, 'migrations', '004_catalog_and_events.sql');
    const uri = fileUri(file);
    await c.open(uri, fs.readFileSync(file, 'utf8'));
    const edits = await c.conn.sendRequest('textDocument/formatting', { textDocument: { uri }, options: OPTIONS }) as unknown[] | null;
    assert.ok((edits ?? []).length > 0);
  });
});
