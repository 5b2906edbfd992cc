// The live database's password: asked for by "DB Engineer: Set Database Password", kept in VS Code's
// SecretStorage (one per connection URL, never in settings), and handed to the language server in
// memory (dbEngineer/setDatabasePassword). Nothing is sent in an untrusted workspace, where the
// server does not connect anyway.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { DB_PASSWORD_NOTIFICATION, type DbPasswordParams } from '../../server/src/lsp/live-protocol';

export const SET_DB_PASSWORD_COMMAND = 'dbEngineer.setDatabasePassword';

function connectionUrl(): string {
  return String(vscode.workspace.getConfiguration('dbEngineer').get('connection') ?? '').trim();
}

/** The SecretStorage key of a connection's password. */
export function passwordKey(url: string): string { return `dbEngineer.databasePassword:${url}`; }

/** Sends the stored password of the configured connection (or null) to the server. */
export async function sendDatabasePassword(context: vscode.ExtensionContext, client: LanguageClient | undefined): Promise<void> {
  if (!client || !vscode.workspace.isTrusted) return;
  const url = connectionUrl();
  const password = url ? (await context.secrets.get(passwordKey(url))) ?? null : null;
  const params: DbPasswordParams = { password };
  await client.sendNotification(DB_PASSWORD_NOTIFICATION, params);
}

/** "host:port" of a connection URL ("host" with ?host=/socket), or undefined when it does not parse. */
export function hostOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    const host = u.searchParams.get('host') ?? (decodeURIComponent(u.hostname.replace(/^\[|\]$/g, '')) || 'localhost');
    if (host.startsWith('/')) return host;
    const h = host.includes(':') ? `[${host}]` : host;
    return `${h}:${u.port || '5432'}`;
  } catch { return undefined; }
}

/**
 * The server sends a password only to a host in dbEngineer.trustedDatabaseHosts (a workspace can set
 * dbEngineer.connection, and must not steer the password elsewhere). Setting a password is where the
 * user confirms the host: asked once, then written to the user settings.
 */
async function confirmHost(url: string): Promise<boolean> {
  const host = hostOf(url);
  if (!host) return true; // the server reports the bad URL
  const config = vscode.workspace.getConfiguration('dbEngineer');
  const trusted = (config.get<string[]>('trustedDatabaseHosts') ?? []).map((h) => h.toLowerCase());
  const bare = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  if (trusted.includes(host.toLowerCase()) || trusted.includes(bare)) return true;
  const ok = 'Trust this host';
  const pick = await vscode.window.showWarningMessage(`DB Engineer: send your database password to ${host}? The connection URL may come from this workspace's settings; only trust a host you know.`, { modal: true }, ok);
  if (pick !== ok) return false;
  await config.update('trustedDatabaseHosts', [...(config.get<string[]>('trustedDatabaseHosts') ?? []), host], vscode.ConfigurationTarget.Global);
  return true;
}

export function registerLive(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(SET_DB_PASSWORD_COMMAND, async () => {
      const url = connectionUrl();
      if (!url) {
        void vscode.window.showWarningMessage('DB Engineer: set dbEngineer.connection (a postgres:// URL without the password) first.');
        return;
      }
      const password = await vscode.window.showInputBox({
        title: `Database password for ${url}`,
        prompt: 'Stored in VS Code\'s secret storage, never in settings. Leave empty to remove it (PGPASSWORD or ~/.pgpass are then used).',
        password: true, ignoreFocusOut: true,
      });
      if (password === undefined) return;
      if (password && !(await confirmHost(url))) return;
      if (password) await context.secrets.store(passwordKey(url), password);
      else await context.secrets.delete(passwordKey(url));
      await sendDatabasePassword(context, getClient());
      void vscode.window.showInformationMessage(password ? 'DB Engineer: database password saved.' : 'DB Engineer: stored database password removed.');
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('dbEngineer.connection')) void sendDatabasePassword(context, getClient());
    }),
  );
}
