// `dbe lint --fix` does no harm: a fix never corrupts a statement, never writes outside the project
// or through a link leaving it, never overwrites an edit made meanwhile, never rewrites a file that is
// not UTF-8 or read-only, writes all files or none, and never empties a migration or breaks its
// rollback. Each case reproduces a reported failure.
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectProjects } from '../server/src/cli/collect';
import { lintProject } from '../server/src/cli/lint-project';
import { finish } from '../server/src/cli/lint-command';
import { parseArgs } from '../server/src/cli/args';
import { fixProblem } from '../server/src/engine/fix-check';
import { sha256, writeAllOrNothing } from '../server/src/engine/safe-write';
import { initParser } from '../server/src/sql/parse';
import { lintText } from './helpers';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-fix-safety-'));

interface Run { code: number; stdout: string; stderr: string }
function dbe(args: string[], cwd: string): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, DBE_CACHE_DIR: path.join(TMP, '.cache'), DBE_TIMING: '' }, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let dirCount = 0;
function project(files: Record<string, string | Buffer>): string {
  const dir = path.join(TMP, `p${++dirCount}`);
  for (const [rel, text] of Object.entries(files)) {
    const f = path.join(dir, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
  }
  return dir;
}

function noStack(s: string): void { assert.doesNotMatch(s, /^\s+at /m, 'no stack trace on stderr'); }

const TABLE = 'CREATE TABLE mytab (id bigint PRIMARY KEY, foo text);\n';

before(async () => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm run build)');
  await initParser();
});

describe('select-star fix keeps the SQL valid', () => {
  test('TABLE x and SELECT * FROM (TABLE t) AS s(a) are left as written; a plain * is still expanded', () => {
    const dir = project({ 'q.sql': `${TABLE}TABLE mytab;\nSELECT * FROM (TABLE mytab) AS s(a);\nSELECT * FROM mytab;\n` });
    const r = dbe(['lint', '.', '--fix', '--format', 'json'], dir);
    noStack(r.stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'q.sql'), 'utf8'), `${TABLE}TABLE mytab;\nSELECT * FROM (TABLE mytab) AS s(a);\nSELECT id, foo FROM mytab;\n`);
    const diags = JSON.parse(r.stdout).files.flatMap((f: any) => f.diagnostics);
    assert.deepEqual(diags.filter((d: any) => d.rule === 'syntax-error'), []);
  });

  test('the editor is offered no fix for TABLE x, and every fix it is offered parses', () => {
    const { findings } = lintText(`${TABLE}TABLE mytab;\nSELECT * FROM (TABLE mytab) AS s(a);\nSELECT m.* FROM mytab m;\n`);
    const stars = findings.filter((f) => f.rule === 'select-star');
    assert.equal(stars.length, 3);
    assert.deepEqual(stars.slice(0, 2).map((f) => f.fixes ?? []), [[], []]);
    assert.equal(stars[2].fixes?.[0].edits[0].newText, 'm.id, m.foo');
  });

  test('a fix that would add a syntax error, or remove half of two statements, is dropped with a reason', () => {
    const { project: p } = lintText(`${TABLE}SELECT id FROM mytab;\n`);
    const file = (q: string) => p.getFile(q);
    const at = TABLE.length;
    assert.equal(fixProblem({ title: 'bad', edits: [{ path: '/virtual/test.sql', start: at, end: at + 1, newText: 'id, foo' }] }, file), 'it would add a syntax error');
    assert.equal(fixProblem({ title: 'cut', edits: [{ path: '/virtual/test.sql', start: 10, end: at + 6, newText: '' }] }, file), 'it would add a syntax error');
    assert.equal(fixProblem({ title: 'all', edits: [{ path: '/virtual/test.sql', start: 0, end: at + 21, newText: '' }] }, file), 'it would leave the file without any statement');
    assert.equal(fixProblem({ title: 'ok', edits: [{ path: '/virtual/test.sql', start: at + 7, end: at + 9, newText: 'foo' }] }, file), undefined);
  });
});

describe('--fix writes only inside the project', () => {
  test('a file linked to a file outside the project is not rewritten through the link', () => {
    const outside = path.join(TMP, `outside${++dirCount}`);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'q.sql'), 'SELECT * FROM mytab;\n');
    const dir = project({ '001.sql': TABLE });
    fs.symlinkSync(path.join(outside, 'q.sql'), path.join(dir, '002.sql'));
    const r = dbe(['lint', '.', '--fix'], dir);
    noStack(r.stderr);
    assert.equal(fs.readFileSync(path.join(outside, 'q.sql'), 'utf8'), 'SELECT * FROM mytab;\n');
    assert.ok(fs.lstatSync(path.join(dir, '002.sql')).isSymbolicLink(), 'the link is still a link');
    assert.match(r.stderr, /^dbe: 002\.sql: not rewritten: it is a link that leads outside the project/m);
  });

  test('a link to a file inside the project stays a link; its target is fixed', () => {
    const dir = project({ '001.sql': TABLE, 'real/q.sql': 'SELECT * FROM mytab;\n' });
    fs.symlinkSync(path.join(dir, 'real', 'q.sql'), path.join(dir, '002.sql'));
    const r = dbe(['lint', '002.sql', '001.sql', '--fix'], dir);
    noStack(r.stderr);
    assert.ok(fs.lstatSync(path.join(dir, '002.sql')).isSymbolicLink());
    assert.equal(fs.readFileSync(path.join(dir, 'real', 'q.sql'), 'utf8'), 'SELECT id, foo FROM mytab;\n');
  });
});

describe('--fix never loses a byte', () => {
  test('an edit made to a file while --fix runs is kept: no file is written, one line says why', () => {
    const dir = project({ '001.sql': TABLE, 'a.sql': 'SELECT * FROM mytab;\n', 'b.sql': 'SELECT * FROM mytab WHERE id = 1;\n' });
    const [spec] = collectProjects([dir], undefined, dir);
    const edited = 'SELECT * FROM mytab; -- my edit\n';
    const result = lintProject(spec, { fix: true, cwd: dir, cache: false, beforeWrite: () => fs.writeFileSync(path.join(dir, 'a.sql'), edited) });
    assert.equal(fs.readFileSync(path.join(dir, 'a.sql'), 'utf8'), edited);
    assert.equal(fs.readFileSync(path.join(dir, 'b.sql'), 'utf8'), 'SELECT * FROM mytab WHERE id = 1;\n', 'all or nothing');
    assert.equal(result.filesFixed, 0);
    assert.equal(result.fixesApplied, 0);
    assert.deepEqual(result.fixNotes, ['--fix wrote no file: a.sql changed on disk since it was read']);
    // a script running dbe lint --fix must be able to tell: exit 2, the note on stderr (found in review: it exited 0)
    const err: string[] = [];
    const cmd = parseArgs(['lint', dir, '--fix']);
    assert.equal(cmd.kind, 'lint');
    const code = finish((cmd as Extract<typeof cmd, { kind: 'lint' }>).options, { out: () => undefined, err: (t) => err.push(t), cwd: dir }, [result], result.files);
    assert.equal(code, 2);
    assert.match(err.join(''), /dbe: --fix wrote no file: a\.sql changed on disk since it was read\n/);
  });

  test('a Latin-1 file keeps its bytes: "not rewritten: not UTF-8"', () => {
    const latin1 = Buffer.concat([Buffer.from("SELECT * FROM mytab WHERE foo = 'caf"), Buffer.from([0xe9]), Buffer.from("';\n")]);
    const dir = project({ '001.sql': TABLE, 'q.sql': latin1 });
    const r = dbe(['lint', '.', '--fix'], dir);
    noStack(r.stderr);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'q.sql')), latin1);
    assert.match(r.stderr, /^dbe: q\.sql: not rewritten: not UTF-8 \(1 fix not applied\)$/m);
  });

  test('a read-only file is not rewritten (the others are, completely) and keeps its mode', () => {
    const dir = project({ '001.sql': TABLE, 'a.sql': 'SELECT * FROM mytab;\n', 'b.sql': 'SELECT * FROM mytab WHERE id = 1;\n' });
    fs.chmodSync(path.join(dir, 'a.sql'), 0o640);
    fs.chmodSync(path.join(dir, 'b.sql'), 0o444);
    const r = dbe(['lint', '.', '--fix'], dir);
    noStack(r.stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'b.sql'), 'utf8'), 'SELECT * FROM mytab WHERE id = 1;\n');
    assert.equal(fs.statSync(path.join(dir, 'b.sql')).mode & 0o777, 0o444);
    assert.equal(fs.readFileSync(path.join(dir, 'a.sql'), 'utf8'), 'SELECT id, foo FROM mytab;\n');
    assert.equal(fs.statSync(path.join(dir, 'a.sql')).mode & 0o777, 0o640, 'the mode is kept');
    assert.match(r.stderr, /^dbe: b\.sql: not rewritten: it is read-only \(1 fix not applied\)$/m);
    assert.match(r.stderr, /^dbe: applied 1 fix in 1 file$/m);
  });

  test('when the second file cannot be replaced, the first is put back: all or nothing', () => {
    const dir = project({ 'a.sql': 'SELECT 1;\n', 'sub/b.sql': 'SELECT 2;\n' });
    const a = path.join(dir, 'a.sql'), b = path.join(dir, 'sub', 'b.sql');
    const hash = (f: string) => sha256(fs.readFileSync(f));
    const out = writeAllOrNothing(
      [{ path: a, text: 'SELECT 10;\n', hash: hash(a) }, { path: b, text: 'SELECT 20;\n', hash: hash(b) }, { path: path.join(dir, 'new', 'c.sql'), text: 'SELECT 3;\n', create: true }],
      [dir], (p) => path.relative(dir, p),
      // the worst moment: b's temporary file vanishes (a full disk, another process) before the renames
      () => { for (const n of fs.readdirSync(path.join(dir, 'sub'))) if (n.endsWith('.tmp')) fs.rmSync(path.join(dir, 'sub', n)); },
    );
    assert.equal(out.ok, false);
    assert.match((out as { message: string }).message, /^cannot write sub\/b\.sql: ENOENT$/);
    assert.equal(fs.readFileSync(a, 'utf8'), 'SELECT 1;\n');
    assert.equal(fs.readFileSync(b, 'utf8'), 'SELECT 2;\n');
    assert.equal(fs.existsSync(path.join(dir, 'new')), false, 'no folder or file left behind');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['a.sql', 'sub']);
  });
});

describe('redundant-index never empties a migration or breaks its rollback', () => {
  const init = 'CREATE TABLE sessions (id bigint PRIMARY KEY, token text NOT NULL);\nCREATE UNIQUE INDEX sessions_token_uq_idx ON sessions (token);\n';
  const dup = 'CREATE INDEX CONCURRENTLY sessions_token_idx ON sessions (token);\n';
  const down = 'DROP INDEX sessions_token_idx;\n';

  test('kratos-like migrations (up/down pairs): the up keeps its only statement, the down still matches', () => {
    const files = {
      'persistence_sql_migrations_sql_20200812124254000000_init.postgres.up.sql': init,
      'persistence_sql_migrations_sql_20200812124254000000_init.postgres.down.sql': 'DROP TABLE sessions;\n',
      'persistence_sql_migrations_sql_20200812124254000004_add_session_token.postgres.up.sql': dup,
      'persistence_sql_migrations_sql_20200812124254000004_add_session_token.postgres.down.sql': down,
    };
    const dir = project(files);
    const r = dbe(['lint', '.', '--fix', '--format', 'json'], dir);
    noStack(r.stderr);
    for (const [name, text] of Object.entries(files)) assert.equal(fs.readFileSync(path.join(dir, name), 'utf8'), text, name);
    const found = JSON.parse(r.stdout).files.flatMap((f: any) => f.diagnostics).filter((d: any) => d.rule === 'redundant-index');
    assert.equal(found.length, 1, 'still reported');
  });

  test('golang-migrate: a new migration drops the index, its rollback recreates it; applied files are untouched', () => {
    const files = {
      'migrations/000001_init.up.sql': init,
      'migrations/000001_init.down.sql': 'DROP TABLE sessions;\n',
      'migrations/000002_token.up.sql': dup,
      'migrations/000002_token.down.sql': down,
    };
    const dir = project(files);
    const r = dbe(['lint', '.', '--fix', '--format', 'json'], dir);
    noStack(r.stderr);
    for (const [name, text] of Object.entries(files)) assert.equal(fs.readFileSync(path.join(dir, name), 'utf8'), text, name);
    const made = fs.readdirSync(path.join(dir, 'migrations')).filter((n) => n.startsWith('000003_')).sort();
    assert.deepEqual(made, ['000003_drop_sessions_token_idx.down.sql', '000003_drop_sessions_token_idx.up.sql']);
    assert.match(fs.readFileSync(path.join(dir, 'migrations', made[1]), 'utf8'), /^DROP INDEX CONCURRENTLY IF EXISTS sessions_token_idx;$/m);
    assert.match(fs.readFileSync(path.join(dir, 'migrations', made[0]), 'utf8'), /^CREATE INDEX CONCURRENTLY IF NOT EXISTS sessions_token_idx ON sessions \(token\);$/m);
    const after = JSON.parse(dbe(['lint', '.', '--format', 'json'], dir).stdout).files.flatMap((f: any) => f.diagnostics);
    assert.deepEqual(after.filter((d: any) => d.rule === 'redundant-index' || d.rule === 'syntax-error').map((d: any) => d.message), []);
  });

  test('one schema file: the duplicate CREATE INDEX is deleted, but never a file\'s only statement', () => {
    const dir = project({ 'schema.sql': init + dup });
    dbe(['lint', '.', '--fix'], dir);
    assert.equal(fs.readFileSync(path.join(dir, 'schema.sql'), 'utf8'), init);
    const alone = project({ 'a.sql': init, 'b.sql': dup });
    dbe(['lint', 'b.sql', 'a.sql', '--fix'], alone);
    assert.notEqual(fs.readFileSync(path.join(alone, 'b.sql'), 'utf8').trim(), '', 'b.sql is not emptied');
  });
});
