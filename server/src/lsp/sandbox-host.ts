// The sandbox in the language server: one worker_threads Worker (dist/sandbox-worker.js) that
// replays a folder's migrations in PGlite and checks its queries, off the thread that answers
// keystrokes. Runs are lazy (after the first full analysis, then on save and on SQL changes on disk,
// debounced; never on keystrokes) and one at a time. Their postgres-error findings are kept per file
// until the next run and merged into every publication of the file (see handlers/diagnostics.ts);
// when the file has been edited since, a finding follows its statement if the statement's text is
// unchanged and is dropped otherwise (the next save checks it again).
// A watchdog terminates a worker whose run takes longer than dbEngineer.sandbox.timeoutSeconds
// (PGlite ignores statement_timeout), or that made the server grow by more than
// dbEngineer.sandbox.memoryMb (the worker caps PostgreSQL's own memory below that, so most memory
// bombs fail as ordinary "out of memory" errors first; see sandbox/limits.ts); the next run starts a
// fresh one.
// Missing-index evidence is a second phase of a run (after its postgres-error findings are
// published): when the project has index recommendations, the worker fills the tables with
// dbEngineer.sandbox.rows generated rows (at most .dbe.json's sandbox.rows) and measures each
// recommended index's queries without and with it. The costs are kept per file by statement text and
// applied to the static missing-index findings on every publication (a finding whose statement
// changed loses them); a newer run supersedes an unfinished evidence phase.
import { Worker } from 'node:worker_threads';
import { MessageType } from 'vscode-languageserver';
import { cacheDir } from '../cli/parse-cache';
import { applySuppressions } from '../engine/suppress';
import type { Evidence, Finding, SourceFile, Statement } from '../model';
import { evidenceRequests, withEvidence, type EvidenceRequest } from '../sandbox/evidence';
import { sandboxInput } from '../sandbox/input';
import { ceilingFromNow, START_MEMORY_MB, watchMemory } from '../sandbox/limits';
import { defaultWorkerFile as workerFileBeside } from '../sandbox/runner';
import type { ExplainStatement, FromWorker, ToWorker, WorkerCompared, WorkerData, WorkerExplained, WorkerValidated } from '../sandbox/worker-protocol';
import type { Folder } from './folder';
import type { DbeServer } from './server';
import type { SandboxStatus } from './status-protocol';

/** After a save or a change on disk, the run waits this long for more (a "save all", a git checkout). */
export const SANDBOX_DEBOUNCE_MS = 200;
/**
 * A run starts only once the user has not typed for this long: PGlite's start (WebAssembly
 * compilation on V8's background threads) and replay compete with the keystroke path for the CPU.
 */
export const IDLE_BEFORE_RUN_MS = 500;
/** Loading PGlite and its database (initdb on the very first start, ~5 s) has its own, generous limit. */
const START_LIMIT_MS = 120_000;

/** The worker bundle beside the server bundle (dist/); DBE_SANDBOX_WORKER overrides it. */
export const defaultWorkerFile = workerFileBeside;

/** Thrown when the sandbox cannot answer: off, unavailable, timed out, failed. The message is for the user. */
export class SandboxUnavailable extends Error {}

interface Kept { finding: Finding; stmtText: string; stmtStart: number }
interface KeptFile { file: SourceFile; kept: Kept[]; moved?: WeakMap<SourceFile, Finding[]> }

const byText = new WeakMap<SourceFile, Map<string, number[]>>();
/** Statement starts of a file by statement text (built once per file version). */
function statementsByText(file: SourceFile): Map<string, number[]> {
  let m = byText.get(file);
  if (!m) {
    m = new Map();
    for (const s of file.statements) (m.get(s.text) ?? m.set(s.text, []).get(s.text)!).push(s.start);
    byText.set(file, m);
  }
  return m;
}

/** One measured query: its costs, the recommended index and its table (`schema.name`). */
export interface MeasuredEvidence { evidence: Evidence; index: string; table: string }
/** A missing-index finding as published with its evidence. */
export interface Measured extends MeasuredEvidence { finding: Finding }

/** Evidence of a file, by statement text and the finding's offset in the statement. */
type KeptEvidence = Map<string, MeasuredEvidence>;
const evidenceKey = (stmtText: string, offset: number) => `${offset}\u0000${stmtText}`;

/** The statement whose range holds `offset` (statements are in file order). */
export function statementAt(file: SourceFile, offset: number): Statement | undefined {
  const sts = file.statements;
  let lo = 0, hi = sts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const st = sts[mid];
    if (offset < st.start) hi = mid - 1;
    else if (offset >= Math.max(st.end, st.start + 1)) lo = mid + 1;
    else return st;
  }
  return undefined;
}

interface Waiting { id: number; resolve: (m: FromWorker) => void; reject: (e: Error) => void; limitMs: number; what: string; extended?: number }

/** A run that pauses while the user types gets this much more time per extension, at most EXTENSIONS times. */
const EXTENSION_MS = 5000;
const EXTENSIONS = 12;

export interface ExplainAnswer extends WorkerExplained {
  /** Migration statements that failed in the replay the plan comes from (the plan may not match the schema). */
  replayFailures: number;
}

/** The generated rows the worker's database holds: per table asked, tables filled, tables. */
export interface AgentData { rowsPerTable: number; filled: number; tables: number }

/** Why the sandbox has not started: nothing asked for it yet. */
export const WAITING = 'not started: it starts when a SQL file of the workspace is opened';

/**
 * Why the sandbox is off for a folder whose SQL files are all MySQL or MariaDB (PGlite is PostgreSQL:
 * their statements would all fail there), or undefined. A folder with PostgreSQL files keeps its
 * sandbox; its MySQL files are left out of the replay (sandbox/input.ts) and get no postgres-error.
 */
export function mySqlOnly(folder: Folder): string | undefined {
  const files = folder.project.order();
  if (!files.length || files.some((f) => f.dialect.family === 'postgres')) return undefined;
  const name = files.some((f) => f.dialect.id === 'mariadb') && files.every((f) => f.dialect.id === 'mariadb') ? 'MariaDB' : 'MySQL';
  return `the project's SQL is ${name}, and the sandbox is PostgreSQL (PGlite): it does not run ${name} files. To check them against a real server, run dbe lint --check-server local (a throwaway MariaDB/MySQL from this machine) or --check-server mysql://user@host (a throwaway database there): what the server rejects is reported as server-error`;
}

export class SandboxHost {
  status: SandboxStatus = { state: 'off', reason: WAITING };
  /**
   * A SQL document of a folder the sandbox is on for has been opened (after indexing): until then
   * nothing starts the worker, so a repository that merely contains .sql files costs no PostgreSQL.
   * It stays set when the last document closes (the worker and its findings are kept; a save or a
   * change on disk re-runs it as before), so reopening a file does not pay PGlite's start again.
   */
  private wantedByUser = false;
  /** Why the worker cannot load PGlite (not shipped, broken install): the sandbox stays off. */
  unavailable: string | undefined;
  private worker: Worker | undefined;
  private hello: Promise<void> | undefined;
  private waiting: Waiting | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private nextId = 1;
  private readonly dirty = new Set<Folder>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly results = new Map<Folder, Map<string, KeptFile>>();
  private readonly failures = new Map<Folder, number>();
  /** Missing-index evidence of the last evidence phase, per folder and file. */
  private readonly evidence = new Map<Folder, Map<string, KeptEvidence>>();
  /** The folder whose replayed database the worker holds (for Explain). */
  private live: Folder | undefined;
  /** The generated rows in the worker's database since its last replay (undefined: none yet). */
  private liveData: AgentData | undefined;
  private timeoutReported = false;
  /** Folders whose MySQL files the log already said are left out of the replay (said once). */
  private readonly saidMySql = new WeakSet<Folder>();
  /** The memory limit the worker was started with (a new limit needs a new worker). */
  private workerMemoryMb = 0;
  private stopWatch: (() => void) | undefined;
  /** Resident memory above which the worker is stopped (moved as requests and replays begin). */
  private ceiling = Infinity;
  /** Runs finished (for tests and the log). */
  runs = 0;
  /** When the user last typed in an open document (performance.now()). */
  private lastKeystroke = -Infinity;
  /** The same, shared with the worker (ms since `epoch`), so a running replay pauses while the user types. */
  private readonly keystrokes = new SharedArrayBuffer(16);
  private readonly epoch = Date.now();
  private readonly lastKey = new BigInt64Array(this.keystrokes, 0, 1);
  /** Runs asked for (shared with the worker): an evidence phase sent before a newer request stops early. */
  private readonly wanted = new Int32Array(this.keystrokes, 12, 1);

  constructor(private readonly server: DbeServer, private readonly workerFile = defaultWorkerFile()) {
    Atomics.store(this.lastKey, 0, -3_600_000n); // no keystroke yet
  }

  /** Why the sandbox is off for a folder, or undefined when it is on. */
  offReason(folder: Folder): string | undefined {
    const s = this.server;
    if (!s.trusted) return 'Restricted Mode: the sandbox runs only in trusted workspaces';
    if (!s.settings.enable) return 'DB Engineer is disabled (dbEngineer.enable)';
    if (!s.settings.sandbox.enabled) return 'turned off by the setting dbEngineer.sandbox.enabled';
    if (!folder.uri) return 'no workspace folder';
    if (folder.sandboxOff) return 'turned off by "sandbox": false in .dbe.json';
    if (folder.project.severityOf('postgres-error') === 'off') return 'the rule postgres-error is "off"';
    if (this.unavailable) return `unavailable: ${this.unavailable}`;
    const mysql = mySqlOnly(folder);
    if (mysql) return mysql;
    return undefined;
  }

  enabledFor(folder: Folder): boolean { return this.offReason(folder) === undefined; }

  /**
   * After the first full analysis: the first run when a SQL document of a folder it is on for is
   * already open, else the reason the sandbox stays off (for now).
   */
  start(): void {
    this.server.refreshCodeLenses(); // lenses asked for before the workspace was indexed were empty
    if (!this.wantedByUser && [...this.server.open.keys()].some((k) => this.wantsFor(k))) this.wantedByUser = true;
    const on = this.server.folders.filter((f) => this.enabledFor(f));
    if (on.length && this.wantedByUser) { this.schedule(on); return; }
    this.setStatus(this.idleStatus());
  }

  /** A document was opened: the first SQL document of a folder the sandbox is on for starts it (once indexed). */
  documentOpened(key: string): void {
    if (this.wantedByUser || !this.server.ready || !this.wantsFor(key)) return;
    this.wantedByUser = true;
    this.schedule(this.server.folders.filter((f) => this.enabledFor(f)));
  }

  /** An open document that starts the sandbox: a workspace folder's own file, the sandbox on for that folder. */
  private wantsFor(key: string): boolean {
    const folder = this.server.folderFor(key);
    // a MySQL file is never replayed in PGlite: opening one does not start the (PostgreSQL) sandbox
    return !!folder.uri && folder.contains(key) && folder.project.getFile(key)?.dialect.family !== 'mysql' && this.enabledFor(folder);
  }

  /** The status while no run is wanted: off, with the reason (a setting, trust) or waiting for a SQL document. */
  private idleStatus(): SandboxStatus {
    const first = this.server.folders[0];
    if (!first) return { state: 'off', reason: 'no workspace folder: open a folder to replay its migrations' };
    const on = this.server.folders.some((f) => this.enabledFor(f));
    return { state: 'off', reason: on ? WAITING : this.offReason(first) };
  }

  /** A keystroke in an open document: a run waiting to start waits until typing pauses. */
  keystroke(): void {
    this.lastKeystroke = performance.now();
    Atomics.store(this.lastKey, 0, BigInt(Date.now() - this.epoch));
  }

  /** Re-runs these folders after the debounce (their SQL was saved or changed on disk, or settings changed). */
  schedule(folders: Folder[], delay = SANDBOX_DEBOUNCE_MS): void {
    if (this.server.shuttingDown) return;
    // no SQL document opened yet: nothing runs; after the debounce (one status for a burst of
    // changes, as a run would give) the status says whether it is waiting or off, and why
    if (!this.wantedByUser) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.wantedByUser && this.server.ready && !this.server.shuttingDown) this.setStatus(this.idleStatus());
      }, delay);
      return;
    }
    for (const f of folders) if (f.uri) this.dirty.add(f);
    if (!this.dirty.size) return;
    Atomics.add(this.wanted, 0, 1); // a newer run is wanted: an evidence phase in progress stops
    if (this.timer) clearTimeout(this.timer);
    const fire = () => {
      this.timer = undefined;
      const wait = this.lastKeystroke + IDLE_BEFORE_RUN_MS - performance.now();
      if (wait > 0) { this.timer = setTimeout(fire, wait); return; }
      this.enqueue(() => this.runDirty()).catch((e) => this.server.error('sandbox', e));
    };
    this.timer = setTimeout(fire, delay);
  }

  /** postgres-error findings of the last run for this file, moved to where their statements now are. */
  findingsFor(folder: Folder, key: string, file: SourceFile): Finding[] {
    if (file.dialect.family !== 'postgres') return []; // PostgreSQL's verdicts never land on a MySQL file
    const kept = this.results.get(folder)?.get(key);
    if (!kept || !kept.kept.length) return [];
    if (kept.file === file || kept.file.text === file.text) return kept.kept.map((k) => k.finding);
    const cached = kept.moved?.get(file);
    if (cached) return cached;
    const starts = statementsByText(file);
    const out: Finding[] = [];
    for (const k of kept.kept) {
      let best: number | undefined;
      for (const s of (k.stmtText && starts.get(k.stmtText)) || []) if (best === undefined || Math.abs(s - k.stmtStart) < Math.abs(best - k.stmtStart)) best = s;
      if (best === undefined) continue; // the statement was edited: the next save checks it again
      const d = best - k.stmtStart;
      out.push({ ...k.finding, start: k.finding.start + d, end: k.finding.end + d });
    }
    (kept.moved ??= new WeakMap()).set(file, out);
    return out;
  }

  /**
   * The static findings of a file with the last evidence phase's costs applied to its missing-index
   * findings (message, severity, `evidence`), and the findings that got them. A finding gets them when
   * its statement has the same text as when it was measured and it starts at the same place in it.
   */
  applyEvidence(folder: Folder, key: string, file: SourceFile, findings: Finding[]): { findings: Finding[]; measured: Measured[] } {
    const kept = this.evidence.get(folder)?.get(key);
    if (!kept || !kept.size) return { findings, measured: [] };
    let out: Finding[] | undefined;
    const measured: Measured[] = [];
    for (let i = 0; i < findings.length; i++) {
      const f = findings[i];
      if (f.rule !== 'missing-index') continue;
      const st = statementAt(file, f.start);
      const m = st && kept.get(evidenceKey(st.text, f.start - st.start));
      if (!m) continue;
      const finding = withEvidence(f, m.evidence, m.table, m.index);
      (out ??= findings.slice())[i] = finding;
      measured.push({ ...m, finding });
    }
    return { findings: out ?? findings, measured };
  }

  /** The plan of one query, against the folder's replayed migrations (replayed first when they changed). */
  explain(folder: Folder, path: string, stmt: ExplainStatement): Promise<ExplainAnswer> {
    return this.enqueue(async () => {
      const off = this.offReason(folder);
      if (off) throw new SandboxUnavailable(`The sandbox is off: ${off}.`);
      if (this.dirty.has(folder) || this.live !== folder || !this.worker) {
        this.dirty.delete(folder);
        await this.runFolder(folder);
        if (this.live !== folder) throw new SandboxUnavailable(`The sandbox could not replay the migrations: ${this.status.reason ?? 'unknown reason'}.`);
      }
      const reply = await this.request({ type: 'explain', id: this.nextId++, path, stmt }, this.limitMs(), 'explain');
      if (reply.type === 'failed') throw new SandboxUnavailable(`The sandbox failed: ${reply.message}`);
      if (reply.type !== 'explained') throw new SandboxUnavailable('The sandbox worker answered out of turn.');
      return { ...reply.result, replayFailures: this.failures.get(folder) ?? 0 };
    });
  }

  /**
   * Before an agent's request: the worker holds the folder's replay (replayed first when it changed)
   * and its tables hold generated rows (dbEngineer.sandbox.rows, at most .dbe.json's sandbox.rows),
   * filled once per replay unless the evidence phase already did. Runs on the chain.
   */
  private async agentReady(folder: Folder): Promise<AgentData | undefined> {
    const off = this.offReason(folder);
    if (off) throw new SandboxUnavailable(`The sandbox is off: ${off}.`);
    if (this.dirty.has(folder) || this.live !== folder || !this.worker) {
      this.dirty.delete(folder);
      await this.runFolder(folder);
      if (this.live !== folder) throw new SandboxUnavailable(`The sandbox could not replay the migrations: ${this.status.reason ?? 'unknown reason'}.`);
    }
    const rows = Math.min(this.server.settings.sandbox.rows, folder.project.config.sandboxRows);
    if (this.liveData === undefined && rows > 0) {
      const reply = await this.request({ type: 'evidence', id: this.nextId++, rows, requests: [], generation: Atomics.load(this.wanted, 0) }, this.limitMs(), 'evidence');
      if (reply.type === 'evidenced' && !reply.result.superseded && reply.result.data && !reply.result.data.error) {
        this.liveData = { rowsPerTable: reply.result.data.rowsPerTable, filled: reply.result.data.filled, tables: reply.result.data.tables };
      }
    }
    return this.liveData;
  }

  /** The agent's explain_query: the plan of one query (text prepared by sandbox/agent.ts). */
  agentExplain(folder: Folder, sql: string, params: boolean): Promise<ExplainAnswer & { data?: AgentData }> {
    return this.enqueue(async () => {
      const data = await this.agentReady(folder);
      const reply = await this.request({ type: 'explain', id: this.nextId++, path: 'query', stmt: { start: 0, end: sql.length, text: sql, params } }, this.limitMs(), 'explain');
      if (reply.type === 'failed') throw new SandboxUnavailable(`The sandbox failed: ${reply.message}`);
      if (reply.type !== 'explained') throw new SandboxUnavailable('The sandbox worker answered out of turn.');
      return { ...reply.result, replayFailures: this.failures.get(folder) ?? 0, data };
    });
  }

  /** The agent's compare_index: the query's plan without and with the index, rolled back. */
  agentCompare(folder: Folder, sql: string, params: boolean, create: string): Promise<WorkerCompared & { replayFailures: number; data?: AgentData }> {
    return this.enqueue(async () => {
      const data = await this.agentReady(folder);
      const reply = await this.request({ type: 'compare', id: this.nextId++, sql, params, create }, this.limitMs(), 'explain');
      if (reply.type === 'failed') throw new SandboxUnavailable(`The sandbox failed: ${reply.message}`);
      if (reply.type !== 'compared') throw new SandboxUnavailable('The sandbox worker answered out of turn.');
      return { ...reply.result, replayFailures: this.failures.get(folder) ?? 0, data };
    });
  }

  /** The agent's validate_migration: up then down in a transaction that is rolled back, with the catalog compared. */
  agentValidate(folder: Folder, up: string[], down: string[] | undefined): Promise<WorkerValidated & { replayFailures: number; data?: AgentData }> {
    return this.enqueue(async () => {
      const data = await this.agentReady(folder);
      const reply = await this.request({ type: 'validate', id: this.nextId++, up, ...(down ? { down } : {}) }, this.limitMs(), 'validate');
      if (reply.type === 'failed') throw new SandboxUnavailable(`The sandbox failed: ${reply.message}`);
      if (reply.type !== 'validated') throw new SandboxUnavailable('The sandbox worker answered out of turn.');
      if (reply.result.tainted) { this.live = undefined; this.liveData = undefined; } // replayed again before the next answer
      return { ...reply.result, replayFailures: this.failures.get(folder) ?? 0, data };
    });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.kill(new SandboxUnavailable('the language server is shutting down'));
  }

  private limitMs(): number { return this.server.settings.sandbox.timeoutSeconds * 1000; }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async runDirty(): Promise<void> {
    const folders = [...this.dirty];
    this.dirty.clear();
    let changed = false;
    // folders removed from the workspace (or rebuilt as new Folder objects): forget their findings
    for (const f of [...this.results.keys()]) if (!this.server.folders.includes(f)) { this.results.delete(f); this.failures.delete(f); changed = true; }
    for (const f of [...this.evidence.keys()]) if (!this.server.folders.includes(f)) { this.evidence.delete(f); changed = true; }
    if (this.live && !this.server.folders.includes(this.live)) this.live = undefined;
    for (const f of folders) {
      if (this.server.shuttingDown) return;
      if (!this.server.folders.includes(f)) { changed = this.results.delete(f) || changed; this.evidence.delete(f); continue; }
      if (!this.enabledFor(f)) { changed = this.results.delete(f) || changed; changed = this.evidence.delete(f) || changed; if (this.live === f) this.live = undefined; continue; }
      await this.runFolder(f, true);
    }
    if (changed) this.server.diagnostics.republishSandbox();
    // Nothing wants the sandbox any more: free the worker's memory (some hundred MB).
    const anyOn = this.server.folders.some((f) => this.enabledFor(f));
    if (!anyOn) {
      this.kill(new SandboxUnavailable('the sandbox was turned off'));
      const first = this.server.folders[0];
      this.setStatus({ state: 'off', reason: first ? this.offReason(first) : 'no workspace folder' });
    }
  }

  /** Replays the folder (postgres-error findings, published at once), then, with `evidence`, measures its index recommendations. */
  private async runFolder(folder: Folder, evidence = false): Promise<void> {
    const t0 = performance.now();
    const project = folder.project;
    const generation = Atomics.load(this.wanted, 0);
    // no generated data in the replay: postgres-error needs none, and filling tables (seconds on a
    // large project) would delay every save's diagnostics; the evidence phase fills them afterwards
    const input = sandboxInput(project, { rows: 0 });
    if (!this.saidMySql.has(folder)) {
      const my = project.order().filter((f) => f.dialect.family === 'mysql').length;
      if (my) {
        this.saidMySql.add(folder);
        try { this.server.connection.console.info(`sandbox: ${my} MySQL/MariaDB file${my === 1 ? '' : 's'} of ${folder.name} left out: the sandbox is PostgreSQL (PGlite) and replays the PostgreSQL files only.`); } catch { /* connection gone */ }
      }
    }
    const files = new Map<string, SourceFile>();
    for (const f of project.order()) files.set(f.path, f);
    // the recommendations of the same project state as the input (the user may type during the replay)
    const requests = evidence ? this.evidenceWanted(folder) : undefined;
    this.setStatus({ ...this.status, state: this.worker ? 'replaying' : 'starting', reason: undefined, folder: folder.name });
    let reply: FromWorker;
    try {
      reply = await this.request({ type: 'run', id: this.nextId++, input }, this.limitMs(), 'run');
    } catch (e) {
      this.live = undefined;
      this.setStatus({ state: 'failed', reason: e instanceof Error ? e.message : String(e), folder: folder.name });
      return;
    }
    if (reply.type !== 'ran') {
      this.live = undefined;
      this.setStatus({ state: 'failed', reason: reply.type === 'failed' ? reply.message : 'the worker answered out of turn', folder: folder.name });
      return;
    }
    this.live = folder;
    this.liveData = undefined;
    this.timeoutReported = false;
    const byFile = new Map<string, Finding[]>();
    for (const f of reply.findings) (byFile.get(f.path) ?? byFile.set(f.path, []).get(f.path)!).push(f);
    const kept = new Map<string, KeptFile>();
    let count = 0;
    for (const [p, list] of byFile) {
      const file = files.get(p);
      if (!file) continue;
      const shown = applySuppressions(file, list);
      count += shown.length;
      kept.set(p, {
        file,
        kept: shown.map((finding) => {
          const st = file.statements.find((s) => s.start <= finding.start && finding.start < Math.max(s.end, s.start + 1));
          return { finding, stmtText: st?.text ?? '', stmtStart: st?.start ?? 0 };
        }),
      });
    }
    this.results.set(folder, kept);
    const st = reply.stats;
    this.failures.set(folder, st.failed + st.followOns);
    this.runs++;
    const ms = Math.round(performance.now() - t0);
    this.setStatus({
      state: 'ready', folder: folder.name, ms, findings: count,
      ran: st.ran, failed: st.failed + st.followOns, explained: st.explained, rejected: st.explainFailed,
    });
    this.server.diagnostics.republishSandbox();
    if (!requests) return;
    if (!requests.length) {
      if (this.evidence.delete(folder)) this.server.diagnostics.republishSandbox();
      return;
    }
    await this.measure(folder, project.config.sandboxRows, requests, files, generation);
  }

  /**
   * The recommendations worth measuring: missing-index on, dbEngineer.sandbox.rows above 0, and
   * recommendations with a query to EXPLAIN; an empty list clears the folder's evidence.
   */
  private evidenceWanted(folder: Folder): EvidenceRequest[] {
    if (folder.project.severityOf('missing-index') === 'off' || this.server.settings.sandbox.rows <= 0) return [];
    try {
      return evidenceRequests(folder.project).filter((r) => r.queries.length > 0);
    } catch (e) {
      this.server.error('sandbox evidence', e);
      return [];
    }
  }

  /** The evidence phase: after the replay, in the same worker and database. */
  private async measure(folder: Folder, configRows: number, requests: EvidenceRequest[], files: Map<string, SourceFile>, generation: number): Promise<void> {
    if (Atomics.load(this.wanted, 0) !== generation) return; // a newer run is on its way: it measures
    const rows = Math.min(this.server.settings.sandbox.rows, configRows);
    const ready = this.status;
    const evidenceStatus = (e: SandboxStatus['evidence']) => this.setStatus({ ...ready, evidence: e });
    evidenceStatus({ state: 'measuring', indexes: requests.length });
    let reply: FromWorker;
    try {
      reply = await this.request({ type: 'evidence', id: this.nextId++, rows, requests, generation }, this.limitMs(), 'evidence');
    } catch (e) {
      evidenceStatus({ state: 'failed', indexes: requests.length, reason: e instanceof Error ? e.message : String(e) });
      return;
    }
    if (reply.type !== 'evidenced') {
      evidenceStatus({ state: 'failed', indexes: requests.length, reason: reply.type === 'failed' ? reply.message : 'the worker answered out of turn' });
      return;
    }
    const r = reply.result;
    if (r.superseded) { this.setStatus({ ...ready, evidence: undefined }); return; }
    if (r.data && !r.data.error && rows > 0) this.liveData = { rowsPerTable: r.data.rowsPerTable, filled: r.data.filled, tables: r.data.tables };
    const kept = new Map<string, KeptEvidence>();
    let queries = 0;
    for (const rec of r.evidence) {
      for (const q of rec.queries) {
        if (!q.evidence) continue;
        const file = files.get(q.path);
        const st = file && statementAt(file, q.start);
        if (!st) continue;
        (kept.get(q.path) ?? kept.set(q.path, new Map()).get(q.path)!).set(evidenceKey(st.text, q.start - st.start), { evidence: q.evidence, index: rec.index, table: rec.table });
        queries++;
      }
    }
    this.evidence.set(folder, kept);
    evidenceStatus({
      state: r.data?.error ? 'failed' : 'done', indexes: requests.length, queries, rows: r.data?.filled ? r.data.rowsPerTable : 0, ms: r.ms,
      reason: r.data?.error ? `generating rows failed in PGlite (${r.data.error}); the costs are those of the tables as the migrations leave them` : undefined,
    });
    this.server.diagnostics.republishSandbox();
  }

  private setStatus(s: SandboxStatus): void {
    this.status = Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as unknown as SandboxStatus;
    this.server.statusAgain();
  }

  /** The worker, started when needed; rejects when PGlite cannot be loaded. */
  private async ensureWorker(): Promise<Worker> {
    if (this.unavailable) throw new SandboxUnavailable(this.unavailable);
    const memoryMb = this.server.settings.sandbox.memoryMb;
    if (this.worker && this.workerMemoryMb !== memoryMb) this.kill(new SandboxUnavailable('the memory limit changed'));
    if (this.worker && this.hello) { await this.hello; return this.worker; }
    const data: WorkerData = {
      snapshotDir: cacheDir(), keystrokes: this.keystrokes, epoch: this.epoch,
      limits: { timeoutSeconds: this.server.settings.sandbox.timeoutSeconds, memoryMb },
      memoryNote: `The sandbox limits PostgreSQL's memory (${memoryMb.toLocaleString('en-US')} MB in all; dbEngineer.sandbox.memoryMb).`,
    };
    let worker: Worker;
    try {
      // resourceLimits: the JavaScript side of the worker; PGlite's memory is not counted there (hence the RSS watch below)
      worker = new Worker(this.workerFile, { workerData: data, stdout: true, stderr: true, resourceLimits: { maxOldGenerationSizeMb: memoryMb } });
    } catch (e) {
      this.unavailable = `the sandbox worker could not start (${e instanceof Error ? e.message : String(e)})`;
      throw new SandboxUnavailable(this.unavailable);
    }
    worker.unref();
    this.worker = worker;
    this.workerMemoryMb = memoryMb;
    // start-up (initdb the very first time) is allowed its own memory until the first replay begins
    this.ceiling = ceilingFromNow(Math.max(memoryMb, START_MEMORY_MB));
    this.stopWatch = watchMemory(() => this.ceiling, () => { if (worker === this.worker) this.overMemory(); });
    // PGlite prints to the console now and then: into the server log, never onto the LSP stream.
    worker.stdout.on('data', () => { /* dropped */ });
    worker.stderr.on('data', (d) => this.server.error('sandbox worker', String(d).trimEnd()));
    let helloDone!: () => void, helloFailed!: (e: Error) => void;
    this.hello = new Promise<void>((res, rej) => { helloDone = res; helloFailed = rej; });
    this.hello.catch(() => undefined);
    worker.on('message', (m: FromWorker) => {
      if (worker !== this.worker) return;
      if (m.type === 'hello') {
        if (m.unavailable) {
          this.unavailable = m.unavailable;
          helloFailed(new SandboxUnavailable(m.unavailable));
          void worker.terminate();
          this.worker = undefined;
          this.server.refreshCodeLenses(); // no Explain without PGlite
        } else helloDone();
        return;
      }
      const w = this.waiting;
      if (!w || m.id !== w.id) return;
      if (m.type === 'table' || m.type === 'progress') return; // the CLI's watchdog uses them
      if (m.type === 'phase') {
        if (m.phase === 'replaying') {
          this.ceiling = ceilingFromNow(memoryMb); // the run's database has started: its limit counts from here
          if (this.status.state === 'starting') this.setStatus({ ...this.status, state: 'replaying' });
          this.arm(w); // the limit counts from the end of start-up
        }
        return;
      }
      this.waiting = undefined;
      this.disarm();
      w.resolve(m);
    });
    const gone = (why: string) => {
      if (worker !== this.worker) return;
      this.worker = undefined;
      this.live = undefined;
      this.stopWatch?.();
      this.stopWatch = undefined;
      helloFailed(new SandboxUnavailable(why));
      const w = this.waiting;
      this.waiting = undefined;
      this.disarm();
      w?.reject(new SandboxUnavailable(why));
    };
    worker.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY' && worker === this.worker) { this.overMemory(); return; }
      gone(`the sandbox worker failed: ${e.message}`);
    });
    worker.on('exit', (code) => gone(`the sandbox worker stopped (exit code ${code})`));
    await this.hello;
    return worker;
  }

  private async request(msg: ToWorker, limitMs: number, what: string): Promise<FromWorker> {
    const worker = await this.ensureWorker();
    return new Promise<FromWorker>((resolve, reject) => {
      const w: Waiting = { id: msg.id, resolve, reject, limitMs, what };
      this.waiting = w;
      const mb = this.server.settings.sandbox.memoryMb;
      // a run starts a new database first: start-up's allowance until its 'replaying' phase
      this.ceiling = ceilingFromNow(msg.type === 'run' ? Math.max(mb, START_MEMORY_MB) : mb);
      this.arm(w, msg.type === 'run' ? Math.max(START_LIMIT_MS, limitMs) : limitMs);
      worker.postMessage(msg);
    });
  }

  private arm(w: Waiting, ms = w.limitMs): void {
    this.disarm();
    this.watchdog = setTimeout(() => this.timedOut(w), ms);
  }

  private disarm(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private timedOut(w: Waiting): void {
    if (this.waiting !== w) return;
    // The worker waits between statements while the user types: that time is not the run's fault.
    if (performance.now() - this.lastKeystroke < 2000 && (w.extended ?? 0) < EXTENSIONS) {
      w.extended = (w.extended ?? 0) + 1;
      this.arm(w, EXTENSION_MS);
      return;
    }
    const secs = this.server.settings.sandbox.timeoutSeconds;
    const what = w.what === 'run' ? 'replay' : w.what === 'evidence' ? 'missing-index measuring (generated rows and plans with and without each index)' : w.what === 'validate' ? 'migration check' : 'EXPLAIN';
    const why = `the sandbox's ${what} took longer than ${secs} s (dbEngineer.sandbox.timeoutSeconds) and was stopped; PGlite ignores statement_timeout, so look for a statement that never ends (pg_sleep, a lock wait, an endless loop). It starts afresh on the next save.`;
    if (!this.timeoutReported) {
      this.timeoutReported = true;
      void this.server.connection.sendNotification('window/logMessage', { type: MessageType.Warning, message: `DB Engineer: ${why}` }).catch(() => undefined);
    }
    this.kill(new SandboxUnavailable(why));
  }

  /** The worker made the server grow past dbEngineer.sandbox.memoryMb: stopped like a run over the time limit. */
  private overMemory(): void {
    const w = this.waiting;
    const mb = this.server.settings.sandbox.memoryMb;
    const what = !w ? 'sandbox' : w.what === 'run' ? 'replay' : w.what === 'evidence' ? 'missing-index measuring (generated rows and plans with and without each index)' : w.what === 'validate' ? 'migration check' : 'EXPLAIN';
    const why = `the sandbox's ${what} used more than ${mb.toLocaleString('en-US')} MB (dbEngineer.sandbox.memoryMb) and was stopped; look for a statement that builds something huge (a table from a large generate_series, many generated rows). It starts afresh on the next save.`;
    if (!this.timeoutReported) {
      this.timeoutReported = true;
      void this.server.connection.sendNotification('window/logMessage', { type: MessageType.Warning, message: `DB Engineer: ${why}` }).catch(() => undefined);
    }
    this.kill(new SandboxUnavailable(why));
  }

  /** Terminates the worker (if any); a request in flight is rejected with `reason`. */
  private kill(reason: Error): void {
    const worker = this.worker;
    this.stopWatch?.();
    this.stopWatch = undefined;
    this.worker = undefined;
    this.hello = undefined;
    this.live = undefined;
    this.disarm();
    const w = this.waiting;
    this.waiting = undefined;
    if (worker) void worker.terminate().catch(() => undefined);
    w?.reject(reason);
  }
}
