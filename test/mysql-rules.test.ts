// MySQL's own rules end to end, as a user runs them: `dbe lint --fix` on MySQL projects writes the
// fixes (checked by the MySQL front end, not PostgreSQL's parser), a new migration for an applied
// one, and a PostgreSQL project never gets a MySQL finding.
import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-mysql-rules-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

function dbe(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: TMP, encoding: 'utf8', env: { ...process.env, DBE_CACHE_DIR: path.join(TMP, '.cache'), DBE_TIMING: '' }, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let n = 0;
function project(files: Record<string, string>): string {
  const dir = path.join(TMP, `p${++n}`);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const rules = (r: { stdout: string }) => (JSON.parse(r.stdout).files as any[]).flatMap((f) => f.diagnostics.map((d: any) => d.rule as string));

describe('dbe lint --fix on MySQL projects', () => {
  test('a utf8 table in the migration being written is fixed in place to utf8mb4 with the twin collation', () => {
    const dir = project({
      '.dbe.json': '{ "dialect": "mysql" }',
      'migrations/001_users.sql': 'CREATE TABLE users (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n',
      'migrations/002_notes.sql': 'CREATE TABLE notes (\n  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  body TEXT NOT NULL\n) ENGINE=MyISAM DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;\n',
    });
    const r = dbe(['lint', dir, '--fix', '--format', 'json']);
    assert.match(r.stderr, /applied [1-9]\d* fix/);
    const text = fs.readFileSync(path.join(dir, 'migrations/002_notes.sql'), 'utf8');
    assert.match(text, /\) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;/);
    const again = rules(dbe(['lint', dir, '--format', 'json']));
    assert.ok(!again.includes('charset-utf8mb3') && !again.includes('non-innodb-engine'), again.join(', '));
  });

  test('a utf8 table of an applied migration gets a new migration with CONVERT TO, and no PostgreSQL lock_timeout', () => {
    const dir = project({
      '.dbe.json': '{ "dialect": "mysql" }',
      'migrations/001_users.sql': 'CREATE TABLE users (\n  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY\n) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_bin;\n',
      'migrations/002_email.sql': 'ALTER TABLE users ADD COLUMN email VARCHAR(191) NULL;\n',
    });
    const before = fs.readFileSync(path.join(dir, 'migrations/001_users.sql'), 'utf8');
    dbe(['lint', dir, '--fix', '--format', 'json']);
    assert.equal(fs.readFileSync(path.join(dir, 'migrations/001_users.sql'), 'utf8'), before, 'the applied migration is not edited');
    const added = fs.readdirSync(path.join(dir, 'migrations')).filter((f) => !['001_users.sql', '002_email.sql'].includes(f));
    assert.equal(added.length, 1, added.join(', '));
    const text = fs.readFileSync(path.join(dir, 'migrations', added[0]), 'utf8');
    assert.match(text, /^ALTER TABLE `users` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;$/m);
    assert.doesNotMatch(text, /lock_timeout/);
  });

  test('a PostgreSQL project never gets a MySQL rule (utf8, TIMESTAMP, PASSWORD())', () => {
    const dir = project({
      '001.sql': "CREATE TABLE t (id bigint PRIMARY KEY, at timestamp NOT NULL, name text COLLATE \"C\");\nSELECT password('x') FROM t GROUP BY id;\n",
    });
    const got = rules(dbe(['lint', dir, '--format', 'json']));
    for (const id of ['charset-utf8mb3', 'timestamp-2038', 'removed-in-mysql-8', 'non-innodb-engine', 'online-ddl-copy', 'non-transactional-ddl']) assert.ok(!got.includes(id), `${id} on a PostgreSQL file`);
  });
});
