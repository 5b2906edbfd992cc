// Entry point of dist/sandbox-worker.js: the sandbox in a worker_threads Worker of the language
// server, so PGlite's start-up, replay and EXPLAINs never run on the thread that answers keystrokes.
// It keeps the last replayed database open for "Explain" requests until the next run replaces it.
// PGlite is external to the bundle: it is found as node_modules/@electric-sql/pglite beside dist/
// (the .vsix ships it); when it cannot be loaded the worker says so in its first message.
import * as os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { measureEvidence } from './evidence';
import { Sandbox } from './sandbox';
import { walkPlan } from './plan';
import { capWasmMemory, tempFileLimitKb, wasmMemoryMb } from './limits';
import { pglite } from './snapshot';
import { POS_FILE, POS_ID, POS_IN_STATEMENT, POS_IN_TABLE, POS_NONE, POS_STATEMENT, POS_WHAT, type FromWorker, type ToWorker, type WorkerData, type WorkerEvidence } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('sandbox-worker.js runs as a worker thread of the language server');
const data = (workerData ?? {}) as WorkerData;
const post = (m: FromWorker) => port.postMessage(m);
const WORKER_NICE = 15;

// Below the thread that answers keystrokes: on Linux the nice value is per thread, so this lowers the
// worker's thread only (elsewhere setpriority would lower the whole server, so it is left alone).
if (process.platform === 'linux') {
  try { os.setPriority(WORKER_NICE); } catch { /* not permitted: run at normal priority */ }
}

/** While the user typed within this many ms, the replay waits between statements. */
const YIELD_WHILE_TYPING_MS = 300;
/** A replay never waits longer than this in one go (the user may type for minutes). */
const MAX_PAUSE_MS = 2000;
const lastKey = data.keystrokes ? new BigInt64Array(data.keystrokes, 0, 1) : undefined;
const sleepSlot = data.keystrokes ? new Int32Array(data.keystrokes, 8, 1) : undefined;
const epoch = data.epoch ?? Date.now();
/** Runs the server wants (bytes 12-15): an evidence request sent before a newer run is superseded. */
const wanted = data.keystrokes ? new Int32Array(data.keystrokes, 12, 1) : undefined;
/**
 * The evidence phase waits longer: nothing waits for its result, while the replay's postgres-error
 * findings are what a save is for (the watchdog extends a run or a phase while the user types).
 */
const EVIDENCE_MAX_PAUSE_MS = 10_000;
/** Before each statement: waits while the user is typing (the server's thread then has the CPU). */
function yieldToTyping(maxPauseMs = MAX_PAUSE_MS): void {
  if (!lastKey || !sleepSlot) return;
  const t0 = Date.now();
  for (;;) {
    const since = Date.now() - epoch - Number(Atomics.load(lastKey, 0));
    if (since >= YIELD_WHILE_TYPING_MS || Date.now() - t0 >= maxPauseMs) return;
    Atomics.wait(sleepSlot, 0, 0, Math.min(50, YIELD_WHILE_TYPING_MS - since)); // a sleep: the slot never changes
  }
}

// PostgreSQL's memory: its WebAssembly heap and its temporary files are capped (limits.ts), so a
// statement that wants more fails with PostgreSQL's own "out of memory" error.
const settings: Record<string, string> = {};
if (data.limits) {
  capWasmMemory(wasmMemoryMb(data.limits.memoryMb));
  settings.temp_file_limit = `${tempFileLimitKb(data.limits.memoryMb)}kB`;
}
const position = data.position ? new Int32Array(data.position) : undefined;
function at(what: number, file = 0, statement = 0): void {
  if (!position) return;
  Atomics.store(position, POS_FILE, file);
  Atomics.store(position, POS_STATEMENT, statement);
  Atomics.store(position, POS_WHAT, what);
}

let current = 0;
const sandbox = new Sandbox({
  snapshotDir: data.snapshotDir ?? null,
  onPhase: (phase) => post({ type: 'phase', id: current, phase }),
  beforeStatement: (file, statement) => { at(POS_NONE); yieldToTyping(); at(POS_IN_STATEMENT, file, statement); },
  settings,
  memoryNote: data.memoryNote,
});

try {
  pglite();
  post({ type: 'hello' });
} catch (e) {
  post({ type: 'hello', unavailable: e instanceof Error ? e.message : String(e) });
}

// The server sends one request at a time; the chain keeps them in order anyway.
let chain: Promise<void> = Promise.resolve();
port.on('message', (m: ToWorker) => { chain = chain.then(() => handle(m)); });

async function handle(m: ToWorker): Promise<void> {
  current = m.id;
  if (position) Atomics.store(position, POS_ID, m.id);
  at(POS_NONE);
  try {
    if (m.type === 'run') {
      const r = await sandbox.run(m.input, {
        beforeTable: (table) => { at(POS_NONE); post({ type: 'table', id: m.id, table }); at(POS_IN_TABLE); },
        progress: m.progress ? (done, total, table) => post({ type: 'progress', id: m.id, done, total, table }) : undefined,
      });
      at(POS_NONE);
      post({ type: 'ran', id: m.id, findings: r.findings, stats: r.stats });
    } else if (m.type === 'explain') {
      const out = await sandbox.explain(m.path, m.stmt);
      const tableRows: Record<string, number> = {};
      if (out.plan) {
        const names = [...new Set([...walkPlan(out.plan)].filter((n) => n.seqScan && n.relation).map((n) => n.relation!))];
        if (names.length) {
          const rows = await sandbox.rows(`SELECT relname, reltuples FROM pg_class WHERE relkind IN ('r', 'p', 'm') AND reltuples >= 0 AND relname IN (${names.map(quoteLiteral).join(', ')})`);
          for (const r of rows) tableRows[String(r.relname)] = Math.max(tableRows[String(r.relname)] ?? 0, Number(r.reltuples));
        }
      }
      post({ type: 'explained', id: m.id, result: { generic: out.generic, plan: out.plan, raw: out.raw, finding: out.finding, tableRows } });
    } else if (m.type === 'evidence') {
      post({ type: 'evidenced', id: m.id, result: await evidence(m) });
    } else if (m.type === 'compare') {
      post({ type: 'compared', id: m.id, result: await sandbox.compare(m.sql, m.params, m.create) });
    } else if (m.type === 'validate') {
      post({ type: 'validated', id: m.id, result: await sandbox.validate(m.up, m.down) });
    }
  } catch (e) {
    post({ type: 'failed', id: m.id, message: e instanceof Error ? e.message : String(e) });
  }
  at(POS_NONE);
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

class Superseded extends Error {}

/**
 * The evidence phase: generated rows into the replayed tables, then each recommendation measured
 * (evidence.ts). Between tables and between recommendations it yields to typing and stops when the
 * server has asked for a newer run since the request was sent.
 */
async function evidence(m: Extract<ToWorker, { type: 'evidence' }>): Promise<WorkerEvidence> {
  const t0 = performance.now();
  const stale = () => !!wanted && Atomics.load(wanted, 0) !== m.generation;
  const generated = new Set<string>(m.generated ?? []);
  let info: WorkerEvidence['data'];
  if (stale()) return { evidence: [], superseded: true, ms: 0 };
  if (m.rows > 0) {
    post({ type: 'phase', id: m.id, phase: 'filling' });
    try {
      const stats = await sandbox.fill({
        rows: m.rows,
        progress: () => { at(POS_NONE); if (stale()) throw new Superseded(); yieldToTyping(EVIDENCE_MAX_PAUSE_MS); },
        beforeTable: (table) => { post({ type: 'table', id: m.id, table }); at(POS_IN_TABLE); },
      });
      for (const t of stats.tables) if (t.rows > 0) generated.add(t.table.replace(/"/g, ''));
      info = { rowsPerTable: stats.rowsPerTable, filled: stats.filled, tables: stats.tables.length, ms: Math.round(stats.ms) };
    } catch (e) {
      if (e instanceof Superseded) return { evidence: [], superseded: true, ms: Math.round(performance.now() - t0) };
      // PGlite itself failed while filling: measured on what the tables hold (the message says where the rows came from)
      info = { rowsPerTable: m.rows, filled: 0, tables: 0, ms: Math.round(performance.now() - t0), error: e instanceof Error ? e.message : String(e) };
    }
  }
  post({ type: 'phase', id: m.id, phase: 'measuring' });
  let superseded = false;
  const out = await measureEvidence(sandbox, m.requests, generated, {
    beforeRequest: () => { if (stale()) { superseded = true; return false; } yieldToTyping(EVIDENCE_MAX_PAUSE_MS); return true; },
  });
  return superseded ? { evidence: [], superseded, data: info, ms: Math.round(performance.now() - t0) } : { evidence: out, data: info, ms: Math.round(performance.now() - t0) };
}
