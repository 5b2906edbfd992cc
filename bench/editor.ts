// Editor latency: how fast the language server answers typing in a large migration file.
// Generates a 5,000-line migration, starts dist/server.js --stdio, opens the file, measures the time
// to its first publishDiagnostics, then types ~200 characters mid-file (waiting for the versioned
// publishDiagnostics of each edit) and reports p50/p95/max in ms, debounce included.
// The sandbox (issue #6) is on, as in the editor: its worker replays the file while the typing is
// measured (the result says whether a run overlapped the edits); --no-sandbox turns it off. A run
// waits for a pause in typing before it starts, so by default none overlaps the edits;
// --while-replaying waits until the first run has started and types during it (the worst case);
// --while-measuring waits until its missing-index evidence phase (generated rows, plans) has started.
// Usage: npm run build && node --import tsx bench/editor.ts [--edits N] [--lines N] [--profile] [--no-sandbox] [--while-replaying] [--while-measuring]
// (--profile: the server runs with --cpu-prof; the profile goes to $TMPDIR/dbe-editor-profiles.)
// Prints one JSON line. Exit code 0 unless the server failed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileUri, LspClient } from '../test/lspClient';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const LINES = arg('--lines', 5000);
const EDITS = arg('--edits', 200);
const PROFILE = args.includes('--profile');
const SANDBOX = !args.includes('--no-sandbox');
const WHILE_REPLAYING = SANDBOX && args.includes('--while-replaying');
const WHILE_MEASURING = SANDBOX && args.includes('--while-measuring');
const TARGET_FIRST_MS = 1000;
const TARGET_P95_MS = 50;

/** One block of realistic migration SQL (25 lines), with a few findings sprinkled in. */
function block(i: number): string[] {
  const t = `t${i}`;
  const prev = i > 0 ? `t${i - 1}` : 'accounts';
  return [
    `-- block ${i}: ${t}`,
    `CREATE TABLE ${t} (`,
    `  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,`,
    `  ${prev}_id bigint NOT NULL REFERENCES ${prev} (id),`,
    `  name text NOT NULL,`,
    `  status text NOT NULL DEFAULT 'new',`,
    `  amount numeric(12,2),`,
    `  created_at timestamptz NOT NULL DEFAULT now(),`,
    `  deleted_at timestamptz`,
    `);`,
    i % 3 === 0 ? `CREATE INDEX ${t}_prev_idx ON ${t} (${prev}_id);` : `CREATE INDEX ${t}_created_idx ON ${t} (created_at);`,
    `ALTER TABLE ${t} ADD COLUMN note text;`,
    `COMMENT ON TABLE ${t} IS 'generated table ${i}';`,
    `SELECT a.id, a.name, b.id AS prev_id`,
    `FROM ${t} a`,
    `JOIN ${prev} b ON b.id = a.${prev}_id`,
    `WHERE a.status = 'active' AND a.name <> 'x${i}'`,
    `ORDER BY a.created_at DESC`,
    `LIMIT 50;`,
    i % 10 === 0 ? `SELECT id FROM ${t} WHERE deleted_at = NULL;` : `SELECT count(*) FROM ${t} WHERE deleted_at IS NULL;`,
    `UPDATE ${t} SET status = 'done'`,
    `WHERE id = 1;`,
    i % 7 === 0 ? `SELECT * FROM ${t};` : `DELETE FROM ${t} WHERE id = 2;`,
    `INSERT INTO ${t} (${prev}_id, name) VALUES (1, 'n');`,
    ``,
  ];
}

export function generate(lines: number): string {
  const out = ['CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);', ''];
  for (let i = 0; out.length < lines; i++) out.push(...block(i));
  return out.slice(0, lines).join('\n') + '\n';
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const round = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<number> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-bench-editor-'));
  const rel = 'migrations/001_big.sql';
  const file = path.join(ws, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text = generate(LINES);
  fs.writeFileSync(file, text);
  // --while-measuring: lookups that want an index, so that the run has an evidence phase to type through
  if (WHILE_MEASURING) {
    fs.mkdirSync(path.join(ws, 'queries'));
    fs.writeFileSync(path.join(ws, 'queries/lookups.sql'), Array.from({ length: 20 }, (_, i) => `SELECT id FROM t${i * 5} WHERE note = $1;`).join('\n') + '\n');
  }
  const profDir = path.join(os.tmpdir(), 'dbe-editor-profiles');
  const client = await LspClient.start({
    folder: ws,
    nodeArgs: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    sandbox: SANDBOX,
  });
  try {
    const uri = fileUri(file);
    const t0 = performance.now();
    const first = await client.open(uri, text);
    const firstMs = performance.now() - t0;

    // Type into string literals of the queries in the middle of the file, one character per edit.
    const lines = text.split('\n');
    const targets: number[] = [];
    const mid = Math.floor(lines.length / 2);
    for (let l = mid - 600; l < lines.length && targets.length < 40; l++) if (l >= 0 && /name <> 'x\d+'/.test(lines[l])) targets.push(l);
    if (WHILE_REPLAYING) await client.waitForStatus((s) => s.sandbox?.state === 'starting' || s.sandbox?.state === 'replaying', 60_000);
    if (WHILE_MEASURING) await client.waitForStatus((s) => s.sandbox?.evidence?.state === 'measuring', 120_000);
    const latencies: number[] = [];
    /** Edits made while the sandbox was starting, replaying or measuring evidence (its worker busy). */
    const busy: number[] = [];
    const statusBefore = client.statuses.length;
    const typingStarted = performance.now();
    for (let k = 0; k < EDITS; k++) {
      const line = targets[k % targets.length];
      const current = client.text(uri).split('\n')[line];
      const character = current.lastIndexOf("'");
      const sb = client.statuses.at(-1)?.sandbox;
      const state = sb?.evidence?.state === 'measuring' ? 'measuring' : sb?.state;
      const t = performance.now();
      await client.change(uri, [{ range: { start: { line, character }, end: { line, character } }, newText: String.fromCharCode(97 + (k % 26)) }]);
      latencies.push(performance.now() - t);
      if (state === 'starting' || state === 'replaying' || state === 'measuring') busy.push(performance.now() - t);
    }
    busy.sort((a, b) => a - b);
    const typingMs = performance.now() - typingStarted;
    const during = client.statuses.slice(statusBefore).map((s) => (s.sandbox?.evidence?.state === 'measuring' ? 'measuring' : s.sandbox?.state)).filter(Boolean);
    latencies.sort((a, b) => a - b);
    const result = {
      bench: 'editor',
      lines: text.split('\n').length - 1,
      diagnostics: first.diagnostics.length,
      firstDiagnosticsMs: round(firstMs),
      edits: latencies.length,
      p50Ms: round(pct(latencies, 50)),
      p95Ms: round(pct(latencies, 95)),
      maxMs: round(latencies[latencies.length - 1]),
      typingMs: Math.round(typingMs),
      sandbox: SANDBOX ? { statesDuringTyping: [...new Set(during)], editsWhileBusy: busy.length, p95WhileBusyMs: round(pct(busy, 95)), last: client.statuses.at(-1)?.sandbox } : 'off',
      targets: { firstDiagnosticsMs: TARGET_FIRST_MS, p95Ms: TARGET_P95_MS },
      ok: firstMs < TARGET_FIRST_MS && pct(latencies, 95) <= TARGET_P95_MS,
    };
    if (PROFILE) console.error(`server CPU profile: ${profDir} (written when the server exits)`);
    console.log(JSON.stringify(result));
    return 0;
  } catch (e: any) {
    console.error(`editor bench failed: ${e?.stack ?? e}`);
    console.error(client.stderr);
    return 1;
  } finally {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

if (require.main === module) main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });
