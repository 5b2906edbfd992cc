// The live database in the editor: with `dbEngineer.connection` set in a trusted workspace, the
// catalog is read once (a read-only session with a statement timeout, closed straight after) and
// becomes the schema of every folder that has no migrations of its own. Untrusted workspaces never
// connect. The password comes from the client's SecretStorage through DB_PASSWORD_NOTIFICATION
// (kept in memory only), else PGPASSWORD or ~/.pgpass; it is never logged, and it goes only to a
// host in dbEngineer.trustedDatabaseHosts (application scope), since a workspace can set the URL.
import { MessageType, ShowMessageNotification } from 'vscode-languageserver';
import { catalogFile, hasMigrations, readCatalog, type CatalogSnapshot } from '../../live/catalog';
import { LiveError, LiveSession, parseDatabaseUrl, passwordWithheld, resolveDatabaseUrl } from '../../live/connect';
import { isMySqlUrl, MySqlSession, parseMySqlUrl } from '../../live/mysql/connect';
import { readMySqlCatalog } from '../../live/mysql/catalog';
import type { SourceFile } from '../../model';
import { guardVoid, type DbeServer } from '../server';
import { counted } from '../../text';

import { DB_PASSWORD_NOTIFICATION, type DbPasswordParams } from '../live-protocol';

interface LiveState {
  password?: string;
  /** What the snapshot was read with (connection, timeout, password generation). */
  key?: string;
  /** The catalog read (PostgreSQL's or MySQL's: live/catalog.ts, live/mysql/catalog.ts). */
  snapshot?: Pick<CatalogSnapshot, 'source' | 'ddl' | 'counts'>;
  file?: SourceFile;
  generation: number;
  loading?: Promise<void>;
  toldUntrusted?: boolean;
  lastError?: string;
}

const states = new WeakMap<DbeServer, LiveState>();
function state(server: DbeServer): LiveState {
  let s = states.get(server);
  if (!s) states.set(server, (s = { generation: 0 }));
  return s;
}

export function register(server: DbeServer): void {
  server.connection.onNotification(DB_PASSWORD_NOTIFICATION, guardVoid(server, 'setDatabasePassword', async (p: DbPasswordParams) => {
    const st = state(server);
    st.password = typeof p?.password === 'string' && p.password ? p.password : undefined;
    st.generation++;
    if (server.ready) await refreshLive(server);
  }));
}

/** The password the client sent for dbEngineer.connection (in memory only), for the agent's live tools. */
export function livePassword(server: DbeServer): string | undefined { return state(server).password; }

/** The catalog of the connected database, once read (for the Schema view and tests). */
export function liveSnapshot(server: DbeServer): Pick<CatalogSnapshot, 'source' | 'ddl' | 'counts'> | undefined { return state(server).snapshot; }

/** Gives every folder the catalog as its base schema (used only while the folder has no migrations). */
export function applyLiveBases(server: DbeServer): void {
  const file = state(server).file;
  for (const folder of server.allFolders()) {
    if (folder.project.baseSource === undefined && !file) continue;
    folder.project.setBase(file, file ? (p) => !hasMigrations(p) : undefined);
  }
}

/** Connects (again) when the connection settings or the password changed; clears the catalog when unset. */
export async function refreshLive(server: DbeServer): Promise<void> {
  const st = state(server);
  const url = server.settings.connection;
  if (!url || !server.trusted) {
    if (url && !server.trusted && !st.toldUntrusted) {
      st.toldUntrusted = true;
      log(server, 'DB Engineer: the workspace is not trusted, so dbEngineer.connection is ignored and no database connection is made.');
    }
    if (st.snapshot) { st.snapshot = undefined; st.file = undefined; st.key = undefined; applyLiveBases(server); server.diagnostics.publishAll(); }
    return;
  }
  const key = `${url}\0${server.settings.statementTimeoutMs}\0${st.generation}\0${server.settings.trustedDatabaseHosts.join(',')}`;
  if (st.key === key) { applyLiveBases(server); return; }
  if (st.loading) await st.loading.catch(() => undefined);
  if (st.key === key) { applyLiveBases(server); return; }
  st.key = key;
  st.loading = (async () => {
    let session: LiveSession | undefined;
    try {
      // MySQL / MariaDB: the catalog's DDL (SHOW CREATE TABLE) is the base, read by the MySQL front end
      if (isMySqlUrl(url)) {
        const parsed = parseMySqlUrl(url, 'dbEngineer.connection');
        const withholdPassword = passwordWithheld('dbEngineer.connection', parsed, { trustedHosts: server.settings.trustedDatabaseHosts });
        const my = await MySqlSession.open({
          url, source: 'dbEngineer.connection', password: st.password, statementTimeoutMs: server.settings.statementTimeoutMs, withholdPassword,
          notice: (line) => log(server, `DB Engineer: ${line}`),
        });
        try {
          log(server, `DB Engineer: connected to ${my.target} (${my.product} ${my.serverVersion}).`);
          const snap = await readMySqlCatalog(my);
          if (st.key !== key) return;
          st.snapshot = snap;
          st.file = catalogFile(snap);
          st.lastError = undefined;
          const c = snap.counts;
          log(server, `DB Engineer: schema from ${snap.source} (${counted(c.tables, 'table')}, ${counted(c.views, 'view')}, ${counted(c.indexes, 'index', 'indexes')}) for folders without migrations.`);
        } finally {
          await my.close();
        }
        return;
      }
      const picked = resolveDatabaseUrl({ setting: url, env: {} });
      // a workspace can set dbEngineer.connection: no password goes to a host the user has not confirmed
      const withholdPassword = passwordWithheld('dbEngineer.connection', parseDatabaseUrl(picked!.url, 'dbEngineer.connection'), { trustedHosts: server.settings.trustedDatabaseHosts });
      session = await LiveSession.open({
        url: picked!.url, source: 'dbEngineer.connection', password: st.password, statementTimeoutMs: server.settings.statementTimeoutMs, withholdPassword,
        notice: (line) => log(server, `DB Engineer: ${line}`),
      });
      log(server, `DB Engineer: connected to ${session.target} (${session.transport}).`);
      const snap = await readCatalog(session);
      if (st.key !== key) return; // settings changed meanwhile: a newer read follows
      st.snapshot = snap;
      st.file = catalogFile(snap);
      st.lastError = undefined;
      const c = snap.counts;
      log(server, `DB Engineer: schema from ${snap.source} (${counted(c.tables, 'table')}, ${counted(c.views, 'view')}, ${counted(c.indexes, 'index', 'indexes')}) for folders without migrations.`);
    } catch (e) {
      st.snapshot = undefined;
      st.file = undefined;
      const message = e instanceof LiveError ? e.message : `reading the database catalog failed: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
      if (message !== st.lastError) {
        st.lastError = message;
        log(server, `DB Engineer: ${message}`);
        void server.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `DB Engineer: ${message}` }).catch(() => undefined);
      }
    } finally {
      await session?.close();
    }
    applyLiveBases(server);
    server.diagnostics.publishAll();
  })();
  try { await st.loading; } finally { st.loading = undefined; }
}

function log(server: DbeServer, message: string): void {
  try { server.connection.console.info(message); } catch { /* connection gone */ }
}
