// Speed benchmark: `dbe lint --format json` over the real-world corpus (lemmy + kratos + pagila +
// supabase-auth: 1,657 files, four projects in one invocation), wall time, best and median of N
// runs: no caches (cold), after an edit (warm parse cache, every project's result cache missed),
// unchanged projects (result cache hit), --no-cache, and two threads; side by side with squawk 2.66
// (`squawk --reporter json` on the same files) when squawk can be had, and the editor benchmark
// (bench/editor.ts) and the sandbox benchmark (bench/sandbox.ts) when they exist.
// (bench/lsp-stress.ts: the language server under big inputs; bench/format.ts: Format Document latency.)
// (bench/completion.ts: completion latency on lemmy, p95 against 30 ms.)
// (bench/mysql-replay.ts: MySQL DDL replay time per statement on real MySQL projects, cold and warm.)
// (bench/mysql-server.ts: the MySQL server check: template, start, kratos replay, stop.)
// (bench/mysql-lint.ts: MySQL lint time per statement: the lowering cold and warm, a whole lint warm.)
// (bench/mysql-syntax.ts: the MySQL syntax check, cold / warm / the editor while its worker warms up.)
// Usage: npm run bench [-- --runs N] [-- --no-squawk] [-- --no-editor] [-- --no-lsp-stress] [-- --no-sandbox] [-- --no-mysql-server] [-- --no-completion] [-- --no-format] [-- --no-mysql-replay] [-- --no-mysql-lint] [-- --no-mysql]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
const FOLDERS = ['lemmy', 'kratos', 'pagila', 'supabase-auth'];
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SQUAWK_VERSION = '2.66.0';
const SQUAWK_README_SECONDS = 0.42;
const TARGET_RATIO = 1.5;
const BENCH_HOME = path.join(os.homedir(), '.cache', 'dbe-bench');

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const RUNS = Math.max(1, opt('--runs', 9));

interface Timing { best: number; median: number; runs: number[] }

function stats(runs: number[]): Timing {
  const s = [...runs].sort((a, b) => a - b);
  return { best: s[0], median: s[s.length >> 1], runs };
}

let WORK = CORPUS;
function timeOnce(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; stdout: string; status: number | null; stderr: string } {
  const t = performance.now();
  const r = spawnSync(cmd, argv, { cwd: WORK, env, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const ms = performance.now() - t;
  return { ms, stdout: r.stdout, status: r.status, stderr: r.stderr };
}

const sec = (ms: number) => (ms / 1000).toFixed(3) + ' s';

/** squawk's native binary: from ~/.cache/dbe-bench, installed there with npm when missing. */
function findSquawk(): { bin?: string; wrapper?: string; why?: string } {
  if (args.includes('--no-squawk')) return { why: 'disabled with --no-squawk' };
  const platformPkg = `@squawk-cli/${process.platform}-${process.arch}`;
  const native = path.join(BENCH_HOME, 'node_modules', platformPkg, 'bin', process.platform === 'win32' ? 'squawk.exe' : 'squawk');
  const wrapper = path.join(BENCH_HOME, 'node_modules', '.bin', 'squawk');
  const works = (b: string) => fs.existsSync(b) && spawnSync(b, ['--version'], { encoding: 'utf8' }).stdout?.includes(SQUAWK_VERSION);
  if (!works(native)) {
    console.log(`squawk ${SQUAWK_VERSION} not found in ${BENCH_HOME}; installing squawk-cli@${SQUAWK_VERSION} there with npm...`);
    fs.mkdirSync(BENCH_HOME, { recursive: true });
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', BENCH_HOME, `squawk-cli@${SQUAWK_VERSION}`], { encoding: 'utf8', timeout: 180_000 });
    if (r.status !== 0) return { why: `npm install squawk-cli@${SQUAWK_VERSION} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
  }
  if (!works(native)) return { why: `squawk-cli@${SQUAWK_VERSION} installed but ${platformPkg} has no working binary here` };
  return { bin: native, wrapper: works(wrapper) ? wrapper : undefined };
}

function main(): void {
  if (!fs.existsSync(CORPUS)) { console.log(`corpus not found at ${CORPUS}: nothing to benchmark`); return; }
  if (!fs.existsSync(CLI)) { console.log('dist/cli.js is missing: run npm run build (npm run bench builds first)'); process.exitCode = 1; return; }
  const files = FOLDERS.flatMap((d) => fs.readdirSync(path.join(CORPUS, d)).filter((f) => f.endsWith('.sql')).sort().map((f) => `${d}/${f}`));
  const bytes = files.reduce((a, f) => a + fs.statSync(path.join(CORPUS, f)).size, 0);
  console.log(`corpus: ${files.length} files, ${(bytes / 1e6).toFixed(2)} MB (${FOLDERS.join(' + ')}); ${RUNS} runs each; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}); node ${process.version}`);
  console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-bench-'));
  const dbeArgs = [CLI, 'lint', ...FOLDERS, '--format', 'json'];
  const env = (cacheDir: string) => ({ ...process.env, DBE_CACHE_DIR: cacheDir, DBE_TIMING: '' });
  const check = (r: ReturnType<typeof timeOnce>, what: string) => {
    if (r.status !== 0 && r.status !== 1) throw new Error(`${what} failed (exit ${r.status}): ${r.stderr.slice(0, 500)}`);
  };

  // A private copy of the corpus, so that "an edit" can be made: a comment appended to one file of
  // each project (outside any statement, so parse results and findings stay the same).
  WORK = path.join(tmp, 'corpus');
  for (const d of FOLDERS) fs.cpSync(path.join(CORPUS, d), path.join(WORK, d), { recursive: true });
  let edits = 0;
  const edit = () => {
    edits++;
    for (const d of FOLDERS) {
      const first = fs.readdirSync(path.join(WORK, d)).filter((f) => f.endsWith('.sql')).sort()[0];
      fs.appendFileSync(path.join(WORK, d, first), `\n-- bench edit ${edits}\n`);
    }
  };
  const warmDir = path.join(tmp, 'warm');
  const prime = timeOnce(process.execPath, dbeArgs, env(warmDir));
  check(prime, 'dbe');
  const report = JSON.parse(prime.stdout);
  const cold: number[] = [], edited: number[] = [], same: number[] = [], none: number[] = [], two: number[] = [];
  const expect = (r: ReturnType<typeof timeOnce>, what: string) => {
    check(r, what);
    if (r.stdout !== prime.stdout) throw new Error(`dbe output differs (${what}): a cache or threads changed the result`);
  };
  for (let i = 0; i < RUNS; i++) {
    const c = timeOnce(process.execPath, dbeArgs, env(path.join(tmp, `cold-${i}`))); expect(c, 'cold'); cold.push(c.ms);
    edit();
    const e = timeOnce(process.execPath, dbeArgs, env(warmDir)); expect(e, 'after an edit'); edited.push(e.ms);
    const u = timeOnce(process.execPath, dbeArgs, env(warmDir)); expect(u, 'unchanged'); same.push(u.ms);
    const n = timeOnce(process.execPath, [...dbeArgs, '--no-cache'], env(path.join(tmp, 'unused'))); expect(n, 'no cache'); none.push(n.ms);
    edit();
    const s2 = timeOnce(process.execPath, [...dbeArgs, '-j', '2'], env(warmDir)); expect(s2, 'two threads'); two.push(s2.ms);
  }

  // squawk
  WORK = path.join(tmp, 'corpus');
  const sq = findSquawk();
  let squawk: Timing | undefined, squawkWrapper: Timing | undefined, squawkFindings = 0;
  if (sq.bin) {
    const runs: number[] = [], wrapped: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = timeOnce(sq.bin, ['--reporter', 'json', ...files]);
      if (r.status === null || r.status > 1) throw new Error(`squawk failed (exit ${r.status}): ${r.stderr.slice(0, 300)}`);
      runs.push(r.ms);
      try { squawkFindings = JSON.parse(r.stdout).length; } catch { /* count is informative only */ }
      if (sq.wrapper) wrapped.push(timeOnce(sq.wrapper, ['--reporter', 'json', ...files]).ms);
    }
    squawk = stats(runs);
    if (wrapped.length) squawkWrapper = stats(wrapped);
  }
  fs.rmSync(tmp, { recursive: true, force: true });

  const rows: [string, Timing][] = [
    ['dbe, cold (no cache files yet)', stats(cold)],
    ['dbe, after an edit (warm parse cache)', stats(edited)],
    ['dbe, unchanged projects (result cache)', stats(same)],
    ['dbe, --no-cache', stats(none)],
    ['dbe, after an edit, -j 2 (two threads)', stats(two)],
  ];
  if (squawk) rows.push([`squawk ${SQUAWK_VERSION} native binary`, squawk]);
  if (squawkWrapper) rows.push([`squawk ${SQUAWK_VERSION} via its npm wrapper (node)`, squawkWrapper]);
  console.log('');
  console.log('what'.padEnd(46) + 'best'.padStart(10) + 'median'.padStart(10));
  for (const [name, t] of rows) console.log(name.padEnd(46) + sec(t.best).padStart(10) + sec(t.median).padStart(10));
  console.log('');
  console.log(`dbe: ${report.summary.files} files, ${report.summary.errors} errors, ${report.summary.warnings} warnings, ${report.summary.infos} infos` + (squawk ? `; squawk: ${squawkFindings} findings` : ''));
  const refMs = squawk ? squawk.median : SQUAWK_README_SECONDS * 1000;
  const refLabel = squawk ? `squawk measured here (median ${sec(squawk.median)})` : `squawk NOT available (${sq.why}); reference is the README's recorded ${SQUAWK_README_SECONDS} s, not measured here`;
  console.log(`reference: ${refLabel}; target: dbe <= ${TARGET_RATIO}x = ${sec(refMs * TARGET_RATIO)}`);
  for (const [name, t] of rows.slice(0, 4)) {
    const ratio = t.median / refMs;
    console.log(`  ${name}: ${ratio.toFixed(2)}x (median) ${ratio <= TARGET_RATIO ? 'meets' : 'MISSES'} the target`);
  }
  console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  let editor: unknown;
  const editorScript = path.join(ROOT, 'bench', 'editor.ts');
  if (!args.includes('--no-editor') && fs.existsSync(editorScript)) {
    console.log('\nbench/editor.ts:');
    const r = spawnSync(process.execPath, ['--import', 'tsx', editorScript], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    const line = (r.stdout ?? '').trim().split('\n').reverse().find((l) => l.startsWith('{'));
    if (line) { console.log(line); try { editor = JSON.parse(line); } catch { /* printed as is */ } }
    else console.log(`editor benchmark gave no JSON (exit ${r.status}): ${(r.stderr ?? '').slice(0, 500)}`);
  }

  let lspStress: unknown;
  const stressScript = path.join(ROOT, 'bench', 'lsp-stress.ts');
  if (!args.includes('--no-lsp-stress') && fs.existsSync(stressScript)) {
    console.log('\nbench/lsp-stress.ts:');
    const r = spawnSync(process.execPath, ['--import', 'tsx', stressScript], { cwd: ROOT, encoding: 'utf8', timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
    const line = (r.stdout ?? '').trim().split('\n').reverse().find((l) => l.startsWith('{'));
    if (line) { console.log(line); try { lspStress = JSON.parse(line); } catch { /* printed as is */ } }
    else console.log(`lsp-stress benchmark gave no JSON (exit ${r.status}): ${(r.stderr ?? '').slice(0, 500)}`);
  }

  let sandbox: unknown;
  const sandboxScript = path.join(ROOT, 'bench', 'sandbox.ts');
  if (!args.includes('--no-sandbox') && fs.existsSync(sandboxScript)) {
    console.log('\nbench/sandbox.ts:');
    const r = spawnSync(process.execPath, ['--import', 'tsx', sandboxScript], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    const out = (r.stdout ?? '').trim().split('\n');
    for (const l of out.slice(0, -1)) console.log(l);
    const line = out.reverse().find((l) => l.startsWith('{'));
    if (line) { try { sandbox = JSON.parse(line); } catch { /* printed above */ } }
    else console.log(`sandbox benchmark gave no JSON (exit ${r.status}): ${(r.stderr ?? '').slice(0, 500)}`);
  }

  let mysqlServer: unknown;
  const mysqlScript = path.join(ROOT, 'bench', 'mysql-server.ts');
  if (!args.includes('--no-mysql-server') && fs.existsSync(mysqlScript)) {
    console.log('\nbench/mysql-server.ts:');
    const r = spawnSync(process.execPath, ['--import', 'tsx', mysqlScript], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    const out = (r.stdout ?? '').trim().split('\n');
    for (const l of out.slice(0, -1)) console.log(l);
    const line = out.reverse().find((l) => l.startsWith('{'));
    if (line) { try { mysqlServer = JSON.parse(line); } catch { /* printed above */ } }
    else console.log(`mysql-server benchmark gave no JSON (exit ${r.status}): ${(r.stderr ?? '').slice(0, 500)}`);
  }

  let completion: unknown;
  const completionScript = path.join(ROOT, 'bench', 'completion.ts');
  if (!args.includes('--no-completion') && fs.existsSync(completionScript)) {
    console.log('\nbench/completion.ts:');
    const r = spawnSync(process.execPath, ['--import', 'tsx', completionScript], { cwd: ROOT, encoding: 'utf8', timeout: 900_000 });
    const out = (r.stdout ?? '').trim().split('\n');
    for (const l of out.slice(0, -1)) console.log(l);
    const line = out.reverse().find((l) => l.startsWith('{'));
    if (line) { try { completion = JSON.parse(line); } catch { /* printed above */ } }
    else console.log(`completion benchmark gave no JSON (exit ${r.status}): ${(r.stderr ?? '').slice(0, 500)}`);
  }

  // the same on a MySQL project (issue #13: completion on MySQL files; docs/decisions/0035)
  let completionMysql: unknown;
  const kratos = path.join(ROOT, '..', 'shared', 'corpus', 'mysql', 'ory+kratos');
  if (!args.includes('--no-completion') && fs.existsSync(completionScript) && fs.existsSync(kratos)) {
    console.log('\nbench/completion.ts on a MySQL project (ory+kratos):');
    const r = spawnSync(process.execPath, ['--import', 'tsx', completionScript, '--folder', kratos, '--files', '30', '--per-file', '20'], { cwd: ROOT, encoding: 'utf8', timeout: 900_000 });
    const out = (r.stdout ?? '').trim().split('\n');
    for (const l of out.slice(0, -1)) console.log(l);
    const line = out.reverse().find((l) => l.startsWith('{'));
    if (line) { try { completionMysql = JSON.parse(line); } catch { /* printed above */ } }
    else console.log(`MySQL completion benchmark gave no JSON (exit ${r.status}): ${(r.stderr ?? '').slice(0, 500)}`);
  }

  let format: unknown;
  const formatScript = path.join(ROOT, 'bench', 'format.ts');
  if (!args.includes('--no-format') && fs.existsSync(formatScript)) {
    console.log('\nbench/format.ts:');
    const r = spawnSync(process.execPath, ['--import', 'tsx', formatScript], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    const line = (r.stdout ?? '').trim().split('\n').reverse().find((l) => l.startsWith('{'));
    if (line) { console.log(line); try { format = JSON.parse(line); } catch { /* printed as is */ } }
    else console.log(`format benchmark gave no JSON (exit ${r.status}): ${(r.stderr ?? '').slice(0, 500)}`);
  }

  let mysqlReplay: unknown;
  const mysqlReplayScript = path.join(ROOT, 'bench', 'mysql-replay.ts');
  if (!args.includes('--no-mysql-replay') && fs.existsSync(mysqlReplayScript)) {
    console.log('\nbench/mysql-replay.ts:');
    const r = spawnSync(process.execPath, ['--import', 'tsx', mysqlReplayScript], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    const out = (r.stdout ?? '').trim().split('\n');
    for (const l of out.slice(0, -1)) console.log(l);
    const line = out.reverse().find((l) => l.startsWith('{'));
    if (line) { try { mysqlReplay = JSON.parse(line); } catch { /* printed above */ } }
    else console.log(`mysql-replay benchmark gave no JSON (exit ${r.status}): ${(r.stderr ?? '').slice(0, 500)}`);
  }

  let mysqlLint: unknown;
  const mysqlLintScript = path.join(ROOT, 'bench', 'mysql-lint.ts');
  if (!args.includes('--no-mysql-lint') && fs.existsSync(mysqlLintScript)) {
    console.log('\nbench/mysql-lint.ts:');
    const r = spawnSync(process.execPath, ['--import', 'tsx', mysqlLintScript], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    const out = (r.stdout ?? '').trim().split('\n');
    for (const l of out.slice(0, -1)) console.log(l);
    const line = out.reverse().find((l) => l.startsWith('{'));
    if (line) { try { mysqlLint = JSON.parse(line); } catch { /* printed above */ } }
    else console.log(`mysql-lint benchmark gave no JSON (exit ${r.status}): ${(r.stderr ?? '').slice(0, 500)}`);
  }

  const mysqlSyntaxScript = path.join(ROOT, 'bench', 'mysql-syntax.ts');
  let mysqlSyntax: unknown;
  if (!args.includes('--no-mysql') && fs.existsSync(mysqlSyntaxScript)) {
    console.log('\nbench/mysql-syntax.ts:');
    const r = spawnSync(process.execPath, ['--import', 'tsx', mysqlSyntaxScript], { cwd: ROOT, encoding: 'utf8', timeout: 900_000 });
    const out = (r.stdout ?? '').trim().split('\n');
    for (const l of out) if (!l.startsWith('{')) console.log(l);
    const line = out.reverse().find((l) => l.startsWith('{'));
    if (line) { console.log(line); try { mysqlSyntax = JSON.parse(line); } catch { /* printed as is */ } }
    else console.log(`mysql-syntax benchmark gave no JSON (exit ${r.status}): ${(r.stderr ?? '').slice(0, 500)}`);
  }

  const summary = {
    files: files.length, bytes, runs: RUNS,
    dbe: Object.fromEntries(rows.slice(0, 5).map(([n, t]) => [n, { best: +(t.best / 1000).toFixed(3), median: +(t.median / 1000).toFixed(3) }])),
    squawk: squawk ? { best: +(squawk.best / 1000).toFixed(3), median: +(squawk.median / 1000).toFixed(3), measured: true } : { median: SQUAWK_README_SECONDS, measured: false, why: sq.why },
    editor,
    lspStress,
    sandbox,
    mysqlServer,
    completion,
    completionMysql,
    format,
    mysqlReplay,
    mysqlLint,
    mysqlSyntax,
  };
  console.log('\n' + JSON.stringify(summary));
}

main();
