// The "Schema" view: the replayed schema of each workspace folder (tables → columns, indexes, foreign
// keys, findings) and its index recommendations, from the language server's dbEngineer/schemaTree
// request (server/src/lsp/schema-protocol.ts). Clicking an item opens its definition; clicking a
// recommendation applies its fix; the view's title action writes all of them into one migration.
// Every edit is previewed first (needsConfirmation). Problems show as one explanatory item, never
// as an error thrown at the workbench.
import * as vscode from 'vscode';
import {
  INDEX_MIGRATION_REQUEST, SCHEMA_TREE_REQUEST,
  type IndexMigrationResult, type IndexRecommendation, type LspLocation, type SchemaColumn, type SchemaFinding,
  type SchemaFolder, type SchemaForeignKey, type SchemaIndex, type SchemaTable, type SchemaTreeResult,
} from '../../../server/src/lsp/schema-protocol';
import type { MigrationSummary } from '../../../server/src/lsp/migrations-protocol';
import { migrationCounts, replayedText } from '../status-text';
import { applyReviewed } from './apply';
import { MANAGE_TRUST_COMMAND, TRUST_OFFER } from '../trust';
import { counted } from '../../../server/src/text';

export const SCHEMA_VIEW_ID = 'dbEngineer.schema';
export const REFRESH_SCHEMA_COMMAND = 'dbEngineer.refreshSchema';
export const WRITE_INDEX_MIGRATION_COMMAND = 'dbEngineer.writeIndexMigration';
export const APPLY_RECOMMENDATION_COMMAND = 'dbEngineer.applyIndexRecommendation';
/** Diagnostics arrive in bursts while typing: the tree is rebuilt once they settle. */
export const REFRESH_DEBOUNCE_MS = 500;
const NOT_READY_RETRY_MS = 1000;

/** What the view needs of the language client. */
export interface SchemaClient { sendRequest<R>(method: string, params: unknown): Promise<R> }

type Group = 'columns' | 'indexes' | 'foreignKeys' | 'findings';
export type SchemaNode =
  | { kind: 'message'; id: string; text: string; tooltip?: string; command?: vscode.Command }
  | { kind: 'folder'; id: string; folder: SchemaFolder }
  | { kind: 'recommendations'; id: string; folder: SchemaFolder }
  /** A migration folder: its tool, counts; children: the plan's warnings and the files not replayed. */
  | { kind: 'migrations'; id: string; migrations: MigrationSummary }
  | { kind: 'migrationWarning'; id: string; text: string }
  | { kind: 'notReplayed'; id: string; path: string; uri?: string; why: string }
  | { kind: 'recommendation'; id: string; rec: IndexRecommendation }
  | { kind: 'table'; id: string; table: SchemaTable }
  | { kind: 'group'; id: string; group: Group; table: SchemaTable }
  | { kind: 'column'; id: string; column: SchemaColumn; primaryKey: boolean }
  | { kind: 'index'; id: string; index: SchemaIndex }
  | { kind: 'foreignKey'; id: string; fk: SchemaForeignKey }
  | { kind: 'finding'; id: string; finding: SchemaFinding };

const GROUP_LABEL: Record<Group, string> = { columns: 'Columns', indexes: 'Indexes', foreignKeys: 'Foreign keys', findings: 'Findings' };
const SEVERITY_ICON: Record<SchemaFinding['severity'], string> = { error: 'error', warning: 'warning', info: 'info', hint: 'lightbulb' };

const shortTable = (key: string) => key.replace(/^public\./, '');
const message = (id: string, text: string, extra: { tooltip?: string; command?: vscode.Command } = {}): SchemaNode => ({ kind: 'message', id: `message:${id}`, text, ...extra });

function openCommand(loc: LspLocation | undefined, title = 'Open definition'): vscode.Command | undefined {
  if (!loc) return undefined;
  const r = loc.range;
  const selection = new vscode.Range(new vscode.Position(r.start.line, r.start.character), new vscode.Position(r.end.line, r.end.character));
  return { title, command: 'vscode.open', arguments: [vscode.Uri.parse(loc.uri), { selection, preview: true }] };
}

/** A request error's text, and whether it means the client is not running. */
function describe(e: unknown): { text: string; inactive: boolean } {
  const code = (e as { code?: unknown })?.code;
  const text = e instanceof Error ? e.message : String(e);
  // -32096: ConnectionInactive (vscode-jsonrpc): the client is stopped or failed to start
  return { text, inactive: code === -32096 || /not running/i.test(text) };
}

export class SchemaTreeProvider implements vscode.TreeDataProvider<SchemaNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SchemaNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: Promise<SchemaNode[]> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly client: () => SchemaClient | undefined) {}

  /** Forgets the last answer; the view asks again. */
  refresh(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.roots = undefined;
    this.changed.fire(undefined);
  }

  /** Refreshes once calls stop coming for `delay` ms. */
  scheduleRefresh(delay = REFRESH_DEBOUNCE_MS): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; this.refresh(); }, delay);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }

  getChildren(node?: SchemaNode): SchemaNode[] | Promise<SchemaNode[]> {
    if (!node) return (this.roots ??= this.loadRoots());
    switch (node.kind) {
      case 'folder': return folderChildren(node.folder);
      case 'migrations': return migrationChildren(node.id, node.migrations);
      case 'recommendations': return node.folder.recommendations.map((rec, i) => ({ kind: 'recommendation', id: `${node.id}/${i}:${rec.rule}:${rec.message}`, rec }));
      case 'table': {
        const t = node.table;
        const groups: Group[] = ['columns', 'indexes', 'foreignKeys', 'findings'];
        return groups.filter((g) => g === 'columns' || t[g].length > 0).map((g) => ({ kind: 'group', id: `${node.id}/${g}`, group: g, table: t }));
      }
      case 'group': {
        const t = node.table;
        const pk = new Set(t.primaryKey?.columns ?? []);
        switch (node.group) {
          case 'columns': return t.columns.map((c) => ({ kind: 'column', id: `${node.id}/${c.name}`, column: c, primaryKey: pk.has(c.name) }));
          case 'indexes': return t.indexes.map((ix) => ({ kind: 'index', id: `${node.id}/${ix.name}`, index: ix }));
          case 'foreignKeys': return t.foreignKeys.map((fk, i) => ({ kind: 'foreignKey', id: `${node.id}/${i}`, fk }));
          case 'findings': return t.findings.map((f, i) => ({ kind: 'finding', id: `${node.id}/${i}:${f.rule}`, finding: f }));
        }
        return [];
      }
      default: return [];
    }
  }

  private async loadRoots(): Promise<SchemaNode[]> {
    if (!vscode.workspace.workspaceFolders?.length) {
      return [message('no-folder', 'Open a folder with SQL migrations to see its schema.')];
    }
    if (!vscode.workspace.isTrusted) {
      return [message('untrusted', `Restricted Mode: ${TRUST_OFFER}.`, {
        tooltip: 'Until the folder is trusted, DB Engineer reads only the SQL files you open, so it cannot replay the migrations. Click to open VS Code\'s workspace trust editor.',
        command: { title: TRUST_OFFER, command: MANAGE_TRUST_COMMAND },
      })];
    }
    const c = this.client();
    const restart: vscode.Command = { title: 'Restart Language Server', command: 'dbEngineer.restartServer' };
    if (!c) return [message('not-running', 'The DB Engineer language server is not running. Click to restart it.', { command: restart })];
    let r: SchemaTreeResult;
    try {
      r = await c.sendRequest<SchemaTreeResult>(SCHEMA_TREE_REQUEST, {});
    } catch (e) {
      const d = describe(e);
      if (d.inactive) return [message('not-running', 'The DB Engineer language server is not running. Click to restart it.', { tooltip: d.text, command: restart })];
      return [message('error', `The schema could not be loaded: ${d.text}`, { tooltip: 'Click to try again.', command: { title: 'Refresh', command: REFRESH_SCHEMA_COMMAND } })];
    }
    if (!r || !Array.isArray(r.folders)) return [message('error', 'The language server sent no schema. Click to try again.', { command: { title: 'Refresh', command: REFRESH_SCHEMA_COMMAND } })];
    if (r.status === 'not-ready') {
      this.scheduleRefresh(NOT_READY_RETRY_MS);
      return [message('not-ready', 'Reading the workspace\'s SQL files…')];
    }
    if (r.status === 'disabled') {
      return [message('disabled', 'DB Engineer is turned off (dbEngineer.enable). Click to open the setting.', {
        command: { title: 'Open Settings', command: 'workbench.action.openSettings', arguments: ['dbEngineer.enable'] },
      })];
    }
    const folders = r.folders;
    if (!folders.length) return [message('empty', 'No SQL files in this workspace yet.')];
    if (folders.length === 1) return folderChildren(folders[0]);
    return folders.map((f) => ({ kind: 'folder', id: `folder:${f.uri ?? f.name}`, folder: f }));
  }

  getTreeItem(node: SchemaNode): vscode.TreeItem {
    const None = vscode.TreeItemCollapsibleState.None;
    const Collapsed = vscode.TreeItemCollapsibleState.Collapsed;
    const Expanded = vscode.TreeItemCollapsibleState.Expanded;
    const item = (label: string, state: vscode.TreeItemCollapsibleState, icon?: string): vscode.TreeItem => {
      const it = new vscode.TreeItem(label, state);
      it.id = node.id;
      if (icon) it.iconPath = new vscode.ThemeIcon(icon);
      return it;
    };
    switch (node.kind) {
      case 'message': {
        const it = item(node.text, None, 'info');
        it.tooltip = node.tooltip ?? node.text;
        it.command = node.command;
        return it;
      }
      case 'folder': {
        const it = item(node.folder.name, Expanded, 'root-folder');
        // issue #13: the dialect of the schema shown (a server that predates it sends none)
        it.description = counted(node.folder.tables.length, 'table') + (node.folder.dialect && node.folder.dialect !== 'PostgreSQL' ? ` · ${node.folder.dialect}` : '');
        if (node.folder.otherDialectFiles) it.tooltip = `${node.folder.dialect} schema; ${counted(node.folder.otherDialectFiles, 'SQL file')} in another dialect ${node.folder.otherDialectFiles === 1 ? 'is' : 'are'} not shown here.`;
        it.contextValue = 'dbEngineer.schemaFolder';
        return it;
      }
      case 'recommendations': {
        const n = node.folder.recommendations.length;
        const it = item(`Index recommendations (${n})`, n ? Expanded : None, 'lightbulb');
        it.tooltip = n ? 'Indexes DB Engineer recommends. Click one to apply it, or write them all into one migration.' : 'No index is missing.';
        it.contextValue = n ? 'dbEngineer.indexRecommendations' : 'dbEngineer.indexRecommendationsEmpty';
        return it;
      }
      case 'migrations': {
        const m = node.migrations;
        const open = m.warnings.length > 0 || !!m.notReplayed?.length;
        const label = m.convention === 'plain'
          ? `Migrations: no tool recognised, ${m.up} file${m.up === 1 ? '' : 's'}`
          : `Migrations: ${m.convention}, ${migrationCounts(m)}`;
        const it = item(label, open ? (m.warnings.length ? Expanded : Collapsed) : None, m.warnings.length ? 'warning' : 'versions');
        it.description = m.convention === 'plain' ? '' : m.folder || '.';
        it.tooltip = `${m.folder || '.'}: ${m.convention === 'plain' ? 'no migration tool recognised' : `${m.convention}, detected by ${m.detectedBy}`}; ${replayedText(m)}.`
          + (m.warnings.length ? `\n\n${m.warnings.length} warning${m.warnings.length === 1 ? '' : 's'}: the order may not be the tool's.` : '');
        it.contextValue = 'dbEngineer.migrations';
        return it;
      }
      case 'migrationWarning': {
        const it = item(node.text, None, 'warning');
        it.tooltip = node.text;
        return it;
      }
      case 'notReplayed': {
        const it = item(node.path, None, 'circle-slash');
        it.description = node.why;
        it.tooltip = `${node.path} is not replayed: ${node.why}`;
        if (node.uri) it.command = { title: 'Open file', command: 'vscode.open', arguments: [vscode.Uri.parse(node.uri), { preview: true }] };
        return it;
      }
      case 'recommendation': {
        const rec = node.rec;
        const it = item(recommendationLabel(rec), None, 'lightbulb');
        // the label names the table when it is an index's; otherwise the description does
        const named = recommendationLabel(rec) !== (rec.fix?.title ?? rec.message);
        it.description = [rec.table && !named ? shortTable(rec.table) : '', rec.rule].filter(Boolean).join(' · ');
        it.tooltip = rec.fix ? `${rec.message}\n\nClick to preview and apply: ${rec.fix.title}` : `${rec.message}\n\n(no fix to apply: click to open it)`;
        it.command = rec.fix
          ? { title: 'Apply', command: APPLY_RECOMMENDATION_COMMAND, arguments: [node] }
          : openCommand(rec.location, 'Open finding');
        it.contextValue = rec.fix ? 'dbEngineer.indexRecommendation' : 'dbEngineer.indexRecommendationNoFix';
        return it;
      }
      case 'table': {
        const t = node.table;
        const icon = t.kind === 'view' ? 'eye' : t.kind === 'matview' ? 'database' : t.kind === 'partitioned' ? 'layers' : 'table';
        const it = item(t.schema === 'public' ? t.name : `${t.schema}.${t.name}`, Collapsed, icon);
        const parts: string[] = [];
        if (t.kind !== 'table') parts.push(t.kind === 'matview' ? 'materialized view' : t.kind);
        if (t.partitionOf) parts.push(`partition of ${shortTable(t.partitionOf)}`);
        if (t.findings.length) parts.push(`${t.findings.length} finding${t.findings.length === 1 ? '' : 's'}`);
        it.description = parts.join(' · ');
        it.tooltip = `${t.schema}.${t.name}: ${counted(t.columns.length, 'column')}, ${counted(t.indexes.length, 'index', 'indexes')}, ${counted(t.foreignKeys.length, 'foreign key')}`;
        it.command = openCommand(t.location);
        it.contextValue = 'dbEngineer.table';
        return it;
      }
      case 'group': {
        const list = node.table[node.group];
        return item(`${GROUP_LABEL[node.group]} (${list.length})`, node.group === 'columns' ? Expanded : Collapsed);
      }
      case 'column': {
        const c = node.column;
        const it = item(c.name, None, node.primaryKey ? 'key' : 'symbol-field');
        const flags = [c.type, c.notNull ? 'NOT NULL' : 'null', c.identity ? 'identity' : c.generated ? 'generated' : c.hasDefault ? 'default' : '', node.primaryKey ? 'primary key' : '']
          .filter(Boolean);
        it.description = flags.join(' ');
        it.command = openCommand(c.location);
        return it;
      }
      case 'index': {
        const ix = node.index;
        const it = item(ix.name, None, ix.constraint === 'primary' ? 'key' : 'list-ordered');
        const parts = [`(${ix.columns.join(', ')})`];
        if (ix.unique) parts.push('unique');
        if (ix.method !== 'btree') parts.push(ix.method);
        if (ix.constraint) parts.push(ix.constraint === 'primary' ? 'primary key' : 'unique constraint');
        if (ix.predicate) parts.push(`WHERE ${ix.predicate}`);
        it.description = parts.join(' ');
        it.command = openCommand(ix.location);
        return it;
      }
      case 'foreignKey': {
        const fk = node.fk;
        const it = item(`${fk.columns.join(', ')} → ${shortTable(fk.refTable)}${fk.refColumns.length ? ` (${fk.refColumns.join(', ')})` : ''}`, None, 'references');
        it.description = [fk.name ?? '', fk.notValid ? 'NOT VALID' : ''].filter(Boolean).join(' ');
        it.command = openCommand(fk.location);
        return it;
      }
      case 'finding': {
        const f = node.finding;
        const it = item(f.message, None, SEVERITY_ICON[f.severity] ?? 'info');
        it.description = f.rule;
        it.tooltip = `${f.rule} (${f.severity}): ${f.message}`;
        it.command = openCommand(f.location, 'Open finding');
        return it;
      }
    }
  }

  /** Applies a recommendation's fix after the refactor preview; says why when nothing (or only part) was applied. */
  async applyRecommendation(node?: SchemaNode): Promise<void> {
    if (node?.kind !== 'recommendation') return;
    const fix = node.rec.fix;
    if (!fix) { void vscode.window.showInformationMessage(`DB Engineer: this recommendation has no fix to apply (${node.rec.message}).`); return; }
    const label = recommendationLabel(node.rec);
    const r = await applyReviewed(fix.edit, `DB Engineer: ${fix.title}`, label !== fix.title ? `the index on ${label}` : `"${label}"`);
    if (r.problem) void vscode.window.showInformationMessage(`DB Engineer: ${r.problem}`);
    if (!r.ok) return;
    // a new migration: show it (VS Code holds its text unsaved until the user saves)
    for (const u of r.created.slice(0, 1)) {
      try { await vscode.window.showTextDocument(vscode.Uri.parse(u), { preview: false }); } catch { /* gone again: nothing to show */ }
    }
    this.scheduleRefresh();
  }

  /** Writes every index recommendation (of one folder, when called on its node) into one migration, after the preview. */
  async writeIndexMigration(node?: SchemaNode): Promise<void> {
    const folder = node && (node.kind === 'recommendations' || node.kind === 'folder') ? node.folder.uri : undefined;
    const c = this.client();
    if (!c) { void vscode.window.showErrorMessage('DB Engineer: the language server is not running; run "DB Engineer: Restart Language Server".'); return; }
    let r: IndexMigrationResult;
    try {
      r = await c.sendRequest<IndexMigrationResult>(INDEX_MIGRATION_REQUEST, folder ? { folder } : {});
    } catch (e) {
      void vscode.window.showErrorMessage(`DB Engineer: the migration could not be prepared: ${describe(e).text}`);
      return;
    }
    if (!r?.edit) { void vscode.window.showInformationMessage(`DB Engineer: ${r?.message ?? 'there is nothing to write.'}`); return; }
    const indexes = counted(r.count, 'recommended index', 'recommended indexes');
    const done = await applyReviewed(r.edit, `DB Engineer: ${indexes} in one migration`, `the migration with ${indexes}`);
    if (done.problem) void vscode.window.showInformationMessage(`DB Engineer: ${done.problem}`);
    if (!done.ok) return;
    const shown = done.created[0] ?? (r.uris.length && !r.edit.documentChanges?.some((d) => 'kind' in d) ? r.uris[0] : undefined);
    if (shown) await vscode.window.showTextDocument(vscode.Uri.parse(shown), { preview: false });
    if (!done.problem) void vscode.window.showInformationMessage(`DB Engineer: ${r.message}`);
    this.scheduleRefresh();
  }
}

/**
 * A recommendation on one line of the view: the table and key columns the index covers
 * (`orders (user_id)`); the index's name, the migration file and the rest of the fix title, which the
 * sidebar cut off, are in the tooltip and the Refactor Preview.
 */
export function recommendationLabel(rec: IndexRecommendation): string {
  const title = rec.fix?.title;
  if (!title) return rec.message;
  const m = /^Create index \S+ on (.+?)(?: in a new migration \S+| after the .+)?$/.exec(title);
  return m ? m[1] : title;
}

function folderChildren(f: SchemaFolder): SchemaNode[] {
  const base = `folder:${f.uri ?? f.name}`;
  const out: SchemaNode[] = [{ kind: 'recommendations', id: `${base}/recommendations`, folder: f }];
  for (const m of f.migrations ?? []) out.push({ kind: 'migrations', id: `${base}/migrations:${m.folder}`, migrations: m });
  if (!f.tables.length) out.push(message(`${base}/no-tables`, 'No tables yet: no CREATE TABLE in this folder\'s SQL files.'));
  for (const t of f.tables) out.push({ kind: 'table', id: `${base}/table:${t.schema}.${t.name}`, table: t });
  return out;
}

/** A migration folder's warnings, then its files not replayed (with why; a count when there are more than the server sent). */
function migrationChildren(id: string, m: MigrationSummary): SchemaNode[] {
  const out: SchemaNode[] = m.warnings.map((text, i) => ({ kind: 'migrationWarning', id: `${id}/warning:${i}`, text }));
  for (const n of m.notReplayed ?? []) out.push({ kind: 'notReplayed', id: `${id}/skipped:${n.path}`, path: n.path, uri: n.uri, why: n.why });
  const more = (m.notReplayedCount ?? 0) - (m.notReplayed?.length ?? 0);
  if (more > 0) out.push(message(`${id}/more`, `${more} more file${more === 1 ? '' : 's'} not replayed (dbe lint --verbose lists them)`));
  return out;
}

/** Registers the view, its commands and its refresh triggers. */
export function registerSchemaView(context: vscode.ExtensionContext, client: () => SchemaClient | undefined): SchemaTreeProvider {
  const provider = new SchemaTreeProvider(client);
  const view = vscode.window.createTreeView(SCHEMA_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  context.subscriptions.push(
    provider,
    view,
    vscode.commands.registerCommand(REFRESH_SCHEMA_COMMAND, () => provider.refresh()),
    vscode.commands.registerCommand(APPLY_RECOMMENDATION_COMMAND, (node?: SchemaNode) => provider.applyRecommendation(node)),
    vscode.commands.registerCommand(WRITE_INDEX_MIGRATION_COMMAND, (node?: SchemaNode) => provider.writeIndexMigration(node)),
    vscode.languages.onDidChangeDiagnostics((e) => { if (e.uris.some((u) => u.path.endsWith('.sql'))) provider.scheduleRefresh(); }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => provider.scheduleRefresh()),
  );
  return provider;
}
