// `dbe format`, run as users run it (`node dist/cli.js format ...`) on temporary projects.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-format-cli-'));

interface Run { code: number; stdout: string; stderr: string }
function dbe(args: string[], cwd: string): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, DBE_CACHE_DIR: path.join(TMP, '.cache'), DBE_TIMING: '' }, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
let n = 0;
function project(files: Record<string, string | Buffer>): string {
  const dir = path.join(TMP, `p${++n}`);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel), 'utf8');

before(() => {
  if (!fs.existsSync(CLI)) {
    const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, `build failed: ${b.stderr}`);
  }
});
after(() => { fs.rmSync(TMP, { recursive: true, force: true }); });

const MIGRATIONS = {
  'migrations/001_users.sql': 'create table users (id bigint primary key, email text);\n',
  'migrations/002_orders.sql': '-- orders\ncreate table orders (id bigint primary key, user_id bigint references users (id));\n',
  'queries/report.sql': 'select u.email, count(*) from users u join orders o on o.user_id = u.id group by u.email;\n\nselec broken;\n',
};

describe('dbe format', () => {
  test('without flags: lists what would change and writes nothing; --check exits 1', () => {
    const dir = project(MIGRATIONS);
    const before = read(dir, 'queries/report.sql');
    const r = dbe(['format', '.'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /queries\/report\.sql: would format 1 statement\n/);
    assert.match(r.stdout, /migrations\/002_orders\.sql: would format 1 statement\n/);
    assert.match(r.stderr, /queries\/report\.sql:3: statement left as written: it has a syntax error/);
    assert.equal(read(dir, 'queries/report.sql'), before);
    assert.equal(dbe(['format', '.', '--check'], dir).code, 1);
  });

  test('--write formats the query and the newest migration, never a migration that has already run; then --check passes', () => {
    const dir = project(MIGRATIONS);
    const r = dbe(['format', '.', '--write', '--keyword-case', 'upper'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(read(dir, 'queries/report.sql'), 'SELECT\n  u.email,\n  count(*)\nFROM\n  users u\n  JOIN orders o ON o.user_id = u.id\nGROUP BY\n  u.email;\n\nselec broken;\n');
    assert.equal(read(dir, 'migrations/002_orders.sql'), '-- orders\nCREATE TABLE orders (\n  id BIGINT PRIMARY KEY,\n  user_id BIGINT REFERENCES users (id)\n);\n');
    assert.equal(read(dir, 'migrations/001_users.sql'), MIGRATIONS['migrations/001_users.sql'], 'applied: byte for byte');
    assert.match(r.stderr, /migrations\/001_users\.sql: left as written: a migration that has already run/);
    const again = dbe(['format', '.', '--check', '--keyword-case', 'upper'], dir);
    assert.equal(again.code, 0, again.stdout);
    assert.match(again.stdout, /0 files would be formatted/);
  });

  test('.dbe.json "format" sets keyword case and indentation', () => {
    const dir = project({ '.dbe.json': JSON.stringify({ format: { keywordCase: 'lower', useTabs: true } }), 'q.sql': 'SELECT A FROM T;\n' });
    assert.equal(dbe(['format', 'q.sql', '--write'], dir).code, 0);
    assert.equal(read(dir, 'q.sql'), 'select\n\tA\nfrom\n\tT;\n');
  });

  test('a file that is not UTF-8 is not rewritten (one line, exit 2); a link leaving the project stops the write', () => {
    const dir = project({ 'latin1.sql': Buffer.from('select \'caf\xe9\' , 1;\n', 'latin1'), 'ok.sql': 'select 1 , 2;\n' });
    const before = fs.readFileSync(path.join(dir, 'latin1.sql'));
    const r = dbe(['format', '.', '--write'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /latin1\.sql: not formatted: it is not UTF-8/);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'latin1.sql')), before);

    const outside = project({ 'target.sql': 'select 1 , 2;\n' });
    const linked = project({ 'a.sql': 'select 3 , 4;\n' });
    fs.symlinkSync(path.join(outside, 'target.sql'), path.join(linked, 'b.sql'));
    const w = dbe(['format', '.', '--write'], linked);
    assert.equal(w.code, 2);
    assert.match(w.stderr, /nothing written .*b\.sql: it is a link that leads outside the project/);
    assert.equal(read(outside, 'target.sql'), 'select 1 , 2;\n');
    assert.equal(read(linked, 'a.sql'), 'select 3 , 4;\n', 'every file or none');
  });

  test('usage errors are one line, exit 2', () => {
    const dir = project({ 'a.sql': 'select 1;\n' });
    for (const args of [['format'], ['format', '.', '--keyword-case', 'loud'], ['format', '.', '--frobnicate']]) {
      const r = dbe(args, dir);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /^dbe: .+\n$/);
    }
  });
});
