// MySQL / MariaDB syntax verdicts for the engine's `syntax-error` finding, from a real grammar
// (dt-sql-parser's ANTLR MySQL grammar, with the mitigations of grammar.ts).
//
// The grammar is heavy (about a second to warm up, then a fraction of a millisecond a statement), so:
// - 'sync' mode (CLI, tests) checks inline, verdicts cached by (flavor, text), and kept on disk
//   between `dbe lint` runs when the CLI gives a store (setMySqlVerdictStore);
// - 'background' mode (the language server) never runs the parser on the main thread: statements
//   are queued to a worker thread (dist/mysql-syntax-worker.js), mySqlSyntax answers `undefined`
//   until the verdict is there, and onMySqlVerdicts listeners are called (debounced) when verdicts
//   arrive, so the editor re-publishes.
//
// The grammar itself is not bundled into the CLI or the language server: both load the one bundle
// dist/mysql-syntax-worker.js (a worker entry that also exports the checker) only when needed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { GrammarError, MySqlFlavor } from './grammar';

export interface MySqlSyntaxError {
  message: string;
  /** UTF-16 offset in the statement text */
  offset: number;
  /** length of the offending token, when known */
  length?: number;
}

/** Changes whenever verdicts may change (grammar version, mitigations): part of the disk cache key. */
export const MYSQL_SYNTAX_VERSION = 'dt-sql-parser@4.5.1+dbe4';

/** A statement longer than this is not checked (verdict null): the grammar's time grows with it. */
export const MAX_CHECKED_CHARS = 256 * 1024;

/** Verdicts kept in memory (a Map in insertion order, the oldest dropped first). */
const MAX_VERDICTS = 50_000;
/** Statements sent to the worker in one message. */
const BATCH = 64;
/** Most statements waiting for the worker; beyond, the oldest are forgotten (asked again when needed). */
const MAX_QUEUE = 20_000;
/** Listeners are called at most this often. */
const NOTIFY_MS = 50;
/** A worker that dies this many times in a row is not restarted: verdicts become null (silent). */
const MAX_CRASHES = 3;

type Verdict = MySqlSyntaxError | null;

let mode: 'sync' | 'background' = 'sync';
const verdicts = new Map<string, Verdict>();
const keyOf = (text: string, flavor: MySqlFlavor) => `${flavor}\0${text}`;

function remember(key: string, v: Verdict): void {
  if (verdicts.size >= MAX_VERDICTS) {
    const first = verdicts.keys().next();
    if (!first.done) verdicts.delete(first.value);
  }
  verdicts.set(key, v);
}

// ---- the on-disk store (CLI) -----------------------------------------------------------------

/** What the CLI's parse cache offers (DiskParseCache): string values by kind and key. */
export interface MySqlVerdictStore {
  get(kind: 'mysql', key: string): string | undefined;
  set(kind: 'mysql', key: string, json: string): void;
}
let store: MySqlVerdictStore | undefined;
/** The CLI's on-disk cache for this run (undefined: none). */
export function setMySqlVerdictStore(s: MySqlVerdictStore | undefined): void { store = s; }
const storeKey = (key: string) => `${MYSQL_SYNTAX_VERSION}\0${key}`;

function fromStore(key: string): Verdict | undefined {
  if (!store) return undefined;
  try {
    const j = store.get('mysql', storeKey(key));
    if (j === undefined) return undefined;
    const v = JSON.parse(j);
    if (v === null) return null;
    if (v && typeof v.message === 'string' && Number.isInteger(v.offset)) return v.length === undefined ? { message: v.message, offset: v.offset } : { message: v.message, offset: v.offset, length: v.length };
  } catch { /* a bad entry: checked again */ }
  return undefined;
}

// ---- the grammar, loaded on demand -------------------------------------------------------------

type Checker = (text: string, flavor: MySqlFlavor) => GrammarError | null;
let checker: Checker | undefined;
let checkerFailed: string | undefined;

/** dist/mysql-syntax-worker.js: beside this bundle, or (running from sources) in dist/. */
export function mySqlSyntaxWorkerFile(): string {
  if (process.env.DBE_MYSQL_SYNTAX_WORKER) return path.resolve(process.env.DBE_MYSQL_SYNTAX_WORKER);
  const beside = path.join(__dirname, 'mysql-syntax-worker.js');
  if (fs.existsSync(beside)) return beside;
  return path.resolve(__dirname, '..', '..', '..', '..', 'dist', 'mysql-syntax-worker.js');
}

function loadChecker(): Checker | undefined {
  if (checker || checkerFailed) return checker;
  try {
    // From sources (tsx) the grammar module itself; bundled, the worker bundle (which exports it).
    // createRequire keeps esbuild from copying the grammar into this bundle.
    const req = createRequire(__filename);
    const mod = __filename.endsWith('.ts') ? req(path.join(__dirname, 'grammar.ts')) : req(mySqlSyntaxWorkerFile());
    checker = mod.checkMySqlGrammar as Checker;
  } catch (e: any) {
    checkerFailed = String(e?.message ?? e).split('\n')[0];
  }
  return checker;
}

/** Why the grammar could not be loaded (undefined: it loaded, or was not needed yet). */
export function mySqlSyntaxProblem(): string | undefined { return checkerFailed ?? workerProblem; }

function checkInline(text: string, flavor: MySqlFlavor): Verdict {
  const check = loadChecker();
  if (!check) return null;
  try {
    const e = check(text, flavor);
    return e && clip(e, text);
  } catch {
    return null; // a fault of the parser (deep nesting: stack overflow): silent, never a false error
  }
}

function clip(e: GrammarError, text: string): MySqlSyntaxError {
  const offset = Math.max(0, Math.min(text.length, e.offset | 0));
  const out: MySqlSyntaxError = { message: e.message, offset };
  if (e.length && e.length > 0) out.length = Math.min(e.length, text.length - offset);
  return out;
}

// ---- the public interface ----------------------------------------------------------------------

/**
 * The verdict on one statement (text as split by splitMySql): an error, null when it parses,
 * undefined when not known yet (background mode, still checking). Never throws.
 */
export function mySqlSyntax(text: string, flavor: 'mysql' | 'mariadb'): MySqlSyntaxError | null | undefined {
  try {
    if (typeof text !== 'string' || !text.trim()) return null;
    if (flavor !== 'mysql' && flavor !== 'mariadb') flavor = 'mysql';
    if (text.length > MAX_CHECKED_CHARS) return null;
    const key = keyOf(text, flavor);
    const known = verdicts.get(key);
    if (known !== undefined) return known;
    const stored = fromStore(key);
    if (stored !== undefined) { remember(key, stored); return stored; }
    if (mode === 'background' && !workerGaveUp) {
      enqueue(key, text, flavor);
      return undefined;
    }
    const v = checkInline(text, flavor);
    remember(key, v);
    try { store?.set('mysql', storeKey(key), JSON.stringify(v)); } catch { /* the cache only costs speed */ }
    return v;
  } catch {
    return null;
  }
}

/** 'sync' (CLI, tests: checks inline) or 'background' (language server: a worker thread checks; nothing on the main thread waits for the parser). */
export function setMySqlSyntaxMode(m: 'sync' | 'background'): void {
  if (m === mode) return;
  mode = m;
  if (m === 'sync') stopMySqlSyntaxWorker();
}

const listeners = new Set<() => void>();
let notifyTimer: NodeJS.Timeout | undefined;

/** Called (debounced) when background verdicts arrive that were undefined before, so the editor re-publishes diagnostics. Returns an unsubscribe. */
export function onMySqlVerdicts(cb: () => void): () => void {
  listeners.add(cb);
  return () => { listeners.delete(cb); };
}

function notifySoon(): void {
  if (notifyTimer) return;
  notifyTimer = setTimeout(() => {
    notifyTimer = undefined;
    for (const cb of [...listeners]) {
      try { cb(); } catch { /* a listener's fault is its own */ }
    }
  }, NOTIFY_MS);
  notifyTimer.unref?.();
}

/** Forgets every verdict held in memory (tests, benchmarks). */
export function clearMySqlVerdicts(): void { verdicts.clear(); }

/**
 * Resolves once no statement waits for the worker (at once in sync mode). For tests and benchmarks;
 * the language server never waits.
 */
export function mySqlVerdictsSettled(): Promise<void> {
  if (!queue.size && !inFlight) return Promise.resolve();
  return new Promise((res) => settledWaiters.push(res));
}

// ---- background: the worker ----------------------------------------------------------------------

interface Job { key: string; text: string; flavor: MySqlFlavor }
/** Waiting statements by key, in arrival order (the newest are sent first: what the user just typed). */
const queue = new Map<string, Job>();
let worker: Worker | undefined;
let inFlight: Job[] | undefined;
let crashes = 0;
let workerGaveUp = false;
let workerProblem: string | undefined;
const settledWaiters: (() => void)[] = [];

function enqueue(key: string, text: string, flavor: MySqlFlavor): void {
  if (queue.has(key) || inFlight?.some((j) => j.key === key)) return;
  if (queue.size >= MAX_QUEUE) {
    const first = queue.keys().next();
    if (!first.done) queue.delete(first.value);
  }
  queue.set(key, { key, text, flavor });
  pump();
}

function ensureWorker(): Worker | undefined {
  if (worker) return worker;
  try {
    const w = new Worker(mySqlSyntaxWorkerFile(), { workerData: { dbeMySqlSyntax: true }, stdout: true, stderr: true });
    w.stdout.on('data', () => { /* nothing expected */ });
    w.stderr.on('data', () => { /* idem */ });
    w.unref(); // an idle worker never keeps the process alive (ref'd while it checks)
    w.on('message', (m: { verdicts?: Verdict[] }) => {
      if (w !== worker) return;
      const jobs = inFlight ?? [];
      inFlight = undefined;
      crashes = 0;
      w.unref();
      const got = Array.isArray(m?.verdicts) ? m.verdicts : [];
      jobs.forEach((j, i) => {
        const v = got[i];
        remember(j.key, v ? clip(v, j.text) : null);
      });
      if (jobs.length) notifySoon();
      pump();
    });
    const died = (why: string) => {
      if (w !== worker) return;
      worker = undefined;
      const jobs = inFlight ?? [];
      inFlight = undefined;
      crashes++;
      workerProblem = why;
      // the statements it was checking are not retried: silent (null) rather than a loop of crashes
      for (const j of jobs) remember(j.key, null);
      if (crashes >= MAX_CRASHES) {
        workerGaveUp = true;
        for (const j of queue.values()) remember(j.key, null);
        queue.clear();
      }
      if (jobs.length || workerGaveUp) notifySoon();
      pump();
    };
    w.on('error', (e) => died(String((e as any)?.message ?? e).split('\n')[0]));
    w.on('exit', (code) => died(`the MySQL syntax worker stopped (exit code ${code})`));
    worker = w;
    return w;
  } catch (e: any) {
    workerProblem = String(e?.message ?? e).split('\n')[0];
    workerGaveUp = true;
    for (const j of queue.values()) remember(j.key, null);
    queue.clear();
    notifySoon();
    return undefined;
  }
}

function pump(): void {
  if (inFlight) return;
  if (!queue.size || mode !== 'background' || workerGaveUp) {
    if (!queue.size || workerGaveUp) for (const r of settledWaiters.splice(0)) r();
    return;
  }
  const w = ensureWorker();
  if (!w) { for (const r of settledWaiters.splice(0)) r(); return; }
  // newest first
  const keys = [...queue.keys()].slice(-BATCH).reverse();
  const jobs = keys.map((k) => queue.get(k)!);
  for (const k of keys) queue.delete(k);
  inFlight = jobs;
  w.ref();
  w.postMessage({ jobs: jobs.map((j) => ({ text: j.text, flavor: j.flavor })) });
}

/** Stops the worker (language server shutdown, tests). Waiting statements are forgotten. */
export function stopMySqlSyntaxWorker(): void {
  const w = worker;
  worker = undefined;
  inFlight = undefined;
  queue.clear();
  crashes = 0;
  workerGaveUp = false;
  if (w) void w.terminate().catch(() => undefined);
  for (const r of settledWaiters.splice(0)) r();
}
