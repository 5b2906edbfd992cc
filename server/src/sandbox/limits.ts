// How the sandbox is kept from running away (decision 0014). PGlite ignores statement_timeout and
// runs each statement synchronously inside WebAssembly, so:
// - Time: only terminating the thread it runs on stops a statement. The sandbox runs in a worker
//   thread (the editor's and the CLI's alike) and a watchdog on the other thread terminates it.
// - Memory, in three layers, the first two of which make PostgreSQL fail the statement with an
//   ordinary error (the replay goes on):
//   1. PostgreSQL's own memory is the WebAssembly.Memory PGlite creates with a hard-coded maximum of
//      2 GiB. In the worker, that maximum is lowered to half of the limit: past it, palloc fails and
//      PostgreSQL reports "out of memory" (SQLSTATE 53200) for the statement.
//   2. Temporary files (sorts, tuplestores: generate_series in FROM spills there) live in PGlite's
//      in-memory file system, outside the WebAssembly memory: temp_file_limit, an eighth of the limit,
//      makes PostgreSQL fail the statement (SQLSTATE 53400).
//   3. Tables themselves are files of that in-memory file system too (CREATE TABLE AS over a huge
//      series, generated rows): nothing inside PostgreSQL limits them. The watchdog polls the
//      process's resident memory and terminates the worker when it grew by more than the limit
//      since the request began (for a run: since its database started, so PGlite's own start-up,
//      about 350 MB, and what earlier runs left for the garbage collector do not count; the
//      statement running then is reported).
export interface SandboxLimits {
  /** A run (start-up excluded) or one EXPLAIN taking longer is stopped. */
  timeoutSeconds: number;
  /** The most memory one run of the sandbox may add to the process, in MB, beyond PGlite's start-up (about 350 MB). */
  memoryMb: number;
}

export const DEFAULT_LIMITS: SandboxLimits = { timeoutSeconds: 60, memoryMb: 1024 };
export const MIN_MEMORY_MB = 512;
export const MAX_MEMORY_MB = 16_384;
export const MAX_TIMEOUT_SECONDS = 3600;

/** PGlite's own WebAssembly.Memory: it starts at 128 MB, so the cap never goes below that. */
const INITIAL_WASM_MB = 128;
/** WebAssembly pages are 64 KiB. */
const PAGES_PER_MB = 16;

/** PostgreSQL's heap (the WebAssembly memory) may grow to this many MB. */
export function wasmMemoryMb(memoryMb: number): number {
  return Math.max(INITIAL_WASM_MB * 2, Math.floor(memoryMb / 2));
}

/** temp_file_limit, in kB. */
export function tempFileLimitKb(memoryMb: number): number {
  return Math.max(16 * 1024, Math.floor(memoryMb / 8) * 1024);
}

let capped: number | undefined;
/**
 * Lowers the maximum of every WebAssembly.Memory created from now on in this thread to `mb` (PGlite
 * hard-codes 2 GiB; the parser's own memory is created before and is unaffected). Called once, in
 * the sandbox's worker thread only.
 */
export function capWasmMemory(mb: number): void {
  const pages = Math.max(1, Math.floor(mb * PAGES_PER_MB));
  if (capped !== undefined) { capped = pages; return; }
  capped = pages;
  const Original = WebAssembly.Memory;
  const Capped = function Memory(this: unknown, descriptor: WebAssembly.MemoryDescriptor) {
    let d = descriptor;
    if (d && !(d as { shared?: boolean }).shared && (d.maximum === undefined || d.maximum > capped!)) {
      d = { ...d, maximum: Math.max(capped!, d.initial) };
    }
    return new Original(d);
  } as unknown as typeof WebAssembly.Memory;
  Capped.prototype = Original.prototype;
  (WebAssembly as { Memory: typeof WebAssembly.Memory }).Memory = Capped;
}

/** Limits from untrusted values (settings, .dbe.json, flags), each clamped to its range or the default. */
export function normalizeLimits(l: Partial<SandboxLimits> | undefined): SandboxLimits {
  const t = Number(l?.timeoutSeconds), m = Number(l?.memoryMb);
  return {
    timeoutSeconds: Number.isFinite(t) && t > 0 ? Math.min(t, MAX_TIMEOUT_SECONDS) : DEFAULT_LIMITS.timeoutSeconds,
    memoryMb: Number.isFinite(m) && m > 0 ? Math.min(Math.max(Math.floor(m), MIN_MEMORY_MB), MAX_MEMORY_MB) : DEFAULT_LIMITS.memoryMb,
  };
}

/**
 * PGlite's start-up is the same for every project and is not the project's doing: the very first one
 * runs initdb, which peaks at about 700 MB. Until the worker has started, the memory limit is at
 * least this.
 */
export const START_MEMORY_MB = 1536;

/** The process's resident memory, in bytes. */
export const rss = (): number => process.memoryUsage.rss();

/** A resident-memory ceiling `mb` above the process's memory now, in bytes (for watchMemory). */
export const ceilingFromNow = (mb: number): number => rss() + mb * 1024 * 1024;

/**
 * Polls the process's resident memory (every `everyMs`) and calls `over` once when it is above
 * `ceiling()` (bytes; the caller moves it as requests begin). Returns the function that stops
 * polling; the timer never keeps the process alive.
 */
export function watchMemory(ceiling: () => number, over: () => void, everyMs = 100): () => void {
  const timer = setInterval(() => {
    if (rss() > ceiling()) { clearInterval(timer); over(); }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** "after 60 s" / "when it used more than 1,024 MB": how a stop is worded in findings and messages. */
export function stopPhrase(kind: 'time' | 'memory', limits: SandboxLimits): string {
  return kind === 'time'
    ? `after ${limits.timeoutSeconds} s`
    : `when it used more than ${limits.memoryMb.toLocaleString('en-US')} MB`;
}
