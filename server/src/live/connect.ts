// A read-only session on the user's own PostgreSQL: where the URL comes from, where the password
// comes from (never from settings), and one clear message for every way connecting can fail.
// Every session is read-only (default_transaction_read_only = on), has a statement timeout and is
// named "dbe" in pg_stat_activity. Queries dbe sends itself start with DBE_MARK so that `dbe slow`
// can leave them out of pg_stat_statements.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client as PgClient, QueryResult } from 'pg';
import { isMySqlUrl, parseMySqlUrl } from './mysql/connect';

/** A connection problem, told in one line with no password in it (the CLI exits 2). */
export class LiveError extends Error {}

/** The server asked for a password that dbe withholds (connectError tells it). */
class PasswordWithheld extends Error {}

export const DBE_MARK = '/* dbe */';
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;

export interface LiveOptions {
  /** postgres://user@host:port/db (no password). */
  url: string;
  /** Where the URL came from, for messages: "--database", "DBE_DATABASE_URL", ".dbe.json", "dbEngineer.connection". */
  source?: string;
  /** A password held in memory (the editor's SecretStorage); else PGPASSWORD, else ~/.pgpass. */
  password?: string;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Environment to read PGPASSWORD / PGPASSFILE / HOME from (tests). */
  env?: NodeJS.ProcessEnv;
  /**
   * Set when the URL comes from something the repository controls (.dbe.json, a workspace setting)
   * and the user has not confirmed its host: then no password from anywhere (the editor's, the
   * URL's, PGPASSWORD, ~/.pgpass) goes to that server. The text says why, for the notice.
   */
  withholdPassword?: string;
  /** One-line notices for the user: a withheld password, an ignored ~/.pgpass. */
  notice?: (line: string) => void;
}

export interface ParsedUrl { host: string; port: number; database: string; user: string; password?: string; params: URLSearchParams }

/** Parses a postgres:// URL; a clear LiveError when it is not one. */
export function parseDatabaseUrl(url: string, source = 'the database URL'): ParsedUrl {
  let u: URL;
  try { u = new URL(url); } catch { throw new LiveError(`${source} is not a URL; write it as postgres://user@host:5432/dbname`); }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new LiveError(`${source} must start with postgres:// or postgresql:// (mysql:// or mariadb:// for MySQL and MariaDB), not ${u.protocol}//`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const hostParam = u.searchParams.get('host');
  return {
    host: hostParam ?? (decodeURIComponent(u.hostname.replace(/^\[|\]$/g, '')) || 'localhost'),
    port: u.port ? Number(u.port) : 5432,
    database: database || decodeURIComponent(u.username) || os.userInfo().username,
    user: decodeURIComponent(u.username) || process.env.PGUSER || os.userInfo().username,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    params: u.searchParams,
  };
}

/** The URL with any password replaced by "***": safe to print. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:***@');
  }
}

/** "user@host:port/db": how messages name the server. */
export function describeTarget(p: ParsedUrl): string { return `${p.user}@${p.host}:${p.port}/${p.database}`; }

/**
 * The database URL to use: the command line first, then DBE_DATABASE_URL, then .dbe.json's
 * "database", then the editor setting. Settings and .dbe.json must not hold a password.
 */
export function resolveDatabaseUrl(sources: { flag?: string; env?: NodeJS.ProcessEnv; config?: string; setting?: string }): { url: string; source: string } | undefined {
  const env = sources.env ?? process.env;
  const pick: [string | undefined, string][] = [
    [sources.flag, '--database'], [env.DBE_DATABASE_URL, 'DBE_DATABASE_URL'], [sources.config, '.dbe.json "database"'], [sources.setting, 'dbEngineer.connection'],
  ];
  for (const [url, source] of pick) {
    if (!url) continue;
    const my = isMySqlUrl(url);
    const p = my ? parseMySqlUrl(url, source) : parseDatabaseUrl(url, source);
    if (p.password !== undefined && (source.startsWith('.dbe.json') || source === 'dbEngineer.connection')) {
      throw new LiveError(`${source} holds a password; remove it from the URL (${redactUrl(url)}) and set ${my ? 'MYSQL_PWD, use ~/.my.cnf' : 'PGPASSWORD, use ~/.pgpass'}, or the command "DB Engineer: Set Database Password"`);
    }
    return { url, source };
  }
  return undefined;
}

/**
 * The user's confirmation of a host, from a user-level list (dbEngineer.trustedDatabaseHosts):
 * entries are "host" (any port) or "host:port" ("[::1]:5432" for IPv6), compared without case.
 */
export function hostTrusted(p: ParsedUrl, trusted: readonly string[] | undefined): boolean {
  const host = p.host.toLowerCase();
  return (trusted ?? []).some((raw) => {
    const t = String(raw).trim().toLowerCase();
    if (!t) return false;
    const m = /^\[(.*)\](?::(\d+))?$/.exec(t) ?? /^([^:]*):(\d+)$/.exec(t);
    if (m) return m[1] === host && (m[2] === undefined || Number(m[2]) === p.port);
    return t === host;
  });
}

/**
 * Whether a password may go to the server a URL names, by where the URL came from: the user's own
 * command line and environment yes; .dbe.json (a file of the repository) only with
 * --trust-config-database or a confirmed host; the editor setting (a workspace can set it) only for
 * a confirmed host. Undefined: allowed; else the reason, for the one-line notice.
 */
export function passwordWithheld(source: string, p: ParsedUrl, o: { trustConfigDatabase?: boolean; trustedHosts?: readonly string[] } = {}): string | undefined {
  if (source === '--database' || source === 'DBE_DATABASE_URL') return undefined;
  if (hostTrusted(p, o.trustedHosts)) return undefined;
  const where = `${p.host}:${p.port}`;
  if (source.startsWith('.dbe.json')) {
    if (o.trustConfigDatabase) return undefined;
    return `the database URL comes from .dbe.json, a file of the repository, and names ${where}: no password is sent there unless you pass --trust-config-database (or give the URL yourself with --database or DBE_DATABASE_URL)`;
  }
  return `${source} can be set by the workspace, and ${where} is not in dbEngineer.trustedDatabaseHosts (a user setting): no password is sent there until you add it, or run "DB Engineer: Set Database Password"`;
}

/** The password for `p` from a .pgpass file (libpq's rules: host:port:database:user:password, `*` matches anything, `\` escapes). */
export function pgpassLookup(p: ParsedUrl, env: NodeJS.ProcessEnv = process.env, notice?: (line: string) => void): string | undefined {
  const file = env.PGPASSFILE || path.join(env.HOME || os.homedir(), '.pgpass');
  let text: string;
  try {
    const st = fs.statSync(file);
    // libpq ignores a password file that others can read
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      notice?.(`${file} is ignored: group or others can read it (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); chmod 600 it, as libpq also requires`);
      return undefined;
    }
    text = fs.readFileSync(file, 'utf8');
  } catch { return undefined; }
  const want = [p.host, String(p.port), p.database, p.user];
  for (const raw of text.split(/\r?\n/)) {
    if (!raw || raw.startsWith('#')) continue;
    const fields: string[] = [];
    let cur = '';
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i];
      if (c === '\\' && i + 1 < raw.length) { cur += raw[++i]; continue; }
      if (c === ':' && fields.length < 4) { fields.push(cur); cur = ''; continue; }
      cur += c;
    }
    fields.push(cur);
    if (fields.length !== 5) continue;
    const hostOk = fields[0] === '*' || fields[0] === want[0] || (fields[0] === 'localhost' && want[0].startsWith('/'));
    if (hostOk && [1, 2, 3].every((i) => fields[i] === '*' || fields[i] === want[i])) return fields[4];
  }
  return undefined;
}

type TlsOptions = import('node:tls').ConnectionOptions;

export const SSLMODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/**
 * libpq's sslmode (URL `sslmode`, else PGSSLMODE, else prefer) as the TLS options of a first and,
 * where libpq falls back, a second connection attempt. `sslrootcert` (else PGSSLROOTCERT, else
 * ~/.postgresql/root.crt when it exists; "system" for the system's CAs) is the CA to verify with;
 * require with a root certificate verifies it, as libpq does.
 */
export function tlsPlan(p: ParsedUrl, env: NodeJS.ProcessEnv = process.env): { mode: string; first: false | TlsOptions; second?: false | TlsOptions } {
  const mode = p.params.get('sslmode') ?? env.PGSSLMODE ?? 'prefer';
  if (!(SSLMODES as readonly string[]).includes(mode)) throw new LiveError(`sslmode must be one of ${SSLMODES.join(', ')}, not "${mode}"`);
  if (p.host.startsWith('/')) {
    // libpq never uses TLS on a Unix socket
    if (mode === 'require' || mode.startsWith('verify')) throw new LiveError(`sslmode=${mode} cannot be met over the Unix socket ${p.host}: connect by host name for TLS`);
    return { mode, first: false };
  }
  const rootParam = p.params.get('sslrootcert') ?? env.PGSSLROOTCERT;
  const defaultRoot = path.join(env.HOME || os.homedir(), '.postgresql', 'root.crt');
  const rootFile = rootParam ?? (fs.existsSync(defaultRoot) ? defaultRoot : undefined);
  let ca: string | undefined;
  if (rootFile && rootFile !== 'system') {
    try { ca = fs.readFileSync(rootFile, 'utf8'); } catch (e: any) { throw new LiveError(`cannot read the root certificate sslrootcert=${rootFile}: ${e?.code ?? e?.message ?? e}`); }
  }
  const noVerify: TlsOptions = { rejectUnauthorized: false };
  const verifyCa: TlsOptions = { rejectUnauthorized: true, ...(ca ? { ca } : {}), checkServerIdentity: () => undefined };
  const verifyFull: TlsOptions = { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
  switch (mode) {
    case 'disable': return { mode, first: false };
    case 'allow': return { mode, first: false, second: noVerify };
    case 'prefer': return { mode, first: noVerify, second: false };
    case 'require': return { mode, first: rootFile ? verifyCa : noVerify };
    default:
      if (!rootFile) throw new LiveError(`sslmode=${mode} needs the certificate authority to verify the server with: add sslrootcert=/path/to/root.crt to the URL (or sslrootcert=system), or put it in ~/.postgresql/root.crt`);
      return { mode, first: mode === 'verify-ca' ? verifyCa : verifyFull };
  }
}

/** A read-only session. Close it when done. */
export class LiveSession {
  private constructor(private readonly client: PgClient, readonly target: string, private readonly secret: string | undefined, readonly serverVersion: number,
    /** What the connection negotiated: "TLS 1.3", "no TLS", "Unix socket, no TLS". */
    readonly transport: string) {}

  static async open(o: LiveOptions): Promise<LiveSession> {
    const env = o.env ?? process.env;
    const p = parseDatabaseUrl(o.url, o.source);
    const target = describeTarget(p);
    let password: string | undefined;
    if (o.withholdPassword !== undefined) {
      // nothing from any source goes to a host the user has not confirmed; say so when there was one
      if (o.password ?? p.password ?? env.PGPASSWORD ?? pgpassLookup(p, env)) o.notice?.(`the password for ${target} is withheld: ${o.withholdPassword}`);
    } else {
      password = o.password ?? p.password ?? env.PGPASSWORD ?? pgpassLookup(p, env, o.notice);
    }
    const timeout = o.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    if (!Number.isInteger(timeout) || timeout < 1) throw new LiveError(`the statement timeout must be a positive whole number of milliseconds, not ${timeout}`);
    const { Client } = await import('pg');
    const tls = tlsPlan(p, env);
    const attempt = async (ssl: false | TlsOptions): Promise<PgClient> => {
      const client = new Client({
        host: p.host, port: p.port, database: p.database, user: p.user,
        // a function: pg then never falls back to its own (deprecated) .pgpass reading; a withheld
        // password fails the login before anything (not even an empty string) is sent
        password: async () => {
          if (o.withholdPassword !== undefined) throw new PasswordWithheld();
          return password ?? '';
        },
        application_name: 'dbe',
        connectionTimeoutMillis: o.connectTimeoutMs ?? 5000,
        // always explicit: pg would otherwise read PGSSLMODE itself, with other rules
        ssl,
        // set at session start, before any statement of ours can run
        // standard_conforming_strings=on: the server reads string literals as dbe's parser does (a
        // server set to off would read 'a\' differently and see statements or calls dbe did not)
        options: `-c default_transaction_read_only=on -c standard_conforming_strings=on -c statement_timeout=${timeout} -c lock_timeout=${timeout} -c idle_in_transaction_session_timeout=${Math.max(timeout * 2, 10000)}`,
      });
      // a connection that drops later must not crash the process: the next query fails instead
      client.on('error', () => undefined);
      try {
        await client.connect();
        return client;
      } catch (e) {
        try { await client.end(); } catch { /* not connected */ }
        throw e;
      }
    };
    let client: PgClient;
    try {
      try {
        client = await attempt(tls.first);
      } catch (e: any) {
        // libpq's fallbacks: prefer goes plain when the server has no TLS (or refuses the TLS login);
        // allow goes to TLS when the plain login is refused
        if (tls.second === undefined || !(/does not support SSL/i.test(String(e?.message)) || e?.code === '28000')) throw e;
        client = await attempt(tls.second);
      }
    } catch (e: any) {
      if (/does not support SSL/i.test(String(e?.message))) throw new LiveError(`cannot connect to ${target}: the server does not offer TLS, and sslmode=${tls.mode} requires it`);
      if (e?.code && /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|CERT_SIGNATURE_FAILURE)$/.test(e.code)) {
        throw new LiveError(`cannot connect to ${target}: the server's TLS certificate does not pass sslmode=${tls.mode} (${e.code}: ${scrub(String(e.message), password)})`);
      }
      throw connectError(e, target, password, o.withholdPassword !== undefined);
    }
    const stream = (client as any).connection?.stream;
    const proto = typeof stream?.getProtocol === 'function' ? stream.getProtocol() : null;
    const transport = proto ? String(proto).replace(/^TLSv/, 'TLS ') : p.host.startsWith('/') ? 'Unix socket, no TLS' : 'no TLS';
    const session = new LiveSession(client, target, password, 0, transport);
    try {
      const r = await session.query<{ v: string; ro: string; scs: string }>(`${DBE_MARK} SELECT current_setting('server_version_num') AS v, current_setting('default_transaction_read_only') AS ro, current_setting('standard_conforming_strings') AS scs`);
      if (r.rows[0].ro !== 'on') throw new LiveError(`${target}: the session could not be made read-only; dbe does not use it`);
      if (r.rows[0].scs !== 'on') throw new LiveError(`${target}: standard_conforming_strings could not be turned on for the session; dbe does not use it`);
      (session as { serverVersion: number }).serverVersion = Number(r.rows[0].v);
    } catch (e) {
      await session.close();
      throw e;
    }
    return session;
  }

  /**
   * Sends one statement through the extended protocol (Parse/Bind/Execute), never the simple one:
   * the server then refuses a text holding more than one statement (42601, "cannot insert multiple
   * commands into a prepared statement"), so no text can smuggle a COMMIT and a write past us.
   */
  private async run<R extends Record<string, any>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    // queryMode is in pg 8.23's Query (lib/query.js) but not in @types/pg's QueryConfig
    const config = { text: sql, values: (params ?? []) as any[], queryMode: 'extended' };
    const r: unknown = await this.client.query(config as any);
    if (Array.isArray(r) || !r || !Array.isArray((r as QueryResult<R>).rows)) throw new LiveError(`${this.target}: the server answered one statement with ${Array.isArray(r) ? r.length : 'no'} results; dbe stops here`);
    return r as QueryResult<R>;
  }

  /** Runs one statement; failures become a LiveError naming the server, the password scrubbed. */
  async query<R extends Record<string, any> = any>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    try {
      return await this.run<R>(sql, params);
    } catch (e) {
      if (e instanceof LiveError) throw e;
      throw queryError(e, this.target, this.secret);
    }
  }

  /** Like query, but returns PostgreSQL's error instead of throwing it (for EXPLAIN of user queries). */
  async tryQuery<R extends Record<string, any> = any>(sql: string, params?: unknown[]): Promise<{ ok: true; result: QueryResult<R> } | { ok: false; message: string; code?: string; position?: number }> {
    try {
      return { ok: true, result: await this.run<R>(sql, params) };
    } catch (e: any) {
      if (e instanceof LiveError) throw e;
      if (e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && e.code !== '57014' && !e.code.startsWith('08')) {
        return { ok: false, message: scrub(String(e.message), this.secret), code: e.code, position: e.position ? Number(e.position) : undefined };
      }
      throw queryError(e, this.target, this.secret);
    }
  }

  async close(): Promise<void> {
    try { await this.client.end(); } catch { /* already gone */ }
  }
}

/** Removes the password (raw and URL-encoded) from a message. */
export function scrub(message: string, secret: string | undefined): string {
  let m = message;
  if (secret) for (const s of new Set([secret, encodeURIComponent(secret)])) m = m.split(s).join('***');
  return m.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*):[^@/\s]*@/g, '$1:***@');
}

function connectError(e: any, target: string, secret: string | undefined, withheld = false): LiveError {
  const code: string | undefined = e?.code;
  const msg = scrub(String(e?.message ?? e), secret);
  if (e instanceof PasswordWithheld || withheld && (code === '28P01' || /SASL|password must be a string|client password/i.test(msg))) return new LiveError(`cannot connect to ${target}: the server wants a password, and dbe withheld it (the URL's host is not confirmed; see the line above)`);
  switch (code) {
    case 'ECONNREFUSED': return new LiveError(`cannot connect to ${target}: connection refused (is the server running and listening on that host and port?)`);
    case 'ENOTFOUND': case 'EAI_AGAIN': return new LiveError(`cannot connect to ${target}: the host name does not resolve`);
    case 'ETIMEDOUT': case 'EHOSTUNREACH': case 'ENETUNREACH': return new LiveError(`cannot connect to ${target}: the host does not answer (${code})`);
    case '28P01': return new LiveError(`cannot connect to ${target}: password authentication failed for user "${target.split('@')[0]}" (dbe takes the password from the editor's stored password, PGPASSWORD or ~/.pgpass)`);
    case '28000': return new LiveError(`cannot connect to ${target}: the server refused the login: ${msg}`);
    case '3D000': return new LiveError(`cannot connect to ${target}: ${msg}`);
    case '57P03': return new LiveError(`cannot connect to ${target}: the server is starting up or shutting down`);
    case '53300': return new LiveError(`cannot connect to ${target}: the server has no free connection slots (${msg})`);
  }
  if (/timeout/i.test(msg)) return new LiveError(`cannot connect to ${target}: no answer within the connection timeout`);
  if (/SASL|password must be a string|client password/i.test(msg)) return new LiveError(`cannot connect to ${target}: the server wants a password and none was found (set PGPASSWORD, add it to ~/.pgpass, or run "DB Engineer: Set Database Password")`);
  return new LiveError(`cannot connect to ${target}: ${msg}`);
}

function queryError(e: any, target: string, secret: string | undefined): LiveError {
  const code: string | undefined = e?.code;
  const msg = scrub(String(e?.message ?? e), secret);
  if (code === '57014') return new LiveError(`${target}: the statement was cancelled by the statement timeout (${msg})`);
  if (code === '25006') return new LiveError(`${target}: refused: the session is read-only (${msg})`);
  if (code?.startsWith('08') || /Connection terminated|ECONNRESET/.test(msg)) return new LiveError(`${target}: the connection was lost (${msg})`);
  return new LiveError(`${target}: ${msg}${code ? ` (SQLSTATE ${code})` : ''}`);
}
