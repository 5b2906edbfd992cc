// Diagnostics: the edited file first (short debounce), then, when its schema-changing statements
// changed, the other open documents (longer debounce). Publishes carry the analysed version.
// The sandbox's postgres-error findings (../sandbox-host.ts) are added to every publication, so the
// analysis on keystrokes never drops them; they change only when a sandbox run finishes. So is the
// evidence phase's planner costs, applied to the static missing-index findings (kept for the hover).
import type { Diagnostic } from 'vscode-languageserver';
import type { Folder } from '../folder';
import { limitNonSql, toDiagnostic } from '../convert';
import { merge, plan, type Baseline } from '../incremental';
import type { Finding, SourceFile } from '../../model';
import type { DbeServer } from '../server';
import type { Measured } from '../sandbox-host';

export const OTHERS_DELAY_MS = 300;
/** After a fast (partial) analysis, the full one runs when typing has paused this long. */
export const VERIFY_DELAY_MS = 250;
/** DBE_NO_INCREMENTAL=1: always analyse the whole file (for comparison and debugging). */
const NO_INCREMENTAL = process.env.DBE_NO_INCREMENTAL === '1';

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

  constructor(private readonly server: DbeServer) {}

  /** An open document changed: analyse it after the debounce. */
  fileChanged(key: string): void {
    this.server.sandbox?.keystroke();
    const old = this.fileTimers.get(key);
    if (old) clearTimeout(old);
    this.fileTimers.set(key, setTimeout(() => {
      this.fileTimers.delete(key);
      this.runFile(key);
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

  private runFile(key: string): void {
    const s = this.server;
    if (s.shuttingDown || !s.open.has(key)) return;
    try {
      const { file } = s.sync(key); // (a schema change bumps the epoch and schedules the other documents)
      if (file && s.settings.enable && this.publishFast(key, file)) this.scheduleVerify(key);
      else this.publish([key]);
    } catch (e) {
      s.error('diagnostics', e);
    }
  }

  /** Re-judges only the statements an edit touched, when that is enough (see ../incremental.ts). */
  private publishFast(key: string, file: SourceFile): boolean {
    const s = this.server;
    if (NO_INCREMENTAL) return false;
    const project = s.folderFor(key).project;
    const base = this.baselines.get(key);
    const p = plan(base, file, project, s.schemaEpoch);
    if (!p || !base) return false;
    const fresh = project.analyze([key], { only: (st) => st.file === file && p.changed.has(st.index) }).get(key);
    this.logInternalErrors(project);
    const merged = fresh && merge(base, p, fresh);
    if (!merged) return false;
    // The next keystroke is compared with this state; the full analysis after a pause re-bases exactly.
    this.baselines.set(key, { file, findings: merged, config: project.config, epoch: s.schemaEpoch });
    this.send(key, this.toDiagnostics(key, project, file, merged));
    return true;
  }

  private scheduleVerify(key: string): void {
    const old = this.verifyTimers.get(key);
    if (old) clearTimeout(old);
    this.verifyTimers.set(key, setTimeout(() => {
      this.verifyTimers.delete(key);
      if (this.server.shuttingDown || !this.server.open.has(key) || this.fileTimers.has(key)) return;
      try { this.server.sync(key); this.publish([key], true); } catch (e) { this.server.error('diagnostics', e); }
    }, VERIFY_DELAY_MS));
  }

  /** Analyses and publishes every open document (and clears any stale publication). */
  publishAll(): void {
    const s = this.server;
    if (s.shuttingDown) return;
    try {
      const keys = new Set<string>([...s.open.keys(), ...this.published]);
      for (const k of this.fileTimers.keys()) keys.delete(k); // they publish themselves shortly
      for (const k of keys) if (s.open.has(k)) s.sync(k);
      this.publish([...keys]);
    } catch (e) {
      s.error('diagnostics', e);
    }
  }

  /** Analyses `keys` (grouped by folder, one replay per folder) and publishes their diagnostics. */
  publish(keys: string[], onlyIfChanged = false): void {
    const s = this.server;
    if (!s.settings.enable) { for (const k of keys) this.clear(k); return; }
    const groups = new Map<Folder, string[]>();
    for (const k of keys) {
      const f = s.folderFor(k);
      groups.set(f, [...(groups.get(f) ?? []), k]);
    }
    for (const [folder, list] of groups) {
      const project = folder.project;
      const results = project.analyze(list);
      for (const k of list) {
        const file = project.getFile(k);
        const findings = results.get(k);
        if (!file || !findings || !s.open.has(k)) { this.clear(k); continue; }
        this.baselines.set(k, { file, findings, config: project.config, epoch: s.schemaEpoch });
        this.send(k, this.toDiagnostics(k, project, file, findings), onlyIfChanged);
      }
      this.logInternalErrors(project);
    }
  }

  /** What a document shows: its static findings with the sandbox's evidence and findings, as diagnostics. */
  private toDiagnostics(key: string, project: Folder['project'], file: SourceFile, findings: Finding[]): Diagnostic[] {
    const s = this.server;
    return limitNonSql(project, file, this.withSandbox(key, file, findings)).map((f) => toDiagnostic(project, file, f, (k) => s.clientUri(k), s.support.createFiles));
  }

  /** The static findings (missing-index ones with the last evidence phase's costs) plus the last sandbox run's, in file order. */
  private withSandbox(key: string, file: SourceFile, findings: Finding[]): Finding[] {
    const s = this.server;
    if (!s.sandbox) return findings;
    const folder = s.folderFor(key);
    const ev = s.sandbox.applyEvidence(folder, key, file, findings);
    if (ev.measured.length) this.measured.set(key, { file, list: ev.measured }); else this.measured.delete(key);
    const extra = s.sandbox.findingsFor(folder, key, file);
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
  republishSandbox(): void {
    const s = this.server;
    if (s.shuttingDown || !s.settings.enable) return;
    const again: string[] = [];
    for (const key of s.open.keys()) {
      if (this.fileTimers.has(key)) continue; // publishes itself shortly, sandbox findings included
      const project = s.folderFor(key).project;
      const file = project.getFile(key);
      const base = this.baselines.get(key);
      if (!file || !base || base.file !== file || s.stale.has(key)) { again.push(key); continue; }
      this.send(key, this.toDiagnostics(key, project, file, base.findings), true);
    }
    if (again.length) {
      try {
        for (const k of again) s.sync(k);
        this.publish(again, true);
      } catch (e) { s.error('diagnostics', e); }
    }
  }

  private logInternalErrors(project: { internalErrors: { rule: string; path: string; message: string }[] }): void {
    if (project.internalErrors.length) {
      for (const e of project.internalErrors.splice(0)) this.server.error(`rule ${e.rule} (${e.path})`, e.message);
    }
  }

  /** The diagnostics last published for an open document and the version they were computed from. */
  shown(key: string): { version: number | undefined; diagnostics: Diagnostic[] } | undefined { return this.shownNow.get(key); }

  /** Forgets a closed document. */
  forget(key: string): void {
    this.cancel(key);
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
  }

  private send(key: string, diagnostics: Diagnostic[], onlyIfChanged = false): void {
    const s = this.server;
    if (diagnostics.length) this.published.add(key); else this.published.delete(key);
    const version = s.open.has(key) ? s.syncedVersion.get(key) : undefined;
    const sig = `${version}\0${JSON.stringify(diagnostics)}`;
    if (onlyIfChanged && this.lastSent.get(key) === sig) return;
    if (s.open.has(key)) { this.lastSent.set(key, sig); this.shownNow.set(key, { version, diagnostics }); } else { this.lastSent.delete(key); this.shownNow.delete(key); }
    void s.connection.sendDiagnostics({ uri: s.clientUri(key), version, diagnostics }).catch((e) => s.error('publishDiagnostics', e));
  }
}
