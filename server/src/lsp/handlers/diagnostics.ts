// Diagnostics: the edited file first (short debounce), then, when its schema-changing statements
// changed, the other open documents and then every other file of the workspace (longer debounce).
// In a trusted workspace every SQL file the scan found is published, closed ones with their disk
// text, so the Problems panel matches `dbe lint` (decision 0025). Publishes carry the analysed
// version (none for closed files). Clients that support the pull model (LSP 3.17) ask instead:
// the same results, with result ids, and a refresh request when results change unasked.
// The sandbox's postgres-error findings (../sandbox-host.ts) are added to every publication, so the
// analysis on keystrokes never drops them; they change only when a sandbox run finishes. So is the
// evidence phase's planner costs, applied to the static missing-index findings (kept for the hover).
// Analysis runs in slices (../slices.ts): requests are answered in between, and a run whose document
// got a newer version (or whose project changed) is given up; only the newest run of a document may
// publish. At most MAX_DIAGNOSTICS per document are published, the most severe first, plus one that
// says how many were left out.
import {
  DiagnosticSeverity, DocumentDiagnosticReportKind, type Diagnostic, type DocumentDiagnosticReport, type WorkspaceDiagnosticReport,
  type WorkspaceDocumentDiagnosticReport, type DocumentDiagnosticParams, type WorkspaceDiagnosticParams, type CancellationToken,
} from 'vscode-languageserver';
import type { Folder } from '../folder';
import { limitNonSql, SOURCE, toDiagnostic } from '../convert';
import { merge, plan, type Baseline } from '../incremental';
import type { Finding, Severity, SourceFile } from '../../model';
import { guard, type DbeServer } from '../server';
import type { Measured } from '../sandbox-host';
import { inputSettled, runSliced, SLICE_MS, warmParses } from '../slices';

/**
 * The pull model (LSP 3.17), for clients that support it (see ./initialize.ts): textDocument/diagnostic
 * and workspace/diagnostic answer from the same results push would publish.
 */
export function register(server: DbeServer): void {
  const d = server.connection.languages.diagnostics;
  d.on(guard(server, 'textDocument/diagnostic', { kind: DocumentDiagnosticReportKind.Full, items: [] } as DocumentDiagnosticReport,
    (p: DocumentDiagnosticParams) => server.diagnostics.pullDocument(p.textDocument.uri, p.previousResultId)));
  d.onWorkspace(guard(server, 'workspace/diagnostic', { items: [] } as WorkspaceDiagnosticReport,
    (p: WorkspaceDiagnosticParams, token: CancellationToken) => server.diagnostics.pullWorkspace(p.previousResultIds ?? [], () => token.isCancellationRequested)));
}
import { withoutReportedUnknowns } from '../unknown-names';

export const OTHERS_DELAY_MS = 300;
/** After a fast (partial) analysis, the full one runs when typing has paused this long. */
export const VERIFY_DELAY_MS = 250;
/** DBE_NO_INCREMENTAL=1: always analyse the whole file (for comparison and debugging). */
const NO_INCREMENTAL = process.env.DBE_NO_INCREMENTAL === '1';
/** Most diagnostics published for one document (one more says how many were left out). */
export const MAX_DIAGNOSTICS = 500;
const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2, hint: 3 };

/** The findings shown when there are too many: the most severe MAX_DIAGNOSTICS, in file order. */
export function capFindings(findings: Finding[], max = MAX_DIAGNOSTICS): { shown: Finding[]; left: number } {
  if (findings.length <= max) return { shown: findings, left: 0 };
  const keep = findings.map((f, i) => ({ f, i })).sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i).slice(0, max);
  keep.sort((a, b) => a.i - b.i);
  return { shown: keep.map((x) => x.f), left: findings.length - max };
}

export class Diagnostics {
  private readonly fileTimers = new Map<string, NodeJS.Timeout>();
  private othersTimer: NodeJS.Timeout | undefined;
  private readonly verifyTimers = new Map<string, NodeJS.Timeout>();
  /** Last full analysis per open document (see ../incremental.ts). */
  private readonly baselines = new Map<string, Baseline>();
  /** What was last sent per document (version + diagnostics), to skip identical re-sends. */
  private readonly lastSent = new Map<string, string>();
  /** What was last published per open document, for the version it was computed from (code actions use it). */
  private readonly shownNow = new Map<string, { version: number | undefined; diagnostics: Diagnostic[] }>();
  /** Documents that currently show diagnostics from us. */
  readonly published = new Set<string>();
  /** Per document, the missing-index findings last published with sandbox evidence (for the hover), and the file version. */
  private readonly measured = new Map<string, { file: SourceFile; list: Measured[] }>();

  /** Analysis runs: the newest one started per document; an older run never publishes it. */
  private jobs = 0;
  private readonly latestJob = new Map<string, number>();
  /** Documents whose run was given up because the project changed under it: analysed again shortly. */
  private readonly retryKeys = new Set<string>();
  private retryTimer: NodeJS.Timeout | undefined;

  /**
   * Pull model: the last result per file (open or not) with its result id; a result id changes only
   * when the diagnostics (or the document version they are for) change, so the client is told
   * `unchanged` otherwise.
   */
  private readonly results = new Map<string, { id: string; version: number | undefined; diagnostics: Diagnostic[] }>();
  private resultIds = 0;
  /** Document pulls waiting for their file's next result, per file: that result needs no refresh request. */
  private readonly pullWaiting = new Map<string, number>();
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Analysis runs under way (a workspace pull answers once there are none). */
  private running = 0;

  constructor(private readonly server: DbeServer) {}

  /** Whether diagnostics go by the pull model (the client asks) rather than publishDiagnostics. */
  private get pull(): boolean { return !!this.server.support.pullDiagnostics; }

  /** Nothing pending: no analysis running or scheduled, the workspace indexed. */
  private idle(): boolean {
    return this.server.ready && this.running === 0 && this.fileTimers.size === 0 && !this.othersTimer && !this.diskTimer && !this.retryTimer;
  }

  /** textDocument/diagnostic: the file's diagnostics once its current text has been analysed. */
  async pullDocument(uri: string, previousResultId: string | undefined): Promise<DocumentDiagnosticReport> {
    const s = this.server;
    const key = s.key(uri);
    const current = () => {
      const r = this.results.get(key);
      if (!r || this.fileTimers.has(key) || s.stale.has(key) || !s.ready) return false;
      return !s.open.has(key) || r.version === s.document(key)?.version;
    };
    if (this.shows(key) && !current()) {
      // a change is being analysed (or the file was never): wait for its result, at most a few seconds
      if (s.ready && !this.fileTimers.has(key) && this.running === 0) void this.prepareAndPublish([key], false);
      this.pullWaiting.set(key, (this.pullWaiting.get(key) ?? 0) + 1);
      try {
        for (let i = 0; i < 100 && !current() && !s.shuttingDown; i++) await this.nextShown(key, 100);
      } finally {
        const n = (this.pullWaiting.get(key) ?? 1) - 1;
        if (n > 0) this.pullWaiting.set(key, n); else this.pullWaiting.delete(key);
      }
    }
    const r = this.results.get(key);
    if (!r || !this.shows(key)) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
    if (previousResultId === r.id) return { kind: DocumentDiagnosticReportKind.Unchanged, resultId: r.id };
    return { kind: DocumentDiagnosticReportKind.Full, resultId: r.id, items: r.diagnostics };
  }

  /** workspace/diagnostic: every file's diagnostics, once the analysis under way (indexing included) has finished. */
  async pullWorkspace(previous: { uri: string; value: string }[], cancelled: () => boolean): Promise<WorkspaceDiagnosticReport> {
    const s = this.server;
    for (let waited = 0; !this.idle() && !s.shuttingDown && !cancelled() && waited < 120_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const prev = new Map(previous.map((p) => [s.key(p.uri), p.value]));
    const items: WorkspaceDocumentDiagnosticReport[] = [];
    for (const [key, r] of this.results) {
      const uri = s.clientUri(key);
      const version = s.open.has(key) ? r.version ?? null : null;
      if (prev.get(key) === r.id) items.push({ kind: DocumentDiagnosticReportKind.Unchanged, uri, version, resultId: r.id });
      else items.push({ kind: DocumentDiagnosticReportKind.Full, uri, version, resultId: r.id, items: r.diagnostics });
    }
    return { items };
  }

  /** Pull model: results changed that no pending pull will deliver: the client is asked to pull again. */
  private scheduleRefresh(): void {
    const s = this.server;
    if (!s.support.diagnosticRefresh || this.refreshTimer || s.shuttingDown) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (s.shuttingDown) return;
      void s.connection.sendRequest('workspace/diagnostic/refresh').catch(() => { /* client gone */ });
    }, 50);
  }

  /** A new run for `keys`: older runs of them stop publishing them. */
  private start(keys: string[]): number {
    const id = ++this.jobs;
    for (const k of keys) this.latestJob.set(k, id);
    return id;
  }

  private isLatest(key: string, id: number): boolean { return this.latestJob.get(key) === id; }

  /**
   * Whether `key` gets diagnostics: an open document, or (trusted workspaces) any SQL file the
   * workspace scan put into a folder's project, as `dbe lint` on that folder would list it.
   */
  shows(key: string): boolean {
    const s = this.server;
    if (s.open.has(key)) return true;
    if (!s.trusted) return false;
    const folder = s.folderFor(key);
    return !!folder.uri && folder.contains(key) && folder.project.hasFile(key);
  }

  /** Every file of the trusted workspace folders (closed ones use the disk text). */
  private workspaceKeys(): string[] {
    const s = this.server;
    if (!s.trusted) return [];
    return s.folders.flatMap((f) => f.project.order().map((file) => file.path));
  }

  /** Closed files changed on disk (or a document was closed): re-published after the debounce. */
  filesChanged(keys: string[]): void {
    for (const k of keys) this.diskChanged.add(k);
    if (this.diskTimer || this.server.shuttingDown) return;
    this.diskTimer = setTimeout(() => {
      this.diskTimer = undefined;
      const list = [...this.diskChanged].filter((k) => !this.fileTimers.has(k));
      this.diskChanged.clear();
      if (list.length) void this.prepareAndPublish(list, false);
    }, this.server.settings.debounceMs);
  }
  private readonly diskChanged = new Set<string>();
  private diskTimer: NodeJS.Timeout | undefined;

  /** Runs for `keys` gave up because another file changed the project: analyse them again (if no newer run has). */
  private retry(keys: string[], id: number): void {
    for (const k of keys) if (this.isLatest(k, id) && this.shows(k)) this.retryKeys.add(k);
    if (!this.retryKeys.size || this.retryTimer || this.server.shuttingDown) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const keys = [...this.retryKeys].filter((k) => !this.fileTimers.has(k));
      this.retryKeys.clear();
      if (keys.length) void this.prepareAndPublish(keys, false);
    }, this.server.settings.debounceMs);
  }

  /** An open document changed: analyse it after the debounce. */
  fileChanged(key: string): void {
    this.server.sandbox?.keystroke();
    const old = this.fileTimers.get(key);
    if (old) clearTimeout(old);
    this.fileTimers.set(key, setTimeout(() => {
      this.fileTimers.delete(key);
      void this.runFile(key);
    }, this.server.settings.debounceMs));
  }

  /** The schema may have changed: re-publish the other open documents after the longer debounce. */
  schemaChanged(delay = OTHERS_DELAY_MS): void {
    this.server.schemaEpoch++;
    if (this.othersTimer) clearTimeout(this.othersTimer);
    this.othersTimer = setTimeout(() => {
      this.othersTimer = undefined;
      this.publishAll();
    }, delay);
  }

  private async runFile(key: string): Promise<void> {
    const s = this.server;
    if (s.shuttingDown || !s.open.has(key)) return;
    const id = this.start([key]);
    const version = s.document(key)?.version;
    const current = () => !s.shuttingDown && this.isLatest(key, id) && s.document(key)?.version === version;
    this.running++;
    try {
      // parse the new text in slices first: the sync below then finds every statement parsed
      const text = s.stale.has(key) ? s.openText(key) : undefined;
      if (text !== undefined && !(await warmParses(text, current))) return;
      if (!current()) return;
      const { file } = s.sync(key); // (a schema change bumps the epoch and schedules the other documents)
      const fast = file && s.settings.enable ? await this.publishFast(key, file, id) : 'full';
      if (fast === 'done') this.scheduleVerify(key);
      else if (fast === 'full' && current()) await this.publish([key], false, id);
    } catch (e) {
      s.error('diagnostics', e);
    } finally {
      this.running--;
    }
  }

  /** Re-judges only the statements an edit touched, when that is enough (see ../incremental.ts). */
  private async publishFast(key: string, file: SourceFile, id: number): Promise<'done' | 'full' | 'stopped'> {
    const s = this.server;
    if (NO_INCREMENTAL) return 'full';
    const project = s.folderFor(key).project;
    const base = this.baselines.get(key);
    const p = plan(base, file, project, s.schemaEpoch);
    if (!p || !base) return 'full';
    const rev = project.revision, epoch = s.schemaEpoch, version = s.syncedVersion.get(key);
    const alive = () => !s.shuttingDown && project.revision === rev && this.isLatest(key, id) && project.getFile(key) === file && s.document(key)?.version === version;
    let all = await runSliced(project.analyzeSteps([key], { only: (st) => st.file === file && p.changed.has(st.index) }), alive);
    this.logInternalErrors(project);
    if (all && !(await inputSettled(alive))) all = undefined;
    if (!all) { if (s.document(key)?.version === s.syncedVersion.get(key)) this.retry([key], id); return 'stopped'; }
    const fresh = all.get(key);
    const merged = fresh && merge(base, p, fresh);
    if (!merged) return 'full';
    // The next keystroke is compared with this state; the full analysis after a pause re-bases exactly.
    this.baselines.set(key, { file, findings: merged, config: project.config, epoch });
    this.send(key, this.toDiagnostics(key, project, file, merged));
    return 'done';
  }

  private scheduleVerify(key: string): void {
    const old = this.verifyTimers.get(key);
    if (old) clearTimeout(old);
    this.verifyTimers.set(key, setTimeout(() => {
      this.verifyTimers.delete(key);
      if (this.server.shuttingDown || !this.server.open.has(key) || this.fileTimers.has(key)) return;
      void this.prepareAndPublish([key], true);
    }, VERIFY_DELAY_MS));
  }

  /** Analyses and publishes every open document and workspace file (and clears any stale publication). */
  publishAll(): void {
    const s = this.server;
    if (s.shuttingDown) return;
    const keys = new Set<string>([...s.open.keys(), ...this.workspaceKeys(), ...this.published]);
    for (const k of this.fileTimers.keys()) keys.delete(k); // they publish themselves shortly
    // the open documents first (what the user looks at), then the rest of the workspace in a run of its own
    const open = [...keys].filter((k) => s.open.has(k));
    const rest = [...keys].filter((k) => !s.open.has(k));
    this.running++; // (idle() stays false between the two runs)
    void this.prepareAndPublish(open, false)
      .then(() => (rest.length ? this.prepareAndPublish(rest, false) : undefined))
      .finally(() => { this.running--; });
  }

  /** Brings stale open documents into their projects (parsing in slices), then publishes `keys`. */
  private async prepareAndPublish(keys: string[], onlyIfChanged: boolean): Promise<void> {
    const s = this.server;
    const id = this.start(keys);
    this.running++;
    try {
      for (const k of keys) {
        const text = s.open.has(k) && s.stale.has(k) ? s.openText(k) : undefined;
        if (text !== undefined) await warmParses(text, () => !s.shuttingDown && this.isLatest(k, id));
      }
      if (s.shuttingDown) return;
      const mine = keys.filter((k) => this.isLatest(k, id));
      for (const k of mine) if (s.open.has(k)) s.sync(k);
      await this.publish(mine, onlyIfChanged, id);
    } catch (e) {
      s.error('diagnostics', e);
    } finally {
      this.running--;
    }
  }

  /**
   * Analyses `keys` (grouped by folder, one replay per folder, in slices) and publishes their
   * diagnostics. A document that changed meanwhile, or that a newer run took over, is not published by
   * this run; if the project changed under it, the run stops and its documents are analysed again.
   */
  async publish(keys: string[], onlyIfChanged = false, id = this.start(keys)): Promise<void> {
    const s = this.server;
    if (!s.settings.enable) { for (const k of keys) this.clear(k); return; }
    const groups = new Map<Folder, string[]>();
    for (const k of keys) {
      const f = s.folderFor(k);
      groups.set(f, [...(groups.get(f) ?? []), k]);
    }
    for (const [folder, list] of groups) {
      const project = folder.project;
      const rev = project.revision, epoch = s.schemaEpoch;
      const versions = new Map(list.map((k) => [k, s.document(k)?.version]));
      const current = (k: string) => this.isLatest(k, id) && s.document(k)?.version === versions.get(k);
      const alive = () => !s.shuttingDown && project.revision === rev && list.some(current);
      let results = await runSliced(project.analyzeSteps(list), alive);
      this.logInternalErrors(project);
      if (results && !(await inputSettled(alive))) results = undefined;
      if (!results) {
        if (!s.shuttingDown) this.retry(list.filter(current), id);
        continue;
      }
      // converting and sending hundreds of files is work too: in slices, requests answered in between
      let until = performance.now() + SLICE_MS;
      for (let i = 0; i < list.length; i++) {
        const k = list[i];
        if (performance.now() >= until) {
          await new Promise((r) => setImmediate(r));
          until = performance.now() + SLICE_MS;
          if (s.shuttingDown) return;
          if (project.revision !== rev) { this.retry(list.slice(i).filter(current), id); break; }
        }
        if (!this.isLatest(k, id)) continue; // a newer run publishes it
        const file = project.getFile(k);
        const findings = results.get(k);
        if (!file || !findings || !this.shows(k)) { this.clear(k); continue; }
        if (!current(k)) continue; // changed meanwhile: its own run follows
        this.baselines.set(k, { file, findings, config: project.config, epoch });
        this.send(k, this.toDiagnostics(k, project, file, findings), onlyIfChanged);
      }
    }
  }

  /** What a document shows: its static findings with the sandbox's evidence and findings, as diagnostics. */
  private toDiagnostics(key: string, project: Folder['project'], file: SourceFile, findings: Finding[]): Diagnostic[] {
    const s = this.server;
    const { shown, left } = capFindings(limitNonSql(project, file, this.withSandbox(key, file, findings)));
    const out = shown.map((f) => toDiagnostic(project, file, f, (k) => s.clientUri(k), s.support.createFiles));
    if (left) {
      const zero = { line: 0, character: 0 };
      out.push({
        range: { start: zero, end: zero }, severity: DiagnosticSeverity.Information, source: SOURCE, code: 'too-many-findings',
        message: `DB Engineer shows ${MAX_DIAGNOSTICS} of the ${shown.length + left} findings in this file (the most severe first); ${left} more are left out. \`dbe lint\` lists them all.`,
      });
    }
    return out;
  }

  /** The static findings (missing-index ones with the last evidence phase's costs) plus the last sandbox run's, in file order. */
  private withSandbox(key: string, file: SourceFile, findings: Finding[]): Finding[] {
    const s = this.server;
    if (!s.sandbox) return findings;
    const folder = s.folderFor(key);
    const ev = s.sandbox.applyEvidence(folder, key, file, findings);
    if (ev.measured.length) this.measured.set(key, { file, list: ev.measured }); else this.measured.delete(key);
    // what unknown-relation / unknown-column already say about a statement is not said twice
    const extra = withoutReportedUnknowns(file, ev.findings, s.sandbox.findingsFor(folder, key, file));
    if (!extra.length) return ev.findings;
    return [...ev.findings, ...extra].sort((a, b) => a.start - b.start);
  }

  /** The published missing-index findings with evidence whose range holds `offset` (the file as published). */
  measuredAt(key: string, file: SourceFile, offset: number): Measured[] {
    const m = this.measured.get(key);
    if (!m || (m.file !== file && m.file.text !== file.text)) return [];
    return m.list.filter((x) => x.finding.start <= offset && offset <= Math.max(x.finding.end, x.finding.start + 1));
  }

  /**
   * A sandbox run finished: re-sends the open documents with its findings. Reuses the last static
   * analysis (the baseline) where it is current, so this costs no analysis; the rest is analysed.
   */
  /**
   * MySQL syntax verdicts arrived from the background worker (dialects/mysql/syntax.ts): the files
   * analysed meanwhile got no syntax-error finding for statements still being checked, so the open
   * documents and the workspace are analysed again; only what changed is re-sent.
   */
  mySqlVerdictsArrived(): void {
    const s = this.server;
    if (s.shuttingDown || !s.settings.enable) return;
    const keys = new Set<string>([...s.open.keys(), ...this.workspaceKeys()]);
    for (const k of this.fileTimers.keys()) keys.delete(k); // they publish themselves shortly
    if (keys.size) void this.prepareAndPublish([...keys], true);
  }

  republishSandbox(): void {
    const s = this.server;
    if (s.shuttingDown || !s.settings.enable) return;
    const again: string[] = [];
    for (const key of new Set([...s.open.keys(), ...this.workspaceKeys()])) {
      if (this.fileTimers.has(key)) continue; // publishes itself shortly, sandbox findings included
      const project = s.folderFor(key).project;
      const file = project.getFile(key);
      const base = this.baselines.get(key);
      if (!file || !base || base.file !== file || s.stale.has(key)) {
        // a closed file that a run under way (the workspace's first analysis) has still to publish gets
        // the sandbox's findings then: starting it again here would only restart that run
        if (s.open.has(key) || this.running === 0) again.push(key);
        continue;
      }
      this.send(key, this.toDiagnostics(key, project, file, base.findings), true);
    }
    if (again.length) void this.prepareAndPublish(again, true);
  }

  private logInternalErrors(project: { internalErrors: { rule: string; path: string; message: string }[] }): void {
    if (project.internalErrors.length) {
      for (const e of project.internalErrors.splice(0)) this.server.error(`rule ${e.rule} (${e.path})`, e.message);
    }
  }

  /** The diagnostics last published for an open document and the version they were computed from. */
  shown(key: string): { version: number | undefined; diagnostics: Diagnostic[] } | undefined { return this.shownNow.get(key); }

  private readonly shownWaiters = new Map<string, (() => void)[]>();

  /**
   * Resolves at the next publication for an open document `key`, or after `ms` (whichever is first).
   * A code-action request that arrives between an edit (or the opening of a file) and the publication
   * for that text waits for it rather than answering with nothing.
   */
  nextShown(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const list = this.shownWaiters.get(key) ?? [];
      const done = () => { clearTimeout(timer); resolve(); };
      const timer = setTimeout(() => {
        const l = this.shownWaiters.get(key);
        const i = l ? l.indexOf(done) : -1;
        if (i >= 0) l!.splice(i, 1);
        resolve();
      }, ms);
      list.push(done);
      this.shownWaiters.set(key, list);
    });
  }

  /** Forgets a closed document. */
  forget(key: string): void {
    this.cancel(key);
    this.latestJob.delete(key);
    this.retryKeys.delete(key);
    this.baselines.delete(key);
    this.lastSent.delete(key);
    this.shownNow.delete(key);
    this.measured.delete(key);
  }

  clear(key: string): void {
    if (this.published.has(key) || this.server.open.has(key)) this.send(key, []);
  }

  clearAll(): void { for (const k of [...this.published]) this.send(k, []); }

  cancel(key: string): void {
    const t = this.fileTimers.get(key);
    if (t) { clearTimeout(t); this.fileTimers.delete(key); }
    const v = this.verifyTimers.get(key);
    if (v) { clearTimeout(v); this.verifyTimers.delete(key); }
  }

  dispose(): void {
    for (const t of this.fileTimers.values()) clearTimeout(t);
    this.fileTimers.clear();
    for (const t of this.verifyTimers.values()) clearTimeout(t);
    this.verifyTimers.clear();
    if (this.othersTimer) clearTimeout(this.othersTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.diskTimer) clearTimeout(this.diskTimer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }

  private send(key: string, diagnostics: Diagnostic[], onlyIfChanged = false): void {
    const s = this.server;
    const open = s.open.has(key);
    const version = open ? s.syncedVersion.get(key) : undefined;
    const sig = `${version}\0${JSON.stringify(diagnostics)}`;
    // a closed file is sent again only when what it shows changed (a schema change re-judges them all)
    if ((onlyIfChanged || !open) && this.lastSent.get(key) === sig) return;
    if (diagnostics.length) this.published.add(key); else this.published.delete(key);
    this.lastSent.set(key, sig);
    if (open) this.shownNow.set(key, { version, diagnostics }); else this.shownNow.delete(key);
    const waiting = this.shownWaiters.get(key);
    if (waiting && (s.open.has(key) || this.pull)) { this.shownWaiters.delete(key); for (const w of waiting) w(); }
    if (this.pull) {
      const prev = this.results.get(key);
      if (prev && prev.version === version && JSON.stringify(prev.diagnostics) === JSON.stringify(diagnostics)) return;
      this.results.set(key, { id: String(++this.resultIds), version, diagnostics });
      // a document pull waiting for this file takes the result; anything else needs the client to ask again
      if (!this.pullWaiting.get(key)) this.scheduleRefresh();
      return;
    }
    void s.connection.sendDiagnostics({ uri: s.clientUri(key), version, diagnostics }).catch((e) => s.error('publishDiagnostics', e));
  }
}
