// Completion latency on a real project: lemmy (686 Diesel migrations, corpus). Starts dist/server.js
// --stdio on the project, waits until it is indexed, then opens files across the replay order (each
// waits for its first diagnostics) and sends textDocument/completion at many positions of each:
// after FROM/JOIN (relations), after `alias.` (columns), in SELECT lists and WHERE clauses
// (columns in scope, functions, keywords), at statement starts (keywords), one request at a time,
// round trip measured in the client. In a migration each request needs the schema before its
// statement (engine/schema-at.ts), so the first request in the project pays the replay up to it.
// Prints p50/p95/max (and the first request apart) with the ratio to the target (p95 < 30 ms), and
// the server's resident memory before and after. Skips cleanly when the corpus is absent.
// Usage: npm run build && node --import tsx bench/completion.ts [--folder DIR] [--files N] [--per-file N] [--slowest]
// Prints one JSON line last.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileUri, LspClient } from '../test/lspClient';
import { completionContext } from '../server/src/lsp/completion-context';
import { items as completionItems, schemaAt } from '../server/src/lsp/handlers/completion';
import { Folder } from '../server/src/lsp/folder';
import { uriKey } from '../server/src/lsp/uri';
import { initParser } from '../server/src/sql/parse';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const ROOT = path.resolve(__dirname, '..');
const FOLDER = path.resolve(arg('--folder', path.resolve(ROOT, '..', 'shared', 'corpus', 'lemmy')));
const FILES = Number(arg('--files', '40'));
const PER_FILE = Number(arg('--per-file', '25'));
const TARGET_P95_MS = 30;

function listSql(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listSql(p));
    else if (e.name.endsWith('.sql')) out.push(p);
  }
  return out.sort();
}

function pct(sorted: number[], p: number): number { return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]; }

/** Offsets where a user asks for completion: after FROM/JOIN/SELECT/WHERE/ON, after `x.`, at statement starts. */
function positions(text: string, max: number): number[] {
  const out: number[] = [];
  const re = /\b(FROM|JOIN|SELECT|WHERE|AND|ON|INTO|UPDATE|TABLE)\s+|[A-Za-z_][A-Za-z0-9_]*\.(?=[A-Za-z_])|;\s*\n/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m.index + m[0].length);
  if (out.length <= max) return out;
  const step = out.length / max;
  return Array.from({ length: max }, (_, i) => out[Math.floor(i * step)]);
}

function rssMb(pid: number | undefined): number | undefined {
  try { const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8')); return m ? Math.round(Number(m[1]) / 1024) : undefined; } catch { return undefined; }
}

/** The handler's own work for the same positions, in this process, after the project has been replayed once (as the server has). */
async function inProcess(files: string[]): Promise<{ p50: number; p95: number; max: number }> {
  await initParser();
  const folder = new Folder(fileUri(FOLDER), path.basename(FOLDER));
  for (const f of listSql(FOLDER)) folder.project.setFile(uriKey(fileUri(f)), fs.readFileSync(f, 'utf8'));
  const final = folder.project.schema();
  folder.project.analyze([]);
  const times: number[] = [];
  for (const f of files) {
    const file = folder.project.getFile(uriKey(fileUri(f)))!;
    for (const off of positions(file.text, PER_FILE)) {
      const t = performance.now();
      const ctx = completionContext(file.split.masked, off, file.split.statements);
      if (ctx.context.kind !== 'none') {
        const needs = ctx.context.kind !== 'statement' && ctx.context.kind !== 'after-relation';
        const schema = needs ? await schemaAt(folder.project, file, off, async () => final) : undefined;
        JSON.stringify(completionItems(folder, file, ctx, schema));
      }
      times.push(performance.now() - t);
    }
  }
  const sorted = times.sort((a, b) => a - b);
  return { p50: pct(sorted, 0.5), p95: pct(sorted, 0.95), max: sorted[sorted.length - 1] };
}

async function main(): Promise<number> {
  if (!fs.existsSync(FOLDER)) {
    console.log(`# skipped: ${FOLDER} is absent`);
    console.log(JSON.stringify({ skipped: `${FOLDER} is absent` }));
    return 0;
  }
  const all = listSql(FOLDER).filter((f) => !/_down\.sql$|down\.sql$/.test(f));
  const step = Math.max(1, Math.floor(all.length / FILES));
  const files = all.filter((_, i) => i % step === 0).slice(0, FILES);
  const c = await LspClient.start({ folder: FOLDER, settings: { debounceMs: 5 } });
  try {
    const t0 = performance.now();
    await c.waitForStatus((s) => s.state === 'ready', 300_000);
    const indexMs = performance.now() - t0;
    const rssBefore = rssMb(c.child.pid);
    const times: number[] = [];
    const slow: { ms: number; at: string }[] = [];
    let first: number | undefined;
    let items = 0, empty = 0;
    for (const f of files) {
      const uri = fileUri(f);
      const text = fs.readFileSync(f, 'utf8');
      await c.open(uri, text, 60_000);
      const lines = text.split('\n');
      const starts = [0];
      for (const l of lines) starts.push(starts[starts.length - 1] + l.length + 1);
      for (const off of positions(text, PER_FILE)) {
        let line = 0;
        while (starts[line + 1] <= off) line++;
        const t = performance.now();
        const r = ((await c.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line, character: off - starts[line] } })) as { items: unknown[] } | null)?.items;
        const ms = performance.now() - t;
        if (first === undefined) first = ms; else times.push(ms);
        slow.push({ ms, at: `${path.basename(f)}:${line + 1}:${off - starts[line] + 1} ${JSON.stringify(text.slice(Math.max(0, off - 20), off))}` });
        items += r?.length ?? 0;
        if (!r?.length) empty++;
      }
      await c.close(uri);
    }
    // typing: a keystroke then a completion request at once (the project's copy is rebuilt first),
    // in a migration halfway through the replay order
    const typed: number[] = [];
    {
      const f = files[Math.floor(files.length / 2)];
      const uri = fileUri(f);
      let text = fs.readFileSync(f, 'utf8') + '\n';
      await c.open(uri, text, 60_000);
      for (const ch of 'SELECT p.name, c.id FROM person p JOIN community c ON c.id = p.id WHERE p.') {
        const lines = text.split('\n');
        const pos = { line: lines.length - 1, character: lines[lines.length - 1].length };
        text += ch;
        void c.change(uri, [{ range: { start: pos, end: pos }, newText: ch }], 1000).catch(() => undefined);
        const at = { line: pos.line, character: pos.character + 1 };
        const t = performance.now();
        await c.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: at });
        typed.push(performance.now() - t);
      }
      await c.close(uri);
    }
    const typedSorted = [...typed].sort((a, b) => a - b);
    const rssAfter = rssMb(c.child.pid);
    const sorted = [...times].sort((a, b) => a - b);
    const p50 = pct(sorted, 0.5), p95 = pct(sorted, 0.95), max = sorted[sorted.length - 1];
    console.log(`${path.basename(FOLDER)}: indexed in ${(indexMs / 1000).toFixed(1)} s; ${times.length + 1} completion requests in ${files.length} files`);
    console.log(`  first request (replays up to its file): ${first?.toFixed(1)} ms`);
    console.log(`  p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms; ${(items / (times.length + 1)).toFixed(0)} items a request on average, ${empty} empty`);
    console.log(`  goal: p95 < ${TARGET_P95_MS} ms: ${p95.toFixed(1)} ms, ${(p95 / TARGET_P95_MS).toFixed(2)}x the target (${p95 <= TARGET_P95_MS ? 'meets' : 'MISSES'} it)`);
    if (args.includes('--slowest')) for (const x of slow.sort((a, b) => b.ms - a.ms).slice(0, 12)) console.log(`  slow: ${x.ms.toFixed(1)} ms at ${x.at}`);
    console.log(`  typing (a keystroke, then completion at once; ${typed.length} keystrokes in one migration): p50 ${pct(typedSorted, 0.5).toFixed(1)} ms, p95 ${pct(typedSorted, 0.95).toFixed(1)} ms`);
    console.log(`  server memory (RSS): ${rssBefore} MB after indexing, ${rssAfter} MB after the requests`);
    const inproc = await inProcess(files);
    console.log(`  the same requests in process (context, schema at the point, items; no JSON-RPC): p50 ${inproc.p50.toFixed(2)} ms, p95 ${inproc.p95.toFixed(2)} ms, max ${inproc.max.toFixed(1)} ms`);
    console.log(JSON.stringify({ inProcessP95Ms: inproc.p95, typingP50Ms: pct(typedSorted, 0.5), typingP95Ms: pct(typedSorted, 0.95), folder: FOLDER, files: files.length, requests: times.length + 1, firstMs: first, p50Ms: p50, p95Ms: p95, maxMs: max, targetP95Ms: TARGET_P95_MS, ratio: p95 / TARGET_P95_MS, rssBeforeMb: rssBefore, rssAfterMb: rssAfter }));
    return 0;
  } finally {
    await c.stop();
  }
}

main().then((code) => { process.exitCode = code; }, (e) => { console.error(e); process.exitCode = 1; });
