// Language server under big inputs: does it stay responsive, and what does each case cost?
// Starts dist/server.js --stdio (or --server <path>, to compare builds) and measures:
//  - bigDocument: time to first diagnostics of a 5,000-statement document, and the longest a probe
//    request (hover on a small open document, sent every 10 ms) waited meanwhile;
//  - replacements: 1,000 full replacements of that document sent in quick succession: time until the
//    last version's diagnostics, how many publications were for older versions, the server's peak RSS;
//  - workspace: a 10,000-file workspace: indexing time and probe wait meanwhile, then a DDL edit of an
//    open migration: time to its diagnostics and probe wait meanwhile;
//  - twoMegabytes: a 1.9 MB document: cost of a keystroke (to its versioned diagnostics) and probe wait;
//  - the largest publishDiagnostics message (bytes of its JSON) and the most diagnostics in one.
// Probe waits are how long a user waits for a hover (its turn, and the schema it needs); ping waits
// are the event loop's blocking alone (a quick-fix request with nothing to compute).
// Usage: npm run build && node --import tsx bench/lsp-stress.ts [--server dist/server.js] [--only name,...] [--timeout-s N]
// Prints one JSON line. Exit code 0 unless the server failed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { generate } from './editor';
import { fileUri, LspClient } from '../test/lspClient';

const args = process.argv.slice(2);
const opt = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const SERVER = opt('--server') ? path.resolve(opt('--server')!) : undefined;
const ONLY = opt('--only')?.split(',');
const TIMEOUT_MS = Number(opt('--timeout-s') ?? 300) * 1000;
/** --profile <dir>: the server writes a CPU profile there when it exits. */
const PROFILE = opt('--profile');
const STATEMENTS = 5000;
const REPLACEMENTS = 1000;
const WORKSPACE_FILES = 10_000;
const round = (x: number) => Math.round(x);

/** A generated migration with at least n statements. */
function statements(n: number): string {
  for (let lines = Math.ceil(n * 2.8); ; lines += 500) {
    const t = generate(lines);
    if ((t.match(/;\n/g) ?? []).length >= n) return t;
  }
}

function peakRssMb(pid: number | undefined): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch { return undefined; }
}

/**
 * Sends hovers one after another (10 ms apart) until stopped, and alongside them quick-fix code
 * action requests (no diagnostics: nothing to compute). Returns the longest wait of each: a hover
 * may wait for the schema it needs (replayed in slices); a ping only for its turn.
 */
function probe(client: LspClient, uri: string): { stop: () => Promise<{ maxMs: number; count: number; pingMaxMs: number }> } {
  let running = true;
  let maxMs = 0, count = 0, pingMaxMs = 0;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      await client.hover(uri, 0, 15).catch(() => null);
      maxMs = Math.max(maxMs, performance.now() - t);
      count++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const pings = (async () => {
    while (running) {
      const t = performance.now();
      await client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: [], only: ['quickfix'] } }).catch(() => null);
      pingMaxMs = Math.max(pingMaxMs, performance.now() - t);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return { stop: async () => { running = false; await loop; await pings; return { maxMs: round(maxMs), count, pingMaxMs: round(pingMaxMs) }; } };
}

function waitVersion(client: LspClient, uri: string, version: number): Promise<PublishDiagnosticsParams> {
  return client.waitFor(uri, (p) => p.version === version, TIMEOUT_MS);
}

const largest = { bytes: 0, diagnostics: 0 };
function noteSizes(client: LspClient): void {
  for (const e of client.timeline) {
    if (e.method !== 'diagnostics') continue;
    largest.bytes = Math.max(largest.bytes, Buffer.byteLength(JSON.stringify(e.params)));
    largest.diagnostics = Math.max(largest.diagnostics, e.params.diagnostics.length);
  }
}

async function withServer<T>(files: Record<string, string> | ((dir: string) => void), fn: (client: LspClient, ws: string) => Promise<T>): Promise<T> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dbe-bench-stress-'));
  if (typeof files === 'function') files(ws);
  else for (const [rel, text] of Object.entries(files)) { fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true }); fs.writeFileSync(path.join(ws, rel), text); }
  const client = await LspClient.start({ folder: ws, server: SERVER, settings: { debounceMs: 15 }, nodeArgs: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [] });
  try {
    return await fn(client, ws);
  } finally {
    noteSizes(client);
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

const SMALL = 'SELECT id FROM accounts;\n';
const ACCOUNTS = 'CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);\n';

async function bigDocument(): Promise<unknown> {
  const text = statements(STATEMENTS);
  return withServer({ 'migrations/000_accounts.sql': ACCOUNTS }, async (client, ws) => {
    await client.waitForStatus((s) => s.state === 'ready');
    const small = fileUri(path.join(ws, 'queries/probe.sql'));
    await client.open(small, SMALL);
    const uri = fileUri(path.join(ws, 'migrations/001_big.sql'));
    const p = probe(client, small);
    const t0 = performance.now();
    const first = await client.open(uri, text, TIMEOUT_MS);
    const firstMs = performance.now() - t0;
    const waits = await p.stop();
    // 1,000 full replacements in quick succession (each a different text), then the last one's diagnostics
    const rssBefore = peakRssMb(client.child.pid);
    const published = client.timeline.length;
    // one stream, written straight to the server's stdin, so that the client's own pace does not count
    const v = REPLACEMENTS + 1;
    const frames = Buffer.concat(Array.from({ length: REPLACEMENTS }, (_, i) => {
      const body = JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didChange', params: { textDocument: { uri, version: i + 2 }, contentChanges: [{ text: text.replace("'x1'", `'x1_${i}'`) }] } });
      return Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    }));
    const t1 = performance.now();
    const p2 = probe(client, small);
    client.child.stdin!.write(frames);
    const last = await waitVersion(client, uri, v);
    const replaceMs = performance.now() - t1;
    const waits2 = await p2.stop();
    const olderPublications = client.timeline.slice(published).filter((e) => e.method === 'diagnostics' && e.params.uri === uri && e.params.version !== v).length;
    return {
      bigDocument: { statements: (text.match(/;\n/g) ?? []).length, bytes: text.length, diagnostics: first.diagnostics.length, firstDiagnosticsMs: round(firstMs), probeMaxWaitMs: waits.maxMs, pingMaxWaitMs: waits.pingMaxMs, probes: waits.count },
      replacements: { count: REPLACEMENTS, lastDiagnosticsMs: round(replaceMs), olderVersionPublications: olderPublications, diagnostics: last.diagnostics.length, probeMaxWaitMs: waits2.maxMs, pingMaxWaitMs: waits2.pingMaxMs, peakRssMbBefore: rssBefore, peakRssMb: peakRssMb(client.child.pid) },
    };
  });
}

async function workspace(): Promise<unknown> {
  return withServer((ws) => {
    fs.mkdirSync(path.join(ws, 'migrations'));
    fs.writeFileSync(path.join(ws, 'migrations/00000_accounts.sql'), ACCOUNTS);
    for (let i = 1; i < WORKSPACE_FILES; i++) {
      const t = `t${i}`;
      fs.writeFileSync(path.join(ws, 'migrations', `${String(i).padStart(5, '0')}_${t}.sql`),
        `CREATE TABLE ${t} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts (id), name text);\n` +
        `CREATE INDEX ${t}_account_idx ON ${t} (account_id);\nSELECT id, name FROM ${t} WHERE account_id = 1;\n`);
    }
  }, async (client, ws) => {
    // the probe document is opened right away: the server answers it (or not) while it indexes
    const small = fileUri(path.join(ws, 'queries/probe.sql'));
    const t0 = performance.now();
    void client.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: small, languageId: 'sql', version: 1, text: SMALL } });
    const p = probe(client, small);
    await client.waitForStatus((s) => s.state === 'ready', TIMEOUT_MS);
    const indexMs = performance.now() - t0;
    await client.waitFor(small, () => true, TIMEOUT_MS);
    const waits = await p.stop();
    const rel = `migrations/05000_t5000.sql`;
    const uri = fileUri(path.join(ws, rel));
    const text = fs.readFileSync(path.join(ws, rel), 'utf8');
    await client.waitFor(uri, () => true, 1).catch(() => undefined);
    await client.open(uri, text, TIMEOUT_MS).catch(() => undefined);
    // a DDL edit: a new column (the schema changes, every other file may be judged differently)
    const p2 = probe(client, small);
    const t1 = performance.now();
    const col = text.indexOf('name text');
    await client.change(uri, [{ range: { start: { line: 0, character: col }, end: { line: 0, character: col } }, newText: 'note text, ' }]).catch(() => undefined);
    await waitVersion(client, uri, 2);
    const editMs = performance.now() - t1;
    // the other open document is re-judged against the new schema (longer debounce)
    await new Promise((r) => setTimeout(r, 500));
    const waits2 = await p2.stop();
    return { workspace: { files: WORKSPACE_FILES, indexMs: round(indexMs), probeMaxWaitMsWhileIndexing: waits.maxMs, pingMaxWaitMsWhileIndexing: waits.pingMaxMs, ddlEditDiagnosticsMs: round(editMs), probeMaxWaitMsAfterDdlEdit: waits2.maxMs, pingMaxWaitMsAfterDdlEdit: waits2.pingMaxMs } };
  });
}

async function twoMegabytes(): Promise<unknown> {
  let lines = 60_000;
  let text = generate(lines);
  while (Buffer.byteLength(text) > 1.9 * 1024 * 1024) text = generate(lines -= 500);
  return withServer({ 'migrations/000_accounts.sql': ACCOUNTS }, async (client, ws) => {
    await client.waitForStatus((s) => s.state === 'ready');
    const small = fileUri(path.join(ws, 'queries/probe.sql'));
    await client.open(small, SMALL);
    const uri = fileUri(path.join(ws, 'migrations/001_two_mb.sql'));
    const t0 = performance.now();
    const first = await client.open(uri, text, TIMEOUT_MS);
    const firstMs = performance.now() - t0;
    const p = probe(client, small);
    const costs: number[] = [];
    const target = text.split('\n').findIndex((l, i) => i > lines / 2 && /name <> 'x\d+'/.test(l));
    for (let k = 0; k < 5; k++) {
      const line = client.text(uri).split('\n')[target];
      const character = line.lastIndexOf("'");
      const t = performance.now();
      await client.change(uri, [{ range: { start: { line: target, character }, end: { line: target, character } }, newText: 'q' }], TIMEOUT_MS);
      costs.push(performance.now() - t);
    }
    const waits = await p.stop();
    costs.sort((a, b) => a - b);
    return { twoMegabytes: { bytes: Buffer.byteLength(text), diagnostics: first.diagnostics.length, firstDiagnosticsMs: round(firstMs), keystrokeMedianMs: round(costs[2]), keystrokeMaxMs: round(costs[4]), probeMaxWaitMs: waits.maxMs, pingMaxWaitMs: waits.pingMaxMs } };
  });
}

async function main(): Promise<number> {
  const cases: Record<string, () => Promise<unknown>> = { bigDocument, workspace, twoMegabytes };
  const result: Record<string, unknown> = { bench: 'lsp-stress', server: SERVER ?? 'dist/server.js' };
  let failed = false;
  for (const [name, run] of Object.entries(cases)) {
    if (ONLY && !ONLY.includes(name)) continue;
    try { Object.assign(result, await run()); } catch (e: any) { failed = true; result[name] = { error: String(e?.message ?? e).split('\n')[0] }; }
  }
  result.largestDiagnosticsMessage = { bytes: largest.bytes, diagnostics: largest.diagnostics };
  console.log(JSON.stringify(result));
  return failed ? 1 : 0;
}

if (require.main === module) main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });
