// Spreading lint work over threads. A unit is a project, or a shard of a large project: every
// shard reads, parses and replays the whole project (the schema needs all of it) but runs the rules
// only for its own files, so the expensive part (the rules) is split while results stay identical.
// The main thread works too; each worker thread runs this same bundle (see main.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ProjectSpec } from './collect';
import { InputError } from './collect';
import { lintProject, type ProjectResult } from './lint-project';
import { timed } from './timing';

export interface WorkUnit {
  spec: ProjectSpec;
  /** Files to report on; undefined: all of the project. */
  targets?: string[];
  /** Only one unit per project writes the parse cache (see LintProjectOptions.saveCache). */
  saveCache: 'save' | 'defer' | 'send';
  /** Identifies the project among shards. */
  project: number;
}

export interface UnitOptions { fix: boolean; cwd: string; cache: boolean }

/** Below this much SQL a worker thread costs more than it saves. */
const MIN_PARALLEL_BYTES = Number(process.env.DBE_PARALLEL_MIN_BYTES) || 256 * 1024;
/** A worker thread's start-up (thread, bundle, WebAssembly), in bytes of SQL it could have linted meanwhile. */
const WORKER_START_BYTES = 40 * 1024;
/** Per-file overhead, in bytes-equivalent, when weighing work. */
const PER_FILE = 256;

/**
 * Threads to use by default. Measured on 2 CPUs (docs/decisions/0002-cli-performance.md): a worker
 * thread loses there, because V8's concurrent optimising compiler already keeps the second CPU busy
 * and each worker compiles the rules again and repeats the shared work (reading, parsing and
 * replaying the whole project). With 4 or more CPUs, half of them are used. --jobs overrides.
 */
export function defaultThreads(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return n >= 4 ? Math.min(4, Math.floor(n / 2)) : 1;
}

function sizeOf(f: string): number {
  try { return fs.statSync(f).size; } catch { return 0; }
}

/** Splits the work into per-thread lists; index 0 is the main thread's. */
export function plan(specs: ProjectSpec[], threads: number, fix: boolean): WorkUnit[][] {
  const whole = (spec: ProjectSpec, project: number): WorkUnit => ({ spec, saveCache: 'save', project });
  if (threads <= 1) return [specs.map((s, i) => whole(s, i))];
  const sizes = specs.map((s) => s.files.map((f) => sizeOf(f) + PER_FILE));
  const weights = sizes.map((l) => l.reduce((a, b) => a + b, 0));
  const total = weights.reduce((a, b) => a + b, 0);
  if (total < MIN_PARALLEL_BYTES) return [specs.map((s, i) => whole(s, i))];
  const out: WorkUnit[][] = Array.from({ length: threads }, () => []);
  const load = out.map((_, i) => (i === 0 ? 0 : WORKER_START_BYTES));
  const share = total / threads;
  const split = process.env.DBE_SPLIT !== '0';
  const order = specs.map((_, i) => i).sort((a, b) => weights[b] - weights[a]);
  for (const i of order) {
    const spec = specs[i];
    if (split && !fix && weights[i] > share * 0.6 && spec.files.length >= threads * 4) {
      // Large project: shards of about equal weight, one per thread. Every shard also pays for
      // reading and replaying the whole project (about a third of the per-byte cost).
      const per = weights[i] / threads;
      let t = 0, acc = 0;
      const shards: string[][] = Array.from({ length: threads }, () => []);
      spec.files.forEach((f, k) => {
        if (acc >= per * (t + 1) && t < threads - 1) t++;
        shards[t].push(f);
        acc += sizes[i][k];
      });
      shards.forEach((targets, t2) => {
        if (!targets.length) return;
        out[t2].push({ spec, targets, saveCache: t2 === 0 ? 'defer' : 'send', project: i });
        load[t2] += per + weights[i] / 3;
      });
    } else {
      let best = 0;
      for (let t = 1; t < threads; t++) if (load[t] < load[best]) best = t;
      out[best].push(whole(spec, i));
      load[best] += weights[i];
    }
  }
  return out.filter((u, i) => i === 0 || u.length > 0);
}

export interface UnitResult { project: number; result: ProjectResult }

export function runUnits(units: WorkUnit[], o: UnitOptions): UnitResult[] {
  return units.map((u) => ({ project: u.project, result: lintProject(u.spec, { fix: o.fix, cwd: o.cwd, targets: u.targets, cache: o.cache, saveCache: u.saveCache }) }));
}

export interface WorkerRequest { dbeWorker: true; units: WorkUnit[]; options: UnitOptions }
export type WorkerReply = { ok: true; results: UnitResult[]; timing: string } | { ok: false; input: boolean; message: string };

/** Starts a worker thread on `units`; resolves with its results. */
export function startWorker(script: string, units: WorkUnit[], options: UnitOptions): Promise<{ results: UnitResult[]; timing: string }> {
  return new Promise((resolve, reject) => {
    const data: WorkerRequest = { dbeWorker: true, units, options };
    const w = new Worker(script, { workerData: data });
    let done = false;
    w.once('message', (m: WorkerReply) => {
      done = true;
      if (m.ok) resolve({ results: m.results, timing: m.timing });
      else reject(m.input ? new InputError(m.message) : new Error(m.message));
    });
    w.once('error', (e) => { if (!done) { done = true; reject(e); } });
    w.once('exit', (code) => { if (!done) { done = true; reject(new Error(`worker thread stopped (exit code ${code})`)); } });
  });
}

/** Writes deferred parse caches, with the entries other shards of the same project sent. */
export function saveDeferredCaches(results: UnitResult[]): void {
  for (const r of results) {
    const store = r.result.store;
    if (!store) continue;
    for (const o of results) if (o.project === r.project && o.result.cacheAdds) store.merge(o.result.cacheAdds);
    timed('cache-save', () => store.save());
  }
}
