// Workspace diagnostics benchmark (issue #12): the language server on a big trusted folder (lemmy, its
// real migration layout: 686 files) publishes every file after indexing; meanwhile hovers are sent
// every 20 ms and their round trip is recorded, to show that requests are answered in between
// (the analysis runs in slices, server/src/lsp/slices.ts). Also: with the pull model, how long a
// workspace/diagnostic request takes, and how long an unchanged second one takes.
// Usage: npm run build && node --import tsx bench/workspace.ts [folder] [--runs N]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileUri, LspClient, ROOT } from '../test/lspClient';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Math.max(1, Number(args[runsAt + 1])) : 3;
const FOLDER = path.resolve(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs') ?? path.resolve(ROOT, '..', 'measure', 'unflat', 'lemmy'));

function listSql(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules' && e.name !== '.git') out.push(...listSql(p));
    else if (e.isFile() && e.name.toLowerCase().endsWith('.sql')) out.push(p);
  }
  return out.sort();
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]; };

async function pushRun(files: string[]): Promise<{ allMs: number; readyMs: number; hovers: number[]; indexing: number[]; idle: number[] }> {
  const c = await LspClient.start({ folder: FOLDER, settings: {} });
  const t0 = performance.now();
  const target = fileUri(files.find((f) => /CREATE TABLE/i.test(fs.readFileSync(f, 'utf8'))) ?? files[0]);
  const hovers: number[] = [];
  const indexing: number[] = [];
  let done = false;
  let readyMs = 0;
  const loop = (async () => {
    while (!done) {
      const h = performance.now();
      const during = c.statuses.some((st) => st.state === 'ready') ? hovers : indexing;
      await c.hover(target, 0, 3);
      during.push(performance.now() - h);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const want = new Set(files.map(fileUri));
  while ([...want].some((u) => !c.latest.has(u))) await new Promise((r) => setTimeout(r, 5));
  const allMs = performance.now() - t0;
  done = true;
  await loop;
  readyMs = (await c.waitForStatus((st) => st.state === 'ready')).ms ?? 0;
  // the same hovers once nothing runs, for comparison (the machine's own load shows here too)
  await new Promise((r) => setTimeout(r, 500));
  const idle: number[] = [];
  for (let i = 0; i < 30; i++) {
    const h = performance.now();
    await c.hover(target, 0, 3);
    idle.push(performance.now() - h);
    await new Promise((r) => setTimeout(r, 20));
  }
  await c.stop();
  return { allMs, readyMs, hovers, indexing, idle };
}

async function pullRun(): Promise<{ firstMs: number; files: number; secondMs: number; unchanged: number }> {
  const c = await LspClient.start({ folder: FOLDER, settings: {}, pull: true });
  await c.waitForStatus((s) => s.state === 'ready', 120_000);
  let t = performance.now();
  const first: any = await c.conn.sendRequest('workspace/diagnostic', { previousResultIds: [] });
  const firstMs = performance.now() - t;
  const prev = first.items.map((i: any) => ({ uri: i.uri, value: i.resultId }));
  t = performance.now();
  const second: any = await c.conn.sendRequest('workspace/diagnostic', { previousResultIds: prev });
  const secondMs = performance.now() - t;
  await c.stop();
  return { firstMs, files: first.items.length, secondMs, unchanged: second.items.filter((i: any) => i.kind === 'unchanged').length };
}

async function main(): Promise<void> {
  const files = listSql(FOLDER);
  console.log(`workspace diagnostics: ${FOLDER} (${files.length} .sql files), ${RUNS} runs`);
  for (let i = 0; i < RUNS; i++) {
    const r = await pushRun(files);
    const line = (xs: number[]) => xs.length ? `${xs.length} hovers: median ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms` : 'no hover';
    console.log(`push: indexed (status ready) after ${r.readyMs} ms, every file published ${r.allMs.toFixed(0)} ms after initialize`);
    console.log(`  while indexing: ${line(r.indexing)}`);
    console.log(`  while the workspace diagnostics are computed: ${line(r.hovers)}`);
    console.log(`  afterwards, nothing running: ${line(r.idle)}`);
  }
  for (let i = 0; i < RUNS; i++) {
    const r = await pullRun();
    console.log(`pull: workspace/diagnostic after ready ${r.firstMs.toFixed(0)} ms (${r.files} files); again with the result ids ${r.secondMs.toFixed(0)} ms (${r.unchanged} unchanged)`);
  }
}

void main().catch((e) => { console.error(e); process.exit(1); });
