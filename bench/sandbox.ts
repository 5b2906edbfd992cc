// Sandbox benchmark: PGlite start (fresh initdb, from the on-disk snapshot in a new process, from the
// in-memory snapshot), replay of examples/shop and of every lemmy migration from ../shared/corpus
// (statements that replay cleanly, failures and their top reasons, time), and RSS with the sandbox up;
// generated data volumes (10,000 rows a table) for examples/shop and pagila: time, tables filled and
// skipped with the reasons, and the missing-index evidence (cost without and with each index).
// In the editor (dist/server.js over stdio, the sandbox in its worker): time from didSave of a new
// migration that breaks something to its postgres-error diagnostic, on a copy of examples/shop and
// of lemmy's migrations, and the server's RSS with the sandbox up (needs `npm run build`).
// Usage: node --import tsx bench/sandbox.ts [--top N] [--no-editor]   (the last line of output is JSON)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig, mergeConfig } from '../server/src/config';
import { Project } from '../server/src/engine/project';
import { checkProject, evidenceRequests, measureEvidence, Sandbox, sandboxInput, type SandboxStats } from '../server/src/sandbox';
import { initParser } from '../server/src/sql/parse';
import { fileUri, LspClient } from '../test/lspClient';
import { listSql } from '../test/helpers';

const ROOT = path.resolve(__dirname, '..');
const LEMMY = path.resolve(ROOT, '..', 'shared', 'corpus', 'lemmy');
const PAGILA = path.resolve(ROOT, '..', 'shared', 'corpus', 'pagila', 'pagila-schema.sql');
const VOLUME = 10_000;
const args = process.argv.slice(2);
const TOP = (() => { const i = args.indexOf('--top'); return i >= 0 ? Number(args[i + 1]) : 8; })();
const mb = (n: number) => Math.round(n / 1e6);


/** The replay measures run without generated data (sandbox.rows 0), as before volumes existed; volumes() measures those. */
function projectOf(dir: string, raw: object = {}): Project {
  const p = new Project(mergeConfig(defaultConfig(), { sandbox: { rows: 0 }, ...raw }, 'bench'), (f) => path.relative(dir, f).split(path.sep).join('/'));
  for (const f of fs.statSync(dir).isFile() ? [dir] : listSql(dir)) p.setFile(f, fs.readFileSync(f, 'utf8'));
  return p;
}

interface Volumes { tables: number; filled: number; skipped: Record<string, number>; rows: number; dataMs: number; replayMs: number; evidenceMs: number; evidence: { index: string; line: number; costBefore?: number; costAfter?: number; indexUsed?: boolean; note?: string }[] }

/** Replays, fills every table with VOLUME rows, measures the missing-index evidence. */
async function volumes(sb: Sandbox, p: Project): Promise<Volumes> {
  const r = await sb.run(sandboxInput(p, { rows: VOLUME, checkQueries: false }));
  const d = r.stats.data!;
  const skipped: Record<string, number> = {};
  for (const t of d.tables) if (t.skipped) skipped[t.skipped] = (skipped[t.skipped] ?? 0) + 1;
  const t = performance.now();
  const ev = await measureEvidence(sb, evidenceRequests(p), new Set(d.tables.filter((x) => x.rows > 0).map((x) => x.table)));
  const evidenceMs = Math.round(performance.now() - t);
  return {
    tables: d.tables.length, filled: d.filled, skipped, rows: d.inserted, dataMs: Math.round(d.ms), replayMs: Math.round(r.stats.replayMs), evidenceMs,
    evidence: ev.flatMap((e) => e.queries.map((q) => ({ index: e.index, line: p.getFile(q.path)!.lines.position(q.start).line + 1, ...(q.evidence ?? { note: q.error }) }))),
  };
}

function printVolumes(label: string, v: Volumes): void {
  console.log(`${label}, ${VOLUME.toLocaleString('en-US')} rows a table: ${v.rows.toLocaleString('en-US')} rows into ${v.filled} of ${v.tables} tables in ${v.dataMs} ms (replay ${v.replayMs} ms); evidence for ${v.evidence.length} served queries in ${v.evidenceMs} ms`);
  for (const [why, n] of Object.entries(v.skipped)) console.log(`  skipped ${n}: ${why}`);
  for (const e of v.evidence) console.log(`  ${e.index} (line ${e.line}): ${e.costBefore !== undefined ? `cost ${e.costBefore} -> ${e.costAfter}, index ${e.indexUsed ? 'used' : 'not used'}` : e.note}`);
}

interface Replay { statements: number; ranCleanly: number; failed: number; followOns: number; explained: number; rejected: number; skipped: Record<string, number>; startMs: number; replayMs: number; explainMs: number; totalMs: number; top: [string, number][] }

async function replay(sb: Sandbox, p: Project): Promise<Replay> {
  const t = performance.now();
  const input = sandboxInput(p);
  const statements = input.files.filter((f) => f.role === 'migration').reduce((a, f) => a + f.statements.filter((s) => s.action === 'run').length, 0);
  const r = await checkProject(p, sb);
  const s = r.stats as SandboxStats;
  return {
    statements, ranCleanly: s.ran, failed: s.failed, followOns: s.followOns, explained: s.explained, rejected: s.explainFailed, skipped: s.skipped,
    startMs: Math.round(s.startMs), replayMs: Math.round(s.replayMs), explainMs: Math.round(s.explainMs), totalMs: Math.round(performance.now() - t),
    top: Object.entries(s.reasons).sort((a, b) => b[1] - a[1]).slice(0, TOP),
  };
}

async function child(dir: string): Promise<void> {
  const t = performance.now();
  const sb = new Sandbox({ snapshotDir: dir });
  const r = await sb.run({ files: [], roles: [], extensions: [], severity: 'error', checkQueries: false });
  console.log(JSON.stringify({ wallMs: Math.round(performance.now() - t), startMs: Math.round(r.stats.startMs), from: r.stats.startedFrom }));
  await sb.close();
}

function rssOf(pid: number | undefined): number {
  try { return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024; } catch { return NaN; }
}

interface EditorSave { files: number; firstReadyMs: number; saves: number[]; medianSaveMs: number; serverRssMB: { before: number; up: number } }

/**
 * A copy of `src` (files for which `keep` holds) with `config` as .dbe.json; the server replays it,
 * then a new migration `rel` (dropping a column that does not exist) is written, opened and saved,
 * and the time to its postgres-error diagnostic is taken; `runs` times, the file changed each time.
 */
async function editorSave(src: string, keep: (rel: string) => boolean, config: object, rel: string, runs = 3): Promise<EditorSave> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-bench-sandbox-editor-'));
  let files = 0;
  let first: string | undefined;
  for (const f of listSql(src)) {
    const r = path.relative(src, f);
    if (!keep(r.split(path.sep).join('/'))) continue;
    fs.mkdirSync(path.dirname(path.join(ws, r)), { recursive: true });
    fs.copyFileSync(f, path.join(ws, r));
    first ??= path.join(ws, r);
    files++;
  }
  fs.writeFileSync(path.join(ws, '.dbe.json'), JSON.stringify(config));
  const t0 = performance.now();
  const client = await LspClient.start({ folder: ws, sandbox: true, settings: { debounceMs: 15 } });
  try {
    const before = rssOf(client.child.pid);
    // the sandbox starts when a SQL file of the workspace is open (decision 0027): the user opens one
    if (first) await client.open(fileUri(first), fs.readFileSync(first, 'utf8'), 120_000);
    await client.waitForStatus((s) => s.sandbox?.state === 'ready' || s.sandbox?.state === 'failed', 120_000);
    const firstReadyMs = Math.round(performance.now() - t0);
    const up = rssOf(client.child.pid);
    const file = path.join(ws, rel);
    const uri = fileUri(file);
    const saves: number[] = [];
    for (let i = 0; i < runs; i++) {
      const text = `ALTER TABLE bench_missing_${i} DROP COLUMN gone;\n`;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      if (i === 0) await client.open(uri, text); else await client.change(uri, text);
      const t = performance.now();
      const got = client.waitFor(uri, (p) => p.diagnostics.some((d) => d.code === 'postgres-error' && d.message.includes(`bench_missing_${i}`)), 120_000);
      await client.save(uri);
      await got;
      saves.push(Math.round(performance.now() - t));
    }
    const sorted = [...saves].sort((a, b) => a - b);
    return { files, firstReadyMs, saves, medianSaveMs: sorted[sorted.length >> 1], serverRssMB: { before: mb(before), up: mb(Math.max(up, rssOf(client.child.pid))) } };
  } finally {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (args[0] === '--child') return child(args[1]);
  await initParser();
  const snap = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-bench-sandbox-'));
  const rssBefore = process.memoryUsage().rss;
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; RSS before the sandbox ${mb(rssBefore)} MB`);

  const sb = new Sandbox({ snapshotDir: snap });
  const empty = { files: [], roles: [], extensions: [], severity: 'error' as const, checkQueries: false };
  const cold = await sb.run(empty);
  console.log(`start, fresh (initdb, then the snapshot is written): ${cold.stats.startMs.toFixed(0)} ms`);
  const c = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', snap], { cwd: ROOT, encoding: 'utf8' });
  const disk = JSON.parse((c.stdout || '{}').trim().split('\n').pop() || '{}');
  console.log(`start, new process from the on-disk snapshot: ${disk.startMs} ms, PGlite's module load included (from ${disk.from})`);
  const warm = await sb.run(empty);
  console.log(`start, from the in-memory snapshot: ${warm.stats.startMs.toFixed(0)} ms`);
  const rssUp = process.memoryUsage().rss;

  const shop = await replay(sb, projectOf(path.join(ROOT, 'examples', 'shop')));
  console.log(`examples/shop: ${shop.statements} statements, ${shop.ranCleanly} ran cleanly, ${shop.failed} failed (+${shop.followOns} follow-ons); ${shop.explained} queries explained, ${shop.rejected} rejected; replay ${shop.replayMs} ms, explain ${shop.explainMs} ms, total with start ${shop.totalMs} ms`);

  let lemmy: Replay | undefined, lemmyMigrationsOnly: Replay | undefined, rssLemmy = 0;
  if (fs.existsSync(LEMMY)) {
    for (const [label, raw] of [['lemmy (every file, path order)', {}], ['lemmy (migrations.include: migrations_*; replaceable schema as queries)', { migrations: { include: ['migrations_*'] } }]] as const) {
      const r = await replay(sb, projectOf(LEMMY, raw));
      rssLemmy = Math.max(rssLemmy, process.memoryUsage().rss);
      console.log(`${label}: ${r.statements} statements, ${r.ranCleanly} ran cleanly, ${r.failed} failed (+${r.followOns} follow-ons not reported); ${r.explained} queries explained, ${r.rejected} rejected; skipped ${JSON.stringify(r.skipped)}; replay ${r.replayMs} ms, explain ${r.explainMs} ms, total ${r.totalMs} ms`);
      for (const [why, n] of r.top) console.log(`  ${String(n).padStart(4)}  ${why}`);
      if (!lemmy) lemmy = r; else lemmyMigrationsOnly = r;
    }
  } else console.log(`lemmy corpus not found at ${LEMMY}`);
  const shopVolumes = await volumes(sb, projectOf(path.join(ROOT, 'examples', 'shop')));
  printVolumes('examples/shop', shopVolumes);
  let pagilaVolumes: Volumes | undefined;
  if (fs.existsSync(PAGILA)) { pagilaVolumes = await volumes(sb, projectOf(PAGILA)); printVolumes('pagila', pagilaVolumes); }
  else console.log(`pagila corpus not found at ${PAGILA}`);
  await sb.close();
  console.log(`RSS: ${mb(rssBefore)} MB before, ${mb(rssUp)} MB with the sandbox up (empty), ${mb(rssLemmy)} MB at most during the lemmy replays`);
  fs.rmSync(snap, { recursive: true, force: true });

  let editor: { shop: EditorSave; lemmy?: EditorSave } | undefined;
  if (!args.includes('--no-editor') && fs.existsSync(path.join(ROOT, 'dist', 'server.js'))) {
    const shopE = await editorSave(path.join(ROOT, 'examples', 'shop'), () => true, {}, 'migrations/004_bench.sql');
    console.log(`editor, examples/shop (${shopE.files} files): sandbox ready ${shopE.firstReadyMs} ms after the server started; didSave to postgres-error diagnostic ${shopE.saves.join(', ')} ms (median ${shopE.medianSaveMs}); server RSS ${shopE.serverRssMB.before} MB before, ${shopE.serverRssMB.up} MB with the sandbox up`);
    let lemmyE: EditorSave | undefined;
    if (fs.existsSync(LEMMY)) {
      lemmyE = await editorSave(LEMMY, (r) => r.startsWith('migrations_'), { migrations: { include: ['migrations_*'] } }, 'migrations_9999-12-31-000000_bench_up.sql');
      console.log(`editor, lemmy migrations (${lemmyE.files} files, include migrations_*): sandbox ready ${lemmyE.firstReadyMs} ms after the server started; didSave to postgres-error diagnostic ${lemmyE.saves.join(', ')} ms (median ${lemmyE.medianSaveMs}); server RSS ${lemmyE.serverRssMB.before} MB before, ${lemmyE.serverRssMB.up} MB with the sandbox up`);
    }
    editor = { shop: shopE, lemmy: lemmyE };
  }
  console.log(JSON.stringify({
    startMs: { initdb: Math.round(cold.stats.startMs), diskSnapshot: disk.startMs, memorySnapshot: Math.round(warm.stats.startMs) },
    shop, lemmy, lemmyMigrationsOnly, volumes: { shop: shopVolumes, pagila: pagilaVolumes }, rssMB: { before: mb(rssBefore), up: mb(rssUp), lemmy: mb(rssLemmy) }, editor,
  }));
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
