// Bad input never stops or hangs a run (decision 0013): files that are not regular files or cannot
// be read, globs that would backtrack for ever, byte order marks, unclosed comments, invalid UTF-8,
// and control characters in what the CLI prints. The CLI runs as users run it (node dist/cli.js)
// in a child process with a timeout: a hang fails the test instead of stopping the suite.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KNOWN_RULE_IDS } from '../server/src/rules';
import { matchesAny } from '../server/src/config';
import { docsUrl } from '../server/src/lsp/convert';
import { StandIn, streamAnswer } from './anthropic-standin';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-input-test-'));
// Not a speed limit: a run that has not finished by then is hung (the cases here take well under a second).
const HANG = 20_000;
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
// As root, permissions do not stop reading: the permission cases run the CLI as "nobody" instead.
const NOBODY = 65534;
const NOBODY_CLI = path.join(TMP, 'dist', 'cli.js');

interface Run { code: number | null; stdout: string; stderr: string; hung: boolean }

function dbe(args: string[], opts: { cwd?: string; asNobody?: boolean } = {}): Run {
  const o: SpawnSyncOptions = {
    cwd: opts.cwd ?? TMP,
    encoding: 'utf8',
    env: { ...process.env, DBE_CACHE_DIR: path.join(TMP, '.cache'), DBE_TIMING: '', DBE_DEBUG: '' },
    timeout: HANG,
    killSignal: 'SIGKILL',
  };
  const asNobody = !!opts.asNobody && IS_ROOT;
  if (asNobody) { o.uid = NOBODY; o.gid = NOBODY; }
  // "nobody" may not be able to reach the checkout (a clone in a private folder): it runs a copy of the bundle in TMP
  const r = spawnSync(process.execPath, [asNobody ? NOBODY_CLI : CLI, ...args], o);
  const hung = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' || r.signal === 'SIGKILL';
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), hung };
}

let dirCount = 0;
function project(files: Record<string, string | Buffer>): string {
  const dir = path.join(TMP, `p${++dirCount}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    const f = path.join(dir, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
  }
  return dir;
}

function finished(r: Run): void {
  assert.ok(!r.hung, `dbe did not finish within ${HANG / 1000} s (hung)\nstdout: ${r.stdout.slice(0, 300)}\nstderr: ${r.stderr.slice(0, 300)}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace on stderr');
}

function json(r: Run): any {
  finished(r);
  try { return JSON.parse(r.stdout); } catch { assert.fail(`not JSON (exit ${r.code}): ${r.stdout.slice(0, 300)}\n${r.stderr}`); }
}

/** file name (relative) -> "rule: message" lines, from `dbe lint --format json` run in `dir`. */
function findings(report: any): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of report.files) out.set(f.path.split(path.sep).join('/'), f.diagnostics.map((d: any) => `${d.rule}: ${d.message}`));
  return out;
}

function mkfifo(p: string): boolean {
  const r = spawnSync('mkfifo', [p]);
  return r.status === 0;
}

const EQ_NULL = 'SELECT id FROM users WHERE deleted_at = NULL;\n';

before(() => {
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, `build failed: ${b.stderr}`);
  // "nobody" must be able to reach the projects (mkdtemp makes the directory private)
  fs.chmodSync(TMP, 0o755);
  fs.mkdirSync(path.join(TMP, '.cache'), { mode: 0o777 });
  fs.chmodSync(path.join(TMP, '.cache'), 0o777);
  // the bundle and its WebAssembly, readable by "nobody" (the checkout itself may sit in a private folder)
  fs.mkdirSync(path.join(TMP, 'dist'), { mode: 0o755 });
  for (const f of fs.readdirSync(path.join(ROOT, 'dist'))) {
    if (f.endsWith('.map')) continue;
    fs.copyFileSync(path.join(ROOT, 'dist', f), path.join(TMP, 'dist', f));
    fs.chmodSync(path.join(TMP, 'dist', f), 0o644);
  }
});
after(() => { fs.rmSync(TMP, { recursive: true, force: true }); });

describe('files that are not regular files or cannot be read', () => {
  test('a FIFO behind a symbolic link is never opened: dbe lint finishes, reports it, and lints the rest', (t) => {
    const dir = project({ 'good.sql': EQ_NULL });
    if (!mkfifo(path.join(dir, 'pipe')) || !mkfifo(path.join(dir, 'direct.sql'))) return t.skip('mkfifo is not available here');
    fs.symlinkSync('pipe', path.join(dir, 'link.sql'));
    const r = dbe(['lint', '.', '--format', 'json', '--no-cache'], { cwd: dir });
    const by = findings(json(r));
    assert.equal(r.code, 1, r.stderr);
    assert.ok(by.get('good.sql')?.some((m) => m.startsWith('equals-null')), 'the regular file is still linted');
    assert.match(by.get('link.sql')?.join() ?? '', /^file-too-large: File not analysed: it is a named pipe \(FIFO\), not a regular file/);
    assert.match(by.get('direct.sql')?.join() ?? '', /named pipe/);
  });

  test('dbe explain, whose project is the working directory, does not hang on a FIFO behind a link', (t) => {
    const dir = project({ 'q.sql': 'SELECT 1;\n' });
    if (!mkfifo(path.join(dir, 'pipe'))) return t.skip('mkfifo is not available here');
    fs.symlinkSync('pipe', path.join(dir, 'zz.sql'));
    const r = dbe(['explain', 'q.sql', '--line', '9'], { cwd: dir });
    finished(r);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^dbe: q\.sql has 2 lines; there is no line 9\n$/);
  });

  test('a .dbe.json that is a FIFO (behind a link) is a clear configuration error, not a hang', (t) => {
    const dir = project({ 'q.sql': 'SELECT 1;\n' });
    if (!mkfifo(path.join(dir, 'pipe'))) return t.skip('mkfifo is not available here');
    fs.symlinkSync('pipe', path.join(dir, '.dbe.json'));
    const r = dbe(['lint', '.'], { cwd: dir });
    finished(r);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^dbe: cannot read .*\.dbe\.json: it is a named pipe \(FIFO\), not a regular file\n$/);
  });

  test('a dangling link, a link loop and a link to a directory named x.sql do not stop the project', () => {
    const dir = project({ 'a_good.sql': EQ_NULL, 'real/inner.sql': 'SELECT 1;\n' });
    fs.symlinkSync('missing.sql', path.join(dir, 'dangling.sql'));
    fs.symlinkSync('loop2.sql', path.join(dir, 'loop1.sql'));
    fs.symlinkSync('loop1.sql', path.join(dir, 'loop2.sql'));
    fs.symlinkSync('real', path.join(dir, 'x.sql'));
    const r = dbe(['lint', '.', '--format', 'json', '--no-cache'], { cwd: dir });
    const by = findings(json(r));
    assert.equal(r.code, 1, r.stderr);
    assert.ok(by.get('a_good.sql')?.some((m) => m.startsWith('equals-null')));
    assert.deepEqual(by.get('dangling.sql'), ['file-too-large: File not analysed: it is a symbolic link to a file that does not exist.']);
    assert.deepEqual(by.get('loop1.sql'), ['file-too-large: File not analysed: it is a symbolic link loop.']);
    assert.ok(!by.has('x.sql'), 'a link to a directory is not read as a file');
    assert.ok(by.has('real/inner.sql'));
  });

  test('an unreadable file is one finding on it and the run goes on', (t) => {
    if (process.platform === 'win32') return t.skip('POSIX permissions');
    const dir = project({ 'a_good.sql': EQ_NULL, 'secret.sql': 'SELECT 1;\n' });
    fs.chmodSync(path.join(dir, 'secret.sql'), 0o000);
    const r = dbe(['lint', '.', '--format', 'json', '--no-cache'], { cwd: dir, asNobody: true });
    const by = findings(json(r));
    assert.equal(r.code, 1, r.stderr);
    assert.ok(by.get('a_good.sql')?.some((m) => m.startsWith('equals-null')));
    assert.deepEqual(by.get('secret.sql'), ['file-too-large: File not analysed: it cannot be read (EACCES: permission denied).']);
  });

  test('a subdirectory that cannot be listed is said on stderr and skipped; the rest is linted', (t) => {
    if (process.platform === 'win32') return t.skip('POSIX permissions');
    const dir = project({ 'a_good.sql': EQ_NULL, 'locked/x.sql': 'SELECT 1;\n' });
    fs.chmodSync(path.join(dir, 'locked'), 0o000);
    const r = dbe(['lint', '.', '--no-cache'], { cwd: dir, asNobody: true });
    finished(r);
    fs.chmodSync(path.join(dir, 'locked'), 0o755);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^a_good\.sql:1:\d+: \w+ equals-null /m);
    assert.match(r.stderr, /^dbe: \.: skipped directory locked: it cannot be listed \(EACCES\)$/m);
  });
});

describe('globs never backtrack for ever', () => {
  const EVIL = '**a**a**a**a**a**a**a**a**a**a**a**a**b';
  const LONG = 'a'.repeat(60) + '.sql';

  test('an "ignore" glob with many stars does not hang dbe lint', () => {
    const dir = project({ '.dbe.json': JSON.stringify({ ignore: [EVIL, 'gen/**'] }), [LONG]: EQ_NULL, 'gen/skip.sql': EQ_NULL });
    const r = dbe(['lint', '.', '--format', 'json', '--no-cache'], { cwd: dir });
    const by = findings(json(r));
    assert.ok(by.get(LONG)?.some((m) => m.startsWith('equals-null')), 'not ignored: the glob does not match');
    assert.ok(!by.has('gen/skip.sql'), 'ignore globs still apply');
  });

  test('a "migrations.include" glob with many stars does not hang dbe lint', () => {
    const dir = project({ '.dbe.json': JSON.stringify({ migrations: { include: [EVIL] } }), [LONG]: EQ_NULL });
    const r = dbe(['lint', '.', '--format', 'json', '--no-cache'], { cwd: dir });
    const by = findings(json(r));
    assert.ok(by.get(LONG)?.some((m) => m.startsWith('equals-null')));
  });

  test('the matcher keeps the glob semantics: root or any depth, {a,b}, **/, ? and * within a segment', () => {
    const m = (rel: string, ...globs: string[]) => matchesAny(rel, globs);
    assert.ok(m('gen/x.sql', 'gen/**') && m('db/gen/x.sql', 'gen/**'));
    assert.ok(m('db/x.sql', 'db/**/*.sql') && m('db/a/b/x.sql', 'db/**/*.sql'));
    assert.ok(!m('db/a/x.sql', 'db/*.sql') && m('x/db/y.sql', 'db/*.sql'));
    assert.ok(m('x.psql', '*.{sql,psql}') && !m('x.ssql', '*.{sql,psql}'));
    assert.ok(m('v1.sql', 'v?.sql') && !m('v12.sql', 'v?.sql') && !m('v/.sql', 'v?.sql'));
    assert.ok(m('a+b (1).sql', 'a+b (1).sql') && !m('aab (1).sql', 'a+b (1).sql'), 'regex characters are literal');
    // brace alternatives are globs too (before: `*` inside braces was a regex quantifier)
    assert.ok(m('up/001.sql', '{up,down}/*.sql') && m('seed/x.sql', '{seed/*.sql,fixtures/**}') && !m('seed/a/x.sql', '{seed/*.sql,x}'));
  });

  test("the language server's workspace scan does not hang on it, nor open a FIFO", (t) => {
    const dir = project({ '.dbe.json': JSON.stringify({ ignore: [EVIL] }), [LONG]: 'SELECT 1;\n', 'b.sql': 'SELECT 2;\n' });
    const fifo = mkfifo(path.join(dir, 'pipe.sql'));
    if (fifo) fs.symlinkSync('pipe.sql', path.join(dir, 'via-link.sql'));
    // The scan as the language server runs it, in a child process so that a hang fails the test.
    const script = `
      require(${JSON.stringify(path.join(ROOT, 'server/src/sql/parse.ts'))}).initParser().then(() => {
      const { Folder } = require(${JSON.stringify(path.join(ROOT, 'server/src/lsp/folder.ts'))});
      const { fileUriKey } = require(${JSON.stringify(path.join(ROOT, 'server/src/lsp/uri.ts'))});
      const dir = ${JSON.stringify(dir)};
      const f = new Folder(fileUriKey(dir), 'p');
      const settings = { enable: true, rules: {}, configPath: '.dbe.json', migrationGlobs: [], debounceMs: 0 };
      const err = f.loadConfig(settings, true);
      f.scan(() => undefined);
      for (const n of ['pipe.sql', 'via-link.sql']) f.loadFromDisk(fileUriKey(require('path').join(dir, n)));
      console.log(JSON.stringify({ err, files: f.project.order().filter((x) => !x.skipped).map((x) => require('path').basename(x.path)), skipped: f.project.order().filter((x) => x.skipped).map((x) => require('path').basename(x.path) + ': ' + x.skipped) }));
      });`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: HANG, killSignal: 'SIGKILL' });
    assert.ok(r.signal !== 'SIGKILL' && (r.error as any)?.code !== 'ETIMEDOUT', 'the scan hung');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(out.err, undefined);
    assert.deepEqual(out.files.sort(), [LONG, 'b.sql'].sort());
    // the FIFO is never opened, and (as in `dbe lint`) it is listed with one finding that says why
    if (fifo) assert.deepEqual(out.skipped.sort(), ['pipe.sql: File not analysed: it is a named pipe (FIFO), not a regular file.', 'via-link.sql: File not analysed: it is a named pipe (FIFO), not a regular file.']);
    if (!fifo) t.diagnostic('mkfifo not available: the FIFO part was not checked');
  });
});

describe('text the parser must read as PostgreSQL does', () => {
  test('a UTF-8 byte order mark is not a syntax error, and --fix keeps it', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const dir = project({ 'q.sql': Buffer.concat([bom, Buffer.from(EQ_NULL)]) });
    const r = dbe(['lint', '.', '--format', 'json', '--no-cache'], { cwd: dir });
    const by = findings(json(r));
    assert.deepEqual(by.get('q.sql')?.map((m) => m.split(':')[0]), ['equals-null']);
    const fixed = dbe(['lint', '.', '--fix', '--no-cache'], { cwd: dir });
    finished(fixed);
    const after = fs.readFileSync(path.join(dir, 'q.sql'));
    assert.deepEqual([...after.subarray(0, 3)], [...bom], 'the byte order mark is kept');
    assert.equal(after.subarray(3).toString('utf8'), 'SELECT id FROM users WHERE deleted_at IS NULL;\n');
  });

  test('an unclosed /* comment is a syntax error, as PostgreSQL says', () => {
    const dir = project({ 'q.sql': 'SELECT 1;\n/* never closed\nDROP TABLE users;\n' });
    const r = dbe(['lint', '.', '--format', 'json', '--no-cache'], { cwd: dir });
    const report = json(r);
    const d = report.files[0].diagnostics;
    assert.equal(d.length, 1, JSON.stringify(d));
    assert.equal(d[0].rule, 'syntax-error');
    assert.match(d[0].message, /^unterminated \/\* comment/);
    assert.deepEqual(d[0].range.start, { line: 1, character: 0 });
    assert.equal(r.code, 1);
  });

  test('maxFileBytes is compared with the size on disk, also for invalid UTF-8', () => {
    // 613 bytes on disk; decoded, each invalid byte becomes U+FFFD (3 bytes in UTF-8): 1813
    const text = Buffer.concat([Buffer.from(EQ_NULL.slice(0, 10) + '\n-- '), Buffer.alloc(600, 0xff)]);
    const big = Buffer.concat([Buffer.from('-- '), Buffer.alloc(1200, 0xff)]);
    const dir = project({ '.dbe.json': JSON.stringify({ maxFileBytes: 1000 }), 'small.sql': text, 'big.sql': big });
    const by = findings(json(dbe(['lint', '.', '--format', 'json', '--no-cache'], { cwd: dir })));
    assert.ok(!(by.get('small.sql') ?? []).some((m) => m.startsWith('file-too-large')), `small.sql: ${by.get('small.sql')}`);
    assert.deepEqual(by.get('big.sql'), ['file-too-large: File not analysed: 1203 bytes is over the 1000-byte limit (maxFileBytes in .dbe.json).']);
  });
});

describe('documentation links', () => {
  test('every id a finding can carry has its docs/rules page (the link in hovers and SARIF resolves)', () => {
    const ids = [...KNOWN_RULE_IDS];
    assert.ok(ids.includes('file-too-large') && ids.includes('syntax-error') && ids.includes('postgres-error'));
    for (const id of ids) {
      const page = path.join(ROOT, 'docs', 'rules', path.basename(new URL(docsUrl(id)).pathname));
      assert.ok(fs.existsSync(page), `${id}: ${path.relative(ROOT, page)} does not exist`);
    }
  });

  test('the SARIF helpUri of a file-too-large finding names an existing page', () => {
    const dir = project({ '.dbe.json': JSON.stringify({ maxFileBytes: 5 }), 'q.sql': 'SELECT 1;\n' });
    const log = json(dbe(['lint', '.', '--format', 'sarif', '--no-cache'], { cwd: dir }));
    const rules = log.runs[0].tool.driver.rules;
    const result = log.runs[0].results[0];
    assert.equal(result.ruleId, 'file-too-large');
    const help: string = rules[result.ruleIndex].helpUri;
    assert.ok(fs.existsSync(path.join(ROOT, 'docs', 'rules', path.basename(help))), help);
  });
});

describe('control characters in what the CLI prints are shown, never obeyed', () => {
  const NASTY = '\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e';
  const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

  test('dbe lint text output escapes identifiers, messages and file names', () => {
    const name = 'evil\x1b[31m.sql';
    const dir = project({ [name]: `CREATE TABLE "t${NASTY}" (name text);\nSELEC "${NASTY}";\n` });
    const r = dbe(['lint', '.', '--no-cache'], { cwd: dir });
    finished(r);
    assert.doesNotMatch(r.stdout, RAW, JSON.stringify(r.stdout));
    assert.doesNotMatch(r.stderr, RAW);
    assert.match(r.stdout, /^evil\\u001b\[31m\.sql:1:\d+: \w+ missing-primary-key .*t\\u001b\]0;pwned\\u0007\\u001b\[2J\\u009b31m\\u202e/m);
    assert.match(r.stdout, /syntax-error/);
  });

  test('JSON and SARIF output keep the same values and hold no raw control character', () => {
    const dir = project({ 'q.sql': `CREATE TABLE "t${NASTY}" (name text);\n` });
    for (const format of ['json', 'sarif']) {
      const r = dbe(['lint', '.', '--format', format, '--no-cache'], { cwd: dir });
      const parsed = json(r);
      assert.doesNotMatch(r.stdout, RAW, format);
      const messages = format === 'json' ? parsed.files[0].diagnostics.map((d: any) => d.message) : parsed.runs[0].results.map((x: any) => x.message.text);
      assert.ok(messages.some((m: string) => m.includes(`t${NASTY}`)), `${format}: the identifier survives the round trip`);
    }
  });

  test('a subdirectory note and an input error on stderr are escaped too', () => {
    const r = dbe(['lint', `missing${NASTY}.sql`], { cwd: TMP });
    finished(r);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stderr, RAW);
    assert.match(r.stderr, /^dbe: no such file or directory: missing\\u001b\]0;pwned/);
  });

  describe('dbe ask / dbe review: the model answer', () => {
    const stand = new StandIn();
    before(() => stand.start());
    after(() => stand.stop());

    function ask(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
      const env: NodeJS.ProcessEnv = { ...process.env, DBE_DEBUG: '', ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: stand.url, DBE_CACHE_DIR: path.join(TMP, '.cache') };
      delete env.ANTHROPIC_AUTH_TOKEN;
      return new Promise((resolve) => {
        execFile(process.execPath, [CLI, ...args], { cwd, env, timeout: HANG }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof (err as any).code === 'number' ? (err as any).code : -1) : 0, stdout, stderr });
        });
      });
    }

    test('escape sequences in the streamed answer are printed escaped; newlines and tabs are kept', async () => {
      const dir = project({ 'q.sql': 'SELECT 1;\n' });
      stand.reset((_q, res) => { void streamAnswer(res, ['Use an index.\n\t', NASTY, ' done']); });
      for (const cmd of [['ask', 'why?'], ['review', 'q.sql']]) {
        const r = await ask(cmd, dir);
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stdout, RAW, cmd[0]);
        assert.equal(r.stdout, 'Use an index.\n\t\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202e done\n');
      }
    });
  });
});
