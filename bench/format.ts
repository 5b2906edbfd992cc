// Formatting latency through the stdio server: Format Document on examples/shop's queries/reports.sql
// (9 statements) and on pagila-schema.sql (388 statements, 90 KB; skipped when ../shared/corpus is
// absent), best and median of N runs, and how long a hover waits while the big file is being
// formatted (formatting runs a statement at a time between other requests: lsp/slices.ts).
// Usage: npm run build && node --import tsx bench/format.ts [--runs N]. Prints one JSON line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileUri, LspClient } from '../test/lspClient';

const ROOT = path.resolve(__dirname, '..');
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
const args = process.argv.slice(2);
const RUNS = Math.max(1, Number(args[args.indexOf('--runs') + 1]) || 5);
const OPTIONS = { tabSize: 2, insertSpaces: true };

function stats(ms: number[]): { best: number; median: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { best: Math.round(s[0]), median: Math.round(s[s.length >> 1]) };
}

async function measure(folder: string, rel: string, hoverAt?: { line: number; character: number }): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-bench-format-'));
  fs.cpSync(folder, dir, { recursive: true });
  const c = await LspClient.start({ folder: dir });
  try {
    const uri = fileUri(path.join(dir, rel));
    const text = fs.readFileSync(path.join(dir, rel), 'utf8');
    await c.open(uri, text, 120_000);
    await c.waitForStatus((s) => s.state === 'ready', 300_000);
    const ms: number[] = [];
    let edits = 0;
    for (let i = 0; i < RUNS; i++) {
      // a different tab size each run, so nothing is answered from a cache of the previous run
      const t = performance.now();
      const r: unknown[] = await c.conn.sendRequest('textDocument/formatting', { textDocument: { uri }, options: { ...OPTIONS, tabSize: 2 + (i % 3) } });
      ms.push(performance.now() - t);
      edits = r.length;
    }
    const out: Record<string, unknown> = { file: rel, edits, runs: RUNS, ms: stats(ms) };
    if (hoverAt) {
      const waits: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const f = c.conn.sendRequest('textDocument/formatting', { textDocument: { uri }, options: { ...OPTIONS, tabSize: 5 + i } });
        await new Promise((r) => setTimeout(r, 20));
        const t = performance.now();
        await c.hover(uri, hoverAt.line, hoverAt.character);
        waits.push(performance.now() - t);
        await f;
      }
      out.hoverDuringFormatMs = stats(waits);
    }
    return out;
  } finally {
    await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = { loadavg: os.loadavg().map((x) => +x.toFixed(2)) };
  result.shop = await measure(path.join(ROOT, 'examples', 'shop'), 'queries/reports.sql');
  const pagila = path.join(CORPUS, 'pagila');
  if (fs.existsSync(pagila)) {
    const text = fs.readFileSync(path.join(pagila, 'pagila-schema.sql'), 'utf8');
    const line = text.split('\n').findIndex((l) => /^CREATE TABLE public\.actor /.test(l));
    result.pagila = await measure(pagila, 'pagila-schema.sql', line >= 0 ? { line, character: 22 } : undefined);
  } else result.pagila = `skipped: ${pagila} is absent`;
  console.log(JSON.stringify(result));
}

main().catch((e) => { console.error(e); process.exit(1); });
