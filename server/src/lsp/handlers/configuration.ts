// Settings (workspace/configuration, section "dbEngineer") and .dbe.json, re-read on change.
import { MessageType, ShowMessageNotification, type DidChangeConfigurationParams } from 'vscode-languageserver';
import type { Folder } from '../folder';
import { parseSettings, SETTINGS_SECTION } from '../settings';
import { guardVoid, type DbeServer } from '../server';
import { refreshLive } from './live';

export function register(server: DbeServer): void {
  server.connection.onDidChangeConfiguration(guardVoid(server, 'didChangeConfiguration', async (params: DidChangeConfigurationParams) => {
    if (!server.ready) return;
    await refreshSettings(server, params.settings);
    reloadFolders(server, true);
    void refreshLive(server).catch((e) => server.error('live database', e));
    if (server.settings.enable) server.diagnostics.publishAll(); else server.diagnostics.clearAll();
    // on, off, another timeout or postgres-error severity: the sandbox re-runs (or stops) accordingly
    server.sandbox.schedule(server.folders);
    server.refreshCodeLenses();
  }));
}

/** Asks the client for the settings (or reads them from a didChangeConfiguration payload). */
export async function refreshSettings(server: DbeServer, pushed?: any): Promise<void> {
  if (server.support.configuration) {
    try {
      const raw = await server.connection.workspace.getConfiguration({ section: SETTINGS_SECTION });
      server.settings = parseSettings(raw);
      return;
    } catch (e) {
      server.error('workspace/configuration', e);
    }
  }
  if (pushed && typeof pushed === 'object') server.settings = parseSettings(pushed[SETTINGS_SECTION]);
}

/** Re-reads one folder's .dbe.json (trusted workspaces) and tells the user once when it is broken. */
export function loadFolderConfig(server: DbeServer, folder: Folder): void {
  const error = folder.loadConfig(server.settings, server.trusted);
  if (error && error !== folder.configError) {
    void server.connection.sendNotification(ShowMessageNotification.type, {
      type: MessageType.Error,
      message: `DB Engineer: ${error}. Using the default configuration until it is fixed.`,
    }).catch((e) => server.error('showMessage', e));
  }
  folder.configError = error;
}

/** Applies settings and .dbe.json to every folder; `rescan` re-reads the workspace (ignore globs may differ). */
export function reloadFolders(server: DbeServer, rescan: boolean): void {
  for (const folder of server.allFolders()) {
    loadFolderConfig(server, folder);
    if (rescan && server.trusted && folder.uri) folder.scan((k) => server.openText(k));
  }
  for (const k of server.open.keys()) server.stale.add(k);
}
