// One workspace folder: its project (files, schema, findings), its .dbe.json and the files on disk.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, defaultConfig, loadConfigFile, matchesAny, type Config } from '../config';
import { listSqlFiles } from '../cli/collect';
import { Project } from '../engine/project';
import { readDiskSource } from '../engine/read-file';
import { KNOWN_RULE_IDS } from '../rules';
import { effectiveConfig, type Settings } from './settings';
import type { MigrationSummary } from './migrations-protocol';
import { summarizePlan } from './migrations';
import { fileUriKey, fsPathOf, relativeTo } from './uri';

const MAX_SCAN_FILES = 50_000;

export class Folder {
  readonly project: Project;
  /** .dbe.json as read (undefined: none, unreadable or not trusted). */
  fileConfig: Config | undefined;
  /** Last configuration problem shown to the user, so a broken file is reported once per change. */
  configError: string | undefined;
  /** .dbe.json says "sandbox": false: the editor's sandbox stays off for this folder. */
  sandboxOff = false;

  /** uri: the folder's URI; undefined for the catch-all of files outside every folder. */
  constructor(readonly uri: string | undefined, readonly name: string) {
    this.project = new Project(defaultConfig(), (p) => this.relPath(p));
  }

  get fsPath(): string | undefined { return this.uri ? fsPathOf(this.uri) : undefined; }

  contains(key: string): boolean { return !!this.uri && relativeTo(this.uri, key) !== undefined; }

  /** Path used for migration order and display: relative inside the folder; files outside sort last. */
  relPath(key: string): string {
    const rel = this.uri ? relativeTo(this.uri, key) : undefined;
    if (rel !== undefined) return rel;
    const fp = fsPathOf(key);
    return '\uffff/' + (fp ? fp.split(path.sep).join('/') : key);
  }

  /** Display path for hovers and messages. */
  displayPath(key: string): string {
    const rel = this.uri ? relativeTo(this.uri, key) : undefined;
    if (rel !== undefined) return rel;
    return fsPathOf(key) ?? key;
  }

  configFilePath(settings: Settings): string | undefined {
    const root = this.fsPath;
    return root ? path.resolve(root, settings.configPath) : undefined;
  }

  /**
   * Reads .dbe.json (trusted workspaces only) and applies config + settings to the project.
   * Returns the error message when the file is broken (defaults are used instead).
   */
  loadConfig(settings: Settings, trusted: boolean): string | undefined {
    let error: string | undefined;
    this.fileConfig = undefined;
    this.sandboxOff = false;
    const file = trusted ? this.configFilePath(settings) : undefined;
    if (file && fs.existsSync(file)) {
      try {
        // Read over a base with "sandbox" on, so only an explicit "sandbox": false turns the editor's sandbox off
        // (for `dbe lint` the same key defaults to false and means "also run --sandbox").
        this.fileConfig = loadConfigFile(file, KNOWN_RULE_IDS, { ...defaultConfig(), sandbox: true });
        this.sandboxOff = !this.fileConfig.sandbox;
        this.fileConfig.sandbox = false;
      } catch (e: any) {
        error = e instanceof ConfigError ? e.message : `${file}: ${String(e?.message ?? e)}`;
      }
    }
    // Restricted Mode (or a file outside any folder): the project holds the open files only
    this.project.partialSchema = !trusted || !this.uri;
    this.project.setConfig(effectiveConfig(this.fileConfig, settings));
    return error;
  }

  /** True when a file of this folder should be in the project (SQL, not ignored, not too large). */
  wants(key: string): boolean {
    const rel = this.uri ? relativeTo(this.uri, key) : undefined;
    if (rel === undefined || !rel.toLowerCase().endsWith('.sql')) return false;
    if (rel.split('/').some((p) => p === 'node_modules' || p === '.git')) return false;
    return !matchesAny(rel, this.project.config.ignore);
  }

  /**
   * Reads a file from disk into the project; removes it when it is gone or ignored. A file that is
   * too large or cannot be read (a named pipe is never opened) stays in the project with the reason,
   * shown as one finding on it, as `dbe lint` shows it. Returns true if the project changed.
   */
  loadFromDisk(key: string): boolean {
    const fp = fsPathOf(key);
    if (!fp || !this.wants(key)) return this.project.removeFile(key);
    this.setFromDisk(key, fp);
    return true;
  }

  private setFromDisk(key: string, fp: string): void {
    // Only a regular file is opened (a named pipe would block the server); the size is the one on disk.
    const src = readDiskSource(fp, this.project.config.maxFileBytes);
    this.project.setFile(key, src.text, { size: src.size, unreadable: src.unreadable });
  }

  /**
   * Every .sql file of the folder, listed as `dbe lint <folder>` lists them (../cli/collect.ts:
   * node_modules, .git and ignore globs skipped, `.SQL` too), so the Problems panel and the CLI see
   * the same files. A folder that cannot be listed gives none.
   */
  listSqlFiles(): string[] {
    const root = this.fsPath;
    if (!root) return [];
    try {
      return listSqlFiles(root, this.project.config.ignore).slice(0, MAX_SCAN_FILES);
    } catch {
      return [];
    }
  }

  /**
   * Re-reads the folder's SQL files. `openText(key)` gives the editor's text for open documents
   * (which win over the disk). Files no longer wanted are dropped.
   */
  scan(openText: (key: string) => string | undefined): void {
    const steps = this.scanSteps(openText);
    while (!steps.next().done) { /* all at once */ }
  }

  /** scan() in steps: pauses after each file (the language server yields to requests in between). */
  *scanSteps(openText: (key: string) => string | undefined): Generator<void, void, void> {
    const seen = new Set<string>();
    for (const fp of this.listSqlFiles()) {
      yield;
      const key = fileUriKey(fp);
      seen.add(key);
      const open = openText(key);
      if (open !== undefined) { this.project.setFile(key, open); continue; }
      this.setFromDisk(key, fp);
    }
    for (const f of [...this.project.order()]) {
      if (!seen.has(f.path) && openText(f.path) === undefined) this.project.removeFile(f.path);
    }
    this.loadMigrationMeta();
  }

  /** Folders (project-relative) whose sqitch.plan the project holds. */
  private sqitchPlans = new Set<string>();

  /**
   * What the migration tools read besides SQL: the sqitch.plan of each sqitch project in the folder
   * (its deploy order), read with the safe reader; a plan gone, unreadable or too large is forgotten
   * (path order then, with the plan's warning). Returns true when the replay order may have changed.
   */
  loadMigrationMeta(): boolean {
    const root = this.fsPath;
    if (!root) return false;
    const revision = this.project.revision;
    const sets = this.project.migrationPlan().sets.filter((s) => s.convention === 'sqitch');
    const now = new Set<string>();
    for (const s of sets) {
      const file = path.join(root, ...(s.folder ? s.folder.split('/') : []), 'sqitch.plan');
      let exists = false;
      try { exists = fs.statSync(file).isFile(); } catch { /* none */ }
      const src = exists ? readDiskSource(file, this.project.config.maxFileBytes) : undefined;
      if (src && !src.unreadable && src.size <= this.project.config.maxFileBytes) {
        this.project.setSqitchPlan(s.folder, src.text);
        now.add(s.folder);
      } else {
        this.project.setSqitchPlan(s.folder, undefined);
      }
    }
    for (const folder of this.sqitchPlans) if (!now.has(folder)) this.project.setSqitchPlan(folder, undefined);
    this.sqitchPlans = now;
    return this.project.revision !== revision;
  }

  /** How the folder's migrations are replayed (status tooltip, Schema view); see ./migrations.ts. */
  migrationSummary(opts: { workspace?: string; details?: boolean } = {}): MigrationSummary[] {
    const plan = this.project.migrationPlan();
    let byRel: Map<string, string> | undefined;
    const uriOf = (rel: string) => {
      byRel ??= new Map(this.project.order().map((f) => [this.project.relativePath(f.path).replace(/\\/g, '/'), f.path] as const));
      return byRel.get(rel);
    };
    return summarizePlan(plan, { ...opts, uriOf });
  }
}
