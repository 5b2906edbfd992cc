// The sandbox in a worker thread, under a watchdog, for the CLI (`dbe lint --sandbox`, `dbe explain`):
// the same worker as the editor's (dist/sandbox-worker.js). PGlite ignores statement_timeout and runs
// a statement synchronously inside WebAssembly, so a statement that never ends (pg_sleep, an endless
// DO loop) or fills memory (CREATE TABLE AS over a huge series, `"rows": 10000000`) can only be
// stopped by terminating its thread: the watchdog does that over the time limit or when the process's
// memory grew by more than the memory limit (limits.ts). The stop is reported on the statement that
// was running, which is then skipped in a fresh worker so that the rest of the project is still
// checked (runChecked).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EvidenceRequest, RecommendationEvidence } from './evidence';
import type { SandboxInput, SandboxStatement } from './input';
import { ceilingFromNow, START_MEMORY_MB, stopPhrase, watchMemory, type SandboxLimits } from './limits';
import type { RunHooks, SandboxResult } from './sandbox';
import { POS_FILE, POS_ID, POS_IN_STATEMENT, POS_IN_TABLE, POS_STATEMENT, POS_WHAT, type ExplainStatement, type FromWorker, type ToWorker, type WorkerCompared, type WorkerData, type WorkerExplained, type WorkerValidated } from './worker-protocol';

/** Loading PGlite and its database (initdb on the very first start, ~5 s) has its own, generous limit. */
export const START_LIMIT_MS = 120_000;
/** A project whose statements are stopped this many times is not replayed again. */
export const MAX_STOPS = 3;

/** The worker bundle beside the running bundle (dist/); DBE_SANDBOX_WORKER overrides it. */
export function defaultWorkerFile(): string {
  if (process.env.DBE_SANDBOX_WORKER) return path.resolve(process.env.DBE_SANDBOX_WORKER);
  const beside = path.join(__dirname, 'sandbox-worker.js');
  if (fs.existsSync(beside)) return beside;
  return path.resolve(__dirname, '..', '..', '..', 'dist', 'sandbox-worker.js'); // running from sources (tsx)
}

/** Where a stopped worker was. */
export type StopPlace = { file: number; statement: number } | { table: string } | undefined;

/** The watchdog stopped the worker: over the time limit or the memory limit. */
export class SandboxStopped extends Error {
  constructor(readonly kind: 'time' | 'memory', readonly limits: SandboxLimits, readonly what: 'start' | 'run' | 'explain' | 'evidence' | 'validate', readonly where: StopPlace) {
    super(`the sandbox stopped ${what === 'start' ? 'starting' : what === 'run' ? 'the replay' : what === 'explain' ? 'the EXPLAIN' : what === 'validate' ? 'the migration check' : 'measuring the index recommendations'} ${stopPhrase(kind, limits)}`);
  }
}

export interface WorkerSandboxOptions {
  snapshotDir: string | null;
  limits: SandboxLimits;
  /** Added to "out of memory" errors: the setting or flag that raises the limit. */
  memoryNote?: string;
  workerFile?: string;
}

interface Pending { id: number; resolve: (m: FromWorker) => void; reject: (e: Error) => void; what: SandboxStopped['what']; onProgress?: RunHooks['progress'] }

/** One worker, one request at a time, each under the watchdog. A stop terminates the worker; the next request starts a new one. */
export class WorkerSandbox {
  private worker: Worker | undefined;
  private hello: Promise<void> | undefined;
  private pending: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopWatch: (() => void) | undefined;
  private position = new Int32Array(new SharedArrayBuffer(16));
  private table: string | undefined;
  private nextId = 1;
  /** Resident memory above which the watchdog stops the worker (moved as requests and replays begin). */
  private ceiling = Infinity;

  constructor(private readonly options: WorkerSandboxOptions) {}

  get limits(): SandboxLimits { return this.options.limits; }

  /** Replays `input` in a fresh database (SandboxStopped when the watchdog stopped it). */
  async run(input: SandboxInput, hooks: RunHooks = {}): Promise<SandboxResult> {
    const reply = await this.request({ type: 'run', id: this.nextId++, input, progress: !!hooks.progress }, 'run', hooks.progress);
    if (reply.type !== 'ran') throw new Error(reply.type === 'failed' ? reply.message : 'the sandbox worker answered out of turn');
    return { findings: reply.findings, stats: reply.stats };
  }

  /** The plan of one query against the last run's database. */
  async explain(file: string, stmt: ExplainStatement): Promise<WorkerExplained> {
    const reply = await this.request({ type: 'explain', id: this.nextId++, path: file, stmt }, 'explain');
    if (reply.type !== 'explained') throw new Error(reply.type === 'failed' ? reply.message : 'the sandbox worker answered out of turn');
    return reply.result;
  }

  /** Each recommendation's queries measured without and with its index (tables as the last run left them). */
  async evidence(requests: EvidenceRequest[], generated: string[]): Promise<RecommendationEvidence[]> {
    const reply = await this.request({ type: 'evidence', id: this.nextId++, rows: 0, requests, generation: 0, generated }, 'evidence');
    if (reply.type !== 'evidenced') throw new Error(reply.type === 'failed' ? reply.message : 'the sandbox worker answered out of turn');
    return reply.result.evidence;
  }

  /** The agent's compare_index against the last run's database (rolled back: nothing is kept). */
  async compare(sql: string, params: boolean, create: string): Promise<WorkerCompared> {
    const reply = await this.request({ type: 'compare', id: this.nextId++, sql, params, create }, 'explain');
    if (reply.type !== 'compared') throw new Error(reply.type === 'failed' ? reply.message : 'the sandbox worker answered out of turn');
    return reply.result;
  }

  /** The agent's validate_migration against the last run's database (rolled back: nothing is kept). */
  async validate(up: string[], down: string[] | undefined): Promise<WorkerValidated> {
    const reply = await this.request({ type: 'validate', id: this.nextId++, up, ...(down ? { down } : {}) }, 'validate');
    if (reply.type !== 'validated') throw new Error(reply.type === 'failed' ? reply.message : 'the sandbox worker answered out of turn');
    return reply.result;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.end(new Error('the sandbox was closed'));
    if (w) await w.terminate().catch(() => undefined);
  }

  private async start(): Promise<Worker> {
    if (this.worker && this.hello) { await this.hello; return this.worker; }
    this.position = new Int32Array(new SharedArrayBuffer(16));
    const { limits } = this.options;
    const data: WorkerData = { snapshotDir: this.options.snapshotDir, limits, memoryNote: this.options.memoryNote, position: this.position.buffer as SharedArrayBuffer };
    // start-up (initdb the very first time) is allowed its own memory until the replay begins
    this.ceiling = ceilingFromNow(Math.max(limits.memoryMb, START_MEMORY_MB));
    const worker = new Worker(this.options.workerFile ?? defaultWorkerFile(), {
      workerData: data, stdout: true, stderr: true,
      // the JavaScript side of the worker (query results, the file system's bookkeeping); PGlite's own
      // memory is not counted there, hence the RSS watch
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb },
    });
    this.worker = worker;
    worker.stdout.on('data', () => { /* PGlite's chatter */ });
    worker.stderr.on('data', () => { /* idem */ });
    let helloDone!: () => void, helloFailed!: (e: Error) => void;
    this.hello = new Promise<void>((res, rej) => { helloDone = res; helloFailed = rej; });
    this.hello.catch(() => undefined);
    this.stopWatch = watchMemory(() => this.ceiling, () => { if (this.worker === worker) this.stop('memory'); });
    worker.on('message', (m: FromWorker) => {
      if (worker !== this.worker) return;
      if (m.type === 'hello') { if (m.unavailable) helloFailed(new Error(m.unavailable)); else helloDone(); return; }
      const p = this.pending;
      if (!p || m.id !== p.id) return;
      if (m.type === 'phase') {
        // the run's database has started: its limits count from here
        if (m.phase === 'replaying') { this.ceiling = ceilingFromNow(limits.memoryMb); this.arm(limits.timeoutSeconds * 1000); }
        return;
      }
      if (m.type === 'table') { this.table = m.table; return; }
      if (m.type === 'progress') { p.onProgress?.(m.done, m.total, m.table); return; }
      this.pending = undefined;
      this.disarm();
      p.resolve(m);
    });
    const gone = (e: Error) => {
      // a start still waiting for this worker's hello ends too (close() during start-up), or its timer keeps the process alive
      helloFailed(e);
      if (worker !== this.worker) return;
      this.end(e);
    };
    worker.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY' && worker === this.worker) { this.stop('memory'); return; }
      gone(new Error(`the sandbox worker failed: ${e.message}`));
    });
    worker.on('exit', (code) => gone(new Error(`the sandbox worker stopped (exit code ${code})`)));
    const startTimer = setTimeout(() => { if (worker === this.worker) this.stop('time', 'start'); }, START_LIMIT_MS);
    try { await this.hello; } finally { clearTimeout(startTimer); }
    return worker;
  }

  private async request(msg: ToWorker, what: Pending['what'], onProgress?: Pending['onProgress']): Promise<FromWorker> {
    const worker = await this.start();
    return new Promise<FromWorker>((resolve, reject) => {
      this.pending = { id: msg.id, resolve, reject, what, onProgress };
      this.table = undefined;
      // a run starts a new database first (start-up's allowance until its 'replaying' phase)
      this.ceiling = ceilingFromNow(what === 'run' ? Math.max(this.options.limits.memoryMb, START_MEMORY_MB) : this.options.limits.memoryMb);
      // a run's limit counts from the end of its start-up (its 'replaying' phase)
      this.arm(what === 'run' ? Math.max(START_LIMIT_MS, this.options.limits.timeoutSeconds * 1000) : this.options.limits.timeoutSeconds * 1000);
      worker.postMessage(msg);
    });
  }

  private arm(ms: number): void {
    this.disarm();
    this.timer = setTimeout(() => this.stop('time'), ms);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The watchdog: terminates the worker and rejects the request in flight with where it was. */
  private stop(kind: 'time' | 'memory', what?: SandboxStopped['what']): void {
    const p = this.pending;
    const pos = this.position;
    let where: StopPlace;
    if (p && Atomics.load(pos, POS_ID) === p.id) {
      const w = Atomics.load(pos, POS_WHAT);
      if (w === POS_IN_STATEMENT) where = { file: Atomics.load(pos, POS_FILE), statement: Atomics.load(pos, POS_STATEMENT) };
      else if (w === POS_IN_TABLE && this.table) where = { table: this.table };
    }
    const worker = this.worker;
    this.end(new SandboxStopped(kind, this.options.limits, what ?? p?.what ?? 'start', where));
    if (worker) void worker.terminate().catch(() => undefined);
  }

  private end(reason: Error): void {
    this.worker = undefined;
    this.hello = undefined;
    this.disarm();
    this.stopWatch?.();
    this.stopWatch = undefined;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(reason);
  }
}

/** A stop, as reported: the file and statement it is reported on (when known) and the message. */
export interface Stop { path?: string; start?: number; end?: number; message: string; kind: 'time' | 'memory' }

export interface CheckedRun {
  /** Undefined when the sandbox gave up (a stop it cannot place, or too many). */
  result?: SandboxResult;
  stops: Stop[];
  /** When the sandbox gave up: why, one line. */
  gaveUp?: string;
}

function limitName(kind: 'time' | 'memory', names: LimitNames): string {
  return kind === 'time' ? names.time : names.memory;
}

/** How the user raises each limit, for the messages ("sandbox.timeoutSeconds in .dbe.json or --sandbox-timeout"). */
export interface LimitNames { time: string; memory: string }

/**
 * Runs `input`; when the watchdog stops a statement, the statement is marked as stopped (the
 * sandbox then reports it, and counts the errors it causes later as follow-ons) and the input runs
 * again in a new worker, at most MAX_STOPS times. A stop while rows are generated reruns without
 * generated rows and is reported on the table's CREATE statement.
 */
export async function runChecked(sandbox: WorkerSandbox, input: SandboxInput, names: LimitNames, hooks: RunHooks = {}): Promise<CheckedRun> {
  const stops: Stop[] = [];
  let current = input;
  for (;;) {
    try {
      const result = await sandbox.run(current, hooks);
      const extra = stops.filter((s) => s.path !== undefined && !current.files.some((f) => f.path === s.path && f.statements.some((st) => st.skip === 'stopped' && st.start === s.start)));
      for (const s of extra) result.findings.push({ rule: 'postgres-error', severity: input.severity, path: s.path!, start: s.start!, end: s.end!, message: s.message });
      return { result, stops };
    } catch (e) {
      if (!(e instanceof SandboxStopped)) throw e;
      const phrase = stopPhrase(e.kind, e.limits);
      const setting = limitName(e.kind, names);
      const where = e.where;
      if (where && 'file' in where) {
        const f = current.files[where.file];
        const st = f?.statements[where.statement];
        if (!f || !st) return { stops, gaveUp: `${e.message} (${setting})` };
        const query = st.action === 'explain';
        const message = `The sandbox stopped this ${query ? 'query\'s EXPLAIN' : 'statement'} ${phrase} (${setting}): PGlite ignores statement_timeout, so the sandbox's own limits stop a statement that runs too long or fills memory (pg_sleep, an endless loop, a huge generate_series). It was skipped${stops.length + 1 < MAX_STOPS ? ' and the rest of the project was checked without it' : ''}.`;
        stops.push({ path: f.path, start: st.start, end: headEndOf(st), message, kind: e.kind });
        if (stops.length >= MAX_STOPS) {
          return { stops, gaveUp: `the sandbox stopped ${MAX_STOPS} statements (${phrase}, ${setting}); the rest of the project was not checked in the sandbox` };
        }
        current = withStopped(current, where.file, where.statement, message);
        continue;
      }
      if (where && 'table' in where && current.rows) {
        const rows = current.rows;
        const message = `The sandbox stopped generating ${rows.toLocaleString('en-US')} rows for ${where.table.replace(/"/g, '')} ${phrase} (${setting}); the project was checked without generated rows. Lower "sandbox": { "rows": N } in .dbe.json.`;
        const at = creatorOf(current, where.table);
        stops.push(at ? { ...at, message, kind: e.kind } : { message, kind: e.kind });
        current = { ...current, rows: 0 };
        continue;
      }
      return { stops, gaveUp: `${e.message} (${setting})` };
    }
  }
}

function headEndOf(st: SandboxStatement): number {
  const nl = st.text.search(/\r|\n/);
  const line = (nl < 0 ? st.text : st.text.slice(0, nl)).replace(/\s+$/, '');
  return st.start + Math.max(1, Math.min(line.length, st.end - st.start));
}

/** The input with one statement skipped as stopped. */
function withStopped(input: SandboxInput, file: number, statement: number, message: string): SandboxInput {
  return {
    ...input,
    files: input.files.map((f, i) => i !== file ? f : {
      ...f,
      statements: f.statements.map((st, j) => j !== statement ? st : { ...st, action: 'skip' as const, skip: 'stopped', stopped: message }),
    }),
  };
}

/** The migration statement that creates `table` ("schema"."name" as the data generator names it). */
function creatorOf(input: SandboxInput, table: string): { path: string; start: number; end: number } | undefined {
  const full = table.replace(/"/g, '').toLowerCase();
  const short = full.slice(full.lastIndexOf('.') + 1);
  for (const f of input.files) {
    if (f.role !== 'migration') continue;
    for (const st of f.statements) {
      if (st.action === 'run' && (st.creates ?? []).some((n) => n === full || n === short)) return { path: f.path, start: st.start, end: headEndOf(st) };
    }
  }
  return undefined;
}
