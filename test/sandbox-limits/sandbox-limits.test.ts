// The sandbox can never run away (decision 0014): statements that never end or fill memory are
// stopped by the sandbox's time and memory limits, in the CLI (`dbe lint --sandbox`, `dbe explain`)
// and in the editor's worker, and reported; the rest of the output is still there. Small limits keep
// these quick, but each case still takes seconds (PGlite starts, a statement runs into its limit):
// run with `npm run test:sandbox-limits` (npm run build first; the script does).
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileUri, LspClient } from '../lspClient';
import { ROOT } from '../helpers';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-sandbox-limits-'));
const CACHE = path.join(TMP, '.cache');
const CLI = path.join(ROOT, 'dist', 'cli.js');
/** A hang detector only: every case here ends in seconds when the limits work. */
const HANG_MS = 240_000;

after(() => fs.rmSync(TMP, { recursive: true, force: true }));

let dirs = 0;
function writeProject(files: Record<string, string>): string {
  const dir = path.join(TMP, `p${++dirs}`);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function dbe(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, DBE_CACHE_DIR: CACHE, DBE_TIMING: '' }, timeout: HANG_MS });
  assert.ok(!r.error, `dbe did not finish: ${r.error?.message}`);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Peak resident memory of a process so far (VmHWM), in MB; 0 once it has exited. */
function peakMb(pid: number): number {
  try { return Math.round(Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024); } catch { return 0; }
}

/** dbe, with the peak resident memory of its process (polled: VmHWM only grows, so the last reading is close to it). */
function dbeMeasured(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string; peakMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, DBE_CACHE_DIR: CACHE, DBE_TIMING: '' } });
    let stdout = '', stderr = '', peak = 0;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const poll = setInterval(() => { peak = Math.max(peak, peakMb(child.pid!)); }, 50);
    const hang = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`dbe did not finish in ${HANG_MS / 1000} s (peak ${peak} MB)`)); }, HANG_MS);
    child.on('close', (code) => { clearInterval(poll); clearTimeout(hang); resolve({ code: code ?? -1, stdout, stderr, peakMb: peak }); });
  });
}

/**
 * The most a process running the sandbox under a 600 MB limit may reach: the CLI's or the server's
 * own ~150 MB, PGlite's start-up (~350 MB, not counted by the limit), the limit, and a watchdog
 * poll's worth of growth. Without the limits these bombs take the process to 2 to 4 GB.
 */
const PEAK_MB = 150 + 350 + 600 + 200;

/** The JSON report's findings of one rule in one file, as [line (1-based), message]. */
function found(stdout: string, file: string, rule = 'postgres-error'): [number, string][] {
  const report = JSON.parse(stdout);
  const f = report.files.find((x: any) => x.path === file);
  return (f?.diagnostics ?? []).filter((d: any) => d.rule === rule).map((d: any) => [d.range.start.line + 1, d.message]);
}

const MIGRATION = 'migrations/001_init.sql';

/** A migration with the runaway statement on line 2 and a genuine error on line 4 (checked only if the replay went on). */
function runaway(statement: string, config: object): string {
  return writeProject({
    '.dbe.json': JSON.stringify(config),
    [MIGRATION]: [
      'CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);',
      statement,
      'CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL);',
      'SELECT emial FROM accounts;',
      '',
    ].join('\n'),
  });
}

describe('dbe lint --sandbox: time and memory limits', () => {
  before(() => {
    if (!fs.existsSync(CLI)) {
      const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
    }
  });

  test('the very first start (initdb, no snapshot yet) is not counted against a small memory limit', () => {
    const d = runaway('SELECT 1;', { sandbox: { rows: 0, memoryMb: 600 } });
    fs.rmSync(CACHE, { recursive: true, force: true });
    const r = dbe(['lint', '.', '--format', 'json'], d);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(found(r.stdout, MIGRATION).map(([line]) => line), [4]);
  });

  /** Stopped by the time limit on line 2; the rest of the project still checked (line 4), exit 1. */
  function assertStoppedByTime(stdout: string, secs: number): void {
    const pe = found(stdout, MIGRATION);
    assert.equal(pe.length, 2, JSON.stringify(pe));
    assert.equal(pe[0][0], 2);
    assert.match(pe[0][1], new RegExp(`stopped this statement after ${secs} s \\(sandbox\\.timeoutSeconds in \\.dbe\\.json, --sandbox-timeout\\)`));
    assert.equal(pe[1][0], 4);
    assert.match(pe[1][1], /column "emial" does not exist/);
  }

  test('pg_sleep: stopped after sandbox.timeoutSeconds, reported on that statement; the rest is still checked', () => {
    const d = runaway('SELECT pg_sleep(100000);', { sandbox: { rows: 0, timeoutSeconds: 3 } });
    const r = dbe(['lint', '.', '--format', 'json'], d);
    assert.equal(r.code, 1, r.stderr);
    assertStoppedByTime(r.stdout, 3);
    // the static findings are all there too
    assert.ok(JSON.parse(r.stdout).files[0].diagnostics.some((x: any) => x.rule !== 'postgres-error'));
  });

  test('an endless DO loop: stopped after --sandbox-timeout (the flag over .dbe.json)', () => {
    const d = runaway('DO $$ BEGIN LOOP PERFORM 1; END LOOP; END $$;', { sandbox: { rows: 0, timeoutSeconds: 600 } });
    const r = dbe(['lint', '.', '--format', 'json', '--sandbox-timeout', '3'], d);
    assert.equal(r.code, 1, r.stderr);
    assertStoppedByTime(r.stdout, 3);
  });

  test('CREATE TABLE AS over a huge generate_series: stopped over sandbox.memoryMb; what needs the table is not reported as missing', async () => {
    const d = writeProject({
      '.dbe.json': JSON.stringify({ sandbox: { rows: 0, memoryMb: 600, timeoutSeconds: 600 } }),
      [MIGRATION]: [
        'CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);',
        'CREATE TABLE big AS SELECT generate_series(1, 100000000) AS id;',
        'CREATE INDEX big_id ON big (id);',
        'SELECT emial FROM accounts;',
        '',
      ].join('\n'),
    });
    const r = await dbeMeasured(['lint', '.', '--format', 'json'], d);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.peakMb < PEAK_MB, `peak RSS ${r.peakMb} MB`);
    const pe = found(r.stdout, MIGRATION);
    assert.equal(pe.length, 2, JSON.stringify(pe));
    assert.equal(pe[0][0], 2);
    assert.match(pe[0][1], /stopped this statement when it used more than 600 MB \(sandbox\.memoryMb in \.dbe\.json, --sandbox-memory\)/);
    assert.match(pe[0][1], /1 later statement that depends on it also failed/, 'the index on big is a follow-on, not a finding');
    assert.equal(pe[1][0], 4);
  });

  test('"rows": 10000000: data generation stopped, reported on the table\'s CREATE; the project is checked without generated rows', () => {
    const d = writeProject({
      '.dbe.json': JSON.stringify({ sandbox: { rows: 10_000_000, timeoutSeconds: 3 } }),
      [MIGRATION]: 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);\n',
      'queries/q.sql': 'SELECT id FROM accounts WHERE emial = $1;\n',
    });
    const r = dbe(['lint', '.', '--format', 'json'], d);
    assert.equal(r.code, 1, r.stderr);
    const pe = found(r.stdout, MIGRATION);
    assert.equal(pe.length, 1, JSON.stringify(pe));
    assert.equal(pe[0][0], 1);
    assert.match(pe[0][1], /stopped generating 10,000,000 rows for public\.accounts after 3 s .*checked without generated rows/);
    const q = found(r.stdout, 'queries/q.sql');
    assert.equal(q.length, 1, JSON.stringify(q));
    assert.match(q[0][1], /column "emial" does not exist/);
  });

  for (const [what, sql] of [
    ['over a huge series', 'SELECT array_length(array_agg(g), 1) FROM generate_series(1, 200000000) g;'],
    ['of large values', "SELECT array_length(array_agg(repeat('x', 1000)), 1) FROM generate_series(1, 2000000);"],
  ]) test(`an array_agg memory bomb (${what}) fails with PostgreSQL's own "out of memory" (its memory is capped); the replay goes on`, async () => {
    const d = runaway(sql, { sandbox: { rows: 0, memoryMb: 600, timeoutSeconds: 600 } });
    const r = await dbeMeasured(['lint', '.', '--format', 'json'], d);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.peakMb < PEAK_MB, `peak RSS ${r.peakMb} MB`);
    const pe = found(r.stdout, MIGRATION);
    assert.equal(pe.length, 2, JSON.stringify(pe));
    assert.equal(pe[0][0], 2);
    assert.match(pe[0][1], /PostgreSQL rejects this statement: (out of memory \(SQLSTATE 53200\)|temporary file size exceeds "temp_file_limit" .*\(SQLSTATE 53400\)).*The sandbox limits PostgreSQL's memory \(600 MB in all; sandbox\.memoryMb in \.dbe\.json, --sandbox-memory\)/);
    assert.equal(pe[1][0], 4);
  });

  test('dbe explain: a replay stopped by the limit still explains the query, and says what it stopped', () => {
    const d = writeProject({
      [MIGRATION]: 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);\nSELECT pg_sleep(100000);\n',
      'queries/q.sql': 'SELECT id FROM accounts WHERE email = $1;\n',
    });
    const r = dbe(['explain', 'queries/q.sql', '--line', '1', '--sandbox-timeout', '3'], d);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Seq Scan on accounts/);
    assert.match(r.stderr, /migrations\/001_init\.sql:2: The sandbox stopped this statement after 3 s/);
  });

  test('bad limits are clear one-line errors', () => {
    const d = writeProject({ '.dbe.json': '{"sandbox": {"memoryMb": 10}}', 'a.sql': 'SELECT 1;\n' });
    const bad = dbe(['lint', '.'], d);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"sandbox\.memoryMb" must be a whole number of MB from 512 to 16384/);
    const flag = dbe(['lint', '.', '--sandbox', '--sandbox-timeout', '0'], writeProject({ 'a.sql': 'SELECT 1;\n' }));
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--sandbox-timeout must be a number of seconds from 1 to 3600, not "0"/);
  });
});

describe('the editor\'s sandbox worker: memory limit', () => {
  const dirs: string[] = [];
  after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
  function workspace(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-sbx-limits-lsp-'));
    dirs.push(dir);
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    return dir;
  }
  // unknown-column off: it reports `nope` as you type, and the sandbox's same error would then not be
  // published twice (test/semantic-lsp.test.ts); these tests are about the sandbox's own errors
  const settings = { debounceMs: 5, rules: { 'unknown-column': 'off' }, sandbox: { enabled: true, timeoutSeconds: 600, memoryMb: 600, rows: 0 } };

  test('an array_agg memory bomb becomes a postgres-error diagnostic ("out of memory"), the sandbox stays ready, the server stays under the limit', async () => {
    const migration = 'CREATE TABLE t (id bigint PRIMARY KEY);\nSELECT array_length(array_agg(g), 1) FROM generate_series(1, 200000000) g;\nSELECT nope FROM t;\n';
    const ws = workspace({ 'migrations/001_init.sql': migration });
    const client = await LspClient.start({ folder: ws, sandbox: true, settings });
    let peak = 0;
    const poll = setInterval(() => { peak = Math.max(peak, peakMb(client.child.pid!)); }, 50);
    try {
      // the sandbox starts once a SQL file of the workspace is open
      const uri = fileUri(path.join(ws, 'migrations/001_init.sql'));
      await client.open(uri, migration);
      const ready = await client.waitForStatus((s) => s.sandbox?.state === 'ready' || s.sandbox?.state === 'failed', HANG_MS);
      clearInterval(poll);
      assert.equal(ready.sandbox!.state, 'ready', ready.sandbox!.reason);
      // it reached 1.9 GB before
      assert.ok(peak < PEAK_MB, `peak RSS of the language server ${peak} MB`);
      const got = await client.waitFor(uri, (p) => p.diagnostics.filter((d) => d.code === 'postgres-error').length === 2, 30_000);
      const pe = got.diagnostics.filter((d) => d.code === 'postgres-error').sort((a, b) => a.range.start.line - b.range.start.line);
      assert.equal(pe[0].range.start.line, 1);
      assert.match(pe[0].message, /(out of memory|temp_file_limit).*dbEngineer\.sandbox\.memoryMb/);
      assert.match(pe[1].message, /column "nope" does not exist/);
    } finally {
      clearInterval(poll);
      await client.stop();
    }
  });

  test('a table filled from a huge series: the worker is stopped over dbEngineer.sandbox.memoryMb, logged and shown', async () => {
    const big = 'CREATE TABLE big AS SELECT generate_series(1, 100000000) AS id;\n';
    const ws = workspace({ 'migrations/001_init.sql': big });
    const client = await LspClient.start({ folder: ws, sandbox: true, settings });
    try {
      await client.open(fileUri(path.join(ws, 'migrations/001_init.sql')), big);
      const failed = await client.waitForStatus((s) => s.sandbox?.state === 'failed' || s.sandbox?.state === 'ready', HANG_MS);
      assert.equal(failed.sandbox!.state, 'failed');
      assert.match(failed.sandbox!.reason!, /used more than 600 MB .*\(dbEngineer\.sandbox\.memoryMb\) and was stopped/);
      assert.equal(client.logs.filter((l) => /used more than 600 MB/.test(l)).length, 1, 'logged once');
    } finally {
      await client.stop();
    }
  });
});
