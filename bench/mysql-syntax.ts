// MySQL syntax check speed (server/src/dialects/mysql/syntax.ts) on the real MySQL corpus
// (../shared/corpus/mysql, the statements of the files MariaDB accepts):
// 1. the editor while the worker warms up: a fresh worker thread is asked for the first file's
//    statements; time until every verdict is there, and the main thread's event-loop delay meanwhile
//    (p99, max), beside the same measure with nothing running: it must stay free (the parser runs in
//    the worker);
// 2. cold, inline (the CLI's sync mode, a fresh grammar): the first statement, then the first 100
//    files, then the whole corpus;
// 3. warm, inline: every statement again with the verdict cache emptied: p50 / p95 per statement.
// Prints lines, then one JSON line.  Usage: node --import tsx bench/mysql-syntax.ts (after npm run build)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { splitMySql } from '../server/src/dialects/mysql/split';
import { clearMySqlVerdicts, mySqlSyntax, mySqlSyntaxWorkerFile, mySqlVerdictsSettled, onMySqlVerdicts, setMySqlSyntaxMode, stopMySqlSyntaxWorker } from '../server/src/dialects/mysql/syntax';

const CORPUS = path.resolve(__dirname, '..', '..', 'shared', 'corpus', 'mysql');

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0; };
const r2 = (x: number) => +x.toFixed(2);

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(CORPUS, 'valid.tsv'))) { console.log(`corpus not found at ${CORPUS}: nothing to benchmark`); console.log(JSON.stringify({ skipped: 'no corpus' })); return; }
  if (!fs.existsSync(mySqlSyntaxWorkerFile())) { console.log('dist/mysql-syntax-worker.js is missing: npm run build'); process.exitCode = 1; return; }
  const files = fs.readFileSync(path.join(CORPUS, 'valid.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t')).filter(([, v]) => v === 'ok').map(([f]) => f);
  const perFile = files.map((f) => splitMySql(fs.readFileSync(path.join(CORPUS, f), 'utf8')).statements.map((s) => s.text));
  const all = perFile.flat();
  console.log(`corpus: ${files.length} files, ${all.length} statements; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  // 0. the machine's own event-loop delay (no worker, nothing checked), for comparison
  const base = monitorEventLoopDelay({ resolution: 5 });
  base.enable();
  const idleTicker = setInterval(() => JSON.stringify({ x: [1, 2, 3] }), 5);
  await new Promise((r) => setTimeout(r, 3000));
  clearInterval(idleTicker);
  base.disable();
  const baseP99 = base.percentile(99) / 1e6, baseMax = base.max / 1e6;
  console.log(`event-loop delay with nothing running (3 s): p99 ${baseP99.toFixed(1)} ms, max ${baseMax.toFixed(1)} ms`);

  // 1. the editor: background worker, cold
  setMySqlSyntaxMode('background');
  const first = perFile.find((s) => s.length >= 5) ?? perFile[0];
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  let pending = first.filter((s) => mySqlSyntax(s, 'mysql') === undefined).length;
  const callTime = performance.now() - t0;
  // what the editor does meanwhile: small work items on the main thread, each timed
  const ticks: number[] = [];
  const ticker = setInterval(() => { const a = performance.now(); JSON.stringify({ x: Array.from({ length: 100 }, (_, i) => i) }); ticks.push(performance.now() - a); }, 5);
  await new Promise<void>((resolve) => {
    const off = onMySqlVerdicts(() => {
      pending = first.filter((s) => mySqlSyntax(s, 'mysql') === undefined).length;
      if (!pending) { off(); resolve(); }
    });
  });
  await mySqlVerdictsSettled();
  const firstFileMs = performance.now() - t0;
  clearInterval(ticker);
  h.disable();
  const loopP99 = h.percentile(99) / 1e6, loopMax = h.max / 1e6;
  stopMySqlSyntaxWorker();
  setMySqlSyntaxMode('sync');
  clearMySqlVerdicts();
  console.log(`editor, worker cold: ${first.length} statements of the first file asked in ${callTime.toFixed(1)} ms (main thread), all verdicts after ${firstFileMs.toFixed(0)} ms; event-loop delay meanwhile p99 ${loopP99.toFixed(1)} ms, max ${loopMax.toFixed(1)} ms`);

  // 2. cold, inline
  let t = performance.now();
  mySqlSyntax(all[0], 'mysql');
  const coldFirst = performance.now() - t;
  t = performance.now();
  let n100 = 0;
  for (const stmts of perFile.slice(0, 100)) for (const s of stmts) { mySqlSyntax(s, 'mysql'); n100++; }
  const first100 = performance.now() - t;
  for (const stmts of perFile.slice(100)) for (const s of stmts) mySqlSyntax(s, 'mysql');
  const coldAll = performance.now() - t + coldFirst;
  console.log(`cold, inline: first statement ${coldFirst.toFixed(0)} ms; first 100 files (${n100} statements) ${first100.toFixed(0)} ms = ${(first100 / 100).toFixed(1)} ms/file; whole corpus ${(coldAll / 1000).toFixed(1)} s = ${(coldAll / all.length).toFixed(2)} ms/statement`);

  // 3. warm, inline (verdict cache emptied: every statement parsed again)
  clearMySqlVerdicts();
  const times: number[] = [];
  for (const s of all) { const a = performance.now(); mySqlSyntax(s, 'mysql'); times.push(performance.now() - a); }
  const warmTotal = times.reduce((a, b) => a + b, 0);
  // cached: the verdict is in memory
  t = performance.now();
  for (const s of all) mySqlSyntax(s, 'mysql');
  const cached = (performance.now() - t) / all.length;
  console.log(`warm, inline: p50 ${pct(times, 50).toFixed(2)} ms, p95 ${pct(times, 95).toFixed(2)} ms, max ${Math.max(...times).toFixed(0)} ms per statement (${(warmTotal / 1000).toFixed(1)} s in all); cached verdict ${(cached * 1000).toFixed(1)} µs`);

  console.log(JSON.stringify({
    statements: all.length, files: files.length,
    editor: { firstFileStatements: first.length, askMs: r2(callTime), allVerdictsMs: Math.round(firstFileMs), eventLoopDelayP99Ms: r2(loopP99), eventLoopDelayMaxMs: r2(loopMax), idleEventLoopDelayP99Ms: r2(baseP99), idleEventLoopDelayMaxMs: r2(baseMax), tickP99Ms: r2(pct(ticks, 99)) },
    cold: { firstStatementMs: Math.round(coldFirst), first100FilesMsPerFile: r2(first100 / 100), corpusSeconds: r2(coldAll / 1000), msPerStatement: r2(coldAll / all.length) },
    warm: { p50Ms: r2(pct(times, 50)), p95Ms: r2(pct(times, 95)), maxMs: Math.round(Math.max(...times)), cachedUs: r2(cached * 1000) },
  }));
}

main().catch((e) => { console.error(String(e?.message ?? e)); process.exitCode = 1; });
